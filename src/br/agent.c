/*
 * The border router core; see agent.h for the model.
 */
#include "br/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "br/ra.h"
#include "platform/settings.h"
#include "platform/tun.h"
#include "thread/dataset.h"
#include "util/addr.h"
#include "util/rd.h"
#include "util/textbuf.h"

#define ULA_SETTING_LEN 17
#define NAT64_SETTING_VERSION 1
#define TUN_PKT_MAX 65536
#define DNS_TCP_BUF (2 + 65535)

/* One upstream attempt's host socket. */
struct dns_sock {
    int fd; /* -1: free */
    uint32_t txn;
    bool tcp;
    uint8_t addr[16];
    uint16_t port;
    uint8_t *wbuf; /* TCP: the framed query, sent once connected */
    size_t wlen, woff;
    uint8_t *rbuf; /* TCP: the stream so far */
    size_t rhave;
};

struct mesh_pkt {
    uint8_t *data;
    size_t len;
};

struct br_agent {
    struct br_agent_cfg cfg;
    char tun_name[TUN_NAME_MAX];
    char infra_if[NETCONF_IFNAME_MAX];

    struct tnode *node;
    struct br_pm pm;
    struct nat64 *xlat;
    struct nat64_fmt_counters ctr_base; /* of translators already freed */
    struct xlat_out out;
    uint8_t *out_buf;
    uint8_t *tun_buf;

    int tun_fd;
    struct netconf *nc;

    /* prefix manager drive */
    bool running;
    enum tnode_role last_role;
    uint16_t last_rloc16;
    uint8_t last_nd[NETDATA_MAX_LEN];
    size_t last_nd_len;
    bool nd_seen;
    bool netdata_dirty;
    uint64_t netdata_retry_ms;
    uint64_t expire_due_ms;

    /* host configuration as installed */
    bool nat44_installed;
    bool nat44_ok;
    struct addr_prefix4 nat44_pool;
    uint64_t nat44_check_due_ms;
    bool pool_route;
    struct netconf_route pool_rt;
    bool ml_route;
    struct netconf_route ml_rt;
    bool omr_route;
    struct netconf_route omr_rt;
    bool return_path;

    struct mesh_pkt queue[BR_AGENT_MESH_QUEUE];
    unsigned queue_n;

    /* border routing on the infrastructure link */
    int ra_fd;
    unsigned infra_ifindex;
    bool has_mac;
    uint8_t infra_mac[6];
    uint64_t ra_due_ms; /* UINT64_MAX: none */
    uint64_t ra_last_ms;
    bool ra_sent;
    unsigned ra_initial;   /* RAs sent since the content last changed */
    bool adv_omr, adv_pio; /* what the last RA advertised */
    struct addr_prefix6 omr_adv, pio_adv;
    bool want_omr, want_pio; /* what the next RA advertises */
    struct addr_prefix6 omr_want, pio_want;
    bool has_onlink_local;
    struct addr_prefix6 onlink_local;
    bool has_onlink_other; /* another router's on-link prefix */
    struct addr_prefix6 onlink_other;
    uint64_t onlink_other_expire_ms;
    bool has_onlink_pub; /* published in Network Data */
    struct addr_prefix6 onlink_pub;
    bool onlink_route;
    struct netconf_route onlink_rt;

    /* DNS */
    struct dns_server *dns;
    struct dns_server_action *dns_act;
    int dns_udp; /* the node's UDP socket on port 53 */
    struct dns_sock dns_socks[BR_AGENT_DNS_MAX_FDS];
    bool resolv_use, resolv_ok;
    char resolv_path[256];
    uint64_t resolv_check_ms;
    ino_t resolv_ino;
    off_t resolv_size;
    struct timespec resolv_mtime;
    bool dns_has_pfx;
    struct addr_prefix6 dns_pfx;
    bool dns_pub; /* the DNS/SRP service is in the pushed entries */
    uint8_t dns_pub_addr[16];

    /* SRP server */
    struct br_srp_server *srp;
    struct dns_srp_ops srp_ops;
    int srp_udp; /* the node's UDP socket on BR_AGENT_DNS_SRP_PORT, -1 while disabled */
    uint8_t srp_reply[BR_SRP_SERVER_REPLY_MAX];

    struct br_agent_counters ctr;
    uint64_t now_ms; /* of the current call into the node */
};

__attribute__((format(printf, 3, 4))) static void alog(struct br_agent *a, int level,
                                                       const char *fmt, ...)
{
    char msg[BR_AGENT_ERR_MAX + 128];
    va_list ap;

    if (a->cfg.log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    a->cfg.log(a->cfg.user, level, msg);
}

/* ---- settings ------------------------------------------------------------ */

static void load_ula(struct br_agent *a, uint64_t now_ms)
{
    struct addr_prefix6 ula;
    uint8_t buf[ULA_SETTING_LEN];
    size_t len = 0;
    bool have = false;

    if (a->cfg.settings != NULL &&
        settings_get(a->cfg.settings, SETTINGS_KEY_BR_ULA_PREFIX, 0, buf, sizeof(buf), &len) ==
            SETTINGS_OK &&
        len == ULA_SETTING_LEN && buf[0] == 0xfd && buf[16] == 48) {
        memset(&ula, 0, sizeof(ula));
        memcpy(ula.addr, buf, 16);
        ula.len = 48;
        have = true;
    }
    if (!have) {
        uint8_t rnd[5];

        a->cfg.random(a->cfg.user, rnd, sizeof(rnd));
        br_pm_ula_from_random(rnd, &ula);
        if (a->cfg.settings != NULL) {
            memcpy(buf, ula.addr, 16);
            buf[16] = ula.len;
            if (settings_set(a->cfg.settings, SETTINGS_KEY_BR_ULA_PREFIX, buf, sizeof(buf)) !=
                SETTINGS_OK)
                alog(a, 2, "br: cannot save the BR ULA prefix");
        }
    }
    if (br_pm_init(&a->pm, &ula, now_ms) != BR_PM_OK)
        alog(a, 1, "br: invalid BR ULA prefix");
    {
        char s[ADDR_STR6];

        alog(a, 3, "br: ULA prefix %s/48%s", addr_fmt6(ula.addr, s), have ? "" : " (new)");
    }
}

static void save_nat64(struct br_agent *a)
{
    uint8_t buf[BR_AGENT_NAT64_SETTING_LEN];
    struct addr_prefix4 cidr;

    if (a->cfg.settings == NULL)
        return;
    memset(buf, 0, sizeof(buf));
    buf[0] = NAT64_SETTING_VERSION;
    buf[1] = br_pm_enabled(&a->pm) ? 1 : 0;
    if (br_pm_get_cidr(&a->pm, &cidr) == BR_PM_OK) {
        buf[2] = 1;
        memcpy(buf + 3, cidr.addr, 4);
        buf[7] = cidr.len;
    }
    if (settings_set(a->cfg.settings, SETTINGS_KEY_NAT64, buf, sizeof(buf)) != SETTINGS_OK)
        alog(a, 2, "br: cannot save the NAT64 settings");
}

/* Enabled flag (default true) and CIDR (default: br_pm's) from settings. */
static bool load_nat64(struct br_agent *a, uint64_t now_ms)
{
    uint8_t buf[BR_AGENT_NAT64_SETTING_LEN];
    size_t len = 0;

    if (a->cfg.settings == NULL ||
        settings_get(a->cfg.settings, SETTINGS_KEY_NAT64, 0, buf, sizeof(buf), &len) !=
            SETTINGS_OK ||
        len != sizeof(buf) || buf[0] != NAT64_SETTING_VERSION)
        return true;
    if (buf[2] == 1) {
        struct addr_prefix4 cidr;

        memcpy(cidr.addr, buf + 3, 4);
        cidr.len = buf[7];
        if (br_pm_set_cidr(&a->pm, &cidr, now_ms, NULL) != BR_PM_OK)
            alog(a, 2, "br: stored NAT64 CIDR is invalid; using the default");
    } else {
        br_pm_clear_cidr(&a->pm, now_ms);
    }
    return buf[1] != 0;
}

/* ---- the translator -------------------------------------------------------- */

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

/* (Re)builds the translator from the prefix manager's prefix and CIDR. */
static int rebuild_xlat(struct br_agent *a, uint64_t now_ms, char *err, size_t errlen)
{
    struct nat64_cfg *cfg = calloc(1, sizeof(*cfg));
    struct nat64 *n;
    struct addr_prefix4 cidr;
    char e[BR_AGENT_ERR_MAX];

    (void)now_ms;
    if (cfg == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    nat64_cfg_default(cfg);
    if (!br_pm_translator_prefix(&a->pm, &cfg->prefix))
        memset(&cfg->prefix, 0, sizeof(cfg->prefix));
    if (br_pm_get_cidr(&a->pm, &cidr) == BR_PM_OK) {
        cfg->bib.pool = cidr;
        addr_mask(cfg->bib.pool.addr, 4, cidr.len);
    }
    a->cfg.random(a->cfg.user, (uint8_t *)&cfg->bib.seed, sizeof(cfg->bib.seed));
    e[0] = '\0';
    n = nat64_new(cfg, e, sizeof(e));
    free(cfg);
    if (n == NULL) {
        alog(a, 1, "nat64: cannot build the translator: %s", e);
        textbuf_setf(err, errlen, "cannot build the translator: %s", e);
        return -1;
    }
    if (a->xlat != NULL) {
        struct nat64_fmt_counters c;

        nat64_counters(a->xlat, &c);
        add_counters(&a->ctr_base, &c);
        nat64_free(a->xlat);
    }
    a->xlat = n;
    return 0;
}

/* ---- writing packets ---------------------------------------------------------- */

static void host_write(struct br_agent *a, const uint8_t *pkt, size_t len)
{
    if (a->cfg.host_tx != NULL)
        a->cfg.host_tx(a->cfg.user, pkt, len);
    if (a->tun_fd >= 0) {
        char e[BR_AGENT_ERR_MAX];
        int r = tun_write(a->tun_fd, pkt, len, e, sizeof(e));

        if (r == 0) {
            a->ctr.tun_tx++;
        } else {
            a->ctr.tun_tx_errors++;
            if (r < 0)
                alog(a, 4, "tun: write: %s", e);
        }
    }
}

static void mesh_send(struct br_agent *a, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
    enum tnode_err e = tnode_send_ip6(a->node, pkt, len, now_ms);

    if (e == TNODE_OK) {
        a->ctr.mesh_tx++;
    } else {
        a->ctr.mesh_tx_errors++;
        alog(a, 4, "mesh: send refused (error %d)", (int)e);
    }
}

static void mesh_queue(struct br_agent *a, const uint8_t *pkt, size_t len)
{
    uint8_t *copy;

    if (a->queue_n >= BR_AGENT_MESH_QUEUE || (copy = malloc(len)) == NULL) {
        a->ctr.mesh_queue_full++;
        return;
    }
    memcpy(copy, pkt, len);
    a->queue[a->queue_n].data = copy;
    a->queue[a->queue_n].len = len;
    a->queue_n++;
}

static void mesh_flush(struct br_agent *a, uint64_t now_ms)
{
    for (unsigned i = 0; i < a->queue_n; i++) {
        mesh_send(a, a->queue[i].data, a->queue[i].len, now_ms);
        free(a->queue[i].data);
    }
    a->queue_n = 0;
}

/* ---- data path ------------------------------------------------------------- */

static bool xlat_active(const struct br_agent *a)
{
    return br_pm_xlat_state(&a->pm) == BR_PM_STATE_ACTIVE;
}

/* The mesh-local /64 (from the ML-EID), false when detached. */
static bool mesh_local_prefix(const struct br_agent *a, uint8_t out[8])
{
    struct tnode_addr addrs[16];
    size_t n = tnode_addrs(a->node, addrs, 16);

    if (n > 16)
        n = 16;
    for (size_t i = 0; i < n; i++) {
        if (addrs[i].kind == TNODE_ADDR_MLEID || addrs[i].kind == TNODE_ADDR_RLOC) {
            memcpy(out, addrs[i].addr, 8);
            return true;
        }
    }
    return false;
}

/* The node's callback: an IPv6 packet leaving the mesh. */
static void on_host_rx(void *user, const uint8_t *pkt, size_t len)
{
    struct br_agent *a = user;
    struct addr_prefix6 pfx;

    a->ctr.host_rx++;
    if (len >= 40 && (pkt[0] >> 4) == 6 && br_pm_translator_prefix(&a->pm, &pfx) &&
        addr_prefix_match(pkt + 24, pfx.addr, pfx.len)) {
        uint8_t ml[8];
        struct xlat_result r;

        if (mesh_local_prefix(a, ml) && memcmp(pkt + 8, ml, 8) == 0) {
            /* OpenThread: mesh-local sources never reach NAT64 (§1.5). */
            a->ctr.host_rx_mesh_local++;
            return;
        }
        if (!xlat_active(a)) {
            a->ctr.host_rx_not_active++;
            return;
        }
        /* The node's callback has no time: use that of the call into the node. */
        r = nat64_translate(a->xlat, pkt, len, a->now_ms, &a->out);
        switch (r.verdict) {
        case XLAT_FORWARD:
            for (unsigned i = 0; i < a->out.n; i++) {
                const struct xlat_out_pkt *p = &a->out.pkt[i];

                if (p->len > 0 && (p->data[0] >> 4) == 6) {
                    mesh_queue(a, p->data, p->len); /* hairpinned */
                } else {
                    a->ctr.xlat_6to4++;
                    host_write(a, p->data, p->len);
                }
            }
            return;
        case XLAT_REPLY:
            a->ctr.xlat_replies++;
            for (unsigned i = 0; i < a->out.n; i++)
                mesh_queue(a, a->out.pkt[i].data, a->out.pkt[i].len);
            return;
        case XLAT_DROP:
            a->ctr.xlat_drops++;
            return;
        case XLAT_PASS:
            break;
        }
    }
    host_write(a, pkt, len);
}

void br_agent_host_input(struct br_agent *a, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
    unsigned version = len > 0 ? pkt[0] >> 4 : 0;

    a->now_ms = now_ms;
    a->ctr.tun_rx++;
    if (version == 6 && len >= 40) {
        mesh_send(a, pkt, len, now_ms);
        return;
    }
    if (version == 4 && len >= 20) {
        struct addr_prefix4 cidr;
        struct xlat_result r;

        if (!xlat_active(a) || br_pm_get_cidr(&a->pm, &cidr) != BR_PM_OK ||
            !addr_prefix_match(pkt + 16, cidr.addr, cidr.len)) {
            a->ctr.tun_rx_ip4_dropped++;
            return;
        }
        r = nat64_translate(a->xlat, pkt, len, now_ms, &a->out);
        switch (r.verdict) {
        case XLAT_FORWARD:
            for (unsigned i = 0; i < a->out.n; i++) {
                a->ctr.xlat_4to6++;
                mesh_send(a, a->out.pkt[i].data, a->out.pkt[i].len, now_ms);
            }
            break;
        case XLAT_REPLY:
            a->ctr.xlat_replies++;
            for (unsigned i = 0; i < a->out.n; i++)
                host_write(a, a->out.pkt[i].data, a->out.pkt[i].len);
            break;
        case XLAT_DROP:
            a->ctr.xlat_drops++;
            break;
        case XLAT_PASS:
            a->ctr.tun_rx_ip4_dropped++;
            break;
        }
        return;
    }
    a->ctr.tun_rx_bad++;
}

int br_agent_tun_read(struct br_agent *a, unsigned burst, uint64_t now_ms)
{
    int got = 0;

    if (a->tun_fd < 0)
        return 0;
    for (unsigned i = 0; i < burst; i++) {
        char e[BR_AGENT_ERR_MAX];
        ssize_t n = tun_read(a->tun_fd, a->tun_buf, TUN_PKT_MAX, e, sizeof(e));

        if (n < 0) {
            alog(a, 2, "tun: read: %s", e);
            return -1;
        }
        if (n == 0)
            break;
        got++;
        br_agent_host_input(a, a->tun_buf, (size_t)n, now_ms);
    }
    return got;
}

/* ---- host configuration ------------------------------------------------------ */

static int tun_setup(struct br_agent *a, char *err, size_t errlen)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc = -1;

    if (s < 0) {
        textbuf_setf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->tun_name);
    ifr.ifr_mtu = BR_AGENT_MTU;
    if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: set MTU: %s", a->tun_name, strerror(errno));
        goto out;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: get flags: %s", a->tun_name, strerror(errno));
        goto out;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: set up: %s", a->tun_name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    close(s);
    return rc;
}

static bool route_same(const struct netconf_route *x, const struct netconf_route *y)
{
    return x->family == y->family && x->plen == y->plen && memcmp(x->dst, y->dst, 16) == 0 &&
           strcmp(x->dev, y->dev) == 0 && x->metric == y->metric;
}

static const char *route_str(const struct netconf_route *r, char *buf, size_t cap)
{
    char s[ADDR_STR6];

    if (r->family == AF_INET)
        snprintf(buf, cap, "%s/%u", addr_fmt4(r->dst, s), (unsigned)r->plen);
    else
        snprintf(buf, cap, "%s/%u", addr_fmt6(r->dst, s), (unsigned)r->plen);
    return buf;
}

/* Makes one remembered route match `want` (NULL: none). Returns whether the
 * wanted route is in place. */
static bool sync_route(struct br_agent *a, bool *have, struct netconf_route *cur,
                       const struct netconf_route *want)
{
    char e[NETCONF_ERR_MAX], s[64];

    if (*have && (want == NULL || !route_same(cur, want))) {
        if (netconf_route_del(a->nc, cur, e, sizeof(e)) < 0) {
            a->ctr.netconf_errors++;
            alog(a, 2, "netconf: delete route %s: %s", route_str(cur, s, sizeof(s)), e);
        } else {
            alog(a, 3, "netconf: route %s dev %s removed", route_str(cur, s, sizeof(s)), cur->dev);
        }
        *have = false;
    }
    if (want == NULL)
        return false;
    if (!*have) {
        if (netconf_route_add(a->nc, want, true, e, sizeof(e)) < 0) {
            a->ctr.netconf_errors++;
            alog(a, 2, "netconf: add route %s dev %s: %s", route_str(want, s, sizeof(s)), want->dev,
                 e);
            return false;
        }
        alog(a, 3, "netconf: route %s dev %s added", route_str(want, s, sizeof(s)), want->dev);
        *cur = *want;
        *have = true;
    }
    return true;
}

static void route_init(struct netconf_route *r, int family, const uint8_t *dst, uint8_t plen,
                       const char *dev, uint32_t metric)
{
    memset(r, 0, sizeof(*r));
    r->family = family;
    memcpy(r->dst, dst, family == AF_INET ? 4 : 16);
    addr_mask(r->dst, family == AF_INET ? 4 : 16, plen);
    r->plen = plen;
    snprintf(r->dev, sizeof(r->dev), "%s", dev);
    r->metric = metric;
}

static unsigned sync_host(struct br_agent *a, uint64_t now_ms)
{
    bool ready = a->cfg.assume_return_path;
    struct addr_prefix4 cidr;
    bool has_cidr = br_pm_get_cidr(&a->pm, &cidr) == BR_PM_OK;
    struct addr_prefix6 pfx;

    if (a->nc != NULL) {
        bool want_nat44 = br_pm_enabled(&a->pm) && has_cidr && a->infra_if[0] != '\0';
        char e[NETCONF_ERR_MAX];
        bool pool_ok = false;

        if (has_cidr)
            addr_mask(cidr.addr, 4, cidr.len);
        if (a->nat44_installed &&
            (!want_nat44 || memcmp(&a->nat44_pool, &cidr, sizeof(cidr)) != 0)) {
            if (netconf_nat44_remove(a->nc, e, sizeof(e)) < 0) {
                a->ctr.netconf_errors++;
                alog(a, 2, "netconf: remove NAT44: %s", e);
            } else {
                alog(a, 3, "netconf: NAT44 table removed");
            }
            a->nat44_installed = false;
            a->nat44_ok = false;
        }
        if (want_nat44 && !a->nat44_installed) {
            a->nat44_pool = cidr;
            a->nat44_installed = true; /* attempted: not retried every loop */
            a->nat44_check_due_ms = now_ms + BR_AGENT_NAT44_RECHECK_MS;
            if (netconf_nat44_install(a->nc, &cidr, a->infra_if, e, sizeof(e)) < 0) {
                a->ctr.netconf_errors++;
                alog(a, 1, "netconf: NAT44 for the NAT64 pool: %s", e);
                a->nat44_ok = false;
            } else {
                int c = netconf_nat44_check(a->nc, &cidr, a->infra_if, e, sizeof(e));

                a->nat44_ok = c == 1;
                if (c != 1)
                    alog(a, 1, "netconf: NAT44 check: %s", e);
                else
                    alog(a, 3, "netconf: NAT44 masquerade for the pool via %s in place",
                         a->infra_if);
            }
        } else if (a->nat44_installed && now_ms >= a->nat44_check_due_ms) {
            int c = netconf_nat44_check(a->nc, &cidr, a->infra_if, e, sizeof(e));

            a->nat44_check_due_ms = now_ms + BR_AGENT_NAT44_RECHECK_MS;
            if (c != 1) {
                alog(a, 1, "netconf: NAT44 check: %s; re-installing", e);
                if (netconf_nat44_install(a->nc, &cidr, a->infra_if, e, sizeof(e)) < 0) {
                    a->ctr.netconf_errors++;
                    alog(a, 1, "netconf: NAT44 for the NAT64 pool: %s", e);
                    a->nat44_ok = false;
                } else {
                    a->nat44_ok = netconf_nat44_check(a->nc, &cidr, a->infra_if, e, sizeof(e)) == 1;
                }
            } else {
                a->nat44_ok = true;
            }
        }

        if (a->tun_fd >= 0) {
            struct netconf_route want;
            uint8_t ml[8];

            if (br_pm_enabled(&a->pm) && has_cidr && br_pm_translator_prefix(&a->pm, &pfx)) {
                route_init(&want, AF_INET, cidr.addr, cidr.len, a->tun_name, NETCONF_POOL_METRIC);
                pool_ok = sync_route(a, &a->pool_route, &a->pool_rt, &want);
            } else {
                sync_route(a, &a->pool_route, &a->pool_rt, NULL);
            }
            if (tnode_role(a->node) >= TNODE_CHILD && mesh_local_prefix(a, ml)) {
                uint8_t dst[16] = {0};

                memcpy(dst, ml, 8);
                route_init(&want, AF_INET6, dst, 64, a->tun_name, 0);
                sync_route(a, &a->ml_route, &a->ml_rt, &want);
            } else {
                sync_route(a, &a->ml_route, &a->ml_rt, NULL);
            }
            if (a->running && br_pm_omr_local(&a->pm, &pfx) == BR_PM_OK) {
                route_init(&want, AF_INET6, pfx.addr, pfx.len, a->tun_name, 0);
                sync_route(a, &a->omr_route, &a->omr_rt, &want);
            } else {
                sync_route(a, &a->omr_route, &a->omr_rt, NULL);
            }
        }
        ready = a->nat44_ok && (a->tun_fd < 0 || pool_ok ||
                                !br_pm_translator_prefix(&a->pm, &pfx) /* not needed yet */);
    }
    if (ready != a->return_path) {
        a->return_path = ready;
        alog(a, 3, "br: IPv4 return path %s", ready ? "ready" : "not ready");
        return br_pm_set_return_path(&a->pm, ready, now_ms);
    }
    return 0;
}

static void handle_chg(struct br_agent *a, unsigned chg, uint64_t now_ms);

/* ---- border routing on the infrastructure link ---------------------------- */

static bool prefix_eq(const struct addr_prefix6 *x, const struct addr_prefix6 *y)
{
    return x->len == y->len && memcmp(x->addr, y->addr, 16) == 0;
}

static uint64_t rand_between(struct br_agent *a, uint64_t lo, uint64_t hi)
{
    uint32_t r;

    a->cfg.random(a->cfg.user, (uint8_t *)&r, sizeof(r));
    return hi <= lo ? lo : lo + r % (hi - lo + 1);
}

static int infra_open(struct br_agent *a, char *err, size_t errlen)
{
    struct icmp6_filter filt;
    struct ipv6_mreq mreq;
    struct ifreq ifr;
    int one = 1, zero = 0, hops = 255;
    int fd;

    a->infra_ifindex = if_nametoindex(a->infra_if);
    if (a->infra_ifindex == 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: %s", a->infra_if, strerror(errno));
        return -1;
    }
    fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: ICMPv6 socket: %s%s", a->infra_if,
                     strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
        return -1;
    }
    ICMP6_FILTER_SETBLOCKALL(&filt);
    ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filt);
    ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filt);
    memset(&mreq, 0, sizeof(mreq));
    mreq.ipv6mr_interface = a->infra_ifindex;
    inet_pton(AF_INET6, "ff02::2", &mreq.ipv6mr_multiaddr);
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, a->infra_if, (socklen_t)strlen(a->infra_if)) <
            0 ||
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &a->infra_ifindex,
                   sizeof(a->infra_ifindex)) < 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: socket options: %s", a->infra_if,
                     strerror(errno));
        close(fd);
        return -1;
    }
    /* All-routers: joined by the kernel while forwarding; joining again is fine. */
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 &&
        errno != EADDRINUSE)
        alog(a, 2, "infra: %s: join ff02::2: %s", a->infra_if, strerror(errno));
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", a->infra_if);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == 1 /* ARPHRD_ETHER */) {
        memcpy(a->infra_mac, ifr.ifr_hwaddr.sa_data, 6);
        a->has_mac = true;
    }
    a->ra_fd = fd;
    a->ra_due_ms = UINT64_MAX;
    alog(a, 3, "infra: border routing on %s (index %u)", a->infra_if, a->infra_ifindex);
    return 0;
}

/* Sends one RA with what is wanted, and zero lifetimes for what was
 * advertised and is no longer (final: everything withdrawn). */
static void ra_send(struct br_agent *a, bool final, uint64_t now_ms)
{
    struct ra_msg m;
    uint8_t buf[RA_MSG_MAX];
    size_t len;
    struct sockaddr_in6 dst;
    bool omr = a->want_omr && !final, pio = a->want_pio && !final;

    memset(&m, 0, sizeof(m));
    if (a->has_mac) {
        m.has_slla = true;
        memcpy(m.slla, a->infra_mac, 6);
    }
    if (pio) {
        struct ra_pio *p = &m.pio[m.n_pio++];

        p->prefix = a->pio_want;
        p->on_link = p->autonomous = true;
        p->valid_s = p->preferred_s = BR_AGENT_RA_LIFETIME_S;
    }
    if (a->adv_pio && (!pio || !prefix_eq(&a->pio_adv, &a->pio_want))) {
        struct ra_pio *p = &m.pio[m.n_pio++];

        p->prefix = a->pio_adv;
        p->on_link = p->autonomous = true; /* deprecated: lifetimes 0 */
    }
    if (omr) {
        struct ra_rio *r = &m.rio[m.n_rio++];

        r->prefix = a->omr_want;
        r->pref = RA_PREF_MED;
        r->lifetime_s = BR_AGENT_RA_LIFETIME_S;
    }
    if (a->adv_omr && (!omr || !prefix_eq(&a->omr_adv, &a->omr_want))) {
        struct ra_rio *r = &m.rio[m.n_rio++];

        r->prefix = a->omr_adv;
        r->pref = RA_PREF_MED;
    }
    len = ra_build(&m, buf, sizeof(buf));
    memset(&dst, 0, sizeof(dst));
    dst.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
    dst.sin6_scope_id = a->infra_ifindex;
    if (len == 0 ||
        sendto(a->ra_fd, buf, len, 0, (const struct sockaddr *)&dst, sizeof(dst)) != (ssize_t)len) {
        a->ctr.ra_tx_errors++;
        alog(a, 4, "infra: RA on %s: %s", a->infra_if, len == 0 ? "too long" : strerror(errno));
        /* e.g. no link-local address yet (DAD): try again soon */
        a->ra_due_ms = now_ms + 1000;
        return;
    }
    a->ctr.ra_tx++;
    a->ra_sent = true;
    a->ra_last_ms = now_ms;
    a->adv_omr = omr;
    a->omr_adv = a->omr_want;
    a->adv_pio = pio;
    a->pio_adv = a->pio_want;
    a->ra_initial++;
    if (!omr && !pio)
        a->ra_due_ms = UINT64_MAX;
    else if (a->ra_initial < BR_AGENT_RA_INITIAL_COUNT)
        a->ra_due_ms = now_ms + BR_AGENT_RA_INITIAL_INTERVAL_MS;
    else
        a->ra_due_ms =
            now_ms + rand_between(a, BR_AGENT_RA_MIN_INTERVAL_MS, BR_AGENT_RA_MAX_INTERVAL_MS);
}

/* What the infrastructure link should see and Network Data should carry. */
static void infra_update(struct br_agent *a, uint64_t now_ms)
{
    struct addr_prefix6 omr, pub;
    int8_t pref;
    bool want_omr, want_pio, want_pub;
    size_t dlen = 0;
    const uint8_t *ds;

    if (a->ra_fd < 0)
        return;
    ds = tnode_active_dataset(a->node, &dlen);
    if (ds != NULL && dlen > 0) {
        struct dataset_info info;
        struct addr_prefix6 p;

        if (dataset_parse(ds, dlen, &info) == DATASET_OK && info.has.extpanid) {
            ra_onlink_prefix_from_xpanid(info.extpanid, &p);
            if (!a->has_onlink_local || !prefix_eq(&p, &a->onlink_local)) {
                char s[ADDR_STR6];

                alog(a, 3, "infra: local on-link prefix %s/64", addr_fmt6(p.addr, s));
                a->onlink_local = p;
                a->has_onlink_local = true;
            }
        }
    }
    if (a->has_onlink_other && now_ms >= a->onlink_other_expire_ms) {
        alog(a, 3, "infra: the other router's on-link prefix expired");
        a->has_onlink_other = false;
    }
    want_omr = a->running && br_pm_omr_favored(&a->pm, &omr, &pref) == BR_PM_OK && omr.len == 64;
    want_pio = a->running && a->has_onlink_local && !a->has_onlink_other;
    want_pub = a->running && (a->has_onlink_other || a->has_onlink_local);
    if (want_pub)
        pub = a->has_onlink_other ? a->onlink_other : a->onlink_local;
    else
        memset(&pub, 0, sizeof(pub));

    if (want_omr != a->want_omr || (want_omr && !prefix_eq(&omr, &a->omr_want)) ||
        want_pio != a->want_pio || (want_pio && !prefix_eq(&a->onlink_local, &a->pio_want))) {
        a->want_omr = want_omr;
        if (want_omr)
            a->omr_want = omr;
        a->want_pio = want_pio;
        if (want_pio)
            a->pio_want = a->onlink_local;
        /* New content: advertise it now and repeat it as at start. */
        a->ra_initial = 0;
        if (want_omr || want_pio || a->adv_omr || a->adv_pio)
            a->ra_due_ms = now_ms;
    }
    if (want_pub != a->has_onlink_pub || (want_pub && !prefix_eq(&pub, &a->onlink_pub))) {
        char s[ADDR_STR6];

        if (want_pub)
            alog(a, 3, "infra: on-link prefix %s/64 published in Network Data (%s)",
                 addr_fmt6(pub.addr, s), a->has_onlink_other ? "another router's" : "ours");
        else
            alog(a, 3, "infra: on-link prefix withdrawn from Network Data");
        a->has_onlink_pub = want_pub;
        a->onlink_pub = pub;
        a->netdata_dirty = true;
        a->netdata_retry_ms = now_ms;
    }
    if (a->nc != NULL) {
        struct netconf_route want;

        if (want_pub) {
            memset(&want, 0, sizeof(want));
            want.family = AF_INET6;
            memcpy(want.dst, pub.addr, 16);
            want.plen = pub.len;
            snprintf(want.dev, sizeof(want.dev), "%s", a->infra_if);
            sync_route(a, &a->onlink_route, &a->onlink_rt, &want);
        } else {
            sync_route(a, &a->onlink_route, &a->onlink_rt, NULL);
        }
    }
    if (now_ms >= a->ra_due_ms)
        ra_send(a, false, now_ms);
}

static bool is_link_local6(const uint8_t *x)
{
    return x[0] == 0xfe && (x[1] & 0xc0) == 0x80;
}

static void infra_rx(struct br_agent *a, const uint8_t *pkt, size_t len,
                     const struct sockaddr_in6 *src, int hlim, uint64_t now_ms)
{
    struct ra_msg m;

    if (hlim != 255 || !is_link_local6(src->sin6_addr.s6_addr)) {
        a->ctr.icmp6_rx_bad++;
        return;
    }
    if (len > 0 && pkt[0] == RA_ICMP6_RS) {
        uint64_t due;

        if (!ra_is_rs(pkt, len)) {
            a->ctr.icmp6_rx_bad++;
            return;
        }
        a->ctr.rs_rx++;
        if (!a->want_omr && !a->want_pio)
            return;
        /* RFC 4861 §6.2.6: multicast answer after 0..MAX_RA_DELAY_TIME, at
         * most one per MIN_DELAY_BETWEEN_RAS. */
        due = now_ms + rand_between(a, 0, BR_AGENT_RA_RS_DELAY_MS);
        if (a->ra_sent && due < a->ra_last_ms + BR_AGENT_RA_MIN_DELAY_MS)
            due = a->ra_last_ms + BR_AGENT_RA_MIN_DELAY_MS;
        if (due < a->ra_due_ms)
            a->ra_due_ms = due;
        return;
    }
    if (!ra_parse(pkt, len, &m)) {
        a->ctr.icmp6_rx_bad++;
        return;
    }
    a->ctr.ra_rx++;
    for (unsigned i = 0; i < m.n_pio; i++) {
        const struct ra_pio *p = &m.pio[i];
        char s[ADDR_STR6];

        if (!p->on_link || !p->autonomous || p->prefix.len != 64 ||
            (a->has_onlink_local && prefix_eq(&p->prefix, &a->onlink_local)))
            continue;
        if (p->valid_s == 0) {
            if (a->has_onlink_other && prefix_eq(&p->prefix, &a->onlink_other))
                a->onlink_other_expire_ms = now_ms;
            continue;
        }
        if (!a->has_onlink_other || !prefix_eq(&p->prefix, &a->onlink_other))
            alog(a, 3, "infra: %s advertises on-link prefix %s/64", a->infra_if,
                 addr_fmt6(p->prefix.addr, s));
        a->has_onlink_other = true;
        a->onlink_other = p->prefix;
        a->onlink_other_expire_ms = now_ms + (uint64_t)p->valid_s * 1000u;
    }
    for (unsigned i = 0; i < m.n_pref64; i++) {
        char s[ADDR_STR6];

        alog(a, 3, "infra: PREF64 %s/%u lifetime %us", addr_fmt6(m.pref64[i].prefix.addr, s),
             (unsigned)m.pref64[i].prefix.len, (unsigned)m.pref64[i].lifetime_s);
        handle_chg(
            a, br_pm_set_infra_prefix(&a->pm, &m.pref64[i].prefix, m.pref64[i].lifetime_s, now_ms),
            now_ms);
    }
    infra_update(a, now_ms);
}

void br_agent_infra_read(struct br_agent *a, uint64_t now_ms)
{
    for (int i = 0; i < 16 && a->ra_fd >= 0; i++) {
        uint8_t buf[1500];
        union {
            struct cmsghdr h;
            uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
        } cbuf;
        struct sockaddr_in6 src;
        struct iovec iov = {buf, sizeof(buf)};
        struct msghdr mh;
        struct cmsghdr *c;
        int hlim = -1;
        ssize_t n;

        memset(&mh, 0, sizeof(mh));
        memset(&src, 0, sizeof(src));
        mh.msg_name = &src;
        mh.msg_namelen = sizeof(src);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cbuf.b;
        mh.msg_controllen = sizeof(cbuf.b);
        n = recvmsg(a->ra_fd, &mh, 0);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                alog(a, 2, "infra: recv: %s", strerror(errno));
            return;
        }
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
                c->cmsg_len >= CMSG_LEN(sizeof(int)))
                memcpy(&hlim, CMSG_DATA(c), sizeof(int));
        infra_rx(a, buf, (size_t)n, &src, hlim, now_ms);
    }
}

int br_agent_infra_fd(const struct br_agent *a)
{
    return a->ra_fd;
}

bool br_agent_onlink_prefix(const struct br_agent *a, struct addr_prefix6 *out)
{
    if (!a->has_onlink_pub)
        return false;
    *out = a->onlink_pub;
    return true;
}

/* ---- DNS ------------------------------------------------------------------------ */

static void dns_sock_close(struct dns_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->wbuf);
    free(s->rbuf);
    memset(s, 0, sizeof(*s));
    s->fd = -1;
}

static void dns_sock_close_txn(struct br_agent *a, uint32_t txn)
{
    if (txn == 0)
        return;
    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS; i++)
        if (a->dns_socks[i].fd >= 0 && a->dns_socks[i].txn == txn)
            dns_sock_close(&a->dns_socks[i]);
}

static uint16_t dns_rand16(void *ctx)
{
    struct br_agent *a = ctx;
    uint8_t b[2];

    a->cfg.random(a->cfg.user, b, sizeof(b));
    return (uint16_t)(b[0] << 8 | b[1]);
}

/* A fresh non-blocking socket towards the resolver, the query sent (UDP) or
 * queued behind the connect (TCP). False on any failure. */
static bool dns_upstream_open(struct br_agent *a, const struct dns_server_action *act)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct sockaddr_storage ss;
    socklen_t sl;
    struct dns_sock *s = NULL;
    int fd, r;

    if (a->cfg.dns_upstream_tx != NULL) {
        a->cfg.dns_upstream_tx(a->cfg.user, act->txn, act->tcp, act->addr, act->port, act->buf,
                               act->len);
        return true;
    }
    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS && s == NULL; i++)
        if (a->dns_socks[i].fd < 0)
            s = &a->dns_socks[i];
    if (s == NULL)
        return false;
    memset(&ss, 0, sizeof(ss));
    if (memcmp(act->addr, v4mapped, 12) == 0) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(act->port);
        memcpy(&sin->sin_addr, act->addr + 12, 4);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(act->port);
        memcpy(&sin6->sin6_addr, act->addr, 16);
        sl = sizeof(*sin6);
    }
    fd = socket(ss.ss_family, (act->tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC,
                0);
    if (fd < 0) {
        alog(a, 2, "dns: upstream socket: %s", strerror(errno));
        return false;
    }
    r = connect(fd, (struct sockaddr *)&ss, sl);
    if (r < 0 && !(act->tcp && errno == EINPROGRESS)) {
        alog(a, 4, "dns: upstream connect: %s", strerror(errno));
        close(fd);
        return false;
    }
    s->fd = fd;
    s->txn = act->txn;
    s->tcp = act->tcp;
    memcpy(s->addr, act->addr, 16);
    s->port = act->port;
    if (!act->tcp) {
        if (send(fd, act->buf, act->len, 0) < 0) {
            alog(a, 4, "dns: upstream send: %s", strerror(errno));
            dns_sock_close(s);
            return false;
        }
        return true;
    }
    s->wbuf = malloc(act->len + 2);
    s->rbuf = malloc(DNS_TCP_BUF);
    if (s->wbuf == NULL || s->rbuf == NULL ||
        dns_tcp_frame(act->buf, act->len, s->wbuf, act->len + 2, &s->wlen) != DNS_OK) {
        dns_sock_close(s);
        return false;
    }
    return true;
}

/* Carries out a->dns_act (and what failures lead to). */
static void dns_do(struct br_agent *a, uint64_t now_ms)
{
    struct dns_server_action *act = a->dns_act;

    for (int guard = 0; guard < 2 * DNS_SERVER_MAX_UPSTREAMS + 4; guard++) {
        switch (act->kind) {
        case DNS_SERVER_ACT_NONE:
            return;
        case DNS_SERVER_ACT_REPLY: {
            enum tnode_err e;

            dns_sock_close_txn(a, act->txn);
            e = tnode_udp_send_from(a->node, a->dns_udp, act->has_local ? act->local : NULL,
                                    act->addr, act->port, act->buf, act->len, now_ms);
            if (e != TNODE_OK) {
                a->ctr.dns_tx_errors++;
                alog(a, 4, "dns: reply refused by the node (error %d)", (int)e);
            }
            return;
        }
        case DNS_SERVER_ACT_UPSTREAM:
            dns_sock_close_txn(a, act->txn);
            if (dns_upstream_open(a, act))
                return;
            a->ctr.dns_upstream_errors++;
            dns_server_upstream_error(a->dns, now_ms, act->txn, act);
            break;
        }
    }
}

/* Sources inside the Thread network: the node's mesh-local and link-local
 * prefixes and the on-mesh prefixes of the Network Data. */
static bool dns_from_thread(struct br_agent *a, const uint8_t src[16])
{
    struct addr_prefix6 p[32];
    struct tnode_addr ad[16];
    size_t n = 0, k = tnode_addrs(a->node, ad, 16), ndlen = 0;
    const uint8_t *nd = tnode_netdata(a->node, &ndlen);
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;

    if (k > 16)
        k = 16;
    for (size_t i = 0; i < k && n < 16; i++) {
        if (ad[i].kind == TNODE_ADDR_SLAAC || ad[i].kind == TNODE_ADDR_OTHER)
            continue;
        memset(&p[n], 0, sizeof(p[n]));
        memcpy(p[n].addr, ad[i].addr, 8);
        p[n].len = 64;
        n++;
    }
    while (nd != NULL && n < 32 && netdata_next_prefix(nd, ndlen, NETDATA_ANY_RLOC16, &it, &pc))
        if (pc.on_mesh)
            p[n++] = pc.prefix;
    return dns_server_source_allowed(src, p, n);
}

static uint64_t wall_now(const struct br_agent *a)
{
    return a->cfg.wall_ms != NULL ? a->cfg.wall_ms(a->cfg.user) : 0;
}

/* An SRP update from rx, answered through socket handle. */
static void srp_handle(struct br_agent *a, int handle, const struct tnode_udp_rx *rx, bool ok)
{
    size_t len = 0;

    char src[ADDR_STR6];

    enum srp_err result;

    if (!br_srp_server_input(a->srp, a->now_ms, rx->payload, rx->len, ok, a->srp_reply, &len,
                             &result)) {
        alog(a, 4, "srp: %u octets from %s dropped", (unsigned)rx->len, addr_fmt6(rx->src, src));
        return;
    }
    alog(a, result == SRP_OK ? 3 : 4, "srp: update from %s: %s", addr_fmt6(rx->src, src),
         srp_err_str(result));
    /* From the address the update went to (the anycast ALOC in anycast
     * mode): a client's connected socket takes nothing else. */
    if (tnode_udp_send_from(a->node, handle, rx->dst, rx->src, rx->sport, a->srp_reply, len,
                            a->now_ms) != TNODE_OK)
        a->ctr.dns_tx_errors++;
}

static void srp_udp_rx(void *ctx, const struct tnode_udp_rx *rx)
{
    struct br_agent *a = ctx;

    srp_handle(a, a->srp_udp, rx, dns_from_thread(a, rx->src));
}

static void dns_udp_rx(void *ctx, const struct tnode_udp_rx *rx)
{
    struct br_agent *a = ctx;
    bool ok = dns_from_thread(a, rx->src);
    struct dns_hdr h;

    a->ctr.dns_rx++;
    /* UPDATE (opcode 5, QR=0) on the DNS port goes to the SRP server (ot §5.1). */
    if (dns_hdr_read(rx->payload, rx->len, &h) == DNS_OK && !(h.flags & DNS_FLAG_QR) &&
        dns_hdr_opcode(&h) == DNS_OPCODE_UPDATE) {
        srp_handle(a, a->dns_udp, rx, ok);
        return;
    }
    dns_server_query(a->dns, a->now_ms, rx->payload, rx->len, rx->src, rx->sport, rx->dst, ok,
                     a->dns_act);
    dns_do(a, a->now_ms);
}

static void dns_set_upstreams(struct br_agent *a, const struct dns_upstream_addr *list, size_t n)
{
    size_t kept = dns_server_set_upstreams(a->dns, list, n);

    for (size_t i = 0; i < kept; i++) {
        char s[ADDR_STR6];

        alog(a, 3, "dns: upstream %s port %u", addr_fmt6(list[i].addr, s), (unsigned)list[i].port);
    }
    if (kept == 0)
        alog(a, 2, "dns: no upstream resolver");
}

static void dns_resolv_check(struct br_agent *a, uint64_t now_ms, bool force)
{
    struct stat st;
    struct dns_upstream_addr list[DNS_SERVER_MAX_UPSTREAMS];
    size_t n = 0;
    FILE *f;

    a->resolv_check_ms = now_ms + BR_AGENT_DNS_RESOLV_CHECK_MS;
    if (stat(a->resolv_path, &st) != 0) {
        if (force || a->resolv_ok) {
            alog(a, 2, "dns: %s: %s", a->resolv_path, strerror(errno));
            dns_set_upstreams(a, NULL, 0);
        }
        a->resolv_ok = false;
        return;
    }
    if (!force && a->resolv_ok && st.st_ino == a->resolv_ino && st.st_size == a->resolv_size &&
        st.st_mtim.tv_sec == a->resolv_mtime.tv_sec &&
        st.st_mtim.tv_nsec == a->resolv_mtime.tv_nsec)
        return;
    a->resolv_ok = true;
    a->resolv_ino = st.st_ino;
    a->resolv_size = st.st_size;
    a->resolv_mtime = st.st_mtim;
    f = fopen(a->resolv_path, "r");
    if (f != NULL) {
        size_t len = fread(a->tun_buf, 1, TUN_PKT_MAX, f);

        fclose(f);
        n = dns_resolv_conf_parse((const char *)a->tun_buf, len, list, DNS_SERVER_MAX_UPSTREAMS);
    }
    a->ctr.dns_resolv_reads++;
    alog(a, 3, "dns: read %s: %u resolver(s)", a->resolv_path, (unsigned)n);
    dns_set_upstreams(a, list, n);
}

static void dns_save_upstream(struct br_agent *a, bool on)
{
    uint8_t b = on ? 1 : 0;

    if (a->cfg.settings != NULL &&
        settings_set(a->cfg.settings, SETTINGS_KEY_DNS_UPSTREAM, &b, 1) != SETTINGS_OK)
        alog(a, 2, "dns: cannot save the upstream setting");
}

static int srp_open(struct br_agent *a)
{
    enum tnode_err e;

    if (a->srp_udp >= 0)
        return 0;
    e = tnode_udp_open(a->node, srp_udp_rx, a, &a->srp_udp);
    if (e == TNODE_OK)
        e = tnode_udp_bind(a->node, a->srp_udp, NULL, BR_AGENT_DNS_SRP_PORT);
    if (e != TNODE_OK) {
        alog(a, 1, "srp: cannot open UDP port %u in the node (error %d)",
             (unsigned)BR_AGENT_DNS_SRP_PORT, (int)e);
        if (a->srp_udp >= 0)
            tnode_udp_close(a->node, a->srp_udp);
        a->srp_udp = -1;
        return -1;
    }
    alog(a, 3, "srp: server on UDP port %u", (unsigned)BR_AGENT_DNS_SRP_PORT);
    return 0;
}

static int dns_init(struct br_agent *a, const struct br_agent_cfg *cfg, uint64_t now_ms, char *err,
                    size_t errlen)
{
    struct dns_server_cfg dc;
    uint8_t b = 1;
    size_t len = 0;
    enum tnode_err e;

    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS; i++)
        a->dns_socks[i].fd = -1;
    a->dns_udp = -1;
    a->srp_udp = -1;
    a->dns = calloc(1, sizeof(*a->dns));
    a->dns_act = calloc(1, sizeof(*a->dns_act));
    if (a->dns == NULL || a->dns_act == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    dns_server_cfg_default(&dc);
    if (cfg->settings != NULL &&
        settings_get(cfg->settings, SETTINGS_KEY_DNS_UPSTREAM, 0, &b, 1, &len) == SETTINGS_OK &&
        len == 1)
        dc.upstream_enabled = b != 0;
    else
        dc.upstream_enabled = true; /* otbr-agent turns forwarding on */
    dc.rand16 = dns_rand16;
    dc.rand_ctx = a;
    dc.dns64 = cfg->dns64;
    a->srp = calloc(1, sizeof(*a->srp));
    if (a->srp == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    {
        int hosts = br_srp_server_init(a->srp, cfg->settings, now_ms, wall_now(a));

        if (hosts < 0)
            alog(a, 2, "srp: the stored registrations were refused (corrupt); starting empty");
        else if (hosts > 0)
            alog(a, 3, "srp: %d host(s) restored", hosts);
    }
    srp_registry_dns_ops(&a->srp_ops);
    dc.srp = &a->srp_ops;
    dc.srp_ctx = &a->srp->reg;
    if (!dns_server_init(a->dns, &dc)) {
        textbuf_setf(err, errlen, "cannot set up the DNS server");
        return -1;
    }
    e = tnode_udp_open(a->node, dns_udp_rx, a, &a->dns_udp);
    if (e == TNODE_OK)
        e = tnode_udp_bind(a->node, a->dns_udp, NULL, DNS_PORT);
    if (e != TNODE_OK) {
        textbuf_setf(err, errlen, "cannot open the DNS server socket in the node (error %d)",
                     (int)e);
        return -1;
    }
    if (cfg->dns_n_upstreams > 0) {
        dns_set_upstreams(a, cfg->dns_upstreams, cfg->dns_n_upstreams);
    } else if (cfg->resolv_conf != NULL) {
        snprintf(a->resolv_path, sizeof(a->resolv_path), "%s", cfg->resolv_conf);
        a->resolv_use = true;
        dns_resolv_check(a, now_ms, true);
    }
    a->cfg.dns_upstreams = NULL;
    a->cfg.resolv_conf = NULL;
    alog(a, 3, "dns: server on UDP port %d of the Thread addresses, upstream %s%s", DNS_PORT,
         dc.upstream_enabled ? "enabled" : "disabled", dc.dns64 ? ", DNS64" : "");
    if (a->srp->enabled && srp_open(a) != 0) {
        textbuf_setf(err, errlen, "cannot open the SRP server socket in the node");
        return -1;
    }
    return 0;
}

static void dns_free(struct br_agent *a)
{
    if (a->srp != NULL) {
        br_srp_server_flush(a->srp, a->now_ms, wall_now(a));
        br_srp_server_free(a->srp);
    }
    free(a->srp);
    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS; i++)
        if (a->dns_socks[i].fd >= 0)
            dns_sock_close(&a->dns_socks[i]);
    free(a->dns);
    free(a->dns_act);
}

/* NAT64 prefix for ipv4only.arpa.: the prefix manager's favored one. */
static void dns_sync_prefix(struct br_agent *a)
{
    struct addr_prefix6 p;
    int8_t pref;
    bool has = a->dns != NULL && br_pm_nat64_favored(&a->pm, &p, &pref) == BR_PM_OK &&
               netdata_nat64_len_valid(p.len);

    if (a->dns == NULL)
        return;
    if (has == a->dns_has_pfx && (!has || memcmp(&p, &a->dns_pfx, sizeof(p)) == 0))
        return;
    a->dns_has_pfx = has;
    if (has)
        a->dns_pfx = p;
    dns_server_set_nat64_prefix(a->dns, has ? &p : NULL);
}

/* The ML-EID to publish in the DNS/SRP unicast service (false: none). */
static bool dns_mleid(const struct br_agent *a, uint8_t out[16])
{
    struct tnode_addr ad[16];
    size_t k = tnode_addrs(a->node, ad, 16);

    if (k > 16)
        k = 16;
    for (size_t i = 0; i < k; i++) {
        if (ad[i].kind == TNODE_ADDR_MLEID) {
            memcpy(out, ad[i].addr, 16);
            return true;
        }
    }
    return false;
}

size_t br_agent_dns_pollfds(const struct br_agent *a, struct pollfd *pfd, size_t max)
{
    size_t n = 0;

    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS && n < max; i++) {
        const struct dns_sock *s = &a->dns_socks[i];

        if (s->fd < 0)
            continue;
        pfd[n].fd = s->fd;
        pfd[n].events = (short)(POLLIN | (s->tcp && s->woff < s->wlen ? POLLOUT : 0));
        pfd[n].revents = 0;
        n++;
    }
    return n;
}

static struct dns_sock *dns_sock_by_fd(struct br_agent *a, int fd)
{
    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS; i++)
        if (a->dns_socks[i].fd == fd)
            return &a->dns_socks[i];
    return NULL;
}

/* The attempt on s failed (refused, unreachable, closed early). */
static void dns_sock_failed(struct br_agent *a, struct dns_sock *s, uint64_t now_ms, int err)
{
    uint32_t txn = s->txn;

    a->ctr.dns_upstream_errors++;
    alog(a, 4, "dns: upstream %s", err != 0 ? strerror(err) : "closed the connection");
    dns_sock_close(s);
    dns_server_upstream_error(a->dns, now_ms, txn, a->dns_act);
    dns_do(a, now_ms);
}

static void dns_sock_io(struct br_agent *a, struct dns_sock *s, short revents, uint64_t now_ms)
{
    uint32_t txn = s->txn;
    ssize_t r;

    if (!s->tcp) {
        r = recv(s->fd, a->tun_buf, TUN_PKT_MAX, 0);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                dns_sock_failed(a, s, now_ms, errno);
            return;
        }
        dns_server_upstream_response(a->dns, now_ms, txn, a->tun_buf, (size_t)r, s->addr, s->port,
                                     a->dns_act);
        dns_do(a, now_ms);
        return;
    }
    if (s->woff < s->wlen && (revents & (POLLOUT | POLLERR | POLLHUP))) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            dns_sock_failed(a, s, now_ms, soerr != 0 ? soerr : errno);
            return;
        }
        r = send(s->fd, s->wbuf + s->woff, s->wlen - s->woff, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOTCONN)
                dns_sock_failed(a, s, now_ms, errno);
            return;
        }
        s->woff += (size_t)r;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        const uint8_t *msg;
        size_t mlen, used;

        if (s->rhave >= DNS_TCP_BUF) {
            dns_sock_failed(a, s, now_ms, EMSGSIZE);
            return;
        }
        r = recv(s->fd, s->rbuf + s->rhave, DNS_TCP_BUF - s->rhave, 0);
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ENOTCONN)
                dns_sock_failed(a, s, now_ms, errno);
            return;
        }
        if (r == 0) {
            dns_sock_failed(a, s, now_ms, 0);
            return;
        }
        s->rhave += (size_t)r;
        if (dns_tcp_unframe(s->rbuf, s->rhave, &msg, &mlen, &used) == DNS_OK) {
            dns_server_upstream_response(a->dns, now_ms, txn, msg, mlen, s->addr, s->port,
                                         a->dns_act);
            memmove(s->rbuf, s->rbuf + used, s->rhave - used);
            s->rhave -= used;
            dns_do(a, now_ms);
        }
    }
}

void br_agent_dns_io(struct br_agent *a, const struct pollfd *pfd, size_t n, uint64_t now_ms)
{
    a->now_ms = now_ms;
    for (size_t i = 0; i < n; i++) {
        struct dns_sock *s;

        if (pfd[i].revents == 0 || (s = dns_sock_by_fd(a, pfd[i].fd)) == NULL)
            continue;
        dns_sock_io(a, s, pfd[i].revents, now_ms);
    }
}

void br_agent_dns_upstream_input(struct br_agent *a, uint32_t txn, const uint8_t *msg, size_t len,
                                 const uint8_t addr[16], uint16_t port, uint64_t now_ms)
{
    a->now_ms = now_ms;
    dns_server_upstream_response(a->dns, now_ms, txn, msg, len, addr, port, a->dns_act);
    dns_do(a, now_ms);
}

bool br_agent_dns_upstream_enabled(const struct br_agent *a)
{
    return a->dns->cfg.upstream_enabled;
}

void br_agent_set_dns_upstream(struct br_agent *a, bool enabled)
{
    if (a->dns->cfg.upstream_enabled == enabled)
        return;
    dns_server_set_upstream_enabled(a->dns, enabled);
    dns_save_upstream(a, enabled);
    alog(a, 3, "dns: upstream queries %s", enabled ? "enabled" : "disabled");
}

const struct dns_server *br_agent_dns(const struct br_agent *a)
{
    return a->dns;
}

bool br_agent_dns64_enabled(const struct br_agent *a)
{
    return a->dns->cfg.dns64;
}

void br_agent_set_dns64(struct br_agent *a, bool enabled)
{
    dns_server_set_dns64(a->dns, enabled);
    alog(a, 3, "dns: DNS64 %s", enabled ? "enabled" : "disabled");
}

enum br_agent_srp_state br_agent_srp_state(const struct br_agent *a)
{
    if (!a->srp->enabled)
        return BR_AGENT_SRP_DISABLED;
    return a->dns_pub && a->srp_udp >= 0 && tnode_role(a->node) >= TNODE_CHILD
               ? BR_AGENT_SRP_RUNNING
               : BR_AGENT_SRP_STOPPED;
}

const char *br_agent_srp_state_str(enum br_agent_srp_state s)
{
    switch (s) {
    case BR_AGENT_SRP_DISABLED:
        return "disabled";
    case BR_AGENT_SRP_RUNNING:
        return "running";
    case BR_AGENT_SRP_STOPPED:
        return "stopped";
    }
    return "?";
}

void br_agent_set_srp_enabled(struct br_agent *a, bool enabled, uint64_t now_ms)
{
    if (a->srp->enabled == enabled)
        return;
    br_srp_server_set_enabled(a->srp, enabled);
    if (enabled) {
        (void)srp_open(a);
    } else if (a->srp_udp >= 0) {
        tnode_udp_close(a->node, a->srp_udp);
        a->srp_udp = -1;
        alog(a, 3, "srp: server disabled");
    }
    /* the DNS/SRP service comes or goes with it */
    a->netdata_dirty = true;
    a->netdata_retry_ms = now_ms;
}

struct br_srp_server *br_agent_srp(struct br_agent *a)
{
    return a->srp;
}

static void dns_process(struct br_agent *a, uint64_t now_ms)
{
    for (int i = 0; i < 64 && dns_server_poll(a->dns, now_ms, a->dns_act); i++)
        dns_do(a, now_ms);
    if (a->resolv_use && now_ms >= a->resolv_check_ms)
        dns_resolv_check(a, now_ms, false);
}

/* ---- driving the prefix manager ------------------------------------------- */

static void handle_chg(struct br_agent *a, unsigned chg, uint64_t now_ms)
{
    for (int round = 0; chg != 0 && round < 4; round++) {
        unsigned more = 0;

        if (chg & BR_PM_CHG_NETDATA) {
            a->netdata_dirty = true;
            a->netdata_retry_ms = now_ms;
        }
        if (chg & (BR_PM_CHG_XLAT_PREFIX | BR_PM_CHG_CIDR)) {
            struct addr_prefix6 p;
            char s[ADDR_STR6];

            if (br_pm_translator_prefix(&a->pm, &p))
                alog(a, 3, "nat64: translator prefix %s/%u", addr_fmt6(p.addr, s), (unsigned)p.len);
            else
                alog(a, 3, "nat64: translator has no prefix");
            rebuild_xlat(a, now_ms, NULL, 0);
        }
        if (chg & (BR_PM_CHG_PM_STATE | BR_PM_CHG_XLAT_STATE | BR_PM_CHG_REASON)) {
            char r1[256], r2[256];

            alog(a, 3, "nat64: PrefixManager %s (%s); Translator %s (%s)",
                 br_pm_state_str(br_pm_state(&a->pm)), br_pm_fmt_reason(&a->pm, false, r1, 256),
                 br_pm_state_str(br_pm_xlat_state(&a->pm)),
                 br_pm_fmt_reason(&a->pm, true, r2, 256));
        }
        if (chg & (BR_PM_CHG_XLAT_PREFIX | BR_PM_CHG_CIDR | BR_PM_CHG_NETDATA))
            more |= sync_host(a, now_ms);
        chg = more;
    }
}

static void push_netdata(struct br_agent *a, uint64_t now_ms)
{
    struct netdata_local merged;
    const struct netdata_local *l = br_pm_local_netdata(&a->pm);
    uint8_t mleid[16];
    bool has_mleid;
    enum tnode_err e;

    if (!a->netdata_dirty || now_ms < a->netdata_retry_ms)
        return;
    merged = *l;
    if (a->has_onlink_pub) {
        /* The on-link prefix as an external route, `s med` (the codelab's
         * netdata show). */
        struct netdata_route_cfg rc;
        enum netdata_err ne;

        memset(&rc, 0, sizeof(rc));
        rc.prefix = a->onlink_pub;
        rc.rloc16 = tnode_rloc16(a->node);
        rc.preference = NETDATA_PREF_MED;
        rc.stable = true;
        ne = netdata_local_add_route(&merged, &rc);
        if (ne != NETDATA_OK)
            alog(a, 2, "br: cannot add the on-link route to the network data: %s",
                 netdata_err_str(ne));
    }
    has_mleid = a->srp->enabled && dns_mleid(a, mleid);
    if (has_mleid) {
        /* The DNS/SRP unicast service (otbr: `44970 5d <ML-EID><port> s`). */
        struct netdata_service_cfg sc;
        enum netdata_err ne;

        /* Anycast (`44970 5c<seq>`): devices use the service ALOC, port 53,
         * which the node holds as the service's server. */
        if (a->srp->anycast)
            netdata_dns_srp_anycast_cfg(&sc, tnode_rloc16(a->node), a->srp->seqnum);
        else
            netdata_dns_srp_unicast_cfg(&sc, tnode_rloc16(a->node), mleid, BR_AGENT_DNS_SRP_PORT);
        ne = netdata_local_add_service(&merged, &sc);
        if (ne != NETDATA_OK)
            alog(a, 2, "dns: cannot add the DNS/SRP service to the network data: %s",
                 netdata_err_str(ne));
    }
    if (tnode_role(a->node) < TNODE_CHILD) {
        a->netdata_retry_ms = now_ms + 1000;
        return;
    }
    e = tnode_set_local_netdata(a->node, merged.tlvs, merged.len, now_ms);
    if (e == TNODE_OK) {
        a->netdata_dirty = false;
        a->dns_pub = has_mleid;
        if (has_mleid)
            memcpy(a->dns_pub_addr, mleid, 16);
        alog(a, 4, "br: local network data pushed (%u bytes)", (unsigned)merged.len);
    } else {
        a->ctr.netdata_push_errors++;
        a->netdata_retry_ms = now_ms + 1000;
        alog(a, 4, "br: local network data refused (error %d), retrying", (int)e);
    }
}

static void drive(struct br_agent *a, uint64_t now_ms)
{
    enum tnode_role role = tnode_role(a->node);
    bool attached = role >= TNODE_CHILD;
    uint16_t rloc16 = tnode_rloc16(a->node);
    size_t nd_len = 0;
    const uint8_t *nd = tnode_netdata(a->node, &nd_len);
    bool eval = false;
    unsigned chg = 0;

    if (nd == NULL)
        nd_len = 0;
    if (nd_len > sizeof(a->last_nd))
        nd_len = sizeof(a->last_nd);
    if (role != a->last_role) {
        alog(a, 4, "br: role %s -> %s", tnode_role_name(a->last_role), tnode_role_name(role));
        if (attached) {
            /* A new partition or parent: our entries must be registered again. */
            a->netdata_dirty = true;
            a->netdata_retry_ms = now_ms;
        }
        a->last_role = role;
    }
    if (attached != a->running) {
        a->running = attached;
        chg |= br_pm_set_routing_running(&a->pm, attached, now_ms);
        eval = attached;
    }
    if (rloc16 != a->last_rloc16) {
        a->last_rloc16 = rloc16;
        eval = true;
    }
    if (!a->nd_seen || nd_len != a->last_nd_len ||
        (nd_len > 0 && memcmp(nd, a->last_nd, nd_len) != 0)) {
        a->nd_seen = true;
        if (nd_len > 0)
            memcpy(a->last_nd, nd, nd_len);
        a->last_nd_len = nd_len;
        eval = true;
    }
    if (br_pm_next_eval_ms(&a->pm) <= now_ms)
        eval = true;
    if (eval)
        chg |= br_pm_evaluate(&a->pm, a->last_nd, a->last_nd_len, rloc16, now_ms);
    handle_chg(a, chg, now_ms);
    infra_update(a, now_ms);
    if (attached && !a->netdata_dirty) {
        uint8_t mleid[16];
        bool has = a->srp->enabled && dns_mleid(a, mleid);

        /* A new ML-EID (new mesh-local prefix): the service moves with it. */
        if (has != a->dns_pub || (has && memcmp(mleid, a->dns_pub_addr, 16) != 0)) {
            a->netdata_dirty = true;
            a->netdata_retry_ms = now_ms;
        }
    }
    push_netdata(a, now_ms);
    handle_chg(a, sync_host(a, now_ms), now_ms);
    dns_sync_prefix(a);
}

/* ---- lifecycle ------------------------------------------------------------- */

/* tnode_cfg has one user pointer for every callback (the agent, for
 * host_rx): random and log go through these. */
static void node_random(void *user, uint8_t *buf, size_t len)
{
    struct br_agent *a = user;

    a->cfg.random(a->cfg.user, buf, len);
}

static void node_log(void *user, int level, const char *msg)
{
    struct br_agent *a = user;

    if (a->cfg.log != NULL)
        a->cfg.log(a->cfg.user, level, msg);
}

struct br_agent *br_agent_new(const struct br_agent_cfg *cfg, uint64_t now_ms, char *err,
                              size_t errlen)
{
    struct br_agent *a;
    struct tnode_cfg ncfg;
    char e[BR_AGENT_ERR_MAX];
    bool enabled;

    if (cfg == NULL || cfg->radio_ops == NULL || cfg->random == NULL) {
        textbuf_setf(err, errlen, "bad configuration");
        return NULL;
    }
    if ((cfg->tun_name != NULL && strlen(cfg->tun_name) >= TUN_NAME_MAX) ||
        (cfg->infra_if != NULL && strlen(cfg->infra_if) >= NETCONF_IFNAME_MAX)) {
        textbuf_setf(err, errlen, "interface name too long");
        return NULL;
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    a->tun_fd = -1;
    a->ra_fd = -1;
    for (unsigned i = 0; i < BR_AGENT_DNS_MAX_FDS; i++)
        a->dns_socks[i].fd = -1;
    a->ra_due_ms = UINT64_MAX;
    a->last_role = TNODE_DISABLED;
    if (cfg->infra_if != NULL)
        snprintf(a->infra_if, sizeof(a->infra_if), "%s", cfg->infra_if);
    a->cfg.infra_if = NULL;
    a->cfg.tun_name = NULL;
    a->out_buf = malloc(XLAT_OUT_CAP);
    a->tun_buf = malloc(TUN_PKT_MAX);
    if (a->out_buf == NULL || a->tun_buf == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        goto fail;
    }
    a->out.buf = a->out_buf;
    a->out.cap = XLAT_OUT_CAP;
    a->expire_due_ms = now_ms + BR_AGENT_EXPIRE_MS;

    memset(&ncfg, 0, sizeof(ncfg));
    ncfg.node_id = cfg->node_id;
    ncfg.radio_ops = cfg->radio_ops;
    ncfg.radio = cfg->radio;
    ncfg.settings = cfg->settings;
    ncfg.random = cfg->random;
    ncfg.log = cfg->log;
    ncfg.host_rx = on_host_rx;
    ncfg.user = a;
    ncfg.router_eligible = true;
    /* The node's log and random callbacks get our user pointer: wrap them. */
    ncfg.random = node_random;
    ncfg.log = cfg->log != NULL ? node_log : NULL;
    a->node = tnode_new(&ncfg, now_ms);
    if (a->node == NULL) {
        textbuf_setf(err, errlen, "cannot create the Thread node");
        goto fail;
    }

    if (dns_init(a, cfg, now_ms, err, errlen) != 0)
        goto fail;
    load_ula(a, now_ms);
    enabled = load_nat64(a, now_ms);
    if (rebuild_xlat(a, now_ms, err, errlen) != 0)
        goto fail;

    if (cfg->tun_name != NULL) {
        a->tun_fd = tun_open(cfg->tun_name, a->tun_name, e, sizeof(e));
        if (a->tun_fd < 0) {
            textbuf_setf(err, errlen, "TUN %s: %s", cfg->tun_name, e);
            goto fail;
        }
        if (tun_set_nonblock(a->tun_fd, true, e, sizeof(e)) != 0 ||
            tun_setup(a, e, sizeof(e)) != 0) {
            textbuf_setf(err, errlen, "TUN %s: %s", a->tun_name, e);
            goto fail;
        }
        alog(a, 3, "tun: %s up, MTU %d", a->tun_name, BR_AGENT_MTU);
    }
    if (cfg->border_routing) {
        if (a->infra_if[0] == '\0') {
            textbuf_setf(err, errlen, "border routing needs an infrastructure interface");
            goto fail;
        }
        if (infra_open(a, err, errlen) != 0)
            goto fail;
    }
    if (cfg->netconf) {
        a->nc = netconf_open(cfg->netconf_cfg, e, sizeof(e));
        if (a->nc == NULL) {
            a->ctr.netconf_errors++;
            alog(a, 1, "netconf: %s (NAT64 stays NotRunning)", e);
        } else if (netconf_forwarding_enable(a->nc, NETCONF_IPV4 | NETCONF_IPV6, e, sizeof(e)) <
                   0) {
            a->ctr.netconf_errors++;
            alog(a, 1, "netconf: forwarding: %s", e);
        }
    }
    if (a->nc == NULL && cfg->assume_return_path) {
        a->return_path = true;
        br_pm_set_return_path(&a->pm, true, now_ms);
    }
    if (enabled)
        handle_chg(a, br_pm_set_enabled(&a->pm, true, now_ms), now_ms);
    drive(a, now_ms);
    return a;

fail:
    br_agent_free(a);
    return NULL;
}

void br_agent_free(struct br_agent *a)
{
    if (a == NULL)
        return;
    if (a->ra_fd >= 0) {
        if (a->adv_omr || a->adv_pio) {
            ra_send(a, true, 0); /* hosts drop our routes and prefix now */
            alog(a, 3, "infra: final RA sent on %s", a->infra_if);
        }
        close(a->ra_fd);
        a->ra_fd = -1;
    }
    if (a->nc != NULL) {
        char e[NETCONF_ERR_MAX];

        if (netconf_cleanup(a->nc, e, sizeof(e)) < 0)
            alog(a, 2, "netconf: cleanup: %s", e);
        else
            alog(a, 3, "netconf: routes, NAT44 table and forwarding restored");
        netconf_close(a->nc);
    }
    if (a->tun_fd >= 0)
        tun_close(a->tun_fd);
    for (unsigned i = 0; i < a->queue_n; i++)
        free(a->queue[i].data);
    dns_free(a);
    tnode_free(a->node);
    nat64_free(a->xlat);
    free(a->out_buf);
    free(a->tun_buf);
    free(a);
}

enum tnode_err br_agent_autostart(struct br_agent *a, bool form, uint64_t now_ms)
{
    size_t len = 0;
    enum tnode_err e;

    if (tnode_active_dataset(a->node, &len) == NULL || len == 0) {
        if (!form)
            return TNODE_OK;
        e = tnode_dataset_init_new(a->node);
        if (e == TNODE_OK)
            e = tnode_dataset_commit_active(a->node, now_ms);
        if (e != TNODE_OK)
            return e;
        alog(a, 3, "thread: new network dataset");
    }
    e = tnode_ifconfig(a->node, true, now_ms);
    if (e == TNODE_OK || e == TNODE_ERR_ALREADY)
        e = tnode_thread_start(a->node, now_ms);
    if (e == TNODE_ERR_ALREADY)
        e = TNODE_OK;
    return e;
}

/* ---- poll loop ------------------------------------------------------------- */

struct tnode *br_agent_node(struct br_agent *a)
{
    return a->node;
}

int br_agent_tun_fd(const struct br_agent *a)
{
    return a->tun_fd;
}

void br_agent_radio_rx(void *user, const struct radio_rx_frame *f)
{
    struct br_agent *a = user;

    a->now_ms = f->timestamp_ms;
    tnode_radio_rx(a->node, f);
}

void br_agent_process(struct br_agent *a, uint64_t now_ms)
{
    a->now_ms = now_ms;
    if (now_ms >= a->expire_due_ms) {
        nat64_expire(a->xlat, now_ms);
        a->expire_due_ms = now_ms + BR_AGENT_EXPIRE_MS;
    }
    tnode_process(a->node, now_ms);
    mesh_flush(a, now_ms);
    drive(a, now_ms);
    dns_process(a, now_ms);
    br_srp_server_process(a->srp, now_ms, wall_now(a));
    mesh_flush(a, now_ms);
}

int64_t br_agent_next_timeout_ms(const struct br_agent *a, uint64_t now_ms)
{
    int64_t t = tnode_next_timeout_ms(a->node, now_ms);
    uint64_t due[8];
    unsigned n = 0;

    if (a->queue_n > 0)
        return 0;
    due[n++] = br_pm_next_eval_ms(&a->pm);
    due[n++] = a->expire_due_ms;
    if (a->netdata_dirty)
        due[n++] = a->netdata_retry_ms;
    if (a->nat44_installed)
        due[n++] = a->nat44_check_due_ms;
    if (a->ra_fd >= 0 && a->ra_due_ms != UINT64_MAX)
        due[n++] = a->ra_due_ms;
    if (dns_server_next_timeout(a->dns) != UINT64_MAX)
        due[n++] = dns_server_next_timeout(a->dns);
    if (a->resolv_use)
        due[n++] = a->resolv_check_ms;
    due[n++] = br_srp_server_next_timeout(a->srp); /* UINT64_MAX (none) is skipped below */
    for (unsigned i = 0; i < n; i++) {
        int64_t d;

        if (due[i] == BR_PM_NO_EVAL) /* UINT64_MAX: nothing due */
            continue;
        d = due[i] <= now_ms ? 0 : (int64_t)(due[i] - now_ms);
        if (t < 0 || d < t)
            t = d;
    }
    return t;
}

/* ---- commands --------------------------------------------------------------- */

const struct br_pm *br_agent_pm(const struct br_agent *a)
{
    return &a->pm;
}

struct nat64 *br_agent_nat64(struct br_agent *a)
{
    return a->xlat;
}

void br_agent_nat64_counters(const struct br_agent *a, struct nat64_fmt_counters *out)
{
    struct nat64_fmt_counters c;

    *out = a->ctr_base;
    nat64_counters(a->xlat, &c);
    add_counters(out, &c);
}

void br_agent_set_nat64_enabled(struct br_agent *a, bool enabled, uint64_t now_ms)
{
    bool was = br_pm_enabled(&a->pm);
    unsigned chg = br_pm_set_enabled(&a->pm, enabled, now_ms);

    if (was != enabled) {
        alog(a, 3, "nat64: %s", enabled ? "enabled" : "disabled");
        save_nat64(a);
        if (!enabled)
            nat64_clear(a->xlat); /* OpenThread drops the mappings on disable */
    }
    handle_chg(a, chg, now_ms);
    drive(a, now_ms);
}

enum br_pm_err br_agent_set_cidr(struct br_agent *a, const char *text, uint64_t now_ms)
{
    unsigned chg = 0;
    enum br_pm_err e = br_pm_set_cidr_str(&a->pm, text, now_ms, &chg);

    if (e != BR_PM_OK)
        return e;
    if (chg & BR_PM_CHG_CIDR) {
        alog(a, 3, "nat64: CIDR %s", text);
        save_nat64(a);
    }
    handle_chg(a, chg, now_ms);
    drive(a, now_ms);
    return BR_PM_OK;
}

const struct br_agent_counters *br_agent_counters(const struct br_agent *a)
{
    return &a->ctr;
}
