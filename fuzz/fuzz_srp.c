/*
 * libFuzzer harness for the SRP server core (src/dns/srp.h).
 *
 * Input: [selector byte] then the bytes under test; selector % 4 picks:
 *   0  the bytes as an SRP update: srp_parse_update, srp_verify_sig0, then
 *      srp_registry_apply into a fresh registry (whether or not the
 *      signature verifies: it decides who owns a name, not memory safety),
 *      the response, and persistence round trips;
 *   1  the bytes as a persisted registry: srp_registry_load;
 *   2  the bytes as a script of up to 12 well-formed updates built with the
 *      dns_msg builder (host and instance names, ports, TXT, addresses,
 *      leases including 0, the time between them, from the input), signed
 *      with one of two fixed P-256 keys (deterministic ECDSA, RFC 6979) or
 *      left unsigned, applied at increasing times with expiry and
 *      persistence round trips in between;
 *   3  the bytes as answers to the device's SRP client (src/dns/srp_client.h)
 *      with an update in flight: as they are, or with the ID of the update
 *      and QR/UPDATE patched in, from the server or not (selector bits).
 *
 * Checked invariants (abort on violation):
 *   - every result is a named error;
 *   - every response srp_build_response gives parses (QR, UPDATE, the id,
 *     the error's rcode);
 *   - the registry stays consistent: a used service has a used host, counts
 *     and lengths within bounds, names valid and unique, a deleted host has
 *     no addresses and no live service, seq numbers distinct;
 *   - a registry saved at t and loaded at t' after E ms down prints the same
 *     (srp_fmt_hosts/srp_fmt_services), answers the same DNS lookups and has
 *     the same next expiry (shifted by t' - t - E) as the original expired
 *     at t + E; saving it again gives the same bytes;
 *   - a load either fails with SRP_ERR_MALFORMED and the registry empty
 *     (lease bounds kept), or succeeds and save -> load -> save is stable;
 *   - a built update parses; a signed one verifies, an unsigned one does not;
 *   - apply gives OK, NAME_CLAIMED or REGISTRY_FULL; a refusal leaves the
 *     registry unchanged; after OK the host and instances resolve as the
 *     granted lease says (live, deleted, or gone);
 *   - after srp_registry_expire(t), nothing is due at or before t;
 *   - client: the update it sends parses and verifies on the server side;
 *     every datagram is either the accepted answer or counted under one
 *     drop reason; once answered nothing waits; whatever it sends next
 *     still parses and verifies.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include "dns/dns_msg.h"
#include "dns/srp.h"
#include "dns/srp_client.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BLOB_CAP 70000 /* above the worst case of a full registry (srp.h) */

static struct srp_registry reg, reg2, reg3, before;
static uint8_t blob[BLOB_CAP], blob2[BLOB_CAP];

/* ---- Registry checks ------------------------------------------------------ */

static void check_reg(const struct srp_registry *r)
{
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        const struct srp_host *hp = &r->hosts[i];
        if (!hp->used)
            continue;
        CHECK(dns_name_valid(&hp->name));
        CHECK(hp->naddrs <= SRP_MAX_ADDRS);
        CHECK(!hp->deleted || hp->naddrs == 0);
        CHECK(hp->seq != 0 && hp->seq <= r->next_seq);
        for (unsigned j = i + 1; j < SRP_MAX_HOSTS; j++)
            if (r->hosts[j].used)
                CHECK(!dns_name_equal(&hp->name, &r->hosts[j].name) && hp->seq != r->hosts[j].seq);
    }
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &r->services[i];
        if (!sp->used)
            continue;
        CHECK(sp->host < SRP_MAX_HOSTS && r->hosts[sp->host].used);
        CHECK(sp->deleted || !r->hosts[sp->host].deleted);
        CHECK(sp->txt_len <= SRP_TXT_MAX);
        CHECK(dns_name_valid(&sp->service) && dns_name_valid(&sp->instance));
        CHECK(sp->seq != 0 && sp->seq <= r->next_seq);
        for (unsigned j = 0; j < SRP_MAX_HOSTS; j++)
            CHECK(!r->hosts[j].used || r->hosts[j].seq != sp->seq);
        for (unsigned j = i + 1; j < SRP_MAX_SERVICES; j++)
            if (r->services[j].used)
                CHECK(!dns_name_equal(&sp->instance, &r->services[j].instance) &&
                      sp->seq != r->services[j].seq);
    }
}

static bool no_entries(const struct srp_registry *r)
{
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        if (r->hosts[i].used)
            return false;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        if (r->services[i].used)
            return false;
    return srp_registry_next_host(r, NULL) == NULL && srp_registry_next_expiry(r) == UINT64_MAX;
}

struct text {
    char s[1 << 19];
    size_t n;
};
static struct text ta, tb;

static void collect(void *ctx, const char *line)
{
    struct text *t = ctx;
    size_t l = strlen(line);
    CHECK(t->n + l + 1 <= sizeof t->s);
    memcpy(t->s + t->n, line, l);
    t->s[t->n + l] = '\n';
    t->n += l + 1;
}

static void fmt(const struct srp_registry *r, struct text *t)
{
    t->n = 0;
    srp_fmt_hosts(r, collect, t);
    srp_fmt_services(r, collect, t);
}

/* Every DNS hook answers the same in a and b for the names a holds. */
static void same_dns(const struct srp_registry *a, const struct srp_registry *b)
{
    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    uint8_t xa[SRP_MAX_ADDRS][16], xb[SRP_MAX_ADDRS][16];
    uint32_t la = 0, lb = 0;
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        const struct srp_host *hp = &a->hosts[i];
        if (!hp->used)
            continue;
        int na = ops.host_addrs((void *)a, &hp->name, xa, SRP_MAX_ADDRS, &la);
        CHECK(na == ops.host_addrs((void *)b, &hp->name, xb, SRP_MAX_ADDRS, &lb));
        CHECK(na < 0 || (la == lb && memcmp(xa, xb, (size_t)na * 16) == 0));
    }
    static struct dns_name ia[SRP_MAX_SERVICES], ib[SRP_MAX_SERVICES];
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &a->services[i];
        if (!sp->used)
            continue;
        int na = ops.service_instances((void *)a, &sp->service, ia, SRP_MAX_SERVICES, &la);
        CHECK(na == ops.service_instances((void *)b, &sp->service, ib, SRP_MAX_SERVICES, &lb));
        CHECK(na < 0 || la == lb);
        struct dns_srp_instance sa, sb;
        bool fa = ops.instance((void *)a, &sp->instance, &sa);
        CHECK(fa == ops.instance((void *)b, &sp->instance, &sb));
        if (fa)
            CHECK(sa.srv.port == sb.srv.port && sa.srv.priority == sb.srv.priority &&
                  sa.srv.weight == sb.srv.weight && sa.ttl == sb.ttl &&
                  dns_name_equal(&sa.srv.target, &sb.srv.target) && sa.txt_len == sb.txt_len &&
                  memcmp(sa.txt, sb.txt, sa.txt_len) == 0);
    }
}

/* Saves r at t, loads at t2 after e ms down; compares with r expired at t+e. */
static void round_trip(const struct srp_registry *r, uint64_t t, uint64_t t2, uint64_t e)
{
    size_t len = 0, len2 = 0;
    CHECK(srp_registry_save(r, t, blob, sizeof blob, &len) == SRP_OK);
    CHECK(len >= 3 && blob[0] == SRP_REGISTRY_BLOB_VERSION);
    memcpy(&reg3, r, sizeof reg3);
    uint64_t at = t + e;
    srp_registry_expire(&reg3, at);
    srp_registry_init(&reg2);
    CHECK(srp_registry_load(&reg2, blob, len, t2, e) == SRP_OK);
    check_reg(&reg2);
    fmt(&reg3, &ta);
    fmt(&reg2, &tb);
    CHECK(ta.n == tb.n && memcmp(ta.s, tb.s, ta.n) == 0);
    same_dns(&reg3, &reg2);
    same_dns(&reg2, &reg3);
    uint64_t want = srp_registry_next_expiry(&reg3);
    CHECK(srp_registry_next_expiry(&reg2) == (want == UINT64_MAX ? UINT64_MAX : want - at + t2));
    /* Stable from here on: save -> load -> save gives the same bytes. */
    CHECK(srp_registry_save(&reg2, t2, blob, sizeof blob, &len) == SRP_OK);
    srp_registry_init(&reg3);
    CHECK(srp_registry_load(&reg3, blob, len, t2, 0) == SRP_OK);
    CHECK(srp_registry_save(&reg3, t2, blob2, sizeof blob2, &len2) == SRP_OK);
    CHECK(len == len2 && memcmp(blob, blob2, len) == 0);
    /* Too small by one: NO_SPACE. */
    CHECK(srp_registry_save(&reg3, t2, blob2, len - 1, &len2) == SRP_ERR_NO_SPACE && len2 == 0);
}

static void check_response(uint16_t id, enum srp_err e, uint32_t lease, uint32_t key_lease)
{
    uint8_t resp[128];
    size_t rl = 0;
    CHECK(srp_build_response(id, e, lease, key_lease, resp, sizeof resp, &rl) == SRP_OK);
    struct dns_msg_info info;
    CHECK(dns_msg_parse(resp, rl, &info) == DNS_OK);
    CHECK((info.hdr.flags & DNS_FLAG_QR) && dns_hdr_opcode(&info.hdr) == DNS_OPCODE_UPDATE);
    CHECK(info.hdr.id == id && dns_hdr_rcode(&info.hdr) == srp_err_rcode(e));
    CHECK(info.has_opt == (e == SRP_OK));
}

/* ---- (a) raw update ------------------------------------------------------- */

static void run_update(const uint8_t *b, size_t n, uint8_t sel)
{
    static struct srp_update u;
    enum srp_err e = srp_parse_update(b, n, &u);
    CHECK((unsigned)e < SRP_ERR__COUNT);
    check_response(u.id, e, 0, 0);
    if (e != SRP_OK)
        return;
    e = srp_verify_sig0(b, n, &u);
    CHECK(e == SRP_OK || e == SRP_ERR_SIG_FAILED);
    /* The validity period: a signature without time always passes. */
    bool no_time = false;
    e = srp_check_sig0_time(&u, (uint32_t)sel << 24, &no_time);
    CHECK(e == SRP_OK || e == SRP_ERR_SIG_TIME);
    CHECK(no_time == (u.sig.inception == 0 && u.sig.expiration == 0));
    CHECK(!no_time || e == SRP_OK);
    srp_registry_init(&reg);
    uint64_t now = (uint64_t)sel << 20;
    uint32_t lease = 0, kl = 0;
    e = srp_registry_apply(&reg, &u, now, &lease, &kl);
    CHECK(e == SRP_OK);
    CHECK(kl >= lease);
    check_response(u.id, e, lease, kl);
    check_reg(&reg);
    round_trip(&reg, now, 0, 0);
    round_trip(&reg, now, now + 1, (uint64_t)lease * 1000);
}

/* ---- (b) persisted registry ----------------------------------------------- */

static void run_blob(const uint8_t *b, size_t n, uint8_t sel)
{
    srp_registry_init(&reg);
    reg.max_lease = 3600 + sel; /* bounds are configuration: kept */
    uint64_t now = (uint64_t)(sel & 0x70) << 24;
    uint64_t elapsed = (sel & 0x80) ? (uint64_t)sel << 20 : 0;
    uint8_t *m = malloc(n ? n : 1); /* exact size so ASan sees overreads */
    CHECK(m);
    if (n)
        memcpy(m, b, n);
    enum srp_err e = srp_registry_load(&reg, m, n, now, elapsed);
    free(m);
    CHECK(reg.max_lease == 3600u + sel && reg.min_lease == SRP_DEFAULT_MIN_LEASE);
    if (e != SRP_OK) {
        CHECK(e == SRP_ERR_MALFORMED);
        CHECK(no_entries(&reg) && reg.next_seq == 0);
        return;
    }
    check_reg(&reg);
    uint64_t next = srp_registry_next_expiry(&reg);
    CHECK(next == UINT64_MAX || next > now);
    round_trip(&reg, now, now, 0);
    round_trip(&reg, now, 7, 1u << (sel & 31));
}

/* ---- (c) script of well-formed updates ------------------------------------ */

static int fixed_entropy(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        out[i] = (unsigned char)(0xa5 ^ i);
    return 0;
}

struct fkey {
    mbedtls_ecdsa_context ec;
    uint8_t pub[SRP_PUBKEY_LEN];
};
static struct fkey keys[2];
static mbedtls_ctr_drbg_context drbg;

static void keys_init(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    mbedtls_ctr_drbg_init(&drbg);
    static const char pers[] = "tbr-fuzz-srp";
    CHECK(mbedtls_ctr_drbg_seed(&drbg, fixed_entropy, NULL, (const unsigned char *)pers,
                                sizeof pers - 1) == 0);
    for (int i = 0; i < 2; i++) {
        mbedtls_ecdsa_init(&keys[i].ec);
        CHECK(mbedtls_ecdsa_genkey(&keys[i].ec, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random,
                                   &drbg) == 0);
        uint8_t pt[1 + SRP_PUBKEY_LEN];
        size_t olen = 0;
        CHECK(mbedtls_ecp_point_write_binary(&keys[i].ec.grp, &keys[i].ec.Q,
                                             MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pt,
                                             sizeof pt) == 0 &&
              olen == sizeof pt);
        memcpy(keys[i].pub, pt + 1, SRP_PUBKEY_LEN);
    }
}

/* Input bytes, 0 once they run out. */
static uint8_t in_u8(struct rd *r)
{
    uint8_t v = 0;
    rd_u8(r, &v);
    return v;
}

static uint16_t in_u16(struct rd *r)
{
    return (uint16_t)(in_u8(r) << 8 | in_u8(r));
}

static uint32_t in_u32(struct rd *r)
{
    return (uint32_t)in_u16(r) << 16 | in_u16(r);
}

/* One label: from a pool of four (so names collide across updates), or
 * 1..63 arbitrary octets from the input. */
static void in_label(struct rd *r, const char *pool, uint8_t *lab, size_t *len)
{
    uint8_t c = in_u8(r);
    if (!(c & 0x80)) {
        *len = strlen(pool);
        memcpy(lab, pool, *len);
        lab[*len - 1] = (uint8_t)('0' + (c & 3));
        return;
    }
    *len = 1 + (c & 0x3f) % DNS_LABEL_MAX;
    for (size_t i = 0; i < *len; i++)
        lab[i] = in_u8(r);
}

static struct dns_name under(const uint8_t *lab, size_t len, const char *parent)
{
    struct dns_name n;
    CHECK(dns_name_from_text(parent, &n) == DNS_OK);
    CHECK(dns_name_prepend(&n, lab, len) == DNS_OK);
    return n;
}

struct svc_spec {
    struct dns_name service, instance;
    bool remove;
    struct dns_srv srv;
    uint8_t txt[SRP_TXT_MAX];
    uint16_t txt_len;
};

struct upd_spec {
    unsigned key;
    bool sign, short_lease_opt;
    struct dns_name host;
    uint8_t addrs[SRP_MAX_ADDRS][16];
    unsigned naddrs;
    struct svc_spec svcs[SRP_MAX_UPDATE_SERVICES];
    unsigned nsvcs;
    uint32_t lease, key_lease, ttl;
};

static void in_update(struct rd *r, struct upd_spec *s)
{
    static const char *const types[] = {"_ipps._tcp.default.service.arpa.",
                                        "_coap._udp.default.service.arpa."};
    memset(s, 0, sizeof *s);
    uint8_t op = in_u8(r);
    s->key = op & 1;
    s->sign = (op & 2) != 0;
    s->short_lease_opt = (op & 4) != 0;
    uint8_t lab[DNS_LABEL_MAX];
    size_t ll;
    in_label(r, "host0", lab, &ll);
    s->host = under(lab, ll, SRP_ZONE_TEXT);
    switch ((op >> 3) & 3) {
    case 0: /* removal: lease 0, key-lease 0 or not */
        s->key_lease = (op & 0x20) ? 0 : in_u8(r);
        break;
    case 1: /* short, possibly below the minimum */
        s->lease = in_u8(r);
        s->key_lease = s->lease + in_u8(r);
        break;
    case 2:
        s->lease = 7200;
        s->key_lease = 1209600;
        break;
    default:
        s->lease = in_u32(r);
        s->key_lease = in_u32(r);
        break;
    }
    if (s->short_lease_opt)
        s->key_lease = s->lease;
    s->ttl = in_u16(r);
    s->naddrs = in_u8(r) % (SRP_MAX_ADDRS + 1);
    for (unsigned i = 0; i < s->naddrs; i++)
        for (unsigned j = 0; j < 16; j++)
            s->addrs[i][j] = in_u8(r);
    unsigned want = in_u8(r) % (SRP_MAX_UPDATE_SERVICES + 1);
    for (unsigned i = 0; i < want; i++) {
        struct svc_spec *v = &s->svcs[s->nsvcs];
        uint8_t f = in_u8(r);
        CHECK(dns_name_from_text(types[f & 1], &v->service) == DNS_OK);
        in_label(r, "inst0", lab, &ll);
        v->instance = under(lab, ll, types[f & 1]);
        v->remove = (f & 2) != 0;
        v->srv.priority = in_u16(r);
        v->srv.weight = in_u16(r);
        v->srv.port = in_u16(r);
        v->srv.target = s->host;
        /* TXT: character-strings filling at most SRP_TXT_MAX octets. */
        unsigned budget = in_u8(r);
        while (budget > 0) {
            unsigned l = in_u8(r) % 32;
            if (l + 1 > budget || v->txt_len + 1 + l > SRP_TXT_MAX)
                break;
            v->txt[v->txt_len++] = (uint8_t)l;
            for (unsigned k = 0; k < l; k++)
                v->txt[v->txt_len++] = in_u8(r);
            budget -= l + 1;
        }
        bool dup = false;
        for (unsigned k = 0; k < s->nsvcs; k++)
            dup |= dns_name_equal(&s->svcs[k].instance, &v->instance);
        if (!dup)
            s->nsvcs++;
    }
}

/* Builds (and signs, or not) the update; returns its length. */
static size_t build_update(const struct upd_spec *s, uint8_t *buf, size_t cap)
{
    const struct fkey *k = &keys[s->key];
    struct dns_builder b;
    dns_build_init(&b, buf, cap, 0x5a5a, DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT);
    dns_build_reserve(&b, DNS_OPT_LEN + 12);
    struct dns_name zone;
    CHECK(dns_name_from_text(SRP_ZONE_TEXT, &zone) == DNS_OK);
    CHECK(dns_build_question(&b, &zone, DNS_TYPE_SOA, DNS_CLASS_IN) == DNS_OK);
    const enum dns_section U = DNS_SECTION_AUTHORITY;
    for (unsigned i = 0; i < s->nsvcs; i++) {
        const struct svc_spec *v = &s->svcs[i];
        if (v->remove)
            CHECK(dns_build_rr(&b, U, &v->service, DNS_TYPE_PTR, DNS_CLASS_NONE, 0, v->instance.b,
                               v->instance.len) == DNS_OK);
        else
            CHECK(dns_build_name_rr(&b, U, &v->service, DNS_TYPE_PTR, s->ttl, &v->instance) ==
                  DNS_OK);
        CHECK(dns_build_rr(&b, U, &v->instance, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0) == DNS_OK);
        if (v->remove)
            continue;
        CHECK(dns_build_srv(&b, U, &v->instance, s->ttl, &v->srv) == DNS_OK);
        CHECK(dns_build_txt(&b, U, &v->instance, s->ttl, v->txt, v->txt_len) == DNS_OK);
    }
    CHECK(dns_build_rr(&b, U, &s->host, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0) == DNS_OK);
    for (unsigned i = 0; i < s->naddrs; i++)
        CHECK(dns_build_aaaa(&b, U, &s->host, s->ttl, s->addrs[i]) == DNS_OK);
    struct dns_key key = {0x0200, 3, SRP_KEY_ALG_ECDSAP256SHA256, k->pub, SRP_PUBKEY_LEN};
    CHECK(dns_build_key(&b, U, &s->host, s->ttl, &key) == DNS_OK);
    uint8_t lo[12] = {0, SRP_EDNS_UPDATE_LEASE, 0, 8};
    be32_put(lo + 4, s->lease);
    be32_put(lo + 8, s->key_lease);
    if (s->short_lease_opt)
        lo[3] = 4;
    struct dns_opt opt = {DNS_EDNS_UDP, 0, 0, 0, lo, (uint16_t)(s->short_lease_opt ? 8 : 12)};
    CHECK(dns_build_opt(&b, &opt) == DNS_OK);
    size_t sig_off = b.len;
    /* SIG(0) RDATA (RFC 2931 §3); the signature follows the signer. */
    uint8_t sig[18 + DNS_NAME_MAX + SRP_SIG_LEN];
    memset(sig, 0, sizeof sig);
    sig[2] = SRP_KEY_ALG_ECDSAP256SHA256;
    memcpy(sig + 18, s->host.b, s->host.len);
    size_t pre = 18 + s->host.len;
    struct dns_name root = {1, {0}};
    CHECK(dns_build_rr(&b, DNS_SECTION_ADDITIONAL, &root, DNS_TYPE_SIG, DNS_CLASS_ANY, 0, sig,
                       (uint16_t)(pre + SRP_SIG_LEN)) == DNS_OK);
    size_t len = 0;
    CHECK(dns_build_finish(&b, &len) == DNS_OK && !(b.hdr.flags & DNS_FLAG_TC));
    if (!s->sign)
        return len;
    uint8_t hdr[DNS_HDR_LEN];
    memcpy(hdr, buf, DNS_HDR_LEN);
    hdr[11]--;
    uint8_t hash[32];
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    CHECK(mbedtls_sha256_starts_ret(&sha, 0) == 0);
    CHECK(mbedtls_sha256_update_ret(&sha, sig, pre) == 0);
    CHECK(mbedtls_sha256_update_ret(&sha, hdr, DNS_HDR_LEN) == 0);
    CHECK(mbedtls_sha256_update_ret(&sha, buf + DNS_HDR_LEN, sig_off - DNS_HDR_LEN) == 0);
    CHECK(mbedtls_sha256_finish_ret(&sha, hash) == 0);
    mbedtls_sha256_free(&sha);
    mbedtls_ecdsa_context *ec = &keys[s->key].ec;
    mbedtls_mpi r, sv;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&sv);
    CHECK(mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &sv, &ec->d, hash, sizeof hash,
                                     MBEDTLS_MD_SHA256, mbedtls_ctr_drbg_random, &drbg) == 0);
    CHECK(mbedtls_mpi_write_binary(&r, buf + len - SRP_SIG_LEN, 32) == 0);
    CHECK(mbedtls_mpi_write_binary(&sv, buf + len - 32, 32) == 0);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&sv);
    return len;
}

static const struct srp_host *host_named(const struct srp_registry *r, const struct dns_name *n)
{
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        if (r->hosts[i].used && dns_name_equal(&r->hosts[i].name, n))
            return &r->hosts[i];
    return NULL;
}

/* After an accepted update: the host and its instances resolve as granted. */
static void check_applied(const struct upd_spec *s, uint32_t lease, uint32_t key_lease)
{
    struct dns_srp_ops ops;
    srp_registry_dns_ops(&ops);
    uint8_t addrs[SRP_MAX_ADDRS][16];
    uint32_t ttl;
    struct dns_srp_instance in;
    const struct srp_host *hp = host_named(&reg, &s->host);
    if (lease == 0 && key_lease == 0) {
        CHECK(hp == NULL);
        return;
    }
    if (lease == 0) {
        /* An unknown host removed: nothing to do. */
        CHECK(host_named(&before, &s->host) ? hp && hp->deleted : hp == NULL);
        CHECK(ops.host_addrs(&reg, &s->host, addrs, SRP_MAX_ADDRS, &ttl) == -1);
        return;
    }
    CHECK(hp && !hp->deleted && hp->lease == lease && hp->key_lease == key_lease);
    CHECK(key_lease >= lease);
    int n = ops.host_addrs(&reg, &s->host, addrs, SRP_MAX_ADDRS, &ttl);
    CHECK(n == (int)s->naddrs && memcmp(addrs, s->addrs, (size_t)n * 16) == 0);
    CHECK(ttl <= lease);
    for (unsigned i = 0; i < s->nsvcs; i++) {
        const struct svc_spec *v = &s->svcs[i];
        bool found = ops.instance(&reg, &v->instance, &in);
        CHECK(found == !v->remove);
        if (found)
            CHECK(in.srv.port == v->srv.port && dns_name_equal(&in.srv.target, &s->host));
    }
}

static void run_script(const uint8_t *b, size_t n, uint8_t sel)
{
    keys_init();
    struct rd r = rd_init(b, n);
    srp_registry_init(&reg);
    if (sel & 0x80) { /* short bounds so that short leases are kept */
        reg.min_lease = reg.min_key_lease = 1;
        reg.max_lease = 600;
        reg.max_key_lease = 1200;
    }
    uint64_t now = in_u16(&r);
    static struct upd_spec s;
    static struct srp_update u;
    static uint8_t msg[8192];
    for (int step = 0; step < 12 && r.left; step++) {
        in_update(&r, &s);
        size_t len = build_update(&s, msg, sizeof msg);
        enum srp_err e = srp_parse_update(msg, len, &u);
        CHECK(e == SRP_OK);
        CHECK(u.nservices == s.nsvcs && u.naddrs == s.naddrs);
        e = srp_verify_sig0(msg, len, &u);
        CHECK(e == (s.sign ? SRP_OK : SRP_ERR_SIG_FAILED));
        memcpy(&before, &reg, sizeof reg);
        uint32_t lease = 0, kl = 0;
        e = srp_registry_apply(&reg, &u, now, &lease, &kl);
        CHECK(e == SRP_OK || e == SRP_ERR_NAME_CLAIMED || e == SRP_ERR_REGISTRY_FULL);
        check_response(u.id, e, lease, kl);
        if (e == SRP_OK)
            check_applied(&s, lease, kl);
        else
            CHECK(memcmp(&before, &reg, sizeof reg) == 0);
        check_reg(&reg);

        uint8_t what = in_u8(&r);
        if (what & 1)
            round_trip(&reg, now, in_u16(&r), (uint64_t)in_u8(&r) << (in_u8(&r) % 32));
        /* Time passes: up to 255 << 30 ms (past any key-lease). */
        now += (uint64_t)in_u8(&r) << (in_u8(&r) % 31);
        if (what & 2) {
            srp_registry_expire(&reg, now);
            CHECK(srp_registry_next_expiry(&reg) > now);
            check_reg(&reg);
        }
    }
    round_trip(&reg, now, now, 0);
    srp_registry_expire(&reg, UINT64_MAX - 1);
    CHECK(no_entries(&reg));
}

/* ---- mode 3: the client's answers ------------------------------------------- */

static struct srp_client cli_tmpl, cli;
static struct srp_update cli_u;

static void check_client_msg(const uint8_t *m, size_t len)
{
    CHECK(srp_parse_update(m, len, &cli_u) == SRP_OK);
    CHECK(srp_verify_sig0(m, len, &cli_u) == SRP_OK);
}

static uint64_t client_drops(const struct srp_client *c)
{
    uint64_t n = c->rx_ok;

    for (unsigned i = 0; i < SRP_CLIENT_DROP__COUNT; i++)
        n += c->drops[i];
    return n;
}

static void run_client(const uint8_t *b, size_t n, uint8_t sel)
{
    static bool ready;
    static const uint8_t server[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t other[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    const uint8_t *m = NULL;
    uint8_t dst[16], ans[1300];
    uint16_t dport = 0;
    size_t mlen = 0, alen;
    uint64_t now = 1000, calls = 0;

    if (!ready) {
        uint8_t rnd[48], priv[SRP_CLIENT_KEY_LEN];
        static const uint8_t addr[1][16] = {{0xfd, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9}};

        for (unsigned i = 0; i < sizeof(rnd); i++)
            rnd[i] = (uint8_t)(0x33 + 7 * i);
        CHECK(srp_client_make_key(rnd, sizeof(rnd), priv) == SRP_CLIENT_ERR_OK);
        CHECK(srp_client_init(&cli_tmpl, priv, 1) == SRP_CLIENT_ERR_OK);
        CHECK(srp_client_set_host_name(&cli_tmpl, "dev1", now) == SRP_CLIENT_ERR_OK);
        srp_client_set_auto_addrs(&cli_tmpl, addr, 1, now);
        CHECK(srp_client_add_service(&cli_tmpl, "ins1", "_test._udp", 12345, 0, 0, NULL, 0, now) ==
              SRP_CLIENT_ERR_OK);
        srp_client_set_server(&cli_tmpl, server, 53535, now);
        ready = true;
    }
    cli = cli_tmpl;
    /* the first update goes out */
    for (int i = 0; i < 8 && !srp_client_poll(&cli, now, &m, &mlen, dst, &dport); i++) {
        uint64_t t = srp_client_next_timeout(&cli);

        CHECK(t != UINT64_MAX);
        now = t > now ? t : now;
    }
    CHECK(m != NULL && cli.waiting);
    check_client_msg(m, mlen);
    /* the fuzz bytes as answers: chunks split at 0xff 0xff */
    while (n > 0) {
        size_t k = 0;

        while (k + 1 < n && !(b[k] == 0xff && b[k + 1] == 0xff))
            k++;
        if (k + 1 >= n)
            k = n;
        alen = k < sizeof(ans) ? k : sizeof(ans);
        memcpy(ans, b, alen);
        if ((sel & 0x10) && alen >= 4) { /* the update's ID, QR=1, opcode UPDATE */
            ans[0] = (uint8_t)(cli.msg_id >> 8);
            ans[1] = (uint8_t)cli.msg_id;
            ans[2] = (uint8_t)(0x80 | DNS_OPCODE_UPDATE << 3 | (ans[2] & 0x07));
        }
        calls++;
        if (srp_client_rx(&cli, now, ans, alen, (sel & 0x20) ? other : server, 53535))
            CHECK(!cli.waiting);
        CHECK(client_drops(&cli) == calls);
        now += 100;
        b += k < n ? k + 2 : k;
        n = k < n ? n - k - 2 : 0;
        if (n > 0 && b[0] == 0xfe) { /* let time pass: retries or a renewal */
            uint64_t t = srp_client_next_timeout(&cli);

            if (t != UINT64_MAX && t > now)
                now = t;
            if (srp_client_poll(&cli, now, &m, &mlen, dst, &dport))
                check_client_msg(m, mlen);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *b = data + 1;
    size_t n = size - 1;
    switch (sel % 4) {
    case 3:
        run_client(b, n, sel);
        break;
    case 0:
        run_update(b, n, sel);
        break;
    case 1:
        run_blob(b, n, sel);
        break;
    default:
        run_script(b, n, sel);
        break;
    }
    return 0;
}
