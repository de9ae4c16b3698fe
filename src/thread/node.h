/*
 * A Thread device: one instance of the stack (MAC, 6LoWPAN, IPv6, MLE,
 * Network Data, TMF) over a radio, with the state an OpenThread CLI shows.
 *
 * Roles: disabled -> detached -> child (attaches to a parent) or leader
 * (forms a one-router partition and is the parent of children). Routers
 * other than the leader are not built yet: the leader answers Address
 * Solicit with "no address available", so OpenThread FTDs stay children
 * (thread-sim-interop.md §3.8).
 *
 * No I/O inside and no clock reads: the caller owns the radio (struct
 * radio_ops), passes now_ms into every call, polls tnode_next_timeout_ms(),
 * and feeds received frames to tnode_radio_rx(). Randomness comes from the
 * cfg callback; persistence through the optional key/value store (util/kv.h,
 * cfg.kv; what it keeps: thread/node_store.h, thread/child_table.h). No global
 * state: many nodes may live in one process (a simulator, tests).
 *
 * Every call returns an enum ot_err (OpenThread's otError numbers), so
 * the CLI prints "Error N: Name".
 */
#ifndef TBR_THREAD_NODE_H
#define TBR_THREAD_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip6/mpl.h"
#include "ip6/tcp.h"
#include "radio/radio.h"
#include "util/addr.h"
#include "util/ot_err.h"

struct mac_pcap;
struct kv;
struct dataset_tlvs;

enum tnode_role {
    TNODE_DISABLED, /* "disabled": thread stopped */
    TNODE_DETACHED, /* "detached": looking for a parent or about to form */
    TNODE_CHILD,    /* "child" */
    TNODE_ROUTER,   /* "router" */
    TNODE_LEADER,   /* "leader" */
};

/* "disabled", "detached", "child", "router", "leader" (OpenThread's strings). */
const char *tnode_role_name(enum tnode_role r);

/* Device mode bits (MLE Mode TLV; the CLI's `mode` prints "rdn" etc.). */
#define TNODE_MODE_RX_ON 0x08
#define TNODE_MODE_FTD 0x02
#define TNODE_MODE_FULL_NETDATA 0x01

/*
 * The mesh neighbour a packet for the host side came from (host_rx): the
 * MAC source of the frame that carried it, so the host side can tell the
 * devices apart when they share one /64 (the OMR prefix; NAT64 per-device
 * caps). known: the frame came from a child in our child table, rloc16 is
 * that child's RLOC16 (an extended-address source is looked up in the
 * child table; a short source is taken as it is, the MAC having found the
 * child by it). Not known: the node's own packets (sent from the node's IPv6
 * stack) or a sender outside the child table; rloc16 is then
 * TNODE_RLOC16_UNKNOWN. A packet that came over several hops (a mesh
 * header, RFC 4944 §5.2) reports the mesh originator: the device's RLOC16,
 * or its parent router's when the parent forwarded it for an MTD child.
 * relayed: a router handed it on (a mesh header, or a neighbour router's
 * frame): the device behind that router is not known from the link.
 */
#define TNODE_RLOC16_UNKNOWN 0xfffe /* IEEE 802.15.4: no short address */
struct tnode_rx_link {
    bool known;
    uint16_t rloc16;
    bool relayed;
};

/* A 64-bit key naming the sender (never 0 when known: 1 << 16 | rloc16);
 * 0 for NULL or a sender not known. */
uint64_t tnode_rx_link_key(const struct tnode_rx_link *l);
/* The device key the border router's per-device caps (NAT64, DNS
 * transactions) count on: our child's link key; for a relayed packet, a
 * key of its IPv6 source address src (bit 62 set: never a link key) -- the
 * router in between forwards for many devices, which the one key of a
 * shared /64 or of that router would starve; else 0 (the caps fall back to
 * the source /64). */
uint64_t tnode_rx_device_key(const struct tnode_rx_link *l, const uint8_t src[16]);

struct tnode_cfg {
    uint8_t node_id; /* for logs and the default extended address seed */
    const struct radio_ops *radio_ops;
    void *radio;
    struct mac_pcap *pcap; /* optional: capture every frame */
    /* Optional: the store (util/kv.h) for the dataset, counters, role and
     * children. Copied at tnode_new (the ops and ctx must outlive the node). */
    const struct kv *kv;
    /* Fills buf with len random bytes (cryptographic quality for challenges,
     * keys and ML-EID). Required. */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink: level 1 error .. 4 debug. */
    void (*log)(void *user, int level, const char *msg);
    /* Optional: IPv6 packets the node does not consume and cannot forward in
     * the mesh (destination outside the mesh) -- the border router's host
     * side (TUN). The node keeps nothing after the call. link: who sent it
     * on the mesh (never NULL). now_ms: the time of the call into the node
     * that delivers the packet. */
    void (*host_rx)(void *user, const uint8_t *pkt, size_t len, const struct tnode_rx_link *link,
                    uint64_t now_ms);
    void *user;
    bool router_eligible; /* may form a partition as leader (FTD default true) */
};

struct tnode;

/* Creates a node. With cfg->kv, restores the saved dataset, extended
 * address, ML-EID, frame counters (stored ahead, so none is reused) and the
 * NAT64 etc. keys other modules keep there; without, a fresh random extended
 * address. NULL on bad cfg or no memory (message via log). */
struct tnode *tnode_new(const struct tnode_cfg *cfg, uint64_t now_ms);
void tnode_free(struct tnode *n);

/* ---- driving the node ---------------------------------------------------- */

/* The radio receive callback (radio_rx_cb): user is the struct tnode. Must be
 * called as soon as a frame arrives (the MAC ACKs inside this call). */
void tnode_radio_rx(void *user, const struct radio_rx_frame *f);
/* The radio's tx-done callback (radio_tx_done_cb; RADIO_CAP_TX_DONE
 * radios such as the RCP): user is the struct tnode. Completes the MAC frame
 * in flight (mac_layer_radio_tx_done); d->now_ms is the time. */
void tnode_radio_tx_done(void *user, const struct radio_tx_done *d);
/* Runs due timers (MAC retries, MLE, trickle, child timeouts, ping). */
void tnode_process(struct tnode *n, uint64_t now_ms);
/* Milliseconds until tnode_process() has work, -1 for none. */
int64_t tnode_next_timeout_ms(const struct tnode *n, uint64_t now_ms);

/* ---- dataset (OpenThread's CLI: `dataset ...`) --------------------------- */

/* The dataset being edited by `dataset init new` / `dataset <field> <value>`
 * before `dataset commit active` (OpenThread's "dataset buffer"). */
struct dataset_tlvs *tnode_dataset_buffer(struct tnode *n);
/* `dataset init new`: a new random network in the buffer. */
enum ot_err tnode_dataset_init_new(struct tnode *n);
/* `dataset init active`: copy the active dataset into the buffer. */
enum ot_err tnode_dataset_init_active(struct tnode *n);
/* `dataset commit active`: the buffer becomes the active dataset (saved). */
enum ot_err tnode_dataset_commit_active(struct tnode *n, uint64_t now_ms);
/* `dataset set active <hex>`. */
enum ot_err tnode_dataset_set_active(struct tnode *n, const uint8_t *tlvs, size_t len,
                                     uint64_t now_ms);
/* The active dataset TLVs (NULL and *len 0 when none). */
const uint8_t *tnode_active_dataset(const struct tnode *n, size_t *len);

/* ---- interface and Thread ----------------------------------------------- */

enum ot_err tnode_ifconfig(struct tnode *n, bool up, uint64_t now_ms);
bool tnode_ifconfig_up(const struct tnode *n);
/* `thread start`: InvalidState without an active dataset or with the
 * interface down. */
enum ot_err tnode_thread_start(struct tnode *n, uint64_t now_ms);
enum ot_err tnode_thread_stop(struct tnode *n, uint64_t now_ms);
/* `state detached|child|router|leader` (otThreadBecome*, mle.cpp /
 * mle_ftd.cpp). All: InvalidState while disabled.
 *   detached: leave the partition and attach again to any partition;
 *   child:    attach again as a child (Busy while already attaching);
 *   router:   a child asks the leader for a router ID now (a/as, reason
 *             "have Child ID Request"); InvalidState when detached,
 *             NotCapable when not router-eligible; nothing when a router
 *             or leader already;
 *   leader:   form a new partition and lead it (nothing when leader
 *             already); NotCapable when not router-eligible, or attached
 *             and our `leaderweight` is not above the partition's. */
enum ot_err tnode_become_detached(struct tnode *n, uint64_t now_ms);
enum ot_err tnode_become_child(struct tnode *n, uint64_t now_ms);
enum ot_err tnode_become_router(struct tnode *n, uint64_t now_ms);
enum ot_err tnode_become_leader(struct tnode *n, uint64_t now_ms);
/* `factoryreset`: forget everything (settings erased), back to disabled. */
void tnode_factoryreset(struct tnode *n, uint64_t now_ms);

enum tnode_role tnode_role(const struct tnode *n);
uint16_t tnode_rloc16(const struct tnode *n);
void tnode_ext_addr(const struct tnode *n, uint8_t out[8]);
uint8_t tnode_mode(const struct tnode *n);
/* `mode rdn` etc.; takes effect at once (a child tells its parent). */
enum ot_err tnode_set_mode(struct tnode *n, uint8_t mode, uint64_t now_ms);

/* ---- addresses (`ipaddr`) ------------------------------------------------ */

enum tnode_addr_kind {
    TNODE_ADDR_LINK_LOCAL,
    TNODE_ADDR_MLEID,
    TNODE_ADDR_RLOC,
    TNODE_ADDR_ALOC,
    TNODE_ADDR_SLAAC, /* from an on-mesh prefix (e.g. the OMR prefix) */
    TNODE_ADDR_OTHER,
};

struct tnode_addr {
    uint8_t addr[16];
    uint8_t prefix_len;
    enum tnode_addr_kind kind;
};

/* Unicast addresses in OpenThread's `ipaddr` order (SLAAC/OMR, then ALOCs,
 * RLOC, ML-EID, link-local); returns the total count (may exceed max). */
size_t tnode_addrs(const struct tnode *n, struct tnode_addr *out, size_t max);

/* ---- network data and leader data --------------------------------------- */

/* The Network Data this node holds (full set), for `netdata show`. */
const uint8_t *tnode_netdata(const struct tnode *n, size_t *len);

struct tnode_leader_data {
    uint32_t partition_id;
    uint8_t weighting;
    uint8_t data_version;
    uint8_t stable_data_version;
    uint8_t leader_router_id;
};

/* InvalidState when detached/disabled. */
enum ot_err tnode_leader_data(const struct tnode *n, struct tnode_leader_data *out);

/* The preferred NAT64 prefix of the Network Data (OpenThread's
 * FindPreferredNat64Prefix), for `ping 192.0.2.1` and friends. */
bool tnode_nat64_prefix(const struct tnode *n, struct addr_prefix6 *out);

/* Border router: this node's own Network Data entries (OMR prefix, NAT64
 * route, services). The bytes are Network Data TLVs with this node's RLOC16
 * in every entry; they replace the previous set. A leader registers them at
 * once (bumps the versions, tells the children); a child or router sends
 * them to the leader (a/sd) and again whenever the leader or partition
 * changes (OpenThread's Network Data notifier). */
enum ot_err tnode_set_local_netdata(struct tnode *n, const uint8_t *tlvs, size_t len,
                                    uint64_t now_ms);

/* ---- neighbours --------------------------------------------------------- */

struct tnode_child_info {
    uint16_t id; /* child id (RLOC16 & 0x1ff) */
    uint16_t rloc16;
    uint32_t timeout_s;
    uint32_t age_s; /* since last heard */
    uint8_t lq_in;  /* link quality 0..3 */
    uint8_t mode;   /* TNODE_MODE_* */
    uint16_t version;
    uint8_t ext_addr[8];
};

/* Children, for `child table`; returns the count (may exceed max). */
size_t tnode_children(const struct tnode *n, uint64_t now_ms, struct tnode_child_info *out,
                      size_t max);

struct tnode_parent_info {
    uint8_t ext_addr[8];
    uint16_t rloc16;
    uint8_t link_quality_in;
    uint8_t link_quality_out;
    uint32_t age_s;
    uint16_t version;
};

/* InvalidState unless a child. */
enum ot_err tnode_parent(const struct tnode *n, uint64_t now_ms, struct tnode_parent_info *out);

/* ---- router role: views and settings (node_router.c) ----------------------
 *
 * OpenThread's otThread* FTD getters and setters as the CLI uses them
 * (thread_ftd_api.cpp, mle_ftd.cpp, child_table.cpp, address_resolver.cpp).
 * The settings live in the node (struct tn_router_cfg) and act where
 * OpenThread's do: the jitter and thresholds on the next upgrade/downgrade
 * decision, the leader weight in the Leader Data of a partition this node
 * forms, the preferred partition ID (a reference-device setting) as the ID
 * of a partition this node forms. Like OpenThread none is persisted (its
 * settings keys hold no router configuration); factoryreset restores the
 * defaults. */

struct router_table;
/* The node's router table (thread/router_table.h), for `router table`,
 * `router list` and `router <id>` (router_table_fmt_*, router_table_info). */
const struct router_table *tnode_router_table(const struct tnode *n);

/* One neighbour (otNeighborInfo): a child or a router with a valid link. */
struct tnode_neighbor_info {
    bool is_child;
    uint16_t rloc16;
    uint32_t age_s;   /* since last heard */
    int8_t avg_rssi;  /* average RSS (127: none yet) */
    int8_t last_rssi; /* RSS of the last frame (127: none yet) */
    uint8_t mode;     /* TNODE_MODE_* (routers: rdn) */
    uint8_t lq_in;    /* 0..3 */
    uint16_t version; /* MLE Version TLV */
    uint8_t ext[8];
};
/* Neighbours in OpenThread's order (GetNextNeighborInfo): valid children in
 * child table order, then routers with a valid link by router ID. Returns
 * the total count (may exceed max). Nothing while detached or disabled. */
size_t tnode_neighbors(const struct tnode *n, uint64_t now_ms, struct tnode_neighbor_info *out,
                       size_t max);

/* ROUTER_SELECTION_JITTER (s, default 120), ROUTER_UPGRADE_THRESHOLD (16),
 * ROUTER_DOWNGRADE_THRESHOLD (23): any uint8 value, as OpenThread. */
uint8_t tnode_router_selection_jitter(const struct tnode *n);
void tnode_set_router_selection_jitter(struct tnode *n, uint8_t jitter_s);
uint8_t tnode_router_upgrade_threshold(const struct tnode *n);
void tnode_set_router_upgrade_threshold(struct tnode *n, uint8_t threshold);
uint8_t tnode_router_downgrade_threshold(const struct tnode *n);
void tnode_set_router_downgrade_threshold(struct tnode *n, uint8_t threshold);

/* `routereligible`: NotCapable to enable on an MTD (mode without d). A
 * router or leader that stops being eligible detaches (and attaches again
 * as a child), as Mle::SetRouterEligible. */
bool tnode_router_eligible(const struct tnode *n);
enum ot_err tnode_set_router_eligible(struct tnode *n, bool eligible, uint64_t now_ms);

/* `leaderweight` (default 64): the Weighting of the Leader Data when this
 * node forms a partition. */
uint8_t tnode_leader_weight(const struct tnode *n);
void tnode_set_leader_weight(struct tnode *n, uint8_t weight);

/* `partitionid`: the partition ID of the Leader Data held (the last one
 * once detached; 0 before any). */
uint32_t tnode_partition_id(const struct tnode *n);
/* `partitionid preferred` (reference device): 0 (default) for a random ID. */
uint32_t tnode_preferred_partition_id(const struct tnode *n);
void tnode_set_preferred_partition_id(struct tnode *n, uint32_t id);

/* `childmax`: children allowed at once, 1..CHILD_TABLE_MAX (64, OpenThread's
 * posix OPENTHREAD_CONFIG_MLE_MAX_CHILDREN; the default). InvalidArgs out of
 * range, InvalidState while the table holds any entry (a child or a
 * candidate), as ChildTable::SetMaxChildrenAllowed. A full table leaves
 * Parent Requests unanswered (mle_drop_table_full). */
uint16_t tnode_child_max(const struct tnode *n);
enum ot_err tnode_set_child_max(struct tnode *n, uint16_t max);

/* ---- EID-to-RLOC cache (`eidcache`, otThreadGetNextCacheEntry) ---------- */

enum tnode_eidcache_state {
    TNODE_EIDCACHE_CACHED = 0, /* "cache" */
    TNODE_EIDCACHE_SNOOPED,    /* "snoop" */
    TNODE_EIDCACHE_QUERY,      /* "query" */
    TNODE_EIDCACHE_RETRY,      /* "retry" */
};

struct tnode_eidcache_entry {
    uint8_t eid[16];
    uint16_t rloc16;
    uint8_t state; /* enum tnode_eidcache_state */
    bool can_evict;
    bool ramp_down;        /* RETRY only */
    bool valid_last_trans; /* CACHED: the a/an carried a Last Transaction Time */
    uint32_t last_trans_s; /* valid_last_trans: that time */
    uint8_t ml_eid[16];    /* valid_last_trans: the target's ML-EID */
    uint16_t timeout_s;    /* SNOOPED / QUERY / RETRY: seconds left */
    uint16_t retry_s;      /* RETRY: the retry delay */
};

/* Entries in OpenThread's list order (cached, snooped, query, retry; most
 * recently used first within a list). *iter starts at 0. NotFound at the
 * end. */
enum ot_err tnode_eidcache_next(const struct tnode *n, uint64_t now_ms, unsigned *iter,
                                struct tnode_eidcache_entry *out);

/* ---- ping ---------------------------------------------------------------- */

/* Events of a ping run, in order: one REPLY per echo reply, then DONE. */
struct tnode_ping_event {
    enum { TNODE_PING_REPLY, TNODE_PING_DONE } type;
    /* REPLY */
    uint8_t from[16];
    uint16_t size; /* ICMPv6 payload bytes as OpenThread prints ("16 bytes") */
    uint16_t seq;
    uint8_t hop_limit;
    uint32_t rtt_ms;
    /* DONE */
    uint32_t sent, received;
    uint32_t rtt_min_ms, rtt_max_ms;
    uint64_t rtt_sum_us; /* for the average with 3 decimals */
    uint64_t now_ms;     /* the time of the call into the node that raised it */
};

typedef void (*tnode_ping_cb)(void *ctx, const struct tnode_ping_event *ev);

/* `ping <addr> [size] [count] [interval] [hoplimit] [timeout]`: size = echo
 * data bytes (OpenThread default 8), interval in ms (1000), timeout after the
 * last request (3000 ms). Busy while a ping runs. */
enum ot_err tnode_ping(struct tnode *n, const uint8_t dst[16], uint16_t size, uint16_t count,
                       uint32_t interval_ms, uint8_t hop_limit, uint32_t timeout_ms,
                       tnode_ping_cb cb, void *ctx, uint64_t now_ms);

/* ---- UDP sockets (OpenThread's `udp` CLI: otUdpOpen/Bind/Connect/Send) ---
 *
 * A small socket table (4) beside the node's own MLE and TMF sockets. A
 * socket is opened, then bound (an address of ours or ::, a port or 0 for an
 * ephemeral one from 49152 up), connected (a default peer; binds an ephemeral
 * port first if unbound) and used to send; sending from an unbound socket
 * binds it as connect does. Datagrams arriving for the bound port (and, when
 * connected, from the peer) are reported through the callback, from inside
 * tnode_radio_rx() / tnode_process(). Sources are chosen as ip6_select_source
 * does: never mesh-local towards the NAT64 prefix. */

struct tnode_udp_rx {
    const uint8_t *src, *dst; /* 16 bytes each, valid during the call */
    uint16_t sport, dport;
    const uint8_t *payload;
    size_t len;
    uint8_t hop_limit;
    uint64_t now_ms;           /* the time of the call into the node that delivered it */
    struct tnode_rx_link link; /* who sent it on the mesh (not known: the
                                * node itself, or not from a child) */
};

typedef void (*tnode_udp_cb)(void *ctx, const struct tnode_udp_rx *rx);

/* A new socket; *handle receives it. NoBufs when the table is full. */
enum ot_err tnode_udp_open(struct tnode *n, tnode_udp_cb cb, void *ctx, int *handle);
/* addr NULL or :: for any; port 0 for an ephemeral one. InvalidArgs when
 * addr is not ours, Already when the port is taken, InvalidState for a bad
 * handle. Rebinding replaces the previous binding. */
enum ot_err tnode_udp_bind(struct tnode *n, int handle, const uint8_t *addr, uint16_t port);
/* Default peer for tnode_udp_send (and the receive filter). */
enum ot_err tnode_udp_connect(struct tnode *n, int handle, const uint8_t addr[16], uint16_t port);
/* dst NULL (or ::) / dport 0: the connected peer (InvalidArgs without one).
 * NoBufs when len does not fit one IPv6 packet (1232 bytes), NoRoute when no
 * source address fits the destination. */
enum ot_err tnode_udp_send(struct tnode *n, int handle, const uint8_t *dst, uint16_t dport,
                           const void *data, size_t len, uint64_t now_ms);
/* The same from a given local address (a reply from the address a request
 * was sent to, e.g. a service ALOC): src must be one of the node's unicast
 * addresses (InvalidArgs otherwise); NULL: as tnode_udp_send. */
enum ot_err tnode_udp_send_from(struct tnode *n, int handle, const uint8_t *src, const uint8_t *dst,
                                uint16_t dport, const void *data, size_t len, uint64_t now_ms);
/* Frees the socket (nothing more is reported). */
enum ot_err tnode_udp_close(struct tnode *n, int handle);
/* The bound port (0 while unbound or for a bad handle). */
uint16_t tnode_udp_port(const struct tnode *n, int handle);

/* ---- TCP (OpenThread's `tcp` CLI over ip6/tcp.h) ---------------------------
 *
 * The node owns one struct tcp_ctx (TCP_MAX_EP endpoints). Segments for our
 * addresses go to tcp_input(); the segments TCP sends are queued and wrapped
 * in IPv6 once the TCP call returns. Events (struct tcp_event) reach the
 * endpoint's callback from inside tnode_radio_rx() / tnode_process() or the
 * API call (ev->now_ms: the time of that call); the callback may call any
 * tnode_tcp_* function. Errors use
 * OpenThread's mapping: TCPlp's BSD errors are Failed. */

typedef void (*tnode_tcp_cb)(void *ctx, int id, const struct tcp_event *ev);

/* A free endpoint (CLOSED) for cb; *id receives it. NoBufs when none. */
enum ot_err tnode_tcp_init(struct tnode *n, tnode_tcp_cb cb, void *ctx, int *id);
/* Frees it (a live connection is reset, without an event). */
enum ot_err tnode_tcp_deinit(struct tnode *n, int id);
/* Active open to dst/dport from src (NULL: selected for dst) and sport (0:
 * ephemeral). NoRoute when no source fits dst. */
enum ot_err tnode_tcp_connect(struct tnode *n, int id, const uint8_t *src, uint16_t sport,
                              const uint8_t dst[16], uint16_t dport, uint64_t now_ms);
/* Passive open on addr (NULL or :: for any of ours) / port; the endpoint
 * accepts one connection and becomes it. */
enum ot_err tnode_tcp_listen(struct tnode *n, int id, const uint8_t *addr, uint16_t port);
/* Queues up to len bytes; returns the count taken (0 when the buffer is
 * full or the endpoint cannot send). */
size_t tnode_tcp_send(struct tnode *n, int id, const void *data, size_t len, uint64_t now_ms);
size_t tnode_tcp_send_space(const struct tnode *n, int id);
/* Our FIN after the queued data. */
enum ot_err tnode_tcp_send_end(struct tnode *n, int id, uint64_t now_ms);
/* RST when connected; CLOSED without an event. */
enum ot_err tnode_tcp_abort(struct tnode *n, int id);
enum tcp_state tnode_tcp_state(const struct tnode *n, int id);
/* The peer of a connection (false when the endpoint has none). */
bool tnode_tcp_peer(const struct tnode *n, int id, uint8_t addr[16], uint16_t *port);
const struct tcp_counters *tnode_tcp_counters(const struct tnode *n);

/* ---- host side (border router) ------------------------------------------ */

/* Sends an IPv6 packet from the host into the mesh (the TUN's direction).
 * NoRoute when the destination is not reachable in the mesh. */
enum ot_err tnode_send_ip6(struct tnode *n, const uint8_t *pkt, size_t len, uint64_t now_ms);

/* ---- counters (addition) -------------------------------------------------
 * Every frame or packet the node drops is counted under one named reason
 * (MAC-level drops are in the MAC's own counters, included here by value). */

struct tnode_counters {
    /* receive path */
    uint32_t rx_frames;          /* MAC frames delivered to the node */
    uint32_t rx_drop_disabled;   /* thread stopped / interface down */
    uint32_t rx_drop_frame_type; /* MAC command or beacon (not handled) */
    uint32_t rx_drop_lowpan;     /* 6LoWPAN decompression / reassembly error */
    uint32_t rx_drop_unsecured;  /* MAC-unsecured and not MLE (Thread requires MAC security) */
    uint32_t rx_drop_ip6;        /* rejected by the IPv6 layer (see its counters) */
    uint32_t rx_drop_no_forward; /* not for us and we do not forward (child, unsecured) */
    uint32_t rx_fragments;       /* fragments stored for reassembly */
    uint32_t rx_datagrams;       /* complete IPv6 datagrams */
    /* MLE */
    uint32_t mle_rx;                     /* MLE messages accepted */
    uint32_t mle_drop_not_link_local;    /* source not fe80::/64 */
    uint32_t mle_drop_hop_limit;         /* hop limit != 255 */
    uint32_t mle_drop_parse;             /* frame / TLVs / message did not parse */
    uint32_t mle_drop_unsecured;         /* suite 255 (Discovery, not handled) */
    uint32_t mle_drop_mic;               /* MLE MIC failed */
    uint32_t mle_drop_replay;            /* MLE frame counter not newer for that neighbour */
    uint32_t mle_drop_key_seq;           /* key sequence older than the neighbour's */
    uint32_t mle_drop_unexpected;        /* command not expected in our role/state */
    uint32_t mle_drop_unknown_neighbour; /* from a node we have no entry for */
    uint32_t mle_drop_bad_challenge;     /* Response does not echo our Challenge */
    uint32_t mle_drop_table_full;        /* no room for one more child */
    uint32_t mle_drop_partition;         /* other partition / leader */
    uint32_t mle_drop_from_self;         /* an Advertisement carrying our own router ID */
    uint32_t mle_link_requests_rx;       /* Link Requests answered */
    uint32_t mle_link_requests_tx;
    uint32_t mle_links_up;           /* Link Accepts that made a router link valid */
    uint32_t mle_adv_rx;             /* Advertisements of our partition processed */
    uint32_t mle_tx;                 /* MLE messages sent */
    uint32_t mle_tx_errors;          /* could not build or send */
    uint32_t mle_tx_drop_fc_unsaved; /* refused: its MLE frame counter is not persisted
                                      * ahead (the store failed; see tnode_frame_counters) */
    /* TMF */
    uint32_t tmf_rx;               /* TMF requests / responses handled */
    uint32_t tmf_drop_parse;       /* CoAP or TMF TLVs did not parse */
    uint32_t tmf_drop_unknown_uri; /* a resource we do not serve */
    uint32_t tmf_drop_duplicate;   /* CoAP duplicate (answered again if possible) */
    uint32_t tmf_drop_not_leader;  /* a/sd or a/as while not leader */
    uint32_t tmf_tx;
    uint32_t tmf_tx_errors;
    uint32_t addr_solicits_refused; /* a/as answered "no address available" (§3.8) */
    uint32_t addr_solicits_granted; /* a/as answered with a router ID */
    uint32_t addr_releases;         /* a/ar that released a router ID */
    uint32_t tmf_drop_addr_release; /* a/ar with an unknown RLOC16 or a wrong ext address */
    uint32_t router_upgrades;       /* this node became a router (a/as granted) */
    uint32_t router_downgrades;     /* this node gave its router ID back */
    uint32_t addr_queries;          /* a/aq we sent */
    uint32_t addr_query_timeouts;
    uint32_t addr_notifies_sent;  /* a/an we sent (own EIDs, MTD children's) */
    uint32_t addr_notify_unasked; /* a/an for an EID we hold no entry for */
    uint32_t addr_errors_sent;    /* a/ae (duplicate address) we sent */
    uint32_t addr_errors_rx;      /* a/ae received and parsed */
    uint32_t eid_cache_snooped;   /* EID cache entries added by snooping */
    uint32_t eid_cache_evictions; /* entries evicted to make room */
    /* transmit / forwarding */
    uint32_t tx_packets;           /* IPv6 packets handed to the MAC */
    uint32_t tx_frames;            /* 6LoWPAN frames queued */
    uint32_t tx_drop_no_route;     /* no next hop (detached, unknown RLOC16, failed query) */
    uint32_t tx_drop_lowpan;       /* compression / fragmentation failed */
    uint32_t tx_drop_queue_full;   /* frame queue full */
    uint32_t tx_drop_mac;          /* the MAC refused a frame */
    uint32_t tx_drop_fc_unsaved;   /* secured frame dropped: its MAC frame counter is not
                                    * persisted ahead (the store failed) */
    uint32_t tx_drop_bad_packet;   /* not a well-formed IPv6 packet */
    uint32_t tx_drop_hop_limit;    /* forwarding with hop limit <= 1 */
    uint32_t tx_drop_pending_full; /* no room to hold a packet for an address query */
    uint32_t tx_mac_no_ack;        /* frames the MAC gave up on (no ACK) */
    uint32_t fwd_packets;          /* packets forwarded for children */
    /* multi-hop (RFC 4944 §5.2 mesh header; OT mesh_forwarder_ftd.cpp) */
    uint32_t tx_mesh_packets;         /* packets sent with a mesh header (next hop != dest) */
    uint32_t tx_to_border_router;     /* packets routed to another border router (RouteLookup) */
    uint32_t rx_mesh_frames;          /* frames received with a mesh header */
    uint32_t rx_mesh_relayed;         /* mesh frames relayed to the next hop */
    uint32_t rx_mesh_local;           /* mesh frames for us or an MTD child of ours */
    uint32_t children_moved;          /* MTD children heard through another router: removed */
    uint32_t rx_drop_mesh_unsecured;  /* mesh frame without MAC security */
    uint32_t rx_drop_mesh_parse;      /* mesh header / what follows it refused */
    uint32_t rx_drop_mesh_hops_left;  /* not ours and hops left 0 */
    uint32_t rx_drop_mesh_loop;       /* our own originator came back, or the previous
                                       * hop is our next hop (OT ResolveRoutingLoops) */
    uint32_t rx_drop_mesh_no_route;   /* not ours and no next hop to its final destination */
    uint32_t tx_mesh_dst_unreach;     /* ICMPv6 Destination Unreachable sent for those */
    uint32_t rx_drop_mesh_not_router; /* not ours and we are no router */
    /* MPL (RFC 7731; ip6/mpl.h has its own counters: tnode_mpl_counters) */
    uint32_t mpl_tx;           /* realm-local multicast we sent with the MPL option */
    uint32_t mpl_retx;         /* MPL retransmissions (forwarding) sent */
    uint32_t rx_drop_mpl;      /* refused by MPL: duplicate, bad option, seed set full */
    uint32_t host_packets;     /* packets handed to cfg->host_rx */
    uint32_t loopback_packets; /* packets to our own addresses */
    /* persistence */
    uint32_t settings_errors; /* a settings write failed */
    /* TCP / UDP sockets */
    uint32_t tcp_tx_drop_queue_full; /* TCP segment lost: the segment queue was full */
    uint32_t tcp_tx_drop_no_route;   /* TCP segment not handed to the mesh (detached, ...) */
};

/* The MPL forwarder's counters (seed set, buffered set, drops by reason). */
const struct mpl_counters *tnode_mpl_counters(const struct tnode *n);

/* The node's counters (never reset while the node lives). */
const struct tnode_counters *tnode_counters(const struct tnode *n);

/* The frame counters and their store-ahead (interop §3.1, §3.9). The node
 * uses a MAC or MLE frame counter only while it is below the value persisted
 * in NETWORK_INFO (the value a restart resumes at), so no counter is ever
 * used twice with one key. When the counter reaches the persisted value and
 * the store refuses the write that moves it ahead, the node refuses every
 * secured frame (MAC-secured frames and MLE messages; counted in
 * tx_drop_fc_unsaved / mle_tx_drop_fc_unsaved), logs that once at error
 * level, and tries the write again on a later send (at most once per
 * TNODE_FC_RETRY_MS); once it succeeds, sending resumes. Frames sent without
 * MAC security carry no MAC counter and still go out, but every MLE message
 * the node sends is MLE-secured (it sends no Discovery), so MLE stops too. */
#define TNODE_FC_RETRY_MS 1000

struct tnode_fc_info {
    uint32_t mac, mle;             /* next counters to use */
    uint32_t mac_saved, mle_saved; /* persisted: 0 when nothing is for this key,
                                    * UINT32_MAX without a store (cfg.kv NULL) */
    bool refusing;                 /* secured frames refused: the store failed */
};
void tnode_frame_counters(const struct tnode *n, struct tnode_fc_info *out);

/* The MAC layer's counters (ACKs, security drops, retries). */
struct mac_layer_counters;
const struct mac_layer_counters *tnode_mac_counters(const struct tnode *n);

/* The MAC layer's filter (mac/mac_filter.h): `macfilter` configures it; it
 * applies to every frame the node receives from now on. */
struct mac_filter;
struct mac_filter *tnode_mac_filter(struct tnode *n);

/* Child timeout (seconds, >= 10) this node asks for as a child (default
 * 240). A child tells its parent at once (Child Update Request). */
enum ot_err tnode_set_child_timeout(struct tnode *n, uint32_t timeout_s);

/* ---- deferred host sends (addition) ---------------------------------------
 *
 * tnode_send_ip6() from inside one of the node's own callbacks (host_rx, a
 * UDP receive) would re-enter the node. tnode_ip6_send_deferred() copies the
 * packet into a bounded node-owned queue instead (a fixed pool of
 * TNODE_DEFER_QUEUE_LEN packets of up to the IPv6 MTU, made on first use);
 * the next tnode_process() sends them in order, as tnode_send_ip6() would.
 * Safe to call anywhere, including inside the node's callbacks. While the
 * queue holds packets tnode_next_timeout_ms() is 0. InvalidArgs for what
 * tnode_send_ip6() refuses as malformed, NoBufs when the queue is full (the
 * packet is dropped and counted). */
#define TNODE_DEFER_QUEUE_LEN 8

struct tnode_defer_counters {
    uint32_t queued;       /* packets taken into the queue */
    uint32_t sent;         /* flushed and accepted by tnode_send_ip6() */
    uint32_t send_errors;  /* flushed and refused (detached, no route, ...) */
    uint32_t dropped_full; /* dropped: the queue was full */
};

enum ot_err tnode_ip6_send_deferred(struct tnode *n, const uint8_t *pkt, size_t len,
                                    uint64_t now_ms);
void tnode_defer_counters(const struct tnode *n, struct tnode_defer_counters *out);

#endif
