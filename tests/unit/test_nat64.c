/*
 * The stateful translator end to end through the nat64 API: the RFC 7915
 * engine with the RFC 6146 mapper over the session table. Packets are built
 * here, translated, and the output checked field by field and by checksum.
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
#include "nat64/nat64_fmt.h"
#include "pktbuild.h"

#define DEV1 "fd4c:9574:3720:1::1"
#define DEV2 "fd4c:9574:3720:1::2"
#define DEV3 "fd4c:9574:3720:1::3"
#define PEER6 "fd4c:9574:3720:2::c000:201" /* 192.0.2.1 in the /96 */
#define PEER4 "192.0.2.1"

static uint8_t obuf[XLAT_OUT_CAP];
static struct xlat_out out;

static struct nat64 *make(bool napt, const char *pool)
{
    static struct nat64_cfg cfg;
    nat64_cfg_default(&cfg);
    assert_true(addr_parse_prefix6("fd4c:9574:3720:2::/96", &cfg.prefix));
    if (pool)
        assert_true(addr_parse_prefix4(pool, &cfg.bib.pool));
    cfg.bib.napt = napt;
    cfg.bib.seed = 7;
    cfg.xlat.have_self4 = true;
    addr_parse4("192.0.2.254", cfg.xlat.self4);
    cfg.xlat.have_self6 = true;
    addr_parse6("fd4c:9574:3720:1::ff", cfg.xlat.self6);
    char err[128];
    struct nat64 *n = nat64_new(&cfg, err, sizeof(err));
    assert_non_null(n);
    return n;
}

static struct xlat_result xl(struct nat64 *n, const uint8_t *p, size_t len, uint64_t now)
{
    out.buf = obuf;
    out.cap = sizeof(obuf);
    return nat64_translate(n, p, len, now, &out);
}

static bool addr4_is(const uint8_t *a, const char *s)
{
    uint8_t b[4];
    return addr_parse4(s, b) && memcmp(a, b, 4) == 0;
}

static bool addr6_is(const uint8_t *a, const char *s)
{
    uint8_t b[16];
    return addr_parse6(s, b) && memcmp(a, b, 16) == 0;
}

/* Device echo request out, reply back: the codelab's ping. */
static void test_ping_round_trip(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 58, 64, t, pb_echo(t, 128, 0x1234, 1, 8));
    struct xlat_result r = xl(n, p, len, 1000);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(out.n, 1);
    const uint8_t *q = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 20 + 16);
    assert_int_equal(q[0], 0x45);
    assert_int_equal(q[9], 1);
    assert_int_equal(q[8], 63);                       /* a router decrements */
    assert_true(addr4_is(q + 12, "192.168.255.254")); /* OT hands out the last first */
    assert_true(addr4_is(q + 16, PEER4));
    assert_int_equal(q[20], 8);                 /* echo request */
    assert_int_equal(be16_get(q + 24), 0x1234); /* identifier kept */
    assert_true(pb_valid(q, out.pkt[0].len));

    len = pb_ip4(p, PEER4, "192.168.255.254", 1, 50, false, t, pb_echo(t, 0, 0x1234, 1, 8));
    r = xl(n, p, len, 1500);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    q = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 40 + 16);
    assert_true(addr6_is(q + 8, PEER6));
    assert_true(addr6_is(q + 24, DEV1));
    assert_int_equal(q[6], 58);
    assert_int_equal(q[7], 49);
    assert_int_equal(q[40], 129); /* echo reply */
    assert_true(pb_valid(q, out.pkt[0].len));

    struct nat64_fmt_mapping m[4];
    assert_int_equal(nat64_mappings(n, 1500, m, 4), 1);
    assert_true(addr6_is(m[0].addr6, DEV1));
    assert_true(addr4_is(m[0].addr4, "192.168.255.254"));
    assert_false(m[0].has_ports);
    assert_int_equal(m[0].ctr[NAT64_PROTO_ICMP].pkts_6to4, 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_ICMP].bytes_6to4, 16);
    assert_int_equal(m[0].ctr[NAT64_PROTO_ICMP].pkts_4to6, 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_ICMP].bytes_4to6, 16);
    assert_true(m[0].remaining_s > 0 && m[0].remaining_s <= 60);

    struct nat64_fmt_counters c;
    nat64_counters(n, &c);
    assert_int_equal(c.proto[NAT64_PROTO_ICMP].pkts_6to4, 1);
    assert_int_equal(c.proto[NAT64_PROTO_ICMP].pkts_4to6, 1);
    nat64_free(n);
}

/* TCP and UDP of one device share its mapping; counters per protocol. */
static void test_udp_tcp_counters(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[400], t[300];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 64, t, pb_udp(t, 5000, 53, 5));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    assert_int_equal(be16_get(out.pkt[0].data + 20), 5000); /* port kept */
    assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    len = pb_ip6(p, DEV1, PEER6, 6, 64, t, pb_tcp(t, 40000, 12345, 0x02, 0));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    len = pb_ip4(p, PEER4, "192.168.255.254", 6, 64, true, t, pb_tcp(t, 12345, 40000, 0x12, 0));
    assert_int_equal(xl(n, p, len, 10).verdict, XLAT_FORWARD);
    assert_true(addr6_is(out.pkt[0].data + 24, DEV1));
    assert_int_equal(be16_get(out.pkt[0].data + 42), 40000);
    assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));

    struct nat64_fmt_mapping m[4];
    assert_int_equal(nat64_mappings(n, 10, m, 4), 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_UDP].pkts_6to4, 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_UDP].bytes_6to4, 13);
    assert_int_equal(m[0].ctr[NAT64_PROTO_TCP].pkts_6to4, 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_TCP].pkts_4to6, 1);
    assert_int_equal(m[0].ctr[NAT64_PROTO_TCP].bytes_4to6, 20);
    nat64_free(n);
}

/* Unknown IPv4 destinations: in the pool but unmapped is a counted drop;
 * outside the pool is not the translator's. */
static void test_inbound_without_mapping(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip4(p, PEER4, "192.168.255.7", 17, 64, true, t, pb_udp(t, 53, 5000, 4));
    struct xlat_result r = xl(n, p, len, 0);
    assert_int_not_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.reason, NAT64_DROP_NO_MAPPING);
    len = pb_ip4(p, PEER4, "198.51.100.7", 17, 64, true, t, pb_udp(t, 53, 5000, 4));
    r = xl(n, p, len, 0);
    assert_int_equal(r.verdict, XLAT_PASS);
    assert_int_equal(r.reason, NAT64_DROP_NOT_OURS);
    struct nat64_fmt_counters c;
    nat64_counters(n, &c);
    assert_int_equal(c.drops_4to6[NAT64_DROP_NO_MAPPING], 1);
    nat64_free(n);
}

/* A /30 pool has two addresses: the third device is refused with an ICMPv6
 * error while the first two keep working. */
static void test_pool_exhaustion(void **state)
{
    (void)state;
    struct nat64 *n = make(false, "192.168.255.0/30");
    uint8_t p[200], t[100];
    const char *devs[] = {DEV1, DEV2, DEV3};
    for (int i = 0; i < 3; i++) {
        size_t len = pb_ip6(p, devs[i], PEER6, 17, 64, t, pb_udp(t, 5000, 53, 4));
        struct xlat_result r = xl(n, p, len, 0);
        if (i < 2) {
            assert_int_equal(r.verdict, XLAT_FORWARD);
        } else {
            assert_int_equal(r.verdict, XLAT_REPLY);
            assert_int_equal(r.reason, NAT64_DROP_POOL_EXHAUSTED);
            const uint8_t *q = out.pkt[0].data;
            assert_int_equal(q[0] >> 4, 6);
            assert_int_equal(q[6], 58);
            assert_int_equal(q[40], 1); /* destination unreachable */
            assert_true(addr6_is(q + 24, DEV3));
            assert_true(pb_valid(q, out.pkt[0].len));
        }
    }
    for (int i = 0; i < 2; i++) {
        size_t len = pb_ip6(p, devs[i], PEER6, 17, 64, t, pb_udp(t, 5001, 53, 4));
        assert_int_equal(xl(n, p, len, 1).verdict, XLAT_FORWARD);
    }
    struct nat64_fmt_counters c;
    nat64_counters(n, &c);
    assert_int_equal(c.drops_6to4[NAT64_DROP_POOL_EXHAUSTED], 1);
    nat64_free(n);
}

/* An IPv4 router's Port Unreachable about a device's UDP packet reaches the
 * device as ICMPv6 Destination Unreachable / port, quoting its own packet. */
static void test_icmp_error_to_device(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[600], t[300], err[400];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 64, t, pb_udp(t, 5000, 9, 4));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    size_t qlen = out.pkt[0].len; /* the IPv4 packet as it left */
    memset(err, 0, 8);
    err[0] = 3;
    err[1] = 3;
    memcpy(err + 8, out.pkt[0].data, qlen);
    len = pb_ip4(p, "198.51.100.1", "192.168.255.254", 1, 64, false, err, 8 + qlen);
    struct xlat_result r = xl(n, p, len, 5);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    const uint8_t *q = out.pkt[0].data;
    assert_int_equal(q[0] >> 4, 6);
    assert_true(addr6_is(q + 8, "fd4c:9574:3720:2::c633:6401")); /* 198.51.100.1 */
    assert_true(addr6_is(q + 24, DEV1));
    assert_int_equal(q[40], 1); /* destination unreachable */
    assert_int_equal(q[41], 4); /* port unreachable */
    /* The quoted packet is the device's own, translated back. */
    assert_int_equal(q[48] >> 4, 6);
    assert_true(addr6_is(q + 48 + 8, DEV1));
    assert_true(addr6_is(q + 48 + 24, PEER6));
    assert_true(pb_valid(q, out.pkt[0].len));
    nat64_free(n);
}

/* RFC 6146 timeouts through the whole translator: a UDP mapping answers
 * until 300 s of silence, then is gone. */
static void test_udp_timeout(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 64, t, pb_udp(t, 5000, 53, 4));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    len = pb_ip4(p, PEER4, "192.168.255.254", 17, 64, true, t, pb_udp(t, 53, 5000, 4));
    assert_int_equal(xl(n, p, len, 299000).verdict, XLAT_FORWARD); /* refreshes */
    assert_int_equal(xl(n, p, len, 598000).verdict, XLAT_FORWARD);
    struct xlat_result r = xl(n, p, len, 598000 + 300001);
    assert_int_not_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.reason, NAT64_DROP_NO_MAPPING);
    struct nat64_fmt_mapping m[2];
    assert_int_equal(nat64_mappings(n, 598000 + 300001, m, 2), 0);
    nat64_free(n);
}

/* NAPT: two devices using the same source port share an address but get
 * distinct ports, and replies find their way back. */
static void test_napt_two_devices(void **state)
{
    (void)state;
    struct nat64 *n = make(true, "192.168.255.1/32");
    uint8_t p[200], t[100];
    uint16_t port4[2];
    const char *devs[] = {DEV1, DEV2};
    for (int i = 0; i < 2; i++) {
        size_t len = pb_ip6(p, devs[i], PEER6, 17, 64, t, pb_udp(t, 5000, 53, 4));
        assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
        assert_true(addr4_is(out.pkt[0].data + 12, "192.168.255.1"));
        port4[i] = be16_get(out.pkt[0].data + 20);
        assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    }
    assert_int_not_equal(port4[0], port4[1]);
    for (int i = 1; i >= 0; i--) {
        size_t len = pb_ip4(p, PEER4, "192.168.255.1", 17, 64, true, t, pb_udp(t, 53, port4[i], 4));
        assert_int_equal(xl(n, p, len, 1).verdict, XLAT_FORWARD);
        assert_true(addr6_is(out.pkt[0].data + 24, devs[i]));
        assert_int_equal(be16_get(out.pkt[0].data + 42), 5000);
        assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    }
    struct nat64_fmt_mapping m[4];
    assert_int_equal(nat64_mappings(n, 1, m, 4), 2);
    assert_true(m[0].has_ports);
    nat64_free(n);
}

/* A static mapping lets an IPv4 host open a flow to a device. */
static void test_static_inbound(void **state)
{
    (void)state;
    static struct nat64_cfg cfg;
    nat64_cfg_default(&cfg);
    assert_true(addr_parse_prefix6("64:ff9b::/96", &cfg.prefix));
    cfg.n_static = 1;
    cfg.statics[0].proto = 0;
    addr_parse6(DEV1, cfg.statics[0].addr6);
    addr_parse4("192.168.255.10", cfg.statics[0].addr4);
    struct nat64 *n = nat64_new(&cfg, NULL, 0);
    assert_non_null(n);
    uint8_t p[200], t[100];
    size_t len = pb_ip4(p, PEER4, "192.168.255.10", 6, 64, true, t, pb_tcp(t, 3333, 80, 0x02, 0));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    assert_true(addr6_is(out.pkt[0].data + 24, DEV1));
    assert_true(addr6_is(out.pkt[0].data + 8, "64:ff9b::c000:201"));
    assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    nat64_free(n);
}

/* Hop limit 1 cannot be forwarded: Time Exceeded back to the device. */
static void test_hop_limit_expired(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 1, t, pb_udp(t, 5000, 53, 4));
    struct xlat_result r = xl(n, p, len, 0);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_HOP_LIMIT);
    assert_int_equal(out.pkt[0].data[40], 3); /* ICMPv6 time exceeded */
    assert_true(addr6_is(out.pkt[0].data + 24, DEV1));
    assert_true(pb_valid(out.pkt[0].data, out.pkt[0].len));
    /* No state was created for it. */
    struct nat64_fmt_mapping m[2];
    assert_int_equal(nat64_mappings(n, 0, m, 2), 0);
    nat64_free(n);
}

/* RFC 4443 §2.4(f): the errors the translator originates are rate-limited,
 * one token bucket per direction; over it the packet is dropped and counted. */
static void test_icmp_error_rate_limit(void **state)
{
    (void)state;
    static struct nat64_cfg cfg;
    uint8_t p[200], t[100], p4[200], t4[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 1, t, pb_udp(t, 5000, 53, 4));
    size_t len4 = pb_ip4(p4, PEER4, "192.0.2.9", 17, 1, false, t4, pb_udp(t4, 53, 5000, 4));
    struct nat64_fmt_counters c;
    char err[128];

    /* no limit by default: every error goes out */
    struct nat64 *n = make(false, NULL);
    for (int i = 0; i < 30; i++)
        assert_int_equal(xl(n, p, len, 0).verdict, XLAT_REPLY);
    nat64_free(n);

    nat64_cfg_default(&cfg);
    assert_true(addr_parse_prefix6("fd4c:9574:3720:2::/96", &cfg.prefix));
    assert_true(addr_parse_prefix4("192.0.2.0/24", &cfg.bib.pool));
    cfg.icmp_err_limit.per_s = 10;
    cfg.icmp_err_limit.burst = 5;
    n = nat64_new(&cfg, err, sizeof(err));
    assert_non_null(n);
    /* a burst of 5 at once, then nothing */
    for (int i = 0; i < 5; i++)
        assert_int_equal(xl(n, p, len, 1000).verdict, XLAT_REPLY);
    struct xlat_result r = xl(n, p, len, 1000);
    assert_int_equal(r.verdict, XLAT_DROP);
    assert_int_equal(r.reason, NAT64_DROP_ICMP_RATE_LIMIT);
    assert_int_equal(out.n, 0);
    /* the other direction has its own bucket (TTL 1 towards the pool) */
    r = xl(n, p4, len4, 1000);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_HOP_LIMIT);
    /* 10/s: one more after 100 ms, not before */
    assert_int_equal(xl(n, p, len, 1099).verdict, XLAT_DROP);
    assert_int_equal(xl(n, p, len, 1100).verdict, XLAT_REPLY);
    assert_int_equal(xl(n, p, len, 1100).verdict, XLAT_DROP);
    /* a long pause refills no more than the burst */
    for (int i = 0; i < 5; i++)
        assert_int_equal(xl(n, p, len, 60000).verdict, XLAT_REPLY);
    assert_int_equal(xl(n, p, len, 60000).verdict, XLAT_DROP);
    /* a clock that goes back adds nothing */
    assert_int_equal(xl(n, p, len, 500).verdict, XLAT_DROP);
    nat64_counters(n, &c);
    assert_int_equal(c.drops_6to4[NAT64_DROP_HOP_LIMIT], 11);
    assert_int_equal(c.drops_6to4[NAT64_DROP_ICMP_RATE_LIMIT], 5);
    assert_int_equal(c.drops_4to6[NAT64_DROP_HOP_LIMIT], 1);
    assert_string_equal(nat64_drop_name(NAT64_DROP_ICMP_RATE_LIMIT), "icmp-rate-limit");
    nat64_free(n);
}

/* RFC 6146 §3.8: a device reaching another device's pool address through
 * the prefix is hairpinned back into IPv6, from its own pool address. */
static void test_hairpin(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 64, t, pb_udp(t, 5000, 53, 4));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD); /* DEV1: .254 */
    len = pb_ip6(p, DEV2, PEER6, 17, 64, t, pb_udp(t, 6000, 53, 4));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD); /* DEV2: .253 */
    /* DEV1 -> 192.168.255.253:6000, written as an address in the /96. */
    len = pb_ip6(p, DEV1, "fd4c:9574:3720:2::c0a8:fffd", 17, 64, t, pb_udp(t, 5000, 6000, 4));
    struct xlat_result r = xl(n, p, len, 1);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(out.n, 1);
    const uint8_t *q = out.pkt[0].data;
    assert_int_equal(q[0] >> 4, 6);
    assert_true(addr6_is(q + 8, "fd4c:9574:3720:2::c0a8:fffe")); /* DEV1's pool address */
    assert_true(addr6_is(q + 24, DEV2));
    assert_int_equal(q[7], 63); /* decremented once */
    assert_int_equal(be16_get(q + 40), 5000);
    assert_int_equal(be16_get(q + 42), 6000);
    assert_true(pb_valid(q, out.pkt[0].len));
    nat64_free(n);
}

/* Clearing (OpenThread's disable) drops every mapping. */
static void test_clear(void **state)
{
    (void)state;
    struct nat64 *n = make(false, NULL);
    uint8_t p[200], t[100];
    size_t len = pb_ip6(p, DEV1, PEER6, 17, 64, t, pb_udp(t, 5000, 53, 4));
    assert_int_equal(xl(n, p, len, 0).verdict, XLAT_FORWARD);
    nat64_clear(n);
    struct nat64_fmt_mapping m[2];
    assert_int_equal(nat64_mappings(n, 0, m, 2), 0);
    nat64_free(n);
}

static void test_bad_config(void **state)
{
    (void)state;
    static struct nat64_cfg cfg;
    nat64_cfg_default(&cfg);
    assert_true(addr_parse_prefix6("64:ff9b::/95", &cfg.prefix));
    char err[128] = "";
    assert_null(nat64_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "prefix length"));
    nat64_cfg_default(&cfg);
    cfg.mode = NAT64_STATELESS;
    assert_null(nat64_new(&cfg, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ping_round_trip),
        cmocka_unit_test(test_udp_tcp_counters),
        cmocka_unit_test(test_inbound_without_mapping),
        cmocka_unit_test(test_pool_exhaustion),
        cmocka_unit_test(test_icmp_error_to_device),
        cmocka_unit_test(test_udp_timeout),
        cmocka_unit_test(test_napt_two_devices),
        cmocka_unit_test(test_static_inbound),
        cmocka_unit_test(test_hop_limit_expired),
        cmocka_unit_test(test_icmp_error_rate_limit),
        cmocka_unit_test(test_hairpin),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests_name("nat64", tests, NULL, NULL);
}
