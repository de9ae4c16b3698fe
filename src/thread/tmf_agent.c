/*
 * TMF agent (thread-sim-interop.md §3.7, §3.8, §3.4): CoAP on UDP 61631,
 * MAC-secured only (the socket is IP6_SOCK_SECURE_ONLY).
 *   a/aq, a/an, a/ae  address resolution and the EID cache (addr_resolver.c);
 *   a/as  refused: 2.04 + Status 1 "no address available" (§3.8);
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
void tn_tmf_send_con(struct tnode *n, const uint8_t dst[16], enum tmf_uri uri,
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
        return;
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
            r->slot = idx;
            memcpy(r->dst, dst, 16);
            r->len = (uint16_t)olen;
            memcpy(r->msg, out, olen);
        }
    }
    tn_tmf_send(n, dst, out, olen);
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

static void rx_addr_solicit(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx)
{
    if (n->role != TNODE_LEADER) {
        n->cnt.tmf_drop_not_leader++;
        return;
    }
    /* Refuse: 2.04 + Status 1 (no address available), §3.8. */
    uint8_t out[TN_TMF_MSG_MAX];
    size_t olen;
    if (tmf_build_addr_solicit_reject(m, coap_next_mid(&n->coap), out, sizeof(out), &olen, NULL) !=
        TMF_OK) {
        n->cnt.tmf_drop_parse++;
        return;
    }
    struct coap_peer peer;
    memcpy(peer.addr, rx->src, 16);
    peer.port = rx->sport;
    coap_dedup_set_response(&n->coap, &peer, m->mid, out, olen);
    n->cnt.addr_solicits_refused++;
    tn_log(n, 3, "a/as refused (no address available)");
    tn_tmf_send(n, rx->src, out, olen);
}

void tn_tmf_udp_rx(void *ctx, const struct ip6_udp_rx *rx)
{
    struct tnode *n = ctx;
    if (n->role != TNODE_CHILD && n->role != TNODE_LEADER)
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
        if ((r == COAP_MATCH_RESPONSE || r == COAP_MATCH_RESET) && user)
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
        else if (ev == COAP_PENDING_TIMEOUT)
            r->used = false;
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
