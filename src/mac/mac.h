/*
 * IEEE 802.15.4 MAC layer state machine for Thread, above the frame codec
 * (mac_frame.h, mac_security.h) and below 6LoWPAN/MLE, over any radio that
 * implements radio/radio.h.
 *
 * Pure logic: no sockets, no clock, no global state. The caller owns a
 * struct mac_layer per node, passes the time in (now_ms, a monotonic
 * millisecond clock) and drives it from its poll loop:
 *
 *   for (;;) {
 *       int t = mac_layer_timeout_ms(&mac, now_ms());   // -1: no MAC timer
 *       poll(fds, n, min(t, other timers));
 *       uint64_t now = now_ms();
 *       if (radio fd readable)
 *           sim_radio_receive(&radio, now, mac_layer_radio_rx, &mac);   // FIRST
 *       mac_layer_tick(&mac, now);                                      // then timers
 *       ... other work, which may call mac_layer_send() ...
 *   }
 *
 * Drain the radio before mac_layer_tick(): an ACK already waiting in the
 * socket (or a tx-done report, below) must complete the transmission rather
 * than be beaten by its own timeout.
 *
 * Two kinds of radio (radio/radio.h, caps; read through get_caps when the
 * radio has it, at each transmission and each received frame):
 *   - a "dumb" radio (caps 0: the sim radio) sends what it is given at once.
 *     The MAC does everything below in software: Imm-Acks for received
 *     frames, the ACK wait and the retries.
 *   - a radio co-processor (RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES: the
 *     Spinel RCP). With RADIO_CAP_AUTO_ACK the radio ACKs received frames
 *     itself and says so (radio_rx_frame.acked / ack_frame_pending, copied to
 *     mac_rx_info); the MAC sends no ACK. With RADIO_CAP_TX_RETRIES each
 *     finished, secured PSDU is handed to transmit() ONCE; the radio does
 *     CSMA/CA, the ACK wait and the retries (byte-identical, so one frame
 *     counter per frame still) and reports the outcome through
 *     mac_layer_radio_tx_done() (a radio_tx_done_cb). The MAC runs no ACK
 *     timer then, only a safety deadline (tx_done_timeout_ms, longer than
 *     the RCP's own 5 s transmit timeout) after which the frame completes
 *     as MAC_TX_RADIO_ERROR, so the queue never stalls. The report carries
 *     no frame identity: it is applied to the one frame in flight; a report
 *     with none in flight is counted and ignored. Capabilities can also come
 *     alone (auto-ACK with software retries, or the reverse).
 *     A RADIO_CAP_TX_DONE radio without RADIO_CAP_TX_RETRIES (an RCP whose
 *     firmware has no software retransmission) reports each single attempt
 *     the same way; the MAC then retries a NO_ACK or CHANNEL_ACCESS_FAIL
 *     report itself, at once, with the byte-identical PSDU, up to
 *     max_retries times (tx_retries), as it does after an ACK timeout on a
 *     dumb radio; the last report's status is the result.
 *
 * What it does (thread-sim-interop.md 1.4, 3.1, 3.9; IEEE 802.15.4-2006 7.5):
 *
 * Receive (mac_layer_receive), in this order:
 *   1. channel must be ours; the PSDU must parse (mac_frame_parse, FCS
 *      checked). Frame versions 2003/2006 only (what OpenThread sends).
 *   2. Imm-Acks complete the frame in flight when the sequence number matches
 *      (the only check OpenThread's radio makes), else they are dropped.
 *   3. Destination filter: short == ours or 0xffff, ext == ours, or no
 *      destination (then the source PAN must be ours); the destination PAN
 *      must be ours or 0xffff.
 *   4. IMMEDIATE ACK, before anything else: for a frame with AR=1 that passed
 *      3 and is not broadcast, the 5-byte Imm-Ack (version copied, same seq)
 *      is handed to the radio inside this call. OpenThread waits only 16 ms
 *      (sub_mac.hpp kAckTimeout). Frame pending in the ACK: see "Indirect".
 *      A RADIO_CAP_AUTO_ACK radio has already ACKed (or not): its flags are
 *      passed up instead and the MAC sends nothing.
 *   5. Source filter: our own extended address as source is dropped
 *      (duplicate address protection, OpenThread mac.cpp). A short source is
 *      resolved to the sender's extended address through the neighbour
 *      callback; an unknown short source is dropped when a neighbour callback
 *      is configured (as OpenThread does).
 *   5a. MAC filter (mac_filter.h, mac_layer_filter()): the sender's extended
 *      address (given, or resolved in 5) is checked against the address
 *      mode (Allowlist / Denylist) and a filtered frame is dropped here,
 *      counted (rx_drop_filtered); an accepted one gets the fixed RSS-in, if
 *      any, as its rssi (rss_fixed set), so the link quality the upper layer
 *      computes follows it. This is where OpenThread's Mac::HandleReceivedFrame
 *      applies its Filter: after the destination check and the duplicate
 *      address protection, before duplicates and security. The Imm-Ack of 4
 *      has gone out already, as OpenThread's radio ACKs before its MAC
 *      filters. Frames without a source address, or from a short source
 *      with no neighbour callback to resolve it, are not filtered.
 *   6. Duplicates: a frame with AR=1 equal to one already delivered from the
 *      same source address (same seq, same length, same FCS) within
 *      MAC_LAYER_DUP_WINDOW_MS is a retransmission whose ACK was lost: it was
 *      ACKed again in 4, and is dropped here.
 *   7. Security (security_enabled): key index -> key (mac_keys_lookup over
 *      the keys given with mac_layer_set_keys), the neighbour's extended
 *      address for the nonce and its replay state from the neighbour
 *      callback. Mirrors OpenThread's Mac::ProcessReceiveSecurity: a frame
 *      under an older key sequence than the neighbour's is dropped; under the
 *      same key sequence its counter must be newer (mac_replay_check); after
 *      the MIC verifies, a newer key sequence resets the neighbour's replay
 *      state (counters restart per key sequence) and the counter is recorded.
 *      Secured frames from a source the callback does not know are dropped.
 *      Level 5 / key id mode 1 only.
 *   8. Delivery through the rx callback, with the plaintext payload.
 *      Unsecured frames are delivered too (flag secured = false): MLE is sent
 *      MAC-unsecured, and the upper layer must drop every other unsecured
 *      frame (Thread requires MAC security for everything but MLE).
 * Every drop increments one named counter (struct mac_layer_counters).
 *
 * Transmit (mac_layer_send): the request is built into a PSDU at once
 * (sequence number, PAN ID compression, AR = 1 for unicast, 0 for broadcast;
 * secured frames get level 5, key id mode 1, the current key's index and the
 * next frame counter, then AES-CCM*), queued (bounded, MAC_LAYER_TXQ_LEN),
 * and sent in order, one at a time. On a dumb radio:
 *   - no AR: done (MAC_TX_OK) as soon as the radio took it;
 *   - AR: wait for the Imm-Ack up to ack_timeout_ms, then retransmit the
 *     byte-identical frame (same seq, same frame counter, as OpenThread's
 *     SubMac does) up to max_retries times, then MAC_TX_NO_ACK.
 *   No CSMA/CCA: the sim radio has no collisions.
 * On a RADIO_CAP_TX_DONE radio every frame (AR or not) waits for the
 * radio's report: RADIO_TX_OK -> MAC_TX_OK (ACK frame pending from the
 * report, the ACK captured when the report has it), NO_ACK -> MAC_TX_NO_ACK,
 * CHANNEL_ACCESS_FAIL -> MAC_TX_CHANNEL_ACCESS_FAILURE, ABORTED and ERROR ->
 * MAC_TX_RADIO_ERROR (the upper layer treats them alike; the counters tell
 * them apart). A transmit() that fails at once (ENETDOWN while the RCP
 * resets, EBUSY) is MAC_TX_RADIO_ERROR at once, as on a dumb radio.
 * MAC filter on ACKs (OpenThread Mac::HandleTransmitDone): an ACK (or an OK
 * report of a RADIO_CAP_TX_DONE radio) for a frame whose destination the
 * MAC filter drops -- its extended address, or a short one the neighbour
 * callback resolves -- makes the frame MAC_TX_NO_ACK at once, without
 * retries (tx_ack_filtered), so a filtered link fails both ways.
 * The result comes back through the tx_done callback with the caller's
 * cookie.
 *
 * Callbacks may call mac_layer_send() (it queues; the frame goes out when the
 * current one is done). They must not call mac_layer_receive/tick/radio_tx_done.
 *
 * Indirect transmission (sleepy children) -- TODO, not implemented:
 *   frames for rx-off children must be held until the child's MAC Data
 *   Request (command 0x04) and the ACK of a Data Request must carry frame
 *   pending = 1 only when something is held for it. Today the frame-pending
 *   bit of ACKs to Data frames and Data Requests comes from the optional
 *   ack_frame_pending callback, and defaults to 1 like OpenThread's sim radio
 *   with source matching disabled (what the captures show); ACKs to other
 *   frames carry 0. Indirect frames would also use max retries 0 at MAC level
 *   (OPENTHREAD_CONFIG_MAC_DEFAULT_MAX_FRAME_RETRIES_INDIRECT) with retries
 *   per poll above. Note: 802.15.4-2006 leaves a MAC command's Command Frame
 *   Identifier unencrypted (it belongs to the CCM* a-data; OpenThread
 *   mac_frame.cpp FindPayloadIndex); mac_security currently treats it as
 *   payload, so secured Data Requests will not verify until the codec learns
 *   that.
 */
#ifndef TBR_MAC_MAC_H
#define TBR_MAC_MAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac/mac_filter.h"
#include "mac/mac_frame.h"
#include "mac/mac_security.h"
#include "mac/pcap.h"
#include "radio/radio.h"

/* Frames queued for transmission, the one in flight included. */
#define MAC_LAYER_TXQ_LEN 16
/* Sources remembered for duplicate detection (least recently used evicted). */
#define MAC_LAYER_DUP_SLOTS 32
/* How long a delivered frame counts for duplicate detection. OpenThread gives
 * up after 16 attempts of <= ~30 ms each (ACK timeout + backoff). */
#define MAC_LAYER_DUP_WINDOW_MS 1000
/* OpenThread's ACK timeout (sub_mac.hpp kAckTimeout = 16 ms). */
#define MAC_LAYER_ACK_TIMEOUT_MS 16
/* OpenThread's default max frame retries for direct transmission
 * (config/mac.h OPENTHREAD_CONFIG_MAC_DEFAULT_MAX_FRAME_RETRIES_DIRECT = 15),
 * i.e. up to 16 attempts. */
#define MAC_LAYER_MAX_RETRIES_DIRECT 15
/* Safety deadline for a RADIO_CAP_TX_RETRIES radio's tx-done report: longer
 * than the RCP's own transmit timeout (OpenThread's RCP_TX_WAIT_TIME_SECS,
 * 5 s), which reports RADIO_TX_ABORTED first in every normal case. */
#define MAC_LAYER_TX_DONE_TIMEOUT_MS 6000
/* Short address meaning "none assigned": frames to it are not accepted and
 * short-source transmissions are refused (802.15.4 0xfffe). */
#define MAC_SHORT_NONE 0xfffe
/* MAC command identifier of the Data Request (802.15.4-2006 7.3.4). */
#define MAC_CMD_DATA_REQUEST 0x04

/* Why mac_layer_send refused a frame. */
enum mac_layer_err {
    MAC_LAYER_OK = 0,
    MAC_LAYER_ERR_QUEUE_FULL, /* MAC_LAYER_TXQ_LEN frames already queued */
    MAC_LAYER_ERR_INVALID,    /* bad request (type, address modes, no short address) */
    MAC_LAYER_ERR_TOO_LONG,   /* the PSDU would exceed 127 bytes (fragment above) */
    MAC_LAYER_ERR_NO_KEYS,    /* secure requested but mac_layer_set_keys not called */
    MAC_LAYER_ERR_COUNTER,    /* the frame counter is exhausted (0xffffffff) */
    MAC_LAYER_ERR_SECURITY,   /* the cipher failed */
};

/* A fixed English description (never NULL). */
const char *mac_layer_strerror(enum mac_layer_err err);

/* How a queued transmission ended. */
enum mac_tx_status {
    MAC_TX_OK = 0,                 /* sent (AR=0), or sent and acknowledged (AR=1) */
    MAC_TX_NO_ACK,                 /* no ACK after 1 + max_retries attempts */
    MAC_TX_RADIO_ERROR,            /* the radio refused the frame (see radio last_error) */
    MAC_TX_ABORTED,                /* flushed by mac_layer_abort_all */
    MAC_TX_CHANNEL_ACCESS_FAILURE, /* RADIO_CAP_TX_RETRIES radio: CSMA/CA found the
                                    * channel busy every time */
};

const char *mac_tx_status_str(enum mac_tx_status st);

/* A transmit request (mac_layer_send). */
struct mac_tx_req {
    enum mac_frame_type type;    /* MAC_FRAME_DATA or MAC_FRAME_CMD */
    struct mac_addr dst;         /* short (0xffff = broadcast) or ext */
    enum mac_addr_mode src_mode; /* MAC_ADDR_SHORT or MAC_ADDR_EXT: which of our addresses */
    bool secure;                 /* MAC security, level 5, key id mode 1, current key */
    bool frame_pending;          /* FP bit of the frame (indirect TX; normally false) */
    const uint8_t *payload;      /* plaintext MAC payload (6LoWPAN frame or command) */
    size_t len;
    uint32_t cookie; /* returned in struct mac_tx_result */
};

/* What the tx_done callback gets. */
struct mac_tx_result {
    uint32_t cookie;
    enum mac_tx_status status;
    uint8_t seq;            /* the frame's sequence number */
    unsigned attempts;      /* transmit() calls for this frame (>= 1 unless aborted; 1 on a
                             * RADIO_CAP_TX_RETRIES radio, whose retries are its own) */
    bool ack_frame_pending; /* FP bit of the ACK (status OK with AR only) */
};

/* What the rx callback gets; valid during the callback only. */
struct mac_rx_info {
    const struct mac_frame *frame; /* parsed header; payload = plaintext, payload_len bytes */
    const uint8_t *psdu;           /* the received PSDU (decrypted in place when secured:
                                    * its MIC/FCS are then stale) */
    size_t psdu_len;
    uint8_t channel;
    int8_t rssi;
    uint8_t lqi; /* from the radio (radio_rx_frame.lqi), 0 when unknown */
    uint64_t now_ms;
    bool secured;           /* MAC security verified (MIC, key, replay per the neighbour) */
    uint32_t key_seq;       /* the key sequence of the frame (secured only); a value
                             * above the current one asks the upper layer to switch keys */
    uint32_t frame_counter; /* secured only */
    bool src_ext_known;     /* src_ext is valid (ext source, or resolved by the neighbour
                             * callback) */
    uint8_t src_ext[MAC_EXT_ADDR_LEN]; /* the sender's extended address, print order */
    bool acked;                        /* we (or, RADIO_CAP_AUTO_ACK, the radio) sent an
                                        * Imm-Ack for it */
    bool ack_frame_pending;            /* FP bit of that ACK */
    bool rss_fixed;                    /* rssi is the MAC filter's fixed RSS-in, not the
                                        * radio's: a running RSS average for the sender
                                        * should restart from it (OpenThread clears the
                                        * neighbour's average, mac_filter.cpp) */
};

/*
 * Neighbour security state, supplied by the caller's neighbour table for a
 * frame's source address (neighbour callback). The pointers refer to the
 * caller's storage and are updated in place by the MAC.
 */
struct mac_nbr_sec {
    uint8_t ext[MAC_EXT_ADDR_LEN]; /* the neighbour's extended address (nonce), print order */
    uint32_t *key_seq;             /* the key sequence *replay refers to */
    struct mac_replay *replay;     /* its MAC frame counter state. key_seq and replay both
                                    * NULL: a neighbour being restored -- MIC checked, no key
                                    * sequence or counter checks (OpenThread does the same) */
};

struct mac_layer_config {
    const struct radio_ops *radio_ops; /* required (header comment: kinds of radio) */
    void *radio;                       /* passed to radio_ops */
    uint8_t channel;                   /* 11..26 */
    uint16_t pan_id;
    uint16_t short_addr;                /* MAC_SHORT_NONE until one is assigned */
    uint8_t ext_addr[MAC_EXT_ADDR_LEN]; /* print order */
    uint32_t ack_timeout_ms;            /* default MAC_LAYER_ACK_TIMEOUT_MS (must be > 0) */
    uint8_t max_retries;                /* default MAC_LAYER_MAX_RETRIES_DIRECT */
    uint8_t seq_init;                   /* first sequence number (OpenThread picks a random one) */
    uint32_t tx_done_timeout_ms;        /* RADIO_CAP_TX_DONE: safety deadline for the
                                         * radio's report; 0: MAC_LAYER_TX_DONE_TIMEOUT_MS */

    /* Delivers an accepted frame (may be NULL). */
    void (*rx)(void *user, const struct mac_rx_info *info);
    /* Reports the end of each queued transmission (may be NULL); on a
     * RADIO_CAP_TX_DONE radio from inside mac_layer_radio_tx_done() or, at
     * the safety deadline, mac_layer_tick(). */
    void (*tx_done)(void *user, const struct mac_tx_result *res);
    /* Looks up the neighbour for src (short or ext): fills *out and returns
     * true, or returns false when unknown. NULL: no neighbour table (secured
     * frames are then dropped, unsecured short sources accepted). */
    bool (*neighbour)(void *user, const struct mac_addr *src, struct mac_nbr_sec *out);
    /* Frame-pending bit for the ACK of a Data frame or Data Request from src.
     * NULL: always 1 (OpenThread sim radio with source match off). */
    bool (*ack_frame_pending)(void *user, const struct mac_addr *src);
    void *user;

    struct mac_pcap *pcap; /* optional: every frame received and sent (ACKs and
                            * retransmissions included) is captured; on an RCP
                            * only what the host sees: each frame once, the ACKs
                            * its reports carry, not the radio's own ACKs */
};

/* Named counters, one per outcome; never reset by the MAC. */
struct mac_layer_counters {
    /* receive */
    uint64_t rx_frames;               /* frames handed to mac_layer_receive */
    uint64_t rx_delivered;            /* passed to the rx callback */
    uint64_t rx_acks_sent;            /* Imm-Acks we sent */
    uint64_t rx_ack_tx_errors;        /* the radio refused one of our Imm-Acks */
    uint64_t rx_acks_matched;         /* received ACKs that completed our frame */
    uint64_t rx_acks_by_radio;        /* RADIO_CAP_AUTO_ACK: frames the radio says it ACKed */
    uint64_t rx_drop_channel;         /* not our channel */
    uint64_t rx_drop_parse;           /* codec rejected it (FCS, length, structure, version) */
    uint64_t rx_drop_ack_unexpected;  /* ACK with no frame waiting or another seq */
    uint64_t rx_drop_dst_pan;         /* destination PAN not ours / not broadcast */
    uint64_t rx_drop_dst_addr;        /* destination address not ours */
    uint64_t rx_drop_src_pan;         /* no destination and the source PAN is not ours */
    uint64_t rx_drop_own_src;         /* our own extended address as source */
    uint64_t rx_drop_filtered;        /* MAC filter: the sender's address is filtered
                                       * (OpenThread's RxAddressFiltered) */
    uint64_t rx_drop_unknown_nbr;     /* short source or secured frame from an unknown neighbour */
    uint64_t rx_drop_duplicate;       /* retransmission of a frame already delivered */
    uint64_t rx_drop_sec_no_keys;     /* secured, but no keys or no neighbour callback */
    uint64_t rx_drop_sec_unsupported; /* security level / key id mode other than 5 / 1 */
    uint64_t rx_drop_sec_key_index;   /* key index matches none of prev/cur/next */
    uint64_t rx_drop_sec_old_key;     /* key sequence older than the neighbour's */
    uint64_t rx_drop_sec_replay;      /* frame counter not newer than the last accepted */
    uint64_t rx_drop_sec_mic;         /* MIC check failed */
    /* transmit */
    uint64_t tx_requests;        /* mac_layer_send calls */
    uint64_t tx_drop_queue_full; /* refused: MAC_LAYER_ERR_QUEUE_FULL */
    uint64_t tx_drop_invalid;    /* refused: MAC_LAYER_ERR_INVALID / TOO_LONG */
    uint64_t tx_drop_security;   /* refused: NO_KEYS / COUNTER / SECURITY */
    uint64_t tx_frames;          /* transmit() calls for queued frames (software retries
                                  * included) */
    uint64_t tx_retries;         /* software retransmissions: after an ACK timeout, or a
                                  * NO_ACK / busy-channel report of a radio with
                                  * RADIO_CAP_TX_DONE but not RADIO_CAP_TX_RETRIES */
    uint64_t tx_ok;              /* completed MAC_TX_OK */
    uint64_t tx_acked;           /* ... of which acknowledged */
    uint64_t tx_no_ack;          /* completed MAC_TX_NO_ACK (counted failure) */
    uint64_t tx_ack_filtered;    /* ... of which ACKed by a neighbour the MAC filter
                                  * drops: a NO_ACK at once, no retry (OpenThread
                                  * Mac::HandleTransmitDone) */
    uint64_t tx_radio_errors;    /* completed MAC_TX_RADIO_ERROR, of which: */
    uint64_t tx_radio_aborted;   /*   the radio reported RADIO_TX_ABORTED (reset, link down) */
    uint64_t tx_radio_failed;    /*   the radio reported RADIO_TX_ERROR */
    uint64_t tx_done_timeouts;   /*   no report within tx_done_timeout_ms */
    uint64_t tx_channel_access_failures; /* completed MAC_TX_CHANNEL_ACCESS_FAILURE */
    uint64_t tx_aborted;                 /* completed MAC_TX_ABORTED */
    uint64_t tx_done_unexpected;         /* tx-done reports with no frame in flight (ignored) */
    uint64_t pcap_errors;                /* captures that could not be written */
};

/* --- internal state (fields are private; use the functions) --------------- */

struct mac_txq_entry {
    uint8_t psdu[MAC_PSDU_MAX];
    struct mac_addr dst; /* for the MAC filter's check of its ACK */
    uint8_t len;
    uint8_t seq;
    bool ack_request;
    uint32_t cookie;
    unsigned attempts;
};

struct mac_dup_entry {
    struct mac_addr src;
    uint8_t seq;
    uint8_t len;
    uint16_t fcs;
    uint64_t time_ms; /* when it was delivered */
    bool used;
};

struct mac_layer {
    struct mac_layer_config cfg;
    struct mac_keys keys;
    bool have_keys;
    uint32_t frame_counter; /* next outgoing MAC frame counter */
    uint8_t seq;            /* next sequence number */

    struct mac_txq_entry txq[MAC_LAYER_TXQ_LEN];
    unsigned txq_head, txq_count;
    bool waiting_ack; /* txq[txq_head] is in flight and waits for its ACK */
    uint64_t ack_deadline_ms;
    bool waiting_tx_done;     /* txq[txq_head] is at a RADIO_CAP_TX_DONE radio */
    bool tx_done_mac_retries; /* ... which does not retry: the MAC does (caps at send) */
    uint64_t tx_done_deadline_ms;
    bool in_kick; /* re-entrancy guard for callbacks calling mac_layer_send */

    struct mac_dup_entry dup[MAC_LAYER_DUP_SLOTS];

    struct mac_filter filter;

    struct mac_layer_counters counters;
};

/* Fills cfg with defaults: channel 11, PAN 0xffff, short MAC_SHORT_NONE,
 * ACK timeout 16 ms, 15 retries, tx-done deadline 6 s, no callbacks. */
void mac_layer_config_default(struct mac_layer_config *cfg);

/*
 * Initialises m from cfg (copied) and sets the radio's channel (and its
 * PAN/addresses when it has the optional setters).
 * @retval 0 ready. @retval -1 bad config (no radio ops or transmit, channel
 *         out of range, ack_timeout_ms 0) or the radio refused the channel.
 */
int mac_layer_init(struct mac_layer *m, const struct mac_layer_config *cfg);

/* Changes the channel (radio and filter). @retval 0, -1 (range / radio). */
int mac_layer_set_channel(struct mac_layer *m, uint8_t channel);
void mac_layer_set_pan_id(struct mac_layer *m, uint16_t pan_id);
void mac_layer_set_short_addr(struct mac_layer *m, uint16_t short_addr);
void mac_layer_set_ext_addr(struct mac_layer *m, const uint8_t ext[MAC_EXT_ADDR_LEN]);

/*
 * Installs the MAC keys (prev/cur/next key sequence). Outgoing frames use
 * keys->cur with key index mac_key_index(keys->key_seq). When keys were
 * already installed and the key sequence changes, the outgoing frame counter
 * restarts at 0 (one counter per key sequence, as OpenThread does).
 */
void mac_layer_set_keys(struct mac_layer *m, const struct mac_keys *keys);

/* The next outgoing MAC frame counter: persist it (ahead, e.g. +1000 like
 * OpenThread) and restore it with mac_layer_set_frame_counter after a restart,
 * so that it never goes backwards under one key sequence. */
uint32_t mac_layer_frame_counter(const struct mac_layer *m);
void mac_layer_set_frame_counter(struct mac_layer *m, uint32_t fc);

/*
 * Queues a frame (see the header comment for what is built).
 * @retval MAC_LAYER_OK queued; tx_done will report it (possibly before this
 *         returns, e.g. an AR=0 frame sent at once).
 * @retval other enum mac_layer_err: refused, nothing queued, counted.
 */
enum mac_layer_err mac_layer_send(struct mac_layer *m, const struct mac_tx_req *req,
                                  uint64_t now_ms);

/*
 * Processes one received PSDU (untrusted), as described in the header comment.
 * The buffer is not modified; secured frames are decrypted in a copy.
 */
void mac_layer_receive(struct mac_layer *m, const struct radio_rx_frame *f);

/* radio_rx_cb adapter: mac is a struct mac_layer *. */
void mac_layer_radio_rx(void *mac, const struct radio_rx_frame *f);

/*
 * radio_tx_done_cb adapter (RADIO_CAP_TX_DONE radios): mac is a struct
 * mac_layer *. Completes (or, without RADIO_CAP_TX_RETRIES, may retransmit)
 * the frame in flight as the header comment says and sends the next one; d->now_ms is the time. A
 * report with no frame in flight (late, after the safety deadline or an abort) is counted
 * (tx_done_unexpected) and ignored.
 */
void mac_layer_radio_tx_done(void *mac, const struct radio_tx_done *d);

/* Runs the ACK timeout / retry timer (or the tx-done safety deadline) and
 * sends queued frames. */
void mac_layer_tick(struct mac_layer *m, uint64_t now_ms);

/* Milliseconds until mac_layer_tick has work (0: now), or -1 when no MAC
 * timer is running: a poll() timeout. */
int mac_layer_timeout_ms(const struct mac_layer *m, uint64_t now_ms);

/* Completes every queued frame (the one in flight included) with
 * MAC_TX_ABORTED (a RADIO_CAP_TX_RETRIES radio's later report for the one in
 * flight is then counted as tx_done_unexpected). Frames queued by tx_done callbacks during the
 * abort are kept and go out at the next mac_layer_tick (mac_layer_timeout_ms is then 0). */
void mac_layer_abort_all(struct mac_layer *m);

/* Frames queued (in flight included). */
unsigned mac_layer_txq_count(const struct mac_layer *m);

const struct mac_layer_counters *mac_layer_counters(const struct mac_layer *m);

/* The layer's MAC filter (mac_filter.h; empty after mac_layer_init): the
 * caller configures it (the `macfilter` CLI) and reads its counters. */
struct mac_filter *mac_layer_filter(struct mac_layer *m);

#endif
