/*
 * tbr-udpblast: a small UDP load generator and sink for translator benchmarks.
 *
 *   tbr-udpblast send --dst ADDR --port P --rate PPS --duration SEC
 *                     [--warmup SEC] [--size BYTES] [--flows N]
 *                     [--cpu-pid PID] [--cpu-core N]
 *   tbr-udpblast sink --port P [--bind ADDR] [--duration SEC]
 *
 * The sender paces sendmmsg() batches to a fixed packet rate (absolute-time
 * sleeps, so it does not drift) for --warmup seconds and then --duration
 * seconds. Every payload carries a magic, the phase (warm-up or measured) and
 * a sequence number, so the sink counts exactly the measured packets no
 * matter how the two programs' clocks line up. At the end the sender sends a
 * few end markers. With --cpu-pid it samples /proc/PID/stat (utime + stime,
 * all threads) at the measured phase's start and end, and with --cpu-core the
 * busy time of that CPU (wall time minus idle and iowait from /proc/stat), so the CPU per packet
 * covers exactly the measured packets.
 *
 * The sink uses recvmmsg() on one socket (dual-stack when bound to "::", the
 * default), and stops 0.3 s after an end marker, after 1 s without packets
 * once some arrived, or after --duration seconds (default 60), whichever
 * comes first.
 *
 * Both print one line "RESULT key=value ..." for scripts, plus a readable
 * summary on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define MAGIC 0x54425242u /* "TBRB" */
#define PH_WARM 0
#define PH_MEASURE 1
#define PH_END 2
#define MAX_BATCH 64
#define MAX_FLOWS 1024
#define MAX_SIZE 1472
#define HDR_LEN 16 /* magic(4) phase(4) seq(8) */

static const char *prog = "tbr-udpblast";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s send --dst ADDR --port P --rate PPS --duration SEC [--warmup SEC]\n"
            "                    [--size BYTES] [--flows N] [--cpu-pid PID] [--cpu-core N]\n"
            "       %s sink --port P [--bind ADDR] [--duration SEC]\n"
            "  --size      UDP payload bytes, %d..%d (default 64)\n"
            "  --flows     source sockets (distinct source ports), used round robin (1)\n"
            "  --warmup    seconds sent before the measured phase (default 1)\n"
            "  --cpu-pid   report this process's CPU time over the measured phase\n"
            "  --cpu-core  report this CPU's busy time over the measured phase\n",
            prog, prog, HDR_LEN, MAX_SIZE);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t_ns)
{
    struct timespec ts = {.tv_sec = (time_t)(t_ns / 1000000000ull),
                          .tv_nsec = (long)(t_ns % 1000000000ull)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s)
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* "ADDR" to a sockaddr for port; IPv4 or IPv6 text. */
static bool parse_sa(const char *s, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        *len = sizeof(*s4);
        return true;
    }
    if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        *len = sizeof(*s6);
        return true;
    }
    return false;
}

/* utime + stime of a process in clock ticks; -1 if unreadable. */
static long long proc_cpu_ticks(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* comm may hold spaces */
    if (!p)
        return -1;
    /* After ") ": field 3 (state) ... field 14 utime, 15 stime. */
    unsigned long long ut = 0, st = 0;
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st);
}

/* Idle + iowait time of one CPU from /proc/stat, in clock ticks; -1 if not
 * found. The kernel derives these from its precise idle accounting (NO_HZ),
 * unlike the tick-sampled busy fields, so busy = wall time - idle is exact
 * to a tick even when the CPU sleeps between every packet. */
static long long core_idle_ticks(int core)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    char line[512], want[16];
    snprintf(want, sizeof(want), "cpu%d ", core);
    long long idle = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, want, strlen(want)) != 0)
            continue;
        unsigned long long v[5] = {0};
        if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4]) == 5)
            idle = (long long)(v[3] + v[4]); /* user nice system idle iowait */
        break;
    }
    fclose(f);
    return idle;
}

static void put_hdr(uint8_t *p, uint32_t phase, uint64_t seq)
{
    uint32_t m = htonl(MAGIC), ph = htonl(phase);
    memcpy(p, &m, 4);
    memcpy(p + 4, &ph, 4);
    memcpy(p + 8, &seq, 8); /* host order: only this program reads it */
}

static int do_send(int argc, char **argv)
{
    const char *dst = NULL;
    double port = 0, rate = 0, duration = 0, warmup = 1, size = 64, flows = 1, cpu_pid = 0,
           cpu_core = -1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;
        if (!strcmp(a, "--dst"))
            dst = val;
        else if (!strcmp(a, "--port"))
            ok = parse_num(val, 1, 65535, &port);
        else if (!strcmp(a, "--rate"))
            ok = parse_num(val, 1, 1e8, &rate);
        else if (!strcmp(a, "--duration"))
            ok = parse_num(val, 0.1, 3600, &duration);
        else if (!strcmp(a, "--warmup"))
            ok = parse_num(val, 0, 600, &warmup);
        else if (!strcmp(a, "--size"))
            ok = parse_num(val, HDR_LEN, MAX_SIZE, &size);
        else if (!strcmp(a, "--flows"))
            ok = parse_num(val, 1, MAX_FLOWS, &flows);
        else if (!strcmp(a, "--cpu-pid"))
            ok = parse_num(val, 1, 4194304, &cpu_pid);
        else if (!strcmp(a, "--cpu-core"))
            ok = parse_num(val, 0, 4095, &cpu_core);
        else {
            fprintf(stderr, "%s send: unknown option '%s' (see --help)\n", prog, a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "%s send: bad or missing value for %s\n", prog, a);
            return 2;
        }
        i++;
    }
    if (!dst || port == 0 || rate == 0 || duration == 0) {
        fprintf(stderr, "%s send: --dst, --port, --rate and --duration are required\n", prog);
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!parse_sa(dst, (uint16_t)port, &ss, &sl)) {
        fprintf(stderr, "%s send: bad --dst '%s' (want an IPv4 or IPv6 address)\n", prog, dst);
        return 2;
    }
    int nflows = (int)flows;
    static int fds[MAX_FLOWS];
    for (int f = 0; f < nflows; f++) {
        fds[f] = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fds[f] < 0 || connect(fds[f], (struct sockaddr *)&ss, sl) < 0) {
            fprintf(stderr, "%s send: socket/connect to %s: %s\n", prog, dst, strerror(errno));
            return 1;
        }
        int sb = 4 << 20;
        if (setsockopt(fds[f], SOL_SOCKET, SO_SNDBUFFORCE, &sb, sizeof(sb)) < 0)
            setsockopt(fds[f], SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
    }

    /* Pacing: before each sendmmsg(), send what the schedule owes (packets due
     * since the phase began minus those sent), at most MAX_BATCH; sleep until
     * the next packet is due when nothing is owed, but never for less than a
     * minimum batch's worth (sleep granularity is ~50-100 us). So the average
     * rate is exact and bursts are short. */
    int min_batch = (int)(rate / 10000);
    if (min_batch < 1)
        min_batch = 1;
    if (min_batch > MAX_BATCH)
        min_batch = MAX_BATCH;
    size_t psize = (size_t)size;
    static uint8_t bufs[MAX_BATCH][MAX_SIZE];
    static struct mmsghdr msgs[MAX_BATCH];
    static struct iovec iov[MAX_BATCH];
    for (int k = 0; k < MAX_BATCH; k++) {
        memset(bufs[k], 0xa5, sizeof(bufs[k]));
        iov[k].iov_base = bufs[k];
        iov[k].iov_len = psize;
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }

    uint64_t sent[2] = {0, 0}, errs = 0, seq = 0;
    long long cpu0 = -1, cpu1 = -1, core0 = -1, core1 = -1;
    uint64_t t0 = now_ns();
    uint64_t t_meas = t0 + (uint64_t)(warmup * 1e9);
    uint64_t t_end = t_meas + (uint64_t)(duration * 1e9);
    uint64_t t_meas_real = 0, t_end_real = 0;
    int phase = warmup > 0 ? PH_WARM : PH_MEASURE;
    uint64_t t_phase = t0, owed_sent = 0; /* schedule origin, packets sent since */
    unsigned flow = 0;
    if (phase == PH_MEASURE) {
        if (cpu_pid > 0)
            cpu0 = proc_cpu_ticks((long)cpu_pid);
        if (cpu_core >= 0)
            core0 = core_idle_ticks((int)cpu_core);
        t_meas_real = now_ns();
    }
    for (;;) {
        uint64_t t = now_ns();
        if (phase == PH_WARM && t >= t_meas) {
            phase = PH_MEASURE;
            if (cpu_pid > 0)
                cpu0 = proc_cpu_ticks((long)cpu_pid);
            if (cpu_core >= 0)
                core0 = core_idle_ticks((int)cpu_core);
            t_meas_real = now_ns();
            t_phase = t_meas; /* no catch-up across the boundary */
            owed_sent = 0;
        }
        if (t >= t_end)
            break;
        double due = (double)(t - t_phase) * rate / 1e9;
        int64_t owed = (int64_t)due - (int64_t)owed_sent;
        if (owed < min_batch) {
            uint64_t wake =
                t_phase + (uint64_t)((double)(owed_sent + (uint64_t)min_batch) * 1e9 / rate);
            sleep_until(wake < t_end ? wake : t_end);
            continue;
        }
        int batch = owed > MAX_BATCH ? MAX_BATCH : (int)owed;
        for (int k = 0; k < batch; k++)
            put_hdr(bufs[k], (uint32_t)phase, seq++);
        int n = sendmmsg(fds[flow], msgs, (unsigned)batch, 0);
        if (n < 0) {
            if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR && errno != ECONNREFUSED) {
                fprintf(stderr, "%s send: sendmmsg: %s\n", prog, strerror(errno));
                return 1;
            }
            errs += (uint64_t)batch;
        } else {
            sent[phase] += (uint64_t)n;
            errs += (uint64_t)(batch - n);
        }
        owed_sent += (uint64_t)batch; /* a failed send is not retried */
        flow = (flow + 1) % (unsigned)nflows;
    }
    if (cpu_pid > 0)
        cpu1 = proc_cpu_ticks((long)cpu_pid);
    if (cpu_core >= 0)
        core1 = core_idle_ticks((int)cpu_core);
    t_end_real = now_ns();
    double secs = (double)(t_end_real - t_meas_real) / 1e9;
    /* End markers: the sink stops shortly after the first it sees. */
    for (int k = 0; k < 5; k++) {
        put_hdr(bufs[0], PH_END, seq++);
        if (send(fds[0], bufs[0], psize, 0) < 0) {
            /* ignored: the sink has a time bound too */
        }
        usleep(2000);
    }
    double hz = (double)sysconf(_SC_CLK_TCK);
    double cpu_us = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) * 1e6 / hz : -1;
    double core_us =
        core0 >= 0 && core1 >= 0 ? secs * 1e6 - (double)(core1 - core0) * 1e6 / hz : -1;
    fprintf(stderr,
            "%s send: %llu packets of %zu bytes in %.3f s measured (%.0f pps; target %.0f), "
            "%llu in warm-up, %llu send errors\n",
            prog, (unsigned long long)sent[PH_MEASURE], psize, secs,
            (double)sent[PH_MEASURE] / secs, rate, (unsigned long long)sent[PH_WARM],
            (unsigned long long)errs);
    printf("RESULT sent=%llu secs=%.6f pps=%.1f warm=%llu errors=%llu cpu_us=%.0f "
           "core_us=%.0f\n",
           (unsigned long long)sent[PH_MEASURE], secs, (double)sent[PH_MEASURE] / secs,
           (unsigned long long)sent[PH_WARM], (unsigned long long)errs, cpu_us, core_us);
    for (int f = 0; f < nflows; f++)
        close(fds[f]);
    return 0;
}

static int do_sink(int argc, char **argv)
{
    const char *bind_s = "::";
    double port = 0, duration = 60;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;
        if (!strcmp(a, "--bind"))
            bind_s = val;
        else if (!strcmp(a, "--port"))
            ok = parse_num(val, 1, 65535, &port);
        else if (!strcmp(a, "--duration"))
            ok = parse_num(val, 0.1, 3600, &duration);
        else {
            fprintf(stderr, "%s sink: unknown option '%s' (see --help)\n", prog, a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "%s sink: bad or missing value for %s\n", prog, a);
            return 2;
        }
        i++;
    }
    if (port == 0) {
        fprintf(stderr, "%s sink: --port is required\n", prog);
        return 2;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    if (!bind_s || !parse_sa(bind_s, (uint16_t)port, &ss, &sl)) {
        fprintf(stderr, "%s sink: bad --bind '%s'\n", prog, bind_s ? bind_s : "");
        return 2;
    }
    int fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "%s sink: socket: %s\n", prog, strerror(errno));
        return 1;
    }
    int off = 0, rb = 8 << 20;
    if (ss.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb)) < 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
    struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
        fprintf(stderr, "%s sink: bind %s port %.0f: %s\n", prog, bind_s, port, strerror(errno));
        close(fd);
        return 1;
    }
    printf("READY\n");
    fflush(stdout);

    static uint8_t bufs[MAX_BATCH][2048];
    static struct mmsghdr msgs[MAX_BATCH];
    static struct iovec iov[MAX_BATCH];
    for (int k = 0; k < MAX_BATCH; k++) {
        iov[k].iov_base = bufs[k];
        iov[k].iov_len = sizeof(bufs[k]);
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }
    uint64_t got[3] = {0, 0, 0}, other = 0;
    uint64_t t0 = now_ns(), t_stop = t0 + (uint64_t)(duration * 1e9), last = 0, end_seen = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= t_stop)
            break;
        if (end_seen && t - end_seen > 300000000ull)
            break;
        if (last && !end_seen && t - last > 1000000000ull)
            break;
        int n = recvmmsg(fd, msgs, MAX_BATCH, 0, NULL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            fprintf(stderr, "%s sink: recvmmsg: %s\n", prog, strerror(errno));
            close(fd);
            return 1;
        }
        last = now_ns();
        for (int k = 0; k < n; k++) {
            uint32_t m, ph;
            if (msgs[k].msg_len < HDR_LEN) {
                other++;
                continue;
            }
            memcpy(&m, bufs[k], 4);
            memcpy(&ph, bufs[k] + 4, 4);
            ph = ntohl(ph);
            if (ntohl(m) != MAGIC || ph > PH_END) {
                other++;
                continue;
            }
            got[ph]++;
            if (ph == PH_END && !end_seen)
                end_seen = last;
        }
    }
    fprintf(stderr, "%s sink: %llu measured packets received, %llu in warm-up, %llu other\n", prog,
            (unsigned long long)got[PH_MEASURE], (unsigned long long)got[PH_WARM],
            (unsigned long long)other);
    printf("RESULT rcvd=%llu warm=%llu end=%llu other=%llu\n", (unsigned long long)got[PH_MEASURE],
           (unsigned long long)got[PH_WARM], (unsigned long long)got[PH_END],
           (unsigned long long)other);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "send"))
        return do_send(argc - 2, argv + 2);
    if (argc >= 2 && !strcmp(argv[1], "sink"))
        return do_sink(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
