/* The border router's SRP server service (src/br/srp_server.h): settings,
 * counters per outcome and registrations kept across a restart, with the
 * OpenThread updates of tests/vectors/srp. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>

#include <mbedtls/sha256.h>

#include "br/srp_server.h"
#include "dns/dns_msg.h"
#include "dns/srp_client.h"
#include "support/hexvec.h"
#include "support/kv_mem.h"
#include "util/kv.h"
#include "util/rd.h"

#define T0 1000u               /* monotonic ms of the first update */
#define WALL0 1800000000000ull /* wall clock at that time (ms since the epoch) */
#define DELAY BR_SRP_SERVER_SAVE_DELAY_MS
#define LEASE_MS (7200u * 1000u)         /* granted to ot-register.hex */
#define KEY_LEASE_MS (680400ull * 1000u) /* its key-lease, clamped to the default max */
#define SAVED_WALL (WALL0 + T0)          /* wall clock of saved_registry()'s save */

/* kv_mem keeps values up to KV_MEM_VAL_MAX (256) octets and a registry
 * record with one host and one service is larger, so this store keeps the
 * values of SETTINGS_KEY_SRP_REGISTRY itself (each up to KV_VALUE_MAX, in
 * insertion order as the file store) and passes every other key to kv_mem,
 * honouring its fail flag and counting its writes. fail_reg_add fails only
 * the registry's appends (a chunk write), nothing changed. */
#define REG_VALS (3 * BR_SRP_SERVER_CHUNKS + 8) /* what a server may scan */
struct store {
    struct kv_mem mem;
    struct kv inner, kv;
    bool fail_reg_add;
    unsigned nreg;
    size_t reg_len[REG_VALS];
    uint8_t reg[REG_VALS][KV_VALUE_MAX];
};

static int st_get(void *ctx, uint16_t key, unsigned index, void *buf, size_t cap, size_t *len)
{
    struct store *st = ctx;

    if (key != SETTINGS_KEY_SRP_REGISTRY)
        return kv_get(&st->inner, key, index, buf, cap, len);
    if (index >= st->nreg)
        return -ENOENT;
    memcpy(buf, st->reg[index], st->reg_len[index] < cap ? st->reg_len[index] : cap);
    *len = st->reg_len[index];
    return 0;
}

static int st_add(void *ctx, uint16_t key, const void *val, size_t len)
{
    struct store *st = ctx;

    if (key != SETTINGS_KEY_SRP_REGISTRY)
        return kv_add(&st->inner, key, val, len);
    if (st->mem.fail || st->fail_reg_add)
        return -EIO;
    if (len > KV_VALUE_MAX || st->nreg == REG_VALS)
        return -ENOSPC;
    memcpy(st->reg[st->nreg], val, len);
    st->reg_len[st->nreg++] = len;
    st->mem.writes++;
    return 0;
}

static int st_delete(void *ctx, uint16_t key, int index)
{
    struct store *st = ctx;

    if (key != SETTINGS_KEY_SRP_REGISTRY)
        return kv_delete(&st->inner, key, index);
    if (st->mem.fail)
        return -EIO;
    if (index >= 0 && (unsigned)index >= st->nreg)
        return -ENOENT;
    if (index < 0) {
        if (st->nreg == 0)
            return -ENOENT;
        st->nreg = 0;
    } else {
        for (unsigned i = (unsigned)index; i + 1 < st->nreg; i++) {
            memcpy(st->reg[i], st->reg[i + 1], st->reg_len[i + 1]);
            st->reg_len[i] = st->reg_len[i + 1];
        }
        st->nreg--;
    }
    st->mem.writes++;
    return 0;
}

static int st_set(void *ctx, uint16_t key, const void *val, size_t len)
{
    struct store *st = ctx;

    if (key != SETTINGS_KEY_SRP_REGISTRY)
        return kv_set(&st->inner, key, val, len);
    if (st->mem.fail)
        return -EIO;
    if (len > KV_VALUE_MAX)
        return -ENOSPC;
    memcpy(st->reg[0], val, len);
    st->reg_len[0] = len;
    st->nreg = 1;
    st->mem.writes++;
    return 0;
}

static unsigned st_count(void *ctx, uint16_t key)
{
    struct store *st = ctx;

    return key == SETTINGS_KEY_SRP_REGISTRY ? st->nreg : kv_count(&st->inner, key);
}

static int st_wipe(void *ctx)
{
    struct store *st = ctx;
    int r = kv_wipe(&st->inner);

    if (r == 0)
        st->nreg = 0;
    return r;
}

static const struct kv_ops store_ops = {
    .get = st_get,
    .set = st_set,
    .add = st_add,
    .delete = st_delete,
    .count = st_count,
    .wipe = st_wipe,
};

static void store_init(struct store *st)
{
    kv_mem_init(&st->mem, &st->inner);
    st->fail_reg_add = false;
    st->nreg = 0;
    st->kv.ops = &store_ops;
    st->kv.ctx = st;
}

/* Large: static. Each test starts them over with store_init / init. */
static struct store st;
static struct br_srp_server srv, srv2;

/* Chunk header fields (layout in srp_server.h). */
#define HDR BR_SRP_SERVER_CHUNK_HDR
#define C_GEN 1
#define C_INDEX 5
#define C_COUNT 6
#define C_LEN 7
#define C_DIGEST 11
#define DIGEST_LEN 8

static uint8_t rec[BR_SRP_SERVER_RECORD_MAX + 2]; /* a registry record (time + registry) */

/* What is stored must be one whole set: every value a chunk of one
 * generation, in index order, all agreeing, payloads adding up to the
 * record length and the SHA-256 prefix matching. Its record goes to rec;
 * returns its length and the generation in *gen. */
static size_t stored_set(uint32_t *gen)
{
    const uint8_t *v0 = st.reg[0];
    uint8_t d[32];
    size_t off = 0;

    assert_true(st.nreg > 0);
    for (unsigned i = 0; i < st.nreg; i++) {
        const uint8_t *v = st.reg[i];

        assert_true(st.reg_len[i] > HDR && st.reg_len[i] <= BR_SRP_SERVER_CHUNK_MAX);
        assert_int_equal(v[0], BR_SRP_SERVER_STORE_FORMAT);
        assert_int_equal(be32_get(v + C_GEN), be32_get(v0 + C_GEN));
        assert_int_equal(v[C_INDEX], i);
        assert_int_equal(v[C_COUNT], st.nreg);
        assert_int_equal(be32_get(v + C_LEN), be32_get(v0 + C_LEN));
        assert_memory_equal(v + C_DIGEST, v0 + C_DIGEST, DIGEST_LEN);
        memcpy(rec + off, v + HDR, st.reg_len[i] - HDR);
        off += st.reg_len[i] - HDR;
    }
    assert_int_equal(off, be32_get(v0 + C_LEN));
    assert_int_equal(mbedtls_sha256_ret(rec, off, d, 0), 0);
    assert_memory_equal(d, v0 + C_DIGEST, DIGEST_LEN);
    *gen = be32_get(v0 + C_GEN);
    return off;
}

/* Appends r[0..len) as generation gen in count chunks (of about equal size:
 * the loader takes any split), as a save would. */
static void put_set(uint32_t gen, const uint8_t *r, size_t len, unsigned count)
{
    static uint8_t v[KV_VALUE_MAX];
    uint8_t d[32];
    size_t off = 0;

    assert_int_equal(mbedtls_sha256_ret(r, len, d, 0), 0);
    for (unsigned i = 0; i < count; i++) {
        size_t n = i + 1 < count ? len / count : len - off;

        v[0] = BR_SRP_SERVER_STORE_FORMAT;
        be32_put(v + C_GEN, gen);
        v[C_INDEX] = (uint8_t)i;
        v[C_COUNT] = (uint8_t)count;
        be32_put(v + C_LEN, (uint32_t)len);
        memcpy(v + C_DIGEST, d, DIGEST_LEN);
        memcpy(v + HDR, r + off, n);
        assert_int_equal(kv_add(&st.kv, SETTINGS_KEY_SRP_REGISTRY, v, HDR + n), 0);
        off += n;
    }
}

static size_t vec(const char *name, uint8_t *buf, size_t cap)
{
    return hexvec_read("srp", name, buf, cap);
}

/* One view of s as text. */
static const char *view(const struct br_srp_server *s, enum br_srp_server_view v)
{
    static char text[4096];
    FILE *f = tmpfile();
    size_t n;

    assert_non_null(f);
    br_srp_server_fmt(s, v, f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static unsigned count_hosts(const struct br_srp_server *s)
{
    unsigned n = 0;

    for (const struct srp_host *h = srp_registry_next_host(&s->reg, NULL); h != NULL;
         h = srp_registry_next_host(&s->reg, h))
        n++;
    return n;
}

/* ot-register.hex into s at now_ms: accepted with a NOERROR reply. */
static void register_host(struct br_srp_server *s, uint64_t now_ms)
{
    uint8_t msg[1500], out[BR_SRP_SERVER_REPLY_MAX];
    size_t len = vec("ot-register.hex", msg, sizeof msg), out_len = 0;
    enum srp_err e = SRP_ERR__COUNT;
    struct dns_hdr q, r;

    assert_true(br_srp_server_input(s, now_ms, msg, len, true, out, &out_len, &e));
    assert_int_equal(e, SRP_OK);
    assert_int_equal(dns_hdr_read(msg, len, &q), DNS_OK);
    assert_int_equal(dns_hdr_read(out, out_len, &r), DNS_OK);
    assert_int_equal(r.id, q.id);
    assert_true(r.flags & DNS_FLAG_QR);
    assert_int_equal(dns_hdr_rcode(&r), 0);
}

/* The stored config record (enabled, anycast, seqnum). */
static void assert_cfg(uint8_t enabled, uint8_t anycast, uint8_t seqnum)
{
    uint8_t cfg[8];
    size_t len = 0;

    assert_int_equal(kv_get(&st.kv, SETTINGS_KEY_SRP_SERVER_CFG, 0, cfg, sizeof cfg, &len), 0);
    assert_int_equal(len, 3);
    assert_int_equal(cfg[0], enabled);
    assert_int_equal(cfg[1], anycast);
    assert_int_equal(cfg[2], seqnum);
}

/* Registers at T0, saved before the response with the wall clock
 * WALL0 + T0 (init at 0 with WALL0) and the whole lease remaining; returns
 * the saved record's length (the record in rec): one set, the first
 * generation. Nothing is saved again DELAY later. */
static size_t saved_registry(void)
{
    uint32_t gen = 0;
    size_t len;

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, T0);
    assert_int_equal(srv.saves, 1);
    br_srp_server_process(&srv, T0 + DELAY, WALL0 + DELAY);
    assert_int_equal(srv.saves, 1);
    len = stored_set(&gen);
    assert_int_equal(gen, 1);
    assert_int_equal(be64_get(rec), SAVED_WALL);
    br_srp_server_free(&srv);
    return len;
}

static void test_defaults_without_store(void **state)
{
    (void)state;
    assert_int_equal(br_srp_server_init(&srv, NULL, 0, WALL0), 0);
    assert_true(srv.enabled);
    assert_false(srv.anycast);
    assert_int_equal(srv.seqnum, 0);
    assert_int_equal(count_hosts(&srv), 0);
    assert_int_equal(br_srp_server_next_timeout(&srv), UINT64_MAX);
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_ADDRMODE), "unicast\n");
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_SEQNUM), "0\n");
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "rx: 0\nreplies: 0\nok: 0\n"));
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS),
                           "expired: 0\nsaves: 0\nsave-errors: 0\nload-errors: 0\n"));

    /* Settings work without a store; nothing is saved or counted. */
    assert_false(br_srp_server_set_anycast(&srv, true)); /* only while disabled */
    assert_false(br_srp_server_set_seqnum(&srv, 9));
    br_srp_server_set_enabled(&srv, false);
    assert_true(br_srp_server_set_anycast(&srv, true));
    assert_true(br_srp_server_set_seqnum(&srv, 9));
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_ADDRMODE), "anycast\n");
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_SEQNUM), "9\n");
    br_srp_server_set_enabled(&srv, true);
    register_host(&srv, T0);
    br_srp_server_flush(&srv, T0 + 1, WALL0);
    assert_int_equal(srv.saves, 0);
    assert_int_equal(srv.save_errors, 0);

    /* Lease bounds with OpenThread's checks. */
    assert_false(br_srp_server_set_lease(&srv, 60, 30, 100, 200));  /* MIN > MAX */
    assert_false(br_srp_server_set_lease(&srv, 30, 60, 20, 200));   /* MIN > KEYMIN */
    assert_false(br_srp_server_set_lease(&srv, 30, 600, 100, 200)); /* MAX > KEYMAX */
    assert_false(br_srp_server_set_lease(&srv, 30, 60, 100, BR_SRP_SERVER_MAX_KEY_LEASE + 1));
    assert_true(br_srp_server_set_lease(&srv, 30, 60, 100, 200));
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_LEASE),
                        "min lease: 30\nmax lease: 60\nmin key-lease: 100\nmax key-lease: 200\n");
    br_srp_server_free(&srv);
}

static void test_settings_persisted(void **state)
{
    (void)state;
    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_true(srv.enabled);
    assert_int_equal(st.mem.writes, 0); /* defaults are not written */

    /* Refused while enabled: unchanged, nothing written. */
    assert_false(br_srp_server_set_anycast(&srv, true));
    assert_false(br_srp_server_set_seqnum(&srv, 5));
    assert_false(srv.anycast);
    assert_int_equal(srv.seqnum, 0);
    br_srp_server_set_enabled(&srv, true); /* no change: no write */
    assert_int_equal(st.mem.writes, 0);

    br_srp_server_set_enabled(&srv, false);
    assert_int_equal(st.mem.writes, 1);
    assert_cfg(0, 0, 0);
    assert_true(br_srp_server_set_anycast(&srv, true));
    assert_cfg(0, 1, 0);
    assert_true(br_srp_server_set_seqnum(&srv, 200));
    assert_cfg(0, 1, 200);
    assert_int_equal(st.mem.writes, 3);
    assert_true(br_srp_server_set_seqnum(&srv, 200)); /* same value: no write */
    assert_true(br_srp_server_set_anycast(&srv, true));
    assert_int_equal(st.mem.writes, 3);
    assert_int_equal(srv.save_errors, 0);
    br_srp_server_free(&srv);

    /* A restart keeps all three. */
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, 0, WALL0), 0);
    assert_false(srv2.enabled);
    assert_true(srv2.anycast);
    assert_int_equal(srv2.seqnum, 200);
    assert_string_equal(view(&srv2, BR_SRP_SERVER_VIEW_ADDRMODE), "anycast\n");
    assert_string_equal(view(&srv2, BR_SRP_SERVER_VIEW_SEQNUM), "200\n");
    br_srp_server_set_enabled(&srv2, true);
    assert_cfg(1, 1, 200);
    br_srp_server_free(&srv2);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_true(srv.enabled);
    assert_true(srv.anycast);
    assert_int_equal(srv.seqnum, 200);
    br_srp_server_free(&srv);
}

/* The first version stored only the enabled flag (one octet). */
static void test_settings_first_version(void **state)
{
    (void)state;
    static const uint8_t off = 0, on = 1, two[2] = {0, 1};

    store_init(&st);
    assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_SERVER_CFG, &off, 1), 0);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_false(srv.enabled);
    assert_false(srv.anycast);
    assert_int_equal(srv.seqnum, 0);
    /* The next change writes the three-octet record. */
    assert_true(br_srp_server_set_seqnum(&srv, 3));
    assert_cfg(0, 0, 3);
    br_srp_server_free(&srv);

    assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_SERVER_CFG, &on, 1), 0);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_true(srv.enabled);
    assert_false(srv.anycast);
    assert_int_equal(srv.seqnum, 0);
    br_srp_server_free(&srv);

    /* Neither version: the defaults (enabled, unicast, 0). */
    assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_SERVER_CFG, two, 2), 0);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_true(srv.enabled);
    assert_false(srv.anycast);
    assert_int_equal(srv.seqnum, 0);
    br_srp_server_free(&srv);
}

/* Every outcome is counted once under its own name. */
static void test_counters_per_outcome(void **state)
{
    (void)state;
    uint8_t msg[1500], bad[1500], out[BR_SRP_SERVER_REPLY_MAX];
    size_t len = vec("ot-register.hex", msg, sizeof msg), out_len = 99;
    enum srp_err e = SRP_OK;
    struct dns_hdr r;
    static const uint8_t query[12] = {0x12, 0x34}; /* a standard query, no records */
    const char *text;

    assert_int_equal(br_srp_server_init(&srv, NULL, 0, 0), 0);

    /* Dropped without a reply. */
    assert_false(br_srp_server_input(&srv, T0, msg, len, false, out, &out_len, &e));
    assert_int_equal(out_len, 0);
    assert_int_equal(srv.drops[BR_SRP_SERVER_DROP_NOT_THREAD], 1);
    assert_false(br_srp_server_input(&srv, T0, msg, 11, true, out, &out_len, &e));
    assert_int_equal(srv.drops[BR_SRP_SERVER_DROP_SHORT], 1);
    memcpy(bad, msg, len);
    bad[2] |= 0x80; /* QR */
    assert_false(br_srp_server_input(&srv, T0, bad, len, true, out, &out_len, &e));
    assert_int_equal(srv.drops[BR_SRP_SERVER_DROP_RESPONSE], 1);
    br_srp_server_set_enabled(&srv, false);
    assert_false(br_srp_server_input(&srv, T0, msg, len, true, out, &out_len, &e));
    assert_int_equal(srv.drops[BR_SRP_SERVER_DROP_DISABLED], 1);
    br_srp_server_set_enabled(&srv, true);
    assert_int_equal(srv.replies, 0);
    assert_int_equal(count_hosts(&srv), 0);

    /* Answered with the error's RCODE, registry unchanged. */
    memcpy(bad, msg, len);
    bad[len - 1] ^= 0x01; /* the signature's last octet */
    assert_true(br_srp_server_input(&srv, T0, bad, len, true, out, &out_len, &e));
    assert_int_equal(e, SRP_ERR_SIG_FAILED);
    assert_int_equal(dns_hdr_read(out, out_len, &r), DNS_OK);
    assert_int_equal(dns_hdr_rcode(&r), srp_err_rcode(SRP_ERR_SIG_FAILED));
    assert_true(br_srp_server_input(&srv, T0, query, sizeof query, true, out, &out_len, &e));
    assert_int_equal(e, SRP_ERR_NOT_UPDATE);
    assert_int_equal(dns_hdr_read(out, out_len, &r), DNS_OK);
    assert_int_equal(r.id, 0x1234);
    assert_int_equal(dns_hdr_rcode(&r), 4); /* NOTIMP */
    assert_int_equal(count_hosts(&srv), 0);
    assert_int_equal(br_srp_server_next_timeout(&srv), UINT64_MAX); /* nothing to save */

    /* Accepted twice (a refresh with the same key). */
    register_host(&srv, T0);
    register_host(&srv, T0 + 10);
    assert_int_equal(count_hosts(&srv), 1);

    assert_int_equal(srv.rx, 8);
    assert_int_equal(srv.replies, 4);
    assert_int_equal(srv.results[SRP_OK], 2);
    assert_int_equal(srv.results[SRP_ERR_SIG_FAILED], 1);
    assert_int_equal(srv.results[SRP_ERR_NOT_UPDATE], 1);
    for (int i = 0; i < SRP_ERR__COUNT; i++)
        if (i != SRP_OK && i != SRP_ERR_SIG_FAILED && i != SRP_ERR_NOT_UPDATE)
            assert_int_equal(srv.results[i], 0);
    for (int i = 0; i < BR_SRP_SERVER_DROP__COUNT; i++)
        assert_int_equal(srv.drops[i], 1);
    text = view(&srv, BR_SRP_SERVER_VIEW_COUNTERS);
    assert_non_null(strstr(text, "rx: 8\nreplies: 4\nok: 2\n"));
    assert_non_null(strstr(text, "\nnot-update: 1\n"));
    assert_non_null(strstr(text, "\nsig-failed: 1\n"));
    assert_non_null(strstr(text, "drop-short: 1\ndrop-response: 1\ndrop-not-thread: 1\n"
                                 "drop-disabled: 1\n"));
    assert_string_equal(br_srp_server_drop_name(BR_SRP_SERVER_DROP_NOT_THREAD), "not-thread");
    assert_string_equal(br_srp_server_drop_name(BR_SRP_SERVER_DROP__COUNT), "?");
    br_srp_server_free(&srv);
}

/* A new registration is saved before its response; renewals (the same
 * contents again) are coalesced (one per DELAY: one new generation) and
 * carry the wall clock; a save deletes the set it replaces. */
static void test_save_coalesced(void **state)
{
    (void)state;
    const uint64_t t1 = T0 + DELAY - 1; /* the first renewal */
    uint32_t gen = 0;
    size_t len;

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, T0);
    assert_int_equal(srv.saves, 1);
    assert_int_equal(srv.saves_sync, 1);
    assert_int_equal(st.nreg, 1);       /* a small record: one chunk */
    assert_int_equal(st.mem.writes, 1); /* written once, nothing to delete */
    len = stored_set(&gen);
    assert_int_equal(gen, 1);
    assert_true(len > 8 && len <= BR_SRP_SERVER_RECORD_MAX);
    assert_int_equal(be64_get(rec), WALL0 + T0);
    assert_int_equal(rec[8], SRP_REGISTRY_BLOB_VERSION);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + LEASE_MS); /* no save pending */

    /* Renewals: one save DELAY after the first of them. */
    register_host(&srv, t1);
    assert_int_equal(br_srp_server_next_timeout(&srv), t1 + DELAY);
    br_srp_server_process(&srv, t1 + DELAY - 1, WALL0);
    register_host(&srv, t1 + DELAY - 1); /* same pending save */
    assert_int_equal(br_srp_server_next_timeout(&srv), t1 + DELAY);
    assert_int_equal(st.mem.writes, 1);
    assert_int_equal(srv.saves, 1);
    br_srp_server_process(&srv, t1 + DELAY, WALL0 + t1 + DELAY);
    assert_int_equal(srv.saves, 2);
    assert_int_equal(srv.saves_sync, 1);
    assert_int_equal(st.nreg, 1);
    assert_int_equal(st.mem.writes, 3); /* one chunk added, one deleted */
    assert_int_equal(stored_set(&gen), len);
    assert_int_equal(gen, 2);
    assert_int_equal(be64_get(rec), WALL0 + t1 + DELAY);
    /* Nothing changed since: no timer but the lease, no write. */
    assert_int_equal(br_srp_server_next_timeout(&srv), t1 + DELAY - 1 + LEASE_MS);
    br_srp_server_process(&srv, T0 + 5 * DELAY, WALL0);
    br_srp_server_flush(&srv, T0 + 5 * DELAY, WALL0);
    assert_int_equal(st.mem.writes, 3);
    stored_set(&gen);
    assert_int_equal(gen, 2);

    /* A renewal then a flush at shutdown writes at once: the next
     * generation, the previous one deleted after it. */
    register_host(&srv, T0 + 6 * DELAY);
    assert_int_equal(st.mem.writes, 3);
    br_srp_server_flush(&srv, T0 + 6 * DELAY, WALL0 + 6 * DELAY);
    assert_int_equal(srv.saves, 3);
    assert_int_equal(st.mem.writes, 5);
    assert_int_equal(st.nreg, 1);
    assert_int_equal(stored_set(&gen), len);
    assert_int_equal(gen, 3);
    assert_int_equal(be64_get(rec), WALL0 + 6 * DELAY);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 6 * DELAY + LEASE_MS);
    assert_int_equal(srv.save_errors, 0);
    br_srp_server_free(&srv);
}

/* The registration comes back in a fresh server with the time away taken
 * off its leases (RFC 9665 §3.3.3: leases run in real time). */
static void test_reload_time_away(void **state)
{
    (void)state;
    const uint64_t now = 50, away = 3600u * 1000u;
    /* Remaining when saved (at the registration). */
    const uint64_t rem = LEASE_MS, key_rem = KEY_LEASE_MS;
    const struct srp_host *h;
    const struct srp_service *sv;

    saved_registry();
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, SAVED_WALL + away), 1);
    assert_int_equal(srv2.load_errors, 0);
    h = srp_registry_next_host(&srv2.reg, NULL);
    assert_non_null(h);
    assert_false(h->deleted);
    assert_int_equal(h->naddrs, 1);
    assert_int_equal(h->lease, 7200);
    assert_int_equal(h->lease_end_ms, now + rem - away);
    assert_int_equal(h->key_lease_end_ms, now + key_rem - away);
    sv = srp_registry_next_service(&srv2.reg, h, NULL);
    assert_non_null(sv);
    assert_false(sv->deleted);
    assert_int_equal(sv->port, 5683);
    assert_int_equal(sv->lease_end_ms, now + rem - away);
    assert_non_null(strstr(view(&srv2, BR_SRP_SERVER_VIEW_HOSTS),
                           "otdev.default.service.arpa.\n    deleted: false\n"));
    assert_int_equal(br_srp_server_next_timeout(&srv2), now + rem - away);
    /* The shortened lease runs out on time. */
    br_srp_server_process(&srv2, now + rem - away - 1, WALL0);
    assert_int_equal(srv2.expired, 0);
    br_srp_server_process(&srv2, now + rem - away, WALL0);
    assert_true(srv2.expired > 0);
    assert_true(srp_registry_next_host(&srv2.reg, NULL)->deleted);
    assert_int_equal(br_srp_server_next_timeout(&srv2), now + rem - away + DELAY); /* a save */
    br_srp_server_free(&srv2);

    /* Wall clock unknown (0) or gone backwards: nothing is taken off. */
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, 0), 1);
    assert_int_equal(srp_registry_next_host(&srv2.reg, NULL)->lease_end_ms, now + rem);
    br_srp_server_free(&srv2);
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, WALL0 - away), 1);
    assert_int_equal(srp_registry_next_host(&srv2.reg, NULL)->lease_end_ms, now + rem);
    br_srp_server_free(&srv2);
}

static void test_reload_expired(void **state)
{
    (void)state;
    const uint64_t now = 50, rem = LEASE_MS, key_rem = KEY_LEASE_MS; /* when saved */
    const struct srp_host *h;
    const struct srp_service *sv;

    saved_registry();
    /* Away longer than the lease: the name stays claimed, deleted. */
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, SAVED_WALL + rem), 1);
    assert_int_equal(srv2.load_errors, 0);
    h = srp_registry_next_host(&srv2.reg, NULL);
    assert_non_null(h);
    assert_true(h->deleted);
    assert_int_equal(h->naddrs, 0);
    assert_int_equal(h->key_lease_end_ms, now + key_rem - rem);
    sv = srp_registry_next_service(&srv2.reg, h, NULL);
    assert_true(sv == NULL || sv->deleted);
    assert_non_null(strstr(view(&srv2, BR_SRP_SERVER_VIEW_HOSTS),
                           "otdev.default.service.arpa.\n    deleted: true\n"));
    br_srp_server_free(&srv2);

    /* Away longer than the key-lease: gone. */
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, SAVED_WALL + key_rem), 0);
    assert_int_equal(srv2.load_errors, 0);
    assert_int_equal(count_hosts(&srv2), 0);
    assert_int_equal(br_srp_server_next_timeout(&srv2), UINT64_MAX);
    br_srp_server_free(&srv2);
}

/* Starts srv2 from what is stored: refused whole (counted, registry empty),
 * the config (a separate record) still read, and still serving. */
static void assert_refused(const char *what)
{
    print_message("%s\n", what);
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, 50, WALL0 + 2 * DELAY), -1);
    assert_int_equal(srv2.load_errors, 1);
    assert_int_equal(count_hosts(&srv2), 0);
    assert_int_equal(br_srp_server_next_timeout(&srv2), UINT64_MAX);
    assert_false(srv2.enabled); /* config still loaded */
    br_srp_server_set_enabled(&srv2, true);
    register_host(&srv2, T0);
    assert_int_equal(count_hosts(&srv2), 1);
    br_srp_server_set_enabled(&srv2, false);
    br_srp_server_free(&srv2);
}

/* Starts srv2 from what is stored: the one host loaded, with the time away
 * since saved_wall taken off (saved with the whole lease remaining). */
static void assert_loads(uint64_t saved_wall, uint64_t load_partial)
{
    const uint64_t now = 50, wall = WALL0 + 2 * DELAY;

    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now, wall), 1);
    assert_int_equal(srv2.load_errors, 0);
    assert_int_equal(srv2.load_partial, load_partial);
    assert_int_equal(srp_registry_next_host(&srv2.reg, NULL)->lease_end_ms,
                     now + LEASE_MS - (wall - saved_wall));
    br_srp_server_free(&srv2);
}

/* A stored registry that does not check out is refused whole: a record
 * that does not parse (in either layout), or a set of chunks that is not
 * whole, does not agree or does not match its digest. */
static void test_corrupt_record_refused(void **state)
{
    (void)state;
    static uint8_t good[BR_SRP_SERVER_RECORD_MAX + 2], bad[BR_SRP_SERVER_RECORD_MAX + 2];
    static const uint8_t off = 0;
    size_t len = saved_registry();
    struct {
        const char *what;
        size_t len;
        size_t at; /* octet changed (len: none) */
        uint8_t val;
    } cases[] = {
        {"shorter than the time", 5, 5, 0},
        {"time only, no record", 8, 8, 0},
        {"last service cut short (host part intact)", len - 1, len - 1, 0},
        {"trailing octet", len + 1, len, 0},
        {"unknown version", len, 8, SRP_REGISTRY_BLOB_VERSION + 1},
        {"host count over what follows", len, 10, 2},            /* low octet of the u16 count */
        {"service of a host that is not there", len, 13 + 0, 0}, /* patched below */
        {"over the record size", BR_SRP_SERVER_RECORD_MAX + 1, BR_SRP_SERVER_RECORD_MAX + 1, 0},
    };
    struct {
        const char *what;
        unsigned chunk; /* of the two */
        unsigned at;    /* octet of that value changed (or below) */
        uint8_t val;
    } chunk_cases[] = {
        {"digest wrong (in both chunks)", 2, C_DIGEST, 0},
        {"a payload octet changed", 1, HDR, 0},
        {"unknown chunk format", 1, 0, BR_SRP_SERVER_STORE_FORMAT + 1},
        {"index past the count", 1, C_INDEX, 2},
        {"chunks disagree on the count", 1, C_COUNT, 3},
        {"chunks disagree on the length", 1, C_LEN + 3, 0},
        {"a chunk cut short", 1, 0, 0},
        {"a chunk missing", 1, 0, 0},
        {"a chunk twice", 1, C_INDEX, 0},
        {"chunks of different generations", 1, C_GEN + 3, 2},
    };

    assert_true(len > 12 && len < 1000);
    memcpy(good, rec, len);
    /* The service's host index: the octet after its flags, right after the
     * one host (its length is the record less the service's). */
    assert_int_equal(good[8], SRP_REGISTRY_BLOB_VERSION);
    assert_int_equal(good[9] << 8 | good[10], 1);  /* nhosts (u16) */
    assert_int_equal(good[11] << 8 | good[12], 1); /* nservices (u16) */
    {
        /* name lengths: flags(1) len(1) name pubkey(64) naddrs(1) addrs ttl/leases(12) rem(16) */
        size_t host_len = 2 + good[14] + SRP_PUBKEY_LEN;
        host_len += 1 + 16u * good[13 + host_len] + 12 + 16;
        assert_int_equal(good[13 + host_len], 0);     /* service flags: live */
        assert_int_equal(good[13 + host_len + 1], 0); /* its host: index 0 (u16) */
        assert_int_equal(good[13 + host_len + 2], 0);
        cases[6].at = 13 + host_len + 2;
        cases[6].val = 1;
    }
    chunk_cases[5].val = (uint8_t)(len + 1); /* the low octet of the length */
    assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_SERVER_CFG, &off, 1), 0);

    /* Records that do not parse, stored as a set of two chunks (digest
     * right) and in the previous layout (one value; the time's first octet
     * is 0). */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t legacy_len = cases[i].len < KV_VALUE_MAX ? cases[i].len : KV_VALUE_MAX;

        memcpy(bad, good, len);
        memset(bad + len, 0, sizeof bad - len);
        if (cases[i].at < cases[i].len)
            bad[cases[i].at] = cases[i].val;
        assert_int_equal(bad[0], 0);
        assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
        /* Two chunks, or as many as the record needs (the largest case). */
        put_set(1, bad, cases[i].len,
                cases[i].len > 2 * BR_SRP_SERVER_CHUNK_PAYLOAD
                    ? (unsigned)((cases[i].len + BR_SRP_SERVER_CHUNK_PAYLOAD - 1) /
                                 BR_SRP_SERVER_CHUNK_PAYLOAD)
                    : 2);
        assert_refused(cases[i].what);
        assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_REGISTRY, bad, legacy_len), 0);
        assert_refused(cases[i].what);
    }

    /* A good record in chunks that do not check out: never used in part. */
    for (size_t i = 0; i < sizeof chunk_cases / sizeof chunk_cases[0]; i++) {
        unsigned c = chunk_cases[i].chunk, at = chunk_cases[i].at;

        assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
        put_set(1, good, len, 2);
        assert_int_equal(st.nreg, 2);
        if (c == 2) {
            st.reg[0][at] ^= 0x01;
            st.reg[1][at] ^= 0x01;
        } else if (at == HDR) {
            st.reg[c][at] ^= 0x01;
        } else if (strcmp(chunk_cases[i].what, "a chunk cut short") == 0) {
            st.reg_len[c]--;
        } else if (strcmp(chunk_cases[i].what, "a chunk missing") == 0) {
            st.nreg--;
        } else if (strcmp(chunk_cases[i].what, "a chunk twice") == 0) {
            memcpy(st.reg[1], st.reg[0], st.reg_len[0]);
            st.reg_len[1] = st.reg_len[0];
        } else {
            st.reg[c][at] = chunk_cases[i].val;
        }
        assert_refused(chunk_cases[i].what);
    }

    /* Unchanged, both layouts still load (the cases above were the cause). */
    assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
    put_set(1, good, len, 2);
    assert_loads(SAVED_WALL, 0);
    assert_int_equal(kv_set(&st.kv, SETTINGS_KEY_SRP_REGISTRY, good, len), 0);
    assert_loads(SAVED_WALL, 0);
}

/* A newer set not whole (a save cut short) or not matching its digest is
 * left out: the older whole set loads, load_partial counts it, and the next
 * save deletes it. */
static void test_partial_newer_set(void **state)
{
    (void)state;
    static uint8_t good[BR_SRP_SERVER_RECORD_MAX];
    size_t len = saved_registry();
    uint32_t gen = 0;
    static const char *const what[] = {
        "newest set: a chunk missing", "newest set: a chunk cut short",
        "newest set: a chunk's header damaged", "newest set: whole but damaged (digest)"};

    memcpy(good, rec, len);
    for (size_t i = 0; i < sizeof what / sizeof what[0]; i++) {
        print_message("%s\n", what[i]);
        assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
        put_set(1, good, len, 1);
        be64_put(good, WALL0 + 2 * DELAY); /* the newer set: saved later */
        put_set(2, good, len, 2);
        be64_put(good, SAVED_WALL);
        assert_int_equal(st.nreg, 3);
        if (i == 0)
            st.nreg--;
        else if (i == 1)
            st.reg_len[2]--;
        else if (i == 2)
            st.reg[2][0] = 0xff;
        else
            st.reg[2][HDR] ^= 0x01;
        assert_loads(SAVED_WALL, 1); /* the older set's time */
    }
    /* Whole, the newer set is the one loaded. */
    assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
    put_set(1, good, len, 1);
    be64_put(good, WALL0 + 2 * DELAY);
    put_set(2, good, len, 2);
    assert_loads(WALL0 + 2 * DELAY, 0);

    /* Newer chunks alone, no older set: nothing to load, refused. */
    assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, 0), 0);
    st.nreg--;
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, 50, WALL0), -1);
    assert_int_equal(srv2.load_errors, 1);
    assert_int_equal(count_hosts(&srv2), 0);
    br_srp_server_free(&srv2);

    /* The next save after a partial load deletes the partial set. */
    be64_put(good, SAVED_WALL);
    assert_int_equal(kv_delete(&st.kv, SETTINGS_KEY_SRP_REGISTRY, -1), 0);
    put_set(1, good, len, 1);
    put_set(2, good, len, 2);
    st.nreg--;
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 50, WALL0 + 2 * DELAY), 1);
    assert_int_equal(srv.load_partial, 1);
    register_host(&srv, 60);
    br_srp_server_flush(&srv, 60, WALL0 + 3 * DELAY);
    assert_int_equal(srv.saves, 1);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(st.nreg, 1);
    assert_int_equal(be64_get(rec), WALL0 + 3 * DELAY);
    br_srp_server_free(&srv);
}

/* A failed coalesced write (a renewal's; -EIO, the store keeps its
 * previous contents) is counted and the registry written again later,
 * after a back-off that doubles (DELAY, 2 DELAY, ...
 * BR_SRP_SERVER_SAVE_RETRY_MAX_MS), or by the flush at shutdown; the set
 * stored before stays whole and loadable meanwhile. */
static void test_save_failure(void **state)
{
    (void)state;
    uint32_t gen = 0;
    uint64_t t;
    uint32_t backoff;

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, 0);  /* saved at once */
    register_host(&srv, T0); /* a renewal: saved DELAY later */
    assert_int_equal(srv.saves, 1);
    st.mem.fail = true;
    br_srp_server_process(&srv, T0 + DELAY, WALL0 + DELAY);
    assert_int_equal(srv.save_errors, 1);
    assert_int_equal(srv.saves, 1);
    stored_set(&gen);
    assert_int_equal(gen, 1);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 2 * DELAY); /* the retry */
    br_srp_server_process(&srv, T0 + 2 * DELAY - 1, WALL0);
    assert_int_equal(srv.save_errors, 1);
    br_srp_server_process(&srv, T0 + 2 * DELAY, WALL0);
    assert_int_equal(srv.save_errors, 2);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 4 * DELAY); /* doubled */
    br_srp_server_process(&srv, T0 + 4 * DELAY - 1, WALL0);
    assert_int_equal(srv.save_errors, 2);
    st.mem.fail = false;
    br_srp_server_process(&srv, T0 + 4 * DELAY, WALL0 + 4 * DELAY);
    assert_int_equal(srv.saves, 2);
    assert_int_equal(srv.save_errors, 2);
    assert_int_equal(srv.save_backoff_ms, 0);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(be64_get(rec), WALL0 + 4 * DELAY);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + LEASE_MS);
    br_srp_server_free(&srv);
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, 0, WALL0 + 4 * DELAY), 1);
    br_srp_server_free(&srv2);

    /* A chunk write that fails: the previous set stays whole and loads;
     * retried after 1 s, 2 s, 4 s ... up to 60 s, each failure counted. */
    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, T0); /* saved at once, wall clock WALL0 + T0 */
    br_srp_server_flush(&srv, T0, WALL0);
    assert_int_equal(srv.saves, 1);
    register_host(&srv, T0 + 10); /* a refresh: saved DELAY later */
    st.fail_reg_add = true;
    t = T0 + 10 + DELAY;
    backoff = DELAY;
    for (unsigned i = 1; i <= 8; i++) {
        br_srp_server_process(&srv, t, WALL0 + t);
        assert_int_equal(srv.save_errors, i);
        assert_int_equal(srv.saves, 1);
        assert_int_equal(srv.save_backoff_ms, backoff);
        assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "save-pending: 1\n"));
        assert_int_equal(br_srp_server_next_timeout(&srv), t + backoff);
        br_srp_server_process(&srv, t + backoff - 1, WALL0 + t); /* not before its time */
        assert_int_equal(srv.save_errors, i);
        stored_set(&gen); /* the previous set, whole */
        assert_int_equal(gen, 1);
        assert_int_equal(be64_get(rec), WALL0 + T0);
        assert_int_equal(br_srp_server_init(&srv2, &st.kv, 0, WALL0 + T0), 1);
        assert_int_equal(srv2.load_errors + srv2.load_partial, 0);
        br_srp_server_free(&srv2);
        t += backoff;
        backoff = 2 * backoff > BR_SRP_SERVER_SAVE_RETRY_MAX_MS ? BR_SRP_SERVER_SAVE_RETRY_MAX_MS
                                                                : 2 * backoff;
    }
    assert_int_equal(srv.save_backoff_ms, BR_SRP_SERVER_SAVE_RETRY_MAX_MS);
    st.fail_reg_add = false;
    br_srp_server_process(&srv, t, WALL0 + t);
    assert_int_equal(srv.saves, 2);
    assert_int_equal(srv.save_errors, 8);
    assert_int_equal(srv.save_backoff_ms, 0);
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "saves: 2\nsave-errors: 8\n"));
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "save-pending: 0\n"));
    assert_int_equal(st.nreg, 1); /* the old set deleted */
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(be64_get(rec), WALL0 + t);
    br_srp_server_free(&srv);

    /* Shutdown right after a failed save: the flush writes it. */
    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, 0);
    register_host(&srv, T0); /* a renewal */
    st.mem.fail = true;
    br_srp_server_process(&srv, T0 + DELAY, WALL0);
    assert_int_equal(srv.save_errors, 1);
    st.mem.fail = false;
    br_srp_server_flush(&srv, T0 + DELAY + 1, WALL0 + DELAY);
    assert_int_equal(srv.saves, 2);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(be64_get(rec), WALL0 + DELAY);
    br_srp_server_free(&srv);

    /* A config write that fails is counted; the switch still takes effect. */
    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    st.mem.fail = true;
    br_srp_server_set_enabled(&srv, false);
    assert_false(srv.enabled);
    assert_int_equal(srv.save_errors, 1);
    assert_int_equal(st.mem.writes, 0);
    br_srp_server_free(&srv);
}

/* Expiry while running is counted and saved (DELAY later). */
static void test_expiry_saved(void **state)
{
    (void)state;
    uint32_t gen = 0;

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    register_host(&srv, T0);
    br_srp_server_flush(&srv, T0, WALL0);
    assert_int_equal(srv.saves, 1);
    br_srp_server_process(&srv, T0 + LEASE_MS, WALL0 + LEASE_MS);
    assert_int_equal(srv.expired, 2); /* the host and its service */
    assert_int_equal(srv.saves, 1);
    br_srp_server_process(&srv, T0 + LEASE_MS + DELAY, WALL0 + LEASE_MS + DELAY);
    assert_int_equal(srv.saves, 2);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(st.nreg, 1);
    assert_int_equal(be64_get(rec), WALL0 + LEASE_MS + DELAY);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + KEY_LEASE_MS);
    br_srp_server_free(&srv);
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, 0, WALL0 + LEASE_MS + DELAY), 1);
    assert_true(srp_registry_next_host(&srv2.reg, NULL)->deleted);
    br_srp_server_free(&srv2);
}

/* One update (a vector or a client's) into s at now_ms: its outcome, the
 * response checked to carry the query's id and the outcome's RCODE. */
static enum srp_err input_msg(struct br_srp_server *s, uint64_t now_ms, const uint8_t *msg,
                              size_t len)
{
    uint8_t out[BR_SRP_SERVER_REPLY_MAX];
    size_t out_len = 0;
    enum srp_err e = SRP_ERR__COUNT;
    struct dns_hdr q, r;

    assert_true(br_srp_server_input(s, now_ms, msg, len, true, out, &out_len, &e));
    assert_int_equal(dns_hdr_read(msg, len, &q), DNS_OK);
    assert_int_equal(dns_hdr_read(out, out_len, &r), DNS_OK);
    assert_int_equal(r.id, q.id);
    assert_int_equal(dns_hdr_rcode(&r), srp_err_rcode(e));
    return e;
}

static enum srp_err input_vec(struct br_srp_server *s, uint64_t now_ms, const char *name)
{
    uint8_t msg[1500];
    size_t len = vec(name, msg, sizeof msg);

    return input_msg(s, now_ms, msg, len);
}

/* What a restart right now would find (as after a SIGKILL: no flush): the
 * stored registry loaded into srv2 (one host expected), for a look. */
static const struct srp_host *restart_host(uint64_t now_ms, uint64_t wall_ms)
{
    assert_int_equal(br_srp_server_init(&srv2, &st.kv, now_ms, wall_ms), 1);
    assert_int_equal(srv2.load_errors + srv2.load_partial, 0);
    return srp_registry_next_host(&srv2.reg, NULL);
}

/* A client of our own (src/dns/srp_client.h) with host "cdev" and one
 * service, registering address fd00::<tail>. */
static struct srp_client cli;
static struct {
    uint8_t msg[SRP_CLIENT_MSG_MAX];
    size_t len;
} cupd;

static void client_setup(void)
{
    uint8_t rnd[48], priv[SRP_CLIENT_KEY_LEN];

    for (unsigned k = 0; k < sizeof rnd; k++)
        rnd[k] = (uint8_t)(k * 7 + 3);
    assert_int_equal(srp_client_make_key(rnd, sizeof rnd, priv), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_init(&cli, priv, 1), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_host_name(&cli, "cdev", 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_add_service(&cli, "cins", "_c._udp", 1234, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_OK);
}

/* The client's update for address fd00::<tail>, built and signed at now_ms. */
static void client_update(uint8_t tail, uint64_t now_ms)
{
    static const uint8_t server[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53};
    uint8_t addr[1][16] = {{0xfd, 0}};
    const uint8_t *m = NULL;
    uint8_t dst[16];
    uint16_t dport;

    addr[0][15] = tail;
    srp_client_set_auto_addrs(&cli, addr, 1, now_ms);
    srp_client_set_server(&cli, server, 53535, now_ms);
    cli.waiting = false; /* a fresh update each time: the answer is not fed back */
    cli.tx_at_ms = now_ms;
    assert_true(srp_client_poll(&cli, now_ms, &m, &cupd.len, dst, &dport));
    assert_true(cupd.len <= sizeof cupd.msg);
    memcpy(cupd.msg, m, cupd.len);
}

/* Issue 11: an accepted change of contents is in the store when its
 * response is handed out, so a SIGKILL right after the reply loses
 * nothing: a new registration, a removed service, a removed host, a
 * registration again, a changed address set. Each restart below reads the
 * store with no flush and no process() in between. */
static void test_change_saved_before_response(void **state)
{
    (void)state;
    const struct srp_host *h;
    const struct srp_service *sv;
    uint32_t gen = 0;

    static const struct {
        const char *vec;
        bool host_deleted, service_live;
    } steps[] = {
        {"ot-register.hex", false, true},        /* a new host and service */
        {"ot-remove-service.hex", false, false}, /* a service removed */
        {"ot-remove-host.hex", true, false},     /* the host removed */
        {"ot-register.hex", false, true},        /* registered again */
    };

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    for (unsigned i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        const uint64_t t = T0 + 10 * i;

        print_message("%s\n", steps[i].vec);
        assert_int_equal(input_vec(&srv, t, steps[i].vec), SRP_OK);
        stored_set(&gen);
        assert_int_equal(gen, i + 1);
        h = restart_host(50, WALL0 + t);
        assert_int_equal(h->deleted, steps[i].host_deleted);
        assert_int_equal(h->naddrs, steps[i].host_deleted ? 0 : 1);
        sv = srp_registry_next_service(&srv2.reg, h, NULL);
        if (steps[i].service_live) {
            assert_non_null(sv);
            assert_false(sv->deleted);
            assert_int_equal(sv->port, 5683);
        } else {
            assert_true(sv == NULL || sv->deleted);
        }
        br_srp_server_free(&srv2);
    }
    assert_int_equal(st.mem.writes, 1 + 3 * 2); /* then one chunk added, one deleted each */
    assert_int_equal(srv.saves, 4);
    assert_int_equal(srv.saves_sync, 4);
    assert_int_equal(srv.save_errors, 0);
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "save-pending: 0\n"));
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "saves-sync: 4\n"));
    br_srp_server_free(&srv);

    /* A changed address set (the same key, names and service). */
    store_init(&st);
    client_setup();
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    client_update(1, T0);
    assert_int_equal(input_msg(&srv, T0, cupd.msg, cupd.len), SRP_OK);
    assert_int_equal(srv.saves_sync, 1);
    client_update(2, T0 + 10);
    assert_int_equal(input_msg(&srv, T0 + 10, cupd.msg, cupd.len), SRP_OK);
    assert_int_equal(srv.saves_sync, 2);
    h = restart_host(50, WALL0 + T0 + 10);
    assert_int_equal(h->naddrs, 1);
    assert_int_equal(h->addrs[0][15], 2);
    br_srp_server_free(&srv2);
    br_srp_server_free(&srv);
}

/* Issue 11: a change that cannot be stored is refused, not acknowledged
 * and lost: SERVFAIL (SRP_ERR_SAVE_FAILED, counted as "save-failed"), the
 * registry exactly as before the update (nothing half-registered), the
 * store's set untouched; the client's retry succeeds once the store does. */
static void test_save_failure_refused(void **state)
{
    (void)state;
    static struct srp_registry before;
    const struct srp_host *h;
    const struct srp_service *sv;
    uint32_t gen = 0;

    /* A new registration while every write fails. */
    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    memcpy(&before, &srv.reg, sizeof before);
    st.mem.fail = true;
    assert_int_equal(input_vec(&srv, T0, "ot-register.hex"), SRP_ERR_SAVE_FAILED);
    assert_int_equal(srp_err_rcode(SRP_ERR_SAVE_FAILED), 2); /* SERVFAIL */
    assert_memory_equal(&srv.reg, &before, sizeof before);
    assert_int_equal(count_hosts(&srv), 0);
    assert_int_equal(br_srp_server_next_timeout(&srv), UINT64_MAX); /* nothing pending */
    assert_int_equal(srv.results[SRP_ERR_SAVE_FAILED], 1);
    assert_int_equal(srv.results[SRP_OK], 0);
    assert_int_equal(srv.save_errors, 1);
    assert_int_equal(srv.saves, 0);
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "\nsave-failed: 1\n"));
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "save-pending: 0\n"));
    assert_int_equal(st.nreg, 0);
    /* The retry, the store working again. */
    st.mem.fail = false;
    register_host(&srv, T0 + 10);
    stored_set(&gen);
    assert_int_equal(gen, 1);

    /* A change to a stored registration with a renewal pending: the chunk
     * write fails; back to the state before the update (the renewal's lease
     * kept, still pending), the stored set whole. */
    register_host(&srv, T0 + 20); /* a renewal: pending */
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 20 + DELAY);
    memcpy(&before, &srv.reg, sizeof before);
    st.fail_reg_add = true;
    assert_int_equal(input_vec(&srv, T0 + 30, "ot-remove-service.hex"), SRP_ERR_SAVE_FAILED);
    assert_memory_equal(&srv.reg, &before, sizeof before);
    sv = srp_registry_next_service(&srv.reg, srp_registry_next_host(&srv.reg, NULL), NULL);
    assert_non_null(sv);
    assert_false(sv->deleted);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 20 + DELAY);
    assert_int_equal(srv.results[SRP_ERR_SAVE_FAILED], 2);
    assert_int_equal(srv.save_errors, 2);
    stored_set(&gen);
    assert_int_equal(gen, 1);
    h = restart_host(50, WALL0 + T0 + 30);
    sv = srp_registry_next_service(&srv2.reg, h, NULL);
    assert_non_null(sv);
    assert_false(sv->deleted);
    br_srp_server_free(&srv2);
    /* Store back: the retry is saved before its response. */
    st.fail_reg_add = false;
    assert_int_equal(input_vec(&srv, T0 + 40, "ot-remove-service.hex"), SRP_OK);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(st.nreg, 1); /* what the failed attempt left, pruned */
    h = restart_host(50, WALL0 + T0 + 40);
    sv = srp_registry_next_service(&srv2.reg, h, NULL);
    assert_true(sv == NULL || sv->deleted);
    br_srp_server_free(&srv2);
    assert_int_equal(br_srp_server_next_timeout(&srv), T0 + 40 + LEASE_MS); /* renewal went too */
    br_srp_server_free(&srv);

    /* No store at all: nothing to save, accepted as before. */
    assert_int_equal(br_srp_server_init(&srv, NULL, 0, WALL0), 0);
    register_host(&srv, T0);
    assert_int_equal(srv.saves_sync, 0);
    br_srp_server_free(&srv);
}

/* A renewal (the same contents, a new lease end) is not written before its
 * response but coalesced DELAY later; a failed renewal save is retried, never
 * refused (test_save_failure). */
static void test_renewal_coalesced(void **state)
{
    (void)state;
    const uint64_t t = T0 + 100 * DELAY;
    uint32_t gen = 0;
    const struct srp_host *h;

    store_init(&st);
    client_setup();
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    client_update(1, T0);
    assert_int_equal(input_msg(&srv, T0, cupd.msg, cupd.len), SRP_OK);
    assert_int_equal(st.mem.writes, 1);
    client_update(1, t); /* the same address again */
    assert_int_equal(input_msg(&srv, t, cupd.msg, cupd.len), SRP_OK);
    assert_int_equal(st.mem.writes, 1);
    assert_int_equal(srv.saves_sync, 1);
    assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "save-pending: 1\n"));
    assert_int_equal(br_srp_server_next_timeout(&srv), t + DELAY);
    /* Until then the store has the registration's save (its lease end). */
    stored_set(&gen);
    assert_int_equal(gen, 1);
    assert_int_equal(be64_get(rec), WALL0 + T0);
    h = restart_host(50, WALL0 + T0);
    assert_int_equal(h->lease_end_ms, 50 + SRP_CLIENT_DEFAULT_LEASE * 1000ull);
    br_srp_server_free(&srv2);
    br_srp_server_process(&srv, t + DELAY, WALL0 + t + DELAY);
    assert_int_equal(srv.saves, 2);
    assert_int_equal(srv.saves_sync, 1);
    stored_set(&gen);
    assert_int_equal(gen, 2);
    assert_int_equal(be64_get(rec), WALL0 + t + DELAY);
    br_srp_server_free(&srv);
}

/* The registry's live capacity (br_srp_server_set_capacity): hosts of
 * distinct devices (each its own key) fill it; one more is refused whole
 * (SERVFAIL, counted as registry-full) and so is an instance over the
 * service limit; raising the limit lets them in. */
static void test_capacity(void **state)
{
    static struct srp_client devs[5];
    static uint8_t msg[SRP_CLIENT_MSG_MAX];
    static const uint8_t server[16] = {0xfd, [15] = 0x53};
    (void)state;

    store_init(&st);
    assert_int_equal(br_srp_server_init(&srv, &st.kv, 0, WALL0), 0);
    assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_CAPACITY),
                        "hosts: 0/2048 (pool 2048)\nservices: 0/4096 (pool 4096)\n");
    assert_false(br_srp_server_set_capacity(&srv, 0, 1));
    assert_false(br_srp_server_set_capacity(&srv, 1, 0));
    assert_false(br_srp_server_set_capacity(&srv, SRP_MAX_HOSTS + 1, 1));
    assert_false(br_srp_server_set_capacity(&srv, 1, SRP_MAX_SERVICES + 1));
    assert_true(br_srp_server_set_capacity(&srv, 3, 4));
    for (unsigned d = 0; d < 5; d++) {
        uint8_t rnd[48], priv[SRP_CLIENT_KEY_LEN], addr[1][16] = {{0xfd, [15] = 1}};
        char host[16];
        const uint8_t *m = NULL;
        size_t len = 0;
        uint8_t dst[16];
        uint16_t dport;
        enum srp_err want = d < 3 ? SRP_OK : SRP_ERR_REGISTRY_FULL;

        for (unsigned k = 0; k < sizeof rnd; k++)
            rnd[k] = (uint8_t)(k * 5 + d * 11 + 1);
        assert_int_equal(srp_client_make_key(rnd, sizeof rnd, priv), SRP_CLIENT_ERR_OK);
        assert_int_equal(srp_client_init(&devs[d], priv, 1), SRP_CLIENT_ERR_OK);
        snprintf(host, sizeof host, "dev%u", d);
        assert_int_equal(srp_client_set_host_name(&devs[d], host, 0), SRP_CLIENT_ERR_OK);
        assert_int_equal(srp_client_add_service(&devs[d], host, "_c._udp", 1234, 0, 0, NULL, 0, 0),
                         SRP_CLIENT_ERR_OK);
        addr[0][14] = (uint8_t)d;
        srp_client_set_auto_addrs(&devs[d], addr, 1, T0);
        srp_client_set_server(&devs[d], server, 53535, T0);
        devs[d].tx_at_ms = T0;
        assert_true(srp_client_poll(&devs[d], T0, &m, &len, dst, &dport));
        memcpy(msg, m, len);
        if (d == 3) {
            /* Host limit reached: refused, nothing changed. */
            assert_int_equal(input_msg(&srv, T0, msg, len), want);
            assert_int_equal(count_hosts(&srv), 3);
            assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "registry-full: 1\n"));
            /* Room for a fourth host, but its instance would be the fifth. */
            assert_true(br_srp_server_set_capacity(&srv, 5, 4));
            assert_int_equal(input_msg(&srv, T0, msg, len), SRP_OK);
            continue;
        }
        if (d == 4) {
            assert_int_equal(input_msg(&srv, T0, msg, len), SRP_ERR_REGISTRY_FULL);
            assert_non_null(strstr(view(&srv, BR_SRP_SERVER_VIEW_COUNTERS), "registry-full: 2\n"));
            assert_string_equal(view(&srv, BR_SRP_SERVER_VIEW_CAPACITY),
                                "hosts: 4/5 (pool 2048)\nservices: 4/4 (pool 4096)\n");
            assert_true(br_srp_server_set_capacity(&srv, 5, 5));
            assert_int_equal(input_msg(&srv, T0, msg, len), SRP_OK);
            continue;
        }
        assert_int_equal(input_msg(&srv, T0, msg, len), want);
    }
    assert_int_equal(count_hosts(&srv), 5);
    assert_int_equal(srv.results[SRP_ERR_REGISTRY_FULL], 2);
    /* Lowered below what is held: nothing goes, nothing new comes in. */
    assert_true(br_srp_server_set_capacity(&srv, 2, 2));
    assert_int_equal(count_hosts(&srv), 5);
    br_srp_server_free(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_without_store),
        cmocka_unit_test(test_settings_persisted),
        cmocka_unit_test(test_settings_first_version),
        cmocka_unit_test(test_counters_per_outcome),
        cmocka_unit_test(test_save_coalesced),
        cmocka_unit_test(test_reload_time_away),
        cmocka_unit_test(test_reload_expired),
        cmocka_unit_test(test_corrupt_record_refused),
        cmocka_unit_test(test_partial_newer_set),
        cmocka_unit_test(test_save_failure),
        cmocka_unit_test(test_expiry_saved),
        cmocka_unit_test(test_change_saved_before_response),
        cmocka_unit_test(test_save_failure_refused),
        cmocka_unit_test(test_renewal_coalesced),
        cmocka_unit_test(test_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
