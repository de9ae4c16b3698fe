/*
 * The border router's DNS proxy (otbr-agent's DNS-SD server role for plain
 * DNS): a struct dns_server (dns/dns_server.h) answering on UDP port 53 of
 * the node's addresses (a node UDP socket bound to ::, so devices reach it
 * over the mesh), and the SRP server's sockets.
 *
 *   - Only sources inside the Thread network are served: the node's
 *     mesh-local and link-local prefixes and the on-mesh prefixes of the
 *     Network Data.
 *   - Answers leave from the address the query went to (a client's
 *     connected socket takes nothing else; the service ALOC in anycast mode).
 *   - Upstream queries go through struct resolver_sock_ops
 *     (platform/resolver_sock.h); their answers and failures come back
 *     through br_dns_proxy_upstream_rx() (a resolver_sock_rx_cb).
 *   - The resolvers: cfg.upstreams when given, otherwise the nameserver
 *     lines of cfg.resolv_conf read through struct textfile_ops
 *     (platform/textfile.h), re-read when its stamp changes (checked every
 *     BR_DNS_PROXY_RESOLV_CHECK_MS).
 *   - SRP (RFC 9665): UPDATEs on port 53 and every datagram on
 *     BR_DNS_PROXY_SRP_PORT (open while the SRP server is enabled) are handed
 *     to the SRP server part (br/srp_server.h), its reply sent back.
 *   - Upstream forwarding is persisted under SETTINGS_KEY_DNS_UPSTREAM (one
 *     byte 0/1; default enabled, as otbr-agent).
 *
 * No sockets or files of its own, no clock reads, no global state: the node
 * callbacks take the time from the datagram (rx->now_ms, the time of the
 * call into the node), every other call is given it.
 */
#ifndef TBR_BR_DNS_PROXY_H
#define TBR_BR_DNS_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "br/srp_server.h"
#include "dns/dns_server.h"
#include "platform/resolver_sock.h"
#include "platform/textfile.h"
#include "thread/node.h"

struct kv;

#define BR_DNS_PROXY_RESOLV_CHECK_MS 5000u /* resolv.conf change check */
#define BR_DNS_PROXY_SRP_PORT 53535u       /* port in the DNS/SRP unicast service entry */
#define BR_DNS_PROXY_FILE_MAX 65536        /* resolv.conf bytes read */

struct br_dns_proxy_cfg {
    struct tnode *node;                     /* required */
    struct br_srp_server *srp;              /* required: the SRP server part */
    const struct kv *kv;                    /* optional; must outlive the proxy */
    const struct resolver_sock_ops *up_ops; /* NULL: every upstream attempt fails */
    void *up;
    const struct textfile_ops *file_ops; /* required with resolv_conf */
    void *file;
    const struct dns_upstream_addr *upstreams; /* copied */
    size_t n_upstreams;
    const char *resolv_conf; /* used when n_upstreams is 0; NULL: no resolver */
    bool dns64;              /* DNS64 (RFC 6147) in the server */
    void (*random)(void *user, uint8_t *buf, size_t len); /* required */
    void (*log)(void *user, int level, const char *msg);
    void *user;
};

struct br_dns_proxy_counters {
    uint64_t dns_rx;              /* datagrams to UDP port 53 in the node */
    uint64_t dns_tx_errors;       /* replies the node refused to send */
    uint64_t dns_upstream_errors; /* attempts towards resolvers that failed */
    uint64_t dns_resolv_reads;    /* resolv.conf (re-)read */
};

struct br_dns_proxy {
    struct br_dns_proxy_cfg cfg;
    struct dns_server *dns;
    struct dns_server_action *act;
    struct dns_srp_ops srp_ops; /* the SRP registry's names, for the server */
    int udp;                    /* the node's UDP socket on port 53 */
    int srp_udp;                /* on BR_DNS_PROXY_SRP_PORT, -1 while closed */
    bool resolv_use, resolv_ok;
    char resolv_path[256];
    uint64_t resolv_check_ms;
    struct textfile_stamp stamp;
    char *file_buf;
    bool has_pfx;
    struct addr_prefix6 pfx;
    uint8_t srp_reply[BR_SRP_SERVER_REPLY_MAX];
    struct br_dns_proxy_counters ctr;
};

/* Sets up the server, its node socket, the resolvers and (while the SRP
 * server is enabled) the SRP socket. 0, or -1 with one line in err. */
int br_dns_proxy_init(struct br_dns_proxy *p, const struct br_dns_proxy_cfg *cfg, uint64_t now_ms,
                      char *err, size_t errlen);
void br_dns_proxy_free(struct br_dns_proxy *p);

/* Timers: upstream retries and timeouts, the resolv.conf check. */
void br_dns_proxy_process(struct br_dns_proxy *p, uint64_t now_ms);
uint64_t br_dns_proxy_next_ms(const struct br_dns_proxy *p);

/* A datagram on one of p's node sockets (handle p->udp or p->srp_udp), at
 * rx->now_ms. */
void br_dns_proxy_udp_rx(struct br_dns_proxy *p, int handle, const struct tnode_udp_rx *rx);
/* An upstream attempt's answer or failure (resolver_sock_rx_cb; user is p). */
void br_dns_proxy_upstream_rx(void *user, uint32_t txn, const uint8_t *msg, size_t len,
                              const uint8_t addr[16], uint16_t port, int err, uint64_t now_ms);

/* The NAT64 prefix for ipv4only.arpa. and DNS64 (NULL: none). */
void br_dns_proxy_set_nat64_prefix(struct br_dns_proxy *p, const struct addr_prefix6 *prefix);
/* `srp server enable|disable`: the SRP server's switch and its socket. */
void br_dns_proxy_set_srp_enabled(struct br_dns_proxy *p, bool on);
/* The SRP socket is open. */
bool br_dns_proxy_srp_open(const struct br_dns_proxy *p);

/* `dns server upstream [enable|disable]` (persisted), `dns server dns64`. */
bool br_dns_proxy_upstream_enabled(const struct br_dns_proxy *p);
void br_dns_proxy_set_upstream(struct br_dns_proxy *p, bool on);
bool br_dns_proxy_dns64_enabled(const struct br_dns_proxy *p);
void br_dns_proxy_set_dns64(struct br_dns_proxy *p, bool on);

/* `dns server counters`: "<name>: <n>" per dns_server counter. */
void br_dns_proxy_fmt_counters(const struct br_dns_proxy *p, FILE *out);

/* The part's counters; valid while the part is. */
const struct br_dns_proxy_counters *br_dns_proxy_counters(const struct br_dns_proxy *x);

#endif
