/*
 * libFuzzer harness for the 6LoWPAN mesh header and header walk
 * (lowpan/lowpan_mesh.h).
 *
 * Input: [config byte][frame: a received MAC payload]
 *   config bit 0: Thread mode (else RFC mode), bits 1-2: framing budget,
 *   bit 3: frame the datagram with the parsed header (else OT's default).
 *
 * Checked invariants (abort on violation):
 *   - results are named errors; lengths stay inside the frame;
 *   - a parsed header rebuilt parses to the same fields, and to the same
 *     bytes when the input was canonical (deep form only for 15 and above);
 *   - split accepts in RFC mode whatever it accepts in Thread mode, and its
 *     mesh header is parse's; the rest ends where the frame ends;
 *   - relay gives hops left - 1 and the same bytes after the header; the
 *     relayed frame splits again, and relaying it over and over stops by
 *     hop limit within 256 steps;
 *   - a frame that decompresses into a datagram, framed again under a mesh
 *     header (lowpan_mesh_frag_split), reassembles into the same datagram.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lowpan/lowpan_mesh.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(enum lowpan_err e)
{
    CHECK((unsigned)e < LOWPAN_ERR__COUNT);
    CHECK(lowpan_err_str(e) != NULL);
}

static bool ll_eq(const struct lowpan_lladdr *a, const struct lowpan_lladdr *b)
{
    if (a->mode != b->mode)
        return false;
    if (a->mode == LOWPAN_LL_SHORT)
        return a->short_addr == b->short_addr;
    return memcmp(a->ext, b->ext, 8) == 0;
}

static bool mesh_eq(const struct lowpan_mesh *a, const struct lowpan_mesh *b)
{
    return a->hops_left == b->hops_left && ll_eq(&a->originator, &b->originator) &&
           ll_eq(&a->final_dst, &b->final_dst);
}

/* parse -> write -> parse. */
static void check_parse(const uint8_t *f, size_t n, struct lowpan_mesh *m, bool *ok)
{
    size_t hl, bl, hl2;
    uint8_t b[LOWPAN_MESH_HDR_MAX];
    struct lowpan_mesh m2;
    enum lowpan_err e = lowpan_mesh_parse(f, n, m, &hl);
    check_err(e);
    *ok = e == LOWPAN_OK;
    if (!*ok)
        return;
    CHECK(hl >= LOWPAN_MESH_HDR_MIN && hl <= LOWPAN_MESH_HDR_MAX && hl <= n);
    CHECK(lowpan_mesh_write(m, b, sizeof(b), &bl) == LOWPAN_OK);
    CHECK(bl == lowpan_mesh_hdr_len(m) && bl <= hl && bl + 1 >= hl);
    CHECK(lowpan_mesh_parse(b, bl, &m2, &hl2) == LOWPAN_OK && hl2 == bl && mesh_eq(m, &m2));
    bool canonical = (f[0] & 0x0f) != 0x0f || f[1] >= 0x0f;
    CHECK(canonical == (bl == hl));
    if (canonical)
        CHECK(memcmp(b, f, bl) == 0);
}

static void check_split(struct lowpan_mesh_ctx *c, const uint8_t *f, size_t n,
                        const struct lowpan_mesh *parsed, bool parsed_ok,
                        struct lowpan_mesh_frame *fr, enum lowpan_err *out_e)
{
    struct rd rest;
    enum lowpan_err e = lowpan_mesh_split(c, f, n, fr, &rest);
    check_err(e);
    *out_e = e;
    if (e)
        return;
    CHECK(rest.p >= f && (size_t)(rest.p - f) + rest.left == n && rest.left > 0);
    CHECK(fr->next == LOWPAN_DISPATCH_IPHC || fr->next == LOWPAN_DISPATCH_IPV6 ||
          fr->next == LOWPAN_DISPATCH_FRAG1 || fr->next == LOWPAN_DISPATCH_FRAGN);
    CHECK(fr->has_mesh == parsed_ok);
    if (fr->has_mesh)
        CHECK(mesh_eq(&fr->mesh, parsed) && fr->mesh_len <= n);
    if (c->thread)
        CHECK(!fr->has_bc0 && fr->next != LOWPAN_DISPATCH_IPV6);
}

/* Relays until the hop limit; every step keeps the tail and decrements. */
static void check_relay(struct lowpan_mesh_ctx *c, const uint8_t *f, size_t n)
{
    static uint8_t a[LOWPAN_REASM_BUF + 64], b[LOWPAN_REASM_BUF + 64];
    if (n > sizeof(a))
        return;
    memcpy(a, f, n);
    size_t al = n, bl;
    for (unsigned step = 0;; step++) {
        CHECK(step <= 256);
        struct lowpan_mesh before, after;
        size_t hl;
        struct lowpan_mesh_frame fr;
        struct rd rest;
        enum lowpan_err e = lowpan_mesh_relay(c, a, al, b, sizeof(b), &bl, &after);
        check_err(e);
        if (e) {
            /* After a first success, only the hop limit ends the chain. */
            CHECK(step == 0 || e == LOWPAN_ERR_MESH_HOP_LIMIT);
            return;
        }
        CHECK(lowpan_mesh_parse(a, al, &before, &hl) == LOWPAN_OK);
        CHECK(after.hops_left + 1 == before.hops_left);
        size_t nhl = lowpan_mesh_hdr_len(&after);
        CHECK(bl == nhl + al - hl && memcmp(b + nhl, a + hl, al - hl) == 0);
        CHECK(lowpan_mesh_split(c, b, bl, &fr, &rest) == LOWPAN_OK);
        CHECK(fr.has_mesh && mesh_eq(&fr.mesh, &after));
        memcpy(a, b, bl);
        al = bl;
    }
}

/* Datagram -> mesh frames -> reassembly is the identity. */
static void check_framing(const struct lowpan_ctx_table *ctx, const struct lowpan_mesh *m,
                          const uint8_t *pkt, size_t len, size_t max_payload)
{
    static struct lowpan_frame frames[64];
    static struct lowpan_reasm r;
    static uint8_t out[LOWPAN_REASM_BUF];
    static const struct lowpan_lladdr hop = {.mode = LOWPAN_LL_SHORT, .short_addr = 0x0800};
    size_t nf, out_len = 0;
    enum lowpan_err e =
        lowpan_mesh_frag_split(ctx, m, pkt, len, max_payload, 0x2e5d, frames, 64, &nf);
    check_err(e);
    if (e != LOWPAN_OK)
        return;
    size_t hl = lowpan_mesh_hdr_len(m);
    lowpan_reasm_init(&r, 0);
    for (size_t i = 0; i < nf; i++) {
        struct lowpan_mesh got;
        size_t gl;
        CHECK(frames[i].len <= max_payload && frames[i].len > hl);
        CHECK(lowpan_mesh_parse(frames[i].data, frames[i].len, &got, &gl) == LOWPAN_OK);
        CHECK(gl == hl && mesh_eq(&got, m));
        e = lowpan_reasm_input(&r, ctx, &hop, &hop, frames[i].data, frames[i].len, 0, out,
                               sizeof(out), &out_len);
        CHECK(e == LOWPAN_OK);
        CHECK(out_len == (i + 1 == nf ? len : 0));
    }
    CHECK(memcmp(out, pkt, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t ml[16] = {0xfd, 0x00, 0x0d, 0xb8};
    static const size_t budgets[4] = {106, LOWPAN_FRAME_MAX, 60, 24};
    static struct lowpan_reasm r;
    static uint8_t dgram[LOWPAN_REASM_BUF];
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    size_t n = size - 1;
    /* Exact-size copy so the sanitizer catches reads past the frame. */
    uint8_t *f = malloc(n ? n : 1);
    if (!f)
        return 0;
    memcpy(f, data + 1, n);

    struct lowpan_mesh m;
    bool parsed;
    check_parse(f, n, &m, &parsed);

    struct lowpan_mesh_ctx rfc, thr;
    struct lowpan_mesh_frame fr_rfc, fr_thr;
    enum lowpan_err e_rfc, e_thr;
    lowpan_mesh_ctx_init(&rfc, false);
    lowpan_mesh_ctx_init(&thr, true);
    check_split(&rfc, f, n, &m, parsed, &fr_rfc, &e_rfc);
    check_split(&thr, f, n, &m, parsed, &fr_thr, &e_thr);
    CHECK(e_thr != LOWPAN_OK || e_rfc == LOWPAN_OK);
    check_relay((cfg & 1) ? &thr : &rfc, f, n);

    /* The datagram the frame carries, if whole, framed again. */
    struct lowpan_ctx_table ctx;
    lowpan_ctx_init(&ctx);
    lowpan_ctx_set(&ctx, 0, ml, 64, true);
    struct lowpan_lladdr a = {.mode = LOWPAN_LL_SHORT, .short_addr = 0x0400};
    struct lowpan_lladdr b = {.mode = LOWPAN_LL_SHORT, .short_addr = 0x0c00};
    size_t dl = 0;
    lowpan_reasm_init(&r, 0);
    enum lowpan_err e = lowpan_reasm_input(&r, &ctx, &a, &b, f, n, 0, dgram, sizeof(dgram), &dl);
    check_err(e);
    if (e == LOWPAN_OK && dl) {
        struct lowpan_mesh use;
        if ((cfg & 8) && parsed)
            use = m;
        else
            lowpan_mesh_init(&use, 0x0400, 0x0c00, LOWPAN_MESH_HOPS_DEFAULT);
        check_framing(&ctx, &use, dgram, dl, budgets[(cfg >> 1) & 3]);
    }
    free(f);
    return 0;
}
