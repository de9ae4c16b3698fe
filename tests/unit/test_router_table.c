/*
 * thread/router_table: link quality and costs (link_quality.cpp), ID
 * sequence serial arithmetic, leader ID allocation and Address Solicit
 * answers (mle_ftd.cpp), the reuse delay, a line of five routers converging
 * by Advertisements, a link lost and routes recomputed, the Route64 each
 * router sends (OpenThread's FillRouteTlv, expected bytes in
 * tests/vectors/router_table/line5_route64.txt) and the `router table` text
 * (tests/vectors/router_table/router_table.txt, and router_table_ot.txt as
 * OpenThread's ot-cli-ftd printed it for a line of three).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "support/linevec.h"
#include "thread/router_table.h"

/* ---- helpers ------------------------------------------------------------ */

static void ext_of(uint8_t k, uint8_t ext[8])
{
    static const uint8_t base[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x00};
    memcpy(ext, base, 8);
    ext[7] = k;
}

static char *read_file(const char *name, size_t *len)
{
    char dir[600], path[700];
    linevec_dir("router_table", dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open vector %s", path);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The hex after "<key> " on its line of a vector file, into out. */
static size_t vector_hex(const char *file, const char *key, uint8_t *out, size_t cap)
{
    const char *text = read_file(file, NULL);
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            long n = linevec_hex(p + kl + 1, out, cap);
            assert_true(n >= 0);
            return (size_t)n;
        }
    }
    fail_msg("no %s in %s", key, file);
    return 0;
}

/* The Route64 TLV value bytes of a route. */
static size_t route_value(const struct mle_route64 *r, uint8_t *out, size_t cap)
{
    uint8_t buf[80];
    struct wr w = wr_init(buf, sizeof(buf));
    mle_put_route64(&w, r);
    assert_true(w.ok);
    size_t n = (size_t)(w.p - buf) - 2;
    assert_true(n <= cap);
    memcpy(out, buf + 2, n);
    return n;
}

static char *fmt_to_string(struct router_table *t, uint64_t now, int which)
{
    static char *buf;
    size_t len = 0;
    free(buf);
    buf = NULL;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    if (which == 0)
        router_table_fmt_table(f, t, now);
    else
        router_table_fmt_list(f, t);
    fclose(f);
    return buf;
}

/* ---- link quality and sequences ---------------------------------------- */

static void test_link_quality(void **state)
{
    (void)state;
    /* No previous quality: thresholds 2, 10, 20 (strictly above). */
    assert_int_equal(router_table_lq_for_margin(2, ROUTER_TABLE_LQ_NONE), 0);
    assert_int_equal(router_table_lq_for_margin(3, ROUTER_TABLE_LQ_NONE), 1);
    assert_int_equal(router_table_lq_for_margin(10, ROUTER_TABLE_LQ_NONE), 1);
    assert_int_equal(router_table_lq_for_margin(11, ROUTER_TABLE_LQ_NONE), 2);
    assert_int_equal(router_table_lq_for_margin(20, ROUTER_TABLE_LQ_NONE), 2);
    assert_int_equal(router_table_lq_for_margin(21, ROUTER_TABLE_LQ_NONE), 3);
    /* Hysteresis: going up needs 2 dB more; staying does not. */
    assert_int_equal(router_table_lq_for_margin(21, 2), 2);
    assert_int_equal(router_table_lq_for_margin(23, 2), 3);
    assert_int_equal(router_table_lq_for_margin(11, 3), 2);
    assert_int_equal(router_table_lq_for_margin(12, 1), 1);
    assert_int_equal(router_table_lq_for_margin(13, 1), 2);
    assert_int_equal(router_table_lq_for_margin(4, 0), 0);
    assert_int_equal(router_table_lq_for_margin(5, 0), 1);
    /* CostForLinkQuality. */
    assert_int_equal(router_table_cost_for_lq(0), 16);
    assert_int_equal(router_table_cost_for_lq(1), 4);
    assert_int_equal(router_table_cost_for_lq(2), 2);
    assert_int_equal(router_table_cost_for_lq(3), 1);
    assert_int_equal(router_table_cost_for_lq(4), 16);
    /* ComputeLinkMargin. */
    assert_int_equal(router_table_link_margin(-100, -50), 50);
    assert_int_equal(router_table_link_margin(-100, -110), 0);
    assert_int_equal(router_table_link_margin(-100, ROUTER_TABLE_INVALID_RSSI), 0);
}

static void test_rss_average(void **state)
{
    (void)state;
    struct router_table t;
    uint8_t ext[8];
    ext_of(1, ext);
    router_table_init(&t, 0);
    assert_int_equal(router_table_allocate(&t, 1, 0), OT_ERR_NONE);
    assert_int_equal(router_table_allocate(&t, 2, 0), OT_ERR_NONE);
    router_table_set_role(&t, ROUTER_TABLE_LEADER, 2, ext, 2);
    /* First frame at margin 25 -> LQ 3 (no hysteresis). */
    assert_int_equal(router_table_link_up(&t, 1, ext, 25, 4, -75, -100, 0), OT_ERR_NONE);
    assert_int_equal(t.r[1].lq_in, 3);
    assert_int_equal(t.r[1].lq_out, 3);
    /* Weak frames pull the average down: -100 + (-75*1 + -95*k)/(k+1). */
    router_table_link_rx(&t, 1, -95, -100); /* avg -85: margin 15 -> 2 */
    assert_int_equal(t.r[1].lq_in, 2);
    for (int i = 0; i < 20; i++)
        router_table_link_rx(&t, 1, -95, -100); /* settles at margin 5 -> 1 */
    assert_int_equal(t.r[1].lq_in, 1);
    /* Climbing back from 1 to 2 needs a margin above 12. */
    for (int i = 0; i < 40; i++)
        router_table_link_rx(&t, 1, -88, -100); /* margin 12 */
    assert_int_equal(t.r[1].lq_in, 1);
    for (int i = 0; i < 40; i++)
        router_table_link_rx(&t, 1, -87, -100); /* margin 13 */
    assert_int_equal(t.r[1].lq_in, 2);
    /* An invalid RSS changes nothing. */
    router_table_link_rx(&t, 1, ROUTER_TABLE_INVALID_RSSI, -100);
    assert_int_equal(t.r[1].lq_in, 2);
    assert_int_equal(router_table_link_cost(&t, 1), 2);
    assert_int_equal(router_table_link_cost(&t, 2), 16); /* ourselves */
    assert_int_equal(router_table_neighbor_count(&t, 2), 1);
    assert_int_equal(router_table_neighbor_count(&t, 3), 0);
}

static void test_seq_serial(void **state)
{
    (void)state;
    assert_true(router_table_seq_greater(1, 0));
    assert_false(router_table_seq_greater(0, 1));
    assert_false(router_table_seq_greater(5, 5));
    assert_true(router_table_seq_greater(0, 255)); /* wrap */
    assert_true(router_table_seq_greater(100, 229));
    assert_false(router_table_seq_greater(229, 100));
    assert_true(router_table_seq_greater(127, 0));
    /* A difference of 128 is "greater" both ways (SerialNumber::IsLess). */
    assert_true(router_table_seq_greater(128, 0));
    assert_true(router_table_seq_greater(0, 128));

    /* The table's sequence wraps through allocations and ticks. */
    struct router_table t;
    uint8_t ext[8];
    ext_of(0, ext);
    router_table_init(&t, 254);
    assert_true(router_table_seq_newer(&t, 0)); /* no routers: anything is newer */
    assert_int_equal(router_table_allocate(&t, 7, 1000), OT_ERR_NONE);
    assert_int_equal(t.id_seq, 255);
    router_table_set_role(&t, ROUTER_TABLE_LEADER, 7, ext, 7);
    assert_false(router_table_seq_newer(&t, 255));
    assert_true(router_table_seq_newer(&t, 0));
    struct router_table_tick_out o;
    router_table_tick(&t, 10999, &o);
    assert_false(o.id_seq_bumped);
    router_table_tick(&t, 11000, &o); /* leader age 10 s */
    assert_true(o.id_seq_bumped);
    assert_int_equal(t.id_seq, 0);
    assert_false(router_table_seq_newer(&t, 255));
    assert_true(router_table_seq_newer(&t, 1));
    assert_int_equal(router_table_leader_age_s(&t, 15000), 4);
}

/* ---- leader: allocation ------------------------------------------------ */

static struct router_table_solicit solicit(uint8_t k, uint8_t reason)
{
    struct router_table_solicit s;
    memset(&s, 0, sizeof(s));
    ext_of(k, s.ext);
    s.reason = reason;
    s.rnd = k * 7919u;
    return s;
}

static void leader_init(struct router_table *t, uint8_t id, uint64_t now)
{
    uint8_t ext[8];
    ext_of(0, ext);
    router_table_init(t, 10);
    assert_int_equal(router_table_allocate(t, id, now), OT_ERR_NONE);
    router_table_set_role(t, ROUTER_TABLE_LEADER, id, ext, id);
}

static void test_solicit(void **state)
{
    (void)state;
    struct router_table t;
    leader_init(&t, 20, 0);
    assert_int_equal(t.id_seq, 11);

    /* Requested ID granted. */
    struct router_table_solicit s = solicit(1, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
    s.has_rloc16 = true;
    s.rloc16 = 0x1400; /* id 5 */
    struct router_table_solicit_answer a = router_table_solicit(&t, &s, 100);
    assert_int_equal(a.status, ROUTER_TABLE_AS_SUCCESS);
    assert_int_equal(a.why, ROUTER_TABLE_AS_GRANTED_REQUESTED);
    assert_int_equal(a.id, 5);
    assert_int_equal(t.id_seq, 12);
    assert_memory_equal(t.r[5].ext, s.ext, 8);

    /* The same requester again (lost response): the same ID, no change. */
    a = router_table_solicit(&t, &s, 200);
    assert_int_equal(a.why, ROUTER_TABLE_AS_GRANTED_KNOWN);
    assert_int_equal(a.id, 5);
    assert_int_equal(t.id_seq, 12);

    /* A requested ID that is taken: a random one instead. */
    s = solicit(2, ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST);
    s.has_rloc16 = true;
    s.rloc16 = 0x5000; /* id 20, the leader's */
    a = router_table_solicit(&t, &s, 300);
    assert_int_equal(a.status, ROUTER_TABLE_AS_SUCCESS);
    assert_int_equal(a.why, ROUTER_TABLE_AS_GRANTED_RANDOM);
    assert_true(a.id != 5 && a.id != 20 && a.id <= 62);

    /* Unknown reason: status 6. */
    s = solicit(3, 9);
    a = router_table_solicit(&t, &s, 300);
    assert_int_equal(a.status, ROUTER_TABLE_AS_UNRECOGNIZED_REASON);
    assert_int_equal(a.why, ROUTER_TABLE_AS_REFUSED_REASON);
    assert_int_equal(a.id, ROUTER_TABLE_INVALID_ID);

    /* Fill to the upgrade threshold (16): too-few-routers is refused, a
     * child ID request still granted. */
    for (uint8_t k = 10; router_table_active(&t) < 16; k++) {
        s = solicit(k, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
        assert_int_equal(router_table_solicit(&t, &s, 400).status, ROUTER_TABLE_AS_SUCCESS);
    }
    s = solicit(40, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
    a = router_table_solicit(&t, &s, 500);
    assert_int_equal(a.status, ROUTER_TABLE_AS_NO_ADDRESS);
    assert_int_equal(a.why, ROUTER_TABLE_AS_REFUSED_ENOUGH_ROUTERS);
    /* Border router request: refused once two BR routers exist. */
    s = solicit(41, ROUTER_TABLE_REASON_BORDER_ROUTER_REQUEST);
    s.br_routers = 2;
    a = router_table_solicit(&t, &s, 500);
    assert_int_equal(a.why, ROUTER_TABLE_AS_REFUSED_ENOUGH_BRS);
    s.br_routers = 1;
    a = router_table_solicit(&t, &s, 500);
    assert_int_equal(a.status, ROUTER_TABLE_AS_SUCCESS);
    /* Up to 32 routers, then full. */
    for (uint8_t k = 50; router_table_active(&t) < ROUTER_TABLE_MAX_ROUTERS; k++) {
        s = solicit(k, ROUTER_TABLE_REASON_PARENT_PARTITION_CHANGE);
        assert_int_equal(router_table_solicit(&t, &s, 600).status, ROUTER_TABLE_AS_SUCCESS);
    }
    s = solicit(90, ROUTER_TABLE_REASON_HAVE_CHILD_ID_REQUEST);
    a = router_table_solicit(&t, &s, 700);
    assert_int_equal(a.status, ROUTER_TABLE_AS_NO_ADDRESS);
    assert_int_equal(a.why, ROUTER_TABLE_AS_REFUSED_FULL);
    assert_int_equal(router_table_allocate(&t, 62, 700) == OT_ERR_NO_BUFS ||
                         router_table_allocate(&t, 62, 700) == OT_ERR_ALREADY,
                     1);
    assert_int_equal(t.cnt.as_answers[ROUTER_TABLE_AS_REFUSED_FULL], 1);
    assert_string_equal(router_table_as_why_name(ROUTER_TABLE_AS_REFUSED_FULL), "refused-full");

    /* Only the leader answers. */
    router_table_set_role(&t, ROUTER_TABLE_ROUTER, 20, NULL, 5);
    a = router_table_solicit(&t, &s, 800);
    assert_int_equal(a.why, ROUTER_TABLE_AS_REFUSED_NOT_LEADER);
    assert_int_equal(router_table_release(&t, 5, 800), OT_ERR_INVALID_STATE);
}

static void test_release_reuse_delay(void **state)
{
    (void)state;
    struct router_table t;
    leader_init(&t, 0, 0);
    struct router_table_solicit s = solicit(1, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
    s.has_rloc16 = true;
    s.rloc16 = 0x0c00; /* id 3 */
    assert_int_equal(router_table_solicit(&t, &s, 1000).id, 3);
    uint8_t seq = t.id_seq;

    /* a/ar with another ext: no release, no answer. */
    uint8_t other[8];
    ext_of(9, other);
    assert_int_equal(router_table_addr_release(&t, 0x0c00, other, 2000), OT_ERR_NOT_FOUND);
    assert_int_equal(router_table_addr_release(&t, 0x1000, s.ext, 2000), OT_ERR_NOT_FOUND);
    assert_int_equal(router_table_addr_release(&t, 0x0c00, s.ext, 2000), OT_ERR_NONE);
    assert_int_equal(t.id_seq, (uint8_t)(seq + 1));
    assert_null(router_table_get(&t, 3));
    assert_int_equal(router_table_release(&t, 3, 2000), OT_ERR_NOT_FOUND);

    /* Within 100 s the ID is not handed out, even when asked for. */
    assert_int_equal(router_table_allocate(&t, 3, 50000), OT_ERR_BUSY);
    s = solicit(2, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
    s.has_rloc16 = true;
    s.rloc16 = 0x0c00;
    for (uint32_t r = 0; r < 64; r++) { /* whatever the random pick */
        struct router_table t2 = t;
        s.rnd = r;
        struct router_table_solicit_answer a = router_table_solicit(&t2, &s, 101999);
        assert_int_equal(a.why, ROUTER_TABLE_AS_GRANTED_RANDOM);
        assert_true(a.id != 3 && a.id != 0);
    }
    /* From release + 100 s it is. */
    struct router_table_solicit_answer a = router_table_solicit(&t, &s, 102000);
    assert_int_equal(a.why, ROUTER_TABLE_AS_GRANTED_REQUESTED);
    assert_int_equal(a.id, 3);

    /* Clear forgets the delays (RouterIdMap::Clear). */
    assert_int_equal(router_table_release(&t, 3, 103000), OT_ERR_NONE);
    router_table_clear(&t);
    assert_int_equal(router_table_allocate(&t, 3, 103001), OT_ERR_NONE);
    assert_int_equal(router_table_allocate(&t, 63, 103001), OT_ERR_INVALID_ARGS);
}

/* ---- the mesh: five routers on a line ------------------------------------ */

#define N 5
static const uint8_t line_ids[N] = {3, 10, 17, 40, 62};

struct mesh {
    struct router_table t[N];
    bool link[N][N];
    uint64_t now;
};

static void connect(struct mesh *m, int a, int b, int8_t rss_ab, int8_t rss_ba)
{
    uint8_t ea[8], eb[8];
    ext_of((uint8_t)a, ea);
    ext_of((uint8_t)b, eb);
    uint8_t ma = router_table_link_margin(-100, rss_ba); /* b hears a */
    uint8_t mb = router_table_link_margin(-100, rss_ab); /* a hears b */
    assert_int_equal(router_table_link_up(&m->t[a], line_ids[b], eb, ma, 4, rss_ab, -100, m->now),
                     OT_ERR_NONE);
    assert_int_equal(router_table_link_up(&m->t[b], line_ids[a], ea, mb, 4, rss_ba, -100, m->now),
                     OT_ERR_NONE);
    m->link[a][b] = m->link[b][a] = true;
}

/* Node 0 is the leader and grants IDs to the others by Address Solicit;
 * each takes the ID set from its answer (Router Mask TLV). */
static void mesh_init(struct mesh *m)
{
    memset(m, 0, sizeof(*m));
    m->now = 1000;
    uint8_t ext[8];
    ext_of(0, ext);
    router_table_init(&m->t[0], 0x7e);
    assert_int_equal(router_table_allocate(&m->t[0], line_ids[0], m->now), OT_ERR_NONE);
    router_table_set_role(&m->t[0], ROUTER_TABLE_LEADER, line_ids[0], ext, line_ids[0]);
    for (int k = 1; k < N; k++) {
        struct router_table_solicit s = solicit((uint8_t)k, ROUTER_TABLE_REASON_TOO_FEW_ROUTERS);
        s.has_rloc16 = true;
        s.rloc16 = router_table_rloc16(line_ids[k]);
        assert_int_equal(router_table_solicit(&m->t[0], &s, m->now).id, line_ids[k]);
    }
    assert_int_equal(m->t[0].id_seq, 0x83);
    uint8_t mask[8];
    router_table_mask(&m->t[0], mask);
    for (int k = 1; k < N; k++) {
        struct router_table_adv_out o;
        memset(&o, 0, sizeof(o));
        ext_of((uint8_t)k, ext);
        router_table_init(&m->t[k], (uint8_t)(k * 31));
        router_table_update_id_set(&m->t[k], m->t[0].id_seq, mask, m->now, &o);
        router_table_set_role(&m->t[k], ROUTER_TABLE_ROUTER, line_ids[k], ext, line_ids[0]);
        assert_int_equal(router_table_active(&m->t[k]), N);
    }
    for (int k = 0; k + 1 < N; k++)
        connect(m, k, k + 1, -50, -50);
}

/* One synchronous round: everyone advertises, every linked neighbour hears. */
static void mesh_round(struct mesh *m)
{
    struct mle_route64 adv[N];
    m->now += 1000;
    for (int k = 0; k < N; k++)
        router_table_fill_route64(&m->t[k], -1, &adv[k]);
    for (int k = 0; k < N; k++)
        for (int j = 0; j < N; j++) {
            if (!m->link[k][j])
                continue;
            struct router_table_adv_out o;
            enum ot_err e = router_table_advertisement(&m->t[j], router_table_rloc16(line_ids[k]),
                                                       &adv[k], true, 50, m->now, &o);
            assert_int_equal(e, OT_ERR_NONE);
            assert_false(o.detach);
        }
}

/* Next hop (as a node index) and path cost from node a to node b. */
static int hop(const struct mesh *m, int a, int b, uint8_t *cost)
{
    struct router_table_hop h =
        router_table_next_hop(&m->t[a], router_table_rloc16(line_ids[b]), -1);
    *cost = h.cost;
    for (int k = 0; k < N; k++)
        if (h.next_hop == router_table_rloc16(line_ids[k]))
            return k;
    return -1;
}

static void assert_hop(const struct mesh *m, int a, int b, int next, uint8_t cost)
{
    uint8_t c;
    assert_int_equal(hop(m, a, b, &c), next);
    assert_int_equal(c, cost);
}

/* The link a -- b goes down on both sides, then rounds of Advertisements. */
static void cut(struct mesh *m, int a, int b, int rounds)
{
    router_table_link_down(&m->t[a], line_ids[b], m->now);
    router_table_link_down(&m->t[b], line_ids[a], m->now);
    m->link[a][b] = m->link[b][a] = false;
    for (int r = 0; r < rounds; r++)
        mesh_round(m);
}

static void test_line_converges(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    uint8_t c;
    /* Before any Advertisement only neighbours are reachable. */
    assert_int_equal(hop(&m, 0, 1, &c), 1);
    assert_int_equal(c, 1);
    assert_int_equal(hop(&m, 0, 2, &c), -1);
    assert_int_equal(c, 16);
    for (int r = 0; r < N; r++)
        mesh_round(&m);
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++) {
            int nh = hop(&m, a, b, &c);
            assert_int_equal(c, abs(a - b));
            assert_int_equal(nh, a == b ? a : (b > a ? a + 1 : a - 1));
        }
    /* A child of router 62 seen from 3: via 10, cost 4 + 1. */
    struct router_table_hop h = router_table_next_hop(&m.t[0], 0xf800 | 5, -1);
    assert_int_equal(h.next_hop, 0x2800);
    assert_int_equal(h.cost, 5);
    /* One of our own children: the caller's child table decides. */
    h = router_table_next_hop(&m.t[0], 0x0c00 | 7, 2);
    assert_int_equal(h.next_hop, 0x0c07);
    assert_int_equal(h.cost, 2);
    h = router_table_next_hop(&m.t[0], 0x0c00 | 8, -1);
    assert_int_equal(h.next_hop, ROUTER_TABLE_INVALID_RLOC16);
    /* An ID nobody holds. */
    h = router_table_next_hop(&m.t[0], 0x0400, -1);
    assert_int_equal(h.cost, 16);

    /* Every router's Route64 is what OpenThread's FillRouteTlv gives for
     * this state (hand-derived, in the vector file). */
    for (int k = 0; k < N; k++) {
        struct mle_route64 r;
        uint8_t got[80], want[80];
        char key[16];
        snprintf(key, sizeof(key), "node%d", k);
        router_table_fill_route64(&m.t[k], -1, &r);
        size_t gl = route_value(&r, got, sizeof(got));
        size_t wl = vector_hex("line5_route64.txt", key, want, sizeof(want));
        assert_int_equal(gl, wl);
        assert_memory_equal(got, want, wl);
    }

    /* `router table` and `router list` on the leader. */
    m.now += 4000;
    assert_string_equal(fmt_to_string(&m.t[0], m.now, 0), read_file("router_table.txt", NULL));
    assert_string_equal(fmt_to_string(&m.t[0], m.now, 1), "3 10 17 40 62 \n");
    struct router_table_info info;
    assert_int_equal(router_table_info(&m.t[0], 0x2800, m.now, &info), OT_ERR_NONE);
    assert_int_equal(info.id, 10);
    assert_int_equal(router_table_info(&m.t[0], 0x2801, m.now, &info), OT_ERR_INVALID_ARGS);
    assert_int_equal(router_table_info(&m.t[0], 63, m.now, &info), OT_ERR_INVALID_ARGS);
    assert_int_equal(router_table_info(&m.t[0], 4, m.now, &info), OT_ERR_NOT_FOUND);
    router_table_info(&m.t[0], 10, m.now, &info);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    router_table_fmt_router(f, &info);
    fclose(f);
    assert_string_equal(buf, "Alloc: 1\nRouter ID: 10\nRloc: 2800\nNext Hop: fc00\nLink: 1\n"
                             "Ext Addr: 1122334455667701\nCost: 0\nLink Quality In: 3\n"
                             "Link Quality Out: 3\nAge: 4\n");
    free(buf);
}

static void test_link_accept_route64(void **state)
{
    (void)state;
    /* More than 20 routers: a Link Accept carries 20, keeping us, the
     * neighbour and the leader, and a sequence rolled back by 64. */
    struct router_table t;
    leader_init(&t, 30, 0);
    for (uint8_t id = 0; id < 25; id++)
        if (id != 30)
            assert_int_equal(router_table_allocate(&t, id, 0), OT_ERR_NONE);
    struct mle_route64 r;
    router_table_fill_route64(&t, 2, &r);
    assert_int_equal(r.n, 20);
    assert_int_equal(r.id_seq, (uint8_t)(t.id_seq - 64));
    assert_true(mle_route64_has(&r, 30) && mle_route64_has(&r, 2));
    assert_false(mle_route64_has(&r, 0) || mle_route64_has(&r, 1) || mle_route64_has(&r, 3));
    assert_true(mle_route64_has(&r, 8));
    assert_int_equal(mle_route64_route(&r, 30), 0x01);
    router_table_fill_route64(&t, -1, &r);
    assert_int_equal(r.n, 26);
    assert_int_equal(r.id_seq, t.id_seq);
}

static void test_link_down_reroute(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    /* A weak extra link 10 -- 40 (LQ 1, cost 4). */
    connect(&m, 1, 3, -95, -95);
    for (int r = 0; r < 2 * N; r++)
        mesh_round(&m);
    assert_hop(&m, 0, 4, 1, 4); /* 3-10-17-40-62 */
    assert_hop(&m, 1, 4, 2, 3);

    /* 17 -- 40 goes down. */
    cut(&m, 2, 3, 20);
    assert_hop(&m, 0, 4, 1, 6); /* 1 + 4 + 1 through the weak link */
    assert_hop(&m, 1, 4, 3, 5);
    assert_hop(&m, 2, 3, 1, 5);
    assert_hop(&m, 3, 2, 1, 5);

    /* The weak link goes too: the line splits, the far side is unreachable. */
    cut(&m, 1, 3, 20);
    uint8_t c;
    for (int a = 0; a < 3; a++)
        for (int b = 3; b < N; b++) {
            assert_int_equal(hop(&m, a, b, &c), -1);
            assert_true(c >= 16);
            assert_int_equal(hop(&m, b, a, &c), -1);
            assert_true(c >= 16);
        }
    /* ...and their Route64 say so (cost 0 = unreachable). */
    struct mle_route64 r;
    router_table_fill_route64(&m.t[0], -1, &r);
    assert_int_equal(mle_route64_route(&r, 40), 0x00);
    assert_int_equal(mle_route64_route(&r, 62), 0x00);
}

static void test_id_set_from_route64(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    for (int r = 0; r < N; r++)
        mesh_round(&m);
    /* The leader releases 62 (a/ar); the new set spreads down the line. */
    uint8_t e4[8];
    ext_of(4, e4);
    assert_int_equal(router_table_addr_release(&m.t[0], 0xf800, e4, m.now), OT_ERR_NONE);
    /* Meanwhile 62 itself hears the new set from 40 and must detach. */
    struct mle_route64 adv[N];
    struct router_table_adv_out o;
    for (int r = 0; r < 3; r++) {
        m.now += 1000;
        for (int k = 0; k < N; k++)
            router_table_fill_route64(&m.t[k], -1, &adv[k]);
        for (int k = 0; k < N - 1; k++)
            for (int j = 0; j < N - 1; j++)
                if (m.link[k][j])
                    router_table_advertisement(&m.t[j], router_table_rloc16(line_ids[k]), &adv[k],
                                               true, 50, m.now, &o);
    }
    for (int k = 0; k < N - 1; k++) {
        assert_int_equal(router_table_active(&m.t[k]), N - 1);
        assert_null(router_table_get(&m.t[k], 62));
        assert_int_equal(m.t[k].id_seq, m.t[0].id_seq);
    }
    router_table_fill_route64(&m.t[3], -1, &adv[3]);
    assert_int_equal(router_table_advertisement(&m.t[4], 0xa000, &adv[3], true, 50, m.now, &o),
                     OT_ERR_NO_ROUTE);
    assert_true(o.detach);
    assert_true(o.removed & (1ull << 62));

    /* An older sequence changes nothing; a stranger's is not taken either. */
    struct mle_route64 old = adv[3];
    old.id_seq = (uint8_t)(m.t[2].id_seq - 1);
    mle_route64_add(&old, 50, 0x01);
    assert_int_equal(router_table_advertisement(&m.t[2], 0xa000, &old, true, 50, m.now, &o),
                     OT_ERR_NONE);
    assert_null(router_table_get(&m.t[2], 50));
    old.id_seq = (uint8_t)(m.t[2].id_seq + 1);
    assert_int_equal(router_table_advertisement(&m.t[2], 0xa000, &old, false, 50, m.now, &o),
                     OT_ERR_NONE);
    assert_null(router_table_get(&m.t[2], 50));
    /* Hostile shapes. */
    assert_int_equal(router_table_advertisement(&m.t[2], 0xa001, &old, true, 50, m.now, &o),
                     OT_ERR_DROP);
    assert_int_equal(router_table_advertisement(&m.t[2], 0x4400, &old, true, 50, m.now, &o),
                     OT_ERR_DROP);
    struct mle_route64 big;
    memset(&big, 0, sizeof(big));
    for (uint8_t id = 0; id < 33; id++)
        mle_route64_add(&big, id, 0x01);
    assert_int_equal(router_table_advertisement(&m.t[2], 0xa000, &big, true, 50, m.now, &o),
                     OT_ERR_PARSE);
    assert_int_equal(m.t[2].cnt.route64_too_many, 1);
}

static void test_link_timeout(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    for (int r = 0; r < N; r++)
        mesh_round(&m);
    /* Node 3 (id 40) stops hearing anything; tick it once a second. */
    struct router_table *t = &m.t[3];
    uint64_t heard = t->r[62].last_heard_ms;
    struct router_table_tick_out o;
    uint64_t now = heard + ROUTER_TABLE_MAX_NEIGHBOR_AGE_MS - 1000;
    router_table_tick(t, now, &o);
    assert_int_equal(o.link_request, 0);
    /* At 100 s: three Link Requests on three ticks (each sent at once). */
    int requests = 0;
    for (int s = 0; s < 3; s++) {
        now += 1000;
        router_table_tick(t, now, &o);
        assert_true(o.link_request & (1ull << 62));
        router_table_link_request_sent(t, 62);
        router_table_link_request_sent(t, 17);
        requests++;
    }
    /* Then 3 s for a Link Accept. */
    for (int s = 0; s < 2; s++) {
        now += 1000;
        router_table_tick(t, now, &o);
        assert_int_equal(o.link_request & (1ull << 62), 0);
        assert_int_equal(o.link_lost & (1ull << 62), 0);
    }
    now += 1000;
    router_table_tick(t, now, &o);
    assert_true(o.link_lost & (1ull << 62));
    assert_true(o.link_lost & (1ull << 17));
    assert_int_equal(t->r[62].link, ROUTER_TABLE_LINK_NONE);
    assert_int_equal(router_table_link_cost(t, 62), 16);
    assert_int_equal(t->cnt.links_lost, 2);
    assert_int_equal(requests, 3);

    /* A Link Accept in time keeps the link: 17 <-> 10 on node 1. */
    t = &m.t[1];
    now = t->r[17].last_heard_ms + ROUTER_TABLE_MAX_NEIGHBOR_AGE_MS;
    router_table_tick(t, now, &o);
    assert_true(o.link_request & (1ull << 17));
    router_table_link_request_sent(t, 17);
    uint8_t e2[8];
    ext_of(2, e2);
    assert_int_equal(router_table_link_up(t, 17, e2, 30, 4, -50, -100, now + 500), OT_ERR_NONE);
    for (int s = 1; s <= 5; s++) {
        router_table_tick(t, now + 1000 * (uint64_t)s, &o);
        assert_int_equal(o.link_lost, o.link_lost & ~(1ull << 17));
    }
    assert_int_equal(t->r[17].link, ROUTER_TABLE_LINK_VALID);

    /* Leader: a router with no link and no route for 90 s is released. */
    t = &m.t[0];
    router_table_link_down(t, 10, m.now);
    uint64_t since = t->r[10].last_heard_ms;
    router_table_tick(t, since + ROUTER_TABLE_LEADER_TO_ROUTER_TIMEOUT_MS - 1000, &o);
    assert_int_equal(o.released & (1ull << 10), 0);
    router_table_tick(t, since + ROUTER_TABLE_LEADER_TO_ROUTER_TIMEOUT_MS, &o);
    assert_true(o.released & (1ull << 10));
    assert_null(router_table_get(t, 10));
    assert_true(t->cnt.ids_released_no_route >= 1);
}

static void test_link_request_on_adv(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    /* 3 and 17 hear each other without a link: 17 lists 3 (every router
     * lists the whole set), so 3 asks for a link. A faint one does not. */
    struct mle_route64 r;
    struct router_table_adv_out o;
    router_table_fill_route64(&m.t[2], -1, &r);
    assert_int_equal(router_table_advertisement(&m.t[0], 0x4400, &r, false, 9, m.now, &o),
                     OT_ERR_NONE);
    assert_false(o.link_request);
    assert_int_equal(router_table_advertisement(&m.t[0], 0x4400, &r, false, 10, m.now, &o),
                     OT_ERR_NO_ROUTE);
    assert_true(o.link_request);
    assert_int_equal(m.t[0].r[17].link, ROUTER_TABLE_LINK_REQUEST);
    /* Not sent and no accept: the attempt is dropped after the wait. */
    struct router_table_tick_out to;
    for (int s = 1; s <= ROUTER_TABLE_LINK_ACCEPT_TIMEOUT_S + 1; s++)
        router_table_tick(&m.t[0], m.now + 1000 * (uint64_t)s, &to);
    assert_int_equal(m.t[0].r[17].link, ROUTER_TABLE_LINK_NONE);
}

static void test_ftd_child(void **state)
{
    (void)state;
    static struct mesh m;
    mesh_init(&m);
    for (int r = 0; r < N; r++)
        mesh_round(&m);
    /* A REED child of 17 with LQ 2 to it follows 17's costs. */
    struct router_table c;
    struct router_table_adv_out o;
    uint8_t mask[8];
    router_table_init(&c, 0);
    router_table_mask(&m.t[0], mask);
    router_table_update_id_set(&c, m.t[0].id_seq, mask, m.now, &o);
    router_table_set_role(&c, ROUTER_TABLE_CHILD, 0, NULL, 3);
    router_table_set_parent(&c, 17, 2, true);
    struct mle_route64 r;
    router_table_fill_route64(&m.t[2], -1, &r);
    assert_int_equal(router_table_advertisement(&c, 0x4400, &r, true, 40, m.now, &o), OT_ERR_NONE);
    struct router_table_hop h = router_table_next_hop(&c, 0xf800, -1);
    assert_int_equal(h.next_hop, 0x4400);
    assert_int_equal(h.cost, 2 + 2);
    h = router_table_next_hop(&c, 0x4400 | 3, -1); /* a sibling */
    assert_int_equal(h.next_hop, 0x4400);
    assert_int_equal(h.cost, 2 + 1);
    /* No new ID sequence for 120 s: look for the partition again. */
    struct router_table_tick_out to;
    router_table_tick(&c, m.now + 119999, &to);
    assert_false(to.reattach);
    router_table_tick(&c, m.now + 120000, &to);
    assert_true(to.reattach);
    /* Detached: Advertisements are not for the table. */
    struct router_table d;
    router_table_init(&d, 0);
    assert_int_equal(router_table_advertisement(&d, 0x4400, &r, true, 40, m.now, &o),
                     OT_ERR_INVALID_STATE);
    /* The parent's ID leaves the set: detach. */
    uint8_t e2[8];
    ext_of(2, e2);
    router_table_addr_release(&m.t[0], 0x4400, e2, m.now);
    router_table_fill_route64(&m.t[0], -1, &r);
    assert_int_equal(router_table_advertisement(&c, 0x0c00, &r, true, 40, m.now, &o),
                     OT_ERR_NO_ROUTE);
    assert_true(o.detach);
}

static void hex8(const char *s, uint8_t out[8])
{
    assert_int_equal(linevec_hex(s, out, 8), 8);
}

/* The middle router (22) of OpenThread's line 52 -- 22 -- 59 (leader 52),
 * rebuilt from the Advertisements it heard, prints what ot-cli-ftd printed
 * (tests/vectors/router_table/router_table_ot.txt). */
static void test_ot_capture_table(void **state)
{
    (void)state;
    struct router_table t;
    struct router_table_adv_out o;
    uint8_t me[8], e52[8], e59[8], mask[8] = {0};
    hex8("92e53a5894b5b326", me);
    hex8("bae31ae29110432a", e52);
    hex8("b662b4d8e65d8b14", e59);
    uint64_t now = 500000;
    router_table_init(&t, 0);
    mask[22 / 8] |= 0x80 >> (22 % 8);
    mask[52 / 8] |= 0x80 >> (52 % 8);
    mask[59 / 8] |= 0x80 >> (59 % 8);
    router_table_update_id_set(&t, 0x40, mask, now - 60000, &o);
    router_table_set_role(&t, ROUTER_TABLE_ROUTER, 22, me, 52);
    assert_int_equal(router_table_link_up(&t, 52, e52, 40, 4, -40, -100, now - 30000), OT_ERR_NONE);
    assert_int_equal(router_table_link_up(&t, 59, e59, 40, 4, -40, -100, now - 30000), OT_ERR_NONE);
    /* What 52 and 59 send: each reaches the other through us at 2. */
    struct mle_route64 a52, a59;
    memset(&a52, 0, sizeof(a52));
    memset(&a59, 0, sizeof(a59));
    a52.id_seq = a59.id_seq = 0x40;
    mle_route64_add(&a52, 22, 0xf1);
    mle_route64_add(&a52, 52, 0x01);
    mle_route64_add(&a52, 59, 0x02);
    mle_route64_add(&a59, 22, 0xf1);
    mle_route64_add(&a59, 52, 0x02);
    mle_route64_add(&a59, 59, 0x01);
    assert_int_equal(router_table_advertisement(&t, 0xec00, &a59, true, 60, now - 11000, &o),
                     OT_ERR_NONE);
    assert_int_equal(router_table_advertisement(&t, 0xd000, &a52, true, 60, now - 2000, &o),
                     OT_ERR_NONE);
    assert_string_equal(fmt_to_string(&t, now, 0), read_file("router_table_ot.txt", NULL));
    /* The direct links still win: cost 1 each. */
    struct router_table_hop h = router_table_next_hop(&t, 0xd000, -1);
    assert_int_equal(h.next_hop, 0xd000);
    assert_int_equal(h.cost, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_quality),        cmocka_unit_test(test_rss_average),
        cmocka_unit_test(test_seq_serial),          cmocka_unit_test(test_solicit),
        cmocka_unit_test(test_release_reuse_delay), cmocka_unit_test(test_line_converges),
        cmocka_unit_test(test_link_accept_route64), cmocka_unit_test(test_link_down_reroute),
        cmocka_unit_test(test_id_set_from_route64), cmocka_unit_test(test_link_timeout),
        cmocka_unit_test(test_link_request_on_adv), cmocka_unit_test(test_ftd_child),
        cmocka_unit_test(test_ot_capture_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
