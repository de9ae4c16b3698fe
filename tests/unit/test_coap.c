/*
 * coap + tmf: the CoAP codec (RFC 7252) and the TMF messages, checked
 * against every TMF frame of the OpenThread simulation captures in
 * $TBR_THREAD_VECTORS (parse, TLV decode, rebuild byte for byte), plus the
 * reliability helper and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "../support/thread_vec.h"
#include "coap/coap.h"
#include "thread/tmf.h"

static const char *const vec_files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};
/* TMF messages (frames with a `coap` field) in each capture. */
static const unsigned vec_tmf_counts[] = {7, 7, 0};

/* ---- helpers -------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    assert_non_null(s);
    long n = tvec_hex(s, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static void assert_hex_equal(const uint8_t *got, size_t len, const char *want_hex)
{
    uint8_t want[512];
    size_t n = hex(want_hex, want, sizeof(want));
    assert_int_equal(len, n);
    if (n)
        assert_memory_equal(got, want, n);
}

static void fmt_hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = '\0';
}

static void fmt_ip6(char *out, size_t cap, const uint8_t a[16])
{
    assert_non_null(inet_ntop(AF_INET6, a, out, (socklen_t)cap));
}

/* The UDP payload of a whole IPv6 packet (skipping Hop-by-Hop, Routing and
 * Destination Options headers); checks the ports are the TMF port. */
static size_t udp_payload(const uint8_t *ip, size_t len, const uint8_t **payload)
{
    assert_true(len >= 40);
    assert_int_equal(ip[0] >> 4, 6);
    uint8_t nh = ip[6];
    size_t off = 40;
    while (nh == 0 || nh == 43 || nh == 60) {
        assert_true(off + 2 <= len);
        uint8_t next = ip[off];
        off += ((size_t)ip[off + 1] + 1) * 8;
        nh = next;
    }
    assert_int_equal(nh, 17);
    assert_true(off + 8 <= len);
    assert_int_equal((ip[off] << 8) | ip[off + 1], TMF_UDP_PORT);
    assert_int_equal((ip[off + 2] << 8) | ip[off + 3], TMF_UDP_PORT);
    size_t ulen = (size_t)((ip[off + 4] << 8) | ip[off + 5]);
    assert_int_equal(ulen, len - off);
    *payload = ip + off + 8;
    return ulen - 8;
}

static const char *type_name(enum coap_type t)
{
    static const char *const n[] = {"CON", "NON", "ACK", "RST"};
    return n[t & 3];
}

/* ---- the captures ----------------------------------------------------------- */

struct seen_request {
    uint16_t mid;
    enum tmf_uri uri;
};

/* Rebuilds the TMF payload of a message from its decoded values only. */
static size_t rebuild_payload(enum tmf_uri uri, bool response, const uint8_t *payload, size_t plen,
                              uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (plen == 0)
        return 0;
    if (response) {
        assert_int_equal(uri, TMF_URI_ADDR_SOLICIT);
        struct tmf_addr_solicit_rsp r;
        assert_int_equal(tmf_parse_addr_solicit_rsp(payload, plen, &r), TMF_OK);
        assert_int_equal(tmf_build_addr_solicit_rsp(&r, out, cap, &n), TMF_OK);
        return n;
    }
    switch (uri) {
    case TMF_URI_ADDR_QUERY: {
        struct tmf_addr_query q;
        assert_int_equal(tmf_parse_addr_query(payload, plen, &q), TMF_OK);
        assert_int_equal(tmf_build_addr_query(&q, out, cap, &n), TMF_OK);
        break;
    }
    case TMF_URI_ADDR_NOTIFY: {
        struct tmf_addr_notify a;
        assert_int_equal(tmf_parse_addr_notify(payload, plen, &a), TMF_OK);
        assert_int_equal(tmf_build_addr_notify(&a, out, cap, &n), TMF_OK);
        break;
    }
    case TMF_URI_ADDR_SOLICIT: {
        struct tmf_addr_solicit s;
        assert_int_equal(tmf_parse_addr_solicit(payload, plen, &s), TMF_OK);
        assert_int_equal(tmf_build_addr_solicit(&s, out, cap, &n), TMF_OK);
        break;
    }
    case TMF_URI_SERVER_DATA: {
        struct tmf_server_data s;
        assert_int_equal(tmf_parse_server_data(payload, plen, &s), TMF_OK);
        assert_int_equal(tmf_build_server_data(&s, out, cap, &n), TMF_OK);
        break;
    }
    default:
        fail_msg("unexpected TMF uri %d", uri);
    }
    return n;
}

/* Prints and checks the decoded TLVs of one message against the capture's
 * node blocks. */
static void check_tlvs(const struct tvec_file *f, const char *frame, enum tmf_uri uri,
                       bool response, const uint8_t *payload, size_t plen)
{
    char a[INET6_ADDRSTRLEN], h[64];
    const struct tvec_block *n1 = tvec_find(f, "node", "1");
    assert_non_null(n1);
    unsigned long leader_rloc = strtoul(tvec_get(n1, "rloc16"), NULL, 16);

    if (response) {
        struct tmf_addr_solicit_rsp r;
        assert_int_equal(tmf_parse_addr_solicit_rsp(payload, plen, &r), TMF_OK);
        fmt_hex(h, r.router_mask.mask, 8);
        printf("    frame %s: a/as response status=%u rloc16=0x%04x id_seq=%u mask=%s\n", frame,
               r.status, r.rloc16, r.router_mask.id_seq, h);
        const struct tvec_block *n2 = tvec_find(f, "node", "2");
        assert_int_equal(r.status, TMF_STATUS_SUCCESS);
        assert_true(r.has_rloc16 && r.has_router_mask);
        assert_int_equal(r.rloc16, strtoul(tvec_get(n2, "rloc16_later"), NULL, 16));
        /* The leader's router id and the newly assigned one are both set. */
        unsigned got = 0;
        for (unsigned id = 0; id < 64; id++)
            got += tmf_router_mask_has(&r.router_mask, id);
        assert_int_equal(got, 2);
        assert_true(tmf_router_mask_has(&r.router_mask, (unsigned)(leader_rloc >> 10)));
        assert_true(tmf_router_mask_has(&r.router_mask, r.rloc16 >> 10));
        return;
    }
    switch (uri) {
    case TMF_URI_ADDR_QUERY: {
        struct tmf_addr_query q;
        assert_int_equal(tmf_parse_addr_query(payload, plen, &q), TMF_OK);
        fmt_ip6(a, sizeof(a), q.target_eid);
        printf("    frame %s: a/aq target=%s\n", frame, a);
        /* The target is the ML-EID of one of the capture's nodes. */
        bool found = false;
        for (unsigned i = 0; i < f->n; i++) {
            const char *ml = tvec_get(&f->blocks[i], "ml_eid");
            uint8_t want[16];
            if (tvec_get(&f->blocks[i], "node") && ml && inet_pton(AF_INET6, ml, want) == 1 &&
                memcmp(want, q.target_eid, 16) == 0)
                found = true;
        }
        assert_true(found);
        break;
    }
    case TMF_URI_ADDR_NOTIFY: {
        struct tmf_addr_notify an;
        assert_int_equal(tmf_parse_addr_notify(payload, plen, &an), TMF_OK);
        fmt_ip6(a, sizeof(a), an.target_eid);
        fmt_hex(h, an.ml_eid, 8);
        printf("    frame %s: a/an target=%s ml_eid=%s rloc16=0x%04x", frame, a, h, an.rloc16);
        if (an.has_last_transaction_time)
            printf(" last_tx=%u", an.last_transaction_time);
        printf("\n");
        assert_memory_equal(an.ml_eid, an.target_eid + 8, 8); /* target is an ML-EID */
        assert_int_equal(an.rloc16, leader_rloc);             /* the leader answers */
        break;
    }
    case TMF_URI_ADDR_SOLICIT: {
        struct tmf_addr_solicit s;
        assert_int_equal(tmf_parse_addr_solicit(payload, plen, &s), TMF_OK);
        fmt_hex(h, s.ext_mac, 8);
        printf("    frame %s: a/as ext=%s reason=%u%s\n", frame, h, s.reason,
               s.has_rloc16 ? " (+rloc16)" : "");
        const struct tvec_block *n2 = tvec_find(f, "node", "2");
        assert_string_equal(h, tvec_get(n2, "ext_addr"));
        assert_int_equal(s.reason, TMF_REASON_TOO_FEW_ROUTERS);
        assert_false(s.has_rloc16);
        break;
    }
    case TMF_URI_SERVER_DATA: {
        struct tmf_server_data s;
        assert_int_equal(tmf_parse_server_data(payload, plen, &s), TMF_OK);
        char nd[128];
        assert_true(s.has_network_data && s.network_data_len < 60);
        fmt_hex(nd, s.network_data, s.network_data_len);
        printf("    frame %s: a/sd network_data=%s%s\n", frame, nd,
               s.has_rloc16 ? " (+rloc16)" : "");
        /* The route fd99::/64 the MED registers (README: netdata after a/sd). */
        assert_string_equal(nd, "030f0040fd990000000000000103b00100");
        assert_false(s.has_rloc16);
        break;
    }
    default:
        fail_msg("unexpected uri");
    }
}

static void test_vectors(void **state)
{
    (void)state;
    unsigned total = 0, rebuilt = 0;
    for (unsigned fi = 0; fi < 3; fi++) {
        struct tvec_file f;
        assert_int_equal(tvec_load(vec_files[fi], &f), 0);
        struct seen_request reqs[32];
        unsigned n_reqs = 0, count = 0;
        printf("  %s\n", vec_files[fi]);
        for (unsigned bi = 0; bi < f.n; bi++) {
            const struct tvec_block *b = &f.blocks[bi];
            const char *coap = tvec_get(b, "coap");
            if (!coap || !tvec_get(b, "frame"))
                continue;
            count++;
            const char *frame = tvec_get(b, "frame");
            static uint8_t ip[2048];
            size_t iplen = hex(tvec_get(b, "lowpan_decompressed_ipv6"), ip, sizeof(ip));
            const uint8_t *udp;
            size_t ulen = udp_payload(ip, iplen, &udp);

            struct coap_msg m;
            enum coap_err e = coap_parse(udp, ulen, &m);
            assert_int_equal(e, COAP_OK);

            /* The header exactly as the `coap` field gives it. */
            char uri[COAP_URI_MAX], want[160];
            assert_int_equal(coap_msg_uri_path(&m, uri, sizeof(uri)), COAP_OK);
            snprintf(want, sizeof(want), "type=%s code=%u.%02u mid=%u uri=%s", type_name(m.type),
                     COAP_CODE_CLASS(m.code), COAP_CODE_DETAIL(m.code), m.mid, uri[0] ? uri : "-");
            assert_string_equal(want, coap);
            assert_int_equal(m.token_len, 2); /* OpenThread's TMF token */

            /* The payload equals coap_payload. */
            const char *cp = tvec_get(b, "coap_payload");
            assert_non_null(cp);
            if (strcmp(cp, "-") == 0)
                assert_int_equal(m.payload_len, 0);
            else
                assert_hex_equal(m.payload, m.payload_len, cp);

            /* TLVs: requests by their Uri-Path, responses by the request's MID. */
            bool response = coap_code_kind(m.code) == COAP_KIND_RESPONSE;
            enum tmf_uri turi = TMF_URI_UNKNOWN;
            if (!response) {
                assert_int_equal(m.code, COAP_CODE_POST);
                turi = tmf_uri_of(&m);
                assert_int_not_equal(turi, TMF_URI_UNKNOWN);
                assert_string_equal(tmf_uri_path(turi), uri);
                assert_true(n_reqs < 32);
                reqs[n_reqs].mid = m.mid;
                reqs[n_reqs++].uri = turi;
            } else {
                assert_int_equal(m.type, COAP_TYPE_ACK);
                assert_int_equal(m.code, COAP_CODE_CHANGED);
                for (unsigned i = 0; i < n_reqs; i++) {
                    if (reqs[i].mid == m.mid)
                        turi = reqs[i].uri;
                }
                assert_int_not_equal(turi, TMF_URI_UNKNOWN);
            }
            if (m.payload_len > 0)
                check_tlvs(&f, frame, turi, response, m.payload, m.payload_len);
            else
                printf("    frame %s: %s (empty)\n", frame, coap);

            /* Rebuild from the parsed fields: header values, token, Uri-Path
             * text and the TLV values only. */
            uint8_t pay[256], out[512];
            size_t plen =
                rebuild_payload(turi, response, m.payload, m.payload_len, pay, sizeof(pay));
            assert_int_equal(plen, m.payload_len);
            size_t olen = 0;
            enum coap_err ce;
            if (!response) {
                assert_int_equal(tmf_build_request(m.type, m.mid, m.token, m.token_len, turi, pay,
                                                   plen, out, sizeof(out), &olen, &ce),
                                 TMF_OK);
            } else {
                struct coap_msg req;
                coap_msg_init(&req, COAP_TYPE_CON, COAP_CODE_POST, m.mid);
                assert_int_equal(coap_msg_set_token(&req, m.token, m.token_len), COAP_OK);
                assert_int_equal(
                    tmf_build_response(&req, m.code, 0, pay, plen, out, sizeof(out), &olen, &ce),
                    TMF_OK);
            }
            assert_int_equal(olen, ulen);
            assert_memory_equal(out, udp, ulen);
            /* And the generic coap_build of the parsed message. */
            assert_int_equal(coap_build(&m, out, sizeof(out), &olen), COAP_OK);
            assert_int_equal(olen, ulen);
            assert_memory_equal(out, udp, ulen);
            rebuilt++;
        }
        assert_int_equal(count, vec_tmf_counts[fi]);
        total += count;
        tvec_free(&f);
    }
    printf("  %u TMF messages parsed, %u rebuilt byte for byte\n", total, rebuilt);
    assert_int_equal(total, 14);
    assert_int_equal(rebuilt, 14);
}

/* Exact values of the hand-picked TMF frames. */
static void test_vector_values(void **state)
{
    (void)state;
    struct coap_msg m;
    uint8_t buf[128];
    size_t n;

    /* attach-ftd-child frame 16: a/aq NON, token 13d4. */
    n = hex("52024cd813d4b161026171ff0010fd8ac0042ff7edce9304df0b4fcacacf", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(m.type, COAP_TYPE_NON);
    assert_int_equal(m.mid, 19672);
    assert_hex_equal(m.token, m.token_len, "13d4");
    assert_int_equal(m.n_opts, 2);
    assert_true(coap_msg_uri_equals(&m, "a/aq"));
    assert_true(coap_msg_uri_equals(&m, "/a/aq"));
    assert_false(coap_msg_uri_equals(&m, "a/an"));
    assert_false(coap_msg_uri_equals(&m, "a/a"));
    assert_false(coap_msg_uri_equals(&m, "a/aqq"));
    assert_false(coap_msg_uri_equals(&m, "a"));
    assert_false(coap_msg_uri_equals(&m, "a/aq/"));
    struct tmf_addr_query q;
    assert_int_equal(tmf_parse_addr_query(m.payload, m.payload_len, &q), TMF_OK);
    assert_hex_equal(q.target_eid, 16, "fd8ac0042ff7edce9304df0b4fcacacf");

    /* med-and-netdata frame 43: a/an with Last Transaction Time (proxy for a MED). */
    n = hex("4202fdda9d47b16102616eff0010fd000db8aaaabbbb7db59e80cb7c445903087db59e80cb7c4459"
            "0202b000060400000006",
            buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(tmf_uri_of(&m), TMF_URI_ADDR_NOTIFY);
    struct tmf_addr_notify an;
    assert_int_equal(tmf_parse_addr_notify(m.payload, m.payload_len, &an), TMF_OK);
    assert_hex_equal(an.target_eid, 16, "fd000db8aaaabbbb7db59e80cb7c4459");
    assert_hex_equal(an.ml_eid, 8, "7db59e80cb7c4459");
    assert_int_equal(an.rloc16, 0xb000);
    assert_true(an.has_last_transaction_time);
    assert_int_equal(an.last_transaction_time, 6);

    /* attach-ftd-child frame 46/48: a/as and its 2.04 (success, 0x4800). */
    n = hex("42024cd9ef0eb161026173ff0108d29596e8f3cdbe59040102", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    struct tmf_addr_solicit as;
    assert_int_equal(tmf_parse_addr_solicit(m.payload, m.payload_len, &as), TMF_OK);
    assert_hex_equal(as.ext_mac, 8, "d29596e8f3cdbe59");
    assert_int_equal(as.reason, TMF_REASON_TOO_FEW_ROUTERS);
    /* What the border router answers instead: 2.04 + Status 1 (interop §3.8). */
    uint8_t rej[64];
    size_t rlen;
    enum coap_err ce;
    assert_int_equal(tmf_build_addr_solicit_reject(&m, 0, rej, sizeof(rej), &rlen, &ce), TMF_OK);
    assert_hex_equal(rej, rlen, "62444cd9ef0eff040101");
    struct coap_msg r;
    assert_int_equal(coap_parse(rej, rlen, &r), COAP_OK);
    struct tmf_addr_solicit_rsp rsp;
    assert_int_equal(tmf_parse_addr_solicit_rsp(r.payload, r.payload_len, &rsp), TMF_OK);
    assert_int_equal(rsp.status, TMF_STATUS_NO_ADDRESS_AVAILABLE);
    assert_false(rsp.has_rloc16);
    /* Rejecting an a/aq as if it were a/as is refused. */
    n = hex("52024cd813d4b161026171ff0010fd8ac0042ff7edce9304df0b4fcacacf", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(tmf_build_addr_solicit_reject(&m, 0, rej, sizeof(rej), &rlen, &ce),
                     TMF_ERR_NOT_TMF);

    n = hex("040100020248000709230200200000000000", buf, sizeof(buf));
    assert_int_equal(tmf_parse_addr_solicit_rsp(buf, n, &rsp), TMF_OK);
    assert_int_equal(rsp.status, 0);
    assert_int_equal(rsp.rloc16, 0x4800);
    assert_int_equal(rsp.router_mask.id_seq, 0x23);
    assert_true(tmf_router_mask_has(&rsp.router_mask, 6));
    assert_true(tmf_router_mask_has(&rsp.router_mask, 18));
    assert_false(tmf_router_mask_has(&rsp.router_mask, 0));
    struct tmf_router_mask rm = {.id_seq = 0x23};
    tmf_router_mask_set(&rm, 6);
    tmf_router_mask_set(&rm, 18);
    assert_memory_equal(&rm, &rsp.router_mask, sizeof(rm));

    /* med-and-netdata frame 61: the empty 2.04 ACK of a/sd. */
    n = hex("6244394fb6a3", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(m.type, COAP_TYPE_ACK);
    assert_int_equal(m.code, COAP_CODE_CHANGED);
    assert_int_equal(m.mid, 14671);
    assert_int_equal(m.payload_len, 0);
    assert_null(m.payload);
}

/* Address Error and Address Release, which the captures lack: the layout
 * OpenThread sends (address_resolver.cpp SendAddressError, mle_ftd.cpp
 * SendAddressRelease) built, parsed back and framed as a request. */
static void test_tmf_other_messages(void **state)
{
    (void)state;
    uint8_t buf[128], msg[160];
    size_t n, mlen;
    struct tmf_addr_error ae = {0};
    hex("fd8ac0042ff7edce9304df0b4fcacacf", ae.target_eid, 16);
    hex("1122334455667788", ae.ml_eid, 8);
    assert_int_equal(tmf_build_addr_error(&ae, buf, sizeof(buf), &n), TMF_OK);
    assert_hex_equal(buf, n, "0010fd8ac0042ff7edce9304df0b4fcacacf03081122334455667788");
    struct tmf_addr_error ae2;
    assert_int_equal(tmf_parse_addr_error(buf, n, &ae2), TMF_OK);
    assert_memory_equal(&ae, &ae2, sizeof(ae));
    const uint8_t tok[2] = {0xab, 0xcd};
    enum coap_err ce;
    assert_int_equal(tmf_build_request(COAP_TYPE_NON, 7, tok, 2, TMF_URI_ADDR_ERROR, buf, n, msg,
                                       sizeof(msg), &mlen, &ce),
                     TMF_OK);
    assert_hex_equal(msg, 12, "52020007abcdb161026165ff");
    struct coap_msg m;
    assert_int_equal(coap_parse(msg, mlen, &m), COAP_OK);
    assert_int_equal(tmf_uri_of(&m), TMF_URI_ADDR_ERROR);

    struct tmf_addr_release ar = {.rloc16 = 0x4800};
    hex("d29596e8f3cdbe59", ar.ext_mac, 8);
    assert_int_equal(tmf_build_addr_release(&ar, buf, sizeof(buf), &n), TMF_OK);
    assert_hex_equal(buf, n, "020248000108d29596e8f3cdbe59");
    struct tmf_addr_release ar2;
    assert_int_equal(tmf_parse_addr_release(buf, n, &ar2), TMF_OK);
    assert_memory_equal(&ar, &ar2, sizeof(ar));
    assert_int_equal(tmf_build_request(COAP_TYPE_CON, 8, tok, 2, TMF_URI_ADDR_RELEASE, buf, n, msg,
                                       sizeof(msg), &mlen, &ce),
                     TMF_OK);
    assert_int_equal(coap_parse(msg, mlen, &m), COAP_OK);
    assert_int_equal(tmf_uri_of(&m), TMF_URI_ADDR_RELEASE);

    /* a/as from a former router: RLOC16 goes between ext address and status. */
    struct tmf_addr_solicit as = {.has_rloc16 = true, .rloc16 = 0x4800, .reason = 2};
    hex("d29596e8f3cdbe59", as.ext_mac, 8);
    assert_int_equal(tmf_build_addr_solicit(&as, buf, sizeof(buf), &n), TMF_OK);
    assert_hex_equal(buf, n,
                     "0108d29596e8f3cdbe59020248000401"
                     "02");

    /* a/sd with the old RLOC16 only, and with network data + RLOC16. */
    struct tmf_server_data sd = {.has_rloc16 = true, .rloc16 = 0xb001};
    assert_int_equal(tmf_build_server_data(&sd, buf, sizeof(buf), &n), TMF_OK);
    assert_hex_equal(buf, n, "0202b001");
    const uint8_t nd[3] = {1, 2, 3};
    sd.has_network_data = true;
    sd.network_data = nd;
    sd.network_data_len = 3;
    assert_int_equal(tmf_build_server_data(&sd, buf, sizeof(buf), &n), TMF_OK);
    assert_hex_equal(buf, n, "0a030102030202b001");
    struct tmf_server_data sd2;
    assert_int_equal(tmf_parse_server_data(buf, n, &sd2), TMF_OK);
    assert_true(sd2.has_network_data && sd2.has_rloc16);
    assert_int_equal(sd2.rloc16, 0xb001);
    assert_int_equal(sd2.network_data_len, 3);
    assert_memory_equal(sd2.network_data, nd, 3);
    /* Empty a/sd has neither TLV. */
    assert_int_equal(tmf_parse_server_data(NULL, 0, &sd2), TMF_ERR_MISSING_TLV);

    /* Extended TLV length for network data of 300 bytes, and back. */
    static uint8_t big[300], bigbuf[400];
    for (unsigned i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)i;
    struct tmf_server_data sdb = {
        .has_network_data = true, .network_data = big, .network_data_len = sizeof(big)};
    assert_int_equal(tmf_build_server_data(&sdb, bigbuf, sizeof(bigbuf), &n), TMF_OK);
    assert_int_equal(n, 4 + 300);
    assert_hex_equal(bigbuf, 4, "0aff012c");
    assert_int_equal(tmf_parse_server_data(bigbuf, n, &sd2), TMF_OK);
    assert_int_equal(sd2.network_data_len, 300);
    assert_memory_equal(sd2.network_data, big, 300);
    assert_int_equal(tmf_build_server_data(&sdb, bigbuf, 303, &n), TMF_ERR_NO_SPACE);

    /* A success response without RLOC16/Router Mask is refused both ways. */
    struct tmf_addr_solicit_rsp bad = {.status = 0};
    assert_int_equal(tmf_build_addr_solicit_rsp(&bad, buf, sizeof(buf), &n), TMF_ERR_INVALID_ARG);
    n = hex("040100", buf, sizeof(buf));
    struct tmf_addr_solicit_rsp rsp;
    assert_int_equal(tmf_parse_addr_solicit_rsp(buf, n, &rsp), TMF_ERR_MISSING_TLV);
    n = hex("040106", buf, sizeof(buf));
    assert_int_equal(tmf_parse_addr_solicit_rsp(buf, n, &rsp), TMF_OK);
    assert_int_equal(rsp.status, TMF_STATUS_UNRECOGNIZED_REASON);

    for (int e = TMF_OK; e <= TMF_ERR_INVALID_ARG; e++)
        assert_string_not_equal(tmf_err_name((enum tmf_err)e), "TMF_ERR_?");
    assert_null(tmf_uri_path(TMF_URI_UNKNOWN));
}

/* ---- CoAP codec ----------------------------------------------------------- */

static void test_coap_options(void **state)
{
    (void)state;
    struct coap_msg m;
    uint8_t out[1024];
    size_t n;

    /* Options added out of order are kept sorted; repeats keep order. */
    uint8_t cf[4];
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 0x1234);
    const uint8_t tok[2] = {0xc3, 0x50};
    assert_int_equal(coap_msg_set_token(&m, tok, 2), COAP_OK);
    assert_int_equal(coap_msg_add_uint_option(&m, COAP_OPT_CONTENT_FORMAT, 0, cf), COAP_OK);
    assert_int_equal(coap_msg_set_uri_path(&m, "a/an"), COAP_OK);
    assert_int_equal(m.opts[0].num, COAP_OPT_URI_PATH);
    assert_int_equal(m.opts[2].num, COAP_OPT_CONTENT_FORMAT);
    const uint8_t pl[1] = {0x42};
    coap_msg_set_payload(&m, pl, 1);
    assert_int_equal(coap_build(&m, out, sizeof(out), &n), COAP_OK);
    /* Uri-Path "a" (delta 11), "an" (delta 0), Content-Format 0 (delta 1, len 0). */
    assert_hex_equal(out, n, "42021234c350b16102616e10ff42");
    char uri[16];
    struct coap_msg p;
    assert_int_equal(coap_parse(out, n, &p), COAP_OK);
    assert_int_equal(coap_msg_uri_path(&p, uri, sizeof(uri)), COAP_OK);
    assert_string_equal(uri, "a/an");
    const struct coap_option *o = coap_msg_find_option(&p, COAP_OPT_CONTENT_FORMAT);
    assert_non_null(o);
    uint32_t v = 99;
    assert_true(coap_uint_decode(o->val, o->len, &v));
    assert_int_equal(v, 0);
    /* Too small a URI buffer, then exactly big enough. */
    assert_int_equal(coap_msg_uri_path(&p, uri, 4), COAP_ERR_NO_SPACE);
    assert_int_equal(coap_msg_uri_path(&p, uri, 5), COAP_OK);

    /* uint encoding (§3.2). */
    uint8_t u[4];
    assert_int_equal(coap_uint_encode(0, u), 0);
    assert_int_equal(coap_uint_encode(0x2a, u), 1);
    assert_int_equal(coap_uint_encode(0x10000, u), 3);
    assert_hex_equal(u, 3, "010000");
    assert_false(coap_uint_decode(u, 5, &v));

    /* Extended delta and length forms (§3.1): option 13 (delta form 13 +0),
     * 268 (form 13 +255), 269 (form 14 +0), 65535; lengths 12, 13, 268, 269. */
    static uint8_t val[400];
    memset(val, 0xa5, sizeof(val));
    coap_msg_init(&m, COAP_TYPE_NON, COAP_CODE_GET, 1);
    assert_int_equal(coap_msg_add_option(&m, 13, val, 12), COAP_OK);
    assert_int_equal(coap_msg_add_option(&m, 268, val, 13), COAP_OK);
    assert_int_equal(coap_msg_add_option(&m, 269 + 268, val, 268), COAP_OK);
    assert_int_equal(coap_msg_add_option(&m, 65535, val, 269), COAP_OK);
    assert_int_equal(coap_build(&m, out, sizeof(out), &n), COAP_OK);
    assert_hex_equal(out, 4, "50010001");
    size_t at = 4;
    assert_hex_equal(out + at, 2, "dc00"); /* delta 13 = 13+0, length 12 */
    at += 2 + 12;
    assert_hex_equal(out + at, 3, "ddf200"); /* delta 255 = 13+242, length 13 = 13+0 */
    at += 3 + 13;
    assert_hex_equal(out + at, 4, "ed0000ff"); /* delta 269 = 269+0, length 268 = 13+255 */
    at += 4 + 268;
    assert_hex_equal(out + at, 5, "eefcd90000"); /* delta 64998 = 269+64729, length 269 */
    at += 5 + 269;
    assert_int_equal(n, at);
    assert_int_equal(coap_parse(out, n, &p), COAP_OK);
    assert_int_equal(p.n_opts, 4);
    assert_int_equal(p.opts[0].num, 13);
    assert_int_equal(p.opts[1].num, 268);
    assert_int_equal(p.opts[2].num, 537);
    assert_int_equal(p.opts[2].len, 268);
    assert_int_equal(p.opts[3].num, 65535);
    assert_int_equal(p.opts[3].len, 269);
    size_t n2;
    uint8_t out2[1024];
    assert_int_equal(coap_build(&p, out2, sizeof(out2), &n2), COAP_OK);
    assert_int_equal(n2, n);
    assert_memory_equal(out, out2, n);

    /* Options in an unsorted raw array are refused by the builder. */
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 1);
    m.n_opts = 2;
    m.opts[0] = (struct coap_option){.num = 12};
    m.opts[1] = (struct coap_option){.num = 11};
    assert_int_equal(coap_build(&m, out, sizeof(out), &n), COAP_ERR_OPTION_ORDER);

    /* Bad Uri-Path text. */
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 1);
    assert_int_equal(coap_msg_set_uri_path(&m, ""), COAP_ERR_URI);
    assert_int_equal(coap_msg_set_uri_path(&m, "a//b"), COAP_ERR_URI);
    assert_int_equal(coap_msg_set_uri_path(&m, "a/"), COAP_ERR_URI);
    assert_int_equal(m.n_opts, 0);
    assert_int_equal(coap_msg_set_uri_path(&m, "/a/sd"), COAP_OK);
    assert_true(coap_msg_uri_equals(&m, "a/sd"));
    /* A received segment containing '/' cannot be joined unambiguously. */
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 1);
    assert_int_equal(coap_msg_add_option(&m, COAP_OPT_URI_PATH, "a/aq", 4), COAP_OK);
    assert_int_equal(coap_msg_uri_path(&m, uri, sizeof(uri)), COAP_ERR_URI);
    assert_false(coap_msg_uri_equals(&m, "a/aq"));
    assert_int_equal(tmf_uri_of(&m), TMF_URI_UNKNOWN);

    /* Too many options, token too long, buffer too small. */
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 1);
    for (unsigned i = 0; i < COAP_MAX_OPTIONS; i++)
        assert_int_equal(coap_msg_add_option(&m, 60, NULL, 0), COAP_OK);
    assert_int_equal(coap_msg_add_option(&m, 60, NULL, 0), COAP_ERR_TOO_MANY_OPTIONS);
    uint8_t t9[9] = {0};
    assert_int_equal(coap_msg_set_token(&m, t9, 9), COAP_ERR_INVALID_ARG);
    coap_msg_init(&m, COAP_TYPE_CON, COAP_CODE_POST, 1);
    assert_int_equal(coap_msg_set_uri_path(&m, "a/aq"), COAP_OK);
    assert_int_equal(coap_build(&m, out, 9, &n), COAP_OK); /* 40020001 b161 026171 */
    assert_hex_equal(out, n, "40020001b161026171");
    assert_int_equal(coap_build(&m, out, 8, &n), COAP_ERR_NO_SPACE);
    /* Empty message with a token cannot be built (§4.1). */
    coap_msg_init(&m, COAP_TYPE_ACK, COAP_CODE_EMPTY, 1);
    assert_int_equal(coap_build(&m, out, sizeof(out), &n), COAP_OK);
    assert_hex_equal(out, n, "60000001");
    assert_int_equal(coap_msg_set_token(&m, tok, 2), COAP_OK);
    assert_int_equal(coap_build(&m, out, sizeof(out), &n), COAP_ERR_INVALID_ARG);

    assert_int_equal(coap_code_kind(COAP_CODE_EMPTY), COAP_KIND_EMPTY);
    assert_int_equal(coap_code_kind(COAP_CODE_POST), COAP_KIND_REQUEST);
    assert_int_equal(coap_code_kind(COAP_CODE_CHANGED), COAP_KIND_RESPONSE);
    assert_int_equal(coap_code_kind(COAP_CODE(1, 0)), COAP_KIND_RESERVED);
    assert_int_equal(coap_code_kind(COAP_CODE(7, 31)), COAP_KIND_RESERVED);
    assert_true(coap_option_is_critical(COAP_OPT_URI_PATH));
    assert_false(coap_option_is_critical(COAP_OPT_CONTENT_FORMAT));
}

struct bad_case {
    const char *hex;
    enum coap_err err;
};

static void test_coap_malformed(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", COAP_ERR_TRUNCATED},
        {"420200", COAP_ERR_TRUNCATED},
        {"82020001", COAP_ERR_VERSION},                   /* Ver 2 */
        {"02020001", COAP_ERR_VERSION},                   /* Ver 0 */
        {"49020001", COAP_ERR_TOKEN_LEN},                 /* TKL 9 */
        {"4f020001", COAP_ERR_TOKEN_LEN},                 /* TKL 15 */
        {"42020001aa", COAP_ERR_TRUNCATED},               /* token cut */
        {"60000001ff", COAP_ERR_EMPTY_NOT_EMPTY},         /* bytes after an Empty */
        {"61000001aa", COAP_ERR_EMPTY_NOT_EMPTY},         /* Empty with a token */
        {"40020001ff", COAP_ERR_EMPTY_PAYLOAD},           /* marker, no payload */
        {"40020001f1aa", COAP_ERR_OPTION_NIBBLE},         /* delta nibble 15, length 1 */
        {"400200011faa", COAP_ERR_OPTION_NIBBLE},         /* length nibble 15 */
        {"40020001b5616263", COAP_ERR_TRUNCATED},         /* length 5, 3 left */
        {"40020001d1", COAP_ERR_TRUNCATED},               /* delta ext byte missing */
        {"40020001e1ff", COAP_ERR_TRUNCATED},             /* delta ext u16 cut */
        {"400200011d", COAP_ERR_TRUNCATED},               /* length ext byte missing */
        {"400200011eff", COAP_ERR_TRUNCATED},             /* length ext u16 cut */
        {"400200011effff61", COAP_ERR_TRUNCATED},         /* length 65804, 1 byte left */
        {"40020001e0ffff", COAP_ERR_OPTION_NUMBER},       /* 269 + 65535 */
        {"40020001e0fef2e00001", COAP_ERR_OPTION_NUMBER}, /* 65535, then +269 */
        {"40020001eeffffffff", COAP_ERR_OPTION_NUMBER},   /* both maximal */
        {"400200010effff", COAP_ERR_TRUNCATED},           /* length 65804, none left */
        {"400200010000000000000000000000000000000000", COAP_ERR_TOO_MANY_OPTIONS},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[64];
        size_t n = hex(cases[i].hex, buf, sizeof(buf));
        struct coap_msg m;
        enum coap_err e = coap_parse(n ? buf : NULL, n, &m);
        if (e != cases[i].err)
            fail_msg("case %u (%s): got %s, want %s", i, cases[i].hex, coap_err_name(e),
                     coap_err_name(cases[i].err));
    }
    /* An option longer than 65535 (length 269 + 65535) that does fit in
     * the buffer cannot be represented: named error, not a wrapped length. */
    size_t big_n = 4 + 3 + 65804;
    uint8_t *big = calloc(1, big_n);
    assert_non_null(big);
    memcpy(big, "\x40\x02\x00\x01\x1e\xff\xff", 7);
    struct coap_msg bm;
    assert_int_equal(coap_parse(big, big_n, &bm), COAP_ERR_OPTION_LEN);
    assert_int_equal(coap_parse(big, big_n - 1, &bm), COAP_ERR_TRUNCATED);
    big[6] = 0xfe; /* length 269 + 65534 = 65803: still too long */
    assert_int_equal(coap_parse(big, big_n, &bm), COAP_ERR_OPTION_LEN);
    big[5] = 0xfe;
    big[6] = 0xf2; /* 269 + 65266 = 65535: fits */
    assert_int_equal(coap_parse(big, 7 + 65535, &bm), COAP_OK);
    assert_int_equal(bm.opts[0].len, 65535);
    /* then 269 zero bytes = 269 empty options with delta 0 */
    assert_int_equal(coap_parse(big, big_n, &bm), COAP_ERR_TOO_MANY_OPTIONS);
    big[7 + 65535] = COAP_PAYLOAD_MARKER; /* now a payload of 268 bytes */
    assert_int_equal(coap_parse(big, big_n, &bm), COAP_OK);
    assert_int_equal(bm.payload_len, 268);
    free(big);

    /* Option 65535 exactly is fine; 16 options exactly are fine. */
    uint8_t buf[64];
    size_t n = hex("40020001e0fef2", buf, sizeof(buf));
    struct coap_msg m;
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(m.opts[0].num, 65535);
    n = hex("4002000100000000000000000000000000000000", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(m.n_opts, 16);
    /* A reserved code class parses; the header can be peeked for an RST. */
    n = hex("40e01234", buf, sizeof(buf));
    assert_int_equal(coap_parse(buf, n, &m), COAP_OK);
    assert_int_equal(coap_code_kind(m.code), COAP_KIND_RESERVED);
    n = hex("4f021234", buf, sizeof(buf));
    enum coap_type t;
    uint8_t code;
    uint16_t mid;
    assert_int_equal(coap_peek_header(buf, n, &t, &code, &mid), COAP_OK);
    assert_int_equal(mid, 0x1234);
    assert_int_equal(t, COAP_TYPE_CON);
    assert_int_equal(coap_peek_header(buf, 3, &t, &code, &mid), COAP_ERR_TRUNCATED);

    for (int e = COAP_OK; e <= COAP_ERR_NOT_FOUND; e++)
        assert_string_not_equal(coap_err_name((enum coap_err)e), "COAP_ERR_?");
}

struct tmf_bad {
    const char *hex;
    enum tmf_err err;
};

static void test_tmf_malformed(void **state)
{
    (void)state;
    static const struct tmf_bad cases[] = {
        {"00", TMF_ERR_TRUNCATED},                               /* type, no length */
        {"0010fd8a", TMF_ERR_TRUNCATED},                         /* value cut */
        {"0aff", TMF_ERR_TRUNCATED},                             /* ext length missing */
        {"0aff0100", TMF_ERR_TRUNCATED},                         /* ext length 256, 0 left */
        {"000ffd8ac0042ff7edce9304df0b4fcaca", TMF_ERR_TLV_LEN}, /* EID 15 bytes */
        {"020148", TMF_ERR_TLV_LEN},                             /* RLOC16 1 byte */
        {"0400", TMF_ERR_TLV_LEN},                               /* Status empty */
        {"0708230200200000000000", TMF_ERR_TLV_LEN},             /* mask 8 bytes */
        {"02024800"
         "02024801",
         TMF_ERR_DUPLICATE_TLV},
        {"0a00"
         "0a00",
         TMF_ERR_DUPLICATE_TLV},
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t buf[64];
        size_t n = hex(cases[i].hex, buf, sizeof(buf));
        struct tmf_tlvs t;
        enum tmf_err e = tmf_tlvs_parse(buf, n, &t);
        if (e != cases[i].err)
            fail_msg("case %u (%s): got %s, want %s", i, cases[i].hex, tmf_err_name(e),
                     tmf_err_name(cases[i].err));
    }
    /* Missing required TLVs. */
    uint8_t buf[64];
    size_t n = hex("0010fd8ac0042ff7edce9304df0b4fcacacf03089304df0b4fcacacf", buf, sizeof(buf));
    struct tmf_addr_notify an;
    assert_int_equal(tmf_parse_addr_notify(buf, n, &an), TMF_ERR_MISSING_TLV);
    struct tmf_addr_query q;
    assert_int_equal(tmf_parse_addr_query(NULL, 0, &q), TMF_ERR_MISSING_TLV);
    n = hex("040102", buf, sizeof(buf));
    struct tmf_addr_solicit as;
    assert_int_equal(tmf_parse_addr_solicit(buf, n, &as), TMF_ERR_MISSING_TLV);
    struct tmf_addr_release ar;
    assert_int_equal(tmf_parse_addr_release(buf, n, &ar), TMF_ERR_MISSING_TLV);
    struct tmf_addr_error ae;
    assert_int_equal(tmf_parse_addr_error(buf, n, &ae), TMF_ERR_MISSING_TLV);
    /* Unknown TLVs are skipped; longer known TLVs are read (extra ignored). */
    n = hex("3003aabbcc"
            "0203b00099"
            "ff00",
            buf, sizeof(buf));
    struct tmf_tlvs t;
    assert_int_equal(tmf_tlvs_parse(buf, n, &t), TMF_OK);
    assert_true(tmf_has(&t, TMF_TLV_RLOC16));
    assert_int_equal(t.rloc16, 0xb000);
    assert_int_equal(t.present, 1u << TMF_TLV_RLOC16);
    /* Builders into too small a buffer. */
    struct tmf_addr_query qq = {{0}};
    assert_int_equal(tmf_build_addr_query(&qq, buf, 17, &n), TMF_ERR_NO_SPACE);
    assert_int_equal(tmf_build_addr_query(&qq, buf, 18, &n), TMF_OK);
    enum coap_err ce;
    assert_int_equal(tmf_build_request(COAP_TYPE_CON, 1, NULL, 0, TMF_URI_ADDR_QUERY, buf, 18,
                                       buf + 18, 10, &n, &ce),
                     TMF_ERR_COAP);
    assert_int_equal(ce, COAP_ERR_NO_SPACE);
    assert_int_equal(tmf_build_request(COAP_TYPE_ACK, 1, NULL, 0, TMF_URI_ADDR_QUERY, NULL, 0, buf,
                                       sizeof(buf), &n, &ce),
                     TMF_ERR_INVALID_ARG);
    assert_int_equal(tmf_build_request(COAP_TYPE_CON, 1, NULL, 0, TMF_URI_UNKNOWN, NULL, 0, buf,
                                       sizeof(buf), &n, &ce),
                     TMF_ERR_INVALID_ARG);
}

/* ---- hostile input -------------------------------------------------------- */

static uint32_t rng_state = 0x2545f491u;

static uint32_t rnd32(void)
{
    uint32_t x = rng_state; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* Every TMF parser on a payload: must return a named error or succeed. */
static void all_tmf(const uint8_t *p, size_t n)
{
    struct tmf_tlvs t;
    struct tmf_addr_query q;
    struct tmf_addr_notify an;
    struct tmf_addr_error ae;
    struct tmf_addr_solicit as;
    struct tmf_addr_solicit_rsp ar;
    struct tmf_addr_release rl;
    struct tmf_server_data sd;
    enum tmf_err e[8] = {
        tmf_tlvs_parse(p, n, &t),          tmf_parse_addr_query(p, n, &q),
        tmf_parse_addr_notify(p, n, &an),  tmf_parse_addr_error(p, n, &ae),
        tmf_parse_addr_solicit(p, n, &as), tmf_parse_addr_solicit_rsp(p, n, &ar),
        tmf_parse_addr_release(p, n, &rl), tmf_parse_server_data(p, n, &sd),
    };
    for (unsigned i = 0; i < 8; i++)
        assert_string_not_equal(tmf_err_name(e[i]), "TMF_ERR_?");
    if (e[7] == TMF_OK && sd.has_network_data && sd.network_data_len)
        assert_true(sd.network_data >= p && sd.network_data + sd.network_data_len <= p + n);
}

/* One hostile input: parse, and when accepted, the canonical encoding must
 * give back the same bytes (CoAP's option encoding has one form per value). */
static unsigned hostile_one(const uint8_t *buf, size_t n)
{
    struct coap_msg m;
    enum coap_err e = coap_parse(buf, n, &m);
    assert_string_not_equal(coap_err_name(e), "COAP_ERR_?");
    if (e != COAP_OK)
        return 0;
    assert_true(m.token_len <= COAP_TOKEN_MAX && m.n_opts <= COAP_MAX_OPTIONS);
    for (unsigned i = 0; i < m.n_opts; i++) {
        if (m.opts[i].len)
            assert_true(m.opts[i].val >= buf && m.opts[i].val + m.opts[i].len <= buf + n);
    }
    if (m.payload_len)
        assert_true(m.payload >= buf && m.payload + m.payload_len == buf + n);
    static uint8_t out[2048];
    size_t olen;
    assert_int_equal(coap_build(&m, out, sizeof(out), &olen), COAP_OK);
    assert_int_equal(olen, n);
    assert_memory_equal(out, buf, n);
    char uri[COAP_URI_MAX];
    (void)coap_msg_uri_path(&m, uri, sizeof(uri));
    (void)tmf_uri_of(&m);
    all_tmf(m.payload, m.payload_len);
    return 1;
}

static void test_hostile(void **state)
{
    (void)state;
    unsigned tried = 0, accepted = 0;
    for (unsigned fi = 0; fi < 2; fi++) {
        struct tvec_file f;
        assert_int_equal(tvec_load(vec_files[fi], &f), 0);
        for (unsigned bi = 0; bi < f.n; bi++) {
            const struct tvec_block *b = &f.blocks[bi];
            if (!tvec_get(b, "coap"))
                continue;
            static uint8_t ip[2048];
            size_t iplen = hex(tvec_get(b, "lowpan_decompressed_ipv6"), ip, sizeof(ip));
            const uint8_t *udp;
            size_t ulen = udp_payload(ip, iplen, &udp);
            /* Truncations: copied to an exact-size heap buffer so ASan sees
             * any read past the end. */
            for (size_t cut = 0; cut <= ulen; cut++) {
                uint8_t *c = malloc(cut ? cut : 1);
                assert_non_null(c);
                memcpy(c, udp, cut);
                accepted += hostile_one(c, cut);
                all_tmf(c, cut);
                tried++;
                free(c);
            }
            /* Every single-bit flip. */
            for (size_t bit = 0; bit < ulen * 8; bit++) {
                uint8_t *c = malloc(ulen);
                assert_non_null(c);
                memcpy(c, udp, ulen);
                c[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                accepted += hostile_one(c, ulen);
                all_tmf(c + 4, ulen - 4);
                tried++;
                free(c);
            }
        }
        tvec_free(&f);
    }
    /* Random bytes, biased to look like CoAP (Ver 1, small TKL), and with
     * 0xF nibbles / extended forms planted. */
    for (unsigned i = 0; i < 50000; i++) {
        size_t n = rnd32() % 48;
        uint8_t *c = malloc(n ? n : 1);
        assert_non_null(c);
        for (size_t k = 0; k < n; k++)
            c[k] = (uint8_t)rnd32();
        if (n > 0 && (i & 1)) {
            /* Ver 1, TKL 0..7, then plant an option header right after the
             * token: 0xF nibble in delta or length, or the 13/14 forms. */
            c[0] = (uint8_t)(0x40 | (c[0] & 0x37));
            size_t pos = 4 + (c[0] & 0x0f);
            static const uint8_t planted[] = {0xf0, 0x0f, 0xdd, 0xee, 0xde, 0xed, 0xff, 0x1e};
            uint8_t pl = planted[(i >> 1) % sizeof(planted)];
            if (pos < n && pl == 0xf0)
                c[pos] = (uint8_t)(0xf0 | (c[pos] & 0x0e)); /* delta 15, length kept */
            else if (pos < n && pl == 0x0f)
                c[pos] = (uint8_t)((c[pos] & 0xe0) | 0x0f); /* length 15, delta kept */
            else if (pos < n)
                c[pos] = pl;
        }
        accepted += hostile_one(c, n);
        all_tmf(c, n);
        tried++;
        free(c);
    }
    printf("  %u hostile inputs, %u accepted (all re-encoded exactly)\n", tried, accepted);
}

/* ---- reliability ---------------------------------------------------------- */

static void test_retx_schedule(void **state)
{
    (void)state;
    assert_int_equal(coap_initial_timeout_ms(0), 2000);
    assert_int_equal(coap_initial_timeout_ms(UINT32_MAX), 2999);
    assert_int_equal(coap_initial_timeout_ms(0x80000000u), 2500);

    /* T = 2000: resends at 2, 6, 14, 30 s, failure at 62 s (§4.2, §4.8). */
    struct coap_retx r;
    coap_retx_start(&r, 1000, 0);
    const uint64_t resend_at[4] = {3000, 7000, 15000, 31000};
    uint64_t now = 1000;
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(coap_retx_poll(&r, resend_at[i] - 1), COAP_RETX_WAIT);
        assert_int_equal(r.next_ms, resend_at[i]);
        assert_int_equal(coap_retx_poll(&r, resend_at[i]), COAP_RETX_RESEND);
        assert_int_equal(coap_retx_poll(&r, resend_at[i]), COAP_RETX_WAIT);
        now = resend_at[i];
    }
    (void)now;
    assert_int_equal(r.retransmits, COAP_MAX_RETRANSMIT);
    assert_int_equal(coap_retx_poll(&r, 62999), COAP_RETX_WAIT);
    assert_int_equal(coap_retx_poll(&r, 63000), COAP_RETX_GIVE_UP);
    assert_false(r.active);
    assert_int_equal(coap_retx_poll(&r, 99999999), COAP_RETX_WAIT);

    /* T = 2999 (max): the last failure comes at 31 T = 92969 <= MAX_TRANSMIT_WAIT,
     * the last resend at 15 T <= MAX_TRANSMIT_SPAN. */
    coap_retx_start(&r, 0, UINT32_MAX);
    unsigned resends = 0;
    uint64_t last_resend = 0, t;
    for (t = 0; t < 200000; t++) {
        enum coap_retx_action a = coap_retx_poll(&r, t);
        if (a == COAP_RETX_RESEND) {
            resends++;
            last_resend = t;
        } else if (a == COAP_RETX_GIVE_UP) {
            break;
        }
    }
    assert_int_equal(resends, 4);
    assert_int_equal(last_resend, 15 * 2999);
    assert_int_equal(t, 31 * 2999);
    assert_true(last_resend <= COAP_MAX_TRANSMIT_SPAN_MS);
    assert_true(t <= COAP_MAX_TRANSMIT_WAIT_MS);
    /* A late poll resends once and reschedules from the plan, not from now. */
    coap_retx_start(&r, 0, 0);
    assert_int_equal(coap_retx_poll(&r, 5000), COAP_RETX_RESEND);
    assert_int_equal(r.next_ms, 6000);
}

static void test_dedup(void **state)
{
    (void)state;
    static struct coap_ctx c;
    coap_ctx_init(&c, 14955);
    assert_int_equal(coap_next_mid(&c), 14955);
    assert_int_equal(coap_next_mid(&c), 14956);
    c.next_mid = 0xffff;
    assert_int_equal(coap_next_mid(&c), 0xffff);
    assert_int_equal(coap_next_mid(&c), 0);

    struct coap_peer leader = {.port = TMF_UDP_PORT}, child = {.port = TMF_UDP_PORT};
    inet_pton(AF_INET6, "fd8a:c004:2ff7:edce:0:ff:fe00:1800", leader.addr);
    inet_pton(AF_INET6, "fd8a:c004:2ff7:edce:0:ff:fe00:1801", child.addr);
    const uint8_t *resp;
    size_t rlen;

    /* a/as CON mid 19673 from the child: new, then its retransmission is a
     * duplicate and gets the stored reply again. */
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 19673, 0, &resp, &rlen),
                     COAP_DEDUP_NEW);
    assert_int_equal(rlen, 0);
    const uint8_t reply[10] = {0x62, 0x44, 0x4c, 0xd9, 0xef, 0x0e, 0xff, 0x04, 0x01, 0x01};
    assert_int_equal(coap_dedup_set_response(&c, &child, 19673, reply, sizeof(reply)), COAP_OK);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 19673, 2500, &resp, &rlen),
                     COAP_DEDUP_DUPLICATE);
    assert_int_equal(rlen, sizeof(reply));
    assert_memory_equal(resp, reply, sizeof(reply));
    /* Same MID from another peer, or another MID: new. */
    assert_int_equal(coap_dedup_check(&c, &leader, COAP_TYPE_CON, 19673, 3000, NULL, NULL),
                     COAP_DEDUP_NEW);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 19674, 3000, NULL, NULL),
                     COAP_DEDUP_NEW);
    /* Other port = other endpoint. */
    struct coap_peer child2 = child;
    child2.port = 5683;
    assert_int_equal(coap_dedup_check(&c, &child2, COAP_TYPE_CON, 19673, 3000, NULL, NULL),
                     COAP_DEDUP_NEW);
    /* ACK/RST are never recorded. */
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_ACK, 500, 3000, NULL, NULL),
                     COAP_DEDUP_NEW);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_ACK, 500, 3001, NULL, NULL),
                     COAP_DEDUP_NEW);
    /* The a/aq NON (mid 19672) seen three times in attach-ftd-child (MPL
     * retransmissions): 2nd and 3rd are duplicates; forgotten after NON_LIFETIME. */
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_NON, 19672, 10000, NULL, NULL),
                     COAP_DEDUP_NEW);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_NON, 19672, 10064, NULL, NULL),
                     COAP_DEDUP_DUPLICATE);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_NON, 19672, 10000 + 144999, NULL, NULL),
                     COAP_DEDUP_DUPLICATE);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_NON, 19672, 10000 + 145000, NULL, NULL),
                     COAP_DEDUP_NEW);
    /* CON lifetime is EXCHANGE_LIFETIME (247 s). */
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 19673, 246999, NULL, NULL),
                     COAP_DEDUP_DUPLICATE);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 19673, 247000, NULL, NULL),
                     COAP_DEDUP_NEW);
    /* Response too large to store; unknown exchange. */
    static const uint8_t big[COAP_DEDUP_RESP_MAX + 1];
    assert_int_equal(coap_dedup_set_response(&c, &child, 19673, big, sizeof(big)),
                     COAP_ERR_NO_SPACE);
    assert_int_equal(coap_dedup_set_response(&c, &child, 1, reply, 4), COAP_ERR_NOT_FOUND);

    /* Bounded: COAP_DEDUP_ENTRIES + 1 live MIDs evict the oldest-expiring. */
    coap_ctx_init(&c, 0);
    for (unsigned i = 0; i <= COAP_DEDUP_ENTRIES; i++)
        assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, (uint16_t)i, i, NULL, NULL),
                         COAP_DEDUP_NEW);
    assert_int_equal(
        coap_dedup_check(&c, &child, COAP_TYPE_CON, COAP_DEDUP_ENTRIES, 100, NULL, NULL),
        COAP_DEDUP_DUPLICATE);
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 1, 100, NULL, NULL),
                     COAP_DEDUP_DUPLICATE);
    /* MID 0 (the oldest) was evicted: it is new again. */
    assert_int_equal(coap_dedup_check(&c, &child, COAP_TYPE_CON, 0, 100, NULL, NULL),
                     COAP_DEDUP_NEW);
}

static void test_pending(void **state)
{
    (void)state;
    static struct coap_ctx c;
    coap_ctx_init(&c, 14955);
    struct coap_peer child = {.port = TMF_UDP_PORT}, other = {.port = TMF_UDP_PORT};
    inet_pton(AF_INET6, "fd8a:c004:2ff7:edce:0:ff:fe00:1801", child.addr);
    inet_pton(AF_INET6, "fd8a:c004:2ff7:edce:0:ff:fe00:1802", other.addr);
    int cookie = 7;
    void *user;
    unsigned idx;

    /* The a/an CON of attach-ftd-child frame 18 and its piggybacked 2.04 (frame 22). */
    uint8_t req_b[64], ack_b[16];
    size_t n =
        hex("42023a6bc350b16102616eff0010fd8ac0042ff7edce9304df0b4fcacacf03089304df0b4fcacacf"
            "02021800",
            req_b, sizeof(req_b));
    struct coap_msg req, ack;
    assert_int_equal(coap_parse(req_b, n, &req), COAP_OK);
    assert_int_equal(coap_pending_add(&c, &child, &req, 1000, 0, &cookie, &idx), COAP_OK);
    assert_int_equal(coap_pending_next_ms(&c), 3000);
    size_t an = hex("62443a6bc350", ack_b, sizeof(ack_b));
    assert_int_equal(coap_parse(ack_b, an, &ack), COAP_OK);
    /* From another peer: no match. Wrong token: no match. */
    assert_int_equal(coap_pending_match(&c, &other, &ack, 1100, &user), COAP_MATCH_NONE);
    ack_b[5] ^= 1;
    assert_int_equal(coap_parse(ack_b, an, &ack), COAP_OK);
    assert_int_equal(coap_pending_match(&c, &child, &ack, 1100, &user), COAP_MATCH_NONE);
    ack_b[5] ^= 1;
    assert_int_equal(coap_parse(ack_b, an, &ack), COAP_OK);
    assert_int_equal(coap_pending_match(&c, &child, &ack, 1100, &user), COAP_MATCH_RESPONSE);
    assert_ptr_equal(user, &cookie);
    assert_int_equal(coap_pending_next_ms(&c), UINT64_MAX);
    assert_int_equal(coap_pending_match(&c, &child, &ack, 1100, &user), COAP_MATCH_NONE);

    /* No answer: 4 resends then a timeout at 1000 + 31 * 2000. */
    assert_int_equal(coap_pending_add(&c, &child, &req, 1000, 0, &cookie, &idx), COAP_OK);
    unsigned resends = 0;
    uint64_t t;
    enum coap_pending_event ev = COAP_PENDING_IDLE;
    for (t = 1000; t < 200000; t += 1) {
        unsigned j;
        while ((ev = coap_pending_poll(&c, t, &j, &user)) == COAP_PENDING_RESEND) {
            assert_int_equal(j, idx);
            resends++;
        }
        if (ev == COAP_PENDING_TIMEOUT)
            break;
    }
    assert_int_equal(resends, 4);
    assert_int_equal(t, 63000);
    assert_ptr_equal(user, &cookie);
    assert_int_equal(coap_pending_cancel(&c, idx), COAP_ERR_NOT_FOUND);

    /* Empty ACK stops resends; the separate CON response matches by token. */
    assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_OK);
    struct coap_msg e;
    coap_msg_init(&e, COAP_TYPE_ACK, COAP_CODE_EMPTY, req.mid);
    assert_int_equal(coap_pending_match(&c, &child, &e, 500, &user), COAP_MATCH_EMPTY_ACK);
    assert_int_equal(coap_pending_poll(&c, 2000, NULL, NULL), COAP_PENDING_IDLE);
    assert_int_equal(coap_pending_next_ms(&c), 500 + COAP_MAX_TRANSMIT_WAIT_MS);
    struct coap_msg sep;
    coap_msg_init(&sep, COAP_TYPE_CON, COAP_CODE_CHANGED, 999);
    assert_int_equal(coap_msg_set_token(&sep, req.token, req.token_len), COAP_OK);
    assert_int_equal(coap_pending_match(&c, &child, &sep, 2500, &user), COAP_MATCH_RESPONSE);

    /* An empty ACK, then no response: timeout after MAX_TRANSMIT_WAIT. */
    assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_OK);
    assert_int_equal(coap_pending_match(&c, &child, &e, 100, &user), COAP_MATCH_EMPTY_ACK);
    assert_int_equal(coap_pending_poll(&c, 100 + COAP_MAX_TRANSMIT_WAIT_MS - 1, &idx, NULL),
                     COAP_PENDING_IDLE);
    assert_int_equal(coap_pending_poll(&c, 100 + COAP_MAX_TRANSMIT_WAIT_MS, &idx, NULL),
                     COAP_PENDING_TIMEOUT);

    /* RST ends the exchange. */
    assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_OK);
    struct coap_msg rst;
    coap_msg_init(&rst, COAP_TYPE_RST, COAP_CODE_EMPTY, req.mid);
    assert_int_equal(coap_pending_match(&c, &child, &rst, 10, &user), COAP_MATCH_RESET);
    assert_int_equal(coap_pending_next_ms(&c), UINT64_MAX);

    /* A NON request: no resends, response matched by token. */
    struct coap_msg non;
    coap_msg_init(&non, COAP_TYPE_NON, COAP_CODE_POST, 5);
    const uint8_t tok[2] = {1, 2};
    assert_int_equal(coap_msg_set_token(&non, tok, 2), COAP_OK);
    assert_int_equal(coap_pending_add(&c, &child, &non, 0, 0, NULL, &idx), COAP_OK);
    assert_int_equal(coap_pending_poll(&c, 10000, NULL, NULL), COAP_PENDING_IDLE);
    struct coap_msg nr;
    coap_msg_init_response(&nr, &non, COAP_CODE_CHANGED, 77);
    assert_int_equal(nr.type, COAP_TYPE_NON);
    assert_int_equal(nr.mid, 77);
    assert_int_equal(coap_pending_match(&c, &child, &nr, 20000, &user), COAP_MATCH_RESPONSE);

    /* Full table, cancel, and non-requests refused. */
    for (unsigned i = 0; i < COAP_PENDING_ENTRIES; i++)
        assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_OK);
    assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_ERR_FULL);
    assert_int_equal(coap_pending_cancel(&c, 3), COAP_OK);
    assert_int_equal(coap_pending_cancel(&c, 3), COAP_ERR_NOT_FOUND);
    assert_int_equal(coap_pending_cancel(&c, COAP_PENDING_ENTRIES), COAP_ERR_NOT_FOUND);
    assert_int_equal(coap_pending_add(&c, &child, &ack, 0, 0, NULL, &idx), COAP_ERR_INVALID_ARG);
    assert_int_equal(coap_pending_add(&c, &child, &req, 0, 0, NULL, &idx), COAP_OK);
    assert_int_equal(idx, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_vector_values),
        cmocka_unit_test(test_tmf_other_messages),
        cmocka_unit_test(test_coap_options),
        cmocka_unit_test(test_coap_malformed),
        cmocka_unit_test(test_tmf_malformed),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_retx_schedule),
        cmocka_unit_test(test_dedup),
        cmocka_unit_test(test_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
