/*
 * IEEE 802.15.4 MAC frame codec (IEEE 802.15.4-2006 clause 7.2).
 *
 * Pure functions over caller-owned buffers: no global state, no I/O, no
 * clock. The unit is the PSDU as carried by OpenThread's simulation radio:
 * MAC header (MHR) .. payload .. MIC .. FCS, at most 127 bytes
 * (aMaxPHYPacketSize, 6.4.1).
 *
 * Supported: frame versions 0 (802.15.4-2003) and 1 (802.15.4-2006), which is
 * what OpenThread sends for every data frame and Imm-Ack (7.2.1.1.7). Version
 * 2 (802.15.4-2015: IEs, different PAN ID compression table) and the reserved
 * version 3 are rejected with MAC_ERR_UNSUPPORTED_VERSION.
 *
 * Byte order on air is little-endian for every multi-byte MAC field
 * (7.2.1). In struct mac_frame, integers are host values and extended
 * addresses are kept in "extaddr print order": the order OpenThread's
 * `extaddr` command prints and the order used in the CCM* nonce (7.6.3.2),
 * i.e. the on-air 8 bytes reversed. ext[0] is the most significant byte (it
 * is sent last). Example: on air 59 be cd f3 e8 96 95 d2 is stored as
 * d2 95 96 e8 f3 cd be 59.
 */
#ifndef TBR_MAC_MAC_FRAME_H
#define TBR_MAC_MAC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* aMaxPHYPacketSize (6.4.1): the largest PSDU, FCS included. */
#define MAC_PSDU_MAX 127
/* Length of the FCS (7.2.1.9). */
#define MAC_FCS_LEN 2
/* Length of an Imm-Ack PSDU: FCF (2), sequence number (1), FCS (2) (7.2.2.3). */
#define MAC_ACK_LEN 5
/* Length of an extended address (7.2.1.4). */
#define MAC_EXT_ADDR_LEN 8
/* Broadcast short address and PAN ID (7.2.1.3, 7.2.1.4). */
#define MAC_SHORT_BROADCAST 0xffff

/*
 * Why a frame was rejected (or could not be built). MAC_OK is 0; every other
 * value names one reason so that a caller can count drops by cause.
 */
enum mac_err {
    MAC_OK = 0,
    MAC_ERR_TRUNCATED,            /* the bytes end inside a header field or the MIC */
    MAC_ERR_TOO_LONG,             /* PSDU longer than aMaxPHYPacketSize (127) */
    MAC_ERR_BAD_FCS,              /* FCS does not match the CRC of the frame */
    MAC_ERR_UNSUPPORTED_VERSION,  /* frame version 2 (2015) or 3 (reserved) */
    MAC_ERR_BAD_FRAME_TYPE,       /* frame type 4..7 (reserved in 2006) */
    MAC_ERR_RESERVED_BITS,        /* FCF bits 7..9 set (reserved in 2003/2006) */
    MAC_ERR_BAD_ADDR_MODE,        /* mode 1, or a combination 7.2.2 does not allow */
    MAC_ERR_MALFORMED,            /* other structure errors (Ack with payload, ...) */
    MAC_ERR_UNSUPPORTED_SECURITY, /* level/key id mode not usable here, legacy 2003 sec */
    MAC_ERR_NOT_SECURED,          /* security processing asked for an unsecured frame */
    MAC_ERR_SECURITY,             /* CCM* MIC check failed (or the cipher failed) */
    MAC_ERR_COUNTER,              /* frame counter 0xffffffff (exhausted, 7.5.8.2) */
    MAC_ERR_REPLAY,               /* frame counter not newer than the last accepted */
    MAC_ERR_NO_SPACE,             /* output buffer too small */
    MAC_ERR_INVALID_ARG,          /* the caller's header values are out of range */
};

/* A fixed English description of err (never NULL). */
const char *mac_strerror(enum mac_err err);

/* Frame Type subfield (7.2.1.1.1). */
enum mac_frame_type {
    MAC_FRAME_BEACON = 0,
    MAC_FRAME_DATA = 1,
    MAC_FRAME_ACK = 2,
    MAC_FRAME_CMD = 3,
};

/* Frame Version subfield (7.2.1.1.7). */
enum mac_frame_version {
    MAC_VERSION_2003 = 0,
    MAC_VERSION_2006 = 1,
    MAC_VERSION_2015 = 2, /* recognised only to be rejected */
};

/* Destination/Source Addressing Mode subfields (7.2.1.1.6, 7.2.1.1.8).
 * Mode 1 is reserved. */
enum mac_addr_mode {
    MAC_ADDR_NONE = 0,
    MAC_ADDR_SHORT = 2,
    MAC_ADDR_EXT = 3,
};

struct mac_addr {
    enum mac_addr_mode mode;
    uint16_t short_addr;           /* valid for MAC_ADDR_SHORT */
    uint8_t ext[MAC_EXT_ADDR_LEN]; /* valid for MAC_ADDR_EXT; extaddr print order */
};

/* Security levels (7.6.2.2.1). Thread uses ENC-MIC-32. */
#define MAC_SEC_LEVEL_ENC_MIC_32 5
/* Key identifier modes (7.6.2.2.2). Thread uses mode 1. */
#define MAC_KEY_ID_MODE_INDEX 1

/* Auxiliary security header (7.6.2), present when security_enabled. */
struct mac_aux_sec {
    uint8_t level;          /* Security Level, 1..7 (0 is rejected on receive) */
    uint8_t key_id_mode;    /* Key Identifier Mode, 0..3 */
    uint32_t frame_counter; /* 7.6.2.3, host value (LE32 on air) */
    uint8_t key_source[8];  /* 7.6.2.4.1: raw on-air bytes, key_source_len of them */
    uint8_t key_source_len; /* 0 (modes 0, 1), 4 (mode 2) or 8 (mode 3) */
    uint8_t key_index;      /* 7.6.2.4.2, valid when key_id_mode != 0 */
};

/*
 * A parsed frame: a view into the PSDU passed to mac_frame_parse, and the
 * header description mac_frame_build takes.
 */
struct mac_frame {
    enum mac_frame_type type;
    enum mac_frame_version version;
    bool security_enabled;   /* 7.2.1.1.2 */
    bool frame_pending;      /* 7.2.1.1.3 */
    bool ack_request;        /* 7.2.1.1.4 */
    bool pan_id_compression; /* 7.2.1.1.5: only with both addresses present */
    uint8_t seq;             /* 7.2.1.2 */
    uint16_t dst_pan;        /* 7.2.1.3, valid when dst.mode != NONE */
    uint16_t src_pan;        /* 7.2.1.5, valid when src.mode != NONE; equals dst_pan when
                              * pan_id_compression (it is then not on air) */
    struct mac_addr dst;     /* 7.2.1.4 */
    struct mac_addr src;     /* 7.2.1.6 */
    struct mac_aux_sec sec;  /* 7.2.1.7, valid when security_enabled */

    /* Filled by mac_frame_parse only (ignored by mac_frame_build): */
    size_t header_len;      /* MHR length incl. the aux security header (= CCM* a data) */
    const uint8_t *payload; /* into the PSDU; ciphertext while the frame is secured */
    size_t payload_len;     /* without MIC and FCS */
    const uint8_t *mic;     /* into the PSDU, mic_len bytes (NULL when mic_len is 0) */
    size_t mic_len;         /* 0, 4, 8 or 16 by security level (7.6.2.2.1) */
};

/* CRC-16/KERMIT (ITU-T CRC-16, poly 0x1021 reflected, init 0, no final XOR),
 * the 802.15.4 FCS (7.2.1.9). The FCS is sent little-endian. Check value:
 * "123456789" gives 0x2189. */
uint16_t mac_crc16_kermit(const uint8_t *data, size_t len);

/* MIC length in bytes for a security level (7.6.2.2.1): 0, 4, 8 or 16. */
size_t mac_mic_len(uint8_t level);

/*
 * Parses and validates a PSDU (FCS included).
 *
 * @param[in]  psdu  the frame, len bytes; borrowed: out->payload and out->mic
 *                   point into it.
 * @param[out] out   filled on MAC_OK; unspecified otherwise.
 * @retval MAC_OK                       valid frame, FCS correct.
 * @retval MAC_ERR_TOO_LONG             len > 127.
 * @retval MAC_ERR_TRUNCATED            len < 5, or a header field/the MIC does not fit.
 * @retval MAC_ERR_BAD_FCS              the FCS (last 2 bytes, LE) is wrong.
 * @retval MAC_ERR_BAD_FRAME_TYPE, MAC_ERR_UNSUPPORTED_VERSION, MAC_ERR_RESERVED_BITS,
 *         MAC_ERR_BAD_ADDR_MODE, MAC_ERR_MALFORMED, MAC_ERR_UNSUPPORTED_SECURITY
 *                                      see enum mac_err.
 * Rules checked (802.15.4-2006): 7.2.1.1 (FCF), PAN ID compression only with
 * both addresses present (7.2.1.1.5), Beacon: source only (7.2.2.1), Data and
 * MAC command: at least one address (7.2.2.2, 7.2.2.4), command payload at
 * least 1 byte, Ack: exactly FCF + seq, no addresses, no security (7.2.2.3);
 * security needs version >= 2006 and a non-zero level, reserved security
 * control bits clear (7.6.2.2).
 * The security content is not checked here (see mac_security.h).
 */
enum mac_err mac_frame_parse(const uint8_t *psdu, size_t len, struct mac_frame *out);

/*
 * Builds a PSDU: MHR (with aux security header when hdr->security_enabled),
 * payload, hdr->sec.level's MIC room (zeroed) and a correct FCS. A secured
 * frame is built in plaintext; mac_security_protect() then encrypts it in
 * place and fills the MIC. header_len/payload/mic fields of hdr are ignored.
 * The frame control field is derived from hdr; src_pan is not written when
 * hdr->pan_id_compression.
 *
 * @param[in]  hdr      header fields; must satisfy the rules mac_frame_parse
 *                      checks (otherwise MAC_ERR_INVALID_ARG).
 * @param[in]  payload  plen bytes (may be NULL when plen is 0).
 * @param[out] out      cap bytes of storage.
 * @param[out] out_len  the PSDU length, on MAC_OK.
 * @retval MAC_OK, MAC_ERR_INVALID_ARG, MAC_ERR_NO_SPACE (cap too small),
 *         MAC_ERR_TOO_LONG (the PSDU would exceed 127 bytes).
 */
enum mac_err mac_frame_build(const struct mac_frame *hdr, const uint8_t *payload, size_t plen,
                             uint8_t *out, size_t cap, size_t *out_len);

/*
 * Builds the 5-byte Imm-Ack (7.2.2.3): FCF (type Ack, frame_pending, version)
 * || seq || FCS. The version copies that of the acknowledged frame (0 or 1).
 * Example: seq 0x34, frame pending, 2006 gives 12 10 34 1b d2.
 * @retval MAC_OK (out_len = 5), MAC_ERR_INVALID_ARG (version not 0/1),
 *         MAC_ERR_NO_SPACE (cap < 5).
 */
enum mac_err mac_ack_build(uint8_t seq, bool frame_pending, enum mac_frame_version version,
                           uint8_t *out, size_t cap, size_t *out_len);

#endif
