#include "util/rfc6052.h"

#include <string.h>

bool rfc6052_valid_len(unsigned len)
{
    return len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
}

/* Byte index in the IPv6 address of IPv4 byte i, for prefix length len:
 * the IPv4 bytes follow the prefix and skip byte 8 (the u-octet). */
static unsigned v4_pos(unsigned len, unsigned i)
{
    unsigned pos = len / 8 + i;
    if (len < 96 && pos >= 8)
        pos++;
    return pos;
}

bool rfc6052_synth(const struct addr_prefix6 *prefix, const uint8_t ip4[4], uint8_t out[16])
{
    if (!rfc6052_valid_len(prefix->len))
        return false;
    memset(out, 0, 16);
    memcpy(out, prefix->addr, prefix->len / 8);
    for (unsigned i = 0; i < 4; i++)
        out[v4_pos(prefix->len, i)] = ip4[i];
    return true;
}

bool rfc6052_extract(const struct addr_prefix6 *prefix, const uint8_t ip6[16], uint8_t out[4])
{
    if (!rfc6052_valid_len(prefix->len) || !addr_prefix_match(ip6, prefix->addr, prefix->len))
        return false;
    for (unsigned i = 0; i < 4; i++)
        out[i] = ip6[v4_pos(prefix->len, i)];
    return true;
}
