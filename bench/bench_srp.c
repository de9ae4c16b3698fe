/*
 * SRP and DNS benchmark (a program, not a timed test).
 *
 *   tbr-srp-bench [--quick] [--store DIR] [--full DIR]
 *
 * In process, no I/O, median of 5 runs:
 *   - client: building and signing one update (srp_client_poll: DNS
 *     encoding + deterministic ECDSA P-256 signature);
 *   - server: one update parsed, its SIG(0) verified and applied to the
 *     registry (srp_parse_update + srp_verify_sig0_cx + srp_registry_apply),
 *     for SRP_MAX_HOSTS distinct devices re-registering in turn, with the
 *     P-256 group kept across updates as the agent does (struct srp_crypto),
 *     and without it (a group loaded per update);
 *   - the floor under it: one bare mbedTLS ECDSA P-256 verification, so the
 *     share of our own code is visible;
 *   - DNS: one AAAA query for a registered host answered from the registry
 *     (dns_server_query, local answer).
 *
 * With --store DIR (a directory on the disk the agent's state lives on):
 * one update through the border router's SRP server (br_srp_server_input)
 * with its registry stored in a settings file in DIR, for the same
 * SRP_MAX_HOSTS devices: a renewal (the same contents again: the save is
 * coalesced, none on the response path) and a change (each device's
 * address set alternates: saved before the response, issue 11).
 *
 * With --full DIR instead (issue 13, capacity): the border router's server
 * filled once to its pool (SRP_MAX_HOSTS devices, each saved before its
 * response, store in DIR), then the numbers of a full registry: the
 * registration time at the start and at the end, the record and settings
 * file sizes, the server's size and the process's peak RSS, and a
 * registration beyond a capacity one below the pool, refused as
 * registry-full.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>
#include <sys/stat.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>

#include "dns/dns_msg.h"
#include "dns/dns_server.h"
#include "dns/srp.h"
#include "dns/srp_client.h"

#include "br/srp_server.h"
#include "platform/settings.h"
#include "util/kv.h"

#define RUNS 5

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v)
{
    qsort(v, RUNS, sizeof(v[0]), cmp_u64);
    return v[RUNS / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "tbr-srp-bench: %s\n", what);
    exit(1);
}

static uint16_t seq16(void *ctx)
{
    uint32_t *x = ctx;

    *x = *x * 1103515245u + 12345u;
    return (uint16_t)(*x >> 16);
}

struct upd {
    uint8_t msg[SRP_CLIENT_MSG_MAX];
    size_t len;
};

static struct srp_client clients[SRP_MAX_HOSTS];
static struct upd upds[SRP_MAX_HOSTS];
static struct upd upds_b[SRP_MAX_HOSTS]; /* the same devices, another address */
static struct br_srp_server brs;
static struct srp_registry reg;
static struct srp_update parsed;
static struct dns_server dns;
static struct dns_server_action act;

/* One registering device i: key, host name, one address, one service. */
static void make_client(unsigned i)
{
    struct srp_client *c = &clients[i];
    uint8_t rnd[48], priv[SRP_CLIENT_KEY_LEN], addr[1][16] = {{0xfd, 0, 0, 0, 0, 0, 0, 1}};
    char name[32], inst[32];

    for (unsigned k = 0; k < sizeof(rnd); k++)
        rnd[k] = (uint8_t)(i * 131 + k * 7 + 1);
    rnd[0] = (uint8_t)(i >> 8); /* one key per device for all SRP_MAX_HOSTS of them */
    rnd[1] = (uint8_t)i;
    addr[0][14] = (uint8_t)(i >> 8);
    addr[0][15] = (uint8_t)(i + 1);
    snprintf(name, sizeof(name), "dev%u", i);
    snprintf(inst, sizeof(inst), "ins%u", i); /* an instance name is owned by one key */
    if (srp_client_make_key(rnd, sizeof(rnd), priv) != SRP_CLIENT_ERR_OK ||
        srp_client_init(c, priv, i + 1) != SRP_CLIENT_ERR_OK ||
        srp_client_set_host_name(c, name, 0) != SRP_CLIENT_ERR_OK ||
        srp_client_add_service(c, inst, "_bench._udp", 5683, 0, 0, NULL, 0, 0) != SRP_CLIENT_ERR_OK)
        die("client set-up failed");
    srp_client_set_auto_addrs(c, addr, 1, 0);
}

/* The client's next update, built and signed (its timers pushed to now). */
static void client_update(unsigned i, uint64_t t, struct upd *u)
{
    static const uint8_t server[16] = {0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x53};
    struct srp_client *c = &clients[i];
    const uint8_t *m = NULL;
    uint8_t dst[16];
    uint16_t dport;

    srp_client_set_server(c, server, 53535, t);
    c->waiting = false; /* a fresh update every time: no answer is awaited here */
    c->tx_at_ms = t;
    if (!srp_client_poll(c, t, &m, &u->len, dst, &dport) || u->len > sizeof(u->msg))
        die("the client built no update");
    memcpy(u->msg, m, u->len);
}

/* One update into the border router's server at now_ms: accepted. */
static void br_update(const struct upd *u, uint64_t now_ms)
{
    uint8_t out[BR_SRP_SERVER_REPLY_MAX];
    size_t out_len = 0;
    enum srp_err e = SRP_ERR__COUNT;

    if (!br_srp_server_input(&brs, now_ms, u->msg, u->len, true, out, &out_len, &e) ||
        e != SRP_OK) {
        fprintf(stderr, "br update: %s\n", srp_err_str(e));
        die("the border router's server refused an update");
    }
}

/* --full DIR: one registration per device into a store-backed server. */
static void bench_full(const char *dir)
{
    struct settings_config cfg = {dir, "bench.settings", NULL, NULL};
    struct settings *st = NULL;
    struct settings_report rep;
    struct kv kv;
    struct rusage ru;
    struct stat sb;
    static uint8_t blob[SRP_REGISTRY_BLOB_MAX];
    uint8_t out[BR_SRP_SERVER_REPLY_MAX];
    size_t out_len = 0, blob_len = 0;
    enum srp_err e = SRP_ERR__COUNT;
    uint64_t now = 10000, t0, t_first = 0, t_last = 0;
    char path[4096];
    const unsigned tenth = SRP_MAX_HOSTS / 10;

    snprintf(path, sizeof path, "%s/bench.settings", dir);
    (void)remove(path);
    if (settings_open(&cfg, &st, &rep) != SETTINGS_OK)
        die("cannot open the settings file in --full DIR");
    settings_kv(st, &kv);
    if (br_srp_server_init(&brs, &kv, now, 1790000000000ull) != 0)
        die("br_srp_server_init");
    if (!br_srp_server_set_capacity(&brs, SRP_MAX_HOSTS - 1, SRP_MAX_SERVICES))
        die("capacity");
    for (unsigned i = 0; i + 1 < SRP_MAX_HOSTS; i++) {
        t0 = now_ns();
        br_update(&upds[i], now);
        if (i < tenth)
            t_first += now_ns() - t0;
        else if (i + 1 + tenth >= SRP_MAX_HOSTS)
            t_last += now_ns() - t0;
    }
    /* One more device: over the capacity, refused whole. */
    if (!br_srp_server_input(&brs, now, upds[SRP_MAX_HOSTS - 1].msg, upds[SRP_MAX_HOSTS - 1].len,
                             true, out, &out_len, &e) ||
        e != SRP_ERR_REGISTRY_FULL)
        die("the update over the capacity was not refused as registry-full");
    if (srp_registry_save(&brs.reg, now, blob, sizeof blob, &blob_len) != SRP_OK ||
        stat(path, &sb) != 0 || getrusage(RUSAGE_SELF, &ru) != 0)
        die("measuring");
    printf("SRP server filled to %u hosts (capacity %u, pool %u hosts / %u services), store in "
           "%s\n",
           SRP_MAX_HOSTS - 1, SRP_MAX_HOSTS - 1, (unsigned)SRP_MAX_HOSTS,
           (unsigned)SRP_MAX_SERVICES, dir);
    printf("  registration, first %u devices          %8llu ns\n", tenth,
           (unsigned long long)(t_first / tenth));
    printf("  registration, last %u devices           %8llu ns  (saved before the response)\n",
           tenth, (unsigned long long)(t_last / tenth));
    printf("  one more: %s (registry-full %llu)\n", srp_err_str(e),
           (unsigned long long)brs.results[SRP_ERR_REGISTRY_FULL]);
    printf("  registry record %zu octets, settings file %lld octets\n", blob_len,
           (long long)sb.st_size);
    printf("  struct br_srp_server %zu octets (registry %zu); peak RSS %ld KiB\n",
           sizeof(struct br_srp_server), sizeof(struct srp_registry), ru.ru_maxrss);
    br_srp_server_free(&brs);
    settings_close(st);
    (void)remove(path);
}

/* --store DIR: renewals and changes through br_srp_server_input with the
 * registry in a settings file in dir (made afresh each run). */
static void bench_store(const char *dir, unsigned n)
{
    static const uint8_t addr_b[1][16] = {{0xfd, 0, 0, 0, 0, 0, 0, 2}};
    uint64_t r_renew[RUNS], r_change[RUNS], saves = 0, sync = 0;
    char path[4096];

    /* The second address set of every device (its first is in upds[]). */
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        uint8_t a[1][16];

        memcpy(a, addr_b, sizeof a);
        a[0][15] = (uint8_t)(i + 1);
        srp_client_set_auto_addrs(&clients[i], a, 1, 1500);
        client_update(i, 1500, &upds_b[i]);
    }
    snprintf(path, sizeof path, "%s/bench.settings", dir);
    for (int run = 0; run < RUNS; run++) {
        struct settings_config cfg = {dir, "bench.settings", NULL, NULL};
        struct settings *st = NULL;
        struct settings_report rep;
        struct kv kv;
        uint64_t t0, t1, now = 10000;

        (void)remove(path);
        if (settings_open(&cfg, &st, &rep) != SETTINGS_OK)
            die("cannot open the settings file in --store DIR");
        settings_kv(st, &kv);
        if (br_srp_server_init(&brs, &kv, now, 1790000000000ull) != 0)
            die("br_srp_server_init");
        for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
            br_update(&upds[i], now); /* the registry full: 32 hosts */
        t0 = now_ns();
        for (unsigned k = 0; k < n; k++)
            br_update(&upds[k % SRP_MAX_HOSTS], now);
        t1 = now_ns();
        r_renew[run] = (t1 - t0) / n;
        t0 = now_ns();
        for (unsigned k = 0; k < n; k++) {
            unsigned i = k % SRP_MAX_HOSTS;

            br_update((k / SRP_MAX_HOSTS) % 2 == 0 ? &upds_b[i] : &upds[i], now);
        }
        t1 = now_ns();
        r_change[run] = (t1 - t0) / n;
        saves = brs.saves;
        sync = brs.saves_sync;
        br_srp_server_free(&brs);
        settings_close(st);
    }
    (void)remove(path);
    printf("SRP server with its store in %s, median of %d runs (%u updates per run, %u hosts)\n",
           dir, RUNS, n, (unsigned)SRP_MAX_HOSTS);
    printf("  renewal (save coalesced)             %8llu ns\n",
           (unsigned long long)median(r_renew));
    printf("  change (saved before the response)   %8llu ns  (last run: %llu saves, %llu before a "
           "response)\n",
           (unsigned long long)median(r_change), (unsigned long long)saves,
           (unsigned long long)sync);
}

int main(int argc, char **argv)
{
    bool quick = false;
    const char *store = NULL, *full = NULL;
    unsigned rounds, n;
    uint64_t r_client[RUNS], r_server[RUNS], r_nocache[RUNS], r_floor[RUNS], r_dns[RUNS];
    struct srp_crypto cx;

    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0)
            quick = true;
        else if (strcmp(argv[a], "--store") == 0 && a + 1 < argc)
            store = argv[++a];
        else if (strcmp(argv[a], "--full") == 0 && a + 1 < argc)
            full = argv[++a];
        else
            die("usage: tbr-srp-bench [--quick] [--store DIR] [--full DIR]");
    }
    rounds = quick ? 2 : 10;
    n = rounds * SRP_MAX_HOSTS;
    srp_crypto_init(&cx);

    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        make_client(i);
        client_update(i, 1000, &upds[i]);
    }
    if (full != NULL) {
        bench_full(full);
        return 0;
    }
    if (store != NULL)
        bench_store(store, n);

    for (int run = 0; run < RUNS; run++) {
        uint64_t t0 = now_ns(), t1;

        /* client: build + sign */
        for (unsigned k = 0; k < n; k++)
            client_update(k % SRP_MAX_HOSTS, 2000 + k, &upds[k % SRP_MAX_HOSTS]);
        t1 = now_ns();
        r_client[run] = (t1 - t0) / n;

        /* server: parse + verify + apply, group kept (cached) or not */
        for (int cached = 1; cached >= 0; cached--) {
            srp_registry_init(&reg);
            t0 = now_ns();
            for (unsigned k = 0; k < n; k++) {
                const struct upd *u = &upds[k % SRP_MAX_HOSTS];
                enum srp_err e = srp_parse_update(u->msg, u->len, &parsed);

                if (e == SRP_OK)
                    e = srp_verify_sig0_cx(cached ? &cx : NULL, u->msg, u->len, &parsed);
                if (e == SRP_OK)
                    e = srp_registry_apply(&reg, &parsed, 5000 + k, NULL, NULL);
                if (e != SRP_OK) {
                    fprintf(stderr, "update %u: %s\n", k, srp_err_str(e));
                    die("the server refused an update");
                }
            }
            t1 = now_ns();
            (cached ? r_server : r_nocache)[run] = (t1 - t0) / n;
        }

        /* the floor: mbedTLS ECDSA verify alone, same key and signature */
        {
            mbedtls_ecp_group grp;
            mbedtls_ecp_point q;
            mbedtls_mpi r, s;
            uint8_t pt[1 + SRP_PUBKEY_LEN], hash[32] = {1};
            unsigned m = n / 4 + 1;

            mbedtls_ecp_group_init(&grp);
            mbedtls_ecp_point_init(&q);
            mbedtls_mpi_init(&r);
            mbedtls_mpi_init(&s);
            pt[0] = 0x04;
            memcpy(pt + 1, parsed.pubkey, SRP_PUBKEY_LEN);
            if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
                mbedtls_ecp_point_read_binary(&grp, &q, pt, sizeof(pt)) != 0 ||
                mbedtls_mpi_read_binary(&r, parsed.signature, 32) != 0 ||
                mbedtls_mpi_read_binary(&s, parsed.signature + 32, 32) != 0)
                die("mbedTLS set-up failed");
            t0 = now_ns();
            for (unsigned k = 0; k < m; k++)
                (void)mbedtls_ecdsa_verify(&grp, hash, sizeof(hash), &q, &r, &s);
            t1 = now_ns();
            r_floor[run] = (t1 - t0) / m;
            mbedtls_mpi_free(&s);
            mbedtls_mpi_free(&r);
            mbedtls_ecp_point_free(&q);
            mbedtls_ecp_group_free(&grp);
        }

        /* DNS: AAAA for a registered host, answered from the registry */
        {
            struct dns_server_cfg cfg;
            struct dns_srp_ops ops;
            uint32_t seed = 7;
            uint8_t q[128], src[16] = {0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9};
            struct dns_builder b;
            struct dns_name name;
            size_t qlen = 0;
            unsigned m = n * 20;

            dns_server_cfg_default(&cfg);
            srp_registry_dns_ops(&ops);
            cfg.srp = &ops;
            cfg.srp_ctx = &reg;
            cfg.rand16 = seq16;
            cfg.rand_ctx = &seed;
            if (!dns_server_init(&dns, &cfg) ||
                dns_name_from_text("dev7.default.service.arpa.", &name) != DNS_OK)
                die("DNS set-up failed");
            dns_build_init(&b, q, sizeof(q), 0x1234, DNS_FLAG_RD);
            dns_build_question(&b, &name, DNS_TYPE_AAAA, DNS_CLASS_IN);
            if (dns_build_finish(&b, &qlen) != DNS_OK)
                die("DNS query build failed");
            t0 = now_ns();
            for (unsigned k = 0; k < m; k++) {
                dns_server_query(&dns, 9000, q, qlen, src, 5353, NULL, true, &act);
                if (act.kind != DNS_SERVER_ACT_REPLY)
                    die("no local answer");
            }
            t1 = now_ns();
            r_dns[run] = (t1 - t0) / m;
        }
    }
    printf("SRP/DNS, in process, median of %d runs (%u updates per run, %u devices)\n", RUNS, n,
           (unsigned)SRP_MAX_HOSTS);
    printf("  client: build + sign one update      %8llu ns\n",
           (unsigned long long)median(r_client));
    printf("  server: parse + verify + apply       %8llu ns  (%.0f updates/s)\n",
           (unsigned long long)median(r_server), 1e9 / (double)median(r_server));
    printf("    the same, P-256 group per update   %8llu ns\n",
           (unsigned long long)median(r_nocache));
    printf("  floor: mbedTLS ECDSA P-256 verify    %8llu ns\n",
           (unsigned long long)median(r_floor));
    printf("  DNS: AAAA answered from the registry %8llu ns  (%.0f queries/s)\n",
           (unsigned long long)median(r_dns), 1e9 / (double)median(r_dns));
    srp_crypto_free(&cx);
    return 0;
}
