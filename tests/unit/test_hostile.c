/*
 * Hostile input: random and mutated packets in both directions through the
 * stateful, NAPT and stateless translators. Run under ASan+UBSan by the test
 * command, this checks that nothing reads or writes out of bounds, nothing
 * crashes or loops, every emitted packet is well-formed, and every packet not
 * forwarded is counted under exactly one named reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nat64/nat64.h"
#include "pktbuild.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    /* xorshift64*: deterministic, so a failure replays. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static struct nat64 *make(enum nat64_mode mode, bool napt)
{
    static struct nat64_cfg cfg;
    nat64_cfg_default(&cfg);
    cfg.mode = mode;
    assert_true(addr_parse_prefix6("64:ff9b::/96", &cfg.prefix));
    cfg.bib.napt = napt;
    cfg.bib.max_sessions = 2048;
    cfg.bib.max_mappings = 256;
    cfg.bib.seed = 42;
    cfg.xlat.have_self4 = true;
    addr_parse4("192.0.2.254", cfg.xlat.self4);
    cfg.xlat.have_self6 = true;
    addr_parse6("2001:db8::1", cfg.xlat.self6);
    if (mode == NAT64_STATELESS) {
        struct siit_eam e;
        assert_true(addr_parse_prefix6("2001:db8:3::/120", &e.p6));
        assert_true(addr_parse_prefix4("198.51.100.0/24", &e.p4));
        assert_int_equal(siit_add_eam(&cfg.siit, &e), 0);
    }
    struct nat64 *n = nat64_new(&cfg, NULL, 0);
    assert_non_null(n);
    return n;
}

static uint8_t obuf[XLAT_OUT_CAP];

static uint64_t total_counted(struct nat64 *n)
{
    struct nat64_fmt_counters c;
    nat64_counters(n, &c);
    uint64_t t = 0;
    for (int i = 0; i < NAT64_PROTO_COUNT; i++)
        t += c.proto[i].pkts_4to6 + c.proto[i].pkts_6to4;
    for (int i = 0; i < NAT64_DROP_COUNT; i++)
        t += c.drops_4to6[i] + c.drops_6to4[i];
    return t;
}

/* Feeds one packet and checks the invariants. */
static struct xlat_result feed(struct nat64 *n, const uint8_t *p, size_t len, uint64_t now)
{
    struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
    uint64_t before = total_counted(n);
    struct xlat_result r = nat64_translate(n, p, len, now, &out);
    assert_true(r.verdict <= XLAT_PASS);
    assert_true(r.reason < NAT64_DROP_COUNT);
    if (r.verdict == XLAT_FORWARD || r.verdict == XLAT_REPLY) {
        assert_true(out.n >= 1 && out.n <= XLAT_MAX_OUT);
        for (unsigned i = 0; i < out.n; i++) {
            assert_true(out.pkt[i].data >= obuf);
            assert_true(out.pkt[i].data + out.pkt[i].len <= obuf + sizeof(obuf));
            unsigned v = out.pkt[i].data[0] >> 4;
            assert_true(v == 4 || v == 6);
            /* Lengths and IPv4 header checksum always hold; L4 checksums hold
             * only when the input's did, which mutation may have broken. */
            const uint8_t *q = out.pkt[i].data;
            if (v == 4)
                assert_int_equal(be16_get(q + 2), out.pkt[i].len);
            else
                assert_int_equal(be16_get(q + 4) + 40, out.pkt[i].len);
        }
    } else {
        assert_int_equal(out.n, 0);
        assert_int_not_equal(r.reason, NAT64_DROP_NONE);
    }
    /* Every packet is counted once: forwarded per protocol, or per reason.
     * (Forwarded packets of protocols other than TCP/UDP/ICMP have no row.) */
    uint64_t after = total_counted(n);
    if (r.verdict != XLAT_FORWARD || r.in.proto == 6 || r.in.proto == 17 || r.in.proto == 1 ||
        r.in.proto == 58)
        assert_int_equal(after, before + 1);
    return r;
}

/* A random well-formed packet of either family. */
static size_t gen_valid(uint8_t *p, bool six)
{
    uint8_t l4[1500];
    size_t l4len;
    unsigned kind = rnd() % 4;
    size_t n = rnd() % 200;
    uint16_t sp = (uint16_t)(1 + rnd() % 65535), dp = (uint16_t)(1 + rnd() % 65535);
    static const char *dev6[] = {"fd00::1", "fd00::2", "fd00::3", "2001:db8:3::7"};
    static const char *dst6[] = {"64:ff9b::c000:201", "64:ff9b::c633:6402", "2001:db8:3::9"};
    static const char *src4[] = {"192.0.2.1", "198.51.100.2", "203.0.113.5"};
    static const char *dst4[] = {"192.168.255.254", "192.168.255.253", "198.51.100.9"};
    uint8_t proto;
    switch (kind) {
    case 0:
        proto = 17;
        l4len = pb_udp(l4, sp, dp, n);
        break;
    case 1:
        proto = 6;
        l4len = pb_tcp(l4, sp, dp, (uint8_t)(rnd() & 0x3f), n);
        break;
    case 2:
        proto = six ? 58 : 1;
        l4len = pb_echo(l4, six ? (rnd() & 1 ? 128 : 129) : (rnd() & 1 ? 8 : 0), sp, dp, n);
        break;
    default: {
        /* An ICMP error quoting a packet going the other way. */
        uint8_t inner[600];
        uint8_t t[300];
        size_t tl = pb_udp(t, dp, sp, n % 64);
        size_t il = six ? pb_ip4(inner, src4[rnd() % 3], dst4[rnd() % 3], 17, 64, true, t, tl)
                        : pb_ip6(inner, dev6[rnd() % 4], dst6[rnd() % 3], 17, 64, t, tl);
        /* Quote the other family of the outer: translated inner sits inside. */
        uint8_t inner2[600];
        size_t il2 = six ? pb_ip6(inner2, dst6[rnd() % 3], dev6[rnd() % 4], 17, 63, t, tl)
                         : pb_ip4(inner2, dst4[rnd() % 3], src4[rnd() % 3], 17, 63, true, t, tl);
        (void)inner;
        (void)il;
        memset(l4, 0, 8);
        l4[0] = six ? (uint8_t)(1 + rnd() % 4) : (uint8_t)(rnd() & 1 ? 3 : 11);
        l4[1] = (uint8_t)(rnd() % 5);
        memcpy(l4 + 8, inner2, il2);
        l4len = 8 + il2;
        proto = six ? 58 : 1;
        break;
    }
    }
    if (six)
        return pb_ip6(p, dev6[rnd() % 4], dst6[rnd() % 3], proto, (uint8_t)(1 + rnd() % 255), l4,
                      l4len);
    return pb_ip4(p, src4[rnd() % 3], dst4[rnd() % 3], proto, (uint8_t)(1 + rnd() % 255), rnd() & 1,
                  l4, l4len);
}

static void mutate(uint8_t *p, size_t *len, size_t cap)
{
    unsigned ops = 1 + rnd() % 4;
    for (unsigned k = 0; k < ops; k++) {
        switch (rnd() % 6) {
        case 0: /* bit flip */
            if (*len)
                p[rnd() % *len] ^= (uint8_t)(1u << (rnd() % 8));
            break;
        case 1: /* truncate */
            if (*len)
                *len = rnd() % *len;
            break;
        case 2: /* random byte in the headers */
            if (*len)
                p[rnd() % (*len < 80 ? *len : 80)] = (uint8_t)rnd();
            break;
        case 3: /* grow with junk */
            while (*len < cap && rnd() % 8)
                p[(*len)++] = (uint8_t)rnd();
            break;
        case 4: /* length fields lie */
            if (*len >= 6) {
                if ((p[0] >> 4) == 4)
                    be16_put(p + 2, (uint16_t)rnd());
                else
                    be16_put(p + 4, (uint16_t)rnd());
            }
            break;
        default: /* next header / protocol */
            if (*len >= 10)
                p[(p[0] >> 4) == 4 ? 9 : 6] = (uint8_t)(rnd() % 64);
            break;
        }
    }
}

static void run_mix(enum nat64_mode mode, bool napt, unsigned iters)
{
    struct nat64 *n = make(mode, napt);
    static uint8_t p[2048];
    uint64_t now = 0;
    for (unsigned i = 0; i < iters; i++) {
        size_t len = gen_valid(p, rnd() & 1);
        if (rnd() % 4)
            mutate(p, &len, sizeof(p));
        now += rnd() % 2000;
        feed(n, p, len, now);
    }
    nat64_free(n);
}

static void test_mutated_stateful(void **state)
{
    (void)state;
    run_mix(NAT64_STATEFUL, false, 60000);
}

static void test_mutated_napt(void **state)
{
    (void)state;
    run_mix(NAT64_STATEFUL, true, 60000);
}

static void test_mutated_stateless(void **state)
{
    (void)state;
    run_mix(NAT64_STATELESS, false, 60000);
}

/* Pure noise, every length from 0 to 128 and random ones up to 64 KiB. */
static void test_noise(void **state)
{
    (void)state;
    struct nat64 *n[3] = {make(NAT64_STATEFUL, false), make(NAT64_STATEFUL, true),
                          make(NAT64_STATELESS, false)};
    static uint8_t p[70000];
    for (int m = 0; m < 3; m++) {
        for (size_t len = 0; len <= 128; len++) {
            for (int k = 0; k < 50; k++) {
                for (size_t i = 0; i < len; i++)
                    p[i] = (uint8_t)rnd();
                if (len)
                    p[0] = (uint8_t)((k & 1 ? 0x40 : 0x60) | (p[0] & 0x0f));
                feed(n[m], p, len, (uint64_t)k);
            }
        }
        for (int k = 0; k < 40; k++) {
            size_t len = rnd() % sizeof(p);
            for (size_t i = 0; i < len; i++)
                p[i] = (uint8_t)rnd();
            p[0] = (uint8_t)(k & 1 ? 0x45 : 0x60);
            feed(n[m], p, len, 0);
        }
        memset(p, 0, 2000);
        feed(n[m], p, 2000, 0);
        memset(p, 0xff, 2000);
        feed(n[m], p, 2000, 0);
        nat64_free(n[m]);
    }
}

/* Unmutated packets from the generator that are forwarded carry correct
 * checksums on the way out (independent check of the translator's sums). */
static void test_valid_output_checksums(void **state)
{
    (void)state;
    struct nat64 *n = make(NAT64_STATELESS, false);
    static uint8_t p[2048];
    unsigned forwarded = 0;
    for (unsigned i = 0; i < 20000; i++) {
        size_t len = gen_valid(p, rnd() & 1);
        struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
        struct xlat_result r = nat64_translate(n, p, len, 0, &out);
        if (r.verdict != XLAT_FORWARD)
            continue;
        forwarded++;
        for (unsigned k = 0; k < out.n; k++)
            assert_true(pb_valid(out.pkt[k].data, out.pkt[k].len));
    }
    assert_true(forwarded > 1000);
    nat64_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_stateful),       cmocka_unit_test(test_mutated_napt),
        cmocka_unit_test(test_mutated_stateless),      cmocka_unit_test(test_noise),
        cmocka_unit_test(test_valid_output_checksums),
    };
    return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
