/*
 * br/ra: the Router Advertisement / Router Solicitation codec.
 *
 *   - build -> parse round trips (SLLA, PIOs with L/A and lifetimes, RIOs
 *     with every preference and the prefix lengths at each option-length
 *     step of RFC 4191 §2.3), the bytes on the wire, the cap contract;
 *   - hand-made vectors in tests/vectors/ra/ (README.md there says what
 *     each is) parsed to exact field values, PREF64 with every PLC;
 *   - hostile input: zero-length and overrunning options, truncation at
 *     every byte, options the RFCs say to ignore, more options than the
 *     arrays hold, wrong ICMPv6 type/code;
 *   - a real peer: an RA from ra_build, in a pcap (Ethernet + IPv6 +
 *     ICMPv6 with its checksum), decoded by tshark (skipped without it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "br/ra.h"
#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

/* ---- helpers ----------------------------------------------------------- */

/* A vector from tests/vectors/ra/: hex digits, whitespace ignored, '#' to
 * the end of the line is a comment. */
static size_t read_vec(const char *name, uint8_t *buf, size_t cap)
{
    char path[1024];
    const char *dir = getenv("TBR_VECTORS");
    size_t len = 0;
    int hi = -1, c;
    FILE *fp;

    if (dir) {
        snprintf(path, sizeof(path), "%s/ra/%s", dir, name);
    } else {
        const char *f = __FILE__, *end = strrchr(f, '/');
        snprintf(path, sizeof(path), "%.*s/../vectors/ra/%s", end ? (int)(end - f) : 1,
                 end ? f : ".", name);
    }
    fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open vector %s", path);
    while ((c = fgetc(fp)) != EOF) {
        int v = 0;

        if (c == '#') {
            while ((c = fgetc(fp)) != EOF && c != '\n')
                ;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            continue;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            fail_msg("%s: bad character '%c'", path, c);
        if (hi < 0) {
            hi = v;
        } else {
            assert_true(len < cap);
            buf[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    fclose(fp);
    assert_int_equal(hi, -1); /* an even number of digits */
    return len;
}

static struct addr_prefix6 pfx(const char *s)
{
    struct addr_prefix6 p;

    if (!addr_parse_prefix6(s, &p))
        fail_msg("bad prefix %s", s);
    return p;
}

static void assert_prefix(const struct addr_prefix6 *got, const char *want)
{
    struct addr_prefix6 w = pfx(want);
    char a[ADDR_STR6], b[ADDR_STR6];

    if (got->len != w.len || memcmp(got->addr, w.addr, 16) != 0)
        fail_msg("prefix %s/%u, want %s/%u", addr_fmt6(got->addr, a), got->len,
                 addr_fmt6(w.addr, b), w.len);
}

static void assert_pio(const struct ra_pio *p, const char *prefix, bool l, bool a, uint32_t valid,
                       uint32_t preferred)
{
    assert_prefix(&p->prefix, prefix);
    assert_int_equal(p->on_link, l);
    assert_int_equal(p->autonomous, a);
    assert_int_equal(p->valid_s, valid);
    assert_int_equal(p->preferred_s, preferred);
}

static void assert_rio(const struct ra_rio *r, const char *prefix, int pref, uint32_t lifetime)
{
    assert_prefix(&r->prefix, prefix);
    assert_int_equal(r->pref, pref);
    assert_int_equal(r->lifetime_s, lifetime);
}

static void assert_prefix_eq(const struct addr_prefix6 *a, const struct addr_prefix6 *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->addr, b->addr, 16);
}

/* Every field of two messages. */
static void assert_msg_eq(const struct ra_msg *a, const struct ra_msg *b)
{
    assert_int_equal(a->cur_hop_limit, b->cur_hop_limit);
    assert_int_equal(a->flags, b->flags);
    assert_int_equal(a->router_lifetime_s, b->router_lifetime_s);
    assert_int_equal(a->reachable_ms, b->reachable_ms);
    assert_int_equal(a->retrans_ms, b->retrans_ms);
    assert_int_equal(a->has_slla, b->has_slla);
    if (a->has_slla)
        assert_memory_equal(a->slla, b->slla, 6);
    assert_int_equal(a->n_pio, b->n_pio);
    for (unsigned i = 0; i < a->n_pio; i++) {
        assert_prefix_eq(&a->pio[i].prefix, &b->pio[i].prefix);
        assert_int_equal(a->pio[i].on_link, b->pio[i].on_link);
        assert_int_equal(a->pio[i].autonomous, b->pio[i].autonomous);
        assert_int_equal(a->pio[i].valid_s, b->pio[i].valid_s);
        assert_int_equal(a->pio[i].preferred_s, b->pio[i].preferred_s);
    }
    assert_int_equal(a->n_rio, b->n_rio);
    for (unsigned i = 0; i < a->n_rio; i++) {
        assert_prefix_eq(&a->rio[i].prefix, &b->rio[i].prefix);
        assert_int_equal(a->rio[i].pref, b->rio[i].pref);
        assert_int_equal(a->rio[i].lifetime_s, b->rio[i].lifetime_s);
    }
    assert_int_equal(a->n_pref64, b->n_pref64);
    for (unsigned i = 0; i < a->n_pref64; i++) {
        assert_prefix_eq(&a->pref64[i].prefix, &b->pref64[i].prefix);
        assert_int_equal(a->pref64[i].lifetime_s, b->pref64[i].lifetime_s);
    }
    assert_int_equal(a->skipped, b->skipped);
}

/* The (type, length) of each option after the 16-byte RA header. */
static unsigned walk_options(const uint8_t *buf, size_t len, uint8_t types[], uint8_t lens[],
                             unsigned max)
{
    unsigned n = 0;

    for (size_t off = 16; off < len; off += (size_t)buf[off + 1] * 8) {
        assert_true(off + 2 <= len);
        assert_true(buf[off + 1] > 0);
        assert_true(n < max);
        types[n] = buf[off];
        lens[n++] = buf[off + 1];
    }
    return n;
}

static void add_pio(struct ra_msg *m, const char *prefix, bool l, bool a, uint32_t valid,
                    uint32_t preferred)
{
    struct ra_pio *p = &m->pio[m->n_pio++];

    p->prefix = pfx(prefix);
    p->on_link = l;
    p->autonomous = a;
    p->valid_s = valid;
    p->preferred_s = preferred;
}

static void add_rio(struct ra_msg *m, const char *prefix, int pref, uint32_t lifetime)
{
    struct ra_rio *r = &m->rio[m->n_rio++];

    r->prefix = pfx(prefix);
    r->pref = (int8_t)pref;
    r->lifetime_s = lifetime;
}

/*
 * The message of the round trip and tshark tests. Prefixes are written with
 * bits past their length set where noted: ra_build must clear them.
 */
static void sample_msg(struct ra_msg *m)
{
    static const uint8_t slla[6] = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};

    memset(m, 0, sizeof(*m));
    m->cur_hop_limit = 64;
    m->flags = 0x80 | 0x40 | 0x18; /* M, O, Prf 11 (low) */
    m->router_lifetime_s = 1800;
    m->reachable_ms = 30000;
    m->retrans_ms = 1000;
    m->has_slla = true;
    memcpy(m->slla, slla, 6);
    add_pio(m, "2001:db8:1::/64", true, true, 86400, 14400);
    add_pio(m, "fd00:abcd:0:ffff::1/48", true, false, 0xffffffff, 0); /* bits past /48 */
    add_pio(m, "fdde:ad00:beef:cafe::/64", false, true, 0, 0);
    add_rio(m, "2001:db8::1/0", RA_PREF_LOW, 600);              /* bits past /0; Length 1 */
    add_rio(m, "fd12:3456:789a:ffff::/48", RA_PREF_HIGH, 1800); /* Length 2 */
    add_rio(m, "fd00:1:2:3::5/64", RA_PREF_MED, 0);             /* Length 2 */
    add_rio(m, "2001:db8::1/128", RA_PREF_HIGH, 0xffffffff);    /* Length 3 */
    add_rio(m, "2001:db8:1:2:ffff::/65", RA_PREF_LOW, 300);     /* Length 3 */
    add_rio(m, "ffff::/1", RA_PREF_MED, 1);                     /* Length 2 */
}

/* What parsing sample_msg's bytes must give: the prefixes cleared past
 * their length (written out here, not computed with addr_mask). */
static void sample_expected(struct ra_msg *m)
{
    sample_msg(m);
    m->pio[1].prefix = pfx("fd00:abcd::/48");
    m->rio[0].prefix = pfx("::/0");
    m->rio[1].prefix = pfx("fd12:3456:789a::/48");
    m->rio[2].prefix = pfx("fd00:1:2:3::/64");
    m->rio[4].prefix = pfx("2001:db8:1:2:8000::/65");
    m->rio[5].prefix = pfx("8000::/1");
}

/* ---- build -> parse ---------------------------------------------------- */

static void test_round_trip(void **state)
{
    struct ra_msg m, want, got;
    uint8_t buf[RA_MSG_MAX];
    size_t len;

    (void)state;
    sample_msg(&m);
    sample_expected(&want);
    len = ra_build(&m, buf, sizeof(buf));
    /* 16 header + 8 SLLA + 3 x 32 PIO + RIO 8 + 16 + 16 + 24 + 24 + 16 */
    assert_int_equal(len, 16 + 8 + 96 + 104);
    assert_true(ra_parse(buf, len, &got));
    assert_msg_eq(&got, &want);

    /* Every flag bit and no option at all. */
    memset(&m, 0, sizeof(m));
    m.flags = 0xff;
    m.cur_hop_limit = 255;
    m.router_lifetime_s = 0xffff;
    m.reachable_ms = 0xffffffff;
    m.retrans_ms = 0x01020304;
    len = ra_build(&m, buf, sizeof(buf));
    assert_int_equal(len, 16);
    assert_true(ra_parse(buf, len, &got));
    assert_msg_eq(&got, &m);
}

static void test_build_wire(void **state)
{
    static const uint8_t types[] = {RA_OPT_SLLA, RA_OPT_PIO, RA_OPT_PIO, RA_OPT_PIO, RA_OPT_RIO,
                                    RA_OPT_RIO,  RA_OPT_RIO, RA_OPT_RIO, RA_OPT_RIO, RA_OPT_RIO};
    /* RFC 4191 §2.3: Length 1 for /0, 2 up to /64, 3 above. */
    static const uint8_t lens[] = {1, 4, 4, 4, 1, 2, 2, 3, 3, 2};
    static const uint8_t hdr[16] = {134, 0, 0,    0,    64, 0xd8, 0x07, 0x08,
                                    0,   0, 0x75, 0x30, 0,  0,    0x03, 0xe8};
    uint8_t got_t[16], got_l[16], buf[RA_MSG_MAX];
    struct ra_msg m;
    size_t len;
    unsigned n;

    (void)state;
    sample_msg(&m);
    len = ra_build(&m, buf, sizeof(buf));
    assert_memory_equal(buf, hdr, 16); /* checksum left 0 */
    n = walk_options(buf, len, got_t, got_l, 16);
    assert_int_equal(n, 1 + 3 + 6);
    assert_memory_equal(got_t, types, sizeof(types));
    assert_memory_equal(got_l, lens, sizeof(lens));
    /* SLLA, then PIO 2 at 56: fd00:abcd::/48, L only, bits past /48 zero. */
    assert_memory_equal(buf + 18, m.slla, 6);
    {
        static const uint8_t pio2[32] = {
            3,    4,    48,   0x80, 0xff, 0xff, 0xff, 0xff, /* L; valid infinite */
            0,    0,    0,    0,    0,    0,    0,    0,    /* preferred 0; reserved */
            0xfd, 0x00, 0xab, 0xcd, 0,    0,    0,    0,    /* fd00:abcd:: */
            0,    0,    0,    0,    0,    0,    0,    0,
        };
        assert_memory_equal(buf + 56, pio2, 32);
    }
    /* RIO /0 at 120 (no prefix bytes), /48 at 128 (Prf 01, bits cleared). */
    {
        static const uint8_t rio0[8] = {24, 1, 0, 0x18, 0, 0, 0x02, 0x58};
        static const uint8_t rio1[16] = {24,   2,    48,   0x08, 0,    0,    0x07, 0x08,
                                         0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0,    0};
        assert_memory_equal(buf + 120, rio0, 8);
        assert_memory_equal(buf + 128, rio1, 16);
    }
}

/* ra.h: "Returns the length, or 0 when it does not fit in cap". */
static void test_build_cap(void **state)
{
    uint8_t buf[RA_MSG_MAX + 8];
    struct ra_msg m;
    size_t len;

    (void)state;
    sample_msg(&m);
    len = ra_build(&m, buf, sizeof(buf));
    assert_true(len > 0);
    for (size_t cap = 0; cap < len; cap++) {
        memset(buf, 0xa5, sizeof(buf));
        assert_int_equal(ra_build(&m, buf, cap), 0);
        for (size_t i = cap; i < sizeof(buf); i++)
            assert_int_equal(buf[i], 0xa5); /* nothing written past cap */
    }
    assert_int_equal(ra_build(&m, buf, len), len);
    assert_int_equal(ra_build(&m, NULL, 0), 0);

    /* RA_MSG_MAX holds the largest message: SLLA, RA_MAX_PIO PIOs and
     * RA_MAX_RIO RIOs of /128 (Length 3). */
    memset(&m, 0, sizeof(m));
    m.has_slla = true;
    for (unsigned i = 0; i < RA_MAX_PIO; i++)
        add_pio(&m, "2001:db8::/64", true, true, 1, 1);
    for (unsigned i = 0; i < RA_MAX_RIO; i++)
        add_rio(&m, "2001:db8::1/128", RA_PREF_MED, 1);
    len = ra_build(&m, buf, RA_MSG_MAX);
    assert_int_equal(len, 16 + 8 + RA_MAX_PIO * 32 + RA_MAX_RIO * 24);
}

/* ra.h: 0 for "an entry is invalid (prefix length > 128, counts above the
 * array sizes)"; PREF64 entries are not written. */
static void test_build_invalid(void **state)
{
    uint8_t buf[RA_MSG_MAX];
    struct ra_msg m, got;
    size_t len;

    (void)state;
    sample_msg(&m);
    m.pio[2].prefix.len = 129;
    assert_int_equal(ra_build(&m, buf, sizeof(buf)), 0);
    sample_msg(&m);
    m.rio[3].prefix.len = 200;
    assert_int_equal(ra_build(&m, buf, sizeof(buf)), 0);
    sample_msg(&m);
    m.n_pio = RA_MAX_PIO + 1;
    assert_int_equal(ra_build(&m, buf, sizeof(buf)), 0);
    sample_msg(&m);
    m.n_rio = RA_MAX_RIO + 1;
    assert_int_equal(ra_build(&m, buf, sizeof(buf)), 0);

    memset(&m, 0, sizeof(m));
    m.n_pref64 = 1;
    m.pref64[0].prefix = pfx("64:ff9b::/96");
    m.pref64[0].lifetime_s = 600;
    len = ra_build(&m, buf, sizeof(buf));
    assert_int_equal(len, 16);
    assert_true(ra_parse(buf, len, &got));
    assert_int_equal(got.n_pref64, 0);
}

/* ---- hand-made vectors --------------------------------------------------- */

/* Option boundaries of ra-full.hex: header, SLLA, PIO, PIO, MTU, RIO/0,
 * RIO/48, RIO/128, RDNSS, PREF64. */
static const size_t full_ends[] = {16, 24, 56, 88, 96, 104, 120, 144, 168, 184};

static void test_vec_full(void **state)
{
    static const uint8_t slla[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};
    uint8_t buf[512];
    struct ra_msg m;
    size_t len;

    (void)state;
    len = read_vec("ra-full.hex", buf, sizeof(buf));
    assert_int_equal(len, 184);
    assert_true(ra_parse(buf, len, &m));
    assert_int_equal(m.cur_hop_limit, 64);
    assert_int_equal(m.flags, 0xc8);
    assert_int_equal(m.router_lifetime_s, 1800);
    assert_int_equal(m.reachable_ms, 30000);
    assert_int_equal(m.retrans_ms, 1000);
    assert_true(m.has_slla);
    assert_memory_equal(m.slla, slla, 6);
    assert_int_equal(m.n_pio, 2);
    assert_pio(&m.pio[0], "2001:db8:1::/64", true, true, 86400, 14400);
    assert_pio(&m.pio[1], "fd00:abcd::/48", true, false, 0xffffffff, 0);
    assert_int_equal(m.n_rio, 3);
    assert_rio(&m.rio[0], "::/0", RA_PREF_LOW, 600);
    assert_rio(&m.rio[1], "fd12:3456:789a::/48", RA_PREF_HIGH, 1800);
    assert_rio(&m.rio[2], "2001:db8::1/128", RA_PREF_MED, 0xffffffff);
    assert_int_equal(m.n_pref64, 1);
    assert_prefix(&m.pref64[0].prefix, "64:ff9b::/96");
    assert_int_equal(m.pref64[0].lifetime_s, 600);
    /* MTU and RDNSS are not decoded; unknown is not "skipped". */
    assert_int_equal(m.skipped, 0);
}

/* RFC 8781 §4: PLC 0..5 -> /96, /64, /56, /48, /40, /32; lifetime is the
 * 13-bit scaled lifetime x 8. The same 12 prefix bytes in every file:
 * 2001:db8:102:304:506:708. */
static void test_vec_pref64(void **state)
{
    static const struct {
        const char *file, *prefix;
        uint32_t lifetime;
    } v[] = {
        {"pref64-plc0.hex", "2001:db8:102:304:506:708::/96", 8},
        {"pref64-plc1.hex", "2001:db8:102:304::/64", 600},
        {"pref64-plc2.hex", "2001:db8:102:300::/56", 1800},
        {"pref64-plc3.hex", "2001:db8:102::/48", 65528},
        {"pref64-plc4.hex", "2001:db8:100::/40", 0},
        {"pref64-plc5.hex", "2001:db8::/32", 3600},
    };
    uint8_t buf[64];
    struct ra_msg m;

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t len = read_vec(v[i].file, buf, sizeof(buf));

        assert_int_equal(len, 32);
        assert_true(ra_parse(buf, len, &m));
        assert_int_equal(m.n_pref64, 1);
        assert_prefix(&m.pref64[0].prefix, v[i].prefix);
        assert_int_equal(m.pref64[0].lifetime_s, v[i].lifetime);
        assert_int_equal(m.skipped, 0);
        assert_int_equal(m.n_pio + m.n_rio, 0);
    }
}

/* PLC 6 and 7 are skipped (RFC 8781 §4 "unknown PLC"); a PREF64 whose
 * Length is not 2 is ignored — the option only, not the RA. */
static void test_vec_pref64_bad(void **state)
{
    uint8_t buf[128];
    struct ra_msg m;
    size_t len;

    (void)state;
    len = read_vec("pref64-bad.hex", buf, sizeof(buf));
    assert_true(ra_parse(buf, len, &m));
    assert_int_equal(m.n_pref64, 1);
    assert_prefix(&m.pref64[0].prefix, "64:ff9b:1::/64");
    assert_int_equal(m.pref64[0].lifetime_s, 1800);
    assert_int_equal(m.skipped, 4);
}

/* RFC 4191 §2.3: a Length too small for the Prefix Length, a Prefix Length
 * above 128, and Prf 10 (reserved) each make that RIO ignored; the RA and
 * the last, valid RIO (Length 3 for a /64 is allowed) are kept. */
static void test_vec_rio_bad(void **state)
{
    uint8_t buf[128];
    struct ra_msg m;
    size_t len;

    (void)state;
    len = read_vec("rio-bad.hex", buf, sizeof(buf));
    assert_true(ra_parse(buf, len, &m));
    assert_int_equal(m.n_rio, 1);
    assert_rio(&m.rio[0], "2001:db8:0:2::/64", RA_PREF_LOW, 300);
    assert_int_equal(m.skipped, 4);
}

static void test_vec_hostile(void **state)
{
    static const char *bad[] = {"bad-optlen0.hex", "bad-optpastend.hex", "bad-truncated.hex",
                                "bad-code.hex", "rs.hex"};
    uint8_t buf[256];
    struct ra_msg m;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t len = read_vec(bad[i], buf, sizeof(buf));

        if (ra_parse(buf, len, &m))
            fail_msg("%s parsed as an RA", bad[i]);
    }
    /* The same messages with the flaw undone do parse: the flaw is what
     * the parser refuses. */
    {
        size_t len = read_vec("bad-optlen0.hex", buf, sizeof(buf));

        buf[25] = 1;
        assert_true(ra_parse(buf, len, &m));
        assert_true(m.has_slla);
        len = read_vec("bad-optpastend.hex", buf, sizeof(buf));
        buf[17] = 3;
        assert_true(ra_parse(buf, len, &m)); /* a PIO of Length 3: that option ignored */
        assert_int_equal(m.n_pio, 0);
        assert_int_equal(m.skipped, 1);
        assert_true(ra_parse(buf, 16, &m));
        len = read_vec("bad-code.hex", buf, sizeof(buf));
        buf[1] = 0;
        assert_true(ra_parse(buf, len, &m));
        assert_int_equal(m.router_lifetime_s, 1800);
    }
}

/* ra-full cut at every length: valid exactly at an option boundary. */
static void test_truncation(void **state)
{
    uint8_t buf[256];
    struct ra_msg m;
    size_t len, k = 0;

    (void)state;
    len = read_vec("ra-full.hex", buf, sizeof(buf));
    for (size_t cut = 0; cut <= len; cut++) {
        bool boundary = k < sizeof(full_ends) / sizeof(full_ends[0]) && cut == full_ends[k];
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */

        assert_non_null(copy);
        memcpy(copy, buf, cut);
        if (ra_parse(copy, cut, &m) != boundary)
            fail_msg("cut at %zu: parse %s", cut, boundary ? "failed" : "succeeded");
        free(copy);
        if (boundary)
            k++;
    }
    assert_int_equal(k, sizeof(full_ends) / sizeof(full_ends[0]));
}

/* Any option of ra-full with its Length set to 0 invalidates the RA
 * (RFC 4861 §6.1.2). */
static void test_zero_length_each(void **state)
{
    uint8_t buf[256];
    struct ra_msg m;
    size_t len;

    (void)state;
    len = read_vec("ra-full.hex", buf, sizeof(buf));
    for (size_t k = 0; k + 1 < sizeof(full_ends) / sizeof(full_ends[0]); k++) {
        uint8_t save = buf[full_ends[k] + 1];

        buf[full_ends[k] + 1] = 0;
        assert_false(ra_parse(buf, len, &m));
        buf[full_ends[k] + 1] = save;
    }
    assert_true(ra_parse(buf, len, &m));
}

/* ---- hostile, built here ----------------------------------------------- */

static void put_ra_header(struct wr *w)
{
    static const uint8_t hdr[16] = {134, 0, 0, 0, 64};

    wr_bytes(w, hdr, sizeof(hdr));
}

static void put_pio(struct wr *w, uint8_t olen, uint8_t plen, unsigned tag)
{
    uint8_t pfx16[16] = {0x20, 0x01, 0x0d, 0xb8, 0, (uint8_t)tag};

    wr_u8(w, RA_OPT_PIO);
    wr_u8(w, olen);
    wr_u8(w, plen);
    wr_u8(w, 0xc0);
    wr_be32(w, 1000 + tag);
    wr_be32(w, 500 + tag);
    wr_be32(w, 0);
    wr_bytes(w, pfx16, 16);
    for (unsigned i = 4; i < olen; i++) { /* padding to a longer Length */
        wr_be32(w, 0);
        wr_be32(w, 0);
    }
}

/* More PIO / RIO / PREF64 than the arrays hold: the first ones are kept in
 * order, the extras counted in skipped. */
static void test_too_many(void **state)
{
    uint8_t buf[1024];
    struct wr w = wr_init(buf, sizeof(buf));
    struct ra_msg m;
    size_t len;

    (void)state;
    put_ra_header(&w);
    for (unsigned i = 0; i < RA_MAX_PIO + 2; i++)
        put_pio(&w, 4, 64, i);
    for (unsigned i = 0; i < RA_MAX_RIO + 1; i++) {
        wr_u8(&w, RA_OPT_RIO);
        wr_u8(&w, 2);
        wr_u8(&w, 64);
        wr_u8(&w, 0x08);
        wr_be32(&w, i);
        wr_be32(&w, 0xfd000000u | i);
        wr_be32(&w, 0);
    }
    for (unsigned i = 0; i < RA_MAX_PREF64 + 1; i++) {
        static const uint8_t p[12] = {0, 0x64, 0xff, 0x9b};

        wr_u8(&w, RA_OPT_PREF64);
        wr_u8(&w, 2);
        wr_be16(&w, (uint16_t)((i + 1) << 3));
        wr_bytes(&w, p, 12);
    }
    assert_true(w.ok);
    len = sizeof(buf) - w.left;
    assert_true(ra_parse(buf, len, &m));
    assert_int_equal(m.n_pio, RA_MAX_PIO);
    for (unsigned i = 0; i < RA_MAX_PIO; i++) {
        char want[32];

        snprintf(want, sizeof(want), "2001:db8:%x::/64", i);
        assert_pio(&m.pio[i], want, true, true, 1000 + i, 500 + i);
    }
    assert_int_equal(m.n_rio, RA_MAX_RIO);
    for (unsigned i = 0; i < RA_MAX_RIO; i++) {
        char want[32];

        snprintf(want, sizeof(want), "fd00:%x::/64", i);
        assert_rio(&m.rio[i], want, RA_PREF_HIGH, i);
    }
    assert_int_equal(m.n_pref64, RA_MAX_PREF64);
    assert_int_equal(m.pref64[1].lifetime_s, 16);
    assert_int_equal(m.skipped, 2 + 1 + 1);
}

/* Known options of the wrong shape: what ra.h documents. */
static void test_malformed_known(void **state)
{
    uint8_t buf[256];
    struct ra_msg m;
    struct wr w;

    (void)state;
    /* PIO of Length 5: that option ignored (as Linux and OpenThread), the
     * next one kept. */
    w = wr_init(buf, sizeof(buf));
    put_ra_header(&w);
    put_pio(&w, 5, 64, 1);
    put_pio(&w, 4, 0, 2);
    assert_true(ra_parse(buf, sizeof(buf) - w.left, &m));
    assert_int_equal(m.n_pio, 1);
    assert_pio(&m.pio[0], "::/0", true, true, 1002, 502);
    assert_int_equal(m.skipped, 1);
    /* PIO with Prefix Length 129: that option skipped. */
    w = wr_init(buf, sizeof(buf));
    put_ra_header(&w);
    put_pio(&w, 4, 129, 1);
    put_pio(&w, 4, 0, 2);
    assert_true(ra_parse(buf, sizeof(buf) - w.left, &m));
    assert_int_equal(m.n_pio, 1);
    assert_pio(&m.pio[0], "::/0", true, true, 1002, 502);
    assert_int_equal(m.skipped, 1);
    /* RIO of Length 4 (RFC 4191 §2.3 allows 1..3): that option ignored. */
    w = wr_init(buf, sizeof(buf));
    put_ra_header(&w);
    wr_u8(&w, RA_OPT_RIO);
    wr_u8(&w, 4);
    for (unsigned i = 0; i < 30; i++)
        wr_u8(&w, 0);
    assert_true(ra_parse(buf, sizeof(buf) - w.left, &m));
    assert_int_equal(m.n_rio, 0);
    assert_int_equal(m.skipped, 1);
    /* SLLA of Length 2 (not Ethernet): not taken, the RA is kept. */
    w = wr_init(buf, sizeof(buf));
    put_ra_header(&w);
    wr_u8(&w, RA_OPT_SLLA);
    wr_u8(&w, 2);
    for (unsigned i = 0; i < 14; i++)
        wr_u8(&w, 0x11);
    assert_true(ra_parse(buf, sizeof(buf) - w.left, &m));
    assert_false(m.has_slla);
    /* An unknown option type with the largest length. */
    {
        static uint8_t big[16 + 255 * 8];

        memset(big, 0, sizeof(big));
        big[0] = 134;
        big[16] = 200;
        big[17] = 255;
        assert_true(ra_parse(big, sizeof(big), &m));
        assert_int_equal(m.skipped, 0);
        assert_false(ra_parse(big, sizeof(big) - 1, &m));
    }
}

static void test_wrong_type(void **state)
{
    uint8_t buf[256];
    struct ra_msg m;
    size_t len;

    (void)state;
    len = read_vec("ra-full.hex", buf, sizeof(buf));
    for (unsigned t = 0; t < 256; t++) {
        buf[0] = (uint8_t)t;
        assert_int_equal(ra_parse(buf, len, &m), t == RA_ICMP6_RA);
    }
    buf[0] = RA_ICMP6_RA;
    for (unsigned c = 1; c < 256; c++) {
        buf[1] = (uint8_t)c;
        assert_false(ra_parse(buf, len, &m));
    }
    assert_false(ra_parse(buf, 0, &m));
}

static void test_is_rs(void **state)
{
    uint8_t buf[256], ra[256];
    size_t len, ralen;

    (void)state;
    len = read_vec("rs.hex", buf, sizeof(buf));
    assert_int_equal(len, 16);
    assert_true(ra_is_rs(buf, len));
    assert_true(ra_is_rs(buf, 8)); /* no options */
    for (size_t cut = 0; cut < 8; cut++)
        assert_false(ra_is_rs(buf, cut));
    for (size_t cut = 9; cut < 16; cut++)
        assert_false(ra_is_rs(buf, cut)); /* option cut short */
    assert_false(ra_is_rs(NULL, 0));
    buf[9] = 0; /* SLLA Length 0 */
    assert_false(ra_is_rs(buf, len));
    buf[9] = 2; /* SLLA running past the end */
    assert_false(ra_is_rs(buf, len));
    buf[9] = 1;
    buf[8] = 200; /* unknown option: fine */
    assert_true(ra_is_rs(buf, len));
    buf[1] = 1; /* code 1 */
    assert_false(ra_is_rs(buf, len));
    buf[1] = 0;
    buf[0] = RA_ICMP6_RA;
    assert_false(ra_is_rs(buf, len));

    ralen = read_vec("ra-full.hex", ra, sizeof(ra));
    assert_false(ra_is_rs(ra, ralen));
    ra[0] = RA_ICMP6_RS; /* an RA body read as RS options: garbage */
    assert_false(ra_is_rs(ra, ralen));
    memset(ra, 0xff, sizeof(ra));
    assert_false(ra_is_rs(ra, sizeof(ra)));
}

/* ---- helpers of ra.h ---------------------------------------------------- */

static void test_pref64_plen(void **state)
{
    static const unsigned want[8] = {96, 64, 56, 48, 40, 32, 0, 0};

    (void)state;
    for (unsigned plc = 0; plc < 8; plc++)
        assert_int_equal(ra_pref64_plen(plc), want[plc]);
    assert_int_equal(ra_pref64_plen(8), 0);
    assert_int_equal(ra_pref64_plen(0xffffffffu), 0);
}

/*
 * OpenThread's RoutingManager (OnLinkPrefixManager::GenerateLocalPrefix):
 * fd, then Global ID = the 40 most significant bits of the Extended PAN ID,
 * Subnet ID = its 16 least significant bits; /64. Byte 5 of the Extended PAN
 * ID is not used. Expected values written out by hand.
 */
static void test_onlink_prefix(void **state)
{
    static const uint8_t x1[8] = {0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe};
    static const uint8_t x2[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    static const uint8_t x3[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x99, 0x77, 0x88};
    struct addr_prefix6 p, q;

    (void)state;
    memset(&p, 0xee, sizeof(p));
    ra_onlink_prefix_from_xpanid(x1, &p);
    assert_prefix(&p, "fdde:ad00:beef:cafe::/64");
    ra_onlink_prefix_from_xpanid(x2, &p);
    assert_prefix(&p, "fd11:2233:4455:7788::/64");
    ra_onlink_prefix_from_xpanid(x3, &q);
    assert_prefix_eq(&p, &q); /* byte 5 ignored */
}

/* ---- tshark ---------------------------------------------------------- */

static void put32(FILE *f, uint32_t v)
{
    assert_int_equal(fwrite(&v, 4, 1, f), 1);
}

/* One Ethernet frame: 02:00:5e:00:53:01 -> 33:33:00:00:00:01, IPv6
 * fe80::200:5eff:fe00:5301 -> ff02::1, hop limit 255, the ICMPv6 message
 * with its checksum filled (RFC 4443 §2.3). */
static void write_pcap(const char *path, const uint8_t *icmp, size_t len)
{
    static const uint8_t src[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                    0x02, 0x00, 0x5e, 0xff, 0xfe, 0x00, 0x53, 0x01};
    static const uint8_t dst[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t eth[14] = {0x33, 0x33, 0,    0,    0,    1,    0x02,
                                    0x00, 0x5e, 0x00, 0x53, 0x01, 0x86, 0xdd};
    uint8_t frame[14 + 40 + RA_MSG_MAX];
    uint8_t *ip = frame + 14, *msg = ip + 40;
    uint16_t ck;
    FILE *f;

    assert_true(len <= RA_MSG_MAX);
    memcpy(frame, eth, 14);
    memset(ip, 0, 40);
    ip[0] = 0x60;
    ip[4] = (uint8_t)(len >> 8);
    ip[5] = (uint8_t)len;
    ip[6] = 58;
    ip[7] = 255;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    memcpy(msg, icmp, len);
    msg[2] = msg[3] = 0;
    ck = csum_finish(csum_add(csum_pseudo6(src, dst, 58, (uint32_t)len), msg, len));
    msg[2] = (uint8_t)(ck >> 8);
    msg[3] = (uint8_t)ck;

    f = fopen(path, "wb");
    assert_non_null(f);
    put32(f, 0xa1b2c3d4); /* native order; readers detect it */
    put32(f, 2 | 4u << 16);
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, 1); /* LINKTYPE_ETHERNET */
    put32(f, 1700000000);
    put32(f, 0);
    put32(f, (uint32_t)(14 + 40 + len));
    put32(f, (uint32_t)(14 + 40 + len));
    assert_int_equal(fwrite(frame, 14 + 40 + len, 1, f), 1);
    assert_int_equal(fclose(f), 0);
}

/* Appends a ",%s" list item (no comma before the first). */
static void item(char *s, size_t cap, const char *fmt, ...)
{
    size_t n = strlen(s);
    va_list ap;

    if (n > 0 && s[n - 1] != '\t')
        n += (size_t)snprintf(s + n, cap - n, ",");
    va_start(ap, fmt);
    vsnprintf(s + n, cap - n, fmt, ap);
    va_end(ap);
}

static void field_end(char *s, size_t cap)
{
    size_t n = strlen(s);

    snprintf(s + n, cap - n, "\t");
}

static const char *tshark_fields[] = {
    "icmpv6.checksum.status",
    "icmpv6.type",
    "icmpv6.code",
    "icmpv6.nd.ra.cur_hop_limit",
    "icmpv6.nd.ra.flag",
    "icmpv6.nd.ra.router_lifetime",
    "icmpv6.nd.ra.reachable_time",
    "icmpv6.nd.ra.retrans_timer",
    "icmpv6.opt.type",
    "icmpv6.opt.length",
    "icmpv6.opt.src_linkaddr",
    "icmpv6.opt.prefix.length", /* PIO and RIO alike, in option order */
    "icmpv6.opt.prefix",        /* ditto; a RIO of Length 1 has none */
    "icmpv6.opt.prefix.flag.l",
    "icmpv6.opt.prefix.flag.a",
    "icmpv6.opt.prefix.valid_lifetime",
    "icmpv6.opt.prefix.preferred_lifetime",
    "icmpv6.opt.route_info.flag.route_preference",
    "icmpv6.opt.route_lifetime",
    "_ws.expert",
    "_ws.malformed",
};

/* What tshark must print for m (sample_expected's values, tab-separated
 * fields, comma-separated occurrences). */
static void tshark_expected(const struct ra_msg *m, char *s, size_t cap)
{
    char a[ADDR_STR6];

    s[0] = '\0';
    item(s, cap, "1"); /* checksum good */
    field_end(s, cap);
    item(s, cap, "134");
    field_end(s, cap);
    item(s, cap, "0");
    field_end(s, cap);
    item(s, cap, "%u", m->cur_hop_limit);
    field_end(s, cap);
    item(s, cap, "0x%02x", m->flags);
    field_end(s, cap);
    item(s, cap, "%u", m->router_lifetime_s);
    field_end(s, cap);
    item(s, cap, "%u", (unsigned)m->reachable_ms);
    field_end(s, cap);
    item(s, cap, "%u", (unsigned)m->retrans_ms);
    field_end(s, cap);
    item(s, cap, "1");
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "3");
    for (unsigned i = 0; i < m->n_rio; i++)
        item(s, cap, "24");
    field_end(s, cap);
    item(s, cap, "1");
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "4");
    for (unsigned i = 0; i < m->n_rio; i++) {
        unsigned l = m->rio[i].prefix.len;
        item(s, cap, "%u", l == 0 ? 1 : l <= 64 ? 2 : 3);
    }
    field_end(s, cap);
    item(s, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m->slla[0], m->slla[1], m->slla[2], m->slla[3],
         m->slla[4], m->slla[5]);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%u", m->pio[i].prefix.len);
    for (unsigned i = 0; i < m->n_rio; i++)
        item(s, cap, "%u", m->rio[i].prefix.len);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%s", addr_fmt6(m->pio[i].prefix.addr, a));
    for (unsigned i = 0; i < m->n_rio; i++)
        if (m->rio[i].prefix.len > 0)
            item(s, cap, "%s", addr_fmt6(m->rio[i].prefix.addr, a));
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%d", m->pio[i].on_link);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%d", m->pio[i].autonomous);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%u", (unsigned)m->pio[i].valid_s);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_pio; i++)
        item(s, cap, "%u", (unsigned)m->pio[i].preferred_s);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_rio; i++)
        item(s, cap, "%u", m->rio[i].pref > 0 ? 1u : m->rio[i].pref < 0 ? 3u : 0u);
    field_end(s, cap);
    for (unsigned i = 0; i < m->n_rio; i++)
        item(s, cap, "%u", (unsigned)m->rio[i].lifetime_s);
    field_end(s, cap);
    field_end(s, cap); /* no expert info; then nothing malformed (the last field) */
}

/* Newer tshark prints booleans as True/False, 4.0 as 1/0. */
static void normalize_bools(char *s)
{
    static const struct {
        const char *from, *to;
    } r[] = {{"True", "1"}, {"False", "0"}};

    for (size_t k = 0; k < 2; k++) {
        char *p;
        size_t fl = strlen(r[k].from), tl = strlen(r[k].to);

        while ((p = strstr(s, r[k].from)) != NULL) {
            memcpy(p, r[k].to, tl);
            memmove(p + tl, p + fl, strlen(p + fl) + 1);
        }
    }
}

static void test_tshark(void **state)
{
    const char *tshark = getenv("TSHARK") ? getenv("TSHARK") : "tshark";
    char cmd[4096], dir[] = "/tmp/tbr-ra.XXXXXX", path[64], out[4096], want[4096];
    struct ra_msg m, expect;
    uint8_t buf[RA_MSG_MAX];
    size_t len, n;
    FILE *p;

    (void)state;
    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", tshark);
    if (system(cmd) != 0) {
        print_message("tshark not installed: cross-check skipped\n");
        skip();
    }
    sample_msg(&m);
    sample_expected(&expect);
    len = ra_build(&m, buf, sizeof(buf));
    assert_true(len > 0);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/ra.pcap", dir);
    write_pcap(path, buf, len);

    n = (size_t)snprintf(cmd, sizeof(cmd),
                         "HOME='%s' XDG_CONFIG_HOME='%s' '%s' -n -r '%s' -T fields", dir, dir,
                         tshark, path);
    for (size_t i = 0; i < sizeof(tshark_fields) / sizeof(tshark_fields[0]); i++)
        n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " -e %s", tshark_fields[i]);
    snprintf(cmd + n, sizeof(cmd) - n, " 2>/dev/null");
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    assert_null(strchr(out, '\n')); /* one packet */
    normalize_bools(out);

    tshark_expected(&expect, want, sizeof(want));
    if (strcmp(out, want) != 0) {
        print_error("tshark: %s\nwant:   %s\n", out, want);
        fail_msg("tshark decodes the RA differently (kept %s)", path);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_build_wire),
        cmocka_unit_test(test_build_cap),
        cmocka_unit_test(test_build_invalid),
        cmocka_unit_test(test_vec_full),
        cmocka_unit_test(test_vec_pref64),
        cmocka_unit_test(test_vec_pref64_bad),
        cmocka_unit_test(test_vec_rio_bad),
        cmocka_unit_test(test_vec_hostile),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_zero_length_each),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_malformed_known),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_is_rs),
        cmocka_unit_test(test_pref64_plen),
        cmocka_unit_test(test_onlink_prefix),
        cmocka_unit_test(test_tshark),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
