/*
 * 6LoWPAN mesh addressing header (RFC 4944 §5.2) and the header walk of a
 * received frame (RFC 4944 §5 order), wire-compatible with OpenThread's
 * Lowpan::MeshHeader (src/core/thread/lowpan.cpp) and its use in
 * mesh_forwarder*.cpp / message_framer.cpp.
 *
 *   10 V F HopsLeft(4) [DeepHopsLeft(8) when HopsLeft = 0xF]
 *   originator (V=1: 16 bits, V=0: 64 bits), final destination (F likewise)
 *
 * What OpenThread sends and accepts, mirrored here:
 *   - Sends: V=F=1 (RLOC16s), hops left LOWPAN_MESH_HOPS_DEFAULT (19, so
 *     always the deep form bf 13), the short form only below 15 (a relay
 *     decrementing 15 rebuilds a 5-byte header). Every fragment of a
 *     datagram carries the mesh header, then FRAG1/FRAGN, then IPHC; IPHC
 *     elides IIDs against the mesh originator / final destination.
 *   - Accepts (MeshHeader::ParseFrom, HandleMesh): V=F=1 only; any hops left
 *     value, 0 included, and the deep form with any value (0..14 too: OT
 *     does not refuse the non-canonical form); after the header only a
 *     fragment header or IPHC. It never sends LOWPAN_BC0 (RFC 4944 §11.1)
 *     and refuses it (and the 0x41 uncompressed-IPv6 dispatch), with or
 *     without a mesh header.
 *   - Relays (HandleMesh): a frame not for this node is forwarded only while
 *     hops left > 0, with hops left decremented (so it may go out with 0);
 *     with 0 it is dropped. RFC 4944 §5.2 stops one hop earlier ("not
 *     forwarded if decremented to 0"); OT's rule is the one the mesh runs.
 *
 * A receive path built on this (OT's MeshForwarder::HandleMesh) also takes
 * mesh frames only with MAC security on, treats a frame as its own when the
 * final destination is its RLOC16 or one of its sleepy children's (then
 * lowpan_reasm_input on the whole frame: the mesh addresses replace the MAC
 * ones), and otherwise relays it towards final_dst's next hop.
 *
 * Pure functions over caller buffers; the optional context struct carries
 * the policy and the drop counters. All input is read through util/rd.h.
 */
#ifndef TBR_LOWPAN_LOWPAN_MESH_H
#define TBR_LOWPAN_LOWPAN_MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lowpan/lowpan.h"
#include "lowpan/lowpan_frag.h"
#include "util/rd.h"

/* Hops left a Thread originator writes: OT's kMeshHeaderHopsLeft =
 * Mle::kMaxRouteCost (16) + 3 (a child at either end, one spare). */
#define LOWPAN_MESH_HOPS_DEFAULT 19
/* HopsLeft nibble escaping to the 8-bit Deep Hops Left byte. */
#define LOWPAN_MESH_DEEP_HOPS 0x0f
/* Dispatch + two 16-bit addresses; deep hops + two 64-bit addresses. */
#define LOWPAN_MESH_HDR_MIN 5
#define LOWPAN_MESH_HDR_MAX 18
/* LOWPAN_BC0: dispatch 0x50 + sequence number (RFC 4944 §11.1). */
#define LOWPAN_BC0_HDR 2

/* Mesh addressing header fields. Extended addresses are read and written as
 * on the wire (network order, the `extaddr` print order); the mode of each
 * address is its V/F bit. */
struct lowpan_mesh {
    uint8_t hops_left; /* the deep value when the 0xF escape was used */
    struct lowpan_lladdr originator;
    struct lowpan_lladdr final_dst;
};

/* Receive-path context, owned by the caller. */
struct lowpan_mesh_ctx {
    bool thread;                       /* accept only what OpenThread accepts (above) */
    uint32_t drops[LOWPAN_ERR__COUNT]; /* frames refused by split/relay, by reason */
    uint32_t relayed;                  /* frames lowpan_mesh_relay rewrote */
};

/* Clears the counters; thread = true for the Thread receive path, false for
 * everything RFC 4944 allows (64-bit mesh addresses, BC0, 0x41). */
void lowpan_mesh_ctx_init(struct lowpan_mesh_ctx *c, bool thread);

/* OT's MeshHeader::Init: RLOC16 originator and final destination. */
void lowpan_mesh_init(struct lowpan_mesh *m, uint16_t originator, uint16_t final_dst,
                      uint8_t hops_left);

/*
 * Parses a mesh header at in[0..len) in any RFC 4944 §5.2 form (16- or
 * 64-bit addresses, short or deep hops left, hops left 0 included). On
 * success *hdr_len is its length (5..18). Errors: INVALID_ARG (NULL),
 * TRUNCATED (ends inside the header), BAD_DISPATCH (not 10xxxxxx).
 */
enum lowpan_err lowpan_mesh_parse(const uint8_t *in, size_t len, struct lowpan_mesh *m,
                                  size_t *hdr_len);

/* Bytes lowpan_mesh_write produces for m: 1 (+1 when hops_left >= 15) + 2
 * or 8 per address. 0 when an address mode is LOWPAN_LL_NONE. */
size_t lowpan_mesh_hdr_len(const struct lowpan_mesh *m);

/* Writes m in its canonical form (OT's MeshHeader::AppendTo, with V/F from
 * the address modes) to out[0..cap), *out_len = its length. INVALID_ARG for
 * a NULL or an address of mode NONE, TOO_BIG when cap is short. */
enum lowpan_err lowpan_mesh_write(const struct lowpan_mesh *m, uint8_t *out, size_t cap,
                                  size_t *out_len);

/*
 * One relay step (OT's HandleMesh for a frame not addressed to this node):
 * LOWPAN_ERR_MESH_HOP_LIMIT when hops_left is 0 (the frame must be dropped:
 * a loop or a path longer than the originator allowed ends here), else
 * hops_left is decremented and LOWPAN_OK returned.
 */
enum lowpan_err lowpan_mesh_forward(struct lowpan_mesh *m);

/* What a received frame holds, outermost first (RFC 4944 §5 order). */
struct lowpan_mesh_frame {
    bool has_mesh;
    struct lowpan_mesh mesh;     /* when has_mesh; pan_id fields 0 */
    size_t mesh_len;             /* its length, 0 without */
    bool has_bc0;                /* LOWPAN_BC0 (RFC mode only) ... */
    uint8_t bc0_seq;             /* ... and its sequence number */
    enum lowpan_dispatch next;   /* IPHC, IPV6 (RFC mode), FRAG1 or FRAGN */
    struct lowpan_frag_hdr frag; /* next is FRAG1/FRAGN: its fields (size, tag, offset) */
};

/*
 * Walks the dispatch headers of a received 6LoWPAN frame (the MAC payload):
 * an optional mesh header, an optional LOWPAN_BC0 (not in Thread mode),
 * then exactly one of FRAG1 / FRAGN (whose header is parsed into f->frag),
 * IPHC, or 0x41 (not in Thread mode). *rest is set to the bytes from that
 * last header on: the fragment header itself or the IPHC/IPv6 dispatch, as
 * lowpan_reasm_input and lowpan_decompress take them.
 *
 * c may be NULL: RFC mode, nothing counted. Refusals (counted in c->drops):
 *   TRUNCATED     the frame ends before or inside BC0 / the fragment header
 *                 or right after the mesh header;
 *   BAD_MESH      the mesh header is truncated;
 *   MESH_LONG_ADDR (Thread mode) a 64-bit originator or final destination;
 *   BAD_DISPATCH  a reserved or NALP dispatch, a header out of RFC 4944 §5
 *                 order or repeated (mesh after BC0, two meshes, two BC0s),
 *                 or (Thread mode) BC0 / 0x41.
 * Hops left is not judged here: a frame for this node is accepted with 0.
 */
enum lowpan_err lowpan_mesh_split(struct lowpan_mesh_ctx *c, const uint8_t *frame, size_t len,
                                  struct lowpan_mesh_frame *f, struct rd *rest);

/*
 * Rewrites a received mesh frame for the next hop: lowpan_mesh_split (the
 * frame must carry a mesh header: BAD_DISPATCH otherwise), then
 * lowpan_mesh_forward, then the rebuilt header followed by every byte after
 * the old one, into out[0..cap) (*out_len). The header may shrink by one
 * byte (deep 15 -> short 14). *m (may be NULL) receives the decremented
 * header: its final_dst picks the next hop. Errors are split's, plus
 * MESH_HOP_LIMIT and TOO_BIG (cap); each is counted in c->drops, a success
 * in c->relayed.
 */
enum lowpan_err lowpan_mesh_relay(struct lowpan_mesh_ctx *c, const uint8_t *in, size_t len,
                                  uint8_t *out, size_t cap, size_t *out_len, struct lowpan_mesh *m);

/*
 * Frames an IPv6 packet for a multi-hop destination, as OT's
 * MessageFramer::PrepareFrame does with a mesh header: the headers are
 * compressed against m->originator / m->final_dst (not the MAC addresses),
 * split like lowpan_frag_split into max_payload - header bytes, and every
 * frame starts with the mesh header (FRAG1/FRAGN, if any, after it).
 * max_payload is what the MAC frame leaves (OT: 127 - MAC header - MIC -
 * 2-byte FCS, whatever the radio's FCS size). Errors: INVALID_ARG (NULL, an
 * address of mode NONE, max_payload over LOWPAN_FRAME_MAX), TOO_BIG, and
 * those of lowpan_frag_split.
 */
enum lowpan_err lowpan_mesh_frag_split(const struct lowpan_ctx_table *ctx,
                                       const struct lowpan_mesh *m, const uint8_t *pkt,
                                       size_t pkt_len, size_t max_payload, uint16_t tag,
                                       struct lowpan_frame *frames, size_t max_frames,
                                       size_t *n_frames);

#endif
