/*
 * Border routing on the infrastructure link; see infra_link.h.
 */
#include "br/infra_link.h"

#include <stdio.h>
#include <string.h>

#include "br/log.h"
#include "br/ra.h"

static bool prefix_eq(const struct addr_prefix6 *x, const struct addr_prefix6 *y)
{
    return x->len == y->len && memcmp(x->addr, y->addr, 16) == 0;
}

static uint64_t rand_between(struct br_infra_link *l, uint64_t lo, uint64_t hi)
{
    uint32_t r;

    l->cfg.random(l->cfg.user, (uint8_t *)&r, sizeof(r));
    return hi <= lo ? lo : lo + r % (hi - lo + 1);
}

void br_infra_link_init(struct br_infra_link *l, const struct br_infra_link_cfg *cfg)
{
    memset(l, 0, sizeof(*l));
    l->cfg = *cfg;
    snprintf(l->ifname, sizeof(l->ifname), "%s", cfg->ifname != NULL ? cfg->ifname : "");
    l->cfg.ifname = NULL;
    l->ra_due_ms = BR_INFRA_LINK_NONE;
}

/* Sends one RA with what is wanted, and zero lifetimes for what was
 * advertised and is no longer (final: everything withdrawn). */
static void ra_send(struct br_infra_link *l, bool final, uint64_t now_ms)
{
    struct ra_msg m;
    uint8_t buf[RA_MSG_MAX];
    char e[256] = "too long";
    size_t len;
    bool omr = l->want_omr && !final, pio = l->want_pio && !final;

    memset(&m, 0, sizeof(m));
    m.has_slla = l->cfg.ops->mac(l->cfg.sock, m.slla);
    if (pio) {
        struct ra_pio *p = &m.pio[m.n_pio++];

        p->prefix = l->pio_want;
        p->on_link = p->autonomous = true;
        p->valid_s = p->preferred_s = BR_INFRA_LINK_RA_LIFETIME_S;
    }
    if (l->adv_pio && (!pio || !prefix_eq(&l->pio_adv, &l->pio_want))) {
        struct ra_pio *p = &m.pio[m.n_pio++];

        p->prefix = l->pio_adv;
        p->on_link = p->autonomous = true; /* deprecated: lifetimes 0 */
    }
    if (omr) {
        struct ra_rio *r = &m.rio[m.n_rio++];

        r->prefix = l->omr_want;
        r->pref = RA_PREF_MED;
        r->lifetime_s = BR_INFRA_LINK_RA_LIFETIME_S;
    }
    if (l->adv_omr && (!omr || !prefix_eq(&l->omr_adv, &l->omr_want))) {
        struct ra_rio *r = &m.rio[m.n_rio++];

        r->prefix = l->omr_adv;
        r->pref = RA_PREF_MED;
    }
    len = ra_build(&m, buf, sizeof(buf));
    if (len == 0 || l->cfg.ops->send_all_nodes(l->cfg.sock, buf, len, e, sizeof(e)) != 0) {
        l->ctr.ra_tx_errors++;
        br_log(l->cfg.log, l->cfg.user, 4, "infra: RA on %s: %s", l->ifname, e);
        /* e.g. no link-local address yet (DAD): try again soon */
        l->ra_due_ms = now_ms + 1000;
        return;
    }
    l->ctr.ra_tx++;
    l->ra_sent = true;
    l->ra_last_ms = now_ms;
    l->adv_omr = omr;
    l->omr_adv = l->omr_want;
    l->adv_pio = pio;
    l->pio_adv = l->pio_want;
    l->ra_initial++;
    if (!omr && !pio)
        l->ra_due_ms = BR_INFRA_LINK_NONE;
    else if (l->ra_initial < BR_INFRA_LINK_RA_INITIAL_COUNT)
        l->ra_due_ms = now_ms + BR_INFRA_LINK_RA_INITIAL_INTERVAL_MS;
    else
        l->ra_due_ms = now_ms + rand_between(l, BR_INFRA_LINK_RA_MIN_INTERVAL_MS,
                                             BR_INFRA_LINK_RA_MAX_INTERVAL_MS);
}

void br_infra_link_stop(struct br_infra_link *l, uint64_t now_ms)
{
    if (l->adv_omr || l->adv_pio) {
        ra_send(l, true, now_ms); /* hosts drop our routes and prefix now */
        br_log(l->cfg.log, l->cfg.user, 3, "infra: final RA sent on %s", l->ifname);
    }
}

/* Our on-link prefix from the Extended PAN ID. */
static void update_local(struct br_infra_link *l, const struct br_infra_link_input *in)
{
    struct addr_prefix6 p;

    if (!in->has_xpanid)
        return;
    ra_onlink_prefix_from_xpanid(in->xpanid, &p);
    if (!l->has_onlink_local || !prefix_eq(&p, &l->onlink_local)) {
        char s[ADDR_STR6];

        br_log(l->cfg.log, l->cfg.user, 3, "infra: local on-link prefix %s/64",
               addr_fmt6(p.addr, s));
        l->onlink_local = p;
        l->has_onlink_local = true;
    }
}

bool br_infra_link_update(struct br_infra_link *l, const struct br_infra_link_input *in,
                          uint64_t now_ms)
{
    struct addr_prefix6 pub;
    bool want_omr, want_pio, want_pub, changed = false;

    if (in != &l->in)
        l->in = *in;
    update_local(l, in);
    if (l->has_onlink_other && now_ms >= l->onlink_other_expire_ms) {
        br_log(l->cfg.log, l->cfg.user, 3, "infra: the other router's on-link prefix expired");
        l->has_onlink_other = false;
    }
    want_omr = in->running && in->has_omr && in->omr.len == 64;
    want_pio = in->running && l->has_onlink_local && !l->has_onlink_other;
    want_pub = in->running && (l->has_onlink_other || l->has_onlink_local);
    if (want_pub)
        pub = l->has_onlink_other ? l->onlink_other : l->onlink_local;
    else
        memset(&pub, 0, sizeof(pub));

    if (want_omr != l->want_omr || (want_omr && !prefix_eq(&in->omr, &l->omr_want)) ||
        want_pio != l->want_pio || (want_pio && !prefix_eq(&l->onlink_local, &l->pio_want))) {
        l->want_omr = want_omr;
        if (want_omr)
            l->omr_want = in->omr;
        l->want_pio = want_pio;
        if (want_pio)
            l->pio_want = l->onlink_local;
        /* New content: advertise it now and repeat it as at start. */
        l->ra_initial = 0;
        if (want_omr || want_pio || l->adv_omr || l->adv_pio)
            l->ra_due_ms = now_ms;
    }
    if (want_pub != l->has_onlink_pub || (want_pub && !prefix_eq(&pub, &l->onlink_pub))) {
        char s[ADDR_STR6];

        if (want_pub)
            br_log(l->cfg.log, l->cfg.user, 3,
                   "infra: on-link prefix %s/64 published in Network Data (%s)",
                   addr_fmt6(pub.addr, s), l->has_onlink_other ? "another router's" : "ours");
        else
            br_log(l->cfg.log, l->cfg.user, 3, "infra: on-link prefix withdrawn from Network Data");
        l->has_onlink_pub = want_pub;
        l->onlink_pub = pub;
        changed = true;
    }
    if (now_ms >= l->ra_due_ms)
        ra_send(l, false, now_ms);
    return changed;
}

static bool is_link_local6(const uint8_t *x)
{
    return x[0] == 0xfe && (x[1] & 0xc0) == 0x80;
}

/* An RS: schedule the multicast answer (RFC 4861 §6.2.6). */
static void rs_rx(struct br_infra_link *l, uint64_t now_ms)
{
    uint64_t due;

    l->ctr.rs_rx++;
    if (!l->want_omr && !l->want_pio)
        return;
    due = now_ms + rand_between(l, 0, BR_INFRA_LINK_RA_RS_DELAY_MS);
    if (l->ra_sent && due < l->ra_last_ms + BR_INFRA_LINK_RA_MIN_DELAY_MS)
        due = l->ra_last_ms + BR_INFRA_LINK_RA_MIN_DELAY_MS;
    if (due < l->ra_due_ms)
        l->ra_due_ms = due;
}

/* One PREF64 option of a valid RA from src: taken or refused (see the
 * header: RFC 8781 §4-5 and cfg.pref64_from). */
static void pref64_rx(struct br_infra_link *l, const struct ra_pref64 *p, const uint8_t src[16],
                      uint64_t now_ms)
{
    char s[ADDR_STR6], r[ADDR_STR6];
    const char *why = NULL;
    bool ours;

    if (l->has_pref64 && now_ms >= l->pref64_expire_ms)
        l->has_pref64 = false;
    ours =
        l->has_pref64 && prefix_eq(&p->prefix, &l->pref64) && memcmp(src, l->pref64_src, 16) == 0;
    if (l->cfg.pref64_from == BR_INFRA_LINK_PREF64_OFF)
        why = "PREF64 is not taken (tbr-agent --pref64)";
    else if (l->cfg.pref64_from == BR_INFRA_LINK_PREF64_ROUTER &&
             memcmp(src, l->cfg.pref64_router, 16) != 0)
        why = "not the router --pref64 names";
    else if (p->lifetime_s == 0 && !ours)
        why = "withdraws a prefix not in use";
    if (why != NULL) {
        l->ctr.pref64_ignored++;
        br_log(l->cfg.log, l->cfg.user, 4, "infra: PREF64 %s/%u from %s ignored: %s",
               addr_fmt6(p->prefix.addr, s), (unsigned)p->prefix.len, addr_fmt6(src, r), why);
        return;
    }
    l->ctr.pref64_rx++;
    br_log(l->cfg.log, l->cfg.user, 3, "infra: PREF64 %s/%u lifetime %us from %s",
           addr_fmt6(p->prefix.addr, s), (unsigned)p->prefix.len, (unsigned)p->lifetime_s,
           addr_fmt6(src, r));
    l->has_pref64 = p->lifetime_s != 0;
    l->pref64 = p->prefix;
    memcpy(l->pref64_src, src, 16);
    l->pref64_expire_ms = now_ms + (uint64_t)p->lifetime_s * 1000u;
    if (l->cfg.pref64 != NULL)
        l->cfg.pref64(l->cfg.user, &p->prefix, p->lifetime_s, now_ms);
}

bool br_infra_link_rx(struct br_infra_link *l, const uint8_t *msg, size_t len,
                      const uint8_t src[16], int hop_limit, uint64_t now_ms)
{
    struct ra_msg m;

    if (hop_limit != 255 || !is_link_local6(src)) {
        l->ctr.icmp6_rx_bad++;
        return false;
    }
    if (len > 0 && msg[0] == RA_ICMP6_RS) {
        if (!ra_is_rs(msg, len))
            l->ctr.icmp6_rx_bad++;
        else
            rs_rx(l, now_ms);
        return false;
    }
    if (!ra_parse(msg, len, &m)) {
        l->ctr.icmp6_rx_bad++;
        return false;
    }
    l->ctr.ra_rx++;
    for (unsigned i = 0; i < m.n_pio; i++) {
        const struct ra_pio *p = &m.pio[i];
        char s[ADDR_STR6];

        if (!p->on_link || !p->autonomous || p->prefix.len != 64 ||
            (l->has_onlink_local && prefix_eq(&p->prefix, &l->onlink_local)))
            continue;
        if (p->valid_s == 0) {
            if (l->has_onlink_other && prefix_eq(&p->prefix, &l->onlink_other))
                l->onlink_other_expire_ms = now_ms;
            continue;
        }
        if (!l->has_onlink_other || !prefix_eq(&p->prefix, &l->onlink_other))
            br_log(l->cfg.log, l->cfg.user, 3, "infra: %s advertises on-link prefix %s/64",
                   l->ifname, addr_fmt6(p->prefix.addr, s));
        l->has_onlink_other = true;
        l->onlink_other = p->prefix;
        l->onlink_other_expire_ms = now_ms + (uint64_t)p->valid_s * 1000u;
    }
    for (unsigned i = 0; i < m.n_pref64; i++)
        pref64_rx(l, &m.pref64[i], src, now_ms);
    return br_infra_link_update(l, &l->in, now_ms);
}

bool br_infra_link_read(struct br_infra_link *l, uint64_t now_ms)
{
    bool changed = false;

    for (int i = 0; i < 16; i++) {
        uint8_t buf[1500], src[16];
        char e[256];
        int hlim = -1;
        ssize_t n = l->cfg.ops->recv(l->cfg.sock, buf, sizeof(buf), src, &hlim, e, sizeof(e));

        if (n < 0)
            br_log(l->cfg.log, l->cfg.user, 2, "infra: recv: %s", e);
        if (n <= 0)
            break;
        changed |= br_infra_link_rx(l, buf, (size_t)n, src, hlim, now_ms);
    }
    return changed;
}

bool br_infra_link_onlink(const struct br_infra_link *l, struct addr_prefix6 *out)
{
    if (!l->has_onlink_pub)
        return false;
    *out = l->onlink_pub;
    return true;
}

uint64_t br_infra_link_next_ms(const struct br_infra_link *l)
{
    return l->ra_due_ms;
}

const struct br_infra_link_counters *br_infra_link_counters(const struct br_infra_link *x)
{
    return &x->ctr;
}
