/*
 * The router role's views and settings (node.h, "router role: views and
 * settings" and "EID-to-RLOC cache"): getters and setters over the node's
 * router table (n->rt), router settings (n->rcfg), Leader Data, child table
 * and address cache, as OpenThread's otThread* FTD API
 * (thread_ftd_api.cpp, mle_ftd.cpp, child_table.cpp, neighbor_table.cpp,
 * address_resolver.cpp). No MLE here: the role machinery reads n->rcfg.
 */
#include <string.h>

#include "thread/node.h"
#include "thread/node_priv.h"

/* The simulated radio's noise floor (node.c reads link margins against it). */
#define NR_NOISE_FLOOR (-100)

const struct router_table *tnode_router_table(const struct tnode *n)
{
    return &n->rt;
}

static uint32_t age_s(uint64_t now_ms, uint64_t heard_ms)
{
    return now_ms > heard_ms ? (uint32_t)((now_ms - heard_ms) / 1000u) : 0;
}

static bool is_router_role(const struct tnode *n)
{
    return n->role == TNODE_ROUTER || n->role == TNODE_LEADER;
}

size_t tnode_neighbors(const struct tnode *n, uint64_t now_ms, struct tnode_neighbor_info *out,
                       size_t max)
{
    size_t total = 0;

    if (!is_router_role(n))
        return 0; /* an FTD child's routers have no links; MTD API not offered */
    /* Children first, in table order (GetNextNeighborInfo's non-negative iterator). */
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &n->children.child[i];

        if (c->state != CHILD_TABLE_VALID)
            continue;
        if (total < max) {
            struct tnode_neighbor_info *o = &out[total];

            memset(o, 0, sizeof(*o));
            o->is_child = true;
            o->rloc16 = c->rloc16;
            o->age_s = age_s(now_ms, c->last_heard_ms);
            o->avg_rssi = c->rssi; /* the child table keeps the last RSS only */
            o->last_rssi = c->rssi;
            o->mode = c->mode & (TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA);
            o->lq_in = router_table_lq_for_margin(router_table_link_margin(NR_NOISE_FLOOR, c->rssi),
                                                  ROUTER_TABLE_LQ_NONE);
            o->version = c->version;
            memcpy(o->ext, c->ext, 8);
        }
        total++;
    }
    /* Then routers with a valid link, by router ID. */
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);

        if (!e || e->link != ROUTER_TABLE_LINK_VALID || id == n->rt.my_id)
            continue;
        if (total < max) {
            struct tnode_neighbor_info *o = &out[total];

            memset(o, 0, sizeof(*o));
            o->rloc16 = router_table_rloc16(id);
            o->age_s = age_s(now_ms, e->last_heard_ms);
            o->avg_rssi = router_table_avg_rss(e);
            o->last_rssi = e->last_rss;
            /* HandleLinkAccept: a neighbour router is rx-on, FTD, full data. */
            o->mode = TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA;
            o->lq_in = e->lq_in;
            o->version = e->version;
            memcpy(o->ext, e->ext, 8);
        }
        total++;
    }
    return total;
}

/* ---- settings ------------------------------------------------------------- */

uint8_t tnode_router_selection_jitter(const struct tnode *n)
{
    return n->rcfg.jitter_s;
}

void tnode_set_router_selection_jitter(struct tnode *n, uint8_t jitter_s)
{
    n->rcfg.jitter_s = jitter_s;
}

uint8_t tnode_router_upgrade_threshold(const struct tnode *n)
{
    return n->rcfg.upgrade_threshold;
}

void tnode_set_router_upgrade_threshold(struct tnode *n, uint8_t threshold)
{
    n->rcfg.upgrade_threshold = threshold;
    /* The leader refuses "too few routers" solicits at this many routers
     * (ProcessAddressSolicit reads mRouterUpgradeThreshold too). */
    n->rt.upgrade_threshold = threshold;
}

uint8_t tnode_router_downgrade_threshold(const struct tnode *n)
{
    return n->rcfg.downgrade_threshold;
}

void tnode_set_router_downgrade_threshold(struct tnode *n, uint8_t threshold)
{
    n->rcfg.downgrade_threshold = threshold;
}

bool tnode_router_eligible(const struct tnode *n)
{
    return n->rcfg.router_eligible;
}

enum ot_err tnode_set_router_eligible(struct tnode *n, bool eligible, uint64_t now_ms)
{
    if (!(n->mode & TNODE_MODE_FTD) && eligible)
        return OT_ERR_NOT_CAPABLE;
    if (eligible == n->rcfg.router_eligible)
        return OT_ERR_NONE;
    n->rcfg.router_eligible = eligible;
    /* Mle::SetRouterEligible: a router or leader no longer eligible detaches
     * and attaches again (as a child: it may not form a partition now). */
    if (!eligible && is_router_role(n)) {
        enum ot_err e = tnode_thread_stop(n, now_ms);

        if (e == OT_ERR_NONE)
            e = tnode_thread_start(n, now_ms);
        return e;
    }
    return OT_ERR_NONE;
}

uint8_t tnode_leader_weight(const struct tnode *n)
{
    return n->rcfg.leader_weight;
}

void tnode_set_leader_weight(struct tnode *n, uint8_t weight)
{
    n->rcfg.leader_weight = weight;
}

uint32_t tnode_partition_id(const struct tnode *n)
{
    return n->leader.partition_id;
}

uint32_t tnode_preferred_partition_id(const struct tnode *n)
{
    return n->rcfg.has_preferred_partition ? n->rcfg.preferred_partition : 0;
}

void tnode_set_preferred_partition_id(struct tnode *n, uint32_t id)
{
    n->rcfg.has_preferred_partition = id != 0;
    n->rcfg.preferred_partition = id;
}

uint16_t tnode_child_max(const struct tnode *n)
{
    return child_table_max(&n->children);
}

enum ot_err tnode_set_child_max(struct tnode *n, uint16_t max)
{
    return child_table_set_max(&n->children, max);
}

/* ---- EID cache -------------------------------------------------------------- */

/* tnode_eidcache_next: addr_resolver.c, next to the cache. */
