/*
 * 6LoWPAN mesh header (lowpan/lowpan_mesh.h): the vectors of
 * tests/vectors/lowpan_mesh/ (hand-made from RFC 4944 §5.2/§5/§11.1, OT's
 * MeshHeader encoder, OT's mesh frames with FRAG1/FRAGN and IPHC), every
 * truncation of every header, the relay chain from Thread's 19 hops down to
 * the drop, the counters, and bad arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/linevec.h"
#include "lowpan/lowpan_mesh.h"

#define BUF_MAX 2048
#define OUT_MAX 8

/* One case of a vector file; `has_*` says which keys it gave. */
struct mcase {
    char name[64];
    bool thread;
    uint8_t frame[BUF_MAX];
    size_t frame_len;
    bool has_frame;
    bool has_parse, has_hops, has_src, has_dst, has_hdr_len, has_build, has_mesh_key;
    bool has_split, has_has_mesh, has_next, has_bc0, has_frag, has_rest_off, has_relay;
    enum lowpan_err parse, split, relay_err;
    unsigned hops, hdr_len, has_mesh, bc0, rest_off;
    struct lowpan_lladdr src, dst;
    uint8_t build[LOWPAN_MESH_HDR_MAX + 1];
    size_t build_len;
    struct lowpan_mesh mesh; /* from `mesh HOPS SRC DST` */
    enum lowpan_dispatch next;
    unsigned frag_size, frag_tag, frag_off;
    uint8_t relay[BUF_MAX];
    size_t relay_len;
    /* `packet` cases */
    uint8_t packet[BUF_MAX];
    size_t packet_len;
    unsigned max_payload, tag;
    uint8_t out[OUT_MAX][LOWPAN_FRAME_MAX];
    size_t out_len[OUT_MAX], n_out;
};

/* The reason named by the first word of s ("ok" too); false if none is. */
static bool err_by_name(const char *s, enum lowpan_err *e)
{
    char w[40];
    if (sscanf(s, "%39s", w) != 1)
        return false;
    for (unsigned i = 0; i < LOWPAN_ERR__COUNT; i++) {
        if (!strcmp(lowpan_err_str((enum lowpan_err)i), w)) {
            *e = (enum lowpan_err)i;
            return true;
        }
    }
    return false;
}

static long hex(const char *s, uint8_t *buf, size_t cap)
{
    long n = linevec_hex(s, buf, cap);
    assert_true(n >= 0);
    return n;
}

static struct lowpan_lladdr ll_hex(const char *s)
{
    uint8_t b[8];
    struct lowpan_lladdr ll;
    memset(&ll, 0, sizeof(ll));
    long n = hex(s, b, sizeof(b));
    if (n == 2) {
        ll.mode = LOWPAN_LL_SHORT;
        ll.short_addr = (uint16_t)(b[0] << 8 | b[1]);
    } else {
        assert_int_equal(n, 8);
        ll.mode = LOWPAN_LL_EXT;
        memcpy(ll.ext, b, 8);
    }
    return ll;
}

static void assert_ll(const struct lowpan_lladdr *got, const struct lowpan_lladdr *want)
{
    assert_int_equal(got->mode, want->mode);
    if (want->mode == LOWPAN_LL_SHORT)
        assert_int_equal(got->short_addr, want->short_addr);
    else
        assert_memory_equal(got->ext, want->ext, 8);
}

static enum lowpan_dispatch next_by_name(const char *s)
{
    if (!strncmp(s, "iphc", 4))
        return LOWPAN_DISPATCH_IPHC;
    if (!strncmp(s, "ipv6", 4))
        return LOWPAN_DISPATCH_IPV6;
    if (!strncmp(s, "frag1", 5))
        return LOWPAN_DISPATCH_FRAG1;
    assert_int_equal(strncmp(s, "fragn", 5), 0);
    return LOWPAN_DISPATCH_FRAGN;
}

static enum lowpan_err result(const char *s)
{
    enum lowpan_err e = LOWPAN_ERR__COUNT;
    if (!err_by_name(s, &e))
        fail_msg("not a result: %s", s);
    return e;
}

static void set_key(struct mcase *c, const char *key, const char *v)
{
    if (!strcmp(key, "frame")) {
        c->frame_len = (size_t)hex(v, c->frame, sizeof(c->frame));
        c->has_frame = true;
    } else if (!strcmp(key, "mode")) {
        c->thread = strncmp(v, "rfc", 3) != 0;
    } else if (!strcmp(key, "parse")) {
        c->parse = result(v), c->has_parse = true;
    } else if (!strcmp(key, "hops")) {
        c->hops = (unsigned)atoi(v), c->has_hops = true;
    } else if (!strcmp(key, "src")) {
        c->src = ll_hex(v), c->has_src = true;
    } else if (!strcmp(key, "dst")) {
        c->dst = ll_hex(v), c->has_dst = true;
    } else if (!strcmp(key, "hdr_len")) {
        c->hdr_len = (unsigned)atoi(v), c->has_hdr_len = true;
    } else if (!strcmp(key, "build")) {
        c->build_len = (size_t)hex(v, c->build, sizeof(c->build));
        c->has_build = true;
    } else if (!strcmp(key, "mesh")) {
        unsigned h, s, d;
        assert_int_equal(sscanf(v, "%u %x %x", &h, &s, &d), 3);
        lowpan_mesh_init(&c->mesh, (uint16_t)s, (uint16_t)d, (uint8_t)h);
        c->has_mesh_key = true;
    } else if (!strcmp(key, "split")) {
        c->split = result(v), c->has_split = true;
    } else if (!strcmp(key, "has_mesh")) {
        c->has_mesh = (unsigned)atoi(v), c->has_has_mesh = true;
    } else if (!strcmp(key, "next")) {
        c->next = next_by_name(v), c->has_next = true;
    } else if (!strcmp(key, "bc0")) {
        c->bc0 = (unsigned)atoi(v), c->has_bc0 = true;
    } else if (!strcmp(key, "frag")) {
        assert_int_equal(sscanf(v, "%u %u %u", &c->frag_size, &c->frag_tag, &c->frag_off), 3);
        c->has_frag = true;
    } else if (!strcmp(key, "rest_off")) {
        c->rest_off = (unsigned)atoi(v), c->has_rest_off = true;
    } else if (!strcmp(key, "relay")) {
        c->has_relay = true;
        if (!err_by_name(v, &c->relay_err))
            c->relay_len = (size_t)hex(v, c->relay, sizeof(c->relay));
    } else if (!strcmp(key, "packet")) {
        c->packet_len = (size_t)hex(v, c->packet, sizeof(c->packet));
    } else if (!strcmp(key, "max_payload")) {
        c->max_payload = (unsigned)atoi(v);
    } else if (!strcmp(key, "tag")) {
        c->tag = (unsigned)atoi(v);
    } else if (!strcmp(key, "out")) {
        assert_true(c->n_out < OUT_MAX);
        c->out_len[c->n_out] = (size_t)hex(v, c->out[c->n_out], LOWPAN_FRAME_MAX);
        c->n_out++;
    } else {
        fail_msg("%s: unknown key %s", c->name, key);
    }
}

static struct lowpan_ctx_table ml_ctx(void)
{
    static const uint8_t ml[16] = {0xfd, 0x00, 0x0d, 0xb8};
    struct lowpan_ctx_table t;
    lowpan_ctx_init(&t);
    assert_int_equal(lowpan_ctx_set(&t, 0, ml, 64, true), LOWPAN_OK);
    return t;
}

/* The header's fields, and its canonical rebuild. */
static void check_fields(const struct mcase *c, const struct lowpan_mesh *m, size_t hl)
{
    if (c->has_hops)
        assert_int_equal(m->hops_left, c->hops);
    if (c->has_src)
        assert_ll(&m->originator, &c->src);
    if (c->has_dst)
        assert_ll(&m->final_dst, &c->dst);
    if (c->has_hdr_len)
        assert_int_equal(hl, c->hdr_len);
    if (c->has_build) {
        uint8_t b[LOWPAN_MESH_HDR_MAX];
        size_t bl;
        assert_int_equal(lowpan_mesh_write(m, b, sizeof(b), &bl), LOWPAN_OK);
        assert_int_equal(bl, c->build_len);
        assert_int_equal(lowpan_mesh_hdr_len(m), bl);
        assert_memory_equal(b, c->build, bl);
        /* One byte short of room: refused, nothing claimed written. */
        assert_int_equal(lowpan_mesh_write(m, b, bl - 1, &bl), LOWPAN_ERR_TOO_BIG);
        /* The canonical form parses back to the same fields. */
        struct lowpan_mesh m2;
        size_t hl2;
        assert_int_equal(lowpan_mesh_parse(c->build, c->build_len, &m2, &hl2), LOWPAN_OK);
        assert_int_equal(hl2, c->build_len);
        assert_int_equal(m2.hops_left, m->hops_left);
        assert_ll(&m2.originator, &m->originator);
        assert_ll(&m2.final_dst, &m->final_dst);
    }
}

static void check_split(const struct mcase *c, struct lowpan_mesh_ctx *mc)
{
    struct lowpan_mesh_frame f;
    struct rd rest;
    uint32_t before = mc->drops[c->split];
    assert_int_equal(lowpan_mesh_split(mc, c->frame, c->frame_len, &f, &rest), c->split);
    if (c->split) {
        assert_int_equal(mc->drops[c->split], before + 1);
        return;
    }
    if (c->has_has_mesh)
        assert_int_equal(f.has_mesh, c->has_mesh);
    if (f.has_mesh)
        check_fields(c, &f.mesh, f.mesh_len);
    if (c->has_next)
        assert_int_equal(f.next, c->next);
    if (c->has_bc0) {
        assert_true(f.has_bc0);
        assert_int_equal(f.bc0_seq, c->bc0);
    } else {
        assert_false(f.has_bc0);
    }
    if (c->has_frag) {
        assert_int_equal(f.frag.size, c->frag_size);
        assert_int_equal(f.frag.tag, c->frag_tag);
        assert_int_equal(f.frag.offset, c->frag_off);
    }
    if (c->has_rest_off)
        assert_ptr_equal(rest.p, c->frame + c->rest_off);
    assert_int_equal((size_t)(rest.p - c->frame) + rest.left, c->frame_len);
}

static void check_relay(const struct mcase *c, struct lowpan_mesh_ctx *mc)
{
    uint8_t out[BUF_MAX];
    size_t ol = 0;
    struct lowpan_mesh m;
    uint32_t relayed = mc->relayed;
    enum lowpan_err want = c->relay_len ? LOWPAN_OK : c->relay_err;
    assert_int_equal(lowpan_mesh_relay(mc, c->frame, c->frame_len, out, sizeof(out), &ol, &m),
                     want);
    if (want) {
        assert_int_equal(mc->relayed, relayed);
        return;
    }
    assert_int_equal(mc->relayed, relayed + 1);
    assert_int_equal(ol, c->relay_len);
    assert_memory_equal(out, c->relay, ol);
    /* Too little room for the rewritten frame: refused by name. */
    assert_int_equal(lowpan_mesh_relay(mc, c->frame, c->frame_len, out, ol - 1, &ol, &m),
                     LOWPAN_ERR_TOO_BIG);
}

/* Every cut inside the mesh header, and right after it. */
static void check_truncations(const struct mcase *c, struct lowpan_mesh_ctx *mc, size_t hl)
{
    struct lowpan_mesh m;
    struct lowpan_mesh_frame f;
    struct rd rest;
    size_t l;
    for (size_t n = 0; n < hl; n++) {
        assert_int_equal(lowpan_mesh_parse(c->frame, n, &m, &l), LOWPAN_ERR_TRUNCATED);
        assert_int_equal(lowpan_mesh_split(mc, c->frame, n, &f, &rest),
                         n ? LOWPAN_ERR_BAD_MESH : LOWPAN_ERR_TRUNCATED);
    }
    if (c->has_split && c->split == LOWPAN_OK)
        assert_int_equal(lowpan_mesh_split(mc, c->frame, hl, &f, &rest), LOWPAN_ERR_TRUNCATED);
}

/* OT's framing of a packet: the frames exactly; each splits (Thread mode),
 * reassembles at the final destination, and relays. */
static void check_packet(const struct mcase *c)
{
    struct lowpan_ctx_table ctx = ml_ctx();
    static struct lowpan_frame fr[OUT_MAX];
    static uint8_t dgram[LOWPAN_REASM_BUF];
    size_t n, dl = 0;
    assert_true(c->has_mesh_key);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &c->mesh, c->packet, c->packet_len,
                                            c->max_payload, (uint16_t)c->tag, fr, OUT_MAX, &n),
                     LOWPAN_OK);
    assert_int_equal(n, c->n_out);

    struct lowpan_mesh_ctx mc;
    lowpan_mesh_ctx_init(&mc, true);
    struct lowpan_reasm ra, rb;
    lowpan_reasm_init(&ra, 0);
    lowpan_reasm_init(&rb, 0);
    /* The last hop's MAC addresses: the mesh ones must be used instead. */
    struct lowpan_lladdr hop = {.mode = LOWPAN_LL_SHORT, .short_addr = 0x0800};
    struct lowpan_lladdr me = {.mode = LOWPAN_LL_SHORT, .short_addr = 0x0c00};
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fr[i].len, c->out_len[i]);
        assert_memory_equal(fr[i].data, c->out[i], fr[i].len);
        assert_true(fr[i].len <= c->max_payload);

        struct lowpan_mesh_frame f;
        struct rd rest;
        assert_int_equal(lowpan_mesh_split(&mc, fr[i].data, fr[i].len, &f, &rest), LOWPAN_OK);
        assert_true(f.has_mesh);
        assert_int_equal(f.mesh.hops_left, c->mesh.hops_left);
        assert_int_equal(f.next, n == 1   ? LOWPAN_DISPATCH_IPHC
                                 : i == 0 ? LOWPAN_DISPATCH_FRAG1
                                          : LOWPAN_DISPATCH_FRAGN);
        if (n > 1) {
            assert_int_equal(f.frag.size, c->packet_len);
            assert_int_equal(f.frag.tag, c->tag);
        }
        assert_int_equal(lowpan_reasm_input(&ra, &ctx, &hop, &me, fr[i].data, fr[i].len, 0, dgram,
                                            sizeof(dgram), &dl),
                         LOWPAN_OK);
        assert_int_equal(dl, i + 1 == n ? c->packet_len : 0);

        /* Relayed once: hops 18, same bytes after the header, and still the
         * same datagram at the destination. */
        uint8_t rl[LOWPAN_FRAME_MAX];
        size_t rll;
        struct lowpan_mesh m;
        assert_int_equal(lowpan_mesh_relay(&mc, fr[i].data, fr[i].len, rl, sizeof(rl), &rll, &m),
                         LOWPAN_OK);
        assert_int_equal(m.hops_left, c->mesh.hops_left - 1);
        assert_int_equal(m.final_dst.short_addr, c->mesh.final_dst.short_addr);
        size_t hl = lowpan_mesh_hdr_len(&c->mesh), hl2 = lowpan_mesh_hdr_len(&m);
        assert_int_equal(rll - hl2, fr[i].len - hl);
        assert_memory_equal(rl + hl2, fr[i].data + hl, rll - hl2);
        assert_int_equal(
            lowpan_reasm_input(&rb, &ctx, &hop, &me, rl, rll, 0, dgram, sizeof(dgram), &dl),
            LOWPAN_OK);
        assert_int_equal(dl, i + 1 == n ? c->packet_len : 0);
    }
    assert_memory_equal(dgram, c->packet, c->packet_len);
    assert_int_equal(mc.relayed, n);
}

static unsigned g_cases;

static void run_case(struct mcase *c)
{
    struct lowpan_mesh_ctx mc;
    lowpan_mesh_ctx_init(&mc, c->thread);
    g_cases++;
    if (c->packet_len) {
        check_packet(c);
        return;
    }
    if (c->has_mesh_key) {
        /* An OT-built header: its bytes, and relaying a frame made of it. */
        check_fields(c, &c->mesh, lowpan_mesh_hdr_len(&c->mesh));
        c->frame_len = c->build_len;
        memcpy(c->frame, c->build, c->build_len);
        c->frame[c->frame_len++] = 0x7a; /* an IPHC dispatch after it */
        c->frame[c->frame_len++] = 0x33;
        if (c->relay_len) {
            c->relay[c->relay_len++] = 0x7a;
            c->relay[c->relay_len++] = 0x33;
        }
        c->has_frame = true;
    }
    assert_true(c->has_frame);
    struct lowpan_mesh m;
    size_t hl = 0;
    enum lowpan_err pe = lowpan_mesh_parse(c->frame, c->frame_len, &m, &hl);
    if (c->has_parse)
        assert_int_equal(pe, c->parse);
    if (pe == LOWPAN_OK) {
        check_fields(c, &m, hl);
        check_truncations(c, &mc, hl);
    }
    if (c->has_split)
        check_split(c, &mc);
    if (c->has_relay)
        check_relay(c, &mc);
}

static struct mcase g_case;

static void run_file(void *user, const char *path)
{
    int *files = user;
    char line[8192];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    bool open = false;
    while (fgets(line, sizeof(line), f)) {
        char key[32];
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%31s %n", key, &off) != 1)
            continue;
        if (!strcmp(key, "case")) {
            assert_false(open);
            memset(&g_case, 0, sizeof(g_case));
            g_case.thread = true;
            assert_int_equal(sscanf(line + off, "%63s", g_case.name), 1);
            open = true;
        } else if (!strcmp(key, "end")) {
            assert_true(open);
            print_message("  %s: %s\n", strrchr(path, '/') + 1, g_case.name);
            run_case(&g_case);
            open = false;
        } else {
            assert_true(open);
            set_key(&g_case, key, line + off);
        }
    }
    assert_false(open);
    fclose(f);
    (*files)++;
}

static void test_vectors(void **state)
{
    (void)state;
    char dir[1024];
    int files = 0;
    linevec_dir("lowpan_mesh", dir, sizeof(dir));
    linevec_each(dir, run_file, &files);
    assert_int_equal(files, 4);
    assert_true(g_cases >= 58);
}

/* A frame caught in a loop (or on too long a path) is relayed exactly
 * LOWPAN_MESH_HOPS_DEFAULT times, then dropped by name. */
static void test_hop_chain(void **state)
{
    (void)state;
    struct lowpan_mesh m;
    struct lowpan_mesh_ctx mc;
    uint8_t a[64], b[64];
    size_t al, bl;
    lowpan_mesh_ctx_init(&mc, true);
    lowpan_mesh_init(&m, 0x0400, 0x0c00, LOWPAN_MESH_HOPS_DEFAULT);
    assert_int_equal(lowpan_mesh_write(&m, a, sizeof(a), &al), LOWPAN_OK);
    assert_int_equal(al, 6);
    a[al++] = 0x7a;
    a[al++] = 0x33;
    unsigned relays = 0;
    for (;;) {
        struct lowpan_mesh got;
        enum lowpan_err e = lowpan_mesh_relay(&mc, a, al, b, sizeof(b), &bl, &got);
        if (e) {
            assert_int_equal(e, LOWPAN_ERR_MESH_HOP_LIMIT);
            break;
        }
        relays++;
        assert_int_equal(got.hops_left, LOWPAN_MESH_HOPS_DEFAULT - relays);
        /* Deep form while hops left >= 15, then 5 bytes. */
        assert_int_equal(bl, (got.hops_left >= 15 ? 6u : 5u) + 2);
        assert_true(relays <= LOWPAN_MESH_HOPS_DEFAULT);
        memcpy(a, b, bl);
        al = bl;
    }
    assert_int_equal(relays, LOWPAN_MESH_HOPS_DEFAULT);
    assert_int_equal(mc.relayed, LOWPAN_MESH_HOPS_DEFAULT);
    assert_int_equal(mc.drops[LOWPAN_ERR_MESH_HOP_LIMIT], 1);
    static const uint8_t last[] = {0xb0, 0x04, 0x00, 0x0c, 0x00, 0x7a, 0x33};
    assert_int_equal(al, sizeof(last));
    assert_memory_equal(a, last, sizeof(last));

    /* lowpan_mesh_forward alone: 1 -> 0, then refused and left at 0. */
    lowpan_mesh_init(&m, 1, 2, 1);
    assert_int_equal(lowpan_mesh_forward(&m), LOWPAN_OK);
    assert_int_equal(m.hops_left, 0);
    assert_int_equal(lowpan_mesh_forward(&m), LOWPAN_ERR_MESH_HOP_LIMIT);
    assert_int_equal(m.hops_left, 0);
}

static void test_args(void **state)
{
    (void)state;
    struct lowpan_mesh m, none;
    struct lowpan_mesh_frame f;
    struct lowpan_mesh_ctx mc;
    struct rd rest;
    uint8_t buf[64] = {0xb5, 0, 1, 0, 2, 0x7a, 0x33};
    size_t l;
    lowpan_mesh_init(&m, 1, 2, 5);
    memset(&none, 0, sizeof(none));

    lowpan_mesh_ctx_init(NULL, true);
    lowpan_mesh_init(NULL, 1, 2, 3);
    assert_int_equal(lowpan_mesh_parse(NULL, 5, &m, &l), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_parse(buf, 5, NULL, &l), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_parse(buf, 5, &m, NULL), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_hdr_len(NULL), 0);
    assert_int_equal(lowpan_mesh_hdr_len(&none), 0);
    assert_int_equal(lowpan_mesh_write(&none, buf + 32, 32, &l), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_write(NULL, buf + 32, 32, &l), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_write(&m, NULL, 32, &l), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_forward(NULL), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_split(NULL, NULL, 1, &f, &rest), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_split(NULL, buf, 7, NULL, &rest), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_split(NULL, buf, 7, &f, NULL), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_split(NULL, NULL, 0, &f, &rest), LOWPAN_ERR_TRUNCATED);
    assert_int_equal(lowpan_mesh_relay(NULL, buf, 7, NULL, 64, &l, NULL), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_relay(NULL, buf, 7, buf + 32, 32, NULL, NULL),
                     LOWPAN_ERR_INVALID_ARG);
    /* A NULL context: RFC mode, nothing counted; m may be NULL. */
    assert_int_equal(lowpan_mesh_relay(NULL, buf, 7, buf + 32, 32, &l, NULL), LOWPAN_OK);
    assert_int_equal(buf[32], 0xb4);

    /* Drops are counted under their reason, in split and in relay. */
    lowpan_mesh_ctx_init(&mc, true);
    buf[0] = 0xb0;
    assert_int_equal(lowpan_mesh_relay(&mc, buf, 7, buf + 32, 32, &l, NULL),
                     LOWPAN_ERR_MESH_HOP_LIMIT);
    assert_int_equal(lowpan_mesh_split(&mc, buf, 3, &f, &rest), LOWPAN_ERR_BAD_MESH);
    assert_int_equal(lowpan_mesh_relay(&mc, buf, 3, buf + 32, 32, &l, NULL), LOWPAN_ERR_BAD_MESH);
    assert_int_equal(mc.drops[LOWPAN_ERR_MESH_HOP_LIMIT], 1);
    assert_int_equal(mc.drops[LOWPAN_ERR_BAD_MESH], 2);
    assert_int_equal(mc.relayed, 0);
    assert_true(mc.thread);

    /* Framing: bad arguments, and no room left after the header. */
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_frame fr[2];
    size_t n;
    uint8_t pkt[48] = {0x60};
    assert_int_equal(lowpan_mesh_frag_split(&ctx, NULL, pkt, 48, 100, 1, fr, 2, &n),
                     LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &none, pkt, 48, 100, 1, fr, 2, &n),
                     LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &m, pkt, 48, 100, 1, NULL, 2, &n),
                     LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &m, pkt, 48, 100, 1, fr, 2, NULL),
                     LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &m, pkt, 48, LOWPAN_FRAME_MAX + 1, 1, fr, 2, &n),
                     LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &m, pkt, 48, 5, 1, fr, 2, &n),
                     LOWPAN_ERR_TOO_BIG);
    assert_int_equal(n, 0);
    /* Not an IPv6 packet: lowpan_frag_split's reason comes through. */
    assert_int_equal(lowpan_mesh_frag_split(&ctx, &m, pkt, 48, 100, 1, fr, 2, &n),
                     LOWPAN_ERR_BAD_IPV6);
    /* Every reason has a distinct name, the new ones included. */
    assert_string_equal(lowpan_err_str(LOWPAN_ERR_MESH_LONG_ADDR), "mesh_long_addr");
    assert_string_equal(lowpan_err_str(LOWPAN_ERR_MESH_HOP_LIMIT), "mesh_hop_limit");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_hop_chain),
        cmocka_unit_test(test_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
