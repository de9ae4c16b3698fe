/*
 * The TCP benchmark of OpenThread's CLI (cli_tcp.cpp, `tcp benchmark run`
 * / `result`) on one TCP endpoint of a struct tnode: queue `total` bytes of
 * 'a' as fast as the send buffer takes them, and time the run until the
 * peer has acknowledged everything (the send buffer is empty again). A
 * device service (src/svc/): above thread/, below cli/.
 *
 * The caller owns a struct tcp_bench beside its endpoint and forwards the
 * endpoint's TCP_EV_SEND_SPACE events to tcp_bench_on_send_space(), and
 * calls tcp_bench_stop() when the connection closes or is aborted.
 */
#ifndef TBR_SVC_TCP_BENCH_H
#define TBR_SVC_TCP_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread/node.h"

/* OPENTHREAD_CONFIG_CLI_TCP_DEFAULT_BENCHMARK_SIZE */
#define TCP_BENCH_DEFAULT_SIZE (72u << 10)
/* OpenThread's sBenchmarkData is 1040 'a's. */
#define TCP_BENCH_CHUNK 1040

struct tcp_bench {
    struct tnode *node;
    int id;              /* the endpoint of the run */
    uint32_t total;      /* bytes of the run in progress, 0 when none */
    uint32_t unsent;     /* still to queue */
    uint32_t last_total; /* of the last completed run */
    uint64_t start_ms, time_used_ms;
};

void tcp_bench_init(struct tcp_bench *b, struct tnode *node);

/* Starts a run of total (> 0) bytes on endpoint id at now_ms. False when
 * the endpoint is in no state to send (OpenThread prints "TCP Benchmark
 * Failed"): not established, close-wait or opening. */
bool tcp_bench_start(struct tcp_bench *b, int id, uint32_t total, uint64_t now_ms);
bool tcp_bench_running(const struct tcp_bench *b);

/* The endpoint's TCP_EV_SEND_SPACE with space free octets in its send
 * buffer, at now_ms (the event's now_ms): queues more, or ends the run when
 * everything was queued and the buffer is empty. True when the run completed
 * in this call. */
bool tcp_bench_on_send_space(struct tcp_bench *b, size_t space, uint64_t now_ms);

/* The connection went away: the run (if any) is dropped, no result. */
void tcp_bench_stop(struct tcp_bench *b);

/* A completed run exists (`tcp benchmark result` says Completed). */
bool tcp_bench_has_result(const struct tcp_bench *b);
/* The last run's goodput in bit/s, rounded, as OpenThread computes it
 * (a run of 0 ms counts as 1 ms). */
uint64_t tcp_bench_goodput_bps(uint32_t bytes, uint64_t ms);

#endif
