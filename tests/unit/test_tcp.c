/*
 * Compact TCP (ip6/tcp.c, RFC 9293 / RFC 6298).
 *
 * Two contexts ("hosts" A and B) are wired back to back through their send
 * callbacks over a simulated link: a queue with virtual time, a delay,
 * optional jitter (reordering), seeded loss and duplication. Covered:
 * handshake, data both ways, a 100 KB transfer with 5% loss and reordering
 * (FNV-1a hash compared, bounded virtual time), FIN both ways, half-close,
 * simultaneous close, TIME-WAIT, RST on a closed port, RST reception,
 * RFC 6298 RTO values and backoff, SYN retries and give-up, data give-up,
 * zero window + window update, out-of-order reassembly, and hostile input
 * (random bytes, bad checksums, lying data offsets, fixed-up random
 * segments) that must be counted and never crash (ASan+UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip6/tcp.h"
#include "util/csum.h"
#include "util/rd.h"

#define SEG_MAX (TCP_HDR_LEN + 4 + TCP_MSS_MAX)
#define QMAX 512
#define LOGMAX 4096

/* ---- Simulated link --------------------------------------------------- */

struct pkt {
    int to; /* 0 = A, 1 = B */
    uint64_t at;
    uint64_t order;
    uint8_t src[16], dst[16];
    uint8_t data[SEG_MAX];
    size_t len;
};

struct logent {
    int from;
    uint64_t at;
    uint8_t flags;
    uint32_t seq, ack;
    uint16_t wnd;
    size_t len;
};

struct host {
    struct net *net;
    int idx;
    struct tcp_ctx tcp;
    int id; /* the endpoint under test */
    unsigned connected, peer_fin, closed, space_events;
    enum tcp_reason reason;
    /* received stream */
    size_t rx_total;
    uint64_t rx_hash;
    uint8_t rx[8192];
    size_t rx_len;
    /* sender pump */
    bool pump;
    size_t tx_total, tx_target;
    bool end_after;
};

struct net {
    uint64_t now;
    uint32_t delay_ms, jitter_ms;
    unsigned loss_pct, dup_pct;
    bool drop_all[2]; /* drop everything sent by A (0) / B (1) */
    uint64_t rng;
    uint64_t order;
    struct pkt *q;
    unsigned nq;
    unsigned lost, dupd, delivered;
    struct logent log[LOGMAX];
    unsigned nlog;
    struct host h[2];
};

static const uint8_t addr_a[16] = {0xfd, 0, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a};
static const uint8_t addr_b[16] = {0xfd, 0, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b};

static uint32_t xs(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

/* Byte i of the test stream. */
static uint8_t stream_byte(size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u;
    return (uint8_t)(x >> 13);
}

static void link_send(void *user, const uint8_t src[16], const uint8_t dst[16], const uint8_t *seg,
                      size_t len)
{
    struct host *h = user;
    struct net *n = h->net;
    assert_true(len >= TCP_HDR_LEN && len <= SEG_MAX);
    /* The checksum must be right (checked with util/csum, not tcp.c). */
    uint32_t s = csum_pseudo6(src, dst, TCP_PROTO, (uint32_t)len);
    assert_int_equal(csum_fold(csum_add(s, seg, len)), 0xffff);
    if (n->nlog < LOGMAX) {
        struct logent *l = &n->log[n->nlog++];
        l->from = h->idx;
        l->at = n->now;
        l->flags = seg[13];
        l->seq = be32_get(seg + 4);
        l->ack = be32_get(seg + 8);
        l->wnd = be16_get(seg + 14);
        l->len = len - (size_t)(seg[12] >> 4) * 4;
    }
    if (n->drop_all[h->idx])
        return;
    unsigned copies = 1;
    if (n->loss_pct && xs(&n->rng) % 100 < n->loss_pct) {
        n->lost++;
        return;
    }
    if (n->dup_pct && xs(&n->rng) % 100 < n->dup_pct) {
        copies = 2;
        n->dupd++;
    }
    for (unsigned c = 0; c < copies; c++) {
        assert_true(n->nq < QMAX);
        struct pkt *p = &n->q[n->nq++];
        p->to = 1 - h->idx;
        p->at = n->now + n->delay_ms + (n->jitter_ms ? xs(&n->rng) % n->jitter_ms : 0);
        p->order = n->order++;
        memcpy(p->src, src, 16);
        memcpy(p->dst, dst, 16);
        memcpy(p->data, seg, len);
        p->len = len;
    }
}

static uint32_t host_rand(void *user)
{
    struct host *h = user;
    return xs(&h->net->rng);
}

static void pump(struct host *h)
{
    while (h->pump && h->tx_total < h->tx_target) {
        uint8_t buf[1024];
        size_t want = h->tx_target - h->tx_total;
        if (want > sizeof(buf))
            want = sizeof(buf);
        for (size_t i = 0; i < want; i++)
            buf[i] = stream_byte(h->tx_total + i);
        size_t n = tcp_send(&h->tcp, h->id, buf, want, h->net->now);
        h->tx_total += n;
        if (n < want)
            break;
    }
    if (h->pump && h->end_after && h->tx_total == h->tx_target) {
        h->end_after = false;
        assert_int_equal(tcp_send_end(&h->tcp, h->id, h->net->now), TCP_OK);
    }
}

static void host_event(void *user, struct tcp_ctx *t, int id, void *ep_user,
                       const struct tcp_event *ev)
{
    struct host *h = user;
    assert_ptr_equal(t, &h->tcp);
    assert_ptr_equal(ep_user, h);
    assert_int_equal(ev->now_ms, h->net->now); /* the time of the tcp_* call */
    (void)id;
    switch (ev->kind) {
    case TCP_EV_CONNECTED:
        h->connected++;
        pump(h);
        break;
    case TCP_EV_DATA:
        assert_true(ev->len > 0);
        h->rx_hash = fnv(h->rx_hash, ev->data, ev->len);
        for (size_t i = 0; i < ev->len && h->rx_len < sizeof(h->rx); i++)
            h->rx[h->rx_len++] = ev->data[i];
        h->rx_total += ev->len;
        break;
    case TCP_EV_SEND_SPACE:
        h->space_events++;
        pump(h);
        break;
    case TCP_EV_PEER_FIN:
        h->peer_fin++;
        break;
    case TCP_EV_CLOSED:
        h->closed++;
        h->reason = ev->reason;
        break;
    }
}

static const struct tcp_ops ops = {link_send, host_rand, host_event};

static struct net *net_new(uint64_t seed)
{
    struct net *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    n->q = calloc(QMAX, sizeof(*n->q));
    assert_non_null(n->q);
    n->rng = seed ? seed : 1;
    n->now = 1000;
    n->delay_ms = 10;
    for (int i = 0; i < 2; i++) {
        struct host *h = &n->h[i];
        h->net = n;
        h->idx = i;
        h->rx_hash = FNV_INIT;
        tcp_ctx_init(&h->tcp, &ops, h);
        assert_int_equal(tcp_init(&h->tcp, h, &h->id), TCP_OK);
    }
    return n;
}

static void net_free(struct net *n)
{
    for (int i = 0; i < 2; i++) {
        struct tcp_counters *c = &n->h[i].tcp.cnt;
        uint32_t sum = 0;
        for (unsigned d = 0; d < TCP_DROP__COUNT; d++)
            sum += c->drops[d];
        assert_int_equal(sum, c->rx_dropped);
        assert_int_equal(c->drops[TCP_DROP_NONE], 0);
    }
    free(n->q);
    free(n);
}

/* Delivers every packet due at n->now (earliest first, FIFO among equals). */
static void deliver_due(struct net *n)
{
    for (;;) {
        int best = -1;
        for (unsigned i = 0; i < n->nq; i++) {
            if (n->q[i].at > n->now)
                continue;
            if (best < 0 || n->q[i].at < n->q[best].at ||
                (n->q[i].at == n->q[best].at && n->q[i].order < n->q[best].order))
                best = (int)i;
        }
        if (best < 0)
            return;
        struct pkt p = n->q[best];
        n->q[best] = n->q[--n->nq];
        n->delivered++;
        struct host *h = &n->h[p.to];
        tcp_input(&h->tcp, p.src, p.dst, p.data, p.len, n->now);
    }
}

typedef bool (*cond_fn)(struct net *n);

/* Runs virtual time until cond holds (checked after each step) or until. */
static bool run(struct net *n, uint64_t until, cond_fn cond)
{
    for (;;) {
        deliver_due(n);
        for (int i = 0; i < 2; i++)
            tcp_process(&n->h[i].tcp, n->now);
        deliver_due(n);
        if (cond && cond(n))
            return true;
        uint64_t next = UINT64_MAX;
        for (unsigned i = 0; i < n->nq; i++)
            if (n->q[i].at < next)
                next = n->q[i].at;
        for (int i = 0; i < 2; i++) {
            int64_t d = tcp_next_timeout_ms(&n->h[i].tcp, n->now);
            if (d >= 0 && n->now + (uint64_t)d < next)
                next = n->now + (uint64_t)d;
        }
        if (next == UINT64_MAX || next > until) {
            n->now = until;
            return cond ? cond(n) : true;
        }
        if (next > n->now)
            n->now = next;
    }
}

static bool both_established(struct net *n)
{
    return tcp_state(&n->h[0].tcp, n->h[0].id) == TCP_ESTABLISHED &&
           tcp_state(&n->h[1].tcp, n->h[1].id) == TCP_ESTABLISHED;
}

/* A listens on [b]:7, A connects from [a]:49999 and both end ESTABLISHED. */
static void connect_pair(struct net *n)
{
    struct host *a = &n->h[0], *b = &n->h[1];
    assert_int_equal(tcp_listen(&b->tcp, b->id, NULL, 7), TCP_OK);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_LISTEN);
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 49999, addr_b, 7, n->now), TCP_OK);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_SYN_SENT);
    assert_true(run(n, n->now + 30000, both_established));
    assert_int_equal(a->connected, 1);
    assert_int_equal(b->connected, 1);
}

/* ---- Tests ------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    /* OpenThread's CLI text (cli_tcp.cpp HandleTcpDisconnected). */
    assert_string_equal(tcp_reason_str(TCP_REASON_NORMAL), "Disconnected");
    assert_string_equal(tcp_reason_str(TCP_REASON_REFUSED), "Connection refused");
    assert_string_equal(tcp_reason_str(TCP_REASON_RESET), "Connection reset");
    assert_string_equal(tcp_reason_str(TCP_REASON_TIME_WAIT), "Entered TIME-WAIT state");
    assert_string_equal(tcp_reason_str(TCP_REASON_TIMED_OUT), "Connection timed out");
    assert_string_equal(tcp_reason_str(TCP_REASON__COUNT), "?");
    for (unsigned d = 0; d < TCP_DROP__COUNT; d++)
        assert_string_not_equal(tcp_drop_str((enum tcp_drop)d), "?");
    assert_string_equal(tcp_drop_str(TCP_DROP__COUNT), "?");
    for (unsigned s = 0; s < TCP_STATE__COUNT; s++)
        assert_string_not_equal(tcp_state_str((enum tcp_state)s), "?");
    assert_string_equal(tcp_state_str(TCP_ESTABLISHED), "ESTABLISHED");
    assert_string_equal(tcp_err_str(TCP_ERR_FULL), "no free endpoint");
}

static void test_api_errors(void **state)
{
    (void)state;
    struct net *n = net_new(1);
    struct host *a = &n->h[0];
    int ids[TCP_MAX_EP];
    for (int i = 1; i < TCP_MAX_EP; i++)
        assert_int_equal(tcp_init(&a->tcp, a, &ids[i]), TCP_OK);
    int extra;
    assert_int_equal(tcp_init(&a->tcp, a, &extra), TCP_ERR_FULL);
    assert_int_equal(tcp_deinit(&a->tcp, ids[1]), TCP_OK);
    assert_int_equal(tcp_deinit(&a->tcp, ids[1]), TCP_ERR_NOT_FOUND);
    assert_int_equal(tcp_init(&a->tcp, a, &extra), TCP_OK);

    static const uint8_t zero[16], mcast[16] = {0xff, 0x02, [15] = 1};
    assert_int_equal(tcp_connect(&a->tcp, a->id, zero, 1, addr_b, 7, n->now), TCP_ERR_INVAL);
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 1, mcast, 7, n->now), TCP_ERR_INVAL);
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 1, addr_b, 0, n->now), TCP_ERR_INVAL);
    assert_int_equal(tcp_connect(&a->tcp, 99, addr_a, 1, addr_b, 7, n->now), TCP_ERR_NOT_FOUND);
    assert_int_equal(tcp_listen(&a->tcp, a->id, NULL, 0), TCP_ERR_INVAL);
    assert_int_equal(tcp_listen(&a->tcp, a->id, NULL, 80), TCP_OK);
    assert_int_equal(tcp_listen(&a->tcp, ids[2], addr_a, 80), TCP_ERR_IN_USE);
    assert_int_equal(tcp_listen(&a->tcp, a->id, NULL, 81), TCP_ERR_STATE);
    assert_int_equal(tcp_send(&a->tcp, a->id, "x", 1, n->now), 0);
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_OK); /* LISTEN -> CLOSED */
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_NORMAL);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_ERR_STATE);

    /* Ephemeral port from the dynamic range. */
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 0, addr_b, 7, n->now), TCP_OK);
    assert_true(tcp_ep_get(&a->tcp, a->id)->lport >= TCP_EPHEMERAL_MIN);
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 0, addr_b, 7, n->now), TCP_ERR_STATE);
    /* Data queued in SYN-SENT is sent once established. */
    assert_int_equal(tcp_send(&a->tcp, a->id, "abc", 3, n->now), 3);
    assert_int_equal(tcp_abort(&a->tcp, a->id), TCP_OK);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    assert_int_equal(tcp_next_timeout_ms(&a->tcp, n->now), -1);
    assert_int_equal(tcp_state(&a->tcp, -1), TCP_CLOSED);
    assert_null(tcp_ep_get(&a->tcp, TCP_MAX_EP));
    net_free(n);
}

static void test_handshake_and_data(void **state)
{
    (void)state;
    struct net *n = net_new(2);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    /* SYN carries our MSS (option), both sides use 474. */
    assert_true(n->nlog >= 3);
    assert_int_equal(n->log[0].flags, 0x02);
    assert_int_equal(n->log[1].flags, 0x12);
    assert_int_equal(n->log[2].flags, 0x10);
    assert_int_equal(n->log[1].ack, n->log[0].seq + 1);
    assert_int_equal(n->log[2].ack, n->log[1].seq + 1);
    assert_int_equal(tcp_ep_get(&a->tcp, a->id)->mss, TCP_MSS_DEFAULT);
    assert_int_equal(tcp_ep_get(&b->tcp, b->id)->mss, TCP_MSS_DEFAULT);
    assert_int_equal(tcp_ep_get(&b->tcp, b->id)->rport, 49999);

    assert_int_equal(tcp_send(&a->tcp, a->id, "hello", 5, n->now), 5);
    assert_int_equal(tcp_send(&b->tcp, b->id, "world", 5, n->now), 5);
    run(n, n->now + 2000, NULL);
    assert_int_equal(b->rx_len, 5);
    assert_memory_equal(b->rx, "hello", 5);
    assert_int_equal(a->rx_len, 5);
    assert_memory_equal(a->rx, "world", 5);
    /* What OpenThread's CLI prints for it. */
    char line[64];
    snprintf(line, sizeof(line), "TCP: Received %u bytes: %.*s", (unsigned)a->rx_len,
             (int)a->rx_len, (const char *)a->rx);
    assert_string_equal(line, "TCP: Received 5 bytes: world");
    assert_int_equal(a->tcp.cnt.rx_dropped, 0);
    assert_int_equal(b->tcp.cnt.rx_dropped, 0);
    assert_int_equal(a->tcp.cnt.retransmits + b->tcp.cnt.retransmits, 0);
    /* Everything acknowledged: no timers but none pending forever. */
    assert_int_equal(tcp_ep_get(&a->tcp, a->id)->snd_len, 0);
    assert_int_equal(tcp_next_timeout_ms(&a->tcp, n->now), -1);
    net_free(n);
}

static bool b_got_all(struct net *n)
{
    struct host *b = &n->h[1];
    return b->rx_total == n->h[0].tx_target && b->peer_fin == 1 &&
           tcp_state(&n->h[0].tcp, n->h[0].id) == TCP_FIN_WAIT_2;
}

static void test_bulk_lossy(void **state)
{
    (void)state;
    const size_t total = 100 * 1024;
    struct net *n = net_new(0x5eed);
    struct host *a = &n->h[0], *b = &n->h[1];
    n->delay_ms = 20;
    n->jitter_ms = 30; /* reordering */
    n->loss_pct = 5;
    n->dup_pct = 1;
    a->tx_target = total;
    a->end_after = true;
    uint64_t t0 = n->now;
    connect_pair(n);
    a->pump = true;
    pump(a);
    assert_true(run(n, t0 + 600000, b_got_all));
    uint64_t took = n->now - t0;
    assert_true(took < 120000); /* bounded virtual time */
    uint64_t want = fnv(FNV_INIT, NULL, 0);
    for (size_t i = 0; i < total; i++) {
        uint8_t c = stream_byte(i);
        want = fnv(want, &c, 1);
    }
    assert_int_equal(b->rx_total, total);
    assert_true(b->rx_hash == want);
    /* Close B's side too; A ends in TIME-WAIT, B in CLOSED. */
    assert_int_equal(tcp_send_end(&b->tcp, b->id, n->now), TCP_OK);
    run(n, n->now + 300000, NULL);
    assert_int_equal(b->closed, 1);
    assert_int_equal(b->reason, TCP_REASON_NORMAL);
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_TIME_WAIT);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED); /* TIME-WAIT over */
    print_message("100 KB, 5%% loss, 1%% dup, 20-50 ms delay: %llu ms virtual, lost %u, dup %u, "
                  "A retransmits %u fast %u, B dup bytes %u ooo %u, A segs %u B segs %u\n",
                  (unsigned long long)took, n->lost, n->dupd, a->tcp.cnt.retransmits,
                  a->tcp.cnt.fast_retransmits, b->tcp.cnt.rx_dup_bytes, b->tcp.cnt.rx_ooo,
                  a->tcp.cnt.tx_segments, b->tcp.cnt.tx_segments);
    net_free(n);
}

static void test_bulk_seeds(void **state)
{
    (void)state;
    /* Several seeds, smaller transfer, more reordering. */
    for (uint64_t seed = 1; seed <= 8; seed++) {
        struct net *n = net_new(seed * 7919);
        struct host *a = &n->h[0], *b = &n->h[1];
        n->delay_ms = 5;
        n->jitter_ms = 60;
        n->loss_pct = 8;
        n->dup_pct = 3;
        a->tx_target = 30000;
        a->end_after = true;
        connect_pair(n);
        a->pump = true;
        pump(a);
        assert_true(run(n, n->now + 900000, b_got_all));
        uint64_t want = FNV_INIT;
        for (size_t i = 0; i < a->tx_target; i++) {
            uint8_t c = stream_byte(i);
            want = fnv(want, &c, 1);
        }
        assert_true(b->rx_hash == want);
        net_free(n);
    }
}

static void test_fin_half_close(void **state)
{
    (void)state;
    struct net *n = net_new(3);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    assert_int_equal(tcp_send(&a->tcp, a->id, "hello", 5, n->now), 5);
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_OK);
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_ERR_STATE);
    assert_int_equal(tcp_send(&a->tcp, a->id, "x", 1, n->now), 0);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_FIN_WAIT_1);
    run(n, n->now + 1000, NULL);
    assert_int_equal(b->peer_fin, 1);
    assert_memory_equal(b->rx, "hello", 5);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSE_WAIT);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_FIN_WAIT_2);
    /* Half-close: B still sends, A still receives. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tcp_send(&b->tcp, b->id, "world", 5, n->now), 5);
        run(n, n->now + 1000, NULL);
    }
    assert_int_equal(a->rx_len, 15);
    assert_memory_equal(a->rx, "worldworldworld", 15);
    assert_int_equal(a->closed, 0);
    assert_int_equal(tcp_send_end(&b->tcp, b->id, n->now), TCP_OK);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_LAST_ACK);
    run(n, n->now + 1000, NULL);
    assert_int_equal(a->peer_fin, 1);
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_TIME_WAIT);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_TIME_WAIT);
    assert_int_equal(b->closed, 1);
    assert_int_equal(b->reason, TCP_REASON_NORMAL);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSED);
    /* TIME-WAIT is bounded. */
    int64_t d = tcp_next_timeout_ms(&a->tcp, n->now);
    assert_true(d > 0 && d <= TCP_TIME_WAIT_MS);
    run(n, n->now + TCP_TIME_WAIT_MS + 1, NULL);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    assert_int_equal(a->closed, 1);
    /* The endpoint can be reused. */
    assert_int_equal(tcp_listen(&b->tcp, b->id, addr_b, 7), TCP_OK);
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 49999, addr_b, 7, n->now), TCP_OK);
    assert_true(run(n, n->now + 5000, both_established));
    net_free(n);
}

static void test_fin_lost_and_time_wait_ack(void **state)
{
    (void)state;
    struct net *n = net_new(4);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    /* B's ACK of A's FIN is lost: A retransmits the FIN. */
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_OK);
    n->drop_all[1] = true;
    run(n, n->now + 100, NULL);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSE_WAIT);
    n->drop_all[1] = false;
    run(n, n->now + 5000, NULL);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_FIN_WAIT_2);
    assert_true(a->tcp.cnt.retransmits >= 1);
    assert_int_equal(b->peer_fin, 1);
    /* B's FIN: A's ACK lost, B retransmits, A in TIME-WAIT ACKs again. */
    assert_int_equal(tcp_send_end(&b->tcp, b->id, n->now), TCP_OK);
    n->drop_all[0] = true;
    run(n, n->now + 100, NULL);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_TIME_WAIT);
    n->drop_all[0] = false;
    run(n, n->now + 5000, NULL);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSED);
    assert_int_equal(b->reason, TCP_REASON_NORMAL);
    assert_int_equal(a->closed, 1);
    net_free(n);
}

static void test_simultaneous_close(void **state)
{
    (void)state;
    struct net *n = net_new(5);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    assert_int_equal(tcp_send_end(&a->tcp, a->id, n->now), TCP_OK);
    assert_int_equal(tcp_send_end(&b->tcp, b->id, n->now), TCP_OK);
    run(n, n->now + 1000, NULL);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_TIME_WAIT);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_TIME_WAIT);
    assert_int_equal(a->reason, TCP_REASON_TIME_WAIT);
    assert_int_equal(b->reason, TCP_REASON_TIME_WAIT);
    assert_int_equal(a->peer_fin, 1);
    assert_int_equal(b->peer_fin, 1);
    net_free(n);
}

static void test_rst_closed_port(void **state)
{
    (void)state;
    struct net *n = net_new(6);
    struct host *a = &n->h[0], *b = &n->h[1];
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 40000, addr_b, 23, n->now), TCP_OK);
    run(n, n->now + 500, NULL);
    assert_int_equal(b->tcp.cnt.drops[TCP_DROP_NO_ENDPOINT], 1);
    assert_int_equal(b->tcp.cnt.tx_rst, 1);
    assert_int_equal(n->log[1].flags, 0x14); /* RST+ACK, ACK = ISN + 1 */
    assert_int_equal(n->log[1].ack, n->log[0].seq + 1);
    assert_int_equal(n->log[1].seq, 0);
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_REFUSED);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    assert_int_equal(tcp_next_timeout_ms(&a->tcp, n->now), -1);
    net_free(n);
}

static void test_rst_established(void **state)
{
    (void)state;
    struct net *n = net_new(7);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    assert_int_equal(tcp_abort(&a->tcp, a->id), TCP_OK);
    assert_int_equal(a->closed, 0); /* no event for the caller's own abort */
    run(n, n->now + 500, NULL);
    assert_int_equal(b->closed, 1);
    assert_int_equal(b->reason, TCP_REASON_RESET);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSED);
    /* A segment to the now-closed A is answered with a RST too. */
    assert_int_equal(tcp_listen(&b->tcp, b->id, NULL, 7), TCP_OK);
    net_free(n);
}

/* A hand-made segment from B's address/port to A's endpoint. */
static size_t mkseg(uint8_t *buf, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                    uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
                    const char *data)
{
    size_t dl = data ? strlen(data) : 0;
    memset(buf, 0, TCP_HDR_LEN);
    be16_put(buf, sport);
    be16_put(buf + 2, dport);
    be32_put(buf + 4, seq);
    be32_put(buf + 8, ack);
    buf[12] = 5 << 4;
    buf[13] = flags;
    be16_put(buf + 14, wnd);
    if (dl)
        memcpy(buf + TCP_HDR_LEN, data, dl);
    size_t n = TCP_HDR_LEN + dl;
    uint32_t s = csum_pseudo6(src, dst, TCP_PROTO, (uint32_t)n);
    be16_put(buf + 16, csum_finish(csum_add(s, buf, n)));
    return n;
}

static void test_rst_checks(void **state)
{
    (void)state;
    struct net *n = net_new(8);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    const struct tcp_ep *ea = tcp_ep_get(&a->tcp, a->id);
    uint8_t seg[64];
    /* RST in window but not at RCV.NXT: challenge ACK (RFC 5961 §3). */
    size_t l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt + 100, 0, 0x04, 0, NULL);
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_RST_CHALLENGE);
    assert_int_equal(a->tcp.cnt.challenge_acks, 1);
    /* RST out of window: dropped silently. */
    l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt + 100000, 0, 0x04, 0, NULL);
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_OUT_OF_WINDOW);
    /* SYN in ESTABLISHED: challenge ACK (RFC 5961 §4). */
    l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt, 0, 0x02, 0, NULL);
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_SYN_CHALLENGE);
    /* ACK of data never sent. */
    l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt, ea->snd_max + 1000, 0x10, 4096, NULL);
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_ACK_UNSENT);
    /* No ACK bit. */
    l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt, 0, 0x08, 4096, "zz");
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_NO_ACK);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_ESTABLISHED);
    /* The exact RST closes it. */
    l = mkseg(seg, addr_b, addr_a, 7, 49999, ea->rcv_nxt, 0, 0x04, 0, NULL);
    assert_int_equal(tcp_input(&a->tcp, addr_b, addr_a, seg, l, n->now), TCP_DROP_NONE);
    assert_int_equal(a->reason, TCP_REASON_RESET);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    /* ACK to a listener: RST with SEQ = SEG.ACK; RST to nobody: nothing. */
    l = mkseg(seg, addr_a, addr_b, 5555, 7, 1, 0x12345678, 0x10, 100, NULL);
    tcp_abort(&b->tcp, b->id);
    n->nlog = 0;
    assert_int_equal(tcp_listen(&b->tcp, b->id, NULL, 7), TCP_OK);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now), TCP_DROP_LISTEN_ACK);
    assert_int_equal(n->nlog, 1);
    assert_int_equal(n->log[0].flags, 0x04);
    assert_int_equal(n->log[0].seq, 0x12345678);
    l = mkseg(seg, addr_a, addr_b, 5555, 8, 1, 0, 0x04, 100, NULL);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now), TCP_DROP_NO_ENDPOINT_RST);
    assert_int_equal(n->nlog, 1);
    net_free(n);
}

/* The RTO values of RFC 6298 §2 with a 400 ms one-way delay. */
static void test_rto_rfc6298(void **state)
{
    (void)state;
    struct net *n = net_new(9);
    struct host *a = &n->h[0];
    n->delay_ms = 400;
    /* Before any sample: 1 s (§2.1). */
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 49999, addr_b, 7, n->now), TCP_OK);
    assert_int_equal(tcp_rto_ms(&a->tcp, a->id), 1000);
    tcp_abort(&a->tcp, a->id);
    n->nlog = 0;
    n->nq = 0;
    connect_pair(n);
    /* SYN RTT 800: SRTT 800, RTTVAR 400, RTO = 800 + 4 * 400 = 2400 (§2.2). */
    const struct tcp_ep *ea = tcp_ep_get(&a->tcp, a->id);
    assert_int_equal(ea->srtt, 800);
    assert_int_equal(ea->rttvar, 400);
    assert_int_equal(tcp_rto_ms(&a->tcp, a->id), 2400);
    /* Two full segments (ACKed at once, no delayed ACK): R = 800.
     * RTTVAR = 3/4 * 400 + 1/4 * 0 = 300, SRTT = 800, RTO = 2000 (§2.3). */
    uint8_t buf[2 * TCP_MSS_DEFAULT];
    memset(buf, 'x', sizeof(buf));
    assert_int_equal(tcp_send(&a->tcp, a->id, buf, sizeof(buf), n->now), sizeof(buf));
    run(n, n->now + 2000, NULL);
    assert_int_equal(ea->rttvar, 300);
    assert_int_equal(ea->srtt, 800);
    assert_int_equal(tcp_rto_ms(&a->tcp, a->id), 2000);
    /* R = 200: RTTVAR = (3 * 300 + 600) / 4 = 375, SRTT = (7 * 800 + 200) / 8
     * = 725, RTO = 725 + 1500 = 2225. */
    n->delay_ms = 100;
    assert_int_equal(tcp_send(&a->tcp, a->id, buf, sizeof(buf), n->now), sizeof(buf));
    run(n, n->now + 2000, NULL);
    assert_int_equal(ea->rttvar, 375);
    assert_int_equal(ea->srtt, 725);
    assert_int_equal(tcp_rto_ms(&a->tcp, a->id), 2225);

    /* Now the link dies: retransmissions at RTO, doubling (§5.5), capped at
     * 60 s (§2.5), then give up after TCP_MAX_RETRIES. */
    n->drop_all[0] = true;
    n->nlog = 0;
    uint64_t t0 = n->now;
    assert_int_equal(tcp_send(&a->tcp, a->id, "data", 4, n->now), 4);
    run(n, n->now + 1000000, NULL);
    static const uint32_t gaps[] = {2225, 4450, 8900, 17800, 35600, 60000, 60000, 60000};
    unsigned k = 0;
    uint64_t prev = t0;
    for (unsigned i = 0; i < n->nlog; i++) {
        if (n->log[i].from != 0 || n->log[i].len != 4)
            continue;
        if (k == 0) {
            assert_int_equal(n->log[i].at, t0);
        } else {
            assert_true(k - 1 < sizeof(gaps) / sizeof(gaps[0]));
            assert_int_equal(n->log[i].at - prev, gaps[k - 1]);
        }
        prev = n->log[i].at;
        k++;
    }
    assert_int_equal(k, 1 + TCP_MAX_RETRIES);
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_TIMED_OUT);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);
    net_free(n);
}

static void test_syn_retries(void **state)
{
    (void)state;
    struct net *n = net_new(10);
    struct host *a = &n->h[0];
    n->drop_all[0] = true;
    uint64_t t0 = n->now;
    assert_int_equal(tcp_connect(&a->tcp, a->id, addr_a, 49999, addr_b, 7, n->now), TCP_OK);
    run(n, n->now + 200000, NULL);
    /* SYN at 0, then 1, 3, 7, 15, 31 s; give up at 63 s. */
    static const uint64_t at[] = {0, 1000, 3000, 7000, 15000, 31000};
    assert_int_equal(n->nlog, 1 + TCP_SYN_RETRIES);
    for (unsigned i = 0; i < n->nlog; i++) {
        assert_int_equal(n->log[i].flags, 0x02);
        assert_int_equal(n->log[i].at - t0, at[i]);
        assert_int_equal(n->log[i].seq, n->log[0].seq);
    }
    assert_int_equal(a->closed, 1);
    assert_int_equal(a->reason, TCP_REASON_TIMED_OUT);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_CLOSED);

    /* A SYN that got through on the 3rd try: RTO is 3 s once established
     * (RFC 6298 §5.7), as no RTT sample was possible. */
    struct net *m = net_new(11);
    struct host *ma = &m->h[0], *mb = &m->h[1];
    assert_int_equal(tcp_listen(&mb->tcp, mb->id, NULL, 7), TCP_OK);
    m->drop_all[0] = true;
    assert_int_equal(tcp_connect(&ma->tcp, ma->id, addr_a, 49999, addr_b, 7, m->now), TCP_OK);
    run(m, m->now + 2500, NULL);
    m->drop_all[0] = false;
    assert_true(run(m, m->now + 10000, both_established));
    assert_int_equal(tcp_rto_ms(&ma->tcp, ma->id), TCP_RTO_SYN_LOST_MS);
    net_free(m);
    net_free(n);
}

static bool b_has_all_manual(struct net *n)
{
    return n->h[1].rx_total == n->h[0].tx_target;
}

static void test_zero_window(void **state)
{
    (void)state;
    struct net *n = net_new(12);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    tcp_set_rx_manual(&b->tcp, b->id, true);
    a->tx_target = 10000;
    a->pump = true;
    pump(a);
    run(n, n->now + 30000, NULL);
    /* B's buffer is full and its window zero; A probes, does not give up. */
    assert_int_equal(tcp_rx_available(&b->tcp, b->id), TCP_RCVBUF);
    assert_int_equal(tcp_ep_get(&a->tcp, a->id)->snd_wnd, 0);
    assert_true(a->tcp.cnt.probes >= 3);
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_ESTABLISHED);
    bool saw_zero = false;
    for (unsigned i = 0; i < n->nlog; i++)
        if (n->log[i].from == 1 && n->log[i].wnd == 0)
            saw_zero = true;
    assert_true(saw_zero);
    /* Probe intervals back off. */
    int64_t d = tcp_next_timeout_ms(&a->tcp, n->now);
    assert_true(d > 0 && d <= TCP_PERSIST_MAX_MS);
    /* B reads: window update, the transfer completes. */
    uint8_t buf[TCP_RCVBUF];
    size_t got = 0;
    uint64_t deadline = n->now + 120000;
    while (b->rx_total < a->tx_target && n->now < deadline) {
        size_t r = tcp_read(&b->tcp, b->id, buf, sizeof(buf), n->now);
        for (size_t i = 0; i < r; i++)
            assert_int_equal(buf[i], stream_byte(got + i));
        got += r;
        b->rx_total = got;
        run(n, n->now + 500, NULL);
    }
    size_t r = tcp_read(&b->tcp, b->id, buf, sizeof(buf), n->now);
    for (size_t i = 0; i < r; i++)
        assert_int_equal(buf[i], stream_byte(got + i));
    got += r;
    b->rx_total = got;
    assert_int_equal(got, a->tx_target);
    assert_true(b_has_all_manual(n));
    assert_int_equal(tcp_state(&a->tcp, a->id), TCP_ESTABLISHED);
    net_free(n);
}

static void test_out_of_order(void **state)
{
    (void)state;
    struct net *n = net_new(13);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    const struct tcp_ep *eb = tcp_ep_get(&b->tcp, b->id);
    const struct tcp_ep *ea = tcp_ep_get(&a->tcp, a->id);
    uint32_t base = eb->rcv_nxt;
    uint32_t ack = ea->rcv_nxt;
    uint8_t seg[64];
    /* Pieces "ab" "cd" "ef" "gh" delivered as 4, 2, 3, (2 again), 1. */
    static const char *const piece[] = {"ab", "cd", "ef", "gh"};
    static const int order[] = {3, 1, 2, 1, 0};
    for (unsigned i = 0; i < 5; i++) {
        int p = order[i];
        size_t l = mkseg(seg, addr_a, addr_b, 49999, 7, base + 2u * (unsigned)p, ack, 0x10, 4096,
                         piece[p]);
        tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now);
        if (i < 4)
            assert_int_equal(b->rx_len, 0);
    }
    assert_int_equal(b->rx_len, 8);
    assert_memory_equal(b->rx, "abcdefgh", 8);
    assert_int_equal(eb->rcv_nxt, base + 8);
    assert_int_equal(eb->n_ooo, 0);
    assert_int_equal(b->tcp.cnt.rx_ooo, 4);
    /* A FIN ahead of the data is held until the gap fills. */
    size_t l = mkseg(seg, addr_a, addr_b, 49999, 7, base + 10, ack, 0x11, 4096, "kl");
    tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now);
    assert_int_equal(b->peer_fin, 0);
    l = mkseg(seg, addr_a, addr_b, 49999, 7, base + 8, ack, 0x10, 4096, "ij");
    tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now);
    assert_int_equal(b->peer_fin, 1);
    assert_memory_equal(b->rx, "abcdefghijkl", 12);
    assert_int_equal(tcp_state(&b->tcp, b->id), TCP_CLOSE_WAIT);
    /* More than TCP_OOO_MAX holes: the extra piece is dropped and counted. */
    struct net *m = net_new(14);
    connect_pair(m);
    struct host *mb = &m->h[1];
    eb = tcp_ep_get(&mb->tcp, mb->id);
    base = eb->rcv_nxt;
    ack = tcp_ep_get(&m->h[0].tcp, m->h[0].id)->rcv_nxt;
    for (unsigned i = 0; i <= TCP_OOO_MAX; i++) {
        l = mkseg(seg, addr_a, addr_b, 49999, 7, base + 4 * (i + 1), ack, 0x10, 4096, "xy");
        tcp_input(&mb->tcp, addr_a, addr_b, seg, l, m->now);
    }
    assert_int_equal(eb->n_ooo, TCP_OOO_MAX);
    assert_int_equal(mb->tcp.cnt.drops[TCP_DROP_OOO_FULL], 1);
    net_free(m);
    net_free(n);
}

static void test_hostile(void **state)
{
    (void)state;
    struct net *n = net_new(15);
    struct host *a = &n->h[0], *b = &n->h[1];
    connect_pair(n);
    /* A second endpoint on B listens. */
    int lid;
    assert_int_equal(tcp_init(&b->tcp, b, &lid), TCP_OK);
    assert_int_equal(tcp_listen(&b->tcp, lid, NULL, 80), TCP_OK);
    uint8_t seg[SEG_MAX];
    uint64_t rng = 0xbad;
    struct tcp_counters before = b->tcp.cnt;

    /* Truncated. */
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, 0, n->now), TCP_DROP_TRUNCATED);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, NULL, 0, n->now), TCP_DROP_TRUNCATED);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, 19, n->now), TCP_DROP_TRUNCATED);
    /* Lying data offsets: below 5 and past the segment. */
    for (unsigned off = 0; off < 16; off++) {
        size_t l = mkseg(seg, addr_a, addr_b, 49999, 7, 1, 1, 0x10, 1, "abcd");
        seg[12] = (uint8_t)(off << 4);
        seg[16] = seg[17] = 0;
        uint32_t s = csum_pseudo6(addr_a, addr_b, TCP_PROTO, (uint32_t)l);
        be16_put(seg + 16, csum_finish(csum_add(s, seg, l)));
        enum tcp_drop d = tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now);
        if (off < 5 || off * 4 > l)
            assert_int_equal(d, TCP_DROP_BAD_OFFSET);
    }
    /* Bad checksum. */
    size_t l = mkseg(seg, addr_a, addr_b, 49999, 7, 1, 1, 0x10, 1, "abcd");
    seg[20] ^= 1;
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now), TCP_DROP_CHECKSUM);
    /* Multicast destination, port 0, SYN+FIN. */
    static const uint8_t mc[16] = {0xff, 0x02, [15] = 1};
    l = mkseg(seg, addr_a, mc, 49999, 7, 1, 1, 0x02, 1, NULL);
    assert_int_equal(tcp_input(&b->tcp, addr_a, mc, seg, l, n->now), TCP_DROP_BAD_ADDR);
    l = mkseg(seg, addr_a, addr_b, 0, 7, 1, 1, 0x02, 1, NULL);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now), TCP_DROP_BAD_ADDR);
    l = mkseg(seg, addr_a, addr_b, 1234, 80, 1, 1, 0x03, 1, NULL);
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, l, n->now), TCP_DROP_BAD_FLAGS);
    /* Malformed options on a SYN to the listener (len 0, len past the end). */
    l = mkseg(seg, addr_a, addr_b, 1234, 80, 1, 0, 0x02, 1000, NULL);
    seg[12] = 6 << 4;
    seg[20] = 2;
    seg[21] = 0;
    seg[22] = 0;
    seg[23] = 0;
    seg[16] = seg[17] = 0;
    be16_put(seg + 16, csum_finish(csum_add(csum_pseudo6(addr_a, addr_b, TCP_PROTO, 24), seg, 24)));
    assert_int_equal(tcp_input(&b->tcp, addr_a, addr_b, seg, 24, n->now), TCP_DROP_NONE);
    assert_int_equal(tcp_state(&b->tcp, lid), TCP_SYN_RECEIVED);

    /* Random bytes (mostly bad checksums) and random segments with fixed-up
     * checksums aimed at both endpoints and the connection's 4-tuple. */
    const struct tcp_ep *eb = tcp_ep_get(&b->tcp, b->id);
    for (unsigned i = 0; i < 20000; i++) {
        size_t len = xs(&rng) % 80;
        for (size_t k = 0; k < len; k++)
            seg[k] = (uint8_t)xs(&rng);
        bool fix = (i & 1) && len >= TCP_HDR_LEN;
        if (fix) {
            unsigned pick = xs(&rng) % 4;
            be16_put(seg, 49999);
            be16_put(seg + 2, pick == 0 ? 80 : 7);
            if (pick == 2)
                be32_put(seg + 4, eb->rcv_nxt + xs(&rng) % 64);
            if (pick == 3)
                be32_put(seg + 8, eb->snd_una + xs(&rng) % 64);
            seg[12] = (uint8_t)((5 + xs(&rng) % 3) << 4);
            seg[16] = seg[17] = 0;
            uint32_t s = csum_pseudo6(addr_a, addr_b, TCP_PROTO, (uint32_t)len);
            be16_put(seg + 16, csum_finish(csum_add(s, seg, len)));
        }
        /* Exact-size copy so the sanitizer sees reads past the end. */
        uint8_t *p = malloc(len ? len : 1);
        assert_non_null(p);
        memcpy(p, seg, len);
        uint32_t dropped = b->tcp.cnt.rx_dropped;
        enum tcp_drop d = tcp_input(&b->tcp, addr_a, addr_b, p, len, n->now);
        free(p);
        assert_true(d < TCP_DROP__COUNT);
        if (d == TCP_DROP_NONE)
            assert_true(b->tcp.cnt.rx_dropped == dropped ||
                        b->tcp.cnt.rx_dropped == dropped + 1); /* partial drops */
        else
            assert_true(b->tcp.cnt.rx_dropped >= dropped + 1);
        if (i % 64 == 0) {
            n->now += 50;
            tcp_process(&b->tcp, n->now);
            n->nq = 0; /* B's answers go nowhere */
        }
        if (tcp_state(&b->tcp, b->id) == TCP_CLOSED) {
            /* Reset by a lucky RST: start over. */
            tcp_abort(&a->tcp, a->id);
            n->nq = 0;
            b->connected = a->connected = 0;
            tcp_abort(&b->tcp, b->id);
            connect_pair(n);
            eb = tcp_ep_get(&b->tcp, b->id);
        }
        if (tcp_state(&b->tcp, lid) == TCP_CLOSED)
            assert_int_equal(tcp_listen(&b->tcp, lid, NULL, 80), TCP_OK);
    }
    unsigned kinds = 0;
    for (unsigned d = 1; d < TCP_DROP__COUNT; d++)
        if (b->tcp.cnt.drops[d])
            kinds++;
    print_message("hostile: %u segments, %u dropped, %u drop kinds (checksum %u, offset %u, "
                  "truncated %u)\n",
                  b->tcp.cnt.rx_segments, b->tcp.cnt.rx_dropped, kinds,
                  b->tcp.cnt.drops[TCP_DROP_CHECKSUM], b->tcp.cnt.drops[TCP_DROP_BAD_OFFSET],
                  b->tcp.cnt.drops[TCP_DROP_TRUNCATED]);
    assert_true(kinds >= 10);
    assert_true(b->tcp.cnt.drops[TCP_DROP_CHECKSUM] > before.drops[TCP_DROP_CHECKSUM] + 1000);
    assert_true(b->tcp.cnt.drops[TCP_DROP_BAD_OFFSET] > before.drops[TCP_DROP_BAD_OFFSET] + 10);
    assert_true(b->tcp.cnt.drops[TCP_DROP_TRUNCATED] > before.drops[TCP_DROP_TRUNCATED] + 100);
    net_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_handshake_and_data),
        cmocka_unit_test(test_bulk_lossy),
        cmocka_unit_test(test_bulk_seeds),
        cmocka_unit_test(test_fin_half_close),
        cmocka_unit_test(test_fin_lost_and_time_wait_ack),
        cmocka_unit_test(test_simultaneous_close),
        cmocka_unit_test(test_rst_closed_port),
        cmocka_unit_test(test_rst_established),
        cmocka_unit_test(test_rst_checks),
        cmocka_unit_test(test_rto_rfc6298),
        cmocka_unit_test(test_syn_retries),
        cmocka_unit_test(test_zero_window),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
