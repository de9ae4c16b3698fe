/*
 * libFuzzer harness for the compact TCP (ip6/tcp.c, tcp_input).
 *
 * Each run sets up one context with a listener on [::]:80 and an endpoint
 * connected from [fd00::b]:49999 to [fd00::a]:7 (its handshake is driven
 * with a made-up SYN-ACK). Input: records [ctl][len_lo][len_hi][dt][len bytes]
 *   ctl bit 0: fix-up: the ports are set to reach the connection (or the
 *              listener when bit 1), sequence and acknowledgement numbers
 *              are moved near RCV.NXT / SND.UNA by the record's bytes, and
 *              the checksum is made valid, so that the deep paths are reached;
 *   bit 2: queue some data on the connection first (tcp_send);
 *   bit 3: read everything from it (manual receive mode is on);
 *   bit 4: tcp_send_end;  bit 5: tcp_abort (then connect again).
 * Time advances by dt * 16 ms per record and tcp_process() runs.
 *
 * Checked invariants (abort on violation):
 *   - every segment handed to ops->send fits, has a sane data offset and a
 *     valid checksum (checked here with util/csum);
 *   - tcp_input returns a drop in range; the drop counters add up to
 *     rx_dropped; buffer lengths stay within their bounds;
 *   - data events stay within the receive buffer size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip6/tcp.h"
#include "util/csum.h"
#include "util/rd.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t peer[16] = {0xfd, 0, [15] = 0x0a};
static const uint8_t me[16] = {0xfd, 0, [15] = 0x0b};

static uint32_t rng;
static uint32_t last_seq; /* sequence number of the last segment we sent */

static void check_sent(void *user, const uint8_t src[16], const uint8_t dst[16], const uint8_t *seg,
                       size_t len)
{
    (void)user;
    CHECK(len >= TCP_HDR_LEN && len <= TCP_HDR_LEN + 4 + TCP_MSS_MAX);
    size_t hl = (size_t)(seg[12] >> 4) * 4;
    CHECK(hl >= TCP_HDR_LEN && hl <= len);
    uint32_t s = csum_pseudo6(src, dst, TCP_PROTO, (uint32_t)len);
    CHECK(csum_fold(csum_add(s, seg, len)) == 0xffff);
    last_seq = be32_get(seg + 4);
}

static uint32_t fz_rand(void *user)
{
    (void)user;
    rng = rng * 1103515245u + 12345u;
    return rng;
}

static void fz_event(void *user, struct tcp_ctx *t, int id, void *ep_user,
                     const struct tcp_event *ev)
{
    (void)ep_user;
    CHECK(id >= 0 && id < TCP_MAX_EP);
    CHECK(ev->now_ms == *(const uint64_t *)user); /* events carry the call's time */
    if (ev->kind == TCP_EV_DATA) {
        CHECK(ev->len > 0 && ev->len <= TCP_RCVBUF);
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < ev->len; i++)
            sink ^= ev->data[i];
        (void)sink;
    }
    if (ev->kind == TCP_EV_CLOSED)
        CHECK(ev->reason < TCP_REASON__COUNT);
    (void)t;
}

static const struct tcp_ops ops = {check_sent, fz_rand, fz_event};

static void fix_csum(uint8_t *p, size_t len)
{
    p[16] = p[17] = 0;
    uint32_t s = csum_pseudo6(peer, me, TCP_PROTO, (uint32_t)len);
    be16_put(p + 16, csum_finish(csum_add(s, p, len)));
}

/* Connects endpoint id to peer:7 and completes the handshake. */
static void connect_ep(struct tcp_ctx *t, int id, uint64_t now)
{
    CHECK(tcp_connect(t, id, me, 49999, peer, 7, now) == TCP_OK);
    uint32_t iss = last_seq;
    uint8_t synack[24];
    memset(synack, 0, sizeof(synack));
    be16_put(synack, 7);
    be16_put(synack + 2, 49999);
    be32_put(synack + 4, 0x10000000u);
    be32_put(synack + 8, iss + 1);
    synack[12] = 6 << 4;
    synack[13] = 0x12;
    be16_put(synack + 14, 2000);
    synack[20] = 2;
    synack[21] = 4;
    be16_put(synack + 22, 200);
    fix_csum(synack, sizeof(synack));
    tcp_input(t, peer, me, synack, sizeof(synack), now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tcp_ctx t;
    rng = 1;
    uint64_t now = 1000;
    tcp_ctx_init(&t, &ops, &now); /* user: the time of the current call */
    int lid, cid;
    CHECK(tcp_init(&t, NULL, &lid) == TCP_OK);
    CHECK(tcp_init(&t, NULL, &cid) == TCP_OK);
    CHECK(tcp_listen(&t, lid, NULL, 80) == TCP_OK);
    connect_ep(&t, cid, now);
    tcp_set_rx_manual(&t, cid, true);

    size_t pos = 0;
    while (pos + 4 <= size) {
        uint8_t ctl = data[pos];
        size_t n = ((size_t)(data[pos + 2] & 0x07) << 8) | data[pos + 1];
        now += (uint64_t)data[pos + 3] * 16;
        pos += 4;
        if (n > size - pos)
            n = size - pos;
        /* Exact-size copy so the sanitizer catches reads past the segment. */
        uint8_t *p = malloc(n ? n : 1);
        if (!p)
            return 0;
        memcpy(p, data + pos, n);
        pos += n;

        if (ctl & 0x04) {
            static const uint8_t junk[700] = {1, 2, 3};
            tcp_send(&t, cid, junk, (size_t)(ctl >> 6) * 233, now);
        }
        if (ctl & 0x08) {
            uint8_t buf[TCP_RCVBUF];
            size_t r = tcp_read(&t, cid, buf, sizeof(buf), now);
            CHECK(r <= TCP_RCVBUF);
        }
        if (ctl & 0x10)
            tcp_send_end(&t, cid, now);
        if (ctl & 0x20) {
            tcp_abort(&t, cid);
            connect_ep(&t, cid, now);
        }
        if ((ctl & 0x01) && n >= TCP_HDR_LEN) {
            const struct tcp_ep *e = tcp_ep_get(&t, cid);
            be16_put(p, (ctl & 0x02) ? (uint16_t)(1024 + p[0]) : 7);
            be16_put(p + 2, (ctl & 0x02) ? 80 : 49999);
            if (e && !(ctl & 0x02)) {
                be32_put(p + 4, e->rcv_nxt + (uint32_t)(int8_t)p[4]);
                be32_put(p + 8, e->snd_una + (uint32_t)(int8_t)p[8]);
            }
            fix_csum(p, n);
        }
        uint32_t dropped = t.cnt.rx_dropped;
        enum tcp_drop d = tcp_input(&t, peer, me, p, n, now);
        CHECK(d < TCP_DROP__COUNT);
        if (d != TCP_DROP_NONE)
            CHECK(t.cnt.rx_dropped >= dropped + 1);
        free(p);
        tcp_process(&t, now);
        for (int i = 0; i < TCP_MAX_EP; i++) {
            const struct tcp_ep *e = tcp_ep_get(&t, i);
            if (!e)
                continue;
            CHECK(e->snd_len <= TCP_SNDBUF && e->rcv_len <= TCP_RCVBUF);
            CHECK(e->n_ooo <= TCP_OOO_MAX);
            CHECK(e->rto >= TCP_RTO_MIN_MS && e->rto <= TCP_RTO_MAX_MS);
        }
        if (tcp_state(&t, lid) == TCP_CLOSED)
            tcp_listen(&t, lid, NULL, 80);
        if (tcp_state(&t, cid) == TCP_CLOSED)
            connect_ep(&t, cid, now);
    }
    uint32_t sum = 0;
    for (unsigned k = 0; k < TCP_DROP__COUNT; k++)
        sum += t.cnt.drops[k];
    CHECK(sum == t.cnt.rx_dropped);
    return 0;
}
