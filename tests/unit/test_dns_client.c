/*
 * The stub resolver (src/dns/dns_client.c): the query it builds, the
 * retransmission schedule with virtual time, the checks on an answer, CNAME
 * chasing, the NAT64 fallback to A, and rcode/parse outcomes, over the
 * answer vectors in tests/vectors/dns_client/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_client.h"
#include "support/hexvec.h"
#include "util/addr.h"

#define T0 1000000u

/* A vector's message with the ID of the query in flight patched in. */
static size_t load_vec(const char *name, uint16_t id, uint8_t *buf, size_t cap)
{
    size_t len = hexvec_read("dns_client", name, buf, cap);

    assert_true(len >= 2);
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    return len;
}

static void query_cfg(struct dns_client_query *q, bool nat64_ok)
{
    memset(q, 0, sizeof(*q));
    assert_true(addr_parse6("fd00::53", q->server));
    q->port = 53;
    q->timeout_ms = 1000;
    q->attempts = 3;
    q->rd = true;
    q->nat64_ok = nat64_ok;
}

/* Starts a query for text and checks the first datagram: the question. */
static void start(struct dns_client *c, const char *text, bool want_a, bool nat64_ok)
{
    struct dns_client_query q;
    struct dns_name n;
    struct dns_parser p;
    struct dns_question qq;
    const uint8_t *msg;
    size_t len;

    dns_client_init(c, 0x1234);
    query_cfg(&q, nat64_ok);
    assert_int_equal(dns_name_from_text(text, &n), DNS_OK);
    assert_int_equal(dns_client_start(c, &n, want_a, &q, T0), DNS_OK);
    assert_true(dns_client_waiting(c));
    assert_int_equal(dns_client_next_timeout(c), 0);
    assert_true(dns_client_poll(c, T0, &msg, &len));
    assert_int_equal(dns_parse_begin(&p, msg, len), DNS_OK);
    assert_int_equal(p.hdr.id, c->id);
    assert_int_equal(p.hdr.flags, DNS_FLAG_RD);
    assert_int_equal(p.hdr.qdcount, 1);
    assert_int_equal(dns_parse_question(&p, &qq), DNS_OK);
    assert_int_equal(qq.type, want_a ? DNS_TYPE_A : DNS_TYPE_AAAA);
    assert_int_equal(qq.cls, DNS_CLASS_IN);
    assert_true(dns_name_equal(&qq.name, &n));
}

static const struct dns_client_result *answer(struct dns_client *c, const char *vec)
{
    uint8_t buf[1500];
    size_t len = load_vec(vec, c->id, buf, sizeof(buf));

    assert_true(dns_client_rx(c, T0 + 10, buf, len));
    assert_true(dns_client_done(c));
    return dns_client_result(c);
}

static void assert_addr(const uint8_t *a, const char *text)
{
    uint8_t b[16];

    assert_true(addr_parse6(text, b));
    assert_memory_equal(a, b, 16);
}

/* Sent at start, again every timeout_ms, attempts times; then timed out. */
static void test_schedule__three_attempts__then_timeout(void **state)
{
    struct dns_client c;
    const uint8_t *msg;
    size_t len;

    (void)state;
    start(&c, "example.com", false, true);
    assert_false(dns_client_poll(&c, T0, &msg, &len));
    assert_int_equal(dns_client_next_timeout(&c), T0 + 1000);
    assert_false(dns_client_poll(&c, T0 + 999, &msg, &len));
    assert_true(dns_client_poll(&c, T0 + 1000, &msg, &len));
    assert_int_equal(dns_client_next_timeout(&c), T0 + 2000);
    assert_true(dns_client_poll(&c, T0 + 2000, &msg, &len));
    assert_false(dns_client_poll(&c, T0 + 2999, &msg, &len));
    assert_false(dns_client_done(&c));
    assert_false(dns_client_poll(&c, T0 + 3000, &msg, &len));
    assert_true(dns_client_done(&c));
    assert_true(dns_client_result(&c)->timed_out);
    assert_int_equal(dns_client_next_timeout(&c), UINT64_MAX);
    /* cancel drops the result */
    dns_client_cancel(&c);
    assert_null(dns_client_result(&c));
}

static void test_start__busy_or_zero_attempts__refused(void **state)
{
    struct dns_client c;
    struct dns_client_query q;
    struct dns_name n;

    (void)state;
    start(&c, "example.com", false, true);
    query_cfg(&q, true);
    assert_int_equal(dns_name_from_text("x.org", &n), DNS_OK);
    assert_int_equal(dns_client_start(&c, &n, false, &q, T0), DNS_ERR_INVALID_ARG);
    dns_client_cancel(&c);
    q.attempts = 0;
    assert_int_equal(dns_client_start(&c, &n, false, &q, T0), DNS_ERR_INVALID_ARG);
}

static void test_rx__two_aaaa(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "example.com", false, true);
    r = answer(&c, "aaaa-two.hex");
    assert_false(r->timed_out);
    assert_int_equal(r->err, DNS_OK);
    assert_int_equal(r->rcode, 0);
    assert_false(r->ip4);
    assert_int_equal(r->n, 2);
    assert_addr(r->addrs[0], "2001:db8::1");
    assert_int_equal(r->ttls[0], 300);
    assert_addr(r->addrs[1], "2001:db8::2");
    assert_int_equal(r->ttls[1], 60);
}

/* ID, QR, opcode and the question must match; the rest is ignored. */
static void test_rx__not_the_answer__ignored(void **state)
{
    struct dns_client c;
    uint8_t buf[1500];
    size_t len;

    (void)state;
    start(&c, "example.com", false, true);
    len = load_vec("aaaa-two.hex", (uint16_t)(c.id + 1), buf, sizeof(buf));
    assert_false(dns_client_rx(&c, T0, buf, len)); /* wrong ID */
    len = load_vec("aaaa-two.hex", c.id, buf, sizeof(buf));
    buf[2] &= 0x7f; /* QR = 0 */
    assert_false(dns_client_rx(&c, T0, buf, len));
    buf[2] |= 0x80 | (5 << 3); /* opcode UPDATE */
    assert_false(dns_client_rx(&c, T0, buf, len));
    assert_false(dns_client_rx(&c, T0, buf, 5)); /* shorter than a header */
    len = load_vec("a-one.hex", c.id, buf, sizeof(buf));
    assert_false(dns_client_rx(&c, T0, buf, len)); /* the A question */
    assert_true(dns_client_waiting(&c));
    /* another name */
    dns_client_cancel(&c);
    start(&c, "example.org", false, true);
    len = load_vec("aaaa-two.hex", c.id, buf, sizeof(buf));
    assert_false(dns_client_rx(&c, T0, buf, len));
    /* nothing waiting */
    dns_client_cancel(&c);
    assert_false(dns_client_rx(&c, T0, buf, len));
}

static void test_rx__cname__chain_end_only(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "www.example.com", false, true);
    r = answer(&c, "aaaa-cname.hex");
    assert_int_equal(r->err, DNS_OK);
    assert_int_equal(r->n, 1);
    assert_addr(r->addrs[0], "2001:db8::53");
    assert_int_equal(r->ttls[0], 120);
}

static void test_rx__cname_loop__error(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "a.example", false, true);
    r = answer(&c, "cname-loop.hex");
    assert_int_equal(r->err, DNS_ERR_PTR_LOOP);
    assert_int_equal(r->n, 0);
}

static void test_rx__truncated_answers__parse_error(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "example.com", false, true);
    r = answer(&c, "aaaa-truncated.hex");
    assert_int_not_equal(r->err, DNS_OK);
    assert_int_equal(r->n, 0);
}

/* NXDOMAIN ends an AAAA query even with the NAT64 fallback allowed. */
static void test_rx__nxdomain__no_fallback(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "example.com", false, true);
    r = answer(&c, "aaaa-nxdomain.hex");
    assert_int_equal(r->rcode, DNS_RCODE_NXDOMAIN);
    assert_int_equal(r->n, 0);
}

/* SERVFAIL without the question: accepted; without the fallback it ends. */
static void test_rx__error_without_question(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "example.com", false, false);
    r = answer(&c, "servfail-noq.hex");
    assert_int_equal(r->rcode, DNS_RCODE_SERVFAIL);
}

/* An empty AAAA answer becomes an A query (a new ID, attempts anew); its
 * answer comes back as IPv4. */
static void test_rx__empty_aaaa__falls_back_to_a(void **state)
{
    struct dns_client c;
    struct dns_parser p;
    struct dns_question q;
    const struct dns_client_result *r;
    uint8_t buf[1500], four[16] = {192, 0, 2, 1};
    const uint8_t *msg;
    size_t len;
    uint16_t old_id;

    (void)state;
    start(&c, "example.com", false, true);
    old_id = c.id;
    len = load_vec("aaaa-empty.hex", c.id, buf, sizeof(buf));
    assert_true(dns_client_rx(&c, T0 + 500, buf, len));
    assert_false(dns_client_done(&c));
    assert_true(dns_client_asking_a(&c));
    assert_true(dns_client_poll(&c, T0 + 500, &msg, &len));
    assert_int_equal(dns_parse_begin(&p, msg, len), DNS_OK);
    assert_int_not_equal(p.hdr.id, old_id);
    assert_int_equal(dns_parse_question(&p, &q), DNS_OK);
    assert_int_equal(q.type, DNS_TYPE_A);
    assert_int_equal(dns_client_next_timeout(&c), T0 + 1500);
    /* the old answer again: wrong ID now */
    len = load_vec("aaaa-empty.hex", old_id, buf, sizeof(buf));
    assert_false(dns_client_rx(&c, T0 + 600, buf, len));
    r = answer(&c, "a-one.hex");
    assert_true(r->ip4);
    assert_int_equal(r->n, 1);
    assert_memory_equal(r->addrs[0], four, 16);
    assert_int_equal(r->ttls[0], 120);

    /* Without the fallback the empty answer is the result. */
    start(&c, "example.com", false, false);
    r = answer(&c, "aaaa-empty.hex");
    assert_int_equal(r->rcode, 0);
    assert_int_equal(r->n, 0);
}

/* resolve4 asks A at once. */
static void test_start__a_query(void **state)
{
    struct dns_client c;
    const struct dns_client_result *r;

    (void)state;
    start(&c, "example.com", true, true);
    assert_true(dns_client_asking_a(&c));
    r = answer(&c, "a-one.hex");
    assert_true(r->ip4);
    assert_int_equal(r->n, 1);
}

/* The answer reader alone on every vector: never more than the array, and
 * an address type's records only. */
static void test_read_answer__all_vectors(void **state)
{
    static const char *const names[] = {
        "aaaa-two.hex", "aaaa-cname.hex", "aaaa-nxdomain.hex", "aaaa-empty.hex",
        "a-one.hex",    "cname-loop.hex", "servfail-noq.hex",  "aaaa-truncated.hex"};
    struct dns_client_result r;
    struct dns_name n;
    uint8_t buf[1500];

    (void)state;
    assert_int_equal(dns_name_from_text("example.com", &n), DNS_OK);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t len = load_vec(names[i], 0, buf, sizeof(buf));

        memset(&r, 0xee, sizeof(r));
        dns_client_read_answer(buf, len, &n, DNS_TYPE_AAAA, &r);
        assert_true(r.n <= DNS_CLIENT_ANSWERS_MAX);
        assert_false(r.ip4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule__three_attempts__then_timeout),
        cmocka_unit_test(test_start__busy_or_zero_attempts__refused),
        cmocka_unit_test(test_rx__two_aaaa),
        cmocka_unit_test(test_rx__not_the_answer__ignored),
        cmocka_unit_test(test_rx__cname__chain_end_only),
        cmocka_unit_test(test_rx__cname_loop__error),
        cmocka_unit_test(test_rx__truncated_answers__parse_error),
        cmocka_unit_test(test_rx__nxdomain__no_fallback),
        cmocka_unit_test(test_rx__error_without_question),
        cmocka_unit_test(test_rx__empty_aaaa__falls_back_to_a),
        cmocka_unit_test(test_start__a_query),
        cmocka_unit_test(test_read_answer__all_vectors),
    };

    return cmocka_run_group_tests_name("dns_client", tests, NULL, NULL);
}
