/*
 * The border router's data path; see data_path.h.
 */
#include "br/data_path.h"

#include <stdlib.h>
#include <string.h>

#include "br/log.h"
#include "netdata/netdata.h"
#include "util/textbuf.h"

#define ERR_MAX 512

static void add_counters(struct nat64_fmt_counters *to, const struct nat64_fmt_counters *c)
{
    for (int p = 0; p < NAT64_PROTO_COUNT; p++) {
        to->proto[p].pkts_4to6 += c->proto[p].pkts_4to6;
        to->proto[p].bytes_4to6 += c->proto[p].bytes_4to6;
        to->proto[p].pkts_6to4 += c->proto[p].pkts_6to4;
        to->proto[p].bytes_6to4 += c->proto[p].bytes_6to4;
    }
    for (int d = 0; d < NAT64_DROP_COUNT; d++) {
        to->drops_4to6[d] += c->drops_4to6[d];
        to->drops_6to4[d] += c->drops_6to4[d];
    }
}

/* (Re)builds the translator from dp's prefix and pool. */
static int rebuild(struct br_data_path *dp, char *err, size_t errlen)
{
    struct nat64_cfg *cfg = calloc(1, sizeof(*cfg));
    struct nat64 *n;
    char e[ERR_MAX];

    if (cfg == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    nat64_cfg_default(cfg);
    if (dp->has_prefix)
        cfg->prefix = dp->prefix;
    else
        memset(&cfg->prefix, 0, sizeof(cfg->prefix));
    if (dp->has_cidr)
        cfg->bib.pool = dp->cidr;
    cfg->icmp_err_limit = dp->cfg.icmp_err_limit;
    dp->cfg.random(dp->cfg.user, (uint8_t *)&cfg->bib.seed, sizeof(cfg->bib.seed));
    e[0] = '\0';
    n = nat64_new(cfg, e, sizeof(e));
    free(cfg);
    if (n == NULL) {
        br_log(dp->cfg.log, dp->cfg.user, 1, "nat64: cannot build the translator: %s", e);
        textbuf_setf(err, errlen, "cannot build the translator: %s", e);
        return -1;
    }
    if (dp->xlat != NULL) {
        struct nat64_fmt_counters c;

        nat64_counters(dp->xlat, &c);
        add_counters(&dp->ctr_base, &c);
        nat64_free(dp->xlat);
    }
    dp->xlat = n;
    return 0;
}

int br_data_path_init(struct br_data_path *dp, const struct br_data_path_cfg *cfg, uint64_t now_ms,
                      char *err, size_t errlen)
{
    memset(dp, 0, sizeof(*dp));
    dp->cfg = *cfg;
    if (dp->cfg.icmp_err_limit.per_s == 0) {
        dp->cfg.icmp_err_limit.per_s = BR_DATA_PATH_ICMP_ERR_PER_S;
        dp->cfg.icmp_err_limit.burst = BR_DATA_PATH_ICMP_ERR_BURST;
    }
    dp->out_buf = malloc(XLAT_OUT_CAP);
    dp->pkt_buf = malloc(BR_DATA_PATH_PKT_MAX);
    if (dp->out_buf == NULL || dp->pkt_buf == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    dp->out.buf = dp->out_buf;
    dp->out.cap = XLAT_OUT_CAP;
    dp->expire_due_ms = now_ms + BR_DATA_PATH_EXPIRE_MS;
    return 0;
}

void br_data_path_free(struct br_data_path *dp)
{
    nat64_free(dp->xlat);
    free(dp->out_buf);
    free(dp->pkt_buf);
    memset(dp, 0, sizeof(*dp));
}

int br_data_path_set_xlat(struct br_data_path *dp, const struct addr_prefix6 *prefix,
                          const struct addr_prefix4 *cidr, bool active, uint64_t now_ms, char *err,
                          size_t errlen)
{
    struct addr_prefix4 pool;
    bool same;

    (void)now_ms;
    dp->active = active;
    if (cidr != NULL) {
        pool = *cidr;
        addr_mask(pool.addr, 4, pool.len);
    }
    same = (prefix != NULL) == dp->has_prefix && (cidr != NULL) == dp->has_cidr &&
           (prefix == NULL || memcmp(prefix, &dp->prefix, sizeof(*prefix)) == 0) &&
           (cidr == NULL || memcmp(&pool, &dp->cidr, sizeof(pool)) == 0);
    if (same && dp->xlat != NULL)
        return 0;
    dp->has_prefix = prefix != NULL;
    if (prefix != NULL) {
        char s[ADDR_STR6];

        dp->prefix = *prefix;
        if (!same)
            br_log(dp->cfg.log, dp->cfg.user, 3, "nat64: translator prefix %s/%u",
                   addr_fmt6(prefix->addr, s), (unsigned)prefix->len);
    } else {
        memset(&dp->prefix, 0, sizeof(dp->prefix));
        if (!same)
            br_log(dp->cfg.log, dp->cfg.user, 3, "nat64: translator has no prefix");
    }
    dp->has_cidr = cidr != NULL;
    if (cidr != NULL)
        dp->cidr = pool;
    return rebuild(dp, err, errlen);
}

void br_data_path_set_netdata(struct br_data_path *dp, const uint8_t *netdata, size_t len)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    unsigned n = 0;

    while (netdata != NULL && n < BR_DATA_PATH_SRC_MAX &&
           netdata_next_prefix(netdata, len, NETDATA_ANY_RLOC16, &it, &pc)) {
        /* A device holds addresses only in prefixes the mesh is told are
         * on-mesh or hand out addresses (Border Router flags 'o', 'a', 'd'). */
        if (pc.on_mesh || pc.slaac || pc.dhcp)
            dp->src_ok[n++] = pc.prefix;
    }
    dp->n_src_ok = n;
}

/* The source (pkt + 8) is one a Thread device may use: not link-local, in
 * an on-mesh prefix (mesh-local sources are refused before). */
static bool source_ok(const struct br_data_path *dp, const uint8_t *pkt)
{
    const uint8_t *src = pkt + 8;

    if (src[0] == 0xfe && (src[1] & 0xc0) == 0x80)
        return false;
    for (unsigned i = 0; i < dp->n_src_ok; i++)
        if (addr_prefix_match(src, dp->src_ok[i].addr, dp->src_ok[i].len))
            return true;
    return false;
}

void br_data_path_clear(struct br_data_path *dp)
{
    nat64_clear(dp->xlat);
}

/* ---- writing packets ---------------------------------------------------------- */

static void host_write(struct br_data_path *dp, const uint8_t *pkt, size_t len)
{
    if (dp->cfg.host_tx != NULL)
        dp->cfg.host_tx(dp->cfg.user, pkt, len);
    if (dp->cfg.tun_ops != NULL) {
        char e[ERR_MAX];
        int r = dp->cfg.tun_ops->write(dp->cfg.tun, pkt, len, e, sizeof(e));

        if (r == 0) {
            dp->ctr.tun_tx++;
        } else {
            dp->ctr.tun_tx_errors++;
            if (r < 0)
                br_log(dp->cfg.log, dp->cfg.user, 4, "tun: write: %s", e);
        }
    }
}

static void mesh_send(struct br_data_path *dp, const uint8_t *pkt, size_t len, bool deferred,
                      uint64_t now_ms)
{
    int e = dp->cfg.mesh_tx(dp->cfg.user, pkt, len, deferred, now_ms);

    if (e == 0) {
        dp->ctr.mesh_tx++;
    } else {
        dp->ctr.mesh_tx_errors++;
        br_log(dp->cfg.log, dp->cfg.user, 4, "mesh: send refused (error %d)", e);
    }
}

/* ---- the two directions ---------------------------------------------------------- */

void br_data_path_mesh_rx(struct br_data_path *dp, const uint8_t *pkt, size_t len,
                          const struct tnode_rx_link *from, uint64_t now_ms)
{
    dp->ctr.host_rx++;
    if (len >= 40 && (pkt[0] >> 4) == 6 && dp->has_prefix &&
        addr_prefix_match(pkt + 24, dp->prefix.addr, dp->prefix.len)) {
        uint8_t ml[8];
        struct xlat_result r;

        if (dp->cfg.mesh_local(dp->cfg.user, ml) && memcmp(pkt + 8, ml, 8) == 0) {
            /* OpenThread: mesh-local sources never reach NAT64 (§1.5). */
            dp->ctr.host_rx_mesh_local++;
            return;
        }
        if (!dp->active) {
            dp->ctr.host_rx_not_active++;
            return;
        }
        if (!source_ok(dp, pkt)) {
            dp->ctr.host_rx_bad_source++;
            return;
        }
        r = nat64_translate_dev(dp->xlat, pkt, len, now_ms, tnode_rx_device_key(from, pkt + 8),
                                &dp->out);
        switch (r.verdict) {
        case XLAT_FORWARD:
            for (unsigned i = 0; i < dp->out.n; i++) {
                const struct xlat_out_pkt *p = &dp->out.pkt[i];

                if (p->len > 0 && (p->data[0] >> 4) == 6) {
                    mesh_send(dp, p->data, p->len, true, now_ms); /* hairpinned */
                } else {
                    dp->ctr.xlat_6to4++;
                    host_write(dp, p->data, p->len);
                }
            }
            return;
        case XLAT_REPLY:
            dp->ctr.xlat_replies++;
            for (unsigned i = 0; i < dp->out.n; i++)
                mesh_send(dp, dp->out.pkt[i].data, dp->out.pkt[i].len, true, now_ms);
            return;
        case XLAT_DROP:
            dp->ctr.xlat_drops++;
            return;
        case XLAT_PASS:
            break;
        }
    }
    host_write(dp, pkt, len);
}

void br_data_path_host_input(struct br_data_path *dp, const uint8_t *pkt, size_t len,
                             uint64_t now_ms)
{
    unsigned version = len > 0 ? pkt[0] >> 4 : 0;
    struct xlat_result r;

    dp->ctr.tun_rx++;
    if (version == 6 && len >= 40) {
        mesh_send(dp, pkt, len, false, now_ms);
        return;
    }
    if (version != 4 || len < 20) {
        dp->ctr.tun_rx_bad++;
        return;
    }
    if (!dp->active || !dp->has_cidr || !addr_prefix_match(pkt + 16, dp->cidr.addr, dp->cidr.len)) {
        dp->ctr.tun_rx_ip4_dropped++;
        return;
    }
    r = nat64_translate(dp->xlat, pkt, len, now_ms, &dp->out);
    switch (r.verdict) {
    case XLAT_FORWARD:
        for (unsigned i = 0; i < dp->out.n; i++) {
            dp->ctr.xlat_4to6++;
            mesh_send(dp, dp->out.pkt[i].data, dp->out.pkt[i].len, false, now_ms);
        }
        break;
    case XLAT_REPLY:
        dp->ctr.xlat_replies++;
        for (unsigned i = 0; i < dp->out.n; i++)
            host_write(dp, dp->out.pkt[i].data, dp->out.pkt[i].len);
        break;
    case XLAT_DROP:
        dp->ctr.xlat_drops++;
        break;
    case XLAT_PASS:
        dp->ctr.tun_rx_ip4_dropped++;
        break;
    }
}

int br_data_path_tun_read(struct br_data_path *dp, unsigned burst, uint64_t now_ms)
{
    int got = 0;

    if (dp->cfg.tun_ops == NULL)
        return 0;
    for (unsigned i = 0; i < burst; i++) {
        char e[ERR_MAX];
        ssize_t n =
            dp->cfg.tun_ops->read(dp->cfg.tun, dp->pkt_buf, BR_DATA_PATH_PKT_MAX, e, sizeof(e));

        if (n < 0) {
            br_log(dp->cfg.log, dp->cfg.user, 2, "tun: read: %s", e);
            return -1;
        }
        if (n == 0)
            break;
        got++;
        br_data_path_host_input(dp, dp->pkt_buf, (size_t)n, now_ms);
    }
    return got;
}

void br_data_path_process(struct br_data_path *dp, uint64_t now_ms)
{
    if (now_ms >= dp->expire_due_ms) {
        nat64_expire(dp->xlat, now_ms);
        dp->expire_due_ms = now_ms + BR_DATA_PATH_EXPIRE_MS;
    }
}

uint64_t br_data_path_next_ms(const struct br_data_path *dp)
{
    return dp->expire_due_ms;
}

/* ---- views ------------------------------------------------------------------------ */

void br_data_path_xlat_counters(const struct br_data_path *dp, struct nat64_fmt_counters *out)
{
    struct nat64_fmt_counters c;

    *out = dp->ctr_base;
    nat64_counters(dp->xlat, &c);
    add_counters(out, &c);
    out->drops_6to4[NAT64_DROP_BAD_SOURCE] += dp->ctr.host_rx_bad_source;
}

#define MAPPINGS_FIRST 256

int br_data_path_fmt_mappings(const struct br_data_path *dp, FILE *out, uint64_t now_ms)
{
    size_t cap = MAPPINGS_FIRST;
    struct nat64_fmt_mapping *m = calloc(cap, sizeof(*m));
    size_t total;

    if (m == NULL)
        return -1;
    total = nat64_mappings(dp->xlat, now_ms, m, cap);
    if (total > cap) {
        struct nat64_fmt_mapping *bigger = realloc(m, total * sizeof(*m));

        if (bigger == NULL) {
            free(m);
            return -1;
        }
        m = bigger;
        cap = total;
        total = nat64_mappings(dp->xlat, now_ms, m, cap);
        if (total > cap)
            total = cap;
    }
    nat64_fmt_mappings(out, m, total);
    free(m);
    return 0;
}

void br_data_path_fmt_counters(const struct br_data_path *dp, FILE *out)
{
    struct nat64_fmt_counters c;

    br_data_path_xlat_counters(dp, &c);
    nat64_fmt_counters(out, &c);
    nat64_fmt_counters_ext(out, &c);
}

const struct br_data_path_counters *br_data_path_counters(const struct br_data_path *x)
{
    return &x->ctr;
}
