/*
 * DNS through the border router core (src/br/agent.c + src/dns/dns_server.c)
 * and the device's DNS client (src/cli/node_cli.c `dns ...`): the agent and
 * a device on a small simulated medium (virtual time, no sockets), the
 * upstream resolver replaced by a fake resolver_sock_ops table answering
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
#include "svc/srp_node.h"
#include "dns/dns_msg.h"
#include "dns/srp.h"
#include "support/br_medium.h"
#include "util/addr.h"

/* ---- the agent and a device on the simulated medium (tests/support/br_medium.h) ---- */

struct upq {
    uint32_t txn;
    uint8_t msg[512];
    size_t len;
    uint8_t addr[16];
    uint16_t port;
};

/* This test's additions to the harness (its user, reached by ext()). */
struct extras {
    struct srp_node dsrp; /* the device's SRP client (auto-start) */
    /* the fake upstream resolver (fake_resolver, the agent's resolver_ops) */
    struct upq q_up[TM_HOSTQ];
    unsigned up_n;
    unsigned up_queries;
    unsigned up_cancels;
    bool up_silent;
    uint8_t up_last_addr[16];
    uint16_t up_last_port;
};

static struct extras *ext(struct tm_br *m)
{
    return m->user;
}

static struct tm_br *cur;

/* Set: the next agent reads its resolvers from this file. */
static const char *resolv_path;

/* 192.0.2.53 as the agent keeps it (::ffff:c000:235), port 53. */
static const struct dns_upstream_addr upstream = {
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 53}, 53};

/* The agent sends an upstream query: kept for the loop to answer (or not). */
static int up_send(void *rs, uint32_t txn, bool tcp, const uint8_t addr[16], uint16_t port,
                   const uint8_t *msg, size_t len, char *err, size_t errlen)
{
    struct extras *x = ext(rs);
    struct upq *q;

    (void)err;
    (void)errlen;
    assert_false(tcp);
    x->up_queries++;
    memcpy(x->up_last_addr, addr, 16);
    x->up_last_port = port;
    if (x->up_silent || x->up_n >= TM_HOSTQ || len > sizeof(q->msg))
        return 0;
    q = &x->q_up[x->up_n++];
    q->txn = txn;
    memcpy(q->msg, msg, len);
    q->len = len;
    memcpy(q->addr, addr, 16);
    q->port = port;
    return 0;
}

/* An attempt ends: its queued query (if not answered yet) is dropped. */
static void up_cancel(void *rs, uint32_t txn)
{
    struct extras *x = ext(rs);
    unsigned k = 0;

    x->up_cancels++;
    for (unsigned i = 0; i < x->up_n; i++)
        if (x->q_up[i].txn != txn)
            x->q_up[k++] = x->q_up[i];
    x->up_n = k;
}

static const struct resolver_sock_ops fake_resolver = {up_send, up_cancel};

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

static void agent_cfg(struct tm_br *m, struct br_agent_cfg *cfg)
{
    cfg->dns_upstreams = &upstream;
    cfg->dns_n_upstreams = 1;
    if (resolv_path != NULL) {
        cfg->dns_n_upstreams = 0;
        cfg->resolv_conf = resolv_path;
        cfg->file_ops = &textfile_linux_ops;
    }
    cfg->resolver_ops = &fake_resolver;
    cfg->resolver = m;
}

/* One "<name>: <n>" line of a counters command's output. */
static unsigned long long counter(struct tm_br *m, const char *cmd, const char *name)
{
    const char *o = tm_br_acmd(m, cmd);
    char key[64];
    const char *p;

    snprintf(key, sizeof(key), "%s: ", name);
    for (p = o; (p = strstr(p, key)) != NULL; p++)
        if (p == o || p[-1] == '\n')
            return strtoull(p + strlen(key), NULL, 10);
    fail_msg("no '%s' in '%s' output '%s'", name, cmd, o);
    return 0;
}

/* The upstream's answers, after the host packets. */
static void deliver(struct tm_br *m, uint64_t now)
{
    struct extras *x = ext(m);

    while (x->up_n > 0) {
        struct upq q = x->q_up[0];
        uint8_t ans[1232];
        size_t n = up_answer(q.msg, q.len, ans, sizeof(ans));

        memmove(x->q_up, x->q_up + 1, (x->up_n - 1) * sizeof(x->q_up[0]));
        x->up_n--;
        br_agent_dns_upstream_rx(m->agent, q.txn, ans, n, q.addr, q.port, 0, now);
    }
}

/* The device's CLI (pending DNS queries) and SRP client. */
static void process(struct tm_br *m, uint64_t now)
{
    node_cli_process(&m->dcli, now);
    srp_node_process(&ext(m)->dsrp, now);
}

static bool busy(struct tm_br *m)
{
    return ext(m)->up_n > 0;
}

static int64_t next_timeout(struct tm_br *m, uint64_t now)
{
    return tm_min_timeout(node_cli_next_timeout_ms(&m->dcli, now),
                          srp_node_next_timeout_ms(&ext(m)->dsrp, now));
}

static const struct tm_br_hooks hooks = {
    .agent_cfg = agent_cfg,
    .deliver = deliver,
    .process = process,
    .busy = busy,
    .next_timeout = next_timeout,
};

static struct tm_br *medium_new(bool assume_return_path, bool with_settings)
{
    struct extras *x = calloc(1, sizeof(*x));
    struct tm_br *m;

    assert_non_null(x);
    m = tm_br_new(assume_return_path, with_settings ? "test_dns_agent" : NULL, &hooks, x);
    cur = m;
    assert_int_equal(srp_node_init(&x->dsrp, m->dev, NULL, tm_random, &m->air.st[1]), 0);
    m->dcli.srp = &x->dsrp.client;
    return m;
}

static void medium_free(struct tm_br *m)
{
    struct extras *x = ext(m);

    srp_node_free(&x->dsrp);
    tm_br_free(m);
    free(x);
    cur = NULL;
}

static int teardown(void **state)
{
    (void)state;
    if (cur != NULL)
        medium_free(cur);
    return 0;
}

/* ---- tests ------------------------------------------------------------------------ */

/* The NAT64 /96 prefix text without "::/96" (e.g. "fdxx:xxxx:xxxx:2:0:0"). */
static void nat64_base(struct tm_br *m, char *out, size_t cap)
{
    char p[64];

    tm_first_line(tm_br_acmd(m, "br nat64prefix local"), p, sizeof(p));
    assert_non_null(strstr(p, "::/96"));
    assert_true(strlen(p) - 5 < cap);
    memcpy(out, p, strlen(p) - 5);
    out[strlen(p) - 5] = '\0';
}

static struct tm_br *setup_network(void)
{
    struct tm_br *m = medium_new(true, true);

    tm_br_form(m);
    tm_br_expect_a(m, "nat64 state", "PrefixManager: Active\nTranslator: Active\nDone\n");
    tm_br_join(m);
    tm_br_run(m, 3000);
    return m;
}

/* Waits until the device's pending command printed its result. */
static const char *wait_result(struct tm_br *m, uint64_t max_ms)
{
    for (uint64_t t = 0; t < max_ms && node_cli_pending(&m->dcli); t += 100)
        tm_br_run(m, 100);
    assert_false(node_cli_pending(&m->dcli));
    return tm_capture_take(&m->dcap);
}

static void test_service_and_config(void **state)
{
    struct tm_br *m = setup_network();
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
    tm_first_line(tm_br_acmd(m, "rloc16"), rloc, sizeof(rloc));
    snprintf(want, sizeof(want), "Services:\n44970 5d %sd11f s %s ", hex, rloc);
    o = tm_br_dcmd(m, "netdata show");
    if (strstr(o, want) == NULL)
        fail_msg("netdata: '%s' lacks '%s'", o, want);
    assert_true(dns_node_default_server(m->dev, addr));

    snprintf(want, sizeof(want),
             "Server: [%s]:53\nResponseTimeout: 7000 ms\nMaxTxAttempts: 3\n"
             "RecursionDesired: yes\nServiceMode: srv_txt_opt\nNat64Mode: allow\nDone\n",
             mleid);
    assert_string_equal(tm_br_dcmd(m, "dns config"), want);
    assert_string_equal(tm_br_dcmd(m, "dns config fd00::1 1234 5000 2 0"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, "dns config"),
                        "Server: [fd00:0:0:0:0:0:0:1]:1234\nResponseTimeout: 5000 ms\n"
                        "MaxTxAttempts: 2\nRecursionDesired: no\nServiceMode: srv_txt_opt\n"
                        "Nat64Mode: allow\nDone\n");
    /* Back to the defaults (the Network Data's server). */
    assert_string_equal(tm_br_dcmd(m, "dns config ::"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, "dns config"), want);

    /* The BR command. */
    tm_br_expect_a(m, "dns server upstream", "Enabled\nDone\n");
    tm_br_expect_a(m, "dns server", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "dns server foo", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "dns server upstream maybe", "Error 35: InvalidCommand\n");
}

static void test_resolve(void **state)
{
    struct tm_br *m = setup_network();
    char pfx[64], want[256];
    const char *o;

    (void)state;
    nat64_base(m, pfx, sizeof(pfx));
    assert_string_equal(tm_br_dcmd(m, "dns resolve example.com"), "");
    assert_true(node_cli_pending(&m->dcli));
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_true(ext(m)->up_queries >= 1);
    assert_int_equal(ext(m)->up_last_port, 53);
    assert_memory_equal(ext(m)->up_last_addr, upstream.addr, 16);

    /* resolve4: the A answer synthesized with the NAT64 prefix. */
    tm_br_dcmd(m, "dns resolve4 example.com");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want), "DNS response for example.com. - %s:c000:202 TTL:300 \nDone\n",
             pfx);
    assert_string_equal(o, want);

    /* AAAA NODATA: the client asks again for A (OpenThread's NAT64 fallback). */
    tm_br_dcmd(m, "dns resolve v4only.example");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want), "DNS response for v4only.example. - %s:c000:203 TTL:120 \nDone\n",
             pfx);
    assert_string_equal(o, want);

    /* NXDOMAIN: no fallback. */
    tm_br_dcmd(m, "dns resolve nosuch.example");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for nosuch.example. - Error 23: NotFound\n");

    /* An IPv4 server is synthesized first (the query goes to the NAT64
     * address: out through the translator to the host hook, not answered). */
    o = tm_br_dcmd(m, "dns resolve4 example.com 192.0.2.53 53 1000 1");
    snprintf(want, sizeof(want), "Synthesized IPv6 DNS server address: %s:c000:235\n", pfx);
    assert_string_equal(o, want);
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - Error 28: ResponseTimeout\n");
    assert_true(m->host_ip4_seen >= 1);

    /* Bad arguments. */
    assert_string_equal(tm_br_dcmd(m, "dns resolve"), "Error 7: InvalidArgs\n");
    assert_string_equal(tm_br_dcmd(m, "dns resolve a..b"), "Error 7: InvalidArgs\n");
}

static void test_ipv4only_and_disabled(void **state)
{
    struct tm_br *m = setup_network();
    char pfx[64], want[256];
    const char *o;
    unsigned before;

    (void)state;
    nat64_base(m, pfx, sizeof(pfx));
    before = ext(m)->up_queries;
    tm_br_dcmd(m, "dns resolve ipv4only.arpa");
    o = wait_result(m, 3000);
    snprintf(want, sizeof(want),
             "DNS response for ipv4only.arpa. - %s:c000:aa TTL:300 %s:c000:ab TTL:300 \nDone\n",
             pfx, pfx);
    assert_string_equal(o, want);
    assert_int_equal(ext(m)->up_queries, before);

    tm_br_expect_a(m, "dns server upstream disable", "Done\n");
    tm_br_expect_a(m, "dns server upstream", "Disabled\nDone\n");
    tm_br_dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    /* REFUSED for AAAA, the A fallback REFUSED too: Security. */
    assert_string_equal(o, "DNS response for example.com. - Error 8: Security\n");
    assert_int_equal(ext(m)->up_queries, before);
    tm_br_dcmd(m, "dns resolve ipv4only.arpa");
    o = wait_result(m, 3000);
    assert_string_equal(o, want);

    /* Persisted: a new agent on the same settings starts disabled. */
    br_agent_free(m->agent, m->now);
    tm_br_agent_new(m, true);
    tm_br_expect_a(m, "dns server upstream", "Disabled\nDone\n");
    tm_br_expect_a(m, "dns server upstream enable", "Done\n");
    tm_br_expect_a(m, "dns server upstream", "Enabled\nDone\n");
}

static void test_upstream_silent(void **state)
{
    struct tm_br *m = setup_network();
    uint64_t t0;
    const char *o;
    uint8_t ml[16];
    char line[128], buf[ADDR_STR6];

    (void)state;
    ext(m)->up_silent = true;
    t0 = m->now;
    tm_br_dcmd(m, "dns resolve4 example.com");
    o = wait_result(m, 7000);
    /* The BR answers SERVFAIL when its budget (5 s) runs out: before the
     * device's 7 s ResponseTimeout. */
    assert_string_equal(o, "DNS response for example.com. - Error 1: Failed\n");
    assert_true(m->now - t0 <= 6000);
    assert_true(counter(m, "dns server counters",
                        dns_server_counter_name(DNS_SERVER_CNT_SERVFAIL_TIMEOUT)) >= 1);

    /* The device's own timeout and retries: a port nobody serves. */
    assert_true(dns_node_default_server(m->dev, ml));
    snprintf(line, sizeof(line), "dns resolve4 example.com %s 5353 1000 2", addr_fmt6_ot(ml, buf));
    t0 = m->now;
    assert_string_equal(tm_br_dcmd(m, line), "");
    o = wait_result(m, 5000);
    assert_string_equal(o, "DNS response for example.com. - Error 28: ResponseTimeout\n");
    assert_true(m->now - t0 >= 2000 && m->now - t0 <= 2600);

    /* The resolver is back. */
    ext(m)->up_silent = false;
    tm_br_dcmd(m, "dns resolve example.com");
    o = wait_result(m, 7000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
}

/* A query from outside the Thread network (the host side, 2001:db8::99)
 * to the BR's ML-EID port 53: dropped and counted, never answered. */
static void test_not_thread_source(void **state)
{
    struct tm_br *m = setup_network();
    uint8_t pkt[128], q[64], ml[16];
    struct dns_builder b;
    struct dns_name nm;
    size_t qlen = 0, ulen;
    uint32_t sum = 0;
    uint64_t before6;

    (void)state;
    assert_true(dns_node_default_server(m->dev, ml));
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
    tm_br_run(m, 2000);
    assert_int_equal(
        counter(m, "dns server counters", dns_server_counter_name(DNS_SERVER_CNT_DROP_NOT_THREAD)),
        1);
    assert_int_equal(ext(m)->up_queries, 0);
    assert_int_equal(m->host_ip6_seen, before6);
}

/* `srp server ...` on the agent: state, port, domain, lease, enable/disable
 * (the DNS/SRP service leaves and comes back to Network Data). */
static void test_srp_server_cli(void **state)
{
    struct tm_br *m = setup_network();

    (void)state;
    tm_br_expect_a(m, "srp server state", "running\nDone\n");
    tm_br_expect_a(m, "srp server port", "53535\nDone\n");
    tm_br_expect_a(m, "srp server domain", "default.service.arpa.\nDone\n");
    tm_br_expect_a(m, "srp server host", "Done\n");
    tm_br_expect_a(m, "srp server service", "Done\n");
    tm_br_expect_a(
        m, "srp server lease",
        "min lease: 30\nmax lease: 97200\nmin key-lease: 30\nmax key-lease: 680400\nDone\n");
    tm_br_expect_a(m, "srp server lease 1800 7200 86400 1209600", "Done\n");
    tm_br_expect_a(
        m, "srp server lease",
        "min lease: 1800\nmax lease: 7200\nmin key-lease: 86400\nmax key-lease: 1209600\n"
        "Done\n");
    tm_br_expect_a(m, "srp server lease 7200 1800 86400 1209600", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server lease 1800 7200 86400", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server lease 1800 7200 86400 99999999", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server lease x 7200 86400 1209600", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server host extra", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server", "Error 35: InvalidCommand\n");
    tm_br_expect_a(m, "srp server foo", "Error 35: InvalidCommand\n");

    assert_non_null(strstr(tm_br_dcmd(m, "netdata show"), "\n44970 5d "));
    tm_br_expect_a(m, "srp server disable", "Done\n");
    tm_br_expect_a(m, "srp server state", "disabled\nDone\n");
    tm_br_run(m, 5000);
    assert_null(strstr(tm_br_dcmd(m, "netdata show"), "\n44970 5d "));
    tm_br_expect_a(m, "srp server enable", "Done\n");
    tm_br_run(m, 5000);
    tm_br_expect_a(m, "srp server state", "running\nDone\n");
    assert_non_null(strstr(tm_br_dcmd(m, "netdata show"), "\n44970 5d "));
}

/* Hostile datagrams to the SRP port and UPDATEs on the DNS port: each
 * counted under its reason, answered when a header allows it, never a
 * registration. */
static void test_srp_hostile(void **state)
{
    struct tm_br *m = setup_network();
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
    assert_true(dns_node_default_server(m->dev, ml));
    addr_fmt6_ot(ml, a);
    assert_string_equal(tm_br_dcmd(m, "udp open"), "Done\n");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(line, sizeof(line), "udp send %s 53535 -x %s", a, bad[i]);
        node_cli_run_line(&m->dcli, line, m->now, m->dcap.f);
        tm_br_run(m, 500);
    }
    /* An UPDATE to the DNS port goes to the SRP server. */
    snprintf(line, sizeof(line), "udp send %s 53 -x 12342800000100000000000000", a);
    node_cli_run_line(&m->dcli, line, m->now, m->dcap.f);
    tm_br_run(m, 1000);
    assert_int_equal(counter(m, "srp server counters", "rx"), 5);
    assert_int_equal(counter(m, "srp server counters", "drop-short"), 1);
    assert_int_equal(counter(m, "srp server counters", "drop-response"), 1);
    assert_int_equal(counter(m, "srp server counters", srp_err_str(SRP_ERR_OK)), 0);
    assert_int_equal(counter(m, "srp server counters", "replies"), 3);
    tm_br_expect_a(m, "srp server host", "Done\n"); /* no registration */
    /* the device got the three FORMERR/NOTZONE-style answers on its socket */
    {
        const char *o = tm_capture_take(&m->dcap);
        unsigned n = 0;

        for (const char *p = strstr(o, "bytes from "); p != NULL; p = strstr(p + 1, "bytes from "))
            n++;
        assert_int_equal(n, 3);
        n = 0;
        for (const char *p = strstr(o, "Done\n"); p != NULL; p = strstr(p + 1, "Done\n"))
            n++;
        assert_int_equal(n, 5);
    }
    tm_br_expect_a(m, "state", "leader\nDone\n");
    {
        const char *o = tm_br_acmd(m, "srp server counters");

        assert_non_null(strstr(o, "rx: 5\n"));
        assert_non_null(strstr(o, "drop-short: 1\n"));
        assert_non_null(strstr(o, "drop-response: 1\n"));
    }
}

/* The line of `ipaddr` that is in the OMR prefix (the device's SLAAC address). */
static void omr_addr(struct tm_br *m, char *out, size_t cap)
{
    char omr[64], *slash;
    const char *o = tm_br_dcmd(m, "ipaddr");
    size_t plen;

    tm_first_line(tm_br_acmd(m, "br omrprefix local"), omr, sizeof(omr));
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
    struct tm_br *m = setup_network();
    char addr[64], want[512];
    const char *o;

    (void)state;
    /* short leases: the client renews at half the lease (< 2 x guard) */
    tm_br_expect_a(m, "srp server lease 30 30 40 40", "Done\n");
    assert_string_equal(tm_br_dcmd(m, "srp client state"), "Enabled\nDone\n");
    assert_string_equal(tm_br_dcmd(m, "srp client host name dev1"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, "srp client service add ins1 _test._udp 12345 1 2"),
                        "Done\n");
    tm_br_run(m, 5000);
    assert_string_equal(tm_br_dcmd(m, "srp client host"),
                        "name:\"dev1\", state:Registered, addrs:auto\nDone\n");
    tm_br_run(m, 20000); /* renewed once at least */
    assert_true(counter(m, "srp server counters", srp_err_str(SRP_ERR_OK)) >= 2);
    /* The device's client, as OpenThread's, signs without a time (no clock):
     * counted, never refused; the issue-11 checks refuse nothing here. */
    assert_int_equal(counter(m, "srp server counters", "sig-no-time"),
                     counter(m, "srp server counters", srp_err_str(SRP_ERR_OK)));
    assert_int_equal(counter(m, "srp server counters", srp_err_str(SRP_ERR_SIG_TIME)), 0);
    assert_int_equal(counter(m, "srp server counters", srp_err_str(SRP_ERR_KEY_LIMIT)), 0);
    assert_int_equal(counter(m, "srp server counters", srp_err_str(SRP_ERR_NAME_CONFLICT)), 0);
    assert_string_equal(tm_br_dcmd(m, "srp client service"),
                        "instance:\"ins1\", name:\"_test._udp\", state:Registered, port:12345, "
                        "priority:1, weight:2\nDone\n");
    omr_addr(m, addr, sizeof(addr));
    snprintf(want, sizeof(want),
             "dev1.default.service.arpa.\n    deleted: false\n    addresses: [%s]\nDone\n", addr);
    tm_br_expect_a(m, "srp server host", want);
    o = tm_br_acmd(m, "srp server service");
    assert_non_null(strstr(o, "ins1._test._udp.default.service.arpa.\n    deleted: false\n"));
    assert_non_null(strstr(o, "    port: 12345\n    priority: 1\n    weight: 2\n"));
    assert_non_null(strstr(o, "    host: dev1.default.service.arpa.\n"));

    /* The BR's DNS server answers from the registry (never upstream). */
    tm_br_dcmd(m, "dns resolve dev1.default.service.arpa");
    o = wait_result(m, 8000);
    snprintf(want, sizeof(want), "DNS response for dev1.default.service.arpa. - %s TTL:", addr);
    if (strncmp(o, want, strlen(want)) != 0)
        fail_msg("resolve: '%s', want '%s...'", o, want);
    assert_int_equal(ext(m)->up_queries, 0);

    /* Restart the agent on the same settings: the registration is back
     * before the device says anything. */
    br_agent_free(m->agent, m->now);
    tm_br_agent_new(m, true);
    snprintf(want, sizeof(want),
             "dev1.default.service.arpa.\n    deleted: false\n    addresses: [%s]\nDone\n", addr);
    tm_br_expect_a(m, "srp server host", want);
    assert_non_null(
        strstr(tm_br_acmd(m, "srp server service"), "ins1._test._udp.default.service.arpa."));

    /* The device stops renewing: the lease runs out on the server
     * (deleted, name kept), then the key lease (gone). */
    assert_string_equal(tm_br_dcmd(m, "srp client stop"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, "srp client state"), "Disabled\nDone\n");
    tm_br_run(m, 31000);
    o = tm_br_acmd(m, "srp server host");
    assert_non_null(strstr(o, "dev1.default.service.arpa.\n    deleted: true\n"));
    tm_br_run(m, 10000);
    tm_br_expect_a(m, "srp server host", "Done\n");
}

/* Anycast address mode: the agent publishes `44970 5c<seq>`, holds the
 * service ALOC, and the device's SRP and DNS clients use it on port 53. */
static void test_srp_anycast(void **state)
{
    struct tm_br *m = setup_network();
    char aloc[64], want[256], *p;
    const char *o;

    (void)state;
    tm_br_expect_a(m, "srp server addrmode", "unicast\nDone\n");
    tm_br_expect_a(m, "srp server addrmode anycast", "Error 13: InvalidState\n");
    tm_br_expect_a(m, "srp server seqnum 7", "Error 13: InvalidState\n");
    tm_br_expect_a(m, "srp server disable", "Done\n");
    tm_br_expect_a(m, "srp server addrmode foo", "Error 7: InvalidArgs\n");
    tm_br_expect_a(m, "srp server addrmode anycast", "Done\n");
    tm_br_expect_a(m, "srp server seqnum 7", "Done\n");
    tm_br_expect_a(m, "srp server seqnum", "7\nDone\n");
    tm_br_expect_a(m, "srp server addrmode", "anycast\nDone\n");
    tm_br_expect_a(m, "srp server enable", "Done\n");
    tm_br_expect_a(m, "srp server port", "53\nDone\n");
    tm_br_run(m, 5000);
    tm_br_expect_a(m, "srp server state", "running\nDone\n");
    o = tm_br_dcmd(m, "netdata show");
    if (strstr(o, "\n44970 5c07 ") == NULL || strstr(o, "\n44970 5d ") != NULL)
        fail_msg("netdata: '%s'", o);

    /* The device picks the service ALOC (mesh-local prefix :0:ff:fe00:fc1x), port 53. */
    tm_first_line(tm_br_dcmd(m, "srp client server"), aloc, sizeof(aloc));
    p = strstr(aloc, ":0:ff:fe00:fc1");
    if (aloc[0] != '[' || p == NULL || strcmp(p + strlen(":0:ff:fe00:fc1") + 1, "]:53") != 0)
        fail_msg("srp client server: '%s'", aloc);
    p[strlen(":0:ff:fe00:fc1") + 1] = '\0';
    snprintf(want, sizeof(want), "\n%s\n", aloc + 1);
    o = tm_br_acmd(m, "ipaddr"); /* the agent holds the ALOC */
    if (strstr(o, want) == NULL)
        fail_msg("agent ipaddr '%s' lacks '%s'", o, want + 1);
    snprintf(want, sizeof(want), "Server: [%s]:53\n", aloc + 1);
    assert_non_null(strstr(tm_br_dcmd(m, "dns config"), want));

    assert_string_equal(tm_br_dcmd(m, "srp client host name dev2"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, "srp client service add ins2 _test._udp 4000"), "Done\n");
    tm_br_run(m, 5000);
    assert_string_equal(tm_br_dcmd(m, "srp client host"),
                        "name:\"dev2\", state:Registered, addrs:auto\nDone\n");
    assert_non_null(strstr(tm_br_acmd(m, "srp server host"), "dev2.default.service.arpa.\n"));
    tm_br_dcmd(m, "dns resolve dev2.default.service.arpa");
    o = wait_result(m, 8000);
    assert_non_null(strstr(o, "DNS response for dev2.default.service.arpa. - "));
    assert_non_null(strstr(o, "Done\n"));

    /* A socket connected to the ALOC (as OpenThread's SRP client's) gets
     * the answers: a forwarded query's comes later, from the ALOC too. */
    snprintf(want, sizeof(want), "udp connect %s 53", aloc + 1);
    assert_string_equal(tm_br_dcmd(m, "udp open"), "Done\n");
    assert_string_equal(tm_br_dcmd(m, want), "Done\n");
    assert_string_equal(
        tm_br_dcmd(m, "udp send -x 424201000001000000000000076578616d706c6503636f6d00001c0001"),
        "Done\n");
    tm_br_run(m, 2000);
    assert_int_equal(ext(m)->up_queries > 0, 1);
    snprintf(want, sizeof(want), " bytes from %s 53 ", aloc + 1);
    o = tm_capture_take(&m->dcap);
    if (strstr(o, want) == NULL)
        fail_msg("no answer from the ALOC: '%s'", o);
    assert_string_equal(tm_br_dcmd(m, "udp close"), "Done\n");

    /* Back to unicast: the 5d entry returns and the ALOC goes. */
    tm_br_expect_a(m, "srp server disable", "Done\n");
    tm_br_expect_a(m, "srp server addrmode unicast", "Done\n");
    tm_br_expect_a(m, "srp server enable", "Done\n");
    tm_br_run(m, 5000);
    o = tm_br_dcmd(m, "netdata show");
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
    struct tm_br *m;
    uint8_t want4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7}, want6[16];
    const char *o;

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "# test\nsearch example\nnameserver 198.51.100.7\n");
    resolv_path = path;
    m = setup_network();
    resolv_path = NULL;
    tm_br_dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_memory_equal(ext(m)->up_last_addr, want4, 16);

    /* Changed: read again within BR_DNS_PROXY_RESOLV_CHECK_MS. */
    write_file(path, "nameserver 2001:db8::53 # v6 now\n");
    tm_br_run(m, BR_DNS_PROXY_RESOLV_CHECK_MS + 500);
    tm_br_dcmd(m, "dns resolve example.com");
    o = wait_result(m, 3000);
    assert_string_equal(o, "DNS response for example.com. - 2001:db8:0:0:0:0:0:2 TTL:300 \nDone\n");
    assert_true(addr_parse6("2001:db8::53", want6));
    assert_memory_equal(ext(m)->up_last_addr, want6, 16);
    {
        struct br_agent_counters c;

        br_agent_counters(m->agent, &c);
        assert_true(c.dns.dns_resolv_reads >= 2);
    }

    /* Gone: no resolver, SERVFAIL at once. */
    unlink(path);
    tm_br_run(m, BR_DNS_PROXY_RESOLV_CHECK_MS + 500);
    tm_br_dcmd(m, "dns resolve4 example.com");
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
