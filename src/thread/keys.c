/*
 * Thread key derivation: HMAC-SHA256(network key, key sequence BE32 || "Thread").
 */
#include "thread/keys.h"

#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "util/rd.h"

int thread_keys_derive(const uint8_t network_key[THREAD_KEYS_NETWORK_KEY_LEN], uint32_t key_seq,
                       struct thread_keys *out)
{
    static const char label[] = "Thread"; /* 6 bytes, no terminator on the wire */
    uint8_t msg[4 + sizeof(label) - 1];
    uint8_t hash[32];

    memset(out, 0, sizeof(*out));
    be32_put(msg, key_seq);
    memcpy(msg + 4, label, sizeof(label) - 1);
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (!md ||
        mbedtls_md_hmac(md, network_key, THREAD_KEYS_NETWORK_KEY_LEN, msg, sizeof(msg), hash))
        return -1;
    memcpy(out->mle, hash, THREAD_KEYS_KEY_LEN);
    memcpy(out->mac, hash + THREAD_KEYS_KEY_LEN, THREAD_KEYS_KEY_LEN);
    mbedtls_platform_zeroize(hash, sizeof(hash));
    return 0;
}

int thread_keys_mac_keys(const uint8_t network_key[THREAD_KEYS_NETWORK_KEY_LEN], uint32_t key_seq,
                         struct mac_keys *out)
{
    struct thread_keys k;
    memset(out, 0, sizeof(*out));
    out->key_seq = key_seq;
    if (thread_keys_derive(network_key, key_seq - 1u, &k))
        goto fail;
    memcpy(out->prev, k.mac, MAC_KEY_LEN);
    if (thread_keys_derive(network_key, key_seq, &k))
        goto fail;
    memcpy(out->cur, k.mac, MAC_KEY_LEN);
    if (thread_keys_derive(network_key, key_seq + 1u, &k))
        goto fail;
    memcpy(out->next, k.mac, MAC_KEY_LEN);
    mbedtls_platform_zeroize(&k, sizeof(k));
    return 0;
fail:
    mbedtls_platform_zeroize(&k, sizeof(k));
    mbedtls_platform_zeroize(out, sizeof(*out));
    return -1;
}
