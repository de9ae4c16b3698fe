#include "platform/ctl_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/textbuf.h"

#define CTL_IN_CAP (2 * CTL_LINE_MAX + 2)
#define CTL_LINES_PER_ROUND 64 /* per client per ctl_server_process() */
#define CTL_IFNAME_MAX 15      /* IFNAMSIZ - 1 */

struct ctl_client {
    uint32_t id;
    int fd; /* -1 once dead */
    pid_t pid;
    uid_t uid;
    bool busy;       /* a command awaits completion */
    bool dead;       /* to be reaped (CTL_EV_CLOSED not yet delivered) */
    bool rd_eof;     /* the peer shut down its sending side */
    bool discarding; /* inside an over-long line, dropping up to '\n' */
    size_t in_len;
    char in[CTL_IN_CAP];
    size_t out_off, out_len; /* pending bytes are out[out_off .. out_off+out_len) */
    char *out;               /* out_max bytes */
};

struct ctl_server {
    struct ctl_config cfg;
    char path[CTL_PATH_MAX];
    char ifname[CTL_IFNAME_MAX + 1];
    int lfd;
    int lock_fd;
    dev_t sock_dev;
    ino_t sock_ino;
    uint32_t next_id;
    unsigned nslots;
    bool closing;
    struct ctl_client **slots;
    uid_t self_uid;
    char group_name[32];
    struct ctl_counters ctr;
};

static void logf_(struct ctl_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void logf_(struct ctl_server *s, const char *fmt, ...)
{
    if (!s->cfg.log)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->cfg.log(s->cfg.ctx, msg);
}

/* ---- paths ------------------------------------------------------------------ */

int ctl_default_path(const char *ifname, char *buf, size_t buflen, char *err, size_t errlen)
{
    if (!ifname || !*ifname) {
        textbuf_setf(err, errlen, "empty interface name");
        return -1;
    }
    size_t n = strlen(ifname);
    if (n > CTL_IFNAME_MAX) {
        textbuf_setf(err, errlen, "interface name '%.32s' is too long (at most %d characters)",
                     ifname, CTL_IFNAME_MAX);
        return -1;
    }
    if (!strcmp(ifname, ".") || !strcmp(ifname, "..") || strpbrk(ifname, "/ \t\r\n\v\f:")) {
        textbuf_setf(err, errlen, "invalid interface name '%s'", ifname);
        return -1;
    }
    int w = snprintf(buf, buflen, "%s/%s.sock", CTL_DIR_DEFAULT, ifname);
    if (w < 0 || (size_t)w >= buflen) {
        textbuf_setf(err, errlen, "socket path buffer too small");
        return -1;
    }
    return 0;
}

/* Creates the parent directory of path (one level) with mode 0755. */
static int make_parent_dir(const char *path, char *err, size_t errlen)
{
    char dir[CTL_PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0; /* relative file in cwd, or a file in "/" */
    *slash = '\0';
    if (mkdir(dir, 0755) == 0) {
        /* umask may have narrowed it; clients of the group need to reach the socket */
        if (chmod(dir, 0755) < 0) {
            textbuf_setf(err, errlen, "chmod 0755 %s: %s", dir, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
            textbuf_setf(err, errlen, "%s exists and is not a directory", dir);
            return -1;
        }
        return 0;
    }
    textbuf_setf(err, errlen, "cannot create directory %s: %s%s", dir, strerror(errno),
                 errno == EACCES ? " (run as root, or pass another socket path)" : "");
    return -1;
}

/*
 * Is something accepting connections on the socket file at path?
 * 1: yes; 0: no (stale: connection refused); -1: could not tell (err set).
 */
static int socket_in_use(const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        textbuf_setf(err, errlen, "socket(AF_UNIX): %s", strerror(errno));
        return -1;
    }
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    int e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS)
        return 1; /* a listener (EAGAIN: its backlog is full, still alive) */
    if (e == ECONNREFUSED || e == ENOENT)
        return 0;
    textbuf_setf(err, errlen, "cannot test existing socket %s: %s", path, strerror(e));
    return -1;
}

static const char *who(const struct ctl_server *s)
{
    return s->ifname[0] ? s->ifname : "this socket";
}

static int open_listener(struct ctl_server *s, char *err, size_t errlen)
{
    const char *path = s->path;

    if (make_parent_dir(path, err, errlen) < 0)
        return -1;

    char lockpath[CTL_PATH_MAX + 8];
    snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
    s->lock_fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lock_fd < 0) {
        textbuf_setf(err, errlen, "cannot open lock file %s: %s", lockpath, strerror(errno));
        return -1;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            textbuf_setf(err, errlen, "another tbr-agent is running on %s (%s is in use)", who(s),
                         path);
        else
            textbuf_setf(err, errlen, "cannot lock %s: %s", lockpath, strerror(errno));
        return -1;
    }

    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            textbuf_setf(err, errlen, "%s exists and is not a socket; not removing it", path);
            return -1;
        }
        int used = socket_in_use(path, err, errlen);
        if (used < 0)
            return -1;
        if (used > 0) {
            textbuf_setf(err, errlen, "another tbr-agent is running on %s (%s is in use)", who(s),
                         path);
            return -1;
        }
        if (unlink(path) < 0 && errno != ENOENT) {
            textbuf_setf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
            return -1;
        }
        logf_(s, "ctl: removed stale socket %s (no agent was listening)", path);
    } else if (errno != ENOENT) {
        textbuf_setf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
        return -1;
    }

    s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0) {
        textbuf_setf(err, errlen, "socket(AF_UNIX): %s", strerror(errno));
        return -1;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path));
    /* Born 0660 at most: no moment where others could connect. */
    mode_t old_mask = umask(0117);
    int brc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
    int be = errno;
    umask(old_mask);
    if (brc < 0) {
        textbuf_setf(err, errlen, "cannot bind %s: %s%s", path, strerror(be),
                     be == EADDRINUSE ? " (another tbr-agent is starting?)" : "");
        return -1;
    }
    if (s->cfg.has_group && chown(path, (uid_t)-1, s->cfg.group) < 0) {
        textbuf_setf(err, errlen, "chown %s to group %s: %s", path, s->group_name, strerror(errno));
        unlink(path);
        return -1;
    }
    if (chmod(path, 0660) < 0 || lstat(path, &st) < 0) {
        textbuf_setf(err, errlen, "chmod 0660 %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    s->sock_dev = st.st_dev;
    s->sock_ino = st.st_ino;
    if (listen(s->lfd, 16) < 0) {
        textbuf_setf(err, errlen, "listen %s: %s", path, strerror(errno));
        unlink(path);
        s->sock_ino = 0;
        return -1;
    }
    return 0;
}

struct ctl_server *ctl_server_open(const struct ctl_config *cfg, char *err, size_t errlen)
{
    if (!cfg || !cfg->handler) {
        textbuf_setf(err, errlen, "ctl_server_open: no handler");
        errno = EINVAL;
        return NULL;
    }
    struct ctl_server *s = calloc(1, sizeof(*s));
    if (!s) {
        textbuf_setf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    s->lfd = -1;
    s->lock_fd = -1;
    s->next_id = 1;
    if (s->cfg.out_max == 0)
        s->cfg.out_max = CTL_OUT_MAX_DEFAULT;
    if (s->cfg.out_max < CTL_LINE_MAX + 64)
        s->cfg.out_max = CTL_LINE_MAX + 64;
    s->nslots = s->cfg.max_clients ? s->cfg.max_clients : CTL_CLIENTS_DEFAULT;
    if (cfg->ifname)
        snprintf(s->ifname, sizeof(s->ifname), "%s", cfg->ifname);
    s->cfg.ifname = s->ifname;
    s->self_uid = geteuid();
    if (cfg->group_name)
        snprintf(s->group_name, sizeof(s->group_name), "%s", cfg->group_name);
    else
        snprintf(s->group_name, sizeof(s->group_name), "%lu", (unsigned long)cfg->group);
    s->cfg.group_name = s->group_name;
    s->cfg.path = s->path;

    if (cfg->path) {
        if (!*cfg->path || strlen(cfg->path) >= CTL_PATH_MAX) {
            textbuf_setf(err, errlen,
                         "socket path '%.40s%s' is empty or too long (at most %d bytes)", cfg->path,
                         strlen(cfg->path) > 40 ? "..." : "", CTL_PATH_MAX - 1);
            goto fail;
        }
        snprintf(s->path, sizeof(s->path), "%s", cfg->path);
    } else if (ctl_default_path(cfg->ifname, s->path, sizeof(s->path), err, errlen) < 0) {
        goto fail;
    }
    s->slots = calloc(s->nslots, sizeof(*s->slots));
    if (!s->slots) {
        textbuf_setf(err, errlen, "out of memory");
        goto fail;
    }
    if (open_listener(s, err, errlen) < 0)
        goto fail;
    return s;

fail:
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->slots);
    free(s);
    return NULL;
}

const char *ctl_server_path(const struct ctl_server *srv)
{
    return srv->path;
}

/* ---- clients ---------------------------------------------------------------- */

static struct ctl_client *find(const struct ctl_server *s, uint32_t id)
{
    for (unsigned i = 0; i < s->nslots; i++)
        if (s->slots[i] && s->slots[i]->id == id)
            return s->slots[i];
    return NULL;
}

/* Closes the descriptor now; the handler hears CTL_EV_CLOSED at the next reap. */
static void kill_client(struct ctl_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->dead = true;
    c->busy = false;
    c->out_len = 0;
    c->in_len = 0;
}

/* Sends what is buffered. 0: all or part sent / would block; -1: client killed. */
static int flush(struct ctl_server *s, struct ctl_client *c)
{
    while (c->out_len > 0) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            c->out_off += (size_t)n;
            c->out_len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno != EPIPE && errno != ECONNRESET)
            logf_(s, "ctl: client %u: send: %s", (unsigned)c->id, strerror(errno));
        kill_client(c);
        return -1;
    }
    if (c->out_len == 0)
        c->out_off = 0;
    return 0;
}

int ctl_write(struct ctl_server *srv, uint32_t client, const char *data, size_t len)
{
    struct ctl_client *c = find(srv, client);
    if (!c || c->dead || srv->closing) {
        errno = ENOENT;
        return -1;
    }
    if (len == 0)
        return 0;
    if (c->out_len + len > srv->cfg.out_max) {
        if (flush(srv, c) < 0) {
            errno = ENOENT;
            return -1;
        }
        if (c->out_len + len > srv->cfg.out_max) {
            logf_(srv,
                  "ctl: client %u (pid %ld) dropped: it does not read its output (%zu bytes "
                  "pending, limit %zu)",
                  (unsigned)c->id, (long)c->pid, c->out_len + len, srv->cfg.out_max);
            kill_client(c);
            errno = ENOBUFS;
            return -1;
        }
    }
    if (c->out_off + c->out_len + len > srv->cfg.out_max) {
        memmove(c->out, c->out + c->out_off, c->out_len);
        c->out_off = 0;
    }
    memcpy(c->out + c->out_off + c->out_len, data, len);
    c->out_len += len;
    if (flush(srv, c) < 0) {
        errno = ENOENT;
        return -1;
    }
    return 0;
}

int ctl_vprintf(struct ctl_server *srv, uint32_t client, const char *fmt, va_list ap)
{
    char small[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        errno = EINVAL;
        return -1;
    }
    if ((size_t)n < sizeof(small))
        return ctl_write(srv, client, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        errno = ENOMEM;
        return -1;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    int rc = ctl_write(srv, client, big, (size_t)n);
    int e = errno;
    free(big);
    errno = e;
    return rc;
}

int ctl_printf(struct ctl_server *srv, uint32_t client, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ctl_vprintf(srv, client, fmt, ap);
    va_end(ap);
    return rc;
}

int ctl_complete(struct ctl_server *srv, uint32_t client)
{
    struct ctl_client *c = find(srv, client);
    if (!c || c->dead) {
        errno = ENOENT;
        return -1;
    }
    c->busy = false;
    return 0;
}

int ctl_done(struct ctl_server *srv, uint32_t client)
{
    int rc = ctl_write(srv, client, "Done\n", 5);
    if (rc == 0)
        ctl_complete(srv, client);
    return rc;
}

int ctl_error(struct ctl_server *srv, uint32_t client, int code, const char *name)
{
    int rc = ctl_printf(srv, client, "Error %d: %s\n", code, name ? name : "Failed");
    if (rc == 0)
        ctl_complete(srv, client);
    return rc;
}

bool ctl_client_busy(const struct ctl_server *srv, uint32_t client)
{
    const struct ctl_client *c = find(srv, client);
    return c && !c->dead && c->busy;
}

int ctl_client_peer(const struct ctl_server *srv, uint32_t client, pid_t *pid, uid_t *uid)
{
    const struct ctl_client *c = find(srv, client);
    if (!c || c->dead) {
        errno = ENOENT;
        return -1;
    }
    if (pid)
        *pid = c->pid;
    if (uid)
        *uid = c->uid;
    return 0;
}

const struct ctl_counters *ctl_server_counters(const struct ctl_server *srv)
{
    return &srv->ctr;
}

unsigned ctl_server_client_count(const struct ctl_server *srv)
{
    unsigned n = 0;
    for (unsigned i = 0; i < srv->nslots; i++)
        if (srv->slots[i] && !srv->slots[i]->dead)
            n++;
    return n;
}

/* ---- input framing ---------------------------------------------------------- */

static void consume(struct ctl_client *c, size_t n)
{
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

/*
 * Takes the next command out of the input buffer, if one is complete.
 * Returns true with *ev/line/len set, false when more input is needed.
 */
static bool next_command(struct ctl_client *c, enum ctl_event *ev, char *line, size_t *len)
{
    for (;;) {
        if (c->discarding) {
            char *nl = memchr(c->in, '\n', c->in_len);
            if (!nl) {
                c->in_len = 0;
                return false;
            }
            consume(c, (size_t)(nl - c->in) + 1);
            c->discarding = false;
        }
        if (c->in_len == 0)
            return false;
        char *nl = memchr(c->in, '\n', c->in_len);
        size_t n;
        size_t take;
        if (nl) {
            n = (size_t)(nl - c->in);
            take = n + 1;
        } else if (c->in_len > CTL_LINE_MAX + 1) {
            /* no newline within bounds: report now, drop the rest later */
            *ev = CTL_EV_TOO_LONG;
            *len = c->in_len;
            c->in_len = 0;
            c->discarding = true;
            return true;
        } else if (c->rd_eof) {
            n = c->in_len; /* final line without a newline */
            take = n;
        } else {
            return false;
        }
        if (n > 0 && c->in[n - 1] == '\r')
            n--;
        if (n > CTL_LINE_MAX) {
            *ev = CTL_EV_TOO_LONG;
            *len = n;
            consume(c, take);
            return true;
        }
        if (memchr(c->in, '\0', n)) {
            *ev = CTL_EV_BAD_LINE;
            *len = n;
            consume(c, take);
            return true;
        }
        if (blank(c->in, n)) {
            consume(c, take);
            continue;
        }
        memcpy(line, c->in, n);
        line[n] = '\0';
        *ev = CTL_EV_LINE;
        *len = n;
        consume(c, take);
        return true;
    }
}

static bool has_command(const struct ctl_client *c)
{
    if (c->dead || c->busy || c->in_len == 0)
        return false;
    return c->discarding || c->rd_eof || c->in_len > CTL_LINE_MAX + 1 ||
           memchr(c->in, '\n', c->in_len) != NULL;
}

static void dispatch(struct ctl_server *s, struct ctl_client *c)
{
    char line[CTL_LINE_MAX + 1];
    for (int round = 0; round < CTL_LINES_PER_ROUND && !c->dead && !c->busy; round++) {
        enum ctl_event ev;
        size_t len;
        if (!next_command(c, &ev, line, &len))
            break;
        c->busy = true;
        s->cfg.handler(s->cfg.ctx, s, c->id, ev, ev == CTL_EV_LINE ? line : NULL, len);
    }
    /* a half-closed client whose work is all done and delivered is finished */
    if (!c->dead && c->rd_eof && !c->busy && c->in_len == 0 && c->out_len == 0)
        kill_client(c);
}

static void read_client(struct ctl_server *s, struct ctl_client *c)
{
    while (!c->dead && !c->rd_eof && c->in_len < CTL_IN_CAP) {
        ssize_t n = recv(c->fd, c->in + c->in_len, CTL_IN_CAP - c->in_len, MSG_DONTWAIT);
        if (n > 0) {
            c->in_len += (size_t)n;
            if (c->discarding) {
                /* drop the over-long line's bytes at once, keep reading */
                char *nl = memchr(c->in, '\n', c->in_len);
                if (!nl) {
                    c->in_len = 0;
                } else {
                    consume(c, (size_t)(nl - c->in) + 1);
                    c->discarding = false;
                }
            }
            continue;
        }
        if (n == 0) {
            c->rd_eof = true;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            if (errno != ECONNRESET)
                logf_(s, "ctl: client %u: recv: %s", (unsigned)c->id, strerror(errno));
            kill_client(c);
        }
        break;
    }
}

/* ---- who may connect ----------------------------------------------------------- */

bool ctl_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups, uid_t self_uid,
                      bool has_group, gid_t group)
{
    if (uid == 0 || uid == self_uid)
        return true;
    if (!has_group)
        return false;
    if (gid == group)
        return true;
    for (size_t i = 0; i < n_groups; i++)
        if (groups[i] == group)
            return true;
    return false;
}

#define CTL_PEER_GROUPS 256

/* SO_PEERCRED, plus SO_PEERGROUPS (Linux 4.13) for the supplementary
 * groups; without it only the primary gid counts. pid/uid -1 when unknown. */
static bool peer_check(const struct ctl_server *s, int fd, pid_t *pid, uid_t *uid)
{
    struct ucred cr;
    socklen_t crlen = sizeof(cr);
    gid_t groups[CTL_PEER_GROUPS];
    size_t ng = 0;

    *pid = -1;
    *uid = (uid_t)-1;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) != 0)
        return false; /* no credentials: nobody to trust */
    *pid = cr.pid;
    *uid = cr.uid;
#ifdef SO_PEERGROUPS
    if (s->cfg.has_group && cr.uid != 0 && cr.uid != s->self_uid && cr.gid != s->cfg.group) {
        socklen_t glen = sizeof(groups);

        /* ERANGE (more than CTL_PEER_GROUPS groups): only the primary gid */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
            ng = glen / sizeof(gid_t);
    }
#endif
    return ctl_peer_allowed(cr.uid, cr.gid, groups, ng, s->self_uid, s->cfg.has_group,
                            s->cfg.group);
}

/* Tells a refused peer why (one line, then the result line) and closes it. */
static void refuse_peer(struct ctl_server *s, int fd, pid_t pid, uid_t uid)
{
    char msg[192];
    int n;

    if (s->cfg.has_group)
        n = snprintf(msg, sizeof(msg),
                     "permission denied: uid %ld is not root and not in group %s\n"
                     "Error 8: Security\n",
                     (long)uid, s->group_name);
    else
        n = snprintf(msg, sizeof(msg),
                     "permission denied: uid %ld is not root (tbr-agent --ctl-group "
                     "names a group that may connect)\nError 8: Security\n",
                     (long)uid);
    if (n > 0) {
        ssize_t w = send(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w;
    }
    close(fd);
    s->ctr.refused_peer++;
    logf_(s, "ctl: connection refused: pid %ld uid %ld is not root%s%s", (long)pid, (long)uid,
          s->cfg.has_group ? " and not in group " : "", s->cfg.has_group ? s->group_name : "");
}

static void accept_clients(struct ctl_server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                logf_(s, "ctl: accept on %s: %s", s->path, strerror(errno));
            return;
        }
        pid_t pid;
        uid_t uid;
        if (!peer_check(s, fd, &pid, &uid)) {
            refuse_peer(s, fd, pid, uid);
            continue;
        }
        unsigned slot = s->nslots;
        for (unsigned i = 0; i < s->nslots; i++) {
            if (!s->slots[i]) {
                slot = i;
                break;
            }
        }
        struct ctl_client *c = NULL;
        if (slot < s->nslots) {
            c = calloc(1, sizeof(*c));
            if (c)
                c->out = malloc(s->cfg.out_max);
            if (c && !c->out) {
                free(c);
                c = NULL;
            }
        }
        if (!c) {
            static const char busy[] = "Error 5: Busy\n";
            ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            (void)w;
            close(fd);
            s->ctr.refused_busy++;
            logf_(s, "ctl: connection refused: %s",
                  slot < s->nslots ? "out of memory" : "too many clients");
            continue;
        }
        c->fd = fd;
        c->id = s->next_id++;
        if (s->next_id == 0)
            s->next_id = 1;
        c->pid = pid;
        c->uid = uid;
        s->ctr.accepted++;
        s->slots[slot] = c;
    }
}

/* Delivers CTL_EV_CLOSED for dead clients and frees them. */
static void reap(struct ctl_server *s)
{
    bool again = true;
    while (again) {
        again = false;
        for (unsigned i = 0; i < s->nslots; i++) {
            struct ctl_client *c = s->slots[i];
            if (!c || !c->dead)
                continue;
            s->slots[i] = NULL;
            s->cfg.handler(s->cfg.ctx, s, c->id, CTL_EV_CLOSED, NULL, 0);
            free(c->out);
            free(c);
            again = true; /* the handler may have dropped others */
        }
    }
}

/* ---- poll integration --------------------------------------------------------- */

size_t ctl_server_pollfd_count(const struct ctl_server *srv)
{
    return 1 + srv->nslots;
}

size_t ctl_server_pollfds(const struct ctl_server *srv, struct pollfd *fds, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    fds[n].fd = srv->lfd;
    fds[n].events = POLLIN;
    fds[n].revents = 0;
    n++;
    for (unsigned i = 0; i < srv->nslots && n < cap; i++) {
        const struct ctl_client *c = srv->slots[i];
        if (!c || c->dead)
            continue;
        fds[n].fd = c->fd;
        fds[n].events = 0;
        if (!c->rd_eof && c->in_len < CTL_IN_CAP)
            fds[n].events |= POLLIN;
        if (c->out_len > 0)
            fds[n].events |= POLLOUT;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

bool ctl_server_has_pending(const struct ctl_server *srv)
{
    for (unsigned i = 0; i < srv->nslots; i++) {
        const struct ctl_client *c = srv->slots[i];
        if (!c)
            continue;
        if (c->dead || has_command(c))
            return true;
        if (c->rd_eof && !c->busy && c->in_len == 0 && c->out_len == 0)
            return true;
    }
    return false;
}

static struct ctl_client *find_fd(const struct ctl_server *s, int fd)
{
    for (unsigned i = 0; i < s->nslots; i++)
        if (s->slots[i] && !s->slots[i]->dead && s->slots[i]->fd == fd)
            return s->slots[i];
    return NULL;
}

void ctl_server_process(struct ctl_server *srv, const struct pollfd *fds, size_t n)
{
    bool accept_ready = false;

    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents || fds[i].fd < 0)
            continue;
        if (fds[i].fd == srv->lfd) {
            accept_ready = true;
            continue;
        }
        struct ctl_client *c = find_fd(srv, fds[i].fd);
        if (!c)
            continue;
        if (fds[i].revents & (POLLERR | POLLNVAL)) {
            kill_client(c);
            continue;
        }
        if (fds[i].revents & POLLHUP) {
            /* the peer is gone both ways: nobody will read the output */
            kill_client(c);
            continue;
        }
        if (fds[i].revents & POLLOUT)
            flush(srv, c);
        if (fds[i].revents & POLLIN)
            read_client(srv, c);
    }

    for (unsigned i = 0; i < srv->nslots; i++) {
        struct ctl_client *c = srv->slots[i];
        if (c && !c->dead)
            dispatch(srv, c);
    }

    /* after client events, so a reused descriptor number is never confused */
    if (accept_ready)
        accept_clients(srv);

    reap(srv);
}

void ctl_server_close(struct ctl_server *srv)
{
    if (!srv)
        return;
    for (unsigned i = 0; i < srv->nslots; i++)
        if (srv->slots[i])
            kill_client(srv->slots[i]);
    srv->closing = true;
    reap(srv);
    if (srv->lfd >= 0)
        close(srv->lfd);
    struct stat st;
    if (srv->sock_ino && lstat(srv->path, &st) == 0 && st.st_dev == srv->sock_dev &&
        st.st_ino == srv->sock_ino)
        unlink(srv->path);
    /* the lock file stays: removing it would let a third agent race a second */
    if (srv->lock_fd >= 0)
        close(srv->lock_fd);
    free(srv->slots);
    free(srv);
}
