/*
 * The radio contract: what the MAC layer (mac/mac.h) needs from an IEEE
 * 802.15.4 radio, as an ops table plus a receive callback type.
 *
 * Implemented by the simulated radio (platform/sim_radio.h, OpenThread's
 * simulation transport) and, later, by a Spinel/RCP driver. The unit is the
 * PSDU: MAC header .. payload .. MIC .. FCS (2 bytes, CRC-16/KERMIT,
 * little-endian), 1..127 bytes (aMaxPHYPacketSize). A radio never computes or
 * checks the FCS itself: the MAC builds it (mac_frame_build/mac_ack_build)
 * and the codec checks it on receive.
 *
 * Time is never read by a radio for protocol purposes: received frames carry
 * the timestamp the caller passed to the radio's receive function.
 *
 * Capabilities: a radio with caps == 0 (the sim radio) is "dumb": it sends
 * what it is given at once (no CCA, no ACK wait, no retries, no auto-ACK) and
 * passes every received frame on the current channel up. The MAC layer then
 * generates ACKs and runs ACK timeouts and retries in software. The other
 * capability bits describe what a radio co-processor (RCP, radio/rcp.h) does
 * on its own:
 *   RADIO_CAP_AUTO_ACK: the radio sends the Imm-Ack for frames addressed to
 *     it and says so in the received frame (acked, ack_frame_pending); the
 *     MAC then never sends ACKs itself.
 *   RADIO_CAP_TX_DONE: transmit() only starts a transmission; the radio
 *     waits for the ACK itself (one attempt) and reports the outcome exactly
 *     once through the tx-done callback (radio_tx_done_cb) of its owner, from
 *     inside its own input/tick functions (never from inside transmit()).
 *     Received ACKs are consumed by the radio, not passed up. The MAC retries
 *     a NO_ACK or CHANNEL_ACCESS_FAIL report itself (an RCP whose firmware
 *     has no software retransmission: no OT_RADIO_CAPS_TRANSMIT_RETRIES).
 *   RADIO_CAP_TX_RETRIES: as TX_DONE, and the radio also does CSMA/CA and
 *     the retries before it reports. It implies TX_DONE (the MAC treats a
 *     radio claiming TX_RETRIES alone as TX_DONE | TX_RETRIES).
 *
 * Capabilities may depend on the radio instance (an RCP says what it does
 * when it starts, and another firmware may answer after a reset): get_caps,
 * when present, wins over the static caps field; the MAC reads it at each
 * transmission.
 *
 * MAC security is always done by the host (mac/mac_security.h): a radio is
 * handed finished, secured PSDUs and never holds a key, so there is exactly
 * one MAC frame counter per key, the host's, persisted ahead.
 */
#ifndef TBR_RADIO_RADIO_H
#define TBR_RADIO_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 802.15.4 2.4 GHz O-QPSK channels, page 0 (IEEE 802.15.4-2006 6.1.2). */
#define RADIO_CHANNEL_MIN 11
#define RADIO_CHANNEL_MAX 26

/* Largest PSDU, FCS included (aMaxPHYPacketSize). Same as MAC_PSDU_MAX. */
#define RADIO_PSDU_MAX 127

/* Capability bits (struct radio_ops.caps). */
enum radio_caps {
    RADIO_CAP_AUTO_ACK = 1u << 0,   /* the radio sends Imm-Acks for frames addressed to it
                                     * (needs set_pan_id/set_short_addr/set_ext_addr) */
    RADIO_CAP_TX_RETRIES = 1u << 1, /* the radio does CSMA/CA, waits for ACKs and retries on
                                     * its own, and reports through radio_tx_done_cb
                                     * (implies RADIO_CAP_TX_DONE) */
    RADIO_CAP_TX_DONE = 1u << 2,    /* the radio waits for the ACK of one attempt and reports
                                     * through radio_tx_done_cb; the MAC retries */
};

/* How a transmission ended, as a RADIO_CAP_TX_DONE radio reports it (after its
 * own retries when it has RADIO_CAP_TX_RETRIES). */
enum radio_tx_status {
    RADIO_TX_OK = 0,              /* sent (no AR), or sent and acknowledged */
    RADIO_TX_NO_ACK,              /* no ACK (after the radio's retries, if any) */
    RADIO_TX_CHANNEL_ACCESS_FAIL, /* CSMA/CA (or the one CCA) found the channel busy */
    RADIO_TX_ABORTED,             /* the radio reset or its link went down meanwhile */
    RADIO_TX_ERROR,               /* any other failure the radio reported */
};

/* The tx-done report; pointers are valid during the callback only. */
struct radio_tx_done {
    enum radio_tx_status status;
    bool ack_frame_pending;  /* FP bit of the ACK (status OK, AR frames only) */
    const uint8_t *ack_psdu; /* the ACK as received (FCS included), or NULL */
    size_t ack_len;
    uint64_t now_ms; /* the now_ms of the call that produced the report */
};

typedef void (*radio_tx_done_cb)(void *user, const struct radio_tx_done *done);

/*
 * A received frame as a radio hands it up. Everything points into the
 * radio's buffer and is valid only during the callback.
 */
struct radio_rx_frame {
    const uint8_t *psdu;    /* the PSDU, FCS included (untrusted bytes) */
    size_t len;             /* 1..127 */
    uint8_t channel;        /* the channel it was received on */
    int8_t rssi;            /* dBm; the sim radio reports -20 like OpenThread's */
    uint8_t lqi;            /* link quality indicator from the radio, 0 when unknown */
    uint64_t timestamp_ms;  /* the now_ms the caller passed to the radio's receive call */
    bool acked;             /* RADIO_CAP_AUTO_ACK: the radio sent an Imm-Ack for it */
    bool ack_frame_pending; /* ... with the frame-pending bit set */
};

/*
 * Receive callback: called once per received frame, in the caller's context
 * (inside the radio's receive/poll function). mac_layer_radio_rx() has this
 * type, so a radio can feed the MAC directly.
 */
typedef void (*radio_rx_cb)(void *user, const struct radio_rx_frame *frame);

/*
 * The ops table. `radio` is the implementation's context (e.g. struct
 * sim_radio *). Functions return 0 on success or -1 on error, with errno set
 * where the cause is a system call. None of them blocks.
 */
struct radio_ops {
    unsigned caps; /* enum radio_caps bits (when get_caps is NULL) */

    /* Optional: the capabilities of this radio instance now (enum
     * radio_caps bits); NULL: the caps field. */
    unsigned (*get_caps)(void *radio);

    /*
     * Sends one PSDU (len 1..127, FCS included and already correct) on
     * channel. Returns when the frame has been handed to the medium: for the
     * sim radio that is the sendto() of one datagram. A -1 means the frame
     * was not sent (transient: errno EAGAIN/ENOBUFS; anything else is a
     * broken radio).
     */
    int (*transmit)(void *radio, const uint8_t *psdu, size_t len, uint8_t channel);

    /* Sets the receive channel (11..26). Frames on other channels are not
     * passed up. */
    int (*set_channel)(void *radio, uint8_t channel);

    /* Optional (NULL when the radio has no address filter or auto-ACK):
     * the identity the radio filters on and acknowledges for. ext is in
     * extaddr print order (mac_frame.h). */
    int (*set_pan_id)(void *radio, uint16_t pan_id);
    int (*set_short_addr)(void *radio, uint16_t short_addr);
    int (*set_ext_addr)(void *radio, const uint8_t ext[8]);

    /* Optional: a one-line description of the last error (never NULL when
     * the function is present). */
    const char *(*last_error)(void *radio);

    /*
     * Optional source-match tables (the frame-pending bit of auto-ACKs for
     * sleepy children, RADIO_CAP_AUTO_ACK radios): with matching enabled the
     * radio sets frame pending in the ACK of a Data Request only for sources
     * in the tables; disabled, it sets it for every source. ext in extaddr
     * print order. clear empties both tables.
     */
    int (*src_match_enable)(void *radio, bool enable);
    int (*src_match_add_short)(void *radio, uint16_t short_addr);
    int (*src_match_del_short)(void *radio, uint16_t short_addr);
    int (*src_match_add_ext)(void *radio, const uint8_t ext[8]);
    int (*src_match_del_ext)(void *radio, const uint8_t ext[8]);
    int (*src_match_clear)(void *radio);
};

#endif
