/*
 * IEEE 802.15.4-2006 MAC frame parse/build (clause 7.2) and FCS (7.2.1.9).
 */
#include "mac/mac_frame.h"

#include <string.h>

#include "util/crc16.h"
#include "util/rd.h"

/* Frame Control field bits (7.2.1.1). */
#define FCF_TYPE_MASK 0x0007u
#define FCF_SECURITY 0x0008u
#define FCF_FRAME_PENDING 0x0010u
#define FCF_ACK_REQUEST 0x0020u
#define FCF_PAN_ID_COMP 0x0040u
#define FCF_RESERVED 0x0380u
#define FCF_DST_MODE_SHIFT 10
#define FCF_VERSION_SHIFT 12
#define FCF_SRC_MODE_SHIFT 14

/* Security Control field (7.6.2.2). */
#define SECCTL_LEVEL_MASK 0x07u
#define SECCTL_KIM_SHIFT 3
#define SECCTL_KIM_MASK 0x03u
#define SECCTL_RESERVED 0xe0u

const char *mac_strerror(enum mac_err err)
{
    switch (err) {
    case MAC_OK:
        return "ok";
    case MAC_ERR_TRUNCATED:
        return "frame truncated";
    case MAC_ERR_TOO_LONG:
        return "PSDU longer than 127 bytes";
    case MAC_ERR_BAD_FCS:
        return "bad FCS";
    case MAC_ERR_UNSUPPORTED_VERSION:
        return "unsupported frame version";
    case MAC_ERR_BAD_FRAME_TYPE:
        return "reserved frame type";
    case MAC_ERR_RESERVED_BITS:
        return "reserved frame control bits set";
    case MAC_ERR_BAD_ADDR_MODE:
        return "invalid addressing mode combination";
    case MAC_ERR_MALFORMED:
        return "malformed frame";
    case MAC_ERR_UNSUPPORTED_SECURITY:
        return "unsupported security level or key id mode";
    case MAC_ERR_NOT_SECURED:
        return "frame is not secured";
    case MAC_ERR_SECURITY:
        return "MIC check failed";
    case MAC_ERR_COUNTER:
        return "frame counter exhausted";
    case MAC_ERR_REPLAY:
        return "frame counter replayed";
    case MAC_ERR_NO_SPACE:
        return "output buffer too small";
    case MAC_ERR_INVALID_ARG:
        return "invalid argument";
    }
    return "unknown error";
}

uint16_t mac_crc16_kermit(const uint8_t *data, size_t len)
{
    return crc16_8408_update(0, data, len); /* CRC-16/KERMIT: start 0, no final xor */
}

size_t mac_mic_len(uint8_t level)
{
    /* 7.6.2.2.1: levels 1/5 -> 4, 2/6 -> 8, 3/7 -> 16, 0/4 -> none. */
    static const uint8_t len[4] = {0, 4, 8, 16};
    return len[level & 3u];
}

static size_t key_source_len(uint8_t key_id_mode)
{
    /* 7.6.2.4.1: mode 2 carries a 4-byte key source, mode 3 an 8-byte one. */
    return key_id_mode == 2 ? 4 : key_id_mode == 3 ? 8 : 0;
}

/* Little-endian reads on top of the bounded reader (MAC fields are LE). */
static bool get_le16(struct rd *r, uint16_t *out)
{
    uint8_t b[2];
    if (!rd_bytes(r, b, sizeof(b)))
        return false;
    *out = (uint16_t)(b[0] | (b[1] << 8));
    return true;
}

static bool get_le32(struct rd *r, uint32_t *out)
{
    uint8_t b[4];
    if (!rd_bytes(r, b, sizeof(b)))
        return false;
    *out = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return true;
}

static void put_le16(struct wr *w, uint16_t v)
{
    wr_u8(w, (uint8_t)v);
    wr_u8(w, (uint8_t)(v >> 8));
}

static void put_le32(struct wr *w, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        wr_u8(w, (uint8_t)(v >> (8 * i)));
}

static bool get_addr(struct rd *r, struct mac_addr *a)
{
    if (a->mode == MAC_ADDR_SHORT)
        return get_le16(r, &a->short_addr);
    if (a->mode == MAC_ADDR_EXT) {
        uint8_t air[MAC_EXT_ADDR_LEN];
        if (!rd_bytes(r, air, sizeof(air)))
            return false;
        /* On air the least significant byte comes first; store print order. */
        for (size_t i = 0; i < MAC_EXT_ADDR_LEN; i++)
            a->ext[i] = air[MAC_EXT_ADDR_LEN - 1 - i];
    }
    return true;
}

static void put_addr(struct wr *w, const struct mac_addr *a)
{
    if (a->mode == MAC_ADDR_SHORT) {
        put_le16(w, a->short_addr);
    } else if (a->mode == MAC_ADDR_EXT) {
        for (size_t i = 0; i < MAC_EXT_ADDR_LEN; i++)
            wr_u8(w, a->ext[MAC_EXT_ADDR_LEN - 1 - i]);
    }
}

static bool addr_mode_valid(unsigned mode)
{
    return mode == MAC_ADDR_NONE || mode == MAC_ADDR_SHORT || mode == MAC_ADDR_EXT;
}

/*
 * The structural rules shared by the parser and the builder, so that the
 * builder never emits a frame the parser would reject.
 */
static enum mac_err check_header(const struct mac_frame *f)
{
    if ((unsigned)f->type > MAC_FRAME_CMD)
        return MAC_ERR_BAD_FRAME_TYPE;
    if ((unsigned)f->version > MAC_VERSION_2006)
        return MAC_ERR_UNSUPPORTED_VERSION;
    if (!addr_mode_valid(f->dst.mode) || !addr_mode_valid(f->src.mode))
        return MAC_ERR_BAD_ADDR_MODE;
    bool has_dst = f->dst.mode != MAC_ADDR_NONE;
    bool has_src = f->src.mode != MAC_ADDR_NONE;
    /* 7.2.1.1.5: PAN ID compression only when both addresses are present. */
    if (f->pan_id_compression && !(has_dst && has_src))
        return MAC_ERR_BAD_ADDR_MODE;
    switch (f->type) {
    case MAC_FRAME_BEACON:
        /* 7.2.2.1: no destination, a source address. */
        if (has_dst || !has_src)
            return MAC_ERR_BAD_ADDR_MODE;
        break;
    case MAC_FRAME_DATA:
    case MAC_FRAME_CMD:
        /* 7.2.2.2, 7.2.2.4: at least one address. */
        if (!has_dst && !has_src)
            return MAC_ERR_BAD_ADDR_MODE;
        break;
    case MAC_FRAME_ACK:
        /* 7.2.2.3: FCF and sequence number only. */
        if (has_dst || has_src)
            return MAC_ERR_BAD_ADDR_MODE;
        if (f->security_enabled)
            return MAC_ERR_MALFORMED;
        break;
    }
    /* 7.5.8.2.3 (incoming frame security): a 2003 frame with security is
     * legacy security, which has no auxiliary header. */
    if (f->security_enabled && f->version == MAC_VERSION_2003)
        return MAC_ERR_UNSUPPORTED_SECURITY;
    return MAC_OK;
}

enum mac_err mac_frame_parse(const uint8_t *psdu, size_t len, struct mac_frame *out)
{
    if (len > MAC_PSDU_MAX)
        return MAC_ERR_TOO_LONG;
    if (len < MAC_ACK_LEN)
        return MAC_ERR_TRUNCATED;

    /* 7.2.1.9: FCS over MHR and payload, sent little-endian. */
    size_t body = len - MAC_FCS_LEN;
    uint16_t fcs = (uint16_t)(psdu[body] | (psdu[body + 1] << 8));
    if (mac_crc16_kermit(psdu, body) != fcs)
        return MAC_ERR_BAD_FCS;

    struct rd r = rd_init(psdu, body);
    struct mac_frame f;
    memset(&f, 0, sizeof(f));

    uint16_t fcf;
    if (!get_le16(&r, &fcf) || !rd_u8(&r, &f.seq))
        return MAC_ERR_TRUNCATED;
    unsigned type = fcf & FCF_TYPE_MASK;
    unsigned version = (fcf >> FCF_VERSION_SHIFT) & 3u;
    unsigned dst_mode = (fcf >> FCF_DST_MODE_SHIFT) & 3u;
    unsigned src_mode = (fcf >> FCF_SRC_MODE_SHIFT) & 3u;
    if (type > MAC_FRAME_CMD)
        return MAC_ERR_BAD_FRAME_TYPE;
    if (version > MAC_VERSION_2006)
        return MAC_ERR_UNSUPPORTED_VERSION;
    if (fcf & FCF_RESERVED)
        return MAC_ERR_RESERVED_BITS;
    if (!addr_mode_valid(dst_mode) || !addr_mode_valid(src_mode))
        return MAC_ERR_BAD_ADDR_MODE;
    f.type = (enum mac_frame_type)type;
    f.version = (enum mac_frame_version)version;
    f.security_enabled = (fcf & FCF_SECURITY) != 0;
    f.frame_pending = (fcf & FCF_FRAME_PENDING) != 0;
    f.ack_request = (fcf & FCF_ACK_REQUEST) != 0;
    f.pan_id_compression = (fcf & FCF_PAN_ID_COMP) != 0;
    f.dst.mode = (enum mac_addr_mode)dst_mode;
    f.src.mode = (enum mac_addr_mode)src_mode;

    /* Everything that can be decided before the variable fields. */
    enum mac_err err = check_header(&f);
    if (err != MAC_OK)
        return err;

    /* 7.2.1.3 .. 7.2.1.6: addressing fields. */
    if (f.dst.mode != MAC_ADDR_NONE) {
        if (!get_le16(&r, &f.dst_pan) || !get_addr(&r, &f.dst))
            return MAC_ERR_TRUNCATED;
    }
    if (f.src.mode != MAC_ADDR_NONE) {
        if (f.pan_id_compression)
            f.src_pan = f.dst_pan;
        else if (!get_le16(&r, &f.src_pan))
            return MAC_ERR_TRUNCATED;
        if (!get_addr(&r, &f.src))
            return MAC_ERR_TRUNCATED;
    }

    /* 7.6.2: auxiliary security header. */
    if (f.security_enabled) {
        uint8_t secctl;
        if (!rd_u8(&r, &secctl))
            return MAC_ERR_TRUNCATED;
        if (secctl & SECCTL_RESERVED)
            return MAC_ERR_UNSUPPORTED_SECURITY;
        f.sec.level = secctl & SECCTL_LEVEL_MASK;
        f.sec.key_id_mode = (secctl >> SECCTL_KIM_SHIFT) & SECCTL_KIM_MASK;
        if (f.sec.level == 0)
            return MAC_ERR_UNSUPPORTED_SECURITY;
        if (!get_le32(&r, &f.sec.frame_counter))
            return MAC_ERR_TRUNCATED;
        f.sec.key_source_len = (uint8_t)key_source_len(f.sec.key_id_mode);
        if (!rd_bytes(&r, f.sec.key_source, f.sec.key_source_len))
            return MAC_ERR_TRUNCATED;
        if (f.sec.key_id_mode != 0 && !rd_u8(&r, &f.sec.key_index))
            return MAC_ERR_TRUNCATED;
        f.mic_len = mac_mic_len(f.sec.level);
    }

    f.header_len = body - r.left;
    if (r.left < f.mic_len)
        return MAC_ERR_TRUNCATED;
    f.payload_len = r.left - f.mic_len;
    f.payload = r.p;
    if (!rd_skip(&r, f.payload_len))
        return MAC_ERR_TRUNCATED;
    f.mic = f.mic_len ? r.p : NULL;

    if (f.type == MAC_FRAME_ACK && f.payload_len != 0)
        return MAC_ERR_MALFORMED;
    /* 7.2.2.4: a MAC command carries at least its Command Frame Identifier
     * (encrypted with the rest of the payload when secured). */
    if (f.type == MAC_FRAME_CMD && f.payload_len == 0)
        return MAC_ERR_MALFORMED;

    *out = f;
    return MAC_OK;
}

static uint16_t make_fcf(const struct mac_frame *f)
{
    uint16_t fcf = (uint16_t)f->type;
    if (f->security_enabled)
        fcf |= FCF_SECURITY;
    if (f->frame_pending)
        fcf |= FCF_FRAME_PENDING;
    if (f->ack_request)
        fcf |= FCF_ACK_REQUEST;
    if (f->pan_id_compression)
        fcf |= FCF_PAN_ID_COMP;
    fcf |= (uint16_t)((unsigned)f->dst.mode << FCF_DST_MODE_SHIFT);
    fcf |= (uint16_t)((unsigned)f->version << FCF_VERSION_SHIFT);
    fcf |= (uint16_t)((unsigned)f->src.mode << FCF_SRC_MODE_SHIFT);
    return fcf;
}

enum mac_err mac_frame_build(const struct mac_frame *hdr, const uint8_t *payload, size_t plen,
                             uint8_t *out, size_t cap, size_t *out_len)
{
    if (!hdr || !out || !out_len || (plen && !payload))
        return MAC_ERR_INVALID_ARG;
    if (check_header(hdr) != MAC_OK)
        return MAC_ERR_INVALID_ARG;
    if (hdr->type == MAC_FRAME_ACK && plen != 0)
        return MAC_ERR_INVALID_ARG;
    if (hdr->type == MAC_FRAME_CMD && plen == 0)
        return MAC_ERR_INVALID_ARG;
    if (hdr->security_enabled &&
        (hdr->sec.level == 0 || hdr->sec.level > 7 || hdr->sec.key_id_mode > 3 ||
         hdr->sec.key_source_len != key_source_len(hdr->sec.key_id_mode)))
        return MAC_ERR_INVALID_ARG;
    /* Refuse early: plen is the caller's and may be anything. */
    if (plen > MAC_PSDU_MAX)
        return MAC_ERR_TOO_LONG;

    uint8_t buf[MAC_PSDU_MAX];
    struct wr w = wr_init(buf, sizeof(buf));
    put_le16(&w, make_fcf(hdr));
    wr_u8(&w, hdr->seq);
    if (hdr->dst.mode != MAC_ADDR_NONE) {
        put_le16(&w, hdr->dst_pan);
        put_addr(&w, &hdr->dst);
    }
    if (hdr->src.mode != MAC_ADDR_NONE) {
        if (!hdr->pan_id_compression)
            put_le16(&w, hdr->src_pan);
        put_addr(&w, &hdr->src);
    }
    size_t mic_len = 0;
    if (hdr->security_enabled) {
        wr_u8(&w, (uint8_t)(hdr->sec.level | (hdr->sec.key_id_mode << SECCTL_KIM_SHIFT)));
        put_le32(&w, hdr->sec.frame_counter);
        wr_bytes(&w, hdr->sec.key_source, hdr->sec.key_source_len);
        if (hdr->sec.key_id_mode != 0)
            wr_u8(&w, hdr->sec.key_index);
        mic_len = mac_mic_len(hdr->sec.level);
    }
    wr_bytes(&w, payload, plen);
    uint8_t *mic = wr_reserve(&w, mic_len);
    if (mic && mic_len)
        memset(mic, 0, mic_len);
    uint8_t *fcs = wr_reserve(&w, MAC_FCS_LEN);
    if (!w.ok)
        return MAC_ERR_TOO_LONG;

    size_t len = sizeof(buf) - w.left;
    uint16_t crc = mac_crc16_kermit(buf, len - MAC_FCS_LEN);
    fcs[0] = (uint8_t)crc;
    fcs[1] = (uint8_t)(crc >> 8);
    if (len > cap)
        return MAC_ERR_NO_SPACE;
    memcpy(out, buf, len);
    *out_len = len;
    return MAC_OK;
}

enum mac_err mac_ack_build(uint8_t seq, bool frame_pending, enum mac_frame_version version,
                           uint8_t *out, size_t cap, size_t *out_len)
{
    if (!out || !out_len || (unsigned)version > MAC_VERSION_2006)
        return MAC_ERR_INVALID_ARG;
    if (cap < MAC_ACK_LEN)
        return MAC_ERR_NO_SPACE;
    struct mac_frame ack;
    memset(&ack, 0, sizeof(ack));
    ack.type = MAC_FRAME_ACK;
    ack.version = version;
    ack.frame_pending = frame_pending;
    ack.seq = seq;
    return mac_frame_build(&ack, NULL, 0, out, cap, out_len);
}
