/*
 * The border router's routing policy; see routing.h.
 */
#include "br/routing.h"

#include <string.h>

#include "br/log.h"
#include "br/persist.h"

#define RLOG(r, ...) br_log((r)->cfg.log, (r)->cfg.user, __VA_ARGS__)

/* Logs the states when chg says they (or their reasons) changed. */
static unsigned note(struct br_routing *r, unsigned chg)
{
    if (chg & (BR_PM_CHG_PM_STATE | BR_PM_CHG_XLAT_STATE | BR_PM_CHG_REASON)) {
        char r1[256], r2[256];

        RLOG(r, 3, "nat64: PrefixManager %s (%s); Translator %s (%s)",
             br_pm_state_str(br_pm_state(&r->pm)), br_pm_fmt_reason(&r->pm, false, r1, 256),
             br_pm_state_str(br_pm_xlat_state(&r->pm)), br_pm_fmt_reason(&r->pm, true, r2, 256));
    }
    return chg;
}

/* The stored BR ULA, or a random one (saved). */
static void load_ula(struct br_routing *r, uint64_t now_ms)
{
    struct addr_prefix6 ula;
    bool have = br_persist_load_ula(r->cfg.kv, &ula);
    char s[ADDR_STR6];

    if (!have) {
        uint8_t rnd[5];

        r->cfg.random(r->cfg.user, rnd, sizeof(rnd));
        br_pm_ula_from_random(rnd, &ula);
        if (br_persist_save_ula(r->cfg.kv, &ula) != 0)
            RLOG(r, 2, "br: cannot save the BR ULA prefix");
    }
    if (br_pm_init(&r->pm, &ula, now_ms) != OT_ERR_NONE)
        RLOG(r, 1, "br: invalid BR ULA prefix");
    RLOG(r, 3, "br: ULA prefix %s/48%s", addr_fmt6(ula.addr, s), have ? "" : " (new)");
}

static void save_nat64(struct br_routing *r)
{
    struct br_persist_nat64 v;

    v.enabled = br_pm_enabled(&r->pm);
    v.has_cidr = br_pm_get_cidr(&r->pm, &v.cidr) == OT_ERR_NONE;
    if (br_persist_save_nat64(r->cfg.kv, &v) != 0)
        RLOG(r, 2, "br: cannot save the NAT64 settings");
}

/* Enabled flag (default true) and CIDR (default: br_pm's) from settings. */
static bool load_nat64(struct br_routing *r, uint64_t now_ms)
{
    struct br_persist_nat64 v;

    if (!br_persist_load_nat64(r->cfg.kv, &v))
        return true;
    if (!v.has_cidr)
        br_pm_clear_cidr(&r->pm, now_ms);
    else if (br_pm_set_cidr(&r->pm, &v.cidr, now_ms, NULL) != OT_ERR_NONE)
        RLOG(r, 2, "br: stored NAT64 CIDR is invalid; using the default");
    return v.enabled;
}

void br_routing_init(struct br_routing *r, const struct br_routing_cfg *cfg, uint64_t now_ms)
{
    memset(r, 0, sizeof(*r));
    r->cfg = *cfg;
    r->last_role = TNODE_DISABLED;
    load_ula(r, now_ms);
    r->stored_enabled = load_nat64(r, now_ms);
}

unsigned br_routing_start(struct br_routing *r, uint64_t now_ms)
{
    return r->stored_enabled ? note(r, br_pm_set_enabled(&r->pm, true, now_ms)) : 0;
}

unsigned br_routing_update(struct br_routing *r, const struct br_node_view *n, uint64_t now_ms,
                           bool *reattached)
{
    bool attached = n->role >= TNODE_CHILD, eval = false;
    size_t nd_len = n->netdata != NULL ? n->netdata_len : 0;
    unsigned chg = 0;

    *reattached = false;
    if (nd_len > sizeof(r->last_nd))
        nd_len = sizeof(r->last_nd);
    if (n->role != r->last_role) {
        RLOG(r, 4, "br: role %s -> %s", tnode_role_name(r->last_role), tnode_role_name(n->role));
        *reattached = attached; /* a new partition or parent: register our entries again */
        r->last_role = n->role;
    }
    if (attached != r->running) {
        r->running = attached;
        chg |= br_pm_set_routing_running(&r->pm, attached, now_ms);
        eval = attached;
    }
    if (n->rloc16 != r->last_rloc16) {
        r->last_rloc16 = n->rloc16;
        eval = true;
    }
    if (!r->nd_seen || nd_len != r->last_nd_len ||
        (nd_len > 0 && memcmp(n->netdata, r->last_nd, nd_len) != 0)) {
        r->nd_seen = true;
        if (nd_len > 0)
            memcpy(r->last_nd, n->netdata, nd_len);
        r->last_nd_len = nd_len;
        eval = true;
    }
    if (eval || br_pm_next_eval_ms(&r->pm) <= now_ms)
        chg |= br_pm_evaluate(&r->pm, r->last_nd, r->last_nd_len, n->rloc16, now_ms);
    return note(r, chg);
}

bool br_routing_running(const struct br_routing *r)
{
    return r->running;
}

const struct br_pm *br_routing_pm(const struct br_routing *r)
{
    return &r->pm;
}

unsigned br_routing_set_nat64_enabled(struct br_routing *r, bool enabled, uint64_t now_ms,
                                      bool *toggled)
{
    bool was = br_pm_enabled(&r->pm);
    unsigned chg = br_pm_set_enabled(&r->pm, enabled, now_ms);

    *toggled = was != enabled;
    if (*toggled) {
        RLOG(r, 3, "nat64: %s", enabled ? "enabled" : "disabled");
        save_nat64(r);
    }
    return note(r, chg);
}

enum ot_err br_routing_set_cidr(struct br_routing *r, const char *text, uint64_t now_ms,
                                unsigned *chg)
{
    enum ot_err e;

    *chg = 0;
    e = br_pm_set_cidr_str(&r->pm, text, now_ms, chg);
    if (e != OT_ERR_NONE)
        return e;
    if (*chg & BR_PM_CHG_CIDR) {
        RLOG(r, 3, "nat64: CIDR %s", text);
        save_nat64(r);
    }
    note(r, *chg);
    return OT_ERR_NONE;
}

unsigned br_routing_set_return_path(struct br_routing *r, bool ready, uint64_t now_ms)
{
    return note(r, br_pm_set_return_path(&r->pm, ready, now_ms));
}

unsigned br_routing_set_infra_prefix(struct br_routing *r, const struct addr_prefix6 *prefix,
                                     uint32_t lifetime_s, uint64_t now_ms)
{
    return note(r, br_pm_set_infra_prefix(&r->pm, prefix, lifetime_s, now_ms));
}
