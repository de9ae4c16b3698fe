/*
 * Internals shared by the node's files (not part of the public API,
 * thread/node.h): struct tnode, and the tn_* base functions of node_base.c.
 *
 * The files form layers; each calls only the ones below it (its private
 * header names what it offers upward), and reaches up only through the
 * struct tn_up hooks node.c sets:
 *
 *   node.c        public API, lifecycle, dataset and keys, MLE receive
 *                 dispatch, TCP/UDP sockets                    (top)
 *   mle_child.c   attach, keep-alive, re-attach (the child role)
 *   mle_router.c  leader formation, the parent and router roles (interop §3.3)
 *   mle_link.c    router links, Advertisements, REED upgrade / downgrade
 *   mle_partition.c  partition comparison, attach modes, merging, Server Data sync
 *   tmf_agent.c   TMF (UDP 61631): a/as, a/ar, a/sd; dispatch
 *   addr_resolver.c  the EID cache, a/aq, a/an, a/ae
 *   mesh.c        IPv6 <-> 6LoWPAN <-> MAC, mesh headers, relaying, MPL,
 *                 MAC security policy, forwarding, the MAC callbacks;
 *                 secured MLE send
 *   mesh_route.c  route decisions (next hop, RouteLookup, ALOCs)
 *   node_base.c   logging, randomness, addresses, persistence of NETWORK_INFO
 *                 and the frame counters, applying Network Data, role
 *   child_table.c, node_store.c  pure modules (no struct tnode)  (bottom)
 */
#ifndef TBR_THREAD_NODE_PRIV_H
#define TBR_THREAD_NODE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap.h"
#include "ip6/ip6.h"
#include "ip6/mpl.h"
#include "ip6/tcp.h"
#include "lowpan/lowpan.h"
#include "lowpan/lowpan_frag.h"
#include "mac/mac.h"
#include "netdata/netdata.h"
#include "thread/child_table.h"
#include "thread/dataset.h"
#include "thread/keys.h"
#include "thread/mle_msg.h"
#include "thread/mle_partition.h"
#include "thread/node.h"
#include "thread/router_table.h"
#include "util/kv.h"

#define TN_ADDR_CACHE 256 /* EID -> RLOC16 entries (OT with the border router on) */
#define TN_ADDR_CACHE_SNOOP_MAX (TN_ADDR_CACHE / 16) /* snooped entries held at once */
#define TN_SNOOP_TIMEOUT_S 3                         /* kSnoopBlockEvictionTimeout */
#define TN_CACHE_FRESHNESS_S 3                       /* CacheEntry::kFreshnessTimeout */
#define TN_PENDING_PKTS 4                            /* packets waiting for an address query */
#define TN_LOOPBACK_PKTS 2 /* packets to ourselves, delivered at the next process */
#define TN_TXQ 64          /* 6LoWPAN frames waiting for room in the MAC queue */
#define TN_TMF_RETX 4      /* CON messages we may have to retransmit */
#define TN_TMF_MSG_MAX 256 /* largest TMF message we send (a/sd with Network Data) */
#define TN_MLE_VERSION 4   /* Thread 1.3 in our Version TLV (interop §3.3: 4 or 5) */
#define TN_WEIGHTING 64    /* Leader Data weighting */
#define TN_CHILD_TIMEOUT_S CHILD_TABLE_TIMEOUT_S
#define TN_LEADER_ALOC 0xfc00
#define TN_SERVICE_ALOC_COUNT 16
#define TN_UDP_SOCKS 4 /* application UDP sockets (tnode_udp_*) */
#define TN_TCP_TXQ 16  /* TCP segments waiting to be wrapped in IPv6 and sent */
#define TN_TCP_HOP_LIMIT 64

/* Attach timing (interop §3.3, §3.9): Parent Request windows. */
#define TN_PR_ROUTERS_MS 750
#define TN_PR_REEDS_MS 1250
#define TN_CHILD_ID_WAIT_MS 1250
#define TN_ATTACH_RETRY_MS 5000 /* a non-router-eligible node tries again after this */
/* Keep-alive (mle.cpp: kUnicastRetxDelay 1 s, 4 attempts). */
#define TN_KEEPALIVE_RETX_MS 1000
#define TN_KEEPALIVE_TRIES 4
/* Trickle for Advertisements (interop §3.3: Imin 1 s, Imax 32 s). */
#define TN_ADV_IMIN_MS 1000
#define TN_ADV_IMAX_MS 32000
/* Imax per neighbour router with LQ >= 2, and its lower bound
 * (mle.hpp kAdvIntervalNeighborMultiplier, kAdvIntervalMaxLowerBound). */
#define TN_ADV_IMAX_PER_NBR_MS 4000
#define TN_REED_ADV_MIN_MS 570000 /* kReedAdvIntervalMin: a REED's Advertisements */
#define TN_REED_ADV_MAX_MS 630000 /* kReedAdvIntervalMax */
#define TN_ADV_IMAX_MIN_MS 12000
/* Address query (config/tmf.h): 3 s wait, retry delay 15 s doubling to 120 s. */
#define TN_AQ_TIMEOUT_S 3
#define TN_AQ_RETRY_MIN_S 15
#define TN_AQ_RETRY_MAX_S 120

/* The parent, or the candidate chosen during attach. */
struct tn_parent {
    bool valid;
    uint8_t ext[8];
    uint16_t rloc16;
    uint16_t version;
    struct mle_leader_data leader;
    struct mle_challenge challenge; /* theirs, echoed in the Child ID Request */
    struct mle_connectivity conn;
    uint8_t link_margin;
    int8_t rssi;
    struct child_table_sec sec;
    uint64_t last_heard_ms;
};

enum tn_attach_state {
    TN_ATTACH_IDLE = 0,
    TN_ATTACH_PARENT_REQ, /* Parent Request sent, collecting responses */
    TN_ATTACH_CHILD_ID,   /* Child ID Request sent */
    TN_ATTACH_WAIT,       /* waiting before another attempt */
};

/* EID cache lists (address_resolver.cpp; addr_resolver.c). */
enum tn_cache_state {
    TN_CACHE_FREE = 0,
    TN_CACHE_CACHED,  /* answered by a/an, or a snooped entry in use */
    TN_CACHE_SNOOPED, /* learned from a received frame */
    TN_CACHE_QUERY,   /* a/aq sent, waiting for a/an */
    TN_CACHE_RETRY,   /* the query failed: no new one before its retry delay */
};

struct tn_cache {
    uint8_t state; /* enum tn_cache_state */
    uint8_t eid[16];
    uint16_t rloc16;
    uint8_t ml_iid[8]; /* CACHED from an a/an */
    bool ltt_valid;
    uint32_t ltt;         /* Last Transaction Time (s) of the a/an */
    uint8_t freshness;    /* s left of kFreshnessTimeout after an a/an */
    bool can_evict;       /* SNOOPED / QUERY / RETRY */
    bool ramp_down;       /* RETRY: the retry delay is being halved back */
    uint16_t timeout;     /* s: SNOOPED hold, QUERY wait, RETRY delay left */
    uint16_t retry_delay; /* s */
    uint32_t order;       /* position in its list: higher = nearer the head */
};
/* Orders fit in 30 bits (tnode_eidcache_next's iterator holds the list too). */
#define TN_CACHE_ORDER_BITS 30
#define TN_CACHE_ORDER_MAX ((1u << TN_CACHE_ORDER_BITS) - 1)

struct tn_pkt {
    bool used;
    uint16_t len;
    uint64_t time_ms;
    uint8_t data[IP6_MTU];
};

struct tn_frame {
    struct mac_tx_req req; /* payload points to data */
    uint8_t len;
    uint8_t data[LOWPAN_FRAME_MAX];
};

/* An application UDP socket (OpenThread's otUdpSocket as the CLI uses it). */
struct tn_udp {
    bool used;
    int handle; /* ip6 socket handle, -1 while unbound */
    bool has_addr;
    uint8_t addr[16]; /* bound address (has_addr) */
    uint16_t port;    /* bound port (0 while unbound) */
    uint8_t peer[16]; /* connected peer (:: none) */
    uint16_t peer_port;
    tnode_udp_cb cb;
    void *ctx;
    struct tnode *node;
};

/* The owner of a TCP endpoint. */
struct tn_tcp_user {
    tnode_tcp_cb cb;
    void *ctx;
};

/* A TCP segment from ops->send, sent after tcp_input() / the API call returns
 * (ops->send must not re-enter tcp_input()). */
struct tn_tcp_seg {
    uint8_t src[16], dst[16];
    uint16_t len;
    uint8_t seg[IP6_MTU - IP6_HDR_LEN];
};

struct tn_tmf_retx {
    bool used;
    uint8_t uri;   /* enum tmf_uri of the request */
    unsigned slot; /* coap pending slot */
    uint8_t dst[16];
    uint16_t len;
    uint8_t msg[TN_TMF_MSG_MAX];
};

/* A neighbour router's security state (by router ID): the MAC and MLE
 * replay windows of its frames, as a child's (child_table_sec); the
 * challenge of our Link Request to it, and when a delayed one is due. */
struct tn_rnbr {
    uint8_t ext[8];
    struct child_table_sec sec;
    struct mle_challenge challenge; /* ours in a Link Request / Link Accept And Request */
    uint64_t lr_due_ms;             /* a Link Request is due then (0: none) */
    uint64_t adv_due_ms;            /* a unicast Advertisement is due then (0: none) */
};

/* The receiver's noise floor for link margins (the simulated radios,
 * OpenThread's sim platform included, report -100 dBm). */
#define TN_NOISE_FLOOR (-100)
/* mle.hpp kMaxLinkRequestDelayOnRouter (ms): a Link Request after an
 * Advertisement waits a random delay up to this. (A Link Accept goes out at
 * once, also to a multicast Link Request, where OpenThread waits up to
 * kMaxLinkAcceptDelay: OpenThread sends those only to restore a router.) */
#define TN_LINK_REQUEST_DELAY_MS 1000
#define TN_MIN_DOWNGRADE_NEIGHBORS 7 /* mle.hpp kMinDowngradeNeighbors */

/* Router-role settings (OpenThread's CLI names; mle.hpp defaults). */
#define TN_ROUTER_SELECTION_JITTER_S 120 /* kRouterSelectionJitter */
#define TN_ROUTER_UPGRADE_THRESHOLD 16   /* kRouterUpgradeThreshold */
#define TN_ROUTER_DOWNGRADE_THRESHOLD 23 /* kRouterDowngradeThreshold */
struct tn_router_cfg {
    bool router_eligible;        /* `routereligible` (FTD; starts as cfg.router_eligible) */
    uint8_t jitter_s;            /* `routerselectionjitter` */
    uint8_t upgrade_threshold;   /* `routerupgradethreshold` */
    uint8_t downgrade_threshold; /* `routerdowngradethreshold` */
    uint8_t leader_weight;       /* `leaderweight` (Leader Data weighting) */
    bool has_preferred_partition;
    uint32_t preferred_partition; /* `partitionid preferred` (tests) */
};

/* The MAC rx frame being processed (valid inside tnode_radio_rx). */
struct tn_rx {
    const struct mac_rx_info *info;
    bool secured;
    uint16_t mesh_orig, mesh_final; /* its mesh header's addresses (0xfffe: none) */
};

struct tnode;
struct tmf_addr_solicit_rsp;

/* Upward calls, set by node.c when the node is made: the lower files reach
 * the files above them only through these. */
struct tn_up {
    /* mesh -> node: the IPv6 input of a received or looped-back packet
     * (TCP first, then the IPv6 layer); ip is &n->ip. */
    enum ip6_verdict (*ip6_input)(struct ip6 *ip, const uint8_t *pkt, size_t len, uint64_t now_ms,
                                  const struct ip6_link_info *link, struct ip6_rx_info *info);
    /* mesh -> tmf_agent: the EID -> RLOC16 cache and address queries. */
    bool (*cache_lookup)(struct tnode *n, const uint8_t eid[16], uint16_t *rloc16);
    void (*cache_learn)(struct tnode *n, const uint8_t eid[16], uint16_t rloc16);
    enum ot_err (*addr_query)(struct tnode *n, const uint8_t eid[16], const uint8_t *pkt,
                              size_t len);
    /* mesh -> mle_router: an MTD child of ours was heard through another
     * router (it moved to a new parent): forget it. */
    void (*child_moved)(struct tnode *n, struct child_table_entry *c);
    /* tmf_agent -> mle_router: the leader's Network Data store changed. */
    void (*netdata_changed)(struct tnode *n);
    /* tmf_agent -> mle_link: the leader allocated a router ID (a/as). */
    void (*routers_changed)(struct tnode *n);
    /* tmf_agent -> mle_link: the leader released router ID id (a/ar):
     * its Network Data and EID cache entries go. */
    void (*router_released)(struct tnode *n, uint8_t id);
    /* tmf_agent -> mle_link: the answer to our a/as (NULL: none came). */
    void (*addr_solicit_done)(struct tnode *n, const struct tmf_addr_solicit_rsp *rsp);
    /* mle_router -> mle_child: attach again (a router leaving its partition). */
    void (*reattach)(struct tnode *n);
};

struct tnode {
    struct tnode_cfg cfg; /* cfg.kv points at kv below (or is NULL) */
    struct kv kv;         /* the store handed in, copied */
    struct tn_up up;
    uint64_t now;
    struct tn_deferq *deferq; /* tnode_ip6_send_deferred() (node.c), made on first use */

    struct mac_layer mac;
    struct ip6 ip;
    struct lowpan_ctx_table ctx;
    struct lowpan_reasm reasm;
    struct coap_ctx coap;

    /* identity */
    uint8_t ext[8];
    uint8_t ml_iid[8];
    uint8_t mode;
    bool ifup;
    enum tnode_role role;
    uint16_t rloc16; /* MAC_SHORT_NONE when detached */

    /* dataset and keys */
    bool has_active;
    struct dataset_tlvs active;
    struct dataset_tlvs buffer;
    struct dataset_info ds;
    bool has_active_ts;
    struct mle_timestamp active_ts;
    uint32_t key_seq;
    struct thread_keys keys; /* of key_seq */

    /* frame counters and their store-ahead (interop §3.1, §3.9) */
    uint32_t mle_fc;
    uint32_t mle_fc_stored, mac_fc_stored; /* 0: nothing persisted for key_seq */
    bool fc_refusing;                      /* a failed store-ahead: secured frames refused */
    uint64_t fc_retry_ms;                  /* while refusing: the next store attempt */

    /* saved state restored at thread start */
    uint8_t saved_role; /* enum tnode_role written to NETWORK_INFO */
    bool restore_leader;
    uint32_t saved_partition;
    uint16_t saved_rloc16;

    /* partition (leader and child) */
    struct mle_leader_data leader;
    uint8_t netdata[NETDATA_MAX_LEN];
    size_t netdata_len;
    bool has_nat64;
    struct addr_prefix6 nat64;

    /* routers (thread/router_table.h): IDs, links, routes; settings */
    struct router_table rt;
    struct tn_rnbr rnbr[ROUTER_TABLE_MAX_ID + 1];
    struct tn_router_cfg rcfg;
    struct tn_partition part; /* attach modes, the partition we left (mle_partition.c) */

    /* leader / parent role */
    struct netdata_leader store;
    uint8_t local_nd[NETDATA_MAX_LEN];
    size_t local_nd_len;
    uint8_t router_id;
    uint8_t prev_router_id;  /* asked for again in our a/as (ROUTER_TABLE_INVALID_ID: none) */
    uint64_t rt_tick_ms;     /* next router_table_tick (once a second) */
    uint64_t upgrade_ms;     /* REED: the Address Solicit is due (0: none) */
    uint64_t reed_adv_ms;    /* REED: the next multicast Advertisement (0: none) */
    bool as_pending;         /* an a/as of ours waits for its answer */
    uint64_t downgrade_ms;   /* router: the downgrade is due (0: none) */
    uint16_t release_rloc16; /* downgraded: a/ar of this router RLOC16 once a child again
                              * (MAC_SHORT_NONE: none) */
    uint64_t adv_i_ms, adv_t_ms, adv_end_ms; /* trickle interval, send time, end */
    bool adv_sent_this_interval;
    struct child_table children;

    /* child role */
    struct tn_parent parent, cand;
    uint8_t attach_state;
    uint8_t attach_round; /* 0: routers only, 1: routers + REEDs */
    uint64_t attach_deadline_ms;
    struct mle_challenge attach_challenge;
    uint32_t timeout_s;
    uint64_t keepalive_ms;   /* next keep-alive Child Update Request */
    uint8_t keepalive_tries; /* unanswered ones */
    bool keepalive_waiting;
    uint64_t data_req_ms; /* a Data Request is due (0: none) */
    bool addr_reg_due;    /* MTD: tell the parent our addresses */

    /* mesh */
    struct tn_frame txq[TN_TXQ];
    unsigned txq_head, txq_count;
    bool in_kick;
    uint16_t frag_tag;
    struct tn_rx rx;
    struct tn_pkt loopback[TN_LOOPBACK_PKTS];
    struct tn_pkt pending[TN_PENDING_PKTS];
    struct mpl mpl; /* RFC 7731 seed set and buffered set (mesh.c) */

    /* TMF */
    struct tn_cache cache[TN_ADDR_CACHE];
    uint32_t cache_order;   /* last list position handed out */
    uint64_t cache_tick_ms; /* next 1 s tick of the cache timers (0: none running) */
    struct tn_tmf_retx retx[TN_TMF_RETX];
    uint16_t tmf_token;

    /* ping */
    tnode_ping_cb ping_cb;
    void *ping_ctx;

    /* UDP sockets and TCP (the `udp` / `tcp` CLI commands) */
    struct tn_udp udp[TN_UDP_SOCKS];
    uint16_t udp_ephemeral; /* last ephemeral port handed out */
    struct tcp_ctx tcp;
    struct tn_tcp_user tcp_user[TCP_MAX_EP];
    struct tn_tcp_seg tcp_txq[TN_TCP_TXQ];
    unsigned tcp_txq_head, tcp_txq_count;
    bool tcp_flushing;

    struct tnode_counters cnt;
};

/* ---- node_base.c --------------------------------------------------------- */

void tn_log(struct tnode *n, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tn_random(struct tnode *n, void *buf, size_t len);
uint32_t tn_rand32(struct tnode *n);
/* Uniform in [lo, hi] (hi >= lo). */
uint32_t tn_rand_range(struct tnode *n, uint32_t lo, uint32_t hi);
/* The next MLE frame counter in *fc (stored ahead through the store first
 * if needed). False, with nothing handed out, when the counter has reached
 * the persisted value and the store refused the write (node.h,
 * tnode_frame_counters): the message must not be sent. */
bool tn_next_mle_fc(struct tnode *n, uint32_t *fc);
/* Before every MAC-secured mac_layer_send: true when the MAC counter about
 * to be used is below the persisted one (stored ahead first if needed);
 * false when the frame must be dropped, as for tn_next_mle_fc. */
bool tn_check_mac_fc(struct tnode *n);
/* Persist NETWORK_INFO (role, RLOC16, partition, counters + ahead); a
 * failure is counted and logged. False when the store refused it. */
bool tn_save_network_info(struct tnode *n);
/* Persist the child table (CHILD_INFO); failures are counted. */
void tn_save_children(struct tnode *n);
/* The Leader Data we hold. */
void tn_leader_data(const struct tnode *n, struct mle_leader_data *ld);
/* Network Data changed (leader: the store; child: received): contexts,
 * SLAAC addresses, NAT64 prefix; MTD children re-register addresses. */
void tn_netdata_apply(struct tnode *n, const uint8_t *nd, size_t len);
/* Adds/removes the service ALOCs of the services this node serves. */
void tn_service_alocs_sync(struct tnode *n);
/* The link margin of the frame being received (n->rx.info; -20 dBm for a
 * looped-back packet of our own) over TN_NOISE_FLOOR. */
uint8_t tn_rx_link_margin(const struct tnode *n);
/* The mesh-local prefix (8 bytes) or NULL. */
const uint8_t *tn_ml_prefix(const struct tnode *n);
bool tn_is_ml(const struct tnode *n, const uint8_t addr[16]);
void tn_set_role(struct tnode *n, enum tnode_role role);
/* link-local address from an ext address */
void tn_ll_from_ext(const uint8_t ext[8], uint8_t out[16]);
/* Builds an Address Registration of our unicast addresses (MTD child). */
void tn_addr_reg_build(struct tnode *n, struct mle_addr_reg *ar);
/* Resolves an Address Registration entry (context id -> prefix) into a full
 * address. False for unknown contexts. */
bool tn_addr_reg_resolve(const struct tnode *n, const struct mle_addr_entry *e, uint8_t out[16]);

/* The valid neighbour router with this ext address, or -1. */
int tn_rnbr_by_ext(const struct tnode *n, const uint8_t ext[8]);
/* MAC/MLE replay state of the valid neighbour router sending from src
 * (ext, or its router RLOC16) while we are a router or leader; *ext
 * (optional) its ext address. NULL: no such neighbour. */
struct child_table_sec *tn_rnbr_sec(struct tnode *n, const struct mac_addr *src,
                                    const uint8_t **ext);
/* A frame from ext: a neighbour router's RSS average and last heard
 * (router_table_link_rx). */
void tn_rnbr_heard(struct tnode *n, const uint8_t ext[8], int8_t rssi);

/* helpers */
static inline int64_t tn_min_due(int64_t a, int64_t b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

/* ms until t (0 when due), for next-timeout computations */
static inline int64_t tn_until(uint64_t now, uint64_t t)
{
    return t <= now ? 0 : (int64_t)(t - now);
}

#endif
