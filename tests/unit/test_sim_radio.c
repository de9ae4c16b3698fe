/*
 * sim_radio: OpenThread's simulation transport over loopback UDP multicast
 * (platform/sim_radio.h), with several simulated nodes in this one process,
 * and the MAC layer running over it end to end (unicast + Imm-Ack).
 *
 * Loopback only. The test uses its own PORT_OFFSET (20..200, from the pid)
 * so that it does not meet other simulations on the default ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mac/mac.h"
#include "mac/mac_frame.h"
#include "platform/sim_radio.h"

static unsigned g_offset;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int setup_env(void **state)
{
    (void)state;
    g_offset = 20 + (unsigned)getpid() % 181;
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", g_offset);
    setenv("PORT_OFFSET", buf, 1);
    unsetenv("PORT_BASE");
    return 0;
}

#define REC_MAX 16

struct rx_rec {
    uint8_t psdu[RADIO_PSDU_MAX];
    size_t len;
    uint8_t channel;
    int8_t rssi;
    uint64_t ts;
};

struct rx_log {
    struct rx_rec r[REC_MAX];
    unsigned n;
};

static void on_frame(void *user, const struct radio_rx_frame *f)
{
    struct rx_log *log = user;
    if (log->n < REC_MAX) {
        struct rx_rec *r = &log->r[log->n];
        assert_true(f->len <= RADIO_PSDU_MAX);
        memcpy(r->psdu, f->psdu, f->len);
        r->len = f->len;
        r->channel = f->channel;
        r->rssi = f->rssi;
        r->ts = f->timestamp_ms;
    }
    log->n++;
}

static void open_node(struct sim_radio *r, unsigned id, uint8_t channel)
{
    struct sim_radio_config cfg = {.node_id = id, .channel = channel};
    int rc = sim_radio_open(r, &cfg);
    if (rc != 0)
        fprintf(stderr, "sim_radio_open: %s\n", r->err);
    assert_int_equal(rc, 0);
    assert_true(sim_radio_fd(r) >= 0);
    assert_int_equal(r->port_base, 9000 + 34 * g_offset);
}

/* Reads r until want frames arrived in log or timeout_ms passed. */
static void pump(struct sim_radio *r, struct rx_log *log, unsigned want, int timeout_ms)
{
    uint64_t end = now_ms() + (uint64_t)timeout_ms;
    while (log->n < want) {
        uint64_t now = now_ms();
        if (now >= end)
            break;
        struct pollfd p = {.fd = sim_radio_fd(r), .events = POLLIN};
        int n = poll(&p, 1, (int)(end - now));
        assert_true(n >= 0);
        if (n > 0)
            assert_true(sim_radio_receive(r, now_ms(), on_frame, log) >= 0);
    }
}

/* Drains whatever is pending now (for "nothing arrives" checks, after a
 * short wait: loopback delivery is immediate). */
static void drain(struct sim_radio *r, struct rx_log *log)
{
    struct pollfd p = {.fd = sim_radio_fd(r), .events = POLLIN};
    while (poll(&p, 1, 50) > 0)
        assert_true(sim_radio_receive(r, now_ms(), on_frame, log) >= 0);
}

static const uint8_t FRAME[] = {0x41, 0xd8, 0x3a, 0x34, 0x12, 0xff, 0xff, 0x59, 0xbe, 0xcd,
                                0xf3, 0xe8, 0x96, 0x95, 0xd2, 0x7f, 0x3b, 0x02, 0xf0, 0x4d};

static void two_nodes_and_a_third(void **state)
{
    (void)state;
    struct sim_radio a, b, c;
    open_node(&a, 1, 15);
    open_node(&b, 2, 15);
    open_node(&c, SIM_RADIO_MAX_NODES, 15);

    assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 15), 0);
    struct rx_log lb = {0}, lc = {0}, la = {0};
    pump(&b, &lb, 1, 2000);
    assert_int_equal(lb.n, 1);
    assert_int_equal(lb.r[0].channel, 15);
    assert_int_equal(lb.r[0].len, sizeof(FRAME));
    assert_memory_equal(lb.r[0].psdu, FRAME, sizeof(FRAME));
    assert_int_equal(lb.r[0].rssi, SIM_RADIO_RSSI);
    pump(&c, &lc, 1, 2000);
    assert_int_equal(lc.n, 1);
    assert_memory_equal(lc.r[0].psdu, FRAME, sizeof(FRAME));

    /* Node 1 hears its own datagram (multicast loop) and ignores it. */
    drain(&a, &la);
    assert_int_equal(la.n, 0);
    assert_int_equal(a.counters.rx_own, 1);
    assert_int_equal(a.counters.tx_frames, 1);

    /* The third node talks to node 1 and node 2. */
    static const uint8_t ack[] = {0x12, 0x10, 0x34, 0x1b, 0xd2};
    assert_int_equal(sim_radio_transmit(&c, ack, sizeof(ack), 15), 0);
    pump(&a, &la, 1, 2000);
    pump(&b, &lb, 2, 2000);
    assert_int_equal(la.n, 1);
    assert_int_equal(lb.n, 2);
    assert_memory_equal(la.r[0].psdu, ack, sizeof(ack));
    assert_memory_equal(lb.r[1].psdu, ack, sizeof(ack));

    /* Another channel: dropped by the receiver (not its receive channel). */
    assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 16), 0);
    drain(&b, &lb);
    assert_int_equal(lb.n, 2);
    assert_int_equal(b.counters.rx_channel, 1);
    /* ... until it switches. */
    assert_int_equal(sim_radio_set_channel(&b, 16), 0);
    assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 16), 0);
    pump(&b, &lb, 3, 2000);
    assert_int_equal(lb.n, 3);
    assert_int_equal(lb.r[2].channel, 16);
    assert_int_equal(sim_radio_set_channel(&b, 27), -1);
    assert_int_equal(sim_radio_set_channel(&b, 10), -1);

    /* Bad frames are refused before the socket. */
    uint8_t big[RADIO_PSDU_MAX + 1] = {0};
    assert_int_equal(sim_radio_transmit(&a, big, sizeof(big), 15), -1);
    assert_int_equal(sim_radio_transmit(&a, big, 0, 15), -1);
    assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 30), -1);
    assert_int_equal(a.counters.tx_bad_args, 3);

    /* A datagram from a port outside the node range (a test tool): accepted,
     * as OpenThread does. Sent to the group on loopback only. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct in_addr lo;
    inet_pton(AF_INET, "127.0.0.1", &lo);
    assert_int_equal(setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof(lo)), 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(b.port_base)};
    inet_pton(AF_INET, SIM_RADIO_GROUP, &to.sin_addr);
    uint8_t dg[1 + sizeof(FRAME)];
    dg[0] = 16;
    memcpy(dg + 1, FRAME, sizeof(FRAME));
    assert_int_equal(sendto(fd, dg, sizeof(dg), 0, (struct sockaddr *)&to, sizeof(to)),
                     (ssize_t)sizeof(dg));
    dg[0] = 16;
    assert_int_equal(sendto(fd, dg, 1, 0, (struct sockaddr *)&to, sizeof(to)), 1); /* no PSDU */
    close(fd);
    pump(&b, &lb, 4, 2000);
    drain(&b, &lb);
    assert_int_equal(lb.n, 4);
    assert_memory_equal(lb.r[3].psdu, FRAME, sizeof(FRAME));
    assert_int_equal(b.counters.rx_other_port, 2);
    assert_int_equal(b.counters.rx_bad_len, 1);

    /* The ops table drives the same radio. */
    assert_int_equal(sim_radio_ops.caps, 0);
    assert_int_equal(sim_radio_ops.set_channel(&b, 15), 0);
    assert_int_equal(sim_radio_ops.transmit(&a, FRAME, sizeof(FRAME), 15), 0);
    pump(&b, &lb, 5, 2000);
    assert_int_equal(lb.n, 5);

    drain(&a, &la);
    drain(&c, &lc);
    sim_radio_close(&a);
    sim_radio_close(&b);
    sim_radio_close(&c);
    sim_radio_close(&c); /* idempotent */
}

static void loss_rate(void **state)
{
    (void)state;
    struct sim_radio a, b;
    open_node(&a, 3, 20);
    open_node(&b, 4, 20);

    sim_radio_set_loss(&b, 1.0, 42);
    for (int i = 0; i < 10; i++)
        assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 20), 0);
    struct rx_log lb = {0};
    drain(&b, &lb);
    assert_int_equal(lb.n, 0);
    assert_int_equal(b.counters.rx_loss, 10);

    /* Half, deterministic per seed: same seed, same pattern. */
    unsigned got[2];
    for (int run = 0; run < 2; run++) {
        sim_radio_set_loss(&b, 0.5, 7);
        lb.n = 0;
        for (int i = 0; i < 100; i++)
            assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 20), 0);
        drain(&b, &lb);
        got[run] = lb.n;
    }
    assert_int_equal(got[0], got[1]);
    assert_true(got[0] > 25 && got[0] < 75);

    sim_radio_set_loss(&b, 0, 0);
    lb.n = 0;
    assert_int_equal(sim_radio_transmit(&a, FRAME, sizeof(FRAME), 20), 0);
    pump(&b, &lb, 1, 2000);
    assert_int_equal(lb.n, 1);

    sim_radio_close(&a);
    sim_radio_close(&b);
}

static void bad_ids_and_environment(void **state)
{
    (void)state;
    struct sim_radio r;
    struct sim_radio_config cfg = {.node_id = 0, .channel = 15};
    assert_int_equal(sim_radio_open(&r, &cfg), -1);
    assert_non_null(strstr(r.err, "node id 0"));
    cfg.node_id = SIM_RADIO_MAX_NODES + 1;
    assert_int_equal(sim_radio_open(&r, &cfg), -1);
    assert_non_null(strstr(r.err, "node id 34"));
    sim_radio_close(&r);
    cfg.node_id = 5;
    cfg.channel = 10;
    assert_int_equal(sim_radio_open(&r, &cfg), -1);
    assert_non_null(strstr(r.err, "channel"));

    /* The same node id twice: the second cannot bind its TX port. */
    struct sim_radio a;
    open_node(&a, 5, 15);
    cfg.channel = 15;
    assert_int_equal(sim_radio_open(&r, &cfg), -1);
    assert_non_null(strstr(r.err, "Address already in use"));
    assert_int_equal(r.tx_fd, -1);
    assert_int_equal(r.rx_fd, -1);
    sim_radio_close(&a);

    /* Environment. */
    uint16_t pb;
    char err[256];
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), 0);
    assert_int_equal(pb, 9000 + 34 * g_offset);
    setenv("PORT_BASE", "10000", 1);
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), 0);
    assert_int_equal(pb, 10000 + 34 * g_offset);
    setenv("PORT_BASE", "9x", 1);
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "PORT_BASE"));
    unsetenv("PORT_BASE");
    setenv("PORT_OFFSET", "-1", 1);
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "PORT_OFFSET"));
    setenv("PORT_OFFSET", "2000", 1); /* 9000 + 68000 */
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), -1);
    cfg.node_id = 6;
    assert_int_equal(sim_radio_open(&r, &cfg), -1);
    assert_non_null(strstr(r.err, "65535"));
    unsetenv("PORT_OFFSET");
    assert_int_equal(sim_radio_port_base_from_env(&pb, err, sizeof(err)), 0);
    assert_int_equal(pb, 9000);
    setup_env(NULL);
}

/* ---- MAC over the sim radio ---------------------------------------------------------------- */

struct mac_node {
    struct sim_radio radio;
    struct mac_layer mac;
    unsigned nrx;
    uint8_t last_payload[RADIO_PSDU_MAX];
    size_t last_len;
    unsigned ntx;
    struct mac_tx_result last_tx;
};

static void mac_on_rx(void *user, const struct mac_rx_info *info)
{
    struct mac_node *n = user;
    n->nrx++;
    memcpy(n->last_payload, info->frame->payload, info->frame->payload_len);
    n->last_len = info->frame->payload_len;
}

static void mac_on_tx_done(void *user, const struct mac_tx_result *res)
{
    struct mac_node *n = user;
    n->ntx++;
    n->last_tx = *res;
}

static void mac_node_open(struct mac_node *n, unsigned id, uint16_t short_addr)
{
    memset(n, 0, sizeof(*n));
    open_node(&n->radio, id, 15);
    struct mac_layer_config cfg;
    mac_layer_config_default(&cfg);
    cfg.radio_ops = &sim_radio_ops;
    cfg.radio = &n->radio;
    cfg.channel = 15;
    cfg.pan_id = 0x1234;
    cfg.short_addr = short_addr;
    uint8_t ext[8] = {0x02, 0, 0, 0, 0, 0, 0, (uint8_t)id};
    memcpy(cfg.ext_addr, ext, 8);
    cfg.rx = mac_on_rx;
    cfg.tx_done = mac_on_tx_done;
    cfg.user = n;
    assert_int_equal(mac_layer_init(&n->mac, &cfg), 0);
}

/* One poll-loop iteration over both nodes, the way the integration should
 * drive them: drain the radio, then the MAC timers. */
static void loop_once(struct mac_node *nodes, unsigned count, int max_wait_ms)
{
    struct pollfd p[4];
    int timeout = max_wait_ms;
    uint64_t now = now_ms();
    for (unsigned i = 0; i < count; i++) {
        p[i].fd = sim_radio_fd(&nodes[i].radio);
        p[i].events = POLLIN;
        int t = mac_layer_timeout_ms(&nodes[i].mac, now);
        if (t >= 0 && t < timeout)
            timeout = t;
    }
    assert_true(poll(p, count, timeout) >= 0);
    now = now_ms();
    for (unsigned i = 0; i < count; i++) {
        if (p[i].revents & POLLIN)
            assert_true(
                sim_radio_receive(&nodes[i].radio, now, mac_layer_radio_rx, &nodes[i].mac) >= 0);
        mac_layer_tick(&nodes[i].mac, now);
    }
}

static void mac_end_to_end(void **state)
{
    (void)state;
    struct mac_node *nodes = calloc(2, sizeof(*nodes));
    assert_non_null(nodes);
    mac_node_open(&nodes[0], 7, 0x1800);
    mac_node_open(&nodes[1], 8, 0x1801);

    static const uint8_t pl[] = {0x7f, 0x3b, 0x02, 0xf0, 0x4d, 0x4c};
    struct mac_tx_req req = {.type = MAC_FRAME_DATA,
                             .dst = {.mode = MAC_ADDR_SHORT, .short_addr = 0x1801},
                             .src_mode = MAC_ADDR_SHORT,
                             .payload = pl,
                             .len = sizeof(pl),
                             .cookie = 11};
    assert_int_equal(mac_layer_send(&nodes[0].mac, &req, now_ms()), MAC_LAYER_OK);
    uint64_t end = now_ms() + 3000;
    while (nodes[0].ntx == 0 && now_ms() < end)
        loop_once(nodes, 2, 50);
    assert_int_equal(nodes[0].ntx, 1);
    assert_int_equal(nodes[0].last_tx.status, MAC_TX_OK);
    assert_int_equal(nodes[0].last_tx.cookie, 11);
    assert_int_equal(nodes[1].nrx, 1);
    assert_int_equal(nodes[1].last_len, sizeof(pl));
    assert_memory_equal(nodes[1].last_payload, pl, sizeof(pl));
    assert_int_equal(mac_layer_counters(&nodes[1].mac)->rx_acks_sent, 1);
    assert_int_equal(mac_layer_counters(&nodes[0].mac)->tx_acked, 1);

    /* Nobody at 0x1802: retries, then a counted failure (short timeout). */
    nodes[0].mac.cfg.max_retries = 2;
    req.dst.short_addr = 0x1802;
    req.cookie = 12;
    assert_int_equal(mac_layer_send(&nodes[0].mac, &req, now_ms()), MAC_LAYER_OK);
    end = now_ms() + 3000;
    while (nodes[0].ntx == 1 && now_ms() < end)
        loop_once(nodes, 2, 50);
    assert_int_equal(nodes[0].ntx, 2);
    assert_int_equal(nodes[0].last_tx.status, MAC_TX_NO_ACK);
    assert_int_equal(nodes[0].last_tx.attempts, 3);
    assert_int_equal(mac_layer_counters(&nodes[0].mac)->tx_no_ack, 1);
    assert_int_equal(mac_layer_counters(&nodes[1].mac)->rx_drop_dst_addr, 3);

    sim_radio_close(&nodes[0].radio);
    sim_radio_close(&nodes[1].radio);
    free(nodes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_nodes_and_a_third),
        cmocka_unit_test(loss_rate),
        cmocka_unit_test(bad_ids_and_environment),
        cmocka_unit_test(mac_end_to_end),
    };
    return cmocka_run_group_tests(tests, setup_env, NULL);
}
