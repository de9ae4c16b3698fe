/*
 * libFuzzer harness for the MLE codec (thread/mle_msg, thread/mle_tlv).
 *
 * The input is used three ways:
 *   1. as a UDP payload of port 19788: mle_frame_parse, then mle_unprotect
 *      with a fixed key and addresses (reaches the MIC check);
 *   2. as plaintext (command || TLVs): the TLV walker, the validator and
 *      every message parser;
 *   3. as plaintext sealed with mle_protect and opened again.
 *
 * Checked invariants (abort on violation):
 *   - every result is a named error (< MLE_ERR__COUNT);
 *   - the walker never hands out a TLV outside the input;
 *   - protect then unprotect gives back the plaintext; a flipped MIC bit is
 *     MLE_ERR_MIC;
 *   - for the messages a parent sends, a parsed message rebuilds, the
 *     rebuilt bytes parse, and rebuilding that gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key[16] = {0x54, 0x45, 0xf4, 0x15, 0x8f, 0xd7, 0x59, 0x12,
                                0x17, 0x58, 0x09, 0xf8, 0xb5, 0x7a, 0x66, 0xa4};
static const uint8_t src[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                0x5c, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};
static const uint8_t dst[16] = {0xfe, 0x80, 0,    0,    0,    0,    0,    0,
                                0xd0, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0x59};

static void named(enum mle_err e)
{
    CHECK((unsigned)e < MLE_ERR__COUNT);
}

/* build(parse(x)) must parse again and rebuild to the same bytes. */
#define REBUILD(type, parse, build)                                                                \
    do {                                                                                           \
        static type a_, b_;                                                                        \
        static uint8_t o1_[1300], o2_[1300];                                                       \
        size_t l1_, l2_;                                                                           \
        enum mle_err e_ = parse(data, size, &a_);                                                  \
        named(e_);                                                                                 \
        if (e_ == MLE_OK) {                                                                        \
            e_ = build(&a_, o1_, sizeof(o1_), &l1_);                                               \
            named(e_);                                                                             \
            if (e_ == MLE_OK) {                                                                    \
                CHECK(parse(o1_, l1_, &b_) == MLE_OK);                                             \
                CHECK(build(&b_, o2_, sizeof(o2_), &l2_) == MLE_OK);                               \
                CHECK(l1_ == l2_ && !memcmp(o1_, o2_, l1_));                                       \
            }                                                                                      \
        }                                                                                          \
    } while (0)

static void parse_received(const uint8_t *data, size_t size)
{
    union {
        struct mle_parent_request a;
        struct mle_child_id_request b;
        struct mle_child_update_request c;
        struct mle_data_request d;
        struct mle_link_request e;
        struct mle_announce f;
        struct mle_discovery g;
    } u;
    named(mle_parse_parent_request(data, size, &u.a));
    named(mle_parse_child_id_request(data, size, &u.b));
    named(mle_parse_child_update_request(data, size, &u.c));
    named(mle_parse_data_request(data, size, &u.d));
    named(mle_parse_link_request(data, size, &u.e));
    named(mle_parse_announce(data, size, &u.f));
    named(mle_parse_discovery(data, size, &u.g));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t plain[1300], sealed[1300], opened[1300];
    size_t plain_len, sealed_len, opened_len;
    struct mle_frame f;

    /* 1. UDP payload */
    enum mle_err e = mle_frame_parse(data, size, &f);
    named(e);
    if (e == MLE_OK) {
        CHECK(f.body >= data && f.body + f.body_len <= data + size);
        e = mle_unprotect(key, src, dst, &f, plain, sizeof(plain), &plain_len);
        named(e);
        if (e == MLE_OK)
            CHECK(plain_len == f.body_len);
    }

    /* 2. plaintext: walker, validator, parsers */
    struct mle_tlv_iter it;
    struct mle_tlv t;
    mle_tlv_iter_init(&it, data, size);
    while (mle_tlv_next(&it, &t)) {
        CHECK(t.value >= data && t.value + t.len <= data + size);
        named(mle_tlv_check(&t));
    }
    named(it.err);
    unsigned unknown;
    struct mle_tlv bad;
    named(mle_tlv_validate(data, size, &unknown, &bad));
    struct mle_msg m;
    named(mle_msg_split(data, size, &m, &unknown));
    parse_received(data, size);
    REBUILD(struct mle_advertisement, mle_parse_advertisement, mle_build_advertisement);
    REBUILD(struct mle_parent_response, mle_parse_parent_response, mle_build_parent_response);
    REBUILD(struct mle_child_id_response, mle_parse_child_id_response, mle_build_child_id_response);
    REBUILD(struct mle_child_update_response, mle_parse_child_update_response,
            mle_build_child_update_response);
    REBUILD(struct mle_data_response, mle_parse_data_response, mle_build_data_response);

    /* 3. seal and open */
    if (size >= 1 && size <= MLE_MAX_PAYLOAD - 15) {
        struct mle_aux aux = {MLE_SEC_CTL, (uint32_t)size * 2654435761u, 0, 1};
        e = mle_protect(key, src, dst, &aux, data, size, sealed, sizeof(sealed), &sealed_len);
        CHECK(e == MLE_OK && sealed_len == size + 15);
        CHECK(mle_frame_parse(sealed, sealed_len, &f) == MLE_OK);
        e = mle_unprotect(key, src, dst, &f, opened, sizeof(opened), &opened_len);
        if (data[0] == MLE_CMD_DISCOVERY_REQUEST || data[0] == MLE_CMD_DISCOVERY_RESPONSE) {
            CHECK(e == MLE_ERR_SECURED_DISCOVERY);
        } else {
            CHECK(e == MLE_OK && opened_len == size && !memcmp(opened, data, size));
            sealed[sealed_len - 1] ^= 0x01;
            CHECK(mle_frame_parse(sealed, sealed_len, &f) == MLE_OK);
            CHECK(mle_unprotect(key, src, dst, &f, opened, sizeof(opened), &opened_len) ==
                  MLE_ERR_MIC);
        }
    }
    return 0;
}
