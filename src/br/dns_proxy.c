/*
 * The border router's DNS proxy; see dns_proxy.h.
 */
#include "br/dns_proxy.h"

#include <stdlib.h>
#include <string.h>

#include "br/log.h"
#include "dns/dns_msg.h"
#include "netdata/netdata.h"
#include "util/kv.h"
#include "util/textbuf.h"

static uint16_t rand16(void *ctx)
{
    struct br_dns_proxy *p = ctx;
    uint8_t b[2];

    p->cfg.random(p->cfg.user, b, sizeof(b));
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* Carries out p->act (and what failures lead to). */
static void act_do(struct br_dns_proxy *p, uint64_t now_ms)
{
    struct dns_server_action *act = p->act;

    for (int guard = 0; guard < 2 * DNS_SERVER_MAX_UPSTREAMS + 4; guard++) {
        char e[256] = "no upstream transport";

        switch (act->kind) {
        case DNS_SERVER_ACT_NONE:
            return;
        case DNS_SERVER_ACT_REPLY: {
            enum ot_err te;

            if (act->txn != 0 && p->cfg.up_ops != NULL)
                p->cfg.up_ops->cancel(p->cfg.up, act->txn);
            te = tnode_udp_send_from(p->cfg.node, p->udp, act->has_local ? act->local : NULL,
                                     act->addr, act->port, act->buf, act->len, now_ms);
            if (te != OT_ERR_NONE) {
                p->ctr.dns_tx_errors++;
                br_log(p->cfg.log, p->cfg.user, 4, "dns: reply refused by the node (error %d)",
                       (int)te);
            }
            return;
        }
        case DNS_SERVER_ACT_UPSTREAM:
            if (p->cfg.up_ops != NULL) {
                p->cfg.up_ops->cancel(p->cfg.up, act->txn);
                if (p->cfg.up_ops->send(p->cfg.up, act->txn, act->tcp, act->addr, act->port,
                                        act->buf, act->len, e, sizeof(e)) == 0)
                    return;
            }
            br_log(p->cfg.log, p->cfg.user, 4, "dns: upstream: %s", e);
            p->ctr.dns_upstream_errors++;
            dns_server_upstream_error(p->dns, now_ms, act->txn, act);
            break;
        }
    }
}

/* Sources inside the Thread network: the node's mesh-local and link-local
 * prefixes and the on-mesh prefixes of the Network Data. */
static bool from_thread(struct br_dns_proxy *p, const uint8_t src[16])
{
    struct addr_prefix6 pf[32];
    struct tnode_addr ad[16];
    size_t n = 0, k = tnode_addrs(p->cfg.node, ad, 16), ndlen = 0;
    const uint8_t *nd = tnode_netdata(p->cfg.node, &ndlen);
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;

    if (k > 16)
        k = 16;
    for (size_t i = 0; i < k && n < 16; i++) {
        if (ad[i].kind == TNODE_ADDR_SLAAC || ad[i].kind == TNODE_ADDR_OTHER)
            continue;
        memset(&pf[n], 0, sizeof(pf[n]));
        memcpy(pf[n].addr, ad[i].addr, 8);
        pf[n].len = 64;
        n++;
    }
    while (nd != NULL && n < 32 && netdata_next_prefix(nd, ndlen, NETDATA_ANY_RLOC16, &it, &pc))
        if (pc.on_mesh)
            pf[n++] = pc.prefix;
    return dns_server_source_allowed(src, pf, n);
}

/* An SRP update from rx, handed to the SRP server and answered through
 * socket handle. */
static void srp_handle(struct br_dns_proxy *p, int handle, const struct tnode_udp_rx *rx, bool ok,
                       uint64_t now_ms)
{
    size_t len = 0;
    char src[ADDR_STR6];
    enum srp_err result;

    if (!br_srp_server_input(p->cfg.srp, now_ms, rx->payload, rx->len, ok, p->srp_reply, &len,
                             &result)) {
        br_log(p->cfg.log, p->cfg.user, 4, "srp: %u octets from %s dropped", (unsigned)rx->len,
               addr_fmt6(rx->src, src));
        return;
    }
    br_log(p->cfg.log, p->cfg.user, result == SRP_OK ? 3 : 4, "srp: update from %s: %s",
           addr_fmt6(rx->src, src), srp_err_str(result));
    /* From the address the update went to (the anycast ALOC in anycast
     * mode): a client's connected socket takes nothing else. */
    if (tnode_udp_send_from(p->cfg.node, handle, rx->dst, rx->src, rx->sport, p->srp_reply, len,
                            now_ms) != OT_ERR_NONE)
        p->ctr.dns_tx_errors++;
}

void br_dns_proxy_udp_rx(struct br_dns_proxy *p, int handle, const struct tnode_udp_rx *rx)
{
    uint64_t now_ms = rx->now_ms;
    bool ok = from_thread(p, rx->src);
    struct dns_hdr h;

    if (handle != p->udp) {
        srp_handle(p, handle, rx, ok, now_ms);
        return;
    }
    p->ctr.dns_rx++;
    /* UPDATE (opcode 5, QR=0) on the DNS port goes to the SRP server (ot §5.1). */
    if (dns_hdr_read(rx->payload, rx->len, &h) == DNS_OK && !(h.flags & DNS_FLAG_QR) &&
        dns_hdr_opcode(&h) == DNS_OPCODE_UPDATE) {
        srp_handle(p, p->udp, rx, ok, now_ms);
        return;
    }
    /* The client for the fair share: the child that sent it, or the source
     * address of a device behind a router (node.h, tnode_rx_device_key). */
    dns_server_query_dev(p->dns, now_ms, rx->payload, rx->len, rx->src, rx->sport, rx->dst, ok,
                         tnode_rx_device_key(&rx->link, rx->src), p->act);
    act_do(p, now_ms);
}

/* The node's callbacks (rx->now_ms: the time of the call into the node). */
static void dns_udp_cb(void *ctx, const struct tnode_udp_rx *rx)
{
    struct br_dns_proxy *p = ctx;

    br_dns_proxy_udp_rx(p, p->udp, rx);
}

static void srp_udp_cb(void *ctx, const struct tnode_udp_rx *rx)
{
    struct br_dns_proxy *p = ctx;

    br_dns_proxy_udp_rx(p, p->srp_udp, rx);
}

void br_dns_proxy_upstream_rx(void *user, uint32_t txn, const uint8_t *msg, size_t len,
                              const uint8_t addr[16], uint16_t port, int err, uint64_t now_ms)
{
    struct br_dns_proxy *p = user;

    if (msg == NULL) {
        p->ctr.dns_upstream_errors++;
        br_log(p->cfg.log, p->cfg.user, 4, "dns: upstream %s",
               err > 0 ? strerror(err) : "closed the connection");
        dns_server_upstream_error(p->dns, now_ms, txn, p->act);
    } else {
        dns_server_upstream_response(p->dns, now_ms, txn, msg, len, addr, port, p->act);
    }
    act_do(p, now_ms);
}

/* ---- resolvers ------------------------------------------------------------------ */

static void set_upstreams(struct br_dns_proxy *p, const struct dns_upstream_addr *list, size_t n)
{
    size_t kept = dns_server_set_upstreams(p->dns, list, n);

    for (size_t i = 0; i < kept; i++) {
        char s[ADDR_STR6];

        br_log(p->cfg.log, p->cfg.user, 3, "dns: upstream %s port %u", addr_fmt6(list[i].addr, s),
               (unsigned)list[i].port);
    }
    if (kept == 0)
        br_log(p->cfg.log, p->cfg.user, 2, "dns: no upstream resolver");
}

static void resolv_check(struct br_dns_proxy *p, uint64_t now_ms, bool force)
{
    struct textfile_stamp st;
    struct dns_upstream_addr list[DNS_SERVER_MAX_UPSTREAMS];
    size_t n = 0;
    char e[256];
    long len;

    p->resolv_check_ms = now_ms + BR_DNS_PROXY_RESOLV_CHECK_MS;
    if (p->cfg.file_ops->stamp(p->cfg.file, p->resolv_path, &st, e, sizeof(e)) != 0) {
        if (force || p->resolv_ok) {
            br_log(p->cfg.log, p->cfg.user, 2, "dns: %s: %s", p->resolv_path, e);
            set_upstreams(p, NULL, 0);
        }
        p->resolv_ok = false;
        return;
    }
    if (!force && p->resolv_ok && memcmp(&st, &p->stamp, sizeof(st)) == 0)
        return;
    p->resolv_ok = true;
    p->stamp = st;
    len = p->cfg.file_ops->read(p->cfg.file, p->resolv_path, p->file_buf, BR_DNS_PROXY_FILE_MAX);
    if (len > 0)
        n = dns_resolv_conf_parse(p->file_buf, (size_t)len, list, DNS_SERVER_MAX_UPSTREAMS);
    p->ctr.dns_resolv_reads++;
    br_log(p->cfg.log, p->cfg.user, 3, "dns: read %s: %u resolver(s)", p->resolv_path, (unsigned)n);
    set_upstreams(p, list, n);
}

/* ---- the SRP socket ---------------------------------------------------------------- */

static int srp_sock_open(struct br_dns_proxy *p)
{
    enum ot_err e;

    if (p->srp_udp >= 0)
        return 0;
    e = tnode_udp_open(p->cfg.node, srp_udp_cb, p, &p->srp_udp);
    if (e == OT_ERR_NONE)
        e = tnode_udp_bind(p->cfg.node, p->srp_udp, NULL, BR_DNS_PROXY_SRP_PORT);
    if (e != OT_ERR_NONE) {
        br_log(p->cfg.log, p->cfg.user, 1, "srp: cannot open UDP port %u in the node (error %d)",
               (unsigned)BR_DNS_PROXY_SRP_PORT, (int)e);
        if (p->srp_udp >= 0)
            tnode_udp_close(p->cfg.node, p->srp_udp);
        p->srp_udp = -1;
        return -1;
    }
    br_log(p->cfg.log, p->cfg.user, 3, "srp: server on UDP port %u",
           (unsigned)BR_DNS_PROXY_SRP_PORT);
    return 0;
}

void br_dns_proxy_set_srp_enabled(struct br_dns_proxy *p, bool on)
{
    if (br_srp_server_enabled(p->cfg.srp) == on)
        return;
    br_srp_server_set_enabled(p->cfg.srp, on);
    if (on) {
        (void)srp_sock_open(p);
    } else if (p->srp_udp >= 0) {
        tnode_udp_close(p->cfg.node, p->srp_udp);
        p->srp_udp = -1;
        br_log(p->cfg.log, p->cfg.user, 3, "srp: server disabled");
    }
}

bool br_dns_proxy_srp_open(const struct br_dns_proxy *p)
{
    return p->srp_udp >= 0;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

int br_dns_proxy_init(struct br_dns_proxy *p, const struct br_dns_proxy_cfg *cfg, uint64_t now_ms,
                      char *err, size_t errlen)
{
    struct dns_server_cfg dc;
    uint8_t b = 1;
    size_t len = 0;
    enum ot_err e;

    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
    p->cfg.upstreams = NULL;
    p->cfg.resolv_conf = NULL;
    p->udp = -1;
    p->srp_udp = -1;
    p->dns = calloc(1, sizeof(*p->dns));
    p->act = calloc(1, sizeof(*p->act));
    if (p->dns == NULL || p->act == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    dns_server_cfg_default(&dc);
    if (cfg->kv != NULL && kv_get(cfg->kv, SETTINGS_KEY_DNS_UPSTREAM, 0, &b, 1, &len) == 0 &&
        len == 1)
        dc.upstream_enabled = b != 0;
    else
        dc.upstream_enabled = true; /* otbr-agent turns forwarding on */
    dc.rand16 = rand16;
    dc.rand_ctx = p;
    dc.dns64 = cfg->dns64;
    srp_registry_dns_ops(&p->srp_ops);
    dc.srp = &p->srp_ops;
    dc.srp_ctx = br_srp_server_registry(cfg->srp);
    if (!dns_server_init(p->dns, &dc)) {
        textbuf_setf(err, errlen, "cannot set up the DNS server");
        return -1;
    }
    e = tnode_udp_open(cfg->node, dns_udp_cb, p, &p->udp);
    if (e == OT_ERR_NONE)
        e = tnode_udp_bind(cfg->node, p->udp, NULL, DNS_PORT);
    if (e != OT_ERR_NONE) {
        textbuf_setf(err, errlen, "cannot open the DNS server socket in the node (error %d)",
                     (int)e);
        return -1;
    }
    if (cfg->n_upstreams > 0) {
        set_upstreams(p, cfg->upstreams, cfg->n_upstreams);
    } else if (cfg->resolv_conf != NULL && cfg->file_ops != NULL) {
        p->file_buf = malloc(BR_DNS_PROXY_FILE_MAX);
        if (p->file_buf == NULL) {
            textbuf_setf(err, errlen, "out of memory");
            return -1;
        }
        snprintf(p->resolv_path, sizeof(p->resolv_path), "%s", cfg->resolv_conf);
        p->resolv_use = true;
        resolv_check(p, now_ms, true);
    }
    br_log(p->cfg.log, p->cfg.user, 3,
           "dns: server on UDP port %d of the Thread addresses, upstream %s%s", DNS_PORT,
           dc.upstream_enabled ? "enabled" : "disabled", dc.dns64 ? ", DNS64" : "");
    if (br_srp_server_enabled(cfg->srp) && srp_sock_open(p) != 0) {
        textbuf_setf(err, errlen, "cannot open the SRP server socket in the node");
        return -1;
    }
    return 0;
}

void br_dns_proxy_free(struct br_dns_proxy *p)
{
    free(p->dns);
    free(p->act);
    free(p->file_buf);
    p->dns = NULL;
    p->act = NULL;
    p->file_buf = NULL;
}

void br_dns_proxy_process(struct br_dns_proxy *p, uint64_t now_ms)
{
    for (int i = 0; i < 64 && dns_server_poll(p->dns, now_ms, p->act); i++)
        act_do(p, now_ms);
    if (p->resolv_use && now_ms >= p->resolv_check_ms)
        resolv_check(p, now_ms, false);
}

uint64_t br_dns_proxy_next_ms(const struct br_dns_proxy *p)
{
    uint64_t t = dns_server_next_timeout(p->dns);

    if (p->resolv_use && p->resolv_check_ms < t)
        t = p->resolv_check_ms;
    return t;
}

/* ---- settings and views ------------------------------------------------------------ */

void br_dns_proxy_set_nat64_prefix(struct br_dns_proxy *p, const struct addr_prefix6 *prefix)
{
    bool has = prefix != NULL;

    if (has == p->has_pfx && (!has || memcmp(prefix, &p->pfx, sizeof(*prefix)) == 0))
        return;
    p->has_pfx = has;
    if (has)
        p->pfx = *prefix;
    dns_server_set_nat64_prefix(p->dns, prefix);
}

bool br_dns_proxy_upstream_enabled(const struct br_dns_proxy *p)
{
    return p->dns->cfg.upstream_enabled;
}

void br_dns_proxy_set_upstream(struct br_dns_proxy *p, bool on)
{
    uint8_t b = on ? 1 : 0;

    if (p->dns->cfg.upstream_enabled == on)
        return;
    dns_server_set_upstream_enabled(p->dns, on);
    if (p->cfg.kv != NULL && kv_set(p->cfg.kv, SETTINGS_KEY_DNS_UPSTREAM, &b, 1) != 0)
        br_log(p->cfg.log, p->cfg.user, 2, "dns: cannot save the upstream setting");
    br_log(p->cfg.log, p->cfg.user, 3, "dns: upstream queries %s", on ? "enabled" : "disabled");
}

bool br_dns_proxy_dns64_enabled(const struct br_dns_proxy *p)
{
    return p->dns->cfg.dns64;
}

void br_dns_proxy_set_dns64(struct br_dns_proxy *p, bool on)
{
    dns_server_set_dns64(p->dns, on);
    br_log(p->cfg.log, p->cfg.user, 3, "dns: DNS64 %s", on ? "enabled" : "disabled");
}

void br_dns_proxy_fmt_counters(const struct br_dns_proxy *p, FILE *out)
{
    for (int i = 0; i < DNS_SERVER_CNT__COUNT; i++)
        fprintf(out, "%s: %llu\n", dns_server_counter_name((enum dns_server_counter)i),
                (unsigned long long)dns_server_counter(p->dns, (enum dns_server_counter)i));
}

const struct br_dns_proxy_counters *br_dns_proxy_counters(const struct br_dns_proxy *x)
{
    return &x->ctr;
}
