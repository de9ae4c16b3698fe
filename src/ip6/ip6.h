/*
 * IPv6 node layer for Thread devices (RFC 8200, RFC 4443, RFC 6724 subset).
 *
 * Pure logic over byte buffers: no sockets, no clock reads, no globals. The
 * caller owns a struct ip6 per node (many nodes may live in one process) and
 * feeds it time as now_ms. Packets leave through ops->send as complete IPv6
 * packets; the mesh forwarder below compresses and transmits them.
 *
 * What one context holds:
 *   - the unicast address table with each address's kind (link-local,
 *     ML-EID, RLOC, ALOC, SLAAC, OMR, other) and preferred/valid flags;
 *   - the multicast subscriptions a Thread node has (thread-sim-interop.md
 *     §3.6: ff02::1, ff03::1, ff03::fc, ff32:40:<ML>::1, ff33:40:<ML>::1, and
 *     ff02::2 / ff03::2 on routers);
 *   - a bounded UDP socket table;
 *   - one ping client that behaves as OpenThread's `ping` CLI command;
 *   - named drop counters (enum ip6_drop).
 *
 * Re-entrancy: ops->send may call ip6_input() of another context directly.
 * If it re-enters the sending context with a packet that needs an answer
 * (echo request), that answer is dropped as IP6_DROP_REPLY_FAILED; queue packets
 * in the forwarder to avoid that.
 */
#ifndef TBR_IP6_IP6_H
#define TBR_IP6_IP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define IP6_HDR_LEN 40
#define IP6_UDP_HDR_LEN 8
#define IP6_ICMP_HDR_LEN 8 /* type, code, checksum, id, seq (echo) */
#define IP6_MTU 1280       /* RFC 8200 §5 minimum link MTU; Thread's datagram size */
#define IP6_DEFAULT_HOP_LIMIT 64
#define IP6_MAX_ADDRS 16
#define IP6_MAX_MCAST 16
#define IP6_MAX_SOCKS 8
#define IP6_MAX_EXT_HDRS 8 /* extension headers walked before giving up */
#define IP6_MAX_TUNNEL 2   /* IPv6-in-IPv6 nesting accepted (RFC 2473) */

#define IP6_PROTO_HOPOPTS 0
#define IP6_PROTO_UDP 17
#define IP6_PROTO_IPV6 41
#define IP6_PROTO_ROUTING 43
#define IP6_PROTO_FRAGMENT 44
#define IP6_PROTO_ICMP6 58
#define IP6_PROTO_NONE 59
#define IP6_PROTO_DSTOPTS 60

#define IP6_ICMP_DST_UNREACH 1
#define IP6_ICMP_PARAM_PROBLEM 4
#define IP6_ICMP_ECHO_REQUEST 128
#define IP6_ICMP_ECHO_REPLY 129

#define IP6_OPT_PAD1 0x00
#define IP6_OPT_PADN 0x01
#define IP6_OPT_MPL 0x6d /* RFC 7731 §6; Thread MPL forwarding */

#define IP6_MLE_PORT 19788
#define IP6_TMF_PORT 61631

/* Results of the API calls (not of ip6_input, which returns a verdict). */
enum ip6_err {
    IP6_OK = 0,
    IP6_ERR_INVAL,     /* bad argument */
    IP6_ERR_FULL,      /* table full */
    IP6_ERR_EXISTS,    /* address or binding already present */
    IP6_ERR_NOT_FOUND, /* no such address / socket */
    IP6_ERR_NO_SOURCE, /* no usable source address for the destination */
    IP6_ERR_TOO_BIG,   /* packet does not fit the buffer / IP6_MTU */
    IP6_ERR_BUSY,      /* tx buffer in use (re-entry) or a ping is running */
    IP6_ERR_NO_SEND,   /* no ops->send */
};

const char *ip6_err_str(enum ip6_err e);

/* ---- Addresses ------------------------------------------------------- */

enum ip6_addr_kind {
    IP6_ADDR_LINK_LOCAL, /* fe80::/64 + ext address with U/L flipped */
    IP6_ADDR_ML_EID,     /* ML prefix + random IID */
    IP6_ADDR_RLOC,       /* ML prefix + 0:ff:fe00:RLOC16 */
    IP6_ADDR_ALOC,       /* ML prefix + 0:ff:fe00:fcXX (never a source) */
    IP6_ADDR_SLAAC,      /* on-mesh prefix with the SLAAC flag */
    IP6_ADDR_OMR,        /* off-mesh-routable prefix from a border router */
    IP6_ADDR_OTHER,      /* anything the caller adds */
    IP6_ADDR__COUNT
};

const char *ip6_addr_kind_str(enum ip6_addr_kind k);

struct ip6_uaddr {
    uint8_t addr[16];
    uint8_t prefix_len; /* on-link prefix length (64 for all Thread addresses) */
    uint8_t kind;       /* enum ip6_addr_kind */
    bool preferred;     /* RFC 6724 rule 3: deprecated addresses are avoided */
    bool valid;         /* invalid addresses are neither ours nor sources */
};

/* RFC 4291 §2.7 scope values used for source selection. */
enum ip6_scope {
    IP6_SCOPE_LINK = 2,
    IP6_SCOPE_REALM = 3, /* RFC 7346; the mesh-local prefix has this scope */
    IP6_SCOPE_GLOBAL = 14,
};

/* ---- Drops ----------------------------------------------------------- */

enum ip6_drop {
    IP6_DROP_TRUNCATED,        /* shorter than the 40-byte header */
    IP6_DROP_VERSION,          /* version != 6 */
    IP6_DROP_PAYLOAD_LEN,      /* payload length > bytes present, or jumbogram (0) */
    IP6_DROP_BAD_SRC,          /* multicast or loopback source (RFC 4291 §2.5.3, §2.7) */
    IP6_DROP_BAD_DST,          /* unspecified or loopback destination */
    IP6_DROP_LOOPED,           /* source is one of our own addresses */
    IP6_DROP_HOP_LIMIT,        /* to be forwarded with hop limit <= 1 */
    IP6_DROP_EXT_CHAIN,        /* too many headers, HbH not first, bad tunnel depth */
    IP6_DROP_EXT_TRUNCATED,    /* extension header runs past the payload */
    IP6_DROP_OPT_MALFORMED,    /* option TLV runs past its header */
    IP6_DROP_OPT_UNKNOWN,      /* unknown option whose action bits say discard */
    IP6_DROP_MPL,              /* malformed / duplicate MPL option */
    IP6_DROP_ROUTING_HDR,      /* routing header with segments left != 0 */
    IP6_DROP_FRAGMENT,         /* non-atomic IPv6 fragment (Thread fragments in 6LoWPAN) */
    IP6_DROP_NO_NEXT_HEADER,   /* next header 59: nothing to deliver */
    IP6_DROP_UNKNOWN_PROTO,    /* unrecognized upper layer for local delivery */
    IP6_DROP_MCAST_NOT_MEMBER, /* link-local multicast we did not join */
    IP6_DROP_ICMP_TRUNCATED,   /* ICMPv6 shorter than its header */
    IP6_DROP_ICMP_CHECKSUM,    /* ICMPv6 checksum wrong */
    IP6_DROP_ICMP_TYPE,        /* ICMPv6 type/code we do not consume */
    IP6_DROP_ECHO_UNMATCHED,   /* echo reply for no running ping / unknown id or seq */
    IP6_DROP_ECHO_SRC,         /* echo request from an address we cannot answer */
    IP6_DROP_UDP_TRUNCATED,    /* UDP shorter than 8 or its length field disagrees */
    IP6_DROP_UDP_CHECKSUM,     /* UDP checksum wrong */
    IP6_DROP_UDP_ZERO_CSUM,    /* zero UDP checksum, forbidden for IPv6 (RFC 8200 §8.1) */
    IP6_DROP_UDP_NO_SOCKET,    /* no socket bound to the port */
    IP6_DROP_UDP_UNSECURED,    /* socket wants link security and the frame had none */
    IP6_DROP_LL_NOT_MINE,      /* link-local unicast for another node (never forwarded) */
    IP6_DROP_REPLY_FAILED,     /* an echo reply could not be built or sent */
    IP6_DROP__COUNT
};

/* Short stable name, e.g. "udp_checksum"; "?" for out-of-range values. */
const char *ip6_drop_str(enum ip6_drop d);

struct ip6_counters {
    uint32_t rx_delivered; /* consumed here (incl. echo requests answered) */
    uint32_t rx_forward;   /* handed back to the caller to forward */
    uint32_t rx_dropped;   /* sum of drops[] */
    uint32_t tx_packets;   /* packets handed to ops->send */
    uint32_t tx_echo_replies;
    uint32_t tx_param_problems;
    uint32_t tx_dst_unreach; /* ip6_send_dst_unreach */
    uint32_t drops[IP6_DROP__COUNT];
};

/* ---- Input ----------------------------------------------------------- */

/* About the link a packet arrived on (filled by the caller). */
struct ip6_link_info {
    bool link_secured; /* MAC security (or equivalent) protected the frame(s) */
    bool from_host;    /* from the host side (TUN), not the Thread radio */
};

enum ip6_verdict {
    IP6_RX_DELIVERED, /* consumed by this node (perhaps also forwardable: see info) */
    IP6_RX_FORWARD,   /* not for us: the mesh forwarder decides */
    IP6_RX_DROPPED,   /* rejected; info->drop says why, and it is counted */
};

/* MPL option (RFC 7731 §6.2) as Thread uses it. */
struct ip6_mpl {
    bool present;
    uint8_t seed_len; /* 0 (seed = the source RLOC16) or 2 */
    uint16_t seed_id; /* RLOC16 of the seed */
    uint8_t sequence;
    bool m_flag;
};

/* What ip6_input() found (always fully written). */
struct ip6_rx_info {
    enum ip6_drop drop;     /* meaningful when the verdict is IP6_RX_DROPPED */
    uint8_t proto;          /* upper-layer protocol reached (after tunnels) */
    size_t l4_off;          /* offset of the upper-layer header in pkt */
    uint8_t hop_limit;      /* of the (innermost) header */
    bool multicast;         /* destination is multicast */
    uint8_t mcast_scope;    /* its scope nibble */
    bool mcast_forwardable; /* subscribed multicast of scope > link: also MPL-forward */
    bool tunneled;          /* the verdict is about an inner IPv6-in-IPv6 packet */
    size_t pkt_off;         /* offset of the IPv6 header the verdict is about */
    struct ip6_mpl mpl;     /* of the outermost Hop-by-Hop header */
};

/* ---- UDP ------------------------------------------------------------- */

struct ip6_udp_rx {
    const uint8_t *src, *dst; /* 16 bytes each, point into the packet */
    uint16_t sport, dport;
    const uint8_t *payload;
    size_t len;
    uint8_t hop_limit;
    bool link_secured;
    const struct ip6_link_info *link;
};

typedef void (*ip6_udp_cb)(void *cb_ctx, const struct ip6_udp_rx *rx);

#define IP6_SOCK_SECURE_ONLY 0x01 /* drop datagrams that came without link security */

/* ---- Ping client ----------------------------------------------------- */

struct ip6_ping_reply {
    uint8_t from[16];
    uint16_t size; /* ICMPv6 data bytes after the 8-byte header */
    uint16_t seq;
    uint8_t hop_limit;
    uint16_t rtt_ms;
};

struct ip6_ping_stats {
    uint16_t sent;
    uint16_t received;
    uint32_t total_rtt_ms;
    uint16_t min_rtt_ms; /* 0xffff until a reply */
    uint16_t max_rtt_ms;
    bool multicast; /* loss is not printed for multicast pings */
};

/* `ping [-I src] <dst> [size] [count] [interval] [hoplimit] [timeout]`. Zero
 * means OpenThread's default: size 8, count 1, interval 1000 ms, timeout
 * 3000 ms, hop limit 64 (set allow_zero_hop_limit to really send 0). */
struct ip6_ping_cfg {
    uint8_t dst[16];
    bool has_src;
    uint8_t src[16];
    uint16_t size; /* ICMPv6 data bytes; the first 4 carry the send time */
    uint16_t count;
    uint32_t interval_ms;
    uint16_t timeout_ms;
    uint8_t hop_limit;
    bool allow_zero_hop_limit;
    void (*on_reply)(void *cb_ctx, const struct ip6_ping_reply *r);
    void (*on_done)(void *cb_ctx, const struct ip6_ping_stats *s);
    void *cb_ctx;
};

struct ip6_ping {
    bool running;
    struct ip6_ping_cfg cfg;
    uint16_t id;         /* incremented per ping command, first is 1 */
    uint16_t remaining;  /* echo requests still to send */
    uint16_t first_seq;  /* sequence of the first request of this ping */
    uint16_t target_seq; /* sequence of the last request sent */
    uint64_t deadline;   /* next send, or end of the wait for replies */
    struct ip6_ping_stats stats;
};

/* ---- Context --------------------------------------------------------- */

struct ip6_ops {
    /* A complete IPv6 packet to transmit; pkt is valid during the call only. */
    void (*send)(void *ctx, const uint8_t *pkt, size_t len);
};

struct ip6_sock {
    bool used;
    bool has_addr;
    uint8_t addr[16];
    uint16_t port;
    unsigned flags;
    ip6_udp_cb cb;
    void *cb_ctx;
};

struct ip6 {
    const struct ip6_ops *ops;
    void *ops_ctx;

    /* Identity the derived addresses come from. */
    bool has_ext, has_ml, has_ml_iid, has_rloc, router;
    uint8_t ext_addr[8]; /* as `extaddr` prints it */
    uint8_t ml_prefix[8];
    uint8_t ml_iid[8];
    uint16_t rloc16;
    bool has_nat64;
    uint8_t nat64_prefix[16];
    uint8_t nat64_len;

    struct ip6_uaddr addrs[IP6_MAX_ADDRS];
    unsigned n_addrs;
    uint8_t mcast[IP6_MAX_MCAST][16];
    unsigned n_mcast;
    struct ip6_sock socks[IP6_MAX_SOCKS];

    uint16_t echo_seq; /* next echo sequence number, starts at 1 */
    struct ip6_ping ping;
    struct ip6_counters cnt;

    uint64_t last_err_ms; /* RFC 4443 §2.4(f) rate limit of ICMPv6 errors */
    bool err_sent;
    bool tx_busy;
    uint8_t tx[IP6_MTU];
};

/* Initialises ip (everything zero, echo sequence 1, subscribed to ff02::1,
 * ff03::1 and ff03::fc). ops may be NULL (nothing is ever sent then). */
void ip6_init(struct ip6 *ip, const struct ip6_ops *ops, void *ops_ctx);

/*
 * Identity setters. Each one (re)derives the addresses that depend on it,
 * replacing the previous ones, and keeps the multicast set consistent:
 *   ext address   -> link-local fe80::/64 (RFC 4944 §6: U/L bit flipped);
 *   ML prefix     -> RLOC, ML-EID, every ALOC, ff32:40:<ML>::1 and
 *                    ff33:40:<ML>::1 (RFC 3306 unicast-prefix-based, plen 64);
 *   ML IID        -> ML-EID (the caller draws the random IID);
 *   RLOC16        -> RLOC (ML prefix + 0:ff:fe00:RLOC16);
 *   router        -> ff02::2 and ff03::2 joined or left.
 * ALOCs are listed by their 16-bit locator (0xfc00 leader, ...).
 */
enum ip6_err ip6_set_ext_addr(struct ip6 *ip, const uint8_t ext[8]);
enum ip6_err ip6_set_ml_prefix(struct ip6 *ip, const uint8_t prefix[8]);
enum ip6_err ip6_set_ml_iid(struct ip6 *ip, const uint8_t iid[8]);
enum ip6_err ip6_set_rloc16(struct ip6 *ip, uint16_t rloc16);
void ip6_clear_rloc16(struct ip6 *ip);
enum ip6_err ip6_set_router(struct ip6 *ip, bool router);
enum ip6_err ip6_add_aloc(struct ip6 *ip, uint16_t aloc16); /* 0xfc00..0xfcff; needs ML prefix */
enum ip6_err ip6_remove_aloc(struct ip6 *ip, uint16_t aloc16);

/* NAT64 prefix (from Network Data), or NULL to clear. Destinations inside it
 * never get a mesh-local source: OpenThread's BR drops those. */
void ip6_set_nat64_prefix(struct ip6 *ip, const uint8_t *prefix, uint8_t len);

/* Derived forms, usable without a context. */
void ip6_link_local_from_ext(const uint8_t ext[8], uint8_t out[16]);
void ip6_locator(const uint8_t ml_prefix[8], uint16_t loc16, uint8_t out[16]);
/* True for IIDs 0000:00ff:fe00:xxxx (RLOC / ALOC); *loc16 gets xxxx. */
bool ip6_iid_is_locator(const uint8_t addr[16], uint16_t *loc16);
/* ff32:40:<ML prefix>::1 (link) or ff33:40:<ML prefix>::1 (realm). */
void ip6_all_thread_nodes(const uint8_t ml_prefix[8], uint8_t scope, uint8_t out[16]);

/* Adds an address (kind, prefix length, flags as given). IP6_ERR_EXISTS when
 * the same address is present (its entry is then updated). */
enum ip6_err ip6_addr_add(struct ip6 *ip, const struct ip6_uaddr *a);
enum ip6_err ip6_addr_remove(struct ip6 *ip, const uint8_t addr[16]);
/* A SLAAC address: prefix (/64) + iid, or when iid is NULL the modified
 * EUI-64 IID of the ext address (RFC 4291 App. A; callers wanting RFC 7217
 * opaque IIDs pass one). kind is IP6_ADDR_SLAAC or IP6_ADDR_OMR. */
enum ip6_err ip6_add_slaac(struct ip6 *ip, const uint8_t prefix[8], const uint8_t *iid,
                           enum ip6_addr_kind kind, uint8_t out[16]);
unsigned ip6_addr_count(const struct ip6 *ip);
const struct ip6_uaddr *ip6_addr_at(const struct ip6 *ip, unsigned i);
const struct ip6_uaddr *ip6_addr_find(const struct ip6 *ip, const uint8_t addr[16]);
/* The (first) address of a kind, or NULL. */
const struct ip6_uaddr *ip6_addr_of_kind(const struct ip6 *ip, enum ip6_addr_kind k);

enum ip6_err ip6_subscribe(struct ip6 *ip, const uint8_t group[16]);
enum ip6_err ip6_unsubscribe(struct ip6 *ip, const uint8_t group[16]);
bool ip6_is_subscribed(const struct ip6 *ip, const uint8_t group[16]);
unsigned ip6_mcast_count(const struct ip6 *ip);
const uint8_t *ip6_mcast_at(const struct ip6 *ip, unsigned i);

/* True when a valid unicast address of ours, or a joined group. */
bool ip6_is_mine(const struct ip6 *ip, const uint8_t addr[16]);

/* Scope of a destination as this node sees it (mesh-local -> realm). */
uint8_t ip6_addr_scope(const struct ip6 *ip, const uint8_t addr[16]);

/*
 * RFC 6724 §5 source selection, the subset OpenThread applies
 * (Ip6::SelectSourceAddress): rule 1 same address, rule 2 appropriate scope
 * (link-local < mesh-local = realm < global/ULA), rule 3 avoid deprecated,
 * rule 8 longest matching prefix (capped at the address's prefix length),
 * then OpenThread's tie-breaker: RLOC for RLOC/ALOC destinations, a non-RLOC
 * (the ML-EID) for everything else. Invalid addresses and ALOCs are never
 * sources. So: ML-EID for mesh-local destinations, link-local for link-local
 * ones, SLAAC/OMR for global/ULA destinations outside the ML prefix (a
 * mesh-local one only when nothing else exists), and inside the NAT64 prefix
 * never a mesh-local or link-local source.
 * Returns NULL when nothing fits.
 */
const struct ip6_uaddr *ip6_select_source(const struct ip6 *ip, const uint8_t dst[16]);

/* ---- Input ----------------------------------------------------------- */

/*
 * Processes one IPv6 packet from the link (pkt[0..len), not modified).
 * Validates the header (version, payload length <= len - 40: extra bytes are
 * ignored), walks at most IP6_MAX_EXT_HDRS extension headers (RFC 8200 §4:
 * Hop-by-Hop only first; options by their action bits, §4.2; the MPL option
 * is checked and reported in info->mpl), then:
 *   - ours, ICMPv6 Echo Request -> an Echo Reply through ops->send (RFC 4443 §4.2);
 *   - ours, Echo Reply -> the running ping (identifier, sequence, RTT);
 *   - ours, UDP -> the bound socket's callback, checksum verified;
 *   - not ours (unicast, or multicast beyond link scope not joined) -> FORWARD;
 *   - anything else -> DROPPED with a named counter.
 * Unknown options with action 10/11 also produce an ICMPv6 Parameter Problem
 * (code 2) where RFC 4443 §2.4(e) allows one. info may be NULL.
 */
enum ip6_verdict ip6_input(struct ip6 *ip, const uint8_t *pkt, size_t len, uint64_t now_ms,
                           const struct ip6_link_info *link, struct ip6_rx_info *info);

/*
 * ICMPv6 Destination Unreachable, code 0 "no route to destination" (RFC 4443
 * §3.1), about the packet (or the headers of one: pkt[0..len), len >= 40)
 * that a router could not forward, to `to` (NULL: the packet's source); as
 * OpenThread's SendDestinationUnreachable, which sends it to the mesh
 * originator's RLOC. Not for ICMPv6 errors, multicast, unspecified sources,
 * and rate limited as every error (§2.4).
 */
void ip6_send_dst_unreach(struct ip6 *ip, const uint8_t to[16], const uint8_t *pkt, size_t len,
                          uint64_t now_ms);

/* ---- Output ---------------------------------------------------------- */

/*
 * Builds an IPv6+UDP packet into out[0..cap) with the checksum filled in.
 * src NULL selects one (ip6_select_source); hop_limit 0 means 64. *out_len
 * gets the length. No side effects on ip.
 */
enum ip6_err ip6_build_udp(const struct ip6 *ip, const uint8_t *src, const uint8_t dst[16],
                           uint16_t sport, uint16_t dport, const void *payload, size_t len,
                           uint8_t hop_limit, uint8_t *out, size_t cap, size_t *out_len);
/* ICMPv6 echo (type 128 or 129) with data[0..len). hop_limit as given (0 allowed). */
enum ip6_err ip6_build_echo(const struct ip6 *ip, const uint8_t *src, const uint8_t dst[16],
                            uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t len,
                            uint8_t hop_limit, uint8_t *out, size_t cap, size_t *out_len);

/* Build into the context's buffer and hand to ops->send. */
enum ip6_err ip6_send_udp(struct ip6 *ip, const uint8_t *src, const uint8_t dst[16], uint16_t sport,
                          uint16_t dport, const void *payload, size_t len, uint8_t hop_limit);
/* Echo request with the next sequence number (written to *seq if non-NULL). */
enum ip6_err ip6_send_echo(struct ip6 *ip, const uint8_t *src, const uint8_t dst[16], uint16_t id,
                           const void *data, size_t len, uint8_t hop_limit, uint16_t *seq);

/* ---- UDP sockets ----------------------------------------------------- */

/* Binds port (non-zero), to addr or any address (NULL). Returns a handle >= 0
 * or -(enum ip6_err). A socket bound to an address wins over a wildcard one. */
int ip6_udp_bind(struct ip6 *ip, uint16_t port, const uint8_t *addr, unsigned flags, ip6_udp_cb cb,
                 void *cb_ctx);
enum ip6_err ip6_udp_close(struct ip6 *ip, int handle);

/* ---- Ping client ----------------------------------------------------- */

/* Starts a ping (sends the first request now). IP6_ERR_BUSY while one runs. */
enum ip6_err ip6_ping_start(struct ip6 *ip, const struct ip6_ping_cfg *cfg, uint64_t now_ms);
/* Sends due requests and ends the ping when the last wait is over (calling
 * on_done). Call at ip6_ping_deadline() or any time after. */
void ip6_ping_poll(struct ip6 *ip, uint64_t now_ms);
/* True with *when set while a ping runs. */
bool ip6_ping_deadline(const struct ip6 *ip, uint64_t *when);
/* Stops without statistics (`ping stop`). */
void ip6_ping_stop(struct ip6 *ip);

/* OpenThread's CLI lines (cli_ping.cpp), newline included:
 *   "16 bytes from fd3b:c98b:a9aa:2:0:0:808:808: icmp_seq=1 hlim=50 time=2ms"
 *   "1 packets transmitted, 1 packets received. Packet loss = 0.0%. Round-trip
 *    min/avg/max = 2/2.000/2 ms." (one line) */
void ip6_ping_fmt_reply(FILE *out, const struct ip6_ping_reply *r);
void ip6_ping_fmt_stats(FILE *out, const struct ip6_ping_stats *s);

#endif
