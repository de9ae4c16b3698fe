/*
 * 6LoWPAN IPHC/NHC compression and decompression (RFC 6282) and the RFC 4944
 * dispatch. See lowpan.h for the contracts.
 */
#include "lowpan/lowpan.h"

#include <string.h>

#include "util/csum.h"
#include "util/rd.h"

/* IPHC base header bits (RFC 6282 §3.1.1), as a 16-bit big-endian word. */
#define IPHC_DISPATCH 0x6000u
#define IPHC_DISPATCH_MASK 0xe000u
#define IPHC_TF_SHIFT 11
#define IPHC_NH 0x0400u
#define IPHC_HLIM_MASK 0x0300u
#define IPHC_CID 0x0080u
#define IPHC_SAC 0x0040u
#define IPHC_SAM_SHIFT 4
#define IPHC_M 0x0008u
#define IPHC_DAC 0x0004u
#define IPHC_DAM_MASK 0x0003u

/* NHC (RFC 6282 §4.2, §4.3). */
#define NHC_EH_MASK 0xf0u
#define NHC_EH 0xe0u
#define NHC_EH_EID_MASK 0x0eu
#define NHC_EH_NH 0x01u
#define NHC_UDP_MASK 0xf8u
#define NHC_UDP 0xf0u
#define NHC_UDP_C 0x04u
#define NHC_UDP_P_MASK 0x03u

#define EID_HBH 0
#define EID_ROUTING 1
#define EID_FRAGMENT 2
#define EID_DST 3
#define EID_MOBILITY 4
#define EID_IPV6 7

#define PROTO_HBH 0
#define PROTO_UDP 17
#define PROTO_IPV6 41
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_DST 60

#define IP6_HDR 40
#define UDP_HDR 8
/* IPv6-in-IPv6 nesting accepted below the outer header (RFC 6282 §4.2 EID 7). */
#define MAX_INNER 2
#define MAX_IP6_HDRS (MAX_INNER + 1)

static const char *const err_names[LOWPAN_ERR__COUNT] = {
    [LOWPAN_OK] = "ok",
    [LOWPAN_ERR_INVALID_ARG] = "invalid_arg",
    [LOWPAN_ERR_TRUNCATED] = "truncated",
    [LOWPAN_ERR_BAD_DISPATCH] = "bad_dispatch",
    [LOWPAN_ERR_UNKNOWN_CONTEXT] = "unknown_context",
    [LOWPAN_ERR_RESERVED] = "reserved_encoding",
    [LOWPAN_ERR_BAD_NHC] = "bad_nhc",
    [LOWPAN_ERR_NO_LLADDR] = "no_lladdr",
    [LOWPAN_ERR_CSUM_ELIDED] = "csum_elided",
    [LOWPAN_ERR_TOO_BIG] = "too_big",
    [LOWPAN_ERR_SIZE_MISMATCH] = "size_mismatch",
    [LOWPAN_ERR_BAD_IPV6] = "bad_ipv6",
    [LOWPAN_ERR_BAD_MESH] = "bad_mesh",
    [LOWPAN_ERR_BAD_FRAG] = "bad_frag",
    [LOWPAN_ERR_FRAG_OVERLAP] = "frag_overlap",
    [LOWPAN_ERR_FRAG_DUPLICATE] = "frag_duplicate",
    [LOWPAN_ERR_FRAG_TIMEOUT] = "frag_timeout",
    [LOWPAN_ERR_NO_SLOT] = "no_slot",
    [LOWPAN_ERR_MESH_LONG_ADDR] = "mesh_long_addr",
    [LOWPAN_ERR_MESH_HOP_LIMIT] = "mesh_hop_limit",
};

const char *lowpan_err_str(enum lowpan_err e)
{
    if ((unsigned)e >= LOWPAN_ERR__COUNT)
        return "unknown";
    return err_names[e];
}

/* ---- Contexts and link-layer addresses -------------------------------- */

void lowpan_ctx_init(struct lowpan_ctx_table *t)
{
    if (t)
        memset(t, 0, sizeof(*t));
}

enum lowpan_err lowpan_ctx_set(struct lowpan_ctx_table *t, unsigned id, const uint8_t prefix[16],
                               unsigned len, bool compress)
{
    if (!t || !prefix || id >= LOWPAN_CTX_MAX || len > 128)
        return LOWPAN_ERR_INVALID_ARG;
    struct lowpan_ctx *c = &t->ctx[id];
    memset(c, 0, sizeof(*c));
    memcpy(c->prefix, prefix, 16);
    c->len = (uint8_t)len;
    c->compress = compress;
    c->valid = true;
    return LOWPAN_OK;
}

static const struct lowpan_ctx *ctx_get(const struct lowpan_ctx_table *t, unsigned id)
{
    if (!t || id >= LOWPAN_CTX_MAX || !t->ctx[id].valid)
        return NULL;
    return &t->ctx[id];
}

bool lowpan_lladdr_iid(const struct lowpan_lladdr *ll, uint8_t iid[8])
{
    if (!ll)
        return false;
    switch (ll->mode) {
    case LOWPAN_LL_EXT:
        /* RFC 4944 §6 / RFC 6282 §3.2.2: EUI-64 with the U/L bit inverted. */
        memcpy(iid, ll->ext, 8);
        iid[0] ^= 0x02;
        return true;
    case LOWPAN_LL_SHORT:
        /* RFC 6282 §3.2.2: 0000:00ff:fe00:XXXX. */
        memset(iid, 0, 8);
        iid[3] = 0xff;
        iid[4] = 0xfe;
        be16_put(iid + 6, ll->short_addr);
        return true;
    default:
        return false;
    }
}

/* Copies the first len bits of prefix over addr (RFC 6282 §3.2.2: context
 * bits take precedence over bits derived from the IID). */
static void apply_prefix(uint8_t addr[16], const uint8_t *prefix, unsigned len)
{
    unsigned full = len / 8, rem = len % 8;
    memcpy(addr, prefix, full);
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        addr[full] = (uint8_t)((addr[full] & ~mask) | (prefix[full] & mask));
    }
}

static bool prefix_match(const uint8_t *a, const uint8_t *p, unsigned len)
{
    unsigned full = len / 8, rem = len % 8;
    if (memcmp(a, p, full) != 0)
        return false;
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        return ((a[full] ^ p[full]) & mask) == 0;
    }
    return true;
}

/* ---- Dispatch (RFC 4944 §5) ----------------------------------------- */

enum lowpan_dispatch lowpan_dispatch_of(uint8_t b)
{
    if (b == 0x41)
        return LOWPAN_DISPATCH_IPV6;
    if (b == 0x50)
        return LOWPAN_DISPATCH_BC0;
    if ((b & 0xe0) == 0x60)
        return LOWPAN_DISPATCH_IPHC;
    if ((b & 0xc0) == 0x80)
        return LOWPAN_DISPATCH_MESH;
    if ((b & 0xf8) == 0xc0)
        return LOWPAN_DISPATCH_FRAG1;
    if ((b & 0xf8) == 0xe0)
        return LOWPAN_DISPATCH_FRAGN;
    return LOWPAN_DISPATCH_NALP;
}

/* ---- Decompression ---------------------------------------------------- */

struct dstate {
    const struct lowpan_ctx_table *ctx;
    const struct lowpan_lladdr *src, *dst;
    struct wr w;
    uint8_t *out;
    size_t ip6_off[MAX_IP6_HDRS]; /* output offsets of IPv6 headers */
    unsigned n_ip6;
    bool have_udp;
    size_t udp_off; /* output offset of the UDP header */
    size_t udp_ip6; /* index into ip6_off of the header carrying UDP */
    bool udp_csum_elided;
};

static size_t wr_pos(const struct dstate *s)
{
    return (size_t)(s->w.p - s->out);
}

/* The IID of a unicast address for address mode 1..3 (RFC 6282 §3.2.2):
 * 64 bits inline, 16 bits inline (0000:00ff:fe00:XXXX), or from the link layer. */
static enum lowpan_err dec_iid(struct rd *r, unsigned mode, const struct lowpan_lladdr *ll,
                               uint8_t addr[16])
{
    switch (mode) {
    case 1:
        return rd_bytes(r, addr + 8, 8) ? LOWPAN_OK : LOWPAN_ERR_TRUNCATED;
    case 2:
        addr[11] = 0xff;
        addr[12] = 0xfe;
        return rd_bytes(r, addr + 14, 2) ? LOWPAN_OK : LOWPAN_ERR_TRUNCATED;
    default:
        return lowpan_lladdr_iid(ll, addr + 8) ? LOWPAN_OK : LOWPAN_ERR_NO_LLADDR;
    }
}

/* Unicast address (RFC 6282 §3.2.2 SAC/SAM, §3.2.3 DAC/DAM with M=0). */
static enum lowpan_err dec_unicast(struct rd *r, unsigned ac, unsigned mode,
                                   const struct lowpan_ctx *c, const struct lowpan_lladdr *ll,
                                   bool is_src, uint8_t addr[16])
{
    memset(addr, 0, 16);
    if (mode == 0 && !ac)
        return rd_bytes(r, addr, 16) ? LOWPAN_OK : LOWPAN_ERR_TRUNCATED;
    if (mode == 0)
        return is_src ? LOWPAN_OK /* :: */ : LOWPAN_ERR_RESERVED;
    if (ac && !c)
        return LOWPAN_ERR_UNKNOWN_CONTEXT;
    enum lowpan_err e = dec_iid(r, mode, ll, addr);
    if (e != LOWPAN_OK)
        return e;
    if (ac) {
        apply_prefix(addr, c->prefix, c->len);
    } else {
        addr[0] = 0xfe;
        addr[1] = 0x80;
    }
    return LOWPAN_OK;
}

/* Multicast destination (RFC 6282 §3.2.3 M=1; DAC=1 DAM=00 is RFC 3306). */
static enum lowpan_err dec_multicast(struct rd *r, unsigned dac, unsigned dam,
                                     const struct lowpan_ctx *c, uint8_t addr[16])
{
    memset(addr, 0, 16);
    addr[0] = 0xff;
    bool ok;
    if (dac) {
        if (dam != 0)
            return LOWPAN_ERR_RESERVED;
        if (!c)
            return LOWPAN_ERR_UNKNOWN_CONTEXT;
        ok = rd_bytes(r, addr + 1, 2) && rd_bytes(r, addr + 12, 4);
        if (!ok)
            return LOWPAN_ERR_TRUNCATED;
        addr[3] = c->len;
        memcpy(addr + 4, c->prefix, 8);
        return LOWPAN_OK;
    }
    switch (dam) {
    case 0:
        ok = rd_bytes(r, addr, 16);
        break;
    case 1:
        ok = rd_u8(r, &addr[1]) && rd_bytes(r, addr + 11, 5);
        break;
    case 2:
        ok = rd_u8(r, &addr[1]) && rd_bytes(r, addr + 13, 3);
        break;
    default:
        addr[1] = 0x02;
        ok = rd_u8(r, &addr[15]);
        break;
    }
    return ok ? LOWPAN_OK : LOWPAN_ERR_TRUNCATED;
}

/* Next header value an NHC dispatch byte stands for (RFC 6282 §4.1). */
static bool nhc_proto(uint8_t b, uint8_t *proto)
{
    if ((b & NHC_UDP_MASK) == NHC_UDP) {
        *proto = PROTO_UDP;
        return true;
    }
    if ((b & NHC_EH_MASK) != NHC_EH)
        return false;
    switch ((b & NHC_EH_EID_MASK) >> 1) {
    case EID_HBH:
        *proto = PROTO_HBH;
        return true;
    case EID_ROUTING:
        *proto = PROTO_ROUTING;
        return true;
    case EID_FRAGMENT:
        *proto = PROTO_FRAGMENT;
        return true;
    case EID_DST:
        *proto = PROTO_DST;
        return true;
    case EID_IPV6:
        *proto = PROTO_IPV6;
        return true;
    default: /* mobility (EID 4): not used by Thread; 5, 6 reserved */
        return false;
    }
}

/* Next header field for NH=1: peek at the NHC dispatch that follows. */
static enum lowpan_err peek_nhc(const struct rd *r, size_t skip, uint8_t *proto)
{
    if (r->left <= skip)
        return LOWPAN_ERR_TRUNCATED;
    return nhc_proto(r->p[skip], proto) ? LOWPAN_OK : LOWPAN_ERR_BAD_NHC;
}

/* NHC extension header (RFC 6282 §4.2). *more = the next header is NHC too. */
static enum lowpan_err dec_nhc_eh(struct dstate *s, struct rd *r, bool *more)
{
    uint8_t ctl, next = 0, len;
    if (!rd_u8(r, &ctl))
        return LOWPAN_ERR_TRUNCATED;
    unsigned eid = (ctl & NHC_EH_EID_MASK) >> 1;
    if (!(ctl & NHC_EH_NH) && !rd_u8(r, &next))
        return LOWPAN_ERR_TRUNCATED;
    if (!rd_u8(r, &len))
        return LOWPAN_ERR_TRUNCATED;
    if (r->left < len)
        return LOWPAN_ERR_TRUNCATED;
    if (ctl & NHC_EH_NH) {
        enum lowpan_err e = peek_nhc(r, len, &next);
        if (e)
            return e;
    }
    *more = (ctl & NHC_EH_NH) != 0;

    size_t total = 2u + len, pad = 0;
    if (eid == EID_HBH || eid == EID_DST)
        pad = (8 - total % 8) % 8; /* re-insert the elided Pad1/PadN (§4.2) */
    else if (total % 8 != 0)
        return LOWPAN_ERR_BAD_NHC;
    total += pad;

    uint8_t *h = wr_reserve(&s->w, total);
    if (!h)
        return LOWPAN_ERR_TOO_BIG;
    h[0] = next;
    h[1] = (uint8_t)(total / 8 - 1);
    rd_bytes(r, h + 2, len); /* length checked above */
    uint8_t *p = h + 2 + len;
    if (pad == 1) {
        p[0] = 0; /* Pad1 */
    } else if (pad >= 2) {
        p[0] = 1; /* PadN */
        p[1] = (uint8_t)(pad - 2);
        memset(p + 2, 0, pad - 2);
    }
    return LOWPAN_OK;
}

/* NHC UDP header (RFC 6282 §4.3). The length is filled in at the end. */
static enum lowpan_err dec_nhc_udp(struct dstate *s, struct rd *r)
{
    uint8_t ctl, b = 0;
    uint16_t sport = 0, dport = 0, csum = 0;
    if (!rd_u8(r, &ctl))
        return LOWPAN_ERR_TRUNCATED;
    bool ok;
    switch (ctl & NHC_UDP_P_MASK) {
    case 0:
        ok = rd_be16(r, &sport) && rd_be16(r, &dport);
        break;
    case 1:
        ok = rd_be16(r, &sport) && rd_u8(r, &b);
        dport = (uint16_t)(0xf000 | b);
        break;
    case 2:
        ok = rd_u8(r, &b) && rd_be16(r, &dport);
        sport = (uint16_t)(0xf000 | b);
        break;
    default:
        ok = rd_u8(r, &b);
        sport = (uint16_t)(0xf0b0 | (b >> 4));
        dport = (uint16_t)(0xf0b0 | (b & 0x0f));
        break;
    }
    if (!ok)
        return LOWPAN_ERR_TRUNCATED;
    s->udp_csum_elided = (ctl & NHC_UDP_C) != 0;
    if (!s->udp_csum_elided && !rd_be16(r, &csum))
        return LOWPAN_ERR_TRUNCATED;
    s->udp_off = wr_pos(s);
    s->udp_ip6 = s->n_ip6 - 1;
    s->have_udp = true;
    wr_be16(&s->w, sport);
    wr_be16(&s->w, dport);
    wr_be16(&s->w, 0);
    wr_be16(&s->w, csum);
    return s->w.ok ? LOWPAN_OK : LOWPAN_ERR_TOO_BIG;
}

static enum lowpan_err dec_iphc(struct dstate *s, struct rd *r, unsigned depth);

/* The NHC chain after an IPHC header with NH=1. */
static enum lowpan_err dec_nhc_chain(struct dstate *s, struct rd *r, unsigned depth)
{
    for (;;) {
        if (r->left == 0)
            return LOWPAN_ERR_TRUNCATED;
        uint8_t b = r->p[0];
        if ((b & NHC_UDP_MASK) == NHC_UDP)
            return dec_nhc_udp(s, r);
        if ((b & NHC_EH_MASK) != NHC_EH)
            return LOWPAN_ERR_BAD_NHC;
        unsigned eid = (b & NHC_EH_EID_MASK) >> 1;
        if (eid == EID_IPV6) {
            /* §4.2: the NH bit is 0 and an IPHC-encoded header follows. */
            if (b & NHC_EH_NH)
                return LOWPAN_ERR_BAD_NHC;
            if (depth >= MAX_INNER)
                return LOWPAN_ERR_BAD_NHC;
            rd_skip(r, 1);
            return dec_iphc(s, r, depth + 1);
        }
        uint8_t proto;
        if (!nhc_proto(b, &proto))
            return LOWPAN_ERR_BAD_NHC;
        bool more;
        enum lowpan_err e = dec_nhc_eh(s, r, &more);
        if (e)
            return e;
        if (!more)
            return LOWPAN_OK;
    }
}

/* IPHC base header (RFC 6282 §3.1, §3.2) and what follows it. */
static enum lowpan_err dec_iphc(struct dstate *s, struct rd *r, unsigned depth)
{
    uint16_t hc;
    uint8_t cid = 0, b;
    if (!rd_be16(r, &hc))
        return LOWPAN_ERR_TRUNCATED;
    if ((hc & IPHC_DISPATCH_MASK) != IPHC_DISPATCH)
        return LOWPAN_ERR_BAD_DISPATCH;
    if ((hc & IPHC_CID) && !rd_u8(r, &cid))
        return LOWPAN_ERR_TRUNCATED;
    const struct lowpan_ctx *sctx = ctx_get(s->ctx, cid >> 4);
    const struct lowpan_ctx *dctx = ctx_get(s->ctx, cid & 0x0f);

    if (s->n_ip6 >= MAX_IP6_HDRS)
        return LOWPAN_ERR_BAD_NHC;
    size_t off = wr_pos(s);
    uint8_t *h = wr_reserve(&s->w, IP6_HDR);
    if (!h)
        return LOWPAN_ERR_TOO_BIG;
    memset(h, 0, IP6_HDR);
    s->ip6_off[s->n_ip6++] = off;

    /* §3.2.1 traffic class and flow label; inline ECN|DSCP -> TC DSCP<<2|ECN. */
    uint8_t ecn = 0, dscp = 0;
    uint32_t flow = 0;
    uint8_t f[4];
    switch ((hc >> IPHC_TF_SHIFT) & 3) {
    case 0: /* ECN DSCP | rsv FL(20) */
        if (!rd_bytes(r, f, 4))
            return LOWPAN_ERR_TRUNCATED;
        ecn = f[0] >> 6;
        dscp = f[0] & 0x3f;
        flow = ((uint32_t)(f[1] & 0x0f) << 16) | ((uint32_t)f[2] << 8) | f[3];
        break;
    case 1: /* ECN rsv FL(20) */
        if (!rd_bytes(r, f, 3))
            return LOWPAN_ERR_TRUNCATED;
        ecn = f[0] >> 6;
        flow = ((uint32_t)(f[0] & 0x0f) << 16) | ((uint32_t)f[1] << 8) | f[2];
        break;
    case 2: /* ECN DSCP */
        if (!rd_u8(r, &f[0]))
            return LOWPAN_ERR_TRUNCATED;
        ecn = f[0] >> 6;
        dscp = f[0] & 0x3f;
        break;
    default:
        break;
    }
    uint8_t tc = (uint8_t)(dscp << 2 | ecn);
    be32_put(h, (6u << 28) | ((uint32_t)tc << 20) | flow);

    /* §3.1.1 next header, hop limit. */
    if (!(hc & IPHC_NH) && !rd_u8(r, &h[6]))
        return LOWPAN_ERR_TRUNCATED;
    switch ((hc & IPHC_HLIM_MASK) >> 8) {
    case 1:
        h[7] = 1;
        break;
    case 2:
        h[7] = 64;
        break;
    case 3:
        h[7] = 255;
        break;
    default:
        if (!rd_u8(r, &b))
            return LOWPAN_ERR_TRUNCATED;
        h[7] = b;
        break;
    }

    enum lowpan_err e =
        dec_unicast(r, (hc & IPHC_SAC) != 0, (hc >> IPHC_SAM_SHIFT) & 3, sctx, s->src, true, h + 8);
    if (e)
        return e;
    if (hc & IPHC_M)
        e = dec_multicast(r, (hc & IPHC_DAC) != 0, hc & IPHC_DAM_MASK, dctx, h + 24);
    else
        e = dec_unicast(r, (hc & IPHC_DAC) != 0, hc & IPHC_DAM_MASK, dctx, s->dst, false, h + 24);
    if (e)
        return e;

    if (!(hc & IPHC_NH))
        return LOWPAN_OK;
    e = peek_nhc(r, 0, &h[6]);
    if (e)
        return e;
    return dec_nhc_chain(s, r, depth);
}

enum lowpan_err lowpan_decompress(const struct lowpan_ctx_table *ctx,
                                  const struct lowpan_lladdr *mac_src,
                                  const struct lowpan_lladdr *mac_dst, const uint8_t *in,
                                  size_t in_len, size_t datagram_size, uint8_t *out, size_t out_cap,
                                  size_t *out_len, size_t *consumed)
{
    if (!ctx || !mac_src || !mac_dst || (!in && in_len) || !out || !out_len)
        return LOWPAN_ERR_INVALID_ARG;
    struct dstate s;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.src = mac_src;
    s.dst = mac_dst;
    s.out = out;
    s.w = wr_init(out, out_cap);
    struct rd r = rd_init(in, in_len);

    enum lowpan_err e;
    if (in_len == 0)
        return LOWPAN_ERR_TRUNCATED;
    switch (lowpan_dispatch_of(in[0])) {
    case LOWPAN_DISPATCH_IPHC:
        e = dec_iphc(&s, &r, 0);
        break;
    case LOWPAN_DISPATCH_IPV6:
        /* RFC 4944 §5.1: the IPv6 header follows uncompressed. */
        rd_skip(&r, 1);
        if (r.left < IP6_HDR)
            return LOWPAN_ERR_TRUNCATED;
        e = LOWPAN_OK;
        break;
    default:
        return LOWPAN_ERR_BAD_DISPATCH;
    }
    if (e)
        return e;

    size_t hdr_len = wr_pos(&s), payload = r.left;
    size_t total = datagram_size ? datagram_size : hdr_len + payload;
    if (hdr_len + payload > total)
        return LOWPAN_ERR_SIZE_MISMATCH;
    /* Lengths derived from the datagram size (RFC 6282 §3.1.1, §4.3.3). */
    for (unsigned i = 0; i < s.n_ip6; i++) {
        size_t plen = total - s.ip6_off[i] - IP6_HDR;
        if (plen > 0xffff)
            return LOWPAN_ERR_TOO_BIG;
        be16_put(out + s.ip6_off[i] + 4, (uint16_t)plen);
    }
    if (s.have_udp) {
        size_t ulen = total - s.udp_off;
        if (ulen > 0xffff)
            return LOWPAN_ERR_TOO_BIG;
        be16_put(out + s.udp_off + 4, (uint16_t)ulen);
    }
    wr_bytes(&s.w, r.p, payload);
    if (!s.w.ok)
        return LOWPAN_ERR_TOO_BIG;
    if (s.have_udp && s.udp_csum_elided) {
        /* §4.3.2: recompute; only possible with the whole datagram. */
        if (datagram_size && datagram_size != hdr_len + payload)
            return LOWPAN_ERR_CSUM_ELIDED;
        const uint8_t *ip = out + s.ip6_off[s.udp_ip6];
        size_t ulen = total - s.udp_off;
        uint32_t sum = csum_pseudo6(ip + 8, ip + 24, PROTO_UDP, (uint32_t)ulen);
        sum = csum_add(sum, out + s.udp_off, ulen);
        uint16_t c = csum_finish(sum);
        be16_put(out + s.udp_off + 6, c ? c : 0xffff);
    }
    *out_len = hdr_len + payload;
    if (consumed)
        *consumed = in_len - payload;
    return LOWPAN_OK;
}

/* ---- Compression ------------------------------------------------------ */

struct cstate {
    const struct lowpan_ctx_table *ctx;
    const struct lowpan_lladdr *src, *dst;
    struct wr w;
    const uint8_t *pkt;
    size_t len; /* pkt length */
    size_t pos; /* uncompressed bytes consumed so far */
};

/* OpenThread: the longest matching context, usable only with the C flag. */
static int find_ctx(const struct lowpan_ctx_table *t, const uint8_t addr[16])
{
    int best = -1;
    for (unsigned i = 0; i < LOWPAN_CTX_MAX; i++) {
        const struct lowpan_ctx *c = &t->ctx[i];
        if (!c->valid || !prefix_match(addr, c->prefix, c->len))
            continue;
        if (best < 0 || c->len > t->ctx[best].len)
            best = (int)i;
    }
    if (best >= 0 && !t->ctx[best].compress)
        best = -1;
    return best;
}

static bool is_locator_iid(const uint8_t *iid)
{
    static const uint8_t pat[6] = {0, 0, 0, 0xff, 0xfe, 0};
    return memcmp(iid, pat, 6) == 0;
}

/* Tries SAM/DAM 11, 10, 01 for a unicast address with (ac=1) or without
 * (ac=0, fe80::/64) context c. Checks each by decompressing the encoding and
 * comparing. Returns the mode, or 0 when none round-trips. */
static unsigned pick_iid_mode(const uint8_t a[16], unsigned ac, const struct lowpan_ctx *c,
                              const struct lowpan_lladdr *ll, bool is_src)
{
    uint8_t got[16];
    struct rd r;
    uint8_t ll_iid[8];
    if (lowpan_lladdr_iid(ll, ll_iid) && memcmp(ll_iid, a + 8, 8) == 0) {
        r = rd_init(NULL, 0);
        if (dec_unicast(&r, ac, 3, c, ll, is_src, got) == LOWPAN_OK && !memcmp(got, a, 16))
            return 3;
    }
    if (is_locator_iid(a + 8)) {
        r = rd_init(a + 14, 2);
        if (dec_unicast(&r, ac, 2, c, ll, is_src, got) == LOWPAN_OK && !memcmp(got, a, 16))
            return 2;
    }
    r = rd_init(a + 8, 8);
    if (dec_unicast(&r, ac, 1, c, ll, is_src, got) == LOWPAN_OK && !memcmp(got, a, 16))
        return 1;
    return 0;
}

static void put_iid_inline(struct wr *w, const uint8_t a[16], unsigned mode)
{
    if (mode == 1)
        wr_bytes(w, a + 8, 8);
    else if (mode == 2)
        wr_bytes(w, a + 14, 2);
}

struct addr_enc {
    unsigned ac, mode, ctx_id;
};

/* Chooses the encoding of a unicast address (RFC 6282 §3.2.2/3, OT order). */
static struct addr_enc enc_unicast(const struct cstate *s, const uint8_t a[16],
                                   const struct lowpan_lladdr *ll, bool is_src)
{
    static const uint8_t zero[16];
    struct addr_enc e = {0, 0, 0};
    if (is_src && memcmp(a, zero, 16) == 0) {
        e.ac = 1; /* :: -> SAC=1 SAM=00 */
        return e;
    }
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) {
        e.mode = pick_iid_mode(a, 0, NULL, ll, is_src);
        return e; /* 0 -> inline */
    }
    int id = find_ctx(s->ctx, a);
    if (id >= 0) {
        unsigned m = pick_iid_mode(a, 1, &s->ctx->ctx[id], ll, is_src);
        if (m) {
            e.ac = 1;
            e.mode = m;
            e.ctx_id = (unsigned)id;
        }
    }
    return e;
}

/* Multicast destination (OpenThread's choice of DAM; RFC 6282 §3.2.3). */
static unsigned enc_multicast(const struct cstate *s, const uint8_t a[16], unsigned *dac)
{
    unsigned i = 2;
    while (i < 16 && a[i] == 0)
        i++;
    *dac = 0;
    if (a[1] == 0x02 && i >= 15)
        return 3;
    if (i >= 13)
        return 2;
    if (i >= 11)
        return 1;
    const struct lowpan_ctx *c = ctx_get(s->ctx, 0);
    if (c && a[3] == c->len && memcmp(a + 4, c->prefix, 8) == 0)
        *dac = 1;
    return 0;
}

static void put_multicast(struct wr *w, const uint8_t a[16], unsigned dac, unsigned dam)
{
    if (dac) {
        wr_bytes(w, a + 1, 2);
        wr_bytes(w, a + 12, 4);
        return;
    }
    switch (dam) {
    case 0:
        wr_bytes(w, a, 16);
        break;
    case 1:
        wr_u8(w, a[1]);
        wr_bytes(w, a + 11, 5);
        break;
    case 2:
        wr_u8(w, a[1]);
        wr_bytes(w, a + 13, 3);
        break;
    default:
        wr_u8(w, a[15]);
        break;
    }
}

/* Walks the options of a HBH/DST header body. Returns false when malformed;
 * *last_pad = size of a trailing Pad1/PadN with zero contents, else 0. */
static bool walk_options(const uint8_t *p, size_t n, size_t *last_pad)
{
    struct rd r = rd_init(p, n);
    *last_pad = 0;
    while (r.left) {
        const uint8_t *opt = r.p;
        uint8_t type, olen;
        rd_u8(&r, &type);
        if (type == 0) { /* Pad1 */
            *last_pad = 1;
            continue;
        }
        if (!rd_u8(&r, &olen) || !rd_skip(&r, olen))
            return false;
        *last_pad = 0;
        if (type == 1) {
            bool zero = true;
            for (unsigned k = 0; k < olen; k++)
                zero = zero && opt[2 + k] == 0;
            if (zero)
                *last_pad = 2u + olen;
        }
    }
    return true;
}

static bool ip6_valid(const uint8_t *p, size_t n)
{
    return n >= IP6_HDR && (p[0] >> 4) == 6 && be16_get(p + 4) == n - IP6_HDR;
}

/* Whether the header `proto` at pkt[off..len) is compressed as NHC
 * (OpenThread compresses hop-by-hop, UDP and IPv6-in-IPv6). */
static bool nhc_ok(const struct cstate *s, uint8_t proto, size_t off, unsigned depth)
{
    const uint8_t *p = s->pkt + off;
    size_t n = s->len - off;
    switch (proto) {
    case PROTO_UDP:
        return n >= UDP_HDR && be16_get(p + 4) == n;
    case PROTO_IPV6:
        return depth < MAX_INNER && ip6_valid(p, n);
    case PROTO_HBH: {
        if (n < 2 || (size_t)(p[1] + 1) * 8 > n)
            return false;
        size_t size = (size_t)(p[1] + 1) * 8, pad;
        if (!walk_options(p + 2, size - 2, &pad))
            return false;
        if (pad >= 8)
            pad = 0;
        return size - 2 - pad <= 255;
    }
    default:
        return false;
    }
}

static enum lowpan_err comp_ip6(struct cstate *s, unsigned depth);

/* UDP NHC (RFC 6282 §4.3), OpenThread's port forms, checksum inline. */
static void comp_udp(struct cstate *s)
{
    const uint8_t *u = s->pkt + s->pos;
    uint16_t sp = be16_get(u), dp = be16_get(u + 2);
    if ((sp & 0xfff0) == 0xf0b0 && (dp & 0xfff0) == 0xf0b0) {
        wr_u8(&s->w, NHC_UDP | 3);
        wr_u8(&s->w, (uint8_t)(((sp & 0xf) << 4) | (dp & 0xf)));
    } else if ((sp & 0xff00) == 0xf000) {
        wr_u8(&s->w, NHC_UDP | 2);
        wr_u8(&s->w, (uint8_t)sp);
        wr_be16(&s->w, dp);
    } else if ((dp & 0xff00) == 0xf000) {
        wr_u8(&s->w, NHC_UDP | 1);
        wr_be16(&s->w, sp);
        wr_u8(&s->w, (uint8_t)dp);
    } else {
        wr_u8(&s->w, NHC_UDP);
        wr_be16(&s->w, sp);
        wr_be16(&s->w, dp);
    }
    wr_bytes(&s->w, u + 6, 2);
    s->pos += UDP_HDR;
}

/* Compresses the NHC chain starting with header `proto` at s->pos. */
static enum lowpan_err comp_chain(struct cstate *s, uint8_t proto, unsigned depth)
{
    while (proto == PROTO_HBH) {
        const uint8_t *p = s->pkt + s->pos;
        size_t size = (size_t)(p[1] + 1) * 8, pad;
        walk_options(p + 2, size - 2, &pad); /* validated by nhc_ok */
        if (pad >= 8)
            pad = 0; /* the decompressor pads only up to 7 (§4.2) */
        uint8_t next = p[0];
        bool nh = nhc_ok(s, next, s->pos + size, depth);
        if (nh) {
            wr_u8(&s->w, NHC_EH | (EID_HBH << 1) | NHC_EH_NH);
        } else {
            wr_u8(&s->w, NHC_EH | (EID_HBH << 1));
            wr_u8(&s->w, next);
        }
        wr_u8(&s->w, (uint8_t)(size - 2 - pad));
        wr_bytes(&s->w, p + 2, size - 2 - pad);
        s->pos += size;
        if (!nh)
            return s->w.ok ? LOWPAN_OK : LOWPAN_ERR_TOO_BIG;
        proto = next;
    }
    if (proto == PROTO_UDP) {
        comp_udp(s);
        return s->w.ok ? LOWPAN_OK : LOWPAN_ERR_TOO_BIG;
    }
    /* PROTO_IPV6: §4.2 EID 7 with NH=0, then the inner IPHC. */
    wr_u8(&s->w, NHC_EH | (EID_IPV6 << 1));
    return comp_ip6(s, depth + 1);
}

/* IPHC for the IPv6 header at s->pos (RFC 6282 §3), then its NHC chain. */
static enum lowpan_err comp_ip6(struct cstate *s, unsigned depth)
{
    const uint8_t *h = s->pkt + s->pos;
    if (!ip6_valid(h, s->len - s->pos))
        return LOWPAN_ERR_BAD_IPV6;
    const uint8_t *src = h + 8, *dst = h + 24;
    uint16_t hc = IPHC_DISPATCH;

    struct addr_enc se = enc_unicast(s, src, s->src, true);
    bool mcast = dst[0] == 0xff;
    struct addr_enc de = {0, 0, 0};
    if (mcast)
        de.mode = enc_multicast(s, dst, &de.ac);
    else
        de = enc_unicast(s, dst, s->dst, false);

    uint8_t *hcp = wr_reserve(&s->w, 2);
    if (se.ctx_id || de.ctx_id) {
        hc |= IPHC_CID;
        wr_u8(&s->w, (uint8_t)(se.ctx_id << 4 | de.ctx_id));
    }

    /* §3.2.1 TF, as OpenThread: inline byte is ECN<<6 | DSCP. */
    uint8_t tc = (uint8_t)(((h[0] & 0x0f) << 4) | (h[1] >> 4));
    uint8_t dscp = tc >> 2, ecn = (uint8_t)((tc & 3) << 6);
    uint32_t flow = be32_get(h) & 0xfffff;
    if (flow == 0) {
        if (tc == 0) {
            hc |= 3u << IPHC_TF_SHIFT;
        } else {
            hc |= 2u << IPHC_TF_SHIFT;
            wr_u8(&s->w, ecn | dscp);
        }
    } else if (dscp == 0) {
        hc |= 1u << IPHC_TF_SHIFT;
        wr_u8(&s->w, (uint8_t)(ecn | (flow >> 16)));
        wr_be16(&s->w, (uint16_t)flow);
    } else {
        wr_u8(&s->w, ecn | dscp);
        wr_u8(&s->w, (uint8_t)(flow >> 16));
        wr_be16(&s->w, (uint16_t)flow);
    }

    uint8_t next = h[6];
    bool nh = nhc_ok(s, next, s->pos + IP6_HDR, depth);
    if (nh)
        hc |= IPHC_NH;
    else
        wr_u8(&s->w, next);

    switch (h[7]) {
    case 1:
        hc |= 1u << 8;
        break;
    case 64:
        hc |= 2u << 8;
        break;
    case 255:
        hc |= 3u << 8;
        break;
    default:
        wr_u8(&s->w, h[7]);
        break;
    }

    if (se.ac)
        hc |= IPHC_SAC;
    hc |= (uint16_t)(se.mode << IPHC_SAM_SHIFT);
    if (se.mode == 0 && !se.ac)
        wr_bytes(&s->w, src, 16);
    else
        put_iid_inline(&s->w, src, se.mode);

    if (mcast) {
        hc |= IPHC_M;
        if (de.ac)
            hc |= IPHC_DAC;
        hc |= (uint16_t)de.mode;
        put_multicast(&s->w, dst, de.ac, de.mode);
    } else {
        if (de.ac)
            hc |= IPHC_DAC;
        hc |= (uint16_t)de.mode;
        if (de.mode == 0)
            wr_bytes(&s->w, dst, 16);
        else
            put_iid_inline(&s->w, dst, de.mode);
    }
    if (!s->w.ok)
        return LOWPAN_ERR_TOO_BIG;
    be16_put(hcp, hc);
    s->pos += IP6_HDR;
    if (!nh)
        return LOWPAN_OK;
    return comp_chain(s, next, depth);
}

enum lowpan_err lowpan_compress_hdr(const struct lowpan_ctx_table *ctx,
                                    const struct lowpan_lladdr *mac_src,
                                    const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                    size_t pkt_len, uint8_t *out, size_t cap, size_t *out_len,
                                    size_t *hdr_len)
{
    if (!ctx || !mac_src || !mac_dst || !pkt || !out || !out_len || !hdr_len)
        return LOWPAN_ERR_INVALID_ARG;
    struct cstate s = {ctx, mac_src, mac_dst, wr_init(out, cap), pkt, pkt_len, 0};
    enum lowpan_err e = comp_ip6(&s, 0);
    if (e)
        return e;
    *out_len = cap - s.w.left;
    *hdr_len = s.pos;
    return LOWPAN_OK;
}

enum lowpan_err lowpan_compress(const struct lowpan_ctx_table *ctx,
                                const struct lowpan_lladdr *mac_src,
                                const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                size_t pkt_len, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t n, hdr;
    enum lowpan_err e =
        lowpan_compress_hdr(ctx, mac_src, mac_dst, pkt, pkt_len, out, cap, &n, &hdr);
    if (e)
        return e;
    if (pkt_len - hdr > cap - n)
        return LOWPAN_ERR_TOO_BIG;
    memcpy(out + n, pkt + hdr, pkt_len - hdr);
    *out_len = n + (pkt_len - hdr);
    return LOWPAN_OK;
}
