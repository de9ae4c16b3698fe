/*
 * The serial or pty byte stream to an RCP: see spinel_link.h. Reference:
 * OpenThread src/posix/platform/hdlc_interface.cpp (OpenFile, ForkPty,
 * WaitForWritable, ResetConnection), read for behaviour, not copied.
 */
#include "platform/spinel_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "util/textbuf.h"

#define CHILD_EXIT_WAIT_MS 100 /* a dying child: its pty closes just before it exits */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

__attribute__((format(printf, 2, 3))) static void set_why(struct spinel_link *l, const char *fmt,
                                                          ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->why, sizeof(l->why), fmt, ap);
    va_end(ap);
}

/* The program's name for messages: the last part of PATH ("ot-rcp"). */
static const char *prog_name(const struct spinel_link *l)
{
    const char *p = radio_url_path(&l->url);
    const char *slash = strrchr(p, '/');
    return slash && slash[1] ? slash + 1 : p;
}

void spinel_link_init(struct spinel_link *l, const struct radio_url *url)
{
    memset(l, 0, sizeof(*l));
    l->url = *url;
    l->fd = -1;
    l->pid = -1;
}

int spinel_link_fd(const struct spinel_link *l)
{
    return l->reset_at_ms ? -1 : l->fd;
}

const char *spinel_link_why(const struct spinel_link *l)
{
    return l->why;
}

const struct spinel_link_counters *spinel_link_counters(const struct spinel_link *l)
{
    return &l->counters;
}

pid_t spinel_link_child(const struct spinel_link *l)
{
    return l->pid;
}

/* ---- UART ---- */

static const struct {
    uint32_t baud;
    speed_t speed;
} speeds[] = {
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},   {230400, B230400},   {460800, B460800},   {500000, B500000},
    {576000, B576000},   {921600, B921600},   {1000000, B1000000}, {1152000, B1152000},
    {1500000, B1500000}, {2000000, B2000000}, {2500000, B2500000}, {3000000, B3000000},
    {3500000, B3500000}, {4000000, B4000000},
};

static bool baud_speed(uint32_t baud, speed_t *out)
{
    for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
        if (speeds[i].baud == baud) {
            *out = speeds[i].speed;
            return true;
        }
    return false;
}

/* The c_cflag bits the URL asks for and that must read back unchanged. */
#define UART_CFLAG_CHECK (CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS)

/* Sets the line up as the URL says; the caller reports a failure. */
static int uart_setup(struct spinel_link *l, int fd, const char *path)
{
    const struct radio_url *u = &l->url;
    const char *scheme = radio_url_scheme(u->kind);
    struct termios t, back;
    speed_t speed;

    if (!isatty(fd)) {
        set_why(l, "%s: %s: not a serial device (%s)", scheme, path, strerror(errno));
        return -1;
    }
    if (ioctl(fd, TIOCEXCL) < 0 || tcgetattr(fd, &t) < 0) {
        set_why(l, "%s: %s: %s", scheme, path, strerror(errno));
        return -1;
    }
    if (!baud_speed(u->uart_baudrate, &speed)) { /* radio_url took it: cannot happen */
        errno = EINVAL;
        set_why(l, "%s: %s: no speed constant for %u baud", scheme, path,
                (unsigned)u->uart_baudrate);
        return -1;
    }
    cfmakeraw(&t);
    t.c_cflag = CS8 | HUPCL | CREAD | CLOCAL;
    if (u->uart_parity != RADIO_URL_PARITY_NONE)
        t.c_cflag |= PARENB | (u->uart_parity == RADIO_URL_PARITY_ODD ? PARODD : 0);
    if (u->uart_stop_bits == 2)
        t.c_cflag |= CSTOPB;
    if (u->uart_flow_control)
        t.c_cflag |= CRTSCTS;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetspeed(&t, speed) < 0 || tcsetattr(fd, TCSANOW, &t) < 0) {
        set_why(l, "%s: %s: setting %u baud: %s", scheme, path, (unsigned)u->uart_baudrate,
                strerror(errno));
        return -1;
    }
    /* tcsetattr succeeds when any of the changes was made: read back. */
    if (tcgetattr(fd, &back) < 0) {
        set_why(l, "%s: %s: %s", scheme, path, strerror(errno));
        return -1;
    }
    if (cfgetospeed(&back) != speed || cfgetispeed(&back) != speed) {
        errno = EINVAL;
        set_why(l, "%s: %s: the device does not take %u baud", scheme, path,
                (unsigned)u->uart_baudrate);
        return -1;
    }
    if ((back.c_cflag & UART_CFLAG_CHECK) != (t.c_cflag & UART_CFLAG_CHECK)) {
        errno = EINVAL;
        static const char *const parity[] = {"none", "even", "odd"};
        set_why(l, "%s: %s: the device does not take 8 data bits, parity %s, %u stop bit%s%s",
                scheme, path, parity[u->uart_parity], u->uart_stop_bits,
                u->uart_stop_bits == 2 ? "s" : "",
                u->uart_flow_control ? ", RTS/CTS flow control" : "");
        return -1;
    }
    if (u->uart_init_deassert && !u->uart_flow_control) {
        int bits = TIOCM_DTR | TIOCM_RTS;
        if (ioctl(fd, TIOCMBIC, &bits) < 0) {
            set_why(l, "%s: %s: deasserting DTR and RTS: %s", scheme, path, strerror(errno));
            return -1;
        }
    }
    if (tcflush(fd, TCIOFLUSH) < 0) {
        set_why(l, "%s: %s: %s", scheme, path, strerror(errno));
        return -1;
    }
    return 0;
}

static int open_uart(struct spinel_link *l)
{
    const char *path = radio_url_path(&l->url);
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        set_why(l, "%s: %s: %s", radio_url_scheme(l->url.kind), path, strerror(errno));
        return -1;
    }
    if (uart_setup(l, fd, path) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    l->fd = fd;
    return 0;
}

/* ---- forkpty ---- */

/* In the child: becomes the program or reports errno on the pipe. */
__attribute__((noreturn)) static void child_exec(const struct spinel_link *l, int report_fd)
{
    char *argv[RADIO_URL_ARGS_MAX + 2];
    unsigned n = 0;
    sigset_t none;

    argv[n++] = (char *)radio_url_path(&l->url);
    for (unsigned i = 0; i < l->url.nargs; i++)
        argv[n++] = (char *)radio_url_arg(&l->url, i);
    argv[n] = NULL;
    /* The daemon blocks its stop signals and ignores SIGPIPE: the RCP
     * program gets the defaults (exec keeps both). */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* The daemon's sockets, TUN and files are not the RCP's business. */
    if (report_fd > 3)
        close_range(3, (unsigned)report_fd - 1, 0);
    close_range((unsigned)report_fd + 1, ~0u, 0);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    execvp(argv[0], argv);
    int e = errno;
    ssize_t w = write(report_fd, &e, sizeof(e));
    (void)w;
    _exit(127);
}

/* Waits for the child to exec (the close-on-exec pipe closes) or to report
 * why it could not. @retval 0 exec'd. @retval 1 the child reported *err and
 * exits. @retval -1 neither in time or a poll error (*err): it still runs. */
static int exec_result(int rfd, int *err)
{
    struct pollfd pfd = {rfd, POLLIN, 0};
    uint64_t end = mono_ms() + SPINEL_LINK_EXEC_WAIT_MS;
    int e = 0;

    for (;;) {
        uint64_t now = mono_ms();
        int r = now >= end ? 0 : poll(&pfd, 1, (int)(end - now));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            *err = r < 0 ? errno : ETIMEDOUT;
            return -1;
        }
        ssize_t n = read(rfd, &e, sizeof(e));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(e))
            return 0;
        *err = e ? e : ENOEXEC;
        return 1;
    }
}

static int open_forkpty(struct spinel_link *l)
{
    const char *scheme = radio_url_scheme(l->url.kind);
    const char *path = radio_url_path(&l->url);
    struct termios t;
    int pipefd[2], master = -1;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        set_why(l, "%s: %s: pipe: %s", scheme, path, strerror(errno));
        return -1;
    }
    memset(&t, 0, sizeof(t));
    cfmakeraw(&t);
    t.c_cflag = CS8 | HUPCL | CREAD | CLOCAL;
    cfsetspeed(&t, B115200);
    pid_t pid = forkpty(&master, NULL, &t, NULL);
    if (pid == 0) {
        close(pipefd[0]);
        child_exec(l, pipefd[1]);
    }
    int e = errno;
    close(pipefd[1]);
    if (pid < 0) {
        close(pipefd[0]);
        set_why(l, "%s: %s: forkpty: %s", scheme, path, strerror(e));
        errno = e;
        return -1;
    }
    int res = exec_result(pipefd[0], &e);
    close(pipefd[0]);
    if (res == 0) {
        int fl = fcntl(master, F_GETFL);
        if (fl >= 0 && fcntl(master, F_SETFL, fl | O_NONBLOCK) >= 0 &&
            fcntl(master, F_SETFD, FD_CLOEXEC) >= 0) {
            l->fd = master;
            l->pid = pid;
            return 0;
        }
        e = errno;
    }
    /* Not started: the child exits by itself after an exec failure; it
     * is killed otherwise. Either way it is reaped here, not counted. */
    close(master);
    if (res != 1)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    set_why(l, "%s: %s: %s", scheme, path, strerror(e));
    errno = e;
    return -1;
}

int spinel_link_open(struct spinel_link *l)
{
    if (l->fd >= 0 || l->pid > 0)
        spinel_link_close(l);
    l->why[0] = '\0';
    l->down = false;
    l->reset_at_ms = 0;
    int rc;
    if (l->url.kind == RADIO_URL_UART) {
        rc = open_uart(l);
    } else if (l->url.kind == RADIO_URL_FORKPTY) {
        rc = open_forkpty(l);
    } else {
        set_why(l, "%s:// is not a Spinel link", radio_url_scheme(l->url.kind));
        errno = EINVAL;
        rc = -1;
    }
    if (rc == 0)
        l->counters.opens++;
    else
        l->counters.open_failures++;
    return rc;
}

/* "ot-rcp exited (signal 9)" into why when the child has ended, waiting
 * up to wait_ms. @retval true reaped. */
static bool child_reaped(struct spinel_link *l, unsigned wait_ms)
{
    int st;
    for (unsigned waited = 0;; waited += 2) {
        pid_t r = waitpid(l->pid, &st, WNOHANG);
        if (r == l->pid)
            break;
        if (r < 0 && errno != EINTR) { /* not ours any more (SIGCHLD ignored?) */
            set_why(l, "%s ended (its status is lost: %s)", prog_name(l), strerror(errno));
            l->pid = -1;
            return true;
        }
        if (waited >= wait_ms)
            return false;
        sleep_ms(2);
    }
    if (WIFSIGNALED(st))
        set_why(l, "%s exited (signal %d)", prog_name(l), WTERMSIG(st));
    else
        set_why(l, "%s exited (status %d)", prog_name(l), WEXITSTATUS(st));
    l->pid = -1;
    return true;
}

static void close_fd(struct spinel_link *l)
{
    if (l->fd >= 0) {
        close(l->fd);
        l->fd = -1;
    }
}

void spinel_link_close(struct spinel_link *l)
{
    l->reset_at_ms = 0;
    if (l->pid <= 0) {
        close_fd(l);
        return;
    }
    /* It may have ended on its own (why then says how). Asked before the
     * pty closes: closing it hangs the child up, and that end is ours. */
    char keep[SPINEL_LINK_WHY_MAX];
    memcpy(keep, l->why, sizeof(keep));
    if (child_reaped(l, 0)) {
        l->counters.child_exits++;
        close_fd(l);
        return;
    }
    pid_t pid = l->pid;
    kill(-pid, SIGTERM); /* its process group: forkpty made it a session leader */
    kill(pid, SIGTERM);
    close_fd(l);
    if (!child_reaped(l, SPINEL_LINK_TERM_WAIT_MS)) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        l->counters.child_kills++;
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        l->pid = -1;
    }
    memcpy(l->why, keep, sizeof(keep)); /* our own SIGTERM is not news */
}

/* The link is down (op failed with err, or end of file): why says so,
 * naming how the child ended when it did; read then returns 0. */
static ssize_t went_down(struct spinel_link *l, const char *op, int err, bool eof)
{
    const char *scheme = radio_url_scheme(l->url.kind);
    const char *path = radio_url_path(&l->url);
    struct stat st;

    l->down = true;
    l->counters.link_down++;
    if (l->pid > 0 && child_reaped(l, CHILD_EXIT_WAIT_MS)) {
        l->counters.child_exits++;
    } else if (l->pid > 0) {
        if (eof)
            set_why(l, "%s: closed its terminal", prog_name(l));
        else
            set_why(l, "%s: %s: %s", prog_name(l), op, strerror(err));
    } else if (l->url.kind == RADIO_URL_UART && stat(path, &st) < 0 && errno == ENOENT) {
        set_why(l, "%s: %s vanished", scheme, path);
    } else if (eof) {
        set_why(l, "%s: %s: hang-up (end of file)", scheme, path);
    } else {
        set_why(l, "%s: %s: %s: %s", scheme, path, op, strerror(err));
    }
    return 0;
}

ssize_t spinel_link_read(struct spinel_link *l, uint8_t *buf, size_t cap)
{
    if (l->fd < 0 || l->reset_at_ms || l->down) {
        if (l->down)
            return 0;
        errno = EAGAIN;
        return -1;
    }
    for (;;) {
        ssize_t n = read(l->fd, buf, cap);
        if (n > 0) {
            l->counters.reads++;
            l->counters.read_bytes += (uint64_t)n;
            return n;
        }
        if (n == 0)
            return went_down(l, "read", 0, true);
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return went_down(l, "read", errno, false);
        /* Nothing to read; a hang-up with nothing buffered must not leave
         * the caller's poll loop spinning on POLLHUP. */
        struct pollfd pfd = {l->fd, POLLIN, 0};
        if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) &&
            !(pfd.revents & POLLIN))
            return went_down(l, "read", EIO, true);
        errno = EAGAIN;
        return -1;
    }
}

/* Whether p holds an HDLC frame whose Spinel header (IID 0) carries
 * CMD_RESET: OpenThread's IsSpinelResetCommand on the encoded bytes. */
static bool has_reset_cmd(const uint8_t *p, size_t n)
{
    uint8_t got[2];
    size_t k = 0;
    bool esc = false;

    for (size_t i = 0; i < n; i++) {
        if (p[i] == 0x7e) { /* flag: a frame starts */
            k = 0;
            esc = false;
            continue;
        }
        if (p[i] == 0x7d) {
            esc = true;
            continue;
        }
        if (k < 2)
            got[k++] = esc ? (uint8_t)(p[i] ^ 0x20) : p[i];
        esc = false;
        if (k == 2 && (got[0] & 0xf0) == 0x80 && got[1] == 0x01)
            return true; /* header: flag 0x80, IID 0 (bits 4-5); command RESET = 1 */
        if (k == 2)
            k = 3; /* this frame is something else */
    }
    return false;
}

int spinel_link_write(void *link, const uint8_t *p, size_t n)
{
    struct spinel_link *l = link;
    const char *scheme = radio_url_scheme(l->url.kind);
    const char *path = radio_url_path(&l->url);
    size_t off = 0;

    if (l->fd < 0 || l->reset_at_ms || l->down) {
        if (!l->why[0])
            set_why(l, "%s: %s: not open", scheme, path);
        errno = ENOTCONN;
        return -1;
    }
    uint64_t end = mono_ms() + SPINEL_LINK_WRITE_WAIT_MS;
    while (off < n) {
        ssize_t w = write(l->fd, p + off, n - off);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            int e = errno;
            l->counters.write_errors++;
            went_down(l, "write", e, false);
            errno = e;
            return -1;
        }
        uint64_t now = mono_ms();
        if (now >= end) {
            l->counters.write_timeouts++;
            set_why(l, "%s: %s: write: no room for %zu bytes within %d ms", scheme, path, n - off,
                    SPINEL_LINK_WRITE_WAIT_MS);
            errno = ETIMEDOUT;
            return -1;
        }
        struct pollfd pfd = {l->fd, POLLOUT, 0};
        (void)poll(&pfd, 1, (int)(end - now));
    }
    l->counters.writes++;
    l->counters.write_bytes += n;
    if (l->url.kind == RADIO_URL_UART && l->url.uart_reset && has_reset_cmd(p, n)) {
        /* The dongle resets and leaves the bus: reopen it once it is back. */
        l->reset_at_ms = mono_ms() + SPINEL_LINK_UART_RESET_DELAY_MS;
        l->reset_deadline_ms = l->reset_at_ms + SPINEL_LINK_UART_REOPEN_MS;
        l->counters.uart_resets++;
    }
    return 0;
}

int spinel_link_timeout_ms(const struct spinel_link *l)
{
    if (!l->reset_at_ms)
        return -1;
    uint64_t now = mono_ms();
    return now >= l->reset_at_ms ? 0 : (int)(l->reset_at_ms - now);
}

int spinel_link_tick(struct spinel_link *l)
{
    if (!l->reset_at_ms)
        return 0;
    uint64_t now = mono_ms();
    if (now < l->reset_at_ms)
        return 0;
    uint64_t deadline = l->reset_deadline_ms;
    if (l->fd >= 0) {
        close(l->fd);
        l->fd = -1;
    }
    if (open_uart(l) == 0) {
        l->reset_at_ms = 0;
        l->why[0] = '\0';
        l->counters.opens++;
        return 0;
    }
    if (now + SPINEL_LINK_UART_REOPEN_STEP_MS <= deadline) {
        l->reset_at_ms = now + SPINEL_LINK_UART_REOPEN_STEP_MS;
        return 0;
    }
    char last[SPINEL_LINK_WHY_MAX];
    memcpy(last, l->why, sizeof(last));
    set_why(l, "uart-reset: %s did not come back within %d ms (%s)", radio_url_path(&l->url),
            SPINEL_LINK_UART_RESET_DELAY_MS + SPINEL_LINK_UART_REOPEN_MS, last);
    l->counters.open_failures++;
    l->counters.link_down++;
    l->reset_at_ms = 0;
    l->down = true;
    return -1;
}

int spinel_link_feed(struct spinel_link *l, struct rcp *r, unsigned burst, uint64_t now_ms)
{
    uint8_t buf[SPINEL_LINK_FEED_BUF];
    int fed = -1;

    for (unsigned i = 0; i < burst; i++) {
        ssize_t n = spinel_link_read(l, buf, sizeof(buf));

        if (n == 0)
            return 0;
        if (n < 0)
            break;
        rcp_input(r, buf, (size_t)n, now_ms);
        fed = 1;
    }
    return fed;
}
