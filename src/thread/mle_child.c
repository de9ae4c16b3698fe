/*
 * The child role (thread-sim-interop.md §3.3 table, left column; §3.9):
 * attach (Parent Request to ff02::2 with scan mask routers then
 * routers+REEDs, 750 ms then 1250 ms windows, best Parent Response, Child ID
 * Request, Child ID Response), keep-alive Child Update Requests at
 * timeout - 4 x (1 s + jitter), parent loss after 4 unanswered keep-alives or
 * a Status reply, Data Request on newer Leader Data. A router-eligible node
 * that hears nobody forms its own partition (mle_router.c).
 */
#include <string.h>

#include "thread/mesh.h"
#include "thread/mle_child.h"
#include "thread/mle_router.h"
#include "thread/tmf_agent.h"

static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 0x02};
static const uint8_t realm_routers[16] = {0xff, 0x03, [15] = 0x02};

static uint8_t wire_mode(const struct tnode *n)
{
    return (uint8_t)(n->mode | MLE_MODE_RESERVED);
}

/* Counts a builder's failure: true when there is a message to send. */
static bool built(struct tnode *n, enum mle_err e)
{
    if (e != MLE_OK)
        n->cnt.mle_tx_errors++;
    return e == MLE_OK;
}

static void send_to_parent(struct tnode *n, const uint8_t *plain, size_t len)
{
    uint8_t dst[16];
    tn_ll_from_ext(n->parent.ext, dst);
    tn_mle_send(n, dst, plain, len);
}

/* An MTD registers its addresses with its parent (§3.3); an FTD does not. */
static bool mtd_addr_reg(struct tnode *n, struct mle_addr_reg *ar)
{
    if (n->mode & TNODE_MODE_FTD)
        return false;
    tn_addr_reg_build(n, ar);
    return true;
}

static void schedule_keepalive(struct tnode *n)
{
    /* mle.cpp: timeout - kUnicastRetxDelay x kMaxChildKeepAliveAttempts, with
     * a small jitter; then up to 4 tries 1 s apart. */
    uint64_t t = (uint64_t)n->timeout_s * 1000u;
    uint64_t lead = 4u * (TN_KEEPALIVE_RETX_MS + tn_rand_range(n, 0, 100));
    n->keepalive_ms = n->now + (t > lead + 1000 ? t - lead : 1000);
    n->keepalive_tries = 0;
    n->keepalive_waiting = false;
}

static void send_parent_request(struct tnode *n)
{
    n->attach_challenge.len = 8;
    tn_random(n, n->attach_challenge.b, 8);
    struct mle_parent_request pr = {
        .mode = wire_mode(n),
        .challenge = n->attach_challenge,
        .scan_mask = n->attach_round == 0 && n->part.mode != TN_ATTACH_SAME
                         ? MLE_SCAN_MASK_ROUTER
                         : (MLE_SCAN_MASK_ROUTER | MLE_SCAN_MASK_END_DEVICE),
        .version = TN_MLE_VERSION,
    };
    uint8_t out[64];
    size_t len;
    if (!built(n, mle_build_parent_request(&pr, out, sizeof(out), &len)))
        return;
    n->attach_state = TN_ATTACH_PARENT_REQ;
    n->attach_deadline_ms = n->now + (n->attach_round == 0 ? TN_PR_ROUTERS_MS : TN_PR_REEDS_MS);
    tn_mle_send(n, all_routers, out, len);
}

static void send_child_id_request(struct tnode *n)
{
    static const uint8_t req_ftd[] = {MLE_TLV_ADDRESS16, MLE_TLV_NETWORK_DATA, MLE_TLV_ROUTE64};
    static const uint8_t req_mtd[] = {MLE_TLV_ADDRESS16, MLE_TLV_NETWORK_DATA};
    struct mle_child_id_request r = {0};
    r.response = n->cand.challenge;
    r.link_fc = mac_layer_frame_counter(&n->mac);
    r.mle_fc = n->mle_fc;
    r.has_mle_fc = true;
    r.mode = wire_mode(n);
    r.timeout = n->timeout_s;
    r.version = TN_MLE_VERSION;
    bool ftd = n->mode & TNODE_MODE_FTD;
    r.tlv_request = ftd ? req_ftd : req_mtd;
    r.n_tlv_request = ftd ? sizeof(req_ftd) : sizeof(req_mtd);
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    r.has_addr_reg = mtd_addr_reg(n, &r.addr_reg);
    uint8_t out[400];
    size_t len;
    if (!built(n, mle_build_child_id_request(&r, out, sizeof(out), &len)))
        return;
    n->attach_state = TN_ATTACH_CHILD_ID;
    n->attach_deadline_ms = n->now + TN_CHILD_ID_WAIT_MS;
    uint8_t dst[16];
    tn_ll_from_ext(n->cand.ext, dst);
    tn_mle_send(n, dst, out, len);
}

static void send_update_request(struct tnode *n)
{
    struct mle_child_update_request r = {
        .has_mode = true,
        .mode = wire_mode(n),
        .has_src = true,
        .src_rloc16 = n->rloc16,
        .has_leader = true,
        .leader = n->leader,
        .has_timeout = true,
        .timeout = n->timeout_s,
    };
    r.has_addr_reg = mtd_addr_reg(n, &r.addr_reg);
    n->addr_reg_due = false;
    uint8_t out[400];
    size_t len;
    if (built(n, mle_build_child_update_request_from_child(&r, out, sizeof(out), &len)))
        send_to_parent(n, out, len);
}

static void send_data_request(struct tnode *n)
{
    static const uint8_t req[] = {MLE_TLV_NETWORK_DATA};
    struct mle_data_request r = {.tlv_request = req, .n_tlv_request = sizeof(req)};
    r.has_active_ts = n->has_active_ts;
    r.active_ts = n->active_ts;
    uint8_t out[64];
    size_t len;
    if (built(n, mle_build_data_request(&r, out, sizeof(out), &len)))
        send_to_parent(n, out, len);
}

void tn_child_send_update(struct tnode *n)
{
    if (n->role != TNODE_CHILD)
        return;
    send_update_request(n);
    n->keepalive_waiting = true;
    n->keepalive_tries = 1;
    n->keepalive_ms = n->now + TN_KEEPALIVE_RETX_MS;
}

/* ---- attach ------------------------------------------------------------------- */

static void detach(struct tnode *n)
{
    n->parent.valid = false;
    n->cand.valid = false;
    n->rloc16 = MAC_SHORT_NONE;
    mac_layer_set_short_addr(&n->mac, MAC_SHORT_NONE);
    ip6_clear_rloc16(&n->ip);
    ip6_unsubscribe(&n->ip, realm_routers);
    n->keepalive_waiting = false;
    n->data_req_ms = 0;
    n->upgrade_ms = 0;
    n->as_pending = false;
    router_table_clear(&n->rt);
    router_table_set_role(&n->rt, ROUTER_TABLE_DETACHED, ROUTER_TABLE_INVALID_ID, n->ext,
                          ROUTER_TABLE_INVALID_ID);
    tn_tmf_reset(n);
    if (n->role == TNODE_CHILD)
        tn_set_role(n, TNODE_DETACHED);
}

void tn_child_start_attach(struct tnode *n)
{
    detach(n);
    n->attach_round = 0;
    send_parent_request(n);
}

void tn_child_stop(struct tnode *n)
{
    detach(n);
    n->part.attach_due = false;
    n->part.mode = TN_ATTACH_ANY;
    n->attach_state = TN_ATTACH_IDLE;
}

static bool challenge_eq(const struct mle_challenge *a, const struct mle_challenge *b)
{
    return a->len == b->len && a->len <= MLE_CHALLENGE_MAX && memcmp(a->b, b->b, a->len) == 0;
}

static void rx_parent_response(struct tnode *n, const uint8_t *plain, size_t len,
                               const uint8_t src[16])
{
    if (n->attach_state != TN_ATTACH_PARENT_REQ) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_parent_response r;
    if (mle_parse_parent_response(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (!challenge_eq(&r.response, &n->attach_challenge)) {
        n->cnt.mle_drop_bad_challenge++;
        return;
    }
    if (!tn_partition_parent_ok(n, &r.leader, &r.conn)) {
        n->cnt.mle_drop_partition++; /* not of the partition this attach looks for */
        return;
    }
    int8_t rssi = n->rx.info ? n->rx.info->rssi : -20;
    int prio = mle_connectivity_priority(&r.conn);
    if (n->cand.valid) {
        /* A better partition first, then parent priority, then the link
         * (OT compares more). */
        int pc = tn_partition_cand_cmp(n, &r.leader, &r.conn, &n->cand.leader, &n->cand.conn);
        int cprio = mle_connectivity_priority(&n->cand.conn);
        if (pc < 0 || (pc == 0 && (prio < cprio || (prio == cprio && rssi <= n->cand.rssi))))
            return;
    }
    struct tn_parent *c = &n->cand;
    memset(c, 0, sizeof(*c));
    c->valid = true;
    mle_ext_from_ip6(src, c->ext);
    c->rloc16 = r.src_rloc16;
    c->version = r.version;
    c->leader = r.leader;
    c->challenge = r.challenge;
    c->conn = r.conn;
    c->link_margin = r.link_margin;
    c->rssi = rssi;
    c->sec.mac_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mac, r.link_fc);
    c->sec.mle_key_seq = n->key_seq;
    mac_replay_init(&c->sec.mle, r.mle_fc);
    c->last_heard_ms = n->now;
}

/* A router or leader that attached to another partition (better, or the
 * same one after its leader was lost) stops routing (OT's HandleChildStart:
 * StopLeader) but keeps its child table: regain_router asks for its router
 * ID back so the children stay. */
static void resign_router(struct tnode *n)
{
    tn_router_stop(n, true);
    ip6_remove_aloc(&n->ip, TN_LEADER_ALOC);
    ip6_set_router(&n->ip, false);
}

/* HandleChildStart (mle_ftd.cpp) for a former router or leader with
 * children: a same-partition attach asks for a router ID at once (reason
 * have-child-id-request), a partition change too (parent-partition-change);
 * the a/as carries our previous router ID, and with it granted the children
 * keep their RLOC16s (tn_link_addr_solicit_done). Children we cannot keep
 * are told now (tn_router_children_release). */
static void regain_router(struct tnode *n, uint8_t mode, uint32_t old_partition)
{
    if (!tn_router_has_children(n))
        return;
    uint8_t reason = 0;
    if (mode == TN_ATTACH_SAME)
        reason = ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST;
    else if (old_partition != n->leader.partition_id)
        reason = ROUTER_TABLE_REASON_PARENT_PARTITION_CHANGE;
    if (reason && n->prev_router_id <= ROUTER_TABLE_MAX_ID && n->rcfg.router_eligible &&
        !n->as_pending && tn_tmf_addr_solicit(n, reason) == OT_ERR_NONE) {
        n->as_pending = true;
        n->upgrade_ms = 0;
        return;
    }
    tn_router_children_release(n);
}

static void reed_start(struct tnode *n, const struct mle_child_id_response *r);

static void rx_child_id_response(struct tnode *n, const uint8_t *plain, size_t len,
                                 const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    if (n->attach_state != TN_ATTACH_CHILD_ID || !n->cand.valid ||
        memcmp(ext, n->cand.ext, 8) != 0) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_child_id_response r;
    if (mle_parse_child_id_response(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    unsigned rid = n->cand.rloc16 >> 10;
    if ((r.address16 >> 10) != rid || (r.address16 & 0x1ff) == 0 ||
        ((n->mode & TNODE_MODE_FTD) && r.has_route && !mle_route64_has(&r.route, rid))) {
        n->cnt.mle_drop_parse++;
        return;
    }
    uint8_t mode = n->part.mode;
    uint32_t old_partition = n->leader.partition_id;
    bool was_router = n->role == TNODE_LEADER || n->role == TNODE_ROUTER;
    tn_partition_attached(n, &r.leader);
    if (was_router)
        resign_router(n); /* merged into a better partition */
    n->parent = n->cand;
    n->parent.leader = r.leader;
    n->parent.last_heard_ms = n->now;
    n->cand.valid = false;
    n->leader = r.leader;
    n->rloc16 = r.address16;
    mac_layer_set_short_addr(&n->mac, n->rloc16);
    ip6_set_rloc16(&n->ip, n->rloc16);
    if (n->mode & TNODE_MODE_FTD)
        ip6_subscribe(&n->ip, realm_routers); /* a/aq reach FTD children */
    n->attach_state = TN_ATTACH_IDLE;
    tn_set_role(n, TNODE_CHILD);
    n->saved_role = TNODE_CHILD;
    n->saved_rloc16 = n->rloc16;
    n->saved_partition = r.leader.partition_id;
    tn_save_network_info(n);
    n->addr_reg_due = false;
    tn_netdata_apply(n, r.netdata, r.netdata_len);
    schedule_keepalive(n);
    if (n->mode & TNODE_MODE_FTD)
        reed_start(n, &r);
    if (was_router)
        regain_router(n, mode, old_partition);
    if (n->release_rloc16 != MAC_SHORT_NONE) {
        tn_tmf_addr_release(n, n->release_rloc16); /* a downgraded router */
        n->release_rloc16 = MAC_SHORT_NONE;
    }
    tn_log(n, 3, "child 0x%04x of parent 0x%04x", n->rloc16, n->parent.rloc16);
}

/* An FTD child (REED) follows the router IDs through its parent
 * (ReadAndProcessRouteTlvOnFtdChild) and may become a router. */
static void reed_start(struct tnode *n, const struct mle_child_id_response *r)
{
    uint8_t pid = (uint8_t)(n->parent.rloc16 >> 10);
    router_table_clear(&n->rt);
    router_table_set_role(&n->rt, ROUTER_TABLE_CHILD, ROUTER_TABLE_INVALID_ID, n->ext,
                          r->leader.leader_router_id);
    uint8_t lq = router_table_lq_for_margin(
        router_table_link_margin(TN_NOISE_FLOOR, n->parent.rssi), ROUTER_TABLE_LQ_NONE);
    router_table_set_parent(&n->rt, pid, lq, true);
    if (r->has_route) {
        struct router_table_adv_out out;
        router_table_update_id_set(&n->rt, r->route.id_seq, r->route.mask, n->now, &out);
        router_table_update_on_ftd_child(&n->rt, &r->route, pid);
    }
    tn_link_child_check_upgrade(n);
}

/* Leader Data from the parent: newer data -> Data Request (§3.3). */
static void check_leader_data(struct tnode *n, const struct mle_leader_data *ld)
{
    bool full = n->mode & TNODE_MODE_FULL_NETDATA;
    bool newer = full ? (int8_t)(ld->data_version - n->leader.data_version) > 0
                      : (int8_t)(ld->stable_data_version - n->leader.stable_data_version) > 0;
    if (ld->partition_id != n->leader.partition_id ||
        ld->leader_router_id != n->leader.leader_router_id || ld->weighting != n->leader.weighting)
        newer = true;
    if (newer && !n->data_req_ms)
        n->data_req_ms = n->now + tn_rand_range(n, 0, 50);
}

static bool from_parent(const struct tnode *n, const uint8_t src[16])
{
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    return n->parent.valid && memcmp(ext, n->parent.ext, 8) == 0;
}

static void rx_child_update_response(struct tnode *n, const uint8_t *plain, size_t len,
                                     const uint8_t src[16])
{
    if (n->role != TNODE_CHILD || !from_parent(n, src)) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_child_update_response r;
    if (mle_parse_child_update_response(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (r.has_status) {
        /* The parent does not know us: re-attach at once (§3.3). */
        tn_log(n, 2, "parent replied Status: re-attaching");
        tn_child_start_attach(n);
        return;
    }
    n->parent.last_heard_ms = n->now;
    schedule_keepalive(n);
    if (r.has_leader)
        check_leader_data(n, &r.leader);
}

static void rx_child_update_request(struct tnode *n, const uint8_t *plain, size_t len,
                                    const uint8_t src[16])
{
    if (n->role != TNODE_CHILD || !from_parent(n, src)) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_child_update_request q;
    if (mle_parse_child_update_request_from_parent(plain, len, &q) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    n->parent.last_heard_ms = n->now;
    if (q.has_leader && q.has_netdata) {
        n->leader = q.leader;
        tn_netdata_apply(n, q.netdata, q.netdata_len);
    } else if (q.has_leader) {
        check_leader_data(n, &q.leader);
    }
    struct mle_child_update_response r = {
        .src_rloc16 = n->rloc16,
        .has_mode = true,
        .mode = wire_mode(n),
        .has_leader = true,
        .leader = n->leader,
        .has_timeout = true,
        .timeout = n->timeout_s,
    };
    if (q.has_challenge) {
        r.has_response = true;
        r.response = q.challenge;
        r.has_fcs = true;
        r.mle_fc = n->mle_fc;
        r.link_fc = mac_layer_frame_counter(&n->mac);
    }
    r.has_addr_reg = mtd_addr_reg(n, &r.addr_reg);
    uint8_t out[400];
    size_t olen;
    if (built(n, mle_build_child_update_response(&r, out, sizeof(out), &olen)))
        tn_mle_send(n, src, out, olen);
}

static void rx_data_response(struct tnode *n, const uint8_t *plain, size_t len,
                             const uint8_t src[16], const uint8_t dst[16])
{
    if (n->role != TNODE_CHILD || !from_parent(n, src)) {
        n->cnt.mle_drop_unexpected++;
        return;
    }
    struct mle_data_response r;
    if (mle_parse_data_response(plain, len, &r) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    n->parent.last_heard_ms = n->now;
    if (!r.has_netdata)
        return;
    /* A stable-only child does not use the full multicast copy: it asks for
     * its subset with a Data Request when the stable version moved. */
    if (!(n->mode & TNODE_MODE_FULL_NETDATA) && dst[0] == 0xff) {
        check_leader_data(n, &r.leader);
        return;
    }
    n->data_req_ms = 0;
    n->leader = r.leader;
    tn_netdata_apply(n, r.netdata, r.netdata_len);
}

static void rx_advertisement(struct tnode *n, const uint8_t *plain, size_t len,
                             const uint8_t src[16])
{
    if (n->role != TNODE_CHILD)
        return; /* detached: we attach with Parent Requests only */
    struct mle_advertisement a;
    if (mle_parse_advertisement(plain, len, &a) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    bool parent = from_parent(n, src);
    if (parent) {
        n->parent.last_heard_ms = n->now;
        check_leader_data(n, &a.leader);
    }
    if (n->mode & TNODE_MODE_FTD)
        tn_link_rx_advertisement(n, &a, src, parent); /* REED: router IDs, upgrade */
    else if (!parent && a.leader.partition_id != n->leader.partition_id)
        n->cnt.mle_drop_partition++;
}

void tn_child_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                     const uint8_t src[16], const uint8_t dst[16])
{
    switch (cmd) {
    case MLE_CMD_PARENT_RESPONSE:
        rx_parent_response(n, plain, len, src);
        break;
    case MLE_CMD_CHILD_ID_RESPONSE:
        rx_child_id_response(n, plain, len, src);
        break;
    case MLE_CMD_CHILD_UPDATE_RESPONSE:
        rx_child_update_response(n, plain, len, src);
        break;
    case MLE_CMD_CHILD_UPDATE_REQUEST:
        rx_child_update_request(n, plain, len, src);
        break;
    case MLE_CMD_DATA_RESPONSE:
        rx_data_response(n, plain, len, src, dst);
        break;
    case MLE_CMD_ADVERTISEMENT:
        rx_advertisement(n, plain, len, src);
        break;
    default:
        n->cnt.mle_drop_unexpected++; /* Parent Requests etc.: we are no router */
        break;
    }
}

/* ---- timers ------------------------------------------------------------------- */

/* An attach cycle without leaving our role (router, leader, child): Parent
 * Requests, routers first; the role changes only with a Child ID Response. */
static void attach_in_role(struct tnode *n)
{
    n->cand.valid = false;
    n->attach_round = 0;
    send_parent_request(n);
}

/* An attach cycle found no parent: Reattach as mle_partition.c decides. */
static void attach_failed(struct tnode *n)
{
    n->attach_state = TN_ATTACH_IDLE;
    switch (tn_partition_attach_failed(n)) {
    case TN_NEXT_STAY:
        break;
    case TN_NEXT_ANY:
        if (n->role == TNODE_ROUTER)
            attach_in_role(n); /* Attach(kAnyPartition): still routing for our children */
        else
            tn_child_start_attach(n);
        break;
    case TN_NEXT_LEADER:
        if (n->role == TNODE_DETACHED || n->role == TNODE_ROUTER) {
            tn_router_become_leader(n, false); /* nobody answered: form a partition */
            break;
        }
        /* fall through */
    case TN_NEXT_WAIT:
        n->attach_state = TN_ATTACH_WAIT;
        n->attach_deadline_ms = n->now + TN_ATTACH_RETRY_MS;
        break;
    }
}

/* An attach mle_partition.c asked for (Attacher::Attach): Parent Requests
 * while we stay what we are, until a Child ID Response. */
static void partition_attach(struct tnode *n)
{
    if (n->part.mode == TN_ATTACH_ANY)
        tn_child_start_attach(n);
    else
        attach_in_role(n);
}

static void attach_timer(struct tnode *n)
{
    switch (n->attach_state) {
    case TN_ATTACH_PARENT_REQ:
        if (n->cand.valid) {
            send_child_id_request(n);
        } else if (n->attach_round == 0) {
            n->attach_round = 1;
            send_parent_request(n);
        } else {
            attach_failed(n);
        }
        break;
    case TN_ATTACH_CHILD_ID:
        n->cand.valid = false;
        if (n->part.mode != TN_ATTACH_ANY) {
            attach_failed(n); /* kStateChildIdRequest -> Reattach */
            break;
        }
        n->attach_state = TN_ATTACH_WAIT;
        n->attach_deadline_ms = n->now + tn_rand_range(n, 100, 1000);
        break;
    case TN_ATTACH_WAIT:
        tn_child_start_attach(n);
        break;
    default:
        break;
    }
}

void tn_child_process(struct tnode *n)
{
    if (tn_partition_attach_due(n))
        partition_attach(n);
    if (n->attach_state != TN_ATTACH_IDLE && n->now >= n->attach_deadline_ms)
        attach_timer(n);
    if (n->role != TNODE_CHILD)
        return;
    if (n->addr_reg_due && !n->keepalive_waiting)
        tn_child_send_update(n);
    if (n->now >= n->keepalive_ms) {
        if (n->keepalive_waiting && n->keepalive_tries >= TN_KEEPALIVE_TRIES) {
            tn_log(n, 2, "parent lost: re-attaching");
            tn_child_start_attach(n);
            return;
        }
        send_update_request(n);
        n->keepalive_waiting = true;
        n->keepalive_tries++;
        n->keepalive_ms = n->now + TN_KEEPALIVE_RETX_MS;
    }
    if (n->data_req_ms && n->now >= n->data_req_ms) {
        n->data_req_ms = 0;
        send_data_request(n);
    }
}

int64_t tn_child_next(const struct tnode *n)
{
    int64_t t = -1;
    if (n->attach_state != TN_ATTACH_IDLE)
        t = tn_until(n->now, n->attach_deadline_ms);
    if (n->part.attach_due)
        t = tn_min_due(t, tn_until(n->now, n->part.attach_due_ms));
    if (n->role == TNODE_CHILD) {
        t = tn_min_due(t, tn_until(n->now, n->keepalive_ms));
        if (n->data_req_ms)
            t = tn_min_due(t, tn_until(n->now, n->data_req_ms));
        if (n->addr_reg_due && !n->keepalive_waiting)
            t = 0;
    }
    return t;
}
