/*
 * The base of the node's files (node_priv.h): logging, randomness,
 * addresses, persistence of NETWORK_INFO, the frame counters stored ahead and
 * the child table, applying Network Data (6LoWPAN contexts, SLAAC, NAT64
 * prefix, service ALOCs) and the role. Calls nothing above it.
 *
 * References: thread-sim-interop.md §3.4 (Network Data), §3.6 (addresses),
 * §3.1/§3.9 (frame counters persisted ahead).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "thread/node_priv.h"
#include "thread/node_store.h"
#include "util/rd.h"

const char *tnode_role_name(enum tnode_role r)
{
    switch (r) {
    case TNODE_DISABLED:
        return "disabled";
    case TNODE_DETACHED:
        return "detached";
    case TNODE_CHILD:
        return "child";
    case TNODE_ROUTER:
        return "router";
    case TNODE_LEADER:
        return "leader";
    }
    return "unknown";
}

/* ---- small helpers -------------------------------------------------------- */

void tn_log(struct tnode *n, int level, const char *fmt, ...)
{
    if (!n->cfg.log)
        return;
    char buf[256];
    int off = snprintf(buf, sizeof(buf), "[node %u] ", n->cfg.node_id);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + off, sizeof(buf) - (size_t)off, fmt, ap);
    va_end(ap);
    n->cfg.log(n->cfg.user, level, buf);
}

void tn_random(struct tnode *n, void *buf, size_t len)
{
    n->cfg.random(n->cfg.user, buf, len);
}

uint32_t tn_rand32(struct tnode *n)
{
    uint8_t b[4];
    tn_random(n, b, 4);
    return be32_get(b);
}

uint32_t tn_rand_range(struct tnode *n, uint32_t lo, uint32_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + tn_rand32(n) % (hi - lo + 1);
}

void tn_ll_from_ext(const uint8_t ext[8], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    memcpy(out + 8, ext, 8);
    out[8] ^= 0x02; /* U/L bit (RFC 4944 §6, interop §3.6) */
}

const uint8_t *tn_ml_prefix(const struct tnode *n)
{
    return n->has_active && n->ds.has.mesh_local_prefix ? n->ds.mesh_local_prefix : NULL;
}

bool tn_is_ml(const struct tnode *n, const uint8_t addr[16])
{
    const uint8_t *ml = tn_ml_prefix(n);
    return ml && memcmp(addr, ml, 8) == 0;
}

void tn_leader_data(const struct tnode *n, struct mle_leader_data *ld)
{
    *ld = n->leader;
}

/* ---- persistence ---------------------------------------------------------- */

static uint32_t add_ahead(uint32_t fc)
{
    return fc > UINT32_MAX - NODE_STORE_FC_AHEAD ? UINT32_MAX : fc + NODE_STORE_FC_AHEAD;
}

/* Writes NETWORK_INFO; on success the counters persisted ahead become the
 * limits of the live ones. A failure is counted; 0 or a kv error. */
static int save_network_info(struct tnode *n)
{
    if (!n->cfg.kv)
        return 0;
    struct node_store_network_info ni = {0};
    ni.role = n->saved_role;
    ni.device_mode = n->mode;
    ni.rloc16 = n->saved_rloc16;
    ni.key_sequence = n->key_seq;
    /* Store ahead (interop §3.1): after a restart the counters resume here,
     * above every value used before. */
    ni.mle_frame_counter = add_ahead(n->mle_fc);
    ni.mac_frame_counter = add_ahead(mac_layer_frame_counter(&n->mac));
    ni.partition_id = n->saved_partition;
    memcpy(ni.ext_addr, n->ext, 8);
    memcpy(ni.ml_iid, n->ml_iid, 8);
    ni.version = TN_MLE_VERSION;
    int err = node_store_set_network_info(n->cfg.kv, &ni);
    if (err != 0) {
        n->cnt.settings_errors++;
        return err;
    }
    n->mle_fc_stored = ni.mle_frame_counter;
    n->mac_fc_stored = ni.mac_frame_counter;
    if (n->fc_refusing)
        tn_log(n, 2,
               "frame counters: persisted ahead again (MAC %u, MLE %u); secured frames resume",
               n->mac_fc_stored, n->mle_fc_stored);
    n->fc_refusing = false;
    return 0;
}

bool tn_save_network_info(struct tnode *n)
{
    int err = save_network_info(n);
    if (err != 0)
        tn_log(n, 1, "settings: cannot save network info (%s)", strerror(-err));
    return err == 0;
}

/* May the counter `live` be used? Only below the persisted value `*stored`
 * (a restart resumes there); at it, the counters are first stored ahead.
 * When that write fails the secured frame is refused rather than sent with
 * a counter a restart would hand out again (same key and nonce: AES-CCM*
 * nonce reuse). While refusing, the write is tried again at most once per
 * TNODE_FC_RETRY_MS, so a store that fails for good (ENOSPC) is not
 * rewritten for every frame, and one that recovers resumes the sending. The
 * episode (fc_refusing) is logged once when it starts and ends with the next
 * write that succeeds, whoever makes it. */
static bool fc_usable(struct tnode *n, uint32_t live, const uint32_t *stored)
{
    if (live < *stored)
        return true;
    if (n->fc_refusing && n->now < n->fc_retry_ms)
        return false;
    const char *why = "counter exhausted: a new key sequence is needed";
    if (live != UINT32_MAX) {
        int err = save_network_info(n);
        if (err == 0)
            return true; /* now *stored = live + ahead (saturated) > live */
        why = strerror(-err);
    }
    n->fc_retry_ms = n->now + TNODE_FC_RETRY_MS;
    if (!n->fc_refusing)
        tn_log(n, 1,
               "frame counters: cannot persist ahead (%s): secured MAC and MLE frames refused "
               "until the store takes the write",
               why);
    n->fc_refusing = true;
    return false;
}

bool tn_next_mle_fc(struct tnode *n, uint32_t *fc)
{
    if (!fc_usable(n, n->mle_fc, &n->mle_fc_stored))
        return false;
    *fc = n->mle_fc++;
    return true;
}

bool tn_check_mac_fc(struct tnode *n)
{
    return fc_usable(n, mac_layer_frame_counter(&n->mac), &n->mac_fc_stored);
}

void tn_save_children(struct tnode *n)
{
    if (n->cfg.kv && child_table_save(&n->children, n->cfg.kv) != 0)
        n->cnt.settings_errors++;
}

/* ---- Network Data --------------------------------------------------------- */

/* Service ALOCs (Thread 1.3 §5.2.2.2: 0xfc10 + service ID, OpenThread's
 * Mle::UpdateServiceAlocs): one for every service this node is a server
 * of, so packets to a service's anycast address (e.g. the DNS/SRP anycast
 * service) reach it; none while detached. */
void tn_service_alocs_sync(struct tnode *n)
{
    uint16_t want = 0;

    if (n->role >= TNODE_CHILD) { /* attached: child, router or leader */
        struct netdata_iter it = NETDATA_ITER_INIT;
        struct netdata_service_cfg sc;

        while (netdata_next_service(n->netdata, n->netdata_len, n->rloc16, &it, &sc))
            want |= (uint16_t)(1u << (sc.service_id & 0x0f));
    }
    for (unsigned id = 0; id < TN_SERVICE_ALOC_COUNT; id++) {
        if (want & (1u << id))
            (void)ip6_add_aloc(&n->ip, (uint16_t)(NETDATA_SERVICE_ALOC_FIRST + id));
        else
            (void)ip6_remove_aloc(&n->ip, (uint16_t)(NETDATA_SERVICE_ALOC_FIRST + id));
    }
}

void tn_netdata_apply(struct tnode *n, const uint8_t *nd, size_t len)
{
    if (len > NETDATA_MAX_LEN)
        len = 0;
    if (nd != n->netdata) {
        if (len)
            memmove(n->netdata, nd, len);
        n->netdata_len = len;
    }
    /* 6LoWPAN contexts: 0 = mesh-local prefix, the rest from Network Data. */
    lowpan_ctx_init(&n->ctx);
    const uint8_t *ml = tn_ml_prefix(n);
    if (ml) {
        uint8_t p[16] = {0};
        memcpy(p, ml, 8);
        lowpan_ctx_set(&n->ctx, 0, p, 64, true);
    }
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_context c;
    while (netdata_next_context(n->netdata, n->netdata_len, &it, &c))
        if (c.id > 0 && c.id < LOWPAN_CTX_MAX)
            lowpan_ctx_set(&n->ctx, c.id, c.prefix.addr, c.prefix.len, c.compress);

    if (n->role != TNODE_CHILD && n->role != TNODE_ROUTER && n->role != TNODE_LEADER)
        return;
    /* SLAAC addresses from on-mesh 'a' prefixes (OT Slaac), IID derived from
     * the extended address, so it is stable across restarts. */
    struct addr_prefix6 pfx[8];
    size_t np = netdata_slaac_prefixes(n->netdata, n->netdata_len, pfx, 8);
    if (np > 8)
        np = 8;
    bool changed = false;
    uint8_t gone[IP6_MAX_ADDRS][16];
    unsigned ngone = 0;
    for (unsigned i = 0; i < ip6_addr_count(&n->ip); i++) {
        const struct ip6_uaddr *a = ip6_addr_at(&n->ip, i);
        if (!a || a->kind != IP6_ADDR_SLAAC)
            continue;
        bool keep = false;
        for (size_t k = 0; k < np; k++)
            if (memcmp(a->addr, pfx[k].addr, 8) == 0)
                keep = true;
        if (!keep && ngone < IP6_MAX_ADDRS)
            memcpy(gone[ngone++], a->addr, 16);
    }
    for (unsigned i = 0; i < ngone; i++) {
        ip6_addr_remove(&n->ip, gone[i]);
        changed = true;
    }
    for (size_t k = 0; k < np; k++) {
        uint8_t out[16];
        if (ip6_add_slaac(&n->ip, pfx[k].addr, NULL, IP6_ADDR_SLAAC, out) == IP6_OK)
            changed = true;
    }
    /* NAT64 prefix (OT FindPreferredNat64Prefix). */
    struct netdata_route_cfg r;
    if (netdata_find_nat64_prefix(n->netdata, n->netdata_len, &r) == NETDATA_OK) {
        n->has_nat64 = true;
        n->nat64 = r.prefix;
        ip6_set_nat64_prefix(&n->ip, r.prefix.addr, r.prefix.len);
    } else {
        n->has_nat64 = false;
        ip6_set_nat64_prefix(&n->ip, NULL, 0);
    }
    tn_service_alocs_sync(n);
    if (changed && n->role == TNODE_CHILD && !(n->mode & TNODE_MODE_FTD))
        n->addr_reg_due = true; /* an MTD registers its addresses (interop §3.3) */
}

void tn_addr_reg_build(struct tnode *n, struct mle_addr_reg *ar)
{
    memset(ar, 0, sizeof(*ar));
    /* ML-EID first (context 0), then the other unicast addresses. */
    const struct ip6_uaddr *ml = ip6_addr_of_kind(&n->ip, IP6_ADDR_ML_EID);
    if (ml) {
        ar->e[ar->n].compressed = true;
        ar->e[ar->n].context_id = 0;
        memcpy(ar->e[ar->n].addr + 8, ml->addr + 8, 8);
        ar->n++;
    }
    for (unsigned i = 0; i < ip6_addr_count(&n->ip) && ar->n < MLE_ADDR_REG_MAX; i++) {
        const struct ip6_uaddr *a = ip6_addr_at(&n->ip, i);
        if (!a || !a->valid)
            continue;
        if (a->kind == IP6_ADDR_LINK_LOCAL || a->kind == IP6_ADDR_ML_EID ||
            a->kind == IP6_ADDR_RLOC || a->kind == IP6_ADDR_ALOC)
            continue;
        struct mle_addr_entry *e = &ar->e[ar->n];
        memset(e, 0, sizeof(*e));
        struct netdata_context c;
        if (netdata_context_for_addr(n->netdata, n->netdata_len, a->addr, true, &c) == NETDATA_OK &&
            c.prefix.len <= 64) {
            e->compressed = true;
            e->context_id = c.id;
            memcpy(e->addr + 8, a->addr + 8, 8);
        } else {
            memcpy(e->addr, a->addr, 16);
        }
        ar->n++;
    }
}

bool tn_addr_reg_resolve(const struct tnode *n, const struct mle_addr_entry *e, uint8_t out[16])
{
    if (!e->compressed) {
        memcpy(out, e->addr, 16);
        return true;
    }
    memset(out, 0, 16);
    if (e->context_id == 0) {
        const uint8_t *ml = tn_ml_prefix(n);
        if (!ml)
            return false;
        memcpy(out, ml, 8);
    } else {
        struct netdata_context c;
        if (netdata_context_by_id(n->netdata, n->netdata_len, e->context_id, &c) != NETDATA_OK)
            return false;
        memcpy(out, c.prefix.addr, 8);
    }
    memcpy(out + 8, e->addr + 8, 8);
    return true;
}

/* ---- role ---------------------------------------------------------------- */

void tn_set_role(struct tnode *n, enum tnode_role role)
{
    if (n->role != role)
        tn_log(n, 3, "role %s -> %s", tnode_role_name(n->role), tnode_role_name(role));
    n->role = role;
    tn_service_alocs_sync(n);
}

/* ---- neighbour routers (n->rt links, n->rnbr state) ------------------------- */

int tn_rnbr_by_ext(const struct tnode *n, const uint8_t ext[8])
{
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = router_table_cget(&n->rt, id);
        if (e && id != n->rt.my_id && e->link == ROUTER_TABLE_LINK_VALID &&
            memcmp(e->ext, ext, 8) == 0)
            return id;
    }
    return -1;
}

struct child_table_sec *tn_rnbr_sec(struct tnode *n, const struct mac_addr *src,
                                    const uint8_t **ext)
{
    if (n->role != TNODE_ROUTER && n->role != TNODE_LEADER)
        return NULL;
    int id = -1;
    if (src->mode == MAC_ADDR_EXT) {
        id = tn_rnbr_by_ext(n, src->ext);
    } else if (src->mode == MAC_ADDR_SHORT && (src->short_addr & 0x1ff) == 0 &&
               (src->short_addr >> 10) <= ROUTER_TABLE_MAX_ID) {
        const struct router_table_entry *e = router_table_cget(&n->rt, src->short_addr >> 10);
        if (e && (src->short_addr >> 10) != n->rt.my_id && e->link == ROUTER_TABLE_LINK_VALID)
            id = src->short_addr >> 10;
    }
    if (id < 0)
        return NULL;
    if (ext)
        *ext = n->rnbr[id].ext;
    return &n->rnbr[id].sec;
}

void tn_rnbr_heard(struct tnode *n, const uint8_t ext[8], int8_t rssi)
{
    int id = n->role == TNODE_ROUTER || n->role == TNODE_LEADER ? tn_rnbr_by_ext(n, ext) : -1;
    if (id < 0)
        return;
    router_table_link_rx(&n->rt, (uint8_t)id, rssi, TN_NOISE_FLOOR);
    router_table_get(&n->rt, (uint8_t)id)->last_heard_ms = n->now;
}

uint8_t tn_rx_link_margin(const struct tnode *n)
{
    return router_table_link_margin(TN_NOISE_FLOOR, n->rx.info ? n->rx.info->rssi : -20);
}
