/*
 * A live Thread network for the node harnesses (fuzz_mle_node, fuzz_tmf):
 * a leader and an FTD child -- real struct tnode instances, the stack as
 * built -- on an in-process medium with virtual time (no sockets, no
 * clock), and a forger that speaks as any station with the network key, so
 * injected messages pass MAC and MLE security and reach the role handlers
 * (thread/mle_router.c, mle_child.c, tmf_agent.c) rather than stopping at
 * the parsers.
 *
 * Stations: FT_LEADER and FT_CHILD are the real nodes; the forger may speak
 * as either of them (their addresses, its own frame counters, started far
 * above theirs so the receiver's replay check lets them in), as FT_MEMBER,
 * a forged device attached to the leader as a second child when the
 * network is formed (it has an RLOC16 and MAC security with the leader), or
 * as FT_STRANGER, a device no node knows until it attaches. Frames the
 * nodes send to the forged stations are ACKed by the medium, as a real
 * peer would.
 *
 * The medium checks every frame the nodes send (abort on violation):
 *   - it parses (FCS included); a secured one decrypts with the network's
 *     MAC key of its key index;
 *   - no node uses one MAC frame counter (per key index), or one MLE frame
 *     counter (per key sequence), for two different frames / messages
 *     (AES-CCM* nonce reuse);
 *   - every MLE message decrypts with the MLE key and splits into command
 *     and TLVs; every TMF message parses as CoAP;
 *   - a timer never fires with nothing to do forever (no zero-timeout spin).
 *
 * Forming the network costs ~10 ms; it is formed once, and every input
 * starts from a snapshot of it (so a crash reproduces from its input alone).
 * The harnesses run with libFuzzer's -entropic=0 by default (see
 * LLVMFuzzerInitialize in fuzz_thread.c).
 * Test support for the fuzz harnesses only.
 */
#ifndef TBR_FUZZ_THREAD_H
#define TBR_FUZZ_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread/node.h"

enum { FT_LEADER = 0, FT_CHILD = 1, FT_MEMBER = 2, FT_STRANGER = 3, FT_STATIONS = 4 };

#define FT_KEY_SEQS 4 /* key sequences the forger may use: 0..3 */

struct ft_net;

/* The network: on the first call formed (the leader, then an FTD child
 * "rdn" attached to it; aborts when that fails), on later calls restored to
 * that formed state, whatever the previous input did. */
struct ft_net *ft_net_get(void);

struct tnode *ft_node(struct ft_net *net, int i);
uint64_t ft_now(const struct ft_net *net);
/* Delivers frames and runs the nodes' timers for ms of virtual time. */
void ft_run(struct ft_net *net, uint64_t ms);

/* Addresses of a station: link-local (from its extended address), its
 * RLOC (mesh-local, from its RLOC16; false when it has none) and ML-EID
 * (a fixed one for the forged stations). */
void ft_ll(const struct ft_net *net, int station, uint8_t out[16]);
bool ft_rloc(const struct ft_net *net, int station, uint8_t out[16]);
void ft_mleid(const struct ft_net *net, int station, uint8_t out[16]);
uint16_t ft_rloc16(const struct ft_net *net, int station);

/* One injected IPv6/UDP datagram. */
struct ft_tx {
    int as;                /* the station the forger speaks as */
    int to;                /* FT_LEADER or FT_CHILD: who hears it */
    uint8_t src[16];       /* IPv6 source */
    uint8_t dst[16];       /* IPv6 destination */
    uint16_t sport, dport; /* UDP ports */
    uint8_t hop_limit;
    bool mac_secure;    /* MAC security (level 5, key id mode 1) */
    bool mac_short_src; /* MAC source: the station's RLOC16, not its ext */
    bool mac_bcast;     /* MAC destination 0xffff */
    uint32_t key_seq;   /* MAC (and MLE) key sequence, < FT_KEY_SEQS */
    bool replay;        /* reuse the previous frame counters of `as` */
};

/* Compresses, fragments when needed, frames (and secures) the datagram and
 * hands each frame to tx->to's radio receive. Does not run the medium. */
void ft_send_udp(struct ft_net *net, const struct ft_tx *tx, const uint8_t *payload, size_t len);
/* An MLE message: plain (command || TLVs) sealed with the MLE key of
 * tx->key_seq and the next MLE frame counter of tx->as, sent as
 * ft_send_udp (ports 19788). */
void ft_send_mle(struct ft_net *net, const struct ft_tx *tx, const uint8_t *plain, size_t len);

/* Attaches a forged station to the leader as a child (Parent Request,
 * Child ID Request answering the leader's challenge) and runs the network
 * until the leader answered; false when it did not give it an RLOC16. */
bool ft_attach(struct ft_net *net, int station);

/* The last Challenge TLV value node `from` sent in an MLE message (false
 * when none yet), for a forged Response TLV. */
bool ft_last_challenge(const struct ft_net *net, int from, uint8_t *out, size_t *len);
/* The last confirmable TMF request node `from` sent (message id, token):
 * false when none yet. */
bool ft_last_con(const struct ft_net *net, int from, uint16_t *mid, uint8_t *token,
                 size_t *token_len);

/* The invariants every harness checks after its input: the leader is still
 * the leader and its child table sane (ids under its router id, no two
 * entries with one RLOC16 or extended address), both nodes' Network Data
 * validates. */
void ft_check_nodes(struct ft_net *net);

#endif
