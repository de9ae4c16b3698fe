/*
 * IEEE 802.15.4-2006 MAC frame security as Thread uses it: AES-CCM* with
 * security level 5 (ENC-MIC-32) and key identifier mode 1 (key index only).
 *
 * CCM* inputs (7.6.3):
 *   key   = the 16-byte MAC key selected by the key index (Thread: see
 *           mac_key_index and thread/keys.h);
 *   nonce = sender extended address (8 bytes, extaddr print order, i.e. the
 *           on-air bytes reversed) || frame counter (BE32) || security level
 *           (7.6.3.2). The sender's EXTENDED address is used even when the
 *           frame carries a short source address;
 *   a     = the MHR including the auxiliary security header;
 *   m     = the MAC payload (encrypted), MIC = 4 bytes just before the FCS.
 *
 * Pure functions over caller buffers; no global state. The AES is mbedTLS's.
 */
#ifndef TBR_MAC_MAC_SECURITY_H
#define TBR_MAC_MAC_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac/mac_frame.h"

#define MAC_KEY_LEN 16
#define MAC_NONCE_LEN 13 /* 7.6.3.2 */
#define MAC_MIC32_LEN 4  /* level 5 */

/*
 * The MAC keys a Thread node holds at once: those of the previous, current
 * and next key sequence (Thread key rotation). Filled by
 * thread_keys_mac_keys() (thread/keys.h) or by hand.
 */
struct mac_keys {
    uint32_t key_seq; /* the current key sequence */
    uint8_t prev[MAC_KEY_LEN];
    uint8_t cur[MAC_KEY_LEN];
    uint8_t next[MAC_KEY_LEN];
};

/* Thread's key index for a key sequence, carried with key id mode 1:
 * (key_seq mod 128) + 1, so never 0 (Thread spec, ch. 7 Security: "Key Index"). */
uint8_t mac_key_index(uint32_t key_seq);

/*
 * Picks the key for a received frame's key index (the caller's policy
 * decides whether to accept a frame under the previous/next key).
 * @param[out] key_seq  the key sequence the index resolved to (may be NULL).
 *                      prev is key_seq - 1 and next key_seq + 1, modulo 2^32.
 * @return the 16-byte key inside k, or NULL when the index matches none of
 *         the three (the current key wins a tie, then prev, then next).
 */
const uint8_t *mac_keys_lookup(const struct mac_keys *k, uint8_t key_index, uint32_t *key_seq);

/* Writes the 13-byte CCM* nonce (7.6.3.2). sender_ext is in print order. */
void mac_security_nonce(const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint32_t frame_counter,
                        uint8_t level, uint8_t nonce[MAC_NONCE_LEN]);

/*
 * Outgoing frame security (7.5.8.2.1 steps on a built frame): encrypts the
 * payload in place, writes the MIC and recomputes the FCS.
 *
 * @param[in]     key         16-byte MAC key.
 * @param[in]     sender_ext  our extended address, print order.
 * @param[in,out] psdu        a frame made by mac_frame_build with
 *                            security_enabled, level 5, key id mode 1 and its
 *                            frame counter set (len bytes, FCS valid).
 * @retval MAC_OK
 * @retval MAC_ERR_NOT_SECURED           the frame's security bit is clear.
 * @retval MAC_ERR_UNSUPPORTED_SECURITY  level != 5 or key id mode != 1.
 * @retval MAC_ERR_COUNTER               frame counter 0xffffffff (7.5.8.2.1).
 * @retval any mac_frame_parse error     the buffer is not a valid frame.
 * @retval MAC_ERR_SECURITY              the cipher failed.
 * On error the buffer is unchanged.
 */
enum mac_err mac_security_protect(const uint8_t key[MAC_KEY_LEN],
                                  const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint8_t *psdu,
                                  size_t len);

/*
 * Incoming frame security (7.5.8.2.3 steps, without the key lookup and the
 * frame counter policy, which are the caller's: see mac_keys_lookup and
 * struct mac_replay). The frame is re-parsed from psdu, so *frame need not be
 * filled by the caller.
 *
 * @param[in]     key         16-byte MAC key chosen by the frame's key index.
 * @param[in]     sender_ext  the sender's extended address, print order
 *                            (from the neighbour table when the source
 *                            address is short).
 * @param[in,out] psdu        the received frame, len bytes, FCS included.
 * @param[out]    frame       on MAC_OK: as mac_frame_parse fills it, with
 *                            payload pointing at the decrypted plaintext in
 *                            psdu (the FCS in psdu is then stale).
 * @retval MAC_OK                         MIC verified, payload decrypted.
 * @retval any mac_frame_parse error      not a valid frame (FCS checked).
 * @retval MAC_ERR_NOT_SECURED            security bit clear.
 * @retval MAC_ERR_UNSUPPORTED_SECURITY   level != 5 or key id mode != 1.
 * @retval MAC_ERR_COUNTER                frame counter 0xffffffff.
 * @retval MAC_ERR_SECURITY               MIC check failed.
 * On error the buffer is unchanged.
 */
enum mac_err mac_security_unprotect(const uint8_t key[MAC_KEY_LEN],
                                    const uint8_t sender_ext[MAC_EXT_ADDR_LEN], uint8_t *psdu,
                                    size_t len, struct mac_frame *frame);

/*
 * Per-neighbour replay protection for one key sequence (7.5.8.2.3: the
 * received frame counter must be newer than the stored one). A frame is
 * accepted when its counter is >= floor (for the first frame) and > the last
 * accepted counter afterwards; 0xffffffff is never accepted.
 *
 * Usage: mac_replay_check() before or after unprotect; mac_replay_accept()
 * only after the MIC verified. When the neighbour moves to a new key
 * sequence, re-init (counters restart at 0 per key sequence). The floor is
 * typically 0 or the value of MLE's Link-layer Frame Counter TLV.
 */
struct mac_replay {
    uint32_t floor; /* smallest counter accepted for the first frame */
    uint32_t last;  /* last accepted counter, valid when have_last */
    bool have_last;
};

void mac_replay_init(struct mac_replay *r, uint32_t floor);

/* @retval MAC_OK, MAC_ERR_REPLAY (old or repeated counter),
 *         MAC_ERR_COUNTER (0xffffffff). Does not modify r. */
enum mac_err mac_replay_check(const struct mac_replay *r, uint32_t frame_counter);

/* Records an accepted (MIC-verified) counter. Returns mac_replay_check's
 * verdict; r changes only on MAC_OK. */
enum mac_err mac_replay_accept(struct mac_replay *r, uint32_t frame_counter);

#endif
