/*
 * Named reasons for every packet the translator does not forward.
 *
 * One X-macro table gives the enum, the short name used in tbr-xlat output
 * and JSON, the explanation, and the OpenThread error category the CLI's
 * `nat64 counters` table folds it into (OT has only four rows).
 * Reasons OpenThread has no notion of (the per-device caps, spoofed
 * sources) also get a row label of their own (nat64_drop_ext_label()).
 */
#ifndef TBR_NAT64_DROP_H
#define TBR_NAT64_DROP_H

/* OpenThread's otNat64DropReason rows, in its enum order. */
enum nat64_ot_reason {
    NAT64_OT_UNKNOWN = 0,
    NAT64_OT_ILLEGAL = 1,
    NAT64_OT_UNSUP_PROTO = 2,
    NAT64_OT_NO_MAPPING = 3,
    NAT64_OT_COUNT
};

/* X(ID, "name", OT category, "explanation") */
#define NAT64_DROP_REASONS(X)                                                                      \
    X(NONE, "none", UNKNOWN, "not dropped")                                                        \
    X(TRUNCATED, "truncated", ILLEGAL, "packet shorter than its headers")                          \
    X(BAD_VERSION, "bad-version", ILLEGAL, "IP version nibble is not 4 or 6")                      \
    X(BAD_LENGTH, "bad-length", ILLEGAL, "IP length field disagrees with the packet")              \
    X(BAD_IHL, "bad-ihl", ILLEGAL, "IPv4 header length below 20 or past the packet")               \
    X(BAD_IP4_CSUM, "bad-ip4-checksum", ILLEGAL, "IPv4 header checksum wrong")                     \
    X(BAD_L4, "bad-l4-header", ILLEGAL, "transport or ICMP header truncated or invalid")           \
    X(BAD_EXT_HDR, "bad-ext-header", ILLEGAL, "IPv6 extension header chain malformed")             \
    X(HOP_LIMIT, "hop-limit", UNKNOWN, "TTL or hop limit expired (ICMP time exceeded sent)")       \
    X(UNSUP_PROTO, "unsupported-protocol", UNSUP_PROTO, "transport protocol not translated")       \
    X(UNSUP_ICMP, "untranslatable-icmp", UNKNOWN, "ICMP type or code with no counterpart")         \
    X(ICMP_ERR_NESTED, "icmp-error-in-error", ILLEGAL, "ICMP error quoting an ICMP error")         \
    X(FRAG_EXT, "ext-after-fragment", ILLEGAL, "extension header after the Fragment header")       \
    X(SRC_ROUTE, "source-route", UNKNOWN, "unexpired IPv4 source route or IPv6 routing header")    \
    X(UDP_ZERO_CSUM, "udp-zero-checksum", ILLEGAL, "IPv4 UDP with zero checksum refused")          \
    X(TOO_BIG, "too-big", UNKNOWN, "packet larger than the next-hop MTU (ICMP error sent)")        \
    X(FRAG_UNTRACKED, "fragment-untracked", UNSUP_PROTO, "non-first fragment with no flow state")  \
    X(NOT_OURS, "not-ours", UNKNOWN, "destination outside the translator's prefixes")              \
    X(UNTRANSLATABLE, "untranslatable-address", UNKNOWN, "address with no IPv4/IPv6 counterpart")  \
    X(NO_MAPPING, "no-mapping", NO_MAPPING, "no mapping for an IPv4 packet (or inner packet)")     \
    X(POOL_EXHAUSTED, "pool-exhausted", NO_MAPPING, "no free IPv4 address or port in the pool")    \
    X(HOST_LIMIT, "host-limit", NO_MAPPING, "per-host session cap reached")                        \
    X(DEV_SESSIONS, "device-session-limit", NO_MAPPING, "sessions per IPv6 /64 at their cap")      \
    X(DEV_MAPPINGS, "device-mapping-limit", NO_MAPPING, "mappings per IPv6 /64 at their cap")      \
    X(DEV_POOL, "device-pool-limit", NO_MAPPING, "IPv4 pool addresses per IPv6 /64 at their cap")  \
    X(BAD_SOURCE, "bad-source", ILLEGAL, "source not an address a Thread device may use")          \
    X(TABLE_FULL, "table-full", NO_MAPPING, "session or mapping table at its bound")               \
    X(FILTERED, "filtered", NO_MAPPING, "inbound packet refused by RFC 6146 filtering")            \
    X(NO_BUFS, "no-buffer", UNKNOWN, "translated packet did not fit the output buffer")            \
    X(ICMP_RATE_LIMIT, "icmp-rate-limit", UNKNOWN,                                                 \
      "ICMP error not sent: over the rate limit (RFC 4443 2.4(f))")

enum nat64_drop {
#define NAT64_X_ENUM(id, name, ot, expl) NAT64_DROP_##id,
    NAT64_DROP_REASONS(NAT64_X_ENUM)
#undef NAT64_X_ENUM
        NAT64_DROP_COUNT
};

const char *nat64_drop_name(enum nat64_drop r);
const char *nat64_drop_explain(enum nat64_drop r);
enum nat64_ot_reason nat64_drop_ot(enum nat64_drop r);
/* Label (at most 13 characters) of the extra row `nat64 counters` shows for
 * a reason with no OpenThread counterpart; NULL for the others. */
const char *nat64_drop_ext_label(enum nat64_drop r);

#endif
