/*
 * 6LoWPAN fragmentation and reassembly (RFC 4944 §5.3), sized and tagged
 * the way OpenThread's message framer does it.
 *
 * FRAG1: 11000 size(11) tag(16)            then IPHC + first payload bytes
 * FRAGN: 11100 size(11) tag(16) offset(8)  offset in 8-octet units of the
 *                                          *uncompressed* datagram
 *
 * Pure over caller-owned state: no globals, no allocation, no clock reads
 * (time comes in as now_ms, any monotonic millisecond clock).
 */
#ifndef TBR_LOWPAN_LOWPAN_FRAG_H
#define TBR_LOWPAN_LOWPAN_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lowpan/lowpan.h"

#define LOWPAN_FRAG1_HDR 4
#define LOWPAN_FRAGN_HDR 5
/* An 802.15.4 PSDU holds no more than this. */
#define LOWPAN_FRAME_MAX 127
/* datagram_size is 11 bits. */
#define LOWPAN_DGRAM_MAX 2047
/* Datagrams reassembled at once, and the largest accepted (IPv6 minimum MTU). */
#define LOWPAN_REASM_SLOTS 4
#define LOWPAN_REASM_BUF 1280
/* Default reassembly timeout: OpenThread's OPENTHREAD_CONFIG_6LOWPAN_REASSEMBLY_TIMEOUT
 * (2 s, src/core/config/mesh_forwarder.h); RFC 4944 §5.3 allows at most 60 s. */
#define LOWPAN_REASM_TIMEOUT_MS 2000
#define LOWPAN_REASM_TIMEOUT_MAX_MS 60000

/* Fragment header fields. offset is in bytes (0 for FRAG1). */
struct lowpan_frag_hdr {
    bool first; /* FRAG1 */
    uint16_t size;
    uint16_t tag;
    uint16_t offset;
};

/* Parses a FRAG1/FRAGN header at in[0..len); *hdr_len = 4 or 5. */
enum lowpan_err lowpan_frag_parse(const uint8_t *in, size_t len, struct lowpan_frag_hdr *h,
                                  size_t *hdr_len);

/* ---- Sending ---------------------------------------------------------- */

struct lowpan_frame {
    size_t len;
    uint8_t data[LOWPAN_FRAME_MAX];
};

/*
 * Splits the IPv6 packet pkt[0..pkt_len) into 6LoWPAN frame payloads of at
 * most max_payload bytes each (max_payload = what the MAC frame leaves for
 * its payload: 127 - MAC header - MIC - FCS; at most LOWPAN_FRAME_MAX).
 *
 * As OpenThread: the headers are compressed (lowpan_compress_hdr); when they
 * and the payload fit max_payload one unfragmented frame is produced, else a
 * FRAG1 (header + compressed headers + as many payload bytes as fit, rounded
 * so the next offset is a multiple of 8) and FRAGNs (each carrying the
 * largest multiple of 8 that fits, the last one the rest), all with `tag`.
 *
 * Frames go to frames[0..max_frames); *n_frames is their count. Errors:
 * LOWPAN_ERR_TOO_BIG (datagram > 2047 bytes, not enough frames, or
 * max_payload too small to carry the compressed headers), plus those of
 * lowpan_compress_hdr.
 */
enum lowpan_err lowpan_frag_split(const struct lowpan_ctx_table *ctx,
                                  const struct lowpan_lladdr *mac_src,
                                  const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                  size_t pkt_len, size_t max_payload, uint16_t tag,
                                  struct lowpan_frame *frames, size_t max_frames, size_t *n_frames);

/* ---- Receiving -------------------------------------------------------- */

struct lowpan_reasm_slot {
    bool used;
    struct lowpan_lladdr src;           /* key: sender (or mesh originator) ... */
    uint16_t size;                      /* ... datagram size ... */
    uint16_t tag;                       /* ... and tag (RFC 4944 §5.3) */
    uint64_t start_ms;                  /* first fragment's arrival */
    uint16_t received;                  /* bytes placed so far */
    uint8_t map[LOWPAN_REASM_BUF / 64]; /* one bit per received 8-octet unit */
    uint8_t buf[LOWPAN_REASM_BUF];
};

struct lowpan_reasm {
    uint32_t timeout_ms;
    struct lowpan_reasm_slot slot[LOWPAN_REASM_SLOTS];
    uint32_t drops[LOWPAN_ERR__COUNT]; /* frames/slots dropped, by reason */
    uint32_t completed;                /* datagrams delivered */
};

/* timeout_ms 0 -> LOWPAN_REASM_TIMEOUT_MS; capped at 60 s. */
void lowpan_reasm_init(struct lowpan_reasm *r, uint32_t timeout_ms);

/* Drops every slot whose first fragment is timeout_ms or more older than
 * now_ms (counted as LOWPAN_ERR_FRAG_TIMEOUT). Returns how many. */
unsigned lowpan_reasm_expire(struct lowpan_reasm *r, uint64_t now_ms);

/*
 * Receives one 6LoWPAN frame (the MAC payload): optional mesh header (its
 * originator / final destination then replace mac_src / mac_dst), optional
 * LOWPAN_BC0, then FRAG1, FRAGN, IPHC or uncompressed IPv6.
 *
 * Expires old slots first. An unfragmented frame is decompressed straight
 * into out. A fragment is placed in the slot keyed by (source, size, tag),
 * created on first sight (FRAG1 or FRAGN, in any order); when the slot has
 * every byte of the datagram it is copied to out and freed.
 *
 * Returns LOWPAN_OK with *out_len = datagram length when a datagram is
 * complete, LOWPAN_OK with *out_len = 0 when a fragment was stored, or the
 * reason the frame was dropped (also counted in r->drops):
 *   TRUNCATED / BAD_DISPATCH / BAD_MESH / BAD_FRAG / decompression errors,
 *   TOO_BIG (size > LOWPAN_REASM_BUF or out too small), SIZE_MISMATCH (the
 *   fragment runs past size, or FRAG1's headers + data do not fit it),
 *   FRAG_DUPLICATE (all its bytes already received; slot kept),
 *   FRAG_OVERLAP (partial overlap; slot dropped), NO_SLOT (all slots busy).
 */
enum lowpan_err lowpan_reasm_input(struct lowpan_reasm *r, const struct lowpan_ctx_table *ctx,
                                   const struct lowpan_lladdr *mac_src,
                                   const struct lowpan_lladdr *mac_dst, const uint8_t *frame,
                                   size_t len, uint64_t now_ms, uint8_t *out, size_t out_cap,
                                   size_t *out_len);

/* Slots in use. */
unsigned lowpan_reasm_busy(const struct lowpan_reasm *r);

#endif
