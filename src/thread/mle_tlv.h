/*
 * MLE TLV codec (Thread 1.3/1.4 spec ch. 4 "Mesh Link Establishment", §4.4 "MLE TLVs";
 * reference doc thread-sim-interop.md §3.3 "TLV value formats", §3.4 Network Data).
 *
 * An MLE message body (after the command byte) is a sequence of plain TLVs:
 * type (1 byte) || length (1 byte) || value (length bytes). MLE has no extended
 * length form: a length byte of 255 is an ordinary length of 255.
 *
 * This module gives:
 *   - a bounded walker (struct mle_tlv_iter) and finders: every TLV is checked
 *     to lie inside the buffer before it is handed out;
 *   - typed readers for every TLV Thread 1.x MLE uses, each checking the value
 *     length for its type. Like OpenThread (common/tlvs.cpp ReadTlvValue), a
 *     fixed-size value may be followed by extra bytes, which are ignored;
 *     shorter is an error (MLE_ERR_TLV_LENGTH);
 *   - writers over struct wr (util/rd.h): they append one TLV each; overflow
 *     is recorded in wr.ok and reported by the message builders.
 *
 * All functions are pure: no global state, no I/O, no clock. Pointers handed
 * out (struct mle_tlv.value, opaque TLV values) point into the caller's buffer
 * and live as long as it does.
 */
#ifndef TBR_THREAD_MLE_TLV_H
#define TBR_THREAD_MLE_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rd.h"

/* MLE TLV types (Thread 1.3 §4.4; OpenThread mle_tlvs.hpp). */
enum mle_tlv_type {
    MLE_TLV_SOURCE_ADDRESS = 0,        /* u16 RLOC16 of the sender */
    MLE_TLV_MODE = 1,                  /* u8 device mode (MLE_MODE_*) */
    MLE_TLV_TIMEOUT = 2,               /* u32 child timeout, seconds */
    MLE_TLV_CHALLENGE = 3,             /* 4..8 random bytes */
    MLE_TLV_RESPONSE = 4,              /* echo of a Challenge, 4..8 bytes */
    MLE_TLV_LINK_FRAME_COUNTER = 5,    /* u32 */
    MLE_TLV_LINK_QUALITY = 6,          /* legacy (Thread 1.0), opaque */
    MLE_TLV_NETWORK_PARAMETER = 7,     /* legacy, opaque */
    MLE_TLV_MLE_FRAME_COUNTER = 8,     /* u32 */
    MLE_TLV_ROUTE64 = 9,               /* struct mle_route64 */
    MLE_TLV_ADDRESS16 = 10,            /* u16 RLOC16 given to a child */
    MLE_TLV_LEADER_DATA = 11,          /* struct mle_leader_data */
    MLE_TLV_NETWORK_DATA = 12,         /* Thread Network Data TLVs, opaque here (<= 254 B) */
    MLE_TLV_TLV_REQUEST = 13,          /* list of TLV types */
    MLE_TLV_SCAN_MASK = 14,            /* u8 MLE_SCAN_MASK_* */
    MLE_TLV_CONNECTIVITY = 15,         /* struct mle_connectivity */
    MLE_TLV_LINK_MARGIN = 16,          /* u8 dB */
    MLE_TLV_STATUS = 17,               /* u8, 1 = error */
    MLE_TLV_VERSION = 18,              /* u16 Thread version (5 = 1.4) */
    MLE_TLV_ADDRESS_REGISTRATION = 19, /* list of struct mle_addr_entry */
    MLE_TLV_CHANNEL = 20,              /* struct mle_channel */
    MLE_TLV_PAN_ID = 21,               /* u16 */
    MLE_TLV_ACTIVE_TIMESTAMP = 22,     /* struct mle_timestamp */
    MLE_TLV_PENDING_TIMESTAMP = 23,    /* struct mle_timestamp */
    MLE_TLV_ACTIVE_DATASET = 24,       /* MeshCoP dataset TLVs, opaque */
    MLE_TLV_PENDING_DATASET = 25,      /* MeshCoP dataset TLVs, opaque */
    MLE_TLV_DISCOVERY = 26,            /* MeshCoP discovery sub-TLVs, opaque */
    MLE_TLV_SUPERVISION_INTERVAL = 27, /* u16 seconds */
    MLE_TLV_WAKEUP_CHANNEL = 74,       /* struct mle_channel (Thread 1.4) */
    MLE_TLV_CSL_CHANNEL = 80,          /* struct mle_channel */
    MLE_TLV_CSL_TIMEOUT = 85,          /* u32 seconds */
    MLE_TLV_CSL_CLOCK_ACCURACY = 86,   /* struct mle_csl_accuracy */
    MLE_TLV_LINK_METRICS_QUERY = 87,   /* opaque sub-TLVs */
    MLE_TLV_LINK_METRICS_MGMT = 88,    /* opaque sub-TLVs */
    MLE_TLV_LINK_METRICS_REPORT = 89,  /* opaque sub-TLVs */
    MLE_TLV_LINK_PROBE = 90,           /* opaque */
    MLE_TLV_TIME_REQUEST = 252,        /* time sync (not Thread spec), opaque */
    MLE_TLV_TIME_PARAMETER = 253,      /* opaque (>= 4 B) */
    MLE_TLV_XTAL_ACCURACY = 254,       /* u16 ppm */
};

/* Name of a TLV type ("Source Address", ...), or NULL when not an MLE type. */
const char *mle_tlv_name(uint8_t type);

/*
 * Errors of the whole MLE codec (TLVs and messages). Every rejected input
 * gets one of these; mle_err_name() gives a stable name for logs and tests.
 */
enum mle_err {
    MLE_OK = 0,
    MLE_ERR_TLV_TRUNCATED,     /* a TLV header or value runs past the end */
    MLE_ERR_TLV_LENGTH,        /* a TLV value is too short (or too long) for its type */
    MLE_ERR_TLV_VALUE,         /* a value is malformed (Route64 data vs mask, bad entry...) */
    MLE_ERR_TLV_MISSING,       /* a TLV the message must contain is absent */
    MLE_ERR_TLV_TYPE,          /* a typed reader was given a TLV of another type */
    MLE_ERR_EMPTY,             /* no bytes at all (no security suite / no command) */
    MLE_ERR_SUITE,             /* security suite neither 0 (secured) nor 255 (none) */
    MLE_ERR_AUX_TRUNCATED,     /* the 10-byte aux security header is cut short */
    MLE_ERR_SEC_CTL,           /* security control is not 0x15 (key id mode 2, MIC-32) */
    MLE_ERR_TOO_SHORT,         /* secured message without room for command + MIC */
    MLE_ERR_MIC,               /* AES-CCM authentication failed */
    MLE_ERR_CRYPTO,            /* mbedTLS failure (not caused by the input) */
    MLE_ERR_UNSECURED_CMD,     /* suite 255 with a command other than Discovery */
    MLE_ERR_SECURED_DISCOVERY, /* Discovery Request/Response inside suite 0 */
    MLE_ERR_UNKNOWN_CMD,       /* command byte not defined by MLE */
    MLE_ERR_WRONG_CMD,         /* a message parser was given another command */
    MLE_ERR_NO_SPACE,          /* output buffer too small */
    MLE_ERR_ARG,               /* invalid argument to a builder (value too long, ...) */
    MLE_ERR__COUNT
};

/* "MLE_OK", "MLE_ERR_MIC", ...; "MLE_ERR_?" for values out of range. */
const char *mle_err_name(enum mle_err e);

/* ---- walker ---------------------------------------------------------- */

struct mle_tlv {
    uint8_t type;
    uint8_t len;
    const uint8_t *value; /* len bytes inside the walked buffer */
};

struct mle_tlv_iter {
    struct rd r;
    enum mle_err err; /* MLE_OK, or why the walk stopped early */
};

void mle_tlv_iter_init(struct mle_tlv_iter *it, const uint8_t *tlvs, size_t len);

/*
 * Next TLV. Returns true with *out filled; false at the end of the buffer
 * (it->err == MLE_OK) or on a TLV that does not fit (it->err ==
 * MLE_ERR_TLV_TRUNCATED; the walk then stays stopped).
 */
bool mle_tlv_next(struct mle_tlv_iter *it, struct mle_tlv *out);

/*
 * First TLV of the type (OpenThread uses the first occurrence too).
 * @retval MLE_OK, MLE_ERR_TLV_MISSING, MLE_ERR_TLV_TRUNCATED (the walk hit a
 *         broken TLV before finding it).
 */
enum mle_err mle_tlv_find(const uint8_t *tlvs, size_t len, uint8_t type, struct mle_tlv *out);

/*
 * Walks all TLVs and checks every known type with its typed reader.
 * *n_unknown (optional) counts TLVs of types this codec does not know; they
 * are skipped, as the spec requires. On error *bad (optional) is the
 * offending TLV (type 0xff/len 0 for a truncation).
 */
enum mle_err mle_tlv_validate(const uint8_t *tlvs, size_t len, unsigned *n_unknown,
                              struct mle_tlv *bad);

/* Checks the value of one TLV of a known type (unknown types: MLE_OK). */
enum mle_err mle_tlv_check(const struct mle_tlv *t);

/* ---- value types ----------------------------------------------------- */

/* Mode TLV bits (Thread 1.3 §4.4.2). */
#define MLE_MODE_RX_ON_WHEN_IDLE 0x08
#define MLE_MODE_RESERVED 0x04 /* OpenThread always sets it */
#define MLE_MODE_FTD 0x02
#define MLE_MODE_FULL_NETDATA 0x01

/* Scan Mask TLV bits. */
#define MLE_SCAN_MASK_ROUTER 0x80
#define MLE_SCAN_MASK_END_DEVICE 0x40

/* Status TLV value. */
#define MLE_STATUS_ERROR 1

/* Thread versions (Version TLV). */
#define MLE_VERSION_1_1 2
#define MLE_VERSION_1_2 3
#define MLE_VERSION_1_3 4
#define MLE_VERSION_1_4 5

#define MLE_CHALLENGE_MIN 4
#define MLE_CHALLENGE_MAX 8

struct mle_challenge { /* Challenge or Response TLV value */
    uint8_t len;       /* 4..8 */
    uint8_t b[MLE_CHALLENGE_MAX];
};

/* Leader Data TLV (Thread 1.3 §4.4.10; doc §3.3): 8 bytes. */
struct mle_leader_data {
    uint32_t partition_id;
    uint8_t weighting;           /* 64 by default */
    uint8_t data_version;        /* full network data version */
    uint8_t stable_data_version; /* stable subset version */
    uint8_t leader_router_id;
};

#define MLE_MAX_ROUTER_ID 62
/* Route64 TLV (Thread 1.3 §4.4.8): id sequence, 64-bit router id mask (bit i
 * = byte i/8, 0x80 >> i%8), then one route byte per set bit in id order:
 * LQ out (bits 7-6) | LQ in (bits 5-4) | route cost (bits 3-0). */
struct mle_route64 {
    uint8_t id_seq;
    uint8_t mask[8];
    uint8_t n;         /* number of set bits = number of route bytes */
    uint8_t route[64]; /* route[k] belongs to the k-th set id */
};

bool mle_route64_has(const struct mle_route64 *r, unsigned router_id);
/* Route byte of router_id, or -1 when the id is not in the mask. */
int mle_route64_route(const struct mle_route64 *r, unsigned router_id);
/* Adds router_id (0..62) with its route byte, keeping id order; false when
 * the id is out of range. Replaces the byte when already present. */
bool mle_route64_add(struct mle_route64 *r, unsigned router_id, uint8_t route);
static inline uint8_t mle_route_byte(unsigned lq_out, unsigned lq_in, unsigned cost)
{
    return (uint8_t)(((lq_out & 3u) << 6) | ((lq_in & 3u) << 4) | (cost & 15u));
}

/* Connectivity TLV (Thread 1.3 §4.4.15; doc §3.3): 7 bytes, or 10 with the
 * SED buffering fields (OpenThread ConnectivityTlv::IsValid). */
struct mle_connectivity {
    uint8_t flags; /* parent priority in bits 7-6 (01 high, 00 medium, 11 low) */
    uint8_t lq3, lq2, lq1;
    uint8_t leader_cost;
    uint8_t id_seq;
    uint8_t active_routers;
    bool has_sed;             /* the two SED fields are present */
    uint16_t sed_buffer_size; /* e.g. 1280 */
    uint8_t sed_datagram_count;
};
/* Parent priority of the flags: +1, 0, -1, or -2 for the reserved 10b. */
int mle_connectivity_priority(const struct mle_connectivity *c);

/* Address Registration entry (Thread 1.3 §4.4.19): control byte 0x80 | cid
 * followed by the 8-byte IID (compressed with 6LoWPAN context cid; context 0
 * is the mesh-local prefix), or control 0x00 followed by the full address. */
struct mle_addr_entry {
    bool compressed;
    uint8_t context_id; /* 0..15, when compressed */
    uint8_t addr[16];   /* compressed: IID in addr[8..15], addr[0..7] zero */
};
#define MLE_ADDR_REG_MAX 28 /* 255 / 9 compressed entries */

struct mle_addr_reg {
    uint8_t n;
    struct mle_addr_entry e[MLE_ADDR_REG_MAX];
};

/* MeshCoP Timestamp (Active/Pending Timestamp TLVs, Thread 1.3 §8.10.1.13):
 * 48-bit seconds, 15-bit ticks, U (authoritative) bit; 8 bytes. */
struct mle_timestamp {
    uint64_t seconds; /* 48 bits */
    uint16_t ticks;   /* 15 bits */
    bool authoritative;
};
/* <0, 0, >0 like memcmp, ordering seconds, then ticks, then U bit. */
int mle_timestamp_cmp(const struct mle_timestamp *a, const struct mle_timestamp *b);

/* Channel / CSL Channel / Wake-up Channel TLV: page u8 || channel u16. */
struct mle_channel {
    uint8_t page;
    uint16_t channel;
};

/* CSL Clock Accuracy TLV: accuracy (ppm) u8 || uncertainty (10 us) u8. */
struct mle_csl_accuracy {
    uint8_t accuracy;
    uint8_t uncertainty;
};

/* ---- typed readers ----------------------------------------------------
 * Each checks t->type against the TLVs that carry that value
 * (MLE_ERR_TLV_TYPE otherwise) and the length (MLE_ERR_TLV_LENGTH).
 */

/* u8: Mode, Scan Mask, Link Margin, Status. */
enum mle_err mle_tlv_u8(const struct mle_tlv *t, uint8_t *v);
/* u16: Source Address, Address16, Version, PAN ID, Supervision Interval, XTAL. */
enum mle_err mle_tlv_u16(const struct mle_tlv *t, uint16_t *v);
/* u32: Timeout, Link/MLE Frame Counter, CSL Timeout. */
enum mle_err mle_tlv_u32(const struct mle_tlv *t, uint32_t *v);
/* Challenge or Response, 4..8 bytes (longer: MLE_ERR_TLV_LENGTH). */
enum mle_err mle_tlv_challenge(const struct mle_tlv *t, struct mle_challenge *c);
enum mle_err mle_tlv_leader_data(const struct mle_tlv *t, struct mle_leader_data *ld);
/* Route data length must equal the number of set mask bits, and the mask
 * must not hold id 63 (MLE_ERR_TLV_VALUE). */
enum mle_err mle_tlv_route64(const struct mle_tlv *t, struct mle_route64 *r);
enum mle_err mle_tlv_connectivity(const struct mle_tlv *t, struct mle_connectivity *c);
/* Every entry must be complete (MLE_ERR_TLV_VALUE otherwise). */
enum mle_err mle_tlv_addr_reg(const struct mle_tlv *t, struct mle_addr_reg *ar);
/* Active or Pending Timestamp. */
enum mle_err mle_tlv_timestamp(const struct mle_tlv *t, struct mle_timestamp *ts);
/* Channel, CSL Channel, Wake-up Channel. */
enum mle_err mle_tlv_channel(const struct mle_tlv *t, struct mle_channel *ch);
enum mle_err mle_tlv_csl_accuracy(const struct mle_tlv *t, struct mle_csl_accuracy *a);

/* Find + typed read in one step (MLE_ERR_TLV_MISSING when absent). */
enum mle_err mle_find_u8(const uint8_t *tlvs, size_t len, uint8_t type, uint8_t *v);
enum mle_err mle_find_u16(const uint8_t *tlvs, size_t len, uint8_t type, uint16_t *v);
enum mle_err mle_find_u32(const uint8_t *tlvs, size_t len, uint8_t type, uint32_t *v);

/* ---- writers ----------------------------------------------------------
 * Append one TLV to w. A value longer than 255 bytes or a full buffer sets
 * w->ok = false (nothing more is written after that).
 */
void mle_put_tlv(struct wr *w, uint8_t type, const void *value, size_t len);
void mle_put_u8(struct wr *w, uint8_t type, uint8_t v);
void mle_put_u16(struct wr *w, uint8_t type, uint16_t v);
void mle_put_u32(struct wr *w, uint8_t type, uint32_t v);
/* type = MLE_TLV_CHALLENGE or MLE_TLV_RESPONSE; c->len must be 4..8. */
void mle_put_challenge(struct wr *w, uint8_t type, const struct mle_challenge *c);
void mle_put_leader_data(struct wr *w, const struct mle_leader_data *ld);
void mle_put_route64(struct wr *w, const struct mle_route64 *r);
void mle_put_connectivity(struct wr *w, const struct mle_connectivity *c);
/* Writes the TLV even with zero entries (OpenThread sends `13 00`). */
void mle_put_addr_reg(struct wr *w, const struct mle_addr_reg *ar);
void mle_put_timestamp(struct wr *w, uint8_t type, const struct mle_timestamp *ts);
void mle_put_channel(struct wr *w, uint8_t type, const struct mle_channel *ch);
void mle_put_csl_accuracy(struct wr *w, const struct mle_csl_accuracy *a);

#endif
