/*
 * 6LoWPAN (RFC 6282 IPHC/NHC, RFC 4944 fragmentation and mesh header).
 *
 * Conformance: every frame of the OpenThread simulation captures in
 * $TBR_THREAD_VECTORS that has `lowpan_decompressed_ipv6` must decompress
 * (or reassemble) to exactly that packet, and compressing / fragmenting the
 * packet must give back the captured `mac_payload` bytes.
 * Hostility: truncations, bit flips and random bytes into decompression and
 * reassembly; slot exhaustion, timeouts, overlaps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lowpan/lowpan.h"
#include "lowpan/lowpan_mesh.h"
#include "lowpan/lowpan_frag.h"
#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

#include "../support/thread_vec.h"
#include "pktbuild.h"

static const char *const vec_files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};

/* ---- Vector helpers --------------------------------------------------- */

static void load_ctx(const struct tvec_file *f, struct lowpan_ctx_table *t)
{
    const struct tvec_block *net = tvec_find(f, "network", NULL);
    assert_non_null(net);
    lowpan_ctx_init(t);
    for (unsigned id = 0; id < LOWPAN_CTX_MAX; id++) {
        char key[32];
        snprintf(key, sizeof(key), "lowpan_context_%u", id);
        const char *v = tvec_get(net, key);
        if (!v)
            continue;
        struct addr_prefix6 p;
        assert_true(addr_parse_prefix6(v, &p));
        assert_int_equal(lowpan_ctx_set(t, id, p.addr, p.len, true), LOWPAN_OK);
    }
    assert_true(t->ctx[0].valid);
}

/* "0x1800" or 16 hex digits (extaddr order). */
static bool parse_ll(const char *s, uint16_t pan, struct lowpan_lladdr *ll)
{
    memset(ll, 0, sizeof(*ll));
    ll->pan_id = pan;
    if (!strncmp(s, "0x", 2)) {
        ll->mode = LOWPAN_LL_SHORT;
        ll->short_addr = (uint16_t)strtoul(s + 2, NULL, 16);
        return true;
    }
    char hex[17];
    memcpy(hex, s, 16);
    hex[16] = 0;
    ll->mode = LOWPAN_LL_EXT;
    return tvec_hex(hex, ll->ext, 8) == 8;
}

static const char *field(const char *hdr, const char *key)
{
    const char *p = strstr(hdr, key);
    return p ? p + strlen(key) : NULL;
}

/* MAC addresses from the `mac_header` text. */
static void parse_mac_header(const char *hdr, struct lowpan_lladdr *src, struct lowpan_lladdr *dst)
{
    const char *dp = field(hdr, " dst_pan=0x"), *sp = field(hdr, " src_pan=0x");
    const char *pc = field(hdr, " pan_id_compression=");
    assert_non_null(dp);
    uint16_t dpan = (uint16_t)strtoul(dp, NULL, 16);
    uint16_t span = sp ? (uint16_t)strtoul(sp, NULL, 16) : dpan;
    assert_true(sp || (pc && *pc == '1'));
    const char *d = field(hdr, " dst="), *s = field(hdr, " src=");
    assert_non_null(d);
    assert_non_null(s);
    assert_true(parse_ll(d, dpan, dst));
    assert_true(parse_ll(s, span, src));
}

struct vframe {
    struct lowpan_lladdr src, dst;
    uint8_t payload[LOWPAN_FRAME_MAX];
    size_t plen;
    size_t psdu_len;
    bool secured;
};

static bool get_frame(const struct tvec_file *f, const char *idx, struct vframe *vf)
{
    const struct tvec_block *b = tvec_find(f, "frame", idx);
    assert_non_null(b);
    const char *mh = tvec_get(b, "mac_header"), *mp = tvec_get(b, "mac_payload");
    if (!mh || !mp || strstr(mh, "type=data") == NULL)
        return false;
    parse_mac_header(mh, &vf->src, &vf->dst);
    long n = tvec_hex(mp, vf->payload, sizeof(vf->payload));
    assert_true(n > 0);
    vf->plen = (size_t)n;
    const char *psdu = tvec_get(b, "psdu");
    assert_non_null(psdu);
    vf->psdu_len = strlen(psdu) / 2;
    const char *sec = tvec_get(b, "mac_security");
    vf->secured = sec && strcmp(sec, "none") != 0;
    return true;
}

static size_t hexbuf(const char *hex, uint8_t *out, size_t cap)
{
    long n = tvec_hex(hex, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

/* ---- Conformance over the captures ------------------------------------ */

struct totals {
    unsigned complete;     /* frames with lowpan_decompressed_ipv6 */
    unsigned decompressed; /* ... rebuilt exactly */
    unsigned roundtrip;    /* ... whose compression gives mac_payload back */
    unsigned frag_frames;  /* FRAG1/FRAGN frames reproduced by lowpan_frag_split */
    unsigned frag1_prefix; /* FRAG1 frames decompressed alone to a datagram prefix */
};

static void check_fragmented(const struct tvec_file *f, const struct lowpan_ctx_table *ctx,
                             const char *list, const uint8_t *want, size_t want_len,
                             struct totals *t)
{
    char idx[8][8];
    unsigned n = 0;
    for (const char *p = list; *p && n < 8;) {
        size_t k = strcspn(p, ",");
        assert_true(k < sizeof(idx[0]));
        memcpy(idx[n], p, k);
        idx[n][k] = 0;
        n++;
        p += k;
        if (*p == ',')
            p++;
    }
    assert_true(n >= 2);

    /* Reassembly through the receive path, in capture order. */
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    static uint8_t out[LOWPAN_REASM_BUF];
    size_t out_len = 0;
    struct vframe vf[8];
    for (unsigned i = 0; i < n; i++) {
        assert_true(get_frame(f, idx[i], &vf[i]));
        enum lowpan_err e = lowpan_reasm_input(r, ctx, &vf[i].src, &vf[i].dst, vf[i].payload,
                                               vf[i].plen, 1000 + i, out, sizeof(out), &out_len);
        assert_int_equal(e, LOWPAN_OK);
        if (i + 1 < n)
            assert_int_equal(out_len, 0);
    }
    assert_int_equal(out_len, want_len);
    assert_memory_equal(out, want, want_len);
    assert_int_equal(lowpan_reasm_busy(r), 0);
    assert_int_equal(r->completed, 1);
    t->decompressed++;

    /* FRAG1 alone: decompressed headers + its data = a prefix of the datagram. */
    struct lowpan_frag_hdr fh;
    size_t hl, got, used;
    assert_int_equal(lowpan_frag_parse(vf[0].payload, vf[0].plen, &fh, &hl), LOWPAN_OK);
    assert_true(fh.first);
    assert_int_equal(fh.size, want_len);
    assert_int_equal(lowpan_decompress(ctx, &vf[0].src, &vf[0].dst, vf[0].payload + hl,
                                       vf[0].plen - hl, fh.size, out, sizeof(out), &got, &used),
                     LOWPAN_OK);
    assert_true(got < want_len);
    assert_memory_equal(out, want, got);
    t->frag1_prefix++;

    /* Fragmenting the datagram with the same tag and the frame budget the
     * capture had (127 - MAC header - MIC - FCS) gives the same payloads. */
    size_t mic = vf[0].secured ? 4 : 0;
    size_t mac_hdr = vf[0].psdu_len - 2 - mic - vf[0].plen;
    size_t max_payload = LOWPAN_FRAME_MAX - mac_hdr - mic - 2;
    struct lowpan_frame frames[8];
    size_t nf;
    assert_int_equal(lowpan_frag_split(ctx, &vf[0].src, &vf[0].dst, want, want_len, max_payload,
                                       fh.tag, frames, 8, &nf),
                     LOWPAN_OK);
    assert_int_equal(nf, n);
    bool all = true;
    for (unsigned i = 0; i < n; i++) {
        bool same =
            frames[i].len == vf[i].plen && memcmp(frames[i].data, vf[i].payload, vf[i].plen) == 0;
        if (same)
            t->frag_frames++;
        all = all && same;
    }
    if (all)
        t->roundtrip++;
    free(r);
}

static void check_file(const char *name, struct totals *t)
{
    struct tvec_file f;
    assert_int_equal(tvec_load(name, &f), 0);
    struct lowpan_ctx_table ctx;
    load_ctx(&f, &ctx);
    static uint8_t want[2048], out[2048];

    for (unsigned bi = 0; bi < f.n; bi++) {
        const struct tvec_block *b = &f.blocks[bi];
        if (strcmp(b->kv[0].key, "frame") != 0)
            continue;
        const char *ip6 = tvec_get(b, "lowpan_decompressed_ipv6");
        if (!ip6)
            continue;
        t->complete++;
        size_t want_len = hexbuf(ip6, want, sizeof(want));
        const char *from = tvec_get(b, "reassembled_from_frames");
        if (from) {
            check_fragmented(&f, &ctx, from, want, want_len, t);
            continue;
        }
        struct vframe vf;
        assert_true(get_frame(&f, b->kv[0].value, &vf));

        size_t out_len = 0, used = 0;
        enum lowpan_err e = lowpan_decompress(&ctx, &vf.src, &vf.dst, vf.payload, vf.plen, 0, out,
                                              sizeof(out), &out_len, &used);
        if (e != LOWPAN_OK || out_len != want_len || memcmp(out, want, want_len) != 0) {
            fprintf(stderr, "%s frame %s: decompress %s\n", name, b->kv[0].value,
                    lowpan_err_str(e));
            fail();
        }
        t->decompressed++;

        /* The receive path gives the same packet. */
        struct lowpan_reasm r;
        lowpan_reasm_init(&r, 0);
        size_t rx_len;
        assert_int_equal(lowpan_reasm_input(&r, &ctx, &vf.src, &vf.dst, vf.payload, vf.plen, 0, out,
                                            sizeof(out), &rx_len),
                         LOWPAN_OK);
        assert_int_equal(rx_len, want_len);
        assert_memory_equal(out, want, want_len);

        e = lowpan_compress(&ctx, &vf.src, &vf.dst, want, want_len, out, sizeof(out), &out_len);
        assert_int_equal(e, LOWPAN_OK);
        if (out_len == vf.plen && memcmp(out, vf.payload, vf.plen) == 0)
            t->roundtrip++;
        else
            fprintf(stderr, "%s frame %s: compression differs from the capture\n", name,
                    b->kv[0].value);

        /* And so does the splitter, which must not fragment it. */
        struct lowpan_frame fr[2];
        size_t nf;
        assert_int_equal(lowpan_frag_split(&ctx, &vf.src, &vf.dst, want, want_len, LOWPAN_FRAME_MAX,
                                           0x1234, fr, 2, &nf),
                         LOWPAN_OK);
        assert_int_equal(nf, 1);
        assert_int_equal(fr[0].len, out_len);
        assert_memory_equal(fr[0].data, out, out_len);
    }
    tvec_free(&f);
}

static void test_vectors(void **state)
{
    (void)state;
    struct totals t = {0};
    for (size_t i = 0; i < sizeof(vec_files) / sizeof(vec_files[0]); i++)
        check_file(vec_files[i], &t);
    printf("lowpan vectors: %u complete packets, %u decompressed exactly, %u compressed back "
           "byte for byte; %u fragment frames reproduced, %u FRAG1 prefixes\n",
           t.complete, t.decompressed, t.roundtrip, t.frag_frames, t.frag1_prefix);
    /* README: 101 complete packets, 4 of them reassembled from FRAG1+FRAGN. */
    assert_int_equal(t.complete, 101);
    assert_int_equal(t.decompressed, 101);
    assert_int_equal(t.roundtrip, 101);
    assert_int_equal(t.frag_frames, 8);
    assert_int_equal(t.frag1_prefix, 4);
}

/* ---- Samples for the hostile tests ------------------------------------ */

struct sample {
    struct lowpan_ctx_table ctx;
    struct lowpan_lladdr src, dst;
    uint8_t p[LOWPAN_FRAME_MAX];
    size_t n;
};

static struct sample samples[160];
static size_t n_samples;

static void load_samples(void)
{
    if (n_samples)
        return;
    for (size_t i = 0; i < sizeof(vec_files) / sizeof(vec_files[0]); i++) {
        struct tvec_file f;
        assert_int_equal(tvec_load(vec_files[i], &f), 0);
        struct lowpan_ctx_table ctx;
        load_ctx(&f, &ctx);
        for (unsigned bi = 0; bi < f.n; bi++) {
            const struct tvec_block *b = &f.blocks[bi];
            if (strcmp(b->kv[0].key, "frame") != 0 || n_samples == 160)
                continue;
            struct vframe vf;
            if (!get_frame(&f, b->kv[0].value, &vf))
                continue;
            struct sample *s = &samples[n_samples++];
            s->ctx = ctx;
            s->src = vf.src;
            s->dst = vf.dst;
            memcpy(s->p, vf.payload, vf.plen);
            s->n = vf.plen;
        }
        tvec_free(&f);
    }
    assert_int_equal(n_samples, 105);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

/* One hostile input through both entry points; results must be named and
 * lengths inside the buffers. */
static void poke(const struct sample *s, const uint8_t *in, size_t n, struct lowpan_reasm *r,
                 uint64_t now)
{
    static uint8_t out[1500];
    size_t out_len = 0, used = 0;
    enum lowpan_err e =
        lowpan_decompress(&s->ctx, &s->src, &s->dst, in, n, 0, out, sizeof(out), &out_len, &used);
    assert_true((unsigned)e < LOWPAN_ERR__COUNT);
    if (e == LOWPAN_OK) {
        assert_true(out_len <= sizeof(out));
        assert_true(used <= n);
        assert_true(out_len >= 40);
    }
    if (e == LOWPAN_OK && lowpan_dispatch_of(in[0]) == LOWPAN_DISPATCH_IPHC) {
        /* Whatever decompresses compresses again to the same packet. */
        static uint8_t c[1500], d[1500];
        size_t cl, dl;
        assert_int_equal(
            lowpan_compress(&s->ctx, &s->src, &s->dst, out, out_len, c, sizeof(c), &cl), LOWPAN_OK);
        assert_int_equal(
            lowpan_decompress(&s->ctx, &s->src, &s->dst, c, cl, 0, d, sizeof(d), &dl, NULL),
            LOWPAN_OK);
        assert_int_equal(dl, out_len);
        assert_memory_equal(d, out, out_len);
    }
    e = lowpan_decompress(&s->ctx, &s->src, &s->dst, in, n, 300, out, sizeof(out), &out_len, &used);
    assert_true((unsigned)e < LOWPAN_ERR__COUNT);
    e = lowpan_reasm_input(r, &s->ctx, &s->src, &s->dst, in, n, now, out, sizeof(out), &out_len);
    assert_true((unsigned)e < LOWPAN_ERR__COUNT);
    assert_true(out_len <= sizeof(out));
    assert_true(lowpan_reasm_busy(r) <= LOWPAN_REASM_SLOTS);
}

static void test_truncations(void **state)
{
    (void)state;
    load_samples();
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    uint64_t now = 0;
    for (size_t i = 0; i < n_samples; i++) {
        const struct sample *s = &samples[i];
        /* Header length of the intact frame (IPHC frames only). */
        size_t hdr = 0, out_len;
        static uint8_t out[1500];
        if (lowpan_dispatch_of(s->p[0]) == LOWPAN_DISPATCH_IPHC)
            assert_int_equal(lowpan_decompress(&s->ctx, &s->src, &s->dst, s->p, s->n, 0, out,
                                               sizeof(out), &out_len, &hdr),
                             LOWPAN_OK);
        for (size_t n = 0; n < s->n; n++) {
            /* Exact-size copy so ASan sees any read past the end. */
            uint8_t *copy = malloc(n ? n : 1);
            assert_non_null(copy);
            memcpy(copy, s->p, n);
            if (n < hdr) {
                assert_int_equal(lowpan_decompress(&s->ctx, &s->src, &s->dst, copy, n, 0, out,
                                                   sizeof(out), &out_len, NULL),
                                 LOWPAN_ERR_TRUNCATED);
            }
            poke(s, copy, n, r, now += 100);
            free(copy);
        }
        /* Output buffers too small at every length: never written past. */
        for (size_t cap = 0; hdr && cap < 40 + 8 + s->n; cap++) {
            uint8_t *o = malloc(cap ? cap : 1);
            assert_non_null(o);
            enum lowpan_err e =
                lowpan_decompress(&s->ctx, &s->src, &s->dst, s->p, s->n, 0, o, cap, &out_len, NULL);
            assert_true(e == LOWPAN_OK || e == LOWPAN_ERR_TOO_BIG);
            free(o);
        }
    }
    free(r);
}

static void test_bitflips(void **state)
{
    (void)state;
    load_samples();
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    uint8_t buf[LOWPAN_FRAME_MAX];
    uint64_t now = 0;
    for (size_t i = 0; i < n_samples; i++) {
        const struct sample *s = &samples[i];
        size_t lim = s->n < 48 ? s->n : 48; /* the headers live in the first bytes */
        for (size_t bit = 0; bit < lim * 8; bit++) {
            memcpy(buf, s->p, s->n);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            poke(s, buf, s->n, r, now += 7);
        }
    }
    assert_int_equal(r->drops[LOWPAN_OK], 0);
    free(r);
}

static void test_random(void **state)
{
    (void)state;
    load_samples();
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    static const uint8_t firsts[] = {0x60, 0x78, 0x7f, 0x41, 0x50, 0x80, 0xbf, 0xc0, 0xe0, 0xff};
    uint8_t buf[LOWPAN_FRAME_MAX];
    uint64_t now = 0;
    for (unsigned it = 0; it < 150000; it++) {
        const struct sample *s = &samples[rnd() % n_samples];
        size_t n = rnd() % (sizeof(buf) + 1);
        for (size_t k = 0; k < n; k++)
            buf[k] = (uint8_t)rnd();
        if (n && (it & 1))
            buf[0] = firsts[rnd() % sizeof(firsts)];
        if (n > 1 && (it & 2))
            buf[1] = (uint8_t)(buf[1] | 0x04); /* IPHC CID bit set */
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        memcpy(copy, buf, n);
        poke(s, copy, n, r, now += rnd() % 50);
        free(copy);
        /* Splice random bytes into a real frame, too. */
        memcpy(buf, s->p, s->n);
        size_t at = rnd() % s->n;
        buf[at] = (uint8_t)rnd();
        poke(s, buf, s->n, r, now);
    }
    free(r);
}

/* ---- Reassembly state machine ----------------------------------------- */

static struct lowpan_ctx_table ml_ctx(void)
{
    struct lowpan_ctx_table t;
    uint8_t p[16];
    lowpan_ctx_init(&t);
    assert_true(addr_parse6("fd00:db8:aaaa:bbbb::", p));
    assert_int_equal(lowpan_ctx_set(&t, 0, p, 64, true), LOWPAN_OK);
    assert_true(addr_parse6("fd11:22::", p));
    assert_int_equal(lowpan_ctx_set(&t, 1, p, 64, true), LOWPAN_OK);
    return t;
}

static struct lowpan_lladdr ll_short(uint16_t a)
{
    struct lowpan_lladdr ll;
    memset(&ll, 0, sizeof(ll));
    ll.mode = LOWPAN_LL_SHORT;
    ll.short_addr = a;
    ll.pan_id = 0x1234;
    return ll;
}

static struct lowpan_lladdr ll_ext(uint8_t last)
{
    struct lowpan_lladdr ll;
    memset(&ll, 0, sizeof(ll));
    ll.mode = LOWPAN_LL_EXT;
    static const uint8_t e[8] = {0x6e, 0x75, 0xc9, 0x27, 0xad, 0xe0, 0x05, 0x3a};
    memcpy(ll.ext, e, 8);
    ll.ext[7] = last;
    ll.pan_id = 0x1234;
    return ll;
}

/* A UDP datagram of `total` bytes between two RLOCs. */
static size_t big_udp(uint8_t *pkt, size_t total)
{
    static uint8_t l4[2048];
    pb_udp(l4, 61631, 61631, total - 48);
    return pb_ip6(pkt, "fd00:db8:aaaa:bbbb:0:ff:fe00:b001", "fd00:db8:aaaa:bbbb:0:ff:fe00:b000", 17,
                  64, l4, total - 40);
}

static void split(const struct lowpan_ctx_table *ctx, const struct lowpan_lladdr *src,
                  const struct lowpan_lladdr *dst, const uint8_t *pkt, size_t len, size_t maxp,
                  uint16_t tag, struct lowpan_frame *fr, size_t *nf)
{
    assert_int_equal(lowpan_frag_split(ctx, src, dst, pkt, len, maxp, tag, fr, 40, nf), LOWPAN_OK);
}

static enum lowpan_err feed(struct lowpan_reasm *r, const struct lowpan_ctx_table *ctx,
                            const struct lowpan_lladdr *src, const struct lowpan_lladdr *dst,
                            const struct lowpan_frame *f, uint64_t now, uint8_t *out,
                            size_t *out_len)
{
    return lowpan_reasm_input(r, ctx, src, dst, f->data, f->len, now, out, LOWPAN_REASM_BUF,
                              out_len);
}

static void test_split_reassemble(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr src = ll_short(0xb001), dst = ll_short(0xb000);
    static uint8_t pkt[1280], out[LOWPAN_REASM_BUF];
    static struct lowpan_frame fr[40];
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    for (size_t total = 48; total <= 1280; total += 37) {
        for (size_t maxp = 40; maxp <= LOWPAN_FRAME_MAX; maxp += 29) {
            size_t len = big_udp(pkt, total), nf, out_len = 0;
            split(&ctx, &src, &dst, pkt, len, maxp, (uint16_t)total, fr, &nf);
            for (size_t i = 0; i < nf; i++) {
                assert_true(fr[i].len <= maxp);
                if (nf > 1) {
                    struct lowpan_frag_hdr h;
                    size_t hl;
                    assert_int_equal(lowpan_frag_parse(fr[i].data, fr[i].len, &h, &hl), LOWPAN_OK);
                    assert_int_equal(h.first, i == 0);
                    assert_int_equal(h.size, len);
                    assert_int_equal(h.tag, (uint16_t)total);
                    assert_int_equal(h.offset % 8, 0);
                }
            }
            /* In order. */
            lowpan_reasm_init(r, 0);
            for (size_t i = 0; i < nf; i++) {
                assert_int_equal(feed(r, &ctx, &src, &dst, &fr[i], 5, out, &out_len), LOWPAN_OK);
                assert_int_equal(out_len, i + 1 == nf ? len : 0);
            }
            assert_memory_equal(out, pkt, len);
            /* Reverse order (RFC 4944 allows any order). */
            lowpan_reasm_init(r, 0);
            for (size_t i = nf; i-- > 0;) {
                assert_int_equal(feed(r, &ctx, &src, &dst, &fr[i], 5, out, &out_len), LOWPAN_OK);
                assert_int_equal(out_len, i == 0 ? len : 0);
            }
            assert_memory_equal(out, pkt, len);
            assert_int_equal(lowpan_reasm_busy(r), 0);
        }
    }
    /* Too big for 11 bits of datagram_size, or for the frame budget. */
    size_t nf;
    static uint8_t huge[2100];
    static uint8_t l4[2100];
    size_t hl = pb_ip6(huge, "fe80::1", "fe80::2", 59, 64, l4, 2060);
    assert_int_equal(lowpan_frag_split(&ctx, &src, &dst, huge, hl, 100, 1, fr, 40, &nf),
                     LOWPAN_ERR_TOO_BIG);
    size_t len = big_udp(pkt, 1280);
    assert_int_equal(lowpan_frag_split(&ctx, &src, &dst, pkt, len, 100, 1, fr, 3, &nf),
                     LOWPAN_ERR_TOO_BIG);
    assert_int_equal(lowpan_frag_split(&ctx, &src, &dst, pkt, len, 12, 1, fr, 40, &nf),
                     LOWPAN_ERR_TOO_BIG);
    assert_int_equal(lowpan_frag_split(&ctx, &src, &dst, pkt, len, 128, 1, fr, 40, &nf),
                     LOWPAN_ERR_INVALID_ARG);
    free(r);
}

static void test_reasm_slots_and_timeout(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr dst = ll_short(0xb000);
    static uint8_t pkt[1280], out[LOWPAN_REASM_BUF];
    static struct lowpan_frame fr[40];
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    assert_int_equal(r->timeout_ms, LOWPAN_REASM_TIMEOUT_MS);
    size_t len = big_udp(pkt, 300), nf, out_len;

    /* Four senders fill the four slots; a fifth datagram finds none. */
    for (unsigned k = 0; k < LOWPAN_REASM_SLOTS; k++) {
        struct lowpan_lladdr src = ll_short((uint16_t)(0xb001 + k));
        split(&ctx, &src, &dst, pkt, len, 90, 7, fr, &nf);
        assert_int_equal(feed(r, &ctx, &src, &dst, &fr[0], 1000, out, &out_len), LOWPAN_OK);
        assert_int_equal(out_len, 0);
    }
    assert_int_equal(lowpan_reasm_busy(r), LOWPAN_REASM_SLOTS);
    struct lowpan_lladdr late = ll_ext(0x99);
    split(&ctx, &late, &dst, pkt, len, 90, 7, fr, &nf);
    assert_int_equal(feed(r, &ctx, &late, &dst, &fr[0], 1500, out, &out_len), LOWPAN_ERR_NO_SLOT);
    assert_int_equal(r->drops[LOWPAN_ERR_NO_SLOT], 1);
    /* Same sender and size, other tag: a different datagram, also no slot. */
    struct lowpan_lladdr s0 = ll_short(0xb001);
    split(&ctx, &s0, &dst, pkt, len, 90, 8, fr, &nf);
    assert_int_equal(feed(r, &ctx, &s0, &dst, &fr[0], 1500, out, &out_len), LOWPAN_ERR_NO_SLOT);

    /* Just before the timeout nothing expires; at it, all four do. */
    assert_int_equal(lowpan_reasm_expire(r, 1000 + LOWPAN_REASM_TIMEOUT_MS - 1), 0);
    assert_int_equal(lowpan_reasm_busy(r), LOWPAN_REASM_SLOTS);
    assert_int_equal(
        feed(r, &ctx, &late, &dst, &fr[0], 1000 + LOWPAN_REASM_TIMEOUT_MS, out, &out_len),
        LOWPAN_OK);
    assert_int_equal(r->drops[LOWPAN_ERR_FRAG_TIMEOUT], LOWPAN_REASM_SLOTS);
    assert_int_equal(lowpan_reasm_busy(r), 1);

    /* A FRAGN after the timeout cannot complete the expired datagram. */
    lowpan_reasm_init(r, 500);
    split(&ctx, &s0, &dst, pkt, len, 90, 9, fr, &nf);
    assert_true(nf >= 3);
    for (size_t i = 0; i + 1 < nf; i++)
        assert_int_equal(feed(r, &ctx, &s0, &dst, &fr[i], 0, out, &out_len), LOWPAN_OK);
    assert_int_equal(feed(r, &ctx, &s0, &dst, &fr[nf - 1], 500, out, &out_len), LOWPAN_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(r->drops[LOWPAN_ERR_FRAG_TIMEOUT], 1);
    /* A clock going backwards expires nothing. */
    assert_int_equal(lowpan_reasm_expire(r, 10), 0);
    /* Timeouts are capped at RFC 4944's 60 s. */
    lowpan_reasm_init(r, 3600000);
    assert_int_equal(r->timeout_ms, LOWPAN_REASM_TIMEOUT_MAX_MS);
    free(r);
}

static void test_reasm_overlap_and_bad(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr src = ll_ext(1), dst = ll_ext(2);
    static uint8_t pkt[1280], out[LOWPAN_REASM_BUF];
    static struct lowpan_frame fr[40];
    struct lowpan_reasm *r = malloc(sizeof(*r));
    assert_non_null(r);
    lowpan_reasm_init(r, 0);
    size_t len = big_udp(pkt, 400), nf, out_len;
    split(&ctx, &src, &dst, pkt, len, 100, 0x55, fr, &nf);
    assert_true(nf >= 4);

    /* Exact duplicate: ignored, slot kept, datagram still completes. */
    assert_int_equal(feed(r, &ctx, &src, &dst, &fr[0], 0, out, &out_len), LOWPAN_OK);
    assert_int_equal(feed(r, &ctx, &src, &dst, &fr[0], 1, out, &out_len),
                     LOWPAN_ERR_FRAG_DUPLICATE);
    assert_int_equal(feed(r, &ctx, &src, &dst, &fr[1], 1, out, &out_len), LOWPAN_OK);
    assert_int_equal(feed(r, &ctx, &src, &dst, &fr[1], 1, out, &out_len),
                     LOWPAN_ERR_FRAG_DUPLICATE);
    assert_int_equal(lowpan_reasm_busy(r), 1);

    /* Partial overlap: FRAGN whose offset is moved back 8 bytes. */
    struct lowpan_frame bad = fr[2];
    bad.data[4] = (uint8_t)(bad.data[4] - 1);
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 2, out, &out_len), LOWPAN_ERR_FRAG_OVERLAP);
    assert_int_equal(lowpan_reasm_busy(r), 0);
    assert_int_equal(r->drops[LOWPAN_ERR_FRAG_OVERLAP], 1);
    assert_int_equal(r->drops[LOWPAN_ERR_FRAG_DUPLICATE], 2);

    /* Fragment running past the datagram size. */
    bad = fr[nf - 1];
    bad.data[4] = (uint8_t)(len / 8);
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_SIZE_MISMATCH);
    /* FRAGN with offset 0, size 0, size above the buffer. */
    bad = fr[1];
    bad.data[4] = 0;
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_BAD_FRAG);
    bad = fr[1];
    bad.data[0] = 0xe0;
    bad.data[1] = 0;
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_BAD_FRAG);
    bad.data[0] = 0xe5;
    bad.data[1] = 0x01; /* 1281 */
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_TOO_BIG);
    /* A non-final fragment that does not end on an 8-octet boundary. */
    bad = fr[1];
    bad.len -= 3;
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_BAD_FRAG);
    /* FRAG1 whose size is smaller than its own content. */
    bad = fr[0];
    bad.data[1] = 60;
    bad.data[0] = 0xc0;
    assert_int_equal(feed(r, &ctx, &src, &dst, &bad, 3, out, &out_len), LOWPAN_ERR_SIZE_MISMATCH);
    /* Truncated fragment headers. */
    for (size_t n = 0; n < 5; n++) {
        enum lowpan_err e =
            lowpan_reasm_input(r, &ctx, &src, &dst, fr[1].data, n, 3, out, sizeof(out), &out_len);
        assert_int_equal(e, LOWPAN_ERR_TRUNCATED);
    }
    /* A different source with the same size and tag is another datagram. */
    lowpan_reasm_init(r, 0);
    struct lowpan_lladdr other = ll_ext(3);
    assert_int_equal(feed(r, &ctx, &src, &dst, &fr[0], 0, out, &out_len), LOWPAN_OK);
    for (size_t i = 1; i < nf; i++)
        assert_int_equal(feed(r, &ctx, &other, &dst, &fr[i], 0, out, &out_len), LOWPAN_OK);
    assert_int_equal(out_len, 0);
    assert_int_equal(lowpan_reasm_busy(r), 2);
    /* Output buffer too small for the finished datagram. */
    lowpan_reasm_init(r, 0);
    for (size_t i = 0; i < nf; i++) {
        enum lowpan_err e = lowpan_reasm_input(r, &ctx, &src, &dst, fr[i].data, fr[i].len, 0, out,
                                               len - 1, &out_len);
        assert_int_equal(e, i + 1 == nf ? LOWPAN_ERR_TOO_BIG : LOWPAN_OK);
    }
    assert_int_equal(lowpan_reasm_busy(r), 0);
    free(r);
}

/* ---- Encodings the captures do not exercise --------------------------- */

/* Compress, check the expected bytes (if given), decompress, compare. */
static void roundtrip(const struct lowpan_ctx_table *ctx, const struct lowpan_lladdr *src,
                      const struct lowpan_lladdr *dst, const uint8_t *pkt, size_t len,
                      const char *want_hdr_hex)
{
    uint8_t c[1400], d[1400];
    size_t cl, dl, used;
    assert_int_equal(lowpan_compress(ctx, src, dst, pkt, len, c, sizeof(c), &cl), LOWPAN_OK);
    if (want_hdr_hex) {
        uint8_t want[200];
        size_t wl = hexbuf(want_hdr_hex, want, sizeof(want));
        assert_true(cl >= wl);
        assert_memory_equal(c, want, wl);
    }
    assert_int_equal(lowpan_decompress(ctx, src, dst, c, cl, 0, d, sizeof(d), &dl, &used),
                     LOWPAN_OK);
    assert_int_equal(dl, len);
    assert_memory_equal(d, pkt, len);
}

static size_t udp6(uint8_t *pkt, const char *s, const char *d, uint16_t sp, uint16_t dp,
                   uint8_t hlim)
{
    uint8_t l4[64];
    size_t n = pb_udp(l4, sp, dp, 10);
    return pb_ip6(pkt, s, d, 17, hlim, l4, n);
}

static void test_encodings(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr se = ll_ext(1), de = ll_ext(2), ss = ll_short(0xb001),
                         ds = ll_short(0xb000);
    uint8_t pkt[256];
    size_t n;

    /* UDP port forms (RFC 6282 §4.3.3): 4-bit, 8-bit src, 8-bit dst, inline. */
    n = udp6(pkt, "fe80::1", "fe80::2", 0xf0b1, 0xf0b2, 64);
    roundtrip(&ctx, &se, &de, pkt, n,
              "7e11"
              "0000000000000001"
              "0000000000000002"
              "f312");
    n = udp6(pkt, "fe80::1", "fe80::2", 0xf012, 1234, 64);
    roundtrip(&ctx, &se, &de, pkt, n, NULL);
    n = udp6(pkt, "fe80::1", "fe80::2", 1234, 0xf034, 64);
    roundtrip(&ctx, &se, &de, pkt, n, NULL);
    n = udp6(pkt, "fe80::1", "fe80::2", 5683, 5683, 1);
    roundtrip(&ctx, &se, &de, pkt, n, "7d11");

    /* Link-local from short MAC addresses (SAM/DAM=11) and 16-bit form. */
    n = udp6(pkt, "fe80::ff:fe00:b001", "fe80::ff:fe00:b000", 19788, 19788, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f33f04d4c4d4c");
    n = udp6(pkt, "fe80::ff:fe00:b005", "fe80::ff:fe00:b006", 19788, 19788, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f22b005b006");

    /* Unspecified source; inline global addresses (no context). */
    n = udp6(pkt, "::", "2001:db8::1", 547, 547, 7);
    roundtrip(&ctx, &se, &de, pkt, n,
              "7c4007"
              "20010db8000000000000000000000001");
    n = udp6(pkt, "2001:db8::1", "2001:db8::2", 1, 2, 64);
    roundtrip(&ctx, &se, &de, pkt, n, "7e00");

    /* Context 1 needs a CID byte; a context without the C flag is unused. */
    n = udp6(pkt, "fd11:22::1", "fd00:db8:aaaa:bbbb:0:ff:fe00:b000", 1, 2, 64);
    roundtrip(&ctx, &se, &ds, pkt, n,
              "7ed710"
              "0000000000000001");
    struct lowpan_ctx_table noc = ctx;
    noc.ctx[1].compress = false;
    roundtrip(&noc, &se, &ds, pkt, n,
              "7e07"
              "fd110022000000000000000000000001");

    /* A /52 context: bits 52..63 are rebuilt as zero, so an address with
     * other bits there falls back to 128 bits inline (checked, not assumed). */
    struct lowpan_ctx_table c52 = ctx;
    uint8_t p52[16];
    assert_true(addr_parse6("fd12:3456:789a:b000::", p52));
    assert_int_equal(lowpan_ctx_set(&c52, 2, p52, 52, true), LOWPAN_OK);
    n = udp6(pkt, "fd12:3456:789a:b000::5", "fe80::2", 1, 2, 64);
    roundtrip(&c52, &se, &de, pkt, n,
              "7ed120"
              "0000000000000005");
    n = udp6(pkt, "fd12:3456:789a:b001::5", "fe80::2", 1, 2, 64);
    roundtrip(&c52, &se, &de, pkt, n,
              "7e01"
              "fd123456789ab0010000000000000005");
    assert_int_equal(lowpan_ctx_set(&c52, 2, p52, 129, true), LOWPAN_ERR_INVALID_ARG);
    assert_int_equal(lowpan_ctx_set(&c52, 16, p52, 64, true), LOWPAN_ERR_INVALID_ARG);

    /* Multicast: 8, 32, 48, 128 bits and RFC 3306 prefix-based (context 0). */
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff02::1", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f3b01");
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff05::fb", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f3a050000fb");
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff05::1:2:3", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f39050100020003");
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff0e:1::1", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f38ff0e0001");
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff33:40:fd00:db8:aaaa:bbbb:0:1", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f3c330000000001");
    n = udp6(pkt, "fe80::ff:fe00:b001", "ff02::", 1, 2, 255);
    roundtrip(&ctx, &ss, &ds, pkt, n, "7f3b00");

    /* Traffic class / flow label forms (RFC 6282 §3.2.1). */
    n = udp6(pkt, "fe80::1", "fe80::2", 1, 2, 64);
    be32_put(pkt, 0x6b812345); /* TC 0xb8 (DSCP 0x2e, ECN 0), flow 0x12345 */
    roundtrip(&ctx, &se, &de, pkt, n, "66112e012345");
    be32_put(pkt, 0x60312345); /* TC 0x03 (ECN 3, DSCP 0) */
    roundtrip(&ctx, &se, &de, pkt, n, "6e11c12345");
    be32_put(pkt, 0x60100000); /* TC 0x01 only */
    roundtrip(&ctx, &se, &de, pkt, n, "761140");

    /* Hop-by-hop then ICMPv6 (next header inline in the NHC EH), then a
     * HBH with a PadN of 8 that must not be elided, and no padding at all. */
    static const uint8_t hbh_icmp[] = {58, 0, 0x6d, 2, 0, 0, 1, 0, 128, 0, 0, 0, 0, 1, 0, 1};
    n = pb_ip6(pkt, "fd00:db8:aaaa:bbbb:0:ff:fe00:b001", "ff03::2", 0, 64, hbh_icmp,
               sizeof(hbh_icmp));
    roundtrip(&ctx, &ss, &ds, pkt, n,
              "7e7a"
              "03000002"
              "e03a046d020000");
    static const uint8_t hbh_pad8[] = {59, 1, 0x6d, 4, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0};
    n = pb_ip6(pkt, "fe80::1", "fe80::2", 0, 64, hbh_pad8, sizeof(hbh_pad8));
    roundtrip(&ctx, &se, &de, pkt, n, NULL);
    static const uint8_t hbh_full[] = {59, 0, 0x6d, 4, 1, 2, 3, 4};
    n = pb_ip6(pkt, "fe80::1", "fe80::2", 0, 64, hbh_full, sizeof(hbh_full));
    roundtrip(&ctx, &se, &de, pkt, n, NULL);
    /* Malformed options: HBH stays uncompressed (next header inline). */
    static const uint8_t hbh_bad[] = {59, 0, 0x6d, 9, 1, 2, 3, 4};
    n = pb_ip6(pkt, "fe80::1", "fe80::2", 0, 64, hbh_bad, sizeof(hbh_bad));
    roundtrip(&ctx, &se, &de, pkt, n, "7a1100");

    /* IPv6-in-IPv6 (EID 7) with an inner UDP. */
    uint8_t inner[128];
    size_t in_n = udp6(inner, "fd00:db8:aaaa:bbbb:0:ff:fe00:b001", "ff03::1", 0xf0bf, 0xf0bf, 64);
    n = pb_ip6(pkt, "fd00:db8:aaaa:bbbb:0:ff:fe00:b001", "ff03::fc", 41, 64, inner, in_n);
    roundtrip(&ctx, &ss, &ds, pkt, n,
              "7e7a"
              "030000fc"
              "ee"
              "7e7a030000"
              "01"
              "f3ff");

    /* A UDP length that disagrees with the packet: UDP left uncompressed. */
    n = udp6(pkt, "fe80::1", "fe80::2", 1, 2, 64);
    be16_put(pkt + 44, 9);
    roundtrip(&ctx, &se, &de, pkt, n, "7a1111");

    /* Not IPv6, or a payload length that disagrees with the buffer. */
    uint8_t c[256];
    size_t cl, hl;
    n = udp6(pkt, "fe80::1", "fe80::2", 1, 2, 64);
    pkt[0] = 0x45;
    assert_int_equal(lowpan_compress(&ctx, &se, &de, pkt, n, c, sizeof(c), &cl),
                     LOWPAN_ERR_BAD_IPV6);
    pkt[0] = 0x60;
    assert_int_equal(lowpan_compress(&ctx, &se, &de, pkt, n - 1, c, sizeof(c), &cl),
                     LOWPAN_ERR_BAD_IPV6);
    assert_int_equal(lowpan_compress(&ctx, &se, &de, pkt, 39, c, sizeof(c), &cl),
                     LOWPAN_ERR_BAD_IPV6);
    size_t full;
    assert_int_equal(lowpan_compress(&ctx, &se, &de, pkt, n, c, sizeof(c), &full), LOWPAN_OK);
    for (size_t cap = 0; cap < full; cap++) {
        enum lowpan_err e = lowpan_compress(&ctx, &se, &de, pkt, n, c, cap, &cl);
        assert_int_equal(e, LOWPAN_ERR_TOO_BIG);
        e = lowpan_compress_hdr(&ctx, &se, &de, pkt, n, c, cap, &cl, &hl);
        assert_true(e == LOWPAN_ERR_TOO_BIG || (e == LOWPAN_OK && cl <= cap && hl == 48));
    }
}

static void test_decompress_errors(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr se = ll_ext(1), de = ll_ext(2), none;
    memset(&none, 0, sizeof(none));
    uint8_t out[256], in[64];
    size_t ol, n;

#define DEC(hex, want)                                                                             \
    do {                                                                                           \
        n = hexbuf(hex, in, sizeof(in));                                                           \
        assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL), \
                         want);                                                                    \
    } while (0)

    DEC("", LOWPAN_ERR_TRUNCATED);
    DEC("00", LOWPAN_ERR_BAD_DISPATCH);
    DEC("c0", LOWPAN_ERR_BAD_DISPATCH);
    DEC("7a", LOWPAN_ERR_TRUNCATED);
    DEC("7b333a", LOWPAN_OK);                    /* link-local both from the MAC, no payload */
    DEC("7ad5", LOWPAN_ERR_TRUNCATED);           /* CID byte missing */
    DEC("7ad52211", LOWPAN_ERR_UNKNOWN_CONTEXT); /* context 2 not in the table */
    DEC("7a3411", LOWPAN_ERR_RESERVED);          /* DAC=1 DAM=00 unicast */
    DEC("7a3d11", LOWPAN_ERR_RESERVED);          /* M=1 DAC=1 DAM=01 */
    DEC("7e33e7", LOWPAN_ERR_TRUNCATED);         /* NHC EID 3 with NH=1, length missing */
    DEC("7e3308", LOWPAN_ERR_BAD_NHC);           /* not an NHC dispatch */
    DEC("7e33e9", LOWPAN_ERR_BAD_NHC);           /* EID 4 (mobility) */
    DEC("7e33ef", LOWPAN_ERR_BAD_NHC);           /* EID 7 with NH=1 */
    DEC("7e33e400020000", LOWPAN_ERR_BAD_NHC);   /* fragment header not 8 octets */
    DEC("7e33e03a0401", LOWPAN_ERR_TRUNCATED);
    DEC("7e33f0", LOWPAN_ERR_TRUNCATED);
    DEC("7e33f01234", LOWPAN_ERR_TRUNCATED);
    DEC("7e33f3ff12", LOWPAN_ERR_TRUNCATED);
    DEC("7e33f3ff1234", LOWPAN_OK);
    DEC("7e33f7ff", LOWPAN_OK);                        /* checksum elided: recomputed */
    DEC("7e33ee7e33ee7e33ee7e33", LOWPAN_ERR_BAD_NHC); /* nesting beyond the limit */
    DEC("41600000", LOWPAN_ERR_TRUNCATED);

    /* Elided UDP checksum is recomputed over the rebuilt packet. */
    n = hexbuf("7e33f7ff"
               "68656c6c6f",
               in, sizeof(in));
    assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_OK);
    assert_int_equal(ol, 40 + 8 + 5);
    assert_true(pb_valid(out, ol));
    /* ... but not inside a fragment. */
    assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, n, 100, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_CSUM_ELIDED);
    /* Fragment content larger than the datagram size. */
    assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, n, 50, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_SIZE_MISMATCH);

    /* SAM/DAM=11 without a MAC address; contexts missing from the table. */
    n = hexbuf("7b333a", in, sizeof(in));
    assert_int_equal(lowpan_decompress(&ctx, &none, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_NO_LLADDR);
    assert_int_equal(lowpan_decompress(&ctx, &se, &none, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_NO_LLADDR);
    assert_int_equal(lowpan_decompress(NULL, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_INVALID_ARG);
    struct lowpan_ctx_table empty;
    lowpan_ctx_init(&empty);
    n = hexbuf("7b773a", in, sizeof(in)); /* SAC=1 SAM=11 DAC=1 DAM=11, context 0 */
    assert_int_equal(lowpan_decompress(&empty, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_UNKNOWN_CONTEXT);
    assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_OK);
    n = hexbuf("7b7c3a33000000000001", in, sizeof(in)); /* RFC 3306 form needs context 0 */
    assert_int_equal(lowpan_decompress(&empty, &se, &de, in, n, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_ERR_UNKNOWN_CONTEXT);

    /* Uncompressed IPv6 dispatch (RFC 4944 §5.1). */
    uint8_t pkt[128];
    size_t pl = udp6(pkt, "fe80::1", "fe80::2", 1, 2, 64);
    in[0] = 0x41;
    memcpy(in + 1, pkt, pl < sizeof(in) - 1 ? pl : sizeof(in) - 1);
    assert_true(pl + 1 <= sizeof(in));
    assert_int_equal(lowpan_decompress(&ctx, &se, &de, in, pl + 1, 0, out, sizeof(out), &ol, NULL),
                     LOWPAN_OK);
    assert_int_equal(ol, pl);
    assert_memory_equal(out, pkt, pl);

    /* Every error has a distinct name. */
    for (unsigned i = 0; i < LOWPAN_ERR__COUNT; i++) {
        assert_non_null(lowpan_err_str((enum lowpan_err)i));
        for (unsigned j = 0; j < i; j++)
            assert_string_not_equal(lowpan_err_str((enum lowpan_err)i),
                                    lowpan_err_str((enum lowpan_err)j));
    }
    assert_string_equal(lowpan_err_str(LOWPAN_ERR__COUNT), "unknown");
#undef DEC
}

static void test_mesh_header(void **state)
{
    (void)state;
    struct lowpan_ctx_table ctx = ml_ctx();
    struct lowpan_lladdr mac_src = ll_short(0xb000), mac_dst = ll_short(0xb002);
    struct lowpan_mesh m;
    size_t hl;
    uint8_t fr[128], out[1280];

    /* 10 V=1 F=1 hops=5, originator 0xb001, final 0xb003, then IPHC whose
     * addresses are elided: they come from the mesh addresses. */
    uint8_t pkt[128];
    struct lowpan_lladdr o = ll_short(0xb001), fd = ll_short(0xb003);
    size_t pl = udp6(pkt, "fd00:db8:aaaa:bbbb:0:ff:fe00:b001", "fd00:db8:aaaa:bbbb:0:ff:fe00:b003",
                     0xf0bf, 0xf0bf, 64);
    size_t cl;
    fr[0] = 0xb5;
    be16_put(fr + 1, 0xb001);
    be16_put(fr + 3, 0xb003);
    assert_int_equal(lowpan_compress(&ctx, &o, &fd, pkt, pl, fr + 5, sizeof(fr) - 5, &cl),
                     LOWPAN_OK);
    assert_int_equal(fr[6], 0x77); /* SAC=1 SAM=11 DAC=1 DAM=11 */
    assert_int_equal(lowpan_mesh_parse(fr, 5 + cl, &m, &hl), LOWPAN_OK);
    assert_int_equal(hl, 5);
    assert_int_equal(m.hops_left, 5);
    assert_int_equal(m.originator.mode, LOWPAN_LL_SHORT);
    assert_int_equal(m.originator.short_addr, 0xb001);
    assert_int_equal(m.final_dst.short_addr, 0xb003);
    struct lowpan_reasm r;
    lowpan_reasm_init(&r, 0);
    size_t ol;
    assert_int_equal(
        lowpan_reasm_input(&r, &ctx, &mac_src, &mac_dst, fr, 5 + cl, 0, out, sizeof(out), &ol),
        LOWPAN_OK);
    assert_int_equal(ol, pl);
    assert_memory_equal(out, pkt, pl);

    /* Deep hops left (0xf + byte), extended addresses, and a BC0 header. */
    uint8_t f2[64] = {0x8f, 0x20};
    memset(f2 + 2, 0x11, 16);
    f2[18] = 0x50;
    f2[19] = 0x07;
    assert_int_equal(lowpan_mesh_parse(f2, 18, &m, &hl), LOWPAN_OK);
    assert_int_equal(hl, 18);
    assert_int_equal(m.hops_left, 0x20);
    assert_int_equal(m.originator.mode, LOWPAN_LL_EXT);
    for (size_t n = 0; n < 18; n++)
        assert_int_equal(lowpan_mesh_parse(f2, n, &m, &hl), LOWPAN_ERR_TRUNCATED);
    assert_int_equal(
        lowpan_reasm_input(&r, &ctx, &mac_src, &mac_dst, f2, 17, 0, out, sizeof(out), &ol),
        LOWPAN_ERR_BAD_MESH);
    assert_int_equal(
        lowpan_reasm_input(&r, &ctx, &mac_src, &mac_dst, f2, 20, 0, out, sizeof(out), &ol),
        LOWPAN_ERR_TRUNCATED);
    assert_int_equal(
        lowpan_reasm_input(&r, &ctx, &mac_src, &mac_dst, f2, 19, 0, out, sizeof(out), &ol),
        LOWPAN_ERR_TRUNCATED);
    assert_int_equal(lowpan_mesh_parse(fr + 5, cl, &m, &hl), LOWPAN_ERR_BAD_DISPATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_decompress_errors),
        cmocka_unit_test(test_mesh_header),
        cmocka_unit_test(test_split_reassemble),
        cmocka_unit_test(test_reasm_slots_and_timeout),
        cmocka_unit_test(test_reasm_overlap_and_bad),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bitflips),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
