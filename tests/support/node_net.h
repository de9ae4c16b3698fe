/*
 * In-process test harness, second layer for the device services (src/svc/):
 * a few real struct tnode instances on the simulated medium (medium.h), a
 * leader and children attached to it, without any CLI. The test's own
 * services run through the step/next_timeout hooks. Test support only;
 * failures end the running cmocka test.
 */
#ifndef TBR_TEST_NODE_NET_H
#define TBR_TEST_NODE_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "support/medium.h"
#include "thread/node.h"

struct node_net {
    uint64_t now;
    struct tnode *node[TM_MAX_STATIONS];
    int n;
    struct tm_medium air;
    /* Optional: run after the nodes' own processing, and their timers. */
    void (*step)(void *user, uint64_t now);
    int64_t (*next_timeout)(void *user, uint64_t now);
    void *user;
};

/* The configuration of node i (node id i + 1, router-eligible) on
 * station i of air: its radio and random source. */
void node_net_cfg(struct tnode_cfg *cfg, struct tm_medium *air, int i);

/* n nodes (node_net_cfg), none started; free with node_net_free. */
struct node_net *node_net_new(int n);
void node_net_free(struct node_net *nn);

/* Node 0 forms a network and becomes leader; the others attach to it as
 * children (the test fails otherwise). */
void node_net_form(struct node_net *nn);

/* Frames and timers up to now + ms of virtual time. */
void node_net_run(struct node_net *nn, uint64_t ms);

/* Node i's address of kind (the test fails when it has none). */
void node_net_addr(const struct node_net *nn, int i, enum tnode_addr_kind kind, uint8_t out[16]);

#endif
