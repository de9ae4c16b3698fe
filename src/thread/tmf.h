/*
 * Thread Management Framework (TMF) messages: CoAP (coap/coap.h) over UDP
 * port 61631, with Thread network-layer TLVs as the payload.
 *
 * Thread 1.4 specification chapter 5 (Network Layer): §5.19 Network Layer
 * TLVs (Target EID, Extended MAC Address, RLOC16, ML-EID, Status, Time Since
 * Last Transaction, Router Mask, Thread Network Data), §5.20 the CoAP
 * resources a/aq, a/an, a/ae (address resolution), a/as, a/ar (router ID
 * assignment) and a/sd (Server Data, also chapter 5.15 Network Data).
 * OpenThread's type numbers: src/core/thread/thread_tlvs.hpp.
 *
 * A TLV is type (1) | length (1) | value. A length byte of 255 means the
 * length follows as a big-endian u16 (the extended form OpenThread accepts).
 * Unknown TLVs are skipped; a known TLV longer than its fixed size is
 * accepted and the extra bytes ignored (forward compatibility), a shorter one
 * is an error; a known TLV appearing twice is an error.
 *
 * Builders write the TLVs in OpenThread's order, so that what they build for
 * the values of a captured message is that message byte for byte.
 * Pure functions over caller-owned buffers; no state, no I/O.
 */
#ifndef TBR_THREAD_TMF_H
#define TBR_THREAD_TMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap/coap.h"

#define TMF_UDP_PORT 61631

/* Network-layer TLV types (Thread §5.19; thread_tlvs.hpp). */
enum tmf_tlv_type {
    TMF_TLV_TARGET_EID = 0,            /* 16: IPv6 address */
    TMF_TLV_EXT_MAC_ADDR = 1,          /* 8: extended address (extaddr order) */
    TMF_TLV_RLOC16 = 2,                /* 2 */
    TMF_TLV_ML_EID = 3,                /* 8: ML-EID interface identifier */
    TMF_TLV_STATUS = 4,                /* 1: meaning depends on the message */
    TMF_TLV_LAST_TRANSACTION_TIME = 6, /* 4: seconds since last transaction */
    TMF_TLV_ROUTER_MASK = 7,           /* 9: ID sequence + 64-bit mask */
    TMF_TLV_ND_OPTION = 8,
    TMF_TLV_ND_DATA = 9,
    TMF_TLV_NETWORK_DATA = 10, /* variable: Thread Network Data TLVs (opaque here) */
    TMF_TLV_TIMEOUT = 11,      /* 4 */
    TMF_TLV_NETWORK_NAME = 12,
    TMF_TLV_IP6_ADDRESSES = 14,
    TMF_TLV_COMMISSIONER_SESSION_ID = 15,
};

#define TMF_TLV_EXTENDED_LEN 255 /* length byte meaning "u16 length follows" */

/* Status TLV values in an Address Solicit response (mle.hpp). */
enum tmf_addr_solicit_status {
    TMF_STATUS_SUCCESS = 0,
    TMF_STATUS_NO_ADDRESS_AVAILABLE = 1,
    TMF_STATUS_UNRECOGNIZED_REASON = 6,
};

/* Status TLV values in an Address Solicit request: the upgrade reason
 * (mle_types.hpp RouterUpgradeReason). */
enum tmf_addr_solicit_reason {
    TMF_REASON_TOO_FEW_ROUTERS = 2,
    TMF_REASON_HAVE_CHILD_ID_REQUEST = 3,
    TMF_REASON_PARENT_PARTITION_CHANGE = 4,
    TMF_REASON_BORDER_ROUTER_REQUEST = 5,
};

/* The TMF resources this module knows. */
enum tmf_uri {
    TMF_URI_UNKNOWN = 0,
    TMF_URI_ADDR_QUERY,   /* "a/aq" */
    TMF_URI_ADDR_NOTIFY,  /* "a/an" */
    TMF_URI_ADDR_ERROR,   /* "a/ae" */
    TMF_URI_ADDR_SOLICIT, /* "a/as" */
    TMF_URI_ADDR_RELEASE, /* "a/ar" */
    TMF_URI_SERVER_DATA,  /* "a/sd" */
};

enum tmf_err {
    TMF_OK = 0,
    TMF_ERR_TRUNCATED,     /* a TLV header or value runs past the payload */
    TMF_ERR_TLV_LEN,       /* a known TLV is shorter than its fixed size */
    TMF_ERR_DUPLICATE_TLV, /* a known TLV appears twice */
    TMF_ERR_MISSING_TLV,   /* a TLV the message requires is absent */
    TMF_ERR_NOT_TMF,       /* CoAP message is not a TMF request/response we handle */
    TMF_ERR_COAP,          /* the CoAP layer failed (see the coap_err out-parameter) */
    TMF_ERR_NO_SPACE,      /* output buffer too small */
    TMF_ERR_INVALID_ARG,   /* caller's values out of range */
};

/* The enumerator's name, e.g. "TMF_ERR_MISSING_TLV" (never NULL). */
const char *tmf_err_name(enum tmf_err err);

/* "a/aq" etc., or NULL for TMF_URI_UNKNOWN. */
const char *tmf_uri_path(enum tmf_uri uri);

/* Which resource m's Uri-Path names (TMF_URI_UNKNOWN if none we know). */
enum tmf_uri tmf_uri_of(const struct coap_msg *m);

/* ---- TLV set -------------------------------------------------------------- */

struct tmf_router_mask {
    uint8_t id_seq;
    uint8_t mask[8]; /* bit (0x80 >> (id % 8)) of byte id / 8 = router id allocated */
};

/* Every known TLV found in a payload; present has bit (1 << type) set for
 * each. Pointers point into the parsed payload. */
struct tmf_tlvs {
    uint32_t present;
    uint8_t target_eid[16];
    uint8_t ext_mac[8];
    uint16_t rloc16;
    uint8_t ml_eid[8];
    uint8_t status;
    uint32_t last_transaction_time;
    struct tmf_router_mask router_mask;
    uint32_t timeout;
    const uint8_t *network_data; /* value of the Thread Network Data TLV */
    size_t network_data_len;
};

static inline bool tmf_has(const struct tmf_tlvs *t, enum tmf_tlv_type type)
{
    return (t->present >> (unsigned)type) & 1u;
}

/*
 * Scans all TLVs of a TMF payload (untrusted). Known TLVs with a fixed size
 * are decoded (see the rules at the top); others are skipped.
 * @retval TMF_OK, TMF_ERR_TRUNCATED, TMF_ERR_TLV_LEN, TMF_ERR_DUPLICATE_TLV.
 */
enum tmf_err tmf_tlvs_parse(const uint8_t *payload, size_t len, struct tmf_tlvs *out);

static inline bool tmf_router_mask_has(const struct tmf_router_mask *m, unsigned id)
{
    return id < 64 && (m->mask[id / 8] & (0x80u >> (id % 8)));
}

static inline void tmf_router_mask_set(struct tmf_router_mask *m, unsigned id)
{
    if (id < 64)
        m->mask[id / 8] |= (uint8_t)(0x80u >> (id % 8));
}

/* ---- messages ------------------------------------------------------------- */

/* a/aq Address Query (NON POST to ff03::2): Target EID. */
struct tmf_addr_query {
    uint8_t target_eid[16];
};

/* a/an Address Notification (CON POST to the querier's RLOC): Target EID,
 * ML-EID IID, RLOC16 [, Time Since Last Transaction when answering for a
 * sleepy/MTD child]. */
struct tmf_addr_notify {
    uint8_t target_eid[16];
    uint8_t ml_eid[8];
    uint16_t rloc16;
    bool has_last_transaction_time;
    uint32_t last_transaction_time;
};

/* a/ae Address Error: Target EID, ML-EID IID. */
struct tmf_addr_error {
    uint8_t target_eid[16];
    uint8_t ml_eid[8];
};

/* a/as Address Solicit (CON POST to the leader): Extended MAC Address
 * [, RLOC16 requested], Status = reason. */
struct tmf_addr_solicit {
    uint8_t ext_mac[8];
    bool has_rloc16;
    uint16_t rloc16;
    uint8_t reason; /* enum tmf_addr_solicit_reason */
};

/* Address Solicit response (2.04): Status [, RLOC16, Router Mask]; both are
 * required when status is TMF_STATUS_SUCCESS. */
struct tmf_addr_solicit_rsp {
    uint8_t status; /* enum tmf_addr_solicit_status */
    bool has_rloc16;
    uint16_t rloc16;
    bool has_router_mask;
    struct tmf_router_mask router_mask;
};

/* a/ar Address Release: RLOC16, Extended MAC Address. */
struct tmf_addr_release {
    uint16_t rloc16;
    uint8_t ext_mac[8];
};

/* a/sd Server Data (CON POST to the leader ALOC): [Thread Network Data TLV
 * (the sender's network data, opaque here)] [, RLOC16 = old RLOC16 whose
 * entries to remove]. At least one is present. */
struct tmf_server_data {
    bool has_network_data;
    const uint8_t *network_data; /* points into the parsed payload / caller's data */
    size_t network_data_len;
    bool has_rloc16;
    uint16_t rloc16;
};

/*
 * Parsers: payload = the CoAP payload (may be NULL with len 0).
 * @retval TMF_OK, the tmf_tlvs_parse errors, TMF_ERR_MISSING_TLV.
 */
enum tmf_err tmf_parse_addr_query(const uint8_t *payload, size_t len, struct tmf_addr_query *out);
enum tmf_err tmf_parse_addr_notify(const uint8_t *payload, size_t len, struct tmf_addr_notify *out);
enum tmf_err tmf_parse_addr_error(const uint8_t *payload, size_t len, struct tmf_addr_error *out);
enum tmf_err tmf_parse_addr_solicit(const uint8_t *payload, size_t len,
                                    struct tmf_addr_solicit *out);
enum tmf_err tmf_parse_addr_solicit_rsp(const uint8_t *payload, size_t len,
                                        struct tmf_addr_solicit_rsp *out);
enum tmf_err tmf_parse_addr_release(const uint8_t *payload, size_t len,
                                    struct tmf_addr_release *out);
enum tmf_err tmf_parse_server_data(const uint8_t *payload, size_t len, struct tmf_server_data *out);

/*
 * Builders: write the TLV payload into out[cap], *out_len = its length.
 * @retval TMF_OK, TMF_ERR_NO_SPACE, TMF_ERR_INVALID_ARG (NULL where data is
 *         needed, network data longer than 65535).
 */
enum tmf_err tmf_build_addr_query(const struct tmf_addr_query *m, uint8_t *out, size_t cap,
                                  size_t *out_len);
enum tmf_err tmf_build_addr_notify(const struct tmf_addr_notify *m, uint8_t *out, size_t cap,
                                   size_t *out_len);
enum tmf_err tmf_build_addr_error(const struct tmf_addr_error *m, uint8_t *out, size_t cap,
                                  size_t *out_len);
enum tmf_err tmf_build_addr_solicit(const struct tmf_addr_solicit *m, uint8_t *out, size_t cap,
                                    size_t *out_len);
enum tmf_err tmf_build_addr_solicit_rsp(const struct tmf_addr_solicit_rsp *m, uint8_t *out,
                                        size_t cap, size_t *out_len);
enum tmf_err tmf_build_addr_release(const struct tmf_addr_release *m, uint8_t *out, size_t cap,
                                    size_t *out_len);
enum tmf_err tmf_build_server_data(const struct tmf_server_data *m, uint8_t *out, size_t cap,
                                   size_t *out_len);

/*
 * A whole TMF request: POST (type CON or NON) to uri with the given message
 * ID and token (OpenThread uses 2 bytes), Uri-Path options, then 0xFF and
 * the payload when plen > 0.
 * @param[out] cerr  the CoAP error when TMF_ERR_COAP is returned (may be NULL).
 * @retval TMF_OK, TMF_ERR_INVALID_ARG (unknown uri, type not CON/NON),
 *         TMF_ERR_COAP.
 */
enum tmf_err tmf_build_request(enum coap_type type, uint16_t mid, const uint8_t *token,
                               size_t token_len, enum tmf_uri uri, const uint8_t *payload,
                               size_t plen, uint8_t *out, size_t cap, size_t *out_len,
                               enum coap_err *cerr);

/*
 * A whole response to req (§5.2 of RFC 7252): piggybacked ACK for a CON
 * (same MID and token), NON with new_mid otherwise; code usually 2.04.
 * @retval TMF_OK, TMF_ERR_COAP.
 */
enum tmf_err tmf_build_response(const struct coap_msg *req, uint8_t code, uint16_t new_mid,
                                const uint8_t *payload, size_t plen, uint8_t *out, size_t cap,
                                size_t *out_len, enum coap_err *cerr);

/*
 * The border router's refusal of an Address Solicit (interop doc §3.8): 2.04
 * Changed piggybacked on the ACK, payload Status TLV = 1 (no address
 * available), i.e. 04 01 01.
 * @retval TMF_OK, TMF_ERR_NOT_TMF (req is not a CON/NON a/as POST),
 *         TMF_ERR_COAP.
 */
enum tmf_err tmf_build_addr_solicit_reject(const struct coap_msg *req, uint16_t new_mid,
                                           uint8_t *out, size_t cap, size_t *out_len,
                                           enum coap_err *cerr);

#endif
