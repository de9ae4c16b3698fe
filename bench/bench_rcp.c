/*
 * The Spinel path against the sim radio, in one run (a program, not a timed
 * test; issue 12).
 *
 *   tbr-rcp-bench [--seconds N] [--rcp PATH] [--port-offset N] [--len N]
 *                 [--rx-window N] [--rx-rate FPS]
 *
 * The real OpenThread RCP (../shared/ot/ot-rcp, node 1) is started on a pty
 * by platform/spinel_link.h and driven by radio/rcp.h in a poll loop as
 * tbr-agent does; it runs in a fresh temporary directory with a PORT_OFFSET
 * of its own. Sim radio nodes 2 and 3 live in this process on the same
 * simulated medium. Each measurement lasts --seconds (default 5):
 *
 *   rcp tx  back-to-back broadcast data frames handed to rcp_radio_ops
 *           transmit, the next one on each tx-done (no ACK wait); node 2
 *           counts what arrives on the air.
 *   rcp rx  node 2 sends broadcast frames to the RCP's PAN; received frames
 *           come up through rcp_input. Paced by a window: at most
 *           --rx-window (default 64) frames sent and not yet passed up (a
 *           frame missing for 100 ms is written off as lost), which runs at
 *           what the RCP passes up; or open loop at --rx-rate frames/s.
 *           Offered and delivered rates are both reported, and where a loss
 *           happened: HDLC/Spinel errors on our side of the pty, datagrams
 *           dropped on the RCP's UDP socket (/proc/net/udp), else inside
 *           the RCP.
 *   sim tx/rx  the baseline: node 3 sim_radio_transmit -> node 2
 *           sim_radio_receive (window 64), one transfer seen from each end.
 *   codec   no I/O: STREAM_RAW transmit request built and HDLC-encoded, and
 *           an RCP's STREAM_RAW frame HDLC-decoded and parsed, ns per frame.
 *
 * Host CPU per frame is this process's getrusage(RUSAGE_SELF) user+sys over
 * the interval less the CPU of the in-process peer node's own calls
 * (CLOCK_THREAD_CPUTIME_ID around them): what the path under test costs,
 * its poll loop included. The RCP's CPU is read from /proc/<pid>/stat
 * (utime+stime, clock ticks: 10 ms resolution at 100 Hz). Per RCP row the
 * link writes and reads, Spinel frames and loop wakeups per frame are
 * printed too: they show where the host's time goes.
 *
 * Without ot-rcp the RCP rows are skipped (outside CI; in CI it is an error).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mac/mac_frame.h"
#include "platform/sim_radio.h"
#include "platform/spinel_link.h"
#include "radio/hdlc.h"
#include "radio/radio_url.h"
#include "radio/rcp.h"
#include "radio/spinel.h"

#define RCP_NODE 1
#define PEER_NODE 2 /* listener for rcp tx, sender for rcp rx, receiver for sim */
#define SIM_NODE 3  /* the baseline's sender */
#define CHANNEL 15
#define PANID 0x1234
#define HDR_LEN 15 /* FCF, seq, dst PAN, dst short, src ext */
#define MAGIC "TBRB"
#define STALL_NS 100000000ull /* rx window: a frame missing this long is lost */
#define SIM_WINDOW 64
#define START_WAIT_MS 10000

struct row {
    const char *path;
    double secs;
    uint64_t offered, delivered, lost;
    double host_us, rcp_us; /* per delivered frame; rcp_us < 0: n/a */
    /* per delivered frame, RCP rows: link writes and reads, Spinel frames
     * in, poll wakeups of the loop */
    double writes, reads, spinel_in, wakeups;
    uint64_t rcp_drops; /* datagrams dropped on the RCP's UDP socket */
};

struct bench {
    double seconds;
    unsigned len;
    unsigned rx_window;
    double rx_rate;
    char rcp_path[PATH_MAX];
    int port_offset;
    char dir[64];
    bool have_rcp;
    struct spinel_link link;
    struct rcp rcp;
    struct sim_radio peer, sim;
    uint8_t src_ext[8];
    /* one measurement */
    uint8_t tag;
    bool tx_busy;
    uint64_t tx_ok, tx_fail, got;
    uint64_t peer_ns; /* CPU of the peer node's calls */
    uint64_t wakeups; /* polls that returned ready */
    struct row rows[4];
    unsigned nrows;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t self_cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ull +
           (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/* utime + stime of pid in microseconds (proc(5): fields 14 and 15, after
 * the command name in parentheses); 0 when unreadable. */
static uint64_t proc_cpu_us(pid_t pid)
{
    char path[64], buf[1024];
    unsigned long long ut = 0, st = 0;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (ut + st) * 1000000ull / (unsigned long long)sysconf(_SC_CLK_TCK);
}

/* Datagrams the kernel dropped on pid's UDP sockets (its receive buffer
 * was full): the "drops" column of /proc/net/udp for the socket inodes in
 * /proc/<pid>/fd. */
static uint64_t proc_udp_drops(pid_t pid)
{
    unsigned long inodes[16];
    unsigned n = 0;
    char path[64], link[64], line[512];
    uint64_t drops = 0;

    for (int fd = 0; fd < 64 && n < 16; fd++) {
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
        ssize_t k = readlink(path, link, sizeof(link) - 1);
        if (k <= 0)
            continue;
        link[k] = '\0';
        if (sscanf(link, "socket:[%lu]", &inodes[n]) == 1)
            n++;
    }
    FILE *f = fopen("/proc/net/udp", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long ino;
        unsigned long long d;
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %llu", &ino, &d) != 2)
            continue;
        for (unsigned i = 0; i < n; i++)
            if (inodes[i] == ino)
                drops += d;
    }
    fclose(f);
    return drops;
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "tbr-rcp-bench: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(1);
}

/* A broadcast data frame on our PAN from src: FCF (data, PAN ID
 * compression, short dst, ext src), seq, dst PAN, 0xFFFF, src, then MAGIC,
 * the run's tag and filler, FCS (IEEE 802.15.4-2006 7.2.1). */
static void make_frame(uint8_t *f, unsigned len, uint8_t seq, const uint8_t src[8], uint8_t tag)
{
    static const uint8_t hdr[5] = {0x41, 0xC8, 0, PANID & 0xFF, PANID >> 8};

    memcpy(f, hdr, sizeof(hdr));
    f[2] = seq;
    f[5] = f[6] = 0xFF;
    for (int i = 0; i < 8; i++)
        f[7 + i] = src[7 - i];
    memset(f + HDR_LEN, 0x5A, len - HDR_LEN - 2);
    memcpy(f + HDR_LEN, MAGIC, 4);
    f[HDR_LEN + 4] = tag;
    uint16_t fcs = mac_crc16_kermit(f, len - 2);
    f[len - 2] = (uint8_t)fcs;
    f[len - 1] = (uint8_t)(fcs >> 8);
}

static bool is_ours(const struct bench *b, const uint8_t *p, size_t n)
{
    return n == b->len && !memcmp(p + HDR_LEN, MAGIC, 4) && p[HDR_LEN + 4] == b->tag;
}

/* ---- the RCP side ---- */

static void on_rx(void *user, const struct radio_rx_frame *f)
{
    struct bench *b = user;

    if (is_ours(b, f->psdu, f->len))
        b->got++;
}

static void on_tx_done(void *user, const struct radio_tx_done *d)
{
    struct bench *b = user;

    b->tx_busy = false;
    if (d->status == RADIO_TX_OK)
        b->tx_ok++;
    else
        b->tx_fail++;
}

static void rcp_log(void *user, int level, const char *msg)
{
    (void)user;
    if (level <= 2 || getenv("TBR_BENCH_VERBOSE"))
        fprintf(stderr, "tbr-rcp-bench: rcp: %s\n", msg);
}

static const struct rcp_stream_ops link_ops = {.write = spinel_link_write};

/* One pass of the loop: waits at most wait_ms for the link or the peer
 * node, feeds the Spinel host, runs its timers and the peer's receive. */
static void service(struct bench *b, uint64_t wait_us, bool peer_rx)
{
    struct pollfd pfd[2] = {{spinel_link_fd(&b->link), POLLIN, 0},
                            {peer_rx ? sim_radio_fd(&b->peer) : -1, POLLIN, 0}};

    struct timespec ts = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
    int ready = ppoll(pfd, 2, &ts, NULL);
    if (ready < 0 && errno != EINTR)
        die("poll: %s", strerror(errno));
    if (ready > 0)
        b->wakeups++;
    uint64_t now = mono_ns() / 1000000;
    if (pfd[0].revents && spinel_link_feed(&b->link, &b->rcp, 16, now) == 0) /* RCP_READ_BURST */
        die("%s", spinel_link_why(&b->link));
    rcp_tick(&b->rcp, now);
    if (rcp_state(&b->rcp) != RCP_STATE_READY)
        die("the RCP left READY: %s", rcp_last_error(&b->rcp));
    if (pfd[1].revents) {
        uint64_t t0 = thread_ns();
        sim_radio_receive(&b->peer, now, on_rx, b);
        b->peer_ns += thread_ns() - t0;
    }
}

static void rcp_start(struct bench *b)
{
    char url[PATH_MAX + 64], err[RADIO_URL_ERR_MAX];
    struct radio_url u;
    const struct radio_ops *ops = &rcp_radio_ops;

    snprintf(url, sizeof(url), "spinel+hdlc+forkpty://%s?forkpty-arg=%d", b->rcp_path, RCP_NODE);
    if (radio_url_parse(&u, url, err, sizeof(err)) != 0)
        die("%s", err);
    spinel_link_init(&b->link, &u);
    struct rcp_config cfg = {.stream_ops = &link_ops, .stream = &b->link, .log = rcp_log};
    if (rcp_init(&b->rcp, &cfg) != 0)
        die("%s", "rcp_init failed");
    rcp_set_handlers(&b->rcp, on_rx, on_tx_done, b);
    static const uint8_t ext[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0x01};
    ops->set_channel(&b->rcp, CHANNEL);
    ops->set_pan_id(&b->rcp, PANID);
    ops->set_short_addr(&b->rcp, 0x0001);
    ops->set_ext_addr(&b->rcp, ext);
    if (spinel_link_open(&b->link) != 0)
        die("%s", spinel_link_why(&b->link));
    uint64_t start = mono_ns() / 1000000, now = start;
    rcp_link_up(&b->rcp, now);
    while (rcp_state(&b->rcp) != RCP_STATE_READY) {
        if (now - start > START_WAIT_MS || rcp_state(&b->rcp) == RCP_STATE_INCOMPATIBLE)
            die("the RCP is not ready: %s", rcp_last_error(&b->rcp));
        struct pollfd pfd = {spinel_link_fd(&b->link), POLLIN, 0};
        (void)poll(&pfd, 1, 50);
        now = mono_ns() / 1000000;
        if (spinel_link_feed(&b->link, &b->rcp, 1, now) == 0)
            die("%s", spinel_link_why(&b->link));
        rcp_tick(&b->rcp, now);
    }
}

struct mark {
    uint64_t t_ns, self_us, rcp_us;
    uint64_t writes, reads, spinel_in, wakeups, rcp_drops;
};

static struct mark mark(const struct bench *b)
{
    struct mark m = {mono_ns(), self_cpu_us(), 0, 0, 0, 0, b->wakeups, 0};

    if (b->have_rcp) {
        const struct spinel_link_counters *k = spinel_link_counters(&b->link);
        m.rcp_us = proc_cpu_us(spinel_link_child(&b->link));
        m.rcp_drops = proc_udp_drops(spinel_link_child(&b->link));
        m.writes = k->writes;
        m.reads = k->reads;
        m.spinel_in = rcp_counters(&b->rcp)->rx_spinel_frames;
    }
    return m;
}

/* Each run starts with an empty peer socket: what piled up while it was
 * not read (its own frames in rcp rx) would make the kernel drop ours. */
static void begin(struct bench *b, uint8_t tag)
{
    b->tag = 0;
    while (sim_radio_receive(&b->peer, 0, on_rx, b) > 0)
        ;
    b->tag = tag;
    b->tx_busy = false;
    b->tx_ok = b->tx_fail = b->got = b->peer_ns = b->wakeups = 0;
}

static void add_row(struct bench *b, const char *path, const struct mark *m0, const struct mark *m1,
                    uint64_t offered, uint64_t delivered, uint64_t lost, uint64_t peer_ns, bool rcp)
{
    struct row *r = &b->rows[b->nrows++];
    double host = (double)(m1->self_us - m0->self_us) - (double)peer_ns / 1000.0;

    *r = (struct row){
        path, (double)(m1->t_ns - m0->t_ns) / 1e9, offered, delivered, lost, 0, -1, 0, 0, 0,
        0,    m1->rcp_drops - m0->rcp_drops};
    if (delivered) {
        double d = (double)delivered;
        r->host_us = host / d;
        if (rcp) {
            r->rcp_us = (double)(m1->rcp_us - m0->rcp_us) / d;
            r->writes = (double)(m1->writes - m0->writes) / d;
            r->reads = (double)(m1->reads - m0->reads) / d;
            r->spinel_in = (double)(m1->spinel_in - m0->spinel_in) / d;
            r->wakeups = (double)(m1->wakeups - m0->wakeups) / d;
        }
    }
}

/* Waits up to 300 ms for stragglers (tx-done, frames on the air). */
static void drain(struct bench *b, bool peer_rx, uint64_t want)
{
    uint64_t end = mono_ns() + 300000000ull;

    while (mono_ns() < end && (b->tx_busy || b->got < want))
        service(b, 10000, peer_rx);
}

static void bench_rcp_tx(struct bench *b)
{
    uint8_t f[RADIO_PSDU_MAX];
    uint64_t sent = 0;

    begin(b, 1);
    struct mark m0 = mark(b);
    uint64_t end = m0.t_ns + (uint64_t)(b->seconds * 1e9);
    while (mono_ns() < end) {
        if (!b->tx_busy) {
            make_frame(f, b->len, (uint8_t)sent, b->src_ext, b->tag);
            if (rcp_radio_ops.transmit(&b->rcp, f, b->len, CHANNEL) != 0)
                die("transmit: %s", strerror(errno));
            b->tx_busy = true;
            sent++;
        }
        service(b, 100000, true);
    }
    struct mark m1 = mark(b);
    uint64_t done = b->tx_ok + b->tx_fail, peer_ns = b->peer_ns;
    drain(b, true, sent);
    if (b->tx_fail)
        fprintf(stderr, "tbr-rcp-bench: rcp tx: %llu transmissions failed\n",
                (unsigned long long)b->tx_fail);
    add_row(b, "rcp tx", &m0, &m1, sent, done, sent - b->got, peer_ns, true);
}

/* Sends up to n frames from s as one batch (the CPU clock is read once
 * around it: it is a system call); returns the batch's thread CPU. */
static uint64_t send_frames(struct bench *b, struct sim_radio *s, uint64_t n, uint64_t *sent)
{
    uint8_t f[RADIO_PSDU_MAX];
    uint64_t t0 = thread_ns();

    for (; n > 0; n--) {
        make_frame(f, b->len, (uint8_t)*sent, b->src_ext, b->tag);
        if (sim_radio_transmit(s, f, b->len, CHANNEL) != 0)
            break;
        (*sent)++;
    }
    return thread_ns() - t0;
}

/* How many frames the rx run may send now. */
static uint64_t rx_allowed(const struct bench *b, uint64_t start_ns, uint64_t now, uint64_t sent,
                           uint64_t written_off)
{
    if (b->rx_rate > 0) {
        uint64_t due = (uint64_t)((double)(now - start_ns) * b->rx_rate / 1e9) + 1;
        return due > sent ? due - sent : 0;
    }
    uint64_t out = sent - b->got - written_off;
    return out < b->rx_window ? b->rx_window - out : 0;
}

static void bench_rcp_rx(struct bench *b)
{
    uint64_t sent = 0, written_off = 0, last_got = 0;

    begin(b, 2);
    struct mark m0 = mark(b);
    uint64_t end = m0.t_ns + (uint64_t)(b->seconds * 1e9), last_t = m0.t_ns;
    while (mono_ns() < end) {
        uint64_t now = mono_ns();
        uint64_t n = rx_allowed(b, m0.t_ns, now, sent, written_off);
        if (b->got != last_got) {
            last_got = b->got;
            last_t = now;
        } else if (b->rx_rate <= 0 && !n && now - last_t > STALL_NS) {
            written_off = sent - b->got; /* lost: stop waiting for them */
            last_t = now;
            n = b->rx_window;
        }
        if (n)
            b->peer_ns += send_frames(b, &b->peer, n, &sent);
        /* wait for the RCP, or until the next frame is due (--rx-rate) */
        uint64_t wait_us = 1000;
        if (b->rx_rate > 0) {
            uint64_t due = m0.t_ns + (uint64_t)((double)sent * 1e9 / b->rx_rate);
            now = mono_ns();
            wait_us = due > now ? (due - now) / 1000 : 0;
        }
        service(b, wait_us, false);
    }
    struct mark m1 = mark(b);
    uint64_t got = b->got, peer_ns = b->peer_ns;
    drain(b, false, sent);
    const struct rcp_counters *k = rcp_counters(&b->rcp);
    if (k->rx_hdlc_fcs_errors || k->rx_hdlc_too_long || k->rx_spinel_bad || k->rx_drop_bad_frame ||
        k->rx_drop_rx_error)
        fprintf(stderr,
                "tbr-rcp-bench: rcp rx: link errors (HDLC FCS %llu, too long %llu, Spinel "
                "%llu, bad frame %llu, rx error %llu)\n",
                (unsigned long long)k->rx_hdlc_fcs_errors, (unsigned long long)k->rx_hdlc_too_long,
                (unsigned long long)k->rx_spinel_bad, (unsigned long long)k->rx_drop_bad_frame,
                (unsigned long long)k->rx_drop_rx_error);
    add_row(b, "rcp rx", &m0, &m1, sent, got, sent - b->got, peer_ns, true);
}

/* The peer node's receive, its CPU counted in *ns. */
static void sim_rx(struct bench *b, int wait_ms, uint64_t *ns)
{
    struct pollfd pfd = {sim_radio_fd(&b->peer), POLLIN, 0};

    if (poll(&pfd, 1, wait_ms) <= 0)
        return;
    uint64_t t0 = thread_ns();
    sim_radio_receive(&b->peer, mono_ns() / 1000000, on_rx, b);
    *ns += thread_ns() - t0;
}

/* The baseline: node 3 -> node 2 through the sim radio alone, at most
 * SIM_WINDOW frames on the way (a frame missing 100 ms is written off). */
static void bench_sim(struct bench *b)
{
    uint64_t sent = 0, tx_ns = 0, rx_ns = 0, written_off = 0, last_got = 0;

    begin(b, 3);
    struct mark m0 = mark(b);
    uint64_t end = m0.t_ns + (uint64_t)(b->seconds * 1e9), last_t = m0.t_ns;
    for (uint64_t now = m0.t_ns; now < end; now = mono_ns()) {
        if (b->got != last_got) {
            last_got = b->got;
            last_t = now;
        }
        uint64_t out = sent - b->got - written_off;
        if (out < SIM_WINDOW) /* fill the window */
            tx_ns += send_frames(b, &b->sim, SIM_WINDOW - out, &sent);
        else if (now - last_t > STALL_NS) {
            written_off = sent - b->got;
        }
        sim_rx(b, sent - b->got - written_off < SIM_WINDOW ? 0 : 1, &rx_ns);
    }
    struct mark m1 = mark(b);
    uint64_t got = b->got, stop = mono_ns() + 300000000ull;
    while (b->got < sent && mono_ns() < stop)
        sim_rx(b, 10, &rx_ns);
    add_row(b, "sim tx", &m0, &m1, sent, got, sent - b->got, rx_ns, false);
    add_row(b, "sim rx", &m0, &m1, sent, got, sent - b->got, tx_ns, false);
}

/* ---- the codec alone ---- */

static uint64_t g_sink;

static void on_hdlc(void *user, const uint8_t *p, size_t n)
{
    struct spinel_frame sf;
    struct spinel_radio_frame rf;

    (void)user;
    if (spinel_frame_parse(p, n, &sf) && sf.prop == SPINEL_PROP_STREAM_RAW) {
        struct rd r = rd_init(sf.value, sf.value_len);
        if (spinel_parse_radio_frame(&r, &rf))
            g_sink += rf.len + rf.lqi;
    }
}

/* An RCP's STREAM_RAW frame (NcpBase::PackRadioFrame): PSDU, RSSI, noise
 * floor, flags, PHY struct {channel, LQI, timestamp}, vendor {rx error}. */
static size_t build_rx_frame(const uint8_t *psdu, size_t len, uint8_t *out, size_t cap)
{
    uint8_t raw[256], phy[10] = {CHANNEL, 200, 1, 2, 3, 4, 5, 6, 7, 8}, vendor[1] = {0};
    struct wr w = wr_init(raw, sizeof(raw));
    size_t n = 0;

    spinel_wr_header(&w, 0, 0, SPINEL_CMD_PROP_VALUE_IS, SPINEL_PROP_STREAM_RAW);
    spinel_wr_data_wlen(&w, psdu, len);
    wr_u8(&w, (uint8_t)-20);
    wr_u8(&w, (uint8_t)-100);
    spinel_wr_le16(&w, 0);
    spinel_wr_data_wlen(&w, phy, sizeof(phy));
    spinel_wr_data_wlen(&w, vendor, sizeof(vendor));
    if (!w.ok || hdlc_encode(raw, (size_t)(w.p - raw), out, cap, &n) != 0)
        die("%s", "codec: frame does not fit");
    return n;
}

static void bench_codec(const struct bench *b, double *enc_ns, double *dec_ns, double *fcs_ns)
{
    uint8_t psdu[RADIO_PSDU_MAX], raw[256], enc[HDLC_ENCODED_MAX(256)], rx[HDLC_ENCODED_MAX(256)];
    static struct hdlc_decoder dec;
    struct spinel_tx_request req = {psdu, b->len, CHANNEL, 4, 15, true, CHANNEL};
    const unsigned iters = 200000;

    make_frame(psdu, b->len, 0, b->src_ext, 9);
    size_t rx_len = build_rx_frame(psdu, b->len, rx, sizeof(rx));
    hdlc_decoder_init(&dec, on_hdlc, NULL);
    uint64_t t0 = mono_ns();
    for (unsigned i = 0; i < iters; i++) {
        struct wr w = wr_init(raw, sizeof(raw));
        size_t n;
        psdu[2] = (uint8_t)i;
        spinel_build_stream_raw_tx(&w, 0, 2, &req);
        if (!w.ok || hdlc_encode(raw, (size_t)(w.p - raw), enc, sizeof(enc), &n) != 0)
            die("%s", "codec: encode failed");
        g_sink += n + enc[n / 2];
    }
    uint64_t t1 = mono_ns();
    for (unsigned i = 0; i < iters; i++)
        hdlc_decode(&dec, rx, rx_len);
    uint64_t t2 = mono_ns();
    if (dec.ctr.frames != iters)
        die("%s", "codec: decode lost frames");
    struct wr w = wr_init(raw, sizeof(raw));
    spinel_build_stream_raw_tx(&w, 0, 2, &req);
    uint64_t t3 = mono_ns();
    for (unsigned i = 0; i < iters; i++) {
        raw[3] = (uint8_t)i;
        g_sink += hdlc_fcs(HDLC_FCS_INIT, raw, (size_t)(w.p - raw));
    }
    *fcs_ns = (double)(mono_ns() - t3) / iters;
    *enc_ns = (double)(t1 - t0) / iters;
    *dec_ns = (double)(t2 - t1) / iters;
}

/* ---- setup and report ---- */

static void usage(void)
{
    fprintf(stderr, "usage: tbr-rcp-bench [--seconds N] [--rcp PATH] [--port-offset N] [--len "
                    "22..127] [--rx-window N] [--rx-rate FPS]\n");
    exit(2);
}

static void parse_args(struct bench *b, int argc, char **argv)
{
    const char *shared = getenv("TBR_SHARED");

    b->seconds = 5;
    b->len = RADIO_PSDU_MAX;
    b->rx_window = 64;
    b->port_offset = 500 + (int)(getpid() % 40);
    if (shared)
        snprintf(b->rcp_path, sizeof(b->rcp_path), "%s/ot/ot-rcp", shared);
    else {
        char src[PATH_MAX - 32];
        snprintf(src, sizeof(src), "%s", __FILE__);
        char *s = strrchr(src, '/');
        if (s)
            *s = '\0';
        snprintf(b->rcp_path, sizeof(b->rcp_path), "%s/../../shared/ot/ot-rcp", src);
    }
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(argv[i], "--seconds"))
            b->seconds = atof(v);
        else if (!strcmp(argv[i], "--rcp"))
            snprintf(b->rcp_path, sizeof(b->rcp_path), "%s", v);
        else if (!strcmp(argv[i], "--port-offset"))
            b->port_offset = atoi(v);
        else if (!strcmp(argv[i], "--len"))
            b->len = (unsigned)atoi(v);
        else if (!strcmp(argv[i], "--rx-window"))
            b->rx_window = (unsigned)atoi(v);
        else if (!strcmp(argv[i], "--rx-rate"))
            b->rx_rate = atof(v);
        else
            usage();
        i++;
    }
    if (b->seconds <= 0 || b->len < HDR_LEN + 7 || b->len > RADIO_PSDU_MAX || !b->rx_window ||
        b->port_offset < 0)
        usage();
}

static void open_sim(struct sim_radio *s, unsigned node)
{
    struct sim_radio_config sc = {node, CHANNEL, 0};

    if (sim_radio_open(s, &sc) != 0)
        die("sim radio: %s", s->err);
}

static void print_report(const struct bench *b, int argc, char **argv, double enc, double dec,
                         double fcs)
{
    printf("%-8s %10s %10s %10s %14s %13s %8s\n", "path", "frames/s", "offered/s", "frames",
           "host us/frame", "RCP us/frame", "loss");
    for (unsigned i = 0; i < b->nrows; i++) {
        const struct row *r = &b->rows[i];
        char rcp[32] = "-";
        if (r->rcp_us >= 0)
            snprintf(rcp, sizeof(rcp), "%.1f", r->rcp_us);
        printf("%-8s %10.0f %10.0f %10llu %14.1f %13s %8llu\n", r->path,
               (double)r->delivered / r->secs, (double)r->offered / r->secs,
               (unsigned long long)r->delivered, r->host_us, rcp, (unsigned long long)r->lost);
    }
    for (unsigned i = 0; i < b->nrows; i++) {
        const struct row *r = &b->rows[i];
        if (r->rcp_us >= 0)
            printf("%s per frame: %.2f link writes, %.2f link reads, %.2f Spinel frames in, %.2f "
                   "loop wakeups; %llu dropped on the RCP's UDP socket\n",
                   r->path, r->writes, r->reads, r->spinel_in, r->wakeups,
                   (unsigned long long)r->rcp_drops);
    }
    printf("codec (%u-byte PSDU): STREAM_RAW tx build + HDLC encode %.0f ns/frame, HDLC decode + "
           "STREAM_RAW parse %.0f ns/frame; the HDLC FCS alone over one transmit request %.0f ns\n",
           b->len, enc, dec, fcs);
    printf("command:");
    for (int i = 0; i < argc; i++)
        printf(" %s", argv[i]);
    printf("  (%.1f s each, %u-byte frames, PORT_OFFSET=%d, rx %s %g)\n", b->seconds, b->len,
           b->port_offset, b->rx_rate > 0 ? "rate" : "window",
           b->rx_rate > 0 ? b->rx_rate : (double)b->rx_window);
}

int main(int argc, char **argv)
{
    static struct bench b;
    char off[16], abs_path[PATH_MAX];
    double enc = 0, dec = 0, fcs = 0;

    parse_args(&b, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    snprintf(off, sizeof(off), "%d", b.port_offset);
    setenv("PORT_OFFSET", off, 1);
    memcpy(b.src_ext, (const uint8_t[8]){0x02, 0, 0, 0, 0, 0, 0, 0x02}, 8);
    b.have_rcp = realpath(b.rcp_path, abs_path) && access(abs_path, X_OK) == 0;
    if (!b.have_rcp) {
        const char *ci = getenv("CI");
        if (ci && (!strcmp(ci, "true") || !strcmp(ci, "1")))
            die("%s missing in CI", b.rcp_path);
        fprintf(stderr, "tbr-rcp-bench: %s missing: RCP rows skipped\n", b.rcp_path);
    }
    snprintf(b.rcp_path, sizeof(b.rcp_path), "%s", abs_path);
    open_sim(&b.peer, PEER_NODE);
    open_sim(&b.sim, SIM_NODE);
    if (b.have_rcp) {
        /* ot-rcp writes ./tmp/<offset>_<node>.flash: a fresh directory. */
        snprintf(b.dir, sizeof(b.dir), "/tmp/tbr-rcp-bench.XXXXXX");
        if (!mkdtemp(b.dir) || chdir(b.dir) != 0)
            die("temp dir: %s", strerror(errno));
        rcp_start(&b);
        bench_rcp_tx(&b);
        bench_rcp_rx(&b);
    }
    bench_sim(&b);
    bench_codec(&b, &enc, &dec, &fcs);
    if (b.have_rcp) {
        spinel_link_close(&b.link);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b.dir);
        if (chdir("/") != 0 || system(cmd) != 0)
            fprintf(stderr, "tbr-rcp-bench: could not remove %s\n", b.dir);
    }
    sim_radio_close(&b.peer);
    sim_radio_close(&b.sim);
    print_report(&b, argc, argv, enc, dec, fcs);
    return g_sink == 0;
}
