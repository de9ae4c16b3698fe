/*
 * The MAC filter (mac/mac_filter.h) on its own: OpenThread's Filter rules
 * (src/core/mac/mac_filter.cpp) -- the address modes, one shared table of
 * 32 entries, table-order iteration, the default RSS-in, the counters --
 * and the RSS <-> link quality conversions (thread/link_quality.cpp). The
 * MAC's use of it is in test_mac_layer.c, the CLI's in
 * test_node_cli_macfilter.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mac/mac_filter.h"

static void ext_of(unsigned i, uint8_t ext[8])
{
    static const uint8_t base[8] = {0x0f, 0x61, 0x27, 0xe3, 0x3a, 0xf6, 0xb4, 0x00};

    memcpy(ext, base, 8);
    ext[7] = (uint8_t)i;
}

static enum ot_err apply(struct mac_filter *f, unsigned i, int8_t *rss)
{
    uint8_t ext[8];

    ext_of(i, ext);
    return mac_filter_apply(f, ext, rss);
}

static void test_modes(void **state)
{
    struct mac_filter f;
    uint8_t a[8];
    int8_t rss = 0;

    (void)state;
    mac_filter_init(&f);
    ext_of(1, a);
    assert_int_equal(mac_filter_mode(&f), MAC_FILTER_DISABLED);
    assert_string_equal(mac_filter_mode_str(MAC_FILTER_DISABLED), "Disabled");
    assert_string_equal(mac_filter_mode_str(MAC_FILTER_ALLOWLIST), "Allowlist");
    assert_string_equal(mac_filter_mode_str(MAC_FILTER_DENYLIST), "Denylist");

    /* Disabled: everything passes, listed or not, with no RSS. */
    assert_int_equal(mac_filter_add_addr(&f, a), OT_ERR_NONE);
    assert_int_equal(mac_filter_add_addr(&f, a), OT_ERR_NONE); /* again: fine */
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);

    mac_filter_set_mode(&f, MAC_FILTER_ALLOWLIST);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_ADDRESS_FILTERED);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);

    mac_filter_set_mode(&f, MAC_FILTER_DENYLIST);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_ADDRESS_FILTERED);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);

    /* A value outside the enum changes nothing. */
    mac_filter_set_mode(&f, (enum mac_filter_mode)7);
    assert_int_equal(mac_filter_mode(&f), MAC_FILTER_DENYLIST);

    /* remove / clear unlist; the mode stays. */
    mac_filter_remove_addr(&f, a);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(mac_filter_add_addr(&f, a), OT_ERR_NONE);
    mac_filter_clear_addrs(&f);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(mac_filter_mode(&f), MAC_FILTER_DENYLIST);
    /* An allowlist with nothing listed drops everything. */
    mac_filter_set_mode(&f, MAC_FILTER_ALLOWLIST);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_ADDRESS_FILTERED);

    assert_int_equal(f.counters.applied, 9);
    assert_int_equal(f.counters.drop_allowlist, 2);
    assert_int_equal(f.counters.drop_denylist, 1);
    assert_int_equal(f.counters.rss_fixed, 0);
}

static void test_rss(void **state)
{
    struct mac_filter f;
    uint8_t a[8], b[8];
    int8_t rss = 0;

    (void)state;
    memset(&f, 0, sizeof(f)); /* a zeroed filter is an empty one */
    ext_of(1, a);
    ext_of(2, b);
    assert_false(mac_filter_default_rss(&f, &rss));

    assert_int_equal(mac_filter_add_rss(&f, a, -95), OT_ERR_NONE);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(rss, -95);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);

    /* The default applies to every address without its own. */
    mac_filter_set_default_rss(&f, -50);
    assert_true(mac_filter_default_rss(&f, &rss));
    assert_int_equal(rss, -50);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);
    assert_int_equal(rss, -50);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(rss, -95);

    /* A filtered frame gets no RSS. */
    mac_filter_set_mode(&f, MAC_FILTER_ALLOWLIST);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_ADDRESS_FILTERED);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);
    mac_filter_set_mode(&f, MAC_FILTER_DISABLED);

    /* 127 is "none": setting it removes. */
    assert_int_equal(mac_filter_add_rss(&f, a, MAC_FILTER_RSS_NONE), OT_ERR_NONE);
    assert_int_equal(apply(&f, 1, &rss), OT_ERR_NONE);
    assert_int_equal(rss, -50);
    mac_filter_set_default_rss(&f, MAC_FILTER_RSS_NONE);
    assert_false(mac_filter_default_rss(&f, &rss));

    /* remove_rss keeps the listing; clear_rss takes the default too. */
    assert_int_equal(mac_filter_add_addr(&f, b), OT_ERR_NONE);
    assert_int_equal(mac_filter_add_rss(&f, b, -80), OT_ERR_NONE);
    mac_filter_remove_rss(&f, b);
    mac_filter_set_mode(&f, MAC_FILTER_ALLOWLIST);
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);
    assert_int_equal(mac_filter_add_rss(&f, b, -80), OT_ERR_NONE);
    mac_filter_set_default_rss(&f, -60);
    mac_filter_clear_rss(&f);
    assert_false(mac_filter_default_rss(&f, &rss));
    assert_int_equal(apply(&f, 2, &rss), OT_ERR_NONE);
    assert_int_equal(rss, MAC_FILTER_RSS_NONE);
    mac_filter_clear_default_rss(&f);

    assert_int_equal(f.counters.rss_fixed, 4);
}

/* One table of 32 for both lists: an entry is in use while listed or with
 * an RSS-in, and the first free entry is taken (so the order of listing is
 * table order, not the order of adding). */
static void test_shared_table(void **state)
{
    struct mac_filter f;
    struct mac_filter_entry e;
    uint8_t x[8];
    unsigned it;

    (void)state;
    mac_filter_init(&f);
    for (unsigned i = 0; i < 16; i++) {
        ext_of(i, x);
        assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NONE);
    }
    for (unsigned i = 16; i < MAC_FILTER_MAX_ENTRIES; i++) {
        ext_of(i, x);
        assert_int_equal(mac_filter_add_rss(&f, x, (int8_t)-i), OT_ERR_NONE);
    }
    ext_of(100, x);
    assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NO_BUFS);
    assert_int_equal(mac_filter_add_rss(&f, x, -10), OT_ERR_NO_BUFS);
    assert_int_equal(mac_filter_add_rss(&f, x, MAC_FILTER_RSS_NONE), OT_ERR_NO_BUFS);
    /* Entries already in the table still take the other half. */
    ext_of(3, x);
    assert_int_equal(mac_filter_add_rss(&f, x, -33), OT_ERR_NONE);
    ext_of(20, x);
    assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NONE);

    /* Listed: 0..15 and 20, in table order; 3 with its RSS. */
    it = 0;
    for (unsigned i = 0; i < 16; i++) {
        assert_true(mac_filter_next_addr(&f, &it, &e));
        ext_of(i, x);
        assert_memory_equal(e.ext, x, 8);
        assert_int_equal(e.rss, i == 3 ? -33 : MAC_FILTER_RSS_NONE);
    }
    assert_true(mac_filter_next_addr(&f, &it, &e));
    ext_of(20, x);
    assert_memory_equal(e.ext, x, 8);
    assert_int_equal(e.rss, -20);
    assert_false(mac_filter_next_addr(&f, &it, &e));
    assert_false(mac_filter_next_addr(&f, &it, &e));

    /* Unlisting 5 frees its entry; unlisting 3 does not (it has an RSS). */
    ext_of(5, x);
    mac_filter_remove_addr(&f, x);
    ext_of(3, x);
    mac_filter_remove_addr(&f, x);
    ext_of(100, x);
    assert_int_equal(mac_filter_add_rss(&f, x, -1), OT_ERR_NONE); /* takes entry 5 */
    ext_of(101, x);
    assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NO_BUFS);

    /* RSS list: 3 (slot 3), 100 (slot 5), then 16..31. */
    it = 0;
    assert_true(mac_filter_next_rss(&f, &it, &e));
    ext_of(3, x);
    assert_memory_equal(e.ext, x, 8);
    assert_int_equal(e.rss, -33);
    assert_true(mac_filter_next_rss(&f, &it, &e));
    ext_of(100, x);
    assert_memory_equal(e.ext, x, 8);
    for (unsigned i = 16; i < MAC_FILTER_MAX_ENTRIES; i++) {
        assert_true(mac_filter_next_rss(&f, &it, &e));
        ext_of(i, x);
        assert_memory_equal(e.ext, x, 8);
        assert_int_equal(e.rss, -(int)i);
    }
    assert_false(mac_filter_next_rss(&f, &it, &e));

    /* Clearing both empties the table. */
    mac_filter_clear_addrs(&f);
    mac_filter_clear_rss(&f);
    it = 0;
    assert_false(mac_filter_next_addr(&f, &it, &e));
    it = 0;
    assert_false(mac_filter_next_rss(&f, &it, &e));
    for (unsigned i = 0; i < MAC_FILTER_MAX_ENTRIES; i++) {
        ext_of(200 + i, x);
        assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NONE);
    }
    /* Removing what is absent changes nothing. */
    ext_of(1, x);
    mac_filter_remove_addr(&f, x);
    mac_filter_remove_rss(&f, x);
    assert_int_equal(mac_filter_add_addr(&f, x), OT_ERR_NO_BUFS);
}

/* LinkQualityForLinkMargin / GetTypicalRssForLinkQuality with the -100 dBm
 * floor, including the int8 margin overflow OpenThread has (the transcript
 * in tests/vectors/macfilter shows "rss 28 (lqi 0)"). */
static void test_link_quality(void **state)
{
    static const struct {
        int8_t rss;
        uint8_t lq;
    } v[] = {
        {-128, 0}, {-100, 0}, {-98, 0}, {-97, 1}, {-95, 1}, {-90, 1}, {-89, 2}, {-80, 2}, {-79, 3},
        {-50, 3},  {0, 3},    {26, 3},  {27, 3},  {28, 0},  {50, 0},  {126, 0}, {127, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(mac_filter_rss_to_lq(MAC_FILTER_NOISE_FLOOR, v[i].rss), v[i].lq);
    assert_int_equal(mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, 0), -100);
    assert_int_equal(mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, 1), -95);
    assert_int_equal(mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, 2), -85);
    assert_int_equal(mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, 3), -50);
    assert_int_equal(mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, 9), -100);
    for (uint8_t lq = 0; lq <= 3; lq++)
        assert_int_equal(mac_filter_rss_to_lq(MAC_FILTER_NOISE_FLOOR,
                                              mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, lq)),
                         lq);
    /* Another floor. */
    assert_int_equal(mac_filter_rss_to_lq(-110, -95), 2);
    assert_int_equal(mac_filter_lq_to_rss(-110, 3), -60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_rss),
        cmocka_unit_test(test_shared_table),
        cmocka_unit_test(test_link_quality),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
