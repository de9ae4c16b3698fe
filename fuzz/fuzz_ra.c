/*
 * libFuzzer harness for the Router Advertisement codec (src/br/ra.[ch]):
 * arbitrary bytes, as they would arrive on the infrastructure link from the
 * ICMPv6 header on, go through ra_parse and ra_is_rs.
 *
 * Checked invariants (abort on violation):
 *   - ra_parse accepts only type 134 code 0 with the 16-byte fixed part,
 *     whose fields it returns as they are on the wire, and only when the
 *     options tile the rest exactly with no Length 0 (walked here
 *     independently); ra_is_rs likewise for type 133 code 0 after 8 bytes;
 *   - n_pio <= RA_MAX_PIO, n_rio <= RA_MAX_RIO, n_pref64 <= RA_MAX_PREF64,
 *     skipped no more than the options present;
 *   - PIO / RIO prefix lengths <= 128, PREF64 lengths one of 96, 64, 56,
 *     48, 40, 32 with a lifetime that is a multiple of 8 up to 65528; every
 *     bit past a prefix length is 0; a RIO preference is -1, 0 or 1;
 *   - round trip: a parsed message rebuilds (ra_build, into RA_MSG_MAX
 *     bytes), and the rebuilt bytes parse to the same values for every
 *     field ra_build writes: cur_hop_limit, flags, router_lifetime_s,
 *     reachable_ms, retrans_ms, has_slla + slla, n_pio + every pio field,
 *     n_rio + every rio field. PREF64 is parse-only and skipped options are
 *     not rebuilt, so the second parse has n_pref64 == 0 and skipped == 0;
 *     building the second parse gives the same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "br/ra.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Options from off: each Length > 0, the last ending at size. Returns the
 * number of options, or -1. */
static long walk(const uint8_t *b, size_t size, size_t off)
{
    long n = 0;

    while (off < size) {
        if (size - off < 2 || b[off + 1] == 0 || (size_t)b[off + 1] * 8 > size - off)
            return -1;
        off += (size_t)b[off + 1] * 8;
        n++;
    }
    return n;
}

static void check_prefix(const struct addr_prefix6 *p)
{
    CHECK(p->len <= 128);
    for (unsigned bit = p->len; bit < 128; bit++)
        CHECK((p->addr[bit / 8] & (0x80 >> (bit % 8))) == 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_msg(const struct ra_msg *m, const uint8_t *data, size_t size)
{
    long nopt = walk(data, size, 16);

    CHECK(size >= 16 && data[0] == RA_ICMP6_RA && data[1] == 0);
    CHECK(nopt >= 0);
    CHECK(m->cur_hop_limit == data[4] && m->flags == data[5]);
    CHECK(m->router_lifetime_s == (uint16_t)(data[6] << 8 | data[7]));
    CHECK(m->reachable_ms == be32(data + 8) && m->retrans_ms == be32(data + 12));
    CHECK(m->n_pio <= RA_MAX_PIO && m->n_rio <= RA_MAX_RIO && m->n_pref64 <= RA_MAX_PREF64);
    CHECK(m->n_pio + m->n_rio + m->n_pref64 + m->skipped + (m->has_slla ? 1u : 0u) <=
          (unsigned long)nopt);
    for (unsigned i = 0; i < m->n_pio; i++)
        check_prefix(&m->pio[i].prefix);
    for (unsigned i = 0; i < m->n_rio; i++) {
        check_prefix(&m->rio[i].prefix);
        CHECK(m->rio[i].pref >= -1 && m->rio[i].pref <= 1);
    }
    for (unsigned i = 0; i < m->n_pref64; i++) {
        unsigned l = m->pref64[i].prefix.len;

        check_prefix(&m->pref64[i].prefix);
        CHECK(l == 96 || l == 64 || l == 56 || l == 48 || l == 40 || l == 32);
        CHECK(m->pref64[i].lifetime_s % 8 == 0 && m->pref64[i].lifetime_s <= 65528);
    }
}

static void check_same_built(const struct ra_msg *a, const struct ra_msg *b)
{
    CHECK(a->cur_hop_limit == b->cur_hop_limit && a->flags == b->flags);
    CHECK(a->router_lifetime_s == b->router_lifetime_s);
    CHECK(a->reachable_ms == b->reachable_ms && a->retrans_ms == b->retrans_ms);
    CHECK(a->has_slla == b->has_slla);
    CHECK(!a->has_slla || memcmp(a->slla, b->slla, 6) == 0);
    CHECK(a->n_pio == b->n_pio && a->n_rio == b->n_rio);
    for (unsigned i = 0; i < a->n_pio; i++) {
        const struct ra_pio *p = &a->pio[i], *q = &b->pio[i];

        CHECK(p->prefix.len == q->prefix.len && memcmp(p->prefix.addr, q->prefix.addr, 16) == 0);
        CHECK(p->on_link == q->on_link && p->autonomous == q->autonomous);
        CHECK(p->valid_s == q->valid_s && p->preferred_s == q->preferred_s);
    }
    for (unsigned i = 0; i < a->n_rio; i++) {
        const struct ra_rio *p = &a->rio[i], *q = &b->rio[i];

        CHECK(p->prefix.len == q->prefix.len && memcmp(p->prefix.addr, q->prefix.addr, 16) == 0);
        CHECK(p->pref == q->pref && p->lifetime_s == q->lifetime_s);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ra_msg m, again;
    uint8_t buf[RA_MSG_MAX], buf2[RA_MSG_MAX];
    size_t len, len2;

    if (ra_is_rs(data, size))
        CHECK(size >= 8 && data[0] == RA_ICMP6_RS && data[1] == 0 && walk(data, size, 8) >= 0);

    if (!ra_parse(data, size, &m))
        return 0;
    check_msg(&m, data, size);

    len = ra_build(&m, buf, sizeof(buf));
    CHECK(len >= 16);
    CHECK(ra_parse(buf, len, &again));
    check_msg(&again, buf, len);
    check_same_built(&m, &again);
    CHECK(again.n_pref64 == 0 && again.skipped == 0);
    CHECK(!ra_is_rs(buf, len));
    len2 = ra_build(&again, buf2, sizeof(buf2));
    CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    return 0;
}
