/*
 * libFuzzer harness for the MAC filter (mac/mac_filter.h) and its use in
 * the MAC receive path (mac/mac.h, step 5a).
 *
 * The input is split at the first 0xff byte (none: all of it is ops; an
 * RSS of -1 cannot be written, every other value can):
 *  - before it, a program of operations (opcode, argument; `rss add` a
 *    third byte, the RSS) over a
 *    filter, checked against a naive model per address (listed, RSS-in)
 *    with OpenThread's rules: the 32-entry shared table (NoBufs exactly
 *    when a new address would be the 33rd in use), the verdict and RSS of
 *    apply, the iterators (each listed / RSS entry once, nothing else), the
 *    counters;
 *  - after it, a PSDU (a valid FCS appended) received by a MAC layer whose
 *    filter the program configured: what is delivered from a known address
 *    must pass the filter, with the fixed RSS when one applies; the drop
 *    counters add up.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mac/mac.h"
#include "mac/mac_filter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Addresses the program names: more than the table holds. */
#define NADDR 40

static void check(int cond)
{
    if (!cond)
        abort();
}

static void addr_of(unsigned k, uint8_t ext[MAC_EXT_ADDR_LEN])
{
    static const uint8_t base[MAC_EXT_ADDR_LEN] = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0};

    memcpy(ext, base, MAC_EXT_ADDR_LEN);
    ext[7] = (uint8_t)k;
}

struct model {
    bool listed[NADDR];
    bool has_rss[NADDR];
    int8_t rss[NADDR];
    bool has_def;
    int8_t def;
    enum mac_filter_mode mode;
    uint64_t applied, drops;
};

static unsigned in_use(const struct model *m)
{
    unsigned n = 0;

    for (unsigned k = 0; k < NADDR; k++)
        n += m->listed[k] || m->has_rss[k];
    return n;
}

static void check_apply(struct mac_filter *f, struct model *m, unsigned k)
{
    uint8_t ext[MAC_EXT_ADDR_LEN];
    int8_t rss = 0;
    bool drop = (m->mode == MAC_FILTER_ALLOWLIST && !m->listed[k]) ||
                (m->mode == MAC_FILTER_DENYLIST && m->listed[k]);
    int8_t want = MAC_FILTER_RSS_NONE;

    if (!drop)
        want = m->has_rss[k] ? m->rss[k] : m->has_def ? m->def : MAC_FILTER_RSS_NONE;
    addr_of(k, ext);
    check(mac_filter_apply(f, ext, &rss) == (drop ? OT_ERR_ADDRESS_FILTERED : OT_ERR_NONE));
    check(rss == want);
    m->applied++;
    m->drops += drop;
}

/* Each listed (or RSS) address exactly once, with the model's RSS. */
static void check_iter(const struct mac_filter *f, const struct model *m, bool rss_list)
{
    bool seen[NADDR] = {false};
    struct mac_filter_entry e;
    unsigned it = 0, n = 0;

    while (rss_list ? mac_filter_next_rss(f, &it, &e) : mac_filter_next_addr(f, &it, &e)) {
        uint8_t ext[MAC_EXT_ADDR_LEN];
        unsigned k = e.ext[7];

        check(k < NADDR && !seen[k]);
        addr_of(k, ext);
        check(memcmp(ext, e.ext, MAC_EXT_ADDR_LEN) == 0);
        check(rss_list ? m->has_rss[k] : m->listed[k]);
        check(e.rss == (m->has_rss[k] ? m->rss[k] : MAC_FILTER_RSS_NONE));
        seen[k] = true;
        n++;
        check(n <= MAC_FILTER_MAX_ENTRIES);
    }
    for (unsigned k = 0; k < NADDR; k++)
        check(seen[k] == (rss_list ? m->has_rss[k] : m->listed[k]));
}

/* One operation at p (n >= 2 bytes left); returns the bytes it took. */
static size_t op(struct mac_filter *f, struct model *m, const uint8_t *p, size_t n)
{
    uint8_t code = p[0], arg = p[1];
    size_t used = 2;
    unsigned k = arg % NADDR;
    uint8_t ext[MAC_EXT_ADDR_LEN];
    bool fresh;
    enum ot_err e;
    int8_t v = (int8_t)arg;

    addr_of(k, ext);
    fresh = !m->listed[k] && !m->has_rss[k];
    switch (code % 11) {
    case 0:
        e = mac_filter_add_addr(f, ext);
        check(e == (fresh && in_use(m) == MAC_FILTER_MAX_ENTRIES ? OT_ERR_NO_BUFS : OT_ERR_NONE));
        if (e == OT_ERR_NONE)
            m->listed[k] = true;
        break;
    case 1:
        mac_filter_remove_addr(f, ext);
        m->listed[k] = false;
        break;
    case 2:
        mac_filter_clear_addrs(f);
        memset(m->listed, 0, sizeof(m->listed));
        break;
    case 3:
        if (n < 3)
            return n;
        v = (int8_t)p[2];
        used = 3;
        e = mac_filter_add_rss(f, ext, v);
        check(e == (fresh && in_use(m) == MAC_FILTER_MAX_ENTRIES ? OT_ERR_NO_BUFS : OT_ERR_NONE));
        if (e == OT_ERR_NONE) {
            m->has_rss[k] = v != MAC_FILTER_RSS_NONE;
            m->rss[k] = v;
        }
        break;
    case 4:
        mac_filter_remove_rss(f, ext);
        m->has_rss[k] = false;
        break;
    case 5:
        mac_filter_set_default_rss(f, v);
        m->has_def = v != MAC_FILTER_RSS_NONE;
        m->def = v;
        break;
    case 6:
        mac_filter_clear_default_rss(f);
        m->has_def = false;
        break;
    case 7:
        mac_filter_clear_rss(f);
        memset(m->has_rss, 0, sizeof(m->has_rss));
        m->has_def = false;
        break;
    case 8:
        mac_filter_set_mode(f, (enum mac_filter_mode)(arg % 4));
        if (arg % 4 < 3)
            m->mode = (enum mac_filter_mode)(arg % 4);
        check(mac_filter_mode(f) == m->mode);
        break;
    case 9:
        check_apply(f, m, k);
        break;
    default:
        check_iter(f, m, arg & 1);
        break;
    }
    int8_t d = 0;
    check(mac_filter_default_rss(f, &d) == m->has_def);
    check(!m->has_def || d == m->def);
    return used;
}

/* ---- the MAC layer ------------------------------------------------------------------ */

struct rx_ctx {
    struct mac_layer *mac;
    unsigned delivered;
};

static int fake_transmit(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    (void)radio;
    (void)psdu;
    (void)channel;
    check(len >= 1 && len <= MAC_PSDU_MAX);
    return 0;
}

static const struct radio_ops fake_ops = {.transmit = fake_transmit};

/* Short sources 0x0000..0x00ff resolve to the program's addresses. */
static bool neighbour(void *user, const struct mac_addr *src, struct mac_nbr_sec *out)
{
    (void)user;
    if (src->mode != MAC_ADDR_SHORT || src->short_addr >= NADDR)
        return false;
    addr_of(src->short_addr, out->ext);
    out->key_seq = NULL;
    out->replay = NULL;
    return true;
}

static void on_rx(void *user, const struct mac_rx_info *info)
{
    struct rx_ctx *c = user;
    struct mac_filter copy = *mac_layer_filter(c->mac);
    int8_t rss = 0;

    c->delivered++;
    if (!info->src_ext_known) {
        check(!info->rss_fixed);
        return;
    }
    /* On a copy: the check must not count. */
    check(mac_filter_apply(&copy, info->src_ext, &rss) == OT_ERR_NONE);
    check(info->rss_fixed == (rss != MAC_FILTER_RSS_NONE));
    check(info->rssi == (info->rss_fixed ? rss : -40));
}

static void receive(const struct mac_filter *f, const uint8_t *psdu, size_t n)
{
    static struct mac_layer mac;
    struct mac_layer_config cfg;
    struct rx_ctx ctx = {.mac = &mac};
    uint8_t buf[MAC_PSDU_MAX];
    static const uint8_t own[MAC_EXT_ADDR_LEN] = {0x5e, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};

    if (n + MAC_FCS_LEN > MAC_PSDU_MAX)
        n = MAC_PSDU_MAX - MAC_FCS_LEN;
    memcpy(buf, psdu, n);
    uint16_t crc = mac_crc16_kermit(buf, n);
    buf[n] = (uint8_t)crc;
    buf[n + 1] = (uint8_t)(crc >> 8);

    mac_layer_config_default(&cfg);
    cfg.radio_ops = &fake_ops;
    cfg.channel = 15;
    cfg.pan_id = 0x1234;
    cfg.short_addr = 0x1800;
    memcpy(cfg.ext_addr, own, sizeof(own));
    cfg.rx = on_rx;
    cfg.neighbour = neighbour;
    cfg.user = &ctx;
    check(mac_layer_init(&mac, &cfg) == 0);
    *mac_layer_filter(&mac) = *f;
    uint64_t before = mac_layer_filter(&mac)->counters.drop_allowlist +
                      mac_layer_filter(&mac)->counters.drop_denylist;

    struct radio_rx_frame rf = {
        .psdu = buf, .len = n + MAC_FCS_LEN, .channel = 15, .rssi = -40, .timestamp_ms = 1};
    mac_layer_receive(&mac, &rf);

    const struct mac_layer_counters *c = mac_layer_counters(&mac);
    const struct mac_filter_counters *fc = &mac_layer_filter(&mac)->counters;
    check(c->rx_frames == 1);
    check(c->rx_delivered == ctx.delivered);
    check(c->rx_drop_filtered == fc->drop_allowlist + fc->drop_denylist - before);
    check(c->rx_drop_filtered + c->rx_delivered <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mac_filter f;
    struct model m;
    const uint8_t *sep = memchr(data, 0xff, size);
    size_t nops = sep ? (size_t)(sep - data) : size;

    mac_filter_init(&f);
    memset(&m, 0, sizeof(m));
    for (size_t i = 0; i + 1 < nops;)
        i += op(&f, &m, data + i, nops - i);
    check(f.counters.applied == m.applied);
    check(f.counters.drop_allowlist + f.counters.drop_denylist == m.drops);
    check_iter(&f, &m, false);
    check_iter(&f, &m, true);
    if (sep)
        receive(&f, sep + 1, size - nops - 1);
    return 0;
}
