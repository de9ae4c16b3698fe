/*
 * 6LoWPAN header compression for Thread (RFC 6282 IPHC and NHC, RFC 4944
 * dispatch), wire-compatible with OpenThread's lowpan.cpp.
 *
 * Pure functions over caller buffers: no global state, no allocation, no I/O.
 * Every byte of untrusted input is read through the bounded reader of
 * util/rd.h; every failure is reported as a named enum lowpan_err.
 *
 * Scope:
 *   - IPHC (RFC 6282 §3): all TF/NH/HLIM encodings, stateless and stateful
 *     (context-based) unicast SAM/DAM 00..11, multicast DAM 00..11 and the
 *     RFC 3306 unicast-prefix-based form (M=1 DAC=1 DAM=00).
 *   - NHC (RFC 6282 §4): extension headers EID 0..3 (trailing Pad1/PadN
 *     re-inserted for HBH/DST, §4.2), IPv6-in-IPv6 (EID 7, bounded nesting),
 *     UDP with all port forms and inline or elided checksum (§4.3).
 *   - RFC 4944 §5.1 uncompressed IPv6 dispatch (0x41).
 * Fragmentation (RFC 4944 §5.3) lives in lowpan_frag.h; the mesh header
 * (§5.2), LOWPAN_BC0 (§11.1) and the header walk in lowpan_mesh.h.
 */
#ifndef TBR_LOWPAN_LOWPAN_H
#define TBR_LOWPAN_LOWPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Named reasons; every entry point returns one. LOWPAN_OK is 0. */
enum lowpan_err {
    LOWPAN_OK = 0,
    LOWPAN_ERR_INVALID_ARG,     /* NULL pointer or parameter out of range */
    LOWPAN_ERR_TRUNCATED,       /* input ended inside a header */
    LOWPAN_ERR_BAD_DISPATCH,    /* not an IPHC / IPv6 / mesh / BC0 / FRAG dispatch */
    LOWPAN_ERR_UNKNOWN_CONTEXT, /* SAC/DAC refers to a context not in the table */
    LOWPAN_ERR_RESERVED,        /* reserved IPHC encoding (RFC 6282 §3.1.1) */
    LOWPAN_ERR_BAD_NHC,         /* unknown NHC dispatch/EID, misaligned EH, nesting too deep */
    LOWPAN_ERR_NO_LLADDR,       /* IID must come from a MAC address that is absent */
    LOWPAN_ERR_CSUM_ELIDED,     /* UDP checksum elided where it cannot be recomputed */
    LOWPAN_ERR_TOO_BIG,         /* output buffer or datagram size limit exceeded */
    LOWPAN_ERR_SIZE_MISMATCH,   /* headers/fragment do not fit the datagram size */
    LOWPAN_ERR_BAD_IPV6,        /* compress input is not a well-formed IPv6 packet */
    LOWPAN_ERR_BAD_MESH,        /* malformed mesh header (RFC 4944 §5.2) */
    LOWPAN_ERR_BAD_FRAG,        /* malformed fragment: size 0, misaligned, past the end */
    LOWPAN_ERR_FRAG_OVERLAP,    /* fragment partially overlaps received data: slot dropped */
    LOWPAN_ERR_FRAG_DUPLICATE,  /* fragment fully covers received data: frame ignored */
    LOWPAN_ERR_FRAG_TIMEOUT,    /* reassembly timed out: slot dropped */
    LOWPAN_ERR_NO_SLOT,         /* every reassembly slot is busy: fragment dropped */
    LOWPAN_ERR_MESH_LONG_ADDR,  /* 64-bit mesh address where Thread uses RLOC16s */
    LOWPAN_ERR_MESH_HOP_LIMIT,  /* mesh hops left 0: not forwarded (RFC 4944 §5.2) */
    LOWPAN_ERR__COUNT
};

/* Static name of an error ("truncated", "frag_overlap", ...). */
const char *lowpan_err_str(enum lowpan_err e);

/* ---- Contexts (RFC 6282 §3.1.2; Thread: from Network Data, 0 = ML prefix) */

#define LOWPAN_CTX_MAX 16

struct lowpan_ctx {
    bool valid;         /* present in Network Data */
    bool compress;      /* C flag: may be used to compress (all valid ones decompress) */
    uint8_t len;        /* prefix length in bits, 0..128 */
    uint8_t prefix[16]; /* bits after len are ignored */
};

struct lowpan_ctx_table {
    struct lowpan_ctx ctx[LOWPAN_CTX_MAX]; /* indexed by context id */
};

/* Clears the table (no context valid). */
void lowpan_ctx_init(struct lowpan_ctx_table *t);
/* Sets context id (0..15). Returns LOWPAN_ERR_INVALID_ARG on bad id/len. */
enum lowpan_err lowpan_ctx_set(struct lowpan_ctx_table *t, unsigned id, const uint8_t prefix[16],
                               unsigned len, bool compress);

/* ---- Link-layer (802.15.4) addresses ---------------------------------- */

enum lowpan_ll_mode {
    LOWPAN_LL_NONE = 0, /* no address (e.g. absent src) */
    LOWPAN_LL_SHORT,    /* 16-bit short address */
    LOWPAN_LL_EXT,      /* 64-bit extended address */
};

struct lowpan_lladdr {
    enum lowpan_ll_mode mode;
    uint16_t short_addr; /* LOWPAN_LL_SHORT */
    uint8_t ext[8];      /* LOWPAN_LL_EXT, in `extaddr` print order (on-air bytes reversed) */
    uint16_t pan_id;     /* PAN of the address; carried for callers, not used by IPHC:
                            RFC 6282 §3.2.2 (and OpenThread) derive 0000:00ff:fe00:XXXX
                            from a short address, not RFC 4944 §6's PAN-based form */
};

/* The 64-bit IID the address stands for: ext with the U/L bit (0x02 of the
 * first byte) flipped, or 0000:00ff:fe00:XXXX. False for LOWPAN_LL_NONE. */
bool lowpan_lladdr_iid(const struct lowpan_lladdr *ll, uint8_t iid[8]);

/* ---- Dispatch (RFC 4944 §5.1, RFC 6282 §2) ---------------------------- */

enum lowpan_dispatch {
    LOWPAN_DISPATCH_NALP,  /* 00xxxxxx not a LoWPAN frame, or unknown */
    LOWPAN_DISPATCH_IPV6,  /* 01000001 uncompressed IPv6 */
    LOWPAN_DISPATCH_BC0,   /* 01010000 broadcast header */
    LOWPAN_DISPATCH_IPHC,  /* 011xxxxx */
    LOWPAN_DISPATCH_MESH,  /* 10xxxxxx */
    LOWPAN_DISPATCH_FRAG1, /* 11000xxx */
    LOWPAN_DISPATCH_FRAGN, /* 11100xxx */
};

enum lowpan_dispatch lowpan_dispatch_of(uint8_t first_byte);

/* The mesh addressing header (RFC 4944 §5.2) is in lowpan_mesh.h. */

/* ---- Decompression ---------------------------------------------------- */

/*
 * Decompresses one IPHC (or 0x41 uncompressed IPv6) header stack at
 * in[0..in_len) into a full IPv6 packet in out[0..out_cap): IPv6 header,
 * extension headers, UDP header, then the rest of `in` copied as payload.
 *
 * mac_src / mac_dst are the frame's link-layer addresses (or the mesh
 * originator / final destination), used where SAM/DAM = 11 elide the IID.
 *
 * datagram_size == 0: `in` is a whole datagram; the IPv6 payload length and
 * UDP length come from its size. datagram_size != 0: `in` is the payload of
 * a FRAG1 (after the fragment header) and datagram_size the FRAG1 size
 * field; lengths are filled from it, and the output is a prefix of the
 * datagram (headers + the bytes this fragment carries).
 *
 * On LOWPAN_OK: *out_len = bytes written; *consumed (may be NULL) = compressed
 * header bytes read from `in`, so out_len - (in_len - consumed) is the
 * uncompressed header length. An elided UDP checksum is recomputed for a
 * whole datagram and refused (LOWPAN_ERR_CSUM_ELIDED) in a fragment. On
 * error the contents of out are unspecified.
 */
enum lowpan_err lowpan_decompress(const struct lowpan_ctx_table *ctx,
                                  const struct lowpan_lladdr *mac_src,
                                  const struct lowpan_lladdr *mac_dst, const uint8_t *in,
                                  size_t in_len, size_t datagram_size, uint8_t *out, size_t out_cap,
                                  size_t *out_len, size_t *consumed);

/* ---- Compression ------------------------------------------------------ */

/* A buffer size for compressed headers: ample for anything that fits in an
 * 802.15.4 frame (127 bytes). Longer stacks (nested IPv6 with large
 * hop-by-hop options) get LOWPAN_ERR_TOO_BIG from a buffer this size,
 * never an overrun. */
#define LOWPAN_HC_MAX 360

/*
 * Compresses the headers of the IPv6 packet pkt[0..pkt_len) the way
 * OpenThread does (so its frames are reproduced byte for byte):
 *   - TF: elided when TC and flow label are 0; 1 byte ECN|DSCP when only the
 *     flow label is 0; otherwise the 3- or 4-byte forms (RFC 6282 §3.2.1).
 *   - NH: compressed for hop-by-hop, UDP and IPv6-in-IPv6; HLIM 1/64/255.
 *   - Addresses: :: -> SAC=1 SAM=00; fe80::/64 -> SAM 11 (IID from the MAC
 *     address), 10 (0000:00ff:fe00:XXXX) or 01; a prefix whose longest
 *     matching context has the C flag -> SAC/DAC=1 and the same modes
 *     (context 0 implicit, else a CID byte); otherwise 128 bits inline.
 *     Every choice is checked by rebuilding the address, falling back to
 *     inline when it would not round-trip.
 *   - Multicast: ff02::XX -> 8 bits, ffXX::XX:XXXX -> 32, ffXX::XX:XXXX:XXXX
 *     -> 48, RFC 3306 prefix-based on context 0 -> DAC=1 DAM=00, else 128.
 *   - Hop-by-hop: NHC EH with a trailing Pad1/PadN (< 8 bytes, zero) elided.
 *   - UDP: ports 0xf0bX/0xf0bX in 4 bits each, 0xf0XX in 8 bits, else
 *     inline; checksum always inline.
 * Writes the header bytes to out[0..cap) (*out_len) and sets *hdr_len to
 * the number of uncompressed bytes of pkt they replace; the rest of pkt
 * (pkt + *hdr_len) is the payload to send after them. The IPv6 payload
 * length must equal pkt_len - 40 (LOWPAN_ERR_BAD_IPV6 otherwise).
 */
enum lowpan_err lowpan_compress_hdr(const struct lowpan_ctx_table *ctx,
                                    const struct lowpan_lladdr *mac_src,
                                    const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                    size_t pkt_len, uint8_t *out, size_t cap, size_t *out_len,
                                    size_t *hdr_len);

/* Compressed headers followed by the payload: the payload of an
 * unfragmented 6LoWPAN frame. LOWPAN_ERR_TOO_BIG when it exceeds cap. */
enum lowpan_err lowpan_compress(const struct lowpan_ctx_table *ctx,
                                const struct lowpan_lladdr *mac_src,
                                const struct lowpan_lladdr *mac_dst, const uint8_t *pkt,
                                size_t pkt_len, uint8_t *out, size_t cap, size_t *out_len);

#endif
