/* SRP server core (RFC 9665). Contracts in srp.h. */
#include "dns/srp.h"

#include <stdio.h>
#include <assert.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/sha256.h>

#include "util/addr.h"
#include "util/textbuf.h"

static const struct {
    const char *name;
    unsigned rcode;
} srp_err_tab[] = {
#define SRP_X_TAB(id, name, rc) {name, rc},
    SRP_ERRORS(SRP_X_TAB)
#undef SRP_X_TAB
};

const char *srp_err_str(enum srp_err e)
{
    if ((unsigned)e >= SRP_ERR__COUNT)
        return "unknown";
    return srp_err_tab[e].name;
}

unsigned srp_err_rcode(enum srp_err e)
{
    if ((unsigned)e >= SRP_ERR__COUNT)
        return DNS_RCODE_SERVFAIL;
    return srp_err_tab[e].rcode;
}

/* ---- Parsing (RFC 9665 §3.3) --------------------------------------------- */

/* Instance index with this name, or -1. */
static int find_svc(const struct srp_update *u, const struct dns_name *n)
{
    for (unsigned i = 0; i < u->nservices; i++)
        if (dns_name_equal(&u->services[i].instance, n))
            return (int)i;
    return -1;
}

/* Records kept between the first pass and the classification. */
struct srp_scratch {
    struct dns_name deletes[SRP_MAX_UPDATE_SERVICES + 1];
    unsigned ndeletes;
    bool has_key;
};

static bool is_deleted(const struct srp_scratch *s, const struct dns_name *n)
{
    for (unsigned i = 0; i < s->ndeletes; i++)
        if (dns_name_equal(&s->deletes[i], n))
            return true;
    return false;
}

/* The Update Lease option (RFC 9664 §4): 4 octets LEASE, or 8 with KEY-LEASE. */
enum srp_err srp_lease_option_read(const struct dns_opt *o, uint32_t *lease, uint32_t *key_lease,
                                   bool *found)
{
    struct rd r = rd_init(o->opts, o->opts_len);
    while (r.left) {
        uint16_t code, olen;
        struct rd v;
        if (!rd_be16(&r, &code) || !rd_be16(&r, &olen) || !rd_sub(&r, olen, &v))
            return SRP_ERR_MALFORMED;
        if (code != SRP_EDNS_UPDATE_LEASE)
            continue;
        if (olen != 4 && olen != 8)
            return SRP_ERR_BAD_LEASE;
        rd_be32(&v, lease);
        *key_lease = *lease;
        if (olen == 8)
            rd_be32(&v, key_lease);
        *found = true;
    }
    return SRP_OK;
}

void srp_lease_option_write(uint8_t out[SRP_LEASE_OPTION_LEN], uint32_t lease, uint32_t key_lease)
{
    be16_put(out, SRP_EDNS_UPDATE_LEASE);
    be16_put(out + 2, 8);
    be32_put(out + 4, lease);
    be32_put(out + 8, key_lease);
}

/* First pass over the update section: one RR. */
static enum srp_err update_rr(struct srp_update *u, struct srp_scratch *s, const struct dns_rr *rr)
{
    if (!dns_name_in(&rr->name, &u->zone))
        return SRP_ERR_OUTSIDE_ZONE; /* RFC 2136 §3.4.1.3 */
    if (rr->cls == DNS_CLASS_ANY) {
        /* "Delete all RRsets from a name" (RFC 2136 §2.5.3). */
        if (rr->type != DNS_TYPE_ANY || rr->rdlen != 0 || rr->ttl != 0)
            return SRP_ERR_BAD_INSTRUCTION;
        if (is_deleted(s, &rr->name))
            return SRP_OK;
        if (s->ndeletes >= SRP_MAX_UPDATE_SERVICES + 1)
            return SRP_ERR_TOO_MANY_SERVICES;
        s->deletes[s->ndeletes++] = rr->name;
        return SRP_OK;
    }
    if (rr->type == DNS_TYPE_PTR && (rr->cls == DNS_CLASS_IN || rr->cls == DNS_CLASS_NONE)) {
        /* Service Discovery instruction (RFC 9665 §3.3.1.1); NONE = removal. */
        if (!dns_name_in(&rr->u.target, &u->zone))
            return SRP_ERR_OUTSIDE_ZONE;
        /* Subtype PTRs ("_x._sub._svc", RFC 6763 §7.1) are accepted, not recorded. */
        struct rd nr = rd_init(rr->name.b, rr->name.len);
        uint8_t l0 = 0;
        if (rd_u8(&nr, &l0) && rd_skip(&nr, l0) && nr.left > 5 && nr.p[0] == 4 &&
            memcmp(nr.p + 1, "_sub", 4) == 0)
            return SRP_OK;
        int i = find_svc(u, &rr->u.target);
        if (i >= 0)
            return SRP_ERR_BAD_INSTRUCTION; /* the same instance twice */
        if (u->nservices >= SRP_MAX_UPDATE_SERVICES)
            return SRP_ERR_TOO_MANY_SERVICES;
        struct srp_update_service *sv = &u->services[u->nservices++];
        memset(sv, 0, sizeof *sv);
        sv->service = rr->name;
        sv->instance = rr->u.target;
        sv->remove = rr->cls == DNS_CLASS_NONE;
        return SRP_OK;
    }
    if (rr->cls != DNS_CLASS_IN)
        return SRP_ERR_BAD_INSTRUCTION;
    switch (rr->type) {
    case DNS_TYPE_SRV:
    case DNS_TYPE_TXT: /* matched to a PTR target in the second pass */
        return SRP_OK;
    case DNS_TYPE_A:
        return SRP_OK; /* allowed by RFC 9665 §3.3.1.2; IPv4 not kept */
    case DNS_TYPE_AAAA:
        if (u->host.len && !dns_name_equal(&u->host, &rr->name))
            return SRP_ERR_MULTIPLE_HOSTS;
        u->host = rr->name;
        if (u->naddrs >= SRP_MAX_ADDRS)
            return SRP_ERR_TOO_MANY_ADDRS;
        memcpy(u->addrs[u->naddrs++], rr->u.aaaa, 16);
        u->host_ttl = rr->ttl;
        return SRP_OK;
    case DNS_TYPE_KEY: {
        const struct dns_key *k = &rr->u.key;
        if (k->algorithm != SRP_KEY_ALG_ECDSAP256SHA256 || k->pubkey_len != SRP_PUBKEY_LEN)
            return SRP_ERR_BAD_KEY;
        if (s->has_key && memcmp(u->pubkey, k->pubkey, SRP_PUBKEY_LEN) != 0)
            return SRP_ERR_BAD_KEY; /* one key signs the whole update */
        memcpy(u->pubkey, k->pubkey, SRP_PUBKEY_LEN);
        if (!s->has_key)
            u->host_ttl = u->host_ttl ? u->host_ttl : rr->ttl;
        s->has_key = true;
        return SRP_OK;
    }
    default:
        return SRP_ERR_BAD_INSTRUCTION;
    }
}

/* Second pass: SRV/TXT to their instances, KEY owners. */
static enum srp_err update_rr2(struct srp_update *u, const struct dns_rr *rr,
                               struct dns_name *key_host)
{
    if (rr->cls != DNS_CLASS_IN)
        return SRP_OK;
    if (rr->type == DNS_TYPE_SRV || rr->type == DNS_TYPE_TXT) {
        int i = find_svc(u, &rr->name);
        if (i < 0)
            return SRP_ERR_ORPHAN_RECORD;
        struct srp_update_service *sv = &u->services[i];
        if (rr->type == DNS_TYPE_SRV) {
            if (sv->has_srv)
                return SRP_ERR_BAD_INSTRUCTION;
            sv->has_srv = true;
            sv->srv = rr->u.srv;
            sv->ttl = rr->ttl;
        } else {
            if (sv->has_txt || rr->rdlen > SRP_TXT_MAX)
                return SRP_ERR_BAD_INSTRUCTION;
            sv->has_txt = true;
            memcpy(sv->txt, rr->rdata, rr->rdlen);
            sv->txt_len = rr->rdlen;
        }
    } else if (rr->type == DNS_TYPE_KEY && find_svc(u, &rr->name) < 0) {
        if (key_host->len && !dns_name_equal(key_host, &rr->name))
            return SRP_ERR_MULTIPLE_HOSTS;
        *key_host = rr->name;
    }
    return SRP_OK;
}

static enum srp_err map_dns(enum dns_err e)
{
    return e == DNS_OK ? SRP_OK : SRP_ERR_MALFORMED;
}

enum srp_err srp_parse_update(const uint8_t *msg, size_t len, struct srp_update *out)
{
    if (!msg || !out)
        return SRP_ERR_INVALID_ARG;
    memset(out, 0, sizeof *out);
    struct dns_parser p;
    enum dns_err de = dns_parse_begin(&p, msg, len);
    if (de != DNS_OK)
        return map_dns(de);
    out->id = p.hdr.id;
    if ((p.hdr.flags & DNS_FLAG_QR) || dns_hdr_opcode(&p.hdr) != DNS_OPCODE_UPDATE)
        return SRP_ERR_NOT_UPDATE;
    /* Zone section (RFC 2136 §2.3): one SOA IN. */
    struct dns_name zone;
    dns_name_from_text(SRP_ZONE_TEXT, &zone);
    struct dns_question q;
    if (p.hdr.qdcount != 1)
        return SRP_ERR_BAD_ZONE;
    if ((de = dns_parse_question(&p, &q)) != DNS_OK)
        return map_dns(de);
    if (q.type != DNS_TYPE_SOA || q.cls != DNS_CLASS_IN || !dns_name_equal(&q.name, &zone))
        return SRP_ERR_BAD_ZONE;
    out->zone = q.name;
    if (p.hdr.ancount != 0)
        return SRP_ERR_PREREQ;

    struct srp_scratch s;
    memset(&s, 0, sizeof s);
    struct dns_rr rr;
    bool lease_found = false, sig_found = false;
    enum srp_err e;
    /* First pass: every RR parses; the SIG is the last RR. */
    while ((de = dns_parse_rr(&p, &rr)) == DNS_OK) {
        if (sig_found)
            return SRP_ERR_NO_SIG; /* something after the SIG */
        if (rr.section == DNS_SECTION_AUTHORITY) {
            if ((e = update_rr(out, &s, &rr)) != SRP_OK)
                return e;
        } else if (rr.type == DNS_TYPE_OPT) {
            if ((e = srp_lease_option_read(&rr.u.opt, &out->lease, &out->key_lease,
                                           &lease_found)) != SRP_OK)
                return e;
        } else if (rr.type == DNS_TYPE_SIG) {
            /* SIG(0), RFC 2931 §3: root owner, class ANY, TTL 0, type covered 0
             * (the RR header is not signed, so nothing else is allowed). */
            const struct dns_sig *sg = &rr.u.sig;
            if (rr.cls != DNS_CLASS_ANY || rr.ttl != 0 || rr.name.len != 1 ||
                sg->type_covered != 0 || sg->algorithm != SRP_KEY_ALG_ECDSAP256SHA256 ||
                sg->signature_len != SRP_SIG_LEN)
                return SRP_ERR_BAD_SIG;
            out->sig = *sg;
            out->sig.signature = NULL;
            memcpy(out->signature, sg->signature, SRP_SIG_LEN);
            out->sig_rr_offset = rr.offset;
            out->sig_rdata_offset = (size_t)(rr.rdata - msg);
            out->sig_signed_len = (size_t)(sg->signature - rr.rdata);
            out->msg_len = rr.end;
            sig_found = true;
        }
        /* other additional records are ignored */
    }
    if (de != DNS_ERR_END)
        return map_dns(de);
    if (!sig_found)
        return SRP_ERR_NO_SIG;
    if (out->msg_len != len)
        return SRP_ERR_NO_SIG; /* trailing bytes: SIG not last */
    if (!lease_found)
        return SRP_ERR_NO_LEASE;

    /* Second pass over the update section. */
    struct dns_name key_host = {0};
    if ((de = dns_parse_begin(&p, msg, len)) != DNS_OK ||
        (de = dns_parse_question(&p, &q)) != DNS_OK)
        return map_dns(de);
    while ((de = dns_parse_rr(&p, &rr)) == DNS_OK && rr.section == DNS_SECTION_AUTHORITY)
        if ((e = update_rr2(out, &rr, &key_host)) != SRP_OK)
            return e;
    if (de != DNS_OK && de != DNS_ERR_END)
        return map_dns(de);

    /* Host Description (RFC 9665 §3.3.1.2): one name, delete-all, KEY. */
    if (!s.has_key)
        return SRP_ERR_NO_KEY;
    if (!key_host.len && !out->host.len)
        return SRP_ERR_NO_HOST;
    if (key_host.len && out->host.len && !dns_name_equal(&key_host, &out->host))
        return SRP_ERR_MULTIPLE_HOSTS;
    if (!key_host.len)
        return SRP_ERR_NO_KEY;
    out->host = key_host;
    if (!is_deleted(&s, &out->host))
        return SRP_ERR_HOST_NOT_DELETED;
    /* Service Descriptions (RFC 9665 §3.3.1.1). */
    for (unsigned i = 0; i < out->nservices; i++) {
        struct srp_update_service *sv = &out->services[i];
        sv->has_delete = is_deleted(&s, &sv->instance);
        if (dns_name_equal(&sv->instance, &out->host))
            return SRP_ERR_BAD_INSTRUCTION;
        if (!sv->has_delete)
            return SRP_ERR_SERVICE_NO_DELETE;
        if (sv->remove)
            continue;
        if (!sv->has_srv || !sv->has_txt)
            return SRP_ERR_SERVICE_NO_SRV;
        if (!dns_name_equal(&sv->srv.target, &out->host))
            return SRP_ERR_SERVICE_HOST_MISMATCH;
    }
    /* Every delete-all names the host or an instance. */
    for (unsigned i = 0; i < s.ndeletes; i++)
        if (!dns_name_equal(&s.deletes[i], &out->host) && find_svc(out, &s.deletes[i]) < 0)
            return SRP_ERR_ORPHAN_RECORD;
    /* The SIG(0) signer is the host (RFC 9665 §3.3.1.3 uses the host's KEY). */
    if (!dns_name_equal(&out->sig.signer, &out->host))
        return SRP_ERR_BAD_SIG;
    return SRP_OK;
}

/* ---- SIG(0) verification (RFC 2931 §3.1, RFC 6605 §4) --------------------- */

bool srp_sig0_digest(const uint8_t *msg, size_t sig_rr_offset, const uint8_t *rdata,
                     const struct dns_name *signer, uint8_t hash[32])
{
    if (!msg || !rdata || !signer || sig_rr_offset < DNS_HDR_LEN || be16_get(msg + 10) == 0)
        return false;
    uint8_t hdr[DNS_HDR_LEN];
    memcpy(hdr, msg, DNS_HDR_LEN);
    be16_put(hdr + 10, (uint16_t)(be16_get(msg + 10) - 1));
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    int rc = mbedtls_sha256_starts_ret(&sha, 0);
    rc = rc ? rc : mbedtls_sha256_update_ret(&sha, rdata, SRP_SIG_FIXED_LEN);
    rc = rc ? rc : mbedtls_sha256_update_ret(&sha, signer->b, signer->len);
    rc = rc ? rc : mbedtls_sha256_update_ret(&sha, hdr, DNS_HDR_LEN);
    rc = rc ? rc : mbedtls_sha256_update_ret(&sha, msg + DNS_HDR_LEN, sig_rr_offset - DNS_HDR_LEN);
    rc = rc ? rc : mbedtls_sha256_finish_ret(&sha, hash);
    mbedtls_sha256_free(&sha);
    return rc == 0;
}

void srp_crypto_init(struct srp_crypto *cx)
{
    mbedtls_ecp_group_init(&cx->grp);
    cx->loaded = false;
}

void srp_crypto_free(struct srp_crypto *cx)
{
    mbedtls_ecp_group_free(&cx->grp);
    cx->loaded = false;
}

enum srp_err srp_verify_sig0(const uint8_t *msg, size_t len, const struct srp_update *u)
{
    return srp_verify_sig0_cx(NULL, msg, len, u);
}

enum srp_err srp_verify_sig0_cx(struct srp_crypto *cx, const uint8_t *msg, size_t len,
                                const struct srp_update *u)
{
    if (!msg || !u || len < DNS_HDR_LEN || u->msg_len != len || u->sig_rr_offset < DNS_HDR_LEN ||
        u->sig_rr_offset > len || u->sig_rdata_offset > len ||
        u->sig_signed_len > len - u->sig_rdata_offset || u->sig_signed_len < SRP_SIG_FIXED_LEN ||
        u->sig.signer.len == 0 || be16_get(msg + 10) == 0)
        return SRP_ERR_INVALID_ARG;
    uint8_t hash[32];
    /* The signer's name is hashed uncompressed (RFC 2931 §3.1): a client
     * may send it compressed, as OpenThread's does. */
    if (!srp_sig0_digest(msg, u->sig_rr_offset, msg + u->sig_rdata_offset, &u->sig.signer, hash))
        return SRP_ERR_SIG_FAILED;
    int rc = 0;

    struct srp_crypto local;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    if (!cx) {
        srp_crypto_init(&local);
        cx = &local;
    }
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    uint8_t pt[1 + SRP_PUBKEY_LEN];
    pt[0] = 0x04; /* uncompressed point (SEC 1 §2.3.3) */
    memcpy(pt + 1, u->pubkey, SRP_PUBKEY_LEN);
    if (!cx->loaded) {
        rc = mbedtls_ecp_group_load(&cx->grp, MBEDTLS_ECP_DP_SECP256R1);
        cx->loaded = rc == 0;
    }
    rc = rc ? rc : mbedtls_ecp_point_read_binary(&cx->grp, &q, pt, sizeof pt);
    rc = rc ? rc : mbedtls_ecp_check_pubkey(&cx->grp, &q);
    rc = rc ? rc : mbedtls_mpi_read_binary(&r, u->signature, 32);
    rc = rc ? rc : mbedtls_mpi_read_binary(&s, u->signature + 32, 32);
    rc = rc ? rc : mbedtls_ecdsa_verify(&cx->grp, hash, sizeof hash, &q, &r, &s);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    if (cx == &local)
        srp_crypto_free(&local);
    return rc ? SRP_ERR_SIG_FAILED : SRP_OK;
}

/* ---- SIG(0) validity period (RFC 2931 §3.1, RFC 2535 §4.1.5) ------------- */

/* a < b in 32-bit serial number arithmetic (RFC 1982 §3.2). */
static bool serial_lt(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(b - a) < 0x80000000u;
}

enum srp_err srp_check_sig0_time(const struct srp_update *u, uint32_t now_s, bool *no_time)
{
    if (!u)
        return SRP_ERR_INVALID_ARG;
    bool none = u->sig.inception == 0 && u->sig.expiration == 0;
    if (no_time)
        *no_time = none;
    if (none || now_s == 0)
        return SRP_OK;
    /* inception - fudge <= now <= expiration + fudge (the fudge is TSIG's
     * usual 300 s, RFC 8945 §5.2.3, for clocks that are a little off). */
    if (serial_lt(now_s, u->sig.inception - SRP_SIG_TIME_FUDGE) ||
        serial_lt(u->sig.expiration + SRP_SIG_TIME_FUDGE, now_s))
        return SRP_ERR_SIG_TIME;
    return SRP_OK;
}

/* ---- Registry -------------------------------------------------------------- */

void srp_registry_init(struct srp_registry *reg)
{
    memset(reg, 0, sizeof *reg);
    reg->min_lease = SRP_DEFAULT_MIN_LEASE;
    reg->max_lease = SRP_DEFAULT_MAX_LEASE;
    reg->min_key_lease = SRP_DEFAULT_MIN_KEY_LEASE;
    reg->max_key_lease = SRP_DEFAULT_MAX_KEY_LEASE;
    reg->key_max_hosts = SRP_DEFAULT_KEY_MAX_HOSTS;
    reg->key_max_services = SRP_DEFAULT_KEY_MAX_SERVICES;
    reg->max_hosts = SRP_MAX_HOSTS;
    reg->max_services = SRP_MAX_SERVICES;
}

bool srp_registry_set_capacity(struct srp_registry *reg, uint32_t hosts, uint32_t services)
{
    if (hosts == 0 || hosts > SRP_MAX_HOSTS || services == 0 || services > SRP_MAX_SERVICES)
        return false;
    reg->max_hosts = hosts;
    reg->max_services = services;
    return true;
}

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
    if (v == 0)
        return 0;
    return v < lo ? lo : v > hi ? hi : v;
}

void srp_registry_grant(const struct srp_registry *reg, const struct srp_update *u, uint32_t *lease,
                        uint32_t *key_lease)
{
    uint32_t l = clamp(u->lease, reg->min_lease, reg->max_lease);
    uint32_t k = clamp(u->key_lease, reg->min_key_lease, reg->max_key_lease);
    if (k < l)
        k = l;
    *lease = l;
    *key_lease = k;
}

static int find_host(const struct srp_registry *reg, const struct dns_name *n)
{
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        if (reg->hosts[i].used && dns_name_equal(&reg->hosts[i].name, n))
            return (int)i;
    return -1;
}

static int find_service(const struct srp_registry *reg, const struct dns_name *instance)
{
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        if (reg->services[i].used && dns_name_equal(&reg->services[i].instance, instance))
            return (int)i;
    return -1;
}

/* The registry's checks before an update changes anything: names (one
 * namespace for hosts and instances, each owned by one key), signature
 * order, per-key caps. *h is the update's host slot (-1: new); *need the
 * instances it adds. */
static enum srp_err apply_check(const struct srp_registry *reg, const struct srp_update *u,
                                uint32_t lease, int *h_out, unsigned *need_out)
{
    /* Names are claimed by their key (RFC 9665 §3.3.1.3 "first come, first served"). */
    int h = find_host(reg, &u->host);
    if (h >= 0 && memcmp(reg->hosts[h].pubkey, u->pubkey, SRP_PUBKEY_LEN) != 0)
        return SRP_ERR_NAME_CLAIMED;
    int hs = find_service(reg, &u->host);
    if (hs >= 0 &&
        memcmp(reg->hosts[reg->services[hs].host].pubkey, u->pubkey, SRP_PUBKEY_LEN) != 0)
        return SRP_ERR_NAME_CONFLICT;
    unsigned need = 0;
    for (unsigned i = 0; i < u->nservices; i++) {
        int si = find_service(reg, &u->services[i].instance);
        if (si >= 0 && (h < 0 || reg->services[si].host != (unsigned)h))
            return SRP_ERR_NAME_CLAIMED;
        int ih = find_host(reg, &u->services[i].instance);
        if (!u->services[i].remove && ih >= 0 &&
            memcmp(reg->hosts[ih].pubkey, u->pubkey, SRP_PUBKEY_LEN) != 0)
            return SRP_ERR_NAME_CONFLICT;
        if (si < 0 && !u->services[i].remove)
            need++;
    }
    /* A replay of an older update (signed with a clock) after a newer one. */
    if (h >= 0 && u->sig.inception != 0 && reg->hosts[h].sig_inception != 0 &&
        serial_lt(u->sig.inception, reg->hosts[h].sig_inception))
        return SRP_ERR_SIG_TIME;
    *h_out = h;
    *need_out = need;
    if (lease == 0)
        return SRP_OK; /* a removal never adds */
    unsigned key_hosts = 0, key_services = 0;
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        key_hosts +=
            reg->hosts[i].used && memcmp(reg->hosts[i].pubkey, u->pubkey, SRP_PUBKEY_LEN) == 0;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        key_services += reg->services[i].used && memcmp(reg->hosts[reg->services[i].host].pubkey,
                                                        u->pubkey, SRP_PUBKEY_LEN) == 0;
    if ((h < 0 && key_hosts + 1 > reg->key_max_hosts) ||
        key_services + need > reg->key_max_services)
        return SRP_ERR_KEY_LIMIT;
    return SRP_OK;
}

static void free_host(struct srp_registry *reg, unsigned h)
{
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        if (reg->services[i].used && reg->services[i].host == h)
            memset(&reg->services[i], 0, sizeof reg->services[i]);
    memset(&reg->hosts[h], 0, sizeof reg->hosts[h]);
}

enum srp_err srp_registry_apply(struct srp_registry *reg, const struct srp_update *u,
                                uint64_t now_ms, uint32_t *lease_out, uint32_t *key_lease_out)
{
    if (!reg || !u)
        return SRP_ERR_INVALID_ARG;
    uint32_t lease, key_lease;
    srp_registry_grant(reg, u, &lease, &key_lease);
    if (lease_out)
        *lease_out = lease;
    if (key_lease_out)
        *key_lease_out = key_lease;

    int h = -1;
    unsigned need = 0;
    enum srp_err e = apply_check(reg, u, lease, &h, &need);
    if (e != SRP_OK)
        return e;

    /* Removal (RFC 9665 §3.3.5). */
    if (lease == 0) {
        if (h < 0)
            return SRP_OK;
        struct srp_host *hp = &reg->hosts[h];
        if (u->sig.inception != 0) /* an update without time keeps the order */
            hp->sig_inception = u->sig.inception;
        if (key_lease == 0) {
            free_host(reg, (unsigned)h);
            return SRP_OK;
        }
        hp->deleted = true;
        hp->naddrs = 0;
        hp->lease = 0;
        hp->key_lease = key_lease;
        hp->key_lease_end_ms = now_ms + (uint64_t)key_lease * 1000;
        for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
            struct srp_service *sp = &reg->services[i];
            if (sp->used && sp->host == (unsigned)h) {
                sp->deleted = true;
                sp->key_lease_end_ms = hp->key_lease_end_ms;
            }
        }
        return SRP_OK;
    }

    /* Room check first so a refusal leaves the registry unchanged: the
     * pool's free slots and the live capacity (srp_registry_set_capacity). */
    unsigned used_svc = 0, used_hosts = 0;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        used_svc += reg->services[i].used;
    if (need > SRP_MAX_SERVICES - used_svc || used_svc + need > reg->max_services)
        return SRP_ERR_REGISTRY_FULL;
    if (h < 0) {
        for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
            used_hosts += reg->hosts[i].used;
        if (used_hosts >= reg->max_hosts)
            return SRP_ERR_REGISTRY_FULL;
        for (unsigned i = 0; i < SRP_MAX_HOSTS && h < 0; i++)
            if (!reg->hosts[i].used)
                h = (int)i;
        if (h < 0)
            return SRP_ERR_REGISTRY_FULL;
        memset(&reg->hosts[h], 0, sizeof reg->hosts[h]);
        reg->hosts[h].used = true;
        reg->hosts[h].seq = ++reg->next_seq;
    }
    struct srp_host *hp = &reg->hosts[h];
    hp->deleted = false;
    if (u->sig.inception != 0)
        hp->sig_inception = u->sig.inception;
    hp->name = u->host;
    memcpy(hp->pubkey, u->pubkey, SRP_PUBKEY_LEN);
    memcpy(hp->addrs, u->addrs, sizeof hp->addrs);
    hp->naddrs = u->naddrs;
    hp->ttl = u->host_ttl ? (u->host_ttl < lease ? u->host_ttl : lease) : lease;
    hp->lease = lease;
    hp->key_lease = key_lease;
    hp->lease_end_ms = now_ms + (uint64_t)lease * 1000;
    hp->key_lease_end_ms = now_ms + (uint64_t)key_lease * 1000;

    for (unsigned i = 0; i < u->nservices; i++) {
        const struct srp_update_service *us = &u->services[i];
        int si = find_service(reg, &us->instance);
        if (si < 0 && us->remove)
            continue;
        if (si < 0) {
            for (unsigned j = 0; j < SRP_MAX_SERVICES && si < 0; j++)
                if (!reg->services[j].used)
                    si = (int)j;
            if (si < 0)
                return SRP_ERR_REGISTRY_FULL; /* not reached: room checked */
            memset(&reg->services[si], 0, sizeof reg->services[si]);
            reg->services[si].used = true;
            reg->services[si].seq = ++reg->next_seq;
        }
        struct srp_service *sp = &reg->services[si];
        sp->host = (unsigned)h;
        sp->service = us->service;
        sp->instance = us->instance;
        sp->lease = lease;
        sp->key_lease = key_lease;
        sp->lease_end_ms = hp->lease_end_ms;
        sp->key_lease_end_ms = hp->key_lease_end_ms;
        if (us->remove) {
            sp->deleted = true;
            continue;
        }
        sp->deleted = false;
        sp->priority = us->srv.priority;
        sp->weight = us->srv.weight;
        sp->port = us->srv.port;
        memcpy(sp->txt, us->txt, us->txt_len);
        sp->txt_len = us->txt_len;
        sp->ttl = us->ttl ? (us->ttl < lease ? us->ttl : lease) : lease;
    }
    return SRP_OK;
}

unsigned srp_registry_expire(struct srp_registry *reg, uint64_t now_ms)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        struct srp_service *sp = &reg->services[i];
        if (!sp->used)
            continue;
        if (now_ms >= sp->key_lease_end_ms) {
            memset(sp, 0, sizeof *sp);
            n++;
        } else if (!sp->deleted && now_ms >= sp->lease_end_ms) {
            sp->deleted = true;
            n++;
        }
    }
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        struct srp_host *hp = &reg->hosts[i];
        if (!hp->used)
            continue;
        if (now_ms >= hp->key_lease_end_ms) {
            free_host(reg, i);
            n++;
        } else if (!hp->deleted && now_ms >= hp->lease_end_ms) {
            hp->deleted = true;
            hp->naddrs = 0;
            for (unsigned j = 0; j < SRP_MAX_SERVICES; j++)
                if (reg->services[j].used && reg->services[j].host == i)
                    reg->services[j].deleted = true;
            n++;
        }
    }
    return n;
}

uint64_t srp_registry_next_expiry(const struct srp_registry *reg)
{
    uint64_t t = UINT64_MAX;
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        const struct srp_host *hp = &reg->hosts[i];
        if (!hp->used)
            continue;
        uint64_t e = hp->deleted ? hp->key_lease_end_ms : hp->lease_end_ms;
        if (e < t)
            t = e;
    }
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &reg->services[i];
        if (!sp->used)
            continue;
        uint64_t e = sp->deleted ? sp->key_lease_end_ms : sp->lease_end_ms;
        if (e < t)
            t = e;
    }
    return t;
}

/* Newest first: the used entry with the largest seq below prev's. */
const struct srp_host *srp_registry_next_host(const struct srp_registry *reg,
                                              const struct srp_host *prev)
{
    uint32_t below = prev ? prev->seq : UINT32_MAX;
    const struct srp_host *best = NULL;
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        const struct srp_host *hp = &reg->hosts[i];
        if (hp->used && hp->seq < below && (!best || hp->seq > best->seq))
            best = hp;
    }
    return best;
}

const struct srp_service *srp_registry_next_service(const struct srp_registry *reg,
                                                    const struct srp_host *host,
                                                    const struct srp_service *prev)
{
    unsigned h = (unsigned)(host - reg->hosts);
    uint32_t below = prev ? prev->seq : UINT32_MAX;
    const struct srp_service *best = NULL;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &reg->services[i];
        if (sp->used && sp->host == h && sp->seq < below && (!best || sp->seq > best->seq))
            best = sp;
    }
    return best;
}

/* ---- DNS server hooks ---------------------------------------------------- */

static int ops_host_addrs(void *ctx, const struct dns_name *name, uint8_t (*addrs)[16], int max,
                          uint32_t *ttl)
{
    const struct srp_registry *reg = ctx;
    int h = find_host(reg, name);
    if (h < 0 || reg->hosts[h].deleted)
        return -1;
    const struct srp_host *hp = &reg->hosts[h];
    int n = 0;
    for (unsigned i = 0; i < hp->naddrs && n < max; i++)
        memcpy(addrs[n++], hp->addrs[i], 16);
    *ttl = hp->ttl;
    return n;
}

static int ops_service_instances(void *ctx, const struct dns_name *name, struct dns_name *instances,
                                 int max, uint32_t *ttl)
{
    const struct srp_registry *reg = ctx;
    int n = 0;
    bool found = false;
    uint32_t t = UINT32_MAX;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &reg->services[i];
        if (!sp->used || sp->deleted || !dns_name_equal(&sp->service, name))
            continue;
        found = true;
        if (sp->ttl < t)
            t = sp->ttl;
        if (n < max)
            instances[n++] = sp->instance;
    }
    if (!found)
        return -1;
    *ttl = t;
    return n;
}

static bool ops_instance(void *ctx, const struct dns_name *name, struct dns_srp_instance *out)
{
    const struct srp_registry *reg = ctx;
    int si = find_service(reg, name);
    if (si < 0 || reg->services[si].deleted)
        return false;
    const struct srp_service *sp = &reg->services[si];
    memset(out, 0, sizeof *out);
    out->srv.priority = sp->priority;
    out->srv.weight = sp->weight;
    out->srv.port = sp->port;
    out->srv.target = reg->hosts[sp->host].name;
    uint16_t tl = sp->txt_len < DNS_SERVER_TXT_MAX ? sp->txt_len : DNS_SERVER_TXT_MAX;
    memcpy(out->txt, sp->txt, tl);
    out->txt_len = tl;
    out->ttl = sp->ttl;
    return true;
}

void srp_registry_dns_ops(struct dns_srp_ops *ops)
{
    ops->host_addrs = ops_host_addrs;
    ops->service_instances = ops_service_instances;
    ops->instance = ops_instance;
}

/* ---- Persistence --------------------------------------------------------- */

/* Blob layout (srp.h): version, host count, service count, then the hosts
 * and the services, each class oldest first (ascending seq). */
#define BLOB_DELETED 0x01u                         /* the only flag bit defined */
#define BLOB_REM_MAX ((uint64_t)UINT32_MAX * 1000) /* longest lease, in ms */

/* Capped so that what is saved always loads (an end further away than the
 * longest lease only happens with a clock that went backwards). */
static uint64_t remaining(uint64_t end_ms, uint64_t now_ms)
{
    uint64_t rem = end_ms > now_ms ? end_ms - now_ms : 0;
    return rem < BLOB_REM_MAX ? rem : BLOB_REM_MAX;
}

static void wr_name(struct wr *w, const struct dns_name *n)
{
    wr_u8(w, n->len);
    wr_bytes(w, n->b, n->len);
}

/* Insertion sort of slot indexes by seq (at most SRP_MAX_SERVICES of them). */
static void sort_by_seq(unsigned *idx, const uint32_t *seq, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        unsigned v = idx[i];
        unsigned j = i;
        for (; j > 0 && seq[idx[j - 1]] > seq[v]; j--)
            idx[j] = idx[j - 1];
        idx[j] = v;
    }
}

enum srp_err srp_registry_save(const struct srp_registry *reg, uint64_t now_ms, uint8_t *buf,
                               size_t cap, size_t *out_len)
{
    if (!reg || !out_len || (!buf && cap))
        return SRP_ERR_INVALID_ARG;
    *out_len = 0;
    unsigned hidx[SRP_MAX_HOSTS], sidx[SRP_MAX_SERVICES], nh = 0, ns = 0;
    uint32_t hseq[SRP_MAX_HOSTS], sseq[SRP_MAX_SERVICES];
    static_assert(SRP_MAX_HOSTS <= 0xffff && SRP_MAX_SERVICES <= 0xffff, "u16 counts");
    uint16_t ord[SRP_MAX_HOSTS] = {0}; /* host slot -> position in the blob */
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        hseq[i] = reg->hosts[i].seq;
        if (reg->hosts[i].used)
            hidx[nh++] = i;
    }
    /* A service always has a used host (apply and expire keep it so). */
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *sp = &reg->services[i];
        sseq[i] = sp->seq;
        if (sp->used && sp->host < SRP_MAX_HOSTS && reg->hosts[sp->host].used)
            sidx[ns++] = i;
    }
    sort_by_seq(hidx, hseq, nh);
    sort_by_seq(sidx, sseq, ns);

    struct wr w = wr_init(buf, cap);
    wr_u8(&w, SRP_REGISTRY_BLOB_VERSION);
    wr_be16(&w, (uint16_t)nh);
    wr_be16(&w, (uint16_t)ns);
    for (unsigned k = 0; k < nh; k++) {
        const struct srp_host *hp = &reg->hosts[hidx[k]];
        ord[hidx[k]] = (uint16_t)k;
        wr_u8(&w, hp->deleted ? BLOB_DELETED : 0);
        wr_name(&w, &hp->name);
        wr_bytes(&w, hp->pubkey, SRP_PUBKEY_LEN);
        wr_u8(&w, (uint8_t)hp->naddrs);
        wr_bytes(&w, hp->addrs, (size_t)hp->naddrs * 16);
        wr_be32(&w, hp->ttl);
        wr_be32(&w, hp->lease);
        wr_be32(&w, hp->key_lease);
        wr_be64(&w, remaining(hp->lease_end_ms, now_ms));
        wr_be64(&w, remaining(hp->key_lease_end_ms, now_ms));
    }
    for (unsigned k = 0; k < ns; k++) {
        const struct srp_service *sp = &reg->services[sidx[k]];
        wr_u8(&w, sp->deleted ? BLOB_DELETED : 0);
        wr_be16(&w, ord[sp->host]);
        wr_name(&w, &sp->service);
        wr_name(&w, &sp->instance);
        wr_be16(&w, sp->priority);
        wr_be16(&w, sp->weight);
        wr_be16(&w, sp->port);
        wr_be16(&w, sp->txt_len);
        wr_bytes(&w, sp->txt, sp->txt_len);
        wr_be32(&w, sp->ttl);
        wr_be32(&w, sp->lease);
        wr_be32(&w, sp->key_lease);
        wr_be64(&w, remaining(sp->lease_end_ms, now_ms));
        wr_be64(&w, remaining(sp->key_lease_end_ms, now_ms));
    }
    if (!w.ok)
        return SRP_ERR_NO_SPACE;
    *out_len = cap - w.left;
    return SRP_OK;
}

static bool rd_name(struct rd *r, struct dns_name *n)
{
    uint8_t len;
    if (!rd_u8(r, &len) || !rd_bytes(r, n->b, len))
        return false;
    n->len = len;
    return dns_name_valid(n);
}

static bool rd_flags(struct rd *r, bool *deleted)
{
    uint8_t f;
    if (!rd_u8(r, &f) || (f & ~BLOB_DELETED))
        return false;
    *deleted = f & BLOB_DELETED;
    return true;
}

/* A stored remaining time, less the time the process was down, as an end
 * time on the new clock. */
static bool rd_end(struct rd *r, uint64_t now_ms, uint64_t elapsed_ms, uint64_t *end_ms)
{
    uint64_t rem;
    if (!rd_be64(r, &rem) || rem > BLOB_REM_MAX)
        return false;
    rem = rem > elapsed_ms ? rem - elapsed_ms : 0;
    *end_ms = now_ms > UINT64_MAX - rem ? UINT64_MAX : now_ms + rem;
    return true;
}

static bool load_host(struct rd *r, struct srp_host *hp, uint64_t now_ms, uint64_t elapsed_ms)
{
    uint8_t naddrs;
    if (!rd_flags(r, &hp->deleted) || !rd_name(r, &hp->name) ||
        !rd_bytes(r, hp->pubkey, SRP_PUBKEY_LEN) || !rd_u8(r, &naddrs) || naddrs > SRP_MAX_ADDRS ||
        (hp->deleted && naddrs) || !rd_bytes(r, hp->addrs, (size_t)naddrs * 16) ||
        !rd_be32(r, &hp->ttl) || !rd_be32(r, &hp->lease) || !rd_be32(r, &hp->key_lease) ||
        !rd_end(r, now_ms, elapsed_ms, &hp->lease_end_ms) ||
        !rd_end(r, now_ms, elapsed_ms, &hp->key_lease_end_ms))
        return false;
    hp->naddrs = naddrs;
    hp->used = true;
    return true;
}

/* A count or host index: one octet in version 1 records, two after. */
static bool rd_count(struct rd *r, uint8_t version, uint16_t *v)
{
    uint8_t b;
    if (version >= 2)
        return rd_be16(r, v);
    if (!rd_u8(r, &b))
        return false;
    *v = b;
    return true;
}

static bool load_service(struct rd *r, struct srp_service *sp, uint8_t version, unsigned nhosts,
                         uint64_t now_ms, uint64_t elapsed_ms)
{
    uint16_t host;
    if (!rd_flags(r, &sp->deleted) || !rd_count(r, version, &host) || host >= nhosts ||
        !rd_name(r, &sp->service) || !rd_name(r, &sp->instance) || !rd_be16(r, &sp->priority) ||
        !rd_be16(r, &sp->weight) || !rd_be16(r, &sp->port) || !rd_be16(r, &sp->txt_len) ||
        sp->txt_len > SRP_TXT_MAX || !rd_bytes(r, sp->txt, sp->txt_len) || !rd_be32(r, &sp->ttl) ||
        !rd_be32(r, &sp->lease) || !rd_be32(r, &sp->key_lease) ||
        !rd_end(r, now_ms, elapsed_ms, &sp->lease_end_ms) ||
        !rd_end(r, now_ms, elapsed_ms, &sp->key_lease_end_ms))
        return false;
    sp->host = host;
    sp->used = true;
    return true;
}

/* Hosts in slots 0..nh-1, services in 0..ns-1, in blob order; seq numbers
 * are given again in that order, hosts first (only the order within each
 * class is ever used). */
static bool load_all(struct srp_registry *reg, struct rd *r, uint64_t now_ms, uint64_t elapsed_ms)
{
    uint8_t version;
    uint16_t nh, ns;
    if (!rd_u8(r, &version) || version < 1 || version > SRP_REGISTRY_BLOB_VERSION ||
        !rd_count(r, version, &nh) || nh > SRP_MAX_HOSTS || !rd_count(r, version, &ns) ||
        ns > SRP_MAX_SERVICES)
        return false;
    for (unsigned i = 0; i < nh; i++) {
        if (!load_host(r, &reg->hosts[i], now_ms, elapsed_ms) ||
            find_host(reg, &reg->hosts[i].name) != (int)i) /* names are unique */
            return false;
        reg->hosts[i].seq = ++reg->next_seq;
    }
    for (unsigned i = 0; i < ns; i++) {
        struct srp_service *sp = &reg->services[i];
        if (!load_service(r, sp, version, nh, now_ms, elapsed_ms) ||
            find_service(reg, &sp->instance) != (int)i)
            return false;
        /* A deleted host has only deleted services (apply and expire). */
        if (!sp->deleted && reg->hosts[sp->host].deleted)
            return false;
        sp->seq = ++reg->next_seq;
    }
    return r->left == 0;
}

enum srp_err srp_registry_load(struct srp_registry *reg, const uint8_t *buf, size_t len,
                               uint64_t now_ms, uint64_t elapsed_ms)
{
    if (!reg)
        return SRP_ERR_INVALID_ARG;
    uint32_t bounds[4] = {reg->min_lease, reg->max_lease, reg->min_key_lease, reg->max_key_lease};
    memset(reg->hosts, 0, sizeof reg->hosts);
    memset(reg->services, 0, sizeof reg->services);
    reg->next_seq = 0;
    struct rd r = rd_init(buf, buf ? len : 0);
    if (!buf || !load_all(reg, &r, now_ms, elapsed_ms)) {
        uint32_t caps[4] = {reg->key_max_hosts, reg->key_max_services, reg->max_hosts,
                            reg->max_services};
        srp_registry_init(reg);
        reg->min_lease = bounds[0];
        reg->max_lease = bounds[1];
        reg->min_key_lease = bounds[2];
        reg->max_key_lease = bounds[3];
        reg->key_max_hosts = caps[0];
        reg->key_max_services = caps[1];
        reg->max_hosts = caps[2];
        reg->max_services = caps[3];
        return SRP_ERR_MALFORMED;
    }
    srp_registry_expire(reg, now_ms);
    return SRP_OK;
}

/* ---- OpenThread CLI output (src/cli/cli_srp_server.cpp) ------------------ */

static void lb_addrs(struct textbuf *b, const struct srp_host *hp)
{
    textbuf_put(b, "[");
    for (unsigned i = 0; i < hp->naddrs; i++) {
        const uint8_t *a = hp->addrs[i];
        if (i)
            textbuf_put(b, ", ");
        char t[ADDR_STR6];
        textbuf_put(b, "%s", addr_fmt6_ot(a, t));
    }
    textbuf_put(b, "]");
}

/* OutputDnsTxtData: "[key=hexvalue, boolkey, [hex-of-entry-with-long-key]]". */
#define SRP_TXT_KEY_MAX 9 /* OT_DNS_TXT_KEY_MAX_LENGTH */
static void lb_txt(struct textbuf *b, const uint8_t *t, uint16_t len)
{
    bool first = true;
    size_t i = 0;
    textbuf_put(b, "[");
    while (i < len) {
        uint8_t l = t[i++];
        if (l > len - i)
            break;
        const uint8_t *e = t + i;
        i += l;
        if (l == 0 || e[0] == '=')
            continue; /* RFC 6763 §6.4 */
        size_t k = 0;
        while (k < l && e[k] != '=' && k < SRP_TXT_KEY_MAX)
            k++;
        if (!first)
            textbuf_put(b, ", ");
        first = false;
        if (k < l && e[k] != '=') {
            textbuf_put(b, "[");
            for (size_t j = 0; j < l; j++)
                textbuf_put(b, "%02x", e[j]);
            textbuf_put(b, "]");
            continue;
        }
        textbuf_put(b, "%.*s", (int)k, (const char *)e);
        if (k < l) {
            textbuf_put(b, "=");
            for (size_t j = k + 1; j < l; j++)
                textbuf_put(b, "%02x", e[j]);
        }
    }
    textbuf_put(b, "]");
}

static void name_text(const struct dns_name *n, char *buf, size_t cap)
{
    if (dns_name_to_text(n, buf, cap) != DNS_OK)
        snprintf(buf, cap, "?");
}

void srp_fmt_hosts(const struct srp_registry *reg, srp_line_fn line, void *ctx)
{
    char name[DNS_NAME_TEXT_MAX];
    char bmem[1400];
    struct textbuf b;
    textbuf_init(&b, bmem, sizeof bmem);
    for (const struct srp_host *hp = srp_registry_next_host(reg, NULL); hp;
         hp = srp_registry_next_host(reg, hp)) {
        name_text(&hp->name, name, sizeof name);
        line(ctx, name);
        line(ctx, hp->deleted ? "    deleted: true" : "    deleted: false");
        if (hp->deleted)
            continue;
        textbuf_reset(&b);
        textbuf_put(&b, "    addresses: ");
        lb_addrs(&b, hp);
        line(ctx, b.s);
    }
}

void srp_fmt_services(const struct srp_registry *reg, srp_line_fn line, void *ctx)
{
    char name[DNS_NAME_TEXT_MAX];
    char bmem[1400];
    struct textbuf b;
    textbuf_init(&b, bmem, sizeof bmem);
    for (const struct srp_host *hp = srp_registry_next_host(reg, NULL); hp;
         hp = srp_registry_next_host(reg, hp)) {
        for (const struct srp_service *sp = srp_registry_next_service(reg, hp, NULL); sp;
             sp = srp_registry_next_service(reg, hp, sp)) {
            name_text(&sp->instance, name, sizeof name);
            line(ctx, name);
            line(ctx, sp->deleted ? "    deleted: true" : "    deleted: false");
            if (sp->deleted)
                continue;
            line(ctx, "    subtypes: (null)"); /* subtypes are not recorded */
            textbuf_reset(&b);
            textbuf_put(&b, "    port: %u", (unsigned)sp->port);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    priority: %u", (unsigned)sp->priority);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    weight: %u", (unsigned)sp->weight);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    ttl: %lu", (unsigned long)sp->ttl);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    lease: %lu", (unsigned long)sp->lease);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    key-lease: %lu", (unsigned long)sp->key_lease);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    TXT: ");
            lb_txt(&b, sp->txt, sp->txt_len);
            line(ctx, b.s);
            name_text(&hp->name, name, sizeof name);
            textbuf_reset(&b);
            textbuf_put(&b, "    host: %s", name);
            line(ctx, b.s);
            textbuf_reset(&b);
            textbuf_put(&b, "    addresses: ");
            lb_addrs(&b, hp);
            line(ctx, b.s);
        }
    }
}

/* ---- Response (RFC 2136 §3.8, RFC 9664 §4) ------------------------------- */

enum srp_err srp_build_response(uint16_t id, enum srp_err err, uint32_t lease, uint32_t key_lease,
                                uint8_t *buf, size_t cap, size_t *out_len)
{
    if (!buf || !out_len)
        return SRP_ERR_INVALID_ARG;
    uint16_t flags = (uint16_t)(DNS_FLAG_QR | (DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT) |
                                (srp_err_rcode(err) & DNS_FLAG_RCODE_MASK));
    struct dns_builder b;
    dns_build_init(&b, buf, cap, id, flags);
    if (err == SRP_OK) {
        uint8_t opt[SRP_LEASE_OPTION_LEN];
        srp_lease_option_write(opt, lease, key_lease);
        struct dns_opt o = {DNS_EDNS_UDP, 0, 0, 0, opt, sizeof opt};
        if (dns_build_opt(&b, &o) != DNS_OK)
            return SRP_ERR_NO_SPACE;
    }
    if (dns_build_finish(&b, out_len) != DNS_OK)
        return SRP_ERR_NO_SPACE;
    return SRP_OK;
}
