/*
 * TMF TLV codec and message builders/parsers. See tmf.h.
 */
#include "thread/tmf.h"

#include <string.h>

#include "util/rd.h"

const char *tmf_err_name(enum tmf_err err)
{
    switch (err) {
    case TMF_OK:
        return "TMF_OK";
    case TMF_ERR_TRUNCATED:
        return "TMF_ERR_TRUNCATED";
    case TMF_ERR_TLV_LEN:
        return "TMF_ERR_TLV_LEN";
    case TMF_ERR_DUPLICATE_TLV:
        return "TMF_ERR_DUPLICATE_TLV";
    case TMF_ERR_MISSING_TLV:
        return "TMF_ERR_MISSING_TLV";
    case TMF_ERR_NOT_TMF:
        return "TMF_ERR_NOT_TMF";
    case TMF_ERR_COAP:
        return "TMF_ERR_COAP";
    case TMF_ERR_NO_SPACE:
        return "TMF_ERR_NO_SPACE";
    case TMF_ERR_INVALID_ARG:
        return "TMF_ERR_INVALID_ARG";
    }
    return "TMF_ERR_?";
}

static const char *const uri_paths[] = {
    [TMF_URI_UNKNOWN] = NULL,        [TMF_URI_ADDR_QUERY] = "a/aq",
    [TMF_URI_ADDR_NOTIFY] = "a/an",  [TMF_URI_ADDR_ERROR] = "a/ae",
    [TMF_URI_ADDR_SOLICIT] = "a/as", [TMF_URI_ADDR_RELEASE] = "a/ar",
    [TMF_URI_SERVER_DATA] = "a/sd",
};

const char *tmf_uri_path(enum tmf_uri uri)
{
    if ((unsigned)uri >= sizeof(uri_paths) / sizeof(uri_paths[0]))
        return NULL;
    return uri_paths[uri];
}

enum tmf_uri tmf_uri_of(const struct coap_msg *m)
{
    for (unsigned u = TMF_URI_ADDR_QUERY; u < sizeof(uri_paths) / sizeof(uri_paths[0]); u++) {
        if (coap_msg_uri_equals(m, uri_paths[u]))
            return (enum tmf_uri)u;
    }
    return TMF_URI_UNKNOWN;
}

/* ---- TLV scan ------------------------------------------------------------- */

/* Fixed minimum value size of the known TLVs we decode, 0 = not decoded. */
static size_t fixed_len(uint8_t type)
{
    switch (type) {
    case TMF_TLV_TARGET_EID:
        return 16;
    case TMF_TLV_EXT_MAC_ADDR:
    case TMF_TLV_ML_EID:
        return 8;
    case TMF_TLV_RLOC16:
        return 2;
    case TMF_TLV_STATUS:
        return 1;
    case TMF_TLV_LAST_TRANSACTION_TIME:
    case TMF_TLV_TIMEOUT:
        return 4;
    case TMF_TLV_ROUTER_MASK:
        return 9;
    default:
        return 0;
    }
}

enum tmf_err tmf_tlvs_parse(const uint8_t *payload, size_t len, struct tmf_tlvs *out)
{
    if (out == NULL)
        return TMF_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    struct rd r = rd_init(payload, payload ? len : 0);
    while (r.left > 0) {
        uint8_t type, l8;
        if (!rd_u8(&r, &type) || !rd_u8(&r, &l8))
            return TMF_ERR_TRUNCATED;
        size_t vlen = l8;
        if (l8 == TMF_TLV_EXTENDED_LEN) {
            uint16_t l16;
            if (!rd_be16(&r, &l16))
                return TMF_ERR_TRUNCATED;
            vlen = l16;
        }
        struct rd v;
        if (!rd_sub(&r, vlen, &v))
            return TMF_ERR_TRUNCATED;

        bool known = fixed_len(type) != 0 || type == TMF_TLV_NETWORK_DATA;
        if (!known)
            continue; /* skipped */
        if (tmf_has(out, (enum tmf_tlv_type)type))
            return TMF_ERR_DUPLICATE_TLV;
        if (vlen < fixed_len(type))
            return TMF_ERR_TLV_LEN;
        switch (type) {
        case TMF_TLV_TARGET_EID:
            (void)rd_bytes(&v, out->target_eid, 16);
            break;
        case TMF_TLV_EXT_MAC_ADDR:
            (void)rd_bytes(&v, out->ext_mac, 8);
            break;
        case TMF_TLV_RLOC16:
            (void)rd_be16(&v, &out->rloc16);
            break;
        case TMF_TLV_ML_EID:
            (void)rd_bytes(&v, out->ml_eid, 8);
            break;
        case TMF_TLV_STATUS:
            (void)rd_u8(&v, &out->status);
            break;
        case TMF_TLV_LAST_TRANSACTION_TIME:
            (void)rd_be32(&v, &out->last_transaction_time);
            break;
        case TMF_TLV_TIMEOUT:
            (void)rd_be32(&v, &out->timeout);
            break;
        case TMF_TLV_ROUTER_MASK:
            (void)rd_u8(&v, &out->router_mask.id_seq);
            (void)rd_bytes(&v, out->router_mask.mask, 8);
            break;
        case TMF_TLV_NETWORK_DATA:
            out->network_data = vlen ? v.p : NULL;
            out->network_data_len = vlen;
            break;
        default:
            break;
        }
        out->present |= 1u << type;
    }
    return TMF_OK;
}

/* Scans and checks that every TLV in the mask `need` is present. */
static enum tmf_err scan(const uint8_t *payload, size_t len, uint32_t need, struct tmf_tlvs *t)
{
    enum tmf_err err = tmf_tlvs_parse(payload, len, t);
    if (err != TMF_OK)
        return err;
    if ((t->present & need) != need)
        return TMF_ERR_MISSING_TLV;
    return TMF_OK;
}

#define BIT(t) (1u << (t))

enum tmf_err tmf_parse_addr_query(const uint8_t *payload, size_t len, struct tmf_addr_query *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, BIT(TMF_TLV_TARGET_EID), &t);
    if (err != TMF_OK)
        return err;
    memcpy(out->target_eid, t.target_eid, 16);
    return TMF_OK;
}

enum tmf_err tmf_parse_addr_notify(const uint8_t *payload, size_t len, struct tmf_addr_notify *out)
{
    struct tmf_tlvs t;
    enum tmf_err err =
        scan(payload, len, BIT(TMF_TLV_TARGET_EID) | BIT(TMF_TLV_ML_EID) | BIT(TMF_TLV_RLOC16), &t);
    if (err != TMF_OK)
        return err;
    memcpy(out->target_eid, t.target_eid, 16);
    memcpy(out->ml_eid, t.ml_eid, 8);
    out->rloc16 = t.rloc16;
    out->has_last_transaction_time = tmf_has(&t, TMF_TLV_LAST_TRANSACTION_TIME);
    out->last_transaction_time = t.last_transaction_time;
    return TMF_OK;
}

enum tmf_err tmf_parse_addr_error(const uint8_t *payload, size_t len, struct tmf_addr_error *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, BIT(TMF_TLV_TARGET_EID) | BIT(TMF_TLV_ML_EID), &t);
    if (err != TMF_OK)
        return err;
    memcpy(out->target_eid, t.target_eid, 16);
    memcpy(out->ml_eid, t.ml_eid, 8);
    return TMF_OK;
}

enum tmf_err tmf_parse_addr_solicit(const uint8_t *payload, size_t len,
                                    struct tmf_addr_solicit *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, BIT(TMF_TLV_EXT_MAC_ADDR) | BIT(TMF_TLV_STATUS), &t);
    if (err != TMF_OK)
        return err;
    memcpy(out->ext_mac, t.ext_mac, 8);
    out->reason = t.status;
    out->has_rloc16 = tmf_has(&t, TMF_TLV_RLOC16);
    out->rloc16 = t.rloc16;
    return TMF_OK;
}

enum tmf_err tmf_parse_addr_solicit_rsp(const uint8_t *payload, size_t len,
                                        struct tmf_addr_solicit_rsp *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, BIT(TMF_TLV_STATUS), &t);
    if (err != TMF_OK)
        return err;
    out->status = t.status;
    out->has_rloc16 = tmf_has(&t, TMF_TLV_RLOC16);
    out->rloc16 = t.rloc16;
    out->has_router_mask = tmf_has(&t, TMF_TLV_ROUTER_MASK);
    out->router_mask = t.router_mask;
    if (out->status == TMF_STATUS_SUCCESS && (!out->has_rloc16 || !out->has_router_mask))
        return TMF_ERR_MISSING_TLV;
    return TMF_OK;
}

enum tmf_err tmf_parse_addr_release(const uint8_t *payload, size_t len,
                                    struct tmf_addr_release *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, BIT(TMF_TLV_RLOC16) | BIT(TMF_TLV_EXT_MAC_ADDR), &t);
    if (err != TMF_OK)
        return err;
    out->rloc16 = t.rloc16;
    memcpy(out->ext_mac, t.ext_mac, 8);
    return TMF_OK;
}

enum tmf_err tmf_parse_server_data(const uint8_t *payload, size_t len, struct tmf_server_data *out)
{
    struct tmf_tlvs t;
    enum tmf_err err = scan(payload, len, 0, &t);
    if (err != TMF_OK)
        return err;
    out->has_network_data = tmf_has(&t, TMF_TLV_NETWORK_DATA);
    out->network_data = t.network_data;
    out->network_data_len = t.network_data_len;
    out->has_rloc16 = tmf_has(&t, TMF_TLV_RLOC16);
    out->rloc16 = t.rloc16;
    if (!out->has_network_data && !out->has_rloc16)
        return TMF_ERR_MISSING_TLV;
    return TMF_OK;
}

/* ---- builders ------------------------------------------------------------- */

static void put_tlv(struct wr *w, uint8_t type, const void *val, size_t len)
{
    wr_u8(w, type);
    if (len >= TMF_TLV_EXTENDED_LEN) {
        wr_u8(w, TMF_TLV_EXTENDED_LEN);
        wr_be16(w, (uint16_t)len);
    } else {
        wr_u8(w, (uint8_t)len);
    }
    wr_bytes(w, val, len);
}

static void put_u16(struct wr *w, uint8_t type, uint16_t v)
{
    uint8_t b[2];
    be16_put(b, v);
    put_tlv(w, type, b, 2);
}

static void put_u32(struct wr *w, uint8_t type, uint32_t v)
{
    uint8_t b[4];
    be32_put(b, v);
    put_tlv(w, type, b, 4);
}

static void put_router_mask(struct wr *w, const struct tmf_router_mask *m)
{
    uint8_t b[9];
    b[0] = m->id_seq;
    memcpy(b + 1, m->mask, 8);
    put_tlv(w, TMF_TLV_ROUTER_MASK, b, 9);
}

static enum tmf_err finish(const struct wr *w, size_t cap, size_t *out_len)
{
    if (!w->ok)
        return TMF_ERR_NO_SPACE;
    *out_len = cap - w->left;
    return TMF_OK;
}

#define CHECK_ARGS(m, out, cap, out_len)                                                           \
    do {                                                                                           \
        if ((m) == NULL || (out_len) == NULL || ((out) == NULL && (cap) > 0))                      \
            return TMF_ERR_INVALID_ARG;                                                            \
    } while (0)

enum tmf_err tmf_build_addr_query(const struct tmf_addr_query *m, uint8_t *out, size_t cap,
                                  size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    struct wr w = wr_init(out, cap);
    put_tlv(&w, TMF_TLV_TARGET_EID, m->target_eid, 16);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_addr_notify(const struct tmf_addr_notify *m, uint8_t *out, size_t cap,
                                   size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    struct wr w = wr_init(out, cap);
    put_tlv(&w, TMF_TLV_TARGET_EID, m->target_eid, 16);
    put_tlv(&w, TMF_TLV_ML_EID, m->ml_eid, 8);
    put_u16(&w, TMF_TLV_RLOC16, m->rloc16);
    if (m->has_last_transaction_time)
        put_u32(&w, TMF_TLV_LAST_TRANSACTION_TIME, m->last_transaction_time);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_addr_error(const struct tmf_addr_error *m, uint8_t *out, size_t cap,
                                  size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    struct wr w = wr_init(out, cap);
    put_tlv(&w, TMF_TLV_TARGET_EID, m->target_eid, 16);
    put_tlv(&w, TMF_TLV_ML_EID, m->ml_eid, 8);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_addr_solicit(const struct tmf_addr_solicit *m, uint8_t *out, size_t cap,
                                    size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    struct wr w = wr_init(out, cap);
    put_tlv(&w, TMF_TLV_EXT_MAC_ADDR, m->ext_mac, 8);
    if (m->has_rloc16)
        put_u16(&w, TMF_TLV_RLOC16, m->rloc16);
    put_tlv(&w, TMF_TLV_STATUS, &m->reason, 1);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_addr_solicit_rsp(const struct tmf_addr_solicit_rsp *m, uint8_t *out,
                                        size_t cap, size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    if (m->status == TMF_STATUS_SUCCESS && (!m->has_rloc16 || !m->has_router_mask))
        return TMF_ERR_INVALID_ARG;
    struct wr w = wr_init(out, cap);
    put_tlv(&w, TMF_TLV_STATUS, &m->status, 1);
    if (m->has_rloc16)
        put_u16(&w, TMF_TLV_RLOC16, m->rloc16);
    if (m->has_router_mask)
        put_router_mask(&w, &m->router_mask);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_addr_release(const struct tmf_addr_release *m, uint8_t *out, size_t cap,
                                    size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    struct wr w = wr_init(out, cap);
    put_u16(&w, TMF_TLV_RLOC16, m->rloc16);
    put_tlv(&w, TMF_TLV_EXT_MAC_ADDR, m->ext_mac, 8);
    return finish(&w, cap, out_len);
}

enum tmf_err tmf_build_server_data(const struct tmf_server_data *m, uint8_t *out, size_t cap,
                                   size_t *out_len)
{
    CHECK_ARGS(m, out, cap, out_len);
    if (m->has_network_data &&
        (m->network_data_len > UINT16_MAX || (m->network_data_len && !m->network_data)))
        return TMF_ERR_INVALID_ARG;
    struct wr w = wr_init(out, cap);
    if (m->has_network_data)
        put_tlv(&w, TMF_TLV_NETWORK_DATA, m->network_data, m->network_data_len);
    if (m->has_rloc16)
        put_u16(&w, TMF_TLV_RLOC16, m->rloc16);
    return finish(&w, cap, out_len);
}

/* ---- whole messages ------------------------------------------------------- */

static enum tmf_err coap_fail(enum coap_err e, enum coap_err *cerr)
{
    if (cerr)
        *cerr = e;
    return e == COAP_OK ? TMF_OK : TMF_ERR_COAP;
}

enum tmf_err tmf_build_request(enum coap_type type, uint16_t mid, const uint8_t *token,
                               size_t token_len, enum tmf_uri uri, const uint8_t *payload,
                               size_t plen, uint8_t *out, size_t cap, size_t *out_len,
                               enum coap_err *cerr)
{
    if (cerr)
        *cerr = COAP_OK;
    const char *path = tmf_uri_path(uri);
    if (path == NULL || (type != COAP_TYPE_CON && type != COAP_TYPE_NON))
        return TMF_ERR_INVALID_ARG;
    struct coap_msg m;
    coap_msg_init(&m, type, COAP_CODE_POST, mid);
    enum coap_err e = coap_msg_set_token(&m, token, token_len);
    if (e == COAP_OK)
        e = coap_msg_set_uri_path(&m, path);
    if (e == COAP_OK) {
        coap_msg_set_payload(&m, payload, plen);
        e = coap_build(&m, out, cap, out_len);
    }
    return coap_fail(e, cerr);
}

enum tmf_err tmf_build_response(const struct coap_msg *req, uint8_t code, uint16_t new_mid,
                                const uint8_t *payload, size_t plen, uint8_t *out, size_t cap,
                                size_t *out_len, enum coap_err *cerr)
{
    if (cerr)
        *cerr = COAP_OK;
    if (req == NULL)
        return TMF_ERR_INVALID_ARG;
    struct coap_msg m;
    coap_msg_init_response(&m, req, code, new_mid);
    coap_msg_set_payload(&m, payload, plen);
    return coap_fail(coap_build(&m, out, cap, out_len), cerr);
}

enum tmf_err tmf_build_addr_solicit_reject(const struct coap_msg *req, uint16_t new_mid,
                                           uint8_t *out, size_t cap, size_t *out_len,
                                           enum coap_err *cerr)
{
    if (cerr)
        *cerr = COAP_OK;
    if (req == NULL)
        return TMF_ERR_INVALID_ARG;
    if ((req->type != COAP_TYPE_CON && req->type != COAP_TYPE_NON) || req->code != COAP_CODE_POST ||
        tmf_uri_of(req) != TMF_URI_ADDR_SOLICIT)
        return TMF_ERR_NOT_TMF;
    const struct tmf_addr_solicit_rsp rsp = {.status = TMF_STATUS_NO_ADDRESS_AVAILABLE};
    uint8_t payload[8];
    size_t plen;
    enum tmf_err err = tmf_build_addr_solicit_rsp(&rsp, payload, sizeof(payload), &plen);
    if (err != TMF_OK)
        return err;
    return tmf_build_response(req, COAP_CODE_CHANGED, new_mid, payload, plen, out, cap, out_len,
                              cerr);
}
