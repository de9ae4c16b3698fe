/*
 * The router-role commands (src/cli/node_cli_router.c over
 * thread/node_router.c): OpenThread's transcript of their argument checks
 * and error codes (tests/vectors/cli_router/ot-cli-ftd.txt, captured from
 * an unmodified ot-cli-ftd by capture.sh there) replayed byte for byte; the
 * row formats of `neighbor table`, `eidcache` and `leaderdata` against
 * OpenThread's output on a running network (ot-formats.txt); what the
 * transcript cannot show (`childmax` with posix's 64, `partitionid
 * preferred`); and the settings acting in real nodes on the simulated
 * medium: the leader weight and preferred partition ID in the Leader Data,
 * `childmax` refusing a second child, `routereligible disable` leaving the
 * leader role, the neighbour table and the EID cache.
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
#include "support/linevec.h"
#include "support/medium.h"
#include "support/cli_net.h"
#include "support/node_net.h"
#include "thread/node.h"
#include "thread/router_table.h"

static void expect_has(struct cli_net *t, int i, const char *line, const char *part)
{
    const char *got = cli_net_run(t, i, line);

    if (strstr(got, part) == NULL)
        fail_msg("node%d '%s': got '%s', want it to hold '%s'", i + 1, line, got, part);
}

/* ---- vector files: "> command" blocks ----------------------------------------- */

struct block {
    char cmd[128];
    char out[4096];
};

/* The next "> command" block of f ('#' lines skipped); false at the end. */
static bool next_block(FILE *f, struct block *b, char *pending, size_t cap)
{
    char line[512];
    size_t len = 0;

    if (pending[0] == '\0') {
        while (fgets(line, sizeof(line), f) != NULL && strncmp(line, "> ", 2) != 0)
            ;
        if (strncmp(line, "> ", 2) != 0)
            return false;
        snprintf(pending, cap, "%s", line);
    }
    snprintf(b->cmd, sizeof(b->cmd), "%s", pending + 2);
    b->cmd[strcspn(b->cmd, "\n")] = '\0';
    pending[0] = '\0';
    b->out[0] = '\0';
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t l = strlen(line);

        if (strncmp(line, "> ", 2) == 0) {
            snprintf(pending, cap, "%s", line);
            break;
        }
        if (line[0] == '#')
            continue;
        assert_true(len + l < sizeof(b->out));
        memcpy(b->out + len, line, l + 1);
        len += l;
    }
    return true;
}

static FILE *open_vector(const char *name)
{
    char dir[512], path[700];
    FILE *f;

    linevec_dir("cli_router", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    return f;
}

/* ---- OpenThread's transcript ---------------------------------------------------- */

static void test_transcript(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 1);
    static struct block b;
    char pending[512] = "";
    int cmds = 0;
    FILE *f = open_vector("ot-cli-ftd.txt");

    (void)state;
    while (next_block(f, &b, pending, sizeof(pending))) {
        cli_net_expect(t, 0, b.cmd, b.out);
        cmds++;
    }
    fclose(f);
    assert_true(cmds >= 55);
}

/* ---- OpenThread's row formats ------------------------------------------------------ */

static const char *print_with(void (*fn)(FILE *, const void *), const void *arg)
{
    static char buf[4096];
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    assert_non_null(f);
    fn(f, arg);
    fclose(f);
    return buf;
}

struct nb_rows {
    struct tnode_neighbor_info nb[8];
    size_t n;
};

static void print_neighbors(FILE *f, const void *arg)
{
    const struct nb_rows *r = arg;

    node_cli_router_print_neighbors(f, r->nb, r->n);
    fputs("Done\n", f);
}

static void print_eidcache(FILE *f, const void *arg)
{
    const struct tnode_eidcache_entry *e = arg;

    node_cli_router_print_eidcache(f, e);
}

static void print_leaderdata(FILE *f, const void *arg)
{
    node_cli_print_leader_data(f, arg);
    fputs("Done\n", f);
}

static void parse_ext(const char *s, uint8_t ext[8])
{
    for (int i = 0; i < 8; i++) {
        unsigned v;

        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        ext[i] = (uint8_t)v;
    }
}

static void check_neighbor_block(const struct block *b)
{
    struct nb_rows r;
    const char *p = strchr(strchr(b->out, '\n') + 1, '\n') + 1; /* past the header */

    memset(&r, 0, sizeof(r));
    while (*p == '|') {
        struct tnode_neighbor_info *x = &r.nb[r.n++];
        char role, ext[17];
        unsigned rloc, age;
        int avg, last, rx, ftd, full, ver;

        assert_int_equal(sscanf(p, "| %c | 0x%x | %u | %d | %d |%d|%d|%d| %16s | %d |", &role,
                                &rloc, &age, &avg, &last, &rx, &ftd, &full, ext, &ver),
                         10);
        x->is_child = role == 'C';
        x->rloc16 = (uint16_t)rloc;
        x->age_s = age;
        x->avg_rssi = (int8_t)avg;
        x->last_rssi = (int8_t)last;
        x->mode = (uint8_t)((rx ? TNODE_MODE_RX_ON : 0) | (ftd ? TNODE_MODE_FTD : 0) |
                            (full ? TNODE_MODE_FULL_NETDATA : 0));
        parse_ext(ext, x->ext);
        x->version = (uint16_t)ver;
        p = strchr(p, '\n') + 1;
    }
    assert_true(r.n > 0);
    assert_string_equal(print_with(print_neighbors, &r), b->out);
}

static void check_eidcache_block(const struct block *b)
{
    const char *p = b->out;

    while (strncmp(p, "Done", 4) != 0) {
        struct tnode_eidcache_entry e;
        char eid[64], st[8], line[256], ml[64];
        unsigned rloc, ev, tmo, rd, ramp, tt;
        const char *nl = strchr(p, '\n');

        memset(&e, 0, sizeof(e));
        snprintf(line, sizeof(line), "%.*s", (int)(nl - p + 1), p);
        assert_int_equal(sscanf(line, "%63s %x %7s canEvict=%u", eid, &rloc, st, &ev), 4);
        assert_int_equal(inet_pton(AF_INET6, eid, e.eid), 1);
        e.rloc16 = (uint16_t)rloc;
        e.can_evict = ev != 0;
        if (strcmp(st, "cache") == 0) {
            e.state = TNODE_EIDCACHE_CACHED;
            const char *tp = strstr(line, "transTime=");
            if (tp != NULL) {
                assert_int_equal(sscanf(tp, "transTime=%u eid=%63s", &tt, ml), 2);
                e.valid_last_trans = true;
                e.last_trans_s = tt;
                assert_int_equal(inet_pton(AF_INET6, ml, e.ml_eid), 1);
            }
        } else if (strcmp(st, "query") == 0) {
            e.state = TNODE_EIDCACHE_QUERY;
            assert_int_equal(sscanf(strstr(line, "timeout="), "timeout=%u", &tmo), 1);
            e.timeout_s = (uint16_t)tmo;
        } else {
            assert_string_equal(st, "retry");
            e.state = TNODE_EIDCACHE_RETRY;
            assert_int_equal(sscanf(strstr(line, "timeout="),
                                    "timeout=%u retryDelay=%u rampDown=%u", &tmo, &rd, &ramp),
                             3);
            e.timeout_s = (uint16_t)tmo;
            e.retry_s = (uint16_t)rd;
            e.ramp_down = ramp != 0;
        }
        assert_string_equal(print_with(print_eidcache, &e), line);
        p = nl + 1;
    }
}

static void check_leaderdata_block(const struct block *b)
{
    struct tnode_leader_data ld;
    unsigned pid, w, dv, sdv, id;

    assert_int_equal(sscanf(b->out,
                            "Partition ID: %u\nWeighting: %u\nData Version: %u\n"
                            "Stable Data Version: %u\nLeader Router ID: %u",
                            &pid, &w, &dv, &sdv, &id),
                     5);
    ld.partition_id = pid;
    ld.weighting = (uint8_t)w;
    ld.data_version = (uint8_t)dv;
    ld.stable_data_version = (uint8_t)sdv;
    ld.leader_router_id = (uint8_t)id;
    assert_string_equal(print_with(print_leaderdata, &ld), b->out);
}

static void test_ot_formats(void **state)
{
    static struct block b;
    char pending[512] = "";
    int nb = 0, eid = 0, ld = 0;
    FILE *f = open_vector("ot-formats.txt");

    (void)state;
    while (next_block(f, &b, pending, sizeof(pending))) {
        if (strcmp(b.cmd, "neighbor table") == 0) {
            check_neighbor_block(&b);
            nb++;
        } else if (strcmp(b.cmd, "eidcache") == 0) {
            check_eidcache_block(&b);
            eid++;
        } else if (strcmp(b.cmd, "leaderdata") == 0) {
            check_leaderdata_block(&b);
            ld++;
        }
    }
    fclose(f);
    assert_int_equal(nb, 1);
    assert_int_equal(eid, 4);
    assert_int_equal(ld, 1);
}

/* ---- router table / list / <id> through a node ---------------------------------------- */

/* OpenThread's leader of ot-formats.txt rebuilt in a node's router table
 * (router ID 6 us, 60 a neighbour with LQ 3 both ways, heard 4 s ago): the
 * three `router` views print what OpenThread printed. The node is not
 * started, so the table is the test's alone (the role code would rebuild
 * it); the cast is the test reaching into the node as the role code does. */
static void test_router_views(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 1);
    struct router_table *rt = (struct router_table *)tnode_router_table(t->nn->node[0]);
    static const uint8_t me[8] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
    static const uint8_t peer[8] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};
    static struct block b;
    char pending[512] = "";
    int views = 0;
    FILE *f;

    (void)state;
    router_table_init(rt, 1);
    assert_int_equal(router_table_allocate(rt, 6, t->nn->now), OT_ERR_NONE);
    assert_int_equal(router_table_allocate(rt, 60, t->nn->now), OT_ERR_NONE);
    router_table_set_role(rt, ROUTER_TABLE_LEADER, 6, me, 6);
    assert_int_equal(router_table_link_up(rt, 60, peer, 80, 5, -20, -100, t->nn->now), OT_ERR_NONE);
    node_net_run(t->nn, 4000);
    f = open_vector("ot-formats.txt");
    while (next_block(f, &b, pending, sizeof(pending))) {
        if (strncmp(b.cmd, "router", 6) == 0) {
            cli_net_expect(t, 0, b.cmd, b.out);
            views++;
        }
    }
    fclose(f);
    assert_int_equal(views, 3);
    cli_net_expect(t, 0, "router 6",
                   "Alloc: 1\nRouter ID: 6\nRloc: 1800\nNext Hop: fc00\nLink: 0\nDone\n");
    cli_net_expect(t, 0, "router 7", "Error 23: NotFound\n");
}

/* ---- what the transcript leaves out ------------------------------------------------ */

/* `childmax`: OpenThread's posix FTD (otbr-agent) allows 64; the setter is
 * ChildTable::SetMaxChildrenAllowed (1..64). `partitionid preferred`: the
 * reference-device command, a uint32 ProcessGetSet. */
static void test_childmax_preferred(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 1);

    (void)state;
    cli_net_expect(t, 0, "childmax", "64\nDone\n");
    cli_net_expect(t, 0, "childmax 0", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "childmax 65", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "childmax 70000", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "childmax x", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "childmax 1 2", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "childmax 10", "Done\n");
    cli_net_expect(t, 0, "childmax", "10\nDone\n");
    cli_net_expect(t, 0, "childmax 64", "Done\n");
    cli_net_expect(t, 0, "partitionid preferred", "0\nDone\n");
    cli_net_expect(t, 0, "partitionid preferred 0x12345678", "Done\n");
    cli_net_expect(t, 0, "partitionid preferred", "305419896\nDone\n");
    cli_net_expect(t, 0, "partitionid preferred 4294967296", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "partitionid preferred -1", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "partitionid preferred 1 2", "Error 7: InvalidArgs\n");
    cli_net_expect(t, 0, "partitionid preferred 4294967295", "Done\n");
    cli_net_expect(t, 0, "partitionid preferred", "4294967295\nDone\n");
    cli_net_expect(t, 0, "neighbor linkquality", "Error 12: NotImplemented\n");
    /* An MTD may not be router-eligible (Mle::SetRouterEligible). */
    cli_net_expect(t, 0, "mode rn", "Done\n");
    cli_net_expect(t, 0, "routereligible enable", "Error 27: NotCapable\n");
    cli_net_expect(t, 0, "routereligible disable", "Done\n");
    cli_net_expect(t, 0, "routereligible", "Disabled\nDone\n");
    const char *help = cli_net_run(t, 0, "help");
    assert_non_null(strstr(help, "\nchildmax\n"));
    assert_non_null(strstr(help, "\neidcache\n"));
    assert_non_null(strstr(help, "\nrouter\nrouterdowngradethreshold\nroutereligible\n"
                                 "routerselectionjitter\nrouterupgradethreshold\n"));
}

/* ---- the settings in real nodes ------------------------------------------------------ */

static bool reach(struct cli_net *t, int i, enum tnode_role role, uint64_t ms)
{
    for (uint64_t w = 0; w <= ms; w += 100) {
        if (tnode_role(t->nn->node[i]) == role)
            return true;
        node_net_run(t->nn, 100);
    }
    return false;
}

static void start(struct cli_net *t, int i)
{
    const uint8_t *ds;
    size_t len = 0;

    if (i == 0) {
        assert_int_equal(tnode_dataset_init_new(t->nn->node[0]), OT_ERR_NONE);
        assert_int_equal(tnode_dataset_commit_active(t->nn->node[0], t->nn->now), OT_ERR_NONE);
    } else {
        ds = tnode_active_dataset(t->nn->node[0], &len);
        assert_non_null(ds);
        assert_int_equal(tnode_dataset_set_active(t->nn->node[i], ds, len, t->nn->now),
                         OT_ERR_NONE);
    }
    cli_net_expect(t, i, "ifconfig up", "Done\n");
    cli_net_expect(t, i, "thread start", "Done\n");
}

static void test_settings_in_the_node(void **state)
{
    struct cli_net *t = cli_net_new_state(state, 3);
    char want[160];
    uint8_t ext[8];

    (void)state;
    cli_net_expect(t, 0, "leaderweight 72", "Done\n");
    cli_net_expect(t, 0, "partitionid preferred 0x12345678", "Done\n");
    cli_net_expect(t, 0, "childmax 1", "Done\n");
    start(t, 0);
    assert_true(reach(t, 0, TNODE_LEADER, 20000));
    /* The Leader Data of the partition this node formed. */
    expect_has(t, 0, "leaderdata", "Partition ID: 305419896\nWeighting: 72\n");
    cli_net_expect(t, 0, "partitionid", "305419896\nDone\n");
    /* One child fits; then childmax may not change. */
    start(t, 1);
    assert_true(reach(t, 1, TNODE_CHILD, 20000));
    cli_net_expect(t, 0, "childmax 2", "Error 13: InvalidState\n");
    cli_net_expect(t, 0, "childmax", "1\nDone\n");
    /* neighbor table / list: the child (OpenThread's C row). */
    snprintf(want, sizeof(want), "0x%04x \nDone\n", (unsigned)tnode_rloc16(t->nn->node[1]));
    cli_net_expect(t, 0, "neighbor list", want);
    tnode_ext_addr(t->nn->node[1], ext);
    snprintf(want, sizeof(want),
             "|   C  | 0x%04x |   0 |      -20 |       -20 |1|1|1| "
             "%02x%02x%02x%02x%02x%02x%02x%02x |       4 |\n",
             (unsigned)tnode_rloc16(t->nn->node[1]), ext[0], ext[1], ext[2], ext[3], ext[4], ext[5],
             ext[6], ext[7]);
    expect_has(t, 0, "neighbor table", want);

    /* A second child finds no room: its Parent Requests go unanswered. */
    uint32_t full0 = tnode_counters(t->nn->node[0])->mle_drop_table_full;
    cli_net_expect(t, 2, "routereligible disable",
                   "Done\n"); /* or it would form its own partition */
    start(t, 2);
    assert_false(reach(t, 2, TNODE_CHILD, 8000));
    assert_true(tnode_counters(t->nn->node[0])->mle_drop_table_full > full0);
    assert_int_equal(tnode_children(t->nn->node[0], t->nn->now, NULL, 0), 1);

    /* EID cache: an address nobody has is queried, then held off. */
    {
        uint8_t ml[16];
        char a[64], line[160];

        node_net_addr(t->nn, 0, TNODE_ADDR_MLEID, ml);
        ml[15] ^= 0x5a;
        ml[14] ^= 0xa5;
        inet_ntop(AF_INET6, ml, a, sizeof(a));
        snprintf(line, sizeof(line), "ping %s 8 1 1 64 1", a);
        cli_net_run(t, 0, line);
        node_net_run(t->nn, 1000);
        const char *o = cli_net_run(t, 0, "eidcache");
        assert_non_null(strstr(o, " fffe query canEvict=0 timeout=2\nDone\n"));
        node_net_run(t->nn, 3000);
        o = cli_net_run(t, 0, "eidcache");
        /* 1 s into the 15 s hold-off: 14 left, or 15 with OpenThread's
         * whole-second ticks (it printed 15 at 1.2 s). */
        if (strstr(o, " fffe retry canEvict=1 timeout=14 retryDelay=30 rampDown=0\n") == NULL &&
            strstr(o, " fffe retry canEvict=1 timeout=15 retryDelay=30 rampDown=0\n") == NULL)
            fail_msg("eidcache: %s", o);
    }

    /* No longer router-eligible: the leader leaves its role (and, not
     * eligible, does not form a partition again). */
    cli_net_expect(t, 0, "routereligible disable", "Done\n");
    assert_int_not_equal(tnode_role(t->nn->node[0]), TNODE_LEADER);
    cli_net_expect(t, 0, "routereligible", "Disabled\nDone\n");
    assert_false(reach(t, 0, TNODE_LEADER, 6000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_transcript, cli_net_teardown),
        cmocka_unit_test(test_ot_formats),
        cmocka_unit_test_teardown(test_router_views, cli_net_teardown),
        cmocka_unit_test_teardown(test_childmax_preferred, cli_net_teardown),
        cmocka_unit_test_teardown(test_settings_in_the_node, cli_net_teardown),
    };
    return cmocka_run_group_tests_name("node_cli_router", tests, NULL, NULL);
}
