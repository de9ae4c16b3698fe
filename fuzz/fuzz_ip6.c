/*
 * libFuzzer harness for the IPv6 node layer (ip6/ip6.c, ip6_input).
 *
 * Input: [config byte] then records [len_lo][len_hi][dt][len bytes]...
 *   config bit 0: the node is a router (ff02::2 / ff03::2, leader ALOC);
 *   bit 1: frames arrive with link security;  bit 2: a ping is running;
 *   bit 3: a NAT64 prefix is set;  bit 4: packets come from the host side;
 *   bit 5: fix-up mode: each record's first byte picks the destination
 *   (one of the node's addresses or groups) and the ICMPv6/UDP checksum is
 *   made valid, so that the deep paths (echo, sockets, ping) are reached.
 * Time advances by dt * 8 ms per record; the ping timer is polled.
 *
 * Checked invariants (abort on violation):
 *   - the verdict is one of the three; a drop is named and counted once;
 *   - offsets in the info stay inside the packet;
 *   - every packet handed to ops->send fits IP6_MTU, says version 6, has a
 *     payload length that matches, a unicast non-zero source, and a valid
 *     ICMPv6/UDP checksum (checked here with util/csum, not with ip6.c);
 *   - the drop counters add up to rx_dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ip6/ip6.h"
#include "util/csum.h"
#include "util/rd.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t ext[8] = {0x6e, 0x75, 0xc9, 0x27, 0xad, 0xe0, 0x05, 0x3a};
static const uint8_t ml[8] = {0xfd, 0x00, 0x0d, 0xb8, 0xaa, 0xaa, 0xbb, 0xbb};
static const uint8_t iid[8] = {0x47, 0x3c, 0x14, 0x18, 0x04, 0x03, 0x9e, 0x6f};
static const uint8_t slaac[8] = {0xfd, 0x11, 0x00, 0x22};
static const uint8_t nat64[16] = {0x00, 0x64, 0xff, 0x9b};

static void check_sent(void *ctx, const uint8_t *p, size_t len)
{
    (void)ctx;
    CHECK(len >= IP6_HDR_LEN + 4 && len <= IP6_MTU);
    CHECK((p[0] >> 4) == 6);
    CHECK((size_t)be16_get(p + 4) + IP6_HDR_LEN == len);
    CHECK(p[8] != 0xff);
    static const uint8_t zero[16];
    CHECK(memcmp(p + 8, zero, 16) != 0);
    CHECK(p[6] == IP6_PROTO_ICMP6 || p[6] == IP6_PROTO_UDP);
    uint32_t s = csum_pseudo6(p + 8, p + 24, p[6], (uint32_t)(len - IP6_HDR_LEN));
    CHECK(csum_fold(csum_add(s, p + IP6_HDR_LEN, len - IP6_HDR_LEN)) == 0xffff);
}

static const struct ip6_ops ops = {check_sent};

static void udp_rx(void *ctx, const struct ip6_udp_rx *rx)
{
    (void)ctx;
    CHECK(rx->len <= IP6_MTU);
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < rx->len; i++)
        sink ^= rx->payload[i];
    (void)sink;
}

static void ping_reply(void *ctx, const struct ip6_ping_reply *r)
{
    (void)ctx;
    CHECK(r->size <= IP6_MTU);
}

static void ping_done(void *ctx, const struct ip6_ping_stats *s)
{
    (void)ctx;
    CHECK(s->sent <= 1000);
}

/* Destination picked in fix-up mode. */
static void pick_dst(const struct ip6 *ip, uint8_t sel, uint8_t out[16])
{
    static const uint8_t groups[4][2] = {{0x02, 0x01}, {0x03, 0x01}, {0x03, 0xfc}, {0x02, 0x02}};
    unsigned n = ip6_addr_count(ip);
    if (sel < 0x80 && n) {
        memcpy(out, ip6_addr_at(ip, sel % n)->addr, 16);
        return;
    }
    memset(out, 0, 16);
    out[0] = 0xff;
    out[1] = groups[sel & 3][0];
    out[15] = groups[sel & 3][1];
}

/* Makes the ICMPv6 / UDP checksum right when it follows the fixed header
 * directly or after one Hop-by-Hop header. */
static void fix_csum(uint8_t *p, size_t len)
{
    if (len < IP6_HDR_LEN)
        return;
    size_t end = IP6_HDR_LEN + be16_get(p + 4), off = IP6_HDR_LEN;
    if (end > len)
        return;
    uint8_t nh = p[6];
    if (nh == IP6_PROTO_HOPOPTS) {
        if (end - off < 8)
            return;
        size_t hl = ((size_t)p[off + 1] + 1) * 8;
        if (end - off < hl)
            return;
        nh = p[off];
        off += hl;
    }
    size_t co;
    if (nh == IP6_PROTO_ICMP6 && end - off >= 4)
        co = off + 2;
    else if (nh == IP6_PROTO_UDP && end - off >= 8)
        co = off + 6;
    else
        return;
    size_t n = nh == IP6_PROTO_UDP ? be16_get(p + off + 4) : end - off;
    if (n > end - off || n < co - off + 2)
        return;
    p[co] = p[co + 1] = 0;
    uint32_t s = csum_pseudo6(p + 8, p + 24, nh, (uint32_t)n);
    uint16_t c = csum_finish(csum_add(s, p + off, n));
    be16_put(p + co, c ? c : (nh == IP6_PROTO_UDP ? 0xffff : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ip6 ip;
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];

    ip6_init(&ip, &ops, NULL);
    ip6_set_ext_addr(&ip, ext);
    ip6_set_ml_prefix(&ip, ml);
    ip6_set_ml_iid(&ip, iid);
    ip6_set_rloc16(&ip, 0xb000);
    ip6_add_slaac(&ip, slaac, NULL, IP6_ADDR_SLAAC, NULL);
    if (cfg & 0x01) {
        ip6_set_router(&ip, true);
        ip6_add_aloc(&ip, 0xfc00);
    }
    if (cfg & 0x08)
        ip6_set_nat64_prefix(&ip, nat64, 96);
    ip6_udp_bind(&ip, IP6_MLE_PORT, NULL, 0, udp_rx, NULL);
    ip6_udp_bind(&ip, IP6_TMF_PORT, NULL, IP6_SOCK_SECURE_ONLY, udp_rx, NULL);
    ip6_udp_bind(&ip, 5683, ip6_addr_of_kind(&ip, IP6_ADDR_RLOC)->addr, 0, udp_rx, NULL);

    uint64_t now = 1000;
    if (cfg & 0x04) {
        struct ip6_ping_cfg pc;
        memset(&pc, 0, sizeof(pc));
        memcpy(pc.dst, ip6_addr_of_kind(&ip, IP6_ADDR_ML_EID)->addr, 16);
        pc.dst[15] ^= 1; /* a neighbour */
        pc.count = 5;
        pc.interval_ms = 100;
        pc.on_reply = ping_reply;
        pc.on_done = ping_done;
        CHECK(ip6_ping_start(&ip, &pc, now) == IP6_OK);
    }
    struct ip6_link_info link = {(cfg & 0x02) != 0, (cfg & 0x10) != 0};

    size_t pos = 1;
    while (pos + 3 <= size) {
        size_t n = ((size_t)(data[pos + 1] & 0x07) << 8) | data[pos];
        now += (uint64_t)data[pos + 2] * 8;
        pos += 3;
        if (n > size - pos)
            n = size - pos;
        /* Exact-size copy so the sanitizer catches reads past the packet. */
        uint8_t *p = malloc(n ? n : 1);
        if (!p)
            return 0;
        memcpy(p, data + pos, n);
        pos += n;
        if ((cfg & 0x20) && n >= IP6_HDR_LEN + 1) {
            pick_dst(&ip, p[IP6_HDR_LEN - 1], p + 24);
            fix_csum(p, n);
        }

        struct ip6_rx_info info;
        uint32_t dropped = ip.cnt.rx_dropped;
        enum ip6_verdict v = ip6_input(&ip, p, n, now, &link, &info);
        CHECK(v == IP6_RX_DELIVERED || v == IP6_RX_FORWARD || v == IP6_RX_DROPPED);
        if (v == IP6_RX_DROPPED) {
            CHECK(info.drop < IP6_DROP__COUNT);
            CHECK(ip.cnt.rx_dropped == dropped + 1);
        } else {
            CHECK(ip.cnt.rx_dropped == dropped);
            CHECK(info.pkt_off + IP6_HDR_LEN <= n);
            CHECK(info.l4_off <= n);
        }
        free(p);
        ip6_ping_poll(&ip, now);
    }
    uint32_t sum = 0;
    for (unsigned d = 0; d < IP6_DROP__COUNT; d++)
        sum += ip.cnt.drops[d];
    CHECK(sum == ip.cnt.rx_dropped);
    return 0;
}
