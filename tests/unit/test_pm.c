/*
 * Border-routing policy tests: derived prefixes and their Network Data
 * bytes, the NAT64 codelab sequence (shared/reference/codelab-nat64.md),
 * several border routers (ot-nat64-behaviour.md §3.5), the infrastructure
 * prefix (§3.3), `nat64 cidr` rules (§1.2), the return-path input, and the
 * exact CLI text (`nat64 state`, `br omrprefix`, `br nat64prefix`).
 *
 * Network Data is exercised end to end: our local entries are registered in
 * a netdata_leader (as tnode_set_local_netdata does on the leader), and the
 * leader's bytes are what the next evaluation sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "br/pm.h"
#include "netdata/netdata.h"
#include "netdata/netdata_fmt.h"

#define OUR_RLOC 0x0800
#define OTHER_RLOC 0x0400

/* ---- helpers ----------------------------------------------------------- */

struct capture {
    FILE *f;
    char *buf;
    size_t len;
};

static void cap_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static const char *cap_close(struct capture *c)
{
    fclose(c->f);
    return c->buf;
}

static void cap_free(struct capture *c)
{
    free(c->buf);
}

static struct addr_prefix6 pfx6(const char *s)
{
    struct addr_prefix6 p;
    assert_true(addr_parse_prefix6(s, &p));
    return p;
}

static const char *fmt6(const struct addr_prefix6 *p)
{
    static char buf[NETDATA_PREFIX_STR];
    return netdata_fmt_prefix(p, buf);
}

/* A border router world: our pm plus the leader's Network Data. */
struct world {
    struct br_pm pm;
    struct netdata_leader ld;
    uint64_t now;
};

static void world_init(struct world *w)
{
    struct addr_prefix6 ula = pfx6("fd4c:9574:3720::/48");
    w->now = 1000;
    assert_int_equal(br_pm_init(&w->pm, &ula, w->now), OT_ERR_NONE);
    netdata_leader_init(&w->ld, 10, 20);
}

/* Registers our current local entries in the leader (the node's job). */
static void push(struct world *w)
{
    const struct netdata_local *l = br_pm_local_netdata(&w->pm);
    assert_int_equal(netdata_leader_register(&w->ld, OUR_RLOC, l->tlvs, l->len), NETDATA_OK);
}

static unsigned eval(struct world *w)
{
    return br_pm_evaluate(&w->pm, w->ld.tlvs, w->ld.len, OUR_RLOC, w->now);
}

/* Evaluates and pushes the result, as the agent's loop does. */
static unsigned eval_push(struct world *w)
{
    unsigned chg = eval(w);
    if (chg & BR_PM_CHG_NETDATA)
        push(w);
    return chg;
}

/* Another BR's entries: an OMR prefix (may be NULL) and a NAT64 route (may be
 * NULL). */
static void other_br(struct world *w, const char *omr, int8_t omr_pref, const char *nat64,
                     int8_t nat64_pref)
{
    struct netdata_local l;
    netdata_local_init(&l);
    if (omr) {
        struct netdata_prefix_cfg c;
        memset(&c, 0, sizeof(c));
        c.prefix = pfx6(omr);
        c.rloc16 = OTHER_RLOC;
        c.preference = omr_pref;
        c.preferred = c.slaac = c.on_mesh = c.stable = true;
        assert_int_equal(netdata_local_add_prefix(&l, &c), NETDATA_OK);
    }
    if (nat64) {
        struct netdata_route_cfg r;
        memset(&r, 0, sizeof(r));
        r.prefix = pfx6(nat64);
        r.rloc16 = OTHER_RLOC;
        r.preference = nat64_pref;
        r.nat64 = r.stable = true;
        assert_int_equal(netdata_local_add_route(&l, &r), NETDATA_OK);
    }
    assert_int_equal(netdata_leader_register(&w->ld, OTHER_RLOC, l.tlvs, l.len), NETDATA_OK);
}

static void assert_states(const struct br_pm *pm, enum br_pm_state st, enum br_pm_state xst)
{
    assert_string_equal(br_pm_state_str(br_pm_state(pm)), br_pm_state_str(st));
    assert_string_equal(br_pm_state_str(br_pm_xlat_state(pm)), br_pm_state_str(xst));
}

static void assert_state_text(const struct br_pm *pm, const char *expect)
{
    struct capture c;
    cap_open(&c);
    br_pm_fmt_state(c.f, pm);
    assert_string_equal(cap_close(&c), expect);
    cap_free(&c);
}

static void assert_local_show(const struct br_pm *pm, const char *expect)
{
    const struct netdata_local *l = br_pm_local_netdata(pm);
    struct capture c;
    cap_open(&c);
    netdata_fmt_show(c.f, l->tlvs, l->len, true, NETDATA_ANY_RLOC16);
    assert_string_equal(cap_close(&c), expect);
    cap_free(&c);
}

static void assert_leader_show(const struct world *w, const char *expect)
{
    struct capture c;
    cap_open(&c);
    netdata_fmt_show(c.f, w->ld.tlvs, w->ld.len, true, NETDATA_ANY_RLOC16);
    assert_string_equal(cap_close(&c), expect);
    cap_free(&c);
}

static void assert_reason(const struct br_pm *pm, bool xlat, const char *expect)
{
    char buf[200];
    assert_string_equal(br_pm_fmt_reason(pm, xlat, buf, sizeof(buf)), expect);
}

/* A BR that is up: routing running, CIDR default, return path ready. */
static void world_up(struct world *w)
{
    world_init(w);
    br_pm_set_return_path(&w->pm, true, w->now);
    br_pm_set_routing_running(&w->pm, true, w->now);
}

/* ---- derived prefixes and bytes ---------------------------------------- */

static void test_derived_prefixes(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct addr_prefix6 p;

    assert_int_equal(br_pm_omr_local(&w.pm, &p), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:1::/64");
    assert_int_equal(br_pm_nat64_local(&w.pm, &p), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:2:0:0::/96");
    int8_t pref = 0;
    assert_int_equal(br_pm_nat64_favored(&w.pm, &p, &pref), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:2:0:0::/96");
    assert_int_equal(pref, NETDATA_PREF_LOW);

    /* Bits after /48 in the supplied ULA are ignored. */
    struct br_pm pm2;
    struct addr_prefix6 ula = pfx6("fd4c:9574:3720:ffff:1::/48");
    assert_int_equal(br_pm_init(&pm2, &ula, 0), OT_ERR_NONE);
    assert_int_equal(br_pm_nat64_local(&pm2, &p), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:2:0:0::/96");

    /* ULA from random bytes. */
    const uint8_t rnd[5] = {0x87, 0x37, 0x65, 0xcf, 0x05};
    br_pm_ula_from_random(rnd, &ula);
    assert_string_equal(fmt6(&ula), "fd87:3765:cf05::/48");
    assert_int_equal(br_pm_init(&pm2, &ula, 0), OT_ERR_NONE);
    assert_int_equal(br_pm_nat64_local(&pm2, &p), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd87:3765:cf05:2:0:0::/96");
    assert_int_equal(br_pm_omr_local(&pm2, &p), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd87:3765:cf05:1::/64");
}

static void test_invalid_ula(void **state)
{
    (void)state;
    struct br_pm pm;
    struct addr_prefix6 p = pfx6("fc00:1:2::/48"), q;
    int8_t pref;
    assert_int_equal(br_pm_init(&pm, &p, 0), OT_ERR_INVALID_ARGS);
    p = pfx6("fd00:1:2::/64");
    assert_int_equal(br_pm_init(&pm, &p, 0), OT_ERR_INVALID_ARGS);
    assert_int_equal(br_pm_init(&pm, NULL, 0), OT_ERR_INVALID_ARGS);

    /* OT before RoutingManager::Init: InvalidState, and it never runs. */
    assert_int_equal(br_pm_nat64_local(&pm, &q), OT_ERR_INVALID_STATE);
    assert_int_equal(br_pm_nat64_favored(&pm, &q, &pref), OT_ERR_INVALID_STATE);
    assert_int_equal(br_pm_omr_local(&pm, &q), OT_ERR_INVALID_STATE);
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &pm, BR_PM_SHOW_BOTH), OT_ERR_INVALID_STATE);
    assert_string_equal(cap_close(&c), "");
    cap_free(&c);

    br_pm_set_enabled(&pm, true, 0);
    br_pm_set_routing_running(&pm, true, 0);
    br_pm_set_return_path(&pm, true, 0);
    br_pm_evaluate(&pm, NULL, 0, OUR_RLOC, 0);
    assert_states(&pm, BR_PM_STATE_NOT_RUNNING, BR_PM_STATE_NOT_RUNNING);
    assert_int_equal(br_pm_why(&pm), BR_PM_WHY_NO_ULA);
    assert_int_equal(br_pm_local_netdata(&pm)->len, 0);
}

static void test_netdata_bytes(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    unsigned chg = eval(&w);
    assert_true(chg & BR_PM_CHG_NETDATA);

    /* The codelab's lines, for ULA fd4c:9574:3720::/48 and RLOC16 0x0800. */
    assert_local_show(&w.pm, "Prefixes:\n"
                             "fd4c:9574:3720:1::/64 paos low 0800\n"
                             "Routes:\n"
                             "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                             "Services:\n");

    /* Exact TLVs: OMR Prefix TLV (stable) with a stable Border Router
     * sub-TLV, flags 0xf100 (low, p, a, o); NAT64 Prefix TLV (stable) with a
     * stable Has Route sub-TLV, flags 0xe0 (low + N), like OT's
     * `03 13 00 60 fd68da375a6e00020000000001 03 9400 e0`. */
    const struct netdata_local *l = br_pm_local_netdata(&w.pm);
    static const uint8_t expect[] = {0x03, 0x10, 0x00, 0x40, 0xfd, 0x4c, 0x95, 0x74, 0x37, 0x20,
                                     0x00, 0x01, 0x05, 0x04, 0x08, 0x00, 0xf1, 0x00, 0x03, 0x13,
                                     0x00, 0x60, 0xfd, 0x4c, 0x95, 0x74, 0x37, 0x20, 0x00, 0x02,
                                     0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x08, 0x00, 0xe0};
    assert_int_equal(l->len, sizeof(expect));
    assert_memory_equal(l->tlvs, expect, sizeof(expect));
    assert_int_equal(netdata_validate(l->tlvs, l->len), NETDATA_OK);

    /* What the leader makes of it, and what FindPreferredNat64Prefix sees. */
    push(&w);
    struct netdata_route_cfg rc;
    assert_int_equal(netdata_find_nat64_prefix(w.ld.tlvs, w.ld.len, &rc), NETDATA_OK);
    assert_string_equal(fmt6(&rc.prefix), "fd4c:9574:3720:2:0:0::/96");
    assert_int_equal(rc.rloc16, OUR_RLOC);
    assert_int_equal(rc.preference, NETDATA_PREF_LOW);
    assert_true(rc.stable && rc.nat64);
}

/* ---- the codelab --------------------------------------------------------- */

static void test_codelab_sequence(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);

    /* Fresh: Disabled/Disabled, but the OMR prefix is published (BR runs). */
    assert_state_text(&w.pm, "PrefixManager: Disabled\nTranslator: Disabled\n");
    eval_push(&w);
    assert_leader_show(&w, "Prefixes:\n"
                           "fd4c:9574:3720:1::/64 paos low 0800\n"
                           "Routes:\n"
                           "Services:\n");

    /* nat64 enable: Idle/NotRunning until the next evaluation, wanted in 3 s. */
    w.now += 100;
    unsigned chg = br_pm_set_enabled(&w.pm, true, w.now);
    assert_true(chg & BR_PM_CHG_PM_STATE);
    assert_true(chg & BR_PM_CHG_XLAT_STATE);
    assert_false(chg & BR_PM_CHG_NETDATA);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_why(&w.pm), BR_PM_WHY_NOT_EVALUATED);
    assert_int_equal(br_pm_next_eval_ms(&w.pm), w.now + BR_PM_EVAL_DELAY_MS);
    assert_false(br_pm_translator_prefix(&w.pm, NULL));
    /* idempotent */
    assert_int_equal(br_pm_set_enabled(&w.pm, true, w.now), 0);

    /* The evaluation publishes and hands the prefix to the translator. */
    w.now = br_pm_next_eval_ms(&w.pm);
    chg = eval(&w);
    assert_int_equal(
        chg &
            (BR_PM_CHG_NETDATA | BR_PM_CHG_XLAT_PREFIX | BR_PM_CHG_PM_STATE | BR_PM_CHG_XLAT_STATE),
        BR_PM_CHG_NETDATA | BR_PM_CHG_XLAT_PREFIX | BR_PM_CHG_PM_STATE | BR_PM_CHG_XLAT_STATE);
    assert_int_equal(br_pm_next_eval_ms(&w.pm), BR_PM_NO_EVAL);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    assert_int_equal(br_pm_since_ms(&w.pm), w.now);
    assert_false(br_pm_nat64_in_netdata(&w.pm));
    assert_reason(&w.pm, false,
                  "publishing local prefix fd4c:9574:3720:2:0:0::/96 prf:low "
                  "(not yet in Network Data)");
    assert_reason(&w.pm, true, "translating fd4c:9574:3720:2:0:0::/96 to 192.168.255.0/24");
    struct addr_prefix6 xp;
    assert_true(br_pm_translator_prefix(&w.pm, &xp));
    assert_string_equal(fmt6(&xp), "fd4c:9574:3720:2:0:0::/96");

    /* The node puts it in Network Data; the next evaluation sees it there and
     * changes nothing but the reason's detail. */
    push(&w);
    assert_leader_show(&w, "Prefixes:\n"
                           "fd4c:9574:3720:1::/64 paos low 0800\n"
                           "Routes:\n"
                           "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                           "Services:\n");
    w.now += 3000;
    chg = eval(&w);
    assert_int_equal(chg, BR_PM_CHG_REASON);
    assert_true(br_pm_nat64_in_netdata(&w.pm));
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    assert_reason(&w.pm, false,
                  "publishing local prefix fd4c:9574:3720:2:0:0::/96 prf:low (in Network Data)");
    assert_int_equal(eval(&w), 0); /* stable */

    /* nat64 disable: Disabled/Disabled, the route is withdrawn, not the OMR. */
    w.now += 1000;
    chg = br_pm_set_enabled(&w.pm, false, w.now);
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_true(chg & BR_PM_CHG_XLAT_PREFIX);
    assert_state_text(&w.pm, "PrefixManager: Disabled\nTranslator: Disabled\n");
    assert_false(br_pm_translator_prefix(&w.pm, NULL));
    push(&w);
    assert_leader_show(&w, "Prefixes:\n"
                           "fd4c:9574:3720:1::/64 paos low 0800\n"
                           "Routes:\n"
                           "Services:\n");
    assert_int_equal(eval_push(&w) & BR_PM_CHG_NETDATA, 0); /* stays withdrawn */
    /* the CIDR survives disable */
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_cidr(c.f, &w.pm), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "192.168.255.0/24\n");
    cap_free(&c);

    /* nat64 enable again: Idle/NotRunning before the route is in Network
     * Data (issue openthread#11700: it must not stay there). */
    w.now += 1000;
    br_pm_set_enabled(&w.pm, true, w.now);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    assert_reason(&w.pm, true, "no NAT64 prefix: waiting for the routing policy evaluation");
    w.now = br_pm_next_eval_ms(&w.pm);
    chg = eval_push(&w);
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    w.now += 3000;
    eval_push(&w);
    assert_true(br_pm_nat64_in_netdata(&w.pm));
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    assert_leader_show(&w, "Prefixes:\n"
                           "fd4c:9574:3720:1::/64 paos low 0800\n"
                           "Routes:\n"
                           "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                           "Services:\n");
}

/* ---- routing manager not running ---------------------------------------- */

static void test_routing_not_running(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    br_pm_set_return_path(&w.pm, true, w.now);
    br_pm_set_enabled(&w.pm, true, w.now);
    assert_state_text(&w.pm, "PrefixManager: NotRunning\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_next_eval_ms(&w.pm), BR_PM_NO_EVAL);
    eval(&w);
    assert_int_equal(br_pm_local_netdata(&w.pm)->len, 0);
    assert_int_equal(br_pm_why(&w.pm), BR_PM_WHY_NOT_RUNNING);
    assert_reason(&w.pm, true, "no NAT64 prefix: border routing not running");

    /* `br omrprefix`: Local works, Favored needs routing -> InvalidState
     * after the Local line (as cli_br.cpp). */
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_INVALID_STATE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:1::/64\n");
    cap_free(&c);

    /* br enable: an immediate evaluation is wanted; Idle until it runs. */
    unsigned chg = br_pm_set_routing_running(&w.pm, true, w.now);
    assert_true(chg & BR_PM_CHG_PM_STATE);
    assert_int_equal(br_pm_next_eval_ms(&w.pm), w.now);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    eval_push(&w);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");

    /* br disable: NotRunning/NotRunning, every entry withdrawn. */
    w.now += 10;
    chg = br_pm_set_routing_running(&w.pm, false, w.now);
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_true(chg & BR_PM_CHG_XLAT_PREFIX);
    assert_int_equal(br_pm_local_netdata(&w.pm)->len, 0);
    assert_state_text(&w.pm, "PrefixManager: NotRunning\nTranslator: NotRunning\n");
    push(&w);
    assert_leader_show(&w, "Prefixes:\nRoutes:\nServices:\n");
}

/* ---- several border routers --------------------------------------------- */

static void test_incumbent_keeps_prefix(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    /* Another BR published first; its prefix is larger than ours (fdaa >
     * fd4c) but the incumbent with equal preference keeps it. The same holds
     * for its OMR prefix (OT OmrPrefixManager adds ours only when no OMR
     * prefix of at least our preference exists). */
    other_br(&w, "fdaa:bbbb:cccc:1::/64", NETDATA_PREF_LOW, "fdaa:bbbb:cccc:2::/96",
             NETDATA_PREF_LOW);
    br_pm_set_enabled(&w.pm, true, w.now);
    w.now += 3000;
    eval_push(&w);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_why(&w.pm), BR_PM_WHY_OTHER_PREFERRED);
    assert_string_equal(br_pm_why_token(br_pm_why(&w.pm)), "other-br-preferred");
    assert_reason(&w.pm, false,
                  "fdaa:bbbb:cccc:2:0:0::/96 prf:low of 0x0400 is preferred in Network Data");
    assert_reason(&w.pm, true,
                  "no NAT64 prefix: fdaa:bbbb:cccc:2:0:0::/96 prf:low of 0x0400 is preferred "
                  "in Network Data");
    assert_false(br_pm_translator_prefix(&w.pm, NULL));
    assert_int_equal(br_pm_local_netdata(&w.pm)->len, 0);
    /* `br nat64prefix` still shows ours as favored; `br omrprefix` theirs. */
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:1::/64\n"
                                       "Favored: fdaa:bbbb:cccc:1::/64 prf:low\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:2:0:0::/96\n"
                                       "Favored: fd4c:9574:3720:2:0:0::/96 prf:low\n");
    cap_free(&c);
    assert_int_equal(eval_push(&w), 0); /* no flapping */

    /* The incumbent goes away (disables NAT64): we take over. */
    other_br(&w, "fdaa:bbbb:cccc:1::/64", NETDATA_PREF_LOW, NULL, 0);
    w.now += 3000;
    unsigned chg = eval_push(&w);
    assert_true(chg & BR_PM_CHG_PM_STATE);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");

    /* It comes back: we are now the incumbent, it is larger -> we keep it. */
    other_br(&w, "fdaa:bbbb:cccc:1::/64", NETDATA_PREF_LOW, "fdaa:bbbb:cccc:2::/96",
             NETDATA_PREF_LOW);
    w.now += 3000;
    assert_int_equal(eval_push(&w) & BR_PM_CHG_NETDATA, 0);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
}

static void test_simultaneous_smaller_wins(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);

    /* Another BR published at the same time with a smaller prefix (and a
     * smaller OMR prefix): we withdraw both. */
    other_br(&w, "fd11:22:0:1::/64", NETDATA_PREF_LOW, "fd11:22:0:2::/96", NETDATA_PREF_LOW);
    w.now += 3000;
    unsigned chg = eval_push(&w);
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_true(chg & BR_PM_CHG_XLAT_PREFIX);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_local_netdata(&w.pm)->len, 0);
    assert_leader_show(&w, "Prefixes:\n"
                           "fd11:22:0:1::/64 paos low 0400\n"
                           "Routes:\n"
                           "fd11:22:0:2:0:0::/96 sn low 0400\n"
                           "Services:\n");
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:1::/64\n"
                                       "Favored: fd11:22:0:1::/64 prf:low\n");
    cap_free(&c);
    assert_int_equal(eval_push(&w), 0);
}

static void test_simultaneous_larger_loses(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    /* Both in Network Data; ours (fd4c) is the smaller: we keep it. */
    other_br(&w, NULL, 0, "fdaa:bbbb:cccc:2::/96", NETDATA_PREF_LOW);
    w.now += 3000;
    assert_int_equal(eval_push(&w), BR_PM_CHG_REASON); /* now seen in Network Data */
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    assert_true(br_pm_nat64_in_netdata(&w.pm));
}

static void test_higher_preference_other(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    /* A medium-preference prefix beats our low one even though we are the
     * incumbent and ours is smaller. */
    other_br(&w, NULL, 0, "fdff::/96", NETDATA_PREF_MED);
    w.now += 3000;
    eval_push(&w);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");
    assert_reason(&w.pm, false,
                  "fdff:0:0:0:0:0::/96 prf:med of 0x0400 is preferred in Network Data");
    /* A lower one (other at low, ours low too) after it goes: we publish. */
    other_br(&w, NULL, 0, NULL, 0);
    w.now += 3000;
    eval_push(&w);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
}

static void test_rloc16_change(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    assert_int_equal(br_pm_evaluate(&w.pm, w.ld.tlvs, w.ld.len, 0x2c00, w.now) & BR_PM_CHG_NETDATA,
                     BR_PM_CHG_NETDATA);
    assert_local_show(&w.pm, "Prefixes:\n"
                             "fd4c:9574:3720:1::/64 paos low 2c00\n"
                             "Routes:\n"
                             "fd4c:9574:3720:2:0:0::/96 sn low 2c00\n"
                             "Services:\n");
    /* the old entries (0x0800) do not count as ours being in Network Data */
    assert_false(br_pm_nat64_in_netdata(&w.pm));
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);
}

/* ---- infrastructure prefix ---------------------------------------------- */

static void test_infra_prefix(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    struct addr_prefix6 infra = pfx6("2001:db8:64::/96"), p;
    int8_t pref;

    /* Invalid NAT64 lengths count as none. */
    struct addr_prefix6 bad = pfx6("2001:db8:64::/80");
    br_pm_set_infra_prefix(&w.pm, &bad, BR_PM_LIFETIME_INFINITE, w.now);
    assert_false(br_pm_infra_prefix(&w.pm, NULL));

    /* A known infra prefix, but the favored OMR prefix is ours (low, not
     * infrastructure-derived): the local prefix is still favored. */
    br_pm_set_infra_prefix(&w.pm, &infra, 60, w.now);
    assert_true(br_pm_infra_prefix(&w.pm, &p));
    assert_int_equal(br_pm_next_eval_ms(&w.pm), w.now + BR_PM_EVAL_DELAY_MS);
    w.now += 3000;
    eval_push(&w);
    assert_int_equal(br_pm_nat64_favored(&w.pm, &p, &pref), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:2:0:0::/96");
    assert_int_equal(pref, NETDATA_PREF_LOW);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    /* expiry is when the next evaluation is wanted */
    assert_int_equal(br_pm_next_eval_ms(&w.pm), 1000 + 60000);

    /* Another BR adds an infrastructure-derived OMR prefix (medium, e.g.
     * DHCPv6-PD): our OMR prefix goes, and the infra prefix is favored at
     * medium. We replace our local route with it; the infrastructure NAT64
     * translates, so our translator has no prefix. */
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, NULL, 0);
    w.now += 3000;
    unsigned chg = eval_push(&w);
    assert_true(chg & BR_PM_CHG_NETDATA);
    assert_true(chg & BR_PM_CHG_XLAT_PREFIX);
    assert_true(chg & BR_PM_CHG_XLAT_STATE);
    assert_false(chg & BR_PM_CHG_PM_STATE);
    assert_local_show(&w.pm, "Prefixes:\n"
                             "Routes:\n"
                             "2001:db8:64:0:0:0::/96 sn med 0800\n"
                             "Services:\n");
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_why(&w.pm), BR_PM_WHY_PUBLISHING_INFRA);
    assert_int_equal(br_pm_xlat_why(&w.pm), BR_PM_WHY_EXTERNAL_TRANSLATOR);
    assert_false(br_pm_translator_prefix(&w.pm, NULL));
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &w.pm, BR_PM_SHOW_FAVORED), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "2001:db8:64:0:0:0::/96 prf:med\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_FAVORED), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "2001:db8:1:2::/64 prf:med\n");
    cap_free(&c);
    w.now += 3000;
    assert_int_equal(eval_push(&w) & ~BR_PM_CHG_REASON, 0); /* stable */
    assert_true(br_pm_nat64_in_netdata(&w.pm));

    /* A low-preference NAT64 prefix from someone else does not displace the
     * medium infra prefix; a smaller medium one does. */
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, "2001:db8:0:64::/96", NETDATA_PREF_LOW);
    w.now += 3000;
    assert_int_equal(eval_push(&w) & BR_PM_CHG_NETDATA, 0);
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, "2001:db8:0:64::/96", NETDATA_PREF_MED);
    w.now += 3000;
    assert_true(eval_push(&w) & BR_PM_CHG_NETDATA);
    assert_state_text(&w.pm, "PrefixManager: Idle\nTranslator: NotRunning\n");

    /* The other BR publishes exactly our infra prefix: it equals our
     * discovered prefix, so we publish ours too (OT rule 4). */
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, "2001:db8:64::/96", NETDATA_PREF_MED);
    w.now += 3000;
    eval_push(&w);
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);
    assert_int_equal(br_pm_why(&w.pm), BR_PM_WHY_PUBLISHING_INFRA);

    /* The infra prefix expires: back to the local prefix, which loses to the
     * other BR's medium one. */
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, NULL, 0);
    w.now = 1000 + 60000;
    chg = eval_push(&w);
    assert_false(br_pm_infra_prefix(&w.pm, NULL));
    assert_int_equal(br_pm_next_eval_ms(&w.pm), BR_PM_NO_EVAL);
    assert_local_show(&w.pm, "Prefixes:\n"
                             "Routes:\n"
                             "fd4c:9574:3720:2:0:0::/96 sn low 0800\n"
                             "Services:\n");
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
}

static void test_infra_prefix_ignored_while_disabled(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    struct addr_prefix6 infra = pfx6("2001:db8:64::/96"), p;
    int8_t pref;
    other_br(&w, "2001:db8:1:2::/64", NETDATA_PREF_MED, NULL, 0);
    br_pm_set_infra_prefix(&w.pm, &infra, BR_PM_LIFETIME_INFINITE, w.now);
    eval_push(&w);
    /* NAT64 disabled: OT has no infra prefix then (cleared on Stop). */
    assert_int_equal(br_pm_nat64_favored(&w.pm, &p, &pref), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "fd4c:9574:3720:2:0:0::/96");
    br_pm_set_enabled(&w.pm, true, w.now);
    assert_int_equal(br_pm_nat64_favored(&w.pm, &p, &pref), OT_ERR_NONE);
    assert_string_equal(fmt6(&p), "2001:db8:64:0:0:0::/96");
    assert_int_equal(pref, NETDATA_PREF_MED);
    /* lifetime 0 withdraws it */
    br_pm_set_infra_prefix(&w.pm, &infra, 0, w.now);
    assert_false(br_pm_infra_prefix(&w.pm, NULL));
}

/* ---- CIDR ----------------------------------------------------------------- */

static void assert_cidr_text(const struct br_pm *pm, const char *expect)
{
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_cidr(c.f, pm), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), expect);
    cap_free(&c);
}

static void test_cidr_rules(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    unsigned chg = 99;
    assert_cidr_text(&w.pm, "192.168.255.0/24\n");

    static const char *const parse_errors[] = {
        "1.2.3.4/33",  "1.2.3.4",    "1.2.3/24",  "256.1.1.1/24",
        "1.2.3.4/24x", "1.2.3.4/",   "a.b.c.d/8", "1.2.3.4.5/8",
        " 1.2.3.4/8",  "1.2.3.4/-1", "",          "/24"};
    for (size_t i = 0; i < sizeof(parse_errors) / sizeof(parse_errors[0]); i++) {
        assert_int_equal(br_pm_set_cidr_str(&w.pm, parse_errors[i], w.now, &chg), OT_ERR_PARSE);
        assert_int_equal(chg, 0);
    }
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "10.0.0.0/0", w.now, &chg), OT_ERR_INVALID_ARGS);
    struct addr_prefix4 c0 = {{10, 0, 0, 0}, 33};
    assert_int_equal(br_pm_set_cidr(&w.pm, &c0, w.now, &chg), OT_ERR_INVALID_ARGS);
    assert_cidr_text(&w.pm, "192.168.255.0/24\n");

    /* Same network: silent no-op keeping the first host bits. */
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "192.168.1.77/24", w.now, &chg), OT_ERR_NONE);
    assert_true(chg & BR_PM_CHG_CIDR);
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "192.168.1.0/24", w.now, &chg), OT_ERR_NONE);
    assert_int_equal(chg, 0);
    assert_cidr_text(&w.pm, "192.168.1.77/24\n");
    /* Different length: a change. */
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "192.168.1.0/25", w.now, &chg), OT_ERR_NONE);
    assert_int_equal(chg & BR_PM_CHG_CIDR, BR_PM_CHG_CIDR);
    assert_cidr_text(&w.pm, "192.168.1.0/25\n");
    /* Leading zeros are decimal (OT Ip4::Address::FromString). */
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "010.001.0.1/032", w.now, &chg), OT_ERR_NONE);
    assert_cidr_text(&w.pm, "10.1.0.1/32\n");

    /* Cleared: `nat64 cidr` gives NotFound; the translator cannot run. */
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    chg = br_pm_clear_cidr(&w.pm, w.now);
    assert_true(chg & BR_PM_CHG_CIDR);
    assert_true(chg & BR_PM_CHG_XLAT_STATE);
    assert_int_equal(br_pm_clear_cidr(&w.pm, w.now), 0);
    struct capture c;
    cap_open(&c);
    assert_int_equal(br_pm_fmt_cidr(c.f, &w.pm), OT_ERR_NOT_FOUND);
    assert_string_equal(cap_close(&c), "");
    cap_free(&c);
    struct addr_prefix4 got;
    assert_int_equal(br_pm_get_cidr(&w.pm, &got), OT_ERR_NOT_FOUND);
    /* Active/NotRunning: prefix published, no CIDR (an observed OT pair). */
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_xlat_why(&w.pm), BR_PM_WHY_NO_CIDR);
    assert_reason(&w.pm, true, "no IPv4 CIDR");

    /* Set while disabled is allowed and survives. */
    br_pm_set_enabled(&w.pm, false, w.now);
    assert_int_equal(br_pm_set_cidr_str(&w.pm, "192.168.255.0/24", w.now, &chg), OT_ERR_NONE);
    assert_true(chg & BR_PM_CHG_CIDR);
    assert_int_equal(br_pm_get_cidr(&w.pm, &got), OT_ERR_NONE);
    assert_int_equal(got.len, 24);
}

/* ---- return path (our difference from OT) --------------------------------- */

static void test_return_path(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    br_pm_set_routing_running(&w.pm, true, w.now);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval_push(&w);
    /* OT would say Active/Active here. */
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: NotRunning\n");
    assert_int_equal(br_pm_xlat_why(&w.pm), BR_PM_WHY_NO_RETURN_PATH);
    assert_reason(&w.pm, true, "IPv4 return path (NAT44) not ready");
    /* the data path can still be configured */
    assert_true(br_pm_translator_prefix(&w.pm, NULL));

    w.now += 5;
    unsigned chg = br_pm_set_return_path(&w.pm, true, w.now);
    assert_int_equal(chg & (BR_PM_CHG_XLAT_STATE | BR_PM_CHG_PM_STATE), BR_PM_CHG_XLAT_STATE);
    assert_int_equal(br_pm_xlat_since_ms(&w.pm), w.now);
    assert_state_text(&w.pm, "PrefixManager: Active\nTranslator: Active\n");
    assert_int_equal(br_pm_set_return_path(&w.pm, true, w.now), 0);
    chg = br_pm_set_return_path(&w.pm, false, w.now);
    assert_true(chg & BR_PM_CHG_XLAT_STATE);
    assert_int_equal(br_pm_xlat_state(&w.pm), BR_PM_STATE_NOT_RUNNING);
}

/* ---- CLI text --------------------------------------------------------------- */

static void test_parse_show(void **state)
{
    (void)state;
    unsigned show = 0;
    const char *none[] = {NULL};
    const char *local[] = {"local"};
    const char *fav[] = {"favored"};
    const char *bad[] = {"foo"};
    const char *extra[] = {"local", "x"};
    assert_int_equal(br_pm_parse_show(0, none, &show), OT_ERR_NONE);
    assert_int_equal(show, BR_PM_SHOW_BOTH);
    assert_int_equal(br_pm_parse_show(1, local, &show), OT_ERR_NONE);
    assert_int_equal(show, BR_PM_SHOW_LOCAL);
    assert_int_equal(br_pm_parse_show(1, fav, &show), OT_ERR_NONE);
    assert_int_equal(show, BR_PM_SHOW_FAVORED);
    assert_int_equal(br_pm_parse_show(1, bad, &show), OT_ERR_INVALID_ARGS);
    assert_int_equal(br_pm_parse_show(2, extra, &show), OT_ERR_INVALID_ARGS);
}

static void test_prefix_output(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    struct capture c;

    /* Running, not yet evaluated: OT prints the cleared favored prefix. */
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_FAVORED), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "::/0 prf:med\n");
    cap_free(&c);

    eval_push(&w);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:1::/64\n"
                                       "Favored: fd4c:9574:3720:1::/64 prf:low\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_LOCAL), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "fd4c:9574:3720:1::/64\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_omrprefix(c.f, &w.pm, BR_PM_SHOW_FAVORED), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "fd4c:9574:3720:1::/64 prf:low\n");
    cap_free(&c);

    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &w.pm, BR_PM_SHOW_BOTH), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "Local: fd4c:9574:3720:2:0:0::/96\n"
                                       "Favored: fd4c:9574:3720:2:0:0::/96 prf:low\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &w.pm, BR_PM_SHOW_LOCAL), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "fd4c:9574:3720:2:0:0::/96\n");
    cap_free(&c);
    cap_open(&c);
    assert_int_equal(br_pm_fmt_nat64prefix(c.f, &w.pm, BR_PM_SHOW_FAVORED), OT_ERR_NONE);
    assert_string_equal(cap_close(&c), "fd4c:9574:3720:2:0:0::/96 prf:low\n");
    cap_free(&c);
}

static void test_strings(void **state)
{
    (void)state;
    assert_string_equal(br_pm_state_str(BR_PM_STATE_DISABLED), "Disabled");
    assert_string_equal(br_pm_state_str(BR_PM_STATE_NOT_RUNNING), "NotRunning");
    assert_string_equal(br_pm_state_str(BR_PM_STATE_IDLE), "Idle");
    assert_string_equal(br_pm_state_str(BR_PM_STATE_ACTIVE), "Active");
    assert_int_equal(BR_PM_STATE_ACTIVE, 3); /* otNat64State ABI */
    assert_int_equal(OT_ERR_INVALID_STATE, 13);
    for (int i = 0; i < BR_PM_WHY__COUNT; i++) {
        const char *t = br_pm_why_token((enum br_pm_why)i);
        assert_non_null(t);
        assert_true(strlen(t) > 0);
        assert_string_not_equal(t, "unknown");
    }
    assert_string_equal(br_pm_why_token(BR_PM_WHY__COUNT), "unknown");

    /* Reason text is always terminated, even when truncated. */
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    eval(&w);
    char small[10];
    assert_string_equal(br_pm_fmt_reason(&w.pm, true, small, sizeof(small)), "translati");
    assert_reason(&w.pm, false,
                  "publishing local prefix fd4c:9574:3720:2:0:0::/96 prf:low "
                  "(not yet in Network Data)");
    br_pm_set_enabled(&w.pm, false, w.now);
    assert_reason(&w.pm, false, "NAT64 disabled");
    assert_reason(&w.pm, true, "NAT64 disabled");
    assert_string_equal(br_pm_why_token(br_pm_xlat_why(&w.pm)), "disabled");
}

static void test_malformed_netdata(void **state)
{
    (void)state;
    struct world w;
    world_up(&w);
    br_pm_set_enabled(&w.pm, true, w.now);
    /* Truncated / garbage Network Data: the iterators skip it, nothing is
     * found, we publish. */
    static const uint8_t junk[] = {0x03, 0x40, 0x00, 0x60, 0xfd, 0x00};
    br_pm_evaluate(&w.pm, junk, sizeof(junk), OUR_RLOC, w.now);
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);
    br_pm_evaluate(&w.pm, NULL, 100, OUR_RLOC, w.now);
    assert_int_equal(br_pm_state(&w.pm), BR_PM_STATE_ACTIVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derived_prefixes),
        cmocka_unit_test(test_invalid_ula),
        cmocka_unit_test(test_netdata_bytes),
        cmocka_unit_test(test_codelab_sequence),
        cmocka_unit_test(test_routing_not_running),
        cmocka_unit_test(test_incumbent_keeps_prefix),
        cmocka_unit_test(test_simultaneous_smaller_wins),
        cmocka_unit_test(test_simultaneous_larger_loses),
        cmocka_unit_test(test_higher_preference_other),
        cmocka_unit_test(test_rloc16_change),
        cmocka_unit_test(test_infra_prefix),
        cmocka_unit_test(test_infra_prefix_ignored_while_disabled),
        cmocka_unit_test(test_cidr_rules),
        cmocka_unit_test(test_return_path),
        cmocka_unit_test(test_parse_show),
        cmocka_unit_test(test_prefix_output),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_malformed_netdata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
