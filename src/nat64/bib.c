/*
 * Stateful NAT64 BIB and session table (RFC 6146 §3), see bib.h.
 *
 * Layout (everything allocated once in bib_new(), nothing afterwards):
 *
 * - sess[]: session records, 40 bytes each. A session stores the index of its
 *   mapping instead of the IPv6 and IPv4 addresses: the mapping determines X
 *   and T (and x, t in NAPT mode), so the session only adds x, Y, y, the
 *   protocol, the TCP state and a 32-bit expiry in seconds.
 * - map[]: mappings (BIB entries) with their per-protocol counters.
 * - Hash indexes, separate chaining with uint32 indices into those arrays,
 *   power-of-two bucket counts >= the maximum number of entries, keys hashed
 *   with SipHash-1-3 under a key derived from cfg.seed (so a peer cannot aim
 *   many flows at one bucket):
 *     m6: mapping by IPv6 side (proto, X, x)   (proto = port = 0 in address mode)
 *     m4: mapping by IPv4 side (proto, T, t)
 *     s:  session by (mapping, x, Y, y, proto)
 *   The session index is keyed by the mapping handle, not by a packet field.
 *   Both directions resolve the mapping first (each needs it anyway: 6->4 to
 *   create sessions under it, 4->6 to tell NO_MAPPING from FILTERED), and
 *   since a mapping is unique on either side the 6-side session key
 *   (proto, X, x, Y, y) and the 4-side key (proto, T, t, Y, y) both reduce to
 *   the same (mapping, x, Y, y, proto). One index therefore gives O(1) session
 *   lookups both ways and saves a second bucket array and chain link
 *   (8 bytes per session).
 *   hosts (NAPT only): per-IPv6-address session counts for max_per_host. A
 *   host entry exists while the address has sessions, so there are never more
 *   of them than mappings in use: max_mappings entries suffice.
 *   devs: per-device counts of sessions and dynamic mappings for the
 *   max_*_per_64 caps, keyed by the caller's device key (bib_out_dev) or the
 *   source /64. A mapping keeps the index of its device's entry, so
 *   counting a session or mapping costs no hashing; the entry lives while it
 *   counts anything (a static mapping holds it only while it has sessions),
 *   hence never more entries than mappings in use either.
 * - Index 0 of every array is a sentinel and never used, so 0 means "none"
 *   and the zeroed memory from calloc() is already a valid empty index.
 *   Records are taken from a free list first, then from a high-water mark, so
 *   untouched parts of the arrays never become resident.
 * - Expiry (RFC 6146 §3.5.1.1, §3.5.2.2, §3.5.3): one FIFO list per timer
 *   class (UDP, TCP established, TCP transitory, ICMP query). Every refresh
 *   sets expiry = now + the class timeout and moves the session to the tail
 *   of its class, so each list is sorted by expiry and bib_expire() only pops
 *   heads. Time is clamped to never go backwards, which keeps the lists
 *   sorted even if a caller's clock does.
 * - Expiry times are whole seconds since the first time the table saw a
 *   clock, rounded up when set: a session never expires early and at most
 *   one second late.
 *
 * Simplified relative to RFC 6146:
 * - §3.5.2.2 V4 SYN: no TCP_INCOMING_SYN (6 s) hold of unsolicited SYNs (see
 *   bib_tcp_step()); RST also ends the FIN-received states.
 * - Filtering is endpoint-independent only (no address-dependent option).
 * - NAPT port choice is bounded (RFC 6056 style tries, then a bounded linear
 *   search), so a nearly full port space may report POOL_EXHAUSTED while a
 *   few ports are still free.
 * - ICMP query sessions ignore the peer's identifier (it equals x in 6->4
 *   and t in 4->6), so the session key is (mapping, id, Y).
 */
#include "nat64/bib.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04

/* Upper bound on table sizes: keeps every index and count in uint32 with
 * room for the sentinel, and bucket counts a power of two. */
#define BIB_MAX_ENTRIES (1u << 30)

/* NAPT port choice (RFC 6056 §3.3.3 "Simple Hash-Based Port Selection",
 * adapted): candidates come from a keyed hash of (proto, X, x, counter).
 * The first BIB_PAIRED_TRIES stay on the host's own pool address ("paired"
 * pooling, RFC 4787 REQ-2, RFC 6146 §3.5.1.1), the rest may use any pool
 * address, then a bounded linear search from the last candidate. */
#define BIB_PAIRED_TRIES 16
#define BIB_RANDOM_TRIES 64
#define BIB_LINEAR_TRIES 1024

enum bib_class { CLS_UDP, CLS_TCP_EST, CLS_TCP_TRANS, CLS_ICMP, CLS_COUNT };

/* RFC 6146 §3.5.2.2 TCP states (CLOSED = no session). */
enum bib_tcp_state {
    ST_NONE, /* not TCP */
    ST_V4_INIT,
    ST_V6_INIT,
    ST_ESTABLISHED,
    ST_V4_FIN_RCV,
    ST_V6_FIN_RCV,
    ST_V4_FIN_V6_FIN_RCV,
    ST_TRANS,
};

struct bib_sess {
    uint32_t map;   /* owning mapping (gives X, T and, in NAPT mode, x, t) */
    uint32_t raddr; /* Y, the IPv4 peer, host order */
    uint16_t port;  /* x (= t in address mode) */
    uint16_t rport; /* y; 0 for ICMP (the identifier is already x) */
    uint8_t proto;  /* BIB_TCP, BIB_UDP, BIB_ICMP */
    uint8_t state;  /* enum bib_tcp_state */
    uint8_t cls;    /* enum bib_class: which FIFO it is on */
    uint8_t pad;
    uint32_t exp;   /* expiry, seconds since b->epoch_s */
    uint32_t hnext; /* hash chain */
    uint32_t tprev; /* timer FIFO; tnext also links the free list */
    uint32_t tnext;
    uint32_t mprev; /* sessions of the same mapping */
    uint32_t mnext;
};

struct bib_map {
    uint64_t id;
    struct nat64_ctr ctr[NAT64_PROTO_COUNT];
    uint8_t addr6[16];
    uint32_t addr4; /* host order */
    uint16_t port6, port4;
    uint8_t proto; /* 0: address-level mapping (all protocols, ports kept) */
    uint8_t is_static;
    uint8_t in_use;
    uint8_t pad;
    uint32_t next6, next4; /* hash chains */
    uint32_t newer, older; /* creation list; older also links the free list */
    uint32_t shead;        /* first session */
    uint32_t nsess;
    uint32_t dev; /* its /64's entry (0: none, a static mapping without sessions) */
};

struct bib_host {
    uint8_t addr6[16];
    uint32_t count; /* sessions */
    uint32_t next;  /* hash chain; also the free list */
};

/* A device as the caps see it (bib.h, bib_out_dev): the caller's key
 * (link = true: a Thread child) or the IPv6 source /64 (link = false); the
 * flag keeps the two kinds apart whatever their values. */
struct bib_dk {
    uint64_t v;
    bool link;
};

/* One device with sessions: what its caps count. */
struct bib_dev {
    struct bib_dk key;
    uint32_t sessions;
    uint32_t maps; /* dynamic mappings (address mode: pool addresses held) */
    uint32_t next; /* hash chain; also the free list */
};

struct bib_list {
    uint32_t head, tail;
};

struct bib {
    struct bib_cfg cfg;
    uint64_t k0, k1;  /* SipHash key */
    uint64_t next_id; /* incremented before each assignment (OpenThread) */
    uint32_t to[CLS_COUNT];

    /* pool: addresses are base | (first + i), i < pool_n */
    uint32_t pool_base, pool_first;
    uint64_t pool_n;
    uint32_t nports;
    uint32_t port_ctr;

    struct bib_sess *sess; /* max_sessions + 1 */
    uint32_t *sbkt;
    uint32_t smask, sess_hw, sess_free, nsess;

    struct bib_map *map; /* max_mappings + 1 */
    uint32_t *m6bkt, *m4bkt;
    uint32_t mmask, map_hw, map_free, nmap, newest;

    struct bib_host *host; /* NAPT: max_mappings + 1 */
    uint32_t *hbkt;
    uint32_t hmask, host_hw, host_free;

    struct bib_dev *dev; /* max_mappings + 1 */
    uint32_t *dbkt;
    uint32_t dev_hw, dev_free; /* buckets: mmask + 1 */

    uint32_t *astack; /* address mode: released addresses, LIFO (as OpenThread) */
    uint32_t atop;
    uint64_t afresh; /* addresses taken from the top of the pool so far */

    struct bib_list timers[CLS_COUNT];
    uint64_t last_ms; /* latest clock seen (time never goes backwards) */
    uint64_t epoch_s;
    bool epoch_set;

    size_t mem;
};

/* ---- hashing ------------------------------------------------------------- */

static uint64_t bib_rotl(uint64_t x, unsigned r)
{
    return (x << r) | (x >> (64 - r));
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = bib_rotl(v1, 13);                                                                     \
        v1 ^= v0;                                                                                  \
        v0 = bib_rotl(v0, 32);                                                                     \
        v2 += v3;                                                                                  \
        v3 = bib_rotl(v3, 16);                                                                     \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = bib_rotl(v3, 21);                                                                     \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = bib_rotl(v1, 17);                                                                     \
        v1 ^= v2;                                                                                  \
        v2 = bib_rotl(v2, 32);                                                                     \
    } while (0)

/* SipHash-1-3 over n 64-bit words (fixed-size keys, so no byte tail). */
static uint64_t bib_sip(const struct bib *b, const uint64_t *w, unsigned n)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ b->k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ b->k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ b->k0;
    uint64_t v3 = 0x7465646279746573ULL ^ b->k1;
    for (unsigned i = 0; i < n; i++) {
        v3 ^= w[i];
        SIPROUND;
        v0 ^= w[i];
    }
    uint64_t last = (uint64_t)(n * 8) << 56;
    v3 ^= last;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t bib_splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Domain tags keep the different keys apart under one SipHash key. */
enum { TAG_M6 = 1, TAG_M4, TAG_S, TAG_H, TAG_PAIR, TAG_PORT, TAG_D };

static void bib_a6words(const uint8_t a[16], uint64_t *w)
{
    memcpy(&w[0], a, 8);
    memcpy(&w[1], a + 8, 8);
}

static uint32_t bib_get4(const uint8_t a[4])
{
    return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static void bib_put4(uint32_t v, uint8_t a[4])
{
    a[0] = (uint8_t)(v >> 24);
    a[1] = (uint8_t)(v >> 16);
    a[2] = (uint8_t)(v >> 8);
    a[3] = (uint8_t)v;
}

static uint32_t bib_h6(const struct bib *b, uint8_t proto, const uint8_t a6[16], uint16_t port)
{
    uint64_t w[3] = {TAG_M6 | (uint64_t)proto << 8 | (uint64_t)port << 16};
    bib_a6words(a6, w + 1);
    return (uint32_t)bib_sip(b, w, 3) & b->mmask;
}

static uint32_t bib_h4(const struct bib *b, uint8_t proto, uint32_t a4, uint16_t port)
{
    uint64_t w = TAG_M4 | (uint64_t)proto << 8 | (uint64_t)port << 16 | (uint64_t)a4 << 32;
    return (uint32_t)bib_sip(b, &w, 1) & b->mmask;
}

static uint32_t bib_hs(const struct bib *b, uint32_t map, uint16_t port, uint32_t raddr,
                       uint16_t rport, uint8_t proto)
{
    uint64_t w[2] = {TAG_S | (uint64_t)proto << 8 | (uint64_t)port << 16 | (uint64_t)rport << 32,
                     (uint64_t)map | (uint64_t)raddr << 32};
    return (uint32_t)bib_sip(b, w, 2) & b->smask;
}

static uint32_t bib_hh(const struct bib *b, const uint8_t a6[16])
{
    uint64_t w[3] = {TAG_H};
    bib_a6words(a6, w + 1);
    return (uint32_t)bib_sip(b, w, 3) & b->hmask;
}

static uint32_t bib_hd(const struct bib *b, struct bib_dk k)
{
    uint64_t w[2] = {TAG_D | (uint64_t)k.link << 8, k.v};
    return (uint32_t)bib_sip(b, w, 2) & b->mmask;
}

/* ---- configuration --------------------------------------------------------- */

void bib_cfg_default(struct bib_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->pool.addr[0] = 192;
    cfg->pool.addr[1] = 168;
    cfg->pool.addr[2] = 255;
    cfg->pool.addr[3] = 0;
    cfg->pool.len = 24;
    cfg->napt = false;
    cfg->port_lo = 1024;
    cfg->port_hi = 65535;
    cfg->max_sessions = 65536;
    cfg->max_mappings = 4096;
    /* One eighth of the default session table: a single misbehaving Thread
     * device cannot starve the others (user needs T3, Jool#175), while 8192
     * concurrent flows is far beyond what a real constrained device opens. */
    cfg->max_per_host = 8192;
    /* Per device (/64): a sixteenth of the default session and mapping
     * tables, and 16 of the default pool's 254 addresses, so at least 15
     * devices at their caps still leave room for the others. A Thread device
     * uses one or two addresses and a handful of flows. */
    cfg->max_sessions_per_64 = 4096;
    cfg->max_mappings_per_64 = 256;
    cfg->max_pool_per_64 = 16;
    cfg->to_udp = BIB_TO_UDP;
    cfg->to_tcp_est = BIB_TO_TCP_EST;
    cfg->to_tcp_trans = BIB_TO_TCP_TRANS;
    cfg->to_icmp = BIB_TO_ICMP;
    cfg->seed = 0;
}

static uint32_t bib_pow2(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void *bib_alloc(struct bib *b, size_t n, size_t size)
{
    if (n != 0 && size > SIZE_MAX / n)
        return NULL;
    void *p = calloc(n, size);
    if (!p)
        return NULL;
    b->mem += n * size;
    /* Large tables are touched at random: ask for transparent huge pages so a
     * lookup in a million-session table costs cache misses, not also TLB
     * misses. Advice only; calloc's fresh mapping is still untouched. */
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t hi = ((uintptr_t)p + n * size) & ~(huge - 1);
    if (hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    return p;
}

struct bib *bib_new(const struct bib_cfg *cfg)
{
    if (!cfg || cfg->pool.len > 32 || cfg->port_lo == 0 || cfg->port_lo > cfg->port_hi ||
        cfg->max_sessions == 0 || cfg->max_mappings == 0 || cfg->max_sessions > BIB_MAX_ENTRIES ||
        cfg->max_mappings > BIB_MAX_ENTRIES)
        return NULL;

    struct bib *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->mem = sizeof(*b);
    b->cfg = *cfg;

    uint64_t s = cfg->seed;
    b->k0 = bib_splitmix(&s);
    b->k1 = bib_splitmix(&s);
    b->next_id = bib_splitmix(&s);

    b->to[CLS_UDP] = cfg->to_udp;
    b->to[CLS_TCP_EST] = cfg->to_tcp_est;
    b->to[CLS_TCP_TRANS] = cfg->to_tcp_trans;
    b->to[CLS_ICMP] = cfg->to_icmp;

    /* Host numbering as OpenThread's SetIp4Cidr: /31 and /32 use every
     * address, shorter prefixes skip the network and broadcast addresses. */
    uint32_t mask = cfg->pool.len ? ~0u << (32 - cfg->pool.len) : 0;
    b->pool_base = bib_get4(cfg->pool.addr) & mask;
    uint64_t size = (uint64_t)1 << (32 - cfg->pool.len);
    b->pool_first = cfg->pool.len <= 30 ? 1 : 0;
    b->pool_n = cfg->pool.len <= 30 ? size - 2 : size;
    b->nports = (uint32_t)cfg->port_hi - cfg->port_lo + 1;

    uint32_t ns = cfg->max_sessions, nm = cfg->max_mappings;
    b->smask = bib_pow2(ns) - 1;
    b->mmask = bib_pow2(nm) - 1;
    b->sess = bib_alloc(b, (size_t)ns + 1, sizeof(*b->sess));
    b->sbkt = bib_alloc(b, (size_t)b->smask + 1, sizeof(uint32_t));
    b->map = bib_alloc(b, (size_t)nm + 1, sizeof(*b->map));
    b->m6bkt = bib_alloc(b, (size_t)b->mmask + 1, sizeof(uint32_t));
    b->m4bkt = bib_alloc(b, (size_t)b->mmask + 1, sizeof(uint32_t));
    b->dev = bib_alloc(b, (size_t)nm + 1, sizeof(*b->dev));
    b->dbkt = bib_alloc(b, (size_t)b->mmask + 1, sizeof(uint32_t));
    bool ok = b->sess && b->sbkt && b->map && b->m6bkt && b->m4bkt && b->dev && b->dbkt;
    if (cfg->napt) {
        b->hmask = b->mmask;
        b->host = bib_alloc(b, (size_t)nm + 1, sizeof(*b->host));
        b->hbkt = bib_alloc(b, (size_t)b->hmask + 1, sizeof(uint32_t));
        ok = ok && b->host && b->hbkt;
    } else {
        b->astack = bib_alloc(b, nm, sizeof(uint32_t));
        ok = ok && b->astack;
    }
    if (!ok) {
        bib_free(b);
        return NULL;
    }
    return b;
}

void bib_free(struct bib *b)
{
    if (!b)
        return;
    free(b->sess);
    free(b->sbkt);
    free(b->map);
    free(b->m6bkt);
    free(b->m4bkt);
    free(b->host);
    free(b->hbkt);
    free(b->dev);
    free(b->dbkt);
    free(b->astack);
    free(b);
}

size_t bib_memory(const struct bib *b)
{
    return b ? b->mem : 0;
}

/* ---- clock ----------------------------------------------------------------- */

/* Current time, seconds since the epoch rounded down (for expiry checks);
 * *ceil_s gets it rounded up (for setting expiries, so none is early). */
static uint32_t bib_clock(struct bib *b, uint64_t now_ms, uint32_t *ceil_s)
{
    if (now_ms < b->last_ms)
        now_ms = b->last_ms;
    b->last_ms = now_ms;
    if (!b->epoch_set) {
        b->epoch_s = now_ms / 1000;
        b->epoch_set = true;
    }
    uint64_t fl = now_ms / 1000 - b->epoch_s;
    uint64_t ce = fl + (now_ms % 1000 != 0);
    /* Leave room for the largest timeout; 2^31 s is 68 years of uptime. */
    if (fl > 0x7fffffffu)
        fl = 0x7fffffffu;
    if (ce > 0x7fffffffu)
        ce = 0x7fffffffu;
    if (ceil_s)
        *ceil_s = (uint32_t)ce;
    return (uint32_t)fl;
}

/* now + timeout, saturating (a huge configured timeout means "never"). */
static uint32_t bib_deadline(uint32_t now_c, uint32_t to)
{
    uint64_t e = (uint64_t)now_c + to;
    return e > UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}

static uint64_t bib_exp_ms(const struct bib *b, uint32_t exp)
{
    return (b->epoch_s + exp) * 1000;
}

/* ---- devices (per-device counts) ------------------------------------------- */

/* The device of a packet from a6: the caller's key, else a6's /64 (every
 * address of the /64 alike). */
static struct bib_dk bib_dk_of(uint64_t dev_key, const uint8_t a6[16])
{
    struct bib_dk k = {dev_key, dev_key != 0};
    if (!k.link)
        for (unsigned i = 0; i < 8; i++)
            k.v = k.v << 8 | a6[i];
    return k;
}

static uint32_t bib_dev_find(const struct bib *b, struct bib_dk k)
{
    for (uint32_t i = b->dbkt[bib_hd(b, k)]; i; i = b->dev[i].next)
        if (b->dev[i].key.v == k.v && b->dev[i].key.link == k.link)
            return i;
    return 0;
}

/* The device's entry, created empty if it has none. 0 only if every entry
 * is taken, which cannot happen (see the top). */
static uint32_t bib_dev_get(struct bib *b, struct bib_dk k)
{
    uint32_t i = bib_dev_find(b, k);
    if (i)
        return i;
    if (b->dev_free) {
        i = b->dev_free;
        b->dev_free = b->dev[i].next;
    } else if (b->dev_hw < b->cfg.max_mappings) {
        i = ++b->dev_hw;
    } else {
        return 0;
    }
    struct bib_dev *d = &b->dev[i];
    uint32_t h = bib_hd(b, k);
    d->key = k;
    d->sessions = d->maps = 0;
    d->next = b->dbkt[h];
    b->dbkt[h] = i;
    return i;
}

/* Frees the entry once it counts nothing. */
static void bib_dev_put(struct bib *b, uint32_t i)
{
    struct bib_dev *d = &b->dev[i];
    if (d->sessions || d->maps)
        return;
    uint32_t *p = &b->dbkt[bib_hd(b, d->key)];
    while (*p != i)
        p = &b->dev[*p].next;
    *p = d->next;
    d->next = b->dev_free;
    b->dev_free = i;
}

/* The entry counting m's device (a static mapping without sessions has
 * none of its own, though its device k may). */
static uint32_t bib_dev_of(const struct bib *b, const struct bib_map *m, struct bib_dk k)
{
    return m->dev ? m->dev : bib_dev_find(b, k);
}

/* The per-device caps for one more session (and, new_map, one more dynamic
 * mapping) on device entry i (0: a /64 with nothing yet). */
static enum nat64_drop bib_dev_check(const struct bib *b, uint32_t i, bool new_map)
{
    const struct bib_cfg *c = &b->cfg;
    uint32_t sessions = i ? b->dev[i].sessions : 0, maps = i ? b->dev[i].maps : 0;
    if (c->max_sessions_per_64 && sessions >= c->max_sessions_per_64)
        return NAT64_DROP_DEV_SESSIONS;
    if (new_map && !c->napt && c->max_pool_per_64 && maps >= c->max_pool_per_64)
        return NAT64_DROP_DEV_POOL;
    if (new_map && c->max_mappings_per_64 && maps >= c->max_mappings_per_64)
        return NAT64_DROP_DEV_MAPPINGS;
    return NAT64_DROP_NONE;
}

/* ---- mappings ------------------------------------------------------------ */

static uint32_t bib_find6(const struct bib *b, uint8_t proto, const uint8_t a6[16], uint16_t port)
{
    for (uint32_t i = b->m6bkt[bib_h6(b, proto, a6, port)]; i; i = b->map[i].next6) {
        const struct bib_map *m = &b->map[i];
        if (m->proto == proto && m->port6 == port && memcmp(m->addr6, a6, 16) == 0)
            return i;
    }
    return 0;
}

static uint32_t bib_find4(const struct bib *b, uint8_t proto, uint32_t a4, uint16_t port)
{
    for (uint32_t i = b->m4bkt[bib_h4(b, proto, a4, port)]; i; i = b->map[i].next4) {
        const struct bib_map *m = &b->map[i];
        if (m->proto == proto && m->port4 == port && m->addr4 == a4)
            return i;
    }
    return 0;
}

/* Mapping for a packet. NAPT mode may also hold address-level static
 * mappings (proto 0); a per-port mapping is the more specific and wins. */
static uint32_t bib_lookup6(const struct bib *b, uint8_t proto, const uint8_t a6[16], uint16_t port)
{
    uint32_t m = 0;
    if (b->cfg.napt)
        m = bib_find6(b, proto, a6, port);
    return m ? m : bib_find6(b, 0, a6, 0);
}

static uint32_t bib_lookup4(const struct bib *b, uint8_t proto, uint32_t a4, uint16_t port)
{
    uint32_t m = 0;
    if (b->cfg.napt)
        m = bib_find4(b, proto, a4, port);
    return m ? m : bib_find4(b, 0, a4, 0);
}

/* Takes a free mapping record and links it in (hashes, creation list).
 * dk: the device of a dynamic mapping; NULL: a static one. */
static uint32_t bib_map_new(struct bib *b, uint8_t proto, const uint8_t a6[16], uint16_t port6,
                            uint32_t a4, uint16_t port4, const struct bib_dk *dk)
{
    uint32_t i, d = 0;
    if (!b->map_free && b->map_hw >= b->cfg.max_mappings)
        return 0;
    if (dk && !(d = bib_dev_get(b, *dk)))
        return 0;
    if (b->map_free) {
        i = b->map_free;
        b->map_free = b->map[i].older;
    } else {
        i = ++b->map_hw;
    }
    struct bib_map *m = &b->map[i];
    memset(m, 0, sizeof(*m));
    if (d) {
        m->dev = d;
        b->dev[d].maps++;
    }
    m->id = ++b->next_id; /* OpenThread: incremented before each assignment */
    memcpy(m->addr6, a6, 16);
    m->addr4 = a4;
    m->port6 = port6;
    m->port4 = port4;
    m->proto = proto;
    m->is_static = dk == NULL;
    m->in_use = 1;
    uint32_t h6 = bib_h6(b, proto, a6, port6), h4 = bib_h4(b, proto, a4, port4);
    m->next6 = b->m6bkt[h6];
    b->m6bkt[h6] = i;
    m->next4 = b->m4bkt[h4];
    b->m4bkt[h4] = i;
    /* Newest first, for bib_mapping_next() (OpenThread pushes at the head). */
    m->older = b->newest;
    if (b->newest)
        b->map[b->newest].newer = i;
    b->newest = i;
    b->nmap++;
    return i;
}

static void bib_unlink_m6(struct bib *b, uint32_t i)
{
    const struct bib_map *m = &b->map[i];
    uint32_t *p = &b->m6bkt[bib_h6(b, m->proto, m->addr6, m->port6)];
    while (*p != i)
        p = &b->map[*p].next6;
    *p = m->next6;
}

static void bib_unlink_m4(struct bib *b, uint32_t i)
{
    const struct bib_map *m = &b->map[i];
    uint32_t *p = &b->m4bkt[bib_h4(b, m->proto, m->addr4, m->port4)];
    while (*p != i)
        p = &b->map[*p].next4;
    *p = m->next4;
}

/* RFC 6146 §3.5.1.1 / §3.5.2.2: a dynamic BIB entry is deleted when it has
 * no sessions left. Its IPv4 address (address mode) goes back to the pool. */
static void bib_map_release(struct bib *b, uint32_t i)
{
    struct bib_map *m = &b->map[i];
    bib_unlink_m6(b, i);
    bib_unlink_m4(b, i);
    if (m->newer)
        b->map[m->newer].older = m->older;
    else
        b->newest = m->older;
    if (m->older)
        b->map[m->older].newer = m->newer;
    if (!b->cfg.napt && b->atop < b->cfg.max_mappings)
        b->astack[b->atop++] = m->addr4;
    if (m->dev && !m->is_static) {
        b->dev[m->dev].maps--;
        bib_dev_put(b, m->dev);
    }
    m->dev = 0;
    m->in_use = 0;
    m->older = b->map_free;
    b->map_free = i;
    b->nmap--;
}

/* Address mode: the next free pool address, highest first, released ones
 * reused last-in first-out (OpenThread's pool order). Addresses held by a
 * mapping (static ones in particular) are skipped. The stack cannot
 * overflow: fresh addresses are taken only when it is empty, so every
 * address ever handed out is either in use or on the stack. */
static bool bib_alloc_addr(struct bib *b, uint32_t *a4)
{
    while (b->atop) {
        uint32_t a = b->astack[--b->atop];
        if (!bib_find4(b, 0, a, 0)) {
            *a4 = a;
            return true;
        }
    }
    while (b->afresh < b->pool_n) {
        uint32_t a = b->pool_base | (uint32_t)(b->pool_first + b->pool_n - 1 - b->afresh);
        b->afresh++;
        if (!bib_find4(b, 0, a, 0)) {
            *a4 = a;
            return true;
        }
    }
    return false;
}

static bool bib_tport_free(const struct bib *b, uint8_t proto, uint32_t a4, uint16_t port)
{
    return !bib_find4(b, proto, a4, port) && !bib_find4(b, 0, a4, 0);
}

/* NAPT mode: a free (T, t) for (proto, X, x), RFC 6056 style (see the
 * BIB_*_TRIES comment). The counter makes a re-created mapping pick a new
 * port rather than reuse the old one at once (RFC 6056 §3.2). Bounded:
 * at most BIB_RANDOM_TRIES + BIB_LINEAR_TRIES probes. */
static bool bib_alloc_port(struct bib *b, uint8_t proto, const uint8_t a6[16], uint16_t port6,
                           uint32_t *a4, uint16_t *port4)
{
    uint64_t pw[3] = {TAG_PAIR};
    bib_a6words(a6, pw + 1);
    uint64_t paired = bib_sip(b, pw, 3) % b->pool_n;
    uint64_t w[4] = {TAG_PORT | (uint64_t)proto << 8 | (uint64_t)port6 << 16 |
                     (uint64_t)b->port_ctr++ << 32};
    bib_a6words(a6, w + 1);
    uint64_t idx = paired;
    uint32_t p = 0;
    for (unsigned t = 0; t < BIB_RANDOM_TRIES; t++) {
        w[3] = t;
        uint64_t h = bib_sip(b, w, 4);
        idx = t < BIB_PAIRED_TRIES ? paired : (h >> 32) % b->pool_n;
        p = (uint32_t)(h & 0xffffffffu) % b->nports;
        uint32_t a = b->pool_base | (uint32_t)(b->pool_first + idx);
        if (bib_tport_free(b, proto, a, (uint16_t)(b->cfg.port_lo + p))) {
            *a4 = a;
            *port4 = (uint16_t)(b->cfg.port_lo + p);
            return true;
        }
    }
    uint32_t a = b->pool_base | (uint32_t)(b->pool_first + idx);
    for (unsigned t = 0; t < BIB_LINEAR_TRIES && t < b->nports; t++) {
        p = (p + 1) % b->nports;
        if (bib_tport_free(b, proto, a, (uint16_t)(b->cfg.port_lo + p))) {
            *a4 = a;
            *port4 = (uint16_t)(b->cfg.port_lo + p);
            return true;
        }
    }
    return false;
}

/* ---- hosts (NAPT per-host session count) ---------------------------------- */

static uint32_t bib_host_find(const struct bib *b, const uint8_t a6[16])
{
    for (uint32_t i = b->hbkt[bib_hh(b, a6)]; i; i = b->host[i].next)
        if (memcmp(b->host[i].addr6, a6, 16) == 0)
            return i;
    return 0;
}

static uint32_t bib_host_count(const struct bib *b, const struct bib_map *m, const uint8_t a6[16])
{
    if (!b->cfg.napt)
        return m ? m->nsess : 0;
    uint32_t h = bib_host_find(b, a6);
    return h ? b->host[h].count : 0;
}

/* Adds delta (+1 / -1) to the host's count, creating or freeing its entry.
 * Creation cannot fail while hosts <= mappings in use (see the top). */
static bool bib_host_add(struct bib *b, const uint8_t a6[16], int delta)
{
    if (!b->cfg.napt)
        return true;
    uint32_t hb = bib_hh(b, a6);
    uint32_t *p = &b->hbkt[hb];
    while (*p && memcmp(b->host[*p].addr6, a6, 16) != 0)
        p = &b->host[*p].next;
    uint32_t i = *p;
    if (!i) {
        if (delta < 0)
            return false;
        if (b->host_free) {
            i = b->host_free;
            b->host_free = b->host[i].next;
        } else if (b->host_hw < b->cfg.max_mappings) {
            i = ++b->host_hw;
        } else {
            return false;
        }
        memcpy(b->host[i].addr6, a6, 16);
        b->host[i].count = 0;
        b->host[i].next = b->hbkt[hb];
        b->hbkt[hb] = i;
        p = &b->hbkt[hb];
    }
    if (delta > 0) {
        b->host[i].count++;
    } else if (--b->host[i].count == 0) {
        while (*p != i)
            p = &b->host[*p].next;
        *p = b->host[i].next;
        b->host[i].next = b->host_free;
        b->host_free = i;
    }
    return true;
}

/* ---- sessions -------------------------------------------------------------- */

/* Finds a session and moves it to the front of its hash chain: an active
 * flow is then one bucket read and one session read away, instead of
 * walking past idle sessions (a cache miss each in a large table). */
static uint32_t bib_sess_find(struct bib *b, uint32_t map, uint16_t port, uint32_t raddr,
                              uint16_t rport, uint8_t proto)
{
    uint32_t *head = &b->sbkt[bib_hs(b, map, port, raddr, rport, proto)];
    for (uint32_t *link = head; *link; link = &b->sess[*link].hnext) {
        uint32_t i = *link;
        struct bib_sess *s = &b->sess[i];
        if (s->map == map && s->raddr == raddr && s->port == port && s->rport == rport &&
            s->proto == proto) {
            if (link != head) {
                *link = s->hnext;
                s->hnext = *head;
                *head = i;
            }
            return i;
        }
    }
    return 0;
}

static void bib_timer_unlink(struct bib *b, uint32_t i)
{
    struct bib_sess *s = &b->sess[i];
    struct bib_list *l = &b->timers[s->cls];
    if (s->tprev)
        b->sess[s->tprev].tnext = s->tnext;
    else
        l->head = s->tnext;
    if (s->tnext)
        b->sess[s->tnext].tprev = s->tprev;
    else
        l->tail = s->tprev;
}

static void bib_timer_append(struct bib *b, uint32_t i)
{
    struct bib_sess *s = &b->sess[i];
    struct bib_list *l = &b->timers[s->cls];
    s->tnext = 0;
    s->tprev = l->tail;
    if (l->tail)
        b->sess[l->tail].tnext = i;
    else
        l->head = i;
    l->tail = i;
}

/* Restarts the session timer in class cls: expiry = now + timeout, and the
 * session moves to the tail of that class's FIFO. */
static void bib_refresh(struct bib *b, uint32_t i, uint8_t cls, uint32_t now_c)
{
    struct bib_sess *s = &b->sess[i];
    uint32_t exp = bib_deadline(now_c, b->to[cls]);
    /* Same class and same (whole-second) deadline: the FIFO stays ordered
     * with the session where it is, so skip the unlink/append and the two
     * neighbours it would touch. A busy flow moves at most once a second. */
    if (s->cls == cls && s->exp == exp)
        return;
    bib_timer_unlink(b, i);
    s->cls = cls;
    s->exp = exp;
    bib_timer_append(b, i);
}

static uint8_t bib_class_of(uint8_t proto)
{
    return proto == BIB_UDP ? CLS_UDP : proto == BIB_ICMP ? CLS_ICMP : CLS_TCP_TRANS;
}

static uint32_t bib_sess_new(struct bib *b, uint32_t map, uint16_t port, uint32_t raddr,
                             uint16_t rport, uint8_t proto, uint8_t state, uint32_t now_c,
                             struct bib_dk dk)
{
    uint32_t i;
    if (b->sess_free) {
        i = b->sess_free;
        b->sess_free = b->sess[i].tnext;
    } else if (b->sess_hw < b->cfg.max_sessions) {
        i = ++b->sess_hw;
    } else {
        return 0;
    }
    struct bib_map *m = &b->map[map];
    if (!m->dev)
        m->dev = bib_dev_get(b, dk); /* a static mapping's first session */
    if (!m->dev || !bib_host_add(b, m->addr6, +1)) {
        b->sess[i].tnext = b->sess_free;
        b->sess_free = i;
        return 0;
    }
    b->dev[m->dev].sessions++;
    struct bib_sess *s = &b->sess[i];
    memset(s, 0, sizeof(*s));
    s->map = map;
    s->port = port;
    s->raddr = raddr;
    s->rport = rport;
    s->proto = proto;
    s->state = state;
    s->cls = bib_class_of(proto);
    s->exp = bib_deadline(now_c, b->to[s->cls]);
    bib_timer_append(b, i);
    uint32_t h = bib_hs(b, map, port, raddr, rport, proto);
    s->hnext = b->sbkt[h];
    b->sbkt[h] = i;
    s->mnext = m->shead;
    if (m->shead)
        b->sess[m->shead].mprev = i;
    m->shead = i;
    m->nsess++;
    b->nsess++;
    return i;
}

static void bib_sess_release(struct bib *b, uint32_t i)
{
    struct bib_sess *s = &b->sess[i];
    uint32_t mi = s->map;
    struct bib_map *m = &b->map[mi];
    uint32_t *p = &b->sbkt[bib_hs(b, mi, s->port, s->raddr, s->rport, s->proto)];
    while (*p != i)
        p = &b->sess[*p].hnext;
    *p = s->hnext;
    bib_timer_unlink(b, i);
    if (s->mprev)
        b->sess[s->mprev].mnext = s->mnext;
    else
        m->shead = s->mnext;
    if (s->mnext)
        b->sess[s->mnext].mprev = s->mprev;
    m->nsess--;
    b->nsess--;
    bib_host_add(b, m->addr6, -1);
    b->dev[m->dev].sessions--;
    s->tnext = b->sess_free;
    b->sess_free = i;
    if (m->nsess == 0 && !m->is_static) {
        bib_map_release(b, mi);
    } else if (m->nsess == 0) {
        uint32_t d = m->dev; /* a static mapping holds its entry only with sessions */
        m->dev = 0;
        bib_dev_put(b, d);
    }
}

static uint32_t bib_expire_to(struct bib *b, uint32_t now_f)
{
    uint32_t n = 0;
    for (unsigned c = 0; c < CLS_COUNT; c++) {
        while (b->timers[c].head && b->sess[b->timers[c].head].exp <= now_f) {
            bib_sess_release(b, b->timers[c].head);
            n++;
        }
    }
    return n;
}

uint32_t bib_expire(struct bib *b, uint64_t now_ms)
{
    return bib_expire_to(b, bib_clock(b, now_ms, NULL));
}

/*
 * RFC 6146 §3.5.2.2 TCP state machine for a packet on an existing session.
 * Simplifications (documented in bib.h too):
 * - V4 SYN with no session: RFC 6146 holds it TCP_INCOMING_SYN (6 s) waiting
 *   for a simultaneous open when filtering would refuse it. Here the SYN is
 *   accepted at once when a mapping exists (endpoint-independent filtering)
 *   and the session starts in V4 INIT with the transitory lifetime; with no
 *   mapping it is dropped at once (NO_MAPPING), no packet is stored.
 * - RST in the FIN-received states moves to TRANS as in ESTABLISHED (RFC 6146
 *   only lists ESTABLISHED; Jool#212 shows why the FIN states need it too).
 *   RST in the INIT states changes nothing: the transitory timer already runs.
 */
static void bib_tcp_step(struct bib *b, uint32_t i, bool from6, uint8_t flags, uint32_t now_c)
{
    struct bib_sess *s = &b->sess[i];
    bool syn = (flags & TCP_SYN) && !(flags & TCP_RST);
    bool fin = flags & TCP_FIN;
    bool rst = flags & TCP_RST;
    switch (s->state) {
    case ST_V6_INIT:
        if (syn && !from6) {
            s->state = ST_ESTABLISHED;
            bib_refresh(b, i, CLS_TCP_EST, now_c);
        } else if (syn) {
            bib_refresh(b, i, CLS_TCP_TRANS, now_c); /* SYN retransmission */
        }
        break;
    case ST_V4_INIT:
        if (syn && from6) {
            s->state = ST_ESTABLISHED;
            bib_refresh(b, i, CLS_TCP_EST, now_c);
        } else if (syn) {
            bib_refresh(b, i, CLS_TCP_TRANS, now_c);
        }
        break;
    case ST_ESTABLISHED:
        if (rst) {
            s->state = ST_TRANS;
            bib_refresh(b, i, CLS_TCP_TRANS, now_c);
            break;
        }
        if (fin)
            s->state = from6 ? ST_V6_FIN_RCV : ST_V4_FIN_RCV;
        bib_refresh(b, i, CLS_TCP_EST, now_c);
        break;
    case ST_V4_FIN_RCV:
    case ST_V6_FIN_RCV:
        if (rst) {
            s->state = ST_TRANS;
            bib_refresh(b, i, CLS_TCP_TRANS, now_c);
        } else if (fin && from6 == (s->state == ST_V4_FIN_RCV)) {
            /* FIN from the other side: both closed, transitory lifetime. */
            s->state = ST_V4_FIN_V6_FIN_RCV;
            bib_refresh(b, i, CLS_TCP_TRANS, now_c);
        } else {
            bib_refresh(b, i, CLS_TCP_EST, now_c);
        }
        break;
    case ST_V4_FIN_V6_FIN_RCV:
        break; /* packets pass, the lifetime is not extended */
    case ST_TRANS:
        if (!rst) {
            s->state = ST_ESTABLISHED;
            bib_refresh(b, i, CLS_TCP_EST, now_c);
        }
        break;
    default:
        break;
    }
}

/* Refresh for a packet on an existing session (RFC 6146 §3.5.1.1 UDP,
 * §3.5.3 ICMP: both directions restart the timer; §3.5.2.2 TCP). */
static void bib_touch(struct bib *b, uint32_t i, bool from6, uint8_t flags, uint32_t now_c)
{
    struct bib_sess *s = &b->sess[i];
    if (s->proto == BIB_TCP)
        bib_tcp_step(b, i, from6, flags, now_c);
    else
        bib_refresh(b, i, s->cls, now_c);
}

/* ---- lookups ------------------------------------------------------------- */

static bool bib_proto_ok(uint8_t proto)
{
    return proto == BIB_TCP || proto == BIB_UDP || proto == BIB_ICMP;
}

static void bib_fill_hit(const struct bib *b, uint32_t mi, uint16_t pkt_port, struct bib_hit *hit)
{
    const struct bib_map *m = &b->map[mi];
    if (!hit)
        return;
    memcpy(hit->addr6, m->addr6, 16);
    bib_put4(m->addr4, hit->addr4);
    hit->port6 = m->proto ? m->port6 : pkt_port;
    hit->port4 = m->proto ? m->port4 : pkt_port;
    hit->mapping = mi;
}

static bool bib_full(const struct bib *b)
{
    return b->nsess >= b->cfg.max_sessions || b->nmap >= b->cfg.max_mappings;
}

/* A device at its cap may hold sessions that timed out but were not yet
 * expired: sweep them once per packet (amortized O(expired)) before
 * refusing. True when it swept (the caller looks everything up again). */
static bool bib_sweep_once(struct bib *b, uint32_t now_f, bool *expired)
{
    if (*expired)
        return false;
    bib_expire_to(b, now_f);
    *expired = true;
    return true;
}

static bool bib_cap_reached(const struct bib *b, uint32_t count)
{
    return b->cfg.max_per_host && count >= b->cfg.max_per_host;
}

enum nat64_drop bib_out(struct bib *b, uint8_t proto, const uint8_t src6[16], uint16_t sport,
                        const uint8_t dst4[4], uint16_t dport, bool has_ports, uint8_t tcp_flags,
                        uint64_t now_ms, struct bib_hit *hit)
{
    return bib_out_dev(b, proto, src6, sport, dst4, dport, has_ports, tcp_flags, 0, now_ms, hit);
}

enum nat64_drop bib_out_dev(struct bib *b, uint8_t proto, const uint8_t src6[16], uint16_t sport,
                            const uint8_t dst4[4], uint16_t dport, bool has_ports,
                            uint8_t tcp_flags, uint64_t dev_key, uint64_t now_ms,
                            struct bib_hit *hit)
{
    struct bib_dk dk = bib_dk_of(dev_key, src6);
    if (!bib_proto_ok(proto))
        return NAT64_DROP_UNSUP_PROTO;
    uint32_t now_c;
    uint32_t now_f = bib_clock(b, now_ms, &now_c);
    bool expired = false;
    if (bib_full(b)) {
        /* Reclaim timed-out state before judging the table full (RFC 6146
         * §3.5.1.1 lets sessions be deleted once their lifetime is over). */
        bib_expire_to(b, now_f);
        expired = true;
    }
    uint32_t raddr = bib_get4(dst4);
    uint16_t rport = proto == BIB_ICMP ? 0 : dport;
    uint32_t mi;
again:
    mi = bib_lookup6(b, proto, src6, sport);

    if (!has_ports) {
        /* Non-first fragment: address mode maps by address alone. */
        if (b->cfg.napt || !mi)
            return NAT64_DROP_FRAG_UNTRACKED;
        uint32_t si = bib_sess_find(b, mi, sport, raddr, rport, proto);
        if (si)
            bib_touch(b, si, true, 0, now_c);
        bib_fill_hit(b, mi, sport, hit);
        return NAT64_DROP_NONE;
    }

    bool syn = (tcp_flags & TCP_SYN) && !(tcp_flags & TCP_RST);
    if (mi) {
        uint16_t port = b->map[mi].proto ? b->map[mi].port6 : sport;
        uint32_t si = bib_sess_find(b, mi, port, raddr, rport, proto);
        if (si) {
            bib_touch(b, si, true, tcp_flags, now_c);
            bib_fill_hit(b, mi, sport, hit);
            return NAT64_DROP_NONE;
        }
        if (proto == BIB_TCP && !syn) {
            /* RFC 6146 §3.5.2.2 CLOSED state: a non-SYN with a BIB entry is
             * translated, no session is created. */
            bib_fill_hit(b, mi, sport, hit);
            return NAT64_DROP_NONE;
        }
        if (bib_cap_reached(b, bib_host_count(b, &b->map[mi], src6)))
            return NAT64_DROP_HOST_LIMIT;
        enum nat64_drop r = bib_dev_check(b, bib_dev_of(b, &b->map[mi], dk), false);
        if (r != NAT64_DROP_NONE && bib_sweep_once(b, now_f, &expired))
            goto again; /* the sweep may have freed mi: look it up again */
        if (r != NAT64_DROP_NONE)
            return r;
        uint8_t st = proto == BIB_TCP ? ST_V6_INIT : ST_NONE;
        if (!bib_sess_new(b, mi, port, raddr, rport, proto, st, now_c, dk))
            return NAT64_DROP_TABLE_FULL;
        bib_fill_hit(b, mi, sport, hit);
        return NAT64_DROP_NONE;
    }

    /* No BIB entry: only a V6 SYN may create one for TCP (§3.5.2.2). */
    if (proto == BIB_TCP && !syn)
        return NAT64_DROP_NO_MAPPING;
    if (bib_cap_reached(b, bib_host_count(b, NULL, src6)))
        return NAT64_DROP_HOST_LIMIT;
    enum nat64_drop r = bib_dev_check(b, bib_dev_find(b, dk), true);
    if (r != NAT64_DROP_NONE && bib_sweep_once(b, now_f, &expired))
        goto again;
    if (r != NAT64_DROP_NONE)
        return r;
    if (bib_full(b))
        return NAT64_DROP_TABLE_FULL;

    uint32_t a4;
    uint16_t port4 = 0;
    bool got =
        b->cfg.napt ? bib_alloc_port(b, proto, src6, sport, &a4, &port4) : bib_alloc_addr(b, &a4);
    if (!got && !expired) {
        /* The pool ran dry: sweep timed-out mappings once and retry (as
         * OpenThread does). Nothing is held across the sweep. */
        bib_expire_to(b, now_f);
        got = b->cfg.napt ? bib_alloc_port(b, proto, src6, sport, &a4, &port4)
                          : bib_alloc_addr(b, &a4);
    }
    if (!got)
        return NAT64_DROP_POOL_EXHAUSTED;
    uint8_t mproto = b->cfg.napt ? proto : 0;
    uint16_t mport6 = b->cfg.napt ? sport : 0;
    mi = bib_map_new(b, mproto, src6, mport6, a4, port4, &dk);
    if (!mi)
        return NAT64_DROP_TABLE_FULL; /* not reached: bib_full() checked */
    uint8_t st = proto == BIB_TCP ? ST_V6_INIT : ST_NONE;
    if (!bib_sess_new(b, mi, sport, raddr, rport, proto, st, now_c, dk)) {
        bib_map_release(b, mi); /* a mapping never outlives its last session */
        return NAT64_DROP_TABLE_FULL;
    }
    bib_fill_hit(b, mi, sport, hit);
    return NAT64_DROP_NONE;
}

enum nat64_drop bib_in(struct bib *b, uint8_t proto, const uint8_t dst4[4], uint16_t dport,
                       const uint8_t src4[4], uint16_t sport, bool has_ports, uint8_t tcp_flags,
                       uint64_t now_ms, struct bib_hit *hit)
{
    if (!bib_proto_ok(proto))
        return NAT64_DROP_UNSUP_PROTO;
    uint32_t now_c;
    uint32_t now_f = bib_clock(b, now_ms, &now_c);
    bool expired = false;
    if (bib_full(b)) {
        bib_expire_to(b, now_f);
        expired = true;
    }
    if (!has_ports && b->cfg.napt)
        return NAT64_DROP_FRAG_UNTRACKED;
    uint32_t a4 = bib_get4(dst4);
    uint32_t mi;
again:
    mi = bib_lookup4(b, proto, a4, dport);
    if (!mi)
        return NAT64_DROP_NO_MAPPING;
    uint32_t raddr = bib_get4(src4);
    uint16_t rport = proto == BIB_ICMP ? 0 : sport;
    uint16_t port = b->map[mi].proto ? b->map[mi].port6 : dport;
    uint32_t si = bib_sess_find(b, mi, port, raddr, rport, proto);
    if (si) {
        bib_touch(b, si, false, has_ports ? tcp_flags : 0, now_c);
        bib_fill_hit(b, mi, dport, hit);
        return NAT64_DROP_NONE;
    }
    if (!has_ports) {
        bib_fill_hit(b, mi, dport, hit);
        return NAT64_DROP_NONE;
    }
    uint8_t st = ST_NONE;
    if (proto == BIB_TCP) {
        /* RFC 6146 §3.5.2.2 CLOSED state, V4 side: only a SYN opens. */
        if (!(tcp_flags & TCP_SYN) || (tcp_flags & TCP_RST))
            return NAT64_DROP_FILTERED;
        st = ST_V4_INIT;
    }
    /* Endpoint-independent filtering (RFC 6146 §3.5.1.1, RFC 4787 REQ-8):
     * any peer may open a session to a live mapping. */
    if (bib_cap_reached(b, bib_host_count(b, &b->map[mi], b->map[mi].addr6)))
        return NAT64_DROP_HOST_LIMIT;
    /* A mapping counts on the device that made it; a static one without
     * sessions on the device of its IPv6 /64 (no link key on this side). */
    struct bib_dk dk = bib_dk_of(0, b->map[mi].addr6);
    enum nat64_drop r = bib_dev_check(b, bib_dev_of(b, &b->map[mi], dk), false);
    if (r != NAT64_DROP_NONE && bib_sweep_once(b, now_f, &expired))
        goto again;
    if (r != NAT64_DROP_NONE)
        return r;
    if (!bib_sess_new(b, mi, port, raddr, rport, proto, st, now_c, dk))
        return NAT64_DROP_TABLE_FULL;
    bib_fill_hit(b, mi, dport, hit);
    return NAT64_DROP_NONE;
}

enum nat64_drop bib_peek_out(const struct bib *b, uint8_t proto, const uint8_t src6[16],
                             uint16_t sport, struct bib_hit *hit)
{
    uint32_t mi = bib_lookup6(b, proto, src6, sport);
    if (!mi)
        return NAT64_DROP_NO_MAPPING;
    bib_fill_hit(b, mi, sport, hit);
    return NAT64_DROP_NONE;
}

enum nat64_drop bib_peek_in(const struct bib *b, uint8_t proto, const uint8_t addr4[4],
                            uint16_t port4, struct bib_hit *hit)
{
    uint32_t mi = bib_lookup4(b, proto, bib_get4(addr4), port4);
    if (!mi)
        return NAT64_DROP_NO_MAPPING;
    bib_fill_hit(b, mi, port4, hit);
    return NAT64_DROP_NONE;
}

void bib_count(struct bib *b, uint32_t mapping, enum nat64_proto p, bool to6, uint32_t bytes)
{
    if (!b || mapping == 0 || mapping > b->map_hw || !b->map[mapping].in_use ||
        (unsigned)p >= NAT64_PROTO_COUNT)
        return;
    struct nat64_ctr *c = &b->map[mapping].ctr[p];
    if (to6) {
        c->pkts_4to6++;
        c->bytes_4to6 += bytes;
    } else {
        c->pkts_6to4++;
        c->bytes_6to4 += bytes;
    }
}

enum nat64_drop bib_add_static(struct bib *b, uint8_t proto, const uint8_t addr6[16],
                               uint16_t port6, const uint8_t addr4[4], uint16_t port4)
{
    if (!b->cfg.napt) {
        proto = 0; /* address mode: every mapping covers all protocols */
    } else if (proto != 0 && !bib_proto_ok(proto)) {
        return NAT64_DROP_UNSUP_PROTO;
    }
    if (proto == 0)
        port6 = port4 = 0;
    uint32_t a4 = bib_get4(addr4);
    uint32_t m6 = bib_find6(b, proto, addr6, port6);
    uint32_t m4 = bib_find4(b, proto, a4, port4);
    if (m6 || m4) {
        if (m6 != m4)
            return NAT64_DROP_POOL_EXHAUSTED; /* one side bound elsewhere */
        struct bib_map *m = &b->map[m6];
        if (!m->is_static && m->dev)
            b->dev[m->dev].maps--; /* static: no longer the device's to count */
        m->is_static = 1;          /* same binding: pin it */
        return NAT64_DROP_NONE;
    }
    /* A per-port static on an address held whole by an address-level one. */
    if (proto != 0 && bib_find4(b, 0, a4, 0))
        return NAT64_DROP_POOL_EXHAUSTED;
    if (!bib_map_new(b, proto, addr6, port6, a4, port4, NULL))
        return NAT64_DROP_TABLE_FULL;
    return NAT64_DROP_NONE;
}

void bib_clear(struct bib *b)
{
    /* Sessions: all gone; the indexes are reset wholesale. */
    memset(b->sbkt, 0, ((size_t)b->smask + 1) * sizeof(uint32_t));
    b->sess_hw = b->sess_free = b->nsess = 0;
    memset(b->timers, 0, sizeof(b->timers));
    if (b->cfg.napt) {
        memset(b->hbkt, 0, ((size_t)b->hmask + 1) * sizeof(uint32_t));
        b->host_hw = b->host_free = 0;
    }
    memset(b->dbkt, 0, ((size_t)b->mmask + 1) * sizeof(uint32_t));
    b->dev_hw = b->dev_free = 0;
    b->atop = 0;
    b->afresh = 0;
    /* Mappings: keep the static ones (in their order), free the rest. */
    uint32_t oldest = 0;
    for (uint32_t i = b->newest; i; i = b->map[i].older)
        oldest = i;
    memset(b->m6bkt, 0, ((size_t)b->mmask + 1) * sizeof(uint32_t));
    memset(b->m4bkt, 0, ((size_t)b->mmask + 1) * sizeof(uint32_t));
    b->newest = 0;
    b->nmap = 0;
    for (uint32_t i = oldest, next; i; i = next) {
        struct bib_map *m = &b->map[i];
        next = m->newer;
        if (!m->is_static) {
            m->in_use = 0;
            m->older = b->map_free;
            b->map_free = i;
            continue;
        }
        m->shead = 0;
        m->nsess = 0;
        m->dev = 0;
        m->newer = 0;
        m->older = b->newest;
        if (b->newest)
            b->map[b->newest].newer = i;
        b->newest = i;
        uint32_t h6 = bib_h6(b, m->proto, m->addr6, m->port6);
        uint32_t h4 = bib_h4(b, m->proto, m->addr4, m->port4);
        m->next6 = b->m6bkt[h6];
        b->m6bkt[h6] = i;
        m->next4 = b->m4bkt[h4];
        b->m4bkt[h4] = i;
        b->nmap++;
    }
}

uint32_t bib_sessions(const struct bib *b)
{
    return b->nsess;
}

uint32_t bib_mappings(const struct bib *b)
{
    return b->nmap;
}

bool bib_mapping_next(const struct bib *b, uint32_t *cursor, struct bib_mapping_info *out)
{
    /* *cursor: 0 = start, UINT32_MAX = end, otherwise the next index. */
    uint32_t i = *cursor == 0 ? b->newest : *cursor == UINT32_MAX ? 0 : *cursor;
    if (i == 0 || i > b->map_hw || !b->map[i].in_use) {
        *cursor = UINT32_MAX;
        return false;
    }
    const struct bib_map *m = &b->map[i];
    memset(out, 0, sizeof(*out));
    out->id = m->id;
    memcpy(out->addr6, m->addr6, 16);
    bib_put4(m->addr4, out->addr4);
    out->proto = m->proto;
    out->has_ports = m->proto != 0;
    out->port6 = m->port6;
    out->port4 = m->port4;
    out->is_static = m->is_static;
    out->sessions = m->nsess;
    uint32_t exp = 0;
    for (uint32_t s = m->shead; s; s = b->sess[s].mnext)
        if (b->sess[s].exp > exp)
            exp = b->sess[s].exp;
    out->expires_ms = (m->is_static || !m->nsess) ? 0 : bib_exp_ms(b, exp);
    memcpy(out->ctr, m->ctr, sizeof(out->ctr));
    *cursor = m->older ? m->older : UINT32_MAX;
    return true;
}
