/*
 * libFuzzer harness for the 802.15.4 frame parser and MAC security.
 *
 * Each input is tried twice: as a PSDU exactly as given (so the FCS check
 * and the length limits are exercised), and with a correct FCS appended (so
 * that most inputs get past the FCS and reach the header parser, the builder
 * and AES-CCM* unprotect). Every accepted frame must satisfy the parser's
 * invariants, re-encode to the same bytes, and never pass the MIC check
 * under a fixed key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mac/mac_frame.h"
#include "mac/mac_security.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[MAC_KEY_LEN] = {0xde, 0x89, 0xc5, 0x3a, 0xf3, 0x82, 0xb4, 0x21,
                                         0xe0, 0xfd, 0xe5, 0xa9, 0xba, 0xe3, 0xbe, 0xf0};
static const uint8_t ext[MAC_EXT_ADDR_LEN] = {0x5e, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};

static void check(int cond)
{
    if (!cond)
        abort();
}

static void run(uint8_t *buf, size_t len)
{
    struct mac_frame f;
    enum mac_err e = mac_frame_parse(buf, len, &f);
    check((unsigned)e <= MAC_ERR_INVALID_ARG);
    if (e != MAC_OK)
        return;
    check(len >= MAC_ACK_LEN && len <= MAC_PSDU_MAX);
    check(f.header_len + f.payload_len + f.mic_len + MAC_FCS_LEN == len);
    check(f.payload == buf + f.header_len);

    /* The encoding is canonical: build(parse(x)) == x, except for the MIC,
     * which the builder leaves zeroed, and hence the FCS. */
    uint8_t out[MAC_PSDU_MAX];
    size_t olen = 0;
    check(mac_frame_build(&f, f.payload, f.payload_len, out, sizeof(out), &olen) == MAC_OK);
    check(olen == len);
    check(memcmp(out, buf, f.mic_len ? f.header_len + f.payload_len : len) == 0);

    /* Unprotect never accepts a forgery, and leaves the buffer as it was
     * when it refuses. */
    uint8_t before[MAC_PSDU_MAX];
    memcpy(before, buf, len);
    struct mac_frame g;
    e = mac_security_unprotect(key, ext, buf, len, &g);
    if (e != MAC_OK)
        check(memcmp(before, buf, len) == 0);

    /* Protecting the rebuilt plaintext frame and unprotecting it gives the
     * payload back. */
    if (f.security_enabled && f.sec.level == MAC_SEC_LEVEL_ENC_MIC_32 &&
        f.sec.key_id_mode == MAC_KEY_ID_MODE_INDEX && f.sec.frame_counter != UINT32_MAX) {
        check(mac_security_protect(key, ext, out, olen) == MAC_OK);
        check(mac_security_unprotect(key, ext, out, olen, &g) == MAC_OK);
        check(g.payload_len == f.payload_len);
        check(memcmp(g.payload, before + f.header_len, f.payload_len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* As given, in a heap copy of exactly size bytes (ASan bounds). */
    uint8_t *raw = malloc(size ? size : 1);
    if (!raw)
        return 0;
    if (size)
        memcpy(raw, data, size);
    run(raw, size);
    free(raw);

    /* With a valid FCS appended. */
    if (size + MAC_FCS_LEN <= MAC_PSDU_MAX + 1) {
        size_t len = size + MAC_FCS_LEN;
        uint8_t *buf = malloc(len);
        if (!buf)
            return 0;
        if (size)
            memcpy(buf, data, size);
        uint16_t crc = mac_crc16_kermit(buf, size);
        buf[size] = (uint8_t)crc;
        buf[size + 1] = (uint8_t)(crc >> 8);
        run(buf, len);
        free(buf);
    }
    return 0;
}
