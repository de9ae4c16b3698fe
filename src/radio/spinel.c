#include "radio/spinel.h"

bool spinel_status_is_reset(uint32_t status)
{
    return status >= SPINEL_STATUS_RESET__BEGIN && status <= SPINEL_STATUS_RESET__END;
}

size_t spinel_packed_uint_encode(uint32_t v, uint8_t out[SPINEL_PACKED_UINT_MAX_LEN])
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        out[n++] = (uint8_t)(v ? b | 0x80 : b);
    } while (v);
    return n;
}

bool spinel_rd_uint(struct rd *r, uint32_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < SPINEL_PACKED_UINT_MAX_LEN && i < r->left; i++) {
        uint8_t b = r->p[i];
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return rd_skip(r, i + 1);
        }
    }
    return false; /* truncated or longer than 5 bytes */
}

bool spinel_rd_bool(struct rd *r, bool *out)
{
    uint8_t b;
    if (!rd_u8(r, &b))
        return false;
    *out = b != 0;
    return true;
}

bool spinel_rd_le16(struct rd *r, uint16_t *out)
{
    if (r->left < 2)
        return false;
    *out = (uint16_t)(r->p[0] | r->p[1] << 8);
    return rd_skip(r, 2);
}

bool spinel_rd_le32(struct rd *r, uint32_t *out)
{
    if (r->left < 4)
        return false;
    *out = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
           (uint32_t)r->p[3] << 24;
    return rd_skip(r, 4);
}

bool spinel_rd_le64(struct rd *r, uint64_t *out)
{
    uint32_t lo, hi;
    if (r->left < 8 || !spinel_rd_le32(r, &lo) || !spinel_rd_le32(r, &hi))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

bool spinel_rd_data_wlen(struct rd *r, const uint8_t **p, size_t *len)
{
    struct rd save = *r, sub;
    uint16_t n;
    if (!spinel_rd_le16(r, &n) || !rd_sub(r, n, &sub)) {
        *r = save;
        return false;
    }
    *p = sub.p;
    *len = sub.left;
    return true;
}

bool spinel_rd_utf8(struct rd *r, char *out, size_t cap)
{
    size_t n = 0;
    while (n < r->left && r->p[n])
        n++;
    size_t copy = n < cap - 1 ? n : cap - 1;
    memcpy(out, r->p, copy);
    out[copy] = '\0';
    return rd_skip(r, n < r->left ? n + 1 : n);
}

void spinel_wr_uint(struct wr *w, uint32_t v)
{
    uint8_t b[SPINEL_PACKED_UINT_MAX_LEN];
    wr_bytes(w, b, spinel_packed_uint_encode(v, b));
}

void spinel_wr_le16(struct wr *w, uint16_t v)
{
    wr_u8(w, (uint8_t)v);
    wr_u8(w, (uint8_t)(v >> 8));
}

void spinel_wr_le32(struct wr *w, uint32_t v)
{
    spinel_wr_le16(w, (uint16_t)v);
    spinel_wr_le16(w, (uint16_t)(v >> 16));
}

void spinel_wr_data_wlen(struct wr *w, const uint8_t *p, size_t len)
{
    if (len > UINT16_MAX) {
        w->ok = false;
        return;
    }
    spinel_wr_le16(w, (uint16_t)len);
    wr_bytes(w, p, len);
}

static bool cmd_has_prop(uint32_t cmd)
{
    return cmd >= SPINEL_CMD_PROP_VALUE_GET && cmd <= SPINEL_CMD_PROP_VALUE_REMOVED;
}

bool spinel_frame_parse(const uint8_t *p, size_t n, struct spinel_frame *f)
{
    struct rd r = rd_init(p, n);
    uint8_t h;
    if (!rd_u8(&r, &h) || (h & SPINEL_HEADER_FLAG_MASK) != SPINEL_HEADER_FLAG)
        return false;
    f->header = h;
    f->iid = (uint8_t)((h & SPINEL_HEADER_IID_MASK) >> SPINEL_HEADER_IID_SHIFT);
    f->tid = h & SPINEL_HEADER_TID_MASK;
    f->prop = 0;
    if (!spinel_rd_uint(&r, &f->cmd))
        return false;
    if (cmd_has_prop(f->cmd) && !spinel_rd_uint(&r, &f->prop))
        return false;
    f->value = r.p;
    f->value_len = r.left;
    return true;
}

void spinel_wr_header(struct wr *w, uint8_t iid, uint8_t tid, uint32_t cmd, uint32_t prop)
{
    wr_u8(w, (uint8_t)(SPINEL_HEADER_FLAG | (iid & 3) << SPINEL_HEADER_IID_SHIFT |
                       (tid & SPINEL_HEADER_TID_MASK)));
    spinel_wr_uint(w, cmd);
    if (cmd_has_prop(cmd))
        spinel_wr_uint(w, prop);
}

void spinel_build_reset(struct wr *w, uint8_t iid, uint8_t tid, uint8_t reset_type)
{
    spinel_wr_header(w, iid, tid, SPINEL_CMD_RESET, 0);
    wr_u8(w, reset_type);
}

void spinel_build_stream_raw_tx(struct wr *w, uint8_t iid, uint8_t tid,
                                const struct spinel_tx_request *req)
{
    spinel_wr_header(w, iid, tid, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_STREAM_RAW);
    spinel_wr_data_wlen(w, req->psdu, req->len);
    wr_u8(w, req->channel);
    wr_u8(w, req->max_csma_backoffs);
    wr_u8(w, req->max_frame_retries);
    wr_u8(w, req->csma_ca);
    wr_u8(w, 1);          /* header updated: the host set the frame counter */
    wr_u8(w, 0);          /* not a retransmission (the RCP retries on its own) */
    wr_u8(w, 1);          /* security processed: the host secured the frame */
    spinel_wr_le32(w, 0); /* TX delay: at once */
    spinel_wr_le32(w, 0); /* TX delay base time */
    wr_u8(w, req->rx_channel_after);
    wr_u8(w, (uint8_t)SPINEL_RADIO_POWER_INVALID); /* no per-frame power */
}

/* "t(...)": a struct is a data-with-length; its known fields are read from
 * inside, anything after them in the struct is skipped. */
static bool rd_struct(struct rd *r, struct rd *sub)
{
    const uint8_t *p;
    size_t len;
    if (!spinel_rd_data_wlen(r, &p, &len))
        return false;
    *sub = rd_init(p, len);
    return true;
}

bool spinel_parse_radio_frame(struct rd *r, struct spinel_radio_frame *f)
{
    struct rd phy, vendor;
    uint8_t rssi, nf;
    if (!spinel_rd_data_wlen(r, &f->psdu, &f->len) || !rd_u8(r, &rssi) || !rd_u8(r, &nf) ||
        !spinel_rd_le16(r, &f->flags) || !rd_struct(r, &phy) || !rd_u8(&phy, &f->channel) ||
        !rd_u8(&phy, &f->lqi) || !spinel_rd_le64(&phy, &f->timestamp_us) ||
        !rd_struct(r, &vendor) || !spinel_rd_uint(&vendor, &f->rx_error))
        return false;
    f->rssi = (int8_t)rssi;
    f->noise_floor = (int8_t)nf;
    return true;
}

bool spinel_parse_last_status(const uint8_t *v, size_t n, uint32_t *status)
{
    struct rd r = rd_init(v, n);
    return spinel_rd_uint(&r, status);
}

bool spinel_parse_tx_done(const uint8_t *v, size_t n, struct spinel_tx_done *d)
{
    struct rd r = rd_init(v, n);
    *d = (struct spinel_tx_done){0};
    if (!spinel_rd_uint(&r, &d->status))
        return false;
    if (r.left == 0)
        return d->status != SPINEL_STATUS_OK; /* an immediate refusal */
    if (!spinel_rd_bool(&r, &d->frame_pending) || !spinel_rd_bool(&r, &d->header_updated))
        return false;
    d->has_flags = true;
    if (d->status != SPINEL_STATUS_OK)
        return true;
    if (!spinel_parse_radio_frame(&r, &d->ack))
        return false;
    d->has_ack = d->ack.len > 0;
    return true;
}

bool spinel_parse_protocol_version(const uint8_t *v, size_t n, unsigned *major, unsigned *minor)
{
    struct rd r = rd_init(v, n);
    uint32_t a, b;
    if (!spinel_rd_uint(&r, &a) || !spinel_rd_uint(&r, &b))
        return false;
    *major = a;
    *minor = b;
    return true;
}

bool spinel_caps_has(const uint8_t *v, size_t n, uint32_t cap, bool *has)
{
    struct rd r = rd_init(v, n);
    *has = false;
    while (r.left) {
        uint32_t c;
        if (!spinel_rd_uint(&r, &c))
            return false;
        if (c == cap)
            *has = true;
    }
    return true;
}

bool spinel_parse_energy_scan_result(const uint8_t *v, size_t n, uint8_t *channel, int8_t *rssi)
{
    struct rd r = rd_init(v, n);
    uint8_t c, s;
    if (!rd_u8(&r, &c) || !rd_u8(&r, &s))
        return false;
    *channel = c;
    *rssi = (int8_t)s;
    return true;
}
