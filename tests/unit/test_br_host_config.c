/*
 * br/host_config.h over a fake netconf (struct netconf_ops): forwarding at
 * start, the pool / mesh-local / OMR routes via the TUN and the on-link
 * route via the infrastructure interface following the desired state, the
 * NAT44 table installed, moved and re-checked, the return path ready only
 * with a verified masquerade and the pool route, and everything undone.
 * Without netconf the return path is what the configuration assumes.
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
};

static int fwd(void *nc, unsigned mask, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    ((struct fake *)nc)->fwd_mask = mask;
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
    return 0;
}

static const struct netconf_ops fake_ops = {fwd,        route_add, route_del, nat_install,
                                            nat_remove, nat_check, cleanup};

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
    struct br_host_config_cfg cfg = {&fake_ops, &f, "wpan0", "eth0", false, NULL, NULL};
    struct br_host_config_want w;
    bool changed;

    (void)state;
    memset(&f, 0, sizeof(f));
    f.check_rc = 1;
    br_host_config_init(&h, &cfg);
    assert_int_equal(f.fwd_mask, NETCONF_IPV4 | NETCONF_IPV6);

    /* nothing wanted: not ready, nothing installed */
    memset(&w, 0, sizeof(w));
    assert_false(br_host_config_sync(&h, &w, 1000, &changed));
    assert_false(changed);
    assert_int_equal(f.n_routes, 0);
    assert_int_equal(br_host_config_next_ms(&h), UINT64_MAX);

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

static void test_without_netconf(void **state)
{
    struct br_host_config h;
    struct br_host_config_cfg cfg = {NULL, NULL, "wpan0", "eth0", true, NULL, NULL};
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
    br_host_config_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reconcile),
        cmocka_unit_test(test_without_netconf),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
