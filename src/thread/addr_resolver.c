/*
 * The EID-to-RLOC map cache and address resolution (Thread 1.3 §5.5;
 * OpenThread's address_resolver.cpp, the reference for every size, timer and
 * decision here):
 *   - four lists: cached (a/an answered, or a snooped entry used), snooped
 *     (learned from received frames, UpdateSnoopedCacheEntry), query (a/aq
 *     sent, waiting 3 s), query-retry (failed: no new query for the retry
 *     delay, 15 s doubling to 120 s, then a ramp-down halving it every
 *     120 s). Each list is ordered newest first (n->cache[].order); a new
 *     entry takes a free one, else the oldest evictable snooped, retry,
 *     query, then cached entry (NewCacheEntry). Snooped entries are kept
 *     from eviction 3 s, at most TN_ADDR_CACHE_SNOOP_MAX of them at once.
 *   - a/aq (NON, to ff03::2, which MPL carries across routers) answered with
 *     a/an (CON) for our own addresses and for MTD children's registered
 *     ones (their ML-IID, Last Transaction Time; the child's RLOC16 where
 *     OT gives its own: either routes to the parent, interop §3.7 (b));
 *   - a/an fills the entry and releases the packets held for it; a second
 *     answer from another ML-IID is a duplicate: a/ae (NON, ff03::2);
 *   - a/ae: a duplicate of one of our addresses is removed; of an MTD
 *     child's registered address: removed there, a/ae (CON) to the child.
 * Packets waiting for an answer are held in n->pending (TN_PENDING_PKTS).
 */
#include <string.h>

#include "thread/mesh.h"
#include "thread/tmf.h"
#include "thread/tmf_agent.h"

static const uint8_t realm_routers[16] = {0xff, 0x03, [15] = 0x02};

void tn_ar_reset(struct tnode *n)
{
    memset(n->cache, 0, sizeof(n->cache));
    n->cache_order = 0;
    n->cache_tick_ms = 0;
    for (unsigned i = 0; i < TN_PENDING_PKTS; i++)
        n->pending[i].used = false;
}

/* Puts e at the head of list st (LinkedList::Push). */
static void push(struct tnode *n, struct tn_cache *e, uint8_t st)
{
    e->state = st;
    if (n->cache_order >= TN_CACHE_ORDER_MAX) {
        /* Renumber 1.. in the same order so orders fit the iterator. */
        uint32_t k = 0, floor = 0;
        for (;;) {
            struct tn_cache *next = NULL;
            for (unsigned i = 0; i < TN_ADDR_CACHE; i++) {
                struct tn_cache *c = &n->cache[i];
                if (c->state != TN_CACHE_FREE && c != e && c->order > floor &&
                    (!next || c->order < next->order))
                    next = c;
            }
            if (!next)
                break;
            floor = next->order;
            next->order = ++k;
        }
        n->cache_order = k;
    }
    e->order = ++n->cache_order;
}

/* The 1 s tick runs while some entry has a timer (TimeTicker receiver). */
static void tick_start(struct tnode *n)
{
    if (n->cache_tick_ms == 0)
        n->cache_tick_ms = n->now + 1000;
}

static struct tn_cache *find(struct tnode *n, const uint8_t eid[16])
{
    for (unsigned i = 0; i < TN_ADDR_CACHE; i++)
        if (n->cache[i].state != TN_CACHE_FREE && memcmp(n->cache[i].eid, eid, 16) == 0)
            return &n->cache[i];
    return NULL;
}

/* Sends (send) or drops the packets held for eid (MeshForwarder::HandleResolved). */
static void release_pending(struct tnode *n, const uint8_t eid[16], bool send)
{
    for (unsigned i = 0; i < TN_PENDING_PKTS; i++) {
        struct tn_pkt *p = &n->pending[i];
        if (!p->used || memcmp(p->data + 24, eid, 16) != 0)
            continue;
        p->used = false;
        if (send) {
            uint8_t pkt[IP6_MTU];
            memcpy(pkt, p->data, p->len);
            tn_mesh_send(n, pkt, p->len, TN_FROM_LOCAL);
        } else {
            n->cnt.tx_drop_no_route++;
        }
    }
}

static void free_entry(struct tnode *n, struct tn_cache *e)
{
    uint8_t st = e->state;
    uint8_t eid[16];
    memcpy(eid, e->eid, 16);
    memset(e, 0, sizeof(*e));
    if (st == TN_CACHE_QUERY)
        release_pending(n, eid, false);
}

/* NewCacheEntry: a free entry, else the oldest evictable one of the
 * snooped, retry, query, then cached lists. NULL when none (or, for a
 * snooped entry, when TN_ADDR_CACHE_SNOOP_MAX snooped entries are still
 * held). */
static struct tn_cache *new_entry(struct tnode *n, bool snooped)
{
    for (unsigned i = 0; i < TN_ADDR_CACHE; i++)
        if (n->cache[i].state == TN_CACHE_FREE)
            return &n->cache[i];
    static const uint8_t lists[] = {TN_CACHE_SNOOPED, TN_CACHE_RETRY, TN_CACHE_QUERY,
                                    TN_CACHE_CACHED};
    for (unsigned l = 0; l < sizeof(lists); l++) {
        struct tn_cache *oldest = NULL;
        unsigned held = 0;
        for (unsigned i = 0; i < TN_ADDR_CACHE; i++) {
            struct tn_cache *e = &n->cache[i];
            if (e->state != lists[l])
                continue;
            if (lists[l] != TN_CACHE_CACHED && !e->can_evict) {
                held++;
                continue;
            }
            if (!oldest || e->order < oldest->order)
                oldest = e;
        }
        if (oldest) {
            n->cnt.eid_cache_evictions++;
            free_entry(n, oldest);
            return oldest;
        }
        if (snooped && lists[l] == TN_CACHE_SNOOPED && held >= TN_ADDR_CACHE_SNOOP_MAX)
            return NULL;
    }
    return NULL;
}

bool tn_cache_lookup(struct tnode *n, const uint8_t eid[16], uint16_t *rloc16)
{
    /* Resolve without a query: a cached or snooped entry moves to the head
     * of the cached list; one whose RLOC16 has no next hop is stale and
     * freed, unless an a/an refreshed it within the last 3 s. */
    struct tn_cache *e = find(n, eid);
    if (!e || (e->state != TN_CACHE_CACHED && e->state != TN_CACHE_SNOOPED))
        return false;
    bool fresh = e->state == TN_CACHE_CACHED && e->freshness > 0;
    if (!fresh && tn_mesh_next_hop(n, e->rloc16) == TN_MESH_NO_RLOC16) {
        memset(e, 0, sizeof(*e));
        return false;
    }
    if (e->state == TN_CACHE_SNOOPED)
        e->ltt_valid = false;
    push(n, e, TN_CACHE_CACHED);
    *rloc16 = e->rloc16;
    return true;
}

void tn_cache_learn(struct tnode *n, const uint8_t eid[16], uint16_t rloc16)
{
    /* UpdateSnoopedCacheEntry (mesh.c checked who sent it to whom). An
     * existing entry is updated (UpdateCacheEntry: a query is answered). */
    struct tn_cache *e = find(n, eid);
    if (e) {
        if (e->state == TN_CACHE_CACHED || e->state == TN_CACHE_SNOOPED) {
            e->rloc16 = rloc16;
            return;
        }
        e->rloc16 = rloc16;
        e->ltt_valid = false;
        push(n, e, TN_CACHE_CACHED);
        release_pending(n, eid, true);
        return;
    }
    e = new_entry(n, true);
    if (!e)
        return;
    unsigned held = 0;
    for (unsigned i = 0; i < TN_ADDR_CACHE; i++)
        if (n->cache[i].state == TN_CACHE_SNOOPED && !n->cache[i].can_evict)
            held++;
    memcpy(e->eid, eid, 16);
    e->rloc16 = rloc16;
    if (held < TN_ADDR_CACHE_SNOOP_MAX) {
        e->can_evict = false;
        e->timeout = TN_SNOOP_TIMEOUT_S;
        tick_start(n);
    } else {
        e->can_evict = true;
        e->timeout = 0;
    }
    push(n, e, TN_CACHE_SNOOPED);
    n->cnt.eid_cache_snooped++;
}

/* RemoveEntriesForRloc16 / RemoveEntriesForRouterId. */
static void forget(struct tnode *n, uint16_t rloc16, bool match_router)
{
    for (unsigned i = 0; i < TN_ADDR_CACHE; i++) {
        struct tn_cache *e = &n->cache[i];
        if (e->state == TN_CACHE_FREE)
            continue;
        if (e->rloc16 == rloc16 || (match_router && (e->rloc16 >> 10) == (rloc16 >> 10)))
            free_entry(n, e);
    }
}

void tn_cache_forget_rloc(struct tnode *n, uint16_t rloc16)
{
    forget(n, rloc16, false);
}

void tn_cache_forget_router(struct tnode *n, uint8_t router_id)
{
    forget(n, (uint16_t)(router_id << 10), true);
}

static enum ot_err send_query(struct tnode *n, const uint8_t eid[16])
{
    struct tmf_addr_query q;
    memcpy(q.target_eid, eid, 16);
    uint8_t payload[32], out[TN_TMF_MSG_MAX];
    size_t plen, olen;
    uint8_t token[2] = {(uint8_t)(n->tmf_token >> 8), (uint8_t)n->tmf_token};
    n->tmf_token++;
    if (tmf_build_addr_query(&q, payload, sizeof(payload), &plen) != TMF_OK ||
        tmf_build_request(COAP_TYPE_NON, coap_next_mid(&n->coap), token, 2, TMF_URI_ADDR_QUERY,
                          payload, plen, out, sizeof(out), &olen, NULL) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return OT_ERR_NO_BUFS;
    }
    n->cnt.addr_queries++;
    tick_start(n);
    return tn_tmf_send(n, realm_routers, out, olen);
}

static enum ot_err hold(struct tnode *n, const uint8_t *pkt, size_t len)
{
    if (tn_pkt_store(n->pending, TN_PENDING_PKTS, pkt, len, n->now))
        return OT_ERR_NONE;
    n->cnt.tx_drop_pending_full++;
    return OT_ERR_NO_BUFS;
}

enum ot_err tn_addr_query(struct tnode *n, const uint8_t eid[16], const uint8_t *pkt, size_t len)
{
    /* Resolve with a query allowed (mesh.c looked the cache up first). */
    struct tn_cache *e = find(n, eid);
    if (e && e->state == TN_CACHE_QUERY)
        return hold(n, pkt, len);
    if (e && e->state == TN_CACHE_RETRY && !e->ramp_down) {
        n->cnt.tx_drop_no_route++; /* in its retry delay */
        return OT_ERR_DROP;
    }
    if (e && (e->state == TN_CACHE_CACHED || e->state == TN_CACHE_SNOOPED)) {
        uint16_t rloc;
        if (tn_cache_lookup(n, eid, &rloc))
            return tn_mesh_send_rloc(n, pkt, len, rloc);
        e = NULL; /* stale: freed */
    }
    if (!e) {
        e = new_entry(n, false);
        if (!e) {
            n->cnt.tx_drop_pending_full++;
            return OT_ERR_NO_BUFS;
        }
        memcpy(e->eid, eid, 16);
        e->rloc16 = TN_MESH_NO_RLOC16;
        e->retry_delay = TN_AQ_RETRY_MIN_S;
        e->can_evict = false;
    }
    e->timeout = TN_AQ_TIMEOUT_S;
    if (send_query(n, eid) != OT_ERR_NONE) {
        memset(e, 0, sizeof(*e));
        return OT_ERR_NO_BUFS;
    }
    push(n, e, TN_CACHE_QUERY);
    return hold(n, pkt, len);
}

/* ---- a/aq, a/an, a/ae ------------------------------------------------------- */

static void send_notify(struct tnode *n, const uint8_t target[16], const uint8_t ml_iid[8],
                        uint16_t rloc16, const uint32_t *ltt, const uint8_t dst[16])
{
    struct tmf_addr_notify an = {0};
    memcpy(an.target_eid, target, 16);
    memcpy(an.ml_eid, ml_iid, 8);
    an.rloc16 = rloc16;
    if (ltt) {
        an.has_last_transaction_time = true;
        an.last_transaction_time = *ltt;
    }
    uint8_t payload[64];
    size_t plen;
    if (tmf_build_addr_notify(&an, payload, sizeof(payload), &plen) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    n->cnt.addr_notifies_sent++;
    tn_tmf_send_con(n, dst, TMF_URI_ADDR_NOTIFY, payload, plen);
}

/* The mesh-local IID among a child's registered addresses (zero if none). */
static void child_ml_iid(const struct tnode *n, const struct child_table_entry *c, uint8_t out[8])
{
    memset(out, 0, 8);
    for (unsigned k = 0; k < c->n_addrs; k++) {
        uint16_t loc;
        if (tn_is_ml(n, c->addrs[k]) && !ip6_iid_is_locator(c->addrs[k], &loc)) {
            memcpy(out, c->addrs[k] + 8, 8);
            return;
        }
    }
}

static bool own_eid(const struct tnode *n, const uint8_t addr[16])
{
    const struct ip6_uaddr *own = ip6_addr_find(&n->ip, addr);
    return own && own->valid && own->kind != IP6_ADDR_ALOC && own->kind != IP6_ADDR_RLOC &&
           own->kind != IP6_ADDR_LINK_LOCAL;
}

void tn_ar_rx_query(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    struct tmf_addr_query q;
    if (m->type != COAP_TYPE_NON ||
        tmf_parse_addr_query(m->payload, m->payload_len, &q) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    if (own_eid(n, q.target_eid)) {
        send_notify(n, q.target_eid, n->ml_iid, n->rloc16, NULL, rx->src);
        return;
    }
    if (!tn_mesh_is_router(n))
        return;
    /* Proxy for MTD children's registered addresses (FTD children answer
     * for themselves). */
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &n->children.child[i];
        if (c->state != CHILD_TABLE_VALID || (c->mode & MLE_MODE_FTD))
            continue;
        for (unsigned k = 0; k < c->n_addrs; k++) {
            if (memcmp(c->addrs[k], q.target_eid, 16) != 0)
                continue;
            uint8_t iid[8];
            child_ml_iid(n, c, iid);
            uint32_t ltt = (uint32_t)((n->now - c->last_heard_ms) / 1000);
            send_notify(n, q.target_eid, iid, c->rloc16, &ltt, rx->src);
            return;
        }
    }
}

static void send_error(struct tnode *n, const uint8_t target[16], const uint8_t ml_iid[8],
                       const uint8_t *dst)
{
    struct tmf_addr_error ae;
    memcpy(ae.target_eid, target, 16);
    memcpy(ae.ml_eid, ml_iid, 8);
    uint8_t payload[48], out[TN_TMF_MSG_MAX];
    size_t plen, olen;
    if (tmf_build_addr_error(&ae, payload, sizeof(payload), &plen) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    n->cnt.addr_errors_sent++;
    if (dst) {
        tn_tmf_send_con(n, dst, TMF_URI_ADDR_ERROR, payload, plen);
        return;
    }
    uint8_t token[2] = {(uint8_t)(n->tmf_token >> 8), (uint8_t)n->tmf_token};
    n->tmf_token++;
    if (tmf_build_request(COAP_TYPE_NON, coap_next_mid(&n->coap), token, 2, TMF_URI_ADDR_ERROR,
                          payload, plen, out, sizeof(out), &olen, NULL) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    tn_tmf_send(n, realm_routers, out, olen);
}

void tn_ar_rx_notify(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    struct tmf_addr_notify an;
    if (m->type != COAP_TYPE_CON ||
        tmf_parse_addr_notify(m->payload, m->payload_len, &an) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    tn_tmf_reply(n, m, rx, COAP_CODE_CHANGED, NULL, 0);
    struct tn_cache *e = find(n, an.target_eid);
    if (!e) {
        n->cnt.addr_notify_unasked++;
        return;
    }
    uint32_t ltt = an.has_last_transaction_time ? an.last_transaction_time : 0;
    if (e->state == TN_CACHE_CACHED && e->ltt_valid) {
        if (memcmp(e->ml_iid, an.ml_eid, 8) != 0) {
            send_error(n, an.target_eid, e->ml_iid, NULL); /* duplicate address */
            return;
        }
        if (ltt >= e->ltt)
            return; /* not fresher than what we have */
    }
    e->rloc16 = an.rloc16;
    memcpy(e->ml_iid, an.ml_eid, 8);
    e->ltt = ltt;
    e->ltt_valid = true;
    e->freshness = TN_CACHE_FRESHNESS_S;
    tick_start(n);
    push(n, e, TN_CACHE_CACHED);
    release_pending(n, an.target_eid, true);
}

void tn_ar_rx_error(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    struct tmf_addr_error ae;
    if (tmf_parse_addr_error(m->payload, m->payload_len, &ae) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    if (m->type == COAP_TYPE_CON && rx->dst[0] != 0xff)
        tn_tmf_reply(n, m, rx, COAP_CODE_CHANGED, NULL, 0);
    n->cnt.addr_errors_rx++;
    if (own_eid(n, ae.target_eid) && memcmp(n->ml_iid, ae.ml_eid, 8) != 0) {
        /* Someone else with another ML-EID holds this address. */
        tn_log(n, 2, "a/ae: duplicate address removed");
        ip6_addr_remove(&n->ip, ae.target_eid);
        return;
    }
    if (!tn_mesh_is_router(n))
        return;
    uint8_t ext[8];
    memcpy(ext, ae.ml_eid, 8);
    ext[0] ^= 0x02;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &n->children.child[i];
        if (c->state != CHILD_TABLE_VALID || (c->mode & MLE_MODE_FTD) ||
            memcmp(c->ext, ext, 8) == 0)
            continue;
        for (unsigned k = 0; k < c->n_addrs; k++) {
            if (memcmp(c->addrs[k], ae.target_eid, 16) != 0)
                continue;
            memmove(c->addrs[k], c->addrs[k + 1], (size_t)(c->n_addrs - k - 1) * 16);
            c->n_addrs--;
            uint8_t dst[16];
            memcpy(dst, tn_ml_prefix(n), 8);
            const uint8_t iid[8] = {
                0, 0, 0, 0xff, 0xfe, 0, (uint8_t)(c->rloc16 >> 8), (uint8_t)c->rloc16};
            memcpy(dst + 8, iid, 8);
            send_error(n, ae.target_eid, ae.ml_eid, dst);
            return;
        }
    }
}

/* ---- timers (HandleTimeTick, once a second) ------------------------------ */

static bool tick(struct tnode *n)
{
    bool more = false;
    for (unsigned i = 0; i < TN_ADDR_CACHE; i++) {
        struct tn_cache *e = &n->cache[i];
        switch (e->state) {
        case TN_CACHE_CACHED:
            if (e->freshness) {
                e->freshness--;
                more = true;
            }
            break;
        case TN_CACHE_SNOOPED:
            if (!e->timeout)
                break;
            more = true;
            if (--e->timeout == 0)
                e->can_evict = true;
            break;
        case TN_CACHE_RETRY:
            if (!e->timeout)
                break;
            more = true;
            if (--e->timeout)
                break;
            if (!e->ramp_down) {
                e->ramp_down = true;
                e->timeout = TN_AQ_RETRY_MAX_S;
            } else {
                uint16_t d = e->retry_delay >> 1;
                if (d < TN_AQ_RETRY_MIN_S)
                    d = TN_AQ_RETRY_MIN_S;
                if (d != e->retry_delay) {
                    e->retry_delay = d;
                    e->timeout = TN_AQ_RETRY_MAX_S;
                }
            }
            break;
        case TN_CACHE_QUERY:
            more = true;
            if (e->timeout && --e->timeout)
                break;
            n->cnt.addr_query_timeouts++;
            e->timeout = e->retry_delay;
            e->retry_delay = e->retry_delay * 2 > TN_AQ_RETRY_MAX_S
                                 ? TN_AQ_RETRY_MAX_S
                                 : (uint16_t)(e->retry_delay * 2);
            e->can_evict = true;
            e->ramp_down = false;
            push(n, e, TN_CACHE_RETRY);
            release_pending(n, e->eid, false);
            break;
        default:
            break;
        }
    }
    return more;
}

void tn_ar_process(struct tnode *n)
{
    while (n->cache_tick_ms && n->now >= n->cache_tick_ms) {
        if (tick(n))
            n->cache_tick_ms += 1000;
        else
            n->cache_tick_ms = 0;
    }
}

int64_t tn_ar_next(const struct tnode *n)
{
    return n->cache_tick_ms ? tn_until(n->now, n->cache_tick_ms) : -1;
}

/* ---- public view (node.h) -------------------------------------------------- */

enum ot_err tnode_eidcache_next(const struct tnode *n, uint64_t now_ms, unsigned *iter,
                                struct tnode_eidcache_entry *out)
{
    /* GetNextCacheEntry: cached, snooped, query, retry lists, each newest
     * first. *iter: the list (top 2 bits) and the order of the entry handed
     * out last (0: the list's head next). */
    static const uint8_t lists[] = {TN_CACHE_CACHED, TN_CACHE_SNOOPED, TN_CACHE_QUERY,
                                    TN_CACHE_RETRY};
    (void)now_ms; /* timeouts are kept in seconds, as OT's ticks */
    unsigned list = *iter >> TN_CACHE_ORDER_BITS;
    uint32_t below = *iter & TN_CACHE_ORDER_MAX;
    for (; list < sizeof(lists); list++, below = 0) {
        const struct tn_cache *best = NULL;
        for (unsigned i = 0; i < TN_ADDR_CACHE; i++) {
            const struct tn_cache *e = &n->cache[i];
            if (e->state != lists[list] || (below && e->order >= below))
                continue;
            if (!best || e->order > best->order)
                best = e;
        }
        if (!best)
            continue;
        *iter = (list << TN_CACHE_ORDER_BITS) | best->order;
        memset(out, 0, sizeof(*out));
        memcpy(out->eid, best->eid, 16);
        out->rloc16 = best->rloc16;
        out->state = (uint8_t)list; /* enum tnode_eidcache_state, same order */
        if (best->state == TN_CACHE_CACHED) {
            out->can_evict = true;
            out->valid_last_trans = best->ltt_valid;
            if (best->ltt_valid) {
                out->last_trans_s = best->ltt;
                const uint8_t *ml = tn_ml_prefix(n);
                if (ml)
                    memcpy(out->ml_eid, ml, 8);
                memcpy(out->ml_eid + 8, best->ml_iid, 8);
            }
            return OT_ERR_NONE;
        }
        out->ramp_down = best->state == TN_CACHE_RETRY && best->ramp_down;
        out->can_evict = best->can_evict;
        out->timeout_s = best->timeout;
        out->retry_s = best->retry_delay;
        return OT_ERR_NONE;
    }
    return OT_ERR_NOT_FOUND;
}
