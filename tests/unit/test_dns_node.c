/*
 * The DNS client on a node (src/svc/dns_node.c): a child resolves through
 * a small DNS server on the leader's socket (real nodes on the simulated
 * medium, tests/support/node_net.h): the answer, retransmissions and the
 * timeout in virtual time, the default config and server, the NAT64
 * fallback and synthesis of A answers, refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/node_net.h"
#include "svc/dns_node.h"
#include "util/addr.h"

/* The leader's DNS server: counts queries, answers as told. */
struct srv {
    struct tnode *node;
    int handle;
    unsigned queries, a_queries;
    bool silent;               /* answer nothing */
    bool empty_aaaa;           /* NOERROR without records for AAAA */
    struct tnode_rx_link link; /* of the last query */
};

struct fixture {
    struct node_net *nn;
    struct srv srv;
    struct dns_node dns;
    unsigned done;
    struct dns_node_result res;
    uint8_t leader[16];
};

static void srv_rx(void *ctx, const struct tnode_udp_rx *rx)
{
    struct srv *s = ctx;
    struct dns_parser p;
    struct dns_question q;
    struct dns_builder b;
    uint8_t out[512], a6[16], a4[4] = {192, 0, 2, 7};
    size_t len = 0;

    assert_int_equal(dns_parse_begin(&p, rx->payload, rx->len), DNS_OK);
    assert_int_equal(dns_parse_question(&p, &q), DNS_OK);
    s->queries++;
    s->link = rx->link;
    s->a_queries += q.type == DNS_TYPE_A;
    if (s->silent)
        return;
    dns_build_init(&b, out, sizeof(out), p.hdr.id, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
    assert_int_equal(dns_build_question(&b, &q.name, q.type, q.cls), DNS_OK);
    if (q.type == DNS_TYPE_AAAA && !s->empty_aaaa) {
        assert_true(addr_parse6("2001:db8::42", a6));
        assert_int_equal(dns_build_aaaa(&b, DNS_SECTION_ANSWER, &q.name, 300, a6), DNS_OK);
    } else if (q.type == DNS_TYPE_A) {
        assert_int_equal(dns_build_a(&b, DNS_SECTION_ANSWER, &q.name, 60, a4), DNS_OK);
    }
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_int_equal(tnode_udp_send(s->node, s->handle, rx->src, rx->sport, out, len, rx->now_ms),
                     OT_ERR_NONE);
}

static void on_done(void *user, const struct dns_node_result *res)
{
    struct fixture *f = user;

    f->done++;
    f->res = *res;
}

static void step(void *user, uint64_t now)
{
    dns_node_process(&((struct fixture *)user)->dns, now);
}

static int64_t next_timeout(void *user, uint64_t now)
{
    return dns_node_next_timeout_ms(&((struct fixture *)user)->dns, now);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->nn = node_net_new(2);
    node_net_form(f->nn);
    f->srv.node = f->nn->node[0];
    assert_int_equal(tnode_udp_open(f->srv.node, srv_rx, &f->srv, &f->srv.handle), OT_ERR_NONE);
    assert_int_equal(tnode_udp_bind(f->srv.node, f->srv.handle, NULL, 53), OT_ERR_NONE);
    node_net_addr(f->nn, 0, TNODE_ADDR_MLEID, f->leader);
    dns_node_init(&f->dns, f->nn->node[1], on_done, f);
    f->nn->step = step;
    f->nn->next_timeout = next_timeout;
    f->nn->user = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    dns_node_free(&f->dns);
    node_net_free(f->nn);
    free(f);
    return 0;
}

/* A config that points at the leader's server. */
static struct dns_node_config at_leader(const struct fixture *f)
{
    struct dns_node_config c;

    memset(&c, 0, sizeof(c));
    c.has_server = true;
    memcpy(c.server, f->leader, 16);
    return c;
}

static void test_default_config__openthread_defaults(void **state)
{
    struct fixture *f = *state;
    struct dns_client_query q;
    struct dns_node_config c;
    uint8_t google[16];

    assert_true(addr_parse6(DNS_CLIENT_SERVER, google));
    /* No DNS/SRP server in the Network Data: OpenThread's default. */
    assert_false(dns_node_default_server(f->nn->node[1], q.server));
    assert_memory_equal(q.server, google, 16);
    dns_node_get_config(&f->dns, &q);
    assert_memory_equal(q.server, google, 16);
    assert_int_equal(q.port, 53);
    assert_int_equal(q.timeout_ms, 7000);
    assert_int_equal(q.attempts, 3);
    assert_true(q.rd);
    assert_true(q.nat64_ok);
    /* Set fields replace the defaults; zero ones keep them; :: is unset. */
    memset(&c, 0, sizeof(c));
    c.has_server = true;
    c.port = 5353;
    c.attempts = 1;
    c.rd = 2;
    dns_node_set_config(&f->dns, &c);
    dns_node_get_config(&f->dns, &q);
    assert_memory_equal(q.server, google, 16);
    assert_int_equal(q.port, 5353);
    assert_int_equal(q.timeout_ms, 7000);
    assert_int_equal(q.attempts, 1);
    assert_false(q.rd);
}

static void test_resolve__aaaa_answer(void **state)
{
    struct fixture *f = *state;
    struct dns_node_config c = at_leader(f);
    uint8_t want[16];

    assert_int_equal(dns_node_resolve(&f->dns, "host.example.", false, &c, f->nn->now),
                     OT_ERR_NONE);
    assert_true(dns_node_busy(&f->dns));
    assert_int_equal(dns_node_resolve(&f->dns, "other.example", false, &c, f->nn->now),
                     OT_ERR_BUSY);
    node_net_run(f->nn, 2000);
    assert_int_equal(f->done, 1);
    assert_false(dns_node_busy(&f->dns));
    assert_int_equal(f->srv.queries, 1);
    /* The node names the sender on the mesh (the DNS proxy's per-device
     * cap counts on it): the child's RLOC16. */
    assert_true(f->srv.link.known);
    assert_int_equal(f->srv.link.rloc16, tnode_rloc16(f->nn->node[1]));
    assert_int_equal(tnode_rx_link_key(&f->srv.link), 0x10000u | tnode_rloc16(f->nn->node[1]));
    assert_int_equal(f->res.send_err, OT_ERR_NONE);
    assert_false(f->res.r.timed_out);
    assert_int_equal(f->res.r.n, 1);
    assert_true(addr_parse6("2001:db8::42", want));
    assert_memory_equal(f->res.r.addrs[0], want, 16);
    assert_int_equal(f->res.r.ttls[0], 300);
    assert_int_equal(dns_node_next_timeout_ms(&f->dns, f->nn->now), -1);
}

/* Unanswered: sent 3 times, 7 s apart, then the timeout (21 s after start). */
static void test_resolve__silent_server__three_attempts_then_timeout(void **state)
{
    struct fixture *f = *state;
    struct dns_node_config c = at_leader(f);

    f->srv.silent = true;
    assert_int_equal(dns_node_resolve(&f->dns, "host.example", false, &c, f->nn->now), OT_ERR_NONE);
    assert_int_equal(dns_node_next_timeout_ms(&f->dns, f->nn->now), 7000);
    node_net_run(f->nn, 20000);
    assert_int_equal(f->srv.queries, 3);
    assert_int_equal(f->done, 0);
    node_net_run(f->nn, 1500);
    assert_int_equal(f->done, 1);
    assert_true(f->res.r.timed_out);
    assert_int_equal(f->srv.queries, 3);
}

/* An empty AAAA answer: the A query follows; without a NAT64 prefix the A
 * answer cannot be synthesized. */
static void test_resolve__fallback_to_a__no_prefix(void **state)
{
    struct fixture *f = *state;
    struct dns_node_config c = at_leader(f);

    f->srv.empty_aaaa = true;
    assert_int_equal(dns_node_resolve(&f->dns, "v4only.example", false, &c, f->nn->now),
                     OT_ERR_NONE);
    node_net_run(f->nn, 2000);
    assert_int_equal(f->srv.queries, 2);
    assert_int_equal(f->srv.a_queries, 1);
    assert_int_equal(f->done, 1);
    assert_true(f->res.r.ip4);
    assert_int_equal(f->res.r.n, 1);
    assert_true(f->res.no_prefix);
}

/* With a NAT64 prefix in the Network Data, A answers come back synthesized. */
static void test_resolve4__synthesized(void **state)
{
    struct fixture *f = *state;
    struct dns_node_config c = at_leader(f);
    uint16_t rloc = tnode_rloc16(f->nn->node[0]);
    /* Route 64:ff9b::/96, stable, Has Route with the NAT64 flag (as in
     * test_node_cli's test_ping_ip4_synthesized). */
    uint8_t nd[] = {0x03, 0x13, 0x00, 0x60, 0x00, 0x64, 0xff, 0x9b, 0x00, 0x00, 0x00,
                    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x20};
    uint8_t want[16];

    assert_int_equal(dns_node_resolve(&f->dns, "v4.example", true, &c, f->nn->now),
                     OT_ERR_INVALID_STATE);
    nd[18] = (uint8_t)(rloc >> 8);
    nd[19] = (uint8_t)rloc;
    assert_int_equal(tnode_set_local_netdata(f->nn->node[0], nd, sizeof(nd), f->nn->now),
                     OT_ERR_NONE);
    node_net_run(f->nn, 3000);
    assert_int_equal(dns_node_resolve(&f->dns, "v4.example", true, &c, f->nn->now), OT_ERR_NONE);
    node_net_run(f->nn, 2000);
    assert_int_equal(f->srv.a_queries, 1);
    assert_int_equal(f->srv.queries, 1);
    assert_int_equal(f->done, 1);
    assert_false(f->res.no_prefix);
    assert_int_equal(f->res.r.n, 1);
    assert_true(addr_parse6("64:ff9b::c000:207", want));
    assert_memory_equal(f->res.r.addrs[0], want, 16);
    assert_int_equal(f->res.r.ttls[0], 60);
}

static void test_resolve__bad_names__invalid_args(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(dns_node_resolve(&f->dns, "", false, NULL, f->nn->now), OT_ERR_INVALID_ARGS);
    assert_int_equal(dns_node_resolve(&f->dns, ".", false, NULL, f->nn->now), OT_ERR_INVALID_ARGS);
    assert_int_equal(dns_node_resolve(&f->dns, "a..b", false, NULL, f->nn->now),
                     OT_ERR_INVALID_ARGS);
    assert_false(dns_node_busy(&f->dns));
}

/* A cancelled query reports nothing, even when its answer arrives. */
static void test_cancel__no_result(void **state)
{
    struct fixture *f = *state;
    struct dns_node_config c = at_leader(f);

    assert_int_equal(dns_node_resolve(&f->dns, "host.example", false, &c, f->nn->now), OT_ERR_NONE);
    dns_node_cancel(&f->dns);
    node_net_run(f->nn, 2000);
    assert_int_equal(f->srv.queries, 1);
    assert_int_equal(f->done, 0);
    assert_int_equal(dns_node_next_timeout_ms(&f->dns, f->nn->now), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_config__openthread_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve__aaaa_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve__silent_server__three_attempts_then_timeout,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve__fallback_to_a__no_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve4__synthesized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve__bad_names__invalid_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel__no_result, setup, teardown),
    };

    return cmocka_run_group_tests_name("dns_node", tests, NULL, NULL);
}
