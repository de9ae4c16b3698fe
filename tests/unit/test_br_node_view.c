/*
 * br/node_view.h: the ML-EID and the mesh-local /64 picked from the node's
 * addresses in `ipaddr` order (the RLOC gives the /64 before the ML-EID
 * does; neither while detached), the Extended PAN ID from the active
 * dataset (none without one, or from an invalid one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "br/node_view.h"
#include "thread/dataset.h"

static void addr(struct tnode_addr *a, const char *text, enum tnode_addr_kind kind)
{
    memset(a, 0, sizeof(*a));
    assert_true(addr_parse6(text, a->addr));
    a->prefix_len = 64;
    a->kind = kind;
}

static void test_addresses(void **state)
{
    struct tnode_addr ad[4];
    struct br_node_view v;
    uint8_t want[16];

    (void)state;
    /* OpenThread's order: OMR (SLAAC), RLOC, ML-EID, link-local */
    addr(&ad[0], "fd11:2233:4455:1::77", TNODE_ADDR_SLAAC);
    addr(&ad[1], "fdde:ad00:beef:0:0:ff:fe00:2c00", TNODE_ADDR_RLOC);
    addr(&ad[2], "fdde:ad00:beef:0:1234:5678:9abc:def0", TNODE_ADDR_MLEID);
    addr(&ad[3], "fe80::1", TNODE_ADDR_LINK_LOCAL);
    memset(&v, 0xa5, sizeof(v));
    br_node_view_parse(&v, ad, 4, NULL, 0);
    assert_true(v.has_mleid);
    assert_memory_equal(v.mleid, ad[2].addr, 16);
    assert_true(v.has_ml);
    assert_true(addr_parse6("fdde:ad00:beef::", want));
    assert_memory_equal(v.ml, want, 8);
    assert_false(v.has_xpanid);

    /* only an RLOC: the /64, no ML-EID */
    br_node_view_parse(&v, ad, 2, NULL, 0);
    assert_false(v.has_mleid);
    assert_true(v.has_ml);
    assert_memory_equal(v.ml, want, 8);

    /* detached: link-local only */
    br_node_view_parse(&v, &ad[3], 1, NULL, 0);
    assert_false(v.has_mleid);
    assert_false(v.has_ml);
    br_node_view_parse(&v, NULL, 0, NULL, 0);
    assert_false(v.has_ml);
}

static void test_dataset(void **state)
{
    struct dataset_tlvs d;
    struct br_node_view v;
    const uint8_t xp[8] = {0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe};
    uint8_t bad[3] = {0x02, 0x08, 0xde}; /* an Extended PAN ID TLV cut short */

    (void)state;
    memset(&d, 0, sizeof(d));
    assert_int_equal(dataset_set_extpanid(&d, xp), DATASET_OK);
    assert_int_equal(dataset_set_panid(&d, 0x1234), DATASET_OK);
    memset(&v, 0, sizeof(v));
    br_node_view_parse(&v, NULL, 0, d.tlvs, d.len);
    assert_true(v.has_xpanid);
    assert_memory_equal(v.xpanid, xp, 8);

    /* a dataset without one, an invalid one, none */
    memset(&d, 0, sizeof(d));
    assert_int_equal(dataset_set_panid(&d, 0x1234), DATASET_OK);
    br_node_view_parse(&v, NULL, 0, d.tlvs, d.len);
    assert_false(v.has_xpanid);
    br_node_view_parse(&v, NULL, 0, bad, sizeof(bad));
    assert_false(v.has_xpanid);
    br_node_view_parse(&v, NULL, 0, NULL, 0);
    assert_false(v.has_xpanid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_dataset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
