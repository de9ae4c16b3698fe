/*
 * Conformance runner over Jool's SIIT graybox vectors (RFC 7915 / 6052 /
 * 7757 / 6791), read at test time from the directory given as argv[1]
 * (shared/vectors/jool). Nothing of Jool's is copied here: this program only
 * knows the configuration the vectors assume (jool/README.md) and the
 * comparison rule (equal length, equal bytes outside masked offsets, each
 * expected packet paired with the first pending emitted packet of the same
 * IP version and outer addresses).
 *
 * Output: one line per failing case, then "N passed, N failed, N skipped".
 * Exit 0 when nothing failed, 77 (skip) when the vectors are missing outside
 * CI; in CI (CI=true) missing vectors fail.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat64/siit.h"
#include "nat64/xlat.h"
#include "support/skip_policy.h"
#include "util/addr.h"

#define MAX_PKT 70000
#define MAX_EXPECTED 4
#define MAX_MASK 32

/* Feature tags declared out of scope (none: every case must pass). */
static const char *const skipped_features[] = {NULL};

static uint8_t obuf[XLAT_OUT_CAP];

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Splits s at sep in place; returns the number of fields. */
static int split(char *s, char sep, char **f, int max)
{
    int n = 0;
    while (n < max) {
        f[n++] = s;
        char *p = strchr(s, sep);
        if (!p)
            break;
        *p = '\0';
        s = p + 1;
    }
    return n;
}

/* The README's translator, before a case's settings. */
static void base_config(struct siit *s, struct xlat_cfg *cfg)
{
    siit_init(s);
    s->have_pool6 = addr_parse_prefix6("2001:db8:100::/40", &s->pool6);
    struct siit_eam e;
    /* The EAM table Jool's graybox vectors were made with: their packet files
     * carry 1.0.0.x and 10.0.0.x, so these must match (nothing is sent). */
    addr_parse_prefix6("2001:db8:3::/120", &e.p6);
    addr_parse_prefix4("1.0.0.0/24", &e.p4);
    siit_add_eam(s, &e);
    addr_parse_prefix6("2001:db8:2::/120", &e.p6);
    addr_parse_prefix4("10.0.0.0/24", &e.p4);
    siit_add_eam(s, &e);
    s->have_rfc6791v4 = addr_parse4("203.0.113.8", s->rfc6791v4);
    s->have_self4 = addr_parse4("198.51.100.1", s->self4);
    s->have_self6 = addr_parse6("2001:db8:1c0:2:1::", s->self6);

    xlat_cfg_default(cfg);
    cfg->lowest_ipv6_mtu = 1280;
    cfg->udp_zero_csum_compute = false; /* Jool: amend-udp-checksum-zero off */
    cfg->mtu4 = 1500;
    cfg->mtu6 = 1500;
    cfg->have_self4 = true;
    memcpy(cfg->self4, s->self4, 4);
    cfg->have_self6 = true;
    memcpy(cfg->self6, s->self6, 16);
}

static int apply_setting(struct siit *s, struct xlat_cfg *cfg, char *kv)
{
    char *eq = strchr(kv, '=');
    if (!eq)
        return -1;
    *eq = '\0';
    const char *k = kv, *v = eq + 1;
    if (!strcmp(k, "lowest-ipv6-mtu")) {
        cfg->lowest_ipv6_mtu = (uint16_t)atoi(v);
    } else if (!strcmp(k, "pool6")) {
        s->have_pool6 = strcmp(v, "none") && addr_parse_prefix6(v, &s->pool6);
    } else if (!strcmp(k, "rfc6791v4-prefix")) {
        s->have_rfc6791v4 = strcmp(v, "none") && addr_parse4(v, s->rfc6791v4);
    } else if (!strcmp(k, "rfc6791v6-prefix")) {
        s->have_rfc6791v6 = false;
        if (strcmp(v, "none")) {
            if (!strchr(v, '/')) {
                s->have_rfc6791v6 = addr_parse6(v, s->rfc6791v6.addr);
                s->rfc6791v6.len = 128;
            } else {
                s->have_rfc6791v6 = addr_parse_prefix6(v, &s->rfc6791v6);
            }
        }
    } else if (!strcmp(k, "amend-udp-checksum-zero")) {
        cfg->udp_zero_csum_compute = atoi(v) != 0;
    } else if (!strcmp(k, "eamt-extra")) {
        /* <ipv6 prefix>=<ipv4 prefix> */
        char *eq2 = strchr(eq + 1, '=');
        if (!eq2)
            return -1;
        *eq2 = '\0';
        struct siit_eam e;
        if (!addr_parse_prefix6(v, &e.p6) || !addr_parse_prefix4(eq2 + 1, &e.p4) ||
            siit_add_eam(s, &e))
            return -1;
    } else if (!strcmp(k, "mtu.j.to_client_v6")) {
        cfg->mtu6 = (uint16_t)atoi(v);
    } else if (!strcmp(k, "mtu.j.to_client_v4")) {
        cfg->mtu4 = (uint16_t)atoi(v);
    } else if (!strcmp(k, "mtu.n4.to_jool_v4")) {
        /* the IPv4 host's own link: nothing to configure in the translator */
    } else {
        return -1;
    }
    return 0;
}

/* Same IP version and outer addresses (graybox's pairing rule). */
static int same_flow(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    if (alen < 1 || blen < 1 || (a[0] >> 4) != (b[0] >> 4))
        return 0;
    if ((a[0] >> 4) == 4)
        return alen >= 20 && blen >= 20 && !memcmp(a + 12, b + 12, 8);
    return alen >= 40 && blen >= 40 && !memcmp(a + 8, b + 8, 32);
}

/* First differing unmasked offset, or -1 when equal. */
static long diff_at(const uint8_t *a, const uint8_t *b, size_t len, const long *mask, int nmask)
{
    for (size_t i = 0; i < len; i++) {
        if (a[i] == b[i])
            continue;
        int masked = 0;
        for (int m = 0; m < nmask; m++)
            masked |= mask[m] == (long)i;
        if (!masked)
            return (long)i;
    }
    return -1;
}

static int has_skipped_feature(char *features)
{
    char *tags[16];
    int n = split(features, ',', tags, 16);
    for (int i = 0; i < n; i++)
        for (int j = 0; skipped_features[j]; j++)
            if (!strcmp(tags[i], skipped_features[j]))
                return 1;
    return 0;
}

/* Runs one manifest line. Returns 1 pass, 0 fail, -1 skip. */
static int run_case(const char *dir, char **f)
{
    const char *id = f[0], *send = f[3];
    char *expected = f[4], *masks = f[5], *settings = f[6], *features = f[7];
    char path[4096];

    if (has_skipped_feature(features))
        return -1;

    static struct siit s;
    struct xlat_cfg cfg;
    base_config(&s, &cfg);
    if (strcmp(settings, "-")) {
        char *kv[16];
        int n = split(settings, ';', kv, 16);
        for (int i = 0; i < n; i++) {
            if (apply_setting(&s, &cfg, kv[i])) {
                printf("FAIL %s: unknown setting '%s'\n", id, kv[i]);
                return 0;
            }
        }
    }

    long mask[MAX_MASK];
    int nmask = 0;
    if (strcmp(masks, "-")) {
        char *mf[MAX_MASK];
        int n = split(masks, ',', mf, MAX_MASK);
        for (int i = 0; i < n; i++)
            mask[nmask++] = strtol(mf[i], NULL, 10);
    }

    static uint8_t in[MAX_PKT];
    snprintf(path, sizeof(path), "%s/siit/%s", dir, send);
    size_t in_len = read_file(path, in, sizeof(in));
    if (!in_len) {
        printf("FAIL %s: cannot read %s\n", id, path);
        return 0;
    }

    struct xlat_mapper m = siit_mapper(&s);
    struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
    struct xlat_result r = xlat_translate(&cfg, &m, in, in_len, 0, &out);

    char *ex[MAX_EXPECTED];
    int nex = split(expected, ',', ex, MAX_EXPECTED);
    int used[XLAT_MAX_OUT] = {0};
    for (int i = 0; i < nex; i++) {
        static uint8_t want[MAX_PKT];
        snprintf(path, sizeof(path), "%s/siit/%s", dir, ex[i]);
        size_t wlen = read_file(path, want, sizeof(want));
        if (!wlen) {
            printf("FAIL %s: cannot read %s\n", id, path);
            return 0;
        }
        int found = -1;
        for (unsigned k = 0; k < out.n && found < 0; k++)
            if (!used[k] && same_flow(out.pkt[k].data, out.pkt[k].len, want, wlen))
                found = (int)k;
        if (found < 0) {
            printf("FAIL %s: %s never emitted (verdict %d, reason %s, %u packet(s) out)\n", id,
                   ex[i], (int)r.verdict, nat64_drop_name(r.reason), out.n);
            return 0;
        }
        used[found] = 1;
        const struct xlat_out_pkt *p = &out.pkt[found];
        if (p->len != wlen) {
            long d = diff_at(p->data, want, p->len < wlen ? p->len : wlen, mask, nmask);
            printf("FAIL %s: %s length %zu, expected %zu (first difference at %ld)\n", id, ex[i],
                   p->len, wlen, d);
            return 0;
        }
        long d = diff_at(p->data, want, wlen, mask, nmask);
        if (d >= 0) {
            printf("FAIL %s: %s differs at offset %ld (got 0x%02x, expected 0x%02x)\n", id, ex[i],
                   d, p->data[d], want[d]);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s VECTORS_DIR (shared/vectors/jool)\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/manifest.tsv", argv[1]);
    FILE *mf = fopen(path, "r");
    if (!mf) {
        /* CI has ../shared (support/skip_policy.h): missing there fails. */
        bool ci = tbr_test_in_ci();
        printf("Jool vectors not found (%s: %s); %s\n", path, strerror(errno),
               ci ? "CI must have them: failing" : "skipping");
        printf("0 passed, 0 failed, 0 skipped\n");
        return ci ? 1 : 77;
    }
    int pass = 0, fail = 0, skip = 0;
    static char line[8192];
    while (fgets(line, sizeof(line), mf)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[8];
        if (split(line, '\t', f, 8) != 8) {
            printf("FAIL malformed manifest line: %.60s\n", line);
            fail++;
            continue;
        }
        int r = run_case(argv[1], f);
        if (r > 0)
            pass++;
        else if (r == 0)
            fail++;
        else
            skip++;
    }
    fclose(mf);
    printf("%d passed, %d failed, %d skipped\n", pass, fail, skip);
    return fail ? 1 : 0;
}
