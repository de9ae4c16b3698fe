/*
 * MLE message framing, security (AES-CCM via mbedTLS) and the leader/parent
 * message builders and parsers. See mle_msg.h.
 */
#include "thread/mle_msg.h"

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

/* ---- parser helpers ---------------------------------------------------- */

static enum mle_err begin(const uint8_t *plain, size_t len, uint8_t cmd, struct mle_msg *m)
{
    enum mle_err e = mle_msg_split(plain, len, m, NULL);
    if (e != MLE_OK)
        return e;
    return m->cmd == cmd ? MLE_OK : MLE_ERR_WRONG_CMD;
}

/* Finds an optional TLV: MLE_OK with *has set or cleared. */
static enum mle_err opt(const struct mle_msg *m, uint8_t type, struct mle_tlv *t, bool *has)
{
    enum mle_err e = mle_tlv_find(m->tlvs, m->tlvs_len, type, t);
    *has = e == MLE_OK;
    return e == MLE_ERR_TLV_MISSING ? MLE_OK : e;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        enum mle_err e_ = (expr);                                                                  \
        if (e_ != MLE_OK)                                                                          \
            return e_;                                                                             \
    } while (0)

static enum mle_err req_u8(const struct mle_msg *m, uint8_t type, uint8_t *v)
{
    return mle_find_u8(m->tlvs, m->tlvs_len, type, v);
}

static enum mle_err req_u16(const struct mle_msg *m, uint8_t type, uint16_t *v)
{
    return mle_find_u16(m->tlvs, m->tlvs_len, type, v);
}

static enum mle_err req_u32(const struct mle_msg *m, uint8_t type, uint32_t *v)
{
    return mle_find_u32(m->tlvs, m->tlvs_len, type, v);
}

static enum mle_err req(const struct mle_msg *m, uint8_t type, struct mle_tlv *t)
{
    return mle_tlv_find(m->tlvs, m->tlvs_len, type, t);
}

/* ---- parsers of received messages --------------------------------------- */

enum mle_err mle_parse_parent_request(const uint8_t *plain, size_t len,
                                      struct mle_parent_request *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_PARENT_REQUEST, &msg));
    TRY(req_u8(&msg, MLE_TLV_MODE, &m->mode));
    TRY(req(&msg, MLE_TLV_CHALLENGE, &t));
    TRY(mle_tlv_challenge(&t, &m->challenge));
    TRY(req_u8(&msg, MLE_TLV_SCAN_MASK, &m->scan_mask));
    TRY(req_u16(&msg, MLE_TLV_VERSION, &m->version));
    return MLE_OK;
}

static enum mle_err opt_timestamp(const struct mle_msg *m, uint8_t type, bool *has,
                                  struct mle_timestamp *ts)
{
    struct mle_tlv t;
    TRY(opt(m, type, &t, has));
    return *has ? mle_tlv_timestamp(&t, ts) : MLE_OK;
}

static enum mle_err opt_addr_reg(const struct mle_msg *m, bool *has, struct mle_addr_reg *ar)
{
    struct mle_tlv t;
    TRY(opt(m, MLE_TLV_ADDRESS_REGISTRATION, &t, has));
    return *has ? mle_tlv_addr_reg(&t, ar) : MLE_OK;
}

static enum mle_err opt_u16(const struct mle_msg *m, uint8_t type, bool *has, uint16_t *v)
{
    struct mle_tlv t;
    TRY(opt(m, type, &t, has));
    return *has ? mle_tlv_u16(&t, v) : MLE_OK;
}

static enum mle_err opt_u32(const struct mle_msg *m, uint8_t type, bool *has, uint32_t *v)
{
    struct mle_tlv t;
    TRY(opt(m, type, &t, has));
    return *has ? mle_tlv_u32(&t, v) : MLE_OK;
}

static enum mle_err opt_u8(const struct mle_msg *m, uint8_t type, bool *has, uint8_t *v)
{
    struct mle_tlv t;
    TRY(opt(m, type, &t, has));
    return *has ? mle_tlv_u8(&t, v) : MLE_OK;
}

static enum mle_err opt_leader(const struct mle_msg *m, bool *has, struct mle_leader_data *ld)
{
    struct mle_tlv t;
    TRY(opt(m, MLE_TLV_LEADER_DATA, &t, has));
    return *has ? mle_tlv_leader_data(&t, ld) : MLE_OK;
}

static enum mle_err opt_route(const struct mle_msg *m, bool *has, struct mle_route64 *r)
{
    struct mle_tlv t;
    TRY(opt(m, MLE_TLV_ROUTE64, &t, has));
    return *has ? mle_tlv_route64(&t, r) : MLE_OK;
}

static enum mle_err opt_bytes(const struct mle_msg *m, uint8_t type, bool *has, const uint8_t **v,
                              uint8_t *n)
{
    struct mle_tlv t;
    TRY(opt(m, type, &t, has));
    *v = *has ? t.value : NULL;
    *n = *has ? t.len : 0;
    return MLE_OK;
}

static enum mle_err req_leader(const struct mle_msg *m, struct mle_leader_data *ld)
{
    struct mle_tlv t;
    TRY(req(m, MLE_TLV_LEADER_DATA, &t));
    return mle_tlv_leader_data(&t, ld);
}

enum mle_err mle_parse_child_id_request(const uint8_t *plain, size_t len,
                                        struct mle_child_id_request *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    bool has_req;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_CHILD_ID_REQUEST, &msg));
    TRY(req(&msg, MLE_TLV_RESPONSE, &t));
    TRY(mle_tlv_challenge(&t, &m->response));
    TRY(req_u32(&msg, MLE_TLV_LINK_FRAME_COUNTER, &m->link_fc));
    TRY(opt_u32(&msg, MLE_TLV_MLE_FRAME_COUNTER, &m->has_mle_fc, &m->mle_fc));
    if (!m->has_mle_fc)
        m->mle_fc = m->link_fc;
    TRY(req_u8(&msg, MLE_TLV_MODE, &m->mode));
    TRY(req_u32(&msg, MLE_TLV_TIMEOUT, &m->timeout));
    TRY(req_u16(&msg, MLE_TLV_VERSION, &m->version));
    TRY(opt_bytes(&msg, MLE_TLV_TLV_REQUEST, &has_req, &m->tlv_request, &m->n_tlv_request));
    if (!has_req)
        return MLE_ERR_TLV_MISSING;
    TRY(opt_timestamp(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(&msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    TRY(opt_addr_reg(&msg, &m->has_addr_reg, &m->addr_reg));
    TRY(opt_u16(&msg, MLE_TLV_SUPERVISION_INTERVAL, &m->has_supervision, &m->supervision));
    return MLE_OK;
}

/* Fills every field of the union-like Child Update Request struct. */
static enum mle_err parse_cur_fields(const struct mle_msg *msg, struct mle_child_update_request *m)
{
    struct mle_tlv t;
    TRY(opt_u8(msg, MLE_TLV_MODE, &m->has_mode, &m->mode));
    TRY(opt_u16(msg, MLE_TLV_SOURCE_ADDRESS, &m->has_src, &m->src_rloc16));
    TRY(opt_leader(msg, &m->has_leader, &m->leader));
    TRY(opt_u32(msg, MLE_TLV_TIMEOUT, &m->has_timeout, &m->timeout));
    TRY(opt_addr_reg(msg, &m->has_addr_reg, &m->addr_reg));
    TRY(opt(msg, MLE_TLV_CHALLENGE, &t, &m->has_challenge));
    if (m->has_challenge)
        TRY(mle_tlv_challenge(&t, &m->challenge));
    TRY(opt_bytes(msg, MLE_TLV_TLV_REQUEST, &m->has_tlv_request, &m->tlv_request,
                  &m->n_tlv_request));
    TRY(opt_u16(msg, MLE_TLV_SUPERVISION_INTERVAL, &m->has_supervision, &m->supervision));
    TRY(opt_u32(msg, MLE_TLV_CSL_TIMEOUT, &m->has_csl_timeout, &m->csl_timeout));
    TRY(opt(msg, MLE_TLV_CSL_CHANNEL, &t, &m->has_csl_channel));
    if (m->has_csl_channel)
        TRY(mle_tlv_channel(&t, &m->csl_channel));
    TRY(opt_bytes(msg, MLE_TLV_NETWORK_DATA, &m->has_netdata, &m->netdata, &m->netdata_len));
    TRY(opt_timestamp(msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    TRY(opt_u8(msg, MLE_TLV_LINK_MARGIN, &m->has_link_margin, &m->link_margin));
    return MLE_OK;
}

enum mle_err mle_parse_child_update_request(const uint8_t *plain, size_t len,
                                            struct mle_child_update_request *m)
{
    struct mle_msg msg;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_CHILD_UPDATE_REQUEST, &msg));
    TRY(parse_cur_fields(&msg, m));
    /* A child always sends its Mode (OpenThread HandleChildUpdateRequestOnParent). */
    return m->has_mode ? MLE_OK : MLE_ERR_TLV_MISSING;
}

enum mle_err mle_parse_data_request(const uint8_t *plain, size_t len, struct mle_data_request *m)
{
    struct mle_msg msg;
    bool has_req;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_DATA_REQUEST, &msg));
    TRY(opt_bytes(&msg, MLE_TLV_TLV_REQUEST, &has_req, &m->tlv_request, &m->n_tlv_request));
    if (!has_req)
        return MLE_ERR_TLV_MISSING;
    TRY(opt_timestamp(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(&msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    return MLE_OK;
}

enum mle_err mle_parse_link_request(const uint8_t *plain, size_t len, struct mle_link_request *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_LINK_REQUEST, &msg));
    TRY(req_u16(&msg, MLE_TLV_VERSION, &m->version));
    TRY(req(&msg, MLE_TLV_CHALLENGE, &t));
    TRY(mle_tlv_challenge(&t, &m->challenge));
    TRY(opt_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->has_src, &m->src_rloc16));
    TRY(opt_leader(&msg, &m->has_leader, &m->leader));
    TRY(opt_bytes(&msg, MLE_TLV_TLV_REQUEST, &m->has_tlv_request, &m->tlv_request,
                  &m->n_tlv_request));
    return MLE_OK;
}

enum mle_err mle_parse_announce(const uint8_t *plain, size_t len, struct mle_announce *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_ANNOUNCE, &msg));
    TRY(req(&msg, MLE_TLV_CHANNEL, &t));
    TRY(mle_tlv_channel(&t, &m->channel));
    TRY(req(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &t));
    TRY(mle_tlv_timestamp(&t, &m->active_ts));
    TRY(req_u16(&msg, MLE_TLV_PAN_ID, &m->pan_id));
    return MLE_OK;
}

enum mle_err mle_parse_discovery(const uint8_t *plain, size_t len, struct mle_discovery *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    TRY(mle_msg_split(plain, len, &msg, NULL));
    if (!is_discovery(msg.cmd))
        return MLE_ERR_WRONG_CMD;
    m->cmd = msg.cmd;
    TRY(req(&msg, MLE_TLV_DISCOVERY, &t));
    m->discovery = t.value;
    m->discovery_len = t.len;
    return MLE_OK;
}

/* ---- builders and parsers of what a parent sends ----------------------- */

static enum mle_err finish(struct wr *w, uint8_t *out, size_t *len)
{
    if (!w->ok) {
        *len = 0;
        return MLE_ERR_NO_SPACE;
    }
    *len = (size_t)(w->p - out);
    return MLE_OK;
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

enum mle_err mle_build_advertisement(const struct mle_advertisement *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    *len = 0;
    if (m->has_route && !route_ok(&m->route))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_ADVERTISEMENT);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    mle_put_leader_data(&w, &m->leader);
    if (m->has_route)
        mle_put_route64(&w, &m->route);
    return finish(&w, out, len);
}

enum mle_err mle_parse_advertisement(const uint8_t *plain, size_t len, struct mle_advertisement *m)
{
    struct mle_msg msg;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_ADVERTISEMENT, &msg));
    TRY(req_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->src_rloc16));
    TRY(req_leader(&msg, &m->leader));
    TRY(opt_route(&msg, &m->has_route, &m->route));
    return MLE_OK;
}

enum mle_err mle_build_parent_response(const struct mle_parent_response *m, uint8_t *out,
                                       size_t cap, size_t *len)
{
    *len = 0;
    if (!challenge_ok(&m->response) || !challenge_ok(&m->challenge))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_PARENT_RESPONSE);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    mle_put_leader_data(&w, &m->leader);
    mle_put_u32(&w, MLE_TLV_LINK_FRAME_COUNTER, m->link_fc);
    mle_put_u32(&w, MLE_TLV_MLE_FRAME_COUNTER, m->mle_fc);
    mle_put_challenge(&w, MLE_TLV_RESPONSE, &m->response);
    mle_put_challenge(&w, MLE_TLV_CHALLENGE, &m->challenge);
    mle_put_u8(&w, MLE_TLV_LINK_MARGIN, m->link_margin);
    mle_put_connectivity(&w, &m->conn);
    mle_put_u16(&w, MLE_TLV_VERSION, m->version);
    return finish(&w, out, len);
}

enum mle_err mle_parse_parent_response(const uint8_t *plain, size_t len,
                                       struct mle_parent_response *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_PARENT_RESPONSE, &msg));
    TRY(req_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->src_rloc16));
    TRY(req_leader(&msg, &m->leader));
    TRY(req_u32(&msg, MLE_TLV_LINK_FRAME_COUNTER, &m->link_fc));
    TRY(req_u32(&msg, MLE_TLV_MLE_FRAME_COUNTER, &m->mle_fc));
    TRY(req(&msg, MLE_TLV_RESPONSE, &t));
    TRY(mle_tlv_challenge(&t, &m->response));
    TRY(req(&msg, MLE_TLV_CHALLENGE, &t));
    TRY(mle_tlv_challenge(&t, &m->challenge));
    TRY(req_u8(&msg, MLE_TLV_LINK_MARGIN, &m->link_margin));
    TRY(req(&msg, MLE_TLV_CONNECTIVITY, &t));
    TRY(mle_tlv_connectivity(&t, &m->conn));
    TRY(req_u16(&msg, MLE_TLV_VERSION, &m->version));
    return MLE_OK;
}

static void put_timestamps(struct wr *w, bool has_active, const struct mle_timestamp *active,
                           bool has_pending, const struct mle_timestamp *pending)
{
    if (has_active)
        mle_put_timestamp(w, MLE_TLV_ACTIVE_TIMESTAMP, active);
    if (has_pending)
        mle_put_timestamp(w, MLE_TLV_PENDING_TIMESTAMP, pending);
}

enum mle_err mle_build_child_id_response(const struct mle_child_id_response *m, uint8_t *out,
                                         size_t cap, size_t *len)
{
    *len = 0;
    if (m->n_order > MLE_ORDER_MAX || (m->has_route && !route_ok(&m->route)))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_CHILD_ID_RESPONSE);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    mle_put_leader_data(&w, &m->leader);
    put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    mle_put_u16(&w, MLE_TLV_ADDRESS16, m->address16);
    for (unsigned i = 0; i < m->n_order; i++) {
        switch (m->order[i]) {
        case MLE_TLV_NETWORK_DATA:
            if (m->has_netdata)
                mle_put_tlv(&w, MLE_TLV_NETWORK_DATA, m->netdata, m->netdata_len);
            break;
        case MLE_TLV_ROUTE64:
            if (m->has_route)
                mle_put_route64(&w, &m->route);
            break;
        case MLE_TLV_ACTIVE_DATASET:
            if (m->has_active_dataset)
                mle_put_tlv(&w, MLE_TLV_ACTIVE_DATASET, m->active_dataset, m->active_dataset_len);
            break;
        case MLE_TLV_PENDING_DATASET:
            if (m->has_pending_dataset)
                mle_put_tlv(&w, MLE_TLV_PENDING_DATASET, m->pending_dataset,
                            m->pending_dataset_len);
            break;
        case MLE_TLV_SUPERVISION_INTERVAL:
            if (m->has_supervision)
                mle_put_u16(&w, MLE_TLV_SUPERVISION_INTERVAL, m->supervision);
            break;
        default:
            break; /* Address16 (already sent) and anything else: nothing */
        }
    }
    if (m->has_addr_reg)
        mle_put_addr_reg(&w, &m->addr_reg);
    return finish(&w, out, len);
}

static void order_add(struct mle_child_id_response *m, uint8_t type)
{
    for (unsigned i = 0; i < m->n_order; i++)
        if (m->order[i] == type)
            return;
    if (m->n_order < MLE_ORDER_MAX)
        m->order[m->n_order++] = type;
}

enum mle_err mle_parse_child_id_response(const uint8_t *plain, size_t len,
                                         struct mle_child_id_response *m)
{
    struct mle_msg msg;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_CHILD_ID_RESPONSE, &msg));
    TRY(req_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->src_rloc16));
    TRY(req_leader(&msg, &m->leader));
    TRY(req_u16(&msg, MLE_TLV_ADDRESS16, &m->address16));
    TRY(opt_bytes(&msg, MLE_TLV_NETWORK_DATA, &m->has_netdata, &m->netdata, &m->netdata_len));
    if (!m->has_netdata)
        return MLE_ERR_TLV_MISSING;
    TRY(opt_timestamp(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(&msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    TRY(opt_route(&msg, &m->has_route, &m->route));
    TRY(opt_bytes(&msg, MLE_TLV_ACTIVE_DATASET, &m->has_active_dataset, &m->active_dataset,
                  &m->active_dataset_len));
    TRY(opt_bytes(&msg, MLE_TLV_PENDING_DATASET, &m->has_pending_dataset, &m->pending_dataset,
                  &m->pending_dataset_len));
    TRY(opt_u16(&msg, MLE_TLV_SUPERVISION_INTERVAL, &m->has_supervision, &m->supervision));
    TRY(opt_addr_reg(&msg, &m->has_addr_reg, &m->addr_reg));

    /* Record the order of the TLVs that follow Address16 (not Address
     * Registration, which always comes last). */
    struct mle_tlv_iter it;
    struct mle_tlv t;
    bool after = false;
    mle_tlv_iter_init(&it, msg.tlvs, msg.tlvs_len);
    while (mle_tlv_next(&it, &t)) {
        if (t.type == MLE_TLV_ADDRESS16) {
            after = true;
            continue;
        }
        if (after && (t.type == MLE_TLV_NETWORK_DATA || t.type == MLE_TLV_ROUTE64 ||
                      t.type == MLE_TLV_SUPERVISION_INTERVAL || t.type == MLE_TLV_ACTIVE_DATASET ||
                      t.type == MLE_TLV_PENDING_DATASET))
            order_add(m, t.type);
    }
    /* Optional TLVs found before Address16 go last, so that building from
     * the parsed struct keeps every value it holds. */
    if (m->has_netdata)
        order_add(m, MLE_TLV_NETWORK_DATA);
    if (m->has_route)
        order_add(m, MLE_TLV_ROUTE64);
    if (m->has_supervision)
        order_add(m, MLE_TLV_SUPERVISION_INTERVAL);
    if (m->has_active_dataset)
        order_add(m, MLE_TLV_ACTIVE_DATASET);
    if (m->has_pending_dataset)
        order_add(m, MLE_TLV_PENDING_DATASET);
    return MLE_OK;
}

void mle_child_id_response_order(const struct mle_child_id_request *req,
                                 const struct mle_timestamp *our_active,
                                 const struct mle_timestamp *our_pending,
                                 struct mle_child_id_response *m)
{
    m->n_order = 0;
    for (unsigned i = 0; req->tlv_request && i < req->n_tlv_request; i++)
        order_add(m, req->tlv_request[i]);
    if (req->has_supervision)
        order_add(m, MLE_TLV_SUPERVISION_INTERVAL);
    if (!req->has_active_ts || !our_active || mle_timestamp_cmp(&req->active_ts, our_active))
        order_add(m, MLE_TLV_ACTIVE_DATASET);
    if (!req->has_pending_ts || !our_pending || mle_timestamp_cmp(&req->pending_ts, our_pending))
        order_add(m, MLE_TLV_PENDING_DATASET);
}

enum mle_err mle_build_child_update_response(const struct mle_child_update_response *m,
                                             uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (m->has_response && !challenge_ok(&m->response))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_CHILD_UPDATE_RESPONSE);
    if (m->has_response)
        mle_put_challenge(&w, MLE_TLV_RESPONSE, &m->response);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    if (m->has_status)
        mle_put_u8(&w, MLE_TLV_STATUS, m->status);
    if (m->has_mode)
        mle_put_u8(&w, MLE_TLV_MODE, m->mode);
    if (m->has_link_margin)
        mle_put_u8(&w, MLE_TLV_LINK_MARGIN, m->link_margin);
    if (m->has_leader)
        mle_put_leader_data(&w, &m->leader);
    if (m->has_fcs) {
        mle_put_u32(&w, MLE_TLV_MLE_FRAME_COUNTER, m->mle_fc);
        mle_put_u32(&w, MLE_TLV_LINK_FRAME_COUNTER, m->link_fc);
    }
    if (m->has_addr_reg)
        mle_put_addr_reg(&w, &m->addr_reg);
    if (m->has_timeout)
        mle_put_u32(&w, MLE_TLV_TIMEOUT, m->timeout);
    if (m->has_supervision)
        mle_put_u16(&w, MLE_TLV_SUPERVISION_INTERVAL, m->supervision);
    if (m->has_netdata) {
        mle_put_tlv(&w, MLE_TLV_NETWORK_DATA, m->netdata, m->netdata_len);
        put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    }
    return finish(&w, out, len);
}

static enum mle_err parse_cu_response(const uint8_t *plain, size_t len,
                                      struct mle_child_update_response *m)
{
    struct mle_msg msg;
    struct mle_tlv t;
    bool has_lfc, has_mfc;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_CHILD_UPDATE_RESPONSE, &msg));
    TRY(req_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->src_rloc16));
    TRY(opt(&msg, MLE_TLV_RESPONSE, &t, &m->has_response));
    if (m->has_response)
        TRY(mle_tlv_challenge(&t, &m->response));
    TRY(opt_u8(&msg, MLE_TLV_STATUS, &m->has_status, &m->status));
    TRY(opt_u8(&msg, MLE_TLV_MODE, &m->has_mode, &m->mode));
    TRY(opt_u8(&msg, MLE_TLV_LINK_MARGIN, &m->has_link_margin, &m->link_margin));
    TRY(opt_leader(&msg, &m->has_leader, &m->leader));
    TRY(opt_u32(&msg, MLE_TLV_MLE_FRAME_COUNTER, &has_mfc, &m->mle_fc));
    TRY(opt_u32(&msg, MLE_TLV_LINK_FRAME_COUNTER, &has_lfc, &m->link_fc));
    m->has_fcs = has_mfc && has_lfc;
    TRY(opt_addr_reg(&msg, &m->has_addr_reg, &m->addr_reg));
    TRY(opt_u32(&msg, MLE_TLV_TIMEOUT, &m->has_timeout, &m->timeout));
    TRY(opt_u16(&msg, MLE_TLV_SUPERVISION_INTERVAL, &m->has_supervision, &m->supervision));
    TRY(opt_bytes(&msg, MLE_TLV_NETWORK_DATA, &m->has_netdata, &m->netdata, &m->netdata_len));
    TRY(opt_timestamp(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(&msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    return MLE_OK;
}

enum mle_err mle_parse_child_update_response(const uint8_t *plain, size_t len,
                                             struct mle_child_update_response *m)
{
    TRY(parse_cu_response(plain, len, m));
    if (!m->has_status && (!m->has_leader || !m->has_mode))
        return MLE_ERR_TLV_MISSING;
    return MLE_OK;
}

enum mle_err mle_parse_child_update_response_from_child(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_response *m)
{
    TRY(parse_cu_response(plain, len, m));
    /* OpenThread's child (mle.cpp SendChildUpdateResponse) always sends
     * Source Address and Leader Data, then what was asked; no Mode. */
    return m->has_leader ? MLE_OK : MLE_ERR_TLV_MISSING;
}

enum mle_err mle_build_child_update_request(const struct mle_child_update_request *m, uint8_t *out,
                                            size_t cap, size_t *len)
{
    *len = 0;
    if (!m->has_src || !m->has_leader || (m->has_challenge && !challenge_ok(&m->challenge)))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_CHILD_UPDATE_REQUEST);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    mle_put_leader_data(&w, &m->leader);
    if (m->has_netdata)
        mle_put_tlv(&w, MLE_TLV_NETWORK_DATA, m->netdata, m->netdata_len);
    put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    if (m->has_link_margin)
        mle_put_u8(&w, MLE_TLV_LINK_MARGIN, m->link_margin);
    if (m->has_tlv_request)
        mle_put_tlv(&w, MLE_TLV_TLV_REQUEST, m->tlv_request, m->n_tlv_request);
    if (m->has_challenge)
        mle_put_challenge(&w, MLE_TLV_CHALLENGE, &m->challenge);
    return finish(&w, out, len);
}

enum mle_err mle_build_data_response(const struct mle_data_response *m, uint8_t *out, size_t cap,
                                     size_t *len)
{
    static const uint8_t def_order[] = {MLE_TLV_NETWORK_DATA, MLE_TLV_ACTIVE_DATASET,
                                        MLE_TLV_PENDING_DATASET, MLE_TLV_ROUTE64};
    const uint8_t *order = m->n_order ? m->order : def_order;
    unsigned n = m->n_order ? m->n_order : (unsigned)sizeof(def_order);

    *len = 0;
    if (m->n_order > MLE_ORDER_MAX || (m->has_route && !route_ok(&m->route)))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_DATA_RESPONSE);
    mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    mle_put_leader_data(&w, &m->leader);
    put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    for (unsigned i = 0; i < n; i++) {
        switch (order[i]) {
        case MLE_TLV_NETWORK_DATA:
            if (m->has_netdata)
                mle_put_tlv(&w, MLE_TLV_NETWORK_DATA, m->netdata, m->netdata_len);
            break;
        case MLE_TLV_ACTIVE_DATASET:
            if (m->has_active_dataset)
                mle_put_tlv(&w, MLE_TLV_ACTIVE_DATASET, m->active_dataset, m->active_dataset_len);
            break;
        case MLE_TLV_PENDING_DATASET:
            if (m->has_pending_dataset)
                mle_put_tlv(&w, MLE_TLV_PENDING_DATASET, m->pending_dataset,
                            m->pending_dataset_len);
            break;
        case MLE_TLV_ROUTE64:
            if (m->has_route)
                mle_put_route64(&w, &m->route);
            break;
        default:
            break;
        }
    }
    return finish(&w, out, len);
}

enum mle_err mle_parse_data_response(const uint8_t *plain, size_t len, struct mle_data_response *m)
{
    struct mle_msg msg;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_DATA_RESPONSE, &msg));
    TRY(req_u16(&msg, MLE_TLV_SOURCE_ADDRESS, &m->src_rloc16));
    TRY(req_leader(&msg, &m->leader));
    TRY(opt_timestamp(&msg, MLE_TLV_ACTIVE_TIMESTAMP, &m->has_active_ts, &m->active_ts));
    TRY(opt_timestamp(&msg, MLE_TLV_PENDING_TIMESTAMP, &m->has_pending_ts, &m->pending_ts));
    TRY(opt_bytes(&msg, MLE_TLV_NETWORK_DATA, &m->has_netdata, &m->netdata, &m->netdata_len));
    TRY(opt_route(&msg, &m->has_route, &m->route));
    TRY(opt_bytes(&msg, MLE_TLV_ACTIVE_DATASET, &m->has_active_dataset, &m->active_dataset,
                  &m->active_dataset_len));
    TRY(opt_bytes(&msg, MLE_TLV_PENDING_DATASET, &m->has_pending_dataset, &m->pending_dataset,
                  &m->pending_dataset_len));

    struct mle_tlv_iter it;
    struct mle_tlv t;
    mle_tlv_iter_init(&it, msg.tlvs, msg.tlvs_len);
    while (mle_tlv_next(&it, &t)) {
        if ((t.type == MLE_TLV_NETWORK_DATA || t.type == MLE_TLV_ACTIVE_DATASET ||
             t.type == MLE_TLV_PENDING_DATASET || t.type == MLE_TLV_ROUTE64) &&
            m->n_order < MLE_ORDER_MAX)
            m->order[m->n_order++] = t.type;
    }
    return MLE_OK;
}

/* ---- child side ---------------------------------------------------------- */

enum mle_err mle_build_parent_request(const struct mle_parent_request *m, uint8_t *out, size_t cap,
                                      size_t *len)
{
    *len = 0;
    if (!challenge_ok(&m->challenge))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_PARENT_REQUEST);
    mle_put_u8(&w, MLE_TLV_MODE, m->mode);
    mle_put_challenge(&w, MLE_TLV_CHALLENGE, &m->challenge);
    mle_put_u8(&w, MLE_TLV_SCAN_MASK, m->scan_mask);
    mle_put_u16(&w, MLE_TLV_VERSION, m->version);
    return finish(&w, out, len);
}

enum mle_err mle_build_child_id_request(const struct mle_child_id_request *m, uint8_t *out,
                                        size_t cap, size_t *len)
{
    *len = 0;
    if (!challenge_ok(&m->response) || (m->n_tlv_request && !m->tlv_request))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_CHILD_ID_REQUEST);
    mle_put_challenge(&w, MLE_TLV_RESPONSE, &m->response);
    mle_put_u32(&w, MLE_TLV_LINK_FRAME_COUNTER, m->link_fc);
    mle_put_u32(&w, MLE_TLV_MLE_FRAME_COUNTER, m->has_mle_fc ? m->mle_fc : m->link_fc);
    mle_put_u8(&w, MLE_TLV_MODE, m->mode);
    mle_put_u32(&w, MLE_TLV_TIMEOUT, m->timeout);
    mle_put_u16(&w, MLE_TLV_VERSION, m->version);
    if (m->has_addr_reg)
        mle_put_addr_reg(&w, &m->addr_reg);
    mle_put_tlv(&w, MLE_TLV_TLV_REQUEST, m->tlv_request, m->n_tlv_request);
    put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    if (m->has_supervision)
        mle_put_u16(&w, MLE_TLV_SUPERVISION_INTERVAL, m->supervision);
    return finish(&w, out, len);
}

enum mle_err mle_build_child_update_request_from_child(const struct mle_child_update_request *m,
                                                       uint8_t *out, size_t cap, size_t *len)
{
    *len = 0;
    if (!m->has_mode || (m->has_challenge && !challenge_ok(&m->challenge)))
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_CHILD_UPDATE_REQUEST);
    mle_put_u8(&w, MLE_TLV_MODE, m->mode);
    if (m->has_challenge)
        mle_put_challenge(&w, MLE_TLV_CHALLENGE, &m->challenge);
    if (m->has_src)
        mle_put_u16(&w, MLE_TLV_SOURCE_ADDRESS, m->src_rloc16);
    if (m->has_leader)
        mle_put_leader_data(&w, &m->leader);
    if (m->has_timeout)
        mle_put_u32(&w, MLE_TLV_TIMEOUT, m->timeout);
    if (m->has_addr_reg)
        mle_put_addr_reg(&w, &m->addr_reg);
    if (m->has_tlv_request)
        mle_put_tlv(&w, MLE_TLV_TLV_REQUEST, m->tlv_request, m->n_tlv_request);
    return finish(&w, out, len);
}

enum mle_err mle_build_data_request(const struct mle_data_request *m, uint8_t *out, size_t cap,
                                    size_t *len)
{
    *len = 0;
    if (m->n_tlv_request && !m->tlv_request)
        return MLE_ERR_ARG;
    struct wr w = wr_init(out, cap);
    wr_u8(&w, MLE_CMD_DATA_REQUEST);
    mle_put_tlv(&w, MLE_TLV_TLV_REQUEST, m->tlv_request, m->n_tlv_request);
    put_timestamps(&w, m->has_active_ts, &m->active_ts, m->has_pending_ts, &m->pending_ts);
    return finish(&w, out, len);
}

enum mle_err mle_parse_child_update_request_from_parent(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_request *m)
{
    struct mle_msg msg;
    memset(m, 0, sizeof(*m));
    TRY(begin(plain, len, MLE_CMD_CHILD_UPDATE_REQUEST, &msg));
    TRY(parse_cur_fields(&msg, m));
    /* OpenThread's child (mle.cpp HandleChildUpdateRequestOnChild) needs the
     * parent's Source Address and Leader Data. */
    return m->has_src && m->has_leader ? MLE_OK : MLE_ERR_TLV_MISSING;
}
