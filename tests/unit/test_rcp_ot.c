/*
 * The Spinel host (radio/rcp.h) against the real OpenThread RCP
 * (../shared/ot/ot-rcp, spawned with pipes) and a sim radio node
 * (platform/sim_radio.h) on the same simulated medium (PORT_OFFSET of our
 * own). Skips outside CI when ot-rcp is missing (support/skip_policy.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "mac/mac_frame.h"
#include "platform/sim_radio.h"
#include "radio/rcp.h"
#include "radio/spinel.h"
#include "../support/skip_policy.h"

#define RCP_NODE 1
#define SIM_NODE 2
#define CHANNEL 15
#define PANID 0x1234

struct child {
    pid_t pid;
    int to_fd, from_fd;
};

struct ctx {
    struct rcp rcp;
    struct sim_radio sim;
    struct child ot;
    char dir[64];
    /* what arrived */
    int rcp_rx, sim_rx, tx_done;
    struct radio_tx_done last_done;
    uint8_t rcp_frame[128], sim_frame[128];
    size_t rcp_len, sim_len;
    bool rcp_acked;
};

static char g_rcp_path[512];
static int g_offset;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int stream_write(void *stream, const uint8_t *p, size_t n)
{
    struct child *c = stream;
    while (n) {
        ssize_t w = write(c->to_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static const struct rcp_stream_ops g_stream = {stream_write};

static void logcb(void *user, int level, const char *msg)
{
    (void)user;
    if (getenv("TBR_TEST_VERBOSE"))
        fprintf(stderr, "[rcp %d] %s\n", level, msg);
}

static void spawn(struct ctx *c)
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        if (chdir(c->dir) != 0)
            _exit(126);
        char off[16];
        snprintf(off, sizeof(off), "%d", g_offset);
        setenv("PORT_OFFSET", off, 1);
        execl(g_rcp_path, "ot-rcp", "1", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    fcntl(out[0], F_SETFD, FD_CLOEXEC);
    c->ot = (struct child){pid, in[1], out[0]};
}

static void reap(struct ctx *c)
{
    if (c->ot.pid > 0) {
        kill(c->ot.pid, SIGKILL);
        waitpid(c->ot.pid, NULL, 0);
        c->ot.pid = 0;
    }
    if (c->ot.to_fd >= 0)
        close(c->ot.to_fd);
    if (c->ot.from_fd >= 0)
        close(c->ot.from_fd);
    c->ot.to_fd = c->ot.from_fd = -1;
}

static void on_rcp_rx(void *user, const struct radio_rx_frame *f)
{
    struct ctx *c = user;
    c->rcp_rx++;
    c->rcp_len = f->len;
    memcpy(c->rcp_frame, f->psdu, f->len);
    c->rcp_acked = f->acked;
}

static void on_tx_done(void *user, const struct radio_tx_done *d)
{
    struct ctx *c = user;
    c->tx_done++;
    c->last_done = *d;
    c->last_done.ack_psdu = NULL;
}

static void on_sim_rx(void *user, const struct radio_rx_frame *f)
{
    struct ctx *c = user;
    c->sim_rx++;
    c->sim_len = f->len;
    memcpy(c->sim_frame, f->psdu, f->len);
}

/* TBR_RCP_CAPTURE=file: appends what ot-rcp sends, in hex (the source of
 * tests/vectors/hdlc/ot-rcp-*.txt and tests/vectors/spinel/ot-rcp.txt). */
static void capture(const uint8_t *p, size_t n)
{
    const char *path = getenv("TBR_RCP_CAPTURE");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
    fputc('\n', f);
    fclose(f);
}

/* Runs the loop until cond or the time is up; returns at EOF of the child
 * with *eof set (when eof is not NULL). */
static bool run(struct ctx *c, int ms, bool (*cond)(struct ctx *), bool *eof)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        if (cond && cond(c))
            return true;
        struct pollfd p[2] = {{c->ot.from_fd, POLLIN, 0}, {sim_radio_fd(&c->sim), POLLIN, 0}};
        int64_t t = rcp_timeout_ms(&c->rcp, now_ms());
        int wait = t < 0 || t > 20 ? 20 : (int)t;
        poll(p, 2, wait);
        uint64_t now = now_ms();
        if (p[0].revents) {
            uint8_t buf[512];
            ssize_t n = read(c->ot.from_fd, buf, sizeof(buf));
            if (n > 0) {
                capture(buf, (size_t)n);
                rcp_input(&c->rcp, buf, (size_t)n, now);
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                if (eof) {
                    *eof = true;
                    return true;
                }
            }
        }
        if (p[1].revents)
            sim_radio_receive(&c->sim, now, on_sim_rx, c);
        rcp_tick(&c->rcp, now);
    }
    return cond ? cond(c) : false;
}

static bool is_ready(struct ctx *c)
{
    return rcp_state(&c->rcp) == RCP_STATE_READY && !c->rcp.req.active && !c->rcp.dirty;
}

static bool got_tx_done(struct ctx *c)
{
    return c->tx_done > 0;
}

static bool got_rcp_rx(struct ctx *c)
{
    return c->rcp_rx > 0;
}

static bool got_sim_rx(struct ctx *c)
{
    return c->sim_rx > 0;
}

/* A data frame, PAN ID compressed, short source 0x0002; dst short or ext
 * (ext in print order); ar sets the AR bit. Returns the PSDU length. */
static size_t make_frame(uint8_t *f, uint8_t seq, bool ar, uint16_t dst_short,
                         const uint8_t *dst_ext)
{
    size_t n = 0;
    uint16_t fcf =
        0x0001 | 0x0040 | 0x1000 | 0x8000 | (ar ? 0x0020 : 0) | (dst_ext ? 0x0C00 : 0x0800);
    f[n++] = (uint8_t)fcf;
    f[n++] = (uint8_t)(fcf >> 8);
    f[n++] = seq;
    f[n++] = (uint8_t)PANID;
    f[n++] = (uint8_t)(PANID >> 8);
    if (dst_ext) {
        for (int i = 7; i >= 0; i--)
            f[n++] = dst_ext[i];
    } else {
        f[n++] = (uint8_t)dst_short;
        f[n++] = (uint8_t)(dst_short >> 8);
    }
    f[n++] = 0x02;
    f[n++] = 0x00;
    memcpy(f + n, "tbr-rcp", 7);
    n += 7;
    uint16_t fcs = mac_crc16_kermit(f, n);
    f[n++] = (uint8_t)fcs;
    f[n++] = (uint8_t)(fcs >> 8);
    return n;
}

static const uint8_t g_ext[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};

static void bring_up(struct ctx *c)
{
    spawn(c);
    rcp_link_up(&c->rcp, now_ms());
    if (!run(c, 8000, is_ready, NULL))
        fail_msg("rcp not READY: state %s, %s", rcp_state_name(rcp_state(&c->rcp)),
                 rcp_last_error(&c->rcp));
}

static int setup(void **state)
{
    struct ctx *c = calloc(1, sizeof(*c));
    snprintf(c->dir, sizeof(c->dir), "/tmp/tbr-rcp-ot.XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    c->ot.to_fd = c->ot.from_fd = -1;
    struct rcp_config cfg = {.stream_ops = &g_stream, .stream = &c->ot, .log = logcb};
    assert_int_equal(rcp_init(&c->rcp, &cfg), 0);
    rcp_set_handlers(&c->rcp, on_rcp_rx, on_tx_done, c);
    const struct radio_ops *ops = &rcp_radio_ops;
    ops->set_channel(&c->rcp, CHANNEL);
    ops->set_pan_id(&c->rcp, PANID);
    ops->set_short_addr(&c->rcp, 0x0001);
    ops->set_ext_addr(&c->rcp, g_ext);
    struct sim_radio_config sc = {SIM_NODE, CHANNEL, 0};
    if (sim_radio_open(&c->sim, &sc) != 0)
        fail_msg("sim_radio_open: %s", c->sim.err);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct ctx *c = *state;
    reap(c);
    sim_radio_close(&c->sim);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", c->dir);
    free(c);
    return 0;
}

static void test_ready(void **state)
{
    struct ctx *c = *state;
    bring_up(c);
    const struct rcp_info *in = rcp_info(&c->rcp);
    assert_int_equal(in->protocol_major, 4);
    assert_memory_equal(in->ncp_version, "OPENTHREAD/", 11);
    assert_true(in->has_rcp_api_version);
    assert_true(in->rcp_api_version >= SPINEL_MIN_HOST_SUPPORTED_RCP_API_VERSION);
    assert_int_equal(rcp_counters(&c->rcp)->unexpected_resets, 0);
    assert_int_equal(rcp_counters(&c->rcp)->rx_hdlc_fcs_errors, 0);
}

static void test_tx_to_sim(void **state)
{
    struct ctx *c = *state;
    bring_up(c);
    uint8_t f[64];
    size_t n = make_frame(f, 7, false, 0xFFFF, NULL);
    assert_int_equal(rcp_radio_ops.transmit(&c->rcp, f, n, CHANNEL), 0);
    assert_true(run(c, 3000, got_tx_done, NULL));
    assert_int_equal(c->last_done.status, RADIO_TX_OK);
    assert_true(run(c, 1000, got_sim_rx, NULL));
    assert_int_equal(c->sim_len, n);
    assert_memory_equal(c->sim_frame, f, n);
}

static void test_tx_no_ack(void **state)
{
    struct ctx *c = *state;
    bring_up(c);
    uint8_t f[64];
    size_t n = make_frame(f, 8, true, 0x7777, NULL);
    assert_int_equal(rcp_radio_ops.transmit(&c->rcp, f, n, CHANNEL), 0);
    assert_true(run(c, 6000, got_tx_done, NULL));
    assert_int_equal(c->last_done.status, RADIO_TX_NO_ACK);
    assert_int_equal(rcp_counters(&c->rcp)->tx_no_ack, 1);
}

/* A frame from the sim node to the RCP's ext address is received and
 * acknowledged by the RCP on its own. */
static void rx_auto_ack(struct ctx *c, uint8_t seq)
{
    uint8_t f[64];
    size_t n = make_frame(f, seq, true, 0, g_ext);
    c->rcp_rx = c->sim_rx = 0;
    assert_int_equal(sim_radio_transmit(&c->sim, f, n, CHANNEL), 0);
    bool got = run(c, 3000, got_rcp_rx, NULL);
    const struct rcp_counters *k = rcp_counters(&c->rcp);
    if (!got)
        fail_msg("no rx: spinel %llu ignored %llu bad %llu drops %llu/%llu/%llu utid %llu",
                 (unsigned long long)k->rx_spinel_frames, (unsigned long long)k->rx_spinel_ignored,
                 (unsigned long long)k->rx_spinel_bad, (unsigned long long)k->rx_drop_bad_frame,
                 (unsigned long long)k->rx_drop_rx_error, (unsigned long long)k->rx_drop_no_handler,
                 (unsigned long long)k->rx_unexpected_tid);
    assert_int_equal(c->rcp_len, n);
    assert_memory_equal(c->rcp_frame, f, n);
    assert_true(c->rcp_acked);
    assert_true(run(c, 2000, got_sim_rx, NULL));
    assert_int_equal(c->sim_len, 5); /* Imm-Ack: FCF, seq, FCS */
    assert_int_equal(c->sim_frame[0] & 0x07, 2);
    assert_int_equal(c->sim_frame[2], seq);
}

static void test_rx_auto_ack(void **state)
{
    struct ctx *c = *state;
    bring_up(c);
    rx_auto_ack(c, 0x42);
}

static void test_kill_recover(void **state)
{
    struct ctx *c = *state;
    bring_up(c);
    kill(c->ot.pid, SIGKILL);
    bool eof = false;
    run(c, 3000, NULL, &eof);
    assert_true(eof);
    rcp_link_down(&c->rcp, now_ms(), "ot-rcp killed");
    assert_int_equal(rcp_state(&c->rcp), RCP_STATE_DOWN);
    reap(c);
    uint64_t t0 = now_ms();
    while (!rcp_reopen_due(&c->rcp, now_ms()) && now_ms() - t0 < 2000)
        usleep(10000);
    assert_true(rcp_reopen_due(&c->rcp, now_ms()));
    bring_up(c);
    assert_int_equal(rcp_counters(&c->rcp)->link_down, 1);
    assert_int_equal(c->rcp.channel, CHANNEL);
    /* the new RCP has our channel, PAN ID and address: it receives and ACKs */
    rx_auto_ack(c, 0x43);
}

int main(void)
{
    const char *shared = getenv("TBR_SHARED");
    if (shared)
        snprintf(g_rcp_path, sizeof(g_rcp_path), "%s/ot/ot-rcp", shared);
    else {
        char src[400];
        snprintf(src, sizeof(src), "%s", __FILE__);
        char *s = strrchr(src, '/');
        if (s)
            *s = '\0';
        snprintf(g_rcp_path, sizeof(g_rcp_path), "%s/../../../shared/ot/ot-rcp", src);
    }
    if (access(g_rcp_path, X_OK) != 0) {
        if (tbr_test_in_ci()) {
            fprintf(stderr, "test_rcp_ot: %s missing in CI\n", g_rcp_path);
            return 1;
        }
        fprintf(stderr, "test_rcp_ot: %s missing; skipped\n", g_rcp_path);
        return 77;
    }
    g_offset = 700 + (int)(getpid() % 100); /* 700..799: its own range */
    char off[16];
    snprintf(off, sizeof(off), "%d", g_offset);
    setenv("PORT_OFFSET", off, 1);
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_to_sim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_no_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_auto_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_recover, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
