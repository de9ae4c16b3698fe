/*
 * 6LoWPAN mesh addressing header (RFC 4944 §5.2) and the RFC 4944 §5
 * header walk. See lowpan_mesh.h; OpenThread's Lowpan::MeshHeader
 * (src/core/thread/lowpan.cpp) is the reference for the wire forms.
 */
#include "lowpan/lowpan_mesh.h"

#include <string.h>

/* Dispatch byte: 10 V F HopsLeft (RFC 4944 §5.2). */
#define MESH_V 0x20u /* originator is 16 bits */
#define MESH_F 0x10u /* final destination is 16 bits */
#define MESH_HOPS_MASK 0x0fu
#define MESH_DISPATCH 0x80u

void lowpan_mesh_ctx_init(struct lowpan_mesh_ctx *c, bool thread)
{
    if (!c)
        return;
    memset(c, 0, sizeof(*c));
    c->thread = thread;
}

void lowpan_mesh_init(struct lowpan_mesh *m, uint16_t originator, uint16_t final_dst,
                      uint8_t hops_left)
{
    if (!m)
        return;
    memset(m, 0, sizeof(*m));
    m->hops_left = hops_left;
    m->originator.mode = LOWPAN_LL_SHORT;
    m->originator.short_addr = originator;
    m->final_dst.mode = LOWPAN_LL_SHORT;
    m->final_dst.short_addr = final_dst;
}

static bool rd_lladdr(struct rd *r, bool is_short, struct lowpan_lladdr *ll)
{
    memset(ll, 0, sizeof(*ll));
    if (is_short) {
        ll->mode = LOWPAN_LL_SHORT;
        return rd_be16(r, &ll->short_addr);
    }
    ll->mode = LOWPAN_LL_EXT;
    return rd_bytes(r, ll->ext, 8);
}

enum lowpan_err lowpan_mesh_parse(const uint8_t *in, size_t len, struct lowpan_mesh *m,
                                  size_t *hdr_len)
{
    if (!in || !m || !hdr_len)
        return LOWPAN_ERR_INVALID_ARG;
    struct rd r = rd_init(in, len);
    uint8_t d;
    if (!rd_u8(&r, &d))
        return LOWPAN_ERR_TRUNCATED;
    if (lowpan_dispatch_of(d) != LOWPAN_DISPATCH_MESH)
        return LOWPAN_ERR_BAD_DISPATCH;
    /* HopsLeft 0xF escapes to the 8-bit Deep Hops Left that follows; its
     * value is taken as it is (0..14 too), as OT's ParseFrom does. */
    m->hops_left = d & MESH_HOPS_MASK;
    if (m->hops_left == LOWPAN_MESH_DEEP_HOPS && !rd_u8(&r, &m->hops_left))
        return LOWPAN_ERR_TRUNCATED;
    if (!rd_lladdr(&r, (d & MESH_V) != 0, &m->originator) ||
        !rd_lladdr(&r, (d & MESH_F) != 0, &m->final_dst))
        return LOWPAN_ERR_TRUNCATED;
    *hdr_len = len - r.left;
    return LOWPAN_OK;
}

static size_t lladdr_len(const struct lowpan_lladdr *ll)
{
    switch (ll->mode) {
    case LOWPAN_LL_SHORT:
        return 2;
    case LOWPAN_LL_EXT:
        return 8;
    default:
        return 0;
    }
}

size_t lowpan_mesh_hdr_len(const struct lowpan_mesh *m)
{
    if (!m)
        return 0;
    size_t a = lladdr_len(&m->originator), b = lladdr_len(&m->final_dst);
    if (a == 0 || b == 0)
        return 0;
    return 1 + (m->hops_left >= LOWPAN_MESH_DEEP_HOPS) + a + b;
}

static void wr_lladdr(struct wr *w, const struct lowpan_lladdr *ll)
{
    if (ll->mode == LOWPAN_LL_SHORT)
        wr_be16(w, ll->short_addr);
    else
        wr_bytes(w, ll->ext, 8);
}

enum lowpan_err lowpan_mesh_write(const struct lowpan_mesh *m, uint8_t *out, size_t cap,
                                  size_t *out_len)
{
    size_t n = lowpan_mesh_hdr_len(m);
    if (n == 0 || !out || !out_len)
        return LOWPAN_ERR_INVALID_ARG;
    if (cap < n)
        return LOWPAN_ERR_TOO_BIG;
    uint8_t d = MESH_DISPATCH;
    if (m->originator.mode == LOWPAN_LL_SHORT)
        d |= MESH_V;
    if (m->final_dst.mode == LOWPAN_LL_SHORT)
        d |= MESH_F;
    struct wr w = wr_init(out, cap);
    /* Canonical, as OT's AppendTo: the deep form only for 15 and above. */
    if (m->hops_left < LOWPAN_MESH_DEEP_HOPS) {
        wr_u8(&w, (uint8_t)(d | m->hops_left));
    } else {
        wr_u8(&w, (uint8_t)(d | LOWPAN_MESH_DEEP_HOPS));
        wr_u8(&w, m->hops_left);
    }
    wr_lladdr(&w, &m->originator);
    wr_lladdr(&w, &m->final_dst);
    *out_len = n;
    return LOWPAN_OK;
}

enum lowpan_err lowpan_mesh_forward(struct lowpan_mesh *m)
{
    if (!m)
        return LOWPAN_ERR_INVALID_ARG;
    /* OT's HandleMesh: relay only while hops left > 0, decrementing it. */
    if (m->hops_left == 0)
        return LOWPAN_ERR_MESH_HOP_LIMIT;
    m->hops_left--;
    return LOWPAN_OK;
}

/* ---- Receive path ----------------------------------------------------- */

static enum lowpan_err walk(bool thread, struct rd *r, struct lowpan_mesh_frame *f)
{
    if (r->left == 0)
        return LOWPAN_ERR_TRUNCATED;
    /* RFC 4944 §5: mesh, then broadcast, then fragment header. */
    if (lowpan_dispatch_of(r->p[0]) == LOWPAN_DISPATCH_MESH) {
        if (lowpan_mesh_parse(r->p, r->left, &f->mesh, &f->mesh_len) != LOWPAN_OK)
            return LOWPAN_ERR_BAD_MESH;
        /* OT's ParseFrom takes V=F=1 only: Thread's mesh addresses are RLOC16s. */
        if (thread && (f->mesh.originator.mode != LOWPAN_LL_SHORT ||
                       f->mesh.final_dst.mode != LOWPAN_LL_SHORT))
            return LOWPAN_ERR_MESH_LONG_ADDR;
        f->has_mesh = true;
        rd_skip(r, f->mesh_len);
        if (r->left == 0)
            return LOWPAN_ERR_TRUNCATED;
    }
    if (lowpan_dispatch_of(r->p[0]) == LOWPAN_DISPATCH_BC0) {
        if (thread) /* OT never sends it and drops it (kErrorParse) */
            return LOWPAN_ERR_BAD_DISPATCH;
        uint8_t d;
        if (!rd_u8(r, &d) || !rd_u8(r, &f->bc0_seq))
            return LOWPAN_ERR_TRUNCATED;
        f->has_bc0 = true;
        if (r->left == 0)
            return LOWPAN_ERR_TRUNCATED;
    }
    size_t hl;
    f->next = lowpan_dispatch_of(r->p[0]);
    switch (f->next) {
    case LOWPAN_DISPATCH_IPHC:
        return LOWPAN_OK;
    case LOWPAN_DISPATCH_IPV6:
        /* OT's receive path takes IPHC only (Lowpan::IsLowpanHc). */
        return thread ? LOWPAN_ERR_BAD_DISPATCH : LOWPAN_OK;
    case LOWPAN_DISPATCH_FRAG1:
    case LOWPAN_DISPATCH_FRAGN:
        return lowpan_frag_parse(r->p, r->left, &f->frag, &hl);
    default:
        /* NALP, reserved values, or a mesh/BC0 header out of order. */
        return LOWPAN_ERR_BAD_DISPATCH;
    }
}

enum lowpan_err lowpan_mesh_split(struct lowpan_mesh_ctx *c, const uint8_t *frame, size_t len,
                                  struct lowpan_mesh_frame *f, struct rd *rest)
{
    if ((!frame && len) || !f || !rest)
        return LOWPAN_ERR_INVALID_ARG;
    memset(f, 0, sizeof(*f));
    struct rd r = rd_init(frame, len);
    enum lowpan_err e = walk(c && c->thread, &r, f);
    if (e) {
        if (c)
            c->drops[e]++;
        return e;
    }
    *rest = r;
    return LOWPAN_OK;
}

enum lowpan_err lowpan_mesh_relay(struct lowpan_mesh_ctx *c, const uint8_t *in, size_t len,
                                  uint8_t *out, size_t cap, size_t *out_len, struct lowpan_mesh *m)
{
    if (!out || !out_len)
        return LOWPAN_ERR_INVALID_ARG;
    struct lowpan_mesh_frame f;
    struct rd rest;
    enum lowpan_err e = lowpan_mesh_split(c, in, len, &f, &rest);
    if (e)
        return e; /* counted by split */
    /* Every byte after the mesh header goes out unchanged (BC0 included). */
    size_t tail = len - f.mesh_len, hl = 0;
    if (!f.has_mesh)
        e = LOWPAN_ERR_BAD_DISPATCH;
    else
        e = lowpan_mesh_forward(&f.mesh);
    if (!e)
        e = lowpan_mesh_write(&f.mesh, out, cap, &hl);
    if (!e && cap - hl < tail)
        e = LOWPAN_ERR_TOO_BIG;
    if (e) {
        if (c)
            c->drops[e]++;
        return e;
    }
    memcpy(out + hl, in + f.mesh_len, tail);
    *out_len = hl + tail;
    if (m)
        *m = f.mesh;
    if (c)
        c->relayed++;
    return LOWPAN_OK;
}

/* ---- Send path -------------------------------------------------------- */

enum lowpan_err lowpan_mesh_frag_split(const struct lowpan_ctx_table *ctx,
                                       const struct lowpan_mesh *m, const uint8_t *pkt,
                                       size_t pkt_len, size_t max_payload, uint16_t tag,
                                       struct lowpan_frame *frames, size_t max_frames,
                                       size_t *n_frames)
{
    size_t hl = lowpan_mesh_hdr_len(m);
    if (hl == 0 || !frames || !n_frames || max_payload > LOWPAN_FRAME_MAX)
        return LOWPAN_ERR_INVALID_ARG;
    *n_frames = 0;
    if (max_payload <= hl)
        return LOWPAN_ERR_TOO_BIG;
    /* OT's PrepareFrame: the mesh header first, then compression and
     * fragmentation in what is left, with the mesh addresses standing in
     * for the MAC ones. */
    enum lowpan_err e = lowpan_frag_split(ctx, &m->originator, &m->final_dst, pkt, pkt_len,
                                          max_payload - hl, tag, frames, max_frames, n_frames);
    if (e)
        return e;
    for (size_t i = 0; i < *n_frames; i++) {
        struct lowpan_frame *fr = &frames[i];
        size_t w;
        memmove(fr->data + hl, fr->data, fr->len);
        lowpan_mesh_write(m, fr->data, hl, &w);
        fr->len += hl;
    }
    return LOWPAN_OK;
}
