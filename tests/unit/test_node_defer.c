/*
 * tnode_ip6_send_deferred() (thread/node.h): packets queued in a bounded
 * node-owned pool, a full pool drops and counts, the next tnode_process()
 * sends them as tnode_send_ip6() would (refused while detached, accepted
 * once leader), and the queue makes tnode_next_timeout_ms() 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/medium.h"
#include "thread/node.h"

static struct tnode *node;

static void rx(void *user, int idx, const struct radio_rx_frame *f)
{
    (void)user;
    (void)idx;
    tnode_radio_rx(node, f);
}

static void step(void *user, uint64_t now)
{
    (void)user;
    tnode_process(node, now);
}

static int64_t next_timeout(void *user, uint64_t now)
{
    (void)user;
    return tnode_next_timeout_ms(node, now);
}

static const struct tm_hooks hooks = {rx, step, NULL, next_timeout};

/* An IPv6 packet from 2001:db8::1 to ff03::1 (realm-local all nodes), plen
 * bytes of payload. */
static size_t pkt6(uint8_t *p, size_t plen)
{
    memset(p, 0, 40 + plen);
    p[0] = 0x60;
    p[4] = (uint8_t)(plen >> 8);
    p[5] = (uint8_t)plen;
    p[6] = 59; /* no next header */
    p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 1;
    p[24] = 0xff, p[25] = 0x03, p[39] = 1;
    return 40 + plen;
}

static void test_deferred(void **state)
{
    struct tm_medium m;
    struct tnode_cfg cfg;
    struct tnode_defer_counters c;
    uint8_t p[1400];
    uint64_t now = 1000;

    (void)state;
    tm_medium_init(&m, 1, 3, &hooks, NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 1;
    cfg.radio_ops = &tm_radio_ops;
    cfg.radio = &m.st[0];
    cfg.random = tm_random;
    cfg.user = &m.st[0];
    cfg.router_eligible = true;
    node = tnode_new(&cfg, now);
    assert_non_null(node);

    /* Malformed: refused at once, nothing queued. */
    assert_int_equal(tnode_ip6_send_deferred(node, p, 10, now), OT_ERR_INVALID_ARGS);
    assert_int_equal(tnode_ip6_send_deferred(node, p, pkt6(p, 1300), now), OT_ERR_INVALID_ARGS);
    tnode_defer_counters(node, &c);
    assert_int_equal(c.queued, 0);

    /* Detached: queued (bounded), then refused when flushed. */
    for (unsigned i = 0; i < TNODE_DEFER_QUEUE_LEN; i++)
        assert_int_equal(tnode_ip6_send_deferred(node, p, pkt6(p, 8), now), OT_ERR_NONE);
    assert_int_equal(tnode_ip6_send_deferred(node, p, pkt6(p, 8), now), OT_ERR_NO_BUFS);
    assert_int_equal(tnode_next_timeout_ms(node, now), 0);
    tnode_defer_counters(node, &c);
    assert_int_equal(c.queued, TNODE_DEFER_QUEUE_LEN);
    assert_int_equal(c.dropped_full, 1);
    assert_int_equal(c.sent, 0);
    tnode_process(node, now);
    tnode_defer_counters(node, &c);
    assert_int_equal(c.send_errors, TNODE_DEFER_QUEUE_LEN);
    assert_int_equal(c.sent, 0);

    /* A leader: the queued packet goes out at the next process. */
    assert_int_equal(tnode_dataset_init_new(node), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(node, now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(node, true, now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(node, now), OT_ERR_NONE);
    tm_run(&m, &now, 15000);
    assert_int_equal(tnode_role(node), TNODE_LEADER);
    assert_int_equal(tnode_ip6_send_deferred(node, p, pkt6(p, 100), now), OT_ERR_NONE);
    tnode_defer_counters(node, &c);
    assert_int_equal(c.sent, 0);
    tnode_process(node, now);
    tnode_defer_counters(node, &c);
    assert_int_equal(c.queued, TNODE_DEFER_QUEUE_LEN + 1);
    assert_int_equal(c.sent + c.send_errors, TNODE_DEFER_QUEUE_LEN + 1);
    assert_int_equal(c.send_errors, TNODE_DEFER_QUEUE_LEN); /* the leader took the last one */
    tnode_free(node);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deferred),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
