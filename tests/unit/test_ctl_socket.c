/*
 * ctl_socket: the server and its clients in one process over real Unix
 * sockets under a fresh temp dir: line framing, several clients, async
 * completion, slow-client overflow, over-long lines, binary garbage, stale
 * socket replacement, a second agent refused, permissions, limits, and who
 * may connect (SO_PEERCRED: root, our uid, the named group).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/ctl_socket.h"

#define MAX_EVENTS 256

struct event {
    uint32_t client;
    enum ctl_event ev;
    size_t len;
    char line[CTL_LINE_MAX + 1];
};

struct fx {
    char dir[64];
    char path[100];
    struct ctl_server *srv;
    struct event ev[MAX_EVENTS];
    unsigned nev;
    char logs[4096];
    uint32_t async_client; /* a "ping" waiting for completion; 0: none */
};

/* ---- handler: a tiny CLI -------------------------------------------------------- */

static void handler(void *ctx, struct ctl_server *srv, uint32_t client, enum ctl_event ev,
                    const char *line, size_t len)
{
    struct fx *f = ctx;
    if (f->nev < MAX_EVENTS) {
        struct event *e = &f->ev[f->nev++];
        e->client = client;
        e->ev = ev;
        e->len = len;
        e->line[0] = '\0';
        if (line)
            snprintf(e->line, sizeof(e->line), "%s", line);
    }
    switch (ev) {
    case CTL_EV_CLOSED:
        if (f->async_client == client)
            f->async_client = 0;
        /* writing to it now fails */
        assert_int_equal(ctl_write(srv, client, "x", 1), -1);
        assert_int_equal(errno, ENOENT);
        return;
    case CTL_EV_TOO_LONG:
        ctl_error(srv, client, 7, "InvalidArgs");
        return;
    case CTL_EV_BAD_LINE:
        ctl_error(srv, client, 6, "Parse");
        return;
    case CTL_EV_LINE:
        break;
    }
    assert_non_null(line);
    assert_int_equal(strlen(line), len);
    assert_true(ctl_client_busy(srv, client));
    if (!strcmp(line, "ping")) {
        f->async_client = client; /* completes later */
        ctl_printf(srv, client, "pinging\n");
        return;
    }
    if (!strncmp(line, "big ", 4)) {
        size_t n = strtoul(line + 4, NULL, 10);
        char chunk[1000];
        memset(chunk, 'b', sizeof(chunk));
        chunk[sizeof(chunk) - 1] = '\n';
        while (n > 0) {
            size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
            if (ctl_write(srv, client, chunk, k) < 0)
                return;
            n -= k;
        }
        ctl_done(srv, client);
        return;
    }
    if (!strcmp(line, "fail")) {
        ctl_error(srv, client, 7, "InvalidArgs");
        return;
    }
    ctl_printf(srv, client, "got %s\n", line);
    ctl_done(srv, client);
}

static void logger(void *ctx, const char *msg)
{
    struct fx *f = ctx;
    size_t l = strlen(f->logs);
    snprintf(f->logs + l, sizeof(f->logs) - l, "%s\n", msg);
}

/* ---- fixture ------------------------------------------------------------------------ */

static struct ctl_config config(struct fx *f)
{
    struct ctl_config c = {
        .ifname = "wpan0",
        .path = f->path,
        .handler = handler,
        .log = logger,
        .ctx = f,
    };
    return c;
}

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/tbr-ctl-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/run/wpan0.sock", f->dir);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    ctl_server_close(f->srv);
    rm_tree(f->dir);
    free(f);
    return 0;
}

static void open_server(struct fx *f, const struct ctl_config *cfg)
{
    char err[CTL_ERR_MAX] = "";
    f->srv = ctl_server_open(cfg, err, sizeof(err));
    if (!f->srv)
        fail_msg("ctl_server_open: %s", err);
}

/* One poll round of the server (timeout ms, 0 when work is pending). */
static void pump(struct fx *f, int timeout)
{
    struct pollfd fds[1 + 64];
    size_t n = ctl_server_pollfds(f->srv, fds, 1 + 64);
    if (ctl_server_has_pending(f->srv))
        timeout = 0;
    int rc = poll(fds, n, timeout);
    assert_true(rc >= 0);
    ctl_server_process(f->srv, fds, n);
}

static void pump_n(struct fx *f, int rounds)
{
    for (int i = 0; i < rounds; i++)
        pump(f, 5);
}

static int client(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void say(int fd, const char *s, size_t n)
{
    assert_int_equal(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void says(int fd, const char *s)
{
    say(fd, s, strlen(s));
}

/* Does buf end with a complete result line? */
static bool has_result(const char *buf, size_t len)
{
    if (len == 0 || buf[len - 1] != '\n')
        return false;
    size_t start = len - 1;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    return !strncmp(buf + start, "Done\n", 5) || !strncmp(buf + start, "Error ", 6);
}

/* Pumps the server and reads from fd until a result line (or EOF / 2 s). */
static size_t reply(struct fx *f, int fd, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < 400 && !has_result(buf, len); i++) {
        pump(f, 5);
        /* byte by byte: stop exactly after the result line */
        ssize_t n = -1;
        while (len < cap - 1 && !has_result(buf, len) &&
               (n = recv(fd, buf + len, 1, MSG_DONTWAIT)) > 0)
            buf[++len] = '\0';
        if (n == 0)
            break; /* EOF */
    }
    return len;
}

static unsigned count_ev(const struct fx *f, enum ctl_event ev)
{
    unsigned n = 0;
    for (unsigned i = 0; i < f->nev; i++)
        n += f->ev[i].ev == ev;
    return n;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_default_path(void **state)
{
    (void)state;
    char buf[CTL_PATH_MAX], err[CTL_ERR_MAX];
    assert_int_equal(ctl_default_path("wpan0", buf, sizeof(buf), err, sizeof(err)), 0);
    assert_string_equal(buf, "/run/tbr/wpan0.sock");
    assert_int_equal(ctl_default_path("", buf, sizeof(buf), err, sizeof(err)), -1);
    assert_int_equal(ctl_default_path(NULL, buf, sizeof(buf), err, sizeof(err)), -1);
    assert_int_equal(ctl_default_path("../etc", buf, sizeof(buf), err, sizeof(err)), -1);
    assert_int_equal(ctl_default_path("..", buf, sizeof(buf), err, sizeof(err)), -1);
    assert_int_equal(ctl_default_path("a b", buf, sizeof(buf), err, sizeof(err)), -1);
    assert_int_equal(ctl_default_path("0123456789abcdef", buf, sizeof(buf), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too long"));
    assert_int_equal(ctl_default_path("0123456789abcde", buf, sizeof(buf), err, sizeof(err)), 0);
}

static void test_open_modes(void **state)
{
    struct fx *f = *state;
    mode_t old = umask(077);
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    umask(old);
    assert_string_equal(ctl_server_path(f->srv), f->path);
    char dir[200];
    snprintf(dir, sizeof(dir), "%s/run", f->dir);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0660);
    ctl_server_close(f->srv);
    f->srv = NULL;
    assert_int_equal(lstat(f->path, &st), -1); /* removed on close */
}

static void test_framing(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    char buf[4096];

    says(c, "state\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got state\nDone\n");

    /* CRLF, blank lines, a line split across writes, pipelined lines */
    says(c, "\r\n   \n\t\nfirst\r\nsec");
    pump_n(f, 3);
    says(c, "ond\nthird  x\n");
    size_t len = 0;
    for (int i = 0;
         i < 200 && len < strlen("got first\nDone\ngot second\nDone\ngot third  x\nDone\n"); i++) {
        pump(f, 5);
        ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
        if (n > 0)
            len += (size_t)n;
    }
    buf[len] = '\0';
    assert_string_equal(buf, "got first\nDone\ngot second\nDone\ngot third  x\nDone\n");
    assert_int_equal(count_ev(f, CTL_EV_LINE), 4);

    says(c, "fail\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "Error 7: InvalidArgs\n");
    assert_false(ctl_client_busy(f->srv, f->ev[0].client));

    pid_t pid;
    uid_t uid;
    assert_int_equal(ctl_client_peer(f->srv, f->ev[0].client, &pid, &uid), 0);
    assert_int_equal(pid, getpid());
    assert_int_equal(uid, getuid());
    close(c);
    pump_n(f, 3);
    assert_int_equal(count_ev(f, CTL_EV_CLOSED), 1);
    assert_int_equal(ctl_server_client_count(f->srv), 0);
}

static void test_exact_line_max(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    static char line[CTL_LINE_MAX + 3];
    static char buf[4096];

    memset(line, 'a', CTL_LINE_MAX);
    memcpy(line + CTL_LINE_MAX, "\r\n", 2); /* CR does not count */
    say(c, line, CTL_LINE_MAX + 2);
    reply(f, c, buf, sizeof(buf));
    assert_int_equal(f->nev, 1);
    assert_int_equal(f->ev[0].ev, CTL_EV_LINE);
    assert_int_equal(f->ev[0].len, CTL_LINE_MAX);
    assert_int_equal(strlen(buf), 4 + CTL_LINE_MAX + 1 + 5);
    close(c);
}

static void test_too_long(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    static char line[CTL_LINE_MAX + 2];
    char buf[4096];

    /* one byte over, newline in the same write */
    memset(line, 'x', CTL_LINE_MAX + 1);
    line[CTL_LINE_MAX + 1] = '\n';
    say(c, line, sizeof(line));
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "Error 7: InvalidArgs\n");
    assert_int_equal(f->ev[0].ev, CTL_EV_TOO_LONG);

    /* 20 KiB without a newline, in pieces, then the end of the line and a good one */
    char chunk[1000];
    memset(chunk, 'y', sizeof(chunk));
    for (int i = 0; i < 20; i++) {
        say(c, chunk, sizeof(chunk));
        pump(f, 1);
    }
    says(c, "tail of the long line\nok\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "Error 7: InvalidArgs\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got ok\nDone\n");
    assert_int_equal(count_ev(f, CTL_EV_TOO_LONG), 2);
    assert_int_equal(count_ev(f, CTL_EV_LINE), 1);
    assert_string_equal(f->ev[f->nev - 1].line, "ok");
    close(c);
}

static void test_garbage(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    char buf[8192];

    /* NUL inside a line: refused as a bad line */
    say(c, "st\0ate\n", 7);
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "Error 6: Parse\n");
    assert_int_equal(f->ev[0].ev, CTL_EV_BAD_LINE);
    assert_int_equal(f->ev[0].len, 6);

    /* random bytes: whatever comes back, nothing crashes and the client still works */
    unsigned seed = 12345;
    for (int round = 0; round < 50; round++) {
        char junk[512];
        for (size_t i = 0; i < sizeof(junk); i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (char)(seed >> 16);
        }
        say(c, junk, sizeof(junk));
        pump_n(f, 2);
        while (recv(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
            ;
    }
    says(c, "\nhello\n");
    for (int i = 0; i < 50; i++) {
        size_t n = reply(f, c, buf, sizeof(buf));
        if (n >= 15 && !strcmp(buf + n - 15, "got hello\nDone\n"))
            break;
        assert_true(n > 0);
    }
    assert_string_equal(f->ev[f->nev - 1].line, "hello");
    assert_true(ctl_server_client_count(f->srv) == 1);
    close(c);
}

static void test_multiple_clients(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c[5];
    char buf[1024], want[64];
    for (int i = 0; i < 5; i++)
        c[i] = client(f->path);
    for (int round = 0; round < 3; round++) {
        for (int i = 4; i >= 0; i--) {
            char cmd[32];
            snprintf(cmd, sizeof(cmd), "c%d r%d\n", i, round);
            says(c[i], cmd);
        }
        for (int i = 0; i < 5; i++) {
            reply(f, c[i], buf, sizeof(buf));
            snprintf(want, sizeof(want), "got c%d r%d\nDone\n", i, round);
            assert_string_equal(buf, want);
        }
    }
    assert_int_equal(ctl_server_client_count(f->srv), 5);
    /* five distinct client ids */
    for (unsigned i = 0; i < 5; i++)
        for (unsigned j = i + 1; j < 5; j++)
            assert_true(f->ev[i].client != f->ev[j].client);
    for (int i = 0; i < 5; i++)
        close(c[i]);
    pump_n(f, 3);
    assert_int_equal(count_ev(f, CTL_EV_CLOSED), 5);
}

static void test_async(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    int other = client(f->path);
    char buf[1024];

    says(c, "ping\nafter\n");
    pump_n(f, 5);
    uint32_t id = f->async_client;
    assert_true(id != 0);
    assert_true(ctl_client_busy(f->srv, id));
    /* "after" waits for ping to complete */
    assert_int_equal(count_ev(f, CTL_EV_LINE), 1);
    ssize_t n = recv(c, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    assert_int_equal(n, 8);
    buf[n] = '\0';
    assert_string_equal(buf, "pinging\n");

    /* another client is served meanwhile */
    says(other, "state\n");
    reply(f, other, buf, sizeof(buf));
    assert_string_equal(buf, "got state\nDone\n");

    /* the "timer" fires outside ctl_server_process() */
    assert_int_equal(ctl_printf(f->srv, id, "16 bytes from 2001:db8::1: icmp_seq=1\n"), 0);
    assert_int_equal(ctl_done(f->srv, id), 0);
    assert_false(ctl_client_busy(f->srv, id));
    assert_true(ctl_server_has_pending(f->srv)); /* "after" is queued */
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "16 bytes from 2001:db8::1: icmp_seq=1\nDone\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got after\nDone\n");

    /* a client that goes away during an async command: the handler hears it */
    says(c, "ping\n");
    pump_n(f, 3);
    id = f->async_client;
    assert_true(id != 0);
    close(c);
    pump_n(f, 3);
    assert_int_equal(f->async_client, 0);
    assert_int_equal(f->ev[f->nev - 1].ev, CTL_EV_CLOSED);
    assert_int_equal(f->ev[f->nev - 1].client, id);
    /* late completion for the departed client is refused, harmlessly */
    assert_int_equal(ctl_done(f->srv, id), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(ctl_complete(f->srv, id), -1);
    close(other);
}

static void test_slow_client(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    cfg.out_max = 8192;
    open_server(f, &cfg);
    int slow = client(f->path);
    int fast = client(f->path);
    char buf[4096];

    /* output larger than the bound still flows to a client that reads */
    says(fast, "big 100000\n");
    size_t total = 0;
    for (int i = 0; i < 2000; i++) {
        pump(f, 2);
        ssize_t n;
        while ((n = recv(fast, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
            total += (size_t)n;
        if (total >= 100000 + 5)
            break;
    }
    assert_int_equal(total, 100000 + 5);

    /* a client that never reads: the kernel buffer fills, then ours, then it is dropped */
    says(slow, "big 50000000\n");
    pump_n(f, 3);
    assert_int_equal(count_ev(f, CTL_EV_CLOSED), 1);
    assert_non_null(strstr(f->logs, "dropped: it does not read its output"));
    char pidtxt[32];
    snprintf(pidtxt, sizeof(pidtxt), "(pid %ld)", (long)getpid());
    assert_non_null(strstr(f->logs, pidtxt));
    /* the slow peer sees at most what was sent, then EOF */
    size_t got = 0;
    ssize_t n;
    while ((n = recv(slow, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
        got += (size_t)n;
    assert_int_equal(n, 0);
    assert_true(got < 50000000);

    /* the other client is unaffected */
    says(fast, "state\n");
    reply(f, fast, buf, sizeof(buf));
    assert_string_equal(buf, "got state\nDone\n");
    close(slow);
    close(fast);
}

static void test_half_close(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int c = client(f->path);
    char buf[256];
    says(c, "one\ntwo"); /* the last line has no newline */
    shutdown(c, SHUT_WR);
    size_t len = 0;
    for (int i = 0; i < 200; i++) {
        pump(f, 5);
        ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
        if (n == 0)
            break;
        if (n > 0)
            len += (size_t)n;
    }
    buf[len] = '\0';
    assert_string_equal(buf, "got one\nDone\ngot two\nDone\n");
    assert_int_equal(count_ev(f, CTL_EV_CLOSED), 1);
    close(c);
}

static void test_max_clients(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    cfg.max_clients = 2;
    open_server(f, &cfg);
    int a = client(f->path), b = client(f->path);
    pump_n(f, 3);
    int c = client(f->path);
    char buf[256];
    size_t len = 0;
    for (int i = 0; i < 100; i++) {
        pump(f, 5);
        ssize_t n = recv(c, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
        if (n == 0)
            break;
        if (n > 0)
            len += (size_t)n;
    }
    buf[len] = '\0';
    assert_string_equal(buf, "Error 5: Busy\n");
    assert_non_null(strstr(f->logs, "too many clients"));
    assert_int_equal(ctl_server_client_count(f->srv), 2);
    close(a);
    pump_n(f, 3);
    int d = client(f->path); /* a slot is free again */
    says(d, "x\n");
    reply(f, d, buf, sizeof(buf));
    assert_string_equal(buf, "got x\nDone\n");
    close(b);
    close(c);
    close(d);
}

static void test_stale_socket(void **state)
{
    struct fx *f = *state;
    char dir[200];
    snprintf(dir, sizeof(dir), "%s/run", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    /* a socket file nobody listens on, as a killed agent leaves it */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(s);
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    assert_non_null(strstr(f->logs, "removed stale socket"));
    int c = client(f->path);
    char buf[64];
    says(c, "a\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got a\nDone\n");
    close(c);
    /* an existing directory keeps its mode */
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}

static void test_not_a_socket(void **state)
{
    struct fx *f = *state;
    char dir[200];
    snprintf(dir, sizeof(dir), "%s/run", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    int fd = open(f->path, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct ctl_config cfg = config(f);
    char err[CTL_ERR_MAX];
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "is not a socket"));
    struct stat st;
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode)); /* untouched */
}

static void test_second_agent(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    char err[CTL_ERR_MAX];
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "another tbr-agent is running on wpan0"));
    /* the first one still works */
    int c = client(f->path);
    char buf[64];
    says(c, "a\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got a\nDone\n");
    close(c);
    ctl_server_close(f->srv);
    f->srv = NULL;

    /* something else listening there (no lock held): refused by the connect test */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s, 1), 0);
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "another tbr-agent is running on wpan0"));
    struct stat st;
    assert_int_equal(lstat(f->path, &st), 0); /* not removed */
    close(s);
    /* now it is stale: replaced */
    open_server(f, &cfg);
}

static void test_bad_config(void **state)
{
    struct fx *f = *state;
    char err[CTL_ERR_MAX];
    struct ctl_config cfg = config(f);
    cfg.handler = NULL;
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    cfg = config(f);
    char longp[300];
    memset(longp, 'p', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    cfg.path = longp;
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "too long"));
    cfg.path = "/nonexistent-dir-tbr/sub/x.sock";
    assert_null(ctl_server_open(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "cannot create directory"));
    ctl_server_close(NULL);
}

static void test_close_with_clients(void **state)
{
    struct fx *f = *state;
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    int a = client(f->path), b = client(f->path);
    says(a, "ping\n");
    pump_n(f, 3);
    assert_true(f->async_client != 0);
    ctl_server_close(f->srv);
    f->srv = NULL;
    assert_int_equal(count_ev(f, CTL_EV_CLOSED), 2);
    assert_int_equal(f->async_client, 0);
    char buf[64];
    assert_int_equal(recv(a, buf, sizeof(buf), 0), 8); /* "pinging\n" */
    assert_int_equal(recv(a, buf, sizeof(buf), 0), 0); /* then EOF */
    assert_int_equal(recv(b, buf, sizeof(buf), 0), 0);
    close(a);
    close(b);
}

/* ---- who may connect (SO_PEERCRED, issue 11) ------------------------------------------ */

static void test_peer_rule(void **state)
{
    const gid_t supp[] = {10, 20, 30};

    (void)state;
    /* root and the server's own uid always */
    assert_true(ctl_peer_allowed(0, 0, NULL, 0, 1000, false, 0));
    assert_true(ctl_peer_allowed(1000, 1000, NULL, 0, 1000, false, 0));
    /* anyone else only through the named group: primary or supplementary */
    assert_false(ctl_peer_allowed(65534, 65534, NULL, 0, 0, false, 0));
    assert_false(ctl_peer_allowed(65534, 0, NULL, 0, 0, false, 0)); /* gid 0 is not root */
    assert_false(ctl_peer_allowed(65534, 65534, supp, 3, 0, true, 40));
    assert_true(ctl_peer_allowed(65534, 40, supp, 3, 0, true, 40));
    assert_true(ctl_peer_allowed(65534, 65534, supp, 3, 0, true, 20));
    assert_false(ctl_peer_allowed(65534, 65534, supp, 2, 0, true, 30));
}

#define NOBODY 65534

/* A child process as uid NOBODY (primary gid, supplementary groups) connects,
 * sends "x", and reads to EOF or a result line into out; the server is
 * pumped meanwhile. Returns the bytes read, or -errno of a failed connect. */
static long as_nobody(struct fx *f, gid_t gid, const gid_t *supp, size_t nsupp, char *out,
                      size_t cap)
{
    int pp[2];
    assert_int_equal(pipe(pp), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char buf[512];
        long n = 0;
        close(pp[0]);
        if (setgroups(nsupp, supp) != 0 || setgid(gid) != 0 || setuid(NOBODY) != 0)
            _exit(3);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            n = -errno;
        } else {
            ssize_t r;
            (void)!send(fd, "x\n", 2, MSG_NOSIGNAL);
            while (n < (long)sizeof(buf) - 1 && !has_result(buf, (size_t)n) &&
                   (r = recv(fd, buf + n, 1, 0)) > 0)
                n += r;
        }
        (void)!write(pp[1], &n, sizeof(n));
        if (n > 0)
            (void)!write(pp[1], buf, (size_t)n);
        _exit(0);
    }
    close(pp[1]);
    int status = 0;
    for (int i = 0; i < 400 && waitpid(pid, &status, WNOHANG) == 0; i++)
        pump(f, 5);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    long n = 0;
    assert_int_equal(read(pp[0], &n, sizeof(n)), (ssize_t)sizeof(n));
    out[0] = '\0';
    if (n > 0) {
        assert_true((size_t)n < cap);
        assert_int_equal(read(pp[0], out, (size_t)n), n);
        out[n] = '\0';
    }
    close(pp[0]);
    return n;
}

static void test_peer_refused(void **state)
{
    struct fx *f = *state;
    char buf[512];

    if (geteuid() != 0)
        skip(); /* needs setuid() to be somebody else */
    assert_int_equal(chmod(f->dir, 0755), 0);
    struct ctl_config cfg = config(f);
    open_server(f, &cfg);
    /* root:root 0660: the kernel already keeps nobody out */
    assert_int_equal(as_nobody(f, NOBODY, NULL, 0, buf, sizeof(buf)), -EACCES);
    /* even with a world-writable socket, nobody is refused by credentials,
     * and told why */
    assert_int_equal(chmod(f->path, 0666), 0);
    assert_true(as_nobody(f, NOBODY, NULL, 0, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "permission denied: uid 65534 is not root"));
    assert_true(has_result(buf, strlen(buf)));
    assert_non_null(strstr(buf, "\nError 8: Security\n"));
    /* so is a member of the socket's group (gid 0) that was not named */
    assert_true(as_nobody(f, 0, NULL, 0, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "Error 8: Security\n"));
    assert_int_equal(ctl_server_counters(f->srv)->refused_peer, 2);
    assert_int_equal(ctl_server_counters(f->srv)->accepted, 0);
    assert_int_equal(count_ev(f, CTL_EV_LINE), 0); /* no command ever ran */
    assert_non_null(strstr(f->logs, "connection refused: pid "));
    /* root still talks */
    int c = client(f->path);
    says(c, "y\n");
    reply(f, c, buf, sizeof(buf));
    assert_string_equal(buf, "got y\nDone\n");
    assert_int_equal(ctl_server_counters(f->srv)->accepted, 1);
    close(c);
}

static void test_peer_group(void **state)
{
    struct fx *f = *state;
    char buf[512];
    struct stat st;
    const gid_t supp[] = {NOBODY};

    if (geteuid() != 0)
        skip();
    assert_int_equal(chmod(f->dir, 0755), 0);
    struct ctl_config cfg = config(f);
    cfg.has_group = true;
    cfg.group = NOBODY;
    cfg.group_name = "nogroup";
    open_server(f, &cfg);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0660);
    assert_int_equal(st.st_gid, NOBODY);
    /* a member by its primary group, and by a supplementary one */
    assert_true(as_nobody(f, NOBODY, NULL, 0, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "got x\nDone\n");
    assert_true(as_nobody(f, 4242, supp, 1, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "got x\nDone\n");
    /* not a member: refused by the mode, and by credentials when the mode
     * lets it through */
    assert_int_equal(as_nobody(f, 4242, NULL, 0, buf, sizeof(buf)), -EACCES);
    assert_int_equal(chmod(f->path, 0666), 0);
    assert_true(as_nobody(f, 4242, NULL, 0, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, "permission denied: uid 65534 is not root and not in group "
                                "nogroup\nError 8: Security\n"));
    assert_int_equal(ctl_server_counters(f->srv)->refused_peer, 1);
    assert_int_equal(ctl_server_counters(f->srv)->accepted, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer_rule),
        cmocka_unit_test_setup_teardown(test_peer_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_peer_group, fx_setup, fx_teardown),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test_setup_teardown(test_open_modes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_framing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_exact_line_max, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_too_long, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_garbage, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_multiple_clients, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_async, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_slow_client, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_half_close, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_max_clients, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stale_socket, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_socket, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_second_agent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bad_config, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_close_with_clients, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
