/*
 * DNS message codec (RFC 1035 §4). See dns_msg.h for the contract.
 */
#include "dns/dns_msg.h"

#include <string.h>

static const char *const err_names[] = {
#define DNS_X_NAME(id, name, expl) name,
    DNS_ERRORS(DNS_X_NAME)
#undef DNS_X_NAME
};

const char *dns_err_str(enum dns_err e)
{
    if ((unsigned)e >= DNS_ERR__COUNT)
        return "unknown";
    return err_names[e];
}

/* ---- Names -------------------------------------------------------------- */

static uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

enum dns_err dns_name_from_text(const char *text, struct dns_name *out)
{
    if (!text || !out)
        return DNS_ERR_INVALID_ARG;
    out->len = 0;
    if (text[0] == '.' && text[1] == '\0') {
        out->b[0] = 0;
        out->len = 1;
        return DNS_OK;
    }
    size_t olen = 0;
    const char *s = text;
    while (*s) {
        const char *dot = strchr(s, '.');
        size_t ll = dot ? (size_t)(dot - s) : strlen(s);
        if (ll == 0)
            return DNS_ERR_BAD_LABEL;
        if (ll > DNS_LABEL_MAX)
            return DNS_ERR_LABEL_TOO_LONG;
        if (olen + 1 + ll + 1 > DNS_NAME_MAX)
            return DNS_ERR_NAME_TOO_LONG;
        out->b[olen++] = (uint8_t)ll;
        memcpy(out->b + olen, s, ll);
        olen += ll;
        s += ll;
        if (*s == '.')
            s++;
    }
    out->b[olen++] = 0;
    out->len = (uint8_t)olen;
    return DNS_OK;
}

bool dns_name_valid(const struct dns_name *n)
{
    size_t i = 0;
    while (i < n->len) {
        uint8_t ll = n->b[i];
        if (ll == 0)
            return i + 1 == n->len;
        if (ll > DNS_LABEL_MAX)
            return false;
        i += 1u + ll;
    }
    return false;
}

enum dns_err dns_name_to_text(const struct dns_name *n, char *buf, size_t cap)
{
    if (!n || !buf || cap == 0)
        return DNS_ERR_INVALID_ARG;
    buf[0] = '\0';
    if (!dns_name_valid(n))
        return DNS_ERR_INVALID_ARG;
    size_t o = 0;
    if (n->len == 1) {
        if (cap < 2)
            return DNS_ERR_NO_SPACE;
        buf[0] = '.';
        buf[1] = '\0';
        return DNS_OK;
    }
    for (size_t i = 0; n->b[i] != 0; i += 1u + n->b[i]) {
        for (size_t k = 0; k < n->b[i]; k++) {
            uint8_t c = n->b[i + 1 + k];
            char tmp[5];
            size_t tl;
            if (c == '.' || c == '\\') {
                tmp[0] = '\\';
                tmp[1] = (char)c;
                tl = 2;
            } else if (c < 0x21 || c > 0x7e) {
                tmp[0] = '\\';
                tmp[1] = (char)('0' + c / 100);
                tmp[2] = (char)('0' + (c / 10) % 10);
                tmp[3] = (char)('0' + c % 10);
                tl = 4;
            } else {
                tmp[0] = (char)c;
                tl = 1;
            }
            if (o + tl + 1 >= cap) {
                buf[0] = '\0';
                return DNS_ERR_NO_SPACE;
            }
            memcpy(buf + o, tmp, tl);
            o += tl;
        }
        if (o + 2 > cap) {
            buf[0] = '\0';
            return DNS_ERR_NO_SPACE;
        }
        buf[o++] = '.';
    }
    buf[o] = '\0';
    return DNS_OK;
}

static bool bytes_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
    /* Length octets are below 'A', so a case-folding compare of the whole
     * wire form compares the label structure too. */
    return a->len == b->len && bytes_eq_nocase(a->b, b->b, a->len);
}

bool dns_name_in(const struct dns_name *n, const struct dns_name *parent)
{
    if (!dns_name_valid(n) || !dns_name_valid(parent) || parent->len > n->len)
        return false;
    /* Walk n's label boundaries; the suffix must start on one of them. */
    size_t i = 0;
    while (i < n->len) {
        if ((size_t)(n->len - i) == parent->len)
            return bytes_eq_nocase(n->b + i, parent->b, parent->len);
        if (n->b[i] == 0)
            break;
        i += 1u + n->b[i];
    }
    return false;
}

unsigned dns_name_labels(const struct dns_name *n)
{
    unsigned c = 0;
    for (size_t i = 0; i < n->len && n->b[i] != 0; i += 1u + n->b[i])
        c++;
    return c;
}

enum dns_err dns_name_prepend(struct dns_name *n, const void *label, size_t len)
{
    if (!n || (!label && len))
        return DNS_ERR_INVALID_ARG;
    if (len == 0)
        return DNS_ERR_BAD_LABEL;
    if (len > DNS_LABEL_MAX)
        return DNS_ERR_LABEL_TOO_LONG;
    if ((size_t)n->len + 1 + len > DNS_NAME_MAX)
        return DNS_ERR_NAME_TOO_LONG;
    memmove(n->b + 1 + len, n->b, n->len);
    n->b[0] = (uint8_t)len;
    memcpy(n->b + 1, label, len);
    n->len = (uint8_t)(n->len + 1 + len);
    return DNS_OK;
}

enum dns_err dns_name_read(const uint8_t *msg, size_t len, struct rd *r, struct dns_name *out)
{
    if (!msg || !r || !out || r->p < msg || (size_t)(r->p - msg) + r->left > len)
        return DNS_ERR_INVALID_ARG;
    struct rd cur = *r;
    bool jumped = false;
    unsigned hops = 0;
    size_t olen = 0;

    for (;;) {
        /* Offset of the octet about to be read; cur always points into msg. */
        size_t pos = (size_t)(cur.p - msg);
        uint8_t c;
        if (!rd_u8(&cur, &c))
            return jumped ? DNS_ERR_PTR_FORWARD : DNS_ERR_TRUNCATED;
        if ((c & 0xc0) == 0xc0) {
            /* RFC 1035 §4.1.4 pointer. The name it points to must lie wholly
             * before the pointer: every hop moves towards offset 0, so no
             * loop can form, and a prefix of a message is self-contained
             * (dns_msg_truncate, upstream query copies). The hop bound caps
             * the work anyway. */
            uint8_t lo;
            if (!rd_u8(&cur, &lo))
                return jumped ? DNS_ERR_PTR_FORWARD : DNS_ERR_TRUNCATED;
            size_t target = ((size_t)(c & 0x3f) << 8) | lo;
            if (target >= pos)
                return DNS_ERR_PTR_FORWARD;
            if (target < DNS_HDR_LEN)
                return DNS_ERR_PTR_HEADER;
            if (++hops > DNS_PTR_HOPS_MAX)
                return DNS_ERR_PTR_LOOP;
            if (!jumped) {
                *r = cur;
                jumped = true;
            }
            cur = rd_init(msg + target, pos - target);
            continue;
        }
        if (c & 0xc0)
            return DNS_ERR_BAD_LABEL; /* 0x40 extended / 0x80 reserved */
        if (olen + 1u + c > DNS_NAME_MAX)
            return DNS_ERR_NAME_TOO_LONG;
        out->b[olen++] = c;
        if (c == 0)
            break;
        if (!rd_bytes(&cur, out->b + olen, c))
            return jumped ? DNS_ERR_PTR_FORWARD : DNS_ERR_TRUNCATED;
        olen += c;
    }
    if (!jumped)
        *r = cur;
    out->len = (uint8_t)olen;
    return DNS_OK;
}

/* ---- Header and parser --------------------------------------------------- */

enum dns_err dns_hdr_read(const uint8_t *msg, size_t len, struct dns_hdr *out)
{
    if (!msg || !out)
        return DNS_ERR_INVALID_ARG;
    struct rd r = rd_init(msg, len);
    if (!rd_be16(&r, &out->id) || !rd_be16(&r, &out->flags) || !rd_be16(&r, &out->qdcount) ||
        !rd_be16(&r, &out->ancount) || !rd_be16(&r, &out->nscount) || !rd_be16(&r, &out->arcount))
        return DNS_ERR_TRUNCATED;
    return DNS_OK;
}

/* Moves to the next section with records left. */
static void advance(struct dns_parser *p)
{
    while (p->left == 0 && p->section < DNS_SECTION_ADDITIONAL) {
        p->section++;
        switch (p->section) {
        case DNS_SECTION_ANSWER:
            p->left = p->hdr.ancount;
            break;
        case DNS_SECTION_AUTHORITY:
            p->left = p->hdr.nscount;
            break;
        default:
            p->left = p->hdr.arcount;
            break;
        }
    }
}

enum dns_err dns_parse_begin(struct dns_parser *p, const uint8_t *msg, size_t len)
{
    if (!p || !msg)
        return DNS_ERR_INVALID_ARG;
    memset(p, 0, sizeof(*p));
    enum dns_err e = dns_hdr_read(msg, len, &p->hdr);
    if (e != DNS_OK)
        return e;
    p->msg = msg;
    p->len = len;
    p->r = rd_init(msg, len);
    rd_skip(&p->r, DNS_HDR_LEN);
    p->section = DNS_SECTION_QUESTION;
    p->left = p->hdr.qdcount;
    return DNS_OK;
}

enum dns_err dns_parse_question(struct dns_parser *p, struct dns_question *q)
{
    if (p->section != DNS_SECTION_QUESTION || p->left == 0)
        return DNS_ERR_END;
    enum dns_err e = dns_name_read(p->msg, p->len, &p->r, &q->name);
    if (e != DNS_OK)
        return e;
    if (!rd_be16(&p->r, &q->type) || !rd_be16(&p->r, &q->cls))
        return DNS_ERR_TRUNCATED;
    p->left--;
    return DNS_OK;
}

/* Reads a name that must lie inside RDATA (inline part) and maps running
 * off the RDATA to BAD_RDATA. */
static enum dns_err rdata_name(const struct dns_parser *p, struct rd *sub, struct dns_name *n)
{
    enum dns_err e = dns_name_read(p->msg, p->len, sub, n);
    return e == DNS_ERR_TRUNCATED ? DNS_ERR_BAD_RDATA : e;
}

static enum dns_err decode_rdata(struct dns_parser *p, struct dns_rr *rr, struct rd sub)
{
    enum dns_err e;
    switch (rr->type) {
    case DNS_TYPE_A:
        if (!rd_bytes(&sub, rr->u.a, 4))
            return DNS_ERR_BAD_RDATA;
        break;
    case DNS_TYPE_AAAA:
        if (!rd_bytes(&sub, rr->u.aaaa, 16))
            return DNS_ERR_BAD_RDATA;
        break;
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
        e = rdata_name(p, &sub, &rr->u.target);
        if (e != DNS_OK)
            return e;
        break;
    case DNS_TYPE_SOA: {
        struct dns_soa *s = &rr->u.soa;
        if ((e = rdata_name(p, &sub, &s->mname)) != DNS_OK ||
            (e = rdata_name(p, &sub, &s->rname)) != DNS_OK)
            return e;
        if (!rd_be32(&sub, &s->serial) || !rd_be32(&sub, &s->refresh) ||
            !rd_be32(&sub, &s->retry) || !rd_be32(&sub, &s->expire) || !rd_be32(&sub, &s->minimum))
            return DNS_ERR_BAD_RDATA;
        break;
    }
    case DNS_TYPE_SRV: {
        struct dns_srv *s = &rr->u.srv;
        if (!rd_be16(&sub, &s->priority) || !rd_be16(&sub, &s->weight) || !rd_be16(&sub, &s->port))
            return DNS_ERR_BAD_RDATA;
        if ((e = rdata_name(p, &sub, &s->target)) != DNS_OK)
            return e;
        break;
    }
    case DNS_TYPE_TXT:
        /* RFC 1035 §3.3.14: character-strings filling RDATA exactly. */
        while (sub.left) {
            uint8_t l;
            if (!rd_u8(&sub, &l) || !rd_skip(&sub, l))
                return DNS_ERR_BAD_RDATA;
        }
        break;
    case DNS_TYPE_KEY: {
        struct dns_key *k = &rr->u.key;
        if (!rd_be16(&sub, &k->flags) || !rd_u8(&sub, &k->protocol) || !rd_u8(&sub, &k->algorithm))
            return DNS_ERR_BAD_RDATA;
        k->pubkey = sub.p;
        k->pubkey_len = (uint16_t)sub.left;
        rd_skip(&sub, sub.left);
        break;
    }
    case DNS_TYPE_SIG: {
        struct dns_sig *s = &rr->u.sig;
        if (!rd_be16(&sub, &s->type_covered) || !rd_u8(&sub, &s->algorithm) ||
            !rd_u8(&sub, &s->labels) || !rd_be32(&sub, &s->orig_ttl) ||
            !rd_be32(&sub, &s->expiration) || !rd_be32(&sub, &s->inception) ||
            !rd_be16(&sub, &s->key_tag))
            return DNS_ERR_BAD_RDATA;
        if ((e = rdata_name(p, &sub, &s->signer)) != DNS_OK)
            return e;
        s->signature = sub.p;
        s->signature_len = (uint16_t)sub.left;
        rd_skip(&sub, sub.left);
        break;
    }
    case DNS_TYPE_OPT: {
        /* RFC 6891 §6.1.1: one OPT, at the root, additional section only. */
        struct dns_opt *o = &rr->u.opt;
        if (rr->section != DNS_SECTION_ADDITIONAL || rr->name.len != 1 || p->seen_opt)
            return DNS_ERR_BAD_OPT;
        p->seen_opt = true;
        o->udp_size = rr->cls;
        o->ext_rcode = (uint8_t)(rr->ttl >> 24);
        o->version = (uint8_t)(rr->ttl >> 16);
        o->flags = (uint16_t)rr->ttl;
        o->opts = sub.p;
        o->opts_len = (uint16_t)sub.left;
        /* RFC 6891 §6.1.2: {code, length, data} options filling RDATA. */
        while (sub.left) {
            uint16_t code, ol;
            if (!rd_be16(&sub, &code) || !rd_be16(&sub, &ol) || !rd_skip(&sub, ol))
                return DNS_ERR_BAD_RDATA;
        }
        break;
    }
    default:
        rd_skip(&sub, sub.left); /* kept raw (RFC 3597) */
        break;
    }
    return sub.left == 0 ? DNS_OK : DNS_ERR_BAD_RDATA;
}

enum dns_err dns_parse_rr(struct dns_parser *p, struct dns_rr *rr)
{
    enum dns_err e;
    if (p->section == DNS_SECTION_QUESTION) {
        struct dns_question q;
        while ((e = dns_parse_question(p, &q)) == DNS_OK)
            ;
        if (e != DNS_ERR_END)
            return e;
    }
    advance(p);
    if (p->left == 0 || p->section == DNS_SECTION_QUESTION)
        return DNS_ERR_END;
    rr->section = p->section;
    rr->offset = dns_parse_offset(p);
    if ((e = dns_name_read(p->msg, p->len, &p->r, &rr->name)) != DNS_OK)
        return e;
    struct rd sub;
    if (!rd_be16(&p->r, &rr->type) || !rd_be16(&p->r, &rr->cls) || !rd_be32(&p->r, &rr->ttl) ||
        !rd_be16(&p->r, &rr->rdlen) || !rd_sub(&p->r, rr->rdlen, &sub))
        return DNS_ERR_TRUNCATED;
    rr->rdata = sub.p;
    rr->end = dns_parse_offset(p);
    if ((e = decode_rdata(p, rr, sub)) != DNS_OK)
        return e;
    p->left--;
    return DNS_OK;
}

enum dns_err dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg_info *info)
{
    if (!msg || !info)
        return DNS_ERR_INVALID_ARG;
    memset(info, 0, sizeof(*info));
    struct dns_parser p;
    enum dns_err e = dns_parse_begin(&p, msg, len);
    if (e != DNS_OK)
        return e;
    info->hdr = p.hdr;
    struct dns_question q;
    while ((e = dns_parse_question(&p, &q)) == DNS_OK) {
        if (!info->has_question) {
            info->has_question = true;
            info->q = q;
        }
    }
    if (e != DNS_ERR_END)
        return e;
    struct dns_rr rr;
    while ((e = dns_parse_rr(&p, &rr)) == DNS_OK) {
        if (rr.type == DNS_TYPE_OPT) {
            info->has_opt = true;
            info->opt = rr.u.opt;
            info->opt_offset = rr.offset;
        }
    }
    if (e != DNS_ERR_END)
        return e;
    info->len = dns_parse_offset(&p);
    return DNS_OK;
}

enum dns_err dns_msg_truncate(const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    if (!msg || !out || !out_len)
        return DNS_ERR_INVALID_ARG;
    struct dns_parser p;
    enum dns_err e = dns_parse_begin(&p, msg, len);
    if (e != DNS_OK)
        return e;
    struct dns_question q;
    while ((e = dns_parse_question(&p, &q)) == DNS_OK)
        ;
    if (e != DNS_ERR_END)
        return e;
    size_t keep = dns_parse_offset(&p);
    if (keep > out_cap)
        return DNS_ERR_NO_SPACE;
    uint16_t counts[4] = {p.hdr.qdcount, 0, 0, 0};
    bool full = true, tc = false;
    struct dns_rr rr;
    while ((e = dns_parse_rr(&p, &rr)) == DNS_OK) {
        if (full && rr.end <= out_cap) {
            keep = rr.end;
            counts[rr.section]++;
        } else {
            full = false;
            if (rr.section != DNS_SECTION_ADDITIONAL)
                tc = true;
        }
    }
    if (e != DNS_ERR_END)
        return e;
    memcpy(out, msg, keep);
    uint16_t flags = p.hdr.flags;
    if (tc)
        flags |= DNS_FLAG_TC;
    be16_put(out + 2, flags);
    be16_put(out + 6, counts[1]);
    be16_put(out + 8, counts[2]);
    be16_put(out + 10, counts[3]);
    *out_len = keep;
    return DNS_OK;
}

/* ---- Builder ------------------------------------------------------------ */

void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
    memset(b, 0, sizeof(*b));
    b->buf = buf;
    b->cap = buf ? cap : 0;
    b->hdr.id = id;
    b->hdr.flags = flags;
    b->section = DNS_SECTION_QUESTION;
    if (b->cap < DNS_HDR_LEN)
        b->failed = true;
    else
        b->len = DNS_HDR_LEN;
}

void dns_build_reserve(struct dns_builder *b, size_t n)
{
    b->reserve = n;
}

static size_t room(const struct dns_builder *b)
{
    if (b->failed || b->len + b->reserve > b->cap)
        return 0;
    return b->cap - b->len - b->reserve;
}

/* Offset of an already-written name equal to n[at..]. Only bytes before vis
 * are read; every registered target is a complete name below vis. */
static bool comp_find(const struct dns_builder *b, size_t vis, const struct dns_name *n, size_t at,
                      uint16_t *off)
{
    struct dns_name suffix, cand;
    suffix.len = (uint8_t)(n->len - at);
    memcpy(suffix.b, n->b + at, suffix.len);
    for (unsigned i = 0; i < b->ncomp; i++) {
        if (b->comp[i] >= vis)
            continue;
        struct rd r = rd_init(b->buf + b->comp[i], vis - b->comp[i]);
        if (dns_name_read(b->buf, vis, &r, &cand) == DNS_OK && dns_name_equal(&cand, &suffix)) {
            *off = b->comp[i];
            return true;
        }
    }
    return false;
}

/* Writes n at w (which points into b->buf), compressed when asked. The
 * positions of the labels written in line become compression targets
 * (RFC 1035 §4.1.4: offsets below 0x4000) once the whole name is written. */
static void put_name(struct dns_builder *b, struct wr *w, const struct dns_name *n, bool compress)
{
    uint16_t pend[DNS_NAME_MAX / 2];
    unsigned npend = 0;
    size_t vis = (size_t)(w->p - b->buf);
    size_t i = 0;
    bool done = false;
    while (i < n->len && n->b[i] != 0) {
        uint16_t off;
        if (compress && comp_find(b, vis, n, i, &off)) {
            wr_be16(w, (uint16_t)(0xc000 | off));
            done = true;
            break;
        }
        size_t here = (size_t)(w->p - b->buf);
        size_t ll = n->b[i];
        wr_bytes(w, n->b + i, 1 + ll);
        if (here < 0x4000 && npend < DNS_NAME_MAX / 2)
            pend[npend++] = (uint16_t)here;
        i += 1 + ll;
    }
    if (!done)
        wr_u8(w, 0);
    if (!w->ok || !compress)
        return;
    for (unsigned k = 0; k < npend && b->ncomp < DNS_COMP_MAX; k++)
        b->comp[b->ncomp++] = pend[k];
}

enum dns_err dns_build_question(struct dns_builder *b, const struct dns_name *name, uint16_t type,
                                uint16_t cls)
{
    if (!name || !dns_name_valid(name))
        return DNS_ERR_INVALID_ARG;
    if (b->section != DNS_SECTION_QUESTION)
        return DNS_ERR_INVALID_ARG;
    if (b->failed)
        return DNS_ERR_NO_SPACE;
    /* b->len moves only if the whole question fits. */
    struct wr w = wr_init(b->buf + b->len, room(b));
    unsigned ncomp = b->ncomp;
    put_name(b, &w, name, true);
    wr_be16(&w, type);
    wr_be16(&w, cls);
    if (!w.ok) {
        b->ncomp = ncomp;
        b->failed = true;
        return DNS_ERR_NO_SPACE;
    }
    b->len = (size_t)(w.p - b->buf);
    b->hdr.qdcount++;
    return DNS_OK;
}

struct rrw {
    struct wr w;
    unsigned ncomp;
    uint8_t *rdlen_at;
    uint8_t *rdata_at;
};

static enum dns_err rr_begin(struct dns_builder *b, struct rrw *x, enum dns_section s,
                             const struct dns_name *owner, uint16_t type, uint16_t cls,
                             uint32_t ttl)
{
    if (s == DNS_SECTION_QUESTION || s > DNS_SECTION_ADDITIONAL || s < b->section || !owner ||
        !dns_name_valid(owner))
        return DNS_ERR_INVALID_ARG;
    if (b->failed)
        return DNS_ERR_NO_SPACE;
    if (b->truncated && s != DNS_SECTION_ADDITIONAL)
        return DNS_ERR_NO_SPACE;
    x->w = wr_init(b->buf + b->len, room(b));
    x->ncomp = b->ncomp;
    put_name(b, &x->w, owner, true);
    wr_be16(&x->w, type);
    wr_be16(&x->w, cls);
    wr_be32(&x->w, ttl);
    x->rdlen_at = wr_reserve(&x->w, 2);
    x->rdata_at = x->w.p;
    return DNS_OK;
}

static enum dns_err rr_end(struct dns_builder *b, struct rrw *x, enum dns_section s)
{
    size_t rdlen = (size_t)(x->w.p - x->rdata_at);
    if (!x->w.ok || rdlen > 0xffff) {
        b->ncomp = x->ncomp;
        if (s != DNS_SECTION_ADDITIONAL)
            b->truncated = true;
        return DNS_ERR_NO_SPACE;
    }
    be16_put(x->rdlen_at, (uint16_t)rdlen);
    b->len = (size_t)(x->w.p - b->buf);
    b->section = s;
    if (s == DNS_SECTION_ANSWER)
        b->hdr.ancount++;
    else if (s == DNS_SECTION_AUTHORITY)
        b->hdr.nscount++;
    else
        b->hdr.arcount++;
    return DNS_OK;
}

enum dns_err dns_build_rr(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                          uint16_t type, uint16_t cls, uint32_t ttl, const void *rdata,
                          uint16_t rdlen)
{
    if (rdlen && !rdata)
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, type, cls, ttl);
    if (e != DNS_OK)
        return e;
    wr_bytes(&x.w, rdata, rdlen);
    return rr_end(b, &x, s);
}

enum dns_err dns_build_a(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                         uint32_t ttl, const uint8_t a[4])
{
    return dns_build_rr(b, s, owner, DNS_TYPE_A, DNS_CLASS_IN, ttl, a, 4);
}

enum dns_err dns_build_aaaa(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                            uint32_t ttl, const uint8_t aaaa[16])
{
    return dns_build_rr(b, s, owner, DNS_TYPE_AAAA, DNS_CLASS_IN, ttl, aaaa, 16);
}

enum dns_err dns_build_name_rr_class(struct dns_builder *b, enum dns_section s,
                                     const struct dns_name *owner, uint16_t type, uint16_t cls,
                                     uint32_t ttl, const struct dns_name *target)
{
    if (!target || !dns_name_valid(target) ||
        (type != DNS_TYPE_NS && type != DNS_TYPE_CNAME && type != DNS_TYPE_PTR))
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, type, cls, ttl);
    if (e != DNS_OK)
        return e;
    put_name(b, &x.w, target, true);
    return rr_end(b, &x, s);
}

enum dns_err dns_build_name_rr(struct dns_builder *b, enum dns_section s,
                               const struct dns_name *owner, uint16_t type, uint32_t ttl,
                               const struct dns_name *target)
{
    return dns_build_name_rr_class(b, s, owner, type, DNS_CLASS_IN, ttl, target);
}

enum dns_err dns_build_soa(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_soa *soa)
{
    if (!soa || !dns_name_valid(&soa->mname) || !dns_name_valid(&soa->rname))
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, DNS_TYPE_SOA, DNS_CLASS_IN, ttl);
    if (e != DNS_OK)
        return e;
    put_name(b, &x.w, &soa->mname, true);
    put_name(b, &x.w, &soa->rname, true);
    wr_be32(&x.w, soa->serial);
    wr_be32(&x.w, soa->refresh);
    wr_be32(&x.w, soa->retry);
    wr_be32(&x.w, soa->expire);
    wr_be32(&x.w, soa->minimum);
    return rr_end(b, &x, s);
}

enum dns_err dns_build_srv(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_srv *srv)
{
    if (!srv || !dns_name_valid(&srv->target))
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, DNS_TYPE_SRV, DNS_CLASS_IN, ttl);
    if (e != DNS_OK)
        return e;
    wr_be16(&x.w, srv->priority);
    wr_be16(&x.w, srv->weight);
    wr_be16(&x.w, srv->port);
    put_name(b, &x.w, &srv->target, false); /* RFC 2782: no compression */
    return rr_end(b, &x, s);
}

enum dns_err dns_build_txt(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const uint8_t *txt, uint16_t txt_len)
{
    static const uint8_t empty = 0;
    if (txt_len == 0)
        return dns_build_rr(b, s, owner, DNS_TYPE_TXT, DNS_CLASS_IN, ttl, &empty, 1);
    if (!txt)
        return DNS_ERR_INVALID_ARG;
    /* The strings must fill txt exactly (RFC 1035 §3.3.14). */
    struct rd r = rd_init(txt, txt_len);
    while (r.left) {
        uint8_t l;
        if (!rd_u8(&r, &l) || !rd_skip(&r, l))
            return DNS_ERR_INVALID_ARG;
    }
    return dns_build_rr(b, s, owner, DNS_TYPE_TXT, DNS_CLASS_IN, ttl, txt, txt_len);
}

enum dns_err dns_build_key(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_key *key)
{
    if (!key || (key->pubkey_len && !key->pubkey))
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, DNS_TYPE_KEY, DNS_CLASS_IN, ttl);
    if (e != DNS_OK)
        return e;
    wr_be16(&x.w, key->flags);
    wr_u8(&x.w, key->protocol);
    wr_u8(&x.w, key->algorithm);
    wr_bytes(&x.w, key->pubkey, key->pubkey_len);
    return rr_end(b, &x, s);
}

enum dns_err dns_build_sig(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint16_t cls, uint32_t ttl, const struct dns_sig *sig, size_t *rdata_off)
{
    if (!sig || !dns_name_valid(&sig->signer))
        return DNS_ERR_INVALID_ARG;
    struct rrw x;
    enum dns_err e = rr_begin(b, &x, s, owner, DNS_TYPE_SIG, cls, ttl);
    if (e != DNS_OK)
        return e;
    wr_be16(&x.w, sig->type_covered);
    wr_u8(&x.w, sig->algorithm);
    wr_u8(&x.w, sig->labels);
    wr_be32(&x.w, sig->orig_ttl);
    wr_be32(&x.w, sig->expiration);
    wr_be32(&x.w, sig->inception);
    wr_be16(&x.w, sig->key_tag);
    put_name(b, &x.w, &sig->signer, false); /* RFC 3597 §4: never compressed */
    uint8_t *sp = wr_reserve(&x.w, sig->signature_len);
    if (sp && sig->signature)
        memcpy(sp, sig->signature, sig->signature_len);
    else if (sp)
        memset(sp, 0, sig->signature_len);
    size_t at = (size_t)(x.rdata_at - b->buf);
    e = rr_end(b, &x, s);
    if (e == DNS_OK && rdata_off)
        *rdata_off = at;
    return e;
}

enum dns_err dns_build_opt(struct dns_builder *b, const struct dns_opt *opt)
{
    if (!opt || (opt->opts_len && !opt->opts))
        return DNS_ERR_INVALID_ARG;
    static const struct dns_name root = {1, {0}};
    uint32_t ttl = ((uint32_t)opt->ext_rcode << 24) | ((uint32_t)opt->version << 16) | opt->flags;
    size_t reserve = b->reserve;
    b->reserve = 0;
    enum dns_err e = dns_build_rr(b, DNS_SECTION_ADDITIONAL, &root, DNS_TYPE_OPT, opt->udp_size,
                                  ttl, opt->opts, opt->opts_len);
    b->reserve = e == DNS_OK ? 0 : reserve;
    return e;
}

enum dns_err dns_build_finish(struct dns_builder *b, size_t *len)
{
    if (b->failed)
        return DNS_ERR_NO_SPACE;
    uint8_t *h = b->buf;
    be16_put(h, b->hdr.id);
    be16_put(h + 2, (uint16_t)(b->hdr.flags | (b->truncated ? DNS_FLAG_TC : 0)));
    be16_put(h + 4, b->hdr.qdcount);
    be16_put(h + 6, b->hdr.ancount);
    be16_put(h + 8, b->hdr.nscount);
    be16_put(h + 10, b->hdr.arcount);
    if (len)
        *len = b->len;
    return DNS_OK;
}

/* ---- TCP framing -------------------------------------------------------- */

enum dns_err dns_tcp_frame(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                           size_t *out_len)
{
    if (!msg || !out || !out_len || len > 0xffff)
        return DNS_ERR_INVALID_ARG;
    if (cap < len + 2)
        return DNS_ERR_NO_SPACE;
    be16_put(out, (uint16_t)len);
    memmove(out + 2, msg, len);
    *out_len = len + 2;
    return DNS_OK;
}

enum dns_err dns_tcp_unframe(const uint8_t *stream, size_t have, const uint8_t **msg,
                             size_t *msg_len, size_t *consumed)
{
    if (!stream || !msg || !msg_len || !consumed)
        return DNS_ERR_INVALID_ARG;
    struct rd r = rd_init(stream, have);
    uint16_t l;
    struct rd body;
    if (!rd_be16(&r, &l) || !rd_sub(&r, l, &body))
        return DNS_ERR_TRUNCATED;
    *msg = body.p;
    *msg_len = l;
    *consumed = (size_t)l + 2;
    return DNS_OK;
}
