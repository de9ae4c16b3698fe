/*
 * tbr-ctl: the agent's command-line client (ot-ctl's role).
 *
 *   tbr-ctl [-I IFNAME] [--socket PATH] [-t SECONDS] COMMAND [ARG...]
 *   tbr-ctl [-I IFNAME] [--socket PATH] [-t SECONDS]        (interactive)
 *
 * With a command, the arguments are joined by single spaces into one line,
 * sent to tbr-agent's control socket (/run/tbr/IFNAME.sock, IFNAME wpan0 by
 * default), and the output is copied to stdout up to and including the
 * result line "Done" or "Error N: Name".
 *
 * Without a command, lines are read from stdin until EOF and each is run the
 * same way, one after the other; a "> " prompt is shown when stdin is a
 * terminal. Blank lines are skipped.
 *
 * Exit status:
 *   0  the command (interactive: every command) ended with Done
 *   1  a command ended with "Error N: Name"
 *   2  cannot connect (the agent is not running)
 *   3  the agent closed the connection before the result line, or I/O error
 *   4  no result within the timeout (-t)
 *  64  usage error
 *
 * By default there is no timeout (ping and similar commands take as long as
 * they take); the client still ends cleanly when the agent goes away.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "platform/ctl_socket.h"

enum {
    EXIT_DONE = 0,
    EXIT_ERROR_RESULT = 1,
    EXIT_NOCONN = 2,
    EXIT_LOST = 3,
    EXIT_TIMEOUT = 4,
    EXIT_USAGE = 64,
};

struct conn {
    int fd;
    const char *path;
    long timeout_ms; /* < 0: none */
    char buf[4096];  /* received, not yet printed */
    size_t len;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: tbr-ctl [-I IFNAME] [--socket PATH] [-t SECONDS] [COMMAND [ARG...]]\n"
               "  -I, --interface IFNAME  the agent's Thread interface (default wpan0)\n"
               "      --socket PATH       control socket (default /run/tbr/IFNAME.sock)\n"
               "  -t, --timeout SECONDS   give up waiting for a result (default: wait)\n"
               "  -h, --help              this help\n"
               "Without COMMAND, commands are read from stdin, one per line.\n");
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* "Done" -> 0, "Error N: Name" -> 1, anything else -> -1. */
static int result_line(const char *l, size_t n)
{
    if (n == 4 && !memcmp(l, "Done", 4))
        return 0;
    if (n < 9 || memcmp(l, "Error ", 6) != 0)
        return -1;
    size_t i = 6;
    if (l[i] < '0' || l[i] > '9')
        return -1;
    while (i < n && l[i] >= '0' && l[i] <= '9')
        i++;
    if (i + 2 < n && l[i] == ':' && l[i + 1] == ' ')
        return 1;
    return -1;
}

static void print(const char *p, size_t n)
{
    fwrite(p, 1, n, stdout);
}

/*
 * Prints output lines until the result line. Returns EXIT_DONE,
 * EXIT_ERROR_RESULT, EXIT_LOST or EXIT_TIMEOUT.
 */
static int read_result(struct conn *c)
{
    long deadline = c->timeout_ms >= 0 ? now_ms() + c->timeout_ms : 0;
    for (;;) {
        /* complete lines first */
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len))) {
            size_t n = (size_t)(nl - c->buf);
            size_t ln = n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
            int r = result_line(c->buf, ln);
            print(c->buf, n + 1);
            memmove(c->buf, nl + 1, c->len - n - 1);
            c->len -= n + 1;
            if (r >= 0) {
                fflush(stdout);
                return r == 0 ? EXIT_DONE : EXIT_ERROR_RESULT;
            }
        }
        if (c->len == sizeof(c->buf)) {
            /* a very long line: pass it through in pieces */
            print(c->buf, c->len);
            c->len = 0;
        }
        fflush(stdout);

        int wait = -1;
        if (c->timeout_ms >= 0) {
            long left = deadline - now_ms();
            if (left <= 0) {
                fprintf(stderr, "tbr-ctl: no result from tbr-agent within %ld s\n",
                        (c->timeout_ms + 999) / 1000);
                return EXIT_TIMEOUT;
            }
            wait = left > INT_MAX ? INT_MAX : (int)left;
        }
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        int rc = poll(&p, 1, wait);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "tbr-ctl: poll: %s\n", strerror(errno));
            return EXIT_LOST;
        }
        if (rc == 0)
            continue; /* the deadline check above reports it */
        ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fprintf(stderr, "tbr-ctl: receive from %s: %s\n", c->path, strerror(errno));
            return EXIT_LOST;
        }
        if (r == 0) {
            if (c->len) {
                print(c->buf, c->len);
                fputc('\n', stdout);
                c->len = 0;
            }
            fflush(stdout);
            fprintf(stderr, "tbr-ctl: tbr-agent closed the connection before the command "
                            "completed\n");
            return EXIT_LOST;
        }
        c->len += (size_t)r;
    }
}

static int run_line(struct conn *c, const char *line, size_t n)
{
    if (send_all(c->fd, line, n) < 0 || send_all(c->fd, "\n", 1) < 0) {
        /* A busy agent answers "Error 5: Busy" and closes before reading:
         * show that answer rather than the broken pipe it caused. */
        int err = errno;
        if (err == EPIPE || err == ECONNRESET) {
            int rc = read_result(c);
            if (rc != EXIT_LOST)
                return rc;
        }
        fprintf(stderr, "tbr-ctl: send to %s: %s\n", c->path, strerror(err));
        return EXIT_LOST;
    }
    return read_result(c);
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

static int interactive(struct conn *c)
{
    bool tty = isatty(STDIN_FILENO);
    int status = EXIT_DONE;
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        if (tty) {
            fputs("> ", stdout);
            fflush(stdout);
        }
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0)
            break;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (blank(line, (size_t)n))
            continue;
        if ((size_t)n > CTL_LINE_MAX) {
            fprintf(stderr, "tbr-ctl: command too long (%zd bytes, at most %d); skipped\n", n,
                    CTL_LINE_MAX);
            status = EXIT_ERROR_RESULT;
            continue;
        }
        int r = run_line(c, line, (size_t)n);
        if (r == EXIT_ERROR_RESULT)
            status = EXIT_ERROR_RESULT;
        else if (r != EXIT_DONE) {
            status = r;
            break;
        }
    }
    if (tty && status != EXIT_LOST)
        fputc('\n', stdout);
    free(line);
    return status;
}

static int connect_agent(struct conn *c)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, c->path, strlen(c->path));
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        fprintf(stderr, "tbr-ctl: cannot connect to %s: is tbr-agent running? (%s)\n", c->path,
                strerror(errno));
        return -1;
    }
    return 0;
}

static bool parse_timeout(const char *s, long *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0 || v > 86400.0 * 365)
        return false;
    *ms = (long)(v * 1000.0 + 0.5);
    return true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"interface", required_argument, NULL, 'I'},
        {"socket", required_argument, NULL, 'S'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *ifname = "wpan0";
    const char *sockpath = NULL;
    long timeout_ms = -1;
    int o;

    /* '+': stop at the first command word, so "ping -c 3" style args pass through */
    while ((o = getopt_long(argc, argv, "+I:t:h", opts, NULL)) != -1) {
        switch (o) {
        case 'I':
            ifname = optarg;
            break;
        case 'S':
            sockpath = optarg;
            break;
        case 't':
            if (!parse_timeout(optarg, &timeout_ms)) {
                fprintf(stderr, "tbr-ctl: bad timeout '%s' (seconds, e.g. 5 or 0.5)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }

    char pathbuf[CTL_PATH_MAX];
    char err[CTL_ERR_MAX];
    if (!sockpath) {
        if (ctl_default_path(ifname, pathbuf, sizeof(pathbuf), err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-ctl: %s\n", err);
            return EXIT_USAGE;
        }
        sockpath = pathbuf;
    } else if (!*sockpath || strlen(sockpath) >= CTL_PATH_MAX) {
        fprintf(stderr, "tbr-ctl: socket path is empty or too long (at most %d bytes)\n",
                CTL_PATH_MAX - 1);
        return EXIT_USAGE;
    }

    /* join the command words */
    char line[CTL_LINE_MAX + 1];
    size_t n = 0;
    for (int i = optind; i < argc; i++) {
        size_t al = strlen(argv[i]);
        if (strpbrk(argv[i], "\r\n")) {
            fprintf(stderr, "tbr-ctl: argument %d holds a line break\n", i - optind + 1);
            return EXIT_USAGE;
        }
        if (n + (n ? 1 : 0) + al > CTL_LINE_MAX) {
            fprintf(stderr, "tbr-ctl: command too long (at most %d bytes)\n", CTL_LINE_MAX);
            return EXIT_USAGE;
        }
        if (n)
            line[n++] = ' ';
        memcpy(line + n, argv[i], al);
        n += al;
    }
    line[n] = '\0';
    bool have_cmd = optind < argc;
    if (have_cmd && blank(line, n)) {
        fprintf(stderr, "tbr-ctl: empty command\n");
        return EXIT_USAGE;
    }

    struct conn c = {.fd = -1, .path = sockpath, .timeout_ms = timeout_ms};
    if (connect_agent(&c) < 0)
        return EXIT_NOCONN;

    int status = have_cmd ? run_line(&c, line, n) : interactive(&c);
    close(c.fd);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tbr-ctl: write to stdout: %s\n", strerror(errno));
        if (status == EXIT_DONE)
            status = EXIT_LOST;
    }
    return status;
}
