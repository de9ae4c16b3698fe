#include "util/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool addr_parse4(const char *s, uint8_t out[4])
{
    /* inet_pton(AF_INET) accepts exactly dotted-quad decimal, nothing after. */
    return s && inet_pton(AF_INET, s, out) == 1;
}

bool addr_parse6(const char *s, uint8_t out[16])
{
    return s && inet_pton(AF_INET6, s, out) == 1;
}

static bool parse_len(const char *s, unsigned max, uint8_t *out)
{
    if (!*s || strlen(s) > 3)
        return false;
    unsigned v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v > max)
        return false;
    *out = (uint8_t)v;
    return true;
}

bool addr_parse_prefix4(const char *s, struct addr_prefix4 *out)
{
    char tmp[ADDR_STR4 + 4];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || (size_t)(slash - s) >= ADDR_STR4)
        return false;
    memcpy(tmp, s, (size_t)(slash - s));
    tmp[slash - s] = 0;
    return addr_parse4(tmp, out->addr) && parse_len(slash + 1, 32, &out->len);
}

bool addr_parse_prefix6(const char *s, struct addr_prefix6 *out)
{
    char tmp[ADDR_STR6 + 4];
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || (size_t)(slash - s) >= ADDR_STR6)
        return false;
    memcpy(tmp, s, (size_t)(slash - s));
    tmp[slash - s] = 0;
    return addr_parse6(tmp, out->addr) && parse_len(slash + 1, 128, &out->len);
}

const char *addr_fmt6(const uint8_t a[16], char *buf)
{
    if (!inet_ntop(AF_INET6, a, buf, ADDR_STR6))
        buf[0] = 0;
    return buf;
}

const char *addr_fmt4(const uint8_t a[4], char *buf)
{
    snprintf(buf, ADDR_STR4, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return buf;
}

const char *addr_fmt6_ot(const uint8_t a[16], char *buf)
{
    int n = 0;
    for (int i = 0; i < 8; i++)
        n += snprintf(buf + n, (size_t)(ADDR_STR6 - n), i ? ":%x" : "%x",
                      (unsigned)((a[2 * i] << 8) | a[2 * i + 1]));
    return buf;
}

bool addr_prefix_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
    unsigned bytes = len / 8, bits = len % 8;
    if (memcmp(a, b, bytes) != 0)
        return false;
    if (!bits)
        return true;
    uint8_t m = (uint8_t)(0xff << (8 - bits));
    return ((a[bytes] ^ b[bytes]) & m) == 0;
}

void addr_mask(uint8_t *a, size_t nbytes, unsigned len)
{
    for (size_t i = 0; i < nbytes; i++) {
        unsigned bit = (unsigned)i * 8;
        if (bit >= len)
            a[i] = 0;
        else if (len - bit < 8)
            a[i] &= (uint8_t)(0xff << (8 - (len - bit)));
    }
}
