/*
 * HDLC-lite framing of the Spinel byte stream, as OpenThread's src/lib/hdlc
 * (hdlc.cpp) does it: RFC 1662 async framing without address/control
 * fields. A frame is FLAG, the payload and its FCS with the special bytes
 * escaped, FLAG.
 *
 *   - flag 0x7E; escape 0x7D followed by the byte xor 0x20; escaped bytes are
 *     0x7E, 0x7D, 0x11 (XON), 0x13 (XOFF) and 0xF8 (OT's kFlagSpecial);
 *   - FCS-16 (RFC 1662 appendix C.2: reflected CRC-CCITT, initial 0xFFFF,
 *     complemented), sent little-endian after the payload.
 *
 * Pure codec: the encoder writes into a caller buffer, the decoder is a
 * streaming state machine over a fixed buffer that calls back once per good
 * frame and counts the bad ones by reason. Nothing allocates.
 */
#ifndef TBR_RADIO_HDLC_H
#define TBR_RADIO_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDLC_FLAG 0x7E
#define HDLC_ESCAPE 0x7D
#define HDLC_ESCAPE_XOR 0x20
#define HDLC_FCS_INIT 0xFFFF
#define HDLC_FCS_GOOD 0xF0B8 /* RFC 1662 C.2: the FCS over payload + its FCS */
#define HDLC_FCS_LEN 2
/* Largest payload (FCS excluded) the decoder accepts; OpenThread's host
 * buffer is 2048 bytes (hdlc_interface.hpp kMaxFrameSize). */
#define HDLC_FRAME_MAX 2048
/* Worst-case encoded size of an n-byte payload: two flags, everything escaped. */
#define HDLC_ENCODED_MAX(n) (2 + 2 * ((size_t)(n) + HDLC_FCS_LEN))

/* Updates fcs over n bytes (start with HDLC_FCS_INIT). */
uint16_t hdlc_fcs(uint16_t fcs, const uint8_t *p, size_t n);

/* True for a byte that must be escaped on the wire. */
bool hdlc_needs_escape(uint8_t b);

/*
 * Encodes one frame (FLAG payload FCS FLAG, escaped) into out.
 * @retval 0 *out_len set. @retval -1 it does not fit in cap (out undefined).
 */
int hdlc_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap, size_t *out_len);

/* Decoder counters; never reset. */
struct hdlc_counters {
    uint64_t frames;     /* good frames passed to the callback */
    uint64_t fcs_errors; /* frame with a bad FCS */
    uint64_t too_long;   /* frame over HDLC_FRAME_MAX before its closing flag */
    uint64_t too_short;  /* 1..HDLC_FCS_LEN bytes between flags (no payload) */
};

/* A good frame: payload without FCS, valid during the call only. */
typedef void (*hdlc_frame_cb)(void *user, const uint8_t *frame, size_t len);

/* Fields are private. */
struct hdlc_decoder {
    hdlc_frame_cb cb;
    void *user;
    uint8_t state; /* no sync, in frame, after escape, discarding (overlong) */
    uint16_t fcs;
    size_t len;
    struct hdlc_counters ctr;
    uint8_t buf[HDLC_FRAME_MAX + HDLC_FCS_LEN];
};

void hdlc_decoder_init(struct hdlc_decoder *d, hdlc_frame_cb cb, void *user);

/* Drops a partial frame and waits for the next flag (e.g. after a link
 * reset). Counters are kept. */
void hdlc_decoder_reset(struct hdlc_decoder *d);

/* Feeds n bytes (any split). Calls cb for each good frame. */
void hdlc_decode(struct hdlc_decoder *d, const uint8_t *p, size_t n);

#endif
