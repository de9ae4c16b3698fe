/*
 * tbr-agent's commands (src/cli/br_cli.c) over a real agent core
 * (src/br/agent.c): the codelab's NAT64 sequence in-process, with the agent
 * and a device on a small simulated medium (virtual time, no sockets), the
 * host side replaced by a hook that answers ICMP echo for 192.0.2.1; the
 * command errors; the return-path rule; persistence of the BR ULA and the
 * NAT64 settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "br/agent.h"
#include "cli/br_cli.h"
#include "cli/node_cli.h"
#include "support/br_medium.h"

/* The agent and a device on the simulated medium (tests/support/br_medium.h),
 * freed by the teardown even when an assertion ends the test early. */
static struct tm_br *cur;

static struct tm_br *medium_new(bool assume_return_path, bool with_settings)
{
    cur = tm_br_new(assume_return_path, with_settings ? "test_br_cli" : NULL, NULL, NULL);
    return cur;
}

static int teardown(void **state)
{
    (void)state;
    if (cur != NULL)
        tm_br_free(cur);
    cur = NULL;
    return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_codelab_sequence(void **state)
{
    struct tm_br *m = medium_new(true, false);
    char nat64p[64], omrp[64], want[256], agent_nd[1024], rloc[16];
    const char *o;

    (void)state;
    /* otbr-agent enables NAT64 at init; the codelab's enable is idempotent. */
    tm_br_expect_a(m, "nat64 state", "PrefixManager: NotRunning\nTranslator: NotRunning\nDone\n");
    tm_br_form(m);
    tm_br_expect_a(m, "nat64 enable", "Done\n");
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    tm_first_line(tm_br_acmd(m, "br nat64prefix local"), nat64p, sizeof(nat64p));
    tm_first_line(tm_br_acmd(m, "br omrprefix local"), omrp, sizeof(omrp));
    assert_true(strncmp(nat64p, "fd", 2) == 0);
    assert_non_null(strstr(nat64p, ":2:0:0::/96"));
    assert_non_null(strstr(omrp, ":1::/64"));

    tm_first_line(tm_br_acmd(m, "rloc16"), rloc, sizeof(rloc));
    o = tm_br_acmd(m, "netdata show");
    snprintf(want, sizeof(want), "Prefixes:\n%s paos low %s\n", omrp, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("agent netdata: '%s'", o);
    snprintf(want, sizeof(want), "Routes:\n%s sn low %s\n", nat64p, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("agent netdata: '%s'", o);
    snprintf(agent_nd, sizeof(agent_nd), "%s", o);

    tm_br_join(m);
    o = tm_br_dcmd(m, "netdata show");
    assert_string_equal(o, agent_nd);

    /* The device pings an IPv4 host through the agent's translator. */
    o = tm_br_dcmd(m, "ping 192.0.2.1");
    snprintf(want, sizeof(want), "Pinging synthesized IPv6 address: %.*s:c000:201\n",
             (int)(strlen(nat64p) - strlen("::/96")), nat64p);
    assert_string_equal(o, want);
    tm_br_run(m, 2000);
    o = tm_capture_take(&m->dcap);
    if (strstr(o, ":c000:201: icmp_seq=1 hlim=") == NULL ||
        strstr(o, "1 packets transmitted, 1 packets received. Packet loss = 0.0%.") == NULL ||
        strstr(o, "\nDone\n") == NULL)
        fail_msg("ping output: '%s'", o);
    assert_true(m->host_ip4_seen >= 1);
    /* Sent with hop limit 64, the translator is the one router hop before
     * the TUN (RFC 7915 §5.1); the kernel's forwarding makes it 62. */
    assert_int_equal(m->host_ip4_ttl, 63);

    o = tm_br_acmd(m, "nat64 mappings");
    snprintf(want, sizeof(want), "%s:", omrp);
    want[strlen(omrp) - strlen("::/64") + 1] = '\0';
    if (strstr(o, want) == NULL || strstr(o, "192.168.255.254") == NULL ||
        strstr(o, "ICMP |        1 |           16 |        1 |           16 |\nDone\n") == NULL)
        fail_msg("mappings: '%s'", o);
    o = tm_br_acmd(m, "nat64 counters");
    if (strstr(o, "ICMP |        1 |           16 |        1 |           16 |\n") == NULL)
        fail_msg("counters: '%s'", o);

    /* Disable: prefix withdrawn, device's ping refused, mappings dropped. */
    tm_br_expect_a(m, "nat64 disable", "Done\n");
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Disabled\nTranslator: Disabled\nDone\n");
    tm_br_run(m, 5000);
    o = tm_br_dcmd(m, "netdata show");
    if (strstr(o, " sn ") != NULL || strstr(o, " paos low ") == NULL)
        fail_msg("device netdata after disable: '%s'", o);
    assert_string_equal(tm_br_dcmd(m, "ping 192.0.2.1"), "Error 13: InvalidState\n");
    o = tm_br_acmd(m, "nat64 mappings");
    assert_null(strstr(o, "192.168.255.254"));
    /* Counters survive (OpenThread keeps them across disable). */
    o = tm_br_acmd(m, "nat64 counters");
    assert_non_null(strstr(o, "ICMP |        1 |           16 |        1 |           16 |\n"));

    /* Enable: Idle first, Active after the evaluation delay. */
    tm_br_expect_a(m, "nat64 enable", "Done\n");
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Idle\nTranslator: NotRunning\nDone\n");
    tm_br_run(m, 5000);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    o = tm_br_dcmd(m, "netdata show");
    snprintf(want, sizeof(want), "%s sn low %s\n", nat64p, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("device netdata after enable: '%s'", o);
    tm_br_dcmd(m, "ping 192.0.2.1");
    tm_br_run(m, 2000);
    o = tm_capture_take(&m->dcap);
    if (strstr(o, "1 packets transmitted, 1 packets received.") == NULL)
        fail_msg("ping after enable: '%s'", o);
}

static void test_commands(void **state)
{
    struct tm_br *m = medium_new(true, false);
    const char *o;

    (void)state;
    tm_br_expect_a(m, "nat64", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "nat64 bogus", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "nat64 cidr", "192.168.255.0/24\nDone\n");
    tm_br_expect_a(m, "nat64 cidr 10.0.0.0/0", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "nat64 cidr 10.0.0.0/33", "Error 6: Parse\n");
    tm_br_expect_a(m, "nat64 cidr banana", "Error 6: Parse\n");
    tm_br_expect_a(m, "nat64 cidr 192.168.1.77/24", "Done\n");
    tm_br_expect_a(m, "nat64 cidr 192.168.1.0/24", "Done\n");
    tm_br_expect_a(m, "nat64 cidr", "192.168.1.77/24\nDone\n");
    tm_br_expect_a(m, "br", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "br bogus", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "br omrprefix bogus", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "br nat64prefix local favored", "Error 7: InvalidArgs\n");
    /* Routing not running: the Local line, then InvalidState (cli_br.cpp). */
    o = tm_br_acmd(m, "br omrprefix");
    assert_true(strncmp(o, "Local: fd", 9) == 0);
    assert_non_null(strstr(o, ":1::/64\nError 13: InvalidState\n"));
    o = tm_br_acmd(m, "br nat64prefix local");
    assert_non_null(strstr(o, ":2:0:0::/96\nDone\n"));
    o = tm_br_acmd(m, "help");
    assert_true(strncmp(o, "br\nchild\n", 9) == 0);
    assert_non_null(strstr(o, "\nmode\nnat64\nneighbor\nnetdata\n"));
    assert_non_null(strstr(o, "\nversion\nDone\n"));
    /* tbr's firewall counters: without host configuration there is no policy */
    tm_br_expect_a(m, "firewall counters",
                   "unavailable: no forwarding policy (the host is not configured)\n"
                   "reinstalls: 0\nError 13: InvalidState\n");
    tm_br_expect_a(m, "firewall", "Error 35: InvalidCommand\n");
    /* The device commands are all there. */
    tm_br_expect_a(m, "state", "disabled\nDone\n");
    tm_br_expect_a(m, "no-such-command", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "", "");
    tm_br_form(m);
    o = tm_br_acmd(m, "br nat64prefix");
    if (strstr(o, "Local: fd") == NULL || strstr(o, "prf:low\nDone\n") == NULL)
        fail_msg("br nat64prefix: '%s'", o);
    o = tm_br_acmd(m, "br omrprefix favored");
    if (strstr(o, ":1::/64 prf:low\nDone\n") == NULL)
        fail_msg("br omrprefix favored: '%s'", o);
    /* A new CIDR rebuilds the translator; Active with the new pool. */
    tm_br_expect_a(m, "nat64 cidr 192.168.100.0/24", "Done\n");
    tm_br_run(m, 1000);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    tm_br_expect_a(m, "nat64 cidr", "192.168.100.0/24\nDone\n");
}

/* Without a verified IPv4 return path the translator is not Active and
 * NAT64 destinations are not translated (user-needs.md T1). */
static void test_no_return_path(void **state)
{
    struct tm_br *m = medium_new(false, false);
    const char *o;

    (void)state;
    tm_br_form(m);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: NotRunning\nDone\n");
    tm_br_join(m);
    o = tm_br_dcmd(m, "ping 192.0.2.1");
    assert_non_null(strstr(o, "Pinging synthesized IPv6 address: "));
    tm_br_run(m, 4000);
    o = tm_capture_take(&m->dcap);
    if (strstr(o, "1 packets transmitted, 0 packets received.") == NULL)
        fail_msg("ping without return path: '%s'", o);
    assert_int_equal(m->host_ip4_seen, 0);
    {
        struct br_agent_counters c;

        br_agent_counters(m->agent, &c);
        assert_true(c.dp.host_rx_not_active >= 1);
    }
}

/* The BR ULA, the NAT64 flag and CIDR survive a restart. */
static void test_persistence(void **state)
{
    struct tm_br *m = medium_new(true, true);
    char omr1[64], omr2[64];

    (void)state;
    tm_first_line(tm_br_acmd(m, "br omrprefix local"), omr1, sizeof(omr1));
    tm_br_expect_a(m, "nat64 disable", "Done\n");
    tm_br_expect_a(m, "nat64 cidr 192.168.7.0/24", "Done\n");
    br_agent_free(m->agent, m->now);
    tm_br_agent_new(m, true);
    tm_first_line(tm_br_acmd(m, "br omrprefix local"), omr2, sizeof(omr2));
    assert_string_equal(omr1, omr2);
    tm_br_expect_a(m, "nat64 cidr", "192.168.7.0/24\nDone\n");
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Disabled\nTranslator: Disabled\nDone\n");
    tm_br_expect_a(m, "nat64 enable", "Done\n");
    br_agent_free(m->agent, m->now);
    tm_br_agent_new(m, true);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: NotRunning\nTranslator: NotRunning\nDone\n");
}

/* --form on a fresh start; a saved dataset rejoins without it. */
static void test_autostart(void **state)
{
    struct tm_br *m = medium_new(true, true);

    (void)state;
    assert_int_equal(br_agent_autostart(m->agent, false, m->now), OT_ERR_NONE);
    tm_br_run(m, 1000);
    tm_br_expect_a(m, "state", "disabled\nDone\n");
    assert_int_equal(br_agent_autostart(m->agent, true, m->now), OT_ERR_NONE);
    tm_br_run(m, 15000);
    tm_br_expect_a(m, "state", "leader\nDone\n");
    br_agent_free(m->agent, m->now);
    tm_br_agent_new(m, true);
    tm_br_expect_a(m, "state", "disabled\nDone\n");
    assert_int_equal(br_agent_autostart(m->agent, false, m->now), OT_ERR_NONE);
    tm_br_run(m, 15000);
    tm_br_expect_a(m, "state", "leader\nDone\n");
    tm_br_run(m, 5000);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
}

/* Host-side input the agent must refuse without harm. */
static void test_host_input_hostile(void **state)
{
    struct tm_br *m = medium_new(true, false);
    uint8_t junk[64];
    struct br_agent_counters ctr, *c = &ctr;

    (void)state;
    memset(junk, 0, sizeof(junk));
    br_agent_host_input(m->agent, junk, 0, m->now);
    br_agent_host_input(m->agent, junk, 10, m->now);
    junk[0] = 0x45; /* IPv4 to 0.0.0.0: not the pool */
    br_agent_host_input(m->agent, junk, 20, m->now);
    junk[0] = 0x45;
    junk[16] = 192, junk[17] = 168, junk[18] = 255, junk[19] = 9; /* pool, not Active */
    br_agent_host_input(m->agent, junk, 28, m->now);
    junk[0] = 0x60; /* IPv6, detached node: refused */
    br_agent_host_input(m->agent, junk, 40, m->now);
    br_agent_counters(m->agent, c);
    assert_int_equal(c->dp.tun_rx, 5);
    assert_int_equal(c->dp.tun_rx_bad, 2);
    assert_int_equal(c->dp.tun_rx_ip4_dropped, 2);
    assert_int_equal(c->dp.mesh_tx_errors, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_codelab_sequence, teardown),
        cmocka_unit_test_teardown(test_commands, teardown),
        cmocka_unit_test_teardown(test_no_return_path, teardown),
        cmocka_unit_test_teardown(test_persistence, teardown),
        cmocka_unit_test_teardown(test_autostart, teardown),
        cmocka_unit_test_teardown(test_host_input_hostile, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
