/*
 * libFuzzer harness for the CoAP codec and the TMF TLV parsers.
 *
 * Input: the UDP payload of a TMF message (any bytes).
 *
 * Checked invariants (abort on violation):
 *   - every result is a named error (coap_err_name / tmf_err_name);
 *   - a parsed message's option values and payload lie inside the input;
 *   - an accepted CoAP message re-encodes (coap_build) to exactly the input
 *     bytes: RFC 7252's option encoding has one form per value;
 *   - every TMF parser runs on the payload (and on the raw input); what one
 *     accepts, its builder encodes and the parser reads back unchanged;
 *   - the reliability helper (dedup + response matching) accepts the parsed
 *     message without misbehaving.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap.h"
#include "thread/tmf.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000];

static void inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
    if (n)
        CHECK(p != NULL && p >= buf && p + n <= buf + len);
}

/* Parse -> build -> parse again must give the same values. */
#define ROUNDTRIP(kind, p, n)                                                                      \
    do {                                                                                           \
        struct tmf_##kind a, b;                                                                    \
        enum tmf_err pe = tmf_parse_##kind(p, n, &a);                                              \
        CHECK(strcmp(tmf_err_name(pe), "TMF_ERR_?") != 0);                                         \
        if (pe == TMF_OK) {                                                                        \
            size_t olen;                                                                           \
            CHECK(tmf_build_##kind(&a, out, sizeof(out), &olen) == TMF_OK);                        \
            CHECK(olen <= sizeof(out));                                                            \
            CHECK(tmf_parse_##kind(out, olen, &b) == TMF_OK);                                      \
            same_##kind(&a, &b);                                                                   \
        }                                                                                          \
    } while (0)

static void same_addr_query(const struct tmf_addr_query *a, const struct tmf_addr_query *b)
{
    CHECK(memcmp(a->target_eid, b->target_eid, 16) == 0);
}

static void same_addr_notify(const struct tmf_addr_notify *a, const struct tmf_addr_notify *b)
{
    CHECK(memcmp(a->target_eid, b->target_eid, 16) == 0);
    CHECK(memcmp(a->ml_eid, b->ml_eid, 8) == 0 && a->rloc16 == b->rloc16);
    CHECK(a->has_last_transaction_time == b->has_last_transaction_time);
    CHECK(!a->has_last_transaction_time || a->last_transaction_time == b->last_transaction_time);
}

static void same_addr_error(const struct tmf_addr_error *a, const struct tmf_addr_error *b)
{
    CHECK(memcmp(a, b, sizeof(*a)) == 0);
}

static void same_addr_solicit(const struct tmf_addr_solicit *a, const struct tmf_addr_solicit *b)
{
    CHECK(memcmp(a->ext_mac, b->ext_mac, 8) == 0 && a->reason == b->reason);
    CHECK(a->has_rloc16 == b->has_rloc16 && (!a->has_rloc16 || a->rloc16 == b->rloc16));
}

static void same_addr_solicit_rsp(const struct tmf_addr_solicit_rsp *a,
                                  const struct tmf_addr_solicit_rsp *b)
{
    CHECK(a->status == b->status);
    CHECK(a->has_rloc16 == b->has_rloc16 && (!a->has_rloc16 || a->rloc16 == b->rloc16));
    CHECK(a->has_router_mask == b->has_router_mask);
    CHECK(!a->has_router_mask ||
          memcmp(&a->router_mask, &b->router_mask, sizeof(a->router_mask)) == 0);
}

static void same_addr_release(const struct tmf_addr_release *a, const struct tmf_addr_release *b)
{
    CHECK(memcmp(a, b, sizeof(*a)) == 0);
}

static void same_server_data(const struct tmf_server_data *a, const struct tmf_server_data *b)
{
    CHECK(a->has_network_data == b->has_network_data && a->has_rloc16 == b->has_rloc16);
    CHECK(!a->has_rloc16 || a->rloc16 == b->rloc16);
    CHECK(a->network_data_len == b->network_data_len);
    if (a->network_data_len)
        CHECK(memcmp(a->network_data, b->network_data, a->network_data_len) == 0);
}

static void tmf_all(const uint8_t *p, size_t n)
{
    struct tmf_tlvs t;
    enum tmf_err e = tmf_tlvs_parse(p, n, &t);
    CHECK(strcmp(tmf_err_name(e), "TMF_ERR_?") != 0);
    if (e == TMF_OK)
        inside(t.network_data, t.network_data_len, p, n);
    ROUNDTRIP(addr_query, p, n);
    ROUNDTRIP(addr_notify, p, n);
    ROUNDTRIP(addr_error, p, n);
    ROUNDTRIP(addr_solicit, p, n);
    ROUNDTRIP(addr_solicit_rsp, p, n);
    ROUNDTRIP(addr_release, p, n);
    ROUNDTRIP(server_data, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct coap_msg m;
    enum coap_err e = coap_parse(data, size, &m);
    CHECK(strcmp(coap_err_name(e), "COAP_ERR_?") != 0);
    tmf_all(data, size);
    if (e != COAP_OK)
        return 0;

    CHECK(m.token_len <= COAP_TOKEN_MAX && m.n_opts <= COAP_MAX_OPTIONS);
    for (unsigned i = 0; i < m.n_opts; i++) {
        inside(m.opts[i].val, m.opts[i].len, data, size);
        if (i)
            CHECK(m.opts[i].num >= m.opts[i - 1].num);
    }
    inside(m.payload, m.payload_len, data, size);
    CHECK(m.payload_len == 0 || m.payload + m.payload_len == data + size);

    size_t olen;
    CHECK(coap_build(&m, out, sizeof(out), &olen) == COAP_OK);
    CHECK(olen == size && memcmp(out, data, size) == 0);

    char uri[COAP_URI_MAX];
    if (coap_msg_uri_path(&m, uri, sizeof(uri)) == COAP_OK) {
        CHECK(strlen(uri) < sizeof(uri));
        enum tmf_uri u = tmf_uri_of(&m);
        if (u != TMF_URI_UNKNOWN)
            CHECK(strcmp(uri, tmf_uri_path(u)) == 0);
    }
    tmf_all(m.payload, m.payload_len);

    /* The reliability helper on the parsed message. */
    static struct coap_ctx ctx;
    coap_ctx_init(&ctx, 1);
    struct coap_peer peer = {.port = TMF_UDP_PORT};
    struct coap_msg req;
    coap_msg_init(&req, COAP_TYPE_CON, COAP_CODE_POST, m.mid);
    CHECK(coap_msg_set_token(&req, m.token, m.token_len) == COAP_OK);
    CHECK(coap_pending_add(&ctx, &peer, &req, 0, 0, NULL, NULL) == COAP_OK);
    (void)coap_pending_match(&ctx, &peer, &m, 1, NULL);
    CHECK(coap_dedup_check(&ctx, &peer, m.type, m.mid, 1, NULL, NULL) == COAP_DEDUP_NEW);
    if (m.type == COAP_TYPE_CON || m.type == COAP_TYPE_NON)
        CHECK(coap_dedup_check(&ctx, &peer, m.type, m.mid, 2, NULL, NULL) == COAP_DEDUP_DUPLICATE);

    /* A reply built for it parses again. */
    if (tmf_build_response(&m, COAP_CODE_CHANGED, 2, NULL, 0, out, sizeof(out), &olen, NULL) ==
        TMF_OK) {
        struct coap_msg r;
        CHECK(coap_parse(out, olen, &r) == COAP_OK);
    }
    return 0;
}
