/*
 * br/data_path.h with a fake TUN (struct tun_ops) and a fake mesh: 6->4
 * towards the NAT64 prefix (only while Active, mesh-local sources dropped),
 * other IPv6 to the host as is, 4->6 from the pool back into the mesh,
 * the translator's ICMP errors back the way they came (deferred towards the
 * mesh) and rate-limited, host_tx, TUN reads, hostile input counted, a
 * rebuild on a new pool keeping the counters, and source validation against
 * the Network Data (spoofed and link-local sources dropped and counted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "br/data_path.h"
#include "netdata/netdata.h"
#include "pktbuild.h"

#define QN 8

struct pkt {
    uint8_t data[1500];
    size_t len;
    bool deferred;
};

struct fake {
    struct pkt tun_out[QN], mesh_out[QN], tun_in[QN];
    unsigned tun_n, mesh_n, in_n, in_at, host_tx_n;
    int tun_write_rc;
    int mesh_rc;
    uint8_t ml[8];
};

static void put(struct pkt *q, unsigned *n, const uint8_t *p, size_t len, bool deferred)
{
    assert_true(*n < QN && len <= sizeof(q->data));
    memcpy(q[*n].data, p, len);
    q[*n].len = len;
    q[*n].deferred = deferred;
    (*n)++;
}

static int fake_write(void *tun, const uint8_t *pkt, size_t len, char *err, size_t errlen)
{
    struct fake *f = tun;

    (void)err;
    (void)errlen;
    if (f->tun_write_rc == 0)
        put(f->tun_out, &f->tun_n, pkt, len, false);
    return f->tun_write_rc;
}

static ssize_t fake_read(void *tun, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
    struct fake *f = tun;

    (void)err;
    (void)errlen;
    if (f->in_at >= f->in_n)
        return 0;
    assert_true(f->tun_in[f->in_at].len <= cap);
    memcpy(buf, f->tun_in[f->in_at].data, f->tun_in[f->in_at].len);
    return (ssize_t)f->tun_in[f->in_at++].len;
}

static const struct tun_ops fake_tun = {fake_write, fake_read};

static int mesh_tx(void *user, const uint8_t *pkt, size_t len, bool deferred, uint64_t now_ms)
{
    struct fake *f = user;

    (void)now_ms;
    if (f->mesh_rc == 0)
        put(f->mesh_out, &f->mesh_n, pkt, len, deferred);
    return f->mesh_rc;
}

static bool mesh_local(void *user, uint8_t out[8])
{
    memcpy(out, ((struct fake *)user)->ml, 8);
    return true;
}

static void host_tx(void *user, const uint8_t *pkt, size_t len)
{
    (void)pkt;
    (void)len;
    ((struct fake *)user)->host_tx_n++;
}

static void rnd(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
}

static struct fake F;
static struct br_data_path DP;

/* Network Data with an on-mesh prefix (flags as given; preferred, stable)
 * and, route non-NULL, an external route (Has Route only). */
static void netdata_with(struct netdata_local *l, const char *prefix, bool slaac, bool dhcp,
                         bool on_mesh, const char *route)
{
    struct netdata_prefix_cfg pc;

    memset(&pc, 0, sizeof(pc));
    assert_true(addr_parse_prefix6(prefix, &pc.prefix));
    pc.rloc16 = 0x0400;
    pc.preferred = pc.stable = true;
    pc.slaac = slaac;
    pc.dhcp = dhcp;
    pc.on_mesh = on_mesh;
    assert_int_equal(netdata_local_add_prefix(l, &pc), NETDATA_OK);
    if (route != NULL) {
        struct netdata_route_cfg rc;

        memset(&rc, 0, sizeof(rc));
        assert_true(addr_parse_prefix6(route, &rc.prefix));
        rc.rloc16 = 0x0400;
        rc.stable = true;
        assert_int_equal(netdata_local_add_route(l, &rc), NETDATA_OK);
    }
}

static void setup_dp(bool with_host_tx)
{
    struct br_data_path_cfg cfg;
    struct addr_prefix6 pfx;
    struct addr_prefix4 pool;

    memset(&F, 0, sizeof(F));
    {
        uint8_t a[16];

        assert_true(addr_parse6("fdde:ad00:beef::", a));
        memcpy(F.ml, a, 8);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.tun_ops = &fake_tun;
    cfg.tun = &F;
    cfg.host_tx = with_host_tx ? host_tx : NULL;
    cfg.mesh_tx = mesh_tx;
    cfg.mesh_local = mesh_local;
    cfg.random = rnd;
    cfg.user = &F;
    assert_int_equal(br_data_path_init(&DP, &cfg, 1000, NULL, 0), 0);
    memset(&pfx, 0, sizeof(pfx));
    assert_true(addr_parse6("64:ff9b::", pfx.addr));
    pfx.len = 96;
    assert_true(addr_parse4("192.168.255.0", pool.addr));
    pool.len = 24;
    assert_int_equal(br_data_path_set_xlat(&DP, &pfx, &pool, true, 1000, NULL, 0), 0);
    {
        struct netdata_local l; /* the OMR prefix the devices' addresses are in */

        netdata_local_init(&l);
        netdata_with(&l, "fd11:22::/64", true, false, true, NULL);
        br_data_path_set_netdata(&DP, l.tlvs, l.len);
    }
}

/* UDP from an OMR address to 192.0.2.1 through the NAT64 prefix. */
static size_t udp6(uint8_t *p, const char *src, uint8_t hlim)
{
    uint8_t l4[64];
    size_t n = pb_udp(l4, 40000, 7, 16);

    return pb_ip6(p, src, "64:ff9b::c000:201", 17, hlim, l4, n);
}

static void test_mesh_to_host(void **state)
{
    uint8_t p[256], l4[64];
    size_t n;

    (void)state;
    setup_dp(true);
    /* 6->4: an IPv4 packet from the pool on the TUN */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 1);
    assert_int_equal(F.tun_out[0].data[0] >> 4, 4);
    assert_true(pb_valid(F.tun_out[0].data, F.tun_out[0].len));
    assert_memory_equal(F.tun_out[0].data + 12, ((uint8_t[]){192, 168, 255}), 3);
    assert_int_equal(DP.ctr.xlat_6to4, 1);
    assert_int_equal(DP.ctr.tun_tx, 1);
    assert_int_equal(F.host_tx_n, 1);

    /* mesh-local source: dropped (OpenThread never translates it) */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fdde:ad00:beef::1234", 64), NULL, 2000);
    assert_int_equal(DP.ctr.host_rx_mesh_local, 1);
    assert_int_equal(F.tun_n, 1);

    /* not Active: dropped */
    assert_int_equal(br_data_path_set_xlat(&DP, &DP.prefix, &DP.cidr, false, 2000, NULL, 0), 0);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(DP.ctr.host_rx_not_active, 1);
    assert_int_equal(F.tun_n, 1);

    /* other IPv6: to the host as is */
    n = pb_udp(l4, 1, 2, 8);
    n = pb_ip6(p, "fd11:22::1", "2001:db8::1", 17, 64, l4, n);
    br_data_path_mesh_rx(&DP, p, n, NULL, 2000);
    assert_int_equal(F.tun_n, 2);
    assert_int_equal(F.tun_out[1].len, n);
    assert_memory_equal(F.tun_out[1].data, p, n);
    assert_int_equal(DP.ctr.host_rx, 4);

    /* a TUN write refused: counted */
    F.tun_write_rc = 1;
    br_data_path_mesh_rx(&DP, p, n, NULL, 2000);
    assert_int_equal(DP.ctr.tun_tx_errors, 1);
    br_data_path_free(&DP);
}

static void test_icmp_error_back_to_mesh(void **state)
{
    uint8_t p[256];

    (void)state;
    setup_dp(false);
    /* hop limit 1: the translator answers Time Exceeded, back into the mesh,
     * deferred (we are inside the node's callback) */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 1), NULL, 2000);
    assert_int_equal(DP.ctr.xlat_replies, 1);
    assert_int_equal(F.tun_n, 0);
    assert_int_equal(F.mesh_n, 1);
    assert_true(F.mesh_out[0].deferred);
    assert_int_equal(F.mesh_out[0].data[0] >> 4, 6);
    assert_int_equal(F.mesh_out[0].data[6], 58); /* ICMPv6 */
    assert_int_equal(F.mesh_out[0].data[40], 3); /* Time Exceeded */
    assert_int_equal(DP.ctr.mesh_tx, 1);
    br_data_path_free(&DP);
}

/* Issue 11: the translator's own errors are rate-limited (RFC 4443 §2.4(f),
 * BR_DATA_PATH_ICMP_ERR_*: a burst of 10, then 10 a second), counted. */
static void test_icmp_error_rate_limit(void **state)
{
    uint8_t p[256];
    struct nat64_fmt_counters c;

    (void)state;
    setup_dp(false);
    F.mesh_rc = 1; /* the fake mesh keeps no copies: only the counts matter */
    for (unsigned i = 0; i < BR_DATA_PATH_ICMP_ERR_BURST + 3; i++)
        br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 1), NULL, 2000);
    assert_int_equal(DP.ctr.xlat_replies, BR_DATA_PATH_ICMP_ERR_BURST);
    assert_int_equal(DP.ctr.xlat_drops, 3);
    br_data_path_xlat_counters(&DP, &c);
    assert_int_equal(c.drops_6to4[NAT64_DROP_ICMP_RATE_LIMIT], 3);
    assert_int_equal(c.drops_6to4[NAT64_DROP_HOP_LIMIT], BR_DATA_PATH_ICMP_ERR_BURST);
    /* 100 ms later one more (10 a second) */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 1), NULL, 2100);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 1), NULL, 2100);
    assert_int_equal(DP.ctr.xlat_replies, BR_DATA_PATH_ICMP_ERR_BURST + 1);
    assert_int_equal(DP.ctr.xlat_drops, 4);
    br_data_path_free(&DP);
}

static void test_host_to_mesh(void **state)
{
    uint8_t p[256], l4[64], back[256];
    size_t n;

    (void)state;
    setup_dp(false);
    /* IPv6 from the host: into the mesh, not deferred */
    n = pb_udp(l4, 1, 2, 8);
    n = pb_ip6(p, "2001:db8::1", "fd11:22::1", 17, 64, l4, n);
    br_data_path_host_input(&DP, p, n, 2000);
    assert_int_equal(F.mesh_n, 1);
    assert_false(F.mesh_out[0].deferred);

    /* a mapping, then the answer from 192.0.2.1 to the pool address: 4->6 */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 1);
    {
        const uint8_t *o = F.tun_out[0].data;
        uint16_t sport = (uint16_t)(o[20] << 8 | o[21]);
        char dst[ADDR_STR4];

        n = pb_udp(l4, 7, sport, 16);
        addr_fmt4(o + 12, dst);
        n = pb_ip4(back, "192.0.2.1", dst, 17, 64, false, l4, n);
    }
    /* through the TUN this time */
    memcpy(F.tun_in[0].data, back, n);
    F.tun_in[0].len = n;
    F.in_n = 1;
    assert_int_equal(br_data_path_tun_read(&DP, 8, 2100), 1);
    assert_int_equal(DP.ctr.xlat_4to6, 1);
    assert_int_equal(F.mesh_n, 2);
    assert_int_equal(F.mesh_out[1].data[0] >> 4, 6);
    assert_true(pb_valid(F.mesh_out[1].data, F.mesh_out[1].len));

    /* the mesh refuses: counted */
    F.mesh_rc = 13;
    br_data_path_host_input(&DP, p, 40, 2100);
    assert_int_equal(DP.ctr.mesh_tx_errors, 1);

    /* hostile: too short, not IP, IPv4 outside the pool */
    br_data_path_host_input(&DP, p, 0, 2100);
    memset(back, 0, sizeof(back));
    back[0] = 0x10;
    br_data_path_host_input(&DP, back, 60, 2100);
    back[0] = 0x45;
    br_data_path_host_input(&DP, back, 20, 2100);
    assert_int_equal(DP.ctr.tun_rx_bad, 2);
    assert_int_equal(DP.ctr.tun_rx_ip4_dropped, 1);
    assert_int_equal(DP.ctr.tun_rx, 6);
    br_data_path_free(&DP);
}

static void test_rebuild_keeps_counters(void **state)
{
    uint8_t p[256];
    struct nat64_fmt_counters c;
    struct addr_prefix4 pool;
    uint64_t before = 0, after = 0;

    (void)state;
    setup_dp(false);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    br_data_path_xlat_counters(&DP, &c);
    for (int i = 0; i < NAT64_PROTO_COUNT; i++)
        before += c.proto[i].pkts_6to4;
    assert_int_equal(before, 1);
    /* same prefix and pool: no rebuild (the mapping stays) */
    {
        struct nat64 *x = DP.xlat;

        assert_int_equal(br_data_path_set_xlat(&DP, &DP.prefix, &DP.cidr, true, 2000, NULL, 0), 0);
        assert_ptr_equal(DP.xlat, x);
    }
    /* a new pool: rebuilt, counters kept, the new pool used */
    assert_true(addr_parse4("10.9.8.0", pool.addr));
    pool.len = 24;
    assert_int_equal(br_data_path_set_xlat(&DP, &DP.prefix, &pool, true, 2000, NULL, 0), 0);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 2);
    assert_memory_equal(F.tun_out[1].data + 12, ((uint8_t[]){10, 9, 8}), 3);
    br_data_path_xlat_counters(&DP, &c);
    for (int i = 0; i < NAT64_PROTO_COUNT; i++)
        after += c.proto[i].pkts_6to4;
    assert_int_equal(after, 2);
    /* no prefix: nothing is translated, IPv6 goes to the host as is */
    assert_int_equal(br_data_path_set_xlat(&DP, NULL, &pool, true, 2000, NULL, 0), 0);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 3);
    assert_int_equal(F.tun_out[2].data[0] >> 4, 6);
    /* expiry runs on its tick */
    assert_int_equal(br_data_path_next_ms(&DP), 1000 + BR_DATA_PATH_EXPIRE_MS);
    br_data_path_process(&DP, 1000 + BR_DATA_PATH_EXPIRE_MS);
    assert_int_equal(br_data_path_next_ms(&DP), 1000 + 2 * BR_DATA_PATH_EXPIRE_MS);
    br_data_path_free(&DP);
}

/* Only sources a Thread device may use are translated (issue 11): spoofed
 * (outside every on-mesh prefix, or in an external route), link-local and
 * everything before any Network Data are dropped, counted, and shown by
 * `nat64 counters` (Illegal Pkt and tbr's Bad Source row). */
static void test_source_validation(void **state)
{
    uint8_t p[256];
    struct netdata_local l;
    struct nat64_fmt_counters c;
    char *text = NULL;
    size_t text_len = 0;
    FILE *f;

    (void)state;
    setup_dp(false);
    netdata_local_init(&l);
    netdata_with(&l, "fd11:22::/64", true, false, true, "fd33:44::/64");
    br_data_path_set_netdata(&DP, l.tlvs, l.len);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 1);
    br_data_path_mesh_rx(&DP, p, udp6(p, "2001:db8:bad::1", 64), NULL, 2000); /* spoofed */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fe80::1", 64), NULL, 2000);         /* link-local */
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd33:44::1", 64), NULL, 2000);      /* external route */
    assert_int_equal(DP.ctr.host_rx_bad_source, 3);
    assert_int_equal(F.tun_n, 1);
    assert_int_equal(DP.ctr.xlat_6to4, 1);
    br_data_path_xlat_counters(&DP, &c);
    assert_int_equal(c.drops_6to4[NAT64_DROP_BAD_SOURCE], 3);
    f = open_memstream(&text, &text_len);
    assert_non_null(f);
    br_data_path_fmt_counters(&DP, f);
    fclose(f);
    assert_non_null(
        strstr(text, "|   Illegal Pkt |                       0 |                       3 |\n"));
    assert_non_null(
        strstr(text, "|    No Mapping |                       0 |                       0 |\n"
                     "|    Bad Source |                       0 |                       3 |\n"));
    free(text);

    /* A DHCP prefix counts, a prefix gone from the Network Data does not. */
    netdata_local_init(&l);
    netdata_with(&l, "fd55::/64", false, true, true, NULL);
    br_data_path_set_netdata(&DP, l.tlvs, l.len);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd55::9", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 2);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd11:22::1", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 2);
    assert_int_equal(DP.ctr.host_rx_bad_source, 4);
    /* No Network Data: nothing is translated. */
    br_data_path_set_netdata(&DP, NULL, 0);
    br_data_path_mesh_rx(&DP, p, udp6(p, "fd55::9", 64), NULL, 2000);
    assert_int_equal(F.tun_n, 2);
    assert_int_equal(DP.ctr.host_rx_bad_source, 5);
    /* Other IPv6 (not towards NAT64) is not the translator's business. */
    br_data_path_mesh_rx(&DP, p, pb_ip6(p, "fe80::1", "2001:db8::1", 17, 64, p + 128, 0), NULL,
                         2000);
    assert_int_equal(F.tun_n, 3);
    br_data_path_free(&DP);
}

/* Sends a UDP packet from src as child rloc16 (0: the node itself); true
 * when it was translated to the TUN. */
static bool link_udp(const struct tnode_rx_link *from, const char *src)
{
    uint8_t p[256];
    uint64_t before = DP.ctr.xlat_6to4;

    br_data_path_mesh_rx(&DP, p, udp6(p, src, 64), from, 2000);
    F.tun_n = F.mesh_n = 0; /* a refusal may answer with an ICMP error */
    return DP.ctr.xlat_6to4 == before + 1;
}

static bool child_udp(uint16_t rloc16, const char *src)
{
    uint8_t p[256];
    struct tnode_rx_link from = {rloc16 != 0, rloc16 ? rloc16 : TNODE_RLOC16_UNKNOWN, false};
    uint64_t before = DP.ctr.xlat_6to4;

    br_data_path_mesh_rx(&DP, p, udp6(p, src, 64), &from, 2000);
    F.tun_n = F.mesh_n = 0; /* a refusal may answer with an ICMP error */
    return DP.ctr.xlat_6to4 == before + 1;
}

/* Per-device caps per Thread child (issue 11 #3): every device of the mesh
 * takes its address from the one OMR /64, so the translator counts per
 * child (the sender the node reports), not per /64. 20 children of one /64
 * all get a pool address (before: the 17th got none, dev-pool); a child
 * rotating 300 addresses is capped at its own allowance; the node's own
 * packets (sender unknown) count on their /64. */
static void test_per_child_caps(void **state)
{
    struct bib_cfg d;
    struct nat64_fmt_counters c;
    char src[64];
    unsigned ok = 0;

    (void)state;
    bib_cfg_default(&d);
    setup_dp(false);
    for (uint16_t i = 1; i <= 20; i++) {
        snprintf(src, sizeof(src), "fd11:22::%x", i);
        assert_true(child_udp((uint16_t)(0x0400 | i), src));
    }
    for (unsigned i = 0; i < 300; i++) {
        snprintf(src, sizeof(src), "fd11:22::1:%x", i);
        ok += child_udp(0x0401, src);
    }
    assert_int_equal(ok, d.max_pool_per_64 - 1); /* it held one already */
    br_data_path_xlat_counters(&DP, &c);
    /* refused as dev-pool (answered with an ICMP error until the error rate
     * limit, then counted as icmp-rate-limit) */
    assert_true(c.drops_6to4[NAT64_DROP_DEV_POOL] >= 1);
    assert_int_equal(c.drops_6to4[NAT64_DROP_DEV_POOL] + c.drops_6to4[NAT64_DROP_ICMP_RATE_LIMIT],
                     300 - (d.max_pool_per_64 - 1));
    /* Other children and the node itself still get addresses. */
    assert_true(child_udp(0x0415, "fd11:22::15"));
    assert_true(child_udp(0, "fd11:22::ff00"));
    assert_int_equal(tnode_rx_link_key(NULL), 0);
    br_data_path_free(&DP);
}

/* Devices behind a router (issue 13): a neighbour router forwards for all
 * its children, and a mesh header names the parent router, so the link does
 * not tell them apart. Each source address counts as its own device then
 * (tnode_rx_device_key): 40 devices behind one router all get a pool
 * address; before, they shared one allowance (the router's, or the /64's)
 * and the 17th got none. One relayed address is still capped as a device. */
static void test_relayed_devices(void **state)
{
    struct tnode_rx_link via_router = {false, TNODE_RLOC16_UNKNOWN, true};
    struct tnode_rx_link mesh_orig = {true, 0x0800, true};
    char src[64];

    (void)state;
    setup_dp(false);
    for (unsigned i = 1; i <= 20; i++) {
        snprintf(src, sizeof(src), "fd11:22::a:%x", i);
        assert_true(link_udp(&via_router, src));
        snprintf(src, sizeof(src), "fd11:22::b:%x", i);
        assert_true(link_udp(&mesh_orig, src));
    }
    uint8_t a[16] = {0xfd, 0x11, 0, 0x22, [15] = 1}, b[16] = {0xfd, 0x11, 0, 0x22, [15] = 2};
    assert_int_equal(tnode_rx_device_key(&via_router, a), tnode_rx_device_key(&mesh_orig, a));
    assert_int_not_equal(tnode_rx_device_key(&via_router, a), tnode_rx_device_key(&via_router, b));
    assert_true(tnode_rx_device_key(&via_router, a) >> 62 == 1);
    struct tnode_rx_link child = {true, 0x0401, false};
    assert_int_equal(tnode_rx_device_key(&child, a), tnode_rx_link_key(&child));
    assert_int_equal(tnode_rx_device_key(NULL, a), 0);
    br_data_path_free(&DP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mesh_to_host),
        cmocka_unit_test(test_per_child_caps),
        cmocka_unit_test(test_relayed_devices),
        cmocka_unit_test(test_icmp_error_back_to_mesh),
        cmocka_unit_test(test_icmp_error_rate_limit),
        cmocka_unit_test(test_host_to_mesh),
        cmocka_unit_test(test_rebuild_keeps_counters),
        cmocka_unit_test(test_source_validation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
