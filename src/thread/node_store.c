/*
 * NETWORK_INFO and the frame counters stored ahead, over util/kv.h.
 */
#include "thread/node_store.h"

#include <errno.h>
#include <string.h>

#include "util/rd.h"

void node_store_network_info_encode(const struct node_store_network_info *ni,
                                    uint8_t out[NODE_STORE_NETWORK_INFO_LEN])
{
    struct wr w = wr_init(out, NODE_STORE_NETWORK_INFO_LEN);
    wr_u8(&w, ni->role);
    wr_u8(&w, ni->device_mode);
    wr_be16(&w, ni->rloc16);
    wr_be32(&w, ni->key_sequence);
    wr_be32(&w, ni->mle_frame_counter);
    wr_be32(&w, ni->mac_frame_counter);
    wr_be32(&w, ni->partition_id);
    wr_bytes(&w, ni->ext_addr, 8);
    wr_bytes(&w, ni->ml_iid, 8);
    wr_be16(&w, ni->version);
}

bool node_store_network_info_decode(const uint8_t *buf, size_t len,
                                    struct node_store_network_info *ni)
{
    if (len != NODE_STORE_NETWORK_INFO_LEN)
        return false;
    struct rd r = rd_init(buf, len);
    struct node_store_network_info t;
    bool ok = rd_u8(&r, &t.role) && rd_u8(&r, &t.device_mode) && rd_be16(&r, &t.rloc16) &&
              rd_be32(&r, &t.key_sequence) && rd_be32(&r, &t.mle_frame_counter) &&
              rd_be32(&r, &t.mac_frame_counter) && rd_be32(&r, &t.partition_id) &&
              rd_bytes(&r, t.ext_addr, 8) && rd_bytes(&r, t.ml_iid, 8) && rd_be16(&r, &t.version) &&
              r.left == 0;
    if (ok)
        *ni = t;
    return ok;
}

int node_store_get_network_info(const struct kv *kv, struct node_store_network_info *ni)
{
    uint8_t buf[NODE_STORE_NETWORK_INFO_LEN];
    size_t len;
    int err = kv_get(kv, SETTINGS_KEY_NETWORK_INFO, 0, buf, sizeof(buf), &len);
    if (err != 0)
        return err;
    return node_store_network_info_decode(buf, len, ni) ? 0 : -ENOENT;
}

int node_store_set_network_info(const struct kv *kv, const struct node_store_network_info *ni)
{
    uint8_t buf[NODE_STORE_NETWORK_INFO_LEN];
    node_store_network_info_encode(ni, buf);
    return kv_set(kv, SETTINGS_KEY_NETWORK_INFO, buf, sizeof(buf));
}

/* ---- frame counters -------------------------------------------------------- */

void node_store_fc_load(const struct kv *kv, struct node_store_fc *fc)
{
    struct node_store_network_info ni;
    memset(fc, 0, sizeof(*fc));
    fc->ahead = NODE_STORE_FC_AHEAD;
    if (node_store_get_network_info(kv, &ni) == 0) {
        fc->mac = fc->mac_stored = ni.mac_frame_counter;
        fc->mle = fc->mle_stored = ni.mle_frame_counter;
    }
}

static uint32_t add_sat(uint32_t a, uint32_t b)
{
    return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

int node_store_fc_store(const struct kv *kv, struct node_store_fc *fc)
{
    struct node_store_network_info ni;
    if (node_store_get_network_info(kv, &ni) != 0)
        memset(&ni, 0, sizeof(ni));
    ni.mac_frame_counter = add_sat(fc->mac, fc->ahead);
    ni.mle_frame_counter = add_sat(fc->mle, fc->ahead);
    int err = node_store_set_network_info(kv, &ni);
    if (err == 0) {
        fc->mac_stored = ni.mac_frame_counter;
        fc->mle_stored = ni.mle_frame_counter;
    }
    return err;
}

static int fc_next(const struct kv *kv, struct node_store_fc *fc, uint32_t *live,
                   const uint32_t *stored, uint32_t *out)
{
    if (*live == UINT32_MAX)
        return -ENOSPC;
    if (*live >= *stored) {
        int err = node_store_fc_store(kv, fc);
        if (err != 0)
            return err;
    }
    *out = (*live)++;
    return 0;
}

int node_store_fc_next_mac(const struct kv *kv, struct node_store_fc *fc, uint32_t *out)
{
    return fc_next(kv, fc, &fc->mac, &fc->mac_stored, out);
}

int node_store_fc_next_mle(const struct kv *kv, struct node_store_fc *fc, uint32_t *out)
{
    return fc_next(kv, fc, &fc->mle, &fc->mle_stored, out);
}
