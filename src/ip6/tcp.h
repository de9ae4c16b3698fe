/*
 * A compact TCP (RFC 9293) for the Thread device stack.
 *
 * Pure logic over byte buffers: no sockets, no clock reads, no globals. The
 * caller owns a struct tcp_ctx (a bounded table of TCP_MAX_EP endpoints, one
 * per node) and feeds it time as now_ms. Segments arrive through tcp_input()
 * (the caller has verified the IPv6 header; this module checks the TCP
 * checksum over the RFC 8200 §8.1 pseudo-header) and leave through
 * ops->send as complete TCP segments (header + payload, checksum filled),
 * which the caller wraps in IPv6.
 *
 * What an endpoint does:
 *   - active open (tcp_connect) and passive open (tcp_listen: the listening
 *     endpoint itself becomes the connection, one connection per listen, as
 *     OpenThread's `tcp listen` + `tcp accept` does with its one endpoint);
 *   - a 4 KiB send buffer and a 4 KiB receive buffer; the advertised window
 *     is the free receive space (RFC 9293 §3.8.6), never shrinking;
 *   - segmentation to the MSS, in-order delivery, out-of-order segments held
 *     (TCP_OOO_MAX ranges inside the receive buffer) and reassembled;
 *   - cumulative ACKs, delayed (RFC 9293 §3.8.6.3: every second full segment
 *     or TCP_DELACK_MS), immediate for out-of-order data and window updates;
 *   - retransmission per RFC 6298 (SRTT/RTTVAR, Karn's algorithm, backoff,
 *     RTO in [1 s, 60 s], 3 s after a retransmitted SYN, §5.7), fast
 *     retransmit after three duplicate ACKs and RFC 5681 slow start /
 *     congestion avoidance (no fast recovery inflation);
 *   - SYN retries (TCP_SYN_RETRIES) and data retries (TCP_MAX_RETRIES), then
 *     abort with TCP_REASON_TIMED_OUT;
 *   - zero-window probes (RFC 9293 §3.8.6.1) with backoff, never giving up
 *     while the peer answers;
 *   - FIN in every state (§3.10.7.4 eighth step), half-close both ways,
 *     TIME-WAIT of TCP_TIME_WAIT_MS, FIN-WAIT-2 bounded by TCP_FIN_WAIT2_MS;
 *   - RST generation (§3.10.7.1, "reset generation" §3.5.2) and reception
 *     with the RFC 5961 checks (§3 RST and §4 SYN challenge ACKs, §5 ACK
 *     range), as RFC 9293 §3.10.7.4 recommends.
 *
 * MSS. 1280 - 40 - 20 = 1220 fits the IPv6 minimum MTU, but a 1220-byte
 * segment becomes ~12 802.15.4 fragments and the loss of any one loses the
 * whole segment. OpenThread's TCPlp uses 5 frames per segment: 5 * 106 - 36
 * (compressed IPv6 header) - 20 = 474 bytes. We default to the same 474 so
 * peers see what they see from an OpenThread device and a lost frame costs
 * at most ~500 bytes; callers may set ctx->mss (TCP_MSS_MIN..TCP_MSS_MAX)
 * after tcp_ctx_init(). The MSS we send is min(ours, the peer's MSS option
 * or 1220 without one: RFC 9293 §3.7.1 default for IPv6).
 *
 * Not done: window scaling, timestamps, SACK, urgent data (ignored), Nagle,
 * keep-alives, path MTU discovery, ICMPv6 error handling.
 *
 * Re-entrancy: ops->event may call any API function (tcp_send, tcp_read,
 * tcp_send_end, tcp_abort, tcp_deinit, ...) for any endpoint. ops->send may
 * not re-enter the same context synchronously with tcp_input() (queue the
 * segment instead), as with ip6.
 */
#ifndef TBR_IP6_TCP_H
#define TBR_IP6_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_HDR_LEN 20
#define TCP_PROTO 6
#define TCP_MAX_EP 4             /* endpoints per context */
#define TCP_SNDBUF 4096          /* send buffer bytes per endpoint */
#define TCP_RCVBUF 4096          /* receive buffer bytes per endpoint (max window) */
#define TCP_MSS_MAX 1220         /* 1280 - 40 - 20: RFC 8200 §5 minimum MTU */
#define TCP_MSS_DEFAULT 474      /* OpenThread TCPlp: 5 frames per segment */
#define TCP_MSS_MIN 64           /* floor for a peer's MSS option */
#define TCP_OOO_MAX 4            /* out-of-order ranges held per endpoint */
#define TCP_RTO_INIT_MS 1000     /* RFC 6298 §2.1 */
#define TCP_RTO_MIN_MS 1000      /* RFC 6298 §2.4 */
#define TCP_RTO_MAX_MS 60000     /* RFC 6298 §2.5 */
#define TCP_RTO_SYN_LOST_MS 3000 /* RFC 6298 §5.7 */
#define TCP_SYN_RETRIES 5        /* SYN / SYN-ACK retransmissions before giving up */
#define TCP_MAX_RETRIES 8        /* data / FIN retransmissions before giving up */
#define TCP_DELACK_MS 200        /* RFC 9293 §3.8.6.3: < 0.5 s */
#define TCP_PERSIST_MAX_MS 60000 /* zero-window probe interval cap */
#define TCP_TIME_WAIT_MS 60000   /* 2 * MSL with MSL = 30 s (TCPlp's value) */
#define TCP_FIN_WAIT2_MS 60000   /* FIN-WAIT-2 without a peer FIN is abandoned */
#define TCP_EPHEMERAL_MIN 49152  /* RFC 6335 dynamic ports for port 0 */

/* RFC 9293 §3.3.2 states. */
enum tcp_state {
    TCP_CLOSED,
    TCP_LISTEN,
    TCP_SYN_SENT,
    TCP_SYN_RECEIVED,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2,
    TCP_CLOSE_WAIT,
    TCP_CLOSING,
    TCP_LAST_ACK,
    TCP_TIME_WAIT,
    TCP_STATE__COUNT
};

/* "ESTABLISHED", ...; "?" for out-of-range values. */
const char *tcp_state_str(enum tcp_state s);

enum tcp_err {
    TCP_OK = 0,
    TCP_ERR_INVAL,     /* bad argument (id, address, port) */
    TCP_ERR_FULL,      /* no free endpoint */
    TCP_ERR_STATE,     /* not allowed in the endpoint's state */
    TCP_ERR_IN_USE,    /* local address/port (or 4-tuple) already used */
    TCP_ERR_NOT_FOUND, /* endpoint not initialized */
};

const char *tcp_err_str(enum tcp_err e);

/* Why a connection ended. The first five equal otTcpDisconnectedReason, and
 * tcp_reason_str() returns OpenThread's CLI text (`TCP: %s`). */
enum tcp_reason {
    TCP_REASON_NORMAL,    /* "Disconnected": both FINs exchanged, or LISTEN/SYN-SENT closed */
    TCP_REASON_REFUSED,   /* "Connection refused": RST answering our SYN */
    TCP_REASON_RESET,     /* "Connection reset": RST in a synchronized state */
    TCP_REASON_TIME_WAIT, /* "Entered TIME-WAIT state" */
    TCP_REASON_TIMED_OUT, /* "Connection timed out": retries exhausted */
    TCP_REASON__COUNT
};

const char *tcp_reason_str(enum tcp_reason r);

/* Every reason a segment given to tcp_input() is discarded (whole or in
 * part, see each). Counted in tcp_counters.drops[]. */
enum tcp_drop {
    TCP_DROP_NONE = 0,        /* not a drop: the segment was processed */
    TCP_DROP_TRUNCATED,       /* shorter than the 20-byte header */
    TCP_DROP_BAD_OFFSET,      /* data offset < 5 or past the segment */
    TCP_DROP_CHECKSUM,        /* checksum wrong */
    TCP_DROP_BAD_ADDR,        /* multicast/unspecified address or port 0 */
    TCP_DROP_BAD_FLAGS,       /* SYN+FIN / SYN+RST, or no ACK/SYN/RST at all with data */
    TCP_DROP_NO_ENDPOINT,     /* no endpoint: answered with RST (§3.10.7.1) */
    TCP_DROP_NO_ENDPOINT_RST, /* no endpoint, and the segment was a RST (not answered) */
    TCP_DROP_LISTEN_RST,      /* RST to a listener */
    TCP_DROP_LISTEN_ACK,      /* ACK to a listener: answered with RST */
    TCP_DROP_LISTEN_NOSYN,    /* neither SYN, ACK nor RST to a listener */
    TCP_DROP_SYN_SENT_ACK,    /* unacceptable ACK in SYN-SENT (RST sent unless RST) */
    TCP_DROP_SYN_SENT_NOSYN,  /* SYN-SENT: neither SYN nor acceptable RST */
    TCP_DROP_OUT_OF_WINDOW,   /* sequence number not acceptable: ACK sent (§3.10.7.4) */
    TCP_DROP_RST_CHALLENGE,   /* in-window RST not at RCV.NXT: challenge ACK (RFC 5961 §3) */
    TCP_DROP_SYN_CHALLENGE,   /* SYN in a synchronized state: challenge ACK (RFC 5961 §4) */
    TCP_DROP_NO_ACK,          /* ACK bit off in a synchronized state */
    TCP_DROP_ACK_UNSENT,      /* ACK of data never sent: ACK sent back */
    TCP_DROP_ACK_TOO_OLD,     /* ACK below SND.UNA - MAX.SND.WND (RFC 5961 §5) */
    TCP_DROP_SYN_RCVD_ACK,    /* unacceptable ACK in SYN-RECEIVED: RST sent */
    TCP_DROP_OOO_FULL,        /* out-of-order data with no free range slot (data dropped) */
    TCP_DROP_TIME_WAIT,       /* anything but a FIN/RST in TIME-WAIT (ACKed) */
    TCP_DROP__COUNT
};

/* Short stable name, e.g. "checksum"; "?" for out-of-range values. */
const char *tcp_drop_str(enum tcp_drop d);

struct tcp_counters {
    uint32_t rx_segments;  /* given to tcp_input() */
    uint32_t rx_dropped;   /* sum of drops[] */
    uint32_t rx_bytes;     /* payload delivered in order */
    uint32_t rx_dup_bytes; /* payload received again (already delivered) */
    uint32_t rx_ooo;       /* segments held out of order */
    uint32_t tx_segments;  /* handed to ops->send */
    uint32_t tx_bytes;     /* payload sent, retransmissions included */
    uint32_t tx_rst;       /* RSTs sent */
    uint32_t retransmits;  /* RTO expiries that resent something */
    uint32_t fast_retransmits;
    uint32_t probes; /* zero-window probes */
    uint32_t challenge_acks;
    uint32_t drops[TCP_DROP__COUNT];
};

/* ---- Events --------------------------------------------------------- */

enum tcp_event_kind {
    TCP_EV_CONNECTED,  /* SYN exchange done (both opens); "TCP: Connection established" */
    TCP_EV_DATA,       /* in-order bytes arrived: data/len (valid during the call) */
    TCP_EV_SEND_SPACE, /* acknowledged data freed send-buffer space: len = free bytes */
    TCP_EV_PEER_FIN,   /* the peer closed its direction; "TCP: Reached end of stream" */
    TCP_EV_CLOSED,     /* the connection ended: reason (the endpoint stays initialized) */
};

struct tcp_event {
    enum tcp_event_kind kind;
    enum tcp_reason reason; /* TCP_EV_CLOSED */
    const uint8_t *data;    /* TCP_EV_DATA */
    size_t len;             /* TCP_EV_DATA, TCP_EV_SEND_SPACE */
    uint64_t now_ms;        /* the time of the tcp_* call that raised the event */
};

struct tcp_ctx;

struct tcp_ops {
    /* One complete segment from src to dst (16 bytes each), checksum set.
     * len <= TCP_HDR_LEN + 4 + TCP_MSS_MAX. Must not re-enter tcp_input()
     * of the same context synchronously. */
    void (*send)(void *user, const uint8_t src[16], const uint8_t dst[16], const uint8_t *seg,
                 size_t len);
    /* 32 random bits (ISN, ephemeral ports; RFC 9293 §3.4.1, RFC 6528). */
    uint32_t (*rand)(void *user);
    /* An event for endpoint id; ep_user is what tcp_init() was given. */
    void (*event)(void *user, struct tcp_ctx *t, int id, void *ep_user, const struct tcp_event *ev);
};

/* ---- Endpoint (opaque to callers: read it through the accessors) ---- */

struct tcp_ooo {
    uint32_t start, end; /* [start, end) offsets from RCV.NXT's buffer position */
};

struct tcp_ep {
    bool used; /* initialized with tcp_init() */
    uint8_t state;
    void *user;
    uint32_t gen; /* bumped when the connection ends (detects re-entry) */

    uint8_t laddr[16], raddr[16];
    uint16_t lport, rport;
    bool passive;    /* came from LISTEN (a RST in SYN-RECEIVED goes back there) */
    bool listen_any; /* listening on :: */

    /* Send side (RFC 9293 §3.3.1). sndbuf[0] has sequence number snd_buf. */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, snd_buf;
    uint32_t max_snd_wnd;
    uint16_t mss; /* what we send */
    bool syn_acked, fin_queued, fin_sent;
    uint32_t fin_seq;
    uint32_t cwnd, ssthresh;
    uint8_t dupacks;
    size_t snd_len;
    uint8_t sndbuf[TCP_SNDBUF];

    /* Receive side. rcvbuf[0..rcv_len) is in order and unread; out-of-order
     * bytes sit at rcv_len + ooo[i].start. */
    uint32_t irs, rcv_nxt;
    uint32_t rcv_adv; /* right edge advertised (RCV.NXT + RCV.WND) */
    bool fin_rcvd;    /* FIN seen (perhaps ahead of the data): at rfin_seq */
    bool fin_done;    /* FIN consumed (RCV.NXT moved past it) */
    uint32_t rfin_seq;
    bool rx_manual; /* data stays until tcp_read() (else consumed after TCP_EV_DATA) */
    size_t rcv_len;
    uint8_t n_ooo;
    struct tcp_ooo ooo[TCP_OOO_MAX];
    uint8_t rcvbuf[TCP_RCVBUF];

    /* Timers (absolute ms, 0 = off). */
    uint64_t rtx_at; /* retransmission, SYN retry or zero-window probe */
    uint64_t delack_at;
    uint64_t close_at; /* TIME-WAIT end or FIN-WAIT-2 limit */
    uint8_t retries;
    bool persist;        /* rtx_at is the zero-window probe timer */
    uint32_t persist_ms; /* current probe interval */
    uint8_t delack_segs;
    bool ack_now; /* an ACK must go out before tcp_input() returns */

    /* RFC 6298 state. */
    uint32_t srtt, rttvar, rto; /* ms */
    bool have_rtt, syn_rexmit;
    bool rtt_timing;
    uint32_t rtt_seq;
    uint64_t rtt_start;
};

struct tcp_ctx {
    const struct tcp_ops *ops;
    void *user;
    uint16_t mss; /* MSS we offer and the cap on what we send (TCP_MSS_DEFAULT) */
    struct tcp_counters cnt;
    struct tcp_ep ep[TCP_MAX_EP];
};

/* ---- API -------------------------------------------------------------- */

/* Prepares t (all endpoints free, counters zero). ops->send, ops->rand and
 * ops->event must be set. */
void tcp_ctx_init(struct tcp_ctx *t, const struct tcp_ops *ops, void *user);

/* Takes a free endpoint (state CLOSED); *id receives its index.
 * @retval TCP_OK, TCP_ERR_FULL, TCP_ERR_INVAL. */
enum tcp_err tcp_init(struct tcp_ctx *t, void *ep_user, int *id);

/* Frees the endpoint. A live connection is aborted with a RST first (no
 * event is reported). @retval TCP_OK, TCP_ERR_NOT_FOUND. */
enum tcp_err tcp_deinit(struct tcp_ctx *t, int id);

/* Active open from laddr/lport (lport 0: an ephemeral port) to raddr/rport.
 * Allowed in CLOSED (and TIME-WAIT, which is cut short). Sends the SYN now.
 * @retval TCP_OK, TCP_ERR_INVAL (unspecified/multicast address, rport 0),
 * TCP_ERR_STATE, TCP_ERR_IN_USE, TCP_ERR_NOT_FOUND. */
enum tcp_err tcp_connect(struct tcp_ctx *t, int id, const uint8_t laddr[16], uint16_t lport,
                         const uint8_t raddr[16], uint16_t rport, uint64_t now_ms);

/* Passive open on laddr (NULL or :: for any of the node's addresses)/lport.
 * The endpoint accepts one connection and becomes it.
 * @retval TCP_OK, TCP_ERR_INVAL (lport 0), TCP_ERR_STATE, TCP_ERR_IN_USE, TCP_ERR_NOT_FOUND. */
enum tcp_err tcp_listen(struct tcp_ctx *t, int id, const uint8_t laddr[16], uint16_t lport);

/* Queues up to len bytes for sending; returns the count queued (0 when the
 * buffer is full, the endpoint cannot send, or tcp_send_end() was called).
 * Allowed in SYN-SENT, SYN-RECEIVED, ESTABLISHED, CLOSE-WAIT. */
size_t tcp_send(struct tcp_ctx *t, int id, const void *data, size_t len, uint64_t now_ms);

/* Free send-buffer bytes (0 when the endpoint cannot send). */
size_t tcp_send_space(const struct tcp_ctx *t, int id);

/* Closes our direction: a FIN follows the queued data (RFC 9293 §3.10.4).
 * LISTEN and SYN-SENT go straight to CLOSED (TCP_EV_CLOSED, NORMAL).
 * @retval TCP_OK, TCP_ERR_STATE (already closed / FIN already queued), TCP_ERR_NOT_FOUND. */
enum tcp_err tcp_send_end(struct tcp_ctx *t, int id, uint64_t now_ms);

/* Aborts (RFC 9293 §3.10.5): a RST when SYN-RECEIVED, ESTABLISHED,
 * FIN-WAIT-1/2 or CLOSE-WAIT; buffers emptied; state CLOSED. No event is
 * reported (the caller asked). @retval TCP_OK, TCP_ERR_NOT_FOUND. */
enum tcp_err tcp_abort(struct tcp_ctx *t, int id);

/* Manual receive mode: data stays in the receive buffer (and the window
 * closes) until tcp_read(). Off by default (consumed after TCP_EV_DATA). */
void tcp_set_rx_manual(struct tcp_ctx *t, int id, bool manual);
/* Copies and consumes up to cap unread bytes; may send a window update. */
size_t tcp_read(struct tcp_ctx *t, int id, void *buf, size_t cap, uint64_t now_ms);
/* Unread bytes in the receive buffer. */
size_t tcp_rx_available(const struct tcp_ctx *t, int id);

/* Processes one segment (TCP header + payload) from src to dst. Returns
 * TCP_DROP_NONE when it was used, else the (counted) reason. */
enum tcp_drop tcp_input(struct tcp_ctx *t, const uint8_t src[16], const uint8_t dst[16],
                        const uint8_t *seg, size_t len, uint64_t now_ms);

/* Runs due timers (retransmission, probes, delayed ACKs, TIME-WAIT). */
void tcp_process(struct tcp_ctx *t, uint64_t now_ms);

/* Milliseconds until tcp_process() has work (0 if overdue), -1 for none. */
int64_t tcp_next_timeout_ms(const struct tcp_ctx *t, uint64_t now_ms);

/* Accessors (NULL / CLOSED / 0 for a bad id). */
enum tcp_state tcp_state(const struct tcp_ctx *t, int id);
const struct tcp_ep *tcp_ep_get(const struct tcp_ctx *t, int id);
/* Current RTO in ms (RFC 6298), including backoff. */
uint32_t tcp_rto_ms(const struct tcp_ctx *t, int id);

#endif
