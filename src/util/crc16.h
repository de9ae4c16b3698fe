/*
 * The 16-bit CRC with the reflected polynomial 0x8408 (x^16 + x^12 + x^5 +
 * 1, bits in LSB-first order), table-driven. Two framings use it with their
 * own start and end:
 *   IEEE 802.15.4 FCS (CRC-16/KERMIT): start 0, no final xor (mac/mac_frame.h);
 *   HDLC-lite FCS-16 (RFC 1662 C.2): start 0xFFFF, final xor 0xFFFF
 *     (radio/hdlc.h).
 */
#ifndef TBR_UTIL_CRC16_H
#define TBR_UTIL_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* crc updated over n bytes of p (no start value or final xor applied). */
uint16_t crc16_8408_update(uint16_t crc, const uint8_t *p, size_t n);

#endif
