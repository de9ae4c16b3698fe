/*
 * br/persist.h: the BR ULA and NAT64 records round-trip through a settings
 * store (reopened from disk), keep OpenThread's layouts (17-byte ULA,
 * 8-byte versioned NAT64 record), refuse what is not theirs, and a NULL
 * store holds nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "br/persist.h"
#include "platform/settings.h"

static struct settings *reopen(struct settings *s, const char *dir)
{
    struct settings_config sc;

    if (s != NULL)
        settings_close(s);
    memset(&sc, 0, sizeof(sc));
    sc.dir = dir;
    sc.name = "node-1.settings";
    assert_int_equal(settings_open(&sc, &s, NULL), SETTINGS_OK);
    return s;
}

static void test_round_trip(void **state)
{
    char dir[] = "/tmp/test_br_persist.XXXXXX";
    struct settings *s;
    struct kv kv;
    struct addr_prefix6 ula, got;
    struct br_persist_nat64 v, w;
    uint8_t raw[32];
    size_t len = 0;
    char path[64];

    (void)state;
    assert_non_null(mkdtemp(dir));
    s = reopen(NULL, dir);
    settings_kv(s, &kv);
    assert_false(br_persist_load_ula(&kv, &got));
    assert_false(br_persist_load_nat64(&kv, &w));

    memset(&ula, 0, sizeof(ula));
    assert_true(addr_parse6("fd12:3456:789a::", ula.addr));
    ula.len = 48;
    assert_int_equal(br_persist_save_ula(&kv, &ula), 0);
    memset(&v, 0, sizeof(v));
    v.enabled = true;
    v.has_cidr = true;
    assert_true(addr_parse4("192.168.100.7", v.cidr.addr)); /* host bits kept */
    v.cidr.len = 24;
    assert_int_equal(br_persist_save_nat64(&kv, &v), 0);

    s = reopen(s, dir);
    settings_kv(s, &kv);
    assert_true(br_persist_load_ula(&kv, &got));
    assert_int_equal(got.len, 48);
    assert_memory_equal(got.addr, ula.addr, 16);
    assert_int_equal(settings_get(s, SETTINGS_KEY_BR_ULA_PREFIX, 0, raw, sizeof(raw), &len),
                     SETTINGS_OK);
    assert_int_equal(len, BR_PERSIST_ULA_LEN);
    assert_int_equal(raw[16], 48);
    assert_true(br_persist_load_nat64(&kv, &w));
    assert_true(w.enabled && w.has_cidr);
    assert_int_equal(w.cidr.addr[3], 7);
    assert_int_equal(w.cidr.len, 24);
    assert_int_equal(settings_get(s, SETTINGS_KEY_NAT64, 0, raw, sizeof(raw), &len), SETTINGS_OK);
    assert_int_equal(len, BR_PERSIST_NAT64_LEN);
    assert_memory_equal(raw, ((uint8_t[]){1, 1, 1, 192, 168, 100, 7, 24}), 8);

    /* disabled, no CIDR */
    v.enabled = v.has_cidr = false;
    assert_int_equal(br_persist_save_nat64(&kv, &v), 0);
    assert_true(br_persist_load_nat64(&kv, &w));
    assert_false(w.enabled || w.has_cidr);

    /* not ours: another version, a ULA that is not fd00::/8 or not /48 */
    raw[0] = 2;
    assert_int_equal(settings_set(s, SETTINGS_KEY_NAT64, raw, BR_PERSIST_NAT64_LEN), SETTINGS_OK);
    assert_false(br_persist_load_nat64(&kv, &w));
    ula.addr[0] = 0xfc;
    assert_int_equal(br_persist_save_ula(&kv, &ula), 0);
    assert_false(br_persist_load_ula(&kv, &got));
    ula.addr[0] = 0xfd;
    ula.len = 64;
    assert_int_equal(br_persist_save_ula(&kv, &ula), 0);
    assert_false(br_persist_load_ula(&kv, &got));

    settings_close(s);
    snprintf(path, sizeof(path), "%s/node-1.settings", dir);
    unlink(path);
    rmdir(dir);
}

static void test_null_store(void **state)
{
    struct addr_prefix6 ula;
    struct br_persist_nat64 v;

    (void)state;
    memset(&ula, 0, sizeof(ula));
    memset(&v, 0, sizeof(v));
    assert_false(br_persist_load_ula(NULL, &ula));
    assert_false(br_persist_load_nat64(NULL, &v));
    assert_int_equal(br_persist_save_ula(NULL, &ula), 0);
    assert_int_equal(br_persist_save_nat64(NULL, &v), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_null_store),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
