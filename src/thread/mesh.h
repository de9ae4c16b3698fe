/*
 * Internal to src/thread/ (see node_priv.h for the layers): the mesh, what
 * tmf_agent.c, the MLE role files and node.c call to send and to drive it.
 */
#ifndef TBR_THREAD_MESH_H
#define TBR_THREAD_MESH_H

#include "thread/node_priv.h"

void tn_mesh_init(struct tnode *n);
/* Installs the MAC callbacks (rx, tx_done, neighbour) into mc. */
void tn_mesh_mac_config(struct tnode *n, struct mac_layer_config *mc);
/* ip6 ops send: a locally originated packet. */
void tn_mesh_ip6_send(void *ctx, const uint8_t *pkt, size_t len);
/* Where a packet handed to tn_mesh_send comes from. */
enum tn_origin {
    TN_FROM_LOCAL, /* our own IPv6 stack (ip6, MLE, TMF) */
    TN_FROM_MESH,  /* received from a child, to be forwarded (hop limit decremented,
                    * unless it leaves for the host: mesh.c forward()) */
    TN_FROM_HOST,  /* the host side (tnode_send_ip6) */
};
/* Routes one IPv6 packet into the mesh (or to the host / ourselves). */
enum ot_err tn_mesh_send(struct tnode *n, const uint8_t *pkt, size_t len, enum tn_origin origin);
/* The sender of the frame being received (node.h, struct tnode_rx_link);
 * info NULL (a looped-back packet of our own): not known. */
struct tnode_rx_link tn_mesh_rx_link(struct tnode *n, const struct mac_rx_info *info);
/* Sends to a known RLOC16 / MAC destination (used after an address query). */
enum ot_err tn_mesh_send_to(struct tnode *n, const uint8_t *pkt, size_t len,
                            const struct mac_addr *dst);
void tn_mesh_process(struct tnode *n);
int64_t tn_mesh_next(const struct tnode *n);
void tn_txq_kick(struct tnode *n);
void tn_mesh_flush(struct tnode *n);

/* Secured MLE message (plain = command || TLVs) from our link-local address
 * to dst (link-local unicast or ff02::1/ff02::2). */
enum ot_err tn_mle_send(struct tnode *n, const uint8_t dst[16], const uint8_t *plain, size_t len);

/* A MAC address as the 6LoWPAN link-layer address IPHC compresses against. */
void tn_mesh_ll_from_mac(const struct mac_addr *a, uint16_t pan, struct lowpan_lladdr *ll);

#endif
