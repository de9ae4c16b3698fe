/*
 * Border-routing policy: OMR prefix, NAT64 prefix manager, translator state.
 * See pm.h for the model and ot-nat64-behaviour.md §3.
 */
#include "br/pm.h"

#include <string.h>

#include "netdata/netdata_fmt.h"

#define REASON_MAX 160

/* ---- small helpers ------------------------------------------------------ */

static bool pfx_eq(const struct addr_prefix6 *a, const struct addr_prefix6 *b)
{
    return a->len == b->len && addr_prefix_match(a->addr, b->addr, a->len);
}

static bool running(const struct br_pm *pm)
{
    return pm->initialized && pm->running;
}

/* OT Nat64PrefixManager is started: enabled and the routing manager runs. */
static bool started(const struct br_pm *pm)
{
    return pm->enabled && running(pm);
}

static void want_eval(struct br_pm *pm, uint64_t at_ms)
{
    if (at_ms < pm->eval_due_ms)
        pm->eval_due_ms = at_ms;
}

/* OT RoutingManager::IsValidOmrPrefix(OnMeshPrefixConfig). */
static bool omr_valid(const struct netdata_prefix_cfg *c)
{
    const uint8_t *a = c->prefix.addr;
    bool link_local = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
    bool multicast = a[0] == 0xff;
    return c->prefix.len == 64 && !link_local && !multicast && c->on_mesh && c->slaac && c->stable;
}

/* Rebuilds the local Network Data from the published flags. */
static void rebuild_local(struct br_pm *pm)
{
    netdata_local_init(&pm->local);
    if (!pm->has_rloc16 || !running(pm))
        return;
    if (pm->omr_added) {
        struct netdata_prefix_cfg c;
        memset(&c, 0, sizeof(c));
        c.prefix = pm->omr_local;
        c.rloc16 = pm->rloc16;
        c.preference = NETDATA_PREF_LOW;
        c.preferred = true;
        c.slaac = true;
        c.on_mesh = true;
        c.stable = true;
        (void)netdata_local_add_prefix(&pm->local, &c); /* 22 bytes: always fits */
    }
    if (pm->enabled && pm->has_published) {
        struct netdata_route_cfg r;
        memset(&r, 0, sizeof(r));
        r.prefix = pm->published;
        r.rloc16 = pm->rloc16;
        r.preference = pm->published_pref;
        r.nat64 = true;
        r.stable = true;
        (void)netdata_local_add_route(&pm->local, &r); /* at most 25 bytes: always fits */
    }
}

static uint32_t fnv1a(uint32_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 16777619u;
    }
    return h;
}

static uint32_t detail_hash(const struct br_pm *pm)
{
    char buf[REASON_MAX];
    uint32_t h = fnv1a(2166136261u, br_pm_fmt_reason(pm, false, buf, sizeof(buf)));
    return fnv1a(h ^ 0xff, br_pm_fmt_reason(pm, true, buf, sizeof(buf)));
}

/* What a mutator compares before/after. */
struct snap {
    struct netdata_local local;
    bool has_xlat_prefix;
    struct addr_prefix6 xlat_prefix;
};

static void snap_take(const struct br_pm *pm, struct snap *s)
{
    s->local = pm->local;
    s->has_xlat_prefix = pm->has_xlat_prefix;
    s->xlat_prefix = pm->xlat_prefix;
}

static unsigned finish(struct br_pm *pm, const struct snap *s, uint64_t now_ms)
{
    unsigned chg = 0;
    if (s->local.len != pm->local.len || memcmp(s->local.tlvs, pm->local.tlvs, pm->local.len))
        chg |= BR_PM_CHG_NETDATA;
    if (s->has_xlat_prefix != pm->has_xlat_prefix ||
        (pm->has_xlat_prefix && !pfx_eq(&s->xlat_prefix, &pm->xlat_prefix)))
        chg |= BR_PM_CHG_XLAT_PREFIX;

    enum br_pm_state st = br_pm_state(pm), xst = br_pm_xlat_state(pm);
    if (st != pm->seen_pm) {
        chg |= BR_PM_CHG_PM_STATE;
        pm->seen_pm = st;
        pm->pm_since_ms = now_ms;
    }
    if (xst != pm->seen_xlat) {
        chg |= BR_PM_CHG_XLAT_STATE;
        pm->seen_xlat = xst;
        pm->xlat_since_ms = now_ms;
    }
    enum br_pm_why w = br_pm_why(pm), xw = br_pm_xlat_why(pm);
    uint32_t d = detail_hash(pm);
    if (w != pm->seen_pm_why || xw != pm->seen_xlat_why || d != pm->seen_detail) {
        chg |= BR_PM_CHG_REASON;
        pm->seen_pm_why = w;
        pm->seen_xlat_why = xw;
        pm->seen_detail = d;
    }
    return chg;
}

/* OT Nat64PrefixManager::Stop (minus forgetting the infra prefix). */
static void nat64_stop(struct br_pm *pm)
{
    pm->has_published = false;
    pm->published_in_nd = false;
    pm->has_xlat_prefix = false;
    pm->has_other = false;
    pm->evaluated = false;
}

/* ---- setup ------------------------------------------------------------- */

void br_pm_ula_from_random(const uint8_t rnd[5], struct addr_prefix6 *out)
{
    memset(out, 0, sizeof(*out));
    out->addr[0] = 0xfd;
    memcpy(out->addr + 1, rnd, 5);
    out->len = 48;
}

enum ot_err br_pm_init(struct br_pm *pm, const struct addr_prefix6 *ula48, uint64_t now_ms)
{
    memset(pm, 0, sizeof(*pm));
    pm->has_cidr = true;
    pm->cidr.addr[0] = 192;
    pm->cidr.addr[1] = 168;
    pm->cidr.addr[2] = 255;
    pm->cidr.addr[3] = 0;
    pm->cidr.len = 24;
    pm->infra_expiry_ms = BR_PM_NO_EVAL;
    pm->eval_due_ms = BR_PM_NO_EVAL;
    pm->pm_since_ms = now_ms;
    pm->xlat_since_ms = now_ms;

    enum ot_err err = OT_ERR_INVALID_ARGS;
    if (ula48 && ula48->len == 48 && ula48->addr[0] == 0xfd) {
        pm->initialized = true;
        pm->ula.len = 48;
        memcpy(pm->ula.addr, ula48->addr, 6);

        pm->omr_local = pm->ula;
        pm->omr_local.addr[7] = BR_PM_OMR_SUBNET;
        pm->omr_local.len = 64;

        pm->nat64_local = pm->ula;
        pm->nat64_local.addr[7] = BR_PM_NAT64_SUBNET;
        pm->nat64_local.len = BR_PM_NAT64_PREFIX_LEN;
        err = OT_ERR_NONE;
    }
    pm->seen_pm = br_pm_state(pm);
    pm->seen_xlat = br_pm_xlat_state(pm);
    pm->seen_pm_why = br_pm_why(pm);
    pm->seen_xlat_why = br_pm_xlat_why(pm);
    pm->seen_detail = detail_hash(pm);
    return err;
}

/* ---- inputs ------------------------------------------------------------- */

unsigned br_pm_set_enabled(struct br_pm *pm, bool enabled, uint64_t now_ms)
{
    struct snap s;
    snap_take(pm, &s);
    if (pm->enabled != enabled) {
        pm->enabled = enabled;
        nat64_stop(pm);
        if (enabled && running(pm))
            want_eval(pm, now_ms + BR_PM_EVAL_DELAY_MS);
        rebuild_local(pm);
    }
    return finish(pm, &s, now_ms);
}

bool br_pm_enabled(const struct br_pm *pm)
{
    return pm->enabled;
}

unsigned br_pm_set_routing_running(struct br_pm *pm, bool run, uint64_t now_ms)
{
    struct snap s;
    snap_take(pm, &s);
    if (pm->running != run) {
        pm->running = run;
        /* OT RoutingManager::Stop / Start: OMR and NAT64 managers too. */
        pm->omr_added = false;
        pm->has_omr_favored = false;
        nat64_stop(pm);
        if (running(pm))
            want_eval(pm, now_ms);
        rebuild_local(pm);
    }
    return finish(pm, &s, now_ms);
}

unsigned br_pm_set_return_path(struct br_pm *pm, bool ready, uint64_t now_ms)
{
    struct snap s;
    snap_take(pm, &s);
    pm->return_path = ready;
    return finish(pm, &s, now_ms);
}

unsigned br_pm_set_infra_prefix(struct br_pm *pm, const struct addr_prefix6 *prefix,
                                uint32_t lifetime_s, uint64_t now_ms)
{
    struct snap s;
    snap_take(pm, &s);
    bool had = pm->has_infra;
    struct addr_prefix6 old = pm->infra;

    if (!prefix || lifetime_s == 0 || !netdata_nat64_len_valid(prefix->len)) {
        pm->has_infra = false;
        memset(&pm->infra, 0, sizeof(pm->infra));
        pm->infra_expiry_ms = BR_PM_NO_EVAL;
    } else {
        pm->has_infra = true;
        pm->infra = *prefix;
        addr_mask(pm->infra.addr, 16, pm->infra.len);
        pm->infra_expiry_ms = lifetime_s == BR_PM_LIFETIME_INFINITE
                                  ? BR_PM_NO_EVAL
                                  : now_ms + (uint64_t)lifetime_s * 1000u;
    }
    if (had != pm->has_infra || (had && !pfx_eq(&old, &pm->infra)))
        want_eval(pm, now_ms + BR_PM_EVAL_DELAY_MS);
    return finish(pm, &s, now_ms);
}

bool br_pm_infra_prefix(const struct br_pm *pm, struct addr_prefix6 *out)
{
    if (pm->has_infra && out)
        *out = pm->infra;
    return pm->has_infra;
}

/* ---- CIDR --------------------------------------------------------------- */

static bool cidr_same(const struct addr_prefix4 *a, const struct addr_prefix4 *b)
{
    return a->len == b->len && addr_prefix_match(a->addr, b->addr, a->len);
}

enum ot_err br_pm_set_cidr(struct br_pm *pm, const struct addr_prefix4 *cidr, uint64_t now_ms,
                           unsigned *chg)
{
    if (chg)
        *chg = 0;
    if (!cidr || cidr->len == 0 || cidr->len > 32)
        return OT_ERR_INVALID_ARGS;
    if (pm->has_cidr && cidr_same(&pm->cidr, cidr))
        return OT_ERR_NONE;
    struct snap s;
    snap_take(pm, &s);
    pm->has_cidr = true;
    pm->cidr = *cidr;
    unsigned c = finish(pm, &s, now_ms) | BR_PM_CHG_CIDR;
    if (chg)
        *chg = c;
    return OT_ERR_NONE;
}

/* Decimal number 0..max, at least one digit, ending at stop. */
static bool parse_dec(const char **pp, char stop, unsigned max, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > max)
            return false;
    }
    if (*p != stop)
        return false;
    *pp = p;
    *out = v;
    return true;
}

enum ot_err br_pm_set_cidr_str(struct br_pm *pm, const char *text, uint64_t now_ms, unsigned *chg)
{
    if (chg)
        *chg = 0;
    if (!text)
        return OT_ERR_INVALID_ARGS;
    struct addr_prefix4 c;
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        unsigned v;
        if (!parse_dec(&p, i < 3 ? '.' : '/', 255, &v))
            return OT_ERR_PARSE;
        c.addr[i] = (uint8_t)v;
        p++;
    }
    unsigned len;
    if (!parse_dec(&p, '\0', 32, &len))
        return OT_ERR_PARSE;
    c.len = (uint8_t)len;
    return br_pm_set_cidr(pm, &c, now_ms, chg);
}

unsigned br_pm_clear_cidr(struct br_pm *pm, uint64_t now_ms)
{
    if (!pm->has_cidr)
        return 0;
    struct snap s;
    snap_take(pm, &s);
    pm->has_cidr = false;
    memset(&pm->cidr, 0, sizeof(pm->cidr));
    return finish(pm, &s, now_ms) | BR_PM_CHG_CIDR;
}

enum ot_err br_pm_get_cidr(const struct br_pm *pm, struct addr_prefix4 *out)
{
    if (!pm->has_cidr)
        return OT_ERR_NOT_FOUND;
    if (out)
        *out = pm->cidr;
    return OT_ERR_NONE;
}

/* ---- evaluation --------------------------------------------------------- */

/* OT Nat64PrefixManager::GetFavoredPrefix. The infra prefix exists only while
 * the manager is started (OT clears it on Stop). */
static const struct addr_prefix6 *favored_nat64(const struct br_pm *pm, int8_t *pref)
{
    if (started(pm) && pm->has_infra && pm->has_omr_favored &&
        pm->omr_favored_pref >= NETDATA_PREF_MED) {
        *pref = NETDATA_PREF_MED;
        return &pm->infra;
    }
    *pref = NETDATA_PREF_LOW;
    return &pm->nat64_local;
}

/* OT OmrPrefixManager::Evaluate with the generated (auto) local prefix. */
static void evaluate_omr(struct br_pm *pm, const uint8_t *nd, size_t len)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg c;
    bool found = false;
    struct addr_prefix6 fav = {{0}, 0};
    int8_t fav_pref = NETDATA_PREF_MED;

    while (netdata_next_prefix(nd, len, NETDATA_ANY_RLOC16, &it, &c)) {
        if (!omr_valid(&c) || !c.preferred)
            continue;
        /* replace unless the current one is favored over c */
        bool cur_favored = fav_pref > c.preference ||
                           (fav_pref == c.preference && netdata_prefix_less(&fav, &c.prefix));
        if (!found || !cur_favored) {
            found = true;
            fav = c.prefix;
            fav_pref = c.preference;
        }
    }

    if (!found || fav_pref < NETDATA_PREF_LOW) {
        pm->omr_added = true;
        pm->has_omr_favored = true;
        pm->omr_favored = pm->omr_local;
        pm->omr_favored_pref = NETDATA_PREF_LOW;
        return;
    }
    pm->has_omr_favored = true;
    pm->omr_favored = fav;
    pm->omr_favored_pref = fav_pref;
    pm->omr_added = pfx_eq(&fav, &pm->omr_local);
}

/* OT Nat64PrefixManager::Evaluate. */
static void evaluate_nat64(struct br_pm *pm, const uint8_t *nd, size_t len)
{
    int8_t pref;
    const struct addr_prefix6 *fav = favored_nat64(pm, &pref);
    struct netdata_route_cfg nd_pref;
    bool found = netdata_find_nat64_prefix(nd, len, &nd_pref) == NETDATA_OK;

    bool publish = !found || nd_pref.preference < pref ||
                   (pm->has_published && pfx_eq(&nd_pref.prefix, &pm->published)) ||
                   (pm->has_infra && pfx_eq(&nd_pref.prefix, &pm->infra));
    if (publish) {
        if (!pm->has_published || !pfx_eq(fav, &pm->published) || pref != pm->published_pref) {
            pm->has_published = true;
            pm->published = *fav;
            pm->published_pref = pref;
        }
    } else {
        pm->has_published = false;
    }
    pm->has_other = found;
    if (found)
        pm->other = nd_pref;

    pm->has_xlat_prefix = pm->has_published && pfx_eq(&pm->published, &pm->nat64_local);
    if (pm->has_xlat_prefix)
        pm->xlat_prefix = pm->nat64_local;
    else
        memset(&pm->xlat_prefix, 0, sizeof(pm->xlat_prefix));

    pm->published_in_nd = false;
    if (pm->has_published) {
        struct netdata_iter it = NETDATA_ITER_INIT;
        struct netdata_route_cfg r;
        while (netdata_next_route(nd, len, pm->rloc16, &it, &r))
            if (r.nat64 && pfx_eq(&r.prefix, &pm->published))
                pm->published_in_nd = true;
    }
    pm->evaluated = true;
}

unsigned br_pm_evaluate(struct br_pm *pm, const uint8_t *netdata, size_t len, uint16_t rloc16,
                        uint64_t now_ms)
{
    struct snap s;
    snap_take(pm, &s);
    if (!netdata)
        len = 0;
    pm->eval_due_ms = BR_PM_NO_EVAL;
    pm->has_rloc16 = true;
    pm->rloc16 = rloc16;

    if (pm->has_infra && pm->infra_expiry_ms != BR_PM_NO_EVAL && now_ms >= pm->infra_expiry_ms) {
        pm->has_infra = false;
        memset(&pm->infra, 0, sizeof(pm->infra));
        pm->infra_expiry_ms = BR_PM_NO_EVAL;
    }
    if (pm->has_infra && pm->infra_expiry_ms != BR_PM_NO_EVAL)
        want_eval(pm, pm->infra_expiry_ms);

    if (running(pm)) {
        evaluate_omr(pm, netdata, len);
        if (pm->enabled)
            evaluate_nat64(pm, netdata, len);
    }
    rebuild_local(pm);
    return finish(pm, &s, now_ms);
}

uint64_t br_pm_next_eval_ms(const struct br_pm *pm)
{
    return pm->eval_due_ms;
}

/* ---- outputs ------------------------------------------------------------ */

const struct netdata_local *br_pm_local_netdata(const struct br_pm *pm)
{
    return &pm->local;
}

bool br_pm_translator_prefix(const struct br_pm *pm, struct addr_prefix6 *out)
{
    if (pm->has_xlat_prefix && out)
        *out = pm->xlat_prefix;
    return pm->has_xlat_prefix;
}

bool br_pm_nat64_in_netdata(const struct br_pm *pm)
{
    return pm->has_published && pm->published_in_nd;
}

enum br_pm_state br_pm_state(const struct br_pm *pm)
{
    if (!pm->enabled)
        return BR_PM_STATE_DISABLED;
    if (!running(pm))
        return BR_PM_STATE_NOT_RUNNING;
    return pm->has_published ? BR_PM_STATE_ACTIVE : BR_PM_STATE_IDLE;
}

enum br_pm_state br_pm_xlat_state(const struct br_pm *pm)
{
    if (!pm->enabled)
        return BR_PM_STATE_DISABLED;
    if (!pm->has_cidr || !pm->has_xlat_prefix || !pm->return_path)
        return BR_PM_STATE_NOT_RUNNING;
    return BR_PM_STATE_ACTIVE;
}

const char *br_pm_state_str(enum br_pm_state s)
{
    switch (s) {
    case BR_PM_STATE_DISABLED:
        return "Disabled";
    case BR_PM_STATE_NOT_RUNNING:
        return "NotRunning";
    case BR_PM_STATE_IDLE:
        return "Idle";
    case BR_PM_STATE_ACTIVE:
        return "Active";
    }
    return "";
}

enum br_pm_why br_pm_why(const struct br_pm *pm)
{
    if (!pm->enabled)
        return BR_PM_WHY_DISABLED;
    if (!pm->initialized)
        return BR_PM_WHY_NO_ULA;
    if (!pm->running)
        return BR_PM_WHY_NOT_RUNNING;
    if (pm->has_published)
        return pfx_eq(&pm->published, &pm->nat64_local) ? BR_PM_WHY_PUBLISHING_LOCAL
                                                        : BR_PM_WHY_PUBLISHING_INFRA;
    return pm->evaluated ? BR_PM_WHY_OTHER_PREFERRED : BR_PM_WHY_NOT_EVALUATED;
}

enum br_pm_why br_pm_xlat_why(const struct br_pm *pm)
{
    if (!pm->enabled)
        return BR_PM_WHY_DISABLED;
    if (!pm->has_xlat_prefix) {
        enum br_pm_why w = br_pm_why(pm);
        return w == BR_PM_WHY_PUBLISHING_INFRA ? BR_PM_WHY_EXTERNAL_TRANSLATOR : w;
    }
    if (!pm->has_cidr)
        return BR_PM_WHY_NO_CIDR;
    if (!pm->return_path)
        return BR_PM_WHY_NO_RETURN_PATH;
    return BR_PM_WHY_TRANSLATING;
}

uint64_t br_pm_since_ms(const struct br_pm *pm)
{
    return pm->pm_since_ms;
}

uint64_t br_pm_xlat_since_ms(const struct br_pm *pm)
{
    return pm->xlat_since_ms;
}

const char *br_pm_why_token(enum br_pm_why w)
{
    static const char *const tokens[BR_PM_WHY__COUNT] = {
        [BR_PM_WHY_DISABLED] = "disabled",
        [BR_PM_WHY_NO_ULA] = "no-ula",
        [BR_PM_WHY_NOT_RUNNING] = "routing-not-running",
        [BR_PM_WHY_NOT_EVALUATED] = "awaiting-evaluation",
        [BR_PM_WHY_OTHER_PREFERRED] = "other-br-preferred",
        [BR_PM_WHY_PUBLISHING_LOCAL] = "publishing-local",
        [BR_PM_WHY_PUBLISHING_INFRA] = "publishing-infra",
        [BR_PM_WHY_EXTERNAL_TRANSLATOR] = "external-translator",
        [BR_PM_WHY_NO_CIDR] = "no-cidr",
        [BR_PM_WHY_NO_RETURN_PATH] = "no-return-path",
        [BR_PM_WHY_TRANSLATING] = "translating",
    };
    if ((unsigned)w >= BR_PM_WHY__COUNT)
        return "unknown";
    return tokens[w];
}

const char *br_pm_fmt_reason(const struct br_pm *pm, bool xlat, char *buf, size_t cap)
{
    char p[NETDATA_PREFIX_STR];
    enum br_pm_why w = xlat ? br_pm_xlat_why(pm) : br_pm_why(pm);
    const char *pre = xlat ? "no NAT64 prefix: " : "";
    const char *in_nd = pm->published_in_nd ? "in Network Data" : "not yet in Network Data";

    if (!buf || cap == 0)
        return buf;
    switch (w) {
    case BR_PM_WHY_DISABLED:
        snprintf(buf, cap, "NAT64 disabled");
        break;
    case BR_PM_WHY_NO_ULA:
        snprintf(buf, cap, "%sno BR ULA prefix", pre);
        break;
    case BR_PM_WHY_NOT_RUNNING:
        snprintf(buf, cap, "%sborder routing not running", pre);
        break;
    case BR_PM_WHY_NOT_EVALUATED:
        snprintf(buf, cap, "%swaiting for the routing policy evaluation", pre);
        break;
    case BR_PM_WHY_OTHER_PREFERRED:
        if (pm->has_other)
            snprintf(buf, cap, "%s%s prf:%s of 0x%04x is preferred in Network Data", pre,
                     netdata_fmt_prefix(&pm->other.prefix, p),
                     netdata_fmt_pref(pm->other.preference), pm->other.rloc16);
        else
            snprintf(buf, cap, "%sanother NAT64 prefix is preferred in Network Data", pre);
        break;
    case BR_PM_WHY_PUBLISHING_LOCAL:
        snprintf(buf, cap, "publishing local prefix %s prf:%s (%s)",
                 netdata_fmt_prefix(&pm->published, p), netdata_fmt_pref(pm->published_pref),
                 in_nd);
        break;
    case BR_PM_WHY_PUBLISHING_INFRA:
        snprintf(buf, cap, "publishing infrastructure prefix %s prf:%s (%s)",
                 netdata_fmt_prefix(&pm->published, p), netdata_fmt_pref(pm->published_pref),
                 in_nd);
        break;
    case BR_PM_WHY_EXTERNAL_TRANSLATOR:
        snprintf(buf, cap,
                 "infrastructure prefix %s is published: the infrastructure NAT64 "
                 "translates",
                 netdata_fmt_prefix(&pm->published, p));
        break;
    case BR_PM_WHY_NO_CIDR:
        snprintf(buf, cap, "no IPv4 CIDR");
        break;
    case BR_PM_WHY_NO_RETURN_PATH:
        snprintf(buf, cap, "IPv4 return path (NAT44) not ready");
        break;
    case BR_PM_WHY_TRANSLATING:
        snprintf(buf, cap, "translating %s to %u.%u.%u.%u/%u",
                 netdata_fmt_prefix(&pm->xlat_prefix, p), pm->cidr.addr[0], pm->cidr.addr[1],
                 pm->cidr.addr[2], pm->cidr.addr[3], pm->cidr.len);
        break;
    default:
        snprintf(buf, cap, "unknown");
        break;
    }
    return buf;
}

enum ot_err br_pm_omr_local(const struct br_pm *pm, struct addr_prefix6 *out)
{
    if (!pm->initialized)
        return OT_ERR_INVALID_STATE;
    *out = pm->omr_local;
    return OT_ERR_NONE;
}

enum ot_err br_pm_omr_favored(const struct br_pm *pm, struct addr_prefix6 *out, int8_t *preference)
{
    if (!running(pm))
        return OT_ERR_INVALID_STATE;
    if (pm->has_omr_favored) {
        *out = pm->omr_favored;
        *preference = pm->omr_favored_pref;
    } else {
        memset(out, 0, sizeof(*out)); /* OT: a cleared FavoredOmrPrefix */
        *preference = NETDATA_PREF_MED;
    }
    return OT_ERR_NONE;
}

enum ot_err br_pm_nat64_local(const struct br_pm *pm, struct addr_prefix6 *out)
{
    if (!pm->initialized)
        return OT_ERR_INVALID_STATE;
    *out = pm->nat64_local;
    return OT_ERR_NONE;
}

enum ot_err br_pm_nat64_favored(const struct br_pm *pm, struct addr_prefix6 *out,
                                int8_t *preference)
{
    if (!pm->initialized)
        return OT_ERR_INVALID_STATE;
    int8_t pref;
    *out = *favored_nat64(pm, &pref);
    *preference = pref;
    return OT_ERR_NONE;
}

/* ---- CLI text ----------------------------------------------------------- */

void br_pm_fmt_state(FILE *f, const struct br_pm *pm)
{
    fprintf(f, "PrefixManager: %s\n", br_pm_state_str(br_pm_state(pm)));
    fprintf(f, "Translator: %s\n", br_pm_state_str(br_pm_xlat_state(pm)));
}

enum ot_err br_pm_fmt_cidr(FILE *f, const struct br_pm *pm)
{
    if (!pm->has_cidr)
        return OT_ERR_NOT_FOUND;
    fprintf(f, "%u.%u.%u.%u/%u\n", pm->cidr.addr[0], pm->cidr.addr[1], pm->cidr.addr[2],
            pm->cidr.addr[3], pm->cidr.len);
    return OT_ERR_NONE;
}

enum ot_err br_pm_parse_show(int argc, const char *const argv[], unsigned *show)
{
    if (argc <= 0 || !argv || !argv[0] || !argv[0][0]) {
        *show = BR_PM_SHOW_BOTH;
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "local") == 0)
        *show = BR_PM_SHOW_LOCAL;
    else if (strcmp(argv[0], "favored") == 0)
        *show = BR_PM_SHOW_FAVORED;
    else
        return OT_ERR_INVALID_ARGS;
    if (argc > 1 && argv[1] && argv[1][0])
        return OT_ERR_INVALID_ARGS;
    return OT_ERR_NONE;
}

typedef enum ot_err (*get_local_fn)(const struct br_pm *, struct addr_prefix6 *);
typedef enum ot_err (*get_favored_fn)(const struct br_pm *, struct addr_prefix6 *, int8_t *);

static enum ot_err fmt_prefixes(FILE *f, const struct br_pm *pm, unsigned show,
                                get_local_fn get_local, get_favored_fn get_favored)
{
    char buf[NETDATA_PREFIX_STR];
    struct addr_prefix6 p;
    enum ot_err err;

    if (show & BR_PM_SHOW_LOCAL) {
        if ((err = get_local(pm, &p)) != OT_ERR_NONE)
            return err;
        fprintf(f, "%s%s\n",
                show == BR_PM_SHOW_LOCAL ? "" : "Local: ", netdata_fmt_prefix(&p, buf));
    }
    if (show & BR_PM_SHOW_FAVORED) {
        int8_t pref;
        if ((err = get_favored(pm, &p, &pref)) != OT_ERR_NONE)
            return err;
        fprintf(f, "%s%s prf:%s\n",
                show == BR_PM_SHOW_FAVORED ? "" : "Favored: ", netdata_fmt_prefix(&p, buf),
                netdata_fmt_pref(pref));
    }
    return OT_ERR_NONE;
}

enum ot_err br_pm_fmt_omrprefix(FILE *f, const struct br_pm *pm, unsigned show)
{
    return fmt_prefixes(f, pm, show, br_pm_omr_local, br_pm_omr_favored);
}

enum ot_err br_pm_fmt_nat64prefix(FILE *f, const struct br_pm *pm, unsigned show)
{
    return fmt_prefixes(f, pm, show, br_pm_nat64_local, br_pm_nat64_favored);
}
