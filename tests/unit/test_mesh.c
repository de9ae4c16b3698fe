/*
 * Multi-hop mesh tests (src/thread/mesh.c, mesh_route.c, addr_resolver.c):
 * real nodes on the in-process medium (support/node_net.h) in a line built
 * with MAC allowlists,
 *
 *     node 0 (leader) -- node 1 (router) -- node 2 (router) -- node 3 (child)
 *
 * so packets between the ends cross two relays with a 6LoWPAN mesh header
 * (RFC 4944 §5.2), realm-local multicast crosses them by MPL (RFC 7731),
 * hostile mesh headers are counted and dropped, and a border router that is
 * not the leader gets the packets for outside the mesh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lowpan/lowpan_mesh.h"
#include "mac/mac_filter.h"
#include "mac/mac_frame.h"
#include "mac/mac_security.h"
#include "netdata/netdata.h"
#include "support/node_net.h"
#include "thread/dataset.h"
#include "thread/keys.h"
#include "thread/node.h"
#include "thread/tmf.h"
#include "ip6/ip6.h"
#include "util/addr.h"

#define LINE 4

struct ping_log {
    unsigned replies, received, sent;
    bool done;
    uint8_t from[LINE + 2][16];
};

static void ping_cb(void *ctx, const struct tnode_ping_event *ev)
{
    struct ping_log *p = ctx;
    if (ev->type == TNODE_PING_REPLY) {
        if (p->replies < LINE + 2)
            memcpy(p->from[p->replies], ev->from, 16);
        p->replies++;
    } else {
        p->done = true;
        p->sent = ev->sent;
        p->received = ev->received;
    }
}

static void ping(struct node_net *nn, int from, const uint8_t dst[16], struct ping_log *log)
{
    memset(log, 0, sizeof(*log));
    assert_int_equal(tnode_ping(nn->node[from], dst, 16, 1, 1000, 64, 3000, ping_cb, log, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 5000);
    assert_true(log->done);
}

static void ping_ok(struct node_net *nn, int from, const uint8_t dst[16])
{
    struct ping_log log;
    ping(nn, from, dst, &log);
    if (log.received != 1) {
        /* The first packet may wait for an address query or a route. */
        ping(nn, from, dst, &log);
    }
    assert_int_equal(log.received, 1);
    assert_memory_equal(log.from[0], dst, 16);
}

static void wait_role(struct node_net *nn, int i, enum tnode_role role, unsigned max_s)
{
    for (unsigned t = 0; t < max_s * 10 && tnode_role(nn->node[i]) != role; t++)
        node_net_run(nn, 100);
    assert_int_equal(tnode_role(nn->node[i]), role);
}

/* Node i hears only its neighbours in the line. */
static void allow_line(struct node_net *nn)
{
    uint8_t ext[LINE][8];
    for (int i = 0; i < LINE; i++)
        tnode_ext_addr(nn->node[i], ext[i]);
    for (int i = 0; i < LINE; i++) {
        struct mac_filter *f = tnode_mac_filter(nn->node[i]);
        mac_filter_set_mode(f, MAC_FILTER_ALLOWLIST);
        if (i > 0)
            assert_int_equal(mac_filter_add_addr(f, ext[i - 1]), OT_ERR_NONE);
        if (i < LINE - 1)
            assert_int_equal(mac_filter_add_addr(f, ext[i + 1]), OT_ERR_NONE);
    }
}

static void start(struct node_net *nn, int i)
{
    const uint8_t *ds;
    size_t len = 0;
    ds = tnode_active_dataset(nn->node[0], &len);
    assert_non_null(ds);
    assert_int_equal(tnode_dataset_set_active(nn->node[i], ds, len, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(nn->node[i], true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(nn->node[i], nn->now), OT_ERR_NONE);
}

typedef void (*host_fn)(void *user, const uint8_t *pkt, size_t len,
                        const struct tnode_rx_link *link, uint64_t now_ms);

/* The line: 0 leader, 1 and 2 routers, 3 a child of 2 (MED unless ftd);
 * host: node 2's host side (a border router), or NULL. */
static struct node_net *line_with(bool ftd_child, host_fn host)
{
    struct node_net *nn = node_net_new(LINE);
    if (host) {
        struct tnode_cfg cfg;
        tnode_free(nn->node[2]);
        node_net_cfg(&cfg, &nn->air, 2);
        cfg.host_rx = host;
        nn->node[2] = tnode_new(&cfg, nn->now);
        assert_non_null(nn->node[2]);
    }
    allow_line(nn);
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(tnode_set_router_eligible(nn->node[i], true, nn->now), OT_ERR_NONE);
        tnode_set_router_selection_jitter(nn->node[i], 1);
    }
    if (!ftd_child)
        assert_int_equal(
            tnode_set_mode(nn->node[3], TNODE_MODE_RX_ON | TNODE_MODE_FULL_NETDATA, nn->now),
            OT_ERR_NONE);
    assert_int_equal(tnode_dataset_init_new(nn->node[0]), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(nn->node[0], nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(nn->node[0], true, nn->now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(nn->node[0], nn->now), OT_ERR_NONE);
    wait_role(nn, 0, TNODE_LEADER, 20);
    start(nn, 1);
    wait_role(nn, 1, TNODE_ROUTER, 200);
    start(nn, 2);
    wait_role(nn, 2, TNODE_ROUTER, 200);
    start(nn, 3);
    wait_role(nn, 3, TNODE_CHILD, 30);
    node_net_run(nn, 60000); /* Advertisements: routes across the line */
    return nn;
}

static struct node_net *line(bool ftd_child)
{
    return line_with(ftd_child, NULL);
}

static uint16_t rloc(const struct node_net *nn, int i)
{
    return tnode_rloc16(nn->node[i]);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_line_unicast(void **state)
{
    (void)state;
    struct node_net *nn = line(false);
    uint8_t a[LINE][16], r[LINE][16];
    for (int i = 0; i < LINE; i++) {
        node_net_addr(nn, i, TNODE_ADDR_MLEID, a[i]);
        node_net_addr(nn, i, TNODE_ADDR_RLOC, r[i]);
    }
    /* The leader resolves node 3's ML-EID first: a/aq across the routers
     * by MPL, a/an from its parent (proxy for an MTD child) over two hops,
     * into the EID cache with the child's Last Transaction Time. */
    ping_ok(nn, 0, a[3]);
    unsigned it = 0;
    struct tnode_eidcache_entry e;
    bool found = false;
    while (tnode_eidcache_next(nn->node[0], nn->now, &it, &e) == OT_ERR_NONE)
        if (memcmp(e.eid, a[3], 16) == 0) {
            found = true;
            assert_int_equal(e.state, TNODE_EIDCACHE_CACHED);
            /* The a/an named the child; the echo reply its parent sent on
             * with a mesh header from the parent's RLOC16 then updated the
             * entry (UpdateSnoopedCacheEntry -> UpdateCacheEntry): both
             * reach node 3. */
            assert_true(e.rloc16 == rloc(nn, 3) || e.rloc16 == rloc(nn, 2));
            assert_true(e.valid_last_trans);
        }
    assert_true(found);
    assert_true(tnode_counters(nn->node[0])->addr_queries > 0);
    /* End to end both ways, RLOC and ML-EID, and between the routers. */
    ping_ok(nn, 3, r[0]);
    ping_ok(nn, 0, r[3]);
    ping_ok(nn, 3, a[0]);
    ping_ok(nn, 1, a[2]);
    ping_ok(nn, 2, r[0]);
    /* Relays carried mesh frames; the ends used mesh headers. */
    assert_true(tnode_counters(nn->node[1])->rx_mesh_relayed > 0);
    assert_true(tnode_counters(nn->node[0])->tx_mesh_packets > 0);
    assert_true(tnode_counters(nn->node[2])->tx_mesh_packets > 0);
    assert_true(tnode_counters(nn->node[2])->addr_notifies_sent > 0);
    node_net_free(nn);
}

static void test_line_ftd_child(void **state)
{
    (void)state;
    struct node_net *nn = line(true);
    uint8_t a0[16], a3[16];
    node_net_addr(nn, 0, TNODE_ADDR_MLEID, a0);
    node_net_addr(nn, 3, TNODE_ADDR_MLEID, a3);
    ping_ok(nn, 3, a0);
    ping_ok(nn, 0, a3);
    node_net_free(nn);
}

static void test_line_realm_multicast(void **state)
{
    (void)state;
    struct node_net *nn = line(false);
    const uint8_t ff031[16] = {0xff, 0x03, [15] = 1};
    struct ping_log log;
    ping(nn, 0, ff031, &log);
    /* Every other node answers, each once (MPL delivers each message once). */
    assert_int_equal(log.replies, LINE - 1);
    for (int i = 1; i < LINE; i++) {
        uint8_t r[16];
        int seen = 0;
        node_net_addr(nn, i, TNODE_ADDR_MLEID, r);
        for (unsigned k = 0; k < log.replies; k++) {
            uint8_t rl[16];
            node_net_addr(nn, i, TNODE_ADDR_RLOC, rl);
            if (memcmp(log.from[k], r, 16) == 0 || memcmp(log.from[k], rl, 16) == 0)
                seen++;
        }
        assert_int_equal(seen, 1);
    }
    assert_true(tnode_counters(nn->node[0])->mpl_tx > 0);
    assert_true(tnode_counters(nn->node[1])->mpl_retx > 0);
    assert_true(tnode_mpl_counters(nn->node[2])->rx_new > 0);
    node_net_free(nn);
}

/* A secured frame from node `from` (its RLOC16, its ext for the nonce) to
 * node `to`, MAC payload pl[0..plen): what a neighbour router would send. */
static void inject(struct node_net *nn, int from, int to, const uint8_t *pl, size_t plen,
                   uint32_t fc)
{
    size_t dlen = 0;
    const uint8_t *ds = tnode_active_dataset(nn->node[0], &dlen);
    struct dataset_info di;
    assert_int_equal(dataset_parse(ds, dlen, &di), DATASET_OK);
    struct thread_keys k;
    assert_int_equal(thread_keys_derive(di.network_key, 0, &k), 0);
    struct mac_frame h = {0};
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.security_enabled = true;
    h.pan_id_compression = true;
    h.dst_pan = h.src_pan = di.panid;
    h.dst.mode = h.src.mode = MAC_ADDR_SHORT;
    h.dst.short_addr = rloc(nn, to);
    h.src.short_addr = rloc(nn, from);
    h.sec.level = 5;
    h.sec.key_id_mode = 1;
    h.sec.key_index = mac_key_index(0);
    h.sec.frame_counter = fc;
    uint8_t psdu[127 + 16], me[8];
    size_t len;
    assert_int_equal(mac_frame_build(&h, pl, plen, psdu, sizeof(psdu), &len), MAC_OK);
    tnode_ext_addr(nn->node[from], me);
    assert_int_equal(mac_security_protect(k.mac, me, psdu, len), MAC_OK);
    struct radio_rx_frame rx = {
        .psdu = psdu, .len = len, .channel = di.channel, .rssi = -30, .timestamp_ms = nn->now};
    tnode_radio_rx(nn->node[to], &rx);
    node_net_run(nn, 100);
}

/* A mesh frame: header (orig, final, hops) + an IPHC echo request. */
static size_t mesh_frame(uint16_t orig, uint16_t final, uint8_t hops, uint8_t *out)
{
    struct lowpan_mesh m;
    lowpan_mesh_init(&m, orig, final, hops);
    size_t hl;
    assert_int_equal(lowpan_mesh_write(&m, out, 32, &hl), LOWPAN_OK);
    /* IPHC: TF=11 NH inline HLIM=64, SAM/DAM=11 (from the mesh addresses),
     * next header 58, then an ICMPv6 echo request (checksum not checked
     * before the relay decision). */
    const uint8_t iphc[] = {0x7a, 0x33, 58, 128, 0, 0, 0, 0x12, 0x34, 0, 1};
    memcpy(out + hl, iphc, sizeof(iphc));
    return hl + sizeof(iphc);
}

static void test_hostile_mesh_headers(void **state)
{
    (void)state;
    struct node_net *nn = line(false);
    struct tnode *r1 = nn->node[1];
    const struct tnode_counters *c = tnode_counters(r1);
    uint8_t f[64];
    uint32_t fc = 0x100000;
    /* Hops left 0, for someone else: dropped, counted. */
    uint32_t before = c->rx_drop_mesh_hops_left;
    inject(nn, 2, 1, f, mesh_frame(rloc(nn, 3), rloc(nn, 0), 0, f), fc++);
    assert_int_equal(c->rx_drop_mesh_hops_left, before + 1);
    /* Our own RLOC16 as originator: a loop. */
    before = c->rx_drop_mesh_loop;
    inject(nn, 2, 1, f, mesh_frame(rloc(nn, 1), rloc(nn, 0), 5, f), fc++);
    assert_int_equal(c->rx_drop_mesh_loop, before + 1);
    /* From our next hop towards its destination (2 -> 1 for node 3). */
    before = c->rx_drop_mesh_loop;
    inject(nn, 2, 1, f, mesh_frame(rloc(nn, 0), rloc(nn, 3), 5, f), fc++);
    assert_int_equal(c->rx_drop_mesh_loop, before + 1);
    /* Unknown final destination (router ID 50, child 7). */
    before = c->rx_drop_mesh_no_route;
    inject(nn, 2, 1, f, mesh_frame(rloc(nn, 3), (50 << 10) | 7, 5, f), fc++);
    assert_int_equal(c->rx_drop_mesh_no_route, before + 1);
    /* ... and the originator hears of it (ICMPv6 Destination Unreachable
     * to its RLOC, OT's SendDestinationUnreachable). */
    assert_int_equal(c->tx_mesh_dst_unreach, 1);
    /* A truncated mesh header. */
    before = c->rx_drop_mesh_parse;
    f[0] = 0xbf;
    inject(nn, 2, 1, f, 2, fc++);
    assert_int_equal(c->rx_drop_mesh_parse, before + 1);
    /* Random bytes after valid mesh headers (for us, for the far child,
     * for nobody; short and deep hops left), MAC-secured: whatever the
     * 6LoWPAN parsers make of them, every frame is accounted for. */
    uint64_t rng = 0x6d657368;
    const uint16_t finals[] = {rloc(nn, 1), rloc(nn, 3), rloc(nn, 0), 0xc807, 0xffff};
    for (int i = 0; i < 300; i++) {
        uint8_t g[100];
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        struct lowpan_mesh mh;
        lowpan_mesh_init(&mh, rloc(nn, 2), finals[rng % 5], (uint8_t)(rng >> 8) % 24);
        size_t hl;
        assert_int_equal(lowpan_mesh_write(&mh, g, sizeof(g), &hl), LOWPAN_OK);
        size_t n = 1 + (size_t)(rng >> 16) % 60;
        for (size_t k = 0; k < n; k++)
            g[hl + k] = (uint8_t)(rng >> (8 * (k % 8))) ^ (uint8_t)(k * 151);
        if (i % 3 == 0)
            g[hl] = (uint8_t)(0x60 | (g[hl] & 0x1f)); /* IPHC */
        else if (i % 3 == 1)
            g[hl] = (uint8_t)(0xc0 | (g[hl] & 0x07)); /* FRAG1 */
        inject(nn, 2, 1, g, hl + n, fc++);
    }
    /* Every mesh frame is accounted for; the node still works (the link
     * from node 2 is spoiled by the injected frame counters: node 0's is
     * not), and relays nothing it should not. */
    assert_int_equal(c->rx_mesh_frames, c->rx_mesh_local + c->rx_mesh_relayed +
                                            c->rx_drop_mesh_hops_left + c->rx_drop_mesh_loop +
                                            c->rx_drop_mesh_no_route + c->rx_drop_mesh_parse +
                                            c->rx_drop_mesh_unsecured + c->rx_drop_mesh_not_router);
    uint32_t relayed = c->rx_mesh_relayed;
    uint8_t a1[16];
    node_net_addr(nn, 1, TNODE_ADDR_MLEID, a1);
    ping_ok(nn, 0, a1);
    assert_int_equal(c->rx_mesh_relayed, relayed);
    assert_int_equal(tnode_role(r1), TNODE_ROUTER);
    node_net_free(nn);
}

/* ---- a border router that is not the leader ------------------------------------ */

static unsigned host_n;
static uint8_t host_pkt[1280];

static void host_rx(void *user, const uint8_t *pkt, size_t len, const struct tnode_rx_link *link,
                    uint64_t now_ms)
{
    (void)user;
    (void)link;
    (void)now_ms;
    assert_true(len >= 40 && len <= sizeof(host_pkt));
    host_n++;
    memcpy(host_pkt, pkt, len);
}

/* Node br publishes the OMR prefix fd11:22::/64 (on-mesh, SLAAC, default
 * route) and 64:ff9b::/96 (NAT64) as a Has Route entry, both naming its
 * RLOC16: a router sends them to the leader (a/sd). */
static void register_br(struct node_net *nn, int br)
{
    uint16_t r = rloc(nn, br);
    struct netdata_local loc;
    netdata_local_init(&loc);
    struct netdata_prefix_cfg p = {0};
    assert_true(addr_parse_prefix6("fd11:22::/64", &p.prefix));
    p.rloc16 = r;
    p.preferred = p.slaac = p.on_mesh = p.stable = p.default_route = true;
    assert_int_equal(netdata_local_add_prefix(&loc, &p), NETDATA_OK);
    struct netdata_route_cfg rt = {0};
    assert_true(addr_parse_prefix6("64:ff9b::/96", &rt.prefix));
    rt.rloc16 = r;
    rt.nat64 = rt.stable = true;
    assert_int_equal(netdata_local_add_route(&loc, &rt), NETDATA_OK);
    assert_int_equal(tnode_set_local_netdata(nn->node[br], loc.tlvs, loc.len, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 20000); /* the leader's new Network Data reaches everyone */
}

static bool slaac_in(struct tnode *n, uint8_t out[16])
{
    struct tnode_addr ad[32];
    size_t k = tnode_addrs(n, ad, 32);
    for (size_t j = 0; j < k && j < 32; j++)
        if (ad[j].addr[0] == 0xfd && ad[j].addr[1] == 0x11) {
            memcpy(out, ad[j].addr, 16);
            return true;
        }
    return false;
}

static void test_border_router_not_leader(void **state)
{
    (void)state;
    /* Node 2, a router two hops from the leader, is the border router (the
     * host side); node 0 (the leader, no host side) and node 3 (the BR's
     * MED child) reach NAT64 through it (RouteLookup on the Has Route
     * entry), and the BR hands those packets to its host. */
    host_n = 0;
    struct node_net *nn = line_with(false, host_rx);
    register_br(nn, 2);
    const uint8_t nat64_dst[16] = {0, 0x64, 0xff, 0x9b, [12] = 192, 0, 2, 1};
    for (int from = 0; from <= 3; from += 3) {
        uint8_t src[16];
        assert_true(slaac_in(nn->node[from], src));
        unsigned before = host_n;
        struct ping_log log;
        ping(nn, from, nat64_dst, &log);
        assert_int_equal(log.received, 0); /* nobody answers behind the host */
        assert_int_equal(host_n, before + 1);
        assert_memory_equal(host_pkt + 24, nat64_dst, 16);
        assert_memory_equal(host_pkt + 8, src, 16); /* the OMR (SLAAC) source */
        assert_int_equal(host_pkt[6], 58);          /* ICMPv6 echo request */
    }
    assert_true(tnode_counters(nn->node[0])->tx_to_border_router > 0);
    assert_true(tnode_counters(nn->node[0])->tx_mesh_packets > 0);
    assert_true(tnode_counters(nn->node[2])->host_packets >= 2);
    /* The BR's host side answers: its reply (from the host, tnode_send_ip6)
     * goes back across the mesh to the leader. */
    uint8_t reply[64], a0[16];
    size_t rlen;
    static struct ip6 scratch;
    assert_true(slaac_in(nn->node[0], a0));
    assert_int_equal(ip6_build_echo(&scratch, nat64_dst, a0, 129, 0x1234, 1, "x", 1, 50, reply,
                                    sizeof(reply), &rlen),
                     IP6_OK);
    uint32_t rx_before = tnode_counters(nn->node[1])->rx_mesh_relayed;
    assert_int_equal(tnode_send_ip6(nn->node[2], reply, rlen, nn->now), OT_ERR_NONE);
    node_net_run(nn, 2000);
    assert_true(tnode_counters(nn->node[1])->rx_mesh_relayed > rx_before);
    node_net_free(nn);
}

/* a/ae (Thread 1.3 §5.5.4): node 0 reports node 3's OMR address as held
 * by another ML-EID (NON to ff03::2, across the routers by MPL); node 2,
 * the parent of the MED node 3, drops it from the child's registration and
 * sends node 3 an a/ae of its own (CON), and node 3 removes the address. */
static void test_address_error(void **state)
{
    (void)state;
    struct node_net *nn = line_with(false, host_rx);
    register_br(nn, 2);
    uint8_t omr3[16], src[16];
    assert_true(slaac_in(nn->node[3], omr3));
    node_net_addr(nn, 0, TNODE_ADDR_RLOC, src);
    struct tmf_addr_error ae;
    memcpy(ae.target_eid, omr3, 16);
    memset(ae.ml_eid, 0x77, 8); /* someone else's ML-IID */
    uint8_t pl[64], msg[128], pkt[256];
    size_t plen, mlen, len;
    assert_int_equal(tmf_build_addr_error(&ae, pl, sizeof(pl), &plen), TMF_OK);
    const uint8_t tok[2] = {0xae, 0x01};
    assert_int_equal(tmf_build_request(COAP_TYPE_NON, 0xae01, tok, 2, TMF_URI_ADDR_ERROR, pl, plen,
                                       msg, sizeof(msg), &mlen, NULL),
                     TMF_OK);
    const uint8_t ff032[16] = {0xff, 0x03, [15] = 2};
    static struct ip6 scratch; /* only for the checksum helper */
    assert_int_equal(
        ip6_build_udp(&scratch, src, ff032, 61631, 61631, msg, mlen, 0, pkt, sizeof(pkt), &len),
        IP6_OK);
    assert_int_equal(tnode_send_ip6(nn->node[0], pkt, len, nn->now), OT_ERR_NONE);
    node_net_run(nn, 3000);
    assert_true(tnode_counters(nn->node[2])->addr_errors_rx >= 1);
    assert_true(tnode_counters(nn->node[2])->addr_errors_sent >= 1);
    assert_true(tnode_counters(nn->node[3])->addr_errors_rx >= 1);
    uint8_t now3[16];
    assert_false(slaac_in(nn->node[3], now3) && memcmp(now3, omr3, 16) == 0);
    node_net_free(nn);
}

/* UpdateEidRlocCacheAndStaleChild: a packet from an MTD child's registered
 * address that reaches its parent from another router's RLOC16 means the
 * child moved: the parent forgets it (here node 0 forges one). */
static void test_mtd_child_moved(void **state)
{
    (void)state;
    struct node_net *nn = line(false);
    uint8_t a3[16], r2[16], pkt[128];
    size_t len;
    node_net_addr(nn, 3, TNODE_ADDR_MLEID, a3);
    node_net_addr(nn, 2, TNODE_ADDR_RLOC, r2);
    struct tnode_child_info ci[4];
    assert_int_equal(tnode_children(nn->node[2], nn->now, ci, 4), 1);
    static struct ip6 scratch;
    assert_int_equal(ip6_build_echo(&scratch, a3, r2, IP6_ICMP_ECHO_REQUEST, 7, 1, "m", 1, 64, pkt,
                                    sizeof(pkt), &len),
                     IP6_OK);
    assert_int_equal(tnode_send_ip6(nn->node[0], pkt, len, nn->now), OT_ERR_NONE);
    node_net_run(nn, 200);
    assert_int_equal(tnode_counters(nn->node[2])->children_moved, 1);
    assert_int_equal(tnode_children(nn->node[2], nn->now, ci, 4), 0);
    node_net_free(nn);
}

/* OpenThread's address query timers through the `eidcache` view: a query
 * nobody answers waits 3 s, then the entry is held 15 s (retry delay
 * doubled to 30 s), then ramps down (120 s steps halving the delay). */
static void test_eid_cache_query_timers(void **state)
{
    (void)state;
    struct node_net *nn = node_net_new(2);
    node_net_form(nn);
    uint8_t ml[16], nobody[16];
    node_net_addr(nn, 0, TNODE_ADDR_MLEID, ml);
    memcpy(nobody, ml, 16);
    nobody[15] ^= 0x5a; /* on-mesh, nobody's */
    struct ping_log log;
    memset(&log, 0, sizeof(log));
    assert_int_equal(tnode_ping(nn->node[0], nobody, 8, 1, 1000, 64, 1000, ping_cb, &log, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 500);
    struct tnode_eidcache_entry e;
    unsigned it = 0;
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NONE);
    assert_memory_equal(e.eid, nobody, 16);
    assert_int_equal(e.state, TNODE_EIDCACHE_QUERY);
    assert_false(e.can_evict);
    assert_int_equal(e.retry_s, 15);
    assert_true(e.timeout_s >= 2 && e.timeout_s <= 3);
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NOT_FOUND);
    assert_int_equal(tnode_counters(nn->node[0])->addr_queries, 1);
    node_net_run(nn, 3000); /* the query timed out */
    it = 0;
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NONE);
    assert_int_equal(e.state, TNODE_EIDCACHE_RETRY);
    assert_true(e.can_evict);
    assert_false(e.ramp_down);
    assert_int_equal(e.retry_s, 30);
    assert_true(e.timeout_s >= 13 && e.timeout_s <= 15);
    assert_int_equal(tnode_counters(nn->node[0])->addr_query_timeouts, 1);
    /* No new query during the delay: the packet is dropped. */
    assert_int_equal(tnode_ping(nn->node[0], nobody, 8, 1, 1000, 64, 1000, ping_cb, &log, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 1500);
    assert_int_equal(tnode_counters(nn->node[0])->addr_queries, 1);
    node_net_run(nn, 15000); /* the delay is over: ramp down */
    it = 0;
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NONE);
    assert_int_equal(e.state, TNODE_EIDCACHE_RETRY);
    assert_true(e.ramp_down);
    assert_true(e.timeout_s > 100 && e.timeout_s <= 120);
    node_net_run(nn, 120000); /* one ramp-down step: 30 -> 15 */
    it = 0;
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NONE);
    assert_int_equal(e.retry_s, 15);
    /* In ramp-down a packet may query again. */
    assert_int_equal(tnode_ping(nn->node[0], nobody, 8, 1, 1000, 64, 1000, ping_cb, &log, nn->now),
                     OT_ERR_NONE);
    node_net_run(nn, 500);
    assert_int_equal(tnode_counters(nn->node[0])->addr_queries, 2);
    it = 0;
    assert_int_equal(tnode_eidcache_next(nn->node[0], nn->now, &it, &e), OT_ERR_NONE);
    assert_int_equal(e.state, TNODE_EIDCACHE_QUERY);
    node_net_free(nn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_unicast),
        cmocka_unit_test(test_line_ftd_child),
        cmocka_unit_test(test_line_realm_multicast),
        cmocka_unit_test(test_hostile_mesh_headers),
        cmocka_unit_test(test_border_router_not_leader),
        cmocka_unit_test(test_eid_cache_query_timers),
        cmocka_unit_test(test_address_error),
        cmocka_unit_test(test_mtd_child_moved),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
