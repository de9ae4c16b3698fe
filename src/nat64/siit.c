/*
 * Stateless address mapping (SIIT): RFC 7757 EAMT first, then the RFC 6052
 * pool6; RFC 6791 sources for ICMP errors from untranslatable addresses.
 */
#include "nat64/siit.h"

#include <string.h>

#include "util/rfc6052.h"

void siit_init(struct siit *s)
{
    memset(s, 0, sizeof(*s));
}

static unsigned get_bit(const uint8_t *a, unsigned i)
{
    return (a[i / 8] >> (7 - i % 8)) & 1u;
}

static void set_bit(uint8_t *a, unsigned i, unsigned v)
{
    uint8_t m = (uint8_t)(1u << (7 - i % 8));
    if (v)
        a[i / 8] |= m;
    else
        a[i / 8] &= (uint8_t)~m;
}

int siit_add_eam(struct siit *s, const struct siit_eam *e)
{
    if (s->n_eam >= SIIT_MAX_EAM || e->p6.len > 128 || e->p4.len > 32)
        return -1;
    /* RFC 7757 §3.2: the IPv4 suffix must fit in the IPv6 suffix. */
    if (128u - e->p6.len < 32u - e->p4.len)
        return -1;
    struct siit_eam *d = &s->eam[s->n_eam++];
    *d = *e;
    addr_mask(d->p6.addr, 16, d->p6.len);
    addr_mask(d->p4.addr, 4, d->p4.len);
    return 0;
}

/* Longest-prefix match (RFC 7757 §3.3) on the IPv6 or the IPv4 side. */
static const struct siit_eam *eam_find6(const struct siit *s, const uint8_t a6[16])
{
    const struct siit_eam *best = NULL;
    for (unsigned i = 0; i < s->n_eam; i++) {
        const struct siit_eam *e = &s->eam[i];
        if (addr_prefix_match(a6, e->p6.addr, e->p6.len) && (!best || e->p6.len > best->p6.len))
            best = e;
    }
    return best;
}

static const struct siit_eam *eam_find4(const struct siit *s, const uint8_t a4[4])
{
    const struct siit_eam *best = NULL;
    for (unsigned i = 0; i < s->n_eam; i++) {
        const struct siit_eam *e = &s->eam[i];
        if (addr_prefix_match(a4, e->p4.addr, e->p4.len) && (!best || e->p4.len > best->p4.len))
            best = e;
    }
    return best;
}

/* RFC 7757 §3.4: IPv4 prefix, then the bits that follow the IPv6 prefix. */
static void eam_6to4(const struct siit_eam *e, const uint8_t a6[16], uint8_t a4[4])
{
    memcpy(a4, e->p4.addr, 4);
    for (unsigned i = e->p4.len; i < 32; i++)
        set_bit(a4, i, get_bit(a6, e->p6.len + (i - e->p4.len)));
}

/* RFC 7757 §3.3: IPv6 prefix, the IPv4 suffix, then zeros. */
static void eam_4to6(const struct siit_eam *e, const uint8_t a4[4], uint8_t a6[16])
{
    memcpy(a6, e->p6.addr, 16);
    for (unsigned i = e->p4.len; i < 32; i++)
        set_bit(a6, e->p6.len + (i - e->p4.len), get_bit(a4, i));
}

static bool pool6_6to4(const struct siit *s, const uint8_t a6[16], uint8_t a4[4])
{
    return s->have_pool6 && rfc6052_extract(&s->pool6, a6, a4);
}

static bool pool6_4to6(const struct siit *s, const uint8_t a4[4], uint8_t a6[16])
{
    return s->have_pool6 && rfc6052_synth(&s->pool6, a4, a6);
}

bool siit_addr_6to4(const struct siit *s, const uint8_t a6[16], uint8_t a4[4])
{
    const struct siit_eam *e = eam_find6(s, a6);
    if (e) {
        eam_6to4(e, a6, a4);
        return true;
    }
    return pool6_6to4(s, a6, a4);
}

bool siit_addr_4to6(const struct siit *s, const uint8_t a4[4], uint8_t a6[16])
{
    const struct siit_eam *e = eam_find4(s, a4);
    if (e) {
        eam_4to6(e, a4, a6);
        return true;
    }
    return pool6_4to6(s, a4, a6);
}

/*
 * Each address is mapped on its own. The "destination role" address (the
 * destination, or the source of a quoted packet, XLAT_MAP_INNER) decides
 * whether the packet is ours; the other one may fall back to RFC 6791 when
 * the packet is the outer header of an ICMP error.
 */
static enum nat64_drop siit_map(void *ctx, const struct xlat_tuple *in, struct xlat_tuple *out,
                                unsigned flags, const struct xlat_tuple *inner_out, uint64_t now_ms)
{
    const struct siit *s = ctx;
    (void)inner_out;
    (void)now_ms;
    bool inner = (flags & XLAT_MAP_INNER) != 0;
    bool icmp_err = (flags & XLAT_MAP_ICMP_ERROR) != 0 && !inner;
    bool hairpin = (flags & XLAT_MAP_HAIRPIN) != 0;
    const uint8_t *dr = inner ? in->src : in->dst;
    const uint8_t *sr = inner ? in->dst : in->src;
    uint8_t *dr_out = inner ? out->src : out->dst;
    uint8_t *sr_out = inner ? out->dst : out->src;

    memset(out->src, 0, sizeof(out->src));
    memset(out->dst, 0, sizeof(out->dst));
    out->sport = in->sport;
    out->dport = in->dport;
    out->has_ports = in->has_ports;

    if (in->family == 6) {
        if (!siit_addr_6to4(s, dr, dr_out))
            return NAT64_DROP_NOT_OURS;
        if (siit_addr_6to4(s, sr, sr_out))
            return NAT64_DROP_NONE;
        if (!icmp_err)
            return NAT64_DROP_UNTRANSLATABLE;
        /* RFC 6791 §4: an IPv4 source for the error; Jool falls back to its
         * own address when the pool is empty. */
        if (s->have_rfc6791v4)
            memcpy(sr_out, s->rfc6791v4, 4);
        else if (s->have_self4)
            memcpy(sr_out, s->self4, 4);
        else
            return NAT64_DROP_UNTRANSLATABLE;
        return NAT64_DROP_NONE;
    }

    if (hairpin) {
        /* RFC 7757 §4.2: only EAM destinations lead back into IPv6, and the
         * source keeps its RFC 6052 form so that replies hairpin too. */
        const struct siit_eam *e = eam_find4(s, dr);
        if (!e)
            return NAT64_DROP_NOT_OURS;
        eam_4to6(e, dr, dr_out);
        if (pool6_4to6(s, sr, sr_out))
            return NAT64_DROP_NONE;
    } else {
        if (!siit_addr_4to6(s, dr, dr_out))
            return NAT64_DROP_NOT_OURS;
        if (siit_addr_4to6(s, sr, sr_out))
            return NAT64_DROP_NONE;
    }
    if (!icmp_err)
        return NAT64_DROP_UNTRANSLATABLE;
    if (s->have_rfc6791v6)
        memcpy(sr_out, s->rfc6791v6.addr, 16);
    else if (s->have_self6)
        memcpy(sr_out, s->self6, 16);
    else
        return NAT64_DROP_UNTRANSLATABLE;
    return NAT64_DROP_NONE;
}

struct xlat_mapper siit_mapper(struct siit *s)
{
    struct xlat_mapper m = {siit_map, s};
    return m;
}
