/*
 * In-process test harness, second layer: a border router agent
 * (src/br/agent.c with its CLI, station 0) and one router-eligible device
 * (a tnode with its CLI, station 1) on a tm_medium in virtual time. The
 * agent's host side is a hook that answers IPv4 ICMP echo requests to
 * 192.0.2.1 and counts the rest. Per-test extras (more queued input, more
 * processes and timers, more agent configuration) plug in through
 * struct tm_br_hooks. Failures end the running cmocka test. Test support only.
 */
#ifndef TBR_TEST_BR_MEDIUM_H
#define TBR_TEST_BR_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "br/agent.h"
#include "cli/br_cli.h"
#include "cli/node_cli.h"
#include "medium.h"

#define TM_HOSTQ 16

struct tm_hostpkt {
    uint8_t data[1500];
    size_t len;
};

struct tm_br;

/* Per-test extras, each optional (NULL); they find their state in b->user. */
struct tm_br_hooks {
    /* Completes the agent's configuration before every br_agent_new(). */
    void (*agent_cfg)(struct tm_br *b, struct br_agent_cfg *cfg);
    /* In tm_br_run(): delivers the test's queued input, after the host
     * packets and before the agent's and device's process. */
    void (*deliver)(struct tm_br *b, uint64_t now);
    /* Runs the test's processes, after the agent's and device's. */
    void (*process)(struct tm_br *b, uint64_t now);
    /* True while the test has input queued for deliver(). */
    bool (*busy)(struct tm_br *b);
    /* The nearest of the test's timers in ms, or -1 for none. */
    int64_t (*next_timeout)(struct tm_br *b, uint64_t now);
};

struct tm_br {
    uint64_t now;         /* virtual ms, from 5000 */
    struct tm_medium air; /* station 0 the agent, 1 the device */
    struct br_agent *agent;
    struct tnode *dev;
    struct br_cli acli;
    struct node_cli dcli;
    struct tm_capture acap, dcap; /* the output of acli and dcli commands */
    /* the IPv4 host: echo replies waiting to enter through the TUN side */
    struct tm_hostpkt hq[TM_HOSTQ];
    unsigned hq_n;
    unsigned host_ip4_seen, host_ip6_seen; /* packets the agent sent to the host */
    uint8_t host_ip4_ttl;                  /* TTL of the last IPv4 packet to the host */
    char state_dir[64];
    struct settings *settings; /* the agent's, NULL without state_tag */
    const struct tm_br_hooks *hooks;
    void *user;
};

/* The agent (node id 1, stations seeded 7 and 8) and the device (node id
 * 2), both CLIs initialised and captured. state_tag non-NULL: the agent
 * keeps its settings in a fresh /tmp/<state_tag>.XXXXXX, removed by
 * tm_br_free(). hooks may be NULL. Never NULL (fails the test). */
struct tm_br *tm_br_new(bool assume_return_path, const char *state_tag,
                        const struct tm_br_hooks *hooks, void *user);
void tm_br_free(struct tm_br *b);

/* (Re)creates b->agent and its CLI, e.g. after br_agent_free(b->agent, now) to
 * restart it on the same settings. */
void tm_br_agent_new(struct tm_br *b, bool assume_return_path);

/* The harness of the agent's cfg.user (for the test's own agent hooks). */
struct tm_br *tm_br_of(void *user);

/* Delivers frames, host packets, the hooks' input and timers up to
 * now + ms of virtual time. */
void tm_br_run(struct tm_br *b, uint64_t ms);

/* Runs one CLI line on the agent / the device; returns what it printed
 * (tm_capture_take()). */
const char *tm_br_acmd(struct tm_br *b, const char *line);
const char *tm_br_dcmd(struct tm_br *b, const char *line);

/* Runs line on the agent; fails the test unless it prints exactly want. */
void tm_br_expect_a(struct tm_br *b, const char *line, const char *want);

/* The codelab's steps: forms the network on the agent (a leader after 15 s),
 * then joins the device with the agent's active dataset (a child after 20 s). */
void tm_br_form(struct tm_br *b);
void tm_br_join(struct tm_br *b);

#endif
