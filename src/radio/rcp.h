/*
 * The Spinel host: drives an OpenThread radio co-processor (RCP) over a byte
 * stream (HDLC-lite framed Spinel, radio/hdlc.h and radio/spinel.h) and
 * offers it to the MAC as a radio (radio/radio.h, rcp_radio_ops).
 *
 * Pure logic: no file descriptors, no clock, no global state. The caller
 * owns a struct rcp, writes through the stream ops it configures, feeds the
 * bytes it reads with rcp_input(), and passes the time in. The serial line,
 * pty and child process live in platform/spinel_link.h.
 *
 *   rcp_init(&rcp, &cfg);
 *   open the link; rcp_link_up(&rcp, now);        // resets and initialises the RCP
 *   loop:
 *     poll(link fd, rcp_timeout_ms(&rcp, now))
 *     bytes read    -> rcp_input(&rcp, buf, n, now)
 *     EOF / error   -> close; rcp_link_down(&rcp, now, "why")
 *     rcp_tick(&rcp, now)
 *     rcp_reopen_due(&rcp, now) -> try to open the link again:
 *                      rcp_link_up() on success, rcp_link_down() on failure
 *     rcp_wants_link_reset(&rcp) -> close the link (kill the forkpty child,
 *                      close the UART) and call rcp_link_down(): the RCP stopped
 *                      answering even a reset
 *
 * Reference: draft-rquattle-spinel-unified (Spinel), OpenThread's
 * src/lib/spinel (what an RCP actually sends) and src/lib/hdlc.
 *
 * States:
 *   DOWN          no link; rcp_reopen_due() says when to try again (backoff
 *                 RCP_REOPEN_MIN_MS doubling to RCP_REOPEN_MAX_MS, reset to the
 *                 minimum once READY again).
 *   RESETTING     CMD_RESET sent; waiting for the reset notification
 *                 (LAST_STATUS RESET_*), RCP_RESPONSE_TIMEOUT_MS.
 *   INIT          querying and checking the RCP (protocol version 4.x, NCP
 *                 version, capabilities CONFIG_RADIO and MAC_RAW, RCP API
 *                 version ranges, radio capabilities, EUI-64), then pushing
 *                 the desired radio state (channel, PAN ID, addresses,
 *                 promiscuous mode, TX power, source-match tables, PHY and
 *                 raw stream enabled).
 *   READY         frames flow; setters are sent at once (one request
 *                 outstanding at a time, the rest kept as desired state).
 *   INCOMPATIBLE  the RCP is not one we can drive (wrong protocol major, not
 *                 an RCP, API version out of range, no ACK timeout). Final: rcp_last_error()
 *                 says why; the daemon exits with that line.
 *
 * Faults, all counted by name (struct rcp_counters) and recovered without
 * the caller's help except for closing/reopening the link:
 *   - a reset notification while READY/INIT (the RCP rebooted): the frame in
 *     flight is reported RADIO_TX_ABORTED, the RCP is initialised again and
 *     the whole desired state restored;
 *   - a response or transmit timeout: a reset is requested; if the reset is
 *     not answered either, rcp_wants_link_reset() turns true;
 *   - HDLC framing errors (bad FCS, overlong frames) and Spinel frames that
 *     do not parse: dropped and counted;
 *   - link down (EOF, EIO, the device vanished, the child died): the frame in
 *     flight is reported RADIO_TX_ABORTED; DOWN with backoff.
 * The desired radio state survives all of them. MAC frame counters are not
 * the RCP's business: the host secures every frame (radio.h) and marks it so.
 */
#ifndef TBR_RADIO_RCP_H
#define TBR_RADIO_RCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "radio/hdlc.h"
#include "radio/radio.h"

#define RCP_RESPONSE_TIMEOUT_MS 2000 /* OpenThread's host waits 2 s for a response */
#define RCP_TX_TIMEOUT_MS 5000       /* OpenThread's RCP_TX_WAIT_TIME_SECS */
#define RCP_REOPEN_MIN_MS 250
#define RCP_REOPEN_MAX_MS 8000
#define RCP_SRC_MATCH_MAX 32 /* entries per source-match table (short, ext) */
#define RCP_VERSION_MAX 128  /* NCP version string, NUL included */
#define RCP_ERR_MAX 192

enum rcp_state {
    RCP_STATE_DOWN = 0,
    RCP_STATE_RESETTING,
    RCP_STATE_INIT,
    RCP_STATE_READY,
    RCP_STATE_INCOMPATIBLE,
};

/* "down", "resetting", "init", "ready", "incompatible". */
const char *rcp_state_name(enum rcp_state st);

/* The byte stream to the RCP (platform/spinel_link.h implements it). */
struct rcp_stream_ops {
    /* Writes all n bytes (one or more whole HDLC frames) or fails.
     * @retval 0 written. @retval -1 the link is broken (errno set); the rcp
     * then behaves as after rcp_link_down(). */
    int (*write)(void *stream, const uint8_t *p, size_t n);
};

struct rcp_config {
    const struct rcp_stream_ops *stream_ops; /* required */
    void *stream;
    /* Optional log: level 1 error, 2 warning, 3 info, 4 debug; one line, no
     * newline. Every fault is logged once when it happens. */
    void (*log)(void *user, int level, const char *msg);
    void *log_user;
    uint8_t max_csma_backoffs;    /* per transmission; 0: OpenThread's default 4 */
    uint8_t max_frame_retries;    /* per transmission; 0: OpenThread's default 15 */
    uint32_t response_timeout_ms; /* 0: RCP_RESPONSE_TIMEOUT_MS */
    uint32_t tx_timeout_ms;       /* 0: RCP_TX_TIMEOUT_MS */
};

/* OpenThread's radio capability bits (include/openthread/platform/radio.h
 * OT_RADIO_CAPS_*, SPINEL_PROP_RADIO_CAPS) the host acts on. An RCP reports
 * what its radio does plus what its SubMac emulates (sub_mac.cpp GetCaps). */
#define RCP_RADIO_CAPS_ACK_TIMEOUT (1u << 0)      /* it waits for ACKs itself */
#define RCP_RADIO_CAPS_TRANSMIT_RETRIES (1u << 2) /* it retries (with CSMA/CA) */
#define RCP_RADIO_CAPS_CSMA_BACKOFF (1u << 3)     /* it backs off on a busy channel */

/* What the RCP said about itself during INIT (valid once READY). */
struct rcp_info {
    unsigned protocol_major, protocol_minor; /* SPINEL_PROP_PROTOCOL_VERSION */
    char ncp_version[RCP_VERSION_MAX];       /* SPINEL_PROP_NCP_VERSION */
    bool has_rcp_api_version;
    unsigned rcp_api_version;          /* SPINEL_PROP_RCP_API_VERSION */
    unsigned rcp_min_host_api_version; /* 0 when not reported */
    uint32_t radio_caps;               /* SPINEL_PROP_RADIO_CAPS (OT_RADIO_CAPS_* bits) */
    uint8_t eui64[8];                  /* SPINEL_PROP_HWADDR */
};

/* Named counters; never reset. */
struct rcp_counters {
    /* the link */
    uint64_t link_up;     /* rcp_link_up calls */
    uint64_t link_down;   /* rcp_link_down calls and write failures */
    uint64_t link_resets; /* rcp_wants_link_reset turned true */
    uint64_t tx_bytes, rx_bytes;
    /* framing */
    uint64_t tx_spinel_frames, rx_spinel_frames;
    uint64_t rx_hdlc_fcs_errors; /* frame with a bad FCS */
    uint64_t rx_hdlc_too_long;   /* frame over the buffer before its flag */
    uint64_t rx_hdlc_too_short;  /* fewer than 3 bytes (header + FCS) */
    uint64_t rx_spinel_bad;      /* Spinel frame or value that does not parse */
    uint64_t rx_spinel_ignored;  /* parsed but of no interest (other IID, unknown prop) */
    uint64_t rx_unexpected_tid;  /* a response nobody waits for */
    /* the RCP */
    uint64_t resets_sent;         /* CMD_RESET we sent */
    uint64_t reset_notifications; /* LAST_STATUS RESET_* received */
    uint64_t unexpected_resets;   /* ... that we had not asked for */
    uint64_t response_timeouts;   /* a request unanswered in time */
    uint64_t tx_timeouts;         /* a transmission unreported in time */
    uint64_t restores;            /* INIT completed after an earlier READY */
    uint64_t errors_status;       /* requests answered with a LAST_STATUS error */
    /* the radio */
    uint64_t tx_frames; /* STREAM_RAW transmissions started */
    uint64_t tx_ok, tx_no_ack, tx_channel_access_fail, tx_aborted, tx_errors;
    uint64_t tx_not_ready;       /* transmit refused: not READY */
    uint64_t rx_frames;          /* received frames passed up */
    uint64_t rx_drop_no_handler; /* received before rcp_set_handlers */
    uint64_t rx_drop_bad_frame;  /* STREAM_RAW with a bad length or metadata */
    uint64_t rx_drop_rx_error;   /* the RCP reported a receive error for it */
};

/* Fields are private: use the functions. */
struct rcp;

/*
 * Prepares r (DOWN, nothing sent). Handlers may be set later.
 * @retval 0, -1 bad config (no stream ops).
 */
int rcp_init(struct rcp *r, const struct rcp_config *cfg);

/* Where received frames and transmit results go (rx/tx_done may be NULL:
 * frames are then counted and dropped). */
void rcp_set_handlers(struct rcp *r, radio_rx_cb rx, radio_tx_done_cb tx_done, void *user);

/* The link is open: sends CMD_RESET and starts RESETTING. */
void rcp_link_up(struct rcp *r, uint64_t now_ms);

/* The link is gone (why: one line for the log, e.g. "ot-rcp exited (signal 9)").
 * Aborts the frame in flight (tx_done RADIO_TX_ABORTED), drops partial
 * input, state DOWN, schedules the next reopen with backoff. */
void rcp_link_down(struct rcp *r, uint64_t now_ms, const char *why);

/* Bytes read from the link (any split, untrusted). May call rx / tx_done. */
void rcp_input(struct rcp *r, const uint8_t *p, size_t n, uint64_t now_ms);

/* Timers: response and transmit timeouts, the reset wait. May call tx_done. */
void rcp_tick(struct rcp *r, uint64_t now_ms);

/* Milliseconds until rcp_tick (or a reopen) has work; -1: none. */
int64_t rcp_timeout_ms(const struct rcp *r, uint64_t now_ms);

/* DOWN and the backoff has passed: the caller should try to open the link. */
bool rcp_reopen_due(const struct rcp *r, uint64_t now_ms);

/* The RCP does not answer even a reset: the caller should close the link
 * (restarting a forkpty child) and call rcp_link_down(). Cleared by
 * rcp_link_down(). */
bool rcp_wants_link_reset(const struct rcp *r);

enum rcp_state rcp_state(const struct rcp *r);
const struct rcp_info *rcp_info(const struct rcp *r);
const struct rcp_counters *rcp_counters(const struct rcp *r);
/* The last fault or the incompatibility, one line ("" when none). */
const char *rcp_last_error(const struct rcp *r);
/* Milliseconds since the RCP last became READY (0 when not READY). */
uint64_t rcp_ready_since_ms(const struct rcp *r, uint64_t now_ms);

/*
 * Energy scan (SPINEL_PROP_MAC_SCAN_*): scans the channels in mask (bit n =
 * channel n, 11..26) for duration_ms each; cb gets one call per channel
 * (done false) and a final call (done true; also when the scan failed or the
 * RCP reset meanwhile). @retval 0 started, -1 not READY or a scan running.
 */
typedef void (*rcp_scan_cb)(void *user, uint8_t channel, int8_t max_rssi, bool done);
int rcp_energy_scan(struct rcp *r, uint32_t mask, uint16_t duration_ms, rcp_scan_cb cb, void *user,
                    uint64_t now_ms);

/* TX power in dBm (SPINEL_PROP_PHY_TX_POWER), kept and restored like the rest. */
int rcp_set_tx_power(struct rcp *r, int8_t dbm);

/*
 * The radio ops (radio.h): r is a struct rcp *. get_caps follows what the
 * RCP reported (struct rcp_info.radio_caps, refreshed at each INIT):
 * RADIO_CAP_AUTO_ACK always; RADIO_CAP_TX_DONE with RCP_RADIO_CAPS_ACK_TIMEOUT
 * (an RCP without it is INCOMPATIBLE: the host cannot time ACKs over a serial
 * line); RADIO_CAP_TX_RETRIES with RCP_RADIO_CAPS_TRANSMIT_RETRIES as well,
 * else transmissions ask the RCP for 0 retries and the MAC retries. Without
 * RCP_RADIO_CAPS_CSMA_BACKOFF one warning is logged at READY (frames go after
 * the RCP's single CCA). The static caps field says AUTO_ACK | TX_DONE |
 * TX_RETRIES (an OpenThread RCP's usual set). transmit fails with errno ENETDOWN when not READY
 * and EBUSY while a frame is in flight; setters record the desired state and
 * send it when READY (they fail only on bad arguments).
 */
extern const struct radio_ops rcp_radio_ops;

#include "radio/rcp_priv.h" /* struct rcp (private fields) */

#endif
