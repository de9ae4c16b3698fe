/*
 * The Thread node as the border router's parts see it, read once per pass
 * of the agent's reconcile loop: the role and RLOC16, the full Network Data
 * (the prefix manager's input), the ML-EID (the DNS/SRP service's address),
 * the mesh-local /64 (host route, data path) and the active dataset's
 * Extended PAN ID (the local on-link prefix, ra.h).
 *
 * br_node_view_parse() is pure over the node's addresses (tnode_addrs, in
 * OpenThread's `ipaddr` order) and active dataset TLVs; br_node_view_read()
 * reads them from the node. No global state.
 */
#ifndef TBR_BR_NODE_VIEW_H
#define TBR_BR_NODE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread/node.h"

#define BR_NODE_VIEW_ADDRS 16 /* addresses looked at (the node's own first) */

struct br_node_view {
    enum tnode_role role;
    bool attached; /* child or better */
    uint16_t rloc16;
    const uint8_t *netdata; /* the node's full Network Data (NULL: none) */
    size_t netdata_len;
    bool has_mleid; /* none while detached */
    uint8_t mleid[16];
    bool has_ml; /* the mesh-local /64 (of the RLOC or the ML-EID) */
    uint8_t ml[8];
    bool has_xpanid; /* from the active dataset */
    uint8_t xpanid[8];
};

/* The address and dataset fields of v from n addresses and the active
 * dataset (NULL/0: none; an invalid one gives no Extended PAN ID). */
void br_node_view_parse(struct br_node_view *v, const struct tnode_addr *addrs, size_t n,
                        const uint8_t *dataset, size_t dataset_len);
/* Every field of v from the node (Network Data valid until the node's next
 * call). */
void br_node_view_read(struct br_node_view *v, const struct tnode *node);
/* Only the mesh-local /64 (cheap: for the data path's per-packet check);
 * false while detached. */
bool br_node_view_mesh_local(const struct tnode *node, uint8_t out[8]);

#endif
