/*
 * Leader formation, the parent role and the router role
 * (thread-sim-interop.md §3.3 table, §3.4 leader duties, §3.9 timers;
 * OpenThread's mle_ftd.cpp): Parent Response with a real Connectivity TLV,
 * Child ID Response (RLOC16 = our router ID | child ID, our Route64),
 * Child Update Request/Response, Data Request/Response (children and
 * neighbour routers), multicast Data Response on Network Data change, child
 * timeouts. A router takes Network Data from its neighbour routers' Data
 * Responses (newer versions) and passes it on to its children; becoming a
 * router (a granted a/as), detaching, downgrading. Router links and
 * Advertisements are mle_link.c's.
 */
#include <string.h>

#include "thread/mesh.h"
#include "thread/mle_router.h"
#include "thread/tmf_agent.h"
#include "util/rd.h"

static void child_remove(struct tnode *n, struct child_table_entry *c);

static size_t netdata_for(const struct tnode *n, uint8_t mode, uint8_t *buf);

/* Child Update Request to a restored child (mle_ftd.cpp
 * SendChildUpdateRequestToChild): TLV Request + Challenge. */
static void send_restore_request(struct tnode *n, struct child_table_entry *c)
{
    static const uint8_t req[] = {MLE_TLV_TIMEOUT, MLE_TLV_ADDRESS_REGISTRATION};
    uint8_t nd[NETDATA_MAX_LEN];
    struct mle_child_update_request r = {0};
    r.has_src = true;
    r.src_rloc16 = n->rloc16;
    r.has_leader = true;
    r.leader = n->leader;
    r.has_netdata = true;
    r.netdata = nd;
    r.netdata_len = (uint8_t)netdata_for(n, c->mode, nd);
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    r.has_tlv_request = true;
    r.tlv_request = req;
    r.n_tlv_request = sizeof(req);
    r.has_challenge = true;
    r.challenge = c->challenge;
    uint8_t out[400];
    size_t len;
    if (mle_build_child_update_request(&r, out, sizeof(out), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    c->restore_tries++;
    c->pr_ms = n->now;
    uint8_t dst[16];
    tn_ll_from_ext(c->ext, dst);
    tn_mle_send(n, dst, out, len);
}

/* The children CHILD_INFO keeps (a restarted leader), each confirmed with
 * a Child Update Request carrying a fresh challenge. */
static void restore_children(struct tnode *n)
{
    if (!n->cfg.kv)
        return;
    unsigned k = child_table_load(&n->children, n->cfg.kv, n->router_id, n->now);
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &n->children.child[i];
        if (c->state != CHILD_TABLE_RESTORED)
            continue;
        c->challenge.len = 8;
        tn_random(n, c->challenge.b, 8);
        send_restore_request(n, c);
    }
    if (k)
        tn_log(n, 3, "restored %u children; confirming", k);
}

/* A restored child proved itself (Child Update Response with our challenge,
 * or its own keep-alive): it is a full neighbour again. */
static void restored_confirm(struct tnode *n, struct child_table_entry *c, uint32_t link_fc,
                             uint32_t mle_fc)
{
    c->state = CHILD_TABLE_VALID;
    c->challenge.len = 0;
    c->last_heard_ms = n->now;
    c->sec.mac_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mac, link_fc);
    c->sec.mle_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mle, mle_fc);
}

void tn_router_child_remove(struct tnode *n, struct child_table_entry *c)
{
    child_remove(n, c);
}

static void child_remove(struct tnode *n, struct child_table_entry *c)
{
    uint16_t rloc = c->rloc16;
    bool was_valid = c->state == CHILD_TABLE_VALID;
    bool listed = child_table_listed(c);
    child_table_remove(&n->children, c);
    if (listed)
        tn_save_children(n);
    if (!was_valid)
        return;
    tn_log(n, 3, "child 0x%04x removed", rloc);
    tn_cache_forget_rloc(n, rloc);
    if (n->role != TNODE_LEADER)
        return;
    uint8_t v = n->store.version;
    /* Remove the entries of a child that left (interop §3.4). */
    netdata_leader_remove_rloc(&n->store, rloc, false);
    if (v != n->store.version)
        tn_router_netdata_changed(n);
}

/* ---- helpers ---------------------------------------------------------------- */

static void leader_refresh(struct tnode *n)
{
    if (n->role != TNODE_LEADER)
        return;
    n->leader.weighting = n->rcfg.leader_weight;
    n->leader.data_version = n->store.version;
    n->leader.stable_data_version = n->store.stable_version;
    n->leader.leader_router_id = n->router_id;
}

static void my_route(const struct tnode *n, struct mle_route64 *r)
{
    router_table_fill_route64(&n->rt, -1, r);
}

static bool requested(const uint8_t *types, uint8_t n_types, uint8_t t)
{
    for (unsigned i = 0; i < n_types; i++)
        if (types[i] == t)
            return true;
    return false;
}

/* The registration echo: every entry but the ML-EID (interop §3.3). */
static void addr_reg_echo(const struct tnode *n, const struct mle_addr_reg *in,
                          struct mle_addr_reg *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < in->n; i++) {
        const struct mle_addr_entry *e = &in->e[i];
        if (e->compressed && e->context_id == 0)
            continue;
        if (!e->compressed && (e->addr[0] == 0xff || tn_is_ml(n, e->addr)))
            continue;
        out->e[out->n++] = *e;
    }
}

static void store_addrs(struct tnode *n, struct child_table_entry *c, const struct mle_addr_reg *ar)
{
    c->n_addrs = 0;
    for (unsigned i = 0; i < ar->n && c->n_addrs < CHILD_TABLE_ADDRS; i++) {
        uint8_t a[16];
        if (!tn_addr_reg_resolve(n, &ar->e[i], a) || a[0] == 0xff)
            continue; /* multicast registrations: not needed without routers */
        memcpy(c->addrs[c->n_addrs++], a, 16);
    }
}

/* The Network Data a child of this mode gets: the leader's store, or on
 * a router what it learnt from the leader (full, or its stable subset). */
static size_t netdata_for(const struct tnode *n, uint8_t mode, uint8_t *buf)
{
    size_t len = 0;
    bool stable_only = !(mode & MLE_MODE_FULL_NETDATA);
    if (n->role != TNODE_LEADER) {
        if (!stable_only) {
            memcpy(buf, n->netdata, n->netdata_len);
            return n->netdata_len;
        }
        if (netdata_stable_subset(n->netdata, n->netdata_len, buf, NETDATA_MAX_LEN, &len) !=
            NETDATA_OK)
            len = 0;
        return len;
    }
    if (netdata_leader_copy(&n->store, stable_only, buf, NETDATA_MAX_LEN, &len) != NETDATA_OK)
        len = 0;
    return len;
}

static void send_data_response(struct tnode *n, const uint8_t dst[16],
                               const struct child_table_entry *c,
                               const struct mle_data_request *req)
{
    uint8_t nd[NETDATA_MAX_LEN];
    struct mle_data_response r = {0};
    r.src_rloc16 = n->rloc16;
    r.leader = n->leader;
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    r.has_netdata = true;
    r.netdata = nd;
    r.netdata_len = (uint8_t)netdata_for(n, c ? c->mode : MLE_MODE_FULL_NETDATA, nd);
    if (req) {
        if (n->has_active && (!req->has_active_ts || !n->has_active_ts ||
                              mle_timestamp_cmp(&req->active_ts, &n->active_ts) != 0)) {
            r.has_active_dataset = true;
            r.active_dataset = n->active.tlvs;
            r.active_dataset_len = n->active.len;
        }
        if (requested(req->tlv_request, req->n_tlv_request, MLE_TLV_ROUTE64)) {
            r.has_route = true;
            my_route(n, &r.route);
        }
    }
    uint8_t plain[512];
    size_t len;
    if (mle_build_data_response(&r, plain, sizeof(plain), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_mle_send(n, dst, plain, len);
}

/* FillConnectivityTlv (mle_ftd.cpp): parent priority from the room left
 * for children, the two-way link qualities of our neighbour routers, the
 * active routers, our cost to the leader, the ID sequence. */
static void fill_connectivity(const struct tnode *n, struct mle_connectivity *c)
{
    unsigned kids = 0;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++)
        if (n->children.child[i].state == CHILD_TABLE_VALID)
            kids++;
    memset(c, 0, sizeof(*c));
    unsigned max = child_table_max(&n->children);
    c->flags = (max - kids) < max / 3 ? 0xc0 : 0x00; /* low : medium */
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);
        if (!e || id == n->rt.my_id || e->link != ROUTER_TABLE_LINK_VALID)
            continue;
        uint8_t lq = e->lq_in < e->lq_out ? e->lq_in : e->lq_out;
        if (lq == 3)
            c->lq3++;
        else if (lq == 2)
            c->lq2++;
        else if (lq == 1)
            c->lq1++;
    }
    c->active_routers = (uint8_t)router_table_active(&n->rt);
    uint8_t cost = 0;
    if (n->role != TNODE_LEADER)
        cost =
            router_table_next_hop(&n->rt, router_table_rloc16(n->leader.leader_router_id), -1).cost;
    c->leader_cost = cost < ROUTER_TABLE_MAX_COST ? cost : ROUTER_TABLE_MAX_COST;
    c->id_seq = n->rt.id_seq;
    c->has_sed = true;
    c->sed_buffer_size = 1280;
    c->sed_datagram_count = 1;
}

/* ---- router role --------------------------------------------------------------- */

/* Data Request to a neighbour router (its Leader Data shows newer Network
 * Data): TLV Request Network Data + our Active Timestamp. */
void tn_router_data_request(struct tnode *n, const uint8_t dst[16])
{
    static const uint8_t req[] = {MLE_TLV_NETWORK_DATA};
    struct mle_data_request r = {0};
    r.tlv_request = req;
    r.n_tlv_request = sizeof(req);
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    uint8_t out[64];
    size_t len;
    if (mle_build_data_request(&r, out, sizeof(out), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_mle_send(n, dst, out, len);
}

/* A router takes Network Data from a neighbour router's Data Response
 * (newer version only) and passes it on to its children. */
static void rx_data_response(struct tnode *n, const uint8_t *plain, size_t len,
                             const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    if (n->role != TNODE_ROUTER || tn_rnbr_by_ext(n, ext) < 0) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_data_response r;
    if (mle_parse_data_response(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (r.leader.partition_id != n->leader.partition_id ||
        r.leader.leader_router_id != n->leader.leader_router_id) {
        n->cnt.mle_drop_partition++;
        return;
    }
    if (!r.has_netdata ||
        (n->netdata_len && (int8_t)(r.leader.data_version - n->leader.data_version) <= 0))
        return;
    n->leader = r.leader;
    tn_netdata_apply(n, r.netdata, r.netdata_len);
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
    send_data_response(n, all_nodes, NULL, NULL); /* HandleNetworkDataUpdateRouter */
}

/* The router role with router ID id (a granted Address Solicit; mle_ftd.cpp
 * SetStateRouter): RLOC16, all-routers, children of other IDs dropped. The
 * caller then takes the ID set and the former parent's link. */
void tn_router_become_router(struct tnode *n, uint8_t id)
{
    n->router_id = n->prev_router_id = id;
    n->rloc16 = router_table_rloc16(id);
    n->parent.valid = n->cand.valid = false;
    n->keepalive_waiting = false;
    n->attach_state = TN_ATTACH_IDLE;
    mac_layer_set_short_addr(&n->mac, n->rloc16);
    ip6_set_rloc16(&n->ip, n->rloc16);
    ip6_set_router(&n->ip, true);
    router_table_set_role(&n->rt, ROUTER_TABLE_ROUTER, id, n->ext, n->leader.leader_router_id);
    for (uint8_t i = 0; i <= ROUTER_TABLE_MAX_ID; i++) {
        struct router_table_entry *e = router_table_get(&n->rt, i);
        if (e && e->link != ROUTER_TABLE_LINK_NONE)
            router_table_link_down(&n->rt, i, n->now); /* ClearNeighbors */
    }
    /* Children whose RLOC16 is not under this ID go (a former router that
     * got another ID back after a partition change). */
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &n->children.child[i];
        if (c->state != CHILD_TABLE_FREE && (c->rloc16 >> 10) != id)
            child_remove(n, c);
    }
    tn_set_role(n, TNODE_ROUTER);
    n->saved_role = TNODE_ROUTER;
    n->saved_rloc16 = n->rloc16;
    tn_save_network_info(n);
}

/* Router or REED leaves the partition (leader gone, our ID removed, a
 * Leader ID mismatch): detached, then attach again (mle_child.c). */
void tn_router_detach(struct tnode *n)
{
    tn_log(n, 3, "detaching (%s)", tnode_role_name(n->role));
    if (n->role == TNODE_ROUTER || n->role == TNODE_LEADER)
        tn_router_stop(n, false);
    ip6_remove_aloc(&n->ip, TN_LEADER_ALOC);
    ip6_set_router(&n->ip, false);
    tn_set_role(n, TNODE_DETACHED);
    n->up.reattach(n);
}

/* Downgrade (Attach(kDowngradeToReed)): attach as a child, then give the
 * ID back (a/ar to the leader, HandleChildStart). */
void tn_router_downgrade(struct tnode *n)
{
    uint16_t rloc16 = n->rloc16;
    n->prev_router_id = ROUTER_TABLE_INVALID_ID; /* SetRouterId(kInvalidRouterId) */
    n->cnt.router_downgrades++;
    tn_router_detach(n);
    n->release_rloc16 = rloc16;
}

/* ---- leader formation -------------------------------------------------------- */

void tn_router_become_leader(struct tnode *n, bool restore)
{
    if (restore) {
        /* Keep partition id, router id, RLOC16 across restarts (§3.9). */
        n->router_id = (uint8_t)(n->saved_rloc16 >> 10);
        n->leader.partition_id = n->saved_partition;
    } else {
        n->router_id = tn_partition_leader_id(n); /* BecomeLeader (mle_partition.c) */
        n->leader.partition_id = tn_partition_new_id(n);
    }
    bool keep_children = !restore && tn_partition_keeps_children(n, n->router_id);
    tn_partition_formed(n, n->router_id);
    n->rloc16 = (uint16_t)(n->router_id << 10);
    uint8_t v[3];
    tn_random(n, v, sizeof(v));
    netdata_leader_init(&n->store, v[0], v[1]);
    /* As OpenThread's leader: Commissioning Data holding a random
     * Commissioner Session ID TLV (MeshCoP type 11), which `netdata show`
     * prints under "Commissioning:" (e.g. "20541 - - -"). */
    uint8_t comm[4] = {11, 2};
    tn_random(n, comm + 2, 2);
    enum netdata_err ce = netdata_leader_set_commissioning(&n->store, comm, sizeof(comm));
    if (ce != NETDATA_OK)
        tn_log(n, 2, "commissioning data not set: %s", netdata_err_str(ce));
    /* Mle::BecomeLeader: our ID the only one, a random ID sequence. */
    router_table_clear(&n->rt);
    n->rt.id_seq = v[2];
    if (router_table_allocate(&n->rt, n->router_id, n->now) != OT_ERR_NONE)
        tn_log(n, 1, "router id %u not allocatable", n->router_id);
    router_table_set_role(&n->rt, ROUTER_TABLE_LEADER, n->router_id, n->ext, n->router_id);
    tn_link_reset(n);
    if (!keep_children) /* a router forming a partition keeps them (same RLOC16s) */
        child_table_reset(&n->children);
    n->parent.valid = n->cand.valid = false;
    mac_layer_set_short_addr(&n->mac, n->rloc16);
    ip6_set_rloc16(&n->ip, n->rloc16);
    ip6_add_aloc(&n->ip, TN_LEADER_ALOC);
    ip6_set_router(&n->ip, true);
    tn_set_role(n, TNODE_LEADER);
    n->leader.leader_router_id = n->router_id;
    if (n->local_nd_len) {
        enum netdata_err e =
            netdata_leader_register(&n->store, n->rloc16, n->local_nd, n->local_nd_len);
        if (e != NETDATA_OK)
            tn_log(n, 2, "local netdata not registered: %s", netdata_err_str(e));
    }
    leader_refresh(n);
    n->saved_role = TNODE_LEADER;
    n->saved_partition = n->leader.partition_id;
    n->saved_rloc16 = n->rloc16;
    tn_save_network_info(n);
    tn_log(n, 3, "leader: partition 0x%08x router id %u rloc16 0x%04x", n->leader.partition_id,
           n->router_id, n->rloc16);
    tn_router_netdata_changed(n);
    if (restore)
        restore_children(n);
}

void tn_router_stop(struct tnode *n, bool keep_children)
{
    if (!keep_children)
        child_table_reset(&n->children);
    router_table_clear(&n->rt);
    router_table_set_role(&n->rt, ROUTER_TABLE_DETACHED, ROUTER_TABLE_INVALID_ID, n->ext,
                          ROUTER_TABLE_INVALID_ID);
    tn_link_reset(n);
}

bool tn_router_has_children(const struct tnode *n)
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++)
        if (n->children.child[i].state == CHILD_TABLE_VALID ||
            n->children.child[i].state == CHILD_TABLE_RESTORED)
            return true;
    return false;
}

void tn_router_children_follow(struct tnode *n)
{
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
    if (tn_router_has_children(n))
        send_data_response(n, all_nodes, NULL, NULL);
}

void tn_router_children_release(struct tnode *n)
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &n->children.child[i];
        if (c->state == CHILD_TABLE_FREE)
            continue;
        if (c->state == CHILD_TABLE_VALID) {
            /* The reply a parent gives a child it does not know (§3.3):
             * Status, so the child re-attaches now, not at its keep-alive. */
            struct mle_child_update_response r = {0};
            r.src_rloc16 = n->rloc16;
            r.has_status = true;
            r.status = MLE_STATUS_ERROR;
            uint8_t out[64], dst[16];
            size_t len;
            if (mle_build_child_update_response(&r, out, sizeof(out), &len) == MLE_OK) {
                tn_ll_from_ext(c->ext, dst);
                tn_mle_send(n, dst, out, len);
            } else {
                n->cnt.mle_tx_errors++;
            }
        }
        child_remove(n, c);
    }
}

void tn_router_netdata_changed(struct tnode *n)
{
    leader_refresh(n);
    size_t len = 0;
    uint8_t nd[NETDATA_MAX_LEN];
    if (netdata_leader_copy(&n->store, false, nd, sizeof(nd), &len) != NETDATA_OK)
        len = 0;
    tn_netdata_apply(n, nd, len);
    /* Multicast Data Response (OT does it too), then advertise soon. */
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
    send_data_response(n, all_nodes, NULL, NULL);
    tn_link_trickle_reset(n);
}

/* ---- received MLE -------------------------------------------------------------- */

static void rx_parent_request(struct tnode *n, const uint8_t *plain, size_t len,
                              const uint8_t src[16])
{
    struct mle_parent_request pr;
    if (mle_parse_parent_request(plain, len, &pr) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (!(pr.scan_mask & MLE_SCAN_MASK_ROUTER)) {
        n->cnt.mle_drop_unexpected++; /* asks for REEDs / end devices only */
        return;
    }
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    struct child_table_entry *c = child_table_by_ext(&n->children, ext);
    if (!c) {
        c = child_table_add(&n->children, ext);
        if (!c) {
            n->cnt.mle_drop_table_full++;
            return;
        }
    }
    c->pr_ms = n->now;
    c->rssi = n->rx.info ? n->rx.info->rssi : -20;
    c->challenge.len = 8;
    tn_random(n, c->challenge.b, 8);

    struct mle_parent_response r = {0};
    r.src_rloc16 = n->rloc16;
    r.leader = n->leader;
    r.link_fc = mac_layer_frame_counter(&n->mac);
    r.mle_fc = n->mle_fc;
    r.response = pr.challenge;
    r.challenge = c->challenge;
    r.link_margin = tn_rx_link_margin(n);
    fill_connectivity(n, &r.conn);
    r.version = TN_MLE_VERSION;
    uint8_t out[128];
    size_t olen;
    if (mle_build_parent_response(&r, out, sizeof(out), &olen) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_mle_send(n, src, out, olen);
}

static bool challenge_eq(const struct mle_challenge *a, const struct mle_challenge *b)
{
    return a->len == b->len && a->len <= MLE_CHALLENGE_MAX && memcmp(a->b, b->b, a->len) == 0;
}

static void rx_child_id_request(struct tnode *n, const uint8_t *plain, size_t len,
                                const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    struct child_table_entry *c = child_table_by_ext(&n->children, ext);
    if (!c) {
        n->cnt.mle_drop_unknown_neighbour++;
        return;
    }
    struct mle_child_id_request req;
    if (mle_parse_child_id_request(plain, len, &req) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (c->challenge.len == 0 || !challenge_eq(&req.response, &c->challenge)) {
        n->cnt.mle_drop_bad_challenge++;
        return;
    }
    if (!(req.mode & MLE_MODE_RX_ON_WHEN_IDLE)) {
        n->cnt.mle_drop_unexpected++; /* sleepy children need indirect TX (not built) */
        return;
    }
    c->challenge.len = 0; /* one Child ID Request per challenge */
    if (c->state != CHILD_TABLE_VALID || (c->rloc16 >> 10) != n->router_id ||
        (c->rloc16 & 0x1ff) == 0) {
        uint16_t id = child_table_alloc_id(&n->children, n->router_id);
        if (!id) {
            n->cnt.mle_drop_table_full++;
            return;
        }
        c->rloc16 = (uint16_t)(n->router_id << 10 | id);
    }
    c->mode = req.mode;
    c->timeout_s = req.timeout ? req.timeout : TN_CHILD_TIMEOUT_S;
    c->version = req.version;
    c->last_heard_ms = n->now;
    c->sec.mac_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mac, req.link_fc);
    c->sec.mle_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mle, req.has_mle_fc ? req.mle_fc : req.link_fc);
    c->n_addrs = 0;
    if (req.has_addr_reg)
        store_addrs(n, c, &req.addr_reg);
    c->state = CHILD_TABLE_VALID;
    tn_cache_forget_rloc(n, c->rloc16);
    int rid = tn_rnbr_by_ext(n, ext);
    if (rid >= 0) /* a neighbour router that is a child now: no router link */
        router_table_link_down(&n->rt, (uint8_t)rid, n->now);

    uint8_t nd[NETDATA_MAX_LEN];
    struct mle_child_id_response r = {0};
    r.src_rloc16 = n->rloc16;
    r.leader = n->leader;
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    r.address16 = c->rloc16;
    r.has_netdata = true;
    r.netdata = nd;
    r.netdata_len = (uint8_t)netdata_for(n, c->mode, nd);
    if (c->mode & MLE_MODE_FTD) {
        r.has_route = true; /* must hold our router id (mle_ftd.cpp SendChildIdResponse) */
        my_route(n, &r.route);
    }
    r.has_active_dataset = n->has_active;
    r.active_dataset = n->active.tlvs;
    r.active_dataset_len = n->active.len;
    if (req.has_addr_reg) {
        r.has_addr_reg = true;
        addr_reg_echo(n, &req.addr_reg, &r.addr_reg);
    }
    mle_child_id_response_order(&req, n->has_active_ts ? &n->active_ts : NULL, NULL, &r);
    uint8_t out[600];
    size_t olen;
    if (mle_build_child_id_response(&r, out, sizeof(out), &olen) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_log(n, 3, "child 0x%04x attached (mode 0x%02x)", c->rloc16, c->mode);
    tn_mle_send(n, src, out, olen);
    tn_save_children(n);
}

static void rx_child_update_request(struct tnode *n, struct child_table_entry *c,
                                    const uint8_t *plain, size_t len, const uint8_t src[16])
{
    struct mle_child_update_request req;
    if (mle_parse_child_update_request(plain, len, &req) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    struct mle_child_update_response r = {0};
    r.src_rloc16 = n->rloc16;
    if (req.has_challenge) {
        r.has_response = true;
        r.response = req.challenge;
    }
    if (!c) {
        /* Unknown child: Status makes it re-attach at once (§3.3). */
        r.has_status = true;
        r.status = MLE_STATUS_ERROR;
    } else {
        c->last_heard_ms = n->now;
        if (n->rx.info)
            c->rssi = n->rx.info->rssi;
        if (req.has_mode)
            c->mode = req.mode;
        if (req.has_timeout && req.timeout)
            c->timeout_s = req.timeout;
        if (req.has_addr_reg) {
            store_addrs(n, c, &req.addr_reg);
            r.has_addr_reg = true;
            addr_reg_echo(n, &req.addr_reg, &r.addr_reg);
        }
        r.has_mode = true;
        r.mode = c->mode;
        r.has_link_margin = true;
        r.link_margin = tn_rx_link_margin(n);
        r.has_leader = true;
        r.leader = n->leader;
        if (req.has_challenge) {
            r.has_fcs = true;
            r.mle_fc = n->mle_fc;
            r.link_fc = mac_layer_frame_counter(&n->mac);
        }
        if (req.has_timeout) {
            r.has_timeout = true;
            r.timeout = c->timeout_s;
        }
    }
    uint8_t out[400];
    size_t olen;
    if (mle_build_child_update_response(&r, out, sizeof(out), &olen) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_mle_send(n, src, out, olen);
    if (c && !(c->mode & MLE_MODE_RX_ON_WHEN_IDLE))
        child_remove(n, c); /* became sleepy: not supported, let it re-attach elsewhere */
}

static void rx_data_request(struct tnode *n, struct child_table_entry *c, const uint8_t *plain,
                            size_t len, const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    if (!c && tn_rnbr_by_ext(n, ext) < 0) { /* a child, or a neighbour router */
        n->cnt.mle_drop_unknown_neighbour++;
        return;
    }
    struct mle_data_request req;
    if (mle_parse_data_request(plain, len, &req) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (c)
        c->last_heard_ms = n->now;
    send_data_response(n, src, c, &req);
}

static void rx_child_update_response(struct tnode *n, const uint8_t *plain, size_t len,
                                     const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    struct child_table_entry *c = child_table_by_ext(&n->children, ext);
    if (!c || (c->state != CHILD_TABLE_VALID && c->state != CHILD_TABLE_RESTORED)) {
        n->cnt.mle_drop_unknown_neighbour++;
        return;
    }
    struct mle_child_update_response r;
    if (mle_parse_child_update_response_from_child(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (c->state == CHILD_TABLE_RESTORED) {
        if (!r.has_response || !r.has_fcs || c->challenge.len == 0 ||
            r.response.len != c->challenge.len ||
            memcmp(r.response.b, c->challenge.b, c->challenge.len) != 0) {
            n->cnt.mle_drop_bad_challenge++;
            return;
        }
        restored_confirm(n, c, r.link_fc, r.mle_fc);
        tn_log(n, 3, "child 0x%04x restored", c->rloc16);
    }
    c->last_heard_ms = n->now;
    if (r.has_mode)
        c->mode = r.mode;
    if (r.has_timeout && r.timeout)
        c->timeout_s = r.timeout;
    if (r.has_addr_reg)
        store_addrs(n, c, &r.addr_reg);
}

void tn_router_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                      const uint8_t src[16], const uint8_t dst[16], struct child_table_entry *c)
{
    (void)dst;
    if (!c && cmd == MLE_CMD_CHILD_UPDATE_REQUEST) {
        /* A restored child's own keep-alive also confirms it (its counters
         * are checked from here on). */
        uint8_t ext[8];
        mle_ext_from_ip6(src, ext);
        struct child_table_entry *r = child_table_by_ext(&n->children, ext);
        if (r && r->state == CHILD_TABLE_RESTORED) {
            restored_confirm(n, r, 0, 0);
            c = r;
        }
    }
    switch (cmd) {
    case MLE_CMD_PARENT_REQUEST:
        rx_parent_request(n, plain, len, src);
        break;
    case MLE_CMD_CHILD_ID_REQUEST:
        rx_child_id_request(n, plain, len, src);
        break;
    case MLE_CMD_CHILD_UPDATE_REQUEST:
        rx_child_update_request(n, c, plain, len, src);
        break;
    case MLE_CMD_DATA_REQUEST:
        rx_data_request(n, c, plain, len, src);
        break;
    case MLE_CMD_CHILD_UPDATE_RESPONSE:
        rx_child_update_response(n, plain, len, src);
        break;
    case MLE_CMD_DATA_RESPONSE:
        rx_data_response(n, plain, len, src);
        break;
    default:
        tn_link_mle_rx(n, cmd, plain, len, src); /* router links, Advertisements */
        break;
    }
}

/* ---- timers -------------------------------------------------------------------- */

void tn_router_process(struct tnode *n)
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &n->children.child[i];
        if (child_table_timed_out(c, n->now))
            child_remove(n, c);
        else if (c->state == CHILD_TABLE_RESTORED && c->restore_tries < 4 &&
                 n->now - c->pr_ms >= 1000)
            send_restore_request(n, c);
    }
}

int64_t tn_router_next(const struct tnode *n)
{
    int64_t t = -1;
    t = tn_min_due(t, child_table_next_timeout(&n->children, n->now));
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &n->children.child[i];
        if (c->state == CHILD_TABLE_RESTORED && c->restore_tries < 4)
            t = tn_min_due(t, tn_until(n->now, c->pr_ms + 1000));
    }
    return t;
}
