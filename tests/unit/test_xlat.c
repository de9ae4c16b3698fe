/*
 * RFC 7915 engine: packets are built here, translated, and the output is
 * checked field by field, with every checksum verified from scratch.
 *
 * Network used: pool6 64:ff9b::/96, EAM 2001:db8:aaaa::/120 <-> 192.0.2.0/24.
 * IPv6 host H6 = 2001:db8:aaaa::5 (= 192.0.2.5), IPv4 server S4 = 203.0.113.7
 * (= 64:ff9b::cb00:7107). Translator: self4 198.51.100.1, self6 2001:db8:1::1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nat64/siit.h"
#include "nat64/xlat.h"
#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

static uint8_t H6[16], S6[16], R6[16], SELF6[16];
static uint8_t H4[4], S4[4], R4[4], SELF4[4];
static uint8_t obuf[XLAT_OUT_CAP];
static struct siit siit;
static struct xlat_cfg cfg;
static struct xlat_mapper mapper;
static struct xlat_out out;

static int setup(void **state)
{
    (void)state;
    addr_parse6("2001:db8:aaaa::5", H6);
    addr_parse6("64:ff9b::cb00:7107", S6);
    addr_parse6("64:ff9b::cb00:7101", R6); /* an IPv4 router, 203.0.113.1 */
    addr_parse6("2001:db8:1::1", SELF6);
    addr_parse4("192.0.2.5", H4);
    addr_parse4("203.0.113.7", S4);
    addr_parse4("203.0.113.1", R4);
    addr_parse4("198.51.100.1", SELF4);
    siit_init(&siit);
    siit.have_pool6 = addr_parse_prefix6("64:ff9b::/96", &siit.pool6);
    struct siit_eam e;
    addr_parse_prefix6("2001:db8:aaaa::/120", &e.p6);
    addr_parse_prefix4("192.0.2.0/24", &e.p4);
    siit_add_eam(&siit, &e);
    mapper = siit_mapper(&siit);
    xlat_cfg_default(&cfg);
    cfg.have_self4 = true;
    memcpy(cfg.self4, SELF4, 4);
    cfg.have_self6 = true;
    memcpy(cfg.self6, SELF6, 16);
    out.buf = obuf;
    out.cap = sizeof(obuf);
    return 0;
}

/* ---- builders ----------------------------------------------------------- */

/* Transport header + payload of `n` bytes with a pattern; checksum field 0. */
static size_t mk_l4(uint8_t *d, uint8_t proto, size_t n, uint8_t icmp_type)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)i;
    if (proto == 17) {
        be16_put(d, 1000);
        be16_put(d + 2, 53);
        be16_put(d + 4, (uint16_t)n);
        be16_put(d + 6, 0);
    } else if (proto == 6) {
        be16_put(d, 40000);
        be16_put(d + 2, 80);
        d[12] = 0x50;
        d[13] = 0x02; /* SYN */
        be16_put(d + 16, 0);
    } else if (proto == 1 || proto == 58) {
        d[0] = icmp_type;
        d[1] = 0;
        be16_put(d + 2, 0);
        be16_put(d + 4, 0x1234);
        be16_put(d + 6, 1);
    }
    return n;
}

static size_t csum_at(uint8_t proto)
{
    return proto == 17 ? 6 : proto == 6 ? 16 : 2;
}

static uint16_t l4sum4(const uint8_t *ip)
{
    size_t hl = (size_t)(ip[0] & 15) * 4, n = be16_get(ip + 2) - hl;
    uint32_t s = ip[9] == 1 ? 0 : csum_pseudo4(ip + 12, ip + 16, ip[9], (uint32_t)n);
    return csum_fold(csum_add(s, ip + hl, n));
}

/* Sum over an IPv6 packet with no extension headers (0xffff when valid). */
static uint16_t l4sum6(const uint8_t *ip)
{
    size_t n = be16_get(ip + 4);
    uint32_t s = csum_pseudo6(ip + 8, ip + 24, ip[6], (uint32_t)n);
    return csum_fold(csum_add(s, ip + 40, n));
}

struct pkt4 {
    uint8_t tos, ttl, proto;
    bool df, mf;
    uint16_t off, id;
    const uint8_t *src, *dst;
};

static size_t mk4(uint8_t *b, const struct pkt4 *p, size_t l4n, uint8_t icmp_type, bool csum)
{
    uint8_t *d = b + 20;
    mk_l4(d, p->proto, l4n, icmp_type);
    b[0] = 0x45;
    b[1] = p->tos;
    be16_put(b + 2, (uint16_t)(20 + l4n));
    be16_put(b + 4, p->id);
    be16_put(b + 6, (uint16_t)((p->df ? 0x4000 : 0) | (p->mf ? 0x2000 : 0) | p->off));
    b[8] = p->ttl;
    b[9] = p->proto;
    b[10] = b[11] = 0;
    memcpy(b + 12, p->src, 4);
    memcpy(b + 16, p->dst, 4);
    be16_put(b + 10, csum_ip4_header(b, 20));
    if (csum && (p->proto == 17 || p->proto == 6 || p->proto == 1))
        be16_put(d + csum_at(p->proto), (uint16_t)~l4sum4(b));
    return 20 + l4n;
}

static size_t mk6(uint8_t *b, uint8_t nh, uint8_t hlim, const uint8_t *src, const uint8_t *dst,
                  size_t l4n, uint8_t icmp_type)
{
    memset(b, 0, 40);
    b[0] = 0x60;
    be16_put(b + 4, (uint16_t)l4n);
    b[6] = nh;
    b[7] = hlim;
    memcpy(b + 8, src, 16);
    memcpy(b + 24, dst, 16);
    mk_l4(b + 40, nh, l4n, icmp_type);
    if (nh == 17 || nh == 6 || nh == 58)
        be16_put(b + 40 + csum_at(nh), (uint16_t)~l4sum6(b));
    return 40 + l4n;
}

static struct xlat_result run(const uint8_t *p, size_t n)
{
    return xlat_translate(&cfg, &mapper, p, n, 1000, &out);
}

static void assert_ip4_ok(const uint8_t *p, size_t n)
{
    assert_true(n >= 20);
    assert_int_equal(p[0], 0x45);
    assert_int_equal(be16_get(p + 2), n);
    assert_int_equal(csum_fold(csum_add(0, p, 20)), 0xffff);
}

static void assert_ip6_ok(const uint8_t *p, size_t n)
{
    assert_true(n >= 40);
    assert_int_equal(p[0] >> 4, 6);
    assert_int_equal(be16_get(p + 4) + 40, n);
}

/* ---- plain translation ------------------------------------------------- */

static void test_udp_6to4(void **state)
{
    (void)state;
    uint8_t b[200];
    size_t n = mk6(b, 17, 64, H6, S6, 108, 0);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.in.family, 6);
    assert_int_equal(r.in.proto, 17);
    assert_true(r.in.has_ports);
    assert_int_equal(r.in.sport, 1000);
    assert_int_equal(r.in.dport, 53);
    assert_int_equal(r.in.l4_len, 108);
    assert_int_equal(out.n, 1);
    const uint8_t *o = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 128);
    assert_ip4_ok(o, out.pkt[0].len);
    assert_int_equal(o[8], 63);       /* TTL = hop limit - 1 */
    assert_int_equal(o[6] & 0x40, 0); /* small: DF=0 (RFC 7915 §5.1) */
    assert_int_equal(o[9], 17);
    assert_memory_equal(o + 12, H4, 4);
    assert_memory_equal(o + 16, S4, 4);
    assert_int_equal(l4sum4(o), 0xffff);
    assert_memory_equal(o + 28, b + 48, 100); /* payload untouched */
}

static void test_tcp_both_ways(void **state)
{
    (void)state;
    uint8_t b[1600];
    size_t n = mk6(b, 6, 64, H6, S6, 1300, 0);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.in.tcp_flags, 0x02);
    const uint8_t *o = out.pkt[0].data;
    assert_ip4_ok(o, out.pkt[0].len);
    assert_int_equal(o[6] & 0x40, 0x40); /* 1320 > 1260: DF=1 */
    assert_int_equal(l4sum4(o), 0xffff);

    struct pkt4 p = {.ttl = 50, .proto = 6, .df = true, .src = S4, .dst = H4, .tos = 0x28};
    n = mk4(b, &p, 500, 0, true);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.in.family, 4);
    assert_int_equal(out.n, 1);
    o = out.pkt[0].data;
    assert_ip6_ok(o, out.pkt[0].len);
    assert_int_equal(out.pkt[0].len, 540);
    assert_int_equal(o[6], 6); /* no Fragment header (RFC 8021) */
    assert_int_equal(o[7], 49);
    assert_int_equal(((o[0] & 15) << 4) | (o[1] >> 4), 0x28); /* TC = TOS */
    assert_memory_equal(o + 8, S6, 16);
    assert_memory_equal(o + 24, H6, 16);
    assert_int_equal(l4sum6(o), 0xffff);
}

static void test_icmp_echo(void **state)
{
    (void)state;
    uint8_t b[200];
    size_t n = mk6(b, 58, 64, H6, S6, 64, 128);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(r.in.icmp_type, 128);
    assert_int_equal(r.in.sport, 0x1234);
    const uint8_t *o = out.pkt[0].data;
    assert_int_equal(o[9], 1);
    assert_int_equal(o[20], 8); /* echo request */
    assert_int_equal(l4sum4(o), 0xffff);

    struct pkt4 p = {.ttl = 64, .proto = 1, .src = S4, .dst = H4};
    n = mk4(b, &p, 64, 0, true);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    o = out.pkt[0].data;
    assert_int_equal(o[6], 58);
    assert_int_equal(o[40], 129); /* echo reply */
    assert_int_equal(l4sum6(o), 0xffff);

    /* Timestamp request has no ICMPv6 counterpart. */
    n = mk4(b, &p, 20, 13, true);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_DROP);
    assert_int_equal(r.reason, NAT64_DROP_UNSUP_ICMP);
    assert_int_equal(out.n, 0);
}

static void test_wrong_checksum_stays_wrong(void **state)
{
    (void)state;
    uint8_t b[200];
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 40, 0, true);
    be16_put(b + 26, (uint16_t)(be16_get(b + 26) + 1)); /* one off */
    assert_int_equal(l4sum4(b), 1);                     /* valid would be 0xffff */
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    /* Still exactly one off: updated incrementally, not recomputed. */
    assert_int_equal(l4sum6(out.pkt[0].data), 1);
}

/* ---- errors the translator originates --------------------------------- */

static void test_ttl_expiry(void **state)
{
    (void)state;
    uint8_t b[200];
    struct pkt4 p = {.ttl = 1, .proto = 17, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 30, 0, true);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_HOP_LIMIT);
    assert_int_equal(out.n, 1);
    const uint8_t *o = out.pkt[0].data;
    assert_ip4_ok(o, out.pkt[0].len);
    assert_int_equal(out.pkt[0].len, 28 + n);
    assert_int_equal(o[8], 64);
    assert_memory_equal(o + 12, SELF4, 4);
    assert_memory_equal(o + 16, S4, 4);
    assert_int_equal(o[20], 11);
    assert_int_equal(o[21], 0);
    assert_int_equal(l4sum4(o), 0xffff);
    assert_memory_equal(o + 28, b, n);

    n = mk6(b, 17, 1, H6, S6, 30, 0);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_HOP_LIMIT);
    o = out.pkt[0].data;
    assert_ip6_ok(o, out.pkt[0].len);
    assert_memory_equal(o + 8, SELF6, 16);
    assert_memory_equal(o + 24, H6, 16);
    assert_int_equal(o[7], 64);
    assert_int_equal(o[40], 3);
    assert_int_equal(l4sum6(o), 0xffff);

    /* No error about an ICMP error: dropped. */
    p.proto = 1;
    n = mk4(b, &p, 36, 3, false);
    memcpy(b + 28, b, 8); /* something quoted; content irrelevant */
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_DROP);
    assert_int_equal(r.reason, NAT64_DROP_HOP_LIMIT);
    assert_int_equal(out.n, 0);
}

static void test_too_big(void **state)
{
    (void)state;
    static uint8_t b[3000];
    cfg.mtu6 = 1280;
    struct pkt4 p = {.ttl = 64, .proto = 17, .df = true, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 1300, 0, true);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_TOO_BIG);
    const uint8_t *o = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 576); /* capped at icmp4_err_cap */
    assert_ip4_ok(o, 576);
    assert_int_equal(o[20], 3);
    assert_int_equal(o[21], 4);
    assert_int_equal(be16_get(o + 26), 1260); /* RFC 7915 §4.1: MTU6 - 20 */
    assert_int_equal(l4sum4(o), 0xffff);
    cfg.mtu6 = 1500;

    cfg.mtu4 = 1400;
    n = mk6(b, 17, 64, H6, S6, 1400, 0);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_TOO_BIG);
    o = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 1280);
    assert_int_equal(o[40], 2);
    assert_int_equal(be32_get(o + 44), 1420);
    assert_int_equal(l4sum6(o), 0xffff);
    cfg.mtu4 = 1500;
}

static void test_fragment_into_ipv6(void **state)
{
    (void)state;
    static uint8_t b[3000], re[3000];
    struct pkt4 p = {.ttl = 64, .proto = 17, .id = 0xabcd, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 2000, 0, true);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(out.n, 2);
    size_t total = 0;
    for (unsigned i = 0; i < out.n; i++) {
        const uint8_t *o = out.pkt[i].data;
        assert_ip6_ok(o, out.pkt[i].len);
        assert_true(out.pkt[i].len <= 1280);
        assert_int_equal(o[6], 44);
        assert_int_equal(o[40], 17);
        assert_int_equal(be32_get(o + 44), 0xabcd); /* IPv4 ID copied */
        uint16_t fo = be16_get(o + 42);
        assert_int_equal(fo & 1, i == 0 ? 1 : 0);
        assert_int_equal((size_t)(fo & ~7u), total);
        memcpy(re + 40 + total, o + 48, out.pkt[i].len - 48);
        total += out.pkt[i].len - 48;
    }
    assert_int_equal(total, 2000);
    /* Reassembled, the UDP checksum verifies against the IPv6 pseudo-header. */
    memcpy(re, out.pkt[0].data, 40);
    be16_put(re + 4, (uint16_t)total);
    re[6] = 17;
    assert_int_equal(l4sum6(re), 0xffff);
    assert_memory_equal(re + 48, b + 28, 1992);
}

static void test_udp_zero_checksum(void **state)
{
    (void)state;
    uint8_t b[200];
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 40, 0, false); /* checksum left 0 */
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_not_equal(be16_get(out.pkt[0].data + 46), 0);
    assert_int_equal(l4sum6(out.pkt[0].data), 0xffff);

    cfg.udp_zero_csum_compute = false;
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_UDP_ZERO_CSUM);
    assert_int_equal(out.pkt[0].data[20], 3);
    assert_int_equal(out.pkt[0].data[21], 13);
    cfg.udp_zero_csum_compute = true;

    /* A first fragment cannot be summed: refused whatever the policy. */
    p.mf = true;
    n = mk4(b, &p, 40, 0, false);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_UDP_ZERO_CSUM);
}

/* ---- ICMP errors in transit ------------------------------------------- */

static void test_icmp4_error_translated(void **state)
{
    (void)state;
    uint8_t b[400], q[200];
    /* The quoted packet: H4 -> S4 UDP, as the IPv4 side saw it. */
    struct pkt4 qp = {.ttl = 60, .proto = 17, .src = H4, .dst = S4};
    size_t qn = mk4(q, &qp, 40, 0, true);
    struct pkt4 p = {.ttl = 64, .proto = 1, .src = R4, .dst = H4};
    size_t n = mk4(b, &p, 8 + qn, 3, false);
    b[21] = 3; /* port unreachable */
    be32_put(b + 24, 0);
    memcpy(b + 28, q, qn);
    be16_put(b + 22, csum_finish(csum_add(0, b + 20, 8 + qn)));
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    const uint8_t *o = out.pkt[0].data;
    assert_ip6_ok(o, out.pkt[0].len);
    assert_int_equal(out.pkt[0].len, 40 + 8 + 40 + 40);
    assert_memory_equal(o + 8, R6, 16);
    assert_memory_equal(o + 24, H6, 16);
    assert_int_equal(o[7], 63);
    assert_int_equal(o[40], 1);
    assert_int_equal(o[41], 4);
    assert_int_equal(l4sum6(o), 0xffff);
    const uint8_t *in = o + 48; /* quoted packet, translated */
    assert_int_equal(in[0] >> 4, 6);
    assert_memory_equal(in + 8, H6, 16);
    assert_memory_equal(in + 24, S6, 16);
    assert_int_equal(in[7], 60); /* not decremented */
    assert_int_equal(l4sum6(in), 0xffff);

    /* ... quoting an ICMP error: dropped. */
    struct pkt4 qe = {.ttl = 60, .proto = 1, .src = H4, .dst = S4};
    qn = mk4(q, &qe, 36, 11, true);
    n = mk4(b, &p, 8 + qn, 3, false);
    memcpy(b + 28, q, qn);
    be16_put(b + 22, csum_finish(csum_add(0, b + 20, 8 + qn)));
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_DROP);
    assert_int_equal(r.reason, NAT64_DROP_ICMP_ERR_NESTED);
}

static void test_icmp6_ptb_translated(void **state)
{
    (void)state;
    uint8_t b[400], q[200];
    /* ICMPv6 PTB (MTU 1400) from H6 about S6 -> H6 TCP. */
    size_t qn = mk6(q, 6, 63, S6, H6, 60, 0);
    size_t n = mk6(b, 58, 64, H6, S6, 8 + qn, 2);
    be32_put(b + 44, 1400);
    memcpy(b + 48, q, qn);
    be16_put(b + 42, 0);
    be16_put(b + 42, (uint16_t)~l4sum6(b));
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    const uint8_t *o = out.pkt[0].data;
    assert_ip4_ok(o, out.pkt[0].len);
    assert_int_equal(o[20], 3);
    assert_int_equal(o[21], 4);
    assert_int_equal(be16_get(o + 26), 1380); /* RFC 7915 §5.2: MTU - 20 */
    assert_int_equal(l4sum4(o), 0xffff);
    assert_ip4_ok(o + 28, out.pkt[0].len - 28);
    assert_int_equal(l4sum4(o + 28), 0xffff);

    /* RFC 4884: 40-byte extension after a 128-byte original datagram. */
    uint8_t q2[200];
    qn = mk6(q2, 17, 63, S6, H6, 80, 0);
    n = mk6(b, 58, 64, H6, S6, 8 + 128 + 40, 1);
    b[41] = 4;
    b[44] = 128 / 8;
    memcpy(b + 48, q2, qn);
    memset(b + 48 + qn, 0, 128 - qn);
    memset(b + 48 + 128, 0xee, 40);
    be16_put(b + 42, 0);
    be16_put(b + 42, (uint16_t)~l4sum6(b));
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    o = out.pkt[0].data;
    assert_int_equal(out.pkt[0].len, 20 + 8 + 128 + 40);
    assert_int_equal(o[25], 128 / 4); /* length now in 32-bit words */
    assert_int_equal(o[28 + 100], 0); /* padding after the 100-byte quote */
    assert_int_equal(o[28 + 128], 0xee);
    assert_int_equal(l4sum4(o), 0xffff);
}

/* ---- refused input ------------------------------------------------------ */

static void expect_drop(const uint8_t *p, size_t n, enum nat64_drop why)
{
    struct xlat_result r = run(p, n);
    assert_int_equal(r.verdict, XLAT_DROP);
    assert_int_equal(r.reason, why);
    assert_int_equal(out.n, 0);
}

static void test_garbage(void **state)
{
    (void)state;
    uint8_t b[200] = {0};
    expect_drop(b, 0, NAT64_DROP_TRUNCATED);
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 40, 0, true);
    expect_drop(b, 10, NAT64_DROP_TRUNCATED);
    expect_drop(b, n - 1, NAT64_DROP_BAD_LENGTH);
    b[0] = 0x55;
    expect_drop(b, n, NAT64_DROP_BAD_VERSION);
    b[0] = 0x44;
    expect_drop(b, n, NAT64_DROP_BAD_IHL);
    b[0] = 0x45;
    b[10] ^= 1;
    expect_drop(b, n, NAT64_DROP_BAD_IP4_CSUM);
    n = mk4(b, &p, 4, 0, true); /* UDP header cut short */
    expect_drop(b, n, NAT64_DROP_BAD_L4);

    n = mk6(b, 17, 64, H6, S6, 40, 0);
    expect_drop(b, 39, NAT64_DROP_TRUNCATED);
    expect_drop(b, n - 1, NAT64_DROP_BAD_LENGTH);
    b[6] = 60; /* destination options claiming more than the payload */
    b[41] = 20;
    expect_drop(b, n, NAT64_DROP_BAD_EXT_HDR);
}

static void test_ext_headers(void **state)
{
    (void)state;
    uint8_t b[200];
    /* Fragment header followed by destination options: ICMPv6 1/1 back. */
    size_t n = mk6(b, 17, 64, H6, S6, 48, 0);
    b[6] = 44;
    memmove(b + 56, b + 40, 32);
    b[40] = 60; /* fragment -> dstopts */
    b[41] = 0;
    be16_put(b + 42, 1); /* offset 0, M */
    be32_put(b + 44, 7);
    b[48] = 17;
    b[49] = 0;
    memset(b + 50, 0, 6);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_FRAG_EXT);
    assert_int_equal(out.pkt[0].data[40], 1);
    assert_int_equal(out.pkt[0].data[41], 1);

    /* Routing header with segments left: Parameter Problem at that byte. */
    n = mk6(b, 17, 64, H6, S6, 48, 0);
    b[6] = 43;
    memmove(b + 48, b + 40, 40);
    b[40] = 17;
    b[41] = 0;
    b[42] = 0;
    b[43] = 1; /* segments left */
    memset(b + 44, 0, 4);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_SRC_ROUTE);
    assert_int_equal(out.pkt[0].data[40], 4);
    assert_int_equal(be32_get(out.pkt[0].data + 44), 43);

    /* Hop-by-hop options are skipped and the packet translated. */
    b[40] = 17;
    b[6] = 0;
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(out.pkt[0].len, 20 + 40);
}

static void test_source_route(void **state)
{
    (void)state;
    uint8_t b[200];
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = H4};
    size_t n = mk4(b, &p, 20, 0, true);
    /* Rebuild with an LSRR option (pointer 4 <= length 7: unexpired). */
    memmove(b + 28, b + 20, 20);
    b[0] = 0x47;
    be16_put(b + 2, (uint16_t)(n + 8));
    b[20] = 131;
    b[21] = 7;
    b[22] = 4;
    memcpy(b + 23, S4, 4);
    b[27] = 0;
    b[10] = b[11] = 0;
    be16_put(b + 10, csum_ip4_header(b, 28));
    struct xlat_result r = run(b, n + 8);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_SRC_ROUTE);
    assert_int_equal(out.pkt[0].data[20], 3);
    assert_int_equal(out.pkt[0].data[21], 5);
}

static void test_not_ours(void **state)
{
    (void)state;
    uint8_t b[200], other[16];
    addr_parse6("2001:db8:ffff::1", other);
    size_t n = mk6(b, 17, 64, H6, other, 20, 0);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_PASS);
    assert_int_equal(r.reason, NAT64_DROP_NOT_OURS);
    assert_int_equal(out.n, 0);
    assert_int_equal(r.in.family, 6); /* still parsed for counters */

    /* Without pool6 an IPv4 destination outside the EAMT is not ours. */
    siit.have_pool6 = false;
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = S4};
    n = mk4(b, &p, 20, 0, true);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_PASS);
    siit.have_pool6 = true;

    /* Untranslatable IPv6 source: §5.4 default error 1/1. */
    n = mk6(b, 17, 64, other, S6, 20, 0);
    r = run(b, n);
    assert_int_equal(r.verdict, XLAT_REPLY);
    assert_int_equal(r.reason, NAT64_DROP_UNTRANSLATABLE);
    assert_int_equal(out.pkt[0].data[40], 1);
    assert_int_equal(out.pkt[0].data[41], 1);
}

static void test_hairpin(void **state)
{
    (void)state;
    uint8_t b[200], h2[16], want_src[16];
    addr_parse6("2001:db8:aaaa::9", h2);
    addr_parse6("64:ff9b::c000:209", b); /* 192.0.2.9 through pool6 */
    memcpy(h2, b, 16);
    size_t n = mk6(b, 17, 64, H6, h2, 20, 0);
    struct xlat_result r = run(b, n);
    assert_int_equal(r.verdict, XLAT_FORWARD);
    assert_int_equal(out.n, 1);
    const uint8_t *o = out.pkt[0].data;
    assert_ip6_ok(o, out.pkt[0].len);
    addr_parse6("64:ff9b::c000:205", want_src); /* RFC 7757 §4.2: pool6 form */
    assert_memory_equal(o + 8, want_src, 16);
    addr_parse6("2001:db8:aaaa::9", h2);
    assert_memory_equal(o + 24, h2, 16);
    assert_int_equal(o[7], 63); /* decremented once */
    assert_int_equal(l4sum6(o), 0xffff);
}

/* Mutated packets: no crash, no overread (ASan), every non-forward named. */
static void test_fuzz(void **state)
{
    (void)state;
    static uint8_t seeds[4][1600];
    size_t sl[4];
    struct pkt4 p = {.ttl = 64, .proto = 17, .src = S4, .dst = H4};
    sl[0] = mk4(seeds[0], &p, 60, 0, true);
    sl[1] = mk6(seeds[1], 6, 64, H6, S6, 60, 0);
    uint8_t q[200];
    size_t qn = mk6(q, 17, 63, H6, S6, 40, 0);
    sl[2] = mk6(seeds[2], 58, 64, S6, H6, 8 + qn, 1);
    memcpy(seeds[2] + 48, q, qn);
    struct pkt4 e = {.ttl = 64, .proto = 1, .src = R4, .dst = H4};
    struct pkt4 qp = {.ttl = 60, .proto = 6, .src = H4, .dst = S4};
    qn = mk4(q, &qp, 40, 0, true);
    sl[3] = mk4(seeds[3], &e, 8 + qn, 3, false);
    memcpy(seeds[3] + 28, q, qn);

    uint32_t rng = 12345;
    static uint8_t b[1600];
    for (unsigned it = 0; it < 40000; it++) {
        unsigned s = it % 4;
        size_t n = sl[s];
        memcpy(b, seeds[s], n);
        unsigned flips = 1 + (it / 4) % 6;
        for (unsigned k = 0; k < flips; k++) {
            rng = rng * 1103515245u + 12345u;
            b[(rng >> 8) % n] = (uint8_t)(rng >> 20);
        }
        rng = rng * 1103515245u + 12345u;
        if ((rng >> 16) % 3 == 0)
            n = (rng >> 4) % (n + 1);
        /* Exact-size copy so that any overread hits the redzone. */
        uint8_t *heap = malloc(n ? n : 1);
        assert_non_null(heap);
        memcpy(heap, b, n);
        struct xlat_result r = xlat_translate(&cfg, &mapper, heap, n, it, &out);
        if (r.verdict != XLAT_FORWARD)
            assert_int_not_equal(r.reason, NAT64_DROP_NONE);
        if (r.verdict == XLAT_DROP || r.verdict == XLAT_PASS)
            assert_int_equal(out.n, 0);
        else
            assert_true(out.n >= 1);
        free(heap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_udp_6to4, setup),
        cmocka_unit_test_setup(test_tcp_both_ways, setup),
        cmocka_unit_test_setup(test_icmp_echo, setup),
        cmocka_unit_test_setup(test_wrong_checksum_stays_wrong, setup),
        cmocka_unit_test_setup(test_ttl_expiry, setup),
        cmocka_unit_test_setup(test_too_big, setup),
        cmocka_unit_test_setup(test_fragment_into_ipv6, setup),
        cmocka_unit_test_setup(test_udp_zero_checksum, setup),
        cmocka_unit_test_setup(test_icmp4_error_translated, setup),
        cmocka_unit_test_setup(test_icmp6_ptb_translated, setup),
        cmocka_unit_test_setup(test_garbage, setup),
        cmocka_unit_test_setup(test_ext_headers, setup),
        cmocka_unit_test_setup(test_source_route, setup),
        cmocka_unit_test_setup(test_not_ours, setup),
        cmocka_unit_test_setup(test_hairpin, setup),
        cmocka_unit_test_setup(test_fuzz, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
