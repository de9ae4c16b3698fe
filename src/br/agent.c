/*
 * The border router: lifecycle, wiring of the parts and the reconcile loop;
 * see agent.h.
 */
#include "br/agent.h"

#include <stdlib.h>
#include <string.h>

#include "br/host_config.h"
#include "br/log.h"
#include "br/node_view.h"
#include "br/publisher.h"
#include "br/routing.h"
#include "netdata/netdata.h"
#include "util/addr.h"
#include "util/kv.h"
#include "util/textbuf.h"

/* One log line into the agent's sink. */
#define ALOG(a, ...) br_log((a)->cfg.log, (a)->cfg.user, __VA_ARGS__)

struct br_agent {
    struct br_agent_cfg cfg;
    struct kv kv; /* cfg.kv copied (ops NULL: none); cfg.kv points here */
    struct tnode *node;
    struct br_routing routing; /* the prefix manager and its settings */
    struct br_publisher pub;   /* the local Network Data */
    struct br_data_path dp;
    struct br_infra_link link;
    bool has_link;
    struct br_host_config host;
    bool host_up;
    struct br_dns_proxy dns;
    bool dns_up;
    struct br_srp_server *srp; /* large: its own allocation */
};

static uint64_t wall_now(const struct br_agent *a)
{
    return a->cfg.wall_ms != NULL ? a->cfg.wall_ms(a->cfg.user) : 0;
}

/* ---- what the parts follow -------------------------------------------------- */

/* The translator follows the prefix manager's prefix, pool and state. */
static void sync_xlat(struct br_agent *a, uint64_t now_ms)
{
    const struct br_pm *pm = br_routing_pm(&a->routing);
    struct addr_prefix6 p;
    struct addr_prefix4 c;
    bool hp = br_pm_translator_prefix(pm, &p);
    bool hc = br_pm_get_cidr(pm, &c) == OT_ERR_NONE;

    br_data_path_set_xlat(&a->dp, hp ? &p : NULL, hc ? &c : NULL,
                          br_pm_xlat_state(pm) == BR_PM_STATE_ACTIVE, now_ms, NULL, 0);
}

/* The Network Data's on-mesh prefixes, each once (what OpenThread's posix
 * firewall.cpp UpdateIpSets() puts in otbr-ingress-allow-dst: every Border
 * Router entry, otNetDataGetNextOnMeshPrefix), at most cap. */
static unsigned onmesh_prefixes(const struct br_node_view *v, struct addr_prefix6 *out,
                                unsigned cap)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    unsigned n = 0;

    while (v->netdata != NULL && n < cap &&
           netdata_next_prefix(v->netdata, v->netdata_len, NETDATA_ANY_RLOC16, &it, &pc)) {
        unsigned i = 0;

        while (i < n && !(out[i].len == pc.prefix.len &&
                          memcmp(out[i].addr, pc.prefix.addr, sizeof(out[i].addr)) == 0))
            i++;
        if (i == n)
            out[n++] = pc.prefix;
    }
    return n;
}

/* The host follows the prefix manager, the node and the link; the return
 * path it reports goes back to the prefix manager. */
static unsigned sync_host(struct br_agent *a, uint64_t now_ms)
{
    const struct br_pm *pm = br_routing_pm(&a->routing);
    struct br_host_config_want w;
    struct br_node_view v;
    struct addr_prefix6 p;
    bool changed, ready;

    br_node_view_read(&v, a->node);
    memset(&w, 0, sizeof(w));
    w.nat64_enabled = br_pm_enabled(pm);
    w.has_cidr = br_pm_get_cidr(pm, &w.cidr) == OT_ERR_NONE;
    w.has_xlat_prefix = br_pm_translator_prefix(pm, &p);
    w.has_ml = v.attached && v.has_ml;
    memcpy(w.ml, v.ml, 8);
    w.has_omr = br_routing_running(&a->routing) && br_pm_omr_local(pm, &w.omr) == OT_ERR_NONE;
    w.has_onlink = a->has_link && br_infra_link_onlink(&a->link, &w.onlink);
    w.n_onmesh = onmesh_prefixes(&v, w.onmesh, NETCONF_FW_PREFIXES);
    ready = br_host_config_sync(&a->host, &w, now_ms, &changed);
    return changed ? br_routing_set_return_path(&a->routing, ready, now_ms) : 0;
}

/* Pushes what the prefix manager reports changed to the parts following it,
 * until nothing more changes. */
static void handle_chg(struct br_agent *a, unsigned chg, uint64_t now_ms)
{
    for (int round = 0; chg != 0 && round < 4; round++) {
        unsigned more = 0;

        if (chg & BR_PM_CHG_NETDATA)
            br_publisher_invalidate(&a->pub, now_ms);
        sync_xlat(a, now_ms);
        if (chg & (BR_PM_CHG_XLAT_PREFIX | BR_PM_CHG_CIDR | BR_PM_CHG_NETDATA))
            more |= sync_host(a, now_ms);
        chg = more;
    }
}

/* The infrastructure link follows routing, the favored OMR prefix and the
 * Extended PAN ID. */
static void sync_link(struct br_agent *a, const struct br_node_view *v, uint64_t now_ms)
{
    struct br_infra_link_input in;
    int8_t pref;

    if (!a->has_link)
        return;
    memset(&in, 0, sizeof(in));
    in.running = br_routing_running(&a->routing);
    in.has_omr = br_pm_omr_favored(br_routing_pm(&a->routing), &in.omr, &pref) == OT_ERR_NONE;
    in.has_xpanid = v->has_xpanid;
    memcpy(in.xpanid, v->xpanid, 8);
    if (br_infra_link_update(&a->link, &in, now_ms))
        br_publisher_invalidate(&a->pub, now_ms);
}

/* NAT64 prefix for ipv4only.arpa.: the prefix manager's favored one. */
static void sync_dns(struct br_agent *a)
{
    struct addr_prefix6 p;
    int8_t pref;
    bool has = br_pm_nat64_favored(br_routing_pm(&a->routing), &p, &pref) == OT_ERR_NONE &&
               netdata_nat64_len_valid(p.len);

    br_dns_proxy_set_nat64_prefix(&a->dns, has ? &p : NULL);
}

/* What the local Network Data is made of (br/publisher.h). */
static void publisher_input(const struct br_agent *a, const struct br_node_view *v,
                            struct br_publisher_input *in)
{
    memset(in, 0, sizeof(*in));
    in->attached = v->attached;
    in->rloc16 = v->rloc16;
    in->pm = br_pm_local_netdata(br_routing_pm(&a->routing));
    in->has_onlink = a->has_link && br_infra_link_onlink(&a->link, &in->onlink);
    in->srp_enabled = br_srp_server_enabled(a->srp);
    in->has_mleid = v->has_mleid;
    memcpy(in->mleid, v->mleid, 16);
    in->srp_port = BR_DNS_PROXY_SRP_PORT;
    in->anycast = br_srp_server_anycast(a->srp);
    in->seqnum = br_srp_server_seqnum(a->srp);
}

/* One pass of the reconcile loop over every part. */
static void reconcile(struct br_agent *a, uint64_t now_ms)
{
    struct br_node_view v;
    struct br_publisher_input in;
    bool reattached;
    unsigned chg;

    br_node_view_read(&v, a->node);
    br_data_path_set_netdata(&a->dp, v.netdata, v.netdata_len); /* sources translated */
    chg = br_routing_update(&a->routing, &v, now_ms, &reattached);
    if (reattached)
        br_publisher_invalidate(&a->pub, now_ms);
    handle_chg(a, chg, now_ms);
    sync_link(a, &v, now_ms);
    publisher_input(a, &v, &in);
    br_publisher_process(&a->pub, &in, now_ms);
    handle_chg(a, sync_host(a, now_ms), now_ms);
    sync_dns(a);
}

/* ---- callbacks from the node and the parts ---------------------------------------- */

/* tnode_cfg has one user pointer for every callback (the agent): random and
 * log go through these. */
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

/* The node's host_rx: now_ms is the time of the call into the node. */
static void node_host_rx(void *user, const uint8_t *pkt, size_t len,
                         const struct tnode_rx_link *from, uint64_t now_ms)
{
    struct br_agent *a = user;

    br_data_path_mesh_rx(&a->dp, pkt, len, from, now_ms);
}

static void dp_host_tx(void *user, const uint8_t *pkt, size_t len)
{
    struct br_agent *a = user;

    a->cfg.host_tx(a->cfg.user, pkt, len);
}

static int dp_mesh_tx(void *user, const uint8_t *pkt, size_t len, bool deferred, uint64_t now_ms)
{
    struct br_agent *a = user;

    return (int)(deferred ? tnode_ip6_send_deferred(a->node, pkt, len, now_ms)
                          : tnode_send_ip6(a->node, pkt, len, now_ms));
}

static bool dp_mesh_local(void *user, uint8_t out[8])
{
    struct br_agent *a = user;

    return br_node_view_mesh_local(a->node, out);
}

static void link_pref64(void *user, const struct addr_prefix6 *prefix, uint32_t lifetime_s,
                        uint64_t now_ms)
{
    struct br_agent *a = user;

    handle_chg(a, br_routing_set_infra_prefix(&a->routing, prefix, lifetime_s, now_ms), now_ms);
}

static enum ot_err pub_push(void *user, const uint8_t *tlvs, size_t len, uint64_t now_ms)
{
    struct br_agent *a = user;

    return tnode_set_local_netdata(a->node, tlvs, len, now_ms);
}

/* ---- lifecycle ------------------------------------------------------------- */

static int parts_init(struct br_agent *a, const struct br_agent_cfg *cfg, uint64_t now_ms,
                      char *err, size_t errlen)
{
    struct br_data_path_cfg dc = {cfg->tun_ops, cfg->tun, NULL, dp_mesh_tx,         dp_mesh_local,
                                  node_random,  node_log, a,    cfg->icmp_err_limit};
    struct br_dns_proxy_cfg pc = {.node = a->node,
                                  .kv = a->cfg.kv,
                                  .up_ops = cfg->resolver_ops,
                                  .up = cfg->resolver,
                                  .file_ops = cfg->file_ops,
                                  .file = cfg->file,
                                  .upstreams = cfg->dns_upstreams,
                                  .n_upstreams = cfg->dns_n_upstreams,
                                  .resolv_conf = cfg->resolv_conf,
                                  .dns64 = cfg->dns64,
                                  .random = node_random,
                                  .log = node_log,
                                  .user = a};
    const char *tun = cfg->tun_ops != NULL ? cfg->tun_name : NULL;
    struct br_host_config_cfg hc = {cfg->netconf_ops,        cfg->netconf, tun, cfg->infra_if,
                                    cfg->assume_return_path, node_log,     a,   cfg->recheck_ms};
    struct br_routing_cfg rc = {a->cfg.kv, node_random, node_log, a};
    struct br_publisher_cfg uc = {pub_push, node_log, a};
    int hosts;

    if (cfg->host_tx != NULL)
        dc.host_tx = dp_host_tx;
    if (br_data_path_init(&a->dp, &dc, now_ms, err, errlen) != 0)
        return -1;
    a->srp = calloc(1, sizeof(*a->srp));
    if (a->srp == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    hosts = br_srp_server_init(a->srp, a->cfg.kv, now_ms, wall_now(a));
    if ((cfg->srp_max_hosts != 0 || cfg->srp_max_services != 0) &&
        !br_srp_server_set_capacity(a->srp, cfg->srp_max_hosts ? cfg->srp_max_hosts : SRP_MAX_HOSTS,
                                    cfg->srp_max_services ? cfg->srp_max_services
                                                          : SRP_MAX_SERVICES)) {
        textbuf_setf(err, errlen, "srp capacity out of range (1..%u hosts, 1..%u services)",
                     (unsigned)SRP_MAX_HOSTS, (unsigned)SRP_MAX_SERVICES);
        return -1;
    }
    if (hosts < 0)
        ALOG(a, 2, "srp: the stored registrations were refused (corrupt); starting empty");
    else if (hosts > 0)
        ALOG(a, 3, "srp: %d host(s) restored", hosts);
    pc.srp = a->srp;
    if (br_dns_proxy_init(&a->dns, &pc, now_ms, err, errlen) != 0)
        return -1;
    a->dns_up = true;
    if (cfg->infra_ops != NULL) {
        struct br_infra_link_cfg lc = {cfg->infra_ops,
                                       cfg->infra_sock,
                                       cfg->infra_if,
                                       node_random,
                                       node_log,
                                       link_pref64,
                                       a,
                                       cfg->pref64_from,
                                       {0}};

        memcpy(lc.pref64_router, cfg->pref64_router, 16);

        br_infra_link_init(&a->link, &lc);
        a->has_link = true;
        ALOG(a, 3, "infra: border routing on %s", cfg->infra_if != NULL ? cfg->infra_if : "?");
    }
    br_host_config_init(&a->host, &hc);
    a->host_up = true;
    br_publisher_init(&a->pub, &uc);
    br_routing_init(&a->routing, &rc, now_ms); /* the stored ULA and NAT64 settings */
    return 0;
}

struct br_agent *br_agent_new(const struct br_agent_cfg *cfg, uint64_t now_ms, char *err,
                              size_t errlen)
{
    struct br_agent *a;
    struct tnode_cfg ncfg;

    if (cfg == NULL || cfg->radio_ops == NULL || cfg->random == NULL ||
        (cfg->resolv_conf != NULL && cfg->dns_n_upstreams == 0 && cfg->file_ops == NULL)) {
        textbuf_setf(err, errlen, "bad configuration");
        return NULL;
    }
    if (cfg->infra_if != NULL && strlen(cfg->infra_if) >= NETCONF_IFNAME_MAX) {
        textbuf_setf(err, errlen, "interface name too long");
        return NULL;
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return NULL;
    }
    a->cfg = *cfg;
    if (cfg->kv != NULL) {
        a->kv = *cfg->kv;
        a->cfg.kv = &a->kv;
    }
    a->cfg.dns_upstreams = NULL;
    a->cfg.resolv_conf = a->cfg.infra_if = a->cfg.tun_name = NULL; /* copied by the parts */

    memset(&ncfg, 0, sizeof(ncfg));
    ncfg.node_id = cfg->node_id;
    ncfg.radio_ops = cfg->radio_ops;
    ncfg.radio = cfg->radio;
    ncfg.kv = a->cfg.kv;
    ncfg.random = node_random;
    ncfg.log = cfg->log != NULL ? node_log : NULL;
    ncfg.host_rx = node_host_rx;
    ncfg.user = a;
    ncfg.router_eligible = true;
    a->node = tnode_new(&ncfg, now_ms);
    if (a->node == NULL) {
        textbuf_setf(err, errlen, "cannot create the Thread node");
        goto fail;
    }
    if (parts_init(a, cfg, now_ms, err, errlen) != 0)
        goto fail;
    sync_xlat(a, now_ms);
    handle_chg(a, sync_host(a, now_ms), now_ms);
    handle_chg(a, br_routing_start(&a->routing, now_ms), now_ms);
    reconcile(a, now_ms);
    return a;

fail:
    br_agent_free(a, now_ms);
    return NULL;
}

void br_agent_free(struct br_agent *a, uint64_t now_ms)
{
    if (a == NULL)
        return;
    if (a->has_link)
        br_infra_link_stop(&a->link, now_ms);
    if (a->host_up)
        br_host_config_free(&a->host);
    if (a->srp != NULL) {
        br_srp_server_flush(a->srp, now_ms, wall_now(a));
        br_srp_server_free(a->srp);
        free(a->srp);
    }
    if (a->dns_up)
        br_dns_proxy_free(&a->dns);
    tnode_free(a->node);
    br_data_path_free(&a->dp);
    free(a);
}

enum ot_err br_agent_autostart(struct br_agent *a, bool form, uint64_t now_ms)
{
    size_t len = 0;
    enum ot_err e;

    if (tnode_active_dataset(a->node, &len) == NULL || len == 0) {
        if (!form)
            return OT_ERR_NONE;
        e = tnode_dataset_init_new(a->node);
        if (e == OT_ERR_NONE)
            e = tnode_dataset_commit_active(a->node, now_ms);
        if (e != OT_ERR_NONE)
            return e;
        ALOG(a, 3, "thread: new network dataset");
    }
    e = tnode_ifconfig(a->node, true, now_ms);
    if (e == OT_ERR_NONE || e == OT_ERR_ALREADY)
        e = tnode_thread_start(a->node, now_ms);
    if (e == OT_ERR_ALREADY)
        e = OT_ERR_NONE;
    return e;
}

/* ---- the poll loop ------------------------------------------------------------- */

struct tnode *br_agent_node(struct br_agent *a)
{
    return a->node;
}

void br_agent_radio_rx(void *user, const struct radio_rx_frame *f)
{
    struct br_agent *a = user;

    tnode_radio_rx(a->node, f);
}

void br_agent_radio_tx_done(void *user, const struct radio_tx_done *d)
{
    struct br_agent *a = user;

    tnode_radio_tx_done(a->node, d);
}

void br_agent_infra_read(struct br_agent *a, uint64_t now_ms)
{
    if (a->has_link && br_infra_link_read(&a->link, now_ms))
        br_publisher_invalidate(&a->pub, now_ms);
}

int br_agent_tun_read(struct br_agent *a, unsigned burst, uint64_t now_ms)
{
    return br_data_path_tun_read(&a->dp, burst, now_ms);
}

void br_agent_host_input(struct br_agent *a, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
    br_data_path_host_input(&a->dp, pkt, len, now_ms);
}

void br_agent_dns_upstream_rx(void *user, uint32_t txn, const uint8_t *msg, size_t len,
                              const uint8_t addr[16], uint16_t port, int err, uint64_t now_ms)
{
    struct br_agent *a = user;

    br_dns_proxy_upstream_rx(&a->dns, txn, msg, len, addr, port, err, now_ms);
}

void br_agent_process(struct br_agent *a, uint64_t now_ms)
{
    br_data_path_process(&a->dp, now_ms);
    tnode_process(a->node, now_ms); /* sends the data path's deferred packets too */
    reconcile(a, now_ms);
    br_dns_proxy_process(&a->dns, now_ms);
    br_srp_server_process(a->srp, now_ms, wall_now(a));
}

int64_t br_agent_next_timeout_ms(const struct br_agent *a, uint64_t now_ms)
{
    int64_t t = tnode_next_timeout_ms(a->node, now_ms);
    const uint64_t due[] = {br_pm_next_eval_ms(br_routing_pm(&a->routing)),
                            br_data_path_next_ms(&a->dp),
                            br_publisher_next_ms(&a->pub),
                            br_host_config_next_ms(&a->host),
                            a->has_link ? br_infra_link_next_ms(&a->link) : UINT64_MAX,
                            br_dns_proxy_next_ms(&a->dns),
                            br_srp_server_next_timeout(a->srp)};

    for (size_t i = 0; i < sizeof(due) / sizeof(due[0]); i++) {
        int64_t d;

        if (due[i] == UINT64_MAX) /* nothing due */
            continue;
        d = due[i] <= now_ms ? 0 : (int64_t)(due[i] - now_ms);
        if (t < 0 || d < t)
            t = d;
    }
    return t;
}

void br_agent_counters(const struct br_agent *a, struct br_agent_counters *out)
{
    struct tnode_defer_counters q;

    tnode_defer_counters(a->node, &q);
    memset(out, 0, sizeof(*out));
    out->dp = *br_data_path_counters(&a->dp);
    out->link = *br_infra_link_counters(&a->link);
    out->dns = *br_dns_proxy_counters(&a->dns);
    out->mesh_deferred_errors = q.send_errors;
    out->mesh_queue_full = q.dropped_full;
    out->netdata_push_errors = br_publisher_push_errors(&a->pub);
    out->netconf_errors = br_host_config_errors(&a->host);
    out->fw_reinstalls = br_host_config_fw_reinstalls(&a->host);
}

int br_agent_fw_counters(const struct br_agent *a, struct netconf_fw_counters *out, char *err,
                         size_t errlen)
{
    return br_host_config_fw_counters(&a->host, out, err, errlen);
}

/* ---- commands ------------------------------------------------------------------ */

const struct br_pm *br_agent_pm(const struct br_agent *a)
{
    return br_routing_pm(&a->routing);
}

const struct br_data_path *br_agent_data_path(const struct br_agent *a)
{
    return &a->dp;
}

const struct br_dns_proxy *br_agent_dns_proxy(const struct br_agent *a)
{
    return &a->dns;
}

const struct br_srp_server *br_agent_srp_server(const struct br_agent *a)
{
    return a->srp;
}

void br_agent_set_nat64_enabled(struct br_agent *a, bool enabled, uint64_t now_ms)
{
    bool toggled;
    unsigned chg = br_routing_set_nat64_enabled(&a->routing, enabled, now_ms, &toggled);

    if (toggled && !enabled)
        br_data_path_clear(&a->dp); /* OpenThread drops the mappings on disable */
    handle_chg(a, chg, now_ms);
    reconcile(a, now_ms);
}

enum ot_err br_agent_set_cidr(struct br_agent *a, const char *text, uint64_t now_ms)
{
    unsigned chg;
    enum ot_err e = br_routing_set_cidr(&a->routing, text, now_ms, &chg);

    if (e != OT_ERR_NONE)
        return e;
    handle_chg(a, chg, now_ms);
    reconcile(a, now_ms);
    return OT_ERR_NONE;
}

void br_agent_set_dns_upstream(struct br_agent *a, bool enabled)
{
    br_dns_proxy_set_upstream(&a->dns, enabled);
}

void br_agent_set_dns64(struct br_agent *a, bool enabled)
{
    br_dns_proxy_set_dns64(&a->dns, enabled);
}

enum br_agent_srp_state br_agent_srp_state(const struct br_agent *a)
{
    if (!br_srp_server_enabled(a->srp))
        return BR_AGENT_SRP_DISABLED;
    return br_publisher_service_published(&a->pub) && br_dns_proxy_srp_open(&a->dns) &&
                   tnode_role(a->node) >= TNODE_CHILD
               ? BR_AGENT_SRP_RUNNING
               : BR_AGENT_SRP_STOPPED;
}

void br_agent_set_srp_enabled(struct br_agent *a, bool enabled, uint64_t now_ms)
{
    if (br_srp_server_enabled(a->srp) == enabled)
        return;
    br_dns_proxy_set_srp_enabled(&a->dns, enabled);
    br_publisher_invalidate(&a->pub, now_ms); /* the DNS/SRP service comes or goes with it */
}

bool br_agent_srp_set_lease(struct br_agent *a, uint32_t min, uint32_t max, uint32_t kmin,
                            uint32_t kmax)
{
    return br_srp_server_set_lease(a->srp, min, max, kmin, kmax);
}

bool br_agent_srp_set_anycast(struct br_agent *a, bool anycast)
{
    return br_srp_server_set_anycast(a->srp, anycast);
}

bool br_agent_srp_set_seqnum(struct br_agent *a, uint8_t seqnum)
{
    return br_srp_server_set_seqnum(a->srp, seqnum);
}

bool br_agent_srp_set_capacity(struct br_agent *a, uint32_t hosts, uint32_t services)
{
    return br_srp_server_set_capacity(a->srp, hosts, services);
}

uint16_t br_agent_srp_port(const struct br_agent *a)
{
    return br_srp_server_anycast(a->srp) ? 53u : (uint16_t)BR_DNS_PROXY_SRP_PORT;
}
