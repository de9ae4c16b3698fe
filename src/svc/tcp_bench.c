/* The TCP benchmark on a node's endpoint; see tcp_bench.h. */
#include "svc/tcp_bench.h"

#include <string.h>

void tcp_bench_init(struct tcp_bench *b, struct tnode *node)
{
    memset(b, 0, sizeof(*b));
    b->node = node;
}

/* ContinueBenchmarkCircularSend: fill the send buffer. */
static void fill(struct tcp_bench *b, uint64_t now_ms)
{
    char chunk[TCP_BENCH_CHUNK];

    memset(chunk, 'a', sizeof(chunk));
    while (b->unsent != 0 && tnode_tcp_send_space(b->node, b->id) != 0) {
        size_t n = b->unsent < TCP_BENCH_CHUNK ? b->unsent : TCP_BENCH_CHUNK;
        size_t k = tnode_tcp_send(b->node, b->id, chunk, n, now_ms);

        if (k == 0)
            break;
        b->unsent -= (uint32_t)k;
    }
}

bool tcp_bench_start(struct tcp_bench *b, int id, uint32_t total, uint64_t now_ms)
{
    enum tcp_state st = tnode_tcp_state(b->node, id);

    if (st != TCP_ESTABLISHED && st != TCP_CLOSE_WAIT && st != TCP_SYN_SENT &&
        st != TCP_SYN_RECEIVED)
        return false;
    b->id = id;
    b->total = total;
    b->unsent = total;
    b->start_ms = now_ms;
    fill(b, now_ms);
    return true;
}

bool tcp_bench_running(const struct tcp_bench *b)
{
    return b->total != 0;
}

bool tcp_bench_on_send_space(struct tcp_bench *b, size_t space, uint64_t now_ms)
{
    if (b->total == 0)
        return false;
    if (b->unsent != 0) {
        fill(b, now_ms);
        return false;
    }
    if (space < TCP_SNDBUF)
        return false; /* not everything acknowledged yet */
    b->time_used_ms = now_ms - b->start_ms;
    b->last_total = b->total;
    b->total = 0;
    return true;
}

void tcp_bench_stop(struct tcp_bench *b)
{
    b->total = 0;
    b->unsent = 0;
}

bool tcp_bench_has_result(const struct tcp_bench *b)
{
    return b->time_used_ms != 0 || b->last_total != 0;
}

uint64_t tcp_bench_goodput_bps(uint32_t bytes, uint64_t ms)
{
    uint64_t t = ms != 0 ? ms : 1;

    return (1000u * ((uint64_t)bytes << 3) + (t >> 1)) / t;
}
