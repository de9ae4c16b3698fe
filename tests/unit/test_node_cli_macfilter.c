/*
 * The `macfilter` command (src/cli/node_cli_macfilter.c): OpenThread's
 * transcript (tests/vectors/macfilter/ot-cli-ftd.txt, captured from an
 * unmodified ot-cli-ftd by capture.sh there) replayed byte for byte, and
 * the filter's effect on real nodes on the simulated medium: a denylisted
 * leader cannot be attached to until `macfilter addr clear`, an allowlist
 * without the leader keeps a node out, and `macfilter rss add` lowers the
 * link quality `child table` and `parent` report. The same against a
 * tbr-agent leader through its CLI (tests/support/br_medium.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "cli/node_cli.h"
#include "mac/mac.h"
#include "mac/mac_filter.h"
#include "support/linevec.h"
#include "support/br_medium.h"
#include "support/medium.h"
#include "support/cli_net.h"
#include "support/node_net.h"
#include "thread/node.h"

/* ---- OpenThread's transcript ----------------------------------------------------- */

/* Replays every "> command" of the transcript, comparing what follows it. */
static void test_transcript(void **state)
{
    char dir[512], path[600], line[256];
    static char want[8192];
    char cmd[256] = "";
    size_t wlen = 0;
    int cmds = 0;
    struct cli_net *t = cli_net_new_state(state, 1);
    FILE *f;

    (void)state;
    linevec_dir("macfilter", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/ot-cli-ftd.txt", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    for (bool more = true; more;) {
        more = fgets(line, sizeof(line), f) != NULL;
        if (more && strncmp(line, "> ", 2) != 0) {
            size_t l = strlen(line);

            assert_true(wlen + l < sizeof(want));
            memcpy(want + wlen, line, l + 1);
            wlen += l;
            continue;
        }
        if (cmd[0] != '\0') {
            cli_net_expect(t, 0, cmd, want);
            cmds++;
        }
        if (more) {
            snprintf(cmd, sizeof(cmd), "%s", line + 2);
            cmd[strcspn(cmd, "\n")] = '\0';
        }
        wlen = 0;
        want[0] = '\0';
    }
    fclose(f);
    assert_true(cmds >= 60);
}

/* Behaviour the transcript cannot show: the table limit and help. */
static void test_limits(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 1);
    char line[64];

    (void)state;
    for (int i = 0; i < MAC_FILTER_MAX_ENTRIES; i++) {
        snprintf(line, sizeof(line), "macfilter addr add 00000000000000%02x", i);
        cli_net_expect(t, 0, line, "Done\n");
    }
    cli_net_expect(t, 0, "macfilter addr add 1100000000000000", "Error 3: NoBufs\n");
    cli_net_expect(t, 0, "macfilter rss add 1100000000000000 -50", "Error 3: NoBufs\n");
    cli_net_expect(t, 0, "macfilter addr add 0000000000000005 -50", "Done\n"); /* its own entry */
    cli_net_expect(t, 0, "macfilter rss add * -60", "Done\n");                 /* no entry */
    cli_net_expect(t, 0, "macfilter rss",
                   "0000000000000005 : rss -50 (lqi 3)\n"
                   "Default rss: -60 (lqi 3)\nDone\n");
    /* The mode word takes no argument; other words ignore extra ones. */
    cli_net_expect(t, 0, "macfilter addr allowlist now", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "macfilter addr remove 0000000000000005 extra", "Done\n");
    cli_net_expect(t, 0, "macfilter rss add-lqi 0000000000000007 3 extra", "Done\n");
    cli_net_expect(t, 0, "macfilter rss remove 0000000000000007 extra", "Done\n");
    cli_net_expect(t, 0, "macfilter rss remove 0000000000000042", "Done\n"); /* absent: no-op */
    cli_net_expect(t, 0, "macfilter addr clear", "Done\n");
    cli_net_expect(t, 0, "macfilter rss clear", "Done\n");
    cli_net_expect(t, 0, "macfilter", "Address Mode: Disabled\nRssIn List:\nDone\n");
    /* The command is in the table `help` prints. */
    assert_non_null(strstr(cli_net_run(t, 0, "help"), "\nmacfilter\n"));
}

/* ---- the filter on real nodes ------------------------------------------------------------- */

static void hex_of(const uint8_t ext[8], char out[17])
{
    for (int i = 0; i < 8; i++)
        snprintf(out + 2 * i, 3, "%02x", ext[i]);
}

static void ext_str(struct cli_net *t, int i, char out[17])
{
    uint8_t ext[8];

    tnode_ext_addr(t->nn->node[i], ext);
    hex_of(ext, out);
}

/* Runs the medium until node i reads role, up to ms; true when it did. */
static bool reach(struct cli_net *t, int i, enum tnode_role role, uint64_t ms)
{
    for (uint64_t w = 0; w <= ms; w += 100) {
        if (tnode_role(t->nn->node[i]) == role)
            return true;
        node_net_run(t->nn, 100);
    }
    return false;
}

/* The value of a `counters mac` line of node i (the test fails without it). */
static unsigned long long counter(struct cli_net *t, int i, const char *name)
{
    const char *o = cli_net_run(t, i, "counters mac");
    char key[64];
    const char *p;

    snprintf(key, sizeof(key), "\n%s: ", name);
    p = strstr(o, key);
    if (p == NULL)
        fail_msg("no '%s' in counters mac: %s", name, o);
    return strtoull(p + strlen(key), NULL, 10);
}

/* Restarts node i's Thread as a minimal end device (stop, `mode rn`,
 * start): it attaches anew, and finding no parent it keeps looking rather
 * than forming a partition of its own as a router-eligible node would. */
static void restart(struct cli_net *t, int i)
{
    cli_net_expect(t, i, "thread stop", "Done\n");
    cli_net_expect(t, i, "mode rn", "Done\n");
    cli_net_expect(t, i, "thread start", "Done\n");
}

static void test_denylist_and_allowlist(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 3);
    char leader[17], child1[17], line[80];

    (void)state;
    node_net_form(t->nn); /* 0 leader, 1 and 2 children */
    ext_str(t, 0, leader);
    ext_str(t, 1, child1);

    /* Node 2 (index 1) denylists the leader and restarts: every Parent
     * Response is dropped, it stays detached. */
    snprintf(line, sizeof(line), "macfilter addr add %s", leader);
    cli_net_expect(t, 1, line, "Done\n");
    cli_net_expect(t, 1, "macfilter addr denylist", "Done\n");
    snprintf(line, sizeof(line), "Address Mode: Denylist\n%s\nRssIn List:\nDone\n", leader);
    cli_net_expect(t, 1, "macfilter", line);
    restart(t, 1);
    assert_false(reach(t, 1, TNODE_CHILD, 30000));
    assert_int_equal(tnode_role(t->nn->node[1]), TNODE_DETACHED);
    assert_true(counter(t, 1, "RxAddressFiltered") > 0);
    assert_int_equal(counter(t, 1, "RxAddressFiltered"),
                     tnode_mac_counters(t->nn->node[1])->rx_drop_filtered);

    /* `macfilter addr clear` (the mode stays Denylist, nothing listed): it
     * attaches. */
    cli_net_expect(t, 1, "macfilter addr clear", "Done\n");
    cli_net_expect(t, 1, "macfilter addr", "Denylist\nDone\n");
    assert_true(reach(t, 1, TNODE_CHILD, 30000));

    /* Node 3 allowlists only node 2, a child (which answers no Parent
     * Request): it stays detached until the leader is allowed too. */
    snprintf(line, sizeof(line), "macfilter addr add %s", child1);
    cli_net_expect(t, 2, line, "Done\n");
    cli_net_expect(t, 2, "macfilter addr allowlist", "Done\n");
    restart(t, 2);
    assert_false(reach(t, 2, TNODE_CHILD, 30000));
    assert_true(counter(t, 2, "RxAddressFiltered") > 0);
    snprintf(line, sizeof(line), "macfilter addr add %s", leader);
    cli_net_expect(t, 2, line, "Done\n");
    assert_true(reach(t, 2, TNODE_CHILD, 30000));
}

/* Node i pings node j's ML-EID once (async) and the medium runs 2 s. */
static void ping(struct cli_net *t, int i, int j)
{
    uint8_t a[16];
    char txt[INET6_ADDRSTRLEN], line[128];

    node_net_addr(t->nn, j, TNODE_ADDR_MLEID, a);
    assert_non_null(inet_ntop(AF_INET6, a, txt, sizeof(txt)));
    snprintf(line, sizeof(line), "ping async %s", txt);
    cli_net_expect(t, i, line, "Done\n");
    node_net_run(t->nn, 2000);
    (void)tm_capture_take(&t->cap[i]); /* the reply lines */
}

/* The LQ In column of a `child table` output o for the child with ext. */
static unsigned lq_in_of(const char *o, const char *ext)
{
    const char *row = strstr(o, ext);
    unsigned id, rloc, timeout, age, lq;

    assert_non_null(row);
    while (row > o && row[-1] != '\n')
        row--;
    assert_int_equal(sscanf(row, "| %u | 0x%x | %u | %u | %u |", &id, &rloc, &timeout, &age, &lq),
                     5);
    return lq;
}

static unsigned parent_lq_in(struct cli_net *t, int i)
{
    const char *p = strstr(cli_net_run(t, i, "parent"), "\nLink Quality In: ");

    assert_non_null(p);
    return (unsigned)strtoul(p + strlen("\nLink Quality In: "), NULL, 10);
}

/* `macfilter rss add` / `add-lqi`: the next frame from that neighbour is
 * reported with the fixed RSS, and the link quality follows. */
static void test_rss_link_quality(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 2);
    char leader[17], child[17], line[80];

    (void)state;
    node_net_form(t->nn);
    ext_str(t, 0, leader);
    ext_str(t, 1, child);
    ping(t, 1, 0);
    assert_int_equal(lq_in_of(cli_net_run(t, 0, "child table"), child),
                     3); /* the medium's -20 dBm */
    assert_int_equal(parent_lq_in(t, 1), 3);

    /* The leader fixes the child's RSS at -95 dBm: margin 5 dB, quality 1. */
    snprintf(line, sizeof(line), "macfilter rss add %s -95", child);
    cli_net_expect(t, 0, line, "Done\n");
    ping(t, 1, 0);
    assert_int_equal(lq_in_of(cli_net_run(t, 0, "child table"), child), 1);
    /* The child takes a default of quality 2 for everyone (-85 dBm). */
    cli_net_expect(t, 1, "macfilter rss add-lqi * 2", "Done\n");
    cli_net_expect(t, 1, "macfilter rss", "Default rss: -85 (lqi 2)\nDone\n");
    ping(t, 1, 0);
    assert_int_equal(parent_lq_in(t, 1), 2);
    /* ... and its own entry for the leader wins over the default. */
    snprintf(line, sizeof(line), "macfilter rss add-lqi %s 0", leader);
    cli_net_expect(t, 1, line, "Done\n");
    ping(t, 1, 0);
    assert_int_equal(parent_lq_in(t, 1), 0);

    /* Cleared: back to the radio's RSS. */
    cli_net_expect(t, 0, "macfilter rss clear", "Done\n");
    cli_net_expect(t, 1, "macfilter rss clear", "Done\n");
    ping(t, 1, 0);
    assert_int_equal(lq_in_of(cli_net_run(t, 0, "child table"), child), 3);
    assert_int_equal(parent_lq_in(t, 1), 3);
    assert_true(tnode_mac_filter(t->nn->node[0])->counters.rss_fixed >= 1);
}

/* ---- a tbr-agent leader (its CLI includes the device's) ---------------------------------- */

static struct tm_br *cur_br;

static int teardown_br(void **state)
{
    (void)state;
    if (cur_br != NULL)
        tm_br_free(cur_br);
    cur_br = NULL;
    return 0;
}

static void expect_d(struct tm_br *b, const char *line, const char *want)
{
    const char *got = tm_br_dcmd(b, line);

    if (strcmp(got, want) != 0)
        fail_msg("device '%s': got '%s', want '%s'", line, got, want);
}

static void test_agent_leader(void **state)
{
    struct tm_br *b = cur_br = tm_br_new(true, NULL, NULL, NULL);
    char agent[32], dev[32], ds[600], mleid[64], line[700];
    const char *o;

    (void)state;
    tm_br_form(b);
    tm_first_line(tm_br_acmd(b, "extaddr"), agent, sizeof(agent));
    tm_first_line(tm_br_acmd(b, "dataset active -x"), ds, sizeof(ds));
    tm_first_line(tm_br_acmd(b, "ipaddr mleid"), mleid, sizeof(mleid));
    tm_br_expect_a(b, "macfilter", "Address Mode: Disabled\nRssIn List:\nDone\n");

    /* The device (an end device: it must not form a partition of its own)
     * denies the agent: it stays detached until the list is cleared. */
    snprintf(line, sizeof(line), "macfilter addr add %s", agent);
    expect_d(b, line, "Done\n");
    expect_d(b, "macfilter addr denylist", "Done\n");
    expect_d(b, "mode rn", "Done\n");
    snprintf(line, sizeof(line), "dataset set active %s", ds);
    expect_d(b, line, "Done\n");
    expect_d(b, "ifconfig up", "Done\n");
    expect_d(b, "thread start", "Done\n");
    tm_br_run(b, 30000);
    expect_d(b, "state", "detached\nDone\n");
    assert_true(tnode_mac_counters(b->dev)->rx_drop_filtered > 0);
    expect_d(b, "macfilter addr clear", "Done\n");
    tm_br_run(b, 20000);
    expect_d(b, "state", "child\nDone\n");

    /* The agent fixes the device's RSS-in at -95 dBm: LQ In 1 in its table. */
    tm_first_line(tm_br_dcmd(b, "extaddr"), dev, sizeof(dev));
    snprintf(line, sizeof(line), "macfilter rss add %s -95", dev);
    tm_br_expect_a(b, line, "Done\n");
    snprintf(line, sizeof(line), "%s : rss -95 (lqi 1)\nDone\n", dev);
    tm_br_expect_a(b, "macfilter rss", line);
    snprintf(line, sizeof(line), "ping async %s", mleid);
    expect_d(b, line, "Done\n");
    tm_br_run(b, 2000);
    (void)tm_br_dcmd(b, "state"); /* take the ping's lines */
    o = tm_br_acmd(b, "child table");
    assert_int_equal(lq_in_of(o, dev), 1);
    /* ... and the agent's `help` lists the command. */
    assert_non_null(strstr(tm_br_acmd(b, "help"), "\nmacfilter\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_transcript, cli_net_teardown),
        cmocka_unit_test_teardown(test_limits, cli_net_teardown),
        cmocka_unit_test_teardown(test_denylist_and_allowlist, cli_net_teardown),
        cmocka_unit_test_teardown(test_rss_link_quality, cli_net_teardown),
        cmocka_unit_test_teardown(test_agent_leader, teardown_br),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
