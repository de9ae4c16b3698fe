/*
 * Network Data and Active Operational Dataset tests.
 *
 * The reference outputs are OpenThread's own: the three transcripts in
 * $TBR_THREAD_VECTORS hold `netdata show`, `netdata show -x`, `dataset
 * active` and `dataset active -x` for the network data carried in the
 * captured MLE frames (.vec) and the captured active datasets. Every such
 * output is reproduced byte for byte from those bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netdata/netdata.h"
#include "netdata/netdata_fmt.h"
#include "support/thread_vec.h"
#include "thread/dataset.h"

static const char *const vec_names[] = {"attach-ftd-child", "med-and-netdata", "nat64-ping"};

/* ---- helpers ---------------------------------------------------------- */

static char *read_text(const char *name)
{
    const char *dir = getenv("TBR_THREAD_VECTORS");
    char path[1024];
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

struct capture {
    FILE *f;
    char *buf;
    size_t len;
};

static void cap_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static char *cap_close(struct capture *c)
{
    fclose(c->f);
    return c->buf;
}

static size_t hex2bin(const char *hex, uint8_t *out, size_t cap)
{
    long n = tvec_hex(hex, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static char *show(const uint8_t *nd, size_t len)
{
    struct capture c;
    cap_open(&c);
    netdata_fmt_show(c.f, nd, len, false, NETDATA_ANY_RLOC16);
    return cap_close(&c);
}

static char *show_hex(const uint8_t *b, size_t len)
{
    struct capture c;
    cap_open(&c);
    netdata_fmt_show_hex(c.f, b, len);
    return cap_close(&c);
}

static void assert_show(const uint8_t *nd, size_t len, const char *expect)
{
    char *got = show(nd, len);
    assert_string_equal(got, expect);
    free(got);
}

/* One command of a transcript: "[  9.13] node1> netdata show" and the
 * output lines up to "Done". */
struct tcmd {
    double t;
    int node;
    char cmd[256];
    char out[4096];
};

#define MAX_TCMD 256

static size_t transcript_load(const char *name, struct tcmd *cmds, size_t cap)
{
    char file[128];
    snprintf(file, sizeof(file), "%s.transcript.txt", name);
    char *text = read_text(file);
    size_t n = 0;
    struct tcmd *cur = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        double t;
        int node, off = 0;
        if (sscanf(line, "[ %lf] node%d> %n", &t, &node, &off) == 2 && off > 0) {
            assert_true(n < cap);
            cur = &cmds[n++];
            cur->t = t;
            cur->node = node;
            snprintf(cur->cmd, sizeof(cur->cmd), "%s", line + off);
            cur->out[0] = '\0';
            continue;
        }
        if (!cur)
            continue;
        if (!strcmp(line, "Done") || line[0] == '[') {
            cur = NULL;
            continue;
        }
        size_t l = strlen(cur->out);
        snprintf(cur->out + l, sizeof(cur->out) - l, "%s\n", line);
    }
    free(text);
    return n;
}

/* Network Data carried in the MLE frames of a capture (MLE TLV 12). */
struct nd_sample {
    long time_ms;
    uint8_t b[NETDATA_MAX_LEN];
    size_t len;
};

#define MAX_ND 64

static size_t vec_netdata(const char *name, struct nd_sample *out, size_t cap)
{
    char file[128];
    struct tvec_file f;
    size_t n = 0;
    snprintf(file, sizeof(file), "%s.vec", name);
    assert_int_equal(tvec_load(file, &f), 0);
    for (unsigned i = 0; i < f.n; i++) {
        const char *pt = tvec_get(&f.blocks[i], "mle_plaintext");
        const char *tm = tvec_get(&f.blocks[i], "time_ms");
        if (!pt || !tm)
            continue;
        uint8_t m[1280];
        size_t ml = hex2bin(pt, m, sizeof(m));
        for (size_t o = 1; o + 2 <= ml && o + 2 + m[o + 1] <= ml; o += 2 + (size_t)m[o + 1]) {
            if (m[o] != 12) /* MLE Network Data TLV */
                continue;
            assert_true(n < cap);
            out[n].time_ms = atol(tm);
            out[n].len = m[o + 1];
            memcpy(out[n].b, m + o + 2, m[o + 1]);
            n++;
        }
    }
    tvec_free(&f);
    return n;
}

/* ---- Network Data: the captures --------------------------------------- */

static void test_transcripts_netdata(void **state)
{
    (void)state;
    static struct tcmd cmds[MAX_TCMD];
    static struct nd_sample nds[MAX_ND];
    unsigned shows = 0, hexes = 0;
    for (size_t v = 0; v < 3; v++) {
        size_t nc = transcript_load(vec_names[v], cmds, MAX_TCMD);
        size_t nn = vec_netdata(vec_names[v], nds, MAX_ND);
        assert_true(nn > 0);
        for (size_t i = 0; i < nn; i++)
            assert_int_equal(netdata_validate(nds[i].b, nds[i].len), NETDATA_OK);
        unsigned file_shows = 0;
        for (size_t c = 0; c < nc; c++) {
            bool is_x = !strcmp(cmds[c].cmd, "netdata show -x");
            if (!is_x && strcmp(cmds[c].cmd, "netdata show"))
                continue;
            /* the Network Data in effect: the last one sent before the command */
            const struct nd_sample *cur = NULL;
            for (size_t i = 0; i < nn; i++)
                if (nds[i].time_ms <= (long)(cmds[c].t * 1000 + 0.5))
                    cur = &nds[i];
            assert_non_null(cur);
            char *got = is_x ? show_hex(cur->b, cur->len) : show(cur->b, cur->len);
            assert_string_equal(got, cmds[c].out);
            free(got);
            if (is_x) {
                hexes++;
            } else {
                shows++;
                file_shows++;
            }
        }
        assert_true(file_shows >= 1);
    }
    assert_int_equal(shows, 7);
    assert_int_equal(hexes, 2);
}

static const char *const med_hex = "08040b02d1d803140040fd110022000000000504b000330007021140031300"
                                   "600064ff9b00000000000000000103b00020";
static const char *const med_after_hex =
    "08040b02d1d803140040fd110022000000000504b000330007021140031300600064ff9b000000000000000001"
    "03b00020030f0040fd990000000000000103b00100";
static const char *const nat64_hex =
    "08040b02cdd4031300600064ff9b00000000000000000103f8002003140040fd11002200000000050"
    "4f800330007021140";

/* The a/sd payload of med-and-netdata frame 56 is a Thread Network Data
 * TMF TLV (type 10) from 0xb001. */
static void test_leader_register_asd(void **state)
{
    (void)state;
    uint8_t nd[NETDATA_MAX_LEN], after[NETDATA_MAX_LEN], out[NETDATA_MAX_LEN], pl[64];
    size_t ndl = hex2bin(med_hex, nd, sizeof(nd));
    size_t afl = hex2bin(med_after_hex, after, sizeof(after));
    struct tvec_file f;
    const char *payload = NULL;
    assert_int_equal(tvec_load("med-and-netdata.vec", &f), 0);
    const struct tvec_block *b = tvec_find(&f, "frame", "56");
    assert_non_null(b);
    payload = tvec_get(b, "coap_payload");
    assert_non_null(payload);
    size_t pll = hex2bin(payload, pl, sizeof(pl));
    tvec_free(&f);
    assert_int_equal(pl[0], 10);
    assert_int_equal(pl[1], pll - 2);

    struct netdata_leader ld;
    assert_int_equal(netdata_leader_load(&ld, nd, ndl, 10, 20), NETDATA_OK);
    assert_true(ld.ctx_state[1] == NETDATA_CTX_IN_USE);
    /* wrong owner */
    assert_int_equal(netdata_leader_register(&ld, 0xb002, pl + 2, pll - 2), NETDATA_ERR_WRONG_RLOC);
    assert_int_equal(ld.version, 10);
    assert_int_equal(netdata_leader_register(&ld, 0xb001, pl + 2, pll - 2), NETDATA_OK);
    size_t ol;
    assert_int_equal(netdata_leader_copy(&ld, false, out, sizeof(out), &ol), NETDATA_OK);
    assert_int_equal(ol, afl);
    assert_memory_equal(out, after, afl);
    assert_int_equal(ld.version, 11);
    assert_int_equal(ld.stable_version, 21); /* the route is stable */
    /* same registration again: nothing changes */
    assert_int_equal(netdata_leader_register(&ld, 0xb001, pl + 2, pll - 2), NETDATA_OK);
    assert_int_equal(ld.version, 11);
    assert_int_equal(ld.stable_version, 21);
    /* the child leaves */
    netdata_leader_remove_rloc(&ld, 0xb001, false);
    assert_int_equal(ld.len, ndl);
    assert_memory_equal(ld.tlvs, nd, ndl);
    assert_int_equal(ld.version, 12);
    assert_int_equal(ld.stable_version, 22);
    /* empty registration = withdraw everything: also nothing to do now */
    assert_int_equal(netdata_leader_register(&ld, 0xb001, NULL, 0), NETDATA_OK);
    assert_int_equal(ld.version, 12);
}

/* The leader's own entries, built as `prefix add` / `route add` /
 * `netdata register` do, give the captured bytes. */
static void test_leader_build_captured(void **state)
{
    (void)state;
    uint8_t exp[NETDATA_MAX_LEN], out[NETDATA_MAX_LEN];
    const uint8_t sess_med[] = {0x0b, 0x02, 0xd1, 0xd8}, sess_n64[] = {0x0b, 0x02, 0xcd, 0xd4};
    struct netdata_prefix_cfg pc = {0};
    struct netdata_route_cfg rc = {0};
    assert_true(addr_parse_prefix6("fd11:22::/64", &pc.prefix));
    pc.preferred = pc.slaac = pc.default_route = pc.on_mesh = pc.stable = true;
    pc.preference = NETDATA_PREF_MED;
    assert_true(addr_parse_prefix6("64:ff9b::/96", &rc.prefix));
    rc.stable = rc.nat64 = true;
    rc.preference = NETDATA_PREF_MED;

    /* med-and-netdata: prefix first, then route, leader 0xb000 */
    struct netdata_leader ld;
    struct netdata_local lo;
    netdata_leader_init(&ld, 0, 0);
    assert_int_equal(netdata_leader_set_commissioning(&ld, sess_med, 4), NETDATA_OK);
    netdata_local_init(&lo);
    pc.rloc16 = rc.rloc16 = 0xb000;
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    assert_int_equal(netdata_local_add_route(&lo, &rc), NETDATA_OK);
    assert_int_equal(netdata_leader_register(&ld, 0xb000, lo.tlvs, lo.len), NETDATA_OK);
    size_t n = hex2bin(med_hex, exp, sizeof(exp)), ol;
    assert_int_equal(netdata_leader_copy(&ld, false, out, sizeof(out), &ol), NETDATA_OK);
    assert_int_equal(ol, n);
    assert_memory_equal(out, exp, n);
    assert_int_equal(ld.version, 2);
    assert_int_equal(ld.stable_version, 1);

    /* nat64-ping: route first, then prefix, leader 0xf800 */
    netdata_leader_init(&ld, 0, 0);
    assert_int_equal(netdata_leader_set_commissioning(&ld, sess_n64, 4), NETDATA_OK);
    netdata_local_init(&lo);
    pc.rloc16 = rc.rloc16 = 0xf800;
    assert_int_equal(netdata_local_add_route(&lo, &rc), NETDATA_OK);
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    assert_int_equal(netdata_leader_register(&ld, 0xf800, lo.tlvs, lo.len), NETDATA_OK);
    n = hex2bin(nat64_hex, exp, sizeof(exp));
    assert_int_equal(ld.len, n);
    assert_memory_equal(ld.tlvs, exp, n);
}

/* The codelab's Network Data (codelab-nat64.md), leader RLOC16 0x0800. */
static void test_codelab(void **state)
{
    (void)state;
    struct netdata_local lo;
    struct netdata_prefix_cfg pc = {0};
    struct netdata_route_cfg r1 = {0}, r2 = {0};
    struct netdata_service_cfg bbr = {0}, srp = {0};
    netdata_local_init(&lo);
    assert_true(addr_parse_prefix6("fd4c:9574:3720:1::/64", &pc.prefix));
    pc.preferred = pc.slaac = pc.on_mesh = pc.stable = true;
    pc.preference = NETDATA_PREF_LOW;
    pc.rloc16 = 0x0800;
    assert_true(addr_parse_prefix6("fd49:7770:7fc5::/64", &r1.prefix));
    r1.stable = true;
    r1.preference = NETDATA_PREF_MED;
    r1.rloc16 = 0x0800;
    assert_true(addr_parse_prefix6("fd4c:9574:3720:2::/96", &r2.prefix));
    r2.stable = r2.nat64 = true;
    r2.preference = NETDATA_PREF_LOW;
    r2.rloc16 = 0x0800;
    bbr.enterprise = srp.enterprise = NETDATA_THREAD_ENTERPRISE;
    bbr.service_data[0] = 0x01;
    bbr.service_data_len = 1;
    bbr.server_data_len = (uint8_t)hex2bin("41000500000e10", bbr.server_data, 16);
    bbr.stable = srp.stable = true;
    bbr.rloc16 = srp.rloc16 = 0x0800;
    srp.service_data[0] = 0x5d;
    srp.service_data_len = 1;
    srp.server_data_len =
        (uint8_t)hex2bin("fdd20e532b87b93f50ad4eea0450f1bfd11f", srp.server_data, 32);
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    assert_int_equal(netdata_local_add_route(&lo, &r1), NETDATA_OK);
    assert_int_equal(netdata_local_add_route(&lo, &r2), NETDATA_OK);
    assert_int_equal(netdata_local_add_service(&lo, &bbr), NETDATA_OK);
    assert_int_equal(netdata_local_add_service(&lo, &srp), NETDATA_OK);

    /* `netdata show local` of the BR itself */
    struct capture c;
    cap_open(&c);
    netdata_fmt_show(c.f, lo.tlvs, lo.len, true, NETDATA_ANY_RLOC16);
    char *got = cap_close(&c);
    assert_string_equal(got, "Prefixes:\n"
                             "fd4c:9574:3720:1::/64 paos low 0800\n"
                             "Routes:\n"
                             "fd49:7770:7fc5:0::/64 s med 0800\n"
                             "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                             "Services:\n"
                             "44970 01 41000500000e10 s 0800 0\n"
                             "44970 5d fdd20e532b87b93f50ad4eea0450f1bfd11f s 0800 0\n");
    free(got);

    struct netdata_leader ld;
    netdata_leader_init(&ld, 0x40, 0x80);
    assert_int_equal(netdata_leader_register(&ld, 0x0800, lo.tlvs, lo.len), NETDATA_OK);
    assert_show(ld.tlvs, ld.len,
                "Prefixes:\n"
                "fd4c:9574:3720:1::/64 paos low 0800\n"
                "Routes:\n"
                "fd49:7770:7fc5:0::/64 s med 0800\n"
                "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                "Services:\n"
                "44970 01 41000500000e10 s 0800 0\n"
                "44970 5d fdd20e532b87b93f50ad4eea0450f1bfd11f s 0800 1\n"
                "Contexts:\n"
                "fd4c:9574:3720:1::/64 1 sc\n"
                "Commissioning:\n"
                "- - - -\n");
    /* The NAT64 prefix as published (ot-nat64-behaviour.md §3.7 layout) */
    char *hex = show_hex(ld.tlvs, ld.len);
    assert_non_null(strstr(hex, "03130060fd4c957437200002000000000103080"
                                "0e0"));
    assert_non_null(strstr(hex, "0b1981015d0d140800fdd20e532b87b93f50ad4eea0450f1bfd11f"));
    free(hex);
    struct netdata_route_cfg nat;
    assert_int_equal(netdata_find_nat64_prefix(ld.tlvs, ld.len, &nat), NETDATA_OK);
    assert_int_equal(nat.prefix.len, 96);
    assert_int_equal(nat.rloc16, 0x0800);
    assert_int_equal(ld.version, 0x41);
    assert_int_equal(ld.stable_version, 0x81);

    /* stable view for a child without N: RLOC16s replaced by 0xfffe / ALOCs */
    uint8_t st[NETDATA_MAX_LEN];
    size_t sl;
    assert_int_equal(netdata_leader_copy(&ld, true, st, sizeof(st), &sl), NETDATA_OK);
    assert_show(st, sl,
                "Prefixes:\n"
                "fd4c:9574:3720:1::/64 paos low fffe\n"
                "Routes:\n"
                "fd49:7770:7fc5:0::/64 s med fffe\n"
                "fd4c:9574:3720:2:0:0::/96 sn low fffe\n"
                "Services:\n"
                "44970 01 41000500000e10 s fc10 0\n"
                "44970 5d fdd20e532b87b93f50ad4eea0450f1bfd11f s fc11 1\n"
                "Contexts:\n"
                "fd4c:9574:3720:1::/64 1 sc\n"
                "Commissioning:\n"
                "- - - -\n");

    /* NAT64 disabled: the BR registers without the /96 */
    assert_int_equal(netdata_local_remove_prefix(&lo, &r2.prefix), NETDATA_OK);
    assert_int_equal(netdata_leader_register(&ld, 0x0800, lo.tlvs, lo.len), NETDATA_OK);
    assert_int_equal(netdata_find_nat64_prefix(ld.tlvs, ld.len, &nat), NETDATA_ERR_NOT_FOUND);
    assert_int_equal(ld.version, 0x42);
    assert_int_equal(ld.stable_version, 0x82);
}

static void test_stable_subset_med(void **state)
{
    (void)state;
    uint8_t nd[NETDATA_MAX_LEN], st[NETDATA_MAX_LEN], exp[NETDATA_MAX_LEN];
    size_t n = hex2bin(med_after_hex, nd, sizeof(nd)), sl;
    size_t el = hex2bin("03140040fd110022000000000504fffe330007021140031300600064ff9b0000000000"
                        "0000000103fffe20030f0040fd990000000000000103fffe00",
                        exp, sizeof(exp));
    assert_int_equal(netdata_stable_subset(nd, n, st, sizeof(st), &sl), NETDATA_OK);
    assert_int_equal(sl, el);
    assert_memory_equal(st, exp, el);
    assert_int_equal(netdata_stable_subset(nd, n, st, 10, &sl), NETDATA_ERR_NO_SPACE);

    /* lookups on the same data: SLAAC prefix, context 1, NAT64 route */
    struct addr_prefix6 sp[2], want;
    assert_true(addr_parse_prefix6("fd11:22::/64", &want));
    assert_int_equal(netdata_slaac_prefixes(nd, n, sp, 2), 1);
    assert_int_equal(sp[0].len, 64);
    assert_memory_equal(sp[0].addr, want.addr, 16);
    struct netdata_context cx;
    assert_int_equal(netdata_context_by_id(nd, n, 1, &cx), NETDATA_OK);
    assert_true(cx.compress && cx.stable);
    assert_memory_equal(cx.prefix.addr, want.addr, 16);
    assert_int_equal(netdata_context_by_id(nd, n, 2, &cx), NETDATA_ERR_NOT_FOUND);
    uint8_t a[16];
    assert_true(addr_parse6("fd11:22::6279:f035:7b6f:317a", a));
    assert_int_equal(netdata_context_for_addr(nd, n, a, true, &cx), NETDATA_OK);
    assert_int_equal(cx.id, 1);
    assert_true(addr_parse6("fd99::1", a));
    assert_int_equal(netdata_context_for_addr(nd, n, a, false, &cx), NETDATA_ERR_NOT_FOUND);
    struct netdata_route_cfg rc;
    assert_int_equal(netdata_find_nat64_prefix(nd, n, &rc), NETDATA_OK);
    assert_true(addr_parse_prefix6("64:ff9b::/96", &want));
    assert_memory_equal(rc.prefix.addr, want.addr, 16);
    assert_int_equal(rc.rloc16, 0xb000);
    assert_int_equal(rc.preference, NETDATA_PREF_MED);
}

/* Temporary entries: version only; stable-only view drops them. */
static void test_versions_and_temporary(void **state)
{
    (void)state;
    struct netdata_leader ld;
    struct netdata_local lo;
    struct netdata_route_cfg rc = {0};
    struct netdata_prefix_cfg pc = {0};
    netdata_leader_init(&ld, 250, 7);
    netdata_local_init(&lo);
    assert_true(addr_parse_prefix6("fd77::/64", &rc.prefix));
    rc.preference = NETDATA_PREF_HIGH;
    rc.rloc16 = 0x0401;
    assert_int_equal(netdata_local_add_route(&lo, &rc), NETDATA_OK); /* temporary */
    assert_int_equal(netdata_leader_register(&ld, 0x0401, lo.tlvs, lo.len), NETDATA_OK);
    assert_int_equal(ld.version, 251);
    assert_int_equal(ld.stable_version, 7);
    assert_show(ld.tlvs, ld.len,
                "Prefixes:\nRoutes:\nfd77:0:0:0::/64 high 0401\nServices:\nContexts:\n"
                "Commissioning:\n- - - -\n");
    uint8_t st[NETDATA_MAX_LEN];
    size_t sl = 99;
    assert_int_equal(netdata_leader_copy(&ld, true, st, sizeof(st), &sl), NETDATA_OK);
    assert_int_equal(sl, 0);

    /* a stable prefix from another child: both versions (wrapping) */
    assert_true(addr_parse_prefix6("fd88::/64", &pc.prefix));
    pc.on_mesh = pc.slaac = pc.stable = true;
    pc.rloc16 = 0x0402;
    netdata_local_init(&lo);
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    ld.version = 255;
    assert_int_equal(netdata_leader_register(&ld, 0x0402, lo.tlvs, lo.len), NETDATA_OK);
    assert_int_equal(ld.version, 0);
    assert_int_equal(ld.stable_version, 8);
    assert_int_equal(netdata_leader_copy(&ld, true, st, sizeof(st), &sl), NETDATA_OK);
    assert_show(st, sl,
                "Prefixes:\nfd88:0:0:0::/64 aos med fffe\nRoutes:\nServices:\nContexts:\n"
                "fd88:0:0:0::/64 1 sc\nCommissioning:\n- - - -\n");
    /* commissioning data: temporary, version only, moved to the end */
    const uint8_t cd[] = {0x0b, 0x02, 0x12, 0x34, 0x09, 0x02, 0x04, 0x00,
                          0x12, 0x02, 0x03, 0xe8, 0x08, 0x01, 0xff};
    assert_int_equal(netdata_leader_set_commissioning(&ld, cd, sizeof(cd)), NETDATA_OK);
    assert_int_equal(ld.version, 1);
    assert_int_equal(ld.stable_version, 8);
    const uint8_t cd2[] = {0x0b, 0x02, 0x12, 0x35, 0x30, 0x00};
    assert_int_equal(netdata_leader_set_commissioning(&ld, cd2, sizeof(cd2)), NETDATA_OK);
    struct netdata_commissioning com;
    netdata_get_commissioning(ld.tlvs, ld.len, &com);
    assert_true(com.has_session_id && com.has_extra && !com.has_locator);
    assert_int_equal(ld.tlvs[ld.len - 8], NETDATA_TLV_COMMISSIONING << 1);
    assert_int_equal(netdata_leader_set_commissioning(&ld, cd, sizeof(cd)), NETDATA_OK);
    char *got = show(ld.tlvs, ld.len);
    assert_non_null(strstr(got, "Commissioning:\n4660 0400 1000 ff\n"));
    free(got);
    /* show filtered by RLOC16: no Contexts / Commissioning */
    struct capture c;
    cap_open(&c);
    netdata_fmt_show(c.f, ld.tlvs, ld.len, false, 0x0402);
    got = cap_close(&c);
    assert_string_equal(got, "Prefixes:\nfd88:0:0:0::/64 aos med 0402\nRoutes:\nServices:\n");
    free(got);
}

static unsigned count_prefix_entries(const struct netdata_leader *ld)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    unsigned n = 0;
    while (netdata_next_prefix(ld->tlvs, ld->len, NETDATA_ANY_RLOC16, &it, &pc))
        n++;
    return n;
}

/* Context ids: 1..15, released when the last Border Router goes, reusable
 * only after expiry; a returning Border Router keeps its id. */
static void test_context_allocation(void **state)
{
    (void)state;
    struct netdata_leader ld;
    netdata_leader_init(&ld, 0, 0);
    for (unsigned i = 0; i < 16; i++) {
        struct netdata_local lo;
        struct netdata_prefix_cfg pc = {0};
        netdata_local_init(&lo);
        pc.prefix.addr[0] = 0xfd;
        pc.prefix.addr[1] = (uint8_t)i;
        pc.prefix.len = 16; /* 15 Prefix TLVs of 16 bytes fit in 254 */
        pc.on_mesh = pc.stable = true;
        pc.rloc16 = (uint16_t)(0x0400 + i);
        assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
        enum netdata_err e = netdata_leader_register(&ld, pc.rloc16, lo.tlvs, lo.len);
        if (i < 15) {
            assert_int_equal(e, NETDATA_OK);
            struct netdata_context cx;
            assert_int_equal(netdata_context_for_addr(ld.tlvs, ld.len, pc.prefix.addr, true, &cx),
                             NETDATA_OK);
            assert_int_equal(cx.id, i + 1);
        } else {
            assert_int_equal(e, NETDATA_ERR_NO_CONTEXT_ID);
        }
    }
    uint8_t before[NETDATA_MAX_LEN];
    size_t bl = ld.len;
    memcpy(before, ld.tlvs, bl);
    /* second BR on the same prefix shares context 3 */
    struct netdata_local lo;
    struct netdata_prefix_cfg pc = {0};
    netdata_local_init(&lo);
    pc.prefix.addr[0] = 0xfd;
    pc.prefix.addr[1] = 2;
    pc.prefix.len = 16;
    pc.on_mesh = pc.stable = true;
    pc.rloc16 = 0x0800;
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    assert_int_equal(netdata_leader_register(&ld, 0x0800, lo.tlvs, lo.len), NETDATA_OK);
    netdata_leader_remove_rloc(&ld, 0x0402, false);
    assert_false(netdata_leader_context_releasing(&ld, 3));
    /* last BR leaves: C cleared, id 3 releasing, context stays */
    netdata_leader_remove_rloc(&ld, 0x0800, false);
    assert_true(netdata_leader_context_releasing(&ld, 3));
    struct netdata_context cx;
    assert_int_equal(netdata_context_by_id(ld.tlvs, ld.len, 3, &cx), NETDATA_OK);
    assert_false(cx.compress);
    assert_true(cx.stable);
    assert_int_equal(netdata_context_for_addr(ld.tlvs, ld.len, pc.prefix.addr, true, &cx),
                     NETDATA_ERR_NOT_FOUND);
    assert_int_equal(count_prefix_entries(&ld), 14);
    /* it comes back before expiry: same id, C set again */
    assert_int_equal(netdata_leader_register(&ld, 0x0800, lo.tlvs, lo.len), NETDATA_OK);
    assert_false(netdata_leader_context_releasing(&ld, 3));
    assert_int_equal(netdata_context_by_id(ld.tlvs, ld.len, 3, &cx), NETDATA_OK);
    assert_true(cx.compress);
    assert_int_equal(netdata_leader_expire_context(&ld, 3), NETDATA_ERR_NOT_FOUND);
    /* gone for good: expiry deletes the context and the empty Prefix TLV */
    netdata_leader_remove_rloc(&ld, 0x0800, false);
    uint8_t v = ld.version, sv = ld.stable_version;
    assert_int_equal(netdata_leader_expire_context(&ld, 3), NETDATA_OK);
    assert_int_equal(ld.version, (uint8_t)(v + 1));
    assert_int_equal(ld.stable_version, (uint8_t)(sv + 1));
    assert_int_equal(netdata_context_by_id(ld.tlvs, ld.len, 3, &cx), NETDATA_ERR_NOT_FOUND);
    assert_int_equal(ld.len, bl - 16);
    /* the freed id goes to the next new prefix */
    netdata_local_init(&lo);
    pc.prefix.addr[1] = 0x99;
    assert_int_equal(netdata_local_add_prefix(&lo, &pc), NETDATA_OK);
    assert_int_equal(netdata_leader_register(&ld, 0x0800, lo.tlvs, lo.len), NETDATA_OK);
    assert_int_equal(netdata_context_for_addr(ld.tlvs, ld.len, pc.prefix.addr, true, &cx),
                     NETDATA_OK);
    assert_int_equal(cx.id, 3);
    /* a router leaving removes its children's entries too (router id match) */
    netdata_leader_remove_rloc(&ld, 0x0400, true);
    assert_int_equal(count_prefix_entries(&ld), 1); /* 0x0800's */
}

static void add_route(struct netdata_leader *ld, const char *p, int8_t pref, bool nat64,
                      uint16_t rloc)
{
    struct netdata_local lo;
    struct netdata_route_cfg rc = {0};
    netdata_local_init(&lo);
    assert_true(addr_parse_prefix6(p, &rc.prefix));
    rc.preference = pref;
    rc.nat64 = nat64;
    rc.stable = true;
    rc.rloc16 = rloc;
    assert_int_equal(netdata_local_add_route(&lo, &rc), NETDATA_OK);
    assert_int_equal(netdata_leader_register(ld, rloc, lo.tlvs, lo.len), NETDATA_OK);
}

static void expect_nat64(const struct netdata_leader *ld, const char *p, uint16_t rloc)
{
    struct netdata_route_cfg rc;
    struct addr_prefix6 want;
    assert_true(addr_parse_prefix6(p, &want));
    assert_int_equal(netdata_find_nat64_prefix(ld->tlvs, ld->len, &rc), NETDATA_OK);
    assert_int_equal(rc.prefix.len, want.len);
    assert_memory_equal(rc.prefix.addr, want.addr, 16);
    assert_int_equal(rc.rloc16, rloc);
}

/* ot-nat64-behaviour.md §3.5 */
static void test_find_nat64(void **state)
{
    (void)state;
    struct netdata_leader ld;
    struct netdata_route_cfg rc;
    struct netdata_local lo;
    netdata_leader_init(&ld, 0, 0);
    assert_int_equal(netdata_find_nat64_prefix(ld.tlvs, 0, &rc), NETDATA_ERR_NOT_FOUND);
    add_route(&ld, "fd00:1::/96", NETDATA_PREF_HIGH, false, 0x0400); /* no N flag */
    assert_int_equal(netdata_find_nat64_prefix(ld.tlvs, ld.len, &rc), NETDATA_ERR_NOT_FOUND);
    /* invalid NAT64 length cannot even be published */
    struct netdata_route_cfg bad = {0};
    netdata_local_init(&lo);
    assert_true(addr_parse_prefix6("fd00:2::/80", &bad.prefix));
    bad.nat64 = true;
    assert_int_equal(netdata_local_add_route(&lo, &bad), NETDATA_ERR_INVALID_ARG);
    /* ...and is ignored when received (hand-made TLV) */
    const uint8_t odd[] = {0x03, 0x11, 0x00, 0x50, 0xfd, 0x00, 0,    2,    0,   0,
                           0,    0,    0,    0,    0x01, 0x03, 0x05, 0x00, 0x60};
    assert_int_equal(netdata_validate(odd, sizeof(odd)), NETDATA_OK);
    assert_int_equal(netdata_find_nat64_prefix(odd, sizeof(odd), &rc), NETDATA_ERR_NOT_FOUND);

    add_route(&ld, "fd68:da37:5a6e:2::/96", NETDATA_PREF_LOW, true, 0x9400);
    expect_nat64(&ld, "fd68:da37:5a6e:2::/96", 0x9400);
    add_route(&ld, "fd4c:9574:3720:2::/96", NETDATA_PREF_LOW, true, 0x0800); /* smaller */
    expect_nat64(&ld, "fd4c:9574:3720:2::/96", 0x0800);
    add_route(&ld, "fd4c:9574:3720::/64", NETDATA_PREF_LOW, true, 0x0c00); /* shorter, same bits */
    expect_nat64(&ld, "fd4c:9574:3720::/64", 0x0c00);
    add_route(&ld, "fdff::/96", NETDATA_PREF_MED, true, 0x1000); /* medium beats low */
    expect_nat64(&ld, "fdff::/96", 0x1000);
    add_route(&ld, "64:ff9b::/96", NETDATA_PREF_MED, true, 0x1400);
    expect_nat64(&ld, "64:ff9b::/96", 0x1400);
    add_route(&ld, "fd00::/32", NETDATA_PREF_HIGH, true, 0x1800);
    expect_nat64(&ld, "fd00::/32", 0x1800);
    /* same prefix from two BRs: the first entry wins the full tie */
    add_route(&ld, "fd00::/32", NETDATA_PREF_HIGH, true, 0x0401);
    expect_nat64(&ld, "fd00::/32", 0x1800);
    netdata_leader_remove_rloc(&ld, 0x1800, false);
    expect_nat64(&ld, "fd00::/32", 0x0401);

    struct addr_prefix6 a, b;
    assert_true(addr_parse_prefix6("fd00::/8", &a));
    assert_true(addr_parse_prefix6("fd00::/16", &b));
    assert_true(netdata_prefix_less(&a, &b));
    assert_false(netdata_prefix_less(&b, &a));
    assert_false(netdata_prefix_less(&a, &a));
    assert_true(netdata_nat64_len_valid(40) && !netdata_nat64_len_valid(128));
}

static void test_format_details(void **state)
{
    (void)state;
    char buf[NETDATA_PREFIX_STR];
    struct addr_prefix6 p;
    assert_true(addr_parse_prefix6("::/0", &p));
    assert_string_equal(netdata_fmt_prefix(&p, buf), "::/0");
    assert_true(addr_parse_prefix6("2001:db8:1:2:3:4:5:6/128", &p));
    assert_string_equal(netdata_fmt_prefix(&p, buf), "2001:db8:1:2:3:4:5:6/128");
    assert_true(addr_parse_prefix6("2001:db8:1:2:3:4:5:6/120", &p));
    assert_string_equal(netdata_fmt_prefix(&p, buf), "2001:db8:1:2:3:4:5:0/120");
    assert_true(addr_parse_prefix6("2001:db8:ffff::/36", &p));
    assert_string_equal(netdata_fmt_prefix(&p, buf), "2001:db8:f000::/36");
    assert_string_equal(netdata_fmt_pref(2), "");
    /* every prefix flag, reserved preference (10 -> med), route flags, a
     * non-Thread enterprise service, a context without flags */
    const uint8_t nd[] = {
        0x02, 0x14, 0x00, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0, 0, /* temp prefix */
        0x04, 0x04, 0x12, 0x34, 0xbf, 0xc0,                         /* BR all flags, pref 10 */
        0x06, 0x02, 0x05, 0x30,                                     /* context 5 len 48 */
        0x03, 0x09, 0x00, 0x00, 0x01, 0x03, 0x56, 0x78, 0xd0,       /* ::/0 low, s a */
        0x00, 0x00,                                                 /* empty has-route */
        0x0a, 0x0c, 0x02, 0x00, 0x00, 0x00, 0x63, 0x02, 0xab, 0xcd, /* service 99, sid 2 */
        0x0c, 0x02, 0x43, 0x21,                                     /* temp server, no data */
        0x0e, 0x00,                                                 /* unknown TLV type 7 */
    };
    assert_int_equal(netdata_validate(nd, sizeof(nd)), NETDATA_OK);
    assert_show(nd, sizeof(nd),
                "Prefixes:\n"
                "2001:db8:0:0::/64 padcronD med 1234\n"
                "Routes:\n"
                "::/0 sa low 5678\n"
                "Services:\n"
                "99 abcd  4321 2\n"
                "Contexts:\n"
                "2001:db8:0::/48 5 -\n"
                "Commissioning:\n"
                "- - - -\n");
}

/* ---- hostile input ---------------------------------------------------- */

static void exercise(const uint8_t *b, size_t n)
{
    struct capture c;
    uint8_t out[NETDATA_MAX_LEN];
    size_t ol;
    struct netdata_route_cfg rc;
    struct addr_prefix6 pre[4];
    memset(pre, 0, sizeof(pre));
    struct netdata_context cx;
    enum netdata_err e = netdata_validate(b, n);
    assert_true((unsigned)e < NETDATA_ERR__COUNT);
    assert_string_not_equal(netdata_err_str(e), "unknown");
    cap_open(&c);
    netdata_fmt_show(c.f, b, n, false, NETDATA_ANY_RLOC16);
    free(cap_close(&c));
    netdata_find_nat64_prefix(b, n, &rc);
    netdata_slaac_prefixes(b, n, pre, 4);
    netdata_context_for_addr(b, n, pre[0].addr, false, &cx);
    e = netdata_stable_subset(b, n, out, sizeof(out), &ol);
    assert_true(e == NETDATA_OK || e == netdata_validate(b, n));
    if (e == NETDATA_OK)
        assert_int_equal(netdata_validate(out, ol), NETDATA_OK);
    struct netdata_leader ld;
    netdata_leader_init(&ld, 0, 0);
    uint16_t rloc = n >= 8 ? (uint16_t)(b[6] << 8 | b[7]) : 0;
    e = netdata_leader_register(&ld, rloc, b, n);
    assert_true((unsigned)e < NETDATA_ERR__COUNT);
    assert_int_equal(netdata_validate(ld.tlvs, ld.len), NETDATA_OK);
    if (netdata_leader_load(&ld, b, n, 0, 0) == NETDATA_OK) {
        netdata_leader_register(&ld, rloc, b, n);
        netdata_leader_remove_rloc(&ld, rloc, true);
        for (uint8_t id = 1; id <= 15; id++)
            netdata_leader_expire_context(&ld, id);
        assert_int_equal(netdata_validate(ld.tlvs, ld.len), NETDATA_OK);
    }
    /* and as an operational dataset */
    struct dataset_info di;
    enum dataset_err de = dataset_parse(b, n, &di);
    assert_true((unsigned)de < DATASET_ERR__COUNT);
}

static void test_hostile_named_errors(void **state)
{
    (void)state;
    uint8_t big[NETDATA_MAX_LEN + 1] = {0};
    assert_int_equal(netdata_validate(big, sizeof(big)), NETDATA_ERR_TOO_LONG);
    const uint8_t trunc_hdr[] = {0x03};
    assert_int_equal(netdata_validate(trunc_hdr, 1), NETDATA_ERR_TRUNCATED);
    const uint8_t trunc_val[] = {0x03, 0x05, 0x00, 0x40};
    assert_int_equal(netdata_validate(trunc_val, 4), NETDATA_ERR_TRUNCATED);
    const uint8_t plen129[] = {0x03, 0x02, 0x00, 0x81};
    assert_int_equal(netdata_validate(plen129, 4), NETDATA_ERR_BAD_PREFIX);
    const uint8_t short_prefix[] = {0x03, 0x03, 0x00, 0x40, 0xfd};
    assert_int_equal(netdata_validate(short_prefix, 5), NETDATA_ERR_BAD_PREFIX);
    const uint8_t hr4[] = {0x03, 0x08, 0x00, 0x08, 0xfd, 0x01, 0x04, 0x12, 0x34, 0x00, 0x00};
    assert_int_equal(netdata_validate(hr4, sizeof(hr4) - 1), NETDATA_ERR_TRUNCATED);
    const uint8_t hr4b[] = {0x03, 0x09, 0x00, 0x08, 0xfd, 0x01, 0x04, 0x12, 0x34, 0x00, 0x00};
    assert_int_equal(netdata_validate(hr4b, sizeof(hr4b)), NETDATA_ERR_BAD_ENTRY_LEN);
    const uint8_t br3[] = {0x03, 0x08, 0x00, 0x08, 0xfd, 0x05, 0x03, 0x12, 0x34, 0x00};
    assert_int_equal(netdata_validate(br3, sizeof(br3)), NETDATA_ERR_BAD_ENTRY_LEN);
    const uint8_t ctx1[] = {0x03, 0x06, 0x00, 0x08, 0xfd, 0x07, 0x01, 0x11};
    assert_int_equal(netdata_validate(ctx1, sizeof(ctx1)), NETDATA_ERR_BAD_CONTEXT);
    const uint8_t svc[] = {0x0b, 0x03, 0x01, 0x00, 0x00}; /* T=0, enterprise cut */
    assert_int_equal(netdata_validate(svc, sizeof(svc)), NETDATA_ERR_BAD_SERVICE);
    const uint8_t svc2[] = {0x0b, 0x02, 0x81, 0x05}; /* service data longer than TLV */
    assert_int_equal(netdata_validate(svc2, sizeof(svc2)), NETDATA_ERR_BAD_SERVICE);
    const uint8_t srv[] = {0x0b, 0x06, 0x81, 0x01, 0x5d, 0x0d, 0x01, 0x08};
    assert_int_equal(netdata_validate(srv, sizeof(srv)), NETDATA_ERR_BAD_SERVER);
    assert_int_equal(netdata_validate(NULL, 3), NETDATA_ERR_INVALID_ARG);
    assert_int_equal(netdata_validate(NULL, 0), NETDATA_OK);

    /* registration shapes (OT Leader::Validate) */
    struct netdata_leader ld;
    netdata_leader_init(&ld, 0, 0);
    const uint8_t two_stable_br[] = {0x03, 0x0f, 0x00, 0x08, 0xfd, 0x05, 0x04, 0x04, 0x00,
                                     0x01, 0x00, 0x05, 0x04, 0x04, 0x00, 0x01, 0x00};
    assert_int_equal(netdata_leader_register(&ld, 0x0400, two_stable_br, sizeof(two_stable_br)),
                     NETDATA_ERR_BAD_REGISTRATION);
    const uint8_t two_entries[] = {0x03, 0x0b, 0x00, 0x08, 0xfd, 0x01, 0x06,
                                   0x04, 0x00, 0x00, 0x04, 0x00, 0x00};
    assert_int_equal(netdata_leader_register(&ld, 0x0400, two_entries, sizeof(two_entries)),
                     NETDATA_ERR_BAD_REGISTRATION);
    const uint8_t no_entries[] = {0x03, 0x03, 0x00, 0x08, 0xfd};
    assert_int_equal(netdata_leader_register(&ld, 0x0400, no_entries, sizeof(no_entries)),
                     NETDATA_ERR_BAD_REGISTRATION);
    const uint8_t dup[] = {0x03, 0x08, 0x00, 0x08, 0xfd, 0x01, 0x03, 0x04, 0x00, 0x00,
                           0x03, 0x08, 0x00, 0x08, 0xfd, 0x01, 0x03, 0x04, 0x00, 0x00};
    assert_int_equal(netdata_leader_register(&ld, 0x0400, dup, sizeof(dup)), NETDATA_ERR_DUPLICATE);
    const uint8_t two_servers[] = {0x0b, 0x0b, 0x81, 0x01, 0x5d, 0x0d, 0x02,
                                   0x04, 0x00, 0x0d, 0x02, 0x04, 0x00};
    assert_int_equal(netdata_leader_register(&ld, 0x0400, two_servers, sizeof(two_servers)),
                     NETDATA_ERR_BAD_REGISTRATION);
    assert_int_equal(ld.len, 0);
    assert_int_equal(ld.version, 0);

    /* Network Data full: NO_SPACE, leader data stays valid */
    for (unsigned i = 0; i < 40; i++) {
        struct netdata_local lo;
        struct netdata_route_cfg rc = {0};
        netdata_local_init(&lo);
        rc.prefix.addr[0] = 0xfd;
        rc.prefix.addr[1] = (uint8_t)i;
        rc.prefix.len = 128;
        rc.rloc16 = (uint16_t)(0x0400 + i);
        assert_int_equal(netdata_local_add_route(&lo, &rc), NETDATA_OK);
        enum netdata_err e = netdata_leader_register(&ld, rc.rloc16, lo.tlvs, lo.len);
        assert_true(e == NETDATA_OK || e == NETDATA_ERR_NO_SPACE);
        assert_int_equal(netdata_validate(ld.tlvs, ld.len), NETDATA_OK);
        if (i > 20)
            assert_int_equal(e, NETDATA_ERR_NO_SPACE);
    }
    assert_string_equal(netdata_err_str(NETDATA_ERR_NO_CONTEXT_ID), "no_context_id");
    assert_string_equal(netdata_err_str((enum netdata_err)999), "unknown");
}

static void test_hostile_mutations(void **state)
{
    (void)state;
    const char *const samples[] = {med_hex, med_after_hex, nat64_hex, "08040b02503d",
                                   "0b1981015d0d140800fdd20e532b87b93f50ad4eea0450f1bfd11f"};
    uint8_t b[NETDATA_MAX_LEN], m[NETDATA_MAX_LEN];
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        size_t n = hex2bin(samples[s], b, sizeof(b));
        for (size_t cut = 0; cut <= n; cut++) {
            exercise(b, cut);
            /* cutting inside the first TLV is always an error */
            if (cut > 0 && cut < (size_t)2 + b[1])
                assert_int_not_equal(netdata_validate(b, cut), NETDATA_OK);
        }
        for (size_t bit = 0; bit < n * 8; bit++) {
            memcpy(m, b, n);
            m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            exercise(m, n);
        }
    }
    uint32_t x = 0x12345678;
    for (unsigned i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 8) % (NETDATA_MAX_LEN + 1);
        for (size_t j = 0; j < n; j++) {
            x = x * 1103515245u + 12345u;
            b[j] = (uint8_t)(x >> 16);
            /* bias towards plausible TLV headers and lengths */
            if (j % 5 == 0 && (x & 0x100))
                b[j] = (uint8_t)((x >> 20) & 0x0f);
        }
        exercise(b, n);
    }
}

/* ---- Active Operational Dataset -------------------------------------- */

static char *dataset_text(const struct dataset_tlvs *d, bool redact)
{
    struct capture c;
    cap_open(&c);
    assert_int_equal(dataset_print(c.f, d, redact), DATASET_OK);
    return cap_close(&c);
}

static void test_dataset_captures(void **state)
{
    (void)state;
    static struct tcmd cmds[MAX_TCMD];
    unsigned texts = 0, hexes = 0;
    for (size_t v = 0; v < 3; v++) {
        char file[128];
        struct tvec_file f;
        snprintf(file, sizeof(file), "%s.vec", vec_names[v]);
        assert_int_equal(tvec_load(file, &f), 0);
        const struct tvec_block *nb = tvec_find(&f, "network", NULL);
        assert_non_null(nb);
        uint8_t raw[DATASET_MAX_LEN];
        size_t n = hex2bin(tvec_get(nb, "active_dataset_tlvs"), raw, sizeof(raw));
        struct dataset_tlvs d;
        assert_int_equal(dataset_set_tlvs(&d, raw, n), DATASET_OK);

        /* the text from the network block's own fields */
        char exp[2048];
        unsigned sp_rot, sp_flags;
        assert_int_equal(sscanf(tvec_get(nb, "security_policy"), "rotation_time_h=%u flags=0x%x",
                                &sp_rot, &sp_flags),
                         2);
        assert_int_equal(sp_flags, 0xf7f8);
        snprintf(exp, sizeof(exp),
                 "Active Timestamp: %s\nChannel: %s\nWake-up Channel: %s\n"
                 "Channel Mask: 0x07fff800\nExt PAN ID: %s\nMesh Local Prefix: %s\n"
                 "Network Key: %s\nNetwork Name: %s\nPAN ID: %s\nPSKc: %s\n"
                 "Security Policy: %u onrc 0\n",
                 tvec_get(nb, "active_timestamp"), tvec_get(nb, "channel"),
                 tvec_get(nb, "wakeup_channel"), tvec_get(nb, "extended_pan_id"),
                 tvec_get(nb, "mesh_local_prefix"), tvec_get(nb, "network_key"),
                 tvec_get(nb, "network_name"), tvec_get(nb, "pan_id"), tvec_get(nb, "pskc"),
                 sp_rot);
        char *got = dataset_text(&d, false);
        assert_string_equal(got, exp);
        free(got);

        size_t nc = transcript_load(vec_names[v], cmds, MAX_TCMD);
        for (size_t c = 0; c < nc; c++) {
            if (!strncmp(cmds[c].cmd, "dataset set active ", 19))
                assert_string_equal(cmds[c].cmd + 19, tvec_get(nb, "active_dataset_tlvs"));
            if (cmds[c].node != 1)
                continue;
            if (!strcmp(cmds[c].cmd, "dataset active -x")) {
                struct capture cp;
                cap_open(&cp);
                dataset_print_hex(cp.f, &d);
                got = cap_close(&cp);
                assert_string_equal(got, cmds[c].out);
                free(got);
                hexes++;
            } else if (!strcmp(cmds[c].cmd, "dataset active")) {
                got = dataset_text(&d, false);
                assert_string_equal(got, cmds[c].out);
                free(got);
                texts++;
            }
        }
        tvec_free(&f);
    }
    assert_int_equal(hexes, 3);
    assert_int_equal(texts, 1);
}

/* A byte stream as the random source. */
struct stream {
    const uint8_t *b;
    size_t n, pos;
};

static void stream_rng(void *ctx, uint8_t *out, size_t len)
{
    struct stream *s = ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = s->pos < s->n ? s->b[s->pos++] : 0;
}

/* `dataset init new` + the transcripts' setters give OT's exact bytes. */
static void test_dataset_init_new(void **state)
{
    (void)state;
    struct {
        const char *name;
        uint8_t wakeup;
        uint16_t panid;
        const char *pskc, *xpan, *mlp7;
        const char *mlp_cli;
    } cases[] = {
        {"attach-ftd-child", 22, 0x0477, "9658e76ff15d5c596bf23cfdff9edee3", "1e09481fc179c0ec",
         "8ac0042ff7edce", NULL},
        {"med-and-netdata", 16, 0x352b, "b700b3f3573c4d33a9f9611ef7e27438", "7dce5b5236097d49",
         "0102030405060708", "fd00:0db8:aaaa:bbbb::"},
        {"nat64-ping", 17, 0xea1b, "a96b61c086a7f5c1abde6dba788a9ac9", "74fab103bca6dc9f",
         "1eb39ff6560b87", NULL},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t rnd[64];
        size_t k = 0;
        memset(rnd, 0, sizeof(rnd));
        {
            uint32_t ch = 5; /* channel 16: any, overwritten */
            rnd[k++] = (uint8_t)(ch >> 24), rnd[k++] = (uint8_t)(ch >> 16);
            rnd[k++] = (uint8_t)(ch >> 8), rnd[k++] = (uint8_t)ch;
            uint32_t w = cases[i].wakeup - 11u;
            rnd[k++] = 0, rnd[k++] = 0, rnd[k++] = 0, rnd[k++] = (uint8_t)w;
        }
        rnd[k++] = (uint8_t)(cases[i].panid >> 8);
        rnd[k++] = (uint8_t)cases[i].panid;
        k += 16; /* network key: overwritten */
        k += hex2bin(cases[i].pskc, rnd + k, 16);
        k += hex2bin(cases[i].xpan, rnd + k, 8);
        hex2bin(cases[i].mlp7, rnd + k, 8);
        k += 7;
        struct stream s = {rnd, k, 0};
        struct dataset_tlvs d;
        assert_int_equal(dataset_init_new(&d, stream_rng, &s, 0), DATASET_OK);
        assert_int_equal(s.pos, k);
        struct dataset_info in;
        assert_int_equal(dataset_parse(d.tlvs, d.len, &in), DATASET_OK);
        assert_int_equal(in.channel, 16);
        assert_int_equal(in.wakeup_channel, cases[i].wakeup);
        char nm[17];
        snprintf(nm, sizeof(nm), "OpenThread-%04x", cases[i].panid);
        assert_string_equal(in.network_name, nm);
        assert_int_equal(dataset_cli_set(&d, "networkkey", "00112233445566778899aabbccddeeff"),
                         DATASET_OK);
        assert_int_equal(dataset_cli_set(&d, "channel", "15"), DATASET_OK);
        assert_int_equal(dataset_cli_set(&d, "panid", "0x1234"), DATASET_OK);
        if (cases[i].mlp_cli)
            assert_int_equal(dataset_cli_set(&d, "meshlocalprefix", cases[i].mlp_cli), DATASET_OK);

        char file[128];
        struct tvec_file f;
        snprintf(file, sizeof(file), "%s.vec", cases[i].name);
        assert_int_equal(tvec_load(file, &f), 0);
        const struct tvec_block *nb = tvec_find(&f, "network", NULL);
        uint8_t exp[DATASET_MAX_LEN];
        size_t n = hex2bin(tvec_get(nb, "active_dataset_tlvs"), exp, sizeof(exp));
        tvec_free(&f);
        assert_int_equal(d.len, n);
        assert_memory_equal(d.tlvs, exp, n);
    }
}

static void test_dataset_setters_and_errors(void **state)
{
    (void)state;
    struct dataset_tlvs d = {{0}, 0};
    assert_int_equal(dataset_cli_set(&d, "channel", "27"), DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "channel", "10"), DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "channel", "1x"), DATASET_ERR_PARSE);
    assert_int_equal(dataset_cli_set(&d, "panid", "0x1g"), DATASET_ERR_PARSE);
    assert_int_equal(dataset_cli_set(&d, "panid", "65536"), DATASET_ERR_PARSE);
    assert_int_equal(dataset_cli_set(&d, "panid", "0xffff"), DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "networkkey", "0011"), DATASET_ERR_PARSE);
    assert_int_equal(dataset_cli_set(&d, "extpanid", "0011223344556677"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "networkname", "0123456789abcdefX"),
                     DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "networkname", "bad\tname"), DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "networkname", "Thread-\xc3\xa9t\xc3\xa9"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "meshlocalprefix", "fd00::/64"), DATASET_ERR_PARSE);
    assert_int_equal(dataset_cli_set(&d, "meshlocalprefix", "fd00:1:2:3::"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "activetimestamp", "42"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "channelmask", "0x00001800"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "channelmask", "0x00000001"), DATASET_ERR_INVALID_ARG);
    assert_int_equal(dataset_cli_set(&d, "wakeupchannel", "26"), DATASET_OK);
    assert_int_equal(dataset_cli_set(&d, "bogus", "1"), DATASET_ERR_INVALID_ARG);
    struct dataset_security_policy sp = {.rotation_hours = 1};
    assert_int_equal(dataset_set_security_policy(&d, &sp), DATASET_ERR_INVALID_ARG);
    sp.rotation_hours = 100;
    sp.commercial_commissioning = sp.autonomous_enrollment = true;
    sp.network_key_provisioning = sp.non_ccm_routers = sp.routers = true;
    sp.version_threshold = 3;
    assert_int_equal(dataset_set_security_policy(&d, &sp), DATASET_OK);
    /* setting a TLV again moves it to the end */
    assert_int_equal(dataset_cli_set(&d, "extpanid", "8877665544332211"), DATASET_OK);
    char *got = dataset_text(&d, true);
    assert_string_equal(got, "Active Timestamp: 42\n"
                             "Wake-up Channel: 26\n"
                             "Channel Mask: 0x00001800\n"
                             "Ext PAN ID: 8877665544332211\n"
                             "Mesh Local Prefix: fd00:1:2:3::/64\n"
                             "Network Name: Thread-\xc3\xa9t\xc3\xa9\n"
                             "Security Policy: 100 rCepR 3\n");
    free(got);
    assert_int_equal(d.tlvs[d.len - 10], DATASET_TLV_EXTPANID);
    assert_int_equal(dataset_cli_set(&d, "networkkey", "ffeeddccbbaa99887766554433221100"),
                     DATASET_OK);
    got = dataset_text(&d, true);
    assert_non_null(strstr(got, "Network Key: [Redacted]\n"));
    free(got);

    /* unknown TLVs are kept; a 1-byte (Thread 1.1) security policy */
    const uint8_t extra[] = {0x0c, 0x03, 0x02, 0xa0, 0xf7, 0x80, 0x02, 0xaa, 0xbb};
    assert_int_equal(dataset_set_tlvs(&d, extra, sizeof(extra)), DATASET_OK);
    got = dataset_text(&d, false);
    assert_string_equal(got, "Security Policy: 672 onrc 0\n");
    free(got);

    /* named errors on bad TLVs */
    const uint8_t dup[] = {0x01, 0x02, 0x12, 0x34, 0x01, 0x02, 0x12, 0x34};
    assert_int_equal(dataset_validate(dup, sizeof(dup)), DATASET_ERR_DUPLICATE);
    const uint8_t ext[] = {0x80, 0xff, 0x00, 0x01, 0x00};
    assert_int_equal(dataset_validate(ext, sizeof(ext)), DATASET_ERR_EXTENDED);
    const uint8_t ch[] = {0x00, 0x03, 0x00, 0x00, 0x1b};
    assert_int_equal(dataset_validate(ch, sizeof(ch)), DATASET_ERR_BAD_TLV);
    const uint8_t ch_page[] = {0x00, 0x03, 0x02, 0x00, 0x0f};
    assert_int_equal(dataset_validate(ch_page, sizeof(ch_page)), DATASET_ERR_BAD_TLV);
    const uint8_t mask_len[] = {0x35, 0x05, 0x00, 0x03, 0x1f, 0xff, 0xe0};
    assert_int_equal(dataset_validate(mask_len, sizeof(mask_len)), DATASET_ERR_BAD_TLV);
    const uint8_t mask_empty[] = {0x35, 0x00};
    assert_int_equal(dataset_validate(mask_empty, sizeof(mask_empty)), DATASET_ERR_BAD_TLV);
    const uint8_t name_ctl[] = {0x03, 0x02, 'a', 0x01};
    assert_int_equal(dataset_validate(name_ctl, sizeof(name_ctl)), DATASET_ERR_BAD_TLV);
    const uint8_t name_utf[] = {0x03, 0x02, 'a', 0xc3};
    assert_int_equal(dataset_validate(name_utf, sizeof(name_utf)), DATASET_ERR_BAD_TLV);
    const uint8_t key_short[] = {0x05, 0x0f, 0};
    assert_int_equal(dataset_validate(key_short, sizeof(key_short)), DATASET_ERR_TRUNCATED);
    uint8_t key15[17] = {0x05, 0x0f};
    assert_int_equal(dataset_validate(key15, sizeof(key15)), DATASET_ERR_BAD_TLV);
    const uint8_t hdr[] = {0x05};
    assert_int_equal(dataset_validate(hdr, 1), DATASET_ERR_TRUNCATED);
    uint8_t big[DATASET_MAX_LEN + 1] = {0};
    assert_int_equal(dataset_validate(big, sizeof(big)), DATASET_ERR_TOO_LONG);
    assert_int_equal(dataset_set_tlvs(&d, dup, sizeof(dup)), DATASET_ERR_DUPLICATE);
    assert_int_equal(d.len, sizeof(extra)); /* unchanged */
    /* full */
    struct dataset_tlvs full = {{0}, 0};
    uint8_t blob[252] = {0};
    assert_int_equal(dataset_write_tlv(&full, 0x80, blob, 200), DATASET_OK);
    assert_int_equal(dataset_write_tlv(&full, 0x81, blob, 60), DATASET_ERR_NO_SPACE);
    assert_int_equal(dataset_write_tlv(&full, 0x80, blob, 252), DATASET_OK); /* replaces */
    assert_int_equal(full.len, 254);
    assert_string_equal(dataset_err_str(DATASET_ERR_EXTENDED), "extended_tlv");
}

static void test_dataset_hostile(void **state)
{
    (void)state;
    struct tvec_file f;
    assert_int_equal(tvec_load("nat64-ping.vec", &f), 0);
    uint8_t raw[DATASET_MAX_LEN], m[DATASET_MAX_LEN];
    size_t n =
        hex2bin(tvec_get(tvec_find(&f, "network", NULL), "active_dataset_tlvs"), raw, sizeof(raw));
    tvec_free(&f);
    struct dataset_info in;
    for (size_t cut = 0; cut < n; cut++) {
        enum dataset_err e = dataset_parse(raw, cut, &in);
        /* a cut inside the first TLV (timestamp, 10 bytes) */
        if (cut > 0 && cut < 10)
            assert_int_equal(e, DATASET_ERR_TRUNCATED);
    }
    for (size_t bit = 0; bit < n * 8; bit++) {
        memcpy(m, raw, n);
        m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        struct dataset_tlvs d;
        if (dataset_set_tlvs(&d, m, n) == DATASET_OK) {
            struct capture c;
            cap_open(&c);
            assert_int_equal(dataset_print(c.f, &d, false), DATASET_OK);
            free(cap_close(&c));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transcripts_netdata),
        cmocka_unit_test(test_leader_register_asd),
        cmocka_unit_test(test_leader_build_captured),
        cmocka_unit_test(test_codelab),
        cmocka_unit_test(test_stable_subset_med),
        cmocka_unit_test(test_versions_and_temporary),
        cmocka_unit_test(test_context_allocation),
        cmocka_unit_test(test_find_nat64),
        cmocka_unit_test(test_format_details),
        cmocka_unit_test(test_hostile_named_errors),
        cmocka_unit_test(test_hostile_mutations),
        cmocka_unit_test(test_dataset_captures),
        cmocka_unit_test(test_dataset_init_new),
        cmocka_unit_test(test_dataset_setters_and_errors),
        cmocka_unit_test(test_dataset_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
