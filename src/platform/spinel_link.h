/*
 * The byte stream to a radio co-processor (RCP): a serial device
 * (spinel+hdlc+uart://) or an RCP program started on a pseudo-terminal
 * (spinel+hdlc+forkpty://), as OpenThread's posix host opens them
 * (src/posix/platform/hdlc_interface.cpp). Bytes only: HDLC framing and
 * Spinel are the Spinel host's (radio/rcp.h); spinel_link_write() is its
 * stream write op.
 *
 *   spinel_link_init(&l, &url);
 *   spinel_link_open(&l) or report spinel_link_why(&l)
 *   loop: poll(spinel_link_fd(&l), POLLIN, min(.., spinel_link_timeout_ms(&l)))
 *         n = spinel_link_read(&l, buf, sizeof buf)
 *             n > 0: bytes; n == 0: the link is down (spinel_link_why);
 *             n < 0: nothing now
 *         spinel_link_tick(&l) < 0: the link is down (only with uart-reset)
 *   spinel_link_close(&l) (then open again: counters and the URL stay)
 *
 * UART: opened O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC and exclusive
 * (TIOCEXCL); raw 8 bits (cfmakeraw), CREAD|CLOCAL|HUPCL, the URL's rate,
 * parity, stop bits, CRTSCTS for uart-flow-control, DTR/RTS deasserted for
 * uart-init-deassert; the settings are read back, so a rate or mode the
 * device does not take is an open error, not a silent mismatch.
 * uart-reset (USB CDC ACM dongles, whose USB device goes away when the RCP
 * resets): as OpenThread's HdlcInterface::ResetConnection, after a Spinel
 * CMD_RESET is written the device is left alone for
 * SPINEL_LINK_UART_RESET_DELAY_MS, then closed and reopened, retried every
 * SPINEL_LINK_UART_REOPEN_STEP_MS for SPINEL_LINK_UART_REOPEN_MS. OpenThread
 * sleeps through this; here it runs from spinel_link_tick() and
 * spinel_link_fd() is -1 meanwhile, so the caller's loop goes on. The RCP's
 * reset notification therefore comes at least 2 s after the reset: the
 * Spinel host's response timeout must allow for it.
 *
 * forkpty: forkpty() with a raw 8-bit terminal; the child (its own session
 * and process group, stdio on the pty, the caller's environment, signals
 * back to default) execs PATH (execvp, as OpenThread) with the forkpty-arg
 * arguments. An exec failure comes back through a close-on-exec pipe as
 * the open error. When the program dies, the pty reads end (EOF or EIO) and
 * spinel_link_why() says how it ended ("ot-rcp exited (signal 9)").
 * spinel_link_close() sends SIGTERM to its process group, waits up to
 * SPINEL_LINK_TERM_WAIT_MS, then SIGKILL, and always reaps it.
 *
 * Writes wait for room at most SPINEL_LINK_WRITE_WAIT_MS in all, then fail
 * with ETIMEDOUT (OpenThread waits 2 s and then exits).
 *
 * No global state: a struct spinel_link per link, owned by the caller. The
 * process must not ignore SIGCHLD (the child is reaped with waitpid).
 */
#ifndef TBR_PLATFORM_SPINEL_LINK_H
#define TBR_PLATFORM_SPINEL_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "radio/radio_url.h"
#include "radio/rcp.h"

#define SPINEL_LINK_WRITE_WAIT_MS 200
#define SPINEL_LINK_TERM_WAIT_MS 500         /* SIGTERM to SIGKILL */
#define SPINEL_LINK_EXEC_WAIT_MS 5000        /* the child execs or reports why not */
#define SPINEL_LINK_UART_RESET_DELAY_MS 2000 /* OpenThread's kRemoveRcpDelay */
#define SPINEL_LINK_UART_REOPEN_MS 5000      /* OpenThread's kResetTimeout */
#define SPINEL_LINK_UART_REOPEN_STEP_MS 50   /* OpenThread's kOpenFileDelay */
#define SPINEL_LINK_WHY_MAX 320

/* Named counters; never reset (they survive close and open). */
struct spinel_link_counters {
    uint64_t opens;         /* successful opens (uart-reset reopens included) */
    uint64_t open_failures; /* failed opens */
    uint64_t reads;         /* reads that returned bytes */
    uint64_t read_bytes;
    uint64_t writes; /* spinel_link_write calls that wrote everything */
    uint64_t write_bytes;
    uint64_t write_timeouts; /* no room within SPINEL_LINK_WRITE_WAIT_MS */
    uint64_t write_errors;   /* write() failed (e.g. EIO) */
    uint64_t link_down;      /* read, write or tick found the link down */
    uint64_t child_exits;    /* the forkpty child ended on its own */
    uint64_t child_kills;    /* the child needed SIGKILL at close */
    uint64_t uart_resets;    /* uart-reset reopen cycles started */
};

/* Fields are private: use the functions. */
struct spinel_link {
    struct radio_url url;
    int fd;    /* -1 closed */
    pid_t pid; /* forkpty child, -1 none */
    bool down; /* read or tick reported the link down */
    /* uart-reset: 0 idle; else the monotonic ms of the next step */
    uint64_t reset_at_ms;
    uint64_t reset_deadline_ms; /* reopen attempts end */
    struct spinel_link_counters counters;
    char why[SPINEL_LINK_WHY_MAX];
};

/* Prepares l for url (uart or forkpty; copied), closed. */
void spinel_link_init(struct spinel_link *l, const struct radio_url *url);

/*
 * Opens the device or starts the program. On failure spinel_link_why()
 * names it and why, e.g. "spinel+hdlc+uart: /dev/ttyACM0: No such file or
 * directory", and nothing stays open or running.
 * @retval 0 open. @retval -1 failed (errno set).
 */
int spinel_link_open(struct spinel_link *l);

/* Closes the fd; a forkpty child is terminated and reaped. Idempotent.
 * spinel_link_why() keeps why the link went down. */
void spinel_link_close(struct spinel_link *l);

/* The fd to poll for POLLIN; -1 when closed or during a uart-reset. */
int spinel_link_fd(const struct spinel_link *l);

/*
 * Reads what is there, never blocks.
 * @return > 0 bytes read; 0 the link is down (end of file, EIO as a pty
 * gives when its program died, hang-up, the device gone: spinel_link_why()
 * says which; close it); -1 nothing to read now (errno EAGAIN; also when
 * closed or during a uart-reset). When a forkpty child's pty ends, waits up
 * to 100 ms for the child to finish dying, so that why names its status.
 */
ssize_t spinel_link_read(struct spinel_link *l, uint8_t *buf, size_t cap);

/*
 * Reads what the link has, at most burst reads of SPINEL_LINK_FEED_BUF
 * bytes (so a flood cannot starve the caller's loop), into the Spinel host
 * (rcp_input at now_ms).
 * @return 1 bytes were fed; 0 the link is down (as spinel_link_read; what
 * was read before is fed); -1 nothing to read.
 */
#define SPINEL_LINK_FEED_BUF 1024
int spinel_link_feed(struct spinel_link *l, struct rcp *r, unsigned burst, uint64_t now_ms);

/*
 * Writes all n bytes (the Spinel host's stream write op: link is a struct
 * spinel_link *), waiting for room at most SPINEL_LINK_WRITE_WAIT_MS.
 * @retval 0 written. @retval -1 errno ETIMEDOUT (no room in time), ENOTCONN
 * (closed, down or reopening) or the write error (then the link is down, as
 * after a read of 0); spinel_link_why() says so.
 */
int spinel_link_write(void *link, const uint8_t *p, size_t n);

/* Milliseconds until spinel_link_tick() has work (a uart-reset step);
 * -1 none. */
int spinel_link_timeout_ms(const struct spinel_link *l);

/*
 * Runs a due uart-reset step (close, reopen attempts).
 * @retval 0 nothing to do, in progress, or reopened. @retval -1 the device
 * did not come back in time: the link is down and closed (spinel_link_why).
 */
int spinel_link_tick(struct spinel_link *l);

/* Why the link is down or the last open failed, one line ("" when none). */
const char *spinel_link_why(const struct spinel_link *l);

const struct spinel_link_counters *spinel_link_counters(const struct spinel_link *l);

/* The forkpty child's pid (-1 none): for tests and logs. */
pid_t spinel_link_child(const struct spinel_link *l);

#endif
