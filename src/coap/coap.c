/*
 * CoAP (RFC 7252) message codec and reliability helper. See coap.h.
 */
#include "coap/coap.h"

#include <string.h>

#include "util/rd.h"

const char *coap_err_name(enum coap_err err)
{
    switch (err) {
    case COAP_OK:
        return "COAP_OK";
    case COAP_ERR_TRUNCATED:
        return "COAP_ERR_TRUNCATED";
    case COAP_ERR_VERSION:
        return "COAP_ERR_VERSION";
    case COAP_ERR_TOKEN_LEN:
        return "COAP_ERR_TOKEN_LEN";
    case COAP_ERR_EMPTY_NOT_EMPTY:
        return "COAP_ERR_EMPTY_NOT_EMPTY";
    case COAP_ERR_OPTION_NIBBLE:
        return "COAP_ERR_OPTION_NIBBLE";
    case COAP_ERR_OPTION_NUMBER:
        return "COAP_ERR_OPTION_NUMBER";
    case COAP_ERR_OPTION_LEN:
        return "COAP_ERR_OPTION_LEN";
    case COAP_ERR_TOO_MANY_OPTIONS:
        return "COAP_ERR_TOO_MANY_OPTIONS";
    case COAP_ERR_EMPTY_PAYLOAD:
        return "COAP_ERR_EMPTY_PAYLOAD";
    case COAP_ERR_OPTION_ORDER:
        return "COAP_ERR_OPTION_ORDER";
    case COAP_ERR_URI:
        return "COAP_ERR_URI";
    case COAP_ERR_NO_SPACE:
        return "COAP_ERR_NO_SPACE";
    case COAP_ERR_INVALID_ARG:
        return "COAP_ERR_INVALID_ARG";
    case COAP_ERR_FULL:
        return "COAP_ERR_FULL";
    case COAP_ERR_NOT_FOUND:
        return "COAP_ERR_NOT_FOUND";
    }
    return "COAP_ERR_?";
}

/* ---- message helpers ------------------------------------------------------ */

void coap_msg_init(struct coap_msg *m, enum coap_type type, uint8_t code, uint16_t mid)
{
    memset(m, 0, sizeof(*m));
    m->type = type;
    m->code = code;
    m->mid = mid;
}

enum coap_err coap_msg_set_token(struct coap_msg *m, const uint8_t *token, size_t len)
{
    if (len > COAP_TOKEN_MAX || (len > 0 && token == NULL))
        return COAP_ERR_INVALID_ARG;
    if (len > 0)
        memcpy(m->token, token, len);
    m->token_len = (uint8_t)len;
    return COAP_OK;
}

enum coap_err coap_msg_add_option(struct coap_msg *m, uint16_t num, const void *val, size_t len)
{
    if (len > UINT16_MAX || (len > 0 && val == NULL))
        return COAP_ERR_INVALID_ARG;
    if (m->n_opts >= COAP_MAX_OPTIONS)
        return COAP_ERR_TOO_MANY_OPTIONS;
    /* After every option numbered <= num: repeated options keep their order. */
    unsigned at = m->n_opts;
    while (at > 0 && m->opts[at - 1].num > num)
        at--;
    memmove(&m->opts[at + 1], &m->opts[at], (m->n_opts - at) * sizeof(m->opts[0]));
    m->opts[at].num = num;
    m->opts[at].len = (uint16_t)len;
    m->opts[at].val = len ? (const uint8_t *)val : NULL;
    m->n_opts++;
    return COAP_OK;
}

enum coap_err coap_msg_set_uri_path(struct coap_msg *m, const char *path)
{
    if (path == NULL)
        return COAP_ERR_INVALID_ARG;
    size_t total = strnlen(path, COAP_URI_MAX + 1);
    if (total > COAP_URI_MAX)
        return COAP_ERR_URI;
    size_t i = 0;
    if (i < total && path[i] == '/')
        i++;
    if (i == total)
        return COAP_ERR_URI;
    /* Validate all segments before adding any, so a failure leaves m as it was. */
    unsigned segs = 0;
    for (size_t s = i; s <= total;) {
        size_t e = s;
        while (e < total && path[e] != '/')
            e++;
        if (e == s || e - s > 255) /* §5.10.1: Uri-Path is 0..255 bytes; "" segments not made */
            return COAP_ERR_URI;
        segs++;
        s = e + 1;
    }
    if (m->n_opts + segs > COAP_MAX_OPTIONS)
        return COAP_ERR_TOO_MANY_OPTIONS;
    for (size_t s = i; s <= total;) {
        size_t e = s;
        while (e < total && path[e] != '/')
            e++;
        enum coap_err err = coap_msg_add_option(m, COAP_OPT_URI_PATH, path + s, e - s);
        if (err != COAP_OK)
            return err;
        s = e + 1;
    }
    return COAP_OK;
}

void coap_msg_set_payload(struct coap_msg *m, const void *payload, size_t len)
{
    m->payload = len ? (const uint8_t *)payload : NULL;
    m->payload_len = len;
}

enum coap_err coap_msg_uri_path(const struct coap_msg *m, char *out, size_t cap)
{
    if (out == NULL || cap == 0)
        return COAP_ERR_NO_SPACE;
    size_t n = 0;
    bool first = true;
    for (unsigned i = 0; i < m->n_opts; i++) {
        const struct coap_option *o = &m->opts[i];
        if (o->num != COAP_OPT_URI_PATH)
            continue;
        if (o->len > 0 && (memchr(o->val, '/', o->len) || memchr(o->val, '\0', o->len))) {
            out[0] = '\0';
            return COAP_ERR_URI;
        }
        size_t need = (first ? 0 : 1) + (size_t)o->len;
        if (cap - n <= need) {
            out[0] = '\0';
            return COAP_ERR_NO_SPACE;
        }
        if (!first)
            out[n++] = '/';
        if (o->len)
            memcpy(out + n, o->val, o->len);
        n += o->len;
        first = false;
    }
    out[n] = '\0';
    return COAP_OK;
}

bool coap_msg_uri_equals(const struct coap_msg *m, const char *path)
{
    if (path == NULL)
        return false;
    if (path[0] == '/')
        path++;
    size_t plen = strlen(path);
    size_t pos = 0;
    bool any = false;
    for (unsigned i = 0; i < m->n_opts; i++) {
        const struct coap_option *o = &m->opts[i];
        if (o->num != COAP_OPT_URI_PATH)
            continue;
        if (any) {
            if (pos >= plen || path[pos] != '/')
                return false;
            pos++;
        }
        if (plen - pos < o->len || (o->len && memcmp(path + pos, o->val, o->len) != 0))
            return false;
        if (o->len && memchr(o->val, '/', o->len))
            return false;
        pos += o->len;
        any = true;
    }
    return pos == plen;
}

const struct coap_option *coap_msg_find_option(const struct coap_msg *m, uint16_t num)
{
    for (unsigned i = 0; i < m->n_opts; i++) {
        if (m->opts[i].num == num)
            return &m->opts[i];
    }
    return NULL;
}

size_t coap_uint_encode(uint32_t v, uint8_t out[4])
{
    size_t n = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint8_t b = (uint8_t)(v >> shift);
        if (n == 0 && b == 0)
            continue;
        out[n++] = b;
    }
    return n;
}

bool coap_uint_decode(const uint8_t *val, size_t len, uint32_t *out)
{
    if (len > 4 || (len > 0 && val == NULL))
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = (v << 8) | val[i];
    *out = v;
    return true;
}

enum coap_err coap_msg_add_uint_option(struct coap_msg *m, uint16_t num, uint32_t v,
                                       uint8_t storage[4])
{
    size_t n = coap_uint_encode(v, storage);
    return coap_msg_add_option(m, num, storage, n);
}

enum coap_code_kind coap_code_kind(uint8_t code)
{
    switch (COAP_CODE_CLASS(code)) {
    case 0:
        return code == COAP_CODE_EMPTY ? COAP_KIND_EMPTY : COAP_KIND_REQUEST;
    case 2:
    case 4:
    case 5:
        return COAP_KIND_RESPONSE;
    default:
        return COAP_KIND_RESERVED;
    }
}

/* ---- parse ---------------------------------------------------------------- */

enum coap_err coap_peek_header(const uint8_t *buf, size_t len, enum coap_type *type, uint8_t *code,
                               uint16_t *mid)
{
    struct rd r = rd_init(buf, len);
    uint8_t b0, c;
    uint16_t id;
    if (buf == NULL || !rd_u8(&r, &b0) || !rd_u8(&r, &c) || !rd_be16(&r, &id))
        return COAP_ERR_TRUNCATED;
    if ((b0 >> 6) != COAP_VERSION)
        return COAP_ERR_VERSION;
    if (type)
        *type = (enum coap_type)((b0 >> 4) & 3);
    if (code)
        *code = c;
    if (mid)
        *mid = id;
    return COAP_OK;
}

/* Reads the extension bytes of an option delta or length nibble (§3.1). */
static enum coap_err opt_ext(struct rd *r, uint8_t nibble, uint32_t *out)
{
    if (nibble < 13) {
        *out = nibble;
    } else if (nibble == 13) {
        uint8_t b;
        if (!rd_u8(r, &b))
            return COAP_ERR_TRUNCATED;
        *out = 13u + b;
    } else if (nibble == 14) {
        uint16_t w;
        if (!rd_be16(r, &w))
            return COAP_ERR_TRUNCATED;
        *out = 269u + w;
    } else {
        return COAP_ERR_OPTION_NIBBLE; /* 15: reserved (the marker is handled by the caller) */
    }
    return COAP_OK;
}

enum coap_err coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m)
{
    if (m == NULL)
        return COAP_ERR_INVALID_ARG;
    struct rd r = rd_init(buf, buf ? len : 0);
    uint8_t b0, code;
    uint16_t mid;
    if (!rd_u8(&r, &b0) || !rd_u8(&r, &code) || !rd_be16(&r, &mid))
        return COAP_ERR_TRUNCATED;
    if ((b0 >> 6) != COAP_VERSION)
        return COAP_ERR_VERSION;
    uint8_t tkl = b0 & 0x0f;
    if (tkl > COAP_TOKEN_MAX)
        return COAP_ERR_TOKEN_LEN;
    coap_msg_init(m, (enum coap_type)((b0 >> 4) & 3), code, mid);
    if (code == COAP_CODE_EMPTY) { /* §4.1 */
        if (tkl != 0 || r.left != 0)
            return COAP_ERR_EMPTY_NOT_EMPTY;
        return COAP_OK;
    }
    if (!rd_bytes(&r, m->token, tkl))
        return COAP_ERR_TRUNCATED;
    m->token_len = tkl;

    uint32_t num = 0;
    while (r.left > 0) {
        uint8_t h;
        (void)rd_u8(&r, &h);
        if (h == COAP_PAYLOAD_MARKER) {
            if (r.left == 0)
                return COAP_ERR_EMPTY_PAYLOAD;
            m->payload = r.p;
            m->payload_len = r.left;
            return COAP_OK;
        }
        uint32_t delta, olen;
        enum coap_err err = opt_ext(&r, h >> 4, &delta);
        if (err != COAP_OK)
            return err;
        err = opt_ext(&r, h & 0x0f, &olen);
        if (err != COAP_OK)
            return err;
        num += delta; /* both <= 65804: no overflow of uint32 */
        if (num > UINT16_MAX)
            return COAP_ERR_OPTION_NUMBER;
        if (olen > r.left)
            return COAP_ERR_TRUNCATED;
        if (olen > UINT16_MAX)
            return COAP_ERR_OPTION_LEN;
        if (m->n_opts >= COAP_MAX_OPTIONS)
            return COAP_ERR_TOO_MANY_OPTIONS;
        struct coap_option *o = &m->opts[m->n_opts++];
        o->num = (uint16_t)num;
        o->len = (uint16_t)olen;
        o->val = olen ? r.p : NULL;
        (void)rd_skip(&r, olen);
    }
    return COAP_OK;
}

/* ---- build ---------------------------------------------------------------- */

/* Nibble and extension for a delta or length value v <= 65804 (§3.1). */
static uint8_t opt_nibble(uint32_t v)
{
    return v < 13 ? (uint8_t)v : v < 269 ? 13 : 14;
}

static void opt_ext_put(struct wr *w, uint32_t v)
{
    if (v >= 269)
        wr_be16(w, (uint16_t)(v - 269));
    else if (v >= 13)
        wr_u8(w, (uint8_t)(v - 13));
}

enum coap_err coap_build(const struct coap_msg *m, uint8_t *out, size_t cap, size_t *out_len)
{
    if (m == NULL || out_len == NULL || (out == NULL && cap > 0))
        return COAP_ERR_INVALID_ARG;
    if ((unsigned)m->type > COAP_TYPE_RST || m->token_len > COAP_TOKEN_MAX ||
        m->n_opts > COAP_MAX_OPTIONS || (m->payload_len > 0 && m->payload == NULL))
        return COAP_ERR_INVALID_ARG;
    if (m->code == COAP_CODE_EMPTY && (m->token_len || m->n_opts || m->payload_len))
        return COAP_ERR_INVALID_ARG; /* §4.1 */
    for (unsigned i = 1; i < m->n_opts; i++) {
        if (m->opts[i].num < m->opts[i - 1].num)
            return COAP_ERR_OPTION_ORDER;
    }
    struct wr w = wr_init(out, cap);
    wr_u8(&w, (uint8_t)(COAP_VERSION << 6 | (unsigned)m->type << 4 | m->token_len));
    wr_u8(&w, m->code);
    wr_be16(&w, m->mid);
    wr_bytes(&w, m->token, m->token_len);
    uint16_t prev = 0;
    for (unsigned i = 0; i < m->n_opts; i++) {
        const struct coap_option *o = &m->opts[i];
        if (o->len > 0 && o->val == NULL)
            return COAP_ERR_INVALID_ARG;
        uint32_t delta = (uint32_t)o->num - prev;
        wr_u8(&w, (uint8_t)(opt_nibble(delta) << 4 | opt_nibble(o->len)));
        opt_ext_put(&w, delta);
        opt_ext_put(&w, o->len);
        wr_bytes(&w, o->val, o->len);
        prev = o->num;
    }
    if (m->payload_len > 0) {
        wr_u8(&w, COAP_PAYLOAD_MARKER);
        wr_bytes(&w, m->payload, m->payload_len);
    }
    if (!w.ok)
        return COAP_ERR_NO_SPACE;
    *out_len = cap - w.left;
    return COAP_OK;
}

void coap_msg_init_response(struct coap_msg *resp, const struct coap_msg *req, uint8_t code,
                            uint16_t new_mid)
{
    bool piggy = req->type == COAP_TYPE_CON;
    coap_msg_init(resp, piggy ? COAP_TYPE_ACK : COAP_TYPE_NON, code, piggy ? req->mid : new_mid);
    resp->token_len = req->token_len <= COAP_TOKEN_MAX ? req->token_len : 0;
    memcpy(resp->token, req->token, resp->token_len);
}

/* ---- reliability ---------------------------------------------------------- */

uint32_t coap_initial_timeout_ms(uint32_t rnd)
{
    /* span = ACK_TIMEOUT * (ACK_RANDOM_FACTOR - 1) = 1000 ms */
    const uint64_t span = (uint64_t)COAP_ACK_TIMEOUT_MS *
                          (COAP_ACK_RANDOM_FACTOR_NUM - COAP_ACK_RANDOM_FACTOR_DEN) /
                          COAP_ACK_RANDOM_FACTOR_DEN;
    return COAP_ACK_TIMEOUT_MS + (uint32_t)(((uint64_t)rnd * span) >> 32);
}

void coap_retx_start(struct coap_retx *r, uint64_t now_ms, uint32_t rnd)
{
    r->timeout_ms = coap_initial_timeout_ms(rnd);
    r->next_ms = now_ms + r->timeout_ms;
    r->retransmits = 0;
    r->active = true;
}

enum coap_retx_action coap_retx_poll(struct coap_retx *r, uint64_t now_ms)
{
    if (!r->active || now_ms < r->next_ms)
        return COAP_RETX_WAIT;
    if (r->retransmits >= COAP_MAX_RETRANSMIT) {
        r->active = false;
        return COAP_RETX_GIVE_UP;
    }
    r->retransmits++;
    r->timeout_ms *= 2;
    r->next_ms += r->timeout_ms;
    return COAP_RETX_RESEND;
}

void coap_ctx_init(struct coap_ctx *c, uint16_t first_mid)
{
    memset(c, 0, sizeof(*c));
    c->next_mid = first_mid;
}

uint16_t coap_next_mid(struct coap_ctx *c)
{
    return c->next_mid++;
}

static bool peer_eq(const struct coap_peer *a, const struct coap_peer *b)
{
    return a->port == b->port && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static struct coap_dedup_entry *dedup_find(struct coap_ctx *c, const struct coap_peer *peer,
                                           uint16_t mid, uint64_t now_ms)
{
    for (unsigned i = 0; i < COAP_DEDUP_ENTRIES; i++) {
        struct coap_dedup_entry *e = &c->dedup[i];
        if (e->used && e->expires_ms > now_ms && e->mid == mid && peer_eq(&e->peer, peer))
            return e;
    }
    return NULL;
}

enum coap_dedup_result coap_dedup_check(struct coap_ctx *c, const struct coap_peer *peer,
                                        enum coap_type type, uint16_t mid, uint64_t now_ms,
                                        const uint8_t **resp, size_t *resp_len)
{
    if (resp)
        *resp = NULL;
    if (resp_len)
        *resp_len = 0;
    if (type != COAP_TYPE_CON && type != COAP_TYPE_NON)
        return COAP_DEDUP_NEW;
    struct coap_dedup_entry *e = dedup_find(c, peer, mid, now_ms);
    if (e) {
        if (e->resp_len) {
            if (resp)
                *resp = e->resp;
            if (resp_len)
                *resp_len = e->resp_len;
        }
        return COAP_DEDUP_DUPLICATE;
    }
    /* A free or expired slot, else the one expiring first. */
    struct coap_dedup_entry *victim = &c->dedup[0];
    for (unsigned i = 0; i < COAP_DEDUP_ENTRIES; i++) {
        struct coap_dedup_entry *x = &c->dedup[i];
        if (!x->used || x->expires_ms <= now_ms) {
            victim = x;
            break;
        }
        if (x->expires_ms < victim->expires_ms)
            victim = x;
    }
    memset(victim, 0, sizeof(*victim));
    victim->used = true;
    victim->peer = *peer;
    victim->mid = mid;
    victim->expires_ms =
        now_ms + (type == COAP_TYPE_CON ? COAP_EXCHANGE_LIFETIME_MS : COAP_NON_LIFETIME_MS);
    return COAP_DEDUP_NEW;
}

enum coap_err coap_dedup_set_response(struct coap_ctx *c, const struct coap_peer *peer,
                                      uint16_t mid, const uint8_t *resp, size_t len)
{
    if (len > COAP_DEDUP_RESP_MAX)
        return COAP_ERR_NO_SPACE;
    if (len > 0 && resp == NULL)
        return COAP_ERR_INVALID_ARG;
    struct coap_dedup_entry *e = NULL;
    for (unsigned i = 0; i < COAP_DEDUP_ENTRIES && !e; i++) {
        struct coap_dedup_entry *x = &c->dedup[i];
        if (x->used && x->mid == mid && peer_eq(&x->peer, peer))
            e = x;
    }
    if (!e)
        return COAP_ERR_NOT_FOUND;
    if (len)
        memcpy(e->resp, resp, len);
    e->resp_len = (uint8_t)len;
    return COAP_OK;
}

enum coap_err coap_pending_add(struct coap_ctx *c, const struct coap_peer *peer,
                               const struct coap_msg *m, uint64_t now_ms, uint32_t rnd, void *user,
                               unsigned *idx)
{
    if ((m->type != COAP_TYPE_CON && m->type != COAP_TYPE_NON) || m->token_len > COAP_TOKEN_MAX)
        return COAP_ERR_INVALID_ARG;
    for (unsigned i = 0; i < COAP_PENDING_ENTRIES; i++) {
        struct coap_pending *p = &c->pending[i];
        if (p->used)
            continue;
        memset(p, 0, sizeof(*p));
        p->used = true;
        p->peer = *peer;
        p->mid = m->mid;
        p->token_len = m->token_len;
        memcpy(p->token, m->token, m->token_len);
        p->confirmable = m->type == COAP_TYPE_CON;
        p->user = user;
        p->deadline_ms = now_ms + COAP_MAX_TRANSMIT_WAIT_MS;
        if (p->confirmable)
            coap_retx_start(&p->retx, now_ms, rnd);
        if (idx)
            *idx = i;
        return COAP_OK;
    }
    return COAP_ERR_FULL;
}

static bool token_eq(const struct coap_pending *p, const struct coap_msg *rx)
{
    return p->token_len == rx->token_len && memcmp(p->token, rx->token, p->token_len) == 0;
}

static enum coap_match pending_done(struct coap_pending *p, enum coap_match how, void **user)
{
    if (user)
        *user = p->user;
    p->used = false;
    return how;
}

enum coap_match coap_pending_match(struct coap_ctx *c, const struct coap_peer *peer,
                                   const struct coap_msg *rx, uint64_t now_ms, void **user)
{
    if (user)
        *user = NULL;
    enum coap_code_kind kind = coap_code_kind(rx->code);
    for (unsigned i = 0; i < COAP_PENDING_ENTRIES; i++) {
        struct coap_pending *p = &c->pending[i];
        if (!p->used || !peer_eq(&p->peer, peer))
            continue;
        switch (rx->type) {
        case COAP_TYPE_ACK:
            /* §4.2: matched by message ID; only for a CON we sent. */
            if (!p->confirmable || p->acked || rx->mid != p->mid)
                break;
            if (kind == COAP_KIND_EMPTY) {
                p->acked = true;
                p->retx.active = false;
                p->deadline_ms = now_ms + COAP_MAX_TRANSMIT_WAIT_MS;
                if (user)
                    *user = p->user;
                return COAP_MATCH_EMPTY_ACK;
            }
            if (kind == COAP_KIND_RESPONSE && token_eq(p, rx)) /* §5.3.2 */
                return pending_done(p, COAP_MATCH_RESPONSE, user);
            break;
        case COAP_TYPE_RST:
            if (rx->mid == p->mid && kind == COAP_KIND_EMPTY)
                return pending_done(p, COAP_MATCH_RESET, user);
            break;
        case COAP_TYPE_CON:
        case COAP_TYPE_NON:
            /* A separate response (§5.2.2; it may overtake the empty ACK) or
             * the response to a NON request (§5.2.3): matched by token. */
            if (kind == COAP_KIND_RESPONSE && token_eq(p, rx))
                return pending_done(p, COAP_MATCH_RESPONSE, user);
            break;
        }
    }
    return COAP_MATCH_NONE;
}

enum coap_pending_event coap_pending_poll(struct coap_ctx *c, uint64_t now_ms, unsigned *idx,
                                          void **user)
{
    for (unsigned i = 0; i < COAP_PENDING_ENTRIES; i++) {
        struct coap_pending *p = &c->pending[i];
        if (!p->used)
            continue;
        if (p->retx.active) {
            enum coap_retx_action a = coap_retx_poll(&p->retx, now_ms);
            if (a == COAP_RETX_RESEND) {
                if (idx)
                    *idx = i;
                if (user)
                    *user = p->user;
                return COAP_PENDING_RESEND;
            }
            if (a == COAP_RETX_WAIT)
                continue;
        } else if (now_ms < p->deadline_ms) {
            continue;
        }
        /* GIVE_UP, or the response deadline passed. */
        if (idx)
            *idx = i;
        pending_done(p, COAP_MATCH_NONE, user);
        return COAP_PENDING_TIMEOUT;
    }
    return COAP_PENDING_IDLE;
}

uint64_t coap_pending_next_ms(const struct coap_ctx *c)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < COAP_PENDING_ENTRIES; i++) {
        const struct coap_pending *p = &c->pending[i];
        if (!p->used)
            continue;
        uint64_t t = p->retx.active ? p->retx.next_ms : p->deadline_ms;
        if (t < next)
            next = t;
    }
    return next;
}

enum coap_err coap_pending_cancel(struct coap_ctx *c, unsigned idx)
{
    if (idx >= COAP_PENDING_ENTRIES || !c->pending[idx].used)
        return COAP_ERR_NOT_FOUND;
    c->pending[idx].used = false;
    return COAP_OK;
}
