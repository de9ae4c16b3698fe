/*
 * OpenThread simulation radio transport over loopback UDP multicast.
 * See sim_radio.h and thread-sim-interop.md 1.2-1.4.
 */
#include "platform/sim_radio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/rd.h"
#include "util/textbuf.h"

/* One datagram: channel byte + the largest PSDU. One more byte of room so a
 * longer (invalid) datagram is seen as too long rather than cut to fit. */
#define DGRAM_MAX (1 + RADIO_PSDU_MAX)

/* Parses a whole decimal string into [0, max]. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

int sim_radio_port_base_from_env(uint16_t *out, char *err, size_t errlen)
{
    unsigned long base = SIM_RADIO_PORT_BASE_DEFAULT, offset = 0;
    const char *s = getenv("PORT_BASE");
    if (s && *s && !parse_uint(s, 65535, &base)) {
        textbuf_setf(err, errlen, "sim_radio: PORT_BASE='%s' is not a port number", s);
        return -1;
    }
    s = getenv("PORT_OFFSET");
    if (s && *s && !parse_uint(s, 65535, &offset)) {
        textbuf_setf(err, errlen, "sim_radio: PORT_OFFSET='%s' is not a non-negative integer", s);
        return -1;
    }
    unsigned long pb = base + offset * SIM_RADIO_PORT_STRIDE;
    if (pb == 0 || pb + SIM_RADIO_MAX_NODES > 65535) {
        textbuf_setf(
            err, errlen,
            "sim_radio: PORT_BASE %lu + PORT_OFFSET %lu * %d = %lu leaves no room for node "
            "ports up to +%d (max 65535)",
            base, offset, SIM_RADIO_PORT_STRIDE, pb, SIM_RADIO_MAX_NODES);
        return -1;
    }
    *out = (uint16_t)pb;
    return 0;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -1;
    return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Records "what: strerror(errno)", closes the sockets and returns -1. */
static int open_fail(struct sim_radio *r, const char *what)
{
    int e = errno;
    textbuf_setf(r->err, sizeof(r->err), "sim_radio node %u: %s: %s", r->node_id, what,
                 strerror(e));
    sim_radio_close(r);
    errno = e;
    return -1;
}

int sim_radio_open(struct sim_radio *r, const struct sim_radio_config *cfg)
{
    memset(r, 0, sizeof(*r));
    r->tx_fd = -1;
    r->rx_fd = -1;
    r->node_id = cfg->node_id;

    if (cfg->node_id < 1 || cfg->node_id > SIM_RADIO_MAX_NODES) {
        textbuf_setf(r->err, sizeof(r->err), "sim_radio: node id %u out of range 1..%d",
                     cfg->node_id, SIM_RADIO_MAX_NODES);
        errno = EINVAL;
        return -1;
    }
    if (cfg->channel < RADIO_CHANNEL_MIN || cfg->channel > RADIO_CHANNEL_MAX) {
        textbuf_setf(r->err, sizeof(r->err), "sim_radio: channel %u out of range %d..%d",
                     cfg->channel, RADIO_CHANNEL_MIN, RADIO_CHANNEL_MAX);
        errno = EINVAL;
        return -1;
    }
    r->channel = cfg->channel;
    if (cfg->port_base) {
        if ((unsigned)cfg->port_base + SIM_RADIO_MAX_NODES > 65535) {
            textbuf_setf(r->err, sizeof(r->err), "sim_radio: port base %u too large",
                         cfg->port_base);
            errno = EINVAL;
            return -1;
        }
        r->port_base = cfg->port_base;
    } else if (sim_radio_port_base_from_env(&r->port_base, r->err, sizeof(r->err)) < 0) {
        errno = EINVAL;
        return -1;
    }

    struct in_addr local, group;
    inet_pton(AF_INET, SIM_RADIO_LOCAL, &local);
    inet_pton(AF_INET, SIM_RADIO_GROUP, &group);
    int one = 1;
    char what[96];

    /* RX socket: shared by every node on the port. */
    r->rx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (r->rx_fd < 0)
        return open_fail(r, "socket(rx)");
    if (setsockopt(r->rx_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
        return open_fail(r, "setsockopt(rx, SO_REUSEADDR)");
    if (setsockopt(r->rx_fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
        return open_fail(r, "setsockopt(rx, SO_REUSEPORT)");
    if (setsockopt(r->rx_fd, IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof(local)) < 0)
        return open_fail(r, "setsockopt(rx, IP_MULTICAST_IF 127.0.0.1)");
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof(mreq));
    mreq.imr_multiaddr = group;
    mreq.imr_address = local; /* selects the loopback interface */
    if (setsockopt(r->rx_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0)
        return open_fail(r, "setsockopt(rx, IP_ADD_MEMBERSHIP " SIM_RADIO_GROUP " on 127.0.0.1)");
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr = group;
    sa.sin_port = htons(r->port_base);
    if (bind(r->rx_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(what, sizeof(what), "bind(rx, %s:%u)", SIM_RADIO_GROUP, r->port_base);
        return open_fail(r, what);
    }
    if (set_nonblock(r->rx_fd) < 0)
        return open_fail(r, "fcntl(rx, O_NONBLOCK)");

    /* TX socket: our sender id is its port. */
    r->tx_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    if (r->tx_fd < 0)
        return open_fail(r, "socket(tx)");
    if (setsockopt(r->tx_fd, IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof(local)) < 0)
        return open_fail(r, "setsockopt(tx, IP_MULTICAST_IF 127.0.0.1)");
    if (setsockopt(r->tx_fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one)) < 0)
        return open_fail(r, "setsockopt(tx, IP_MULTICAST_LOOP)");
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr = local;
    sa.sin_port = htons((uint16_t)(r->port_base + r->node_id));
    if (bind(r->tx_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(what, sizeof(what), "bind(tx, %s:%u) (is node id %u already in use?)",
                 SIM_RADIO_LOCAL, r->port_base + r->node_id, r->node_id);
        return open_fail(r, what);
    }
    if (set_nonblock(r->tx_fd) < 0)
        return open_fail(r, "fcntl(tx, O_NONBLOCK)");

    r->err[0] = '\0';
    return 0;
}

void sim_radio_close(struct sim_radio *r)
{
    if (r->tx_fd >= 0)
        close(r->tx_fd);
    if (r->rx_fd >= 0)
        close(r->rx_fd);
    r->tx_fd = -1;
    r->rx_fd = -1;
}

int sim_radio_fd(const struct sim_radio *r)
{
    return r->rx_fd;
}

int sim_radio_transmit(struct sim_radio *r, const uint8_t *psdu, size_t len, uint8_t channel)
{
    if (len == 0 || len > RADIO_PSDU_MAX || channel < RADIO_CHANNEL_MIN ||
        channel > RADIO_CHANNEL_MAX) {
        r->counters.tx_bad_args++;
        textbuf_setf(r->err, sizeof(r->err), "sim_radio: transmit: bad frame (len %zu, channel %u)",
                     len, channel);
        errno = EINVAL;
        return -1;
    }
    uint8_t dgram[DGRAM_MAX];
    dgram[0] = channel;
    memcpy(dgram + 1, psdu, len);

    struct sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    inet_pton(AF_INET, SIM_RADIO_GROUP, &to.sin_addr);
    to.sin_port = htons(r->port_base);

    ssize_t n;
    do {
        n = sendto(r->tx_fd, dgram, len + 1, 0, (const struct sockaddr *)&to, sizeof(to));
    } while (n < 0 && errno == EINTR);
    if (n < 0 || (size_t)n != len + 1) {
        int e = n < 0 ? errno : EMSGSIZE;
        r->counters.tx_errors++;
        textbuf_setf(r->err, sizeof(r->err), "sim_radio node %u: sendto(%s:%u): %s", r->node_id,
                     SIM_RADIO_GROUP, r->port_base, strerror(e));
        errno = e;
        return -1;
    }
    r->counters.tx_frames++;
    return 0;
}

int sim_radio_set_channel(struct sim_radio *r, uint8_t channel)
{
    if (channel < RADIO_CHANNEL_MIN || channel > RADIO_CHANNEL_MAX) {
        textbuf_setf(r->err, sizeof(r->err), "sim_radio: channel %u out of range %d..%d", channel,
                     RADIO_CHANNEL_MIN, RADIO_CHANNEL_MAX);
        errno = EINVAL;
        return -1;
    }
    r->channel = channel;
    return 0;
}

void sim_radio_set_loss(struct sim_radio *r, double rate, uint64_t seed)
{
    r->loss_rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
    r->rng_state = seed;
}

/* splitmix64: a small, well-mixed deterministic PRNG (test loss only). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool lose(struct sim_radio *r)
{
    if (r->loss_rate <= 0)
        return false;
    if (r->loss_rate >= 1)
        return true;
    /* 53 random bits as a double in [0, 1). */
    double u = (double)(rng_next(&r->rng_state) >> 11) * (1.0 / 9007199254740992.0);
    return u < r->loss_rate;
}

int sim_radio_receive(struct sim_radio *r, uint64_t now_ms, radio_rx_cb cb, void *user)
{
    int count = 0;
    while (count < SIM_RADIO_RX_BURST) {
        uint8_t dgram[DGRAM_MAX + 1];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        memset(&from, 0, sizeof(from));
        ssize_t n =
            recvfrom(r->rx_fd, dgram, sizeof(dgram), MSG_TRUNC, (struct sockaddr *)&from, &fromlen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            r->counters.rx_errors++;
            textbuf_setf(r->err, sizeof(r->err), "sim_radio node %u: recvfrom: %s", r->node_id,
                         strerror(errno));
            return -1;
        }
        count++;

        /* Sender id = source port - portBase, as OpenThread computes it. Like
         * OpenThread, a datagram from a port outside the node range (a test
         * tool, say) is still accepted; only our own is ignored. */
        unsigned port = ntohs(from.sin_port);
        if (port == (unsigned)r->port_base + r->node_id) {
            r->counters.rx_own++;
            continue;
        }
        if (port <= r->port_base || port > (unsigned)r->port_base + SIM_RADIO_MAX_NODES)
            r->counters.rx_other_port++;
        /* MSG_TRUNC: n is the real datagram length even if it did not fit. */
        if (n < 2 || (size_t)n > DGRAM_MAX) {
            r->counters.rx_bad_len++;
            continue;
        }
        struct rd rd = rd_init(dgram, (size_t)n);
        uint8_t channel;
        if (!rd_u8(&rd, &channel)) {
            r->counters.rx_bad_len++;
            continue;
        }
        if (channel != r->channel) {
            r->counters.rx_channel++;
            continue;
        }
        if (lose(r)) {
            r->counters.rx_loss++;
            continue;
        }
        struct radio_rx_frame f = {
            .psdu = rd.p,
            .len = rd.left,
            .channel = channel,
            .rssi = SIM_RADIO_RSSI,
            .timestamp_ms = now_ms,
        };
        r->counters.rx_frames++;
        if (cb)
            cb(user, &f);
    }
    return count;
}

/* ---- struct radio_ops adapter --------------------------------------------- */

static int ops_transmit(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    return sim_radio_transmit(radio, psdu, len, channel);
}

static int ops_set_channel(void *radio, uint8_t channel)
{
    return sim_radio_set_channel(radio, channel);
}

static const char *ops_last_error(void *radio)
{
    return ((struct sim_radio *)radio)->err;
}

const struct radio_ops sim_radio_ops = {
    .caps = 0,
    .transmit = ops_transmit,
    .set_channel = ops_set_channel,
    .set_pan_id = NULL,
    .set_short_addr = NULL,
    .set_ext_addr = NULL,
    .last_error = ops_last_error,
};
