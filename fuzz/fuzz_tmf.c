/*
 * libFuzzer harness for the TMF agent of a live node (thread/tmf_agent.c:
 * a/aq, a/an, a/sd, a/as, unknown resources, CoAP dedup and responses),
 * through the real receive path: radio -> MAC security and replay -> 6LoWPAN
 * -> IPv6 -> UDP 61631 -> the agent.
 *
 * Each input starts from the same formed network (fuzz_thread.h: a leader,
 * a real FTD child and a forged member child), so a crash reproduces from
 * its input alone.
 *
 * Input: [target] then messages [ctl][arg][len][bytes] (len 255: the rest
 * of the input). target bit 0: the child hears them (else the leader).
 *   ctl bits 0-1 speaker: 0 the target's neighbour (MAC-secured with its
 *                address and counters), 1 the member (the leader's forged
 *                child), 2 the stranger (unknown: MAC-unsecured), 3 the
 *                neighbour with a short MAC source address
 *   ctl bits 2-3 source: the speaker's RLOC, ML-EID, link-local, or the
 *                RLOC of the other real node (a spoofed source)
 *   ctl bits 4-5 destination: the target's RLOC, its ML-EID, ff03::2
 *                (realm-local all routers), the leader ALOC
 *   ctl bit 6    the bytes are a TMF payload, wrapped in a request built
 *                from arg: bits 0-2 resource (a/aq, a/an, a/ae, a/as, a/ar,
 *                a/sd, an unknown one, a/aq), bit 3 NON (else CON), bit 4
 *                the previous message id again (a duplicate), bits 5-6 the
 *                token length 0/2/4/8. Without bit 6: arg bit 0 makes the
 *                bytes the payload of a 2.04 ACK to the target's last
 *                confirmable request; else the bytes are a raw CoAP message
 *   ctl bit 7    then run the network 1.5 s (else 20 ms) of virtual time
 *
 * Checked invariants (abort on violation), besides ASan/UBSan:
 *   - the medium's (fuzz_thread.h): every frame and MLE/TMF message the
 *     nodes send is well-formed and opens with the network's keys (so every
 *     TMF answer parses as CoAP), no frame counter is used twice, no timer
 *     spins;
 *   - ft_check_nodes: the leader stays leader with a sane child table and
 *     valid Network Data (whatever a/sd registered);
 *   - every datagram the target's IPv6 layer delivered (reassembled, not
 *     dropped, not forwarded) reached the TMF agent and was counted there:
 *     once as handled (tmf_rx; bad TLVs may add a tmf_drop_parse) or as
 *     unparsable CoAP (tmf_drop_parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap.h"
#include "thread/tmf.h"
#include "fuzz_check.h"
#include "fuzz_thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum tmf_uri uris[8] = {
    TMF_URI_ADDR_QUERY,   TMF_URI_ADDR_NOTIFY, TMF_URI_ADDR_ERROR, TMF_URI_ADDR_SOLICIT,
    TMF_URI_ADDR_RELEASE, TMF_URI_SERVER_DATA, TMF_URI_UNKNOWN,    TMF_URI_ADDR_QUERY,
};

/* The CoAP bytes to send for one message; 0 when none. */
static size_t make_msg(struct ft_net *net, int target, uint8_t ctl, uint8_t arg, const uint8_t *b,
                       size_t len, uint8_t *out, size_t cap, uint16_t *mid)
{
    size_t olen = 0;
    if (ctl & 0x40) {
        static const uint8_t token[8] = {0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18};
        static const size_t tlen[4] = {0, 2, 4, 8};
        if (!(arg & 0x10))
            (*mid)++;
        enum coap_type type = (arg & 0x08) ? COAP_TYPE_NON : COAP_TYPE_CON;
        enum tmf_uri uri = uris[arg & 7];
        if (uri == TMF_URI_UNKNOWN) {
            struct coap_msg m;
            coap_msg_init(&m, type, COAP_CODE_POST, *mid);
            coap_msg_set_token(&m, token, tlen[(arg >> 5) & 3]);
            coap_msg_set_uri_path(&m, "x/y");
            m.payload = len ? b : NULL;
            m.payload_len = len;
            return coap_build(&m, out, cap, &olen) == COAP_OK ? olen : 0;
        }
        return tmf_build_request(type, *mid, token, tlen[(arg >> 5) & 3], uri, b, len, out, cap,
                                 &olen, NULL) == TMF_OK
                   ? olen
                   : 0;
    }
    if (arg & 1) {
        struct coap_msg req;
        uint8_t tok[COAP_TOKEN_MAX];
        size_t tl;
        uint16_t m;
        if (!ft_last_con(net, target, &m, tok, &tl))
            return 0;
        coap_msg_init(&req, COAP_TYPE_CON, COAP_CODE_POST, m);
        coap_msg_set_token(&req, tok, tl);
        return tmf_build_response(&req, COAP_CODE_CHANGED, 0, b, len, out, cap, &olen, NULL) ==
                       TMF_OK
                   ? olen
                   : 0;
    }
    if (len > cap)
        return 0;
    memcpy(out, b, len);
    return len;
}

static void send_one(struct ft_net *net, int target, uint8_t ctl, const uint8_t *msg, size_t len)
{
    static const int speaker[4] = {-1, FT_MEMBER, FT_STRANGER, -1};
    int other = 1 - target;
    struct ft_tx tx = {0};
    tx.as = speaker[ctl & 3] < 0 ? other : speaker[ctl & 3];
    tx.to = target;
    tx.mac_secure = tx.as != FT_STRANGER;
    tx.mac_short_src = (ctl & 3) == 3;
    switch ((ctl >> 2) & 3) {
    case 0:
        ft_rloc(net, tx.as, tx.src);
        break;
    case 1:
        ft_mleid(net, tx.as, tx.src);
        break;
    case 2:
        ft_ll(net, tx.as, tx.src);
        break;
    default:
        ft_rloc(net, tx.as == other ? FT_MEMBER : other, tx.src);
        break;
    }
    switch ((ctl >> 4) & 3) {
    case 0:
        ft_rloc(net, target, tx.dst);
        break;
    case 1:
        ft_mleid(net, target, tx.dst);
        break;
    case 2: {
        static const uint8_t realm_routers[16] = {0xff, 0x03, [15] = 0x02};
        memcpy(tx.dst, realm_routers, 16);
        tx.mac_bcast = true;
        break;
    }
    default:
        ft_rloc(net, FT_LEADER, tx.dst);
        tx.dst[14] = 0xfc; /* the leader ALOC, ...:ff:fe00:fc00 */
        tx.dst[15] = 0x00;
        break;
    }
    tx.sport = tx.dport = TMF_UDP_PORT;
    tx.hop_limit = 64;
    ft_send_udp(net, &tx, msg, len);
}

/* The datagrams the target's IPv6 layer delivered since c0 all reached the
 * TMF agent (UDP 61631) and were counted there, each once as handled or as
 * unparsable CoAP. */
static void check_counted(struct tnode *t, const struct tnode_counters *c0)
{
    const struct tnode_counters *c = tnode_counters(t);
    enum tnode_role r = tnode_role(t);
    if (r != TNODE_LEADER && r != TNODE_CHILD)
        return;
    uint32_t dgrams = c->rx_datagrams - c0->rx_datagrams;
    uint32_t not_delivered =
        (c->rx_drop_unsecured - c0->rx_drop_unsecured) + (c->rx_drop_ip6 - c0->rx_drop_ip6) +
        (c->rx_drop_no_forward - c0->rx_drop_no_forward) + (c->fwd_packets - c0->fwd_packets) +
        (c->tx_drop_hop_limit - c0->tx_drop_hop_limit);
    uint32_t handled = c->tmf_rx - c0->tmf_rx, bad = c->tmf_drop_parse - c0->tmf_drop_parse;
    CHECK(not_delivered <= dgrams);
    /* CoAP that parses counts as handled (its TLVs may then count a parse
     * drop too); CoAP that does not counts as a parse drop. */
    CHECK(handled <= dgrams - not_delivered && handled + bad >= dgrams - not_delivered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ft_net *net = ft_net_get();
    int target = (data[0] & 1) ? FT_CHILD : FT_LEADER;
    struct tnode *t = ft_node(net, target);
    uint16_t mid = 0x4000;
    static uint8_t msg[1400];
    size_t i = 1;
    while (i + 3 <= size) {
        uint8_t ctl = data[i], arg = data[i + 1];
        size_t len = data[i + 2];
        i += 3;
        if (len == 255 || len > size - i)
            len = size - i;
        size_t mlen = make_msg(net, target, ctl, arg, data + i, len, msg, sizeof(msg), &mid);
        i += len;
        struct tnode_counters c0 = *tnode_counters(t);
        if (mlen)
            send_one(net, target, ctl, msg, mlen);
        check_counted(t, &c0);
        ft_run(net, (ctl & 0x80) ? 1500 : 20);
        ft_check_nodes(net);
    }
    ft_run(net, 200);
    ft_check_nodes(net);
    return 0;
}
