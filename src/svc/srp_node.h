/*
 * The device's SRP client on a struct tnode (OpenThread's Srp::Client in
 * its instance): one per node, owned by the application and shared by every
 * CLI stream through node_cli.srp (set it to &sn->client). A device service
 * (src/svc/): above thread/ and dns/, below cli/.
 *
 *   - key: the P-256 private key is kept in the node's store (util/kv.h) under
 *     SETTINGS_KEY_SRP_ECDSA_KEY (32 octets, the scalar d; OpenThread keeps
 *     a DER key pair there instead); made from the random source when
 *     absent or invalid, and saved;
 *   - auto-start: the server srp_node_server() picks from the Network
 *     Data while the node is attached (none while detached or disabled); a
 *     new anycast sequence number restarts the registration;
 *   - auto addresses: every unicast address of the node except link-local
 *     and mesh-local ones (ML-EID, RLOC, ALOC), or the ML-EID when there is
 *     no other (OpenThread's ShouldHostAutoAddressRegister);
 *   - a UDP socket of the node (ephemeral port) while the client runs.
 *
 * The caller's loop calls srp_node_process() after anything happened (radio,
 * CLI, timers) and wakes up at srp_node_next_timeout_ms(). Datagrams reach
 * the client from inside tnode_radio_rx()/tnode_process() with the time of
 * the last srp_node_process() call.
 */
#ifndef TBR_SVC_SRP_NODE_H
#define TBR_SVC_SRP_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/srp_client.h"
#include "netdata/netdata.h"
#include "thread/node.h"
#include "util/kv.h"

struct srp_node {
    struct tnode *node;
    struct kv kv; /* the node's store (ops NULL: none) */
    struct srp_client client;
    bool udp_open;
    int udp_handle;
    bool has_sel; /* the last auto-start selection */
    struct netdata_dns_srp sel;
    uint64_t send_errors; /* tnode_udp_send refused an update (it is retried) */
    bool key_saved;       /* a new key was written to the store */
};

/* Sets up sn for node. random fills a buffer with cryptographic-quality
 * bytes (tnode_cfg.random's signature). Returns 0, or -1 when no key could
 * be made (mbedTLS failure). */
int srp_node_init(struct srp_node *sn, struct tnode *node, const struct kv *kv,
                  void (*random)(void *user, uint8_t *buf, size_t len), void *user);
/* Closes the socket. */
void srp_node_free(struct srp_node *sn);

/* Auto-start, auto addresses, socket, then whatever the client has to send. */
void srp_node_process(struct srp_node *sn, uint64_t now_ms);
/* Milliseconds until srp_node_process() has timed work, -1 for none. */
int64_t srp_node_next_timeout_ms(const struct srp_node *sn, uint64_t now_ms);

/* The addresses auto mode registers (see above); returns the count. */
unsigned srp_node_auto_addrs(const struct tnode *node, uint8_t (*out)[16], unsigned max);

/* The DNS/SRP server in the node's Network Data as OpenThread's SRP client
 * auto-start picks it (netdata_find_dns_srp), with an anycast server's
 * address filled in: the service ALOC in the node's mesh-local prefix,
 * port 53. False when there is none. */
bool srp_node_server(const struct tnode *node, struct netdata_dns_srp *out);

#endif
