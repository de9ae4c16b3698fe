/*
 * The border router's local Network Data; see publisher.h.
 */
#include "br/publisher.h"

#include <string.h>

#include "br/log.h"

#define PLOG(p, ...) br_log((p)->cfg.log, (p)->cfg.user, __VA_ARGS__)

void br_publisher_init(struct br_publisher *p, const struct br_publisher_cfg *cfg)
{
    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
}

void br_publisher_invalidate(struct br_publisher *p, uint64_t now_ms)
{
    p->dirty = true;
    p->retry_ms = now_ms;
}

bool br_publisher_build(const struct br_publisher *p, const struct br_publisher_input *in,
                        struct netdata_local *out)
{
    bool svc = in->srp_enabled && in->has_mleid;
    enum netdata_err ne;

    if (in->pm != NULL)
        *out = *in->pm;
    else
        netdata_local_init(out);
    if (in->has_onlink) {
        struct netdata_route_cfg rc;

        memset(&rc, 0, sizeof(rc));
        rc.prefix = in->onlink;
        rc.rloc16 = in->rloc16;
        rc.preference = NETDATA_PREF_MED;
        rc.stable = true;
        ne = netdata_local_add_route(out, &rc);
        if (ne != NETDATA_OK)
            PLOG(p, 2, "br: cannot add the on-link route to the network data: %s",
                 netdata_err_str(ne));
    }
    if (svc) {
        struct netdata_service_cfg sc;

        if (in->anycast)
            netdata_dns_srp_anycast_cfg(&sc, in->rloc16, in->seqnum);
        else
            netdata_dns_srp_unicast_cfg(&sc, in->rloc16, in->mleid, in->srp_port);
        ne = netdata_local_add_service(out, &sc);
        if (ne != NETDATA_OK)
            PLOG(p, 2, "dns: cannot add the DNS/SRP service to the network data: %s",
                 netdata_err_str(ne));
    }
    return svc;
}

void br_publisher_process(struct br_publisher *p, const struct br_publisher_input *in,
                          uint64_t now_ms)
{
    struct netdata_local nd;
    bool svc;
    enum ot_err e;

    if (in->attached && !p->dirty) {
        svc = in->srp_enabled && in->has_mleid;
        /* A new ML-EID (new mesh-local prefix): the service moves with it. */
        if (svc != p->svc_pub || (svc && memcmp(in->mleid, p->svc_addr, 16) != 0))
            br_publisher_invalidate(p, now_ms);
    }
    if (!p->dirty || now_ms < p->retry_ms)
        return;
    svc = br_publisher_build(p, in, &nd);
    if (!in->attached) {
        p->retry_ms = now_ms + BR_PUBLISHER_RETRY_MS;
        return;
    }
    e = p->cfg.push(p->cfg.user, nd.tlvs, nd.len, now_ms);
    if (e == OT_ERR_NONE) {
        p->dirty = false;
        p->svc_pub = svc;
        if (svc)
            memcpy(p->svc_addr, in->mleid, 16);
        PLOG(p, 4, "br: local network data pushed (%u bytes)", (unsigned)nd.len);
    } else {
        p->push_errors++;
        p->retry_ms = now_ms + BR_PUBLISHER_RETRY_MS;
        PLOG(p, 4, "br: local network data refused (error %d), retrying", (int)e);
    }
}

uint64_t br_publisher_next_ms(const struct br_publisher *p)
{
    return p->dirty ? p->retry_ms : BR_PUBLISHER_NONE;
}

bool br_publisher_service_published(const struct br_publisher *p)
{
    return p->svc_pub;
}

uint64_t br_publisher_push_errors(const struct br_publisher *p)
{
    return p->push_errors;
}
