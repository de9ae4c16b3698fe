/*
 * The router table: router IDs, neighbour router links and the distance-vector
 * routes of a Thread mesh (Thread 1.3 §5.9 "Routing", §5.10 "Link
 * establishment", §5.11 "Router ID assignment"), as OpenThread implements them
 * (src/core/thread/router_table.cpp, router.cpp, link_quality.cpp and the
 * router parts of mle_ftd.cpp, which are the reference for every constant and
 * threshold here).
 *
 * One struct router_table per node, owned by the caller. Pure logic: time is
 * passed in (ms), randomness is passed in, no I/O. The table tells the caller
 * what to send (Link Requests, Advertisements) through small result structs.
 *
 *   - leader side: router ID allocation for Address Solicit (a/as) with
 *     OpenThread's decisions and reasons, release (a/ar), the reuse delay,
 *     the ID sequence bumped on every change and every 10 s;
 *   - every router: the router ID set taken from a newer Route64, neighbour
 *     links (link margin -> link quality with hysteresis, LQ in/out, last
 *     heard, link timeout and re-establishment attempts), route costs per link
 *     quality, next hop and path cost to every router (UpdateRoutes,
 *     GetNextHopAndPathCost) and the Route64 this node advertises;
 *   - the CLI views `router table`, `router list`, `router <id>`.
 *
 * Wiring (what the node does around it, as mle_ftd.cpp does): becoming
 * leader is router_table_clear + router_table_allocate(own ID) +
 * router_table_set_role(LEADER); a granted Address Solicit is
 * router_table_update_id_set(its Router Mask TLV) + router_table_set_role
 * (ROUTER), then the former parent's link; every frame from a neighbour router feeds
 * router_table_link_rx; Link Accept -> router_table_link_up; each
 * Advertisement (after the partition / leader checks) ->
 * router_table_advertisement; router_table_tick once a second; forwarding
 * asks router_table_next_hop; Advertisements and Link Accepts carry
 * router_table_fill_route64.
 */
#ifndef TBR_THREAD_ROUTER_TABLE_H
#define TBR_THREAD_ROUTER_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "thread/mle_tlv.h"
#include "util/ot_err.h"

/* mle_types.hpp / mle.hpp / router_table.hpp constants. */
#define ROUTER_TABLE_MAX_ROUTERS 32 /* kMaxRouters: allocated IDs at most */
#define ROUTER_TABLE_MAX_ID 62      /* kMaxRouterId */
#define ROUTER_TABLE_INVALID_ID 63  /* kInvalidRouterId: "no next hop" */
#define ROUTER_TABLE_INVALID_RLOC16 0xfffe
#define ROUTER_TABLE_MAX_COST 16                       /* kMaxRouteCost: infinite path cost */
#define ROUTER_TABLE_REUSE_DELAY_MS 100000             /* RouterIdMap kReuseDelay, 100 s */
#define ROUTER_TABLE_ID_SEQ_PERIOD_MS 10000            /* kRouterIdSequencePeriod */
#define ROUTER_TABLE_NETWORK_ID_TIMEOUT_S 120          /* kNetworkIdTimeout */
#define ROUTER_TABLE_MAX_NEIGHBOR_AGE_MS 100000        /* kMaxNeighborAge */
#define ROUTER_TABLE_LEADER_TO_ROUTER_TIMEOUT_MS 90000 /* kMaxLeaderToRouterTimeout */
#define ROUTER_TABLE_LINK_REQUEST_ATTEMPTS 3           /* kLinkRequestAttempts */
#define ROUTER_TABLE_LINK_ACCEPT_TIMEOUT_S 3           /* kLinkAcceptTimeout */
#define ROUTER_TABLE_LINK_REQUEST_MIN_MARGIN                                                       \
    10                                           /* OPENTHREAD_CONFIG_MLE_LINK_REQUEST_MARGIN_MIN  \
                                                  */
#define ROUTER_TABLE_UPGRADE_THRESHOLD 16        /* kRouterUpgradeThreshold */
#define ROUTER_TABLE_BR_REQUEST_THRESHOLD 2      /* kRouterUpgradeBorderRouterRequestThreshold */
#define ROUTER_TABLE_LINK_ACCEPT_ROUTERS 20      /* kMaxRoutersInRouteTlvForLinkAccept */
#define ROUTER_TABLE_LINK_ACCEPT_SEQ_ROLLBACK 64 /* kLinkAcceptSequenceRollback */
#define ROUTER_TABLE_INVALID_RSSI 127            /* Radio::kInvalidRssi */

/* link_quality.hpp: link margin thresholds, hysteresis, costs. */
#define ROUTER_TABLE_LQ_THRESHOLD3 20
#define ROUTER_TABLE_LQ_THRESHOLD2 10
#define ROUTER_TABLE_LQ_THRESHOLD1 2
#define ROUTER_TABLE_LQ_HYSTERESIS 2
#define ROUTER_TABLE_LQ_NONE 0xff /* kNoLinkQuality: no previous value */

/* Address Solicit status values (mle.hpp; the same numbers as
 * tmf.h's enum tmf_addr_solicit_status). */
#define ROUTER_TABLE_AS_SUCCESS 0
#define ROUTER_TABLE_AS_NO_ADDRESS 1
#define ROUTER_TABLE_AS_UNRECOGNIZED_REASON 6
/* Upgrade reasons in an Address Solicit (mle_types.hpp RouterUpgradeReason;
 * tmf.h's enum tmf_addr_solicit_reason). */
#define ROUTER_TABLE_REASON_TOO_FEW_ROUTERS 2
#define ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST 3
#define ROUTER_TABLE_REASON_PARENT_PARTITION_CHANGE 4
#define ROUTER_TABLE_REASON_BORDER_ROUTER_REQUEST 5

/* Why an Address Solicit got its answer (for logs and counters). */
enum router_table_as_why {
    ROUTER_TABLE_AS_GRANTED_KNOWN = 0,      /* the ext address already holds an ID: same answer */
    ROUTER_TABLE_AS_GRANTED_REQUESTED,      /* the ID of the requested RLOC16 */
    ROUTER_TABLE_AS_GRANTED_RANDOM,         /* a random free ID */
    ROUTER_TABLE_AS_REFUSED_NOT_LEADER,     /* only the leader allocates (the TMF handler drops) */
    ROUTER_TABLE_AS_REFUSED_ENOUGH_ROUTERS, /* too-few-routers reason with >= threshold routers */
    ROUTER_TABLE_AS_REFUSED_ENOUGH_BRS, /* BR request with >= threshold routers and >= 2 BR routers
                                         */
    ROUTER_TABLE_AS_REFUSED_FULL,       /* 32 routers, or every free ID is in its reuse delay */
    ROUTER_TABLE_AS_REFUSED_REASON,     /* unknown upgrade reason */
    ROUTER_TABLE_AS__COUNT
};
const char *router_table_as_why_name(enum router_table_as_why w);

enum router_table_role {
    ROUTER_TABLE_DETACHED = 0,
    ROUTER_TABLE_CHILD, /* FTD child (REED): routes go through the parent */
    ROUTER_TABLE_ROUTER,
    ROUTER_TABLE_LEADER,
};

enum router_table_link {
    ROUTER_TABLE_LINK_NONE = 0, /* Neighbor::kStateInvalid */
    ROUTER_TABLE_LINK_REQUEST,  /* kStateLinkRequest: we are establishing the link */
    ROUTER_TABLE_LINK_VALID,    /* kStateValid: a neighbour router */
};

/* One allocated router ID (OpenThread's Router). */
struct router_table_entry {
    bool alloc;
    uint8_t link; /* enum router_table_link */
    uint8_t ext[8];
    uint8_t next_hop; /* router ID of the next hop towards it, or ROUTER_TABLE_INVALID_ID */
    uint8_t cost;     /* its cost from next_hop (mCost: 4 bits, as OpenThread keeps it) */
    uint8_t lq_in;    /* 0..3: from our receptions (RSS average) */
    uint8_t lq_out;   /* 0..3: the neighbour's LQ in for us (its Route64 / Link Margin TLV) */
    uint64_t last_heard_ms;
    uint16_t rss_avg;  /* RssAverager: -RSS * 8, exponentially weighted */
    uint8_t rss_count; /* samples in the average, up to 8 */
    int8_t last_rss;
    uint8_t lr_attempts;    /* Link Requests left in link re-establishment */
    uint8_t accept_timeout; /* s left waiting for a Link Accept; 0: not waiting */
    uint16_t version;
};

/* Drops and decisions, one named counter each. */
struct router_table_counters {
    uint32_t route64_too_many;       /* Route64 with more than 32 IDs (OT RouteTlv::IsValid) */
    uint32_t route64_from_self;      /* Advertisement carrying our own RLOC16 */
    uint32_t route64_not_router;     /* source is not a router RLOC16 */
    uint32_t route64_unknown_router; /* source ID not allocated in our set */
    uint32_t id_set_updates;         /* ID sets taken from a newer Route64 */
    uint32_t ids_allocated;
    uint32_t ids_released;
    uint32_t ids_released_no_route; /* leader: no route for 90 s */
    uint32_t links_lost;            /* no Link Accept in time (set-up or re-establishment) */
    uint32_t as_answers[ROUTER_TABLE_AS__COUNT];
};

struct router_table {
    struct router_table_entry r[ROUTER_TABLE_MAX_ID + 1]; /* by router ID */
    uint64_t reuse_until_ms[ROUTER_TABLE_MAX_ID + 1];     /* released IDs: free again from */
    uint8_t n_alloc;
    uint8_t id_seq;
    uint64_t id_seq_ms; /* when id_seq last changed (leader age) */
    uint8_t role;       /* enum router_table_role */
    uint8_t my_id;      /* our router ID (router/leader), else ROUTER_TABLE_INVALID_ID */
    uint8_t my_ext[8];
    uint8_t leader_id;
    /* FTD child: the parent link (OpenThread's mParent, kept apart from the table). */
    uint8_t parent_id;
    uint8_t parent_lq_in;
    bool parent_valid;
    uint8_t upgrade_threshold; /* mRouterUpgradeThreshold, 16 */
    struct router_table_counters cnt;
};

/* ---- link quality (link_quality.cpp) ---------------------------------- */

/* CalculateLinkQuality: 0..3 for a link margin (dB), the thresholds raised
 * by the hysteresis above the last quality (ROUTER_TABLE_LQ_NONE: none). */
uint8_t router_table_lq_for_margin(uint8_t margin, uint8_t last_lq);
/* RssAverager::GetAverage of a router's link: the average RSS (dBm, 0.5
 * rounded away from zero), ROUTER_TABLE_INVALID_RSSI before any sample. */
struct router_table_entry;
int8_t router_table_avg_rss(const struct router_table_entry *e);
/* CostForLinkQuality: 3 -> 1, 2 -> 2, 1 -> 4, 0 (or >3) -> 16. */
uint8_t router_table_cost_for_lq(uint8_t lq);
/* ComputeLinkMargin: rss - noise floor, 0 when negative or rss invalid. */
uint8_t router_table_link_margin(int8_t noise_floor, int8_t rss);
/* SerialNumber::IsGreater for the 8-bit ID sequence: (b - a) has the top bit
 * set. A difference of exactly 128 is "greater" both ways, as in OpenThread. */
bool router_table_seq_greater(uint8_t a, uint8_t b);

static inline uint16_t router_table_rloc16(uint8_t id)
{
    return (uint16_t)(id << 10);
}

/* ---- setup and role ----------------------------------------------------- */

/* Empty table; id_seq is OpenThread's random initial sequence (pass a random byte). */
void router_table_init(struct router_table *t, uint8_t id_seq);
/* RouterTable::Clear: every ID and link gone, no reuse delays pending. */
void router_table_clear(struct router_table *t);
/* Our role. ROUTER/LEADER: my_id is our router ID (it must be allocated for
 * the table's routes to count it as ours) and ext our extended address for
 * its row; CHILD/DETACHED: my_id is ignored. leader_id: the partition's
 * leader (Leader Data). */
void router_table_set_role(struct router_table *t, enum router_table_role role, uint8_t my_id,
                           const uint8_t ext[8], uint8_t leader_id);
/* FTD child: our parent's router ID and its link quality in (path costs
 * through it); valid false while the parent link is down. */
void router_table_set_parent(struct router_table *t, uint8_t parent_id, uint8_t lq_in, bool valid);

/* Allocated entry of a router ID (0..62), or NULL. */
struct router_table_entry *router_table_get(struct router_table *t, uint8_t id);
const struct router_table_entry *router_table_cget(const struct router_table *t, uint8_t id);
/* Number of allocated IDs (the active routers). */
unsigned router_table_active(const struct router_table *t);
/* Neighbour routers (valid links) with LQ in >= lq (GetNeighborCount). */
unsigned router_table_neighbor_count(const struct router_table *t, uint8_t lq);
/* Seconds since the ID sequence changed, 0xffffffff with no router
 * (GetLeaderAge); a router reattaches at ROUTER_TABLE_NETWORK_ID_TIMEOUT_S. */
uint32_t router_table_leader_age_s(const struct router_table *t, uint64_t now_ms);

/* ---- leader: router ID allocation (Thread 1.3 §5.11; mle_ftd.cpp) -------- */

/* Allocate(id): the ID if it is free and past its reuse delay and the table
 * has room; bumps the ID sequence. OT_ERR_NONE, OT_ERR_INVALID_ARGS (> 62),
 * OT_ERR_ALREADY (allocated), OT_ERR_BUSY (in its reuse delay), OT_ERR_NO_BUFS
 * (32 routers). */
enum ot_err router_table_allocate(struct router_table *t, uint8_t id, uint64_t now_ms);
/* Allocate(): a random allocatable ID (rnd picks among them uniformly, the
 * choice OpenThread's reservoir sampling makes), or ROUTER_TABLE_INVALID_ID. */
uint8_t router_table_allocate_any(struct router_table *t, uint32_t rnd, uint64_t now_ms);
/* Release(id), leader only: the ID enters its reuse delay, next hops through
 * it are cleared, the ID sequence is bumped. OT_ERR_INVALID_STATE (not
 * leader), OT_ERR_NOT_FOUND. The caller also drops the ID's EID cache
 * entries and its Network Data (RemoveBorderRouter). */
enum ot_err router_table_release(struct router_table *t, uint8_t id, uint64_t now_ms);

struct router_table_solicit {
    uint8_t ext[8];
    uint8_t reason;  /* ROUTER_TABLE_REASON_* (the request's Status TLV) */
    bool has_rloc16; /* RLOC16 TLV present: the ID the requester wants back */
    uint16_t rloc16;
    unsigned br_routers; /* routers serving as border routers in the leader's Network Data
                            (CountBorderRouters(kRouterRoleOnly)) */
    uint32_t rnd;        /* for the random ID */
};

struct router_table_solicit_answer {
    uint8_t status; /* ROUTER_TABLE_AS_* */
    uint8_t why;    /* enum router_table_as_why */
    uint8_t id;     /* the granted router ID, else ROUTER_TABLE_INVALID_ID */
};

/* ProcessAddressSolicit: the answer to an a/as, allocating on success (the
 * granted ID's ext address is set). On success the response carries the
 * RLOC16 and a Router Mask TLV of t->id_seq and router_table_mask(). */
struct router_table_solicit_answer router_table_solicit(struct router_table *t,
                                                        const struct router_table_solicit *req,
                                                        uint64_t now_ms);
/* a/ar: releases the router with this RLOC16 when ext matches it. Like
 * OpenThread, a mismatch gets no answer: OT_ERR_NOT_FOUND; not leader:
 * OT_ERR_INVALID_STATE. OT_ERR_NONE: send the empty ACK. */
enum ot_err router_table_addr_release(struct router_table *t, uint16_t rloc16, const uint8_t ext[8],
                                      uint64_t now_ms);
/* The allocated ID set as a Route64 / Router Mask bit mask (bit i = byte
 * i/8, 0x80 >> i%8). */
void router_table_mask(const struct router_table *t, uint8_t mask[8]);

/* ---- every router: links ------------------------------------------------ */

/* A frame from router id was received with rss, noise floor nf (Mac's
 * UpdateNeighborLinkInfo -> LinkQualityInfo::AddRss): the RSS average and LQ
 * in follow (no effect for an invalid RSS, or an ID without a link). */
void router_table_link_rx(struct router_table *t, uint8_t id, int8_t rss, int8_t nf);
/* Link Accept (HandleLinkAcceptVariant) from router id: link valid, ext,
 * version, LQ out from the Link Margin TLV (no hysteresis), heard now, the
 * first RSS sample (rss, nf). OT_ERR_NOT_FOUND when the ID is not allocated. */
enum ot_err router_table_link_up(struct router_table *t, uint8_t id, const uint8_t ext[8],
                                 uint8_t peer_margin, uint16_t version, int8_t rss, int8_t nf,
                                 uint64_t now_ms);
/* We sent a Link Request to router id (RestartLinkAcceptTimeout). */
void router_table_link_request_sent(struct router_table *t, uint8_t id);
/* RemoveNeighbor for a router: LQ out 0, routes through it cleared, link
 * info cleared, link state none. Returns true when no route to it is left
 * (the caller drops its EID cache entries). */
bool router_table_link_down(struct router_table *t, uint8_t id, uint64_t now_ms);

/* ---- every router: routes ---------------------------------------------- */

struct router_table_adv_out {
    bool detach;        /* our ID (or our parent's) left the set: detach now */
    bool link_request;  /* send a Link Request to the sender (after <= 1 s random delay) */
    bool reset_trickle; /* ResetAdvertiseInterval */
    bool unicast_adv;   /* ScheduleUnicastAdvertisementTo(sender) */
    bool changed;       /* the table changed (UpdateAdvertiseInterval, log) */
    uint64_t removed;   /* bit i: ID i left the set (drop its EID cache entries) */
};

/* A Route64 from the router src_rloc16 in an Advertisement of our partition
 * with our leader (the caller has done the partition and leader checks of
 * HandleAdvertisementOnFtd). neighbor_valid: the sender is a valid neighbour
 * of ours (router link, parent, or a child turned router); link_margin of
 * the frame. Mirrors HandleAdvertisementOnFtd from "Process RouteTlv" on:
 * take a newer ID set, then as a child follow the parent's costs, as a
 * router start a link or UpdateRoutes. OT_ERR_NONE; OT_ERR_INVALID_STATE
 * (detached: nothing to do); OT_ERR_PARSE (more than
 * 32 IDs); OT_ERR_DROP (not a router / ourselves); OT_ERR_NO_ROUTE (detach,
 * or a link request is due); OT_ERR_NOT_FOUND (sender not in our set). */
enum ot_err router_table_advertisement(struct router_table *t, uint16_t src_rloc16,
                                       const struct mle_route64 *r, bool neighbor_valid,
                                       uint8_t link_margin, uint64_t now_ms,
                                       struct router_table_adv_out *out);
/* UpdateRouterIdSet: take the ID sequence and set (removed IDs lose links
 * and routes and enter the reuse delay; new IDs are added up to 32). */
void router_table_update_id_set(struct router_table *t, uint8_t id_seq, const uint8_t mask[8],
                                uint64_t now_ms, struct router_table_adv_out *out);
/* IsRouteTlvIdSequenceMoreRecent: no routers yet, or a greater sequence. */
bool router_table_seq_newer(const struct router_table *t, uint8_t id_seq);
/* UpdateRoutes: distance vector from the neighbour's Route64. */
void router_table_update_routes(struct router_table *t, const struct mle_route64 *r,
                                uint8_t neighbor_id, uint64_t now_ms,
                                struct router_table_adv_out *out);
/* UpdateRouterOnFtdChild: the parent's costs, the parent as next hop. */
void router_table_update_on_ftd_child(struct router_table *t, const struct mle_route64 *r,
                                      uint8_t parent_id);

/* GetLinkCost: 16 for ourselves or without a valid link, else the cost of
 * the two-way link quality min(in, out). */
uint8_t router_table_link_cost(const struct router_table *t, uint8_t id);

struct router_table_hop {
    uint16_t next_hop; /* RLOC16 of the next hop, ROUTER_TABLE_INVALID_RLOC16 for none */
    uint8_t cost;      /* path cost; >= 16 is unreachable */
};
/* GetNextHopAndPathCost towards dest (a router, or a child: cost + 1 for
 * the child's link to its parent router). A child of ours (same router ID):
 * child_lq_in is its LQ in from the caller's child table, or -1 when no
 * such child (then unreachable). */
struct router_table_hop router_table_next_hop(const struct router_table *t, uint16_t dest,
                                              int child_lq_in);

/* FillRouteTlv: our Route64 (our own entry 0x01, others LQ out | LQ in |
 * path cost, 0 for unreachable). link_accept_to: the router ID a Link
 * Accept goes to, or -1 for an Advertisement; with more than 20 routers the
 * Link Accept form keeps us, that router and the leader, drops the lowest
 * other IDs down to 20 and rolls the sequence back by 64. */
void router_table_fill_route64(const struct router_table *t, int link_accept_to,
                               struct mle_route64 *out);

/* ---- time --------------------------------------------------------------- */

struct router_table_tick_out {
    uint64_t link_request; /* bit i: send a Link Request to router i (random delay <= 1 s) */
    uint64_t link_lost;    /* bit i: link to router i removed (no Link Accept) */
    uint64_t released;     /* bit i: leader released ID i (no route for 90 s) */
    bool id_seq_bumped;
    bool reattach; /* router or child: leader age reached the network ID timeout */
};
/* Mle::HandleTimeTick's router table part and RouterTable::HandleTimeTick:
 * call once a second. Neighbours unheard for 100 s get up to 3 Link
 * Requests, then 3 s for a Link Accept before the link is dropped; the
 * leader releases IDs without any route for 90 s and bumps the sequence
 * every 10 s. */
void router_table_tick(struct router_table *t, uint64_t now_ms, struct router_table_tick_out *out);

/* ---- CLI views (cli.cpp Process<Cmd("router")>) ------------------------- */

struct router_table_info { /* otRouterInfo */
    uint8_t id;
    uint16_t rloc16;
    uint8_t next_hop;
    uint8_t path_cost; /* mCost: the cost from the next hop */
    uint8_t lq_in, lq_out;
    uint8_t age; /* seconds, truncated to 8 bits as OpenThread does */
    uint8_t ext[8];
    bool link;
    uint8_t version;
};
/* GetRouterInfo: id_or_rloc16 is a router ID (0..62) or a router RLOC16.
 * OT_ERR_INVALID_ARGS, OT_ERR_NOT_FOUND. */
enum ot_err router_table_info(const struct router_table *t, uint16_t id_or_rloc16, uint64_t now_ms,
                              struct router_table_info *out);
/* `router table`: header, one row per allocated ID (widths 4, 8, 10, 11,
 * 7, 8, 5, 18, 6) and the empty line OpenThread prints after them.
 * `router list`: the IDs on one line. `router <id>`: the lines of that
 * command. The caller prints "Done". */
void router_table_fmt_table(FILE *out, const struct router_table *t, uint64_t now_ms);
void router_table_fmt_list(FILE *out, const struct router_table *t);
void router_table_fmt_router(FILE *out, const struct router_table_info *info);

#endif
