/*
 * An in-process 802.15.4 medium for many radios (the mesh scale bench,
 * bench/bench_mesh.c): no sockets, virtual time, bounded memory.
 *
 * Stations sit at positions in a plane (a grid or uniform random
 * positions, from a seeded PRNG so a run is reproducible). A frame one
 * station transmits reaches every other station within the radio range
 * that listens on the frame's channel, with an RSSI that falls with the
 * distance (log-distance path loss: -30 dBm at 1 m, -95 dBm at the range,
 * so link quality varies over the mesh) and, optionally, a loss
 * probability that grows with the distance. Frames arrive in the same
 * virtual millisecond they were sent (no airtime, no collisions), in FIFO
 * order.
 *
 * Memory: the stations, their neighbour lists (built once, CSR: one
 * struct mm_link per pair in range) and a fixed ring of MM_QLEN frames in
 * flight; a frame sent while the ring is full is dropped and counted.
 *
 * Each station's radio is struct radio_ops (radio/radio.h) with caps 0 (a
 * "dumb" radio: the MAC above acknowledges and retries in software), as
 * the test medium (tests/support/medium.c) and the sim radio do.
 */
#ifndef TBR_BENCH_MESH_MEDIUM_H
#define TBR_BENCH_MESH_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "radio/radio.h"

#define MM_MAX_STATIONS 4096
#define MM_QLEN 8192 /* frames in flight */

enum mm_topology {
    MM_GRID,   /* rows of spacing m, station 0 in the middle */
    MM_RANDOM, /* uniform in a square of the grid's size, station 0 in the middle */
};

struct mm_cfg {
    int n; /* stations, 1..MM_MAX_STATIONS */
    enum mm_topology topology;
    double spacing_m; /* grid pitch (and the random square's density) */
    double range_m;   /* frames reach stations closer than this */
    double loss;      /* 0..1: the loss probability at the range, scaling with (d/range)^2 */
    uint64_t seed;    /* positions, losses and the stations' random sources */
};

struct mm_medium;

/* One radio: the `radio` of mm_radio_ops and the `user` of mm_random. */
struct mm_station {
    struct mm_medium *m;
    int idx;
    uint8_t channel;         /* set by the node through set_channel; 0: not listening */
    uint64_t rng;            /* xorshift64* state, from the seed */
    double x, y;             /* metres */
    uint32_t nbr_off, nbr_n; /* its links: m->links[nbr_off .. nbr_off + nbr_n) */
};

struct mm_link {
    uint32_t to;
    int8_t rssi;
    uint16_t loss; /* per 65536 */
};

struct mm_frame {
    uint32_t from;
    uint8_t ch, len;
    uint8_t psdu[RADIO_PSDU_MAX];
};

struct mm_counters {
    uint64_t tx_frames;   /* frames put on the air */
    uint64_t deliveries;  /* frame copies handed to a receiver */
    uint64_t lost;        /* copies lost to the distance loss */
    uint64_t queue_drops; /* frames dropped: the ring was full */
    uint32_t max_queued;  /* most frames in flight at once */
};

/* Receives one frame copy at station idx (never the sender; only on the
 * station's channel, only within range). */
typedef void (*mm_rx_fn)(void *user, int idx, const struct radio_rx_frame *rx);

struct mm_medium {
    struct mm_cfg cfg;
    struct mm_station *st;
    struct mm_link *links;
    size_t n_links;
    struct mm_frame *q; /* MM_QLEN, FIFO ring */
    unsigned head, count;
    uint64_t rng; /* losses */
    struct mm_counters ctr;
    mm_rx_fn rx;
    void *user;
};

/* The radio ops over a struct mm_station * radio. */
extern const struct radio_ops mm_radio_ops;

/* A node's random source (cfg.random; user a struct mm_station *):
 * xorshift64* over the station's rng. Reproducible, not cryptographic. */
void mm_random(void *user, uint8_t *buf, size_t len);

/* Places cfg->n stations, builds their neighbour lists and the frame ring.
 * 0, or -1 (bad cfg or no memory; m is then freed). */
int mm_medium_init(struct mm_medium *m, const struct mm_cfg *cfg, mm_rx_fn rx, void *user);
void mm_medium_free(struct mm_medium *m);

/* Hands every frame in flight (and the ones sent meanwhile by the
 * receivers) to the stations in range; now_ms stamps them. Returns how
 * many frames it took off the air. */
unsigned mm_medium_deliver(struct mm_medium *m, uint64_t now_ms);

/* Heap bytes the medium holds (stations, links, ring). */
size_t mm_medium_bytes(const struct mm_medium *m);

/* The hop count of the shortest path from station 0 to every station over
 * the links (-1: unreachable), into hops[n]; returns the largest finite. */
int mm_medium_hops(const struct mm_medium *m, int *hops);

#endif
