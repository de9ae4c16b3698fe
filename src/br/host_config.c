/*
 * The host's network configuration; see host_config.h.
 */
#include "br/host_config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "br/log.h"

/* Installs (or updates) the policy to fw. */
static void fw_install(struct br_host_config *h, const struct netconf_fw *fw)
{
    char e[NETCONF_ERR_MAX];

    h->fw = *fw;
    h->fw_ok = h->cfg.ops->fw_install(h->cfg.nc, fw, e, sizeof(e)) == 0;
    if (!h->fw_ok) {
        h->netconf_errors++;
        br_log(h->cfg.log, h->cfg.user, 1,
               "netconf: forwarding policy for %s NOT installed (forwarding unfiltered): %s",
               fw->thread_if, e);
    } else {
        br_log(h->cfg.log, h->cfg.user, 3,
               "netconf: forwarding policy for %s in place (%u on-mesh prefixes%s)", fw->thread_if,
               fw->n_onmesh, fw->has_ml ? ", mesh-local" : "");
    }
}

void br_host_config_init(struct br_host_config *h, const struct br_host_config_cfg *cfg)
{
    char e[NETCONF_ERR_MAX];

    memset(h, 0, sizeof(*h));
    h->cfg = *cfg;
    if (cfg->tun_name != NULL)
        snprintf(h->tun_name, sizeof(h->tun_name), "%s", cfg->tun_name);
    if (cfg->infra_if != NULL)
        snprintf(h->infra_if, sizeof(h->infra_if), "%s", cfg->infra_if);
    h->cfg.tun_name = h->cfg.infra_if = NULL;
    if (cfg->ops == NULL)
        return;
    /* the policy before forwarding: no moment with the TUN unfiltered */
    if (h->tun_name[0] != '\0') {
        snprintf(h->fw.thread_if, sizeof(h->fw.thread_if), "%s", h->tun_name);
        fw_install(h, &h->fw);
    }
    if (h->infra_if[0] != '\0' &&
        cfg->ops->accept_ra_set(cfg->nc, h->infra_if, 2, e, sizeof(e)) < 0) {
        h->netconf_errors++;
        br_log(h->cfg.log, h->cfg.user, 1, "netconf: accept_ra=2 on %s: %s", h->infra_if, e);
    }
    if (cfg->ops->forwarding_enable(cfg->nc, NETCONF_IPV4 | NETCONF_IPV6, e, sizeof(e)) < 0) {
        h->netconf_errors++;
        br_log(h->cfg.log, h->cfg.user, 1, "netconf: forwarding: %s", e);
    }
}

void br_host_config_free(struct br_host_config *h)
{
    char e[NETCONF_ERR_MAX];

    if (h->cfg.ops == NULL)
        return;
    if (h->cfg.ops->cleanup(h->cfg.nc, e, sizeof(e)) < 0)
        br_log(h->cfg.log, h->cfg.user, 2, "netconf: cleanup: %s", e);
    else
        br_log(h->cfg.log, h->cfg.user, 3, "netconf: routes, NAT44 table and forwarding restored");
    h->cfg.ops = NULL;
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
static bool sync_route(struct br_host_config *h, struct br_host_config_route *cur,
                       const struct netconf_route *want)
{
    char e[NETCONF_ERR_MAX], s[64];

    if (cur->have && (want == NULL || !route_same(&cur->rt, want))) {
        if (h->cfg.ops->route_del(h->cfg.nc, &cur->rt, e, sizeof(e)) < 0) {
            h->netconf_errors++;
            br_log(h->cfg.log, h->cfg.user, 2, "netconf: delete route %s: %s",
                   route_str(&cur->rt, s, sizeof(s)), e);
        } else {
            br_log(h->cfg.log, h->cfg.user, 3, "netconf: route %s dev %s removed",
                   route_str(&cur->rt, s, sizeof(s)), cur->rt.dev);
        }
        cur->have = false;
    }
    if (want == NULL)
        return false;
    if (!cur->have) {
        if (h->cfg.ops->route_add(h->cfg.nc, want, true, e, sizeof(e)) < 0) {
            h->netconf_errors++;
            br_log(h->cfg.log, h->cfg.user, 2, "netconf: add route %s dev %s: %s",
                   route_str(want, s, sizeof(s)), want->dev, e);
            return false;
        }
        br_log(h->cfg.log, h->cfg.user, 3, "netconf: route %s dev %s added",
               route_str(want, s, sizeof(s)), want->dev);
        cur->rt = *want;
        cur->have = true;
    }
    return true;
}

/* The route to dst/plen via dev when on, none otherwise. */
static bool sync_route_to(struct br_host_config *h, struct br_host_config_route *cur, bool on,
                          int family, const uint8_t *dst, uint8_t plen, const char *dev,
                          uint32_t metric)
{
    struct netconf_route r;

    if (!on)
        return sync_route(h, cur, NULL);
    memset(&r, 0, sizeof(r));
    r.family = family;
    memcpy(r.dst, dst, family == AF_INET ? 4 : 16);
    addr_mask(r.dst, family == AF_INET ? 4 : 16, plen);
    r.plen = plen;
    snprintf(r.dev, sizeof(r.dev), "%s", dev);
    r.metric = metric;
    return sync_route(h, cur, &r);
}

static void nat44_install(struct br_host_config *h, const struct addr_prefix4 *cidr)
{
    char e[NETCONF_ERR_MAX];

    if (h->cfg.ops->nat44_install(h->cfg.nc, cidr, h->infra_if, e, sizeof(e)) < 0) {
        h->netconf_errors++;
        br_log(h->cfg.log, h->cfg.user, 1, "netconf: NAT44 for the NAT64 pool: %s", e);
        h->nat44_ok = false;
        return;
    }
    h->nat44_ok = h->cfg.ops->nat44_check(h->cfg.nc, cidr, h->infra_if, e, sizeof(e)) == 1;
    if (!h->nat44_ok)
        br_log(h->cfg.log, h->cfg.user, 1, "netconf: NAT44 check: %s", e);
}

/* The NAT44 table for the pool: (re)installed, removed, checked when due. */
/* The re-check period: the configured one, else the default. */
static uint64_t recheck_ms(const struct br_host_config *h)
{
    return h->cfg.recheck_ms != 0 ? h->cfg.recheck_ms : BR_HOST_CONFIG_NAT44_RECHECK_MS;
}

static void sync_nat44(struct br_host_config *h, const struct br_host_config_want *w,
                       const struct addr_prefix4 *cidr, uint64_t now_ms)
{
    bool want = w->nat64_enabled && w->has_cidr && h->infra_if[0] != '\0';
    char e[NETCONF_ERR_MAX];

    if (h->nat44_installed && (!want || memcmp(&h->nat44_pool, cidr, sizeof(*cidr)) != 0)) {
        if (h->cfg.ops->nat44_remove(h->cfg.nc, e, sizeof(e)) < 0) {
            h->netconf_errors++;
            br_log(h->cfg.log, h->cfg.user, 2, "netconf: remove NAT44: %s", e);
        } else {
            br_log(h->cfg.log, h->cfg.user, 3, "netconf: NAT44 table removed");
        }
        h->nat44_installed = false;
        h->nat44_ok = false;
    }
    if (want && !h->nat44_installed) {
        h->nat44_pool = *cidr;
        h->nat44_installed = true;
        h->nat44_check_due_ms = now_ms + recheck_ms(h);
        nat44_install(h, cidr);
        if (h->nat44_ok)
            br_log(h->cfg.log, h->cfg.user, 3,
                   "netconf: NAT44 masquerade for the pool via %s in place", h->infra_if);
    } else if (h->nat44_installed && now_ms >= h->nat44_check_due_ms) {
        int c = h->cfg.ops->nat44_check(h->cfg.nc, cidr, h->infra_if, e, sizeof(e));

        h->nat44_check_due_ms = now_ms + recheck_ms(h);
        if (c != 1) {
            br_log(h->cfg.log, h->cfg.user, 1, "netconf: NAT44 check: %s; re-installing", e);
            nat44_install(h, cidr);
        } else {
            h->nat44_ok = true;
        }
    }
}

/* The policy follows the mesh-local /64 and the on-mesh prefixes; checked
 * when due and put back if someone flushed or deleted it. */
static void sync_fw(struct br_host_config *h, const struct br_host_config_want *w, uint64_t now_ms)
{
    struct netconf_fw fw;
    char e[NETCONF_ERR_MAX];

    if (h->tun_name[0] == '\0')
        return;
    memset(&fw, 0, sizeof(fw));
    snprintf(fw.thread_if, sizeof(fw.thread_if), "%s", h->tun_name);
    fw.has_ml = w->has_ml;
    if (w->has_ml)
        memcpy(fw.ml, w->ml, 8);
    fw.n_onmesh = w->n_onmesh < NETCONF_FW_PREFIXES ? w->n_onmesh : NETCONF_FW_PREFIXES;
    for (unsigned i = 0; i < fw.n_onmesh; i++) {
        fw.onmesh[i] = w->onmesh[i];
        addr_mask(fw.onmesh[i].addr, 16, fw.onmesh[i].len);
    }
    if (h->fw_check_due_ms == 0)
        h->fw_check_due_ms = now_ms + recheck_ms(h);
    if (memcmp(&fw, &h->fw, sizeof(fw)) != 0) {
        fw_install(h, &fw);
    } else if (now_ms >= h->fw_check_due_ms) {
        h->fw_check_due_ms = now_ms + recheck_ms(h);
        if (!h->fw_ok) { /* failed before: tried again when due, not every loop */
            fw_install(h, &fw);
        } else if (h->cfg.ops->fw_check(h->cfg.nc, &fw, e, sizeof(e)) != 1) {
            h->fw_reinstalls++;
            br_log(h->cfg.log, h->cfg.user, 1,
                   "netconf: forwarding policy check: %s; re-installing (%llu)", e,
                   (unsigned long long)h->fw_reinstalls);
            fw_install(h, &fw);
        }
    }
}

bool br_host_config_sync(struct br_host_config *h, const struct br_host_config_want *w,
                         uint64_t now_ms, bool *changed)
{
    bool ready = h->cfg.assume_return_path;

    if (h->cfg.ops != NULL) {
        struct addr_prefix4 cidr;
        bool pool_ok = false;

        memset(&cidr, 0, sizeof(cidr));
        if (w->has_cidr) {
            cidr = w->cidr;
            addr_mask(cidr.addr, 4, cidr.len);
        }
        sync_fw(h, w, now_ms);
        sync_nat44(h, w, &cidr, now_ms);
        if (h->tun_name[0] != '\0') {
            uint8_t dst[16] = {0};

            pool_ok =
                sync_route_to(h, &h->pool, w->nat64_enabled && w->has_cidr && w->has_xlat_prefix,
                              AF_INET, cidr.addr, cidr.len, h->tun_name, NETCONF_POOL_METRIC);
            memcpy(dst, w->ml, 8);
            sync_route_to(h, &h->ml, w->has_ml, AF_INET6, dst, 64, h->tun_name, 0);
            sync_route_to(h, &h->omr, w->has_omr, AF_INET6, w->omr.addr, w->omr.len, h->tun_name,
                          0);
        }
        if (h->infra_if[0] != '\0')
            sync_route_to(h, &h->onlink, w->has_onlink, AF_INET6, w->onlink.addr, w->onlink.len,
                          h->infra_if, 0);
        ready = h->nat44_ok &&
                (h->tun_name[0] == '\0' || pool_ok || !w->has_xlat_prefix /* not needed yet */);
    }
    *changed = ready != h->return_path;
    if (*changed) {
        h->return_path = ready;
        br_log(h->cfg.log, h->cfg.user, 3, "br: IPv4 return path %s",
               ready ? "ready" : "not ready");
    }
    return ready;
}

uint64_t br_host_config_next_ms(const struct br_host_config *h)
{
    uint64_t t = UINT64_MAX;

    if (h->cfg.ops == NULL)
        return t;
    if (h->nat44_installed)
        t = h->nat44_check_due_ms;
    if (h->tun_name[0] != '\0' && h->fw_check_due_ms != 0 && h->fw_check_due_ms < t)
        t = h->fw_check_due_ms;
    return t;
}

uint64_t br_host_config_errors(const struct br_host_config *h)
{
    return h->netconf_errors;
}

uint64_t br_host_config_fw_reinstalls(const struct br_host_config *h)
{
    return h->fw_reinstalls;
}

int br_host_config_fw_counters(const struct br_host_config *h, struct netconf_fw_counters *out,
                               char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (h->cfg.ops == NULL || h->tun_name[0] == '\0') {
        snprintf(err, errlen, "no forwarding policy (the host is not configured)");
        return -1;
    }
    return h->cfg.ops->fw_counters(h->cfg.nc, out, err, errlen);
}
