/*
 * platform/spinel_link.h: the byte stream to an RCP.
 *   - forkpty of OpenThread's real ot-rcp (../shared/ot): the HDLC-framed
 *     probe `81 02 01` (PROP_VALUE_GET PROTOCOL_VERSION) is answered with
 *     4.3; kill -9 of the child ends the link with "ot-rcp exited (signal
 *     9)" and close reaps it; close of a live child terminates and reaps it.
 *   - the UART path through a pty pair: speed and CRTSCTS as the URL says,
 *     bytes both ways, a full line times out, the device path removed,
 *     uart-reset's close-and-reopen after a Spinel reset command.
 *   - clear errors: a missing device, a non-terminal, a missing program.
 * Skip policy: without ../shared/ot the ot-rcp cases fail in CI and skip
 * elsewhere (support/skip_policy.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/spinel_link.h"
#include "radio/hdlc.h"
#include "support/skip_policy.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Frames payload with the project's HDLC-lite encoder (radio/hdlc.h). */
static size_t hdlc_frame(const uint8_t *payload, size_t n, uint8_t *out)
{
    size_t k = 0;
    assert_int_equal(hdlc_encode(payload, n, out, HDLC_ENCODED_MAX(n), &k), 0);
    return k;
}

static void test_fcs_vector(void **state)
{
    (void)state;
    /* CRC-16/X-25 check value ("123456789" -> 0x906E): the FCS the frames carry. */
    assert_int_equal(hdlc_fcs(HDLC_FCS_INIT, (const uint8_t *)"123456789", 9) ^ 0xffff, 0x906e);
}

static bool mem_has(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(hay + i, needle, m))
            return true;
    return false;
}

/* Reads from the link until needle shows up or ms pass. */
static bool read_until(struct spinel_link *l, const uint8_t *needle, size_t m, unsigned ms)
{
    uint8_t acc[4096];
    size_t have = 0;
    uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        struct pollfd pfd = {spinel_link_fd(l), POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        if (have > sizeof(acc) - 512)
            have = 0;
        ssize_t n = spinel_link_read(l, acc + have, sizeof(acc) - have);
        if (n == 0)
            return false;
        if (n > 0)
            have += (size_t)n;
        if (mem_has(acc, have, needle, m))
            return true;
    }
    return false;
}

/* Reads until the link reports down (0) or ms pass. @return the last
 * spinel_link_read result. */
static ssize_t read_until_down(struct spinel_link *l, unsigned ms)
{
    uint8_t buf[256];
    ssize_t r = -1;
    for (uint64_t end = now_ms() + ms; now_ms() < end && r != 0;) {
        struct pollfd pfd = {spinel_link_fd(l), POLLIN, 0};
        poll(&pfd, 1, 50);
        r = spinel_link_read(l, buf, sizeof(buf));
    }
    return r;
}

/* ---- forkpty of ot-rcp ---- */

static char ot_rcp[512];
static char run_dir[64];
static char old_cwd[512];

static bool find_ot_rcp(void)
{
    const char *dir = getenv("TBR_OT_DIR");
    if (dir) {
        snprintf(ot_rcp, sizeof(ot_rcp), "%s/ot-rcp", dir);
    } else { /* outside ctest: ../shared beside the checkout */
        const char *f = __FILE__;
        const char *end = strrchr(f, '/');
        snprintf(ot_rcp, sizeof(ot_rcp), "%.*s/../../../shared/ot/ot-rcp", end ? (int)(end - f) : 1,
                 end ? f : ".");
    }
    return access(ot_rcp, X_OK) == 0;
}

/* ot-rcp in a fresh directory (it writes its flash files under ./tmp), on a PORT_OFFSET of
 * this run. @retval false: skip (outside CI only). */
static bool rcp_setup(void)
{
    if (!find_ot_rcp()) {
        if (tbr_test_in_ci())
            fail_msg("%s is missing in CI", ot_rcp);
        return false;
    }
    char off[16];
    snprintf(off, sizeof(off), "%d", 600 + (int)(getpid() % 100)); /* 600..699: its own range */
    setenv("PORT_OFFSET", off, 1);
    assert_non_null(getcwd(old_cwd, sizeof(old_cwd)));
    snprintf(run_dir, sizeof(run_dir), "/tmp/tbr-spinel-link-XXXXXX");
    assert_non_null(mkdtemp(run_dir));
    assert_int_equal(chdir(run_dir), 0);
    if (ot_rcp[0] != '/') { /* relative to the old directory */
        char rel[sizeof(ot_rcp)];
        memcpy(rel, ot_rcp, sizeof(rel));
        if ((size_t)snprintf(ot_rcp, sizeof(ot_rcp), "%.200s/%.300s", old_cwd, rel) >=
            sizeof(ot_rcp))
            fail_msg("path too long");
    }
    return true;
}

static void rcp_teardown(void)
{
    char cmd[128];
    assert_int_equal(chdir(old_cwd), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_dir);
    assert_int_equal(system(cmd), 0);
}

static void open_rcp(struct spinel_link *l)
{
    char s[700], err[RADIO_URL_ERR_MAX];
    struct radio_url u;
    snprintf(s, sizeof(s), "spinel+hdlc+forkpty://%s?forkpty-arg=1", ot_rcp);
    if (radio_url_parse(&u, s, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    spinel_link_init(l, &u);
    if (spinel_link_open(l) != 0)
        fail_msg("open: %s", spinel_link_why(l));
    assert_true(spinel_link_fd(l) >= 0);
    assert_true(spinel_link_child(l) > 0);
}

static void test_forkpty_probe_and_kill(void **state)
{
    (void)state;
    if (!rcp_setup()) {
        skip();
        return;
    }
    struct spinel_link l;
    open_rcp(&l);

    /* PROP_VALUE_GET PROTOCOL_VERSION -> PROP_VALUE_IS PROTOCOL_VERSION 4.3 */
    static const uint8_t probe[] = {0x81, 0x02, 0x01};
    static const uint8_t answer[] = {0x81, 0x06, 0x01, 0x04, 0x03};
    uint8_t frame[32];
    size_t n = hdlc_frame(probe, sizeof(probe), frame);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    assert_true(read_until(&l, answer, sizeof(answer), 3000));
    const struct spinel_link_counters *c = spinel_link_counters(&l);
    assert_int_equal(c->opens, 1);
    assert_int_equal(c->writes, 1);
    assert_int_equal(c->write_bytes, n);
    assert_true(c->reads >= 1 && c->read_bytes >= 9);

    /* kill -9: the pty reads end, why says how, close reaps. */
    pid_t pid = spinel_link_child(&l);
    assert_int_equal(kill(pid, SIGKILL), 0);
    uint8_t buf[256];
    assert_int_equal(read_until_down(&l, 3000), 0);
    assert_string_equal(spinel_link_why(&l), "ot-rcp exited (signal 9)");
    assert_int_equal(spinel_link_read(&l, buf, sizeof(buf)), 0); /* stays down */
    assert_int_equal(spinel_link_write(&l, probe, 1), -1);
    assert_int_equal(errno, ENOTCONN);
    spinel_link_close(&l);
    assert_string_equal(spinel_link_why(&l), "ot-rcp exited (signal 9)");
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* no zombie left */
    assert_int_equal(errno, ECHILD);
    assert_int_equal(c->child_exits, 1);
    assert_int_equal(c->link_down, 1);
    assert_int_equal(c->child_kills, 0);

    /* Open again; kill -9, then a write first: a pty master may take bytes
     * its closed end never reads (Linux does), or fail with EIO. */
    assert_int_equal(spinel_link_open(&l), 0);
    assert_string_equal(spinel_link_why(&l), "");
    pid = spinel_link_child(&l);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    assert_true(read_until(&l, answer, sizeof(answer), 3000));
    assert_int_equal(kill(pid, SIGKILL), 0);
    struct pollfd hup = {spinel_link_fd(&l), 0, 0};
    assert_int_equal(poll(&hup, 1, 3000), 1); /* POLLHUP: the pty's other end closed */
    assert_true(hup.revents & POLLHUP);
    if (spinel_link_write(&l, frame, n) == 0) {
        assert_int_equal(spinel_link_read(&l, buf, sizeof(buf)), 0);
    } else {
        assert_int_equal(errno, EIO);
        assert_int_equal(c->write_errors, 1);
    }
    assert_string_equal(spinel_link_why(&l), "ot-rcp exited (signal 9)");
    assert_int_equal(c->link_down, 2);
    assert_int_equal(c->child_exits, 2);
    spinel_link_close(&l);
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);

    /* Open again (a new child), then close it while it runs: SIGTERM. */
    assert_int_equal(spinel_link_open(&l), 0);
    assert_string_equal(spinel_link_why(&l), "");
    pid = spinel_link_child(&l);
    assert_true(pid > 0);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    assert_true(read_until(&l, answer, sizeof(answer), 3000));
    uint64_t t0 = now_ms();
    spinel_link_close(&l);
    assert_true(now_ms() - t0 < SPINEL_LINK_TERM_WAIT_MS + 500);
    assert_int_equal(spinel_link_fd(&l), -1);
    assert_int_equal(spinel_link_child(&l), -1);
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    assert_int_equal(c->opens, 3);
    assert_int_equal(c->child_exits, 2);
    assert_int_equal(c->child_kills, 0);
    spinel_link_close(&l); /* idempotent */
    rcp_teardown();
}

static void test_forkpty_missing_program(void **state)
{
    (void)state;
    struct radio_url u;
    struct spinel_link l;
    assert_int_equal(
        radio_url_parse(&u, "spinel+hdlc+forkpty:///nonexistent/ot-rcp?forkpty-arg=1", NULL, 0), 0);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), -1);
    assert_int_equal(errno, ENOENT);
    assert_string_equal(spinel_link_why(&l),
                        "spinel+hdlc+forkpty: /nonexistent/ot-rcp: No such file or directory");
    assert_int_equal(spinel_link_fd(&l), -1);
    assert_int_equal(spinel_link_child(&l), -1);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* the failed child is reaped */
    assert_int_equal(errno, ECHILD);
    assert_int_equal(spinel_link_counters(&l)->open_failures, 1);
    assert_int_equal(spinel_link_counters(&l)->opens, 0);

    /* Not executable: the exec error, not a hang. */
    assert_int_equal(radio_url_parse(&u, "spinel+hdlc+forkpty:///etc/hostname", NULL, 0), 0);
    spinel_link_init(&l, &u);
    if (access("/etc/hostname", X_OK) != 0) { /* root too needs an x bit */
        assert_int_equal(spinel_link_open(&l), -1);
        assert_string_equal(spinel_link_why(&l),
                            "spinel+hdlc+forkpty: /etc/hostname: Permission denied");
    }
}

/* A program that starts and exits at once: the open succeeds, the first
 * reads end the link with its status. */
static void test_forkpty_child_exits(void **state)
{
    (void)state;
    struct radio_url u;
    struct spinel_link l;
    char err[RADIO_URL_ERR_MAX];
    if (radio_url_parse(&u, "spinel+hdlc+forkpty:///bin/sh?forkpty-arg=-c&forkpty-arg=exit 3", err,
                        sizeof(err)) != 0)
        fail_msg("%s", err);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), 0);
    pid_t pid = spinel_link_child(&l);
    assert_int_equal(read_until_down(&l, 3000), 0);
    assert_string_equal(spinel_link_why(&l), "sh exited (status 3)");
    spinel_link_close(&l);
    assert_string_equal(spinel_link_why(&l), "sh exited (status 3)");
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(spinel_link_counters(&l)->child_exits, 1);
    assert_int_equal(spinel_link_counters(&l)->child_kills, 0);
}

/* ---- the UART path through a pty pair ---- */

struct pair {
    int master, slave;
    char name[128];
};

static void pair_open(struct pair *p)
{
    assert_int_equal(openpty(&p->master, &p->slave, p->name, NULL, NULL), 0);
    int fl = fcntl(p->master, F_GETFL);
    assert_int_equal(fcntl(p->master, F_SETFL, fl | O_NONBLOCK), 0);
}

static void pair_close(struct pair *p)
{
    if (p->master >= 0)
        close(p->master);
    if (p->slave >= 0)
        close(p->slave);
    p->master = p->slave = -1;
}

static void open_uart(struct spinel_link *l, const char *path, const char *params)
{
    char s[512], err[RADIO_URL_ERR_MAX];
    struct radio_url u;
    snprintf(s, sizeof(s), "spinel+hdlc+uart://%s%s", path, params);
    if (radio_url_parse(&u, s, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    spinel_link_init(l, &u);
    if (spinel_link_open(l) != 0)
        fail_msg("open: %s", spinel_link_why(l));
}

static void test_uart_pty(void **state)
{
    (void)state;
    struct pair p;
    struct spinel_link l;
    pair_open(&p);
    open_uart(&l, p.name, "?uart-baudrate=460800&uart-flow-control");

    struct termios t;
    assert_int_equal(tcgetattr(p.slave, &t), 0);
    assert_int_equal(cfgetospeed(&t), B460800);
    assert_int_equal(cfgetispeed(&t), B460800);
    assert_true(t.c_cflag & CRTSCTS);
    assert_int_equal(t.c_cflag & CSIZE, CS8);
    assert_false(t.c_cflag & (PARENB | CSTOPB));
    assert_false(t.c_lflag & (ICANON | ECHO)); /* raw */

    /* test -> link */
    static const uint8_t in[] = {0x7e, 0x80, 0x06, 0x00, 0x70, 0x11, 0x13, 0x7e};
    assert_int_equal(write(p.master, in, sizeof(in)), (ssize_t)sizeof(in));
    assert_true(read_until(&l, in, sizeof(in), 2000));
    /* link -> test */
    static const uint8_t out[] = {0x7e, 0x81, 0x02, 0x01, 0x0d, 0x0a, 0x00, 0x7e};
    assert_int_equal(spinel_link_write(&l, out, sizeof(out)), 0);
    uint8_t got[64];
    size_t have = 0;
    for (uint64_t end = now_ms() + 2000; have < sizeof(out) && now_ms() < end;) {
        struct pollfd pfd = {p.master, POLLIN, 0};
        poll(&pfd, 1, 50);
        ssize_t r = read(p.master, got + have, sizeof(got) - have);
        if (r > 0)
            have += (size_t)r;
    }
    assert_int_equal(have, sizeof(out));
    assert_memory_equal(got, out, sizeof(out)); /* raw: no CR/LF mapping */

    /* Nobody reads the other end: the write gives up in bounded time. */
    static uint8_t big[1 << 20];
    uint64_t t0 = now_ms();
    assert_int_equal(spinel_link_write(&l, big, sizeof(big)), -1);
    assert_int_equal(errno, ETIMEDOUT);
    uint64_t took = now_ms() - t0;
    assert_true(took >= SPINEL_LINK_WRITE_WAIT_MS - 10 && took < SPINEL_LINK_WRITE_WAIT_MS + 500);
    assert_int_equal(spinel_link_counters(&l)->write_timeouts, 1);
    assert_non_null(strstr(spinel_link_why(&l), "write: no room for"));

    /* Exclusive: a second open of the device fails (root may override). */
    if (geteuid() != 0) {
        struct spinel_link l2;
        char s[256];
        struct radio_url u;
        snprintf(s, sizeof(s), "spinel+hdlc+uart://%s", p.name);
        assert_int_equal(radio_url_parse(&u, s, NULL, 0), 0);
        spinel_link_init(&l2, &u);
        assert_int_equal(spinel_link_open(&l2), -1);
        assert_non_null(strstr(spinel_link_why(&l2), "Device or resource busy"));
    }
    spinel_link_close(&l);
    assert_int_equal(spinel_link_fd(&l), -1);
    pair_close(&p);
}

/* Other settings read back as asked; what the device does not keep is an
 * open error (a Linux pty forces 8 bits without parity). */
static void test_uart_settings(void **state)
{
    (void)state;
    struct pair p;
    struct spinel_link l;
    struct radio_url u;
    char s[256];
    pair_open(&p);
    open_uart(&l, p.name, "?uart-baudrate=115200&uart-stop=2");
    struct termios t;
    assert_int_equal(tcgetattr(p.slave, &t), 0);
    assert_int_equal(cfgetospeed(&t), B115200);
    assert_true(t.c_cflag & CSTOPB);
    assert_false(t.c_cflag & (CRTSCTS | PARENB));
    spinel_link_close(&l);
    open_uart(&l, p.name, ""); /* OpenThread's default rate */
    assert_int_equal(tcgetattr(p.slave, &t), 0);
    assert_int_equal(cfgetospeed(&t), B460800);
    assert_false(t.c_cflag & CSTOPB);
    assert_int_equal(spinel_link_counters(&l)->opens, 1);
    spinel_link_close(&l);

    snprintf(s, sizeof(s), "spinel+hdlc+uart://%s?uart-parity=odd&uart-flow-control", p.name);
    assert_int_equal(radio_url_parse(&u, s, NULL, 0), 0);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), -1);
    assert_int_equal(errno, EINVAL);
    snprintf(s, sizeof(s),
             "spinel+hdlc+uart: %s: the device does not take 8 data bits, parity odd, 1 stop "
             "bit, RTS/CTS flow control",
             p.name);
    assert_string_equal(spinel_link_why(&l), s);
    assert_int_equal(spinel_link_fd(&l), -1);
    assert_int_equal(spinel_link_counters(&l)->open_failures, 1);
    pair_close(&p);
}

/* The device path goes away (a USB dongle unplugged). */
static void test_uart_vanished(void **state)
{
    (void)state;
    struct pair p;
    struct spinel_link l;
    char link[64];
    pair_open(&p);
    snprintf(link, sizeof(link), "/tmp/tbr-spinel-link-tty-%d", (int)getpid());
    unlink(link);
    assert_int_equal(symlink(p.name, link), 0);
    open_uart(&l, link, "?uart-baudrate=115200");
    assert_int_equal(unlink(link), 0);
    close(p.slave);
    p.slave = -1;
    close(p.master);
    p.master = -1;
    assert_int_equal(read_until_down(&l, 2000), 0);
    char want[128];
    snprintf(want, sizeof(want), "spinel+hdlc+uart: %s vanished", link);
    assert_string_equal(spinel_link_why(&l), want);
    assert_int_equal(spinel_link_counters(&l)->link_down, 1);
    spinel_link_close(&l);
    /* ... and reopening it now is the missing-device error. */
    assert_int_equal(spinel_link_open(&l), -1);
    snprintf(want, sizeof(want), "spinel+hdlc+uart: %s: No such file or directory", link);
    assert_string_equal(spinel_link_why(&l), want);
}

/* uart-reset: after a Spinel CMD_RESET the device is closed and reopened. */
static void test_uart_reset(void **state)
{
    (void)state;
    struct pair p;
    struct spinel_link l;
    char link[64];
    pair_open(&p);
    snprintf(link, sizeof(link), "/tmp/tbr-spinel-link-rst-%d", (int)getpid());
    unlink(link);
    assert_int_equal(symlink(p.name, link), 0);
    open_uart(&l, link, "?uart-reset");
    assert_int_equal(spinel_link_timeout_ms(&l), -1);

    /* Not a reset (PROP_VALUE_GET): nothing happens. */
    uint8_t frame[32];
    static const uint8_t get[] = {0x81, 0x02, 0x01};
    size_t n = hdlc_frame(get, sizeof(get), frame);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    assert_int_equal(spinel_link_timeout_ms(&l), -1);
    /* CMD_RESET (header 0x80, command 1). */
    static const uint8_t rst[] = {0x80, 0x01};
    n = hdlc_frame(rst, sizeof(rst), frame);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    assert_int_equal(spinel_link_counters(&l)->uart_resets, 1);
    assert_int_equal(spinel_link_fd(&l), -1);
    int ms = spinel_link_timeout_ms(&l);
    assert_true(ms > SPINEL_LINK_UART_RESET_DELAY_MS - 100 &&
                ms <= SPINEL_LINK_UART_RESET_DELAY_MS);
    assert_int_equal(spinel_link_tick(&l), 0); /* not yet */
    assert_int_equal(spinel_link_fd(&l), -1);
    uint8_t buf[8];
    assert_int_equal(spinel_link_read(&l, buf, sizeof(buf)), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(spinel_link_write(&l, frame, n), -1);
    assert_int_equal(errno, ENOTCONN);
    struct timespec ts = {0, (long)ms * 1000000L};
    ts.tv_sec = ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    nanosleep(&ts, NULL);
    assert_int_equal(spinel_link_timeout_ms(&l), 0);
    assert_int_equal(spinel_link_tick(&l), 0);
    assert_true(spinel_link_fd(&l) >= 0); /* reopened */
    assert_int_equal(spinel_link_timeout_ms(&l), -1);
    assert_int_equal(spinel_link_counters(&l)->opens, 2);
    static const uint8_t hello[] = {0x7e, 0x42, 0x7e};
    assert_int_equal(write(p.master, hello, sizeof(hello)), (ssize_t)sizeof(hello));
    assert_true(read_until(&l, hello, sizeof(hello), 2000));

    /* The dongle does not come back: reopen attempts every 50 ms (the loop
     * sleeps as spinel_link_timeout_ms says: no busy wait), then down. */
    assert_int_equal(unlink(link), 0);
    assert_int_equal(spinel_link_write(&l, frame, n), 0);
    uint64_t t0 = now_ms();
    int rc = 0, ticks = 0;
    while (rc == 0 && now_ms() - t0 < 10000) {
        int wait = spinel_link_timeout_ms(&l);
        assert_true(wait >= 0);
        poll(NULL, 0, wait);
        rc = spinel_link_tick(&l);
        ticks++;
    }
    assert_int_equal(rc, -1);
    uint64_t took = now_ms() - t0;
    assert_true(took >= SPINEL_LINK_UART_RESET_DELAY_MS + SPINEL_LINK_UART_REOPEN_MS - 100);
    assert_true(took < SPINEL_LINK_UART_RESET_DELAY_MS + SPINEL_LINK_UART_REOPEN_MS + 1000);
    assert_true(ticks <= 2 + SPINEL_LINK_UART_REOPEN_MS / SPINEL_LINK_UART_REOPEN_STEP_MS + 5);
    char want[256];
    snprintf(want, sizeof(want),
             "uart-reset: %s did not come back within 7000 ms (spinel+hdlc+uart: %s: No such "
             "file or directory)",
             link, link);
    assert_string_equal(spinel_link_why(&l), want);
    assert_int_equal(spinel_link_fd(&l), -1);
    assert_int_equal(spinel_link_timeout_ms(&l), -1);
    assert_int_equal(spinel_link_read(&l, buf, sizeof(buf)), 0); /* down */
    assert_int_equal(spinel_link_counters(&l)->uart_resets, 2);
    assert_int_equal(spinel_link_counters(&l)->link_down, 1);
    spinel_link_close(&l);
    unlink(link);
    pair_close(&p);
}

static void test_uart_errors(void **state)
{
    (void)state;
    struct radio_url u;
    struct spinel_link l;
    assert_int_equal(radio_url_parse(&u, "spinel+hdlc+uart:///dev/ttyACM0", NULL, 0), 0);
    spinel_link_init(&l, &u);
    if (access("/dev/ttyACM0", F_OK) != 0) {
        assert_int_equal(spinel_link_open(&l), -1);
        assert_int_equal(errno, ENOENT);
        assert_string_equal(spinel_link_why(&l),
                            "spinel+hdlc+uart: /dev/ttyACM0: No such file or directory");
    }
    assert_int_equal(radio_url_parse(&u, "spinel+hdlc+uart:///dev/tbr-no-such-tty", NULL, 0), 0);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), -1);
    assert_string_equal(spinel_link_why(&l),
                        "spinel+hdlc+uart: /dev/tbr-no-such-tty: No such file or directory");
    assert_int_equal(spinel_link_counters(&l)->open_failures, 1);
    uint8_t b = 0;
    assert_int_equal(spinel_link_write(&l, &b, 1), -1);
    assert_int_equal(errno, ENOTCONN);
    assert_int_equal(spinel_link_read(&l, &b, 1), -1);
    assert_int_equal(errno, EAGAIN);
    spinel_link_close(&l);

    assert_int_equal(radio_url_parse(&u, "spinel+hdlc+uart:///dev/null", NULL, 0), 0);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), -1);
    assert_string_equal(spinel_link_why(&l), "spinel+hdlc+uart: /dev/null: not a serial device "
                                             "(Inappropriate ioctl for device)");

    assert_int_equal(radio_url_parse(&u, "sim://1", NULL, 0), 0);
    spinel_link_init(&l, &u);
    assert_int_equal(spinel_link_open(&l), -1);
    assert_string_equal(spinel_link_why(&l), "sim:// is not a Spinel link");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fcs_vector),
        cmocka_unit_test(test_forkpty_probe_and_kill),
        cmocka_unit_test(test_forkpty_missing_program),
        cmocka_unit_test(test_forkpty_child_exits),
        cmocka_unit_test(test_uart_pty),
        cmocka_unit_test(test_uart_settings),
        cmocka_unit_test(test_uart_vanished),
        cmocka_unit_test(test_uart_reset),
        cmocka_unit_test(test_uart_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
