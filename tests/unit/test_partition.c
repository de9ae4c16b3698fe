/*
 * Partitions (src/thread/mle_partition.c): OpenThread's ComparePartitions,
 * the attach-mode decisions (which Parent Responses an attach accepts, what
 * follows a failed attach, BecomeLeader's choices, stale Advertisements of
 * the partition just left), and on the simulated medium with real nodes
 * (virtual time): two partitions kept apart by MAC denylists merge into the
 * better one once the filters are lifted (leaders and FTD children both
 * move), a higher leader weight beats a higher partition ID, and a killed
 * leader is replaced by a new partition that its former children share, a
 * merging router takes its MTD child along (a/as parent-partition-change).
 * The merge and failover times are printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mac/mac_filter.h"
#include "netdata/netdata.h"
#include "util/addr.h"
#include "support/medium.h"
#include "support/node_net.h"
#include "thread/mle_partition.h"
#include "thread/node.h"
#include "thread/node_priv.h"

/* ---- ComparePartitions ------------------------------------------------------------ */

static struct mle_leader_data ld(uint32_t pid, uint8_t weight)
{
    struct mle_leader_data d = {.partition_id = pid, .weighting = weight};
    return d;
}

static void test_compare(void **state)
{
    (void)state;
    struct mle_leader_data a = ld(0x100, 64), b = ld(0x200, 64);

    /* Same weight and singleton-ness: the higher partition ID wins. */
    assert_int_equal(tn_partition_compare(true, &a, true, &b), -1);
    assert_int_equal(tn_partition_compare(true, &b, true, &a), 1);
    assert_int_equal(tn_partition_compare(false, &b, false, &a), 1);
    /* Not being a singleton beats the partition ID. */
    assert_int_equal(tn_partition_compare(false, &a, true, &b), 1);
    assert_int_equal(tn_partition_compare(true, &b, false, &a), -1);
    /* The weighting beats both. */
    struct mle_leader_data heavy = ld(0x1, 65);
    assert_int_equal(tn_partition_compare(true, &heavy, false, &b), 1);
    assert_int_equal(tn_partition_compare(false, &b, true, &heavy), -1);
    /* The same partition. */
    assert_int_equal(tn_partition_compare(true, &a, true, &a), 0);
    assert_int_equal(tn_partition_compare(false, &a, false, &a), 0);
    /* Unsigned partition IDs (OT compares uint32_t). */
    struct mle_leader_data hi = ld(0xffffffffu, 64), lo = ld(0x7fffffff, 64);
    assert_int_equal(tn_partition_compare(true, &hi, true, &lo), 1);
}

static void test_route_singleton(void **state)
{
    (void)state;
    struct mle_route64 r;

    memset(&r, 0, sizeof(r));
    assert_true(tn_partition_route_singleton(&r));
    assert_true(mle_route64_add(&r, 5, 0x01));
    assert_true(tn_partition_route_singleton(&r));
    assert_true(mle_route64_add(&r, 62, 0x11));
    assert_false(tn_partition_route_singleton(&r));
}

/* ---- decisions on a node ---------------------------------------------------------- */

static struct node_net *cur;

static int teardown(void **state)
{
    (void)state;
    node_net_free(cur);
    cur = NULL;
    return 0;
}

static struct mle_advertisement adv_of(uint32_t pid, uint8_t weight, unsigned routers,
                                       uint8_t id_seq)
{
    struct mle_advertisement a;

    memset(&a, 0, sizeof(a));
    a.src_rloc16 = 0x0400;
    a.leader = ld(pid, weight);
    a.has_route = true;
    a.route.id_seq = id_seq;
    for (unsigned i = 0; i < routers; i++)
        mle_route64_add(&a.route, 1 + i, 0x01);
    return a;
}

/* HandleAdvertisementOnFtd's partition branch on a leader. */
static void test_advertisement_decisions(void **state)
{
    (void)state;
    cur = node_net_new(1);
    struct tnode *n = cur->node[0];
    n->rcfg.has_preferred_partition = true;
    n->rcfg.preferred_partition = 0x5000;
    node_net_form(cur);
    assert_int_equal(n->leader.partition_id, 0x5000);
    assert_true(tn_partition_singleton(n));

    /* Our own partition: not ours to handle. */
    struct mle_advertisement a = adv_of(0x5000, 64, 1, 1);
    assert_false(tn_partition_adv_rx(n, &a, 50, false));
    assert_false(tn_partition_attaching(n));

    /* A worse partition: dropped, no attach (they come to us). */
    uint32_t drops = n->cnt.mle_drop_partition;
    a = adv_of(0x4fff, 64, 1, 1);
    assert_true(tn_partition_adv_rx(n, &a, 50, false));
    assert_int_equal(n->cnt.mle_drop_partition, drops + 1);
    assert_false(tn_partition_attaching(n));
    /* A lower weight loses even with a higher ID and more routers. */
    a = adv_of(0xffff0000u, 63, 3, 1);
    assert_true(tn_partition_adv_rx(n, &a, 50, false));
    assert_false(tn_partition_attaching(n));

    /* A better one heard with a weak link (margin < 10): ignored. */
    a = adv_of(0x6000, 64, 1, 1);
    assert_true(tn_partition_adv_rx(n, &a, 9, false));
    assert_false(tn_partition_attaching(n));
    /* ... from our parent: the parent's business (a leader has none, but the
     * check comes first as in OT). */
    assert_true(tn_partition_adv_rx(n, &a, 50, true));
    assert_false(tn_partition_attaching(n));

    /* A partition that left us (ours is the previous one): its stale
     * Advertisements (ID sequence not newer) are ignored for 120 s. */
    n->part.prev_id = 0x6000;
    n->part.prev_id_seq = 10;
    n->part.prev_until_ms = n->now + 1000;
    a = adv_of(0x6000, 64, 2, 10);
    assert_true(tn_partition_adv_rx(n, &a, 50, false));
    assert_false(tn_partition_attaching(n));
    n->part.prev_until_ms = 0;

    /* A better partition with a good link: a better-partition attach. */
    uint32_t tries = n->part.better_attaches;
    assert_true(tn_partition_adv_rx(n, &a, 10, false));
    assert_true(tn_partition_attaching(n));
    assert_int_equal(n->part.mode, TN_ATTACH_BETTER);
    assert_int_equal(n->part.better_attaches, tries + 1);
    /* Only one attach at a time. */
    assert_true(tn_partition_adv_rx(n, &a, 50, false));
    assert_int_equal(n->part.better_attaches, tries + 1);

    /* Which Parent Responses this attach takes: a better partition only. */
    struct mle_connectivity conn = {.active_routers = 1, .id_seq = 3};
    struct mle_leader_data better = ld(0x6000, 64), worse = ld(0x4000, 64), ours = ld(0x5000, 64);
    assert_true(tn_partition_parent_ok(n, &better, &conn));
    assert_false(tn_partition_parent_ok(n, &worse, &conn));
    assert_false(tn_partition_parent_ok(n, &ours, &conn));
    /* ... and prefers the better of two candidates. */
    struct mle_connectivity two = {.active_routers = 2};
    assert_true(tn_partition_cand_cmp(n, &worse, &two, &better, &conn) > 0);
    assert_true(tn_partition_cand_cmp(n, &worse, &conn, &better, &conn) < 0);
    assert_int_equal(tn_partition_cand_cmp(n, &better, &conn, &better, &conn), 0);

    /* Nobody answered: a better-partition attach leaves us as we were. */
    assert_int_equal(tn_partition_attach_failed(n), TN_NEXT_STAY);
    assert_int_equal(n->part.mode, TN_ATTACH_ANY);

    /* Same-partition mode (leader age): ours with a newer ID sequence only;
     * failing it goes on to any partition. */
    n->part.mode = TN_ATTACH_SAME;
    uint8_t seq = tn_partition_id_seq(n);
    struct mle_connectivity newer = {.active_routers = 2, .id_seq = (uint8_t)(seq + 1)};
    struct mle_connectivity older = {.active_routers = 2, .id_seq = seq};
    assert_true(tn_partition_parent_ok(n, &ours, &newer));
    assert_false(tn_partition_parent_ok(n, &ours, &older));
    assert_false(tn_partition_parent_ok(n, &better, &newer));
    assert_int_equal(tn_partition_attach_failed(n), TN_NEXT_ANY);
    /* Any partition while attached: another partition, or ours if newer. */
    assert_true(tn_partition_parent_ok(n, &worse, &older));
    assert_true(tn_partition_parent_ok(n, &ours, &newer));
    assert_false(tn_partition_parent_ok(n, &ours, &older));

    /* The leader age check is a router's (OT: roles child/router). */
    assert_false(tn_partition_leader_age(n, 500));
}

/* BecomeLeader's choices, and Reattach after any-partition attempts. */
static void test_become_leader_choices(void **state)
{
    (void)state;
    cur = node_net_new(1);
    struct tnode *n = cur->node[0];

    /* The previous router ID when there is one (SelectLeaderId). */
    n->prev_router_id = 17;
    assert_int_equal(tn_partition_leader_id(n), 17);
    n->prev_router_id = ROUTER_TABLE_INVALID_ID;
    for (int i = 0; i < 50; i++)
        assert_true(tn_partition_leader_id(n) <= MLE_MAX_ROUTER_ID);
    /* The preferred partition ID (`partitionid preferred`) or a random one. */
    n->rcfg.has_preferred_partition = true;
    n->rcfg.preferred_partition = 0xabcdef01;
    assert_int_equal(tn_partition_new_id(n), 0xabcdef01);
    n->rcfg.has_preferred_partition = false;
    assert_int_not_equal(tn_partition_new_id(n), tn_partition_new_id(n));

    /* A detached router-eligible FTD forms a partition after an unanswered
     * any-partition attach; a non-eligible one tries again later. */
    n->role = TNODE_DETACHED;
    n->part.mode = TN_ATTACH_ANY;
    assert_int_equal(tn_partition_attach_failed(n), TN_NEXT_LEADER);
    n->rcfg.router_eligible = false;
    assert_int_equal(tn_partition_attach_failed(n), TN_NEXT_WAIT);
    n->role = TNODE_DISABLED;
}

/* A node that is not an FTD ignores other partitions (MTD: no merge). */
static void test_mtd_ignores(void **state)
{
    (void)state;
    cur = node_net_new(2);
    node_net_form(cur);
    struct tnode *c = cur->node[1];
    assert_int_equal(tnode_set_mode(c, TNODE_MODE_RX_ON | TNODE_MODE_FULL_NETDATA, cur->now),
                     OT_ERR_NONE);
    struct mle_advertisement a = adv_of(c->leader.partition_id + 1, 64, 3, 1);
    assert_true(tn_partition_adv_rx(c, &a, 80, false));
    assert_false(tn_partition_attaching(c));
    struct mle_leader_data other = ld(c->leader.partition_id + 1, 64);
    struct mle_connectivity conn = {.active_routers = 1};
    assert_true(tn_partition_parent_ok(c, &other, &conn)); /* MTD: any parent */
    assert_int_equal(tn_partition_cand_cmp(c, &other, &conn, &c->leader, &conn), 0);
}

/* ---- on the medium ------------------------------------------------------------------ */

/* node_net makes only node 1 router-eligible. */
static void eligible(struct tnode *n)
{
    n->cfg.router_eligible = n->rcfg.router_eligible = true;
}

/* Four nodes, all router-eligible, node 1 leading the others (children). */
static struct node_net *formed_eligible(void)
{
    cur = node_net_new(4);
    for (int i = 1; i < 4; i++)
        eligible(cur->node[i]);
    node_net_form(cur);
    return cur;
}

static void deny(struct tnode *n, const struct tnode *peer)
{
    uint8_t ext[8];
    struct mac_filter *f = tnode_mac_filter(n);

    tnode_ext_addr(peer, ext);
    assert_int_equal(mac_filter_add_addr(f, ext), OT_ERR_NONE);
    mac_filter_set_mode(f, MAC_FILTER_DENYLIST);
}

static void lift(struct tnode *n)
{
    mac_filter_clear_addrs(tnode_mac_filter(n));
    mac_filter_set_mode(tnode_mac_filter(n), MAC_FILTER_DISABLED);
}

static uint32_t partition_of(const struct tnode *n)
{
    struct tnode_leader_data d;

    if (tnode_leader_data(n, &d) != OT_ERR_NONE)
        return 0;
    return d.partition_id;
}

static void start_with(struct node_net *nn, int i, const uint8_t *ds, size_t len)
{
    struct tnode *n = nn->node[i];

    assert_int_equal(tnode_dataset_set_active(n, ds, len, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(n, true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(n, nn->now), OT_ERR_NONE);
}

/* Node 0 forms a network (leader after 5 s): its Active Dataset. */
static const uint8_t *form_first(struct node_net *nn, size_t *len)
{
    struct tnode *n = nn->node[0];

    assert_int_equal(tnode_dataset_init_new(n), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(n, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(n, true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(n, nn->now), OT_ERR_NONE);
    node_net_run(nn, 5000);
    const uint8_t *ds = tnode_active_dataset(n, len);
    assert_non_null(ds);
    return ds;
}

/* Runs until every running node is in partition pid (0: the one leader's)
 * with exactly one leader, at most max_ms; returns the virtual time it took. */
static uint64_t until_one_partition(struct node_net *nn, uint32_t pid, uint64_t max_ms)
{
    uint64_t t0 = nn->now;

    for (;;) {
        int leaders = 0, in = 0, running = 0;
        uint32_t want = pid;
        for (int i = 0; i < nn->n && !want; i++)
            if (tnode_role(nn->node[i]) == TNODE_LEADER)
                want = partition_of(nn->node[i]);
        for (int i = 0; i < nn->n; i++) {
            enum tnode_role r = tnode_role(nn->node[i]);
            if (r == TNODE_DISABLED)
                continue;
            running++;
            leaders += r == TNODE_LEADER;
            in += (r == TNODE_LEADER || r == TNODE_ROUTER || r == TNODE_CHILD) &&
                  partition_of(nn->node[i]) == want;
        }
        if (leaders == 1 && in == running)
            return nn->now - t0;
        if (nn->now - t0 >= max_ms)
            fail_msg("no single partition 0x%08x after %llu ms (%d leaders, %d of %d in it)", pid,
                     (unsigned long long)max_ms, leaders, in, running);
        node_net_run(nn, 100);
    }
}

/*
 * Two partitions: node 1 leads A (child node 3), node 2 leads B (child node
 * 4, which cannot hear node 1), the leaders deny each other. Lifting the
 * filters merges them into the better partition: the worse leader and its
 * FTD child attach to the better one.
 */
static void merge(uint32_t pid_a, uint8_t weight_a, uint32_t pid_b, uint8_t weight_b, uint32_t want)
{
    cur = node_net_new(4);
    struct node_net *nn = cur;
    struct tnode **n = nn->node;
    eligible(n[1]);
    n[0]->rcfg.has_preferred_partition = n[1]->rcfg.has_preferred_partition = true;
    n[0]->rcfg.preferred_partition = pid_a;
    n[0]->rcfg.leader_weight = weight_a;
    n[1]->rcfg.preferred_partition = pid_b;
    n[1]->rcfg.leader_weight = weight_b;
    deny(n[0], n[1]);
    deny(n[0], n[3]);
    deny(n[1], n[0]);
    deny(n[1], n[2]);
    deny(n[2], n[1]);
    deny(n[3], n[0]);

    assert_int_equal(tnode_dataset_init_new(n[0]), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(n[0], nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(n[0], true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(n[0], nn->now), OT_ERR_NONE);
    node_net_run(nn, 5000);
    assert_int_equal(tnode_role(n[0]), TNODE_LEADER);
    size_t len = 0;
    const uint8_t *ds = tnode_active_dataset(n[0], &len);
    assert_non_null(ds);
    start_with(nn, 1, ds, len);
    node_net_run(nn, 5000);
    start_with(nn, 2, ds, len);
    start_with(nn, 3, ds, len);
    node_net_run(nn, 10000);
    assert_int_equal(tnode_role(n[0]), TNODE_LEADER);
    assert_int_equal(tnode_role(n[1]), TNODE_LEADER);
    assert_int_equal(partition_of(n[0]), pid_a);
    assert_int_equal(partition_of(n[1]), pid_b);
    assert_int_equal(tnode_role(n[2]), TNODE_CHILD);
    assert_int_equal(partition_of(n[2]), pid_a);
    assert_int_equal(tnode_role(n[3]), TNODE_CHILD);
    assert_int_equal(partition_of(n[3]), pid_b);

    for (int i = 0; i < 4; i++)
        lift(n[i]);
    /* The worse leader joins at its first Advertisement from the better
     * partition (trickle: Imax 32 s) plus Parent Requests 0.75 + 1.25 s and
     * a Child ID exchange. */
    int loser = want == pid_a ? 1 : 0;
    uint64_t t0 = nn->now;
    while (partition_of(n[loser]) != want) {
        if (nn->now - t0 > 60000)
            fail_msg("node %d still in 0x%08x", loser + 1, partition_of(n[loser]));
        node_net_run(nn, 100);
    }
    uint64_t joined = nn->now - t0;
    enum tnode_role lr = tnode_role(n[loser]);
    assert_true(lr == TNODE_CHILD || lr == TNODE_ROUTER); /* a REED may upgrade */
    assert_true(joined <= 40000);
    /* Its former child follows: attaching to the better partition when its
     * Advertisement wins for it (weight), else at its unanswered keep-alive
     * (240 s child timeout). */
    uint64_t ms = joined + until_one_partition(nn, want, 300000);
    print_message("merge into 0x%08x (weights %u/%u): the other leader joined after %llu ms, all "
                  "nodes after %llu ms\n",
                  want, weight_a, weight_b, (unsigned long long)joined, (unsigned long long)ms);
    assert_int_equal(n[loser]->part.merges, 1);
    assert_true(n[loser]->part.better_attaches >= 1);
    assert_int_equal(n[1 - loser]->part.better_attaches, 0);
    /* The winner keeps leading: its partition never changed. */
    assert_int_equal(n[1 - loser]->part.merges, 0);
    assert_int_equal(tnode_role(n[1 - loser]), TNODE_LEADER);
    /* The loser gave up the Leader ALOC. */
    struct tnode_addr ad[32];
    size_t k = tnode_addrs(n[loser], ad, 32);
    for (size_t j = 0; j < k && j < 32; j++)
        assert_false(ad[j].addr[14] == 0xfc && ad[j].addr[15] == 0x00 && ad[j].addr[11] == 0xff);
    assert_true(ms <= 250000);
    /* Stable: still one partition a while later. */
    node_net_run(nn, 60000);
    assert_int_equal(until_one_partition(nn, want, 0), 0);
}

static void test_merge_higher_id_wins(void **state)
{
    (void)state;
    merge(0x11110000, 64, 0x22220000, 64, 0x22220000);
}

static void test_merge_higher_id_wins_other_way(void **state)
{
    (void)state;
    merge(0x33330000, 64, 0x22220000, 64, 0x33330000);
}

static void test_merge_weight_beats_id(void **state)
{
    (void)state;
    merge(0x11110000, 72, 0x77770000, 64, 0x11110000);
}

/*
 * Not being a singleton beats a higher partition ID: partition A (node 1
 * leads, node 2 is a router: two routers) and partition B (node 3 leads
 * alone, child node 4, a higher ID). Lifting the filters, B's leader joins A.
 */
static void test_merge_routers_beat_singleton(void **state)
{
    (void)state;
    cur = node_net_new(4);
    struct node_net *nn = cur;
    struct tnode **n = nn->node;
    eligible(n[1]);
    eligible(n[2]);
    n[1]->rcfg.jitter_s = 1;
    n[0]->rcfg.has_preferred_partition = n[2]->rcfg.has_preferred_partition = true;
    n[0]->rcfg.preferred_partition = 0x1000;
    n[2]->rcfg.preferred_partition = 0xffff0000u;
    for (int a = 0; a < 2; a++)
        for (int b = 2; b < 4; b++) {
            deny(n[a], n[b]);
            deny(n[b], n[a]);
        }
    size_t len = 0;
    const uint8_t *ds = form_first(nn, &len);
    start_with(nn, 1, ds, len);
    start_with(nn, 2, ds, len);
    node_net_run(nn, 5000);
    start_with(nn, 3, ds, len);
    for (int t = 0; t < 300 && tnode_role(n[1]) != TNODE_ROUTER; t++)
        node_net_run(nn, 100);
    assert_int_equal(tnode_role(n[1]), TNODE_ROUTER);
    assert_int_equal(tnode_role(n[2]), TNODE_LEADER);
    assert_int_equal(partition_of(n[2]), 0xffff0000u);
    assert_false(tn_partition_singleton(n[0]));
    assert_true(tn_partition_singleton(n[2]));

    for (int i = 0; i < 4; i++)
        lift(n[i]);
    uint64_t t0 = nn->now;
    while (partition_of(n[2]) != 0x1000) {
        if (nn->now - t0 > 60000)
            fail_msg("node 3 still in 0x%08x", partition_of(n[2]));
        node_net_run(nn, 100);
    }
    uint64_t joined = nn->now - t0;
    uint64_t all = joined + until_one_partition(nn, 0x1000, 300000);
    print_message("two routers beat a singleton with a higher ID: its leader joined after %llu "
                  "ms, all nodes after %llu ms\n",
                  (unsigned long long)joined, (unsigned long long)all);
    assert_int_equal(tnode_role(n[0]), TNODE_LEADER);
    assert_int_equal(n[0]->part.better_attaches, 0);
    assert_true(n[2]->part.better_attaches >= 1);
}

/* Hostile Advertisements: what does not parse is counted and changes
 * nothing. */
static void test_adv_garbage(void **state)
{
    (void)state;
    cur = node_net_new(1);
    struct tnode *n = cur->node[0];
    node_net_form(cur);
    uint8_t buf[64];
    uint32_t parse = n->cnt.mle_drop_parse;
    uint8_t src[16] = {0xfe, 0x80, [8] = 0x02, [15] = 0x01};
    for (unsigned len = 0; len < sizeof(buf); len++) {
        for (unsigned i = 0; i < len; i++)
            buf[i] = (uint8_t)(i * 37 + len);
        buf[0] = MLE_CMD_ADVERTISEMENT;
        tn_partition_adv_msg(n, buf, len, src);
    }
    /* A Leader Data TLV cut short. */
    static const uint8_t cut[] = {MLE_CMD_ADVERTISEMENT, 0x00, 0x02, 0x04, 0x00, 0x0b, 0x08, 0x00};
    assert_true(tn_partition_adv_msg(n, cut, sizeof(cut), src));
    assert_true(n->cnt.mle_drop_parse > parse);
    assert_false(tn_partition_attaching(n));
    assert_int_equal(tnode_role(n), TNODE_LEADER);
}

/*
 * The leader is killed (its thread stops, it falls silent): its FTD children
 * lose their parent at the next keep-alive, look for any partition, and one
 * of them forms a new one that the other joins (directly, or by merging).
 */
static void test_leader_loss(void **state)
{
    (void)state;
    struct node_net *nn = formed_eligible();
    uint32_t old = partition_of(nn->node[0]);
    for (int i = 1; i < 4; i++)
        assert_int_equal(partition_of(nn->node[i]), old);
    node_net_run(nn, 30000);

    assert_int_equal(tnode_thread_stop(nn->node[0], nn->now), OT_ERR_NONE);
    uint64_t t0 = nn->now;
    int leader = -1;
    while (leader < 0) {
        for (int i = 1; i < 4; i++)
            if (tnode_role(nn->node[i]) == TNODE_LEADER)
                leader = i;
        if (nn->now - t0 > 400000)
            fail_msg("no new leader 400 s after the leader stopped");
        if (leader < 0)
            node_net_run(nn, 100);
    }
    uint64_t elected = nn->now - t0;
    uint64_t settled = until_one_partition(nn, 0, 300000);
    for (int i = 1; i < 4; i++)
        if (tnode_role(nn->node[i]) == TNODE_LEADER)
            leader = i;
    uint32_t pid = partition_of(nn->node[leader]);
    assert_int_not_equal(pid, old);
    print_message("leader loss: first new leader after %llu ms; one partition (0x%08x, node %d "
                  "leads) after %llu ms\n",
                  (unsigned long long)elected, pid, leader + 1,
                  (unsigned long long)(elected + settled));
    /* Children notice at their keep-alive: within the 240 s child timeout
     * (plus the 4 x 1 s retries and one attach cycle). */
    assert_true(elected <= 240000 + 4 * 1100 + 3000);
    assert_int_equal(nn->node[leader]->part.partitions_formed, 1);
    assert_true(settled <= 60000);
    for (int i = 1; i < 4; i++)
        if (i != leader)
            assert_int_equal(tnode_role(nn->node[i]), TNODE_CHILD);
}

/*
 * A mesh of routers: node 1 leads, nodes 2 and 3 become routers (selection
 * jitter 1 s), node 4 stays a child. The leader stops: the routers see the
 * leader age reach the network ID timeout (120 s), try the same partition
 * (nobody has a newer ID sequence), then any; one forms a new partition
 * keeping its router ID, the others join it.
 */
static void test_leader_loss_routers(void **state)
{
    (void)state;
    cur = node_net_new(4);
    struct node_net *nn = cur;
    for (int i = 1; i < 3; i++) {
        eligible(nn->node[i]);
        nn->node[i]->rcfg.jitter_s = 1;
    }
    node_net_form(nn);
    for (int t = 0; t < 300 && (tnode_role(nn->node[1]) != TNODE_ROUTER ||
                                tnode_role(nn->node[2]) != TNODE_ROUTER);
         t++)
        node_net_run(nn, 100);
    assert_int_equal(tnode_role(nn->node[1]), TNODE_ROUTER);
    assert_int_equal(tnode_role(nn->node[2]), TNODE_ROUTER);
    uint8_t rid[4] = {0};
    for (int i = 1; i < 3; i++)
        rid[i] = (uint8_t)(tnode_rloc16(nn->node[i]) >> 10);
    uint32_t old = partition_of(nn->node[0]);
    node_net_run(nn, 20000);

    assert_int_equal(tnode_thread_stop(nn->node[0], nn->now), OT_ERR_NONE);
    uint64_t ms = until_one_partition(nn, 0, 400000);
    int leader = -1;
    for (int i = 1; i < 4; i++)
        if (tnode_role(nn->node[i]) == TNODE_LEADER)
            leader = i;
    assert_true(leader == 1 || leader == 2);
    print_message("leader loss with routers: one new partition (node %d leads) after %llu ms\n",
                  leader + 1, (unsigned long long)ms);
    assert_int_not_equal(partition_of(nn->node[leader]), old);
    /* Leader age 120 s (from the last ID sequence heard, bumped every 10 s)
     * + a same-partition attempt + an any-partition attempt. */
    assert_true(ms >= 100000 && ms <= 200000);
    assert_true(nn->node[leader]->part.leader_losses >= 1);
    /* BecomeLeader kept the router ID it had. */
    assert_int_equal(tnode_rloc16(nn->node[leader]), (uint16_t)(rid[leader] << 10));
    struct tnode_leader_data d;
    assert_int_equal(tnode_leader_data(nn->node[leader], &d), OT_ERR_NONE);
    assert_int_equal(d.weighting, 64);
    assert_int_equal(d.leader_router_id, rid[leader]);
}

/* A leader that merged into another partition and then lost that leader
 * forms a partition again with the router ID it had (SelectLeaderId). */
static void test_previous_router_id(void **state)
{
    (void)state;
    merge(0x11110000, 64, 0x22220000, 64, 0x22220000);
    struct node_net *nn = cur;
    /* Its router ID: the one it led with, or the one it got as a router of
     * the new partition. */
    uint8_t had = tnode_role(nn->node[0]) == TNODE_ROUTER
                      ? (uint8_t)(tnode_rloc16(nn->node[0]) >> 10)
                      : nn->node[0]->prev_router_id;
    assert_true(had <= MLE_MAX_ROUTER_ID);
    /* Only node 1 may form: the others are not router-eligible. */
    nn->node[2]->rcfg.router_eligible = nn->node[3]->rcfg.router_eligible = false;
    nn->node[2]->cfg.router_eligible = nn->node[3]->cfg.router_eligible = false;
    assert_int_equal(tnode_thread_stop(nn->node[1], nn->now), OT_ERR_NONE);
    for (int t = 0; t < 4000 && tnode_role(nn->node[0]) != TNODE_LEADER; t++)
        node_net_run(nn, 100);
    assert_int_equal(tnode_role(nn->node[0]), TNODE_LEADER);
    assert_int_equal(tnode_rloc16(nn->node[0]), (uint16_t)(had << 10));
}

/* ---- a border router that is not the leader -------------------------------------- */

/* What tbr-agent's publisher does: the NAT64 route and OMR prefix of node
 * i, with its current RLOC16, pushed whenever that RLOC16 changed. */
static uint16_t br_rloc = 0xfffe;

static void br_publish(struct node_net *nn, int i)
{
    struct tnode *n = nn->node[i];
    uint16_t rloc = tnode_rloc16(n);
    enum tnode_role r = tnode_role(n);

    if (rloc == br_rloc || (r != TNODE_CHILD && r != TNODE_ROUTER && r != TNODE_LEADER))
        return;
    struct netdata_local loc;
    netdata_local_init(&loc);
    struct netdata_prefix_cfg p = {0};
    assert_true(addr_parse_prefix6("fd11:22::/64", &p.prefix));
    p.rloc16 = rloc;
    p.preferred = p.slaac = p.on_mesh = p.stable = true;
    assert_int_equal(netdata_local_add_prefix(&loc, &p), NETDATA_OK);
    struct netdata_route_cfg rt = {0};
    assert_true(addr_parse_prefix6("64:ff9b::/96", &rt.prefix));
    rt.rloc16 = rloc;
    rt.nat64 = rt.stable = true;
    assert_int_equal(netdata_local_add_route(&loc, &rt), NETDATA_OK);
    assert_int_equal(tnode_set_local_netdata(n, loc.tlvs, loc.len, nn->now), OT_ERR_NONE);
    br_rloc = rloc;
}

/* Every running node has the BR's NAT64 prefix (with its current RLOC16) in
 * the Network Data it holds. */
static bool all_have_nat64(struct node_net *nn, int br)
{
    for (int i = 0; i < nn->n; i++) {
        if (tnode_role(nn->node[i]) == TNODE_DISABLED)
            continue;
        struct addr_prefix6 p;
        if (!tnode_nat64_prefix(nn->node[i], &p) || p.len != 96)
            return false;
        size_t len = 0;
        const uint8_t *nd = tnode_netdata(nn->node[i], &len);
        struct netdata_iter it = NETDATA_ITER_INIT;
        struct netdata_route_cfg rc;
        if (!nd || !netdata_next_route(nd, len, tnode_rloc16(nn->node[br]), &it, &rc))
            return false;
    }
    return true;
}

/* Runs (publishing for br as its RLOC16 changes) until every node has the
 * NAT64 prefix; returns the time taken. */
static uint64_t until_nat64(struct node_net *nn, int br, uint64_t max_ms)
{
    uint64_t t0 = nn->now;

    for (;;) {
        br_publish(nn, br);
        if (all_have_nat64(nn, br))
            return nn->now - t0;
        if (nn->now - t0 >= max_ms) {
            for (int i = 0; i < nn->n; i++) {
                struct addr_prefix6 p;
                print_message("node %d role %d rloc 0x%04x partition 0x%08x nat64 %d sd_sent %u "
                              "tmf_rx %u parse %u notleader %u txerr %u nolocal %u\n",
                              i + 1, (int)tnode_role(nn->node[i]), tnode_rloc16(nn->node[i]),
                              partition_of(nn->node[i]), tnode_nat64_prefix(nn->node[i], &p),
                              nn->node[i]->part.sd_sent, nn->node[i]->cnt.tmf_rx,
                              nn->node[i]->cnt.tmf_drop_parse, nn->node[i]->cnt.tmf_drop_not_leader,
                              nn->node[i]->cnt.tmf_tx_errors, (unsigned)nn->node[i]->local_nd_len);
            }
            fail_msg("NAT64 not everywhere after %llu ms", (unsigned long long)max_ms);
        }
        node_net_run(nn, 100);
    }
}

/*
 * Node 2, a child, is a border router: its entries reach the leader by
 * a/sd and everyone's Network Data. The leader is killed; a new partition
 * forms (whoever leads it) and the BR's entries are in its Network Data
 * too: node 3 and node 4 regain the NAT64 prefix.
 */
static void test_br_child_keeps_nat64(void **state)
{
    (void)state;
    struct node_net *nn = formed_eligible();
    br_rloc = 0xfffe;
    uint64_t ms = until_nat64(nn, 1, 10000);
    print_message("BR child's NAT64 route in everyone's Network Data after %llu ms\n",
                  (unsigned long long)ms);
    assert_true(nn->node[1]->part.sd_sent >= 1);
    /* Nothing more to send while the leader holds it. */
    uint32_t sent = nn->node[1]->part.sd_sent;
    node_net_run(nn, 60000);
    assert_int_equal(nn->node[1]->part.sd_sent, sent);

    assert_int_equal(tnode_thread_stop(nn->node[0], nn->now), OT_ERR_NONE);
    uint64_t t0 = nn->now;
    until_one_partition(nn, 0, 400000);
    ms = until_nat64(nn, 1, 200000);
    print_message("leader loss: NAT64 back everywhere %llu ms after the leader stopped\n",
                  (unsigned long long)(nn->now - t0));
    (void)ms;
    /* Withdrawn: an empty local set removes the entries (as a child or as
     * the leader). */
    assert_int_equal(tnode_set_local_netdata(nn->node[1], NULL, 0, nn->now), OT_ERR_NONE);
    node_net_run(nn, 5000);
    for (int i = 1; i < 4; i++) {
        struct addr_prefix6 p;
        assert_false(tnode_nat64_prefix(nn->node[i], &p));
    }
}

/* ---- a merging router keeps its children --------------------------------------- */

struct ping_log {
    bool done;
    unsigned received;
};

static void ping_cb(void *ctx, const struct tnode_ping_event *ev)
{
    struct ping_log *p = ctx;
    if (ev->type != TNODE_PING_REPLY) {
        p->done = true;
        p->received = ev->received;
    }
}

/* One echo from node i to dst, a second try when the first waited for an
 * address query: true when answered. */
static bool ping_ok(struct node_net *nn, int i, const uint8_t dst[16])
{
    for (int k = 0; k < 2; k++) {
        struct ping_log log = {0};
        assert_int_equal(
            tnode_ping(nn->node[i], dst, 16, 1, 1000, 64, 3000, ping_cb, &log, nn->now),
            OT_ERR_NONE);
        node_net_run(nn, 5000);
        assert_true(log.done);
        if (log.received == 1)
            return true;
    }
    return false;
}

/*
 * Node 1 leads the better partition A (child node 3), node 2 the worse
 * partition B with an MTD child node 4 that only ever hears node 2. After
 * the filters between the leaders are lifted node 2 attaches to A and,
 * having a child, asks for its router ID back at once (a/as reason
 * parent-partition-change, mle_ftd.cpp HandleChildStart): node 4 stays its
 * child (same RLOC16 when the ID came back) and is in A within seconds,
 * not at its keep-alive; pings cross the merged mesh.
 */
static void test_merge_router_keeps_child(void **state)
{
    (void)state;
    cur = node_net_new(4);
    struct node_net *nn = cur;
    struct tnode **n = nn->node;
    eligible(n[1]);
    n[0]->rcfg.has_preferred_partition = n[1]->rcfg.has_preferred_partition = true;
    n[0]->rcfg.preferred_partition = 0x11110000;
    n[0]->rcfg.leader_weight = 72;
    n[1]->rcfg.preferred_partition = 0x22220000;
    n[1]->rcfg.leader_weight = 64;
    deny(n[0], n[1]);
    deny(n[0], n[3]);
    deny(n[1], n[0]);
    deny(n[1], n[2]);
    deny(n[2], n[1]);
    deny(n[2], n[3]);
    deny(n[3], n[0]);
    deny(n[3], n[2]);
    assert_int_equal(tnode_set_mode(n[3], TNODE_MODE_RX_ON, nn->now), OT_ERR_NONE);

    size_t len = 0;
    const uint8_t *ds = form_first(nn, &len);
    start_with(nn, 1, ds, len);
    node_net_run(nn, 5000);
    start_with(nn, 2, ds, len);
    start_with(nn, 3, ds, len);
    node_net_run(nn, 10000);
    assert_int_equal(tnode_role(n[1]), TNODE_LEADER);
    assert_int_equal(partition_of(n[1]), 0x22220000);
    assert_int_equal(tnode_role(n[3]), TNODE_CHILD);
    assert_int_equal(tnode_mode(n[3]) & TNODE_MODE_FTD, 0);
    assert_int_equal(partition_of(n[3]), 0x22220000);
    uint16_t child_rloc = tnode_rloc16(n[3]);
    uint16_t router_rloc = tnode_rloc16(n[1]);
    assert_int_equal(child_rloc >> 10, router_rloc >> 10);

    /* Only the leaders' filters go: node 4 keeps hearing node 2 alone. */
    lift(n[0]);
    lift(n[1]);
    deny(n[0], n[3]);
    deny(n[1], n[2]);
    uint64_t t0 = nn->now;
    while (partition_of(n[1]) != 0x11110000) {
        if (nn->now - t0 > 60000)
            fail_msg("node 2 still in 0x%08x", partition_of(n[1]));
        node_net_run(nn, 100);
    }
    uint64_t joined = nn->now;
    while (partition_of(n[3]) != 0x11110000 || tnode_role(n[1]) != TNODE_ROUTER) {
        if (nn->now - joined > 10000)
            fail_msg("child in 0x%08x, its parent %s, 10 s after the merge", partition_of(n[3]),
                     tnode_role_name(tnode_role(n[1])));
        node_net_run(nn, 100);
    }
    print_message("merging router: joined after %llu ms, router again and its child in the new "
                  "partition %llu ms later\n",
                  (unsigned long long)(joined - t0), (unsigned long long)(nn->now - joined));
    assert_int_equal(tnode_role(n[3]), TNODE_CHILD);
    assert_int_equal(n[3]->parent.rloc16, tnode_rloc16(n[1]));
    if (tnode_rloc16(n[1]) == router_rloc)
        assert_int_equal(tnode_rloc16(n[3]), child_rloc); /* kept, no re-attach */
    assert_int_equal(n[3]->leader.partition_id, 0x11110000);
    assert_int_equal(n[3]->leader.leader_router_id, n[0]->router_id);

    uint8_t a[16], c[16];
    node_net_addr(nn, 3, TNODE_ADDR_MLEID, a);
    node_net_addr(nn, 2, TNODE_ADDR_MLEID, c);
    assert_true(ping_ok(nn, 3, c)); /* child of B -> router 2 -> leader 1 -> child 3 */
    assert_true(ping_ok(nn, 2, a));
    assert_int_equal(until_one_partition(nn, 0x11110000, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_route_singleton),
        cmocka_unit_test_teardown(test_advertisement_decisions, teardown),
        cmocka_unit_test_teardown(test_become_leader_choices, teardown),
        cmocka_unit_test_teardown(test_mtd_ignores, teardown),
        cmocka_unit_test_teardown(test_merge_higher_id_wins, teardown),
        cmocka_unit_test_teardown(test_merge_higher_id_wins_other_way, teardown),
        cmocka_unit_test_teardown(test_merge_weight_beats_id, teardown),
        cmocka_unit_test_teardown(test_merge_routers_beat_singleton, teardown),
        cmocka_unit_test_teardown(test_adv_garbage, teardown),
        cmocka_unit_test_teardown(test_leader_loss, teardown),
        cmocka_unit_test_teardown(test_leader_loss_routers, teardown),
        cmocka_unit_test_teardown(test_previous_router_id, teardown),
        cmocka_unit_test_teardown(test_br_child_keeps_nat64, teardown),
        cmocka_unit_test_teardown(test_merge_router_keeps_child, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
