/*
 * In-process test harness, third layer: node_net.h's nodes each with a
 * device CLI (cli/node_cli.h) whose output is captured, so a test types
 * lines and compares what OpenThread would print. Test support only;
 * failures end the running cmocka test.
 */
#ifndef TBR_TEST_CLI_NET_H
#define TBR_TEST_CLI_NET_H

#include "cli/node_cli.h"
#include "support/medium.h"
#include "support/node_net.h"

struct cli_net {
    struct node_net *nn;
    struct node_cli cli[TM_MAX_STATIONS];
    struct tm_capture cap[TM_MAX_STATIONS];
};

/* n nodes (node_net_new, none started), each with its CLI. */
struct cli_net *cli_net_new(int n);
/* Detaches the CLIs and frees it all; NULL is a no-op. */
void cli_net_free(struct cli_net *t);
/* Runs one line on node i at the net's time; returns what it printed
 * (valid until the next call for that node). */
const char *cli_net_run(struct cli_net *t, int i, const char *line);
/* Fails the test unless node i prints exactly want for line. */
void cli_net_expect(struct cli_net *t, int i, const char *line, const char *want);

/* For cmocka: cli_net_new kept in *state, so cli_net_teardown (a test's
 * teardown) frees it even after a failure. */
struct cli_net *cli_net_new_state(void **state, int n);
int cli_net_teardown(void **state);

#endif
