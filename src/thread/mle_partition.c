/*
 * Partitions: comparing them, the attach modes that merge them or recover
 * from a lost leader, and BecomeLeader's choices (mle_partition.h), as
 * OpenThread's mle.cpp (Attacher) and mle_ftd.cpp (ComparePartitions,
 * HandleAdvertisementOnFtd, HandlePartitionChange, BecomeLeader) do them.
 */
#include <string.h>

#include "thread/mle_partition.h"
#include "thread/node_priv.h"
#include "thread/tmf_agent.h"

static int three_way(uint32_t a, uint32_t b)
{
    return a > b ? 1 : a < b ? -1 : 0;
}

int tn_partition_compare(bool singleton_a, const struct mle_leader_data *a, bool singleton_b,
                         const struct mle_leader_data *b)
{
    int r = three_way(a->weighting, b->weighting);
    if (r == 0)
        r = three_way(!singleton_a, !singleton_b); /* not being a singleton is better */
    if (r == 0)
        r = three_way(a->partition_id, b->partition_id);
    return r;
}

bool tn_partition_route_singleton(const struct mle_route64 *r)
{
    unsigned count = 0;
    for (unsigned i = 0; i < 8; i++)
        for (uint8_t m = r->mask[i]; m; m &= (uint8_t)(m - 1))
            count++;
    return count <= 1;
}

/* ConnectivityTlv::IsSingleton: at most one active router. */
static bool conn_singleton(const struct mle_connectivity *c)
{
    return c->active_routers <= 1;
}

void tn_partition_init(struct tnode *n)
{
    memset(&n->part, 0, sizeof(n->part));
    n->part.sd_old_rloc16 = MAC_SHORT_NONE;
}

static bool attached(const struct tnode *n)
{
    return n->role == TNODE_CHILD || n->role == TNODE_ROUTER || n->role == TNODE_LEADER;
}

static bool ftd(const struct tnode *n)
{
    return (n->mode & TNODE_MODE_FTD) != 0;
}

static bool router_eligible(const struct tnode *n)
{
    return ftd(n) && n->rcfg.router_eligible;
}

bool tn_partition_singleton(const struct tnode *n)
{
    return attached(n) && router_eligible(n) && router_table_active(&n->rt) <= 1;
}

uint8_t tn_partition_id_seq(const struct tnode *n)
{
    return n->rt.id_seq;
}

bool tn_partition_attaching(const struct tnode *n)
{
    return n->part.attach_due || n->attach_state != TN_ATTACH_IDLE;
}

bool tn_partition_for_attach(const struct tnode *n, uint8_t cmd)
{
    return n->attach_state != TN_ATTACH_IDLE &&
           (cmd == MLE_CMD_PARENT_RESPONSE || cmd == MLE_CMD_CHILD_ID_RESPONSE);
}

void tn_partition_request_attach(struct tnode *n, enum tn_attach_mode mode, uint32_t delay_ms)
{
    if (tn_partition_attaching(n))
        return; /* Attacher::Attach: VerifyOrExit(!IsAttaching()) */
    n->part.mode = (uint8_t)mode;
    n->part.attach_due = true;
    n->part.attach_due_ms = n->now + delay_ms;
    if (mode == TN_ATTACH_BETTER)
        n->part.better_attaches++;
    else if (mode == TN_ATTACH_SAME)
        n->part.leader_losses++;
}

bool tn_partition_attach_due(struct tnode *n)
{
    if (!n->part.attach_due || n->now < n->part.attach_due_ms)
        return false;
    n->part.attach_due = false;
    return true;
}

bool tn_partition_adv_rx(struct tnode *n, const struct mle_advertisement *a, uint8_t margin,
                         bool from_parent)
{
    if (a->leader.partition_id == n->leader.partition_id)
        return false;
    n->cnt.mle_drop_partition++;
    /* Only an attached FTD acts on another partition (HandleAdvertisement
     * calls HandleAdvertisementOnFtd for those). */
    if (!attached(n) || !ftd(n) || margin < TN_PARTITION_MERGE_MIN_MARGIN || from_parent)
        return true;
    /* The partition we just left, still advertised by routers that have not
     * noticed yet: only a newer ID sequence counts. */
    if (a->has_route && n->part.prev_until_ms > n->now &&
        a->leader.partition_id == n->part.prev_id &&
        !router_table_seq_greater(a->route.id_seq, n->part.prev_id_seq))
        return true;
    bool theirs = a->has_route && tn_partition_route_singleton(&a->route);
    if (tn_partition_compare(theirs, &a->leader, tn_partition_singleton(n), &n->leader) > 0) {
        tn_log(n, 3, "better partition 0x%08x (ours 0x%08x): attaching", a->leader.partition_id,
               n->leader.partition_id);
        /* Attacher::GetStartDelay: 1 ms when not detached. */
        tn_partition_request_attach(n, TN_ATTACH_BETTER, 1);
    }
    return true;
}

bool tn_partition_adv_msg(struct tnode *n, const uint8_t *plain, size_t len, const uint8_t src[16])
{
    struct mle_advertisement a;
    if (mle_parse_advertisement(plain, len, &a) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return true;
    }
    uint8_t ext[8];
    mle_ext_from_ip6(src, ext);
    bool from_parent = n->parent.valid && memcmp(ext, n->parent.ext, 8) == 0;
    return tn_partition_adv_rx(n, &a, tn_rx_link_margin(n), from_parent);
}

bool tn_partition_parent_ok(const struct tnode *n, const struct mle_leader_data *ld,
                            const struct mle_connectivity *conn)
{
    if (!ftd(n) || !attached(n))
        return true;
    bool same = ld->partition_id == n->leader.partition_id;
    bool newer = router_table_seq_greater(conn->id_seq, tn_partition_id_seq(n));
    switch (n->part.mode) {
    case TN_ATTACH_SAME:
        return same && newer;
    case TN_ATTACH_BETTER:
        return !same && tn_partition_compare(conn_singleton(conn), ld, tn_partition_singleton(n),
                                             &n->leader) > 0;
    default:
        return !same || newer;
    }
}

int tn_partition_cand_cmp(const struct tnode *n, const struct mle_leader_data *ld,
                          const struct mle_connectivity *conn,
                          const struct mle_leader_data *cand_ld,
                          const struct mle_connectivity *cand_conn)
{
    if (!ftd(n))
        return 0;
    return tn_partition_compare(conn_singleton(conn), ld, conn_singleton(cand_conn), cand_ld);
}

/* SetRouterId keeps mPreviousRouterId: the ID we hold now, if any. */
static void note_router_id(struct tnode *n)
{
    if (n->rloc16 != MAC_SHORT_NONE && (n->rloc16 & 0x1ff) == 0 &&
        (n->role == TNODE_ROUTER || n->role == TNODE_LEADER))
        n->prev_router_id = (uint8_t)(n->rloc16 >> 10);
}

enum tn_attach_next tn_partition_attach_failed(struct tnode *n)
{
    enum tn_attach_mode mode = (enum tn_attach_mode)n->part.mode;
    n->part.mode = TN_ATTACH_ANY;
    note_router_id(n);
    switch (mode) {
    case TN_ATTACH_BETTER:
        return TN_NEXT_STAY;
    case TN_ATTACH_SAME:
        return TN_NEXT_ANY;
    default:
        if (n->role == TNODE_CHILD)
            return TN_NEXT_STAY; /* already attached: stop (Reattach) */
        return router_eligible(n) ? TN_NEXT_LEADER : TN_NEXT_WAIT;
    }
}

void tn_partition_attached(struct tnode *n, const struct mle_leader_data *ld)
{
    n->part.mode = TN_ATTACH_ANY;
    n->part.sd_dirty = true; /* a new parent may not know our entries: check */
    note_router_id(n);
    if (!attached(n) || ld->partition_id == n->leader.partition_id)
        return;
    /* HandlePartitionChange. */
    n->part.prev_id = n->leader.partition_id;
    n->part.prev_id_seq = tn_partition_id_seq(n);
    n->part.prev_until_ms = n->now + TN_NETWORK_ID_TIMEOUT_S * 1000u;
    n->part.merges++;
    tn_tmf_reset(n); /* the EID cache and TMF exchanges were the old partition's */
    tn_log(n, 3, "partition 0x%08x -> 0x%08x", n->leader.partition_id, ld->partition_id);
}

uint8_t tn_partition_leader_id(struct tnode *n)
{
    /* SelectLeaderId: the previous router ID when valid, else random. */
    if (n->prev_router_id <= MLE_MAX_ROUTER_ID)
        return n->prev_router_id;
    return (uint8_t)tn_rand_range(n, 0, MLE_MAX_ROUTER_ID);
}

uint32_t tn_partition_new_id(struct tnode *n)
{
    /* SelectPartitionId: the preferred one (tests) or random. */
    if (n->rcfg.has_preferred_partition)
        return n->rcfg.preferred_partition;
    return tn_rand32(n);
}

bool tn_partition_keeps_children(const struct tnode *n, uint8_t router_id)
{
    return n->role == TNODE_ROUTER && n->rloc16 == (uint16_t)(router_id << 10);
}

void tn_partition_formed(struct tnode *n, uint8_t router_id)
{
    n->part.mode = TN_ATTACH_ANY;
    n->prev_router_id = router_id;
    n->part.partitions_formed++;
}

bool tn_partition_leader_age(struct tnode *n, uint32_t leader_age_s)
{
    if ((n->role != TNODE_ROUTER && n->role != TNODE_CHILD) ||
        leader_age_s < TN_NETWORK_ID_TIMEOUT_S)
        return false;
    if (tn_partition_attaching(n))
        return false;
    tn_log(n, 2, "leader age %u s: reattaching to the same partition", leader_age_s);
    tn_partition_request_attach(n, TN_ATTACH_SAME, 1);
    return true;
}

/* ---- Server Data sync (NetworkData::Notifier) -------------------------------- */

void tn_partition_sd_changed(struct tnode *n)
{
    n->part.sd_dirty = true;
}

/* Does the leader's Network Data hold exactly our local entries? Registering
 * ours into a copy changes nothing then (netdata_leader_register bumps the
 * version only on a change). Local data that cannot be registered under our
 * RLOC16 (built for the previous one) is left for its owner to rebuild. */
static bool sd_consistent(const struct tnode *n)
{
    struct netdata_leader copy;
    if (netdata_leader_load(&copy, n->netdata, n->netdata_len, 0, 0) != NETDATA_OK)
        return true;
    if (netdata_leader_register(&copy, n->rloc16, n->local_nd, n->local_nd_len) != NETDATA_OK)
        return true;
    return copy.version == 0 && copy.stable_version == 0;
}

static void sd_send(struct tnode *n)
{
    tn_tmf_server_data(n, n->part.sd_old_rloc16);
    n->part.sd_old_rloc16 = n->rloc16;
    n->part.sd_sent++;
    tn_log(n, 3, "a/sd: %zu bytes of local Network Data to the leader", n->local_nd_len);
}

/* The leader registers its own entries directly; a stable-only copy of the
 * Network Data cannot show ours. */
static bool sd_applies(const struct tnode *n)
{
    return (n->role == TNODE_CHILD || n->role == TNODE_ROUTER) &&
           (n->mode & TNODE_MODE_FULL_NETDATA);
}

void tn_partition_sd_process(struct tnode *n)
{
    if (!sd_applies(n))
        return;
    struct tn_partition *p = &n->part;
    bool same = p->sd_fp_partition == n->leader.partition_id &&
                p->sd_fp_leader == n->leader.leader_router_id &&
                p->sd_fp_version == n->leader.data_version && p->sd_fp_rloc16 == n->rloc16;
    if (same && !p->sd_dirty && (!p->sd_recheck_ms || n->now < p->sd_recheck_ms))
        return;
    p->sd_fp_partition = n->leader.partition_id;
    p->sd_fp_leader = n->leader.leader_router_id;
    p->sd_fp_version = n->leader.data_version;
    p->sd_fp_rloc16 = n->rloc16;
    p->sd_dirty = false;
    p->sd_recheck_ms = 0;
    if (sd_consistent(n))
        return;
    sd_send(n);
    p->sd_recheck_ms = n->now + TN_SD_RECHECK_MS;
}

int64_t tn_partition_sd_next(const struct tnode *n)
{
    if (!sd_applies(n))
        return -1;
    if (n->part.sd_dirty)
        return 0;
    return n->part.sd_recheck_ms ? tn_until(n->now, n->part.sd_recheck_ms) : -1;
}
