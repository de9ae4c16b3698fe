/* SRP core (RFC 9665): real updates signed with mbedTLS ECDSA P-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/sha256.h>

#include "dns/srp.h"

#define HOST "ot-device.default.service.arpa."
#define SVC "_ipps._tcp.default.service.arpa."
#define INST "printer._ipps._tcp.default.service.arpa."

/* Deterministic "entropy": CTR_DRBG seeded from a fixed string. */
static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(0x5a ^ i);
    return 0;
}

struct key {
    mbedtls_ecdsa_context ec;
    mbedtls_ctr_drbg_context drbg;
    uint8_t pub[64];
};

static void key_make(struct key *k, const char *seed)
{
    mbedtls_ecdsa_init(&k->ec);
    mbedtls_ctr_drbg_init(&k->drbg);
    assert_int_equal(mbedtls_ctr_drbg_seed(&k->drbg, fixed_entropy, NULL,
                                           (const unsigned char *)seed, strlen(seed)),
                     0);
    assert_int_equal(
        mbedtls_ecdsa_genkey(&k->ec, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random, &k->drbg),
        0);
    uint8_t pt[65];
    size_t olen = 0;
    assert_int_equal(mbedtls_ecp_point_write_binary(
                         &k->ec.grp, &k->ec.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pt, sizeof pt),
                     0);
    assert_int_equal(olen, 65);
    memcpy(k->pub, pt + 1, 64);
}

static void key_free(struct key *k)
{
    mbedtls_ctr_drbg_free(&k->drbg);
    mbedtls_ecdsa_free(&k->ec);
}

static struct dns_name nm(const char *t)
{
    struct dns_name n;
    assert_int_equal(dns_name_from_text(t, &n), DNS_OK);
    return n;
}

struct upd_opts {
    uint32_t lease, key_lease;
    bool with_service;
    bool remove_service;
};

/* Builds and signs an SRP update (RFC 9665 §3.3) with key k. */
static size_t build_update(uint8_t *buf, size_t cap, struct key *k, const struct upd_opts *o)
{
    struct dns_builder b;
    dns_build_init(&b, buf, cap, 0x1234, DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT);
    dns_build_reserve(&b, DNS_OPT_LEN + 12);
    struct dns_name zone = nm("default.service.arpa."), host = nm(HOST), svc = nm(SVC),
                    inst = nm(INST);
    assert_int_equal(dns_build_question(&b, &zone, DNS_TYPE_SOA, DNS_CLASS_IN), DNS_OK);
    const enum dns_section U = DNS_SECTION_AUTHORITY;
    if (o->with_service) {
        /* Service Discovery + Service Description (RFC 9665 §3.3.1.1). */
        if (o->remove_service) {
            uint8_t rd[DNS_NAME_MAX];
            memcpy(rd, inst.b, inst.len);
            assert_int_equal(
                dns_build_rr(&b, U, &svc, DNS_TYPE_PTR, DNS_CLASS_NONE, 0, rd, inst.len), DNS_OK);
            assert_int_equal(dns_build_rr(&b, U, &inst, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0),
                             DNS_OK);
        } else {
            assert_int_equal(dns_build_name_rr(&b, U, &svc, DNS_TYPE_PTR, 7200, &inst), DNS_OK);
            assert_int_equal(dns_build_rr(&b, U, &inst, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0),
                             DNS_OK);
            struct dns_srv srv = {0, 0, 631, host};
            assert_int_equal(dns_build_srv(&b, U, &inst, 7200, &srv), DNS_OK);
            static const uint8_t txt[] = "\x06"
                                         "rp=abc"
                                         "\x06"
                                         "Duplex";
            assert_int_equal(dns_build_txt(&b, U, &inst, 7200, txt, sizeof txt - 1), DNS_OK);
        }
    }
    /* Host Description (RFC 9665 §3.3.1.2). */
    assert_int_equal(dns_build_rr(&b, U, &host, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0), DNS_OK);
    const uint8_t a1[16] = {0xfd, 0xde, 0xad, 0,    0xbe, 0xef, 0,    0,
                            0,    0,    0,    0xff, 0xfe, 0,    0xfc, 0x10};
    const uint8_t a2[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(dns_build_aaaa(&b, U, &host, 7200, a1), DNS_OK);
    assert_int_equal(dns_build_aaaa(&b, U, &host, 7200, a2), DNS_OK);
    struct dns_key key = {0x0200, 3, 13, k->pub, 64};
    assert_int_equal(dns_build_key(&b, U, &host, 7200, &key), DNS_OK);
    /* Update Lease option (RFC 9664 §4). */
    uint8_t lo[12] = {0, 2, 0, 8};
    for (int i = 0; i < 4; i++) {
        lo[4 + i] = (uint8_t)(o->lease >> (24 - 8 * i));
        lo[8 + i] = (uint8_t)(o->key_lease >> (24 - 8 * i));
    }
    struct dns_opt opt = {1232, 0, 0, 0, lo, sizeof lo};
    assert_int_equal(dns_build_opt(&b, &opt), DNS_OK);
    size_t sig_off = b.len;
    /* SIG(0) RDATA (RFC 2931 §3): signature filled in below. */
    uint8_t sig[18 + DNS_NAME_MAX + 64];
    memset(sig, 0, sizeof sig);
    sig[2] = 13;
    sig[8] = 0x65; /* expiration / inception: not checked */
    sig[16] = 0x12;
    memcpy(sig + 18, host.b, host.len);
    size_t pre = 18 + host.len;
    assert_int_equal(dns_build_rr(&b, DNS_SECTION_ADDITIONAL, &(struct dns_name){1, {0}},
                                  DNS_TYPE_SIG, DNS_CLASS_ANY, 0, sig, (uint16_t)(pre + 64)),
                     DNS_OK);
    size_t len = 0;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_int_equal(len, b.len);
    /* Signed data (RFC 2931 §3.1), computed independently of srp.c. */
    uint8_t hdr[12];
    memcpy(hdr, buf, 12);
    hdr[11]--;
    uint8_t hash[32];
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    mbedtls_sha256_starts_ret(&sha, 0);
    mbedtls_sha256_update_ret(&sha, sig, pre);
    mbedtls_sha256_update_ret(&sha, hdr, 12);
    mbedtls_sha256_update_ret(&sha, buf + 12, sig_off - 12);
    mbedtls_sha256_finish_ret(&sha, hash);
    mbedtls_sha256_free(&sha);
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    assert_int_equal(mbedtls_ecdsa_sign(&k->ec.grp, &r, &s, &k->ec.d, hash, 32,
                                        mbedtls_ctr_drbg_random, &k->drbg),
                     0);
    assert_int_equal(mbedtls_mpi_write_binary(&r, buf + len - 64, 32), 0);
    assert_int_equal(mbedtls_mpi_write_binary(&s, buf + len - 32, 32), 0);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return len;
}

static const struct upd_opts DEF = {7200, 1209600, true, false};

static void test_parse_verify(void **state)
{
    (void)state;
    struct key k;
    key_make(&k, "tbr-srp-test-key-1");
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, &k, &DEF);
    struct srp_update u;
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    struct dns_name host = nm(HOST), inst = nm(INST), svc = nm(SVC);
    assert_int_equal(u.id, 0x1234);
    assert_true(dns_name_equal(&u.host, &host));
    assert_int_equal(u.naddrs, 2);
    assert_int_equal(u.nservices, 1);
    assert_true(dns_name_equal(&u.services[0].instance, &inst));
    assert_true(dns_name_equal(&u.services[0].service, &svc));
    assert_int_equal(u.services[0].srv.port, 631);
    assert_int_equal(u.services[0].txt_len, 14);
    assert_int_equal(u.lease, 7200);
    assert_int_equal(u.key_lease, 1209600);
    assert_memory_equal(u.pubkey, k.pub, 64);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);

    /* A flipped bit anywhere: either the parse refuses it or the signature fails. */
    for (size_t i = 0; i < len; i++) {
        uint8_t m2[1024];
        memcpy(m2, msg, len);
        m2[i] ^= 0x01;
        struct srp_update u2;
        enum srp_err e = srp_parse_update(m2, len, &u2);
        if (e == SRP_OK)
            e = srp_verify_sig0(m2, len, &u2);
        if (e == SRP_OK)
            fprintf(stderr, "flip at %zu of %zu accepted\n", i, len);
        assert_int_not_equal(e, SRP_OK);
    }

    /* Wrong key: signed by k, KEY record of k2 (parse ok, verify fails). */
    struct key k2;
    key_make(&k2, "tbr-srp-test-key-2");
    struct srp_update u3 = u;
    memcpy(u3.pubkey, k2.pub, 64);
    assert_int_equal(srp_verify_sig0(msg, len, &u3), SRP_ERR_SIG_FAILED);
    key_free(&k2);
    key_free(&k);
}

struct lines {
    char text[4096];
};

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    strncat(l->text, line, sizeof l->text - strlen(l->text) - 1);
    strncat(l->text, "\n", sizeof l->text - strlen(l->text) - 1);
}

static void test_registry(void **state)
{
    (void)state;
    static struct srp_registry reg;
    srp_registry_init(&reg);
    struct key k, k2;
    key_make(&k, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, &k, &DEF);
    struct srp_update u;
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    uint32_t lease = 0, kl = 0;
    assert_int_equal(srp_registry_apply(&reg, &u, 1000, &lease, &kl), SRP_OK);
    assert_int_equal(lease, 7200);
    assert_int_equal(kl, 680400); /* clamped to the max key-lease */

    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    struct dns_name host = nm(HOST), svc = nm(SVC), inst = nm(INST);
    uint8_t addrs[8][16];
    uint32_t ttl = 0;
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), 2);
    assert_int_equal(ttl, 7200);
    assert_int_equal(addrs[1][15], 1);
    struct dns_name insts[4];
    assert_int_equal(ops.service_instances(&reg, &svc, insts, 4, &ttl), 1);
    assert_true(dns_name_equal(&insts[0], &inst));
    struct dns_srp_instance si;
    assert_true(ops.instance(&reg, &inst, &si));
    assert_int_equal(si.srv.port, 631);
    assert_true(dns_name_equal(&si.srv.target, &host));
    assert_int_equal(si.txt_len, 14);
    struct dns_name other = nm("nope.default.service.arpa.");
    assert_int_equal(ops.host_addrs(&reg, &other, addrs, 8, &ttl), -1);
    assert_false(ops.instance(&reg, &other, &si));

    /* Formatters (OpenThread cli_srp_server.cpp text). */
    struct lines out = {{0}};
    srp_fmt_hosts(&reg, collect, &out);
    assert_string_equal(out.text, HOST "\n"
                                       "    deleted: false\n"
                                       "    addresses: [fdde:ad00:beef:0:0:ff:fe00:fc10, "
                                       "fd00:0:0:0:0:0:0:1]\n");
    memset(&out, 0, sizeof out);
    srp_fmt_services(&reg, collect, &out);
    assert_string_equal(out.text, INST "\n"
                                       "    deleted: false\n"
                                       "    subtypes: (null)\n"
                                       "    port: 631\n"
                                       "    priority: 0\n"
                                       "    weight: 0\n"
                                       "    ttl: 7200\n"
                                       "    lease: 7200\n"
                                       "    key-lease: 680400\n"
                                       "    TXT: [rp=616263, Duplex]\n"
                                       "    host: " HOST "\n"
                                       "    addresses: [fdde:ad00:beef:0:0:ff:fe00:fc10, "
                                       "fd00:0:0:0:0:0:0:1]\n");

    /* Another key for the same host name: refused with YXDOMAIN. */
    uint8_t m2[1024];
    size_t l2 = build_update(m2, sizeof m2, &k2, &DEF);
    struct srp_update u2;
    assert_int_equal(srp_parse_update(m2, l2, &u2), SRP_OK);
    assert_int_equal(srp_verify_sig0(m2, l2, &u2), SRP_OK);
    assert_int_equal(srp_registry_apply(&reg, &u2, 2000, NULL, NULL), SRP_ERR_NAME_CLAIMED);
    assert_int_equal(srp_err_rcode(SRP_ERR_NAME_CLAIMED), 6);

    /* Response: NOERROR + LEASE/KEY-LEASE. */
    uint8_t resp[128];
    size_t rl = 0;
    assert_int_equal(srp_build_response(u.id, SRP_OK, lease, kl, resp, sizeof resp, &rl), SRP_OK);
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(resp, rl, &info), DNS_OK);
    assert_int_equal(info.hdr.id, 0x1234);
    assert_true(info.hdr.flags & DNS_FLAG_QR);
    assert_int_equal(dns_hdr_opcode(&info.hdr), 5);
    assert_int_equal(dns_hdr_rcode(&info.hdr), 0);
    assert_true(info.has_opt);
    assert_int_equal(info.opt.opts_len, 12);
    const uint8_t want[12] = {0, 2, 0, 8, 0, 0, 0x1c, 0x20, 0, 0x0a, 0x61, 0xd0};
    assert_memory_equal(info.opt.opts, want, 12);
    assert_int_equal(srp_build_response(7, SRP_ERR_NAME_CLAIMED, 0, 0, resp, sizeof resp, &rl),
                     SRP_OK);
    assert_int_equal(dns_msg_parse(resp, rl, &info), DNS_OK);
    assert_int_equal(dns_hdr_rcode(&info.hdr), 6);
    assert_false(info.has_opt);
    assert_int_equal(srp_build_response(7, SRP_OK, 1, 1, resp, 20, &rl), SRP_ERR_NO_SPACE);

    /* Lease expiry: deleted at lease end, gone at key-lease end. */
    assert_int_equal(srp_registry_next_expiry(&reg), 1000 + 7200 * 1000ull);
    srp_registry_expire(&reg, 1000 + 7199 * 1000ull);
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), 2);
    assert_true(srp_registry_expire(&reg, 1000 + 7200 * 1000ull) > 0);
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), -1);
    assert_false(ops.instance(&reg, &inst, &si));
    memset(&out, 0, sizeof out);
    srp_fmt_hosts(&reg, collect, &out);
    assert_string_equal(out.text, HOST "\n    deleted: true\n");
    /* Name still claimed by k until key-lease ends. */
    assert_int_equal(srp_registry_apply(&reg, &u2, 10000000, NULL, NULL), SRP_ERR_NAME_CLAIMED);
    srp_registry_expire(&reg, 1000 + 680400 * 1000ull);
    assert_null(srp_registry_next_host(&reg, NULL));
    assert_int_equal(srp_registry_apply(&reg, &u2, 700000000, NULL, NULL), SRP_OK);
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), 2);

    key_free(&k);
    key_free(&k2);
}

static void test_lease_zero(void **state)
{
    (void)state;
    static struct srp_registry reg;
    srp_registry_init(&reg);
    struct key k;
    key_make(&k, "tbr-srp-test-key-1");
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, &k, &DEF);
    struct srp_update u;
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_registry_apply(&reg, &u, 0, NULL, NULL), SRP_OK);

    /* Removal (RFC 9665 §3.3.5): lease 0, key-lease kept. */
    struct upd_opts rm = {0, 1209600, false, false};
    len = build_update(msg, sizeof msg, &k, &rm);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    uint32_t lease = 1, kl = 0;
    assert_int_equal(srp_registry_apply(&reg, &u, 5000, &lease, &kl), SRP_OK);
    assert_int_equal(lease, 0);
    assert_int_equal(kl, 680400);
    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    struct dns_name host = nm(HOST), svc = nm(SVC), inst = nm(INST);
    uint8_t addrs[8][16];
    uint32_t ttl;
    struct dns_name insts[2];
    struct dns_srp_instance si;
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), -1);
    assert_int_equal(ops.service_instances(&reg, &svc, insts, 2, &ttl), -1);
    assert_false(ops.instance(&reg, &inst, &si));
    struct lines out = {{0}};
    srp_fmt_services(&reg, collect, &out);
    assert_string_equal(out.text, INST "\n    deleted: true\n");
    assert_non_null(srp_registry_next_host(&reg, NULL));

    /* Service removal via PTR delete while the host stays. */
    srp_registry_init(&reg);
    len = build_update(msg, sizeof msg, &k, &DEF);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_registry_apply(&reg, &u, 0, NULL, NULL), SRP_OK);
    struct upd_opts rms = {7200, 1209600, true, true};
    len = build_update(msg, sizeof msg, &k, &rms);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_true(u.services[0].remove);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    assert_int_equal(srp_registry_apply(&reg, &u, 0, NULL, NULL), SRP_OK);
    assert_false(ops.instance(&reg, &inst, &si));
    assert_int_equal(ops.host_addrs(&reg, &host, addrs, 8, &ttl), 2);
    key_free(&k);
}

static void test_hostile(void **state)
{
    (void)state;
    struct key k;
    key_make(&k, "tbr-srp-test-key-1");
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, &k, &DEF);
    struct srp_update u;
    /* Every truncation is refused with a named error. */
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size so ASan sees overreads */
        memcpy(cut, msg, n);
        enum srp_err e = srp_parse_update(cut, n, &u);
        assert_int_not_equal(e, SRP_OK);
        assert_string_not_equal(srp_err_str(e), "unknown");
        free(cut);
    }
    assert_int_equal(srp_parse_update(msg, 5, &u), SRP_ERR_MALFORMED);
    assert_int_equal(srp_parse_update(NULL, 5, &u), SRP_ERR_INVALID_ARG);
    /* Trailing garbage: SIG not last. */
    msg[len] = 0;
    assert_int_equal(srp_parse_update(msg, len + 1, &u), SRP_ERR_NO_SIG);
    /* A query instead of an update. */
    uint8_t q[1024];
    memcpy(q, msg, len);
    q[2] = 0;
    assert_int_equal(srp_parse_update(q, len, &u), SRP_ERR_NOT_UPDATE);

    /* Random bytes, and random mutations of a valid update. */
    uint32_t x = 0x12345678;
    for (int it = 0; it < 20000; it++) {
        size_t n;
        uint8_t buf[1024];
        if (it & 1) {
            memcpy(buf, msg, len);
            n = len;
            for (int j = 0; j < 4; j++) {
                x = x * 1103515245u + 12345u;
                buf[(x >> 8) % len] = (uint8_t)(x >> 24);
            }
        } else {
            x = x * 1103515245u + 12345u;
            n = (x >> 8) % 300;
            for (size_t j = 0; j < n; j++) {
                x = x * 1103515245u + 12345u;
                buf[j] = (uint8_t)(x >> 24);
            }
            if (n > 4) {
                buf[2] = 0x28; /* opcode UPDATE, to get past the first check */
                buf[4] = 0;
                buf[5] = 1;
            }
        }
        uint8_t *m = malloc(n ? n : 1);
        memcpy(m, buf, n);
        enum srp_err e = srp_parse_update(m, n, &u);
        assert_true((unsigned)e < SRP_ERR__COUNT);
        if (e == SRP_OK)
            (void)srp_verify_sig0(m, n, &u);
        free(m);
    }
    key_free(&k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_verify),
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_lease_zero),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
