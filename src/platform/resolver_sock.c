/*
 * Upstream resolver sockets on Linux; see resolver_sock.h.
 */
#include "platform/resolver_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/textbuf.h"

#define TCP_BUF (2 + 65535)
#define UDP_BUF 65536

struct resolver_sock_att {
    int fd;
    uint32_t txn;
    bool tcp;
    uint8_t addr[16];
    uint16_t port;
    uint8_t *wbuf; /* TCP: the framed query, sent once connected */
    size_t wlen, woff;
    uint8_t *rbuf; /* UDP: one datagram; TCP: the stream so far */
    size_t rhave;
};

void resolver_sock_init(struct resolver_sock *rs)
{
    memset(rs, 0, sizeof(*rs));
}

static void att_close(struct resolver_sock *rs, unsigned i)
{
    struct resolver_sock_att *t = rs->att[i];

    if (t == NULL)
        return;
    if (t->fd >= 0)
        close(t->fd);
    free(t->wbuf);
    free(t->rbuf);
    free(t);
    rs->att[i] = NULL;
}

void resolver_sock_free(struct resolver_sock *rs)
{
    for (unsigned i = 0; i < RESOLVER_SOCK_MAX; i++)
        att_close(rs, i);
}

static void linux_cancel(void *p, uint32_t txn)
{
    struct resolver_sock *rs = p;

    for (unsigned i = 0; i < RESOLVER_SOCK_MAX; i++)
        if (rs->att[i] != NULL && rs->att[i]->txn == txn)
            att_close(rs, i);
}

static int linux_send(void *p, uint32_t txn, bool tcp, const uint8_t addr[16], uint16_t port,
                      const uint8_t *msg, size_t len, char *err, size_t errlen)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    struct resolver_sock *rs = p;
    struct sockaddr_storage ss;
    struct resolver_sock_att *t;
    socklen_t sl;
    unsigned slot = RESOLVER_SOCK_MAX;
    int r;

    for (unsigned i = 0; i < RESOLVER_SOCK_MAX && slot == RESOLVER_SOCK_MAX; i++)
        if (rs->att[i] == NULL)
            slot = i;
    if (slot == RESOLVER_SOCK_MAX || len > 65535) {
        textbuf_setf(err, errlen, "no free socket slot");
        return -1;
    }
    memset(&ss, 0, sizeof(ss));
    if (memcmp(addr, v4mapped, 12) == 0) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, addr + 12, 4);
        sl = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, addr, 16);
        sl = sizeof(*sin6);
    }
    t = calloc(1, sizeof(*t));
    if (t == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    rs->att[slot] = t;
    t->txn = txn;
    t->tcp = tcp;
    memcpy(t->addr, addr, 16);
    t->port = port;
    t->fd =
        socket(ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t->fd < 0) {
        textbuf_setf(err, errlen, "socket: %s", strerror(errno));
        goto fail;
    }
    r = connect(t->fd, (struct sockaddr *)&ss, sl);
    if (r < 0 && !(tcp && errno == EINPROGRESS)) {
        textbuf_setf(err, errlen, "connect: %s", strerror(errno));
        goto fail;
    }
    t->rbuf = malloc(tcp ? TCP_BUF : UDP_BUF);
    if (t->rbuf == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        goto fail;
    }
    if (!tcp) {
        if (send(t->fd, msg, len, 0) < 0) {
            textbuf_setf(err, errlen, "send: %s", strerror(errno));
            goto fail;
        }
        return 0;
    }
    t->wbuf = malloc(len + 2);
    if (t->wbuf == NULL) {
        textbuf_setf(err, errlen, "out of memory");
        goto fail;
    }
    t->wbuf[0] = (uint8_t)(len >> 8);
    t->wbuf[1] = (uint8_t)len;
    memcpy(t->wbuf + 2, msg, len);
    t->wlen = len + 2;
    return 0;
fail:
    att_close(rs, slot);
    return -1;
}

const struct resolver_sock_ops resolver_sock_linux_ops = {linux_send, linux_cancel};

size_t resolver_sock_pollfds(const struct resolver_sock *rs, struct pollfd *pfd, size_t max)
{
    size_t n = 0;

    for (unsigned i = 0; i < RESOLVER_SOCK_MAX && n < max; i++) {
        const struct resolver_sock_att *t = rs->att[i];

        if (t == NULL)
            continue;
        pfd[n].fd = t->fd;
        pfd[n].events = (short)(POLLIN | (t->tcp && t->woff < t->wlen ? POLLOUT : 0));
        pfd[n].revents = 0;
        n++;
    }
    return n;
}

static bool transient(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* The attempt in slot i failed: closed, then reported. */
static void att_failed(struct resolver_sock *rs, unsigned i, int err, uint64_t now_ms,
                       resolver_sock_rx_cb cb, void *user)
{
    struct resolver_sock_att *t = rs->att[i];
    uint32_t txn = t->txn;
    uint8_t addr[16];
    uint16_t port = t->port;

    memcpy(addr, t->addr, 16);
    att_close(rs, i);
    cb(user, txn, NULL, 0, addr, port, err, now_ms);
}

/* TCP: the query out once connected, then the framed answer in. */
static void att_tcp_io(struct resolver_sock *rs, unsigned i, short revents, uint64_t now_ms,
                       resolver_sock_rx_cb cb, void *user)
{
    struct resolver_sock_att *t = rs->att[i];
    ssize_t r;

    if (t->woff < t->wlen && (revents & (POLLOUT | POLLERR | POLLHUP))) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);

        if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            att_failed(rs, i, soerr != 0 ? soerr : errno, now_ms, cb, user);
            return;
        }
        r = send(t->fd, t->wbuf + t->woff, t->wlen - t->woff, MSG_NOSIGNAL);
        if (r < 0) {
            if (!transient(errno) && errno != ENOTCONN)
                att_failed(rs, i, errno, now_ms, cb, user);
            return;
        }
        t->woff += (size_t)r;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        size_t mlen;

        if (t->rhave >= TCP_BUF) {
            att_failed(rs, i, EMSGSIZE, now_ms, cb, user);
            return;
        }
        r = recv(t->fd, t->rbuf + t->rhave, TCP_BUF - t->rhave, 0);
        if (r < 0) {
            if (!transient(errno) && errno != ENOTCONN)
                att_failed(rs, i, errno, now_ms, cb, user);
            return;
        }
        if (r == 0) {
            att_failed(rs, i, -1, now_ms, cb, user);
            return;
        }
        t->rhave += (size_t)r;
        if (t->rhave < 2)
            return;
        mlen = (size_t)t->rbuf[0] << 8 | t->rbuf[1];
        if (t->rhave < 2 + mlen)
            return;
        cb(user, t->txn, t->rbuf + 2, mlen, t->addr, t->port, 0, now_ms);
        /* cb may have cancelled the attempt */
        if (rs->att[i] == t) {
            memmove(t->rbuf, t->rbuf + 2 + mlen, t->rhave - 2 - mlen);
            t->rhave -= 2 + mlen;
        }
    }
}

void resolver_sock_io(struct resolver_sock *rs, const struct pollfd *pfd, size_t n, uint64_t now_ms,
                      resolver_sock_rx_cb cb, void *user)
{
    for (size_t k = 0; k < n; k++) {
        unsigned i;
        struct resolver_sock_att *t = NULL;

        if (pfd[k].revents == 0)
            continue;
        for (i = 0; i < RESOLVER_SOCK_MAX; i++)
            if (rs->att[i] != NULL && rs->att[i]->fd == pfd[k].fd) {
                t = rs->att[i];
                break;
            }
        if (t == NULL)
            continue;
        if (t->tcp) {
            att_tcp_io(rs, i, pfd[k].revents, now_ms, cb, user);
        } else {
            ssize_t r = recv(t->fd, t->rbuf, UDP_BUF, 0);

            if (r < 0) {
                if (!transient(errno))
                    att_failed(rs, i, errno, now_ms, cb, user);
                continue;
            }
            cb(user, t->txn, t->rbuf, (size_t)r, t->addr, t->port, 0, now_ms);
        }
    }
}
