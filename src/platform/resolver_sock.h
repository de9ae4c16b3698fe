/*
 * Upstream DNS resolvers' transport behind an ops table, so br/dns_proxy.h
 * holds no socket: one query per attempt (txn, the DNS server's
 * transaction), answers and failures coming back through a callback.
 *
 * The Linux implementation is struct resolver_sock: a fresh non-blocking
 * socket per attempt, UDP connected (so an ICMP error ends the attempt at
 * once), TCP (RFC 1035 §4.2.2 two-octet length framing) when asked;
 * IPv4-mapped addresses (::ffff:a.b.c.d) go out as IPv4. The application
 * polls what resolver_sock_pollfds() fills and hands the revents to
 * resolver_sock_io(), which calls the callback.
 */
#ifndef TBR_PLATFORM_RESOLVER_SOCK_H
#define TBR_PLATFORM_RESOLVER_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pollfd;

#define RESOLVER_SOCK_MAX 16 /* attempts in flight (DNS_SERVER_MAX_TXNS) */

struct resolver_sock_ops {
    /* Starts one attempt: the query msg to addr/port over UDP or TCP. 0, or
     * -1 with one line in err (the attempt failed at once). */
    int (*send)(void *rs, uint32_t txn, bool tcp, const uint8_t addr[16], uint16_t port,
                const uint8_t *msg, size_t len, char *err, size_t errlen);
    /* Ends every attempt of txn (answered, retried elsewhere, given up). */
    void (*cancel)(void *rs, uint32_t txn);
};

/* What an attempt produced: an answer (err 0, msg/len) from addr/port, or
 * its failure (err an errno value, or -1 for "closed the connection"; msg
 * NULL). The attempt is over in both cases. */
typedef void (*resolver_sock_rx_cb)(void *user, uint32_t txn, const uint8_t *msg, size_t len,
                                    const uint8_t addr[16], uint16_t port, int err,
                                    uint64_t now_ms);

struct resolver_sock_att; /* one attempt's socket (resolver_sock.c) */

struct resolver_sock {
    struct resolver_sock_att *att[RESOLVER_SOCK_MAX]; /* NULL: free */
};

void resolver_sock_init(struct resolver_sock *rs);
/* Closes every attempt. */
void resolver_sock_free(struct resolver_sock *rs);
/* Fills up to max entries (fd, events); returns how many. */
size_t resolver_sock_pollfds(const struct resolver_sock *rs, struct pollfd *pfd, size_t max);
/* Handles the revents of the entries resolver_sock_pollfds() filled,
 * calling cb for what they bring. */
void resolver_sock_io(struct resolver_sock *rs, const struct pollfd *pfd, size_t n, uint64_t now_ms,
                      resolver_sock_rx_cb cb, void *user);
/* The ops over a struct resolver_sock *. */
extern const struct resolver_sock_ops resolver_sock_linux_ops;

#endif
