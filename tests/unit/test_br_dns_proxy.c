/*
 * br/dns_proxy.h with fake platform ops (struct resolver_sock_ops, struct
 * textfile_ops) on a real, unattached node: resolv.conf read and re-read
 * only when its stamp changes, a query from a Thread source forwarded
 * upstream and its attempt ended when the answer comes, a query from
 * outside the Thread network dropped, upstream failures (at once and
 * later) counted and answered, UPDATEs on the DNS port handed to the SRP
 * server part, the SRP socket following the SRP switch, settings views.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "br/dns_proxy.h"
#include "dns/dns_msg.h"
#include "support/medium.h"

struct fake {
    /* resolver */
    unsigned sends, cancels;
    uint32_t last_txn, last_cancel;
    uint16_t last_id;
    bool last_tcp;
    uint8_t last_addr[16];
    int send_rc;
    /* the file */
    struct textfile_stamp stamp;
    bool file_gone;
    const char *text;
    unsigned reads;
};

static int up_send(void *rs, uint32_t txn, bool tcp, const uint8_t addr[16], uint16_t port,
                   const uint8_t *msg, size_t len, char *err, size_t errlen)
{
    struct fake *f = rs;

    (void)port;
    assert_true(len >= 12);
    f->last_id = (uint16_t)(msg[0] << 8 | msg[1]);
    f->sends++;
    f->last_txn = txn;
    f->last_tcp = tcp;
    memcpy(f->last_addr, addr, 16);
    if (f->send_rc != 0)
        snprintf(err, errlen, "connect: Network is unreachable");
    return f->send_rc;
}

static void up_cancel(void *rs, uint32_t txn)
{
    struct fake *f = rs;

    f->cancels++;
    f->last_cancel = txn;
}

static const struct resolver_sock_ops fake_resolver = {up_send, up_cancel};

static int file_stamp(void *ctx, const char *path, struct textfile_stamp *out, char *err,
                      size_t errlen)
{
    struct fake *f = ctx;

    assert_string_equal(path, "/fake/resolv.conf");
    if (f->file_gone) {
        snprintf(err, errlen, "No such file or directory");
        return -1;
    }
    *out = f->stamp;
    return 0;
}

static long file_read(void *ctx, const char *path, char *buf, size_t cap)
{
    struct fake *f = ctx;
    size_t n = strlen(f->text);

    (void)path;
    f->reads++;
    if (n > cap)
        n = cap;
    memcpy(buf, f->text, n);
    return (long)n;
}

static const struct textfile_ops fake_file = {file_stamp, file_read};

static struct tnode *node;
static struct fake F;
static struct br_srp_server SRP;
static struct br_dns_proxy P;
static struct tm_medium M;

static void rx(void *user, int idx, const struct radio_rx_frame *f)
{
    (void)user;
    (void)idx;
    tnode_radio_rx(node, f);
}

static int64_t next_timeout(void *user, uint64_t now)
{
    (void)user;
    return tnode_next_timeout_ms(node, now);
}

static const struct tm_hooks hooks = {rx, NULL, NULL, next_timeout};

static void setup_proxy(bool with_file)
{
    struct tnode_cfg nc;
    struct br_dns_proxy_cfg pc;
    static const struct dns_upstream_addr up = {
        {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 53}, 53};
    char err[256];

    memset(&F, 0, sizeof(F));
    tm_medium_init(&M, 1, 5, &hooks, NULL);
    memset(&nc, 0, sizeof(nc));
    nc.node_id = 1;
    nc.radio_ops = &tm_radio_ops;
    nc.radio = &M.st[0];
    nc.random = tm_random;
    nc.user = &M.st[0];
    node = tnode_new(&nc, 1000);
    assert_non_null(node);
    assert_int_equal(tnode_ifconfig(node, true, 1000), OT_ERR_NONE);
    assert_true(br_srp_server_init(&SRP, NULL, 1000, 0) >= 0);
    memset(&pc, 0, sizeof(pc));
    pc.node = node;
    pc.srp = &SRP;
    pc.up_ops = &fake_resolver;
    pc.up = &F;
    if (with_file) {
        F.text = "nameserver 198.51.100.7\n";
        F.stamp.ino = 1;
        pc.file_ops = &fake_file;
        pc.file = &F;
        pc.resolv_conf = "/fake/resolv.conf";
    } else {
        pc.upstreams = &up;
        pc.n_upstreams = 1;
    }
    pc.random = tm_random;
    pc.user = &M.st[0];
    assert_int_equal(br_dns_proxy_init(&P, &pc, 1000, err, sizeof(err)), 0);
}

static void teardown_proxy(void)
{
    br_dns_proxy_free(&P);
    br_srp_server_free(&SRP);
    tnode_free(node);
}

/* One datagram to the proxy's socket handle from src. */
static void deliver(int handle, const char *src, const uint8_t *msg, size_t len, uint64_t now)
{
    struct tnode_udp_rx r;
    uint8_t s[16], d[16];

    assert_true(addr_parse6(src, s));
    assert_true(addr_parse6("fe80::1", d));
    memset(&r, 0, sizeof(r));
    r.src = s;
    r.dst = d;
    r.sport = 12345;
    r.dport = handle == P.udp ? 53 : BR_DNS_PROXY_SRP_PORT;
    r.payload = msg;
    r.len = len;
    r.hop_limit = 255;
    r.now_ms = now;
    br_dns_proxy_udp_rx(&P, handle, &r);
}

static size_t query(uint8_t *q, size_t cap, const char *name, uint16_t type)
{
    struct dns_builder b;
    struct dns_name nm;
    size_t len = 0;

    assert_int_equal(dns_name_from_text(name, &nm), DNS_OK);
    dns_build_init(&b, q, cap, 0x1234, DNS_FLAG_RD);
    dns_build_question(&b, &nm, type, 1);
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    return len;
}

static void test_resolv_conf(void **state)
{
    static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7};
    uint8_t q[128];

    (void)state;
    setup_proxy(true);
    assert_int_equal(P.ctr.dns_resolv_reads, 1);
    assert_int_equal(br_dns_proxy_next_ms(&P), 1000 + BR_DNS_PROXY_RESOLV_CHECK_MS);
    /* unchanged stamp: not read again */
    br_dns_proxy_process(&P, 1000 + BR_DNS_PROXY_RESOLV_CHECK_MS);
    assert_int_equal(F.reads, 1);
    /* the resolver it names gets the queries */
    deliver(P.udp, "fe80::99", q, query(q, sizeof(q), "example.com.", 28), 7000);
    assert_int_equal(F.sends, 1);
    assert_memory_equal(F.last_addr, want, 16);
    /* changed: read again */
    F.stamp.mtime_ns = 5;
    F.text = "nameserver 2001:db8::53\n";
    br_dns_proxy_process(&P, 1000 + 2 * BR_DNS_PROXY_RESOLV_CHECK_MS);
    assert_int_equal(F.reads, 2);
    assert_int_equal(P.ctr.dns_resolv_reads, 2);
    /* gone: no resolver, not read */
    F.file_gone = true;
    br_dns_proxy_process(&P, 1000 + 3 * BR_DNS_PROXY_RESOLV_CHECK_MS);
    assert_int_equal(F.reads, 2);
    assert_false(P.resolv_ok);
    teardown_proxy();
}

static void test_query_forwarded(void **state)
{
    uint8_t q[128], ans[256];
    struct dns_builder b;
    struct dns_name nm;
    size_t alen = 0;
    uint32_t txn;
    static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

    (void)state;
    setup_proxy(false);
    /* from a Thread source (link-local): forwarded over UDP */
    deliver(P.udp, "fe80::99", q, query(q, sizeof(q), "example.com.", 28), 2000);
    assert_int_equal(P.ctr.dns_rx, 1);
    assert_int_equal(F.sends, 1);
    assert_false(F.last_tcp);
    txn = F.last_txn;
    /* the answer: the attempt is ended, the reply goes to the node */
    assert_int_equal(dns_name_from_text("example.com.", &nm), DNS_OK);
    dns_build_init(&b, ans, sizeof(ans), F.last_id, DNS_FLAG_QR | DNS_FLAG_RA | DNS_FLAG_RD);
    dns_build_question(&b, &nm, 28, 1);
    dns_build_aaaa(&b, DNS_SECTION_ANSWER, &nm, 300, aaaa);
    assert_int_equal(dns_build_finish(&b, &alen), DNS_OK);
    br_dns_proxy_upstream_rx(&P, txn, ans, alen, F.last_addr, 53, 0, 2100);
    assert_int_equal(dns_server_counter(P.dns, DNS_SERVER_CNT_UPSTREAM_RESPONSES), 1);
    assert_true(F.cancels >= 1);
    assert_int_equal(F.last_cancel, txn);

    /* from outside the Thread network: dropped, never forwarded */
    deliver(P.udp, "2001:db8::99", q, query(q, sizeof(q), "example.com.", 28), 3000);
    assert_int_equal(dns_server_counter(P.dns, DNS_SERVER_CNT_DROP_NOT_THREAD), 1);
    assert_int_equal(F.sends, 1);

    /* every attempt fails at once: each counted (the server retries as it
     * does on errors), then the transaction ends (SERVFAIL) */
    F.send_rc = -1;
    deliver(P.udp, "fe80::99", q, query(q, sizeof(q), "example.org.", 28), 4000);
    assert_true(P.ctr.dns_upstream_errors >= 1);
    assert_int_equal(F.sends, 1 + P.ctr.dns_upstream_errors);
    assert_int_equal(dns_server_counter(P.dns, DNS_SERVER_CNT_UPSTREAM_ERRORS),
                     P.ctr.dns_upstream_errors);
    assert_int_equal(dns_server_txns_in_use(P.dns), 0);

    /* an attempt fails later (connection refused): counted */
    F.send_rc = 0;
    {
        uint64_t errs = P.ctr.dns_upstream_errors;
        unsigned sends = F.sends;

        deliver(P.udp, "fe80::99", q, query(q, sizeof(q), "example.net.", 28), 5000);
        assert_int_equal(F.sends, sends + 1);
        br_dns_proxy_upstream_rx(&P, F.last_txn, NULL, 0, F.last_addr, 53, 111, 5100);
        assert_int_equal(P.ctr.dns_upstream_errors, errs + 1);
    }

    /* forwarding off: no more upstream queries */
    assert_true(br_dns_proxy_upstream_enabled(&P));
    br_dns_proxy_set_upstream(&P, false);
    assert_false(br_dns_proxy_upstream_enabled(&P));
    {
        unsigned sends = F.sends;

        deliver(P.udp, "fe80::99", q, query(q, sizeof(q), "example.com.", 28), 6000);
        assert_int_equal(F.sends, sends);
        assert_true(dns_server_counter(P.dns, DNS_SERVER_CNT_REFUSED_FORWARDING_OFF) >= 1);
    }
    teardown_proxy();
}

static void test_srp_and_views(void **state)
{
    static const uint8_t update[] = {0x12, 0x34, 0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    char *buf = NULL;
    size_t size = 0;
    FILE *out;
    unsigned lines = 0;
    struct addr_prefix6 pfx;

    (void)state;
    setup_proxy(false);
    /* enabled by default: the SRP socket is open */
    assert_true(br_dns_proxy_srp_open(&P));
    /* an UPDATE on the DNS port goes to the SRP server part */
    deliver(P.udp, "fe80::99", update, sizeof(update), 2000);
    assert_int_equal(SRP.rx, 1);
    assert_int_equal(F.sends, 0);
    /* and one on the SRP port */
    deliver(P.srp_udp, "fe80::99", update, 4, 2000);
    assert_int_equal(SRP.rx, 2);
    assert_int_equal(SRP.drops[BR_SRP_SERVER_DROP_SHORT], 1);
    br_dns_proxy_set_srp_enabled(&P, false);
    assert_false(br_dns_proxy_srp_open(&P));
    assert_false(SRP.enabled);
    br_dns_proxy_set_srp_enabled(&P, true);
    assert_true(br_dns_proxy_srp_open(&P));

    /* DNS64 and the NAT64 prefix */
    assert_false(br_dns_proxy_dns64_enabled(&P));
    br_dns_proxy_set_dns64(&P, true);
    assert_true(br_dns_proxy_dns64_enabled(&P));
    memset(&pfx, 0, sizeof(pfx));
    assert_true(addr_parse6("64:ff9b::", pfx.addr));
    pfx.len = 96;
    br_dns_proxy_set_nat64_prefix(&P, &pfx);
    assert_true(P.has_pfx);
    br_dns_proxy_set_nat64_prefix(&P, NULL);
    assert_false(P.has_pfx);

    /* `dns server counters`: one line per counter */
    out = open_memstream(&buf, &size);
    assert_non_null(out);
    br_dns_proxy_fmt_counters(&P, out);
    fclose(out);
    for (char *p = buf; *p != '\0'; p++)
        lines += *p == '\n';
    assert_int_equal(lines, DNS_SERVER_CNT__COUNT);
    /* The per-client refusals are appended after the existing lines. */
    assert_true(strncmp(buf, "queries: ", 9) == 0);
    assert_non_null(strstr(buf, "dns64-excluded: 0\nservfail-client-limit: 0\n"));
    free(buf);
    teardown_proxy();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_query_forwarded),
        cmocka_unit_test(test_srp_and_views),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
