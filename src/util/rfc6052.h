/*
 * IPv4-embedded IPv6 addresses (RFC 6052 §2.2).
 *
 * Prefix lengths 32, 40, 48, 56, 64 and 96 are valid. Below /96 the IPv4
 * bytes skip bits 64..71 (the "u" octet), which stay zero; with /96 that
 * octet is part of the prefix, which §2.2 requires to be zero there. The
 * suffix after the IPv4 bytes is zero.
 */
#ifndef TBR_UTIL_RFC6052_H
#define TBR_UTIL_RFC6052_H

#include <stdbool.h>
#include <stdint.h>

#include "util/addr.h"

bool rfc6052_valid_len(unsigned len);

/* Writes prefix + ip4 into out. Returns false for an invalid prefix length. */
bool rfc6052_synth(const struct addr_prefix6 *prefix, const uint8_t ip4[4], uint8_t out[16]);

/* Extracts the embedded IPv4 address. Returns false when the prefix length is
 * invalid or ip6 is not inside the prefix. The u-octet and the suffix are not
 * checked (RFC 6052 §2.2: they are ignored on input; RFC 7915 does not require
 * validation). */
bool rfc6052_extract(const struct addr_prefix6 *prefix, const uint8_t ip6[16], uint8_t out[4]);

#endif
