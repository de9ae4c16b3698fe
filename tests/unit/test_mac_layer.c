/*
 * mac_layer: the MAC state machine (mac/mac.h) against a fake radio ops
 * table that records every frame, and the pcap writer (mac/pcap.h). The
 * OpenThread captures in $TBR_THREAD_VECTORS are fed in as received frames:
 * our Imm-Acks must equal, byte for byte, the ones OpenThread sent. The same
 * fake radio claiming RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES stands in for
 * an RCP: the tests deliver its tx-done reports; claiming RADIO_CAP_TX_DONE
 * alone (through get_caps), an RCP that does not retry: the MAC retries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/thread_vec.h"
#include "mac/mac.h"
#include "mac/mac_frame.h"
#include "mac/mac_security.h"
#include "mac/pcap.h"
#include "thread/keys.h"

/* ---- fake radio ----------------------------------------------------------------- */

#define FAKE_MAX 64

struct fake_frame {
    uint8_t psdu[MAC_PSDU_MAX];
    size_t len;
    uint8_t channel;
};

struct fake_radio {
    struct fake_frame sent[FAKE_MAX];
    unsigned n;
    uint8_t channel;
    bool fail;     /* transmit returns -1 */
    unsigned caps; /* what fake_get_caps says */
};

static int fake_transmit(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    struct fake_radio *r = radio;
    if (r->fail)
        return -1;
    assert_true(len >= 1 && len <= MAC_PSDU_MAX);
    if (r->n >= FAKE_MAX) {
        r->n++; /* counted, not recorded */
        return 0;
    }
    memcpy(r->sent[r->n].psdu, psdu, len);
    r->sent[r->n].len = len;
    r->sent[r->n].channel = channel;
    r->n++;
    return 0;
}

static int fake_set_channel(void *radio, uint8_t channel)
{
    ((struct fake_radio *)radio)->channel = channel;
    return 0;
}

static unsigned fake_get_caps(void *radio)
{
    return ((struct fake_radio *)radio)->caps;
}

static const struct radio_ops fake_ops = {
    .caps = 0,
    .transmit = fake_transmit,
    .set_channel = fake_set_channel,
};

/* ---- recording callbacks ------------------------------------------------------------ */

#define REC_MAX 32

struct rec_rx {
    struct mac_frame frame; /* payload repointed to payload[] */
    uint8_t payload[MAC_PSDU_MAX];
    bool secured, acked, ack_fp, src_ext_known;
    uint8_t src_ext[8];
    uint8_t lqi;
    int8_t rssi;
    bool rss_fixed;
    uint32_t key_seq;
};

struct neighbour {
    struct mac_addr addr; /* short or ext the frames use */
    uint8_t ext[8];
    uint32_t key_seq;
    struct mac_replay replay;
    bool restoring; /* hand out no replay state */
};

struct node {
    struct fake_radio radio;
    struct mac_layer mac;
    struct rec_rx rx[REC_MAX];
    unsigned nrx;
    struct mac_tx_result tx[REC_MAX];
    unsigned ntx;
    struct neighbour nbrs[4];
    unsigned nnbrs;
    int fp_answer; /* -1: no callback result forced */
    /* tx_done re-entrancy test: a frame to send from inside tx_done */
    bool send_from_done;
};

static void on_rx(void *user, const struct mac_rx_info *info)
{
    struct node *n = user;
    if (n->nrx >= REC_MAX) {
        n->nrx++; /* counted, not recorded */
        return;
    }
    struct rec_rx *r = &n->rx[n->nrx++];
    r->frame = *info->frame;
    assert_true(info->frame->payload_len <= sizeof(r->payload));
    memcpy(r->payload, info->frame->payload, info->frame->payload_len);
    r->frame.payload = r->payload;
    r->frame.mic = NULL;
    r->secured = info->secured;
    r->acked = info->acked;
    r->ack_fp = info->ack_frame_pending;
    r->lqi = info->lqi;
    r->rssi = info->rssi;
    r->rss_fixed = info->rss_fixed;
    r->src_ext_known = info->src_ext_known;
    memcpy(r->src_ext, info->src_ext, 8);
    r->key_seq = info->key_seq;
}

static void on_tx_done(void *user, const struct mac_tx_result *res)
{
    struct node *n = user;
    assert_true(n->ntx < REC_MAX);
    n->tx[n->ntx++] = *res;
    if (n->send_from_done) {
        n->send_from_done = false;
        uint8_t pl[3] = {1, 2, 3};
        struct mac_tx_req req = {.type = MAC_FRAME_DATA,
                                 .dst = {.mode = MAC_ADDR_SHORT, .short_addr = 0xffff},
                                 .src_mode = MAC_ADDR_EXT,
                                 .payload = pl,
                                 .len = sizeof(pl),
                                 .cookie = 999};
        assert_int_equal(mac_layer_send(&n->mac, &req, 0), MAC_LAYER_OK);
    }
}

static bool on_neighbour(void *user, const struct mac_addr *src, struct mac_nbr_sec *out)
{
    struct node *n = user;
    for (unsigned i = 0; i < n->nnbrs; i++) {
        struct neighbour *nb = &n->nbrs[i];
        bool match = src->mode == nb->addr.mode &&
                     (src->mode == MAC_ADDR_SHORT ? src->short_addr == nb->addr.short_addr
                                                  : memcmp(src->ext, nb->addr.ext, 8) == 0);
        if (!match)
            continue;
        memcpy(out->ext, nb->ext, 8);
        out->key_seq = nb->restoring ? NULL : &nb->key_seq;
        out->replay = nb->restoring ? NULL : &nb->replay;
        return true;
    }
    return false;
}

static bool on_ack_fp(void *user, const struct mac_addr *src)
{
    (void)src;
    return ((struct node *)user)->fp_answer != 0;
}

static const uint8_t EXT_A[8] = {0x5e, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};
static const uint8_t EXT_B[8] = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0x59};
static const uint8_t EXT_C[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint8_t NET_KEY[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* A node on channel 15, PAN 0x1234, with the given addresses, on a radio
 * with the given ops. */
static void node_init_ops(struct node *n, const uint8_t ext[8], uint16_t short_addr,
                          const struct radio_ops *ops)
{
    memset(n, 0, sizeof(*n));
    n->fp_answer = -1;
    struct mac_layer_config cfg;
    mac_layer_config_default(&cfg);
    cfg.radio_ops = ops;
    cfg.radio = &n->radio;
    cfg.channel = 15;
    cfg.pan_id = 0x1234;
    cfg.short_addr = short_addr;
    memcpy(cfg.ext_addr, ext, 8);
    cfg.rx = on_rx;
    cfg.tx_done = on_tx_done;
    cfg.user = n;
    assert_int_equal(mac_layer_init(&n->mac, &cfg), 0);
    assert_int_equal(n->radio.channel, 15);
}

/* The same on the dumb fake radio (caps 0). */
static void node_init(struct node *n, const uint8_t ext[8], uint16_t short_addr)
{
    node_init_ops(n, ext, short_addr, &fake_ops);
}

static void node_add_nbr(struct node *n, const struct mac_addr *addr, const uint8_t ext[8])
{
    assert_true(n->nnbrs < 4);
    struct neighbour *nb = &n->nbrs[n->nnbrs++];
    memset(nb, 0, sizeof(*nb));
    nb->addr = *addr;
    memcpy(nb->ext, ext, 8);
    mac_replay_init(&nb->replay, 0);
    n->mac.cfg.neighbour = on_neighbour;
}

static void rx_at(struct node *n, const uint8_t *psdu, size_t len, uint8_t channel, uint64_t now)
{
    struct radio_rx_frame f = {
        .psdu = psdu, .len = len, .channel = channel, .rssi = -20, .timestamp_ms = now};
    mac_layer_radio_rx(&n->mac, &f);
}

static struct mac_addr short_addr(uint16_t s)
{
    struct mac_addr a = {.mode = MAC_ADDR_SHORT, .short_addr = s};
    return a;
}

static struct mac_addr ext_addr(const uint8_t e[8])
{
    struct mac_addr a = {.mode = MAC_ADDR_EXT};
    memcpy(a.ext, e, 8);
    return a;
}

/* Builds a 2006 data frame in PAN 0x1234. */
static size_t build(uint8_t *out, struct mac_addr dst, struct mac_addr src, uint8_t seq, bool ar,
                    const uint8_t *pl, size_t plen)
{
    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.ack_request = ar;
    h.pan_id_compression = true;
    h.seq = seq;
    h.dst_pan = 0x1234;
    h.src_pan = 0x1234;
    h.dst = dst;
    h.src = src;
    size_t len = 0;
    assert_int_equal(mac_frame_build(&h, pl, plen, out, MAC_PSDU_MAX, &len), MAC_OK);
    return len;
}

static const uint8_t PAYLOAD[] = {0x7f, 0x33, 0xf0, 0x4d, 0x4c, 0x4d, 0x4c, 0x01, 0x02, 0x03};

/* ---- receive: ACKs -------------------------------------------------------------------- */

static void ack_for_unicast_ack_request(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    uint8_t f[MAC_PSDU_MAX];
    size_t len =
        build(f, short_addr(0x1800), ext_addr(EXT_B), 0x34, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 1000);

    /* The documented sample: 12 10 34 1b d2 (ACK, 2006, frame pending). */
    static const uint8_t want[] = {0x12, 0x10, 0x34, 0x1b, 0xd2};
    assert_int_equal(n.radio.n, 1);
    assert_int_equal(n.radio.sent[0].len, 5);
    assert_memory_equal(n.radio.sent[0].psdu, want, 5);
    assert_int_equal(n.radio.sent[0].channel, 15);
    assert_int_equal(n.nrx, 1);
    assert_true(n.rx[0].acked);
    assert_true(n.rx[0].ack_fp);
    assert_false(n.rx[0].secured);
    assert_true(n.rx[0].src_ext_known);
    assert_memory_equal(n.rx[0].src_ext, EXT_B, 8);
    assert_int_equal(n.rx[0].frame.payload_len, sizeof(PAYLOAD));
    assert_memory_equal(n.rx[0].payload, PAYLOAD, sizeof(PAYLOAD));
    assert_int_equal(mac_layer_counters(&n.mac)->rx_acks_sent, 1);

    /* To our extended address too. */
    len = build(f, ext_addr(EXT_A), ext_addr(EXT_B), 0x35, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 1001);
    assert_int_equal(n.radio.n, 2);
    assert_int_equal(n.radio.sent[1].psdu[2], 0x35);
    assert_int_equal(n.nrx, 2);
}

static void no_ack_for_broadcast(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    uint8_t f[MAC_PSDU_MAX];
    size_t len = build(f, short_addr(0xffff), ext_addr(EXT_B), 1, false, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 10);
    /* Even with AR wrongly set on a broadcast: no ACK. */
    len = build(f, short_addr(0xffff), ext_addr(EXT_B), 2, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 11);
    /* Unicast without AR: no ACK. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 3, false, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 12);
    assert_int_equal(n.radio.n, 0);
    assert_int_equal(n.nrx, 3);
    assert_false(n.rx[0].acked);
    assert_false(n.rx[1].acked);
    assert_int_equal(mac_layer_counters(&n.mac)->rx_acks_sent, 0);
}

static void ack_frame_pending_policy(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    n.mac.cfg.ack_frame_pending = on_ack_fp;
    n.fp_answer = 0;
    uint8_t f[MAC_PSDU_MAX];
    size_t len =
        build(f, short_addr(0x1800), ext_addr(EXT_B), 0x34, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 10);
    assert_int_equal(n.radio.n, 1);
    /* FCF 0x1002: ACK, 2006, no frame pending. */
    assert_int_equal(n.radio.sent[0].psdu[0], 0x02);
    assert_int_equal(n.radio.sent[0].psdu[1], 0x10);
    struct mac_frame a;
    assert_int_equal(mac_frame_parse(n.radio.sent[0].psdu, 5, &a), MAC_OK);
    assert_false(a.frame_pending);

    /* A MAC command other than Data Request: frame pending 0 whatever the callback. */
    n.fp_answer = 1;
    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_CMD;
    h.version = MAC_VERSION_2006;
    h.ack_request = true;
    h.pan_id_compression = true;
    h.seq = 9;
    h.dst_pan = h.src_pan = 0x1234;
    h.dst = short_addr(0x1800);
    h.src = ext_addr(EXT_B);
    uint8_t cmd = 0x07; /* beacon request */
    assert_int_equal(mac_frame_build(&h, &cmd, 1, f, sizeof(f), &len), MAC_OK);
    rx_at(&n, f, len, 15, 11);
    assert_int_equal(n.radio.n, 2);
    assert_int_equal(mac_frame_parse(n.radio.sent[1].psdu, 5, &a), MAC_OK);
    assert_false(a.frame_pending);
    /* A Data Request: the callback decides (1). */
    cmd = MAC_CMD_DATA_REQUEST;
    h.seq = 10;
    assert_int_equal(mac_frame_build(&h, &cmd, 1, f, sizeof(f), &len), MAC_OK);
    rx_at(&n, f, len, 15, 12);
    assert_int_equal(n.radio.n, 3);
    assert_int_equal(mac_frame_parse(n.radio.sent[2].psdu, 5, &a), MAC_OK);
    assert_true(a.frame_pending);
    assert_int_equal(a.seq, 10);
}

/* ---- receive: filtering ------------------------------------------------------------------ */

static void filtering(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    uint8_t f[MAC_PSDU_MAX];
    size_t len;

    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 1, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 16, 1); /* other channel */
    assert_int_equal(c->rx_drop_channel, 1);

    len = build(f, short_addr(0x1801), ext_addr(EXT_B), 2, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 2); /* another short address */
    len = build(f, ext_addr(EXT_C), ext_addr(EXT_B), 3, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 3); /* another ext address */
    assert_int_equal(c->rx_drop_dst_addr, 2);

    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.ack_request = true;
    h.pan_id_compression = true;
    h.seq = 4;
    h.dst_pan = h.src_pan = 0x4321; /* another PAN */
    h.dst = short_addr(0x1800);
    h.src = ext_addr(EXT_B);
    assert_int_equal(mac_frame_build(&h, PAYLOAD, sizeof(PAYLOAD), f, sizeof(f), &len), MAC_OK);
    rx_at(&n, f, len, 15, 4);
    assert_int_equal(c->rx_drop_dst_pan, 1);

    /* Broadcast PAN 0xffff is accepted. */
    h.dst_pan = h.src_pan = 0xffff;
    h.seq = 5;
    assert_int_equal(mac_frame_build(&h, PAYLOAD, sizeof(PAYLOAD), f, sizeof(f), &len), MAC_OK);
    rx_at(&n, f, len, 15, 5);
    assert_int_equal(n.nrx, 1);

    /* Our own extended address as source: ACKed (the radio only looks at the
     * destination, like OpenThread's), but dropped. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_A), 6, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 6);
    assert_int_equal(c->rx_drop_own_src, 1);

    /* Bad FCS and garbage: parse errors, no ACK. */
    unsigned sent_before = n.radio.n;
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 7, true, PAYLOAD, sizeof(PAYLOAD));
    f[len - 1] ^= 0x55;
    rx_at(&n, f, len, 15, 7);
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    rx_at(&n, junk, sizeof(junk), 15, 8);
    assert_int_equal(c->rx_drop_parse, 2);
    assert_int_equal(n.radio.n, sent_before);

    /* No short address assigned: 0xfffe is not ours. */
    mac_layer_set_short_addr(&n.mac, MAC_SHORT_NONE);
    len = build(f, short_addr(MAC_SHORT_NONE), ext_addr(EXT_B), 8, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 9);
    assert_int_equal(c->rx_drop_dst_addr, 3);

    /* Unknown short source with a neighbour table: dropped (after the ACK). */
    mac_layer_set_short_addr(&n.mac, 0x1800);
    struct mac_addr nb = short_addr(0x1801);
    node_add_nbr(&n, &nb, EXT_B);
    len = build(f, short_addr(0x1800), short_addr(0x1802), 9, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 10);
    assert_int_equal(c->rx_drop_unknown_nbr, 1);
    /* A known one is delivered, with its extended address resolved. */
    len = build(f, short_addr(0x1800), short_addr(0x1801), 10, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 11);
    assert_int_equal(n.nrx, 2);
    assert_true(n.rx[1].src_ext_known);
    assert_memory_equal(n.rx[1].src_ext, EXT_B, 8);

    /* An ACK nobody waits for. */
    uint8_t ack[5];
    size_t alen;
    assert_int_equal(mac_ack_build(1, false, MAC_VERSION_2006, ack, sizeof(ack), &alen), MAC_OK);
    rx_at(&n, ack, alen, 15, 12);
    assert_int_equal(c->rx_drop_ack_unexpected, 1);

    assert_int_equal(c->rx_frames, 12);
    assert_int_equal(c->rx_delivered, 2);
}

static void duplicates(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    uint8_t f[MAC_PSDU_MAX];
    size_t len =
        build(f, short_addr(0x1800), ext_addr(EXT_B), 0x40, true, PAYLOAD, sizeof(PAYLOAD));

    rx_at(&n, f, len, 15, 100);
    rx_at(&n, f, len, 15, 120); /* retransmission: our ACK was lost */
    assert_int_equal(n.nrx, 1);
    assert_int_equal(c->rx_drop_duplicate, 1);
    assert_int_equal(n.radio.n, 2); /* both ACKed */
    assert_memory_equal(n.radio.sent[0].psdu, n.radio.sent[1].psdu, 5);

    /* Same seq, different content: a new frame (e.g. after seq wrap). */
    uint8_t pl2[sizeof(PAYLOAD)];
    memcpy(pl2, PAYLOAD, sizeof(pl2));
    pl2[9] ^= 1;
    uint8_t g[MAC_PSDU_MAX];
    size_t glen = build(g, short_addr(0x1800), ext_addr(EXT_B), 0x40, true, pl2, sizeof(pl2));
    rx_at(&n, g, glen, 15, 130);
    assert_int_equal(n.nrx, 2);

    /* The same seq from another source is not a duplicate. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_C), 0x40, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 140);
    assert_int_equal(n.nrx, 3);
    rx_at(&n, f, len, 15, 150);
    assert_int_equal(n.nrx, 3);
    /* After the window it is delivered again. */
    rx_at(&n, f, len, 15, 150 + MAC_LAYER_DUP_WINDOW_MS + 1);
    assert_int_equal(n.nrx, 4);
    assert_int_equal(c->rx_drop_duplicate, 2);

    /* Broadcasts are never retransmitted at the MAC level: no duplicate check. */
    len = build(f, short_addr(0xffff), ext_addr(EXT_B), 0x41, false, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 2000);
    rx_at(&n, f, len, 15, 2001);
    assert_int_equal(n.nrx, 6);

    /* Many sources: the table is bounded and keeps working. */
    for (unsigned i = 0; i < 3 * MAC_LAYER_DUP_SLOTS; i++) {
        uint8_t e[8] = {0x42, 0, 0, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i};
        len = build(f, short_addr(0x1800), ext_addr(e), 7, true, PAYLOAD, sizeof(PAYLOAD));
        rx_at(&n, f, len, 15, 3000 + i);
        rx_at(&n, f, len, 15, 3000 + i);
    }
    assert_int_equal(n.nrx, 6 + 3 * MAC_LAYER_DUP_SLOTS);
    assert_int_equal(c->rx_drop_duplicate, 2 + 3 * MAC_LAYER_DUP_SLOTS);
}

/* ---- transmit -------------------------------------------------------------------------- */

static struct mac_tx_req unicast_req(uint32_t cookie)
{
    struct mac_tx_req r = {.type = MAC_FRAME_DATA,
                           .dst = {.mode = MAC_ADDR_SHORT, .short_addr = 0x1801},
                           .src_mode = MAC_ADDR_SHORT,
                           .payload = PAYLOAD,
                           .len = sizeof(PAYLOAD),
                           .cookie = cookie};
    return r;
}

static void feed_ack(struct node *n, uint8_t seq, bool fp, uint64_t now)
{
    uint8_t ack[5];
    size_t alen;
    assert_int_equal(mac_ack_build(seq, fp, MAC_VERSION_2006, ack, sizeof(ack), &alen), MAC_OK);
    rx_at(n, ack, alen, 15, now);
}

static void tx_acked(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    n.mac.seq = 200;
    struct mac_tx_req req = unicast_req(7);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 0), -1);
    assert_int_equal(mac_layer_send(&n.mac, &req, 1000), MAC_LAYER_OK);
    assert_int_equal(n.radio.n, 1);
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(n.radio.sent[0].psdu, n.radio.sent[0].len, &f), MAC_OK);
    assert_int_equal(f.type, MAC_FRAME_DATA);
    assert_int_equal(f.version, MAC_VERSION_2006);
    assert_true(f.ack_request);
    assert_true(f.pan_id_compression);
    assert_false(f.security_enabled);
    assert_int_equal(f.seq, 200);
    assert_int_equal(f.dst_pan, 0x1234);
    assert_int_equal(f.dst.short_addr, 0x1801);
    assert_int_equal(f.src.mode, MAC_ADDR_SHORT);
    assert_int_equal(f.src.short_addr, 0x1800);
    assert_int_equal(f.payload_len, sizeof(PAYLOAD));
    assert_memory_equal(f.payload, PAYLOAD, sizeof(PAYLOAD));
    assert_int_equal(n.radio.sent[0].channel, 15);

    assert_int_equal(mac_layer_timeout_ms(&n.mac, 1000), MAC_LAYER_ACK_TIMEOUT_MS);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 1010), 6);
    mac_layer_tick(&n.mac, 1010); /* not yet */
    assert_int_equal(n.radio.n, 1);

    feed_ack(&n, 199, true, 1011); /* wrong seq */
    assert_int_equal(n.ntx, 0);
    assert_int_equal(mac_layer_counters(&n.mac)->rx_drop_ack_unexpected, 1);
    feed_ack(&n, 200, true, 1012);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_OK);
    assert_int_equal(n.tx[0].cookie, 7);
    assert_int_equal(n.tx[0].seq, 200);
    assert_int_equal(n.tx[0].attempts, 1);
    assert_true(n.tx[0].ack_frame_pending);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 1012), -1);
    assert_int_equal(mac_layer_txq_count(&n.mac), 0);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    assert_int_equal(c->tx_acked, 1);
    assert_int_equal(c->rx_acks_matched, 1);
    assert_int_equal(n.nrx, 0); /* ACKs are not delivered */

    /* The next frame takes the next sequence number; 255 wraps to 0. */
    n.mac.seq = 255;
    req.dst = ext_addr(EXT_B);
    req.src_mode = MAC_ADDR_EXT;
    assert_int_equal(mac_layer_send(&n.mac, &req, 2000), MAC_LAYER_OK);
    feed_ack(&n, 255, false, 2001);
    assert_int_equal(mac_layer_send(&n.mac, &req, 2002), MAC_LAYER_OK);
    assert_int_equal(n.radio.sent[2].psdu[2], 0);
    assert_int_equal(mac_frame_parse(n.radio.sent[1].psdu, n.radio.sent[1].len, &f), MAC_OK);
    assert_int_equal(f.dst.mode, MAC_ADDR_EXT);
    assert_memory_equal(f.dst.ext, EXT_B, 8);
    assert_memory_equal(f.src.ext, EXT_A, 8);
    assert_false(n.tx[1].ack_frame_pending);
}

static void tx_retries_then_fail(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    assert_int_equal(n.mac.cfg.max_retries, 15); /* OpenThread's direct default */
    struct mac_tx_req req = unicast_req(1);
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    req.cookie = 2;
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK); /* queued behind */
    assert_int_equal(n.radio.n, 1);

    uint64_t now = 0;
    for (unsigned i = 1; i <= 15; i++) {
        now += MAC_LAYER_ACK_TIMEOUT_MS;
        mac_layer_tick(&n.mac, now);
        assert_int_equal(n.radio.n, 1 + i);
        /* Byte-identical retransmission (same seq; same counter if secured). */
        assert_int_equal(n.radio.sent[i].len, n.radio.sent[0].len);
        assert_memory_equal(n.radio.sent[i].psdu, n.radio.sent[0].psdu, n.radio.sent[0].len);
        assert_int_equal(n.ntx, 0);
    }
    now += MAC_LAYER_ACK_TIMEOUT_MS;
    mac_layer_tick(&n.mac, now);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_NO_ACK);
    assert_int_equal(n.tx[0].cookie, 1);
    assert_int_equal(n.tx[0].attempts, 16);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    assert_int_equal(c->tx_no_ack, 1);
    assert_int_equal(c->tx_retries, 15);
    /* The queued frame went out at once. */
    assert_int_equal(n.radio.n, 17);
    assert_int_equal(n.radio.sent[16].psdu[2], (uint8_t)(n.radio.sent[0].psdu[2] + 1));

    /* With max_retries 3: an ACK to the third retry completes it. */
    n.mac.cfg.max_retries = 3;
    for (unsigned i = 0; i < 3; i++) {
        now += MAC_LAYER_ACK_TIMEOUT_MS;
        mac_layer_tick(&n.mac, now);
    }
    assert_int_equal(n.radio.n, 20);
    feed_ack(&n, n.radio.sent[16].psdu[2], false, now + 1);
    assert_int_equal(n.ntx, 2);
    assert_int_equal(n.tx[1].status, MAC_TX_OK);
    assert_int_equal(n.tx[1].attempts, 4);
    assert_int_equal(c->tx_frames, 20);
}

static void tx_broadcast_queue_and_errors(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);

    /* Broadcast: AR=0, done as soon as the radio took it. */
    struct mac_tx_req req = unicast_req(5);
    req.dst = short_addr(0xffff);
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_OK);
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(n.radio.sent[0].psdu, n.radio.sent[0].len, &f), MAC_OK);
    assert_false(f.ack_request);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 0), -1);

    /* Bounded queue: one in flight + the rest waiting. */
    req = unicast_req(0);
    for (unsigned i = 0; i < MAC_LAYER_TXQ_LEN; i++) {
        req.cookie = 100 + i;
        assert_int_equal(mac_layer_send(&n.mac, &req, 1), MAC_LAYER_OK);
    }
    assert_int_equal(mac_layer_send(&n.mac, &req, 1), MAC_LAYER_ERR_QUEUE_FULL);
    assert_int_equal(c->tx_drop_queue_full, 1);
    assert_int_equal(n.radio.n, 2);
    assert_int_equal(mac_layer_txq_count(&n.mac), MAC_LAYER_TXQ_LEN);

    /* tx_done may queue a frame: it goes out after the aborts (re-entrancy). */
    n.send_from_done = true;
    mac_layer_abort_all(&n.mac);
    assert_int_equal(c->tx_aborted, MAC_LAYER_TXQ_LEN);
    assert_int_equal(n.tx[1].status, MAC_TX_ABORTED);
    assert_int_equal(n.tx[1].cookie, 100);
    assert_int_equal(mac_layer_txq_count(&n.mac), 1);
    mac_layer_tick(&n.mac, 2);
    assert_int_equal(mac_layer_txq_count(&n.mac), 0);
    assert_int_equal(n.tx[n.ntx - 1].cookie, 999);
    assert_int_equal(n.tx[n.ntx - 1].status, MAC_TX_OK);

    /* Radio failure. */
    n.radio.fail = true;
    req = unicast_req(77);
    assert_int_equal(mac_layer_send(&n.mac, &req, 3), MAC_LAYER_OK);
    assert_int_equal(n.tx[n.ntx - 1].cookie, 77);
    assert_int_equal(n.tx[n.ntx - 1].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(c->tx_radio_errors, 1);
    n.radio.fail = false;

    /* Refused requests. */
    req = unicast_req(1);
    req.dst.mode = MAC_ADDR_NONE;
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_ERR_INVALID);
    req = unicast_req(1);
    req.type = MAC_FRAME_ACK;
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_ERR_INVALID);
    req = unicast_req(1);
    mac_layer_set_short_addr(&n.mac, MAC_SHORT_NONE);
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_ERR_INVALID);
    mac_layer_set_short_addr(&n.mac, 0x1800);
    req.secure = true;
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_ERR_NO_KEYS);
    uint8_t big[120];
    memset(big, 0xab, sizeof(big));
    req = unicast_req(1);
    req.payload = big;
    req.len = sizeof(big);
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_ERR_TOO_LONG);
    assert_int_equal(c->tx_drop_invalid, 4);
    assert_int_equal(c->tx_drop_security, 1);
    assert_string_equal(mac_layer_strerror(MAC_LAYER_ERR_QUEUE_FULL), "transmit queue full");
    assert_string_equal(mac_tx_status_str(MAC_TX_NO_ACK), "no ack");
}

/* ---- security ------------------------------------------------------------------------------- */

/* Sends req from a; returns the frame put on the radio and ACKs it (if AR)
 * so that a is ready for the next one. */
static struct fake_frame *send_acked(struct node *a, const struct mac_tx_req *req, uint64_t now)
{
    unsigned before = a->radio.n;
    assert_int_equal(mac_layer_send(&a->mac, req, now), MAC_LAYER_OK);
    assert_int_equal(a->radio.n, before + 1);
    struct fake_frame *fr = &a->radio.sent[before];
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(fr->psdu, fr->len, &f), MAC_OK);
    if (f.ack_request)
        feed_ack(a, f.seq, false, now);
    assert_int_equal(mac_layer_txq_count(&a->mac), 0);
    return fr;
}

static void security_round_trip(void **state)
{
    (void)state;
    struct mac_keys keys;
    assert_int_equal(thread_keys_mac_keys(NET_KEY, 0, &keys), 0);
    struct node a, b;
    node_init(&a, EXT_A, 0x1800);
    node_init(&b, EXT_B, 0x1801);
    mac_layer_set_keys(&a.mac, &keys);
    mac_layer_set_keys(&b.mac, &keys);
    struct mac_addr a_short = short_addr(0x1800);
    node_add_nbr(&b, &a_short, EXT_A);

    mac_layer_set_frame_counter(&a.mac, 41);
    struct mac_tx_req req = unicast_req(1);
    req.secure = true;
    assert_int_equal(mac_layer_send(&a.mac, &req, 0), MAC_LAYER_OK);
    assert_int_equal(mac_layer_frame_counter(&a.mac), 42);
    struct fake_frame *fr = &a.radio.sent[0];
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(fr->psdu, fr->len, &f), MAC_OK);
    assert_true(f.security_enabled);
    assert_int_equal(f.sec.level, 5);
    assert_int_equal(f.sec.key_id_mode, 1);
    assert_int_equal(f.sec.key_index, 1);
    assert_int_equal(f.sec.frame_counter, 41);
    assert_memory_not_equal(f.payload, PAYLOAD, sizeof(PAYLOAD)); /* encrypted */

    rx_at(&b, fr->psdu, fr->len, 15, 10);
    assert_int_equal(b.nrx, 1);
    assert_true(b.rx[0].secured);
    assert_int_equal(b.rx[0].key_seq, 0);
    assert_memory_equal(b.rx[0].payload, PAYLOAD, sizeof(PAYLOAD));
    assert_memory_equal(b.rx[0].src_ext, EXT_A, 8);
    assert_int_equal(b.nbrs[0].replay.last, 41);
    assert_int_equal(b.radio.n, 1); /* ACKed */
    feed_ack(&a, f.seq, false, 11);
    assert_int_equal(a.tx[0].status, MAC_TX_OK);

    /* Replayed after the duplicate window: the frame counter check drops it. */
    rx_at(&b, fr->psdu, fr->len, 15, 10 + MAC_LAYER_DUP_WINDOW_MS + 1);
    assert_int_equal(b.nrx, 1);
    const struct mac_layer_counters *c = mac_layer_counters(&b.mac);
    assert_int_equal(c->rx_drop_sec_replay, 1);

    /* Broadcast, secured: delivered once, then a replay. */
    req.dst = short_addr(0xffff);
    fr = send_acked(&a, &req, 20);
    rx_at(&b, fr->psdu, fr->len, 15, 21);
    rx_at(&b, fr->psdu, fr->len, 15, 22);
    assert_int_equal(b.nrx, 2);
    assert_int_equal(c->rx_drop_sec_replay, 2);

    /* A tampered frame fails the MIC (FCS recomputed so it parses). */
    req.dst = short_addr(0x1801);
    fr = send_acked(&a, &req, 30);
    uint8_t t[MAC_PSDU_MAX];
    size_t tlen = fr->len;
    memcpy(t, fr->psdu, tlen);
    t[tlen - 4] ^= 0x01; /* inside the MIC */
    uint16_t crc = mac_crc16_kermit(t, tlen - 2);
    t[tlen - 2] = (uint8_t)crc;
    t[tlen - 1] = (uint8_t)(crc >> 8);
    rx_at(&b, t, tlen, 15, 31);
    assert_int_equal(c->rx_drop_sec_mic, 1);
    assert_int_equal(b.nbrs[0].replay.last, 42); /* untouched by the failure */

    /* From an unknown neighbour (ext source not in the table): dropped. */
    struct mac_layer_counters before = *c;
    req.src_mode = MAC_ADDR_EXT;
    fr = send_acked(&a, &req, 40);
    rx_at(&b, fr->psdu, fr->len, 15, 41);
    assert_int_equal(c->rx_drop_unknown_nbr, before.rx_drop_unknown_nbr + 1);

    /* Next key sequence: accepted, the neighbour's state moves to it; the old
     * key is then refused. */
    struct mac_keys keys1;
    assert_int_equal(thread_keys_mac_keys(NET_KEY, 1, &keys1), 0);
    mac_layer_set_keys(&a.mac, &keys1);
    assert_int_equal(mac_layer_frame_counter(&a.mac), 0); /* restarts per key sequence */
    req = unicast_req(9);
    req.secure = true;
    fr = send_acked(&a, &req, 50);
    assert_int_equal(mac_frame_parse(fr->psdu, fr->len, &f), MAC_OK);
    assert_int_equal(f.sec.key_index, 2);
    unsigned nrx = b.nrx;
    rx_at(&b, fr->psdu, fr->len, 15, 51);
    assert_int_equal(b.nrx, nrx + 1);
    assert_int_equal(b.rx[nrx].key_seq, 1);
    assert_int_equal(b.nbrs[0].key_seq, 1);
    assert_int_equal(b.nbrs[0].replay.last, 0);

    mac_layer_set_keys(&a.mac, &keys);
    mac_layer_set_frame_counter(&a.mac, 1000);
    fr = send_acked(&a, &req, 60);
    rx_at(&b, fr->psdu, fr->len, 15, 61);
    assert_int_equal(c->rx_drop_sec_old_key, 1);

    /* A neighbour being restored: MIC checked, no counter state. */
    b.nbrs[0].restoring = true;
    rx_at(&b, fr->psdu, fr->len, 15, 62 + MAC_LAYER_DUP_WINDOW_MS);
    assert_int_equal(b.nrx, nrx + 2);
    assert_true(b.rx[nrx + 1].secured);

    /* No keys at all on the receiver. */
    struct node d;
    node_init(&d, EXT_C, 0x1801);
    rx_at(&d, fr->psdu, fr->len, 15, 70);
    assert_int_equal(mac_layer_counters(&d.mac)->rx_drop_sec_no_keys, 1);
    assert_int_equal(d.radio.n, 1); /* the ACK still went out first */
}

/* ---- pcap -------------------------------------------------------------------------------------
 */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    return n;
}

static void temp_path(char *buf, size_t cap, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, cap, "%s/tbr_test_mac_layer_%d_%s.pcap", dir && *dir ? dir : "/tmp",
             (int)getpid(), tag);
}

static void pcap_written_and_reread(void **state)
{
    (void)state;
    char path[256];
    temp_path(path, sizeof(path), "a");
    struct mac_pcap pc;
    assert_int_equal(mac_pcap_open(&pc, path, 0), 0);
    pc.ts_offset_us = 0; /* raw now_ms timestamps */

    struct node n;
    node_init(&n, EXT_A, 0x1800);
    n.mac.cfg.pcap = &pc;
    uint8_t f[MAC_PSDU_MAX];
    size_t len =
        build(f, short_addr(0x1800), ext_addr(EXT_B), 0x34, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 1234567); /* -> received frame + our ACK */
    struct mac_tx_req req = unicast_req(1);
    req.dst = short_addr(0xffff);
    assert_int_equal(mac_layer_send(&n.mac, &req, 2000001), MAC_LAYER_OK);
    assert_int_equal(pc.records, 3);
    assert_int_equal(mac_pcap_close(&pc), 0);

    uint8_t buf[1024];
    size_t flen = read_file(path, buf, sizeof(buf));
    static const uint8_t ghdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0xff, 0xff, 0x00, 0x00, 0xc3, 0x00, 0x00, 0x00};
    assert_true(flen >= 24);
    assert_memory_equal(buf, ghdr, 24);

    const uint8_t *want[3] = {f, n.radio.sent[0].psdu, n.radio.sent[1].psdu};
    size_t want_len[3] = {len, n.radio.sent[0].len, n.radio.sent[1].len};
    uint64_t want_ms[3] = {1234567, 1234567, 2000001};
    size_t off = 24;
    for (int i = 0; i < 3; i++) {
        assert_true(off + 16 <= flen);
        uint64_t us = want_ms[i] * 1000;
        assert_int_equal(le32(buf + off), (uint32_t)(us / 1000000));
        assert_int_equal(le32(buf + off + 4), (uint32_t)(us % 1000000));
        assert_int_equal(le32(buf + off + 8), want_len[i]);
        assert_int_equal(le32(buf + off + 12), want_len[i]);
        assert_true(off + 16 + want_len[i] <= flen);
        assert_memory_equal(buf + off + 16, want[i], want_len[i]);
        off += 16 + want_len[i];
    }
    assert_int_equal(off, flen);
    unlink(path);

    /* Default offset: wall-clock timestamps (after 2020). */
    assert_int_equal(mac_pcap_open(&pc, path, 0), 0);
    assert_true(pc.ts_offset_us > 0);
    assert_int_equal(mac_pcap_write(&pc, 0, f, len), 0);
    assert_int_equal(mac_pcap_close(&pc), 0);
    flen = read_file(path, buf, sizeof(buf));
    assert_true(le32(buf + 24) > 1577836800u);
    unlink(path);
}

static void pcap_bounded_and_errors(void **state)
{
    (void)state;
    char path[256];
    temp_path(path, sizeof(path), "b");
    struct mac_pcap pc;
    /* Room for the header and exactly two 5-byte records. */
    assert_int_equal(mac_pcap_open(&pc, path, 24 + 2 * (16 + 5)), 0);
    static const uint8_t ack[5] = {0x12, 0x10, 0x34, 0x1b, 0xd2};
    assert_int_equal(mac_pcap_write(&pc, 1, ack, 5), 0);
    assert_int_equal(mac_pcap_write(&pc, 2, ack, 5), 0);
    assert_int_equal(mac_pcap_write(&pc, 3, ack, 5), 1);
    assert_int_equal(pc.dropped_full, 1);
    uint8_t big[128] = {0};
    assert_int_equal(mac_pcap_write(&pc, 4, big, 128), 1);
    assert_int_equal(mac_pcap_write(&pc, 4, big, 0), 1);
    assert_int_equal(pc.dropped_bad, 2);
    assert_int_equal(pc.records, 2);
    assert_int_equal(mac_pcap_close(&pc), 0);
    uint8_t buf[256];
    assert_int_equal(read_file(path, buf, sizeof(buf)), 24 + 2 * 21);
    unlink(path);
    assert_int_equal(mac_pcap_write(&pc, 5, ack, 5), -1); /* closed */

    /* A file that cannot be created: a clear message. */
    assert_int_equal(mac_pcap_open(&pc, "/nonexistent-dir-tbr/x.pcap", 0), -1);
    assert_non_null(strstr(pc.err, "/nonexistent-dir-tbr/x.pcap"));
    assert_non_null(strstr(pc.err, "No such file or directory"));
    assert_false(mac_pcap_is_open(&pc));
    assert_int_equal(mac_pcap_open(&pc, path, 10), -1); /* below the header size */
    assert_non_null(strstr(pc.err, "limit"));

    /* A full disk: write errors are reported and counted. */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(mac_pcap_open(&pc, "/dev/full", 0), -1);
        assert_non_null(strstr(pc.err, "No space left on device"));
    }
}

/* ---- OpenThread captures: our ACKs == theirs ------------------------------------------------ */

static size_t hexv(const char *s, uint8_t *out, size_t cap)
{
    assert_non_null(s);
    long n = tvec_hex(s, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static unsigned long num(const char *s)
{
    assert_non_null(s);
    return strtoul(s, NULL, 0);
}

static bool is_ack_block(const struct tvec_block *b)
{
    const char *h = tvec_get(b, "mac_header");
    return h && strncmp(h, "type=ack", 8) == 0;
}

struct vec_node {
    uint8_t ext[8];
    uint16_t rloc16, rloc16_later;
    bool have_later;
    bool present;
};

/* Per (receiver, sender) replay state kept across the capture. */
struct vec_ctx {
    struct vec_node nodes[8];
    uint32_t key_seq[8][8];
    struct mac_replay replay[8][8];
    unsigned rx_sender; /* sender of the frame being fed */
    unsigned rx_node;
};

static struct vec_ctx *g_vec;

static bool vec_neighbour(void *user, const struct mac_addr *src, struct mac_nbr_sec *out)
{
    (void)user;
    struct vec_ctx *v = g_vec;
    const struct vec_node *s = &v->nodes[v->rx_sender];
    bool match = src->mode == MAC_ADDR_EXT
                     ? memcmp(src->ext, s->ext, 8) == 0
                     : (src->short_addr == s->rloc16 ||
                        (s->have_later && src->short_addr == s->rloc16_later));
    if (!match)
        return false;
    memcpy(out->ext, s->ext, 8);
    out->key_seq = &v->key_seq[v->rx_node][v->rx_sender];
    out->replay = &v->replay[v->rx_node][v->rx_sender];
    return true;
}

static void vector_acks_one(const char *name, unsigned *acks_checked, unsigned *secured_checked)
{
    struct tvec_file file;
    assert_int_equal(tvec_load(name, &file), 0);
    struct vec_ctx *v = calloc(1, sizeof(*v));
    assert_non_null(v);
    g_vec = v;
    const struct tvec_block *net = tvec_find(&file, "network", NULL);
    assert_non_null(net);
    uint16_t pan = (uint16_t)num(tvec_get(net, "pan_id"));
    uint8_t channel = (uint8_t)num(tvec_get(net, "channel"));
    uint8_t nk[16];
    assert_int_equal(hexv(tvec_get(net, "network_key"), nk, sizeof(nk)), 16);
    struct mac_keys keys;
    assert_int_equal(thread_keys_mac_keys(nk, (uint32_t)num(tvec_get(net, "key_sequence")), &keys),
                     0);
    for (unsigned i = 0; i < file.n; i++) {
        const struct tvec_block *b = &file.blocks[i];
        if (b->n == 0 || strcmp(b->kv[0].key, "node") != 0)
            continue;
        unsigned id = (unsigned)num(b->kv[0].value);
        assert_true(id < 8);
        struct vec_node *vn = &v->nodes[id];
        vn->present = true;
        assert_int_equal(hexv(tvec_get(b, "ext_addr"), vn->ext, 8), 8);
        vn->rloc16 = (uint16_t)num(tvec_get(b, "rloc16"));
        if (tvec_get(b, "rloc16_later")) {
            vn->have_later = true;
            vn->rloc16_later = (uint16_t)num(tvec_get(b, "rloc16_later"));
        }
        for (unsigned j = 0; j < 8; j++)
            mac_replay_init(&v->replay[id][j], 0);
    }

    for (unsigned i = 0; i < file.n; i++) {
        const struct tvec_block *b = &file.blocks[i];
        if (b->n == 0 || strcmp(b->kv[0].key, "frame") != 0 || is_ack_block(b))
            continue;
        uint8_t psdu[MAC_PSDU_MAX];
        size_t len = hexv(tvec_get(b, "psdu"), psdu, sizeof(psdu));
        struct mac_frame f;
        assert_int_equal(mac_frame_parse(psdu, len, &f), MAC_OK);
        if (!f.ack_request)
            continue;
        unsigned sender = (unsigned)num(tvec_get(b, "sender_node"));

        /* The Imm-Ack OpenThread sent for it: the next ack with its seq. */
        const struct tvec_block *ackb = NULL;
        for (unsigned j = i + 1; j < file.n && j <= i + 4 && !ackb; j++) {
            const struct tvec_block *c = &file.blocks[j];
            if (!is_ack_block(c))
                continue;
            uint8_t a[8];
            size_t alen = hexv(tvec_get(c, "psdu"), a, sizeof(a));
            if (alen == MAC_ACK_LEN && a[2] == f.seq)
                ackb = c;
        }
        assert_non_null(ackb);
        unsigned acker = (unsigned)num(tvec_get(ackb, "sender_node"));
        assert_true(acker < 8 && v->nodes[acker].present);
        assert_int_not_equal(acker, sender);
        const struct vec_node *an = &v->nodes[acker];

        /* The acking node as our MAC: its ext address, and its short address
         * at the time (node 2 of attach-ftd-child changes it). */
        uint16_t my_short = an->rloc16;
        if (f.dst.mode == MAC_ADDR_SHORT) {
            assert_true(f.dst.short_addr == an->rloc16 ||
                        (an->have_later && f.dst.short_addr == an->rloc16_later));
            my_short = f.dst.short_addr;
        } else {
            assert_memory_equal(f.dst.ext, an->ext, 8);
        }
        struct node *n = calloc(1, sizeof(*n));
        assert_non_null(n);
        node_init(n, an->ext, my_short);
        mac_layer_set_pan_id(&n->mac, pan);
        assert_int_equal(mac_layer_set_channel(&n->mac, channel), 0);
        n->mac.cfg.neighbour = vec_neighbour;
        mac_layer_set_keys(&n->mac, &keys);
        v->rx_sender = sender;
        v->rx_node = acker;

        rx_at(n, psdu, len, (uint8_t)num(tvec_get(b, "channel")), 0);

        uint8_t want[8];
        size_t wlen = hexv(tvec_get(ackb, "psdu"), want, sizeof(want));
        assert_true(n->radio.n >= 1);
        assert_int_equal(n->radio.sent[0].len, wlen);
        assert_memory_equal(n->radio.sent[0].psdu, want, wlen);
        assert_int_equal(n->radio.sent[0].channel, num(tvec_get(ackb, "channel")));
        (*acks_checked)++;

        /* ... and the frame is delivered, decrypted to the captured plaintext. */
        assert_int_equal(n->nrx, 1);
        uint8_t pl[MAC_PSDU_MAX];
        size_t plen = hexv(tvec_get(b, "mac_payload"), pl, sizeof(pl));
        assert_int_equal(n->rx[0].frame.payload_len, plen);
        assert_memory_equal(n->rx[0].payload, pl, plen);
        assert_int_equal(n->rx[0].secured, f.security_enabled);
        if (f.security_enabled)
            (*secured_checked)++;
        free(n);
    }
    free(v);
    g_vec = NULL;
    tvec_free(&file);
}

static void vector_acks(void **state)
{
    (void)state;
    static const char *const files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};
    unsigned acks = 0, secured = 0;
    for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        vector_acks_one(files[i], &acks, &secured);
    print_message("vectors: %u Imm-Acks reproduced, %u secured frames decrypted\n", acks, secured);
    /* The README counts 50 acks over the three captures. */
    assert_int_equal(acks, 50);
    assert_true(secured > 0);
}

/* ---- a radio co-processor: auto-ACK, retries and tx-done reports (radio.h) ------------ */

/* The fake radio again, claiming what an RCP does: transmit() only records
 * the frame; the test delivers the tx-done reports. */
static const struct radio_ops rcp_ops = {
    .caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES,
    .transmit = fake_transmit,
    .set_channel = fake_set_channel,
};

/* The radio's report for the frame in flight (no ACK frame). */
static void report(struct node *n, enum radio_tx_status st, bool fp, uint64_t now)
{
    struct radio_tx_done d = {.status = st, .ack_frame_pending = fp, .now_ms = now};
    mac_layer_radio_tx_done(&n->mac, &d);
}

static void rcp_tx_ok_and_frame_pending(void **state)
{
    (void)state;
    char path[256];
    temp_path(path, sizeof(path), "rcp");
    struct mac_pcap pc;
    assert_int_equal(mac_pcap_open(&pc, path, 0), 0);
    struct node n;
    node_init_ops(&n, EXT_A, 0x1800, &rcp_ops);
    n.mac.cfg.pcap = &pc;
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    assert_int_equal(n.mac.cfg.tx_done_timeout_ms, MAC_LAYER_TX_DONE_TIMEOUT_MS);

    /* AR frame: handed over once; no ACK timer, no software retry. */
    struct mac_tx_req req = unicast_req(7);
    assert_int_equal(mac_layer_send(&n.mac, &req, 1000), MAC_LAYER_OK);
    assert_int_equal(n.radio.n, 1);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 1000), MAC_LAYER_TX_DONE_TIMEOUT_MS);
    for (uint64_t t = 1000; t <= 1000 + 20 * MAC_LAYER_ACK_TIMEOUT_MS;
         t += MAC_LAYER_ACK_TIMEOUT_MS)
        mac_layer_tick(&n.mac, t);
    assert_int_equal(n.radio.n, 1);
    assert_int_equal(n.ntx, 0);
    /* An ACK passed up anyway completes nothing (the radio consumes them). */
    feed_ack(&n, n.radio.sent[0].psdu[2], false, 1400);
    assert_int_equal(c->rx_drop_ack_unexpected, 1);
    assert_int_equal(n.ntx, 0);

    /* OK with frame pending and the ACK frame: captured after the frame. */
    uint8_t ack[5];
    size_t alen;
    assert_int_equal(
        mac_ack_build(n.radio.sent[0].psdu[2], true, MAC_VERSION_2006, ack, sizeof(ack), &alen),
        MAC_OK);
    unsigned rec = pc.records;
    struct radio_tx_done d = {.status = RADIO_TX_OK,
                              .ack_frame_pending = true,
                              .ack_psdu = ack,
                              .ack_len = alen,
                              .now_ms = 1500};
    mac_layer_radio_tx_done(&n.mac, &d);
    assert_int_equal(pc.records, rec + 1);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_OK);
    assert_int_equal(n.tx[0].cookie, 7);
    assert_int_equal(n.tx[0].attempts, 1);
    assert_true(n.tx[0].ack_frame_pending);
    assert_int_equal(c->tx_ok, 1);
    assert_int_equal(c->tx_acked, 1);
    assert_int_equal(c->tx_retries, 0);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 1500), -1);

    /* Broadcast (no AR) waits for the report too; frame pending means
     * nothing without an ACK. An overlong ACK in a report is not captured. */
    req.dst = short_addr(0xffff);
    req.cookie = 8;
    assert_int_equal(mac_layer_send(&n.mac, &req, 2000), MAC_LAYER_OK);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(mac_layer_txq_count(&n.mac), 1);
    rec = pc.records;
    d.ack_len = MAC_PSDU_MAX + 1;
    d.now_ms = 2001;
    mac_layer_radio_tx_done(&n.mac, &d);
    assert_int_equal(pc.records, rec);
    assert_int_equal(n.ntx, 2);
    assert_int_equal(n.tx[1].status, MAC_TX_OK);
    assert_false(n.tx[1].ack_frame_pending);
    assert_int_equal(c->tx_ok, 2);
    assert_int_equal(c->tx_acked, 1);
    assert_int_equal(c->tx_frames, 2);
    assert_int_equal(mac_pcap_close(&pc), 0);
    unlink(path);
}

static void rcp_tx_failures_and_queue(void **state)
{
    (void)state;
    struct node n;
    node_init_ops(&n, EXT_A, 0x1800, &rcp_ops);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_tx_req req = unicast_req(0);
    for (unsigned i = 0; i < 5; i++) {
        req.cookie = 10 + i;
        assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    }
    assert_int_equal(n.radio.n, 1); /* one at a time */

    /* Each report completes the head and hands the next frame over, once. */
    static const enum radio_tx_status rs[] = {RADIO_TX_NO_ACK, RADIO_TX_CHANNEL_ACCESS_FAIL,
                                              RADIO_TX_ABORTED, RADIO_TX_ERROR};
    static const enum mac_tx_status ms[] = {MAC_TX_NO_ACK, MAC_TX_CHANNEL_ACCESS_FAILURE,
                                            MAC_TX_RADIO_ERROR, MAC_TX_RADIO_ERROR};
    for (unsigned i = 0; i < 4; i++) {
        report(&n, rs[i], true, 10 + i);
        assert_int_equal(n.ntx, i + 1);
        assert_int_equal(n.tx[i].cookie, 10 + i);
        assert_int_equal(n.tx[i].status, ms[i]);
        assert_int_equal(n.tx[i].attempts, 1);
        assert_false(n.tx[i].ack_frame_pending);
        assert_int_equal(n.radio.n, i + 2);
        assert_int_equal(n.radio.sent[i + 1].psdu[2], (uint8_t)(n.radio.sent[i].psdu[2] + 1));
    }
    assert_int_equal(c->tx_no_ack, 1);
    assert_int_equal(c->tx_channel_access_failures, 1);
    assert_int_equal(c->tx_radio_errors, 2);
    assert_int_equal(c->tx_radio_aborted, 1);
    assert_int_equal(c->tx_radio_failed, 1);
    assert_int_equal(c->tx_retries, 0);
    assert_string_equal(mac_tx_status_str(MAC_TX_CHANNEL_ACCESS_FAILURE), "channel access failure");

    /* tx_done may queue a frame: it goes out from inside the report. */
    n.send_from_done = true;
    report(&n, RADIO_TX_OK, false, 20);
    assert_int_equal(n.ntx, 5);
    assert_int_equal(n.tx[4].cookie, 14);
    assert_int_equal(n.radio.n, 6);
    report(&n, RADIO_TX_OK, false, 21);
    assert_int_equal(n.tx[5].cookie, 999);
    assert_int_equal(mac_layer_txq_count(&n.mac), 0);

    /* A report with nothing in flight: counted, ignored. */
    report(&n, RADIO_TX_OK, false, 22);
    report(&n, RADIO_TX_NO_ACK, false, 23);
    assert_int_equal(c->tx_done_unexpected, 2);
    assert_int_equal(n.ntx, 6);
    assert_int_equal(c->tx_ok, 2);

    /* transmit() failing at once (ENETDOWN while the RCP resets): radio
     * error at once, and the queue goes on. */
    n.radio.fail = true;
    req.cookie = 30;
    assert_int_equal(mac_layer_send(&n.mac, &req, 30), MAC_LAYER_OK);
    assert_int_equal(n.tx[6].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(c->tx_radio_errors, 3);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 30), -1);
    n.radio.fail = false;
    req.cookie = 31;
    assert_int_equal(mac_layer_send(&n.mac, &req, 31), MAC_LAYER_OK);
    assert_int_equal(n.radio.n, 7);

    /* An abort while the radio holds a frame: its late report is ignored. */
    mac_layer_abort_all(&n.mac);
    assert_int_equal(n.tx[7].status, MAC_TX_ABORTED);
    report(&n, RADIO_TX_OK, false, 32);
    assert_int_equal(c->tx_done_unexpected, 3);
    assert_int_equal(n.ntx, 8);
    req.cookie = 32;
    assert_int_equal(mac_layer_send(&n.mac, &req, 33), MAC_LAYER_OK);
    assert_int_equal(n.radio.n, 8);
    report(&n, RADIO_TX_OK, true, 34);
    assert_int_equal(n.tx[8].cookie, 32);
    assert_true(n.tx[8].ack_frame_pending);
}

static void rcp_tx_done_deadline(void **state)
{
    (void)state;
    struct node n;
    node_init_ops(&n, EXT_A, 0x1800, &rcp_ops);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_tx_req req = unicast_req(1);
    assert_int_equal(mac_layer_send(&n.mac, &req, 100), MAC_LAYER_OK);
    req.cookie = 2;
    assert_int_equal(mac_layer_send(&n.mac, &req, 100), MAC_LAYER_OK);
    uint64_t deadline = 100 + MAC_LAYER_TX_DONE_TIMEOUT_MS;
    mac_layer_tick(&n.mac, deadline - 1);
    assert_int_equal(n.ntx, 0);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, deadline - 1), 1);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, deadline + 5), 0);

    /* No report: the frame completes as a radio error, the next one goes. */
    mac_layer_tick(&n.mac, deadline);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(n.tx[0].cookie, 1);
    assert_int_equal(c->tx_done_timeouts, 1);
    assert_int_equal(c->tx_radio_errors, 1);
    assert_int_equal(n.radio.n, 2);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, deadline), MAC_LAYER_TX_DONE_TIMEOUT_MS);
    mac_layer_tick(&n.mac, deadline + MAC_LAYER_TX_DONE_TIMEOUT_MS);
    assert_int_equal(n.tx[1].cookie, 2);
    assert_int_equal(c->tx_done_timeouts, 2);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, deadline + MAC_LAYER_TX_DONE_TIMEOUT_MS), -1);
    /* ... and a report coming after it is ignored. */
    report(&n, RADIO_TX_OK, false, deadline + MAC_LAYER_TX_DONE_TIMEOUT_MS + 1);
    assert_int_equal(c->tx_done_unexpected, 1);
    assert_int_equal(n.ntx, 2);

    /* The deadline is configurable; 0 means the default. */
    struct mac_layer_config cfg = n.mac.cfg;
    cfg.tx_done_timeout_ms = 250;
    assert_int_equal(mac_layer_init(&n.mac, &cfg), 0);
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 0), 250);
    mac_layer_tick(&n.mac, 250);
    assert_int_equal(n.ntx, 3);
    assert_int_equal(mac_layer_counters(&n.mac)->tx_done_timeouts, 1);
    cfg.tx_done_timeout_ms = 0;
    assert_int_equal(mac_layer_init(&n.mac, &cfg), 0);
    assert_int_equal(n.mac.cfg.tx_done_timeout_ms, MAC_LAYER_TX_DONE_TIMEOUT_MS);
}

/* The radio retries on its own: one frame counter per frame, whatever the
 * outcome, never reused. */
static void rcp_frame_counters(void **state)
{
    (void)state;
    struct mac_keys keys;
    assert_int_equal(thread_keys_mac_keys(NET_KEY, 0, &keys), 0);
    struct node n;
    node_init_ops(&n, EXT_A, 0x1800, &rcp_ops);
    mac_layer_set_keys(&n.mac, &keys);
    mac_layer_set_frame_counter(&n.mac, 100);
    struct mac_tx_req req = unicast_req(1);
    req.secure = true;
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(mac_layer_send(&n.mac, &req, i), MAC_LAYER_OK);
    assert_int_equal(mac_layer_frame_counter(&n.mac), 104); /* secured when queued */
    static const enum radio_tx_status rs[] = {RADIO_TX_NO_ACK, RADIO_TX_CHANNEL_ACCESS_FAIL,
                                              RADIO_TX_ABORTED, RADIO_TX_OK};
    for (unsigned i = 0; i < 4; i++)
        report(&n, rs[i], false, 10 + i);
    assert_int_equal(n.radio.n, 4);
    assert_int_equal(mac_layer_frame_counter(&n.mac), 104);
    for (unsigned i = 0; i < 4; i++) {
        struct mac_frame f;
        assert_int_equal(mac_frame_parse(n.radio.sent[i].psdu, n.radio.sent[i].len, &f), MAC_OK);
        assert_true(f.security_enabled);
        assert_int_equal(f.sec.frame_counter, 100 + i);
    }
    /* The next frame after failures takes the next counter. */
    assert_int_equal(mac_layer_send(&n.mac, &req, 20), MAC_LAYER_OK);
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(n.radio.sent[4].psdu, n.radio.sent[4].len, &f), MAC_OK);
    assert_int_equal(f.sec.frame_counter, 104);
    assert_int_equal(mac_layer_counters(&n.mac)->tx_frames, 5);
}

/* ---- a radio that reports but does not retry (RADIO_CAP_TX_DONE alone) ------------------ */

/* The caps come from get_caps (the static field says otherwise, and loses). */
static const struct radio_ops txdone_ops = {
    .caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES,
    .get_caps = fake_get_caps,
    .transmit = fake_transmit,
    .set_channel = fake_set_channel,
};

static void txdone_node(struct node *n, uint8_t max_retries)
{
    node_init_ops(n, EXT_A, 0x1800, &txdone_ops);
    n->radio.caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE;
    n->mac.cfg.max_retries = max_retries;
}

/* Every transmission so far carries the same bytes as the first. */
static void assert_all_sent_equal(const struct node *n)
{
    for (unsigned i = 1; i < n->radio.n; i++) {
        assert_int_equal(n->radio.sent[i].len, n->radio.sent[0].len);
        assert_memory_equal(n->radio.sent[i].psdu, n->radio.sent[0].psdu, n->radio.sent[0].len);
    }
}

/* NO_ACK and busy-channel reports are retried with the byte-identical PSDU:
 * same seq, same frame counter; the result counts every attempt. */
static void txdone_retries_no_ack_and_cca(void **state)
{
    (void)state;
    struct mac_keys keys;
    assert_int_equal(thread_keys_mac_keys(NET_KEY, 0, &keys), 0);
    struct node n;
    txdone_node(&n, MAC_LAYER_MAX_RETRIES_DIRECT);
    mac_layer_set_keys(&n.mac, &keys);
    mac_layer_set_frame_counter(&n.mac, 500);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_tx_req req = unicast_req(5);
    req.secure = true;
    assert_int_equal(mac_layer_send(&n.mac, &req, 100), MAC_LAYER_OK);
    assert_int_equal(n.radio.n, 1);
    assert_int_equal(mac_layer_frame_counter(&n.mac), 501);
    /* no ACK timer: the radio times the ACK; only the safety deadline */
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 100), MAC_LAYER_TX_DONE_TIMEOUT_MS);
    mac_layer_tick(&n.mac, 100 + 5 * MAC_LAYER_ACK_TIMEOUT_MS);
    assert_int_equal(n.radio.n, 1);

    report(&n, RADIO_TX_NO_ACK, false, 200);
    assert_int_equal(n.radio.n, 2);
    assert_int_equal(n.ntx, 0);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 200), MAC_LAYER_TX_DONE_TIMEOUT_MS);
    report(&n, RADIO_TX_CHANNEL_ACCESS_FAIL, false, 210);
    assert_int_equal(n.radio.n, 3);
    assert_int_equal(n.ntx, 0);
    assert_int_equal(c->tx_retries, 2);
    assert_all_sent_equal(&n);
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(n.radio.sent[2].psdu, n.radio.sent[2].len, &f), MAC_OK);
    assert_true(f.security_enabled);
    assert_int_equal(f.sec.frame_counter, 500);
    assert_int_equal(mac_layer_frame_counter(&n.mac), 501);

    /* The third attempt is acknowledged (frame pending from the report). */
    report(&n, RADIO_TX_OK, true, 220);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_OK);
    assert_int_equal(n.tx[0].cookie, 5);
    assert_int_equal(n.tx[0].attempts, 3);
    assert_true(n.tx[0].ack_frame_pending);
    assert_int_equal(c->tx_frames, 3);
    assert_int_equal(c->tx_ok, 1);
    assert_int_equal(c->tx_no_ack, 0);
    assert_int_equal(c->tx_channel_access_failures, 0);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 220), -1);

    /* A broadcast that finds the channel busy is retried too. */
    req = unicast_req(6);
    req.dst = short_addr(0xffff);
    assert_int_equal(mac_layer_send(&n.mac, &req, 300), MAC_LAYER_OK);
    report(&n, RADIO_TX_CHANNEL_ACCESS_FAIL, false, 301);
    assert_int_equal(n.radio.n, 5);
    assert_memory_equal(n.radio.sent[4].psdu, n.radio.sent[3].psdu, n.radio.sent[3].len);
    report(&n, RADIO_TX_OK, false, 302);
    assert_int_equal(n.tx[1].status, MAC_TX_OK);
    assert_int_equal(n.tx[1].attempts, 2);
    assert_int_equal(c->tx_retries, 3);
}

/* After max_retries the last report's status is the result; aborts, errors
 * and a transmit() failing on a retry are not retried. */
static void txdone_gives_up(void **state)
{
    (void)state;
    struct node n;
    txdone_node(&n, 2);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_tx_req req = unicast_req(1);
    req.secure = false;
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    req.cookie = 2;
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    for (unsigned i = 0; i < 3; i++)
        report(&n, RADIO_TX_NO_ACK, false, 10 + i);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_NO_ACK);
    assert_int_equal(n.tx[0].attempts, 3);
    assert_int_equal(c->tx_no_ack, 1);
    assert_int_equal(c->tx_retries, 2);
    assert_int_equal(n.radio.n, 4); /* 3 of the first, the second frame's first */
    assert_int_equal(n.radio.sent[3].psdu[2], (uint8_t)(n.radio.sent[0].psdu[2] + 1));

    /* Busy channel three times, the last one NO_ACK: the last status wins. */
    report(&n, RADIO_TX_CHANNEL_ACCESS_FAIL, false, 20);
    report(&n, RADIO_TX_NO_ACK, false, 21);
    report(&n, RADIO_TX_CHANNEL_ACCESS_FAIL, false, 22);
    assert_int_equal(n.ntx, 2);
    assert_int_equal(n.tx[1].cookie, 2);
    assert_int_equal(n.tx[1].status, MAC_TX_CHANNEL_ACCESS_FAILURE);
    assert_int_equal(n.tx[1].attempts, 3);
    assert_int_equal(c->tx_channel_access_failures, 1);
    assert_int_equal(c->tx_retries, 4);
    assert_int_equal(n.radio.n, 6);

    /* ABORTED and ERROR complete at once. */
    req.cookie = 3;
    assert_int_equal(mac_layer_send(&n.mac, &req, 30), MAC_LAYER_OK);
    report(&n, RADIO_TX_ABORTED, false, 31);
    req.cookie = 4;
    assert_int_equal(mac_layer_send(&n.mac, &req, 32), MAC_LAYER_OK);
    report(&n, RADIO_TX_ERROR, false, 33);
    assert_int_equal(n.ntx, 4);
    assert_int_equal(n.tx[2].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(n.tx[2].attempts, 1);
    assert_int_equal(n.tx[3].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(n.tx[3].attempts, 1);
    assert_int_equal(c->tx_retries, 4);

    /* The retry's transmit() fails (the RCP went away): a radio error. */
    req.cookie = 5;
    assert_int_equal(mac_layer_send(&n.mac, &req, 40), MAC_LAYER_OK);
    n.radio.fail = true;
    report(&n, RADIO_TX_NO_ACK, false, 41);
    assert_int_equal(n.ntx, 5);
    assert_int_equal(n.tx[4].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(n.tx[4].attempts, 2);
    assert_int_equal(c->tx_retries, 5);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 41), -1);
    n.radio.fail = false;

    /* The safety deadline still applies to a retry. */
    req.cookie = 6;
    assert_int_equal(mac_layer_send(&n.mac, &req, 50), MAC_LAYER_OK);
    report(&n, RADIO_TX_NO_ACK, false, 60);
    mac_layer_tick(&n.mac, 60 + MAC_LAYER_TX_DONE_TIMEOUT_MS);
    assert_int_equal(n.tx[5].status, MAC_TX_RADIO_ERROR);
    assert_int_equal(n.tx[5].attempts, 2);
    assert_int_equal(c->tx_done_timeouts, 1);
}

/* The caps are read at each transmission: the same radio (an RCP that came
 * back with another firmware) retries itself, then not, then is dumb. */
static void txdone_caps_per_transmission(void **state)
{
    (void)state;
    struct node n;
    txdone_node(&n, 3);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_tx_req req = unicast_req(1);
    n.radio.caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES; /* implies TX_DONE */
    assert_int_equal(mac_layer_send(&n.mac, &req, 0), MAC_LAYER_OK);
    report(&n, RADIO_TX_NO_ACK, false, 1);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_NO_ACK);
    assert_int_equal(n.tx[0].attempts, 1);
    assert_int_equal(c->tx_retries, 0);

    /* The frame in flight keeps the caps it was sent with. */
    req.cookie = 2;
    assert_int_equal(mac_layer_send(&n.mac, &req, 2), MAC_LAYER_OK);
    n.radio.caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE;
    report(&n, RADIO_TX_NO_ACK, false, 3);
    assert_int_equal(n.tx[1].attempts, 1);
    req.cookie = 3;
    assert_int_equal(mac_layer_send(&n.mac, &req, 4), MAC_LAYER_OK);
    report(&n, RADIO_TX_NO_ACK, false, 5);
    assert_int_equal(n.ntx, 2);
    assert_int_equal(c->tx_retries, 1);
    report(&n, RADIO_TX_OK, false, 6);
    assert_int_equal(n.tx[2].attempts, 2);

    /* caps 0 now: the software ACK wait, and the MAC ACKs received frames. */
    n.radio.caps = 0;
    req.cookie = 4;
    assert_int_equal(mac_layer_send(&n.mac, &req, 10), MAC_LAYER_OK);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 10), MAC_LAYER_ACK_TIMEOUT_MS);
    unsigned sent = n.radio.n;
    feed_ack(&n, n.radio.sent[sent - 1].psdu[2], false, 12);
    assert_int_equal(n.tx[3].status, MAC_TX_OK);
    uint8_t fr[MAC_PSDU_MAX];
    size_t len = build(fr, short_addr(0x1800), ext_addr(EXT_B), 9, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, fr, len, 15, 13);
    assert_int_equal(c->rx_acks_sent, 1);
    assert_int_equal(n.radio.n, sent + 1);
}

static void rcp_rx_acked_flags(void **state)
{
    (void)state;
    struct node n;
    node_init_ops(&n, EXT_A, 0x1800, &rcp_ops);
    n.mac.cfg.ack_frame_pending = on_ack_fp;
    n.fp_answer = 0; /* ignored: the radio decides */
    uint8_t f[MAC_PSDU_MAX];
    size_t len = build(f, short_addr(0x1800), ext_addr(EXT_B), 1, true, PAYLOAD, sizeof(PAYLOAD));
    struct radio_rx_frame rf = {.psdu = f,
                                .len = len,
                                .channel = 15,
                                .rssi = -40,
                                .lqi = 200,
                                .timestamp_ms = 10,
                                .acked = true,
                                .ack_frame_pending = true};
    mac_layer_radio_rx(&n.mac, &rf);
    /* ACKed with frame pending, by the radio: nothing sent by the MAC. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 2, true, PAYLOAD, sizeof(PAYLOAD));
    rf.len = len;
    rf.ack_frame_pending = false;
    rf.timestamp_ms = 11;
    mac_layer_radio_rx(&n.mac, &rf);
    /* The radio did not ACK it (e.g. it was busy): not acked. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 3, true, PAYLOAD, sizeof(PAYLOAD));
    rf.len = len;
    rf.acked = false;
    rf.ack_frame_pending = true; /* meaningless without the ACK */
    rf.timestamp_ms = 12;
    mac_layer_radio_rx(&n.mac, &rf);
    /* Broadcast: no ACK. */
    len = build(f, short_addr(0xffff), ext_addr(EXT_B), 4, false, PAYLOAD, sizeof(PAYLOAD));
    rf.len = len;
    rf.timestamp_ms = 13;
    mac_layer_radio_rx(&n.mac, &rf);

    assert_int_equal(n.nrx, 4);
    assert_true(n.rx[0].acked);
    assert_true(n.rx[0].ack_fp);
    assert_int_equal(n.rx[0].lqi, 200);
    assert_true(n.rx[1].acked);
    assert_false(n.rx[1].ack_fp);
    assert_false(n.rx[2].acked);
    assert_false(n.rx[2].ack_fp);
    assert_false(n.rx[3].acked);
    assert_int_equal(n.radio.n, 0);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    assert_int_equal(c->rx_acks_sent, 0);
    assert_int_equal(c->rx_acks_by_radio, 2);
    assert_int_equal(c->rx_delivered, 4);

    /* Duplicate detection still applies: the retransmission of seq 3. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 3, true, PAYLOAD, sizeof(PAYLOAD));
    rf.len = len;
    rf.acked = true;
    rf.timestamp_ms = 14;
    mac_layer_radio_rx(&n.mac, &rf);
    assert_int_equal(n.nrx, 4);
    assert_int_equal(c->rx_drop_duplicate, 1);
    assert_int_equal(c->rx_acks_by_radio, 3);
}

/* ---- MAC filter (mac_filter.h) in the receive and ACK paths ------------------------- */

/* Receive: the address mode drops after the ACK (OpenThread's radio ACKs
 * before its MAC filters), on the ext source or the short one resolved;
 * the RSS-in replaces the radio's RSSI. */
static void mac_filter_rx(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    struct mac_filter *mf = mac_layer_filter(&n.mac);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    uint8_t f[MAC_PSDU_MAX];
    size_t len;

    assert_int_equal(mac_filter_mode(mf), MAC_FILTER_DISABLED);
    /* Denylist EXT_B: its frame is ACKed, then dropped and counted. */
    assert_int_equal(mac_filter_add_addr(mf, EXT_B), OT_ERR_NONE);
    mac_filter_set_mode(mf, MAC_FILTER_DENYLIST);
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 1, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 1);
    assert_int_equal(n.radio.n, 1); /* the Imm-Ack */
    assert_int_equal(n.nrx, 0);
    assert_int_equal(c->rx_drop_filtered, 1);
    assert_int_equal(mf->counters.drop_denylist, 1);
    /* ... and a duplicate check never saw it: the same frame again is
     * filtered again, not a duplicate. */
    rx_at(&n, f, len, 15, 2);
    assert_int_equal(c->rx_drop_filtered, 2);
    assert_int_equal(c->rx_drop_duplicate, 0);
    /* EXT_C passes with the radio's RSSI. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_C), 2, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 3);
    assert_int_equal(n.nrx, 1);
    assert_int_equal(n.rx[0].rssi, -20);
    assert_false(n.rx[0].rss_fixed);

    /* A short source is filtered on the ext address it resolves to. */
    struct mac_addr nb = short_addr(0x1801);
    node_add_nbr(&n, &nb, EXT_B);
    len = build(f, short_addr(0x1800), short_addr(0x1801), 3, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 4);
    assert_int_equal(c->rx_drop_filtered, 3);
    assert_int_equal(n.nrx, 1);

    /* No source address: nothing to filter on. */
    mac_filter_set_mode(mf, MAC_FILTER_ALLOWLIST);
    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.seq = 4;
    h.dst_pan = 0x1234;
    h.dst = short_addr(0xffff);
    assert_int_equal(mac_frame_build(&h, PAYLOAD, sizeof(PAYLOAD), f, sizeof(f), &len), MAC_OK);
    rx_at(&n, f, len, 15, 5);
    assert_int_equal(n.nrx, 2);

    /* Allowlist: only EXT_B (listed) passes now; EXT_C is dropped. */
    len = build(f, short_addr(0x1800), ext_addr(EXT_C), 5, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 6);
    assert_int_equal(c->rx_drop_filtered, 4);
    assert_int_equal(mf->counters.drop_allowlist, 1);
    len = build(f, short_addr(0x1800), short_addr(0x1801), 6, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 7);
    assert_int_equal(n.nrx, 3);
    assert_memory_equal(n.rx[2].src_ext, EXT_B, 8);

    /* RSS-in: EXT_B's own value wins over the default; others get the default. */
    assert_int_equal(mac_filter_add_rss(mf, EXT_B, -95), OT_ERR_NONE);
    mac_filter_set_default_rss(mf, -70);
    mac_filter_set_mode(mf, MAC_FILTER_DISABLED);
    len = build(f, short_addr(0x1800), ext_addr(EXT_B), 7, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 8);
    assert_int_equal(n.nrx, 4);
    assert_int_equal(n.rx[3].rssi, -95);
    assert_true(n.rx[3].rss_fixed);
    len = build(f, short_addr(0x1800), ext_addr(EXT_C), 8, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 9);
    assert_int_equal(n.rx[4].rssi, -70);
    assert_true(n.rx[4].rss_fixed);
    mac_filter_clear_rss(mf);
    len = build(f, short_addr(0x1800), ext_addr(EXT_C), 9, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 10);
    assert_int_equal(n.rx[5].rssi, -20);
    assert_false(n.rx[5].rss_fixed);
    assert_int_equal(c->rx_drop_filtered, 4);
    assert_int_equal(c->rx_delivered, 6);

    /* Own-address protection still comes first (not counted as filtered). */
    assert_int_equal(mac_filter_add_addr(mf, EXT_A), OT_ERR_NONE);
    mac_filter_set_mode(mf, MAC_FILTER_DENYLIST);
    len = build(f, short_addr(0x1800), ext_addr(EXT_A), 10, true, PAYLOAD, sizeof(PAYLOAD));
    rx_at(&n, f, len, 15, 11);
    assert_int_equal(c->rx_drop_own_src, 1);
    assert_int_equal(c->rx_drop_filtered, 4);
}

/* Transmit: an ACK from a filtered destination is a NO_ACK at once, no retry,
 * on a dumb radio and in a radio's OK report. */
static void mac_filter_ack(void **state)
{
    (void)state;
    struct node n;
    node_init(&n, EXT_A, 0x1800);
    struct mac_filter *mf = mac_layer_filter(&n.mac);
    const struct mac_layer_counters *c = mac_layer_counters(&n.mac);
    struct mac_addr nb = short_addr(0x1801);
    node_add_nbr(&n, &nb, EXT_B);
    assert_int_equal(mac_filter_add_addr(mf, EXT_B), OT_ERR_NONE);
    mac_filter_set_mode(mf, MAC_FILTER_DENYLIST);

    /* To short 0x1801 (resolved to EXT_B): ACKed, but filtered. */
    struct mac_tx_req req = unicast_req(1);
    assert_int_equal(mac_layer_send(&n.mac, &req, 100), MAC_LAYER_OK);
    feed_ack(&n, n.radio.sent[0].psdu[2], false, 101);
    assert_int_equal(n.ntx, 1);
    assert_int_equal(n.tx[0].status, MAC_TX_NO_ACK);
    assert_int_equal(n.tx[0].attempts, 1);
    assert_int_equal(c->tx_ack_filtered, 1);
    assert_int_equal(c->tx_no_ack, 1);
    assert_int_equal(c->tx_acked, 0);
    assert_int_equal(mac_layer_timeout_ms(&n.mac, 101), -1);
    /* To EXT_C: acknowledged. */
    req.dst = ext_addr(EXT_C);
    req.cookie = 2;
    assert_int_equal(mac_layer_send(&n.mac, &req, 200), MAC_LAYER_OK);
    feed_ack(&n, n.radio.sent[1].psdu[2], false, 201);
    assert_int_equal(n.tx[1].status, MAC_TX_OK);
    /* Broadcasts have no ACK to filter. */
    req.dst = short_addr(0xffff);
    req.cookie = 3;
    assert_int_equal(mac_layer_send(&n.mac, &req, 300), MAC_LAYER_OK);
    assert_int_equal(n.tx[2].status, MAC_TX_OK);
    /* An unknown short destination cannot be resolved: not filtered. */
    req.dst = short_addr(0x2000);
    req.cookie = 4;
    assert_int_equal(mac_layer_send(&n.mac, &req, 400), MAC_LAYER_OK);
    feed_ack(&n, n.radio.sent[3].psdu[2], false, 401);
    assert_int_equal(n.tx[3].status, MAC_TX_OK);
    assert_int_equal(c->tx_ack_filtered, 1);

    /* A radio that retries itself: its OK report for EXT_B becomes NO_ACK. */
    struct node r;
    node_init_ops(&r, EXT_A, 0x1800, &rcp_ops);
    mf = mac_layer_filter(&r.mac);
    assert_int_equal(mac_filter_add_addr(mf, EXT_C), OT_ERR_NONE);
    mac_filter_set_mode(mf, MAC_FILTER_ALLOWLIST);
    req.dst = ext_addr(EXT_B);
    req.cookie = 5;
    assert_int_equal(mac_layer_send(&r.mac, &req, 500), MAC_LAYER_OK);
    report(&r, RADIO_TX_OK, true, 510);
    assert_int_equal(r.ntx, 1);
    assert_int_equal(r.tx[0].status, MAC_TX_NO_ACK);
    assert_false(r.tx[0].ack_frame_pending);
    assert_int_equal(r.radio.n, 1);
    req.dst = ext_addr(EXT_C);
    req.cookie = 6;
    assert_int_equal(mac_layer_send(&r.mac, &req, 600), MAC_LAYER_OK);
    report(&r, RADIO_TX_OK, true, 610);
    assert_int_equal(r.tx[1].status, MAC_TX_OK);
    assert_true(r.tx[1].ack_frame_pending);
    assert_int_equal(mac_layer_counters(&r.mac)->tx_ack_filtered, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ack_for_unicast_ack_request),
        cmocka_unit_test(no_ack_for_broadcast),
        cmocka_unit_test(ack_frame_pending_policy),
        cmocka_unit_test(filtering),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(tx_acked),
        cmocka_unit_test(tx_retries_then_fail),
        cmocka_unit_test(tx_broadcast_queue_and_errors),
        cmocka_unit_test(security_round_trip),
        cmocka_unit_test(pcap_written_and_reread),
        cmocka_unit_test(pcap_bounded_and_errors),
        cmocka_unit_test(vector_acks),
        cmocka_unit_test(rcp_tx_ok_and_frame_pending),
        cmocka_unit_test(rcp_tx_failures_and_queue),
        cmocka_unit_test(rcp_tx_done_deadline),
        cmocka_unit_test(rcp_frame_counters),
        cmocka_unit_test(rcp_rx_acked_flags),
        cmocka_unit_test(txdone_retries_no_ack_and_cca),
        cmocka_unit_test(txdone_gives_up),
        cmocka_unit_test(txdone_caps_per_transmission),
        cmocka_unit_test(mac_filter_rx),
        cmocka_unit_test(mac_filter_ack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
