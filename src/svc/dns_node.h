/*
 * The DNS client on a struct tnode (OpenThread's Dns::Client in its
 * instance, as `dns config` / `dns resolve` / `dns resolve4` drive it): the
 * pure resolver (dns/dns_client.h) over a UDP socket of the node, the
 * default config with its server from the Network Data, and the NAT64
 * synthesis of A answers (RFC 6052 §2.2, with the prefix preferred when the
 * answer arrives). A device service (src/svc/): above thread/ and dns/,
 * below cli/.
 *
 * The caller owns a struct dns_node (one per CLI stream, as each stream has
 * its own query), calls dns_node_process() when dns_node_next_timeout_ms()
 * says, and gets each finished query through the done hook: from inside
 * tnode_process()/tnode_radio_rx() for an answer, from dns_node_process()
 * for a timeout.
 */
#ifndef TBR_SVC_DNS_NODE_H
#define TBR_SVC_DNS_NODE_H

#include <stdbool.h>
#include <stdint.h>

#include "dns/dns_client.h"
#include "thread/node.h"

/* A config as `dns config` and `dns resolve` take it: a zero field means
 * "the default" (OpenThread's, or the default config's for a query). */
struct dns_node_config {
    bool has_server; /* server set (:: counts as unset) */
    uint8_t server[16];
    uint16_t port;
    uint32_t timeout_ms;
    uint8_t attempts;
    uint8_t rd; /* 0 default (yes), 1 yes, 2 no */
};

/* How a query ended: the resolver's result (addresses as IPv6, A answers
 * synthesized), or a send the node refused. */
struct dns_node_result {
    enum ot_err send_err; /* OT_ERR_NONE, or why the query could not go out */
    bool no_prefix;       /* A answers but no NAT64 prefix to synthesize with */
    struct dns_client_result r;
};

typedef void (*dns_node_done_fn)(void *user, const struct dns_node_result *res);

struct dns_node {
    struct tnode *node;
    struct dns_node_config dflt; /* `dns config` (otDnsClientSetDefaultConfig) */
    struct dns_client client;
    bool udp_open;
    int udp_handle;
    dns_node_done_fn done;
    void *user;
    struct dns_node_result res; /* the last one handed to done */
};

/* Sets up d for node (not owned); done/user get each finished query. */
void dns_node_init(struct dns_node *d, struct tnode *node, dns_node_done_fn done, void *user);
/* Closes the socket and forgets the query (done is not called). */
void dns_node_free(struct dns_node *d);

/* The default config (zero fields: OpenThread's defaults). */
void dns_node_set_config(struct dns_node *d, const struct dns_node_config *cfg);
/* The default config in effect, every field filled: the server from
 * dns_node_default_server() when none was set. nat64_ok is true
 * (Nat64Mode allow). */
void dns_node_get_config(const struct dns_node *d, struct dns_client_query *out);

/* Starts resolving name (text, with or without the final dot): AAAA with
 * the A fallback, or A when four (resolve4). over: the query's own config
 * (NULL or zero fields: the default config). Returns OT_ERR_NONE (the result
 * comes through done), OT_ERR_BUSY while a query runs,
 * OT_ERR_INVALID_STATE for four without a NAT64 prefix,
 * OT_ERR_INVALID_ARGS for a bad, empty or root name, or what the node
 * answered to opening the socket or sending. */
enum ot_err dns_node_resolve(struct dns_node *d, const char *name, bool four,
                             const struct dns_node_config *over, uint64_t now_ms);
bool dns_node_busy(const struct dns_node *d);
/* Forgets the running query (done is not called); the socket stays. */
void dns_node_cancel(struct dns_node *d);

/* Retransmissions and the response timeout. */
void dns_node_process(struct dns_node *d, uint64_t now_ms);
/* Milliseconds until dns_node_process() has timed work, -1 for none. */
int64_t dns_node_next_timeout_ms(const struct dns_node *d, uint64_t now_ms);

/* The device's DNS server when `dns config` set none: the address of
 * srp_node_server() (the DNS server is the SRP server's host; port 53, so
 * `dns config` follows an auto-started SRP client as OpenThread's does);
 * else DNS_CLIENT_SERVER. Returns true when the Network Data gave it. */
bool dns_node_default_server(const struct tnode *node, uint8_t addr[16]);

#endif
