/*
 * rfc6052: IPv4-embedded IPv6 addresses, checked against the RFC 6052 §2.4
 * table of examples (192.0.2.33 under every prefix length).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/rfc6052.h"
#include "util/addr.h"

static const uint8_t ex4[4] = {192, 0, 2, 33};

/* RFC 6052 §2.4, Table 1 (the /64 row is "2001:db8:122:344:c0:2:2100::" in
 * the RFC text: the same address). */
static const struct {
    const char *prefix;
    const char *embedded;
} rfc_table[] = {
    {"2001:db8::/32", "2001:db8:c000:221::"},
    {"2001:db8:100::/40", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::/48", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100::"},
    {"2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33"},
    {"64:ff9b::/96", "64:ff9b::192.0.2.33"},
};
#define RFC_TABLE_N (sizeof(rfc_table) / sizeof(rfc_table[0]))

static void parse_prefix(const char *s, struct addr_prefix6 *p)
{
    if (!addr_parse_prefix6(s, p))
        fail_msg("bad prefix %s", s);
}

static void test_valid_len(void **state)
{
    (void)state;
    for (unsigned len = 0; len <= 200; len++) {
        bool want = len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
        assert_int_equal(rfc6052_valid_len(len), want);
    }
}

static void test_synth_rfc_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RFC_TABLE_N; i++) {
        struct addr_prefix6 p;
        uint8_t want[16], got[16];
        char buf[ADDR_STR6];
        parse_prefix(rfc_table[i].prefix, &p);
        assert_true(addr_parse6(rfc_table[i].embedded, want));
        memset(got, 0xa5, sizeof(got));
        assert_true(rfc6052_synth(&p, ex4, got));
        if (memcmp(got, want, 16) != 0)
            fail_msg("%s: got %s want %s", rfc_table[i].prefix, addr_fmt6(got, buf),
                     rfc_table[i].embedded);
        /* The u-octet (bits 64..71) is zero. */
        assert_int_equal(got[8], 0);
    }
}

/* The canonical text forms (RFC 5952), as the CLI would print them. */
static void test_synth_text(void **state)
{
    (void)state;
    static const char *const text[] = {
        "2001:db8:c000:221::",      "2001:db8:1c0:2:21::",          "2001:db8:122:c000:2:2100::",
        "2001:db8:122:3c0:0:221::", "2001:db8:122:344:c0:2:2100:0", "2001:db8:122:344::c000:221",
        "64:ff9b::c000:221",
    };
    for (size_t i = 0; i < RFC_TABLE_N; i++) {
        struct addr_prefix6 p;
        uint8_t got[16];
        char buf[ADDR_STR6];
        parse_prefix(rfc_table[i].prefix, &p);
        assert_true(rfc6052_synth(&p, ex4, got));
        assert_string_equal(addr_fmt6(got, buf), text[i]);
    }
}

static void test_extract_rfc_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < RFC_TABLE_N; i++) {
        struct addr_prefix6 p;
        uint8_t a6[16], got[4] = {0};
        parse_prefix(rfc_table[i].prefix, &p);
        assert_true(addr_parse6(rfc_table[i].embedded, a6));
        assert_true(rfc6052_extract(&p, a6, got));
        assert_memory_equal(got, ex4, 4);
    }
}

/* Bits of the prefix's address beyond its length are not copied. */
static void test_synth_ignores_host_bits(void **state)
{
    (void)state;
    static const unsigned lens[] = {32, 40, 48, 56, 64, 96};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct addr_prefix6 p;
        uint8_t got[16], want[16];
        memset(p.addr, 0xff, sizeof(p.addr));
        p.len = (uint8_t)lens[i];
        assert_true(rfc6052_synth(&p, ex4, got));

        struct addr_prefix6 clean = p;
        addr_mask(clean.addr, 16, p.len);
        assert_true(rfc6052_synth(&clean, ex4, want));
        assert_memory_equal(got, want, 16);
        /* Below /96 the u-octet is ours to zero; at /96 it is prefix. */
        if (lens[i] < 96)
            assert_int_equal(got[8], 0);
        /* Suffix after the IPv4 bytes is zero. */
        unsigned end = lens[i] == 96 ? 16 : lens[i] / 8 + 5;
        for (unsigned b = end; b < 16; b++)
            assert_int_equal(got[b], 0);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    static const unsigned lens[] = {32, 40, 48, 56, 64, 96};
    static const uint8_t v4s[][4] = {
        {0, 0, 0, 0}, {255, 255, 255, 255}, {192, 0, 2, 33}, {10, 1, 2, 3}, {1, 128, 7, 254}};
    struct addr_prefix6 p;
    parse_prefix("2001:db8:1234:5678:9abc:def0:1122::/96", &p);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        p.len = (uint8_t)lens[i];
        for (size_t j = 0; j < sizeof(v4s) / sizeof(v4s[0]); j++) {
            uint8_t a6[16], back[4];
            assert_true(rfc6052_synth(&p, v4s[j], a6));
            assert_true(addr_prefix_match(a6, p.addr, p.len));
            assert_true(rfc6052_extract(&p, a6, back));
            assert_memory_equal(back, v4s[j], 4);
        }
    }
}

/* RFC 6052 §2.2: the u-octet and suffix are ignored on input. */
static void test_extract_ignores_u_and_suffix(void **state)
{
    (void)state;
    struct addr_prefix6 p;
    uint8_t a6[16], got[4];
    parse_prefix("2001:db8:122:344::/64", &p);
    assert_true(addr_parse6("2001:db8:122:344:ffc0:2:21ff:ffff", a6));
    assert_true(rfc6052_extract(&p, a6, got));
    assert_memory_equal(got, ex4, 4);
    parse_prefix("2001:db8::/32", &p);
    assert_true(addr_parse6("2001:db8:c000:221:ff00:ffff:ffff:ffff", a6));
    assert_true(rfc6052_extract(&p, a6, got));
    assert_memory_equal(got, ex4, 4);
}

static void test_invalid_length(void **state)
{
    (void)state;
    static const unsigned bad[] = {0, 8, 24, 31, 33, 63, 65, 72, 80, 95, 97, 128};
    struct addr_prefix6 p;
    uint8_t a6[16], got[4] = {1, 2, 3, 4};
    parse_prefix("64:ff9b::/96", &p);
    assert_true(addr_parse6("64:ff9b::192.0.2.33", a6));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        memset(out, 0x5a, sizeof(out));
        p.len = (uint8_t)bad[i];
        assert_false(rfc6052_synth(&p, ex4, out));
        assert_false(rfc6052_extract(&p, a6, got));
    }
    assert_memory_equal(got, ((uint8_t[]){1, 2, 3, 4}), 4);
}

static void test_outside_prefix(void **state)
{
    (void)state;
    struct addr_prefix6 p;
    uint8_t a6[16], got[4];
    parse_prefix("64:ff9b::/96", &p);
    static const char *const outside[] = {"64:ff9c::192.0.2.33", "64:ff9b:0:0:0:1:c000:221",
                                          "2001:db8::192.0.2.33", "::ffff:192.0.2.33",
                                          "64:ff9b:1::192.0.2.33"};
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
        assert_true(addr_parse6(outside[i], a6));
        assert_false(rfc6052_extract(&p, a6, got));
    }
    /* A bit flip inside a non-octet-aligned part of the prefix is not
     * possible (lengths are multiples of 8); check the last prefix bit. */
    parse_prefix("2001:db8:100::/40", &p);
    assert_true(addr_parse6("2001:db8:1c0:2:21::", a6));
    assert_true(rfc6052_extract(&p, a6, got));
    a6[4] ^= 0x01;
    assert_false(rfc6052_extract(&p, a6, got));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_len),
        cmocka_unit_test(test_synth_rfc_table),
        cmocka_unit_test(test_synth_text),
        cmocka_unit_test(test_extract_rfc_table),
        cmocka_unit_test(test_synth_ignores_host_bits),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_extract_ignores_u_and_suffix),
        cmocka_unit_test(test_invalid_length),
        cmocka_unit_test(test_outside_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
