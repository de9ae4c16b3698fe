/* Real nodes on the simulated medium for the services' tests; see node_net.h. */
#include "support/node_net.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void nn_rx(void *user, int idx, const struct radio_rx_frame *rx)
{
    struct node_net *nn = user;

    tnode_radio_rx(nn->node[idx], rx);
}

static void nn_step(void *user, uint64_t now)
{
    struct node_net *nn = user;

    for (int i = 0; i < nn->n; i++)
        tnode_process(nn->node[i], now);
    if (nn->step != NULL)
        nn->step(nn->user, now);
}

static int64_t nn_next_timeout(void *user, uint64_t now)
{
    struct node_net *nn = user;
    int64_t next = -1;

    for (int i = 0; i < nn->n; i++)
        next = tm_min_timeout(next, tnode_next_timeout_ms(nn->node[i], now));
    if (nn->next_timeout != NULL)
        next = tm_min_timeout(next, nn->next_timeout(nn->user, now));
    return next;
}

static const struct tm_hooks nn_hooks = {
    .rx = nn_rx,
    .step = nn_step,
    .next_timeout = nn_next_timeout,
};

void node_net_cfg(struct tnode_cfg *cfg, struct tm_medium *air, int i)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->node_id = (uint8_t)(i + 1);
    cfg->radio_ops = &tm_radio_ops;
    cfg->radio = &air->st[i];
    cfg->random = tm_random;
    cfg->user = &air->st[i];
    /* Node 0 forms the partition; the others stay children (a router-
     * eligible FTD child becomes a router after the selection jitter,
     * mle_link.c): the tests that want routers set it themselves. */
    cfg->router_eligible = i == 0;
}

struct node_net *node_net_new(int n)
{
    struct node_net *nn = calloc(1, sizeof(*nn));

    assert_non_null(nn);
    nn->now = 5000;
    tm_medium_init(&nn->air, n, 7, &nn_hooks, nn);
    for (int i = 0; i < n; i++) {
        struct tnode_cfg cfg;

        node_net_cfg(&cfg, &nn->air, i);
        nn->node[i] = tnode_new(&cfg, nn->now);
        assert_non_null(nn->node[i]);
        nn->n = i + 1;
    }
    return nn;
}

void node_net_free(struct node_net *nn)
{
    if (nn == NULL)
        return;
    for (int i = 0; i < nn->n; i++)
        tnode_free(nn->node[i]);
    free(nn);
}

void node_net_run(struct node_net *nn, uint64_t ms)
{
    tm_run(&nn->air, &nn->now, ms);
}

static void wait_role(struct node_net *nn, int i, enum tnode_role role)
{
    for (int t = 0; t < 200 && tnode_role(nn->node[i]) != role; t++)
        node_net_run(nn, 100);
    assert_int_equal(tnode_role(nn->node[i]), role);
}

void node_net_form(struct node_net *nn)
{
    const uint8_t *ds;
    size_t len = 0;

    assert_int_equal(tnode_dataset_init_new(nn->node[0]), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(nn->node[0], nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(nn->node[0], true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(nn->node[0], nn->now), OT_ERR_NONE);
    wait_role(nn, 0, TNODE_LEADER);
    ds = tnode_active_dataset(nn->node[0], &len);
    assert_non_null(ds);
    for (int i = 1; i < nn->n; i++) {
        assert_int_equal(tnode_dataset_set_active(nn->node[i], ds, len, nn->now), OT_ERR_NONE);
        assert_int_equal(tnode_ifconfig(nn->node[i], true, nn->now), OT_ERR_NONE);
        assert_int_equal(tnode_thread_start(nn->node[i], nn->now), OT_ERR_NONE);
        wait_role(nn, i, TNODE_CHILD);
    }
}

void node_net_addr(const struct node_net *nn, int i, enum tnode_addr_kind kind, uint8_t out[16])
{
    struct tnode_addr ad[32];
    size_t k = tnode_addrs(nn->node[i], ad, 32);

    for (size_t j = 0; j < k && j < 32; j++) {
        if (ad[j].kind == kind) {
            memcpy(out, ad[j].addr, 16);
            return;
        }
    }
    fail_msg("node %d has no address of kind %d", i + 1, (int)kind);
}
