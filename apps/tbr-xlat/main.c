/*
 * tbr-xlat: feeds raw IP packet files through one translator instance.
 *
 *   tbr-xlat [options] --out DIR IN.pkt...
 *
 * State carries from packet to packet. For input N (1-based) every emitted
 * packet is written as DIR/N.M.pkt, and one line is printed:
 *   N ok <count>      translated, <count> packets written
 *   N icmp <count>    answered with an ICMP error (written like the above)
 *   N drop <reason>   nothing written; <reason> is a named drop reason
 * `tbr-xlat --demo` runs a sample flow in memory and prints the tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "nat64/nat64.h"
#include "nat64/nat64_fmt.h"
#include "util/rfc6052.h"
#include "util/addr.h"
#include "util/csum.h"

#define MAX_PKT 65575 /* 40-byte IPv6 header + 65535-byte payload */

static const char *prog = "tbr-xlat";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [options] --out DIR IN.pkt...\n"
            "       %s --demo\n"
            "options:\n"
            "  --stateful | --stateless      RFC 6146 (default) or RFC 7915 + 6052 + 7757\n"
            "  --prefix PREFIX/LEN           NAT64 prefix (pool6): /32 /40 /48 /56 /64 /96\n"
            "  --pool CIDR                   IPv4 pool (default 192.168.255.0/24)\n"
            "  --napt                        port translation (hosts share IPv4 addresses)\n"
            "  --pool-ports LO-HI            port range for --napt (default 1024-65535)\n"
            "  --eam V6PREFIX/LEN=V4PREFIX/LEN  explicit address mapping (stateless)\n"
            "  --static PROTO:IPV6#PORT=IPV4#PORT  static mapping (tcp|udp|icmp; or\n"
            "                                IPV6=IPV4 for an address mapping)\n"
            "  --rfc6791 IPV4                source of ICMPv4 errors from untranslatable sources\n"
            "  --rfc6791v6 PREFIX            the same for ICMPv6 errors\n"
            "  --self4 IPV4 / --self6 IPV6   translator's own addresses (errors it originates)\n"
            "  --udp-zero-checksum compute|drop\n"
            "  --lowest-ipv6-mtu N  --mtu4 N  --mtu6 N\n"
            "  --max-sessions N              bound on sessions (memory is allocated for N)\n"
            "  --max-per-host N              sessions one IPv6 host may hold (0 = no cap)\n"
            "  --max-sessions-per-64 N       sessions one device (IPv6 /64) may hold (default\n"
            "                                4096; 0 = no cap)\n"
            "  --max-mappings-per-64 N       mappings one device may hold (default 256)\n"
            "  --max-pool-per-64 N           IPv4 pool addresses one device may hold without\n"
            "                                --napt (default 16)\n"
            "  --clock SECONDS               starting time (default 0)\n"
            "  --step SECONDS                time between consecutive packets (default 0)\n"
            "  --mappings | --counters       print the table after the run (text)\n"
            "  --json                        print mappings and counters as JSON after the run\n",
            prog, prog);
}

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
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

/* "[PROTO:]IPV6[#PORT]=IPV4[#PORT]" */
static bool parse_static(const char *arg, struct nat64_static *st)
{
    char buf[160];
    if (strlen(arg) >= sizeof(buf))
        return false;
    strcpy(buf, arg);
    memset(st, 0, sizeof(*st));
    char *s = buf;
    char *colon = strchr(s, ':');
    if (colon && (colon - s == 3 || colon - s == 4)) {
        *colon = 0;
        if (!strcmp(s, "tcp"))
            st->proto = 6;
        else if (!strcmp(s, "udp"))
            st->proto = 17;
        else if (!strcmp(s, "icmp"))
            st->proto = 1;
        else
            *colon = ':'; /* an IPv6 address like "fd00:..." */
        if (st->proto)
            s = colon + 1;
    }
    char *eq = strchr(s, '=');
    if (!eq)
        return false;
    *eq = 0;
    char *v6 = s, *v4 = eq + 1;
    char *h6 = strchr(v6, '#'), *h4 = strchr(v4, '#');
    if ((h6 == NULL) != (h4 == NULL) || (st->proto && !h6) || (!st->proto && h6))
        return false;
    unsigned long p;
    if (h6) {
        *h6 = 0;
        *h4 = 0;
        if (!parse_uint(h6 + 1, 65535, &p))
            return false;
        st->port6 = (uint16_t)p;
        if (!parse_uint(h4 + 1, 65535, &p))
            return false;
        st->port4 = (uint16_t)p;
    }
    return addr_parse6(v6, st->addr6) && addr_parse4(v4, st->addr4);
}

static bool parse_eam(const char *arg, struct siit_eam *e)
{
    char buf[128];
    if (strlen(arg) >= sizeof(buf))
        return false;
    strcpy(buf, arg);
    char *eq = strchr(buf, '=');
    if (!eq)
        return false;
    *eq = 0;
    return addr_parse_prefix6(buf, &e->p6) && addr_parse_prefix4(eq + 1, &e->p4);
}

/* Reads one whole packet file; -1 on error (message printed). */
static long read_pkt(const char *path, uint8_t *buf)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot read %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, MAX_PKT + 1, f);
    int err = ferror(f);
    fclose(f);
    if (err) {
        fprintf(stderr, "%s: cannot read %s\n", prog, path);
        return -1;
    }
    if (n > MAX_PKT) {
        fprintf(stderr, "%s: %s is larger than any IP packet (%d bytes)\n", prog, path, MAX_PKT);
        return -1;
    }
    return (long)n;
}

static int write_pkt(const char *dir, unsigned n, unsigned m, const struct xlat_out_pkt *p)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%u.%u.pkt", dir, n, m);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p->data, 1, p->len, f) != p->len || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    return 0;
}

static void print_tables(struct nat64 *nat, uint64_t now_ms, bool mappings, bool counters,
                         bool json)
{
    static struct nat64_fmt_mapping maps[1024];
    size_t n = nat64_mappings(nat, now_ms, maps, 1024);
    if (n > 1024)
        n = 1024;
    struct nat64_fmt_counters c;
    nat64_counters(nat, &c);
    if (mappings)
        nat64_fmt_mappings(stdout, maps, n);
    if (counters) {
        nat64_fmt_counters(stdout, &c);
        nat64_fmt_counters_ext(stdout, &c);
    }
    if (json) {
        nat64_fmt_mappings_json(stdout, maps, n);
        nat64_fmt_counters_json(stdout, &c);
    }
}

/* ---- --demo: a device's ping, DNS query and TCP open through the translator ---- */

static size_t build(uint8_t *p, int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                    const uint8_t *l4, size_t l4len)
{
    uint8_t *h = p;
    size_t hl = family == 6 ? 40 : 20;
    memset(h, 0, hl);
    memcpy(p + hl, l4, l4len);
    uint8_t *t = p + hl;
    uint32_t sum;
    if (family == 6) {
        h[0] = 0x60;
        h[4] = (uint8_t)(l4len >> 8);
        h[5] = (uint8_t)l4len;
        h[6] = proto;
        h[7] = 64;
        memcpy(h + 8, src, 16);
        memcpy(h + 24, dst, 16);
        sum = csum_pseudo6(src, dst, proto, (uint32_t)l4len);
    } else {
        h[0] = 0x45;
        h[2] = (uint8_t)((20 + l4len) >> 8);
        h[3] = (uint8_t)(20 + l4len);
        h[6] = 0x40;
        h[8] = 64;
        h[9] = proto;
        memcpy(h + 12, src, 4);
        memcpy(h + 16, dst, 4);
        uint16_t hc = csum_ip4_header(h, 20);
        h[10] = (uint8_t)(hc >> 8);
        h[11] = (uint8_t)hc;
        sum = proto == 1 ? 0 : csum_pseudo4(src, dst, proto, (uint32_t)l4len);
    }
    size_t co = proto == 6 ? 16 : proto == 17 ? 6 : 2;
    t[co] = t[co + 1] = 0;
    uint16_t c = csum_finish(csum_add(sum, t, l4len));
    t[co] = (uint8_t)(c >> 8);
    t[co + 1] = (uint8_t)c;
    return hl + l4len;
}

static void describe(const char *what, const uint8_t *p, size_t len)
{
    char a[ADDR_STR6], b[ADDR_STR6];
    if (len >= 40 && (p[0] >> 4) == 6)
        printf("  %-28s IPv6 %s -> %s (%zu bytes)\n", what, addr_fmt6(p + 8, a),
               addr_fmt6(p + 24, b), len);
    else if (len >= 20)
        printf("  %-28s IPv4 %s -> %s (%zu bytes)\n", what, addr_fmt4(p + 12, a),
               addr_fmt4(p + 16, b), len);
}

static int demo(void)
{
    struct nat64_cfg cfg;
    nat64_cfg_default(&cfg);
    addr_parse_prefix6("fd4c:9574:3720:2::/96", &cfg.prefix);
    char err[128];
    struct nat64 *nat = nat64_new(&cfg, err, sizeof(err));
    if (!nat)
        return fail("%s", err);
    static uint8_t in[MAX_PKT], obuf[XLAT_OUT_CAP];
    struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
    uint8_t dev[16], host4[4] = {192, 0, 2, 1}, dns4[4] = {192, 0, 2, 53}, peer6[16], dns6[16];
    addr_parse6("fd4c:9574:3720:1:8e2f:3d11:2a5c:77e1", dev);
    rfc6052_synth(&cfg.prefix, host4, peer6);
    rfc6052_synth(&cfg.prefix, dns4, dns6);

    printf("tbr-xlat demo: stateful NAT64, prefix fd4c:9574:3720:2::/96, pool "
           "192.168.255.0/24\n\n");
    uint64_t now = 1000;
    struct {
        const char *what;
        int family;
        uint8_t proto;
        uint8_t l4[32];
        size_t l4len;
        const uint8_t *src, *dst;
    } steps[] = {
        {"device ping 192.0.2.1",
         6,
         58,
         {128, 0, 0, 0, 0x12, 0x34, 0, 1, 'h', 'e', 'l', 'l', 'o'},
         13,
         dev,
         peer6},
        {"DNS query to 192.0.2.53",
         6,
         17,
         {0xc0, 0x01, 0, 53, 0, 12, 0, 0, 0xab, 0xcd, 1, 0},
         12,
         dev,
         dns6},
        {"TCP SYN to 192.0.2.1:12345",
         6,
         6,
         {0xd4, 0x31, 0x30, 0x39, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x40, 0, 0, 0, 0, 0},
         20,
         dev,
         peer6},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        size_t len = build(in, steps[i].family, steps[i].src, steps[i].dst, steps[i].proto,
                           steps[i].l4, steps[i].l4len);
        describe(steps[i].what, in, len);
        struct xlat_result r = nat64_translate(nat, in, len, now, &out);
        if (r.verdict != XLAT_FORWARD || out.n != 1) {
            printf("  -> dropped: %s\n", nat64_drop_name(r.reason));
            nat64_free(nat);
            return 1;
        }
        describe("  translated", out.pkt[0].data, out.pkt[0].len);
        /* The IPv4 host answers the translated packet. */
        uint8_t mapped[4], reply[32];
        memcpy(mapped, out.pkt[0].data + 12, 4);
        memcpy(reply, steps[i].l4, steps[i].l4len);
        const uint8_t *t4 = out.pkt[0].data + 20;
        if (steps[i].proto == 58) {
            reply[0] = 0; /* ICMPv4 echo reply, same identifier */
            memcpy(reply + 4, t4 + 4, 2);
        } else {
            memcpy(reply, t4 + 2, 2); /* swap ports */
            memcpy(reply + 2, t4, 2);
            if (steps[i].proto == 6)
                reply[13] = 0x12; /* SYN+ACK */
        }
        const uint8_t *peer = steps[i].proto == 17 ? dns4 : host4;
        len = build(in, 4, peer, mapped, steps[i].proto == 58 ? 1 : steps[i].proto, reply,
                    steps[i].l4len);
        describe("reply", in, len);
        now += 250;
        r = nat64_translate(nat, in, len, now, &out);
        if (r.verdict != XLAT_FORWARD || out.n != 1) {
            printf("  -> dropped: %s\n", nat64_drop_name(r.reason));
            nat64_free(nat);
            return 1;
        }
        describe("  translated", out.pkt[0].data, out.pkt[0].len);
        now += 250;
    }
    printf("\n> nat64 mappings\n");
    print_tables(nat, now, true, false, false);
    printf("Done\n> nat64 counters\n");
    print_tables(nat, now, false, true, false);
    printf("Done\n");
    nat64_free(nat);
    return 0;
}

/* ---- Command line ---- */

/* What the command line asks for. */
struct opts {
    struct nat64_cfg cfg;
    const char *outdir;
    const char **inputs; /* room for argc entries */
    int n_in;
    unsigned long clock_s, step_s;
    bool show_map, show_ctr, json;
};

/* Option handlers: 0, or the exit status after printing why not. */
typedef int opt_fn(struct opts *o, const char *opt, const char *val);

static int opt_mode(struct opts *o, const char *opt, const char *val)
{
    (void)val;
    o->cfg.mode = !strcmp(opt, "--stateless") ? NAT64_STATELESS : NAT64_STATEFUL;
    return 0;
}

static int opt_napt(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    (void)val;
    o->cfg.bib.napt = true;
    return 0;
}

static int opt_show(struct opts *o, const char *opt, const char *val)
{
    (void)val;
    if (!strcmp(opt, "--mappings"))
        o->show_map = true;
    else if (!strcmp(opt, "--counters"))
        o->show_ctr = true;
    else
        o->json = true;
    return 0;
}

static int opt_out(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    o->outdir = val;
    return 0;
}

static int opt_prefix(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    if (!addr_parse_prefix6(val, &o->cfg.prefix) || !rfc6052_valid_len(o->cfg.prefix.len))
        return fail("bad --prefix '%s' (want an IPv6 prefix of length 32, 40, 48, 56, 64 "
                    "or 96)",
                    val);
    return 0;
}

static int opt_pool(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    if (!addr_parse_prefix4(val, &o->cfg.bib.pool) || o->cfg.bib.pool.len == 0)
        return fail("bad --pool '%s' (want an IPv4 CIDR such as 192.168.255.0/24)", val);
    return 0;
}

static int opt_pool_ports(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    char tmp[32];
    unsigned long lo, hi;
    const char *dash = strchr(val, '-');
    if (!dash || (size_t)(dash - val) >= sizeof(tmp) ||
        (memcpy(tmp, val, (size_t)(dash - val)), tmp[dash - val] = 0,
         !parse_uint(tmp, 65535, &lo)) ||
        !parse_uint(dash + 1, 65535, &hi) || lo == 0 || lo > hi)
        return fail("bad --pool-ports '%s' (want LO-HI, 1 <= LO <= HI <= 65535)", val);
    o->cfg.bib.port_lo = (uint16_t)lo;
    o->cfg.bib.port_hi = (uint16_t)hi;
    return 0;
}

static int opt_eam(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    struct siit_eam e;
    if (!parse_eam(val, &e) || siit_add_eam(&o->cfg.siit, &e) != 0)
        return fail("bad --eam '%s' (want V6PREFIX/LEN=V4PREFIX/LEN with equal suffix "
                    "lengths)",
                    val);
    return 0;
}

static int opt_static(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    struct nat64_cfg *cfg = &o->cfg;
    if (cfg->n_static >= NAT64_MAX_STATIC || !parse_static(val, &cfg->statics[cfg->n_static]))
        return fail("bad --static '%s' (want PROTO:IPV6#PORT=IPV4#PORT or IPV6=IPV4)", val);
    cfg->n_static++;
    return 0;
}

static int opt_rfc6791(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    struct siit *s = &o->cfg.siit;
    if (!addr_parse4(val, s->rfc6791v4))
        return fail("bad --rfc6791 '%s' (want an IPv4 address)", val);
    s->have_rfc6791v4 = true;
    return 0;
}

static int opt_rfc6791v6(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    struct siit *s = &o->cfg.siit;
    if (!addr_parse_prefix6(val, &s->rfc6791v6) &&
        !(addr_parse6(val, s->rfc6791v6.addr) && (s->rfc6791v6.len = 128)))
        return fail("bad --rfc6791v6 '%s' (want an IPv6 prefix or address)", val);
    s->have_rfc6791v6 = true;
    return 0;
}

static int opt_self(struct opts *o, const char *opt, const char *val)
{
    struct xlat_cfg *x = &o->cfg.xlat;
    if (!strcmp(opt, "--self4")) {
        if (!addr_parse4(val, x->self4))
            return fail("bad --self4 '%s' (want an IPv4 address)", val);
        x->have_self4 = true;
    } else {
        if (!addr_parse6(val, x->self6))
            return fail("bad --self6 '%s' (want an IPv6 address)", val);
        x->have_self6 = true;
    }
    return 0;
}

static int opt_udp_zero_csum(struct opts *o, const char *opt, const char *val)
{
    (void)opt;
    if (!strcmp(val, "compute"))
        o->cfg.xlat.udp_zero_csum_compute = true;
    else if (!strcmp(val, "drop"))
        o->cfg.xlat.udp_zero_csum_compute = false;
    else
        return fail("bad --udp-zero-checksum '%s' (want compute or drop)", val);
    return 0;
}

/* --lowest-ipv6-mtu, --mtu4, --mtu6 */
static int opt_mtu(struct opts *o, const char *opt, const char *val)
{
    unsigned long v, min = strcmp(opt, "--mtu4") ? 1280 : 68;
    if (!parse_uint(val, 65535, &v) || v < min) {
        fprintf(stderr, "%s: bad %s '%s' (want %lu..65535)\n", prog, opt, val, min);
        return 2;
    }
    if (!strcmp(opt, "--mtu4"))
        o->cfg.xlat.mtu4 = (uint16_t)v;
    else if (!strcmp(opt, "--mtu6"))
        o->cfg.xlat.mtu6 = (uint16_t)v;
    else
        o->cfg.xlat.lowest_ipv6_mtu = (uint16_t)v;
    return 0;
}

/* --max-sessions, --max-per-host, --max-{sessions,mappings,pool}-per-64 */
static int opt_sessions(struct opts *o, const char *opt, const char *val)
{
    unsigned long v;
    bool sessions = !strcmp(opt, "--max-sessions");
    if (!parse_uint(val, 16777216, &v) || (sessions && v == 0)) {
        fprintf(stderr, "%s: bad %s '%s' (want %s..16777216)\n", prog, opt, val,
                sessions ? "1" : "0");
        return 2;
    }
    struct bib_cfg *b = &o->cfg.bib;
    if (sessions)
        b->max_sessions = (uint32_t)v;
    else if (!strcmp(opt, "--max-sessions-per-64"))
        b->max_sessions_per_64 = (uint32_t)v;
    else if (!strcmp(opt, "--max-mappings-per-64"))
        b->max_mappings_per_64 = (uint32_t)v;
    else if (!strcmp(opt, "--max-pool-per-64"))
        b->max_pool_per_64 = (uint32_t)v;
    else
        b->max_per_host = (uint32_t)v;
    return 0;
}

/* --clock, --step */
static int opt_seconds(struct opts *o, const char *opt, const char *val)
{
    unsigned long v;
    if (!parse_uint(val, 100000000000UL, &v)) {
        fprintf(stderr, "%s: bad %s '%s' (want whole seconds)\n", prog, opt, val);
        return 2;
    }
    if (!strcmp(opt, "--clock"))
        o->clock_s = v;
    else
        o->step_s = v;
    return 0;
}

static const struct opt_def {
    const char *name;
    bool takes; /* consumes the next argument as its value */
    opt_fn *fn;
} opt_table[] = {
    {"--stateless", false, opt_mode},
    {"--stateful", false, opt_mode},
    {"--napt", false, opt_napt},
    {"--mappings", false, opt_show},
    {"--counters", false, opt_show},
    {"--json", false, opt_show},
    {"--out", true, opt_out},
    {"--prefix", true, opt_prefix},
    {"--pool", true, opt_pool},
    {"--pool-ports", true, opt_pool_ports},
    {"--eam", true, opt_eam},
    {"--static", true, opt_static},
    {"--rfc6791", true, opt_rfc6791},
    {"--rfc6791v6", true, opt_rfc6791v6},
    {"--self4", true, opt_self},
    {"--self6", true, opt_self},
    {"--udp-zero-checksum", true, opt_udp_zero_csum},
    {"--lowest-ipv6-mtu", true, opt_mtu},
    {"--mtu4", true, opt_mtu},
    {"--mtu6", true, opt_mtu},
    {"--max-sessions", true, opt_sessions},
    {"--max-per-host", true, opt_sessions},
    {"--max-sessions-per-64", true, opt_sessions},
    {"--max-mappings-per-64", true, opt_sessions},
    {"--max-pool-per-64", true, opt_sessions},
    {"--clock", true, opt_seconds},
    {"--step", true, opt_seconds},
};

#define PARSE_RUN (-1) /* parse_args: go on to the run */

/* Fills *o from argv, in order: the first bad option ends it. Returns
 * PARSE_RUN, or the exit status (--help, --demo, an error). */
static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--demo"))
            return demo();
        const struct opt_def *d = NULL;
        for (size_t k = 0; k < sizeof(opt_table) / sizeof(opt_table[0]) && !d; k++)
            if (!strcmp(a, opt_table[k].name))
                d = &opt_table[k];
        if (d) {
            if (d->takes && !val)
                return fail("option %s needs a value", a);
            int rc = d->fn(o, a, val);
            if (rc)
                return rc;
            if (d->takes)
                i++;
        } else if (a[0] == '-' && a[1] == '-') {
            return fail("unknown option '%s' (see --help)", a);
        } else {
            o->inputs[o->n_in++] = a;
        }
    }
    if (!o->outdir)
        return fail("%s", "missing --out DIR (see --help)");
    if (o->n_in == 0)
        return fail("%s", "no input packet files (see --help)");
    return PARSE_RUN;
}

/* ---- The run ---- */

/* Creates the output directory unless it exists; 0 or the exit status. */
static int make_outdir(const char *outdir)
{
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
        return fail("cannot create output directory: %s", strerror(errno));
    struct stat st;
    if (stat(outdir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail("%s is not a directory", outdir);
    return 0;
}

/* Every input opens, so that a bad one fails before any output; 0 or the
 * exit status. */
static int check_inputs(const struct opts *o)
{
    for (int i = 0; i < o->n_in; i++) {
        FILE *f = fopen(o->inputs[i], "rb");
        if (!f)
            return fail("cannot read input: %s", o->inputs[i]);
        fclose(f);
    }
    return 0;
}

/* Feeds the inputs through one translator, one result line each. */
static int run(const struct opts *o)
{
    int rc = make_outdir(o->outdir);
    if (rc)
        return rc;
    char err[160];
    struct nat64 *nat = nat64_new(&o->cfg, err, sizeof(err));
    if (!nat)
        return fail("%s", err);
    static uint8_t in[MAX_PKT + 1], obuf[XLAT_OUT_CAP];
    struct xlat_out xo = {.buf = obuf, .cap = sizeof(obuf)};
    uint64_t now_ms = (uint64_t)o->clock_s * 1000;
    rc = check_inputs(o);
    if (rc) {
        nat64_free(nat);
        return rc;
    }
    for (int i = 0; i < o->n_in; i++) {
        long len = read_pkt(o->inputs[i], in);
        if (len < 0) {
            rc = 2;
            break;
        }
        if (i > 0)
            now_ms += (uint64_t)o->step_s * 1000;
        struct xlat_result r = nat64_translate(nat, in, (size_t)len, now_ms, &xo);
        if (r.verdict == XLAT_FORWARD || r.verdict == XLAT_REPLY) {
            for (unsigned m = 0; m < xo.n; m++)
                if (write_pkt(o->outdir, (unsigned)i + 1, m, &xo.pkt[m]) != 0)
                    rc = 2;
            printf("%d %s %u\n", i + 1, r.verdict == XLAT_FORWARD ? "ok" : "icmp", xo.n);
        } else {
            printf("%d drop %s\n", i + 1, nat64_drop_name(r.reason));
        }
    }
    print_tables(nat, now_ms, o->show_map, o->show_ctr, o->json);
    nat64_free(nat);
    return rc;
}

int main(int argc, char **argv)
{
    static struct opts o;
    nat64_cfg_default(&o.cfg);
    o.inputs = calloc((size_t)argc, sizeof(*o.inputs));
    if (!o.inputs)
        return fail("%s", "out of memory");
    int rc = parse_args(argc, argv, &o);
    if (rc == PARSE_RUN)
        rc = run(&o);
    free(o.inputs);
    return rc;
}
