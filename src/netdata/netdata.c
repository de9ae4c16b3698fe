/*
 * Thread Network Data codec, lookups and leader store (see netdata.h).
 *
 * Received bytes are read only through struct rd. The leader's own buffer
 * (struct netdata_leader) is kept well-formed by construction: every edit
 * goes through ld_insert/ld_remove and adjusts the enclosing TLV lengths, in
 * the same order OpenThread's Leader (network_data_leader_ftd.cpp) does, so
 * the bytes match what an OpenThread leader would send.
 */
#include "netdata/netdata.h"

#include <string.h>

#include "util/rd.h"

static const char *const err_names[NETDATA_ERR__COUNT] = {
    [NETDATA_OK] = "ok",
    [NETDATA_ERR_INVALID_ARG] = "invalid_arg",
    [NETDATA_ERR_TOO_LONG] = "too_long",
    [NETDATA_ERR_TRUNCATED] = "truncated",
    [NETDATA_ERR_BAD_PREFIX] = "bad_prefix",
    [NETDATA_ERR_BAD_ENTRY_LEN] = "bad_entry_len",
    [NETDATA_ERR_BAD_CONTEXT] = "bad_context",
    [NETDATA_ERR_BAD_SERVICE] = "bad_service",
    [NETDATA_ERR_BAD_SERVER] = "bad_server",
    [NETDATA_ERR_DUPLICATE] = "duplicate",
    [NETDATA_ERR_WRONG_RLOC] = "wrong_rloc",
    [NETDATA_ERR_BAD_REGISTRATION] = "bad_registration",
    [NETDATA_ERR_NO_SPACE] = "no_space",
    [NETDATA_ERR_NO_CONTEXT_ID] = "no_context_id",
    [NETDATA_ERR_NO_SERVICE_ID] = "no_service_id",
    [NETDATA_ERR_NOT_FOUND] = "not_found",
};

const char *netdata_err_str(enum netdata_err e)
{
    if ((unsigned)e >= NETDATA_ERR__COUNT || !err_names[e])
        return "unknown";
    return err_names[e];
}

/* ---- Reading TLVs through struct rd ----------------------------------- */

struct tlv {
    uint8_t type;
    bool stable;
    struct rd val; /* the value bytes */
};

/* Next TLV of r; false at the end or when the TLV does not fit. */
static bool tlv_next(struct rd *r, struct tlv *t)
{
    uint8_t h, l;
    struct rd save = *r;
    if (!rd_u8(r, &h) || !rd_u8(r, &l) || !rd_sub(r, l, &t->val)) {
        *r = save;
        return false;
    }
    t->type = h >> 1;
    t->stable = h & 1;
    return true;
}

static unsigned prefix_bytes(unsigned bits)
{
    return (bits + 7) / 8;
}

struct prefix_tlv {
    uint8_t domain;
    struct addr_prefix6 p;
    struct rd subs;
};

/* Prefix TLV value (Thread §5.18.1): domain, length, prefix, sub-TLVs. */
static enum netdata_err prefix_parse(struct rd v, struct prefix_tlv *out)
{
    uint8_t plen;
    memset(out, 0, sizeof(*out));
    if (!rd_u8(&v, &out->domain) || !rd_u8(&v, &plen))
        return NETDATA_ERR_BAD_PREFIX;
    if (plen > 128 || !rd_bytes(&v, out->p.addr, prefix_bytes(plen)))
        return NETDATA_ERR_BAD_PREFIX;
    out->p.len = plen;
    addr_mask(out->p.addr, 16, plen);
    out->subs = v;
    return NETDATA_OK;
}

struct service_tlv {
    uint8_t sid;
    uint32_t ent;
    const uint8_t *sd;
    uint8_t sd_len;
    struct rd subs;
};

/* Service TLV value (Thread §5.18.6): T|S_id, [enterprise], S_data_len,
 * S_data, sub-TLVs. */
static enum netdata_err service_parse(struct rd v, struct service_tlv *out)
{
    uint8_t f;
    memset(out, 0, sizeof(*out));
    if (!rd_u8(&v, &f))
        return NETDATA_ERR_BAD_SERVICE;
    out->sid = f & NETDATA_SERVICE_ID_MASK;
    if (f & NETDATA_SERVICE_T_BIT)
        out->ent = NETDATA_THREAD_ENTERPRISE;
    else if (!rd_be32(&v, &out->ent))
        return NETDATA_ERR_BAD_SERVICE;
    if (!rd_u8(&v, &out->sd_len) || v.left < out->sd_len)
        return NETDATA_ERR_BAD_SERVICE;
    out->sd = v.p;
    rd_skip(&v, out->sd_len);
    out->subs = v;
    return NETDATA_OK;
}

static int8_t pref_from2(unsigned v)
{
    switch (v & 3) {
    case 1:
        return NETDATA_PREF_HIGH;
    case 3:
        return NETDATA_PREF_LOW;
    default: /* 00, and reserved 10 treated as 00 (RFC 4191 §2.1) */
        return NETDATA_PREF_MED;
    }
}

static unsigned pref_to2(int8_t p)
{
    return p == NETDATA_PREF_HIGH ? 1u : p == NETDATA_PREF_LOW ? 3u : 0u;
}

static bool pref_valid(int8_t p)
{
    return p == NETDATA_PREF_LOW || p == NETDATA_PREF_MED || p == NETDATA_PREF_HIGH;
}

/* ---- Validation ------------------------------------------------------- */

static enum netdata_err validate_prefix_subs(struct rd subs)
{
    while (subs.left) {
        struct tlv s;
        if (!tlv_next(&subs, &s))
            return NETDATA_ERR_TRUNCATED;
        switch (s.type) {
        case NETDATA_TLV_HAS_ROUTE:
            if (s.val.left % 3)
                return NETDATA_ERR_BAD_ENTRY_LEN;
            break;
        case NETDATA_TLV_BORDER_ROUTER:
            if (s.val.left % 4)
                return NETDATA_ERR_BAD_ENTRY_LEN;
            break;
        case NETDATA_TLV_CONTEXT:
            if (s.val.left < 2 || s.val.p[1] > 128)
                return NETDATA_ERR_BAD_CONTEXT;
            break;
        default:
            break;
        }
    }
    return NETDATA_OK;
}

static enum netdata_err validate_service_subs(struct rd subs)
{
    while (subs.left) {
        struct tlv s;
        if (!tlv_next(&subs, &s))
            return NETDATA_ERR_TRUNCATED;
        if (s.type == NETDATA_TLV_SERVER && s.val.left < 2)
            return NETDATA_ERR_BAD_SERVER;
    }
    return NETDATA_OK;
}

enum netdata_err netdata_validate(const uint8_t *buf, size_t len)
{
    if (!buf && len)
        return NETDATA_ERR_INVALID_ARG;
    if (len > NETDATA_MAX_LEN)
        return NETDATA_ERR_TOO_LONG;
    struct rd r = rd_init(buf, len);
    while (r.left) {
        struct tlv t;
        enum netdata_err e = NETDATA_OK;
        if (!tlv_next(&r, &t))
            return NETDATA_ERR_TRUNCATED;
        if (t.type == NETDATA_TLV_PREFIX) {
            struct prefix_tlv p;
            if ((e = prefix_parse(t.val, &p)) == NETDATA_OK)
                e = validate_prefix_subs(p.subs);
        } else if (t.type == NETDATA_TLV_SERVICE) {
            struct service_tlv s;
            if ((e = service_parse(t.val, &s)) == NETDATA_OK)
                e = validate_service_subs(s.subs);
        }
        if (e != NETDATA_OK)
            return e;
    }
    return NETDATA_OK;
}

/* ---- Iteration (OT NetworkData::Iterate) ------------------------------ */

enum kind { K_PREFIX, K_ROUTE, K_SERVICE, K_CONTEXT };

/* Finds the index-th entry of kind k (matching rloc16) and fills out. */
static bool walk(const uint8_t *buf, size_t len, enum kind k, uint16_t rloc16, unsigned index,
                 void *out)
{
    if (!buf || len > NETDATA_MAX_LEN)
        return false;
    unsigned n = 0;
    struct rd r = rd_init(buf, len);
    struct tlv t;
    while (tlv_next(&r, &t)) {
        if (t.type == NETDATA_TLV_PREFIX && k != K_SERVICE) {
            struct prefix_tlv p;
            struct tlv s;
            if (prefix_parse(t.val, &p) != NETDATA_OK)
                continue;
            while (tlv_next(&p.subs, &s)) {
                if (k == K_CONTEXT && s.type == NETDATA_TLV_CONTEXT) {
                    uint8_t f, cl;
                    if (!rd_u8(&s.val, &f) || !rd_u8(&s.val, &cl) || cl > 128)
                        continue;
                    if (n++ != index)
                        continue;
                    struct netdata_context *c = out;
                    memset(c, 0, sizeof(*c));
                    c->prefix = p.p;
                    c->prefix.len = cl;
                    addr_mask(c->prefix.addr, 16, cl);
                    c->id = f & NETDATA_CTX_ID_MASK;
                    c->compress = (f & NETDATA_CTX_COMPRESS) != 0;
                    c->stable = s.stable;
                    return true;
                }
                if (k == K_PREFIX && s.type == NETDATA_TLV_BORDER_ROUTER) {
                    uint16_t rl, fl;
                    while (rd_be16(&s.val, &rl) && rd_be16(&s.val, &fl)) {
                        if (rloc16 != NETDATA_ANY_RLOC16 && rl != rloc16)
                            continue;
                        if (n++ != index)
                            continue;
                        struct netdata_prefix_cfg *c = out;
                        memset(c, 0, sizeof(*c));
                        c->prefix = p.p;
                        c->domain_id = p.domain;
                        c->rloc16 = rl;
                        c->preference = pref_from2(fl >> NETDATA_BR_PREF_SHIFT);
                        c->preferred = fl & NETDATA_BR_PREFERRED;
                        c->slaac = fl & NETDATA_BR_SLAAC;
                        c->dhcp = fl & NETDATA_BR_DHCP;
                        c->configure = fl & NETDATA_BR_CONFIGURE;
                        c->default_route = fl & NETDATA_BR_DEFROUTE;
                        c->on_mesh = fl & NETDATA_BR_ONMESH;
                        c->nd_dns = fl & NETDATA_BR_NDDNS;
                        c->dp = fl & NETDATA_BR_DP;
                        c->stable = s.stable;
                        return true;
                    }
                }
                if (k == K_ROUTE && s.type == NETDATA_TLV_HAS_ROUTE) {
                    uint16_t rl;
                    uint8_t fl;
                    while (rd_be16(&s.val, &rl) && rd_u8(&s.val, &fl)) {
                        if (rloc16 != NETDATA_ANY_RLOC16 && rl != rloc16)
                            continue;
                        if (n++ != index)
                            continue;
                        struct netdata_route_cfg *c = out;
                        memset(c, 0, sizeof(*c));
                        c->prefix = p.p;
                        c->domain_id = p.domain;
                        c->rloc16 = rl;
                        c->preference = pref_from2(fl >> NETDATA_HR_PREF_SHIFT);
                        c->nat64 = fl & NETDATA_HR_NAT64;
                        c->adv_pio = fl & NETDATA_HR_ADVPIO;
                        c->stable = s.stable;
                        return true;
                    }
                }
            }
        } else if (t.type == NETDATA_TLV_SERVICE && k == K_SERVICE) {
            struct service_tlv sv;
            struct tlv s;
            if (service_parse(t.val, &sv) != NETDATA_OK)
                continue;
            while (tlv_next(&sv.subs, &s)) {
                uint16_t rl;
                if (s.type != NETDATA_TLV_SERVER || !rd_be16(&s.val, &rl))
                    continue;
                if (rloc16 != NETDATA_ANY_RLOC16 && rl != rloc16)
                    continue;
                if (n++ != index)
                    continue;
                struct netdata_service_cfg *c = out;
                memset(c, 0, sizeof(*c));
                c->service_id = sv.sid;
                c->enterprise = sv.ent;
                c->service_data_len = sv.sd_len;
                memcpy(c->service_data, sv.sd, sv.sd_len);
                c->rloc16 = rl;
                c->server_data_len = (uint8_t)s.val.left;
                rd_bytes(&s.val, c->server_data, s.val.left);
                c->stable = s.stable;
                return true;
            }
        }
    }
    return false;
}

bool netdata_next_prefix(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                         struct netdata_prefix_cfg *out)
{
    if (!it || !out || !walk(buf, len, K_PREFIX, rloc16, it->index, out))
        return false;
    it->index++;
    return true;
}

bool netdata_next_route(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                        struct netdata_route_cfg *out)
{
    if (!it || !out || !walk(buf, len, K_ROUTE, rloc16, it->index, out))
        return false;
    it->index++;
    return true;
}

bool netdata_next_service(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                          struct netdata_service_cfg *out)
{
    if (!it || !out || !walk(buf, len, K_SERVICE, rloc16, it->index, out))
        return false;
    it->index++;
    return true;
}

bool netdata_next_context(const uint8_t *buf, size_t len, struct netdata_iter *it,
                          struct netdata_context *out)
{
    if (!it || !out || !walk(buf, len, K_CONTEXT, NETDATA_ANY_RLOC16, it->index, out))
        return false;
    it->index++;
    return true;
}

/* MeshCoP TLV types inside Commissioning Data (Thread §8.10.1). */
enum {
    MESHCOP_STEERING_DATA = 8,
    MESHCOP_BORDER_AGENT_LOCATOR = 9,
    MESHCOP_COMM_SESSION_ID = 11,
    MESHCOP_JOINER_UDP_PORT = 18,
};

void netdata_get_commissioning(const uint8_t *buf, size_t len, struct netdata_commissioning *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof(*out));
    if (!buf || len > NETDATA_MAX_LEN)
        return;
    struct rd r = rd_init(buf, len);
    struct tlv t;
    while (tlv_next(&r, &t)) {
        if (t.type != NETDATA_TLV_COMMISSIONING)
            continue;
        out->present = true;
        struct rd v = t.val;
        /* MeshCoP TLVs: type u8, length u8 (extended form not used here). */
        while (v.left) {
            uint8_t ty, l;
            struct rd val;
            if (!rd_u8(&v, &ty) || !rd_u8(&v, &l) || !rd_sub(&v, l, &val))
                break;
            switch (ty) {
            case MESHCOP_COMM_SESSION_ID:
                if (!out->has_session_id)
                    out->has_session_id = rd_be16(&val, &out->session_id);
                break;
            case MESHCOP_BORDER_AGENT_LOCATOR:
                if (!out->has_locator)
                    out->has_locator = rd_be16(&val, &out->locator);
                break;
            case MESHCOP_JOINER_UDP_PORT:
                if (!out->has_joiner_port)
                    out->has_joiner_port = rd_be16(&val, &out->joiner_port);
                break;
            case MESHCOP_STEERING_DATA:
                if (!out->has_steering && l >= 1 && l <= NETDATA_STEERING_MAX) {
                    rd_bytes(&val, out->steering, l);
                    out->steering_len = l;
                    out->has_steering = true;
                }
                break;
            default:
                out->has_extra = true;
                break;
            }
        }
        return; /* the first Commissioning Data TLV only */
    }
}

/* ---- Stable subset ---------------------------------------------------- */

enum netdata_err netdata_stable_subset(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                       size_t *out_len)
{
    if (!in || !out || !out_len)
        return NETDATA_ERR_INVALID_ARG;
    enum netdata_err e = netdata_validate(in, len);
    if (e != NETDATA_OK)
        return e;
    struct wr w = wr_init(out, cap);
    struct rd r = rd_init(in, len);
    struct tlv t;
    while (tlv_next(&r, &t)) {
        const uint8_t *hdr = t.val.p - 2;
        if (t.type == NETDATA_TLV_PREFIX || t.type == NETDATA_TLV_SERVICE) {
            struct prefix_tlv p;
            struct service_tlv sv;
            struct rd subs;
            uint8_t ctx_id = 0;
            bool has_ctx = false;
            if (t.type == NETDATA_TLV_PREFIX) {
                prefix_parse(t.val, &p);
                subs = p.subs;
                struct rd s2 = subs;
                struct tlv s;
                while (tlv_next(&s2, &s))
                    if (s.type == NETDATA_TLV_CONTEXT && !has_ctx) {
                        has_ctx = true;
                        ctx_id = s.val.p[0] & NETDATA_CTX_ID_MASK;
                    }
            } else {
                service_parse(t.val, &sv);
                subs = sv.subs;
            }
            size_t head_len = (size_t)(subs.p - t.val.p); /* TLV value before sub-TLVs */
            uint8_t *at = wr_reserve(&w, 2 + head_len);
            if (!at)
                return NETDATA_ERR_NO_SPACE;
            memcpy(at, hdr, 2 + head_len);
            size_t sub_total = 0;
            struct tlv s;
            while (tlv_next(&subs, &s)) {
                if (!s.stable)
                    continue;
                uint8_t *sa = wr_reserve(&w, 2 + s.val.left);
                if (!sa)
                    return NETDATA_ERR_NO_SPACE;
                memcpy(sa, s.val.p - 2, 2 + s.val.left);
                sub_total += 2 + s.val.left;
                if (s.type == NETDATA_TLV_BORDER_ROUTER) {
                    for (size_t i = 0; i + 4 <= s.val.left; i += 4) {
                        uint16_t fl = be16_get(sa + 2 + i + 2);
                        uint16_t rl = NETDATA_RLOC16_INVALID;
                        if ((fl & (NETDATA_BR_DHCP | NETDATA_BR_CONFIGURE)) && has_ctx)
                            rl = (uint16_t)(NETDATA_ALOC16_DHCP_BASE + ctx_id);
                        be16_put(sa + 2 + i, rl);
                    }
                } else if (s.type == NETDATA_TLV_HAS_ROUTE) {
                    for (size_t i = 0; i + 3 <= s.val.left; i += 3)
                        be16_put(sa + 2 + i, NETDATA_RLOC16_INVALID);
                } else if (s.type == NETDATA_TLV_SERVER && t.type == NETDATA_TLV_SERVICE) {
                    be16_put(sa + 2, (uint16_t)(NETDATA_ALOC16_SERVICE_BASE + sv.sid));
                }
            }
            if (sub_total == 0) { /* nothing stable left: drop the TLV */
                w.p = at;
                w.left += 2 + head_len;
                continue;
            }
            at[1] = (uint8_t)(head_len + sub_total);
        } else if (t.stable) {
            wr_bytes(&w, hdr, 2 + t.val.left);
        }
    }
    if (!w.ok)
        return NETDATA_ERR_NO_SPACE;
    *out_len = cap - w.left;
    return NETDATA_OK;
}

/* ---- Lookups ---------------------------------------------------------- */

bool netdata_nat64_len_valid(unsigned len)
{
    return len == 32 || len == 40 || len == 48 || len == 56 || len == 64 || len == 96;
}

bool netdata_prefix_less(const struct addr_prefix6 *a, const struct addr_prefix6 *b)
{
    unsigned minlen = a->len < b->len ? a->len : b->len;
    unsigned nbytes = prefix_bytes(minlen);
    unsigned matched = 0;
    for (unsigned i = 0; i < nbytes && i < 16; i++) {
        uint8_t diff = a->addr[i] ^ b->addr[i];
        if (!diff) {
            matched += 8;
            continue;
        }
        while (!(diff & 0x80)) {
            matched++;
            diff = (uint8_t)(diff << 1);
        }
        break;
    }
    if (matched >= minlen)
        return a->len < b->len;
    return a->addr[matched / 8] < b->addr[matched / 8];
}

enum netdata_err netdata_find_nat64_prefix(const uint8_t *buf, size_t len,
                                           struct netdata_route_cfg *out)
{
    if (!out)
        return NETDATA_ERR_INVALID_ARG;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_route_cfg rc;
    bool found = false;
    while (netdata_next_route(buf, len, NETDATA_ANY_RLOC16, &it, &rc)) {
        if (!rc.nat64 || !netdata_nat64_len_valid(rc.prefix.len))
            continue;
        if (!found || rc.preference > out->preference ||
            (rc.preference == out->preference && netdata_prefix_less(&rc.prefix, &out->prefix))) {
            *out = rc;
            found = true;
        }
    }
    return found ? NETDATA_OK : NETDATA_ERR_NOT_FOUND;
}

size_t netdata_slaac_prefixes(const uint8_t *buf, size_t len, struct addr_prefix6 *out, size_t cap)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_prefix_cfg pc;
    struct addr_prefix6 seen[NETDATA_MAX_LEN / 8];
    size_t n = 0;
    while (netdata_next_prefix(buf, len, NETDATA_ANY_RLOC16, &it, &pc)) {
        if (!pc.slaac || pc.dp || pc.prefix.len != 64)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = seen[i].len == pc.prefix.len && !memcmp(seen[i].addr, pc.prefix.addr, 16);
        if (dup || n >= sizeof(seen) / sizeof(seen[0]))
            continue;
        seen[n] = pc.prefix;
        if (out && n < cap)
            out[n] = pc.prefix;
        n++;
    }
    return n;
}

enum netdata_err netdata_context_by_id(const uint8_t *buf, size_t len, uint8_t id,
                                       struct netdata_context *out)
{
    if (!out)
        return NETDATA_ERR_INVALID_ARG;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_context c;
    while (netdata_next_context(buf, len, &it, &c)) {
        if (c.id == id) {
            *out = c;
            return NETDATA_OK;
        }
    }
    return NETDATA_ERR_NOT_FOUND;
}

enum netdata_err netdata_context_for_addr(const uint8_t *buf, size_t len, const uint8_t addr[16],
                                          bool compress_only, struct netdata_context *out)
{
    if (!out || !addr)
        return NETDATA_ERR_INVALID_ARG;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_context c;
    bool found = false;
    while (netdata_next_context(buf, len, &it, &c)) {
        if (compress_only && !c.compress)
            continue;
        if (!addr_prefix_match(addr, c.prefix.addr, c.prefix.len))
            continue;
        if (!found || c.prefix.len > out->prefix.len) {
            *out = c;
            found = true;
        }
    }
    return found ? NETDATA_OK : NETDATA_ERR_NOT_FOUND;
}

/* ---- Byte-level editing shared by local and leader data ---------------- */

struct buf {
    uint8_t *b;
    uint8_t *len;
};

static size_t tlv_end(const struct buf *d, size_t o)
{
    return o + 2 + d->b[o + 1];
}

static bool buf_insert(struct buf *d, size_t off, size_t n)
{
    if ((size_t)*d->len + n > NETDATA_MAX_LEN || off > *d->len)
        return false;
    memmove(d->b + off + n, d->b + off, *d->len - off);
    memset(d->b + off, 0, n);
    *d->len = (uint8_t)(*d->len + n);
    return true;
}

static void buf_remove(struct buf *d, size_t off, size_t n)
{
    memmove(d->b + off, d->b + off + n, *d->len - off - n);
    *d->len = (uint8_t)(*d->len - n);
}

static bool can_insert(const struct buf *d, size_t n)
{
    return (size_t)*d->len + n <= NETDATA_MAX_LEN;
}

/* Offset of the first sub-TLV of the Prefix or Service TLV at o. */
static size_t subs_start(const struct buf *d, size_t o)
{
    const uint8_t *v = d->b + o + 2;
    if ((d->b[o] >> 1) == NETDATA_TLV_PREFIX)
        return o + 2 + 2 + prefix_bytes(v[1]);
    size_t s = o + 2 + 1;
    if (!(v[0] & NETDATA_SERVICE_T_BIT))
        s += 4;
    return s + 1 + d->b[s];
}

#define NONE ((size_t)-1)

static size_t find_prefix(const struct buf *d, const struct addr_prefix6 *p)
{
    for (size_t o = 0; o + 2 <= *d->len; o = tlv_end(d, o)) {
        if ((d->b[o] >> 1) != NETDATA_TLV_PREFIX)
            continue;
        const uint8_t *v = d->b + o + 2;
        if (v[1] == p->len && addr_prefix_match(v + 2, p->addr, p->len))
            return o;
    }
    return NONE;
}

static size_t find_service(const struct buf *d, uint32_t ent, const uint8_t *sd, size_t sd_len)
{
    for (size_t o = 0; o + 2 <= *d->len; o = tlv_end(d, o)) {
        if ((d->b[o] >> 1) != NETDATA_TLV_SERVICE)
            continue;
        struct service_tlv sv;
        if (service_parse(rd_init(d->b + o + 2, d->b[o + 1]), &sv) != NETDATA_OK)
            continue;
        if (sv.ent == ent && sv.sd_len == sd_len && !memcmp(sv.sd, sd, sd_len))
            return o;
    }
    return NONE;
}

/* First sub-TLV of type in the TLV at o; stable: 0/1, or -1 for either. */
static size_t find_sub(const struct buf *d, size_t o, unsigned type, int stable)
{
    size_t end = tlv_end(d, o);
    for (size_t s = subs_start(d, o); s + 2 <= end; s = tlv_end(d, s)) {
        if ((d->b[s] >> 1) == type && (stable < 0 || (d->b[s] & 1) == stable))
            return s;
    }
    return NONE;
}

enum update_status { TLV_UPDATED, TLV_REMOVED };

/* OT Leader::UpdateTlv: drop an empty Prefix/Service TLV, else set its
 * stable flag from its sub-TLVs. */
static enum update_status update_tlv(struct buf *d, size_t o)
{
    size_t end = tlv_end(d, o), s = subs_start(d, o);
    if (s >= end) {
        buf_remove(d, o, end - o);
        return TLV_REMOVED;
    }
    bool stable = false;
    for (; s + 2 <= end; s = tlv_end(d, s))
        stable = stable || (d->b[s] & 1);
    d->b[o] = (uint8_t)((d->b[o] & ~1u) | (stable ? 1u : 0u));
    return TLV_UPDATED;
}

/* ---- Local network data ---------------------------------------------- */

void netdata_local_init(struct netdata_local *l)
{
    if (l)
        memset(l, 0, sizeof(*l));
}

enum netdata_err netdata_local_remove_prefix(struct netdata_local *l,
                                             const struct addr_prefix6 *prefix)
{
    if (!l || !prefix || prefix->len > 128)
        return NETDATA_ERR_INVALID_ARG;
    struct buf d = {l->tlvs, &l->len};
    size_t o = find_prefix(&d, prefix);
    if (o == NONE)
        return NETDATA_ERR_NOT_FOUND;
    buf_remove(&d, o, tlv_end(&d, o) - o);
    return NETDATA_OK;
}

static bool prefix_usable(const struct addr_prefix6 *p)
{
    /* OT IsPrefixValid: not link-local, not multicast. */
    if (p->len >= 10 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80)
        return false;
    if (p->len >= 8 && p->addr[0] == 0xff)
        return false;
    return true;
}

static enum netdata_err local_add(struct netdata_local *l, const struct addr_prefix6 *prefix,
                                  bool stable, unsigned sub_type, uint16_t rloc16, uint16_t flags)
{
    struct buf d = {l->tlvs, &l->len};
    unsigned nb = prefix_bytes(prefix->len);
    unsigned sub_len = sub_type == NETDATA_TLV_BORDER_ROUTER ? 4 : 3;
    size_t total = 2 + 2 + nb + 2 + sub_len;
    netdata_local_remove_prefix(l, prefix);
    if (!can_insert(&d, total))
        return NETDATA_ERR_NO_SPACE;
    uint8_t *p = l->tlvs + l->len;
    struct addr_prefix6 m = *prefix;
    addr_mask(m.addr, 16, m.len);
    p[0] = (uint8_t)(NETDATA_TLV_PREFIX << 1 | (stable ? 1 : 0));
    p[1] = (uint8_t)(total - 2);
    p[2] = 0; /* domain id */
    p[3] = prefix->len;
    memcpy(p + 4, m.addr, nb);
    p += 4 + nb;
    p[0] = (uint8_t)(sub_type << 1 | (stable ? 1 : 0));
    p[1] = (uint8_t)sub_len;
    be16_put(p + 2, rloc16);
    if (sub_len == 4)
        be16_put(p + 4, flags);
    else
        p[4] = (uint8_t)flags;
    l->len = (uint8_t)(l->len + total);
    return NETDATA_OK;
}

enum netdata_err netdata_local_add_prefix(struct netdata_local *l,
                                          const struct netdata_prefix_cfg *c)
{
    if (!l || !c || c->prefix.len == 0 || c->prefix.len > 128 || !pref_valid(c->preference) ||
        (c->slaac && c->prefix.len != 64) || !prefix_usable(&c->prefix))
        return NETDATA_ERR_INVALID_ARG;
    uint16_t f = (uint16_t)(pref_to2(c->preference) << NETDATA_BR_PREF_SHIFT);
    f |= c->preferred ? NETDATA_BR_PREFERRED : 0;
    f |= c->slaac ? NETDATA_BR_SLAAC : 0;
    f |= c->dhcp ? NETDATA_BR_DHCP : 0;
    f |= c->configure ? NETDATA_BR_CONFIGURE : 0;
    f |= c->default_route ? NETDATA_BR_DEFROUTE : 0;
    f |= c->on_mesh ? NETDATA_BR_ONMESH : 0;
    f |= c->nd_dns ? NETDATA_BR_NDDNS : 0;
    f |= c->dp ? NETDATA_BR_DP : 0;
    return local_add(l, &c->prefix, c->stable, NETDATA_TLV_BORDER_ROUTER, c->rloc16, f);
}

enum netdata_err netdata_local_add_route(struct netdata_local *l, const struct netdata_route_cfg *c)
{
    if (!l || !c || c->prefix.len > 128 || !pref_valid(c->preference) ||
        (c->nat64 && !netdata_nat64_len_valid(c->prefix.len)) || !prefix_usable(&c->prefix))
        return NETDATA_ERR_INVALID_ARG;
    uint16_t f = (uint16_t)(pref_to2(c->preference) << NETDATA_HR_PREF_SHIFT);
    f |= c->nat64 ? NETDATA_HR_NAT64 : 0;
    f |= c->adv_pio ? NETDATA_HR_ADVPIO : 0;
    return local_add(l, &c->prefix, c->stable, NETDATA_TLV_HAS_ROUTE, c->rloc16, f);
}

enum netdata_err netdata_local_remove_service(struct netdata_local *l, uint32_t enterprise,
                                              const uint8_t *sd, size_t sd_len)
{
    if (!l || (!sd && sd_len) || sd_len > NETDATA_SERVICE_DATA_MAX)
        return NETDATA_ERR_INVALID_ARG;
    struct buf d = {l->tlvs, &l->len};
    size_t o = find_service(&d, enterprise, sd, sd_len);
    if (o == NONE)
        return NETDATA_ERR_NOT_FOUND;
    buf_remove(&d, o, tlv_end(&d, o) - o);
    return NETDATA_OK;
}

/* Writes a Service TLV header (no sub-TLVs) at p; returns its size. */
static size_t service_header(uint8_t *p, uint8_t sid, uint32_t ent, const uint8_t *sd,
                             size_t sd_len, bool write)
{
    bool thread = ent == NETDATA_THREAD_ENTERPRISE;
    size_t n = 2 + 1 + (thread ? 0 : 4) + 1 + sd_len;
    if (!write)
        return n;
    uint8_t *q = p + 2;
    p[0] = NETDATA_TLV_SERVICE << 1;
    p[1] = (uint8_t)(n - 2);
    *q++ = (uint8_t)((thread ? NETDATA_SERVICE_T_BIT : 0) | (sid & NETDATA_SERVICE_ID_MASK));
    if (!thread) {
        be32_put(q, ent);
        q += 4;
    }
    *q++ = (uint8_t)sd_len;
    if (sd_len)
        memcpy(q, sd, sd_len);
    return n;
}

enum netdata_err netdata_local_add_service(struct netdata_local *l,
                                           const struct netdata_service_cfg *c)
{
    if (!l || !c || c->service_data_len > NETDATA_SERVICE_DATA_MAX ||
        c->server_data_len > NETDATA_SERVER_DATA_MAX)
        return NETDATA_ERR_INVALID_ARG;
    struct buf d = {l->tlvs, &l->len};
    netdata_local_remove_service(l, c->enterprise, c->service_data, c->service_data_len);
    size_t hn = service_header(NULL, 0, c->enterprise, c->service_data, c->service_data_len, false);
    size_t total = hn + 2 + 2 + c->server_data_len;
    if (!can_insert(&d, total))
        return NETDATA_ERR_NO_SPACE;
    uint8_t *p = l->tlvs + l->len;
    service_header(p, 0, c->enterprise, c->service_data, c->service_data_len, true);
    p[0] |= c->stable ? 1 : 0;
    p[1] = (uint8_t)(total - 2);
    p += hn;
    p[0] = (uint8_t)(NETDATA_TLV_SERVER << 1 | (c->stable ? 1 : 0));
    p[1] = (uint8_t)(2 + c->server_data_len);
    be16_put(p + 2, c->rloc16);
    if (c->server_data_len)
        memcpy(p + 4, c->server_data, c->server_data_len);
    l->len = (uint8_t)(l->len + total);
    return NETDATA_OK;
}

/* ---- Leader ----------------------------------------------------------- */

struct changed {
    bool any, stable;
};

static void changed_update(struct changed *c, bool stable)
{
    c->any = true;
    c->stable = c->stable || stable;
}

static void bump(struct netdata_leader *ld, const struct changed *c)
{
    if (!c->any)
        return;
    if (c->stable)
        ld->stable_version++;
    ld->version++;
}

void netdata_leader_init(struct netdata_leader *ld, uint8_t version, uint8_t stable_version)
{
    if (!ld)
        return;
    memset(ld, 0, sizeof(*ld));
    ld->version = version;
    ld->stable_version = stable_version;
}

enum netdata_err netdata_leader_load(struct netdata_leader *ld, const uint8_t *buf, size_t len,
                                     uint8_t version, uint8_t stable_version)
{
    if (!ld || (!buf && len))
        return NETDATA_ERR_INVALID_ARG;
    enum netdata_err e = netdata_validate(buf, len);
    if (e != NETDATA_OK)
        return e;
    netdata_leader_init(ld, version, stable_version);
    if (len)
        memcpy(ld->tlvs, buf, len);
    ld->len = (uint8_t)len;
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_context c;
    while (netdata_next_context(buf, len, &it, &c)) {
        if (c.id >= NETDATA_CONTEXT_ID_MIN)
            ld->ctx_state[c.id] = c.compress ? NETDATA_CTX_IN_USE : NETDATA_CTX_RELEASING;
    }
    return NETDATA_OK;
}

/* OT Leader::Validate / ValidatePrefix / ValidateService. */
static enum netdata_err validate_registration(const uint8_t *buf, size_t len, uint16_t rloc16)
{
    struct rd r = rd_init(buf, len);
    struct tlv t;
    while (tlv_next(&r, &t)) {
        size_t seg = (size_t)(t.val.p - 2 - buf); /* bytes validated so far */
        if (t.type == NETDATA_TLV_PREFIX) {
            struct prefix_tlv p;
            prefix_parse(t.val, &p);
            struct buf before = {(uint8_t *)(uintptr_t)buf, &(uint8_t){(uint8_t)seg}};
            if (find_prefix(&before, &p.p) != NONE)
                return NETDATA_ERR_DUPLICATE;
            bool seen[2][2] = {{false, false}, {false, false}}; /* [is_br][stable] */
            struct tlv s;
            while (tlv_next(&p.subs, &s)) {
                if (s.type != NETDATA_TLV_HAS_ROUTE && s.type != NETDATA_TLV_BORDER_ROUTER)
                    continue;
                bool br = s.type == NETDATA_TLV_BORDER_ROUTER;
                if (seen[br][s.stable] || s.val.left != (br ? 4u : 3u))
                    return NETDATA_ERR_BAD_REGISTRATION;
                seen[br][s.stable] = true;
                if (be16_get(s.val.p) != rloc16)
                    return NETDATA_ERR_WRONG_RLOC;
            }
            if (!seen[0][0] && !seen[0][1] && !seen[1][0] && !seen[1][1])
                return NETDATA_ERR_BAD_REGISTRATION;
        } else if (t.type == NETDATA_TLV_SERVICE) {
            struct service_tlv sv;
            service_parse(t.val, &sv);
            struct buf before = {(uint8_t *)(uintptr_t)buf, &(uint8_t){(uint8_t)seg}};
            if (find_service(&before, sv.ent, sv.sd, sv.sd_len) != NONE)
                return NETDATA_ERR_DUPLICATE;
            bool found = false;
            struct tlv s;
            while (tlv_next(&sv.subs, &s)) {
                if (s.type != NETDATA_TLV_SERVER)
                    continue;
                if (found)
                    return NETDATA_ERR_BAD_REGISTRATION;
                found = true;
                if (be16_get(s.val.p) != rloc16)
                    return NETDATA_ERR_WRONG_RLOC;
            }
            if (!found)
                return NETDATA_ERR_BAD_REGISTRATION;
        }
    }
    return NETDATA_OK;
}

static bool rloc_match(uint16_t a, uint16_t b, bool router)
{
    return router ? (a >> 10) == (b >> 10) : a == b;
}

/* Is an entry (n bytes: RLOC16 + flags) in the sub-TLV of type/stable of
 * the Prefix TLV at o of d (d may be NULL)? */
static bool contains_entry(const struct buf *d, size_t o, unsigned type, bool stable,
                           const uint8_t *entry, size_t n)
{
    if (!d || o == NONE)
        return false;
    size_t s = find_sub(d, o, type, stable);
    if (s == NONE)
        return false;
    for (size_t e = s + 2; e + n <= tlv_end(d, s); e += n)
        if (!memcmp(d->b + e, entry, n))
            return true;
    return false;
}

static bool contains_server(const struct buf *d, size_t o, const uint8_t *server_tlv)
{
    if (!d || o == NONE)
        return false;
    size_t end = tlv_end(d, o);
    for (size_t s = subs_start(d, o); s + 2 <= end; s = tlv_end(d, s)) {
        if (d->b[s] == server_tlv[0] && d->b[s + 1] == server_tlv[1] &&
            !memcmp(d->b + s + 2, server_tlv + 2, server_tlv[1]))
            return true;
    }
    return false;
}

static void ctx_release(struct netdata_leader *ld, uint8_t id)
{
    if (id >= NETDATA_CONTEXT_ID_MIN && id <= NETDATA_CONTEXT_ID_MAX &&
        ld->ctx_state[id] == NETDATA_CTX_IN_USE)
        ld->ctx_state[id] = NETDATA_CTX_RELEASING;
}

static void ctx_use(struct netdata_leader *ld, uint8_t id)
{
    if (id >= NETDATA_CONTEXT_ID_MIN && id <= NETDATA_CONTEXT_ID_MAX)
        ld->ctx_state[id] = NETDATA_CTX_IN_USE;
}

static void remove_in_prefix(struct netdata_leader *ld, size_t o, uint16_t rloc16, bool router,
                             const struct buf *ex, size_t ex_o, struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    size_t s = subs_start(&d, o);
    while (s + 2 <= tlv_end(&d, o)) {
        unsigned type = ld->tlvs[s] >> 1;
        bool stable = ld->tlvs[s] & 1;
        size_t n = type == NETDATA_TLV_HAS_ROUTE ? 3 : type == NETDATA_TLV_BORDER_ROUTER ? 4 : 0;
        if (n) {
            size_t e = s + 2;
            while (e + n <= tlv_end(&d, s)) {
                if (rloc_match(be16_get(ld->tlvs + e), rloc16, router) &&
                    !contains_entry(ex, ex_o, type, stable, ld->tlvs + e, n)) {
                    changed_update(ch, stable);
                    buf_remove(&d, e, n);
                    ld->tlvs[s + 1] = (uint8_t)(ld->tlvs[s + 1] - n);
                    ld->tlvs[o + 1] = (uint8_t)(ld->tlvs[o + 1] - n);
                    continue;
                }
                e += n;
            }
            if (ld->tlvs[s + 1] == 0) {
                buf_remove(&d, s, 2);
                ld->tlvs[o + 1] = (uint8_t)(ld->tlvs[o + 1] - 2);
                continue;
            }
        }
        s = tlv_end(&d, s);
    }
    size_t c = find_sub(&d, o, NETDATA_TLV_CONTEXT, -1);
    if (c != NONE) {
        uint8_t id = ld->tlvs[c + 2] & NETDATA_CTX_ID_MASK;
        if (find_sub(&d, o, NETDATA_TLV_BORDER_ROUTER, -1) == NONE) {
            ld->tlvs[c + 2] &= (uint8_t)~NETDATA_CTX_COMPRESS;
            ctx_release(ld, id);
        } else {
            ld->tlvs[c + 2] |= NETDATA_CTX_COMPRESS;
            ctx_use(ld, id);
        }
    }
}

static void remove_in_service(struct netdata_leader *ld, size_t o, uint16_t rloc16, bool router,
                              const struct buf *ex, size_t ex_o, struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    size_t s = subs_start(&d, o);
    while (s + 2 <= tlv_end(&d, o)) {
        if ((ld->tlvs[s] >> 1) == NETDATA_TLV_SERVER && ld->tlvs[s + 1] >= 2 &&
            rloc_match(be16_get(ld->tlvs + s + 2), rloc16, router) &&
            !contains_server(ex, ex_o, ld->tlvs + s)) {
            size_t n = 2 + (size_t)ld->tlvs[s + 1];
            changed_update(ch, ld->tlvs[s] & 1);
            buf_remove(&d, s, n);
            ld->tlvs[o + 1] = (uint8_t)(ld->tlvs[o + 1] - n);
            continue;
        }
        s = tlv_end(&d, s);
    }
}

/* OT Leader::RemoveRloc with an exclusion set (ex may be NULL). */
static void remove_rloc(struct netdata_leader *ld, uint16_t rloc16, bool router,
                        const struct buf *ex, struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    size_t o = 0;
    while (o + 2 <= ld->len) {
        unsigned type = ld->tlvs[o] >> 1;
        if (type == NETDATA_TLV_PREFIX) {
            struct prefix_tlv p;
            prefix_parse(rd_init(ld->tlvs + o + 2, ld->tlvs[o + 1]), &p);
            size_t ex_o = ex ? find_prefix(ex, &p.p) : NONE;
            remove_in_prefix(ld, o, rloc16, router, ex, ex_o, ch);
            if (update_tlv(&d, o) == TLV_REMOVED)
                continue;
        } else if (type == NETDATA_TLV_SERVICE) {
            struct service_tlv sv;
            service_parse(rd_init(ld->tlvs + o + 2, ld->tlvs[o + 1]), &sv);
            size_t ex_o = ex ? find_service(ex, sv.ent, sv.sd, sv.sd_len) : NONE;
            remove_in_service(ld, o, rloc16, router, ex, ex_o, ch);
            if (update_tlv(&d, o) == TLV_REMOVED)
                continue;
        }
        o = tlv_end(&d, o);
    }
}

static enum netdata_err add_has_route(struct netdata_leader *ld, size_t dst, bool stable,
                                      const uint8_t *entry, struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    size_t hr = find_sub(&d, dst, NETDATA_TLV_HAS_ROUTE, stable);
    if (hr == NONE) {
        if (!can_insert(&d, 2 + 3))
            return NETDATA_ERR_NO_SPACE;
        hr = tlv_end(&d, dst);
        buf_insert(&d, hr, 2);
        ld->tlvs[hr] = (uint8_t)(NETDATA_TLV_HAS_ROUTE << 1 | (stable ? 1 : 0));
        ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + 2);
    }
    if (contains_entry(&d, dst, NETDATA_TLV_HAS_ROUTE, stable, entry, 3))
        return NETDATA_OK;
    size_t at = tlv_end(&d, hr);
    if (!buf_insert(&d, at, 3))
        return NETDATA_ERR_NO_SPACE;
    memcpy(ld->tlvs + at, entry, 3);
    ld->tlvs[hr + 1] = (uint8_t)(ld->tlvs[hr + 1] + 3);
    ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + 3);
    changed_update(ch, stable);
    return NETDATA_OK;
}

static enum netdata_err add_border_router(struct netdata_leader *ld, size_t dst, bool stable,
                                          const uint8_t *entry, struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    size_t br = find_sub(&d, dst, NETDATA_TLV_BORDER_ROUTER, stable);
    size_t ctx = find_sub(&d, dst, NETDATA_TLV_CONTEXT, -1);
    uint8_t id = 0;
    if (ctx == NONE) {
        for (id = NETDATA_CONTEXT_ID_MIN; id <= NETDATA_CONTEXT_ID_MAX; id++)
            if (ld->ctx_state[id] == NETDATA_CTX_FREE)
                break;
        if (id > NETDATA_CONTEXT_ID_MAX)
            return NETDATA_ERR_NO_CONTEXT_ID;
    }
    if (br == NONE) {
        if (!can_insert(&d, 2 + 4 + (ctx == NONE ? 4 : 0)))
            return NETDATA_ERR_NO_SPACE;
        br = tlv_end(&d, dst);
        buf_insert(&d, br, 2);
        ld->tlvs[br] = (uint8_t)(NETDATA_TLV_BORDER_ROUTER << 1 | (stable ? 1 : 0));
        ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + 2);
    }
    if (ctx == NONE) {
        if (!can_insert(&d, 4 + 4))
            return NETDATA_ERR_NO_SPACE;
        ctx = tlv_end(&d, dst);
        buf_insert(&d, ctx, 4);
        ld->tlvs[ctx] = NETDATA_TLV_CONTEXT << 1;
        ld->tlvs[ctx + 1] = 2;
        ld->tlvs[ctx + 2] = id;
        ld->tlvs[ctx + 3] = ld->tlvs[dst + 3]; /* context length = prefix length */
        ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + 4);
    }
    if (stable)
        ld->tlvs[ctx] |= 1;
    ld->tlvs[ctx + 2] |= NETDATA_CTX_COMPRESS;
    ctx_use(ld, ld->tlvs[ctx + 2] & NETDATA_CTX_ID_MASK);
    if (contains_entry(&d, dst, NETDATA_TLV_BORDER_ROUTER, stable, entry, 4))
        return NETDATA_OK;
    size_t at = tlv_end(&d, br);
    if (!buf_insert(&d, at, 4))
        return NETDATA_ERR_NO_SPACE;
    memcpy(ld->tlvs + at, entry, 4);
    ld->tlvs[br + 1] = (uint8_t)(ld->tlvs[br + 1] + 4);
    ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + 4);
    changed_update(ch, stable);
    return NETDATA_OK;
}

static enum netdata_err add_prefix(struct netdata_leader *ld, const struct prefix_tlv *src,
                                   struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    enum netdata_err e = NETDATA_OK;
    size_t dst = find_prefix(&d, &src->p);
    if (dst == NONE) {
        unsigned nb = prefix_bytes(src->p.len);
        if (!can_insert(&d, 4 + nb))
            return NETDATA_ERR_NO_SPACE;
        dst = ld->len;
        buf_insert(&d, dst, 4 + nb);
        ld->tlvs[dst] = NETDATA_TLV_PREFIX << 1;
        ld->tlvs[dst + 1] = (uint8_t)(2 + nb);
        ld->tlvs[dst + 2] = src->domain;
        ld->tlvs[dst + 3] = src->p.len;
        memcpy(ld->tlvs + dst + 4, src->p.addr, nb);
    }
    struct rd subs = src->subs;
    struct tlv s;
    while (e == NETDATA_OK && tlv_next(&subs, &s)) {
        if (s.type == NETDATA_TLV_HAS_ROUTE)
            e = add_has_route(ld, dst, s.stable, s.val.p, ch);
        else if (s.type == NETDATA_TLV_BORDER_ROUTER)
            e = add_border_router(ld, dst, s.stable, s.val.p, ch);
    }
    update_tlv(&d, dst);
    return e;
}

static enum netdata_err add_service(struct netdata_leader *ld, const struct service_tlv *src,
                                    struct changed *ch)
{
    struct buf d = {ld->tlvs, &ld->len};
    enum netdata_err e = NETDATA_OK;
    size_t dst = find_service(&d, src->ent, src->sd, src->sd_len);
    if (dst == NONE) {
        uint8_t sid;
        for (sid = 0; sid <= NETDATA_SERVICE_ID_MAX; sid++) {
            bool used = false;
            for (size_t o = 0; o + 2 <= ld->len && !used; o = tlv_end(&d, o))
                used = (ld->tlvs[o] >> 1) == NETDATA_TLV_SERVICE &&
                       (ld->tlvs[o + 2] & NETDATA_SERVICE_ID_MASK) == sid;
            if (!used)
                break;
        }
        if (sid > NETDATA_SERVICE_ID_MAX)
            return NETDATA_ERR_NO_SERVICE_ID;
        size_t n = service_header(NULL, sid, src->ent, src->sd, src->sd_len, false);
        if (!can_insert(&d, n))
            return NETDATA_ERR_NO_SPACE;
        dst = ld->len;
        buf_insert(&d, dst, n);
        service_header(ld->tlvs + dst, sid, src->ent, src->sd, src->sd_len, true);
    }
    struct rd subs = src->subs;
    struct tlv s;
    while (tlv_next(&subs, &s)) {
        if (s.type != NETDATA_TLV_SERVER)
            continue;
        const uint8_t *server = s.val.p - 2;
        size_t n = 2 + s.val.left;
        if (contains_server(&d, dst, server))
            break;
        size_t at = tlv_end(&d, dst);
        if (!buf_insert(&d, at, n)) {
            e = NETDATA_ERR_NO_SPACE;
            break;
        }
        memcpy(ld->tlvs + at, server, n);
        ld->tlvs[dst + 1] = (uint8_t)(ld->tlvs[dst + 1] + n);
        changed_update(ch, s.stable);
        break; /* exactly one Server sub-TLV (validated) */
    }
    update_tlv(&d, dst);
    return e;
}

enum netdata_err netdata_leader_register(struct netdata_leader *ld, uint16_t rloc16,
                                         const uint8_t *tlvs, size_t len)
{
    if (!ld || (!tlvs && len))
        return NETDATA_ERR_INVALID_ARG;
    enum netdata_err e = netdata_validate(tlvs, len);
    if (e == NETDATA_OK)
        e = validate_registration(tlvs, len, rloc16);
    if (e != NETDATA_OK)
        return e;
    struct changed ch = {false, false};
    uint8_t ex_len = (uint8_t)len;
    struct buf ex = {(uint8_t *)(uintptr_t)tlvs, &ex_len};
    remove_rloc(ld, rloc16, false, &ex, &ch);
    struct rd r = rd_init(tlvs, len);
    struct tlv t;
    while (e == NETDATA_OK && tlv_next(&r, &t)) {
        if (t.type == NETDATA_TLV_PREFIX) {
            struct prefix_tlv p;
            prefix_parse(t.val, &p);
            e = add_prefix(ld, &p, &ch);
        } else if (t.type == NETDATA_TLV_SERVICE) {
            struct service_tlv sv;
            service_parse(t.val, &sv);
            e = add_service(ld, &sv, &ch);
        }
    }
    bump(ld, &ch);
    return e;
}

void netdata_leader_remove_rloc(struct netdata_leader *ld, uint16_t rloc16, bool match_router)
{
    if (!ld)
        return;
    struct changed ch = {false, false};
    remove_rloc(ld, rloc16, match_router, NULL, &ch);
    bump(ld, &ch);
}

enum netdata_err netdata_leader_set_commissioning(struct netdata_leader *ld, const uint8_t *data,
                                                  size_t len)
{
    if (!ld || (!data && len) || len > NETDATA_MAX_LEN - 2)
        return NETDATA_ERR_INVALID_ARG;
    struct buf d = {ld->tlvs, &ld->len};
    size_t old = NONE;
    for (size_t o = 0; o + 2 <= ld->len; o = tlv_end(&d, o))
        if ((ld->tlvs[o] >> 1) == NETDATA_TLV_COMMISSIONING) {
            old = o;
            break;
        }
    size_t old_size = old == NONE ? 0 : 2 + (size_t)ld->tlvs[old + 1];
    if ((size_t)ld->len - old_size + 2 + len > NETDATA_MAX_LEN)
        return NETDATA_ERR_NO_SPACE;
    if (old != NONE)
        buf_remove(&d, old, old_size);
    size_t at = ld->len;
    buf_insert(&d, at, 2 + len);
    ld->tlvs[at] = NETDATA_TLV_COMMISSIONING << 1;
    ld->tlvs[at + 1] = (uint8_t)len;
    if (len)
        memcpy(ld->tlvs + at + 2, data, len);
    ld->version++;
    return NETDATA_OK;
}

bool netdata_leader_context_releasing(const struct netdata_leader *ld, uint8_t id)
{
    return ld && id >= NETDATA_CONTEXT_ID_MIN && id <= NETDATA_CONTEXT_ID_MAX &&
           ld->ctx_state[id] == NETDATA_CTX_RELEASING;
}

enum netdata_err netdata_leader_expire_context(struct netdata_leader *ld, uint8_t id)
{
    if (!ld || id < NETDATA_CONTEXT_ID_MIN || id > NETDATA_CONTEXT_ID_MAX)
        return NETDATA_ERR_INVALID_ARG;
    if (ld->ctx_state[id] != NETDATA_CTX_RELEASING)
        return NETDATA_ERR_NOT_FOUND;
    struct buf d = {ld->tlvs, &ld->len};
    size_t o = 0;
    while (o + 2 <= ld->len) {
        if ((ld->tlvs[o] >> 1) == NETDATA_TLV_PREFIX) {
            size_t s = subs_start(&d, o);
            while (s + 2 <= tlv_end(&d, o)) {
                if ((ld->tlvs[s] >> 1) == NETDATA_TLV_CONTEXT && ld->tlvs[s + 1] >= 1 &&
                    (ld->tlvs[s + 2] & NETDATA_CTX_ID_MASK) == id) {
                    size_t n = 2 + (size_t)ld->tlvs[s + 1];
                    buf_remove(&d, s, n);
                    ld->tlvs[o + 1] = (uint8_t)(ld->tlvs[o + 1] - n);
                    continue;
                }
                s = tlv_end(&d, s);
            }
            if (update_tlv(&d, o) == TLV_REMOVED)
                continue;
        }
        o = tlv_end(&d, o);
    }
    ld->ctx_state[id] = NETDATA_CTX_FREE;
    struct changed ch = {true, true};
    bump(ld, &ch);
    return NETDATA_OK;
}

enum netdata_err netdata_leader_copy(const struct netdata_leader *ld, bool stable_only,
                                     uint8_t *out, size_t cap, size_t *out_len)
{
    if (!ld || !out || !out_len)
        return NETDATA_ERR_INVALID_ARG;
    if (stable_only)
        return netdata_stable_subset(ld->tlvs, ld->len, out, cap, out_len);
    if (cap < ld->len)
        return NETDATA_ERR_NO_SPACE;
    memcpy(out, ld->tlvs, ld->len);
    *out_len = ld->len;
    return NETDATA_OK;
}

/* ---- DNS/SRP service --------------------------------------------------------- */

/* RFC 1982 serial number arithmetic on 8 bits: a is newer than b. */
static bool seq_newer(uint8_t a, uint8_t b)
{
    return a != b && (uint8_t)(a - b) < 0x80;
}

bool netdata_find_dns_srp(const uint8_t *buf, size_t len, struct netdata_dns_srp *out)
{
    struct netdata_iter it = NETDATA_ITER_INIT;
    struct netdata_service_cfg sc;
    bool has_pref = false, has_any = false, has_uni = false;
    struct netdata_dns_srp pref, any, uni;
    uint8_t uni_ver = 0;

    memset(&pref, 0, sizeof(pref));
    memset(&any, 0, sizeof(any));
    memset(&uni, 0, sizeof(uni));
    while (buf != NULL && netdata_next_service(buf, len, NETDATA_ANY_RLOC16, &it, &sc)) {
        if (sc.enterprise != NETDATA_THREAD_ENTERPRISE || sc.service_data_len < 1)
            continue;
        if (sc.service_data[0] == NETDATA_SVC_DNS_SRP_UNICAST && sc.service_data_len >= 19) {
            /* 1. "unicast preferred": address and port in the service data */
            if (!has_pref || memcmp(sc.service_data + 1, pref.addr, 16) < 0) {
                memcpy(pref.addr, sc.service_data + 1, 16);
                pref.port = be16_get(sc.service_data + 17);
            }
            has_pref = true;
        } else if (sc.service_data[0] == NETDATA_SVC_DNS_SRP_ANYCAST && sc.service_data_len >= 2) {
            /* 2. anycast: the service's ALOC, port 53 */
            uint8_t seq = sc.service_data[1];

            if (has_any && !seq_newer(seq, any.seq))
                continue;
            any.port = 53;
            any.anycast = true;
            any.seq = seq;
            any.service_id = (uint8_t)(sc.service_id & 0x0f);
            has_any = true;
        } else if (sc.service_data[0] == NETDATA_SVC_DNS_SRP_UNICAST && sc.server_data_len >= 18) {
            /* 3. unicast: address and port in the server data; highest
             * version, then the smallest address */
            uint8_t ver = sc.server_data_len >= 19 ? sc.server_data[18] : 0;

            if (!has_uni || ver > uni_ver ||
                (ver == uni_ver && memcmp(sc.server_data, uni.addr, 16) < 0)) {
                memcpy(uni.addr, sc.server_data, 16);
                uni.port = be16_get(sc.server_data + 16);
                uni_ver = ver;
            }
            has_uni = true;
        }
    }
    if (has_pref)
        *out = pref;
    else if (has_any)
        *out = any;
    else if (has_uni)
        *out = uni;
    return has_pref || has_any || has_uni;
}

void netdata_dns_srp_unicast_cfg(struct netdata_service_cfg *sc, uint16_t rloc16,
                                 const uint8_t addr[16], uint16_t port)
{
    memset(sc, 0, sizeof(*sc));
    sc->enterprise = NETDATA_THREAD_ENTERPRISE;
    sc->rloc16 = rloc16;
    sc->stable = true;
    sc->service_data[0] = NETDATA_SVC_DNS_SRP_UNICAST;
    sc->service_data_len = 1;
    memcpy(sc->server_data, addr, 16);
    be16_put(sc->server_data + 16, port);
    sc->server_data_len = 18;
}

void netdata_dns_srp_anycast_cfg(struct netdata_service_cfg *sc, uint16_t rloc16, uint8_t seq)
{
    memset(sc, 0, sizeof(*sc));
    sc->enterprise = NETDATA_THREAD_ENTERPRISE;
    sc->rloc16 = rloc16;
    sc->stable = true;
    sc->service_data[0] = NETDATA_SVC_DNS_SRP_ANYCAST;
    sc->service_data[1] = seq;
    sc->service_data_len = 2;
}
