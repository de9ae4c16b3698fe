/*
 * The mesh path: IPv6 <-> 6LoWPAN <-> MAC, as OpenThread's mesh_forwarder*.cpp.
 *
 * Send (tn_mesh_send): multicast -> 0xffff (realm-local and larger with the
 *   MPL option, RFC 7731, ip6/mpl.h); link-local -> ext address from the IID
 *   (or the short address of a locator IID); our own address -> loopback;
 *   outside the mesh -> our host side (cfg->host_rx) in any role; a child ->
 *   its parent; a router / leader (UpdateIp6RouteFtd) -> the destination's
 *   RLOC16 (locator IID, ALOC via the Network Data, a child's registered
 *   address, the EID cache or an address query, addr_resolver.c through
 *   n->up, or the border router of RouteLookup, mesh_route.c), then the next
 *   hop: directly when it is the destination, else with a 6LoWPAN mesh
 *   header (RFC 4944 §5.2, hops left 19, originator our RLOC16). MAC source:
 *   ext when the IPv6 source IID is our ext-derived one, else the short
 *   address (always short under a mesh header). MAC security for everything
 *   but MLE; MLE too when it must be fragmented (§3.1). 6LoWPAN compression
 *   with the context table, fragmentation (§3.5), then a frame queue feeding
 *   the MAC's bounded queue.
 *
 * Receive (MAC rx callback): a mesh header (HandleMesh) -> ours or an MTD
 * child's: reassembled against the mesh addresses; else relayed frame by
 * frame (hops left, loops, no route: counted drops); reassembly ->
 * unsecured frames must be MLE -> EID snooping -> MPL (each message once,
 * buffered for retransmission on routers) -> the node's IPv6 input
 * (n->up.ip6_input: TCP, MLE / TMF sockets, echo) -> forwarding on routers
 * (or to our host side).
 *
 * Also the secured MLE send the role files use (tn_mle_send, interop §3.3).
 * The layer below tmf_agent.c / addr_resolver.c and the MLE role files
 * (node_priv.h).
 */
#include <string.h>

#include "thread/mesh.h"
#include "lowpan/lowpan_mesh.h"
#include "util/rd.h"

static uint32_t mpl_rand(void *user)
{
    return tn_rand32(user);
}

void tn_mesh_init(struct tnode *n)
{
    n->txq_head = n->txq_count = 0;
    n->rx.mesh_orig = n->rx.mesh_final = TN_MESH_NO_RLOC16;
    mpl_init(&n->mpl, mpl_rand, n);
}

const struct mpl_counters *tnode_mpl_counters(const struct tnode *n)
{
    return &n->mpl.cnt;
}

/* ---- MPL (RFC 7731, ip6/mpl.h) ------------------------------------------------ */

/* The MPL context follows our role and RLOC (routers and the leader are
 * forwarders that retransmit, children only seed and receive). */
static void mpl_sync(struct tnode *n)
{
    enum mpl_role r = tn_mesh_is_router(n)     ? MPL_ROLE_ROUTER
                      : n->role == TNODE_CHILD ? MPL_ROLE_CHILD
                                               : MPL_ROLE_DETACHED;
    if (n->mpl.role != r)
        mpl_set_role(&n->mpl, r);
    const struct ip6_uaddr *rloc = ip6_addr_of_kind(&n->ip, IP6_ADDR_RLOC);
    if (rloc && (!n->mpl.has_identity || n->mpl.rloc16 != n->rloc16 ||
                 memcmp(n->mpl.ml_rloc, rloc->addr, 16) != 0))
        mpl_set_identity(&n->mpl, rloc->addr, n->rloc16);
}

static void mpl_send(void *user, const uint8_t *pkt, size_t len, bool retransmission)
{
    struct tnode *n = user;
    (void)retransmission;
    struct mac_addr b = {.mode = MAC_ADDR_SHORT, .short_addr = MAC_SHORT_BROADCAST};
    if (tn_mesh_send_to(n, pkt, len, &b) == OT_ERR_NONE)
        n->cnt.mpl_retx++;
}

/* Realm-local (and larger) multicast we originate or take from the host:
 * the MPL option (or the tunnel to ff03::fc), our seed recorded and, on a
 * router, the message buffered for its retransmission (Ip6::SendDatagram ->
 * AddMplOption / InsertMplOption, Mpl::AddBufferedMessage). */
static enum ot_err mpl_originate(struct tnode *n, const uint8_t *pkt, size_t len)
{
    struct mac_addr b = {.mode = MAC_ADDR_SHORT, .short_addr = MAC_SHORT_BROADCAST};
    mpl_sync(n);
    uint8_t out[IP6_MTU];
    size_t olen;
    if (!n->mpl.has_identity || len + MPL_IP6_HDR_LEN + MPL_HBH_SIZE > IP6_MTU ||
        mpl_encapsulate(&n->mpl, pkt, len, out, sizeof(out), &olen) != OT_ERR_NONE)
        return tn_mesh_send_to(n, pkt, len, &b); /* no RLOC yet, or too big: as is */
    mpl_input(&n->mpl, out, olen, false, n->now, NULL);
    n->cnt.mpl_tx++;
    return tn_mesh_send_to(n, out, olen, &b);
}

static bool is_link_local(const uint8_t a[16])
{
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* UDP to port 19788 right after the IPv6 header (MLE never has extension
 * headers). */
static bool is_mle(const uint8_t *pkt, size_t len)
{
    return len >= IP6_HDR_LEN + IP6_UDP_HDR_LEN && pkt[6] == IP6_PROTO_UDP &&
           be16_get(pkt + IP6_HDR_LEN + 2) == MLE_UDP_PORT;
}

void tn_mesh_ll_from_mac(const struct mac_addr *a, uint16_t pan, struct lowpan_lladdr *ll)
{
    memset(ll, 0, sizeof(*ll));
    ll->pan_id = pan;
    if (a->mode == MAC_ADDR_SHORT) {
        ll->mode = LOWPAN_LL_SHORT;
        ll->short_addr = a->short_addr;
    } else if (a->mode == MAC_ADDR_EXT) {
        ll->mode = LOWPAN_LL_EXT;
        memcpy(ll->ext, a->ext, 8);
    } else {
        ll->mode = LOWPAN_LL_NONE;
    }
}

/* ---- MAC callbacks ----------------------------------------------------------- */

static void reasm_input(struct tnode *n, const struct mac_rx_info *info,
                        const struct lowpan_lladdr *src, const struct lowpan_lladdr *dst,
                        const uint8_t *frame, size_t flen);
static enum ot_err queue_frames(struct tnode *n, const struct lowpan_frame *frames, size_t nf,
                                const struct mac_addr *dst, enum mac_addr_mode src_mode,
                                bool secure);
static size_t max_payload(bool dst_short, bool src_short, bool secure);

static bool mac_neighbour(void *user, const struct mac_addr *src, struct mac_nbr_sec *out)
{
    struct tnode *n = user;
    const uint8_t *ext = NULL;
    struct child_table_sec *sec = NULL;
    if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER) {
        sec = tn_rnbr_sec(n, src, &ext); /* a neighbour router */
        for (unsigned i = 0; i < CHILD_TABLE_MAX && !sec; i++) {
            struct child_table_entry *c = &n->children.child[i];
            if (c->state == CHILD_TABLE_RESTORED &&
                ((src->mode == MAC_ADDR_SHORT && c->rloc16 == src->short_addr) ||
                 (src->mode == MAC_ADDR_EXT && memcmp(c->ext, src->ext, 8) == 0))) {
                /* Restored after our restart: MIC only until it confirms its
                 * counters (mac.h: both pointers NULL). */
                memcpy(out->ext, c->ext, 8);
                out->key_seq = NULL;
                out->replay = NULL;
                return true;
            }
            if (c->state != CHILD_TABLE_VALID)
                continue;
            if ((src->mode == MAC_ADDR_SHORT && c->rloc16 == src->short_addr) ||
                (src->mode == MAC_ADDR_EXT && memcmp(c->ext, src->ext, 8) == 0)) {
                ext = c->ext;
                sec = &c->sec;
            }
        }
    }
    /* The parent, or the candidate of an attach -- also a router's or a
     * leader's attaching to a better partition in its role, whose Child ID
     * Response comes MAC-secured when it is fragmented (Network Data). */
    if (!sec) {
        struct tn_parent *cands[2] = {&n->parent, &n->cand};
        for (unsigned i = 0; i < 2 && !sec; i++) {
            struct tn_parent *p = cands[i];
            if (!p->valid)
                continue;
            if ((src->mode == MAC_ADDR_SHORT && p->rloc16 == src->short_addr) ||
                (src->mode == MAC_ADDR_EXT && memcmp(p->ext, src->ext, 8) == 0)) {
                ext = p->ext;
                sec = &p->sec;
            }
        }
    }
    if (!sec)
        return false;
    memcpy(out->ext, ext, 8);
    out->key_seq = &sec->mac_key_seq;
    out->replay = &sec->mac;
    return true;
}

static void mac_tx_done(void *user, const struct mac_tx_result *res)
{
    struct tnode *n = user;
    switch (res->status) {
    case MAC_TX_NO_ACK:
        n->cnt.tx_mac_no_ack++;
        break;
    case MAC_TX_OK:
    case MAC_TX_RADIO_ERROR:
    case MAC_TX_ABORTED:
    case MAC_TX_CHANNEL_ACCESS_FAILURE:
        /* Counted by the MAC; the frame is gone either way (no retry at
         * this layer, as before), so the queue just goes on. */
        break;
    }
    tn_txq_kick(n);
}

static enum ot_err mesh_send(struct tnode *n, const uint8_t *pkt, size_t len, enum tn_origin origin,
                             const struct tnode_rx_link *from);

/* Who sent a frame, for the host side (node.h, struct tnode_rx_link): the
 * child with the frame's extended source (given, or resolved from a short
 * one by mac_neighbour), else the child with its short source; after a
 * mesh header (RFC 4944 §5.2) its originator. */
struct tnode_rx_link tn_mesh_rx_link(struct tnode *n, const struct mac_rx_info *info)
{
    struct tnode_rx_link l = {false, TNODE_RLOC16_UNKNOWN, false};
    struct child_table_entry *c = NULL;
    if (!info)
        return l;
    if (n->rx.mesh_orig != TN_MESH_NO_RLOC16) {
        l.known = true; /* multi-hop: the mesh header's originator */
        l.rloc16 = n->rx.mesh_orig;
        l.relayed = true;
        return l;
    }
    if (info->src_ext_known)
        c = child_table_by_ext(&n->children, info->src_ext);
    else if (info->frame->src.mode == MAC_ADDR_SHORT)
        c = child_table_by_rloc(&n->children, info->frame->src.short_addr);
    if (c && (c->state == CHILD_TABLE_VALID || c->state == CHILD_TABLE_RESTORED)) {
        l.known = true;
        l.rloc16 = c->rloc16;
    } else if (info->src_ext_known && tn_rnbr_by_ext(n, info->src_ext) >= 0) {
        l.relayed = true; /* a neighbour router, forwarding for its children */
    } else if (!info->src_ext_known && info->frame->src.mode == MAC_ADDR_SHORT &&
               (info->frame->src.short_addr & 0x1ff) == 0 &&
               router_table_cget(&n->rt, (uint8_t)(info->frame->src.short_addr >> 10))) {
        l.relayed = true;
    }
    return l;
}

/* The route for dst leads out of the mesh to our host side (mesh_send). */
static bool to_host(const struct tnode *n, const uint8_t dst[16])
{
    return n->cfg.host_rx && dst[0] != 0xff && !ip6_is_mine(&n->ip, dst) && !is_link_local(dst) &&
           !tn_mesh_on_mesh(n, dst);
}

static void forward(struct tnode *n, const uint8_t *pkt, size_t len, const struct mac_rx_info *info)
{
    struct tnode_rx_link from = tn_mesh_rx_link(n, info);
    if (to_host(n, pkt + 24)) {
        /* Handing a packet to our own host interface is no router hop (RFC
         * 8200 §3: forwarding nodes decrement): the host forwards it (the
         * translator, RFC 7915 §5.1, and the kernel decrement there), so it
         * keeps the hop limit it arrived with, as OpenThread's PassToHost. */
        n->cnt.fwd_packets++;
        mesh_send(n, pkt, len, TN_FROM_MESH, &from);
        return;
    }
    if (pkt[7] <= 1) {
        n->cnt.tx_drop_hop_limit++;
        return;
    }
    uint8_t copy[IP6_MTU];
    memcpy(copy, pkt, len);
    copy[7]--;
    n->cnt.fwd_packets++;
    mesh_send(n, copy, len, TN_FROM_MESH, &from);
}

/* UpdateEidRlocCacheAndStaleChild / UpdateSnoopedCacheEntry: an FTD learns
 * the RLOC16 behind an on-mesh, non-locator source of a unicast frame from
 * a short address (the mesh originator, else the MAC source) sent to itself
 * or to an MTD child of its own; never for its own RLOC16 or such a child.
 * A registered address of an MTD child of ours from another router's RLOC16
 * means that child moved. */
static void snoop(struct tnode *n, const uint8_t *pkt, const struct mac_rx_info *info)
{
    const struct mac_frame *fr = info->frame;
    uint16_t src = n->rx.mesh_orig, dst = n->rx.mesh_final, loc;
    if (src == TN_MESH_NO_RLOC16) {
        if (fr->src.mode != MAC_ADDR_SHORT || fr->dst.mode != MAC_ADDR_SHORT)
            return;
        src = fr->src.short_addr;
        dst = fr->dst.short_addr;
    }
    if (dst == MAC_SHORT_BROADCAST)
        return;
    /* A former MTD child of ours heard through another router has moved to
     * a new parent (UpdateEidRlocCacheAndStaleChild). */
    struct child_table_entry *c = child_table_by_addr(&n->children, pkt + 8);
    if (c && c->state == CHILD_TABLE_VALID && !(c->mode & MLE_MODE_FTD) &&
        (src & ~TN_CHILD_ID_MASK) != (n->rloc16 & ~TN_CHILD_ID_MASK)) {
        n->cnt.children_moved++;
        n->up.child_moved(n, c);
    }
    if (!(n->mode & MLE_MODE_FTD) || ip6_iid_is_locator(pkt + 8, &loc) ||
        !tn_mesh_on_mesh(n, pkt + 8))
        return;
    if (src == n->rloc16 || tn_mesh_minimal_child(n, src))
        return;
    if (dst != n->rloc16 && !tn_mesh_minimal_child(n, dst))
        return;
    n->up.cache_learn(n, pkt + 8, src);
}

/* One complete IPv6 datagram from the radio. */
static void mesh_input(struct tnode *n, const uint8_t *pkt, size_t len,
                       const struct mac_rx_info *info)
{
    bool secured = info->secured;
    if (!secured && !is_mle(pkt, len)) {
        n->cnt.rx_drop_unsecured++; /* Thread: MAC security for all but MLE (§3.1) */
        return;
    }
    if (len < IP6_HDR_LEN) {
        n->cnt.rx_drop_ip6++;
        return;
    }
    if (info->src_ext_known)
        tn_rnbr_heard(n, info->src_ext, info->rssi); /* a neighbour router's link */
    if (secured && info->src_ext_known) {
        if (n->role == TNODE_LEADER || n->role == TNODE_ROUTER) {
            struct child_table_entry *c = child_table_by_ext(&n->children, info->src_ext);
            if (c && c->state == CHILD_TABLE_VALID) {
                c->last_heard_ms = n->now;
                c->rssi = info->rssi;
                /* Learn the EIDs an FTD child uses (interop §3.7 (c)). */
                const uint8_t *src = pkt + 8;
                uint16_t loc;
                if (!is_link_local(src) && src[0] != 0xff && !ip6_iid_is_locator(src, &loc) &&
                    !child_table_by_addr(&n->children, src))
                    n->up.cache_learn(n, src, c->rloc16);
            }
        } else if (n->parent.valid && memcmp(n->parent.ext, info->src_ext, 8) == 0) {
            n->parent.last_heard_ms = n->now;
            n->parent.rssi = info->rssi;
        }
    }
    if (secured)
        snoop(n, pkt, info);
    /* MPL Data Messages (RFC 7731 §9.3): each (seed, sequence) once; a
     * router buffers a new one for its retransmissions (the forwarding). */
    struct mpl_rx_info mi = {0};
    if (pkt[0] >> 4 == 6 && pkt[6] == 0 && pkt[24] == 0xff) {
        mpl_sync(n);
        enum mpl_drop d = mpl_input(&n->mpl, pkt, len, true, n->now, &mi);
        if (d != MPL_DROP_NONE) {
            n->cnt.rx_drop_mpl++;
            return;
        }
    }
    struct ip6_link_info link = {.link_secured = secured, .from_host = false};
    struct ip6_rx_info ri;
    n->rx.info = info;
    n->rx.secured = secured;
    enum ip6_verdict v = n->up.ip6_input(&n->ip, pkt, len, n->now, &link, &ri);
    n->rx.info = NULL;
    if (v == IP6_RX_DROPPED) {
        n->cnt.rx_drop_ip6++;
        return;
    }
    if (v == IP6_RX_FORWARD && mi.has_option)
        return; /* multicast not for us: MPL forwards it (buffered above) */
    if (v == IP6_RX_FORWARD) {
        if (tn_mesh_is_router(n) && secured && !ri.tunneled)
            forward(n, pkt, len, info);
        else if (secured && to_host(n, pkt + 24))
            forward(n, pkt, len, info); /* a child border router's host side */
        else
            n->cnt.rx_drop_no_forward++;
    }
}

/* CheckReachabilityToSendIcmpError / SendDestinationUnreachable: the IPv6
 * headers of a frame we cannot relay (IPHC or FRAG1; a FRAGN has none) go
 * back to the mesh originator's RLOC in an ICMPv6 Destination Unreachable. */
static void mesh_unreachable(struct tnode *n, const struct lowpan_mesh_frame *mf, struct rd rest)
{
    const uint8_t *ml = tn_ml_prefix(n);
    size_t dgram = 0;
    if (!ml || mf->next == LOWPAN_DISPATCH_FRAGN)
        return;
    if (mf->next == LOWPAN_DISPATCH_FRAG1) {
        if (rest.left < LOWPAN_FRAG1_HDR)
            return;
        rest.p += LOWPAN_FRAG1_HDR;
        rest.left -= LOWPAN_FRAG1_HDR;
        dgram = mf->frag.size;
    }
    struct lowpan_lladdr src = mf->mesh.originator, dst = mf->mesh.final_dst;
    src.pan_id = dst.pan_id = n->ds.panid;
    uint8_t hdrs[LOWPAN_REASM_BUF];
    size_t len;
    if (lowpan_decompress(&n->ctx, &src, &dst, rest.p, rest.left, dgram, hdrs, sizeof(hdrs), &len,
                          NULL) != LOWPAN_OK ||
        len < IP6_HDR_LEN)
        return;
    uint8_t to[16] = {0};
    memcpy(to, ml, 8);
    to[11] = 0xff;
    to[12] = 0xfe;
    to[14] = (uint8_t)(src.short_addr >> 8);
    to[15] = (uint8_t)src.short_addr;
    uint32_t before = n->ip.cnt.tx_dst_unreach;
    ip6_send_dst_unreach(&n->ip, to, hdrs, len, n->now);
    if (n->ip.cnt.tx_dst_unreach != before)
        n->cnt.tx_mesh_dst_unreach++;
}

/*
 * A frame with a mesh header (OT's MeshForwarder::HandleMesh): MAC security
 * required; for us (final destination our RLOC16) or an MTD child of ours
 * -> reassembled against the mesh addresses (RFC 4944 §5.2, the mesh
 * addresses replace the MAC ones); else, on a router, relayed frame by
 * frame (no reassembly) with hops left decremented towards the final
 * destination's next hop. Each refusal has its counter.
 */
static void mesh_frame_rx(struct tnode *n, const struct mac_rx_info *info)
{
    const struct mac_frame *fr = info->frame;
    n->cnt.rx_mesh_frames++;
    if (!info->secured) {
        n->cnt.rx_drop_mesh_unsecured++;
        return;
    }
    struct lowpan_mesh_ctx mc;
    struct lowpan_mesh_frame mf;
    struct rd rest;
    lowpan_mesh_ctx_init(&mc, true);
    if (lowpan_mesh_split(&mc, fr->payload, fr->payload_len, &mf, &rest) != LOWPAN_OK ||
        !mf.has_mesh) {
        n->cnt.rx_drop_mesh_parse++;
        return;
    }
    uint16_t orig = mf.mesh.originator.short_addr, final = mf.mesh.final_dst.short_addr;
    if (final == n->rloc16 || tn_mesh_minimal_child(n, final)) {
        n->cnt.rx_mesh_local++;
        mf.mesh.originator.pan_id = mf.mesh.final_dst.pan_id = n->ds.panid;
        n->rx.mesh_orig = orig;
        n->rx.mesh_final = final;
        reasm_input(n, info, &mf.mesh.originator, &mf.mesh.final_dst, fr->payload + mf.mesh_len,
                    fr->payload_len - mf.mesh_len);
        n->rx.mesh_orig = n->rx.mesh_final = TN_MESH_NO_RLOC16;
        return;
    }
    if (orig == n->rloc16) {
        n->cnt.rx_drop_mesh_loop++; /* our own frame came back */
        return;
    }
    if (!tn_mesh_is_router(n)) {
        n->cnt.rx_drop_mesh_not_router++;
        return;
    }
    uint8_t out[LOWPAN_FRAME_MAX];
    size_t olen;
    enum lowpan_err e =
        lowpan_mesh_relay(&mc, fr->payload, fr->payload_len, out, sizeof(out), &olen, NULL);
    if (e == LOWPAN_ERR_MESH_HOP_LIMIT) {
        n->cnt.rx_drop_mesh_hops_left++;
        return;
    }
    if (e != LOWPAN_OK || olen > max_payload(true, true, true)) {
        n->cnt.rx_drop_mesh_parse++;
        return;
    }
    uint16_t nh = tn_mesh_next_hop(n, final);
    if (nh == TN_MESH_NO_RLOC16) {
        n->cnt.rx_drop_mesh_no_route++;
        mesh_unreachable(n, &mf, rest);
        return;
    }
    /* ResolveRoutingLoops: the frame came from our own next hop for it (a
     * two-hop loop); OT then invalidates that route, so only a final
     * destination that is our neighbour is still reachable. */
    if (nh != final && fr->src.mode == MAC_ADDR_SHORT && fr->src.short_addr == nh) {
        n->cnt.rx_drop_mesh_loop++;
        return;
    }
    struct lowpan_frame f;
    f.len = olen;
    memcpy(f.data, out, olen);
    struct mac_addr dst = {.mode = MAC_ADDR_SHORT, .short_addr = nh};
    if (queue_frames(n, &f, 1, &dst, MAC_ADDR_SHORT, true) == OT_ERR_NONE)
        n->cnt.rx_mesh_relayed++;
}

static void mac_rx(void *user, const struct mac_rx_info *info)
{
    struct tnode *n = user;
    if (info->now_ms > n->now)
        n->now = info->now_ms;
    n->cnt.rx_frames++;
    if (n->role == TNODE_DISABLED || !n->ifup) {
        n->cnt.rx_drop_disabled++;
        return;
    }
    const struct mac_frame *fr = info->frame;
    if (fr->type != MAC_FRAME_DATA || fr->payload_len == 0) {
        n->cnt.rx_drop_frame_type++; /* Data Request polls: sleepy children not served */
        return;
    }
    if ((fr->payload[0] & 0xc0) == 0x80) {
        mesh_frame_rx(n, info);
        return;
    }
    struct lowpan_lladdr src, dst;
    tn_mesh_ll_from_mac(&fr->src, fr->src_pan, &src);
    tn_mesh_ll_from_mac(&fr->dst, fr->dst_pan, &dst);
    reasm_input(n, info, &src, &dst, fr->payload, fr->payload_len);
}

/* One 6LoWPAN frame (fragment or whole IPHC datagram) into reassembly; a
 * complete datagram goes to mesh_input. */
static void reasm_input(struct tnode *n, const struct mac_rx_info *info,
                        const struct lowpan_lladdr *src, const struct lowpan_lladdr *dst,
                        const uint8_t *frame, size_t flen)
{
    uint8_t pkt[LOWPAN_REASM_BUF];
    size_t len = 0;
    enum lowpan_err e = lowpan_reasm_input(&n->reasm, &n->ctx, src, dst, frame, flen, n->now, pkt,
                                           sizeof(pkt), &len);
    if (e != LOWPAN_OK) {
        n->cnt.rx_drop_lowpan++;
        return;
    }
    if (len == 0) {
        n->cnt.rx_fragments++;
        return;
    }
    n->cnt.rx_datagrams++;
    mesh_input(n, pkt, len, info);
}

void tn_mesh_mac_config(struct tnode *n, struct mac_layer_config *mc)
{
    mc->rx = mac_rx;
    mc->tx_done = mac_tx_done;
    mc->neighbour = mac_neighbour;
    mc->user = n;
}

/* ---- send ------------------------------------------------------------------ */

void tn_txq_kick(struct tnode *n)
{
    if (n->in_kick)
        return;
    n->in_kick = true;
    while (n->txq_count && mac_layer_txq_count(&n->mac) < MAC_LAYER_TXQ_LEN) {
        struct tn_frame f = n->txq[n->txq_head];
        n->txq_head = (n->txq_head + 1) % TN_TXQ;
        n->txq_count--;
        f.req.payload = f.data;
        f.req.len = f.len;
        /* Store ahead before the counter is used; never use one a restart
         * would hand out again (node.h, tnode_frame_counters). */
        if (f.req.secure && !tn_check_mac_fc(n)) {
            n->cnt.tx_drop_fc_unsaved++;
            continue;
        }
        if (mac_layer_send(&n->mac, &f.req, n->now) != MAC_LAYER_OK)
            n->cnt.tx_drop_mac++;
    }
    n->in_kick = false;
}

bool tn_pkt_store(struct tn_pkt *slots, unsigned count, const uint8_t *pkt, size_t len,
                  uint64_t now_ms)
{
    for (unsigned i = 0; i < count; i++) {
        struct tn_pkt *p = &slots[i];
        if (p->used)
            continue;
        p->used = true;
        p->len = (uint16_t)len;
        p->time_ms = now_ms;
        memcpy(p->data, pkt, len);
        return true;
    }
    return false;
}

static void loopback(struct tnode *n, const uint8_t *pkt, size_t len)
{
    if (tn_pkt_store(n->loopback, TN_LOOPBACK_PKTS, pkt, len, n->now))
        n->cnt.loopback_packets++;
    else
        n->cnt.tx_drop_queue_full++;
}

/* Puts nf 6LoWPAN frames for one packet on the frame queue (all or none). */
static enum ot_err queue_frames(struct tnode *n, const struct lowpan_frame *frames, size_t nf,
                                const struct mac_addr *dst, enum mac_addr_mode src_mode,
                                bool secure)
{
    if (nf > 1)
        n->frag_tag++;
    if (TN_TXQ - n->txq_count < nf) {
        n->cnt.tx_drop_queue_full++;
        return OT_ERR_NO_BUFS;
    }
    for (size_t i = 0; i < nf; i++) {
        struct tn_frame *f = &n->txq[(n->txq_head + n->txq_count) % TN_TXQ];
        memset(&f->req, 0, sizeof(f->req));
        f->req.type = MAC_FRAME_DATA;
        f->req.dst = *dst;
        f->req.src_mode = src_mode;
        f->req.secure = secure;
        f->len = (uint8_t)frames[i].len;
        memcpy(f->data, frames[i].data, frames[i].len);
        n->txq_count++;
    }
    n->cnt.tx_frames += (uint32_t)nf;
    tn_txq_kick(n);
    return OT_ERR_NONE;
}

/* MAC payload room of a data frame: MAC header (FCF, seq, dst PAN, dst, src
 * with the PAN compressed, aux header when secured), MIC-32, FCS. */
static size_t max_payload(bool dst_short, bool src_short, bool secure)
{
    size_t hdr = 3 + 2 + (dst_short ? 2 : 8) + (src_short ? 2 : 8) + (secure ? 6 : 0);
    return MAC_PSDU_MAX - hdr - (secure ? 4 : 0) - MAC_FCS_LEN;
}

enum ot_err tn_mesh_send_to(struct tnode *n, const uint8_t *pkt, size_t len,
                            const struct mac_addr *dst)
{
    const uint8_t *src = pkt + 8;
    uint8_t own_ll[16];
    tn_ll_from_ext(n->ext, own_ll);
    bool src_ext = n->rloc16 == MAC_SHORT_NONE || memcmp(src + 8, own_ll + 8, 8) == 0;
    struct mac_addr msrc = {0};
    if (src_ext) {
        msrc.mode = MAC_ADDR_EXT;
        memcpy(msrc.ext, n->ext, 8);
    } else {
        msrc.mode = MAC_ADDR_SHORT;
        msrc.short_addr = n->rloc16;
    }
    uint16_t pan = n->ds.panid;
    struct lowpan_lladdr ls, ld;
    tn_mesh_ll_from_mac(&msrc, pan, &ls);
    tn_mesh_ll_from_mac(dst, pan, &ld);

    bool mle = is_mle(pkt, len);
    bool secure = !mle;
    struct lowpan_frame frames[24];
    size_t nf = 0;
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t room = max_payload(dst->mode == MAC_ADDR_SHORT, msrc.mode == MAC_ADDR_SHORT, secure);
        enum lowpan_err e =
            lowpan_frag_split(&n->ctx, &ls, &ld, pkt, len, room, n->frag_tag, frames, 24, &nf);
        if (e != LOWPAN_OK) {
            n->cnt.tx_drop_lowpan++;
            return OT_ERR_NO_BUFS;
        }
        if (nf > 1 && mle && !secure) {
            secure = true; /* fragmented MLE goes MAC-secured (message_framer.cpp) */
            continue;
        }
        break;
    }
    enum ot_err err = queue_frames(n, frames, nf, dst, msrc.mode, secure);
    if (err == OT_ERR_NONE)
        n->cnt.tx_packets++;
    return err;
}

/* A packet for a node more than one hop away: every frame starts with a mesh
 * header (RFC 4944 §5.2, OT kMeshHeaderHopsLeft) from originator to final,
 * MAC-secured, short MAC addresses (UpdateIp6RouteFtd / UpdateMeshRoute). */
static enum ot_err send_mesh(struct tnode *n, const uint8_t *pkt, size_t len, uint16_t final,
                             uint16_t next_hop)
{
    struct lowpan_mesh m;
    lowpan_mesh_init(&m, n->rloc16, final, LOWPAN_MESH_HOPS_DEFAULT);
    m.originator.pan_id = m.final_dst.pan_id = n->ds.panid;
    struct lowpan_frame frames[24];
    size_t nf = 0;
    if (lowpan_mesh_frag_split(&n->ctx, &m, pkt, len, max_payload(true, true, true), n->frag_tag,
                               frames, 24, &nf) != LOWPAN_OK) {
        n->cnt.tx_drop_lowpan++;
        return OT_ERR_NO_BUFS;
    }
    struct mac_addr dst = {.mode = MAC_ADDR_SHORT, .short_addr = next_hop};
    enum ot_err err = queue_frames(n, frames, nf, &dst, MAC_ADDR_SHORT, true);
    if (err == OT_ERR_NONE) {
        n->cnt.tx_packets++;
        n->cnt.tx_mesh_packets++;
    }
    return err;
}

enum ot_err tn_mesh_send_rloc(struct tnode *n, const uint8_t *pkt, size_t len, uint16_t dest)
{
    if (dest == n->rloc16) {
        loopback(n, pkt, len);
        return OT_ERR_NONE;
    }
    uint16_t nh = tn_mesh_next_hop(n, dest);
    if (nh == TN_MESH_NO_RLOC16) {
        n->cnt.tx_drop_no_route++;
        return OT_ERR_NO_ROUTE;
    }
    if (nh != dest && tn_mesh_is_router(n))
        return send_mesh(n, pkt, len, dest, nh);
    struct mac_addr mdst = {.mode = MAC_ADDR_SHORT, .short_addr = nh};
    return tn_mesh_send_to(n, pkt, len, &mdst);
}

enum ot_err tn_mesh_send(struct tnode *n, const uint8_t *pkt, size_t len, enum tn_origin origin)
{
    return mesh_send(n, pkt, len, origin, NULL);
}

/* from: the sender of a forwarded packet (NULL: the node's own). */
static enum ot_err mesh_send(struct tnode *n, const uint8_t *pkt, size_t len, enum tn_origin origin,
                             const struct tnode_rx_link *from)
{
    if (len < IP6_HDR_LEN || len > IP6_MTU || (pkt[0] >> 4) != 6 ||
        IP6_HDR_LEN + (size_t)be16_get(pkt + 4) != len) {
        n->cnt.tx_drop_bad_packet++;
        return OT_ERR_INVALID_ARGS;
    }
    if (n->role == TNODE_DISABLED) {
        n->cnt.tx_drop_no_route++;
        return OT_ERR_INVALID_STATE;
    }
    const uint8_t *dst = pkt + 24;
    struct mac_addr mdst = {0};
    uint16_t loc;
    if (dst[0] == 0xff) {
        if ((dst[1] & 0x0f) >= 3 && origin != TN_FROM_MESH)
            return mpl_originate(n, pkt, len);
        mdst.mode = MAC_ADDR_SHORT;
        mdst.short_addr = MAC_SHORT_BROADCAST;
        return tn_mesh_send_to(n, pkt, len, &mdst);
    }
    if (ip6_is_mine(&n->ip, dst)) {
        loopback(n, pkt, len);
        return OT_ERR_NONE;
    }
    if (is_link_local(dst)) {
        if (ip6_iid_is_locator(dst, &loc)) {
            mdst.mode = MAC_ADDR_SHORT;
            mdst.short_addr = loc;
        } else {
            mdst.mode = MAC_ADDR_EXT;
            memcpy(mdst.ext, dst + 8, 8);
            mdst.ext[0] ^= 0x02;
        }
        return tn_mesh_send_to(n, pkt, len, &mdst);
    }
    /* Outside the mesh: a node with the host side hands it to its host
     * whatever its role (the border router's TUN); the others route it to
     * the border router the Network Data names (RouteLookup, below). */
    bool ml = tn_is_ml(n, dst);
    bool onmesh = ml || tn_mesh_on_mesh(n, dst);
    if (!onmesh && origin != TN_FROM_HOST && n->cfg.host_rx) {
        n->cnt.host_packets++;
        static const struct tnode_rx_link unknown = {false, TNODE_RLOC16_UNKNOWN, false};
        n->cfg.host_rx(n->cfg.user, pkt, len, from ? from : &unknown, n->now);
        return OT_ERR_NONE;
    }
    if (n->role == TNODE_CHILD) {
        /* A child sends everything else to its parent, which routes it. */
        if (!n->parent.valid) {
            n->cnt.tx_drop_no_route++;
            return OT_ERR_NO_ROUTE;
        }
        mdst.mode = MAC_ADDR_SHORT;
        mdst.short_addr = n->parent.rloc16;
        return tn_mesh_send_to(n, pkt, len, &mdst);
    }
    if (!tn_mesh_is_router(n)) {
        n->cnt.tx_drop_no_route++;
        return OT_ERR_NO_ROUTE;
    }
    /* Router / leader (UpdateIp6RouteFtd): the destination's RLOC16 from
     * its locator IID (RLOC, or ALOC through the Network Data), a child's
     * registered address, the EID cache (else an address query), or the
     * border router for it; then the next hop towards that RLOC16. */
    uint16_t dest;
    if (ml && ip6_iid_is_locator(dst, &loc)) {
        if (loc >= TN_LEADER_ALOC) {
            if (!tn_mesh_aloc_lookup(n, loc, &dest)) {
                n->cnt.tx_drop_no_route++;
                return OT_ERR_NO_ROUTE;
            }
        } else if ((loc >> 10) > ROUTER_TABLE_MAX_ID) {
            n->cnt.tx_drop_no_route++;
            return OT_ERR_DROP;
        } else {
            dest = loc;
        }
        return tn_mesh_send_rloc(n, pkt, len, dest);
    }
    if (onmesh) {
        struct child_table_entry *c = child_table_by_addr(&n->children, dst);
        if (c && (c->state == CHILD_TABLE_VALID || c->state == CHILD_TABLE_RESTORED))
            return tn_mesh_send_rloc(n, pkt, len, c->rloc16);
        if (n->up.cache_lookup(n, dst, &dest))
            return tn_mesh_send_rloc(n, pkt, len, dest);
        return n->up.addr_query(n, dst, pkt, len);
    }
    if (!tn_mesh_route_lookup(n, pkt + 8, dst, &dest) || dest == n->rloc16) {
        n->cnt.tx_drop_no_route++;
        return OT_ERR_NO_ROUTE;
    }
    n->cnt.tx_to_border_router++;
    return tn_mesh_send_rloc(n, pkt, len, dest);
}

void tn_mesh_ip6_send(void *ctx, const uint8_t *pkt, size_t len)
{
    tn_mesh_send(ctx, pkt, len, TN_FROM_LOCAL);
}

/* ---- timers ------------------------------------------------------------------ */

void tn_mesh_process(struct tnode *n)
{
    lowpan_reasm_expire(&n->reasm, n->now);
    for (unsigned i = 0; i < TN_LOOPBACK_PKTS; i++) {
        struct tn_pkt *p = &n->loopback[i];
        if (!p->used)
            continue;
        uint8_t pkt[IP6_MTU];
        size_t len = p->len;
        memcpy(pkt, p->data, len);
        p->used = false; /* before input: a reply may loop back again */
        struct ip6_link_info link = {.link_secured = true};
        if (n->up.ip6_input(&n->ip, pkt, len, n->now, &link, NULL) == IP6_RX_DROPPED)
            n->cnt.rx_drop_ip6++;
    }
    mpl_sync(n);
    mpl_process(&n->mpl, n->now, mpl_send, n);
    tn_txq_kick(n);
}

int64_t tn_mesh_next(const struct tnode *n)
{
    int64_t t = mpl_next_timeout_ms(&n->mpl, n->now);
    for (unsigned i = 0; i < TN_LOOPBACK_PKTS; i++)
        if (n->loopback[i].used)
            t = 0;
    for (unsigned i = 0; i < LOWPAN_REASM_SLOTS; i++) {
        const struct lowpan_reasm_slot *s = &n->reasm.slot[i];
        if (s->used)
            t = tn_min_due(t, tn_until(n->now, s->start_ms + n->reasm.timeout_ms));
    }
    return t;
}

void tn_mesh_flush(struct tnode *n)
{
    n->txq_head = n->txq_count = 0;
    mac_layer_abort_all(&n->mac);
    for (unsigned i = 0; i < TN_LOOPBACK_PKTS; i++)
        n->loopback[i].used = false;
    for (unsigned i = 0; i < TN_PENDING_PKTS; i++)
        n->pending[i].used = false;
    lowpan_reasm_init(&n->reasm, 0);
    mpl_set_role(&n->mpl, MPL_ROLE_DETACHED); /* buffered messages dropped */
}

/* ---- secured MLE send (interop §3.3) ------------------------------------ */

enum ot_err tn_mle_send(struct tnode *n, const uint8_t dst[16], const uint8_t *plain, size_t len)
{
    uint8_t src[16];
    tn_ll_from_ext(n->ext, src);
    struct mle_aux aux = {
        .sec_ctl = MLE_SEC_CTL,
        .key_seq = n->key_seq,
        .key_index = mle_key_index(n->key_seq),
    };
    if (!tn_next_mle_fc(n, &aux.frame_counter)) {
        n->cnt.mle_tx_drop_fc_unsaved++; /* not persisted ahead: never reuse one */
        return OT_ERR_SECURITY;
    }
    uint8_t udp[MLE_MAX_PAYLOAD];
    size_t ulen;
    if (mle_protect(n->keys.mle, src, dst, &aux, plain, len, udp, sizeof(udp), &ulen) != MLE_OK) {
        n->cnt.mle_tx_errors++;
        return OT_ERR_NO_BUFS;
    }
    uint8_t pkt[IP6_MTU];
    size_t plen;
    if (ip6_build_udp(&n->ip, src, dst, MLE_UDP_PORT, MLE_UDP_PORT, udp, ulen, MLE_HOP_LIMIT, pkt,
                      sizeof(pkt), &plen) != IP6_OK) {
        n->cnt.mle_tx_errors++;
        return OT_ERR_NO_BUFS;
    }
    n->cnt.mle_tx++;
    return tn_mesh_send(n, pkt, plen, TN_FROM_LOCAL);
}
