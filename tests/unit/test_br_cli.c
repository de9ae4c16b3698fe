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
#include <unistd.h>

#include <cmocka.h>

#include "br/agent.h"
#include "cli/br_cli.h"
#include "cli/node_cli.h"
#include "platform/settings.h"

/* ---- output capture ---------------------------------------------------------- */

struct capture {
    FILE *f;
    char *buf;
    size_t size;
    size_t mark;
    char last[16384];
};

static void capture_open(struct capture *c)
{
    memset(c, 0, sizeof(*c));
    c->f = open_memstream(&c->buf, &c->size);
    assert_non_null(c->f);
}

static void capture_close(struct capture *c)
{
    fclose(c->f);
    free(c->buf);
}

static const char *capture_take(struct capture *c)
{
    size_t n;

    fflush(c->f);
    n = c->size - c->mark;
    assert_true(n < sizeof(c->last));
    memcpy(c->last, c->buf + c->mark, n);
    c->last[n] = '\0';
    c->mark = c->size;
    return c->last;
}

/* ---- the medium: node 0 is the agent, node 1 a device ---------------------------- */

#define QLEN 512
#define HOSTQ 16

struct frame {
    int from;
    uint8_t ch, len;
    uint8_t psdu[127];
};

struct medium;

struct station {
    struct medium *m;
    int idx;
    uint8_t channel;
    uint64_t rng;
};

struct hostpkt {
    uint8_t data[1500];
    size_t len;
};

struct medium {
    uint64_t now;
    struct frame q[QLEN];
    unsigned head, count;
    struct station st[2];
    struct br_agent *agent;
    struct tnode *dev;
    struct br_cli acli;
    struct node_cli dcli;
    struct capture acap, dcap;
    /* the IPv4 host: echo replies waiting to enter through the TUN side */
    struct hostpkt hq[HOSTQ];
    unsigned hq_n;
    unsigned host_ip4_seen, host_ip6_seen;
    char state_dir[64];
    struct settings *settings;
};

static void rnd(void *user, uint8_t *buf, size_t len)
{
    struct station *t = user;

    for (size_t i = 0; i < len; i++) {
        t->rng ^= t->rng >> 12;
        t->rng ^= t->rng << 25;
        t->rng ^= t->rng >> 27;
        buf[i] = (uint8_t)((t->rng * 0x2545f4914f6cdd1dULL) >> 56);
    }
}

static int med_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t ch)
{
    struct station *t = radio;
    struct medium *m = t->m;
    struct frame *f;

    assert_true(len >= 1 && len <= 127);
    assert_true(m->count < QLEN);
    f = &m->q[(m->head + m->count++) % QLEN];
    f->from = t->idx;
    f->ch = ch;
    f->len = (uint8_t)len;
    memcpy(f->psdu, psdu, len);
    return 0;
}

static int med_set_channel(void *radio, uint8_t ch)
{
    ((struct station *)radio)->channel = ch;
    return 0;
}

static const struct radio_ops med_ops = {
    .caps = 0,
    .transmit = med_tx,
    .set_channel = med_set_channel,
};

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* The agent's host side: IPv4 echo requests to 192.0.2.1 are answered. */
static void host_tx(void *user, const uint8_t *pkt, size_t len)
{
    struct station *t = user;
    struct medium *m = t->m;
    static const uint8_t peer[4] = {192, 0, 2, 1};
    size_t ihl;
    struct hostpkt *r;
    uint16_t c;

    if (len > 0 && (pkt[0] >> 4) == 6) {
        m->host_ip6_seen++;
        return;
    }
    assert_true(len >= 28 && (pkt[0] >> 4) == 4);
    m->host_ip4_seen++;
    ihl = (size_t)(pkt[0] & 0x0f) * 4;
    if (pkt[9] != 1 || memcmp(pkt + 16, peer, 4) != 0 || pkt[ihl] != 8 || m->hq_n >= HOSTQ ||
        len > sizeof(r->data))
        return;
    r = &m->hq[m->hq_n++];
    memcpy(r->data, pkt, len);
    r->len = len;
    memcpy(r->data + 12, pkt + 16, 4);
    memcpy(r->data + 16, pkt + 12, 4);
    r->data[8] = 60; /* TTL */
    r->data[10] = r->data[11] = 0;
    c = csum(r->data, ihl);
    r->data[10] = (uint8_t)(c >> 8);
    r->data[11] = (uint8_t)c;
    r->data[ihl] = 0; /* echo reply */
    r->data[ihl + 2] = r->data[ihl + 3] = 0;
    c = csum(r->data + ihl, len - ihl);
    r->data[ihl + 2] = (uint8_t)(c >> 8);
    r->data[ihl + 3] = (uint8_t)c;
}

static struct medium *cur;

static void agent_new(struct medium *m, bool assume_return_path)
{
    struct br_agent_cfg cfg;
    char err[256];

    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 1;
    cfg.radio_ops = &med_ops;
    cfg.radio = &m->st[0];
    cfg.settings = m->settings;
    cfg.random = rnd;
    cfg.user = &m->st[0];
    cfg.host_tx = host_tx;
    cfg.assume_return_path = assume_return_path;
    m->agent = br_agent_new(&cfg, m->now, err, sizeof(err));
    if (m->agent == NULL)
        fail_msg("br_agent_new: %s", err);
    br_cli_init(&m->acli, m->agent);
}

static struct medium *medium_new(bool assume_return_path, bool with_settings)
{
    struct medium *m = calloc(1, sizeof(*m));
    struct tnode_cfg cfg;

    assert_non_null(m);
    cur = m;
    m->now = 5000;
    for (int i = 0; i < 2; i++) {
        m->st[i].m = m;
        m->st[i].idx = i;
        m->st[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 7);
    }
    if (with_settings) {
        struct settings_config sc;

        snprintf(m->state_dir, sizeof(m->state_dir), "/tmp/test_br_cli.XXXXXX");
        assert_non_null(mkdtemp(m->state_dir));
        memset(&sc, 0, sizeof(sc));
        sc.dir = m->state_dir;
        sc.name = "node-1.settings";
        assert_int_equal(settings_open(&sc, &m->settings, NULL), SETTINGS_OK);
    }
    agent_new(m, assume_return_path);
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 2;
    cfg.radio_ops = &med_ops;
    cfg.radio = &m->st[1];
    cfg.random = rnd;
    cfg.user = &m->st[1];
    cfg.router_eligible = true;
    m->dev = tnode_new(&cfg, m->now);
    assert_non_null(m->dev);
    node_cli_init(&m->dcli, m->dev);
    capture_open(&m->acap);
    capture_open(&m->dcap);
    return m;
}

static void medium_free(struct medium *m)
{
    br_agent_free(m->agent);
    tnode_free(m->dev);
    capture_close(&m->acap);
    capture_close(&m->dcap);
    if (m->settings != NULL) {
        char path[128];

        settings_close(m->settings);
        snprintf(path, sizeof(path), "%s/node-1.settings", m->state_dir);
        unlink(path);
        rmdir(m->state_dir);
    }
    free(m);
    cur = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (cur != NULL)
        medium_free(cur);
    return 0;
}

/* Delivers frames, host packets and timers up to now + ms of virtual time. */
static void run(struct medium *m, uint64_t ms)
{
    uint64_t until = m->now + ms;
    unsigned spins = 0;

    for (;;) {
        int64_t next, t;

        while (m->count > 0) {
            struct frame f = m->q[m->head];
            struct radio_rx_frame rx = {f.psdu, f.len, f.ch, -20, m->now};

            m->head = (m->head + 1) % QLEN;
            m->count--;
            if (f.from != 0 && m->st[0].channel == f.ch)
                br_agent_radio_rx(m->agent, &rx);
            if (f.from != 1 && m->st[1].channel == f.ch)
                tnode_radio_rx(m->dev, &rx);
        }
        for (unsigned i = 0; i < m->hq_n; i++)
            br_agent_host_input(m->agent, m->hq[i].data, m->hq[i].len, m->now);
        m->hq_n = 0;
        br_agent_process(m->agent, m->now);
        tnode_process(m->dev, m->now);
        if (m->count > 0 || m->hq_n > 0)
            continue;
        next = br_agent_next_timeout_ms(m->agent, m->now);
        t = tnode_next_timeout_ms(m->dev, m->now);
        if (t >= 0 && (next < 0 || t < next))
            next = t;
        if (next == 0) {
            assert_true(++spins < 100000);
            continue;
        }
        spins = 0;
        if (next < 0 || m->now + (uint64_t)next > until) {
            m->now = until;
            return;
        }
        m->now += (uint64_t)next;
    }
}

static const char *acmd(struct medium *m, const char *line)
{
    br_cli_run_line(&m->acli, line, m->now, m->acap.f);
    return capture_take(&m->acap);
}

static const char *dcmd(struct medium *m, const char *line)
{
    node_cli_run_line(&m->dcli, line, m->now, m->dcap.f);
    return capture_take(&m->dcap);
}

static void expect_a(struct medium *m, const char *line, const char *want)
{
    const char *got = acmd(m, line);

    if (strcmp(got, want) != 0)
        fail_msg("agent '%s': got '%s', want '%s'", line, got, want);
}

static void first_line(const char *s, char *out, size_t cap)
{
    size_t n = strcspn(s, "\n");

    assert_true(n < cap);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Forms the network on the agent as the codelab does. */
static void form(struct medium *m)
{
    expect_a(m, "dataset init new", "Done\n");
    expect_a(m, "dataset commit active", "Done\n");
    expect_a(m, "ifconfig up", "Done\n");
    expect_a(m, "thread start", "Done\n");
    run(m, 15000);
    expect_a(m, "state", "leader\nDone\n");
}

static void join(struct medium *m)
{
    char ds[600], line[700];

    first_line(acmd(m, "dataset active -x"), ds, sizeof(ds));
    snprintf(line, sizeof(line), "dataset set active %s", ds);
    assert_string_equal(dcmd(m, line), "Done\n");
    assert_string_equal(dcmd(m, "ifconfig up"), "Done\n");
    assert_string_equal(dcmd(m, "thread start"), "Done\n");
    run(m, 20000);
    assert_string_equal(dcmd(m, "state"), "child\nDone\n");
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_codelab_sequence(void **state)
{
    struct medium *m = medium_new(true, false);
    char nat64p[64], omrp[64], want[256], agent_nd[1024], rloc[16];
    const char *o;

    (void)state;
    /* otbr-agent enables NAT64 at init; the codelab's enable is idempotent. */
    expect_a(m, "nat64 state", "PrefixManager: NotRunning\nTranslator: NotRunning\nDone\n");
    form(m);
    expect_a(m, "nat64 enable", "Done\n");
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    first_line(acmd(m, "br nat64prefix local"), nat64p, sizeof(nat64p));
    first_line(acmd(m, "br omrprefix local"), omrp, sizeof(omrp));
    assert_true(strncmp(nat64p, "fd", 2) == 0);
    assert_non_null(strstr(nat64p, ":2:0:0::/96"));
    assert_non_null(strstr(omrp, ":1::/64"));

    first_line(acmd(m, "rloc16"), rloc, sizeof(rloc));
    o = acmd(m, "netdata show");
    snprintf(want, sizeof(want), "Prefixes:\n%s paos low %s\n", omrp, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("agent netdata: '%s'", o);
    snprintf(want, sizeof(want), "Routes:\n%s sn low %s\n", nat64p, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("agent netdata: '%s'", o);
    snprintf(agent_nd, sizeof(agent_nd), "%s", o);

    join(m);
    o = dcmd(m, "netdata show");
    assert_string_equal(o, agent_nd);

    /* The device pings an IPv4 host through the agent's translator. */
    o = dcmd(m, "ping 192.0.2.1");
    snprintf(want, sizeof(want), "Pinging synthesized IPv6 address: %.*s:c000:201\n",
             (int)(strlen(nat64p) - strlen("::/96")), nat64p);
    assert_string_equal(o, want);
    run(m, 2000);
    o = capture_take(&m->dcap);
    if (strstr(o, ":c000:201: icmp_seq=1 hlim=") == NULL ||
        strstr(o, "1 packets transmitted, 1 packets received. Packet loss = 0.0%.") == NULL ||
        strstr(o, "\nDone\n") == NULL)
        fail_msg("ping output: '%s'", o);
    assert_true(m->host_ip4_seen >= 1);

    o = acmd(m, "nat64 mappings");
    snprintf(want, sizeof(want), "%s:", omrp);
    want[strlen(omrp) - strlen("::/64") + 1] = '\0';
    if (strstr(o, want) == NULL || strstr(o, "192.168.255.254") == NULL ||
        strstr(o, "ICMP |        1 |           16 |        1 |           16 |\nDone\n") == NULL)
        fail_msg("mappings: '%s'", o);
    o = acmd(m, "nat64 counters");
    if (strstr(o, "ICMP |        1 |           16 |        1 |           16 |\n") == NULL)
        fail_msg("counters: '%s'", o);

    /* Disable: prefix withdrawn, device's ping refused, mappings dropped. */
    expect_a(m, "nat64 disable", "Done\n");
    expect_a(m, "nat64 state", "PrefixManager: Disabled\nTranslator: Disabled\nDone\n");
    run(m, 5000);
    o = dcmd(m, "netdata show");
    if (strstr(o, " sn ") != NULL || strstr(o, " paos low ") == NULL)
        fail_msg("device netdata after disable: '%s'", o);
    assert_string_equal(dcmd(m, "ping 192.0.2.1"), "Error 13: InvalidState\n");
    o = acmd(m, "nat64 mappings");
    assert_null(strstr(o, "192.168.255.254"));
    /* Counters survive (OpenThread keeps them across disable). */
    o = acmd(m, "nat64 counters");
    assert_non_null(strstr(o, "ICMP |        1 |           16 |        1 |           16 |\n"));

    /* Enable: Idle first, Active after the evaluation delay. */
    expect_a(m, "nat64 enable", "Done\n");
    expect_a(m, "nat64 state", "PrefixManager: Idle\nTranslator: NotRunning\nDone\n");
    run(m, 5000);
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    o = dcmd(m, "netdata show");
    snprintf(want, sizeof(want), "%s sn low %s\n", nat64p, rloc);
    if (strstr(o, want) == NULL)
        fail_msg("device netdata after enable: '%s'", o);
    dcmd(m, "ping 192.0.2.1");
    run(m, 2000);
    o = capture_take(&m->dcap);
    if (strstr(o, "1 packets transmitted, 1 packets received.") == NULL)
        fail_msg("ping after enable: '%s'", o);
}

static void test_commands(void **state)
{
    struct medium *m = medium_new(true, false);
    const char *o;

    (void)state;
    expect_a(m, "nat64", "Error 35: InvalidCommand\n");
    expect_a(m, "nat64 bogus", "Error 35: InvalidCommand\n");
    expect_a(m, "nat64 cidr", "192.168.255.0/24\nDone\n");
    expect_a(m, "nat64 cidr 10.0.0.0/0", "Error 7: InvalidArgs\n");
    expect_a(m, "nat64 cidr 10.0.0.0/33", "Error 6: Parse\n");
    expect_a(m, "nat64 cidr banana", "Error 6: Parse\n");
    expect_a(m, "nat64 cidr 192.168.1.77/24", "Done\n");
    expect_a(m, "nat64 cidr 192.168.1.0/24", "Done\n");
    expect_a(m, "nat64 cidr", "192.168.1.77/24\nDone\n");
    expect_a(m, "br", "Error 35: InvalidCommand\n");
    expect_a(m, "br bogus", "Error 35: InvalidCommand\n");
    expect_a(m, "br omrprefix bogus", "Error 7: InvalidArgs\n");
    expect_a(m, "br nat64prefix local favored", "Error 7: InvalidArgs\n");
    /* Routing not running: the Local line, then InvalidState (cli_br.cpp). */
    o = acmd(m, "br omrprefix");
    assert_true(strncmp(o, "Local: fd", 9) == 0);
    assert_non_null(strstr(o, ":1::/64\nError 13: InvalidState\n"));
    o = acmd(m, "br nat64prefix local");
    assert_non_null(strstr(o, ":2:0:0::/96\nDone\n"));
    o = acmd(m, "help");
    assert_true(strncmp(o, "br\nchild\n", 9) == 0);
    assert_non_null(strstr(o, "\nmode\nnat64\nnetdata\n"));
    assert_non_null(strstr(o, "\nversion\nDone\n"));
    /* The device commands are all there. */
    expect_a(m, "state", "disabled\nDone\n");
    expect_a(m, "no-such-command", "Error 35: InvalidCommand\n");
    expect_a(m, "", "");
    form(m);
    o = acmd(m, "br nat64prefix");
    if (strstr(o, "Local: fd") == NULL || strstr(o, "prf:low\nDone\n") == NULL)
        fail_msg("br nat64prefix: '%s'", o);
    o = acmd(m, "br omrprefix favored");
    if (strstr(o, ":1::/64 prf:low\nDone\n") == NULL)
        fail_msg("br omrprefix favored: '%s'", o);
    /* A new CIDR rebuilds the translator; Active with the new pool. */
    expect_a(m, "nat64 cidr 192.168.100.0/24", "Done\n");
    run(m, 1000);
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    expect_a(m, "nat64 cidr", "192.168.100.0/24\nDone\n");
}

/* Without a verified IPv4 return path the translator is not Active and
 * NAT64 destinations are not translated (user-needs.md T1). */
static void test_no_return_path(void **state)
{
    struct medium *m = medium_new(false, false);
    const char *o;

    (void)state;
    form(m);
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: NotRunning\nDone\n");
    join(m);
    o = dcmd(m, "ping 192.0.2.1");
    assert_non_null(strstr(o, "Pinging synthesized IPv6 address: "));
    run(m, 4000);
    o = capture_take(&m->dcap);
    if (strstr(o, "1 packets transmitted, 0 packets received.") == NULL)
        fail_msg("ping without return path: '%s'", o);
    assert_int_equal(m->host_ip4_seen, 0);
    assert_true(br_agent_counters(m->agent)->host_rx_not_active >= 1);
}

/* The BR ULA, the NAT64 flag and CIDR survive a restart. */
static void test_persistence(void **state)
{
    struct medium *m = medium_new(true, true);
    char omr1[64], omr2[64];

    (void)state;
    first_line(acmd(m, "br omrprefix local"), omr1, sizeof(omr1));
    expect_a(m, "nat64 disable", "Done\n");
    expect_a(m, "nat64 cidr 192.168.7.0/24", "Done\n");
    br_agent_free(m->agent);
    agent_new(m, true);
    first_line(acmd(m, "br omrprefix local"), omr2, sizeof(omr2));
    assert_string_equal(omr1, omr2);
    expect_a(m, "nat64 cidr", "192.168.7.0/24\nDone\n");
    expect_a(m, "nat64 state", "PrefixManager: Disabled\nTranslator: Disabled\nDone\n");
    expect_a(m, "nat64 enable", "Done\n");
    br_agent_free(m->agent);
    agent_new(m, true);
    expect_a(m, "nat64 state", "PrefixManager: NotRunning\nTranslator: NotRunning\nDone\n");
}

/* --form on a fresh start; a saved dataset rejoins without it. */
static void test_autostart(void **state)
{
    struct medium *m = medium_new(true, true);

    (void)state;
    assert_int_equal(br_agent_autostart(m->agent, false, m->now), TNODE_OK);
    run(m, 1000);
    expect_a(m, "state", "disabled\nDone\n");
    assert_int_equal(br_agent_autostart(m->agent, true, m->now), TNODE_OK);
    run(m, 15000);
    expect_a(m, "state", "leader\nDone\n");
    br_agent_free(m->agent);
    agent_new(m, true);
    expect_a(m, "state", "disabled\nDone\n");
    assert_int_equal(br_agent_autostart(m->agent, false, m->now), TNODE_OK);
    run(m, 15000);
    expect_a(m, "state", "leader\nDone\n");
    run(m, 5000);
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
}

/* Host-side input the agent must refuse without harm. */
static void test_host_input_hostile(void **state)
{
    struct medium *m = medium_new(true, false);
    uint8_t junk[64];
    const struct br_agent_counters *c;

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
    c = br_agent_counters(m->agent);
    assert_int_equal(c->tun_rx, 5);
    assert_int_equal(c->tun_rx_bad, 2);
    assert_int_equal(c->tun_rx_ip4_dropped, 2);
    assert_int_equal(c->mesh_tx_errors, 1);
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
