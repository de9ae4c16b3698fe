/*
 * The translator context: engine config + mapper + counters.
 *
 * Stateful mode plugs an RFC 6146 mapper over bib.h into the RFC 7915
 * engine: the IPv6 side of every flow is an entry in the BIB, the IPv4 side
 * of the remote peer is the RFC 6052 address inside pool6.
 */
#include "nat64/nat64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/rfc6052.h"

/* A token bucket (nat64.h, struct nat64_icmp_limit). */
struct icmp_bucket {
    bool started;
    uint64_t last_ms;
    uint64_t milli;
};

struct nat64 {
    struct nat64_cfg cfg;
    struct bib *bib; /* stateful only */
    struct xlat_mapper mapper;
    struct nat64_fmt_counters ctr;
    /* Mapping that the packet being translated was matched to, so that the
     * forwarded packet can be counted on it (UINT32_MAX: none). */
    uint32_t cur_mapping;
    /* Device key of the packet being translated (nat64_translate_dev; 0:
     * its source /64). */
    uint64_t cur_dev_key;
    /* A static mapping's IPv4 address lies outside the pool, so an address
     * outside the pool may still be ours. */
    bool static_outside_pool;
    /* ICMP error token buckets (nat64.h): [0] towards IPv6, [1] towards
     * IPv4, in thousandths of an error. */
    struct icmp_bucket icmp_bucket[2];
};

void nat64_cfg_default(struct nat64_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->mode = NAT64_STATEFUL;
    xlat_cfg_default(&cfg->xlat);
    bib_cfg_default(&cfg->bib);
    siit_init(&cfg->siit);
}

static bool proto_key(uint8_t proto, uint8_t *key)
{
    switch (proto) {
    case 6:
    case 17:
        *key = proto;
        return true;
    case 1:
    case 58:
        *key = BIB_ICMP;
        return true;
    default:
        return false;
    }
}

/* The IPv4 address of a peer behind pool6 (RFC 6052 extraction). */
static enum nat64_drop peer4(const struct nat64 *n, const uint8_t a6[16], uint8_t a4[4])
{
    if (!n->cfg.prefix.len || !rfc6052_extract(&n->cfg.prefix, a6, a4))
        return NAT64_DROP_NOT_OURS;
    return NAT64_DROP_NONE;
}

static enum nat64_drop peer6(const struct nat64 *n, const uint8_t a4[4], uint8_t a6[16])
{
    if (!n->cfg.prefix.len || !rfc6052_synth(&n->cfg.prefix, a4, a6))
        return NAT64_DROP_NOT_OURS;
    return NAT64_DROP_NONE;
}

static bool in_pool(const struct nat64 *n, const uint8_t a4[4])
{
    return addr_prefix_match(a4, n->cfg.bib.pool.addr, n->cfg.bib.pool.len);
}

/* 6->4, RFC 6146 §3.5: (X,x) -> (T,t) from the BIB, Y from pool6. */
static enum nat64_drop map_6to4(struct nat64 *n, const struct xlat_tuple *in,
                                struct xlat_tuple *out, unsigned flags,
                                const struct xlat_tuple *inner_out, uint64_t now_ms)
{
    uint8_t key;
    struct bib_hit hit;
    enum nat64_drop r;

    memset(out->src, 0, 16);
    memset(out->dst, 0, 16);
    if (flags & XLAT_MAP_ICMP_ERROR) {
        /* An error about a flow from the IPv4 side: it goes back to that peer,
         * from the flow's IPv4 transport address (RFC 6146 §3.5.3). */
        memcpy(out->src, inner_out->dst, 4);
        memcpy(out->dst, inner_out->src, 4);
        out->sport = in->sport;
        out->dport = in->dport;
        return NAT64_DROP_NONE;
    }
    if (!proto_key(in->proto, &key))
        return NAT64_DROP_UNSUP_PROTO;
    if (flags & XLAT_MAP_INNER) {
        /* Quoted packet Y -> X: the source is the peer, the destination our
         * host, looked up without touching state. */
        if ((r = peer4(n, in->src, out->src)) != NAT64_DROP_NONE)
            return r;
        r = bib_peek_out(n->bib, key, in->dst, in->dport, &hit);
        if (r != NAT64_DROP_NONE)
            return r;
        memcpy(out->dst, hit.addr4, 4);
        out->sport = in->sport;
        out->dport = n->cfg.bib.napt ? hit.port4 : in->dport;
        return NAT64_DROP_NONE;
    }
    if ((r = peer4(n, in->dst, out->dst)) != NAT64_DROP_NONE)
        return r;
    r = bib_out_dev(n->bib, key, in->src, in->sport, out->dst, in->dport, in->has_ports,
                    in->tcp_flags, n->cur_dev_key, now_ms, &hit);
    if (r != NAT64_DROP_NONE)
        return r;
    n->cur_mapping = hit.mapping;
    memcpy(out->src, hit.addr4, 4);
    out->sport = n->cfg.bib.napt ? hit.port4 : in->sport;
    out->dport = in->dport;
    /* An ICMP echo identifier is both ports: keep them equal. */
    if (key == BIB_ICMP)
        out->dport = out->sport;
    return NAT64_DROP_NONE;
}

/* 4->6: (T,t) -> (X,x) from the BIB, Y synthesized into pool6. */
static enum nat64_drop map_4to6(struct nat64 *n, const struct xlat_tuple *in,
                                struct xlat_tuple *out, unsigned flags,
                                const struct xlat_tuple *inner_out, uint64_t now_ms)
{
    uint8_t key;
    struct bib_hit hit;
    enum nat64_drop r;

    if (flags & XLAT_MAP_ICMP_ERROR) {
        /* From an IPv4 router about our host's flow: source synthesized,
         * destination the host (the quoted packet's source, translated). */
        if ((r = peer6(n, in->src, out->src)) != NAT64_DROP_NONE)
            return r;
        memcpy(out->dst, inner_out->src, 16);
        out->sport = in->sport;
        out->dport = in->dport;
        return NAT64_DROP_NONE;
    }
    if (!proto_key(in->proto, &key))
        return NAT64_DROP_UNSUP_PROTO;
    if (flags & XLAT_MAP_INNER) {
        /* Quoted packet T -> Y, which we translated from X -> Y earlier. */
        r = bib_peek_in(n->bib, key, in->src, in->sport, &hit);
        if (r != NAT64_DROP_NONE)
            return r;
        memcpy(out->src, hit.addr6, 16);
        if ((r = peer6(n, in->dst, out->dst)) != NAT64_DROP_NONE)
            return r;
        out->sport = n->cfg.bib.napt ? hit.port6 : in->sport;
        out->dport = in->dport;
        if (key == BIB_ICMP)
            out->dport = out->sport;
        return NAT64_DROP_NONE;
    }
    /* Every 6->4 packet is offered back here as a possible hairpin (RFC 6146
     * §3.8), first as a probe; almost none is for the pool. */
    if (!n->cfg.prefix.len || (!n->static_outside_pool && !in_pool(n, in->dst)))
        return NAT64_DROP_NOT_OURS;
    if (flags & XLAT_MAP_PROBE)
        return NAT64_DROP_NONE;
    r = bib_in(n->bib, key, in->dst, in->dport, in->src, in->sport, in->has_ports, in->tcp_flags,
               now_ms, &hit);
    if (r == NAT64_DROP_NO_MAPPING && !in_pool(n, in->dst))
        return NAT64_DROP_NOT_OURS;
    if (r != NAT64_DROP_NONE)
        return r;
    n->cur_mapping = hit.mapping;
    if ((r = peer6(n, in->src, out->src)) != NAT64_DROP_NONE)
        return r;
    memcpy(out->dst, hit.addr6, 16);
    out->sport = in->sport;
    out->dport = n->cfg.bib.napt ? hit.port6 : in->dport;
    if (key == BIB_ICMP)
        out->sport = out->dport;
    return NAT64_DROP_NONE;
}

static enum nat64_drop stateful_map(void *ctx, const struct xlat_tuple *in, struct xlat_tuple *out,
                                    unsigned flags, const struct xlat_tuple *inner_out,
                                    uint64_t now_ms)
{
    struct nat64 *n = ctx;
    if (in->family == 6)
        return map_6to4(n, in, out, flags, inner_out, now_ms);
    return map_4to6(n, in, out, flags, inner_out, now_ms);
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

struct nat64 *nat64_new(const struct nat64_cfg *cfg, char *err, size_t errlen)
{
    if (cfg->prefix.len && !rfc6052_valid_len(cfg->prefix.len)) {
        set_err(err, errlen, "NAT64 prefix length must be 32, 40, 48, 56, 64 or 96");
        return NULL;
    }
    struct nat64 *n = calloc(1, sizeof(*n));
    if (!n) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    n->cur_mapping = UINT32_MAX;
    if (cfg->mode == NAT64_STATELESS) {
        n->cfg.siit.have_pool6 = cfg->prefix.len != 0;
        n->cfg.siit.pool6 = cfg->prefix;
        if (cfg->xlat.have_self4 && !n->cfg.siit.have_self4) {
            n->cfg.siit.have_self4 = true;
            memcpy(n->cfg.siit.self4, cfg->xlat.self4, 4);
        }
        if (cfg->xlat.have_self6 && !n->cfg.siit.have_self6) {
            n->cfg.siit.have_self6 = true;
            memcpy(n->cfg.siit.self6, cfg->xlat.self6, 16);
        }
        if (!n->cfg.siit.have_pool6 && !n->cfg.siit.n_eam) {
            set_err(err, errlen, "stateless mode needs a prefix or an EAM entry");
            free(n);
            return NULL;
        }
        n->mapper = siit_mapper(&n->cfg.siit);
        return n;
    }
    n->bib = bib_new(&cfg->bib);
    if (!n->bib) {
        set_err(err, errlen,
                "cannot create the session table (bad pool, port range or limits,"
                " or out of memory)");
        free(n);
        return NULL;
    }
    for (unsigned i = 0; i < cfg->n_static; i++) {
        const struct nat64_static *s = &cfg->statics[i];
        if (bib_add_static(n->bib, s->proto, s->addr6, s->port6, s->addr4, s->port4) !=
            NAT64_DROP_NONE) {
            set_err(err, errlen, "static mapping clashes with another or the table is full");
            nat64_free(n);
            return NULL;
        }
        if (!in_pool(n, s->addr4))
            n->static_outside_pool = true;
    }
    n->mapper.map = stateful_map;
    n->mapper.ctx = n;
    return n;
}

void nat64_free(struct nat64 *n)
{
    if (!n)
        return;
    bib_free(n->bib);
    free(n);
}

static int proto_index(uint8_t proto)
{
    switch (proto) {
    case 6:
        return NAT64_PROTO_TCP;
    case 17:
        return NAT64_PROTO_UDP;
    case 1:
    case 58:
        return NAT64_PROTO_ICMP;
    default:
        return -1;
    }
}

/* Takes one error from the bucket of that direction (RFC 4443 §2.4(f)). */
static bool icmp_err_allowed(struct nat64 *n, bool to6, uint64_t now_ms)
{
    const struct nat64_icmp_limit *lim = &n->cfg.icmp_err_limit;
    uint64_t cap = (uint64_t)lim->burst * 1000u;
    struct icmp_bucket *b = &n->icmp_bucket[to6 ? 0 : 1];

    if (lim->per_s == 0)
        return true;
    if (!b->started) {
        b->started = true;
        b->milli = cap; /* a full burst at start */
    } else if (now_ms > b->last_ms) {
        /* per_s errors a second = per_s thousandths a millisecond */
        uint64_t add = (now_ms - b->last_ms) * lim->per_s;

        b->milli = add >= cap - b->milli ? cap : b->milli + add;
    }
    b->last_ms = now_ms;
    if (b->milli < 1000)
        return false;
    b->milli -= 1000;
    return true;
}

struct xlat_result nat64_translate(struct nat64 *n, const uint8_t *pkt, size_t len, uint64_t now_ms,
                                   struct xlat_out *out)
{
    return nat64_translate_dev(n, pkt, len, now_ms, 0, out);
}

struct xlat_result nat64_translate_dev(struct nat64 *n, const uint8_t *pkt, size_t len,
                                       uint64_t now_ms, uint64_t dev_key, struct xlat_out *out)
{
    if (n->bib)
        bib_expire(n->bib, now_ms);
    n->cur_mapping = UINT32_MAX;
    n->cur_dev_key = dev_key;
    struct xlat_result res = xlat_translate(&n->cfg.xlat, &n->mapper, pkt, len, now_ms, out);
    n->cur_dev_key = 0;
    bool from6 = res.in.family == 6 || (res.in.family == 0 && len && (pkt[0] >> 4) == 6);

    if (res.verdict == XLAT_REPLY && !icmp_err_allowed(n, from6, now_ms)) {
        res.verdict = XLAT_DROP;
        res.reason = NAT64_DROP_ICMP_RATE_LIMIT;
        out->n = 0;
    }
    if (res.verdict != XLAT_FORWARD) {
        enum nat64_drop r = res.reason < NAT64_DROP_COUNT ? res.reason : NAT64_DROP_NONE;
        if (from6)
            n->ctr.drops_6to4[r]++;
        else
            n->ctr.drops_4to6[r]++;
        return res;
    }
    int p = proto_index(res.in.proto);
    if (p < 0)
        return res;
    struct nat64_ctr *c = &n->ctr.proto[p];
    if (from6) {
        c->pkts_6to4++;
        c->bytes_6to4 += res.in.l4_len;
    } else {
        c->pkts_4to6++;
        c->bytes_4to6 += res.in.l4_len;
    }
    if (n->bib && n->cur_mapping != UINT32_MAX)
        bib_count(n->bib, n->cur_mapping, (enum nat64_proto)p, !from6, res.in.l4_len);
    return res;
}

uint32_t nat64_expire(struct nat64 *n, uint64_t now_ms)
{
    return n->bib ? bib_expire(n->bib, now_ms) : 0;
}

void nat64_clear(struct nat64 *n)
{
    if (n->bib)
        bib_clear(n->bib);
}

const struct nat64_cfg *nat64_config(const struct nat64 *n)
{
    return &n->cfg;
}

void nat64_counters(const struct nat64 *n, struct nat64_fmt_counters *out)
{
    *out = n->ctr;
}

size_t nat64_mappings(const struct nat64 *n, uint64_t now_ms, struct nat64_fmt_mapping *m,
                      size_t max)
{
    if (!n->bib)
        return 0;
    uint32_t cursor = 0;
    size_t count = 0;
    struct bib_mapping_info info;
    while (bib_mapping_next(n->bib, &cursor, &info)) {
        if (count < max) {
            struct nat64_fmt_mapping *f = &m[count];
            memset(f, 0, sizeof(*f));
            f->id = info.id;
            memcpy(f->addr6, info.addr6, 16);
            memcpy(f->addr4, info.addr4, 4);
            f->has_ports = info.has_ports;
            f->port6 = info.port6;
            f->port4 = info.port4;
            f->remaining_s =
                info.expires_ms > now_ms ? (uint32_t)((info.expires_ms - now_ms) / 1000) : 0;
            memcpy(f->ctr, info.ctr, sizeof(f->ctr));
        }
        count++;
    }
    return count;
}

struct bib *nat64_bib(struct nat64 *n)
{
    return n->bib;
}
