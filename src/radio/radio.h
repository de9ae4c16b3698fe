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
 * capability bits describe what an RCP does on its own; the MAC honours
 * RADIO_CAP_AUTO_ACK (it then does not send ACKs itself) and rejects
 * RADIO_CAP_TX_RETRIES for now (see mac.h, TODO).
 */
#ifndef TBR_RADIO_RADIO_H
#define TBR_RADIO_RADIO_H

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
    RADIO_CAP_TX_RETRIES = 1u << 1, /* the radio waits for ACKs and retries on its own */
};

/*
 * A received frame as a radio hands it up. Everything points into the
 * radio's buffer and is valid only during the callback.
 */
struct radio_rx_frame {
    const uint8_t *psdu;   /* the PSDU, FCS included (untrusted bytes) */
    size_t len;            /* 1..127 */
    uint8_t channel;       /* the channel it was received on */
    int8_t rssi;           /* dBm; the sim radio reports -20 like OpenThread's */
    uint64_t timestamp_ms; /* the now_ms the caller passed to the radio's receive call */
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
    unsigned caps; /* enum radio_caps bits */

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
};

#endif
