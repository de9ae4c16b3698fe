/*
 * The border router's SRP server service (RFC 9665 §3.3-3.4): the SRP core
 * of src/dns/srp.h (parse, SIG(0) verify, registry) turned into a service
 * with an on/off switch, counters per named outcome and registrations that
 * survive a restart.
 *
 * No sockets and no clock reads: the agent hands in each datagram that
 * arrived on the SRP port (or an UPDATE on the DNS port, as OpenThread's
 * DNS-SD server passes them on) with the time, and sends the reply this
 * module writes. Persistence goes through the settings store the caller
 * owns (NULL: none): the enabled flag, the address mode and the anycast
 * sequence number under SETTINGS_KEY_SRP_SERVER_CFG (three bytes;
 * default enabled, unicast, 0, as otbr-agent), the registry under
 * SETTINGS_KEY_SRP_REGISTRY (see "Registry store" below), so leases keep
 * running while the agent is down.
 *
 * When a save happens ("never lose a registration the user gave us"): an
 * update that changes what a client relies on (a host or service name
 * added or removed, a key, an address set, a service's port, priority,
 * weight or TXT) is stored BEFORE br_srp_server_input() returns its
 * response, so an acknowledged registration survives a SIGKILL right
 * after the reply. If that save fails the update is refused: the registry
 * goes back to what it held before it (which is what is stored), the
 * response is SERVFAIL (SRP_ERR_SAVE_FAILED, counted as "save-failed") and
 * the client retries. Pure lease renewals (same contents, new lease end)
 * and expiries are coalesced to at most one save per
 * BR_SRP_SERVER_SAVE_DELAY_MS (a lost renewal costs nothing: the device
 * renews); a failed coalesced save keeps the registry marked changed and
 * is retried with a doubling back-off (save_errors counts each failure).
 */
#ifndef TBR_BR_SRP_SERVER_H
#define TBR_BR_SRP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/srp.h"

struct kv;

#define BR_SRP_SERVER_SAVE_DELAY_MS 1000u
#define BR_SRP_SERVER_SAVE_RETRY_MAX_MS 60000u /* longest back-off after failed saves */
#define BR_SRP_SERVER_REPLY_MAX 512

/* Registry store. The record is an 8-octet wall-clock time (ms since the
 * epoch, big-endian) followed by srp_registry_save()'s record; it is split
 * into values of SETTINGS_KEY_SRP_REGISTRY ("chunks"), each:
 *
 *   u8  format = BR_SRP_SERVER_STORE_FORMAT
 *   u32 generation (one per save attempt)
 *   u8  index, u8 count (chunks of this generation)
 *   u32 record length
 *   8   first octets of the SHA-256 of the whole record
 *   payload (at most BR_SRP_SERVER_CHUNK_MAX - BR_SRP_SERVER_CHUNK_HDR)
 *
 * A save appends the new generation's chunks and only then deletes the
 * older values, so an interrupted or failed save leaves the previous set
 * whole. A load takes the newest generation whose chunks are all there,
 * agree and match the digest; a partial or corrupt set is never used in
 * part (load_partial / load_errors). The worst case (every host and
 * service at its largest, SRP_REGISTRY_BLOB_MAX) fits: statically asserted
 * in srp_server.c against the settings file, two sets at once. A single
 * value starting with 0x00 is the previous layout (time + record), read. */
#define BR_SRP_SERVER_STORE_FORMAT 2
#define BR_SRP_SERVER_CHUNK_HDR 19
#define BR_SRP_SERVER_CHUNK_MAX 65000u /* octets per stored value (<= KV_VALUE_MAX) */
#define BR_SRP_SERVER_RECORD_MAX (8u + SRP_REGISTRY_BLOB_MAX)
#define BR_SRP_SERVER_CHUNK_PAYLOAD (BR_SRP_SERVER_CHUNK_MAX - BR_SRP_SERVER_CHUNK_HDR)
#define BR_SRP_SERVER_CHUNKS                                                                       \
    ((BR_SRP_SERVER_RECORD_MAX + BR_SRP_SERVER_CHUNK_PAYLOAD - 1) / BR_SRP_SERVER_CHUNK_PAYLOAD)

/* Outcomes of br_srp_server_input() besides the srp_err of an answered update. */
#define BR_SRP_SERVER_DROPS(X)                                                                     \
    X(SHORT, "short", "shorter than a DNS header: no reply possible")                              \
    X(RESPONSE, "response", "QR=1: a response is never answered (no loops)")                       \
    X(NOT_THREAD, "not-thread", "source outside the Thread network")                               \
    X(DISABLED, "disabled", "the server is disabled")

enum br_srp_server_drop {
#define BR_SRP_SERVER_X_ENUM(id, name, expl) BR_SRP_SERVER_DROP_##id,
    BR_SRP_SERVER_DROPS(BR_SRP_SERVER_X_ENUM)
#undef BR_SRP_SERVER_X_ENUM
        BR_SRP_SERVER_DROP__COUNT
};
const char *br_srp_server_drop_name(enum br_srp_server_drop d);

struct br_srp_server {
    struct srp_registry reg;
    struct srp_registry before; /* reg before the update being applied (rollback) */
    struct srp_update scratch;  /* the update being handled (large: not on the stack) */
    struct srp_crypto crypto;   /* P-256 kept across updates (faster verification) */
    uint8_t record[BR_SRP_SERVER_RECORD_MAX]; /* the registry record being read or written */
    uint8_t chunk[BR_SRP_SERVER_CHUNK_MAX];   /* one stored value */
    bool enabled;
    bool anycast;        /* `srp server addrmode anycast`: publish the anycast service */
    uint8_t seqnum;      /* its sequence number (`srp server seqnum`) */
    const struct kv *kv; /* optional; must outlive the server */
    bool dirty;
    uint64_t save_due_ms;
    uint32_t save_backoff_ms; /* 0 after a good save; doubles per failure */
    uint32_t store_gen;       /* generation of the last complete set stored */
    /* The caller's wall clock as last given (init/process/flush): the
     * SIG(0) validity check's "now" (0: unknown). */
    uint64_t wall_ms, wall_at_ms;
    /* counters */
    uint64_t rx, replies;
    uint64_t results[SRP_ERR__COUNT]; /* answered updates by outcome (OK = accepted) */
    uint64_t drops[BR_SRP_SERVER_DROP__COUNT];
    uint64_t saves, save_errors, load_errors, load_partial, expired;
    uint64_t saves_sync;  /* of saves: made before a response (a change of contents) */
    uint64_t sig_no_time; /* accepted SIG(0)s without time (no clock: not checkable) */
};

/* Sets up s (registry empty, enabled) and restores the enabled flag and the
 * registrations from kv (may be NULL). now_ms: monotonic time;
 * wall_ms: ms since the epoch (0: unknown, then no time is taken off the
 * stored leases). Returns how many hosts were restored, or -1 when a stored
 * record was refused (counted in load_errors, registry empty). */
int br_srp_server_init(struct br_srp_server *s, const struct kv *kv, uint64_t now_ms,
                       uint64_t wall_ms);

/* Releases what br_srp_server_init set up (the crypto context); s itself is the
 * caller's. */
void br_srp_server_free(struct br_srp_server *s);

/* `srp server enable|disable`: persisted. */
void br_srp_server_set_enabled(struct br_srp_server *s, bool on);
/* `srp server addrmode unicast|anycast` and `srp server seqnum N`: only
 * while disabled (false otherwise: OpenThread's InvalidState); persisted. */
bool br_srp_server_set_anycast(struct br_srp_server *s, bool anycast);
bool br_srp_server_set_seqnum(struct br_srp_server *s, uint8_t seqnum);
/* The settings above, read back. */
bool br_srp_server_enabled(const struct br_srp_server *s);
bool br_srp_server_anycast(const struct br_srp_server *s);
uint8_t br_srp_server_seqnum(const struct br_srp_server *s);
/* The registry the DNS server answers from (dns/srp.h); valid while s is. */
struct srp_registry *br_srp_server_registry(struct br_srp_server *s);

/* One datagram to the SRP server from src (from_thread: inside the Thread
 * network, as the DNS server checks). An accepted change of contents is
 * stored before this returns (see above; a failed save: SRP_ERR_SAVE_FAILED,
 * registry unchanged). The SIG(0) validity period is checked
 * (srp_check_sig0_time) against the wall clock last given to
 * br_srp_server_init/process/flush, advanced by now_ms since. Returns true with a DNS UPDATE
 * response in out[0..*out_len) to send back to the source and the update's
 * outcome in *result; false when the datagram is dropped without a reply
 * (see drops[]). out must hold BR_SRP_SERVER_REPLY_MAX octets. */
bool br_srp_server_input(struct br_srp_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                         bool from_thread, uint8_t *out, size_t *out_len, enum srp_err *result);

/* Expires leases and writes the registry when a save is due. */
void br_srp_server_process(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms);
/* Earliest time br_srp_server_process() has work (UINT64_MAX: none). */
uint64_t br_srp_server_next_timeout(const struct br_srp_server *s);
/* Writes the registry now if it changed (at shutdown). */
void br_srp_server_flush(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms);

/* `srp server lease MIN MAX KEYMIN KEYMAX` with OpenThread's checks
 * (LeaseConfig::IsValid): MIN <= MAX, KEYMIN <= KEYMAX, MIN <= KEYMIN,
 * MAX <= KEYMAX, KEYMAX <= BR_SRP_SERVER_MAX_KEY_LEASE. False: invalid, unchanged. */
#define BR_SRP_SERVER_MAX_KEY_LEASE 2147483u /* OpenThread's millisecond timer limit, in s */
bool br_srp_server_set_lease(struct br_srp_server *s, uint32_t min, uint32_t max, uint32_t kmin,
                             uint32_t kmax);

/* The registry's live capacity (srp_registry_set_capacity): hosts and
 * service instances, each 1..SRP_MAX_HOSTS / SRP_MAX_SERVICES (the pool,
 * the default). Configuration from tbr-agent's --srp-capacity or `srp
 * server capacity H S`, not persisted. An update beyond it is answered
 * SERVFAIL and counted as "registry-full" (results[SRP_ERR_REGISTRY_FULL]).
 * False (unchanged) out of range. */
bool br_srp_server_set_capacity(struct br_srp_server *s, uint32_t hosts, uint32_t services);

/* ---- views (`srp server ...` output, OpenThread's cli_srp_server.cpp) ---- */

enum br_srp_server_view {
    BR_SRP_SERVER_VIEW_HOSTS,    /* `srp server host` */
    BR_SRP_SERVER_VIEW_SERVICES, /* `srp server service` */
    BR_SRP_SERVER_VIEW_LEASE,    /* `srp server lease`: the four limits */
    BR_SRP_SERVER_VIEW_ADDRMODE, /* "unicast" | "anycast" */
    BR_SRP_SERVER_VIEW_SEQNUM,   /* the anycast sequence number */
    BR_SRP_SERVER_VIEW_COUNTERS, /* `srp server counters` (tbr): "<name>: <n>" lines */
    BR_SRP_SERVER_VIEW_CAPACITY, /* `srp server capacity` (tbr): entries held and the limits */
};
/* Writes one view of s to out. */
void br_srp_server_fmt(const struct br_srp_server *s, enum br_srp_server_view v, FILE *out);

#endif
