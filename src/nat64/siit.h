/*
 * Stateless address mapping (SIIT): RFC 6052 pool6, RFC 7757 Explicit
 * Address Mappings, RFC 6791 sources for untranslatable ICMP error senders.
 * Plugs into the engine as a struct xlat_mapper (siit_mapper()).
 */
#ifndef TBR_NAT64_SIIT_H
#define TBR_NAT64_SIIT_H

#include <stdbool.h>
#include <stdint.h>

#include "nat64/xlat.h"
#include "util/addr.h"

#define SIIT_MAX_EAM 64

/* RFC 7757 §3.2: an EAM pairs an IPv6 prefix with an IPv4 prefix. The IPv4
 * suffix (32 - p4.len bits) goes right after the IPv6 prefix, so the IPv6
 * suffix must be at least as long (128 - p6.len >= 32 - p4.len); any IPv6
 * bits after it are zero (4->6) or ignored (6->4), RFC 7757 §3.3-3.4. */
struct siit_eam {
    struct addr_prefix6 p6;
    struct addr_prefix4 p4;
};

struct siit {
    bool have_pool6;
    struct addr_prefix6 pool6; /* RFC 6052 prefix */
    struct siit_eam eam[SIIT_MAX_EAM];
    unsigned n_eam;
    bool have_rfc6791v4;
    uint8_t rfc6791v4[4]; /* RFC 6791 source for ICMPv4 errors whose IPv6
                           * source has no IPv4 counterpart */
    bool have_rfc6791v6;
    struct addr_prefix6 rfc6791v6; /* the same for ICMPv6 errors (Jool's
                                    * rfc6791v6-prefix; the address itself is used) */
    bool have_self4;
    uint8_t self4[4]; /* fallback when rfc6791v4 is unset: the translator's own
                       * IPv4 address (Jool does this) */
    bool have_self6;
    uint8_t self6[16];
};

void siit_init(struct siit *s);

/* Adds an EAM. Returns 0, or -1 when the table is full, a length is out of
 * range or the IPv6 suffix is shorter than the IPv4 one. Longest-prefix match
 * decides between overlapping entries. */
int siit_add_eam(struct siit *s, const struct siit_eam *e);

/* Address mapping (EAM first, then pool6). False: no counterpart. */
bool siit_addr_6to4(const struct siit *s, const uint8_t a6[16], uint8_t a4[4]);
bool siit_addr_4to6(const struct siit *s, const uint8_t a4[4], uint8_t a6[16]);

/* The mapper for xlat_translate(); ctx is the struct siit. */
struct xlat_mapper siit_mapper(struct siit *s);

#endif
