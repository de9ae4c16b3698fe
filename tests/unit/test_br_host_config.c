/*
 * br/host_config.h over a fake netconf (struct netconf_ops): forwarding at
 * start, the pool / mesh-local / OMR routes via the TUN and the on-link
 * route via the infrastructure interface following the desired state, the
 * NAT44 table installed, moved and re-checked, the return path ready only
 * with a verified masquerade and the pool route, and everything undone.
 * The forwarding policy and accept_ra=2 come before forwarding; the policy
 * follows the mesh-local and on-mesh prefixes and a flushed table is put
 * back (counted) at the next re-check. Without netconf the return path is
 * what the configuration assumes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "br/host_config.h"

#define MAXR 8

struct fake {
    unsigned fwd_mask;
    struct netconf_route routes[MAXR];
    unsigned n_routes;
    bool nat44;
    struct addr_prefix4 pool;
    char nat_if[16];
    unsigned installs, removes, checks, cleanups;
    int check_rc;  /* what nat44_check answers while installed */
    bool fail_add; /* route_add fails */
    /* the forwarding policy and accept_ra */
    bool fw; /* installed (false: flushed behind the agent's back) */
    struct netconf_fw fw_rules;
    unsigned fw_installs, fw_checks;
    unsigned calls; /* order: fw and accept_ra before forwarding */
    unsigned fw_call, ra_call, fwd_call;
    char ra_if[16];
    int ra;
};

static int fwd(void *nc, unsigned mask, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    ((struct fake *)nc)->fwd_mask = mask;
    ((struct fake *)nc)->fwd_call = ++((struct fake *)nc)->calls;
    return 0;
}

static int route_add(void *nc, const struct netconf_route *r, bool replace, char *err,
                     size_t errlen)
{
    struct fake *f = nc;

    assert_true(replace);
    if (f->fail_add) {
        snprintf(err, errlen, "no such device");
        return -1;
    }
    assert_true(f->n_routes < MAXR);
    f->routes[f->n_routes++] = *r;
    return 0;
}

static int route_del(void *nc, const struct netconf_route *r, char *err, size_t errlen)
{
    struct fake *f = nc;

    (void)err;
    (void)errlen;
    for (unsigned i = 0; i < f->n_routes; i++)
        if (f->routes[i].family == r->family && f->routes[i].plen == r->plen &&
            memcmp(f->routes[i].dst, r->dst, 16) == 0 && strcmp(f->routes[i].dev, r->dev) == 0) {
            f->routes[i] = f->routes[--f->n_routes];
            return 0;
        }
    return 1;
}

static int nat_install(void *nc, const struct addr_prefix4 *pool, const char *infra_if, char *err,
                       size_t errlen)
{
    struct fake *f = nc;

    (void)err;
    (void)errlen;
    f->installs++;
    f->nat44 = true;
    f->pool = *pool;
    snprintf(f->nat_if, sizeof(f->nat_if), "%s", infra_if);
    return 0;
}

static int nat_remove(void *nc, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    ((struct fake *)nc)->removes++;
    ((struct fake *)nc)->nat44 = false;
    return 0;
}

static int nat_check(void *nc, const struct addr_prefix4 *pool, const char *infra_if, char *err,
                     size_t errlen)
{
    struct fake *f = nc;

    (void)infra_if;
    f->checks++;
    snprintf(err, errlen, "rule missing");
    return f->nat44 && memcmp(pool, &f->pool, sizeof(*pool)) == 0 ? f->check_rc : 0;
}

static int cleanup(void *nc, char *err, size_t errlen)
{
    struct fake *f = nc;

    (void)err;
    (void)errlen;
    f->cleanups++;
    f->n_routes = 0;
    f->nat44 = false;
    f->fwd_mask = 0;
    f->fw = false;
    return 0;
}

static int fw_install(void *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    struct fake *f = nc;

    (void)err;
    (void)errlen;
    f->fw = true;
    f->fw_rules = *fw;
    f->fw_installs++;
    if (f->fw_call == 0)
        f->fw_call = ++f->calls;
    return 0;
}

static int fw_check(void *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    struct fake *f = nc;

    f->fw_checks++;
    snprintf(err, errlen, "table flushed");
    return f->fw && memcmp(fw, &f->fw_rules, sizeof(*fw)) == 0;
}

static int fw_counters(void *nc, struct netconf_fw_counters *out, char *err, size_t errlen)
{
    (void)nc;
    (void)err;
    (void)errlen;
    memset(out, 0, sizeof(*out));
    out->packets[NETCONF_FW_NOT_ESTABLISHED] = 3;
    return 0;
}

static int ra_set(void *nc, const char *ifname, int value, char *err, size_t errlen)
{
    struct fake *f = nc;

    (void)err;
    (void)errlen;
    snprintf(f->ra_if, sizeof(f->ra_if), "%s", ifname);
    f->ra = value;
    f->ra_call = ++f->calls;
    return 0;
}

static const struct netconf_ops fake_ops = {
    .forwarding_enable = fwd,
    .route_add = route_add,
    .route_del = route_del,
    .nat44_install = nat_install,
    .nat44_remove = nat_remove,
    .nat44_check = nat_check,
    .cleanup = cleanup,
    .fw_install = fw_install,
    .fw_check = fw_check,
    .fw_counters = fw_counters,
    .accept_ra_set = ra_set,
};

static bool has_route(const struct fake *f, const char *dst, uint8_t plen, const char *dev)
{
    uint8_t a[16] = {0};
    int fam = strchr(dst, ':') != NULL ? AF_INET6 : AF_INET;

    if (fam == AF_INET6)
        assert_true(addr_parse6(dst, a));
    else
        assert_true(addr_parse4(dst, a));
    for (unsigned i = 0; i < f->n_routes; i++)
        if (f->routes[i].family == fam && f->routes[i].plen == plen &&
            memcmp(f->routes[i].dst, a, 16) == 0 && strcmp(f->routes[i].dev, dev) == 0)
            return true;
    return false;
}

static void want_full(struct br_host_config_want *w)
{
    memset(w, 0, sizeof(*w));
    w->nat64_enabled = true;
    w->has_cidr = true;
    assert_true(addr_parse4("192.168.255.7", w->cidr.addr)); /* host bits masked */
    w->cidr.len = 24;
    w->has_xlat_prefix = true;
    w->has_ml = true;
    memcpy(w->ml, "\xfd\xde\xad\x00\xbe\xef\x00\x00", 8);
    w->has_omr = true;
    assert_true(addr_parse6("fd11:22::", w->omr.addr));
    w->omr.len = 64;
    w->has_onlink = true;
    assert_true(addr_parse6("fdde:ad00:beef:cafe::", w->onlink.addr));
    w->onlink.len = 64;
}

static void test_reconcile(void **state)
{
    struct fake f;
    struct br_host_config h;
    struct br_host_config_cfg cfg = {&fake_ops, &f, "wpan0", "eth0", false, NULL, NULL, 0};
    struct br_host_config_want w;
    bool changed;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.check_rc = 1;
    br_host_config_init(&h, &cfg);
    assert_int_equal(f.fwd_mask, NETCONF_IPV4 | NETCONF_IPV6);

    /* the policy for wpan0 and accept_ra=2 on eth0 before forwarding */
    assert_true(f.fw);
    assert_string_equal(f.fw_rules.thread_if, "wpan0");
    assert_string_equal(f.ra_if, "eth0");
    assert_int_equal(f.ra, 2);
    assert_true(f.fw_call < f.fwd_call && f.ra_call < f.fwd_call);

    /* nothing wanted: not ready, nothing installed but the policy (checked
     * when due: no NAT44 check yet) */
    memset(&w, 0, sizeof(w));
    assert_false(br_host_config_sync(&h, &w, 1000, &changed));
    assert_false(changed);
    assert_int_equal(f.n_routes, 0);
    assert_int_equal(br_host_config_next_ms(&h), 1000 + BR_HOST_CONFIG_NAT44_RECHECK_MS);
    assert_int_equal(f.installs, 0);
    assert_int_equal(f.fw_installs, 1);

    /* everything: four routes, NAT44 for the masked pool via eth0, ready */
    want_full(&w);
    assert_true(br_host_config_sync(&h, &w, 1000, &changed));
    assert_true(changed);
    assert_int_equal(f.n_routes, 4);
    assert_true(has_route(&f, "192.168.255.0", 24, "wpan0"));
    assert_true(has_route(&f, "fdde:ad00:beef::", 64, "wpan0"));
    assert_true(has_route(&f, "fd11:22::", 64, "wpan0"));
    assert_true(has_route(&f, "fdde:ad00:beef:cafe::", 64, "eth0"));
    assert_true(f.nat44);
    assert_int_equal(f.pool.addr[3], 0);
    assert_string_equal(f.nat_if, "eth0");
    assert_int_equal(f.installs, 1);
    /* again: no change, no calls */
    assert_true(br_host_config_sync(&h, &w, 2000, &changed));
    assert_false(changed);
    assert_int_equal(f.installs, 1);
    assert_int_equal(f.n_routes, 4);

    /* the re-check when due: the rule vanished, re-installed */
    assert_int_equal(br_host_config_next_ms(&h), 1000 + BR_HOST_CONFIG_NAT44_RECHECK_MS);
    f.nat44 = false;
    assert_true(br_host_config_sync(&h, &w, 1000 + BR_HOST_CONFIG_NAT44_RECHECK_MS, &changed));
    assert_int_equal(f.installs, 2);
    assert_true(f.nat44);

    /* a new pool: the table and the route move */
    assert_true(addr_parse4("10.1.2.0", w.cidr.addr));
    assert_true(br_host_config_sync(&h, &w, 70000, &changed));
    assert_int_equal(f.removes, 1);
    assert_int_equal(f.pool.addr[0], 10);
    assert_true(has_route(&f, "10.1.2.0", 24, "wpan0"));
    assert_false(has_route(&f, "192.168.255.0", 24, "wpan0"));

    /* detached, routing stopped, on-link gone: those routes go */
    w.has_ml = w.has_omr = w.has_onlink = false;
    assert_true(br_host_config_sync(&h, &w, 71000, &changed));
    assert_int_equal(f.n_routes, 1);

    /* NAT64 disabled: table and pool route removed, not ready */
    w.nat64_enabled = false;
    assert_false(br_host_config_sync(&h, &w, 72000, &changed));
    assert_true(changed);
    assert_false(f.nat44);
    assert_int_equal(f.n_routes, 0);

    /* the masquerade cannot be verified: not ready */
    w.nat64_enabled = true;
    f.check_rc = 0;
    assert_false(br_host_config_sync(&h, &w, 73000, &changed));
    assert_false(changed);
    /* a route that cannot be added: counted, not ready */
    f.check_rc = 1;
    f.nat44 = false;
    f.fail_add = true;
    w.nat64_enabled = false;
    br_host_config_sync(&h, &w, 74000, &changed);
    w.nat64_enabled = true;
    assert_false(br_host_config_sync(&h, &w, 74000, &changed));
    assert_true(h.netconf_errors >= 1);

    br_host_config_free(&h);
    assert_int_equal(f.cleanups, 1);
}

/* The forwarding policy follows the mesh-local /64 and the on-mesh
 * prefixes, and a table flushed behind the agent's back is noticed when the
 * re-check is due, put back and counted. */
static void test_firewall(void **state)
{
    struct fake f;
    struct br_host_config h;
    struct br_host_config_cfg cfg = {&fake_ops, &f, "wpan0", "eth0", false, NULL, NULL, 0};
    struct br_host_config_want w;
    struct netconf_fw_counters fc;
    const uint64_t r = BR_HOST_CONFIG_NAT44_RECHECK_MS;
    char err[NETCONF_ERR_MAX];
    bool changed;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.check_rc = 1;
    br_host_config_init(&h, &cfg);
    want_full(&w);
    w.n_onmesh = 2;
    w.onmesh[0] = w.omr;
    assert_true(addr_parse6("2001:db8:1:2:3::", w.onmesh[1].addr)); /* host bits masked */
    w.onmesh[1].len = 64;
    br_host_config_sync(&h, &w, 1000, &changed);
    assert_int_equal(f.fw_installs, 2);
    assert_true(f.fw_rules.has_ml);
    assert_memory_equal(f.fw_rules.ml, w.ml, 8);
    assert_int_equal(f.fw_rules.n_onmesh, 2);
    assert_memory_equal(f.fw_rules.onmesh[1].addr,
                        "\x20\x01\x0d\xb8\x00\x01\x00\x02\0\0\0\0\0\0\0\0", 16);
    /* unchanged: no install, no check before it is due */
    br_host_config_sync(&h, &w, 2000, &changed);
    assert_int_equal(f.fw_installs, 2);
    assert_int_equal(f.fw_checks, 0);
    /* due and intact: checked, not re-installed */
    br_host_config_sync(&h, &w, 1000 + r, &changed);
    assert_int_equal(f.fw_checks, 1);
    assert_int_equal(f.fw_installs, 2);
    assert_int_equal(br_host_config_fw_reinstalls(&h), 0);
    /* flushed behind the agent's back: put back at the next check, counted */
    f.fw = false;
    br_host_config_sync(&h, &w, 1000 + r + 1, &changed);
    assert_false(f.fw);
    assert_int_equal(br_host_config_next_ms(&h), 1000 + 2 * r);
    br_host_config_sync(&h, &w, 1000 + 2 * r, &changed);
    assert_true(f.fw);
    assert_int_equal(f.fw_installs, 3);
    assert_int_equal(br_host_config_fw_reinstalls(&h), 1);
    /* detached: the mesh-local rules go (an update, not a re-install) */
    w.has_ml = false;
    br_host_config_sync(&h, &w, 1000 + 2 * r + 1, &changed);
    assert_false(f.fw_rules.has_ml);
    assert_int_equal(br_host_config_fw_reinstalls(&h), 1);
    /* more on-mesh prefixes than the policy names: capped */
    w.n_onmesh = NETCONF_FW_PREFIXES + 3;
    for (unsigned i = 0; i < w.n_onmesh && i < NETCONF_FW_PREFIXES; i++)
        w.onmesh[i] = w.omr;
    br_host_config_sync(&h, &w, 1000 + 2 * r + 2, &changed);
    assert_int_equal(f.fw_rules.n_onmesh, NETCONF_FW_PREFIXES);
    assert_int_equal(br_host_config_fw_counters(&h, &fc, err, sizeof(err)), 0);
    assert_int_equal(fc.packets[NETCONF_FW_NOT_ESTABLISHED], 3);
    br_host_config_free(&h);
    assert_false(f.fw);
}

/* A shorter re-check period (tbr-agent --recheck-ms, for tests): the
 * flushed policy is found and put back after it, not after the default. */
static void test_recheck_period(void **state)
{
    struct fake f;
    struct br_host_config h;
    struct br_host_config_cfg cfg = {&fake_ops, &f, "wpan0", "eth0", false, NULL, NULL, 2000};
    struct br_host_config_want w;
    bool changed;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.check_rc = 1;
    br_host_config_init(&h, &cfg);
    want_full(&w);
    br_host_config_sync(&h, &w, 1000, &changed);
    assert_int_equal(br_host_config_next_ms(&h), 3000);
    f.fw = false;
    br_host_config_sync(&h, &w, 3000, &changed);
    assert_true(f.fw);
    assert_int_equal(br_host_config_fw_reinstalls(&h), 1);
    assert_int_equal(br_host_config_next_ms(&h), 5000);
    br_host_config_free(&h);
}

static void test_without_netconf(void **state)
{
    struct netconf_fw_counters fc;
    char err[NETCONF_ERR_MAX];
    struct br_host_config h;
    struct br_host_config_cfg cfg = {NULL, NULL, "wpan0", "eth0", true, NULL, NULL, 0};
    struct br_host_config_want w;
    bool changed;

    (void)state;
    br_host_config_init(&h, &cfg);
    want_full(&w);
    assert_true(br_host_config_sync(&h, &w, 1000, &changed));
    assert_true(changed);
    assert_true(br_host_config_sync(&h, &w, 2000, &changed));
    assert_false(changed);
    assert_int_equal(br_host_config_next_ms(&h), UINT64_MAX);
    assert_int_equal(br_host_config_fw_counters(&h, &fc, err, sizeof(err)), -1);
    br_host_config_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconcile),
        cmocka_unit_test(test_firewall),
        cmocka_unit_test(test_recheck_period),
        cmocka_unit_test(test_without_netconf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
