/*
 * libFuzzer harness for the simulation radio's receive path
 * (platform/sim_radio.c): datagrams of any length and content, from our own
 * port, other node ports and a port outside the node range, really sent to
 * the multicast group on loopback and read back by sim_radio_receive (its
 * recvfrom with MSG_TRUNC, the sender and length checks, the channel byte,
 * the simulated loss, the burst bound).
 *
 * Input: [channel][loss] then datagrams [from][len][bytes] (len 255: the
 * rest of the input, cut to 1500 bytes), at most 100 of them.
 *   channel  the receive channel: 11 + (channel & 15);
 *   loss     the simulated loss rate loss/255 (0: none), its seed loss;
 *   from     bits 0-1: the sender: node 2, node 33, a port outside the
 *            node range, or our own transmit socket (node 1); bit 2: the
 *            first byte is replaced by the receive channel.
 *
 * Checked invariants (abort on violation), besides ASan/UBSan:
 *   - every datagram is read once and counted under exactly one reason:
 *     own, bad length (under 2 or over 128 bytes, seen whole with
 *     MSG_TRUNC), wrong channel, simulated loss, or delivered; one from
 *     outside the node range is also counted as rx_other_port;
 *   - what is delivered is, in order, the PSDU of each datagram that passed
 *     (datagram minus its channel byte), on the receive channel, with the
 *     simulation's RSSI and the time given; with no loss all of them, with
 *     loss 255 none;
 *   - one receive call reads at most SIM_RADIO_RX_BURST datagrams.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/sim_radio.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DGRAMS 100
#define DGRAM_CAP 1500 /* longer datagrams are cut to this */
#define NOW_MS 123456

static struct sim_radio radio;
static int senders[3] = {-1, -1, -1}; /* node 2, node 33, outside the range */
static bool ready;

struct dgram {
    const uint8_t *p;
    size_t len;
};

static struct {
    struct dgram want[MAX_DGRAMS]; /* the datagrams that pass the checks */
    unsigned n_want, next;
    unsigned delivered;
} rx;

static int sender(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    CHECK(fd >= 0);
    struct in_addr local;
    inet_pton(AF_INET, SIM_RADIO_LOCAL, &local);
    CHECK(setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof(local)) == 0);
    int one = 1;
    CHECK(setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one)) == 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = local, .sin_port = htons(port)};
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    return fd;
}

static void setup(void)
{
    if (ready)
        return;
    /* Our own port range, away from the simulations' 9000 + 34 * offset. */
    uint16_t base = (uint16_t)(30000 + (unsigned)getpid() % 900 * SIM_RADIO_PORT_STRIDE);
    struct sim_radio_config cfg = {.node_id = 1, .channel = 15, .port_base = base};
    CHECK(sim_radio_open(&radio, &cfg) == 0);
    senders[0] = sender((uint16_t)(base + 2));
    senders[1] = sender((uint16_t)(base + SIM_RADIO_MAX_NODES));
    senders[2] = sender((uint16_t)(base + SIM_RADIO_MAX_NODES + 1)); /* outside the range */
    ready = true;
}

static void on_frame(void *user, const struct radio_rx_frame *f)
{
    (void)user;
    CHECK(f->channel == radio.channel && f->rssi == SIM_RADIO_RSSI && f->timestamp_ms == NOW_MS);
    CHECK(f->len >= 1 && f->len <= RADIO_PSDU_MAX);
    /* the next datagram that passed, skipping those the loss dropped */
    while (rx.next < rx.n_want) {
        const struct dgram *d = &rx.want[rx.next++];
        if (d->len - 1 == f->len && !memcmp(d->p + 1, f->psdu, f->len)) {
            rx.delivered++;
            return;
        }
        CHECK(radio.loss_rate > 0); /* without loss nothing is skipped */
    }
    CHECK(0); /* a frame nobody sent */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t bufs[MAX_DGRAMS][DGRAM_CAP];
    if (size < 2)
        return 0;
    setup();
    CHECK(sim_radio_set_channel(&radio, (uint8_t)(11 + (data[0] & 15))) == 0);
    sim_radio_set_loss(&radio, data[1] / 255.0, data[1]);
    struct sim_radio_counters c0 = radio.counters;
    memset(&rx, 0, sizeof(rx));

    unsigned sent = 0, own = 0, bad_len = 0, channel = 0, other = 0;
    for (size_t i = 2; i + 2 <= size && sent < MAX_DGRAMS;) {
        uint8_t from = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len == 255 || len > size - i)
            len = size - i;
        uint8_t *b = bufs[sent];
        size_t take = len;
        i += len;
        if (len > DGRAM_CAP)
            len = DGRAM_CAP;
        memcpy(b, data + i - take, len);
        if ((from & 4) && len)
            b[0] = radio.channel;
        int fd = (from & 3) == 3 ? radio.tx_fd : senders[from & 3];
        struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(radio.port_base)};
        inet_pton(AF_INET, SIM_RADIO_GROUP, &to.sin_addr);
        CHECK(sendto(fd, b, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len);
        sent++;
        /* what the receiver must make of it */
        if ((from & 3) == 3) {
            own++;
            continue;
        }
        other += (from & 3) == 2;
        if (len < 2 || len > 1 + RADIO_PSDU_MAX)
            bad_len++;
        else if (b[0] != radio.channel)
            channel++;
        else
            rx.want[rx.n_want++] = (struct dgram){b, len};
    }

    /* Read them all back (loopback delivers at once; wait a little anyway). */
    unsigned got = 0;
    for (int tries = 0; got < sent && tries < 200;) {
        int r = sim_radio_receive(&radio, NOW_MS, on_frame, NULL);
        CHECK(r >= 0 && r <= SIM_RADIO_RX_BURST);
        got += (unsigned)r;
        if (r == 0) {
            struct pollfd p = {.fd = sim_radio_fd(&radio), .events = POLLIN};
            poll(&p, 1, 10);
            tries++;
        }
    }
    CHECK(got == sent);

    const struct sim_radio_counters *c = &radio.counters;
    CHECK(c->rx_own - c0.rx_own == own && c->rx_bad_len - c0.rx_bad_len == bad_len);
    CHECK(c->rx_channel - c0.rx_channel == channel);
    CHECK(c->rx_other_port - c0.rx_other_port == other);
    CHECK(c->rx_errors == c0.rx_errors);
    uint64_t frames = c->rx_frames - c0.rx_frames, lost = c->rx_loss - c0.rx_loss;
    CHECK(frames == rx.delivered && frames + lost == rx.n_want);
    if (data[1] == 0)
        CHECK(lost == 0);
    if (data[1] == 255)
        CHECK(frames == 0);
    return 0;
}
