/*
 * The Thread node as the border router's parts see it; see node_view.h.
 */
#include "br/node_view.h"

#include <string.h>

#include "thread/dataset.h"

/* The first ML-EID (or, with rloc, the first of ML-EID and RLOC). */
static bool find_addr(const struct tnode_addr *addrs, size_t n, bool rloc, uint8_t out[16])
{
    for (size_t i = 0; i < n; i++) {
        if (addrs[i].kind == TNODE_ADDR_MLEID || (rloc && addrs[i].kind == TNODE_ADDR_RLOC)) {
            memcpy(out, addrs[i].addr, 16);
            return true;
        }
    }
    return false;
}

void br_node_view_parse(struct br_node_view *v, const struct tnode_addr *addrs, size_t n,
                        const uint8_t *dataset, size_t dataset_len)
{
    struct dataset_info info;
    uint8_t ml[16];

    v->has_mleid = find_addr(addrs, n, false, v->mleid);
    v->has_ml = find_addr(addrs, n, true, ml);
    if (v->has_ml)
        memcpy(v->ml, ml, 8);
    v->has_xpanid = dataset != NULL && dataset_len > 0 &&
                    dataset_parse(dataset, dataset_len, &info) == DATASET_OK && info.has.extpanid;
    if (v->has_xpanid)
        memcpy(v->xpanid, info.extpanid, 8);
}

static size_t node_addrs(const struct tnode *node, struct tnode_addr *ad)
{
    size_t n = tnode_addrs(node, ad, BR_NODE_VIEW_ADDRS);

    return n > BR_NODE_VIEW_ADDRS ? BR_NODE_VIEW_ADDRS : n;
}

void br_node_view_read(struct br_node_view *v, const struct tnode *node)
{
    struct tnode_addr ad[BR_NODE_VIEW_ADDRS];
    size_t n = node_addrs(node, ad), dlen = 0;
    const uint8_t *ds = tnode_active_dataset(node, &dlen);

    memset(v, 0, sizeof(*v));
    v->role = tnode_role(node);
    v->attached = v->role >= TNODE_CHILD;
    v->rloc16 = tnode_rloc16(node);
    v->netdata = tnode_netdata(node, &v->netdata_len);
    if (v->netdata == NULL)
        v->netdata_len = 0;
    br_node_view_parse(v, ad, n, ds, dlen);
}

bool br_node_view_mesh_local(const struct tnode *node, uint8_t out[8])
{
    struct tnode_addr ad[BR_NODE_VIEW_ADDRS];
    uint8_t addr[16];

    if (!find_addr(ad, node_addrs(node, ad), true, addr))
        return false;
    memcpy(out, addr, 8);
    return true;
}
