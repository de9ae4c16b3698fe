/*
 * SRP client (Service Registration Protocol, RFC 9665 §3) for a Thread
 * device, with OpenThread's behaviour (src/core/net/srp_client.cpp,
 * src/cli/cli_srp_client.cpp; shared/reference/ot-nat64-behaviour.md §6.4).
 *
 * Pure module: no sockets, no clock reads, no global state, no allocation.
 * The caller owns a struct srp_client, passes the time as now_ms (any
 * monotonic origin), tells it the server (from Network Data, auto-start) and
 * the device's addresses, sends what srp_client_poll() hands out and feeds
 * back what arrives from the server with srp_client_rx().
 *
 * Message (RFC 9665 §3.3, as OpenThread's client builds it), written with
 * the dns_msg builder:
 *   Zone:       default.service.arpa. SOA IN
 *   Update:     per service: PTR <service> -> <instance> (class NONE, TTL 0
 *               to remove, RFC 2136 §2.5.4), "delete all RRsets" of the
 *               instance (ANY ANY TTL 0), then unless removing SRV
 *               (priority weight port <host>) and TXT; host: "delete all
 *               RRsets", one AAAA per address, KEY (flags 0x0201: use
 *               auth+confidentiality 00, name type "non-zone entity" 10,
 *               signatory "general" 1 -- RFC 2535 §3.1.2, RFC 2137 §3.1;
 *               protocol 3, algorithm 13, the 64-octet public key x||y).
 *   Additional: OPT (UDP size 1272, DO set) with the Update Lease option
 *               (RFC 9664 §4, 8 octets: lease and key lease), then SIG(0)
 *               (RFC 2931 §3: owner root, class ANY, TTL 0, type covered 0,
 *               algorithm 13, times 0, signer = the host name written in
 *               full) signed with ECDSA P-256 over SHA-256 (RFC 6605,
 *               deterministic k per RFC 6979) through mbedTLS. The digest
 *               covers the SIG RDATA without the signature, then the message
 *               before the SIG with ARCOUNT not counting it (RFC 2931 §3.1);
 *               srp_parse_update()/srp_verify_sig0() of src/dns/srp.h accept
 *               every message this module builds.
 *   Every update carries the host and ALL its services (OpenThread with its
 *   early-renew factor set to "always"), so one lease schedule covers all.
 *
 * Host addresses: auto mode is ON by default and after the host is cleared
 * or removed (a deliberate difference: OpenThread starts with auto mode off
 * and sends nothing until `srp client host address auto|ADDR...`), so a
 * device registers with just a host name and a service.
 *
 * States (otSrpClientItemState): the host starts Removed (no name); a name
 * makes it ToAdd. An update is sent only with a host name, a server, at
 * least one service and at least one address (or to remove the host), as
 * OpenThread's UpdateState(). On send ToAdd->Adding, ToRefresh and
 * Registered->Refreshing, ToRemove->Removing; on a NOERROR answer
 * Adding/Refreshing->Registered and Removing->Removed (removed services are
 * forgotten, a removed host is cleared); on stop Adding/Refreshing/
 * Registered->ToRefresh and Removing->ToRemove.
 *
 * Timing (OpenThread's defaults, config/srp_client.h): a send waits
 * 10..500 ms of jitter; the answer is awaited for the current retry
 * interval (first 1800 ms); no answer: the interval grows x1.7 (17/10,
 * OPENTHREAD_CONFIG_SRP_CLIENT_RETRY_INTERVAL_GROWTH_FACTOR, up to 1 h) and
 * the update is sent again after jitter; a refusal (RCODE != 0): the
 * interval grows and the update is sent again when the wait for the
 * refused one would have ended. Success resets the interval; the lease is
 * renewed at send time + granted lease - 120 s (+-15 s jitter), or at half
 * the lease when it is shorter than twice the guard (never sooner than 1 s).
 */
#ifndef TBR_DNS_SRP_CLIENT_H
#define TBR_DNS_SRP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_msg.h"

#define SRP_CLIENT_MAX_SERVICES 8
#define SRP_CLIENT_MAX_ADDRS 8
#define SRP_CLIENT_NAME_MAX 63    /* host name and instance label (one DNS label) */
#define SRP_CLIENT_SERVICE_MAX 63 /* "_test._udp" (two labels, with the dot) */
#define SRP_CLIENT_TXT_MAX 255
#define SRP_CLIENT_MSG_MAX 1232               /* one UDP payload in a 1280-octet IPv6 packet */
#define SRP_CLIENT_UDP_PAYLOAD 1272           /* OPT UDP size: OpenThread's kUdpPayloadSize */
#define SRP_CLIENT_DEFAULT_LEASE 7200u        /* 2 h */
#define SRP_CLIENT_DEFAULT_KEY_LEASE 1209600u /* 14 days */
#define SRP_CLIENT_MAX_LEASE 2147482u         /* OpenThread's kMaxLease (~24.8 days) */
#define SRP_CLIENT_GUARD_S 120u
#define SRP_CLIENT_RENEW_JITTER_MS 15000u
#define SRP_CLIENT_MIN_RETRY_MS 1800u
#define SRP_CLIENT_MAX_RETRY_MS 3600000u
#define SRP_CLIENT_RETRY_GROWTH_NUM 17u
#define SRP_CLIENT_RETRY_GROWTH_DEN 10u
#define SRP_CLIENT_TX_JITTER_MIN_MS 10u
#define SRP_CLIENT_TX_JITTER_MAX_MS 500u
#define SRP_CLIENT_KEY_FLAGS 0x0201
#define SRP_CLIENT_KEY_LEN 32    /* P-256 private key d */
#define SRP_CLIENT_PUBKEY_LEN 64 /* x || y */

/* OpenThread's item states, printed by otSrpClientItemStateToString. */
enum srp_client_item_state {
    SRP_CLIENT_TO_ADD = 0, /* "ToAdd" */
    SRP_CLIENT_ADDING,     /* "Adding" */
    SRP_CLIENT_TO_REFRESH, /* "ToRefresh" */
    SRP_CLIENT_REFRESHING, /* "Refreshing" */
    SRP_CLIENT_TO_REMOVE,  /* "ToRemove" */
    SRP_CLIENT_REMOVING,   /* "Removing" */
    SRP_CLIENT_REGISTERED, /* "Registered" */
    SRP_CLIENT_REMOVED,    /* "Removed" */
};
const char *srp_client_item_state_str(enum srp_client_item_state s);

/* X(ID, "name"): errors of the API. */
#define SRP_CLIENT_ERRORS(X)                                                                       \
    X(OK, "ok")                                                                                    \
    X(INVALID_ARGS, "invalid-args")   /* a name too long, bad characters, no addresses */          \
    X(INVALID_STATE, "invalid-state") /* e.g. host name changed while registered */                \
    X(ALREADY, "already")             /* service already added, host already removed */            \
    X(NOT_FOUND, "not-found")         /* no such service */                                        \
    X(NO_BUFS, "no-bufs")             /* service/address table full, message does not fit */       \
    X(BUSY, "busy")                   /* start with another server while running */                \
    X(CRYPTO, "crypto")               /* mbedTLS refused the key or the signing */

enum srp_client_err {
#define SRP_CLIENT_X_ENUM(id, name) SRP_CLIENT_ERR_##id,
    SRP_CLIENT_ERRORS(SRP_CLIENT_X_ENUM)
#undef SRP_CLIENT_X_ENUM
        SRP_CLIENT_ERR__COUNT
};
const char *srp_client_err_str(enum srp_client_err e);

/* Received datagrams that were not an accepted answer, by reason. REJECTED
 * answers are answers (srp_client_rx returns true) but counted here too. */
#define SRP_CLIENT_DROPS(X)                                                                        \
    X(MALFORMED, "malformed")       /* not a DNS message, or a bad Update Lease option */          \
    X(NOT_RESPONSE, "not-response") /* QR=0 or opcode not UPDATE */                                \
    X(NOT_WAITING, "not-waiting")   /* no update in flight */                                      \
    X(WRONG_SOURCE, "wrong-source") /* not from the server the update went to */                   \
    X(WRONG_ID, "wrong-id")         /* not the ID of the update in flight */                       \
    X(REJECTED, "rejected")         /* RCODE != NOERROR: retried with back-off */

enum srp_client_drop {
#define SRP_CLIENT_X_DROP(id, name) SRP_CLIENT_DROP_##id,
    SRP_CLIENT_DROPS(SRP_CLIENT_X_DROP)
#undef SRP_CLIENT_X_DROP
        SRP_CLIENT_DROP__COUNT
};
const char *srp_client_drop_str(enum srp_client_drop d);

struct srp_client_service {
    bool used;
    char instance[SRP_CLIENT_NAME_MAX + 1];   /* "ins1" (any octets but NUL) */
    char service[SRP_CLIENT_SERVICE_MAX + 1]; /* "_test._udp" */
    uint16_t port, priority, weight;
    uint8_t txt[SRP_CLIENT_TXT_MAX]; /* TXT RDATA (<len><bytes>...); empty = one 0 octet */
    uint16_t txt_len;
    enum srp_client_item_state state;
    uint32_t seq; /* insertion order: listed newest first, as OpenThread */
};

struct srp_client {
    /* Key pair (RFC 6605): the caller persists priv, e.g. SETTINGS_KEY_SRP_ECDSA_KEY. */
    uint8_t priv[SRP_CLIENT_KEY_LEN];
    uint8_t pub[SRP_CLIENT_PUBKEY_LEN];
    bool autostart;     /* default true (OPENTHREAD_CONFIG_SRP_CLIENT_AUTO_START_DEFAULT_MODE) */
    bool running;       /* `srp client state`: Enabled */
    bool server_auto;   /* the server was chosen by auto-start (not `srp client start`) */
    uint8_t server[16]; /* all zero and port 0 while stopped */
    uint16_t server_port;
    /* Host. */
    char host_name[SRP_CLIENT_NAME_MAX + 1]; /* "" = not set */
    enum srp_client_item_state host_state;   /* Removed at first */
    bool auto_addr; /* default true, see above; addresses from srp_client_set_auto_addrs() */
    uint8_t addrs[SRP_CLIENT_MAX_ADDRS][16];
    unsigned naddrs;
    bool remove_key; /* host removal also drops the key lease */
    struct srp_client_service services[SRP_CLIENT_MAX_SERVICES];
    uint32_t next_seq;
    uint32_t lease, key_lease;                 /* requested; defaults above */
    uint32_t ttl;                              /* 0: the lease */
    uint32_t sent_lease, sent_key_lease;       /* in the update in flight */
    uint32_t granted_lease, granted_key_lease; /* from the last accepted answer */
    /* The update in flight / timers (UINT64_MAX: none). */
    bool waiting;
    uint16_t msg_id;
    bool new_id;          /* items changed since the last message: a new ID */
    uint64_t tx_at_ms;    /* next transmission */
    uint64_t sent_at_ms;  /* of the update in flight (lease renewal counts from it) */
    uint64_t timeout_ms;  /* answer deadline of the update in flight */
    uint64_t renew_at_ms; /* lease renewal */
    uint32_t retry_ms;    /* current retry wait */
    uint32_t rand_state;  /* for ids and jitter, seeded by the caller */
    uint8_t msg[SRP_CLIENT_MSG_MAX];
    size_t msg_len;
    uint64_t tx_count, rx_ok, tx_errors; /* tx_errors: the update could not be built */
    uint64_t drops[SRP_CLIENT_DROP__COUNT];
};

/* Sets up c with a key pair: priv (32 octets, big-endian scalar) is checked
 * and the public key derived with mbedTLS. `seed` seeds message IDs and
 * jitter. SRP_CLIENT_ERR_CRYPTO for an invalid key. Everything else gets
 * the defaults (autostart on, stopped, host Removed, auto addresses). */
enum srp_client_err srp_client_init(struct srp_client *c, const uint8_t priv[SRP_CLIENT_KEY_LEN],
                                    uint32_t seed);

/* A new P-256 private key from the caller's random bytes (rnd/rnd_len: at
 * least 48 octets of entropy, reduced modulo the group order so the key is
 * valid). SRP_CLIENT_ERR_CRYPTO on failure, INVALID_ARGS when too short. */
enum srp_client_err srp_client_make_key(const uint8_t *rnd, size_t rnd_len,
                                        uint8_t priv[SRP_CLIENT_KEY_LEN]);

/* Auto-start (OpenThread's EnableAutoStartMode/DisableAutoStartMode):
 * disabling does not stop a running client. */
void srp_client_set_autostart(struct srp_client *c, bool on, uint64_t now_ms);
/* The server auto-start found in Network Data (addr NULL: none). Ignored
 * while autostart is off or while a server given by srp_client_start runs.
 * Otherwise a server starts the client (registration sent after jitter), a
 * different server restarts it (as a stop then a start), none stops it. */
void srp_client_set_server(struct srp_client *c, const uint8_t *addr, uint16_t port,
                           uint64_t now_ms);
/* `srp client start ADDR PORT`: BUSY while running with another server
 * (OK with the same one). Autostart mode stays as it is but does not touch
 * a server given here. */
enum srp_client_err srp_client_start(struct srp_client *c, const uint8_t addr[16], uint16_t port,
                                     uint64_t now_ms);
/* `srp client stop`: stops and turns autostart off (OpenThread's Stop()). */
void srp_client_stop(struct srp_client *c, uint64_t now_ms);

/* Host name: one DNS label (letters, digits, '-', '_'); may be set only
 * while the host is ToAdd or Removed (else INVALID_STATE). */
enum srp_client_err srp_client_set_host_name(struct srp_client *c, const char *name,
                                             uint64_t now_ms);
/* Explicit addresses (auto_addr off; n 1..SRP_CLIENT_MAX_ADDRS, else
 * INVALID_ARGS / NO_BUFS), or auto mode. INVALID_STATE while the host is
 * being removed. The caller feeds srp_client_set_auto_addrs() with the
 * node's addresses whenever they may have changed; a change re-registers. */
enum srp_client_err srp_client_set_addrs(struct srp_client *c, const uint8_t (*addrs)[16],
                                         unsigned n, uint64_t now_ms);
enum srp_client_err srp_client_set_auto_addr(struct srp_client *c, uint64_t now_ms);
void srp_client_set_auto_addrs(struct srp_client *c, const uint8_t (*addrs)[16], unsigned n,
                               uint64_t now_ms);

/* `srp client service add INSTANCE SERVICE PORT [PRIO] [WEIGHT] [TXT]`:
 * txt is RDATA (may be NULL = empty), it must be well-formed
 * character-strings. ALREADY when instance+service exist, NO_BUFS when the
 * table is full, INVALID_ARGS for bad names. */
enum srp_client_err srp_client_add_service(struct srp_client *c, const char *instance,
                                           const char *service, uint16_t port, uint16_t priority,
                                           uint16_t weight, const uint8_t *txt, uint16_t txt_len,
                                           uint64_t now_ms);
/* Removes (sent with a PTR delete) or, with clear, forgets at once. */
enum srp_client_err srp_client_remove_service(struct srp_client *c, const char *instance,
                                              const char *service, bool clear, uint64_t now_ms);
/* `srp client host remove [removekeylease] [sendunregtoserver]`: an update
 * with lease 0 (key lease 0 too with remove_key) and no services. A host
 * never registered (ToAdd) is just cleared unless send_unreg. ALREADY when
 * the host is Removed. */
enum srp_client_err srp_client_remove_host(struct srp_client *c, bool remove_key, bool send_unreg,
                                           uint64_t now_ms);
/* `srp client host clear`: forgets the host and all services, no message. */
void srp_client_clear_host(struct srp_client *c, uint64_t now_ms);
/* `srp client leaseinterval/keyleaseinterval N` (0: the default). */
void srp_client_set_lease(struct srp_client *c, uint32_t lease);
void srp_client_set_key_lease(struct srp_client *c, uint32_t key_lease);

/* What to send now: when due (and running with a server and something to
 * register), builds and signs the update and returns true with *msg and *len
 * (valid until the next call), dst/dport set. Also runs the timers (answer
 * timeout, lease renewal). The caller sends it over UDP and calls again at
 * srp_client_next_timeout(). */
bool srp_client_poll(struct srp_client *c, uint64_t now_ms, const uint8_t **msg, size_t *len,
                     uint8_t dst[16], uint16_t *dport);
/* Earliest time poll() has work (UINT64_MAX: none). */
uint64_t srp_client_next_timeout(const struct srp_client *c);

/* A datagram from src/sport on the client's socket, read only through the
 * dns_msg reader. Returns true when it was the answer to the update in
 * flight (accepted or rejected); anything else is counted in drops[]. */
bool srp_client_rx(struct srp_client *c, uint64_t now_ms, const uint8_t *msg, size_t len,
                   const uint8_t src[16], uint16_t sport);

/* Output in OpenThread's CLI format (cli_srp_client.cpp), one line each call. */
typedef void (*srp_client_line_fn)(void *ctx, const char *line);
/* `srp client host`: name:"dev", state:Registered, addrs:[fd00:0:0:0:0:0:0:1]
 * (name:(null) without a name; addrs:auto in auto mode). */
void srp_client_fmt_host(const struct srp_client *c, srp_client_line_fn line, void *ctx);
/* `srp client service`, newest first:
 * instance:"ins1", name:"_test._udp", state:Registered, port:12345, priority:0, weight:0 */
void srp_client_fmt_services(const struct srp_client *c, srp_client_line_fn line, void *ctx);

#endif
