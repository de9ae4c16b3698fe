/*
 * MLE message framing, security (AES-CCM via mbedTLS) and the leader/parent
 * message builders and parsers. See mle_msg.h.
 */
#include "thread/mle_msg.h"

#include <stddef.h>
#include <string.h>

#include <mbedtls/ccm.h>
#include <mbedtls/platform_util.h>

#include "thread/keys.h"

const char *mle_cmd_name(uint8_t cmd)
{
    switch (cmd) {
    case MLE_CMD_LINK_REQUEST:
        return "Link Request";
    case MLE_CMD_LINK_ACCEPT:
        return "Link Accept";
    case MLE_CMD_LINK_ACCEPT_REQUEST:
        return "Link Accept And Request";
    case MLE_CMD_LINK_REJECT:
        return "Link Reject";
    case MLE_CMD_ADVERTISEMENT:
        return "Advertisement";
    case MLE_CMD_UPDATE:
        return "Update";
    case MLE_CMD_UPDATE_REQUEST:
        return "Update Request";
    case MLE_CMD_DATA_REQUEST:
        return "Data Request";
    case MLE_CMD_DATA_RESPONSE:
        return "Data Response";
    case MLE_CMD_PARENT_REQUEST:
        return "Parent Request";
    case MLE_CMD_PARENT_RESPONSE:
        return "Parent Response";
    case MLE_CMD_CHILD_ID_REQUEST:
        return "Child ID Request";
    case MLE_CMD_CHILD_ID_RESPONSE:
        return "Child ID Response";
    case MLE_CMD_CHILD_UPDATE_REQUEST:
        return "Child Update Request";
    case MLE_CMD_CHILD_UPDATE_RESPONSE:
        return "Child Update Response";
    case MLE_CMD_ANNOUNCE:
        return "Announce";
    case MLE_CMD_DISCOVERY_REQUEST:
        return "Discovery Request";
    case MLE_CMD_DISCOVERY_RESPONSE:
        return "Discovery Response";
    case MLE_CMD_LINK_METRICS_MGMT_REQUEST:
        return "Link Metrics Management Request";
    case MLE_CMD_LINK_METRICS_MGMT_RESPONSE:
        return "Link Metrics Management Response";
    case MLE_CMD_LINK_PROBE:
        return "Link Probe";
    case MLE_CMD_TIME_SYNC:
        return "Time Sync";
    default:
        return NULL;
    }
}

static bool is_discovery(uint8_t cmd)
{
    return cmd == MLE_CMD_DISCOVERY_REQUEST || cmd == MLE_CMD_DISCOVERY_RESPONSE;
}

enum mle_err mle_key_derive(const uint8_t network_key[16], uint32_t key_seq,
                            uint8_t key[MLE_KEY_LEN])
{
    struct thread_keys k;
    int rc = thread_keys_derive(network_key, key_seq, &k);
    memcpy(key, k.mle, MLE_KEY_LEN);
    mbedtls_platform_zeroize(&k, sizeof(k));
    return rc ? MLE_ERR_CRYPTO : MLE_OK;
}

void mle_ext_from_ip6(const uint8_t ip6[16], uint8_t ext[8])
{
    memcpy(ext, ip6 + 8, 8);
    ext[0] ^= 0x02;
}

void mle_nonce(const uint8_t ext[8], uint32_t frame_counter, uint8_t nonce[MLE_NONCE_LEN])
{
    memcpy(nonce, ext, 8);
    be32_put(nonce + 8, frame_counter);
    nonce[12] = MLE_SEC_LEVEL;
}

/* ---- framing --------------------------------------------------------- */

enum mle_err mle_frame_parse(const uint8_t *udp, size_t len, struct mle_frame *f)
{
    struct rd r = rd_init(udp, udp ? len : 0);
    memset(f, 0, sizeof(*f));
    if (!rd_u8(&r, &f->suite))
        return MLE_ERR_EMPTY;
    if (f->suite == MLE_SUITE_NONE) {
        if (r.left < 1)
            return MLE_ERR_TOO_SHORT;
        if (!is_discovery(r.p[0]))
            return MLE_ERR_UNSECURED_CMD;
        f->body = r.p;
        f->body_len = r.left;
        return MLE_OK;
    }
    if (f->suite != MLE_SUITE_SECURED)
        return MLE_ERR_SUITE;
    struct rd aux;
    uint8_t fc[4];
    if (!rd_sub(&r, MLE_AUX_LEN, &aux))
        return MLE_ERR_AUX_TRUNCATED;
    /* The sub-reader cannot fail: it holds exactly MLE_AUX_LEN bytes. */
    (void)(rd_u8(&aux, &f->aux.sec_ctl) && rd_bytes(&aux, fc, 4) &&
           rd_be32(&aux, &f->aux.key_seq) && rd_u8(&aux, &f->aux.key_index));
    f->aux.frame_counter =
        (uint32_t)fc[0] | (uint32_t)fc[1] << 8 | (uint32_t)fc[2] << 16 | (uint32_t)fc[3] << 24;
    if (f->aux.sec_ctl != MLE_SEC_CTL)
        return MLE_ERR_SEC_CTL;
    if (r.left < 1 + MLE_MIC_LEN)
        return MLE_ERR_TOO_SHORT;
    f->body = r.p;
    f->body_len = r.left - MLE_MIC_LEN;
    f->mic = r.p + f->body_len;
    return MLE_OK;
}

static void put_aux(uint8_t out[MLE_AUX_LEN], const struct mle_aux *aux)
{
    out[0] = MLE_SEC_CTL;
    out[1] = (uint8_t)aux->frame_counter;
    out[2] = (uint8_t)(aux->frame_counter >> 8);
    out[3] = (uint8_t)(aux->frame_counter >> 16);
    out[4] = (uint8_t)(aux->frame_counter >> 24);
    be32_put(out + 5, aux->key_seq);
    out[9] = aux->key_index;
}

static void make_aad(uint8_t aad[32 + MLE_AUX_LEN], const uint8_t src[16], const uint8_t dst[16],
                     const struct mle_aux *aux)
{
    memcpy(aad, src, 16);
    memcpy(aad + 16, dst, 16);
    put_aux(aad + 32, aux);
}

enum mle_err mle_unprotect(const uint8_t key[MLE_KEY_LEN], const uint8_t src[16],
                           const uint8_t dst[16], const struct mle_frame *f, uint8_t *plain,
                           size_t cap, size_t *plain_len)
{
    *plain_len = 0;
    if (!f->body || f->body_len == 0)
        return MLE_ERR_TOO_SHORT;
    if (cap < f->body_len)
        return MLE_ERR_NO_SPACE;
    if (f->suite == MLE_SUITE_NONE) {
        memcpy(plain, f->body, f->body_len);
        *plain_len = f->body_len;
        return MLE_OK;
    }
    if (!f->mic)
        return MLE_ERR_TOO_SHORT;

    uint8_t ext[8], nonce[MLE_NONCE_LEN], aad[32 + MLE_AUX_LEN];
    mle_ext_from_ip6(src, ext);
    mle_nonce(ext, f->aux.frame_counter, nonce);
    make_aad(aad, src, dst, &f->aux);

    mbedtls_ccm_context ccm;
    mbedtls_ccm_init(&ccm);
    int rc = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, key, MLE_KEY_LEN * 8);
    if (rc == 0)
        rc = mbedtls_ccm_auth_decrypt(&ccm, f->body_len, nonce, sizeof(nonce), aad, sizeof(aad),
                                      f->body, plain, f->mic, MLE_MIC_LEN);
    mbedtls_ccm_free(&ccm);
    if (rc == MBEDTLS_ERR_CCM_AUTH_FAILED) {
        mbedtls_platform_zeroize(plain, f->body_len);
        return MLE_ERR_MIC;
    }
    if (rc != 0) {
        mbedtls_platform_zeroize(plain, f->body_len);
        return MLE_ERR_CRYPTO;
    }
    if (is_discovery(plain[0])) {
        mbedtls_platform_zeroize(plain, f->body_len);
        return MLE_ERR_SECURED_DISCOVERY;
    }
    *plain_len = f->body_len;
    return MLE_OK;
}

enum mle_err mle_protect(const uint8_t key[MLE_KEY_LEN], const uint8_t src[16],
                         const uint8_t dst[16], const struct mle_aux *aux, const uint8_t *plain,
                         size_t plain_len, uint8_t *out, size_t cap, size_t *out_len)
{
    const size_t hdr = 1 + MLE_AUX_LEN;
    *out_len = 0;
    if (!plain || plain_len == 0 || plain_len > MLE_MAX_PAYLOAD - hdr - MLE_MIC_LEN)
        return MLE_ERR_ARG;
    if (cap < hdr + plain_len + MLE_MIC_LEN)
        return MLE_ERR_NO_SPACE;

    uint8_t ext[8], nonce[MLE_NONCE_LEN], aad[32 + MLE_AUX_LEN];
    mle_ext_from_ip6(src, ext);
    mle_nonce(ext, aux->frame_counter, nonce);
    make_aad(aad, src, dst, aux);

    out[0] = MLE_SUITE_SECURED;
    put_aux(out + 1, aux);
    mbedtls_ccm_context ccm;
    mbedtls_ccm_init(&ccm);
    int rc = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, key, MLE_KEY_LEN * 8);
    if (rc == 0)
        rc = mbedtls_ccm_encrypt_and_tag(&ccm, plain_len, nonce, sizeof(nonce), aad, sizeof(aad),
                                         plain, out + hdr, out + hdr + plain_len, MLE_MIC_LEN);
    mbedtls_ccm_free(&ccm);
    if (rc != 0) {
        mbedtls_platform_zeroize(out, hdr + plain_len + MLE_MIC_LEN);
        return MLE_ERR_CRYPTO;
    }
    *out_len = hdr + plain_len + MLE_MIC_LEN;
    return MLE_OK;
}

enum mle_err mle_build_unsecured(const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap,
                                 size_t *out_len)
{
    *out_len = 0;
    if (!plain || plain_len == 0 || plain_len > MLE_MAX_PAYLOAD - 1)
        return MLE_ERR_ARG;
    if (!is_discovery(plain[0]))
        return MLE_ERR_UNSECURED_CMD;
    if (cap < plain_len + 1)
        return MLE_ERR_NO_SPACE;
    out[0] = MLE_SUITE_NONE;
    memcpy(out + 1, plain, plain_len);
    *out_len = plain_len + 1;
    return MLE_OK;
}

enum mle_err mle_msg_split(const uint8_t *plain, size_t len, struct mle_msg *m, unsigned *n_unknown)
{
    struct rd r = rd_init(plain, plain ? len : 0);
    memset(m, 0, sizeof(*m));
    if (!rd_u8(&r, &m->cmd))
        return MLE_ERR_EMPTY;
    if (!mle_cmd_name(m->cmd))
        return MLE_ERR_UNKNOWN_CMD;
    m->tlvs = r.p;
    m->tlvs_len = r.left;
    return mle_tlv_validate(m->tlvs, m->tlvs_len, n_unknown, NULL);
}

/* ---- message tables ------------------------------------------------------ */

/*
 * One table per message lists its TLVs in OpenThread's order, the order the
 * builder writes (thread-sim-interop.md §3.3; mle.cpp, mle_ftd.cpp). The
 * parser looks every entry up wherever it is in the message. An entry names
 * the offsets of its value and of what it depends on in the message struct:
 *   has   NO_OFF: always written, required on parse. Else a bool: written
 *         when set; optional on parse, set when found (a bool that several
 *         entries share is set when all of them are found);
 *   gate  a second bool the builder also needs (parse ignores it);
 *   aux   FK_BYTES: the uint8_t length; FK_ORDERED: the uint8_t n_order;
 *   alt   FK_U32 only: written (and filled on parse) when *has is clear;
 *   FF_NEED  the builder refuses (MLE_ERR_ARG) a message whose *has is clear;
 *   FK_ORDERED  the next `pool` entries are written in the order of the
 *         message's order[] (FF_ALL: n_order 0 means table order).
 */
enum fld_kind {
    FK_U8,
    FK_U16,
    FK_U32,
    FK_CHALLENGE,
    FK_LEADER,
    FK_ROUTE,
    FK_CONN,
    FK_ADDR_REG,
    FK_TIMESTAMP,
    FK_CHANNEL,
    FK_BYTES, /* const uint8_t * value, opaque */
    FK_ORDERED,
};

#define NO_OFF 0xffffu
#define FF_NEED 0x01
#define FF_ALL 0x02

struct fld {
    uint8_t type;  /* TLV type */
    uint8_t kind;  /* enum fld_kind */
    uint8_t flags; /* FF_* */
    uint8_t pool;  /* FK_ORDERED: how many entries follow */
    uint16_t val, has, gate, aux, alt;
};

#define OFF(f) ((uint16_t)offsetof(MSG, f))
#define FLD(t, k, v, h, g, a, alt_, fl)                                                            \
    {                                                                                              \
        MLE_TLV_##t, FK_##k, fl, 0, OFF(v), h, g, a, alt_                                          \
    }
#define REQ(t, k, v) FLD(t, k, v, NO_OFF, NO_OFF, NO_OFF, NO_OFF, 0)
#define OPT(t, k, v, h) FLD(t, k, v, OFF(h), NO_OFF, NO_OFF, NO_OFF, 0)
#define NEED(t, k, v, h) FLD(t, k, v, OFF(h), NO_OFF, NO_OFF, NO_OFF, FF_NEED)
#define GATED(t, k, v, h, g) FLD(t, k, v, OFF(h), OFF(g), NO_OFF, NO_OFF, 0)
#define OR_ELSE(t, v, h, a) FLD(t, U32, v, OFF(h), NO_OFF, NO_OFF, OFF(a), 0)
#define REQ_BYTES(t, v, n) FLD(t, BYTES, v, NO_OFF, NO_OFF, OFF(n), NO_OFF, 0)
#define OPT_BYTES(t, v, n, h) FLD(t, BYTES, v, OFF(h), NO_OFF, OFF(n), NO_OFF, 0)
#define ORDERED(n_pool, fl)                                                                        \
    {                                                                                              \
        0, FK_ORDERED, fl, n_pool, OFF(order), NO_OFF, NO_OFF, OFF(n_order), NO_OFF                \
    }
#define N_FLD(tbl) (sizeof(tbl) / sizeof((tbl)[0]))

#define MSG struct mle_parent_request
static const struct fld parent_request[] = {
    REQ(MODE, U8, mode),
    REQ(CHALLENGE, CHALLENGE, challenge),
    REQ(SCAN_MASK, U8, scan_mask),
    REQ(VERSION, U16, version),
};
#undef MSG

#define MSG struct mle_parent_response
static const struct fld parent_response[] = {
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    REQ(LEADER_DATA, LEADER, leader),
    REQ(LINK_FRAME_COUNTER, U32, link_fc),
    REQ(MLE_FRAME_COUNTER, U32, mle_fc),
    REQ(RESPONSE, CHALLENGE, response),
    REQ(CHALLENGE, CHALLENGE, challenge),
    REQ(LINK_MARGIN, U8, link_margin),
    REQ(CONNECTIVITY, CONN, conn),
    REQ(VERSION, U16, version),
};
#undef MSG

#define MSG struct mle_advertisement
static const struct fld advertisement[] = {
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    REQ(LEADER_DATA, LEADER, leader),
    OPT(ROUTE64, ROUTE, route, has_route),
};
#undef MSG

/* The MLE FC defaults to the link FC (OpenThread ReadFrameCounterTlvs). */
#define MSG struct mle_child_id_request
static const struct fld child_id_request[] = {
    REQ(RESPONSE, CHALLENGE, response),
    REQ(LINK_FRAME_COUNTER, U32, link_fc),
    OR_ELSE(MLE_FRAME_COUNTER, mle_fc, has_mle_fc, link_fc),
    REQ(MODE, U8, mode),
    REQ(TIMEOUT, U32, timeout),
    REQ(VERSION, U16, version),
    OPT(ADDRESS_REGISTRATION, ADDR_REG, addr_reg, has_addr_reg),
    REQ_BYTES(TLV_REQUEST, tlv_request, n_tlv_request),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
    OPT(SUPERVISION_INTERVAL, U16, supervision, has_supervision),
};
#undef MSG

/* Network Data is in the pool (it follows the order) but required on parse. */
#define MSG struct mle_child_id_response
static const struct fld child_id_response[] = {
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    REQ(LEADER_DATA, LEADER, leader),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
    REQ(ADDRESS16, U16, address16),
    ORDERED(5, 0),
    OPT_BYTES(NETWORK_DATA, netdata, netdata_len, has_netdata),
    OPT(ROUTE64, ROUTE, route, has_route),
    OPT(SUPERVISION_INTERVAL, U16, supervision, has_supervision),
    OPT_BYTES(ACTIVE_DATASET, active_dataset, active_dataset_len, has_active_dataset),
    OPT_BYTES(PENDING_DATASET, pending_dataset, pending_dataset_len, has_pending_dataset),
    OPT(ADDRESS_REGISTRATION, ADDR_REG, addr_reg, has_addr_reg),
};
#undef MSG

/* The timestamps go with Network Data only (SendChildUpdateResponseToChild). */
#define MSG struct mle_child_update_response
static const struct fld child_update_response[] = {
    OPT(RESPONSE, CHALLENGE, response, has_response),
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    OPT(STATUS, U8, status, has_status),
    OPT(MODE, U8, mode, has_mode),
    OPT(LINK_MARGIN, U8, link_margin, has_link_margin),
    OPT(LEADER_DATA, LEADER, leader, has_leader),
    OPT(MLE_FRAME_COUNTER, U32, mle_fc, has_fcs),
    OPT(LINK_FRAME_COUNTER, U32, link_fc, has_fcs),
    OPT(ADDRESS_REGISTRATION, ADDR_REG, addr_reg, has_addr_reg),
    OPT(TIMEOUT, U32, timeout, has_timeout),
    OPT(SUPERVISION_INTERVAL, U16, supervision, has_supervision),
    OPT_BYTES(NETWORK_DATA, netdata, netdata_len, has_netdata),
    GATED(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts, has_netdata),
    GATED(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts, has_netdata),
};
#undef MSG

#define MSG struct mle_child_update_request
/* What a parent sends (SendChildUpdateRequestToChild). */
static const struct fld child_update_request_from_parent[] = {
    NEED(SOURCE_ADDRESS, U16, src_rloc16, has_src),
    NEED(LEADER_DATA, LEADER, leader, has_leader),
    OPT_BYTES(NETWORK_DATA, netdata, netdata_len, has_netdata),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
    OPT(LINK_MARGIN, U8, link_margin, has_link_margin),
    OPT_BYTES(TLV_REQUEST, tlv_request, n_tlv_request, has_tlv_request),
    OPT(CHALLENGE, CHALLENGE, challenge, has_challenge),
};
/* What a child sends (mle.cpp SendChildUpdateRequest). */
static const struct fld child_update_request_from_child[] = {
    NEED(MODE, U8, mode, has_mode),
    OPT(CHALLENGE, CHALLENGE, challenge, has_challenge),
    OPT(SOURCE_ADDRESS, U16, src_rloc16, has_src),
    OPT(LEADER_DATA, LEADER, leader, has_leader),
    OPT(TIMEOUT, U32, timeout, has_timeout),
    OPT(ADDRESS_REGISTRATION, ADDR_REG, addr_reg, has_addr_reg),
    OPT_BYTES(TLV_REQUEST, tlv_request, n_tlv_request, has_tlv_request),
};
/* Parse only: every field, from either side. */
static const struct fld child_update_request_any[] = {
    OPT(MODE, U8, mode, has_mode),
    OPT(SOURCE_ADDRESS, U16, src_rloc16, has_src),
    OPT(LEADER_DATA, LEADER, leader, has_leader),
    OPT(TIMEOUT, U32, timeout, has_timeout),
    OPT(ADDRESS_REGISTRATION, ADDR_REG, addr_reg, has_addr_reg),
    OPT(CHALLENGE, CHALLENGE, challenge, has_challenge),
    OPT_BYTES(TLV_REQUEST, tlv_request, n_tlv_request, has_tlv_request),
    OPT(SUPERVISION_INTERVAL, U16, supervision, has_supervision),
    OPT(CSL_TIMEOUT, U32, csl_timeout, has_csl_timeout),
    OPT(CSL_CHANNEL, CHANNEL, csl_channel, has_csl_channel),
    OPT_BYTES(NETWORK_DATA, netdata, netdata_len, has_netdata),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
    OPT(LINK_MARGIN, U8, link_margin, has_link_margin),
};
#undef MSG

#define MSG struct mle_data_request
static const struct fld data_request[] = {
    REQ_BYTES(TLV_REQUEST, tlv_request, n_tlv_request),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
};
#undef MSG

/* Default order (n_order 0): the pool's, as SendDataResponse. */
#define MSG struct mle_data_response
static const struct fld data_response[] = {
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    REQ(LEADER_DATA, LEADER, leader),
    OPT(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts, has_active_ts),
    OPT(PENDING_TIMESTAMP, TIMESTAMP, pending_ts, has_pending_ts),
    ORDERED(4, FF_ALL),
    OPT_BYTES(NETWORK_DATA, netdata, netdata_len, has_netdata),
    OPT_BYTES(ACTIVE_DATASET, active_dataset, active_dataset_len, has_active_dataset),
    OPT_BYTES(PENDING_DATASET, pending_dataset, pending_dataset_len, has_pending_dataset),
    OPT(ROUTE64, ROUTE, route, has_route),
};
#undef MSG

#define MSG struct mle_link_request
static const struct fld link_request[] = {
    REQ(VERSION, U16, version),
    OPT_BYTES(TLV_REQUEST, tlv_request, n_tlv_request, has_tlv_request),
    OPT(SOURCE_ADDRESS, U16, src_rloc16, has_src),
    OPT(LEADER_DATA, LEADER, leader, has_leader),
    REQ(CHALLENGE, CHALLENGE, challenge),
};
#undef MSG

#define MSG struct mle_link_accept
static const struct fld link_accept[] = {
    REQ(VERSION, U16, version),
    REQ(SOURCE_ADDRESS, U16, src_rloc16),
    REQ(RESPONSE, CHALLENGE, response),
    REQ(LINK_FRAME_COUNTER, U32, link_fc),
    OR_ELSE(MLE_FRAME_COUNTER, mle_fc, has_mle_fc, link_fc),
    OPT(LINK_MARGIN, U8, link_margin, has_link_margin),
    OPT(LEADER_DATA, LEADER, leader, has_leader),
    OPT(ROUTE64, ROUTE, route, has_route),
    OPT(ADDRESS16, U16, address16, has_address16),
    OPT(CHALLENGE, CHALLENGE, challenge, has_challenge),
    OPT_BYTES(TLV_REQUEST, tlv_request, n_tlv_request, has_tlv_request),
};
#undef MSG

#define MSG struct mle_announce
static const struct fld announce[] = {
    REQ(CHANNEL, CHANNEL, channel),
    REQ(ACTIVE_TIMESTAMP, TIMESTAMP, active_ts),
    REQ(PAN_ID, U16, pan_id),
};
#undef MSG

/* ---- the builder and the parser that walk a table ------------------------- */

static const void *at(const void *m, uint16_t off)
{
    return (const uint8_t *)m + off;
}

static void *at_mut(void *m, uint16_t off)
{
    return (uint8_t *)m + off;
}

static bool is_set(const void *m, uint16_t off)
{
    return off == NO_OFF || *(const bool *)at(m, off);
}

static uint8_t u8_at(const void *m, uint16_t off)
{
    return *(const uint8_t *)at(m, off);
}

static bool challenge_ok(const struct mle_challenge *c)
{
    return c->len >= MLE_CHALLENGE_MIN && c->len <= MLE_CHALLENGE_MAX;
}

static bool route_ok(const struct mle_route64 *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 64; i++)
        if (r->mask[i / 8] & (0x80u >> (i % 8)))
            n++;
    return n == r->n && !(r->mask[7] & 1);
}

/* A value the builder would write must be one a parser accepts. */
static bool fld_ok(const struct fld *f, const void *m)
{
    if (!is_set(m, f->has))
        return !(f->flags & FF_NEED);
    const void *v = at(m, f->val);
    switch (f->kind) {
    case FK_CHALLENGE:
        return challenge_ok(v);
    case FK_ROUTE:
        return route_ok(v);
    case FK_BYTES:
        return u8_at(m, f->aux) == 0 || *(const uint8_t *const *)v != NULL;
    case FK_ORDERED:
        return u8_at(m, f->aux) <= MLE_ORDER_MAX;
    default:
        return true;
    }
}

static void put_value(struct wr *w, const struct fld *f, const void *m, uint16_t off)
{
    const void *v = at(m, off);
    switch (f->kind) {
    case FK_U8:
        mle_put_u8(w, f->type, *(const uint8_t *)v);
        break;
    case FK_U16:
        mle_put_u16(w, f->type, *(const uint16_t *)v);
        break;
    case FK_U32:
        mle_put_u32(w, f->type, *(const uint32_t *)v);
        break;
    case FK_CHALLENGE:
        mle_put_challenge(w, f->type, v);
        break;
    case FK_LEADER:
        mle_put_leader_data(w, v);
        break;
    case FK_ROUTE:
        mle_put_route64(w, v);
        break;
    case FK_CONN:
        mle_put_connectivity(w, v);
        break;
    case FK_ADDR_REG:
        mle_put_addr_reg(w, v);
        break;
    case FK_TIMESTAMP:
        mle_put_timestamp(w, f->type, v);
        break;
    case FK_CHANNEL:
        mle_put_channel(w, f->type, v);
        break;
    case FK_BYTES:
        mle_put_tlv(w, f->type, *(const uint8_t *const *)v, u8_at(m, f->aux));
        break;
    default:
        break;
    }
}

static void put_fld(struct wr *w, const struct fld *f, const void *m)
{
    if (is_set(m, f->has) && is_set(m, f->gate))
        put_value(w, f, m, f->val);
    else if (f->alt != NO_OFF && !is_set(m, f->has))
        put_value(w, f, m, f->alt);
}

/* The pool that follows an FK_ORDERED entry, in the message's order. */
static void put_ordered(struct wr *w, const struct fld *f, const void *m)
{
    const uint8_t *order = at(m, f->val);
    unsigned n = u8_at(m, f->aux);
    if (n == 0 && (f->flags & FF_ALL)) {
        for (unsigned j = 1; j <= f->pool; j++)
            put_fld(w, &f[j], m);
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 1; j <= f->pool; j++) {
            if (f[j].type == order[i]) {
                put_fld(w, &f[j], m);
                break;
            }
        }
    }
}

static enum mle_err finish(struct wr *w, uint8_t *out, size_t *len)
{
    if (!w->ok) {
        *len = 0;
        return MLE_ERR_NO_SPACE;
    }
    *len = (size_t)(w->p - out);
    return MLE_OK;
}

/* Writes command || the TLVs of table f[n] taken from message struct m. */
static enum mle_err build(uint8_t cmd, const struct fld *f, size_t n, const void *m, uint8_t *out,
                          size_t cap, size_t *len)
{
    *len = 0;
    for (size_t i = 0; i < n; i++)
        if (!fld_ok(&f[i], m))
            return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, cmd);
    for (size_t i = 0; i < n; i++) {
        if (f[i].kind == FK_ORDERED) {
            put_ordered(&w, &f[i], m);
            i += f[i].pool;
        } else {
            put_fld(&w, &f[i], m);
        }
    }
    return finish(&w, out, len);
}

static enum mle_err get_value(const struct mle_tlv *t, const struct fld *f, void *m)
{
    void *v = at_mut(m, f->val);
    switch (f->kind) {
    case FK_U8:
        return mle_tlv_u8(t, v);
    case FK_U16:
        return mle_tlv_u16(t, v);
    case FK_U32:
        return mle_tlv_u32(t, v);
    case FK_CHALLENGE:
        return mle_tlv_challenge(t, v);
    case FK_LEADER:
        return mle_tlv_leader_data(t, v);
    case FK_ROUTE:
        return mle_tlv_route64(t, v);
    case FK_CONN:
        return mle_tlv_connectivity(t, v);
    case FK_ADDR_REG:
        return mle_tlv_addr_reg(t, v);
    case FK_TIMESTAMP:
        return mle_tlv_timestamp(t, v);
    case FK_CHANNEL:
        return mle_tlv_channel(t, v);
    case FK_BYTES:
        *(const uint8_t **)v = t->value;
        *(uint8_t *)at_mut(m, f->aux) = t->len;
        return MLE_OK;
    default:
        return MLE_OK;
    }
}

static enum mle_err parse_fields(const struct mle_msg *msg, const struct fld *f, size_t n, void *m)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].has != NO_OFF)
            *(bool *)at_mut(m, f[i].has) = true;
    for (size_t i = 0; i < n; i++) {
        struct mle_tlv t;
        if (f[i].kind == FK_ORDERED)
            continue; /* its pool entries are ordinary entries here */
        enum mle_err e = mle_tlv_find(msg->tlvs, msg->tlvs_len, f[i].type, &t);
        if (e == MLE_ERR_TLV_MISSING && f[i].has != NO_OFF) {
            *(bool *)at_mut(m, f[i].has) = false;
            if (f[i].alt != NO_OFF)
                *(uint32_t *)at_mut(m, f[i].val) = *(const uint32_t *)at(m, f[i].alt);
            continue;
        }
        if (e == MLE_OK)
            e = get_value(&t, &f[i], m);
        if (e != MLE_OK)
            return e;
    }
    return MLE_OK;
}

/*
 * Checks the command, validates every TLV (mle_msg_split) and fills the
 * message struct m (size bytes, zeroed first) from table f[n]. On error m is
 * all zero. *msg (optional) gets the TLVs for what the table cannot say.
 */
static enum mle_err parse(uint8_t cmd, const struct fld *f, size_t n, const uint8_t *plain,
                          size_t len, void *m, size_t size, struct mle_msg *msg)
{
    struct mle_msg local;
    if (!msg)
        msg = &local;
    memset(m, 0, size);
    enum mle_err e = mle_msg_split(plain, len, msg, NULL);
    if (e == MLE_OK && msg->cmd != cmd)
        e = MLE_ERR_WRONG_CMD;
    if (e == MLE_OK)
        e = parse_fields(msg, f, n, m);
    if (e != MLE_OK)
        memset(m, 0, size);
    return e;
}

#define BUILD(cmd, tbl) build(MLE_CMD_##cmd, tbl, N_FLD(tbl), m, out, cap, len)
#define PARSE(cmd, tbl, msg) parse(MLE_CMD_##cmd, tbl, N_FLD(tbl), plain, len, m, sizeof(*m), msg)

/* ---- messages a leader/parent receives ----------------------------------- */

enum mle_err mle_parse_parent_request(const uint8_t *plain, size_t len,
                                      struct mle_parent_request *m)
{
    return PARSE(PARENT_REQUEST, parent_request, NULL);
}

enum mle_err mle_parse_child_id_request(const uint8_t *plain, size_t len,
                                        struct mle_child_id_request *m)
{
    return PARSE(CHILD_ID_REQUEST, child_id_request, NULL);
}

enum mle_err mle_parse_child_update_request(const uint8_t *plain, size_t len,
                                            struct mle_child_update_request *m)
{
    enum mle_err e = PARSE(CHILD_UPDATE_REQUEST, child_update_request_any, NULL);
    /* A child always sends its Mode (OpenThread HandleChildUpdateRequestOnParent). */
    return e != MLE_OK ? e : m->has_mode ? MLE_OK : MLE_ERR_TLV_MISSING;
}

enum mle_err mle_parse_data_request(const uint8_t *plain, size_t len, struct mle_data_request *m)
{
    return PARSE(DATA_REQUEST, data_request, NULL);
}

enum mle_err mle_parse_link_request(const uint8_t *plain, size_t len, struct mle_link_request *m)
{
    return PARSE(LINK_REQUEST, link_request, NULL);
}

enum mle_err mle_build_link_request(const struct mle_link_request *m, uint8_t *out, size_t cap,
                                    size_t *len)
{
    return BUILD(LINK_REQUEST, link_request);
}

static bool is_link_accept(uint8_t cmd)
{
    return cmd == MLE_CMD_LINK_ACCEPT || cmd == MLE_CMD_LINK_ACCEPT_REQUEST;
}

enum mle_err mle_build_link_accept(const struct mle_link_accept *m, uint8_t *out, size_t cap,
                                   size_t *len)
{
    *len = 0;
    if (!is_link_accept(m->cmd))
        return MLE_ERR_WRONG_CMD;
    if (m->cmd == MLE_CMD_LINK_ACCEPT_REQUEST && !m->has_challenge)
        return MLE_ERR_ARG;
    return build(m->cmd, link_accept, N_FLD(link_accept), m, out, cap, len);
}

enum mle_err mle_parse_link_accept(const uint8_t *plain, size_t len, struct mle_link_accept *m)
{
    uint8_t cmd = plain && len ? plain[0] : 0xff;
    if (!is_link_accept(cmd)) {
        memset(m, 0, sizeof(*m));
        return plain && len ? MLE_ERR_WRONG_CMD : MLE_ERR_EMPTY;
    }
    enum mle_err e = parse(cmd, link_accept, N_FLD(link_accept), plain, len, m, sizeof(*m), NULL);
    if (e == MLE_OK)
        m->cmd = cmd;
    return e;
}

enum mle_err mle_parse_announce(const uint8_t *plain, size_t len, struct mle_announce *m)
{
    return PARSE(ANNOUNCE, announce, NULL);
}

enum mle_err mle_parse_discovery(const uint8_t *plain, size_t len, struct mle_discovery *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    enum mle_err e = mle_msg_split(plain, len, &msg, NULL);
    if (e != MLE_OK)
        return e;
    if (!is_discovery(msg.cmd))
        return MLE_ERR_WRONG_CMD;
    m->cmd = msg.cmd;
    e = mle_tlv_find(msg.tlvs, msg.tlvs_len, MLE_TLV_DISCOVERY, &t);
    if (e != MLE_OK)
        return e;
    m->discovery = t.value;
    m->discovery_len = t.len;
    return MLE_OK;
}

/* ---- builders and parsers of what a parent sends ------------------------- */

enum mle_err mle_build_advertisement(const struct mle_advertisement *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    return BUILD(ADVERTISEMENT, advertisement);
}

enum mle_err mle_parse_advertisement(const uint8_t *plain, size_t len, struct mle_advertisement *m)
{
    return PARSE(ADVERTISEMENT, advertisement, NULL);
}

enum mle_err mle_build_parent_response(const struct mle_parent_response *m, uint8_t *out,
                                       size_t cap, size_t *len)
{
    return BUILD(PARENT_RESPONSE, parent_response);
}

enum mle_err mle_parse_parent_response(const uint8_t *plain, size_t len,
                                       struct mle_parent_response *m)
{
    return PARSE(PARENT_RESPONSE, parent_response, NULL);
}

enum mle_err mle_build_child_id_response(const struct mle_child_id_response *m, uint8_t *out,
                                         size_t cap, size_t *len)
{
    return BUILD(CHILD_ID_RESPONSE, child_id_response);
}

static void order_add(uint8_t order[MLE_ORDER_MAX], uint8_t *n, uint8_t type)
{
    for (unsigned i = 0; i < *n; i++)
        if (order[i] == type)
            return;
    if (*n < MLE_ORDER_MAX)
        order[(*n)++] = type;
}

/* The entries that the FK_ORDERED entry of table f[n] orders. */
static const struct fld *pool_of(const struct fld *f, size_t n, unsigned *n_pool)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i].kind == FK_ORDERED) {
            *n_pool = f[i].pool;
            return &f[i + 1];
        }
    }
    *n_pool = 0;
    return NULL;
}

static bool in_pool(const struct fld *pool, unsigned n_pool, uint8_t type)
{
    for (unsigned j = 0; j < n_pool; j++)
        if (pool[j].type == type)
            return true;
    return false;
}

enum mle_err mle_parse_child_id_response(const uint8_t *plain, size_t len,
                                         struct mle_child_id_response *m)
{
    struct mle_msg msg;
    enum mle_err e = PARSE(CHILD_ID_RESPONSE, child_id_response, &msg);
    if (e != MLE_OK)
        return e;
    if (!m->has_netdata)
        return MLE_ERR_TLV_MISSING;

    /* Record the order of the pool TLVs that follow Address16. */
    unsigned n_pool;
    const struct fld *pool = pool_of(child_id_response, N_FLD(child_id_response), &n_pool);
    struct mle_tlv_iter it;
    struct mle_tlv t;
    bool after = false;
    mle_tlv_iter_init(&it, msg.tlvs, msg.tlvs_len);
    while (mle_tlv_next(&it, &t)) {
        if (t.type == MLE_TLV_ADDRESS16)
            after = true;
        else if (after && in_pool(pool, n_pool, t.type))
            order_add(m->order, &m->n_order, t.type);
    }
    /* Optional TLVs found before Address16 go last, so that building from
     * the parsed struct keeps every value it holds. */
    for (unsigned j = 0; j < n_pool; j++)
        if (is_set(m, pool[j].has))
            order_add(m->order, &m->n_order, pool[j].type);
    return MLE_OK;
}

void mle_child_id_response_order(const struct mle_child_id_request *req,
                                 const struct mle_timestamp *our_active,
                                 const struct mle_timestamp *our_pending,
                                 struct mle_child_id_response *m)
{
    m->n_order = 0;
    for (unsigned i = 0; req->tlv_request && i < req->n_tlv_request; i++)
        order_add(m->order, &m->n_order, req->tlv_request[i]);
    if (req->has_supervision)
        order_add(m->order, &m->n_order, MLE_TLV_SUPERVISION_INTERVAL);
    if (!req->has_active_ts || !our_active || mle_timestamp_cmp(&req->active_ts, our_active))
        order_add(m->order, &m->n_order, MLE_TLV_ACTIVE_DATASET);
    if (!req->has_pending_ts || !our_pending || mle_timestamp_cmp(&req->pending_ts, our_pending))
        order_add(m->order, &m->n_order, MLE_TLV_PENDING_DATASET);
}

enum mle_err mle_build_child_update_response(const struct mle_child_update_response *m,
                                             uint8_t *out, size_t cap, size_t *len)
{
    return BUILD(CHILD_UPDATE_RESPONSE, child_update_response);
}

enum mle_err mle_parse_child_update_response(const uint8_t *plain, size_t len,
                                             struct mle_child_update_response *m)
{
    enum mle_err e = PARSE(CHILD_UPDATE_RESPONSE, child_update_response, NULL);
    if (e == MLE_OK && !m->has_status && (!m->has_leader || !m->has_mode))
        e = MLE_ERR_TLV_MISSING;
    return e;
}

enum mle_err mle_parse_child_update_response_from_child(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_response *m)
{
    enum mle_err e = PARSE(CHILD_UPDATE_RESPONSE, child_update_response, NULL);
    /* OpenThread's child (mle.cpp SendChildUpdateResponse) always sends
     * Source Address and Leader Data, then what was asked; no Mode. */
    return e != MLE_OK ? e : m->has_leader ? MLE_OK : MLE_ERR_TLV_MISSING;
}

enum mle_err mle_build_child_update_request(const struct mle_child_update_request *m, uint8_t *out,
                                            size_t cap, size_t *len)
{
    return BUILD(CHILD_UPDATE_REQUEST, child_update_request_from_parent);
}

enum mle_err mle_build_data_response(const struct mle_data_response *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    return BUILD(DATA_RESPONSE, data_response);
}

enum mle_err mle_parse_data_response(const uint8_t *plain, size_t len, struct mle_data_response *m)
{
    struct mle_msg msg;
    enum mle_err e = PARSE(DATA_RESPONSE, data_response, &msg);
    if (e != MLE_OK)
        return e;
    /* Every pool TLV in message order (the builder's order[]). */
    unsigned n_pool;
    const struct fld *pool = pool_of(data_response, N_FLD(data_response), &n_pool);
    struct mle_tlv_iter it;
    struct mle_tlv t;
    mle_tlv_iter_init(&it, msg.tlvs, msg.tlvs_len);
    while (mle_tlv_next(&it, &t))
        if (in_pool(pool, n_pool, t.type) && m->n_order < MLE_ORDER_MAX)
            m->order[m->n_order++] = t.type;
    return MLE_OK;
}

/* ---- child side ---------------------------------------------------------- */

enum mle_err mle_build_parent_request(const struct mle_parent_request *m, uint8_t *out, size_t cap,
                                      size_t *len)
{
    return BUILD(PARENT_REQUEST, parent_request);
}

enum mle_err mle_build_child_id_request(const struct mle_child_id_request *m, uint8_t *out,
                                        size_t cap, size_t *len)
{
    return BUILD(CHILD_ID_REQUEST, child_id_request);
}

enum mle_err mle_build_child_update_request_from_child(const struct mle_child_update_request *m,
                                                       uint8_t *out, size_t cap, size_t *len)
{
    return BUILD(CHILD_UPDATE_REQUEST, child_update_request_from_child);
}

enum mle_err mle_build_data_request(const struct mle_data_request *m, uint8_t *out, size_t cap,
                                    size_t *len)
{
    return BUILD(DATA_REQUEST, data_request);
}

enum mle_err mle_parse_child_update_request_from_parent(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_request *m)
{
    enum mle_err e = PARSE(CHILD_UPDATE_REQUEST, child_update_request_any, NULL);
    /* OpenThread's child (mle.cpp HandleChildUpdateRequestOnChild) needs the
     * parent's Source Address and Leader Data. */
    return e != MLE_OK ? e : m->has_src && m->has_leader ? MLE_OK : MLE_ERR_TLV_MISSING;
}
