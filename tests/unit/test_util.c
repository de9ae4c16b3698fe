/*
 * util: Internet checksum (csum), address text forms (addr) and the bounded
 * reader/writer (rd.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"
#include "util/textbuf.h"

/* ---- csum ----------------------------------------------------------------- */

static void test_csum_rfc1071_example(void **state)
{
    (void)state;
    /* RFC 1071 §3: 0001 f203 f4f5 f6f7 sums to ddf2 (after the carries). */
    static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(csum_fold(csum_add(0, b, sizeof(b))), 0xddf2);
    assert_int_equal(csum_finish(csum_add(0, b, sizeof(b))), 0x220d);
    /* Summing in two pieces (even split) gives the same result. */
    assert_int_equal(csum_fold(csum_add(csum_add(0, b, 4), b + 4, 4)), 0xddf2);
    /* Byte order independence is not assumed: a swapped buffer differs. */
    static const uint8_t sw[] = {0x01, 0x00, 0x03, 0xf2, 0xf5, 0xf4, 0xf7, 0xf6};
    assert_int_equal(csum_fold(csum_add(0, sw, sizeof(sw))), 0xf2dd);
}

static void test_csum_odd_length(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x00, 0x01, 0xf2};
    /* The trailing byte is the high byte of a zero-padded word. */
    assert_int_equal(csum_fold(csum_add(0, b, 3)), 0xf201);
    static const uint8_t one = 0xab;
    assert_int_equal(csum_fold(csum_add(0, &one, 1)), 0xab00);
    assert_int_equal(csum_fold(csum_add(0, b, 0)), 0);
    assert_int_equal(csum_finish(0), 0xffff);
}

static void test_csum_carries(void **state)
{
    (void)state;
    /* Many 0xffff words: the sum must stay 0xffff (no lost carries). */
    uint8_t big[4096];
    memset(big, 0xff, sizeof(big));
    assert_int_equal(csum_fold(csum_add(0, big, sizeof(big))), 0xffff);
    uint32_t s = 0;
    for (int i = 0; i < 1000; i++)
        s = csum_add(s, big, sizeof(big));
    assert_int_equal(csum_fold(s), 0xffff);
    /* A large incoming partial sum is folded correctly too: 0xffffffff is
     * one's-complement zero (a multiple of 0xffff), so adding 1 gives 1. */
    static const uint8_t w[] = {0x00, 0x01};
    assert_int_equal(csum_fold(csum_add(0xffffffffu, w, 2)), 1);
}

static void test_csum_ip4_header(void **state)
{
    (void)state;
    uint8_t h[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    uint16_t c = csum_ip4_header(h, sizeof(h));
    assert_int_equal(c, 0xb861);
    be16_put(h + 10, c);
    /* A correct header sums to 0xffff, i.e. recomputes to 0. */
    assert_int_equal(csum_ip4_header(h, sizeof(h)), 0);
}

/* UDP 1234 -> 80, length 8 + payload, checksum field zero. */
static size_t build_udp(uint8_t *buf, const char *payload)
{
    size_t n = strlen(payload);
    be16_put(buf, 1234);
    be16_put(buf + 2, 80);
    be16_put(buf + 4, (uint16_t)(8 + n));
    be16_put(buf + 6, 0);
    memcpy(buf + 8, payload, n);
    return 8 + n;
}

static void test_csum_pseudo4_udp(void **state)
{
    (void)state;
    uint8_t src[4], dst[4], udp[64];
    assert_true(addr_parse4("192.0.2.1", src));
    assert_true(addr_parse4("198.51.100.2", dst));

    /* Hand sum: c000+0201+c633+6402+0011+000c = 1ec53 -> ec54. */
    assert_int_equal(csum_fold(csum_pseudo4(src, dst, 17, 12)), 0xec54);

    size_t len = build_udp(udp, "abcd");
    uint32_t s = csum_add(csum_pseudo4(src, dst, 17, (uint32_t)len), udp, len);
    assert_int_equal(csum_finish(s), 0x49b6);

    /* Odd payload: the pad byte is implicit. */
    len = build_udp(udp, "abc");
    s = csum_add(csum_pseudo4(src, dst, 17, (uint32_t)len), udp, len);
    assert_int_equal(csum_finish(s), 0x4a1c);

    /* Verifying a packet with its checksum stored gives 0. */
    len = build_udp(udp, "abcd");
    be16_put(udp + 6, 0x49b6);
    s = csum_add(csum_pseudo4(src, dst, 17, (uint32_t)len), udp, len);
    assert_int_equal(csum_finish(s), 0);
}

static void test_csum_pseudo6_udp(void **state)
{
    (void)state;
    uint8_t src[16], dst[16], udp[64];
    assert_true(addr_parse6("2001:db8::1", src));
    assert_true(addr_parse6("64:ff9b::c633:6402", dst));
    /* 2001+0db8+1 + 0064+ff9b+c633+6402 + 000c + 0011 = 2580a -> 580d */
    assert_int_equal(csum_fold(csum_pseudo6(src, dst, 17, 12)), 0x580d);
    size_t len = build_udp(udp, "abcd");
    uint32_t s = csum_add(csum_pseudo6(src, dst, 17, (uint32_t)len), udp, len);
    assert_int_equal(csum_finish(s), 0xddfd);

    /* Upper-layer lengths above 65535 (jumbograms) add both halves. */
    assert_int_equal(csum_fold(csum_pseudo6(src, dst, 17, 0x10002)),
                     csum_fold(csum_pseudo6(src, dst, 17, 0) + 3));
}

/* Deterministic pseudo-random bytes. */
static uint32_t lcg(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 16;
}

static void test_csum_update(void **state)
{
    (void)state;
    uint32_t seed = 42;
    for (int trial = 0; trial < 2000; trial++) {
        uint8_t pkt[40], before[8];
        for (size_t i = 0; i < sizeof(pkt); i++)
            pkt[i] = (uint8_t)lcg(&seed);
        /* The checksum field is at 16..17; the rewritten region at 4..11. */
        be16_put(pkt + 16, 0);
        uint16_t good = csum_finish(csum_add(0, pkt, sizeof(pkt)));
        int wrong_by = (int)(lcg(&seed) % 3); /* 0: correct field */
        uint16_t field = (uint16_t)(good + wrong_by);
        be16_put(pkt + 16, field);
        uint16_t residual_before = csum_fold(csum_add(0, pkt, sizeof(pkt)));

        memcpy(before, pkt + 4, 8);
        for (size_t i = 4; i < 12; i++)
            pkt[i] = (uint8_t)lcg(&seed);
        if (trial % 7 == 0)
            memset(pkt + 4, 0, 8); /* exercise a zero new sum */
        uint16_t upd = csum_update(field, csum_add(0, before, 8), csum_add(0, pkt + 4, 8));
        be16_put(pkt + 16, upd);

        if (wrong_by == 0) {
            /* Same as a full recompute, compared modulo one's-complement
             * zero (0x0000 and 0xffff are the same number). */
            be16_put(pkt + 16, 0);
            uint16_t full = csum_finish(csum_add(0, pkt, sizeof(pkt)));
            be16_put(pkt + 16, upd);
            if (upd != full)
                assert_true((upd == 0 && full == 0xffff) || (upd == 0xffff && full == 0));
            assert_int_equal(csum_fold(csum_add(0, pkt, sizeof(pkt))), 0xffff);
        } else {
            /* Still wrong, and by the same amount (good + 1 can wrap to
             * 0x0000, which is one's-complement 0xffff and so not wrong). */
            uint16_t residual_after = csum_fold(csum_add(0, pkt, sizeof(pkt)));
            if (residual_before != 0xffff)
                assert_int_not_equal(residual_after, 0xffff);
            assert_int_equal(residual_after, residual_before);
        }
    }
}

static void test_csum_update_fixed(void **state)
{
    (void)state;
    /* The UDP/IPv4 packet above moved to IPv6 (SIIT): updating the UDP
     * checksum with the pseudo-header sums equals the IPv6 full checksum. */
    uint8_t s4[4], d4[4], s6[16], d6[16], udp[64];
    assert_true(addr_parse4("192.0.2.1", s4));
    assert_true(addr_parse4("198.51.100.2", d4));
    assert_true(addr_parse6("2001:db8::1", s6));
    assert_true(addr_parse6("64:ff9b::c633:6402", d6));
    size_t len = build_udp(udp, "abcd");
    uint16_t upd = csum_update(0x49b6, csum_pseudo4(s4, d4, 17, (uint32_t)len),
                               csum_pseudo6(s6, d6, 17, (uint32_t)len));
    assert_int_equal(upd, 0xddfd);
    /* And a field wrong by one stays wrong by one. */
    upd = csum_update(0x49b7, csum_pseudo4(s4, d4, 17, (uint32_t)len),
                      csum_pseudo6(s6, d6, 17, (uint32_t)len));
    assert_int_equal(upd, 0xddfe);
}

/* ---- addr ----------------------------------------------------------------- */

static void test_addr_parse4(void **state)
{
    (void)state;
    uint8_t a[4];
    assert_true(addr_parse4("192.0.2.33", a));
    assert_memory_equal(a, ((uint8_t[]){192, 0, 2, 33}), 4);
    assert_true(addr_parse4("0.0.0.0", a));
    assert_memory_equal(a, ((uint8_t[]){0, 0, 0, 0}), 4);
    assert_true(addr_parse4("255.255.255.255", a));
    assert_memory_equal(a, ((uint8_t[]){255, 255, 255, 255}), 4);

    static const char *const bad[] = {"1.2.3",    "256.1.1.1", "1.2.3.4.5", "",         "1.2.3.4 ",
                                      " 1.2.3.4", "1.2.3.-4",  "1..2.3",    "a.b.c.d",  "1.2.3.4/",
                                      "1.2.3.4x", "::1",       "1.2.3.256", "0x1.2.3.4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(addr_parse4(bad[i], a));
    assert_false(addr_parse4(NULL, a));
}

static void test_addr_parse6(void **state)
{
    (void)state;
    uint8_t a[16];
    static const uint8_t want[16] = {0xfd, 0x3b, 0xc9, 0x8b, 0xa9, 0xaa, 0, 2,
                                     0,    0,    0,    0,    8,    8,    8, 8};
    assert_true(addr_parse6("fd3b:c98b:a9aa:2::808:808", a));
    assert_memory_equal(a, want, 16);
    assert_true(addr_parse6("FD3B:C98B:A9AA:0002:0000:0000:0808:0808", a));
    assert_memory_equal(a, want, 16);
    assert_true(addr_parse6("fd3b:c98b:a9aa:2::8.8.8.8", a));
    assert_memory_equal(a, want, 16);
    assert_true(addr_parse6("::", a));
    static const uint8_t zero[16] = {0};
    assert_memory_equal(a, zero, 16);

    static const char *const bad[] = {
        "",     ":",      "1::2::3",   "12345::",    "g::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "::1 ", "::1/64", "192.0.2.1", "fd3b::%eth0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(addr_parse6(bad[i], a));
    assert_false(addr_parse6(NULL, a));
}

static void test_addr_parse_prefix4(void **state)
{
    (void)state;
    struct addr_prefix4 p;
    assert_true(addr_parse_prefix4("192.168.255.0/24", &p));
    assert_memory_equal(p.addr, ((uint8_t[]){192, 168, 255, 0}), 4);
    assert_int_equal(p.len, 24);
    /* Host bits are kept as written. */
    assert_true(addr_parse_prefix4("10.1.2.3/8", &p));
    assert_memory_equal(p.addr, ((uint8_t[]){10, 1, 2, 3}), 4);
    assert_int_equal(p.len, 8);
    assert_true(addr_parse_prefix4("0.0.0.0/0", &p));
    assert_int_equal(p.len, 0);
    assert_true(addr_parse_prefix4("1.2.3.4/32", &p));
    assert_int_equal(p.len, 32);

    static const char *const bad[] = {"1.2.3.4/33",
                                      "1.2.3.4/999",
                                      "1.2.3.4/1000",
                                      "1.2.3.4",
                                      "1.2.3.4/",
                                      "1.2.3.4/24x",
                                      "1.2.3.4/24 ",
                                      "1.2.3.4/ 24",
                                      "1.2.3.4/-1",
                                      "1.2.3.4/+8",
                                      "/24",
                                      "1.2.3/24",
                                      "256.1.1.1/8",
                                      "1.2.3.4.5/8",
                                      "1.2.3.4/8/8",
                                      "",
                                      "::/0",
                                      "1.2.3.4 /8",
                                      "1234567890123456789/8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(addr_parse_prefix4(bad[i], &p));
    assert_false(addr_parse_prefix4(NULL, &p));
}

static void test_addr_parse_prefix6(void **state)
{
    (void)state;
    struct addr_prefix6 p;
    assert_true(addr_parse_prefix6("64:ff9b::/96", &p));
    assert_int_equal(p.len, 96);
    assert_int_equal(p.addr[0], 0x00);
    assert_int_equal(p.addr[1], 0x64);
    assert_int_equal(p.addr[2], 0xff);
    assert_int_equal(p.addr[3], 0x9b);
    assert_true(addr_parse_prefix6("2001:db8::1/128", &p));
    assert_int_equal(p.len, 128);
    assert_int_equal(p.addr[15], 1);
    assert_true(addr_parse_prefix6("::/0", &p));
    assert_int_equal(p.len, 0);
    /* The longest textual form still fits. */
    assert_true(addr_parse_prefix6("0000:0000:0000:0000:0000:ffff:192.168.100.200/128", &p));
    assert_int_equal(p.addr[15], 200);

    static const char *const bad[] = {"64:ff9b::/129",
                                      "64:ff9b::/200",
                                      "64:ff9b::/1280",
                                      "64:ff9b::",
                                      "64:ff9b::/",
                                      "64:ff9b::/96x",
                                      "64:ff9b::/96 ",
                                      "64:ff9b::/9 6",
                                      "64:ff9b::/-1",
                                      "/96",
                                      "64:ff9b:::/96",
                                      "1.2.3.0/24",
                                      "64:ff9b::/96/1",
                                      "",
                                      "00000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/64"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(addr_parse_prefix6(bad[i], &p));
    assert_false(addr_parse_prefix6(NULL, &p));
}

static void test_addr_fmt(void **state)
{
    (void)state;
    uint8_t a[16];
    uint8_t v4[4] = {192, 168, 255, 254};
    char buf[ADDR_STR6];
    char b4[ADDR_STR4];

    assert_true(addr_parse6("fd3b:c98b:a9aa:2::808:808", a));
    assert_string_equal(addr_fmt6_ot(a, buf), "fd3b:c98b:a9aa:2:0:0:808:808");
    assert_string_equal(addr_fmt6(a, buf), "fd3b:c98b:a9aa:2::808:808");

    memset(a, 0, 16);
    assert_string_equal(addr_fmt6_ot(a, buf), "0:0:0:0:0:0:0:0");
    assert_string_equal(addr_fmt6(a, buf), "::");
    memset(a, 0xff, 16);
    assert_string_equal(addr_fmt6_ot(a, buf), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_true(strlen(buf) < ADDR_STR6);

    /* RFC 5952: lowercase, no leading zeros, longest (first) zero run
     * compressed, a lone zero group not compressed. */
    static const char *const rt[][2] = {
        {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
        {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
        {"fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7", "fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7"},
        {"64:ff9b::c000:221", "64:ff9b::c000:221"},
        {"2001:db8:122:344:c0:2:2100:0", "2001:db8:122:344:c0:2:2100:0"},
    };
    for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
        assert_true(addr_parse6(rt[i][0], a));
        assert_string_equal(addr_fmt6(a, buf), rt[i][1]);
    }

    assert_string_equal(addr_fmt4(v4, b4), "192.168.255.254");
    memset(v4, 255, 4);
    assert_string_equal(addr_fmt4(v4, b4), "255.255.255.255");
    memset(v4, 0, 4);
    assert_string_equal(addr_fmt4(v4, b4), "0.0.0.0");
}

static void test_addr_prefix_match(void **state)
{
    (void)state;
    uint8_t a[16], b[16];
    assert_true(addr_parse6("2001:db8:122:344::1", a));
    assert_true(addr_parse6("2001:db8:122:345::1", b));
    assert_true(addr_prefix_match(a, b, 0));
    assert_true(addr_prefix_match(a, b, 48));
    assert_true(addr_prefix_match(a, b, 63)); /* 0x344 vs 0x345 differ in bit 63 */
    assert_false(addr_prefix_match(a, b, 64));
    assert_false(addr_prefix_match(a, b, 128));
    assert_true(addr_prefix_match(a, a, 128));

    uint8_t x[4] = {10, 0x80, 0, 0}, y[4] = {10, 0x00, 0, 0};
    assert_true(addr_prefix_match(x, y, 8));
    assert_false(addr_prefix_match(x, y, 9));
    assert_false(addr_prefix_match(x, y, 32));
    uint8_t p[4] = {0x80, 0, 0, 0}, q[4] = {0x00, 0, 0, 0};
    assert_true(addr_prefix_match(p, q, 0));
    assert_false(addr_prefix_match(p, q, 1));
}

static void test_addr_mask(void **state)
{
    (void)state;
    uint8_t a[4] = {10, 1, 2, 3};
    addr_mask(a, 4, 8);
    assert_memory_equal(a, ((uint8_t[]){10, 0, 0, 0}), 4);

    uint8_t b[4] = {255, 255, 255, 255};
    addr_mask(b, 4, 12);
    assert_memory_equal(b, ((uint8_t[]){255, 240, 0, 0}), 4);

    uint8_t c[4] = {255, 255, 255, 255};
    addr_mask(c, 4, 32);
    assert_memory_equal(c, ((uint8_t[]){255, 255, 255, 255}), 4);
    addr_mask(c, 4, 0);
    assert_memory_equal(c, ((uint8_t[]){0, 0, 0, 0}), 4);

    uint8_t d[16];
    memset(d, 0xff, 16);
    addr_mask(d, 16, 57);
    uint8_t want[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80};
    assert_memory_equal(d, want, 16);
    /* A masked address matches the original over the prefix. */
    uint8_t e[16];
    memset(e, 0xff, 16);
    assert_true(addr_prefix_match(d, e, 57));
    assert_false(addr_prefix_match(d, e, 58));
}

/* ---- rd / wr -------------------------------------------------------------- */

static void test_rd(void **state)
{
    (void)state;
    static const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    struct rd r = rd_init(buf, sizeof(buf));
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;

    assert_true(rd_u8(&r, &u8));
    assert_int_equal(u8, 0x01);
    assert_true(rd_be16(&r, &u16));
    assert_int_equal(u16, 0x0203);
    assert_true(rd_be32(&r, &u32));
    assert_int_equal(u32, 0x04050607);
    assert_int_equal(r.left, 0);

    /* Underrun: false, output untouched, reader unchanged. */
    u8 = 0xaa;
    u16 = 0xbbbb;
    u32 = 0xcccccccc;
    assert_false(rd_u8(&r, &u8));
    assert_false(rd_be16(&r, &u16));
    assert_false(rd_be32(&r, &u32));
    assert_int_equal(u8, 0xaa);
    assert_int_equal(u16, 0xbbbb);
    assert_int_equal(u32, 0xcccccccc);
    assert_int_equal(r.left, 0);
    assert_ptr_equal(r.p, buf + sizeof(buf));

    /* Partial underruns do not consume the bytes that are there. */
    r = rd_init(buf, 3);
    assert_false(rd_be32(&r, &u32));
    assert_int_equal(r.left, 3);
    assert_ptr_equal(r.p, buf);
    uint8_t out[8];
    memset(out, 0xee, sizeof(out));
    assert_false(rd_bytes(&r, out, 4));
    assert_int_equal(out[0], 0xee);
    assert_int_equal(r.left, 3);
    assert_false(rd_skip(&r, 4));
    assert_int_equal(r.left, 3);
    assert_true(rd_skip(&r, 1));
    assert_int_equal(r.left, 2);
    assert_false(rd_be32(&r, &u32));
    assert_true(rd_bytes(&r, out, 2));
    assert_memory_equal(out, ((uint8_t[]){0x02, 0x03}), 2);
    assert_true(rd_skip(&r, 0));
    assert_true(rd_bytes(&r, out, 0));

    /* An odd-aligned be16 underrun (1 byte left). */
    r = rd_init(buf, 1);
    assert_false(rd_be16(&r, &u16));
    assert_int_equal(r.left, 1);

    /* A sub-reader is bounded by its own length, and consumes from the parent. */
    r = rd_init(buf, sizeof(buf));
    struct rd sub;
    assert_true(rd_sub(&r, 3, &sub));
    assert_int_equal(r.left, 4);
    assert_int_equal(sub.left, 3);
    assert_true(rd_be16(&sub, &u16));
    assert_int_equal(u16, 0x0102);
    assert_false(rd_be16(&sub, &u16));
    assert_true(rd_u8(&sub, &u8));
    assert_int_equal(u8, 0x03);
    assert_true(rd_u8(&r, &u8));
    assert_int_equal(u8, 0x04);
    struct rd sub2 = {NULL, 99};
    assert_false(rd_sub(&r, 4, &sub2));
    assert_null(sub2.p);
    assert_int_equal(r.left, 3);

    /* Empty reader over NULL. */
    r = rd_init(NULL, 0);
    assert_false(rd_u8(&r, &u8));
    assert_true(rd_skip(&r, 0));
    /* Huge n does not wrap. */
    r = rd_init(buf, sizeof(buf));
    assert_false(rd_skip(&r, SIZE_MAX));
    assert_false(rd_bytes(&r, out, SIZE_MAX));
    assert_int_equal(r.left, sizeof(buf));
}

static void test_wr(void **state)
{
    (void)state;
    uint8_t buf[8];
    memset(buf, 0, sizeof(buf));
    struct wr w = wr_init(buf, 7);
    wr_u8(&w, 0x01);
    wr_be16(&w, 0x0203);
    wr_be32(&w, 0x04050607);
    assert_true(w.ok);
    assert_int_equal(w.left, 0);
    assert_memory_equal(buf, ((uint8_t[]){1, 2, 3, 4, 5, 6, 7, 0}), 8);

    /* Overflow: nothing written, ok goes false. */
    wr_u8(&w, 0xff);
    assert_false(w.ok);
    assert_int_equal(buf[7], 0);

    /* Sticky: after a failed write, even a write that would fit fails, so
     * a packet is never built with a hole in it. */
    memset(buf, 0, sizeof(buf));
    w = wr_init(buf, 8);
    wr_be16(&w, 0x1111);
    wr_be32(&w, 0x22222222);
    wr_be32(&w, 0x33333333); /* needs 4, 2 left */
    assert_false(w.ok);
    assert_int_equal(w.left, 2);
    wr_be16(&w, 0x4444);
    assert_false(w.ok);
    assert_memory_equal(buf, ((uint8_t[]){0x11, 0x11, 0x22, 0x22, 0x22, 0x22, 0, 0}), 8);
    assert_null(wr_reserve(&w, 0));

    /* wr_bytes and wr_reserve */
    memset(buf, 0, sizeof(buf));
    w = wr_init(buf, sizeof(buf));
    wr_bytes(&w, "abc", 3);
    wr_bytes(&w, NULL, 0);
    uint8_t *at = wr_reserve(&w, 2);
    assert_ptr_equal(at, buf + 3);
    assert_true(w.ok);
    wr_bytes(&w, "defg", 4); /* 3 left */
    assert_false(w.ok);
    assert_memory_equal(buf, "abc\0\0\0\0\0", 8);
    w = wr_init(buf, sizeof(buf));
    assert_null(wr_reserve(&w, SIZE_MAX));
    assert_false(w.ok);

    /* Unchecked accessors. */
    uint8_t b4[4];
    be32_put(b4, 0xdeadbeef);
    assert_int_equal(be32_get(b4), 0xdeadbeef);
    assert_int_equal(be16_get(b4 + 2), 0xbeef);
    be16_put(b4, 0x1234);
    assert_memory_equal(b4, ((uint8_t[]){0x12, 0x34, 0xbe, 0xef}), 4);
}

/* A line built in pieces is cut at the buffer's end, always terminated. */
static void test_textbuf(void **state)
{
    char mem[8];
    struct textbuf b;

    (void)state;
    textbuf_init(&b, mem, sizeof(mem));
    assert_string_equal(b.s, "");
    textbuf_put(&b, "ab%d", 12);
    assert_string_equal(b.s, "ab12");
    assert_int_equal(b.n, 4);
    textbuf_put(&b, "%s", "cdefgh");
    assert_string_equal(b.s, "ab12cde");
    assert_int_equal(b.n, 7);
    textbuf_put(&b, "more");
    assert_string_equal(b.s, "ab12cde");
    textbuf_reset(&b);
    textbuf_put(&b, "x");
    assert_string_equal(b.s, "x");
    textbuf_init(&b, mem, 1);
    textbuf_put(&b, "y");
    assert_string_equal(b.s, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_rfc1071_example),
        cmocka_unit_test(test_csum_odd_length),
        cmocka_unit_test(test_csum_carries),
        cmocka_unit_test(test_csum_ip4_header),
        cmocka_unit_test(test_csum_pseudo4_udp),
        cmocka_unit_test(test_csum_pseudo6_udp),
        cmocka_unit_test(test_csum_update),
        cmocka_unit_test(test_csum_update_fixed),
        cmocka_unit_test(test_addr_parse4),
        cmocka_unit_test(test_addr_parse6),
        cmocka_unit_test(test_addr_parse_prefix4),
        cmocka_unit_test(test_addr_parse_prefix6),
        cmocka_unit_test(test_addr_fmt),
        cmocka_unit_test(test_addr_prefix_match),
        cmocka_unit_test(test_addr_mask),
        cmocka_unit_test(test_rd),
        cmocka_unit_test(test_wr),
        cmocka_unit_test(test_textbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
