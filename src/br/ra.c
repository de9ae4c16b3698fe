/*
 * Router Advertisement / Router Solicitation codec (RFC 4861 §4.1-4.2,
 * Prefix Information §4.6.2, RFC 4191 Route Information, RFC 8781 PREF64);
 * see br/ra.h.
 */
#include "br/ra.h"

#include <string.h>

#include "util/rd.h"

unsigned ra_pref64_plen(unsigned plc)
{
    static const uint8_t len[6] = {96, 64, 56, 48, 40, 32};

    return plc < 6 ? len[plc] : 0;
}

void ra_onlink_prefix_from_xpanid(const uint8_t xpanid[8], struct addr_prefix6 *out)
{
    memset(out, 0, sizeof(*out));
    out->addr[0] = 0xfd;
    memcpy(out->addr + 1, xpanid, 5);
    memcpy(out->addr + 6, xpanid + 6, 2);
    out->len = 64;
}

static uint8_t pref_bits(int8_t pref)
{
    return pref > 0 ? 0x1 : pref < 0 ? 0x3 : 0x0;
}

static int8_t pref_from_bits(uint8_t bits)
{
    switch (bits & 3) {
    case 1:
        return RA_PREF_HIGH;
    case 3:
        return RA_PREF_LOW;
    default:
        return RA_PREF_MED; /* 00; a RIO with 10 (reserved) is dropped before */
    }
}

size_t ra_build(const struct ra_msg *m, uint8_t *buf, size_t cap)
{
    struct wr w = wr_init(buf, cap);

    if (m->n_pio > RA_MAX_PIO || m->n_rio > RA_MAX_RIO)
        return 0;
    wr_u8(&w, RA_ICMP6_RA);
    wr_u8(&w, 0);
    wr_be16(&w, 0); /* checksum: the kernel's */
    wr_u8(&w, m->cur_hop_limit);
    wr_u8(&w, m->flags);
    wr_be16(&w, m->router_lifetime_s);
    wr_be32(&w, m->reachable_ms);
    wr_be32(&w, m->retrans_ms);
    if (m->has_slla) {
        wr_u8(&w, RA_OPT_SLLA);
        wr_u8(&w, 1);
        wr_bytes(&w, m->slla, 6);
    }
    for (unsigned i = 0; i < m->n_pio; i++) {
        const struct ra_pio *p = &m->pio[i];
        uint8_t pfx[16];

        if (p->prefix.len > 128)
            return 0;
        memcpy(pfx, p->prefix.addr, 16);
        addr_mask(pfx, 16, p->prefix.len);
        wr_u8(&w, RA_OPT_PIO);
        wr_u8(&w, 4);
        wr_u8(&w, p->prefix.len);
        wr_u8(&w, (uint8_t)((p->on_link ? 0x80 : 0) | (p->autonomous ? 0x40 : 0)));
        wr_be32(&w, p->valid_s);
        wr_be32(&w, p->preferred_s);
        wr_be32(&w, 0);
        wr_bytes(&w, pfx, 16);
    }
    for (unsigned i = 0; i < m->n_rio; i++) {
        const struct ra_rio *r = &m->rio[i];
        uint8_t pfx[16];
        unsigned olen = r->prefix.len == 0 ? 1 : r->prefix.len <= 64 ? 2 : 3;

        if (r->prefix.len > 128)
            return 0;
        memcpy(pfx, r->prefix.addr, 16);
        addr_mask(pfx, 16, r->prefix.len);
        wr_u8(&w, RA_OPT_RIO);
        wr_u8(&w, (uint8_t)olen);
        wr_u8(&w, r->prefix.len);
        wr_u8(&w, (uint8_t)(pref_bits(r->pref) << 3));
        wr_be32(&w, r->lifetime_s);
        wr_bytes(&w, pfx, (olen - 1) * 8);
    }
    return w.ok ? cap - w.left : 0;
}

/* Walks the options after a fixed part; fills m when non-NULL. */
static bool ra_options(struct rd *r, struct ra_msg *m)
{
    while (r->left > 0) {
        uint8_t type, olen;
        struct rd o;

        if (!rd_u8(r, &type) || !rd_u8(r, &olen) || olen == 0 ||
            !rd_sub(r, (size_t)olen * 8 - 2, &o))
            return false;
        if (m == NULL)
            continue;
        switch (type) {
        case RA_OPT_SLLA:
            if (olen == 1 && rd_bytes(&o, m->slla, 6))
                m->has_slla = true;
            break;
        case RA_OPT_PIO: {
            uint8_t plen, fl;
            struct ra_pio p;

            memset(&p, 0, sizeof(p));
            /* A PIO is always 32 octets (RFC 4861 §4.6.2): another Length is
             * that option's error only, ignored as Linux and OpenThread do. */
            if (olen != 4) {
                m->skipped++;
                break;
            }
            if (!rd_u8(&o, &plen) || !rd_u8(&o, &fl) || !rd_be32(&o, &p.valid_s) ||
                !rd_be32(&o, &p.preferred_s) || !rd_skip(&o, 4) || !rd_bytes(&o, p.prefix.addr, 16))
                return false;
            if (plen > 128 || m->n_pio >= RA_MAX_PIO) {
                m->skipped++;
                break;
            }
            p.prefix.len = plen;
            addr_mask(p.prefix.addr, 16, plen);
            p.on_link = (fl & 0x80) != 0;
            p.autonomous = (fl & 0x40) != 0;
            m->pio[m->n_pio++] = p;
            break;
        }
        case RA_OPT_RIO: {
            uint8_t plen, fl;
            struct ra_rio q;

            memset(&q, 0, sizeof(q));
            /* RFC 4191 §2.3: Length 1..3; a longer one is ignored (the
             * option only, as Linux and OpenThread). */
            if (olen > 3) {
                m->skipped++;
                break;
            }
            if (!rd_u8(&o, &plen) || !rd_u8(&o, &fl) || !rd_be32(&o, &q.lifetime_s))
                return false;
            /* RFC 4191 §2.3: Length 1 for /0, 2 up to /64, 3 up to /128;
             * and "If the Reserved (10) value is received, the Route
             * Information Option MUST be ignored." */
            if (plen > 128 || (plen > 64 && olen < 3) || (plen > 0 && olen < 2) ||
                ((fl >> 3) & 3) == 2 || m->n_rio >= RA_MAX_RIO) {
                m->skipped++;
                break;
            }
            rd_bytes(&o, q.prefix.addr, o.left > 16 ? 16 : o.left);
            q.prefix.len = plen;
            addr_mask(q.prefix.addr, 16, plen);
            q.pref = pref_from_bits((uint8_t)(fl >> 3));
            m->rio[m->n_rio++] = q;
            break;
        }
        case RA_OPT_PREF64: {
            uint16_t sl;
            struct ra_pref64 q;

            memset(&q, 0, sizeof(q));
            /* RFC 8781 §4: "The receiver MUST ignore the PREF64 option if
             * the Length field value is not 2." (the option, not the RA) */
            if (olen != 2) {
                m->skipped++;
                break;
            }
            if (!rd_be16(&o, &sl) || !rd_bytes(&o, q.prefix.addr, 12))
                return false;
            q.prefix.len = (uint8_t)ra_pref64_plen(sl & 7);
            q.lifetime_s = (uint32_t)(sl >> 3) * 8u;
            if (q.prefix.len == 0 || m->n_pref64 >= RA_MAX_PREF64) {
                m->skipped++; /* RFC 8781 §4: an unknown PLC is ignored */
                break;
            }
            addr_mask(q.prefix.addr, 16, q.prefix.len);
            m->pref64[m->n_pref64++] = q;
            break;
        }
        default:
            break;
        }
    }
    return true;
}

bool ra_parse(const uint8_t *buf, size_t len, struct ra_msg *out)
{
    struct rd r = rd_init(buf, len);
    uint8_t type, code;

    memset(out, 0, sizeof(*out));
    if (!rd_u8(&r, &type) || !rd_u8(&r, &code) || type != RA_ICMP6_RA || code != 0 ||
        !rd_skip(&r, 2) || !rd_u8(&r, &out->cur_hop_limit) || !rd_u8(&r, &out->flags) ||
        !rd_be16(&r, &out->router_lifetime_s) || !rd_be32(&r, &out->reachable_ms) ||
        !rd_be32(&r, &out->retrans_ms))
        return false;
    return ra_options(&r, out);
}

bool ra_is_rs(const uint8_t *buf, size_t len)
{
    struct rd r = rd_init(buf, len);
    uint8_t type, code;

    if (!rd_u8(&r, &type) || !rd_u8(&r, &code) || type != RA_ICMP6_RS || code != 0 ||
        !rd_skip(&r, 6))
        return false;
    return ra_options(&r, NULL);
}
