/*
 * A Thread node: public API (thread/node.h), lifecycle, dataset and keys,
 * loading what the store keeps, the MLE receive dispatch, TCP and UDP
 * sockets. The top of the node's files (node_priv.h): it calls the others
 * and sets the struct tn_up hooks through which they reach up.
 *
 * References: thread-sim-interop.md §3.2 (keys), §3.3 (MLE security),
 * §3.1/§3.9 (frame counters persisted ahead).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thread/mesh.h"
#include "thread/mle_child.h"
#include "thread/mle_router.h"
#include "thread/node_priv.h"
#include "thread/node_store.h"
#include "thread/tmf_agent.h"
#include "util/rd.h"

static void save_dataset(struct tnode *n)
{
    if (!n->cfg.kv)
        return;
    int e;
    if (n->has_active)
        e = kv_set(n->cfg.kv, SETTINGS_KEY_ACTIVE_DATASET, n->active.tlvs, n->active.len);
    else {
        e = kv_delete(n->cfg.kv, SETTINGS_KEY_ACTIVE_DATASET, -1);
        if (e == -ENOENT)
            e = 0;
    }
    if (e != 0) {
        n->cnt.settings_errors++;
        tn_log(n, 1, "settings: cannot save the active dataset (%s)", strerror(-e));
    }
}

/* ---- dataset and keys ----------------------------------------------------- */

static void set_key_seq(struct tnode *n, uint32_t seq)
{
    n->key_seq = seq;
    if (thread_keys_derive(n->ds.network_key, seq, &n->keys) != 0)
        tn_log(n, 1, "key derivation failed");
    struct mac_keys mk;
    if (thread_keys_mac_keys(n->ds.network_key, seq, &mk) == 0)
        mac_layer_set_keys(&n->mac, &mk);
}

/* Applies the active dataset to the MAC, keys, IPv6 identity. */
static enum ot_err apply_dataset(struct tnode *n)
{
    if (dataset_parse(n->active.tlvs, n->active.len, &n->ds) != DATASET_OK)
        return OT_ERR_PARSE;
    if (!n->ds.has.network_key || !n->ds.has.channel || !n->ds.has.panid ||
        !n->ds.has.mesh_local_prefix)
        return OT_ERR_INVALID_ARGS;
    if (mac_layer_set_channel(&n->mac, (uint8_t)n->ds.channel) != 0)
        return OT_ERR_INVALID_ARGS;
    mac_layer_set_pan_id(&n->mac, n->ds.panid);
    uint32_t fc = mac_layer_frame_counter(&n->mac);
    set_key_seq(n, n->key_seq);
    mac_layer_set_frame_counter(&n->mac, fc); /* keep it across re-keying */
    n->has_active_ts = n->ds.has.active_timestamp;
    n->active_ts.seconds = n->ds.active_timestamp.seconds;
    n->active_ts.ticks = n->ds.active_timestamp.ticks;
    n->active_ts.authoritative = n->ds.active_timestamp.authoritative;
    ip6_set_ml_prefix(&n->ip, n->ds.mesh_local_prefix);
    ip6_set_ml_iid(&n->ip, n->ml_iid);
    /* Context 0 is the mesh-local prefix (interop §3.5). */
    tn_netdata_apply(n, n->netdata, n->netdata_len);
    return OT_ERR_NONE;
}

/* ---- MLE send and receive (interop §3.3) ---------------------------------- */

/* The replay state of a known neighbour sending MLE from ext. */
static struct child_table_sec *mle_neighbour(struct tnode *n, const uint8_t ext[8],
                                             struct child_table_entry **cp)
{
    *cp = NULL;
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER) {
        struct child_table_entry *c = child_table_by_ext(&n->children, ext);
        if (c && c->state == CHILD_TABLE_VALID) {
            *cp = c;
            return &c->sec;
        }
        /* a neighbour router (mle_link.c) */
        struct mac_addr a = {.mode = MAC_ADDR_EXT};
        memcpy(a.ext, ext, 8);
        return tn_rnbr_sec(n, &a, NULL);
    }
    if (n->parent.valid && memcmp(n->parent.ext, ext, 8) == 0)
        return &n->parent.sec;
    return NULL;
}

static void mle_udp_rx(void *ctx, const struct ip6_udp_rx *rx)
{
    struct tnode *n = ctx;
    if (n->role == TNODE_DISABLED)
        return;
    if (rx->src[0] != 0xfe || (rx->src[1] & 0xc0) != 0x80) {
        n->cnt.mle_drop_not_link_local++;
        return;
    }
    if (rx->hop_limit != MLE_HOP_LIMIT) {
        n->cnt.mle_drop_hop_limit++;
        return;
    }
    struct mle_frame f;
    if (mle_frame_parse(rx->payload, rx->len, &f) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (f.suite != MLE_SUITE_SECURED) {
        n->cnt.mle_drop_unsecured++; /* Discovery: not served */
        return;
    }
    uint8_t ext[8];
    mle_ext_from_ip6(rx->src, ext);
    struct child_table_entry *child;
    struct child_table_sec *sec = mle_neighbour(n, ext, &child);
    if (sec && f.aux.key_seq < sec->mle_key_seq) {
        n->cnt.mle_drop_key_seq++;
        return;
    }
    if (f.aux.key_seq + 1 < n->key_seq) { /* more than one sequence behind */
        n->cnt.mle_drop_key_seq++;
        return;
    }
    uint8_t key[MLE_KEY_LEN];
    if (f.aux.key_seq == n->key_seq)
        memcpy(key, n->keys.mle, sizeof(key));
    else if (mle_key_derive(n->ds.network_key, f.aux.key_seq, key) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    uint8_t plain[MLE_MAX_PAYLOAD];
    size_t plen;
    if (mle_unprotect(key, rx->src, rx->dst, &f, plain, sizeof(plain), &plen) != MLE_OK) {
        n->cnt.mle_drop_mic++;
        return;
    }
    struct mle_msg m;
    if (mle_msg_split(plain, plen, &m, NULL) != MLE_OK) {
        n->cnt.mle_drop_parse++;
        return;
    }
    if (sec) {
        if (f.aux.key_seq > sec->mle_key_seq) {
            sec->mle_key_seq = f.aux.key_seq; /* counters restart per key sequence */
            mac_replay_init(&sec->mle, 0);
        }
        if (mac_replay_accept(&sec->mle, f.aux.frame_counter) != MAC_OK) {
            n->cnt.mle_drop_replay++;
            return;
        }
        /* A known neighbour proves a newer key sequence: switch (§3.2). */
        if (f.aux.key_seq > n->key_seq) {
            set_key_seq(n, f.aux.key_seq); /* the MAC restarts its counter at 0 */
            n->mle_fc = 0;
            /* Nothing is persisted for the new key yet: no secured frame
             * until NETWORK_INFO holds it (else a restart would come back
             * to the old key and reuse the new key's counters). */
            n->mle_fc_stored = n->mac_fc_stored = 0;
            tn_save_network_info(n);
        }
    }
    n->cnt.mle_rx++;
    if ((n->role == TNODE_LEADER || n->role == TNODE_ROUTER) && !tn_partition_for_attach(n, m.cmd))
        tn_router_mle_rx(n, m.cmd, plain, plen, rx->src, rx->dst, child);
    else
        tn_child_mle_rx(n, m.cmd, plain, plen, rx->src, rx->dst);
}

/* ---- lifecycle ------------------------------------------------------------ */

static const struct ip6_ops ip6_ops = {.send = tn_mesh_ip6_send};
static void tcp_init_ctx(struct tnode *n);
static void tcp_flush(struct tnode *n);
static enum ip6_verdict ip6_input_tcp(struct ip6 *ip, const uint8_t *pkt, size_t len,
                                      uint64_t now_ms, const struct ip6_link_info *link,
                                      struct ip6_rx_info *info);

static void load_store(struct tnode *n)
{
    const struct kv *kv = n->cfg.kv;
    uint8_t buf[DATASET_MAX_LEN];
    size_t len = 0;
    if (kv_get(kv, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len) == 0 &&
        len <= sizeof(buf) && dataset_set_tlvs(&n->active, buf, len) == DATASET_OK)
        n->has_active = true;
    struct node_store_network_info ni;
    if (node_store_get_network_info(kv, &ni) == 0) {
        memcpy(n->ext, ni.ext_addr, 8);
        memcpy(n->ml_iid, ni.ml_iid, 8);
        n->key_seq = ni.key_sequence;
        n->mle_fc = n->mle_fc_stored = ni.mle_frame_counter;
        n->mac_fc_stored = ni.mac_frame_counter;
        mac_layer_set_frame_counter(&n->mac, ni.mac_frame_counter);
        if (ni.device_mode)
            n->mode =
                ni.device_mode & (TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA);
        n->saved_role = ni.role;
        n->saved_partition = ni.partition_id;
        n->saved_rloc16 = ni.rloc16;
        n->restore_leader = ni.role == TNODE_LEADER && (ni.rloc16 & 0x3ff) == 0 &&
                            (ni.rloc16 >> 10) <= MLE_MAX_ROUTER_ID;
        return;
    }
    /* First start: the random identity is saved at once. */
    tn_save_network_info(n);
}

static void new_identity(struct tnode *n)
{
    tn_random(n, n->ext, 8);
    n->ext[0] &= (uint8_t)~0x01; /* unicast (not a group address) */
    tn_random(n, n->ml_iid, 8);
}

static void reset_state(struct tnode *n)
{
    n->role = TNODE_DISABLED;
    n->rloc16 = MAC_SHORT_NONE;
    n->mode = TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA; /* "rdn" */
    n->timeout_s = TN_CHILD_TIMEOUT_S;
    n->mle_fc_stored = n->mac_fc_stored = n->cfg.kv ? 0 : UINT32_MAX;
    n->release_rloc16 = MAC_SHORT_NONE;
    n->prev_router_id = ROUTER_TABLE_INVALID_ID;
    n->rcfg.router_eligible = n->cfg.router_eligible;
    n->rcfg.jitter_s = TN_ROUTER_SELECTION_JITTER_S;
    n->rcfg.upgrade_threshold = TN_ROUTER_UPGRADE_THRESHOLD;
    n->rt.upgrade_threshold = TN_ROUTER_UPGRADE_THRESHOLD; /* the leader's copy (a/as) */
    n->rcfg.downgrade_threshold = TN_ROUTER_DOWNGRADE_THRESHOLD;
    n->rcfg.leader_weight = TN_WEIGHTING;
    tn_partition_init(n);
}

struct tnode *tnode_new(const struct tnode_cfg *cfg, uint64_t now_ms)
{
    if (!cfg || !cfg->radio_ops || !cfg->radio_ops->transmit || !cfg->random) {
        if (cfg && cfg->log)
            cfg->log(cfg->user, 1, "tnode_new: radio ops and random are required");
        return NULL;
    }
    struct tnode *n = calloc(1, sizeof(*n));
    if (!n) {
        if (cfg->log)
            cfg->log(cfg->user, 1, "tnode_new: out of memory");
        return NULL;
    }
    n->cfg = *cfg;
    if (cfg->kv) {
        n->kv = *cfg->kv;
        n->cfg.kv = &n->kv;
    }
    n->up.ip6_input = ip6_input_tcp;
    n->up.cache_lookup = tn_cache_lookup;
    n->up.cache_learn = tn_cache_learn;
    n->up.addr_query = tn_addr_query;
    n->up.child_moved = tn_router_child_remove;
    n->up.netdata_changed = tn_router_netdata_changed;
    n->up.routers_changed = tn_link_routers_changed;
    n->up.router_released = tn_link_router_released;
    n->up.addr_solicit_done = tn_link_addr_solicit_done;
    n->up.reattach = tn_child_start_attach;
    n->now = now_ms;
    reset_state(n);
    new_identity(n);

    struct mac_layer_config mc;
    mac_layer_config_default(&mc);
    mc.radio_ops = cfg->radio_ops;
    mc.radio = cfg->radio;
    memcpy(mc.ext_addr, n->ext, 8);
    uint8_t seq;
    tn_random(n, &seq, 1);
    mc.seq_init = seq;
    mc.pcap = cfg->pcap;
    tn_mesh_init(n);
    tn_mesh_mac_config(n, &mc); /* rx, tx_done, neighbour callbacks (mesh.c) */
    if (mac_layer_init(&n->mac, &mc) != 0) {
        tn_log(n, 1, "MAC init failed");
        free(n);
        return NULL;
    }
    ip6_init(&n->ip, &ip6_ops, n);
    lowpan_ctx_init(&n->ctx);
    lowpan_reasm_init(&n->reasm, 0);
    coap_ctx_init(&n->coap, (uint16_t)tn_rand32(n));
    router_table_init(&n->rt, (uint8_t)tn_rand32(n));
    n->tmf_token = (uint16_t)tn_rand32(n);
    n->frag_tag = (uint16_t)tn_rand32(n);

    if (n->cfg.kv)
        load_store(n);
    mac_layer_set_ext_addr(&n->mac, n->ext);
    ip6_set_ext_addr(&n->ip, n->ext);
    if (ip6_udp_bind(&n->ip, MLE_UDP_PORT, NULL, 0, mle_udp_rx, n) < 0)
        tn_log(n, 1, "cannot bind MLE port");
    tn_tmf_init(n);
    tcp_init_ctx(n);
    if (n->has_active && apply_dataset(n) != OT_ERR_NONE) {
        tn_log(n, 1, "saved dataset is unusable; ignored");
        n->has_active = false;
    }
    return n;
}

void tnode_free(struct tnode *n)
{
    if (!n)
        return;
    /* Persist the counters (store ahead) so a restart never reuses one. */
    if (n->cfg.kv && n->role != TNODE_DISABLED)
        tn_save_network_info(n);
    free(n->deferq);
    free(n);
}

void tnode_radio_rx(void *user, const struct radio_rx_frame *f)
{
    struct tnode *n = user;
    if (f->timestamp_ms > n->now)
        n->now = f->timestamp_ms;
    mac_layer_receive(&n->mac, f);
}

void tnode_radio_tx_done(void *user, const struct radio_tx_done *d)
{
    struct tnode *n = user;
    if (d->now_ms > n->now)
        n->now = d->now_ms;
    mac_layer_radio_tx_done(&n->mac, d);
}

static void tn_deferq_flush(struct tnode *n);
static bool tn_deferq_pending(const struct tnode *n);

void tnode_process(struct tnode *n, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    tn_deferq_flush(n);
    mac_layer_tick(&n->mac, n->now);
    tn_mesh_process(n);
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER)
        tn_router_process(n);
    if (n->role == TNODE_CHILD || n->role == TNODE_DETACHED || tn_partition_attaching(n))
        tn_child_process(n); /* also a router's / leader's better-partition attach */
    if (n->role != TNODE_DISABLED)
        tn_link_process(n);
    tn_partition_sd_process(n);
    tn_tmf_process(n);
    uint64_t when;
    if (ip6_ping_deadline(&n->ip, &when) && when <= n->now)
        ip6_ping_poll(&n->ip, n->now);
    tcp_process(&n->tcp, n->now);
    tcp_flush(n);
    tn_txq_kick(n);
}

int64_t tnode_next_timeout_ms(const struct tnode *n, uint64_t now_ms)
{
    int64_t t = -1;
    if (n->txq_count && mac_layer_txq_count(&n->mac) < MAC_LAYER_TXQ_LEN)
        t = tn_min_due(t, 0);
    t = tn_min_due(t, tn_mesh_next(n));
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER)
        t = tn_min_due(t, tn_router_next(n));
    if (n->role == TNODE_CHILD || n->role == TNODE_DETACHED || tn_partition_attaching(n))
        t = tn_min_due(t, tn_child_next(n));
    if (n->role != TNODE_DISABLED)
        t = tn_min_due(t, tn_link_next(n));
    t = tn_min_due(t, tn_tmf_next(n));
    t = tn_min_due(t, tn_partition_sd_next(n));
    /* Those timers are relative to n->now; the caller's now may be later. */
    if (t > 0 && now_ms > n->now) {
        uint64_t late = now_ms - n->now;
        t = (uint64_t)t > late ? t - (int64_t)late : 0;
    }
    uint64_t when;
    if (ip6_ping_deadline(&n->ip, &when))
        t = tn_min_due(t, tn_until(now_ms, when));
    if (n->tcp_txq_count || tn_deferq_pending(n))
        t = 0;
    t = tn_min_due(t, tcp_next_timeout_ms(&n->tcp, now_ms > n->now ? now_ms : n->now));
    return tn_min_due(t, mac_layer_timeout_ms(&n->mac, now_ms));
}

/* ---- dataset API ---------------------------------------------------------- */

struct dataset_tlvs *tnode_dataset_buffer(struct tnode *n)
{
    return &n->buffer;
}

static void ds_rng(void *ctx, uint8_t *out, size_t len)
{
    tn_random(ctx, out, len);
}

enum ot_err tnode_dataset_init_new(struct tnode *n)
{
    if (dataset_init_new(&n->buffer, ds_rng, n, 0) != DATASET_OK)
        return OT_ERR_FAILED;
    return OT_ERR_NONE;
}

enum ot_err tnode_dataset_init_active(struct tnode *n)
{
    if (!n->has_active)
        return OT_ERR_NOT_FOUND;
    n->buffer = n->active;
    return OT_ERR_NONE;
}

enum ot_err tnode_dataset_set_active(struct tnode *n, const uint8_t *tlvs, size_t len,
                                     uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    struct dataset_tlvs d;
    if (!tlvs || dataset_set_tlvs(&d, tlvs, len) != DATASET_OK)
        return OT_ERR_INVALID_ARGS;
    struct dataset_info info;
    if (dataset_parse(d.tlvs, d.len, &info) != DATASET_OK || !info.has.network_key ||
        !info.has.channel || !info.has.panid || !info.has.mesh_local_prefix)
        return OT_ERR_INVALID_ARGS;
    if (n->role != TNODE_DISABLED)
        return OT_ERR_INVALID_STATE; /* OT: only while Thread is stopped */
    struct dataset_tlvs old = n->active;
    bool had = n->has_active;
    n->active = d;
    n->has_active = true;
    if (apply_dataset(n) != OT_ERR_NONE) {
        n->active = old;
        n->has_active = had;
        if (had)
            apply_dataset(n);
        return OT_ERR_INVALID_ARGS;
    }
    save_dataset(n);
    return OT_ERR_NONE;
}

enum ot_err tnode_dataset_commit_active(struct tnode *n, uint64_t now_ms)
{
    return tnode_dataset_set_active(n, n->buffer.tlvs, n->buffer.len, now_ms);
}

const uint8_t *tnode_active_dataset(const struct tnode *n, size_t *len)
{
    if (!n->has_active) {
        *len = 0;
        return NULL;
    }
    *len = n->active.len;
    return n->active.tlvs;
}

/* ---- interface and Thread ------------------------------------------------- */

enum ot_err tnode_ifconfig(struct tnode *n, bool up, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!up && n->role != TNODE_DISABLED)
        tnode_thread_stop(n, now_ms);
    n->ifup = up;
    return OT_ERR_NONE;
}

bool tnode_ifconfig_up(const struct tnode *n)
{
    return n->ifup;
}

enum ot_err tnode_thread_start(struct tnode *n, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!n->ifup || !n->has_active)
        return OT_ERR_INVALID_STATE;
    if (n->role != TNODE_DISABLED)
        return OT_ERR_NONE;
    if (apply_dataset(n) != OT_ERR_NONE)
        return OT_ERR_INVALID_STATE;
    tn_set_role(n, TNODE_DETACHED);
    tn_save_network_info(n); /* counters stored ahead before the first frame */
    /* A leader (saved, or stopped and started again) keeps its partition. */
    if (n->saved_role == TNODE_LEADER && (n->saved_rloc16 & 0x3ff) == 0 &&
        (n->saved_rloc16 >> 10) <= MLE_MAX_ROUTER_ID)
        n->restore_leader = true;
    if (n->restore_leader && n->rcfg.router_eligible) {
        tn_router_become_leader(n, true);
        return OT_ERR_NONE;
    }
    /* A router before: it asks for the same router ID (mPreviousRouterId). */
    if (n->saved_role == TNODE_ROUTER && (n->saved_rloc16 & 0x1ff) == 0 &&
        (n->saved_rloc16 >> 10) <= MLE_MAX_ROUTER_ID)
        n->prev_router_id = (uint8_t)(n->saved_rloc16 >> 10);
    tn_child_start_attach(n);
    return OT_ERR_NONE;
}

/* ---- forcing a role (`state ...`) ------------------------------------------ */

static void set_now(struct tnode *n, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
}

/* Leave the role held and attach again (any partition). */
static void reattach(struct tnode *n)
{
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER)
        tn_router_detach(n);
    else
        tn_child_start_attach(n);
}

enum ot_err tnode_become_detached(struct tnode *n, uint64_t now_ms)
{
    set_now(n, now_ms);
    if (n->role == TNODE_DISABLED)
        return OT_ERR_INVALID_STATE;
    if (n->role != TNODE_DETACHED)
        reattach(n);
    return OT_ERR_NONE;
}

enum ot_err tnode_become_child(struct tnode *n, uint64_t now_ms)
{
    set_now(n, now_ms);
    if (n->role == TNODE_DISABLED)
        return OT_ERR_INVALID_STATE;
    if (n->role == TNODE_DETACHED && n->attach_state != TN_ATTACH_IDLE)
        return OT_ERR_BUSY;
    reattach(n);
    return OT_ERR_NONE;
}

enum ot_err tnode_become_router(struct tnode *n, uint64_t now_ms)
{
    set_now(n, now_ms);
    if (n->role == TNODE_DISABLED || n->role == TNODE_DETACHED)
        return OT_ERR_INVALID_STATE;
    if (n->role != TNODE_CHILD)
        return OT_ERR_NONE;
    if (!n->rcfg.router_eligible || !(n->mode & TNODE_MODE_FTD))
        return OT_ERR_NOT_CAPABLE;
    if (n->as_pending)
        return OT_ERR_NONE; /* SendAddressSolicit: one at a time */
    n->upgrade_ms = 0;
    enum ot_err e = tn_tmf_addr_solicit(n, ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST);
    if (e == OT_ERR_NONE)
        n->as_pending = true;
    return e;
}

enum ot_err tnode_become_leader(struct tnode *n, uint64_t now_ms)
{
    set_now(n, now_ms);
    if (n->role == TNODE_DISABLED || !n->has_active)
        return OT_ERR_INVALID_STATE;
    if (n->role == TNODE_LEADER)
        return OT_ERR_NONE;
    if (!n->rcfg.router_eligible || !(n->mode & TNODE_MODE_FTD))
        return OT_ERR_NOT_CAPABLE;
    /* kCheckLeaderWeight: only a heavier leader may split the partition. */
    if ((n->role == TNODE_CHILD || n->role == TNODE_ROUTER) &&
        n->rcfg.leader_weight <= n->leader.weighting)
        return OT_ERR_NOT_CAPABLE;
    if (n->role == TNODE_ROUTER)
        tn_router_stop(n, false);
    tn_child_stop(n);
    tn_router_become_leader(n, false);
    return OT_ERR_NONE;
}

enum ot_err tnode_thread_stop(struct tnode *n, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (n->role == TNODE_DISABLED)
        return OT_ERR_NONE;
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER)
        tn_router_stop(n, false);
    tn_child_stop(n);
    tn_tmf_reset(n);
    tn_mesh_flush(n);
    n->rloc16 = MAC_SHORT_NONE;
    mac_layer_set_short_addr(&n->mac, MAC_SHORT_NONE);
    ip6_clear_rloc16(&n->ip);
    ip6_remove_aloc(&n->ip, TN_LEADER_ALOC);
    ip6_set_router(&n->ip, false);
    tn_set_role(n, TNODE_DISABLED);
    tn_save_network_info(n);
    return OT_ERR_NONE;
}

void tnode_factoryreset(struct tnode *n, uint64_t now_ms)
{
    tnode_thread_stop(n, now_ms);
    if (n->cfg.kv && kv_wipe(n->cfg.kv) != 0)
        n->cnt.settings_errors++;
    n->has_active = false;
    memset(&n->active, 0, sizeof(n->active));
    memset(&n->buffer, 0, sizeof(n->buffer));
    n->netdata_len = 0;
    n->local_nd_len = 0;
    n->key_seq = 0;
    n->mle_fc = 0;
    n->saved_role = 0;
    n->saved_partition = 0;
    n->saved_rloc16 = 0;
    n->restore_leader = false;
    n->ifup = false;
    reset_state(n);
    new_identity(n);
    mac_layer_set_frame_counter(&n->mac, 0);
    mac_layer_set_ext_addr(&n->mac, n->ext);
    ip6_set_ext_addr(&n->ip, n->ext);
    tn_save_network_info(n);
}

enum tnode_role tnode_role(const struct tnode *n)
{
    return n->role;
}

uint64_t tnode_rx_link_key(const struct tnode_rx_link *l)
{
    /* Bit 16 keeps RLOC16 0x0000 from meaning "no key". */
    return l && l->known ? (uint64_t)1 << 16 | l->rloc16 : 0;
}

uint64_t tnode_rx_device_key(const struct tnode_rx_link *l, const uint8_t src[16])
{
    if (!l || !l->relayed)
        return tnode_rx_link_key(l);
    /* FNV-1a over the address: a collision only shares one budget. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned i = 0; i < 16; i++)
        h = (h ^ src[i]) * 0x100000001b3ull;
    return (uint64_t)1 << 62 | (h & (((uint64_t)1 << 62) - 1));
}

uint16_t tnode_rloc16(const struct tnode *n)
{
    return n->rloc16;
}

void tnode_ext_addr(const struct tnode *n, uint8_t out[8])
{
    memcpy(out, n->ext, 8);
}

uint8_t tnode_mode(const struct tnode *n)
{
    return n->mode;
}

enum ot_err tnode_set_mode(struct tnode *n, uint8_t mode, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (mode & ~(TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA))
        return OT_ERR_INVALID_ARGS;
    if (!(mode & TNODE_MODE_RX_ON))
        return OT_ERR_NOT_IMPLEMENTED; /* sleepy children need indirect TX (mac.h TODO) */
    if ((n->role == TNODE_LEADER || n->role == TNODE_ROUTER) && !(mode & TNODE_MODE_FTD))
        return OT_ERR_INVALID_STATE;
    if (mode == n->mode)
        return OT_ERR_NONE;
    n->mode = mode;
    tn_save_network_info(n);
    if (n->role == TNODE_CHILD)
        tn_child_send_update(n);
    return OT_ERR_NONE;
}

enum ot_err tnode_set_child_timeout(struct tnode *n, uint32_t timeout_s)
{
    if (timeout_s < 10)
        return OT_ERR_INVALID_ARGS;
    n->timeout_s = timeout_s;
    if (n->role == TNODE_CHILD)
        tn_child_send_update(n); /* tell the parent (Timeout TLV) */
    return OT_ERR_NONE;
}

/* ---- addresses ------------------------------------------------------------ */

static int kind_rank(uint8_t k)
{
    switch (k) {
    case IP6_ADDR_SLAAC:
    case IP6_ADDR_OMR:
    case IP6_ADDR_OTHER:
        return 0;
    case IP6_ADDR_ALOC:
        return 1;
    case IP6_ADDR_RLOC:
        return 2;
    case IP6_ADDR_ML_EID:
        return 3;
    default:
        return 4;
    }
}

static enum tnode_addr_kind map_kind(uint8_t k)
{
    switch (k) {
    case IP6_ADDR_LINK_LOCAL:
        return TNODE_ADDR_LINK_LOCAL;
    case IP6_ADDR_ML_EID:
        return TNODE_ADDR_MLEID;
    case IP6_ADDR_RLOC:
        return TNODE_ADDR_RLOC;
    case IP6_ADDR_ALOC:
        return TNODE_ADDR_ALOC;
    case IP6_ADDR_SLAAC:
    case IP6_ADDR_OMR:
        return TNODE_ADDR_SLAAC;
    default:
        return TNODE_ADDR_OTHER;
    }
}

size_t tnode_addrs(const struct tnode *n, struct tnode_addr *out, size_t max)
{
    size_t total = 0;
    for (int rank = 0; rank <= 4; rank++) {
        for (unsigned i = 0; i < ip6_addr_count(&n->ip); i++) {
            const struct ip6_uaddr *a = ip6_addr_at(&n->ip, i);
            if (!a || !a->valid || kind_rank(a->kind) != rank)
                continue;
            /* Without a partition there is no RLOC/ALOC/ML-EID to show. */
            if (n->role == TNODE_DISABLED && a->kind != IP6_ADDR_LINK_LOCAL)
                continue;
            if (total < max) {
                memcpy(out[total].addr, a->addr, 16);
                out[total].prefix_len = a->prefix_len;
                out[total].kind = map_kind(a->kind);
            }
            total++;
        }
    }
    return total;
}

/* ---- network data --------------------------------------------------------- */

const uint8_t *tnode_netdata(const struct tnode *n, size_t *len)
{
    *len = n->netdata_len;
    return n->netdata;
}

enum ot_err tnode_leader_data(const struct tnode *n, struct tnode_leader_data *out)
{
    if (n->role == TNODE_DISABLED || n->role == TNODE_DETACHED)
        return OT_ERR_DETACHED; /* otThreadGetLeaderData: not attached */
    out->partition_id = n->leader.partition_id;
    out->weighting = n->leader.weighting;
    out->data_version = n->leader.data_version;
    out->stable_data_version = n->leader.stable_data_version;
    out->leader_router_id = n->leader.leader_router_id;
    return OT_ERR_NONE;
}

bool tnode_nat64_prefix(const struct tnode *n, struct addr_prefix6 *out)
{
    struct netdata_route_cfg r;
    if (netdata_find_nat64_prefix(n->netdata, n->netdata_len, &r) != NETDATA_OK)
        return false;
    *out = r.prefix;
    return true;
}

enum ot_err tnode_set_local_netdata(struct tnode *n, const uint8_t *tlvs, size_t len,
                                    uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (len > NETDATA_MAX_LEN || (len && !tlvs) ||
        (len && netdata_validate(tlvs, len) != NETDATA_OK))
        return OT_ERR_INVALID_ARGS;
    if (n->role == TNODE_LEADER) {
        struct netdata_leader save = n->store;
        enum netdata_err e = netdata_leader_register(&n->store, n->rloc16, tlvs, len);
        if (e != NETDATA_OK) {
            n->store = save;
            tn_log(n, 2, "local netdata refused: %s", netdata_err_str(e));
            return e == NETDATA_ERR_NO_SPACE || e == NETDATA_ERR_NO_CONTEXT_ID ||
                           e == NETDATA_ERR_NO_SERVICE_ID
                       ? OT_ERR_NO_BUFS
                       : OT_ERR_INVALID_ARGS;
        }
        if (save.version != n->store.version)
            tn_router_netdata_changed(n);
    }
    if (len)
        memcpy(n->local_nd, tlvs, len);
    n->local_nd_len = len;
    tn_partition_sd_changed(n); /* not the leader: a/sd (mle_partition.c) */
    return OT_ERR_NONE;
}

/* ---- neighbours ----------------------------------------------------------- */

static uint8_t lq_from_margin(uint8_t m)
{
    /* OT LinkQualityForLinkMargin: >20 dB 3, >10 2, >2 1. */
    return m > 20 ? 3 : m > 10 ? 2 : m > 2 ? 1 : 0;
}

static uint8_t margin_from_rssi(int8_t rssi)
{
    int m = (int)rssi + 100; /* noise floor -100 dBm */
    return (uint8_t)(m < 0 ? 0 : m > 255 ? 255 : m);
}

size_t tnode_children(const struct tnode *n, uint64_t now_ms, struct tnode_child_info *out,
                      size_t max)
{
    size_t total = 0;
    if (n->role != TNODE_LEADER && n->role != TNODE_ROUTER)
        return 0;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &n->children.child[i];
        if (c->state != CHILD_TABLE_VALID)
            continue;
        if (total < max) {
            struct tnode_child_info *o = &out[total];
            o->id = c->rloc16 & 0x1ff;
            o->rloc16 = c->rloc16;
            o->timeout_s = c->timeout_s;
            o->age_s =
                now_ms > c->last_heard_ms ? (uint32_t)((now_ms - c->last_heard_ms) / 1000) : 0;
            o->lq_in = lq_from_margin(margin_from_rssi(c->rssi));
            o->mode = c->mode & (TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA);
            o->version = c->version;
            memcpy(o->ext_addr, c->ext, 8);
        }
        total++;
    }
    return total;
}

enum ot_err tnode_parent(const struct tnode *n, uint64_t now_ms, struct tnode_parent_info *out)
{
    if (n->role != TNODE_CHILD || !n->parent.valid)
        return OT_ERR_INVALID_STATE;
    memcpy(out->ext_addr, n->parent.ext, 8);
    out->rloc16 = n->parent.rloc16;
    out->link_quality_in = lq_from_margin(margin_from_rssi(n->parent.rssi));
    out->link_quality_out = lq_from_margin(n->parent.link_margin);
    out->age_s = now_ms > n->parent.last_heard_ms
                     ? (uint32_t)((now_ms - n->parent.last_heard_ms) / 1000)
                     : 0;
    out->version = n->parent.version;
    return OT_ERR_NONE;
}

/* ---- ping ------------------------------------------------------------------ */

static void ping_reply(void *ctx, const struct ip6_ping_reply *r)
{
    struct tnode *n = ctx;
    if (!n->ping_cb)
        return;
    struct tnode_ping_event ev = {.type = TNODE_PING_REPLY};
    memcpy(ev.from, r->from, 16);
    ev.size = (uint16_t)(r->size + IP6_ICMP_HDR_LEN); /* OT prints data + 8 ("16 bytes") */
    ev.seq = r->seq;
    ev.hop_limit = r->hop_limit;
    ev.rtt_ms = r->rtt_ms;
    ev.now_ms = n->now;
    n->ping_cb(n->ping_ctx, &ev);
}

static void ping_done(void *ctx, const struct ip6_ping_stats *s)
{
    struct tnode *n = ctx;
    tnode_ping_cb cb = n->ping_cb;
    n->ping_cb = NULL;
    if (!cb)
        return;
    struct tnode_ping_event ev = {.type = TNODE_PING_DONE};
    ev.sent = s->sent;
    ev.received = s->received;
    ev.rtt_min_ms = s->received ? s->min_rtt_ms : 0;
    ev.rtt_max_ms = s->max_rtt_ms;
    ev.rtt_sum_us = (uint64_t)s->total_rtt_ms * 1000u;
    ev.now_ms = n->now;
    cb(n->ping_ctx, &ev);
}

enum ot_err tnode_ping(struct tnode *n, const uint8_t dst[16], uint16_t size, uint16_t count,
                       uint32_t interval_ms, uint8_t hop_limit, uint32_t timeout_ms,
                       tnode_ping_cb cb, void *ctx, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!dst)
        return OT_ERR_INVALID_ARGS;
    if (n->ping_cb || n->ip.ping.running)
        return OT_ERR_BUSY;
    if (n->role == TNODE_DISABLED)
        return OT_ERR_INVALID_STATE;
    struct ip6_ping_cfg pc = {0};
    memcpy(pc.dst, dst, 16);
    pc.size = size;
    pc.count = count;
    pc.interval_ms = interval_ms;
    pc.timeout_ms = (uint16_t)(timeout_ms > 0xffff ? 0xffff : timeout_ms);
    pc.hop_limit = hop_limit;
    pc.on_reply = ping_reply;
    pc.on_done = ping_done;
    pc.cb_ctx = n;
    n->ping_cb = cb;
    n->ping_ctx = ctx;
    enum ip6_err e = ip6_ping_start(&n->ip, &pc, n->now);
    if (e != IP6_OK) {
        n->ping_cb = NULL;
        return e == IP6_ERR_BUSY        ? OT_ERR_BUSY
               : e == IP6_ERR_NO_SOURCE ? OT_ERR_NO_ROUTE
                                        : OT_ERR_INVALID_ARGS;
    }
    return OT_ERR_NONE;
}

/* ---- host side -------------------------------------------------------------- */

enum ot_err tnode_send_ip6(struct tnode *n, const uint8_t *pkt, size_t len, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!pkt || len < IP6_HDR_LEN || len > IP6_MTU || (pkt[0] >> 4) != 6)
        return OT_ERR_INVALID_ARGS;
    if (n->role != TNODE_LEADER && n->role != TNODE_ROUTER && n->role != TNODE_CHILD)
        return OT_ERR_INVALID_STATE;
    return tn_mesh_send(n, pkt, len, TN_FROM_HOST);
}

const struct tnode_counters *tnode_counters(const struct tnode *n)
{
    return &n->cnt;
}

void tnode_frame_counters(const struct tnode *n, struct tnode_fc_info *out)
{
    out->mac = mac_layer_frame_counter(&n->mac);
    out->mle = n->mle_fc;
    out->mac_saved = n->mac_fc_stored;
    out->mle_saved = n->mle_fc_stored;
    out->refusing = n->fc_refusing;
}

const struct mac_layer_counters *tnode_mac_counters(const struct tnode *n)
{
    return mac_layer_counters(&n->mac);
}

struct mac_filter *tnode_mac_filter(struct tnode *n)
{
    return mac_layer_filter(&n->mac);
}

/* ---- receive: TCP before the IPv6 layer ---------------------------------------- */

/* The node's IPv6 input (struct tn_up ip6_input): mesh.c hands every
 * received packet (radio, loopback) here. TCP (next header 6) addressed to us
 * goes to tcp_input(); everything else to ip6_input(), which would answer TCP
 * with an ICMPv6 Parameter Problem since it does not know the protocol. */
static enum ip6_verdict ip6_input_tcp(struct ip6 *ip, const uint8_t *pkt, size_t len,
                                      uint64_t now_ms, const struct ip6_link_info *link,
                                      struct ip6_rx_info *info)
{
    struct tnode *n = ip->ops_ctx;
    /* A TCP segment right after the fixed header (what NAT64 and TCP peers
     * send), to a unicast address of ours. Anything else (extension headers,
     * tunnels, multicast) goes through the IPv6 layer as before. */
    if (n && ip == &n->ip && len >= IP6_HDR_LEN && (pkt[0] >> 4) == 6 && pkt[6] == TCP_PROTO &&
        pkt[24] != 0xff && ip6_is_mine(ip, pkt + 24)) {
        size_t plen = be16_get(pkt + 4);
        if (plen == 0 || plen > len - IP6_HDR_LEN)
            return ip6_input(ip, pkt, len, now_ms, link, info); /* counted there */
        if (now_ms > n->now)
            n->now = now_ms;
        if (info) {
            memset(info, 0, sizeof(*info));
            info->proto = TCP_PROTO;
            info->l4_off = IP6_HDR_LEN;
            info->hop_limit = pkt[7];
        }
        ip->cnt.rx_delivered++;
        tcp_input(&n->tcp, pkt + 8, pkt + 24, pkt + IP6_HDR_LEN, plen, n->now);
        tcp_flush(n);
        return IP6_RX_DELIVERED;
    }
    return ip6_input(ip, pkt, len, now_ms, link, info);
}

/* ---- TCP ------------------------------------------------------------------------ */

static void tcp_ops_send(void *user, const uint8_t src[16], const uint8_t dst[16],
                         const uint8_t *seg, size_t len)
{
    struct tnode *n = user;
    if (len > sizeof(n->tcp_txq[0].seg))
        return;
    if (n->tcp_txq_count == TN_TCP_TXQ) {
        n->cnt.tcp_tx_drop_queue_full++; /* lost: TCP retransmits */
        return;
    }
    struct tn_tcp_seg *q = &n->tcp_txq[(n->tcp_txq_head + n->tcp_txq_count) % TN_TCP_TXQ];
    memcpy(q->src, src, 16);
    memcpy(q->dst, dst, 16);
    memcpy(q->seg, seg, len);
    q->len = (uint16_t)len;
    n->tcp_txq_count++;
}

static uint32_t tcp_ops_rand(void *user)
{
    return tn_rand32(user);
}

static void tcp_ops_event(void *user, struct tcp_ctx *t, int id, void *ep_user,
                          const struct tcp_event *ev)
{
    struct tnode *n = user;
    (void)t;
    (void)ep_user;
    if (id < 0 || id >= TCP_MAX_EP || !n->tcp_user[id].cb)
        return;
    n->tcp_user[id].cb(n->tcp_user[id].ctx, id, ev);
}

static const struct tcp_ops tcp_ops = {
    .send = tcp_ops_send,
    .rand = tcp_ops_rand,
    .event = tcp_ops_event,
};

static void tcp_init_ctx(struct tnode *n)
{
    tcp_ctx_init(&n->tcp, &tcp_ops, n);
    n->udp_ephemeral =
        TCP_EPHEMERAL_MIN; /* Udp::mEphemeralPort: the first one handed out is 49153 */
    for (unsigned i = 0; i < TN_UDP_SOCKS; i++)
        n->udp[i].handle = -1;
}

/* Wraps the queued segments in IPv6 and routes them. Runs outside
 * tcp_input(); a segment queued while flushing (a peer in the same process
 * answering synchronously) goes out in the same loop. */
static void tcp_flush(struct tnode *n)
{
    if (n->tcp_flushing)
        return;
    n->tcp_flushing = true;
    while (n->tcp_txq_count) {
        struct tn_tcp_seg *q = &n->tcp_txq[n->tcp_txq_head];
        uint8_t pkt[IP6_MTU];
        size_t len = IP6_HDR_LEN + q->len;
        memset(pkt, 0, IP6_HDR_LEN);
        pkt[0] = 0x60;
        be16_put(pkt + 4, q->len);
        pkt[6] = TCP_PROTO;
        pkt[7] = TN_TCP_HOP_LIMIT;
        memcpy(pkt + 8, q->src, 16);
        memcpy(pkt + 24, q->dst, 16);
        memcpy(pkt + IP6_HDR_LEN, q->seg, q->len);
        n->tcp_txq_head = (n->tcp_txq_head + 1) % TN_TCP_TXQ;
        n->tcp_txq_count--;
        n->ip.cnt.tx_packets++;
        if (tn_mesh_send(n, pkt, len, TN_FROM_LOCAL) != OT_ERR_NONE)
            n->cnt.tcp_tx_drop_no_route++;
    }
    n->tcp_flushing = false;
}

static enum ot_err from_tcp(enum tcp_err e)
{
    switch (e) {
    case TCP_OK:
        return OT_ERR_NONE;
    case TCP_ERR_INVAL:
        return OT_ERR_INVALID_ARGS;
    case TCP_ERR_FULL:
        return OT_ERR_NO_BUFS;
    case TCP_ERR_NOT_FOUND:
        return OT_ERR_INVALID_STATE;
    case TCP_ERR_STATE:
    case TCP_ERR_IN_USE:
        break;
    }
    return OT_ERR_FAILED; /* OpenThread: any TCPlp (BSD) error */
}

static bool tcp_id_ok(const struct tnode *n, int id)
{
    return id >= 0 && id < TCP_MAX_EP && n->tcp.ep[id].used;
}

enum ot_err tnode_tcp_init(struct tnode *n, tnode_tcp_cb cb, void *ctx, int *id)
{
    if (!id)
        return OT_ERR_INVALID_ARGS;
    enum tcp_err e = tcp_init(&n->tcp, NULL, id);
    if (e != TCP_OK)
        return from_tcp(e);
    n->tcp_user[*id].cb = cb;
    n->tcp_user[*id].ctx = ctx;
    return OT_ERR_NONE;
}

enum ot_err tnode_tcp_deinit(struct tnode *n, int id)
{
    if (!tcp_id_ok(n, id))
        return OT_ERR_INVALID_STATE;
    enum tcp_err e = tcp_deinit(&n->tcp, id);
    n->tcp_user[id].cb = NULL;
    n->tcp_user[id].ctx = NULL;
    tcp_flush(n);
    return from_tcp(e);
}

enum ot_err tnode_tcp_connect(struct tnode *n, int id, const uint8_t *src, uint16_t sport,
                              const uint8_t dst[16], uint16_t dport, uint64_t now_ms)
{
    static const uint8_t any[16];
    if (now_ms > n->now)
        n->now = now_ms;
    if (!tcp_id_ok(n, id))
        return OT_ERR_INVALID_STATE;
    if (!dst)
        return OT_ERR_INVALID_ARGS;
    uint8_t laddr[16];
    if (src && memcmp(src, any, 16) != 0) {
        memcpy(laddr, src, 16);
    } else {
        const struct ip6_uaddr *a = ip6_select_source(&n->ip, dst);
        if (!a)
            return OT_ERR_NO_ROUTE;
        memcpy(laddr, a->addr, 16);
    }
    enum tcp_err e = tcp_connect(&n->tcp, id, laddr, sport, dst, dport, n->now);
    tcp_flush(n);
    return from_tcp(e);
}

enum ot_err tnode_tcp_listen(struct tnode *n, int id, const uint8_t *addr, uint16_t port)
{
    if (!tcp_id_ok(n, id))
        return OT_ERR_INVALID_STATE;
    return from_tcp(tcp_listen(&n->tcp, id, addr, port));
}

size_t tnode_tcp_send(struct tnode *n, int id, const void *data, size_t len, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!tcp_id_ok(n, id))
        return 0;
    size_t k = tcp_send(&n->tcp, id, data, len, n->now);
    tcp_flush(n);
    return k;
}

size_t tnode_tcp_send_space(const struct tnode *n, int id)
{
    return tcp_id_ok(n, id) ? tcp_send_space(&n->tcp, id) : 0;
}

enum ot_err tnode_tcp_send_end(struct tnode *n, int id, uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!tcp_id_ok(n, id))
        return OT_ERR_INVALID_STATE;
    enum tcp_err e = tcp_send_end(&n->tcp, id, n->now);
    tcp_flush(n);
    return from_tcp(e);
}

enum ot_err tnode_tcp_abort(struct tnode *n, int id)
{
    if (!tcp_id_ok(n, id))
        return OT_ERR_INVALID_STATE;
    enum tcp_err e = tcp_abort(&n->tcp, id);
    tcp_flush(n);
    return from_tcp(e);
}

enum tcp_state tnode_tcp_state(const struct tnode *n, int id)
{
    return tcp_id_ok(n, id) ? tcp_state(&n->tcp, id) : TCP_CLOSED;
}

bool tnode_tcp_peer(const struct tnode *n, int id, uint8_t addr[16], uint16_t *port)
{
    const struct tcp_ep *e = tcp_id_ok(n, id) ? tcp_ep_get(&n->tcp, id) : NULL;
    if (!e || e->state == TCP_CLOSED || e->state == TCP_LISTEN)
        return false;
    memcpy(addr, e->raddr, 16);
    *port = e->rport;
    return true;
}

const struct tcp_counters *tnode_tcp_counters(const struct tnode *n)
{
    return &n->tcp.cnt;
}

/* ---- UDP sockets ------------------------------------------------------------------ */

static struct tn_udp *udp_at(struct tnode *n, int h)
{
    if (h < 0 || h >= TN_UDP_SOCKS || !n->udp[h].used)
        return NULL;
    return &n->udp[h];
}

static bool is_unspec(const uint8_t a[16])
{
    static const uint8_t any[16];
    return memcmp(a, any, 16) == 0;
}

static void udp_sock_rx(void *ctx, const struct ip6_udp_rx *rx)
{
    struct tn_udp *u = ctx;
    if (!u->used || !u->cb)
        return;
    /* A connected socket takes only its peer's datagrams (Udp::SocketHandle::Matches). */
    if (u->peer_port != 0 && u->peer_port != rx->sport)
        return;
    if (!is_unspec(u->peer) && memcmp(u->peer, rx->src, 16) != 0)
        return;
    struct tnode_udp_rx r = {
        .src = rx->src,
        .dst = rx->dst,
        .sport = rx->sport,
        .dport = rx->dport,
        .payload = rx->payload,
        .len = rx->len,
        .hop_limit = rx->hop_limit,
        .now_ms = u->node->now,
        .link = tn_mesh_rx_link(u->node, u->node->rx.info),
    };
    u->cb(u->ctx, &r);
}

enum ot_err tnode_udp_open(struct tnode *n, tnode_udp_cb cb, void *ctx, int *handle)
{
    if (!handle)
        return OT_ERR_INVALID_ARGS;
    for (int i = 0; i < TN_UDP_SOCKS; i++) {
        struct tn_udp *u = &n->udp[i];
        if (u->used)
            continue;
        memset(u, 0, sizeof(*u));
        u->used = true;
        u->handle = -1;
        u->cb = cb;
        u->ctx = ctx;
        u->node = n;
        *handle = i;
        return OT_ERR_NONE;
    }
    return OT_ERR_NO_BUFS;
}

enum ot_err tnode_udp_bind(struct tnode *n, int handle, const uint8_t *addr, uint16_t port)
{
    struct tn_udp *u = udp_at(n, handle);
    if (!u)
        return OT_ERR_INVALID_STATE;
    bool has_addr = addr && !is_unspec(addr);
    if (has_addr && !ip6_addr_find(&n->ip, addr))
        return OT_ERR_INVALID_ARGS; /* Udp::Bind: an address of ours or :: */
    if (u->handle >= 0) {
        ip6_udp_close(&n->ip, u->handle);
        u->handle = -1;
        u->port = 0;
    }
    int h = -1;
    if (port != 0) {
        h = ip6_udp_bind(&n->ip, port, has_addr ? addr : NULL, 0, udp_sock_rx, u);
        if (h < 0)
            return h == -IP6_ERR_EXISTS ? OT_ERR_ALREADY : OT_ERR_NO_BUFS;
    } else {
        /* Udp::GetEphemeralPort: the next dynamic port that is free. */
        for (unsigned tries = 0; tries < 16384 && h < 0; tries++) {
            n->udp_ephemeral =
                n->udp_ephemeral >= 65535 ? TCP_EPHEMERAL_MIN : (uint16_t)(n->udp_ephemeral + 1);
            port = n->udp_ephemeral;
            h = ip6_udp_bind(&n->ip, port, has_addr ? addr : NULL, 0, udp_sock_rx, u);
            if (h < 0 && h != -IP6_ERR_EXISTS)
                return OT_ERR_NO_BUFS;
        }
        if (h < 0)
            return OT_ERR_NO_BUFS;
    }
    u->handle = h;
    u->port = port;
    u->has_addr = has_addr;
    if (has_addr)
        memcpy(u->addr, addr, 16);
    return OT_ERR_NONE;
}

enum ot_err tnode_udp_connect(struct tnode *n, int handle, const uint8_t addr[16], uint16_t port)
{
    struct tn_udp *u = udp_at(n, handle);
    if (!u)
        return OT_ERR_INVALID_STATE;
    if (!addr)
        return OT_ERR_INVALID_ARGS;
    memcpy(u->peer, addr, 16);
    u->peer_port = port;
    if (u->handle < 0)
        return tnode_udp_bind(n, handle, NULL, 0);
    return OT_ERR_NONE;
}

enum ot_err tnode_udp_send(struct tnode *n, int handle, const uint8_t *dst, uint16_t dport,
                           const void *data, size_t len, uint64_t now_ms)
{
    return tnode_udp_send_from(n, handle, NULL, dst, dport, data, len, now_ms);
}

enum ot_err tnode_udp_send_from(struct tnode *n, int handle, const uint8_t *src, const uint8_t *dst,
                                uint16_t dport, const void *data, size_t len, uint64_t now_ms)
{
    if (src && (src[0] == 0xff || !ip6_is_mine(&n->ip, src)))
        return OT_ERR_INVALID_ARGS;
    if (now_ms > n->now)
        n->now = now_ms;
    struct tn_udp *u = udp_at(n, handle);
    if (!u)
        return OT_ERR_INVALID_STATE;
    if (!dst || is_unspec(dst)) {
        if (is_unspec(u->peer))
            return OT_ERR_INVALID_ARGS;
        dst = u->peer;
    }
    if (dport == 0) {
        if (u->peer_port == 0)
            return OT_ERR_INVALID_ARGS;
        dport = u->peer_port;
    }
    if (len > IP6_MTU - IP6_HDR_LEN - IP6_UDP_HDR_LEN || (len && !data))
        return OT_ERR_NO_BUFS;
    if (u->handle < 0) {
        enum ot_err e = tnode_udp_bind(n, handle, NULL, 0);
        if (e != OT_ERR_NONE)
            return e;
    }
    uint8_t dcopy[16];
    memcpy(dcopy, dst, 16); /* dst may point into the socket */
    if (!src && u->has_addr)
        src = u->addr;
    switch (ip6_send_udp(&n->ip, src, dcopy, u->port, dport, data, len, 0)) {
    case IP6_OK:
        return OT_ERR_NONE;
    case IP6_ERR_NO_SOURCE:
        return OT_ERR_NO_ROUTE;
    case IP6_ERR_BUSY:
        return OT_ERR_BUSY;
    case IP6_ERR_TOO_BIG:
        return OT_ERR_NO_BUFS;
    default:
        return OT_ERR_INVALID_ARGS;
    }
}

enum ot_err tnode_udp_close(struct tnode *n, int handle)
{
    struct tn_udp *u = udp_at(n, handle);
    if (!u)
        return OT_ERR_INVALID_STATE;
    if (u->handle >= 0)
        ip6_udp_close(&n->ip, u->handle);
    memset(u, 0, sizeof(*u));
    u->handle = -1;
    return OT_ERR_NONE;
}

uint16_t tnode_udp_port(const struct tnode *n, int handle)
{
    if (handle < 0 || handle >= TN_UDP_SOCKS || !n->udp[handle].used)
        return 0;
    return n->udp[handle].port;
}

/* ---- deferred host sends (tnode_ip6_send_deferred) ----------------------------- */

/* A fixed pool of copied packets: nothing is allocated per packet, and a
 * callback of the node never re-enters the send path. */
struct tn_deferq {
    uint8_t pkt[TNODE_DEFER_QUEUE_LEN][IP6_MTU];
    uint16_t len[TNODE_DEFER_QUEUE_LEN];
    unsigned n;
    struct tnode_defer_counters cnt;
};

enum ot_err tnode_ip6_send_deferred(struct tnode *n, const uint8_t *pkt, size_t len,
                                    uint64_t now_ms)
{
    if (now_ms > n->now)
        n->now = now_ms;
    if (!pkt || len < IP6_HDR_LEN || len > IP6_MTU || (pkt[0] >> 4) != 6)
        return OT_ERR_INVALID_ARGS;
    if (!n->deferq && !(n->deferq = calloc(1, sizeof(*n->deferq))))
        return OT_ERR_NO_BUFS;
    if (n->deferq->n >= TNODE_DEFER_QUEUE_LEN) {
        n->deferq->cnt.dropped_full++;
        return OT_ERR_NO_BUFS;
    }
    memcpy(n->deferq->pkt[n->deferq->n], pkt, len);
    n->deferq->len[n->deferq->n++] = (uint16_t)len;
    n->deferq->cnt.queued++;
    return OT_ERR_NONE;
}

static void tn_deferq_flush(struct tnode *n)
{
    struct tn_deferq *q = n->deferq;

    /* Taken off the queue first: a send may call back into the host side,
     * which may queue again (served at the next tnode_process()). */
    for (unsigned i = 0, cnt = q ? q->n : 0; i < cnt; i++) {
        uint8_t pkt[IP6_MTU];
        size_t len = q->len[0];

        memcpy(pkt, q->pkt[0], len);
        memmove(q->pkt[0], q->pkt[1], (size_t)(q->n - 1) * IP6_MTU);
        memmove(q->len, q->len + 1, (size_t)(q->n - 1) * sizeof(q->len[0]));
        q->n--;
        if (tnode_send_ip6(n, pkt, len, n->now) == OT_ERR_NONE)
            q->cnt.sent++;
        else
            q->cnt.send_errors++;
    }
}

static bool tn_deferq_pending(const struct tnode *n)
{
    return n->deferq && n->deferq->n > 0;
}

void tnode_defer_counters(const struct tnode *n, struct tnode_defer_counters *out)
{
    memset(out, 0, sizeof(*out));
    if (n->deferq)
        *out = n->deferq->cnt;
}
