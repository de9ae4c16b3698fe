/*
 * Nodes with their CLIs on the simulated medium (see cli_net.h).
 */
#include "support/cli_net.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct cli_net *cli_net_new(int n)
{
    struct cli_net *t = calloc(1, sizeof(*t));

    assert_non_null(t);
    t->nn = node_net_new(n);
    for (int i = 0; i < n; i++) {
        node_cli_init(&t->cli[i], t->nn->node[i]);
        tm_capture_open(&t->cap[i]);
    }
    return t;
}

void cli_net_free(struct cli_net *t)
{
    if (t == NULL)
        return;
    for (int i = 0; i < t->nn->n; i++) {
        node_cli_detach(&t->cli[i]);
        tm_capture_close(&t->cap[i]);
    }
    node_net_free(t->nn);
    free(t);
}

struct cli_net *cli_net_new_state(void **state, int n)
{
    *state = cli_net_new(n);
    return *state;
}

int cli_net_teardown(void **state)
{
    cli_net_free(*state);
    *state = NULL;
    return 0;
}

const char *cli_net_run(struct cli_net *t, int i, const char *line)
{
    node_cli_run_line(&t->cli[i], line, t->nn->now, t->cap[i].f);
    return tm_capture_take(&t->cap[i]);
}

void cli_net_expect(struct cli_net *t, int i, const char *line, const char *want)
{
    const char *got = cli_net_run(t, i, line);

    if (strcmp(got, want) != 0)
        fail_msg("node%d '%s': got '%s', want '%s'", i + 1, line, got, want);
}
