/*
 * The NAT64 translator: one context that owns a translation engine
 * configuration, a mapper (stateful RFC 6146 over bib.h, or stateless SIIT
 * over siit.h) and the counters.
 *
 * Callers feed raw IP packets with nat64_translate() and get the packets to
 * emit. Nothing here does I/O or reads a clock; many translators can live in
 * one process.
 */
#ifndef TBR_NAT64_NAT64_H
#define TBR_NAT64_NAT64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat64/bib.h"
#include "nat64/counters.h"
#include "nat64/drop.h"
#include "nat64/nat64_fmt.h"
#include "nat64/siit.h"
#include "nat64/xlat.h"

#define NAT64_MAX_STATIC 256

enum nat64_mode {
    NAT64_STATEFUL, /* RFC 6146 */
    NAT64_STATELESS /* RFC 7915 + RFC 6052 + RFC 7757 */
};

struct nat64_static {
    uint8_t proto; /* 6, 17, 1; 0 = address mapping */
    uint8_t addr6[16];
    uint16_t port6;
    uint8_t addr4[4];
    uint16_t port4;
};

/*
 * ICMP errors the translator originates (verdict XLAT_REPLY: Time Exceeded,
 * Packet Too Big, Destination Unreachable, Parameter Problem), RFC 4443
 * §2.4(f) and RFC 1812 §4.3.2.8: a token bucket of `burst` errors refilled
 * at `per_s` a second, one bucket per direction (errors towards the IPv6
 * side, errors towards the IPv4 side), so a flood from one side cannot use
 * up the other side's errors. Global, not per destination: no state that
 * spoofed sources could grow or churn, and the airtime of the mesh it
 * protects is shared by every destination anyway. Over the limit the
 * packet is dropped as NAT64_DROP_ICMP_RATE_LIMIT and no error is sent.
 * Translated errors (from routers beyond) are not limited here.
 * per_s 0: no limit.
 */
struct nat64_icmp_limit {
    uint32_t per_s;
    uint32_t burst;
};

struct nat64_cfg {
    enum nat64_mode mode;
    struct addr_prefix6 prefix; /* pool6 (RFC 6052 prefix); len 0 = none */
    struct xlat_cfg xlat;
    struct bib_cfg bib; /* stateful only */
    struct siit siit;   /* stateless only (its pool6 is set from prefix) */
    struct nat64_static statics[NAT64_MAX_STATIC];
    unsigned n_static;
    struct nat64_icmp_limit icmp_err_limit;
};

/* Defaults: stateful, no prefix, pool 192.168.255.0/24, RFC timeouts, no
 * ICMP error limit (a tool translating a capture wants every error; the
 * border router's data path sets one). */
void nat64_cfg_default(struct nat64_cfg *cfg);

struct nat64;

/* NULL on bad config (message in err, if given) or no memory. */
struct nat64 *nat64_new(const struct nat64_cfg *cfg, char *err, size_t errlen);
void nat64_free(struct nat64 *n);

/* Translates one packet; see xlat_translate() for the verdicts. Counts it
 * (per protocol when forwarded, per reason when dropped) and expires timed-out
 * state first. */
struct xlat_result nat64_translate(struct nat64 *n, const uint8_t *pkt, size_t len, uint64_t now_ms,
                                   struct xlat_out *out);
/* nat64_translate() for a packet whose sending device the caller knows
 * below IPv6 (the border router: the Thread child it came from): a 6->4
 * packet counts on device dev_key for the per-device caps (bib_out_dev);
 * 0: its source /64, as nat64_translate(). Ignored for 4->6 and stateless. */
struct xlat_result nat64_translate_dev(struct nat64 *n, const uint8_t *pkt, size_t len,
                                       uint64_t now_ms, uint64_t dev_key, struct xlat_out *out);

/* Expires timed-out sessions; returns how many. */
uint32_t nat64_expire(struct nat64 *n, uint64_t now_ms);

/* Drops all dynamic mappings (OpenThread does on disable and CIDR change). */
void nat64_clear(struct nat64 *n);

const struct nat64_cfg *nat64_config(const struct nat64 *n);

/* Snapshot of the counters in the formatter's shape. */
void nat64_counters(const struct nat64 *n, struct nat64_fmt_counters *out);

/* Mappings, newest first, into m[0..max); returns how many there are in all
 * (may exceed max). Stateless mode has none. */
size_t nat64_mappings(const struct nat64 *n, uint64_t now_ms, struct nat64_fmt_mapping *m,
                      size_t max);

/* The underlying table (stateful only; NULL otherwise), for tests/benchmarks. */
struct bib *nat64_bib(struct nat64 *n);

#endif
