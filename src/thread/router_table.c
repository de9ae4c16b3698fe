/*
 * The router table (see router_table.h). OpenThread references:
 * router_table.cpp (IDs, routes, Route64), router.cpp, link_quality.cpp,
 * mle_ftd.cpp (Address Solicit, Advertisement, time tick), cli.cpp.
 */
#include "thread/router_table.h"

#include <inttypes.h>
#include <string.h>

#define ID_BIT(id) (1ull << (id))

static bool mask_has(const uint8_t mask[8], unsigned id)
{
    return id <= ROUTER_TABLE_MAX_ID && (mask[id / 8] & (0x80u >> (id % 8)));
}

static unsigned mask_count(const uint8_t mask[8])
{
    unsigned n = 0;
    for (unsigned id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        n += mask_has(mask, id);
    return n;
}

/* ---- link quality ------------------------------------------------------ */

uint8_t router_table_lq_for_margin(uint8_t margin, uint8_t last_lq)
{
    unsigned t1 = ROUTER_TABLE_LQ_THRESHOLD1, t2 = ROUTER_TABLE_LQ_THRESHOLD2,
             t3 = ROUTER_TABLE_LQ_THRESHOLD3;
    /* The hysteresis raises every threshold above the last quality: going
     * up needs 2 dB more than staying (link_quality.cpp). */
    switch (last_lq) {
    case 0:
        t1 += ROUTER_TABLE_LQ_HYSTERESIS;
        /* fall through */
    case 1:
        t2 += ROUTER_TABLE_LQ_HYSTERESIS;
        /* fall through */
    case 2:
        t3 += ROUTER_TABLE_LQ_HYSTERESIS;
        break;
    default:
        break;
    }
    if (margin > t3)
        return 3;
    if (margin > t2)
        return 2;
    if (margin > t1)
        return 1;
    return 0;
}

uint8_t router_table_cost_for_lq(uint8_t lq)
{
    static const uint8_t cost[4] = {ROUTER_TABLE_MAX_COST, 4, 2, 1};
    return lq <= 3 ? cost[lq] : ROUTER_TABLE_MAX_COST;
}

uint8_t router_table_link_margin(int8_t noise_floor, int8_t rss)
{
    int m = rss - noise_floor;
    if (m < 0 || rss == ROUTER_TABLE_INVALID_RSSI)
        return 0;
    return (uint8_t)(m > 255 ? 255 : m);
}

bool router_table_seq_greater(uint8_t a, uint8_t b)
{
    return ((uint8_t)(b - a) & 0x80u) != 0;
}

/* RssAverager::Add / GetAverage: -RSS in 1/8 dB, weight 1/8 once 8 samples. */
static void rss_add(struct router_table_entry *e, int8_t rss)
{
    if (rss > 0)
        rss = 0;
    uint16_t v = (uint16_t)(-rss) << 3;
    if (e->rss_count < 8)
        e->rss_count++;
    e->rss_avg = (uint16_t)((e->rss_avg * (e->rss_count - 1u) + v) / e->rss_count);
}

int8_t router_table_avg_rss(const struct router_table_entry *e)
{
    if (!e->rss_count)
        return ROUTER_TABLE_INVALID_RSSI;
    int avg = -(int)(e->rss_avg >> 3);
    if ((e->rss_avg & 7) >= 4) /* round -71.5 to -72 */
        avg--;
    return (int8_t)avg;
}

/* LinkQualityInfo::AddRss. */
static void link_add_rss(struct router_table_entry *e, int8_t rss, int8_t nf)
{
    if (rss == ROUTER_TABLE_INVALID_RSSI)
        return;
    e->last_rss = rss;
    uint8_t old = e->rss_count ? e->lq_in : ROUTER_TABLE_LQ_NONE;
    rss_add(e, rss);
    e->lq_in =
        router_table_lq_for_margin(router_table_link_margin(nf, router_table_avg_rss(e)), old);
}

static void link_info_clear(struct router_table_entry *e)
{
    e->rss_avg = 0;
    e->rss_count = 0;
    e->lq_in = 0;
    e->lq_out = 0;
    e->last_rss = ROUTER_TABLE_INVALID_RSSI;
}

/* ---- setup ------------------------------------------------------------- */

void router_table_init(struct router_table *t, uint8_t id_seq)
{
    memset(t, 0, sizeof(*t));
    t->id_seq = id_seq;
    t->my_id = ROUTER_TABLE_INVALID_ID;
    t->leader_id = ROUTER_TABLE_INVALID_ID;
    t->parent_id = ROUTER_TABLE_INVALID_ID;
    t->upgrade_threshold = ROUTER_TABLE_UPGRADE_THRESHOLD;
}

void router_table_clear(struct router_table *t)
{
    memset(t->r, 0, sizeof(t->r));
    memset(t->reuse_until_ms, 0, sizeof(t->reuse_until_ms));
    t->n_alloc = 0;
}

void router_table_set_role(struct router_table *t, enum router_table_role role, uint8_t my_id,
                           const uint8_t ext[8], uint8_t leader_id)
{
    t->role = (uint8_t)role;
    bool router = role == ROUTER_TABLE_ROUTER || role == ROUTER_TABLE_LEADER;
    t->my_id = router && my_id <= ROUTER_TABLE_MAX_ID ? my_id : ROUTER_TABLE_INVALID_ID;
    if (ext)
        memcpy(t->my_ext, ext, 8);
    t->leader_id = leader_id;
    struct router_table_entry *me = router_table_get(t, t->my_id);
    if (me) { /* SetStateRouter / BecomeLeader: our own row */
        memcpy(me->ext, t->my_ext, 8);
        me->next_hop = ROUTER_TABLE_INVALID_ID;
        me->cost = 0;
    }
}

void router_table_set_parent(struct router_table *t, uint8_t parent_id, uint8_t lq_in, bool valid)
{
    t->parent_id = parent_id;
    t->parent_lq_in = lq_in;
    t->parent_valid = valid;
}

struct router_table_entry *router_table_get(struct router_table *t, uint8_t id)
{
    return id <= ROUTER_TABLE_MAX_ID && t->r[id].alloc ? &t->r[id] : NULL;
}

const struct router_table_entry *router_table_cget(const struct router_table *t, uint8_t id)
{
    return id <= ROUTER_TABLE_MAX_ID && t->r[id].alloc ? &t->r[id] : NULL;
}

unsigned router_table_active(const struct router_table *t)
{
    return t->n_alloc;
}

unsigned router_table_neighbor_count(const struct router_table *t, uint8_t lq)
{
    unsigned n = 0;
    for (unsigned id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        n += t->r[id].alloc && t->r[id].link == ROUTER_TABLE_LINK_VALID && t->r[id].lq_in >= lq;
    return n;
}

uint32_t router_table_leader_age_s(const struct router_table *t, uint64_t now_ms)
{
    if (!t->n_alloc)
        return 0xffffffffu;
    uint64_t s = (now_ms - t->id_seq_ms) / 1000;
    return s > 0xfffffffeu ? 0xfffffffeu : (uint32_t)s;
}

void router_table_mask(const struct router_table *t, uint8_t mask[8])
{
    memset(mask, 0, 8);
    for (unsigned id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        if (t->r[id].alloc)
            mask[id / 8] |= (uint8_t)(0x80u >> (id % 8));
}

/* ---- IDs --------------------------------------------------------------- */

static bool can_allocate(const struct router_table *t, uint8_t id, uint64_t now_ms)
{
    return !t->r[id].alloc && now_ms >= t->reuse_until_ms[id];
}

/* AddRouter: a cleared entry with no next hop. */
static struct router_table_entry *add_router(struct router_table *t, uint8_t id)
{
    if (t->n_alloc >= ROUTER_TABLE_MAX_ROUTERS)
        return NULL;
    struct router_table_entry *e = &t->r[id];
    memset(e, 0, sizeof(*e));
    e->alloc = true;
    e->next_hop = ROUTER_TABLE_INVALID_ID;
    e->last_rss = ROUTER_TABLE_INVALID_RSSI;
    t->n_alloc++;
    return e;
}

/* RemoveRouter: the ID enters its reuse delay (RouterIdMap::Release). */
static void remove_router(struct router_table *t, uint8_t id, uint64_t now_ms)
{
    memset(&t->r[id], 0, sizeof(t->r[id]));
    t->reuse_until_ms[id] = now_ms + ROUTER_TABLE_REUSE_DELAY_MS;
    t->n_alloc--;
}

static void bump_seq(struct router_table *t, uint64_t now_ms)
{
    t->id_seq++;
    t->id_seq_ms = now_ms;
}

enum ot_err router_table_allocate(struct router_table *t, uint8_t id, uint64_t now_ms)
{
    if (id > ROUTER_TABLE_MAX_ID)
        return OT_ERR_INVALID_ARGS;
    if (t->r[id].alloc)
        return OT_ERR_ALREADY;
    if (!can_allocate(t, id, now_ms))
        return OT_ERR_BUSY;
    struct router_table_entry *e = add_router(t, id);
    if (!e)
        return OT_ERR_NO_BUFS;
    e->last_heard_ms = now_ms;
    bump_seq(t, now_ms);
    t->cnt.ids_allocated++;
    return OT_ERR_NONE;
}

uint8_t router_table_allocate_any(struct router_table *t, uint32_t rnd, uint64_t now_ms)
{
    if (t->n_alloc >= ROUTER_TABLE_MAX_ROUTERS)
        return ROUTER_TABLE_INVALID_ID;
    unsigned avail = 0;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        avail += can_allocate(t, id, now_ms);
    if (!avail)
        return ROUTER_TABLE_INVALID_ID;
    unsigned k = rnd % avail;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        if (!can_allocate(t, id, now_ms))
            continue;
        if (k-- == 0)
            return router_table_allocate(t, id, now_ms) == OT_ERR_NONE ? id
                                                                       : ROUTER_TABLE_INVALID_ID;
    }
    return ROUTER_TABLE_INVALID_ID;
}

enum ot_err router_table_release(struct router_table *t, uint8_t id, uint64_t now_ms)
{
    if (t->role != ROUTER_TABLE_LEADER)
        return OT_ERR_INVALID_STATE;
    if (!router_table_get(t, id))
        return OT_ERR_NOT_FOUND;
    remove_router(t, id, now_ms);
    for (unsigned i = 0; i <= ROUTER_TABLE_MAX_ID; i++)
        if (t->r[i].alloc && t->r[i].next_hop == id) {
            t->r[i].next_hop = ROUTER_TABLE_INVALID_ID;
            t->r[i].cost = 0;
        }
    bump_seq(t, now_ms);
    t->cnt.ids_released++;
    return OT_ERR_NONE;
}

static const char *const as_why_names[ROUTER_TABLE_AS__COUNT] = {
    "granted-known",          "granted-requested",  "granted-random", "refused-not-leader",
    "refused-enough-routers", "refused-enough-brs", "refused-full",   "refused-reason",
};

const char *router_table_as_why_name(enum router_table_as_why w)
{
    return (unsigned)w < ROUTER_TABLE_AS__COUNT ? as_why_names[w] : "?";
}

static struct router_table_entry *find_by_ext(struct router_table *t, const uint8_t ext[8])
{
    for (unsigned id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        if (t->r[id].alloc && memcmp(t->r[id].ext, ext, 8) == 0)
            return &t->r[id];
    return NULL;
}

/* The refusal (why) a reason gets before any ID is looked for, or -1. */
static int solicit_precheck(const struct router_table *t, const struct router_table_solicit *req)
{
    switch (req->reason) {
    case ROUTER_TABLE_REASON_TOO_FEW_ROUTERS:
        return t->n_alloc < t->upgrade_threshold ? -1 : ROUTER_TABLE_AS_REFUSED_ENOUGH_ROUTERS;
    case ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST:
    case ROUTER_TABLE_REASON_PARENT_PARTITION_CHANGE:
        return -1;
    case ROUTER_TABLE_REASON_BORDER_ROUTER_REQUEST:
        if (t->n_alloc >= t->upgrade_threshold &&
            req->br_routers >= ROUTER_TABLE_BR_REQUEST_THRESHOLD)
            return ROUTER_TABLE_AS_REFUSED_ENOUGH_BRS;
        return -1;
    default:
        return ROUTER_TABLE_AS_REFUSED_REASON;
    }
}

struct router_table_solicit_answer router_table_solicit(struct router_table *t,
                                                        const struct router_table_solicit *req,
                                                        uint64_t now_ms)
{
    struct router_table_solicit_answer a = {ROUTER_TABLE_AS_NO_ADDRESS, 0, ROUTER_TABLE_INVALID_ID};
    struct router_table_entry *e;
    int pre;

    if (t->role != ROUTER_TABLE_LEADER) {
        a.why = ROUTER_TABLE_AS_REFUSED_NOT_LEADER;
    } else if ((e = find_by_ext(t, req->ext)) != NULL) {
        a.status = ROUTER_TABLE_AS_SUCCESS; /* a retransmitted solicit: same ID */
        a.why = ROUTER_TABLE_AS_GRANTED_KNOWN;
        a.id = (uint8_t)(e - t->r);
    } else if ((pre = solicit_precheck(t, req)) >= 0) {
        a.why = (uint8_t)pre;
        if (pre == ROUTER_TABLE_AS_REFUSED_REASON)
            a.status = ROUTER_TABLE_AS_UNRECOGNIZED_REASON;
    } else {
        uint8_t want = (uint8_t)(req->rloc16 >> 10);
        if (req->has_rloc16 && router_table_allocate(t, want, now_ms) == OT_ERR_NONE) {
            a.id = want;
            a.why = ROUTER_TABLE_AS_GRANTED_REQUESTED;
        } else {
            a.id = router_table_allocate_any(t, req->rnd, now_ms);
            a.why = ROUTER_TABLE_AS_GRANTED_RANDOM;
        }
        if (a.id == ROUTER_TABLE_INVALID_ID) {
            a.why = ROUTER_TABLE_AS_REFUSED_FULL;
        } else {
            memcpy(t->r[a.id].ext, req->ext, 8);
            a.status = ROUTER_TABLE_AS_SUCCESS;
        }
    }
    t->cnt.as_answers[a.why]++;
    return a;
}

enum ot_err router_table_addr_release(struct router_table *t, uint16_t rloc16, const uint8_t ext[8],
                                      uint64_t now_ms)
{
    if (t->role != ROUTER_TABLE_LEADER)
        return OT_ERR_INVALID_STATE;
    const struct router_table_entry *e = router_table_cget(t, (uint8_t)(rloc16 >> 10));
    if (!e || memcmp(e->ext, ext, 8) != 0)
        return OT_ERR_NOT_FOUND;
    return router_table_release(t, (uint8_t)(rloc16 >> 10), now_ms);
}

/* ---- links ------------------------------------------------------------- */

void router_table_link_rx(struct router_table *t, uint8_t id, int8_t rss, int8_t nf)
{
    struct router_table_entry *e = router_table_get(t, id);
    /* Mac feeds only frames of known neighbours (NeighborTable lookup). */
    if (e && id != t->my_id && e->link != ROUTER_TABLE_LINK_NONE)
        link_add_rss(e, rss, nf);
}

enum ot_err router_table_link_up(struct router_table *t, uint8_t id, const uint8_t ext[8],
                                 uint8_t peer_margin, uint16_t version, int8_t rss, int8_t nf,
                                 uint64_t now_ms)
{
    struct router_table_entry *e = router_table_get(t, id);
    if (!e || id == t->my_id)
        return OT_ERR_NOT_FOUND;
    /* InitNeighbor: ext, fresh link info with this frame's RSS, heard now. */
    memcpy(e->ext, ext, 8);
    link_info_clear(e);
    link_add_rss(e, rss, nf);
    e->last_heard_ms = now_ms;
    e->version = version;
    e->lq_out = router_table_lq_for_margin(peer_margin, ROUTER_TABLE_LQ_NONE);
    e->link = ROUTER_TABLE_LINK_VALID;
    e->accept_timeout = 0;
    e->lr_attempts = 0;
    return OT_ERR_NONE;
}

void router_table_link_request_sent(struct router_table *t, uint8_t id)
{
    struct router_table_entry *e = router_table_get(t, id);
    if (e)
        e->accept_timeout = ROUTER_TABLE_LINK_ACCEPT_TIMEOUT_S;
}

/* RouterTable::RemoveRouterLink. Returns true when the router has no next
 * hop left (OpenThread then resets the trickle timer and drops the
 * router's EID cache entries). */
static bool remove_router_link(struct router_table *t, uint8_t id, uint64_t now_ms,
                               struct router_table_adv_out *out)
{
    struct router_table_entry *e = &t->r[id];
    if (e->lq_out != 0) {
        e->lq_out = 0;
        e->last_heard_ms = now_ms;
        out->changed = true;
    }
    for (unsigned i = 0; i <= ROUTER_TABLE_MAX_ID; i++) {
        struct router_table_entry *o = &t->r[i];
        if (!o->alloc || o->next_hop != id)
            continue;
        o->next_hop = ROUTER_TABLE_INVALID_ID;
        o->cost = 0;
        out->changed = true;
        if (router_table_link_cost(t, (uint8_t)i) >= ROUTER_TABLE_MAX_COST)
            out->reset_trickle = true;
    }
    if (e->next_hop == ROUTER_TABLE_INVALID_ID) {
        out->reset_trickle = true;
        return true;
    }
    return false;
}

bool router_table_link_down(struct router_table *t, uint8_t id, uint64_t now_ms)
{
    struct router_table_entry *e = router_table_get(t, id);
    if (!e || id == t->my_id || e->link == ROUTER_TABLE_LINK_NONE)
        return false;
    struct router_table_adv_out out;
    memset(&out, 0, sizeof(out));
    bool lost = e->link == ROUTER_TABLE_LINK_VALID && remove_router_link(t, id, now_ms, &out);
    link_info_clear(e);
    e->link = ROUTER_TABLE_LINK_NONE;
    e->accept_timeout = 0;
    e->lr_attempts = 0;
    return lost;
}

/* ---- routes ------------------------------------------------------------ */

uint8_t router_table_link_cost(const struct router_table *t, uint8_t id)
{
    const struct router_table_entry *e = router_table_cget(t, id);
    if (!e || id == t->my_id || e->link != ROUTER_TABLE_LINK_VALID)
        return ROUTER_TABLE_MAX_COST;
    return router_table_cost_for_lq(e->lq_in < e->lq_out ? e->lq_in : e->lq_out);
}

static bool is_attached(const struct router_table *t)
{
    return t->role != ROUTER_TABLE_DETACHED;
}

static bool is_router(const struct router_table *t)
{
    return t->role == ROUTER_TABLE_ROUTER || t->role == ROUTER_TABLE_LEADER;
}

/* The child-role half of GetNextHopAndPathCost: everything via the parent.
 * False when there is no route (OpenThread exits before the child +1). */
static bool hop_as_child(const struct router_table *t, uint16_t dest,
                         const struct router_table_entry *r, bool has_next_hop,
                         struct router_table_hop *h)
{
    if (t->parent_valid)
        h->next_hop = router_table_rloc16(t->parent_id);
    bool parent_or_its_child = (dest >> 10) == t->parent_id;
    if (!parent_or_its_child && !has_next_hop)
        return false;
    h->cost = router_table_cost_for_lq(t->parent_lq_in);
    if (!parent_or_its_child)
        h->cost = (uint8_t)(h->cost + r->cost);
    return true;
}

struct router_table_hop router_table_next_hop(const struct router_table *t, uint16_t dest,
                                              int child_lq_in)
{
    struct router_table_hop h = {ROUTER_TABLE_INVALID_RLOC16, ROUTER_TABLE_MAX_COST};
    uint8_t dest_id = (uint8_t)(dest >> 10);
    bool dest_child = (dest & 0x3ff) != 0;

    if (!is_attached(t))
        return h;
    if (is_router(t) && dest == router_table_rloc16(t->my_id)) {
        h.next_hop = dest;
        h.cost = 0;
        return h;
    }
    const struct router_table_entry *r = router_table_cget(t, dest_id);
    const struct router_table_entry *nh = r ? router_table_cget(t, r->next_hop) : NULL;

    if (t->role == ROUTER_TABLE_CHILD) {
        if (!hop_as_child(t, dest, r, nh != NULL, &h))
            return h;
    } else {
        if (dest_id == t->my_id) { /* one of our children */
            if (child_lq_in >= 0) {
                h.next_hop = dest;
                h.cost = router_table_cost_for_lq((uint8_t)child_lq_in);
            }
            return h;
        }
        if (!r)
            return h;
        h.cost = router_table_link_cost(t, dest_id);
        if (h.cost < ROUTER_TABLE_MAX_COST)
            h.next_hop = dest & 0xfc00;
        if (nh) { /* the direct link, or the route through next_hop if cheaper */
            uint8_t via = (uint8_t)(r->cost + router_table_link_cost(t, r->next_hop));
            if (via < h.cost) {
                h.cost = via;
                h.next_hop = router_table_rloc16(r->next_hop);
            }
        }
    }
    if (dest_child) /* the child's own link to its parent: assumed LQ 3 */
        h.cost = (uint8_t)(h.cost + router_table_cost_for_lq(3));
    return h;
}

static uint8_t path_cost(const struct router_table *t, uint8_t id)
{
    return router_table_next_hop(t, router_table_rloc16(id), -1).cost;
}

bool router_table_seq_newer(const struct router_table *t, uint8_t id_seq)
{
    return t->n_alloc == 0 || router_table_seq_greater(id_seq, t->id_seq);
}

void router_table_update_id_set(struct router_table *t, uint8_t id_seq, const uint8_t mask[8],
                                uint64_t now_ms, struct router_table_adv_out *out)
{
    bool add = false;
    t->id_seq = id_seq;
    t->id_seq_ms = now_ms;
    t->cnt.id_set_updates++;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        if (t->r[id].alloc == mask_has(mask, id))
            continue;
        if (!t->r[id].alloc) {
            add = true;
            continue;
        }
        t->r[id].next_hop = ROUTER_TABLE_INVALID_ID;
        remove_router_link(t, id, now_ms, out);
        remove_router(t, id, now_ms);
        out->removed |= ID_BIT(id);
        out->changed = true;
    }
    if (!add)
        return;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        if (!t->r[id].alloc && mask_has(mask, id) && add_router(t, id))
            out->changed = true;
    out->reset_trickle = true;
}

/* The neighbour's view of its link to us sets our LQ out (UpdateRoutes). */
static void take_lq_out(struct router_table *t, const struct mle_route64 *r,
                        struct router_table_entry *nb, struct router_table_adv_out *out)
{
    int b = mle_route64_route(r, t->my_id);
    if (t->my_id > ROUTER_TABLE_MAX_ID || b < 0)
        return;
    uint8_t lq = (uint8_t)((b >> 4) & 3);
    if (nb->lq_out != lq) {
        nb->lq_out = lq;
        out->changed = true;
    }
    /* It says it has no link to us while ours is good: tell it soon. */
    uint8_t two_way = nb->lq_in < nb->lq_out ? nb->lq_in : nb->lq_out;
    if (nb->link == ROUTER_TABLE_LINK_VALID && ((b >> 6) & 3) == 0 && two_way >= 2)
        out->unicast_adv = true;
}

void router_table_update_routes(struct router_table *t, const struct mle_route64 *r,
                                uint8_t neighbor_id, uint64_t now_ms,
                                struct router_table_adv_out *out)
{
    struct router_table_entry *nb = router_table_get(t, neighbor_id);
    uint64_t finite = 0;
    if (!nb)
        return;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        if (path_cost(t, id) < ROUTER_TABLE_MAX_COST)
            finite |= ID_BIT(id);
    take_lq_out(t, r, nb, out);

    uint8_t link_cost = router_table_link_cost(t, neighbor_id);
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        int b = mle_route64_route(r, id);
        struct router_table_entry *e = router_table_get(t, id);
        if (b < 0 || !e || id == t->my_id || id == neighbor_id)
            continue;
        uint8_t cost = (uint8_t)(b & 15);
        if (cost == 0)
            cost = ROUTER_TABLE_MAX_COST;
        if (e->next_hop == ROUTER_TABLE_INVALID_ID || !t->r[e->next_hop].alloc ||
            e->next_hop == neighbor_id) {
            if (cost + link_cost < ROUTER_TABLE_MAX_COST) {
                if (e->next_hop != neighbor_id || e->cost != cost)
                    out->changed = true;
                e->next_hop = neighbor_id;
                e->cost = cost;
            } else if (e->next_hop == neighbor_id) {
                e->next_hop = ROUTER_TABLE_INVALID_ID;
                e->cost = 0;
                e->last_heard_ms = now_ms;
                out->changed = true;
            }
        } else {
            unsigned cur = e->cost + router_table_link_cost(t, e->next_hop);
            if (cost + link_cost < cur) {
                e->next_hop = neighbor_id;
                e->cost = cost & 15; /* mCost is a 4-bit field in OpenThread */
                out->changed = true;
            }
        }
    }
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        bool now_finite = path_cost(t, id) < ROUTER_TABLE_MAX_COST;
        if (now_finite != ((finite & ID_BIT(id)) != 0)) {
            out->reset_trickle = true;
            break;
        }
    }
}

void router_table_update_on_ftd_child(struct router_table *t, const struct mle_route64 *r,
                                      uint8_t parent_id)
{
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        int b = mle_route64_route(r, id);
        struct router_table_entry *e = router_table_get(t, id);
        if (b < 0 || id == parent_id || !e)
            continue;
        e->cost = (uint8_t)(b & 15);
        e->next_hop = e->cost ? parent_id : ROUTER_TABLE_INVALID_ID;
    }
}

enum ot_err router_table_advertisement(struct router_table *t, uint16_t src_rloc16,
                                       const struct mle_route64 *r, bool neighbor_valid,
                                       uint8_t link_margin, uint64_t now_ms,
                                       struct router_table_adv_out *out)
{
    uint8_t src = (uint8_t)(src_rloc16 >> 10);
    memset(out, 0, sizeof(*out));
    if (!is_attached(t))
        return OT_ERR_INVALID_STATE;
    if (mask_count(r->mask) > ROUTER_TABLE_MAX_ROUTERS) {
        t->cnt.route64_too_many++;
        return OT_ERR_PARSE;
    }
    if ((src_rloc16 & 0x3ff) || src > ROUTER_TABLE_MAX_ID) {
        t->cnt.route64_not_router++;
        return OT_ERR_DROP;
    }
    if (is_router(t) && src == t->my_id) {
        t->cnt.route64_from_self++;
        return OT_ERR_DROP;
    }
    if (neighbor_valid && router_table_seq_newer(t, r->id_seq)) {
        router_table_update_id_set(t, r->id_seq, r->mask, now_ms, out);
        uint8_t own = is_router(t) ? t->my_id : t->parent_id;
        if (is_attached(t) && !router_table_cget(t, own)) {
            out->detach = true; /* ProcessRouteTlv: our (parent's) ID is gone */
            return OT_ERR_NO_ROUTE;
        }
    }
    struct router_table_entry *e = router_table_get(t, src);
    if (t->role == ROUTER_TABLE_CHILD) {
        if (src == t->parent_id)
            router_table_update_on_ftd_child(t, r, src);
        if (e)
            e->last_heard_ms = now_ms;
        return OT_ERR_NONE;
    }
    if (!e) {
        t->cnt.route64_unknown_router++;
        return OT_ERR_NOT_FOUND;
    }
    if (e->link == ROUTER_TABLE_LINK_NONE && link_margin >= ROUTER_TABLE_LINK_REQUEST_MIN_MARGIN &&
        t->my_id <= ROUTER_TABLE_MAX_ID && mle_route64_has(r, t->my_id)) {
        /* It lists us but we have no link: ask for one. The accept wait
         * covers the caller's random delay (<= 1 s) before the request. */
        e->link = ROUTER_TABLE_LINK_REQUEST;
        e->accept_timeout = ROUTER_TABLE_LINK_ACCEPT_TIMEOUT_S + 1;
        out->link_request = true;
        return OT_ERR_NO_ROUTE;
    }
    e->last_heard_ms = now_ms;
    router_table_update_routes(t, r, src, now_ms, out);
    return OT_ERR_NONE;
}

/* Ids to leave out of a Link Accept's Route64 (FillRouteTlv). */
static void link_accept_trim(const struct router_table *t, uint8_t to, uint8_t mask[8],
                             uint8_t *seq)
{
    unsigned n = t->n_alloc;
    if (n <= ROUTER_TABLE_LINK_ACCEPT_ROUTERS)
        return;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID && n > ROUTER_TABLE_LINK_ACCEPT_ROUTERS; id++) {
        if (id == t->my_id || id == to || id == t->leader_id || !mask_has(mask, id))
            continue;
        mask[id / 8] &= (uint8_t) ~(0x80u >> (id % 8));
        n--;
    }
    /* The neighbour then takes the full set from a later message. */
    *seq = (uint8_t)(*seq - ROUTER_TABLE_LINK_ACCEPT_SEQ_ROLLBACK);
}

void router_table_fill_route64(const struct router_table *t, int link_accept_to,
                               struct mle_route64 *out)
{
    uint8_t mask[8];
    uint8_t seq = t->id_seq;
    router_table_mask(t, mask);
    if (link_accept_to >= 0 && link_accept_to <= ROUTER_TABLE_MAX_ID)
        link_accept_trim(t, (uint8_t)link_accept_to, mask, &seq);
    memset(out, 0, sizeof(*out));
    out->id_seq = seq;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        if (!mask_has(mask, id))
            continue;
        uint8_t b;
        if (is_router(t) && id == t->my_id) {
            b = mle_route_byte(0, 0, 1);
        } else {
            const struct router_table_entry *e = &t->r[id];
            uint8_t c = path_cost(t, id);
            b = mle_route_byte(e->lq_out, e->lq_in, c >= ROUTER_TABLE_MAX_COST ? 0 : c);
        }
        mle_route64_add(out, id, b);
    }
}

/* ---- time -------------------------------------------------------------- */

/* One router's link upkeep in a tick (Mle::HandleTimeTick). */
static void tick_router(struct router_table *t, uint8_t id, uint64_t now_ms,
                        struct router_table_tick_out *out)
{
    struct router_table_entry *e = &t->r[id];
    uint64_t age = now_ms - e->last_heard_ms;
    if (e->link == ROUTER_TABLE_LINK_VALID && age >= ROUTER_TABLE_MAX_NEIGHBOR_AGE_MS) {
        if (!e->accept_timeout && !e->lr_attempts)
            e->lr_attempts = ROUTER_TABLE_LINK_REQUEST_ATTEMPTS;
        if (e->lr_attempts) {
            e->lr_attempts--;
            out->link_request |= ID_BIT(id);
        }
    }
    bool requested = (out->link_request & ID_BIT(id)) != 0;
    /* A link being set up with no request going out nor awaited, or the
     * Link Accept wait over: the link is gone. */
    if ((e->link == ROUTER_TABLE_LINK_REQUEST && !e->accept_timeout && !requested) ||
        (e->accept_timeout && --e->accept_timeout == 0)) {
        router_table_link_down(t, id, now_ms);
        out->link_lost |= ID_BIT(id);
        t->cnt.links_lost++;
        return;
    }
    if (t->role == ROUTER_TABLE_LEADER && !router_table_cget(t, e->next_hop) &&
        router_table_link_cost(t, id) >= ROUTER_TABLE_MAX_COST &&
        age >= ROUTER_TABLE_LEADER_TO_ROUTER_TIMEOUT_MS &&
        router_table_release(t, id, now_ms) == OT_ERR_NONE) {
        out->released |= ID_BIT(id);
        t->cnt.ids_released_no_route++;
    }
}

void router_table_tick(struct router_table *t, uint64_t now_ms, struct router_table_tick_out *out)
{
    memset(out, 0, sizeof(*out));
    /* A router or REED child that hears no new ID sequence for 120 s
     * looks for its partition again (Mle::HandleTimeTick). */
    if ((t->role == ROUTER_TABLE_ROUTER || t->role == ROUTER_TABLE_CHILD) &&
        router_table_leader_age_s(t, now_ms) >= ROUTER_TABLE_NETWORK_ID_TIMEOUT_S && t->n_alloc > 0)
        out->reattach = true;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        if (!t->r[id].alloc)
            continue;
        if (is_router(t) && id == t->my_id) {
            t->r[id].last_heard_ms = now_ms;
            continue;
        }
        tick_router(t, id, now_ms, out);
    }
    if (t->role == ROUTER_TABLE_LEADER &&
        router_table_leader_age_s(t, now_ms) * 1000ull >= ROUTER_TABLE_ID_SEQ_PERIOD_MS) {
        bump_seq(t, now_ms);
        out->id_seq_bumped = true;
    }
}

/* ---- CLI --------------------------------------------------------------- */

enum ot_err router_table_info(const struct router_table *t, uint16_t id_or_rloc16, uint64_t now_ms,
                              struct router_table_info *out)
{
    uint8_t id;
    if (id_or_rloc16 <= ROUTER_TABLE_MAX_ID) {
        id = (uint8_t)id_or_rloc16;
    } else {
        if (id_or_rloc16 & 0x3ff)
            return OT_ERR_INVALID_ARGS;
        id = (uint8_t)(id_or_rloc16 >> 10);
        if (id > ROUTER_TABLE_MAX_ID)
            return OT_ERR_INVALID_ARGS;
    }
    const struct router_table_entry *e = router_table_cget(t, id);
    if (!e)
        return OT_ERR_NOT_FOUND;
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->rloc16 = router_table_rloc16(id);
    out->next_hop = e->next_hop;
    out->path_cost = e->cost;
    out->lq_in = e->lq_in;
    out->lq_out = e->lq_out;
    bool me = is_router(t) && id == t->my_id;
    out->age = me ? 0 : (uint8_t)((now_ms - e->last_heard_ms) / 1000);
    memcpy(out->ext, e->ext, 8);
    out->link = e->link == ROUTER_TABLE_LINK_VALID;
    out->version = e->version > 255 ? 255 : (uint8_t)e->version;
    return OT_ERR_NONE;
}

static void fmt_ext(FILE *out, const uint8_t ext[8])
{
    for (unsigned i = 0; i < 8; i++)
        fprintf(out, "%02x", ext[i]);
}

void router_table_fmt_table(FILE *out, const struct router_table *t, uint64_t now_ms)
{
    /* OutputTableHeader with widths {4, 8, 10, 11, 7, 8, 5, 18, 6}. */
    fputs("| ID | RLOC16 | Next Hop | Path Cost | LQ In | LQ Out | Age | Extended MAC     | Link "
          "|\n"
          "+----+--------+----------+-----------+-------+--------+-----+------------------+------"
          "+\n",
          out);
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        struct router_table_info i;
        if (router_table_info(t, id, now_ms, &i) != OT_ERR_NONE)
            continue;
        fprintf(out, "| %2u | 0x%04x | %8u | %9u | %5u | %6u | %3u | ", i.id, i.rloc16, i.next_hop,
                i.path_cost, i.lq_in, i.lq_out, i.age);
        fmt_ext(out, i.ext);
        fprintf(out, " | %4d |\n", i.link);
    }
    fputc('\n', out); /* OpenThread ends both forms with OutputNewLine() */
}

void router_table_fmt_list(FILE *out, const struct router_table *t)
{
    for (unsigned id = 0; id <= ROUTER_TABLE_MAX_ID; id++)
        if (t->r[id].alloc)
            fprintf(out, "%u ", id);
    fputc('\n', out);
}

void router_table_fmt_router(FILE *out, const struct router_table_info *i)
{
    fputs("Alloc: 1\n", out);
    fprintf(out, "Router ID: %u\nRloc: %04x\nNext Hop: %04x\nLink: %d\n", i->id, i->rloc16,
            (unsigned)(i->next_hop << 10) & 0xffffu, i->link);
    if (!i->link)
        return;
    fputs("Ext Addr: ", out);
    fmt_ext(out, i->ext);
    fprintf(out, "\nCost: %u\nLink Quality In: %u\nLink Quality Out: %u\nAge: %u\n", i->path_cost,
            i->lq_in, i->lq_out, i->age);
}
