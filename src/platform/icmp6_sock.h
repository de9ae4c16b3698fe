/*
 * The infrastructure link's ICMPv6 socket (Router Solicitations and
 * Advertisements, RFC 4861 §4.1-4.2) behind an ops table, so br/infra_link.h
 * holds no socket: send to all-nodes on the link, receive with the hop limit
 * (RFC 4861 §6.1.2 checks it is 255), and the link's MAC address for the
 * Source Link-Layer Address option.
 *
 * The Linux implementation is struct icmp6_sock: a raw ICMPv6 socket bound
 * to the interface, filtered to RS and RA, hop limit 255 both ways, no
 * multicast loop, all-routers (ff02::2) joined. The application opens it,
 * polls icmp6_sock.fd for POLLIN and hands the ops to the border router.
 */
#ifndef TBR_PLATFORM_ICMP6_SOCK_H
#define TBR_PLATFORM_ICMP6_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ICMP6_SOCK_IFNAME_MAX 16 /* IFNAMSIZ */

struct icmp6_sock_ops {
    /* Sends one ICMPv6 message (checksum by the kernel) to ff02::1 on the
     * link. 0, or -1 with one line in err (e.g. no link-local address yet). */
    int (*send_all_nodes)(void *sock, const uint8_t *msg, size_t len, char *err, size_t errlen);
    /* Receives one pending message: its length with the source address and
     * the hop limit it arrived with (-1 unknown); 0 when none is pending; -1
     * on an error (one line in err). Never blocks. */
    ssize_t (*recv)(void *sock, uint8_t *buf, size_t cap, uint8_t src[16], int *hop_limit,
                    char *err, size_t errlen);
    /* The link's 48-bit MAC address (false: none, e.g. not Ethernet). */
    bool (*mac)(void *sock, uint8_t out[6]);
};

struct icmp6_sock {
    int fd; /* -1: closed */
    unsigned ifindex;
    char ifname[ICMP6_SOCK_IFNAME_MAX];
    bool has_mac;
    uint8_t mac[6];
    char warn[128]; /* a non-fatal problem at open ("" when none), for the log */
};

/* Opens the socket on ifname. 0, or -1 with one line in err naming the
 * interface ("infrastructure interface <if>: ..."). */
int icmp6_sock_open(struct icmp6_sock *s, const char *ifname, char *err, size_t errlen);
void icmp6_sock_close(struct icmp6_sock *s);
/* The ops over a struct icmp6_sock *. */
extern const struct icmp6_sock_ops icmp6_sock_linux_ops;

#endif
