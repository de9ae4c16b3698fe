/*
 * libFuzzer harness for the DNS codec and the border router's DNS server.
 *
 * Input: [selector byte] then the bytes under test.
 * The bytes go through dns_msg_parse, the sequential parser, dns_msg_truncate,
 * the name text form, TCP unframing, resolv.conf parsing, and the server as a
 * device query and as the upstream answer to a live transaction (with the
 * fresh ID patched in when the selector says so), with timeouts run.
 *
 * Checked invariants (abort on violation):
 *   - every result is a named error;
 *   - a message that parses reports a length inside the input;
 *   - a truncated copy fits its buffer and parses again;
 *   - every reply the server produces parses and fits the device limit;
 *   - every upstream query it produces parses and has QR=0;
 *   - after all deadlines pass the transaction table is empty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_msg.h"
#include "dns/dns_server.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint16_t seq_rand16(void *ctx)
{
    uint32_t *x = ctx;
    *x = *x * 1103515245u + 12345u;
    return (uint16_t)(*x >> 16);
}

static int srp_host(void *ctx, const struct dns_name *name, uint8_t (*addrs)[16], int max,
                    uint32_t *ttl)
{
    (void)ctx;
    if (dns_name_labels(name) != 4 || max < 1)
        return -1;
    memset(addrs[0], 0xfd, 16);
    *ttl = 120;
    return 1;
}

static int srp_service(void *ctx, const struct dns_name *name, struct dns_name *inst, int max,
                       uint32_t *ttl)
{
    (void)ctx;
    if (dns_name_labels(name) != 5 || max < 1)
        return -1;
    inst[0] = *name;
    if (dns_name_prepend(&inst[0], "i", 1) != DNS_OK)
        return 0;
    *ttl = 120;
    return 1;
}

static bool srp_instance(void *ctx, const struct dns_name *name, struct dns_srp_instance *out)
{
    (void)ctx;
    if (dns_name_labels(name) != 6)
        return false;
    out->srv.port = 5683;
    out->srv.target = *name;
    out->txt_len = 0;
    out->ttl = 120;
    return true;
}

static const struct dns_srp_ops srp = {srp_host, srp_service, srp_instance};

static void check_action(const struct dns_server_action *a, uint16_t limit)
{
    struct dns_msg_info info;
    if (a->kind == DNS_SERVER_ACT_REPLY) {
        CHECK(a->len <= limit);
        CHECK(dns_msg_parse(a->buf, a->len, &info) == DNS_OK);
        CHECK(info.hdr.flags & DNS_FLAG_QR);
    } else if (a->kind == DNS_SERVER_ACT_UPSTREAM) {
        CHECK(a->len <= DNS_SERVER_QUERY_MAX);
        CHECK(dns_msg_parse(a->buf, a->len, &info) == DNS_OK);
        CHECK(!(info.hdr.flags & DNS_FLAG_QR));
        CHECK(a->txn != 0);
    }
}

static void server_run(const uint8_t *b, size_t n, uint8_t sel)
{
    static struct dns_server s;
    static struct dns_server_action a, up;
    static uint32_t rng;
    struct dns_server_cfg cfg;
    dns_server_cfg_default(&cfg);
    cfg.rand16 = seq_rand16;
    cfg.rand_ctx = &rng;
    cfg.upstream_enabled = (sel & 1) == 0;
    cfg.dns64 = (sel & 2) != 0;
    cfg.srp = (sel & 4) ? NULL : &srp;
    rng = sel;
    CHECK(dns_server_init(&s, &cfg));
    struct dns_upstream_addr ups[2];
    memset(ups, 0, sizeof(ups));
    ups[0].addr[15] = 1;
    ups[0].port = 53;
    ups[1].addr[15] = 2;
    ups[1].port = 53;
    dns_server_set_upstreams(&s, ups, (sel >> 3) & 1 ? 1 : 2);
    struct addr_prefix6 pre = {{0, 0x64, 0xff, 0x9b}, 96};
    dns_server_set_nat64_prefix(&s, &pre);
    const uint8_t dev[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    dns_server_query(&s, 0, b, n, dev, 1234, NULL, true, &a);
    check_action(&a, cfg.max_udp);

    /* A well-formed query to get a live transaction, then the bytes as its
     * answer. */
    uint8_t q[64];
    struct dns_builder bld;
    struct dns_name name;
    size_t ql;
    dns_name_from_text("example.com", &name);
    dns_build_init(&bld, q, sizeof(q), 1, DNS_FLAG_RD);
    dns_build_question(&bld, &name, (sel & 16) ? DNS_TYPE_AAAA : DNS_TYPE_A, DNS_CLASS_IN);
    CHECK(dns_build_finish(&bld, &ql) == DNS_OK);
    dns_server_query(&s, 0, q, ql, dev, 1234, NULL, true, &up);
    check_action(&up, cfg.max_udp);
    CHECK(dns_server_client_txns(&s, dev) <= cfg.max_txns_per_client); /* fair share */
    for (int round = 0; round < 3 && up.kind == DNS_SERVER_ACT_UPSTREAM; round++) {
        uint8_t m[2048];
        size_t ml = n < sizeof(m) ? n : sizeof(m);
        memcpy(m, b, ml);
        if ((sel & 32) && ml >= 2) {
            m[0] = up.buf[0];
            m[1] = up.buf[1];
        }
        dns_server_upstream_response(&s, (uint64_t)round, up.txn, m, ml, up.addr, up.port, &a);
        check_action(&a, cfg.max_udp);
        up = a;
    }
    for (uint64_t now = 0; now <= 20000; now += 1000)
        while (dns_server_poll(&s, now, &a))
            check_action(&a, cfg.max_udp);
    CHECK(dns_server_txns_in_use(&s) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *b = data + 1;
    size_t n = size - 1;

    struct dns_msg_info info;
    enum dns_err e = dns_msg_parse(b, n, &info);
    CHECK((unsigned)e < DNS_ERR__COUNT);
    if (e == DNS_OK) {
        CHECK(info.len <= n);
        static uint8_t out[600];
        size_t ol;
        size_t cap = 12 + (size_t)(sel % 4) * 150;
        e = dns_msg_truncate(b, n, out, cap, &ol);
        CHECK(e == DNS_OK || e == DNS_ERR_NO_SPACE);
        if (e == DNS_OK) {
            CHECK(ol <= cap);
            CHECK(dns_msg_parse(out, ol, &info) == DNS_OK);
        }
    }

    struct dns_parser p;
    if (dns_parse_begin(&p, b, n) == DNS_OK) {
        struct dns_question q;
        struct dns_rr rr;
        char text[DNS_NAME_TEXT_MAX];
        while ((e = dns_parse_question(&p, &q)) == DNS_OK)
            CHECK(dns_name_to_text(&q.name, text, sizeof(text)) == DNS_OK);
        CHECK((unsigned)e < DNS_ERR__COUNT);
        while ((e = dns_parse_rr(&p, &rr)) == DNS_OK) {
            CHECK(rr.end <= n && rr.offset < rr.end);
            CHECK(dns_name_to_text(&rr.name, text, sizeof(text)) == DNS_OK);
        }
        CHECK((unsigned)e < DNS_ERR__COUNT);
    }

    const uint8_t *msg;
    size_t ml, used;
    if (dns_tcp_unframe(b, n, &msg, &ml, &used) == DNS_OK)
        CHECK(used == ml + 2 && used <= n);

    struct dns_upstream_addr ups[4];
    CHECK(dns_resolv_conf_parse((const char *)b, n, ups, 4) <= 4);

    server_run(b, n, sel);
    return 0;
}
