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
/* Sends to the node with this RLOC16 (ourselves: loopback): directly when it
 * is the next hop, else (router) with a mesh header via the next hop. */
enum ot_err tn_mesh_send_rloc(struct tnode *n, const uint8_t *pkt, size_t len, uint16_t dest);
/* Copies pkt into the first free of count slots; false when all are used. */
bool tn_pkt_store(struct tn_pkt *slots, unsigned count, const uint8_t *pkt, size_t len,
                  uint64_t now_ms);
void tn_mesh_process(struct tnode *n);
int64_t tn_mesh_next(const struct tnode *n);
void tn_txq_kick(struct tnode *n);
void tn_mesh_flush(struct tnode *n);

/* Secured MLE message (plain = command || TLVs) from our link-local address
 * to dst (link-local unicast or ff02::1/ff02::2). */
enum ot_err tn_mle_send(struct tnode *n, const uint8_t dst[16], const uint8_t *plain, size_t len);

/* ---- mesh_route.c: route decisions (mesh_forwarder_ftd.cpp, RouteLookup) ---- */

#define TN_CHILD_ID_MASK 0x01ff    /* child ID bits of an RLOC16 */
#define TN_SERVICE_ALOC_MIN 0xfc10 /* service ALOC16 of service ID 0 */
#define TN_MESH_NO_RLOC16 ROUTER_TABLE_INVALID_RLOC16

/* Router or leader: routes for others (mesh headers, relaying). */
bool tn_mesh_is_router(const struct tnode *n);
/* An MTD (not FTD) child of ours with this RLOC16 (OT's HasMinimalChild):
 * mesh frames for it end here and go on to it without a mesh header. */
bool tn_mesh_minimal_child(const struct tnode *n, uint16_t rloc16);
/* Next hop (RLOC16) towards dest: a child's parent; a router's own child
 * directly; else router_table_next_hop. TN_MESH_NO_RLOC16 for none. */
uint16_t tn_mesh_next_hop(const struct tnode *n, uint16_t dest);
/* OT's Leader::RouteLookup: the border router (RLOC16) for a packet from
 * src to dst outside the mesh: Has Route entries of the source prefix's
 * domain (longest match), else the source prefix's default-route BRs; the
 * best by preference, path cost, router over child. */
bool tn_mesh_route_lookup(const struct tnode *n, const uint8_t src[16], const uint8_t dst[16],
                          uint16_t *rloc16);
/* AnycastLookup: leader ALOC 0xfc00 -> the leader's RLOC16, service ALOCs
 * 0xfc10.. -> the nearest server of that service. */
bool tn_mesh_aloc_lookup(const struct tnode *n, uint16_t aloc16, uint16_t *rloc16);
/* Mesh-local, or inside an on-mesh prefix of the Network Data (IsOnMesh). */
bool tn_mesh_on_mesh(const struct tnode *n, const uint8_t addr[16]);

/* A MAC address as the 6LoWPAN link-layer address IPHC compresses against. */
void tn_mesh_ll_from_mac(const struct mac_addr *a, uint16_t pan, struct lowpan_lladdr *ll);

#endif
