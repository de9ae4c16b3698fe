#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "util/csum.h"

static uint8_t obuf[XLAT_OUT_CAP];

void fuzz_run(struct nat64 *n, const uint8_t *data, size_t size, uint64_t now_ms)
{
    struct xlat_out out = {.buf = obuf, .cap = sizeof(obuf)};
    struct xlat_result r = nat64_translate(n, data, size, now_ms, &out);
    if (r.verdict != XLAT_FORWARD && r.verdict != XLAT_REPLY && out.n != 0)
        abort();
    if (out.n > XLAT_MAX_OUT)
        abort();
    for (unsigned i = 0; i < out.n; i++) {
        const struct xlat_out_pkt *p = &out.pkt[i];
        if (p->data < obuf || p->data + p->len > obuf + sizeof(obuf) || p->len < 20)
            abort();
        unsigned v = p->data[0] >> 4;
        if (v != 4 && v != 6)
            abort();
    }
}

/* A device's UDP packet to the synthesized 192.0.2.1, making a mapping. */
static void seed_flow(struct nat64 *n, const char *dev, uint8_t proto)
{
    uint8_t p[48 + 8] = {0x60, 0, 0, 0, 0, 8, proto, 64};
    addr_parse6(dev, p + 8);
    addr_parse6("64:ff9b::192.0.2.1", p + 24);
    uint8_t *t = p + 40;
    t[0] = 0x30;
    t[1] = 0x39;
    t[2] = 0x00;
    t[3] = 0x35;
    if (proto == 58) {
        memset(t, 0, 8);
        t[0] = 128;
        t[4] = 0x30;
        t[5] = 0x39;
    } else {
        t[4] = 0;
        t[5] = 8;
    }
    uint16_t c = csum_finish(csum_add(csum_pseudo6(p + 8, p + 24, proto, 8), t, 8));
    t[proto == 58 ? 2 : 6] = (uint8_t)(c >> 8);
    t[proto == 58 ? 3 : 7] = (uint8_t)c;
    fuzz_run(n, p, 48, 0);
}

static struct nat64 *make(enum nat64_mode mode, bool napt)
{
    struct nat64_cfg *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        abort();
    nat64_cfg_default(cfg);
    cfg->mode = mode;
    addr_parse_prefix6("64:ff9b::/96", &cfg->prefix);
    cfg->bib.napt = napt;
    cfg->bib.max_sessions = 4096;
    cfg->bib.max_mappings = 512;
    cfg->xlat.have_self4 = true;
    addr_parse4("192.0.2.254", cfg->xlat.self4);
    cfg->xlat.have_self6 = true;
    addr_parse6("2001:db8::1", cfg->xlat.self6);
    if (mode == NAT64_STATELESS) {
        struct siit_eam e;
        addr_parse_prefix6("2001:db8:3::/120", &e.p6);
        addr_parse_prefix4("198.51.100.0/24", &e.p4);
        siit_add_eam(&cfg->siit, &e);
        cfg->siit.have_rfc6791v4 = true;
        addr_parse4("203.0.113.8", cfg->siit.rfc6791v4);
    }
    struct nat64 *n = nat64_new(cfg, NULL, 0);
    free(cfg);
    if (!n)
        abort();
    if (mode == NAT64_STATEFUL) {
        seed_flow(n, "fd00::1", 17);
        seed_flow(n, "fd00::2", 6);
        seed_flow(n, "fd00::3", 58);
    }
    return n;
}

struct nat64 *fuzz_stateful(void)
{
    static struct nat64 *n;
    if (!n)
        n = make(NAT64_STATEFUL, false);
    return n;
}

struct nat64 *fuzz_napt(void)
{
    static struct nat64 *n;
    if (!n)
        n = make(NAT64_STATEFUL, true);
    return n;
}

struct nat64 *fuzz_stateless(void)
{
    static struct nat64 *n;
    if (!n)
        n = make(NAT64_STATELESS, false);
    return n;
}
