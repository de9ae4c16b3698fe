/*
 * RFC 7915 IP/ICMP translation engine (the "SIIT core").
 *
 * Pure function over buffers: one input packet (raw IPv4 or IPv6, byte 0 is
 * the IP header) goes in; zero or more packets come out into caller-owned
 * storage. No I/O, no clock reads (time is passed in), no allocation.
 *
 * The engine does header translation (RFC 7915 §4 and §5), ICMP translation
 * including the packet quoted inside ICMP errors (§4.2, §4.3, §5.2, §5.3),
 * RFC 4884 extension handling, fragment translation (§4.1, §5.1.1, RFC 8021:
 * no atomic fragments), checksum update (incremental, RFC 1624, so a wrong
 * checksum stays equally wrong), TTL/hop-limit decrement as a router, and
 * ICMP errors back to the sender where the RFCs call for one (Time Exceeded,
 * Packet Too Big / Fragmentation Needed, Parameter Problem, Destination
 * Unreachable).
 *
 * Which address (and port) each side gets is not decided here: the engine
 * asks a struct xlat_mapper. The stateless mapper (siit.h: RFC 6052 pool6,
 * RFC 7757 EAM, RFC 6791) and the stateful one (nat64.c over bib.h, RFC
 * 6146) both plug in here.
 */
#ifndef TBR_NAT64_XLAT_H
#define TBR_NAT64_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nat64/drop.h"

/* Packets one input can produce: an IPv4 datagram of up to 65535 bytes cut
 * into IPv6 fragments of at least 1280 bytes makes 54 (RFC 7915 §4.1). */
#define XLAT_MAX_OUT 64
#define XLAT_OUT_CAP (2 * 65600) /* storage that always suffices for one input */

/* Engine knobs. xlat_cfg_default() fills the RFC/Jool defaults. */
struct xlat_cfg {
    uint16_t lowest_ipv6_mtu;   /* RFC 7915 §4: fragment IPv4 DF=0 packets to this (1280) */
    uint16_t mtu4;              /* next-hop MTU on the IPv4 side (1500) */
    uint16_t mtu6;              /* next-hop MTU on the IPv6 side (1500) */
    bool udp_zero_csum_compute; /* RFC 7915 §4.5: compute a zero IPv4 UDP checksum
                                 * of an unfragmented packet (true) or drop it with
                                 * ICMPv4 3/13 (false). Fragmented: always dropped. */
    bool decrement_ttl;         /* act as a router (true): TTL/hop limit - 1, ICMP
                                 * Time Exceeded when it would reach 0 */
    bool validate_ip4_csum;     /* drop IPv4 packets whose header checksum is wrong */
    bool have_self4, have_self6;
    uint8_t self4[4];       /* translator's own IPv4 address: source of ICMPv4 errors it
                             * originates (Fragmentation Needed, Time Exceeded, ...) */
    uint8_t self6[16];      /* the same for ICMPv6 errors */
    uint16_t icmp4_err_cap; /* translated/originated ICMPv4 errors are cut to this (576) */
    uint16_t icmp6_err_cap; /* ... ICMPv6 errors (1280) */
};

void xlat_cfg_default(struct xlat_cfg *cfg);

/* What a packet looks like to the mapper: one side's addresses and ports. */
struct xlat_tuple {
    uint8_t family;  /* 4 or 6 */
    uint8_t proto;   /* L4 protocol number as on this side: 6, 17, 1 (ICMPv4), 58
                      * (ICMPv6); anything else is passed as found */
    uint8_t src[16]; /* IPv4 addresses use the first 4 bytes */
    uint8_t dst[16];
    uint16_t sport; /* TCP/UDP ports; ICMP echo: both hold the identifier */
    uint16_t dport;
    bool has_ports;    /* false for non-first fragments, unknown protocols and
                        * ICMP messages other than echo */
    uint8_t tcp_flags; /* TCP flag byte (FIN 0x01, SYN 0x02, RST 0x04 ...), else 0 */
    uint8_t icmp_type; /* ICMP type when proto is ICMP, else 0 */
    uint32_t l4_len;   /* transport payload length incl. its header (for counters) */
};

enum xlat_map_flags {
    /* The tuple is the packet quoted inside an ICMP error. It travelled in the
     * opposite direction earlier, so the mapper must only look up (never create
     * state) and map src and dst the way that earlier packet was mapped, reversed. */
    XLAT_MAP_INNER = 1u << 0,
    /* The tuple is the outer header of an ICMP error; inner_out is the quoted
     * packet, already translated. Stateless mappers use RFC 6791 for a source
     * with no counterpart; stateful ones take the addresses from inner_out. */
    XLAT_MAP_ICMP_ERROR = 1u << 1,
    /* Hairpinning query (RFC 7757 §4, RFC 6146 §3.8). The tuple (family 4) is
     * the IPv4 packet the engine has just produced from an IPv6 one. Return
     * NOT_OURS unless the destination leads back into the IPv6 side (an EAM
     * IPv4 address; a pool4 binding for stateful mappers); then map it as a
     * normal 4->6 packet, except that the source (the destination, with
     * XLAT_MAP_INNER) must be mapped algorithmically (pool6, RFC 6052), never
     * back through the EAM or BIB. A mapper that ignores this flag and maps
     * the tuple as an ordinary 4->6 packet is still correct for RFC 6146. */
    XLAT_MAP_HAIRPIN = 1u << 2,
    /* With XLAT_MAP_HAIRPIN, asked first for every packet the engine has just
     * translated 6->4: only say whether the destination could be the
     * mapper's (NAT64_DROP_NONE) or surely is not (NAT64_DROP_NOT_OURS). Only
     * family, proto, src and dst of `in` are set; create no state. This lets
     * the common, non-hairpin packet skip a second parse. */
    XLAT_MAP_PROBE = 1u << 3,
};

/*
 * Ports: the engine writes out->sport/out->dport into TCP/UDP headers (when
 * has_ports) and updates the checksum. For ICMP echo the identifier is taken
 * from the port of the IPv6 endpoint: out->sport when the IPv6 host is the
 * packet's source (6->4 packets, quoted packets of 4->6 errors), out->dport
 * otherwise.
 *
 * Mapper contract: given the tuple `in` (family 6 for 6->4, 4 for 4->6), fill
 * out->src, out->dst, out->sport, out->dport (out->family and out->proto are
 * preset by the engine; out->has_ports is copied from in). Return
 * NAT64_DROP_NONE, or the reason the packet cannot be translated:
 * NAT64_DROP_NOT_OURS (not for the translator; the caller may route it
 * normally), NAT64_DROP_UNTRANSLATABLE, NAT64_DROP_NO_MAPPING,
 * NAT64_DROP_POOL_EXHAUSTED, NAT64_DROP_HOST_LIMIT, NAT64_DROP_DEV_SESSIONS,
 * NAT64_DROP_DEV_MAPPINGS, NAT64_DROP_DEV_POOL, NAT64_DROP_TABLE_FULL,
 * NAT64_DROP_FILTERED, NAT64_DROP_UNSUP_PROTO, NAT64_DROP_FRAG_UNTRACKED.
 * The engine calls map() only once the packet has passed every check that
 * could drop it, so stateful mappers may create state. inner_out is non-NULL
 * only with XLAT_MAP_ICMP_ERROR.
 */
struct xlat_mapper {
    enum nat64_drop (*map)(void *ctx, const struct xlat_tuple *in, struct xlat_tuple *out,
                           unsigned flags, const struct xlat_tuple *inner_out, uint64_t now_ms);
    void *ctx;
};

enum xlat_verdict {
    XLAT_FORWARD, /* out holds the translated packet(s): IPv4 for an IPv6 input,
                   * and vice versa; or IPv6 again when hairpinned (RFC 7757 §4) */
    XLAT_REPLY,   /* out holds one ICMP error for the sender, in the input's family
                   * (reason says why); the input was not translated */
    XLAT_DROP,    /* nothing emitted; reason says why */
    XLAT_PASS,    /* not for the translator (mapper said NOT_OURS); nothing emitted */
};

struct xlat_out_pkt {
    uint8_t *data; /* inside xlat_out.buf */
    size_t len;
};

/* Caller-owned output storage. buf must hold XLAT_OUT_CAP bytes to be sure
 * that nothing is ever dropped as NAT64_DROP_NO_BUFS. */
struct xlat_out {
    uint8_t *buf;
    size_t cap;
    unsigned n; /* packets written */
    struct xlat_out_pkt pkt[XLAT_MAX_OUT];
};

struct xlat_result {
    enum xlat_verdict verdict;
    enum nat64_drop reason; /* DROP/PASS: why; REPLY: what the ICMP error is about */
    struct xlat_tuple in;   /* the input's tuple as parsed (valid once parsing got
                             * that far: family is 0 otherwise) for counters */
};

/*
 * Translates one packet. `pkt`/`len` is the raw IP packet (not modified).
 * `out->n` is reset. Never reads outside pkt[0..len) nor writes outside
 * out->buf[0..out->cap).
 *
 * Errors the engine originates (verdict XLAT_REPLY, out->pkt[0]) come from
 * cfg->self4 / cfg->self6 with TTL / hop limit 64. When the matching self
 * address is not configured the offending packet's destination address is
 * used instead (the translator answers for the host it stands in for). No
 * error is sent about an ICMP error, about a non-first IPv4 fragment, to or
 * from unspecified, loopback, multicast or broadcast addresses; such packets
 * are dropped with the same reason.
 *
 *   cause                                   reply                   reason
 *   TTL / hop limit would reach 0          ICMPv4 11/0, ICMPv6 3/0  HOP_LIMIT
 *   IPv4 DF=1 larger than mtu6             ICMPv4 3/4, MTU mtu6-20  TOO_BIG
 *   IPv6 larger than mtu4                  ICMPv6 2/0, MTU          TOO_BIG
 *     (if mtu4 < 1260 and the IPv4 result    max(mtu4+20, 1280)
 *     has DF=0, it is fragmented instead)
 *   unexpired IPv4 source route            ICMPv4 3/5               SRC_ROUTE
 *   IPv6 Routing header, Segments Left>0   ICMPv6 4/0 -> the field  SRC_ROUTE
 *   IPv6 ext. header after Fragment hdr    ICMPv6 1/1 (RFC 7915 §5.4) FRAG_EXT
 *   IPv4 UDP checksum 0, fragmented or     ICMPv4 3/13              UDP_ZERO_CSUM
 *     !udp_zero_csum_compute
 *
 * Mapper failures (RFC 7915 §4.4/§5.4 defaults, RFC 6146 §3.5):
 *   NOT_OURS                        XLAT_PASS, nothing sent (either direction)
 *   6->4 UNTRANSLATABLE, FILTERED   ICMPv6 1/1, not about any ICMPv6 message
 *   6->4 POOL_EXHAUSTED, HOST_LIMIT,
 *        DEV_*, TABLE_FULL          ICMPv6 1/3 (address unreachable)
 *   4->6 FILTERED, UNTRANSLATABLE   ICMPv4 3/13
 *   4->6 NO_MAPPING                 ICMPv4 3/13 for UDP; TCP and ICMP silently
 *                                   dropped (RFC 6146 §3.5.2.2 leaves an
 *                                   unsolicited SYN to the state machine,
 *                                   §3.5.3 drops unknown ICMP queries)
 *   anything else                   XLAT_DROP with the mapper's reason
 * A failure while mapping the packet quoted in an ICMP error drops the error
 * (NOT_OURS: XLAT_PASS).
 *
 * Hairpinning: after a 6->4 translation that yields a single IPv4 packet,
 * the engine asks the mapper again with XLAT_MAP_HAIRPIN (see above). If the
 * mapper accepts, the packet is translated back to IPv6 (hop limit
 * decremented once in total) and the verdict is XLAT_FORWARD with IPv6 in
 * out; errors found in that second pass drop the packet.
 *
 * IPv4 Identification of translated unfragmented packets: 0 when DF=1
 * (atomic, RFC 6864 §4.1), else a hash of addresses, transport header and
 * now_ms (the engine keeps no state, so not a counter).
 */
struct xlat_result xlat_translate(const struct xlat_cfg *cfg, const struct xlat_mapper *mapper,
                                  const uint8_t *pkt, size_t len, uint64_t now_ms,
                                  struct xlat_out *out);

#endif
