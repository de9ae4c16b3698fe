/*
 * The Spinel codec (draft-rquattle-spinel-unified; numbers and names from
 * OpenThread's src/lib/spinel/spinel.h): frame header, packed unsigned
 * integers, the commands, properties and status codes an RCP host needs,
 * bounded readers of the value formats (little-endian, on util/rd.h),
 * builders for what the host sends and parsers for what an RCP sends.
 *
 * A Spinel frame is: header byte (flag 0x80 | IID << 4 | TID), command
 * (packed uint), property (packed uint), value bytes.
 */
#ifndef TBR_RADIO_SPINEL_H
#define TBR_RADIO_SPINEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rd.h"

#define SPINEL_HEADER_FLAG 0x80
#define SPINEL_HEADER_FLAG_MASK 0xC0
#define SPINEL_HEADER_IID_SHIFT 4
#define SPINEL_HEADER_IID_MASK 0x30
#define SPINEL_HEADER_TID_MASK 0x0F
#define SPINEL_PROTOCOL_VERSION_THREAD_MAJOR 4
/* OpenThread's host side (spinel.h, August 2025): our RCP API version, and
 * the oldest RCP API a host accepts. */
#define SPINEL_RCP_API_VERSION 11
#define SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION 4
#define SPINEL_FRAME_MAX_SIZE 1300
#define SPINEL_PACKED_UINT_MAX_LEN 5   /* a uint32 in 7-bit groups */
#define SPINEL_RADIO_POWER_INVALID 127 /* OT_RADIO_POWER_INVALID: "no per-frame power" */

enum spinel_cmd {
    SPINEL_CMD_NOOP = 0,
    SPINEL_CMD_RESET = 1,
    SPINEL_CMD_PROP_VALUE_GET = 2,
    SPINEL_CMD_PROP_VALUE_SET = 3,
    SPINEL_CMD_PROP_VALUE_INSERT = 4,
    SPINEL_CMD_PROP_VALUE_REMOVE = 5,
    SPINEL_CMD_PROP_VALUE_IS = 6,
    SPINEL_CMD_PROP_VALUE_INSERTED = 7,
    SPINEL_CMD_PROP_VALUE_REMOVED = 8,
};

enum spinel_reset_type {
    SPINEL_RESET_PLATFORM = 1,
    SPINEL_RESET_STACK = 2,
};

enum spinel_status {
    SPINEL_STATUS_OK = 0,
    SPINEL_STATUS_FAILURE = 1,
    SPINEL_STATUS_UNIMPLEMENTED = 2,
    SPINEL_STATUS_INVALID_ARGUMENT = 3,
    SPINEL_STATUS_INVALID_STATE = 4,
    SPINEL_STATUS_INVALID_COMMAND = 5,
    SPINEL_STATUS_INVALID_INTERFACE = 6,
    SPINEL_STATUS_INTERNAL_ERROR = 7,
    SPINEL_STATUS_SECURITY_ERROR = 8,
    SPINEL_STATUS_PARSE_ERROR = 9,
    SPINEL_STATUS_IN_PROGRESS = 10,
    SPINEL_STATUS_NOMEM = 11,
    SPINEL_STATUS_BUSY = 12,
    SPINEL_STATUS_PROP_NOT_FOUND = 13,
    SPINEL_STATUS_DROPPED = 14,
    SPINEL_STATUS_EMPTY = 15,
    SPINEL_STATUS_CMD_TOO_BIG = 16,
    SPINEL_STATUS_NO_ACK = 17,
    SPINEL_STATUS_CCA_FAILURE = 18,
    SPINEL_STATUS_ALREADY = 19,
    SPINEL_STATUS_ITEM_NOT_FOUND = 20,
    SPINEL_STATUS_RESET__BEGIN = 112,
    SPINEL_STATUS_RESET_POWER_ON = 112,
    SPINEL_STATUS_RESET_EXTERNAL = 113,
    SPINEL_STATUS_RESET_SOFTWARE = 114,
    SPINEL_STATUS_RESET_FAULT = 115,
    SPINEL_STATUS_RESET_CRASH = 116,
    SPINEL_STATUS_RESET_ASSERT = 117,
    SPINEL_STATUS_RESET_OTHER = 118,
    SPINEL_STATUS_RESET_UNKNOWN = 119,
    SPINEL_STATUS_RESET_WATCHDOG = 120,
    SPINEL_STATUS_RESET__END = 128,
    /* otError values, as NcpBase::ThreadErrorToSpinelStatus passes them */
    SPINEL_STATUS_STACK_NATIVE__BEGIN = 16384,
};

/* otError OT_ERROR_ABORT (11) as a Spinel status: a transmission aborted. */
#define SPINEL_STATUS_OT_ABORT (SPINEL_STATUS_STACK_NATIVE__BEGIN + 11)

enum spinel_cap {
    SPINEL_CAP_CONFIG_RADIO = 34,
    SPINEL_CAP_RCP_API_VERSION = 64,
    SPINEL_CAP_RCP_MIN_HOST_API_VERSION = 65,
    SPINEL_CAP_MAC_RAW = 513,
};

enum spinel_prop {
    SPINEL_PROP_LAST_STATUS = 0,
    SPINEL_PROP_PROTOCOL_VERSION = 1,
    SPINEL_PROP_NCP_VERSION = 2,
    SPINEL_PROP_CAPS = 5,
    SPINEL_PROP_HWADDR = 8,
    SPINEL_PROP_PHY_ENABLED = 0x20,
    SPINEL_PROP_PHY_CHAN = 0x21,
    SPINEL_PROP_PHY_TX_POWER = 0x25,
    SPINEL_PROP_MAC_SCAN_STATE = 0x30,
    SPINEL_PROP_MAC_SCAN_MASK = 0x31,
    SPINEL_PROP_MAC_SCAN_PERIOD = 0x32,
    SPINEL_PROP_MAC_15_4_LADDR = 0x34,
    SPINEL_PROP_MAC_15_4_SADDR = 0x35,
    SPINEL_PROP_MAC_15_4_PANID = 0x36,
    SPINEL_PROP_MAC_RAW_STREAM_ENABLED = 0x37,
    SPINEL_PROP_MAC_PROMISCUOUS_MODE = 0x38,
    SPINEL_PROP_MAC_ENERGY_SCAN_RESULT = 0x39,
    SPINEL_PROP_STREAM_DEBUG = 0x70,
    SPINEL_PROP_STREAM_RAW = 0x71,
    SPINEL_PROP_RCP_API_VERSION = 0xB0,
    SPINEL_PROP_RCP_MIN_HOST_API_VERSION = 0xB1,
    SPINEL_PROP_RADIO_CAPS = 0x120B,
    SPINEL_PROP_MAC_SRC_MATCH_ENABLED = 0x1303,
    SPINEL_PROP_MAC_SRC_MATCH_SHORT_ADDRESSES = 0x1304,
    SPINEL_PROP_MAC_SRC_MATCH_EXTENDED_ADDRESSES = 0x1305,
};

enum {
    SPINEL_SCAN_STATE_IDLE = 0,
    SPINEL_SCAN_STATE_ENERGY = 2,
};

/* Received-frame flags (SPINEL_MD_FLAG_*). */
enum {
    SPINEL_MD_FLAG_TX = 0x0001,
    SPINEL_MD_FLAG_BAD_FCS = 0x0004,
    SPINEL_MD_FLAG_DUPE = 0x0008,
    SPINEL_MD_FLAG_ACKED_FP = 0x0010,
    SPINEL_MD_FLAG_ACKED_SEC = 0x0020,
};

/* True for the LAST_STATUS values that announce a reset (RESET_* range;
 * OT's RadioSpinel::HandleValueIs takes BEGIN..END inclusive). */
bool spinel_status_is_reset(uint32_t status);

/* ---- packed unsigned integers (EXI-style, 7 bits a byte, LSB first) ---- */

/* Writes v; returns its length (1..5). out must hold 5 bytes. */
size_t spinel_packed_uint_encode(uint32_t v, uint8_t out[SPINEL_PACKED_UINT_MAX_LEN]);
/* Bounded reads. False (rd unchanged where it matters: the frame is bad)
 * when short, over 5 bytes or over 32 bits. */
bool spinel_rd_uint(struct rd *r, uint32_t *out);
bool spinel_rd_bool(struct rd *r, bool *out);
bool spinel_rd_le16(struct rd *r, uint16_t *out);
bool spinel_rd_le32(struct rd *r, uint32_t *out);
bool spinel_rd_le64(struct rd *r, uint64_t *out);
/* "d": 16-bit little-endian length, then that many bytes (*p points into r). */
bool spinel_rd_data_wlen(struct rd *r, const uint8_t **p, size_t *len);
/* "U": NUL-terminated UTF-8 (the terminator may be missing at the end of the
 * value); copied into out (cap >= 1), truncated, always NUL-terminated. */
bool spinel_rd_utf8(struct rd *r, char *out, size_t cap);

void spinel_wr_uint(struct wr *w, uint32_t v);
void spinel_wr_le16(struct wr *w, uint16_t v);
void spinel_wr_le32(struct wr *w, uint32_t v);
void spinel_wr_data_wlen(struct wr *w, const uint8_t *p, size_t len);

/* ---- frames ---- */

struct spinel_frame {
    uint8_t header;
    uint8_t iid, tid;
    uint32_t cmd;
    uint32_t prop;        /* 0 when the command has none (NOOP, RESET) */
    const uint8_t *value; /* into the parsed buffer */
    size_t value_len;
};

/* Parses header, command and (for PROP_VALUE_* commands) property.
 * @retval false not a Spinel frame (flag bits, truncated packed ints). */
bool spinel_frame_parse(const uint8_t *p, size_t n, struct spinel_frame *f);

/* Header byte, command and property: the start of every host frame.
 * tid 0..15; iid 0..3. */
void spinel_wr_header(struct wr *w, uint8_t iid, uint8_t tid, uint32_t cmd, uint32_t prop);
/* CMD_RESET with a reset type (SpinelDriver::SendReset). */
void spinel_build_reset(struct wr *w, uint8_t iid, uint8_t tid, uint8_t reset_type);

/*
 * STREAM_RAW transmit request, as RadioSpinel::Transmit packs it and
 * NcpBase::DecodeStreamRawTxRequest reads it: PSDU (d), channel, max CSMA
 * backoffs, max frame retries, CSMA/CA enabled, header updated, is a
 * retransmission, security processed, TX delay, TX delay base time, RX
 * channel after TX done, TX power. The host secures frames itself, so
 * header-updated and security-processed are true: the RCP neither sets a
 * frame counter nor encrypts.
 */
struct spinel_tx_request {
    const uint8_t *psdu;
    size_t len;
    uint8_t channel;
    uint8_t max_csma_backoffs;
    uint8_t max_frame_retries;
    bool csma_ca;
    uint8_t rx_channel_after; /* receive channel once done */
};
void spinel_build_stream_raw_tx(struct wr *w, uint8_t iid, uint8_t tid,
                                const struct spinel_tx_request *req);

/*
 * A radio frame with its metadata (RadioSpinel::ParseRadioFrame,
 * NcpBase::PackRadioFrame): PSDU (d, FCS included), RSSI, noise floor,
 * flags (LE16), PHY data struct {channel, LQI, timestamp us (LE64)}, vendor
 * data struct {receive error (packed otError)}. Later structs (MAC data) are
 * left in the reader.
 */
struct spinel_radio_frame {
    const uint8_t *psdu;
    size_t len;
    int8_t rssi;
    int8_t noise_floor;
    uint16_t flags;
    uint8_t channel;
    uint8_t lqi;
    uint64_t timestamp_us;
    uint32_t rx_error; /* otError, 0: none */
};
bool spinel_parse_radio_frame(struct rd *r, struct spinel_radio_frame *f);

/* LAST_STATUS value: the status (packed uint). */
bool spinel_parse_last_status(const uint8_t *v, size_t n, uint32_t *status);

/*
 * The transmit-done answer (NcpBase::LinkRawTransmitDone,
 * RadioSpinel::HandleTransmitDone): LAST_STATUS value = status, frame
 * pending (b), header updated (b), then for status OK the ACK as a radio
 * frame (length 0: no ACK). A non-OK status without the rest is the RCP
 * refusing the request at once (WriteLastStatusFrame): has_flags false.
 */
struct spinel_tx_done {
    uint32_t status;
    bool has_flags;
    bool frame_pending;
    bool header_updated;
    bool has_ack;
    struct spinel_radio_frame ack;
};
bool spinel_parse_tx_done(const uint8_t *v, size_t n, struct spinel_tx_done *d);

/* PROTOCOL_VERSION value: major, minor (packed uints). */
bool spinel_parse_protocol_version(const uint8_t *v, size_t n, unsigned *major, unsigned *minor);

/* CAPS value: a list of packed uints. @retval false malformed. */
bool spinel_caps_has(const uint8_t *v, size_t n, uint32_t cap, bool *has);

/* MAC_ENERGY_SCAN_RESULT value: channel (C), max RSSI (c). */
bool spinel_parse_energy_scan_result(const uint8_t *v, size_t n, uint8_t *channel, int8_t *rssi);

#endif
