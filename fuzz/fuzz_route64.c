/*
 * libFuzzer harness for the router table (thread/router_table) fed hostile
 * Route64 TLVs.
 *
 * A router (ID 17) of the set {3, 10, 17, 40, 62} with neighbours 10 (LQ 3)
 * and 40 (LQ 1) and converged routes hears a sequence of Advertisements.
 * The input is a list of records:
 *   flags (1) | link margin (1) | len (1) | Route64 TLV value (len bytes)
 * flags bits 0-2: the sender, one of 3, 10, 17, 40, 62, 1, 63 (a stranger),
 * or 0xa001 (not a router RLOC16); bit 3: the sender is a valid neighbour;
 * bit 4: tick the table once (time advances 1 s per record, 40 s with bit
 * 5); bit 6: the table is the leader (first record only); bit 7: a Link
 * Request goes out to every router the tick asked for. Each value goes
 * through mle_tlv_route64 first, as the node reads it.
 *
 * Checked invariants (abort on violation), after every record:
 *   - the allocated count matches the IDs and stays <= 32; a router never
 *     routes through itself; stored costs fit OpenThread's 4 bits;
 *   - every next hop is us for ourselves, else none or a neighbour with a
 *     valid link, and a next hop exists exactly when the path cost < 16;
 *     path costs of routers are <= 16;
 *   - the Route64 we would send encodes, parses back to the same value,
 *     lists every allocated ID, says 0x01 for us, carries LQ in only for
 *     routers we have a link with and each router's path cost (0 when
 *     unreachable);
 *   - a Link Accept's Route64 keeps us and the peer and has <= 20 IDs once
 *     the set is bigger.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thread/mle_tlv.h"
#include "thread/router_table.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t ids[5] = {3, 10, 17, 40, 62};
static const uint16_t senders[8] = {0x0c00, 0x2800, 0x4400, 0xa000, 0xf800, 0x0400, 0xfc00, 0xa001};
#define ME 17

static void setup(struct router_table *t, bool leader)
{
    uint8_t ext[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x17};
    router_table_init(t, 0x80);
    for (unsigned k = 0; k < 5; k++)
        CHECK(router_table_allocate(t, ids[k], 0) == OT_ERR_NONE);
    router_table_set_role(t, leader ? ROUTER_TABLE_LEADER : ROUTER_TABLE_ROUTER, ME, ext,
                          leader ? ME : 3);
    ext[7] = 10;
    CHECK(router_table_link_up(t, 10, ext, 40, 4, -50, -100, 0) == OT_ERR_NONE);
    ext[7] = 40;
    CHECK(router_table_link_up(t, 40, ext, 5, 4, -95, -100, 0) == OT_ERR_NONE);
    /* Converged neighbours' views: 10 reaches 3 at 1, 40 reaches 62 at 1. */
    struct mle_route64 r;
    struct router_table_adv_out o;
    memset(&r, 0, sizeof(r));
    r.id_seq = t->id_seq;
    mle_route64_add(&r, 3, mle_route_byte(3, 3, 1));
    mle_route64_add(&r, 10, 0x01);
    mle_route64_add(&r, 17, mle_route_byte(3, 3, 1));
    mle_route64_add(&r, 40, mle_route_byte(0, 0, 2));
    mle_route64_add(&r, 62, mle_route_byte(0, 0, 3));
    router_table_advertisement(t, 0x2800, &r, true, 40, 0, &o);
    memset(&r, 0, sizeof(r));
    r.id_seq = t->id_seq;
    mle_route64_add(&r, 3, mle_route_byte(0, 0, 5));
    mle_route64_add(&r, 10, mle_route_byte(0, 0, 4));
    mle_route64_add(&r, 17, mle_route_byte(1, 1, 4));
    mle_route64_add(&r, 40, 0x01);
    mle_route64_add(&r, 62, mle_route_byte(3, 3, 1));
    router_table_advertisement(t, 0xa000, &r, true, 40, 0, &o);
}

static bool neighbour(const struct router_table *t, uint8_t id)
{
    const struct router_table_entry *e = router_table_cget(t, id);
    return e && id != t->my_id && e->link == ROUTER_TABLE_LINK_VALID;
}

static void check_table(const struct router_table *t)
{
    unsigned n = 0;
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        const struct router_table_entry *e = &t->r[id];
        if (!e->alloc)
            continue;
        n++;
        CHECK(e->cost <= 15);
        CHECK(e->lq_in <= 3 && e->lq_out <= 3);
        CHECK(e->next_hop <= ROUTER_TABLE_INVALID_ID);
        if (t->my_id <= ROUTER_TABLE_MAX_ID)
            CHECK(e->next_hop != t->my_id);
    }
    CHECK(n == router_table_active(t) && n <= ROUTER_TABLE_MAX_ROUTERS);
    CHECK(router_table_cget(t, ROUTER_TABLE_INVALID_ID) == NULL);

    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        uint16_t dest = router_table_rloc16(id);
        struct router_table_hop h = router_table_next_hop(t, dest, -1);
        if (t->my_id <= ROUTER_TABLE_MAX_ID && id == t->my_id) {
            CHECK(h.next_hop == dest && h.cost == 0);
            continue;
        }
        CHECK(h.cost <= ROUTER_TABLE_MAX_COST);
        CHECK((h.next_hop != ROUTER_TABLE_INVALID_RLOC16) == (h.cost < ROUTER_TABLE_MAX_COST));
        if (h.next_hop != ROUTER_TABLE_INVALID_RLOC16) {
            CHECK((h.next_hop & 0x3ff) == 0);
            CHECK(neighbour(t, (uint8_t)(h.next_hop >> 10)));
        }
        /* A child of that router: one more, same next hop (an unknown
         * router's children are as unreachable as it is, no + 1). */
        struct router_table_hop c = router_table_next_hop(t, dest | 1, -1);
        CHECK(c.next_hop == h.next_hop);
        CHECK(c.cost == h.cost + (router_table_cget(t, id) ? 1 : 0));
    }
}

static void check_route64(const struct router_table *t)
{
    struct mle_route64 r, back;
    uint8_t buf[80];
    router_table_fill_route64(t, -1, &r);
    struct wr w = wr_init(buf, sizeof(buf));
    mle_put_route64(&w, &r);
    CHECK(w.ok);
    struct mle_tlv tlv = {MLE_TLV_ROUTE64, (uint8_t)(w.p - buf - 2), buf + 2};
    CHECK(buf[0] == MLE_TLV_ROUTE64 && buf[1] == tlv.len);
    CHECK(mle_tlv_route64(&tlv, &back) == MLE_OK);
    CHECK(back.id_seq == r.id_seq && back.n == r.n && !memcmp(back.mask, r.mask, 8) &&
          !memcmp(back.route, r.route, r.n));
    CHECK(r.id_seq == t->id_seq && r.n == router_table_active(t));
    for (uint8_t id = 0; id <= ROUTER_TABLE_MAX_ID; id++) {
        int b = mle_route64_route(&r, id);
        CHECK((b >= 0) == (router_table_cget(t, id) != NULL));
        if (b < 0)
            continue;
        if (id == t->my_id) {
            CHECK(b == 0x01);
            continue;
        }
        uint8_t cost = router_table_next_hop(t, router_table_rloc16(id), -1).cost;
        CHECK((b & 15) == (cost >= ROUTER_TABLE_MAX_COST ? 0 : cost));
        if (!neighbour(t, id) && t->r[id].link == ROUTER_TABLE_LINK_NONE)
            CHECK((b & 0x30) == 0); /* LQ in needs a link (LQ out may come from its Route64) */
    }
    router_table_fill_route64(t, 10, &r);
    if (router_table_active(t) > ROUTER_TABLE_LINK_ACCEPT_ROUTERS) {
        CHECK(r.n == ROUTER_TABLE_LINK_ACCEPT_ROUTERS);
        CHECK(r.id_seq == (uint8_t)(t->id_seq - ROUTER_TABLE_LINK_ACCEPT_SEQ_ROLLBACK));
    }
    if (router_table_cget(t, 10))
        CHECK(mle_route64_has(&r, 10));
    if (router_table_cget(t, t->my_id))
        CHECK(mle_route64_has(&r, t->my_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct router_table t;
    uint64_t now = 1000;
    setup(&t, size > 0 && (data[0] & 0x40));
    check_table(&t);
    check_route64(&t);

    while (size >= 3) {
        uint8_t flags = data[0], margin = data[1], len = data[2];
        data += 3;
        size -= 3;
        if (len > size)
            len = (uint8_t)size;
        struct mle_tlv tlv = {MLE_TLV_ROUTE64, len, data};
        struct mle_route64 r;
        data += len;
        size -= len;
        now += (flags & 0x20) ? 40000 : 1000;
        if (mle_tlv_route64(&tlv, &r) == MLE_OK) {
            struct router_table_adv_out o;
            enum ot_err e = router_table_advertisement(&t, senders[flags & 7], &r,
                                                       (flags & 0x08) != 0, margin, now, &o);
            CHECK(e == OT_ERR_NONE || e == OT_ERR_PARSE || e == OT_ERR_DROP ||
                  e == OT_ERR_NO_ROUTE || e == OT_ERR_NOT_FOUND || e == OT_ERR_INVALID_STATE);
            if (o.detach) /* as the node does: detached, then a fresh table */
                setup(&t, false);
        }
        if (flags & 0x10) {
            struct router_table_tick_out o;
            router_table_tick(&t, now, &o);
            for (uint8_t id = 0; (flags & 0x80) && id <= ROUTER_TABLE_MAX_ID; id++)
                if (o.link_request & (1ull << id))
                    router_table_link_request_sent(&t, id);
        }
        check_table(&t);
        check_route64(&t);
    }
    return 0;
}
