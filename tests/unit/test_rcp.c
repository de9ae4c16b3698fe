/*
 * The Spinel host state machine (radio/rcp.h) against a scripted fake RCP at
 * the byte level: what the host writes is HDLC-decoded and parsed, the
 * answers are built as OpenThread's NcpBase would and fed back through
 * rcp_input. Time is simulated.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "radio/rcp.h"
#include "radio/spinel.h"

#define SENT_MAX 256

struct sent {
    uint8_t tid;
    uint32_t cmd, prop;
    uint8_t value[300];
    size_t len;
};

struct fake {
    struct rcp rcp;
    struct hdlc_decoder dec;
    struct sent sent[SENT_MAX];
    size_t n_sent, n_answered;
    bool auto_answer;
    bool fail_write;
    /* what the fake RCP says about itself */
    unsigned major;
    uint32_t caps[8];
    size_t n_caps;
    unsigned api, min_host;
    uint32_t radio_caps; /* OT_RADIO_CAPS_* bits */
    uint64_t now;
    /* what the host logged */
    int warnings;
    char last_log[RCP_ERR_MAX];
    /* what the host got */
    int tx_done;
    struct radio_tx_done done;
    uint8_t ack[128];
    int rx;
    struct radio_rx_frame rxf;
    int scans;
    bool scan_done;
    uint8_t scan_ch[20];
    int8_t scan_rssi[20];
};

static void on_host_frame(void *user, const uint8_t *p, size_t n)
{
    struct fake *f = user;
    struct spinel_frame sf;
    assert_true(spinel_frame_parse(p, n, &sf));
    assert_true(f->n_sent < SENT_MAX);
    struct sent *s = &f->sent[f->n_sent++];
    s->tid = sf.tid;
    s->cmd = sf.cmd;
    s->prop = sf.prop;
    assert_true(sf.value_len <= sizeof(s->value));
    memcpy(s->value, sf.value, sf.value_len);
    s->len = sf.value_len;
}

static int fake_write(void *stream, const uint8_t *p, size_t n)
{
    struct fake *f = stream;
    if (f->fail_write) {
        errno = EIO;
        return -1;
    }
    hdlc_decode(&f->dec, p, n);
    return 0;
}

static const struct rcp_stream_ops g_ops = {fake_write};

/* Sends a Spinel frame from the fake RCP. */
static void rcp_says(struct fake *f, const uint8_t *spinel, size_t n)
{
    uint8_t enc[HDLC_ENCODED_MAX(400)];
    size_t len;
    assert_int_equal(hdlc_encode(spinel, n, enc, sizeof(enc), &len), 0);
    rcp_input(&f->rcp, enc, len, f->now);
}

static void say_is(struct fake *f, uint8_t tid, uint32_t prop, const uint8_t *v, size_t vn)
{
    uint8_t b[400];
    struct wr w = wr_init(b, sizeof(b));
    spinel_wr_header(&w, 0, tid, SPINEL_CMD_PROP_VALUE_IS, prop);
    wr_bytes(&w, v, vn);
    assert_true(w.ok);
    rcp_says(f, b, (size_t)(w.p - b));
}

static void say_status(struct fake *f, uint8_t tid, uint32_t status)
{
    uint8_t v[5];
    say_is(f, tid, SPINEL_PROP_LAST_STATUS, v, spinel_packed_uint_encode(status, v));
}

/* Answers one host frame as an OpenThread RCP would. */
static void answer(struct fake *f, const struct sent *s)
{
    uint8_t v[64];
    struct wr w = wr_init(v, sizeof(v));
    if (s->cmd == SPINEL_CMD_RESET) {
        say_status(f, 0, SPINEL_STATUS_RESET_SOFTWARE);
        return;
    }
    if (s->cmd == SPINEL_CMD_PROP_VALUE_SET) {
        if (s->prop != SPINEL_PROP_STREAM_RAW)
            say_is(f, s->tid, s->prop, s->value, s->len);
        return;
    }
    assert_int_equal(s->cmd, SPINEL_CMD_PROP_VALUE_GET);
    switch (s->prop) {
    case SPINEL_PROP_PROTOCOL_VERSION:
        spinel_wr_uint(&w, f->major);
        spinel_wr_uint(&w, 3);
        break;
    case SPINEL_PROP_NCP_VERSION:
        wr_bytes(&w, "OPENTHREAD/fake", 16);
        break;
    case SPINEL_PROP_CAPS:
        for (size_t i = 0; i < f->n_caps; i++)
            spinel_wr_uint(&w, f->caps[i]);
        break;
    case SPINEL_PROP_RCP_API_VERSION:
        spinel_wr_uint(&w, f->api);
        break;
    case SPINEL_PROP_RCP_MIN_HOST_API_VERSION:
        spinel_wr_uint(&w, f->min_host);
        break;
    case SPINEL_PROP_RADIO_CAPS:
        spinel_wr_uint(&w, f->radio_caps);
        break;
    case SPINEL_PROP_HWADDR:
        wr_bytes(&w, "\x18\xb4\x30\x00\x00\x00\x00\x01", 8);
        break;
    default:
        say_status(f, s->tid, SPINEL_STATUS_PROP_NOT_FOUND);
        return;
    }
    say_is(f, s->tid, s->prop, v, (size_t)(w.p - v));
}

/* Answers what the host sent (and what that makes it send) when auto. */
static void settle(struct fake *f)
{
    while (f->auto_answer && f->n_answered < f->n_sent)
        answer(f, &f->sent[f->n_answered++]);
}

static void on_tx_done(void *user, const struct radio_tx_done *d)
{
    struct fake *f = user;
    f->tx_done++;
    f->done = *d;
    if (d->ack_psdu) {
        memcpy(f->ack, d->ack_psdu, d->ack_len);
        f->done.ack_psdu = f->ack;
    }
}

static void on_rx(void *user, const struct radio_rx_frame *fr)
{
    struct fake *f = user;
    f->rx++;
    f->rxf = *fr;
}

static void on_log(void *user, int level, const char *msg)
{
    struct fake *f = user;
    if (level == 2)
        f->warnings++;
    snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
}

static int setup(void **state)
{
    struct fake *f = test_calloc(1, sizeof(*f));
    struct rcp_config cfg = {.stream_ops = &g_ops, .stream = f, .log = on_log, .log_user = f};
    assert_int_equal(rcp_init(&f->rcp, &cfg), 0);
    rcp_set_handlers(&f->rcp, on_rx, on_tx_done, f);
    hdlc_decoder_init(&f->dec, on_host_frame, f);
    f->auto_answer = true;
    f->major = 4;
    uint32_t caps[] = {5,
                       12,
                       SPINEL_CAP_CONFIG_RADIO,
                       SPINEL_CAP_RCP_API_VERSION,
                       SPINEL_CAP_RCP_MIN_HOST_API_VERSION,
                       SPINEL_CAP_MAC_RAW};
    memcpy(f->caps, caps, sizeof(caps));
    f->n_caps = 6;
    f->api = 11;
    f->min_host = 4;
    f->radio_caps = 0x7f; /* ot-rcp's: ACK_TIMEOUT .. TRANSMIT_TIMING */
    f->now = 1000;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    test_free(*state);
    return 0;
}

static void up(struct fake *f)
{
    rcp_link_up(&f->rcp, f->now);
    settle(f);
}

static const struct sent *find_after(const struct fake *f, size_t from, uint32_t cmd, uint32_t prop)
{
    for (size_t i = from; i < f->n_sent; i++)
        if (f->sent[i].cmd == cmd && f->sent[i].prop == prop)
            return &f->sent[i];
    return NULL;
}

static void test_init_sequence(void **state)
{
    struct fake *f = *state;
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_DOWN);
    assert_true(rcp_reopen_due(&f->rcp, f->now));
    const struct radio_ops *ops = &rcp_radio_ops;
    const uint8_t ext[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ops->set_channel(&f->rcp, 20);
    ops->set_pan_id(&f->rcp, 0xface);
    ops->set_ext_addr(&f->rcp, ext);
    assert_int_equal(f->n_sent, 0); /* DOWN: only recorded */
    up(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    static const uint32_t want[][2] = {
        {SPINEL_CMD_RESET, 0},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_PROTOCOL_VERSION},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_NCP_VERSION},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_CAPS},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_RCP_API_VERSION},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_RCP_MIN_HOST_API_VERSION},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_RADIO_CAPS},
        {SPINEL_CMD_PROP_VALUE_GET, SPINEL_PROP_HWADDR},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_ENABLED},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_15_4_PANID},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_15_4_SADDR},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_15_4_LADDR},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_PROMISCUOUS_MODE},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SRC_MATCH_SHORT_ADDRESSES},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SRC_MATCH_EXTENDED_ADDRESSES},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SRC_MATCH_ENABLED},
        {SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_RAW_STREAM_ENABLED},
    };
    assert_int_equal(f->n_sent, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f->n_sent; i++) {
        assert_int_equal(f->sent[i].cmd, want[i][0]);
        assert_int_equal(f->sent[i].prop, want[i][1]);
        assert_true(f->sent[i].tid != 15);
    }
    assert_int_equal(f->sent[9].len, 2);
    assert_memory_equal(f->sent[9].value, "\xce\xfa", 2);
    assert_memory_equal(f->sent[11].value, ext, 8);
    assert_int_equal(f->sent[12].value[0], 20);
    assert_int_equal(f->sent[17].value[0], 1);
    const struct rcp_info *in = rcp_info(&f->rcp);
    assert_int_equal(in->protocol_major, 4);
    assert_string_equal(in->ncp_version, "OPENTHREAD/fake");
    assert_int_equal(in->rcp_api_version, 11);
    assert_int_equal(in->radio_caps, 0x7f);
    assert_int_equal(rcp_radio_ops.get_caps(&f->rcp),
                     RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE | RADIO_CAP_TX_RETRIES);
    assert_int_equal(f->warnings, 0); /* CSMA_BACKOFF: nothing to warn about */
    assert_memory_equal(in->eui64, "\x18\xb4\x30\x00\x00\x00\x00\x01", 8);
    assert_int_equal(rcp_counters(&f->rcp)->resets_sent, 1);
    assert_int_equal(rcp_counters(&f->rcp)->unexpected_resets, 0);
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), -1);
    /* READY: a setter goes out at once */
    size_t n = f->n_sent;
    ops->set_short_addr(&f->rcp, 0x0c00);
    assert_int_equal(f->n_sent, n + 1);
    assert_int_equal(f->sent[n].prop, SPINEL_PROP_MAC_15_4_SADDR);
    f->now += 50;
    assert_int_equal(rcp_ready_since_ms(&f->rcp, f->now), 50);
}

static void incompatible(struct fake *f, const char *what)
{
    up(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_INCOMPATIBLE);
    assert_non_null(strstr(rcp_last_error(&f->rcp), what));
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), -1);
    errno = 0;
    uint8_t psdu[5] = {2, 0, 1, 0, 0};
    assert_int_equal(rcp_radio_ops.transmit(&f->rcp, psdu, 5, 11), -1);
    assert_int_equal(errno, ENETDOWN);
}

static void test_incompatible_major(void **state)
{
    struct fake *f = *state;
    f->major = 5;
    incompatible(f, "protocol 5.3");
}

static void test_incompatible_not_rcp(void **state)
{
    struct fake *f = *state;
    f->caps[2] = SPINEL_CAP_RCP_API_VERSION; /* no CONFIG_RADIO */
    incompatible(f, "CAP_CONFIG_RADIO");
}

static void test_incompatible_no_raw(void **state)
{
    struct fake *f = *state;
    f->n_caps = 5; /* no MAC_RAW */
    incompatible(f, "CAP_MAC_RAW");
}

static void test_incompatible_old_api(void **state)
{
    struct fake *f = *state;
    f->api = SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION - 1;
    incompatible(f, "RCP API version 3");
}

static void test_incompatible_new_host(void **state)
{
    struct fake *f = *state;
    f->min_host = SPINEL_RCP_API_VERSION + 1;
    incompatible(f, "host API version 12");
}

/* An RCP that does not time ACKs cannot be driven from across a serial line. */
static void test_incompatible_no_ack_timeout(void **state)
{
    struct fake *f = *state;
    f->radio_caps = 0x7e;
    incompatible(f, "no ACK timeout in the RCP (radio caps 0x7e)");
    assert_non_null(strstr(rcp_last_error(&f->rcp), "cannot time ACKs over a serial line"));
}

static size_t transmit(struct fake *f, uint8_t seq)
{
    uint8_t psdu[12] = {0x61, 0x88, seq, 0xce, 0xfa, 0x02, 0x00, 0x01, 0x00, 0xaa, 0, 0};
    size_t n = f->n_sent;
    assert_int_equal(rcp_radio_ops.transmit(&f->rcp, psdu, sizeof(psdu), 20), 0);
    assert_int_equal(f->n_sent, n + 1);
    const struct sent *s = &f->sent[n];
    assert_int_equal(s->tid, 15);
    assert_int_equal(s->prop, SPINEL_PROP_STREAM_RAW);
    /* frame, channel 20, backoffs 4, retries 15 (0 when the RCP does not
     * retry: the MAC does), CSMA, header updated, not a retx, security
     * processed, delays, rx channel, no power */
    assert_int_equal(s->len, 2 + sizeof(psdu) + 7 + 8 + 2);
    assert_int_equal(s->value[2 + sizeof(psdu)], 20);
    if (f->radio_caps & RCP_RADIO_CAPS_TRANSMIT_RETRIES)
        assert_memory_equal(s->value + 2 + sizeof(psdu) + 1, "\x04\x0f\x01\x01\x00\x01", 6);
    else
        assert_memory_equal(s->value + 2 + sizeof(psdu) + 1, "\x04\x00\x01\x01\x00\x01", 6);
    return n;
}

/* The RCP resets in the middle of a transmission: ABORTED, then the whole
 * desired state goes back to it. */
static void test_reset_during_tx(void **state)
{
    struct fake *f = *state;
    rcp_radio_ops.set_channel(&f->rcp, 20);
    rcp_radio_ops.set_pan_id(&f->rcp, 0xface);
    rcp_set_tx_power(&f->rcp, -3);
    rcp_radio_ops.src_match_add_short(&f->rcp, 0x0401);
    rcp_radio_ops.src_match_enable(&f->rcp, true);
    up(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    transmit(f, 1);
    assert_int_equal(rcp_radio_ops.transmit(&f->rcp, (const uint8_t *)"\x01\x02\x03", 3, 20), -1);
    assert_int_equal(errno, EBUSY);
    f->n_answered = f->n_sent; /* the RCP never answers the transmission */
    size_t mark = f->n_sent;
    f->now += 10;
    say_status(f, 0, SPINEL_STATUS_RESET_WATCHDOG);
    assert_int_equal(f->tx_done, 1);
    assert_int_equal(f->done.status, RADIO_TX_ABORTED);
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    const struct rcp_counters *c = rcp_counters(&f->rcp);
    assert_int_equal(c->unexpected_resets, 1);
    assert_int_equal(c->restores, 1);
    assert_int_equal(c->tx_aborted, 1);
    const struct sent *s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN);
    assert_non_null(s);
    assert_int_equal(s->value[0], 20);
    s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_15_4_PANID);
    assert_non_null(s);
    assert_memory_equal(s->value, "\xce\xfa", 2);
    s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_TX_POWER);
    assert_non_null(s);
    assert_int_equal((int8_t)s->value[0], -3);
    s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SRC_MATCH_SHORT_ADDRESSES);
    assert_non_null(s);
    assert_int_equal(s->len, 2);
    assert_memory_equal(s->value, "\x01\x04", 2);
    s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_SRC_MATCH_ENABLED);
    assert_non_null(s);
    assert_int_equal(s->value[0], 1);
    assert_non_null(
        find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_RAW_STREAM_ENABLED));
    /* the same transmission again works */
    transmit(f, 2);
}

/* An RCP firmware without software retransmission or CSMA backoff (ACK
 * timeout and energy scan only): the host asks for no retries (the MAC
 * retries, RADIO_CAP_TX_DONE alone) and warns once that frames go after one
 * CCA. Another firmware after a reset brings its own caps. */
static void test_caps_without_retries(void **state)
{
    struct fake *f = *state;
    f->radio_caps = RCP_RADIO_CAPS_ACK_TIMEOUT | 0x2;
    assert_int_equal(rcp_radio_ops.get_caps(&f->rcp), RADIO_CAP_AUTO_ACK); /* nothing known */
    up(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(rcp_radio_ops.get_caps(&f->rcp), RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE);
    assert_int_equal(f->warnings, 1);
    assert_non_null(strstr(f->last_log, "no CSMA/CA backoff (radio caps 0x3)"));
    /* a warning, not a fault */
    assert_string_equal(rcp_last_error(&f->rcp), "");
    /* retries 0; the MAC's retry goes out the same way */
    transmit(f, 1);
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, (const uint8_t *)"\x11\x00\x01", 3);
    assert_int_equal(f->done.status, RADIO_TX_NO_ACK);
    transmit(f, 1);
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, (const uint8_t *)"\x12\x00\x01", 3);
    assert_int_equal(f->done.status, RADIO_TX_CHANNEL_ACCESS_FAIL);
    assert_int_equal(f->tx_done, 2);
    assert_int_equal(f->warnings, 1); /* once, nothing counted per frame */

    /* Retransmission but still no CSMA backoff: the RCP retries again. */
    f->radio_caps = RCP_RADIO_CAPS_ACK_TIMEOUT | RCP_RADIO_CAPS_TRANSMIT_RETRIES;
    f->now += 10;
    say_status(f, 0, SPINEL_STATUS_RESET_POWER_ON);
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(rcp_radio_ops.get_caps(&f->rcp),
                     RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_DONE | RADIO_CAP_TX_RETRIES);
    assert_int_equal(f->warnings, 3); /* the unexpected reset, then CSMA again */
    transmit(f, 2);                   /* retries 15 */

    /* The full set: no warning at READY. */
    f->radio_caps = 0x7f;
    f->now += 10;
    say_status(f, 0, SPINEL_STATUS_RESET_POWER_ON);
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(f->warnings, 4); /* the unexpected reset only */
    transmit(f, 3);
}

/* A fresh RCP announces its power-on and then our reset, the second after
 * it answered a query (seen with ot-rcp): not a fault. A third is. */
static void test_double_reset_notification(void **state)
{
    struct fake *f = *state;
    f->auto_answer = false;
    rcp_link_up(&f->rcp, f->now);
    assert_int_equal(f->n_sent, 1); /* CMD_RESET */
    say_status(f, 0, SPINEL_STATUS_RESET_POWER_ON);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_INIT);
    assert_int_equal(f->n_sent, 2); /* GET PROTOCOL_VERSION */
    answer(f, &f->sent[1]);
    assert_int_equal(f->n_sent, 3); /* GET NCP_VERSION */
    say_status(f, 0, SPINEL_STATUS_RESET_SOFTWARE);
    assert_int_equal(rcp_counters(&f->rcp)->unexpected_resets, 0);
    assert_int_equal(f->n_sent, 4); /* INIT again: GET PROTOCOL_VERSION */
    assert_int_equal(f->sent[3].prop, SPINEL_PROP_PROTOCOL_VERSION);
    f->n_answered = 3;
    f->auto_answer = true;
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(rcp_counters(&f->rcp)->unexpected_resets, 0);
    assert_int_equal(rcp_counters(&f->rcp)->reset_notifications, 2);
    say_status(f, 0, SPINEL_STATUS_RESET_SOFTWARE);
    assert_int_equal(rcp_counters(&f->rcp)->unexpected_resets, 1);
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
}

static void test_timeout_reset_link_reset(void **state)
{
    struct fake *f = *state;
    up(f);
    f->auto_answer = false;
    rcp_radio_ops.set_channel(&f->rcp, 25); /* never answered */
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), RCP_RESPONSE_TIMEOUT_MS);
    f->now += RCP_RESPONSE_TIMEOUT_MS - 1;
    rcp_tick(&f->rcp, f->now);
    assert_int_equal(rcp_counters(&f->rcp)->response_timeouts, 0);
    f->now += 1;
    rcp_tick(&f->rcp, f->now);
    assert_int_equal(rcp_counters(&f->rcp)->response_timeouts, 1);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_RESETTING);
    assert_int_equal(f->sent[f->n_sent - 1].cmd, SPINEL_CMD_RESET);
    assert_int_equal(rcp_counters(&f->rcp)->resets_sent, 2);
    assert_false(rcp_wants_link_reset(&f->rcp));
    f->now += RCP_RESPONSE_TIMEOUT_MS;
    rcp_tick(&f->rcp, f->now);
    assert_true(rcp_wants_link_reset(&f->rcp));
    assert_int_equal(rcp_counters(&f->rcp)->link_resets, 1);
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), -1);
    rcp_link_down(&f->rcp, f->now, "reset by the test");
    assert_false(rcp_wants_link_reset(&f->rcp));
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_DOWN);
    assert_false(rcp_reopen_due(&f->rcp, f->now + RCP_REOPEN_MIN_MS - 1));
    assert_true(rcp_reopen_due(&f->rcp, f->now + RCP_REOPEN_MIN_MS));
    /* back up: the desired channel survives */
    f->auto_answer = true;
    f->now += RCP_REOPEN_MIN_MS;
    size_t mark = f->n_sent;
    up(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    const struct sent *s = find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN);
    assert_non_null(s);
    assert_int_equal(s->value[0], 25);
}

static void test_tx_timeout(void **state)
{
    struct fake *f = *state;
    up(f);
    transmit(f, 3);
    f->n_answered = f->n_sent;
    f->now += RCP_TX_TIMEOUT_MS;
    rcp_tick(&f->rcp, f->now);
    assert_int_equal(f->tx_done, 1);
    assert_int_equal(f->done.status, RADIO_TX_ABORTED);
    assert_int_equal(rcp_counters(&f->rcp)->tx_timeouts, 1);
    settle(f);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
}

static void test_garbage(void **state)
{
    struct fake *f = *state;
    up(f);
    size_t n = f->n_sent;
    struct rcp_counters before = *rcp_counters(&f->rcp);
    const uint8_t junk[] = {0x00, 0x7e, 0x01, 0x02, 0x03, 0x7e, 0x7e, 0x55, 0x7e};
    rcp_input(&f->rcp, junk, sizeof(junk), f->now);
    const uint8_t not_spinel[] = {0x40, 0x06, 0x00};
    rcp_says(f, not_spinel, sizeof(not_spinel));
    const uint8_t trunc_cmd[] = {0x80, 0x86};
    rcp_says(f, trunc_cmd, sizeof(trunc_cmd));
    const uint8_t raw_trunc[] = {0x80, 0x06, 0x71, 0x05, 0x00, 0x01, 0x02};
    rcp_says(f, raw_trunc, sizeof(raw_trunc));
    say_status(f, 9, SPINEL_STATUS_OK);  /* nobody waits for TID 9 */
    say_status(f, 15, SPINEL_STATUS_OK); /* no transmission in flight */
    const uint8_t other_iid[] = {0x90, 0x06, 0x71};
    rcp_says(f, other_iid, sizeof(other_iid));
    const struct rcp_counters *c = rcp_counters(&f->rcp);
    assert_int_equal(c->rx_hdlc_fcs_errors - before.rx_hdlc_fcs_errors, 1);
    /* 00 and 55: single bytes between flags (in sync since the last frame) */
    assert_int_equal(c->rx_hdlc_too_short - before.rx_hdlc_too_short, 2);
    assert_int_equal(c->rx_spinel_bad - before.rx_spinel_bad, 2);
    assert_int_equal(c->rx_drop_bad_frame, 1);
    assert_int_equal(c->rx_unexpected_tid - before.rx_unexpected_tid, 2);
    assert_int_equal(c->rx_spinel_ignored - before.rx_spinel_ignored, 1);
    assert_int_equal(f->n_sent, n);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(f->rx + f->tx_done, 0);
}

/* Answers that take almost the whole timeout each are fine. */
static void test_slow_answers(void **state)
{
    struct fake *f = *state;
    f->auto_answer = false;
    rcp_link_up(&f->rcp, f->now);
    while (f->n_answered < f->n_sent) {
        f->now += RCP_RESPONSE_TIMEOUT_MS - 1;
        rcp_tick(&f->rcp, f->now);
        answer(f, &f->sent[f->n_answered++]);
    }
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(rcp_counters(&f->rcp)->response_timeouts, 0);
    assert_int_equal(rcp_counters(&f->rcp)->resets_sent, 1);
}

static void test_tx_ack_and_rx(void **state)
{
    struct fake *f = *state;
    up(f);
    transmit(f, 4);
    /* LAST_STATUS OK, frame pending, header updated, the ACK with metadata */
    uint8_t v[64];
    struct wr w = wr_init(v, sizeof(v));
    spinel_wr_uint(&w, SPINEL_STATUS_OK);
    wr_u8(&w, 1);
    wr_u8(&w, 1);
    spinel_wr_data_wlen(&w, (const uint8_t *)"\x12\x00\x04\xaa\xbb", 5);
    wr_bytes(&w, "\xe2\x80\x00\x00\x0a\x00\x14\xff\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00",
             19);
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, v, (size_t)(w.p - v));
    assert_int_equal(f->tx_done, 1);
    assert_int_equal(f->done.status, RADIO_TX_OK);
    assert_true(f->done.ack_frame_pending);
    assert_int_equal(f->done.ack_len, 5);
    assert_memory_equal(f->done.ack_psdu, "\x12\x00\x04\xaa\xbb", 5);
    /* NO_ACK and CCA failure */
    transmit(f, 5);
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, (const uint8_t *)"\x11\x00\x01", 3);
    assert_int_equal(f->done.status, RADIO_TX_NO_ACK);
    assert_null(f->done.ack_psdu);
    transmit(f, 6);
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, (const uint8_t *)"\x12\x00\x01", 3);
    assert_int_equal(f->done.status, RADIO_TX_CHANNEL_ACCESS_FAIL);
    transmit(f, 7);
    say_status(f, 15, SPINEL_STATUS_INVALID_STATE); /* refused at once */
    assert_int_equal(f->done.status, RADIO_TX_ERROR);
    /* a received frame with AR, acknowledged with frame pending */
    w = wr_init(v, sizeof(v));
    spinel_wr_data_wlen(&w, (const uint8_t *)"\x61\x88\x09\xce\xfa\x00\x0c\x01\x04\x99\x00\x00",
                        12);
    wr_bytes(&w, "\xd8\x80\x10\x00\x0a\x00\x14\x77\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00",
             19);
    f->now += 5;
    say_is(f, 0, SPINEL_PROP_STREAM_RAW, v, (size_t)(w.p - v));
    assert_int_equal(f->rx, 1);
    assert_int_equal(f->rxf.len, 12);
    assert_int_equal(f->rxf.rssi, -40);
    assert_int_equal(f->rxf.lqi, 0x77);
    assert_int_equal(f->rxf.channel, 20);
    assert_int_equal(f->rxf.timestamp_ms, f->now);
    assert_true(f->rxf.acked);
    assert_true(f->rxf.ack_frame_pending);
    /* a receive error is counted, not passed up */
    v[2 + 12 + 2 + 2 + 2 + 10 + 2] = 3;
    say_is(f, 0, SPINEL_PROP_STREAM_RAW, v, (size_t)(w.p - v));
    assert_int_equal(f->rx, 1);
    assert_int_equal(rcp_counters(&f->rcp)->rx_drop_rx_error, 1);
}

/* A channel change while a transmission is in flight waits for its report:
 * the RCP would abandon the transmission on PHY_CHAN (SubMac::Receive) and
 * never report it. It goes out before the next transmission can. */
static void test_channel_waits_for_tx(void **state)
{
    struct fake *f = *state;
    up(f);
    transmit(f, 8);
    size_t mark = f->n_sent;
    assert_int_equal(rcp_radio_ops.set_channel(&f->rcp, 25), 0);
    assert_int_equal(rcp_radio_ops.set_pan_id(&f->rcp, 0xbeef), 0);
    settle(f);
    /* the PAN ID may go, the channel may not */
    assert_non_null(find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_MAC_15_4_PANID));
    assert_null(find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN));
    size_t before_done = f->n_sent;
    say_is(f, 15, SPINEL_PROP_LAST_STATUS, (const uint8_t *)"\x11\x00\x01", 3); /* NO_ACK */
    assert_int_equal(f->tx_done, 1);
    const struct sent *c =
        find_after(f, before_done, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN);
    assert_non_null(c);
    assert_int_equal(c->value[0], 25);
    /* already on the line when tx_done ran: a transmission started from the
     * callback follows it */
    size_t n = transmit(f, 9);
    assert_true(&f->sent[n] > c);
}

static void scan_cb(void *user, uint8_t ch, int8_t rssi, bool done)
{
    struct fake *f = user;
    if (done) {
        f->scan_done = true;
        return;
    }
    f->scan_ch[f->scans] = ch;
    f->scan_rssi[f->scans++] = rssi;
}

static void test_energy_scan(void **state)
{
    struct fake *f = *state;
    assert_int_equal(rcp_energy_scan(&f->rcp, 1u << 11, 10, scan_cb, f, f->now), -1);
    up(f);
    assert_int_equal(rcp_energy_scan(&f->rcp, (1u << 11) | (1u << 26) | 1u, 10, scan_cb, f, f->now),
                     0);
    assert_int_equal(rcp_energy_scan(&f->rcp, 1u << 12, 10, scan_cb, f, f->now), -1);
    settle(f);
    const struct sent *s = &f->sent[f->n_sent - 1];
    assert_int_equal(s->prop, SPINEL_PROP_MAC_SCAN_STATE);
    assert_int_equal(s->value[0], SPINEL_SCAN_STATE_ENERGY);
    assert_int_equal(f->sent[f->n_sent - 3].value[0], 11);
    say_is(f, 0, SPINEL_PROP_MAC_ENERGY_SCAN_RESULT, (const uint8_t *)"\x0b\xb5", 2);
    settle(f);
    assert_int_equal(f->sent[f->n_sent - 3].value[0], 26);
    size_t mark = f->n_sent;
    say_is(f, 0, SPINEL_PROP_MAC_ENERGY_SCAN_RESULT, (const uint8_t *)"\x1a\xa0", 2);
    assert_int_equal(f->scans, 2);
    assert_int_equal(f->scan_ch[1], 26);
    assert_int_equal(f->scan_rssi[0], -75);
    assert_true(f->scan_done);
    /* the radio goes back to receiving on the network's channel */
    assert_non_null(find_after(f, mark, SPINEL_CMD_PROP_VALUE_SET, SPINEL_PROP_PHY_CHAN));
}

static void test_link_down_and_write_failure(void **state)
{
    struct fake *f = *state;
    up(f);
    transmit(f, 8);
    rcp_link_down(&f->rcp, f->now, "EOF");
    assert_int_equal(f->done.status, RADIO_TX_ABORTED);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_DOWN);
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), RCP_REOPEN_MIN_MS);
    f->now += RCP_REOPEN_MIN_MS;
    up(f);
    f->fail_write = true;
    rcp_radio_ops.set_channel(&f->rcp, 12); /* the write fails: noticed at the next tick */
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_READY);
    assert_int_equal(rcp_timeout_ms(&f->rcp, f->now), 0);
    rcp_tick(&f->rcp, f->now);
    assert_int_equal(rcp_state(&f->rcp), RCP_STATE_DOWN);
    assert_int_equal(rcp_counters(&f->rcp)->link_down, 2);
    /* backoff doubled (READY in between reset it to the minimum) */
    assert_false(rcp_reopen_due(&f->rcp, f->now + RCP_REOPEN_MIN_MS - 1));
    assert_true(rcp_reopen_due(&f->rcp, f->now + RCP_REOPEN_MIN_MS));
    rcp_link_down(&f->rcp, f->now, "again");
    assert_false(rcp_reopen_due(&f->rcp, f->now + 2 * RCP_REOPEN_MIN_MS - 1));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_init_sequence),
        T(test_incompatible_major),
        T(test_incompatible_not_rcp),
        T(test_incompatible_no_raw),
        T(test_incompatible_old_api),
        T(test_incompatible_new_host),
        T(test_incompatible_no_ack_timeout),
        T(test_caps_without_retries),
        T(test_reset_during_tx),
        T(test_double_reset_notification),
        T(test_timeout_reset_link_reset),
        T(test_tx_timeout),
        T(test_garbage),
        T(test_slow_answers),
        T(test_tx_ack_and_rx),
        T(test_channel_waits_for_tx),
        T(test_energy_scan),
        T(test_link_down_and_write_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
