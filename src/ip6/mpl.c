/*
 * MPL (RFC 7731) as OpenThread implements it: option codec, seed set,
 * buffered message set with OT's data-message schedule, and the IPv6
 * encapsulation of ip6.cpp. Contracts in mpl.h.
 */
#include "ip6/mpl.h"

#include <string.h>

#include "util/rd.h"

#define PROTO_HOPOPTS 0
#define PROTO_IPV6 41
#define OPT_PAD1 0x00
#define OPT_PADN 0x01

/* ff03::fc, realm-local all MPL forwarders (RFC 7731 §5.1). */
static const uint8_t all_mpl_forwarders[16] = {0xff, 0x03, [15] = 0xfc};

static const char *const drop_names[MPL_DROP__COUNT] = {
    [MPL_DROP_NONE] = "none",
    [MPL_DROP_IP6_HEADER] = "ip6_header",
    [MPL_DROP_HBH_TRUNCATED] = "hbh_truncated",
    [MPL_DROP_OPT_MALFORMED] = "opt_malformed",
    [MPL_DROP_OPT_UNKNOWN] = "opt_unknown",
    [MPL_DROP_NO_OPTION] = "no_option",
    [MPL_DROP_MULTIPLE] = "multiple",
    [MPL_DROP_OPT_LENGTH] = "opt_length",
    [MPL_DROP_V_FLAG] = "v_flag",
    [MPL_DROP_SEED_UNSUPPORTED] = "seed_unsupported",
    [MPL_DROP_SEED_NOT_RLOC] = "seed_not_rloc",
    [MPL_DROP_DUPLICATE] = "duplicate",
    [MPL_DROP_SEED_SET_FULL] = "seed_set_full",
    [MPL_DROP_SEED_STALE] = "seed_stale",
    [MPL_DROP_TUNNEL_DST] = "tunnel_dst",
    [MPL_DROP_INNER] = "inner",
    [MPL_DROP_NO_ROOM] = "no_room",
};

const char *mpl_drop_str(enum mpl_drop d)
{
    return (unsigned)d < MPL_DROP__COUNT ? drop_names[d] : "?";
}

/* ---- Option codec ------------------------------------------------------ */

unsigned mpl_seed_len(uint8_t s)
{
    static const uint8_t lens[4] = {0, 2, 8, 16};
    return s < 4 ? lens[s] : 0;
}

unsigned mpl_option_size(uint8_t s)
{
    return MPL_OPT_MIN_SIZE + mpl_seed_len(s);
}

enum ot_err mpl_option_encode(const struct mpl_option *o, uint8_t *out, size_t cap, size_t *len)
{
    if (o->s > MPL_S_16)
        return OT_ERR_INVALID_ARGS;
    unsigned sl = mpl_seed_len(o->s);
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MPL_OPT_TYPE);
    wr_u8(&w, (uint8_t)(2 + sl));
    wr_u8(&w, (uint8_t)(o->s << 6 | (o->m ? 0x20 : 0) | (o->v ? 0x10 : 0)));
    wr_u8(&w, o->sequence);
    wr_bytes(&w, o->seed, sl);
    if (!w.ok)
        return OT_ERR_NO_BUFS;
    *len = MPL_OPT_MIN_SIZE + sl;
    return OT_ERR_NONE;
}

enum mpl_drop mpl_option_decode(const uint8_t *opt, size_t len, struct mpl_option *o)
{
    struct rd r = rd_init(opt, len);
    uint8_t type, dlen, ctl, seq;
    if (!rd_u8(&r, &type) || !rd_u8(&r, &dlen))
        return MPL_DROP_OPT_MALFORMED;
    if (type != MPL_OPT_TYPE)
        return MPL_DROP_NO_OPTION;
    struct rd data;
    if (!rd_sub(&r, dlen, &data))
        return MPL_DROP_OPT_MALFORMED;
    if (!rd_u8(&data, &ctl) || !rd_u8(&data, &seq))
        return MPL_DROP_OPT_LENGTH;
    uint8_t s = ctl >> 6;
    if (data.left != mpl_seed_len(s))
        return MPL_DROP_OPT_LENGTH;
    if (ctl & 0x10)
        return MPL_DROP_V_FLAG; /* RFC 7731 §6.1; the 4 rsv bits are ignored */
    memset(o, 0, sizeof(*o));
    o->s = s;
    o->m = (ctl & 0x20) != 0;
    o->sequence = seq;
    rd_bytes(&data, o->seed, data.left);
    return MPL_DROP_NONE;
}

/* IID 0000:00ff:fe00:xxxx: an RLOC (or ALOC), as OT Iid::IsLocator. */
static bool iid_locator(const uint8_t a[16], uint16_t *loc16)
{
    static const uint8_t pat[6] = {0, 0, 0, 0xff, 0xfe, 0};
    if (memcmp(a + 8, pat, sizeof(pat)) != 0)
        return false;
    *loc16 = be16_get(a + 14);
    return true;
}

enum mpl_drop mpl_option_seed_id(const struct mpl_option *o, const uint8_t src[16], uint16_t *seed)
{
    switch (o->s) {
    case MPL_S_0:
        return iid_locator(src, seed) ? MPL_DROP_NONE : MPL_DROP_SEED_NOT_RLOC;
    case MPL_S_2:
        *seed = be16_get(o->seed);
        return MPL_DROP_NONE;
    default:
        return MPL_DROP_SEED_UNSUPPORTED;
    }
}

void mpl_option_for_source(struct mpl_option *o, const uint8_t src[16], const uint8_t ml_rloc[16],
                           uint16_t rloc16, uint8_t sequence)
{
    memset(o, 0, sizeof(*o));
    o->sequence = sequence;
    if (memcmp(src, ml_rloc, 16) != 0) {
        o->s = MPL_S_2;
        be16_put(o->seed, rloc16);
    }
}

/* The option at p, then padding (Pad1 or PadN of zeros, RFC 8200 §4.2) up
 * to the next multiple of 8 counted from `before` bytes ahead of p (OT's
 * PadOption::InitToPadHeaderWithSize). Returns the bytes written; p has
 * room for MPL_HBH_SIZE. Only S = 0/1 options are ever written here. */
static size_t put_padded_option(uint8_t *p, size_t before, const struct mpl_option *o)
{
    size_t n = 0;
    (void)mpl_option_encode(o, p, MPL_HBH_SIZE, &n);
    size_t pad = (8 - (before + n) % 8) % 8;
    if (pad == 1) {
        p[n++] = OPT_PAD1;
    } else if (pad >= 2) {
        p[n] = OPT_PADN;
        p[n + 1] = (uint8_t)(pad - 2);
        memset(p + n + 2, 0, pad - 2);
        n += pad;
    }
    return n;
}

/* ---- Packet walking ---------------------------------------------------- */

/* What the IPv6 header and Hop-by-Hop header of a packet hold. */
struct hbh_view {
    size_t end;       /* 40 + payload length */
    size_t hbh_size;  /* 0: no Hop-by-Hop header */
    uint8_t hbh_nh;   /* its next header */
    size_t opt_off;   /* MPL option TLV, 0: none */
    size_t opt_size;  /* its bytes, type and length included */
    bool other_after; /* a non-padding option follows the MPL option */
};

static enum mpl_drop ip6_header(const uint8_t *pkt, size_t len, size_t *end)
{
    if (len < MPL_IP6_HDR_LEN || pkt[0] >> 4 != 6)
        return MPL_DROP_IP6_HEADER;
    size_t plen = be16_get(pkt + 4);
    if (plen > len - MPL_IP6_HDR_LEN)
        return MPL_DROP_IP6_HEADER;
    *end = MPL_IP6_HDR_LEN + plen;
    return MPL_DROP_NONE;
}

/* Walks the options of the Hop-by-Hop header (RFC 8200 §4.2, §4.3), as
 * Ip6::HandleOptions validates them: padding skipped, at most one MPL
 * option, any other option must have action 00 (skip). */
static enum mpl_drop walk_hbh(const uint8_t *pkt, size_t len, struct hbh_view *v)
{
    memset(v, 0, sizeof(*v));
    enum mpl_drop d = ip6_header(pkt, len, &v->end);
    if (d != MPL_DROP_NONE || pkt[6] != PROTO_HOPOPTS)
        return d;
    size_t room = v->end - MPL_IP6_HDR_LEN;
    if (room < 2 || ((size_t)pkt[41] + 1) * 8 > room)
        return MPL_DROP_HBH_TRUNCATED;
    v->hbh_size = ((size_t)pkt[41] + 1) * 8;
    v->hbh_nh = pkt[40];
    size_t i = MPL_IP6_HDR_LEN + 2, end = MPL_IP6_HDR_LEN + v->hbh_size;
    while (i < end) {
        uint8_t type = pkt[i];
        if (type == OPT_PAD1) {
            i++;
            continue;
        }
        if (end - i < 2 || pkt[i + 1] > end - i - 2)
            return MPL_DROP_OPT_MALFORMED;
        size_t size = 2 + (size_t)pkt[i + 1];
        if (type == MPL_OPT_TYPE) {
            if (v->opt_off)
                return MPL_DROP_MULTIPLE;
            v->opt_off = i;
            v->opt_size = size;
        } else if (type != OPT_PADN) {
            if (type >> 6 != 0)
                return MPL_DROP_OPT_UNKNOWN;
            if (v->opt_off)
                v->other_after = true;
        }
        i += size;
    }
    return MPL_DROP_NONE;
}

/* The packet's MPL option, decoded. */
static enum mpl_drop find_option(const uint8_t *pkt, size_t len, struct hbh_view *v,
                                 struct mpl_option *o)
{
    enum mpl_drop d = walk_hbh(pkt, len, v);
    if (d != MPL_DROP_NONE)
        return d;
    if (!v->opt_off)
        return MPL_DROP_NO_OPTION;
    return mpl_option_decode(pkt + v->opt_off, v->opt_size, o);
}

/* ---- Context ----------------------------------------------------------- */

void mpl_init(struct mpl *m, uint32_t (*rand)(void *user), void *rand_user)
{
    memset(m, 0, sizeof(*m));
    m->role = MPL_ROLE_DETACHED;
    m->rand = rand;
    m->rand_user = rand_user;
}

void mpl_set_role(struct mpl *m, enum mpl_role role)
{
    m->role = (uint8_t)role;
}

void mpl_set_identity(struct mpl *m, const uint8_t ml_rloc[16], uint16_t rloc16)
{
    memcpy(m->ml_rloc, ml_rloc, 16);
    m->rloc16 = rloc16;
    m->has_identity = true;
}

/* Mpl::DetermineMaxRetransmissions. */
static uint8_t max_expirations(const struct mpl *m)
{
    switch (m->role) {
    case MPL_ROLE_ROUTER:
        return MPL_ROUTER_EXPIRATIONS;
    case MPL_ROLE_CHILD:
        return MPL_CHILD_EXPIRATIONS;
    default:
        return 0;
    }
}

/* ---- Seed set (RFC 7731 §7.3, OT Mpl::UpdateSeedSet) ---------------------- */

/* RFC 1982 serial-number order of 8-bit sequences (OT SerialNumber::IsLess). */
static bool seq_less(uint8_t a, uint8_t b)
{
    return (int8_t)(uint8_t)(a - b) < 0;
}

static void seeds_expire(struct mpl *m, uint64_t now_ms)
{
    unsigned j = 0;
    for (unsigned i = 0; i < m->n_seeds; i++) {
        if (m->seeds[i].expires_ms > now_ms)
            m->seeds[j++] = m->seeds[i];
        else
            m->cnt.seed_expired++;
    }
    m->n_seeds = j;
}

/*
 * Records (seed, seq). The set stays grouped by seed, each group ordered by
 * sequence. A free entry takes any new pair. When all are used, the group
 * with the most entries gives up its oldest one, the new pair's own group
 * counting one more (so it wins ties with others) and the first group
 * winning remaining ties; a group of one is never emptied (SEED_SET_FULL),
 * and a sequence older than everything kept for its seed is refused then
 * (SEED_STALE).
 */
static enum mpl_drop seeds_update(struct mpl *m, uint16_t seed, uint8_t seq, uint64_t now_ms)
{
    struct mpl_seed_entry *s = m->seeds;
    unsigned n = m->n_seeds, gs = n, ge = n;

    for (unsigned i = 0; i < n; i++) {
        if (s[i].seed_id != seed)
            continue;
        if (s[i].sequence == seq) {
            s[i].expires_ms = now_ms + MPL_SEED_LIFETIME_MS; /* seen again: keep it longer */
            return MPL_DROP_DUPLICATE;
        }
        if (gs == n)
            gs = i;
        ge = i + 1;
    }
    unsigned ins = ge; /* after the group, or at the end for a new seed */
    for (unsigned i = gs; i < ge; i++) {
        if (seq_less(seq, s[i].sequence)) {
            ins = i;
            break;
        }
    }

    unsigned victim = n; /* the entry that makes room: a free one if any */
    if (n == MPL_SEED_SET_ENTRIES) {
        unsigned best_count = 0;
        for (unsigned i = 0; i < n;) {
            unsigned j = i;
            while (j < n && s[j].seed_id == s[i].seed_id)
                j++;
            unsigned count = j - i + (s[i].seed_id == seed ? 1u : 0u);
            if (count > best_count) {
                best_count = count;
                victim = i;
            }
            i = j;
        }
        if (best_count < 2)
            return MPL_DROP_SEED_SET_FULL;
        if (gs == n)
            ins = victim; /* a new seed takes the victim's place */
        else if (ins == gs)
            return MPL_DROP_SEED_STALE;
        m->cnt.seed_evictions++;
    } else {
        m->n_seeds++;
    }

    /* Remove victim, open a hole at ins. */
    if (victim < ins) {
        memmove(&s[victim], &s[victim + 1], (ins - 1 - victim) * sizeof(*s));
        ins--;
    } else if (victim > ins) {
        memmove(&s[ins + 1], &s[ins], (victim - ins) * sizeof(*s));
    }
    s[ins].seed_id = seed;
    s[ins].sequence = seq;
    s[ins].expires_ms = now_ms + MPL_SEED_LIFETIME_MS;
    return MPL_DROP_NONE;
}

unsigned mpl_seed_count(const struct mpl *m, uint64_t now_ms)
{
    unsigned n = 0;
    for (unsigned i = 0; i < m->n_seeds; i++)
        n += m->seeds[i].expires_ms > now_ms;
    return n;
}

bool mpl_seed_has(const struct mpl *m, uint16_t seed_id, uint8_t sequence, uint64_t now_ms)
{
    for (unsigned i = 0; i < m->n_seeds; i++) {
        const struct mpl_seed_entry *e = &m->seeds[i];
        if (e->seed_id == seed_id && e->sequence == sequence && e->expires_ms > now_ms)
            return true;
    }
    return false;
}

/* ---- Buffered message set (RFC 7731 §7.4, OT AddBufferedMessage) --------- */

/* OT's trickle emulation (Metadata::GenerateNextTransmissionTime): the
 * next transmission at t in [0, interval) into the next interval, which
 * starts where the previous one ended. */
static void schedule(struct mpl *m, struct mpl_buffered *b, uint64_t now_ms, uint8_t interval)
{
    uint8_t t = 0;
    if (interval && m->rand)
        t = (uint8_t)(m->rand(m->rand_user) % interval);
    b->tx_time = now_ms + b->interval_offset + t;
    b->interval_offset = (uint8_t)(interval - t);
}

static void buffer_add(struct mpl *m, const uint8_t *pkt, size_t end, bool from_thread,
                       uint16_t seed, uint8_t seq, uint64_t now_ms, struct mpl_rx_info *info)
{
    if (max_expirations(m) == 0)
        return; /* end devices and detached nodes only receive */
    if (from_thread && pkt[7] <= 1) {
        m->cnt.buffered_hop_limit++;
        return;
    }
    if (end > MPL_MAX_PKT) {
        m->cnt.buffered_too_big++;
        return;
    }
    struct mpl_buffered *b = NULL;
    unsigned slot = 0;
    for (; slot < MPL_BUFFERED_ENTRIES && !b; slot++)
        if (!m->buf[slot].used)
            b = &m->buf[slot];
    if (!b) {
        m->cnt.buffered_full++;
        return;
    }
    memcpy(b->pkt, pkt, end);
    if (from_thread)
        b->pkt[7]--; /* a relay: one hop spent */
    b->used = true;
    b->len = (uint16_t)end;
    b->seed_id = seed;
    b->sequence = seq;
    /* From the radio nothing was sent yet; from this node the caller's
     * send is the first transmission. */
    b->tx_count = from_thread ? 0 : 1;
    b->interval_offset = 0;
    schedule(m, b, now_ms, MPL_DATA_INTERVAL_MS);
    m->queue[m->n_queued++] = (uint8_t)(slot - 1);
    m->cnt.buffered++;
    if (info)
        info->buffered = true;
}

unsigned mpl_buffered_count(const struct mpl *m)
{
    return m->n_queued;
}

static void queue_remove(struct mpl *m, unsigned i)
{
    m->buf[m->queue[i]].used = false;
    memmove(&m->queue[i], &m->queue[i + 1], (m->n_queued - i - 1) * sizeof(m->queue[0]));
    m->n_queued--;
}

/* ---- Receive ----------------------------------------------------------- */

enum mpl_drop mpl_input(struct mpl *m, const uint8_t *pkt, size_t len, bool from_thread,
                        uint64_t now_ms, struct mpl_rx_info *info)
{
    struct mpl_rx_info local;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));

    struct hbh_view v;
    enum mpl_drop d = find_option(pkt, len, &v, &info->opt);
    if (d == MPL_DROP_NO_OPTION)
        return MPL_DROP_NONE; /* not an MPL Data Message */
    if (d == MPL_DROP_NONE) {
        info->has_option = true;
        info->tunneled = v.hbh_nh == PROTO_IPV6;
        d = mpl_option_seed_id(&info->opt, pkt + 8, &info->seed_id);
    }
    if (d == MPL_DROP_NONE) {
        seeds_expire(m, now_ms);
        d = seeds_update(m, info->seed_id, info->opt.sequence, now_ms);
        if (d == MPL_DROP_NONE) {
            info->is_new = true;
            m->cnt.rx_new++;
            buffer_add(m, pkt, v.end, from_thread, info->seed_id, info->opt.sequence, now_ms, info);
        } else if (!from_thread) {
            /* Mpl::ProcessOption: our own message goes out even when the
             * seed set says no (OT re-sends with the same sequence). */
            m->cnt.local_untracked++;
            d = MPL_DROP_NONE;
        }
    }
    if (d != MPL_DROP_NONE)
        m->cnt.drops[d]++;
    return d;
}

/* ---- Timers ------------------------------------------------------------ */

void mpl_process(struct mpl *m, uint64_t now_ms, mpl_send_fn send, void *user)
{
    seeds_expire(m, now_ms);
    unsigned i = 0;
    while (i < m->n_queued) {
        struct mpl_buffered *b = &m->buf[m->queue[i]];
        if (now_ms < b->tx_time) {
            i++;
            continue;
        }
        uint8_t max = max_expirations(m);
        b->tx_count++;
        if (b->tx_count > max) {
            m->cnt.retx_discarded++; /* the role changed: no more sends due */
            queue_remove(m, i);
            continue;
        }
        bool last = b->tx_count == max;
        if (!last)
            schedule(m, b, now_ms, MPL_DATA_INTERVAL_MS);
        m->cnt.tx_retx++;
        /* send may re-enter mpl_input(), which only appends to the queue. */
        if (send)
            send(user, b->pkt, b->len, b->tx_count > 1);
        if (last)
            queue_remove(m, i);
        else
            i++;
    }
}

int64_t mpl_next_timeout_ms(const struct mpl *m, uint64_t now_ms)
{
    int64_t best = -1;
    for (unsigned i = 0; i < m->n_queued; i++) {
        uint64_t t = m->buf[m->queue[i]].tx_time;
        int64_t d = t > now_ms ? (int64_t)(t - now_ms) : 0;
        if (best < 0 || d < best)
            best = d;
    }
    return best;
}

/* ---- Encapsulation (ip6.cpp InsertMplOption, RemoveMplOption) ----------- */

/* IPv6-in-IPv6 to ff03::fc (PrepareMulticastToLargerThanRealmLocal). */
static enum ot_err tunnel(struct mpl *m, const uint8_t *pkt, size_t end, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    size_t plen = MPL_HBH_SIZE + end;
    if (plen > 0xffff || MPL_IP6_HDR_LEN + plen > cap)
        return OT_ERR_NO_BUFS;
    struct mpl_option o;
    mpl_option_for_source(&o, m->ml_rloc, m->ml_rloc, m->rloc16, m->sequence);
    memset(out, 0, MPL_IP6_HDR_LEN);
    out[0] = 0x60; /* version 6, traffic class 0, flow label 0 */
    be16_put(out + 4, (uint16_t)plen);
    out[6] = PROTO_HOPOPTS;
    out[7] = MPL_HOP_LIMIT;
    memcpy(out + 8, m->ml_rloc, 16);
    memcpy(out + 24, all_mpl_forwarders, 16);
    out[40] = PROTO_IPV6;
    out[41] = 0;
    put_padded_option(out + 42, 2, &o);
    memcpy(out + MPL_IP6_HDR_LEN + MPL_HBH_SIZE, pkt, end);
    *out_len = MPL_IP6_HDR_LEN + plen;
    return OT_ERR_NONE;
}

/* The option in the packet's own Hop-by-Hop header (realm-local). */
static enum ot_err insert(struct mpl *m, const uint8_t *pkt, size_t end, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    size_t plen = end - MPL_IP6_HDR_LEN, hs = 0;
    bool has_hbh = pkt[6] == PROTO_HOPOPTS;
    if (has_hbh) {
        if (plen < 2 || ((size_t)pkt[41] + 1) * 8 > plen)
            return OT_ERR_PARSE;
        if (pkt[41] == 0xff)
            return OT_ERR_NO_BUFS; /* the header length field cannot grow */
        hs = ((size_t)pkt[41] + 1) * 8;
    }
    if (plen + MPL_HBH_SIZE > 0xffff || end + MPL_HBH_SIZE > cap)
        return OT_ERR_NO_BUFS;
    struct mpl_option o;
    mpl_option_for_source(&o, pkt + 8, m->ml_rloc, m->rloc16, m->sequence);
    memcpy(out, pkt, MPL_IP6_HDR_LEN);
    be16_put(out + 4, (uint16_t)(plen + MPL_HBH_SIZE));
    uint8_t *p = out + MPL_IP6_HDR_LEN;
    if (!has_hbh) {
        out[6] = PROTO_HOPOPTS;
        p[0] = pkt[6];
        p[1] = 0;
        put_padded_option(p + 2, 2, &o);
    } else {
        /* 8 more bytes at the end of the header: option, padding. */
        memcpy(p, pkt + MPL_IP6_HDR_LEN, hs);
        p[1]++;
        put_padded_option(p + hs, 0, &o);
    }
    memcpy(p + hs + MPL_HBH_SIZE, pkt + MPL_IP6_HDR_LEN + hs, plen - hs);
    *out_len = end + MPL_HBH_SIZE;
    return OT_ERR_NONE;
}

enum ot_err mpl_encapsulate(struct mpl *m, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                            size_t *out_len)
{
    size_t end;
    *out_len = 0;
    if (ip6_header(pkt, len, &end) != MPL_DROP_NONE)
        return OT_ERR_PARSE;
    const uint8_t *dst = pkt + 24;
    uint8_t scope = dst[1] & 0x0f;
    if (dst[0] != 0xff || scope < 3) {
        if (end > cap)
            return OT_ERR_NO_BUFS;
        memcpy(out, pkt, end);
        *out_len = end;
        return OT_ERR_NONE;
    }
    if (!m->has_identity)
        return OT_ERR_INVALID_STATE;
    enum ot_err e =
        scope > 3 ? tunnel(m, pkt, end, out, cap, out_len) : insert(m, pkt, end, out, cap, out_len);
    if (e == OT_ERR_NONE) {
        m->sequence++; /* Mpl::InitOption: mSequence++ */
        m->cnt.encapsulated++;
    }
    return e;
}

/* RemoveMplOption, from pkt[0..v->end) into out. */
static enum mpl_drop strip(const uint8_t *pkt, const struct hbh_view *v, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    size_t hend = MPL_IP6_HDR_LEN + v->hbh_size;
    size_t cut = 0; /* where 8 bytes go, 0: overwrite the option with padding */
    if (!v->other_after && v->opt_off == MPL_IP6_HDR_LEN + 2 && v->hbh_size == MPL_HBH_SIZE)
        cut = MPL_IP6_HDR_LEN; /* it was all there was: no Hop-by-Hop header */
    else if (!v->other_after && v->opt_off + MPL_HBH_SIZE == hend)
        cut = hend - MPL_HBH_SIZE; /* option and padding end the header */
    size_t n = cut ? v->end - MPL_HBH_SIZE : v->end;
    if (n > cap)
        return MPL_DROP_NO_ROOM;
    if (!cut) {
        memcpy(out, pkt, n);
        out[v->opt_off] = OPT_PADN;
        out[v->opt_off + 1] = (uint8_t)(v->opt_size - 2);
        memset(out + v->opt_off + 2, 0, v->opt_size - 2);
    } else {
        memcpy(out, pkt, cut);
        memcpy(out + cut, pkt + cut + MPL_HBH_SIZE, v->end - cut - MPL_HBH_SIZE);
        be16_put(out + 4, (uint16_t)(n - MPL_IP6_HDR_LEN));
        if (cut == MPL_IP6_HDR_LEN)
            out[6] = v->hbh_nh;
        else
            out[41]--;
    }
    *out_len = n;
    return MPL_DROP_NONE;
}

enum mpl_drop mpl_decapsulate(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len, struct mpl_option *opt)
{
    struct hbh_view v;
    struct mpl_option o;
    *out_len = 0;
    enum mpl_drop d = find_option(pkt, len, &v, &o);
    if (d == MPL_DROP_NONE && o.s > MPL_S_2)
        d = MPL_DROP_SEED_UNSUPPORTED;
    if (d != MPL_DROP_NONE)
        return d;
    if (v.hbh_nh == PROTO_IPV6) {
        if (memcmp(pkt + 24, all_mpl_forwarders, 16) != 0)
            return MPL_DROP_TUNNEL_DST;
        size_t in = MPL_IP6_HDR_LEN + v.hbh_size, inner_end;
        if (ip6_header(pkt + in, v.end - in, &inner_end) != MPL_DROP_NONE)
            return MPL_DROP_INNER;
        if (inner_end > cap)
            return MPL_DROP_NO_ROOM;
        memcpy(out, pkt + in, inner_end);
        *out_len = inner_end;
    } else {
        d = strip(pkt, &v, out, cap, out_len);
        if (d != MPL_DROP_NONE)
            return d;
    }
    if (opt)
        *opt = o;
    return MPL_DROP_NONE;
}
