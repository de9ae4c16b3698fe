/*
 * br/routing.h over an in-memory store: a new random BR ULA at first start
 * (saved) or the stored one; the stored NAT64 flag (default enabled) and
 * CIDR; commands persisted only when they change something; the prefix
 * manager driven from the node's view (routing runs while attached, the
 * entries follow the RLOC16, a new attachment asks for a new push, the
 * Network Data handed on), and state changes logged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "br/persist.h"
#include "br/routing.h"
#include "support/kv_mem.h"

struct ctx {
    struct kv_mem mem;
    struct kv kv;
    unsigned randoms;
    unsigned logs, state_logs;
    char last[512];
};

static void rnd(void *user, uint8_t *buf, size_t len)
{
    struct ctx *c = user;

    c->randoms++;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0x11 * (i + 1));
}

static void log_line(void *user, int level, const char *msg)
{
    struct ctx *c = user;

    (void)level;
    c->logs++;
    if (strstr(msg, "nat64: PrefixManager ") != NULL)
        c->state_logs++;
    snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void setup(struct ctx *c)
{
    memset(c, 0, sizeof(*c));
    kv_mem_init(&c->mem, &c->kv);
}

static void init(struct br_routing *r, struct ctx *c, uint64_t now_ms)
{
    struct br_routing_cfg cfg = {&c->kv, rnd, log_line, c};

    br_routing_init(r, &cfg, now_ms);
}

static void prefix6(struct addr_prefix6 *p, const char *text, uint8_t len)
{
    memset(p, 0, sizeof(*p));
    assert_true(addr_parse6(text, p->addr));
    p->len = len;
}

static void test_first_start(void **state)
{
    struct ctx c;
    struct br_routing r;
    struct addr_prefix6 ula, want, omr;
    struct addr_prefix4 cidr;
    struct br_persist_nat64 v;
    unsigned chg;

    (void)state;
    setup(&c);
    init(&r, &c, 0);
    /* fd + 40 random bits, saved */
    assert_int_equal(c.randoms, 1);
    assert_true(br_persist_load_ula(&c.kv, &ula));
    prefix6(&want, "fd11:2233:4455::", 48);
    assert_memory_equal(ula.addr, want.addr, 16);
    assert_int_equal(ula.len, 48);
    assert_int_equal(br_pm_omr_local(br_routing_pm(&r), &omr), OT_ERR_NONE);
    prefix6(&want, "fd11:2233:4455:1::", 64);
    assert_memory_equal(omr.addr, want.addr, 16);
    assert_int_equal(omr.len, 64);
    /* NAT64 waits for start; then enabled (no stored flag), not running */
    assert_false(br_pm_enabled(br_routing_pm(&r)));
    assert_false(br_routing_running(&r));
    chg = br_routing_start(&r, 0);
    assert_true(chg & BR_PM_CHG_PM_STATE);
    assert_true(br_pm_enabled(br_routing_pm(&r)));
    assert_int_equal(br_pm_state(br_routing_pm(&r)), BR_PM_STATE_NOT_RUNNING);
    assert_int_equal(c.state_logs, 1);
    assert_non_null(strstr(c.last, "PrefixManager NotRunning"));
    /* br_pm's default CIDR; nothing saved for NAT64 until a command */
    assert_int_equal(br_pm_get_cidr(br_routing_pm(&r), &cidr), OT_ERR_NONE);
    assert_int_equal(cidr.len, 24);
    assert_false(br_persist_load_nat64(&c.kv, &v));

    /* a second start reads the same ULA back */
    init(&r, &c, 0);
    assert_int_equal(c.randoms, 1);
    assert_int_equal(br_pm_omr_local(br_routing_pm(&r), &omr), OT_ERR_NONE);
    assert_memory_equal(omr.addr, want.addr, 16);
}

static void test_restore(void **state)
{
    struct ctx c;
    struct br_routing r;
    struct addr_prefix6 ula, omr, want;
    struct addr_prefix4 cidr;
    struct br_persist_nat64 v;

    (void)state;
    setup(&c);
    prefix6(&ula, "fd12:3456:789a::", 48);
    assert_int_equal(br_persist_save_ula(&c.kv, &ula), 0);
    memset(&v, 0, sizeof(v));
    v.has_cidr = true; /* disabled, with a CIDR whose host bits are kept */
    assert_true(addr_parse4("10.1.2.3", v.cidr.addr));
    v.cidr.len = 16;
    assert_int_equal(br_persist_save_nat64(&c.kv, &v), 0);

    init(&r, &c, 0);
    assert_int_equal(c.randoms, 0);
    assert_int_equal(br_pm_omr_local(br_routing_pm(&r), &omr), OT_ERR_NONE);
    prefix6(&want, "fd12:3456:789a:1::", 64);
    assert_memory_equal(omr.addr, want.addr, 16);
    assert_int_equal(br_routing_start(&r, 0), 0);
    assert_false(br_pm_enabled(br_routing_pm(&r)));
    assert_int_equal(br_pm_get_cidr(br_routing_pm(&r), &cidr), OT_ERR_NONE);
    assert_memory_equal(cidr.addr, v.cidr.addr, 4);
    assert_int_equal(cidr.len, 16);

    /* stored without a CIDR: none */
    v.enabled = true;
    v.has_cidr = false;
    assert_int_equal(br_persist_save_nat64(&c.kv, &v), 0);
    init(&r, &c, 0);
    assert_int_equal(br_pm_get_cidr(br_routing_pm(&r), &cidr), OT_ERR_NOT_FOUND);
    assert_true(br_routing_start(&r, 0) != 0);
    assert_true(br_pm_enabled(br_routing_pm(&r)));
}

static void test_commands(void **state)
{
    struct ctx c;
    struct br_routing r;
    struct br_persist_nat64 v;
    bool toggled;
    unsigned chg, writes;

    (void)state;
    setup(&c);
    init(&r, &c, 0);
    br_routing_start(&r, 0);

    br_routing_set_nat64_enabled(&r, false, 10, &toggled);
    assert_true(toggled);
    assert_false(br_pm_enabled(br_routing_pm(&r)));
    assert_true(br_persist_load_nat64(&c.kv, &v));
    assert_false(v.enabled);
    assert_true(v.has_cidr);
    writes = c.mem.writes;
    br_routing_set_nat64_enabled(&r, false, 20, &toggled); /* no change: not saved */
    assert_false(toggled);
    assert_int_equal(c.mem.writes, writes);

    /* bad text: refused, nothing saved */
    assert_int_equal(br_routing_set_cidr(&r, "10.0.0/8", 30, &chg), OT_ERR_PARSE);
    assert_int_equal(chg, 0);
    assert_int_equal(br_routing_set_cidr(&r, "10.0.0.0/0", 30, &chg), OT_ERR_INVALID_ARGS);
    assert_int_equal(c.mem.writes, writes);
    /* a new CIDR: saved (while disabled) */
    assert_int_equal(br_routing_set_cidr(&r, "10.9.0.0/16", 40, &chg), OT_ERR_NONE);
    assert_true(chg & BR_PM_CHG_CIDR);
    assert_true(br_persist_load_nat64(&c.kv, &v));
    assert_true(v.has_cidr);
    assert_int_equal(v.cidr.addr[1], 9);
    assert_int_equal(v.cidr.len, 16);
    writes = c.mem.writes;
    /* the same network: no change, not saved */
    assert_int_equal(br_routing_set_cidr(&r, "10.9.0.0/16", 50, &chg), OT_ERR_NONE);
    assert_false(chg & BR_PM_CHG_CIDR);
    assert_int_equal(c.mem.writes, writes);

    br_routing_set_nat64_enabled(&r, true, 60, &toggled);
    assert_true(toggled);
    assert_true(br_persist_load_nat64(&c.kv, &v));
    assert_true(v.enabled);
    assert_int_equal(v.cidr.addr[1], 9);

    /* a store that refuses: the setting still takes effect (logged) */
    c.mem.fail = true;
    br_routing_set_nat64_enabled(&r, false, 70, &toggled);
    assert_true(toggled);
    assert_false(br_pm_enabled(br_routing_pm(&r)));
    assert_non_null(strstr(c.last, "nat64:"));
}

static void test_follow_node(void **state)
{
    struct ctx c;
    struct br_routing r;
    struct br_node_view n;
    const struct netdata_local *l;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    struct netdata_route_cfg rc;
    uint8_t nd[NETDATA_MAX_LEN];
    size_t nd_len;
    bool re;
    unsigned chg;

    (void)state;
    setup(&c);
    init(&r, &c, 0);
    br_routing_start(&r, 0);
    l = br_pm_local_netdata(br_routing_pm(&r));

    /* detached: nothing runs, nothing to push */
    memset(&n, 0, sizeof(n));
    n.role = TNODE_DETACHED;
    n.rloc16 = 0xfffe;
    br_routing_update(&r, &n, 100, &re);
    assert_false(re);
    assert_false(br_routing_running(&r));
    assert_int_equal(l->len, 0);

    /* attached as a child: routing runs, evaluated at once */
    n.role = TNODE_CHILD;
    n.rloc16 = 0x2c01;
    chg = br_routing_update(&r, &n, 200, &re);
    assert_true(re);
    assert_true(br_routing_running(&r));
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_true(netdata_next_prefix(l->tlvs, l->len, 0x2c01, &it, &pc));
    assert_true(pc.slaac && pc.on_mesh);
    it.index = 0;
    assert_true(netdata_next_route(l->tlvs, l->len, 0x2c01, &it, &rc));
    assert_true(rc.nat64);
    assert_int_equal(br_pm_state(br_routing_pm(&r)), BR_PM_STATE_ACTIVE);

    /* the same view: nothing new to push */
    br_routing_update(&r, &n, 300, &re);
    assert_false(re);

    /* now a router with a new RLOC16: pushed again, entries follow */
    n.role = TNODE_ROUTER;
    n.rloc16 = 0x2c00;
    chg = br_routing_update(&r, &n, 400, &re);
    assert_true(re);
    assert_true(chg & BR_PM_CHG_NETDATA);
    it.index = 0;
    assert_true(netdata_next_prefix(l->tlvs, l->len, 0x2c00, &it, &pc));
    it.index = 0;
    assert_false(netdata_next_prefix(l->tlvs, l->len, 0x2c01, &it, &pc));

    /* the leader's Network Data now holds our entries */
    nd_len = l->len;
    memcpy(nd, l->tlvs, nd_len);
    n.netdata = nd;
    n.netdata_len = nd_len;
    assert_false(br_pm_nat64_in_netdata(br_routing_pm(&r)));
    br_routing_update(&r, &n, 500, &re);
    assert_false(re);
    assert_true(br_pm_nat64_in_netdata(br_routing_pm(&r)));

    /* the return path: the translator turns Active (logged) */
    c.state_logs = 0;
    chg = br_routing_set_return_path(&r, true, 600);
    assert_true(chg & BR_PM_CHG_XLAT_STATE);
    assert_int_equal(br_pm_xlat_state(br_routing_pm(&r)), BR_PM_STATE_ACTIVE);
    assert_int_equal(c.state_logs, 1);
    assert_non_null(strstr(c.last, "Translator Active"));

    /* detached again: everything withdrawn */
    n.role = TNODE_DETACHED;
    n.netdata = NULL;
    chg = br_routing_update(&r, &n, 700, &re);
    assert_false(re);
    assert_false(br_routing_running(&r));
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_int_equal(l->len, 0);
}

static void test_infra_prefix(void **state)
{
    struct ctx c;
    struct br_routing r;
    struct addr_prefix6 p, got;

    (void)state;
    setup(&c);
    init(&r, &c, 0);
    prefix6(&p, "64:ff9b::", 96);
    br_routing_set_infra_prefix(&r, &p, 600, 0);
    assert_true(br_pm_infra_prefix(br_routing_pm(&r), &got));
    assert_memory_equal(got.addr, p.addr, 16);
    assert_int_equal(got.len, 96);
    br_routing_set_infra_prefix(&r, NULL, 0, 10);
    assert_false(br_pm_infra_prefix(br_routing_pm(&r), &got));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_start),  cmocka_unit_test(test_restore),
        cmocka_unit_test(test_commands),     cmocka_unit_test(test_follow_node),
        cmocka_unit_test(test_infra_prefix),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
