/*
 * br/publisher.h: the local Network Data built from its inputs (the prefix
 * manager's entries, the on-link route `s med`, the DNS/SRP service unicast
 * or anycast, only while the SRP server is enabled and the node has an
 * ML-EID), pushed only when invalidated and attached, retried every
 * BR_PUBLISHER_RETRY_MS while detached or refused, and pushed again when
 * the ML-EID moves or the service goes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "br/publisher.h"

struct sink {
    unsigned pushes;
    enum ot_err rc; /* what the node answers */
    uint8_t tlvs[NETDATA_MAX_LEN];
    size_t len;
    uint64_t at_ms;
    unsigned logs;
};

static enum ot_err push(void *user, const uint8_t *tlvs, size_t len, uint64_t now_ms)
{
    struct sink *s = user;

    s->pushes++;
    if (s->rc == OT_ERR_NONE) {
        assert_true(len <= sizeof(s->tlvs));
        memcpy(s->tlvs, tlvs, len);
        s->len = len;
        s->at_ms = now_ms;
    }
    return s->rc;
}

static void log_line(void *user, int level, const char *msg)
{
    struct sink *s = user;

    (void)level;
    assert_non_null(msg);
    s->logs++;
}

static void setup(struct br_publisher *p, struct sink *s)
{
    struct br_publisher_cfg cfg = {push, log_line, s};

    memset(s, 0, sizeof(*s));
    br_publisher_init(p, &cfg);
}

static void prefix(struct addr_prefix6 *p, const char *text, uint8_t len)
{
    memset(p, 0, sizeof(*p));
    assert_true(addr_parse6(text, p->addr));
    p->len = len;
}

/* An OMR prefix as the prefix manager would publish it, and the inputs of
 * an attached BR at RLOC16 0x2c00 with its ML-EID. */
static void input(struct br_publisher_input *in, struct netdata_local *pm)
{
    struct netdata_prefix_cfg pc;

    netdata_local_init(pm);
    memset(&pc, 0, sizeof(pc));
    prefix(&pc.prefix, "fd11:2233:4455:1::", 64);
    pc.rloc16 = 0x2c00;
    pc.preference = NETDATA_PREF_LOW;
    pc.preferred = pc.slaac = pc.on_mesh = pc.stable = true;
    assert_int_equal(netdata_local_add_prefix(pm, &pc), NETDATA_OK);

    memset(in, 0, sizeof(*in));
    in->attached = true;
    in->rloc16 = 0x2c00;
    in->pm = pm;
    in->has_onlink = true;
    prefix(&in->onlink, "fd77:1:2:3::", 64);
    in->srp_enabled = true;
    in->has_mleid = true;
    assert_true(addr_parse6("fd00:db8::1234:5678:9abc:def0", in->mleid));
    in->srp_port = 53535;
}

static void test_build(void **state)
{
    struct br_publisher p;
    struct sink s;
    struct br_publisher_input in;
    struct netdata_local pm, nd;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    struct netdata_route_cfg rc;
    struct netdata_dns_srp ds;

    (void)state;
    setup(&p, &s);
    input(&in, &pm);
    assert_true(br_publisher_build(&p, &in, &nd));
    assert_int_equal(netdata_validate(nd.tlvs, nd.len), NETDATA_OK);
    /* the prefix manager's entry, as it was */
    assert_true(netdata_next_prefix(nd.tlvs, nd.len, 0x2c00, &it, &pc));
    {
        struct addr_prefix6 omr;

        prefix(&omr, "fd11:2233:4455:1::", 64);
        assert_memory_equal(pc.prefix.addr, omr.addr, 16);
        assert_int_equal(pc.preference, NETDATA_PREF_LOW);
        assert_true(pc.slaac && pc.on_mesh);
    }
    /* the on-link route: `s med` of our RLOC16 */
    it.index = 0;
    assert_true(netdata_next_route(nd.tlvs, nd.len, 0x2c00, &it, &rc));
    assert_memory_equal(rc.prefix.addr, in.onlink.addr, 16);
    assert_int_equal(rc.prefix.len, 64);
    assert_int_equal(rc.preference, NETDATA_PREF_MED);
    assert_true(rc.stable);
    assert_false(rc.nat64);
    assert_false(netdata_next_route(nd.tlvs, nd.len, 0x2c00, &it, &rc));
    /* the unicast DNS/SRP service with the ML-EID and the port */
    assert_true(netdata_find_dns_srp(nd.tlvs, nd.len, &ds));
    assert_false(ds.anycast);
    assert_memory_equal(ds.addr, in.mleid, 16);
    assert_int_equal(ds.port, 53535);

    /* anycast: `44970 5c<seq>` */
    in.anycast = true;
    in.seqnum = 7;
    assert_true(br_publisher_build(&p, &in, &nd));
    assert_true(netdata_find_dns_srp(nd.tlvs, nd.len, &ds));
    assert_true(ds.anycast);
    assert_int_equal(ds.seq, 7);

    /* no service while the SRP server is disabled or without an ML-EID */
    in.srp_enabled = false;
    assert_false(br_publisher_build(&p, &in, &nd));
    assert_false(netdata_find_dns_srp(nd.tlvs, nd.len, &ds));
    in.srp_enabled = true;
    in.has_mleid = false;
    assert_false(br_publisher_build(&p, &in, &nd));
    assert_false(netdata_find_dns_srp(nd.tlvs, nd.len, &ds));

    /* nothing but the prefix manager's entries */
    in.has_onlink = false;
    assert_false(br_publisher_build(&p, &in, &nd));
    assert_int_equal(nd.len, pm.len);
    assert_memory_equal(nd.tlvs, pm.tlvs, pm.len);
    /* and nothing at all */
    in.pm = NULL;
    assert_false(br_publisher_build(&p, &in, &nd));
    assert_int_equal(nd.len, 0);
    assert_int_equal(s.logs, 0); /* everything fitted */
}

static void test_push_and_retry(void **state)
{
    struct br_publisher p;
    struct sink s;
    struct br_publisher_input in;
    struct netdata_local pm, nd;

    (void)state;
    setup(&p, &s);
    input(&in, &pm);
    /* nothing to do before the first invalidation */
    assert_int_equal(br_publisher_next_ms(&p), BR_PUBLISHER_NONE);
    in.attached = false;
    br_publisher_process(&p, &in, 100);
    assert_int_equal(s.pushes, 0);

    /* detached: kept, tried again a second later */
    br_publisher_invalidate(&p, 100);
    assert_int_equal(br_publisher_next_ms(&p), 100);
    br_publisher_process(&p, &in, 100);
    assert_int_equal(s.pushes, 0);
    assert_int_equal(br_publisher_next_ms(&p), 100 + BR_PUBLISHER_RETRY_MS);
    in.attached = true;
    br_publisher_process(&p, &in, 600); /* not due yet */
    assert_int_equal(s.pushes, 0);

    /* refused: counted, retried a second later */
    s.rc = OT_ERR_NO_BUFS;
    br_publisher_process(&p, &in, 1100);
    assert_int_equal(s.pushes, 1);
    assert_int_equal(br_publisher_push_errors(&p), 1);
    assert_int_equal(br_publisher_next_ms(&p), 2100);
    assert_false(br_publisher_service_published(&p));

    /* taken: exactly what build makes, then nothing more to do */
    s.rc = OT_ERR_NONE;
    br_publisher_process(&p, &in, 2100);
    assert_int_equal(s.pushes, 2);
    assert_int_equal(s.at_ms, 2100);
    assert_true(br_publisher_build(&p, &in, &nd));
    assert_int_equal(s.len, nd.len);
    assert_memory_equal(s.tlvs, nd.tlvs, nd.len);
    assert_true(br_publisher_service_published(&p));
    assert_int_equal(br_publisher_next_ms(&p), BR_PUBLISHER_NONE);
    br_publisher_process(&p, &in, 5000);
    assert_int_equal(s.pushes, 2);
    assert_int_equal(br_publisher_push_errors(&p), 1);

    /* invalidated (a new partition): pushed again at once */
    br_publisher_invalidate(&p, 6000);
    br_publisher_process(&p, &in, 6000);
    assert_int_equal(s.pushes, 3);
}

static void test_service_follows(void **state)
{
    struct br_publisher p;
    struct sink s;
    struct br_publisher_input in;
    struct netdata_local pm;
    struct netdata_dns_srp ds;

    (void)state;
    setup(&p, &s);
    input(&in, &pm);
    br_publisher_invalidate(&p, 0);
    br_publisher_process(&p, &in, 0);
    assert_int_equal(s.pushes, 1);

    /* a new ML-EID (new mesh-local prefix): the service moves with it */
    in.mleid[15] ^= 1;
    br_publisher_process(&p, &in, 10);
    assert_int_equal(s.pushes, 2);
    assert_true(netdata_find_dns_srp(s.tlvs, s.len, &ds));
    assert_memory_equal(ds.addr, in.mleid, 16);

    /* not while detached: the attach invalidates anyway */
    in.attached = false;
    in.mleid[15] ^= 2;
    br_publisher_process(&p, &in, 20);
    assert_int_equal(s.pushes, 2);
    in.attached = true;

    /* the SRP server disabled: the service goes */
    in.srp_enabled = false;
    br_publisher_process(&p, &in, 30);
    assert_int_equal(s.pushes, 3);
    assert_false(netdata_find_dns_srp(s.tlvs, s.len, &ds));
    assert_false(br_publisher_service_published(&p));
    br_publisher_process(&p, &in, 40);
    assert_int_equal(s.pushes, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build),
        cmocka_unit_test(test_push_and_retry),
        cmocka_unit_test(test_service_follows),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
