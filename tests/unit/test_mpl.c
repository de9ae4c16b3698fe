/*
 * ip6/mpl: MPL (RFC 7731) as OpenThread implements it.
 *
 *   - the option codec against tests/vectors/mpl/options.txt (every S
 *     value, M flag, reserved bits, malformed TLVs with their reason);
 *   - encapsulation against encap.txt (computed by gen.py from OT's
 *     ip6.cpp, the first case is OT's own a/aq from a capture): exact
 *     bytes out, round trips back through mpl_decapsulate, the removal
 *     cases and refused packets; error results of mpl_encapsulate;
 *   - the seed set against the scenarios of seedset.txt (duplicates,
 *     serial order across the wrap, lifetime and refresh, eviction);
 *   - the retransmission schedule of schedule.txt over virtual time with
 *     many random streams and the extreme draws, and OT leaders' timing in
 *     the captures; the relayed bytes equal the captured relay;
 *   - mpl_input's other outcomes and every counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/linevec.h"
#include "ip6/mpl.h"

/* ---- helpers ----------------------------------------------------------- */

#define LINE_MAX_LEN 8192

static enum mpl_drop drop_by_name(const char *name)
{
    for (int d = 0; d < MPL_DROP__COUNT; d++)
        if (strcmp(mpl_drop_str((enum mpl_drop)d), name) == 0)
            return (enum mpl_drop)d;
    fail_msg("unknown mpl_drop name %s", name);
    return MPL_DROP__COUNT;
}

static size_t hex(const char *s, uint8_t *buf, size_t cap)
{
    long n = linevec_hex(s, buf, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static FILE *open_vec(const char *name)
{
    char dir[900], path[1024];
    linevec_dir("mpl", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    return f;
}

/* The next "<key> ..." line (comments and blank lines skipped); NULL at the end. */
static char *next_line(FILE *f, char *line, size_t cap)
{
    while (fgets(line, (int)cap, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] && line[0] != '#')
            return line;
    }
    return NULL;
}

struct xs {
    uint32_t s;
};

static uint32_t xs_rand(void *user)
{
    struct xs *x = user;
    x->s ^= x->s << 13;
    x->s ^= x->s >> 17;
    x->s ^= x->s << 5;
    return x->s;
}

static uint32_t const_rand(void *user)
{
    return *(uint32_t *)user;
}

static const uint8_t ml_rloc[16] = {0xfd, 0x8a, 0xc0, 0x04, 0x2f, 0xf7, 0xed, 0xce,
                                    0,    0,    0,    0xff, 0xfe, 0,    0x18, 0x01};

/* An IPv6/UDP packet to ff03::1 with the MPL option (S = 1, seed) in an
 * 8-byte Hop-by-Hop header; hop limit hl. Returns its length. */
static size_t mpl_pkt(uint8_t *p, uint16_t seed, uint8_t seq, uint8_t hl)
{
    static const uint8_t udp[] = {0x04, 0xd2, 0x16, 0x33, 0x00, 0x0a, 0x12, 0x34, 'h', 'i'};
    memset(p, 0, 40);
    p[0] = 0x60;
    p[5] = 8 + sizeof(udp);
    p[6] = 0;
    p[7] = hl;
    memcpy(p + 8, ml_rloc, 16);
    p[24] = 0xff;
    p[25] = 0x03;
    p[39] = 1;
    uint8_t hbh[8] = {17, 0, 0x6d, 4, 0x40, seq, (uint8_t)(seed >> 8), (uint8_t)seed};
    memcpy(p + 40, hbh, 8);
    memcpy(p + 48, udp, sizeof(udp));
    return 48 + sizeof(udp);
}

/* ---- option codec ------------------------------------------------------ */

static void test_options(void **state)
{
    (void)state;
    FILE *f = open_vec("options.txt");
    char line[LINE_MAX_LEN];
    unsigned good = 0, bad = 0;
    while (next_line(f, line, sizeof(line))) {
        char key[16], a1[64], a2[64], a3[64], a4[64], seed[64], bytes[128], flag[16] = "";
        uint8_t want[64], got[64];
        struct mpl_option o;
        if (sscanf(line, "%15s", key) != 1)
            continue;
        if (strcmp(key, "opt") == 0) {
            assert_true(sscanf(line, "opt %63s %63s %63s %63s %63s %127s %15s", a1, a2, a3, a4,
                               seed, bytes, flag) >= 6);
            size_t n = hex(bytes, want, sizeof(want));
            struct mpl_option e = {.s = (uint8_t)atoi(a1),
                                   .m = atoi(a2) != 0,
                                   .v = atoi(a3) != 0,
                                   .sequence = (uint8_t)atoi(a4)};
            if (strcmp(seed, "-") != 0)
                assert_int_equal(hex(seed, e.seed, sizeof(e.seed)), mpl_seed_len(e.s));
            assert_int_equal(mpl_option_size(e.s), n);
            if (strcmp(flag, "rsv") != 0) {
                size_t len = 0;
                assert_int_equal(mpl_option_encode(&e, got, sizeof(got), &len), OT_ERR_NONE);
                assert_int_equal(len, n);
                assert_memory_equal(got, want, n);
                /* every shorter buffer is refused */
                for (size_t cap = 0; cap < n; cap++)
                    assert_int_equal(mpl_option_encode(&e, got, cap, &len), OT_ERR_NO_BUFS);
            }
            assert_int_equal(mpl_option_decode(want, n, &o), MPL_DROP_NONE);
            assert_int_equal(o.s, e.s);
            assert_int_equal(o.m, e.m);
            assert_int_equal(o.v, e.v);
            assert_int_equal(o.sequence, e.sequence);
            assert_memory_equal(o.seed, e.seed, sizeof(o.seed));
            /* truncated anywhere: refused */
            for (size_t k = 0; k < n; k++)
                assert_int_not_equal(mpl_option_decode(want, k, &o), MPL_DROP_NONE);
            good++;
        } else if (strcmp(key, "bad") == 0) {
            assert_int_equal(sscanf(line, "bad %63s %127s", a1, bytes), 2);
            size_t n = hex(bytes, want, sizeof(want));
            memset(&o, 0x5a, sizeof(o));
            assert_int_equal(mpl_option_decode(want, n, &o), drop_by_name(a1));
            assert_int_equal(o.sequence, 0x5a); /* untouched */
            bad++;
        } else {
            fail_msg("bad line %s", line);
        }
    }
    fclose(f);
    assert_true(good >= 7 && bad >= 9);

    struct mpl_option o = {.s = 4};
    size_t len;
    uint8_t buf[32];
    assert_int_equal(mpl_option_encode(&o, buf, sizeof(buf), &len), OT_ERR_INVALID_ARGS);
    assert_int_equal(mpl_seed_len(4), 0);
}

static void test_seed_id(void **state)
{
    (void)state;
    struct mpl_option o;
    uint16_t seed = 0;
    uint8_t src[16];
    memcpy(src, ml_rloc, 16);
    /* Mpl::InitOption: S = 0 from the ML-RLOC, S = 1 with the RLOC16 otherwise */
    mpl_option_for_source(&o, src, ml_rloc, 0x1801, 9);
    assert_int_equal(o.s, MPL_S_0);
    assert_int_equal(o.sequence, 9);
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_NONE);
    assert_int_equal(seed, 0x1801);
    src[15] = 0x02; /* another RLOC: still a locator, seed from it */
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_NONE);
    assert_int_equal(seed, 0x1802);
    src[11] = 0xfe; /* not 0:ff:fe00:xxxx */
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_SEED_NOT_RLOC);
    mpl_option_for_source(&o, src, ml_rloc, 0x1801, 10);
    assert_int_equal(o.s, MPL_S_2);
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_NONE);
    assert_int_equal(seed, 0x1801);
    o.s = MPL_S_8;
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_SEED_UNSUPPORTED);
    o.s = MPL_S_16;
    assert_int_equal(mpl_option_seed_id(&o, src, &seed), MPL_DROP_SEED_UNSUPPORTED);

    assert_string_equal(mpl_drop_str(MPL_DROP_DUPLICATE), "duplicate");
    assert_string_equal(mpl_drop_str(MPL_DROP__COUNT), "?");
    for (int d = 0; d < MPL_DROP__COUNT; d++)
        assert_non_null(mpl_drop_str((enum mpl_drop)d));
}

/* ---- encapsulation ----------------------------------------------------- */

static void test_encap_vectors(void **state)
{
    (void)state;
    FILE *f = open_vec("encap.txt");
    static char line[LINE_MAX_LEN], a1[LINE_MAX_LEN], a2[LINE_MAX_LEN], a3[LINE_MAX_LEN],
        a4[LINE_MAX_LEN];
    uint8_t in[1400], want[1400], out[1400], back[1400];
    struct mpl m;
    mpl_init(&m, NULL, NULL);
    unsigned encaps = 0, strips = 0, bads = 0;
    while (next_line(f, line, sizeof(line))) {
        char key[16];
        size_t n_in, n_want, n_out = 0, n_back = 0;
        sscanf(line, "%15s", key);
        if (strcmp(key, "identity") == 0) {
            uint8_t rloc[16];
            assert_int_equal(sscanf(line, "identity %s %s", a1, a2), 2);
            assert_int_equal(hex(a1, rloc, sizeof(rloc)), 16);
            mpl_set_identity(&m, rloc, (uint16_t)strtoul(a2, NULL, 16));
        } else if (strcmp(key, "encap") == 0) {
            assert_int_equal(sscanf(line, "encap %s %s %s %s", a1, a2, a3, a4), 4);
            n_in = hex(a3, in, sizeof(in));
            n_want = hex(a4, want, sizeof(want));
            m.sequence = (uint8_t)atoi(a2);
            uint32_t before = m.cnt.encapsulated;
            assert_int_equal(mpl_encapsulate(&m, in, n_in, out, sizeof(out), &n_out), OT_ERR_NONE);
            if (n_out != n_want || memcmp(out, want, n_out) != 0)
                fail_msg("encap %s: output differs", a1);
            bool changed = n_want != n_in;
            assert_int_equal(m.sequence, (uint8_t)(atoi(a2) + (changed ? 1 : 0)));
            assert_int_equal(m.cnt.encapsulated, before + (changed ? 1 : 0));
            /* exactly the size needed is enough, one byte less is not */
            assert_int_equal(mpl_encapsulate(&m, in, n_in, out, n_want, &n_out), OT_ERR_NONE);
            assert_int_equal(mpl_encapsulate(&m, in, n_in, out, n_want - 1, &n_out),
                             OT_ERR_NO_BUFS);
            assert_int_equal(n_out, 0);
            if (changed) {
                struct mpl_option o;
                assert_int_equal(mpl_decapsulate(want, n_want, back, sizeof(back), &n_back, &o),
                                 MPL_DROP_NONE);
                assert_int_equal(n_back, n_in);
                assert_memory_equal(back, in, n_in);
                assert_int_equal(o.sequence, (uint8_t)atoi(a2));
                assert_int_equal(mpl_decapsulate(want, n_want, back, n_in - 1, &n_back, &o),
                                 MPL_DROP_NO_ROOM);
            } else {
                assert_int_equal(mpl_decapsulate(want, n_want, back, sizeof(back), &n_back, NULL),
                                 MPL_DROP_NO_OPTION);
            }
            encaps++;
        } else if (strcmp(key, "strip") == 0) {
            assert_int_equal(sscanf(line, "strip %s %s %s", a1, a3, a4), 3);
            n_in = hex(a3, in, sizeof(in));
            n_want = hex(a4, want, sizeof(want));
            assert_int_equal(mpl_decapsulate(in, n_in, out, sizeof(out), &n_out, NULL),
                             MPL_DROP_NONE);
            if (n_out != n_want || memcmp(out, want, n_out) != 0)
                fail_msg("strip %s: output differs", a1);
            strips++;
        } else if (strcmp(key, "bad") == 0) {
            assert_int_equal(sscanf(line, "bad %s %s", a1, a3), 2);
            n_in = hex(a3, in, sizeof(in));
            n_out = 99;
            enum mpl_drop d = mpl_decapsulate(in, n_in, out, sizeof(out), &n_out, NULL);
            if (d != drop_by_name(a1))
                fail_msg("bad %s: got %s", a1, mpl_drop_str(d));
            assert_int_equal(n_out, 0);
            bads++;
        } else {
            fail_msg("bad line %.60s", line);
        }
    }
    fclose(f);
    assert_true(encaps >= 12 && strips >= 3 && bads >= 16);
}

static void test_encap_errors(void **state)
{
    (void)state;
    struct mpl m;
    uint8_t pkt[1400], out[1400];
    size_t n = mpl_pkt(pkt, 0x1801, 1, 64), out_len = 7;
    /* strip the option: a plain realm-local packet */
    memmove(pkt + 40, pkt + 48, n - 48);
    n -= 8;
    pkt[5] -= 8;
    pkt[6] = 17;
    mpl_init(&m, NULL, NULL);
    assert_int_equal(mpl_encapsulate(&m, pkt, n, out, sizeof(out), &out_len), OT_ERR_INVALID_STATE);
    assert_int_equal(out_len, 0);
    mpl_set_identity(&m, ml_rloc, 0x1801);
    assert_int_equal(mpl_encapsulate(&m, pkt, 39, out, sizeof(out), &out_len), OT_ERR_PARSE);
    pkt[0] = 0x40;
    assert_int_equal(mpl_encapsulate(&m, pkt, n, out, sizeof(out), &out_len), OT_ERR_PARSE);
    pkt[0] = 0x60;
    pkt[5]++; /* payload length past the bytes */
    assert_int_equal(mpl_encapsulate(&m, pkt, n, out, sizeof(out), &out_len), OT_ERR_PARSE);
    pkt[5]--;
    /* bytes past the payload length are not carried */
    assert_int_equal(mpl_encapsulate(&m, pkt, n + 5, out, sizeof(out), &out_len), OT_ERR_NONE);
    assert_int_equal(out_len, n + 8);
    /* a Hop-by-Hop header running past the payload */
    uint8_t h[64] = {0x60, 0, 0, 0, 0, 8, 0, 64};
    h[24] = 0xff;
    h[25] = 0x03;
    h[40] = 17;
    h[41] = 1;
    assert_int_equal(mpl_encapsulate(&m, h, 48, out, sizeof(out), &out_len), OT_ERR_PARSE);
    h[5] = 1;
    assert_int_equal(mpl_encapsulate(&m, h, 41, out, sizeof(out), &out_len), OT_ERR_PARSE);
    /* a tunnel whose payload would pass 65535 */
    static uint8_t big[40 + 65535 + 8];
    memcpy(big, pkt, 40);
    big[4] = 0xff;
    big[5] = 0xff;
    big[25] = 0x05;
    size_t big_out = 0;
    assert_int_equal(mpl_encapsulate(&m, big, 40 + 65535, big, 0, &big_out), OT_ERR_NO_BUFS);
    assert_int_equal(m.cnt.encapsulated, 1);
    assert_int_equal(m.sequence, 1);
}

/* ---- seed set ---------------------------------------------------------- */

static void seed_rx(struct mpl *m, uint16_t seed, uint8_t seq, uint64_t now, enum mpl_drop want,
                    const char *line)
{
    uint8_t p[128];
    size_t n = mpl_pkt(p, seed, seq, 64);
    struct mpl_rx_info info;
    enum mpl_drop d = mpl_input(m, p, n, true, now, &info);
    if (d != want)
        fail_msg("%s: got %s", line, mpl_drop_str(d));
    if (d == MPL_DROP_NONE) {
        assert_true(info.has_option && info.is_new);
        assert_int_equal(info.seed_id, seed);
    }
}

static void test_seedset(void **state)
{
    (void)state;
    FILE *f = open_vec("seedset.txt");
    char line[LINE_MAX_LEN];
    struct mpl m;
    unsigned scenarios = 0, checks = 0;
    while (next_line(f, line, sizeof(line))) {
        char key[16], res[64];
        unsigned seed, seq, n, v;
        unsigned long long now;
        sscanf(line, "%15s", key);
        if (strcmp(key, "scenario") == 0) {
            mpl_init(&m, NULL, NULL);
            mpl_set_role(&m, MPL_ROLE_CHILD); /* nothing buffered: the seed set alone */
            scenarios++;
        } else if (strcmp(key, "rx") == 0) {
            assert_int_equal(sscanf(line, "rx %x %u %llu %63s", &seed, &seq, &now, res), 4);
            seed_rx(&m, (uint16_t)seed, (uint8_t)seq, now, drop_by_name(res), line);
            checks++;
        } else if (strcmp(key, "has") == 0) {
            assert_int_equal(sscanf(line, "has %x %u %llu %u", &seed, &seq, &now, &v), 4);
            if (mpl_seed_has(&m, (uint16_t)seed, (uint8_t)seq, now) != (v != 0))
                fail_msg("%s", line);
            checks++;
        } else if (strcmp(key, "count") == 0) {
            assert_int_equal(sscanf(line, "count %llu %u", &now, &n), 2);
            if (mpl_seed_count(&m, now) != n)
                fail_msg("%s: got %u", line, mpl_seed_count(&m, now));
            checks++;
        } else if (strcmp(key, "fill") == 0) {
            assert_int_equal(sscanf(line, "fill %x %u %u %llu", &seed, &seq, &n, &now), 4);
            for (unsigned i = 0; i < n; i++)
                seed_rx(&m, (uint16_t)seed, (uint8_t)(seq + i), now, MPL_DROP_NONE, line);
        } else if (strcmp(key, "fillseeds") == 0) {
            assert_int_equal(sscanf(line, "fillseeds %x %u %u %llu", &seed, &n, &seq, &now), 4);
            for (unsigned i = 0; i < n; i++)
                seed_rx(&m, (uint16_t)(seed + i), (uint8_t)seq, now, MPL_DROP_NONE, line);
        } else if (strcmp(key, "group") == 0) {
            int off = 0;
            assert_int_equal(sscanf(line, "group %x%n", &seed, &off), 1);
            const char *p = line + off;
            unsigned k = 0;
            for (unsigned i = 0; i < m.n_seeds; i++) {
                if (m.seeds[i].seed_id != seed)
                    continue;
                int used = 0;
                if (sscanf(p, "%u%n", &v, &used) != 1)
                    fail_msg("%s: more entries than listed", line);
                p += used;
                if (m.seeds[i].sequence != v)
                    fail_msg("%s: entry %u is %u", line, k, m.seeds[i].sequence);
                /* a group is contiguous */
                if (k > 0)
                    assert_int_equal(m.seeds[i - 1].seed_id, seed);
                k++;
            }
            if (sscanf(p, "%u", &v) == 1)
                fail_msg("%s: fewer entries than listed", line);
            checks++;
        } else {
            fail_msg("bad line %s", line);
        }
    }
    fclose(f);
    assert_true(scenarios >= 7 && checks >= 60);
}

/* ---- schedule ---------------------------------------------------------- */

struct sent {
    unsigned n;
    uint64_t now;
    uint64_t at[8];
    bool retx[8];
    uint8_t pkt[8][256];
    size_t len[8];
};

static void on_send(void *user, const uint8_t *pkt, size_t len, bool retx)
{
    struct sent *s = user;
    if (s->n < 8) {
        s->at[s->n] = s->now;
        s->retx[s->n] = retx;
        s->len[s->n] = len < 256 ? len : 256;
        memcpy(s->pkt[s->n], pkt, s->len[s->n]);
    }
    s->n++;
}

/* Runs timers from now until nothing is due; each wake-up exactly at
 * mpl_next_timeout_ms. */
static void run(struct mpl *m, struct sent *s, uint64_t now)
{
    for (int guard = 0; guard < 100; guard++) {
        int64_t t = mpl_next_timeout_ms(m, now);
        if (t < 0)
            return;
        now += (uint64_t)t;
        s->now = now;
        mpl_process(m, now, on_send, s);
    }
    fail_msg("timers never settle");
}

static enum mpl_role role_by_name(const char *r)
{
    if (strcmp(r, "router") == 0)
        return MPL_ROLE_ROUTER;
    if (strcmp(r, "child") == 0)
        return MPL_ROLE_CHILD;
    assert_string_equal(r, "detached");
    return MPL_ROLE_DETACHED;
}

static void expect_schedule(const char *role, bool radio, unsigned want, const unsigned lo[2],
                            const unsigned hi[2])
{
    uint64_t min_seen[2] = {UINT64_MAX, UINT64_MAX}, max_seen[2] = {0, 0};
    for (uint32_t seed = 1; seed <= 500; seed++) {
        struct xs x = {seed * 2654435761u};
        struct mpl m;
        struct sent s;
        uint8_t p[128];
        memset(&s, 0, sizeof(s));
        mpl_init(&m, xs_rand, &x);
        mpl_set_role(&m, role_by_name(role));
        size_t n = mpl_pkt(p, 0x4800, 7, 64);
        struct mpl_rx_info info;
        assert_int_equal(mpl_input(&m, p, n, radio, 0, &info), MPL_DROP_NONE);
        assert_int_equal(info.buffered, want > 0);
        run(&m, &s, 0);
        assert_int_equal(s.n, want);
        assert_int_equal(mpl_buffered_count(&m), 0);
        assert_int_equal(m.cnt.tx_retx, want);
        for (unsigned i = 0; i < want && i < 2; i++) {
            assert_in_range(s.at[i], lo[i], hi[i]);
            /* the first of OT's two sends is not marked a retransmission */
            assert_int_equal(s.retx[i], !(radio && i == 0));
            assert_int_equal(s.len[i], n);
            assert_int_equal(s.pkt[i][7], radio ? 63 : 64);
            assert_memory_equal(s.pkt[i] + 8, p + 8, n - 8);
            if (s.at[i] < min_seen[i])
                min_seen[i] = s.at[i];
            if (s.at[i] > max_seen[i])
                max_seen[i] = s.at[i];
        }
    }
    /* 500 streams spread over the windows (not all at one point) */
    for (unsigned i = 0; i < want && i < 2; i++)
        assert_true(max_seen[i] - min_seen[i] >= (hi[i] - lo[i]) / 2);
}

/* The extreme draws: t = 0 twice, t = 63 twice. */
static void test_schedule_extremes(void **state)
{
    (void)state;
    static const uint32_t draws[2] = {0, 63 + 64 * 1000};
    static const uint64_t want[2][2] = {{0, 64}, {63, 127}};
    for (int k = 0; k < 2; k++) {
        struct mpl m;
        struct sent s;
        uint8_t p[128];
        uint32_t r = draws[k];
        memset(&s, 0, sizeof(s));
        mpl_init(&m, const_rand, &r);
        mpl_set_role(&m, MPL_ROLE_ROUTER);
        size_t n = mpl_pkt(p, 0x4800, 7, 64);
        assert_int_equal(mpl_input(&m, p, n, true, 1000, NULL), MPL_DROP_NONE);
        assert_int_equal(mpl_next_timeout_ms(&m, 1000), (int64_t)want[k][0]);
        assert_int_equal(mpl_next_timeout_ms(&m, 5000), 0); /* overdue */
        run(&m, &s, 1000);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.at[0], 1000 + want[k][0]);
        assert_int_equal(s.at[1], 1000 + want[k][1]);
        assert_int_equal(mpl_next_timeout_ms(&m, 2000), -1);
    }
}

static void test_schedule(void **state)
{
    (void)state;
    FILE *f = open_vec("schedule.txt");
    char line[LINE_MAX_LEN];
    unsigned slack = 0, expects = 0, captures = 0;
    while (next_line(f, line, sizeof(line))) {
        char key[16], role[16], origin[16], vec[64];
        unsigned n, lo[2] = {0, 0}, hi[2] = {0, 0}, frame;
        unsigned long long rx, tx1, tx2;
        sscanf(line, "%15s", key);
        if (strcmp(key, "expect") == 0) {
            int k = sscanf(line, "expect %15s %15s %u %u %u %u %u", role, origin, &n, &lo[0],
                           &hi[0], &lo[1], &hi[1]);
            assert_int_equal(k, 3 + 2 * (int)n);
            expect_schedule(role, strcmp(origin, "radio") == 0, n, lo, hi);
            expects++;
        } else if (strcmp(key, "slack") == 0) {
            assert_int_equal(sscanf(line, "slack %u", &slack), 1);
        } else if (strcmp(key, "capture") == 0) {
            assert_int_equal(
                sscanf(line, "capture %63s %u %llu %llu %llu", vec, &frame, &rx, &tx1, &tx2), 5);
            /* the router windows of the first "expect router radio" line */
            assert_in_range(tx1 - rx, 0, 63 + slack);
            assert_in_range(tx2 - rx, 64, 127 + slack);
            assert_true(tx2 > tx1);
            captures++;
        } else {
            fail_msg("bad line %s", line);
        }
    }
    fclose(f);
    assert_true(expects >= 5 && captures >= 2);
}

/* The child's a/aq of the capture, relayed by a router: the relay is the
 * captured leader broadcast (frame 26: the same bytes, hop limit 63). */
static void test_relay_capture(void **state)
{
    (void)state;
    static const char child[] =
        "61c00000002e0040fd8ac0042ff7edce000000fffe001801ff030000000000000000000000000002"
        "11006d0200000100f0bff0bf0026ec4452024cd813d4b161026171ff0010fd8ac0042ff7edce9304"
        "df0b4fcacacf";
    static const char relay[] =
        "61c00000002e003ffd8ac0042ff7edce000000fffe001801ff030000000000000000000000000002"
        "11006d0200000100f0bff0bf0026ec4452024cd813d4b161026171ff0010fd8ac0042ff7edce9304"
        "df0b4fcacacf";
    uint8_t c[128], r[128];
    size_t nc = hex(child, c, sizeof(c)), nr = hex(relay, r, sizeof(r));
    struct xs x = {12345};
    struct mpl m;
    struct sent s;
    memset(&s, 0, sizeof(s));
    mpl_init(&m, xs_rand, &x);
    mpl_set_role(&m, MPL_ROLE_ROUTER);
    struct mpl_rx_info info;
    assert_int_equal(mpl_input(&m, c, nc, true, 12150, &info), MPL_DROP_NONE);
    assert_int_equal(info.seed_id, 0x1801);
    assert_int_equal(info.opt.s, MPL_S_0);
    assert_false(info.tunneled);
    run(&m, &s, 12150);
    assert_int_equal(s.n, 2);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s.len[i], nr);
        assert_memory_equal(s.pkt[i], r, nr);
    }
    /* the relays heard back by the child's parent: duplicates */
    assert_int_equal(mpl_input(&m, r, nr, true, 12200, NULL), MPL_DROP_DUPLICATE);
    assert_int_equal(m.cnt.drops[MPL_DROP_DUPLICATE], 1);
}

/* ---- input outcomes and counters ---------------------------------------- */

static void test_input_outcomes(void **state)
{
    (void)state;
    struct mpl m;
    struct mpl_rx_info info;
    uint8_t p[1400];
    mpl_init(&m, NULL, NULL);
    mpl_set_role(&m, MPL_ROLE_ROUTER);

    /* not an MPL message: no Hop-by-Hop, or none with the option */
    size_t n = mpl_pkt(p, 1, 1, 64);
    p[6] = 17;
    assert_int_equal(mpl_input(&m, p, n, true, 0, &info), MPL_DROP_NONE);
    assert_false(info.has_option);
    p[6] = 0;
    p[42] = 0x01; /* the option becomes PadN */
    assert_int_equal(mpl_input(&m, p, n, true, 0, &info), MPL_DROP_NONE);
    assert_false(info.has_option);
    assert_int_equal(m.cnt.rx_new, 0);

    /* malformed: counted by reason */
    n = mpl_pkt(p, 1, 1, 64);
    assert_int_equal(mpl_input(&m, p, 39, true, 0, NULL), MPL_DROP_IP6_HEADER);
    p[44] |= 0x10;
    assert_int_equal(mpl_input(&m, p, n, true, 0, NULL), MPL_DROP_V_FLAG);
    p[44] = 0x00; /* S = 0 with 2 seed bytes */
    assert_int_equal(mpl_input(&m, p, n, true, 0, NULL), MPL_DROP_OPT_LENGTH);
    n = mpl_pkt(p, 1, 1, 64);
    p[42] = 0x3e; /* unknown option, action 00: skipped, no MPL option left */
    assert_int_equal(mpl_input(&m, p, n, true, 0, &info), MPL_DROP_NONE);
    p[42] = 0x7e; /* action 01: discard */
    assert_int_equal(mpl_input(&m, p, n, true, 0, NULL), MPL_DROP_OPT_UNKNOWN);
    /* S = 0 from a source that is not an RLOC */
    n = mpl_pkt(p, 1, 1, 64);
    p[43] = 2;
    p[44] = 0;
    p[46] = 1;
    p[47] = 0;
    assert_int_equal(mpl_input(&m, p, n, true, 0, &info), MPL_DROP_NONE);
    assert_int_equal(info.seed_id, 0x1801);
    p[19] = 0xfd;
    assert_int_equal(mpl_input(&m, p, n, true, 0, NULL), MPL_DROP_SEED_NOT_RLOC);
    assert_int_equal(m.cnt.drops[MPL_DROP_IP6_HEADER], 1);
    assert_int_equal(m.cnt.drops[MPL_DROP_V_FLAG], 1);
    assert_int_equal(m.cnt.drops[MPL_DROP_OPT_LENGTH], 1);
    assert_int_equal(m.cnt.drops[MPL_DROP_OPT_UNKNOWN], 1);
    assert_int_equal(m.cnt.drops[MPL_DROP_SEED_NOT_RLOC], 1);
    assert_int_equal(m.cnt.rx_new, 1);
    assert_int_equal(m.cnt.buffered, 1);

    /* own messages: a duplicate still goes out, not buffered again */
    mpl_init(&m, NULL, NULL);
    mpl_set_role(&m, MPL_ROLE_ROUTER);
    n = mpl_pkt(p, 0x1801, 5, 64);
    assert_int_equal(mpl_input(&m, p, n, false, 0, &info), MPL_DROP_NONE);
    assert_true(info.is_new && info.buffered);
    assert_int_equal(mpl_input(&m, p, n, false, 1, &info), MPL_DROP_NONE);
    assert_false(info.is_new || info.buffered);
    assert_int_equal(m.cnt.local_untracked, 1);
    assert_int_equal(mpl_buffered_count(&m), 1);
    assert_int_equal(m.cnt.drops[MPL_DROP_DUPLICATE], 0);

    /* from the radio with hop limit 1: received, not relayed */
    n = mpl_pkt(p, 0x1801, 6, 1);
    assert_int_equal(mpl_input(&m, p, n, true, 2, &info), MPL_DROP_NONE);
    assert_true(info.is_new);
    assert_false(info.buffered);
    assert_int_equal(m.cnt.buffered_hop_limit, 1);

    /* the buffered set holds MPL_BUFFERED_ENTRIES */
    for (unsigned i = 1; i < MPL_BUFFERED_ENTRIES; i++) {
        n = mpl_pkt(p, 0x1801, (uint8_t)(10 + i), 64);
        assert_int_equal(mpl_input(&m, p, n, true, 3, &info), MPL_DROP_NONE);
        assert_true(info.buffered);
    }
    assert_int_equal(mpl_buffered_count(&m), MPL_BUFFERED_ENTRIES);
    n = mpl_pkt(p, 0x1801, 100, 64);
    assert_int_equal(mpl_input(&m, p, n, true, 3, &info), MPL_DROP_NONE);
    assert_true(info.is_new);
    assert_false(info.buffered);
    assert_int_equal(m.cnt.buffered_full, 1);

    /* a message over MPL_MAX_PKT is received but not buffered */
    mpl_init(&m, NULL, NULL);
    mpl_set_role(&m, MPL_ROLE_ROUTER);
    n = mpl_pkt(p, 0x1801, 1, 64);
    memset(p + n, 0, sizeof(p) - n);
    p[4] = (MPL_MAX_PKT + 1 - 40) >> 8;
    p[5] = (uint8_t)(MPL_MAX_PKT + 1 - 40);
    assert_int_equal(mpl_input(&m, p, MPL_MAX_PKT + 1, true, 0, &info), MPL_DROP_NONE);
    assert_false(info.buffered);
    assert_int_equal(m.cnt.buffered_too_big, 1);

    /* role change to child: buffered messages are discarded unsent */
    n = mpl_pkt(p, 0x1801, 2, 64);
    assert_int_equal(mpl_input(&m, p, n, true, 0, &info), MPL_DROP_NONE);
    assert_true(info.buffered);
    mpl_set_role(&m, MPL_ROLE_CHILD);
    struct sent s;
    memset(&s, 0, sizeof(s));
    run(&m, &s, 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(m.cnt.retx_discarded, 1);
    assert_int_equal(mpl_buffered_count(&m), 0);

    /* a tunnelled message is flagged */
    mpl_set_identity(&m, ml_rloc, 0x1801);
    uint8_t out[256];
    size_t out_len;
    n = mpl_pkt(p, 0x1801, 2, 64);
    memmove(p + 40, p + 48, n - 48);
    n -= 8;
    p[5] -= 8;
    p[6] = 17;
    p[25] = 0x05;
    assert_int_equal(mpl_encapsulate(&m, p, n, out, sizeof(out), &out_len), OT_ERR_NONE);
    assert_int_equal(mpl_input(&m, out, out_len, false, 10, &info), MPL_DROP_NONE);
    assert_true(info.tunneled && info.is_new);
    assert_int_equal(info.opt.s, MPL_S_0);
    assert_int_equal(info.seed_id, 0x1801);
    assert_false(info.buffered); /* a child */
}

/* Seeds expire while the node only runs timers; a processed context keeps
 * counting expiries. */
static void test_expiry_in_process(void **state)
{
    (void)state;
    struct mpl m;
    uint8_t p[128];
    mpl_init(&m, NULL, NULL);
    mpl_set_role(&m, MPL_ROLE_CHILD);
    for (uint8_t i = 0; i < 3; i++) {
        size_t n = mpl_pkt(p, 0x0400, i, 64);
        assert_int_equal(mpl_input(&m, p, n, true, i * 1000u, NULL), MPL_DROP_NONE);
    }
    assert_int_equal(mpl_next_timeout_ms(&m, 0), -1);
    mpl_process(&m, 6000, NULL, NULL);
    assert_int_equal(m.n_seeds, 1);
    assert_int_equal(m.cnt.seed_expired, 2);
    mpl_process(&m, 7000, NULL, NULL);
    assert_int_equal(m.n_seeds, 0);
    assert_int_equal(m.cnt.seed_expired, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),           cmocka_unit_test(test_seed_id),
        cmocka_unit_test(test_encap_vectors),     cmocka_unit_test(test_encap_errors),
        cmocka_unit_test(test_seedset),           cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_schedule_extremes), cmocka_unit_test(test_relay_capture),
        cmocka_unit_test(test_input_outcomes),    cmocka_unit_test(test_expiry_in_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
