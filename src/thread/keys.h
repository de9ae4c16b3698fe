/*
 * Thread key derivation (Thread spec, ch. 7 Security, "Key Derivation";
 * OpenThread key_manager.cpp ComputeKeys):
 *
 *   HMAC-SHA256(key = network key (16 B), message = key sequence (BE32) || "Thread")
 *   -> bytes 0..15 = MLE key, bytes 16..31 = MAC key.
 *
 * The MAC key of key sequence s is announced with key id mode 1 and key
 * index (s mod 128) + 1 (mac_key_index in mac/mac_security.h). Test vector:
 * network key 00112233445566778899aabbccddeeff, sequence 0 gives MLE key
 * 5445f4158fd75912175809f8b57a66a4 and MAC key de89c53af382b421e0fde5a9bae3bef0.
 *
 * Pure functions; HMAC-SHA256 is mbedTLS's.
 */
#ifndef TBR_THREAD_KEYS_H
#define TBR_THREAD_KEYS_H

#include <stdint.h>

#include "mac/mac_security.h"

#define THREAD_KEYS_NETWORK_KEY_LEN 16
#define THREAD_KEYS_KEY_LEN 16

struct thread_keys {
    uint8_t mle[THREAD_KEYS_KEY_LEN]; /* MLE key: first half of the HMAC */
    uint8_t mac[THREAD_KEYS_KEY_LEN]; /* MAC key: second half */
};

/*
 * Derives the MLE and MAC keys of key_seq.
 * @retval 0  *out filled.
 * @retval -1 mbedTLS failed (SHA-256 unavailable); *out zeroed.
 */
int thread_keys_derive(const uint8_t network_key[THREAD_KEYS_NETWORK_KEY_LEN], uint32_t key_seq,
                       struct thread_keys *out);

/*
 * Fills the MAC keys of key_seq - 1, key_seq and key_seq + 1 (modulo 2^32),
 * what a node needs to receive across a key rotation.
 * @retval 0 / -1 as thread_keys_derive.
 */
int thread_keys_mac_keys(const uint8_t network_key[THREAD_KEYS_NETWORK_KEY_LEN], uint32_t key_seq,
                         struct mac_keys *out);

#endif
