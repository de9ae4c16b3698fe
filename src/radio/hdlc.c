#include "radio/hdlc.h"

#include "util/crc16.h"

enum { ST_NOSYNC = 0, ST_FRAME, ST_ESCAPED, ST_DISCARD };

uint16_t hdlc_fcs(uint16_t fcs, const uint8_t *p, size_t n)
{
    return crc16_8408_update(fcs, p, n); /* RFC 1662 C.2 */
}

bool hdlc_needs_escape(uint8_t b)
{
    return b == HDLC_FLAG || b == HDLC_ESCAPE || b == 0x11 || b == 0x13 || b == 0xF8;
}

static bool put_escaped(uint8_t b, uint8_t *out, size_t cap, size_t *at)
{
    size_t need = hdlc_needs_escape(b) ? 2 : 1;
    if (cap - *at < need)
        return false;
    if (need == 2) {
        out[(*at)++] = HDLC_ESCAPE;
        b ^= HDLC_ESCAPE_XOR;
    }
    out[(*at)++] = b;
    return true;
}

int hdlc_encode(const uint8_t *payload, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    size_t at = 0;
    if (cap < 1)
        return -1;
    out[at++] = HDLC_FLAG;
    uint16_t fcs = hdlc_fcs(HDLC_FCS_INIT, payload, n) ^ 0xFFFF;
    for (size_t i = 0; i < n; i++)
        if (!put_escaped(payload[i], out, cap, &at))
            return -1;
    if (!put_escaped((uint8_t)fcs, out, cap, &at) ||
        !put_escaped((uint8_t)(fcs >> 8), out, cap, &at))
        return -1;
    if (cap - at < 1)
        return -1;
    out[at++] = HDLC_FLAG;
    *out_len = at;
    return 0;
}

void hdlc_decoder_init(struct hdlc_decoder *d, hdlc_frame_cb cb, void *user)
{
    d->cb = cb;
    d->user = user;
    d->ctr = (struct hdlc_counters){0};
    hdlc_decoder_reset(d);
}

void hdlc_decoder_reset(struct hdlc_decoder *d)
{
    d->state = ST_NOSYNC;
    d->len = 0;
    d->fcs = HDLC_FCS_INIT;
}

static void frame_end(struct hdlc_decoder *d)
{
    if (d->state == ST_DISCARD) {
        /* counted when it overflowed */
    } else if (d->len == 0) {
        /* back-to-back flags: no frame (OT sends a flag before each frame) */
    } else if (d->state == ST_ESCAPED) {
        d->ctr.fcs_errors++; /* escape then flag: an aborted frame */
    } else if (d->len <= HDLC_FCS_LEN) {
        d->ctr.too_short++;
    } else if (d->fcs != HDLC_FCS_GOOD) {
        d->ctr.fcs_errors++;
    } else {
        d->ctr.frames++;
        if (d->cb)
            d->cb(d->user, d->buf, d->len - HDLC_FCS_LEN);
    }
    d->state = ST_FRAME;
    d->len = 0;
    d->fcs = HDLC_FCS_INIT;
}

static void frame_byte(struct hdlc_decoder *d, uint8_t b)
{
    if (d->len >= sizeof(d->buf)) {
        d->ctr.too_long++;
        d->state = ST_DISCARD; /* resynchronise on the next flag */
        return;
    }
    d->buf[d->len++] = b;
    d->fcs = hdlc_fcs(d->fcs, &b, 1);
    d->state = ST_FRAME;
}

void hdlc_decode(struct hdlc_decoder *d, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b == HDLC_FLAG) {
            if (d->state == ST_NOSYNC) {
                d->state = ST_FRAME;
                d->len = 0;
                d->fcs = HDLC_FCS_INIT;
            } else {
                /* a flag right after an escape aborts the frame (RFC 1662
                 * 4.4.2); frame_end counts it as a bad FCS or too short */
                frame_end(d);
            }
            continue;
        }
        switch (d->state) {
        case ST_NOSYNC:
        case ST_DISCARD:
            break;
        case ST_ESCAPED:
            frame_byte(d, b ^ HDLC_ESCAPE_XOR);
            break;
        default:
            if (b == HDLC_ESCAPE)
                d->state = ST_ESCAPED;
            else
                frame_byte(d, b);
            break;
        }
    }
}
