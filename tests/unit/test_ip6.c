/*
 * IPv6 node layer (RFC 8200, RFC 4443, RFC 6724 subset, RFC 7731 option).
 *
 * Conformance with the OpenThread captures in $TBR_THREAD_VECTORS:
 *   - addresses derived from each node block (ext addr -> link-local, RLOC16
 *     -> RLOC, ML-EID, SLAAC) equal the ones OpenThread printed;
 *   - every complete packet (`lowpan_decompressed_ipv6`) given to the nodes
 *     that heard it is delivered / forwarded / ignored as the node's role
 *     says; the echo replies we build equal OpenThread's captured replies
 *     byte for byte; MLE and TMF datagrams reach the bound sockets;
 *   - the ping client replays the captured pings: its requests equal the
 *     captured requests and it prints the transcripts' lines exactly.
 * Behaviour: source selection, UDP sockets, extension headers and options,
 * ICMPv6 Parameter Problem, ping end to end between two contexts, timeouts.
 * Hostility: truncations, bit flips, random bytes, lying lengths, header
 * chains -> named drops, never a crash (run under ASan+UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip6/ip6.h"
#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

#include "../support/thread_vec.h"

static const char *const vec_files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};

/* ---- Helpers ---------------------------------------------------------- */

#define MAX_SENT 8

/* A node under test: an ip6 context whose output is captured. */
struct node {
    struct ip6 ip;
    int id;
    bool router;
    bool has_ml_eid;
    uint8_t sent[MAX_SENT][IP6_MTU];
    size_t sent_len[MAX_SENT];
    unsigned n_sent;
    /* last UDP datagram delivered */
    unsigned udp_count;
    struct ip6_udp_rx udp;
    uint8_t udp_payload[IP6_MTU];
};

static void node_send(void *ctx, const uint8_t *pkt, size_t len)
{
    struct node *n = ctx;
    assert_true(len <= IP6_MTU);
    if (n->n_sent < MAX_SENT) {
        memcpy(n->sent[n->n_sent], pkt, len);
        n->sent_len[n->n_sent] = len;
    }
    n->n_sent++;
}

static const struct ip6_ops node_ops = {node_send};

static void udp_cb(void *ctx, const struct ip6_udp_rx *rx)
{
    struct node *n = ctx;
    n->udp = *rx;
    assert_true(rx->len <= sizeof(n->udp_payload));
    memcpy(n->udp_payload, rx->payload, rx->len);
    n->udp_count++;
}

static void a6(const char *s, uint8_t out[16])
{
    assert_true(addr_parse6(s, out));
}

static uint8_t *hexdup(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    long n = tvec_hex(hex, b, cap);
    assert_true(n >= 0);
    *len = (size_t)n;
    return b;
}

/* Independent checksum check of a whole packet with no extension headers
 * before the ICMPv6/UDP header (or one Hop-by-Hop header). */
static bool l4_valid(const uint8_t *p, size_t len)
{
    size_t off = 40;
    uint8_t nh = p[6];
    if (len < 40 || (size_t)be16_get(p + 4) + 40 != len)
        return false;
    if (nh == 0) {
        nh = p[40];
        off += ((size_t)p[41] + 1) * 8;
    }
    uint32_t s = csum_pseudo6(p + 8, p + 24, nh, (uint32_t)(len - off));
    return csum_fold(csum_add(s, p + off, len - off)) == 0xffff;
}

static void mk_ext(const char *hex, uint8_t ext[8])
{
    assert_int_equal(tvec_hex(hex, ext, 8), 8);
}

/* Builds a node from its `.vec` block: ext addr, ML prefix, RLOC16, ML-EID
 * IID and SLAAC IID where the block has them; the leader is a router with
 * the leader ALOC. MLE (no link security needed) and TMF (secured only)
 * sockets are bound. */
static void node_from_block(struct node *n, const struct tvec_file *f, const struct tvec_block *b)
{
    const struct tvec_block *net = tvec_find(f, "network", NULL);
    struct addr_prefix6 ml;
    uint8_t ext[8], a[16];
    memset(n, 0, sizeof(*n));
    ip6_init(&n->ip, &node_ops, n);
    n->id = atoi(tvec_get(b, "node"));
    assert_true(addr_parse_prefix6(tvec_get(net, "mesh_local_prefix"), &ml));
    assert_int_equal(ml.len, 64);
    mk_ext(tvec_get(b, "ext_addr"), ext);
    assert_int_equal(ip6_set_ext_addr(&n->ip, ext), IP6_OK);
    assert_int_equal(ip6_set_ml_prefix(&n->ip, ml.addr), IP6_OK);
    assert_int_equal(ip6_set_rloc16(&n->ip, (uint16_t)strtoul(tvec_get(b, "rloc16"), NULL, 16)),
                     IP6_OK);
    const char *v = tvec_get(b, "ml_eid");
    if (v) {
        a6(v, a);
        assert_int_equal(ip6_set_ml_iid(&n->ip, a + 8), IP6_OK);
        n->has_ml_eid = true;
    }
    if ((v = tvec_get(b, "slaac"))) {
        uint8_t out[16];
        a6(v, a);
        assert_int_equal(ip6_add_slaac(&n->ip, a, a + 8, IP6_ADDR_SLAAC, out), IP6_OK);
        assert_memory_equal(out, a, 16);
    }
    n->router = strncmp(tvec_get(b, "role"), "leader", 6) == 0;
    if (n->router) {
        assert_int_equal(ip6_set_router(&n->ip, true), IP6_OK);
        assert_int_equal(ip6_add_aloc(&n->ip, 0xfc00), IP6_OK);
    }
    assert_true(ip6_udp_bind(&n->ip, IP6_MLE_PORT, NULL, 0, udp_cb, n) >= 0);
    assert_true(ip6_udp_bind(&n->ip, IP6_TMF_PORT, NULL, IP6_SOCK_SECURE_ONLY, udp_cb, n) >= 0);
}

/* All node blocks of a file, in order. */
static unsigned load_nodes(const struct tvec_file *f, struct node *nodes, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->n && n < max; i++)
        if (!strcmp(f->blocks[i].kv[0].key, "node"))
            node_from_block(&nodes[n++], f, &f->blocks[i]);
    return n;
}

static const struct tvec_block *frame_block(const struct tvec_file *f, unsigned idx)
{
    char id[16];
    snprintf(id, sizeof(id), "%u", idx);
    return tvec_find(f, "frame", id);
}

/* ---- Names ------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    for (unsigned i = 0; i < IP6_DROP__COUNT; i++) {
        assert_string_not_equal(ip6_drop_str((enum ip6_drop)i), "?");
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(ip6_drop_str((enum ip6_drop)i), ip6_drop_str((enum ip6_drop)j));
    }
    assert_string_equal(ip6_drop_str(IP6_DROP__COUNT), "?");
    assert_string_equal(ip6_drop_str(IP6_DROP_UDP_ZERO_CSUM), "udp_zero_checksum");
    for (unsigned k = 0; k < IP6_ADDR__COUNT; k++)
        assert_string_not_equal(ip6_addr_kind_str((enum ip6_addr_kind)k), "?");
    assert_string_equal(ip6_err_str(IP6_ERR_NO_SOURCE), "no source address");
}

/* ---- Addresses from the vectors --------------------------------------- */

static void test_vec_addresses(void **state)
{
    (void)state;
    unsigned checked_ll = 0;
    for (unsigned fi = 0; fi < 3; fi++) {
        struct tvec_file f;
        assert_int_equal(tvec_load(vec_files[fi], &f), 0);
        for (unsigned i = 0; i < f.n; i++) {
            const struct tvec_block *b = &f.blocks[i];
            if (strcmp(b->kv[0].key, "node"))
                continue;
            struct node *n = calloc(1, sizeof(*n));
            assert_non_null(n);
            node_from_block(n, &f, b);
            uint8_t want[16], ext[8];
            const struct ip6_uaddr *u;
            const char *v;

            mk_ext(tvec_get(b, "ext_addr"), ext);
            ip6_link_local_from_ext(ext, want);
            u = ip6_addr_of_kind(&n->ip, IP6_ADDR_LINK_LOCAL);
            assert_non_null(u);
            assert_memory_equal(u->addr, want, 16);
            if ((v = tvec_get(b, "link_local"))) {
                a6(v, want);
                assert_memory_equal(u->addr, want, 16);
                checked_ll++;
            }
            if ((v = tvec_get(b, "rloc"))) {
                a6(v, want);
                u = ip6_addr_of_kind(&n->ip, IP6_ADDR_RLOC);
                assert_non_null(u);
                assert_memory_equal(u->addr, want, 16);
                assert_true(ip6_is_mine(&n->ip, want));
            }
            if ((v = tvec_get(b, "ml_eid"))) {
                a6(v, want);
                u = ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID);
                assert_non_null(u);
                assert_memory_equal(u->addr, want, 16);
                assert_true(u->preferred && u->valid);
            }
            if ((v = tvec_get(b, "slaac"))) {
                a6(v, want);
                assert_non_null(ip6_addr_find(&n->ip, want));
            }
            /* Multicast groups (thread-sim-interop.md §3.6). */
            const struct tvec_block *net = tvec_find(&f, "network", NULL);
            struct addr_prefix6 ml;
            assert_true(addr_parse_prefix6(tvec_get(net, "mesh_local_prefix"), &ml));
            char text[ADDR_STR6 + 8];
            uint8_t g[16];
            const char *always[] = {"ff02::1", "ff03::1", "ff03::fc"};
            for (unsigned k = 0; k < 3; k++) {
                a6(always[k], g);
                assert_true(ip6_is_subscribed(&n->ip, g));
            }
            a6("ff02::2", g);
            assert_int_equal(ip6_is_subscribed(&n->ip, g), n->router);
            a6("ff03::2", g);
            assert_int_equal(ip6_is_subscribed(&n->ip, g), n->router);
            for (unsigned sc = 2; sc <= 3; sc++) {
                /* ff3s:40:<prefix>::1 written out from the prefix text. */
                uint8_t p8[16];
                memcpy(p8, ml.addr, 16);
                snprintf(text, sizeof(text), "ff3%u:40:%x:%x:%x:%x::1", sc, be16_get(p8),
                         be16_get(p8 + 2), be16_get(p8 + 4), be16_get(p8 + 6));
                a6(text, g);
                assert_true(ip6_is_subscribed(&n->ip, g));
                assert_true(ip6_is_mine(&n->ip, g));
            }
            free(n);
        }
        tvec_free(&f);
    }
    assert_int_equal(checked_ll, 6); /* nat64-ping's leader has no link_local */
}

/* `ipaddr` of the attach-ftd-child leader: ALOC, RLOC, ML-EID, link-local. */
static void test_leader_ipaddr(void **state)
{
    (void)state;
    static const char *const want[] = {
        "fd8a:c004:2ff7:edce:0:ff:fe00:fc00", "fd8a:c004:2ff7:edce:0:ff:fe00:1800",
        "fd8a:c004:2ff7:edce:9304:df0b:4fca:cacf", "fe80:0:0:0:5c01:eb19:6c0:b003"};
    struct tvec_file f;
    struct node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    assert_int_equal(tvec_load("attach-ftd-child.vec", &f), 0);
    node_from_block(n, &f, tvec_find(&f, "node", "1"));
    assert_int_equal(ip6_addr_count(&n->ip), 4);
    for (unsigned i = 0; i < 4; i++) {
        bool found = false;
        char buf[ADDR_STR6];
        for (unsigned j = 0; j < 4; j++)
            if (!strcmp(addr_fmt6_ot(ip6_addr_at(&n->ip, j)->addr, buf), want[i]))
                found = true;
        assert_true(found);
    }
    /* Changing the ML prefix moves RLOC, ML-EID and ALOC, and the groups. */
    uint8_t p[16], a[16], g[16];
    a6("fd00:1:2:3::", p);
    assert_int_equal(ip6_set_ml_prefix(&n->ip, p), IP6_OK);
    assert_int_equal(ip6_addr_count(&n->ip), 4);
    a6("fd00:1:2:3:0:ff:fe00:fc00", a);
    assert_int_equal(ip6_addr_find(&n->ip, a)->kind, IP6_ADDR_ALOC);
    a6("fd00:1:2:3:9304:df0b:4fca:cacf", a);
    assert_int_equal(ip6_addr_find(&n->ip, a)->kind, IP6_ADDR_ML_EID);
    a6("ff33:40:fd00:1:2:3:0:1", g);
    assert_true(ip6_is_subscribed(&n->ip, g));
    a6("ff33:40:fd8a:c004:2ff7:edce:0:1", g);
    assert_false(ip6_is_subscribed(&n->ip, g));
    /* RLOC16 change (child -> router), ALOC removal, router off. */
    assert_int_equal(ip6_set_rloc16(&n->ip, 0x4800), IP6_OK);
    a6("fd00:1:2:3:0:ff:fe00:4800", a);
    assert_int_equal(ip6_addr_find(&n->ip, a)->kind, IP6_ADDR_RLOC);
    assert_int_equal(ip6_addr_count(&n->ip), 4);
    assert_int_equal(ip6_remove_aloc(&n->ip, 0xfc00), IP6_OK);
    assert_int_equal(ip6_remove_aloc(&n->ip, 0xfc00), IP6_ERR_NOT_FOUND);
    assert_int_equal(ip6_add_aloc(&n->ip, 0x1234), IP6_ERR_INVAL);
    assert_int_equal(ip6_set_router(&n->ip, false), IP6_OK);
    a6("ff02::2", g);
    assert_false(ip6_is_subscribed(&n->ip, g));
    ip6_clear_rloc16(&n->ip);
    assert_null(ip6_addr_of_kind(&n->ip, IP6_ADDR_RLOC));
    /* Table limits and duplicates. */
    struct ip6_uaddr u;
    memset(&u, 0, sizeof(u));
    u.prefix_len = 64;
    u.kind = IP6_ADDR_OTHER;
    u.valid = u.preferred = true;
    a6("2001:db8::1", u.addr);
    assert_int_equal(ip6_addr_add(&n->ip, &u), IP6_OK);
    assert_int_equal(ip6_addr_add(&n->ip, &u), IP6_ERR_EXISTS);
    for (unsigned i = ip6_addr_count(&n->ip); i < IP6_MAX_ADDRS; i++) {
        u.addr[15] = (uint8_t)(i + 2);
        assert_int_equal(ip6_addr_add(&n->ip, &u), IP6_OK);
    }
    u.addr[15] = 0xee;
    assert_int_equal(ip6_addr_add(&n->ip, &u), IP6_ERR_FULL);
    a6("ff02::1", u.addr);
    assert_int_equal(ip6_addr_add(&n->ip, &u), IP6_ERR_INVAL);
    a6("2001:db8::1", a);
    assert_int_equal(ip6_addr_remove(&n->ip, a), IP6_OK);
    assert_int_equal(ip6_addr_remove(&n->ip, a), IP6_ERR_NOT_FOUND);
    assert_false(ip6_is_mine(&n->ip, a));
    /* Derived SLAAC IID = modified EUI-64 of the ext address. */
    uint8_t pre[16], out[16];
    a6("fd11:22::", pre);
    assert_int_equal(ip6_add_slaac(&n->ip, pre, NULL, IP6_ADDR_OMR, out), IP6_OK);
    a6("fd11:22::5c01:eb19:6c0:b003", a);
    assert_memory_equal(out, a, 16);
    assert_int_equal(ip6_add_slaac(&n->ip, pre, NULL, IP6_ADDR_RLOC, out), IP6_ERR_INVAL);
    tvec_free(&f);
    free(n);
}

/* ---- Source selection -------------------------------------------------- */

static void expect_src(struct ip6 *ip, const char *dst, const char *want)
{
    uint8_t d[16], w[16];
    a6(dst, d);
    const struct ip6_uaddr *u = ip6_select_source(ip, d);
    if (!want) {
        assert_null(u);
        return;
    }
    a6(want, w);
    assert_non_null(u);
    if (memcmp(u->addr, w, 16)) {
        char b[ADDR_STR6];
        fail_msg("dst %s: got %s want %s", dst, addr_fmt6(u->addr, b), want);
    }
}

static void test_source_selection(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    assert_int_equal(tvec_load("med-and-netdata.vec", &f), 0);
    node_from_block(n, &f, tvec_find(&f, "node", "2")); /* the MED */
    struct ip6 *ip = &n->ip;
    const char *ml_eid = "fd00:db8:aaaa:bbbb:7db5:9e80:cb7c:4459";
    const char *rloc = "fd00:db8:aaaa:bbbb:0:ff:fe00:b001";
    const char *ll = "fe80::2c79:46a7:264d:2eb6";
    const char *slaac = "fd11:22::6279:f035:7b6f:317a";

    expect_src(ip, "fd00:db8:aaaa:bbbb:473c:1418:403:9e6f", ml_eid); /* leader ML-EID */
    expect_src(ip, "fd00:db8:aaaa:bbbb:0:ff:fe00:b000", rloc);       /* leader RLOC */
    expect_src(ip, "fd00:db8:aaaa:bbbb:0:ff:fe00:fc00", rloc);       /* leader ALOC */
    expect_src(ip, "fe80::6c75:c927:ade0:53a", ll);
    expect_src(ip, "ff02::1", ll);
    expect_src(ip, "ff02::2", ll);
    expect_src(ip, "ff03::1", ml_eid);
    expect_src(ip, "fd11:22::a5d6:836e:e042:16fd", slaac);
    expect_src(ip, "2001:db8::1", slaac);
    expect_src(ip, "64:ff9b::c000:201", slaac);
    expect_src(ip, slaac, slaac); /* rule 1 */
    expect_src(ip, rloc, rloc);   /* rule 1 */
    expect_src(ip, "::1", ll);    /* rule 2: smallest scope above */

    /* Rule 3: a deprecated SLAAC address loses to a preferred OMR one. */
    struct ip6_uaddr u;
    memset(&u, 0, sizeof(u));
    a6("fd99:1::1", u.addr);
    u.prefix_len = 64;
    u.kind = IP6_ADDR_OMR;
    u.valid = u.preferred = true;
    assert_int_equal(ip6_addr_add(ip, &u), IP6_OK);
    expect_src(ip, "2001:db8::1", slaac);      /* tie: first one stays */
    expect_src(ip, "fd99:1::77", "fd99:1::1"); /* rule 8: longest match */
    uint8_t a[16];
    a6(slaac, a);
    struct ip6_uaddr s = *ip6_addr_find(ip, a);
    s.preferred = false;
    assert_int_equal(ip6_addr_add(ip, &s), IP6_ERR_EXISTS); /* updates */
    expect_src(ip, "2001:db8::1", "fd99:1::1");
    s.valid = false;
    ip6_addr_add(ip, &s);
    assert_false(ip6_is_mine(ip, a));
    ip6_addr_remove(ip, u.addr);

    /* Only mesh-local addresses left: a global destination gets ML-EID
     * (as OpenThread would), but a NAT64 one gets none at all. */
    expect_src(ip, "2001:db8::1", ml_eid);
    uint8_t pfx[16];
    a6("64:ff9b::", pfx);
    ip6_set_nat64_prefix(ip, pfx, 96);
    expect_src(ip, "64:ff9b::c000:201", NULL);
    expect_src(ip, "2001:db8::1", ml_eid);
    s.valid = true;
    s.preferred = true;
    ip6_addr_add(ip, &s);
    expect_src(ip, "64:ff9b::c000:201", slaac);
    ip6_set_nat64_prefix(ip, NULL, 0);

    /* ALOC is never a source, even for an ALOC destination. */
    struct ip6 only;
    ip6_init(&only, NULL, NULL);
    a6("fd00:db8:aaaa:bbbb::", pfx);
    ip6_set_ml_prefix(&only, pfx);
    assert_int_equal(ip6_add_aloc(&only, 0xfc00), IP6_OK);
    expect_src(&only, "fd00:db8:aaaa:bbbb:0:ff:fe00:fc00", NULL);

    tvec_free(&f);
    free(n);
}

/* nat64-ping frame 24: the MED's echo request to the synthesized address
 * has its SLAAC source; our choice must be the same. */
static void test_source_nat64_vector(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    assert_int_equal(tvec_load("nat64-ping.vec", &f), 0);
    node_from_block(n, &f, tvec_find(&f, "node", "2"));
    uint8_t pfx[16], d[16], s[16];
    a6("64:ff9b::", pfx);
    ip6_set_nat64_prefix(&n->ip, pfx, 96);
    const struct tvec_block *fb = frame_block(&f, 24);
    a6(tvec_get(fb, "ipv6_dst"), d);
    a6(tvec_get(fb, "ipv6_src"), s);
    const struct ip6_uaddr *u = ip6_select_source(&n->ip, d);
    assert_non_null(u);
    assert_memory_equal(u->addr, s, 16);
    assert_int_equal(u->kind, IP6_ADDR_SLAAC);
    tvec_free(&f);
    free(n);
}

/* ---- Every captured packet into its receivers ----------------------- */

/* The node a MAC address in `mac_header` names ("0xNNNN" or ext hex). */
static struct node *mac_dst_node(const char *hdr, struct node *nodes, unsigned nn)
{
    const char *p = strstr(hdr, " dst=");
    if (!p)
        return NULL;
    p += 5;
    for (unsigned i = 0; i < nn; i++) {
        char buf[24];
        if (!strncmp(p, "0x", 2)) {
            uint16_t s = (uint16_t)strtoul(p + 2, NULL, 16);
            if (nodes[i].ip.rloc16 == s ||
                (nodes[i].id == 2 && s == 0x4800 && nodes[i].ip.rloc16 == 0x1801))
                return &nodes[i];
        } else {
            snprintf(buf, sizeof(buf), "%02x%02x%02x%02x%02x%02x%02x%02x", nodes[i].ip.ext_addr[0],
                     nodes[i].ip.ext_addr[1], nodes[i].ip.ext_addr[2], nodes[i].ip.ext_addr[3],
                     nodes[i].ip.ext_addr[4], nodes[i].ip.ext_addr[5], nodes[i].ip.ext_addr[6],
                     nodes[i].ip.ext_addr[7]);
            if (!strncmp(p, buf, 16))
                return &nodes[i];
        }
    }
    return NULL;
}

/* The group memberships a node of this role has, known independently of
 * the code under test. */
static bool oracle_member(const struct node *n, const uint8_t g[16])
{
    uint8_t scope = g[1] & 0x0f;
    if (g[1] == 0x32 || g[1] == 0x33)
        return g[15] == 1;
    bool low = !memcmp(g + 2, "\0\0\0\0\0\0\0\0\0\0\0\0\0", 13);
    if (!low || (scope != 2 && scope != 3))
        return false;
    return g[15] == 1 || (g[15] == 2 && n->router) || (g[15] == 0xfc && scope == 3);
}

/* The first captured echo reply after frame `after` with this id/seq. */
static const uint8_t *find_reply(const struct tvec_file *f, unsigned after, const uint8_t *req,
                                 size_t *len)
{
    for (unsigned i = 0; i < f->n; i++) {
        const struct tvec_block *b = &f->blocks[i];
        if (strcmp(b->kv[0].key, "frame") || (unsigned)atoi(b->kv[0].value) <= after)
            continue;
        const char *l4 = tvec_get(b, "l4"), *hex = tvec_get(b, "lowpan_decompressed_ipv6");
        if (!l4 || !hex || strcmp(l4, "icmpv6 type=129 code=0"))
            continue;
        static uint8_t buf[IP6_MTU];
        long n = tvec_hex(hex, buf, sizeof(buf));
        assert_true(n > 48);
        if (!memcmp(buf + 44, req + 44, 4) && !memcmp(buf + 8, req + 24, 16)) {
            *len = (size_t)n;
            return buf;
        }
    }
    return NULL;
}

static void check_echo_reply(const uint8_t *req, size_t rlen, const uint8_t *rep, size_t len)
{
    assert_int_equal(len, rlen);
    assert_int_equal(rep[0], 0x60);
    assert_int_equal(rep[6], 58);
    assert_int_equal(rep[7], 64);
    assert_memory_equal(rep + 8, req + 24, 16); /* addresses swapped */
    assert_memory_equal(rep + 24, req + 8, 16);
    assert_int_equal(rep[40], 129);
    assert_int_equal(rep[41], 0);
    assert_memory_equal(rep + 44, req + 44, rlen - 44); /* id, seq, data */
    assert_true(l4_valid(rep, len));
}

static void test_vec_input(void **state)
{
    (void)state;
    unsigned packets = 0, delivered = 0, forwarded = 0, replies_equal = 0, mle = 0, tmf = 0;
    for (unsigned fi = 0; fi < 3; fi++) {
        struct tvec_file f;
        struct node *nodes = calloc(3, sizeof(*nodes));
        assert_non_null(nodes);
        assert_int_equal(tvec_load(vec_files[fi], &f), 0);
        unsigned nn = load_nodes(&f, nodes, 3);
        for (unsigned bi = 0; bi < f.n; bi++) {
            const struct tvec_block *b = &f.blocks[bi];
            const char *hex = tvec_get(b, "lowpan_decompressed_ipv6");
            if (strcmp(b->kv[0].key, "frame") || !hex)
                continue;
            size_t len;
            uint8_t *pkt = hexdup(hex, &len);
            int sender = atoi(tvec_get(b, "sender_node"));
            unsigned frame = (unsigned)atoi(b->kv[0].value);
            const uint8_t *dst = pkt + 24;
            struct ip6_link_info link = {strcmp(tvec_get(b, "mac_security"), "none") != 0, false};
            struct node *mac_dst = mac_dst_node(tvec_get(b, "mac_header"), nodes, nn);
            bool handled = false;
            packets++;
            assert_true(l4_valid(pkt, len));

            for (unsigned r = 0; r < nn; r++) {
                struct node *n = &nodes[r];
                if (n->id == sender)
                    continue;
                enum ip6_verdict want;
                enum ip6_drop want_drop = IP6_DROP__COUNT;
                if (ip6_addr_find(&n->ip, pkt + 8)) {
                    want = IP6_RX_DROPPED; /* MPL copy of our own packet */
                    want_drop = IP6_DROP_LOOPED;
                } else if (pkt[6] == 58 && pkt[40] == 129 && ip6_addr_find(&n->ip, dst)) {
                    /* no ping runs here: the replay tests match replies */
                    want = IP6_RX_DROPPED;
                    want_drop = IP6_DROP_ECHO_UNMATCHED;
                    handled = true;
                } else if (dst[0] == 0xff) {
                    if (oracle_member(n, dst))
                        want = IP6_RX_DELIVERED;
                    else if ((dst[1] & 0x0f) > 2)
                        want = IP6_RX_FORWARD;
                    else {
                        want = IP6_RX_DROPPED;
                        want_drop = IP6_DROP_MCAST_NOT_MEMBER;
                    }
                } else if (ip6_addr_find(&n->ip, dst)) {
                    want = IP6_RX_DELIVERED;
                } else if (n == mac_dst) {
                    want = IP6_RX_FORWARD;
                } else {
                    continue; /* neither ours nor sent to us */
                }
                struct ip6_rx_info info;
                unsigned sent0 = n->n_sent, udp0 = n->udp_count;
                enum ip6_verdict v = ip6_input(&n->ip, pkt, len, 1000, &link, &info);
                if (v != want || (want == IP6_RX_DROPPED && info.drop != want_drop))
                    fail_msg("%s frame %u node %d: verdict %d (%s), want %d", vec_files[fi], frame,
                             n->id, v, v == IP6_RX_DROPPED ? ip6_drop_str(info.drop) : "-", want);
                if (v == IP6_RX_FORWARD)
                    forwarded++, handled = true;
                if (v == IP6_RX_DROPPED && info.drop == IP6_DROP_LOOPED)
                    handled = true; /* MPL copy back to its originator */
                if (v != IP6_RX_DELIVERED)
                    continue;
                delivered++;
                handled = true;
                if (pkt[6] == 0) { /* the MPL option is reported */
                    assert_true(info.mpl.present);
                    assert_int_equal(info.mpl.seed_len, 0);
                    assert_int_equal(info.mpl.seed_id, be16_get(pkt + 22));
                    assert_int_equal(info.mpl.sequence, pkt[45]);
                }
                if (info.proto == IP6_PROTO_ICMP6 && pkt[info.l4_off] == 128) {
                    assert_int_equal(n->n_sent, sent0 + 1);
                    check_echo_reply(pkt, len, n->sent[sent0], n->sent_len[sent0]);
                    size_t cl;
                    const uint8_t *cap = find_reply(&f, frame, pkt, &cl);
                    if (cap && cap[7] == 64) { /* first hop: OT's own reply */
                        assert_int_equal(cl, n->sent_len[sent0]);
                        assert_memory_equal(cap, n->sent[sent0], cl);
                        replies_equal++;
                    }
                } else if (info.proto == IP6_PROTO_UDP) {
                    const char *l4 = tvec_get(b, "l4");
                    size_t off = 40 + (pkt[6] == 0 ? ((size_t)pkt[41] + 1) * 8 : 0);
                    char want_l4[64];
                    assert_int_equal(n->udp_count, udp0 + 1);
                    snprintf(want_l4, sizeof(want_l4), "udp sport=%u dport=%u", n->udp.sport,
                             n->udp.dport);
                    assert_string_equal(l4, want_l4);
                    assert_int_equal(n->udp.len, len - off - 8);
                    assert_memory_equal(n->udp_payload, pkt + off + 8, n->udp.len);
                    assert_memory_equal(n->udp.src, pkt + 8, 16);
                    assert_int_equal(n->udp.link_secured, link.link_secured);
                    if (n->udp.dport == IP6_MLE_PORT) {
                        /* security suite 0, sec ctl 0x15 (vec README) */
                        assert_int_equal(n->udp_payload[0], 0x00);
                        assert_int_equal(n->udp_payload[1], 0x15);
                        mle++;
                    } else {
                        const char *coap = tvec_get(b, "coap");
                        assert_non_null(coap);
                        const char *mid = strstr(coap, "mid=");
                        assert_non_null(mid);
                        assert_int_equal(n->udp_payload[0] >> 6, 1); /* CoAP version */
                        assert_int_equal(be16_get(n->udp_payload + 2), atoi(mid + 4));
                        tmf++;
                    }
                }
            }
            /* Parent Requests of a lone leader reach no router: the only
             * frames nobody takes. */
            if (!handled && !(dst[0] == 0xff && dst[1] == 0x02 && dst[15] == 2))
                fail_msg("%s frame %u: nobody took it", vec_files[fi], frame);
            free(pkt);
        }
        /* What remained undelivered is counted under a name. */
        for (unsigned r = 0; r < nn; r++) {
            uint32_t sum = 0;
            for (unsigned d = 0; d < IP6_DROP__COUNT; d++)
                sum += nodes[r].ip.cnt.drops[d];
            assert_int_equal(sum, nodes[r].ip.cnt.rx_dropped);
        }
        tvec_free(&f);
        free(nodes);
    }
    /* Counts as of the three captures (deterministic). */
    assert_int_equal(packets, 101);
    assert_int_equal(delivered, 76);
    assert_int_equal(forwarded, 6);
    /* attach 20, 28, 32, 51, 57; med 33, 37, and node 3's request to node 2
     * both as sent (frame 45) and as the leader forwarded it (frame 48). */
    assert_int_equal(replies_equal, 9);
    assert_int_equal(mle, 57);
    assert_int_equal(tmf, 10);
}

/* ---- Ping replay against the captures and transcripts --------------- */

struct ping_log {
    char buf[4096];
    FILE *out;
    unsigned replies, done;
    struct ip6_ping_stats stats;
};

static void log_reply(void *ctx, const struct ip6_ping_reply *r)
{
    struct ping_log *l = ctx;
    ip6_ping_fmt_reply(l->out, r);
    l->replies++;
}

static void log_done(void *ctx, const struct ip6_ping_stats *s)
{
    struct ping_log *l = ctx;
    ip6_ping_fmt_stats(l->out, s);
    l->stats = *s;
    l->done++;
}

static void log_open(struct ping_log *l)
{
    memset(l, 0, sizeof(*l));
    l->out = fmemopen(l->buf, sizeof(l->buf), "w");
    assert_non_null(l->out);
}

static const char *log_text(struct ping_log *l)
{
    fflush(l->out);
    return l->buf;
}

static void log_close(struct ping_log *l)
{
    fclose(l->out);
}

/* The transcript lines from "> ping ..." up to the blank line after it. */
static void transcript_block(const char *file, const char *cmd, char *out, size_t cap)
{
    char path[512], line[512];
    const char *dir = getenv("TBR_THREAD_VECTORS");
    assert_non_null(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    bool in = false;
    size_t n = 0;
    out[0] = 0;
    while (fgets(line, sizeof(line), fp)) {
        if (!in) {
            if (!strncmp(line, "> ", 2) && !strncmp(line + 2, cmd, strlen(cmd)) &&
                line[2 + strlen(cmd)] == '\n')
                in = true;
            continue;
        }
        if (line[0] == '\n' || line[0] == '[')
            break;
        if (!strncmp(line, "Pinging synthesized", 19))
            continue; /* printed by the CLI, not by this layer */
        n += (size_t)snprintf(out + n, cap - n, "%s", line);
    }
    fclose(fp);
    assert_true(in);
}

static uint8_t *frame_pkt(const struct tvec_file *f, unsigned idx, size_t *len)
{
    const struct tvec_block *b = frame_block(f, idx);
    assert_non_null(b);
    return hexdup(tvec_get(b, "lowpan_decompressed_ipv6"), len);
}

/*
 * Replays one ping command of a capture on the pinging node: the requests
 * it emits must be the captured ones (the node clock is taken from the
 * captured timestamp), the captured replies are fed back `rtt[i]` ms later
 * (the transcript's times), and the printed lines must be the transcript's.
 */
static void replay_ping(const char *vec, const char *transcript, int node_id, const char *cmd,
                        const unsigned *req_frames, const unsigned *rep_frames, const unsigned *rtt,
                        unsigned count, uint16_t size, uint8_t hop, bool nat64, uint16_t first_id,
                        uint16_t first_seq)
{
    struct tvec_file f;
    struct node *n = calloc(1, sizeof(*n));
    struct ping_log log;
    char want[2048];
    assert_non_null(n);
    assert_int_equal(tvec_load(vec, &f), 0);
    node_from_block(n, &f, tvec_find(&f, "node", node_id == 1 ? "1" : node_id == 2 ? "2" : "3"));
    if (nat64) {
        uint8_t pfx[16];
        a6("64:ff9b::", pfx);
        ip6_set_nat64_prefix(&n->ip, pfx, 96);
    }
    /* Earlier pings of the session used these up. */
    n->ip.ping.id = (uint16_t)(first_id - 1);
    n->ip.echo_seq = first_seq;
    log_open(&log);

    size_t len;
    uint8_t *req0 = frame_pkt(&f, req_frames[0], &len);
    uint64_t now = be32_get(req0 + 48);
    struct ip6_ping_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.dst, req0 + 24, 16);
    cfg.size = size;
    cfg.count = (uint16_t)count;
    cfg.interval_ms = 1000;
    cfg.hop_limit = hop;
    cfg.on_reply = log_reply;
    cfg.on_done = log_done;
    cfg.cb_ctx = &log;
    free(req0);
    assert_int_equal(ip6_ping_start(&n->ip, &cfg, now), IP6_OK);
    assert_int_equal(ip6_ping_start(&n->ip, &cfg, now), IP6_ERR_BUSY);
    for (unsigned i = 0; i < count; i++) {
        size_t cl;
        uint8_t *req = frame_pkt(&f, req_frames[i], &cl);
        assert_int_equal(n->n_sent, i + 1);
        assert_int_equal(n->sent_len[i], cl);
        assert_memory_equal(n->sent[i], req, cl);
        uint64_t sent_at = be32_get(req + 48);
        assert_int_equal(sent_at, (uint32_t)now);
        if (rep_frames) {
            uint8_t *rep = frame_pkt(&f, rep_frames[i], &cl);
            struct ip6_link_info link = {true, false};
            ip6_ping_poll(&n->ip, now + rtt[i]); /* nothing due yet */
            assert_int_equal(n->n_sent, i + 1);
            assert_int_equal(ip6_input(&n->ip, rep, cl, now + rtt[i], &link, NULL),
                             IP6_RX_DELIVERED);
            /* A duplicate after the end would no longer match. */
            free(rep);
        }
        free(req);
        uint64_t next;
        if (i + 1 < count) {
            assert_true(ip6_ping_deadline(&n->ip, &next));
            assert_int_equal(next, now + 1000);
            ip6_ping_poll(&n->ip, next - 1);
            assert_int_equal(n->n_sent, i + 1);
            now = next;
            ip6_ping_poll(&n->ip, now);
        }
    }
    if (!rep_frames) {
        uint64_t end;
        assert_true(ip6_ping_deadline(&n->ip, &end));
        assert_int_equal(end, now + 3000); /* default timeout */
        ip6_ping_poll(&n->ip, end - 1);
        assert_int_equal(log.done, 0);
        ip6_ping_poll(&n->ip, end);
    }
    assert_int_equal(log.done, 1);
    assert_false(ip6_ping_deadline(&n->ip, NULL));
    transcript_block(transcript, cmd, want, sizeof(want));
    assert_string_equal(log_text(&log), want);
    log_close(&log);
    tvec_free(&f);
    free(n);
}

static void test_ping_replay_attach(void **state)
{
    (void)state;
    static const unsigned req1[] = {20, 28, 32}, rep1[] = {24, 30, 34}, rtt1[] = {7, 3, 5};
    replay_ping("attach-ftd-child.vec", "attach-ftd-child.transcript.txt", 2,
                "ping fd8a:c004:2ff7:edce:9304:df0b:4fca:cacf 32 3 1", req1, rep1, rtt1, 3, 32, 0,
                false, 1, 1);
    static const unsigned req2[] = {51, 57}, rep2[] = {53, 59}, rtt2[] = {1, 4};
    replay_ping("attach-ftd-child.vec", "attach-ftd-child.transcript.txt", 2,
                "ping fd8a:c004:2ff7:edce:9304:df0b:4fca:cacf 16 2 1", req2, rep2, rtt2, 2, 16, 0,
                false, 2, 4);
}

static void test_ping_replay_med(void **state)
{
    (void)state;
    static const unsigned rq[] = {33}, rp[] = {35}, rt[] = {3};
    replay_ping("med-and-netdata.vec", "med-and-netdata.transcript.txt", 2,
                "ping fd00:db8:aaaa:bbbb:473c:1418:403:9e6f 8 1", rq, rp, rt, 1, 8, 0, false, 1, 1);
    static const unsigned rq1[] = {37}, rp1[] = {39};
    replay_ping("med-and-netdata.vec", "med-and-netdata.transcript.txt", 1,
                "ping fd11:22:0:0:6279:f035:7b6f:317a 8 1", rq1, rp1, rt, 1, 8, 0, false, 1, 1);
    /* Node 3 -> node 2 through the leader: the reply arrives with hlim 63. */
    static const unsigned rq3[] = {45}, rp3[] = {53}, rt3[] = {8};
    replay_ping("med-and-netdata.vec", "med-and-netdata.transcript.txt", 3,
                "ping fd00:db8:aaaa:bbbb:7db5:9e80:cb7c:4459 8 1", rq3, rp3, rt3, 1, 8, 0, false, 1,
                1);
}

/* `ping 192.0.2.1 8 1 1 5`: source SLAAC, hop limit 5, no answer. */
static void test_ping_replay_nat64(void **state)
{
    (void)state;
    static const unsigned rq[] = {24};
    replay_ping("nat64-ping.vec", "nat64-ping.transcript.txt", 2, "ping 192.0.2.1 8 1 1 5", rq,
                NULL, NULL, 1, 8, 5, true, 1, 1);
}

/* ---- Two contexts back to back -------------------------------------- */

/* A one-way queue between two contexts (the forwarder's role). */
struct wire {
    struct ip6 *peer;
    uint8_t q[8][IP6_MTU];
    size_t qlen[8];
    unsigned n;
    bool lose;   /* drop everything */
    bool direct; /* call the peer's ip6_input from send */
    uint64_t *clock;
};

static void wire_send(void *ctx, const uint8_t *pkt, size_t len)
{
    struct wire *w = ctx;
    if (w->lose)
        return;
    if (w->direct) {
        struct ip6_link_info link = {true, false};
        ip6_input(w->peer, pkt, len, *w->clock, &link, NULL);
        return;
    }
    assert_true(w->n < 8);
    memcpy(w->q[w->n], pkt, len);
    w->qlen[w->n++] = len;
}

static const struct ip6_ops wire_ops = {wire_send};

/* Delivers what is queued on w (in order) at time now; returns the count. */
static unsigned wire_pump(struct wire *w, uint64_t now)
{
    unsigned k = w->n;
    struct ip6_link_info link = {true, false};
    for (unsigned i = 0; i < k; i++)
        ip6_input(w->peer, w->q[i], w->qlen[i], now, &link, NULL);
    w->n = 0;
    return k;
}

struct pair {
    struct ip6 a, b;
    struct wire ab, ba; /* a -> b, b -> a */
    uint64_t clock;
};

static void pair_init(struct pair *p)
{
    uint8_t ml[16], ext[8] = {0x2e, 0x79, 0x46, 0xa7, 0x26, 0x4d, 0x2e, 0xb6};
    uint8_t iid[8] = {0x7d, 0xb5, 0x9e, 0x80, 0xcb, 0x7c, 0x44, 0x59};
    memset(p, 0, sizeof(*p));
    p->ab.peer = &p->b;
    p->ba.peer = &p->a;
    p->ab.clock = p->ba.clock = &p->clock;
    ip6_init(&p->a, &wire_ops, &p->ab);
    ip6_init(&p->b, &wire_ops, &p->ba);
    a6("fd00:db8:aaaa:bbbb::", ml);
    ip6_set_ml_prefix(&p->a, ml);
    ip6_set_ml_prefix(&p->b, ml);
    ip6_set_ext_addr(&p->a, ext);
    ip6_set_ml_iid(&p->a, iid);
    ip6_set_rloc16(&p->a, 0xb001);
    ext[7] ^= 0xff;
    iid[7] ^= 0xff;
    ip6_set_ext_addr(&p->b, ext);
    ip6_set_ml_iid(&p->b, iid);
    ip6_set_rloc16(&p->b, 0xb000);
    ip6_set_router(&p->b, true);
}

static void test_ping_pair(void **state)
{
    (void)state;
    struct pair *p = calloc(1, sizeof(*p));
    struct ping_log log;
    char buf[ADDR_STR6], want[1024];
    assert_non_null(p);
    pair_init(p);
    const uint8_t *bdst = ip6_addr_of_kind(&p->b, IP6_ADDR_ML_EID)->addr;
    addr_fmt6_ot(bdst, buf);

    /* 3 pings, 32 bytes, replies after 7, 3 and 5 ms. */
    log_open(&log);
    struct ip6_ping_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.dst, bdst, 16);
    cfg.size = 32;
    cfg.count = 3;
    cfg.on_reply = log_reply;
    cfg.on_done = log_done;
    cfg.cb_ctx = &log;
    p->clock = 50000;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    static const unsigned rtt[3] = {7, 3, 5};
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(wire_pump(&p->ab, p->clock), 1); /* request to b */
        assert_int_equal(p->b.cnt.tx_echo_replies, i + 1);
        assert_int_equal(wire_pump(&p->ba, p->clock + rtt[i]), 1); /* reply to a */
        p->clock += 1000;
        ip6_ping_poll(&p->a, p->clock);
    }
    snprintf(want, sizeof(want),
             "40 bytes from %s: icmp_seq=1 hlim=64 time=7ms\n"
             "40 bytes from %s: icmp_seq=2 hlim=64 time=3ms\n"
             "40 bytes from %s: icmp_seq=3 hlim=64 time=5ms\n"
             "3 packets transmitted, 3 packets received. Packet loss = 0.0%%. "
             "Round-trip min/avg/max = 3/5.000/7 ms.\n",
             buf, buf, buf);
    assert_string_equal(log_text(&log), want);
    assert_int_equal(log.done, 1);
    log_close(&log);

    /* Lost packets: 3 sent, the 2nd lost; then everything lost. */
    log_open(&log);
    cfg.size = 0; /* default 8 */
    cfg.count = 3;
    cfg.interval_ms = 500;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    for (unsigned i = 0; i < 3; i++) {
        wire_pump(&p->ab, p->clock);
        wire_pump(&p->ba, p->clock + 2);
        if (i < 2) {
            p->clock += 500;
            p->ab.lose = i == 0; /* the 2nd request (seq 5) is lost */
            ip6_ping_poll(&p->a, p->clock);
        }
    }
    p->ab.lose = false;
    snprintf(want, sizeof(want),
             "16 bytes from %s: icmp_seq=4 hlim=64 time=2ms\n"
             "16 bytes from %s: icmp_seq=6 hlim=64 time=2ms\n"
             "3 packets transmitted, 2 packets received. Packet loss = 33.3%%. "
             "Round-trip min/avg/max = 2/2.000/2 ms.\n",
             buf, buf);
    assert_string_equal(log_text(&log), want);
    log_close(&log);

    log_open(&log);
    cfg.count = 1;
    p->ab.lose = true;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    ip6_ping_poll(&p->a, p->clock + 2999);
    assert_int_equal(log.done, 0);
    p->clock += 3000;
    ip6_ping_poll(&p->a, p->clock);
    assert_string_equal(log_text(&log),
                        "1 packets transmitted, 0 packets received. Packet loss = 100.0%.\n");
    log_close(&log);
    p->ab.lose = false;

    /* A reply arriving after the end is unmatched. */
    log_open(&log);
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    wire_pump(&p->ab, p->clock);
    p->clock += 3000;
    ip6_ping_poll(&p->a, p->clock);
    uint32_t before = p->a.cnt.drops[IP6_DROP_ECHO_UNMATCHED];
    wire_pump(&p->ba, p->clock);
    assert_int_equal(p->a.cnt.drops[IP6_DROP_ECHO_UNMATCHED], before + 1);
    log_close(&log);

    /* Direct wiring: the reply comes back inside ops->send. */
    log_open(&log);
    p->ab.direct = p->ba.direct = true;
    cfg.count = 2;
    cfg.interval_ms = 0; /* default 1000 */
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    assert_int_equal(log.replies, 1);
    p->clock += 1000;
    ip6_ping_poll(&p->a, p->clock);
    assert_int_equal(log.done, 1);
    snprintf(want, sizeof(want),
             "16 bytes from %s: icmp_seq=9 hlim=64 time=0ms\n"
             "16 bytes from %s: icmp_seq=10 hlim=64 time=0ms\n"
             "2 packets transmitted, 2 packets received. Packet loss = 0.0%%. "
             "Round-trip min/avg/max = 0/0.000/0 ms.\n",
             buf, buf);
    assert_string_equal(log_text(&log), want);
    log_close(&log);
    p->ab.direct = p->ba.direct = false;

    /* Multicast ping: no loss figure, ends at the timeout; hop limit 0 is
     * sent when asked for. */
    log_open(&log);
    a6("ff03::1", cfg.dst);
    cfg.count = 1;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    assert_int_equal(p->ab.qlen[0], 56);
    assert_memory_equal(p->ab.q[0] + 8, ip6_addr_of_kind(&p->a, IP6_ADDR_ML_EID)->addr, 16);
    wire_pump(&p->ab, p->clock);
    wire_pump(&p->ba, p->clock + 4);
    assert_int_equal(log.replies, 1);
    assert_int_equal(log.done, 0);
    p->clock += 3000;
    ip6_ping_poll(&p->a, p->clock);
    snprintf(want, sizeof(want),
             "16 bytes from %s: icmp_seq=11 hlim=64 time=4ms\n"
             "1 packets transmitted, 1 packets received. "
             "Round-trip min/avg/max = 4/4.000/4 ms.\n",
             buf);
    assert_string_equal(log_text(&log), want);
    log_close(&log);

    memcpy(cfg.dst, bdst, 16);
    cfg.hop_limit = 0;
    cfg.allow_zero_hop_limit = true;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_OK);
    assert_int_equal(p->ab.q[0][7], 0);
    ip6_ping_stop(&p->a);
    assert_false(ip6_ping_deadline(&p->a, NULL));
    p->ab.n = 0;

    /* Argument checks. */
    cfg.has_src = true;
    a6("fd00::1", cfg.src);
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_ERR_INVAL);
    cfg.has_src = false;
    cfg.size = 2000;
    assert_int_equal(ip6_ping_start(&p->a, &cfg, p->clock), IP6_ERR_TOO_BIG);
    free(p);
}

/* ---- UDP ------------------------------------------------------------- */

static struct ip6_udp_rx g_rx;
static unsigned g_rx_count;
static uint8_t g_rx_payload[IP6_MTU];
static void g_udp_cb(void *ctx, const struct ip6_udp_rx *rx)
{
    g_rx = *rx;
    memcpy(g_rx_payload, rx->payload, rx->len);
    g_rx_count += 1 + (unsigned)(uintptr_t)ctx * 100;
}

static void test_udp(void **state)
{
    (void)state;
    struct pair *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    pair_init(p);
    const uint8_t *bml = ip6_addr_of_kind(&p->b, IP6_ADDR_ML_EID)->addr;
    const uint8_t *brloc = ip6_addr_of_kind(&p->b, IP6_ADDR_RLOC)->addr;
    const uint8_t *arloc = ip6_addr_of_kind(&p->a, IP6_ADDR_RLOC)->addr;
    int any = ip6_udp_bind(&p->b, 5683, NULL, 0, g_udp_cb, (void *)0);
    int spec = ip6_udp_bind(&p->b, 5683, brloc, 0, g_udp_cb, (void *)1);
    assert_true(any >= 0 && spec >= 0);
    assert_int_equal(ip6_udp_bind(&p->b, 5683, NULL, 0, g_udp_cb, NULL), -IP6_ERR_EXISTS);
    assert_int_equal(ip6_udp_bind(&p->b, 0, NULL, 0, g_udp_cb, NULL), -IP6_ERR_INVAL);

    /* To the ML-EID: the wildcard socket; to the RLOC: the bound one. */
    g_rx_count = 0;
    assert_int_equal(ip6_send_udp(&p->a, NULL, bml, 1234, 5683, "hello", 5, 0), IP6_OK);
    assert_int_equal(p->ab.n, 1);
    assert_memory_equal(p->ab.q[0] + 8, ip6_addr_of_kind(&p->a, IP6_ADDR_ML_EID)->addr, 16);
    assert_int_equal(p->ab.q[0][7], 64);
    assert_true(l4_valid(p->ab.q[0], p->ab.qlen[0]));
    wire_pump(&p->ab, 0);
    assert_int_equal(g_rx_count, 1);
    assert_int_equal(g_rx.sport, 1234);
    assert_int_equal(g_rx.len, 5);
    assert_memory_equal(g_rx_payload, "hello", 5);
    assert_true(g_rx.link_secured);
    assert_int_equal(ip6_send_udp(&p->a, NULL, brloc, 1, 5683, "x", 1, 7), IP6_OK);
    assert_memory_equal(p->ab.q[0] + 8, arloc, 16); /* RLOC to RLOC */
    assert_int_equal(p->ab.q[0][7], 7);
    wire_pump(&p->ab, 0);
    assert_int_equal(g_rx_count, 102);

    /* Corruptions of a valid datagram. */
    uint8_t pkt[128];
    size_t len;
    assert_int_equal(ip6_build_udp(&p->a, NULL, bml, 9, 5683, "abcd", 4, 0, pkt, sizeof(pkt), &len),
                     IP6_OK);
    struct ip6_rx_info info;
    uint8_t c[128];
    memcpy(c, pkt, len);
    c[47] ^= 1;
    assert_int_equal(ip6_input(&p->b, c, len, 0, NULL, &info), IP6_RX_DROPPED);
    assert_int_equal(info.drop, IP6_DROP_UDP_CHECKSUM);
    memcpy(c, pkt, len);
    c[46] = c[47] = 0;
    assert_int_equal(ip6_input(&p->b, c, len, 0, NULL, &info), IP6_RX_DROPPED);
    assert_int_equal(info.drop, IP6_DROP_UDP_ZERO_CSUM);
    memcpy(c, pkt, len);
    be16_put(c + 44, 13); /* UDP length beyond the payload */
    assert_int_equal(ip6_input(&p->b, c, len, 0, NULL, &info), IP6_RX_DROPPED);
    assert_int_equal(info.drop, IP6_DROP_UDP_TRUNCATED);
    assert_int_equal(ip6_build_udp(&p->a, NULL, bml, 9, 5684, "abcd", 4, 0, c, sizeof(c), &len),
                     IP6_OK);
    assert_int_equal(ip6_input(&p->b, c, len, 0, NULL, &info), IP6_RX_DROPPED);
    assert_int_equal(info.drop, IP6_DROP_UDP_NO_SOCKET);
    /* Link padding after the payload is ignored. */
    memcpy(c, pkt, len);
    c[len] = 0xaa;
    assert_int_equal(ip6_input(&p->b, c, len + 1, 0, NULL, &info), IP6_RX_DELIVERED);
    /* UDP length shorter than the IP payload: datagram trimmed to it. */
    {
        uint8_t t[128];
        size_t tl;
        assert_int_equal(ip6_build_udp(&p->a, NULL, bml, 9, 5683, "ab", 2, 0, t, sizeof(t), &tl),
                         IP6_OK);
        t[tl] = 0;
        t[tl + 1] = 0;
        be16_put(t + 4, (uint16_t)(be16_get(t + 4) + 2)); /* payload + 2 zero bytes */
        assert_int_equal(ip6_input(&p->b, t, tl + 2, 0, NULL, &info), IP6_RX_DELIVERED);
        assert_int_equal(g_rx.len, 2);
    }

    /* Secure-only socket. */
    assert_int_equal(ip6_udp_close(&p->b, any), IP6_OK);
    assert_int_equal(ip6_udp_close(&p->b, any), IP6_ERR_NOT_FOUND);
    assert_true(ip6_udp_bind(&p->b, 5683, NULL, IP6_SOCK_SECURE_ONLY, g_udp_cb, NULL) >= 0);
    struct ip6_link_info open_link = {false, false}, sec = {true, false};
    assert_int_equal(ip6_input(&p->b, pkt, len, 0, &open_link, &info), IP6_RX_DROPPED);
    assert_int_equal(info.drop, IP6_DROP_UDP_UNSECURED);
    assert_int_equal(ip6_input(&p->b, pkt, len, 0, &sec, &info), IP6_RX_DELIVERED);

    /* Table full; build errors. */
    for (uint16_t port = 1; ip6_udp_bind(&p->b, port, NULL, 0, g_udp_cb, NULL) >= 0; port++)
        assert_true(port < 100);
    assert_int_equal(ip6_udp_bind(&p->b, 999, NULL, 0, g_udp_cb, NULL), -IP6_ERR_FULL);
    assert_int_equal(ip6_build_udp(&p->a, NULL, bml, 9, 5683, "abcd", 4, 0, pkt, 50, &len),
                     IP6_ERR_TOO_BIG);
    uint8_t g64[16];
    a6("64:ff9b::1", g64);
    ip6_set_nat64_prefix(&p->a, g64, 96);
    assert_int_equal(ip6_send_udp(&p->a, NULL, g64, 9, 53, "q", 1, 0), IP6_ERR_NO_SOURCE);
    struct ip6 lone;
    ip6_init(&lone, NULL, NULL);
    assert_int_equal(ip6_send_udp(&lone, bml, bml, 9, 53, "q", 1, 0), IP6_ERR_NO_SEND);
    /* Odd payload length and a checksum that folds to zero -> 0xffff. */
    unsigned seen_ffff = 0;
    for (unsigned v = 0; v < 0x10000 && !seen_ffff; v++) {
        uint8_t pl[3] = {(uint8_t)(v >> 8), (uint8_t)v, 0x5a};
        assert_int_equal(ip6_build_udp(&p->a, NULL, bml, 9, 5683, pl, 3, 0, pkt, sizeof(pkt), &len),
                         IP6_OK);
        assert_true(l4_valid(pkt, len));
        assert_true(be16_get(pkt + 46) != 0);
        seen_ffff = be16_get(pkt + 46) == 0xffff;
    }
    assert_true(seen_ffff);
    free(p);
}

/* ---- Extension headers and options ---------------------------------- */

/* Builds src -> dst with the given extension bytes (ext[0] is the first
 * header's next-header field: first_nh names the first header) and an
 * echo request of 4 data bytes after them; checksum filled. */
static size_t mk_ext_pkt(uint8_t *p, const char *src, const char *dst, uint8_t first_nh,
                         const uint8_t *ext, size_t elen, uint8_t last_nh)
{
    uint8_t s[16], d[16];
    a6(src, s);
    a6(dst, d);
    memset(p, 0, 40);
    p[0] = 0x60;
    p[6] = elen ? first_nh : last_nh;
    p[7] = 64;
    memcpy(p + 8, s, 16);
    memcpy(p + 24, d, 16);
    if (elen)
        memcpy(p + 40, ext, elen);
    uint8_t *l4 = p + 40 + elen;
    size_t n = 12;
    memset(l4, 0, n);
    l4[0] = 128;
    be16_put(l4 + 4, 0x4242);
    be16_put(l4 + 6, 7);
    memcpy(l4 + 8, "data", 4);
    be16_put(p + 4, (uint16_t)(elen + n));
    uint32_t sum = csum_pseudo6(s, d, 58, (uint32_t)n);
    be16_put(l4 + 2, csum_finish(csum_add(sum, l4, n)));
    return 40 + elen + n;
}

/* Recomputes the ICMPv6 checksum of a packet without extension headers. */
static void refresh_icmp(uint8_t *p, size_t len)
{
    p[42] = p[43] = 0;
    uint32_t s = csum_pseudo6(p + 8, p + 24, 58, (uint32_t)(len - 40));
    be16_put(p + 42, csum_finish(csum_add(s, p + 40, len - 40)));
}

static enum ip6_verdict in(struct node *n, const uint8_t *p, size_t len, struct ip6_rx_info *i)
{
    /* Exact-size copy so ASan sees any read past the packet. */
    uint8_t *c = malloc(len ? len : 1);
    assert_non_null(c);
    memcpy(c, p, len);
    enum ip6_verdict v = ip6_input(&n->ip, c, len, 0, NULL, i);
    free(c);
    return v;
}

static void expect_drop(struct node *n, const uint8_t *p, size_t len, enum ip6_drop d)
{
    struct ip6_rx_info i;
    enum ip6_verdict v = in(n, p, len, &i);
    if (v != IP6_RX_DROPPED || i.drop != d)
        fail_msg("verdict %d drop %s, want %s", v, v == IP6_RX_DROPPED ? ip6_drop_str(i.drop) : "-",
                 ip6_drop_str(d));
}

static struct node *leader_med(struct tvec_file *f)
{
    struct node *n = calloc(1, sizeof(*n));
    assert_non_null(n);
    assert_int_equal(tvec_load("med-and-netdata.vec", f), 0);
    node_from_block(n, f, tvec_find(f, "node", "1"));
    return n;
}

#define LEADER_ML "fd00:db8:aaaa:bbbb:473c:1418:403:9e6f"
#define CHILD_RLOC "fd00:db8:aaaa:bbbb:0:ff:fe00:b002"
#define CHILD_ML "fd00:db8:aaaa:bbbb:d694:e5c5:60d3:6ea1"

static void test_ext_headers(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = leader_med(&f);
    uint8_t p[512];
    size_t len;
    struct ip6_rx_info info;

    /* MPL S=0 from an RLOC: seed = RLOC16. */
    const uint8_t mpl0[8] = {58, 0, 0x6d, 2, 0x00, 0x33, 1, 0};
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::2", 0, mpl0, 8, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_true(info.mpl.present && info.mcast_forwardable);
    assert_int_equal(info.mpl.seed_id, 0xb002);
    assert_int_equal(info.mpl.sequence, 0x33);
    assert_int_equal(info.proto, 58);
    assert_int_equal(info.l4_off, 48);
    /* ... but not from an ML-EID (OpenThread needs a locator). */
    len = mk_ext_pkt(p, CHILD_ML, "ff03::2", 0, mpl0, 8, 58);
    expect_drop(n, p, len, IP6_DROP_MPL);
    /* S=1: a 2-byte seed; with M set. */
    const uint8_t mpl1[8] = {58, 0, 0x6d, 4, 0x60, 9, 0xb0, 0x05};
    len = mk_ext_pkt(p, CHILD_ML, "ff03::1", 0, mpl1, 8, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_true(info.mpl.m_flag);
    assert_int_equal(info.mpl.seed_len, 2);
    assert_int_equal(info.mpl.seed_id, 0xb005);
    /* S=2, V=1, wrong length, two MPL options: dropped. */
    const uint8_t mpl2[16] = {58, 1, 0x6d, 10, 0x80, 1, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0};
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::2", 0, mpl2, 16, 58);
    expect_drop(n, p, len, IP6_DROP_MPL);
    const uint8_t mplv[8] = {58, 0, 0x6d, 2, 0x10, 1, 1, 0};
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::2", 0, mplv, 8, 58);
    expect_drop(n, p, len, IP6_DROP_MPL);
    const uint8_t mpll[8] = {58, 0, 0x6d, 3, 0x00, 1, 0, 0};
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::2", 0, mpll, 8, 58);
    expect_drop(n, p, len, IP6_DROP_MPL);
    const uint8_t mpl22[16] = {58, 1, 0x6d, 2, 0, 1, 0x6d, 2, 0, 2, 1, 2, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::2", 0, mpl22, 16, 58);
    expect_drop(n, p, len, IP6_DROP_MPL);

    /* Unknown options by action bits (RFC 8200 §4.2). */
    uint8_t opt[8] = {58, 0, 0x1e, 2, 0, 0, 1, 0}; /* 00: skip */
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, opt, 8, 58);
    n->n_sent = 0;
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_int_equal(n->n_sent, 1);       /* the echo reply */
    assert_int_equal(n->sent_len[0], 52); /* no extension header in the reply */
    assert_memory_equal(n->sent[0] + 44, p + 48 + 4, 8);
    assert_true(l4_valid(n->sent[0], 52));
    opt[2] = 0x5e; /* 01: discard quietly */
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, opt, 8, 58);
    n->n_sent = 0;
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 0);
    opt[2] = 0x9e; /* 10: discard + Parameter Problem, even to multicast */
    len = mk_ext_pkt(p, CHILD_ML, "ff03::1", 0, opt, 8, 58);
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 1);
    const uint8_t *pp = n->sent[0];
    assert_int_equal(pp[40], IP6_ICMP_PARAM_PROBLEM);
    assert_int_equal(pp[41], 2);
    assert_int_equal(be32_get(pp + 44), 42); /* the option's offset */
    assert_memory_equal(pp + 48, p, len);    /* the invoking packet */
    assert_memory_equal(pp + 24, p + 8, 16);
    assert_memory_equal(pp + 8, ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID)->addr, 16);
    assert_true(l4_valid(pp, n->sent_len[0]));
    assert_int_equal(n->ip.cnt.tx_param_problems, 1);
    /* Rate limit: a second error within 100 ms is not sent. */
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 1);
    n->ip.err_sent = false;
    opt[2] = 0xde; /* 11: Parameter Problem only for unicast destinations */
    len = mk_ext_pkt(p, CHILD_ML, "ff03::1", 0, opt, 8, 58);
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 1);
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, opt, 8, 58);
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 2);
    assert_memory_equal(n->sent[1] + 8, p + 24, 16); /* from the address it was sent to */
    n->ip.err_sent = false;
    /* Option running past its header; Pad1 and PadN are fine. */
    const uint8_t bad[8] = {58, 0, 0x01, 7, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, bad, 8, 58);
    expect_drop(n, p, len, IP6_DROP_OPT_MALFORMED);
    const uint8_t pads[8] = {58, 0, 0, 0, 1, 2, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, pads, 8, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    const uint8_t cut[8] = {58, 0, 0, 0, 0, 0, 0, 0x01};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, cut, 8, 58);
    expect_drop(n, p, len, IP6_DROP_OPT_MALFORMED);

    /* Hop-by-Hop after another header; a chain too long; lengths past the end. */
    const uint8_t late[16] = {0, 0, 1, 4, 0, 0, 0, 0, 58, 0, 1, 4, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, late, 16, 58);
    n->n_sent = 0;
    expect_drop(n, p, len, IP6_DROP_EXT_CHAIN);
    assert_int_equal(n->n_sent, 1); /* Parameter Problem code 1 */
    assert_int_equal(n->sent[0][41], 1);
    assert_int_equal(be32_get(n->sent[0] + 44), 40);
    n->ip.err_sent = false;
    uint8_t chain[8 * (IP6_MAX_EXT_HDRS + 1)];
    for (unsigned k = IP6_MAX_EXT_HDRS; k <= IP6_MAX_EXT_HDRS + 1; k++) {
        for (unsigned i = 0; i < k; i++) {
            const uint8_t h[8] = {i + 1 == k ? 58 : 60, 0, 1, 4, 0, 0, 0, 0};
            memcpy(chain + 8 * i, h, 8);
        }
        len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, chain, 8 * k, 58);
        if (k == IP6_MAX_EXT_HDRS)
            assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
        else
            expect_drop(n, p, len, IP6_DROP_EXT_CHAIN);
    }
    const uint8_t longh[8] = {58, 9, 1, 4, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, longh, 8, 58);
    expect_drop(n, p, len, IP6_DROP_EXT_TRUNCATED);

    /* Routing header: Segments Left 0 ignored, otherwise dropped. */
    uint8_t rh[8] = {58, 0, 4, 0, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 43, rh, 8, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    rh[3] = 1;
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 43, rh, 8, 58);
    expect_drop(n, p, len, IP6_DROP_ROUTING_HDR);
    /* Atomic fragment passes (RFC 6946), a real fragment does not. */
    uint8_t fh[8] = {58, 0, 0, 0, 1, 2, 3, 4};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 44, fh, 8, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    fh[3] = 1; /* M */
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 44, fh, 8, 58);
    expect_drop(n, p, len, IP6_DROP_FRAGMENT);
    /* No Next Header; an unknown upper layer -> Parameter Problem code 1. */
    const uint8_t none[8] = {59, 0, 1, 4, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, none, 8, 58);
    expect_drop(n, p, len, IP6_DROP_NO_NEXT_HEADER);
    const uint8_t tcp[8] = {6, 0, 1, 4, 0, 0, 0, 0};
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 60, tcp, 8, 58);
    n->n_sent = 0;
    expect_drop(n, p, len, IP6_DROP_UNKNOWN_PROTO);
    assert_int_equal(n->n_sent, 1);
    assert_int_equal(n->sent[0][41], 1);
    assert_int_equal(be32_get(n->sent[0] + 44), 40);
    n->ip.err_sent = false;
    /* No error in answer to an ICMPv6 error (RFC 4443 §2.4(e.1)). */
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, (const uint8_t[8]){58, 0, 0xde, 2, 0, 0, 1, 0}, 8,
                     58);
    p[48] = 1; /* make the ICMPv6 message a Destination Unreachable */
    n->n_sent = 0;
    expect_drop(n, p, len, IP6_DROP_OPT_UNKNOWN);
    assert_int_equal(n->n_sent, 0);

    /* IPv6-in-IPv6 (RFC 2473): the inner packet is processed. */
    uint8_t inner[64];
    size_t il = mk_ext_pkt(inner, CHILD_ML, "ff03::1", 0, NULL, 0, 58);
    len = mk_ext_pkt(p, CHILD_RLOC, "ff03::fc", 0, mpl0, 8, 41);
    p[40] = 41; /* Hop-by-Hop, then the inner packet */
    memcpy(p + 48, inner, il);
    be16_put(p + 4, (uint16_t)(8 + il));
    len = 48 + il;
    n->n_sent = 0;
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_true(info.tunneled);
    assert_true(info.mpl.present);
    assert_int_equal(info.pkt_off, 48);
    assert_int_equal(info.l4_off, 88);
    assert_int_equal(n->n_sent, 1); /* echo reply to the inner source */
    uint8_t want[16];
    a6(CHILD_ML, want);
    assert_memory_equal(n->sent[0] + 24, want, 16);
    /* Three levels deep is too many. */
    uint8_t deep[256];
    memcpy(deep, p, 40); /* level 0 */
    deep[6] = 41;
    be16_put(deep + 4, (uint16_t)(40 + len));
    memcpy(deep + 40, p, 40); /* level 1 */
    deep[46] = 41;
    be16_put(deep + 44, (uint16_t)len);
    memcpy(deep + 80, p, len); /* level 2, whose inner packet is level 3 */
    size_t dl = 80 + len;
    expect_drop(n, deep, dl, IP6_DROP_EXT_CHAIN);
    tvec_free(&f);
    free(n);
}

/* ip6_send_dst_unreach (a router that cannot relay, OT's
 * SendDestinationUnreachable): code 0 to the given RLOC, the invoking
 * headers inside; none for an ICMPv6 error or a multicast destination. */
static void test_dst_unreach(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = leader_med(&f);
    uint8_t p[256], to[16];
    size_t len = mk_ext_pkt(p, CHILD_ML, "fd00:db8:aaaa:bbbb::77", 58, NULL, 0, 58);
    assert_true(addr_parse6(CHILD_RLOC, to));
    n->n_sent = 0;
    ip6_send_dst_unreach(&n->ip, to, p, 48, 1000);
    assert_int_equal(n->n_sent, 1);
    const uint8_t *e = n->sent[0];
    assert_int_equal(e[6], IP6_PROTO_ICMP6);
    assert_memory_equal(e + 24, to, 16);
    assert_int_equal(e[40], IP6_ICMP_DST_UNREACH);
    assert_int_equal(e[41], 0);
    assert_memory_equal(e + 48, p, 48);
    assert_true(l4_valid(e, n->sent_len[0]));
    assert_int_equal(n->ip.cnt.tx_dst_unreach, 1);
    n->ip.err_sent = false;
    /* The invoking packet is an ICMPv6 error: nothing. */
    p[40] = IP6_ICMP_DST_UNREACH;
    ip6_send_dst_unreach(&n->ip, to, p, len, 2000);
    assert_int_equal(n->n_sent, 1);
    /* Multicast destination, or headers shorter than IPv6's: nothing. */
    len = mk_ext_pkt(p, CHILD_ML, "ff03::1", 58, NULL, 0, 58);
    ip6_send_dst_unreach(&n->ip, to, p, len, 3000);
    ip6_send_dst_unreach(&n->ip, to, p, 39, 4000);
    assert_int_equal(n->n_sent, 1);
    tvec_free(&f);
    free(n);
}

/* ---- Header checks and forwarding ----------------------------------- */

static void test_header_and_forward(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = leader_med(&f);
    uint8_t p[256];
    size_t len;
    struct ip6_rx_info info;

    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, NULL, 0, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    expect_drop(n, p, 39, IP6_DROP_TRUNCATED);
    expect_drop(n, p, len - 1, IP6_DROP_PAYLOAD_LEN);
    p[0] = 0x40;
    expect_drop(n, p, len, IP6_DROP_VERSION);
    len = mk_ext_pkt(p, "ff02::1", LEADER_ML, 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_BAD_SRC);
    len = mk_ext_pkt(p, "::1", LEADER_ML, 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_BAD_SRC);
    len = mk_ext_pkt(p, CHILD_ML, "::", 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_BAD_DST);
    len = mk_ext_pkt(p, CHILD_ML, "::1", 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_BAD_DST);
    len = mk_ext_pkt(p, LEADER_ML, "ff03::1", 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_LOOPED);
    /* Echo request from :: cannot be answered. */
    len = mk_ext_pkt(p, "::", LEADER_ML, 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_ECHO_SRC);
    /* ICMPv6 checksum, short message, unknown type. */
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, NULL, 0, 58);
    p[50] ^= 0x40;
    expect_drop(n, p, len, IP6_DROP_ICMP_CHECKSUM);
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, NULL, 0, 58);
    be16_put(p + 4, 3);
    expect_drop(n, p, 43, IP6_DROP_ICMP_TRUNCATED);
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, NULL, 0, 58);
    p[40] = 200;
    refresh_icmp(p, len);
    expect_drop(n, p, len, IP6_DROP_ICMP_TYPE);
    len = mk_ext_pkt(p, CHILD_ML, LEADER_ML, 0, NULL, 0, 58);
    p[40] = 129; /* echo reply with no ping running */
    refresh_icmp(p, len);
    expect_drop(n, p, len, IP6_DROP_ECHO_UNMATCHED);
    /* Echo request to a group we joined: reply from a unicast address. */
    len = mk_ext_pkt(p, CHILD_ML, "ff03::1", 0, NULL, 0, 58);
    n->n_sent = 0;
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_int_equal(n->n_sent, 1);
    assert_memory_equal(n->sent[0] + 8, ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID)->addr, 16);
    /* Re-entry while our tx buffer is in use: the reply is dropped. */
    n->ip.tx_busy = true;
    expect_drop(n, p, len, IP6_DROP_REPLY_FAILED);
    n->ip.tx_busy = false;

    /* Not ours. */
    len = mk_ext_pkt(p, CHILD_ML, "fd00:db8:aaaa:bbbb::1234", 0, NULL, 0, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_FORWARD);
    assert_int_equal(info.proto, 58);
    len = mk_ext_pkt(p, CHILD_ML, "64:ff9b::808:808", 0, NULL, 0, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_FORWARD);
    p[7] = 1;
    expect_drop(n, p, len, IP6_DROP_HOP_LIMIT);
    struct ip6_link_info host = {false, true};
    assert_int_equal(ip6_input(&n->ip, p, len, 0, &host, &info), IP6_RX_FORWARD);
    len = mk_ext_pkt(p, CHILD_ML, "fe80::1", 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_LL_NOT_MINE);
    len = mk_ext_pkt(p, CHILD_ML, "ff02::16", 0, NULL, 0, 58);
    expect_drop(n, p, len, IP6_DROP_MCAST_NOT_MEMBER);
    len = mk_ext_pkt(p, CHILD_ML, "ff05::1234", 0, NULL, 0, 58);
    assert_int_equal(in(n, p, len, &info), IP6_RX_FORWARD);
    assert_true(info.multicast);
    assert_int_equal(info.mcast_scope, 5);
    /* A joined larger-scope group is both delivered and forwardable. */
    uint8_t g[16];
    a6("ff05::1234", g);
    assert_int_equal(ip6_subscribe(&n->ip, g), IP6_OK);
    assert_int_equal(ip6_subscribe(&n->ip, g), IP6_ERR_EXISTS);
    assert_int_equal(in(n, p, len, &info), IP6_RX_DELIVERED);
    assert_true(info.mcast_forwardable);
    assert_int_equal(ip6_unsubscribe(&n->ip, g), IP6_OK);
    assert_int_equal(ip6_unsubscribe(&n->ip, g), IP6_ERR_NOT_FOUND);
    a6("fd00::1", g);
    assert_int_equal(ip6_subscribe(&n->ip, g), IP6_ERR_INVAL);
    /* Forwarded packets are not checked beyond Hop-by-Hop. */
    const uint8_t rh[8] = {58, 0, 4, 0, 0, 9, 9, 9};
    len = mk_ext_pkt(p, CHILD_ML, "fd00:db8:aaaa:bbbb::1234", 43, rh, 8, 58);
    p[43] = 3;
    assert_int_equal(in(n, p, len, &info), IP6_RX_FORWARD);
    /* Counters add up. */
    uint32_t sum = 0;
    for (unsigned d = 0; d < IP6_DROP__COUNT; d++)
        sum += n->ip.cnt.drops[d];
    assert_int_equal(sum, n->ip.cnt.rx_dropped);
    assert_true(n->ip.cnt.rx_forward >= 5);
    assert_int_equal(ip6_input(&n->ip, NULL, 0, 0, NULL, NULL), IP6_RX_DROPPED);
    tvec_free(&f);
    free(n);
}

/* ---- Hostile input --------------------------------------------------- */

static uint32_t rng = 0x12345678;
static uint32_t xr(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Recomputes the UDP/ICMPv6 checksum (no or one Hop-by-Hop header). */
static void fix_l4(uint8_t *p, size_t len)
{
    size_t off = 40;
    uint8_t nh = p[6];
    if (nh == 0) {
        nh = p[40];
        off += ((size_t)p[41] + 1) * 8;
    }
    size_t co = off + (nh == 17 ? 6 : 2);
    p[co] = p[co + 1] = 0;
    uint32_t s = csum_pseudo6(p + 8, p + 24, nh, (uint32_t)(len - off));
    uint16_t c = csum_finish(csum_add(s, p + off, len - off));
    be16_put(p + co, nh == 17 && c == 0 ? 0xffff : c);
    assert_true(l4_valid(p, len));
}

static void hostile_one(struct node *n, const uint8_t *p, size_t len)
{
    struct ip6_rx_info info;
    uint32_t before = n->ip.cnt.rx_dropped;
    enum ip6_verdict v = in(n, p, len, &info);
    assert_true(v == IP6_RX_DELIVERED || v == IP6_RX_FORWARD || v == IP6_RX_DROPPED);
    if (v == IP6_RX_DROPPED) {
        assert_true(info.drop < IP6_DROP__COUNT);
        assert_string_not_equal(ip6_drop_str(info.drop), "?");
        assert_int_equal(n->ip.cnt.rx_dropped, before + 1);
    } else {
        assert_true(info.l4_off <= len);
        assert_int_equal(n->ip.cnt.rx_dropped, before);
    }
    for (unsigned i = 0; i < n->n_sent && i < MAX_SENT; i++) {
        assert_true(n->sent_len[i] <= IP6_MTU);
        assert_true(l4_valid(n->sent[i], n->sent_len[i]));
    }
    n->n_sent = 0;
    n->ip.err_sent = false; /* let every case try to emit errors */
}

static void test_hostile(void **state)
{
    (void)state;
    struct tvec_file f;
    struct node *n = leader_med(&f);
    struct ip6_ping_cfg cfg;
    /* A running ping so replies get parsed too. */
    memset(&cfg, 0, sizeof(cfg));
    a6(CHILD_ML, cfg.dst);
    cfg.count = 1000;
    assert_int_equal(ip6_ping_start(&n->ip, &cfg, 0), IP6_OK);
    n->ip.ping.id = 1;

    unsigned cases = 0;
    for (unsigned fi = 0; fi < 3; fi++) {
        struct tvec_file vf;
        assert_int_equal(tvec_load(vec_files[fi], &vf), 0);
        for (unsigned bi = 0; bi < vf.n; bi++) {
            const char *hex = tvec_get(&vf.blocks[bi], "lowpan_decompressed_ipv6");
            if (!hex)
                continue;
            size_t len;
            uint8_t *pkt = hexdup(hex, &len);
            /* Retarget to the node so the deep paths are reached. */
            if (pkt[24] != 0xff) {
                memcpy(pkt + 24, ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID)->addr, 16);
                fix_l4(pkt, len);
            }
            for (size_t t = 0; t <= len; t++, cases++)
                hostile_one(n, pkt, t);
            for (size_t bit = 0; bit < len * 8; bit++, cases++) {
                pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                hostile_one(n, pkt, len);
                pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            /* Lengths that lie. */
            for (unsigned k = 0; k < 16; k++, cases++) {
                uint8_t *c = malloc(len);
                assert_non_null(c);
                memcpy(c, pkt, len);
                be16_put(c + 4, (uint16_t)xr());
                if (len > 45 && (k & 1))
                    be16_put(c + 44, (uint16_t)xr());
                hostile_one(n, c, len);
                free(c);
            }
            free(pkt);
        }
        tvec_free(&vf);
    }
    /* Random packets with a plausible header and random extension chains. */
    static const uint8_t nhs[] = {0, 60, 43, 44, 41, 58, 17, 59, 6};
    uint8_t p[IP6_MTU];
    for (unsigned k = 0; k < 20000; k++, cases++) {
        size_t len = xr() % 200;
        for (size_t i = 0; i < len; i++)
            p[i] = (uint8_t)xr();
        if (len >= 40 && (k % 4)) {
            p[0] = 0x60;
            be16_put(p + 4, (uint16_t)(len - 40));
            p[6] = nhs[xr() % sizeof(nhs)];
            memcpy(p + 24, ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID)->addr, 16);
            if (k % 3 == 0) {
                uint8_t g[16];
                a6("ff03::fc", g);
                memcpy(p + 24, g, 16);
            }
            for (size_t o = 40; o + 8 <= len && (k % 5); o += 8) {
                p[o] = nhs[xr() % sizeof(nhs)];
                p[o + 1] = (uint8_t)(xr() % 2);
            }
        }
        hostile_one(n, p, len);
    }
    assert_true(cases > 50000);
    ip6_ping_stop(&n->ip);
    tvec_free(&f);
    free(n);
}

/* ---- Output formats -------------------------------------------------- */

static void test_fmt(void **state)
{
    (void)state;
    struct ping_log log;
    struct ip6_ping_reply r;
    memset(&r, 0, sizeof(r));
    a6("fd3b:c98b:a9aa:2::808:808", r.from);
    r.size = 8;
    r.seq = 1;
    r.hop_limit = 50;
    r.rtt_ms = 2;
    log_open(&log);
    ip6_ping_fmt_reply(log.out, &r);
    struct ip6_ping_stats s = {1, 1, 2, 2, 2, false};
    ip6_ping_fmt_stats(log.out, &s);
    struct ip6_ping_stats s0 = {1, 0, 0, 0xffff, 0, false};
    ip6_ping_fmt_stats(log.out, &s0);
    struct ip6_ping_stats s3 = {3, 2, 7, 3, 4, false};
    ip6_ping_fmt_stats(log.out, &s3);
    struct ip6_ping_stats sd = {1, 2, 7, 3, 4, false}; /* duplicate replies */
    ip6_ping_fmt_stats(log.out, &sd);
    struct ip6_ping_stats sz = {0, 0, 0, 0xffff, 0, false};
    ip6_ping_fmt_stats(log.out, &sz);
    assert_string_equal(
        log_text(&log),
        "16 bytes from fd3b:c98b:a9aa:2:0:0:808:808: icmp_seq=1 hlim=50 time=2ms\n"
        "1 packets transmitted, 1 packets received. Packet loss = 0.0%. Round-trip "
        "min/avg/max = 2/2.000/2 ms.\n"
        "1 packets transmitted, 0 packets received. Packet loss = 100.0%.\n"
        "3 packets transmitted, 2 packets received. Packet loss = 33.3%. Round-trip "
        "min/avg/max = 3/3.500/4 ms.\n"
        "1 packets transmitted, 2 packets received. Round-trip min/avg/max = 3/3.500/4 ms.\n"
        "0 packets transmitted, 0 packets received.\n");
    log_close(&log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_vec_addresses),
        cmocka_unit_test(test_leader_ipaddr),
        cmocka_unit_test(test_source_selection),
        cmocka_unit_test(test_source_nat64_vector),
        cmocka_unit_test(test_vec_input),
        cmocka_unit_test(test_ping_replay_attach),
        cmocka_unit_test(test_ping_replay_med),
        cmocka_unit_test(test_ping_replay_nat64),
        cmocka_unit_test(test_ping_pair),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_ext_headers),
        cmocka_unit_test(test_dst_unreach),
        cmocka_unit_test(test_header_and_forward),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_fmt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
