/*
 * RFC 7915 IP/ICMP translation engine. See xlat.h for the contract.
 *
 * Layout of this file: header parsers (parse4/parse6), small writers, the
 * transport fix-up shared by outer and quoted packets (fix_l4), ICMP error
 * origination (reply4/reply6), ICMP type/code/pointer/MTU tables, then the
 * two directions (xlat46, xlat64) with their ICMP error paths, and last
 * hairpinning and the public entry point.
 *
 * Every read of packet bytes is preceded by an explicit length check or goes
 * through struct rd; every write goes through out_reserve(), which checks the
 * caller's capacity.
 */
#include "nat64/xlat.h"

#include <string.h>

#include "util/csum.h"
#include "util/rd.h"

enum {
    IP4_HDR = 20,
    IP6_HDR = 40,
    FRAG_HDR = 8,
    ICMP_HDR = 8,
    IP6_MIN_MTU = 1280,
    IP4_MIN_MTU = 68,
    DF_THRESHOLD = 1260,  /* RFC 7915 §5.1: DF=1 above this translated size */
    SELF_TTL = 64,        /* TTL / hop limit of errors we originate (Linux default) */
    MAX_EXT_HDRS = 8,     /* bound on the IPv6 extension header walk */
    RFC4884_MIN_OP = 128, /* RFC 4884 §4: original datagram field minimum */
};

enum {
    P_HOPOPTS = 0,
    P_ICMP = 1,
    P_TCP = 6,
    P_UDP = 17,
    P_ROUTING = 43,
    P_FRAG = 44,
    P_AH = 51,
    P_ICMP6 = 58,
    P_DSTOPTS = 60,
    P_MH = 135,
    P_HIP = 139,
    P_SHIM6 = 140,
};

/* A parsed IPv4 header; pointers go into the caller's packet. */
struct ip4 {
    const uint8_t *h;
    size_t hlen;
    uint16_t tot_len;
    uint16_t id;
    bool df, mf;
    uint16_t off; /* fragment offset in 8-byte units */
    const uint8_t *l4;
    size_t l4_avail; /* transport bytes present */
    uint32_t l4_len; /* transport bytes per Total Length */
    bool src_route;  /* unexpired LSRR/SSRR option (RFC 7915 §4.1) */
};

/* A parsed IPv6 header and extension header chain. */
struct ip6 {
    const uint8_t *h;
    uint16_t plen;
    uint8_t proto; /* first header that is not skipped (RFC 7915 §5.1 "Protocol") */
    bool frag;
    uint32_t frag_id;
    uint16_t off; /* 8-byte units */
    bool mf;
    size_t ext_len; /* extension header bytes, Fragment header included */
    const uint8_t *l4;
    size_t l4_avail;
    uint32_t l4_len;
    bool frag_ext;   /* extension header after the Fragment header */
    bool src_route;  /* Routing header with Segments Left != 0 */
    uint32_t sr_ptr; /* offset of that Segments Left byte (RFC 7915 §5.1) */
};

struct ctx {
    const struct xlat_cfg *cfg;
    const struct xlat_mapper *m;
    uint64_t now;
    struct xlat_out *out;
    size_t used;     /* bytes of out->buf taken */
    bool hairpin;    /* second (4->6) pass of a hairpinned packet */
    unsigned mflags; /* extra mapper flags for this pass */
};

static bool ip4_frag(const struct ip4 *ip)
{
    return ip->mf || ip->off;
}

static bool ip6_frag(const struct ip6 *ip)
{
    return ip->frag && (ip->mf || ip->off);
}

static uint8_t ip6_tc(const uint8_t *h)
{
    return (uint8_t)(((h[0] & 0x0f) << 4) | (h[1] >> 4));
}

/* ---- parsers ---------------------------------------------------------- */

/*
 * inner: the header is quoted inside an ICMP error, so Total Length may
 * exceed the bytes present. keep_tail: the transport bytes run to the end of
 * the buffer (an RFC 4884 original-datagram field, padding included) rather
 * than stopping at Total Length.
 */
static enum nat64_drop parse4(const uint8_t *p, size_t len, bool inner, bool keep_tail,
                              struct ip4 *ip)
{
    memset(ip, 0, sizeof(*ip));
    if (len < 1)
        return NAT64_DROP_TRUNCATED;
    if ((p[0] >> 4) != 4)
        return NAT64_DROP_BAD_VERSION;
    if (len < IP4_HDR)
        return NAT64_DROP_TRUNCATED;
    size_t hlen = (size_t)(p[0] & 0x0f) * 4;
    if (hlen < IP4_HDR || hlen > len)
        return NAT64_DROP_BAD_IHL;
    uint16_t tot = be16_get(p + 2);
    if (tot < hlen || (!inner && tot > len))
        return NAT64_DROP_BAD_LENGTH;
    uint16_t fo = be16_get(p + 6);
    ip->h = p;
    ip->hlen = hlen;
    ip->tot_len = tot;
    ip->id = be16_get(p + 4);
    ip->df = (fo & 0x4000) != 0;
    ip->mf = (fo & 0x2000) != 0;
    ip->off = fo & 0x1fff;
    size_t end = keep_tail ? len : (tot < len ? tot : len);
    ip->l4 = p + hlen;
    ip->l4_avail = end - hlen;
    ip->l4_len = (uint32_t)(tot - hlen);

    /* Options are ignored, except an unexpired source route (RFC 7915 §4.1).
     * Malformed options end the walk: they are not translated anyway. */
    struct rd r = rd_init(p + IP4_HDR, hlen - IP4_HDR);
    uint8_t type, olen, ptr;
    while (rd_u8(&r, &type) && type != 0) {
        if (type == 1)
            continue; /* NOP */
        if (!rd_u8(&r, &olen) || olen < 2)
            break;
        struct rd opt;
        if (!rd_sub(&r, olen - 2u, &opt))
            break;
        /* LSRR (131) / SSRR (137): pointer > length means the route is done. */
        if ((type == 131 || type == 137) && rd_u8(&opt, &ptr) && ptr <= olen)
            ip->src_route = true;
    }
    return NAT64_DROP_NONE;
}

/* Extension headers that RFC 7915 §5.1 does not allow after a Fragment header. */
static bool ext_after_frag(uint8_t nh)
{
    return nh == P_HOPOPTS || nh == P_ROUTING || nh == P_DSTOPTS || nh == P_FRAG || nh == P_AH ||
           nh == P_MH || nh == P_HIP || nh == P_SHIM6;
}

static enum nat64_drop parse6(const uint8_t *p, size_t len, bool inner, bool keep_tail,
                              struct ip6 *ip)
{
    memset(ip, 0, sizeof(*ip));
    if (len < 1)
        return NAT64_DROP_TRUNCATED;
    if ((p[0] >> 4) != 6)
        return NAT64_DROP_BAD_VERSION;
    if (len < IP6_HDR)
        return NAT64_DROP_TRUNCATED;
    uint16_t plen = be16_get(p + 4);
    if (!inner && (size_t)IP6_HDR + plen > len)
        return NAT64_DROP_BAD_LENGTH;
    size_t end = (size_t)IP6_HDR + plen;
    if (end > len)
        end = len;
    ip->h = p;
    ip->plen = plen;
    struct rd r = rd_init(p + IP6_HDR, end - IP6_HDR);
    uint8_t nh = p[6];
    for (unsigned n = 0;; n++) {
        if (ip->frag && ext_after_frag(nh)) {
            ip->frag_ext = true;
            break;
        }
        if (nh != P_HOPOPTS && nh != P_DSTOPTS && nh != P_ROUTING && nh != P_FRAG)
            break;
        if (n >= MAX_EXT_HDRS)
            return NAT64_DROP_BAD_EXT_HDR;
        const uint8_t *eh = r.p;
        if (nh == P_FRAG) {
            if (!rd_skip(&r, FRAG_HDR))
                return NAT64_DROP_BAD_EXT_HDR;
            ip->frag = true;
            ip->off = be16_get(eh + 2) >> 3;
            ip->mf = (eh[3] & 1) != 0;
            ip->frag_id = be32_get(eh + 4);
            nh = eh[0];
            if (ip->off) {
                /* Non-first fragment: what follows is data, not a header. */
                ip->frag_ext = ext_after_frag(nh);
                break;
            }
            continue;
        }
        if (r.left < 2)
            return NAT64_DROP_BAD_EXT_HDR;
        size_t ehl = ((size_t)eh[1] + 1) * 8;
        if (!rd_skip(&r, ehl))
            return NAT64_DROP_BAD_EXT_HDR;
        /* RFC 7915 §5.1: a Routing header with Segments Left != 0 is refused. */
        if (nh == P_ROUTING && eh[3] != 0 && !ip->src_route) {
            ip->src_route = true;
            ip->sr_ptr = (uint32_t)(eh + 3 - p);
        }
        nh = eh[0];
    }
    ip->proto = nh;
    ip->l4 = r.p;
    ip->ext_len = (size_t)(r.p - (p + IP6_HDR));
    ip->l4_len = (uint32_t)(plen - ip->ext_len);
    ip->l4_avail = keep_tail ? len - (size_t)(r.p - p) : r.left;
    return NAT64_DROP_NONE;
}

/* ---- small helpers ------------------------------------------------------ */

static bool icmp4_is_err(uint8_t t)
{
    return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
}

/* Fills ports, flags and ICMP type of a tuple from transport bytes. */
static void tuple_l4(struct xlat_tuple *t, const uint8_t *l4, size_t avail, bool first)
{
    if (!first || avail == 0)
        return;
    if (t->proto == P_TCP || t->proto == P_UDP) {
        if (avail >= 4) {
            t->sport = be16_get(l4);
            t->dport = be16_get(l4 + 2);
            t->has_ports = true;
        }
        if (t->proto == P_TCP && avail >= 14)
            t->tcp_flags = l4[13];
    } else if (t->proto == P_ICMP || t->proto == P_ICMP6) {
        t->icmp_type = l4[0];
        bool echo =
            t->proto == P_ICMP ? (l4[0] == 8 || l4[0] == 0) : (l4[0] == 128 || l4[0] == 129);
        if (echo && avail >= 6) {
            t->sport = t->dport = be16_get(l4 + 4);
            t->has_ports = true;
        }
    }
}

static void tuple4(struct xlat_tuple *t, const struct ip4 *ip)
{
    memset(t, 0, sizeof(*t));
    t->family = 4;
    t->proto = ip->h[9];
    memcpy(t->src, ip->h + 12, 4);
    memcpy(t->dst, ip->h + 16, 4);
    t->l4_len = ip->l4_len;
    tuple_l4(t, ip->l4, ip->l4_avail, ip->off == 0);
}

static void tuple6(struct xlat_tuple *t, const struct ip6 *ip)
{
    memset(t, 0, sizeof(*t));
    t->family = 6;
    t->proto = ip->proto;
    memcpy(t->src, ip->h + 8, 16);
    memcpy(t->dst, ip->h + 24, 16);
    t->l4_len = ip->l4_len;
    tuple_l4(t, ip->l4, ip->l4_avail, ip->off == 0);
}

static enum nat64_drop map(struct ctx *c, const struct xlat_tuple *in, struct xlat_tuple *out,
                           unsigned flags, const struct xlat_tuple *inner_out)
{
    memset(out, 0, sizeof(*out));
    out->family = in->family == 6 ? 4 : 6;
    if (in->proto == P_ICMP6 && out->family == 4)
        out->proto = P_ICMP;
    else if (in->proto == P_ICMP && out->family == 6)
        out->proto = P_ICMP6;
    else
        out->proto = in->proto;
    out->has_ports = in->has_ports;
    out->sport = in->sport;
    out->dport = in->dport;
    out->tcp_flags = in->tcp_flags;
    out->icmp_type = in->icmp_type;
    out->l4_len = in->l4_len;
    if (!c->m || !c->m->map)
        return NAT64_DROP_NOT_OURS;
    return c->m->map(c->m->ctx, in, out, flags | c->mflags, inner_out, c->now);
}

/* Storage for one more output packet, or NULL when out of room. */
static uint8_t *out_reserve(struct ctx *c, size_t n)
{
    struct xlat_out *o = c->out;
    if (!o->buf || c->used > o->cap || o->cap - c->used < n || o->n >= XLAT_MAX_OUT)
        return NULL;
    return o->buf + c->used;
}

static void out_commit(struct ctx *c, uint8_t *p, size_t n)
{
    c->out->pkt[c->out->n].data = p;
    c->out->pkt[c->out->n].len = n;
    c->out->n++;
    c->used += n;
}

/*
 * IPv4 Identification for packets that have none to copy. There is no
 * mutable state in the engine, so this is a hash of the packet's addresses,
 * the first transport bytes and the clock (RFC 6864 asks for uniqueness
 * only per source/destination/protocol within a reassembly lifetime).
 */
static uint64_t load_word(const uint8_t *p, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, p, n < 8 ? n : 8);
    return w;
}

static uint16_t gen_id(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint64_t now)
{
    /* Word at a time with a multiply-xorshift mix: this runs for every
     * unfragmented 6->4 packet, so it must cost a few cycles, not a loop of
     * byte multiplies. Not cryptographic; RFC 6864 needs no more. */
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    uint64_t h = now * k;
    for (size_t i = 0; i < alen; i += 8) {
        h = (h ^ load_word(a + i, alen - i)) * k;
        h ^= h >> 29;
    }
    for (size_t i = 0; i < blen; i += 8) {
        h = (h ^ load_word(b + i, blen - i)) * k;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    uint16_t id = (uint16_t)(h ^ (h >> 16));
    return id ? id : 1;
}

static void put_ip4(uint8_t *o, uint8_t tos, uint16_t tot, uint16_t id, bool df, bool mf,
                    uint16_t off, uint8_t ttl, uint8_t proto, const uint8_t *src,
                    const uint8_t *dst)
{
    o[0] = 0x45;
    o[1] = tos;
    be16_put(o + 2, tot);
    be16_put(o + 4, id);
    be16_put(o + 6, (uint16_t)((df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | (off & 0x1fff)));
    o[8] = ttl;
    o[9] = proto;
    o[10] = o[11] = 0;
    memcpy(o + 12, src, 4);
    memcpy(o + 16, dst, 4);
    be16_put(o + 10, csum_ip4_header(o, IP4_HDR));
}

static void put_ip6(uint8_t *o, uint8_t tc, uint16_t plen, uint8_t nh, uint8_t hlim,
                    const uint8_t *src, const uint8_t *dst)
{
    o[0] = (uint8_t)(0x60 | (tc >> 4));
    o[1] = (uint8_t)(tc << 4); /* flow label 0 (RFC 7915 §4.1) */
    o[2] = o[3] = 0;
    be16_put(o + 4, plen);
    o[6] = nh;
    o[7] = hlim;
    memcpy(o + 8, src, 16);
    memcpy(o + 24, dst, 16);
}

static void put_frag(uint8_t *o, uint8_t nh, uint16_t off, bool mf, uint32_t id)
{
    o[0] = nh;
    o[1] = 0;
    be16_put(o + 2, (uint16_t)((off << 3) | (mf ? 1 : 0)));
    be32_put(o + 4, id);
}

static uint32_t word(uint16_t v)
{
    return v;
}

/*
 * Rewrites a copied transport header for its new IP header: ports from the
 * mapping, the ICMP echo type, and the checksum updated incrementally (RFC
 * 1624) from old_ph to new_ph, the pseudo-header sums of the two sides (0
 * for ICMPv4, which has none). A wrong checksum stays equally wrong
 * (RFC 7915 §4.5/§5.5). Works on truncated copies: fields not present are
 * left alone. id_src: an ICMP echo identifier comes from m->sport (IPv6
 * endpoint is the source), else from m->dport.
 */
static void fix_l4(uint8_t *d, size_t avail, uint8_t proto, uint32_t old_ph, uint32_t new_ph,
                   const struct xlat_tuple *m, bool id_src)
{
    if (proto == P_TCP || proto == P_UDP) {
        size_t at = proto == P_TCP ? 16 : 6;
        uint32_t olds = old_ph, news = new_ph;
        if (avail >= 4) {
            olds += word(be16_get(d)) + word(be16_get(d + 2));
            if (m->has_ports) {
                be16_put(d, m->sport);
                be16_put(d + 2, m->dport);
            }
            news += word(be16_get(d)) + word(be16_get(d + 2));
        }
        if (avail < at + 2)
            return;
        uint16_t old = be16_get(d + at);
        if (proto == P_UDP && old == 0)
            return; /* no checksum (IPv4); the caller decides what to do */
        uint16_t nw = csum_update(old, olds, news);
        if (proto == P_UDP && nw == 0)
            nw = 0xffff; /* RFC 768: a computed zero is sent as all ones */
        be16_put(d + at, nw);
        return;
    }
    if (proto != P_ICMP && proto != P_ICMP6)
        return;
    if (avail < 2)
        return;
    uint32_t olds = old_ph + word(be16_get(d));
    switch (d[0]) {
    case 8:
        d[0] = 128;
        break;
    case 0:
        d[0] = 129;
        break;
    case 128:
        d[0] = 8;
        break;
    case 129:
        d[0] = 0;
        break;
    default:
        break;
    }
    uint32_t news = new_ph + word(be16_get(d));
    if (avail >= 6) {
        olds += word(be16_get(d + 4));
        if (m->has_ports)
            be16_put(d + 4, id_src ? m->sport : m->dport);
        news += word(be16_get(d + 4));
    }
    if (avail >= 4)
        be16_put(d + 2, csum_update(be16_get(d + 2), olds, news));
}

/* ---- ICMP errors the translator originates ------------------------------ */

static bool v4_no_reply(const uint8_t *a)
{
    /* unspecified, "this network", loopback, multicast, reserved, broadcast */
    return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

static bool v6_unspec(const uint8_t *a)
{
    static const uint8_t zero[16];
    return memcmp(a, zero, 16) == 0;
}

static void set_drop(struct xlat_result *res, struct ctx *c, enum nat64_drop why)
{
    res->verdict = why == NAT64_DROP_NOT_OURS ? XLAT_PASS : XLAT_DROP;
    res->reason = why;
    c->out->n = 0;
}

/*
 * ICMPv4 error about the IPv4 packet ip, from the translator (RFC 7915 §4.4,
 * RFC 1812 §4.3.2). Source: cfg->self4, else the offending packet's
 * destination. Not sent about non-first fragments or to/from addresses that
 * must not get errors (RFC 1812 §4.3.2.7); the packet is then just dropped.
 */
static void reply4(struct ctx *c, struct xlat_result *res, enum nat64_drop why, uint8_t type,
                   uint8_t code, uint32_t rest, const struct ip4 *ip)
{
    const struct xlat_cfg *cfg = c->cfg;
    const uint8_t *src = cfg->have_self4 ? cfg->self4 : ip->h + 16;
    if (c->hairpin || ip->off != 0 || v4_no_reply(ip->h + 12) || v4_no_reply(ip->h + 16) ||
        v4_no_reply(src)) {
        set_drop(res, c, why);
        return;
    }
    size_t cap = cfg->icmp4_err_cap < cfg->mtu4 ? cfg->icmp4_err_cap : cfg->mtu4;
    if (cap < IP4_HDR + ICMP_HDR + IP4_HDR)
        cap = IP4_HDR + ICMP_HDR + IP4_HDR;
    size_t q = ip->tot_len;
    if (q > cap - IP4_HDR - ICMP_HDR)
        q = cap - IP4_HDR - ICMP_HDR;
    size_t n = IP4_HDR + ICMP_HDR + q;
    uint8_t *o = out_reserve(c, n);
    if (!o) {
        set_drop(res, c, NAT64_DROP_NO_BUFS);
        return;
    }
    uint8_t *ic = o + IP4_HDR;
    ic[0] = type;
    ic[1] = code;
    ic[2] = ic[3] = 0;
    be32_put(ic + 4, rest);
    memcpy(ic + ICMP_HDR, ip->h, q);
    be16_put(ic + 2, csum_finish(csum_add(0, ic, ICMP_HDR + q)));
    /* TOS 0xc0: precedence "internetwork control", as Linux sends errors. */
    put_ip4(o, 0xc0, (uint16_t)n, gen_id(ip->h + 12, 8, ic, 8, c->now), false, false, 0, SELF_TTL,
            P_ICMP, src, ip->h + 12);
    out_commit(c, o, n);
    res->verdict = XLAT_REPLY;
    res->reason = why;
}

/* ICMPv6 error about the IPv6 packet ip (RFC 4443 §2.4). Source: cfg->self6,
 * else the offending packet's destination. */
static void reply6(struct ctx *c, struct xlat_result *res, enum nat64_drop why, uint8_t type,
                   uint8_t code, uint32_t rest, const struct ip6 *ip)
{
    const struct xlat_cfg *cfg = c->cfg;
    const uint8_t *src = cfg->have_self6 ? cfg->self6 : ip->h + 24;
    bool dst_mc = ip->h[24] == 0xff;
    /* RFC 4443 §2.4 (e): nothing to multicast destinations except Packet Too Big. */
    if (c->hairpin || v6_unspec(ip->h + 8) || ip->h[8] == 0xff || (dst_mc && type != 2) ||
        src[0] == 0xff || v6_unspec(src)) {
        set_drop(res, c, why);
        return;
    }
    size_t cap = cfg->icmp6_err_cap < cfg->mtu6 ? cfg->icmp6_err_cap : cfg->mtu6;
    if (cap < IP6_MIN_MTU)
        cap = IP6_MIN_MTU;
    size_t q = (size_t)IP6_HDR + ip->plen;
    if (q > cap - IP6_HDR - ICMP_HDR)
        q = cap - IP6_HDR - ICMP_HDR;
    size_t n = IP6_HDR + ICMP_HDR + q;
    uint8_t *o = out_reserve(c, n);
    if (!o) {
        set_drop(res, c, NAT64_DROP_NO_BUFS);
        return;
    }
    put_ip6(o, 0, (uint16_t)(ICMP_HDR + q), P_ICMP6, SELF_TTL, src, ip->h + 8);
    uint8_t *ic = o + IP6_HDR;
    ic[0] = type;
    ic[1] = code;
    ic[2] = ic[3] = 0;
    be32_put(ic + 4, rest);
    memcpy(ic + ICMP_HDR, ip->h, q);
    uint32_t sum = csum_pseudo6(o + 8, o + 24, P_ICMP6, (uint32_t)(ICMP_HDR + q));
    be16_put(ic + 2, csum_finish(csum_add(sum, ic, ICMP_HDR + q)));
    out_commit(c, o, n);
    res->verdict = XLAT_REPLY;
    res->reason = why;
}

/* ---- ICMP tables ------------------------------------------------------- */

/* RFC 1191 plateaus, as Jool's mtu-plateaus default. */
static const uint16_t plateaus[] = {65535, 32000, 17914, 8166, 4352, 2002,
                                    1492,  1006,  508,   296,  68};

/* RFC 7915 §4.2: "plateau" when a Fragmentation Needed carries MTU 0. */
static uint32_t plateau_below(uint32_t tot_len)
{
    for (size_t i = 0; i < sizeof(plateaus) / sizeof(plateaus[0]); i++)
        if (plateaus[i] < tot_len)
            return plateaus[i];
    return IP4_MIN_MTU;
}

struct icmp_map {
    uint8_t type, code;
    uint32_t rest;
    bool ext_ok; /* the new type carries an RFC 4884 length */
    bool mtu;    /* Packet Too Big / Fragmentation Needed: rest is computed later */
};

/* RFC 7915 §4.2 Figure 3: IPv4 header offset -> IPv6 header offset, -1 n/a. */
static int ptr4to6(uint8_t p)
{
    static const int8_t t[20] = {0,  1,  4, 4, -1, -1, -1, -1, 7,  6,
                                 -1, -1, 8, 8, 8,  8,  24, 24, 24, 24};
    return p < 20 ? t[p] : -1;
}

/* RFC 7915 §5.2 Figure 6: IPv6 header offset -> IPv4 header offset, -1 n/a. */
static int ptr6to4(uint32_t p)
{
    if (p == 0 || p == 1)
        return (int)p;
    if (p == 4 || p == 5)
        return 2;
    if (p == 6)
        return 9;
    if (p == 7)
        return 8;
    if (p >= 8 && p < 24)
        return 12;
    if (p >= 24 && p < 40)
        return 16;
    return -1;
}

/* RFC 7915 §4.2: ICMPv4 error type/code -> ICMPv6. False: drop silently. */
static bool icmp_err_4to6(const uint8_t *ic, struct icmp_map *r)
{
    memset(r, 0, sizeof(*r));
    uint8_t code = ic[1];
    switch (ic[0]) {
    case 3:
        r->type = 1;
        r->ext_ok = true;
        switch (code) {
        case 0:
        case 1:
        case 5:
        case 6:
        case 7:
        case 8:
        case 11:
        case 12:
            r->code = 0; /* no route */
            return true;
        case 9:
        case 10:
        case 13:
        case 15:
            r->code = 1; /* administratively prohibited */
            return true;
        case 3:
            r->code = 4; /* port unreachable */
            return true;
        case 2: /* protocol unreachable -> Parameter Problem, Next Header */
            r->type = 4;
            r->code = 1;
            r->rest = 6;
            r->ext_ok = false;
            return true;
        case 4:
            r->type = 2;
            r->code = 0;
            r->mtu = true;
            r->ext_ok = false;
            return true;
        default:
            return false; /* 14 (precedence cutoff) and unknown codes */
        }
    case 11:
        r->type = 3;
        r->code = code;
        r->ext_ok = true;
        return code <= 1;
    case 12: {
        if (code != 0 && code != 2)
            return false;
        int p = ptr4to6(ic[4]);
        if (p < 0)
            return false;
        r->type = 4;
        r->code = 0;
        r->rest = (uint32_t)p;
        return true;
    }
    default:
        return false;
    }
}

/* RFC 7915 §5.2: ICMPv6 error type/code -> ICMPv4. False: drop silently. */
static bool icmp_err_6to4(const uint8_t *ic, struct icmp_map *r)
{
    memset(r, 0, sizeof(*r));
    uint8_t code = ic[1];
    switch (ic[0]) {
    case 1:
        r->type = 3;
        r->ext_ok = true;
        switch (code) {
        case 0:
        case 2:
        case 3:
            r->code = 1; /* host unreachable */
            return true;
        case 1:
            r->code = 10; /* host administratively prohibited */
            return true;
        case 4:
            r->code = 3; /* port unreachable */
            return true;
        default:
            return false;
        }
    case 2:
        r->type = 3;
        r->code = 4;
        r->mtu = true;
        return true;
    case 3:
        r->type = 11;
        r->code = code;
        r->ext_ok = true;
        return code <= 1;
    case 4:
        if (code == 1) {
            r->type = 3;
            r->code = 2; /* protocol unreachable */
            return true;
        }
        if (code == 0) {
            int p = ptr6to4(be32_get(ic + 4));
            if (p < 0)
                return false;
            r->type = 12;
            r->code = 0;
            r->rest = (uint32_t)p << 24;
            return true;
        }
        return false;
    default:
        return false;
    }
}

static uint32_t min32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* ---- IPv4 -> IPv6 (RFC 7915 §4) ---------------------------------------- */

/* Full UDP checksum over the IPv4 datagram's transport bytes, for the new
 * IPv6 pseudo-header and ports (RFC 7915 §4.5 option 2). */
static uint16_t udp_full_csum(const uint8_t *l4, size_t len, uint32_t ph,
                              const struct xlat_tuple *m)
{
    uint32_t sum = ph;
    if (m->has_ports)
        sum += word(m->sport) + word(m->dport);
    else
        sum = csum_add(sum, l4, 4);
    sum = csum_add(sum, l4 + 4, 2);
    sum = csum_add(sum, l4 + 8, len - 8);
    uint16_t v = csum_finish(sum);
    return v ? v : 0xffff;
}

/*
 * Translates the IPv4 packet quoted in an ICMPv4 error (RFC 7915 §4.3) into
 * o (room for its IPv6 form). Its TTL is not decremented; its transport
 * checksum is updated incrementally, since it is usually truncated.
 */
static enum nat64_drop inner46(struct ctx *c, const uint8_t *p, size_t len, bool keep_tail,
                               uint8_t *o, size_t room, size_t *wrote, struct xlat_tuple *mi)
{
    struct ip4 ip;
    enum nat64_drop e = parse4(p, len, true, keep_tail, &ip);
    if (e)
        return e;
    uint8_t proto = p[9];
    bool first = ip.off == 0;
    if (proto == P_ICMP && first && ip.l4_avail >= 1) {
        uint8_t t = ip.l4[0];
        if (icmp4_is_err(t))
            return NAT64_DROP_ICMP_ERR_NESTED; /* RFC 7915 §4.3: one level only */
        if (t != 8 && t != 0)
            return NAT64_DROP_UNSUP_ICMP;
    }
    struct xlat_tuple ti;
    tuple4(&ti, &ip);
    e = map(c, &ti, mi, XLAT_MAP_INNER, NULL);
    if (e)
        return e;
    size_t fh = ip4_frag(&ip) ? FRAG_HDR : 0;
    size_t n = IP6_HDR + fh + ip.l4_avail;
    if (n > room)
        return NAT64_DROP_NO_BUFS;
    uint8_t nh = proto == P_ICMP ? P_ICMP6 : proto;
    uint32_t plen = (uint32_t)fh + ip.l4_len;
    put_ip6(o, p[1], (uint16_t)(plen > 0xffff ? 0xffff : plen), fh ? P_FRAG : nh, p[8], mi->src,
            mi->dst);
    if (fh)
        put_frag(o + IP6_HDR, nh, ip.off, ip.mf, ip.id);
    uint8_t *d = o + IP6_HDR + fh;
    memcpy(d, ip.l4, ip.l4_avail);
    if (first) {
        uint32_t oph = proto == P_ICMP ? 0 : csum_pseudo4(p + 12, p + 16, proto, ip.l4_len);
        uint32_t nph = csum_pseudo6(mi->src, mi->dst, nh, ip.l4_len);
        fix_l4(d, ip.l4_avail, proto, oph, nph, mi, true);
    }
    *wrote = n;
    return NAT64_DROP_NONE;
}

/* The body of a translated ICMP error, at inner (just after its ICMP
 * header), where the translated original datagram already takes iw octets:
 * with ext (ext_len octets, NULL: none) it becomes RFC 4884's original
 * datagram field, rounded down to `word`-octet words (8 for ICMPv6, 4 for
 * ICMPv4) and padded to at least 128 octets, followed by the extension.
 * Priority when cut to cap (the room for the body): the extension whole or
 * not at all, then the rest; room bounds what may be written. Returns the
 * body length; *words is the length field (0 without an extension). */
static size_t icmp_err_body(uint8_t *inner, size_t iw, const uint8_t *ext, size_t ext_len,
                            size_t cap, size_t room, size_t word, uint8_t *words)
{
    size_t op = 0;
    *words = 0;
    if (ext) {
        op = iw & ~(word - 1);
        if (op < RFC4884_MIN_OP)
            op = RFC4884_MIN_OP;
        if (op + ext_len > cap) {
            if (cap >= RFC4884_MIN_OP + ext_len)
                op = (cap - ext_len) & ~(word - 1);
            else
                ext = NULL;
        }
        if (op / word > 255 || op + ext_len > room)
            ext = NULL;
    }
    if (!ext)
        return iw < cap ? iw : cap;
    if (iw < op)
        memset(inner + iw, 0, op - iw);
    memcpy(inner + op, ext, ext_len);
    *words = (uint8_t)(op / word);
    return op + ext_len;
}

static void icmp_err46(struct ctx *c, struct xlat_result *res, const struct ip4 *ip)
{
    const struct xlat_cfg *cfg = c->cfg;
    const uint8_t *ic = ip->l4;
    size_t icl = ip->l4_avail;
    /* The error is rebuilt and its checksum recomputed, so check it first. */
    if (csum_fold(csum_add(0, ic, icl)) != 0xffff)
        return set_drop(res, c, NAT64_DROP_BAD_L4);
    struct icmp_map im;
    if (!icmp_err_4to6(ic, &im))
        return set_drop(res, c, NAT64_DROP_UNSUP_ICMP);

    /* RFC 4884: a non-zero length (32-bit words) splits the payload into the
     * original datagram field and the extension structure. */
    const uint8_t *pl = ic + ICMP_HDR;
    size_t pll = icl - ICMP_HDR, op_in = pll, ext_len = 0;
    size_t l4884 = (size_t)ic[5] * 4;
    if (ic[0] != 12 && l4884 && l4884 < pll) {
        op_in = l4884;
        ext_len = pll - l4884;
    }
    bool ext = ext_len > 0 && im.ext_ok;

    size_t room = c->out->cap > c->used ? c->out->cap - c->used : 0;
    uint8_t *o = out_reserve(c, IP6_HDR + ICMP_HDR);
    if (!o)
        return set_drop(res, c, NAT64_DROP_NO_BUFS);
    size_t iw = 0;
    struct xlat_tuple mi;
    enum nat64_drop e =
        inner46(c, pl, op_in, ext, o + IP6_HDR + ICMP_HDR, room - IP6_HDR - ICMP_HDR, &iw, &mi);
    if (e)
        return set_drop(res, c, e == NAT64_DROP_BAD_VERSION ? NAT64_DROP_BAD_L4 : e);

    struct xlat_tuple to, mo;
    tuple4(&to, ip);
    e = map(c, &to, &mo, XLAT_MAP_ICMP_ERROR, &mi);
    if (e)
        return set_drop(res, c, e);

    if (im.mtu) {
        /* RFC 7915 §4.2: min(MTU+20, MTU6 next hop, MTU4 + 20), never below 1280. */
        uint32_t mtu = be16_get(ic + 6);
        if (mtu == 0)
            mtu = plateau_below(be16_get(pl + 2));
        mtu = min32(min32(mtu + 20, cfg->mtu6), (uint32_t)cfg->mtu4 + 20);
        im.rest = mtu < IP6_MIN_MTU ? IP6_MIN_MTU : mtu;
    }

    size_t cap = cfg->icmp6_err_cap < cfg->mtu6 ? cfg->icmp6_err_cap : cfg->mtu6;
    if (cap < IP6_MIN_MTU)
        cap = IP6_MIN_MTU;
    size_t hdrs = IP6_HDR + ICMP_HDR;
    uint8_t words = 0;
    size_t body = icmp_err_body(o + hdrs, iw, ext ? pl + op_in : NULL, ext_len, cap - hdrs,
                                room - hdrs, 8, &words);
    uint8_t *o6 = o + IP6_HDR;
    o6[0] = im.type;
    o6[1] = im.code;
    o6[2] = o6[3] = 0;
    be32_put(o6 + 4, im.rest);
    if (words)
        o6[4] = words;
    uint8_t hl = (uint8_t)(ip->h[8] - (cfg->decrement_ttl && !c->hairpin ? 1 : 0));
    put_ip6(o, ip->h[1], (uint16_t)(ICMP_HDR + body), P_ICMP6, hl, mo.src, mo.dst);
    uint32_t sum = csum_pseudo6(mo.src, mo.dst, P_ICMP6, (uint32_t)(ICMP_HDR + body));
    be16_put(o6 + 2, csum_finish(csum_add(sum, o6, ICMP_HDR + body)));
    out_commit(c, o, hdrs + body);
    res->verdict = XLAT_FORWARD;
    res->reason = NAT64_DROP_NONE;
}

/* Mapper failure for an IPv4 packet: error back where RFC 7915 §4.4 / RFC
 * 6146 ask for one (see xlat.h), else a plain drop or pass. */
static void map_fail4(struct ctx *c, struct xlat_result *res, enum nat64_drop e,
                      const struct ip4 *ip, bool icmp_err)
{
    uint8_t proto = ip->h[9];
    bool send = false;
    if (e == NAT64_DROP_FILTERED || e == NAT64_DROP_UNTRANSLATABLE)
        send = true;
    else if (e == NAT64_DROP_NO_MAPPING && proto == P_UDP)
        send = true;
    if (send && !icmp_err)
        return reply4(c, res, e, 3, 13, 0, ip);
    set_drop(res, c, e);
}

static void xlat46(struct ctx *c, const uint8_t *pkt, size_t len, struct xlat_result *res)
{
    const struct xlat_cfg *cfg = c->cfg;
    struct ip4 ip;
    enum nat64_drop e = parse4(pkt, len, false, false, &ip);
    if (e)
        return set_drop(res, c, e);
    if (cfg->validate_ip4_csum && csum_fold(csum_add(0, pkt, ip.hlen)) != 0xffff)
        return set_drop(res, c, NAT64_DROP_BAD_IP4_CSUM);
    if (!c->hairpin)
        tuple4(&res->in, &ip);

    uint8_t proto = pkt[9];
    bool first = ip.off == 0, icmp_err = false;
    if (proto == P_ICMP) {
        /* RFC 7915 §1.2: fragmented ICMP is not translated. */
        if (ip4_frag(&ip))
            return set_drop(res, c, NAT64_DROP_UNSUP_ICMP);
        if (ip.l4_avail < ICMP_HDR)
            return set_drop(res, c, NAT64_DROP_BAD_L4);
        uint8_t t = ip.l4[0];
        icmp_err = icmp4_is_err(t);
        if (!icmp_err && t != 8 && t != 0)
            return set_drop(res, c, NAT64_DROP_UNSUP_ICMP); /* RFC 7915 §4.2 */
    } else if ((proto == P_TCP && first && ip.l4_avail < 20) ||
               (proto == P_UDP && first && ip.l4_avail < 8)) {
        return set_drop(res, c, NAT64_DROP_BAD_L4);
    }
    if (ip.src_route) {
        if (icmp_err)
            return set_drop(res, c, NAT64_DROP_SRC_ROUTE);
        return reply4(c, res, NAT64_DROP_SRC_ROUTE, 3, 5, 0, &ip); /* RFC 7915 §4.1 */
    }
    if (cfg->decrement_ttl && !c->hairpin && pkt[8] <= 1) {
        if (icmp_err)
            return set_drop(res, c, NAT64_DROP_HOP_LIMIT);
        return reply4(c, res, NAT64_DROP_HOP_LIMIT, 11, 0, 0, &ip);
    }
    if (icmp_err)
        return icmp_err46(c, res, &ip);

    /* RFC 7915 §4.5: zero UDP checksum. A fragment cannot be summed. */
    bool udp_compute = false;
    if (proto == P_UDP && first && be16_get(ip.l4 + 6) == 0) {
        if (ip4_frag(&ip) || (!cfg->udp_zero_csum_compute && !c->hairpin))
            return reply4(c, res, NAT64_DROP_UDP_ZERO_CSUM, 3, 13, 0, &ip);
        udp_compute = true;
    }

    size_t fh = ip4_frag(&ip) ? FRAG_HDR : 0;
    size_t len6 = IP6_HDR + fh + ip.l4_len;
    size_t limit = 0; /* fragment size when the translator fragments */
    if (ip.df) {
        /* RFC 7915 §4.1: DF set and too big for the next hop. */
        if (len6 > cfg->mtu6) {
            uint32_t mtu = cfg->mtu6 > IP6_HDR - IP4_HDR ? cfg->mtu6 - (IP6_HDR - IP4_HDR) : 0;
            return reply4(c, res, NAT64_DROP_TOO_BIG, 3, 4, mtu & 0xffff, &ip);
        }
    } else {
        /* RFC 7915 §4.1 + RFC 8021: fragment DF=0 packets above lowest-ipv6-mtu
         * (or the link MTU); no Fragment header otherwise. */
        size_t lim = cfg->lowest_ipv6_mtu < cfg->mtu6 ? cfg->lowest_ipv6_mtu : cfg->mtu6;
        if (lim < IP6_MIN_MTU)
            lim = IP6_MIN_MTU;
        if (len6 > lim)
            limit = lim;
    }

    struct xlat_tuple ti, mt;
    tuple4(&ti, &ip);
    e = map(c, &ti, &mt, 0, NULL);
    if (e)
        return map_fail4(c, res, e, &ip, false);

    uint8_t nh = proto == P_ICMP ? P_ICMP6 : proto;
    uint8_t hl = (uint8_t)(pkt[8] - (cfg->decrement_ttl && !c->hairpin ? 1 : 0));
    uint32_t oph = proto == P_ICMP ? 0 : csum_pseudo4(pkt + 12, pkt + 16, proto, ip.l4_len);
    uint32_t nph = csum_pseudo6(mt.src, mt.dst, nh, ip.l4_len);
    uint16_t udp_sum = udp_compute ? udp_full_csum(ip.l4, ip.l4_avail, nph, &mt) : 0;

    if (!limit) {
        size_t n = len6;
        uint8_t *o = out_reserve(c, n);
        if (!o)
            return set_drop(res, c, NAT64_DROP_NO_BUFS);
        put_ip6(o, pkt[1], (uint16_t)(fh + ip.l4_len), fh ? P_FRAG : nh, hl, mt.src, mt.dst);
        if (fh)
            put_frag(o + IP6_HDR, nh, ip.off, ip.mf, ip.id);
        uint8_t *d = o + IP6_HDR + fh;
        memcpy(d, ip.l4, ip.l4_avail);
        if (first)
            fix_l4(d, ip.l4_avail, proto, oph, nph, &mt, false);
        if (udp_compute)
            be16_put(d + 6, udp_sum);
        out_commit(c, o, n);
    } else {
        /* Fragment Header with the IPv4 ID (RFC 7915 §4.1); each fragment's
         * data a multiple of 8 except the last. */
        size_t per = (limit - IP6_HDR - FRAG_HDR) & ~(size_t)7;
        for (size_t pos = 0; pos < ip.l4_len;) {
            size_t n = ip.l4_len - pos < per ? ip.l4_len - pos : per;
            bool more = pos + n < ip.l4_len || ip.mf;
            uint8_t *o = out_reserve(c, IP6_HDR + FRAG_HDR + n);
            if (!o)
                return set_drop(res, c, NAT64_DROP_NO_BUFS);
            put_ip6(o, pkt[1], (uint16_t)(FRAG_HDR + n), P_FRAG, hl, mt.src, mt.dst);
            put_frag(o + IP6_HDR, nh, (uint16_t)(ip.off + pos / 8), more, ip.id);
            uint8_t *d = o + IP6_HDR + FRAG_HDR;
            memcpy(d, ip.l4 + pos, n);
            if (pos == 0 && first) {
                fix_l4(d, n, proto, oph, nph, &mt, false);
                if (udp_compute)
                    be16_put(d + 6, udp_sum);
            }
            out_commit(c, o, IP6_HDR + FRAG_HDR + n);
            pos += n;
        }
    }
    res->verdict = XLAT_FORWARD;
    res->reason = NAT64_DROP_NONE;
}

/* ---- IPv6 -> IPv4 (RFC 7915 §5) ---------------------------------------- */

/* RFC 7915 §5.1: Identification, DF and MF of the IPv4 header. */
static void frag_fields64(const struct ip6 *ip, size_t len4, bool inner, uint16_t gid, uint16_t *id,
                          bool *df)
{
    if (ip->frag) {
        *id = (uint16_t)ip->frag_id; /* low-order 16 bits (RFC 7915 §5.1.1) */
        *df = false;
        return;
    }
    *df = len4 > DF_THRESHOLD;
    /* Atomic (DF=1) datagrams need no unique ID (RFC 6864 §4.1); a quoted
     * header gets 0 since nothing reassembles it. */
    *id = *df || inner ? 0 : gid;
}

static enum nat64_drop inner64(struct ctx *c, const uint8_t *p, size_t len, bool keep_tail,
                               uint8_t *o, size_t room, size_t *wrote, struct xlat_tuple *mi)
{
    struct ip6 ip;
    enum nat64_drop e = parse6(p, len, true, keep_tail, &ip);
    if (e)
        return e;
    if (ip.frag_ext)
        return NAT64_DROP_FRAG_EXT;
    bool first = ip.off == 0;
    if (ip.proto == P_ICMP6 && first && ip.l4_avail >= 1) {
        uint8_t t = ip.l4[0];
        if (t < 128)
            return NAT64_DROP_ICMP_ERR_NESTED; /* RFC 7915 §5.3: one level only */
        if (t != 128 && t != 129)
            return NAT64_DROP_UNSUP_ICMP;
    }
    struct xlat_tuple ti;
    tuple6(&ti, &ip);
    e = map(c, &ti, mi, XLAT_MAP_INNER, NULL);
    if (e)
        return e;
    size_t n = IP4_HDR + ip.l4_avail;
    if (n > room)
        return NAT64_DROP_NO_BUFS;
    uint8_t proto = ip.proto == P_ICMP6 ? P_ICMP : ip.proto;
    uint32_t tot = IP4_HDR + ip.l4_len;
    uint16_t id;
    bool df;
    frag_fields64(&ip, tot, true, 0, &id, &df);
    put_ip4(o, ip6_tc(p), (uint16_t)(tot > 0xffff ? 0xffff : tot), id, df, ip.frag && ip.mf, ip.off,
            p[7], proto, mi->src, mi->dst);
    uint8_t *d = o + IP4_HDR;
    memcpy(d, ip.l4, ip.l4_avail);
    if (first) {
        uint32_t oph = csum_pseudo6(p + 8, p + 24, ip.proto, ip.l4_len);
        uint32_t nph = ip.proto == P_ICMP6 ? 0 : csum_pseudo4(mi->src, mi->dst, proto, ip.l4_len);
        fix_l4(d, ip.l4_avail, ip.proto, oph, nph, mi, false);
    }
    *wrote = n;
    return NAT64_DROP_NONE;
}

static void icmp_err64(struct ctx *c, struct xlat_result *res, const struct ip6 *ip)
{
    const struct xlat_cfg *cfg = c->cfg;
    const uint8_t *ic = ip->l4;
    size_t icl = ip->l4_avail;
    uint32_t ph = csum_pseudo6(ip->h + 8, ip->h + 24, P_ICMP6, ip->l4_len);
    if (csum_fold(csum_add(ph, ic, icl)) != 0xffff)
        return set_drop(res, c, NAT64_DROP_BAD_L4);
    struct icmp_map im;
    if (!icmp_err_6to4(ic, &im))
        return set_drop(res, c, NAT64_DROP_UNSUP_ICMP);

    /* RFC 4884 length in 64-bit words for Destination Unreachable and Time
     * Exceeded (RFC 4443 types 1 and 3). */
    const uint8_t *pl = ic + ICMP_HDR;
    size_t pll = icl - ICMP_HDR, op_in = pll, ext_len = 0;
    size_t l4884 = (size_t)ic[4] * 8;
    if ((ic[0] == 1 || ic[0] == 3) && l4884 && l4884 < pll) {
        op_in = l4884;
        ext_len = pll - l4884;
    }
    bool ext = ext_len > 0 && im.ext_ok;

    size_t room = c->out->cap > c->used ? c->out->cap - c->used : 0;
    uint8_t *o = out_reserve(c, IP4_HDR + ICMP_HDR);
    if (!o)
        return set_drop(res, c, NAT64_DROP_NO_BUFS);
    size_t iw = 0;
    struct xlat_tuple mi;
    enum nat64_drop e =
        inner64(c, pl, op_in, ext, o + IP4_HDR + ICMP_HDR, room - IP4_HDR - ICMP_HDR, &iw, &mi);
    if (e)
        return set_drop(res, c, e == NAT64_DROP_BAD_VERSION ? NAT64_DROP_BAD_L4 : e);

    struct xlat_tuple to, mo;
    tuple6(&to, ip);
    e = map(c, &to, &mo, XLAT_MAP_ICMP_ERROR, &mi);
    if (e)
        return set_drop(res, c, e);

    if (im.mtu) {
        /* RFC 7915 §5.2: min(MTU - 20, MTU4 next hop, MTU6 - 20), 8 more when
         * the packet in error carries a Fragment header. */
        uint32_t mtu = be32_get(ic + 4);
        struct ip6 qi;
        uint32_t delta = IP6_HDR - IP4_HDR;
        if (parse6(pl, op_in, true, false, &qi) == NAT64_DROP_NONE && qi.frag)
            delta += FRAG_HDR;
        mtu = mtu > delta ? mtu - delta : 0;
        mtu = min32(min32(mtu, cfg->mtu4), cfg->mtu6 > delta ? cfg->mtu6 - delta : 0);
        if (mtu < IP4_MIN_MTU)
            mtu = IP4_MIN_MTU;
        im.rest = mtu > 0xffff ? 0xffff : mtu;
    }

    size_t cap = cfg->icmp4_err_cap < cfg->mtu4 ? cfg->icmp4_err_cap : cfg->mtu4;
    if (cap < IP4_HDR + ICMP_HDR + IP4_HDR)
        cap = IP4_HDR + ICMP_HDR + IP4_HDR;
    size_t hdrs = IP4_HDR + ICMP_HDR;
    uint8_t words = 0;
    size_t body = icmp_err_body(o + hdrs, iw, ext ? pl + op_in : NULL, ext_len, cap - hdrs,
                                room - hdrs, 4, &words);
    uint8_t *o4 = o + IP4_HDR;
    o4[0] = im.type;
    o4[1] = im.code;
    o4[2] = o4[3] = 0;
    be32_put(o4 + 4, im.rest);
    if (words)
        o4[5] = words;
    be16_put(o4 + 2, csum_finish(csum_add(0, o4, ICMP_HDR + body)));
    size_t tot = hdrs + body;
    uint16_t id;
    bool df;
    frag_fields64(ip, tot, false, gen_id(ip->h + 8, 32, o4, 8, c->now), &id, &df);
    uint8_t ttl = (uint8_t)(ip->h[7] - (cfg->decrement_ttl ? 1 : 0));
    put_ip4(o, ip6_tc(ip->h), (uint16_t)tot, id, df, false, 0, ttl, P_ICMP, mo.src, mo.dst);
    out_commit(c, o, tot);
    res->verdict = XLAT_FORWARD;
    res->reason = NAT64_DROP_NONE;
}

/* Mapper failure for an IPv6 packet (see xlat.h). */
static void map_fail6(struct ctx *c, struct xlat_result *res, enum nat64_drop e,
                      const struct ip6 *ip, bool icmp)
{
    switch (e) {
    case NAT64_DROP_UNTRANSLATABLE:
    case NAT64_DROP_FILTERED:
        /* RFC 7915 §5.4 default: 1/1, never about an ICMPv6 message. */
        if (!icmp)
            return reply6(c, res, e, 1, 1, 0, ip);
        break;
    case NAT64_DROP_POOL_EXHAUSTED:
    case NAT64_DROP_HOST_LIMIT:
    case NAT64_DROP_DEV_SESSIONS:
    case NAT64_DROP_DEV_MAPPINGS:
    case NAT64_DROP_DEV_POOL:
    case NAT64_DROP_TABLE_FULL:
        /* RFC 6146 §3.5.1.1/§3.5.2.1/§3.5.3: Address Unreachable. */
        if (!(icmp && ip->l4_avail >= 1 && ip->l4[0] < 128))
            return reply6(c, res, e, 1, 3, 0, ip);
        break;
    default:
        break;
    }
    set_drop(res, c, e);
}

static void hairpin(struct ctx *c, struct xlat_result *res);

/* IPv4 fragmentation of a translated packet for a small IPv4 MTU (RFC 791). */
static void frag4(struct ctx *c, struct xlat_result *res, uint8_t *pkt, size_t len, size_t mtu)
{
    /* pkt is the whole packet just written at the end of out->buf: move it
     * past the room its fragments need, then cut. */
    size_t per = (mtu - IP4_HDR) & ~(size_t)7;
    size_t data = len - IP4_HDR, nfr = (data + per - 1) / per;
    size_t need = data + nfr * IP4_HDR;
    struct xlat_out *o = c->out;
    if (nfr > XLAT_MAX_OUT || o->cap - c->used < need + len)
        return set_drop(res, c, NAT64_DROP_NO_BUFS);
    uint8_t *src = o->buf + c->used + need;
    memmove(src, pkt, len);
    c->out->n = 0;
    c->used = (size_t)(pkt - o->buf);
    uint16_t fo = be16_get(src + 6);
    uint16_t off0 = fo & 0x1fff;
    bool mf0 = (fo & 0x2000) != 0;
    for (size_t pos = 0; pos < data;) {
        size_t n = data - pos < per ? data - pos : per;
        uint8_t *f = o->buf + c->used;
        memcpy(f, src, IP4_HDR);
        memcpy(f + IP4_HDR, src + IP4_HDR + pos, n);
        bool more = pos + n < data || mf0;
        put_ip4(f, src[1], (uint16_t)(IP4_HDR + n), be16_get(src + 4), false, more,
                (uint16_t)(off0 + pos / 8), src[8], src[9], src + 12, src + 16);
        out_commit(c, f, IP4_HDR + n);
        pos += n;
    }
}

static void xlat64(struct ctx *c, const uint8_t *pkt, size_t len, struct xlat_result *res)
{
    const struct xlat_cfg *cfg = c->cfg;
    struct ip6 ip;
    enum nat64_drop e = parse6(pkt, len, false, false, &ip);
    if (e)
        return set_drop(res, c, e);
    tuple6(&res->in, &ip);

    /* RFC 7915 §5.1 "Total Length": extension header after the Fragment
     * header -> drop; Jool answers with the §5.4 default error. */
    if (ip.frag_ext)
        return reply6(c, res, NAT64_DROP_FRAG_EXT, 1, 1, 0, &ip);
    if (ip.src_route)
        return reply6(c, res, NAT64_DROP_SRC_ROUTE, 4, 0, ip.sr_ptr, &ip);

    bool first = ip.off == 0, icmp_err = false, icmp = ip.proto == P_ICMP6;
    if (icmp) {
        if (ip6_frag(&ip))
            return set_drop(res, c, NAT64_DROP_UNSUP_ICMP); /* RFC 7915 §1.2 */
        if (ip.l4_avail < ICMP_HDR)
            return set_drop(res, c, NAT64_DROP_BAD_L4);
        uint8_t t = ip.l4[0];
        icmp_err = t < 128;
        if (!icmp_err && t != 128 && t != 129)
            return set_drop(res, c, NAT64_DROP_UNSUP_ICMP); /* RFC 7915 §5.2: MLD, ND ... */
    } else if ((ip.proto == P_TCP && first && ip.l4_avail < 20) ||
               (ip.proto == P_UDP && first && ip.l4_avail < 8)) {
        return set_drop(res, c, NAT64_DROP_BAD_L4);
    }
    if (cfg->decrement_ttl && pkt[7] <= 1) {
        if (icmp_err)
            return set_drop(res, c, NAT64_DROP_HOP_LIMIT);
        return reply6(c, res, NAT64_DROP_HOP_LIMIT, 3, 0, 0, &ip);
    }
    if (icmp_err) {
        icmp_err64(c, res, &ip);
    } else {
        size_t len4 = IP4_HDR + ip.l4_len;
        bool too_big = len4 > cfg->mtu4 || len4 > 0xffff;
        /* Packet Too Big with MTU4 + 20 (RFC 7915 §5, as Jool: also for
         * fragments). Only when the IPv4 MTU is below 1260, where no PTB can
         * express it (RFC 8200 §5: never below 1280), is a DF=0 result (small
         * or a fragment) fragmented here instead. */
        bool can_frag = (ip.frag || len4 <= DF_THRESHOLD) && len4 <= 0xffff &&
                        (uint32_t)cfg->mtu4 + (IP6_HDR - IP4_HDR) < IP6_MIN_MTU;
        if (too_big && !can_frag) {
            uint32_t mtu = (uint32_t)cfg->mtu4 + (IP6_HDR - IP4_HDR);
            return reply6(c, res, NAT64_DROP_TOO_BIG, 2, 0, mtu < IP6_MIN_MTU ? IP6_MIN_MTU : mtu,
                          &ip);
        }
        struct xlat_tuple mt;
        e = map(c, &res->in, &mt, 0, NULL);
        if (e)
            return map_fail6(c, res, e, &ip, icmp);
        uint8_t proto = icmp ? P_ICMP : ip.proto;
        uint8_t *o = out_reserve(c, len4);
        if (!o)
            return set_drop(res, c, NAT64_DROP_NO_BUFS);
        uint16_t id;
        bool df;
        frag_fields64(&ip, len4, false,
                      gen_id(pkt + 8, 32, ip.l4, ip.l4_avail < 8 ? ip.l4_avail : 8, c->now), &id,
                      &df);
        uint8_t ttl = (uint8_t)(pkt[7] - (cfg->decrement_ttl ? 1 : 0));
        put_ip4(o, ip6_tc(pkt), (uint16_t)len4, id, df, ip.frag && ip.mf, ip.off, ttl, proto,
                mt.src, mt.dst);
        uint8_t *d = o + IP4_HDR;
        memcpy(d, ip.l4, ip.l4_avail);
        if (first) {
            uint32_t oph = csum_pseudo6(pkt + 8, pkt + 24, ip.proto, ip.l4_len);
            uint32_t nph = icmp ? 0 : csum_pseudo4(mt.src, mt.dst, proto, ip.l4_len);
            fix_l4(d, ip.l4_avail, ip.proto, oph, nph, &mt, true);
        }
        out_commit(c, o, len4);
        res->verdict = XLAT_FORWARD;
        res->reason = NAT64_DROP_NONE;
        if (too_big) {
            size_t mtu = cfg->mtu4 < IP4_MIN_MTU ? IP4_MIN_MTU : cfg->mtu4;
            return frag4(c, res, o, len4, mtu);
        }
    }
    if (res->verdict == XLAT_FORWARD && c->out->n == 1)
        hairpin(c, res);
}

/*
 * RFC 7757 §4 / RFC 6146 §3.8 hairpinning. The IPv4 packet just produced is
 * offered back to the mapper as a 4->6 packet with XLAT_MAP_HAIRPIN. If the
 * mapper claims its destination (an EAM address, or a stateful pool4
 * binding), the packet is translated again to IPv6 without a second TTL
 * decrement; if it answers NOT_OURS the IPv4 packet stands.
 */
static void hairpin(struct ctx *c, struct xlat_result *res)
{
    struct xlat_out_pkt first = c->out->pkt[0];
    struct xlat_tuple t, probe_out;
    memset(&t, 0, sizeof(t));
    memset(&probe_out, 0, sizeof(probe_out));
    t.family = 4;
    t.proto = first.data[9];
    memcpy(t.src, first.data + 12, 4);
    memcpy(t.dst, first.data + 16, 4);
    probe_out.family = 6;
    probe_out.proto = t.proto;
    if (c->m->map(c->m->ctx, &t, &probe_out, XLAT_MAP_HAIRPIN | XLAT_MAP_PROBE, NULL, c->now) ==
        NAT64_DROP_NOT_OURS)
        return;
    struct ctx h = *c;
    h.hairpin = true;
    h.mflags = XLAT_MAP_HAIRPIN;
    struct xlat_out *o = c->out;
    struct xlat_out_pkt v4 = o->pkt[0];
    struct xlat_result r2;
    memset(&r2, 0, sizeof(r2));
    xlat46(&h, v4.data, v4.len, &r2);
    if (r2.verdict == XLAT_PASS) {
        o->n = 1;
        o->pkt[0] = v4;
        return;
    }
    if (r2.verdict != XLAT_FORWARD) {
        set_drop(res, c, r2.reason);
        return;
    }
    /* Drop the intermediate IPv4 packet from the list. */
    for (unsigned i = 1; i < o->n; i++)
        o->pkt[i - 1] = o->pkt[i];
    o->n--;
    c->used = h.used;
}

/* ---- public ------------------------------------------------------------ */

void xlat_cfg_default(struct xlat_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->lowest_ipv6_mtu = 1280;
    cfg->mtu4 = 1500;
    cfg->mtu6 = 1500;
    cfg->udp_zero_csum_compute = true;
    cfg->decrement_ttl = true;
    cfg->validate_ip4_csum = true;
    cfg->icmp4_err_cap = 576;
    cfg->icmp6_err_cap = 1280;
}

struct xlat_result xlat_translate(const struct xlat_cfg *cfg, const struct xlat_mapper *mapper,
                                  const uint8_t *pkt, size_t len, uint64_t now_ms,
                                  struct xlat_out *out)
{
    struct xlat_result res;
    memset(&res, 0, sizeof(res));
    out->n = 0;
    struct ctx c = {cfg, mapper, now_ms, out, 0, false, 0};
    if (!pkt || len == 0) {
        set_drop(&res, &c, NAT64_DROP_TRUNCATED);
        return res;
    }
    switch (pkt[0] >> 4) {
    case 4:
        xlat46(&c, pkt, len, &res);
        break;
    case 6:
        xlat64(&c, pkt, len, &res);
        break;
    default:
        set_drop(&res, &c, NAT64_DROP_BAD_VERSION);
        break;
    }
    return res;
}
