/*
 * See crc16.h. The table is RFC 1662 C.2's, computed at build time so the
 * per-byte cost is one lookup (a bit-by-bit loop was most of a frame's HDLC
 * cost, docs/PERFORMANCE.md §4).
 */
#include "util/crc16.h"

#define CRC_B(c) ((c)&1 ? ((c) >> 1) ^ 0x8408u : (c) >> 1)
#define CRC_8(c) CRC_B(CRC_B(CRC_B(CRC_B(CRC_B(CRC_B(CRC_B(CRC_B(c))))))))
#define CRC_4(c) CRC_8(c), CRC_8((c) + 1u), CRC_8((c) + 2u), CRC_8((c) + 3u)
#define CRC_16(c) CRC_4(c), CRC_4((c) + 4u), CRC_4((c) + 8u), CRC_4((c) + 12u)
#define CRC_64(c) CRC_16(c), CRC_16((c) + 16u), CRC_16((c) + 32u), CRC_16((c) + 48u)
static const uint16_t table[256] = {CRC_64(0u), CRC_64(64u), CRC_64(128u), CRC_64(192u)};

uint16_t crc16_8408_update(uint16_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        crc = (uint16_t)((crc >> 8) ^ table[(crc ^ p[i]) & 0xff]);
    return crc;
}
