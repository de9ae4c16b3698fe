/*
 * IEEE 802.15.4-2006 frame security (7.5.8.2, 7.6.3) with AES-CCM* from
 * mbedTLS: level 5 (ENC-MIC-32), key id mode 1.
 */
#include "mac/mac_security.h"

#include <string.h>

#include <mbedtls/ccm.h>
#include <mbedtls/platform_util.h>

#include "util/rd.h"

uint8_t mac_key_index(uint32_t key_seq)
{
    return (uint8_t)((key_seq & 0x7fu) + 1u);
}

const uint8_t *mac_keys_lookup(const struct mac_keys *k, uint8_t key_index, uint32_t *key_seq)
{
    uint32_t seq;
    const uint8_t *key;
    if (key_index == mac_key_index(k->key_seq)) {
        seq = k->key_seq;
        key = k->cur;
    } else if (key_index == mac_key_index(k->key_seq - 1u)) {
        seq = k->key_seq - 1u;
        key = k->prev;
    } else if (key_index == mac_key_index(k->key_seq + 1u)) {
        seq = k->key_seq + 1u;
        key = k->next;
    } else {
        return NULL;
    }
    if (key_seq)
        *key_seq = seq;
    return key;
}

void mac_security_nonce(const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint32_t frame_counter,
                        uint8_t level, uint8_t nonce[MAC_NONCE_LEN])
{
    /* 7.6.3.2: source address (as a 64-bit integer, most significant byte
     * first, which is the print order), frame counter big-endian, level. */
    memcpy(nonce, sender_ext, MAC_EXT_ADDR_LEN);
    be32_put(nonce + MAC_EXT_ADDR_LEN, frame_counter);
    nonce[12] = level;
}

/* Checks that f is a frame this module can process. */
static enum mac_err check_secured(const struct mac_frame *f)
{
    if (!f->security_enabled)
        return MAC_ERR_NOT_SECURED;
    if (f->sec.level != MAC_SEC_LEVEL_ENC_MIC_32 || f->sec.key_id_mode != MAC_KEY_ID_MODE_INDEX)
        return MAC_ERR_UNSUPPORTED_SECURITY;
    /* 7.5.8.2.1/7.5.8.2.3: the counter value 0xffffffff is never used. */
    if (f->sec.frame_counter == UINT32_MAX)
        return MAC_ERR_COUNTER;
    return MAC_OK;
}

/* Parses psdu as a frame this module secures and makes its nonce. */
static enum mac_err parse_secured(const uint8_t sender_ext[MAC_EXT_ADDR_LEN], const uint8_t *psdu,
                                  size_t len, struct mac_frame *f, uint8_t nonce[MAC_NONCE_LEN])
{
    enum mac_err err = mac_frame_parse(psdu, len, f);
    if (err == MAC_OK)
        err = check_secured(f);
    if (err == MAC_OK)
        mac_security_nonce(sender_ext, f->sec.frame_counter, f->sec.level, nonce);
    return err;
}

/* AES-CCM* over the payload of f with the header as AAD (7.6.3.4, 7.6.3.5):
 * encrypt into out and write the MIC to mic_out, or decrypt into out and
 * check f's MIC (mic_out NULL). Returns the mbedTLS result. */
static int ccm_star(const uint8_t key[MAC_KEY_LEN], const uint8_t nonce[MAC_NONCE_LEN],
                    const uint8_t *psdu, const struct mac_frame *f, uint8_t *out, uint8_t *mic_out)
{
    mbedtls_ccm_context ccm;
    mbedtls_ccm_init(&ccm);
    int rc = mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, key, MAC_KEY_LEN * 8);
    if (rc == 0 && mic_out)
        rc = mbedtls_ccm_star_encrypt_and_tag(&ccm, f->payload_len, nonce, MAC_NONCE_LEN, psdu,
                                              f->header_len, f->payload, out, mic_out,
                                              MAC_MIC32_LEN);
    else if (rc == 0)
        rc = mbedtls_ccm_star_auth_decrypt(&ccm, f->payload_len, nonce, MAC_NONCE_LEN, psdu,
                                           f->header_len, f->payload, out, f->mic, f->mic_len);
    mbedtls_ccm_free(&ccm);
    return rc;
}

static void put_fcs(uint8_t *psdu, size_t len)
{
    uint16_t crc = mac_crc16_kermit(psdu, len - MAC_FCS_LEN);
    psdu[len - 2] = (uint8_t)crc;
    psdu[len - 1] = (uint8_t)(crc >> 8);
}

enum mac_err mac_security_protect(const uint8_t key[MAC_KEY_LEN],
                                  const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint8_t *psdu,
                                  size_t len)
{
    if (!key || !sender_ext || !psdu)
        return MAC_ERR_INVALID_ARG;
    struct mac_frame f;
    uint8_t nonce[MAC_NONCE_LEN];
    enum mac_err err = parse_secured(sender_ext, psdu, len, &f, nonce);
    if (err != MAC_OK)
        return err;
    /* Encrypt into scratch storage so that a failure leaves psdu intact. */
    uint8_t ct[MAC_PSDU_MAX];
    uint8_t tag[MAC_MIC32_LEN];
    if (ccm_star(key, nonce, psdu, &f, ct, tag) != 0)
        return MAC_ERR_SECURITY;

    /* The payload starts header_len bytes into psdu and the MIC follows it;
     * both lie inside psdu, as the parse above established. */
    memcpy(psdu + f.header_len, ct, f.payload_len);
    memcpy(psdu + f.header_len + f.payload_len, tag, sizeof(tag));
    put_fcs(psdu, len);
    mbedtls_platform_zeroize(ct, sizeof(ct));
    return MAC_OK;
}

enum mac_err mac_security_unprotect(const uint8_t key[MAC_KEY_LEN],
                                    const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint8_t *psdu,
                                    size_t len, struct mac_frame *frame)
{
    if (!key || !sender_ext || !psdu || !frame)
        return MAC_ERR_INVALID_ARG;
    struct mac_frame f;
    uint8_t nonce[MAC_NONCE_LEN];
    enum mac_err err = parse_secured(sender_ext, psdu, len, &f, nonce);
    if (err != MAC_OK)
        return err;
    /* Decrypt into scratch storage: mbedTLS wipes its output when the MIC
     * check fails, and psdu must stay intact then. */
    uint8_t pt[MAC_PSDU_MAX];
    if (ccm_star(key, nonce, psdu, &f, pt, NULL) != 0)
        return MAC_ERR_SECURITY;

    memcpy(psdu + f.header_len, pt, f.payload_len);
    mbedtls_platform_zeroize(pt, sizeof(pt));
    *frame = f; /* payload already points at psdu + header_len */
    return MAC_OK;
}

void mac_replay_init(struct mac_replay *r, uint32_t floor)
{
    r->floor = floor;
    r->last = 0;
    r->have_last = false;
}

enum mac_err mac_replay_check(const struct mac_replay *r, uint32_t frame_counter)
{
    if (frame_counter == UINT32_MAX)
        return MAC_ERR_COUNTER;
    if (frame_counter < r->floor)
        return MAC_ERR_REPLAY;
    if (r->have_last && frame_counter <= r->last)
        return MAC_ERR_REPLAY;
    return MAC_OK;
}

enum mac_err mac_replay_accept(struct mac_replay *r, uint32_t frame_counter)
{
    enum mac_err err = mac_replay_check(r, frame_counter);
    if (err != MAC_OK)
        return err;
    r->last = frame_counter;
    r->have_last = true;
    return MAC_OK;
}
