/*
 * In-process test harness, first layer: an output capture for CLI commands
 * and a small simulated 802.15.4 medium (virtual time, no sockets) that
 * carries frames between up to TM_MAX_STATIONS radios. What sits behind
 * each radio (a tnode, an agent) is the caller's, reached through hooks.
 * Failures end the running cmocka test. Test support only.
 */
#ifndef TBR_TEST_MEDIUM_H
#define TBR_TEST_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "radio/radio.h"

/* ---- output capture ---------------------------------------------------------- */

struct tm_capture {
    FILE *f; /* what the command under test writes to */
    char *buf;
    size_t size;
    size_t mark;
    char last[65536];
};

/* Opens c (zeroed first) over open_memstream. */
void tm_capture_open(struct tm_capture *c);
void tm_capture_close(struct tm_capture *c);
/* What was written since the previous call, NUL-terminated; valid until
 * the next call. Fails the test when it does not fit in last[]. */
const char *tm_capture_take(struct tm_capture *c);

/* Copies the first line of s (without its newline) to out; fails the test
 * when it does not fit in cap. */
void tm_first_line(const char *s, char *out, size_t cap);

/* ---- the medium ----------------------------------------------------------------- */

#define TM_MAX_STATIONS 10
#define TM_QLEN 512

struct tm_medium;

/* One radio on the medium: the `radio` of tm_radio_ops and the `user` of
 * tm_random. */
struct tm_station {
    struct tm_medium *m;
    int idx;
    uint8_t channel; /* set by the node through set_channel */
    uint64_t rng;    /* xorshift64* state */
};

struct tm_frame {
    int from;
    uint8_t ch, len;
    uint8_t psdu[127];
};

/* What tm_run() calls; user is tm_medium.user. rx and next_timeout are
 * required, step and busy optional. */
struct tm_hooks {
    /* Hands a frame to station idx (never the sender; only on its channel). */
    void (*rx)(void *user, int idx, const struct radio_rx_frame *rx);
    /* Once the frame queue is empty: delivers other queued input and runs
     * the nodes' process functions. */
    void (*step)(void *user, uint64_t now);
    /* True while step() left input queued: the loop goes round again. */
    bool (*busy)(void *user);
    /* The nearest timer of all nodes in ms, or -1 for none. */
    int64_t (*next_timeout)(void *user, uint64_t now);
};

struct tm_medium {
    struct tm_station st[TM_MAX_STATIONS];
    int n;
    struct tm_frame q[TM_QLEN]; /* frames in flight, FIFO */
    unsigned head, count;
    const struct tm_hooks *hooks;
    void *user;
};

/* The radio ops over a struct tm_station * radio: transmit queues the frame
 * (fails the test when the queue is full), set_channel sets the station's
 * receive channel. */
extern const struct radio_ops tm_radio_ops;

/* The nodes' random source (cfg.random, user a struct tm_station *):
 * xorshift64* over the station's rng, deterministic per station. */
void tm_random(void *user, uint8_t *buf, size_t len);

/* Zeroes m and sets up n (<= TM_MAX_STATIONS) stations, station i seeded
 * with 0x9e3779b97f4a7c15 * (i + seed). */
void tm_medium_init(struct tm_medium *m, int n, uint64_t seed, const struct tm_hooks *hooks,
                    void *user);

/* Delivers frames, runs step() and the timers, advancing the caller's clock
 * *now to *now + ms of virtual time (fails the test after 100000 zero
 * timeouts in a row). */
void tm_run(struct tm_medium *m, uint64_t *now, uint64_t ms);

/* The nearer of two timeouts (ms, -1 for none). */
int64_t tm_min_timeout(int64_t a, int64_t b);

#endif
