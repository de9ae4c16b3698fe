/*
 * A compact TCP (RFC 9293) for the Thread device stack; see tcp.h.
 *
 * Section references are to RFC 9293 unless another RFC is named. Sequence
 * numbers compare modulo 2^32 (§3.4). Buffers are linear: acknowledged or
 * read bytes are moved out with memmove (4 KiB at most).
 */
#include "ip6/tcp.h"

#include <string.h>

#include "util/csum.h"
#include "util/rd.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

#define OPT_END 0
#define OPT_NOP 1
#define OPT_MSS 2

#define SEG_MAX (TCP_HDR_LEN + 4 + TCP_MSS_MAX)

/* A parsed incoming segment. */
struct seg {
    const uint8_t *src, *dst;
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t wnd;
    uint16_t mss; /* 0: no MSS option */
    const uint8_t *data;
    size_t len; /* payload bytes */
};

/* ---- Names ------------------------------------------------------------ */

const char *tcp_state_str(enum tcp_state s)
{
    static const char *const names[TCP_STATE__COUNT] = {
        "CLOSED",     "LISTEN",     "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1",
        "FIN-WAIT-2", "CLOSE-WAIT", "CLOSING",  "LAST-ACK",     "TIME-WAIT",
    };
    return (unsigned)s < TCP_STATE__COUNT ? names[s] : "?";
}

const char *tcp_err_str(enum tcp_err e)
{
    switch (e) {
    case TCP_OK:
        return "ok";
    case TCP_ERR_INVAL:
        return "invalid argument";
    case TCP_ERR_FULL:
        return "no free endpoint";
    case TCP_ERR_STATE:
        return "invalid state";
    case TCP_ERR_IN_USE:
        return "address in use";
    case TCP_ERR_NOT_FOUND:
        return "no such endpoint";
    }
    return "?";
}

const char *tcp_reason_str(enum tcp_reason r)
{
    static const char *const names[TCP_REASON__COUNT] = {
        "Disconnected",         "Connection refused", "Connection reset", "Entered TIME-WAIT state",
        "Connection timed out",
    };
    return (unsigned)r < TCP_REASON__COUNT ? names[r] : "?";
}

const char *tcp_drop_str(enum tcp_drop d)
{
    static const char *const names[TCP_DROP__COUNT] = {
        "none",          "truncated",    "bad_offset",      "checksum",      "bad_addr",
        "bad_flags",     "no_endpoint",  "no_endpoint_rst", "listen_rst",    "listen_ack",
        "listen_nosyn",  "syn_sent_ack", "syn_sent_nosyn",  "out_of_window", "rst_challenge",
        "syn_challenge", "no_ack",       "ack_unsent",      "ack_too_old",   "syn_rcvd_ack",
        "ooo_full",      "time_wait",
    };
    return (unsigned)d < TCP_DROP__COUNT ? names[d] : "?";
}

/* ---- Helpers ---------------------------------------------------------- */

static bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) <= 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static bool addr_unspecified(const uint8_t a[16])
{
    static const uint8_t zero[16];
    return memcmp(a, zero, 16) == 0;
}

static struct tcp_ep *ep_at(struct tcp_ctx *t, int id)
{
    if (!t || id < 0 || id >= TCP_MAX_EP || !t->ep[id].used)
        return NULL;
    return &t->ep[id];
}

static const struct tcp_ep *ep_at_c(const struct tcp_ctx *t, int id)
{
    if (!t || id < 0 || id >= TCP_MAX_EP || !t->ep[id].used)
        return NULL;
    return &t->ep[id];
}

static int ep_id(const struct tcp_ctx *t, const struct tcp_ep *e)
{
    return (int)(e - t->ep);
}

static enum tcp_drop count_drop(struct tcp_ctx *t, enum tcp_drop d)
{
    t->cnt.drops[d]++;
    t->cnt.rx_dropped++;
    return d;
}

/* Synchronized states (§3.3.2) in which we may have data in flight. */
static bool can_output(const struct tcp_ep *e)
{
    switch (e->state) {
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
    case TCP_FIN_WAIT_1:
    case TCP_CLOSING:
    case TCP_LAST_ACK:
        return true;
    default:
        return false;
    }
}

/* The receive window we can offer: the free in-order space (§3.8.6). */
static uint32_t rcv_space(const struct tcp_ep *e)
{
    return (uint32_t)(TCP_RCVBUF - e->rcv_len);
}

/* Sends an event; false when the callback ended or replaced this
 * connection (the caller must stop touching it). */
static bool emit(struct tcp_ctx *t, struct tcp_ep *e, enum tcp_event_kind k, enum tcp_reason r,
                 const uint8_t *data, size_t len, uint64_t now)
{
    uint32_t gen = e->gen;
    struct tcp_event ev = {k, r, data, len, now};
    if (t->ops && t->ops->event)
        t->ops->event(t->user, t, ep_id(t, e), e->user, &ev);
    return e->used && e->gen == gen;
}

/* Resets the connection part of an endpoint (buffers, timers, sequence
 * state) and sets its state. */
static void ep_reset(struct tcp_ep *e, enum tcp_state st)
{
    void *user = e->user;
    uint32_t gen = e->gen + 1;
    bool manual = e->rx_manual;
    bool listen_any = e->listen_any;
    uint8_t laddr[16];
    uint16_t lport = e->lport;
    memcpy(laddr, e->laddr, 16);
    memset(e, 0, sizeof(*e));
    e->used = true;
    e->user = user;
    e->gen = gen;
    e->rx_manual = manual;
    e->state = (uint8_t)st;
    e->rto = TCP_RTO_INIT_MS;
    memcpy(e->laddr, laddr, 16);
    e->lport = lport;
    e->listen_any = listen_any;
}

/* Ends the connection: CLOSED (or back to LISTEN for a passive open that
 * never completed) and, if report, TCP_EV_CLOSED. */
static void ep_close(struct tcp_ctx *t, struct tcp_ep *e, enum tcp_reason r, bool report,
                     uint64_t now)
{
    ep_reset(e, TCP_CLOSED);
    if (report)
        emit(t, e, TCP_EV_CLOSED, r, NULL, 0, now);
}

/* ---- Output ----------------------------------------------------------- */

/* Builds and sends one segment (§3.1). */
static void xmit_raw(struct tcp_ctx *t, const uint8_t src[16], const uint8_t dst[16],
                     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                     uint16_t wnd, uint16_t mss_opt, const uint8_t *data, size_t len)
{
    uint8_t buf[SEG_MAX];
    struct wr w = wr_init(buf, sizeof(buf));
    size_t hl = TCP_HDR_LEN + (mss_opt ? 4 : 0);
    wr_be16(&w, sport);
    wr_be16(&w, dport);
    wr_be32(&w, seq);
    wr_be32(&w, ack);
    wr_u8(&w, (uint8_t)((hl / 4) << 4));
    wr_u8(&w, flags);
    wr_be16(&w, wnd);
    wr_be16(&w, 0); /* checksum */
    wr_be16(&w, 0); /* urgent pointer */
    if (mss_opt) {
        wr_u8(&w, OPT_MSS);
        wr_u8(&w, 4);
        wr_be16(&w, mss_opt);
    }
    wr_bytes(&w, data, len);
    if (!w.ok)
        return;
    size_t n = hl + len;
    uint32_t s = csum_pseudo6(src, dst, TCP_PROTO, (uint32_t)n);
    be16_put(buf + 16, csum_finish(csum_add(s, buf, n)));
    t->cnt.tx_segments++;
    t->cnt.tx_bytes += (uint32_t)len;
    if (flags & F_RST)
        t->cnt.tx_rst++;
    if (t->ops && t->ops->send)
        t->ops->send(t->user, src, dst, buf, n);
}

/* Sends a segment of the connection; with ACK, it carries RCV.NXT and our
 * window and clears any pending (delayed) ACK. */
static void xmit(struct tcp_ctx *t, struct tcp_ep *e, uint32_t seq, uint8_t flags,
                 const uint8_t *data, size_t len)
{
    uint32_t wnd = rcv_space(e);
    uint16_t mss_opt = (flags & F_SYN) ? t->mss : 0;
    uint32_t ack = 0;
    if (flags & F_ACK) {
        ack = e->rcv_nxt;
        if (seq_lt(e->rcv_adv, e->rcv_nxt + wnd))
            e->rcv_adv = e->rcv_nxt + wnd;
        e->ack_now = false;
        e->delack_at = 0;
        e->delack_segs = 0;
    }
    xmit_raw(t, e->laddr, e->raddr, e->lport, e->rport, seq, ack, flags, (uint16_t)wnd, mss_opt,
             data, len);
}

static void send_ack(struct tcp_ctx *t, struct tcp_ep *e)
{
    xmit(t, e, e->snd_nxt, F_ACK, NULL, 0);
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), §3.5. */
static void send_syn(struct tcp_ctx *t, struct tcp_ep *e)
{
    uint8_t fl = e->state == TCP_SYN_SENT ? F_SYN : (F_SYN | F_ACK);
    xmit(t, e, e->iss, fl, NULL, 0);
}

/* Sends the data (and FIN, if it is the end) at seq, at most lim bytes.
 * Returns the sequence space used. */
static uint32_t send_at(struct tcp_ctx *t, struct tcp_ep *e, uint32_t seq, uint32_t lim)
{
    uint32_t off = seq - e->snd_buf;
    if (off > e->snd_len)
        return 0; /* only the FIN remains and it is beyond seq */
    uint32_t n = min_u32(min_u32((uint32_t)e->snd_len - off, lim), e->mss);
    bool fin = e->fin_queued && off + n == e->snd_len;
    uint8_t fl = F_ACK;
    if (fin)
        fl |= F_FIN;
    if (n && off + n == e->snd_len)
        fl |= F_PSH;
    if (!n && !fin)
        return 0;
    xmit(t, e, seq, fl, e->sndbuf + off, n);
    if (fin) {
        e->fin_sent = true;
        e->fin_seq = seq + n;
    }
    return n + (fin ? 1 : 0);
}

static void arm_rtx(struct tcp_ep *e, uint64_t now)
{
    e->persist = false;
    e->rtx_at = now + e->rto;
}

/* Sends what the windows allow (§3.8.6.2.1 sender SWS avoidance, RFC 5681
 * congestion window), then arms the retransmission or persist timer. */
static void output(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    if (!can_output(e))
        return;
    for (;;) {
        uint32_t data_end = e->snd_buf + (uint32_t)e->snd_len;
        uint32_t win = min_u32(e->snd_wnd, e->cwnd);
        uint32_t usable = seq_lt(e->snd_nxt, e->snd_una + win) ? e->snd_una + win - e->snd_nxt : 0;
        uint32_t avail = seq_lt(e->snd_nxt, data_end) ? data_end - e->snd_nxt : 0;
        bool fin_due =
            e->fin_queued && seq_le(e->snd_nxt, data_end) && seq_lt(e->snd_una, data_end + 1);
        uint32_t n = min_u32(min_u32(avail, usable), e->mss);
        if (n == 0 && !(fin_due && avail == 0))
            break;
        /* Sender SWS avoidance: a full segment, everything we have, or
         * nothing in flight; else wait for ACKs. */
        if (n < e->mss && n < avail && e->snd_nxt != e->snd_una && n < e->max_snd_wnd / 2)
            break;
        bool fresh = e->snd_nxt == e->snd_max;
        uint32_t used = send_at(t, e, e->snd_nxt, n);
        if (!used)
            break;
        if (fresh && !e->rtt_timing) {
            /* Karn: only segments sent once are timed (RFC 6298 §3). */
            e->rtt_timing = true;
            e->rtt_seq = e->snd_nxt;
            e->rtt_start = now;
        }
        e->snd_nxt += used;
        if (seq_lt(e->snd_max, e->snd_nxt))
            e->snd_max = e->snd_nxt;
        if (!e->rtx_at || e->persist)
            arm_rtx(e, now); /* RFC 6298 §5.1 */
    }
    /* Zero window with data waiting and nothing in flight: probe (§3.8.6.1). */
    uint32_t data_end = e->snd_buf + (uint32_t)e->snd_len;
    bool pending = seq_lt(e->snd_nxt, data_end) || (e->fin_queued && !e->fin_sent);
    if (e->snd_wnd == 0 && pending && e->snd_una == e->snd_max && !e->rtx_at) {
        e->persist = true;
        if (!e->persist_ms)
            e->persist_ms = e->rto;
        e->rtx_at = now + e->persist_ms;
    }
}

/* RST answering a segment with no connection (§3.10.7.1). */
static void send_reset_for(struct tcp_ctx *t, const struct seg *s)
{
    if (s->flags & F_ACK) {
        xmit_raw(t, s->dst, s->src, s->dport, s->sport, s->ack, 0, F_RST, 0, 0, NULL, 0);
    } else {
        uint32_t l = (uint32_t)s->len + ((s->flags & F_SYN) ? 1 : 0) + ((s->flags & F_FIN) ? 1 : 0);
        xmit_raw(t, s->dst, s->src, s->dport, s->sport, 0, s->seq + l, F_RST | F_ACK, 0, 0, NULL,
                 0);
    }
}

/* ---- RTT (RFC 6298 §2) ----------------------------------------------- */

static void rtt_sample(struct tcp_ep *e, uint32_t r)
{
    if (!e->have_rtt) {
        /* §2.2 */
        e->srtt = r;
        e->rttvar = r / 2;
        e->have_rtt = true;
    } else {
        /* §2.3, alpha = 1/8, beta = 1/4 */
        uint32_t d = e->srtt > r ? e->srtt - r : r - e->srtt;
        e->rttvar = (3 * e->rttvar + d) / 4;
        e->srtt = (7 * e->srtt + r) / 8;
    }
    uint32_t rto = e->srtt + max_u32(1, 4 * e->rttvar);             /* G = 1 ms */
    e->rto = min_u32(max_u32(rto, TCP_RTO_MIN_MS), TCP_RTO_MAX_MS); /* §2.4, §2.5 */
}

static void rto_backoff(struct tcp_ep *e)
{
    e->rto = min_u32(e->rto * 2, TCP_RTO_MAX_MS); /* §5.5 */
}

/* ---- Receive buffer --------------------------------------------------- */

/* Drops n in-order bytes from the front (read by the application). */
static void rcv_consume(struct tcp_ep *e, size_t n)
{
    uint32_t top = 0;
    for (unsigned i = 0; i < e->n_ooo; i++)
        top = max_u32(top, e->ooo[i].end);
    size_t keep = e->rcv_len - n + top;
    memmove(e->rcvbuf, e->rcvbuf + n, keep);
    e->rcv_len -= n;
}

/* RCV.NXT advanced by n in-order bytes: rebase the out-of-order ranges and
 * absorb those that now touch the in-order data. Returns the extra bytes
 * that became in order. */
static uint32_t ooo_advance(struct tcp_ep *e, uint32_t n)
{
    uint32_t gained = 0, shift = n;
    while (shift) {
        uint32_t add = 0;
        unsigned m = 0;
        for (unsigned i = 0; i < e->n_ooo; i++) {
            struct tcp_ooo o = e->ooo[i];
            if (o.end <= shift)
                continue; /* now entirely in order */
            o.start = o.start > shift ? o.start - shift : 0;
            o.end -= shift;
            if (o.start == 0) {
                add = max_u32(add, o.end); /* joins the in-order data */
                continue;
            }
            e->ooo[m++] = o;
        }
        e->n_ooo = (uint8_t)m;
        gained += add;
        shift = add;
    }
    return gained;
}

/* Records out-of-order bytes at [off, off+len) past the in-order data.
 * False when no range slot is free. */
static bool ooo_add(struct tcp_ep *e, uint32_t off, uint32_t len)
{
    uint32_t s = off, en = off + len;
    /* Merge with every overlapping or adjacent range. */
    unsigned j = 0;
    struct tcp_ooo keep[TCP_OOO_MAX];
    for (unsigned i = 0; i < e->n_ooo; i++) {
        struct tcp_ooo o = e->ooo[i];
        if (o.end < s || o.start > en) {
            keep[j++] = o;
            continue;
        }
        s = min_u32(s, o.start);
        en = max_u32(en, o.end);
    }
    if (j >= TCP_OOO_MAX)
        return false;
    keep[j].start = s;
    keep[j].end = en;
    j++;
    memcpy(e->ooo, keep, j * sizeof(keep[0]));
    e->n_ooo = (uint8_t)j;
    return true;
}

/* ---- Timers ----------------------------------------------------------- */

enum tcp_err tcp_abort(struct tcp_ctx *t, int id)
{
    struct tcp_ep *e = ep_at(t, id);
    if (!e)
        return TCP_ERR_NOT_FOUND;
    switch (e->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
    case TCP_FIN_WAIT_1:
    case TCP_FIN_WAIT_2:
    case TCP_CLOSE_WAIT:
        xmit(t, e, e->snd_nxt, F_RST, NULL, 0); /* §3.10.5 */
        break;
    default:
        break;
    }
    ep_reset(e, TCP_CLOSED);
    return TCP_OK;
}

/* The retransmission timer fired (RFC 6298 §5.4-5.6) or the persist timer. */
static void on_rtx_timer(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    e->rtx_at = 0;
    if (e->persist) {
        /* Zero-window probe: one byte (or the FIN) beyond the window. */
        e->persist = false;
        uint32_t data_end = e->snd_buf + (uint32_t)e->snd_len;
        if (e->snd_wnd == 0 && seq_le(e->snd_nxt, data_end) && e->snd_una == e->snd_nxt) {
            uint32_t used = send_at(t, e, e->snd_nxt, 1);
            if (used && seq_lt(e->snd_max, e->snd_nxt + used))
                e->snd_max = e->snd_nxt + used;
            t->cnt.probes++;
            e->persist_ms = min_u32(e->persist_ms * 2, TCP_PERSIST_MAX_MS);
            e->persist = true;
            e->rtx_at = now + e->persist_ms;
        } else {
            output(t, e, now);
        }
        return;
    }
    if (e->state == TCP_SYN_SENT || e->state == TCP_SYN_RECEIVED) {
        if (++e->retries > TCP_SYN_RETRIES) {
            if (e->passive)
                ep_reset(e, TCP_LISTEN); /* nobody saw this connection */
            else
                ep_close(t, e, TCP_REASON_TIMED_OUT, true, now);
            return;
        }
        rto_backoff(e);
        e->syn_rexmit = true;
        e->rtt_timing = false;
        t->cnt.retransmits++;
        send_syn(t, e);
        arm_rtx(e, now);
        return;
    }
    if (!can_output(e) || e->snd_una == e->snd_max)
        return;
    if (++e->retries > TCP_MAX_RETRIES) {
        ep_close(t, e, TCP_REASON_TIMED_OUT, true, now); /* §3.8.3 R2 */
        return;
    }
    /* RFC 5681 §3.1 eq. 4 and loss window. */
    uint32_t flight = e->snd_max - e->snd_una;
    e->ssthresh = max_u32(flight / 2, 2u * e->mss);
    e->cwnd = e->mss;
    e->dupacks = 0;
    rto_backoff(e);
    e->rtt_timing = false;
    e->snd_nxt = e->snd_una; /* go back: resend from the first unacknowledged */
    t->cnt.retransmits++;
    output(t, e, now);
    if (!e->rtx_at)
        arm_rtx(e, now);
}

void tcp_process(struct tcp_ctx *t, uint64_t now_ms)
{
    for (int i = 0; i < TCP_MAX_EP; i++) {
        struct tcp_ep *e = &t->ep[i];
        if (!e->used)
            continue;
        if (e->close_at && now_ms >= e->close_at) {
            e->close_at = 0;
            if (e->state == TCP_TIME_WAIT) {
                ep_reset(e, TCP_CLOSED); /* already reported on entry */
                continue;
            }
            if (e->state == TCP_FIN_WAIT_2) {
                ep_close(t, e, TCP_REASON_TIMED_OUT, true, now_ms);
                continue;
            }
        }
        if (e->rtx_at && now_ms >= e->rtx_at) {
            on_rtx_timer(t, e, now_ms);
            if (!e->used)
                continue;
        }
        if (e->delack_at && now_ms >= e->delack_at) {
            e->delack_at = 0;
            if (e->state >= TCP_SYN_RECEIVED)
                send_ack(t, e);
        }
    }
}

int64_t tcp_next_timeout_ms(const struct tcp_ctx *t, uint64_t now_ms)
{
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < TCP_MAX_EP; i++) {
        const struct tcp_ep *e = &t->ep[i];
        if (!e->used)
            continue;
        uint64_t at[3] = {e->rtx_at, e->delack_at, e->close_at};
        for (int k = 0; k < 3; k++)
            if (at[k] && at[k] < best)
                best = at[k];
    }
    if (best == UINT64_MAX)
        return -1;
    return best <= now_ms ? 0 : (int64_t)(best - now_ms);
}

/* ---- API -------------------------------------------------------------- */

void tcp_ctx_init(struct tcp_ctx *t, const struct tcp_ops *ops, void *user)
{
    memset(t, 0, sizeof(*t));
    t->ops = ops;
    t->user = user;
    t->mss = TCP_MSS_DEFAULT;
}

enum tcp_err tcp_init(struct tcp_ctx *t, void *ep_user, int *id)
{
    if (!t || !id)
        return TCP_ERR_INVAL;
    for (int i = 0; i < TCP_MAX_EP; i++) {
        struct tcp_ep *e = &t->ep[i];
        if (e->used)
            continue;
        uint32_t gen = e->gen;
        memset(e, 0, sizeof(*e));
        e->used = true;
        e->gen = gen + 1;
        e->user = ep_user;
        e->rto = TCP_RTO_INIT_MS;
        *id = i;
        return TCP_OK;
    }
    return TCP_ERR_FULL;
}

enum tcp_err tcp_deinit(struct tcp_ctx *t, int id)
{
    struct tcp_ep *e = ep_at(t, id);
    if (!e)
        return TCP_ERR_NOT_FOUND;
    tcp_abort(t, id);
    e->used = false;
    e->gen++;
    return TCP_OK;
}

static uint16_t mss_clamp(uint16_t m)
{
    if (m < TCP_MSS_MIN)
        return TCP_MSS_MIN;
    return m > TCP_MSS_MAX ? TCP_MSS_MAX : m;
}

static bool tuple_used(const struct tcp_ctx *t, const uint8_t la[16], uint16_t lp,
                       const uint8_t ra[16], uint16_t rp)
{
    for (int i = 0; i < TCP_MAX_EP; i++) {
        const struct tcp_ep *o = &t->ep[i];
        if (!o->used || o->state == TCP_CLOSED || o->state == TCP_LISTEN)
            continue;
        if (o->lport == lp && o->rport == rp && !memcmp(o->laddr, la, 16) &&
            !memcmp(o->raddr, ra, 16))
            return true;
    }
    return false;
}

static bool port_used(const struct tcp_ctx *t, uint16_t lp)
{
    for (int i = 0; i < TCP_MAX_EP; i++)
        if (t->ep[i].used && t->ep[i].state != TCP_CLOSED && t->ep[i].lport == lp)
            return true;
    return false;
}

enum tcp_err tcp_connect(struct tcp_ctx *t, int id, const uint8_t laddr[16], uint16_t lport,
                         const uint8_t raddr[16], uint16_t rport, uint64_t now_ms)
{
    struct tcp_ep *e = ep_at(t, id);
    if (!e)
        return TCP_ERR_NOT_FOUND;
    if (!laddr || !raddr || rport == 0 || addr_unspecified(laddr) || addr_unspecified(raddr) ||
        laddr[0] == 0xff || raddr[0] == 0xff)
        return TCP_ERR_INVAL;
    if (e->state != TCP_CLOSED && e->state != TCP_TIME_WAIT)
        return TCP_ERR_STATE;
    if (lport == 0) {
        for (unsigned tries = 0; tries < 64 && lport == 0; tries++) {
            uint16_t p = (uint16_t)(TCP_EPHEMERAL_MIN + t->ops->rand(t->user) % 16384u);
            if (!port_used(t, p))
                lport = p;
        }
        if (lport == 0)
            return TCP_ERR_IN_USE;
    } else if (tuple_used(t, laddr, lport, raddr, rport)) {
        return TCP_ERR_IN_USE;
    }
    ep_reset(e, TCP_SYN_SENT);
    memcpy(e->laddr, laddr, 16);
    memcpy(e->raddr, raddr, 16);
    e->lport = lport;
    e->rport = rport;
    e->iss = t->ops->rand(t->user); /* §3.4.1 */
    e->snd_una = e->iss;
    e->snd_nxt = e->iss + 1;
    e->snd_max = e->iss + 1;
    e->snd_buf = e->iss + 1;
    e->mss = mss_clamp(t->mss);
    send_syn(t, e);
    e->rtt_timing = true;
    e->rtt_seq = e->iss;
    e->rtt_start = now_ms;
    arm_rtx(e, now_ms);
    return TCP_OK;
}

enum tcp_err tcp_listen(struct tcp_ctx *t, int id, const uint8_t laddr[16], uint16_t lport)
{
    struct tcp_ep *e = ep_at(t, id);
    if (!e)
        return TCP_ERR_NOT_FOUND;
    if (lport == 0 || (laddr && laddr[0] == 0xff))
        return TCP_ERR_INVAL;
    if (e->state != TCP_CLOSED && e->state != TCP_TIME_WAIT)
        return TCP_ERR_STATE;
    bool any = !laddr || addr_unspecified(laddr);
    for (int i = 0; i < TCP_MAX_EP; i++) {
        const struct tcp_ep *o = &t->ep[i];
        if (o == e || !o->used || o->state != TCP_LISTEN || o->lport != lport)
            continue;
        if (any || o->listen_any || !memcmp(o->laddr, laddr, 16))
            return TCP_ERR_IN_USE;
    }
    ep_reset(e, TCP_CLOSED);
    e->state = TCP_LISTEN;
    e->lport = lport;
    e->listen_any = any;
    if (!any)
        memcpy(e->laddr, laddr, 16);
    return TCP_OK;
}

size_t tcp_send_space(const struct tcp_ctx *t, int id)
{
    const struct tcp_ep *e = ep_at_c(t, id);
    if (!e || e->fin_queued)
        return 0;
    switch (e->state) {
    case TCP_SYN_SENT:
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
    case TCP_CLOSE_WAIT:
        return TCP_SNDBUF - e->snd_len;
    default:
        return 0;
    }
}

size_t tcp_send(struct tcp_ctx *t, int id, const void *data, size_t len, uint64_t now_ms)
{
    size_t room = tcp_send_space(t, id);
    if (!room || !data)
        return 0;
    struct tcp_ep *e = &t->ep[id];
    size_t n = len < room ? len : room;
    memcpy(e->sndbuf + e->snd_len, data, n);
    e->snd_len += n;
    output(t, e, now_ms);
    return n;
}

enum tcp_err tcp_send_end(struct tcp_ctx *t, int id, uint64_t now_ms)
{
    struct tcp_ep *e = ep_at(t, id);
    if (!e)
        return TCP_ERR_NOT_FOUND;
    if (e->fin_queued)
        return TCP_ERR_STATE;
    switch (e->state) {
    case TCP_LISTEN:
    case TCP_SYN_SENT:
        ep_close(t, e, TCP_REASON_NORMAL, true, now_ms); /* §3.10.4 */
        return TCP_OK;
    case TCP_SYN_RECEIVED:
        e->fin_queued = true; /* FIN-WAIT-1 once established */
        return TCP_OK;
    case TCP_ESTABLISHED:
        e->fin_queued = true;
        e->state = TCP_FIN_WAIT_1;
        break;
    case TCP_CLOSE_WAIT:
        e->fin_queued = true;
        e->state = TCP_LAST_ACK;
        break;
    default:
        return TCP_ERR_STATE;
    }
    output(t, e, now_ms);
    return TCP_OK;
}

void tcp_set_rx_manual(struct tcp_ctx *t, int id, bool manual)
{
    struct tcp_ep *e = ep_at(t, id);
    if (e)
        e->rx_manual = manual;
}

size_t tcp_rx_available(const struct tcp_ctx *t, int id)
{
    const struct tcp_ep *e = ep_at_c(t, id);
    return e ? e->rcv_len : 0;
}

size_t tcp_read(struct tcp_ctx *t, int id, void *buf, size_t cap, uint64_t now_ms)
{
    (void)now_ms;
    struct tcp_ep *e = ep_at(t, id);
    if (!e || !buf)
        return 0;
    size_t n = cap < e->rcv_len ? cap : e->rcv_len;
    if (!n)
        return 0;
    memcpy(buf, e->rcvbuf, n);
    rcv_consume(e, n);
    /* Window update when the right edge moves by min(RCVBUF/2, MSS)
     * (§3.8.6.2.2 receiver SWS avoidance). */
    if (e->state >= TCP_SYN_RECEIVED && !e->fin_done) {
        uint32_t grow = e->rcv_nxt + rcv_space(e) - e->rcv_adv;
        if ((int32_t)grow >= (int32_t)min_u32(TCP_RCVBUF / 2, t->mss))
            send_ack(t, e);
    }
    return n;
}

enum tcp_state tcp_state(const struct tcp_ctx *t, int id)
{
    const struct tcp_ep *e = ep_at_c(t, id);
    return e ? (enum tcp_state)e->state : TCP_CLOSED;
}

const struct tcp_ep *tcp_ep_get(const struct tcp_ctx *t, int id)
{
    return ep_at_c(t, id);
}

uint32_t tcp_rto_ms(const struct tcp_ctx *t, int id)
{
    const struct tcp_ep *e = ep_at_c(t, id);
    return e ? e->rto : 0;
}

/* ---- Input ------------------------------------------------------------ */

/* Parses the header and options (§3.1, §3.2). */
static enum tcp_drop parse(const uint8_t *p, size_t len, struct seg *s)
{
    struct rd r = rd_init(p, len);
    uint8_t off, fl;
    uint16_t csum, urp;
    if (!rd_be16(&r, &s->sport) || !rd_be16(&r, &s->dport) || !rd_be32(&r, &s->seq) ||
        !rd_be32(&r, &s->ack) || !rd_u8(&r, &off) || !rd_u8(&r, &fl) || !rd_be16(&r, &s->wnd) ||
        !rd_be16(&r, &csum) || !rd_be16(&r, &urp))
        return TCP_DROP_TRUNCATED;
    size_t hl = (size_t)(off >> 4) * 4;
    struct rd opt;
    if (hl < TCP_HDR_LEN || !rd_sub(&r, hl - TCP_HDR_LEN, &opt))
        return TCP_DROP_BAD_OFFSET;
    s->flags = fl & 0x3f;
    s->data = r.p;
    s->len = r.left;
    s->mss = 0;
    /* Options: malformed ones end the walk (§3.2: be robust). */
    uint8_t kind, olen;
    while (rd_u8(&opt, &kind) && kind != OPT_END) {
        if (kind == OPT_NOP)
            continue;
        if (!rd_u8(&opt, &olen) || olen < 2 || (size_t)olen - 2 > opt.left)
            break;
        if (kind == OPT_MSS && olen == 4) {
            uint16_t m = 0;
            if (rd_be16(&opt, &m))
                s->mss = m ? m : 1;
        } else {
            rd_skip(&opt, (size_t)olen - 2);
        }
    }
    return TCP_DROP_NONE;
}

static struct tcp_ep *demux(struct tcp_ctx *t, const struct seg *s)
{
    struct tcp_ep *listener = NULL;
    for (int i = 0; i < TCP_MAX_EP; i++) {
        struct tcp_ep *e = &t->ep[i];
        if (!e->used || e->state == TCP_CLOSED || e->lport != s->dport)
            continue;
        if (e->state == TCP_LISTEN) {
            if (!listener && (e->listen_any || !memcmp(e->laddr, s->dst, 16)))
                listener = e;
            continue;
        }
        if (e->rport == s->sport && !memcmp(e->raddr, s->src, 16) && !memcmp(e->laddr, s->dst, 16))
            return e;
    }
    return listener;
}

static void set_peer_mss(struct tcp_ctx *t, struct tcp_ep *e, uint16_t opt)
{
    uint16_t peer = opt ? opt : TCP_MSS_MAX; /* §3.7.1 default for IPv6 */
    e->mss = mss_clamp(peer < t->mss ? peer : t->mss);
    /* RFC 5681 §3.1 initial window (RFC 3390). */
    e->cwnd = min_u32(4u * e->mss, max_u32(2u * e->mss, 4380));
    e->ssthresh = 0xffff;
}

/* The SYN exchange completed (both opens). */
static bool on_established(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    e->syn_acked = true;
    e->retries = 0;
    e->rtx_at = 0;
    if (e->syn_rexmit && !e->have_rtt)
        e->rto = TCP_RTO_SYN_LOST_MS; /* RFC 6298 §5.7 */
    if (e->fin_queued) {
        e->state = TCP_FIN_WAIT_1;
    } else {
        e->state = TCP_ESTABLISHED;
    }
    return emit(t, e, TCP_EV_CONNECTED, TCP_REASON_NORMAL, NULL, 0, now);
}

/* A new cumulative ACK (SND.UNA < ack <= SND.MAX), RFC 9293 §3.10.7.4
 * fifth step, RFC 6298 §5.2-5.3, RFC 5681 §3.1. Returns bytes freed. */
static size_t ack_advance(struct tcp_ep *e, uint32_t ack, uint64_t now)
{
    if (e->rtt_timing && seq_lt(e->rtt_seq, ack)) {
        e->rtt_timing = false;
        uint64_t r = now - e->rtt_start;
        rtt_sample(e, r > 0xffffffu ? 0xffffffu : (uint32_t)r);
    }
    size_t freed = 0;
    if (seq_lt(e->snd_buf, ack)) {
        uint32_t n = min_u32(ack - e->snd_buf, (uint32_t)e->snd_len);
        memmove(e->sndbuf, e->sndbuf + n, e->snd_len - n);
        e->snd_len -= n;
        e->snd_buf += n;
        freed = n;
    }
    uint32_t acked = ack - e->snd_una;
    e->snd_una = ack;
    if (seq_lt(e->snd_nxt, ack))
        e->snd_nxt = ack;
    e->retries = 0;
    e->dupacks = 0;
    if (e->cwnd < e->ssthresh)
        e->cwnd += min_u32(acked, e->mss); /* slow start */
    else
        e->cwnd += max_u32(1, (uint32_t)e->mss * e->mss / e->cwnd); /* avoidance */
    e->cwnd = min_u32(e->cwnd, 0xffff);
    if (e->snd_una == e->snd_max) {
        e->rtx_at = 0; /* RFC 6298 §5.2 */
        e->persist = false;
    } else if (!e->persist) {
        e->rtx_at = now + e->rto; /* §5.3 */
    }
    return freed;
}

static bool fin_acked(const struct tcp_ep *e)
{
    return e->fin_sent && seq_lt(e->fin_seq, e->snd_una);
}

static void enter_time_wait(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    e->state = TCP_TIME_WAIT;
    e->rtx_at = 0;
    e->persist = false;
    e->delack_at = 0;
    e->close_at = now + TCP_TIME_WAIT_MS;
    e->gen++;
    emit(t, e, TCP_EV_CLOSED, TCP_REASON_TIME_WAIT, NULL, 0, now);
}

/* The FIN at RCV.NXT is consumed (§3.10.7.4 eighth step). False when the
 * connection is gone or was replaced by the event callback. */
static bool take_fin(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    bool tw = false;
    e->fin_done = true;
    e->rcv_nxt++;
    switch (e->state) {
    case TCP_SYN_RECEIVED:
    case TCP_ESTABLISHED:
        e->state = TCP_CLOSE_WAIT;
        break;
    case TCP_FIN_WAIT_1:
        if (fin_acked(e))
            tw = true;
        else
            e->state = TCP_CLOSING;
        break;
    case TCP_FIN_WAIT_2:
        tw = true;
        break;
    default:
        return true;
    }
    send_ack(t, e);
    if (!emit(t, e, TCP_EV_PEER_FIN, TCP_REASON_NORMAL, NULL, 0, now))
        return false;
    if (tw) {
        enter_time_wait(t, e, now);
        return false;
    }
    return true;
}

/* Seventh and eighth steps: data and FIN at seq (already trimmed to the
 * window). Returns a drop reason for a partially dropped segment or
 * TCP_DROP_NONE; *alive false when the connection went away. */
static enum tcp_drop take_text(struct tcp_ctx *t, struct tcp_ep *e, uint32_t seq,
                               const uint8_t *data, uint32_t len, bool fin, uint64_t now,
                               bool *alive)
{
    enum tcp_drop res = TCP_DROP_NONE;
    *alive = true;
    bool text_ok =
        e->state == TCP_ESTABLISHED || e->state == TCP_FIN_WAIT_1 || e->state == TCP_FIN_WAIT_2;
    if (!text_ok)
        return res; /* §3.10.7.4: data after the peer's FIN is ignored */
    if (fin && !e->fin_rcvd) {
        e->fin_rcvd = true;
        e->rfin_seq = seq + len;
    }
    if (len) {
        uint32_t off = seq - e->rcv_nxt;
        memcpy(e->rcvbuf + e->rcv_len + off, data, len);
        if (off == 0) {
            size_t before = e->rcv_len;
            bool gap_filled = e->n_ooo > 0;
            uint32_t got = len + ooo_advance(e, len);
            e->rcv_nxt += got;
            e->rcv_len += got;
            t->cnt.rx_bytes += got;
            if (gap_filled || ++e->delack_segs >= 2)
                e->ack_now = true; /* RFC 5681 §4.2, §3.8.6.3 */
            else if (!e->delack_at)
                e->delack_at = now + TCP_DELACK_MS;
            if (!emit(t, e, TCP_EV_DATA, TCP_REASON_NORMAL, e->rcvbuf + before, got, now)) {
                *alive = false;
                return res;
            }
            if (!e->rx_manual && e->rcv_len)
                rcv_consume(e, e->rcv_len);
        } else {
            if (ooo_add(e, off, len))
                t->cnt.rx_ooo++;
            else
                res = count_drop(t, TCP_DROP_OOO_FULL);
            e->ack_now = true; /* duplicate ACK for fast retransmit */
        }
    }
    if (e->fin_rcvd && !e->fin_done && e->rcv_nxt == e->rfin_seq) {
        if (!take_fin(t, e, now))
            *alive = false;
    }
    return res;
}

/* Retransmissions answered with our last segment again (§3.10.7.4): a
 * repeated SYN in SYN-RECEIVED gets the SYN-ACK, a repeated FIN in
 * TIME-WAIT its ACK and a fresh 2 MSL. True when the segment was answered. */
static bool answer_retransmit(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s,
                              uint32_t seg_len, uint64_t now)
{
    if (e->state == TCP_SYN_RECEIVED && (s->flags & (F_SYN | F_ACK | F_RST)) == F_SYN &&
        s->seq == e->irs) {
        send_syn(t, e);
        return true;
    }
    if (e->state == TCP_TIME_WAIT && !(s->flags & (F_RST | F_SYN))) {
        if ((s->flags & F_FIN) && s->seq + seg_len == e->rcv_nxt) {
            send_ack(t, e);
            e->close_at = now + TCP_TIME_WAIT_MS;
            return true;
        }
    }
    return false;
}

/* §3.10.7.4 first step: the four acceptability cases for a segment of
 * seg_len sequence numbers against a receive window of wnd. */
static bool seq_acceptable(const struct tcp_ep *e, const struct seg *s, uint32_t seg_len,
                           uint32_t wnd)
{
    if (seg_len == 0)
        return wnd == 0 ? s->seq == e->rcv_nxt
                        : seq_le(e->rcv_nxt, s->seq) && seq_lt(s->seq, e->rcv_nxt + wnd);
    if (wnd == 0)
        return false;
    return (seq_le(e->rcv_nxt, s->seq) && seq_lt(s->seq, e->rcv_nxt + wnd)) ||
           (seq_le(e->rcv_nxt, s->seq + seg_len - 1) &&
            seq_lt(s->seq + seg_len - 1, e->rcv_nxt + wnd));
}

/* §3.10.7.4 first step: an unacceptable segment is dropped and, unless it
 * is a RST, answered with an ACK. */
static enum tcp_drop reject_unacceptable(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s)
{
    if (!(s->flags & F_RST)) {
        if (s->len && seq_lt(s->seq, e->rcv_nxt))
            t->cnt.rx_dup_bytes += (uint32_t)s->len;
        send_ack(t, e);
    }
    return count_drop(t, e->state == TCP_TIME_WAIT ? TCP_DROP_TIME_WAIT : TCP_DROP_OUT_OF_WINDOW);
}

/* A challenge ACK (RFC 5961 §3.2, §4) for an in-window RST or SYN. */
static enum tcp_drop challenge_ack(struct tcp_ctx *t, struct tcp_ep *e, enum tcp_drop why)
{
    t->cnt.challenge_acks++;
    send_ack(t, e);
    return count_drop(t, why);
}

/* §3.10.7.4 second step with RFC 5961 §3.2: only a RST exactly at RCV.NXT
 * resets the connection; any other in-window RST draws a challenge ACK. */
static enum tcp_drop input_rst(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s,
                               uint64_t now)
{
    if (s->seq != e->rcv_nxt)
        return challenge_ack(t, e, TCP_DROP_RST_CHALLENGE);
    switch (e->state) {
    case TCP_SYN_RECEIVED:
        if (e->passive)
            ep_reset(e, TCP_LISTEN);
        else
            ep_close(t, e, TCP_REASON_REFUSED, true, now);
        break;
    case TCP_TIME_WAIT:
        ep_reset(e, TCP_CLOSED);
        break;
    default:
        ep_close(t, e, TCP_REASON_RESET, true, now);
        break;
    }
    return TCP_DROP_NONE;
}

/* §3.10.7.4 fifth step in SYN-RECEIVED: an ACK of our SYN establishes the
 * connection, any other ACK draws a RST. False when processing ends here,
 * with the result in *res. */
static bool ack_syn_received(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s, uint64_t now,
                             enum tcp_drop *res)
{
    if (!(seq_lt(e->snd_una, s->ack) && seq_le(s->ack, e->snd_max))) {
        xmit_raw(t, s->dst, s->src, s->dport, s->sport, s->ack, 0, F_RST, 0, 0, NULL, 0);
        *res = count_drop(t, TCP_DROP_SYN_RCVD_ACK);
        return false;
    }
    e->snd_wnd = s->wnd;
    e->max_snd_wnd = max_u32(e->max_snd_wnd, s->wnd);
    e->snd_wl1 = s->seq;
    e->snd_wl2 = s->ack;
    ack_advance(e, s->ack, now);
    *res = TCP_DROP_NONE;
    return on_established(t, e, now);
}

/* Duplicate ACK (RFC 5681 §2): nothing new acknowledged, no data, same
 * window, data outstanding. */
static bool is_dup_ack(const struct tcp_ep *e, const struct seg *s)
{
    return s->ack == e->snd_una && s->len == 0 && !(s->flags & F_FIN) && s->wnd == e->snd_wnd &&
           e->snd_una != e->snd_max && !e->persist;
}

/* Fast retransmit on the third duplicate ACK (RFC 5681 §3.2). */
static void dup_ack(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now)
{
    if (++e->dupacks == 3) {
        uint32_t flight = e->snd_max - e->snd_una;
        e->ssthresh = max_u32(flight / 2, 2u * e->mss);
        e->cwnd = e->ssthresh;
        e->rtt_timing = false;
        t->cnt.fast_retransmits++;
        send_at(t, e, e->snd_una, e->mss);
        arm_rtx(e, now);
    }
}

/* §3.10.7.4 fifth step: the send window update (SND.WL1/WL2 rule); a
 * window that opens ends persist mode (§3.8.6.1). */
static void window_update(struct tcp_ep *e, const struct seg *s, uint64_t now)
{
    if (seq_le(e->snd_una, s->ack) &&
        (seq_lt(e->snd_wl1, s->seq) || (e->snd_wl1 == s->seq && seq_le(e->snd_wl2, s->ack)))) {
        bool opened = e->snd_wnd == 0 && s->wnd > 0;
        e->snd_wnd = s->wnd;
        e->max_snd_wnd = max_u32(e->max_snd_wnd, s->wnd);
        e->snd_wl1 = s->seq;
        e->snd_wl2 = s->ack;
        if (opened && e->persist) {
            e->persist = false;
            e->rtx_at = e->snd_una == e->snd_max ? 0 : now + e->rto;
            e->persist_ms = 0;
        }
    }
    if (e->snd_wnd)
        e->persist_ms = 0;
}

/* §3.10.7.4 fifth step, the per-state part: an ACK of our FIN moves the
 * closing states on. False when processing ends here, with *res. */
static bool ack_closing(struct tcp_ctx *t, struct tcp_ep *e, uint64_t now, enum tcp_drop *res)
{
    switch (e->state) {
    case TCP_FIN_WAIT_1:
        if (fin_acked(e)) {
            e->state = TCP_FIN_WAIT_2;
            e->close_at = now + TCP_FIN_WAIT2_MS;
        }
        break;
    case TCP_FIN_WAIT_2:
        e->close_at = now + TCP_FIN_WAIT2_MS; /* the peer is alive */
        break;
    case TCP_CLOSING:
        if (fin_acked(e)) {
            enter_time_wait(t, e, now);
            return false;
        }
        break;
    case TCP_LAST_ACK:
        if (fin_acked(e)) {
            ep_close(t, e, TCP_REASON_NORMAL, true, now);
            return false;
        }
        break;
    case TCP_TIME_WAIT:
        *res = count_drop(t, TCP_DROP_TIME_WAIT); /* only FINs matter here */
        return false;
    default:
        break;
    }
    return true;
}

/* §3.10.7.4 fifth step: check the ACK field. False when processing ends
 * here (segment dropped or connection gone), with the result in *res. */
static bool input_ack(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s, uint64_t now,
                      enum tcp_drop *res)
{
    *res = TCP_DROP_NONE;
    if (!(s->flags & F_ACK)) {
        *res = count_drop(t, TCP_DROP_NO_ACK);
        return false;
    }
    if (e->state == TCP_SYN_RECEIVED && !ack_syn_received(t, e, s, now, res))
        return false;
    if (seq_lt(e->snd_max, s->ack)) {
        send_ack(t, e);
        *res = count_drop(t, TCP_DROP_ACK_UNSENT);
        return false;
    }
    if (seq_lt(s->ack, e->snd_una - e->max_snd_wnd)) {
        send_ack(t, e);
        *res = count_drop(t, TCP_DROP_ACK_TOO_OLD);
        return false;
    }
    size_t freed = 0;
    if (seq_lt(e->snd_una, s->ack))
        freed = ack_advance(e, s->ack, now);
    else if (is_dup_ack(e, s))
        dup_ack(t, e, now);
    window_update(e, s, now);
    if (freed && tcp_send_space(t, ep_id(t, e))) {
        if (!emit(t, e, TCP_EV_SEND_SPACE, TCP_REASON_NORMAL, NULL, tcp_send_space(t, ep_id(t, e)),
                  now))
            return false;
    }
    return ack_closing(t, e, now, res);
}

/* Segment text and FIN as the seventh and eighth steps see them. */
struct seg_text {
    uint32_t seq;
    const uint8_t *data;
    uint32_t len;
    bool fin;
};

/* §3.10.7.4 seventh step: trim the text to RCV.NXT .. RCV.NXT + wnd and to
 * the peer's FIN; a FIN trimmed away is not taken. */
static struct seg_text trim_text(struct tcp_ctx *t, struct tcp_ep *e, const struct seg *s,
                                 uint32_t wnd)
{
    struct seg_text x = {s->seq, s->data, (uint32_t)s->len, (s->flags & F_FIN) != 0};
    if (seq_lt(x.seq, e->rcv_nxt)) {
        uint32_t dup = e->rcv_nxt - x.seq;
        if (dup >= x.len) {
            t->cnt.rx_dup_bytes += x.len;
            if (x.fin && dup > x.len)
                x.fin = false; /* an old FIN */
            x.data += x.len;
            x.len = 0;
        } else {
            t->cnt.rx_dup_bytes += dup;
            x.data += dup;
            x.len -= dup;
        }
        x.seq = e->rcv_nxt;
        e->ack_now = true;
    }
    if (e->fin_rcvd && x.len && seq_lt(e->rfin_seq, x.seq + x.len)) {
        /* Nothing exists past the peer's FIN. */
        x.len = seq_lt(x.seq, e->rfin_seq) ? e->rfin_seq - x.seq : 0;
        x.fin = false;
    }
    uint32_t off = x.seq - e->rcv_nxt;
    uint32_t room = off >= wnd ? 0 : wnd - off;
    if (x.len > room) {
        x.len = room;
        x.fin = false; /* beyond the window */
        e->ack_now = true;
    }
    return x;
}

/* Processing for SYN-RECEIVED and the synchronized states (§3.10.7.4), one
 * helper per step. The third step (security) and the sixth (URG) have
 * nothing to do: no security compartments, urgent data is not supported. */
static enum tcp_drop input_sync(struct tcp_ctx *t, struct tcp_ep *e, struct seg *s, uint64_t now)
{
    uint32_t seg_len =
        (uint32_t)s->len + ((s->flags & F_SYN) ? 1 : 0) + ((s->flags & F_FIN) ? 1 : 0);
    uint32_t wnd = rcv_space(e);
    if (e->fin_done)
        wnd = 0;
    if (answer_retransmit(t, e, s, seg_len, now))
        return TCP_DROP_NONE;

    bool ok = seq_acceptable(e, s, seg_len, wnd);
    /* Zero window: keep the ACK of a probe at RCV.NXT (§3.10.7.4 note). */
    bool probe = !ok && wnd == 0 && s->seq == e->rcv_nxt && !(s->flags & (F_SYN | F_RST));
    if (!ok && !probe)
        return reject_unacceptable(t, e, s);
    if (s->flags & F_RST)
        return input_rst(t, e, s, now);
    /* Fourth step: SYN (RFC 5961 §4). */
    if (s->flags & F_SYN)
        return challenge_ack(t, e, TCP_DROP_SYN_CHALLENGE);
    enum tcp_drop res;
    if (!input_ack(t, e, s, now, &res))
        return res;

    /* Seventh and eighth steps: segment text and FIN. */
    struct seg_text x = trim_text(t, e, s, wnd);
    if (probe)
        e->ack_now = true;
    bool alive;
    res = take_text(t, e, x.seq, x.data, x.len, x.fin, now, &alive);
    if (!alive)
        return res;
    output(t, e, now);
    if (e->ack_now)
        send_ack(t, e);
    return res;
}

/* SYN-SENT (§3.10.7.3). */
static enum tcp_drop input_syn_sent(struct tcp_ctx *t, struct tcp_ep *e, struct seg *s,
                                    uint64_t now)
{
    bool acc = false;
    if (s->flags & F_ACK) {
        if (seq_le(s->ack, e->iss) || seq_lt(e->snd_max, s->ack)) {
            if (!(s->flags & F_RST))
                xmit_raw(t, s->dst, s->src, s->dport, s->sport, s->ack, 0, F_RST, 0, 0, NULL, 0);
            return count_drop(t, TCP_DROP_SYN_SENT_ACK);
        }
        acc = true;
    }
    if (s->flags & F_RST) {
        if (!acc)
            return count_drop(t, TCP_DROP_SYN_SENT_NOSYN);
        ep_close(t, e, TCP_REASON_REFUSED, true, now);
        return TCP_DROP_NONE;
    }
    if (!(s->flags & F_SYN))
        return count_drop(t, TCP_DROP_SYN_SENT_NOSYN);
    e->irs = s->seq;
    e->rcv_nxt = s->seq + 1;
    e->rcv_adv = e->rcv_nxt + rcv_space(e);
    set_peer_mss(t, e, s->mss);
    e->snd_wnd = s->wnd;
    e->max_snd_wnd = s->wnd;
    e->snd_wl1 = s->seq;
    e->snd_wl2 = s->ack;
    if (!acc) {
        /* Simultaneous open (§3.5 figure 7). */
        e->state = TCP_SYN_RECEIVED;
        e->retries = 0;
        send_syn(t, e);
        arm_rtx(e, now);
        return TCP_DROP_NONE;
    }
    ack_advance(e, s->ack, now);
    e->ack_now = true;
    if (!on_established(t, e, now))
        return TCP_DROP_NONE;
    bool alive = true;
    enum tcp_drop res = TCP_DROP_NONE;
    if (s->len || (s->flags & F_FIN)) {
        uint32_t len = (uint32_t)s->len;
        bool fin = (s->flags & F_FIN) != 0;
        if (len > rcv_space(e)) {
            len = rcv_space(e);
            fin = false;
        }
        res = take_text(t, e, s->seq + 1, s->data, len, fin, now, &alive);
    }
    if (!alive)
        return res;
    output(t, e, now);
    if (e->ack_now)
        send_ack(t, e);
    return res;
}

/* LISTEN (§3.10.7.2). */
static enum tcp_drop input_listen(struct tcp_ctx *t, struct tcp_ep *e, struct seg *s, uint64_t now)
{
    if (s->flags & F_RST)
        return count_drop(t, TCP_DROP_LISTEN_RST);
    if (s->flags & F_ACK) {
        send_reset_for(t, s);
        return count_drop(t, TCP_DROP_LISTEN_ACK);
    }
    if (!(s->flags & F_SYN))
        return count_drop(t, TCP_DROP_LISTEN_NOSYN);
    ep_reset(e, TCP_SYN_RECEIVED);
    e->passive = true;
    e->lport = s->dport;
    memcpy(e->laddr, s->dst, 16);
    memcpy(e->raddr, s->src, 16);
    e->rport = s->sport;
    e->irs = s->seq;
    e->rcv_nxt = s->seq + 1;
    e->rcv_adv = e->rcv_nxt + rcv_space(e);
    e->iss = t->ops->rand(t->user);
    e->snd_una = e->iss;
    e->snd_nxt = e->iss + 1;
    e->snd_max = e->iss + 1;
    e->snd_buf = e->iss + 1;
    e->snd_wnd = s->wnd;
    e->max_snd_wnd = s->wnd;
    e->snd_wl1 = s->seq;
    set_peer_mss(t, e, s->mss);
    send_syn(t, e);
    e->rtt_timing = true;
    e->rtt_seq = e->iss;
    e->rtt_start = now;
    arm_rtx(e, now);
    return TCP_DROP_NONE; /* data on the SYN is not kept; the peer resends it */
}

enum tcp_drop tcp_input(struct tcp_ctx *t, const uint8_t src[16], const uint8_t dst[16],
                        const uint8_t *seg, size_t len, uint64_t now_ms)
{
    t->cnt.rx_segments++;
    struct seg s;
    memset(&s, 0, sizeof(s));
    if (!seg)
        return count_drop(t, TCP_DROP_TRUNCATED);
    enum tcp_drop d = parse(seg, len, &s);
    if (d != TCP_DROP_NONE)
        return count_drop(t, d);
    uint32_t sum = csum_pseudo6(src, dst, TCP_PROTO, (uint32_t)len);
    if (csum_fold(csum_add(sum, seg, len)) != 0xffff)
        return count_drop(t, TCP_DROP_CHECKSUM);
    s.src = src;
    s.dst = dst;
    if (src[0] == 0xff || dst[0] == 0xff || addr_unspecified(src) || addr_unspecified(dst) ||
        s.sport == 0 || s.dport == 0)
        return count_drop(t, TCP_DROP_BAD_ADDR);
    if ((s.flags & F_SYN) && (s.flags & (F_FIN | F_RST)))
        return count_drop(t, TCP_DROP_BAD_FLAGS);

    struct tcp_ep *e = demux(t, &s);
    if (!e) {
        if (s.flags & F_RST)
            return count_drop(t, TCP_DROP_NO_ENDPOINT_RST);
        send_reset_for(t, &s);
        return count_drop(t, TCP_DROP_NO_ENDPOINT);
    }
    switch (e->state) {
    case TCP_LISTEN:
        return input_listen(t, e, &s, now_ms);
    case TCP_SYN_SENT:
        return input_syn_sent(t, e, &s, now_ms);
    default:
        return input_sync(t, e, &s, now_ms);
    }
}
