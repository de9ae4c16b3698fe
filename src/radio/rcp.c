/*
 * The Spinel host state machine (radio/rcp.h). What it sends and when
 * follows OpenThread's host: src/lib/spinel/spinel_driver.cpp (reset, then
 * PROTOCOL_VERSION, NCP_VERSION, CAPS), radio_spinel.cpp (Init: HWADDR, RCP
 * API versions, RADIO_CAPS; Enable/Receive: PHY_ENABLED, PAN ID, short
 * address, RAW_STREAM_ENABLED; RestoreProperties after an RCP reset;
 * Transmit/HandleTransmitDone; ParseRadioFrame; EnergyScan).
 *
 * Where it differs from RadioSpinel, and why:
 *   - source-match tables are sent whole with PROP_VALUE_SET (NcpBase's
 *     setter replaces the table), one request instead of one INSERT per
 *     entry, so a restore is bounded by the number of properties;
 *   - requests are asynchronous (one outstanding, answered or timed out)
 *     instead of RadioSpinel's blocking Get/Set; a timeout resets the RCP
 *     instead of exiting the daemon;
 *   - the received frame's `acked` is derived from its AR bit: with
 *     promiscuous mode off the RCP passes up only frames for us and
 *     acknowledges every one that asks (Spinel carries only ACKED_FP);
 *   - RADIO_CAPS: OpenThread's host SubMac fills in any capability the RCP
 *     lacks; here the MAC (mac/mac.h) retries when TRANSMIT_RETRIES is
 *     missing, but an RCP without ACK_TIMEOUT is INCOMPATIBLE: ACK timing
 *     (16 ms, sub_mac.hpp kAckTimeout) cannot be done across a serial line.
 */
#include "radio/rcp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "radio/spinel.h"

#define RCP_IID 0
#define RCP_TX_TID 15 /* the transmission's own TID; requests use 1..14 */

/* What must reach the RCP, in the order it is pushed (RadioSpinel::Enable,
 * RestoreProperties, Receive). */
enum {
    D_PHY_ENABLED = 1u << 0,
    D_PANID = 1u << 1,
    D_SADDR = 1u << 2,
    D_LADDR = 1u << 3,
    D_CHAN = 1u << 4,
    D_PROMISC = 1u << 5,
    D_TX_POWER = 1u << 6,
    D_SRC_SHORT = 1u << 7,
    D_SRC_EXT = 1u << 8,
    D_SRC_ENABLE = 1u << 9,
    D_RAW_STREAM = 1u << 10,
    D_ALL = (1u << 11) - 1,
    D_SCAN = 1u << 16, /* req.what of an energy-scan step */
    D_INIT = 1u << 17, /* req.what of an INIT query */
};

/* INIT queries (SpinelDriver::Init, RadioSpinel::Init). */
static const uint32_t init_props[] = {
    SPINEL_PROP_PROTOCOL_VERSION,
    SPINEL_PROP_NCP_VERSION,
    SPINEL_PROP_CAPS,
    SPINEL_PROP_RCP_API_VERSION,
    SPINEL_PROP_RCP_MIN_HOST_API_VERSION,
    SPINEL_PROP_RADIO_CAPS,
    SPINEL_PROP_HWADDR,
};
#define INIT_STEPS (sizeof(init_props) / sizeof(init_props[0]))

static const char *const state_names[] = {"down", "resetting", "init", "ready", "incompatible"};

const char *rcp_state_name(enum rcp_state st)
{
    return (unsigned)st < sizeof(state_names) / sizeof(state_names[0]) ? state_names[st] : "?";
}

static void logf_(struct rcp *r, int level, bool fault, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void logf_(struct rcp *r, int level, bool fault, const char *fmt, ...)
{
    char line[RCP_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (fault)
        memcpy(r->err, line, sizeof(line));
    if (r->cfg.log)
        r->cfg.log(r->cfg.log_user, level, line);
}

static uint32_t resp_timeout(const struct rcp *r)
{
    return r->cfg.response_timeout_ms ? r->cfg.response_timeout_ms : RCP_RESPONSE_TIMEOUT_MS;
}

/* ---- output ---- */

static int send_spinel(struct rcp *r, const struct wr *w, const uint8_t *start)
{
    uint8_t enc[HDLC_ENCODED_MAX(RCP_TX_FRAME_MAX)];
    size_t n;
    if (r->write_failed)
        return -1;
    if (!w->ok || hdlc_encode(start, (size_t)(w->p - start), enc, sizeof(enc), &n) != 0) {
        logf_(r, 1, true, "rcp: frame too large to send");
        return -1;
    }
    if (r->cfg.stream_ops->write(r->cfg.stream, enc, n) != 0) {
        int e = errno;
        r->write_failed = true;
        logf_(r, 1, true, "rcp: write to the RCP failed: %s", strerror(e));
        errno = e;
        return -1;
    }
    r->ctr.tx_bytes += n;
    r->ctr.tx_spinel_frames++;
    return 0;
}

static uint8_t take_tid(struct rcp *r)
{
    uint8_t tid = r->next_tid;
    r->next_tid = tid >= 14 ? 1 : (uint8_t)(tid + 1);
    return tid;
}

static void ext_put(struct wr *w, const uint8_t ext[8])
{
    /* Print order on the wire: the RCP's core reverses it for its radio
     * (SubMac::SetExtAddress, Radio::AddSrcMatchExtEntry), as it does for
     * OpenThread's own MAC. */
    wr_bytes(w, ext, 8);
}

/* The value of one desired-state property. */
static uint32_t put_dirty_value(struct rcp *r, uint32_t bit, struct wr *w)
{
    switch (bit) {
    case D_PHY_ENABLED:
        wr_u8(w, 1);
        return SPINEL_PROP_PHY_ENABLED;
    case D_PANID:
        spinel_wr_le16(w, r->pan_id);
        return SPINEL_PROP_MAC_15_4_PANID;
    case D_SADDR:
        spinel_wr_le16(w, r->short_addr);
        return SPINEL_PROP_MAC_15_4_SADDR;
    case D_LADDR:
        ext_put(w, r->ext);
        return SPINEL_PROP_MAC_15_4_LADDR;
    case D_CHAN:
        wr_u8(w, r->channel);
        return SPINEL_PROP_PHY_CHAN;
    case D_PROMISC:
        wr_u8(w, 0);
        return SPINEL_PROP_MAC_PROMISCUOUS_MODE;
    case D_TX_POWER:
        wr_u8(w, (uint8_t)r->tx_power);
        return SPINEL_PROP_PHY_TX_POWER;
    case D_SRC_SHORT:
        /* NcpBase's SET of the list replaces the whole table */
        for (unsigned i = 0; i < r->n_src_short; i++)
            spinel_wr_le16(w, r->src_short[i]);
        return SPINEL_PROP_MAC_SRC_MATCH_SHORT_ADDRESSES;
    case D_SRC_EXT:
        for (unsigned i = 0; i < r->n_src_ext; i++)
            ext_put(w, r->src_ext[i]);
        return SPINEL_PROP_MAC_SRC_MATCH_EXTENDED_ADDRESSES;
    case D_SRC_ENABLE:
        wr_u8(w, r->src_match_enabled);
        return SPINEL_PROP_MAC_SRC_MATCH_ENABLED;
    default: /* D_RAW_STREAM */
        wr_u8(w, 1);
        return SPINEL_PROP_MAC_RAW_STREAM_ENABLED;
    }
}

static void start_req(struct rcp *r, uint32_t cmd, uint32_t prop, uint32_t what,
                      const uint8_t *value, size_t vlen, uint64_t now)
{
    uint8_t buf[RCP_TX_FRAME_MAX];
    struct wr w = wr_init(buf, sizeof(buf));
    uint8_t tid = take_tid(r);
    spinel_wr_header(&w, RCP_IID, tid, cmd, prop);
    wr_bytes(&w, value, vlen);
    if (send_spinel(r, &w, buf) != 0)
        return;
    r->req = (struct rcp_req){true, tid, cmd, prop, what, now + resp_timeout(r)};
}

/*
 * What may not reach the RCP while a transmission is in flight: setting the
 * channel, the PHY or the raw stream makes the RCP's SubMac receive
 * (NcpBase PHY_CHAN -> otLinkRawReceive -> SubMac::Receive), which abandons
 * the transmission without a transmit-done. Sent once it is reported.
 */
#define D_NOT_DURING_TX (D_CHAN | D_PHY_ENABLED | D_RAW_STREAM)

static uint32_t sendable(const struct rcp *r)
{
    return r->tx_active ? r->dirty & ~(uint32_t)D_NOT_DURING_TX : r->dirty;
}

static void send_dirty(struct rcp *r, uint64_t now)
{
    uint32_t ok = sendable(r);
    uint32_t bit = ok & (uint32_t) - (int32_t)ok; /* lowest first */
    uint8_t val[RCP_TX_FRAME_MAX - 8];
    struct wr w = wr_init(val, sizeof(val));
    uint32_t prop = put_dirty_value(r, bit, &w);
    r->dirty &= ~bit;
    start_req(r, SPINEL_CMD_PROP_VALUE_SET, prop, bit, val, (size_t)(w.p - val), now);
}

static void send_scan_step(struct rcp *r, uint64_t now)
{
    uint8_t val[2];
    if (r->scan_step == 0) {
        val[0] = r->scan_channel; /* MAC_SCAN_MASK: the channel list, one at a time */
        start_req(r, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SCAN_MASK, D_SCAN, val, 1, now);
    } else if (r->scan_step == 1) {
        val[0] = (uint8_t)r->scan_ms;
        val[1] = (uint8_t)(r->scan_ms >> 8);
        start_req(r, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SCAN_PERIOD, D_SCAN, val, 2, now);
    } else {
        val[0] = SPINEL_SCAN_STATE_ENERGY;
        start_req(r, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SCAN_STATE, D_SCAN, val, 1, now);
    }
}

static void become_ready(struct rcp *r, uint64_t now)
{
    r->state = RCP_STATE_READY;
    r->spare_reset = false;
    r->ready_at_ms = now;
    r->backoff_ms = RCP_REOPEN_MIN_MS;
    if (r->was_ready)
        r->ctr.restores++;
    r->was_ready = true;
    logf_(r, 3, false, "rcp: ready (%s, Spinel %u.%u, RCP API %u)", r->info.ncp_version,
          r->info.protocol_major, r->info.protocol_minor, r->info.rcp_api_version);
    if (!(r->info.radio_caps & RCP_RADIO_CAPS_CSMA_BACKOFF))
        logf_(r, 2, false,
              "rcp: the RCP has no CSMA/CA backoff (radio caps 0x%x): frames go after one CCA",
              (unsigned)r->info.radio_caps);
}

/* Sends the next request if none is outstanding. */
static void pump(struct rcp *r, uint64_t now)
{
    while (!r->req.active && !r->write_failed) {
        if (r->state == RCP_STATE_INIT && r->init_step < INIT_STEPS) {
            uint32_t prop = init_props[r->init_step];
            if ((prop == SPINEL_PROP_RCP_API_VERSION && !r->has_cap_api) ||
                (prop == SPINEL_PROP_RCP_MIN_HOST_API_VERSION && !r->has_cap_min_host)) {
                r->init_step++;
                continue;
            }
            start_req(r, SPINEL_CMD_PROP_VALUE_GET, prop, D_INIT, NULL, 0, now);
        } else if ((r->state == RCP_STATE_INIT || r->state == RCP_STATE_READY) && sendable(r)) {
            send_dirty(r, now);
        } else if (r->state == RCP_STATE_INIT && r->dirty) {
            return; /* the rest after the transmission in flight */
        } else if (r->state == RCP_STATE_INIT) {
            become_ready(r, now);
        } else if (r->state == RCP_STATE_READY && r->scan_channel && r->scan_step < 3 &&
                   !r->tx_active) { /* a scan moves the radio too */
            send_scan_step(r, now);
        } else {
            return;
        }
    }
}

/* ---- aborts and resets ---- */

static void report_tx(struct rcp *r, enum radio_tx_status st, const struct spinel_tx_done *d,
                      uint64_t now)
{
    struct radio_tx_done done = {st, false, NULL, 0, now};
    r->tx_active = false;
    switch (st) {
    case RADIO_TX_OK:
        r->ctr.tx_ok++;
        break;
    case RADIO_TX_NO_ACK:
        r->ctr.tx_no_ack++;
        break;
    case RADIO_TX_CHANNEL_ACCESS_FAIL:
        r->ctr.tx_channel_access_fail++;
        break;
    case RADIO_TX_ABORTED:
        r->ctr.tx_aborted++;
        break;
    default:
        r->ctr.tx_errors++;
        break;
    }
    if (d && st == RADIO_TX_OK && d->has_ack) {
        done.ack_psdu = d->ack.psdu;
        done.ack_len = d->ack.len;
        done.ack_frame_pending = d->frame_pending;
    }
    /* What waited for the transmission goes first: the callback may start
     * the next one at once. */
    if (r->state == RCP_STATE_READY)
        pump(r, now);
    if (r->tx_done)
        r->tx_done(r->user, &done);
}

static void abort_tx(struct rcp *r, uint64_t now)
{
    if (r->tx_active)
        report_tx(r, RADIO_TX_ABORTED, NULL, now);
}

static void want(struct rcp *r, uint32_t bit);

static void end_scan(struct rcp *r)
{
    if (!r->scan_cb)
        return;
    rcp_scan_cb cb = r->scan_cb;
    void *user = r->scan_user;
    r->scan_cb = NULL;
    r->scan_channel = 0;
    r->scan_mask = 0;
    /* The scan left the radio on the last channel it sampled: receive on
     * ours again (PHY_CHAN makes the RCP receive, as RadioSpinel::Receive
     * does after a scan). */
    want(r, D_CHAN);
    cb(user, 0, 0, true);
}

static void request_reset(struct rcp *r, uint64_t now)
{
    uint8_t buf[8];
    struct wr w = wr_init(buf, sizeof(buf));
    r->req.active = false;
    r->state = RCP_STATE_RESETTING;
    r->dirty = D_ALL;
    r->reset_deadline_ms = now + resp_timeout(r);
    r->spare_reset = true;
    abort_tx(r, now);
    end_scan(r);
    /* SpinelDriver::ResetCoprocessor: a software reset of the stack, TID 0 */
    spinel_build_reset(&w, RCP_IID, 0, SPINEL_RESET_STACK);
    if (send_spinel(r, &w, buf) == 0)
        r->ctr.resets_sent++;
}

static void enter_init(struct rcp *r, uint64_t now)
{
    r->state = RCP_STATE_INIT;
    r->req.active = false;
    r->init_step = 0;
    r->init_answered = false;
    r->has_cap_api = r->has_cap_min_host = false;
    r->dirty = D_ALL;
    if (!r->tx_power_set)
        r->dirty &= ~(uint32_t)D_TX_POWER;
    pump(r, now);
}

static void incompatible(struct rcp *r, const char *fmt, unsigned a, unsigned b)
    __attribute__((format(printf, 2, 0)));

static void incompatible(struct rcp *r, const char *fmt, unsigned a, unsigned b)
{
    char why[RCP_ERR_MAX - 24];
    snprintf(why, sizeof(why), fmt, a, b);
    r->state = RCP_STATE_INCOMPATIBLE;
    r->req.active = false;
    end_scan(r);
    logf_(r, 1, true, "rcp: incompatible RCP: %s", why);
}

static void go_down(struct rcp *r, uint64_t now, const char *why)
{
    r->ctr.link_down++;
    logf_(r, 2, true, "rcp: link down: %s", why ? why : "?");
    abort_tx(r, now);
    end_scan(r);
    hdlc_decoder_reset(&r->dec);
    r->req.active = false;
    r->wants_link_reset = false;
    r->write_failed = false;
    if (r->state != RCP_STATE_INCOMPATIBLE)
        r->state = RCP_STATE_DOWN;
    r->reopen_at_ms = now + r->backoff_ms;
    r->backoff_ms = r->backoff_ms * 2 > RCP_REOPEN_MAX_MS ? RCP_REOPEN_MAX_MS : r->backoff_ms * 2;
}

/* ---- input ---- */

static bool init_answer(struct rcp *r, uint32_t prop, const uint8_t *v, size_t n)
{
    struct rd rd = rd_init(v, n);
    uint32_t x;
    bool a, b;
    switch (prop) {
    case SPINEL_PROP_PROTOCOL_VERSION:
        if (!spinel_parse_protocol_version(v, n, &r->info.protocol_major, &r->info.protocol_minor))
            return false;
        if (r->info.protocol_major != SPINEL_PROTOCOL_VERSION_THREAD_MAJOR)
            incompatible(r, "Spinel protocol %u.%u, we speak 4.x", r->info.protocol_major,
                         r->info.protocol_minor);
        return true;
    case SPINEL_PROP_NCP_VERSION:
        return spinel_rd_utf8(&rd, r->info.ncp_version, sizeof(r->info.ncp_version));
    case SPINEL_PROP_CAPS:
        if (!spinel_caps_has(v, n, SPINEL_CAP_CONFIG_RADIO, &a) ||
            !spinel_caps_has(v, n, SPINEL_CAP_MAC_RAW, &b) ||
            !spinel_caps_has(v, n, SPINEL_CAP_RCP_API_VERSION, &r->has_cap_api) ||
            !spinel_caps_has(v, n, SPINEL_CAP_RCP_MIN_HOST_API_VERSION, &r->has_cap_min_host))
            return false;
        if (!a)
            incompatible(r, "not an RCP (no CAP_CONFIG_RADIO)%.0u%.0u", 0, 0);
        else if (!b)
            incompatible(r, "no raw radio mode (no CAP_MAC_RAW)%.0u%.0u", 0, 0);
        r->info.has_rcp_api_version = r->has_cap_api;
        return true;
    case SPINEL_PROP_RCP_API_VERSION:
        if (!spinel_rd_uint(&rd, &x))
            return false;
        r->info.rcp_api_version = x;
        if (x < SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION)
            incompatible(r, "RCP API version %u, we need %u or later", x,
                         SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION);
        return true;
    case SPINEL_PROP_RCP_MIN_HOST_API_VERSION:
        if (!spinel_rd_uint(&rd, &x))
            return false;
        r->info.rcp_min_host_api_version = x;
        if (x > SPINEL_RCP_API_VERSION)
            incompatible(r, "the RCP needs host API version %u, ours is %u", x,
                         SPINEL_RCP_API_VERSION);
        return true;
    case SPINEL_PROP_RADIO_CAPS:
        if (!spinel_rd_uint(&rd, &x))
            return false;
        r->info.radio_caps = x;
        if (!(x & RCP_RADIO_CAPS_ACK_TIMEOUT))
            incompatible(r,
                         "no ACK timeout in the RCP (radio caps 0x%x): tbr cannot time ACKs "
                         "over a serial line%.0u",
                         x, 0);
        return true;
    default: /* SPINEL_PROP_HWADDR */
        return rd_bytes(&rd, r->info.eui64, 8);
    }
}

static void on_response(struct rcp *r, const struct spinel_frame *f, uint64_t now)
{
    struct rcp_req req = r->req;
    uint32_t status = SPINEL_STATUS_OK;
    bool is_status = f->cmd == SPINEL_CMD_PROP_VALUE_IS && f->prop == SPINEL_PROP_LAST_STATUS;

    if (!is_status && f->prop != req.prop) {
        r->ctr.rx_unexpected_tid++;
        return;
    }
    r->req.active = false;
    r->init_answered = true;
    if (is_status) {
        if (!spinel_parse_last_status(f->value, f->value_len, &status)) {
            r->ctr.rx_spinel_bad++;
            status = SPINEL_STATUS_PARSE_ERROR;
        }
        if (status != SPINEL_STATUS_OK) {
            r->ctr.errors_status++;
            logf_(r, 2, true, "rcp: request for property 0x%x refused: status %u",
                  (unsigned)req.prop, (unsigned)status);
        }
    }
    if (req.what == D_INIT) {
        if (status != SPINEL_STATUS_OK || is_status) {
            incompatible(r, "the RCP does not answer GET 0x%x (status %u)", (unsigned)req.prop,
                         (unsigned)status);
            return;
        }
        if (!init_answer(r, req.prop, f->value, f->value_len)) {
            r->ctr.rx_spinel_bad++;
            logf_(r, 2, true, "rcp: malformed value of property 0x%x; resetting the RCP",
                  (unsigned)req.prop);
            request_reset(r, now);
            return;
        }
        r->init_step++;
    } else if (req.what == D_SCAN) {
        if (status != SPINEL_STATUS_OK) {
            end_scan(r);
        } else if (++r->scan_step == 3) {
            r->scan_deadline_ms = now + r->scan_ms + resp_timeout(r);
        }
    }
    pump(r, now);
}

static enum radio_tx_status tx_status(uint32_t s)
{
    switch (s) {
    case SPINEL_STATUS_OK:
        return RADIO_TX_OK;
    case SPINEL_STATUS_NO_ACK:
        return RADIO_TX_NO_ACK;
    case SPINEL_STATUS_CCA_FAILURE:
        return RADIO_TX_CHANNEL_ACCESS_FAIL;
    case SPINEL_STATUS_OT_ABORT:
        return RADIO_TX_ABORTED;
    default:
        return RADIO_TX_ERROR;
    }
}

static void on_tx_done(struct rcp *r, const struct spinel_frame *f, uint64_t now)
{
    struct spinel_tx_done d;
    if (!r->tx_active || f->cmd != SPINEL_CMD_PROP_VALUE_IS || f->prop != SPINEL_PROP_LAST_STATUS) {
        r->ctr.rx_unexpected_tid++;
        return;
    }
    if (!spinel_parse_tx_done(f->value, f->value_len, &d)) {
        /* RadioSpinel::HandleTransmitDone: a parse error is RCP misbehaviour */
        r->ctr.rx_spinel_bad++;
        logf_(r, 2, true, "rcp: malformed transmit-done; resetting the RCP");
        request_reset(r, now);
        return;
    }
    report_tx(r, tx_status(d.status), &d, now);
}

static void on_stream_raw(struct rcp *r, const struct spinel_frame *f, uint64_t now)
{
    struct rd rd = rd_init(f->value, f->value_len);
    struct spinel_radio_frame rf;
    if (!spinel_parse_radio_frame(&rd, &rf) || rf.len == 0 || rf.len > RADIO_PSDU_MAX) {
        r->ctr.rx_drop_bad_frame++;
        return;
    }
    if (rf.rx_error != 0) {
        r->ctr.rx_drop_rx_error++;
        return;
    }
    if (r->state != RCP_STATE_READY) {
        r->ctr.rx_spinel_ignored++;
        return;
    }
    if (!r->rx) {
        r->ctr.rx_drop_no_handler++;
        return;
    }
    /* With promiscuous mode off the RCP passes up only frames for us, and an
     * auto-ACK radio acknowledges each that asks for it (FCF AR bit, not an
     * ACK itself); ACKED_FP says the ACK had frame pending set. */
    bool ar = (rf.psdu[0] & 0x20) && (rf.psdu[0] & 0x07) != 2;
    struct radio_rx_frame fr = {
        rf.psdu, rf.len, rf.channel, rf.rssi,
        rf.lqi,  now,    ar,         ar && (rf.flags & SPINEL_MD_FLAG_ACKED_FP)};
    r->ctr.rx_frames++;
    r->rx(r->user, &fr);
}

static void on_reset(struct rcp *r, uint32_t status, uint64_t now)
{
    r->ctr.reset_notifications++;
    switch (r->state) {
    case RCP_STATE_RESETTING:
        logf_(r, 3, false, "rcp: RCP reset (status %u)", (unsigned)status);
        enter_init(r, now);
        break;
    case RCP_STATE_INIT:
    case RCP_STATE_READY:
        if (r->state == RCP_STATE_INIT && (!r->init_answered || r->spare_reset)) {
            /* A freshly started RCP announces its power-on and then our
             * reset; which comes when depends on its start-up (seen with
             * ot-rcp): one extra notification during INIT is expected. */
            r->spare_reset = false;
            enter_init(r, now);
            break;
        }
        r->ctr.unexpected_resets++;
        logf_(r, 2, true, "rcp: the RCP reset unexpectedly (status %u); restoring its state",
              (unsigned)status);
        abort_tx(r, now);
        end_scan(r);
        enter_init(r, now);
        break;
    default:
        r->ctr.rx_spinel_ignored++;
        break;
    }
}

static void on_scan_result(struct rcp *r, const struct spinel_frame *f)
{
    uint8_t ch;
    int8_t rssi;
    if (!spinel_parse_energy_scan_result(f->value, f->value_len, &ch, &rssi)) {
        r->ctr.rx_spinel_bad++;
        return;
    }
    if (!r->scan_cb || r->scan_step != 3 || ch != r->scan_channel) {
        r->ctr.rx_spinel_ignored++;
        return;
    }
    r->scan_mask &= ~(1u << ch);
    r->scan_cb(r->scan_user, ch, rssi, false);
    if (!r->scan_cb)
        return;
    if (!r->scan_mask) {
        end_scan(r);
        return;
    }
    r->scan_channel = (uint8_t)__builtin_ctz(r->scan_mask);
    r->scan_step = 0;
}

static void on_frame(void *user, const uint8_t *p, size_t n)
{
    struct rcp *r = user;
    uint64_t now = r->now_ms;
    struct spinel_frame f;
    uint32_t status;

    if (!spinel_frame_parse(p, n, &f)) {
        r->ctr.rx_spinel_bad++;
        return;
    }
    r->ctr.rx_spinel_frames++;
    if (f.iid != RCP_IID || r->state == RCP_STATE_DOWN || r->state == RCP_STATE_INCOMPATIBLE) {
        r->ctr.rx_spinel_ignored++;
        return;
    }
    if (f.cmd == SPINEL_CMD_PROP_VALUE_IS && f.prop == SPINEL_PROP_LAST_STATUS &&
        spinel_parse_last_status(f.value, f.value_len, &status) && spinel_status_is_reset(status)) {
        on_reset(r, status, now);
        return;
    }
    if (r->state == RCP_STATE_RESETTING) {
        r->ctr.rx_spinel_ignored++; /* leftovers from before the reset */
        return;
    }
    if (f.tid == RCP_TX_TID) {
        on_tx_done(r, &f, now);
    } else if (f.tid != 0) {
        if (r->req.active && f.tid == r->req.tid)
            on_response(r, &f, now);
        else
            r->ctr.rx_unexpected_tid++;
    } else if (f.cmd == SPINEL_CMD_PROP_VALUE_IS && f.prop == SPINEL_PROP_STREAM_RAW) {
        on_stream_raw(r, &f, now);
    } else if (f.cmd == SPINEL_CMD_PROP_VALUE_IS && f.prop == SPINEL_PROP_MAC_ENERGY_SCAN_RESULT) {
        on_scan_result(r, &f);
        pump(r, now);
    } else {
        r->ctr.rx_spinel_ignored++;
    }
}

/* ---- the API ---- */

int rcp_init(struct rcp *r, const struct rcp_config *cfg)
{
    if (!cfg || !cfg->stream_ops || !cfg->stream_ops->write)
        return -1;
    memset(r, 0, sizeof(*r));
    r->cfg = *cfg;
    if (!r->cfg.max_csma_backoffs)
        r->cfg.max_csma_backoffs = 4; /* OPENTHREAD_CONFIG_MAC_MAX_CSMA_BACKOFFS_DIRECT */
    if (!r->cfg.max_frame_retries)
        r->cfg.max_frame_retries = 15; /* ..._DEFAULT_MAX_FRAME_RETRIES_DIRECT */
    hdlc_decoder_init(&r->dec, on_frame, r);
    r->state = RCP_STATE_DOWN;
    r->next_tid = 1;
    r->backoff_ms = RCP_REOPEN_MIN_MS;
    r->channel = RADIO_CHANNEL_MIN;
    r->pan_id = 0xFFFF;
    r->short_addr = 0xFFFE;
    return 0;
}

void rcp_set_handlers(struct rcp *r, radio_rx_cb rx, radio_tx_done_cb tx_done, void *user)
{
    r->rx = rx;
    r->tx_done = tx_done;
    r->user = user;
}

void rcp_link_up(struct rcp *r, uint64_t now_ms)
{
    r->now_ms = now_ms;
    r->ctr.link_up++;
    hdlc_decoder_reset(&r->dec);
    r->wants_link_reset = false;
    r->write_failed = false;
    if (r->state == RCP_STATE_INCOMPATIBLE)
        return;
    request_reset(r, now_ms);
}

void rcp_link_down(struct rcp *r, uint64_t now_ms, const char *why)
{
    r->now_ms = now_ms;
    go_down(r, now_ms, why);
}

static void check_write(struct rcp *r, uint64_t now)
{
    if (r->write_failed)
        go_down(r, now, "write to the RCP failed");
}

void rcp_input(struct rcp *r, const uint8_t *p, size_t n, uint64_t now_ms)
{
    struct hdlc_counters before = r->dec.ctr;
    r->now_ms = now_ms;
    r->ctr.rx_bytes += n;
    if (r->state == RCP_STATE_DOWN)
        return;
    hdlc_decode(&r->dec, p, n);
    r->ctr.rx_hdlc_fcs_errors += r->dec.ctr.fcs_errors - before.fcs_errors;
    r->ctr.rx_hdlc_too_long += r->dec.ctr.too_long - before.too_long;
    r->ctr.rx_hdlc_too_short += r->dec.ctr.too_short - before.too_short;
    check_write(r, now_ms);
}

void rcp_tick(struct rcp *r, uint64_t now_ms)
{
    r->now_ms = now_ms;
    check_write(r, now_ms);
    if (r->state == RCP_STATE_RESETTING) {
        if (!r->wants_link_reset && now_ms >= r->reset_deadline_ms) {
            r->wants_link_reset = true;
            r->ctr.link_resets++;
            logf_(r, 1, true, "rcp: the RCP does not answer a reset; the link must be reset");
        }
        return;
    }
    if (r->state != RCP_STATE_INIT && r->state != RCP_STATE_READY)
        return;
    if (r->req.active && now_ms >= r->req.deadline_ms) {
        r->ctr.response_timeouts++;
        logf_(r, 2, true, "rcp: no answer for property 0x%x; resetting the RCP",
              (unsigned)r->req.prop);
        request_reset(r, now_ms);
    } else if (r->tx_active && now_ms >= r->tx_deadline_ms) {
        r->ctr.tx_timeouts++;
        logf_(r, 2, true, "rcp: transmission unreported; resetting the RCP");
        request_reset(r, now_ms);
    } else if (r->scan_cb && r->scan_step == 3 && now_ms >= r->scan_deadline_ms) {
        logf_(r, 2, true, "rcp: no energy scan result for channel %u", r->scan_channel);
        end_scan(r);
    }
    check_write(r, now_ms);
}

static int64_t until(uint64_t at, uint64_t now)
{
    return at > now ? (int64_t)(at - now) : 0;
}

static int64_t min_t(int64_t a, int64_t b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

int64_t rcp_timeout_ms(const struct rcp *r, uint64_t now_ms)
{
    int64_t t = -1;
    if (r->write_failed)
        return 0;
    switch (r->state) {
    case RCP_STATE_DOWN:
        return until(r->reopen_at_ms, now_ms);
    case RCP_STATE_RESETTING:
        return r->wants_link_reset ? -1 : until(r->reset_deadline_ms, now_ms);
    case RCP_STATE_INIT:
    case RCP_STATE_READY:
        if (r->req.active)
            t = until(r->req.deadline_ms, now_ms);
        if (r->tx_active)
            t = min_t(t, until(r->tx_deadline_ms, now_ms));
        if (r->scan_cb && r->scan_step == 3)
            t = min_t(t, until(r->scan_deadline_ms, now_ms));
        return t;
    default:
        return -1;
    }
}

bool rcp_reopen_due(const struct rcp *r, uint64_t now_ms)
{
    return r->state == RCP_STATE_DOWN && now_ms >= r->reopen_at_ms;
}

bool rcp_wants_link_reset(const struct rcp *r)
{
    return r->wants_link_reset;
}

enum rcp_state rcp_state(const struct rcp *r)
{
    return r->state;
}

const struct rcp_info *rcp_info(const struct rcp *r)
{
    return &r->info;
}

const struct rcp_counters *rcp_counters(const struct rcp *r)
{
    return &r->ctr;
}

const char *rcp_last_error(const struct rcp *r)
{
    return r->err;
}

uint64_t rcp_ready_since_ms(const struct rcp *r, uint64_t now_ms)
{
    return r->state == RCP_STATE_READY && now_ms > r->ready_at_ms ? now_ms - r->ready_at_ms : 0;
}

int rcp_energy_scan(struct rcp *r, uint32_t mask, uint16_t duration_ms, rcp_scan_cb cb, void *user,
                    uint64_t now_ms)
{
    mask &= ((1u << (RADIO_CHANNEL_MAX + 1)) - 1) & ~((1u << RADIO_CHANNEL_MIN) - 1);
    if (r->state != RCP_STATE_READY || r->scan_cb || !cb || !mask)
        return -1;
    r->now_ms = now_ms;
    r->scan_cb = cb;
    r->scan_user = user;
    r->scan_mask = mask;
    r->scan_ms = duration_ms;
    r->scan_channel = (uint8_t)__builtin_ctz(mask);
    r->scan_step = 0;
    pump(r, now_ms);
    return 0;
}

/* Records a change of desired state and sends it when READY. */
static void want(struct rcp *r, uint32_t bit)
{
    r->dirty |= bit;
    if (r->state == RCP_STATE_READY)
        pump(r, r->now_ms);
}

int rcp_set_tx_power(struct rcp *r, int8_t dbm)
{
    r->tx_power = dbm;
    r->tx_power_set = true;
    want(r, D_TX_POWER);
    return 0;
}

/* ---- radio ops ---- */

static int op_transmit(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    struct rcp *r = radio;
    uint8_t buf[RCP_TX_FRAME_MAX];
    struct wr w = wr_init(buf, sizeof(buf));
    if (len < 1 || len > RADIO_PSDU_MAX || channel < RADIO_CHANNEL_MIN ||
        channel > RADIO_CHANNEL_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (r->state != RCP_STATE_READY || r->write_failed) {
        r->ctr.tx_not_ready++;
        errno = ENETDOWN;
        return -1;
    }
    if (r->tx_active) {
        errno = EBUSY;
        return -1;
    }
    /* Without TRANSMIT_RETRIES the RCP makes one attempt and the MAC retries
     * (radio.h RADIO_CAP_TX_DONE); ask for no retries so neither side guesses. */
    uint8_t retries =
        r->info.radio_caps & RCP_RADIO_CAPS_TRANSMIT_RETRIES ? r->cfg.max_frame_retries : 0;
    struct spinel_tx_request req = {psdu,    len,  channel,   r->cfg.max_csma_backoffs,
                                    retries, true, r->channel};
    spinel_build_stream_raw_tx(&w, RCP_IID, RCP_TX_TID, &req);
    if (send_spinel(r, &w, buf) != 0)
        return -1;
    r->tx_active = true;
    r->tx_deadline_ms =
        r->now_ms + (r->cfg.tx_timeout_ms ? r->cfg.tx_timeout_ms : RCP_TX_TIMEOUT_MS);
    r->ctr.tx_frames++;
    return 0;
}

/* An RCP acks in hardware or in its SubMac; it reports transmissions when it
 * times ACKs (always, once READY: INCOMPATIBLE otherwise) and retries when
 * its radio or SubMac does (OpenThread sub_mac.cpp GetCaps). */
static unsigned op_get_caps(void *radio)
{
    const struct rcp *r = radio;
    unsigned caps = RADIO_CAP_AUTO_ACK;
    if (r->info.radio_caps & RCP_RADIO_CAPS_ACK_TIMEOUT) {
        caps |= RADIO_CAP_TX_DONE;
        if (r->info.radio_caps & RCP_RADIO_CAPS_TRANSMIT_RETRIES)
            caps |= RADIO_CAP_TX_RETRIES;
    }
    return caps;
}

static int op_set_channel(void *radio, uint8_t channel)
{
    struct rcp *r = radio;
    if (channel < RADIO_CHANNEL_MIN || channel > RADIO_CHANNEL_MAX) {
        errno = EINVAL;
        return -1;
    }
    if (channel != r->channel) {
        r->channel = channel;
        want(r, D_CHAN);
    }
    return 0;
}

static int op_set_pan_id(void *radio, uint16_t pan_id)
{
    struct rcp *r = radio;
    if (pan_id != r->pan_id) {
        r->pan_id = pan_id;
        want(r, D_PANID);
    }
    return 0;
}

static int op_set_short_addr(void *radio, uint16_t short_addr)
{
    struct rcp *r = radio;
    if (short_addr != r->short_addr) {
        r->short_addr = short_addr;
        want(r, D_SADDR);
    }
    return 0;
}

static int op_set_ext_addr(void *radio, const uint8_t ext[8])
{
    struct rcp *r = radio;
    if (memcmp(ext, r->ext, 8)) {
        memcpy(r->ext, ext, 8);
        want(r, D_LADDR);
    }
    return 0;
}

static const char *op_last_error(void *radio)
{
    return rcp_last_error(radio);
}

static int op_src_match_enable(void *radio, bool enable)
{
    struct rcp *r = radio;
    if (enable != r->src_match_enabled) {
        r->src_match_enabled = enable;
        want(r, D_SRC_ENABLE);
    }
    return 0;
}

static int find_short(const struct rcp *r, uint16_t a)
{
    for (unsigned i = 0; i < r->n_src_short; i++)
        if (r->src_short[i] == a)
            return (int)i;
    return -1;
}

static int find_ext(const struct rcp *r, const uint8_t ext[8])
{
    for (unsigned i = 0; i < r->n_src_ext; i++)
        if (!memcmp(r->src_ext[i], ext, 8))
            return (int)i;
    return -1;
}

static int op_src_match_add_short(void *radio, uint16_t a)
{
    struct rcp *r = radio;
    if (find_short(r, a) >= 0)
        return 0;
    if (r->n_src_short >= RCP_SRC_MATCH_MAX) {
        errno = ENOSPC;
        return -1;
    }
    r->src_short[r->n_src_short++] = a;
    want(r, D_SRC_SHORT);
    return 0;
}

static int op_src_match_del_short(void *radio, uint16_t a)
{
    struct rcp *r = radio;
    int i = find_short(r, a);
    if (i >= 0) {
        r->src_short[i] = r->src_short[--r->n_src_short];
        want(r, D_SRC_SHORT);
    }
    return 0;
}

static int op_src_match_add_ext(void *radio, const uint8_t ext[8])
{
    struct rcp *r = radio;
    if (find_ext(r, ext) >= 0)
        return 0;
    if (r->n_src_ext >= RCP_SRC_MATCH_MAX) {
        errno = ENOSPC;
        return -1;
    }
    memcpy(r->src_ext[r->n_src_ext++], ext, 8);
    want(r, D_SRC_EXT);
    return 0;
}

static int op_src_match_del_ext(void *radio, const uint8_t ext[8])
{
    struct rcp *r = radio;
    int i = find_ext(r, ext);
    if (i >= 0) {
        memcpy(r->src_ext[i], r->src_ext[--r->n_src_ext], 8);
        want(r, D_SRC_EXT);
    }
    return 0;
}

static int op_src_match_clear(void *radio)
{
    struct rcp *r = radio;
    r->n_src_short = r->n_src_ext = 0;
    want(r, D_SRC_SHORT | D_SRC_EXT);
    return 0;
}

const struct radio_ops rcp_radio_ops = {
    .caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE | RADIO_CAP_TX_RETRIES,
    .get_caps = op_get_caps,
    .transmit = op_transmit,
    .set_channel = op_set_channel,
    .set_pan_id = op_set_pan_id,
    .set_short_addr = op_set_short_addr,
    .set_ext_addr = op_set_ext_addr,
    .last_error = op_last_error,
    .src_match_enable = op_src_match_enable,
    .src_match_add_short = op_src_match_add_short,
    .src_match_del_short = op_src_match_del_short,
    .src_match_add_ext = op_src_match_add_ext,
    .src_match_del_ext = op_src_match_del_ext,
    .src_match_clear = op_src_match_clear,
};
