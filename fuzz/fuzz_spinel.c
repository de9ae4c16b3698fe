/*
 * libFuzzer harness for the Spinel host: the codec's parsers
 * (radio/spinel.c) directly, and the state machine (radio/rcp.c) fed
 * arbitrary input once a scripted RCP brought it to READY.
 *
 * Input: [mode] then
 *   mode bit 0 clear: one Spinel frame (the rest), handed to
 *     spinel_frame_parse and its value to every value parser;
 *   mode bit 0 set: chunks [op][len][len bytes] (len 255: the rest):
 *     op & 3 == 0: the bytes as read from the link (HDLC and all);
 *     op & 3 == 1: the bytes HDLC-framed (a Spinel frame from the RCP);
 *     op & 3 == 2: time passes (len * 37 ms) and rcp_tick runs;
 *     op & 3 == 3: a radio op by len: transmit, set channel, source match,
 *                  energy scan, TX power; ops & 4: the scripted RCP answers
 *                  what the host sent so far.
 *
 * Checked invariants (abort on violation), besides ASan/UBSan:
 *   - parsers never read past the value (ASan) and report the lengths they
 *     consumed within it;
 *   - tx_done comes once per transmission started, never without one;
 *   - received frames are 1..127 bytes; the state is one of the five;
 *   - rcp_timeout_ms is -1 or 0..max(response, tx, scan) timeout.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "radio/rcp.h"
#include "radio/spinel.h"

static void parsers(const uint8_t *p, size_t n)
{
    struct spinel_frame f;
    if (!spinel_frame_parse(p, n, &f))
        return;
    CHECK(f.value + f.value_len == p + n);
    struct rd r = rd_init(f.value, f.value_len);
    struct spinel_radio_frame rf;
    if (spinel_parse_radio_frame(&r, &rf))
        CHECK(rf.psdu >= f.value && rf.psdu + rf.len <= f.value + f.value_len);
    struct spinel_tx_done d;
    if (spinel_parse_tx_done(f.value, f.value_len, &d) && d.has_ack)
        CHECK(d.ack.psdu + d.ack.len <= f.value + f.value_len);
    uint32_t st;
    (void)spinel_parse_last_status(f.value, f.value_len, &st);
    unsigned a, b;
    (void)spinel_parse_protocol_version(f.value, f.value_len, &a, &b);
    bool has;
    (void)spinel_caps_has(f.value, f.value_len, SPINEL_CAP_MAC_RAW, &has);
    uint8_t ch;
    int8_t rssi;
    (void)spinel_parse_energy_scan_result(f.value, f.value_len, &ch, &rssi);
    char s[8];
    r = rd_init(f.value, f.value_len);
    if (spinel_rd_utf8(&r, s, sizeof(s)))
        CHECK(strlen(s) < sizeof(s));
}

struct host {
    struct rcp rcp;
    struct hdlc_decoder dec;
    uint8_t sent[64][4]; /* tid, cmd, prop lo, prop hi of unanswered requests */
    uint8_t sent_val[64][16];
    size_t sent_len[64];
    size_t n_sent;
    uint64_t now;
    uint64_t tx_started, tx_done;
};

static void on_host_frame(void *user, const uint8_t *p, size_t n)
{
    struct host *h = user;
    struct spinel_frame f;
    CHECK(spinel_frame_parse(p, n, &f));
    if (h->n_sent == 64 || f.prop > 0xFFFF)
        return;
    uint8_t *s = h->sent[h->n_sent];
    s[0] = f.tid;
    s[1] = (uint8_t)f.cmd;
    s[2] = (uint8_t)f.prop;
    s[3] = (uint8_t)(f.prop >> 8);
    h->sent_len[h->n_sent] = f.value_len < 16 ? f.value_len : 16;
    memcpy(h->sent_val[h->n_sent], f.value, h->sent_len[h->n_sent]);
    h->n_sent++;
}

static int host_write(void *stream, const uint8_t *p, size_t n)
{
    struct host *h = stream;
    hdlc_decode(&h->dec, p, n);
    return 0;
}

static const struct rcp_stream_ops g_ops = {host_write};

static void from_rcp(struct host *h, const uint8_t *spinel, size_t n)
{
    static uint8_t enc[HDLC_ENCODED_MAX(1024)];
    size_t len;
    if (n <= 1024 && hdlc_encode(spinel, n, enc, sizeof(enc), &len) == 0)
        rcp_input(&h->rcp, enc, len, h->now);
}

/* The scripted RCP: answers like OpenThread's NcpBase. */
static void answer_all(struct host *h)
{
    for (int rounds = 0; rounds < 64 && h->n_sent; rounds++) {
        uint8_t s[4], val[16];
        size_t vlen = h->sent_len[0];
        memcpy(s, h->sent[0], 4);
        memcpy(val, h->sent_val[0], vlen);
        h->n_sent--;
        memmove(h->sent, h->sent[1], h->n_sent * 4);
        memmove(h->sent_val, h->sent_val[1], h->n_sent * 16);
        memmove(h->sent_len, h->sent_len + 1, h->n_sent * sizeof(size_t));
        uint32_t prop = (uint32_t)(s[2] | s[3] << 8);
        uint8_t b[64];
        struct wr w = wr_init(b, sizeof(b));
        if (s[1] == SPINEL_CMD_RESET) {
            spinel_wr_header(&w, 0, 0, SPINEL_CMD_PROP_VALUE_IS, SPINEL_PROP_LAST_STATUS);
            wr_u8(&w, SPINEL_STATUS_RESET_SOFTWARE);
        } else if (s[1] == SPINEL_CMD_PROP_VALUE_SET && prop == SPINEL_PROP_STREAM_RAW) {
            continue; /* the input says how it ends */
        } else {
            spinel_wr_header(&w, 0, s[0], SPINEL_CMD_PROP_VALUE_IS, prop);
            if (s[1] == SPINEL_CMD_PROP_VALUE_SET) {
                wr_bytes(&w, val, vlen);
            } else if (prop == SPINEL_PROP_PROTOCOL_VERSION) {
                wr_bytes(&w, "\x04\x03", 2);
            } else if (prop == SPINEL_PROP_NCP_VERSION) {
                wr_bytes(&w, "OPENTHREAD/fuzz", 16);
            } else if (prop == SPINEL_PROP_CAPS) {
                wr_bytes(&w, "\x22\x40\x41\x81\x04", 5);
            } else if (prop == SPINEL_PROP_RCP_API_VERSION) {
                wr_u8(&w, 11);
            } else if (prop == SPINEL_PROP_RCP_MIN_HOST_API_VERSION) {
                wr_u8(&w, 4);
            } else if (prop == SPINEL_PROP_RADIO_CAPS) {
                wr_u8(&w, 0x7f);
            } else {
                wr_bytes(&w, "\x18\xb4\x30\x00\x00\x00\x00\x01", 8);
            }
        }
        from_rcp(h, b, (size_t)(w.p - b));
    }
}

static void on_rx(void *user, const struct radio_rx_frame *f)
{
    (void)user;
    CHECK(f->len >= 1 && f->len <= RADIO_PSDU_MAX && f->psdu);
}

static void on_tx_done(void *user, const struct radio_tx_done *d)
{
    struct host *h = user;
    h->tx_done++;
    CHECK(h->tx_done <= h->tx_started);
    CHECK(d->status <= RADIO_TX_ERROR);
    CHECK(!d->ack_psdu || (d->ack_len >= 1 && d->ack_len <= 65535));
}

static void on_scan(void *user, uint8_t ch, int8_t rssi, bool done)
{
    (void)user;
    (void)rssi;
    CHECK(done || (ch >= RADIO_CHANNEL_MIN && ch <= RADIO_CHANNEL_MAX));
}

static void radio_op(struct host *h, uint8_t op, uint8_t len, const uint8_t *p)
{
    const struct radio_ops *o = &rcp_radio_ops;
    uint8_t ext[8] = {len, 1, 2, 3, 4, 5, 6, 7};
    switch (len % 8) {
    case 0:
        if (len / 8 >= 1 && o->transmit(&h->rcp, p, len / 8 < 127 ? len / 8 : 127, 11) == 0)
            h->tx_started++;
        break;
    case 1:
        o->set_channel(&h->rcp, (uint8_t)(11 + len / 16));
        break;
    case 2:
        o->src_match_add_short(&h->rcp, len);
        break;
    case 3:
        o->src_match_add_ext(&h->rcp, ext);
        break;
    case 4:
        o->src_match_del_short(&h->rcp, len);
        break;
    case 5:
        o->src_match_clear(&h->rcp);
        break;
    case 6:
        (void)rcp_energy_scan(&h->rcp, (uint32_t)len << 11, 5, on_scan, h, h->now);
        break;
    default:
        rcp_set_tx_power(&h->rcp, (int8_t)len);
        break;
    }
    if (op & 4)
        answer_all(h);
}

static void state_machine(const uint8_t *data, size_t size)
{
    static struct host h;
    memset(&h, 0, sizeof(h));
    struct rcp_config cfg = {.stream_ops = &g_ops, .stream = &h};
    CHECK(rcp_init(&h.rcp, &cfg) == 0);
    rcp_set_handlers(&h.rcp, on_rx, on_tx_done, &h);
    hdlc_decoder_init(&h.dec, on_host_frame, &h);
    h.now = 1000;
    rcp_link_up(&h.rcp, h.now);
    answer_all(&h);
    CHECK(rcp_state(&h.rcp) == RCP_STATE_READY);
    size_t at = 0;
    while (at + 2 <= size) {
        uint8_t op = data[at], len = data[at + 1];
        at += 2;
        size_t n = len == 255 || len > size - at ? size - at : len;
        const uint8_t *p = data + at;
        at += n;
        switch (op & 3) {
        case 0:
            rcp_input(&h.rcp, p, n, h.now);
            break;
        case 1:
            from_rcp(&h, p, n);
            break;
        case 2:
            h.now += (uint64_t)len * 37;
            rcp_tick(&h.rcp, h.now);
            break;
        default: {
            uint8_t psdu[127] = {0x41, 0x88};
            memcpy(psdu + 2, p, n < 125 ? n : 125);
            radio_op(&h, op, len, psdu);
            break;
        }
        }
        CHECK(rcp_state(&h.rcp) <= RCP_STATE_INCOMPATIBLE);
        int64_t t = rcp_timeout_ms(&h.rcp, h.now);
        CHECK(t >= -1 && t <= RCP_TX_TIMEOUT_MS + 65535 + RCP_RESPONSE_TIMEOUT_MS);
        if (rcp_wants_link_reset(&h.rcp))
            rcp_link_down(&h.rcp, h.now, "fuzz");
        if (rcp_reopen_due(&h.rcp, h.now)) {
            rcp_link_up(&h.rcp, h.now);
            answer_all(&h);
        }
    }
    CHECK(h.tx_done <= h.tx_started);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        state_machine(data + 1, size - 1);
    else
        parsers(data + 1, size - 1);
    return 0;
}
