/*
 * Stateful NAT64 state (RFC 6146 §3): the Binding Information Base (BIB,
 * here "mappings") and the session table.
 *
 * - A mapping binds an IPv6 transport address to an IPv4 one.
 *   Address mode (default, OpenThread's behaviour): one mapping per IPv6 host
 *   for all protocols, (X) <-> (T), ports and ICMP identifiers kept.
 *   NAPT mode: one mapping per (proto, X, x) <-> (proto, T, t); t is chosen
 *   at random in the port range (RFC 6056 style), never clashing.
 *   Endpoint-independent mapping (RFC 4787 REQ-1) and endpoint-independent
 *   filtering: an IPv4 packet to a live mapping is accepted from any peer,
 *   except TCP, which needs a session or a SYN (RFC 6146 §3.5.2).
 * - A session is one flow (proto, X, x, Y, y) under a mapping, with its own
 *   timer class (UDP, TCP established, TCP transitory, ICMP query) and, for
 *   TCP, the RFC 6146 §3.5.2 state machine.
 * - Lookups are O(1) both ways: two hash indexes over mappings (IPv6 side,
 *   IPv4 side) and one over sessions keyed by (mapping, x, Y, y, proto),
 *   which both directions reach after their mapping lookup (a mapping is
 *   unique on either side, so the 6-side and 4-side session keys coincide).
 *   Keys are hashed with a per-table random seed so peers cannot aim at one
 *   bucket.
 * - Expiry never scans: each timer class has a FIFO list ordered by expiry
 *   (constant timeout per class, so a refreshed session moves to the tail);
 *   bib_expire() pops expired heads. A mapping lives while it has sessions
 *   (static mappings live forever).
 * - Per-device caps (bib_cfg max_*_per_64): each device with sessions has
 *   one entry counting its sessions and dynamic mappings. A device is the
 *   caller's device key when it gives one (bib_out_dev: the border router
 *   passes the Thread child that sent the packet, since every device of a
 *   mesh takes its OMR address from the same /64), else the IPv6 source /64.
 *   The entry is found through the
 *   mapping (O(1), no hashing on the per-packet path); entries never
 *   outnumber mappings in use.
 * - Memory is bounded: every pool is allocated once in bib_new() from the
 *   configured maxima; no allocation afterwards.
 * No clock reads: every call takes now_ms.
 */
#ifndef TBR_NAT64_BIB_H
#define TBR_NAT64_BIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat64/counters.h"
#include "nat64/drop.h"
#include "util/addr.h"

/* RFC 6146 §4 defaults, seconds. */
#define BIB_TO_UDP 300
#define BIB_TO_TCP_EST 7440
#define BIB_TO_TCP_TRANS 240
#define BIB_TO_ICMP 60
#define BIB_TO_TCP_INCOMING_SYN 6

struct bib_cfg {
    struct addr_prefix4 pool;  /* IPv4 pool (default 192.168.255.0/24); in address
                                * mode the network and broadcast addresses are
                                * skipped for /30 and larger */
    bool napt;                 /* port translation */
    uint16_t port_lo, port_hi; /* NAPT range for TCP/UDP and ICMP ids (1024-65535) */
    uint32_t max_sessions;     /* bound on sessions (and on memory) */
    uint32_t max_mappings;     /* bound on mappings */
    uint32_t max_per_host;     /* sessions per IPv6 source address, 0 = no cap */
    /* Per device: a Thread device may use any address of its /64, so the
     * caps that keep one device from starving the others count per device:
     * the caller's device key (bib_out_dev; a Thread child), else the IPv6
     * source /64 (the names keep "_per_64"; 0 = no cap). Static mappings
     * never count as mappings or pool addresses; their sessions count. */
    uint32_t max_sessions_per_64; /* sessions */
    uint32_t max_mappings_per_64; /* dynamic mappings (NAPT: ports held) */
    uint32_t max_pool_per_64;     /* address mode: IPv4 pool addresses held (one
                                   * per dynamic mapping); NAPT shares addresses,
                                   * so max_mappings_per_64 bounds it there */
    uint32_t to_udp, to_tcp_est, to_tcp_trans, to_icmp; /* seconds */
    uint64_t seed;                                      /* hash keys and port choice */
};

void bib_cfg_default(struct bib_cfg *cfg);

enum bib_proto {
    BIB_TCP = 6,
    BIB_UDP = 17,
    BIB_ICMP = 1, /* ICMP queries, keyed by identifier; IPv4 numbering on both sides */
};

/* One mapping as the iterator shows it. */
struct bib_mapping_info {
    uint64_t id; /* unique, consecutive from a random seed (as OpenThread) */
    uint8_t addr6[16];
    uint8_t addr4[4];
    uint8_t proto;  /* 0 in address mode (all protocols) */
    bool has_ports; /* NAPT mode */
    uint16_t port6, port4;
    bool is_static;
    uint32_t sessions;   /* live sessions under it */
    uint64_t expires_ms; /* latest expiry of its sessions (0 for static) */
    struct nat64_ctr ctr[NAT64_PROTO_COUNT];
};

/* Result of a lookup: where the packet goes, and the mapping to count it on. */
struct bib_hit {
    uint8_t addr6[16];
    uint8_t addr4[4];
    uint16_t port6, port4;
    uint32_t mapping; /* handle for bib_count() */
};

struct bib; /* opaque; storage from bib_new() */

/* Allocates the table (the only allocation). NULL when out of memory or the
 * config is invalid (pool length > 32, port_lo 0 or > port_hi, zero maxima,
 * maxima above 2^30). */
struct bib *bib_new(const struct bib_cfg *cfg);
void bib_free(struct bib *b);

/* Bytes allocated for the table (for the memory-per-session benchmark). */
size_t bib_memory(const struct bib *b);

/*
 * 6->4 (RFC 6146 §3.5.1 / §3.5.2 / §3.5.3, IPv6 side): find or create the
 * mapping for (proto, src6, sport) and the session to (dst4, dport), refresh
 * the session timer and advance TCP state from tcp_flags. For ICMP,
 * sport = dport = echo identifier. has_ports false (non-first fragment):
 * address mode maps by address alone (ports kept, no session is touched
 * when none matches); NAPT mode returns NAT64_DROP_FRAG_UNTRACKED.
 * Returns NAT64_DROP_NONE, NAT64_DROP_POOL_EXHAUSTED, NAT64_DROP_HOST_LIMIT,
 * NAT64_DROP_DEV_SESSIONS / DEV_MAPPINGS / DEV_POOL (the per-device caps: a new
 * session / mapping / pool address past them) or NAT64_DROP_TABLE_FULL.
 * Existing flows are never disturbed by exhaustion.
 * Also: NAT64_DROP_NO_MAPPING for a TCP non-SYN with no mapping (RFC 6146
 * §3.5.2.2: only a SYN creates a TCP BIB entry; a non-SYN with a mapping is
 * passed without creating a session), NAT64_DROP_FRAG_UNTRACKED for a
 * non-first fragment of a host with no mapping (address mode),
 * NAT64_DROP_UNSUP_PROTO for a proto other than TCP, UDP, ICMP.
 */
enum nat64_drop bib_out(struct bib *b, uint8_t proto, const uint8_t src6[16], uint16_t sport,
                        const uint8_t dst4[4], uint16_t dport, bool has_ports, uint8_t tcp_flags,
                        uint64_t now_ms, struct bib_hit *hit);

/*
 * bib_out() for a packet whose sender the caller knows below IPv6: the
 * per-device caps count it on device dev_key (any value but 0, e.g. the
 * Thread child that sent it) instead of its source /64, so devices sharing
 * one /64 (a mesh's OMR prefix) get an allowance each, and one device is
 * capped however many /64s or addresses it uses. Keys given here never
 * meet /64-derived ones. dev_key 0: the source /64, as bib_out(). A
 * mapping stays counted on the device that created it (a static one: on
 * the device of its first session).
 */
enum nat64_drop bib_out_dev(struct bib *b, uint8_t proto, const uint8_t src6[16], uint16_t sport,
                            const uint8_t dst4[4], uint16_t dport, bool has_ports,
                            uint8_t tcp_flags, uint64_t dev_key, uint64_t now_ms,
                            struct bib_hit *hit);

/*
 * 4->6: find the mapping for (proto, dst4, dport) and the session from
 * (src4, sport); refresh it. UDP/ICMP with a mapping but no session: a session
 * is created (endpoint-independent filtering). TCP without a session: only a
 * SYN creates one (RFC 6146 §3.5.2.2, simplified: no 6 s hold), others are
 * NAT64_DROP_FILTERED. No mapping: NAT64_DROP_NO_MAPPING. A new session may
 * also meet NAT64_DROP_HOST_LIMIT, NAT64_DROP_DEV_SESSIONS (the mapping's
 * device at its session cap) or NAT64_DROP_TABLE_FULL; has_ports false
 * in NAPT mode gives NAT64_DROP_FRAG_UNTRACKED; other protocols
 * NAT64_DROP_UNSUP_PROTO.
 * Both bib_out() and bib_in() sweep timed-out state first when the table is
 * full (and bib_out() when the pool runs dry), so exhaustion is only reported
 * while live flows hold the space. Otherwise a session past its expiry keeps
 * working (and is revived by traffic) until bib_expire() runs.
 */
enum nat64_drop bib_in(struct bib *b, uint8_t proto, const uint8_t dst4[4], uint16_t dport,
                       const uint8_t src4[4], uint16_t sport, bool has_ports, uint8_t tcp_flags,
                       uint64_t now_ms, struct bib_hit *hit);

/* Pure lookups for packets quoted in ICMP errors: no state change.
 * bib_peek_out: the IPv6-side transport address (src6, sport) -> IPv4.
 * bib_peek_in: the IPv4-side transport address (addr4, port4) -> IPv6.
 * Return NAT64_DROP_NONE or NAT64_DROP_NO_MAPPING. */
enum nat64_drop bib_peek_out(const struct bib *b, uint8_t proto, const uint8_t src6[16],
                             uint16_t sport, struct bib_hit *hit);
enum nat64_drop bib_peek_in(const struct bib *b, uint8_t proto, const uint8_t addr4[4],
                            uint16_t port4, struct bib_hit *hit);

/* Adds packet/byte counts on a mapping (handle from a hit). */
void bib_count(struct bib *b, uint32_t mapping, enum nat64_proto p, bool to6, uint32_t bytes);

/* Static mapping (RFC 6146 §3.5 "manually configured BIB entries").
 * Address mode: proto 0, ports 0 (addr6 <-> addr4); proto and ports are
 * ignored. NAPT: proto with ports; proto 0 there binds the whole address
 * (all protocols, ports kept; a per-port mapping takes precedence).
 * addr4 need not lie in the pool. Returns NAT64_DROP_NONE (also when the
 * same binding already exists: it becomes static) or TABLE_FULL /
 * POOL_EXHAUSTED (addr4#port4 already taken, or addr6#port6 already bound to
 * something else) / UNSUP_PROTO (NAPT, proto not 0, TCP, UDP or ICMP). */
enum nat64_drop bib_add_static(struct bib *b, uint8_t proto, const uint8_t addr6[16],
                               uint16_t port6, const uint8_t addr4[4], uint16_t port4);

/* Frees sessions whose timer ran out (and mappings left with none).
 * Amortized O(expired). Returns the number of sessions freed. */
uint32_t bib_expire(struct bib *b, uint64_t now_ms);

/* Drops every dynamic mapping and session (static ones stay). */
void bib_clear(struct bib *b);

uint32_t bib_sessions(const struct bib *b);
uint32_t bib_mappings(const struct bib *b);

/* Iterates mappings, newest first. *cursor starts at 0; returns false at the
 * end. The table must not change during an iteration. Each step costs
 * O(sessions of that mapping) (expires_ms is their latest expiry). */
bool bib_mapping_next(const struct bib *b, uint32_t *cursor, struct bib_mapping_info *out);

#endif
