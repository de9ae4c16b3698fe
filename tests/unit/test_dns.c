/*
 * DNS codec and border-router DNS server tests.
 *
 * Codec: hand-made packets (bytes written out below, RFC 1035 §4.1 layout),
 * compression pointers (backwards only, loops, hop bound), name length
 * bounds, counts that lie, RDATA checks, EDNS0, builder round trips,
 * compression on write, truncation with TC, TCP framing.
 *
 * Server: local default.service.arpa. answers from a fake SRP registry,
 * ipv4only.arpa. (RFC 8880), forwarding with fresh IDs and the device's ID
 * on the way back, timeouts and failover within the budget, recovery of a
 * resolver, TC -> TCP, table full, non-Thread sources, resolv.conf, DNS64,
 * and hostile bytes (run under ASan+UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_msg.h"
#include "dns/dns_server.h"

/* ---- helpers ------------------------------------------------------------ */

static struct dns_name nm(const char *text)
{
    struct dns_name n;
    assert_int_equal(dns_name_from_text(text, &n), DNS_OK);
    return n;
}

/* A query built with the builder (whose bytes are checked by hand in
 * test_build_known_query). */
static size_t mkquery(uint8_t *buf, size_t cap, uint16_t id, uint16_t flags, const char *name,
                      uint16_t type, bool edns)
{
    struct dns_builder b;
    struct dns_name n = nm(name);
    size_t len;
    dns_build_init(&b, buf, cap, id, flags);
    assert_int_equal(dns_build_question(&b, &n, type, DNS_CLASS_IN), DNS_OK);
    if (edns) {
        struct dns_opt o = {DNS_EDNS_UDP, 0, 0, 0, NULL, 0};
        assert_int_equal(dns_build_opt(&b, &o), DNS_OK);
    }
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    return len;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- codec: known packets ------------------------------------------------ */

/* Query: id 0x1234, RD, one question "example.com" A IN. */
static const uint8_t q_example[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* header */
    7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',  3,    'c',  'o',  'm',
    0,    0x00, 0x01, 0x00, 0x01, /* A IN */
};

static void test_parse_known_query(void **state)
{
    (void)state;
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(q_example, sizeof(q_example), &info), DNS_OK);
    assert_int_equal(info.hdr.id, 0x1234);
    assert_int_equal(info.hdr.flags, DNS_FLAG_RD);
    assert_int_equal(info.hdr.qdcount, 1);
    assert_true(info.has_question);
    struct dns_name want = nm("EXAMPLE.com.");
    assert_true(dns_name_equal(&info.q.name, &want));
    assert_int_equal(info.q.type, DNS_TYPE_A);
    assert_int_equal(info.q.cls, DNS_CLASS_IN);
    assert_false(info.has_opt);
    assert_int_equal(info.len, sizeof(q_example));
    char text[DNS_NAME_TEXT_MAX];
    assert_int_equal(dns_name_to_text(&info.q.name, text, sizeof(text)), DNS_OK);
    assert_string_equal(text, "example.com.");
}

/* Response: www.example.com CNAME example.com (compressed), example.com A
 * 93.184.216.34; owner names are pointers. */
static const uint8_t r_cname[] = {
    0xab, 0xcd, 0x81, 0x80, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
    /* 12: question www.example.com A IN */
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0x00, 0x01, 0x00,
    0x01,
    /* 33: answer 1: ptr to 12, CNAME IN ttl 60, rdlen 2, ptr to 16 */
    0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x02, 0xc0, 0x10,
    /* 47: answer 2: ptr to 16, A IN ttl 300, 93.184.216.34 */
    0xc0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04, 93, 184, 216, 34};

static void test_parse_known_response(void **state)
{
    (void)state;
    struct dns_parser p;
    struct dns_question q;
    struct dns_rr rr;
    assert_int_equal(dns_parse_begin(&p, r_cname, sizeof(r_cname)), DNS_OK);
    assert_int_equal(dns_hdr_rcode(&p.hdr), 0);
    assert_true(p.hdr.flags & DNS_FLAG_QR);
    assert_int_equal(dns_parse_question(&p, &q), DNS_OK);
    assert_int_equal(dns_parse_question(&p, &q), DNS_ERR_END);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    struct dns_name www = nm("www.example.com"), ex = nm("example.com");
    assert_true(dns_name_equal(&rr.name, &www));
    assert_int_equal(rr.type, DNS_TYPE_CNAME);
    assert_int_equal(rr.ttl, 60);
    assert_true(dns_name_equal(&rr.u.target, &ex));
    assert_int_equal(rr.offset, 33);
    assert_int_equal(rr.end, 47);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_true(dns_name_equal(&rr.name, &ex));
    assert_int_equal(rr.type, DNS_TYPE_A);
    assert_int_equal(rr.ttl, 300);
    uint8_t a[4] = {93, 184, 216, 34};
    assert_memory_equal(rr.u.a, a, 4);
    assert_int_equal(rr.section, DNS_SECTION_ANSWER);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_ERR_END);
}

/* ---- codec: hostile names and counts -------------------------------------- */

static void test_pointer_rules(void **state)
{
    (void)state;
    /* A pointer to itself. */
    uint8_t self[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(self, sizeof(self), &info), DNS_ERR_PTR_FORWARD);
    /* A forward pointer (to the type field after it). */
    uint8_t fwd[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 1, 0, 1};
    assert_int_equal(dns_msg_parse(fwd, sizeof(fwd), &info), DNS_ERR_PTR_FORWARD);
    /* Pointer into a loop: the question points to an RR name that points
     * forward to the question -> the second is forward. */
    uint8_t loop[] = {0,
                      1,
                      0x80,
                      0,
                      0,
                      1,
                      0,
                      1,
                      0,
                      0,
                      0,
                      0,
                      /* 12 */ 1,
                      'a',
                      0xc0,
                      18,
                      0,
                      1,
                      0,
                      1,
                      /* 20: not reached */ 0,
                      0,
                      1,
                      0,
                      1,
                      0,
                      0,
                      0,
                      0,
                      0,
                      0};
    assert_int_equal(dns_msg_parse(loop, sizeof(loop), &info), DNS_ERR_PTR_FORWARD);
    /* The classic loop: "a" then a pointer back to its own start. The
     * pointed-to name runs into the pointer, so it is refused at once. */
    uint8_t self2[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1};
    assert_int_equal(dns_msg_parse(self2, sizeof(self2), &info), DNS_ERR_PTR_FORWARD);
    /* A backwards pointer whose name continues past the pointer: refused,
     * so that any prefix of a message stays self-contained. */
    uint8_t past[] = {0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
                      /* 12: q1 = one label holding the octet 5 */
                      1, 5, 0, 0, 1, 0, 1,
                      /* 19: q2 = ptr to 13: a 5-octet label, then the
                       * pointer itself would be next */
                      0xc0, 13, 0, 1, 0, 1};
    assert_int_equal(dns_msg_parse(past, sizeof(past), &info), DNS_ERR_PTR_FORWARD);
    /* A pointer into the header. */
    uint8_t hdr[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 4, 0, 1, 0, 1};
    assert_int_equal(dns_msg_parse(hdr, sizeof(hdr), &info), DNS_ERR_PTR_HEADER);
    /* Pointer truncated (only the first octet). */
    uint8_t half[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0};
    assert_int_equal(dns_msg_parse(half, sizeof(half), &info), DNS_ERR_TRUNCATED);
    /* Label types 0x40 and 0x80 are refused. */
    uint8_t ext[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(dns_msg_parse(ext, sizeof(ext), &info), DNS_ERR_BAD_LABEL);
}

static void test_pointer_hop_bound(void **state)
{
    (void)state;
    /* Root at 12, then n pointers each to the previous one; the name read
     * starts at the last pointer. 128 hops are fine, 129 are not. */
    for (int n = 128; n <= 129; n++) {
        uint8_t m[12 + 1 + 2 * 130];
        memset(m, 0, sizeof(m));
        size_t o = 12;
        m[o++] = 0; /* root at 12 */
        size_t prev = 12;
        for (int k = 0; k < n; k++) {
            m[o] = (uint8_t)(0xc0 | (prev >> 8));
            m[o + 1] = (uint8_t)prev;
            prev = o;
            o += 2;
        }
        struct rd r = rd_init(m + prev, o - prev);
        struct dns_name out;
        enum dns_err e = dns_name_read(m, o, &r, &out);
        if (n == 128) {
            assert_int_equal(e, DNS_OK);
            assert_int_equal(out.len, 1);
            assert_int_equal(r.left, 0); /* reader left after the pointer */
        } else {
            assert_int_equal(e, DNS_ERR_PTR_LOOP);
        }
    }
}

static void test_name_too_long(void **state)
{
    (void)state;
    /* 4 labels of 63 = 256 octets with the root: too long. */
    uint8_t m[12 + 4 * 64 + 1 + 4];
    memset(m, 'x', sizeof(m));
    memset(m, 0, 12);
    m[5] = 1;
    size_t o = 12;
    for (int i = 0; i < 4; i++) {
        m[o] = 63;
        o += 64;
    }
    m[o++] = 0;
    m[o++] = 0;
    m[o++] = 1;
    m[o++] = 0;
    m[o++] = 1;
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(m, o, &info), DNS_ERR_NAME_TOO_LONG);
    /* 3 x 63 + 61 + root = 255: fine. */
    m[12 + 3 * 64] = 61;
    m[12 + 3 * 64 + 62] = 0;
    memmove(m + 12 + 3 * 64 + 63, (const uint8_t[]){0, 1, 0, 1}, 4);
    assert_int_equal(dns_msg_parse(m, 12 + 3 * 64 + 63 + 4, &info), DNS_OK);
    assert_int_equal(info.q.name.len, 255);

    /* Too long through compression: a 250-octet name, then a question
     * "abcdefgh" + pointer to it. */
    uint8_t c[12 + 250 + 4 + 9 + 2 + 4];
    memset(c, 'y', sizeof(c));
    memset(c, 0, 12);
    c[5] = 2;
    o = 12;
    for (int i = 0; i < 3; i++) {
        c[o] = 63;
        o += 64;
    }
    c[o] = 56; /* 192 + 57 = 249, + root = 250 */
    o += 57;
    c[o++] = 0;
    c[o++] = 0;
    c[o++] = 1;
    c[o++] = 0;
    c[o++] = 1;
    c[o] = 8;
    o += 9;
    c[o++] = 0xc0;
    c[o++] = 12;
    c[o++] = 0;
    c[o++] = 1;
    c[o++] = 0;
    c[o++] = 1;
    assert_int_equal(dns_msg_parse(c, o, &info), DNS_ERR_NAME_TOO_LONG);

    /* Text form bounds. */
    struct dns_name n;
    char lab[70];
    memset(lab, 'a', 64);
    lab[64] = 0;
    assert_int_equal(dns_name_from_text(lab, &n), DNS_ERR_LABEL_TOO_LONG);
    assert_int_equal(dns_name_from_text("a..b", &n), DNS_ERR_BAD_LABEL);
    assert_int_equal(dns_name_from_text(".a", &n), DNS_ERR_BAD_LABEL);
    char big[300];
    memset(big, 0, sizeof(big));
    for (int i = 0; i < 128; i++)
        memcpy(big + 2 * i, "a.", 2);
    assert_int_equal(dns_name_from_text(big, &n), DNS_ERR_NAME_TOO_LONG);
    big[2 * 127] = 0; /* 127 labels: 254 + root = 255 */
    assert_int_equal(dns_name_from_text(big, &n), DNS_OK);
    assert_int_equal(n.len, 255);
    assert_int_equal(dns_name_labels(&n), 127);
}

static void test_counts_lie(void **state)
{
    (void)state;
    struct dns_msg_info info;
    uint8_t m[sizeof(q_example)];
    memcpy(m, q_example, sizeof(m));
    m[5] = 2; /* two questions, one present */
    assert_int_equal(dns_msg_parse(m, sizeof(m), &info), DNS_ERR_TRUNCATED);
    memcpy(m, q_example, sizeof(m));
    m[7] = 1; /* one answer, none present */
    assert_int_equal(dns_msg_parse(m, sizeof(m), &info), DNS_ERR_TRUNCATED);
    memcpy(m, q_example, sizeof(m));
    m[10] = 0xff; /* 65535 additional */
    m[11] = 0xff;
    assert_int_equal(dns_msg_parse(m, sizeof(m), &info), DNS_ERR_TRUNCATED);
    /* Short header. */
    assert_int_equal(dns_msg_parse(q_example, 11, &info), DNS_ERR_TRUNCATED);
    /* Question cut in the middle of the type. */
    assert_int_equal(dns_msg_parse(q_example, sizeof(q_example) - 3, &info), DNS_ERR_TRUNCATED);

    /* RDLENGTH past the end, and an A with 5 octets. */
    uint8_t r[sizeof(r_cname)];
    memcpy(r, r_cname, sizeof(r));
    r[sizeof(r) - 5] = 5;
    assert_int_equal(dns_msg_parse(r, sizeof(r), &info), DNS_ERR_TRUNCATED);
    uint8_t r2[sizeof(r_cname) + 1];
    memcpy(r2, r_cname, sizeof(r_cname));
    r2[sizeof(r_cname)] = 0;
    r2[sizeof(r2) - 6] = 5;
    assert_int_equal(dns_msg_parse(r2, sizeof(r2), &info), DNS_ERR_BAD_RDATA);
    /* CNAME RDATA longer than its name. */
    memcpy(r2, r_cname, sizeof(r_cname));
    assert_int_equal(dns_msg_parse(r2, sizeof(r_cname), &info), DNS_OK);
}

static void test_edns_opt(void **state)
{
    (void)state;
    uint8_t m[64];
    size_t len = mkquery(m, sizeof(m), 7, DNS_FLAG_RD, "a.b", DNS_TYPE_AAAA, true);
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(m, len, &info), DNS_OK);
    assert_true(info.has_opt);
    assert_int_equal(info.opt.udp_size, DNS_EDNS_UDP);
    assert_int_equal(info.opt.version, 0);
    assert_int_equal(info.hdr.arcount, 1);
    assert_int_equal(len - info.opt_offset, DNS_OPT_LEN);
    size_t opt_off = info.opt_offset;
    /* The OPT bytes as RFC 6891 §6.1.2 lays them out. */
    const uint8_t opt[DNS_OPT_LEN] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(m + info.opt_offset, opt, DNS_OPT_LEN);

    /* A second OPT is refused. */
    uint8_t two[80];
    memcpy(two, m, len);
    memcpy(two + len, opt, DNS_OPT_LEN);
    two[11] = 2;
    assert_int_equal(dns_msg_parse(two, len + DNS_OPT_LEN, &info), DNS_ERR_BAD_OPT);
    /* OPT in the answer section is refused. */
    memcpy(two, m, len);
    two[7] = 1;
    two[11] = 0;
    assert_int_equal(dns_msg_parse(two, len, &info), DNS_ERR_BAD_OPT);
    /* Options that do not fill RDATA. */
    uint8_t bad[80];
    memcpy(bad, m, len);
    const uint8_t opt2[] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 5, 0, 10, 0, 8, 1};
    memcpy(bad + opt_off, opt2, sizeof(opt2));
    assert_int_equal(dns_msg_parse(bad, opt_off + sizeof(opt2), &info), DNS_ERR_BAD_RDATA);
}

/* ---- codec: builder ------------------------------------------------------- */

static void test_build_known_query(void **state)
{
    (void)state;
    uint8_t m[64];
    size_t len = mkquery(m, sizeof(m), 0x1234, DNS_FLAG_RD, "example.com", DNS_TYPE_A, false);
    assert_int_equal(len, sizeof(q_example));
    assert_memory_equal(m, q_example, len);
    /* The query does not fit: the builder fails cleanly. */
    struct dns_builder b;
    struct dns_name n = nm("example.com");
    dns_build_init(&b, m, 20, 1, 0);
    assert_int_equal(dns_build_question(&b, &n, 1, 1), DNS_ERR_NO_SPACE);
    assert_int_equal(dns_build_finish(&b, &len), DNS_ERR_NO_SPACE);
}

static void test_build_roundtrip(void **state)
{
    (void)state;
    uint8_t m[1024];
    struct dns_builder b;
    struct dns_name q = nm("_coap._udp.default.service.arpa"),
                    inst = nm("light._coap._udp.default.service.arpa"),
                    host = nm("node1.default.service.arpa"), zone = nm("default.service.arpa");
    dns_build_init(&b, m, sizeof(m), 0x4242, DNS_FLAG_QR | DNS_FLAG_AA);
    dns_build_reserve(&b, DNS_OPT_LEN);
    assert_int_equal(dns_build_question(&b, &q, DNS_TYPE_PTR, DNS_CLASS_IN), DNS_OK);
    assert_int_equal(dns_build_name_rr(&b, DNS_SECTION_ANSWER, &q, DNS_TYPE_PTR, 120, &inst),
                     DNS_OK);
    struct dns_soa soa = {zone, nm("hostmaster.default.service.arpa"), 1, 2, 3, 4, 60};
    assert_int_equal(dns_build_soa(&b, DNS_SECTION_AUTHORITY, &zone, 30, &soa), DNS_OK);
    struct dns_srv srv = {1, 2, 5683, host};
    assert_int_equal(dns_build_srv(&b, DNS_SECTION_ADDITIONAL, &inst, 120, &srv), DNS_OK);
    const uint8_t txt[] = {3, 'a', '=', '1', 0};
    assert_int_equal(dns_build_txt(&b, DNS_SECTION_ADDITIONAL, &inst, 120, txt, sizeof(txt)),
                     DNS_OK);
    const uint8_t a6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(dns_build_aaaa(&b, DNS_SECTION_ADDITIONAL, &host, 120, a6), DNS_OK);
    const uint8_t a4[4] = {192, 0, 2, 1};
    assert_int_equal(dns_build_a(&b, DNS_SECTION_ADDITIONAL, &host, 120, a4), DNS_OK);
    const uint8_t pk[64] = {1, 2, 3};
    struct dns_key key = {0x0201, 3, 13, pk, sizeof(pk)};
    assert_int_equal(dns_build_key(&b, DNS_SECTION_ADDITIONAL, &host, 120, &key), DNS_OK);
    /* Sections go forwards only. */
    assert_int_equal(dns_build_a(&b, DNS_SECTION_ANSWER, &host, 1, a4), DNS_ERR_INVALID_ARG);
    uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    struct dns_opt o = {1232, 0, 0, DNS_OPT_FLAG_DO, cookie, sizeof(cookie)};
    dns_build_reserve(&b, DNS_OPT_LEN + sizeof(cookie));
    assert_int_equal(dns_build_opt(&b, &o), DNS_OK);
    size_t len;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);

    /* Compression: the PTR answer owner is a pointer to the question (12). */
    size_t qend = 12 + q.len + 4;
    assert_int_equal(m[qend], 0xc0);
    assert_int_equal(m[qend + 1], 12);
    /* The PTR target: "light" then a pointer to the question name. */
    size_t rd = qend + 2 + 10;
    assert_int_equal(m[rd], 5);
    assert_int_equal(m[rd + 6], 0xc0);
    assert_int_equal(m[rd + 7], 12);
    assert_int_equal(rd16(m + rd - 2), 8);

    struct dns_parser p;
    struct dns_rr rr;
    assert_int_equal(dns_parse_begin(&p, m, len), DNS_OK);
    assert_int_equal(p.hdr.ancount, 1);
    assert_int_equal(p.hdr.nscount, 1);
    assert_int_equal(p.hdr.arcount, 6);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_PTR);
    assert_true(dns_name_equal(&rr.u.target, &inst));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_SOA);
    assert_true(dns_name_equal(&rr.u.soa.rname, &soa.rname));
    assert_int_equal(rr.u.soa.minimum, 60);
    assert_int_equal(rr.u.soa.expire, 4);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_SRV);
    assert_int_equal(rr.u.srv.port, 5683);
    assert_int_equal(rr.u.srv.weight, 2);
    assert_true(dns_name_equal(&rr.u.srv.target, &host));
    /* RFC 2782: the SRV target is written in full. */
    assert_int_equal(rr.rdlen, 6 + host.len);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_TXT);
    assert_int_equal(rr.rdlen, sizeof(txt));
    assert_memory_equal(rr.rdata, txt, sizeof(txt));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_memory_equal(rr.u.aaaa, a6, 16);
    assert_true(dns_name_equal(&rr.name, &host));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_memory_equal(rr.u.a, a4, 4);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_KEY);
    assert_int_equal(rr.u.key.flags, 0x0201);
    assert_int_equal(rr.u.key.algorithm, 13);
    assert_int_equal(rr.u.key.pubkey_len, 64);
    assert_memory_equal(rr.u.key.pubkey, pk, 64);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_OPT);
    assert_int_equal(rr.u.opt.flags, DNS_OPT_FLAG_DO);
    assert_int_equal(rr.u.opt.opts_len, sizeof(cookie));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_ERR_END);
    assert_int_equal(dns_parse_offset(&p), len);
}

static void test_sig0_record(void **state)
{
    (void)state;
    /* SIG(0) (RFC 2931 §3): owner root, class ANY, TTL 0, type covered 0,
     * signer name, signature. Built as raw RDATA. */
    uint8_t rdata[18 + 32 + 64];
    size_t o = 0;
    memset(rdata, 0, sizeof(rdata));
    rdata[o++] = 0;
    rdata[o++] = 0; /* type covered */
    rdata[o++] = 13;
    rdata[o++] = 0; /* algorithm, labels */
    o += 4;         /* original TTL */
    be32_put(rdata + o, 1000);
    o += 4;
    be32_put(rdata + o, 900);
    o += 4;
    be16_put(rdata + o, 0xbeef);
    o += 2;
    struct dns_name signer = nm("node1.default.service.arpa");
    memcpy(rdata + o, signer.b, signer.len);
    o += signer.len;
    memset(rdata + o, 0x5a, 64);
    o += 64;
    uint8_t m[256];
    struct dns_builder b;
    struct dns_name root = nm(".");
    dns_build_init(&b, m, sizeof(m), 1, DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT);
    assert_int_equal(dns_build_rr(&b, DNS_SECTION_ADDITIONAL, &root, DNS_TYPE_SIG, DNS_CLASS_ANY, 0,
                                  rdata, (uint16_t)o),
                     DNS_OK);
    size_t len;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    struct dns_parser p;
    struct dns_rr rr;
    assert_int_equal(dns_parse_begin(&p, m, len), DNS_OK);
    assert_int_equal(dns_hdr_opcode(&p.hdr), DNS_OPCODE_UPDATE);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_SIG);
    assert_int_equal(rr.u.sig.algorithm, 13);
    assert_int_equal(rr.u.sig.expiration, 1000);
    assert_int_equal(rr.u.sig.inception, 900);
    assert_int_equal(rr.u.sig.key_tag, 0xbeef);
    assert_true(dns_name_equal(&rr.u.sig.signer, &signer));
    assert_int_equal(rr.u.sig.signature_len, 64);
    assert_int_equal(rr.u.sig.signature[0], 0x5a);
    /* SIG shorter than its fixed part. */
    m[len - o - 1] = 10; /* rdlen low byte */
    assert_int_equal(dns_parse_begin(&p, m, len - o + 10), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_ERR_BAD_RDATA);
}

/* dns_build_sig (SIG(0) for SRP, RFC 2931) and dns_build_name_rr_class (PTR
 * class NONE, RFC 2136 §2.5.4) round-trip through the parser. */
static void test_build_sig_and_class(void **state)
{
    (void)state;
    uint8_t m[512];
    struct dns_builder b;
    struct dns_name zone = nm("default.service.arpa"), svc = nm("_t._udp.default.service.arpa"),
                    inst = nm("i1._t._udp.default.service.arpa"),
                    host = nm("node1.default.service.arpa"), root = nm(".");
    dns_build_init(&b, m, sizeof(m), 7, DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT);
    assert_int_equal(dns_build_question(&b, &zone, DNS_TYPE_SOA, DNS_CLASS_IN), DNS_OK);
    assert_int_equal(dns_build_name_rr_class(&b, DNS_SECTION_AUTHORITY, &svc, DNS_TYPE_PTR,
                                             DNS_CLASS_NONE, 0, &inst),
                     DNS_OK);
    assert_int_equal(dns_build_name_rr_class(&b, DNS_SECTION_AUTHORITY, &svc, DNS_TYPE_A,
                                             DNS_CLASS_NONE, 0, &inst),
                     DNS_ERR_INVALID_ARG);
    uint8_t sigbytes[64];
    memset(sigbytes, 0xa5, sizeof(sigbytes));
    struct dns_sig sg = {0, 13, 0, 0, 0, 0, 0, host, sigbytes, sizeof(sigbytes)};
    size_t rd_off = 0;
    size_t rr_off = b.len;
    assert_int_equal(
        dns_build_sig(&b, DNS_SECTION_ADDITIONAL, &root, DNS_CLASS_ANY, 0, &sg, &rd_off), DNS_OK);
    assert_int_equal(rd_off, rr_off + 1 + 10); /* root owner, then type..rdlength */
    size_t len;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    /* The signer is written in full even though the builder has seen
     * "default.service.arpa" (RFC 3597 §4). */
    assert_int_equal(len, rd_off + 18 + host.len + 64);
    assert_memory_equal(m + rd_off + 18, host.b, host.len);
    assert_memory_equal(m + len - 64, sigbytes, 64);

    struct dns_parser p;
    struct dns_rr rr;
    assert_int_equal(dns_parse_begin(&p, m, len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_PTR);
    assert_int_equal(rr.cls, DNS_CLASS_NONE);
    assert_int_equal(rr.ttl, 0);
    assert_true(dns_name_equal(&rr.u.target, &inst));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_SIG);
    assert_int_equal(rr.cls, DNS_CLASS_ANY);
    assert_int_equal(rr.offset, rr_off);
    assert_int_equal((size_t)(rr.rdata - m), rd_off);
    assert_int_equal(rr.u.sig.algorithm, 13);
    assert_true(dns_name_equal(&rr.u.sig.signer, &host));
    assert_int_equal(rr.u.sig.signature_len, 64);
    assert_memory_equal(rr.u.sig.signature, sigbytes, 64);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_ERR_END);

    /* A NULL signature is written as zeros; no room: NO_SPACE, nothing added. */
    sg.signature = NULL;
    dns_build_init(&b, m, sizeof(m), 8, 0);
    assert_int_equal(dns_build_sig(&b, DNS_SECTION_ADDITIONAL, &root, DNS_CLASS_ANY, 0, &sg, NULL),
                     DNS_OK);
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    for (size_t i = len - 64; i < len; i++)
        assert_int_equal(m[i], 0);
    dns_build_init(&b, m, DNS_HDR_LEN + 40, 9, 0);
    assert_int_equal(dns_build_sig(&b, DNS_SECTION_ADDITIONAL, &root, DNS_CLASS_ANY, 0, &sg, NULL),
                     DNS_ERR_NO_SPACE);
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_int_equal(len, DNS_HDR_LEN);
}

static void test_build_truncation(void **state)
{
    (void)state;
    uint8_t m[128];
    struct dns_builder b;
    struct dns_name n = nm("host.example");
    const uint8_t a6[16] = {0x20, 0x01, 0xd, 0xb8};
    dns_build_init(&b, m, sizeof(m), 9, DNS_FLAG_QR);
    dns_build_reserve(&b, DNS_OPT_LEN);
    assert_int_equal(dns_build_question(&b, &n, DNS_TYPE_AAAA, DNS_CLASS_IN), DNS_OK);
    /* 12 + 18 = 30; each AAAA is 2 + 10 + 16 = 28; 128 - 11 = 117 -> 3 fit. */
    int ok = 0;
    for (int i = 0; i < 5; i++)
        if (dns_build_aaaa(&b, DNS_SECTION_ANSWER, &n, 60, a6) == DNS_OK)
            ok++;
    assert_int_equal(ok, 3);
    assert_true(b.truncated);
    /* The OPT still fits in the reserved room. */
    struct dns_opt o = {1232, 0, 0, 0, NULL, 0};
    assert_int_equal(dns_build_opt(&b, &o), DNS_OK);
    size_t len;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_int_equal(len, 30 + 3 * 28 + 11);
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(m, len, &info), DNS_OK);
    assert_true(info.hdr.flags & DNS_FLAG_TC);
    assert_int_equal(info.hdr.ancount, 3);
    assert_true(info.has_opt);

    /* An additional record that does not fit: left out, no TC. */
    dns_build_init(&b, m, 60, 9, DNS_FLAG_QR);
    assert_int_equal(dns_build_question(&b, &n, DNS_TYPE_AAAA, DNS_CLASS_IN), DNS_OK);
    assert_int_equal(dns_build_aaaa(&b, DNS_SECTION_ADDITIONAL, &n, 60, a6), DNS_OK);
    assert_int_equal(dns_build_aaaa(&b, DNS_SECTION_ADDITIONAL, &n, 60, a6), DNS_ERR_NO_SPACE);
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_int_equal(dns_msg_parse(m, len, &info), DNS_OK);
    assert_false(info.hdr.flags & DNS_FLAG_TC);
    assert_int_equal(info.hdr.arcount, 1);
}

static void test_msg_truncate(void **state)
{
    (void)state;
    uint8_t m[1500], out[600];
    struct dns_builder b;
    struct dns_name n = nm("big.example");
    dns_build_init(&b, m, sizeof(m), 5, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
    dns_build_question(&b, &n, DNS_TYPE_TXT, DNS_CLASS_IN);
    uint8_t txt[101];
    txt[0] = 100;
    memset(txt + 1, 't', 100);
    for (int i = 0; i < 10; i++)
        assert_int_equal(dns_build_txt(&b, DNS_SECTION_ANSWER, &n, 60, txt, sizeof(txt)), DNS_OK);
    size_t len, olen;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    assert_true(len > 1000);
    assert_int_equal(dns_msg_truncate(m, len, out, 512, &olen), DNS_OK);
    assert_true(olen <= 512);
    struct dns_msg_info info;
    assert_int_equal(dns_msg_parse(out, olen, &info), DNS_OK);
    assert_true(info.hdr.flags & DNS_FLAG_TC);
    assert_int_equal(info.hdr.ancount, 4); /* 29 + 4 * 113 = 481 */
    assert_int_equal(olen, 29 + 4 * 113);
    /* Fits as is: no TC, same bytes. */
    assert_int_equal(dns_msg_truncate(m, len, m + 0, sizeof(m), &olen), DNS_OK);
    assert_int_equal(olen, len);
    assert_int_equal(dns_msg_truncate(m, len, out, 20, &olen), DNS_ERR_NO_SPACE);
}

static void test_name_text(void **state)
{
    (void)state;
    struct dns_name n = nm("ipv4only.arpa.");
    assert_int_equal(n.len, 15);
    assert_memory_equal(n.b,
                        "\x08ipv4only\x04"
                        "arpa\x00",
                        15);
    struct dns_name root = nm(".");
    assert_int_equal(root.len, 1);
    char t[DNS_NAME_TEXT_MAX];
    assert_int_equal(dns_name_to_text(&root, t, sizeof(t)), DNS_OK);
    assert_string_equal(t, ".");
    struct dns_name odd = {7, {5, 'a', '.', 'b', '\\', 1, 0}};
    assert_int_equal(dns_name_to_text(&odd, t, sizeof(t)), DNS_OK);
    assert_string_equal(t, "a\\.b\\\\\\001.");
    assert_int_equal(dns_name_to_text(&n, t, 5), DNS_ERR_NO_SPACE);
    struct dns_name parent = nm("ARPA"), other = nm("pa");
    assert_true(dns_name_in(&n, &parent));
    assert_true(dns_name_in(&n, &n));
    assert_false(dns_name_in(&n, &other));
    struct dns_name sub = nm("default.service.arpa");
    assert_int_equal(dns_name_prepend(&sub, "_sub", 4), DNS_OK);
    struct dns_name want = nm("_sub.default.service.arpa");
    assert_true(dns_name_equal(&sub, &want));
}

static void test_tcp_frame(void **state)
{
    (void)state;
    uint8_t f[64];
    size_t fl;
    assert_int_equal(dns_tcp_frame(q_example, sizeof(q_example), f, sizeof(f), &fl), DNS_OK);
    assert_int_equal(fl, sizeof(q_example) + 2);
    assert_int_equal(rd16(f), sizeof(q_example));
    const uint8_t *msg;
    size_t ml, used;
    assert_int_equal(dns_tcp_unframe(f, fl - 1, &msg, &ml, &used), DNS_ERR_TRUNCATED);
    assert_int_equal(dns_tcp_unframe(f, 1, &msg, &ml, &used), DNS_ERR_TRUNCATED);
    assert_int_equal(dns_tcp_unframe(f, fl, &msg, &ml, &used), DNS_OK);
    assert_int_equal(ml, sizeof(q_example));
    assert_int_equal(used, fl);
    assert_memory_equal(msg, q_example, ml);
    assert_int_equal(dns_tcp_frame(q_example, sizeof(q_example), f, 10, &fl), DNS_ERR_NO_SPACE);
}

/* ---- server fixtures ------------------------------------------------------ */

struct rng {
    uint32_t x;
    uint16_t last;
};

static uint16_t fake_rand16(void *ctx)
{
    struct rng *r = ctx;
    r->x = r->x * 1103515245u + 12345u;
    r->last = (uint16_t)(r->x >> 16);
    return r->last;
}

/* Fake SRP registry: host node1 (two addresses), service _coap._udp with
 * instance light, host empty-host (no addresses). */
static int srp_host(void *ctx, const struct dns_name *name, uint8_t (*addrs)[16], int max,
                    uint32_t *ttl)
{
    (void)ctx;
    struct dns_name h1 = nm("node1.default.service.arpa"), h2 = nm("empty.default.service.arpa");
    if (dns_name_equal(name, &h2)) {
        *ttl = 10;
        return 0;
    }
    if (!dns_name_equal(name, &h1))
        return -1;
    static const uint8_t a[2][16] = {
        {0xfd, 0xde, 0xad, 0, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
    int n = max < 2 ? max : 2;
    memcpy(addrs, a, (size_t)n * 16);
    *ttl = 7200;
    return n;
}

static int srp_service(void *ctx, const struct dns_name *name, struct dns_name *inst, int max,
                       uint32_t *ttl)
{
    (void)ctx;
    struct dns_name s = nm("_coap._udp.default.service.arpa");
    if (!dns_name_equal(name, &s))
        return -1;
    if (max < 1)
        return 0;
    inst[0] = nm("light._coap._udp.default.service.arpa");
    *ttl = 7200;
    return 1;
}

static bool srp_instance(void *ctx, const struct dns_name *name, struct dns_srp_instance *out)
{
    (void)ctx;
    struct dns_name i = nm("light._coap._udp.default.service.arpa");
    if (!dns_name_equal(name, &i))
        return false;
    out->srv.priority = 0;
    out->srv.weight = 0;
    out->srv.port = 5683;
    out->srv.target = nm("node1.default.service.arpa");
    memcpy(out->txt, "\x05rt=on", 6);
    out->txt_len = 6;
    out->ttl = 7200;
    return true;
}

static const struct dns_srp_ops fake_srp = {srp_host, srp_service, srp_instance};

struct fx {
    struct dns_server s;
    struct rng rng;
    struct dns_server_action a;
    uint8_t dev[16];
    struct dns_upstream_addr up[3];
};

static const uint8_t DEV[16] = {0xfd, 0xde, 0xad, 0x00, 0xbe, 0xef, 0,    0,
                                0,    0,    0,    0xff, 0xfe, 0,    0xfc, 0x11};

static void fx_init(struct fx *f, bool forward, size_t nup)
{
    memset(f, 0, sizeof(*f));
    struct dns_server_cfg cfg;
    dns_server_cfg_default(&cfg);
    f->rng.x = 42;
    cfg.rand16 = fake_rand16;
    cfg.rand_ctx = &f->rng;
    cfg.srp = &fake_srp;
    cfg.upstream_enabled = forward;
    assert_true(dns_server_init(&f->s, &cfg));
    memcpy(f->dev, DEV, 16);
    for (size_t i = 0; i < 3; i++) {
        memset(&f->up[i], 0, sizeof(f->up[i]));
        f->up[i].addr[10] = 0xff;
        f->up[i].addr[11] = 0xff;
        f->up[i].addr[12] = 192;
        f->up[i].addr[13] = 0;
        f->up[i].addr[14] = 2;
        f->up[i].addr[15] = (uint8_t)(53 + i);
        f->up[i].port = 53;
    }
    assert_int_equal(dns_server_set_upstreams(&f->s, f->up, nup), nup);
    struct addr_prefix6 pre = {{0, 0x64, 0xff, 0x9b}, 96};
    dns_server_set_nat64_prefix(&f->s, &pre);
}

static void ask(struct fx *f, uint64_t now, uint16_t id, const char *name, uint16_t type, bool edns)
{
    uint8_t q[512];
    size_t len = mkquery(q, sizeof(q), id, DNS_FLAG_RD, name, type, edns);
    dns_server_query(&f->s, now, q, len, f->dev, 5353, NULL, true, &f->a);
}

/* A forwarded A query from device DEV with its last octet set to `last`
 * (another address in the same /64). */
static void ask_from(struct fx *f, uint64_t now, uint16_t id, const char *name, uint8_t last)
{
    uint8_t q[512], src[16];
    size_t len = mkquery(q, sizeof(q), id, DNS_FLAG_RD, name, DNS_TYPE_A, false);
    memcpy(src, DEV, 16);
    src[15] = last;
    dns_server_query(&f->s, now, q, len, src, 5353, NULL, true, &f->a);
}

/* Parses the action's reply and checks it goes to the device. */
static void reply_info(const struct fx *f, uint16_t id, unsigned rcode, struct dns_msg_info *info)
{
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_REPLY);
    assert_memory_equal(f->a.addr, DEV, 16);
    assert_int_equal(f->a.port, 5353);
    assert_int_equal(dns_msg_parse(f->a.buf, f->a.len, info), DNS_OK);
    assert_int_equal(info->hdr.id, id);
    assert_true(info->hdr.flags & DNS_FLAG_QR);
    assert_int_equal(dns_hdr_rcode(&info->hdr), rcode);
}

/* An upstream answer to the query in `up` (the UPSTREAM action): same ID
 * and question, with n AAAA or A records as asked, TTL 300. */
static size_t mkanswer(const struct dns_server_action *up, uint8_t *out, size_t cap, unsigned rcode,
                       int n, uint16_t extra_flags)
{
    struct dns_msg_info qi;
    assert_int_equal(dns_msg_parse(up->buf, up->len, &qi), DNS_OK);
    struct dns_builder b;
    dns_build_init(&b, out, cap, qi.hdr.id,
                   (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | extra_flags | rcode));
    dns_build_question(&b, &qi.q.name, qi.q.type, qi.q.cls);
    for (int i = 0; i < n; i++) {
        if (qi.q.type == DNS_TYPE_A) {
            uint8_t a[4] = {93, 184, 216, (uint8_t)(34 + i)};
            dns_build_a(&b, DNS_SECTION_ANSWER, &qi.q.name, 300, a);
        } else {
            uint8_t a6[16] = {0x26, 0x06, 0x28, 0x00, 0x02, 0x20, 0, 1,
                              0,    0,    0,    0,    0,    0,    0, (uint8_t)(1 + i)};
            dns_build_aaaa(&b, DNS_SECTION_ANSWER, &qi.q.name, 300, a6);
        }
    }
    size_t len;
    assert_int_equal(dns_build_finish(&b, &len), DNS_OK);
    return len;
}

/* ---- server: local answers ------------------------------------------------ */

static void test_srp_local(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, false, 0); /* works with forwarding off and no upstream */
    struct dns_msg_info info;
    struct dns_parser p;
    struct dns_rr rr;

    ask(f, 0, 0x100, "node1.default.service.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x100, DNS_RCODE_NOERROR, &info);
    assert_true(info.hdr.flags & DNS_FLAG_AA);
    assert_true(info.hdr.flags & DNS_FLAG_RD);
    assert_int_equal(info.hdr.ancount, 2);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_AAAA);
    assert_int_equal(rr.ttl, 7200);
    assert_int_equal(rr.u.aaaa[0], 0xfd);

    ask(f, 0, 0x101, "_coap._udp.default.service.arpa", DNS_TYPE_PTR, true);
    reply_info(f, 0x101, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 1);
    /* SRV, TXT, two AAAA of the target, OPT (RFC 6763 §12.1). */
    assert_int_equal(info.hdr.arcount, 5);
    assert_true(info.has_opt);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    struct dns_name inst = nm("light._coap._udp.default.service.arpa");
    assert_true(dns_name_equal(&rr.u.target, &inst));
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_SRV);
    assert_int_equal(rr.u.srv.port, 5683);

    ask(f, 0, 0x102, "light._coap._udp.default.service.arpa", DNS_TYPE_SRV, false);
    reply_info(f, 0x102, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 1);
    assert_int_equal(info.hdr.arcount, 2);

    ask(f, 0, 0x103, "light._coap._udp.default.service.arpa", DNS_TYPE_TXT, false);
    reply_info(f, 0x103, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 1);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.rdlen, 6);
    assert_memory_equal(rr.rdata, "\x05rt=on", 6);

    /* Known host, type it has not: NODATA. Unknown: NXDOMAIN. */
    ask(f, 0, 0x104, "node1.default.service.arpa", DNS_TYPE_A, false);
    reply_info(f, 0x104, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 0);
    ask(f, 0, 0x105, "empty.default.service.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x105, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 0);
    ask(f, 0, 0x106, "nobody.Default.Service.Arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x106, DNS_RCODE_NXDOMAIN, &info);
    assert_int_equal(info.hdr.ancount, 0);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_LOCAL_SRP), 6);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_LOCAL_SRP_NXDOMAIN), 1);
    /* RA is off while forwarding is off. */
    assert_false(info.hdr.flags & DNS_FLAG_RA);

    /* Not forwarded even with forwarding on (ot §5.2). */
    dns_server_set_upstream_enabled(&f->s, true);
    ask(f, 0, 0x107, "nobody.default.service.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x107, DNS_RCODE_NXDOMAIN, &info);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    free(f);
}

static void test_ipv4only(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    struct dns_msg_info info;
    struct dns_parser p;
    struct dns_rr rr;

    ask(f, 0, 0x200, "ipv4only.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x200, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 2);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    const uint8_t w170[16] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 0, 170};
    const uint8_t w171[16] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 0, 171};
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_memory_equal(rr.u.aaaa, w170, 16);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_memory_equal(rr.u.aaaa, w171, 16);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0); /* never forwarded */

    /* Another prefix length (/64: u octet skipped, RFC 6052 §2.2). */
    struct addr_prefix6 p64 = {{0xfd, 0x3b, 0xc9, 0x8b, 0xa9, 0xaa, 0, 2}, 64};
    dns_server_set_nat64_prefix(&f->s, &p64);
    ask(f, 0, 0x201, "IPV4ONLY.ARPA.", DNS_TYPE_AAAA, false);
    reply_info(f, 0x201, DNS_RCODE_NOERROR, &info);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    const uint8_t w64[16] = {0xfd, 0x3b, 0xc9, 0x8b, 0xa9, 0xaa, 0, 2, 0, 192, 0, 0, 170, 0, 0, 0};
    assert_memory_equal(rr.u.aaaa, w64, 16);

    ask(f, 0, 0x202, "ipv4only.arpa", DNS_TYPE_A, false);
    reply_info(f, 0x202, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 2);
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_memory_equal(rr.u.a, ((const uint8_t[]){192, 0, 0, 170}), 4);

    ask(f, 0, 0x203, "x.ipv4only.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x203, DNS_RCODE_NXDOMAIN, &info);
    ask(f, 0, 0x204, "170.0.0.192.in-addr.arpa", DNS_TYPE_PTR, false);
    reply_info(f, 0x204, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 1);

    /* No NAT64 prefix: NODATA for AAAA. */
    dns_server_set_nat64_prefix(&f->s, NULL);
    ask(f, 0, 0x205, "ipv4only.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x205, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 0);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_LOCAL_IPV4ONLY), 6);
    free(f);
}

static void test_forwarding_disabled(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, false, 2);
    struct dns_msg_info info;
    ask(f, 0, 0x300, "example.com", DNS_TYPE_A, false);
    reply_info(f, 0x300, DNS_RCODE_REFUSED, &info);
    assert_int_equal(info.hdr.qdcount, 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_REFUSED_FORWARDING_OFF), 1);
    ask(f, 0, 0x301, "node1.default.service.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x301, DNS_RCODE_NOERROR, &info);
    ask(f, 0, 0x302, "ipv4only.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x302, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 2);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);

    /* Forwarding on but RD=0: refused, counted. */
    dns_server_set_upstream_enabled(&f->s, true);
    uint8_t q[64];
    size_t len = mkquery(q, sizeof(q), 0x303, 0, "example.com", DNS_TYPE_A, false);
    dns_server_query(&f->s, 0, q, len, f->dev, 5353, NULL, true, &f->a);
    reply_info(f, 0x303, DNS_RCODE_REFUSED, &info);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_REFUSED_NO_RD), 1);

    /* Forwarding on, no resolver: SERVFAIL at once (D3). */
    dns_server_set_upstreams(&f->s, NULL, 0);
    ask(f, 0, 0x304, "example.com", DNS_TYPE_A, false);
    reply_info(f, 0x304, DNS_RCODE_SERVFAIL, &info);
    assert_int_equal(info.hdr.qdcount, 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_NO_UPSTREAM), 1);
    free(f);
}

/* ---- server: forwarding --------------------------------------------------- */

static void test_forward_id_rewrite(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 2);
    uint8_t q[128];
    size_t qlen = mkquery(q, sizeof(q), 0xbeef, DNS_FLAG_RD, "example.com", DNS_TYPE_AAAA, true);
    dns_server_query(&f->s, 1000, q, qlen, f->dev, 5353, NULL, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_false(f->a.tcp);
    assert_memory_equal(f->a.addr, f->up[0].addr, 16);
    assert_int_equal(f->a.port, 53);
    assert_int_not_equal(f->a.txn, 0);
    uint16_t up_id = rd16(f->a.buf);
    assert_int_equal(up_id, f->rng.last); /* fresh random ID */
    assert_int_not_equal(up_id, 0xbeef);
    assert_int_equal(f->a.len, qlen);
    assert_memory_equal(f->a.buf + 2, q + 2, qlen - 2); /* otherwise verbatim */
    uint32_t txn = f->a.txn;
    struct dns_server_action up = f->a;

    uint8_t r[512];
    size_t rlen = mkanswer(&up, r, sizeof(r), 0, 2, 0);
    /* Wrong source, wrong ID, wrong question: ignored. */
    dns_server_upstream_response(&f->s, 1100, txn, r, rlen, f->up[1].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    r[0] ^= 1;
    dns_server_upstream_response(&f->s, 1100, txn, r, rlen, f->up[0].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    r[0] ^= 1;
    uint8_t r2[512];
    memcpy(r2, r, rlen);
    r2[12 + 1] ^= 0x01; /* 'e' -> 'd' in the question */
    dns_server_upstream_response(&f->s, 1100, txn, r2, rlen, f->up[0].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    dns_server_upstream_response(&f->s, 1100, txn + 256, r, rlen, f->up[0].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_WRONG_SOURCE), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_MISMATCH), 2);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_STALE), 1);

    /* The real answer: relayed verbatim with the device's ID. */
    dns_server_upstream_response(&f->s, 1100, txn, r, rlen, f->up[0].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_REPLY);
    assert_int_equal(f->a.txn, txn);
    assert_memory_equal(f->a.addr, DEV, 16);
    assert_int_equal(f->a.port, 5353);
    assert_int_equal(f->a.len, rlen);
    assert_int_equal(rd16(f->a.buf), 0xbeef);
    assert_memory_equal(f->a.buf + 2, r + 2, rlen - 2);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    /* A late duplicate is stale. */
    dns_server_upstream_response(&f->s, 1200, txn, r, rlen, f->up[0].addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_STALE), 2);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_RESPONSES), 1);

    /* Two queries get different upstream IDs. */
    ask(f, 2000, 0xbeef, "a.example", DNS_TYPE_A, false);
    uint16_t id1 = rd16(f->a.buf);
    ask(f, 2000, 0xbeef, "a.example", DNS_TYPE_A, false);
    assert_int_not_equal(rd16(f->a.buf), id1);
    free(f);
}

static void test_timeout_failover_servfail(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 3);
    const uint64_t t0 = 10000;
    ask(f, t0, 0x0a0a, "slow.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_memory_equal(f->a.addr, f->up[0].addr, 16);
    uint32_t txn = f->a.txn;
    uint16_t id0 = rd16(f->a.buf);
    assert_int_equal(dns_server_next_timeout(&f->s), t0 + 2000);
    assert_false(dns_server_poll(&f->s, t0 + 1999, &f->a));

    assert_true(dns_server_poll(&f->s, t0 + 2000, &f->a));
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_int_equal(f->a.txn, txn);
    assert_memory_equal(f->a.addr, f->up[1].addr, 16);
    assert_int_not_equal(rd16(f->a.buf), id0); /* fresh ID per attempt */
    assert_false(dns_server_poll(&f->s, t0 + 2000, &f->a));

    assert_true(dns_server_poll(&f->s, t0 + 4000, &f->a));
    assert_memory_equal(f->a.addr, f->up[2].addr, 16);
    /* The third attempt is cut at the 5 s budget. */
    assert_int_equal(dns_server_next_timeout(&f->s), t0 + f->s.cfg.budget_ms);
    assert_false(dns_server_poll(&f->s, t0 + f->s.cfg.budget_ms - 1, &f->a));
    assert_true(dns_server_poll(&f->s, t0 + f->s.cfg.budget_ms, &f->a));
    struct dns_msg_info info;
    reply_info(f, 0x0a0a, DNS_RCODE_SERVFAIL, &info);
    assert_int_equal(f->a.txn, txn);
    assert_int_equal(info.hdr.qdcount, 1);
    assert_true(info.hdr.flags & DNS_FLAG_RD);
    /* Within OpenThread's client ResponseTimeout (7000 ms, ot §6.1) and the
     * core's 6000 ms transaction timeout (ot §5.3). */
    assert_true(f->s.cfg.budget_ms < 6000);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    assert_int_equal(dns_server_next_timeout(&f->s), UINT64_MAX);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_TIMEOUTS), 3);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_TIMEOUT), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_SENT), 3);

    /* A send error moves on at once. */
    ask(f, t0 + 6000, 0x0a0b, "err.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    txn = f->a.txn;
    uint8_t first[16];
    memcpy(first, f->a.addr, 16);
    dns_server_upstream_error(&f->s, t0 + 6001, txn, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_memory_not_equal(f->a.addr, first, 16);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_ERRORS), 1);
    free(f);
}

/* Every reply leaves from the address the query was sent to (an anycast
 * ALOC, say): at once, after forwarding, and on a failure. */
static void test_reply_local_address(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    const uint8_t aloc[16] = {0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xfe, 0, 0xfc, 0x10};
    uint8_t q[128], r[512];
    struct dns_msg_info info;

    /* answered at once (ipv4only.arpa.) */
    size_t qlen = mkquery(q, sizeof(q), 0x0c01, DNS_FLAG_RD, "ipv4only.arpa", DNS_TYPE_A, false);
    dns_server_query(&f->s, 0, q, qlen, f->dev, 5353, aloc, true, &f->a);
    reply_info(f, 0x0c01, DNS_RCODE_NOERROR, &info);
    assert_true(f->a.has_local);
    assert_memory_equal(f->a.local, aloc, 16);
    /* forwarded, then answered */
    qlen = mkquery(q, sizeof(q), 0x0c02, DNS_FLAG_RD, "example.com", DNS_TYPE_A, false);
    dns_server_query(&f->s, 10, q, qlen, f->dev, 5353, aloc, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    struct dns_server_action up = f->a;
    size_t rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 20, up.txn, r, rlen, up.addr, up.port, &f->a);
    reply_info(f, 0x0c02, DNS_RCODE_NOERROR, &info);
    assert_true(f->a.has_local);
    assert_memory_equal(f->a.local, aloc, 16);
    /* forwarded, the send fails: SERVFAIL from the same address */
    qlen = mkquery(q, sizeof(q), 0x0c03, DNS_FLAG_RD, "example.org", DNS_TYPE_A, false);
    dns_server_query(&f->s, 30, q, qlen, f->dev, 5353, aloc, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    for (int i = 0; i < 8 && f->a.kind == DNS_SERVER_ACT_UPSTREAM; i++)
        dns_server_upstream_error(&f->s, 40, f->a.txn, &f->a);
    reply_info(f, 0x0c03, DNS_RCODE_SERVFAIL, &info);
    assert_true(f->a.has_local);
    assert_memory_equal(f->a.local, aloc, 16);
    /* no address given: none in the reply */
    ask(f, 50, 0x0c04, "ipv4only.arpa", DNS_TYPE_A, false);
    reply_info(f, 0x0c04, DNS_RCODE_NOERROR, &info);
    assert_false(f->a.has_local);
    free(f);
}

static void test_many_failures_then_success(void **state)
{
    (void)state;
    /* D3: many failing queries, then one that works; nothing wedges. */
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    uint64_t now = 0;
    for (int i = 0; i < 100; i++) {
        ask(f, now, (uint16_t)i, "down.example", DNS_TYPE_A, false);
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
        /* The only resolver is retried (never blacklisted) until the budget. */
        int sends = 1;
        for (;;) {
            now = dns_server_next_timeout(&f->s);
            assert_true(dns_server_poll(&f->s, now, &f->a));
            if (f->a.kind == DNS_SERVER_ACT_REPLY)
                break;
            sends++;
            assert_memory_equal(f->a.addr, f->up[0].addr, 16);
        }
        assert_int_equal(sends, 3);
        struct dns_msg_info info;
        reply_info(f, (uint16_t)i, DNS_RCODE_SERVFAIL, &info);
        assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    }
    /* The resolver comes back. */
    ask(f, now + 1, 0x7777, "up.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    struct dns_server_action up = f->a;
    uint8_t r[512];
    size_t rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, now + 50, up.txn, r, rlen, f->up[0].addr, 53, &f->a);
    struct dns_msg_info info;
    reply_info(f, 0x7777, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 1);
    assert_int_equal(f->s.up[0].fails, 0);
    free(f);
}

static void test_resolver_recovers(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 2);
    uint8_t r[512];
    size_t rlen;
    struct dns_msg_info info;

    /* Resolver 0 times out; resolver 1 answers. */
    ask(f, 0, 1, "a.example", DNS_TYPE_A, false);
    assert_memory_equal(f->a.addr, f->up[0].addr, 16);
    assert_true(dns_server_poll(&f->s, 2000, &f->a));
    assert_memory_equal(f->a.addr, f->up[1].addr, 16);
    struct dns_server_action up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 2100, up.txn, r, rlen, f->up[1].addr, 53, &f->a);
    reply_info(f, 1, DNS_RCODE_NOERROR, &info);

    /* While resolver 0 is penalised, new queries start at resolver 1. */
    ask(f, 2200, 2, "b.example", DNS_TYPE_A, false);
    assert_memory_equal(f->a.addr, f->up[1].addr, 16);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 2300, up.txn, r, rlen, f->up[1].addr, 53, &f->a);
    reply_info(f, 2, DNS_RCODE_NOERROR, &info);

    /* After the back-off resolver 0 is first again, answers, and is healthy. */
    ask(f, 60000, 3, "c.example", DNS_TYPE_A, false);
    assert_memory_equal(f->a.addr, f->up[0].addr, 16);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 60010, up.txn, r, rlen, f->up[0].addr, 53, &f->a);
    reply_info(f, 3, DNS_RCODE_NOERROR, &info);
    assert_int_equal(f->s.up[0].fails, 0);
    assert_int_equal(f->s.up[0].retry_at_ms, 0);

    /* SERVFAIL from one resolver: the other is asked. */
    ask(f, 61000, 4, "d.example", DNS_TYPE_A, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), DNS_RCODE_SERVFAIL, 0, 0);
    dns_server_upstream_response(&f->s, 61010, up.txn, r, rlen, up.addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_memory_not_equal(f->a.addr, up.addr, 16);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), DNS_RCODE_SERVFAIL, 0, 0);
    dns_server_upstream_response(&f->s, 61020, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 4, DNS_RCODE_SERVFAIL, &info); /* all tried: relayed */

    /* The resolver list is reloaded: health of known resolvers is kept. */
    f->s.up[1].fails = 3;
    struct dns_upstream_addr swapped[2] = {f->up[1], f->up[2]};
    assert_int_equal(dns_server_set_upstreams(&f->s, swapped, 2), 2);
    assert_int_equal(f->s.up[0].fails, 3);
    assert_int_equal(f->s.up[1].fails, 0);
    free(f);
}

static void test_tc_tcp_retry(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 2);
    ask(f, 0, 0x5151, "big.example", DNS_TYPE_AAAA, false); /* no EDNS: 512 */
    struct dns_server_action up = f->a;
    uint8_t r[2048];
    size_t rlen = mkanswer(&up, r, sizeof(r), 0, 0, DNS_FLAG_TC);
    dns_server_upstream_response(&f->s, 100, up.txn, r, rlen, up.addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_true(f->a.tcp);
    assert_int_equal(f->a.txn, up.txn);
    assert_memory_equal(f->a.addr, up.addr, 16); /* the same resolver */
    assert_int_not_equal(rd16(f->a.buf), rd16(up.buf));
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_TCP), 1);
    struct dns_server_action tcp = f->a;

    /* The caller frames it for TCP. */
    uint8_t framed[600];
    size_t fl;
    assert_int_equal(dns_tcp_frame(tcp.buf, tcp.len, framed, sizeof(framed), &fl), DNS_OK);
    assert_int_equal(rd16(framed), tcp.len);

    /* Over TCP: 30 AAAA = 29 + 30*28 = 869 octets; cut to 512 with TC. */
    rlen = mkanswer(&tcp, r, sizeof(r), 0, 30, 0);
    assert_true(rlen > 512);
    dns_server_upstream_response(&f->s, 200, tcp.txn, r, rlen, tcp.addr, 53, &f->a);
    struct dns_msg_info info;
    reply_info(f, 0x5151, DNS_RCODE_NOERROR, &info);
    assert_true(f->a.len <= 512);
    assert_true(info.hdr.flags & DNS_FLAG_TC);
    assert_int_equal(info.hdr.ancount, (512 - 29) / 28);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_TRUNCATED_TO_DEVICE), 1);

    /* With EDNS 1232 the same answer goes through whole. */
    ask(f, 300, 0x5152, "big.example", DNS_TYPE_AAAA, true);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 0, DNS_FLAG_TC);
    dns_server_upstream_response(&f->s, 310, up.txn, r, rlen, up.addr, 53, &f->a);
    tcp = f->a;
    assert_true(tcp.tcp);
    rlen = mkanswer(&tcp, r, sizeof(r), 0, 30, 0);
    dns_server_upstream_response(&f->s, 320, tcp.txn, r, rlen, tcp.addr, 53, &f->a);
    reply_info(f, 0x5152, DNS_RCODE_NOERROR, &info);
    assert_int_equal(f->a.len, rlen);
    assert_false(info.hdr.flags & DNS_FLAG_TC);
    assert_int_equal(info.hdr.ancount, 30);

    /* A TC answer over TCP is not retried again: relayed. */
    ask(f, 400, 0x5153, "big.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 0, DNS_FLAG_TC);
    dns_server_upstream_response(&f->s, 410, up.txn, r, rlen, up.addr, 53, &f->a);
    tcp = f->a;
    rlen = mkanswer(&tcp, r, sizeof(r), 0, 1, DNS_FLAG_TC);
    dns_server_upstream_response(&f->s, 420, tcp.txn, r, rlen, tcp.addr, 53, &f->a);
    reply_info(f, 0x5153, DNS_RCODE_NOERROR, &info);
    free(f);
}

/* Polls every 500 ms from `from` to `to`; returns the replies sent. */
static int drain(struct fx *f, uint64_t from, uint64_t to)
{
    int replies = 0;
    struct dns_server_action a;
    for (uint64_t now = from; now <= to; now += 500)
        while (dns_server_poll(&f->s, now, &a))
            replies += a.kind == DNS_SERVER_ACT_REPLY;
    return replies;
}

static void test_table_full(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    uint32_t txns[DNS_SERVER_MAX_TXNS];
    /* 32 devices (one each: the per-client cap is tested apart). */
    for (int i = 0; i < DNS_SERVER_MAX_TXNS; i++) {
        ask_from(f, 0, (uint16_t)i, "x.example", (uint8_t)(0x20 + i));
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
        txns[i] = f->a.txn;
        for (int k = 0; k < i; k++)
            assert_int_not_equal(txns[k], txns[i]);
    }
    assert_int_equal(dns_server_txns_in_use(&f->s), DNS_SERVER_MAX_TXNS);
    ask(f, 0, 0x999, "x.example", DNS_TYPE_A, false); /* a new client */
    struct dns_msg_info info;
    reply_info(f, 0x999, DNS_RCODE_SERVFAIL, &info);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT), 0);
    assert_int_equal(f->a.txn, 0);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_TABLE_FULL), 1);
    /* Local names are still answered. */
    ask(f, 0, 0x99a, "ipv4only.arpa", DNS_TYPE_AAAA, false);
    reply_info(f, 0x99a, DNS_RCODE_NOERROR, &info);
    /* The table drains through timeouts; then forwarding works again. */
    assert_int_equal(drain(f, 0, 6000), DNS_SERVER_MAX_TXNS);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    ask(f, 7000, 1, "x.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    free(f);
}

/* Issue 11 #6: one device floods; the others are still forwarded and
 * answered, and the refusals are counted. */
static void test_client_fair_share(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    /* The flooder (DEV) sends 40 queries: its share goes upstream, the rest
     * get SERVFAIL at once. */
    int up = 0, servfail = 0;
    for (int i = 0; i < 40; i++) {
        ask(f, 0, (uint16_t)(0x100 + i), "flood.example", DNS_TYPE_A, false);
        if (f->a.kind == DNS_SERVER_ACT_UPSTREAM) {
            up++;
        } else {
            struct dns_msg_info info;
            reply_info(f, (uint16_t)(0x100 + i), DNS_RCODE_SERVFAIL, &info);
            assert_int_equal(f->a.txn, 0);
            servfail++;
        }
    }
    assert_int_equal(up, DNS_SERVER_TXNS_PER_CLIENT);
    assert_int_equal(servfail, 40 - DNS_SERVER_TXNS_PER_CLIENT);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT),
                     40 - DNS_SERVER_TXNS_PER_CLIENT);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_TABLE_FULL), 0);
    assert_int_equal(dns_server_client_txns(&f->s, DEV), DNS_SERVER_TXNS_PER_CLIENT);
    /* Every other device still gets its query forwarded and answered: the
     * 24 transactions left. */
    for (int d = 0; d < DNS_SERVER_MAX_TXNS - DNS_SERVER_TXNS_PER_CLIENT; d++) {
        uint8_t src[16];
        memcpy(src, DEV, 16);
        src[15] = (uint8_t)(0x20 + d);
        ask_from(f, 10, (uint16_t)(0x200 + d), "other.example", src[15]);
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
        struct dns_server_action q = f->a;
        uint8_t r[512];
        size_t rlen = mkanswer(&q, r, sizeof(r), 0, 1, 0);
        dns_server_upstream_response(&f->s, 20, q.txn, r, rlen, q.addr, 53, &f->a);
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_REPLY);
        assert_memory_equal(f->a.addr, src, 16);
        struct dns_msg_info info;
        assert_int_equal(dns_msg_parse(f->a.buf, f->a.len, &info), DNS_OK);
        assert_int_equal(info.hdr.id, 0x200 + d);
        assert_int_equal(dns_hdr_rcode(&info.hdr), DNS_RCODE_NOERROR);
        assert_int_equal(info.hdr.ancount, 1);
    }
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_UPSTREAM_RESPONSES),
                     DNS_SERVER_MAX_TXNS - DNS_SERVER_TXNS_PER_CLIENT);
    /* The flooder gets a new transaction once one of its own ends. */
    struct dns_server_action a;
    assert_true(dns_server_poll(&f->s, 2000, &a));     /* its first attempt times out */
    assert_int_equal(a.kind, DNS_SERVER_ACT_UPSTREAM); /* retried: still held */
    ask(f, 2000, 0x300, "flood.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_REPLY);
    drain(f, 2000, 6000);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    ask(f, 6000, 0x301, "flood.example", DNS_TYPE_A, false);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    free(f);
}

/* The client key: /128 by default (Thread devices share their /64s), /64
 * when configured (a device rotating addresses in its /64 stays one client);
 * 0 turns the cap off. */
static void test_client_prefix_len(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    for (int i = 0; i < 20; i++) { /* 20 addresses of one /64: 20 clients */
        ask_from(f, 0, (uint16_t)i, "x.example", (uint8_t)(0x40 + i));
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    }
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT), 0);

    struct dns_server_cfg cfg = f->s.cfg;
    cfg.client_prefix_len = 64;
    assert_true(dns_server_init(&f->s, &cfg));
    assert_int_equal(dns_server_set_upstreams(&f->s, f->up, 1), 1);
    for (int i = 0; i < 20; i++) { /* now one client: 8 forwarded */
        ask_from(f, 0, (uint16_t)i, "x.example", (uint8_t)(0x40 + i));
        assert_int_equal(f->a.kind, i < DNS_SERVER_TXNS_PER_CLIENT ? DNS_SERVER_ACT_UPSTREAM
                                                                   : DNS_SERVER_ACT_REPLY);
    }
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT),
                     20 - DNS_SERVER_TXNS_PER_CLIENT);
    uint8_t other[16];
    memcpy(other, DEV, 16);
    other[7] = 1; /* another /64 */
    assert_int_equal(dns_server_client_txns(&f->s, other), 0);

    cfg.max_txns_per_client = 0; /* no cap: only the table bounds */
    assert_true(dns_server_init(&f->s, &cfg));
    assert_int_equal(dns_server_set_upstreams(&f->s, f->up, 1), 1);
    for (int i = 0; i < DNS_SERVER_MAX_TXNS; i++) {
        ask(f, 0, (uint16_t)i, "x.example", DNS_TYPE_A, false);
        assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    }
    cfg.client_prefix_len = 129;
    assert_false(dns_server_init(&f->s, &cfg));
    free(f);
}

/* ask_from() as device dev_key (dns_server_query_dev). */
static void ask_dev(struct fx *f, uint16_t id, uint8_t last, uint64_t dev_key)
{
    uint8_t q[512], src[16];
    size_t len = mkquery(q, sizeof(q), id, DNS_FLAG_RD, "k.example", DNS_TYPE_A, false);
    memcpy(src, DEV, 16);
    src[15] = last;
    dns_server_query_dev(&f->s, 0, q, len, src, 5353, NULL, true, dev_key, &f->a);
}

/* The client named by the caller (the Thread child that sent the query, issue
 * 11 #6): one device rotating addresses is one client even at /128; two
 * devices sharing an address space are two; unkeyed queries keep the
 * address rule and do not count on a key. */
static void test_client_dev_key(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    for (int i = 0; i < 20; i++) { /* key 1 rotating 20 addresses: 8 forwarded */
        ask_dev(f, (uint16_t)i, (uint8_t)(0x40 + i), 0x10401);
        assert_int_equal(f->a.kind, i < DNS_SERVER_TXNS_PER_CLIENT ? DNS_SERVER_ACT_UPSTREAM
                                                                   : DNS_SERVER_ACT_REPLY);
    }
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT),
                     20 - DNS_SERVER_TXNS_PER_CLIENT);
    assert_int_equal(dns_server_dev_txns(&f->s, 0x10401), DNS_SERVER_TXNS_PER_CLIENT);
    /* key 2, same addresses: its own share */
    ask_dev(f, 100, 0x40, 0x10402);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_int_equal(dns_server_dev_txns(&f->s, 0x10402), 1);
    /* no key, an address key 1 used: the /128 client, none held */
    assert_int_equal(dns_server_client_txns(&f->s, DEV), 0);
    ask_from(f, 0, 101, "x.example", 0x41);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_int_equal(dns_server_dev_txns(&f->s, 0), 0);
    free(f);
}

static void test_not_thread_source(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    uint8_t q[64];
    size_t len = mkquery(q, sizeof(q), 1, DNS_FLAG_RD, "example.com", DNS_TYPE_A, false);
    const uint8_t outside[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};
    struct addr_prefix6 pre[2] = {{{0xfd, 0xde, 0xad, 0x00, 0xbe, 0xef, 0, 0}, 64},
                                  {{0xfd, 0x3b, 0xc9, 0x8b, 0xa9, 0xaa, 0, 1}, 64}};
    assert_true(dns_server_source_allowed(DEV, pre, 2));
    assert_false(dns_server_source_allowed(outside, pre, 2));
    const uint8_t mc[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    struct addr_prefix6 all = {{0}, 0};
    assert_false(dns_server_source_allowed(mc, &all, 1));
    assert_false(dns_server_source_allowed(DEV, NULL, 0));

    dns_server_query(&f->s, 0, q, len, outside, 5353, NULL,
                     dns_server_source_allowed(outside, pre, 2), &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    /* Local names too: no answers at all for outsiders. */
    len = mkquery(q, sizeof(q), 2, DNS_FLAG_RD, "ipv4only.arpa", DNS_TYPE_AAAA, false);
    dns_server_query(&f->s, 0, q, len, outside, 5353, NULL, false, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DROP_NOT_THREAD), 2);
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    free(f);
}

static void test_bad_queries(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    struct dns_msg_info info;
    /* Short: dropped. */
    dns_server_query(&f->s, 0, q_example, 5, DEV, 5353, NULL, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    /* A response: dropped. */
    dns_server_query(&f->s, 0, r_cname, sizeof(r_cname), DEV, 5353, NULL, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_NONE);
    /* Malformed: FORMERR, header only. */
    uint8_t m[sizeof(q_example)];
    memcpy(m, q_example, sizeof(m));
    m[5] = 3;
    dns_server_query(&f->s, 0, m, sizeof(m), DEV, 5353, NULL, true, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_REPLY);
    assert_int_equal(f->a.len, DNS_HDR_LEN);
    assert_int_equal(f->a.buf[3] & 0xf, DNS_RCODE_FORMERR);
    /* Opcode UPDATE: NOTIMP (SRP updates go to the SRP server first). */
    memcpy(m, q_example, sizeof(m));
    m[2] |= DNS_OPCODE_UPDATE << 3;
    dns_server_query(&f->s, 0, m, sizeof(m), DEV, 5353, NULL, true, &f->a);
    reply_info(f, 0x1234, DNS_RCODE_NOTIMP, &info);
    /* QDCOUNT 0: FORMERR. */
    uint8_t h[12] = {0, 9, 1, 0};
    dns_server_query(&f->s, 0, h, sizeof(h), DEV, 5353, NULL, true, &f->a);
    reply_info(f, 9, DNS_RCODE_FORMERR, &info);
    /* EDNS version 1: BADVERS (16) in the OPT. */
    uint8_t e[64];
    size_t el = mkquery(e, sizeof(e), 10, DNS_FLAG_RD, "a.example", DNS_TYPE_A, true);
    e[el - 5] = 1; /* OPT: name, type, class, ext-rcode, version */
    dns_server_query(&f->s, 0, e, el, DEV, 5353, NULL, true, &f->a);
    reply_info(f, 10, 0, &info);
    assert_true(info.has_opt);
    assert_int_equal(info.opt.ext_rcode, 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DROP_SHORT), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DROP_NOT_QUERY), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_FORMERR), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_FORMERR_QDCOUNT), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_NOTIMP_OPCODE), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_BADVERS), 1);
    for (int c = 0; c < DNS_SERVER_CNT__COUNT; c++) {
        assert_non_null(dns_server_counter_name(c));
        assert_true(strlen(dns_server_counter_explain(c)) > 0);
    }
    assert_string_equal(dns_err_str(DNS_ERR_PTR_LOOP), "pointer-loop");
    free(f);
}

static void test_resolv_conf(void **state)
{
    (void)state;
    const char *text = "# generated\n"
                       "search lan\n"
                       "nameserver 192.168.1.1\n"
                       "nameserver\t2001:4860:4860::8888   # google\n"
                       "  nameserver 127.0.0.53\r\n"
                       "nameserver 192.168.1.1\n"  /* duplicate */
                       "nameserver fe80::1%eth0\n" /* zone: skipped */
                       "nameserver 1.2.3\n"        /* bad */
                       "nameserver 8.8.8.8 junk\n" /* trailing junk */
                       "nameservers 9.9.9.9\n"     /* not the keyword */
                       "options edns0\n"
                       "nameserver ::1";
    struct dns_upstream_addr out[8];
    size_t n = dns_resolv_conf_parse(text, strlen(text), out, 8);
    assert_int_equal(n, 4);
    const uint8_t v4[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 1};
    assert_memory_equal(out[0].addr, v4, 16);
    assert_int_equal(out[0].port, 53);
    assert_int_equal(out[1].addr[0], 0x20);
    assert_int_equal(out[1].addr[15], 0x88);
    assert_int_equal(out[2].addr[12], 127);
    assert_int_equal(out[2].addr[15], 53);
    assert_int_equal(out[3].addr[15], 1);
    assert_int_equal(out[3].addr[10], 0);
    /* Bounded count (OpenThread keeps 3). */
    assert_int_equal(dns_resolv_conf_parse(text, strlen(text), out, 3), 3);
    assert_int_equal(dns_resolv_conf_parse("", 0, out, 3), 0);
    assert_int_equal(dns_resolv_conf_parse("nameserver", 10, out, 3), 0);
    /* Not NUL-terminated: only len bytes are read. */
    char buf[] = {'n', 'a', 'm', 'e', 's', 'e', 'r', 'v', 'e', 'r',
                  ' ', '1', '.', '1', '.', '1', '.', '1', '9', '9'};
    assert_int_equal(dns_resolv_conf_parse(buf, 18, out, 3), 1);
    assert_int_equal(out[0].addr[15], 1);
}

static void test_dns64(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 1);
    uint8_t r[1024];
    size_t rlen;
    struct dns_msg_info info;
    struct dns_server_action up;

    /* Off (default): AAAA NODATA relayed as is. */
    ask(f, 0, 0x6401, "v4only.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 0, 0);
    dns_server_upstream_response(&f->s, 10, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6401, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 0);

    dns_server_set_dns64(&f->s, true);
    /* On: NODATA (with an SOA, minimum 60) -> A query to the same resolver. */
    ask(f, 100, 0x6402, "v4only.example", DNS_TYPE_AAAA, false);
    up = f->a;
    {
        struct dns_msg_info qi;
        assert_int_equal(dns_msg_parse(up.buf, up.len, &qi), DNS_OK);
        struct dns_builder b;
        dns_build_init(&b, r, sizeof(r), qi.hdr.id, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
        dns_build_question(&b, &qi.q.name, DNS_TYPE_AAAA, DNS_CLASS_IN);
        struct dns_name zone = nm("example");
        struct dns_soa soa = {nm("ns.example"), nm("h.example"), 1, 2, 3, 4, 60};
        dns_build_soa(&b, DNS_SECTION_AUTHORITY, &zone, 900, &soa);
        dns_build_finish(&b, &rlen);
    }
    dns_server_upstream_response(&f->s, 110, up.txn, r, rlen, up.addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    assert_memory_equal(f->a.addr, up.addr, 16);
    struct dns_msg_info ai;
    assert_int_equal(dns_msg_parse(f->a.buf, f->a.len, &ai), DNS_OK);
    assert_int_equal(ai.q.type, DNS_TYPE_A);
    assert_true(ai.hdr.flags & DNS_FLAG_RD);
    assert_int_not_equal(ai.hdr.id, rd16(up.buf));
    up = f->a;
    /* A answer: CNAME, a global A (TTL 300), a private A (excluded with the
     * well-known prefix), AD set upstream. */
    {
        struct dns_builder b;
        dns_build_init(&b, r, sizeof(r), ai.hdr.id,
                       DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | DNS_FLAG_AD);
        dns_build_question(&b, &ai.q.name, DNS_TYPE_A, DNS_CLASS_IN);
        struct dns_name alias = nm("real.example");
        dns_build_name_rr(&b, DNS_SECTION_ANSWER, &ai.q.name, DNS_TYPE_CNAME, 500, &alias);
        dns_build_a(&b, DNS_SECTION_ANSWER, &alias, 300, (const uint8_t[]){93, 184, 216, 34});
        dns_build_a(&b, DNS_SECTION_ANSWER, &alias, 300, (const uint8_t[]){10, 0, 0, 1});
        dns_build_finish(&b, &rlen);
    }
    dns_server_upstream_response(&f->s, 120, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6402, DNS_RCODE_NOERROR, &info);
    assert_false(info.hdr.flags & DNS_FLAG_AD);
    assert_int_equal(info.q.type, DNS_TYPE_AAAA);
    assert_int_equal(info.hdr.ancount, 2);
    struct dns_parser p;
    struct dns_rr rr;
    assert_int_equal(dns_parse_begin(&p, f->a.buf, f->a.len), DNS_OK);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_CNAME);
    assert_int_equal(dns_parse_rr(&p, &rr), DNS_OK);
    assert_int_equal(rr.type, DNS_TYPE_AAAA);
    const uint8_t syn[16] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 93, 184, 216, 34};
    assert_memory_equal(rr.u.aaaa, syn, 16);
    assert_int_equal(rr.ttl, 60); /* min(A TTL, SOA minimum) */
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DNS64_SYNTHESIZED), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DNS64_EXCLUDED), 1);
    assert_int_equal(dns_server_counter(&f->s, DNS_SERVER_CNT_DNS64_A_QUERIES), 1);

    /* Real AAAA present: relayed, no A query. */
    ask(f, 200, 0x6403, "dual.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 210, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6403, DNS_RCODE_NOERROR, &info);
    assert_int_equal(f->a.len, rlen);
    /* NXDOMAIN: relayed, never synthesized over. */
    ask(f, 300, 0x6404, "none.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), DNS_RCODE_NXDOMAIN, 0, 0);
    dns_server_upstream_response(&f->s, 310, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6404, DNS_RCODE_NXDOMAIN, &info);
    /* A queries pass through unchanged (resolve4 keeps working). */
    ask(f, 400, 0x6405, "v4only.example", DNS_TYPE_A, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 1, 0);
    dns_server_upstream_response(&f->s, 410, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6405, DNS_RCODE_NOERROR, &info);
    assert_int_equal(f->a.len, rlen);
    /* NODATA, then the A query times out: NODATA to the device. */
    ask(f, 500, 0x6406, "v4only.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 0, 0);
    dns_server_upstream_response(&f->s, 510, up.txn, r, rlen, up.addr, 53, &f->a);
    assert_int_equal(f->a.kind, DNS_SERVER_ACT_UPSTREAM);
    while (dns_server_poll(&f->s, 20000, &f->a) && f->a.kind != DNS_SERVER_ACT_REPLY)
        ;
    reply_info(f, 0x6406, DNS_RCODE_NOERROR, &info);
    assert_int_equal(info.hdr.ancount, 0);
    /* No NAT64 prefix: DNS64 does nothing. */
    dns_server_set_nat64_prefix(&f->s, NULL);
    ask(f, 600, 0x6407, "v4only.example", DNS_TYPE_AAAA, false);
    up = f->a;
    rlen = mkanswer(&up, r, sizeof(r), 0, 0, 0);
    dns_server_upstream_response(&f->s, 610, up.txn, r, rlen, up.addr, 53, &f->a);
    reply_info(f, 0x6407, DNS_RCODE_NOERROR, &info);
    free(f);
}

/* ---- hostile bytes -------------------------------------------------------- */

static uint32_t xs(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    struct fx *f = malloc(sizeof(*f));
    assert_non_null(f);
    fx_init(f, true, 2);
    dns_server_set_dns64(&f->s, true);
    uint32_t seed = 0x12345678;
    uint8_t base[3][600];
    size_t blen[3];
    blen[0] = sizeof(r_cname);
    memcpy(base[0], r_cname, blen[0]);
    blen[1] = mkquery(base[1], 600, 1, DNS_FLAG_RD, "_coap._udp.default.service.arpa", DNS_TYPE_PTR,
                      true);
    blen[2] = sizeof(q_example);
    memcpy(base[2], q_example, blen[2]);
    uint8_t m[600], out[600];
    for (int it = 0; it < 30000; it++) {
        int k = (int)(xs(&seed) % 3);
        size_t len = blen[k];
        memcpy(m, base[k], len);
        int flips = (int)(xs(&seed) % 8) + 1;
        for (int i = 0; i < flips; i++)
            m[xs(&seed) % len] = (uint8_t)xs(&seed);
        if (xs(&seed) % 4 == 0)
            len = xs(&seed) % (len + 1);
        if (it % 1000 == 0) { /* pure noise */
            len = xs(&seed) % sizeof(m);
            for (size_t i = 0; i < len; i++)
                m[i] = (uint8_t)xs(&seed);
        }
        struct dns_msg_info info;
        enum dns_err e = dns_msg_parse(m, len, &info);
        assert_true((unsigned)e < DNS_ERR__COUNT);
        size_t ol;
        if (e == DNS_OK) {
            assert_true(info.len <= len);
            e = dns_msg_truncate(m, len, out, 100, &ol);
            assert_true(e == DNS_OK || e == DNS_ERR_NO_SPACE);
            if (e == DNS_OK) {
                assert_true(ol <= 100);
                assert_int_equal(dns_msg_parse(out, ol, &info), DNS_OK);
            }
        }
        /* As a device query. */
        dns_server_query(&f->s, (uint64_t)it, m, len, DEV, 5353, NULL, true, &f->a);
        if (f->a.kind == DNS_SERVER_ACT_REPLY) {
            assert_true(f->a.len <= DNS_EDNS_UDP);
            assert_int_equal(dns_msg_parse(f->a.buf, f->a.len, &info), DNS_OK);
        }
        /* As an upstream answer for a live transaction (ID patched in). */
        if (f->a.kind == DNS_SERVER_ACT_UPSTREAM) {
            struct dns_server_action up = f->a;
            if (len >= 2 && xs(&seed) % 2)
                be16_put(m, rd16(up.buf));
            dns_server_upstream_response(&f->s, (uint64_t)it, up.txn, m, len, up.addr, 53, &f->a);
            if (f->a.kind == DNS_SERVER_ACT_REPLY)
                assert_true(f->a.len <= DNS_EDNS_UDP);
        }
        struct dns_server_action a;
        while (dns_server_poll(&f->s, (uint64_t)it, &a))
            ;
        /* Names through the text path. */
        struct dns_name n;
        char t[DNS_NAME_TEXT_MAX];
        struct rd r = rd_init(m, len);
        if (len > 12 && (rd_skip(&r, 12), dns_name_read(m, len, &r, &n) == DNS_OK))
            assert_int_equal(dns_name_to_text(&n, t, sizeof(t)), DNS_OK);
    }
    struct dns_server_action a;
    while (dns_server_poll(&f->s, UINT64_MAX - 1, &a))
        ;
    assert_int_equal(dns_server_txns_in_use(&f->s), 0);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_known_query),
        cmocka_unit_test(test_parse_known_response),
        cmocka_unit_test(test_pointer_rules),
        cmocka_unit_test(test_pointer_hop_bound),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_counts_lie),
        cmocka_unit_test(test_edns_opt),
        cmocka_unit_test(test_build_known_query),
        cmocka_unit_test(test_build_roundtrip),
        cmocka_unit_test(test_sig0_record),
        cmocka_unit_test(test_build_sig_and_class),
        cmocka_unit_test(test_build_truncation),
        cmocka_unit_test(test_msg_truncate),
        cmocka_unit_test(test_name_text),
        cmocka_unit_test(test_tcp_frame),
        cmocka_unit_test(test_srp_local),
        cmocka_unit_test(test_ipv4only),
        cmocka_unit_test(test_forwarding_disabled),
        cmocka_unit_test(test_forward_id_rewrite),
        cmocka_unit_test(test_timeout_failover_servfail),
        cmocka_unit_test(test_reply_local_address),
        cmocka_unit_test(test_many_failures_then_success),
        cmocka_unit_test(test_resolver_recovers),
        cmocka_unit_test(test_tc_tcp_retry),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_client_fair_share),
        cmocka_unit_test(test_client_prefix_len),
        cmocka_unit_test(test_client_dev_key),
        cmocka_unit_test(test_not_thread_source),
        cmocka_unit_test(test_bad_queries),
        cmocka_unit_test(test_resolv_conf),
        cmocka_unit_test(test_dns64),
        cmocka_unit_test(test_hostile_bytes),
    };
    return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
