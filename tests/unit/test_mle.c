/*
 * mle: MLE TLV codec (thread/mle_tlv) and MLE messages + security
 * (thread/mle_msg), checked against every MLE message of the OpenThread
 * simulation captures in $TBR_THREAD_VECTORS (README "How each field was
 * verified": mle_security, mle_command, mle_plaintext, mle_mic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/thread_vec.h"
#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"

static const char *const vec_files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};
#define N_FILES 3
/* MLE messages per capture (README: 68 in all). */
static const unsigned vec_mle_counts[N_FILES] = {26, 25, 17};

static struct tvec_file files[N_FILES];

/* ---- helpers -------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    assert_non_null(s);
    long n = tvec_hex(s, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static void assert_err(enum mle_err got, enum mle_err want)
{
    if (got != want)
        fail_msg("got %s, want %s", mle_err_name(got), mle_err_name(want));
}

/* One captured MLE message, pulled out of lowpan_decompressed_ipv6. */
struct pkt {
    const struct tvec_block *b;
    const char *file;
    const char *frame;
    uint8_t ip6[1500];
    size_t ip6_len;
    const uint8_t *src, *dst; /* IPv6 addresses inside ip6 */
    const uint8_t *udp;       /* UDP payload = MLE message */
    size_t udp_len;
    uint8_t plain[1300]; /* mle_plaintext */
    size_t plain_len;
    uint8_t mic[4];
    unsigned suite, sec_ctl, fc, key_seq, key_index;
    unsigned cmd;
    const char *cmd_name;
};

static void extract(const char *file, const struct tvec_block *b, struct pkt *p)
{
    memset(p, 0, sizeof(*p));
    p->b = b;
    p->file = file;
    p->frame = tvec_get(b, "frame");
    p->ip6_len = hex(tvec_get(b, "lowpan_decompressed_ipv6"), p->ip6, sizeof(p->ip6));
    assert_true(p->ip6_len >= 48);
    assert_int_equal(p->ip6[0] >> 4, 6);
    assert_int_equal(p->ip6[7], MLE_HOP_LIMIT);
    assert_int_equal(40u + be16_get(p->ip6 + 4), p->ip6_len);
    p->src = p->ip6 + 8;
    p->dst = p->ip6 + 24;
    size_t off = 40;
    uint8_t nh = p->ip6[6];
    while (nh == 0 || nh == 43 || nh == 60) { /* extension headers */
        assert_true(off + 8 <= p->ip6_len);
        nh = p->ip6[off];
        off += ((size_t)p->ip6[off + 1] + 1) * 8;
    }
    assert_int_equal(nh, 17);
    assert_true(off + 8 <= p->ip6_len);
    assert_int_equal(be16_get(p->ip6 + off), MLE_UDP_PORT);
    assert_int_equal(be16_get(p->ip6 + off + 2), MLE_UDP_PORT);
    size_t ulen = be16_get(p->ip6 + off + 4);
    assert_int_equal(off + ulen, p->ip6_len);
    p->udp = p->ip6 + off + 8;
    p->udp_len = ulen - 8;

    p->plain_len = hex(tvec_get(b, "mle_plaintext"), p->plain, sizeof(p->plain));
    assert_int_equal(hex(tvec_get(b, "mle_mic"), p->mic, sizeof(p->mic)), 4);
    assert_int_equal(sscanf(tvec_get(b, "mle_security"),
                            "suite=%u sec_ctl=0x%x frame_counter=%u key_sequence=%u key_index=%u",
                            &p->suite, &p->sec_ctl, &p->fc, &p->key_seq, &p->key_index),
                     5);
    const char *c = tvec_get(b, "mle_command");
    assert_non_null(c);
    char *end;
    p->cmd = (unsigned)strtoul(c, &end, 10);
    assert_true(*end == ' ');
    p->cmd_name = end + 1;
}

/* Calls fn for every MLE message of every capture, in capture order. */
typedef void (*pkt_fn)(struct pkt *p, void *ctx);

static unsigned for_each_mle(unsigned file_idx, pkt_fn fn, void *ctx)
{
    static struct pkt p; /* large; tests run one at a time */
    unsigned n = 0;
    const struct tvec_file *f = &files[file_idx];
    for (unsigned i = 0; i < f->n; i++) {
        const struct tvec_block *b = &f->blocks[i];
        if (!b->n || strcmp(b->kv[0].key, "frame") || !tvec_get(b, "mle_command"))
            continue;
        extract(vec_files[file_idx], b, &p);
        fn(&p, ctx);
        n++;
    }
    return n;
}

static void mle_key_of(uint32_t seq, uint8_t key[16])
{
    const struct tvec_block *nb = tvec_find(&files[0], "network", NULL);
    uint8_t nk[16];
    assert_non_null(nb);
    assert_int_equal(hex(tvec_get(nb, "network_key"), nk, sizeof(nk)), 16);
    assert_err(mle_key_derive(nk, seq, key), MLE_OK);
}

static int setup(void **state)
{
    (void)state;
    for (unsigned i = 0; i < N_FILES; i++)
        if (tvec_load(vec_files[i], &files[i]))
            return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < N_FILES; i++)
        tvec_free(&files[i]);
    return 0;
}

/* ---- keys ------------------------------------------------------------------ */

static void test_key__derivation(void **state)
{
    (void)state;
    static const uint8_t nk[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    static const char *want[3] = {"5445f4158fd75912175809f8b57a66a4",
                                  "8f4cd1a27d95c07d12db8974bd615c13",
                                  "016e2ab8ec88879687a72e0a357ecf2a"};
    for (uint32_t seq = 0; seq < 3; seq++) {
        uint8_t key[16], w[16];
        assert_err(mle_key_derive(nk, seq, key), MLE_OK);
        hex(want[seq], w, sizeof(w));
        assert_memory_equal(key, w, 16);
    }
    assert_int_equal(mle_key_index(0), 1);
    assert_int_equal(mle_key_index(127), 128);
    assert_int_equal(mle_key_index(128), 1);

    /* network block mle_key of each capture */
    for (unsigned i = 0; i < N_FILES; i++) {
        const struct tvec_block *nb = tvec_find(&files[i], "network", NULL);
        uint8_t nkey[16], key[16], w[16];
        hex(tvec_get(nb, "network_key"), nkey, sizeof(nkey));
        assert_err(mle_key_derive(nkey, 0, key), MLE_OK);
        hex(tvec_get(nb, "mle_key"), w, sizeof(w));
        assert_memory_equal(key, w, 16);
    }
}

/* ---- every captured MLE message ------------------------------------------- */

struct vec_stats {
    unsigned msgs, tlvs, unknown_tlvs, typed;
};

/* Runs the typed parser of the command (the leader-side ones for received
 * messages, the inverse of the builders for sent ones). */
static void typed_parse(const struct pkt *p, struct vec_stats *st)
{
    enum mle_err e = MLE_OK;
    union {
        struct mle_parent_request preq;
        struct mle_parent_response pres;
        struct mle_child_id_request cireq;
        struct mle_child_id_response cires;
        struct mle_child_update_request cureq;
        struct mle_child_update_response cures;
        struct mle_data_response dres;
        struct mle_advertisement adv;
    } u;
    switch (p->cmd) {
    case MLE_CMD_PARENT_REQUEST:
        e = mle_parse_parent_request(p->plain, p->plain_len, &u.preq);
        assert_int_equal(u.preq.challenge.len, 8);
        assert_int_equal(u.preq.version, MLE_VERSION_1_4);
        assert_true(u.preq.scan_mask == 0x80 || u.preq.scan_mask == 0xc0);
        break;
    case MLE_CMD_PARENT_RESPONSE:
        e = mle_parse_parent_response(p->plain, p->plain_len, &u.pres);
        break;
    case MLE_CMD_CHILD_ID_REQUEST:
        e = mle_parse_child_id_request(p->plain, p->plain_len, &u.cireq);
        assert_int_equal(u.cireq.timeout, 240);
        break;
    case MLE_CMD_CHILD_ID_RESPONSE:
        e = mle_parse_child_id_response(p->plain, p->plain_len, &u.cires);
        break;
    case MLE_CMD_CHILD_UPDATE_REQUEST:
        e = mle_parse_child_update_request(p->plain, p->plain_len, &u.cureq);
        break;
    case MLE_CMD_CHILD_UPDATE_RESPONSE:
        e = mle_parse_child_update_response(p->plain, p->plain_len, &u.cures);
        break;
    case MLE_CMD_DATA_RESPONSE:
        e = mle_parse_data_response(p->plain, p->plain_len, &u.dres);
        break;
    case MLE_CMD_ADVERTISEMENT:
        e = mle_parse_advertisement(p->plain, p->plain_len, &u.adv);
        assert_true(u.adv.has_route);
        break;
    default:
        fail_msg("%s frame %s: command %u has no typed parser", p->file, p->frame, p->cmd);
    }
    if (e != MLE_OK)
        fail_msg("%s frame %s (%s): %s", p->file, p->frame, p->cmd_name, mle_err_name(e));
    st->typed++;
}

static void check_one(struct pkt *p, void *ctx)
{
    struct vec_stats *st = ctx;
    uint8_t key[16], plain[1300], again[1300];
    size_t plain_len, again_len;
    struct mle_frame f;

    /* framing + aux header = mle_security */
    assert_err(mle_frame_parse(p->udp, p->udp_len, &f), MLE_OK);
    assert_int_equal(f.suite, p->suite);
    assert_int_equal(f.aux.sec_ctl, p->sec_ctl);
    assert_int_equal(f.aux.frame_counter, p->fc);
    assert_int_equal(f.aux.key_seq, p->key_seq);
    assert_int_equal(f.aux.key_index, p->key_index);
    assert_int_equal(f.aux.key_index, mle_key_index(f.aux.key_seq));
    assert_memory_equal(f.mic, p->mic, 4);

    /* unprotect = mle_plaintext, MIC verified */
    mle_key_of(f.aux.key_seq, key);
    enum mle_err e = mle_unprotect(key, p->src, p->dst, &f, plain, sizeof(plain), &plain_len);
    if (e != MLE_OK)
        fail_msg("%s frame %s: %s", p->file, p->frame, mle_err_name(e));
    assert_int_equal(plain_len, p->plain_len);
    assert_memory_equal(plain, p->plain, plain_len);

    /* command and TLV walk */
    struct mle_msg m;
    unsigned unknown = 99;
    assert_err(mle_msg_split(plain, plain_len, &m, &unknown), MLE_OK);
    assert_int_equal(m.cmd, p->cmd);
    assert_string_equal(mle_cmd_name(m.cmd), p->cmd_name);
    struct mle_tlv_iter it;
    struct mle_tlv t;
    mle_tlv_iter_init(&it, m.tlvs, m.tlvs_len);
    while (mle_tlv_next(&it, &t)) {
        st->tlvs++;
        if (!mle_tlv_name(t.type)) {
            st->unknown_tlvs++;
            print_message("%s frame %s: unknown TLV type %u (len %u)\n", p->file, p->frame, t.type,
                          t.len);
        }
        assert_err(mle_tlv_check(&t), MLE_OK);
    }
    assert_err(it.err, MLE_OK);
    assert_int_equal(unknown, 0);
    typed_parse(p, st);

    /* re-protect with the same counter and addresses: the captured bytes */
    struct mle_aux aux = f.aux;
    assert_err(
        mle_protect(key, p->src, p->dst, &aux, plain, plain_len, again, sizeof(again), &again_len),
        MLE_OK);
    assert_int_equal(again_len, p->udp_len);
    assert_memory_equal(again, p->udp, again_len);
    st->msgs++;
}

static void test_vectors__unprotect_walk_reprotect(void **state)
{
    (void)state;
    struct vec_stats st = {0};
    unsigned total = 0;
    for (unsigned i = 0; i < N_FILES; i++) {
        unsigned n = for_each_mle(i, check_one, &st);
        assert_int_equal(n, vec_mle_counts[i]);
        total += n;
    }
    assert_int_equal(total, 68);
    assert_int_equal(st.msgs, 68);
    assert_int_equal(st.typed, 68);
    assert_int_equal(st.unknown_tlvs, 0);
    print_message("MLE vectors: %u messages unprotected, walked (%u TLVs, %u unknown), "
                  "re-protected byte-for-byte\n",
                  st.msgs, st.tlvs, st.unknown_tlvs);
}

/* ---- TLV values seen in the captures ------------------------------------- */

static void test_tlv__captured_values(void **state)
{
    (void)state;
    /* attach-ftd-child frame 9 Parent Response */
    uint8_t pr[128];
    size_t n = hex("0a000218000b0878c37e92402fb7060504000000000804000000080408f1961d1c0826d820"
                   "03085ae736c1da0801ac1001500f0a0000000000180105000112020005",
                   pr, sizeof(pr));
    struct mle_parent_response r;
    assert_err(mle_parse_parent_response(pr, n, &r), MLE_OK);
    assert_int_equal(r.src_rloc16, 0x1800);
    assert_int_equal(r.leader.partition_id, 0x78c37e92);
    assert_int_equal(r.leader.weighting, 64);
    assert_int_equal(r.leader.data_version, 0x2f);
    assert_int_equal(r.leader.stable_data_version, 0xb7);
    assert_int_equal(r.leader.leader_router_id, 6);
    assert_int_equal(r.link_fc, 0);
    assert_int_equal(r.mle_fc, 8);
    assert_int_equal(r.link_margin, 80);
    assert_int_equal(r.conn.id_seq, 0x18);
    assert_int_equal(r.conn.active_routers, 1);
    assert_true(r.conn.has_sed);
    assert_int_equal(r.conn.sed_buffer_size, 1280);
    assert_int_equal(r.conn.sed_datagram_count, 1);
    assert_int_equal(mle_connectivity_priority(&r.conn), 0);
    assert_int_equal(r.version, 5);

    /* Route64 of the router advertisement (frame 56): ids 6 and 18 */
    uint8_t adv[64];
    n = hex("04000218000b0878c37e92402fb706090b23020020000000000001f1", adv, sizeof(adv));
    struct mle_advertisement a;
    assert_err(mle_parse_advertisement(adv, n, &a), MLE_OK);
    assert_int_equal(a.route.id_seq, 0x23);
    assert_int_equal(a.route.n, 2);
    assert_true(mle_route64_has(&a.route, 6));
    assert_true(mle_route64_has(&a.route, 18));
    assert_false(mle_route64_has(&a.route, 7));
    assert_int_equal(mle_route64_route(&a.route, 6), 0x01);
    assert_int_equal(mle_route64_route(&a.route, 18), 0xf1);
    assert_int_equal(mle_route64_route(&a.route, 5), -1);
    /* building the same table id by id, out of order */
    struct mle_route64 built;
    memset(&built, 0, sizeof(built));
    built.id_seq = 0x23;
    assert_true(mle_route64_add(&built, 18, mle_route_byte(3, 3, 1)));
    assert_true(mle_route64_add(&built, 6, mle_route_byte(0, 0, 1)));
    assert_false(mle_route64_add(&built, 63, 0));
    assert_int_equal(built.n, 2);
    assert_memory_equal(built.mask, a.route.mask, 8);
    assert_memory_equal(built.route, a.route.route, 2);

    /* Child Update Request, med-and-netdata frame 19: addresses ctx 0 + ctx 1 */
    uint8_t cu[64];
    n = hex("0d01010d0002b0010b086e7fbc4540b2ef2c0204000000f01312807db59e80cb7c4459816279f035"
            "7b6f317a",
            cu, sizeof(cu));
    struct mle_child_update_request q;
    assert_err(mle_parse_child_update_request(cu, n, &q), MLE_OK);
    assert_int_equal(q.mode, 0x0d);
    assert_true(q.has_src && q.has_leader && q.has_timeout && q.has_addr_reg);
    assert_int_equal(q.src_rloc16, 0xb001);
    assert_int_equal(q.timeout, 240);
    assert_int_equal(q.addr_reg.n, 2);
    assert_true(q.addr_reg.e[0].compressed);
    assert_int_equal(q.addr_reg.e[0].context_id, 0);
    assert_int_equal(q.addr_reg.e[1].context_id, 1);
    uint8_t iid[8];
    hex("6279f0357b6f317a", iid, 8);
    assert_memory_equal(q.addr_reg.e[1].addr + 8, iid, 8);

    /* Timestamp: active timestamp 1 */
    struct mle_tlv t = {MLE_TLV_ACTIVE_TIMESTAMP, 8, (const uint8_t *)"\0\0\0\0\0\1\0\0"};
    struct mle_timestamp ts;
    assert_err(mle_tlv_timestamp(&t, &ts), MLE_OK);
    assert_true(ts.seconds == 1 && ts.ticks == 0 && !ts.authoritative);
    uint8_t buf[32];
    struct wr w = wr_init(buf, sizeof(buf));
    ts.seconds = 0x123456789abcull;
    ts.ticks = 0x7fff;
    ts.authoritative = true;
    mle_put_timestamp(&w, MLE_TLV_PENDING_TIMESTAMP, &ts);
    assert_true(w.ok);
    uint8_t want[10];
    hex("1708123456789abcffff", want, sizeof(want));
    assert_memory_equal(buf, want, 10);
    struct mle_timestamp ts2;
    t = (struct mle_tlv){MLE_TLV_PENDING_TIMESTAMP, 8, buf + 2};
    assert_err(mle_tlv_timestamp(&t, &ts2), MLE_OK);
    assert_int_equal(mle_timestamp_cmp(&ts, &ts2), 0);
    ts2.ticks--;
    assert_true(mle_timestamp_cmp(&ts2, &ts) < 0);

    /* uncompressed Address Registration entry (multicast) round trip */
    struct mle_addr_reg ar;
    memset(&ar, 0, sizeof(ar));
    ar.n = 2;
    ar.e[0].compressed = false;
    hex("ff0500000000000000000000000000fb", ar.e[0].addr, 16);
    ar.e[1].compressed = true;
    ar.e[1].context_id = 3;
    memcpy(ar.e[1].addr + 8, iid, 8);
    w = wr_init(buf, sizeof(buf));
    mle_put_addr_reg(&w, &ar);
    assert_true(w.ok);
    assert_int_equal(buf[1], 17 + 9);
    struct mle_addr_reg ar2;
    t = (struct mle_tlv){MLE_TLV_ADDRESS_REGISTRATION, buf[1], buf + 2};
    assert_err(mle_tlv_addr_reg(&t, &ar2), MLE_OK);
    assert_memory_equal(&ar, &ar2, sizeof(ar));

    /* connectivity without the SED fields (7 bytes) is valid; 8 is not */
    t = (struct mle_tlv){MLE_TLV_CONNECTIVITY, 7, (const uint8_t *)"\x40\0\0\0\0\x18\x01"};
    struct mle_connectivity c;
    assert_err(mle_tlv_connectivity(&t, &c), MLE_OK);
    assert_false(c.has_sed);
    assert_int_equal(mle_connectivity_priority(&c), 1);
    t.len = 8;
    assert_err(mle_tlv_connectivity(&t, &c), MLE_ERR_TLV_LENGTH);

    /* names */
    assert_string_equal(mle_tlv_name(MLE_TLV_ADDRESS_REGISTRATION), "Address Registration");
    assert_null(mle_tlv_name(200));
    assert_string_equal(mle_cmd_name(MLE_CMD_CHILD_ID_RESPONSE), "Child ID Response");
    assert_null(mle_cmd_name(50));
    for (int e = 0; e < MLE_ERR__COUNT; e++)
        assert_true(strncmp(mle_err_name((enum mle_err)e), "MLE_", 4) == 0 &&
                    strcmp(mle_err_name((enum mle_err)e), "MLE_ERR_?") != 0);
    assert_string_equal(mle_err_name(MLE_ERR__COUNT), "MLE_ERR_?");
}

/* ---- builders: rebuild what the leader sent ---------------------------- */

#define MAX_PEERS 8
struct rebuild_ctx {
    unsigned parent_resp, child_id_resp, child_upd_resp, data_resp, adv;
    /* last Parent Request / Child ID Request / Child Update Request per sender */
    struct {
        uint8_t ip6[16];
        struct mle_parent_request preq;
        bool has_preq;
        struct mle_child_id_request cireq;
        uint8_t cireq_plain[256];
        bool has_cireq;
        struct mle_child_update_request cureq;
        uint8_t cureq_plain[256];
        bool has_cureq;
    } peer[MAX_PEERS];
    unsigned n_peer;
    /* last Parent Response challenge, to check the Child ID Request echo */
    struct mle_challenge our_challenge[MAX_PEERS];
};

static unsigned peer_of(struct rebuild_ctx *c, const uint8_t ip6[16])
{
    for (unsigned i = 0; i < c->n_peer; i++)
        if (!memcmp(c->peer[i].ip6, ip6, 16))
            return i;
    assert_true(c->n_peer < MAX_PEERS);
    memset(&c->peer[c->n_peer], 0, sizeof(c->peer[0]));
    memcpy(c->peer[c->n_peer].ip6, ip6, 16);
    return c->n_peer++;
}

static void assert_rebuilt(const struct pkt *p, enum mle_err e, const uint8_t *out, size_t len)
{
    if (e != MLE_OK)
        fail_msg("%s frame %s: build %s", p->file, p->frame, mle_err_name(e));
    if (len != p->plain_len || memcmp(out, p->plain, len)) {
        char got[600] = "";
        for (size_t i = 0; i < len && 2 * i + 2 < sizeof(got); i++)
            snprintf(got + 2 * i, 3, "%02x", out[i]);
        fail_msg("%s frame %s (%s): rebuilt\n  %s\nwant\n  %s", p->file, p->frame, p->cmd_name, got,
                 tvec_get(p->b, "mle_plaintext"));
    }
}

static void rebuild_one(struct pkt *p, void *vctx)
{
    struct rebuild_ctx *c = vctx;
    uint8_t out[600];
    size_t len = 0;
    enum mle_err e;

    switch (p->cmd) {
    case MLE_CMD_PARENT_REQUEST: {
        unsigned i = peer_of(c, p->src);
        assert_err(mle_parse_parent_request(p->plain, p->plain_len, &c->peer[i].preq), MLE_OK);
        c->peer[i].has_preq = true;
        break;
    }
    case MLE_CMD_CHILD_ID_REQUEST: {
        unsigned i = peer_of(c, p->src);
        assert_true(p->plain_len <= sizeof(c->peer[i].cireq_plain));
        /* The request's pointers must outlive this frame: keep the bytes. */
        memcpy(c->peer[i].cireq_plain, p->plain, p->plain_len);
        assert_err(
            mle_parse_child_id_request(c->peer[i].cireq_plain, p->plain_len, &c->peer[i].cireq),
            MLE_OK);
        /* it echoes the challenge of our Parent Response */
        assert_int_equal(c->peer[i].cireq.response.len, c->our_challenge[i].len);
        assert_memory_equal(c->peer[i].cireq.response.b, c->our_challenge[i].b, 8);
        c->peer[i].has_cireq = true;
        break;
    }
    case MLE_CMD_CHILD_UPDATE_REQUEST: {
        unsigned i = peer_of(c, p->src);
        memcpy(c->peer[i].cureq_plain, p->plain, p->plain_len);
        assert_err(
            mle_parse_child_update_request(c->peer[i].cureq_plain, p->plain_len, &c->peer[i].cureq),
            MLE_OK);
        c->peer[i].has_cureq = true;
        break;
    }
    case MLE_CMD_PARENT_RESPONSE: {
        struct mle_parent_response m;
        unsigned i = peer_of(c, p->dst);
        assert_err(mle_parse_parent_response(p->plain, p->plain_len, &m), MLE_OK);
        /* the Response TLV is the child's challenge */
        assert_true(c->peer[i].has_preq);
        assert_memory_equal(&m.response, &c->peer[i].preq.challenge, sizeof(m.response));
        assert_int_equal(m.mle_fc, p->fc); /* OT sends the counter of this very message */
        c->our_challenge[i] = m.challenge;
        e = mle_build_parent_response(&m, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        c->parent_resp++;
        break;
    }
    case MLE_CMD_CHILD_ID_RESPONSE: {
        struct mle_child_id_response m;
        unsigned i = peer_of(c, p->dst);
        assert_err(mle_parse_child_id_response(p->plain, p->plain_len, &m), MLE_OK);
        assert_true(c->peer[i].has_cireq);
        const struct mle_child_id_request *rq = &c->peer[i].cireq;
        /* The TLV order comes from the child's request, as in OpenThread. */
        struct mle_child_id_response b = m;
        mle_child_id_response_order(rq, &m.active_ts, NULL, &b);
        /* Router id bits of Address16 = ours; Route64 iff FTD; echo iff MTD */
        assert_int_equal(m.address16 >> 10, m.src_rloc16 >> 10);
        assert_int_equal(m.has_route, (rq->mode & MLE_MODE_FTD) != 0);
        assert_int_equal(m.has_addr_reg, (rq->mode & MLE_MODE_FTD) == 0);
        if (m.has_route)
            assert_true(mle_route64_has(&m.route, m.leader.leader_router_id));
        if (m.has_addr_reg) {
            /* the echo leaves out the ML-EID (context 0 entry) */
            struct mle_addr_reg echo;
            memset(&echo, 0, sizeof(echo));
            for (unsigned k = 0; k < rq->addr_reg.n; k++)
                if (!(rq->addr_reg.e[k].compressed && rq->addr_reg.e[k].context_id == 0))
                    echo.e[echo.n++] = rq->addr_reg.e[k];
            b.addr_reg = echo;
        }
        e = mle_build_child_id_response(&b, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        c->child_id_resp++;
        break;
    }
    case MLE_CMD_CHILD_UPDATE_RESPONSE: {
        struct mle_child_update_response m;
        unsigned i = peer_of(c, p->dst);
        assert_err(mle_parse_child_update_response(p->plain, p->plain_len, &m), MLE_OK);
        assert_true(c->peer[i].has_cureq);
        const struct mle_child_update_request *rq = &c->peer[i].cureq;
        /* Build it from the request, as the leader must (doc §3.3 table). */
        struct mle_child_update_response b;
        memset(&b, 0, sizeof(b));
        b.src_rloc16 = m.src_rloc16;
        b.has_mode = true;
        b.mode = rq->mode;
        b.has_link_margin = true;
        b.link_margin = m.link_margin;
        b.has_leader = true;
        b.leader = m.leader;
        b.has_addr_reg = rq->has_addr_reg;
        for (unsigned k = 0; k < rq->addr_reg.n; k++)
            if (!(rq->addr_reg.e[k].compressed && rq->addr_reg.e[k].context_id == 0))
                b.addr_reg.e[b.addr_reg.n++] = rq->addr_reg.e[k];
        b.has_timeout = rq->has_timeout;
        b.timeout = rq->timeout;
        e = mle_build_child_update_response(&b, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        /* and straight from the parsed values */
        e = mle_build_child_update_response(&m, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        c->child_upd_resp++;
        break;
    }
    case MLE_CMD_DATA_RESPONSE: {
        struct mle_data_response m;
        assert_err(mle_parse_data_response(p->plain, p->plain_len, &m), MLE_OK);
        assert_true(m.has_netdata && m.has_active_ts);
        m.n_order = 0; /* default order */
        e = mle_build_data_response(&m, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        c->data_resp++;
        break;
    }
    case MLE_CMD_ADVERTISEMENT: {
        struct mle_advertisement m;
        assert_err(mle_parse_advertisement(p->plain, p->plain_len, &m), MLE_OK);
        e = mle_build_advertisement(&m, out, sizeof(out), &len);
        assert_rebuilt(p, e, out, len);
        c->adv++;
        break;
    }
    default:
        break;
    }
}

static void test_builders__rebuild_captured(void **state)
{
    (void)state;
    unsigned pr = 0, cir = 0, cur = 0, dr = 0, adv = 0;
    for (unsigned i = 0; i < N_FILES; i++) {
        static struct rebuild_ctx c;
        memset(&c, 0, sizeof(c));
        for_each_mle(i, rebuild_one, &c);
        pr += c.parent_resp;
        cir += c.child_id_resp;
        cur += c.child_upd_resp;
        dr += c.data_resp;
        adv += c.adv;
    }
    assert_int_equal(pr, 4);
    assert_int_equal(cir, 4);
    assert_int_equal(cur, 3);
    assert_int_equal(dr, 6);
    assert_int_equal(adv, 22);
    print_message("rebuilt byte-for-byte: %u Parent Response, %u Child ID Response, "
                  "%u Child Update Response, %u Data Response, %u Advertisement\n",
                  pr, cir, cur, dr, adv);
}

/* Builders with no captured counterpart: parse(build(x)) == x, exact bytes. */
static void test_builders__roundtrip_uncaptured(void **state)
{
    (void)state;
    uint8_t out[300];
    size_t len;
    struct mle_leader_data ld = {0x78c37e92, 64, 0x2f, 0xb7, 6};

    /* Child Update Response to an unknown child: [Response], Source, Status */
    struct mle_child_update_response s;
    memset(&s, 0, sizeof(s));
    s.src_rloc16 = 0x1800;
    s.has_response = true;
    s.response.len = 8;
    memcpy(s.response.b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    s.has_status = true;
    s.status = MLE_STATUS_ERROR;
    assert_err(mle_build_child_update_response(&s, out, sizeof(out), &len), MLE_OK);
    uint8_t want[128];
    size_t wn = hex("0e0408010203040506070800021800110101", want, sizeof(want));
    assert_int_equal(len, wn);
    assert_memory_equal(out, want, wn);
    struct mle_child_update_response s2;
    assert_err(mle_parse_child_update_response(out, len, &s2), MLE_OK);
    assert_true(s2.has_status && s2.status == 1 && s2.has_response && !s2.has_mode);

    /* ... with a challenge from a known child: FCs MLE first, then link */
    memset(&s, 0, sizeof(s));
    s.src_rloc16 = 0x1800;
    s.has_mode = s.has_link_margin = s.has_leader = s.has_fcs = s.has_timeout = true;
    s.mode = 0x0f;
    s.link_margin = 80;
    s.leader = ld;
    s.mle_fc = 0x11;
    s.link_fc = 0x22;
    s.timeout = 240;
    assert_err(mle_build_child_update_response(&s, out, sizeof(out), &len), MLE_OK);
    wn = hex("0e00021800"
             "01010f"
             "100150"
             "0b0878c37e92402fb706"
             "080400000011"
             "050400000022"
             "0204000000f0",
             want, sizeof(want));
    assert_int_equal(len, wn);
    assert_memory_equal(out, want, wn);
    assert_err(mle_parse_child_update_response(out, len, &s2), MLE_OK);
    assert_true(s2.has_fcs && s2.mle_fc == 0x11 && s2.link_fc == 0x22);

    /* Child Update Request from the parent to a child being restored */
    static const uint8_t nd[] = {0x08, 0x04, 0x0b, 0x02, 0x50, 0x3d};
    static const uint8_t treq[] = {MLE_TLV_TIMEOUT, MLE_TLV_ADDRESS_REGISTRATION};
    struct mle_child_update_request q;
    memset(&q, 0, sizeof(q));
    q.has_src = q.has_leader = q.has_netdata = q.has_active_ts = true;
    q.src_rloc16 = 0x1800;
    q.leader = ld;
    q.netdata = nd;
    q.netdata_len = sizeof(nd);
    q.active_ts.seconds = 1;
    q.has_tlv_request = q.has_challenge = true;
    q.tlv_request = treq;
    q.n_tlv_request = 2;
    q.challenge.len = 8;
    memcpy(q.challenge.b, "abcdefgh", 8);
    assert_err(mle_build_child_update_request(&q, out, sizeof(out), &len), MLE_OK);
    wn = hex("0d00021800"
             "0b0878c37e92402fb706"
             "0c0608040b02503d"
             "16080000000000010000"
             "0d020213"
             "03086162636465666768",
             want, sizeof(want));
    assert_int_equal(len, wn);
    assert_memory_equal(out, want, wn);
    struct mle_child_update_request q2;
    /* no Mode: a parent's request is not a valid child's request */
    assert_err(mle_parse_child_update_request(out, len, &q2), MLE_ERR_TLV_MISSING);

    /* Child ID Response with Active Dataset (child's timestamp differs) and
     * Supervision Interval: order = TLV Request, Supervision, Active Dataset */
    uint8_t cireq[128];
    size_t cn = hex("0b04085ae736c1da0801ac05040000000008040000000101010f0204000000f012020005"
                    "0d030a0c091b02003c16080000000000000000",
                    cireq, sizeof(cireq));
    struct mle_child_id_request rq;
    assert_err(mle_parse_child_id_request(cireq, cn, &rq), MLE_OK);
    assert_true(rq.has_supervision && rq.supervision == 60 && rq.has_active_ts);
    struct mle_child_id_response r;
    memset(&r, 0, sizeof(r));
    struct mle_timestamp ours = {1, 0, false};
    mle_child_id_response_order(&rq, &ours, NULL, &r);
    assert_int_equal(r.n_order, 6);
    assert_memory_equal(r.order, "\x0a\x0c\x09\x1b\x18\x19", 6);
    static const uint8_t ds[] = {0x0e, 0x08, 0, 0, 0, 0, 0, 1, 0, 0};
    r.src_rloc16 = 0x1800;
    r.leader = ld;
    r.has_active_ts = true;
    r.active_ts = ours;
    r.address16 = 0x1801;
    r.has_netdata = true;
    r.netdata = nd;
    r.netdata_len = sizeof(nd);
    r.has_route = true;
    r.route.id_seq = 0x18;
    assert_true(mle_route64_add(&r.route, 6, 1));
    r.has_supervision = true;
    r.supervision = 60;
    r.has_active_dataset = true;
    r.active_dataset = ds;
    r.active_dataset_len = sizeof(ds);
    assert_err(mle_build_child_id_response(&r, out, sizeof(out), &len), MLE_OK);
    wn = hex("0c00021800"
             "0b0878c37e92402fb706"
             "16080000000000010000"
             "0a021801"
             "0c0608040b02503d"
             "090a18020000000000000001"
             "1b02003c"
             "180a0e080000000000010000",
             want, sizeof(want));
    assert_int_equal(len, wn);
    assert_memory_equal(out, want, wn);
    struct mle_child_id_response r2;
    assert_err(mle_parse_child_id_response(out, len, &r2), MLE_OK);
    assert_true(r2.has_active_dataset && r2.active_dataset_len == sizeof(ds));
    assert_int_equal(r2.n_order, 4);
    assert_memory_equal(r2.order, "\x0c\x09\x1b\x18", 4);

    /* every builder: every too-small buffer is MLE_ERR_NO_SPACE, not a crash */
    for (size_t cap = 0; cap < wn; cap++) {
        uint8_t *small = malloc(cap ? cap : 1);
        assert_err(mle_build_child_id_response(&r, small, cap, &len), MLE_ERR_NO_SPACE);
        assert_int_equal(len, 0);
        free(small);
    }

    /* invalid arguments */
    struct mle_parent_response pr;
    memset(&pr, 0, sizeof(pr));
    pr.response.len = 8;
    pr.challenge.len = 3;
    assert_err(mle_build_parent_response(&pr, out, sizeof(out), &len), MLE_ERR_ARG);
    r.route.n = 5; /* does not match the mask */
    assert_err(mle_build_child_id_response(&r, out, sizeof(out), &len), MLE_ERR_ARG);
}

/* ---- hostile input ----------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void assert_named(enum mle_err e)
{
    assert_true((unsigned)e < MLE_ERR__COUNT);
    assert_string_not_equal(mle_err_name(e), "MLE_ERR_?");
}

/* All message parsers over one plaintext; results must be named errors. */
static void parse_all(const uint8_t *b, size_t n)
{
    union {
        struct mle_parent_request a;
        struct mle_parent_response b;
        struct mle_child_id_request c;
        struct mle_child_id_response d;
        struct mle_child_update_request e;
        struct mle_child_update_response f;
        struct mle_data_request g;
        struct mle_data_response h;
        struct mle_advertisement i;
        struct mle_link_request j;
        struct mle_link_accept j2;
        struct mle_announce k;
        struct mle_discovery l;
    } u;
    struct mle_msg m;
    unsigned unk;
    struct mle_tlv bad;
    assert_named(mle_msg_split(b, n, &m, &unk));
    assert_named(mle_tlv_validate(b, n, &unk, &bad));
    assert_named(mle_parse_parent_request(b, n, &u.a));
    assert_named(mle_parse_parent_response(b, n, &u.b));
    assert_named(mle_parse_child_id_request(b, n, &u.c));
    assert_named(mle_parse_child_id_response(b, n, &u.d));
    assert_named(mle_parse_child_update_request(b, n, &u.e));
    assert_named(mle_parse_child_update_response(b, n, &u.f));
    assert_named(mle_parse_data_request(b, n, &u.g));
    assert_named(mle_parse_data_response(b, n, &u.h));
    assert_named(mle_parse_advertisement(b, n, &u.i));
    assert_named(mle_parse_link_request(b, n, &u.j));
    assert_named(mle_parse_link_accept(b, n, &u.j2));
    assert_named(mle_parse_announce(b, n, &u.k));
    assert_named(mle_parse_discovery(b, n, &u.l));
}

struct hostile_stats {
    unsigned truncations, flips;
};

static void hostile_one(struct pkt *p, void *vctx)
{
    struct hostile_stats *st = vctx;
    uint8_t key[16], plain[1300], buf[1300];
    size_t plain_len;
    struct mle_frame f;
    mle_key_of(0, key);

    /* every truncation of the UDP payload is rejected with a named error */
    for (size_t n = 0; n < p->udp_len; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size so ASan sees overreads */
        memcpy(cut, p->udp, n);
        enum mle_err e = mle_frame_parse(cut, n, &f);
        assert_named(e);
        if (e == MLE_OK) {
            e = mle_unprotect(key, p->src, p->dst, &f, plain, sizeof(plain), &plain_len);
            assert_err(e, MLE_ERR_MIC);
        } else {
            assert_true(e == MLE_ERR_EMPTY || e == MLE_ERR_AUX_TRUNCATED || e == MLE_ERR_TOO_SHORT);
        }
        free(cut);
        st->truncations++;
    }
    /* every single-bit flip of the UDP payload or of either address is rejected */
    memcpy(buf, p->udp, p->udp_len);
    for (size_t bit = 0; bit < p->udp_len * 8; bit++) {
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        enum mle_err e = mle_frame_parse(buf, p->udp_len, &f);
        if (e == MLE_OK)
            e = mle_unprotect(key, p->src, p->dst, &f, plain, sizeof(plain), &plain_len);
        assert_true(e == MLE_ERR_MIC || e == MLE_ERR_SUITE || e == MLE_ERR_SEC_CTL);
        buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        st->flips++;
    }
    assert_err(mle_frame_parse(buf, p->udp_len, &f), MLE_OK);
    uint8_t addr[16];
    for (size_t bit = 0; bit < 128; bit += 7) {
        memcpy(addr, p->dst, 16);
        addr[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_err(mle_unprotect(key, p->src, addr, &f, plain, sizeof(plain), &plain_len),
                   MLE_ERR_MIC);
        memcpy(addr, p->src, 16);
        addr[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_err(mle_unprotect(key, addr, p->dst, &f, plain, sizeof(plain), &plain_len),
                   MLE_ERR_MIC);
    }
    /* wrong key */
    uint8_t k1[16];
    mle_key_of(1, k1);
    assert_err(mle_unprotect(k1, p->src, p->dst, &f, plain, sizeof(plain), &plain_len),
               MLE_ERR_MIC);
    /* too small output */
    assert_err(mle_unprotect(key, p->src, p->dst, &f, plain, f.body_len - 1, &plain_len),
               MLE_ERR_NO_SPACE);

    /* plaintext: every truncation and every byte value at a few positions */
    for (size_t n = 0; n <= p->plain_len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, p->plain, n);
        parse_all(cut, n);
        free(cut);
    }
    uint8_t *mut = malloc(p->plain_len);
    for (unsigned k = 0; k < 64; k++) {
        memcpy(mut, p->plain, p->plain_len);
        size_t at = rng() % p->plain_len;
        mut[at] = (uint8_t)rng();
        if (k & 1)
            mut[rng() % p->plain_len] ^= (uint8_t)(1u << (rng() % 8));
        parse_all(mut, p->plain_len);
    }
    free(mut);
}

static void test_hostile__captures(void **state)
{
    (void)state;
    struct hostile_stats st = {0};
    for (unsigned i = 0; i < N_FILES; i++)
        for_each_mle(i, hostile_one, &st);
    print_message("hostile: %u truncations, %u bit flips rejected\n", st.truncations, st.flips);
}

static void test_hostile__random_bytes(void **state)
{
    (void)state;
    uint8_t key[16], plain[1300];
    static const uint8_t src[16] = {0xfe, 0x80, [8] = 0x5c, 1, 0xeb, 0x19, 6, 0xc0, 0xb0, 3};
    static const uint8_t dst[16] = {0xff, 0x02, [15] = 1};
    mle_key_of(0, key);
    for (unsigned iter = 0; iter < 20000; iter++) {
        size_t n = rng() % 80;
        uint8_t *b = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)rng();
        if (n && (iter & 1))
            b[0] = (iter & 2) ? MLE_SUITE_SECURED : MLE_SUITE_NONE;
        if (n > 1 && (iter & 4))
            b[1] = MLE_SEC_CTL;
        struct mle_frame f;
        size_t pl;
        enum mle_err e = mle_frame_parse(b, n, &f);
        assert_named(e);
        if (e == MLE_OK) {
            e = mle_unprotect(key, src, dst, &f, plain, sizeof(plain), &pl);
            assert_named(e);
            if (f.suite == MLE_SUITE_SECURED)
                assert_err(e, MLE_ERR_MIC);
        }
        parse_all(b, n);
        /* random TLV streams behind a valid command byte */
        if (n) {
            b[0] = (uint8_t)(rng() % 21);
            parse_all(b, n);
        }
        free(b);
    }
}

static void test_hostile__named_errors(void **state)
{
    (void)state;
    uint8_t key[16], out[64], plain[64];
    size_t len, pl;
    struct mle_frame f;
    static const uint8_t src[16] = {0xfe, 0x80, [8] = 0x5c, 1, 0xeb, 0x19, 6, 0xc0, 0xb0, 3};
    static const uint8_t dst[16] = {0xff, 0x02, [15] = 2};
    mle_key_of(0, key);

    assert_err(mle_frame_parse(NULL, 0, &f), MLE_ERR_EMPTY);
    assert_err(mle_frame_parse((const uint8_t *)"\x07\x15", 2, &f), MLE_ERR_SUITE);
    assert_err(mle_frame_parse((const uint8_t *)"\x00\x15\x00\x00", 4, &f), MLE_ERR_AUX_TRUNCATED);
    assert_err(mle_frame_parse((const uint8_t *)"\x00\x0d\0\0\0\0\0\0\0\0\x01\x09\0\0\0\0", 16, &f),
               MLE_ERR_SEC_CTL);
    assert_err(mle_frame_parse((const uint8_t *)"\x00\x15\0\0\0\0\0\0\0\0\x01\0\0\0\0", 15, &f),
               MLE_ERR_TOO_SHORT);
    assert_err(mle_frame_parse((const uint8_t *)"\xff", 1, &f), MLE_ERR_TOO_SHORT);
    assert_err(mle_frame_parse((const uint8_t *)"\xff\x09", 2, &f), MLE_ERR_UNSECURED_CMD);

    /* Discovery: only unsecured */
    static const uint8_t disc[] = {
        MLE_CMD_DISCOVERY_REQUEST, MLE_TLV_DISCOVERY, 4, 0x80, 0x02, 0x00, 0x00};
    struct mle_aux aux = {MLE_SEC_CTL, 42, 0, 1};
    assert_err(mle_protect(key, src, dst, &aux, disc, sizeof(disc), out, sizeof(out), &len),
               MLE_OK);
    assert_err(mle_frame_parse(out, len, &f), MLE_OK);
    assert_err(mle_unprotect(key, src, dst, &f, plain, sizeof(plain), &pl),
               MLE_ERR_SECURED_DISCOVERY);
    assert_err(mle_build_unsecured(disc, sizeof(disc), out, sizeof(out), &len), MLE_OK);
    assert_int_equal(len, sizeof(disc) + 1);
    assert_int_equal(out[0], 0xff);
    assert_err(mle_frame_parse(out, len, &f), MLE_OK);
    assert_err(mle_unprotect(key, src, dst, &f, plain, sizeof(plain), &pl), MLE_OK);
    struct mle_discovery d;
    assert_err(mle_parse_discovery(plain, pl, &d), MLE_OK);
    assert_int_equal(d.cmd, MLE_CMD_DISCOVERY_REQUEST);
    assert_int_equal(d.discovery_len, 4);
    static const uint8_t adv[] = {4, 0, 2, 0x18, 0};
    assert_err(mle_build_unsecured(adv, sizeof(adv), out, sizeof(out), &len),
               MLE_ERR_UNSECURED_CMD);
    assert_err(mle_build_unsecured(disc, sizeof(disc), out, 3, &len), MLE_ERR_NO_SPACE);
    assert_err(mle_protect(key, src, dst, &aux, disc, 0, out, sizeof(out), &len), MLE_ERR_ARG);
    assert_err(mle_protect(key, src, dst, &aux, disc, sizeof(disc), out, 15, &len),
               MLE_ERR_NO_SPACE);

    /* message level */
    struct mle_msg m;
    assert_err(mle_msg_split(NULL, 0, &m, NULL), MLE_ERR_EMPTY);
    assert_err(mle_msg_split((const uint8_t *)"\x30", 1, &m, NULL), MLE_ERR_UNKNOWN_CMD);
    assert_err(mle_msg_split((const uint8_t *)"\x04\x00\x02\x18", 4, &m, NULL),
               MLE_ERR_TLV_TRUNCATED);
    assert_err(mle_msg_split((const uint8_t *)"\x04\x00", 2, &m, NULL), MLE_ERR_TLV_TRUNCATED);
    assert_err(mle_msg_split((const uint8_t *)"\x04\x00\x01\x18", 4, &m, NULL), MLE_ERR_TLV_LENGTH);
    /* unknown TLVs are skipped and counted */
    unsigned unk = 0;
    assert_err(mle_msg_split((const uint8_t *)"\x04\xc8\x01\x00\x00\x02\x18\x00", 8, &m, &unk),
               MLE_OK);
    assert_int_equal(unk, 1);

    struct mle_parent_request preq;
    uint8_t b[64];
    size_t n = hex("0901010f03089b10b995d68fe24f0e018012020005", b, sizeof(b));
    assert_err(mle_parse_parent_request(b, n, &preq), MLE_OK);
    b[0] = MLE_CMD_ADVERTISEMENT;
    assert_err(mle_parse_parent_request(b, n, &preq), MLE_ERR_WRONG_CMD);
    b[0] = MLE_CMD_PARENT_REQUEST;
    b[4] = 0x0e; /* Challenge TLV -> Scan Mask type with length 8: first Scan Mask wins */
    assert_err(mle_parse_parent_request(b, n, &preq), MLE_ERR_TLV_MISSING);
    n = hex("0901010f03039b10b90e018012020005", b, sizeof(b)); /* 3-byte challenge */
    assert_err(mle_parse_parent_request(b, n, &preq), MLE_ERR_TLV_LENGTH);
    n = hex("0901010f03099b10b995d68fe24f000e018012020005", b, sizeof(b)); /* 9 bytes */
    assert_err(mle_parse_parent_request(b, n, &preq), MLE_ERR_TLV_LENGTH);

    /* Route64 whose route data does not match the mask, or holds id 63 */
    struct mle_advertisement a;
    n = hex("04000218000b0878c37e92402fb706"
            "0909"
            "18"
            "0200000000000000",
            b, sizeof(b));
    assert_err(mle_parse_advertisement(b, n, &a), MLE_ERR_TLV_VALUE);
    n = hex("04000218000b0878c37e92402fb706090a18000000000000000101", b, sizeof(b));
    assert_err(mle_parse_advertisement(b, n, &a), MLE_ERR_TLV_VALUE);
    /* Address Registration with a cut entry */
    struct mle_child_update_request q;
    n = hex("0d01010d1305807db59e80", b, sizeof(b));
    assert_err(mle_parse_child_update_request(b, n, &q), MLE_ERR_TLV_VALUE);
    /* typed reader on the wrong type */
    struct mle_tlv t = {MLE_TLV_MODE, 2, b};
    uint16_t v16;
    assert_err(mle_tlv_u16(&t, &v16), MLE_ERR_TLV_TYPE);
    /* find on a broken stream */
    struct mle_tlv ft;
    assert_err(mle_tlv_find((const uint8_t *)"\x00\x02\x18", 3, MLE_TLV_MODE, &ft),
               MLE_ERR_TLV_TRUNCATED);
    assert_err(mle_tlv_find((const uint8_t *)"\x00\x02\x18\x00", 4, MLE_TLV_MODE, &ft),
               MLE_ERR_TLV_MISSING);

    /* writers: a value over 255 bytes poisons the writer */
    static uint8_t big[300];
    struct wr w = wr_init(big, sizeof(big));
    mle_put_tlv(&w, MLE_TLV_NETWORK_DATA, big, 256);
    assert_false(w.ok);
}

/* Child-side builders rebuild what OpenThread children sent (captures). */
static void check_rebuild(const char *want_hex, const uint8_t *got, size_t got_len)
{
    uint8_t want[256];
    size_t n = hex(want_hex, want, sizeof(want));
    assert_int_equal(got_len, n);
    assert_memory_equal(got, want, n);
}

static void test_builders__child_side(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t len;
    /* attach-ftd-child frame 8: Parent Request */
    const char *pr = "0901010f0308f1961d1c0826d8200e018012020005";
    uint8_t plain[256];
    size_t plen = hex(pr, plain, sizeof(plain));
    struct mle_parent_request preq;
    assert_int_equal(mle_parse_parent_request(plain, plen, &preq), MLE_OK);
    assert_int_equal(mle_build_parent_request(&preq, out, sizeof(out), &len), MLE_OK);
    check_rebuild(pr, out, len);
    /* attach-ftd-child frame 11 (FTD) and med-and-netdata frame 13 (MED, with
     * Address Registration): Child ID Request */
    const char *cids[] = {
        "0b04085ae736c1da0801ac05040000000008040000000101010f0204000000f0120200050d030a0c09160800"
        "00000000010000",
        "0b040823ab683271cfa78105040000000008040000000101010d0204000000f0120200051309807db59e80cb"
        "7c44590d020a0c16080000000000010000",
    };
    for (unsigned i = 0; i < 2; i++) {
        struct mle_child_id_request c;
        plen = hex(cids[i], plain, sizeof(plain));
        assert_int_equal(mle_parse_child_id_request(plain, plen, &c), MLE_OK);
        assert_int_equal(mle_build_child_id_request(&c, out, sizeof(out), &len), MLE_OK);
        check_rebuild(cids[i], out, len);
    }
    /* med-and-netdata frame 19: Child Update Request from the MED */
    const char *cur =
        "0d01010d0002b0010b086e7fbc4540b2ef2c0204000000f01312807db59e80cb7c4459816279f0"
        "357b6f317a";
    struct mle_child_update_request u;
    plen = hex(cur, plain, sizeof(plain));
    assert_int_equal(mle_parse_child_update_request(plain, plen, &u), MLE_OK);
    assert_int_equal(mle_build_child_update_request_from_child(&u, out, sizeof(out), &len), MLE_OK);
    check_rebuild(cur, out, len);
    /* Data Request: round trip through the parser */
    const uint8_t req_types[] = {MLE_TLV_NETWORK_DATA, MLE_TLV_ROUTE64};
    struct mle_data_request dr = {.tlv_request = req_types,
                                  .n_tlv_request = 2,
                                  .has_active_ts = true,
                                  .active_ts = {.seconds = 1}};
    assert_int_equal(mle_build_data_request(&dr, out, sizeof(out), &len), MLE_OK);
    check_rebuild("070d020c0916080000000000010000", out, len);
    struct mle_data_request back;
    assert_int_equal(mle_parse_data_request(out, len, &back), MLE_OK);
    assert_int_equal(back.n_tlv_request, 2);
    assert_true(back.has_active_ts);
    /* A parent's Child Update Request (no Mode) parses on the child side
     * only; the parent-side parser insists on Mode. */
    struct mle_child_update_request pu = {0}, back2;
    pu.has_src = pu.has_leader = pu.has_challenge = true;
    pu.src_rloc16 = 0xb000;
    pu.leader.partition_id = 0x6e7fbc45;
    pu.challenge.len = 8;
    assert_int_equal(mle_build_child_update_request(&pu, out, sizeof(out), &len), MLE_OK);
    assert_int_equal(mle_parse_child_update_request(out, len, &back2), MLE_ERR_TLV_MISSING);
    assert_int_equal(mle_parse_child_update_request_from_parent(out, len, &back2), MLE_OK);
    assert_int_equal(back2.src_rloc16, 0xb000);
    assert_true(back2.has_challenge);
    assert_int_equal(mle_parse_child_update_request_from_parent(plain, plen, &back2), MLE_OK);
    /* What OpenThread's child answers a restoring parent: Source Address,
     * Leader Data, Response, frame counters, no Mode. */
    struct mle_child_update_response cr = {0}, crb;
    cr.src_rloc16 = 0xb001;
    cr.has_leader = cr.has_response = cr.has_fcs = true;
    cr.response.len = 8;
    cr.mle_fc = 7;
    cr.link_fc = 9;
    assert_int_equal(mle_build_child_update_response(&cr, out, sizeof(out), &len), MLE_OK);
    assert_int_equal(mle_parse_child_update_response(out, len, &crb), MLE_ERR_TLV_MISSING);
    assert_int_equal(mle_parse_child_update_response_from_child(out, len, &crb), MLE_OK);
    assert_true(crb.has_fcs && crb.has_response);
    assert_int_equal(crb.mle_fc, 7);
    assert_int_equal(crb.link_fc, 9);
    /* bad arguments */
    preq.challenge.len = 2;
    assert_int_equal(mle_build_parent_request(&preq, out, sizeof(out), &len), MLE_ERR_ARG);
    assert_int_equal(mle_build_data_request(&dr, out, 4, &len), MLE_ERR_NO_SPACE);
}

/* Link Request and Link Accept And Request in OpenThread's TLV order
 * (mle_ftd.cpp SendLinkRequest / SendLinkAccept), and back. */
static void test_link_request_accept(void **state)
{
    (void)state;
    static const uint8_t req[] = {MLE_TLV_LINK_MARGIN, MLE_TLV_ROUTE64};
    struct mle_link_request lr = {.version = 4,
                                  .has_tlv_request = true,
                                  .tlv_request = req,
                                  .n_tlv_request = 2,
                                  .has_src = true,
                                  .src_rloc16 = 0x4400,
                                  .has_leader = true};
    lr.leader.partition_id = 0x11223344;
    lr.leader.leader_router_id = 17;
    lr.challenge.len = 8;
    memset(lr.challenge.b, 0xa5, 8);
    uint8_t out[200];
    size_t len;
    assert_int_equal(mle_build_link_request(&lr, out, sizeof(out), &len), MLE_OK);
    static const uint8_t want_lr[] = {MLE_CMD_LINK_REQUEST,
                                      MLE_TLV_VERSION,
                                      2,
                                      0,
                                      4,
                                      MLE_TLV_TLV_REQUEST,
                                      2,
                                      MLE_TLV_LINK_MARGIN,
                                      MLE_TLV_ROUTE64,
                                      MLE_TLV_SOURCE_ADDRESS,
                                      2,
                                      0x44,
                                      0x00,
                                      MLE_TLV_LEADER_DATA,
                                      8};
    assert_memory_equal(out, want_lr, sizeof(want_lr));
    assert_int_equal(out[sizeof(want_lr) + 8], MLE_TLV_CHALLENGE);
    struct mle_link_request lr2;
    assert_int_equal(mle_parse_link_request(out, len, &lr2), MLE_OK);
    assert_int_equal(lr2.src_rloc16, 0x4400);
    assert_int_equal(lr2.n_tlv_request, 2);
    assert_memory_equal(lr2.challenge.b, lr.challenge.b, 8);

    struct mle_link_accept a = {.cmd = MLE_CMD_LINK_ACCEPT_REQUEST,
                                .version = 4,
                                .src_rloc16 = 0x0c00,
                                .link_fc = 7,
                                .mle_fc = 9,
                                .has_mle_fc = true,
                                .has_link_margin = true,
                                .link_margin = 40,
                                .has_leader = true,
                                .has_route = true,
                                .has_challenge = true,
                                .has_tlv_request = true,
                                .tlv_request = req,
                                .n_tlv_request = 1};
    a.response = lr.challenge;
    a.leader = lr.leader;
    a.route.id_seq = 3;
    mle_route64_add(&a.route, 3, 0x01);
    mle_route64_add(&a.route, 17, 0xf1);
    a.challenge.len = 8;
    memset(a.challenge.b, 0x5a, 8);
    assert_int_equal(mle_build_link_accept(&a, out, sizeof(out), &len), MLE_OK);
    /* Version, Source Address, Response, Link FC, MLE FC, Link Margin first. */
    static const uint8_t want_la[] = {MLE_CMD_LINK_ACCEPT_REQUEST,
                                      MLE_TLV_VERSION,
                                      2,
                                      0,
                                      4,
                                      MLE_TLV_SOURCE_ADDRESS,
                                      2,
                                      0x0c,
                                      0x00,
                                      MLE_TLV_RESPONSE,
                                      8};
    assert_memory_equal(out, want_la, sizeof(want_la));
    struct mle_link_accept b;
    assert_int_equal(mle_parse_link_accept(out, len, &b), MLE_OK);
    assert_int_equal(b.cmd, MLE_CMD_LINK_ACCEPT_REQUEST);
    assert_int_equal(b.link_fc, 7);
    assert_int_equal(b.mle_fc, 9);
    assert_int_equal(b.link_margin, 40);
    assert_true(b.has_route && mle_route64_has(&b.route, 17));
    assert_true(b.has_challenge);
    assert_memory_equal(b.challenge.b, a.challenge.b, 8);
    /* Without a Challenge, a Link Accept And Request is refused. */
    a.has_challenge = false;
    assert_int_equal(mle_build_link_accept(&a, out, sizeof(out), &len), MLE_ERR_ARG);
    /* MLE FC absent: the link FC (ReadFrameCounterTlvs). */
    a.cmd = MLE_CMD_LINK_ACCEPT;
    a.has_mle_fc = false;
    assert_int_equal(mle_build_link_accept(&a, out, sizeof(out), &len), MLE_OK);
    assert_int_equal(mle_parse_link_accept(out, len, &b), MLE_OK);
    assert_int_equal(b.mle_fc, 7);
    assert_int_equal(mle_parse_link_accept(want_lr, sizeof(want_lr), &b), MLE_ERR_WRONG_CMD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key__derivation),
        cmocka_unit_test(test_vectors__unprotect_walk_reprotect),
        cmocka_unit_test(test_tlv__captured_values),
        cmocka_unit_test(test_builders__rebuild_captured),
        cmocka_unit_test(test_builders__roundtrip_uncaptured),
        cmocka_unit_test(test_builders__child_side),
        cmocka_unit_test(test_hostile__captures),
        cmocka_unit_test(test_hostile__random_bytes),
        cmocka_unit_test(test_hostile__named_errors),
        cmocka_unit_test(test_link_request_accept),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
