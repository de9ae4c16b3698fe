/*
 * Packet and byte counters as OpenThread reports them (otNat64Counters):
 * per protocol, per direction. Bytes count the L4 length (IPv6 payload
 * length for 6->4, IPv4 total length minus header for 4->6).
 */
#ifndef TBR_NAT64_COUNTERS_H
#define TBR_NAT64_COUNTERS_H

#include <stdint.h>

enum nat64_proto { NAT64_PROTO_TCP, NAT64_PROTO_UDP, NAT64_PROTO_ICMP, NAT64_PROTO_COUNT };

struct nat64_ctr {
    uint64_t pkts_4to6;
    uint64_t bytes_4to6;
    uint64_t pkts_6to4;
    uint64_t bytes_6to4;
};

#endif
