/*
 * OpenThread's simulation radio transport (examples/platforms/simulation,
 * real-time mode), so that unmodified `ot-cli-ftd` nodes hear us and we hear
 * them. Reference: thread-sim-interop.md 1.2-1.4.
 *
 *   portBase = $PORT_BASE (default 9000) + $PORT_OFFSET (default 0) * 34
 *   TX socket: UDP, bound to 127.0.0.1:(portBase + node_id), IP_MULTICAST_IF
 *              127.0.0.1, IP_MULTICAST_LOOP 1; every frame is one datagram
 *              [channel (1 byte)] [PSDU incl. FCS] sent to 224.0.0.116:portBase.
 *   RX socket: UDP, SO_REUSEADDR + SO_REUSEPORT (every node shares the port),
 *              IP_MULTICAST_IF 127.0.0.1, joined to 224.0.0.116 on 127.0.0.1,
 *              bound to 224.0.0.116:portBase.
 *   Receive:   sender id = UDP source port - portBase; our own datagrams
 *              (sender id == node_id) are ignored, as are datagrams whose
 *              channel byte is not the current receive channel. As in
 *              OpenThread, datagrams from other ports (outside the node
 *              range) are accepted.
 *
 * Everything stays on loopback. No CCA, no ACKs, no retries here: this is
 * thin I/O (caps 0 in radio.h); the MAC layer (mac/mac.h) does the rest.
 * Both sockets are non-blocking; put sim_radio_fd() in the poll loop.
 *
 * No global state: a struct sim_radio per simulated node, owned by the caller;
 * several may live in one process (they then hear each other).
 */
#ifndef TBR_PLATFORM_SIM_RADIO_H
#define TBR_PLATFORM_SIM_RADIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "radio/radio.h"

#define SIM_RADIO_PORT_BASE_DEFAULT 9000
#define SIM_RADIO_MAX_NODES 33                          /* OPENTHREAD_SIMULATION_MAX_NETWORK_SIZE */
#define SIM_RADIO_PORT_STRIDE (SIM_RADIO_MAX_NODES + 1) /* PORT_OFFSET multiplier: 34 */
#define SIM_RADIO_GROUP "224.0.0.116"
#define SIM_RADIO_LOCAL "127.0.0.1"
#define SIM_RADIO_RSSI (-20) /* what OpenThread's sim radio reports for every frame */
/* Datagrams handled per sim_radio_receive() call, so one busy peer cannot
 * starve the rest of the poll loop. */
#define SIM_RADIO_RX_BURST 64

/* Why a datagram or frame went nowhere; one counter per reason. */
struct sim_radio_counters {
    uint64_t tx_frames;     /* datagrams sent */
    uint64_t tx_errors;     /* sendto() failed (frame not sent) */
    uint64_t tx_bad_args;   /* length 0 or > 127, or channel out of range */
    uint64_t rx_frames;     /* frames passed to the callback */
    uint64_t rx_own;        /* our own datagram (multicast loop) */
    uint64_t rx_bad_len;    /* datagram shorter than 2 or longer than 128 bytes */
    uint64_t rx_other_port; /* not a drop: source port outside portBase+1 .. +33 */
    uint64_t rx_channel;    /* channel byte is not our receive channel */
    uint64_t rx_loss;       /* dropped by the simulated loss rate */
    uint64_t rx_errors;     /* recvfrom() failed */
};

struct sim_radio_config {
    unsigned node_id;   /* 1..33, our sender id */
    uint8_t channel;    /* initial receive channel, 11..26 */
    uint16_t port_base; /* 0: from the environment (sim_radio_port_base_from_env) */
};

struct sim_radio {
    int tx_fd;
    int rx_fd;
    unsigned node_id;
    uint16_t port_base;
    uint8_t channel;
    double loss_rate;   /* 0 .. 1: fraction of received frames dropped */
    uint64_t rng_state; /* seeded by sim_radio_set_loss */
    struct sim_radio_counters counters;
    char err[192]; /* last error, one line with the errno text */
};

/* The ops table for struct radio_ops users: the `radio` argument is a
 * struct sim_radio *. caps == 0. */
extern const struct radio_ops sim_radio_ops;

/*
 * portBase from the environment, as OpenThread computes it: PORT_BASE
 * (default 9000) + PORT_OFFSET (default 0) * 34. Both must be decimal
 * integers and the node ports portBase+1..portBase+33 must fit in 1..65535.
 * @retval 0 *out set. @retval -1 bad value; a message goes to err (may be NULL).
 */
int sim_radio_port_base_from_env(uint16_t *out, char *err, size_t errlen);

/*
 * Opens both sockets. On failure r->err says what failed and why (e.g.
 * "bind(127.0.0.1:9171): Address already in use" when another process uses
 * that node id) and nothing stays open.
 * @retval 0 ready. @retval -1 error (bad node id/channel/environment, socket error).
 */
int sim_radio_open(struct sim_radio *r, const struct sim_radio_config *cfg);

/* Closes both sockets (idempotent; safe on a zeroed or failed struct after
 * sim_radio_open set the fds to -1). */
void sim_radio_close(struct sim_radio *r);

/* The fd to poll for POLLIN (the RX socket). */
int sim_radio_fd(const struct sim_radio *r);

/*
 * Sends one frame: [channel][psdu] to the group. psdu includes the FCS.
 * @retval 0 sent. @retval -1 not sent (bad length/channel, or sendto error;
 * errno kept, r->err set).
 */
int sim_radio_transmit(struct sim_radio *r, const uint8_t *psdu, size_t len, uint8_t channel);

/* Sets the receive channel (11..26). @retval 0, -1 (out of range). */
int sim_radio_set_channel(struct sim_radio *r, uint8_t channel);

/*
 * Simulated loss for tests: each received frame that would be passed up is
 * dropped with probability rate (0 = none, 1 = all), from a small PRNG
 * seeded with seed (deterministic per seed). Counted in rx_loss.
 */
void sim_radio_set_loss(struct sim_radio *r, double rate, uint64_t seed);

/*
 * Reads up to SIM_RADIO_RX_BURST pending datagrams and calls cb once per
 * accepted frame, with timestamp_ms = now_ms. Never blocks.
 * @return the number of datagrams read (>= 0; 0 when none was pending), or
 * -1 on a socket error (r->err set; frames before it were delivered).
 */
int sim_radio_receive(struct sim_radio *r, uint64_t now_ms, radio_rx_cb cb, void *user);

#endif
