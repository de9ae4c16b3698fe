/*
 * The mesh scale bench (issue 13; a program, not a timed test).
 *
 *   tbr-mesh-bench [--routers N] [--devices M] [--seed S] [--range METRES]
 *                  [--spacing METRES] [--loss P] [--minutes T]
 *                  [--topology grid|random] [--start all|rings] [--ring-s S]
 *                  [--jitter S] [--upgrade-threshold N]
 *                  [--log-node N] [--until-done] [--check] [--quiet] [--dump]
 *
 * One process, virtual time, no sockets: a border router (src/br/agent.c
 * with NAT64 enabled, station 0 in the middle of the field) and N
 * router-eligible FTDs plus M MTD end devices (mode rn) on the in-process
 * medium (bench/mesh_medium.h: positions, radio range, RSSI from the
 * distance). The border router forms the network; then every other node
 * gets its active dataset and starts: all at once (--start all, the
 * default), or ring by ring of radio hops from the border router, ring h
 * at (h - 1) * --ring-s (150 s: more than OpenThread's 120 s router
 * selection jitter), as an installer adds devices outward. The router
 * settings are Thread's defaults (OpenThread's) unless --jitter
 * (`routerselectionjitter`) or --upgrade-threshold (`routerupgradethreshold`)
 * set them on every router-capable node. Every node, once attached
 * and holding a NAT64 prefix from the Network Data, pings 192.0.2.1
 * through it (RFC 6052 synthesis of the agent's NAT64 /96; the agent's
 * host side answers IPv4 echo requests), retried until one reply comes
 * back.
 *
 * Measured and printed as a table and as one JSON line: virtual time
 * until every node is attached (and in the border router's partition),
 * the roles (routers, children, partitions), virtual time until every
 * node got an echo reply through NAT64, memory per node (sizeof(struct
 * tnode) and the heap it holds, mallinfo2), wall-clock time per simulated
 * minute, and the frames on the air.
 *
 * --check: exit status 1 unless every node attached in one partition and
 * got its NAT64 echo reply by the end (the smoke test's correctness check;
 * never a timing check). --until-done stops once both are true.
 */
#include <errno.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "br/agent.h"
#include "mesh_medium.h"
#include "thread/node.h"
#include "thread/node_priv.h" /* sizeof(struct tnode) only */
#include "util/csum.h"
#include "util/rfc6052.h"

#define BM_TICK_MS 100       /* the bench's own checks (attach, pings) */
#define BM_HOSTQ 256         /* echo replies waiting for the agent's host input */
#define BM_PING_TIMEOUT 3000 /* ms after the request */
#define BM_NEVER UINT64_MAX

static const uint8_t bm_ip4_peer[4] = {192, 0, 2, 1};

struct bm_opts {
    int routers, devices;
    uint64_t seed;
    double range, spacing, loss;
    double minutes;
    enum mm_topology topology;
    bool until_done, check, quiet, dump;
    int jitter_s, upgrade_threshold; /* -1: Thread's defaults (120 s, 16) */
    int log_node;                    /* --log-node N: node N's log lines on stderr (0: none) */
    bool rings;       /* --start rings: ring h of radio hops starts at (h - 1) * ring_ms */
    uint64_t ring_ms; /* --ring-s */
};

struct bm;

struct bm_node {
    struct bm *b;
    struct tnode *tn; /* NULL for station 0, the agent */
    bool router_capable;
    int hops;     /* radio hops from the border router over the medium's links, -1 unreachable */
    bool dirty;   /* input arrived: process it */
    uint64_t due; /* absolute ms of its nearest timer, BM_NEVER */
    uint64_t start_at; /* when `thread start` is due */
    bool started;
    uint64_t attached_at, nat64_at; /* BM_NEVER until it happens */
    bool ping_busy;
    uint64_t ping_next;
    uint32_t pings;
};

struct bm_hostpkt {
    uint16_t len;
    uint8_t data[BR_AGENT_MTU];
};

struct bm {
    struct bm_opts o;
    struct mm_medium air;
    struct br_agent *agent;
    struct bm_node *nodes;
    int n;
    uint64_t now, t0; /* t0: when the nodes started */
    uint64_t rng;     /* ping jitter */
    struct bm_hostpkt *hq;
    unsigned hq_n;
    uint64_t host_echo, host_other, host_drops;
    uint64_t all_attached_at, all_partition_at, all_nat64_at;
    uint64_t rounds;
};

struct bm_census {
    int attached, leaders, routers, children, detached, partitions, in_br_partition, nat64;
};

/* ---- the agent's host side: 192.0.2.1 answers echo requests ----------------------------- */

static struct bm *bm_of_station(void *user)
{
    return ((struct mm_station *)user)->m->user;
}

static void bm_host_tx(void *user, const uint8_t *pkt, size_t len)
{
    struct bm *b = bm_of_station(user);
    struct bm_hostpkt *r;
    size_t ihl;
    uint16_t c;

    if (len < 28 || (pkt[0] >> 4) != 4) {
        b->host_other++;
        return;
    }
    ihl = (size_t)(pkt[0] & 0x0f) * 4;
    if (pkt[9] != 1 || memcmp(pkt + 16, bm_ip4_peer, 4) != 0 || ihl < 20 || len < ihl + 8 ||
        pkt[ihl] != 8 || len > sizeof(r->data)) {
        b->host_other++;
        return;
    }
    b->host_echo++;
    if (b->hq_n >= BM_HOSTQ) {
        b->host_drops++;
        return;
    }
    r = &b->hq[b->hq_n++];
    memcpy(r->data, pkt, len);
    r->len = (uint16_t)len;
    memcpy(r->data + 12, pkt + 16, 4);
    memcpy(r->data + 16, pkt + 12, 4);
    r->data[8] = 60; /* TTL */
    r->data[10] = r->data[11] = 0;
    c = csum_ip4_header(r->data, ihl);
    r->data[10] = (uint8_t)(c >> 8);
    r->data[11] = (uint8_t)c;
    r->data[ihl] = 0; /* echo reply (RFC 792) */
    r->data[ihl + 2] = r->data[ihl + 3] = 0;
    c = csum_finish(csum_add(0, r->data + ihl, len - ihl));
    r->data[ihl + 2] = (uint8_t)(c >> 8);
    r->data[ihl + 3] = (uint8_t)c;
}

/* ---- the scheduler: only nodes with input or a due timer run ---------------------------- */

static void bm_rx(void *user, int idx, const struct radio_rx_frame *rx)
{
    struct bm *b = user;
    struct bm_node *nd = &b->nodes[idx];

    if (nd->tn != NULL)
        tnode_radio_rx(nd->tn, rx);
    else
        br_agent_radio_rx(b->agent, rx);
    nd->dirty = true;
}

static void bm_process(struct bm *b, struct bm_node *nd)
{
    int64_t next;

    if (nd->tn != NULL) {
        tnode_process(nd->tn, b->now);
        next = tnode_next_timeout_ms(nd->tn, b->now);
    } else {
        br_agent_process(b->agent, b->now);
        next = br_agent_next_timeout_ms(b->agent, b->now);
    }
    nd->dirty = next == 0;
    nd->due = next < 0 ? BM_NEVER : b->now + (uint64_t)next;
}

/* Runs frames, host packets and timers up to `until` (virtual ms). */
static void bm_run(struct bm *b, uint64_t until)
{
    uint64_t spins = 0;

    for (;;) {
        bool again = false;
        uint64_t next = BM_NEVER;

        mm_medium_deliver(&b->air, b->now);
        for (unsigned i = 0; i < b->hq_n; i++)
            br_agent_host_input(b->agent, b->hq[i].data, b->hq[i].len, b->now);
        if (b->hq_n > 0)
            b->nodes[0].dirty = true;
        b->hq_n = 0;
        for (int i = 0; i < b->n; i++) {
            struct bm_node *nd = &b->nodes[i];

            if (nd->dirty || nd->due <= b->now)
                bm_process(b, nd);
            again |= nd->dirty;
            if (nd->due < next)
                next = nd->due;
        }
        b->rounds++;
        if (again || b->air.count > 0 || b->hq_n > 0) {
            if (++spins > 10000000) {
                fprintf(stderr, "tbr-mesh-bench: no progress at %llu ms\n",
                        (unsigned long long)b->now);
                exit(2);
            }
            continue;
        }
        spins = 0;
        if (next > until) {
            b->now = until;
            return;
        }
        if (next > b->now)
            b->now = next;
    }
}

/* ---- pings through NAT64 ------------------------------------------------------------------ */

static uint64_t bm_rand(struct bm *b, uint64_t below)
{
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return below > 0 ? (b->rng * 0x2545f4914f6cdd1dULL) % below : 0;
}

static void bm_ping_cb(void *ctx, const struct tnode_ping_event *ev)
{
    struct bm_node *nd = ctx;

    if (ev->type == TNODE_PING_REPLY) {
        if (nd->nat64_at == BM_NEVER)
            nd->nat64_at = ev->now_ms;
        return;
    }
    nd->ping_busy = false;
    if (nd->nat64_at == BM_NEVER) /* retried later, with jitter */
        nd->ping_next = ev->now_ms + 2000 + bm_rand(nd->b, 3000);
}

static void bm_try_ping(struct bm *b, struct bm_node *nd)
{
    struct addr_prefix6 p;
    uint8_t dst[16];

    if (nd->nat64_at != BM_NEVER || nd->ping_busy || nd->attached_at == BM_NEVER ||
        b->now < nd->ping_next || !tnode_nat64_prefix(nd->tn, &p) ||
        !rfc6052_synth(&p, bm_ip4_peer, dst))
        return;
    if (tnode_ping(nd->tn, dst, 8, 1, 1000, 64, BM_PING_TIMEOUT, bm_ping_cb, nd, b->now) !=
        OT_ERR_NONE) {
        nd->ping_next = b->now + 1000 + bm_rand(b, 1000);
        return;
    }
    nd->ping_busy = true;
    nd->pings++;
    nd->dirty = true;
}

/* ---- census ------------------------------------------------------------------------------- */

static bool bm_attached(enum tnode_role r)
{
    return r == TNODE_CHILD || r == TNODE_ROUTER || r == TNODE_LEADER;
}

static struct tnode *bm_tnode(const struct bm *b, int i)
{
    return i == 0 ? br_agent_node(b->agent) : b->nodes[i].tn;
}

static void bm_census(struct bm *b, struct bm_census *c)
{
    uint32_t *pids = calloc((size_t)b->n, sizeof(uint32_t)), br_pid = 0;
    struct tnode_leader_data ld;

    memset(c, 0, sizeof(*c));
    if (tnode_leader_data(bm_tnode(b, 0), &ld) == OT_ERR_NONE)
        br_pid = ld.partition_id;
    for (int i = 0; i < b->n; i++) {
        struct tnode *tn = bm_tnode(b, i);
        enum tnode_role r = tnode_role(tn);
        bool seen = false;

        c->leaders += r == TNODE_LEADER;
        c->routers += r == TNODE_ROUTER || r == TNODE_LEADER;
        c->children += r == TNODE_CHILD;
        c->nat64 += i > 0 && b->nodes[i].nat64_at != BM_NEVER; /* ever got a reply */
        if (!bm_attached(r)) {
            c->detached++;
            continue;
        }
        c->attached++;
        if (tnode_leader_data(tn, &ld) != OT_ERR_NONE)
            continue;
        c->in_br_partition += ld.partition_id == br_pid;
        for (int k = 0; k < c->partitions && !seen; k++)
            seen = pids != NULL && pids[k] == ld.partition_id;
        if (!seen && pids != NULL)
            pids[c->partitions++] = ld.partition_id;
    }
    free(pids);
}

static void bm_start_due(struct bm *b, struct bm_node *nd)
{
    if (nd->started || b->now < nd->start_at)
        return;
    nd->started = true;
    nd->dirty = true;
    if (tnode_thread_start(nd->tn, b->now) != OT_ERR_NONE)
        fprintf(stderr, "thread start failed at node %d\n", (int)(nd - b->nodes));
}

/* The per-tick checks: attach times, pings, the "all" milestones. */
static void bm_tick(struct bm *b)
{
    bool all_att = true, all_part = true, all_nat = true;
    struct tnode_leader_data ld;
    uint32_t br_pid = 0;

    if (tnode_leader_data(bm_tnode(b, 0), &ld) == OT_ERR_NONE)
        br_pid = ld.partition_id;
    for (int i = 1; i < b->n; i++) {
        struct bm_node *nd = &b->nodes[i];
        bool att;

        bm_start_due(b, nd);
        att = bm_attached(tnode_role(nd->tn));

        if (att && nd->attached_at == BM_NEVER) {
            nd->attached_at = b->now;
            nd->ping_next = b->now + bm_rand(b, 1000);
        }
        all_att &= att;
        all_part &=
            att && tnode_leader_data(nd->tn, &ld) == OT_ERR_NONE && ld.partition_id == br_pid;
        bm_try_ping(b, nd);
        all_nat &= nd->nat64_at != BM_NEVER;
    }
    if (all_att && b->all_attached_at == BM_NEVER)
        b->all_attached_at = b->now;
    if (all_part && b->all_partition_at == BM_NEVER)
        b->all_partition_at = b->now;
    if (all_nat && b->all_nat64_at == BM_NEVER)
        b->all_nat64_at = b->now;
}

/* ---- setup -------------------------------------------------------------------------------- */

static size_t bm_heap(void)
{
    return mallinfo2().uordblks;
}

static int bm_start_agent(struct bm *b)
{
    struct br_agent_cfg cfg;
    struct addr_prefix6 p;
    char err[BR_AGENT_ERR_MAX];

    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 1;
    cfg.radio_ops = &mm_radio_ops;
    cfg.radio = &b->air.st[0];
    cfg.random = mm_random;
    cfg.user = &b->air.st[0];
    cfg.host_tx = bm_host_tx;
    cfg.assume_return_path = true;
    b->agent = br_agent_new(&cfg, b->now, err, sizeof(err));
    if (b->agent == NULL) {
        fprintf(stderr, "br_agent_new: %s\n", err);
        return -1;
    }
    br_agent_set_nat64_enabled(b->agent, true, b->now);
    if (br_agent_autostart(b->agent, true, b->now) != OT_ERR_NONE) {
        fprintf(stderr, "br_agent_autostart failed\n");
        return -1;
    }
    b->nodes[0].dirty = true;
    for (int s = 0; s < 120; s++) {
        bm_run(b, b->now + 1000);
        if (tnode_role(br_agent_node(b->agent)) == TNODE_LEADER &&
            tnode_nat64_prefix(br_agent_node(b->agent), &p))
            return 0;
    }
    fprintf(stderr, "the border router did not become a leader with NAT64 in 120 s\n");
    return -1;
}

/* --log-node: the node's log lines (level 1..4) with the virtual time. */
static void bm_log(void *user, int level, const char *msg)
{
    const struct mm_station *st = user;

    (void)level;
    fprintf(stderr, "node %d: %s\n", st->idx, msg);
}

static int bm_new_nodes(struct bm *b)
{
    int capable = b->o.routers, rest = b->n - 1;

    for (int i = 1; i < b->n; i++) {
        struct bm_node *nd = &b->nodes[i];
        struct tnode_cfg cfg;

        /* spread the router-capable ones evenly over the stations */
        nd->router_capable = (long)i * capable / rest != (long)(i - 1) * capable / rest;
        memset(&cfg, 0, sizeof(cfg));
        cfg.node_id = (uint8_t)(i + 1);
        cfg.radio_ops = &mm_radio_ops;
        cfg.radio = &b->air.st[i];
        cfg.random = mm_random;
        cfg.user = &b->air.st[i];
        cfg.router_eligible = nd->router_capable;
        if (b->o.log_node == i)
            cfg.log = bm_log;
        nd->tn = tnode_new(&cfg, b->now);
        if (nd->tn == NULL) {
            fprintf(stderr, "tnode_new failed at node %d\n", i);
            return -1;
        }
        if (b->o.jitter_s >= 0)
            tnode_set_router_selection_jitter(nd->tn, (uint8_t)b->o.jitter_s);
        if (b->o.upgrade_threshold >= 0)
            tnode_set_router_upgrade_threshold(nd->tn, (uint8_t)b->o.upgrade_threshold);
    }
    return 0;
}

/* Gives every node the border router's active dataset (and the MTDs their
 * mode) and its start time: all at t0, or ring by ring of radio hops. */
static int bm_prepare_nodes(struct bm *b)
{
    size_t len;
    const uint8_t *ds = tnode_active_dataset(br_agent_node(b->agent), &len);
    uint8_t copy[DATASET_MAX_LEN];

    if (ds == NULL || len > sizeof(copy))
        return -1;
    memcpy(copy, ds, len);
    for (int i = 1; i < b->n; i++) {
        struct bm_node *nd = &b->nodes[i];
        int ring = nd->hops > 0 ? nd->hops - 1 : 0;

        if (!nd->router_capable &&
            tnode_set_mode(nd->tn, TNODE_MODE_RX_ON | TNODE_MODE_FULL_NETDATA, b->now) !=
                OT_ERR_NONE)
            return -1;
        if (tnode_dataset_set_active(nd->tn, copy, len, b->now) != OT_ERR_NONE ||
            tnode_ifconfig(nd->tn, true, b->now) != OT_ERR_NONE)
            return -1;
        nd->start_at = b->now + (b->o.rings ? (uint64_t)ring * b->o.ring_ms : 0);
        nd->dirty = true;
    }
    return 0;
}

static void bm_free(struct bm *b)
{
    for (int i = 1; i < b->n && b->nodes != NULL; i++)
        tnode_free(b->nodes[i].tn);
    br_agent_free(b->agent, b->now);
    mm_medium_free(&b->air);
    free(b->nodes);
    free(b->hq);
}

/* ---- report ------------------------------------------------------------------------------- */

struct bm_result {
    int max_hops, unreachable;
    size_t heap0, heap_nodes, heap_end, heap_agent, medium_bytes;
    double wall_s, sim_min;
    struct bm_census c;
};

static int bm_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* The median of the nodes' attach (nat64 false) or first-reply times, in
 * ms after t0, over the nodes that got there; BM_NEVER for none. */
static uint64_t bm_median(const struct bm *b, bool nat64)
{
    uint64_t *t = calloc((size_t)b->n, sizeof(uint64_t)), med = BM_NEVER;
    size_t k = 0;

    for (int i = 1; i < b->n && t != NULL; i++) {
        uint64_t at = nat64 ? b->nodes[i].nat64_at : b->nodes[i].attached_at;

        if (at != BM_NEVER)
            t[k++] = at;
    }
    if (k > 0) {
        qsort(t, k, sizeof(*t), bm_cmp_u64);
        med = t[k / 2];
    }
    free(t);
    return med;
}

static void bm_fmt_s(char *buf, size_t cap, const struct bm *b, uint64_t at)
{
    if (at == BM_NEVER)
        snprintf(buf, cap, "null");
    else
        snprintf(buf, cap, "%.1f", (double)(at - b->t0) / 1000.0);
}

/* One line per radio-hop distance from the border router: how many nodes,
 * how many attached / reached NAT64 and the latest of those times. */
static void bm_report_hops(const struct bm *b, int max_hops)
{
    for (int h = 1; h <= max_hops; h++) {
        int n = 0, att = 0, nat = 0;
        uint64_t att_max = 0, nat_max = 0;

        for (int i = 1; i < b->n; i++) {
            const struct bm_node *nd = &b->nodes[i];

            if (nd->hops != h)
                continue;
            n++;
            if (nd->attached_at != BM_NEVER) {
                att++;
                att_max = nd->attached_at - b->t0 > att_max ? nd->attached_at - b->t0 : att_max;
            }
            if (nd->nat64_at != BM_NEVER) {
                nat++;
                nat_max = nd->nat64_at - b->t0 > nat_max ? nd->nat64_at - b->t0 : nat_max;
            }
        }
        printf("    %2d hop%s %4d nodes: %4d attached (latest %6.1f s), %4d NAT64 (latest %6.1f "
               "s)\n",
               h, h == 1 ? ": " : "s:", n, att, (double)att_max / 1000, nat,
               (double)nat_max / 1000);
    }
}

/* --dump: one line per node (stderr), to find where a mesh went wrong:
 * where it is, its role and partition, its times, and the counters of the
 * router and partition decisions. */
static void bm_dump(const struct bm *b)
{
    for (int i = 0; i < b->n; i++) {
        struct tnode *tn = bm_tnode(b, i);
        const struct bm_node *nd = &b->nodes[i];
        const struct tnode_counters *k = tnode_counters(tn);
        const struct mm_station *st = &b->air.st[i];

        fprintf(stderr,
                "node %4d %s hops %2d at (%5.1f,%5.1f) %-8s rloc16 0x%04x partition %08x "
                "attached %7.1f nat64 %7.1f pings %u | up %u down %u drop_partition %u "
                "table_full %u relayed %u\n",
                i,
                i == 0               ? "BR "
                : nd->router_capable ? "FTD"
                                     : "MTD",
                nd->hops, st->x, st->y, tnode_role_name(tnode_role(tn)), tnode_rloc16(tn),
                (unsigned)tnode_partition_id(tn),
                nd->attached_at == BM_NEVER ? -1.0 : (double)(nd->attached_at - b->t0) / 1000,
                nd->nat64_at == BM_NEVER ? -1.0 : (double)(nd->nat64_at - b->t0) / 1000, nd->pings,
                k->router_upgrades, k->router_downgrades, k->mle_drop_partition,
                k->mle_drop_table_full, k->rx_mesh_relayed);
    }
}

static void bm_report(const struct bm *b, const struct bm_result *r)
{
    int others = b->n - 1;
    char att[24], part[24], nat[24], att_med[24], nat_med[24];
    double per_node = (double)r->heap_nodes / others, per_node_end = (double)r->heap_end / others;

    bm_fmt_s(att, sizeof(att), b, b->all_attached_at);
    bm_fmt_s(part, sizeof(part), b, b->all_partition_at);
    bm_fmt_s(nat, sizeof(nat), b, b->all_nat64_at);
    bm_fmt_s(att_med, sizeof(att_med), b, bm_median(b, false));
    bm_fmt_s(nat_med, sizeof(nat_med), b, bm_median(b, true));
    printf("mesh: %d nodes = 1 border router + %d router-capable FTDs + %d MTDs (rn); %s, "
           "spacing %.0f m, range %.0f m, loss %.2f, seed %llu\n",
           b->n, b->o.routers, b->o.devices, b->o.topology == MM_GRID ? "grid" : "random",
           b->o.spacing, b->o.range, b->o.loss, (unsigned long long)b->o.seed);
    printf("  radio hops from the border router   max %d, unreachable %d\n", r->max_hops,
           r->unreachable);
    printf("  all attached (virtual s)            %s  (%d/%d attached, median %s s)\n", att,
           r->c.attached - 1, others, att_med);
    printf("  all in the BR's partition (s)       %s  (%d/%d in it; %d partitions)\n", part,
           r->c.in_br_partition - 1, others, r->c.partitions);
    printf("  roles                               %d leader, %d routers, %d children, %d "
           "detached\n",
           r->c.leaders, r->c.routers - r->c.leaders, r->c.children, r->c.detached);
    printf("  all got a NAT64 echo reply (s)      %s  (%d/%d, median %s s)\n", nat, r->c.nat64,
           others, nat_med);
    bm_report_hops(b, r->max_hops);
    printf("  sizeof(struct tnode)                %zu bytes\n", sizeof(struct tnode));
    printf("  heap per node at start / at end     %.0f / %.0f bytes\n", per_node, per_node_end);
    printf("  border router (agent) heap          %zu bytes; medium %zu bytes\n", r->heap_agent,
           r->medium_bytes);
    printf("  simulated / wall                    %.1f min / %.2f s = %.3f s wall per "
           "simulated minute (%llu scheduler rounds)\n",
           r->sim_min, r->wall_s, r->wall_s / r->sim_min, (unsigned long long)b->rounds);
    printf("  frames on the air                   %llu sent, %llu copies delivered, %llu lost, "
           "%llu ring drops (max %u in flight)\n",
           (unsigned long long)b->air.ctr.tx_frames, (unsigned long long)b->air.ctr.deliveries,
           (unsigned long long)b->air.ctr.lost, (unsigned long long)b->air.ctr.queue_drops,
           b->air.ctr.max_queued);
    printf("  host side                           %llu echo requests, %llu other, %llu "
           "dropped\n",
           (unsigned long long)b->host_echo, (unsigned long long)b->host_other,
           (unsigned long long)b->host_drops);
    printf("{\"nodes\":%d,\"router_capable\":%d,\"devices\":%d,\"topology\":\"%s\",", b->n,
           b->o.routers, b->o.devices, b->o.topology == MM_GRID ? "grid" : "random");
    printf("\"range_m\":%.0f,\"spacing_m\":%.0f,\"loss\":%.2f,\"seed\":%llu,\"max_hops\":%d,",
           b->o.range, b->o.spacing, b->o.loss, (unsigned long long)b->o.seed, r->max_hops);
    printf("\"all_attached_s\":%s,\"median_attached_s\":%s,\"all_in_partition_s\":%s,", att,
           att_med, part);
    printf(
        "\"attached\":%d,\"in_br_partition\":%d,\"partitions\":%d,\"routers\":%d,\"children\":%d,",
        r->c.attached - 1, r->c.in_br_partition - 1, r->c.partitions, r->c.routers, r->c.children);
    printf("\"all_nat64_s\":%s,\"median_nat64_s\":%s,\"nat64_ok\":%d,", nat, nat_med, r->c.nat64);
    printf("\"tnode_sizeof\":%zu,\"heap_per_node\":%.0f,\"heap_per_node_end\":%.0f,",
           sizeof(struct tnode), per_node, per_node_end);
    printf("\"sim_min\":%.2f,\"wall_s\":%.3f,\"wall_s_per_sim_min\":%.4f,", r->sim_min, r->wall_s,
           r->wall_s / r->sim_min);
    printf("\"frames\":%llu,\"deliveries\":%llu}\n", (unsigned long long)b->air.ctr.tx_frames,
           (unsigned long long)b->air.ctr.deliveries);
}

/* ---- main --------------------------------------------------------------------------------- */

static double bm_wall_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bm_usage(void)
{
    fprintf(stderr, "usage: tbr-mesh-bench [--routers N] [--devices M] [--seed S] [--range M] "
                    "[--spacing M] [--loss P] [--minutes T] [--topology grid|random] "
                    "[--start all|rings] [--ring-s S] [--jitter S] "
                    "[--upgrade-threshold N] [--log-node N] [--until-done] [--check] [--quiet] "
                    "[--dump]\n");
    return 2;
}

static int bm_parse(int argc, char **argv, struct bm_opts *o)
{
    *o = (struct bm_opts){.routers = 32,
                          .devices = 200,
                          .seed = 1,
                          .range = 40,
                          .spacing = 10,
                          .minutes = 10,
                          .ring_ms = 150000,
                          .jitter_s = -1,
                          .upgrade_threshold = -1,
                          .topology = MM_GRID};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;

        if (strcmp(a, "--until-done") == 0 || strcmp(a, "--check") == 0 ||
            strcmp(a, "--quiet") == 0 || strcmp(a, "--dump") == 0) {
            o->until_done |= a[2] == 'u';
            o->check |= a[2] == 'c';
            o->quiet |= a[2] == 'q';
            o->dump |= a[2] == 'd';
            continue;
        }
        if (v == NULL)
            return -1;
        i++;
        errno = 0;
        if (strcmp(a, "--routers") == 0)
            o->routers = (int)strtol(v, &end, 10);
        else if (strcmp(a, "--devices") == 0)
            o->devices = (int)strtol(v, &end, 10);
        else if (strcmp(a, "--seed") == 0)
            o->seed = strtoull(v, &end, 0);
        else if (strcmp(a, "--range") == 0)
            o->range = strtod(v, &end);
        else if (strcmp(a, "--spacing") == 0)
            o->spacing = strtod(v, &end);
        else if (strcmp(a, "--loss") == 0)
            o->loss = strtod(v, &end);
        else if (strcmp(a, "--minutes") == 0)
            o->minutes = strtod(v, &end);
        else if (strcmp(a, "--jitter") == 0)
            o->jitter_s = (int)strtol(v, &end, 10);
        else if (strcmp(a, "--log-node") == 0)
            o->log_node = (int)strtol(v, &end, 10);
        else if (strcmp(a, "--upgrade-threshold") == 0)
            o->upgrade_threshold = (int)strtol(v, &end, 10);
        else if (strcmp(a, "--ring-s") == 0)
            o->ring_ms = (uint64_t)(strtod(v, &end) * 1000);
        else if (strcmp(a, "--start") == 0) {
            if (strcmp(v, "all") != 0 && strcmp(v, "rings") != 0)
                return -1;
            o->rings = strcmp(v, "rings") == 0;
            continue;
        } else if (strcmp(a, "--topology") == 0) {
            if (strcmp(v, "grid") != 0 && strcmp(v, "random") != 0)
                return -1;
            o->topology = strcmp(v, "grid") == 0 ? MM_GRID : MM_RANDOM;
            continue;
        } else
            return -1;
        if (errno != 0 || end == v || *end != '\0')
            return -1;
    }
    if (o->routers < 0 || o->devices < 0 || o->routers + o->devices < 1 ||
        o->routers + o->devices + 1 > MM_MAX_STATIONS || o->minutes <= 0 || o->range <= 0 ||
        o->spacing <= 0 || o->loss < 0 || o->loss > 1 || o->jitter_s > 255 ||
        o->upgrade_threshold > 255)
        return -1;
    return 0;
}

/* The medium, the border router and the nodes, started; the memory figures. */
static int bm_setup(struct bm *b, struct bm_result *r)
{
    struct mm_cfg mc = {.n = b->n,
                        .topology = b->o.topology,
                        .spacing_m = b->o.spacing,
                        .range_m = b->o.range,
                        .loss = b->o.loss,
                        .seed = b->o.seed};
    int *hops = calloc((size_t)b->n, sizeof(int));
    size_t h0;

    b->nodes = calloc((size_t)b->n, sizeof(*b->nodes));
    b->hq = calloc(BM_HOSTQ, sizeof(*b->hq));
    if (b->nodes == NULL || b->hq == NULL || hops == NULL ||
        mm_medium_init(&b->air, &mc, bm_rx, b) != 0) {
        fprintf(stderr, "out of memory\n");
        free(hops);
        return -1;
    }
    r->medium_bytes = mm_medium_bytes(&b->air);
    r->max_hops = mm_medium_hops(&b->air, hops);
    for (int i = 0; i < b->n; i++) {
        r->unreachable += hops[i] < 0;
        b->nodes[i] = (struct bm_node){.b = b,
                                       .hops = hops[i],
                                       .due = BM_NEVER,
                                       .attached_at = BM_NEVER,
                                       .nat64_at = BM_NEVER};
    }
    free(hops);
    h0 = bm_heap();
    if (bm_start_agent(b) != 0)
        return -1;
    r->heap_agent = bm_heap() - h0;
    r->heap0 = bm_heap();
    if (bm_new_nodes(b) != 0)
        return -1;
    r->heap_nodes = bm_heap() - r->heap0;
    if (bm_prepare_nodes(b) != 0) {
        fprintf(stderr, "starting the nodes failed\n");
        return -1;
    }
    return 0;
}

/* Runs the simulated minutes (progress on stderr once a simulated minute). */
static void bm_measure(struct bm *b, struct bm_result *r)
{
    uint64_t end, next_report;
    double w0 = bm_wall_s();

    b->t0 = b->now;
    end = b->t0 + (uint64_t)(b->o.minutes * 60000.0);
    next_report = b->t0 + 60000;
    while (b->now < end) {
        bm_tick(b);
        bm_run(b, b->now + BM_TICK_MS);
        if (!b->o.quiet && b->now >= next_report) {
            struct bm_census c;

            bm_census(b, &c);
            fprintf(stderr,
                    "  t=%5.0f s: %d/%d attached, %d routers, %d partitions, %d nat64, "
                    "wall %.1f s\n",
                    (double)(b->now - b->t0) / 1000, c.attached - 1, b->n - 1, c.routers,
                    c.partitions, c.nat64, bm_wall_s() - w0);
            next_report += 60000;
        }
        if (b->o.until_done && b->all_partition_at != BM_NEVER && b->all_nat64_at != BM_NEVER)
            break;
    }
    bm_tick(b);
    r->wall_s = bm_wall_s() - w0;
    r->sim_min = (double)(b->now - b->t0) / 60000.0;
    /* what the nodes (and the agent's growth) hold now, over what was there before them */
    r->heap_end = bm_heap() - r->heap0;
    bm_census(b, &r->c);
}

int main(int argc, char **argv)
{
    struct bm b;
    struct bm_result r;
    int rc = 1;

    memset(&b, 0, sizeof(b));
    memset(&r, 0, sizeof(r));
    if (bm_parse(argc, argv, &b.o) != 0)
        return bm_usage();
    b.n = 1 + b.o.routers + b.o.devices;
    b.now = 5000;
    b.rng = b.o.seed * 0x9e3779b97f4a7c15ULL | 1;
    b.all_attached_at = b.all_partition_at = b.all_nat64_at = BM_NEVER;
    if (bm_setup(&b, &r) == 0) {
        bm_measure(&b, &r);
        if (b.o.dump)
            bm_dump(&b);
        bm_report(&b, &r);
        rc = 0;
        if (b.o.check && (b.all_partition_at == BM_NEVER || b.all_nat64_at == BM_NEVER)) {
            fprintf(stderr, "check failed: not every node attached in one partition with NAT64\n");
            rc = 1;
        }
    }
    bm_free(&b);
    return rc;
}
