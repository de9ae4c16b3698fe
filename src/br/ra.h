/*
 * Router Advertisement codec (pure: no I/O, no clock, no global state).
 *
 *   - Router Advertisement (RFC 4861 §4.2) and Router Solicitation (§4.1),
 *     starting at the ICMPv6 header. The checksum is left 0 when building
 *     (a raw IPPROTO_ICMPV6 socket has the kernel fill it) and not checked
 *     when parsing (the kernel checked it).
 *   - Options: Source Link-Layer Address (§4.6.1, Ethernet), Prefix
 *     Information (§4.6.2), Route Information (RFC 4191 §2.3), PREF64
 *     (RFC 8781 §4, parse only). Unknown options are skipped; an option of
 *     length 0, an option past the end, or a malformed known option makes
 *     the whole message invalid (RFC 4861 §6.1.2: "all included options have
 *     a length that is greater than zero"). Options their RFC says to
 *     ignore are dropped alone and the message is kept (counted in
 *     `skipped`): a RIO whose Length is above 3 or too small for its
 *     Prefix Length or whose Prf is the reserved 10 (RFC 4191 §2.3), a
 *     PREF64 whose Length is not 2 or whose PLC is not 0..5 (RFC 8781 §4), a
 *     PIO whose Length is not 4 (§4.6.2; as Linux and OpenThread ignore it),
 *     a PIO or RIO with a Prefix Length above 128.
 *   - Everything is read through util/rd.h.
 */
#ifndef TBR_BR_RA_H
#define TBR_BR_RA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define RA_ICMP6_RS 133
#define RA_ICMP6_RA 134

#define RA_OPT_SLLA 1
#define RA_OPT_PIO 3
#define RA_OPT_RIO 24
#define RA_OPT_PREF64 38

#define RA_MAX_PIO 8
#define RA_MAX_RIO 8
#define RA_MAX_PREF64 2
#define RA_MSG_MAX 512 /* enough for RA_MAX_PIO + RA_MAX_RIO options */

/* RFC 4191 §2.1 preference (2 bits): 01 high, 00 medium, 11 low. */
enum ra_pref {
    RA_PREF_LOW = -1,
    RA_PREF_MED = 0,
    RA_PREF_HIGH = 1,
};

struct ra_pio {
    struct addr_prefix6 prefix; /* bits past len cleared */
    bool on_link;               /* L */
    bool autonomous;            /* A */
    uint32_t valid_s, preferred_s;
};

struct ra_rio {
    struct addr_prefix6 prefix; /* bits past len cleared */
    int8_t pref;                /* enum ra_pref */
    uint32_t lifetime_s;
};

struct ra_pref64 {
    struct addr_prefix6 prefix; /* length 32/40/48/56/64/96 */
    uint32_t lifetime_s;        /* scaled lifetime * 8 */
};

struct ra_msg {
    uint8_t cur_hop_limit;
    uint8_t flags; /* M 0x80, O 0x40, Prf bits 0x18 (RFC 4191 §2.2) */
    uint16_t router_lifetime_s;
    uint32_t reachable_ms, retrans_ms;
    bool has_slla;
    uint8_t slla[6];
    unsigned n_pio, n_rio, n_pref64;
    struct ra_pio pio[RA_MAX_PIO];
    struct ra_rio rio[RA_MAX_RIO];
    struct ra_pref64 pref64[RA_MAX_PREF64];
    /* parse only: options beyond the arrays' capacity, or ignored as bad */
    unsigned skipped;
};

/*
 * Builds the RA (ICMPv6 type 134, code 0, checksum 0) into buf. RIO prefix
 * lengths pick the shortest option (8, 16 or 24 bytes). Returns the length,
 * or 0 when it does not fit in cap or an entry is invalid (prefix length >
 * 128, counts above the array sizes). PREF64 entries are not written.
 */
size_t ra_build(const struct ra_msg *m, uint8_t *buf, size_t cap);

/*
 * Parses an RA starting at its ICMPv6 header (type 134, code 0, at least 16
 * bytes). Returns false for anything else or a malformed option (see
 * above); *out is then unspecified.
 */
bool ra_parse(const uint8_t *buf, size_t len, struct ra_msg *out);

/* A Router Solicitation (type 133, code 0, at least 8 bytes, options
 * well-formed). */
bool ra_is_rs(const uint8_t *buf, size_t len);

/* RFC 8781 §4: PLC 0..5 -> 96, 64, 56, 48, 40, 32; other -> 0 (invalid). */
unsigned ra_pref64_plen(unsigned plc);

/*
 * OpenThread's local on-link prefix (RoutingManager::OnLinkPrefixManager::
 * GenerateLocalPrefix): fd + the 40 most significant bits of the Extended
 * PAN ID + its 16 least significant bits, /64.
 */
void ra_onlink_prefix_from_xpanid(const uint8_t xpanid[8], struct addr_prefix6 *out);

#endif
