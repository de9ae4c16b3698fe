/*
 * The SRP client on a node (src/svc/srp_node.c) without a CLI, on real
 * nodes (tests/support/node_net.h): the server picked from the Network
 * Data (unicast, and anycast at the service ALOC), auto-start and its
 * socket, a new anycast sequence number, the default DNS server following
 * it (svc/dns_node.h). The key in the settings and the CLI view are in
 * test_node_cli's test_srp_node_glue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netdata/netdata.h"
#include "support/node_net.h"
#include "svc/dns_node.h"
#include "svc/srp_node.h"

/* Publishes one DNS/SRP service entry from the leader (node 0). */
static void publish(struct node_net *nn, const struct netdata_service_cfg *sc)
{
    struct netdata_local l;

    netdata_local_init(&l);
    if (sc != NULL)
        assert_int_equal(netdata_local_add_service(&l, sc), NETDATA_OK);
    assert_int_equal(tnode_set_local_netdata(nn->node[0], sc != NULL ? l.tlvs : NULL,
                                             sc != NULL ? l.len : 0, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 3000);
}

static void test_server__unicast_then_anycast(void **state)
{
    struct node_net *nn = node_net_new(2);
    struct netdata_service_cfg sc;
    struct netdata_dns_srp srv;
    uint8_t mleid[16], rloc[16], addr[16];

    (void)state;
    node_net_form(nn);
    assert_false(srp_node_server(nn->node[1], &srv));
    node_net_addr(nn, 0, TNODE_ADDR_MLEID, mleid);
    netdata_dns_srp_unicast_cfg(&sc, tnode_rloc16(nn->node[0]), mleid, 53535);
    publish(nn, &sc);
    assert_true(srp_node_server(nn->node[1], &srv));
    assert_false(srv.anycast);
    assert_memory_equal(srv.addr, mleid, 16);
    assert_int_equal(srv.port, 53535);
    assert_true(dns_node_default_server(nn->node[1], addr));
    assert_memory_equal(addr, mleid, 16);

    /* Anycast: the service ALOC in the child's mesh-local prefix, port 53. */
    netdata_dns_srp_anycast_cfg(&sc, tnode_rloc16(nn->node[0]), 7);
    publish(nn, &sc);
    assert_true(srp_node_server(nn->node[1], &srv));
    assert_true(srv.anycast);
    assert_int_equal(srv.seq, 7);
    assert_int_equal(srv.port, 53);
    node_net_addr(nn, 1, TNODE_ADDR_RLOC, rloc);
    assert_memory_equal(srv.addr, rloc, 14);
    assert_int_equal(srv.addr[14] << 8 | srv.addr[15], NETDATA_SERVICE_ALOC_FIRST + srv.service_id);
    node_net_free(nn);
}

/* Auto-start follows the Network Data; the socket lives while it runs; a
 * new anycast sequence number registers again. */
static void test_process__autostart_and_socket(void **state)
{
    struct node_net *nn = node_net_new(2);
    struct netdata_service_cfg sc;
    static struct srp_node sn;

    (void)state;
    node_net_form(nn);
    assert_int_equal(srp_node_init(&sn, nn->node[1], NULL, tm_random, &nn->air.st[1]), 0);
    assert_true(sn.client.autostart); /* OpenThread's default */
    srp_node_process(&sn, nn->now);
    assert_false(sn.client.running);
    assert_false(sn.udp_open);
    assert_int_equal(srp_node_next_timeout_ms(&sn, nn->now), -1);

    netdata_dns_srp_anycast_cfg(&sc, tnode_rloc16(nn->node[0]), 1);
    publish(nn, &sc);
    srp_node_process(&sn, nn->now);
    assert_true(sn.client.running);
    assert_true(sn.udp_open);
    assert_true(sn.has_sel);
    assert_int_equal(sn.sel.seq, 1);
    assert_int_equal(sn.client.server_port, 53);

    netdata_dns_srp_anycast_cfg(&sc, tnode_rloc16(nn->node[0]), 2);
    publish(nn, &sc);
    srp_node_process(&sn, nn->now);
    assert_true(sn.client.running);
    assert_int_equal(sn.sel.seq, 2);

    publish(nn, NULL);
    srp_node_process(&sn, nn->now);
    assert_false(sn.client.running);
    assert_false(sn.udp_open);
    assert_false(sn.has_sel);
    srp_node_free(&sn);
    node_net_free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server__unicast_then_anycast),
        cmocka_unit_test(test_process__autostart_and_socket),
    };

    return cmocka_run_group_tests_name("srp_node", tests, NULL, NULL);
}
