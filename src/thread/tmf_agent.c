/*
 * TMF agent (thread-sim-interop.md §3.7, §3.8, §3.4): CoAP on UDP 61631,
 * MAC-secured only (the socket is IP6_SOCK_SECURE_ONLY).
 *   a/aq, a/an, a/ae  address resolution and the EID cache (addr_resolver.c);
 *   a/as  the leader's router ID allocation (router_table_solicit): 2.04 +
 *         Status [, RLOC16, Router Mask];
 *   a/ar  the leader releases a router ID (router_table_addr_release);
 *   a/sd  registers the sender's Network Data in the leader store.
 */
#include <string.h>

#include "thread/mesh.h"
#include "thread/tmf_agent.h"
#include "thread/tmf.h"

void tn_tmf_init(struct tnode *n)
{
    if (ip6_udp_bind(&n->ip, TMF_UDP_PORT, NULL, IP6_SOCK_SECURE_ONLY, tn_tmf_udp_rx, n) < 0)
        tn_log(n, 1, "cannot bind TMF port");
}

void tn_tmf_reset(struct tnode *n)
{
    tn_ar_reset(n);
    memset(n->retx, 0, sizeof(n->retx));
    coap_ctx_init(&n->coap, (uint16_t)tn_rand32(n));
}

/* TMF from our RLOC (mesh-local and multicast destinations). */
enum ot_err tn_tmf_send(struct tnode *n, const uint8_t dst[16], const uint8_t *msg, size_t len)
{
    const struct ip6_uaddr *rloc = ip6_addr_of_kind(&n->ip, IP6_ADDR_RLOC);
    const uint8_t *src = (rloc && (dst[0] == 0xff || tn_is_ml(n, dst))) ? rloc->addr : NULL;
    uint8_t pkt[IP6_HDR_LEN + IP6_UDP_HDR_LEN + 256];
    size_t plen;
    if (len > 256 || ip6_build_udp(&n->ip, src, dst, TMF_UDP_PORT, TMF_UDP_PORT, msg, len, 0, pkt,
                                   sizeof(pkt), &plen) != IP6_OK) {
        n->cnt.tmf_tx_errors++;
        return OT_ERR_NO_BUFS;
    }
    n->cnt.tmf_tx++;
    return tn_mesh_send(n, pkt, plen, TN_FROM_LOCAL);
}

void tn_tmf_reply(struct tnode *n, const struct coap_msg *req, const struct ip6_udp_rx *rx,
                  uint8_t code, const uint8_t *payload, size_t plen)
{
    uint8_t out[TN_TMF_MSG_MAX];
    size_t olen;
    if (tmf_build_response(req, code, coap_next_mid(&n->coap), payload, plen, out, sizeof(out),
                           &olen, NULL) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    struct coap_peer peer;
    memcpy(peer.addr, rx->src, 16);
    peer.port = rx->sport;
    coap_dedup_set_response(&n->coap, &peer, req->mid, out, olen);
    tn_tmf_send(n, rx->src, out, olen);
}

/* Sends a CON request and keeps it for retransmission. */
enum ot_err tn_tmf_send_con(struct tnode *n, const uint8_t dst[16], enum tmf_uri uri,
                            const uint8_t *payload, size_t plen)
{
    struct tn_tmf_retx *r = NULL;
    for (unsigned i = 0; i < TN_TMF_RETX && !r; i++)
        if (!n->retx[i].used)
            r = &n->retx[i];
    uint8_t token[2];
    n->tmf_token++;
    token[0] = (uint8_t)(n->tmf_token >> 8);
    token[1] = (uint8_t)n->tmf_token;
    uint8_t out[TN_TMF_MSG_MAX];
    size_t olen;
    if (tmf_build_request(COAP_TYPE_CON, coap_next_mid(&n->coap), token, 2, uri, payload, plen, out,
                          sizeof(out), &olen, NULL) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return OT_ERR_NO_BUFS;
    }
    if (r) {
        struct coap_msg m;
        struct coap_peer peer;
        memcpy(peer.addr, dst, 16);
        peer.port = TMF_UDP_PORT;
        unsigned idx;
        if (coap_parse(out, olen, &m) == COAP_OK &&
            coap_pending_add(&n->coap, &peer, &m, n->now, tn_rand32(n), r, &idx) == COAP_OK) {
            r->used = true;
            r->uri = (uint8_t)uri;
            r->slot = idx;
            memcpy(r->dst, dst, 16);
            r->len = (uint16_t)olen;
            memcpy(r->msg, out, olen);
        }
    }
    return tn_tmf_send(n, dst, out, olen);
}

/* ---- resources ------------------------------------------------------------------ */

static void rx_server_data(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    if (n->role != TNODE_LEADER) {
        n->cnt.tmf_drop_not_leader++;
        return;
    }
    struct tmf_server_data sd;
    uint16_t rloc;
    if (tmf_parse_server_data(m->payload, m->payload_len, &sd) != TMF_OK || !tn_is_ml(n, rx->src) ||
        !ip6_iid_is_locator(rx->src, &rloc)) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    uint8_t v = n->store.version;
    if (sd.has_rloc16 && sd.rloc16 != rloc)
        netdata_leader_remove_rloc(&n->store, sd.rloc16, false);
    if (sd.has_network_data) {
        struct netdata_leader save = n->store;
        enum netdata_err e =
            netdata_leader_register(&n->store, rloc, sd.network_data, sd.network_data_len);
        if (e != NETDATA_OK) {
            tn_log(n, 2, "a/sd from 0x%04x refused: %s", rloc, netdata_err_str(e));
            n->store = save;
        }
    }
    if (m->type == COAP_TYPE_CON)
        tn_tmf_reply(n, m, rx, COAP_CODE_CHANGED, NULL, 0);
    if (v != n->store.version)
        n->up.netdata_changed(n);
}

/* CountBorderRouters(kRouterRoleOnly): distinct router RLOC16s with a
 * Border Router or Has Route entry in the leader's Network Data. */
unsigned tn_tmf_br_routers(const struct tnode *n)
{
    uint64_t seen = 0;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg p;
    struct netdata_route_cfg r;
    while (netdata_next_prefix(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &p))
        if ((p.rloc16 & 0x1ff) == 0 && (p.rloc16 >> 10) <= ROUTER_TABLE_MAX_ID)
            seen |= 1ull << (p.rloc16 >> 10);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    while (netdata_next_route(n->netdata, n->netdata_len, NETDATA_ANY_RLOC16, &it, &r))
        if ((r.rloc16 & 0x1ff) == 0 && (r.rloc16 >> 10) <= ROUTER_TABLE_MAX_ID)
            seen |= 1ull << (r.rloc16 >> 10);
    unsigned k = 0;
    for (; seen; seen &= seen - 1)
        k++;
    return k;
}

/* a/as (Thread 1.3 §5.11; mle_ftd.cpp ProcessAddressSolicit): the router
 * table decides; 2.04 with Status [, RLOC16, Router Mask]. */
static void rx_addr_solicit(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    if (n->role != TNODE_LEADER) {
        n->cnt.tmf_drop_not_leader++;
        tn_log(n, 2, "a/as dropped (not leader)");
        return;
    }
    struct tmf_addr_solicit as;
    if (tmf_parse_addr_solicit(m->payload, m->payload_len, &as) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    struct router_table_solicit req = {0};
    memcpy(req.ext, as.ext_mac, 8);
    req.reason = as.reason;
    req.has_rloc16 = as.has_rloc16;
    req.rloc16 = as.rloc16;
    req.br_routers = tn_tmf_br_routers(n);
    req.rnd = tn_rand32(n);
    struct router_table_solicit_answer a = router_table_solicit(&n->rt, &req, n->now);
    struct tmf_addr_solicit_rsp rsp = {.status = a.status};
    if (a.status == ROUTER_TABLE_AS_SUCCESS) {
        rsp.has_rloc16 = true;
        rsp.rloc16 = router_table_rloc16(a.id);
        rsp.has_router_mask = true;
        rsp.router_mask.id_seq = n->rt.id_seq;
        router_table_mask(&n->rt, rsp.router_mask.mask);
        n->cnt.addr_solicits_granted++;
    } else {
        n->cnt.addr_solicits_refused++;
    }
    tn_log(n, 3, "a/as: %s (router id %u)", router_table_as_why_name(a.why), a.id);
    uint8_t pl[64];
    size_t plen;
    if (tmf_build_addr_solicit_rsp(&rsp, pl, sizeof(pl), &plen) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    tn_tmf_reply(n, m, rx, COAP_CODE_CHANGED, pl, plen);
    if (a.status == ROUTER_TABLE_AS_SUCCESS)
        n->up.routers_changed(n);
}

/* a/ar (mle_ftd.cpp HandleAddressRelease): the router with this RLOC16 and
 * ext address gives its ID back; a mismatch gets no answer. */
static void rx_addr_release(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    if (n->role != TNODE_LEADER) {
        n->cnt.tmf_drop_not_leader++;
        return;
    }
    struct tmf_addr_release ar;
    if (tmf_parse_addr_release(m->payload, m->payload_len, &ar) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    if (router_table_addr_release(&n->rt, ar.rloc16, ar.ext_mac, n->now) != OT_ERR_NONE) {
        n->cnt.tmf_drop_addr_release++;
        tn_log(n, 2, "a/ar for 0x%04x dropped (not that router)", ar.rloc16);
        return;
    }
    n->cnt.addr_releases++;
    tn_log(n, 3, "a/ar: router id %u released", ar.rloc16 >> 10);
    if (m->type == COAP_TYPE_CON)
        tn_tmf_reply(n, m, rx, COAP_CODE_CHANGED, NULL, 0);
    n->up.router_released(n, (uint8_t)(ar.rloc16 >> 10));
}

/* The leader's RLOC (mesh-local prefix + 0:ff:fe00:<leader RLOC16>). */
static bool leader_rloc(const struct tnode *n, uint8_t out[16])
{
    const uint8_t *ml = tn_ml_prefix(n);
    if (!ml)
        return false;
    static const uint8_t iid[6] = {0, 0, 0, 0xff, 0xfe, 0};
    memcpy(out, ml, 8);
    memcpy(out + 8, iid, 6);
    out[14] = (uint8_t)(n->leader.leader_router_id << 2);
    out[15] = 0;
    return true;
}

enum ot_err tn_tmf_addr_solicit(struct tnode *n, uint8_t reason)
{
    struct tmf_addr_solicit as = {.reason = reason};
    memcpy(as.ext_mac, n->ext, 8);
    if (n->prev_router_id <= ROUTER_TABLE_MAX_ID) {
        as.has_rloc16 = true; /* our former router ID, if still free */
        as.rloc16 = router_table_rloc16(n->prev_router_id);
    }
    uint8_t pl[32], dst[16];
    size_t plen;
    if (!leader_rloc(n, dst) || tmf_build_addr_solicit(&as, pl, sizeof(pl), &plen) != TMF_OK)
        return OT_ERR_INVALID_STATE;
    tn_log(n, 3, "a/as to the leader (reason %u)", reason);
    return tn_tmf_send_con(n, dst, TMF_URI_ADDR_SOLICIT, pl, plen);
}

void tn_tmf_addr_release(struct tnode *n, uint16_t rloc16)
{
    struct tmf_addr_release ar = {.rloc16 = rloc16};
    memcpy(ar.ext_mac, n->ext, 8);
    uint8_t pl[32], dst[16];
    size_t plen;
    if (leader_rloc(n, dst) && tmf_build_addr_release(&ar, pl, sizeof(pl), &plen) == TMF_OK)
        tn_tmf_send_con(n, dst, TMF_URI_ADDR_RELEASE, pl, plen);
}

void tn_tmf_server_data(struct tnode *n, uint16_t old_rloc16)
{
    struct tmf_server_data sd = {.has_network_data = true};
    sd.network_data = n->local_nd;
    sd.network_data_len = n->local_nd_len;
    if (old_rloc16 != MAC_SHORT_NONE && old_rloc16 != n->rloc16) {
        sd.has_rloc16 = true; /* the leader drops what we registered under it */
        sd.rloc16 = old_rloc16;
    }
    uint8_t pl[TN_TMF_MSG_MAX - 32], dst[16];
    size_t plen;
    if (!leader_rloc(n, dst) || tmf_build_server_data(&sd, pl, sizeof(pl), &plen) != TMF_OK) {
        n->cnt.tmf_tx_errors++;
        return;
    }
    dst[14] = (uint8_t)(TN_LEADER_ALOC >> 8); /* the leader ALOC, not its RLOC */
    dst[15] = (uint8_t)TN_LEADER_ALOC;
    tn_tmf_send_con(n, dst, TMF_URI_SERVER_DATA, pl, plen);
}

/* The answer to a request of ours (piggybacked ACK). */
static void rx_answer(struct tnode *n, const struct coap_msg *m, struct tn_tmf_retx *r)
{
    r->used = false;
    if (r->uri != TMF_URI_ADDR_SOLICIT)
        return;
    struct tmf_addr_solicit_rsp rsp;
    if (m->code != COAP_CODE_CHANGED ||
        tmf_parse_addr_solicit_rsp(m->payload, m->payload_len, &rsp) != TMF_OK) {
        n->cnt.tmf_drop_parse++;
        n->up.addr_solicit_done(n, NULL);
        return;
    }
    n->up.addr_solicit_done(n, &rsp);
}

void tn_tmf_udp_rx(void *ctx, const struct ip6_udp_rx *rx)
{
    struct tnode *n = ctx;
    if (n->role != TNODE_CHILD && n->role != TNODE_ROUTER && n->role != TNODE_LEADER)
        return;
    struct coap_msg m;
    if (coap_parse(rx->payload, rx->len, &m) != COAP_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    struct coap_peer peer;
    memcpy(peer.addr, rx->src, 16);
    peer.port = rx->sport;
    n->cnt.tmf_rx++;
    if (m.type == COAP_TYPE_ACK || m.type == COAP_TYPE_RST) {
        void *user = NULL;
        enum coap_match r = coap_pending_match(&n->coap, &peer, &m, n->now, &user);
        if (r == COAP_MATCH_RESPONSE && user)
            rx_answer(n, &m, user);
        else if (r == COAP_MATCH_RESET && user)
            ((struct tn_tmf_retx *)user)->used = false;
        return;
    }
    if (coap_code_kind(m.code) != COAP_KIND_REQUEST)
        return;
    const uint8_t *resp;
    size_t rlen;
    if (coap_dedup_check(&n->coap, &peer, m.type, m.mid, n->now, &resp, &rlen) ==
        COAP_DEDUP_DUPLICATE) {
        n->cnt.tmf_drop_duplicate++;
        if (rlen) {
            uint8_t copy[COAP_DEDUP_RESP_MAX];
            memcpy(copy, resp, rlen);
            tn_tmf_send(n, rx->src, copy, rlen);
        }
        return;
    }
    switch (tmf_uri_of(&m)) {
    case TMF_URI_ADDR_QUERY:
        tn_ar_rx_query(n, &m, rx);
        break;
    case TMF_URI_ADDR_NOTIFY:
        tn_ar_rx_notify(n, &m, rx);
        break;
    case TMF_URI_ADDR_ERROR:
        tn_ar_rx_error(n, &m, rx);
        break;
    case TMF_URI_SERVER_DATA:
        rx_server_data(n, &m, rx);
        break;
    case TMF_URI_ADDR_SOLICIT:
        rx_addr_solicit(n, &m, rx);
        break;
    case TMF_URI_ADDR_RELEASE:
        rx_addr_release(n, &m, rx);
        break;
    default:
        n->cnt.tmf_drop_unknown_uri++;
        if (m.type == COAP_TYPE_CON)
            tn_tmf_reply(n, &m, rx, COAP_CODE_NOT_FOUND, NULL, 0);
        break;
    }
}

/* ---- timers ---------------------------------------------------------------------- */

void tn_tmf_process(struct tnode *n)
{
    unsigned idx;
    void *user;
    enum coap_pending_event ev;
    while ((ev = coap_pending_poll(&n->coap, n->now, &idx, &user)) != COAP_PENDING_IDLE) {
        struct tn_tmf_retx *r = user;
        if (!r)
            continue;
        if (ev == COAP_PENDING_RESEND && r->used)
            tn_tmf_send(n, r->dst, r->msg, r->len);
        else if (ev == COAP_PENDING_TIMEOUT) {
            r->used = false;
            if (r->uri == TMF_URI_ADDR_SOLICIT)
                n->up.addr_solicit_done(n, NULL);
        }
    }
    tn_ar_process(n);
}

int64_t tn_tmf_next(const struct tnode *n)
{
    int64_t t = -1;
    uint64_t c = coap_pending_next_ms(&n->coap);
    if (c != UINT64_MAX)
        t = tn_until(n->now, c);
    return tn_min_due(t, tn_ar_next(n));
}
