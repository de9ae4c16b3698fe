/*
 * Test-only packet builders and checkers (header-only, static inline).
 * Build well-formed IPv4/IPv6 packets with correct checksums, and verify
 * the checksums of translated output independently of the translator.
 */
#ifndef TBR_TEST_PKTBUILD_H
#define TBR_TEST_PKTBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

/* Offset of the checksum inside an L4 header, or -1. */
static inline int pb_csum_off(uint8_t proto)
{
    switch (proto) {
    case 6:
        return 16;
    case 17:
        return 6;
    case 1:
    case 58:
        return 2;
    default:
        return -1;
    }
}

/* IPv6 packet: 40-byte header + l4 (copied), checksum computed at its offset. */
static inline size_t pb_ip6(uint8_t *p, const char *src, const char *dst, uint8_t proto,
                            uint8_t hlim, const uint8_t *l4, size_t l4len)
{
    memset(p, 0, 40);
    p[0] = 0x60;
    be16_put(p + 4, (uint16_t)l4len);
    p[6] = proto;
    p[7] = hlim;
    addr_parse6(src, p + 8);
    addr_parse6(dst, p + 24);
    memcpy(p + 40, l4, l4len);
    int co = pb_csum_off(proto);
    if (co >= 0 && (size_t)co + 2 <= l4len) {
        be16_put(p + 40 + co, 0);
        uint16_t c = csum_finish(
            csum_add(csum_pseudo6(p + 8, p + 24, proto, (uint32_t)l4len), p + 40, l4len));
        if (proto == 17 && c == 0)
            c = 0xffff;
        be16_put(p + 40 + co, c);
    }
    return 40 + l4len;
}

/* IPv4 packet (IHL 5), DF set when df, checksums computed. */
static inline size_t pb_ip4(uint8_t *p, const char *src, const char *dst, uint8_t proto,
                            uint8_t ttl, bool df, const uint8_t *l4, size_t l4len)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    be16_put(p + 2, (uint16_t)(20 + l4len));
    be16_put(p + 4, 0x1234);
    p[6] = df ? 0x40 : 0;
    p[8] = ttl;
    p[9] = proto;
    addr_parse4(src, p + 12);
    addr_parse4(dst, p + 16);
    be16_put(p + 10, csum_ip4_header(p, 20));
    memcpy(p + 20, l4, l4len);
    int co = pb_csum_off(proto);
    if (co >= 0 && (size_t)co + 2 <= l4len) {
        be16_put(p + 20 + co, 0);
        uint32_t s = proto == 1 ? 0 : csum_pseudo4(p + 12, p + 16, proto, (uint32_t)l4len);
        uint16_t c = csum_finish(csum_add(s, p + 20, l4len));
        if (proto == 17 && c == 0)
            c = 0xffff;
        be16_put(p + 20 + co, c);
    }
    return 20 + l4len;
}

/* L4 headers with a payload of n bytes of pattern. */
static inline size_t pb_udp(uint8_t *t, uint16_t sport, uint16_t dport, size_t n)
{
    be16_put(t, sport);
    be16_put(t + 2, dport);
    be16_put(t + 4, (uint16_t)(8 + n));
    be16_put(t + 6, 0);
    for (size_t i = 0; i < n; i++)
        t[8 + i] = (uint8_t)('a' + i % 26);
    return 8 + n;
}

static inline size_t pb_tcp(uint8_t *t, uint16_t sport, uint16_t dport, uint8_t flags, size_t n)
{
    memset(t, 0, 20);
    be16_put(t, sport);
    be16_put(t + 2, dport);
    be32_put(t + 4, 1000);
    t[12] = 0x50;
    t[13] = flags;
    be16_put(t + 14, 8192);
    for (size_t i = 0; i < n; i++)
        t[20 + i] = (uint8_t)i;
    return 20 + n;
}

/* ICMP echo (type 128/129 for v6, 8/0 for v4). */
static inline size_t pb_echo(uint8_t *t, uint8_t type, uint16_t id, uint16_t seq, size_t n)
{
    t[0] = type;
    t[1] = 0;
    be16_put(t + 2, 0);
    be16_put(t + 4, id);
    be16_put(t + 6, seq);
    for (size_t i = 0; i < n; i++)
        t[8 + i] = (uint8_t)i;
    return 8 + n;
}

/* True when p (one IP packet) has consistent lengths, a correct IPv4 header
 * checksum, and (for unfragmented TCP/UDP/ICMP) a correct L4 checksum. */
static inline bool pb_valid(const uint8_t *p, size_t len)
{
    if (len < 20)
        return false;
    const uint8_t *l4;
    size_t l4len;
    uint8_t proto;
    uint32_t sum;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (size_t)(p[0] & 15) * 4;
        if (ihl < 20 || be16_get(p + 2) != len || ihl > len)
            return false;
        if (csum_fold(csum_add(0, p, ihl)) != 0xffff)
            return false;
        if (be16_get(p + 6) & 0x3fff) /* fragment: L4 checksum spans fragments */
            return true;
        proto = p[9];
        l4 = p + ihl;
        l4len = len - ihl;
        sum = proto == 1 ? 0 : csum_pseudo4(p + 12, p + 16, proto, (uint32_t)l4len);
    } else if ((p[0] >> 4) == 6) {
        if (len < 40 || (size_t)be16_get(p + 4) + 40 != len)
            return false;
        proto = p[6];
        l4 = p + 40;
        l4len = len - 40;
        if (proto == 44) /* fragment header: checked by the caller */
            return true;
        sum = csum_pseudo6(p + 8, p + 24, proto, (uint32_t)l4len);
    } else {
        return false;
    }
    if (pb_csum_off(proto) < 0)
        return true;
    if (proto == 17 && l4len >= 8 && be16_get(l4 + 6) == 0 && (p[0] >> 4) == 4)
        return true;
    return csum_fold(csum_add(sum, l4, l4len)) == 0xffff;
}

#endif
