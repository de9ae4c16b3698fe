/*
 * The SRP server's registry store (br/srp_server.h "Registry store"): the
 * worst case (every host and service at its largest) is saved into the real
 * settings file and comes back whole in a fresh server; a failed save stays
 * pending and is retried with back-off; a set cut short or corrupted is
 * never used in part.
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

#include "br/srp_server.h"
#include "platform/settings.h"
#include "support/hexvec.h"
#include "support/kv_mem.h"
#include "util/kv.h"
#include "util/rd.h"

#define T0 5000u
#define WALL 1790000000000ull /* ms since the epoch */

static struct br_srp_server srv, srv2;
static uint8_t blob_a[SRP_REGISTRY_BLOB_MAX], blob_b[SRP_REGISTRY_BLOB_MAX];

/* A name of exactly len wire octets under default.service.arpa.: a first
 * label naming (tag, i), filler labels, then the zone. */
static struct dns_name long_name(char tag, unsigned i, unsigned len)
{
    static const uint8_t zone[] = "\7default\7service\4arpa";
    struct dns_name n;
    unsigned left = len - (unsigned)sizeof zone; /* the zone with its root octet */
    size_t o = 0;

    memset(&n, 0, sizeof n);
    while (left > 0) {
        unsigned l = left - 1 > DNS_LABEL_MAX ? DNS_LABEL_MAX : left - 1;
        if (left - (l + 1) == 1) /* never leave room for an empty label */
            l--;
        n.b[o++] = (uint8_t)l;
        memset(n.b + o, 'a' + (int)(o % 26), l);
        if (o == 1) {
            n.b[o] = (uint8_t)tag;
            n.b[o + 1] = (uint8_t)('a' + i / 26);
            n.b[o + 2] = (uint8_t)('a' + i % 26);
        }
        o += l;
        left -= l + 1;
    }
    memcpy(n.b + o, zone, sizeof zone);
    n.len = (uint8_t)(o + sizeof zone);
    assert_int_equal(n.len, len);
    assert_true(dns_name_valid(&n));
    return n;
}

/* Every host and service slot used, each at its largest. */
static void fill_worst(struct srp_registry *reg)
{
    uint32_t seq = 0;

    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        struct srp_host *h = &reg->hosts[i];
        h->used = true;
        h->name = long_name('h', i, DNS_NAME_MAX);
        memset(h->pubkey, (int)i + 1, SRP_PUBKEY_LEN);
        for (unsigned a = 0; a < SRP_MAX_ADDRS; a++) {
            memset(h->addrs[a], 0xfd, 16);
            h->addrs[a][15] = (uint8_t)(i * SRP_MAX_ADDRS + a);
        }
        h->naddrs = SRP_MAX_ADDRS;
        h->ttl = h->lease = 7200;
        h->key_lease = 86400;
        h->lease_end_ms = T0 + 7200000ull;
        h->key_lease_end_ms = T0 + 86400000ull;
        h->seq = ++seq;
    }
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        struct srp_service *sp = &reg->services[i];
        sp->used = true;
        sp->host = i % SRP_MAX_HOSTS;
        sp->service = long_name('s', i, DNS_NAME_MAX);
        sp->instance = long_name('i', i, DNS_NAME_MAX);
        sp->port = (uint16_t)(1000 + i);
        for (unsigned t = 0; t < SRP_TXT_MAX; t += 64) {
            unsigned l = SRP_TXT_MAX - t - 1 < 63 ? SRP_TXT_MAX - t - 1 : 63;
            sp->txt[t] = (uint8_t)l;
            memset(sp->txt + t + 1, 'k' + (int)(i % 8), l);
        }
        sp->txt_len = SRP_TXT_MAX;
        sp->ttl = sp->lease = 7200;
        sp->key_lease = 86400;
        sp->lease_end_ms = T0 + 7200000ull;
        sp->key_lease_end_ms = T0 + 86400000ull;
        sp->seq = ++seq;
    }
    reg->next_seq = seq;
}

static size_t blob_of(struct br_srp_server *s, uint8_t *b)
{
    size_t len = 0;
    assert_int_equal(
        srp_registry_save(br_srp_server_registry(s), T0, b, SRP_REGISTRY_BLOB_MAX, &len), SRP_OK);
    return len;
}

/* Finding 2 of issue 11: 32 hosts and 64 services with long names did
 * not fit one 60,000-octet value; the save failed once and the stale
 * registry came back. */
static void test_worst_case_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/tbr-srp-store-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct settings_config cfg = {dir, "node.settings", NULL, NULL};
    struct settings *st = NULL;
    struct settings_report rep;
    struct kv kv;
    assert_int_equal(settings_open(&cfg, &st, &rep), SETTINGS_OK);
    settings_kv(st, &kv);

    assert_int_equal(br_srp_server_init(&srv, &kv, T0, WALL), 0);
    fill_worst(br_srp_server_registry(&srv));
    size_t len = blob_of(&srv, blob_a);
    assert_int_equal(len, SRP_REGISTRY_BLOB_MAX); /* the computed worst case is the real one */
    assert_true(len > 60000);

    /* Saved twice: the second save holds the old and the new set at once. */
    for (int i = 0; i < 2; i++) {
        srv.dirty = true;
        br_srp_server_flush(&srv, T0, WALL);
    }
    assert_int_equal(srv.saves, 2);
    assert_int_equal(srv.save_errors, 0);
    assert_false(srv.dirty);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_SRP_REGISTRY), BR_SRP_SERVER_CHUNKS);
    br_srp_server_free(&srv);
    settings_close(st);

    /* A fresh server from the file on disk: everything is there. */
    assert_int_equal(settings_open(&cfg, &st, &rep), SETTINGS_OK);
    settings_kv(st, &kv);
    assert_int_equal(br_srp_server_init(&srv2, &kv, T0, WALL), SRP_MAX_HOSTS);
    assert_int_equal(srv2.load_errors + srv2.load_partial, 0);
    assert_int_equal(blob_of(&srv2, blob_b), len);
    assert_memory_equal(blob_a, blob_b, len);

    /* One chunk gone: the set is refused whole (never a partial registry). */
    assert_int_equal(kv_delete(&kv, SETTINGS_KEY_SRP_REGISTRY, 1), 0);
    br_srp_server_free(&srv2);
    assert_int_equal(br_srp_server_init(&srv2, &kv, T0, WALL), -1);
    assert_int_equal(srv2.load_errors, 1);
    assert_null(srp_registry_next_host(br_srp_server_registry(&srv2), NULL));
    br_srp_server_free(&srv2);
    settings_close(st);
    char path[sizeof dir + 32];
    snprintf(path, sizeof path, "%s/node.settings", dir);
    unlink(path);
    rmdir(dir);
}

/* One small host (fits a kv_mem value). */
static void one_host(struct srp_registry *reg, unsigned tag)
{
    struct srp_host *h = &reg->hosts[0];
    memset(h, 0, sizeof *h);
    h->used = true;
    assert_int_equal(dns_name_from_text("h.default.service.arpa.", &h->name), DNS_OK);
    memset(h->pubkey, 7, SRP_PUBKEY_LEN);
    memset(h->addrs[0], 0xfd, 16);
    h->addrs[0][15] = (uint8_t)tag;
    h->naddrs = 1;
    h->ttl = h->lease = 7200;
    h->key_lease = 86400;
    h->lease_end_ms = T0 + 7200000ull;
    h->key_lease_end_ms = T0 + 86400000ull;
    h->seq = reg->next_seq = 1;
}

static uint8_t first_addr_tail(const struct kv *kv)
{
    static struct br_srp_server s;
    assert_int_equal(br_srp_server_init(&s, kv, T0, WALL), 1);
    const struct srp_host *h = srp_registry_next_host(br_srp_server_registry(&s), NULL);
    uint8_t t = h->addrs[0][15];
    br_srp_server_free(&s);
    return t;
}

/* A failed save keeps the registry pending, retries with a doubling
 * back-off (counted), and the previous set stays whole meanwhile. */
static void test_save_retry(void **state)
{
    (void)state;
    static struct kv_mem m;
    struct kv kv;
    kv_mem_init(&m, &kv);
    assert_int_equal(br_srp_server_init(&srv, &kv, T0, WALL), 0);
    one_host(br_srp_server_registry(&srv), 1);
    srv.dirty = true;
    srv.save_due_ms = T0;
    br_srp_server_process(&srv, T0, WALL);
    assert_int_equal(srv.saves, 1);
    assert_int_equal(first_addr_tail(&kv), 1);

    /* A change, then the store fails. */
    br_srp_server_registry(&srv)->hosts[0].addrs[0][15] = 2;
    srv.dirty = true;
    srv.save_due_ms = T0 + 1000;
    m.fail = true;
    uint64_t t = T0 + 1000;
    uint32_t want_backoff = BR_SRP_SERVER_SAVE_DELAY_MS;
    for (int i = 1; i <= 8; i++) {
        br_srp_server_process(&srv, t, WALL + t);
        assert_int_equal(srv.save_errors, i);
        assert_true(srv.dirty); /* still pending: retried */
        assert_int_equal(br_srp_server_next_timeout(&srv), t + want_backoff);
        br_srp_server_process(&srv, t + want_backoff - 1, WALL + t); /* not before its time */
        assert_int_equal(srv.save_errors, i);
        t += want_backoff;
        want_backoff = want_backoff * 2 > BR_SRP_SERVER_SAVE_RETRY_MAX_MS
                           ? BR_SRP_SERVER_SAVE_RETRY_MAX_MS
                           : want_backoff * 2;
    }
    m.fail = false;
    assert_int_equal(first_addr_tail(&kv), 1); /* the previous set, whole */
    br_srp_server_process(&srv, t, WALL + t);
    assert_int_equal(srv.saves, 2);
    assert_false(srv.dirty);
    assert_int_equal(srv.save_backoff_ms, 0);
    assert_int_equal(first_addr_tail(&kv), 2);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_SRP_REGISTRY), 1); /* the old set deleted */

    /* Counters show it. */
    char out[4096] = {0};
    FILE *f = fmemopen(out, sizeof out - 1, "w");
    br_srp_server_fmt(&srv, BR_SRP_SERVER_VIEW_COUNTERS, f);
    fclose(f);
    assert_non_null(strstr(out, "saves: 2\nsave-errors: 8\n"));
    assert_non_null(strstr(out, "save-pending: 0\n"));
    br_srp_server_free(&srv);
}

/* Chunks of a newer save cut short are left out (the older whole set is
 * used); a set whose bytes changed is refused whole. */
static void test_partial_and_corrupt(void **state)
{
    (void)state;
    static struct kv_mem m;
    struct kv kv;
    kv_mem_init(&m, &kv);
    assert_int_equal(br_srp_server_init(&srv, &kv, T0, WALL), 0);
    one_host(br_srp_server_registry(&srv), 3);
    srv.dirty = true;
    br_srp_server_flush(&srv, T0, WALL);
    assert_int_equal(srv.saves, 1);
    br_srp_server_free(&srv);

    /* A newer generation, chunk 0 of 2 only (as an interrupted save leaves). */
    uint8_t v[KV_MEM_VAL_MAX];
    size_t len = 0;
    assert_int_equal(kv_get(&kv, SETTINGS_KEY_SRP_REGISTRY, 0, v, sizeof v, &len), 0);
    uint8_t cut[KV_MEM_VAL_MAX];
    memcpy(cut, v, len);
    be32_put(cut + 1, be32_get(v + 1) + 1);
    cut[6] = 2;
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_SRP_REGISTRY, cut, len), 0);
    assert_int_equal(br_srp_server_init(&srv, &kv, T0, WALL), 1);
    assert_int_equal(srv.load_partial, 1);
    assert_int_equal(srv.load_errors, 0);
    /* The next save removes it. */
    srv.dirty = true;
    br_srp_server_flush(&srv, T0, WALL);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_SRP_REGISTRY), 1);
    br_srp_server_free(&srv);

    /* One payload octet changed: the digest refuses the set whole. */
    assert_int_equal(kv_get(&kv, SETTINGS_KEY_SRP_REGISTRY, 0, v, sizeof v, &len), 0);
    v[len - 1] ^= 1;
    assert_int_equal(kv_set(&kv, SETTINGS_KEY_SRP_REGISTRY, v, len), 0);
    assert_int_equal(br_srp_server_init(&srv, &kv, T0, WALL), -1);
    assert_int_equal(srv.load_errors, 1);
    assert_null(srp_registry_next_host(br_srp_server_registry(&srv), NULL));
    br_srp_server_free(&srv);

    /* The previous layout (one value: time + record) still loads. */
    static struct br_srp_server s3;
    static uint8_t rec[8 + 512];
    srp_registry_init(&s3.reg);
    one_host(&s3.reg, 4);
    be64_put(rec, WALL);
    assert_int_equal(srp_registry_save(&s3.reg, T0, rec + 8, sizeof rec - 8, &len), SRP_OK);
    assert_int_equal(kv_set(&kv, SETTINGS_KEY_SRP_REGISTRY, rec, 8 + len), 0);
    assert_int_equal(first_addr_tail(&kv), 4);
}

/* Through the server: OpenThread's update (no SIG(0) time: its client has
 * no clock) registers at any wall-clock time, and is counted as such. */
static void test_input_sig_no_time(void **state)
{
    (void)state;
    uint8_t msg[1500], out[BR_SRP_SERVER_REPLY_MAX];
    size_t len = hexvec_read("srp", "ot-register.hex", msg, sizeof msg), olen = 0;
    enum srp_err e;
    assert_int_equal(br_srp_server_init(&srv, NULL, T0, WALL), 0);
    br_srp_server_process(&srv, T0, WALL);
    assert_true(br_srp_server_input(&srv, T0 + 10, msg, len, true, out, &olen, &e));
    assert_int_equal(e, SRP_OK);
    assert_int_equal(srv.sig_no_time, 1);
    char text[4096] = {0};
    FILE *f = fmemopen(text, sizeof text - 1, "w");
    br_srp_server_fmt(&srv, BR_SRP_SERVER_VIEW_COUNTERS, f);
    fclose(f);
    assert_non_null(strstr(text, "sig-no-time: 1\n"));
    assert_non_null(strstr(text, "sig-time: 0\n"));
    assert_non_null(strstr(text, "key-limit: 0\n"));
    assert_non_null(strstr(text, "name-conflict: 0\n"));
    br_srp_server_free(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worst_case_round_trip),
        cmocka_unit_test(test_save_retry),
        cmocka_unit_test(test_partial_and_corrupt),
        cmocka_unit_test(test_input_sig_no_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
