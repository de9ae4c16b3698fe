/* A live leader + child network and a forger for the node harnesses (see
 * fuzz_thread.h). */
#include "fuzz_thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap.h"
#include "ip6/ip6.h"
#include "lowpan/lowpan.h"
#include "lowpan/lowpan_frag.h"
#include "mac/mac_frame.h"
#include "mac/mac_security.h"
#include "netdata/netdata.h"
#include "thread/child_table.h"
#include "thread/dataset.h"
#include "thread/keys.h"
#include "thread/mesh.h"
#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"
#include "thread/node_priv.h"
#include "thread/tmf.h"
#include "fuzz_check.h"

#define CHANNEL 15
#define PANID 0x1234
#define QLEN 4096
#define FC_SLOTS 2048
#define FORGED_FC0 0x10000000u /* far above what the real nodes reach in one input */

static const uint8_t net_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
static const uint8_t ml_prefix[8] = {0xfd, 0x00, 0x0d, 0xb8, 0xaa, 0xaa, 0xbb, 0xbb};
/* The forged stations' extended addresses and ML-EID IIDs (member, stranger). */
static const uint8_t forged_ext[2][8] = {{0x1e, 0x55, 0x7a, 0xa6, 0x3c, 0x00, 0x42, 0x01},
                                         {0x7a, 0x01, 0x9c, 0x5e, 0x10, 0x22, 0x83, 0x4d}};
static const uint8_t forged_iid[2][8] = {{0x51, 0x4a, 0x3b, 0x11, 0x77, 0x22, 0x90, 0x0f},
                                         {0x0c, 0x3d, 0x62, 0x90, 0x1b, 0xe4, 0x05, 0x77}};

struct ft_station {
    struct ft_net *net;
    int idx;
    uint8_t channel;
    uint64_t rng;
};

struct ft_frame {
    int from, to; /* to: -1 for every other node */
    uint8_t len;
    uint8_t psdu[127];
};

/* Frame counters a node has used, with a hash of what they protected. */
struct fc_slot {
    bool used;
    uint64_t key;
    uint32_t hash;
};

struct ft_net {
    uint64_t now;
    struct tnode *node[2];
    struct ft_station st[2];
    struct thread_keys keys[FT_KEY_SEQS];
    struct lowpan_ctx_table ctx;
    /* medium */
    struct ft_frame *q;
    unsigned qh, qc;
    bool injecting;
    /* sniffer */
    struct lowpan_reasm reasm[2];
    struct fc_slot *seen_mac[2], *seen_mle[2];
    uint8_t challenge[2][MLE_CHALLENGE_MAX];
    size_t challenge_len[2];
    bool have_con[2];
    uint16_t con_mid[2];
    uint8_t con_token[2][COAP_TOKEN_MAX];
    size_t con_token_len[2];
    /* forger */
    uint16_t forged_rloc16[2]; /* member, stranger: 0xfffe until attached */
    uint32_t fc_mac[FT_STATIONS], fc_mac_prev[FT_STATIONS];
    uint32_t fc_mle[FT_STATIONS], fc_mle_prev[FT_STATIONS];
    uint8_t seq;
    uint16_t tag;
};

/* ---- small helpers -------------------------------------------------------------- */

static uint64_t xs(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void node_random(void *user, uint8_t *buf, size_t len)
{
    struct ft_station *t = user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(xs(&t->rng) >> 56);
}

static uint32_t fnv(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Records that key protected what hashes to h; aborts when it already
 * protected something else. A full table stops recording. */
static void fc_use(struct fc_slot *tab, uint64_t key, uint32_t h)
{
    uint64_t k = key * 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 64; i++) {
        struct fc_slot *s = &tab[(k + i) % FC_SLOTS];
        if (!s->used) {
            s->used = true;
            s->key = key;
            s->hash = h;
            return;
        }
        if (s->key == key) {
            CHECK(s->hash == h); /* one counter, two different plaintexts */
            return;
        }
    }
}

static void ext_of(const struct ft_net *net, int station, uint8_t ext[8])
{
    if (station >= FT_MEMBER)
        memcpy(ext, forged_ext[station - FT_MEMBER], 8);
    else
        tnode_ext_addr(net->node[station], ext);
}

uint16_t ft_rloc16(const struct ft_net *net, int station)
{
    return station >= FT_MEMBER ? net->forged_rloc16[station - FT_MEMBER]
                                : tnode_rloc16(net->node[station]);
}

void ft_ll(const struct ft_net *net, int station, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    ext_of(net, station, out + 8);
    out[8] ^= 0x02;
}

bool ft_rloc(const struct ft_net *net, int station, uint8_t out[16])
{
    uint16_t r = ft_rloc16(net, station);
    memcpy(out, ml_prefix, 8);
    static const uint8_t loc[6] = {0, 0, 0, 0xff, 0xfe, 0};
    memcpy(out + 8, loc, 6);
    out[14] = (uint8_t)(r >> 8);
    out[15] = (uint8_t)r;
    return r != 0xfffe && r != 0xffff;
}

void ft_mleid(const struct ft_net *net, int station, uint8_t out[16])
{
    memcpy(out, ml_prefix, 8);
    if (station >= FT_MEMBER) {
        memcpy(out + 8, forged_iid[station - FT_MEMBER], 8);
        return;
    }
    struct tnode_addr a[16];
    size_t n = tnode_addrs(net->node[station], a, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (a[i].kind == TNODE_ADDR_MLEID)
            memcpy(out, a[i].addr, 16);
}

struct tnode *ft_node(struct ft_net *net, int i)
{
    return net->node[i];
}

uint64_t ft_now(const struct ft_net *net)
{
    return net->now;
}

bool ft_last_challenge(const struct ft_net *net, int from, uint8_t *out, size_t *len)
{
    if (!net->challenge_len[from])
        return false;
    memcpy(out, net->challenge[from], net->challenge_len[from]);
    *len = net->challenge_len[from];
    return true;
}

bool ft_last_con(const struct ft_net *net, int from, uint16_t *mid, uint8_t *token,
                 size_t *token_len)
{
    if (!net->have_con[from])
        return false;
    *mid = net->con_mid[from];
    memcpy(token, net->con_token[from], net->con_token_len[from]);
    *token_len = net->con_token_len[from];
    return true;
}

/* ---- the sniffer ---------------------------------------------------------------- */

/* With FUZZ_THREAD_SEEDS=dir, every MLE message the nodes exchange while
 * the network forms is written there as a fuzz_mle_node input (the other
 * node hears it from its neighbour; Response TLVs answer the current
 * challenge): how fuzz/corpus/mle_node was made. */
static void dump_seed(int from, const uint8_t *plain, size_t len, bool mcast)
{
    static unsigned k;
    const char *dir = getenv("FUZZ_THREAD_SEEDS");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s-%u-cmd%u", dir,
             from == FT_LEADER ? "to-child" : "to-leader", k++, plain[0]);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    bool response = false;
    for (size_t i = 1; i + 2 <= len; i += 2 + (size_t)plain[i + 1])
        response |= plain[i] == MLE_TLV_RESPONSE;
    uint8_t hdr[3] = {from == FT_LEADER,
                      (uint8_t)(0x80 | (response ? 0x04 : 0) | (mcast ? 0x40 : 0)),
                      (uint8_t)(len < 255 ? len : 255)};
    fwrite(hdr, 1, 3, f);
    fwrite(plain, 1, len, f);
    fclose(f);
}

/* An MLE message node `from` sent: it must open and split. */
static void sniff_mle(struct ft_net *net, int from, const uint8_t *pkt, size_t len)
{
    struct mle_frame f;
    CHECK(mle_frame_parse(pkt + 48, len - 48, &f) == MLE_OK && f.suite == MLE_SUITE_SECURED);
    CHECK(f.aux.key_seq < FT_KEY_SEQS); /* only the forger's sequences are ever proven */
    static uint8_t plain[MLE_MAX_PAYLOAD];
    size_t plen;
    CHECK(mle_unprotect(net->keys[f.aux.key_seq].mle, pkt + 8, pkt + 24, &f, plain, sizeof(plain),
                        &plen) == MLE_OK);
    fc_use(net->seen_mle[from], (uint64_t)f.aux.key_seq << 32 | f.aux.frame_counter,
           fnv(pkt + 48, len - 48));
    struct mle_msg m;
    CHECK(mle_msg_split(plain, plen, &m, NULL) == MLE_OK);
    dump_seed(from, plain, plen, pkt[24] == 0xff);
    struct mle_tlv_iter it;
    struct mle_tlv t;
    mle_tlv_iter_init(&it, plain + 1, plen - 1);
    while (mle_tlv_next(&it, &t)) {
        if (t.type == MLE_TLV_CHALLENGE && t.len <= MLE_CHALLENGE_MAX) {
            memcpy(net->challenge[from], t.value, t.len);
            net->challenge_len[from] = t.len;
        }
    }
    /* A forged station's RLOC16 once the leader accepts it as a child. */
    struct mle_child_id_response r;
    for (int k = FT_MEMBER; k < FT_STATIONS && m.cmd == MLE_CMD_CHILD_ID_RESPONSE; k++) {
        uint8_t ll[16];
        ft_ll(net, k, ll);
        if (!memcmp(pkt + 24, ll, 16) && mle_parse_child_id_response(plain, plen, &r) == MLE_OK)
            net->forged_rloc16[k - FT_MEMBER] = r.address16;
    }
}

/* A TMF message node `from` sent: it must parse as CoAP. */
static void sniff_tmf(struct ft_net *net, int from, const uint8_t *udp, size_t len)
{
    struct coap_msg m;
    CHECK(coap_parse(udp, len, &m) == COAP_OK);
    if (m.type == COAP_TYPE_CON && coap_code_kind(m.code) == COAP_KIND_REQUEST) {
        net->have_con[from] = true;
        net->con_mid[from] = m.mid;
        memcpy(net->con_token[from], m.token, m.token_len);
        net->con_token_len[from] = m.token_len;
    }
}

static void sniff(struct ft_net *net, int from, const uint8_t *psdu, size_t len)
{
    uint8_t buf[128];
    struct mac_frame f;
    memcpy(buf, psdu, len);
    CHECK(mac_frame_parse(buf, len, &f) == MAC_OK);
    if (f.type != MAC_FRAME_DATA)
        return;
    if (f.security_enabled) {
        CHECK(f.sec.key_id_mode == MAC_KEY_ID_MODE_INDEX);
        uint32_t seq = (uint32_t)(f.sec.key_index - 1);
        CHECK(seq < FT_KEY_SEQS);
        fc_use(net->seen_mac[from], (uint64_t)f.sec.key_index << 32 | f.sec.frame_counter,
               fnv(psdu, len));
        uint8_t ext[8];
        tnode_ext_addr(net->node[from], ext);
        CHECK(mac_security_unprotect(net->keys[seq].mac, ext, buf, len, &f) == MAC_OK);
    }
    struct lowpan_lladdr s, d;
    tn_mesh_ll_from_mac(&f.src, PANID, &s);
    tn_mesh_ll_from_mac(&f.dst, PANID, &d);
    static uint8_t pkt[LOWPAN_REASM_BUF];
    size_t plen = 0;
    /* Contexts beyond the mesh-local one come from Network Data the input
     * chose: a datagram the sniffer cannot expand is not the node's fault. */
    if (lowpan_reasm_input(&net->reasm[from], &net->ctx, &s, &d, f.payload, f.payload_len, net->now,
                           pkt, sizeof(pkt), &plen) != LOWPAN_OK ||
        plen < 48 || pkt[6] != IP6_PROTO_UDP)
        return;
    uint16_t sport = (uint16_t)(pkt[40] << 8 | pkt[41]), dport = (uint16_t)(pkt[42] << 8 | pkt[43]);
    if (dport == MLE_UDP_PORT)
        sniff_mle(net, from, pkt, plen);
    else if (dport == TMF_UDP_PORT || sport == TMF_UDP_PORT)
        sniff_tmf(net, from, pkt + 48, plen - 48);
}

/* ---- the medium ----------------------------------------------------------------- */

static void enqueue(struct ft_net *net, int from, int to, const uint8_t *psdu, size_t len)
{
    CHECK(net->qc < QLEN); /* a node flooding the air */
    struct ft_frame *f = &net->q[(net->qh + net->qc++) % QLEN];
    f->from = from;
    f->to = to;
    f->len = (uint8_t)len;
    memcpy(f->psdu, psdu, len);
}

/* True when node i has this MAC address (so its MAC ACKs the frame). */
static bool addressed_to(const struct ft_net *net, int i, const struct mac_addr *a)
{
    uint8_t ext[8];
    tnode_ext_addr(net->node[i], ext);
    if (a->mode == MAC_ADDR_EXT)
        return !memcmp(a->ext, ext, 8);
    return a->mode == MAC_ADDR_SHORT && a->short_addr == tnode_rloc16(net->node[i]);
}

static int radio_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t ch)
{
    struct ft_station *st = radio;
    struct ft_net *net = st->net;
    CHECK(len >= 5 && len <= 127 && ch == CHANNEL);
    sniff(net, st->idx, psdu, len);
    struct mac_frame f;
    CHECK(mac_frame_parse(psdu, len, &f) == MAC_OK);
    if (f.type == MAC_FRAME_ACK) {
        if (!net->injecting) /* an ACK of a forged frame goes to the forger */
            enqueue(net, st->idx, -1, psdu, len);
        return 0;
    }
    enqueue(net, st->idx, -1, psdu, len);
    int other = 1 - st->idx;
    if (f.ack_request && !addressed_to(net, other, &f.dst)) {
        /* For the stranger (or an address nobody has): the forger ACKs. */
        uint8_t ack[5];
        size_t alen;
        CHECK(mac_ack_build(f.seq, false, f.version, ack, sizeof(ack), &alen) == MAC_OK);
        enqueue(net, other, st->idx, ack, alen);
    }
    return 0;
}

static int radio_set_channel(void *radio, uint8_t ch)
{
    ((struct ft_station *)radio)->channel = ch;
    return 0;
}

static const struct radio_ops ft_radio_ops = {
    .caps = 0,
    .transmit = radio_tx,
    .set_channel = radio_set_channel,
};

static void deliver(struct ft_net *net, const struct ft_frame *f)
{
    for (int i = 0; i < 2; i++) {
        if (i == f->from || (f->to >= 0 && f->to != i) || net->st[i].channel != CHANNEL)
            continue;
        struct radio_rx_frame rx = {.psdu = f->psdu,
                                    .len = f->len,
                                    .channel = CHANNEL,
                                    .rssi = -20,
                                    .timestamp_ms = net->now};
        tnode_radio_rx(net->node[i], &rx);
    }
}

void ft_run(struct ft_net *net, uint64_t ms)
{
    uint64_t until = net->now + ms;
    unsigned spins = 0;
    for (;;) {
        while (net->qc) {
            struct ft_frame f = net->q[net->qh];
            net->qh = (net->qh + 1) % QLEN;
            net->qc--;
            deliver(net, &f);
        }
        for (int i = 0; i < 2; i++)
            tnode_process(net->node[i], net->now);
        if (net->qc)
            continue;
        int64_t next = -1;
        for (int i = 0; i < 2; i++) {
            int64_t t = tnode_next_timeout_ms(net->node[i], net->now);
            if (t >= 0 && (next < 0 || t < next))
                next = t;
        }
        if (next == 0) {
            CHECK(++spins < 100000); /* a timer that never stops firing */
            continue;
        }
        spins = 0;
        uint64_t t = next < 0 ? until : net->now + (uint64_t)next;
        if (t > until) {
            net->now = until;
            return;
        }
        net->now = t;
    }
}

/* ---- the forger ----------------------------------------------------------------- */

static void mac_addr_of(const struct ft_net *net, int station, bool short_addr, struct mac_addr *a)
{
    uint16_t r = ft_rloc16(net, station);
    if (short_addr && r != 0xfffe && r != 0xffff) {
        a->mode = MAC_ADDR_SHORT;
        a->short_addr = r;
    } else {
        a->mode = MAC_ADDR_EXT;
        ext_of(net, station, a->ext);
    }
}

static void lladdr_of(const struct mac_addr *a, struct lowpan_lladdr *ll)
{
    tn_mesh_ll_from_mac(a, PANID, ll);
}

void ft_send_udp(struct ft_net *net, const struct ft_tx *tx, const uint8_t *payload, size_t len)
{
    static struct ip6 scratch;
    static uint8_t pkt[IP6_MTU];
    size_t pktlen;
    if (ip6_build_udp(&scratch, tx->src, tx->dst, tx->sport, tx->dport, payload, len, tx->hop_limit,
                      pkt, sizeof(pkt), &pktlen) != IP6_OK)
        return;
    struct mac_frame hdr = {0};
    hdr.type = MAC_FRAME_DATA;
    hdr.version = MAC_VERSION_2006;
    hdr.ack_request = !tx->mac_bcast;
    hdr.pan_id_compression = true;
    hdr.dst_pan = hdr.src_pan = PANID;
    if (tx->mac_bcast) {
        hdr.dst.mode = MAC_ADDR_SHORT;
        hdr.dst.short_addr = 0xffff;
    } else {
        mac_addr_of(net, tx->to, tx->mac_short_src, &hdr.dst);
    }
    mac_addr_of(net, tx->as, tx->mac_short_src, &hdr.src);
    uint32_t seq = tx->key_seq % FT_KEY_SEQS;
    if (tx->mac_secure) {
        hdr.security_enabled = true;
        hdr.sec.level = MAC_SEC_LEVEL_ENC_MIC_32;
        hdr.sec.key_id_mode = MAC_KEY_ID_MODE_INDEX;
        hdr.sec.key_index = mac_key_index(seq);
    }
    uint8_t psdu[127];
    size_t flen;
    CHECK(mac_frame_build(&hdr, NULL, 0, psdu, sizeof(psdu), &flen) == MAC_OK);
    struct lowpan_lladdr ls, ld;
    lladdr_of(&hdr.src, &ls);
    lladdr_of(&hdr.dst, &ld);
    static struct lowpan_frame frames[24];
    size_t nf;
    if (lowpan_frag_split(&net->ctx, &ls, &ld, pkt, pktlen, sizeof(psdu) - flen, net->tag++, frames,
                          24, &nf) != LOWPAN_OK)
        return;
    if (tx->replay)
        net->fc_mac[tx->as] = net->fc_mac_prev[tx->as];
    net->fc_mac_prev[tx->as] = net->fc_mac[tx->as];
    uint8_t ext[8];
    ext_of(net, tx->as, ext);
    net->injecting = true;
    for (size_t i = 0; i < nf; i++) {
        hdr.seq = net->seq++;
        hdr.sec.frame_counter = net->fc_mac[tx->as]++;
        CHECK(mac_frame_build(&hdr, frames[i].data, frames[i].len, psdu, sizeof(psdu), &flen) ==
              MAC_OK);
        if (tx->mac_secure)
            CHECK(mac_security_protect(net->keys[seq].mac, ext, psdu, flen) == MAC_OK);
        struct radio_rx_frame rx = {
            .psdu = psdu, .len = flen, .channel = CHANNEL, .rssi = -20, .timestamp_ms = net->now};
        tnode_radio_rx(net->node[tx->to], &rx);
    }
    net->injecting = false;
}

void ft_send_mle(struct ft_net *net, const struct ft_tx *tx, const uint8_t *plain, size_t len)
{
    uint32_t seq = tx->key_seq % FT_KEY_SEQS;
    if (tx->replay)
        net->fc_mle[tx->as] = net->fc_mle_prev[tx->as];
    net->fc_mle_prev[tx->as] = net->fc_mle[tx->as];
    struct mle_aux aux = {
        .sec_ctl = MLE_SEC_CTL,
        .frame_counter = net->fc_mle[tx->as]++,
        .key_seq = seq,
        .key_index = mle_key_index(seq),
    };
    static uint8_t udp[MLE_MAX_PAYLOAD + 32];
    size_t ulen;
    if (mle_protect(net->keys[seq].mle, tx->src, tx->dst, &aux, plain, len, udp, sizeof(udp),
                    &ulen) != MLE_OK)
        return;
    ft_send_udp(net, tx, udp, ulen);
}

bool ft_attach(struct ft_net *net, int station)
{
    struct ft_tx tx = {.as = station, .to = FT_LEADER, .hop_limit = MLE_HOP_LIMIT};
    tx.sport = tx.dport = MLE_UDP_PORT;
    ft_ll(net, station, tx.src);
    static const uint8_t all_routers[16] = {0xff, 0x02, [15] = 0x02};
    memcpy(tx.dst, all_routers, 16);
    tx.mac_bcast = true;
    uint8_t mode =
        MLE_MODE_RX_ON_WHEN_IDLE | MLE_MODE_RESERVED | MLE_MODE_FTD | MLE_MODE_FULL_NETDATA;
    struct mle_parent_request pr = {.mode = mode, .scan_mask = MLE_SCAN_MASK_ROUTER, .version = 4};
    pr.challenge.len = 8;
    memcpy(pr.challenge.b, forged_iid[station - FT_MEMBER], 8);
    uint8_t plain[200];
    size_t len;
    CHECK(mle_build_parent_request(&pr, plain, sizeof(plain), &len) == MLE_OK);
    ft_send_mle(net, &tx, plain, len);
    ft_run(net, 100);

    static const uint8_t want[] = {MLE_TLV_ADDRESS16, MLE_TLV_NETWORK_DATA, MLE_TLV_ROUTE64};
    struct mle_child_id_request req = {0};
    if (!ft_last_challenge(net, FT_LEADER, req.response.b, &len))
        return false;
    req.response.len = (uint8_t)len;
    req.link_fc = net->fc_mac[station];
    req.mle_fc = net->fc_mle[station];
    req.has_mle_fc = true;
    req.mode = mode;
    req.timeout = 240;
    req.version = 4;
    req.tlv_request = want;
    req.n_tlv_request = sizeof(want);
    CHECK(mle_build_child_id_request(&req, plain, sizeof(plain), &len) == MLE_OK);
    ft_ll(net, FT_LEADER, tx.dst);
    tx.mac_bcast = false;
    ft_send_mle(net, &tx, plain, len);
    ft_run(net, 100);
    return ft_rloc16(net, station) != 0xfffe;
}

/* ---- set-up ---------------------------------------------------------------------- */

static void make_dataset(struct dataset_tlvs *d)
{
    memset(d, 0, sizeof(*d));
    struct dataset_timestamp ts = {.seconds = 1};
    uint8_t xp[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(dataset_set_active_timestamp(d, &ts) == DATASET_OK);
    CHECK(dataset_set_channel(d, CHANNEL) == DATASET_OK);
    CHECK(dataset_set_panid(d, PANID) == DATASET_OK);
    CHECK(dataset_set_extpanid(d, xp) == DATASET_OK);
    CHECK(dataset_set_network_key(d, net_key) == DATASET_OK);
    CHECK(dataset_set_mesh_local_prefix(d, ml_prefix) == DATASET_OK);
    CHECK(dataset_set_network_name(d, "tbr-fuzz") == DATASET_OK);
}

static void start(struct ft_net *net, int i, enum tnode_role want)
{
    struct dataset_tlvs d;
    make_dataset(&d);
    struct tnode *n = net->node[i];
    CHECK(tnode_dataset_set_active(n, d.tlvs, d.len, net->now) == OT_ERR_NONE);
    CHECK(tnode_ifconfig(n, true, net->now) == OT_ERR_NONE);
    CHECK(tnode_thread_start(n, net->now) == OT_ERR_NONE);
    for (int t = 0; t < 100 && tnode_role(n) != want; t++)
        ft_run(net, 100);
    CHECK(tnode_role(n) == want);
}

static struct ft_net *ft_net_new(void)
{
    struct ft_net *net = calloc(1, sizeof(*net));
    CHECK(net != NULL);
    net->q = calloc(QLEN, sizeof(*net->q));
    for (int i = 0; i < 2; i++) {
        net->seen_mac[i] = calloc(FC_SLOTS, sizeof(struct fc_slot));
        net->seen_mle[i] = calloc(FC_SLOTS, sizeof(struct fc_slot));
        CHECK(net->seen_mac[i] && net->seen_mle[i]);
        lowpan_reasm_init(&net->reasm[i], 0);
    }
    CHECK(net->q != NULL);
    net->now = 1000;
    net->forged_rloc16[0] = net->forged_rloc16[1] = 0xfffe;
    for (int i = 0; i < FT_STATIONS; i++)
        net->fc_mac[i] = net->fc_mle[i] = net->fc_mac_prev[i] = net->fc_mle_prev[i] = FORGED_FC0;
    for (uint32_t s = 0; s < FT_KEY_SEQS; s++)
        CHECK(thread_keys_derive(net_key, s, &net->keys[s]) == 0);
    lowpan_ctx_init(&net->ctx);
    uint8_t p[16] = {0};
    memcpy(p, ml_prefix, 8);
    lowpan_ctx_set(&net->ctx, 0, p, 64, true);
    for (int i = 0; i < 2; i++) {
        struct ft_station *st = &net->st[i];
        st->net = net;
        st->idx = i;
        st->rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 7);
        struct tnode_cfg cfg = {0};
        cfg.node_id = (uint8_t)(i + 1);
        cfg.radio_ops = &ft_radio_ops;
        cfg.radio = st;
        cfg.random = node_random;
        cfg.user = st;
        cfg.router_eligible = i == FT_LEADER;
        net->node[i] = tnode_new(&cfg, net->now);
        CHECK(net->node[i] != NULL);
    }
    start(net, FT_LEADER, TNODE_LEADER);
    CHECK(tnode_set_mode(net->node[FT_CHILD],
                         TNODE_MODE_RX_ON | TNODE_MODE_FTD | TNODE_MODE_FULL_NETDATA,
                         net->now) == OT_ERR_NONE);
    start(net, FT_CHILD, TNODE_CHILD);
    CHECK(ft_attach(net, FT_MEMBER));
    ft_run(net, 1000);
    if (getenv("FUZZ_THREAD_SEEDS")) {
        for (int i = 0; i < FT_STATIONS; i++) {
            uint8_t a[16];
            ft_mleid(net, i, a);
            fprintf(stderr, "station %d: rloc16 0x%04x ml-eid ", i, ft_rloc16(net, i));
            for (int k = 0; k < 16; k++)
                fprintf(stderr, "%02x", a[k]);
            fprintf(stderr, "\n");
        }
    }
    return net;
}

/* The formed network as it was: each node's bytes (a struct tnode is one
 * allocation, thread/node_priv.h; restored at the same address, its
 * pointers into itself stay right), the medium's and forger's state and the
 * counters the sniffer has seen. */
struct ft_snap {
    struct ft_net net;
    struct tnode node[2];
    struct fc_slot seen_mac[2][FC_SLOTS], seen_mle[2][FC_SLOTS];
};

struct ft_net *ft_net_get(void)
{
    static struct ft_net *net;
    static struct ft_snap *snap;
    if (!net) {
        net = ft_net_new();
        snap = calloc(1, sizeof(*snap));
        CHECK(snap != NULL && net->qc == 0);
        snap->net = *net;
        for (int i = 0; i < 2; i++) {
            snap->node[i] = *net->node[i];
            memcpy(snap->seen_mac[i], net->seen_mac[i], sizeof(snap->seen_mac[i]));
            memcpy(snap->seen_mle[i], net->seen_mle[i], sizeof(snap->seen_mle[i]));
        }
        return net;
    }
    *net = snap->net;
    for (int i = 0; i < 2; i++) {
        struct tnode *n = net->node[i];
        if (n->deferq != snap->node[i].deferq)
            free(n->deferq); /* made during the last input */
        *n = snap->node[i];
        memcpy(net->seen_mac[i], snap->seen_mac[i], sizeof(snap->seen_mac[i]));
        memcpy(net->seen_mle[i], snap->seen_mle[i], sizeof(snap->seen_mle[i]));
    }
    return net;
}

/* ---- libFuzzer options ------------------------------------------------------------ */

/* A run through the live network lights tens of thousands of features, and
 * libFuzzer's entropic schedule then spends most of its time weighing them
 * (6x fewer executions, less coverage in the same time): it is off unless
 * the command line turns it on again (a later -entropic=1 wins). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char flag[] = "-entropic=0";
    static char *args[256];
    if (*argc < 1 || *argc > 250)
        return 0;
    args[0] = (*argv)[0];
    args[1] = flag;
    for (int i = 1; i < *argc; i++)
        args[i + 1] = (*argv)[i];
    args[*argc + 1] = NULL;
    *argc += 1;
    *argv = args;
    return 0;
}

/* ---- invariants ------------------------------------------------------------------ */

void ft_check_nodes(struct ft_net *net)
{
    struct tnode *l = net->node[FT_LEADER];
    CHECK(tnode_role(l) == TNODE_LEADER);
    static struct tnode_child_info ci[CHILD_TABLE_MAX + 1];
    size_t n = tnode_children(l, net->now, ci, CHILD_TABLE_MAX + 1);
    CHECK(n <= CHILD_TABLE_MAX);
    uint16_t rid = tnode_rloc16(l) >> 10;
    for (size_t i = 0; i < n; i++) {
        CHECK(ci[i].rloc16 >> 10 == rid && ci[i].id >= 1 && ci[i].id <= CHILD_TABLE_MAX_ID);
        for (size_t j = i + 1; j < n; j++)
            CHECK(ci[i].rloc16 != ci[j].rloc16 && memcmp(ci[i].ext_addr, ci[j].ext_addr, 8));
    }
    size_t len;
    const uint8_t *nd = tnode_netdata(l, &len);
    CHECK(len <= NETDATA_MAX_LEN && netdata_validate(nd, len) == NETDATA_OK);
    /* A child keeps what its parent sent (checked where it is used). */
    tnode_netdata(net->node[FT_CHILD], &len);
    CHECK(len <= NETDATA_MAX_LEN);
}
