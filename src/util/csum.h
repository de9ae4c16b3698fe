/*
 * Internet checksum (RFC 1071) and incremental update (RFC 1624).
 *
 * Sums are kept as 32-bit one's-complement accumulators so that partial sums
 * over several buffers (pseudo-header + payload) can be added before folding.
 */
#ifndef TBR_UTIL_CSUM_H
#define TBR_UTIL_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Adds the 16-bit big-endian words of buf to sum. An odd trailing byte is
 * padded with zero, so only the last buffer of a sum may have odd length. */
uint32_t csum_add(uint32_t sum, const void *buf, size_t len);

/* Folds a partial sum to 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);

/* The checksum field value for a buffer: ~fold(sum). */
uint16_t csum_finish(uint32_t sum);

/* IPv4 header checksum over hdr[0..len) with the checksum field included as
 * stored; returns the value to store (call with the field zeroed). */
uint16_t csum_ip4_header(const uint8_t *hdr, size_t len);

/* Pseudo-header sums (RFC 768/793 for IPv4, RFC 8200 §8.1 for IPv6). */
uint32_t csum_pseudo4(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len);
uint32_t csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t len);

/*
 * RFC 1624 eqn. 3: the new checksum field after the data whose one's-complement
 * sum was old_sum changed to data whose sum is new_sum. A field that was wrong
 * stays equally wrong, which translators must preserve (RFC 7915 §4.5 allows
 * incremental update, and Jool's vectors check it).
 */
uint16_t csum_update(uint16_t old_field, uint32_t old_sum, uint32_t new_sum);

#endif
