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
#include "support/hexvec.h"

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
    /* Optional (NULL/0: HOST, SVC, INST, port 631, address ...:1). */
    const char *host, *svc, *inst;
    const char *inst2; /* a second instance of svc (added, never removed) */
    uint16_t port;
    uint8_t addr_tail;
    bool compress_signer;                   /* SIG signer as a pointer to the host name */
    uint32_t sig_inception, sig_expiration; /* both 0: expiration 0x65000000, inception 0 */
};

/* Builds and signs an SRP update (RFC 9665 §3.3) with key k. */
static size_t build_update(uint8_t *buf, size_t cap, struct key *k, const struct upd_opts *o)
{
    struct dns_builder b;
    dns_build_init(&b, buf, cap, 0x1234, DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT);
    dns_build_reserve(&b, DNS_OPT_LEN + 12);
    struct dns_name zone = nm("default.service.arpa."), host = nm(o->host ? o->host : HOST),
                    svc = nm(o->svc ? o->svc : SVC), inst = nm(o->inst ? o->inst : INST);
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
            struct dns_srv srv = {0, 0, o->port ? o->port : 631, host};
            assert_int_equal(dns_build_srv(&b, U, &inst, 7200, &srv), DNS_OK);
            static const uint8_t txt[] = "\x06"
                                         "rp=abc"
                                         "\x06"
                                         "Duplex";
            assert_int_equal(dns_build_txt(&b, U, &inst, 7200, txt, sizeof txt - 1), DNS_OK);
        }
        if (o->inst2) {
            struct dns_name i2 = nm(o->inst2);
            assert_int_equal(dns_build_name_rr(&b, U, &svc, DNS_TYPE_PTR, 7200, &i2), DNS_OK);
            assert_int_equal(dns_build_rr(&b, U, &i2, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0),
                             DNS_OK);
            struct dns_srv srv = {1, 2, (uint16_t)((o->port ? o->port : 631) + 1), host};
            assert_int_equal(dns_build_srv(&b, U, &i2, 300, &srv), DNS_OK);
            assert_int_equal(dns_build_txt(&b, U, &i2, 300, NULL, 0), DNS_OK);
        }
    }
    /* Host Description (RFC 9665 §3.3.1.2). */
    size_t host_off = b.len; /* owner name of the next record: the host */
    assert_int_equal(dns_build_rr(&b, U, &host, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0), DNS_OK);
    const uint8_t a1[16] = {0xfd, 0xde, 0xad, 0,    0xbe, 0xef, 0,    0,
                            0,    0,    0,    0xff, 0xfe, 0,    0xfc, 0x10};
    const uint8_t a2[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const uint8_t a3[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, o->addr_tail};
    assert_int_equal(dns_build_aaaa(&b, U, &host, 7200, a1), DNS_OK);
    if (o->addr_tail)
        assert_int_equal(dns_build_aaaa(&b, U, &host, 7200, a3), DNS_OK);
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
    sig[8] = 0x65; /* expiration 0x65000000, inception 0 unless given */
    if (o->sig_inception || o->sig_expiration) {
        be32_put(sig + 8, o->sig_expiration);
        be32_put(sig + 12, o->sig_inception);
    }
    sig[16] = 0x12;
    memcpy(sig + 18, host.b, host.len);
    size_t pre = 18 + host.len;
    if (o->compress_signer) {
        /* On the wire the signer is a pointer to the host name (as
         * OpenThread's client sends it); the signed data keeps it whole. */
        uint8_t wire[18 + 2 + 64];
        memcpy(wire, sig, 18);
        wire[18] = (uint8_t)(0xc0 | host_off >> 8);
        wire[19] = (uint8_t)host_off;
        memset(wire + 20, 0, 64);
        assert_int_equal(dns_build_rr(&b, DNS_SECTION_ADDITIONAL, &(struct dns_name){1, {0}},
                                      DNS_TYPE_SIG, DNS_CLASS_ANY, 0, wire, sizeof wire),
                         DNS_OK);
    } else {
        assert_int_equal(dns_build_rr(&b, DNS_SECTION_ADDITIONAL, &(struct dns_name){1, {0}},
                                      DNS_TYPE_SIG, DNS_CLASS_ANY, 0, sig, (uint16_t)(pre + 64)),
                         DNS_OK);
    }
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

static const struct upd_opts DEF = {.lease = 7200, .key_lease = 1209600, .with_service = true};

/* The signer name compressed on the wire (RFC 2931 §3.1: the signature
 * covers its uncompressed form), as OpenThread's client sends it. */
/* A hex vector of tests/vectors/srp into buf; returns its length. */
static size_t read_hex_vector(const char *name, uint8_t *buf, size_t cap)
{
    return hexvec_read("srp", name, buf, cap);
}

struct text {
    char s[2048];
    size_t n;
};

static void text_line(void *ctx, const char *line)
{
    struct text *t = ctx;
    t->n += (size_t)snprintf(t->s + t->n, sizeof t->s - t->n, "%s\n", line);
    assert_true(t->n < sizeof t->s);
}

/* Updates captured from an OpenThread node (tests/vectors/srp/README.md):
 * they parse, verify (compressed signer) and apply as OpenThread's own
 * server takes them: register, remove the service, remove the host. */
static void test_openthread_updates(void **state)
{
    (void)state;
    static const char *const files[] = {"ot-register.hex", "ot-remove-service.hex",
                                        "ot-remove-host.hex"};
    static struct srp_registry reg;
    struct srp_update u;
    uint8_t msg[1500];
    uint32_t lease = 0, key_lease = 0;
    struct text t;
    srp_registry_init(&reg);
    for (unsigned i = 0; i < 3; i++) {
        size_t len = read_hex_vector(files[i], msg, sizeof msg);
        assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
        assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
        assert_int_equal(srp_registry_apply(&reg, &u, 1000 + 1000 * i, &lease, &key_lease), SRP_OK);
        memset(&t, 0, sizeof t);
        srp_fmt_services(&reg, text_line, &t);
        if (i == 0) {
            assert_int_equal(lease, 7200);
            assert_int_equal(u.nservices, 1);
            assert_int_equal(u.naddrs, 1);
            assert_non_null(strstr(t.s, "otins._ot._udp.default.service.arpa.\n"
                                        "    deleted: false\n    subtypes: (null)\n"
                                        "    port: 5683\n    priority: 1\n    weight: 2\n"));
            assert_non_null(strstr(t.s, "    TXT: [key=76616c7565]\n"));
            assert_non_null(strstr(t.s, "    host: otdev.default.service.arpa.\n"));
        } else if (i == 1) {
            assert_true(u.services[0].remove);
            assert_string_equal(t.s, "otins._ot._udp.default.service.arpa.\n    deleted: true\n");
        } else {
            assert_int_equal(lease, 0); /* host removed, key lease kept */
            assert_true(key_lease > 0);
        }
    }
    memset(&t, 0, sizeof t);
    srp_fmt_hosts(&reg, text_line, &t);
    assert_string_equal(t.s, "otdev.default.service.arpa.\n    deleted: true\n");
    /* one octet changed anywhere in the signed part: refused */
    size_t len = read_hex_vector(files[0], msg, sizeof msg);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    msg[u.sig_rr_offset - 20] ^= 0x01;
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_ERR_SIG_FAILED);
}

static void test_verify_compressed_signer(void **state)
{
    (void)state;
    struct key k;
    key_make(&k, "tbr-srp-test-key-1");
    struct upd_opts o = DEF;
    o.compress_signer = true;
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, &k, &o);
    struct srp_update u;
    struct dns_name host = nm(HOST);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_true(dns_name_equal(&u.sig.signer, &host));
    assert_int_equal(u.sig_signed_len, 20); /* 18 fixed octets + the pointer */
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    msg[0] ^= 1; /* the ID is signed too */
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_ERR_SIG_FAILED);
    key_free(&k);
}

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
    char text[16384];
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
    struct upd_opts rm = {.key_lease = 1209600};
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
    struct upd_opts rms = {
        .lease = 7200, .key_lease = 1209600, .with_service = true, .remove_service = true};
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

/* ---- Persistence ---------------------------------------------------------- */

#define PA "pa._ipps._tcp.default.service.arpa."
#define HTTP "_http._tcp.default.service.arpa."
#define PB1 "pb1._http._tcp.default.service.arpa."
#define PB2 "pb2._http._tcp.default.service.arpa."
#define PC "pc._ipps._tcp.default.service.arpa."
#define HA "a-dev.default.service.arpa."
#define HB "b-dev.default.service.arpa."
#define HC "c-dev.default.service.arpa."
#define T_SAVE 5000u

static void apply_ok(struct srp_registry *reg, struct key *k, const struct upd_opts *o,
                     uint64_t now)
{
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, k, o);
    struct srp_update u;
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    assert_int_equal(srp_registry_apply(reg, &u, now, NULL, NULL), SRP_OK);
}

static enum srp_err apply_any(struct srp_registry *reg, struct key *k, const struct upd_opts *o,
                              uint64_t now)
{
    uint8_t msg[1024];
    size_t len = build_update(msg, sizeof msg, k, o);
    struct srp_update u;
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    return srp_registry_apply(reg, &u, now, NULL, NULL);
}

/* Issue 11 finding 6: SIG(0) validity period (RFC 2931 §3.1) with a
 * 300 s fudge, in serial arithmetic; no time (0/0) cannot be checked. */
static void test_sig_time(void **state)
{
    (void)state;
    struct srp_update u;
    bool no_time = false;
    memset(&u, 0, sizeof u);
    u.sig.inception = 1000000;
    u.sig.expiration = 1000600;
    const uint32_t ok_now[] = {1000000 - 300, 1000000, 1000600, 1000600 + 300};
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(srp_check_sig0_time(&u, ok_now[i], &no_time), SRP_OK);
    assert_false(no_time);
    assert_int_equal(srp_check_sig0_time(&u, 1000000 - 301, NULL), SRP_ERR_SIG_TIME);
    assert_int_equal(srp_check_sig0_time(&u, 1000600 + 301, NULL), SRP_ERR_SIG_TIME);
    assert_int_equal(srp_check_sig0_time(&u, 0, NULL), SRP_OK); /* our clock unknown */
    /* Across the 32-bit wrap (RFC 1982). */
    u.sig.inception = 0xffffff00u;
    u.sig.expiration = 0x100;
    assert_int_equal(srp_check_sig0_time(&u, 0x10, NULL), SRP_OK);
    assert_int_equal(srp_check_sig0_time(&u, 0x100 + 301, NULL), SRP_ERR_SIG_TIME);
    /* Only one of the two set: checked (expiration 0x65000000 is 2023). */
    u.sig.inception = 0;
    u.sig.expiration = 0x65000000;
    assert_int_equal(srp_check_sig0_time(&u, 1790000000, NULL), SRP_ERR_SIG_TIME);
    assert_int_equal(srp_err_rcode(SRP_ERR_SIG_TIME), 5);
    assert_int_equal(srp_check_sig0_time(NULL, 1, NULL), SRP_ERR_INVALID_ARG);

    /* OpenThread's client has no clock: 0/0, accepted at any time. */
    uint8_t msg[1500];
    size_t len = read_hex_vector("ot-register.hex", msg, sizeof msg);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(u.sig.inception, 0);
    assert_int_equal(u.sig.expiration, 0);
    assert_int_equal(srp_check_sig0_time(&u, 1790000000, &no_time), SRP_OK);
    assert_true(no_time);

    /* A signed update inside its period applies; an older one for the same
     * host (a replay inside the period) is refused, registry unchanged. */
    static struct srp_registry reg;
    srp_registry_init(&reg);
    struct key k;
    key_make(&k, "tbr-srp-test-key-1");
    struct upd_opts o = DEF;
    o.sig_inception = 1790000000;
    o.sig_expiration = 1790000600;
    len = build_update(msg, sizeof msg, &k, &o);
    assert_int_equal(srp_parse_update(msg, len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(msg, len, &u), SRP_OK);
    assert_int_equal(srp_check_sig0_time(&u, 1790000100, NULL), SRP_OK);
    assert_int_equal(srp_check_sig0_time(&u, 1790000000 + 86400, NULL), SRP_ERR_SIG_TIME);
    assert_int_equal(srp_registry_apply(&reg, &u, 1000, NULL, NULL), SRP_OK);
    o.sig_inception = 1790000200;
    o.addr_tail = 9;
    assert_int_equal(apply_any(&reg, &k, &o, 2000), SRP_OK);
    o.sig_inception = 1790000100; /* older than the last one applied */
    o.addr_tail = 0;
    assert_int_equal(apply_any(&reg, &k, &o, 3000), SRP_ERR_SIG_TIME);
    assert_int_equal(reg.hosts[0].naddrs, 3); /* still the 1790000200 update's */
    o.sig_inception = 1790000200;             /* the same second: allowed */
    assert_int_equal(apply_any(&reg, &k, &o, 3000), SRP_OK);
    key_free(&k);
}

/* Issue 11 finding 6: per-key caps (REFUSED); other keys still register. */
static void test_key_limits(void **state)
{
    (void)state;
    static struct srp_registry reg;
    struct key k1, k2;
    key_make(&k1, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    char host[64], inst[80];
    struct upd_opts o = DEF;
    o.host = host;
    o.inst = inst;

    /* Defaults: one key cannot take the registry. */
    srp_registry_init(&reg);
    for (unsigned i = 0; i <= SRP_DEFAULT_KEY_MAX_HOSTS; i++) {
        snprintf(host, sizeof host, "h%u.default.service.arpa.", i);
        snprintf(inst, sizeof inst, "i%u._ipps._tcp.default.service.arpa.", i);
        assert_int_equal(apply_any(&reg, &k1, &o, 1000),
                         i < SRP_DEFAULT_KEY_MAX_HOSTS ? SRP_OK : SRP_ERR_KEY_LIMIT);
    }
    assert_true(SRP_DEFAULT_KEY_MAX_HOSTS < SRP_MAX_HOSTS);
    assert_true(SRP_DEFAULT_KEY_MAX_SERVICES < SRP_MAX_SERVICES);
    assert_int_equal(srp_err_rcode(SRP_ERR_KEY_LIMIT), 5);
    snprintf(host, sizeof host, "other.default.service.arpa.");
    assert_int_equal(apply_any(&reg, &k2, &o, 1000), SRP_OK);

    /* Services: 3 per key; an update that would pass the cap changes nothing. */
    srp_registry_init(&reg);
    reg.key_max_hosts = 2;
    reg.key_max_services = 3;
    snprintf(host, sizeof host, "a.default.service.arpa.");
    snprintf(inst, sizeof inst, "a1._ipps._tcp.default.service.arpa.");
    o.inst2 = "a2._ipps._tcp.default.service.arpa.";
    assert_int_equal(apply_any(&reg, &k1, &o, 1000), SRP_OK); /* 2 services */
    snprintf(host, sizeof host, "b.default.service.arpa.");
    snprintf(inst, sizeof inst, "b1._ipps._tcp.default.service.arpa.");
    o.inst2 = "b2._ipps._tcp.default.service.arpa.";
    assert_int_equal(apply_any(&reg, &k1, &o, 1000), SRP_ERR_KEY_LIMIT); /* would be 4 */
    o.inst2 = NULL;
    assert_int_equal(apply_any(&reg, &k1, &o, 1000), SRP_OK); /* 3 */
    /* Renewing what it has is fine; a third host is not. */
    assert_int_equal(apply_any(&reg, &k1, &o, 2000), SRP_OK);
    snprintf(host, sizeof host, "c.default.service.arpa.");
    o.with_service = false;
    assert_int_equal(apply_any(&reg, &k1, &o, 2000), SRP_ERR_KEY_LIMIT);
    assert_int_equal(apply_any(&reg, &k2, &o, 2000), SRP_OK);
    key_free(&k1);
    key_free(&k2);
}

/* Issue 11 finding 6: hosts and instances share one namespace (YXDOMAIN). */
static void test_name_conflict(void **state)
{
    (void)state;
    static struct srp_registry reg;
    struct key k1, k2;
    key_make(&k1, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    srp_registry_init(&reg);
    apply_ok(&reg, &k1, &DEF, 1000); /* HOST with instance INST */
    /* k2's host named as k1's instance. */
    struct upd_opts o = {.lease = 7200, .key_lease = 86400, .host = INST};
    assert_int_equal(apply_any(&reg, &k2, &o, 2000), SRP_ERR_NAME_CONFLICT);
    assert_int_equal(srp_err_rcode(SRP_ERR_NAME_CONFLICT), SRP_RCODE_YXDOMAIN);
    /* k2's instance named as k1's host. */
    struct upd_opts o2 = DEF;
    o2.host = "k2.default.service.arpa.";
    o2.inst = HOST;
    assert_int_equal(apply_any(&reg, &k2, &o2, 2000), SRP_ERR_NAME_CONFLICT);
    assert_null(srp_registry_next_host(&reg, srp_registry_next_host(&reg, NULL)));
    /* k2 with its own names is fine. */
    o2.inst = "k2i._ipps._tcp.default.service.arpa.";
    assert_int_equal(apply_any(&reg, &k2, &o2, 2000), SRP_OK);
    key_free(&k1);
    key_free(&k2);
}

/* Three hosts at T_SAVE:
 *   A (k1): live, service PA;                    lease ends 7201000, key 680401000
 *   B (k2): live, PB1 removed (PTR delete), PB2 live; host lease 3602500,
 *           key 7202500; PB2 lease 3602000, key 7202000
 *   C (k3): removed with lease 0 (deleted, PC deleted), key-lease 86404000. */
static void build_registry(struct srp_registry *reg, struct key *k1, struct key *k2, struct key *k3)
{
    srp_registry_init(reg);
    struct upd_opts a = {.lease = 7200,
                         .key_lease = 1209600,
                         .with_service = true,
                         .host = HA,
                         .inst = PA,
                         .addr_tail = 0x0a};
    apply_ok(reg, k1, &a, 1000);
    struct upd_opts b = {.lease = 3600,
                         .key_lease = 7200,
                         .with_service = true,
                         .host = HB,
                         .svc = HTTP,
                         .inst = PB1,
                         .inst2 = PB2,
                         .port = 80,
                         .addr_tail = 0x0b};
    apply_ok(reg, k2, &b, 2000);
    struct upd_opts b_rm = {.lease = 3600,
                            .key_lease = 7200,
                            .with_service = true,
                            .remove_service = true,
                            .host = HB,
                            .svc = HTTP,
                            .inst = PB1,
                            .port = 80,
                            .addr_tail = 0x0b};
    apply_ok(reg, k2, &b_rm, 2500);
    struct upd_opts c = {.lease = 7200,
                         .key_lease = 86400,
                         .with_service = true,
                         .host = HC,
                         .inst = PC,
                         .port = 8080,
                         .addr_tail = 0x0c};
    apply_ok(reg, k3, &c, 3000);
    struct upd_opts c_rm = {.key_lease = 86400, .host = HC, .addr_tail = 0x0c};
    apply_ok(reg, k3, &c_rm, 4000);
}

static void fmt_all(const struct srp_registry *reg, struct lines *h, struct lines *sv)
{
    memset(h, 0, sizeof *h);
    memset(sv, 0, sizeof *sv);
    srp_fmt_hosts(reg, collect, h);
    srp_fmt_services(reg, collect, sv);
}

static void assert_same_text(const struct srp_registry *a, const struct srp_registry *b)
{
    static struct lines ha, sa, hb, sb;
    fmt_all(a, &ha, &sa);
    fmt_all(b, &hb, &sb);
    assert_string_equal(ha.text, hb.text);
    assert_string_equal(sa.text, sb.text);
}

/* Every DNS hook gives the same answer for names present, deleted and absent. */
static void assert_same_dns(const struct srp_registry *a, const struct srp_registry *b)
{
    static const char *const names[] = {HA, HB, HC, HOST, SVC, HTTP, PA, PB1, PB2, PC, INST};
    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct dns_name n = nm(names[i]);
        uint8_t aa[8][16], ab[8][16];
        uint32_t ta = 0, tb = 0;
        int na = ops.host_addrs((void *)a, &n, aa, 8, &ta);
        assert_int_equal(na, ops.host_addrs((void *)b, &n, ab, 8, &tb));
        if (na > 0) {
            assert_memory_equal(aa, ab, (size_t)na * 16);
            assert_int_equal(ta, tb);
        }
        struct dns_name ia[8], ib[8];
        na = ops.service_instances((void *)a, &n, ia, 8, &ta);
        assert_int_equal(na, ops.service_instances((void *)b, &n, ib, 8, &tb));
        if (na >= 0)
            assert_int_equal(ta, tb);
        for (int j = 0; j < na; j++) {
            /* Same set; order follows slots, which load compacts. */
            bool found = false;
            for (int k = 0; k < na; k++)
                found |= dns_name_equal(&ia[j], &ib[k]);
            assert_true(found);
        }
        struct dns_srp_instance sa, sb;
        bool fa = ops.instance((void *)a, &n, &sa);
        assert_int_equal(fa, ops.instance((void *)b, &n, &sb));
        if (fa) {
            assert_int_equal(sa.srv.priority, sb.srv.priority);
            assert_int_equal(sa.srv.weight, sb.srv.weight);
            assert_int_equal(sa.srv.port, sb.srv.port);
            assert_true(dns_name_equal(&sa.srv.target, &sb.srv.target));
            assert_int_equal(sa.txt_len, sb.txt_len);
            assert_memory_equal(sa.txt, sb.txt, sa.txt_len);
            assert_int_equal(sa.ttl, sb.ttl);
        }
    }
}

/* reg holds no host and no service; its lease bounds are the given ones. */
static void assert_empty(const struct srp_registry *reg, const uint32_t bounds[4])
{
    assert_null(srp_registry_next_host(reg, NULL));
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        assert_false(reg->hosts[i].used);
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        assert_false(reg->services[i].used);
    assert_int_equal(reg->next_seq, 0);
    assert_int_equal(srp_registry_next_expiry(reg), UINT64_MAX);
    assert_int_equal(reg->min_lease, bounds[0]);
    assert_int_equal(reg->max_lease, bounds[1]);
    assert_int_equal(reg->min_key_lease, bounds[2]);
    assert_int_equal(reg->max_key_lease, bounds[3]);
}

static struct srp_registry preg, preg2, preg3;
static uint8_t pblob[70000], pblob2[70000];

static void test_persist_round_trip(void **state)
{
    (void)state;
    struct key k1, k2, k3;
    key_make(&k1, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    key_make(&k3, "tbr-srp-test-key-3");
    build_registry(&preg, &k1, &k2, &k3);
    static struct lines h, sv;
    fmt_all(&preg, &h, &sv);
    /* The scenario is what it claims (newest first). */
    assert_string_equal(h.text, HC "\n"
                                   "    deleted: true\n" HB "\n"
                                   "    deleted: false\n"
                                   "    addresses: [fdde:ad00:beef:0:0:ff:fe00:fc10, "
                                   "fd00:0:0:0:0:0:0:b, fd00:0:0:0:0:0:0:1]\n" HA "\n"
                                   "    deleted: false\n"
                                   "    addresses: [fdde:ad00:beef:0:0:ff:fe00:fc10, "
                                   "fd00:0:0:0:0:0:0:a, fd00:0:0:0:0:0:0:1]\n");
    assert_non_null(strstr(sv.text, PB2 "\n    deleted: false\n"));
    assert_non_null(strstr(sv.text, PB1 "\n    deleted: true\n"));
    assert_non_null(strstr(sv.text, PC "\n    deleted: true\n"));
    assert_true(strstr(sv.text, PB2) < strstr(sv.text, PB1)); /* newest first */

    size_t len = 0, len2 = 0;
    assert_int_equal(srp_registry_save(&preg, T_SAVE, pblob, sizeof pblob, &len), SRP_OK);
    assert_true(len > 5 && len < 2048);
    assert_int_equal(pblob[0], SRP_REGISTRY_BLOB_VERSION);
    assert_int_equal(pblob[1] << 8 | pblob[2], 3); /* hosts */
    assert_int_equal(pblob[3] << 8 | pblob[4], 4); /* services: PA, PB1, PB2, PC */

    /* Same clock: identical text, lookups, expiry and bytes. */
    srp_registry_init(&preg2);
    assert_int_equal(srp_registry_load(&preg2, pblob, len, T_SAVE, 0), SRP_OK);
    assert_same_text(&preg, &preg2);
    assert_same_dns(&preg, &preg2);
    assert_int_equal(srp_registry_next_expiry(&preg2), srp_registry_next_expiry(&preg));
    assert_int_equal(srp_registry_save(&preg2, T_SAVE, pblob2, sizeof pblob2, &len2), SRP_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(pblob, pblob2, len);

    /* A restarted process (clock from 0): the same, ends re-based. */
    assert_int_equal(srp_registry_load(&preg2, pblob, len, 100, 0), SRP_OK);
    assert_same_text(&preg, &preg2);
    assert_same_dns(&preg, &preg2);
    assert_int_equal(srp_registry_next_expiry(&preg2),
                     srp_registry_next_expiry(&preg) - T_SAVE + 100);
    assert_int_equal(srp_registry_save(&preg2, 100, pblob2, sizeof pblob2, &len2), SRP_OK);
    assert_memory_equal(pblob, pblob2, len);

    /* Order survives: a new registration is newest after the reload. */
    assert_int_equal(preg2.next_seq, 7); /* 3 hosts + 4 services */
    struct upd_opts d = {.lease = 7200, .key_lease = 7200, .host = HOST};
    apply_ok(&preg2, &k1, &d, 200);
    struct dns_name hn = nm(HOST);
    assert_true(dns_name_equal(&srp_registry_next_host(&preg2, NULL)->name, &hn));
    /* Names stay claimed by their keys: B's name refused for k1. */
    struct upd_opts b1 = {.lease = 3600, .key_lease = 7200, .host = HB};
    assert_int_equal(apply_any(&preg2, &k1, &b1, 300), SRP_ERR_NAME_CLAIMED);
    key_free(&k1);
    key_free(&k2);
    key_free(&k3);
}

static void test_persist_elapsed(void **state)
{
    (void)state;
    struct key k1, k2, k3;
    key_make(&k1, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    key_make(&k3, "tbr-srp-test-key-3");
    build_registry(&preg, &k1, &k2, &k3);
    size_t len = 0;
    assert_int_equal(srp_registry_save(&preg, T_SAVE, pblob, sizeof pblob, &len), SRP_OK);

    /* Down for E ms: the reload equals the original expired at T_SAVE + E. */
    static const uint64_t es[] = {
        0,
        1,
        3596999,
        3597000 /* PB2 lease */,
        3597499,
        3597500 /* B lease */,
        7195999,
        7196000 /* A lease */,
        7197000 /* PB2 key */,
        7197500 /* B key */,
        86398999,
        86399000 /* C key */,
        680395999,
        680396000 /* A key */,
        UINT64_MAX,
    };
    for (size_t i = 0; i < sizeof es / sizeof es[0]; i++) {
        memcpy(&preg3, &preg, sizeof preg);
        uint64_t at = es[i] > UINT64_MAX - T_SAVE ? UINT64_MAX : T_SAVE + es[i];
        srp_registry_expire(&preg3, at);
        srp_registry_init(&preg2);
        assert_int_equal(srp_registry_load(&preg2, pblob, len, 100, es[i]), SRP_OK);
        assert_same_text(&preg3, &preg2);
        assert_same_dns(&preg3, &preg2);
        uint64_t want = srp_registry_next_expiry(&preg3);
        assert_int_equal(srp_registry_next_expiry(&preg2),
                         want == UINT64_MAX ? UINT64_MAX : want - at + 100);
    }

    static struct lines h, sv;
    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    uint8_t addrs[8][16];
    uint32_t ttl;
    struct dns_name hb = nm(HB), ha = nm(HA);
    /* B's lease over: deleted, name still claimed; A untouched. */
    assert_int_equal(srp_registry_load(&preg2, pblob, len, 100, 3597500), SRP_OK);
    fmt_all(&preg2, &h, &sv);
    assert_non_null(strstr(h.text, HB "\n    deleted: true\n"));
    assert_non_null(strstr(h.text, HA "\n    deleted: false\n"));
    assert_non_null(strstr(sv.text, PB2 "\n    deleted: true\n"));
    assert_int_equal(ops.host_addrs(&preg2, &hb, addrs, 8, &ttl), -1);
    assert_int_equal(ops.host_addrs(&preg2, &ha, addrs, 8, &ttl), 3);
    struct upd_opts b1 = {.lease = 3600, .key_lease = 7200, .host = HB};
    assert_int_equal(apply_any(&preg2, &k1, &b1, 200), SRP_ERR_NAME_CLAIMED);
    /* C's key-lease over: gone, and its name free for another key. */
    assert_int_equal(srp_registry_load(&preg2, pblob, len, 100, 86399000), SRP_OK);
    fmt_all(&preg2, &h, &sv);
    assert_null(strstr(h.text, HC));
    assert_null(strstr(sv.text, PC));
    assert_null(strstr(h.text, HB));
    assert_non_null(strstr(h.text, HA "\n    deleted: true\n"));
    struct upd_opts c1 = {.lease = 3600, .key_lease = 7200, .host = HC};
    apply_ok(&preg2, &k1, &c1, 200);
    /* Everything over: an empty registry. */
    assert_int_equal(srp_registry_load(&preg2, pblob, len, 100, 680396000), SRP_OK);
    assert_null(srp_registry_next_host(&preg2, NULL));
    key_free(&k1);
    key_free(&k2);
    key_free(&k3);
}

static const uint32_t custom_bounds[4] = {60, 3600, 120, 7200};

static void init_custom(struct srp_registry *reg)
{
    srp_registry_init(reg);
    reg->min_lease = custom_bounds[0];
    reg->max_lease = custom_bounds[1];
    reg->min_key_lease = custom_bounds[2];
    reg->max_key_lease = custom_bounds[3];
}

/* Loads b[0..n) into preg2 (full before, custom bounds); checks the outcome.
 * Returns true when it loaded. */
static bool load_check(const uint8_t *b, size_t n)
{
    memcpy(&preg2, &preg, sizeof preg);
    preg2.min_lease = custom_bounds[0];
    preg2.max_lease = custom_bounds[1];
    preg2.min_key_lease = custom_bounds[2];
    preg2.max_key_lease = custom_bounds[3];
    uint8_t *m = malloc(n ? n : 1); /* exact size so ASan sees overreads */
    memcpy(m, b, n);
    enum srp_err e = srp_registry_load(&preg2, m, n, T_SAVE, 0);
    free(m);
    if (e != SRP_OK) {
        assert_int_equal(e, SRP_ERR_MALFORMED);
        assert_empty(&preg2, custom_bounds);
        return false;
    }
    assert_int_equal(preg2.max_lease, custom_bounds[1]);
    return true;
}

static void test_persist_hostile(void **state)
{
    (void)state;
    struct key k1, k2, k3;
    key_make(&k1, "tbr-srp-test-key-1");
    key_make(&k2, "tbr-srp-test-key-2");
    key_make(&k3, "tbr-srp-test-key-3");
    build_registry(&preg, &k1, &k2, &k3);
    size_t len = 0, l2 = 0, l3 = 0;
    assert_int_equal(srp_registry_save(&preg, T_SAVE, pblob, sizeof pblob, &len), SRP_OK);

    /* Every truncation, and a trailing octet. */
    for (size_t n = 0; n < len; n++)
        assert_false(load_check(pblob, n));
    pblob[len] = 0;
    assert_false(load_check(pblob, len + 1));
    assert_true(load_check(pblob, len));
    assert_same_text(&preg, &preg2);

    /* Version. */
    static const uint8_t versions[] = {0, SRP_REGISTRY_BLOB_VERSION + 1, 0xff};
    for (size_t i = 0; i < sizeof versions; i++) {
        pblob[0] = versions[i];
        assert_false(load_check(pblob, len));
    }
    pblob[0] = SRP_REGISTRY_BLOB_VERSION;
    assert_int_equal(srp_registry_load(&preg2, NULL, 0, 0, 0), SRP_ERR_MALFORMED);
    assert_int_equal(srp_registry_load(NULL, pblob, len, 0, 0), SRP_ERR_INVALID_ARG);

    /* Every byte flipped in three ways: refused with reg empty, or loaded
     * and stable across another save/load. */
    static const uint8_t masks[] = {0x01, 0x80, 0xff};
    unsigned loaded = 0, refused = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t j = 0; j < sizeof masks; j++) {
            pblob[i] ^= masks[j];
            bool ok = load_check(pblob, len);
            loaded += ok;
            refused += !ok;
            if (ok) {
                assert_int_equal(srp_registry_save(&preg2, T_SAVE, pblob2, sizeof pblob2, &l2),
                                 SRP_OK);
                init_custom(&preg3);
                assert_int_equal(srp_registry_load(&preg3, pblob2, l2, T_SAVE, 0), SRP_OK);
                static uint8_t b3[70000];
                assert_int_equal(srp_registry_save(&preg3, T_SAVE, b3, sizeof b3, &l3), SRP_OK);
                assert_int_equal(l3, l2);
                assert_memory_equal(b3, pblob2, l2);
            }
            pblob[i] ^= masks[j];
        }
    }

    assert_true(loaded > 0 && refused > 0);

    /* NO_SPACE at every too-small capacity; exactly len fits. */
    for (size_t cap = 0; cap < len; cap++) {
        l2 = 99;
        assert_int_equal(srp_registry_save(&preg, T_SAVE, pblob2, cap, &l2), SRP_ERR_NO_SPACE);
        assert_int_equal(l2, 0);
    }
    assert_int_equal(srp_registry_save(&preg, T_SAVE, NULL, 0, &l2), SRP_ERR_NO_SPACE);
    assert_int_equal(srp_registry_save(&preg, T_SAVE, pblob2, len, &l2), SRP_OK);
    assert_int_equal(l2, len);
    assert_int_equal(srp_registry_save(NULL, T_SAVE, pblob2, len, &l2), SRP_ERR_INVALID_ARG);

    /* An empty registry is the five header octets. */
    srp_registry_init(&preg3);
    assert_int_equal(srp_registry_save(&preg3, 0, pblob2, sizeof pblob2, &l2), SRP_OK);
    assert_int_equal(l2, 5);
    const uint8_t empty[5] = {SRP_REGISTRY_BLOB_VERSION, 0, 0, 0, 0};
    assert_memory_equal(pblob2, empty, 5);
    key_free(&k1);
    key_free(&k2);
    key_free(&k3);
}

/* A blob written by hand after the layout in srp.h: one host, one service,
 * with the fields a test wants to spoil. */
struct hand {
    uint8_t version, hflags, naddrs, sflags;
    uint16_t nh, ns, shost; /* one octet each in a version 1 record, two after */
    uint16_t txt_len;
    const uint8_t *hname; /* wire form with its length octet; NULL: HAND_HOST */
    uint64_t rem;
    bool dup_host, trailing;
};

static const uint8_t HAND_HOST[] = {28,  5,   'h', '-', 'd', 'e', 'v', 7,   'd', 'e',
                                    'f', 'a', 'u', 'l', 't', 7,   's', 'e', 'r', 'v',
                                    'i', 'c', 'e', 4,   'a', 'r', 'p', 'a', 0};

static void hand_host(struct wr *w, const struct hand *h, bool upper)
{
    const uint8_t *n = h->hname ? h->hname : HAND_HOST;
    wr_u8(w, h->hflags);
    wr_u8(w, n[0]);
    wr_bytes(w, n + 1, n[0]);
    if (upper) /* the same name in another case */
        w->p[-(int)n[0] + 1] = 'H';
    uint8_t key[64];
    memset(key, 0x11, sizeof key);
    wr_bytes(w, key, sizeof key);
    wr_u8(w, h->naddrs);
    for (unsigned i = 0; i < h->naddrs && i < 9; i++) {
        uint8_t a[16] = {0xfd};
        a[15] = (uint8_t)i;
        wr_bytes(w, a, 16);
    }
    wr_be32(w, 120);
    wr_be32(w, 120);
    wr_be32(w, 240);
    wr_be32(w, (uint32_t)(h->rem >> 32));
    wr_be32(w, (uint32_t)h->rem);
    wr_be32(w, 0);
    wr_be32(w, 240000);
}

static size_t hand_blob(uint8_t *buf, size_t cap, const struct hand *h)
{
    struct wr w = wr_init(buf, cap);
    wr_u8(&w, h->version);
    if (h->version == 1) {
        wr_u8(&w, (uint8_t)h->nh);
        wr_u8(&w, (uint8_t)h->ns);
    } else {
        wr_be16(&w, h->nh);
        wr_be16(&w, h->ns);
    }
    hand_host(&w, h, false);
    if (h->dup_host)
        hand_host(&w, h, true);
    struct dns_name svc = nm("_coap._udp.default.service.arpa."),
                    inst = nm("i._coap._udp.default.service.arpa.");
    wr_u8(&w, h->sflags);
    if (h->version == 1)
        wr_u8(&w, (uint8_t)h->shost);
    else
        wr_be16(&w, h->shost);
    wr_u8(&w, svc.len);
    wr_bytes(&w, svc.b, svc.len);
    wr_u8(&w, inst.len);
    wr_bytes(&w, inst.b, inst.len);
    wr_be16(&w, 1);
    wr_be16(&w, 2);
    wr_be16(&w, 5683);
    wr_be16(&w, h->txt_len);
    for (unsigned i = 0; i < h->txt_len; i++)
        wr_u8(&w, i == 0 ? (uint8_t)(h->txt_len - 1) : 'x');
    wr_be32(&w, 120);
    wr_be32(&w, 120);
    wr_be32(&w, 240);
    wr_be32(&w, 0);
    wr_be32(&w, 120000);
    wr_be32(&w, 0);
    wr_be32(&w, 240000);
    if (h->trailing)
        wr_u8(&w, 0);
    assert_true(w.ok);
    return cap - w.left;
}

static void test_persist_hand(void **state)
{
    (void)state;
    srp_registry_init(&preg); /* load_check starts from a copy of it */
    const struct hand good = {.version = SRP_REGISTRY_BLOB_VERSION,
                              .nh = 1,
                              .ns = 1,
                              .hflags = 0,
                              .naddrs = 2,
                              .sflags = 0,
                              .shost = 0,
                              .txt_len = 3,
                              .hname = NULL,
                              .rem = 120000};
    static uint8_t b[4096];
    size_t n = hand_blob(b, sizeof b, &good);
    assert_true(load_check(b, n));
    static struct lines h, sv;
    fmt_all(&preg2, &h, &sv);
    assert_string_equal(h.text, "h-dev.default.service.arpa.\n"
                                "    deleted: false\n"
                                "    addresses: [fd00:0:0:0:0:0:0:0, fd00:0:0:0:0:0:0:1]\n");
    assert_non_null(strstr(sv.text, "i._coap._udp.default.service.arpa.\n"
                                    "    deleted: false\n"));
    assert_non_null(strstr(sv.text, "    port: 5683\n"));
    assert_non_null(strstr(sv.text, "    TXT: [xx]\n"));
    /* A version 1 record (one-octet counts and host index) still loads. */
    struct hand t = good;
    t.version = 1;
    assert_true(load_check(b, hand_blob(b, sizeof b, &t)));
    fmt_all(&preg2, &h, &sv);
    assert_non_null(strstr(h.text, "h-dev.default.service.arpa.\n"));
    t.version = 3; /* a newer layout than this reader knows */
    assert_false(load_check(b, hand_blob(b, sizeof b, &t)));
    t.version = 0;
    assert_false(load_check(b, hand_blob(b, sizeof b, &t)));
    /* Limits that are allowed. */
    t = good;
    t.naddrs = SRP_MAX_ADDRS;
    t.txt_len = SRP_TXT_MAX;
    t.rem = (uint64_t)UINT32_MAX * 1000;
    assert_true(load_check(b, hand_blob(b, sizeof b, &t)));
    t = good;
    t.hflags = 1; /* deleted host, no addresses, deleted service */
    t.naddrs = 0;
    t.sflags = 1;
    assert_true(load_check(b, hand_blob(b, sizeof b, &t)));

    /* Each of these is refused. */
    struct hand bad[32];
    unsigned nb = 0;
    t = good, t.nh = SRP_MAX_HOSTS + 1, bad[nb++] = t;
    t = good, t.ns = SRP_MAX_SERVICES + 1, bad[nb++] = t;
    t = good, t.ns = 2, bad[nb++] = t;    /* promises more */
    t = good, t.ns = 0, bad[nb++] = t;    /* ... or fewer */
    t = good, t.nh = 0, bad[nb++] = t;    /* service of no host */
    t = good, t.shost = 1, bad[nb++] = t; /* host index past nhosts */
    t = good, t.shost = SRP_MAX_HOSTS, bad[nb++] = t;
    t = good, t.naddrs = SRP_MAX_ADDRS + 1, bad[nb++] = t;
    t = good, t.txt_len = SRP_TXT_MAX + 1, bad[nb++] = t;
    t = good, t.hflags = 0x02, bad[nb++] = t; /* unknown flag */
    t = good, t.sflags = 0x80, bad[nb++] = t;
    t = good, t.hflags = 1, bad[nb++] = t;               /* deleted host with addresses */
    t = good, t.hflags = 1, t.naddrs = 0, bad[nb++] = t; /* ... with a live service */
    t = good, t.rem = (uint64_t)UINT32_MAX * 1000 + 1, bad[nb++] = t;
    t = good, t.rem = UINT64_MAX, bad[nb++] = t;
    t = good, t.nh = 2, t.dup_host = true, bad[nb++] = t; /* same name twice */
    t = good, t.trailing = true, bad[nb++] = t;
    static const uint8_t n_empty[] = {0};
    static const uint8_t n_noroot[] = {3, 2, 'a', 'b'};
    uint8_t n_long_label[67] = {66, 64}; /* a 64-octet label */
    memset(n_long_label + 2, 'a', 64);
    static const uint8_t n_pointer[] = {3, 1, 'a', 0xc0};
    static const uint8_t n_past_root[] = {4, 1, 'a', 0, 0}; /* bytes after the root */
    static const uint8_t n_label_past[] = {3, 5, 'a', 0};   /* label runs past the name */
    const uint8_t *names[] = {n_empty,   n_noroot,    n_long_label,
                              n_pointer, n_past_root, n_label_past};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        t = good, t.hname = names[i], bad[nb++] = t;
    assert_true(nb <= sizeof bad / sizeof bad[0]);
    for (unsigned i = 0; i < nb; i++) {
        n = hand_blob(b, sizeof b, &bad[i]);
        if (load_check(b, n))
            fail_msg("hand-made blob %u loaded", i);
    }
    /* The longest valid name (255 octets: 3 x 63 + 61) is fine. */
    uint8_t longest[256];
    longest[0] = 255;
    size_t o = 1;
    for (int l = 0; l < 4; l++) {
        uint8_t ll = l < 3 ? 63 : 61;
        longest[o++] = ll;
        memset(longest + o, 'z', ll);
        o += ll;
    }
    longest[o++] = 0;
    assert_int_equal(o, 256);
    t = good, t.hname = longest;
    assert_true(load_check(b, hand_blob(b, sizeof b, &t)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_verify),       cmocka_unit_test(test_verify_compressed_signer),
        cmocka_unit_test(test_openthread_updates), cmocka_unit_test(test_registry),
        cmocka_unit_test(test_lease_zero),         cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_persist_round_trip), cmocka_unit_test(test_persist_elapsed),
        cmocka_unit_test(test_persist_hostile),    cmocka_unit_test(test_persist_hand),
        cmocka_unit_test(test_sig_time),           cmocka_unit_test(test_key_limits),
        cmocka_unit_test(test_name_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
