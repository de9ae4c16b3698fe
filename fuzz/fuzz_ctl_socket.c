/*
 * libFuzzer harness for the control socket's line framing
 * (platform/ctl_socket.c): the bytes a client sends, in arbitrary chunkings,
 * through a real Unix stream socket, the server's reads, its input buffer
 * and next_command(), while commands complete at once or later.
 *
 * Input: [mode][seed] then the stream the client sends.
 *   mode bits 0-1  how the handler completes a command: 0 "Done" at once,
 *                  1 later (after the next chunk: an async command, input
 *                  queues meanwhile), 2 "Error 7: InvalidArgs" at once,
 *                  3 each of those in turn by a PRNG;
 *   mode bits 2-7  the largest chunk: 1 + bits * 33 bytes (chunk sizes
 *                  from a PRNG seeded with seed), each sent and processed
 *                  before the next;
 * then the client shuts down its sending side and reads everything (it
 * reads as it goes, too). Inputs over 16 KiB are skipped.
 *
 * Checked invariants (abort on violation), besides ASan/UBSan and LSan:
 *   - the commands handed to the handler are exactly those of the protocol
 *     (ctl_socket.h) read from the whole stream, whatever the chunking:
 *     split at '\n', a '\r' before it dropped, blank lines skipped, a line
 *     over CTL_LINE_MAX as CTL_EV_TOO_LONG (len > CTL_LINE_MAX), one with a
 *     NUL as CTL_EV_BAD_LINE (its length), others as CTL_EV_LINE with the
 *     same bytes, NUL-terminated; the last line may lack its '\n';
 *   - never a command while the previous one is not complete;
 *   - the client reads exactly the handler's output, in order, then EOF;
 *   - CTL_EV_CLOSED comes once, last, and the server has no client left;
 *   - the server never spins: each round of poll + process ends.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "platform/ctl_socket.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 16384
#define MAX_INPUT 16384 /* the output then fits the sockets' buffers */
#define OUT_CAP (1 << 20)

struct ev {
    enum ctl_event ev;
    size_t len;
    size_t off; /* CTL_EV_LINE: where its text is in lines[] */
};

/* What the handler saw and wrote during one input. */
static struct {
    struct ctl_server *srv;
    uint8_t mode;
    uint64_t rng;
    struct ev evs[MAX_EVENTS];
    unsigned n;
    char lines[1 << 17];
    size_t lines_len;
    bool busy;            /* a command awaits completion */
    bool deferred;        /* ... and the harness completes it later */
    uint32_t client;      /* the client of that command */
    bool closed;          /* CTL_EV_CLOSED seen */
    char expect[OUT_CAP]; /* the output the client must read */
    size_t expect_len;
} h;

static uint32_t rnd(void)
{
    h.rng ^= h.rng << 13;
    h.rng ^= h.rng >> 7;
    h.rng ^= h.rng << 17;
    return (uint32_t)h.rng;
}

static void emit(uint32_t client, const char *s)
{
    size_t n = strlen(s);
    CHECK(ctl_write(h.srv, client, s, n) == 0);
    CHECK(h.expect_len + n <= OUT_CAP);
    memcpy(h.expect + h.expect_len, s, n);
    h.expect_len += n;
}

static void complete(uint32_t client, bool error)
{
    if (error) {
        CHECK(h.expect_len + 21 <= OUT_CAP);
        CHECK(ctl_error(h.srv, client, 7, "InvalidArgs") == 0);
        memcpy(h.expect + h.expect_len, "Error 7: InvalidArgs\n", 21);
        h.expect_len += 21;
    } else {
        CHECK(ctl_done(h.srv, client) == 0);
        CHECK(h.expect_len + 5 <= OUT_CAP);
        memcpy(h.expect + h.expect_len, "Done\n", 5);
        h.expect_len += 5;
    }
    CHECK(!ctl_client_busy(h.srv, client));
    h.busy = h.deferred = false;
}

static void handler(void *ctx, struct ctl_server *srv, uint32_t client, enum ctl_event ev,
                    const char *line, size_t len)
{
    (void)ctx, (void)srv;
    if (ev == CTL_EV_CLOSED) {
        CHECK(!h.closed && (h.n == 0 || client == h.client));
        h.closed = true;
        h.busy = h.deferred = false;
        return;
    }
    CHECK(!h.closed && !h.busy && h.n < MAX_EVENTS);
    CHECK(ctl_client_busy(srv, client));
    h.client = client;
    struct ev *e = &h.evs[h.n++];
    e->ev = ev;
    e->len = len;
    if (ev == CTL_EV_LINE) {
        CHECK(line != NULL && line[len] == '\0' && strlen(line) == len && len <= CTL_LINE_MAX);
        CHECK(h.lines_len + len <= sizeof(h.lines));
        e->off = h.lines_len;
        memcpy(h.lines + h.lines_len, line, len);
        h.lines_len += len;
        char echo[CTL_LINE_MAX + 8];
        snprintf(echo, sizeof(echo), "> %s\n", line);
        emit(client, echo);
    } else {
        CHECK(line == NULL);
    }
    h.busy = true;
    unsigned how = h.mode & 3;
    if (how == 3)
        how = rnd() % 3;
    if (how == 1)
        h.deferred = true;
    else
        complete(client, how == 2 || ev != CTL_EV_LINE);
}

/* One round of poll + process until nothing is left to do. */
static void pump(void)
{
    struct pollfd fds[64];
    for (int round = 0;; round++) {
        CHECK(round < 10000); /* the server keeps finding work: a spin */
        size_t n = ctl_server_pollfds(h.srv, fds, 64);
        int r = poll(fds, n, 0);
        CHECK(r >= 0);
        if (r == 0 && !ctl_server_has_pending(h.srv))
            return;
        ctl_server_process(h.srv, fds, r ? n : 0);
    }
}

/* ---- the protocol, read from the whole stream ---------------------------------- */

static void check_events(const uint8_t *s, size_t n)
{
    unsigned k = 0;
    size_t i = 0;
    while (i < n) {
        const uint8_t *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) : n, len = end - i;
        if (len > 0 && s[i + len - 1] == '\r')
            len--;
        bool blank = true;
        for (size_t j = 0; j < len; j++)
            blank &= s[i + j] == ' ' || s[i + j] == '\t';
        if (len > CTL_LINE_MAX) {
            CHECK(k < h.n && h.evs[k].ev == CTL_EV_TOO_LONG && h.evs[k].len > CTL_LINE_MAX);
            k++;
        } else if (memchr(s + i, '\0', len)) {
            CHECK(k < h.n && h.evs[k].ev == CTL_EV_BAD_LINE && h.evs[k].len == len);
            k++;
        } else if (!blank) {
            CHECK(k < h.n && h.evs[k].ev == CTL_EV_LINE && h.evs[k].len == len);
            CHECK(!memcmp(h.lines + h.evs[k].off, s + i, len));
            k++;
        }
        i = end + 1;
    }
    CHECK(k == h.n);
}

/* ---- the harness -------------------------------------------------------------------- */

static char dir[64], path[108];
static char out[OUT_CAP];

/* At exit: the server closed, its socket, lock file and directory gone. */
static void cleanup(void)
{
    char lock[sizeof(path) + 8];
    ctl_server_close(h.srv);
    h.srv = NULL;
    snprintf(lock, sizeof(lock), "%s.lock", path);
    unlink(lock);
    rmdir(dir);
}

static void setup(void)
{
    if (h.srv)
        return;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/tbr-fuzz-ctl-XXXXXX", t && strlen(t) < 32 ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/ctl.sock", dir);
    struct ctl_config cfg = {.ifname = "fuzz0", .path = path, .handler = handler};
    char err[CTL_ERR_MAX];
    h.srv = ctl_server_open(&cfg, err, sizeof(err));
    CHECK(h.srv != NULL);
    atexit(cleanup);
}

static int connect_client(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    return fd;
}

/* What the client can read now (into out at *got). */
static void drain(int fd, size_t *got)
{
    for (;;) {
        ssize_t r = recv(fd, out + *got, sizeof(out) - *got, MSG_DONTWAIT);
        if (r <= 0) {
            CHECK(r == 0 || errno == EAGAIN || errno == EWOULDBLOCK);
            return;
        }
        *got += (size_t)r;
    }
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        CHECK(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > MAX_INPUT)
        return 0;
    setup();
    struct ctl_server *srv = h.srv;
    memset(&h, 0, offsetof(__typeof__(h), lines));
    h.srv = srv;
    h.lines_len = h.expect_len = 0;
    h.closed = false;
    h.mode = data[0];
    h.rng = 0x9e3779b97f4a7c15ull ^ data[1];
    size_t max_chunk = 1 + (size_t)(data[0] >> 2) * 33;
    const uint8_t *s = data + 2;
    size_t n = size - 2;

    size_t got = 0;
    int fd = connect_client();
    pump();
    CHECK(ctl_server_client_count(srv) == 1);
    for (size_t i = 0; i < n;) {
        size_t c = 1 + rnd() % max_chunk;
        if (c > n - i)
            c = n - i;
        send_all(fd, s + i, c);
        i += c;
        pump();
        if (h.deferred) {
            complete(h.client, false);
            pump();
        }
        drain(fd, &got);
    }
    CHECK(shutdown(fd, SHUT_WR) == 0);
    for (int k = 0; k < 1000 && !h.closed; k++) {
        pump();
        if (h.deferred)
            complete(h.client, false);
    }
    CHECK(h.closed && ctl_server_client_count(srv) == 0 && !ctl_server_has_pending(srv));

    for (;;) {
        ssize_t r = recv(fd, out + got, sizeof(out) - got, 0);
        CHECK(r >= 0);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    CHECK(got == h.expect_len && !memcmp(out, h.expect, got));
    check_events(s, n);
    return 0;
}
