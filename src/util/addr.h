/*
 * IPv4/IPv6 address and prefix text forms.
 *
 * Parsing is strict: the whole string must be consumed. Formatting offers
 * both the RFC 5952 compressed form and OpenThread's CLI form (eight groups of
 * %x, no zero compression, e.g. fd3b:c98b:a9aa:2:0:0:808:808).
 */
#ifndef TBR_UTIL_ADDR_H
#define TBR_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ADDR_STR6 46 /* INET6_ADDRSTRLEN */
#define ADDR_STR4 16

struct addr_prefix6 {
    uint8_t addr[16];
    uint8_t len; /* 0..128 */
};

struct addr_prefix4 {
    uint8_t addr[4];
    uint8_t len; /* 0..32 */
};

bool addr_parse4(const char *s, uint8_t out[4]);
bool addr_parse6(const char *s, uint8_t out[16]);
/* "a.b.c.d/len"; host bits are kept as written (callers mask if needed). */
bool addr_parse_prefix4(const char *s, struct addr_prefix4 *out);
/* "x::y/len" */
bool addr_parse_prefix6(const char *s, struct addr_prefix6 *out);

/* RFC 5952 text into buf (ADDR_STR6 bytes); returns buf. */
const char *addr_fmt6(const uint8_t a[16], char *buf);
const char *addr_fmt4(const uint8_t a[4], char *buf);
/* OpenThread CLI style: 8 groups, %x each, no "::" (cli_utils.cpp). */
const char *addr_fmt6_ot(const uint8_t a[16], char *buf);

/* True when the first len bits of a and b agree. */
bool addr_prefix_match(const uint8_t *a, const uint8_t *b, unsigned len);
/* Zeroes every bit after the first len bits of a (nbytes long). */
void addr_mask(uint8_t *a, size_t nbytes, unsigned len);

#endif
