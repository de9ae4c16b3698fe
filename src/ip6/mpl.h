/*
 * MPL, Multicast Protocol for Low-Power and Lossy Networks (RFC 7731), as
 * Thread uses it for realm-local multicast across routers and as OpenThread
 * implements it (src/core/net/ip6_mpl.{hpp,cpp}, ip6.cpp AddMplOption,
 * InsertMplOption, PrepareMulticastToLargerThanRealmLocal, RemoveMplOption,
 * HandleOptions).
 *
 * Pure logic over byte buffers: no clock reads, no sockets, no globals, no
 * malloc. The caller owns a struct mpl per node, passes now_ms into every
 * call, draws randomness through the rand callback, and transmits what
 * mpl_process() hands it.
 *
 * Parts:
 *   - the MPL Option codec (RFC 7731 §6.1): type 0x6D, S (seed-id length
 *     0/2/8/16 bytes), M and V flags, sequence, seed-id;
 *   - the seed set (RFC 7731 §7.3) with OpenThread's policy: 35 entries of
 *     (seed RLOC16, sequence), grouped by seed and ordered by sequence, each
 *     kept 5 s after it was last seen; when full, the oldest entry of the
 *     seed holding the most entries makes room;
 *   - the buffered message set (RFC 7731 §7.4) with OpenThread's data-message
 *     schedule: routers (and leaders) transmit each new message twice in
 *     total, end devices never retransmit (OpenThread's
 *     kRouterRetransmissions / kChildRetransmissions);
 *   - the IPv6 encapsulation OpenThread uses for multicast it originates or
 *     forwards from the host: realm-local destinations get the MPL option in
 *     their own Hop-by-Hop header, larger scopes are tunnelled (RFC 2473)
 *     to ff03::fc (all MPL forwarders, RFC 7731 §5.1) with the option on the
 *     outer header; and the reverse for delivery.
 *
 * Receive flow for the node: a packet whose Hop-by-Hop header carries the
 * MPL option goes through mpl_input() (from_thread true for the radio);
 * anything but MPL_DROP_NONE is dropped. A tunnelled packet (info.tunneled)
 * is then delivered as mpl_decapsulate() gives it. Send flow: a multicast
 * packet of realm scope or larger goes through mpl_encapsulate(), then
 * mpl_input(from_thread false) (records the seed and buffers it on routers),
 * then onto the radio; mpl_process() at mpl_next_timeout_ms() sends the
 * retransmissions.
 */
#ifndef TBR_IP6_MPL_H
#define TBR_IP6_MPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/ot_err.h"

#define MPL_OPT_TYPE 0x6d   /* RFC 7731 §6.1: 01 1 01101 (discard if unknown; may change) */
#define MPL_OPT_MIN_SIZE 4  /* type, length, S/M/V, sequence */
#define MPL_OPT_MAX_SIZE 20 /* ... and a 16-byte seed-id */
#define MPL_HBH_SIZE 8      /* a Hop-by-Hop header holding one MPL option and padding */
#define MPL_IP6_HDR_LEN 40
#define MPL_MAX_PKT 1280 /* Thread's IPv6 MTU: the largest message buffered */
#define MPL_HOP_LIMIT 64 /* OPENTHREAD_CONFIG_IP6_HOP_LIMIT_DEFAULT, of the tunnel header */

/* S field values (RFC 7731 §6.1). */
#define MPL_S_0 0  /* seed-id elided: the IPv6 source (an RLOC in Thread) */
#define MPL_S_2 1  /* 16-bit seed-id (an RLOC16 in Thread) */
#define MPL_S_8 2  /* 64-bit seed-id */
#define MPL_S_16 3 /* 128-bit seed-id */

/* OpenThread's constants (ip6_mpl.hpp, config/ip6.h). */
#ifndef MPL_SEED_SET_ENTRIES
#define MPL_SEED_SET_ENTRIES 35 /* OPENTHREAD_CONFIG_MPL_SEED_SET_ENTRIES */
#endif
#define MPL_SEED_LIFETIME_MS 5000 /* 5 ticks of OT's 1 s TimeTicker */
#define MPL_DATA_INTERVAL_MS 64   /* kDataMessageInterval: Imin = Imax, never doubled */
#define MPL_ROUTER_EXPIRATIONS 2  /* kRouterRetransmissions (DATA_MESSAGE_TIMER_EXPIRATIONS) */
#define MPL_CHILD_EXPIRATIONS 0   /* kChildRetransmissions */
#ifndef MPL_BUFFERED_ENTRIES
#define MPL_BUFFERED_ENTRIES 8 /* OT bounds it by its message pool; we by a static pool */
#endif

/* ---- Drops ----------------------------------------------------------- */

enum mpl_drop {
    MPL_DROP_NONE = 0,         /* accepted: the packet goes on */
    MPL_DROP_IP6_HEADER,       /* < 40 bytes, version != 6, or payload length past the bytes */
    MPL_DROP_HBH_TRUNCATED,    /* Hop-by-Hop header runs past the payload */
    MPL_DROP_OPT_MALFORMED,    /* an option TLV runs past its header */
    MPL_DROP_OPT_UNKNOWN,      /* an unknown option whose action is not "skip" (RFC 8200 §4.2) */
    MPL_DROP_NO_OPTION,        /* no MPL option (mpl_decapsulate, mpl_option_decode) */
    MPL_DROP_MULTIPLE,         /* more than one MPL option (OT: kErrorDrop) */
    MPL_DROP_OPT_LENGTH,       /* option data length < 2 or != 2 + the S field's seed length */
    MPL_DROP_V_FLAG,           /* V set: RFC 7731 §6.1 says MUST drop */
    MPL_DROP_SEED_UNSUPPORTED, /* S = 2 or 3: OpenThread takes 0 and 2-byte seeds only */
    MPL_DROP_SEED_NOT_RLOC,    /* S = 0 but the source IID is not 0:ff:fe00:xxxx */
    MPL_DROP_DUPLICATE,        /* (seed, sequence) already in the seed set (RFC 7731 §7.3) */
    MPL_DROP_SEED_SET_FULL,    /* no free entry and no seed with 2+ entries to evict from */
    MPL_DROP_SEED_STALE,       /* set full and the sequence is older than all kept for its seed */
    MPL_DROP_TUNNEL_DST,       /* IPv6-in-IPv6 not addressed to ff03::fc */
    MPL_DROP_INNER,            /* tunnelled packet: short, version != 6, or length past the outer */
    MPL_DROP_NO_ROOM,          /* mpl_decapsulate: out too small (cap >= len always fits) */
    MPL_DROP__COUNT
};

/* Short stable name, e.g. "duplicate"; "?" out of range. */
const char *mpl_drop_str(enum mpl_drop d);

struct mpl_counters {
    uint32_t rx_new;             /* new (seed, sequence) accepted by mpl_input */
    uint32_t local_untracked;    /* own packets the seed set refused (sent anyway, not buffered) */
    uint32_t seed_evictions;     /* entries dropped to make room (OT policy) */
    uint32_t seed_expired;       /* entries whose 5 s lifetime ran out */
    uint32_t buffered;           /* messages put in the buffered set */
    uint32_t buffered_full;      /* new messages not buffered: all MPL_BUFFERED_ENTRIES in use */
    uint32_t buffered_too_big;   /* new messages not buffered: over MPL_MAX_PKT */
    uint32_t buffered_hop_limit; /* new messages from the radio not relayed: hop limit <= 1 */
    uint32_t tx_retx;            /* transmissions handed to mpl_process's send */
    uint32_t retx_discarded;     /* buffered messages dropped unsent after a role change */
    uint32_t encapsulated;       /* packets mpl_encapsulate gave an MPL option */
    uint32_t drops[MPL_DROP__COUNT]; /* why mpl_input refused packets */
};

/* ---- Option codec (RFC 7731 §6.1) -------------------------------------- */

struct mpl_option {
    uint8_t s;        /* MPL_S_*: seed-id length 0, 2, 8 or 16 bytes */
    bool m;           /* M: the sequence is the largest this forwarder knows of */
    bool v;           /* V: must be 0 */
    uint8_t sequence; /* compared in serial arithmetic (RFC 7731 §8, RFC 1982) */
    uint8_t seed[16]; /* the first mpl_seed_len(s) bytes, in wire order */
};

/* Seed-id bytes for an S value (0, 2, 8, 16); 0 for values above 3. */
unsigned mpl_seed_len(uint8_t s);
/* Bytes of the whole option TLV (type and length included) for an S value. */
unsigned mpl_option_size(uint8_t s);

/* Writes the option TLV into out[0..cap); *len gets its size. OT_ERR_NO_BUFS
 * when it does not fit, OT_ERR_INVALID_ARGS for s > 3. */
enum ot_err mpl_option_encode(const struct mpl_option *o, uint8_t *out, size_t cap, size_t *len);

/* Decodes the option TLV at opt (its type byte first; len may run past
 * it: only the bytes its length field gives are read). Returns
 * MPL_DROP_NONE, NO_OPTION (type != 0x6D), OPT_MALFORMED (TLV longer than
 * len), OPT_LENGTH or V_FLAG. *o is written only on MPL_DROP_NONE. */
enum mpl_drop mpl_option_decode(const uint8_t *opt, size_t len, struct mpl_option *o);

/* The 16-bit seed the seed set keys on, as Mpl::ReadAndValidateOption finds
 * it: S = 0 -> the RLOC16 in the source address src (SEED_NOT_RLOC when the
 * IID is not 0:ff:fe00:xxxx), S = 1 -> the seed-id, S = 2/3 ->
 * SEED_UNSUPPORTED. */
enum mpl_drop mpl_option_seed_id(const struct mpl_option *o, const uint8_t src[16], uint16_t *seed);

/* The option OpenThread puts on a packet from src (Mpl::InitOption): the
 * seed-id elided (S = 0) when src is the node's mesh-local RLOC, else S = 1
 * with the RLOC16. M and V clear. */
void mpl_option_for_source(struct mpl_option *o, const uint8_t src[16], const uint8_t ml_rloc[16],
                           uint16_t rloc16, uint8_t sequence);

/* ---- Context --------------------------------------------------------- */

enum mpl_role {
    MPL_ROLE_DETACHED, /* disabled or detached: no retransmissions */
    MPL_ROLE_CHILD,    /* end device (FTD child, MED, SED): MPL_CHILD_EXPIRATIONS */
    MPL_ROLE_ROUTER,   /* router or leader: MPL_ROUTER_EXPIRATIONS */
};

struct mpl_seed_entry {
    uint16_t seed_id;
    uint8_t sequence;
    uint64_t expires_ms; /* the entry is gone at this time */
};

struct mpl_buffered {
    bool used;
    uint8_t tx_count;        /* transmissions so far (1 when we sent the original) */
    uint8_t interval_offset; /* rest of the current interval after tx_time */
    uint16_t seed_id;
    uint8_t sequence;
    uint16_t len;
    uint64_t tx_time; /* next transmission */
    uint8_t pkt[MPL_MAX_PKT];
};

struct mpl {
    uint8_t role;     /* enum mpl_role */
    uint8_t sequence; /* the next sequence mpl_encapsulate uses (OT: mSequence) */
    bool has_identity;
    uint8_t ml_rloc[16]; /* mesh-local RLOC: tunnel source, S = 0 test */
    uint16_t rloc16;
    uint32_t (*rand)(void *user); /* 32 random bits for the trickle draws */
    void *rand_user;

    /* Seed set: used entries first, grouped by seed, each group ordered by
     * sequence, groups in the order their seed was first kept. */
    unsigned n_seeds;
    struct mpl_seed_entry seeds[MPL_SEED_SET_ENTRIES];

    /* Buffered message set: slots, and their FIFO order in queue[]. */
    unsigned n_queued;
    uint8_t queue[MPL_BUFFERED_ENTRIES];
    struct mpl_buffered buf[MPL_BUFFERED_ENTRIES];

    struct mpl_counters cnt;
};

/* Everything zero, role DETACHED, sequence 0. rand may be NULL: every draw
 * is then 0 (retransmissions at the start of their interval). */
void mpl_init(struct mpl *m, uint32_t (*rand)(void *user), void *rand_user);

/* The node's role decides how often buffered messages are sent: messages
 * already buffered follow the new role (OT: DetermineMaxRetransmissions at
 * each expiration; those already sent often enough are discarded). */
void mpl_set_role(struct mpl *m, enum mpl_role role);

/* The node's mesh-local RLOC (ML prefix + 0:ff:fe00:RLOC16) and RLOC16,
 * which mpl_encapsulate needs; call again when they change. */
void mpl_set_identity(struct mpl *m, const uint8_t ml_rloc[16], uint16_t rloc16);

/* ---- Receive --------------------------------------------------------- */

struct mpl_rx_info {
    bool has_option;  /* the Hop-by-Hop header carried an MPL option */
    bool is_new;      /* its (seed, sequence) was new and is now in the seed set */
    bool buffered;    /* a copy waits in the buffered set for retransmission */
    bool tunneled;    /* Hop-by-Hop's next header is IPv6 (41): see mpl_decapsulate */
    uint16_t seed_id; /* when has_option */
    struct mpl_option opt;
};

/*
 * One IPv6 packet pkt[0..len) (bytes past its payload length are ignored)
 * as Ip6::HandleOptions + Mpl::ProcessOption + AddBufferedMessage treat it:
 *   - no Hop-by-Hop header, or no MPL option in it: MPL_DROP_NONE,
 *     has_option false (not an MPL Data Message; nothing recorded);
 *   - malformed header or option, several MPL options, an unknown option
 *     that is not "skip", an unsupported seed: the reason (counted);
 *   - a new (seed, sequence): MPL_DROP_NONE, is_new; on a router a copy is
 *     buffered (from_thread: hop limit decremented, not kept when it was
 *     <= 1; transmitted twice in all; from the host or this node: the send
 *     the caller makes now is the first of the two);
 *   - already seen, or the seed set refused it: from_thread -> the reason
 *     (DUPLICATE, SEED_SET_FULL, SEED_STALE), counted; not from_thread ->
 *     MPL_DROP_NONE (OT lets its own messages through; local_untracked).
 * info may be NULL.
 */
enum mpl_drop mpl_input(struct mpl *m, const uint8_t *pkt, size_t len, bool from_thread,
                        uint64_t now_ms, struct mpl_rx_info *info);

/* ---- Timers ---------------------------------------------------------- */

/* A packet to transmit on the Thread interface, valid during the call.
 * retransmission: not the first transmission (OT kSubTypeMplRetransmission:
 * not repeated to sleepy children). May call mpl_input() of this context,
 * not mpl_process(). */
typedef void (*mpl_send_fn)(void *user, const uint8_t *pkt, size_t len, bool retransmission);

/*
 * Sends every buffered message whose time has come (Mpl::HandleRetransmissionTimer):
 * each expiration is one transmission; the next is drawn uniformly in the
 * following MPL_DATA_INTERVAL_MS interval (t in [0, 64) after its start,
 * OT's trickle emulation); after the role's last one the message leaves
 * the set. Also forgets expired seeds.
 */
void mpl_process(struct mpl *m, uint64_t now_ms, mpl_send_fn send, void *user);

/* Milliseconds until mpl_process() has a transmission (0 if overdue), -1
 * for none. Seed lifetimes need no wake-up: they are checked when used. */
int64_t mpl_next_timeout_ms(const struct mpl *m, uint64_t now_ms);

/* Seeds entries alive at now_ms (test and CLI view). */
unsigned mpl_seed_count(const struct mpl *m, uint64_t now_ms);
/* True when (seed, sequence) is in the seed set at now_ms. */
bool mpl_seed_has(const struct mpl *m, uint16_t seed_id, uint8_t sequence, uint64_t now_ms);
/* Messages in the buffered set. */
unsigned mpl_buffered_count(const struct mpl *m);

/* ---- Encapsulation --------------------------------------------------- */

/*
 * What Ip6::InsertMplOption does to a multicast packet the node sends into
 * the mesh, from pkt[0..len) into out[0..cap) (no overlap); *out_len gets
 * the length:
 *   - destination not multicast, or of scope below realm (3): copied as is;
 *   - realm-local (ff03::/16 and scope 3): the MPL option (sequence
 *     m->sequence++, mpl_option_for_source of the packet's source) goes
 *     into a new 8-byte Hop-by-Hop header, or into 8 bytes appended to the
 *     existing one; payload length + 8;
 *   - larger scopes: IPv6-in-IPv6 (RFC 2473) from the node's ML-RLOC to
 *     ff03::fc, hop limit 64, with the Hop-by-Hop MPL option (S = 0) on the
 *     outer header and the packet unchanged inside.
 * OT_ERR_PARSE for a malformed packet, OT_ERR_NO_BUFS when out is too small
 * (or the payload would pass 65535), OT_ERR_INVALID_STATE without
 * mpl_set_identity (needed for the two MPL cases).
 */
enum ot_err mpl_encapsulate(struct mpl *m, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len);

/*
 * The reverse, for delivery to the host or the upper layers: a packet whose
 * Hop-by-Hop header carries one MPL option (opt gets it, may be NULL), into
 * out[0..cap) (no overlap):
 *   - Hop-by-Hop's next header is IPv6: the tunnel to ff03::fc is removed
 *     and the inner packet is given (Ip6::HandleDatagram); TUNNEL_DST,
 *     INNER;
 *   - otherwise the option is removed as Ip6::RemoveMplOption does: the
 *     whole Hop-by-Hop header when it held nothing else, its last 8 bytes
 *     when those are the option and padding, else the option is overwritten
 *     with padding (OT leaves it in place there, which the host would drop
 *     as an unknown option of action 01).
 * Returns the reason for anything else (NO_OPTION, malformed ones,
 * MULTIPLE, SEED_UNSUPPORTED, OPT_UNKNOWN, NO_ROOM); *out_len is 0 then.
 * Pure: no context, nothing counted.
 */
enum mpl_drop mpl_decapsulate(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len, struct mpl_option *opt);

#endif
