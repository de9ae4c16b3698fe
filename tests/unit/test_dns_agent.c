/*
 * DNS through the border router core (src/br/agent.c + src/dns/dns_server.c)
 * and the device's DNS client (src/cli/node_cli.c `dns ...`): the agent and
 * a device on a small simulated medium (virtual time, no sockets), the
 * upstream resolver replaced by the agent's dns_upstream_tx hook answering
 * from a tiny zone. resolve (AAAA), resolve4 (A -> NAT64 synthesis), the
 * automatic A fallback, ipv4only.arpa. answered locally, forwarding
 * disabled (REFUSED, local names still answered), a silent upstream
 * (SERVFAIL within the device's timeout) and the device's own timeout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
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
#include "cli/srp_glue.h"
#include "dns/dns_msg.h"
#include "dns/srp.h"
#include "platform/settings.h"
#include "util/addr.h"

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

struct upq {
    uint32_t txn;
    uint8_t msg[512];
    size_t len;
    uint8_t addr[16];
    uint16_t port;
};

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
    struct srp_node dsrp; /* the device's SRP client (auto-start) */
    struct capture acap, dcap;
    /* the IPv4 host: echo replies waiting to enter through the TUN side */
    struct hostpkt hq[HOSTQ];
    unsigned hq_n;
    unsigned host_ip4_seen, host_ip6_seen;
    char state_dir[64];
    struct settings *settings;
    /* the fake upstream resolver (the agent's dns_upstream_tx hook) */
    struct upq q_up[HOSTQ];
    unsigned up_n;
    unsigned up_queries;
    bool up_silent;
    uint8_t up_last_addr[16];
    uint16_t up_last_port;
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

/* Set: the next agent reads its resolvers from this file. */
static const char *resolv_path;

/* 192.0.2.53 as the agent keeps it (::ffff:c000:235), port 53. */
static const struct dns_upstream_addr upstream = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 53}, 53};

/* The agent sends an upstream query: kept for the loop to answer (or not). */
static void up_tx(void *user, uint32_t txn, bool tcp, const uint8_t addr[16], uint16_t port,
                  const uint8_t *msg, size_t len)
{
    struct station *t = user;
    struct medium *m = t->m;
    struct upq *q;

    assert_false(tcp);
    m->up_queries++;
    memcpy(m->up_last_addr, addr, 16);
    m->up_last_port = port;
    if (m->up_silent || m->up_n >= HOSTQ || len > sizeof(q->msg))
        return;
    q = &m->q_up[m->up_n++];
    q->txn = txn;
    memcpy(q->msg, msg, len);
    q->len = len;
    memcpy(q->addr, addr, 16);
    q->port = port;
}

/* The zone: example.com A 192.0.2.2 + AAAA 2001:db8::2; v4only.example
 * A 192.0.2.3 only; anything else NXDOMAIN. */
static size_t up_answer(const uint8_t *qmsg, size_t qlen, uint8_t *out, size_t cap)
{
    static const uint8_t a1[4] = {192, 0, 2, 2}, a2[4] = {192, 0, 2, 3};
    static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    struct dns_msg_info info;
    struct dns_builder b;
    struct dns_name ex, v4;
    size_t len = 0;
    bool is_ex, is_v4;

    assert_int_equal(dns_msg_parse(qmsg, qlen, &info), DNS_OK);
    assert_true(info.has_question);
    assert_int_equal(dns_name_from_text("example.com.", &ex), DNS_OK);
    assert_int_equal(dns_name_from_text("v4only.example.", &v4), DNS_OK);
    is_ex = dns_name_equal(&info.q.name, &ex);
    is_v4 = dns_name_equal(&info.q.name, &v4);
    dns_build_init(&b, out, cap, info.hdr.id,
                   (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RA | (info.hdr.flags & DNS_FLAG_RD) |
                              (is_ex || is_v4 ? 0 : 3)));
    dns_build_question(&b, &info.q.name, info.q.type, info.q.cls);
    if (is_ex && info.q.type == 28)
        dns_build_aaaa(&b, DNS_SECTION_ANSWER, &info.q.name, 300, aaaa);
    if (is_ex && info.q.type == 1)
        dns_build_a(&b, DNS_SECTION_ANSWER, &info.q.name, 300, a1);
    if (is_v4 && info.q.type == 1)
        dns_build_a(&b, DNS_SECTION_ANSWER, &info.q.name, 120, a2);
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    return len;
}

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
    cfg.dns_upstreams = &upstream;
    cfg.dns_n_upstreams = 1;
    if (resolv_path != NULL) {
        cfg.dns_n_upstreams = 0;
        cfg.resolv_conf = resolv_path;
    }
    cfg.dns_upstream_tx = up_tx;
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

        snprintf(m->state_dir, sizeof(m->state_dir), "/tmp/test_dns_agent.XXXXXX");
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
    assert_int_equal(srp_node_init(&m->dsrp, m->dev, NULL, rnd, &m->st[1], m->now), 0);
    m->dcli.srp = &m->dsrp.client;
    capture_open(&m->acap);
    capture_open(&m->dcap);
    return m;
}

static void medium_free(struct medium *m)
{
    br_agent_free(m->agent);
    srp_node_free(&m->dsrp);
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
        for (unsigned i = 0; i < m->up_n; i++) {
            uint8_t ans[1232];
            size_t n = up_answer(m->q_up[i].msg, m->q_up[i].len, ans, sizeof(ans));

            br_agent_dns_upstream_input(m->agent, m->q_up[i].txn, ans, n, m->q_up[i].addr,
                                        m->q_up[i].port, m->now);
        }
        m->up_n = 0;
        br_agent_process(m->agent, m->now);
        tnode_process(m->dev, m->now);
        node_cli_process(&m->dcli, m->now);
        srp_node_process(&m->dsrp, m->now);
        if (m->count > 0 || m->hq_n > 0 || m->up_n > 0)
            continue;
        next = br_agent_next_timeout_ms(m->agent, m->now);
        t = tnode_next_timeout_ms(m->dev, m->now);
        if (t >= 0 && (next < 0 || t < next))
            next = t;
        t = node_cli_next_timeout_ms(&m->dcli, m->now);
        if (t >= 0 && (next < 0 || t < next))
            next = t;
        t = srp_node_next_timeout_ms(&m->dsrp, m->now);
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

/* The NAT64 /96 prefix text without "::/96" (e.g. "fdxx:xxxx:xxxx:2:0:0"). */
static void nat64_base(struct medium *m, char *out, size_t cap)
{
    char p[64];

    first_line(acmd(m, "br nat64prefix local"), p, sizeof(p));
    assert_non_null(strstr(p, "::/96"));
    assert_true(strlen(p) - 5 < cap);
    memcpy(out, p, strlen(p) - 5);
    out[strlen(p) - 5] = '\0';
}

static struct medium *setup_network(void)
{
    struct medium *m = medium_new(true, true);

    form(m);
    expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    join(m);
    run(m, 3000);
    return m;
}

/* Waits until the device's pending command printed its result. */
static const char *wait_result(struct medium *m, uint64_t max_ms)
{
    for (uint64_t t = 0; t < max_ms && node_cli_pending(&m->dcli); t += 100)
        run(m, 100);
    assert_false(node_cli_pending(&m->dcli));
    return capture_take(&m->dcap);
}

static void test_service_and_config(void **state)
{
    struct medium *m = setup_network();
    struct tnode_addr ad[16];
    size_t n = tnode_addrs(br_agent_node(m->agent), ad, 16);
    char mleid[ADDR_STR6], want[256], hex[64], rloc[16];
    const char *o;
    uint8_t addr[16];

    (void)state;
    mleid[0] = '\0';
    for (size_t i = 0; i < n && i < 16; i++) {
        if (ad[i].kind == TNODE_ADDR_MLEID) {
            addr_fmt6_ot(ad[i].addr, mleid);
            for (int k = 0; k < 16; k++)
                snprintf(hex + 2 * k, 3, "%02x", ad[i].addr[k]);
        }
    }
    assert_true(mleid[0] != '\0');
    /* The codelab's `44970 5d <ML-EID><port> s <rloc16>` (port 53535). */
    first_line(acmd(m, "rloc16"), rloc, sizeof(rloc));
    snprintf(want, sizeof(want), "Services:\n44970 5d %sd11f s %s ", hex, rloc);
    o = dcmd(m, "netdata show");
    if (strstr(o, want) == NULL)
        fail_msg("netdata: '%s' lacks '%s'", o, want);
    assert_true(node_cli_dns_default_server(m->dev, addr));

    snprintf(want, sizeof(want),
             "Server: [%s]:53\nResponseTimeout: 7000 ms\nMaxTxAttempts: 3\n"
             "RecursionDesired: yes\nServiceMode: srv_txt_opt\nNat64Mode: allow\nDone\n",
             mleid);
    assert_string_equal(dcmd(m, "dns config"), want);
    assert_string_equal(dcmd(m, "dns config fd00::1 1234 5000 2 0"), "Done\n");
    assert_string_equal(dcmd(m, "dns config"),
                        "Server: [fd00:0:0:0:0:0:0:1]:1234\nResponseTimeout: 5000 ms\n"
                        "MaxTxAttempts: 2\nRecursionDesired: no\nServiceMode: srv_txt_opt\n"
                        "Nat64Mode: allow\nDone\n");
    /* Back to the defaults (the Network Data's server). */
    assert_string_equal(dcmd(m, "dns config ::"), "Done\n");
    assert_string_equal(dcmd(m, "dns config"), want);

    /* The BR command. */
    expect_a(m, "dns server upstream", "Enabled\nDone\n");
    expect_a(m, "dns server", "Error 7: InvalidArgs\n");
    expect_a(m, "dns server foo", "Error 35: InvalidCommand\n");
    expect_a(m, "dns server upstream maybe", "Error 35: InvalidCommand\n");
}

static void test_resolve(void **state)
{
    struct medium *m = setup_network();
    char pfx[64], want[256];
    const char *o;

    (void)state;
    nat64_base(m, pfx, sizeof(pfx));
    assert_string_equal(dcmd(m, "dns resolve example.com"), "");
    assert_true(node_cli_pending(&m->dcli));
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_true(m->up_queries >= 1);
    assert_int_equal(m->up_last_port, 53);
    assert_memory_equal(m->up_last_addr, upstream.addr, 16);

    /* resolve4: the A answer synthesized with the NAT64 prefix. */
    dcmd(m, "dns resolve4 example.com");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want), "DNS response for example.com. - %s:c000:202 TTL:300 \nDone\n",
             pfx);
    assert_string_equal(o, want);

    /* AAAA NODATA: the client asks again for A (OpenThread's NAT64 fallback). */
    dcmd(m, "dns resolve v4only.example");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want), "DNS response for v4only.example. - %s:c000:203 TTL:120 \nDone\n",
             pfx);
    assert_string_equal(o, want);

    /* NXDOMAIN: no fallback. */
    dcmd(m, "dns resolve nosuch.example");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for nosuch.example. - Error 23: NotFound\n");

    /* An IPv4 server is synthesized first (the query goes to the NAT64
     * address: out through the translator to the host hook, not answered). */
    o = dcmd(m, "dns resolve4 example.com 192.0.2.53 53 1000 1");
    snprintf(want, sizeof(want), "Synthesized IPv6 DNS server address: %s:c000:235\n", pfx);
    assert_string_equal(o, want);
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - Error 28: ResponseTimeout\n");
    assert_true(m->host_ip4_seen >= 1);

    /* Bad arguments. */
    assert_string_equal(dcmd(m, "dns resolve"), "Error 7: InvalidArgs\n");
    assert_string_equal(dcmd(m, "dns resolve a..b"), "Error 7: InvalidArgs\n");
}

static void test_ipv4only_and_disabled(void **state)
{
    struct medium *m = setup_network();
    char pfx[64], want[256];
    const char *o;
    unsigned before;

    (void)state;
    nat64_base(m, pfx, sizeof(pfx));
    before = m->up_queries;
    dcmd(m, "dns resolve ipv4only.arpa");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want),
             "DNS response for ipv4only.arpa. - %s:c000:aa TTL:300 %s:c000:ab TTL:300 \nDone\n",
             pfx, pfx);
    assert_string_equal(o, want);
    assert_int_equal(m->up_queries, before);

    expect_a(m, "dns server upstream disable", "Done\n");
    expect_a(m, "dns server upstream", "Disabled\nDone\n");
    dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    /* REFUSED for AAAA, the A fallback REFUSED too: Security. */
    assert_string_equal(o, "DNS response for example.com. - Error 8: Security\n");
    assert_int_equal(m->up_queries, before);
    dcmd(m, "dns resolve ipv4only.arpa");
    o = wait_result(m, 3000);
    assert_string_equal(o, want);

    /* Persisted: a new agent on the same settings starts disabled. */
    br_agent_free(m->agent);
    agent_new(m, true);
    expect_a(m, "dns server upstream", "Disabled\nDone\n");
    expect_a(m, "dns server upstream enable", "Done\n");
    expect_a(m, "dns server upstream", "Enabled\nDone\n");
}

static void test_upstream_silent(void **state)
{
    struct medium *m = setup_network();
    uint64_t t0;
    const char *o;
    uint8_t ml[16];
    char line[128], buf[ADDR_STR6];

    (void)state;
    m->up_silent = true;
    t0 = m->now;
    dcmd(m, "dns resolve4 example.com");
    o = wait_result(m, 7000);
    /* The BR answers SERVFAIL when its budget (5 s) runs out: before the
     * device's 7 s ResponseTimeout. */
    assert_string_equal(o, "DNS response for example.com. - Error 1: Failed\n");
    assert_true(m->now - t0 <= 6000);
    assert_true(dns_server_counter(br_agent_dns(m->agent), DNS_SERVER_CNT_SERVFAIL_TIMEOUT) >= 1);

    /* The device's own timeout and retries: a port nobody serves. */
    assert_true(node_cli_dns_default_server(m->dev, ml));
    snprintf(line, sizeof(line), "dns resolve4 example.com %s 5353 1000 2", addr_fmt6_ot(ml, buf));
    t0 = m->now;
    assert_string_equal(dcmd(m, line), "");
    o = wait_result(m, 5000);
    assert_string_equal(o, "DNS response for example.com. - Error 28: ResponseTimeout\n");
    assert_true(m->now - t0 >= 2000 && m->now - t0 <= 2600);

    /* The resolver is back. */
    m->up_silent = false;
    dcmd(m, "dns resolve example.com");
    o = wait_result(m, 7000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
}

/* A query from outside the Thread network (the host side, 2001:db8::99)
 * to the BR's ML-EID port 53: dropped and counted, never answered. */
static void test_not_thread_source(void **state)
{
    struct medium *m = setup_network();
    uint8_t pkt[128], q[64], ml[16];
    struct dns_builder b;
    struct dns_name nm;
    size_t qlen = 0, ulen;
    uint32_t sum = 0;
    uint64_t before6;
    const struct dns_server *d = br_agent_dns(m->agent);

    (void)state;
    assert_true(node_cli_dns_default_server(m->dev, ml));
    assert_int_equal(dns_name_from_text("example.com.", &nm), DNS_OK);
    dns_build_init(&b, q, sizeof(q), 0x1234, DNS_FLAG_RD);
    dns_build_question(&b, &nm, 28, 1);
    assert_int_equal(dns_build_finish(&b, &qlen), DNS_OK);
    ulen = 8 + qlen;
    memset(pkt, 0, sizeof(pkt));
    pkt[0] = 0x60;
    pkt[4] = (uint8_t)(ulen >> 8);
    pkt[5] = (uint8_t)ulen;
    pkt[6] = 17;
    pkt[7] = 64;
    assert_true(addr_parse6("2001:db8::99", pkt + 8));
    memcpy(pkt + 24, ml, 16);
    pkt[40] = 0x30;
    pkt[41] = 0x39; /* 12345 */
    pkt[43] = 53;
    pkt[44] = (uint8_t)(ulen >> 8);
    pkt[45] = (uint8_t)ulen;
    memcpy(pkt + 48, q, qlen);
    for (size_t i = 8; i < 40; i += 2)
        sum += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
    sum += (uint32_t)ulen + 17;
    for (size_t i = 40; i < 40 + ulen; i += 2)
        sum += (uint32_t)(pkt[i] << 8 | (i + 1 < 40 + ulen ? pkt[i + 1] : 0));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    sum = ~sum & 0xffff;
    pkt[46] = (uint8_t)(sum >> 8);
    pkt[47] = (uint8_t)sum;
    before6 = m->host_ip6_seen;
    br_agent_host_input(m->agent, pkt, 40 + ulen, m->now);
    run(m, 2000);
    assert_int_equal(dns_server_counter(d, DNS_SERVER_CNT_DROP_NOT_THREAD), 1);
    assert_int_equal(m->up_queries, 0);
    assert_int_equal(m->host_ip6_seen, before6);
}

/* `srp server ...` on the agent: state, port, domain, lease, enable/disable
 * (the DNS/SRP service leaves and comes back to Network Data). */
static void test_srp_server_cli(void **state)
{
    struct medium *m = setup_network();

    (void)state;
    expect_a(m, "srp server state", "running\nDone\n");
    expect_a(m, "srp server port", "53535\nDone\n");
    expect_a(m, "srp server domain", "default.service.arpa.\nDone\n");
    expect_a(m, "srp server host", "Done\n");
    expect_a(m, "srp server service", "Done\n");
    expect_a(m, "srp server lease",
             "min lease: 30\nmax lease: 97200\nmin key-lease: 30\nmax key-lease: 680400\nDone\n");
    expect_a(m, "srp server lease 1800 7200 86400 1209600", "Done\n");
    expect_a(m, "srp server lease",
             "min lease: 1800\nmax lease: 7200\nmin key-lease: 86400\nmax key-lease: 1209600\n"
             "Done\n");
    expect_a(m, "srp server lease 7200 1800 86400 1209600", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server lease 1800 7200 86400", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server lease 1800 7200 86400 99999999", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server lease x 7200 86400 1209600", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server host extra", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server", "Error 35: InvalidCommand\n");
    expect_a(m, "srp server foo", "Error 35: InvalidCommand\n");

    assert_non_null(strstr(dcmd(m, "netdata show"), "\n44970 5d "));
    expect_a(m, "srp server disable", "Done\n");
    expect_a(m, "srp server state", "disabled\nDone\n");
    run(m, 5000);
    assert_null(strstr(dcmd(m, "netdata show"), "\n44970 5d "));
    expect_a(m, "srp server enable", "Done\n");
    run(m, 5000);
    expect_a(m, "srp server state", "running\nDone\n");
    assert_non_null(strstr(dcmd(m, "netdata show"), "\n44970 5d "));
}

/* Hostile datagrams to the SRP port and UPDATEs on the DNS port: each
 * counted under its reason, answered when a header allows it, never a
 * registration. */
static void test_srp_hostile(void **state)
{
    struct medium *m = setup_network();
    const struct br_srp *srp = br_agent_srp(m->agent);
    uint8_t ml[16];
    char a[ADDR_STR6], line[256];
    static const char *const bad[] = {
        "0102",                         /* short */
        "12342800000100000000000000ff", /* UPDATE, zone name cut */
        "1234a8000000000000000000",     /* a response: never answered */
        "123428000001000000010000"
        "00000600"
        "01", /* zone root, cut update section */
    };

    (void)state;
    assert_true(node_cli_dns_default_server(m->dev, ml));
    addr_fmt6_ot(ml, a);
    assert_string_equal(dcmd(m, "udp open"), "Done\n");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(line, sizeof(line), "udp send %s 53535 -x %s", a, bad[i]);
        node_cli_run_line(&m->dcli, line, m->now, m->dcap.f);
        run(m, 500);
    }
    /* An UPDATE to the DNS port goes to the SRP server. */
    snprintf(line, sizeof(line), "udp send %s 53 -x 12342800000100000000000000", a);
    node_cli_run_line(&m->dcli, line, m->now, m->dcap.f);
    run(m, 1000);
    assert_int_equal(srp->rx, 5);
    assert_int_equal(srp->drops[BR_SRP_DROP_SHORT], 1);
    assert_int_equal(srp->drops[BR_SRP_DROP_RESPONSE], 1);
    assert_int_equal(srp->results[SRP_ERR_OK], 0);
    assert_int_equal(srp->replies, 3);
    assert_null(srp_registry_next_host(&srp->reg, NULL));
    /* the device got the three FORMERR/NOTZONE-style answers on its socket */
    {
        const char *o = capture_take(&m->dcap);
        unsigned n = 0;

        for (const char *p = strstr(o, "bytes from "); p != NULL; p = strstr(p + 1, "bytes from "))
            n++;
        assert_int_equal(n, 3);
        n = 0;
        for (const char *p = strstr(o, "Done\n"); p != NULL; p = strstr(p + 1, "Done\n"))
            n++;
        assert_int_equal(n, 5);
    }
    expect_a(m, "state", "leader\nDone\n");
    {
        const char *o = acmd(m, "srp server counters");

        assert_non_null(strstr(o, "rx: 5\n"));
        assert_non_null(strstr(o, "drop-short: 1\n"));
        assert_non_null(strstr(o, "drop-response: 1\n"));
    }
}

/* The line of `ipaddr` that is in the OMR prefix (the device's SLAAC address). */
static void omr_addr(struct medium *m, char *out, size_t cap)
{
    char omr[64], *slash;
    const char *o = dcmd(m, "ipaddr");
    size_t plen;

    first_line(acmd(m, "br omrprefix local"), omr, sizeof(omr));
    slash = strstr(omr, "::/64");
    assert_non_null(slash);
    *slash = '\0';
    plen = strlen(omr);
    for (const char *p = o; *p != '\0';) {
        size_t n = strcspn(p, "\n");

        if (n > plen && strncmp(p, omr, plen) == 0 && p[plen] == ':') {
            assert_true(n < cap);
            memcpy(out, p, n);
            out[n] = '\0';
            return;
        }
        p += n + (p[n] != '\0');
    }
    fail_msg("no OMR address in '%s'", o);
}

/* A device registers with its SRP client (auto-started from Network Data):
 * the agent lists the host and the service, its DNS server answers for the
 * host, leases run out on the server, and registrations outlive an agent
 * restart. */
static void test_srp_registration(void **state)
{
    struct medium *m = setup_network();
    char addr[64], want[512];
    const char *o;

    (void)state;
    /* short leases: the client renews at half the lease (< 2 x guard) */
    expect_a(m, "srp server lease 30 30 40 40", "Done\n");
    assert_string_equal(dcmd(m, "srp client state"), "Enabled\nDone\n");
    assert_string_equal(dcmd(m, "srp client host name dev1"), "Done\n");
    assert_string_equal(dcmd(m, "srp client service add ins1 _test._udp 12345 1 2"), "Done\n");
    run(m, 5000);
    assert_string_equal(dcmd(m, "srp client host"),
                        "name:\"dev1\", state:Registered, addrs:auto\nDone\n");
    run(m, 20000); /* renewed once at least */
    assert_true(br_agent_srp(m->agent)->results[SRP_ERR_OK] >= 2);
    assert_string_equal(dcmd(m, "srp client service"),
                        "instance:\"ins1\", name:\"_test._udp\", state:Registered, port:12345, "
                        "priority:1, weight:2\nDone\n");
    omr_addr(m, addr, sizeof(addr));
    snprintf(want, sizeof(want),
             "dev1.default.service.arpa.\n    deleted: false\n    addresses: [%s]\nDone\n", addr);
    expect_a(m, "srp server host", want);
    o = acmd(m, "srp server service");
    assert_non_null(strstr(o, "ins1._test._udp.default.service.arpa.\n    deleted: false\n"));
    assert_non_null(strstr(o, "    port: 12345\n    priority: 1\n    weight: 2\n"));
    assert_non_null(strstr(o, "    host: dev1.default.service.arpa.\n"));

    /* The BR's DNS server answers from the registry (never upstream). */
    dcmd(m, "dns resolve dev1.default.service.arpa");
    o = wait_result(m, 8000);
    snprintf(want, sizeof(want), "DNS response for dev1.default.service.arpa. - %s TTL:", addr);
    if (strncmp(o, want, strlen(want)) != 0)
        fail_msg("resolve: '%s', want '%s...'", o, want);
    assert_int_equal(m->up_queries, 0);

    /* Restart the agent on the same settings: the registration is back
     * before the device says anything. */
    br_agent_free(m->agent);
    agent_new(m, true);
    snprintf(want, sizeof(want),
             "dev1.default.service.arpa.\n    deleted: false\n    addresses: [%s]\nDone\n", addr);
    expect_a(m, "srp server host", want);
    assert_non_null(strstr(acmd(m, "srp server service"), "ins1._test._udp.default.service.arpa."));

    /* The device stops renewing: the lease runs out on the server
     * (deleted, name kept), then the key lease (gone). */
    assert_string_equal(dcmd(m, "srp client stop"), "Done\n");
    assert_string_equal(dcmd(m, "srp client state"), "Disabled\nDone\n");
    run(m, 31000);
    o = acmd(m, "srp server host");
    assert_non_null(strstr(o, "dev1.default.service.arpa.\n    deleted: true\n"));
    run(m, 10000);
    expect_a(m, "srp server host", "Done\n");
}

/* Anycast address mode: the agent publishes `44970 5c<seq>`, holds the
 * service ALOC, and the device's SRP and DNS clients use it on port 53. */
static void test_srp_anycast(void **state)
{
    struct medium *m = setup_network();
    char aloc[64], want[256], *p;
    const char *o;

    (void)state;
    expect_a(m, "srp server addrmode", "unicast\nDone\n");
    expect_a(m, "srp server addrmode anycast", "Error 13: InvalidState\n");
    expect_a(m, "srp server seqnum 7", "Error 13: InvalidState\n");
    expect_a(m, "srp server disable", "Done\n");
    expect_a(m, "srp server addrmode foo", "Error 7: InvalidArgs\n");
    expect_a(m, "srp server addrmode anycast", "Done\n");
    expect_a(m, "srp server seqnum 7", "Done\n");
    expect_a(m, "srp server seqnum", "7\nDone\n");
    expect_a(m, "srp server addrmode", "anycast\nDone\n");
    expect_a(m, "srp server enable", "Done\n");
    expect_a(m, "srp server port", "53\nDone\n");
    run(m, 5000);
    expect_a(m, "srp server state", "running\nDone\n");
    o = dcmd(m, "netdata show");
    if (strstr(o, "\n44970 5c07 ") == NULL || strstr(o, "\n44970 5d ") != NULL)
        fail_msg("netdata: '%s'", o);

    /* The device picks the service ALOC (mesh-local prefix :0:ff:fe00:fc1x), port 53. */
    first_line(dcmd(m, "srp client server"), aloc, sizeof(aloc));
    p = strstr(aloc, ":0:ff:fe00:fc1");
    if (aloc[0] != '[' || p == NULL || strcmp(p + strlen(":0:ff:fe00:fc1") + 1, "]:53") != 0)
        fail_msg("srp client server: '%s'", aloc);
    p[strlen(":0:ff:fe00:fc1") + 1] = '\0';
    snprintf(want, sizeof(want), "\n%s\n", aloc + 1);
    o = acmd(m, "ipaddr"); /* the agent holds the ALOC */
    if (strstr(o, want) == NULL)
        fail_msg("agent ipaddr '%s' lacks '%s'", o, want + 1);
    snprintf(want, sizeof(want), "Server: [%s]:53\n", aloc + 1);
    assert_non_null(strstr(dcmd(m, "dns config"), want));

    assert_string_equal(dcmd(m, "srp client host name dev2"), "Done\n");
    assert_string_equal(dcmd(m, "srp client service add ins2 _test._udp 4000"), "Done\n");
    run(m, 5000);
    assert_string_equal(dcmd(m, "srp client host"),
                        "name:\"dev2\", state:Registered, addrs:auto\nDone\n");
    assert_non_null(strstr(acmd(m, "srp server host"), "dev2.default.service.arpa.\n"));
    dcmd(m, "dns resolve dev2.default.service.arpa");
    o = wait_result(m, 8000);
    assert_non_null(strstr(o, "DNS response for dev2.default.service.arpa. - "));
    assert_non_null(strstr(o, "Done\n"));

    /* A socket connected to the ALOC (as OpenThread's SRP client's) gets
     * the answers: a forwarded query's comes later, from the ALOC too. */
    snprintf(want, sizeof(want), "udp connect %s 53", aloc + 1);
    assert_string_equal(dcmd(m, "udp open"), "Done\n");
    assert_string_equal(dcmd(m, want), "Done\n");
    assert_string_equal(
        dcmd(m, "udp send -x 424201000001000000000000076578616d706c6503636f6d00001c0001"),
        "Done\n");
    run(m, 2000);
    assert_int_equal(m->up_queries > 0, 1);
    snprintf(want, sizeof(want), " bytes from %s 53 ", aloc + 1);
    o = capture_take(&m->dcap);
    if (strstr(o, want) == NULL)
        fail_msg("no answer from the ALOC: '%s'", o);
    assert_string_equal(dcmd(m, "udp close"), "Done\n");

    /* Back to unicast: the 5d entry returns and the ALOC goes. */
    expect_a(m, "srp server disable", "Done\n");
    expect_a(m, "srp server addrmode unicast", "Done\n");
    expect_a(m, "srp server enable", "Done\n");
    run(m, 5000);
    o = dcmd(m, "netdata show");
    assert_non_null(strstr(o, "\n44970 5d "));
    assert_null(strstr(o, "\n44970 5c"));
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_resolv_conf(void **state)
{
    char path[] = "/tmp/test_dns_agent_resolv.XXXXXX";
    int fd = mkstemp(path);
    struct medium *m;
    uint8_t want4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7}, want6[16];
    const char *o;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# test\nsearch example\nnameserver 198.51.100.7\n");
    resolv_path = path;
    m = setup_network();
    resolv_path = NULL;
    dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_memory_equal(m->up_last_addr, want4, 16);

    /* Changed: read again within BR_AGENT_DNS_RESOLV_CHECK_MS. */
    write_file(path, "nameserver 2001:db8::53 # v6 now\n");
    run(m, BR_AGENT_DNS_RESOLV_CHECK_MS + 500);
    dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_true(addr_parse6("2001:db8::53", want6));
    assert_memory_equal(m->up_last_addr, want6, 16);
    assert_true(br_agent_counters(m->agent)->dns_resolv_reads >= 2);

    /* Gone: no resolver, SERVFAIL at once. */
    unlink(path);
    run(m, BR_AGENT_DNS_RESOLV_CHECK_MS + 500);
    dcmd(m, "dns resolve4 example.com");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - Error 1: Failed\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_service_and_config, teardown),
        cmocka_unit_test_teardown(test_resolve, teardown),
        cmocka_unit_test_teardown(test_ipv4only_and_disabled, teardown),
        cmocka_unit_test_teardown(test_upstream_silent, teardown),
        cmocka_unit_test_teardown(test_resolv_conf, teardown),
        cmocka_unit_test_teardown(test_not_thread_source, teardown),
        cmocka_unit_test_teardown(test_srp_server_cli, teardown),
        cmocka_unit_test_teardown(test_srp_hostile, teardown),
        cmocka_unit_test_teardown(test_srp_registration, teardown),
        cmocka_unit_test_teardown(test_srp_anycast, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
