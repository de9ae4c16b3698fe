/*
 * SRP server core (Service Registration Protocol, RFC 9665).
 *
 * Pure module: no sockets, no clock reads, no global state (time is passed
 * in as milliseconds on any monotonic clock). DNS bytes are read only through
 * the dns_msg codec; ECDSA P-256 / SHA-256 come from mbedTLS.
 *
 *   srp_parse_update()   DNS UPDATE (RFC 2136) as an SRP client sends it
 *                        (RFC 9665 §3.3) -> struct srp_update.
 *   srp_verify_sig0()    SIG(0) (RFC 2931 §3.1) with the KEY of the update
 *                        (algorithm 13, ECDSA P-256 SHA-256, RFC 6605 §4).
 *   srp_check_sig0_time() its validity period against the caller's clock.
 *   srp_registry_*       bounded registry: apply, expire, iterate, look up
 *                        (struct dns_srp_ops hooks for the DNS server).
 *   srp_build_response() the DNS UPDATE response with the granted leases
 *                        (RFC 9664 Update Lease option).
 *   srp_fmt_hosts() / srp_fmt_services()  `srp server host` / `srp server
 *                        service` output in OpenThread's CLI format.
 */
#ifndef TBR_DNS_SRP_H
#define TBR_DNS_SRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ecp.h>

#include "dns/dns_msg.h"
#include "dns/dns_server.h"

/* The registry's pool, sized for a full Thread network: 32 routers with 64
 * children each (OpenThread's posix FTD child table, thread/child_table.h),
 * one host per child is 2048, and two service instances per host on
 * average (a Matter device registers its operational instance and often a
 * commissionable one). Every device of a full network can register with
 * this one server, as it must when it is the network's only SRP server.
 * Memory: struct srp_registry is ~4.4 MB; the live capacity
 * (srp_registry_set_capacity) may be set lower, not higher. */
#define SRP_MAX_HOSTS 2048
#define SRP_MAX_SERVICES 4096
#define SRP_MAX_ADDRS 8           /* AAAA records per host */
#define SRP_MAX_UPDATE_SERVICES 8 /* service instructions in one update */
#define SRP_TXT_MAX 255
#define SRP_PUBKEY_LEN 64 /* P-256 public key x||y (RFC 6605 §4) */
#define SRP_SIG_LEN 64    /* r||s (RFC 6605 §4) */
#define SRP_KEY_ALG_ECDSAP256SHA256 13
#define SRP_EDNS_UPDATE_LEASE 2 /* EDNS(0) option code, RFC 9664 §4 */
#define SRP_RCODE_YXDOMAIN 6    /* RFC 2136 §2.2 */
#define SRP_SIG_TIME_FUDGE 300u /* s of clock skew allowed around a SIG(0) validity period */
#define SRP_ZONE_TEXT "default.service.arpa."

/* Default lease bounds (seconds), as OpenThread's SRP server. */
#define SRP_DEFAULT_MIN_LEASE 30u
#define SRP_DEFAULT_MAX_LEASE 97200u
#define SRP_DEFAULT_MIN_KEY_LEASE 30u
#define SRP_DEFAULT_MAX_KEY_LEASE 680400u

/* Default per-key caps (one SIG(0) public key = one device): a device may
 * hold at most this many host names (a renamed host keeps its old name
 * until the key lease ends) and service instances, so no single key can
 * take the whole registry (SRP_MAX_HOSTS / SRP_MAX_SERVICES). */
#define SRP_DEFAULT_KEY_MAX_HOSTS 4u
#define SRP_DEFAULT_KEY_MAX_SERVICES 16u

/* X(ID, "name", rcode) — rcode is what srp_build_response() sends. */
#define SRP_ERRORS(X)                                                                               \
    X(OK, "ok", 0)                                                                                  \
    X(INVALID_ARG, "invalid-arg", 1)                                                                \
    X(MALFORMED, "malformed", 1)       /* the DNS codec refused the message */                      \
    X(NOT_UPDATE, "not-update", 4)     /* opcode != 5 or QR set */                                  \
    X(BAD_ZONE, "bad-zone", 5)         /* zone section not one SOA IN default.service.arpa. */      \
    X(PREREQ, "prerequisite", 1)       /* SRP updates carry no prerequisites */                     \
    X(OUTSIDE_ZONE, "outside-zone", 5) /* an update name not under the zone (RFC 2136 §3.4.1.3) */ \
    X(BAD_INSTRUCTION, "bad-instruction", 1)     /* RR class/type not an SRP instruction */         \
    X(NO_HOST, "no-host", 1)                     /* no Host Description (RFC 9665 §3.3.1.2) */     \
    X(MULTIPLE_HOSTS, "multiple-hosts", 1)       /* more than one host name */                      \
    X(HOST_NOT_DELETED, "host-not-deleted", 1)   /* host lacks "delete all RRsets" */               \
    X(SERVICE_NO_DELETE, "service-no-delete", 1) /* instance lacks "delete all RRsets" */           \
    X(SERVICE_NO_SRV, "service-no-srv", 1)       /* added instance without SRV/TXT */               \
    X(ORPHAN_RECORD, "orphan-record", 1)         /* SRV/TXT of a name no PTR points to */           \
    X(SERVICE_HOST_MISMATCH, "service-host-mismatch", 1) /* SRV target is not the host */           \
    X(TOO_MANY_ADDRS, "too-many-addrs", 1)                                                          \
    X(TOO_MANY_SERVICES, "too-many-services", 1)                                                    \
    X(NO_KEY, "no-key", 1)         /* host without KEY (RFC 9665 §3.3.1.2) */                      \
    X(BAD_KEY, "bad-key", 1)       /* not algorithm 13 / 64 octets, or KEYs differ */               \
    X(NO_LEASE, "no-lease", 1)     /* no Update Lease option (RFC 9665 §3.3.3) */                  \
    X(BAD_LEASE, "bad-lease", 1)   /* option length not 4 or 8 */                                   \
    X(NO_SIG, "no-sig", 1)         /* no SIG(0) as the last additional RR */                        \
    X(BAD_SIG, "bad-sig", 1)       /* SIG not type 0/alg 13/64 octets, or wrong signer */           \
    X(SIG_FAILED, "sig-failed", 5) /* signature does not verify */                                  \
    X(SIG_TIME, "sig-time", 5)     /* SIG(0) outside its validity period, or older (replay) */      \
    X(NAME_CLAIMED, "name-claimed", SRP_RCODE_YXDOMAIN)   /* name owned by another key */           \
    X(NAME_CONFLICT, "name-conflict", SRP_RCODE_YXDOMAIN) /* host vs instance, another key */       \
    X(KEY_LIMIT, "key-limit", 5) /* per-key cap on hosts/services reached (REFUSED) */              \
    X(REGISTRY_FULL, "registry-full", 2)                                                            \
    X(NO_SPACE, "no-space", 2)                                                                      \
    X(SAVE_FAILED, "save-failed", 2) /* the change could not be stored: refused (SERVFAIL) */

enum srp_err {
#define SRP_X_ENUM(id, name, rc) SRP_ERR_##id,
    SRP_ERRORS(SRP_X_ENUM)
#undef SRP_X_ENUM
        SRP_ERR__COUNT
};
#define SRP_OK SRP_ERR_OK

/* Stable short name ("sig-failed"); never NULL. */
const char *srp_err_str(enum srp_err e);
/* DNS RCODE sent for an error (RFC 2136 §2.2): NOERROR for SRP_OK. */
unsigned srp_err_rcode(enum srp_err e);

/* ---- Parsed update -------------------------------------------------------- */

/* One Service Description (RFC 9665 §3.3.1.1). */
struct srp_update_service {
    struct dns_name service;  /* PTR owner, "_ipps._tcp.default.service.arpa." */
    struct dns_name instance; /* PTR target, "printer._ipps._tcp.default.service.arpa." */
    bool remove;              /* PTR delete (class NONE): the instance goes away */
    bool has_srv, has_txt, has_delete;
    struct dns_srv srv;
    uint8_t txt[SRP_TXT_MAX]; /* TXT RDATA as sent */
    uint16_t txt_len;
    uint32_t ttl; /* of the SRV record */
};

struct srp_update {
    uint16_t id;
    struct dns_name zone;
    struct dns_name host; /* full host name */
    uint32_t host_ttl;    /* of the AAAA (or KEY) records */
    uint8_t addrs[SRP_MAX_ADDRS][16];
    unsigned naddrs;
    uint8_t pubkey[SRP_PUBKEY_LEN]; /* from the host's KEY record */
    struct srp_update_service services[SRP_MAX_UPDATE_SERVICES];
    unsigned nservices;
    uint32_t lease, key_lease; /* requested, seconds (RFC 9664 §4); key_lease = lease if absent */
    /* SIG(0) (RFC 2931 §3): offsets into the message it was parsed from. */
    struct dns_sig sig; /* signature/signer copied out: sig.signature is NULL */
    uint8_t signature[SRP_SIG_LEN];
    size_t sig_rr_offset;    /* first octet of the SIG RR */
    size_t sig_rdata_offset; /* first octet of its RDATA */
    size_t sig_signed_len;   /* RDATA octets before the signature */
    size_t msg_len;          /* end of the SIG RR = end of the message */
};

/* Parses and validates an SRP update (RFC 9665 §3.3). On SRP_OK *out is
 * complete; the signature is NOT checked (see srp_verify_sig0). Bytes after
 * the last record are refused (SIG must be last). Never reads outside
 * msg[0..len). out->id is set as soon as the header is read, so the caller
 * can answer errors. */
enum srp_err srp_parse_update(const uint8_t *msg, size_t len, struct srp_update *out);

/* Verifies the SIG(0) of msg (the same bytes given to srp_parse_update) per
 * RFC 2931 §3.1: SHA-256 over the SIG RDATA without the signature, then the
 * message without the SIG RR and with ARCOUNT decremented; ECDSA P-256
 * (RFC 6605) with the KEY in parsed->pubkey. SRP_OK or SRP_ERR_SIG_FAILED
 * (also for an invalid public key), SRP_ERR_INVALID_ARG. */
enum srp_err srp_verify_sig0(const uint8_t *msg, size_t len, const struct srp_update *parsed);

/* The P-256 group kept by a caller that verifies many updates: mbedTLS
 * caches the generator's precomputed table in it on first use, which takes
 * about a third off every later verification (docs/PERFORMANCE.md §3). */
struct srp_crypto {
    mbedtls_ecp_group grp;
    bool loaded;
};
void srp_crypto_init(struct srp_crypto *cx);
void srp_crypto_free(struct srp_crypto *cx);
/* srp_verify_sig0 with cx's group (cx NULL: a fresh group each call). */
enum srp_err srp_verify_sig0_cx(struct srp_crypto *cx, const uint8_t *msg, size_t len,
                                const struct srp_update *parsed);

/* The SIG(0) validity period (RFC 2931 §3.1 / RFC 2535 §4.1.5) against
 * now_s, the caller's wall clock in seconds since the epoch (0: unknown).
 * Times compare in 32-bit serial arithmetic (RFC 1982, as RFC 4034 §3.1.5).
 * A signature with inception and expiration both 0 carries no time (the
 * signer has no clock, as OpenThread's SRP client and ours sign): SRP_OK,
 * *no_time set (may be NULL). Otherwise SRP_ERR_SIG_TIME unless
 * inception - SRP_SIG_TIME_FUDGE <= now_s <= expiration + SRP_SIG_TIME_FUDGE;
 * with now_s 0 the window cannot be checked and only the registry's
 * per-host order check (srp_registry_apply) applies. */
enum srp_err srp_check_sig0_time(const struct srp_update *parsed, uint32_t now_s, bool *no_time);

/* ---- Wire pieces shared by the server and the client ------------------------ */

#define SRP_LEASE_OPTION_LEN 12 /* code, length, lease, key lease (long form) */

/* The Update Lease option (RFC 9664 §4) among the options of o: lease and
 * key lease (key lease = lease for the 4-octet short form); *found tells
 * whether there was one (leases then untouched). SRP_ERR_MALFORMED when the
 * options do not walk, SRP_ERR_BAD_LEASE for a length other than 4 or 8. */
enum srp_err srp_lease_option_read(const struct dns_opt *o, uint32_t *lease, uint32_t *key_lease,
                                   bool *found);
/* The long-form option into out. */
void srp_lease_option_write(uint8_t out[SRP_LEASE_OPTION_LEN], uint32_t lease, uint32_t key_lease);

/* The SIG(0) digest (RFC 2931 §3.1): SHA-256 over the 18 fixed octets of
 * the SIG RDATA at rdata, the signer's name uncompressed, then msg before
 * the SIG RR (at sig_rr_offset, the last record) with ARCOUNT not counting
 * it. What the client signs and the server verifies. False for bad offsets
 * (sig_rr_offset before the end of the header, ARCOUNT 0) or a hash error. */
#define SRP_SIG_FIXED_LEN 18 /* type covered .. key tag (RFC 2535 §4.1) */
bool srp_sig0_digest(const uint8_t *msg, size_t sig_rr_offset, const uint8_t *rdata,
                     const struct dns_name *signer, uint8_t hash[32]);

/* ---- Registry ------------------------------------------------------------ */

struct srp_host {
    bool used;
    bool deleted; /* lease expired/0 but name still claimed (key-lease) */
    struct dns_name name;
    uint8_t pubkey[SRP_PUBKEY_LEN];
    uint8_t addrs[SRP_MAX_ADDRS][16];
    unsigned naddrs;
    uint32_t ttl, lease, key_lease; /* seconds, as granted */
    uint64_t lease_end_ms, key_lease_end_ms;
    uint32_t seq;           /* insertion order (newest first when printing) */
    uint32_t sig_inception; /* of the last update applied (0: none/no time); not persisted */
};

struct srp_service {
    bool used;
    bool deleted;
    unsigned host; /* index into hosts[] */
    struct dns_name service, instance;
    uint16_t priority, weight, port;
    uint8_t txt[SRP_TXT_MAX];
    uint16_t txt_len;
    uint32_t ttl, lease, key_lease;
    uint64_t lease_end_ms, key_lease_end_ms;
    uint32_t seq;
};

struct srp_registry {
    struct srp_host hosts[SRP_MAX_HOSTS];
    struct srp_service services[SRP_MAX_SERVICES];
    uint32_t min_lease, max_lease, min_key_lease, max_key_lease;
    uint32_t key_max_hosts, key_max_services; /* per-key caps (configuration) */
    uint32_t max_hosts, max_services;         /* the live capacity (configuration) */
    uint32_t next_seq;
};

/* Empties the registry and sets the default lease bounds, per-key caps and
 * the capacity (the whole pool: SRP_MAX_HOSTS hosts, SRP_MAX_SERVICES
 * instances). */
void srp_registry_init(struct srp_registry *reg);

/* The live capacity: at most hosts hosts and services instances (deleted
 * ones included: their names stay claimed), each 1..the pool. An update
 * that would go beyond is refused whole with SRP_ERR_REGISTRY_FULL. Entries
 * already held above a lowered capacity stay until they go. False (nothing
 * changed) for a value out of range. */
bool srp_registry_set_capacity(struct srp_registry *reg, uint32_t hosts, uint32_t services);

/* The leases granted for a request (RFC 9665 §3.3.3): clamped to the bounds,
 * 0 stays 0 (removal); key_lease >= lease. */
void srp_registry_grant(const struct srp_registry *reg, const struct srp_update *u, uint32_t *lease,
                        uint32_t *key_lease);

/* Applies a parsed AND verified update at time now_ms:
 *   - the host name (and every instance name) is claimed by its key: a
 *     different key -> SRP_ERR_NAME_CLAIMED (YXDOMAIN), registry unchanged;
 *   - hosts and instances share one namespace: a host name that is another
 *     key's instance name, or an instance name that is another key's host
 *     name -> SRP_ERR_NAME_CONFLICT (YXDOMAIN, RFC 2136 §2.2), unchanged;
 *   - an update signed with an inception time older (RFC 1982) than the
 *     last one applied to the host (a replay of an older update inside
 *     its validity period) -> SRP_ERR_SIG_TIME, unchanged;
 *   - a key may hold at most key_max_hosts hosts and key_max_services
 *     instances (deleted ones included: their names stay claimed): more ->
 *     SRP_ERR_KEY_LIMIT (REFUSED, RFC 2136 §2.2 "for policy reasons");
 *   - granted lease > 0: the host's addresses are replaced, each service in
 *     the update is added or replaced (or marked deleted for a PTR delete);
 *   - granted lease 0 (RFC 9665 §3.3.5): the host and all its services are
 *     marked deleted, the name stays claimed until key-lease ends; key-lease
 *     0 too removes everything.
 * SRP_ERR_REGISTRY_FULL leaves the registry unchanged. The granted leases are
 * written to *lease / *key_lease (may be NULL). */
enum srp_err srp_registry_apply(struct srp_registry *reg, const struct srp_update *u,
                                uint64_t now_ms, uint32_t *lease, uint32_t *key_lease);

/* Expires leases at now_ms: lease end -> deleted (addresses/services gone,
 * name kept); key-lease end -> slot freed. Returns entries changed. */
unsigned srp_registry_expire(struct srp_registry *reg, uint64_t now_ms);

/* Earliest lease/key-lease end still pending, or UINT64_MAX. */
uint64_t srp_registry_next_expiry(const struct srp_registry *reg);

/* Iteration: pass NULL to start; NULL at the end. Hosts come newest first
 * (as OpenThread lists them); services of one host newest first. */
const struct srp_host *srp_registry_next_host(const struct srp_registry *reg,
                                              const struct srp_host *prev);
const struct srp_service *srp_registry_next_service(const struct srp_registry *reg,
                                                    const struct srp_host *host,
                                                    const struct srp_service *prev);

/* Hooks for the DNS server (src/dns/dns_server.h); ctx = struct srp_registry *.
 * Deleted hosts/services are "no such name". */
void srp_registry_dns_ops(struct dns_srp_ops *ops);

/* ---- Persistence ---------------------------------------------------------- */

/* A registry record for settings (the agent stores it under
 * SETTINGS_KEY_SRP_REGISTRY). All integers big-endian; names in their
 * uncompressed wire form (struct dns_name) behind a length octet:
 *
 *   u8 version = SRP_REGISTRY_BLOB_VERSION (2; version 1 records, with
 *      one-octet counts and host index, are still read)
 *   u16 nhosts (<= SRP_MAX_HOSTS), u16 nservices (<= SRP_MAX_SERVICES)
 *   nhosts x host, oldest first (ascending seq):
 *     u8 flags (0x01 = deleted; other bits 0)
 *     u8 name_len, name[name_len]
 *     pubkey[SRP_PUBKEY_LEN]
 *     u8 naddrs (<= SRP_MAX_ADDRS; 0 when deleted), naddrs x addr[16]
 *     u32 ttl, u32 lease, u32 key_lease      (seconds, as granted)
 *     u64 lease_rem_ms, u64 key_lease_rem_ms (see below)
 *   nservices x service, oldest first (ascending seq):
 *     u8 flags (0x01 = deleted; other bits 0; never live under a deleted host)
 *     u16 host (index of its host among the hosts above, < nhosts)
 *     u8 len, service name; u8 len, instance name
 *     u16 priority, u16 weight, u16 port
 *     u16 txt_len (<= SRP_TXT_MAX), txt[txt_len]
 *     u32 ttl, u32 lease, u32 key_lease
 *     u64 lease_rem_ms, u64 key_lease_rem_ms
 *
 * The *_rem_ms are the milliseconds REMAINING at now_ms until the lease /
 * key-lease end (0 = over), at most UINT32_MAX * 1000. Nothing follows the
 * last service. Worst case (full registry, longest names and TXT) is
 * SRP_REGISTRY_BLOB_MAX (4,280,325 octets); a typical host with two services
 * is under 1 KB.
 * SRP_ERR_NO_SPACE when cap is too small (*out_len is then 0 and buf holds
 * nothing useful); SRP_ERR_INVALID_ARG for NULL reg/out_len. */
#define SRP_REGISTRY_BLOB_VERSION 2
/* Largest record of one host / one service, and of a full registry with
 * every entry at its largest: what a store must hold (computed from the
 * limits above, so a change to any of them moves it). */
#define SRP_BLOB_HOST_MAX                                                                          \
    (1u + 1u + DNS_NAME_MAX + SRP_PUBKEY_LEN + 1u + SRP_MAX_ADDRS * 16u + 3u * 4u + 2u * 8u)
#define SRP_BLOB_SERVICE_MAX                                                                       \
    (1u + 2u + 2u * (1u + DNS_NAME_MAX) + 3u * 2u + 2u + SRP_TXT_MAX + 3u * 4u + 2u * 8u)
#define SRP_REGISTRY_BLOB_MAX                                                                      \
    (5u + SRP_MAX_HOSTS * SRP_BLOB_HOST_MAX + SRP_MAX_SERVICES * SRP_BLOB_SERVICE_MAX)
enum srp_err srp_registry_save(const struct srp_registry *reg, uint64_t now_ms, uint8_t *buf,
                               size_t cap, size_t *out_len);

/* Restores a record written by srp_registry_save into reg, replacing every
 * host and service. The lease bounds (min/max lease and key-lease) are
 * configuration, not state: they are kept from reg, so reg must have been
 * through srp_registry_init (and any bound changes) first. Remaining times
 * are reduced by elapsed_ms (how long the process was down, from the wall
 * clock; 0 when unknown) and made relative to now_ms; whatever has expired
 * is then expired by srp_registry_expire(reg, now_ms) (lease over -> deleted,
 * key-lease over -> gone). Hosts and services keep their relative order
 * (seq is renumbered 1.. in blob order, next_seq past the largest).
 * Hostile input: a bad version, any count over its bound, a length running
 * past len, trailing bytes, an invalid name (dns_name_valid), a duplicate
 * host or instance name, a host index >= nhosts, unknown flag bits, a
 * deleted host with addresses or with a live service, or a remaining time
 * over the bound give SRP_ERR_MALFORMED with reg left empty (never a
 * partial registry; the lease bounds kept). SRP_ERR_INVALID_ARG for a NULL
 * reg. */
enum srp_err srp_registry_load(struct srp_registry *reg, const uint8_t *buf, size_t len,
                               uint64_t now_ms, uint64_t elapsed_ms);

/* ---- Output (OpenThread CLI text, without the final "Done") --------------- */

/* Called once per output line (no newline). */
typedef void (*srp_line_fn)(void *ctx, const char *line);

/* `srp server host`:
 *   ot-device.default.service.arpa.
 *       deleted: false
 *       addresses: [fd00:0:0:0:0:0:0:1, ...]          */
void srp_fmt_hosts(const struct srp_registry *reg, srp_line_fn line, void *ctx);

/* `srp server service`: instance, deleted, subtypes, port, priority, weight,
 * ttl, lease, key-lease, TXT, host, addresses (see cli_srp_server.cpp). */
void srp_fmt_services(const struct srp_registry *reg, srp_line_fn line, void *ctx);

/* ---- Response ------------------------------------------------------------ */

/* Builds the UPDATE response (RFC 2136 §3.8): QR, opcode 5, id, rcode of err;
 * on SRP_OK an OPT carrying the Update Lease option with the granted lease
 * and key_lease (RFC 9664 §4). SRP_ERR_NO_SPACE if cap is too small. */
enum srp_err srp_build_response(uint16_t id, enum srp_err err, uint32_t lease, uint32_t key_lease,
                                uint8_t *buf, size_t cap, size_t *out_len);

#endif
