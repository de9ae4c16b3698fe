/*
 * Translator benchmark (a program, not a timed test).
 *
 *   tbr-bench [--quick] [--max-sessions N]
 *
 * For 1, 1k, 100k and 1M established sessions (stateful, address mode):
 * ns per packet for 6->4 and 4->6 with UDP, TCP and ICMP echo, each packet
 * hitting a random established session (so large tables pay their cache
 * misses); the new-session rate; and bytes per session of the table.
 * In-process: no I/O, so these are the translator's own costs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat64/nat64.h"
#include "util/rfc6052.h"
#include "util/csum.h"
#include "util/rd.h"

#define NPKT 4096 /* distinct prepared packets per measurement */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

struct flow {
    uint32_t host;  /* device index */
    uint16_t sport; /* device port / echo id */
};

static struct addr_prefix6 prefix;
static uint8_t peer4[4] = {192, 0, 2, 1};

static void dev_addr(uint32_t host, uint8_t a[16])
{
    addr_parse6("fd4c:9574:3720:1::", a);
    be32_put(a + 12, host + 1);
}

/* Builds the device's packet (6->4) for a flow. proto: 17, 6 or 58. */
static size_t mk6(uint8_t *p, const struct flow *f, uint8_t proto, uint8_t tcp_flags)
{
    size_t l4 = proto == 6 ? 20 + 32 : 8 + 32;
    memset(p, 0, 40 + l4);
    p[0] = 0x60;
    be16_put(p + 4, (uint16_t)l4);
    p[6] = proto;
    p[7] = 64;
    dev_addr(f->host, p + 8);
    rfc6052_synth(&prefix, peer4, p + 24);
    uint8_t *t = p + 40;
    if (proto == 58) {
        t[0] = 128;
        be16_put(t + 4, f->sport);
    } else {
        be16_put(t, f->sport);
        be16_put(t + 2, 443);
        if (proto == 17)
            be16_put(t + 4, (uint16_t)l4);
        else {
            t[12] = 0x50;
            t[13] = tcp_flags;
        }
    }
    size_t co = proto == 6 ? 16 : proto == 17 ? 6 : 2;
    be16_put(t + co,
             csum_finish(csum_add(csum_pseudo6(p + 8, p + 24, proto, (uint32_t)l4), t, l4)));
    return 40 + l4;
}

/* The IPv4 reply (4->6) to the translated packet q. */
static size_t mk4(uint8_t *p, const uint8_t *q, uint8_t proto)
{
    size_t l4 = proto == 6 ? 20 + 32 : 8 + 32;
    uint8_t p4 = proto == 58 ? 1 : proto;
    memset(p, 0, 20 + l4);
    p[0] = 0x45;
    be16_put(p + 2, (uint16_t)(20 + l4));
    p[6] = 0x40;
    p[8] = 64;
    p[9] = p4;
    memcpy(p + 12, q + 16, 4);
    memcpy(p + 16, q + 12, 4);
    be16_put(p + 10, csum_ip4_header(p, 20));
    uint8_t *t = p + 20;
    const uint8_t *qt = q + 20;
    if (p4 == 1) {
        t[0] = 0;
        memcpy(t + 4, qt + 4, 2);
    } else {
        memcpy(t, qt + 2, 2);
        memcpy(t + 2, qt, 2);
        if (p4 == 17)
            be16_put(t + 4, (uint16_t)l4);
        else {
            t[12] = 0x50;
            t[13] = 0x10;
        }
    }
    size_t co = p4 == 6 ? 16 : p4 == 17 ? 6 : 2;
    uint32_t s = p4 == 1 ? 0 : csum_pseudo4(p + 12, p + 16, p4, (uint32_t)l4);
    be16_put(t + co, csum_finish(csum_add(s, t, l4)));
    return 20 + l4;
}

static uint8_t obuf[XLAT_OUT_CAP];

struct prepared {
    uint8_t pkt[NPKT][128];
    size_t len[NPKT];
};

/* The clock advances 1 us per packet (about a 1 Mpps link), so sessions are
 * refreshed and moved in their expiry lists as under real traffic. */
static double run(struct nat64 *n, struct prepared *pp, unsigned iters, uint64_t now_ms)
{
    struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
    unsigned bad = 0;
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < iters; i++) {
        unsigned k = i & (NPKT - 1);
        struct xlat_result r = nat64_translate(n, pp->pkt[k], pp->len[k], now_ms + i / 1000, &out);
        bad += r.verdict != XLAT_FORWARD;
    }
    uint64_t t1 = now_ns();
    if (bad) {
        fprintf(stderr, "bench: %u packets not forwarded\n", bad);
        exit(1);
    }
    return (double)(t1 - t0) / iters;
}

int main(int argc, char **argv)
{
    bool quick = false;
    unsigned long max_s = 1000000;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = true;
        else if (!strcmp(argv[i], "--max-sessions") && i + 1 < argc)
            max_s = strtoul(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: tbr-bench [--quick] [--max-sessions N]\n");
            return 2;
        }
    }
    static const uint32_t sizes[] = {1, 1000, 100000, 1000000};
    static const uint8_t protos[] = {17, 6, 58};
    static const char *pname[] = {"UDP", "TCP", "ICMP"};
    unsigned iters = quick ? 200000 : 2000000;
    addr_parse_prefix6("64:ff9b::/96", &prefix);
    static struct prepared p6, p4;
    uint8_t tmp[256];

    printf("sessions  proto  6to4 ns/pkt  4to6 ns/pkt\n");
    double base[3][2] = {{0}};
    double create_rate = 0, bytes_per_session = 0;
    for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
        uint32_t S = sizes[si];
        if (S > max_s)
            break;
        for (size_t pi = 0; pi < 3; pi++) {
            static struct nat64_cfg cfg;
            nat64_cfg_default(&cfg);
            cfg.prefix = prefix;
            addr_parse_prefix4("198.18.0.0/15", &cfg.bib.pool); /* RFC 2544 bench range */
            cfg.bib.max_sessions = S < 1024 ? 1024 : S;
            cfg.bib.max_mappings = 4096;
            cfg.bib.max_per_host = 0;
            /* its 1000 hosts share one /64: no per-device caps here */
            cfg.bib.max_sessions_per_64 = 0;
            cfg.bib.max_mappings_per_64 = 0;
            cfg.bib.max_pool_per_64 = 0;
            cfg.bib.seed = 1;
            struct nat64 *n = nat64_new(&cfg, NULL, 0);
            if (!n) {
                fprintf(stderr, "bench: cannot create a table for %u sessions\n", S);
                return 1;
            }
            uint32_t hosts = S < 1000 ? S : 1000, per = S / hosts;
            struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
            uint64_t t0 = now_ns();
            for (uint32_t h = 0; h < hosts; h++)
                for (uint32_t k = 0; k < per; k++) {
                    struct flow f = {h, (uint16_t)(1024 + k)};
                    size_t len = mk6(tmp, &f, protos[pi], 0x02); /* SYN opens */
                    if (nat64_translate(n, tmp, len, 0, &out).verdict != XLAT_FORWARD) {
                        fprintf(stderr, "bench: session %u/%u not created\n", h, k);
                        return 1;
                    }
                }
            uint64_t t1 = now_ns();
            if (S == 1000000 && pi == 0) {
                create_rate = (double)S / ((double)(t1 - t0) / 1e9);
                bytes_per_session = (double)bib_memory(nat64_bib(n)) / S;
            }
            for (unsigned k = 0; k < NPKT; k++) {
                struct flow f = {rnd() % hosts, (uint16_t)(1024 + rnd() % per)};
                p6.len[k] = mk6(p6.pkt[k], &f, protos[pi], 0x10); /* ACK */
                nat64_translate(n, p6.pkt[k], p6.len[k], 0, &out);
                p4.len[k] = mk4(p4.pkt[k], out.pkt[0].data, protos[pi]);
            }
            run(n, &p6, iters / 10, 1); /* warm-up */
            double a = run(n, &p6, iters, 1);
            double b = run(n, &p4, iters, 1);
            if (si == 0) {
                base[pi][0] = a;
                base[pi][1] = b;
            }
            printf("%8u  %-5s  %11.1f  %11.1f", S, pname[pi], a, b);
            if (si)
                printf("   (x%.2f, x%.2f of 1 session)", a / base[pi][0], b / base[pi][1]);
            printf("\n");
            nat64_free(n);
        }
    }
    if (create_rate > 0) {
        printf("new sessions: %.0f per second (1M UDP sessions, 1000 hosts)\n", create_rate);
        printf("memory: %.1f bytes per session (table sized for 1M sessions, incl. hash "
               "buckets)\n",
               bytes_per_session);
    }
    return 0;
}
