/*
 * MLE TLV codec (Thread 1.3 §4.4; thread-sim-interop.md §3.3). All reads go
 * through struct rd; no length from the input is trusted.
 */
#include "thread/mle_tlv.h"

#include <string.h>

const char *mle_err_name(enum mle_err e)
{
    static const char *const names[MLE_ERR__COUNT] = {
        [MLE_OK] = "MLE_OK",
        [MLE_ERR_TLV_TRUNCATED] = "MLE_ERR_TLV_TRUNCATED",
        [MLE_ERR_TLV_LENGTH] = "MLE_ERR_TLV_LENGTH",
        [MLE_ERR_TLV_VALUE] = "MLE_ERR_TLV_VALUE",
        [MLE_ERR_TLV_MISSING] = "MLE_ERR_TLV_MISSING",
        [MLE_ERR_TLV_TYPE] = "MLE_ERR_TLV_TYPE",
        [MLE_ERR_EMPTY] = "MLE_ERR_EMPTY",
        [MLE_ERR_SUITE] = "MLE_ERR_SUITE",
        [MLE_ERR_AUX_TRUNCATED] = "MLE_ERR_AUX_TRUNCATED",
        [MLE_ERR_SEC_CTL] = "MLE_ERR_SEC_CTL",
        [MLE_ERR_TOO_SHORT] = "MLE_ERR_TOO_SHORT",
        [MLE_ERR_MIC] = "MLE_ERR_MIC",
        [MLE_ERR_CRYPTO] = "MLE_ERR_CRYPTO",
        [MLE_ERR_UNSECURED_CMD] = "MLE_ERR_UNSECURED_CMD",
        [MLE_ERR_SECURED_DISCOVERY] = "MLE_ERR_SECURED_DISCOVERY",
        [MLE_ERR_UNKNOWN_CMD] = "MLE_ERR_UNKNOWN_CMD",
        [MLE_ERR_WRONG_CMD] = "MLE_ERR_WRONG_CMD",
        [MLE_ERR_NO_SPACE] = "MLE_ERR_NO_SPACE",
        [MLE_ERR_ARG] = "MLE_ERR_ARG",
    };
    if ((unsigned)e >= MLE_ERR__COUNT || !names[e])
        return "MLE_ERR_?";
    return names[e];
}

const char *mle_tlv_name(uint8_t type)
{
    switch (type) {
    case MLE_TLV_SOURCE_ADDRESS:
        return "Source Address";
    case MLE_TLV_MODE:
        return "Mode";
    case MLE_TLV_TIMEOUT:
        return "Timeout";
    case MLE_TLV_CHALLENGE:
        return "Challenge";
    case MLE_TLV_RESPONSE:
        return "Response";
    case MLE_TLV_LINK_FRAME_COUNTER:
        return "Link-layer Frame Counter";
    case MLE_TLV_LINK_QUALITY:
        return "Link Quality";
    case MLE_TLV_NETWORK_PARAMETER:
        return "Network Parameter";
    case MLE_TLV_MLE_FRAME_COUNTER:
        return "MLE Frame Counter";
    case MLE_TLV_ROUTE64:
        return "Route64";
    case MLE_TLV_ADDRESS16:
        return "Address16";
    case MLE_TLV_LEADER_DATA:
        return "Leader Data";
    case MLE_TLV_NETWORK_DATA:
        return "Network Data";
    case MLE_TLV_TLV_REQUEST:
        return "TLV Request";
    case MLE_TLV_SCAN_MASK:
        return "Scan Mask";
    case MLE_TLV_CONNECTIVITY:
        return "Connectivity";
    case MLE_TLV_LINK_MARGIN:
        return "Link Margin";
    case MLE_TLV_STATUS:
        return "Status";
    case MLE_TLV_VERSION:
        return "Version";
    case MLE_TLV_ADDRESS_REGISTRATION:
        return "Address Registration";
    case MLE_TLV_CHANNEL:
        return "Channel";
    case MLE_TLV_PAN_ID:
        return "PAN ID";
    case MLE_TLV_ACTIVE_TIMESTAMP:
        return "Active Timestamp";
    case MLE_TLV_PENDING_TIMESTAMP:
        return "Pending Timestamp";
    case MLE_TLV_ACTIVE_DATASET:
        return "Active Operational Dataset";
    case MLE_TLV_PENDING_DATASET:
        return "Pending Operational Dataset";
    case MLE_TLV_DISCOVERY:
        return "Thread Discovery";
    case MLE_TLV_SUPERVISION_INTERVAL:
        return "Supervision Interval";
    case MLE_TLV_WAKEUP_CHANNEL:
        return "Wake-up Channel";
    case MLE_TLV_CSL_CHANNEL:
        return "CSL Channel";
    case MLE_TLV_CSL_TIMEOUT:
        return "CSL Timeout";
    case MLE_TLV_CSL_CLOCK_ACCURACY:
        return "CSL Clock Accuracy";
    case MLE_TLV_LINK_METRICS_QUERY:
        return "Link Metrics Query";
    case MLE_TLV_LINK_METRICS_MGMT:
        return "Link Metrics Management";
    case MLE_TLV_LINK_METRICS_REPORT:
        return "Link Metrics Report";
    case MLE_TLV_LINK_PROBE:
        return "Link Probe";
    case MLE_TLV_TIME_REQUEST:
        return "Time Request";
    case MLE_TLV_TIME_PARAMETER:
        return "Time Parameter";
    case MLE_TLV_XTAL_ACCURACY:
        return "XTAL Accuracy";
    default:
        return NULL;
    }
}

/* ---- walker ---------------------------------------------------------- */

void mle_tlv_iter_init(struct mle_tlv_iter *it, const uint8_t *tlvs, size_t len)
{
    it->r = rd_init(tlvs, tlvs ? len : 0);
    it->err = MLE_OK;
}

bool mle_tlv_next(struct mle_tlv_iter *it, struct mle_tlv *out)
{
    uint8_t type, len;
    struct rd val;

    if (it->err != MLE_OK || it->r.left == 0)
        return false;
    if (!rd_u8(&it->r, &type) || !rd_u8(&it->r, &len) || !rd_sub(&it->r, len, &val)) {
        it->err = MLE_ERR_TLV_TRUNCATED;
        it->r.left = 0;
        return false;
    }
    out->type = type;
    out->len = len;
    out->value = val.p;
    return true;
}

enum mle_err mle_tlv_find(const uint8_t *tlvs, size_t len, uint8_t type, struct mle_tlv *out)
{
    struct mle_tlv_iter it;
    struct mle_tlv t;

    mle_tlv_iter_init(&it, tlvs, len);
    while (mle_tlv_next(&it, &t)) {
        if (t.type == type) {
            *out = t;
            return MLE_OK;
        }
    }
    return it.err != MLE_OK ? it.err : MLE_ERR_TLV_MISSING;
}

/* ---- typed readers ----------------------------------------------------- */

static enum mle_err need(const struct mle_tlv *t, size_t min)
{
    return t->len < min ? MLE_ERR_TLV_LENGTH : MLE_OK;
}

/* Bytes of the big-endian integer a TLV type holds (1, 2, 4), or 0. */
static unsigned uint_width(uint8_t type)
{
    switch (type) {
    case MLE_TLV_MODE:
    case MLE_TLV_SCAN_MASK:
    case MLE_TLV_LINK_MARGIN:
    case MLE_TLV_STATUS:
        return 1;
    case MLE_TLV_SOURCE_ADDRESS:
    case MLE_TLV_ADDRESS16:
    case MLE_TLV_VERSION:
    case MLE_TLV_PAN_ID:
    case MLE_TLV_SUPERVISION_INTERVAL:
    case MLE_TLV_XTAL_ACCURACY:
        return 2;
    case MLE_TLV_TIMEOUT:
    case MLE_TLV_LINK_FRAME_COUNTER:
    case MLE_TLV_MLE_FRAME_COUNTER:
    case MLE_TLV_CSL_TIMEOUT:
        return 4;
    default:
        return 0;
    }
}

/* The integer of a TLV whose type holds `width` bytes (extra bytes ignored). */
static enum mle_err read_uint(const struct mle_tlv *t, unsigned width, uint32_t *v)
{
    if (uint_width(t->type) != width)
        return MLE_ERR_TLV_TYPE;
    if (t->len < width)
        return MLE_ERR_TLV_LENGTH;
    uint32_t x = 0;
    for (unsigned i = 0; i < width; i++)
        x = x << 8 | t->value[i];
    *v = x;
    return MLE_OK;
}

enum mle_err mle_tlv_u8(const struct mle_tlv *t, uint8_t *v)
{
    uint32_t x;
    enum mle_err e = read_uint(t, 1, &x);
    if (e == MLE_OK)
        *v = (uint8_t)x;
    return e;
}

enum mle_err mle_tlv_u16(const struct mle_tlv *t, uint16_t *v)
{
    uint32_t x;
    enum mle_err e = read_uint(t, 2, &x);
    if (e == MLE_OK)
        *v = (uint16_t)x;
    return e;
}

enum mle_err mle_tlv_u32(const struct mle_tlv *t, uint32_t *v)
{
    return read_uint(t, 4, v);
}

enum mle_err mle_tlv_challenge(const struct mle_tlv *t, struct mle_challenge *c)
{
    if (t->type != MLE_TLV_CHALLENGE && t->type != MLE_TLV_RESPONSE)
        return MLE_ERR_TLV_TYPE;
    if (t->len < MLE_CHALLENGE_MIN || t->len > MLE_CHALLENGE_MAX)
        return MLE_ERR_TLV_LENGTH;
    struct rd r = rd_init(t->value, t->len);
    memset(c, 0, sizeof(*c));
    c->len = t->len;
    return rd_bytes(&r, c->b, t->len) ? MLE_OK : MLE_ERR_TLV_LENGTH;
}

enum mle_err mle_tlv_leader_data(const struct mle_tlv *t, struct mle_leader_data *ld)
{
    if (t->type != MLE_TLV_LEADER_DATA)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    struct mle_leader_data v;
    if (!rd_be32(&r, &v.partition_id) || !rd_u8(&r, &v.weighting) || !rd_u8(&r, &v.data_version) ||
        !rd_u8(&r, &v.stable_data_version) || !rd_u8(&r, &v.leader_router_id))
        return MLE_ERR_TLV_LENGTH;
    *ld = v;
    return MLE_OK;
}

static unsigned popcount8(uint8_t b)
{
    unsigned n = 0;
    for (; b; b &= (uint8_t)(b - 1))
        n++;
    return n;
}

enum mle_err mle_tlv_route64(const struct mle_tlv *t, struct mle_route64 *out)
{
    if (t->type != MLE_TLV_ROUTE64)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    struct mle_route64 v;
    memset(&v, 0, sizeof(v));
    if (!rd_u8(&r, &v.id_seq) || !rd_bytes(&r, v.mask, sizeof(v.mask)))
        return MLE_ERR_TLV_LENGTH;
    if (v.mask[7] & 0x01) /* router id 63 does not exist (ids are 0..62) */
        return MLE_ERR_TLV_VALUE;
    unsigned n = 0;
    for (unsigned i = 0; i < 8; i++)
        n += popcount8(v.mask[i]);
    if (r.left != n)
        return MLE_ERR_TLV_VALUE;
    v.n = (uint8_t)n;
    if (!rd_bytes(&r, v.route, n))
        return MLE_ERR_TLV_VALUE;
    *out = v;
    return MLE_OK;
}

bool mle_route64_has(const struct mle_route64 *r, unsigned router_id)
{
    return router_id <= MLE_MAX_ROUTER_ID && (r->mask[router_id / 8] & (0x80u >> (router_id % 8)));
}

/* Index of router_id's byte in route[] = number of set ids below it. */
static unsigned route_index(const struct mle_route64 *r, unsigned router_id)
{
    unsigned k = 0;
    for (unsigned id = 0; id < router_id; id++)
        if (r->mask[id / 8] & (0x80u >> (id % 8)))
            k++;
    return k;
}

int mle_route64_route(const struct mle_route64 *r, unsigned router_id)
{
    if (!mle_route64_has(r, router_id))
        return -1;
    unsigned k = route_index(r, router_id);
    return k < r->n ? r->route[k] : -1;
}

bool mle_route64_add(struct mle_route64 *r, unsigned router_id, uint8_t route)
{
    if (router_id > MLE_MAX_ROUTER_ID || r->n > MLE_MAX_ROUTER_ID + 1)
        return false;
    unsigned k = route_index(r, router_id);
    if (mle_route64_has(r, router_id)) {
        if (k >= r->n)
            return false;
        r->route[k] = route;
        return true;
    }
    if (k > r->n)
        return false;
    memmove(&r->route[k + 1], &r->route[k], r->n - k);
    r->route[k] = route;
    r->n++;
    r->mask[router_id / 8] |= (uint8_t)(0x80u >> (router_id % 8));
    return true;
}

enum mle_err mle_tlv_connectivity(const struct mle_tlv *t, struct mle_connectivity *c)
{
    if (t->type != MLE_TLV_CONNECTIVITY)
        return MLE_ERR_TLV_TYPE;
    /* OpenThread ConnectivityTlv::IsValid: exactly 7, or 10 and more. */
    if (t->len != 7 && t->len < 10)
        return MLE_ERR_TLV_LENGTH;
    struct rd r = rd_init(t->value, t->len);
    struct mle_connectivity v;
    memset(&v, 0, sizeof(v));
    if (!rd_u8(&r, &v.flags) || !rd_u8(&r, &v.lq3) || !rd_u8(&r, &v.lq2) || !rd_u8(&r, &v.lq1) ||
        !rd_u8(&r, &v.leader_cost) || !rd_u8(&r, &v.id_seq) || !rd_u8(&r, &v.active_routers))
        return MLE_ERR_TLV_LENGTH;
    if (r.left) {
        v.has_sed = true;
        if (!rd_be16(&r, &v.sed_buffer_size) || !rd_u8(&r, &v.sed_datagram_count))
            return MLE_ERR_TLV_LENGTH;
    }
    *c = v;
    return MLE_OK;
}

int mle_connectivity_priority(const struct mle_connectivity *c)
{
    static const int prio[4] = {0, 1, -2, -1};
    return prio[(c->flags >> 6) & 3];
}

enum mle_err mle_tlv_addr_reg(const struct mle_tlv *t, struct mle_addr_reg *ar)
{
    if (t->type != MLE_TLV_ADDRESS_REGISTRATION)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    memset(ar, 0, sizeof(*ar));
    while (r.left) {
        uint8_t ctl;
        struct mle_addr_entry e;
        memset(&e, 0, sizeof(e));
        if (!rd_u8(&r, &ctl))
            return MLE_ERR_TLV_VALUE;
        if (ctl & 0x80) {
            e.compressed = true;
            e.context_id = ctl & 0x0f;
            if (!rd_bytes(&r, e.addr + 8, 8))
                return MLE_ERR_TLV_VALUE;
        } else if (!rd_bytes(&r, e.addr, 16)) {
            return MLE_ERR_TLV_VALUE;
        }
        /* At most 255 / 9 = 28 entries fit in one TLV. */
        if (ar->n >= MLE_ADDR_REG_MAX)
            return MLE_ERR_TLV_VALUE;
        ar->e[ar->n++] = e;
    }
    return MLE_OK;
}

enum mle_err mle_tlv_timestamp(const struct mle_tlv *t, struct mle_timestamp *ts)
{
    if (t->type != MLE_TLV_ACTIVE_TIMESTAMP && t->type != MLE_TLV_PENDING_TIMESTAMP)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    uint16_t hi, lo;
    uint32_t mid;
    if (!rd_be16(&r, &hi) || !rd_be32(&r, &mid) || !rd_be16(&r, &lo))
        return MLE_ERR_TLV_LENGTH;
    ts->seconds = ((uint64_t)hi << 32) | mid;
    ts->ticks = (uint16_t)(lo >> 1);
    ts->authoritative = lo & 1;
    return MLE_OK;
}

int mle_timestamp_cmp(const struct mle_timestamp *a, const struct mle_timestamp *b)
{
    if (a->seconds != b->seconds)
        return a->seconds < b->seconds ? -1 : 1;
    if (a->ticks != b->ticks)
        return a->ticks < b->ticks ? -1 : 1;
    return (int)a->authoritative - (int)b->authoritative;
}

enum mle_err mle_tlv_channel(const struct mle_tlv *t, struct mle_channel *ch)
{
    if (t->type != MLE_TLV_CHANNEL && t->type != MLE_TLV_CSL_CHANNEL &&
        t->type != MLE_TLV_WAKEUP_CHANNEL)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    struct mle_channel v;
    if (!rd_u8(&r, &v.page) || !rd_be16(&r, &v.channel))
        return MLE_ERR_TLV_LENGTH;
    *ch = v;
    return MLE_OK;
}

enum mle_err mle_tlv_csl_accuracy(const struct mle_tlv *t, struct mle_csl_accuracy *a)
{
    if (t->type != MLE_TLV_CSL_CLOCK_ACCURACY)
        return MLE_ERR_TLV_TYPE;
    struct rd r = rd_init(t->value, t->len);
    struct mle_csl_accuracy v;
    if (!rd_u8(&r, &v.accuracy) || !rd_u8(&r, &v.uncertainty))
        return MLE_ERR_TLV_LENGTH;
    *a = v;
    return MLE_OK;
}

enum mle_err mle_tlv_check(const struct mle_tlv *t)
{
    union {
        uint32_t u32;
        struct mle_challenge c;
        struct mle_leader_data ld;
        struct mle_route64 r;
        struct mle_connectivity conn;
        struct mle_addr_reg ar;
        struct mle_timestamp ts;
        struct mle_channel ch;
        struct mle_csl_accuracy acc;
    } v;

    if (uint_width(t->type))
        return read_uint(t, uint_width(t->type), &v.u32);
    switch (t->type) {
    case MLE_TLV_CHALLENGE:
    case MLE_TLV_RESPONSE:
        return mle_tlv_challenge(t, &v.c);
    case MLE_TLV_LEADER_DATA:
        return mle_tlv_leader_data(t, &v.ld);
    case MLE_TLV_ROUTE64:
        return mle_tlv_route64(t, &v.r);
    case MLE_TLV_CONNECTIVITY:
        return mle_tlv_connectivity(t, &v.conn);
    case MLE_TLV_ADDRESS_REGISTRATION:
        return mle_tlv_addr_reg(t, &v.ar);
    case MLE_TLV_ACTIVE_TIMESTAMP:
    case MLE_TLV_PENDING_TIMESTAMP:
        return mle_tlv_timestamp(t, &v.ts);
    case MLE_TLV_CHANNEL:
    case MLE_TLV_CSL_CHANNEL:
    case MLE_TLV_WAKEUP_CHANNEL:
        return mle_tlv_channel(t, &v.ch);
    case MLE_TLV_CSL_CLOCK_ACCURACY:
        return mle_tlv_csl_accuracy(t, &v.acc);
    case MLE_TLV_NETWORK_DATA:
        /* Thread Network Data is at most 254 bytes (Thread 1.3 §5.13). */
        return t->len > 254 ? MLE_ERR_TLV_LENGTH : MLE_OK;
    case MLE_TLV_TIME_PARAMETER:
        return need(t, 4); /* time sync period u16 || XTAL threshold u16 */
    case MLE_TLV_TLV_REQUEST:
    case MLE_TLV_LINK_QUALITY:
    case MLE_TLV_NETWORK_PARAMETER:
    case MLE_TLV_ACTIVE_DATASET:
    case MLE_TLV_PENDING_DATASET:
    case MLE_TLV_DISCOVERY:
    case MLE_TLV_LINK_METRICS_QUERY:
    case MLE_TLV_LINK_METRICS_MGMT:
    case MLE_TLV_LINK_METRICS_REPORT:
    case MLE_TLV_LINK_PROBE:
    case MLE_TLV_TIME_REQUEST:
        return MLE_OK; /* opaque, any length */
    default:
        return MLE_OK; /* unknown: skipped */
    }
}

enum mle_err mle_tlv_validate(const uint8_t *tlvs, size_t len, unsigned *n_unknown,
                              struct mle_tlv *bad)
{
    struct mle_tlv_iter it;
    struct mle_tlv t;
    unsigned unknown = 0;

    mle_tlv_iter_init(&it, tlvs, len);
    while (mle_tlv_next(&it, &t)) {
        if (!mle_tlv_name(t.type))
            unknown++;
        enum mle_err e = mle_tlv_check(&t);
        if (e != MLE_OK) {
            if (bad)
                *bad = t;
            return e;
        }
    }
    if (n_unknown)
        *n_unknown = unknown;
    if (it.err != MLE_OK && bad) {
        bad->type = 0xff;
        bad->len = 0;
        bad->value = NULL;
    }
    return it.err;
}

enum mle_err mle_find_u8(const uint8_t *tlvs, size_t len, uint8_t type, uint8_t *v)
{
    struct mle_tlv t;
    enum mle_err e = mle_tlv_find(tlvs, len, type, &t);
    return e != MLE_OK ? e : mle_tlv_u8(&t, v);
}

enum mle_err mle_find_u16(const uint8_t *tlvs, size_t len, uint8_t type, uint16_t *v)
{
    struct mle_tlv t;
    enum mle_err e = mle_tlv_find(tlvs, len, type, &t);
    return e != MLE_OK ? e : mle_tlv_u16(&t, v);
}

enum mle_err mle_find_u32(const uint8_t *tlvs, size_t len, uint8_t type, uint32_t *v)
{
    struct mle_tlv t;
    enum mle_err e = mle_tlv_find(tlvs, len, type, &t);
    return e != MLE_OK ? e : mle_tlv_u32(&t, v);
}

/* ---- writers ----------------------------------------------------------- */

/* Starts a TLV; returns its length byte (patched by put_end), or NULL. */
static uint8_t *put_begin(struct wr *w, uint8_t type)
{
    wr_u8(w, type);
    return wr_reserve(w, 1);
}

static void put_end(struct wr *w, uint8_t *len_at)
{
    if (!w->ok || !len_at)
        return;
    size_t n = (size_t)(w->p - (len_at + 1));
    if (n > 255) {
        w->ok = false;
        return;
    }
    *len_at = (uint8_t)n;
}

void mle_put_tlv(struct wr *w, uint8_t type, const void *value, size_t len)
{
    if (len > 255) {
        w->ok = false;
        return;
    }
    wr_u8(w, type);
    wr_u8(w, (uint8_t)len);
    wr_bytes(w, value, len);
}

void mle_put_u8(struct wr *w, uint8_t type, uint8_t v)
{
    mle_put_tlv(w, type, &v, 1);
}

void mle_put_u16(struct wr *w, uint8_t type, uint16_t v)
{
    uint8_t b[2];
    be16_put(b, v);
    mle_put_tlv(w, type, b, 2);
}

void mle_put_u32(struct wr *w, uint8_t type, uint32_t v)
{
    uint8_t b[4];
    be32_put(b, v);
    mle_put_tlv(w, type, b, 4);
}

void mle_put_challenge(struct wr *w, uint8_t type, const struct mle_challenge *c)
{
    if (c->len < MLE_CHALLENGE_MIN || c->len > MLE_CHALLENGE_MAX) {
        w->ok = false;
        return;
    }
    mle_put_tlv(w, type, c->b, c->len);
}

void mle_put_leader_data(struct wr *w, const struct mle_leader_data *ld)
{
    uint8_t *l = put_begin(w, MLE_TLV_LEADER_DATA);
    wr_be32(w, ld->partition_id);
    wr_u8(w, ld->weighting);
    wr_u8(w, ld->data_version);
    wr_u8(w, ld->stable_data_version);
    wr_u8(w, ld->leader_router_id);
    put_end(w, l);
}

void mle_put_route64(struct wr *w, const struct mle_route64 *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 8; i++)
        n += popcount8(r->mask[i]);
    if (n != r->n || (r->mask[7] & 1)) {
        w->ok = false;
        return;
    }
    uint8_t *l = put_begin(w, MLE_TLV_ROUTE64);
    wr_u8(w, r->id_seq);
    wr_bytes(w, r->mask, 8);
    wr_bytes(w, r->route, r->n);
    put_end(w, l);
}

void mle_put_connectivity(struct wr *w, const struct mle_connectivity *c)
{
    uint8_t *l = put_begin(w, MLE_TLV_CONNECTIVITY);
    wr_u8(w, c->flags);
    wr_u8(w, c->lq3);
    wr_u8(w, c->lq2);
    wr_u8(w, c->lq1);
    wr_u8(w, c->leader_cost);
    wr_u8(w, c->id_seq);
    wr_u8(w, c->active_routers);
    if (c->has_sed) {
        wr_be16(w, c->sed_buffer_size);
        wr_u8(w, c->sed_datagram_count);
    }
    put_end(w, l);
}

void mle_put_addr_reg(struct wr *w, const struct mle_addr_reg *ar)
{
    if (ar->n > MLE_ADDR_REG_MAX) {
        w->ok = false;
        return;
    }
    uint8_t *l = put_begin(w, MLE_TLV_ADDRESS_REGISTRATION);
    for (unsigned i = 0; i < ar->n; i++) {
        const struct mle_addr_entry *e = &ar->e[i];
        if (e->compressed) {
            wr_u8(w, (uint8_t)(0x80 | (e->context_id & 0x0f)));
            wr_bytes(w, e->addr + 8, 8);
        } else {
            wr_u8(w, 0);
            wr_bytes(w, e->addr, 16);
        }
    }
    put_end(w, l);
}

void mle_put_timestamp(struct wr *w, uint8_t type, const struct mle_timestamp *ts)
{
    uint8_t *l = put_begin(w, type);
    wr_be16(w, (uint16_t)(ts->seconds >> 32));
    wr_be32(w, (uint32_t)ts->seconds);
    wr_be16(w, (uint16_t)(((ts->ticks & 0x7fffu) << 1) | (ts->authoritative ? 1u : 0u)));
    put_end(w, l);
}

void mle_put_channel(struct wr *w, uint8_t type, const struct mle_channel *ch)
{
    uint8_t *l = put_begin(w, type);
    wr_u8(w, ch->page);
    wr_be16(w, ch->channel);
    put_end(w, l);
}

void mle_put_csl_accuracy(struct wr *w, const struct mle_csl_accuracy *a)
{
    uint8_t *l = put_begin(w, MLE_TLV_CSL_CLOCK_ACCURACY);
    wr_u8(w, a->accuracy);
    wr_u8(w, a->uncertainty);
    put_end(w, l);
}
