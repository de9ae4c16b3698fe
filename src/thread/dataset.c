/*
 * Active Operational Dataset TLVs, generation, setters and CLI text (see
 * dataset.h). Rules follow OpenThread meshcop/dataset.cpp (ValidateTlvs,
 * IsTlvValid, ConvertTo, WriteTlv, GenerateRandom), meshcop_tlvs.cpp
 * (Channel Mask entries) and thread/key_manager.cpp (Security Policy flags).
 */
#include "thread/dataset.h"

#include <ctype.h>
#include <string.h>

#include "util/addr.h"
#include "util/rd.h"

static const char *const err_names[DATASET_ERR__COUNT] = {
    [DATASET_OK] = "ok",
    [DATASET_ERR_INVALID_ARG] = "invalid_arg",
    [DATASET_ERR_PARSE] = "parse",
    [DATASET_ERR_TOO_LONG] = "too_long",
    [DATASET_ERR_TRUNCATED] = "truncated",
    [DATASET_ERR_EXTENDED] = "extended_tlv",
    [DATASET_ERR_BAD_TLV] = "bad_tlv",
    [DATASET_ERR_DUPLICATE] = "duplicate",
    [DATASET_ERR_NO_SPACE] = "no_space",
    [DATASET_ERR_NOT_FOUND] = "not_found",
};

const char *dataset_err_str(enum dataset_err e)
{
    if ((unsigned)e >= DATASET_ERR__COUNT || !err_names[e])
        return "unknown";
    return err_names[e];
}

#define CHANNEL_MIN 11
#define CHANNEL_MAX 26
#define PAGE0_MASK 0x07fff800u /* channels 11..26 (OT Radio::ChannelMaskForPage(0)) */
#define PANID_BROADCAST 0xffff

/* Security Policy flag bits (Thread §8.10.1.15; OT key_manager.hpp). */
#define SP_O 0x80
#define SP_N 0x40
#define SP_R 0x20
#define SP_C 0x10
#define SP_CCM_C 0x04 /* set = commercial commissioning disabled */
#define SP_E 0x02     /* set = autonomous enrollment disabled */
#define SP_P 0x01     /* set = network key provisioning disabled */
#define SP2_TOBLE 0x80
#define SP2_NONCCM 0x40 /* set = non-CCM routers disabled */
#define SP2_RESERVED 0x38
#define SP2_VERSION 0x07

static uint32_t reverse32(uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; i < 32; i++) {
        r = (r << 1) | (v & 1);
        v >>= 1;
    }
    return r;
}

/* OT IsValidUtf8String: no control characters, well-formed sequences. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i++];
        unsigned cont;
        if (!(b & 0x80)) {
            if (iscntrl(b))
                return false;
            continue;
        }
        if (!(b & 0x40))
            return false;
        else if (!(b & 0x20))
            cont = 1;
        else if (!(b & 0x10))
            cont = 2;
        else if (!(b & 0x08))
            cont = 3;
        else
            return false;
        while (cont--) {
            if (i >= n || (s[i++] & 0xc0) != 0x80)
                return false;
        }
    }
    return true;
}

/* Channel Mask TLV entries: page u8, mask length u8, mask (bit-reversed
 * per page). Only page 0 (2.4 GHz) is supported; its mask must be 4 bytes;
 * other pages are skipped. At least one entry. */
static bool channel_mask_read(struct rd v, uint32_t *mask)
{
    *mask = 0;
    if (!v.left)
        return false;
    while (v.left) {
        uint8_t page, ml;
        struct rd m;
        if (!rd_u8(&v, &page) || !rd_u8(&v, &ml) || !rd_sub(&v, ml, &m))
            return false;
        if (page == 0) {
            uint32_t raw;
            if (ml != 4 || !rd_be32(&m, &raw))
                return false;
            *mask |= reverse32(raw) & PAGE0_MASK;
        }
    }
    return true;
}

static bool channel_valid(struct rd v)
{
    uint8_t page;
    uint16_t ch;
    return rd_u8(&v, &page) && rd_be16(&v, &ch) && page == 0 && ch >= CHANNEL_MIN &&
           ch <= CHANNEL_MAX;
}

static bool tlv_value_valid(uint8_t type, struct rd v)
{
    uint32_t mask;
    switch (type) {
    case DATASET_TLV_ACTIVE_TIMESTAMP:
    case DATASET_TLV_PENDING_TIMESTAMP:
    case DATASET_TLV_EXTPANID:
    case DATASET_TLV_MESH_LOCAL_PREFIX:
        return v.left >= 8;
    case DATASET_TLV_DELAY_TIMER:
        return v.left >= 4;
    case DATASET_TLV_PANID:
        return v.left >= 2;
    case DATASET_TLV_PSKC:
    case DATASET_TLV_NETWORK_KEY:
        return v.left >= 16;
    case DATASET_TLV_CHANNEL:
    case DATASET_TLV_WAKEUP_CHANNEL:
        return channel_valid(v);
    case DATASET_TLV_NETWORK_NAME:
        return utf8_valid(v.p, v.left);
    case DATASET_TLV_SECURITY_POLICY:
        return v.left >= 3; /* rotation time + Thread 1.1 flags byte */
    case DATASET_TLV_CHANNEL_MASK:
        return channel_mask_read(v, &mask);
    default:
        return true; /* unknown TLVs are kept as they are */
    }
}

enum dataset_err dataset_validate(const uint8_t *buf, size_t len)
{
    if (!buf && len)
        return DATASET_ERR_INVALID_ARG;
    if (len > DATASET_MAX_LEN)
        return DATASET_ERR_TOO_LONG;
    bool seen[256] = {false};
    struct rd r = rd_init(buf, len);
    while (r.left) {
        uint8_t type, l;
        struct rd v;
        if (!rd_u8(&r, &type) || !rd_u8(&r, &l))
            return DATASET_ERR_TRUNCATED;
        if (l == 0xff)
            return DATASET_ERR_EXTENDED;
        if (!rd_sub(&r, l, &v))
            return DATASET_ERR_TRUNCATED;
        if (!tlv_value_valid(type, v))
            return DATASET_ERR_BAD_TLV;
        if (seen[type])
            return DATASET_ERR_DUPLICATE;
        seen[type] = true;
    }
    return DATASET_OK;
}

static void timestamp_read(struct rd v, struct dataset_timestamp *ts)
{
    /* Length checked by dataset_validate(); a short read leaves zeros. */
    uint16_t hi = 0, tk = 0;
    uint32_t lo = 0;
    rd_be16(&v, &hi);
    rd_be32(&v, &lo);
    rd_be16(&v, &tk);
    ts->seconds = ((uint64_t)hi << 32) | lo;
    ts->ticks = tk >> 1;
    ts->authoritative = tk & 1;
}

static void policy_read(struct rd v, struct dataset_security_policy *sp)
{
    uint8_t f0 = 0, f1 = 0;
    bool has_f1;
    rd_be16(&v, &sp->rotation_hours);
    rd_u8(&v, &f0);
    has_f1 = rd_u8(&v, &f1);
    sp->obtain_network_key = f0 & SP_O;
    sp->native_commissioning = f0 & SP_N;
    sp->routers = f0 & SP_R;
    sp->external_commissioning = f0 & SP_C;
    sp->commercial_commissioning = !(f0 & SP_CCM_C);
    sp->autonomous_enrollment = !(f0 & SP_E);
    sp->network_key_provisioning = !(f0 & SP_P);
    /* OT SetToDefaultFlags for a 1-byte (Thread 1.1) policy */
    sp->toble_link = has_f1 ? (f1 & SP2_TOBLE) != 0 : true;
    sp->non_ccm_routers = has_f1 ? !(f1 & SP2_NONCCM) : false;
    sp->version_threshold = has_f1 ? (f1 & SP2_VERSION) : 0;
}

enum dataset_err dataset_parse(const uint8_t *buf, size_t len, struct dataset_info *out)
{
    if (!out)
        return DATASET_ERR_INVALID_ARG;
    enum dataset_err e = dataset_validate(buf, len);
    if (e != DATASET_OK)
        return e;
    memset(out, 0, sizeof(*out));
    struct rd r = rd_init(buf, len);
    while (r.left) {
        uint8_t type = 0, l = 0, page;
        struct rd v;
        /* dataset_validate() walked the same bytes; checked again anyway. */
        if (!rd_u8(&r, &type) || !rd_u8(&r, &l) || !rd_sub(&r, l, &v))
            return DATASET_ERR_TRUNCATED;
        switch (type) {
        case DATASET_TLV_ACTIVE_TIMESTAMP:
            timestamp_read(v, &out->active_timestamp);
            out->has.active_timestamp = true;
            break;
        case DATASET_TLV_PENDING_TIMESTAMP:
            timestamp_read(v, &out->pending_timestamp);
            out->has.pending_timestamp = true;
            break;
        case DATASET_TLV_DELAY_TIMER:
            out->has.delay = rd_be32(&v, &out->delay_ms);
            break;
        case DATASET_TLV_CHANNEL:
            out->has.channel = rd_u8(&v, &page) && rd_be16(&v, &out->channel);
            break;
        case DATASET_TLV_WAKEUP_CHANNEL:
            out->has.wakeup_channel = rd_u8(&v, &page) && rd_be16(&v, &out->wakeup_channel);
            break;
        case DATASET_TLV_CHANNEL_MASK:
            out->has.channel_mask = channel_mask_read(v, &out->channel_mask);
            break;
        case DATASET_TLV_EXTPANID:
            out->has.extpanid = rd_bytes(&v, out->extpanid, 8);
            break;
        case DATASET_TLV_MESH_LOCAL_PREFIX:
            out->has.mesh_local_prefix = rd_bytes(&v, out->mesh_local_prefix, 8);
            break;
        case DATASET_TLV_NETWORK_KEY:
            out->has.network_key = rd_bytes(&v, out->network_key, 16);
            break;
        case DATASET_TLV_PSKC:
            out->has.pskc = rd_bytes(&v, out->pskc, 16);
            break;
        case DATASET_TLV_NETWORK_NAME: {
            size_t n = v.left > 16 ? 16 : v.left; /* OT NetworkNameTlv::GetNetworkName */
            rd_bytes(&v, out->network_name, n);
            out->network_name[n] = '\0';
            out->has.network_name = true;
            break;
        }
        case DATASET_TLV_PANID:
            out->has.panid = rd_be16(&v, &out->panid);
            break;
        case DATASET_TLV_SECURITY_POLICY:
            policy_read(v, &out->security_policy);
            out->has.security_policy = true;
            break;
        default:
            break;
        }
    }
    return DATASET_OK;
}

enum dataset_err dataset_set_tlvs(struct dataset_tlvs *d, const uint8_t *buf, size_t len)
{
    if (!d)
        return DATASET_ERR_INVALID_ARG;
    enum dataset_err e = dataset_validate(buf, len);
    if (e != DATASET_OK)
        return e;
    if (len)
        memcpy(d->tlvs, buf, len);
    d->len = (uint8_t)len;
    return DATASET_OK;
}

/* Offset of the TLV of type in d (d is well-formed: built or validated). */
static long find_off(const struct dataset_tlvs *d, uint8_t type)
{
    size_t o = 0;
    while (o + 2 <= d->len && o + 2 + d->tlvs[o + 1] <= d->len) {
        if (d->tlvs[o] == type)
            return (long)o;
        o += 2 + (size_t)d->tlvs[o + 1];
    }
    return -1;
}

const uint8_t *dataset_find_tlv(const struct dataset_tlvs *d, uint8_t type, uint8_t *vlen)
{
    if (!d)
        return NULL;
    long o = find_off(d, type);
    if (o < 0)
        return NULL;
    if (vlen)
        *vlen = d->tlvs[o + 1];
    return d->tlvs + o + 2;
}

void dataset_remove_tlv(struct dataset_tlvs *d, uint8_t type)
{
    if (!d)
        return;
    long o = find_off(d, type);
    if (o < 0)
        return;
    size_t n = 2 + (size_t)d->tlvs[o + 1];
    memmove(d->tlvs + o, d->tlvs + o + n, d->len - (size_t)o - n);
    d->len = (uint8_t)(d->len - n);
}

enum dataset_err dataset_write_tlv(struct dataset_tlvs *d, uint8_t type, const void *val,
                                   size_t len)
{
    if (!d || (!val && len) || len >= 0xff)
        return DATASET_ERR_INVALID_ARG;
    uint8_t old_len = 0;
    size_t avail = DATASET_MAX_LEN - d->len;
    if (dataset_find_tlv(d, type, &old_len))
        avail += 2 + (size_t)old_len;
    if (2 + len > avail)
        return DATASET_ERR_NO_SPACE;
    dataset_remove_tlv(d, type);
    d->tlvs[d->len] = type;
    d->tlvs[d->len + 1] = (uint8_t)len;
    if (len)
        memcpy(d->tlvs + d->len + 2, val, len);
    d->len = (uint8_t)(d->len + 2 + len);
    return DATASET_OK;
}

/* ---- Setters ---------------------------------------------------------- */

static enum dataset_err write_channel(struct dataset_tlvs *d, uint8_t type, uint16_t ch)
{
    uint8_t v[3] = {0, (uint8_t)(ch >> 8), (uint8_t)ch};
    if (ch < CHANNEL_MIN || ch > CHANNEL_MAX)
        return DATASET_ERR_INVALID_ARG;
    return dataset_write_tlv(d, type, v, sizeof(v));
}

enum dataset_err dataset_set_channel(struct dataset_tlvs *d, uint16_t channel)
{
    return write_channel(d, DATASET_TLV_CHANNEL, channel);
}

enum dataset_err dataset_set_wakeup_channel(struct dataset_tlvs *d, uint16_t channel)
{
    return write_channel(d, DATASET_TLV_WAKEUP_CHANNEL, channel);
}

enum dataset_err dataset_set_panid(struct dataset_tlvs *d, uint16_t panid)
{
    uint8_t v[2];
    if (panid == PANID_BROADCAST)
        return DATASET_ERR_INVALID_ARG;
    be16_put(v, panid);
    return dataset_write_tlv(d, DATASET_TLV_PANID, v, 2);
}

enum dataset_err dataset_set_extpanid(struct dataset_tlvs *d, const uint8_t xp[8])
{
    return xp ? dataset_write_tlv(d, DATASET_TLV_EXTPANID, xp, 8) : DATASET_ERR_INVALID_ARG;
}

enum dataset_err dataset_set_network_key(struct dataset_tlvs *d, const uint8_t key[16])
{
    return key ? dataset_write_tlv(d, DATASET_TLV_NETWORK_KEY, key, 16) : DATASET_ERR_INVALID_ARG;
}

enum dataset_err dataset_set_pskc(struct dataset_tlvs *d, const uint8_t pskc[16])
{
    return pskc ? dataset_write_tlv(d, DATASET_TLV_PSKC, pskc, 16) : DATASET_ERR_INVALID_ARG;
}

enum dataset_err dataset_set_mesh_local_prefix(struct dataset_tlvs *d, const uint8_t mlp[8])
{
    return mlp ? dataset_write_tlv(d, DATASET_TLV_MESH_LOCAL_PREFIX, mlp, 8)
               : DATASET_ERR_INVALID_ARG;
}

enum dataset_err dataset_set_network_name(struct dataset_tlvs *d, const char *name)
{
    if (!name)
        return DATASET_ERR_INVALID_ARG;
    size_t n = strlen(name);
    if (n == 0 || n > 16 || !utf8_valid((const uint8_t *)name, n))
        return DATASET_ERR_INVALID_ARG;
    return dataset_write_tlv(d, DATASET_TLV_NETWORK_NAME, name, n);
}

enum dataset_err dataset_set_active_timestamp(struct dataset_tlvs *d,
                                              const struct dataset_timestamp *ts)
{
    if (!ts || ts->seconds >> 48 || ts->ticks >> 15)
        return DATASET_ERR_INVALID_ARG;
    uint8_t v[8];
    be16_put(v, (uint16_t)(ts->seconds >> 32));
    be32_put(v + 2, (uint32_t)ts->seconds);
    be16_put(v + 6, (uint16_t)(ts->ticks << 1 | (ts->authoritative ? 1 : 0)));
    return dataset_write_tlv(d, DATASET_TLV_ACTIVE_TIMESTAMP, v, 8);
}

enum dataset_err dataset_set_channel_mask(struct dataset_tlvs *d, uint32_t mask)
{
    uint8_t v[6] = {0, 4};
    if (!(mask & PAGE0_MASK))
        return DATASET_ERR_INVALID_ARG;
    be32_put(v + 2, reverse32(mask & PAGE0_MASK));
    return dataset_write_tlv(d, DATASET_TLV_CHANNEL_MASK, v, sizeof(v));
}

enum dataset_err dataset_set_security_policy(struct dataset_tlvs *d,
                                             const struct dataset_security_policy *sp)
{
    if (!sp || sp->version_threshold > 7 || sp->rotation_hours < 2)
        return DATASET_ERR_INVALID_ARG;
    uint8_t v[4];
    be16_put(v, sp->rotation_hours);
    v[2] = (uint8_t)((sp->obtain_network_key ? SP_O : 0) | (sp->native_commissioning ? SP_N : 0) |
                     (sp->routers ? SP_R : 0) | (sp->external_commissioning ? SP_C : 0) |
                     (sp->commercial_commissioning ? 0 : SP_CCM_C) |
                     (sp->autonomous_enrollment ? 0 : SP_E) |
                     (sp->network_key_provisioning ? 0 : SP_P));
    v[3] = (uint8_t)((sp->toble_link ? SP2_TOBLE : 0) | (sp->non_ccm_routers ? 0 : SP2_NONCCM) |
                     SP2_RESERVED | sp->version_threshold);
    return dataset_write_tlv(d, DATASET_TLV_SECURITY_POLICY, v, 4);
}

/* ---- dataset init new ------------------------------------------------- */

static uint16_t random_channel(uint32_t mask, dataset_rng_fn rng, void *ctx)
{
    uint8_t b[4];
    unsigned count = 0;
    for (unsigned c = 0; c < 32; c++)
        count += (mask >> c) & 1;
    rng(ctx, b, 4);
    unsigned pick = be32_get(b) % count;
    for (unsigned c = 0; c < 32; c++) {
        if (((mask >> c) & 1) && pick-- == 0)
            return (uint16_t)c;
    }
    return CHANNEL_MIN;
}

enum dataset_err dataset_init_new(struct dataset_tlvs *d, dataset_rng_fn rng, void *rng_ctx,
                                  uint32_t supported_mask)
{
    if (!d || !rng)
        return DATASET_ERR_INVALID_ARG;
    uint32_t mask = supported_mask ? supported_mask & PAGE0_MASK : PAGE0_MASK;
    if (!mask)
        return DATASET_ERR_INVALID_ARG;
    uint16_t ch = random_channel(mask, rng, rng_ctx);
    uint16_t wch = random_channel(mask, rng, rng_ctx);
    uint8_t b[2], key[16], pskc[16], xp[8], mlp[8];
    rng(rng_ctx, b, 2);
    uint16_t panid = (uint16_t)(be16_get(b) % PANID_BROADCAST); /* 0..0xfffe */
    rng(rng_ctx, key, 16);
    rng(rng_ctx, pskc, 16);
    rng(rng_ctx, xp, 8);
    mlp[0] = 0xfd; /* OT NetworkPrefix::GenerateRandomUla */
    rng(rng_ctx, mlp + 1, 7);
    char name[17];
    snprintf(name, sizeof(name), "OpenThread-%04x", panid);
    struct dataset_timestamp ts = {1, 0, false};
    struct dataset_security_policy sp = {
        .rotation_hours = 672,
        .obtain_network_key = true,
        .native_commissioning = true,
        .routers = true,
        .external_commissioning = true,
        .toble_link = true,
    };
    enum dataset_err e;
    d->len = 0;
    if ((e = dataset_set_active_timestamp(d, &ts)) || (e = dataset_set_channel(d, ch)) ||
        (e = dataset_set_wakeup_channel(d, wch)) || (e = dataset_set_channel_mask(d, mask)) ||
        (e = dataset_set_extpanid(d, xp)) || (e = dataset_set_mesh_local_prefix(d, mlp)) ||
        (e = dataset_set_network_key(d, key)) || (e = dataset_set_network_name(d, name)) ||
        (e = dataset_set_panid(d, panid)) || (e = dataset_set_pskc(d, pskc)) ||
        (e = dataset_set_security_policy(d, &sp)))
        return e;
    return DATASET_OK;
}

/* ---- CLI -------------------------------------------------------------- */

/* Decimal, or hex with 0x (OT Utils::ParseAsUint*), whole string, <= max. */
static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    if (!s || !*s)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return false;
    }
    for (; *s; s++) {
        unsigned dgt;
        if (*s >= '0' && *s <= '9')
            dgt = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            dgt = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            dgt = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (max - dgt) / base)
            return false;
        v = v * base + dgt;
    }
    *out = v;
    return true;
}

/* Exactly n bytes of hex (OT ParseAsHexString for a fixed-size field). */
static bool parse_hex(const char *s, uint8_t *out, size_t n)
{
    if (!s || strlen(s) != 2 * n)
        return false;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = s[i];
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = (unsigned)(c - 'A' + 10);
        else
            return false;
        if (i % 2)
            out[i / 2] = (uint8_t)(out[i / 2] | v);
        else
            out[i / 2] = (uint8_t)(v << 4);
    }
    return true;
}

enum dataset_err dataset_cli_set(struct dataset_tlvs *d, const char *name, const char *arg)
{
    uint8_t b[16];
    uint64_t v;
    if (!d || !name || !arg)
        return DATASET_ERR_INVALID_ARG;
    if (!strcmp(name, "networkkey"))
        return parse_hex(arg, b, 16) ? dataset_set_network_key(d, b) : DATASET_ERR_PARSE;
    if (!strcmp(name, "pskc"))
        return parse_hex(arg, b, 16) ? dataset_set_pskc(d, b) : DATASET_ERR_PARSE;
    if (!strcmp(name, "extpanid"))
        return parse_hex(arg, b, 8) ? dataset_set_extpanid(d, b) : DATASET_ERR_PARSE;
    if (!strcmp(name, "channel"))
        return parse_uint(arg, 0xffff, &v) ? dataset_set_channel(d, (uint16_t)v)
                                           : DATASET_ERR_PARSE;
    if (!strcmp(name, "wakeupchannel"))
        return parse_uint(arg, 0xffff, &v) ? dataset_set_wakeup_channel(d, (uint16_t)v)
                                           : DATASET_ERR_PARSE;
    if (!strcmp(name, "panid"))
        return parse_uint(arg, 0xffff, &v) ? dataset_set_panid(d, (uint16_t)v) : DATASET_ERR_PARSE;
    if (!strcmp(name, "channelmask"))
        return parse_uint(arg, 0xffffffffu, &v) ? dataset_set_channel_mask(d, (uint32_t)v)
                                                : DATASET_ERR_PARSE;
    if (!strcmp(name, "activetimestamp")) {
        struct dataset_timestamp ts = {0, 0, false};
        if (!parse_uint(arg, 0xffffffffffffull, &ts.seconds))
            return DATASET_ERR_PARSE;
        return dataset_set_active_timestamp(d, &ts);
    }
    if (!strcmp(name, "networkname"))
        return dataset_set_network_name(d, arg);
    if (!strcmp(name, "meshlocalprefix")) {
        if (!addr_parse6(arg, b))
            return DATASET_ERR_PARSE;
        return dataset_set_mesh_local_prefix(d, b);
    }
    return DATASET_ERR_INVALID_ARG;
}

/* ---- Text ------------------------------------------------------------- */

static void put_hex_line(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
    fputc('\n', f);
}

void dataset_print_hex(FILE *f, const struct dataset_tlvs *d)
{
    put_hex_line(f, d->tlvs, d->len);
}

static void print_policy(FILE *f, const struct dataset_security_policy *sp)
{
    fprintf(f, "%u ", (unsigned)sp->rotation_hours);
    if (sp->obtain_network_key)
        fputc('o', f);
    if (sp->native_commissioning)
        fputc('n', f);
    if (sp->routers)
        fputc('r', f);
    if (sp->external_commissioning)
        fputc('c', f);
    if (sp->commercial_commissioning)
        fputc('C', f);
    if (sp->autonomous_enrollment)
        fputc('e', f);
    if (sp->network_key_provisioning)
        fputc('p', f);
    if (sp->non_ccm_routers)
        fputc('R', f);
    fprintf(f, " %u\n", (unsigned)sp->version_threshold);
}

enum dataset_err dataset_print(FILE *f, const struct dataset_tlvs *d, bool redact)
{
    struct dataset_info in;
    if (!f || !d)
        return DATASET_ERR_INVALID_ARG;
    enum dataset_err e = dataset_parse(d->tlvs, d->len, &in);
    if (e != DATASET_OK)
        return e;
    if (in.has.pending_timestamp)
        fprintf(f, "Pending Timestamp: %llu\n", (unsigned long long)in.pending_timestamp.seconds);
    if (in.has.active_timestamp)
        fprintf(f, "Active Timestamp: %llu\n", (unsigned long long)in.active_timestamp.seconds);
    if (in.has.channel)
        fprintf(f, "Channel: %u\n", (unsigned)in.channel);
    if (in.has.wakeup_channel)
        fprintf(f, "Wake-up Channel: %u\n", (unsigned)in.wakeup_channel);
    if (in.has.channel_mask)
        fprintf(f, "Channel Mask: 0x%08lx\n", (unsigned long)in.channel_mask);
    if (in.has.delay)
        fprintf(f, "Delay: %lu\n", (unsigned long)in.delay_ms);
    if (in.has.extpanid) {
        fputs("Ext PAN ID: ", f);
        put_hex_line(f, in.extpanid, 8);
    }
    if (in.has.mesh_local_prefix) {
        const uint8_t *m = in.mesh_local_prefix;
        fprintf(f, "Mesh Local Prefix: %x:%x:%x:%x::/64\n", (unsigned)(m[0] << 8 | m[1]),
                (unsigned)(m[2] << 8 | m[3]), (unsigned)(m[4] << 8 | m[5]),
                (unsigned)(m[6] << 8 | m[7]));
    }
    if (in.has.network_key) {
        fputs("Network Key: ", f);
        if (redact)
            fputs("[Redacted]\n", f);
        else
            put_hex_line(f, in.network_key, 16);
    }
    if (in.has.network_name)
        fprintf(f, "Network Name: %s\n", in.network_name);
    if (in.has.panid)
        fprintf(f, "PAN ID: 0x%04x\n", (unsigned)in.panid);
    if (in.has.pskc) {
        fputs("PSKc: ", f);
        if (redact)
            fputs("[Redacted]\n", f);
        else
            put_hex_line(f, in.pskc, 16);
    }
    if (in.has.security_policy) {
        fputs("Security Policy: ", f);
        print_policy(f, &in.security_policy);
    }
    return DATASET_OK;
}
