/*
 * The router role in-process (issue 13): tbr nodes on the simulated medium
 * become routers of a tbr leader (a/as, the former parent's link, Link
 * Request / Link Accept between the new routers), their router tables
 * agree; a router downgrades above the downgrade threshold; hostile MLE
 * and TMF input is dropped with a named counter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "coap/coap.h"
#include "ip6/ip6.h"
#include "lowpan/lowpan.h"
#include "mac/mac_filter.h"
#include "mac/mac_frame.h"
#include "netdata/netdata.h"
#include "util/addr.h"
#include "support/medium.h"
#include "support/node_net.h"
#include "thread/dataset.h"
#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"
#include "thread/node.h"
#include "thread/router_table.h"
#include "thread/tmf.h"

/* node_net_form, then nodes 1.. may become routers within a second. */
static struct node_net *routers_net(int n)
{
    struct node_net *nn = node_net_new(n);
    node_net_form(nn);
    for (int i = 1; i < n; i++) {
        tnode_set_router_selection_jitter(nn->node[i], 1);
        assert_int_equal(tnode_set_router_eligible(nn->node[i], true, nn->now), OT_ERR_NONE);
    }
    for (int t = 0; t < 120; t++) {
        bool all = true;
        for (int i = 1; i < n; i++)
            all = all && tnode_role(nn->node[i]) == TNODE_ROUTER;
        if (all)
            break;
        node_net_run(nn, 1000);
    }
    for (int i = 1; i < n; i++)
        assert_int_equal(tnode_role(nn->node[i]), TNODE_ROUTER);
    return nn;
}

static uint8_t rid(const struct node_net *nn, int i)
{
    return (uint8_t)(tnode_rloc16(nn->node[i]) >> 10);
}

/* Every node's table holds the same IDs (the nodes' own) with a valid
 * link to every other node. */
static bool tables_agree(const struct node_net *nn)
{
    for (int i = 0; i < nn->n; i++) {
        const struct router_table *t = tnode_router_table(nn->node[i]);
        if (router_table_active(t) != (unsigned)nn->n)
            return false;
        for (int j = 0; j < nn->n; j++) {
            const struct router_table_entry *e = router_table_cget(t, rid(nn, j));
            if (!e)
                return false;
            if (j != i && e->link != ROUTER_TABLE_LINK_VALID)
                return false;
        }
    }
    return true;
}

static void test_tbr_routers_agree(void **state)
{
    (void)state;
    struct node_net *nn = routers_net(4);
    for (int t = 0; t < 60 && !tables_agree(nn); t++)
        node_net_run(nn, 1000);
    assert_true(tables_agree(nn));
    /* Same ID sequence everywhere once settled; the leader lost its children. */
    node_net_run(nn, 40000);
    assert_true(tables_agree(nn));
    uint8_t seq = tnode_router_table(nn->node[0])->id_seq;
    for (int i = 1; i < nn->n; i++) {
        assert_true(router_table_seq_greater(seq, tnode_router_table(nn->node[i])->id_seq) ||
                    seq == tnode_router_table(nn->node[i])->id_seq);
        assert_int_equal(tnode_counters(nn->node[i])->router_upgrades, 1);
    }
    struct tnode_child_info ci[4];
    assert_int_equal(tnode_children(nn->node[0], nn->now, ci, 4), 0);
    assert_int_equal(tnode_counters(nn->node[0])->addr_solicits_granted, 3);
    /* Next hops are direct: every link is LQ 3 on this medium. */
    for (int j = 1; j < nn->n; j++) {
        struct router_table_hop h =
            router_table_next_hop(tnode_router_table(nn->node[0]), tnode_rloc16(nn->node[j]), -1);
        assert_int_equal(h.next_hop, tnode_rloc16(nn->node[j]));
        assert_int_equal(h.cost, 1);
    }
    /* Link-local traffic over router links is MAC-secured both ways. */
    uint32_t mic0 = tnode_counters(nn->node[1])->rx_drop_unsecured;
    node_net_run(nn, 30000);
    assert_int_equal(tnode_counters(nn->node[1])->rx_drop_unsecured, mic0);
    node_net_free(nn);
}

/* Above the downgrade threshold a router with 7 good neighbours, no
 * children and a neighbour as well connected gives its ID back (a/ar) and
 * is a child again; the leader releases the ID. 9 nodes in full view. */
static void test_downgrade(void **state)
{
    (void)state;
    struct node_net *nn = routers_net(9);
    for (int t = 0; t < 90 && !tables_agree(nn); t++)
        node_net_run(nn, 1000);
    assert_true(tables_agree(nn));
    for (int i = 1; i < nn->n; i++) {
        tnode_set_router_downgrade_threshold(nn->node[i], 6);
        tnode_set_router_upgrade_threshold(nn->node[i], 1); /* no upgrade back */
    }
    node_net_run(nn, 120000);
    unsigned down = 0, children = 0;
    for (int i = 1; i < nn->n; i++) {
        down += tnode_counters(nn->node[i])->router_downgrades;
        enum tnode_role r = tnode_role(nn->node[i]);
        assert_true(r == TNODE_CHILD || r == TNODE_ROUTER);
        children += r == TNODE_CHILD;
    }
    assert_true(down >= 1);
    assert_int_equal(children, down);
    /* The IDs go back: a/ar through the new parent (HandleChildStart), or
     * the leader's 90 s without a route to them. */
    node_net_run(nn, 150000);
    const struct router_table *lt = tnode_router_table(nn->node[0]);
    assert_int_equal(router_table_active(lt), 9 - down);
    assert_int_equal(tnode_counters(nn->node[0])->addr_releases + lt->cnt.ids_released_no_route,
                     down);
    node_net_free(nn);
}

/* ---- hostile input ---------------------------------------------------------- */

/* An MLE message plain[] to node `to` from a stranger with extended
 * address ext, MLE-secured with the network's key as a neighbour would. */
static void inject_mle(struct node_net *nn, int to, const uint8_t ext[8], const uint8_t *plain,
                       size_t plen, uint32_t fc)
{
    size_t dlen = 0;
    const uint8_t *ds = tnode_active_dataset(nn->node[0], &dlen);
    struct dataset_info di;
    assert_int_equal(dataset_parse(ds, dlen, &di), DATASET_OK);
    uint8_t key[MLE_KEY_LEN], src[16] = {0xfe, 0x80}, dst[16] = {0xff, 0x02, [15] = 1};
    assert_int_equal(mle_key_derive(di.network_key, 0, key), MLE_OK);
    memcpy(src + 8, ext, 8);
    src[8] ^= 0x02;
    struct mle_aux aux = {
        .sec_ctl = MLE_SEC_CTL, .frame_counter = fc, .key_seq = 0, .key_index = mle_key_index(0)};
    uint8_t udp[200], pkt[300], lp[127], frame[127];
    size_t ulen, len, lplen, flen;
    assert_int_equal(mle_protect(key, src, dst, &aux, plain, plen, udp, sizeof(udp), &ulen),
                     MLE_OK);
    static struct ip6 scratch;
    assert_int_equal(ip6_build_udp(&scratch, src, dst, MLE_UDP_PORT, MLE_UDP_PORT, udp, ulen,
                                   MLE_HOP_LIMIT, pkt, sizeof(pkt), &len),
                     IP6_OK);
    struct lowpan_ctx_table ctx;
    lowpan_ctx_init(&ctx);
    struct lowpan_lladdr ls = {.mode = LOWPAN_LL_EXT}, ld = {.mode = LOWPAN_LL_SHORT};
    memcpy(ls.ext, ext, 8);
    ld.short_addr = 0xffff;
    assert_int_equal(lowpan_compress(&ctx, &ls, &ld, pkt, len, lp, sizeof(lp), &lplen), LOWPAN_OK);
    struct mac_frame hdr = {0};
    hdr.type = MAC_FRAME_DATA;
    hdr.version = MAC_VERSION_2006;
    hdr.pan_id_compression = true;
    hdr.dst_pan = hdr.src_pan = di.panid;
    hdr.dst.mode = MAC_ADDR_SHORT;
    hdr.dst.short_addr = 0xffff;
    hdr.src.mode = MAC_ADDR_EXT;
    memcpy(hdr.src.ext, ext, 8);
    assert_int_equal(mac_frame_build(&hdr, lp, lplen, frame, sizeof(frame), &flen), MAC_OK);
    struct radio_rx_frame rx = {.psdu = frame,
                                .len = flen,
                                .channel = nn->air.st[to].channel,
                                .rssi = -20,
                                .timestamp_ms = nn->now};
    tnode_radio_rx(nn->node[to], &rx);
}

static void leader_data(struct node_net *nn, int i, struct mle_leader_data *ld)
{
    struct tnode_leader_data d;
    assert_int_equal(tnode_leader_data(nn->node[i], &d), OT_ERR_NONE);
    ld->partition_id = d.partition_id;
    ld->weighting = d.weighting;
    ld->data_version = d.data_version;
    ld->stable_data_version = d.stable_data_version;
    ld->leader_router_id = d.leader_router_id;
}

/* A CoAP request to node `to`'s TMF port from node `from` (link-local,
 * MAC-secured by the stack as any UDP of ours). */
static void send_tmf(struct node_net *nn, int from, int to, enum tmf_uri uri, const uint8_t *pl,
                     size_t plen)
{
    uint8_t msg[128], dst[16], tok[2] = {1, 2};
    size_t mlen;
    assert_int_equal(tmf_build_request(COAP_TYPE_CON, 0x4242, tok, 2, uri, pl, plen, msg,
                                       sizeof(msg), &mlen, NULL),
                     TMF_OK);
    node_net_addr(nn, to, TNODE_ADDR_LINK_LOCAL, dst);
    int h;
    assert_int_equal(tnode_udp_open(nn->node[from], NULL, NULL, &h), OT_ERR_NONE);
    assert_int_equal(tnode_udp_bind(nn->node[from], h, NULL, 0), OT_ERR_NONE);
    assert_int_equal(tnode_udp_send(nn->node[from], h, dst, TMF_UDP_PORT, msg, mlen, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 200);
}

static void test_hostile(void **state)
{
    (void)state;
    struct node_net *nn = routers_net(3);
    for (int t = 0; t < 60 && !tables_agree(nn); t++)
        node_net_run(nn, 1000);
    const struct tnode_counters *c = tnode_counters(nn->node[0]);
    static const uint8_t stranger[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
    uint8_t plain[200];
    size_t len;
    struct mle_leader_data ld;
    leader_data(nn, 0, &ld);

    /* Link Request with a Challenge of 2 bytes (4..8 allowed). */
    const uint8_t bad_lr[] = {
        MLE_CMD_LINK_REQUEST, MLE_TLV_VERSION, 2, 0, 4, MLE_TLV_CHALLENGE, 2, 0xaa, 0xbb};
    uint32_t parse0 = c->mle_drop_parse;
    inject_mle(nn, 0, stranger, bad_lr, sizeof(bad_lr), 10);
    assert_int_equal(c->mle_drop_parse, parse0 + 1);

    /* Link Request from an unknown partition. */
    struct mle_link_request lr = {.version = 4, .has_src = true, .has_leader = true};
    lr.src_rloc16 = tnode_rloc16(nn->node[1]);
    lr.leader = ld;
    lr.leader.partition_id ^= 0x5a5a;
    lr.challenge.len = 8;
    memset(lr.challenge.b, 7, 8);
    assert_int_equal(mle_build_link_request(&lr, plain, sizeof(plain), &len), MLE_OK);
    uint32_t part0 = c->mle_drop_partition, lrx0 = c->mle_link_requests_rx;
    inject_mle(nn, 0, stranger, plain, len, 11);
    assert_int_equal(c->mle_drop_partition, part0 + 1);
    assert_int_equal(c->mle_link_requests_rx, lrx0);

    /* Link Request claiming a router ID that is not allocated. */
    lr.leader = ld;
    uint8_t free_id = 0;
    while (router_table_cget(tnode_router_table(nn->node[0]), free_id))
        free_id++;
    lr.src_rloc16 = router_table_rloc16(free_id);
    assert_int_equal(mle_build_link_request(&lr, plain, sizeof(plain), &len), MLE_OK);
    uint32_t unk0 = c->mle_drop_unknown_neighbour;
    inject_mle(nn, 0, stranger, plain, len, 12);
    assert_int_equal(c->mle_drop_unknown_neighbour, unk0 + 1);

    /* Link Accept answering a challenge we never sent. */
    struct mle_link_accept la = {.cmd = MLE_CMD_LINK_ACCEPT, .version = 4, .has_link_margin = true};
    la.src_rloc16 = router_table_rloc16(free_id);
    la.response.len = 8;
    la.has_leader = true;
    la.leader = ld;
    assert_int_equal(mle_build_link_accept(&la, plain, sizeof(plain), &len), MLE_OK);
    unk0 = c->mle_drop_unknown_neighbour;
    inject_mle(nn, 0, stranger, plain, len, 13);
    assert_int_equal(c->mle_drop_unknown_neighbour, unk0 + 1);

    /* An Advertisement carrying the leader's own router ID. */
    struct mle_advertisement adv = {.src_rloc16 = tnode_rloc16(nn->node[0]), .has_route = true};
    adv.leader = ld;
    router_table_fill_route64(tnode_router_table(nn->node[0]), -1, &adv.route);
    assert_int_equal(mle_build_advertisement(&adv, plain, sizeof(plain), &len), MLE_OK);
    uint32_t self0 = c->mle_drop_from_self;
    inject_mle(nn, 0, stranger, plain, len, 14);
    assert_int_equal(c->mle_drop_from_self, self0 + 1);

    /* a/as sent to a router, not the leader. */
    struct tmf_addr_solicit as = {.reason = ROUTER_TABLE_REASON_TOO_FEW_ROUTERS};
    memcpy(as.ext_mac, stranger, 8);
    uint8_t pl[64];
    size_t plen;
    assert_int_equal(tmf_build_addr_solicit(&as, pl, sizeof(pl), &plen), TMF_OK);
    uint32_t nl0 = tnode_counters(nn->node[2])->tmf_drop_not_leader;
    send_tmf(nn, 1, 2, TMF_URI_ADDR_SOLICIT, pl, plen);
    assert_int_equal(tnode_counters(nn->node[2])->tmf_drop_not_leader, nl0 + 1);

    /* a/ar of router 1's ID with a wrong ext address: no release. */
    struct tmf_addr_release ar = {.rloc16 = tnode_rloc16(nn->node[1])};
    memcpy(ar.ext_mac, stranger, 8);
    assert_int_equal(tmf_build_addr_release(&ar, pl, sizeof(pl), &plen), TMF_OK);
    uint32_t ar0 = c->tmf_drop_addr_release;
    send_tmf(nn, 2, 0, TMF_URI_ADDR_RELEASE, pl, plen);
    assert_int_equal(c->tmf_drop_addr_release, ar0 + 1);
    assert_non_null(router_table_cget(tnode_router_table(nn->node[0]), rid(nn, 1)));

    /* Everything still works. */
    node_net_run(nn, 10000);
    assert_true(tables_agree(nn));
    assert_int_equal(tnode_role(nn->node[0]), TNODE_LEADER);
    node_net_free(nn);
}

/* A router is a parent: node 2 cannot hear the leader (MAC filter both
 * ways) and attaches to router 1 (RLOC16 router 1's ID | child ID); the
 * leader's new Network Data reaches it through the router. */
static void test_router_parent(void **state)
{
    (void)state;
    struct node_net *nn = node_net_new(3);
    node_net_form(nn);
    struct tnode *l = nn->node[0], *r = nn->node[1], *c = nn->node[2];
    tnode_set_router_selection_jitter(r, 1);
    assert_int_equal(tnode_set_router_eligible(r, true, nn->now), OT_ERR_NONE);
    for (int t = 0; t < 60 && tnode_role(r) != TNODE_ROUTER; t++)
        node_net_run(nn, 1000);
    assert_int_equal(tnode_role(r), TNODE_ROUTER);
    uint8_t le[8], ce[8];
    tnode_ext_addr(l, le);
    tnode_ext_addr(c, ce);
    assert_int_equal(mac_filter_add_addr(tnode_mac_filter(c), le), OT_ERR_NONE);
    mac_filter_set_mode(tnode_mac_filter(c), MAC_FILTER_DENYLIST);
    assert_int_equal(mac_filter_add_addr(tnode_mac_filter(l), ce), OT_ERR_NONE);
    mac_filter_set_mode(tnode_mac_filter(l), MAC_FILTER_DENYLIST);
    assert_int_equal(tnode_become_child(c, nn->now), OT_ERR_NONE);
    for (int t = 0; t < 40 && tnode_role(c) != TNODE_CHILD; t++)
        node_net_run(nn, 500);
    assert_int_equal(tnode_role(c), TNODE_CHILD);
    assert_int_equal(tnode_rloc16(c) >> 10, tnode_rloc16(r) >> 10);
    assert_true((tnode_rloc16(c) & 0x1ff) != 0);
    struct tnode_child_info ci[4];
    assert_int_equal(tnode_children(r, nn->now, ci, 4), 1);
    assert_int_equal(ci[0].rloc16, tnode_rloc16(c));
    struct tnode_parent_info pi;
    assert_int_equal(tnode_parent(c, nn->now, &pi), OT_ERR_NONE);
    assert_int_equal(pi.rloc16, tnode_rloc16(r));

    /* New Network Data at the leader: router, then its child, follow. */
    struct netdata_local loc;
    netdata_local_init(&loc);
    struct netdata_route_cfg rc = {0};
    assert_true(addr_parse_prefix6("64:ff9b::/96", &rc.prefix));
    rc.rloc16 = tnode_rloc16(l);
    rc.nat64 = rc.stable = true;
    assert_int_equal(netdata_local_add_route(&loc, &rc), NETDATA_OK);
    assert_int_equal(tnode_set_local_netdata(l, loc.tlvs, loc.len, nn->now), OT_ERR_NONE);
    node_net_run(nn, 10000);
    size_t l1, l2, l3;
    const uint8_t *n1 = tnode_netdata(l, &l1);
    const uint8_t *n2 = tnode_netdata(r, &l2);
    const uint8_t *n3 = tnode_netdata(c, &l3);
    assert_true(l1 > 0);
    assert_int_equal(l1, l2);
    assert_memory_equal(n1, n2, l1);
    assert_int_equal(l1, l3);
    assert_memory_equal(n1, n3, l1);
    struct addr_prefix6 p64;
    assert_true(tnode_nat64_prefix(c, &p64));
    node_net_free(nn);
}

/* The leader goes away: 120 s without a new ID sequence (leader age), the
 * routers look for a partition; finding none, one forms a new one. */
static void test_leader_lost(void **state)
{
    (void)state;
    struct node_net *nn = routers_net(3);
    for (int t = 0; t < 60 && !tables_agree(nn); t++)
        node_net_run(nn, 1000);
    struct tnode_leader_data old;
    assert_int_equal(tnode_leader_data(nn->node[1], &old), OT_ERR_NONE);
    assert_int_equal(tnode_thread_stop(nn->node[0], nn->now), OT_ERR_NONE);
    node_net_run(nn, 100000);
    assert_int_equal(tnode_role(nn->node[1]), TNODE_ROUTER); /* not yet */
    node_net_run(nn, 60000);
    unsigned leaders = 0;
    for (int i = 1; i < 3; i++) {
        enum tnode_role r = tnode_role(nn->node[i]);
        leaders += r == TNODE_LEADER;
        assert_true(r == TNODE_LEADER || r == TNODE_ROUTER || r == TNODE_CHILD);
        struct tnode_leader_data ld;
        assert_int_equal(tnode_leader_data(nn->node[i], &ld), OT_ERR_NONE);
        assert_int_not_equal(ld.partition_id, old.partition_id);
    }
    assert_true(leaders >= 1);
    node_net_free(nn);
}

/* `state router|child|leader|detached` through the node API. */
static void test_become(void **state)
{
    (void)state;
    struct node_net *nn = node_net_new(3);
    node_net_form(nn);
    struct tnode *c = nn->node[1];
    /* Not router-eligible (node_net's children): NotCapable. */
    assert_int_equal(tnode_become_router(c, nn->now), OT_ERR_NOT_CAPABLE);
    assert_int_equal(tnode_set_router_eligible(c, true, nn->now), OT_ERR_NONE);
    /* The default jitter is 120 s; `state router` asks at once. */
    assert_int_equal(tnode_become_router(c, nn->now), OT_ERR_NONE);
    node_net_run(nn, 3000);
    assert_int_equal(tnode_role(c), TNODE_ROUTER);
    assert_int_equal(tnode_become_router(c, nn->now), OT_ERR_NONE); /* already */
    /* Back to a child of the partition. */
    assert_int_equal(tnode_become_child(c, nn->now), OT_ERR_NONE);
    for (int t = 0; t < 20 && tnode_role(c) != TNODE_CHILD; t++)
        node_net_run(nn, 500);
    assert_int_equal(tnode_role(c), TNODE_CHILD);
    /* Leader: not with the same weight as the partition's, then with more. */
    struct tnode_leader_data ld;
    assert_int_equal(tnode_leader_data(nn->node[0], &ld), OT_ERR_NONE);
    assert_int_equal(tnode_become_leader(c, nn->now), OT_ERR_NOT_CAPABLE);
    tnode_set_leader_weight(c, (uint8_t)(ld.weighting + 1));
    assert_int_equal(tnode_become_leader(c, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_role(c), TNODE_LEADER);
    struct tnode_leader_data cd;
    assert_int_equal(tnode_leader_data(c, &cd), OT_ERR_NONE);
    assert_int_not_equal(cd.partition_id, ld.partition_id);
    assert_int_equal(cd.weighting, ld.weighting + 1);
    assert_int_equal(tnode_become_leader(c, nn->now), OT_ERR_NONE); /* already */
    /* Detached: it leaves and attaches again. */
    assert_int_equal(tnode_become_detached(nn->node[2], nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_role(nn->node[2]), TNODE_DETACHED);
    assert_int_equal(tnode_become_router(nn->node[2], nn->now), OT_ERR_INVALID_STATE);
    for (int t = 0; t < 40 && tnode_role(nn->node[2]) != TNODE_CHILD; t++)
        node_net_run(nn, 500);
    assert_int_equal(tnode_role(nn->node[2]), TNODE_CHILD);
    assert_int_equal(tnode_thread_stop(nn->node[2], nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_become_detached(nn->node[2], nn->now), OT_ERR_INVALID_STATE);
    assert_int_equal(tnode_become_leader(nn->node[2], nn->now), OT_ERR_INVALID_STATE);
    node_net_free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tbr_routers_agree), cmocka_unit_test(test_downgrade),
        cmocka_unit_test(test_hostile),           cmocka_unit_test(test_become),
        cmocka_unit_test(test_router_parent),     cmocka_unit_test(test_leader_lost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
