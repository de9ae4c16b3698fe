#include "util/csum.h"

uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint64_t acc = sum;
    while (len >= 2) {
        acc += (uint32_t)((p[0] << 8) | p[1]);
        p += 2;
        len -= 2;
    }
    if (len)
        acc += (uint32_t)(p[0] << 8);
    while (acc >> 32)
        acc = (acc & 0xffffffffu) + (acc >> 32);
    /* Keep the accumulator below 2^31 so callers may add a few more words. */
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t csum_finish(uint32_t sum)
{
    return (uint16_t)~csum_fold(sum);
}

uint16_t csum_ip4_header(const uint8_t *hdr, size_t len)
{
    return csum_finish(csum_add(0, hdr, len));
}

uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len)
{
    uint32_t sum = csum_add(0, src, 4);
    sum = csum_add(sum, dst, 4);
    return sum + proto + (len >> 16) + (len & 0xffff);
}

uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len)
{
    uint32_t sum = csum_add(0, src, 16);
    sum = csum_add(sum, dst, 16);
    return sum + proto + (len >> 16) + (len & 0xffff);
}

uint16_t csum_update(uint16_t old_field, uint32_t old_sum, uint32_t new_sum)
{
    /* HC' = ~(~HC + ~m + m'), with m and m' the folded old and new sums. */
    uint32_t s = (uint16_t)~old_field;
    s += (uint16_t)~csum_fold(old_sum);
    s += csum_fold(new_sum);
    return (uint16_t)~csum_fold(s);
}
