/*
 * The TCP benchmark (src/svc/tcp_bench.c): OpenThread's goodput figure, a
 * run refused without a connection, and a run between two real nodes on
 * the simulated medium (tests/support/node_net.h) that delivers every byte
 * and completes once all is acknowledged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/node_net.h"
#include "svc/tcp_bench.h"

struct side {
    struct tcp_bench *bench; /* the sender's, else NULL */
    size_t received;
    bool only_a; /* every received octet was 'a' */
    bool connected, closed;
    unsigned completed;
};

static void on_tcp(void *ctx, int id, const struct tcp_event *ev)
{
    struct side *s = ctx;

    (void)id;
    switch (ev->kind) {
    case TCP_EV_CONNECTED:
        s->connected = true;
        break;
    case TCP_EV_DATA:
        for (size_t i = 0; i < ev->len; i++)
            s->only_a = s->only_a && ((const uint8_t *)ev->data)[i] == 'a';
        s->received += ev->len;
        break;
    case TCP_EV_SEND_SPACE:
        if (s->bench != NULL && tcp_bench_on_send_space(s->bench, ev->len, ev->now_ms))
            s->completed++;
        break;
    case TCP_EV_PEER_FIN:
        break;
    case TCP_EV_CLOSED:
        s->closed = true;
        if (s->bench != NULL)
            tcp_bench_stop(s->bench);
        break;
    }
}

/* (1000 * bits + ms/2) / ms, as OpenThread's OutputBenchmarkResult. */
static void test_goodput__openthread_rounding(void **state)
{
    (void)state;
    assert_int_equal(tcp_bench_goodput_bps(1000, 1000), 8000);
    assert_int_equal(tcp_bench_goodput_bps(73728, 0), 73728ull * 8 * 1000);
    assert_int_equal(tcp_bench_goodput_bps(1, 3), 2667); /* 8000/3 rounded */
    assert_int_equal(tcp_bench_goodput_bps(0, 5), 0);
}

static void test_start__not_connected__refused(void **state)
{
    struct node_net *nn = node_net_new(1);
    struct tcp_bench b;
    struct side s = {0};
    int id;

    (void)state;
    tcp_bench_init(&b, nn->node[0]);
    assert_false(tcp_bench_has_result(&b));
    assert_int_equal(tnode_tcp_init(nn->node[0], on_tcp, &s, &id), OT_ERR_NONE);
    assert_false(tcp_bench_start(&b, id, 1000, nn->now));
    assert_false(tcp_bench_running(&b));
    assert_false(tcp_bench_on_send_space(&b, TCP_SNDBUF, nn->now));
    node_net_free(nn);
}

static void test_run__all_bytes_then_complete(void **state)
{
    struct node_net *nn = node_net_new(2);
    struct tcp_bench b;
    struct side rx = {.only_a = true}, tx = {.only_a = true};
    uint8_t leader[16];
    int lid, cid;

    (void)state;
    node_net_form(nn);
    node_net_addr(nn, 0, TNODE_ADDR_MLEID, leader);
    assert_int_equal(tnode_tcp_init(nn->node[0], on_tcp, &rx, &lid), OT_ERR_NONE);
    assert_int_equal(tnode_tcp_listen(nn->node[0], lid, NULL, 12345), OT_ERR_NONE);
    assert_int_equal(tnode_tcp_init(nn->node[1], on_tcp, &tx, &cid), OT_ERR_NONE);
    assert_int_equal(tnode_tcp_connect(nn->node[1], cid, NULL, 0, leader, 12345, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 3000);
    assert_true(tx.connected);
    assert_true(rx.connected);

    tcp_bench_init(&b, nn->node[1]);
    tx.bench = &b;
    assert_true(tcp_bench_start(&b, cid, 20000, nn->now));
    assert_true(tcp_bench_running(&b));
    assert_true(b.unsent < 20000); /* the send buffer took a first part */
    for (int i = 0; i < 600 && tx.completed == 0; i++)
        node_net_run(nn, 100);
    assert_int_equal(tx.completed, 1);
    assert_false(tcp_bench_running(&b));
    assert_true(tcp_bench_has_result(&b));
    assert_int_equal(b.last_total, 20000);
    assert_int_equal(rx.received, 20000);
    assert_true(rx.only_a);
    /* The connection closing drops nothing of a finished run's result. */
    assert_int_equal(tnode_tcp_abort(nn->node[1], cid), OT_ERR_NONE);
    node_net_run(nn, 1000);
    tcp_bench_stop(&b);
    assert_int_equal(b.last_total, 20000);
    node_net_free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goodput__openthread_rounding),
        cmocka_unit_test(test_start__not_connected__refused),
        cmocka_unit_test(test_run__all_bytes_then_complete),
    };

    return cmocka_run_group_tests_name("tcp_bench", tests, NULL, NULL);
}
