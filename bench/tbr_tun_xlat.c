/*
 * tbr-tun-xlat: the stateful NAT64 translator on a Linux TUN device, for
 * benchmarking against other translators (bench/tun_compare.sh).
 *
 *   tbr-tun-xlat --dev NAME --prefix P/LEN [--pool CIDR] [--max-sessions N]
 *
 * Reads one packet at a time from the TUN, runs nat64_translate() and writes
 * every emitted packet (translations and ICMP errors) back to the same TUN;
 * the kernel routes them on. Route the prefix and the pool to the TUN. One
 * thread, no batching beyond draining what is queued before sleeping in
 * poll(). Prints "ready" once the device is attached, and the counters on
 * SIGINT/SIGTERM, then exits 0.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nat64/nat64.h"
#include "nat64/nat64_fmt.h"
#include "util/rfc6052.h"
#include "platform/tun.h"
#include "util/addr.h"

#define MAX_PKT 65575 /* 40-byte IPv6 header + 65535-byte payload */
#define EXPIRE_EVERY_MS 1000

static const char *prog = "tbr-tun-xlat";
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s --dev NAME --prefix P/LEN [--pool CIDR] [--max-sessions N]\n"
            "  --dev NAME          TUN device to open (created, or a persistent one attached)\n"
            "  --prefix P/LEN      NAT64 prefix (pool6): /32 /40 /48 /56 /64 /96\n"
            "  --pool CIDR         IPv4 pool (default 192.168.255.0/24)\n"
            "  --max-sessions N    bound on sessions (memory is allocated for N)\n",
            prog);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct io_counters {
    uint64_t rx_pkts, rx_bytes;
    uint64_t tx_pkts, tx_bytes;
    uint64_t forwarded, replied, dropped, passed;
    uint64_t tx_transient; /* write refused for a transient reason (dropped) */
    uint64_t tx_errors;    /* write failed otherwise */
    uint64_t rx_errors;
};

static void print_counters(const struct io_counters *c, const struct nat64 *nat)
{
    printf("tun: rx %llu pkts %llu bytes, tx %llu pkts %llu bytes\n",
           (unsigned long long)c->rx_pkts, (unsigned long long)c->rx_bytes,
           (unsigned long long)c->tx_pkts, (unsigned long long)c->tx_bytes);
    printf("verdicts: forward %llu, icmp-reply %llu, drop %llu, pass %llu\n",
           (unsigned long long)c->forwarded, (unsigned long long)c->replied,
           (unsigned long long)c->dropped, (unsigned long long)c->passed);
    printf("errors: tx-transient %llu, tx %llu, rx %llu\n", (unsigned long long)c->tx_transient,
           (unsigned long long)c->tx_errors, (unsigned long long)c->rx_errors);
    struct nat64_fmt_counters fc;
    nat64_counters(nat, &fc);
    nat64_fmt_counters(stdout, &fc);
    for (int r = 0; r < NAT64_DROP_COUNT; r++) {
        uint64_t d46 = fc.drops_4to6[r], d64 = fc.drops_6to4[r];
        if (d46 || d64)
            printf("drop %s: 4to6 %llu, 6to4 %llu\n", nat64_drop_name((enum nat64_drop)r),
                   (unsigned long long)d46, (unsigned long long)d64);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    static struct nat64_cfg cfg;
    const char *dev = NULL;
    bool have_prefix = false;
    unsigned long v;

    nat64_cfg_default(&cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value (see --help)\n", prog, a);
            return 2;
        }
        const char *val = argv[++i];
        if (!strcmp(a, "--dev")) {
            if (!*val || strlen(val) >= TUN_NAME_MAX) {
                fprintf(stderr, "%s: bad --dev '%s' (1..%d characters)\n", prog, val,
                        TUN_NAME_MAX - 1);
                return 2;
            }
            dev = val;
        } else if (!strcmp(a, "--prefix")) {
            if (!addr_parse_prefix6(val, &cfg.prefix) || !rfc6052_valid_len(cfg.prefix.len)) {
                fprintf(stderr,
                        "%s: bad --prefix '%s' (want an IPv6 prefix of length 32, 40, 48, "
                        "56, 64 or 96)\n",
                        prog, val);
                return 2;
            }
            have_prefix = true;
        } else if (!strcmp(a, "--pool")) {
            if (!addr_parse_prefix4(val, &cfg.bib.pool) || cfg.bib.pool.len == 0) {
                fprintf(stderr,
                        "%s: bad --pool '%s' (want an IPv4 CIDR such as "
                        "192.168.255.0/24)\n",
                        prog, val);
                return 2;
            }
        } else if (!strcmp(a, "--max-sessions")) {
            if (!parse_uint(val, 16777216, &v) || v == 0) {
                fprintf(stderr, "%s: bad --max-sessions '%s' (want 1..16777216)\n", prog, val);
                return 2;
            }
            cfg.bib.max_sessions = (uint32_t)v;
        } else {
            fprintf(stderr, "%s: unknown option '%s' (see --help)\n", prog, a);
            return 2;
        }
    }
    if (!dev || !have_prefix) {
        fprintf(stderr, "%s: --dev and --prefix are required (see --help)\n", prog);
        return 2;
    }

    char err[256];
    struct nat64 *nat = nat64_new(&cfg, err, sizeof(err));
    if (!nat) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 1;
    }
    char ifname[TUN_NAME_MAX];
    int fd = tun_open(dev, ifname, err, sizeof(err));
    if (fd < 0 || tun_set_nonblock(fd, true, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        tun_close(fd);
        nat64_free(nat);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    char pbuf[ADDR_STR6], pool[ADDR_STR4];
    printf("%s: ready on %s, stateful, prefix %s/%u, pool %s/%u, max sessions %u\n", prog, ifname,
           addr_fmt6(cfg.prefix.addr, pbuf), cfg.prefix.len, addr_fmt4(cfg.bib.pool.addr, pool),
           cfg.bib.pool.len, cfg.bib.max_sessions);
    fflush(stdout);

    static uint8_t in[MAX_PKT], obuf[XLAT_OUT_CAP];
    struct xlat_out xo = {.buf = obuf, .cap = sizeof(obuf)};
    struct io_counters c;
    memset(&c, 0, sizeof(c));
    uint64_t last_expire = now_ms();
    int rc = 0;

    while (!stop) {
        ssize_t n = tun_read(fd, in, sizeof(in), err, sizeof(err));
        if (n < 0) {
            c.rx_errors++;
            fprintf(stderr, "%s: %s\n", prog, err);
            rc = 1;
            break;
        }
        if (n == 0) {
            /* Nothing queued: sleep. The timeout bounds how long a signal that
             * lands between the stop check and poll() can go unseen, and drives
             * expiry while idle. */
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int pr = poll(&pfd, 1, 200);
            if (pr < 0 && errno != EINTR) {
                fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
                rc = 1;
                break;
            }
            uint64_t t = now_ms();
            if (t - last_expire >= EXPIRE_EVERY_MS) {
                nat64_expire(nat, t);
                last_expire = t;
            }
            continue;
        }
        c.rx_pkts++;
        c.rx_bytes += (uint64_t)n;
        struct xlat_result r = nat64_translate(nat, in, (size_t)n, now_ms(), &xo);
        switch (r.verdict) {
        case XLAT_FORWARD:
            c.forwarded++;
            break;
        case XLAT_REPLY:
            c.replied++;
            break;
        case XLAT_DROP:
            c.dropped++;
            continue;
        case XLAT_PASS: /* not ours; the kernel routed it here, so nowhere to send it */
            c.passed++;
            continue;
        }
        for (unsigned k = 0; k < xo.n; k++) {
            int w = tun_write(fd, xo.pkt[k].data, xo.pkt[k].len, err, sizeof(err));
            if (w == 0) {
                c.tx_pkts++;
                c.tx_bytes += xo.pkt[k].len;
            } else if (w > 0) {
                c.tx_transient++;
            } else {
                if (c.tx_errors++ == 0)
                    fprintf(stderr, "%s: %s (further write errors only counted)\n", prog, err);
            }
        }
    }
    print_counters(&c, nat);
    tun_close(fd);
    nat64_free(nat);
    return rc;
}
