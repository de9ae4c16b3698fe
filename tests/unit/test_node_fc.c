/*
 * Frame counters and a failing store (issue 11, finding 1): the node never
 * sends a MAC or MLE frame counter at or above the value persisted in
 * NETWORK_INFO (where a restart resumes), so a store that refuses the
 * store-ahead write (ENOSPC) stops secured frames instead of letting a
 * crash reuse counters with the same key (AES-CCM* nonce reuse).
 *
 * Two nodes on the simulated medium (support/node_net.h); the leader keeps
 * its settings in the in-memory store (support/kv_mem.h) whose writes can
 * be made to fail. Every frame the leader puts on the air is read: the MAC
 * frame counter of MAC-secured frames, and the MLE frame counter of MLE
 * messages (MAC-unsecured frames; a fragmented MLE message is MAC-secured
 * and checked by its MAC counter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/node_cli.h"
#include "ip6/ip6.h"
#include "lowpan/lowpan.h"
#include "lowpan/lowpan_frag.h"
#include "mac/mac.h"
#include "mac/mac_frame.h"
#include "support/kv_mem.h"
#include "support/medium.h"
#include "support/node_net.h"
#include "thread/dataset.h"
#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"
#include "thread/node.h"
#include "thread/node_store.h"

/* What the node under test (station `who`) sent since the last air_mark(). */
struct air {
    int who;
    unsigned mac_n, mle_n;     /* MAC-secured frames, MLE messages */
    uint32_t mac_min, mac_max; /* their counters */
    uint32_t mle_min, mle_max;
    uint32_t mac_ever, mle_ever; /* highest counters ever sent + 1 */
    struct lowpan_ctx_table ctx; /* none needed: MLE is link-local */
    struct lowpan_reasm reasm;
    unsigned refusal_logs; /* error lines about the refusal */
};

static struct air air;
static struct radio_ops sniff_ops;

static void air_mark(void)
{
    air.mac_n = air.mle_n = 0;
    air.mac_min = air.mle_min = UINT32_MAX;
    air.mac_max = air.mle_max = 0;
}

static void seen(unsigned *n, uint32_t *min, uint32_t *max, uint32_t *ever, uint32_t fc)
{
    (*n)++;
    if (fc < *min)
        *min = fc;
    if (fc > *max)
        *max = fc;
    if (fc + 1 > *ever)
        *ever = fc + 1;
}

static void sniff(const uint8_t *psdu, size_t len)
{
    struct mac_frame f;
    if (mac_frame_parse(psdu, len, &f) != MAC_OK || f.type != MAC_FRAME_DATA)
        return;
    if (f.security_enabled) {
        seen(&air.mac_n, &air.mac_min, &air.mac_max, &air.mac_ever, f.sec.frame_counter);
        return;
    }
    struct lowpan_lladdr s = {0}, d = {0};
    s.mode = f.src.mode == MAC_ADDR_SHORT ? LOWPAN_LL_SHORT : LOWPAN_LL_EXT;
    s.short_addr = f.src.short_addr;
    memcpy(s.ext, f.src.ext, 8);
    d.mode = f.dst.mode == MAC_ADDR_SHORT ? LOWPAN_LL_SHORT : LOWPAN_LL_EXT;
    d.short_addr = f.dst.short_addr;
    memcpy(d.ext, f.dst.ext, 8);
    uint8_t pkt[1280];
    size_t plen = 0;
    if (lowpan_reasm_input(&air.reasm, &air.ctx, &s, &d, f.payload, f.payload_len, 0, pkt,
                           sizeof(pkt), &plen) != LOWPAN_OK)
        return;
    /* MLE (UDP 19788), security suite 0: aux header, frame counter LE32. */
    if (plen >= 54 && pkt[6] == 17 && pkt[42] == 0x4d && pkt[43] == 0x4c && pkt[48] == 0) {
        uint32_t fc = (uint32_t)pkt[50] | (uint32_t)pkt[51] << 8 | (uint32_t)pkt[52] << 16 |
                      (uint32_t)pkt[53] << 24;
        seen(&air.mle_n, &air.mle_min, &air.mle_max, &air.mle_ever, fc);
    }
}

static int sniff_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    if (((struct tm_station *)radio)->idx == air.who)
        sniff(psdu, len);
    return tm_radio_ops.transmit(radio, psdu, len, channel);
}

static void node_log(void *user, int level, const char *msg)
{
    (void)user;
    if (level == 1 && strstr(msg, "frame counters: cannot persist ahead"))
        air.refusal_logs++;
}

/* Node i again, over kv, as after a restart (the previous one is freed). */
static void node_new(struct node_net *nn, int i, struct kv *kv)
{
    struct tnode_cfg cfg;
    tnode_free(nn->node[i]);
    node_net_cfg(&cfg, &nn->air, i);
    cfg.radio_ops = &sniff_ops;
    cfg.kv = kv;
    cfg.log = node_log;
    nn->node[i] = tnode_new(&cfg, nn->now);
    assert_non_null(nn->node[i]);
}

static void leader_new(struct node_net *nn, struct kv *kv)
{
    node_new(nn, 0, kv);
}

/* count UDP datagrams from the node under test to the other one's
 * link-local address, one MAC-secured frame each. */
static void send_udp(struct node_net *nn, unsigned count)
{
    static struct ip6 scratch; /* only for the checksum */
    uint8_t src[16], dst[16], pkt[128];
    size_t len;
    node_net_addr(nn, air.who, TNODE_ADDR_LINK_LOCAL, src);
    node_net_addr(nn, 1 - air.who, TNODE_ADDR_LINK_LOCAL, dst);
    for (unsigned i = 0; i < count; i++) {
        const uint8_t payload[8] = {(uint8_t)i, (uint8_t)(i >> 8)};
        assert_int_equal(ip6_build_udp(&scratch, src, dst, 5000, 5001, payload, sizeof(payload), 64,
                                       pkt, sizeof(pkt), &len),
                         IP6_OK);
        assert_int_equal(tnode_send_ip6(nn->node[air.who], pkt, len, nn->now), OT_ERR_NONE);
        if (i % 16 == 15)
            node_net_run(nn, 20);
    }
    node_net_run(nn, 200);
}

/* The device CLI's `line` on node n (OpenThread's `counters mac|mle`): its
 * output holds want. */
static void cli_expect(struct tnode *n, const char *line, const char *want)
{
    struct node_cli c;
    struct tm_capture cap;
    tm_capture_open(&cap);
    node_cli_init(&c, n);
    node_cli_run_line(&c, line, 0, cap.f);
    const char *out = tm_capture_take(&cap);
    if (strstr(out, want) == NULL || strstr(out, "\nDone\n") == NULL)
        fail_msg("'%s': no '%s' in '%s'", line, want, out);
    node_cli_detach(&c);
    tm_capture_close(&cap);
}

/* A leader and a child, attached; node `who` (sniffed) keeps its settings
 * in km. */
static struct node_net *net_new(int who, struct kv_mem *km, struct kv *kv)
{
    memset(&air, 0, sizeof(air));
    air.who = who;
    lowpan_ctx_init(&air.ctx);
    lowpan_reasm_init(&air.reasm, 0);
    air_mark();
    sniff_ops = tm_radio_ops;
    sniff_ops.transmit = sniff_tx;
    kv_mem_init(km, kv);
    struct node_net *nn = node_net_new(2);
    node_new(nn, who, kv);
    node_net_form(nn);
    return nn;
}

static void test_fc_refused_until_persisted(void **state)
{
    struct kv_mem km;
    struct kv kv;
    struct tnode_fc_info fc;
    struct node_store_network_info ni;
    (void)state;

    struct node_net *nn = net_new(0, &km, &kv);
    struct tnode *l = nn->node[0];
    send_udp(nn, 10);
    tnode_frame_counters(l, &fc);
    assert_false(fc.refusing);
    assert_int_equal(node_store_get_network_info(&kv, &ni), 0);
    assert_int_equal(fc.mac_saved, ni.mac_frame_counter);
    assert_int_equal(fc.mle_saved, ni.mle_frame_counter);
    assert_true(fc.mac < fc.mac_saved && fc.mle < fc.mle_saved);

    /* A: the store fails (ENOSPC); more frames than the window holds. */
    const uint32_t saved = fc.mac_saved, room = fc.mac_saved - fc.mac;
    km.fail = true;
    air_mark();
    send_udp(nn, NODE_STORE_FC_AHEAD + 200);
    assert_true(air.mac_n > 0);
    assert_true(air.mac_max < saved); /* nothing at or above the persisted value */
    assert_true(air.mle_n == 0 || air.mle_max < ni.mle_frame_counter);
    const struct tnode_counters *c = tnode_counters(l);
    assert_true(c->tx_drop_fc_unsaved >= NODE_STORE_FC_AHEAD + 200 - room);
    tnode_frame_counters(l, &fc);
    assert_true(fc.refusing);
    assert_int_equal(fc.mac, saved);
    assert_int_equal(air.refusal_logs, 1); /* once for the episode */
    char want[96];
    snprintf(want, sizeof(want), "\nTxErrFrameCounterNotPersisted: %u\n", c->tx_drop_fc_unsaved);
    cli_expect(l, "counters mac", want);
    snprintf(want, sizeof(want), "\nFrameCounterPersisted: %u\n", saved);
    cli_expect(l, "counters mac", want);
    cli_expect(l, "counters mac", "\nFrameCounterStore: failing (secured frames refused)\n");
    assert_int_equal(node_store_get_network_info(&kv, &ni), 0);
    assert_int_equal(ni.mac_frame_counter, saved);

    /* B: the store recovers; the next sends (after the retry hold-off)
     * store ahead and go out, from the persisted value on. */
    km.fail = false;
    node_net_run(nn, TNODE_FC_RETRY_MS + 100);
    air_mark();
    uint32_t drops = c->tx_drop_fc_unsaved;
    send_udp(nn, 20);
    assert_int_equal(c->tx_drop_fc_unsaved, drops);
    assert_true(air.mac_n >= 20);
    assert_true(air.mac_min >= saved);
    tnode_frame_counters(l, &fc);
    assert_false(fc.refusing);
    assert_int_equal(node_store_get_network_info(&kv, &ni), 0);
    assert_true(ni.mac_frame_counter > air.mac_max);
    assert_true(ni.mle_frame_counter >= air.mle_ever);

    /* C: the store fails again and the node dies (its last save fails too)
     * and restarts: it resumes at the persisted values, so every secured
     * frame would need a write first; none goes out, MLE included. */
    km.fail = true;
    const uint32_t mac_before = air.mac_ever, mle_before = air.mle_ever;
    leader_new(nn, &kv);
    l = nn->node[0];
    c = tnode_counters(l);
    air_mark();
    assert_int_equal(tnode_ifconfig(l, true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(l, nn->now), OT_ERR_NONE);
    node_net_run(nn, 5000);
    if (tnode_role(l) == TNODE_LEADER)
        send_udp(nn, 20);
    assert_int_equal(air.mac_n, 0);
    assert_int_equal(air.mle_n, 0);
    assert_true(c->mle_tx_drop_fc_unsaved > 0);
    snprintf(want, sizeof(want), "\nTxErrFrameCounterNotPersisted: %u\n",
             c->mle_tx_drop_fc_unsaved);
    cli_expect(l, "counters mle", want);
    tnode_frame_counters(l, &fc);
    assert_true(fc.refusing);

    /* D: the store recovers: MLE and MAC resume above every counter sent
     * before the restart (no reuse with the same key). */
    km.fail = false;
    node_net_run(nn, 10000);
    if (tnode_role(l) == TNODE_LEADER)
        send_udp(nn, 20);
    assert_true(air.mle_n > 0);
    assert_true(air.mle_min >= mle_before);
    if (tnode_role(l) == TNODE_LEADER) {
        assert_true(air.mac_n > 0);
        assert_true(air.mac_min >= mac_before);
    }
    tnode_frame_counters(l, &fc);
    assert_false(fc.refusing);
    cli_expect(l, "counters mle", "\nFrameCounterStore: ok\n");
    node_net_free(nn);
}

/* The reproduction: the store fails, the node sends past the
 * window, dies, and restarts with the store working again. No counter it
 * sent before may come back. */
static void test_fc_no_reuse_after_crash(void **state)
{
    struct kv_mem km;
    struct kv kv;
    (void)state;

    struct node_net *nn = net_new(0, &km, &kv);
    km.fail = true;
    send_udp(nn, 2 * NODE_STORE_FC_AHEAD);
    const uint32_t mac_before = air.mac_ever, mle_before = air.mle_ever;
    assert_true(mac_before > 0 && mle_before > 0);
    leader_new(nn, &kv); /* its last save fails too: as a crash */
    km.fail = false;
    air_mark();
    assert_int_equal(tnode_ifconfig(nn->node[0], true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(nn->node[0], nn->now), OT_ERR_NONE);
    node_net_run(nn, 5000);
    assert_int_equal(tnode_role(nn->node[0]), TNODE_LEADER);
    send_udp(nn, 20);
    assert_true(air.mac_n >= 20 && air.mle_n > 0);
    assert_true(air.mac_min >= mac_before);
    assert_true(air.mle_min >= mle_before);
    node_net_free(nn);
}

/* A neighbour proves a newer key sequence (interop §3.2) while the store
 * fails: the counters restart at 0 for the new key, and nothing for that
 * key is persisted yet, so nothing secured may go out (a crash would bring
 * the node back on the old key and the next switch would reuse them). The
 * parent's MLE message with key sequence 1 is made here as the parent
 * would send it (MLE-secured, MAC-unsecured). */
static void switch_key(struct node_net *nn)
{
    size_t dlen = 0;
    const uint8_t *ds = tnode_active_dataset(nn->node[0], &dlen);
    struct dataset_info di;
    assert_int_equal(dataset_parse(ds, dlen, &di), DATASET_OK);
    uint8_t key[MLE_KEY_LEN], pext[8], cext[8], src[16], dst[16];
    assert_int_equal(mle_key_derive(di.network_key, 1, key), MLE_OK);
    tnode_ext_addr(nn->node[0], pext);
    tnode_ext_addr(nn->node[1], cext);
    node_net_addr(nn, 0, TNODE_ADDR_LINK_LOCAL, src);
    node_net_addr(nn, 1, TNODE_ADDR_LINK_LOCAL, dst);
    uint16_t rloc = tnode_rloc16(nn->node[0]);
    const uint8_t plain[] = {MLE_CMD_DATA_RESPONSE, MLE_TLV_SOURCE_ADDRESS, 2, (uint8_t)(rloc >> 8),
                             (uint8_t)rloc};
    struct mle_aux aux = {
        .sec_ctl = MLE_SEC_CTL, .frame_counter = 1, .key_seq = 1, .key_index = mle_key_index(1)};
    uint8_t udp[64], pkt[128], lp[127], frame[127];
    size_t ulen, plen, lplen, flen;
    assert_int_equal(
        mle_protect(key, src, dst, &aux, plain, sizeof(plain), udp, sizeof(udp), &ulen), MLE_OK);
    static struct ip6 scratch;
    assert_int_equal(ip6_build_udp(&scratch, src, dst, MLE_UDP_PORT, MLE_UDP_PORT, udp, ulen,
                                   MLE_HOP_LIMIT, pkt, sizeof(pkt), &plen),
                     IP6_OK);
    struct lowpan_lladdr ls = {.mode = LOWPAN_LL_EXT}, ld = {.mode = LOWPAN_LL_EXT};
    memcpy(ls.ext, pext, 8);
    memcpy(ld.ext, cext, 8);
    assert_int_equal(lowpan_compress(&air.ctx, &ls, &ld, pkt, plen, lp, sizeof(lp), &lplen),
                     LOWPAN_OK);
    struct mac_frame hdr = {0};
    hdr.type = MAC_FRAME_DATA;
    hdr.version = MAC_VERSION_2006;
    hdr.ack_request = true;
    hdr.pan_id_compression = true;
    hdr.dst_pan = hdr.src_pan = di.panid;
    hdr.dst.mode = hdr.src.mode = MAC_ADDR_EXT;
    memcpy(hdr.dst.ext, cext, 8);
    memcpy(hdr.src.ext, pext, 8);
    assert_int_equal(mac_frame_build(&hdr, lp, lplen, frame, sizeof(frame), &flen), MAC_OK);
    struct radio_rx_frame rx = {.psdu = frame,
                                .len = flen,
                                .channel = nn->air.st[1].channel,
                                .rssi = -20,
                                .timestamp_ms = nn->now};
    uint32_t mle_rx = tnode_counters(nn->node[1])->mle_rx;
    tnode_radio_rx(nn->node[1], &rx);
    assert_int_equal(tnode_counters(nn->node[1])->mle_rx, mle_rx + 1);
}

static void test_fc_key_switch_unsaved(void **state)
{
    struct kv_mem km;
    struct kv kv;
    struct tnode_fc_info fc;
    struct node_store_network_info ni;
    (void)state;

    struct node_net *nn = net_new(1, &km, &kv);
    struct tnode *c = nn->node[1];
    send_udp(nn, 10);
    assert_true(air.mac_n >= 10);
    km.fail = true;
    switch_key(nn);
    air_mark();
    send_udp(nn, 20);
    node_net_run(nn, 5000);
    assert_int_equal(air.mac_n, 0);
    assert_int_equal(air.mle_n, 0);
    tnode_frame_counters(c, &fc);
    assert_int_equal(fc.mac, 0);       /* counters restarted with the new key */
    assert_int_equal(fc.mac_saved, 0); /* nothing persisted for key 1 */
    assert_true(fc.refusing);
    assert_int_equal(tnode_counters(c)->tx_drop_fc_unsaved, 20);
    assert_int_equal(node_store_get_network_info(&kv, &ni), 0);
    assert_int_equal(ni.key_sequence, 0);

    /* The store recovers: key 1 and its counters are persisted first. */
    km.fail = false;
    node_net_run(nn, TNODE_FC_RETRY_MS + 100);
    air_mark();
    send_udp(nn, 20);
    assert_true(air.mac_n >= 20);
    assert_int_equal(node_store_get_network_info(&kv, &ni), 0);
    assert_int_equal(ni.key_sequence, 1);
    assert_true(ni.mac_frame_counter > air.mac_max);
    node_net_free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fc_refused_until_persisted),
        cmocka_unit_test(test_fc_no_reuse_after_crash),
        cmocka_unit_test(test_fc_key_switch_unsaved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
