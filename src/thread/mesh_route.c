/*
 * Route decisions of the mesh (OpenThread's mesh_forwarder_ftd.cpp
 * UpdateIp6RouteFtd / UpdateMeshRoute and network_data_leader.cpp
 * RouteLookup / AnycastLookup / CompareRouteEntries), over the node's router
 * table, child table and Network Data. No sending here: mesh.c acts on the
 * RLOC16s these give.
 */
#include <string.h>

#include "thread/mesh.h"

bool tn_mesh_is_router(const struct tnode *n)
{
    return n->role == TNODE_ROUTER || n->role == TNODE_LEADER;
}

/* A valid (or restored) child of ours with this RLOC16. */
static const struct child_table_entry *our_child(const struct tnode *n, uint16_t rloc16)
{
    if (!tn_mesh_is_router(n) || (rloc16 & TN_CHILD_ID_MASK) == 0 ||
        (rloc16 & ~TN_CHILD_ID_MASK) != (n->rloc16 & ~TN_CHILD_ID_MASK))
        return NULL;
    const struct child_table_entry *c =
        child_table_by_rloc((struct child_table *)&n->children, rloc16);
    if (!c || (c->state != CHILD_TABLE_VALID && c->state != CHILD_TABLE_RESTORED))
        return NULL;
    return c;
}

bool tn_mesh_minimal_child(const struct tnode *n, uint16_t rloc16)
{
    const struct child_table_entry *c = our_child(n, rloc16);
    return c && !(c->mode & MLE_MODE_FTD);
}

/* RouterTable::GetNextHopAndPathCost, with our own children answered from
 * the child table: valid (or restored) children are reached directly, at
 * the cost of their LQ in (from the last RSS heard, as `neighbor table`). */
static struct router_table_hop next_hop_cost(const struct tnode *n, uint16_t dest)
{
    struct router_table_hop h = {ROUTER_TABLE_INVALID_RLOC16, ROUTER_TABLE_MAX_COST};
    if (n->role == TNODE_CHILD) {
        if (n->parent.valid) {
            h.next_hop = n->parent.rloc16;
            h.cost = 1;
        }
        return h;
    }
    if (!tn_mesh_is_router(n))
        return h;
    if (dest == n->rloc16) {
        h.next_hop = dest;
        h.cost = 0;
        return h;
    }
    if ((dest & ~TN_CHILD_ID_MASK) == (n->rloc16 & ~TN_CHILD_ID_MASK)) {
        const struct child_table_entry *c = our_child(n, dest);
        if (c) {
            uint8_t lq = router_table_lq_for_margin(
                router_table_link_margin(TN_NOISE_FLOOR, c->rssi), ROUTER_TABLE_LQ_NONE);
            h.next_hop = dest;
            h.cost = router_table_cost_for_lq(lq);
            if (h.cost >= ROUTER_TABLE_MAX_COST)
                h.cost = ROUTER_TABLE_MAX_COST - 1; /* still our child: reachable */
        }
        return h;
    }
    if ((dest >> 10) > ROUTER_TABLE_MAX_ID)
        return h;
    h = router_table_next_hop(&n->rt, dest, -1);
    if (h.cost >= ROUTER_TABLE_MAX_COST)
        h.next_hop = ROUTER_TABLE_INVALID_RLOC16;
    return h;
}

uint16_t tn_mesh_next_hop(const struct tnode *n, uint16_t dest)
{
    return next_hop_cost(n, dest).next_hop;
}

static uint8_t path_cost(const struct tnode *n, uint16_t rloc16)
{
    return next_hop_cost(n, rloc16).cost;
}

/* CompareRouteEntries (FTD): > 0 when (pa, ra) is the better border router:
 * higher preference, then lower path cost, then a router over a child. */
static int compare_br(const struct tnode *n, int8_t pa, uint16_t ra, int8_t pb, uint16_t rb)
{
    if (pa != pb)
        return pa > pb ? 1 : -1;
    uint8_t ca = path_cost(n, ra), cb = path_cost(n, rb);
    if (ca != cb)
        return ca < cb ? 1 : -1;
    bool a_router = (ra & TN_CHILD_ID_MASK) == 0, b_router = (rb & TN_CHILD_ID_MASK) == 0;
    return (int)a_router - (int)b_router;
}

/* ExternalRouteLookup: the longest Has Route prefix covering dst in the
 * source prefix's domain, best entry by compare_br. */
static bool external_route(const struct tnode *n, uint8_t domain, const uint8_t dst[16],
                           uint16_t *rloc16)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_route_cfg r;
    bool found = false;
    uint8_t best_len = 0;
    int8_t best_pref = 0;
    while (netdata_next_route(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &r)) {
        if (r.domain_id != domain || !addr_prefix_match(dst, r.prefix.addr, r.prefix.len))
            continue;
        if (found && r.prefix.len < best_len)
            continue;
        if (!found || r.prefix.len > best_len ||
            compare_br(n, r.preference, r.rloc16, best_pref, *rloc16) > 0) {
            found = true;
            best_len = r.prefix.len;
            best_pref = r.preference;
            *rloc16 = r.rloc16;
        }
    }
    return found;
}

bool tn_mesh_route_lookup(const struct tnode *n, const uint8_t src[16], const uint8_t dst[16],
                          uint16_t *rloc16)
{
    /* Each Prefix TLV (with Border Router entries) covering the source:
     * its domain's external routes first, then its default-route BRs. */
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg p;
    while (netdata_next_prefix(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &p)) {
        if (!addr_prefix_match(src, p.prefix.addr, p.prefix.len))
            continue;
        if (external_route(n, p.domain_id, dst, rloc16))
            return true;
        struct netdata_iter it2 = NETDATA_ITER_INIT;
        struct netdata_prefix_cfg q;
        bool found = false;
        int8_t best_pref = 0;
        while (netdata_next_prefix(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it2, &q)) {
            if (!q.default_route || q.prefix.len != p.prefix.len ||
                memcmp(q.prefix.addr, p.prefix.addr, 16) != 0)
                continue;
            if (!found || compare_br(n, q.preference, q.rloc16, best_pref, *rloc16) > 0) {
                found = true;
                best_pref = q.preference;
                *rloc16 = q.rloc16;
            }
        }
        if (found)
            return true;
    }
    return false;
}

bool tn_mesh_aloc_lookup(const struct tnode *n, uint16_t aloc16, uint16_t *rloc16)
{
    if (aloc16 == TN_LEADER_ALOC) {
        if (n->role == TNODE_DETACHED || n->role == TNODE_DISABLED)
            return false;
        *rloc16 = router_table_rloc16(n->leader.leader_router_id);
        return true;
    }
    if (aloc16 >= TN_SERVICE_ALOC_MIN && aloc16 < TN_SERVICE_ALOC_MIN + TN_SERVICE_ALOC_COUNT) {
        /* AnycastLookup: the server of that service ID with the lowest path
         * cost (CompareRouteEntries with equal preference). */
        struct netdata_iter it = NETDATA_ITER_INIT;
        struct netdata_service_cfg s;
        bool found = false;
        while (netdata_next_service(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &s)) {
            if (s.service_id != aloc16 - TN_SERVICE_ALOC_MIN)
                continue;
            if (!found || compare_br(n, 0, s.rloc16, 0, *rloc16) > 0) {
                found = true;
                *rloc16 = s.rloc16;
            }
        }
        return found;
    }
    return false; /* DHCPv6 agent, commissioner, BBR ALOCs: not served */
}

bool tn_mesh_on_mesh(const struct tnode *n, const uint8_t addr[16])
{
    if (tn_is_ml(n, addr))
        return true;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg p;
    while (netdata_next_prefix(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &p))
        if (p.on_mesh && addr_prefix_match(addr, p.prefix.addr, p.prefix.len))
            return true;
    return false;
}
