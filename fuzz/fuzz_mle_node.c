/*
 * libFuzzer harness for the MLE role handlers of a live node
 * (thread/mle_router.c: the leader as parent; thread/mle_child.c: the
 * child), through the real receive path: radio -> MAC -> 6LoWPAN -> IPv6 ->
 * MLE security and replay checks -> the handler of the node's role.
 *
 * Each input starts from the same formed network (fuzz_thread.h: a leader
 * and an FTD child on an in-process medium), so a crash reproduces from
 * its input alone.
 *
 * Input: [target] then messages [ctl][len][plaintext: command || TLVs]
 * (len 255: the rest of the input). target bit 0: the child hears them
 * (else the leader). Each message is sealed with the MLE key and sent:
 *   ctl bits 0-1 speaker: 0 the target's neighbour (the child towards the
 *                leader, the leader towards the child: its addresses, frame
 *                counters above its own), 1 the stranger (unknown), 2 the
 *                member (a forged second child of the leader), 3 the
 *                neighbour with MAC security on (MLE normally goes without)
 *   ctl bit 2    Response TLV := the target's last Challenge (added when
 *                absent), so Child ID Requests and the like get through
 *   ctl bit 3    replay: the speaker's previous frame counters again
 *   ctl bits 4-5 key sequence 0..3 (a newer one from a neighbour switches)
 *   ctl bit 6    to ff02::2 (leader) / ff02::1 (child) in a MAC broadcast,
 *                else unicast to the target's link-local address
 *   ctl bit 7    then run the network 1.5 s (else 20 ms) of virtual time
 *
 * Checked invariants (abort on violation), besides ASan/UBSan:
 *   - the medium's (fuzz_thread.h): every frame and MLE/TMF message the
 *     nodes send is well-formed and opens with the network's keys, no frame
 *     counter is used twice, no timer spins;
 *   - ft_check_nodes: the leader stays leader with a sane child table and
 *     valid Network Data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"
#include "fuzz_check.h"
#include "fuzz_thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* plain with its Response TLVs replaced by one holding c[0..clen). */
static size_t fix_response(const uint8_t *in, size_t len, const uint8_t *c, size_t clen,
                           uint8_t *out)
{
    size_t o = 0, i = 1;
    out[o++] = in[0];
    while (i + 2 <= len && i + 2 + in[i + 1] <= len) {
        size_t tl = 2 + (size_t)in[i + 1];
        if (in[i] != MLE_TLV_RESPONSE) {
            memcpy(out + o, in + i, tl);
            o += tl;
        }
        i += tl;
    }
    memcpy(out + o, in + i, len - i); /* a malformed tail stays as it was */
    o += len - i;
    out[o++] = MLE_TLV_RESPONSE;
    out[o++] = (uint8_t)clen;
    memcpy(out + o, c, clen);
    return o + clen;
}

static void send_one(struct ft_net *net, int target, uint8_t ctl, const uint8_t *plain, size_t len)
{
    static uint8_t fixed[MLE_MAX_PAYLOAD + 2 + MLE_CHALLENGE_MAX];
    uint8_t c[MLE_CHALLENGE_MAX];
    size_t clen;
    if ((ctl & 0x04) && len <= MLE_MAX_PAYLOAD && ft_last_challenge(net, target, c, &clen)) {
        len = fix_response(plain, len, c, clen, fixed);
        plain = fixed;
    }
    static const int speaker[4] = {-1, FT_STRANGER, FT_MEMBER, -1};
    struct ft_tx tx = {0};
    tx.as = speaker[ctl & 3] < 0 ? 1 - target : speaker[ctl & 3];
    tx.to = target;
    ft_ll(net, tx.as, tx.src);
    if (ctl & 0x40) {
        static const uint8_t mcast[16] = {0xff, 0x02, [15] = 0x01};
        memcpy(tx.dst, mcast, 16);
        tx.dst[15] = target == FT_LEADER ? 2 : 1;
        tx.mac_bcast = true;
    } else {
        ft_ll(net, target, tx.dst);
    }
    tx.sport = tx.dport = MLE_UDP_PORT;
    tx.hop_limit = MLE_HOP_LIMIT;
    tx.replay = ctl & 0x08;
    tx.key_seq = (ctl >> 4) & 3;
    tx.mac_secure = (ctl & 3) == 3;
    ft_send_mle(net, &tx, plain, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct ft_net *net = ft_net_get();
    int target = (data[0] & 1) ? FT_CHILD : FT_LEADER;
    size_t i = 1;
    while (i + 2 <= size) {
        uint8_t ctl = data[i];
        size_t len = data[i + 1];
        i += 2;
        if (len == 255 || len > size - i)
            len = size - i;
        if (len >= 1)
            send_one(net, target, ctl, data + i, len);
        i += len;
        ft_run(net, (ctl & 0x80) ? 1500 : 20);
        ft_check_nodes(net);
    }
    ft_run(net, 200);
    ft_check_nodes(net);

    return 0;
}
