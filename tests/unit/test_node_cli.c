/*
 * The device CLI (src/cli/node_cli.c): pure formatting against OpenThread's
 * output in the transcripts of shared/vectors/thread, argument rules, and the
 * commands against real struct tnode instances driven in-process on a
 * small simulated medium (virtual time, no sockets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/node_cli.h"
#include "svc/srp_node.h"
#include "netdata/netdata.h"
#include "platform/settings.h"
#include "thread/dataset.h"
#include "support/medium.h"
#include "support/node_net.h"
#include "util/addr.h"

#include <unistd.h>

/* ---- pure functions ---------------------------------------------------------- */

static const char *fmt(void (*fn)(FILE *, const void *), const void *arg)
{
    static char out[4096];
    FILE *f = fmemopen(out, sizeof(out), "w");

    assert_non_null(f);
    fn(f, arg);
    fclose(f);
    return out;
}

static void test_mode_str(void **state)
{
    char b[4];

    (void)state;
    assert_string_equal(node_cli_mode_str(0, b), "-");
    assert_string_equal(
        node_cli_mode_str(TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA, b), "rdn");
    assert_string_equal(node_cli_mode_str(TNODE_MODE_RX_ON | TNODE_MODE_FULL_NETDATA, b), "rn");
    assert_string_equal(node_cli_mode_str(TNODE_MODE_FTD, b), "d");
}

static void test_parse_mode(void **state)
{
    uint8_t m = 0xff;

    (void)state;
    assert_int_equal(node_cli_parse_mode("rdn", &m), OT_ERR_NONE);
    assert_int_equal(m, TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA);
    assert_int_equal(node_cli_parse_mode("nr", &m), OT_ERR_NONE);
    assert_int_equal(m, TNODE_MODE_RX_ON | TNODE_MODE_FULL_NETDATA);
    assert_int_equal(node_cli_parse_mode("-", &m), OT_ERR_NONE);
    assert_int_equal(m, 0);
    m = 0x55;
    assert_int_equal(node_cli_parse_mode("rx", &m), OT_ERR_INVALID_ARGS);
    assert_int_equal(m, 0x55);
    assert_int_equal(node_cli_parse_mode("R", &m), OT_ERR_INVALID_ARGS);
    assert_int_equal(node_cli_parse_mode(NULL, &m), OT_ERR_INVALID_ARGS);
}

static void test_parse_interval(void **state)
{
    uint32_t ms = 7;

    (void)state;
    assert_int_equal(node_cli_parse_interval("1", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 1000);
    assert_int_equal(node_cli_parse_interval("0.5", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 500);
    assert_int_equal(node_cli_parse_interval("2.25", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 2250);
    assert_int_equal(node_cli_parse_interval("1.2345", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 1234); /* OpenThread ignores digits past the millisecond */
    assert_int_equal(node_cli_parse_interval("10", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 10000);
    assert_int_equal(node_cli_parse_interval(".5", &ms), OT_ERR_NONE);
    assert_int_equal(ms, 500);
    ms = 7;
    assert_int_equal(node_cli_parse_interval("1..2", &ms), OT_ERR_INVALID_ARGS);
    assert_int_equal(node_cli_parse_interval("1.2.3", &ms), OT_ERR_INVALID_ARGS);
    assert_int_equal(node_cli_parse_interval("1s", &ms), OT_ERR_INVALID_ARGS);
    assert_int_equal(node_cli_parse_interval("-1", &ms), OT_ERR_INVALID_ARGS);
    assert_int_equal(node_cli_parse_interval(NULL, &ms), OT_ERR_INVALID_ARGS);
    assert_int_equal(ms, 7);
}

static void fmt_reply(FILE *f, const void *a)
{
    node_cli_print_ping_reply(f, a);
}

static void fmt_stats(FILE *f, const void *a)
{
    node_cli_print_ping_stats(f, a, false);
}

static void fmt_stats_mc(FILE *f, const void *a)
{
    node_cli_print_ping_stats(f, a, true);
}

static void test_ping_lines(void **state)
{
    struct tnode_ping_event ev;

    (void)state;
    /* attach-ftd-child.transcript.txt, `ping <mleid> 32 3 1` */
    memset(&ev, 0, sizeof(ev));
    ev.type = TNODE_PING_REPLY;
    assert_true(addr_parse6("fd8a:c004:2ff7:edce:9304:df0b:4fca:cacf", ev.from));
    ev.size = 40;
    ev.seq = 1;
    ev.hop_limit = 64;
    ev.rtt_ms = 7;
    assert_string_equal(
        fmt(fmt_reply, &ev),
        "40 bytes from fd8a:c004:2ff7:edce:9304:df0b:4fca:cacf: icmp_seq=1 hlim=64 time=7ms\n");

    memset(&ev, 0, sizeof(ev));
    ev.type = TNODE_PING_DONE;
    ev.sent = 3;
    ev.received = 3;
    ev.rtt_min_ms = 3;
    ev.rtt_max_ms = 7;
    ev.rtt_sum_us = 15000;
    assert_string_equal(fmt(fmt_stats, &ev),
                        "3 packets transmitted, 3 packets received. Packet loss = 0.0%. "
                        "Round-trip min/avg/max = 3/5.000/7 ms.\n");
    ev.sent = 2;
    ev.received = 2;
    ev.rtt_min_ms = 1;
    ev.rtt_max_ms = 4;
    ev.rtt_sum_us = 5000;
    assert_string_equal(fmt(fmt_stats, &ev),
                        "2 packets transmitted, 2 packets received. Packet loss = 0.0%. "
                        "Round-trip min/avg/max = 1/2.500/4 ms.\n");
    /* nat64-ping.transcript.txt: nothing answered */
    memset(&ev, 0, sizeof(ev));
    ev.type = TNODE_PING_DONE;
    ev.sent = 1;
    assert_string_equal(fmt(fmt_stats, &ev),
                        "1 packets transmitted, 0 packets received. Packet loss = 100.0%.\n");
    /* 2 of 3: 33.3% */
    ev.sent = 3;
    ev.received = 2;
    ev.rtt_min_ms = 1;
    ev.rtt_max_ms = 2;
    ev.rtt_sum_us = 3000;
    assert_string_equal(fmt(fmt_stats, &ev),
                        "3 packets transmitted, 2 packets received. Packet loss = 33.3%. "
                        "Round-trip min/avg/max = 1/1.500/2 ms.\n");
    /* multicast: no loss figure (several replies per request) */
    ev.sent = 1;
    ev.received = 3;
    assert_string_equal(fmt(fmt_stats_mc, &ev), "1 packets transmitted, 3 packets received. "
                                                "Round-trip min/avg/max = 1/1.000/2 ms.\n");
}

static void fmt_child_table(FILE *f, const void *a)
{
    node_cli_print_child_table(f, a, 1, 47);
}

static void test_child_table(void **state)
{
    /* attach-ftd-child.transcript.txt, node1> child table */
    static const uint8_t ext[8] = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0x59};
    struct tnode_child_info c;

    (void)state;
    memset(&c, 0, sizeof(c));
    c.id = 1;
    c.rloc16 = 0x1801;
    c.timeout_s = 240;
    c.age_s = 1;
    c.lq_in = 3;
    c.mode = TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA;
    c.version = 5;
    memcpy(c.ext_addr, ext, 8);
    assert_string_equal(
        fmt(fmt_child_table, &c),
        "| ID  | RLOC16 | Timeout    | Age        | LQ In | C_VN |R|D|N|Ver|CSL|QMsgCnt|Suprvsn| "
        "Extended MAC     |\n"
        "+-----+--------+------------+------------+-------+------+-+-+-+---+---+-------+-------+"
        "------------------+\n"
        "|   1 | 0x1801 |        240 |          1 |     3 |   47 |1|1|1|  5| 0 |     0 |     0 | "
        "d29596e8f3cdbe59 |\n");
}

static void fmt_parent(FILE *f, const void *a)
{
    node_cli_print_parent(f, a);
}

static void fmt_leader(FILE *f, const void *a)
{
    node_cli_print_leader_data(f, a);
}

static void test_parent_and_leaderdata(void **state)
{
    static const uint8_t ext[8] = {0x5e, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};
    struct tnode_parent_info p;
    struct tnode_leader_data ld;

    (void)state;
    memset(&p, 0, sizeof(p));
    memcpy(p.ext_addr, ext, 8);
    p.rloc16 = 0x1800;
    p.link_quality_in = 3;
    p.link_quality_out = 3;
    p.age_s = 1;
    p.version = 5;
    assert_string_equal(fmt(fmt_parent, &p), "Ext Addr: 5e01eb1906c0b003\n"
                                             "Rloc: 1800\n"
                                             "Link Quality In: 3\n"
                                             "Link Quality Out: 3\n"
                                             "Age: 1\n"
                                             "Version: 5\n");
    p.rloc16 = 0x0400; /* OpenThread prints "%x": no leading zeros */
    assert_non_null(strstr(fmt(fmt_parent, &p), "\nRloc: 400\n"));

    memset(&ld, 0, sizeof(ld));
    ld.partition_id = 4294967295u;
    ld.weighting = 64;
    ld.data_version = 130;
    ld.stable_data_version = 27;
    ld.leader_router_id = 6;
    assert_string_equal(fmt(fmt_leader, &ld), "Partition ID: 4294967295\n"
                                              "Weighting: 64\n"
                                              "Data Version: 130\n"
                                              "Stable Data Version: 27\n"
                                              "Leader Router ID: 6\n");
}

/* Lines that fail before any call into the node: no node needed. */
static void test_errors_without_node(void **state)
{
    struct node_cli c;
    struct tm_capture cap;
    static const struct {
        const char *line, *out;
    } cases[] = {
        {"frobnicate", "Error 35: InvalidCommand\n"},
        {"thread", "Error 35: InvalidCommand\n"},
        {"thread bogus", "Error 35: InvalidCommand\n"},
        {"version", "tbr/0.1\nDone\n"},
        {"version bogus", "Error 35: InvalidCommand\n"},
        {"thread version", "5\nDone\n"},
        {"ping", "Error 7: InvalidArgs\n"},
        {"ping 8.8.8", "Error 6: Parse\n"},
        {"ping 256.1.1.1", "Error 6: Parse\n"},
        {"ping 1.2.3.4.5", "Error 6: Parse\n"},
        {"ping fe80::1 abc", "Error 7: InvalidArgs\n"},
        {"ping fe80::1 8 70000", "Error 7: InvalidArgs\n"},
        {"ping fe80::1 8 1 1s", "Error 7: InvalidArgs\n"},
        {"ping fe80::1 8 1 1 256", "Error 7: InvalidArgs\n"},
        {"ping fe80::1 8 1 1 64 66", "Error 7: InvalidArgs\n"}, /* timeout > 65535 ms */
        {"ping fe80::1 8 1 1 64 1 extra", "Error 7: InvalidArgs\n"},
        {"mode rdx", "Error 7: InvalidArgs\n"},
        {"ifconfig sideways", "Error 7: InvalidArgs\n"},
        {"child", "Error 7: InvalidArgs\n"},
        {"child x", "Error 7: InvalidArgs\n"},
        {"netdata show 0x1800 -x", "Error 7: InvalidArgs\n"},
        {"netdata show local 5", "Error 7: InvalidArgs\n"},
        {"netdata show nonsense", "Error 7: InvalidArgs\n"},
        {"dataset set active zz", "Error 7: InvalidArgs\n"},
        {"dataset set", "Error 7: InvalidArgs\n"},
        {"counters", "mac\nmle\nDone\n"},
        {"counters ip", "Error 7: InvalidArgs\n"},
        {"counters mac extra", "Error 7: InvalidArgs\n"},
        {"", ""},
        {"   ", ""},
    };

    (void)state;
    node_cli_init(&c, NULL);
    tm_capture_open(&cap);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        node_cli_run_line(&c, cases[i].line, 0, cap.f);
        if (strcmp(tm_capture_take(&cap), cases[i].out) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].line, cap.last, cases[i].out);
    }
    node_cli_run_line(&c, "help", 0, cap.f);
    tm_capture_take(&cap);
    assert_non_null(strstr(cap.last, "\nping\n"));
    assert_non_null(strstr(cap.last, "dataset\n"));
    assert_non_null(strstr(cap.last, "\nversion\nDone\n"));
    node_cli_run_line(&c, "netdata", 0, cap.f);
    assert_string_equal(tm_capture_take(&cap), "length\nshow\nError 35: InvalidCommand\n");
    tm_capture_close(&cap);
}

/* `srp client ...` with OpenThread's output (cli_srp_client.cpp), on a CLI
 * with an SRP client attached and no network. */
static void test_srp_client_cli(void **state)
{
    static const struct {
        const char *line, *out;
    } cases[] = {
        {"srp client state", "Disabled\nDone\n"},
        {"srp client state x", "Error 7: InvalidArgs\n"},
        {"srp client autostart", "Enabled\nDone\n"},
        {"srp client autostart disable", "Done\n"},
        {"srp client autostart", "Disabled\nDone\n"},
        {"srp client autostart maybe", "Error 35: InvalidCommand\n"},
        {"srp client autostart enable", "Done\n"},
        {"srp client server", "[0:0:0:0:0:0:0:0]:0\nDone\n"},
        {"srp client server address", "0:0:0:0:0:0:0:0\nDone\n"},
        {"srp client server port", "0\nDone\n"},
        {"srp client server port 1", "Error 7: InvalidArgs\n"},
        {"srp client server foo", "Error 35: InvalidCommand\n"},
        {"srp client host", "name:(null), state:Removed, addrs:auto\nDone\n"},
        {"srp client host name", "(null)\nDone\n"},
        {"srp client host state", "Removed\nDone\n"},
        {"srp client host state x", "Error 7: InvalidArgs\n"},
        {"srp client host remove", "Error 24: Already\n"},
        {"srp client host name dev1 x", "Error 7: InvalidArgs\n"},
        {"srp client host name dev1", "Done\n"},
        {"srp client host name", "dev1\nDone\n"},
        {"srp client host state", "ToAdd\nDone\n"},
        {"srp client host address", "auto\nDone\n"},
        {"srp client host address fd00::1234 fd00::beef", "Done\n"},
        {"srp client host address", "fd00:0:0:0:0:0:0:1234\nfd00:0:0:0:0:0:0:beef\nDone\n"},
        {"srp client host", "name:\"dev1\", state:ToAdd, addrs:[fd00:0:0:0:0:0:0:1234, "
                            "fd00:0:0:0:0:0:0:beef]\nDone\n"},
        {"srp client host address zz", "Error 6: Parse\n"},
        {"srp client host address ::1 ::2 ::3 ::4 ::5 ::6 ::7 ::8 ::9", "Error 3: NoBufs\n"},
        {"srp client host address auto", "Done\n"},
        {"srp client host address", "auto\nDone\n"},
        {"srp client host", "name:\"dev1\", state:ToAdd, addrs:auto\nDone\n"},
        {"srp client host frob", "Error 35: InvalidCommand\n"},
        {"srp client service", "Done\n"},
        {"srp client service add ins1 _test._udp 12345", "Done\n"},
        {"srp client service add ins2 _test2._udp 111 1 1 03616263", "Done\n"},
        {"srp client service add ins1 _test._udp 1", "Error 24: Already\n"},
        {"srp client service add ins3 _x._udp", "Error 7: InvalidArgs\n"},
        {"srp client service add ins3 _x._udp 70000", "Error 7: InvalidArgs\n"},
        {"srp client service add ins3 _x._udp 1 0 0 zz", "Error 7: InvalidArgs\n"},
        {"srp client service add ins3 _x._udp 1 0 0 05", "Error 7: InvalidArgs\n"},
        {"srp client service add ins3 _x._udp 1 0 0 - 7200", "Error 7: InvalidArgs\n"},
        {"srp client service",
         "instance:\"ins2\", name:\"_test2._udp\", state:ToAdd, port:111, priority:1, weight:1\n"
         "instance:\"ins1\", name:\"_test._udp\", state:ToAdd, port:12345, priority:0, "
         "weight:0\nDone\n"},
        {"srp client service remove ins1 _nope._udp", "Error 23: NotFound\n"},
        {"srp client service remove ins1", "Error 7: InvalidArgs\n"},
        {"srp client service remove ins1 _test._udp", "Done\n"},
        {"srp client service",
         "instance:\"ins2\", name:\"_test2._udp\", state:ToAdd, port:111, priority:1, weight:1\n"
         "instance:\"ins1\", name:\"_test._udp\", state:ToRemove, port:12345, priority:0, "
         "weight:0\nDone\n"},
        {"srp client service clear ins1 _test._udp", "Done\n"},
        {"srp client service frob", "Error 35: InvalidCommand\n"},
        {"srp client leaseinterval", "7200\nDone\n"},
        {"srp client leaseinterval 3600", "Done\n"},
        {"srp client leaseinterval", "3600\nDone\n"},
        {"srp client leaseinterval 1 2", "Error 7: InvalidArgs\n"},
        {"srp client keyleaseinterval", "1209600\nDone\n"},
        {"srp client keyleaseinterval x", "Error 7: InvalidArgs\n"},
        {"srp client ttl", "0\nDone\n"},
        {"srp client start fd00::53", "Error 7: InvalidArgs\n"},
        {"srp client start nothex 1", "Error 6: Parse\n"},
        {"srp client start fd00::53 53535 1", "Error 7: InvalidArgs\n"},
        {"srp client start fd00::53 53535", "Done\n"},
        {"srp client state", "Enabled\nDone\n"},
        {"srp client server", "[fd00:0:0:0:0:0:0:53]:53535\nDone\n"},
        {"srp client server port", "53535\nDone\n"},
        {"srp client start fd00::54 53535", "Error 5: Busy\n"},
        {"srp client start fd00::53 53535", "Done\n"},
        {"srp client autostart", "Enabled\nDone\n"},
    };
    static const struct {
        const char *line, *out;
    } after_send[] = {
        {"srp client host state", "Adding\nDone\n"},
        {"srp client host name other", "Error 13: InvalidState\n"},
        {"srp client stop x", "Error 7: InvalidArgs\n"},
        {"srp client stop", "Done\n"},
        {"srp client state", "Disabled\nDone\n"},
        {"srp client autostart", "Disabled\nDone\n"},
        {"srp client server", "[0:0:0:0:0:0:0:0]:0\nDone\n"},
        {"srp client host state", "ToRefresh\nDone\n"},
        {"srp client host remove 1 1 1", "Error 7: InvalidArgs\n"},
        {"srp client host remove x", "Error 7: InvalidArgs\n"},
        {"srp client host remove 1", "Done\n"},
        {"srp client host state", "ToRemove\nDone\n"},
        {"srp client service",
         "instance:\"ins2\", name:\"_test2._udp\", state:ToRemove, port:111, priority:1, "
         "weight:1\nDone\n"},
        {"srp client host clear x", "Error 7: InvalidArgs\n"},
        {"srp client host clear", "Done\n"},
        {"srp client host", "name:(null), state:Removed, addrs:auto\nDone\n"},
        {"srp client service", "Done\n"},
        {"srp client",
         "autostart\nhost\nkeyleaseinterval\nleaseinterval\nserver\nservice\nstart\nstate\nstop\n"
         "ttl\nError 35: InvalidCommand\n"},
        {"srp client frob", "Error 35: InvalidCommand\n"},
        {"srp", "client\nError 35: InvalidCommand\n"},
    };
    static struct srp_client sc;
    struct node_cli c;
    struct tm_capture cap;
    uint8_t rnd[48], priv[SRP_CLIENT_KEY_LEN];

    (void)state;
    for (size_t i = 0; i < sizeof(rnd); i++)
        rnd[i] = (uint8_t)(3 * i + 1);
    assert_int_equal(srp_client_make_key(rnd, sizeof(rnd), priv), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_init(&sc, priv, 7), SRP_CLIENT_ERR_OK);
    node_cli_init(&c, NULL);
    tm_capture_open(&cap);
    /* No SRP client on this CLI: no such command. */
    node_cli_run_line(&c, "srp client state", 0, cap.f);
    assert_string_equal(tm_capture_take(&cap), "Error 35: InvalidCommand\n");
    c.srp = &sc;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        node_cli_run_line(&c, cases[i].line, 1000, cap.f);
        if (strcmp(tm_capture_take(&cap), cases[i].out) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].line, cap.last, cases[i].out);
    }
    /* The update goes out (what srp_node_process does): the host is Adding. */
    const uint8_t *msg;
    size_t len;
    uint8_t dst[16];
    uint16_t dport;
    node_cli_run_line(&c, "srp client host address fd00::1", 1000, cap.f);
    tm_capture_take(&cap);
    assert_true(srp_client_poll(&sc, 2000, &msg, &len, dst, &dport));
    assert_int_equal(dport, 53535);
    for (size_t i = 0; i < sizeof(after_send) / sizeof(after_send[0]); i++) {
        node_cli_run_line(&c, after_send[i].line, 2001, cap.f);
        if (strcmp(tm_capture_take(&cap), after_send[i].out) != 0)
            fail_msg("'%s': got '%s', want '%s'", after_send[i].line, cap.last, after_send[i].out);
    }
    tm_capture_close(&cap);
}

/* ---- an in-process medium of real nodes ---------------------------------------- */

struct tn {
    struct tnode *node;
    struct node_cli cli;
    struct tm_capture cap;
    unsigned finished; /* on_finish calls */
};

/* nodes[i] on station i of air (tests/support/medium.h). */
struct medium {
    uint64_t now;
    struct tn nodes[TM_MAX_STATIONS];
    int n;
    struct tm_medium air;
};

static void on_finish(void *user)
{
    ((struct tn *)user)->finished++;
}

static void node_rx(void *user, int idx, const struct radio_rx_frame *rx)
{
    struct medium *m = user;

    tnode_radio_rx(m->nodes[idx].node, rx);
}

static void node_step(void *user, uint64_t now)
{
    struct medium *m = user;

    for (int i = 0; i < m->n; i++)
        tnode_process(m->nodes[i].node, now);
}

static int64_t node_next_timeout(void *user, uint64_t now)
{
    struct medium *m = user;
    int64_t next = -1;

    for (int i = 0; i < m->n; i++)
        next = tm_min_timeout(next, tnode_next_timeout_ms(m->nodes[i].node, now));
    return next;
}

static const struct tm_hooks node_hooks = {
    .rx = node_rx,
    .step = node_step,
    .next_timeout = node_next_timeout,
};

/* The medium of the running test, freed by the teardown even when an
 * assertion ends the test early. */
static struct medium *cur_medium;

static struct medium *medium_new(int n)
{
    struct medium *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    m->now = 5000;
    cur_medium = m;
    tm_medium_init(&m->air, n, 3, &node_hooks, m);
    for (int i = 0; i < n; i++) {
        struct tn *t = &m->nodes[i];
        struct tnode_cfg cfg;

        node_net_cfg(&cfg, &m->air, i);
        t->node = tnode_new(&cfg, m->now);
        assert_non_null(t->node);
        node_cli_init(&t->cli, t->node);
        t->cli.on_finish = on_finish;
        t->cli.user = t;
        tm_capture_open(&t->cap);
        m->n = i + 1;
    }
    return m;
}

static void medium_free(struct medium *m)
{
    for (int i = 0; i < m->n; i++) {
        tnode_free(m->nodes[i].node);
        tm_capture_close(&m->nodes[i].cap);
    }
    free(m);
    cur_medium = NULL;
}

static int teardown_medium(void **state)
{
    (void)state;
    if (cur_medium != NULL)
        medium_free(cur_medium);
    return 0;
}

/* Delivers frames and runs timers up to now + ms of virtual time. */
static void medium_run(struct medium *m, uint64_t ms)
{
    tm_run(&m->air, &m->now, ms);
}

/* Runs one line on node i; returns everything it printed so far. */
static const char *run(struct medium *m, int i, const char *line)
{
    struct tn *t = &m->nodes[i];

    node_cli_run_line(&t->cli, line, m->now, t->cap.f);
    return tm_capture_take(&t->cap);
}

static void expect_line(struct medium *m, int i, const char *line, const char *out)
{
    const char *got = run(m, i, line);

    if (strcmp(got, out) != 0)
        fail_msg("node%d '%s': got '%s', want '%s'", i + 1, line, got, out);
}

/* Polls `state` (every 100 ms of virtual time) until it prints role. */
static bool wait_role(struct medium *m, int i, const char *role, uint64_t ms)
{
    char want[32];

    snprintf(want, sizeof(want), "%s\nDone\n", role);
    for (uint64_t t = 0; t <= ms; t += 100) {
        if (strcmp(run(m, i, "state"), want) == 0)
            return true;
        medium_run(m, 100);
    }
    return false;
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("got '%s', want a start of '%s'", s, prefix);
}

static void assert_contains(const char *s, const char *part)
{
    if (strstr(s, part) == NULL)
        fail_msg("got '%s', want it to contain '%s'", s, part);
}

static void test_dataset_commands(void **state)
{
    struct medium *m = medium_new(1);
    char tlvs[600], active[600];
    const char *o;

    (void)state;
    expect_line(m, 0, "dataset active", "Error 23: NotFound\n");
    expect_line(m, 0, "thread start", "Error 13: InvalidState\n");
    expect_line(m, 0, "dataset init new", "Done\n");
    expect_line(m, 0, "dataset networkkey 00112233445566778899aabbccddeeff", "Done\n");
    expect_line(m, 0, "dataset networkkey", "00112233445566778899aabbccddeeff\nDone\n");
    expect_line(m, 0, "dataset networkkey 0011", "Error 7: InvalidArgs\n");
    expect_line(m, 0, "dataset channel 15", "Done\n");
    expect_line(m, 0, "dataset channel", "15\nDone\n");
    expect_line(m, 0, "dataset channel fifteen", "Error 7: InvalidArgs\n");
    expect_line(m, 0, "dataset panid 0x1234", "Done\n");
    expect_line(m, 0, "dataset panid", "0x1234\nDone\n");
    expect_line(m, 0, "dataset meshlocalprefix fd00:0db8:aaaa:bbbb::", "Done\n");
    expect_line(m, 0, "dataset meshlocalprefix", "fd00:db8:aaaa:bbbb::/64\nDone\n");
    expect_line(m, 0, "dataset meshlocalprefix bogus", "Error 6: Parse\n");
    expect_line(m, 0, "dataset extpanid dead00beef00cafe", "Done\n");
    expect_line(m, 0, "dataset extpanid", "dead00beef00cafe\nDone\n");
    expect_line(m, 0, "dataset networkname tbr-test", "Done\n");
    expect_line(m, 0, "dataset networkname", "tbr-test\nDone\n");
    expect_line(m, 0, "dataset networkname seventeen-chars-x", "Error 7: InvalidArgs\n");
    expect_line(m, 0, "dataset activetimestamp", "1\nDone\n");
    expect_line(m, 0, "dataset securitypolicy", "672 onrc 0\nDone\n");
    expect_line(m, 0, "dataset bogus", "Error 35: InvalidCommand\n");
    expect_line(m, 0, "dataset commit bogus", "Error 7: InvalidArgs\n");

    o = run(m, 0, "dataset");
    assert_non_null(strstr(o, "Active Timestamp: 1\nChannel: 15\n"));
    assert_non_null(strstr(o, "\nMesh Local Prefix: fd00:db8:aaaa:bbbb::/64\n"
                              "Network Key: 00112233445566778899aabbccddeeff\n"
                              "Network Name: tbr-test\nPAN ID: 0x1234\n"));
    assert_non_null(strstr(o, "\nSecurity Policy: 672 onrc 0\nDone\n"));
    tm_first_line(run(m, 0, "dataset tlvs"), tlvs, sizeof(tlvs));

    expect_line(m, 0, "dataset commit active", "Done\n");
    tm_first_line(run(m, 0, "dataset active -x"), active, sizeof(active));
    assert_string_equal(active, tlvs);
    o = run(m, 0, "dataset active -ns");
    assert_non_null(strstr(o, "\nNetwork Key: [Redacted]\n"));
    assert_non_null(strstr(o, "\nPSKc: [Redacted]\n"));
    expect_line(m, 0, "dataset active -y", "Error 7: InvalidArgs\n");
    expect_line(m, 0, "dataset clear", "Done\n");
    expect_line(m, 0, "dataset", "Done\n");
    expect_line(m, 0, "dataset init active", "Done\n");
    tm_first_line(run(m, 0, "dataset tlvs"), tlvs, sizeof(tlvs));
    assert_string_equal(active, tlvs);

    expect_line(m, 0, "mode", "rdn\nDone\n");
    expect_line(m, 0, "ifconfig", "down\nDone\n");
    expect_line(m, 0, "state", "disabled\nDone\n");
    /* otThreadGetLeaderData: Detached unless attached (ot-cli-ftd, disabled). */
    expect_line(m, 0, "leaderdata", "Error 16: Detached\n");
    expect_line(m, 0, "parent", "Error 13: InvalidState\n");
    medium_free(m);
}

struct net {
    struct medium *m;
    char ds[600];
    char leader_ext[32], leader_mleid[64], leader_ll[64], child_rloc[8];
};

/* The node's SRP client (src/svc/srp_node.c): the key is kept in the
 * settings; auto addresses; auto-start from a 0x5d Network Data entry; the
 * update leaves on the node's UDP socket. */
static void test_srp_node_glue(void **state)
{
    char dir[] = "/tmp/tbr-srp-glue-XXXXXX", path[256];
    struct settings_config sc;
    struct settings *st = NULL;
    struct kv kv;
    static struct srp_node a, b;
    uint8_t stored[64];
    size_t len = 0;

    (void)state;
    struct medium *m = medium_new(1);
    struct tn *t = &m->nodes[0];
    assert_non_null(mkdtemp(dir));
    memset(&sc, 0, sizeof(sc));
    sc.dir = dir;
    sc.name = "node-1.settings";
    assert_int_equal(settings_open(&sc, &st, NULL), SETTINGS_OK);
    settings_kv(st, &kv);
    /* made once and saved; the next start loads the same key */
    assert_int_equal(srp_node_init(&a, t->node, &kv, tm_random, &m->air.st[0]), 0);
    assert_true(a.key_saved);
    assert_int_equal(settings_get(st, SETTINGS_KEY_SRP_ECDSA_KEY, 0, stored, sizeof(stored), &len),
                     SETTINGS_OK);
    assert_int_equal(len, SRP_CLIENT_KEY_LEN);
    assert_memory_equal(stored, a.client.priv, SRP_CLIENT_KEY_LEN);
    assert_int_equal(srp_node_init(&b, t->node, &kv, tm_random, &m->air.st[0]), 0);
    assert_false(b.key_saved);
    assert_memory_equal(b.client.pub, a.client.pub, SRP_CLIENT_PUBKEY_LEN);
    /* a stored value of the wrong size is replaced */
    assert_int_equal(settings_set(st, SETTINGS_KEY_SRP_ECDSA_KEY, stored, 5), SETTINGS_OK);
    assert_int_equal(srp_node_init(&b, t->node, &kv, tm_random, &m->air.st[0]), 0);
    assert_true(b.key_saved);
    assert_memory_not_equal(b.client.pub, a.client.pub, SRP_CLIENT_PUBKEY_LEN);
    settings_close(st);
    snprintf(path, sizeof(path), "%s/node-1.settings", dir);
    unlink(path);
    rmdir(dir);

    /* A leader without SRP server: stopped, auto addresses = the ML-EID. */
    t->cli.srp = &a.client;
    expect_line(m, 0, "dataset init new", "Done\n");
    expect_line(m, 0, "dataset commit active", "Done\n");
    expect_line(m, 0, "ifconfig up", "Done\n");
    expect_line(m, 0, "thread start", "Done\n");
    assert_true(wait_role(m, 0, "leader", 20000));
    uint8_t addrs[SRP_CLIENT_MAX_ADDRS][16], mleid[16];
    char mleid_text[64], line[128];
    tm_first_line(run(m, 0, "ipaddr mleid"), mleid_text, sizeof(mleid_text));
    assert_int_equal(cli_parse_ip6(mleid_text, mleid), OT_ERR_NONE);
    assert_int_equal(srp_node_auto_addrs(t->node, addrs, SRP_CLIENT_MAX_ADDRS), 1);
    assert_memory_equal(addrs[0], mleid, 16);
    srp_node_process(&a, m->now);
    expect_line(m, 0, "srp client state", "Disabled\nDone\n");
    assert_int_equal(srp_node_next_timeout_ms(&a, m->now), -1);

    /* Service 44970 / 0x5d <ML-EID> <port 53535> in the Network Data. */
    uint8_t nd[64];
    size_t o = 0;
    uint16_t rloc16 = tnode_rloc16(t->node);
    nd[o++] = NETDATA_TLV_SERVICE << 1 | 1;
    nd[o++] = 1 + 1 + 19 + 4;
    nd[o++] = 0x80; /* T: Thread's enterprise number, service id 0 */
    nd[o++] = 19;
    nd[o++] = 0x5d;
    memcpy(nd + o, mleid, 16);
    o += 16;
    nd[o++] = 53535 >> 8;
    nd[o++] = 53535 & 0xff;
    nd[o++] = NETDATA_TLV_SERVER << 1 | 1;
    nd[o++] = 2;
    nd[o++] = (uint8_t)(rloc16 >> 8);
    nd[o++] = (uint8_t)rloc16;
    assert_int_equal(tnode_set_local_netdata(t->node, nd, o, m->now), OT_ERR_NONE);
    medium_run(m, 100);
    struct netdata_dns_srp srv;
    assert_true(srp_node_server(t->node, &srv));
    assert_memory_equal(srv.addr, mleid, 16);
    assert_int_equal(srv.port, 53535);
    assert_false(srv.anycast);
    srp_node_process(&a, m->now);
    expect_line(m, 0, "srp client state", "Enabled\nDone\n");
    snprintf(line, sizeof(line), "[%s]:53535\nDone\n", mleid_text);
    expect_line(m, 0, "srp client server", line);
    /* `dns config` keeps port 53 on the same address */
    assert_contains(run(m, 0, "dns config"), "Server: [");

    /* host + service: the update goes out on the node's socket */
    expect_line(m, 0, "srp client host name dev1", "Done\n");
    expect_line(m, 0, "srp client service add ins1 _test._udp 12345", "Done\n");
    srp_node_process(&a, m->now);
    int64_t w = srp_node_next_timeout_ms(&a, m->now);
    assert_true(w >= 10 && w <= 500);
    m->now += (uint64_t)w;
    srp_node_process(&a, m->now);
    assert_true(a.udp_open);
    assert_int_equal(a.client.tx_count, 1);
    assert_int_equal(a.send_errors, 0);
    expect_line(m, 0, "srp client host state", "Adding\nDone\n");
    snprintf(line, sizeof(line), "name:\"dev1\", state:Adding, addrs:auto\nDone\n");
    expect_line(m, 0, "srp client host", line);

    /* the service leaves the Network Data: stopped, socket closed */
    assert_int_equal(tnode_set_local_netdata(t->node, NULL, 0, m->now), OT_ERR_NONE);
    medium_run(m, 100);
    srp_node_process(&a, m->now);
    expect_line(m, 0, "srp client state", "Disabled\nDone\n");
    expect_line(m, 0, "srp client host state", "ToRefresh\nDone\n");
    assert_false(a.udp_open);
    srp_node_free(&a);
    srp_node_free(&b);
}

static void form_and_attach(struct net *n)
{
    struct medium *m = medium_new(2);
    char line[700];

    n->m = m;
    expect_line(m, 0, "dataset init new", "Done\n");
    expect_line(m, 0, "dataset commit active", "Done\n");
    expect_line(m, 0, "ifconfig up", "Done\n");
    expect_line(m, 0, "thread start", "Done\n");
    assert_true(wait_role(m, 0, "leader", 20000));
    tm_first_line(run(m, 0, "dataset active -x"), n->ds, sizeof(n->ds));
    tm_first_line(run(m, 0, "extaddr"), n->leader_ext, sizeof(n->leader_ext));
    tm_first_line(run(m, 0, "ipaddr mleid"), n->leader_mleid, sizeof(n->leader_mleid));
    tm_first_line(run(m, 0, "ipaddr linklocal"), n->leader_ll, sizeof(n->leader_ll));

    snprintf(line, sizeof(line), "dataset set active %s", n->ds);
    expect_line(m, 1, line, "Done\n");
    expect_line(m, 1, "ifconfig up", "Done\n");
    expect_line(m, 1, "thread start", "Done\n");
    assert_true(wait_role(m, 1, "child", 20000));
    tm_first_line(run(m, 1, "rloc16"), n->child_rloc, sizeof(n->child_rloc));
}

static void test_attach_tables(void **state)
{
    struct net n;
    struct medium *m;
    char want[256], a[8192];
    const char *o;

    (void)state;
    form_and_attach(&n);
    m = n.m;
    expect_line(m, 0, "ifconfig", "up\nDone\n");

    o = run(m, 1, "parent");
    snprintf(want, sizeof(want), "Ext Addr: %s\n", n.leader_ext);
    assert_non_null(strstr(o, want));
    assert_non_null(strstr(o, "\nLink Quality In: "));
    assert_non_null(strstr(o, "\nDone\n"));

    o = run(m, 0, "child table");
    snprintf(want, sizeof(want), "| 0x%s |", n.child_rloc);
    assert_non_null(strstr(o, want));
    assert_non_null(strstr(o, "|1|1|1|"));
    assert_int_equal(strncmp(o, "| ID  | RLOC16 |", 16), 0);
    o = run(m, 0, "child list");
    assert_string_equal(o, "1 \nDone\n");

    /* The child holds the leader's network data, shown alike. */
    snprintf(a, sizeof(a), "%s", run(m, 0, "netdata show"));
    assert_string_equal(run(m, 1, "netdata show"), a);
    assert_non_null(strstr(a, "Prefixes:\nRoutes:\nServices:\nContexts:\nCommissioning:\n"));
    snprintf(a, sizeof(a), "%s", run(m, 0, "netdata show -x"));
    assert_string_equal(run(m, 1, "netdata show -x"), a);
    snprintf(want, sizeof(want), "%zu\nDone\n", (strlen(a) - strlen("\nDone\n")) / 2);
    expect_line(m, 1, "netdata length", want);

    o = run(m, 1, "leaderdata");
    assert_non_null(strstr(o, "Partition ID: "));
    assert_non_null(strstr(o, "\nDone\n"));

    /* ipaddr: the link-local address last, as OpenThread orders them. */
    o = run(m, 0, "ipaddr");
    snprintf(want, sizeof(want), "%s\n%s\nDone\n", n.leader_mleid, n.leader_ll);
    assert_non_null(strstr(o, want));
    o = run(m, 0, "ipaddr rloc");
    assert_non_null(strstr(o, ":0:ff:fe00:"));
    expect_line(m, 0, "ipaddr bogus", "Error 35: InvalidCommand\n");

    /* No NAT64 prefix in the network data: an IPv4 literal cannot be used. */
    expect_line(m, 1, "ping 192.0.2.1", "Error 13: InvalidState\n");
    medium_free(m);
}

static void test_ping_async_output(void **state)
{
    struct net n;
    struct medium *m;
    char line[128], want[256];
    const char *o;
    struct tn *child;

    (void)state;
    form_and_attach(&n);
    m = n.m;
    child = &m->nodes[1];

    snprintf(line, sizeof(line), "ping %s 8 2 0.5", n.leader_mleid);
    assert_int_equal(node_cli_run_line(&child->cli, line, m->now, child->cap.f), OT_ERR_PENDING);
    assert_string_equal(tm_capture_take(&child->cap), "");
    assert_true(node_cli_pending(&child->cli));
    /* While it runs, lines are swallowed as OpenThread does. */
    assert_int_equal(node_cli_run_line(&child->cli, "state", m->now, child->cap.f), OT_ERR_PENDING);
    assert_string_equal(tm_capture_take(&child->cap), "");

    medium_run(m, 5000);
    assert_false(node_cli_pending(&child->cli));
    assert_int_equal(child->finished, 1);
    o = tm_capture_take(&child->cap);
    snprintf(want, sizeof(want), "16 bytes from %s: icmp_seq=1 hlim=64 time=", n.leader_mleid);
    assert_prefix(o, want);
    snprintf(want, sizeof(want), "16 bytes from %s: icmp_seq=2 hlim=64 time=", n.leader_mleid);
    assert_contains(o, want);
    assert_contains(o, "\n2 packets transmitted, 2 packets received. Packet loss = 0.0%. "
                       "Round-trip min/avg/max = ");
    assert_non_null(strstr(o, " ms.\nDone\n"));
    assert_int_equal(strcmp(o + strlen(o) - 5, "Done\n"), 0);

    /* `ping async`: Done at once, the replies later, no second Done. */
    snprintf(line, sizeof(line), "ping async %s", n.leader_ll);
    expect_line(m, 1, line, "Done\n");
    assert_false(node_cli_pending(&child->cli));
    medium_run(m, 4000);
    o = tm_capture_take(&child->cap);
    snprintf(want, sizeof(want), "16 bytes from %s: icmp_seq=", n.leader_ll);
    assert_prefix(o, want);
    assert_contains(o, "\n1 packets transmitted, 1 packets received.");
    assert_null(strstr(o, "Done"));
    assert_int_equal(child->finished, 1);

    /* A detached run prints nothing more; the next ping waits for its end. */
    snprintf(line, sizeof(line), "ping %s 8 3 1", n.leader_mleid);
    assert_int_equal(node_cli_run_line(&child->cli, line, m->now, child->cap.f), OT_ERR_PENDING);
    node_cli_detach(&child->cli);
    assert_false(node_cli_pending(&child->cli));
    expect_line(m, 1, line, "Error 5: Busy\n");
    medium_run(m, 8000);
    assert_string_equal(tm_capture_take(&child->cap), "");
    assert_int_equal(node_cli_run_line(&child->cli, line, m->now, child->cap.f), OT_ERR_PENDING);

    /* factoryreset gets through while a ping is pending, and ends it. */
    expect_line(m, 1, "factoryreset", "Done\n");
    assert_false(node_cli_pending(&child->cli));
    medium_run(m, 8000);
    assert_string_equal(tm_capture_take(&child->cap), "");
    expect_line(m, 1, "state", "disabled\nDone\n");
    expect_line(m, 1, "dataset active", "Error 23: NotFound\n");
    medium_free(m);
}

/* A NAT64 route in the leader's network data: `ping <IPv4>` synthesizes the
 * destination from it (ot-nat64-behaviour.md 2.3, nat64-ping.transcript). */
static void test_ping_ip4_synthesized(void **state)
{
    struct net n;
    struct medium *m;
    uint16_t rloc;
    char want[256];
    const char *o;
    /* As in nat64-ping.transcript.txt: the on-mesh SLAAC prefix fd11:22::/64
     * "paros" (Prefix TLV, stable, with a Border Router sub-TLV) and the
     * route 64:ff9b::/96 "sn med" (Prefix TLV, stable, with a Has Route
     * sub-TLV: preference medium, the NAT64 flag). RLOC16s filled below. */
    uint8_t nd[] = {0x03, 0x10, 0x00, 0x40, 0xfd, 0x11, 0x00, 0x22, 0x00, 0x00, 0x00, 0x00, 0x05,
                    0x04, 0x00, 0x00, 0x33, 0x00, 0x03, 0x13, 0x00, 0x60, 0x00, 0x64, 0xff, 0x9b,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x20};

    (void)state;
    form_and_attach(&n);
    m = n.m;
    rloc = tnode_rloc16(m->nodes[0].node);
    nd[14] = nd[36] = (uint8_t)(rloc >> 8);
    nd[15] = nd[37] = (uint8_t)rloc;
    assert_int_equal(tnode_set_local_netdata(m->nodes[0].node, nd, sizeof(nd), m->now),
                     OT_ERR_NONE);
    medium_run(m, 3000);

    snprintf(want, sizeof(want),
             "Prefixes:\nfd11:22:0:0::/64 paros med %04x\n"
             "Routes:\n64:ff9b:0:0:0:0::/96 sn med %04x\nServices:\n",
             rloc, rloc);
    assert_contains(run(m, 0, "netdata show"), want);
    assert_contains(run(m, 1, "netdata show"), want);

    o = run(m, 1, "ping 192.0.2.1 8 1 1 5");
    assert_string_equal(o, "Pinging synthesized IPv6 address: 64:ff9b:0:0:0:0:c000:201\n");
    medium_run(m, 5000);
    assert_string_equal(tm_capture_take(&m->nodes[1].cap),
                        "1 packets transmitted, 0 packets received. Packet loss = 100.0%.\nDone\n");

    /* udp and tcp synthesize IPv4 literals alike (cli_udp.cpp, cli_tcp.cpp). */
    expect_line(m, 1, "udp open", "Done\n");
    expect_line(m, 1, "udp connect 192.0.2.1 12346",
                "Connecting to synthesized IPv6 address: 64:ff9b:0:0:0:0:c000:201\nDone\n");
    expect_line(m, 1, "udp send 192.0.2.1 12346 hello",
                "Sending to synthesized IPv6 address: 64:ff9b:0:0:0:0:c000:201\nDone\n");
    expect_line(m, 1, "udp send 192.0.2.1 x hello",
                "Sending to synthesized IPv6 address: 64:ff9b:0:0:0:0:c000:201\n"
                "Error 7: InvalidArgs\n");
    expect_line(m, 1, "tcp init", "Done\n");
    expect_line(m, 1, "tcp connect 192.0.2.1 12345",
                "Connecting to synthesized IPv6 address: 64:ff9b:0:0:0:0:c000:201\nDone\n");
    /* Towards the NAT64 prefix the source is the SLAAC address, never mesh-local. */
    {
        uint8_t peer[16];
        uint16_t port;

        assert_true(tnode_tcp_peer(m->nodes[1].node, m->nodes[1].cli.tcp_id, peer, &port));
        assert_int_equal(port, 12345);
        assert_int_equal(tnode_tcp_state(m->nodes[1].node, m->nodes[1].cli.tcp_id), TCP_SYN_SENT);
    }
    expect_line(m, 1, "tcp abort", "TCP: Connection reset\nDone\n");
    medium_free(m);
}

/* Sums the byte counts of the "TCP: Received N bytes: " lines in o. */
static size_t tcp_received_bytes(const char *o)
{
    size_t total = 0;
    const char *p = o;

    while ((p = strstr(p, "TCP: Received ")) != NULL) {
        total += strtoul(p + strlen("TCP: Received "), NULL, 10);
        p += strlen("TCP: Received ");
    }
    return total;
}

/* `tcp` between two nodes: OpenThread's README_TCP.md sequence. */
static void test_tcp_between_nodes(void **state)
{
    struct net n;
    struct medium *m;
    char line[256], want[256], child_mleid[64];
    const char *o;

    (void)state;
    form_and_attach(&n);
    m = n.m;
    tm_first_line(run(m, 1, "ipaddr mleid"), child_mleid, sizeof(child_mleid));

    /* errors before init */
    expect_line(m, 1, "tcp send hello", "Error 13: InvalidState\n");
    expect_line(m, 1, "tcp connect ::1 1", "Error 13: InvalidState\n");
    expect_line(m, 1, "tcp bogus", "Error 35: InvalidCommand\n");

    expect_line(m, 0, "tcp init", "Done\n");
    expect_line(m, 0, "tcp init", "Error 24: Already\n");
    expect_line(m, 0, "tcp listen :: 12345", "Done\n");
    expect_line(m, 0, "tcp listen :: ", "Error 7: InvalidArgs\n");
    expect_line(m, 1, "tcp init", "Done\n");
    expect_line(m, 1, "tcp send hello", "Error 1: Failed\n"); /* not connected */
    /* No NAT64 prefix: an IPv4 literal cannot be synthesized. */
    expect_line(m, 1, "tcp connect 192.0.2.1 12345", "Error 13: InvalidState\n");
    expect_line(m, 1, "tcp connect bogus 12345", "Error 6: Parse\n");
    snprintf(line, sizeof(line), "tcp connect %s 12345 bogus", n.leader_mleid);
    expect_line(m, 1, line, "Error 7: InvalidArgs\n");

    snprintf(line, sizeof(line), "tcp connect %s 12345", n.leader_mleid);
    expect_line(m, 1, line, "Done\n");
    medium_run(m, 3000);
    assert_string_equal(tm_capture_take(&m->nodes[1].cap), "TCP: Connection established\n");
    o = tm_capture_take(&m->nodes[0].cap);
    snprintf(want, sizeof(want), "Accepted connection from [%s]:", child_mleid);
    assert_prefix(o, want);
    assert_contains(o, "\nTCP: Connection established\n");

    expect_line(m, 1, "tcp send hello", "Done\n");
    medium_run(m, 2000);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), "TCP: Received 5 bytes: hello\n");
    expect_line(m, 0, "tcp send world", "Done\n");
    expect_line(m, 0, "tcp send -x 414243", "Done\n");
    medium_run(m, 2000);
    o = tm_capture_take(&m->nodes[1].cap);
    if (strcmp(o, "TCP: Received 5 bytes: world\nTCP: Received 3 bytes: ABC\n") != 0 &&
        strcmp(o, "TCP: Received 8 bytes: worldABC\n") != 0)
        fail_msg("got '%s'", o);
    expect_line(m, 0, "tcp send a b", "Error 7: InvalidArgs\n");

    /* tcp benchmark: 20000 bytes arrive in order, and the run reports. */
    expect_line(m, 1, "tcp benchmark result", "TCP Benchmark Status: Untested\nDone\n");
    expect_line(m, 1, "tcp benchmark run 20000", "Done\n");
    expect_line(m, 1, "tcp benchmark result", "TCP Benchmark Status: Ongoing\nDone\n");
    expect_line(m, 1, "tcp send x", "Error 5: Busy\n");
    {
        size_t got = 0;
        char done[256] = "";

        /* In steps, until the sender reports (the medium has no airtime). */
        for (int i = 0; i < 600 && done[0] == '\0'; i++) {
            medium_run(m, 100);
            got += tcp_received_bytes(tm_capture_take(&m->nodes[0].cap));
            o = tm_capture_take(&m->nodes[1].cap);
            if (o[0] != '\0')
                snprintf(done, sizeof(done), "%s", o);
        }
        medium_run(m, 1000);
        got += tcp_received_bytes(tm_capture_take(&m->nodes[0].cap));
        assert_prefix(done, "TCP Benchmark Complete: Transferred 20000 bytes in ");
        assert_contains(done, " milliseconds\nTCP Goodput: ");
        assert_contains(done, " kb/s\n");
        assert_int_equal(got, 20000);
    }
    o = run(m, 1, "tcp benchmark result");
    assert_prefix(o, "TCP Benchmark Status: Completed\nTCP Benchmark Complete: Transferred 20000");

    /* Closing: each side sees the other's FIN. */
    expect_line(m, 1, "tcp sendend", "Done\n");
    medium_run(m, 2000);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), "TCP: Reached end of stream\n");
    expect_line(m, 0, "tcp sendend", "Done\n");
    medium_run(m, 2000);
    assert_contains(tm_capture_take(&m->nodes[1].cap), "TCP: Reached end of stream\n");
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), "TCP: Disconnected\n");

    /* Again, ended by an abort: a RST for the peer. */
    expect_line(m, 0, "tcp listen :: 12345", "Done\n");
    expect_line(m, 1, "tcp deinit", "Done\n");
    expect_line(m, 1, "tcp deinit", "Error 13: InvalidState\n");
    expect_line(m, 1, "tcp init", "Done\n");
    snprintf(line, sizeof(line), "tcp connect %s 12345", n.leader_mleid);
    expect_line(m, 1, line, "Done\n");
    medium_run(m, 3000);
    assert_string_equal(tm_capture_take(&m->nodes[1].cap), "TCP: Connection established\n");
    assert_contains(tm_capture_take(&m->nodes[0].cap), "TCP: Connection established\n");
    expect_line(m, 1, "tcp abort", "TCP: Connection reset\nDone\n");
    medium_run(m, 2000);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), "TCP: Connection reset\n");
    expect_line(m, 1, "tcp abort", "Done\n");

    /* Nobody listening: refused. */
    snprintf(line, sizeof(line), "tcp connect %s 4321", n.leader_mleid);
    expect_line(m, 1, line, "Done\n");
    medium_run(m, 3000);
    assert_string_equal(tm_capture_take(&m->nodes[1].cap), "TCP: Connection refused\n");
    medium_free(m);
}

/* `udp` between two nodes (README_UDP.md). */
static void test_udp_between_nodes(void **state)
{
    struct net n;
    struct medium *m;
    char line[256], want[512], child_mleid[64];

    (void)state;
    form_and_attach(&n);
    m = n.m;
    tm_first_line(run(m, 1, "ipaddr mleid"), child_mleid, sizeof(child_mleid));

    expect_line(m, 1, "udp send hello", "Error 13: InvalidState\n");
    expect_line(m, 1, "udp bogus", "Error 35: InvalidCommand\n");
    expect_line(m, 0, "udp open", "Done\n");
    expect_line(m, 0, "udp open", "Error 24: Already\n");
    expect_line(m, 0, "udp bind fd00:db8::1 1234", "Error 7: InvalidArgs\n"); /* not ours */
    expect_line(m, 0, "udp bind :: x", "Error 7: InvalidArgs\n");
    expect_line(m, 0, "udp bind :: 1234", "Done\n");
    expect_line(m, 0, "udp linksecurity", "Enabled\nDone\n");
    expect_line(m, 1, "udp open", "Done\n");
    expect_line(m, 1, "udp send hello", "Error 7: InvalidArgs\n"); /* no peer */
    expect_line(m, 1, "udp connect 192.0.2.1 1234", "Error 13: InvalidState\n");

    snprintf(line, sizeof(line), "udp send %s 1234 hello", n.leader_mleid);
    expect_line(m, 1, line, "Done\n");
    medium_run(m, 2000);
    snprintf(want, sizeof(want), "5 bytes from %s 49153 hello\n", child_mleid);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), want);

    snprintf(line, sizeof(line), "udp send %s 49153 world", child_mleid);
    expect_line(m, 0, line, "Done\n");
    medium_run(m, 2000);
    snprintf(want, sizeof(want), "5 bytes from %s 1234 world\n", n.leader_mleid);
    assert_string_equal(tm_capture_take(&m->nodes[1].cap), want);

    /* connected: the default peer; hex and generated payloads */
    snprintf(line, sizeof(line), "udp connect %s 1234", n.leader_mleid);
    expect_line(m, 1, line, "Done\n");
    expect_line(m, 1, "udp send -x 414243", "Done\n");
    expect_line(m, 1, "udp send -s 12", "Done\n");
    expect_line(m, 1, "udp send -t two", "Done\n");
    medium_run(m, 2000);
    snprintf(want, sizeof(want),
             "3 bytes from %s 49153 ABC\n12 bytes from %s 49153 0123456789AB\n"
             "3 bytes from %s 49153 two\n",
             child_mleid, child_mleid, child_mleid);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), want);
    expect_line(m, 1, "udp send -x", "Error 7: InvalidArgs\n");

    /* closed: nothing more arrives */
    expect_line(m, 0, "udp close", "Done\n");
    expect_line(m, 1, "udp send again", "Done\n");
    medium_run(m, 2000);
    assert_string_equal(tm_capture_take(&m->nodes[0].cap), "");
    expect_line(m, 0, "udp send x", "Error 13: InvalidState\n");
    medium_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mode_str),
        cmocka_unit_test(test_parse_mode),
        cmocka_unit_test(test_parse_interval),
        cmocka_unit_test(test_ping_lines),
        cmocka_unit_test(test_child_table),
        cmocka_unit_test(test_parent_and_leaderdata),
        cmocka_unit_test(test_errors_without_node),
        cmocka_unit_test(test_srp_client_cli),
        cmocka_unit_test_teardown(test_srp_node_glue, teardown_medium),
        cmocka_unit_test_teardown(test_dataset_commands, teardown_medium),
        cmocka_unit_test_teardown(test_attach_tables, teardown_medium),
        cmocka_unit_test_teardown(test_ping_async_output, teardown_medium),
        cmocka_unit_test_teardown(test_ping_ip4_synthesized, teardown_medium),
        cmocka_unit_test_teardown(test_tcp_between_nodes, teardown_medium),
        cmocka_unit_test_teardown(test_udp_between_nodes, teardown_medium),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
