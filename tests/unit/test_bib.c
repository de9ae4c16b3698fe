/*
 * bib: stateful NAT64 mappings and sessions (RFC 6146 §3.5), with an
 * injected clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "nat64/bib.h"
#include "util/addr.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define T0 1000u /* ms; any start time works */

/* ---- helpers ------------------------------------------------------------- */

/* fd00:0:<n>::<n>: host n is a device of its own (its own /64), as the
 * per-device caps count per /64 (dev6() makes addresses of one device). */
static void h6(uint32_t n, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfd;
    out[4] = (uint8_t)(n >> 24);
    out[5] = (uint8_t)(n >> 16);
    out[6] = (uint8_t)(n >> 8);
    out[7] = (uint8_t)n;
    out[12] = (uint8_t)(n >> 24);
    out[13] = (uint8_t)(n >> 16);
    out[14] = (uint8_t)(n >> 8);
    out[15] = (uint8_t)n;
}

static void v4(const char *s, uint8_t out[4])
{
    assert_true(addr_parse4(s, out));
}

static uint32_t u4(const uint8_t a[4])
{
    return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

static struct bib_cfg cfg_with(bool napt, const char *pool)
{
    struct bib_cfg c;
    bib_cfg_default(&c);
    c.napt = napt;
    c.seed = 0x0123456789abcdefULL;
    if (pool)
        assert_true(addr_parse_prefix4(pool, &c.pool));
    return c;
}

static struct bib *mk(bool napt, const char *pool)
{
    struct bib_cfg c = cfg_with(napt, pool);
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    return b;
}

/* UDP 6->4 from fd00::host:sport to dst:dport. */
static enum nat64_drop out_udp(struct bib *b, uint32_t host, uint16_t sport, const char *dst,
                               uint16_t dport, uint64_t now, struct bib_hit *hit)
{
    uint8_t a6[16], d4[4];
    h6(host, a6);
    v4(dst, d4);
    return bib_out(b, BIB_UDP, a6, sport, d4, dport, true, 0, now, hit);
}

static enum nat64_drop out_tcp(struct bib *b, uint32_t host, uint16_t sport, const char *dst,
                               uint16_t dport, uint8_t flags, uint64_t now, struct bib_hit *hit)
{
    uint8_t a6[16], d4[4];
    h6(host, a6);
    v4(dst, d4);
    return bib_out(b, BIB_TCP, a6, sport, d4, dport, true, flags, now, hit);
}

static enum nat64_drop in_pkt(struct bib *b, uint8_t proto, const uint8_t dst4[4], uint16_t dport,
                              const char *src, uint16_t sport, uint8_t flags, uint64_t now,
                              struct bib_hit *hit)
{
    uint8_t s4[4];
    v4(src, s4);
    return bib_in(b, proto, dst4, dport, s4, sport, true, flags, now, hit);
}

static void assert_addr4(const uint8_t a[4], const char *want)
{
    uint8_t w[4];
    v4(want, w);
    assert_memory_equal(a, w, 4);
}

static void assert_host(const uint8_t a[16], uint32_t host)
{
    uint8_t w[16];
    h6(host, w);
    assert_memory_equal(a, w, 16);
}

/* Expiry of the newest mapping, via the iterator. */
static uint64_t newest_expiry(const struct bib *b)
{
    uint32_t cur = 0;
    struct bib_mapping_info mi;
    assert_true(bib_mapping_next(b, &cur, &mi));
    return mi.expires_ms;
}

/* ---- configuration ---------------------------------------------------------- */

static void test_cfg_default(void **state)
{
    (void)state;
    struct bib_cfg c;
    memset(&c, 0xa5, sizeof(c));
    bib_cfg_default(&c);
    assert_addr4(c.pool.addr, "192.168.255.0");
    assert_int_equal(c.pool.len, 24);
    assert_false(c.napt);
    assert_int_equal(c.port_lo, 1024);
    assert_int_equal(c.port_hi, 65535);
    assert_int_equal(c.max_sessions, 65536);
    assert_int_equal(c.max_mappings, 4096);
    assert_int_equal(c.max_per_host, 8192);
    assert_int_equal(c.max_sessions_per_64, 4096);
    assert_int_equal(c.max_mappings_per_64, 256);
    assert_int_equal(c.max_pool_per_64, 16);
    assert_int_equal(c.to_udp, 300);
    assert_int_equal(c.to_tcp_est, 7440);
    assert_int_equal(c.to_tcp_trans, 240);
    assert_int_equal(c.to_icmp, 60);
    assert_true(c.seed == 0);
}

static void test_new_rejects_bad_cfg(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(false, NULL);
    c.port_lo = 2000;
    c.port_hi = 1999;
    assert_null(bib_new(&c));
    c = cfg_with(false, NULL);
    c.max_sessions = 0;
    assert_null(bib_new(&c));
    c = cfg_with(false, NULL);
    c.max_mappings = 0;
    assert_null(bib_new(&c));
    c = cfg_with(false, NULL);
    c.pool.len = 33;
    assert_null(bib_new(&c));
    assert_null(bib_new(NULL));
    c = cfg_with(false, NULL);
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    assert_true(bib_memory(b) > 0);
    assert_int_equal(bib_sessions(b), 0);
    assert_int_equal(bib_mappings(b), 0);
    bib_free(b);
    bib_free(NULL);
}

/* ---- address mode -------------------------------------------------------------- */

static void test_addr_mode_basic(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h, h2;

    /* First host gets the last pool address, as OpenThread. Ports kept. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_host(h.addr6, 1);
    assert_int_equal(h.port6, 5000);
    assert_int_equal(h.port4, 5000);

    /* Same host, other flows and protocols: the same mapping. */
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_SYN, T0, &h2), NAT64_DROP_NONE);
    assert_int_equal(h2.mapping, h.mapping);
    assert_addr4(h2.addr4, "192.168.255.254");
    assert_int_equal(h2.port4, 6000);
    uint8_t a6[16], d4[4];
    h6(1, a6);
    v4("203.0.113.9", d4);
    assert_int_equal(bib_out(b, BIB_ICMP, a6, 77, d4, 77, true, 0, T0, &h2), NAT64_DROP_NONE);
    assert_int_equal(h2.mapping, h.mapping);
    assert_int_equal(h2.port4, 77);
    assert_int_equal(bib_mappings(b), 1);
    assert_int_equal(bib_sessions(b), 3);

    /* Second host: next address down. */
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0, &h2), NAT64_DROP_NONE);
    assert_addr4(h2.addr4, "192.168.255.253");
    assert_true(h2.mapping != h.mapping);
    assert_int_equal(bib_mappings(b), 2);

    /* 4->6 finds the host, port kept; the reply joins the existing session. */
    uint8_t t[4];
    v4("192.168.255.254", t);
    assert_int_equal(in_pkt(b, BIB_UDP, t, 5000, "203.0.113.8", 53, 0, T0, &h2), NAT64_DROP_NONE);
    assert_host(h2.addr6, 1);
    assert_int_equal(h2.port6, 5000);
    assert_int_equal(h2.port4, 5000);
    assert_int_equal(h2.mapping, h.mapping);
    assert_int_equal(bib_sessions(b), 4);
    /* ICMP echo reply, identifier as the port. */
    assert_int_equal(in_pkt(b, BIB_ICMP, t, 77, "203.0.113.9", 77, 0, T0, &h2), NAT64_DROP_NONE);
    assert_int_equal(h2.port6, 77);
    assert_int_equal(bib_sessions(b), 4);

    /* Endpoint-independent filtering: another peer opens a UDP session. */
    assert_int_equal(in_pkt(b, BIB_UDP, t, 5000, "203.0.113.4", 1234, 0, T0, &h2), NAT64_DROP_NONE);
    assert_host(h2.addr6, 1);
    assert_int_equal(bib_sessions(b), 5);

    /* Unknown IPv4 destination. */
    uint8_t u[4];
    v4("192.168.255.200", u);
    assert_int_equal(in_pkt(b, BIB_UDP, u, 5000, "203.0.113.8", 53, 0, T0, &h2),
                     NAT64_DROP_NO_MAPPING);
    assert_int_equal(bib_peek_in(b, BIB_UDP, u, 5000, &h2), NAT64_DROP_NO_MAPPING);

    /* Only TCP, UDP and ICMP. */
    assert_int_equal(bib_out(b, 47, a6, 0, d4, 0, true, 0, T0, &h2), NAT64_DROP_UNSUP_PROTO);
    assert_int_equal(bib_sessions(b), 5);
    bib_free(b);
}

static void test_addr_mode_small_prefixes(void **state)
{
    (void)state;
    struct bib_hit h;
    /* /31: both addresses, highest first. */
    struct bib *b = mk(false, "192.0.2.0/31");
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.1");
    assert_int_equal(out_udp(b, 2, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.0");
    assert_int_equal(out_udp(b, 3, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_POOL_EXHAUSTED);
    bib_free(b);
    /* /32: the one address; host bits of longer prefixes are masked. */
    b = mk(false, "192.0.2.7/32");
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.7");
    assert_int_equal(out_udp(b, 2, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_POOL_EXHAUSTED);
    bib_free(b);
    b = mk(false, "192.0.2.77/28");
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.78");
    bib_free(b);
}

static void test_fragments(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t a6[16], d4[4], t[4];
    h6(1, a6);
    v4("203.0.113.8", d4);
    /* No mapping yet: a non-first fragment cannot be placed. */
    assert_int_equal(bib_out(b, BIB_UDP, a6, 0, d4, 0, false, 0, T0, &h),
                     NAT64_DROP_FRAG_UNTRACKED);
    assert_int_equal(bib_mappings(b), 0);
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    /* Address mode maps by address alone, no session created. */
    assert_int_equal(bib_out(b, BIB_UDP, a6, 0, d4, 0, false, 0, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    v4("192.168.255.254", t);
    assert_int_equal(bib_in(b, BIB_UDP, t, 0, d4, 0, false, 0, T0, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 1);
    assert_int_equal(bib_sessions(b), 1);
    bib_free(b);

    /* NAPT mode needs the ports. */
    b = mk(true, NULL);
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_out(b, BIB_UDP, a6, 0, d4, 0, false, 0, T0, &h),
                     NAT64_DROP_FRAG_UNTRACKED);
    assert_int_equal(bib_in(b, BIB_UDP, h.addr4, 0, d4, 0, false, 0, T0, &h),
                     NAT64_DROP_FRAG_UNTRACKED);
    bib_free(b);
}

/* ---- NAPT mode ------------------------------------------------------------------ */

static void test_napt_basic(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(true, "192.0.2.0/24");
    c.port_lo = 40000;
    c.port_hi = 40999;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit ha, hb, h;

    /* Two hosts, same source port: different IPv4 transport addresses. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &ha), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0, &hb), NAT64_DROP_NONE);
    assert_false(u4(ha.addr4) == u4(hb.addr4) && ha.port4 == hb.port4);
    assert_int_equal(ha.port6, 5000);
    assert_in_range(ha.port4, 40000, 40999);
    assert_in_range(hb.port4, 40000, 40999);
    assert_int_equal(u4(ha.addr4) & 0xffffff00u, 0xc0000200u);
    assert_in_range(ha.addr4[3], 1, 254);

    /* Endpoint-independent mapping: (X, x) to another destination keeps (T, t). */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.1", 443, T0, &h), NAT64_DROP_NONE);
    assert_memory_equal(h.addr4, ha.addr4, 4);
    assert_int_equal(h.port4, ha.port4);
    assert_int_equal(h.mapping, ha.mapping);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(bib_sessions(b), 3);

    /* A new source port is a new mapping; so is another protocol. */
    assert_int_equal(out_udp(b, 1, 5001, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_true(h.mapping != ha.mapping);
    assert_int_equal(out_tcp(b, 1, 5000, "203.0.113.8", 53, TCP_SYN, T0, &h), NAT64_DROP_NONE);
    assert_true(h.mapping != ha.mapping);
    assert_int_equal(bib_mappings(b), 4);

    /* 4->6 back to (X, x). */
    assert_int_equal(in_pkt(b, BIB_UDP, ha.addr4, ha.port4, "203.0.113.1", 443, 0, T0, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 1);
    assert_int_equal(h.port6, 5000);
    assert_int_equal(h.port4, ha.port4);
    assert_int_equal(bib_sessions(b), 5);
    /* Wrong port on the right address: no mapping. */
    uint16_t wrong = ha.port4 == 40999 ? 40998 : (uint16_t)(ha.port4 + 1);
    if (!(u4(hb.addr4) == u4(ha.addr4) && hb.port4 == wrong))
        assert_int_equal(in_pkt(b, BIB_UDP, ha.addr4, wrong, "203.0.113.1", 443, 0, T0, &h),
                         NAT64_DROP_NO_MAPPING);

    /* Peeks both ways. */
    uint8_t a6[16];
    h6(2, a6);
    assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5000, &h), NAT64_DROP_NONE);
    assert_memory_equal(h.addr4, hb.addr4, 4);
    assert_int_equal(h.port4, hb.port4);
    assert_int_equal(bib_peek_in(b, BIB_UDP, hb.addr4, hb.port4, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 2);
    assert_int_equal(h.port6, 5000);
    assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5001, &h), NAT64_DROP_NO_MAPPING);
    bib_free(b);
}

static void test_napt_icmp_id(void **state)
{
    (void)state;
    struct bib *b = mk(true, NULL);
    struct bib_hit h, r;
    uint8_t a6[16], d4[4];
    h6(1, a6);
    v4("203.0.113.8", d4);
    /* Echo request: identifier on both sides of the call. */
    assert_int_equal(bib_out(b, BIB_ICMP, a6, 0x1234, d4, 0x1234, true, 0, T0, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(h.port6, 0x1234);
    assert_in_range(h.port4, 1024, 65535);
    /* Echo reply carries the translated identifier; it hits the same session. */
    assert_int_equal(bib_in(b, BIB_ICMP, h.addr4, h.port4, d4, h.port4, true, 0, T0, &r),
                     NAT64_DROP_NONE);
    assert_int_equal(r.port6, 0x1234);
    assert_host(r.addr6, 1);
    assert_int_equal(r.mapping, h.mapping);
    assert_int_equal(bib_sessions(b), 1);
    /* A second identifier is a second mapping with its own translated id. */
    assert_int_equal(bib_out(b, BIB_ICMP, a6, 0x1235, d4, 0x1235, true, 0, T0, &r),
                     NAT64_DROP_NONE);
    assert_false(u4(r.addr4) == u4(h.addr4) && r.port4 == h.port4);
    assert_int_equal(bib_mappings(b), 2);
    bib_free(b);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* 10,000 mappings squeezed into 2 addresses x 6000 ports (83% full): no
 * two share (T, t), all ports in range, all resolve back. */
static void test_napt_no_clash(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(true, "192.0.2.0/30");
    c.port_lo = 20000;
    c.port_hi = 25999;
    c.max_mappings = 10000;
    c.max_sessions = 10000;
    c.max_per_host = 0;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    enum { HOSTS = 100, PORTS = 100, N = HOSTS * PORTS };
    uint64_t *keys = calloc(N, sizeof(*keys));
    assert_non_null(keys);
    unsigned on[2] = {0, 0};
    for (unsigned i = 0; i < N; i++) {
        struct bib_hit h;
        uint32_t host = i / PORTS;
        uint16_t sport = (uint16_t)(30000 + i % PORTS);
        assert_int_equal(out_udp(b, host, sport, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
        assert_in_range(h.port4, 20000, 25999);
        uint32_t a = u4(h.addr4);
        assert_true(a == 0xc0000201u || a == 0xc0000202u);
        on[a & 1]++;
        keys[i] = (uint64_t)a << 16 | h.port4;
    }
    assert_int_equal(bib_mappings(b), N);
    assert_true(on[0] > 0 && on[1] > 0);
    qsort(keys, N, sizeof(*keys), cmp_u64);
    for (unsigned i = 1; i < N; i++)
        assert_true(keys[i] != keys[i - 1]);
    /* Each (T, t) leads back to its own (X, x). */
    for (unsigned i = 0; i < N; i++) {
        struct bib_hit h, r;
        uint8_t a6[16];
        h6(i / PORTS, a6);
        uint16_t sport = (uint16_t)(30000 + i % PORTS);
        assert_int_equal(bib_peek_out(b, BIB_UDP, a6, sport, &h), NAT64_DROP_NONE);
        assert_int_equal(bib_peek_in(b, BIB_UDP, h.addr4, h.port4, &r), NAT64_DROP_NONE);
        assert_memory_equal(r.addr6, a6, 16);
        assert_int_equal(r.port6, sport);
    }
    free(keys);
    bib_free(b);
}

/* Hosts spread over the pool (each host keeps one address: paired pooling). */
static void test_napt_spread(void **state)
{
    (void)state;
    struct bib *b = mk(true, NULL);
    static uint8_t seen[256];
    memset(seen, 0, sizeof(seen));
    unsigned distinct = 0;
    for (uint32_t host = 1; host <= 1000; host++) {
        struct bib_hit h, h2;
        assert_int_equal(out_udp(b, host, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
        assert_int_equal(out_udp(b, host, 5001, "203.0.113.8", 53, T0, &h2), NAT64_DROP_NONE);
        assert_memory_equal(h.addr4, h2.addr4, 4);
        assert_in_range(h.addr4[3], 1, 254);
        if (!seen[h.addr4[3]]++)
            distinct++;
    }
    assert_true(distinct > 200);
    bib_free(b);
}

/* ---- timers ---------------------------------------------------------------------- */

static void test_timeout_udp(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_true(newest_expiry(b) == T0 + 300000);
    assert_int_equal(bib_expire(b, T0 + 299999), 0);
    assert_int_equal(bib_sessions(b), 1);
    assert_int_equal(bib_expire(b, T0 + 300000), 1);
    assert_int_equal(bib_sessions(b), 0);
    assert_int_equal(bib_mappings(b), 0);
    uint8_t t[4];
    v4("192.168.255.254", t);
    assert_int_equal(bib_peek_in(b, BIB_UDP, t, 5000, &h), NAT64_DROP_NO_MAPPING);
    bib_free(b);
}

/* Not-whole-second times never expire early. */
static void test_timeout_rounding(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0 + 1500, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 1500 + 299999), 1);
    assert_int_equal(bib_expire(b, T0 + 1500 + 300000), 0);
    assert_int_equal(bib_expire(b, T0 + 1500 + 301000), 1);
    bib_free(b);
}

/* A clock that steps back is treated as standing still: no session gets a
 * shorter life, the expiry lists stay in order. */
static void test_clock_backwards(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0 + 100000, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_true(newest_expiry(b) == T0 + 100000 + 300000);
    assert_int_equal(bib_expire(b, T0 + 399999), 0);
    assert_int_equal(bib_expire(b, T0 + 400000), 2);
    bib_free(b);
}

static void test_timeout_icmp(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t a6[16], d4[4];
    h6(1, a6);
    v4("203.0.113.8", d4);
    assert_int_equal(bib_out(b, BIB_ICMP, a6, 9, d4, 9, true, 0, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 59999), 0);
    assert_int_equal(bib_expire(b, T0 + 60000), 1);
    assert_int_equal(bib_mappings(b), 0);
    bib_free(b);
}

/* Refresh in either direction moves the expiry; the mapping lives until its
 * last session goes and then gives its address back. */
static void test_refresh_and_mapping_lifetime(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t a6[16], d4[4], t[4];
    h6(1, a6);
    v4("203.0.113.8", d4);
    v4("192.168.255.254", t);
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_out(b, BIB_ICMP, a6, 9, d4, 9, true, 0, T0, &h), NAT64_DROP_NONE);
    /* Inbound refresh at +200 s. */
    assert_int_equal(in_pkt(b, BIB_UDP, t, 5000, "203.0.113.8", 53, 0, T0 + 200000, &h),
                     NAT64_DROP_NONE);
    assert_true(newest_expiry(b) == T0 + 500000);
    assert_int_equal(bib_expire(b, T0 + 60000), 1); /* ICMP */
    assert_int_equal(bib_mappings(b), 1);
    assert_true(newest_expiry(b) == T0 + 500000);
    assert_int_equal(bib_expire(b, T0 + 300000), 0);
    /* Outbound refresh at +400 s. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0 + 400000, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 500000), 0);
    assert_int_equal(bib_expire(b, T0 + 699999), 0);
    assert_int_equal(bib_expire(b, T0 + 700000), 1);
    assert_int_equal(bib_mappings(b), 0);
    /* The address went back to the pool: the next host reuses it. */
    assert_int_equal(out_udp(b, 7, 1, "203.0.113.8", 53, T0 + 700000, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    bib_free(b);
}

/* Opens a TCP connection host 1:6000 <-> 203.0.113.1:443 at time now. */
static void tcp_open(struct bib *b, uint64_t now, uint8_t t[4])
{
    struct bib_hit h;
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_SYN, now, &h), NAT64_DROP_NONE);
    memcpy(t, h.addr4, 4);
    assert_int_equal(in_pkt(b, BIB_TCP, t, h.port4, "203.0.113.1", 443, TCP_SYN | TCP_ACK, now, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_ACK, now, &h), NAT64_DROP_NONE);
}

static void test_timeout_tcp(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t t[4];

    /* Half-open (V6 INIT): transitory lifetime. */
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_SYN, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 239999), 0);
    assert_int_equal(bib_expire(b, T0 + 240000), 1);

    /* Established: 2 h 4 min. */
    uint64_t t1 = T0 + 1000000;
    tcp_open(b, t1, t);
    assert_true(newest_expiry(b) == t1 + 7440000);
    assert_int_equal(bib_expire(b, t1 + 7439999), 0);
    assert_int_equal(bib_expire(b, t1 + 7440000), 1);
    bib_free(b);
}

static void test_timeout_tcp_fin_rst(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t t[4];

    /* FIN one way only: still the established lifetime. */
    tcp_open(b, T0, t);
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_FIN | TCP_ACK, T0 + 1000, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 1000 + 240000), 0);
    /* FIN the other way: transitory, 4 min from then. (The table's clock
     * never runs backwards, so later packets use later times.) */
    const uint64_t tf = T0 + 250000;
    assert_int_equal(in_pkt(b, BIB_TCP, t, 6000, "203.0.113.1", 443, TCP_FIN | TCP_ACK, tf, &h),
                     NAT64_DROP_NONE);
    assert_true(newest_expiry(b) == tf + 240000);
    /* The final ACK does not extend it (V4 FIN + V6 FIN RCV). */
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_ACK, tf + 1000, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, tf + 239999), 0);
    assert_int_equal(bib_expire(b, tf + 240000), 1);
    assert_int_equal(bib_sessions(b), 0);

    /* RST: transitory. */
    uint64_t t1 = T0 + 1000000;
    tcp_open(b, t1, t);
    assert_int_equal(in_pkt(b, BIB_TCP, t, 6000, "203.0.113.1", 443, TCP_RST, t1 + 1000, &h),
                     NAT64_DROP_NONE);
    assert_true(newest_expiry(b) == t1 + 1000 + 240000);
    assert_int_equal(bib_expire(b, t1 + 1000 + 239999), 0);
    assert_int_equal(bib_expire(b, t1 + 1000 + 240000), 1);

    /* RST then more traffic: back to established (RFC 6146 TRANS state). */
    uint64_t t2 = t1 + 1000000;
    tcp_open(b, t2, t);
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_RST, t2, &h), NAT64_DROP_NONE);
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_ACK, t2 + 10000, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, t2 + 10000 + 240000), 0);
    assert_true(newest_expiry(b) == t2 + 10000 + 7440000);

    /* RST after one FIN: transitory too. */
    bib_clear(b);
    uint64_t t3 = t2 + 100000000;
    tcp_open(b, t3, t);
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_FIN, t3, &h), NAT64_DROP_NONE);
    assert_int_equal(in_pkt(b, BIB_TCP, t, 6000, "203.0.113.1", 443, TCP_RST, t3, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, t3 + 240000), 1);
    bib_free(b);
}

/* ---- TCP filtering ---------------------------------------------------------------- */

static void test_tcp_filtering(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t t[4], none[4];
    v4("192.168.255.254", t);
    v4("192.168.255.100", none);
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);

    /* Inbound non-SYN without a session: filtered, nothing created. */
    assert_int_equal(in_pkt(b, BIB_TCP, t, 8080, "198.51.100.4", 80, TCP_ACK, T0, &h),
                     NAT64_DROP_FILTERED);
    assert_int_equal(in_pkt(b, BIB_TCP, t, 8080, "198.51.100.4", 80, TCP_SYN | TCP_RST, T0, &h),
                     NAT64_DROP_FILTERED);
    assert_int_equal(bib_sessions(b), 1);
    /* Inbound SYN to a live mapping: a session (V4 INIT). */
    assert_int_equal(in_pkt(b, BIB_TCP, t, 8080, "198.51.100.4", 80, TCP_SYN, T0, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 1);
    assert_int_equal(h.port6, 8080);
    assert_int_equal(bib_sessions(b), 2);
    assert_int_equal(in_pkt(b, BIB_TCP, t, 8080, "198.51.100.4", 80, TCP_ACK, T0, &h),
                     NAT64_DROP_NONE);
    /* The host answers: established. */
    assert_int_equal(out_tcp(b, 1, 8080, "198.51.100.4", 80, TCP_SYN | TCP_ACK, T0, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_sessions(b), 2);
    assert_int_equal(bib_expire(b, T0 + 300000), 1); /* the UDP one */
    assert_int_equal(bib_sessions(b), 1);
    assert_int_equal(bib_expire(b, T0 + 7439000), 0);
    assert_int_equal(bib_expire(b, T0 + 7440000), 1);

    /* Inbound SYN with no mapping. */
    assert_int_equal(in_pkt(b, BIB_TCP, none, 80, "198.51.100.4", 80, TCP_SYN, T0 + 7440000, &h),
                     NAT64_DROP_NO_MAPPING);
    /* Outbound non-SYN: no mapping, none created ... */
    assert_int_equal(out_tcp(b, 2, 7000, "198.51.100.4", 80, TCP_ACK, T0 + 7440000, &h),
                     NAT64_DROP_NO_MAPPING);
    assert_int_equal(bib_mappings(b), 0);
    /* ... with a mapping, passed without a session. */
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0 + 7440000, &h), NAT64_DROP_NONE);
    assert_int_equal(out_tcp(b, 2, 7000, "198.51.100.4", 80, TCP_ACK, T0 + 7440000, &h),
                     NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_int_equal(bib_sessions(b), 1);
    bib_free(b);

    /* NAPT: a TCP mapping accepts a SYN from any peer (EIF), not other segments. */
    b = mk(true, NULL);
    struct bib_hit m;
    assert_int_equal(out_tcp(b, 1, 6000, "203.0.113.1", 443, TCP_SYN, T0, &m), NAT64_DROP_NONE);
    assert_int_equal(in_pkt(b, BIB_TCP, m.addr4, m.port4, "198.51.100.22", 1000, TCP_ACK, T0, &h),
                     NAT64_DROP_FILTERED);
    assert_int_equal(in_pkt(b, BIB_TCP, m.addr4, m.port4, "198.51.100.22", 1000, TCP_SYN, T0, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 1);
    assert_int_equal(h.port6, 6000);
    assert_int_equal(bib_sessions(b), 2);
    assert_int_equal(bib_mappings(b), 1);
    bib_free(b);
}

/* ---- exhaustion ------------------------------------------------------------------- */

static void test_exhaust_pool(void **state)
{
    (void)state;
    struct bib *b = mk(false, "192.0.2.0/30");
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.2");
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.1");
    assert_int_equal(out_udp(b, 3, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_POOL_EXHAUSTED);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(bib_sessions(b), 2);
    /* The first two keep working, old and new flows, both ways. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0 + 1000, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 5001, "198.51.100.4", 53, T0 + 1000, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.2");
    uint8_t t[4];
    v4("192.0.2.1", t);
    assert_int_equal(in_pkt(b, BIB_UDP, t, 5000, "203.0.113.8", 53, 0, T0 + 200000, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 2);
    /* Once host 1 has timed out, host 3 gets its address (swept on demand,
     * without an explicit bib_expire); host 2 is untouched. */
    assert_int_equal(out_udp(b, 3, 5000, "203.0.113.8", 53, T0 + 301000, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.2");
    assert_int_equal(bib_peek_in(b, BIB_UDP, t, 5000, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 2);
    bib_free(b);
}

static void test_exhaust_table(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(false, NULL);
    c.max_sessions = 4;
    c.max_mappings = 2;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 2, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 2, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    /* Mapping table full: a third host. */
    assert_int_equal(out_udp(b, 3, 1, "203.0.113.8", 53, T0, &h), NAT64_DROP_TABLE_FULL);
    assert_int_equal(out_udp(b, 2, 2, "203.0.113.8", 53, T0 + 100000, &h), NAT64_DROP_NONE);
    /* Session table full. */
    assert_int_equal(out_udp(b, 1, 3, "203.0.113.8", 53, T0 + 100000, &h), NAT64_DROP_TABLE_FULL);
    uint8_t t[4];
    v4("192.168.255.254", t);
    assert_int_equal(in_pkt(b, BIB_UDP, t, 1, "203.0.113.9", 53, 0, T0 + 100000, &h),
                     NAT64_DROP_TABLE_FULL);
    assert_int_equal(bib_sessions(b), 4);
    /* Existing flows are unaffected. */
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0 + 100000, &h), NAT64_DROP_NONE);
    assert_int_equal(in_pkt(b, BIB_UDP, t, 2, "203.0.113.8", 53, 0, T0 + 100000, &h),
                     NAT64_DROP_NONE);
    /* After host 2's first session times out, room again (swept on demand). */
    assert_int_equal(out_udp(b, 1, 3, "203.0.113.8", 53, T0 + 300000, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_sessions(b), 4);
    bib_free(b);
}

static void host_limit(bool napt)
{
    struct bib_cfg c = cfg_with(napt, NULL);
    c.max_per_host = 3;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit h, first;
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0, &first), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 2, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 3, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 4, "203.0.113.8", 53, T0, &h), NAT64_DROP_HOST_LIMIT);
    assert_int_equal(out_udp(b, 1, 1, "198.51.100.4", 53, T0, &h), NAT64_DROP_HOST_LIMIT);
    /* Inbound sessions count too. */
    assert_int_equal(in_pkt(b, BIB_UDP, first.addr4, first.port4, "203.0.113.9", 1, 0, T0, &h),
                     NAT64_DROP_HOST_LIMIT);
    /* Other hosts are not affected; host 1's flows keep working. */
    for (uint16_t p = 1; p <= 3; p++)
        assert_int_equal(out_udp(b, 2, p, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 2, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(in_pkt(b, BIB_UDP, first.addr4, first.port4, "203.0.113.8", 53, 0, T0, &h),
                     NAT64_DROP_NONE);
    assert_int_equal(bib_sessions(b), 6);
    /* When one of host 1's sessions ends, it may open another. */
    assert_int_equal(out_udp(b, 1, 1, "203.0.113.8", 53, T0 + 200000, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 1, 2, "203.0.113.8", 53, T0 + 200000, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 300000), 4); /* host 1 port 3, host 2 all */
    assert_int_equal(out_udp(b, 1, 4, "203.0.113.8", 53, T0 + 300000, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_sessions(b), 3);
    bib_free(b);
}

static void test_host_limit_addr(void **state)
{
    (void)state;
    host_limit(false);
}

static void test_host_limit_napt(void **state)
{
    (void)state;
    host_limit(true);
}

/* ---- per-device caps (issue 11 finding 3: one device exhausted NAT64) ---------------- */

/* Address iid of device dev (fd00:0:<dev>::/64): a device may use any
 * address of its /64. */
static void dev6(uint32_t dev, uint32_t iid, uint8_t out[16])
{
    h6(dev, out);
    out[8] = 0x02;
    out[12] = (uint8_t)(iid >> 24);
    out[13] = (uint8_t)(iid >> 16);
    out[14] = (uint8_t)(iid >> 8);
    out[15] = (uint8_t)iid;
}

static enum nat64_drop dev_udp(struct bib *b, uint32_t dev, uint32_t iid, uint16_t sport,
                               uint16_t dport, uint64_t now, struct bib_hit *hit)
{
    uint8_t a6[16], d4[4] = {203, 0, 113, 8};
    dev6(dev, iid, a6);
    return bib_out(b, BIB_UDP, a6, sport, d4, dport, true, 0, now, hit);
}

/* 300 rotated addresses of one /64 take at most max_pool_per_64 of the 254
 * pool addresses (default config); another device still gets one. Before the
 * fix all 254 went and the next device got pool-exhausted. */
static void test_dev_rotating_pool(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_cfg d;
    bib_cfg_default(&d);
    struct bib_hit h;
    unsigned ok = 0, capped = 0;
    for (uint32_t iid = 1; iid <= 300; iid++) {
        enum nat64_drop r = dev_udp(b, 7, iid, 5000, 53, T0, &h);
        ok += r == NAT64_DROP_NONE;
        capped += r == NAT64_DROP_DEV_POOL;
    }
    assert_int_equal(ok, d.max_pool_per_64);
    assert_int_equal(capped, 300 - d.max_pool_per_64);
    assert_int_equal(bib_mappings(b), d.max_pool_per_64);
    /* The device's existing flows keep working, a second device gets a
     * mapping, and so do 200 more devices (the pool has room for them). */
    assert_int_equal(dev_udp(b, 7, 1, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 8, 1, 5000, 53, T0, &h), NAT64_DROP_NONE);
    for (uint32_t dev = 100; dev < 300; dev++)
        assert_int_equal(dev_udp(b, dev, 1, 5000, 53, T0, &h), NAT64_DROP_NONE);
    /* Once its mappings time out, the device may map new addresses again
     * (timed-out state is swept before refusing: no bib_expire() call). */
    uint64_t later = T0 + (uint64_t)d.to_udp * 1000 + 1000;
    assert_int_equal(dev_udp(b, 8, 1, 5000, 53, later - 2000, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 301, 5000, 53, later, &h), NAT64_DROP_NONE);
    bib_free(b);
}

/* 9 addresses x 8192 flows from one /64 (each address within max_per_host)
 * cannot fill the 65,536-session table; another device still gets mappings
 * and sessions. Before the fix the table filled (table-full). */
static void dev_sessions(bool napt)
{
    struct bib *b = mk(napt, NULL);
    struct bib_cfg d;
    bib_cfg_default(&d);
    struct bib_hit h;
    unsigned ok = 0, capped = 0;
    enum nat64_drop want = napt ? NAT64_DROP_DEV_MAPPINGS : NAT64_DROP_DEV_SESSIONS;
    for (uint32_t iid = 1; iid <= 9; iid++) {
        for (uint32_t f = 0; f < 8192; f++) {
            /* address mode: one mapping per address, a session per flow;
             * NAPT: a mapping per source port */
            enum nat64_drop r =
                dev_udp(b, 7, iid, (uint16_t)(napt ? 1024 + f : 5000), (uint16_t)(1 + f), T0, &h);
            ok += r == NAT64_DROP_NONE;
            capped += r == want;
        }
    }
    uint32_t cap = napt ? d.max_mappings_per_64 : d.max_sessions_per_64;
    assert_int_equal(ok, cap);
    assert_int_equal(capped, 9 * 8192 - cap);
    assert_true(bib_sessions(b) < d.max_sessions / 8);
    /* Inbound sessions to the capped device count too (address mode: each
     * new peer is a new session). */
    if (!napt) {
        uint8_t a6[16];
        dev6(7, 1, a6);
        assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5000, &h), NAT64_DROP_NONE);
        assert_int_equal(in_pkt(b, BIB_UDP, h.addr4, 5000, "198.51.100.1", 1, 0, T0, &h),
                         NAT64_DROP_DEV_SESSIONS);
    }
    /* Another device: mappings and many sessions. */
    for (uint32_t f = 0; f < 100; f++)
        assert_int_equal(dev_udp(b, 8, 1 + f % 3, (uint16_t)(2000 + f), (uint16_t)(1 + f), T0, &h),
                         NAT64_DROP_NONE);
    /* When the capped device's sessions end, its counts go with them. */
    assert_int_equal(bib_expire(b, T0 + (uint64_t)d.to_udp * 1000 + 1000), cap + 100);
    assert_int_equal(bib_sessions(b), 0);
    for (uint32_t f = 0; f < cap; f++)
        assert_int_equal(dev_udp(b, 7, 1, (uint16_t)(napt ? 1024 + f : 5000), (uint16_t)(1 + f),
                                 T0 + 400000, &h),
                         NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 2, 999, 1, T0 + 400000, &h), want);
    bib_free(b);
}

static void test_dev_sessions_addr(void **state)
{
    (void)state;
    dev_sessions(false);
}

static void test_dev_sessions_napt(void **state)
{
    (void)state;
    dev_sessions(true);
}

/* Static mappings: never counted as the device's mappings or pool addresses,
 * their sessions are; pinning a dynamic mapping hands its count back; the
 * caps can be turned off. */
static void test_dev_static_and_off(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(false, NULL);
    c.max_pool_per_64 = 2;
    c.max_sessions_per_64 = 3;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit h;
    uint8_t a6[16], s4[4];
    dev6(7, 1, a6);
    v4("10.0.0.1", s4);
    assert_int_equal(bib_add_static(b, 0, a6, 0, s4, 0), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 2, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 3, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 4, 5000, 53, T0, &h), NAT64_DROP_DEV_POOL);
    /* the static mapping still works; its session is the device's third */
    assert_int_equal(dev_udp(b, 7, 1, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "10.0.0.1");
    assert_int_equal(dev_udp(b, 7, 1, 5000, 54, T0, &h), NAT64_DROP_DEV_SESSIONS);
    /* pin iid 2's dynamic mapping: the device holds one pool address now */
    uint8_t a2[16];
    dev6(7, 2, a2);
    assert_int_equal(bib_peek_out(b, BIB_UDP, a2, 5000, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_add_static(b, 0, a2, 0, h.addr4, 0), NAT64_DROP_NONE);
    assert_int_equal(bib_expire(b, T0 + 400000), 3);
    assert_int_equal(bib_mappings(b), 2); /* both static */
    assert_int_equal(dev_udp(b, 7, 4, 5000, 53, T0 + 400000, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 5, 5000, 53, T0 + 400000, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 6, 5000, 53, T0 + 400000, &h), NAT64_DROP_DEV_POOL);
    bib_clear(b);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(dev_udp(b, 7, 6, 5000, 53, T0 + 400000, &h), NAT64_DROP_NONE);
    bib_free(b);

    c.max_pool_per_64 = c.max_sessions_per_64 = c.max_mappings_per_64 = 0;
    b = bib_new(&c);
    assert_non_null(b);
    for (uint32_t iid = 1; iid <= 254; iid++)
        assert_int_equal(dev_udp(b, 7, iid, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 255, 5000, 53, T0, &h), NAT64_DROP_POOL_EXHAUSTED);
    bib_free(b);
}

/* Device key iid of /64 dev, sent as device key (bib_out_dev). */
static enum nat64_drop key_udp(struct bib *b, uint64_t key, uint32_t dev, uint32_t iid,
                               uint16_t dport, uint64_t now, struct bib_hit *hit)
{
    uint8_t a6[16], d4[4] = {203, 0, 113, 8};
    dev6(dev, iid, a6);
    return bib_out_dev(b, BIB_UDP, a6, 5000, d4, dport, true, 0, key, now, hit);
}

/* A Thread mesh: every device's OMR address is in the same /64, the border
 * router names the device by its child (device key). Each key gets its own
 * allowance: 17 devices of one /64 all map (before, the 17th got
 * dev-pool); one key rotating 300 addresses of the shared /64 is still
 * capped; the /64 itself (key 0) is another device. */
static void test_dev_key_shared_64(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_cfg d;
    bib_cfg_default(&d);
    struct bib_hit h;
    for (uint64_t key = 1; key <= 17; key++)
        assert_int_equal(key_udp(b, key, 7, (uint32_t)key, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(bib_mappings(b), 17);
    unsigned ok = 0, capped = 0;
    for (uint32_t iid = 1000; iid < 1300; iid++) {
        enum nat64_drop r = key_udp(b, 1, 7, iid, 53, T0, &h);
        ok += r == NAT64_DROP_NONE;
        capped += r == NAT64_DROP_DEV_POOL;
    }
    assert_int_equal(ok, d.max_pool_per_64 - 1); /* it held one already */
    assert_int_equal(capped, 300 - (d.max_pool_per_64 - 1));
    /* Other keys in the same /64, and the /64 without a key, still map. */
    assert_int_equal(key_udp(b, 18, 7, 18, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(key_udp(b, 0, 7, 5000, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(dev_udp(b, 7, 5001, 5000, 53, T0, &h), NAT64_DROP_NONE);
    /* A key is one device whatever /64 it uses (stricter than per /64). */
    assert_int_equal(key_udp(b, 1, 9, 1, 53, T0, &h), NAT64_DROP_DEV_POOL);
    /* The key's existing mapping keeps working, under any key: a mapping
     * counts on the device that made it. */
    assert_int_equal(key_udp(b, 1, 7, 1, 53, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(key_udp(b, 2, 7, 1000, 53, T0, &h), NAT64_DROP_NONE);
    bib_free(b);
}

/* Session caps per key too, inbound included; a static mapping's sessions
 * count on the key of its first session. */
static void test_dev_key_sessions(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(false, NULL);
    c.max_sessions_per_64 = 4;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit h;
    for (uint16_t p = 1; p <= 4; p++) {
        assert_int_equal(key_udp(b, 1, 7, p, p, T0, &h), NAT64_DROP_NONE);
        assert_int_equal(key_udp(b, 2, 7, 100 + p, p, T0, &h), NAT64_DROP_NONE);
    }
    assert_int_equal(key_udp(b, 1, 7, 5, 1, T0, &h), NAT64_DROP_DEV_SESSIONS);
    assert_int_equal(key_udp(b, 1, 7, 1, 9, T0, &h), NAT64_DROP_DEV_SESSIONS);
    assert_int_equal(key_udp(b, 3, 7, 1, 9, T0, &h), NAT64_DROP_DEV_SESSIONS); /* key 1's mapping */
    uint8_t a6[16];
    dev6(7, 1, a6);
    assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5000, &h), NAT64_DROP_NONE);
    assert_int_equal(in_pkt(b, BIB_UDP, h.addr4, 5000, "198.51.100.1", 1, 0, T0, &h),
                     NAT64_DROP_DEV_SESSIONS);
    assert_int_equal(key_udp(b, 3, 7, 200, 1, T0, &h), NAT64_DROP_NONE);
    /* static mapping in the shared /64: its sessions count on key 3 */
    uint8_t s6[16], s4[4];
    dev6(7, 300, s6);
    v4("10.0.0.1", s4);
    assert_int_equal(bib_add_static(b, 0, s6, 0, s4, 0), NAT64_DROP_NONE);
    for (uint16_t p = 1; p <= 3; p++)
        assert_int_equal(key_udp(b, 3, 7, 300, p, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(key_udp(b, 3, 7, 300, 4, T0, &h), NAT64_DROP_DEV_SESSIONS);
    assert_int_equal(key_udp(b, 3, 7, 201, 1, T0, &h), NAT64_DROP_DEV_SESSIONS);
    assert_int_equal(key_udp(b, 4, 7, 202, 1, T0, &h), NAT64_DROP_NONE);
    /* all gone when the sessions end */
    assert_int_equal(bib_expire(b, T0 + 400000), 13);
    for (uint16_t p = 1; p <= 4; p++)
        assert_int_equal(key_udp(b, 1, 7, 50 + p, p, T0 + 400000, &h), NAT64_DROP_NONE);
    bib_free(b);
}

/* ---- static mappings -------------------------------------------------------------- */

static void test_static_addr_mode(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t s6[16], o6[16], s4[4], x4[4];
    h6(100, s6);
    h6(101, o6);
    v4("192.168.255.254", s4);
    v4("10.0.0.1", x4);
    /* Proto and ports are ignored in address mode. */
    assert_int_equal(bib_add_static(b, BIB_TCP, s6, 80, s4, 8080), NAT64_DROP_NONE);
    assert_int_equal(bib_add_static(b, 0, o6, 0, x4, 0), NAT64_DROP_NONE); /* outside pool */
    assert_int_equal(bib_add_static(b, 0, s6, 0, s4, 0), NAT64_DROP_NONE); /* same again */
    uint8_t n6[16];
    h6(102, n6);
    assert_int_equal(bib_add_static(b, 0, n6, 0, s4, 0), NAT64_DROP_POOL_EXHAUSTED);
    assert_int_equal(bib_add_static(b, 0, s6, 0, x4, 0), NAT64_DROP_POOL_EXHAUSTED);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(bib_sessions(b), 0);

    /* The static address is never handed out dynamically. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.253");

    /* Both ways, any protocol, ports kept. */
    assert_int_equal(bib_peek_out(b, BIB_UDP, s6, 1234, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_int_equal(h.port4, 1234);
    assert_int_equal(bib_peek_in(b, BIB_TCP, x4, 22, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 101);
    assert_int_equal(in_pkt(b, BIB_TCP, s4, 80, "198.51.100.4", 4000, TCP_SYN, T0, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 100);
    assert_int_equal(h.port6, 80);
    assert_int_equal(bib_out(b, BIB_UDP, s6, 53, x4, 53, true, 0, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_int_equal(bib_sessions(b), 3);

    /* Survives expiry (its sessions do not). */
    assert_int_equal(bib_expire(b, T0 + 10000000), 3);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(bib_peek_in(b, BIB_UDP, s4, 1, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 100);
    uint32_t cur = 0;
    struct bib_mapping_info mi;
    unsigned n = 0;
    while (bib_mapping_next(b, &cur, &mi)) {
        assert_true(mi.is_static);
        assert_true(mi.expires_ms == 0);
        assert_int_equal(mi.sessions, 0);
        assert_int_equal(mi.proto, 0);
        assert_false(mi.has_ports);
        n++;
    }
    assert_int_equal(n, 2);

    /* Survives clear; dynamic allocation restarts below it. */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0 + 10000000, &h), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.8", 53, T0 + 10000000, &h), NAT64_DROP_NONE);
    bib_clear(b);
    assert_int_equal(bib_mappings(b), 2);
    assert_int_equal(bib_sessions(b), 0);
    assert_int_equal(bib_peek_out(b, BIB_ICMP, s6, 7, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_int_equal(bib_peek_in(b, BIB_UDP, x4, 1, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 101);
    assert_int_equal(out_udp(b, 3, 5000, "203.0.113.8", 53, T0 + 10000000, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.253");
    bib_free(b);
}

static void test_static_napt(void **state)
{
    (void)state;
    struct bib_cfg c = cfg_with(true, "192.0.2.1/32");
    c.port_lo = 80;
    c.port_hi = 81;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    struct bib_hit h;
    uint8_t s6[16], t[4];
    h6(100, s6);
    v4("192.0.2.1", t);
    assert_int_equal(bib_add_static(b, BIB_TCP, s6, 8080, t, 80), NAT64_DROP_NONE);
    assert_int_equal(bib_add_static(b, BIB_TCP, s6, 8081, t, 80), NAT64_DROP_POOL_EXHAUSTED);
    assert_int_equal(bib_add_static(b, 47, s6, 8081, t, 81), NAT64_DROP_UNSUP_PROTO);

    /* Dynamic TCP mappings avoid the static port: one left. */
    assert_int_equal(out_tcp(b, 1, 5000, "203.0.113.1", 443, TCP_SYN, T0, &h), NAT64_DROP_NONE);
    assert_int_equal(h.port4, 81);
    assert_int_equal(out_tcp(b, 2, 5000, "203.0.113.1", 443, TCP_SYN, T0, &h),
                     NAT64_DROP_POOL_EXHAUSTED);
    /* UDP has its own port space. */
    assert_int_equal(out_udp(b, 2, 5000, "203.0.113.1", 53, T0, &h), NAT64_DROP_NONE);

    /* Inbound SYN to the static mapping opens a session to the server. */
    assert_int_equal(in_pkt(b, BIB_TCP, t, 80, "203.0.113.9", 40000, TCP_SYN, T0, &h),
                     NAT64_DROP_NONE);
    assert_host(h.addr6, 100);
    assert_int_equal(h.port6, 8080);
    assert_int_equal(h.port4, 80);
    assert_int_equal(bib_peek_out(b, BIB_TCP, s6, 8080, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.0.2.1");
    assert_int_equal(h.port4, 80);

    assert_int_equal(bib_expire(b, T0 + 10000000), 3);
    assert_int_equal(bib_mappings(b), 1);
    assert_int_equal(bib_peek_in(b, BIB_TCP, t, 80, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 100);
    bib_clear(b);
    assert_int_equal(bib_mappings(b), 1);
    assert_int_equal(bib_peek_in(b, BIB_TCP, t, 80, &h), NAT64_DROP_NONE);
    assert_int_equal(h.port6, 8080);
    uint32_t cur = 0;
    struct bib_mapping_info mi;
    assert_true(bib_mapping_next(b, &cur, &mi));
    assert_true(mi.is_static);
    assert_true(mi.has_ports);
    assert_int_equal(mi.proto, BIB_TCP);
    assert_int_equal(mi.port6, 8080);
    assert_int_equal(mi.port4, 80);
    assert_false(bib_mapping_next(b, &cur, &mi));

    /* Address-level static in NAPT mode: whole address, ports kept. */
    uint8_t w6[16], w4[4];
    h6(200, w6);
    v4("198.51.100.5", w4);
    assert_int_equal(bib_add_static(b, 0, w6, 0, w4, 0), NAT64_DROP_NONE);
    assert_int_equal(bib_add_static(b, BIB_UDP, s6, 1, w4, 1), NAT64_DROP_POOL_EXHAUSTED);
    assert_int_equal(bib_peek_in(b, BIB_UDP, w4, 5353, &h), NAT64_DROP_NONE);
    assert_host(h.addr6, 200);
    assert_int_equal(h.port6, 5353);
    uint8_t d4[4];
    v4("203.0.113.8", d4);
    assert_int_equal(bib_out(b, BIB_UDP, w6, 7777, d4, 53, true, 0, T0 + 10000000, &h),
                     NAT64_DROP_NONE);
    assert_addr4(h.addr4, "198.51.100.5");
    assert_int_equal(h.port4, 7777);
    assert_int_equal(bib_mappings(b), 2);
    bib_free(b);
}

/* ---- peeks ------------------------------------------------------------------------- */

static void test_peek_no_state_change(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    uint8_t a6[16], t[4], n6[16];
    h6(1, a6);
    h6(2, n6);
    v4("192.168.255.254", t);
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    uint64_t exp = newest_expiry(b);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5000, &h), NAT64_DROP_NONE);
        assert_addr4(h.addr4, "192.168.255.254");
        assert_int_equal(bib_peek_in(b, BIB_UDP, t, 5000, &h), NAT64_DROP_NONE);
        assert_host(h.addr6, 1);
        /* Unknown: no mapping, none created. */
        assert_int_equal(bib_peek_out(b, BIB_UDP, n6, 5000, &h), NAT64_DROP_NO_MAPPING);
    }
    assert_int_equal(bib_sessions(b), 1);
    assert_int_equal(bib_mappings(b), 1);
    assert_true(newest_expiry(b) == exp);
    assert_int_equal(bib_expire(b, T0 + 300000), 1);
    assert_int_equal(bib_peek_out(b, BIB_UDP, a6, 5000, &h), NAT64_DROP_NO_MAPPING);
    bib_free(b);
}

/* ---- counters and iteration -------------------------------------------------------- */

static void test_counters_iteration(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit ha, hb, hc;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &ha), NAT64_DROP_NONE);
    assert_int_equal(out_tcp(b, 2, 5000, "203.0.113.8", 80, TCP_SYN, T0 + 1000, &hb),
                     NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 3, 5000, "203.0.113.8", 53, T0 + 2000, &hc), NAT64_DROP_NONE);
    assert_int_equal(out_udp(b, 3, 5001, "203.0.113.8", 53, T0 + 3000, &hc), NAT64_DROP_NONE);
    bib_count(b, ha.mapping, NAT64_PROTO_UDP, false, 100);
    bib_count(b, ha.mapping, NAT64_PROTO_UDP, false, 50);
    bib_count(b, ha.mapping, NAT64_PROTO_UDP, true, 70);
    bib_count(b, hb.mapping, NAT64_PROTO_TCP, true, 40);
    bib_count(b, 0, NAT64_PROTO_TCP, true, 40);           /* ignored */
    bib_count(b, 0xfffffff0u, NAT64_PROTO_TCP, true, 40); /* ignored */

    uint32_t cur = 0;
    struct bib_mapping_info m[4];
    unsigned n = 0;
    while (n < 4 && bib_mapping_next(b, &cur, &m[n]))
        n++;
    assert_int_equal(n, 3);
    assert_false(bib_mapping_next(b, &cur, &m[3])); /* stays at the end */

    /* Newest first, consecutive ids. */
    assert_host(m[0].addr6, 3);
    assert_host(m[1].addr6, 2);
    assert_host(m[2].addr6, 1);
    assert_true(m[0].id == m[1].id + 1);
    assert_true(m[1].id == m[2].id + 1);
    assert_addr4(m[2].addr4, "192.168.255.254");
    assert_addr4(m[0].addr4, "192.168.255.252");
    assert_int_equal(m[0].sessions, 2);
    assert_int_equal(m[2].sessions, 1);
    /* Latest expiry of the sessions. */
    assert_true(m[0].expires_ms == T0 + 3000 + 300000);
    assert_true(m[1].expires_ms == T0 + 1000 + 240000);
    assert_true(m[2].expires_ms == T0 + 300000);
    assert_false(m[0].is_static);
    assert_int_equal(m[0].proto, 0);
    assert_false(m[0].has_ports);

    const struct nat64_ctr *u = &m[2].ctr[NAT64_PROTO_UDP];
    assert_true(u->pkts_6to4 == 2 && u->bytes_6to4 == 150);
    assert_true(u->pkts_4to6 == 1 && u->bytes_4to6 == 70);
    assert_true(m[2].ctr[NAT64_PROTO_TCP].pkts_4to6 == 0);
    assert_true(m[1].ctr[NAT64_PROTO_TCP].pkts_4to6 == 1);
    assert_true(m[1].ctr[NAT64_PROTO_TCP].bytes_4to6 == 40);
    assert_true(m[0].ctr[NAT64_PROTO_UDP].pkts_6to4 == 0);

    /* A re-created mapping gets a new id and zero counters. */
    assert_int_equal(bib_expire(b, T0 + 300000), 2); /* host 2 (TCP), host 1 */
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0 + 300000, &ha), NAT64_DROP_NONE);
    cur = 0;
    assert_true(bib_mapping_next(b, &cur, &m[3]));
    assert_host(m[3].addr6, 1);
    assert_true(m[3].id == m[0].id + 1);
    assert_true(m[3].ctr[NAT64_PROTO_UDP].pkts_6to4 == 0);
    bib_free(b);
}

static void test_napt_iteration(void **state)
{
    (void)state;
    struct bib *b = mk(true, NULL);
    struct bib_hit h;
    assert_int_equal(out_udp(b, 1, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    uint32_t cur = 0;
    struct bib_mapping_info mi;
    assert_true(bib_mapping_next(b, &cur, &mi));
    assert_true(mi.has_ports);
    assert_int_equal(mi.proto, BIB_UDP);
    assert_int_equal(mi.port6, 5000);
    assert_int_equal(mi.port4, h.port4);
    assert_memory_equal(mi.addr4, h.addr4, 4);
    assert_false(bib_mapping_next(b, &cur, &mi));
    bib_free(b);
}

static void test_clear(void **state)
{
    (void)state;
    struct bib *b = mk(false, NULL);
    struct bib_hit h;
    for (uint32_t host = 1; host <= 10; host++)
        assert_int_equal(out_udp(b, host, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    bib_clear(b);
    assert_int_equal(bib_mappings(b), 0);
    assert_int_equal(bib_sessions(b), 0);
    uint32_t cur = 0;
    struct bib_mapping_info mi;
    assert_false(bib_mapping_next(b, &cur, &mi));
    assert_int_equal(bib_expire(b, T0 + 100000000), 0);
    assert_int_equal(out_udp(b, 11, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
    assert_addr4(h.addr4, "192.168.255.254");
    assert_int_equal(bib_mappings(b), 1);
    bib_free(b);
}

/* Seeds change the hash and the port choice; same seed, same choice. */
static void test_seed(void **state)
{
    (void)state;
    uint16_t p[3];
    for (int i = 0; i < 3; i++) {
        struct bib_cfg c = cfg_with(true, NULL);
        c.seed = i == 2 ? 99 : 42;
        struct bib *b = bib_new(&c);
        assert_non_null(b);
        struct bib_hit h;
        p[i] = 0;
        for (uint32_t host = 1; host <= 4; host++) {
            assert_int_equal(out_udp(b, host, 5000, "203.0.113.8", 53, T0, &h), NAT64_DROP_NONE);
            p[i] = (uint16_t)(p[i] * 31 + h.port4);
        }
        bib_free(b);
    }
    assert_int_equal(p[0], p[1]);
    assert_true(p[0] != p[2]);
}

/* ---- scale: 1,000,000 sessions -------------------------------------------------------- */

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_million_sessions(void **state)
{
    (void)state;
    uint32_t n = 1000000;
    const char *env = getenv("TBR_BIB_BIG");
    if (env && atol(env) >= 1000)
        n = (uint32_t)atol(env);
    const uint32_t hosts = 1000, flows = n / hosts;
    n = hosts * flows;

    struct bib_cfg c = cfg_with(false, "198.18.0.0/20");
    c.max_sessions = n;
    c.max_mappings = hosts;
    c.max_per_host = 0;
    struct bib *b = bib_new(&c);
    assert_non_null(b);
    double per = (double)bib_memory(b) / n;
    printf("bib: %u sessions, bib_memory %zu bytes, %.1f bytes/session\n", n, bib_memory(b), per);
    assert_true(per <= 128.0);

    uint32_t *t4 = calloc(hosts, sizeof(*t4));
    assert_non_null(t4);
    double t_start = secs();
    /* Flow f of host h: [fd00::h]:(10000 + f) -> 203.0.113.(f % 200):(53 + f / 200). */
    for (uint32_t hi = 0; hi < hosts; hi++) {
        uint8_t a6[16];
        h6(hi + 1, a6);
        for (uint32_t f = 0; f < flows; f++) {
            uint8_t d4[4] = {203, 0, 113, (uint8_t)(f % 200)};
            struct bib_hit h;
            enum nat64_drop r = bib_out(b, BIB_UDP, a6, (uint16_t)(10000 + f), d4,
                                        (uint16_t)(53 + f / 200), true, 0, T0, &h);
            if (r != NAT64_DROP_NONE)
                fail_msg("bib_out host %u flow %u: %d", hi, f, r);
            if (f == 0)
                t4[hi] = u4(h.addr4);
            else if (u4(h.addr4) != t4[hi])
                fail_msg("host %u changed address", hi);
        }
    }
    double t_create = secs();
    assert_int_equal(bib_sessions(b), n);
    assert_int_equal(bib_mappings(b), hosts);

    for (uint32_t hi = 0; hi < hosts; hi++) {
        uint8_t a6[16], t[4] = {(uint8_t)(t4[hi] >> 24), (uint8_t)(t4[hi] >> 16),
                                (uint8_t)(t4[hi] >> 8), (uint8_t)t4[hi]};
        h6(hi + 1, a6);
        for (uint32_t f = 0; f < flows; f++) {
            uint8_t y4[4] = {203, 0, 113, (uint8_t)(f % 200)};
            uint16_t x = (uint16_t)(10000 + f);
            struct bib_hit h;
            if (bib_in(b, BIB_UDP, t, x, y4, (uint16_t)(53 + f / 200), true, 0, T0 + 1000, &h) !=
                    NAT64_DROP_NONE ||
                memcmp(h.addr6, a6, 16) != 0 || h.port6 != x)
                fail_msg("bib_in host %u flow %u", hi, f);
            if (bib_peek_out(b, BIB_UDP, a6, x, &h) != NAT64_DROP_NONE || u4(h.addr4) != t4[hi])
                fail_msg("peek_out host %u flow %u", hi, f);
            if (bib_peek_in(b, BIB_UDP, t, x, &h) != NAT64_DROP_NONE ||
                memcmp(h.addr6, a6, 16) != 0)
                fail_msg("peek_in host %u flow %u", hi, f);
        }
    }
    double t_lookup = secs();
    /* The replies joined the existing sessions. */
    assert_int_equal(bib_sessions(b), n);
    assert_int_equal(bib_expire(b, T0 + 300000), 0);
    assert_int_equal(bib_expire(b, T0 + 301000), n);
    double t_expire = secs();
    assert_int_equal(bib_sessions(b), 0);
    assert_int_equal(bib_mappings(b), 0);
    printf("bib: create %.2f s, 1 in + 2 peeks each %.2f s, expire %.2f s\n", t_create - t_start,
           t_lookup - t_create, t_expire - t_lookup);
    free(t4);
    bib_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_default),
        cmocka_unit_test(test_new_rejects_bad_cfg),
        cmocka_unit_test(test_addr_mode_basic),
        cmocka_unit_test(test_addr_mode_small_prefixes),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_napt_basic),
        cmocka_unit_test(test_napt_icmp_id),
        cmocka_unit_test(test_napt_no_clash),
        cmocka_unit_test(test_napt_spread),
        cmocka_unit_test(test_timeout_udp),
        cmocka_unit_test(test_timeout_rounding),
        cmocka_unit_test(test_clock_backwards),
        cmocka_unit_test(test_timeout_icmp),
        cmocka_unit_test(test_refresh_and_mapping_lifetime),
        cmocka_unit_test(test_timeout_tcp),
        cmocka_unit_test(test_timeout_tcp_fin_rst),
        cmocka_unit_test(test_tcp_filtering),
        cmocka_unit_test(test_exhaust_pool),
        cmocka_unit_test(test_exhaust_table),
        cmocka_unit_test(test_host_limit_addr),
        cmocka_unit_test(test_host_limit_napt),
        cmocka_unit_test(test_dev_rotating_pool),
        cmocka_unit_test(test_dev_sessions_addr),
        cmocka_unit_test(test_dev_sessions_napt),
        cmocka_unit_test(test_dev_static_and_off),
        cmocka_unit_test(test_dev_key_shared_64),
        cmocka_unit_test(test_dev_key_sessions),
        cmocka_unit_test(test_static_addr_mode),
        cmocka_unit_test(test_static_napt),
        cmocka_unit_test(test_peek_no_state_change),
        cmocka_unit_test(test_counters_iteration),
        cmocka_unit_test(test_napt_iteration),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_seed),
        cmocka_unit_test(test_million_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
