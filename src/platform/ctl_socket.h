/*
 * The agent's control socket: plain CLI text lines over a Unix stream
 * socket, the way ot-ctl talks to otbr-agent.
 *
 * Protocol (both directions are text; nothing else is framed):
 *
 *   client -> agent  one command per line, terminated by '\n' (a '\r' before
 *                    it is dropped). Blank lines are ignored.
 *   agent -> client  the command's output lines, ending with exactly one line
 *                    "Done" or "Error N: Name" (OpenThread's CLI result
 *                    line). The handler decides which, with ctl_done() /
 *                    ctl_error(); ctl_complete() marks the end without
 *                    writing a result line, for a handler that wrote it
 *                    itself.
 *
 * Commands of one client run one at a time: after a line is handed to the
 * handler the client is "busy" until the handler completes it, which may
 * happen inside the handler call or any time later (async commands such as
 * ping complete from a timer). Lines the client sends meanwhile stay queued
 * in its input buffer (reading stops when that is full), so the outputs of
 * two commands never interleave. Different clients are independent.
 *
 * Bounds and hostile input:
 *   - A line longer than CTL_LINE_MAX bytes (newline excluded) is not
 *     delivered: the handler gets CTL_EV_TOO_LONG instead (as a command: it
 *     must complete it, typically with ctl_error(7, "InvalidArgs")) and the
 *     rest of that line is discarded up to the next newline.
 *   - A line holding a NUL byte is delivered as CTL_EV_BAD_LINE (also a
 *     command to complete). Other bytes, binary included, are passed as they
 *     are in a NUL-terminated CTL_EV_LINE; the handler's parser judges them.
 *   - Output is buffered per client up to cfg.out_max bytes. The socket layer
 *     never blocks: what the peer does not take stays buffered and is sent
 *     when the socket is writable. A write that would exceed the bound drops
 *     the client (logged with its pid), so a client that stops reading
 *     cannot stall the agent or grow its memory.
 *   - At most cfg.max_clients connections; one more gets "Error 5: Busy"
 *     and is closed.
 *   - Who may talk (SO_PEERCRED at accept, issue 11): root, the server's
 *     own effective uid (it can already signal or ptrace the agent), and,
 *     when cfg.has_group, members of cfg.group (the peer's primary gid or
 *     one of its supplementary groups, SO_PEERGROUPS). Anyone else gets
 *     one line saying why and "Error 8: Security" (OpenThread's
 *     OT_ERROR_SECURITY), is closed, logged and counted (refused_peer).
 *     The file mode alone is not trusted: it may have been changed, or the
 *     socket reached through a descriptor passed on.
 *
 * Client ids are never reused within one server (32-bit counter), so an
 * async completion for a client that has gone is harmlessly refused
 * (ctl_write() returns -1 with errno ENOENT).
 *
 * Start-up: the socket's directory is created with mode 0755 when missing,
 * the socket gets mode 0660: it is bound under umask 0117, so it never
 * exists with a wider mode, then chmod()ed (and chown()ed to cfg.group
 * when has_group) before listen(). "<path>.lock" is flock()ed for the server's
 * lifetime, so two agents on one interface exclude each other even when
 * they start together. A socket file left by a killed agent is replaced only
 * when nothing accepts connections on it (connect() is refused); if
 * something does, or the lock is held, ctl_server_open() fails with
 * "another tbr-agent is running on IFNAME (PATH is in use)". A path that
 * exists and is not a socket is never removed.
 *
 * Poll integration: ctl_server_pollfds() fills the descriptors to wait on,
 * ctl_server_process() handles what poll() returned. Handler calls
 * (CTL_EV_CLOSED included) happen only inside ctl_server_process() and
 * ctl_server_close(), never inside ctl_write() & co., so the handler may
 * write to any client at any time. When ctl_server_has_pending() is true
 * the next poll() should use a zero timeout (queued lines of a client whose
 * command completed outside ctl_server_process(), clients to reap).
 *
 * No global state; not thread-safe (one poll loop). SIGPIPE is never raised
 * (MSG_NOSIGNAL).
 */
#ifndef TBR_PLATFORM_CTL_SOCKET_H
#define TBR_PLATFORM_CTL_SOCKET_H

#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CTL_LINE_MAX 1024         /* longest command line, newline excluded */
#define CTL_OUT_MAX_DEFAULT 65536 /* per-client output bound */
#define CTL_CLIENTS_DEFAULT 16
#define CTL_DIR_DEFAULT "/run/tbr"
#define CTL_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path), NUL included */
#define CTL_ERR_MAX 256  /* enough for any error text this module writes */

struct ctl_server;

enum ctl_event {
    CTL_EV_LINE,     /* line: the command text, NUL-terminated, len = strlen */
    CTL_EV_TOO_LONG, /* line: NULL; len: bytes seen so far (> CTL_LINE_MAX) */
    CTL_EV_BAD_LINE, /* line: NULL; len: the line's length (it held a NUL) */
    CTL_EV_CLOSED,   /* the client is gone; line NULL. Its id is dead now. */
};

/*
 * Called for each command (CTL_EV_LINE, _TOO_LONG, _BAD_LINE: the client is
 * busy until ctl_done/ctl_error/ctl_complete) and once when a client goes
 * (CTL_EV_CLOSED: drop any async work for it; writing to it fails).
 */
typedef void (*ctl_handler_fn)(void *ctx, struct ctl_server *srv, uint32_t client,
                               enum ctl_event ev, const char *line, size_t len);

/* One log line (no trailing newline), e.g. "ctl: client 3 (pid 42) dropped: ...". */
typedef void (*ctl_log_fn)(void *ctx, const char *msg);

struct ctl_config {
    const char *ifname;     /* for the default path and messages; e.g. "wpan0" */
    const char *path;       /* socket path; NULL: CTL_DIR_DEFAULT "/IFNAME.sock" */
    size_t out_max;         /* 0: CTL_OUT_MAX_DEFAULT (at least CTL_LINE_MAX + 64) */
    unsigned max_clients;   /* 0: CTL_CLIENTS_DEFAULT */
    ctl_handler_fn handler; /* required */
    ctl_log_fn log;         /* NULL: messages are dropped */
    void *ctx;              /* passed to handler and log */
    bool has_group;         /* members of group may connect (see above) */
    gid_t group;
    const char *group_name; /* for messages; NULL: the number */
};

/* Connections, as counted since ctl_server_open(). */
struct ctl_counters {
    uint64_t accepted;
    uint64_t refused_peer; /* not root, not us, not in the group */
    uint64_t refused_busy; /* max_clients reached, or out of memory */
};

/*
 * The access rule above, pure: may a peer with uid, primary gid and
 * supplementary groups[0..n_groups) talk to a server running as self_uid?
 */
bool ctl_peer_allowed(uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups, uid_t self_uid,
                      bool has_group, gid_t group);

/*
 * "/run/tbr/IFNAME.sock" into buf. 0, or -1 with err set when the name is
 * empty, too long (IFNAMSIZ), "."/"..", or holds '/' or whitespace.
 * Shared with tbr-ctl.
 */
int ctl_default_path(const char *ifname, char *buf, size_t buflen, char *err, size_t errlen);

/*
 * Creates the directory (0755, one level) if missing, takes the lock,
 * replaces a stale socket, binds, sets mode 0660, listens (non-blocking,
 * close-on-exec). Returns the server, or NULL with one line in err (errno
 * text included; may be NULL).
 */
struct ctl_server *ctl_server_open(const struct ctl_config *cfg, char *err, size_t errlen);

/* Delivers CTL_EV_CLOSED for every client still connected, closes all
 * descriptors, removes the socket file if it is still ours. NULL is a no-op. */
void ctl_server_close(struct ctl_server *srv);

const char *ctl_server_path(const struct ctl_server *srv);

/* Number of pollfd entries ctl_server_pollfds() may fill: 1 + max_clients. */
size_t ctl_server_pollfd_count(const struct ctl_server *srv);

/*
 * Fills fds[0..n) (n <= cap) with the listening socket and the clients, with
 * the events to wait for. Returns n. Entries need not be contiguous in the
 * caller's array with other descriptors; pass the same slice back.
 */
size_t ctl_server_pollfds(const struct ctl_server *srv, struct pollfd *fds, size_t cap);

/*
 * Handles fds[0..n) as returned by poll() after ctl_server_pollfds(): accepts,
 * reads, dispatches lines, flushes output, reaps closed clients. fds may be
 * NULL (n = 0) to only run queued work. Never blocks.
 */
void ctl_server_process(struct ctl_server *srv, const struct pollfd *fds, size_t n);

/* True when ctl_server_process() has work without waiting for poll(). */
bool ctl_server_has_pending(const struct ctl_server *srv);

/*
 * Queues output for a client and tries to send it at once. 0 on success; -1
 * with errno ENOENT (no such client, or it is closing), or ENOBUFS (the
 * output bound was hit: the client is dropped, logged, and gets
 * CTL_EV_CLOSED from the next ctl_server_process()).
 */
int ctl_write(struct ctl_server *srv, uint32_t client, const char *data, size_t len);
int ctl_printf(struct ctl_server *srv, uint32_t client, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ctl_vprintf(struct ctl_server *srv, uint32_t client, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Writes "Done\n" and completes the client's command. */
int ctl_done(struct ctl_server *srv, uint32_t client);
/* Writes "Error CODE: NAME\n" and completes the client's command. */
int ctl_error(struct ctl_server *srv, uint32_t client, int code, const char *name);
/* Completes the client's command without writing (the handler wrote the
 * result line). -1/ENOENT for an unknown client; a client not busy is a
 * no-op returning 0. */
int ctl_complete(struct ctl_server *srv, uint32_t client);

/* True while a command of that client awaits completion. */
bool ctl_client_busy(const struct ctl_server *srv, uint32_t client);
/* The peer's pid and uid (SO_PEERCRED at accept). 0, or -1/ENOENT. */
int ctl_client_peer(const struct ctl_server *srv, uint32_t client, pid_t *pid, uid_t *uid);
/* Number of connected clients (closing ones excluded). */
unsigned ctl_server_client_count(const struct ctl_server *srv);
/* The server's connection counters; valid while the server is. */
const struct ctl_counters *ctl_server_counters(const struct ctl_server *srv);

#endif
