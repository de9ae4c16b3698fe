/*
 * Stateless mapper: RFC 7757 EAM table (longest-prefix match, unequal suffix
 * lengths), RFC 6052 pool6 fallback, RFC 6791 sources, and the mapper roles
 * (inner packets, ICMP errors, hairpin queries).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nat64/siit.h"
#include "util/addr.h"

static void a6(const char *s, uint8_t out[16])
{
    assert_true(addr_parse6(s, out));
}

static void a4(const char *s, uint8_t out[4])
{
    assert_true(addr_parse4(s, out));
}

static void add_eam(struct siit *s, const char *p6, const char *p4, int want)
{
    struct siit_eam e;
    assert_true(addr_parse_prefix6(p6, &e.p6));
    assert_true(addr_parse_prefix4(p4, &e.p4));
    assert_int_equal(siit_add_eam(s, &e), want);
}

static void setup_basic(struct siit *s)
{
    siit_init(s);
    s->have_pool6 = addr_parse_prefix6("64:ff9b::/96", &s->pool6);
    add_eam(s, "2001:db8:aaaa::/120", "192.0.2.0/24", 0);
}

static void expect6to4(const struct siit *s, const char *in, const char *want)
{
    uint8_t x[16], got[4], w[4];
    a6(in, x);
    assert_true(siit_addr_6to4(s, x, got));
    a4(want, w);
    assert_memory_equal(got, w, 4);
}

static void expect4to6(const struct siit *s, const char *in, const char *want)
{
    uint8_t x[4], got[16], w[16];
    a4(in, x);
    assert_true(siit_addr_4to6(s, x, got));
    a6(want, w);
    assert_memory_equal(got, w, 16);
}

static void test_eam_and_pool6(void **state)
{
    (void)state;
    struct siit s;
    setup_basic(&s);
    expect6to4(&s, "2001:db8:aaaa::5", "192.0.2.5");
    expect4to6(&s, "192.0.2.5", "2001:db8:aaaa::5");
    /* Not in the EAMT: RFC 6052 pool6. */
    expect6to4(&s, "64:ff9b::cb00:7107", "203.0.113.7");
    expect4to6(&s, "203.0.113.7", "64:ff9b::cb00:7107");
    uint8_t x[16], y[4];
    a6("2001:db8:bbbb::1", x);
    assert_false(siit_addr_6to4(&s, x, y));
    /* Without pool6, an address outside the EAMT has no counterpart. */
    s.have_pool6 = false;
    a4("203.0.113.7", y);
    assert_false(siit_addr_4to6(&s, y, x));
}

static void test_eam_longest_prefix(void **state)
{
    (void)state;
    struct siit s;
    siit_init(&s);
    add_eam(&s, "2001:db8:1::/96", "10.0.0.0/0", 0);
    add_eam(&s, "2001:db8:1::100/120", "192.0.2.0/24", 0);
    add_eam(&s, "2001:db8:1::180/128", "198.51.100.9/32", 0);
    expect6to4(&s, "2001:db8:1::180", "198.51.100.9");
    expect6to4(&s, "2001:db8:1::181", "192.0.2.129");
    expect6to4(&s, "2001:db8:1::a0b:c0d", "10.11.12.13");
    expect4to6(&s, "198.51.100.9", "2001:db8:1::180");
    expect4to6(&s, "192.0.2.7", "2001:db8:1::107");
    expect4to6(&s, "8.8.8.8", "2001:db8:1::808:808");
}

static void test_eam_unequal_suffix(void **state)
{
    (void)state;
    struct siit s;
    siit_init(&s);
    /* RFC 7757 §3.3: IPv4 suffix right after the IPv6 prefix, zeros after. */
    add_eam(&s, "2001:db8:1c6:3364::/72", "198.51.100.0/24", 0);
    expect4to6(&s, "198.51.100.2", "2001:db8:1c6:3364:2::");
    expect6to4(&s, "2001:db8:1c6:3364:2::", "198.51.100.2");
    expect6to4(&s, "2001:db8:1c6:3364:21:ffff::1", "198.51.100.33");
}

static void test_eam_rejects(void **state)
{
    (void)state;
    struct siit s;
    siit_init(&s);
    /* IPv6 suffix (8 bits) shorter than the IPv4 suffix (16 bits). */
    add_eam(&s, "2001:db8::/120", "10.0.0.0/16", -1);
    for (unsigned i = 0; i < SIIT_MAX_EAM; i++)
        add_eam(&s, "2001:db8::/128", "10.0.0.1/32", 0);
    add_eam(&s, "2001:db8::/128", "10.0.0.1/32", -1);
}

static enum nat64_drop run_map(struct siit *s, const char *src, const char *dst, unsigned flags,
                               struct xlat_tuple *out)
{
    struct xlat_tuple in;
    memset(&in, 0, sizeof(in));
    memset(out, 0, sizeof(*out));
    if (strchr(src, ':')) {
        in.family = 6;
        a6(src, in.src);
        a6(dst, in.dst);
    } else {
        in.family = 4;
        a4(src, in.src);
        a4(dst, in.dst);
    }
    in.proto = 17;
    in.sport = 1000;
    in.dport = 2000;
    in.has_ports = true;
    struct xlat_mapper m = siit_mapper(s);
    struct xlat_tuple inner;
    memset(&inner, 0, sizeof(inner));
    return m.map(m.ctx, &in, out, flags, &inner, 0);
}

static void test_mapper_6to4(void **state)
{
    (void)state;
    struct siit s;
    setup_basic(&s);
    struct xlat_tuple o;
    uint8_t w[4];

    assert_int_equal(run_map(&s, "2001:db8:aaaa::5", "64:ff9b::cb00:7107", 0, &o), 0);
    a4("192.0.2.5", w);
    assert_memory_equal(o.src, w, 4);
    a4("203.0.113.7", w);
    assert_memory_equal(o.dst, w, 4);
    assert_int_equal(o.sport, 1000);
    assert_int_equal(o.dport, 2000);

    /* Destination outside every prefix: not for the translator. */
    assert_int_equal(run_map(&s, "2001:db8:aaaa::5", "2001:db8:ffff::1", 0, &o),
                     NAT64_DROP_NOT_OURS);
    /* Source with no IPv4 counterpart. */
    assert_int_equal(run_map(&s, "2001:db8:ffff::1", "64:ff9b::cb00:7107", 0, &o),
                     NAT64_DROP_UNTRANSLATABLE);
    /* Quoted packet: roles swap, its source decides "ours". */
    assert_int_equal(run_map(&s, "64:ff9b::cb00:7107", "2001:db8:ffff::1", XLAT_MAP_INNER, &o),
                     NAT64_DROP_UNTRANSLATABLE);
    assert_int_equal(run_map(&s, "2001:db8:ffff::1", "64:ff9b::cb00:7107", XLAT_MAP_INNER, &o),
                     NAT64_DROP_NOT_OURS);

    /* ICMP error from an untranslatable router: RFC 6791 pool, then self4. */
    assert_int_equal(run_map(&s, "2001:db8:ffff::1", "64:ff9b::cb00:7107", XLAT_MAP_ICMP_ERROR, &o),
                     NAT64_DROP_UNTRANSLATABLE);
    s.have_self4 = true;
    a4("198.51.100.1", s.self4);
    assert_int_equal(run_map(&s, "2001:db8:ffff::1", "64:ff9b::cb00:7107", XLAT_MAP_ICMP_ERROR, &o),
                     0);
    assert_memory_equal(o.src, s.self4, 4);
    s.have_rfc6791v4 = true;
    a4("203.0.113.8", s.rfc6791v4);
    assert_int_equal(run_map(&s, "2001:db8:ffff::1", "64:ff9b::cb00:7107", XLAT_MAP_ICMP_ERROR, &o),
                     0);
    assert_memory_equal(o.src, s.rfc6791v4, 4);
}

static void test_mapper_4to6(void **state)
{
    (void)state;
    struct siit s;
    setup_basic(&s);
    struct xlat_tuple o;
    uint8_t w[16];

    assert_int_equal(run_map(&s, "203.0.113.7", "192.0.2.5", 0, &o), 0);
    a6("64:ff9b::cb00:7107", w);
    assert_memory_equal(o.src, w, 16);
    a6("2001:db8:aaaa::5", w);
    assert_memory_equal(o.dst, w, 16);

    s.have_pool6 = false;
    assert_int_equal(run_map(&s, "203.0.113.7", "203.0.113.9", 0, &o), NAT64_DROP_NOT_OURS);
    assert_int_equal(run_map(&s, "203.0.113.7", "192.0.2.5", 0, &o), NAT64_DROP_UNTRANSLATABLE);
    /* RFC 6791 for ICMPv6 errors: rfc6791v6 first, then self6. */
    s.have_self6 = true;
    a6("2001:db8:1::1", s.self6);
    assert_int_equal(run_map(&s, "203.0.113.7", "192.0.2.5", XLAT_MAP_ICMP_ERROR, &o), 0);
    assert_memory_equal(o.src, s.self6, 16);
    s.have_rfc6791v6 = true;
    assert_true(addr_parse_prefix6("2::2/128", &s.rfc6791v6));
    assert_int_equal(run_map(&s, "203.0.113.7", "192.0.2.5", XLAT_MAP_ICMP_ERROR, &o), 0);
    assert_memory_equal(o.src, s.rfc6791v6.addr, 16);
}

static void test_mapper_hairpin(void **state)
{
    (void)state;
    struct siit s;
    setup_basic(&s);
    struct xlat_tuple o;
    uint8_t w[16];
    /* RFC 7757 §4.2: EAM destination, source through pool6 (not the EAM). */
    assert_int_equal(run_map(&s, "192.0.2.8", "192.0.2.9", XLAT_MAP_HAIRPIN, &o), 0);
    a6("64:ff9b::c000:208", w);
    assert_memory_equal(o.src, w, 16);
    a6("2001:db8:aaaa::9", w);
    assert_memory_equal(o.dst, w, 16);
    /* Destination outside the EAMT does not hairpin. */
    assert_int_equal(run_map(&s, "192.0.2.8", "203.0.113.7", XLAT_MAP_HAIRPIN, &o),
                     NAT64_DROP_NOT_OURS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eam_and_pool6),      cmocka_unit_test(test_eam_longest_prefix),
        cmocka_unit_test(test_eam_unequal_suffix), cmocka_unit_test(test_eam_rejects),
        cmocka_unit_test(test_mapper_6to4),        cmocka_unit_test(test_mapper_4to6),
        cmocka_unit_test(test_mapper_hairpin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
