/*
 * Thread Network Data: TLV codec, lookups and the leader's store.
 *
 * Wire format (Thread 1.4 spec §5.18; OpenThread network_data_tlvs.hpp; see
 * shared/reference/thread-sim-interop.md §3.4): a sequence of TLVs, each
 * `(type << 1) | stable`, `length`, value. Top-level types: 1 Prefix,
 * 4 Commissioning Data, 5 Service. Sub-TLVs of a Prefix: 0 Has Route,
 * 2 Border Router, 3 6LoWPAN Context; of a Service: 6 Server. Unknown types
 * are carried along untouched. At most NETDATA_MAX_LEN (254) bytes.
 *
 * Pure functions over caller buffers: no global state, no allocation, no I/O,
 * no clock. Untrusted bytes are read only through util/rd.h; every failure is
 * a named enum netdata_err.
 *
 * Three layers:
 *   1. netdata_validate(): structural check of received Network Data (MLE
 *      Network Data TLV value, TMF Thread Network Data TLV value).
 *   2. Iterators and lookups over a byte buffer, in OpenThread's order
 *      (netdata_next_prefix/route/service/context, the commissioning data,
 *      FindPreferredNat64Prefix, SLAAC prefixes). They never read out of
 *      bounds, even on unvalidated input (malformed parts are skipped).
 *   3. struct netdata_leader: the leader's full Network Data with versions,
 *      Server Data registration (OT Leader::RegisterNetworkData semantics:
 *      replace every entry of one RLOC16), removal, 6LoWPAN context id and
 *      service id allocation, and the full / stable-only copy for children.
 *      struct netdata_local builds a node's own entries (OT Local network data)
 *      to send in `a/sd` or to register into the leader directly.
 */
#ifndef TBR_NETDATA_NETDATA_H
#define TBR_NETDATA_NETDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define NETDATA_MAX_LEN 254 /* OpenThread NetworkData::kMaxSize */

/* TLV types (Thread §5.18.1). */
enum netdata_tlv_type {
    NETDATA_TLV_HAS_ROUTE = 0,
    NETDATA_TLV_PREFIX = 1,
    NETDATA_TLV_BORDER_ROUTER = 2,
    NETDATA_TLV_CONTEXT = 3,
    NETDATA_TLV_COMMISSIONING = 4,
    NETDATA_TLV_SERVICE = 5,
    NETDATA_TLV_SERVER = 6,
};

/* Border Router entry flags (16 bits, Thread §5.18.3). */
#define NETDATA_BR_PREF_SHIFT 14
#define NETDATA_BR_PREFERRED 0x2000 /* p */
#define NETDATA_BR_SLAAC 0x1000     /* a */
#define NETDATA_BR_DHCP 0x0800      /* d */
#define NETDATA_BR_CONFIGURE 0x0400 /* c */
#define NETDATA_BR_DEFROUTE 0x0200  /* r */
#define NETDATA_BR_ONMESH 0x0100    /* o */
#define NETDATA_BR_NDDNS 0x0080     /* n */
#define NETDATA_BR_DP 0x0040        /* D (domain prefix) */
/* Has Route entry flags (8 bits, Thread §5.18.2). */
#define NETDATA_HR_PREF_SHIFT 6
#define NETDATA_HR_NAT64 0x20  /* n */
#define NETDATA_HR_ADVPIO 0x10 /* a */
/* 6LoWPAN Context flags byte (Thread §5.18.4). */
#define NETDATA_CTX_COMPRESS 0x10
#define NETDATA_CTX_ID_MASK 0x0f

#define NETDATA_THREAD_ENTERPRISE 44970u /* T bit set: enterprise elided */
#define NETDATA_SERVICE_T_BIT 0x80
#define NETDATA_SERVICE_ID_MASK 0x0f
#define NETDATA_SERVICE_DNSSRP_ANYCAST 0x5c
#define NETDATA_SERVICE_DNSSRP_UNICAST 0x5d
#define NETDATA_SERVICE_BBR 0x01

#define NETDATA_RLOC16_INVALID 0xfffe
#define NETDATA_ALOC16_SERVICE_BASE 0xfc10 /* + service id (stable subset) */
#define NETDATA_ALOC16_DHCP_BASE 0xfc00    /* + context id (stable subset) */

/* Context ids 1..15 are allocated (0 is the mesh-local prefix, never in
 * Network Data). A released id may be reused only after this delay (OT
 * Leader::ContextIds::kReuseDelay), timed by the caller. */
#define NETDATA_CONTEXT_ID_MIN 1
#define NETDATA_CONTEXT_ID_MAX 15
#define NETDATA_CONTEXT_REUSE_DELAY_S 300
#define NETDATA_SERVICE_ID_MAX 15

/* Route preference as OpenThread stores it (RFC 4191 2-bit values mapped:
 * 01 high, 00 medium, 11 low, 10 reserved -> medium). */
enum netdata_pref {
    NETDATA_PREF_LOW = -1,
    NETDATA_PREF_MED = 0,
    NETDATA_PREF_HIGH = 1,
};

enum netdata_err {
    NETDATA_OK = 0,
    NETDATA_ERR_INVALID_ARG,      /* NULL pointer or parameter out of range */
    NETDATA_ERR_TOO_LONG,         /* more than NETDATA_MAX_LEN bytes */
    NETDATA_ERR_TRUNCATED,        /* a TLV or sub-TLV runs past its container */
    NETDATA_ERR_BAD_PREFIX,       /* Prefix TLV: length > 128 or value shorter than the prefix */
    NETDATA_ERR_BAD_ENTRY_LEN,    /* Has Route / Border Router value not whole entries */
    NETDATA_ERR_BAD_CONTEXT,      /* 6LoWPAN Context sub-TLV too short or length > 128 */
    NETDATA_ERR_BAD_SERVICE,      /* Service TLV shorter than its header / service data */
    NETDATA_ERR_BAD_SERVER,       /* Server sub-TLV shorter than its RLOC16 */
    NETDATA_ERR_DUPLICATE,        /* registration: same prefix / service twice */
    NETDATA_ERR_WRONG_RLOC,       /* registration: entry not owned by the sender */
    NETDATA_ERR_BAD_REGISTRATION, /* registration: TLV shape not allowed (OT Leader::Validate) */
    NETDATA_ERR_NO_SPACE,         /* result would exceed NETDATA_MAX_LEN or caller buffer */
    NETDATA_ERR_NO_CONTEXT_ID,    /* all 15 context ids in use */
    NETDATA_ERR_NO_SERVICE_ID,    /* all 16 service ids in use */
    NETDATA_ERR_NOT_FOUND,
    NETDATA_ERR__COUNT
};

/* Static name of an error, e.g. "truncated" (never NULL). */
const char *netdata_err_str(enum netdata_err e);

/* ---- Entries as the iterators return them (OT otBorderRouterConfig,
 *      otExternalRouteConfig, otServiceConfig, otLowpanContextInfo) ------- */

struct netdata_prefix_cfg { /* one Border Router entry of a Prefix TLV */
    struct addr_prefix6 prefix;
    uint8_t domain_id;
    uint16_t rloc16;
    int8_t preference; /* enum netdata_pref */
    bool preferred, slaac, dhcp, configure, default_route, on_mesh, nd_dns, dp;
    bool stable; /* of the Border Router sub-TLV */
};

struct netdata_route_cfg { /* one Has Route entry of a Prefix TLV */
    struct addr_prefix6 prefix;
    uint8_t domain_id;
    uint16_t rloc16;
    int8_t preference;
    bool nat64, adv_pio;
    bool stable; /* of the Has Route sub-TLV */
};

#define NETDATA_SERVICE_DATA_MAX 252
#define NETDATA_SERVER_DATA_MAX 248

struct netdata_service_cfg { /* one Server sub-TLV of a Service TLV */
    uint8_t service_id;
    uint32_t enterprise;
    uint8_t service_data[NETDATA_SERVICE_DATA_MAX];
    uint8_t service_data_len;
    uint16_t rloc16; /* Server16 */
    uint8_t server_data[NETDATA_SERVER_DATA_MAX];
    uint8_t server_data_len;
    bool stable; /* of the Server sub-TLV */
};

struct netdata_context {        /* a 6LoWPAN Context sub-TLV with its prefix */
    struct addr_prefix6 prefix; /* length = the context length */
    uint8_t id;
    bool compress;
    bool stable;
};

#define NETDATA_STEERING_MAX 16

/* Commissioning Data TLV contents (MeshCoP TLVs; OT CommissioningDataset). */
struct netdata_commissioning {
    bool present;        /* a Commissioning Data TLV exists */
    bool has_session_id; /* MeshCoP TLV 11 */
    uint16_t session_id;
    bool has_locator; /* MeshCoP TLV 9, Border Agent Locator */
    uint16_t locator;
    bool has_joiner_port; /* MeshCoP TLV 18 */
    uint16_t joiner_port;
    bool has_steering; /* MeshCoP TLV 8 */
    uint8_t steering[NETDATA_STEERING_MAX];
    uint8_t steering_len;
    bool has_extra; /* any other MeshCoP TLV */
};

/* Iterator: zero-initialise (NETDATA_ITER_INIT) before the first call. */
struct netdata_iter {
    unsigned index; /* entries of this kind already returned */
};
#define NETDATA_ITER_INIT                                                                          \
    {                                                                                              \
        0                                                                                          \
    }

/* ---- Codec ------------------------------------------------------------ */

/*
 * Checks that buf[0..len) is well-formed Network Data: every TLV and sub-TLV
 * inside its container, Prefix/Service/Context/Server/entry lengths as above.
 * Unknown TLV and sub-TLV types are accepted (skipped by the iterators).
 */
enum netdata_err netdata_validate(const uint8_t *buf, size_t len);

/*
 * Iterators in OpenThread's order (NetworkData::Iterate): TLV order, then
 * sub-TLV order, then entry order. Return false when no entry is left.
 * rloc16 filter: NETDATA_ANY_RLOC16 for all, or only entries of that RLOC16.
 */
#define NETDATA_ANY_RLOC16 0xffff
bool netdata_next_prefix(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                         struct netdata_prefix_cfg *out);
bool netdata_next_route(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                        struct netdata_route_cfg *out);
bool netdata_next_service(const uint8_t *buf, size_t len, uint16_t rloc16, struct netdata_iter *it,
                          struct netdata_service_cfg *out);
bool netdata_next_context(const uint8_t *buf, size_t len, struct netdata_iter *it,
                          struct netdata_context *out);

/* Reads the Commissioning Data TLV (OT Leader::GetCommissioningDataset). */
void netdata_get_commissioning(const uint8_t *buf, size_t len, struct netdata_commissioning *out);

/*
 * The stable subset sent to children without the N mode bit (Thread §5.18;
 * OT MutableNetworkData::RemoveTemporaryData): temporary TLVs and sub-TLVs
 * are dropped, stable Border Router / Has Route entries get RLOC16 0xfffe
 * (Border Router entries with d or c: 0xfc00 + context id), stable Server
 * sub-TLVs get the service ALOC16 0xfc10 + service id; a Prefix/Service TLV
 * left with no sub-TLV is dropped. in must be valid Network Data.
 */
enum netdata_err netdata_stable_subset(const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                                       size_t *out_len);

/* ---- Lookups ---------------------------------------------------------- */

/* True for the NAT64 prefix lengths of RFC 6052: 32, 40, 48, 56, 64, 96. */
bool netdata_nat64_len_valid(unsigned len);

/* OT Ip6::Prefix::operator<: compare the shared leading bits; equal -> the
 * shorter is smaller, otherwise the first differing byte decides. */
bool netdata_prefix_less(const struct addr_prefix6 *a, const struct addr_prefix6 *b);

/*
 * OT Leader::FindPreferredNat64Prefix (ot-nat64-behaviour.md §3.5): among
 * Has Route entries with N set and a valid NAT64 length, the highest
 * preference; on a tie the smallest prefix; on a full tie the first one.
 * Returns NETDATA_OK or NETDATA_ERR_NOT_FOUND.
 */
enum netdata_err netdata_find_nat64_prefix(const uint8_t *buf, size_t len,
                                           struct netdata_route_cfg *out);

/* ---- The DNS/SRP service (Thread 1.3 §14.3.2; OpenThread's
 * NetworkData::Service::DnsSrpUnicast/DnsSrpAnycast) --------------------- */

#define NETDATA_THREAD_ENTERPRISE 44970u  /* Thread's enterprise number */
#define NETDATA_SVC_DNS_SRP_ANYCAST 0x5c  /* service data: 0x5c, sequence number */
#define NETDATA_SVC_DNS_SRP_UNICAST 0x5d  /* service data: 0x5d [, address, port] */
#define NETDATA_SERVICE_ALOC_FIRST 0xfc10 /* + service ID: the anycast address */

struct netdata_dns_srp {
    uint8_t addr[16]; /* unicast: the server; anycast: all zero (see service_id) */
    uint16_t port;    /* anycast: 53 */
    bool anycast;
    uint8_t seq;        /* anycast sequence number: a change means re-register */
    uint8_t service_id; /* anycast: the ALOC is NETDATA_SERVICE_ALOC_FIRST + id */
};

/* The DNS/SRP server a device picks (OpenThread's SRP client auto-start,
 * ot-nat64-behaviour.md §6.4): an address in the service data first (the
 * smallest), then anycast (the newest sequence number), then an address
 * and port in the server data (highest version, then smallest address).
 * False when the Network Data has none. */
bool netdata_find_dns_srp(const uint8_t *buf, size_t len, struct netdata_dns_srp *out);

/* The service entries a DNS/SRP server publishes: unicast with its address
 * and port in the server data (otbr-agent's `44970 5d <addr><port>`), or
 * anycast with a sequence number (`44970 5c<seq>`). */
void netdata_dns_srp_unicast_cfg(struct netdata_service_cfg *sc, uint16_t rloc16,
                                 const uint8_t addr[16], uint16_t port);
void netdata_dns_srp_anycast_cfg(struct netdata_service_cfg *sc, uint16_t rloc16, uint8_t seq);

/*
 * On-mesh prefixes usable for SLAAC (OT Slaac::ShouldUseForSlaac: Border
 * Router entries with the 'a' flag, no 'D' flag, a /64 prefix), each prefix
 * once, in Network Data order. Writes at most cap prefixes, returns how
 * many there are.
 */
size_t netdata_slaac_prefixes(const uint8_t *buf, size_t len, struct addr_prefix6 *out, size_t cap);

/* The 6LoWPAN context whose id is id (1..15). NETDATA_OK or NOT_FOUND. */
enum netdata_err netdata_context_by_id(const uint8_t *buf, size_t len, uint8_t id,
                                       struct netdata_context *out);
/* The context with the longest prefix matching addr (OT Leader::GetContext);
 * compress_only: only contexts with the C flag (for compression). */
enum netdata_err netdata_context_for_addr(const uint8_t *buf, size_t len, const uint8_t addr[16],
                                          bool compress_only, struct netdata_context *out);

/* ---- A node's own entries (OT NetworkData::Local) --------------------- */

struct netdata_local {
    uint8_t tlvs[NETDATA_MAX_LEN];
    uint8_t len;
};

void netdata_local_init(struct netdata_local *l);
/* Adds (replacing any Prefix TLV of the same prefix) a Prefix TLV with one
 * Border Router entry built from cfg (cfg->rloc16, flags, preference,
 * stable; domain id 0 as OT). OT OnMeshPrefixConfig::IsValid: SLAAC needs
 * /64, length > 0, preference low/med/high. */
enum netdata_err netdata_local_add_prefix(struct netdata_local *l,
                                          const struct netdata_prefix_cfg *cfg);
/* Adds a Prefix TLV with one Has Route entry; NAT64 needs a valid NAT64
 * length. */
enum netdata_err netdata_local_add_route(struct netdata_local *l,
                                         const struct netdata_route_cfg *cfg);
/* Adds (replacing the same enterprise + service data) a Service TLV with
 * one Server sub-TLV. cfg->service_id is ignored (the leader assigns it). */
enum netdata_err netdata_local_add_service(struct netdata_local *l,
                                           const struct netdata_service_cfg *cfg);
/* Removes the Prefix TLV of prefix / the Service TLV; NOT_FOUND if absent. */
enum netdata_err netdata_local_remove_prefix(struct netdata_local *l,
                                             const struct addr_prefix6 *prefix);
enum netdata_err netdata_local_remove_service(struct netdata_local *l, uint32_t enterprise,
                                              const uint8_t *service_data, size_t sd_len);

/* ---- Leader store (OT NetworkData::Leader, FTD part) ------------------- */

enum netdata_ctx_state {
    NETDATA_CTX_FREE = 0,
    NETDATA_CTX_IN_USE,
    NETDATA_CTX_RELEASING, /* no Border Router left: C cleared, awaiting expiry */
};

struct netdata_leader {
    uint8_t tlvs[NETDATA_MAX_LEN];
    uint8_t len;
    uint8_t version;        /* Data Version: bumped on every change */
    uint8_t stable_version; /* Stable Data Version: bumped when stable data changes */
    uint8_t ctx_state[NETDATA_CONTEXT_ID_MAX + 1]; /* enum netdata_ctx_state, [0] unused */
};

/* Empty Network Data with the given initial versions (OT picks them at
 * random when it becomes leader: the caller supplies them). */
void netdata_leader_init(struct netdata_leader *ld, uint8_t version, uint8_t stable_version);

/* Takes over existing Network Data (a new leader continuing the previous
 * leader's data, OT HandleNetworkDataRestoredAfterReset): validates and
 * copies buf, marks context ids in use (C set) or releasing (C clear). */
enum netdata_err netdata_leader_load(struct netdata_leader *ld, const uint8_t *buf, size_t len,
                                     uint8_t version, uint8_t stable_version);

/*
 * Server Data registration (TMF a/sd, Thread §5.15.6; OT
 * Leader::RegisterNetworkData), also used for the leader's own entries:
 * tlvs (the sender's whole local Network Data) must be valid, each Prefix
 * TLV must carry at most one stable and one temporary Border Router / Has
 * Route sub-TLV with a single entry for rloc16, each Service TLV exactly
 * one Server sub-TLV for rloc16, no duplicate prefixes / services. Then every
 * entry of rloc16 not in tlvs is removed and every new entry is added
 * (appending new Prefix/Service TLVs, allocating a context id for a prefix
 * with a Border Router entry and a service id for a new service). Versions
 * are bumped only if something changed (stable version if stable content
 * changed). On NO_SPACE / NO_CONTEXT_ID the entries added so far stay, as
 * in OT.
 */
enum netdata_err netdata_leader_register(struct netdata_leader *ld, uint16_t rloc16,
                                         const uint8_t *tlvs, size_t len);

/* Removes every entry of rloc16 (a child that left) or, when
 * match_router is true, of every RLOC16 with the same router id (a router
 * that left, OT kMatchModeRouterId). Bumps versions if anything changed. */
void netdata_leader_remove_rloc(struct netdata_leader *ld, uint16_t rloc16, bool match_router);

/* Replaces the Commissioning Data TLV (moved to the end, temporary) with
 * value data[0..len). Bumps the version (not the stable version). */
enum netdata_err netdata_leader_set_commissioning(struct netdata_leader *ld, const uint8_t *data,
                                                  size_t len);

/* Context ids being released (C flag cleared, no Border Router left): the
 * caller times NETDATA_CONTEXT_REUSE_DELAY_S and then calls
 * netdata_leader_expire_context(), which deletes the Context sub-TLV (and
 * the Prefix TLV if empty), frees the id and bumps both versions. Returns
 * NOT_FOUND if id is not releasing (e.g. a Border Router came back). */
bool netdata_leader_context_releasing(const struct netdata_leader *ld, uint8_t id);
enum netdata_err netdata_leader_expire_context(struct netdata_leader *ld, uint8_t id);

/* The bytes to send: the full set, or the stable subset (children without
 * the N mode bit). */
enum netdata_err netdata_leader_copy(const struct netdata_leader *ld, bool stable_only,
                                     uint8_t *out, size_t cap, size_t *out_len);

#endif
