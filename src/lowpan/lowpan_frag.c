/*
 * 6LoWPAN fragmentation and reassembly (RFC 4944 §5.3). See lowpan_frag.h.
 */
#include "lowpan/lowpan_frag.h"

#include <string.h>

#include "lowpan/lowpan_mesh.h"

#include "util/rd.h"

#define FRAG1_DISPATCH 0xc0u
#define FRAGN_DISPATCH 0xe0u

enum lowpan_err lowpan_frag_parse(const uint8_t *in, size_t len, struct lowpan_frag_hdr *h,
                                  size_t *hdr_len)
{
    if (!in || !h || !hdr_len)
        return LOWPAN_ERR_INVALID_ARG;
    struct rd r = rd_init(in, len);
    uint16_t w, tag;
    if (!rd_be16(&r, &w))
        return LOWPAN_ERR_TRUNCATED;
    enum lowpan_dispatch d = lowpan_dispatch_of((uint8_t)(w >> 8));
    if (d != LOWPAN_DISPATCH_FRAG1 && d != LOWPAN_DISPATCH_FRAGN)
        return LOWPAN_ERR_BAD_DISPATCH;
    if (!rd_be16(&r, &tag))
        return LOWPAN_ERR_TRUNCATED;
    h->first = d == LOWPAN_DISPATCH_FRAG1;
    h->size = w & 0x07ff;
    h->tag = tag;
    h->offset = 0;
    if (!h->first) {
        uint8_t off;
        if (!rd_u8(&r, &off))
            return LOWPAN_ERR_TRUNCATED;
        h->offset = (uint16_t)(off * 8);
    }
    *hdr_len = len - r.left;
    return LOWPAN_OK;
}

/* ---- Sending ---------------------------------------------------------- */

static void put_frag_hdr(struct wr *w, bool first, size_t size, uint16_t tag, size_t offset)
{
    wr_u8(w, (uint8_t)((first ? FRAG1_DISPATCH : FRAGN_DISPATCH) | ((size >> 8) & 0x07)));
    wr_u8(w, (uint8_t)size);
    wr_be16(w, tag);
    if (!first)
        wr_u8(w, (uint8_t)(offset / 8));
}

enum lowpan_err lowpan_frag_split(const struct lowpan_ctx_table *ctx,
                                  const struct lowpan_lladdr *mac_src,
                                  const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                  size_t pkt_len, size_t max_payload, uint16_t tag,
                                  struct lowpan_frame *frames, size_t max_frames, size_t *n_frames)
{
    if (!ctx || !mac_src || !mac_dst || !pkt || !frames || !n_frames ||
        max_payload > LOWPAN_FRAME_MAX)
        return LOWPAN_ERR_INVALID_ARG;
    *n_frames = 0;
    if (max_frames == 0 || max_payload <= LOWPAN_FRAGN_HDR)
        return LOWPAN_ERR_TOO_BIG;

    /* Like OpenThread, compress with room left for a FRAG1 header. */
    uint8_t hc[LOWPAN_HC_MAX];
    size_t hc_len, hdr_len, room = max_payload - LOWPAN_FRAG1_HDR;
    enum lowpan_err e =
        lowpan_compress_hdr(ctx, mac_src, mac_dst, pkt, pkt_len, hc,
                            room < sizeof(hc) ? room : sizeof(hc), &hc_len, &hdr_len);
    if (e)
        return e;
    size_t rest = pkt_len - hdr_len;
    struct wr w;
    if (hc_len + rest <= max_payload) {
        w = wr_init(frames[0].data, max_payload);
        wr_bytes(&w, hc, hc_len);
        wr_bytes(&w, pkt + hdr_len, rest);
        frames[0].len = max_payload - w.left;
        *n_frames = 1;
        return LOWPAN_OK;
    }
    if (pkt_len > LOWPAN_DGRAM_MAX)
        return LOWPAN_ERR_TOO_BIG;

    /* FRAG1: the data it carries must end on an 8-octet boundary of the
     * uncompressed datagram (the next offset is in 8-octet units). */
    size_t end = (hdr_len + (room - hc_len)) & ~(size_t)7;
    if (end <= hdr_len)
        return LOWPAN_ERR_TOO_BIG;
    w = wr_init(frames[0].data, max_payload);
    put_frag_hdr(&w, true, pkt_len, tag, 0);
    wr_bytes(&w, hc, hc_len);
    wr_bytes(&w, pkt + hdr_len, end - hdr_len);
    frames[0].len = max_payload - w.left;
    size_t n = 1, offset = end;

    while (offset < pkt_len) {
        size_t chunk = pkt_len - offset, nroom = max_payload - LOWPAN_FRAGN_HDR;
        if (chunk > nroom)
            chunk = nroom & ~(size_t)7;
        if (chunk == 0 || n == max_frames)
            return LOWPAN_ERR_TOO_BIG;
        w = wr_init(frames[n].data, max_payload);
        put_frag_hdr(&w, false, pkt_len, tag, offset);
        wr_bytes(&w, pkt + offset, chunk);
        frames[n].len = max_payload - w.left;
        n++;
        offset += chunk;
    }
    *n_frames = n;
    return LOWPAN_OK;
}

/* ---- Receiving -------------------------------------------------------- */

void lowpan_reasm_init(struct lowpan_reasm *r, uint32_t timeout_ms)
{
    if (!r)
        return;
    memset(r, 0, sizeof(*r));
    if (timeout_ms == 0)
        timeout_ms = LOWPAN_REASM_TIMEOUT_MS;
    if (timeout_ms > LOWPAN_REASM_TIMEOUT_MAX_MS)
        timeout_ms = LOWPAN_REASM_TIMEOUT_MAX_MS;
    r->timeout_ms = timeout_ms;
}

static void slot_free(struct lowpan_reasm_slot *s)
{
    s->used = false;
    s->received = 0;
    memset(s->map, 0, sizeof(s->map));
}

unsigned lowpan_reasm_expire(struct lowpan_reasm *r, uint64_t now_ms)
{
    unsigned n = 0;
    if (!r)
        return 0;
    for (unsigned i = 0; i < LOWPAN_REASM_SLOTS; i++) {
        struct lowpan_reasm_slot *s = &r->slot[i];
        if (s->used && now_ms >= s->start_ms && now_ms - s->start_ms >= r->timeout_ms) {
            slot_free(s);
            r->drops[LOWPAN_ERR_FRAG_TIMEOUT]++;
            n++;
        }
    }
    return n;
}

unsigned lowpan_reasm_busy(const struct lowpan_reasm *r)
{
    unsigned n = 0;
    for (unsigned i = 0; r && i < LOWPAN_REASM_SLOTS; i++)
        n += r->slot[i].used;
    return n;
}

static bool lladdr_eq(const struct lowpan_lladdr *a, const struct lowpan_lladdr *b)
{
    if (a->mode != b->mode)
        return false;
    if (a->mode == LOWPAN_LL_SHORT)
        return a->short_addr == b->short_addr;
    if (a->mode == LOWPAN_LL_EXT)
        return memcmp(a->ext, b->ext, 8) == 0;
    return true;
}

static struct lowpan_reasm_slot *slot_find(struct lowpan_reasm *r, const struct lowpan_lladdr *src,
                                           uint16_t size, uint16_t tag)
{
    for (unsigned i = 0; i < LOWPAN_REASM_SLOTS; i++) {
        struct lowpan_reasm_slot *s = &r->slot[i];
        if (s->used && s->size == size && s->tag == tag && lladdr_eq(&s->src, src))
            return s;
    }
    return NULL;
}

static enum lowpan_err frag_input(struct lowpan_reasm *r, const struct lowpan_ctx_table *ctx,
                                  const struct lowpan_lladdr *src, const struct lowpan_lladdr *dst,
                                  const uint8_t *in, size_t len, uint64_t now_ms, uint8_t *out,
                                  size_t out_cap, size_t *out_len)
{
    struct lowpan_frag_hdr h;
    size_t hl;
    enum lowpan_err e = lowpan_frag_parse(in, len, &h, &hl);
    if (e)
        return e;
    if (h.size == 0)
        return LOWPAN_ERR_BAD_FRAG;
    if (h.size > LOWPAN_REASM_BUF)
        return LOWPAN_ERR_TOO_BIG;
    const uint8_t *data = in + hl;
    size_t dlen = len - hl;

    /* FRAG1 is decompressed into its uncompressed form, covering [0, n). */
    uint8_t first[LOWPAN_REASM_BUF];
    size_t off = h.offset, cover = dlen;
    if (h.first) {
        e = lowpan_decompress(ctx, src, dst, data, dlen, h.size, first, sizeof(first), &cover,
                              NULL);
        if (e)
            return e;
        data = first;
    } else if (off == 0) {
        return LOWPAN_ERR_BAD_FRAG; /* offset 0 belongs to FRAG1 */
    }
    if (cover == 0)
        return LOWPAN_ERR_BAD_FRAG;
    size_t end = off + cover;
    if (end > h.size)
        return LOWPAN_ERR_SIZE_MISMATCH;
    if (end != h.size && end % 8 != 0)
        return LOWPAN_ERR_BAD_FRAG; /* the next offset could not be expressed */

    struct lowpan_reasm_slot *s = slot_find(r, src, h.size, h.tag);
    if (!s) {
        for (unsigned i = 0; i < LOWPAN_REASM_SLOTS && !s; i++)
            if (!r->slot[i].used)
                s = &r->slot[i];
        if (!s)
            return LOWPAN_ERR_NO_SLOT;
        slot_free(s);
        s->used = true;
        s->src = *src;
        s->size = h.size;
        s->tag = h.tag;
        s->start_ms = now_ms;
    }

    /* RFC 4944 §5.3: a fragment overlapping received data with a different
     * offset/size discards the datagram; an exact repeat is ignored. */
    size_t u0 = off / 8, u1 = (end + 7) / 8, have = 0;
    for (size_t u = u0; u < u1; u++)
        have += (s->map[u / 8] >> (u % 8)) & 1;
    if (have == u1 - u0)
        return LOWPAN_ERR_FRAG_DUPLICATE;
    if (have) {
        slot_free(s);
        return LOWPAN_ERR_FRAG_OVERLAP;
    }
    memcpy(s->buf + off, data, cover);
    for (size_t u = u0; u < u1; u++)
        s->map[u / 8] |= (uint8_t)(1u << (u % 8));
    s->received = (uint16_t)(s->received + cover);
    if (s->received < s->size)
        return LOWPAN_OK;

    if (out_cap < s->size) {
        slot_free(s);
        return LOWPAN_ERR_TOO_BIG;
    }
    memcpy(out, s->buf, s->size);
    *out_len = s->size;
    slot_free(s);
    return LOWPAN_OK;
}

static enum lowpan_err rx(struct lowpan_reasm *r, const struct lowpan_ctx_table *ctx,
                          const struct lowpan_lladdr *mac_src, const struct lowpan_lladdr *mac_dst,
                          const uint8_t *frame, size_t len, uint64_t now_ms, uint8_t *out,
                          size_t out_cap, size_t *out_len)
{
    struct lowpan_lladdr src = *mac_src, dst = *mac_dst;
    struct lowpan_mesh_frame f;
    struct rd rest;
    /* Mesh header, BC0, then one of FRAG1/FRAGN/IPHC/IPv6 (RFC 4944 §5). */
    enum lowpan_err e = lowpan_mesh_split(NULL, frame, len, &f, &rest);
    if (e)
        return e;
    if (f.has_mesh) {
        /* RFC 4944 §5.2: the mesh addresses stand in for the MAC ones. */
        src = f.mesh.originator;
        dst = f.mesh.final_dst;
        src.pan_id = mac_src->pan_id;
        dst.pan_id = mac_dst->pan_id;
    }
    if (f.next == LOWPAN_DISPATCH_FRAG1 || f.next == LOWPAN_DISPATCH_FRAGN)
        return frag_input(r, ctx, &src, &dst, rest.p, rest.left, now_ms, out, out_cap, out_len);
    return lowpan_decompress(ctx, &src, &dst, rest.p, rest.left, 0, out, out_cap, out_len, NULL);
}

enum lowpan_err lowpan_reasm_input(struct lowpan_reasm *r, const struct lowpan_ctx_table *ctx,
                                   const struct lowpan_lladdr *mac_src,
                                   const struct lowpan_lladdr *mac_dst, const uint8_t *frame,
                                   size_t len, uint64_t now_ms, uint8_t *out, size_t out_cap,
                                   size_t *out_len)
{
    if (!r || !ctx || !mac_src || !mac_dst || (!frame && len) || !out || !out_len)
        return LOWPAN_ERR_INVALID_ARG;
    *out_len = 0;
    lowpan_reasm_expire(r, now_ms);
    enum lowpan_err e = rx(r, ctx, mac_src, mac_dst, frame, len, now_ms, out, out_cap, out_len);
    if (e) {
        *out_len = 0;
        r->drops[e]++;
    } else if (*out_len) {
        r->completed++;
    }
    return e;
}
