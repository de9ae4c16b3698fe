/*
 * Router links and Advertisements: what makes a router or leader one of
 * the mesh's routers (Thread 1.3 §4.7 "Link establishment", §5.9 routing,
 * §5.10, §5.11), as OpenThread's mle_ftd.cpp does it, around the pure
 * router table (router_table.h):
 *   - Link Request / Link Accept / Link Accept And Request with the TLVs
 *     OpenThread sends and expects (SendLinkRequest, HandleLinkRequest,
 *     SendLinkAccept, HandleLinkAcceptVariant);
 *   - Advertisements: sent on the trickle timer (RFC 6206 without
 *     suppression, Imin 1 s, Imax 32 s) with our Route64, received with
 *     HandleAdvertisementOnFtd's partition and leader checks, a former
 *     child that became a router taken over as a neighbour router;
 *   - router_table_tick once a second and what it asks for (Link Requests,
 *     lost links, IDs the leader released);
 *   - the REED: the upgrade to router after the selection jitter
 *     (an Address Solicit, mle_ftd.cpp BecomeRouter / HandleAddressSolicit
 *     Response), and a router's downgrade (ShouldDowngrade).
 * Neighbour routers' MAC and MLE replay state is n->rnbr[router id].
 */
#include <string.h>

#include "thread/mesh.h"
#include "thread/mle_router.h"
#include "thread/tmf_agent.h"

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};

static bool is_router_role(const struct tnode *n)
{
    return n->role == TNODE_ROUTER || n->role == TNODE_LEADER;
}

static bool is_router_rloc(uint16_t rloc16)
{
    return (rloc16 & 0x1ff) == 0 && (rloc16 >> 10) <= ROUTER_TABLE_MAX_ID;
}

/* Link margin of the frame being received (Mac ComputeLinkMargin). */
static int8_t rx_rssi(const struct tnode *n)
{
    return n->rx.info ? n->rx.info->rssi : (int8_t)ROUTER_TABLE_INVALID_RSSI;
}

static bool challenge_eq(const struct mle_challenge *a, const struct mle_challenge *b)
{
    return a->len == b->len && a->len >= MLE_CHALLENGE_MIN && a->len <= MLE_CHALLENGE_MAX &&
           memcmp(a->b, b->b, a->len) == 0;
}

static void new_challenge(struct tnode *n, struct mle_challenge *c)
{
    c->len = 8;
    tn_random(n, c->b, 8);
}

/* ---- neighbour routers ------------------------------------------------------ */

/* The frame counters of a neighbour router from its Link Accept (or a
 * child's state when a former child turns router). */
static void rnbr_set(struct tnode *n, uint8_t id, const uint8_t ext[8],
                     const struct child_table_sec *sec, uint32_t link_fc, uint32_t mle_fc)
{
    struct tn_rnbr *r = &n->rnbr[id];
    memcpy(r->ext, ext, 8);
    r->lr_due_ms = 0;
    if (sec) {
        r->sec = *sec;
        return;
    }
    r->sec.mac_key_seq = n->key_seq;
    mac_replay_init(&r->sec.mac, link_fc);
    r->sec.mle_key_seq = n->key_seq;
    mac_replay_init(&r->sec.mle, mle_fc);
}

static void forget_router(struct tnode *n, uint8_t id)
{
    tn_cache_forget_router(n, id); /* RemoveEntriesForRouterId */
}

void tn_link_reset(struct tnode *n)
{
    memset(n->rnbr, 0, sizeof(n->rnbr));
    n->upgrade_ms = n->downgrade_ms = n->reed_adv_ms = 0;
    n->as_pending = false;
}

/* ---- Advertisements and the trickle timer ------------------------------------ */

static void send_advertisement_to(struct tnode *n, const uint8_t dst[16]);

void tn_link_send_advertisement(struct tnode *n)
{
    send_advertisement_to(n, all_nodes);
}

/* SendAdvertisement: Source Address, Leader Data, and a router's Route64. */
static void send_advertisement_to(struct tnode *n, const uint8_t dst[16])
{
    /* SendAdvertisement: not while an Address Solicit is pending, nor while
     * attaching to another partition (a candidate parent would read our
     * RLOC16 as a router's and refuse us). */
    if (n->as_pending || tn_partition_attaching(n))
        return;
    struct mle_advertisement a = {0};
    a.src_rloc16 = n->rloc16;
    a.leader = n->leader;
    if (is_router_role(n)) {
        a.has_route = true;
        router_table_fill_route64(&n->rt, -1, &a.route);
    }
    uint8_t plain[128];
    size_t len;
    if (mle_build_advertisement(&a, plain, sizeof(plain), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    tn_mle_send(n, dst, plain, len);
}

/* DetermineAdvertiseIntervalMax: 4 s per neighbour router with LQ >= 2
 * (plus one), within [12 s, 32 s]. */
static uint64_t adv_imax(const struct tnode *n)
{
    uint64_t i = (router_table_neighbor_count(&n->rt, 2) + 1ull) * TN_ADV_IMAX_PER_NBR_MS;
    return i < TN_ADV_IMAX_MIN_MS ? TN_ADV_IMAX_MIN_MS : i > TN_ADV_IMAX_MS ? TN_ADV_IMAX_MS : i;
}

static void trickle_interval(struct tnode *n)
{
    uint32_t half = (uint32_t)(n->adv_i_ms / 2);
    n->adv_end_ms = n->now + n->adv_i_ms;
    n->adv_t_ms = n->now + half + tn_rand_range(n, 0, half ? half - 1 : 0);
    n->adv_sent_this_interval = false;
}

void tn_link_trickle_reset(struct tnode *n)
{
    n->adv_i_ms = TN_ADV_IMIN_MS;
    trickle_interval(n);
}

/* ---- Link Request / Link Accept ---------------------------------------------- */

/* SendLinkRequest to router id (a neighbour we have, or want, a link with). */
static void send_link_request(struct tnode *n, uint8_t id)
{
    static const uint8_t tlvs_new[] = {MLE_TLV_LINK_MARGIN};
    static const uint8_t tlvs_valid[] = {MLE_TLV_LINK_MARGIN, MLE_TLV_ROUTE64};
    struct router_table_entry *e = router_table_get(&n->rt, id);
    if (!e || !is_router_role(n))
        return;
    bool valid = e->link == ROUTER_TABLE_LINK_VALID;
    struct mle_link_request m = {0};
    m.version = TN_MLE_VERSION;
    m.has_tlv_request = true;
    m.tlv_request = valid ? tlvs_valid : tlvs_new;
    m.n_tlv_request = valid ? sizeof(tlvs_valid) : sizeof(tlvs_new);
    m.has_src = true;
    m.src_rloc16 = n->rloc16;
    m.has_leader = true;
    m.leader = n->leader;
    new_challenge(n, &n->rnbr[id].challenge);
    m.challenge = n->rnbr[id].challenge;
    uint8_t plain[64];
    size_t len;
    if (mle_build_link_request(&m, plain, sizeof(plain), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    uint8_t dst[16];
    tn_ll_from_ext(e->ext, dst);
    router_table_link_request_sent(&n->rt, id);
    n->rnbr[id].lr_due_ms = 0;
    n->cnt.mle_link_requests_tx++;
    tn_mle_send(n, dst, plain, len);
}

static void schedule_link_request(struct tnode *n, uint8_t id)
{
    n->rnbr[id].lr_due_ms = n->now + tn_rand_range(n, 1, TN_LINK_REQUEST_DELAY_MS);
}

struct accept_info {
    uint8_t ext[8];
    struct mle_challenge response;
    uint8_t margin;
    const uint8_t *tlvs;
    uint8_t n_tlvs;
};

/* The allocated router with this ext address (RouterTable::FindRouter). */
static int router_by_ext(const struct tnode *n, const uint8_t ext[8])
{
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);
        if (e && id != n->rt.my_id && memcmp(e->ext, ext, 8) == 0)
            return id;
    }
    return -1;
}

/* SendLinkAccept: Link Accept And Request while we set the link up too. */
static void send_link_accept(struct tnode *n, const struct accept_info *ai)
{
    static const uint8_t req[] = {MLE_TLV_LINK_MARGIN};
    int id = router_by_ext(n, ai->ext);
    struct router_table_entry *e = id >= 0 ? router_table_get(&n->rt, (uint8_t)id) : NULL;
    struct mle_link_accept a = {0};
    a.cmd = MLE_CMD_LINK_ACCEPT;
    if (e && e->link == ROUTER_TABLE_LINK_REQUEST) {
        a.cmd = MLE_CMD_LINK_ACCEPT_REQUEST;
        e->last_heard_ms = n->now;
    } else if (e && e->link != ROUTER_TABLE_LINK_VALID) {
        return;
    }
    a.version = TN_MLE_VERSION;
    a.src_rloc16 = n->rloc16;
    a.response = ai->response;
    a.link_fc = mac_layer_frame_counter(&n->mac);
    a.mle_fc = n->mle_fc;
    a.has_mle_fc = true;
    a.has_link_margin = true;
    a.link_margin = ai->margin;
    a.has_leader = e != NULL;
    a.leader = n->leader;
    for (unsigned i = 0; i < ai->n_tlvs; i++) {
        switch (ai->tlvs[i]) {
        case MLE_TLV_ROUTE64:
            a.has_route = true;
            router_table_fill_route64(&n->rt, id, &a.route);
            break;
        case MLE_TLV_ADDRESS16:
            if (!e) {
                n->cnt.mle_drop_unexpected++;
                return;
            }
            a.has_address16 = true;
            a.address16 = router_table_rloc16((uint8_t)id);
            break;
        case MLE_TLV_LINK_MARGIN:
            break;
        default:
            n->cnt.mle_drop_unexpected++; /* OpenThread drops the request too */
            return;
        }
    }
    if (a.cmd == MLE_CMD_LINK_ACCEPT_REQUEST) {
        new_challenge(n, &n->rnbr[id].challenge);
        a.has_challenge = true;
        a.challenge = n->rnbr[id].challenge;
        a.has_tlv_request = true;
        a.tlv_request = req;
        a.n_tlv_request = sizeof(req);
    }
    uint8_t plain[200];
    size_t len;
    if (mle_build_link_accept(&a, plain, sizeof(plain), &len) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return;
    }
    uint8_t dst[16];
    tn_ll_from_ext(ai->ext, dst);
    tn_mle_send(n, dst, plain, len);
}

static void rx_link_request(struct tnode *n, const uint8_t *plain, size_t len,
                            const uint8_t src[16])
{
    if (!is_router_role(n)) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_link_request lr;
    if (mle_parse_link_request(plain, len, &lr) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (lr.has_leader && lr.leader.partition_id != n->leader.partition_id) {
        n->cnt.mle_drop_partition++;
        return;
    }
    struct accept_info ai = {.response = lr.challenge, .margin = tn_rx_link_margin(n)};
    mle_ext_from_ip6(src, ai.ext);
    if (lr.has_src && is_router_rloc(lr.src_rloc16)) {
        uint8_t id = (uint8_t)(lr.src_rloc16 >> 10);
        struct router_table_entry *e = router_table_get(&n->rt, id);
        if (!e || id == n->rt.my_id) {
            n->cnt.mle_drop_unknown_neighbour++;
            return;
        }
        if (e->link != ROUTER_TABLE_LINK_VALID) {
            /* InitNeighbor + kStateLinkRequest: we answer with our own challenge. */
            memcpy(e->ext, ai.ext, 8);
            memcpy(n->rnbr[id].ext, ai.ext, 8);
            e->link = ROUTER_TABLE_LINK_REQUEST;
            e->accept_timeout = ROUTER_TABLE_LINK_ACCEPT_TIMEOUT_S;
        } else if (memcmp(e->ext, ai.ext, 8) != 0) {
            n->cnt.mle_drop_unknown_neighbour++;
            return;
        }
    } else if (!lr.has_src && tn_rnbr_by_ext(n, ai.ext) < 0) {
        /* No Source Address: a reset router, only from a valid neighbour. */
        n->cnt.mle_drop_unknown_neighbour++;
        return;
    }
    ai.tlvs = lr.has_tlv_request ? lr.tlv_request : NULL;
    ai.n_tlvs = lr.has_tlv_request ? lr.n_tlv_request : 0;
    n->cnt.mle_link_requests_rx++;
    send_link_accept(n, &ai);
}

/* A former child that is a router now, or a Link Accept's sender: the link
 * is valid, the child entry of the same node goes (OpenThread's "remove
 * stale neighbours"). */
static void drop_stale_child(struct tnode *n, const uint8_t ext[8], uint16_t rloc16)
{
    struct child_table_entry *c = child_table_by_ext(&n->children, ext);
    if (c && c->rloc16 != rloc16)
        tn_router_child_remove(n, c);
}

static void rx_link_accept(struct tnode *n, const uint8_t *plain, size_t len, const uint8_t src[16])
{
    if (!is_router_role(n)) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_link_accept a;
    if (mle_parse_link_accept(plain, len, &a) != MLE_OK || !is_router_rloc(a.src_rloc16)) {
        n->cnt.mle_drop_parse++;
        return;
    }
    uint8_t id = (uint8_t)(a.src_rloc16 >> 10);
    struct router_table_entry *e = router_table_get(&n->rt, id);
    if (!e || id == n->rt.my_id) {
        n->cnt.mle_drop_unknown_neighbour++;
        return;
    }
    if (e->link == ROUTER_TABLE_LINK_NONE || (e->link == ROUTER_TABLE_LINK_REQUEST &&
                                              !challenge_eq(&a.response, &n->rnbr[id].challenge))) {
        n->cnt.mle_drop_bad_challenge++;
        return;
    }
    if (!a.has_link_margin || !a.has_leader) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (a.leader.partition_id != n->leader.partition_id) {
        n->cnt.mle_drop_partition++;
        return;
    }
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    struct router_table_adv_out out = {0};
    if (a.has_route) {
        if (!mle_route64_has(&a.route, id)) {
            n->cnt.mle_drop_parse++;
            return;
        }
        if (router_table_seq_newer(&n->rt, a.route.id_seq)) {
            router_table_update_id_set(&n->rt, a.route.id_seq, a.route.mask, n->now, &out);
            e = router_table_get(&n->rt, id);
            if (!e)
                return;
        }
    }
    if ((int8_t)(a.leader.data_version - n->leader.data_version) > 0 && n->role == TNODE_ROUTER)
        tn_router_data_request(n, src);
    drop_stale_child(n, ext, a.src_rloc16);
    router_table_link_up(&n->rt, id, ext, a.link_margin, a.version, rx_rssi(n), TN_NOISE_FLOOR,
                         n->now);
    rnbr_set(n, id, ext, NULL, a.link_fc, a.mle_fc);
    n->cnt.mle_links_up++;
    tn_log(n, 3, "router link to 0x%04x up", a.src_rloc16);
    if (a.has_route)
        router_table_update_routes(&n->rt, &a.route, id, n->now, &out);
    if (e->next_hop == ROUTER_TABLE_INVALID_ID)
        tn_link_trickle_reset(n);
    if (a.cmd == MLE_CMD_LINK_ACCEPT_REQUEST) {
        if (!a.has_challenge) {
            n->cnt.mle_drop_parse++;
            return;
        }
        struct accept_info ai = {.response = a.challenge, .margin = tn_rx_link_margin(n)};
        memcpy(ai.ext, ext, 8);
        ai.tlvs = a.has_tlv_request ? a.tlv_request : NULL;
        ai.n_tlvs = a.has_tlv_request ? a.n_tlv_request : 0;
        send_link_accept(n, &ai);
    }
}

/* ---- received Advertisements (HandleAdvertisementOnFtd) ---------------------- */

static void act_on_adv(struct tnode *n, uint8_t id, const struct router_table_adv_out *out)
{
    for (uint8_t i = 0; i <= ROUTER_TABLE_MAX_ID; i++)
        if (out->removed & (1ull << i))
            forget_router(n, i);
    if (out->link_request)
        schedule_link_request(n, id);
    if (out->unicast_adv) /* ScheduleUnicastAdvertisementTo: within 1 s */
        n->rnbr[id].adv_due_ms = n->now + tn_rand_range(n, 1, TN_LINK_REQUEST_DELAY_MS);
    if (out->reset_trickle)
        tn_link_trickle_reset(n);
}

/* A valid child of ours that now advertises as router id: its entry
 * becomes the router's (mle_ftd.cpp "former child acting as a router"). */
static bool take_over_child(struct tnode *n, uint8_t id, const uint8_t ext[8])
{
    struct child_table_entry *c = child_table_by_ext(&n->children, ext);
    struct router_table_entry *e = router_table_get(&n->rt, id);
    if (!c || c->state != CHILD_TABLE_VALID || !e || e->link == ROUTER_TABLE_LINK_VALID)
        return false;
    uint8_t margin = router_table_link_margin(TN_NOISE_FLOOR, c->rssi);
    router_table_link_up(&n->rt, id, ext, margin, c->version, c->rssi, TN_NOISE_FLOOR, n->now);
    rnbr_set(n, id, ext, &c->sec, 0, 0);
    n->cnt.mle_links_up++;
    tn_log(n, 3, "child 0x%04x is router 0x%04x now", c->rloc16, router_table_rloc16(id));
    return true;
}

void tn_link_rx_advertisement(struct tnode *n, const struct mle_advertisement *adv,
                              const uint8_t src[16], bool neighbour_valid)
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    if (tn_partition_adv_rx(n, adv, tn_rx_link_margin(n),
                            n->role == TNODE_CHILD && neighbour_valid))
        return; /* another partition: a better one is attached to (mle_partition.c) */
    if (adv->leader.leader_router_id != n->leader.leader_router_id) {
        n->cnt.mle_drop_partition++;
        if (neighbour_valid && n->role == TNODE_ROUTER)
            tn_router_detach(n); /* "Leader ID mismatch" */
        return;
    }
    if (!is_router_rloc(adv->src_rloc16) || !adv->has_route)
        return;
    uint8_t id = (uint8_t)(adv->src_rloc16 >> 10);
    if (is_router_role(n) && id == n->rt.my_id) {
        n->cnt.mle_drop_from_self++;
        return;
    }
    n->cnt.mle_adv_rx++;
    struct router_table_adv_out out = {0};
    if (neighbour_valid && router_table_seq_newer(&n->rt, adv->route.id_seq)) {
        router_table_update_id_set(&n->rt, adv->route.id_seq, adv->route.mask, n->now, &out);
        uint8_t own = is_router_role(n) ? n->rt.my_id : n->rt.parent_id;
        if (!router_table_cget(&n->rt, own)) {
            tn_router_detach(n); /* our ID (or our parent's) left the set */
            return;
        }
        act_on_adv(n, id, &out);
    }
    if (n->role == TNODE_CHILD) {
        router_table_advertisement(&n->rt, adv->src_rloc16, &adv->route, neighbour_valid,
                                   tn_rx_link_margin(n), n->now, &out);
        tn_link_child_check_upgrade(n);
        return;
    }
    if (n->role == TNODE_ROUTER)
        tn_link_check_downgrade(n, id, &adv->route);
    bool took = take_over_child(n, id, ext);
    const struct router_table_entry *e = router_table_cget(&n->rt, id);
    bool valid = e && e->link == ROUTER_TABLE_LINK_VALID;
    enum ot_err err = router_table_advertisement(&n->rt, adv->src_rloc16, &adv->route, valid,
                                                 tn_rx_link_margin(n), n->now, &out);
    if (err == OT_ERR_NO_ROUTE && out.link_request)
        memcpy(n->rnbr[id].ext, ext, 8), memcpy(router_table_get(&n->rt, id)->ext, ext, 8);
    act_on_adv(n, id, &out);
    if (valid && (int8_t)(adv->leader.data_version - n->leader.data_version) > 0 &&
        n->role == TNODE_ROUTER)
        tn_router_data_request(n, src);
    if (took || valid)
        drop_stale_child(n, ext, adv->src_rloc16);
}

void tn_link_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                    const uint8_t src[16])
{
    switch (cmd) {
    case MLE_CMD_LINK_REQUEST:
        rx_link_request(n, plain, len, src);
        break;
    case MLE_CMD_LINK_ACCEPT:
    case MLE_CMD_LINK_ACCEPT_REQUEST:
        rx_link_accept(n, plain, len, src);
        break;
    case MLE_CMD_ADVERTISEMENT: {
        struct mle_advertisement adv;
        if (mle_parse_advertisement(plain, len, &adv) != MLE_OK) {
            n->cnt.mle_drop_parse++;
            return;
        }
        uint8_t ext[8];
        mle_ext_from_ip6(src, ext);
        const struct child_table_entry *c = child_table_by_ext(&n->children, ext);
        bool nv = tn_rnbr_by_ext(n, ext) >= 0 || (c && c->state == CHILD_TABLE_VALID);
        tn_link_rx_advertisement(n, &adv, src, nv);
        break;
    }
    default:
        n->cnt.mle_drop_unexpected++;
        break;
    }
}

/* ---- the REED's upgrade, the router's downgrade --------------------------------- */

/* Notifier::IsEligibleForRouterRoleUpgradeAsBorderRouter: a border router
 * whose entries the leader holds, with enough routers but fewer than 2
 * border routers among them. */
static bool br_upgrade_eligible(const struct tnode *n)
{
    unsigned active = router_table_active(&n->rt);
    if (!n->local_nd_len || n->rcfg.upgrade_threshold == 0 || active < n->rcfg.upgrade_threshold ||
        active >= ROUTER_TABLE_MAX_ROUTERS)
        return false;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg p;
    struct netdata_route_cfg r;
    bool listed = netdata_next_prefix(n->netdata, n->netdata_len, n->rloc16, &it, &p);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    listed = listed || netdata_next_route(n->netdata, n->netdata_len, n->rloc16, &it, &r);
    return listed && tn_tmf_br_routers(n) < ROUTER_TABLE_BR_REQUEST_THRESHOLD;
}

void tn_link_child_check_upgrade(struct tnode *n)
{
    if (n->role != TNODE_CHILD || !(n->mode & TNODE_MODE_FTD) || !n->rcfg.router_eligible ||
        n->upgrade_ms || n->as_pending)
        return;
    if (router_table_active(&n->rt) >= n->rcfg.upgrade_threshold && !br_upgrade_eligible(n))
        return;
    /* mRouterRoleTransition.StartTimeout: a random delay in [1, jitter]. */
    uint32_t jitter = n->rcfg.jitter_s ? n->rcfg.jitter_s : 1;
    n->upgrade_ms = n->now + 1000ull * tn_rand_range(n, 1, jitter);
}

/* HasNeighborWithGoodLinkQuality: the parent (or a neighbour router) heard
 * with a link margin of at least 10 dB. */
static bool good_neighbor(const struct tnode *n)
{
    if (router_table_link_margin(TN_NOISE_FLOOR, n->parent.rssi) >=
        ROUTER_TABLE_LINK_REQUEST_MIN_MARGIN)
        return true;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);
        if (e && e->link == ROUTER_TABLE_LINK_VALID &&
            router_table_link_margin(TN_NOISE_FLOOR, e->last_rss) >=
                ROUTER_TABLE_LINK_REQUEST_MIN_MARGIN)
            return true;
    }
    return false;
}

/* A REED's multicast Advertisement (no Route64) on a plain timer of 570 ..
 * 630 s, started when its first router-role transition ends (mle_ftd.cpp
 * HandleTimeTick, kReedAdvIntervalMin/Max): routers of other partitions
 * that hear only REEDs of ours learn of our partition and merge. */
static void reed_advertise(struct tnode *n)
{
    tn_link_send_advertisement(n);
    n->reed_adv_ms = n->now + tn_rand_range(n, TN_REED_ADV_MIN_MS, TN_REED_ADV_MAX_MS);
}

static void upgrade_due(struct tnode *n)
{
    n->upgrade_ms = 0;
    if (n->role != TNODE_CHILD || !n->rcfg.router_eligible)
        return;
    if (!n->reed_adv_ms)
        reed_advertise(n);
    uint8_t reason = ROUTER_TABLE_REASON_TOO_FEW_ROUTERS;
    if (router_table_active(&n->rt) >= n->rcfg.upgrade_threshold || !good_neighbor(n)) {
        if (!br_upgrade_eligible(n))
            return;
        reason = ROUTER_TABLE_REASON_BORDER_ROUTER_REQUEST;
    }
    if (tn_tmf_addr_solicit(n, reason) == OT_ERR_NONE)
        n->as_pending = true;
}

void tn_link_addr_solicit_done(struct tnode *n, const struct tmf_addr_solicit_rsp *rsp)
{
    n->as_pending = false;
    if (n->role != TNODE_CHILD || !n->parent.valid)
        return;
    if (!rsp || rsp->status != ROUTER_TABLE_AS_SUCCESS || !rsp->has_rloc16 ||
        !rsp->has_router_mask || !is_router_rloc(rsp->rloc16) ||
        !tmf_router_mask_has(&rsp->router_mask, rsp->rloc16 >> 10)) {
        tn_log(n, 3, "a/as: no router ID (status %d)", rsp ? rsp->status : -1);
        if (rsp) {
            n->prev_router_id = ROUTER_TABLE_INVALID_ID; /* not that one again */
            tn_router_children_release(n);               /* RemoveChildren */
        }
        return; /* refused: we stay a child */
    }
    uint8_t id = (uint8_t)(rsp->rloc16 >> 10);
    uint8_t pid = (uint8_t)(n->parent.rloc16 >> 10);
    struct tn_parent p = n->parent;
    tn_router_become_router(n, id);
    struct router_table_adv_out out = {0};
    router_table_update_id_set(&n->rt, rsp->router_mask.id_seq, rsp->router_mask.mask, n->now,
                               &out);
    struct router_table_entry *me = router_table_get(&n->rt, id);
    if (me)
        memcpy(me->ext, n->ext, 8);
    /* The former parent is a neighbour router now (SetFrom(mParent)). */
    if (router_table_link_up(&n->rt, pid, p.ext, p.link_margin, p.version, p.rssi, TN_NOISE_FLOOR,
                             n->now) == OT_ERR_NONE)
        rnbr_set(n, pid, p.ext, &p.sec, 0, 0);
    struct router_table_entry *l = router_table_get(&n->rt, n->leader.leader_router_id);
    if (l && l->next_hop == ROUTER_TABLE_INVALID_ID && n->leader.leader_router_id != pid) {
        l->next_hop = pid;
        l->cost = p.conn.leader_cost;
    }
    n->cnt.router_upgrades++;
    tn_log(n, 3, "router: id %u rloc16 0x%04x", id, n->rloc16);
    /* Tell the former parent and the other routers at once. */
    tn_link_send_advertisement(n);
    tn_link_trickle_reset(n);
    tn_partition_sd_changed(n);   /* our border router entries, under the router RLOC16 */
    tn_router_children_follow(n); /* kept children: the new partition's data */
}

/* NeighborHasComparableConnectivity: the neighbour's links (its Route64)
 * to each of our neighbours with two-way LQ >= 2 are as good as ours. */
static bool comparable(const struct tnode *n, uint8_t nbr, const struct mle_route64 *r)
{
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);
        if (id == n->rt.my_id || id == nbr || !e || e->link != ROUTER_TABLE_LINK_VALID)
            continue;
        uint8_t mine = e->lq_in < e->lq_out ? e->lq_in : e->lq_out;
        if (mine < 2)
            continue;
        int b = mle_route64_route(r, id);
        if (b < 0)
            return false;
        uint8_t in = (uint8_t)((b >> 4) & 3), out = (uint8_t)((b >> 6) & 3);
        if ((in < out ? in : out) < mine)
            return false;
    }
    return true;
}

/* ShouldDowngrade (mle_ftd.cpp): more routers than the threshold, at
 * least 7 neighbours with two-way LQ >= 2, fewer children than 3 x the
 * excess routers, a neighbour with comparable connectivity; then the
 * downgrade after a random delay in [1, jitter] (mRouterRoleTransition). */
void tn_link_check_downgrade(struct tnode *n, uint8_t nbr, const struct mle_route64 *r)
{
    if (n->role != TNODE_ROUTER || n->downgrade_ms || !router_table_cget(&n->rt, nbr))
        return;
    unsigned active = router_table_active(&n->rt);
    if (active <= n->rcfg.downgrade_threshold)
        return;
    unsigned good = 0;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        good += id != n->rt.my_id && router_table_link_cost(&n->rt, id) <= 2; /* two-way LQ >= 2 */
    if (good < TN_MIN_DOWNGRADE_NEIGHBORS)
        return;
    unsigned kids = 0;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++)
        if (n->children.child[i].state == CHILD_TABLE_VALID)
            kids++;
    if (kids >= 3 * (active - n->rcfg.downgrade_threshold) || !comparable(n, nbr, r))
        return;
    uint32_t jitter = n->rcfg.jitter_s ? n->rcfg.jitter_s : 1;
    n->downgrade_ms = n->now + 1000ull * tn_rand_range(n, 1, jitter);
}

/* ---- timers ------------------------------------------------------------------ */

static void tick(struct tnode *n)
{
    struct router_table_tick_out o;
    router_table_tick(&n->rt, n->now, &o);
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        uint64_t bit = 1ull << id;
        if (o.link_request & bit)
            schedule_link_request(n, id);
        if (o.link_lost & bit) {
            n->rnbr[id].lr_due_ms = n->rnbr[id].adv_due_ms = 0;
            forget_router(n, id);
        }
        if (o.released & bit)
            tn_link_router_released(n, id);
    }
    if (o.reattach && n->role != TNODE_LEADER) /* leader age: same partition, then any */
        tn_partition_leader_age(n, router_table_leader_age_s(&n->rt, n->now));
}

void tn_link_process(struct tnode *n)
{
    if (n->role == TNODE_CHILD && n->upgrade_ms && n->now >= n->upgrade_ms)
        upgrade_due(n);
    if (n->reed_adv_ms && n->now >= n->reed_adv_ms) {
        if (n->role == TNODE_CHILD && (n->mode & TNODE_MODE_FTD) && n->rcfg.router_eligible)
            reed_advertise(n);
        else
            n->reed_adv_ms = 0; /* a router now, or no longer a REED */
    }
    if (n->now >= n->rt_tick_ms) {
        n->rt_tick_ms = n->now + 1000;
        if (n->role != TNODE_DETACHED && n->role != TNODE_DISABLED)
            tick(n);
    }
    if (!is_router_role(n))
        return;
    if (n->role == TNODE_ROUTER && n->downgrade_ms && n->now >= n->downgrade_ms) {
        n->downgrade_ms = 0;
        if (router_table_active(&n->rt) > n->rcfg.downgrade_threshold) {
            tn_router_downgrade(n);
            return;
        }
    }
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        struct tn_rnbr *r = &n->rnbr[id];
        if (r->lr_due_ms && n->now >= r->lr_due_ms)
            send_link_request(n, id);
        if (r->adv_due_ms && n->now >= r->adv_due_ms) {
            r->adv_due_ms = 0;
            uint8_t dst[16];
            tn_ll_from_ext(r->ext, dst);
            send_advertisement_to(n, dst);
        }
    }
    if (!n->adv_sent_this_interval && n->now >= n->adv_t_ms) {
        n->adv_sent_this_interval = true;
        tn_link_send_advertisement(n);
    }
    if (n->now >= n->adv_end_ms) {
        uint64_t imax = adv_imax(n);
        n->adv_i_ms = n->adv_i_ms * 2 > imax ? imax : n->adv_i_ms * 2;
        trickle_interval(n);
    }
}

int64_t tn_link_next(const struct tnode *n)
{
    int64_t t = -1;
    if (n->role == TNODE_CHILD && n->upgrade_ms)
        t = tn_until(n->now, n->upgrade_ms);
    if (n->reed_adv_ms)
        t = tn_min_due(t, tn_until(n->now, n->reed_adv_ms));
    if (n->role != TNODE_DETACHED && n->role != TNODE_DISABLED)
        t = tn_min_due(t, tn_until(n->now, n->rt_tick_ms));
    if (!is_router_role(n))
        return t;
    if (n->role == TNODE_ROUTER && n->downgrade_ms)
        t = tn_min_due(t, tn_until(n->now, n->downgrade_ms));
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        if (n->rnbr[id].lr_due_ms)
            t = tn_min_due(t, tn_until(n->now, n->rnbr[id].lr_due_ms));
        if (n->rnbr[id].adv_due_ms)
            t = tn_min_due(t, tn_until(n->now, n->rnbr[id].adv_due_ms));
    }
    if (!n->adv_sent_this_interval)
        t = tn_min_due(t, tn_until(n->now, n->adv_t_ms));
    return tn_min_due(t, tn_until(n->now, n->adv_end_ms));
}

/* ---- leader: IDs given out and taken back ------------------------------------- */

void tn_link_routers_changed(struct tnode *n)
{
    tn_link_trickle_reset(n);
}

void tn_link_router_released(struct tnode *n, uint8_t id)
{
    forget_router(n, id);
    memset(&n->rnbr[id], 0, sizeof(n->rnbr[id]));
    if (n->role != TNODE_LEADER)
        return;
    uint8_t v = n->store.version;
    netdata_leader_remove_rloc(&n->store, router_table_rloc16(id), true);
    if (v != n->store.version)
        tn_router_netdata_changed(n);
    tn_link_trickle_reset(n);
}
