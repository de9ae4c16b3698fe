/*
 * The border router's DNS server for Thread devices (pure logic).
 *
 * Behaviour: shared/reference/ot-nat64-behaviour.md §5 (OpenThread
 * dnssd_server.cpp + posix resolver.cpp) and user-needs.md D1-D7, with the
 * knowing fixes listed there (SERVFAIL instead of silence, retries across
 * resolvers, TCP on TC, optional DNS64).
 *
 * No sockets, no clock, no globals, no allocation: the caller owns a
 * struct dns_server, passes the time as now_ms (any monotonic origin) and
 * provides randomness through cfg.rand16. Every input gives at most one
 * struct dns_server_action for the caller to carry out.
 *
 * Which names are answered where (checked in this order):
 *   1. `default.service.arpa.` and below: locally, from the SRP registry the
 *      caller plugs in (struct dns_srp_ops), with AA=1; a name the registry
 *      does not know gives NXDOMAIN, a known name without the asked type
 *      gives NOERROR with no answers (RFC 2308 NODATA). Never forwarded
 *      (ot §5.2).
 *   2. `ipv4only.arpa.` (RFC 8880 §7.1, RFC 7050 §2.2): AAAA = 192.0.0.170 and
 *      192.0.0.171 synthesized with the current NAT64 prefix (NODATA while
 *      there is none), A = those two IPv4 addresses, other types NODATA,
 *      names below it NXDOMAIN; PTR for 170/171.0.0.192.in-addr.arpa. gives
 *      ipv4only.arpa. Never forwarded (ot §5.2).
 *   3. Everything else is forwarded upstream when forwarding is enabled and
 *      RD=1; otherwise REFUSED. No upstream configured: SERVFAIL at once
 *      (D3).
 *
 * Forwarding (RFC 5452 for spoofing resistance):
 *   - Each attempt uses a FRESH random 16-bit ID (cfg.rand16). The server
 *     names the transaction with an opaque uint32_t; the caller maps it to a
 *     socket. For every DNS_SERVER_ACT_UPSTREAM the caller MUST close any
 *     socket it still holds for that transaction and send from a NEW socket
 *     with a fresh random source port (RFC 5452 §9.2; Linux' ephemeral port
 *     choice on an unbound UDP socket is randomised).
 *   - An attempt times out after cfg.attempt_timeout_ms; the next attempt
 *     goes to the next resolver not tried yet (healthy ones first). The whole
 *     transaction is bounded by cfg.budget_ms (default 5000 ms, below
 *     OpenThread's client ResponseTimeout of 7000 ms, ot §6.1, and the core's
 *     6000 ms server timeout, ot §5.3); when it runs out the device gets
 *     SERVFAIL (D3) rather than silence.
 *   - A resolver that failed is penalised with an exponential back-off
 *     (1 s .. 30 s) and only skipped while others are healthy; it is tried
 *     again after the back-off and is healthy again on its first answer.
 *   - An upstream UDP answer with TC=1 is retried over TCP with the same
 *     resolver (RFC 7766 §5): the action says tcp=true; the caller frames
 *     with dns_tcp_frame() / dns_tcp_unframe().
 *   - A response is accepted only from the resolver asked, with the fresh
 *     ID, QR=1 and the same question; it is relayed verbatim except for the
 *     ID, which becomes the device's. A response larger than the device can
 *     take (512 octets, or its EDNS0 size capped at cfg.max_udp) is cut at a
 *     record boundary with TC=1 (RFC 2181 §9, D7).
 *   - At most DNS_SERVER_MAX_TXNS transactions; when full, SERVFAIL (ot §5.3).
 *   - Fair share per client (issue 11 #6): a client (the device's source
 *     address masked to cfg.client_prefix_len, default /128) holds at most
 *     cfg.max_txns_per_client transactions (default 8 of the 32: one
 *     flooding client leaves 24 for the others, and only four clients all
 *     at their cap fill the table). A query beyond the cap gets SERVFAIL at
 *     once, as for a full table (ot §5.3: what OpenThread clients already
 *     see and retry), counted servfail-client-limit. Why /128 by default and
 *     not the NAT64 rule's /64: every Thread device takes its addresses from
 *     the same mesh-local, OMR and link-local /64s, so a /64 key would make
 *     the whole mesh one client; set 64 where devices have
 *     a /64 each. When the caller names the device below IPv6
 *     (dns_server_query_dev: the border router passes the Thread child that
 *     sent the query), the client is that device key instead, whatever
 *     addresses it uses. See docs/security/dns.md.
 *
 * DNS64 (RFC 6147, off by default, D4/D6): AAAA queries are forwarded; when
 * the answer is NOERROR without a usable AAAA (NODATA; AAAA inside
 * ::ffff:0:0/96 do not count, §5.1.4), an A query for the same name goes to
 * the same resolver and each A record becomes an AAAA under the NAT64
 * prefix (RFC 6052). CNAMEs in the A answer are kept, TTL = min(A TTL, SOA
 * minimum of the AAAA answer) (§5.1.7), AD is cleared (§5.5), special-purpose
 * IPv4 ranges are not synthesized (§5.1.4; RFC 6052 §3.1 for the well-known
 * prefix). Non-zero RCODEs are never synthesized over (D6).
 *
 * Who may ask: the caller says whether the source is inside the Thread
 * network (dns_server_source_allowed() helps); anything else is dropped
 * silently and counted, so the server is never an open resolver.
 */
#ifndef TBR_DNS_DNS_SERVER_H
#define TBR_DNS_DNS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_msg.h"
#include "util/addr.h"

#define DNS_SERVER_MAX_TXNS 32 /* OT kMaxConcurrentUpstreamQueries */
#define DNS_SERVER_MAX_UPSTREAMS 8
#define DNS_SERVER_QUERY_MAX 512    /* largest device query forwarded (OT posix buffer) */
#define DNS_SERVER_MSG_MAX 1280     /* action buffer; replies are capped at cfg.max_udp */
#define DNS_SERVER_MAX_HOST_ADDRS 8 /* AAAA per host in one local answer */
#define DNS_SERVER_MAX_INSTANCES 16 /* PTR per service in one local answer */
#define DNS_SERVER_TXT_MAX 255
#define DNS_SERVER_IPV4ONLY_TTL 300      /* short: the NAT64 prefix may change */
#define DNS_SERVER_TXNS_PER_CLIENT 8     /* default cap: a quarter of the table */
#define DNS_SERVER_CLIENT_PREFIX_LEN 128 /* default client key: the whole source address */

/* ---- SRP registry hook ---------------------------------------------------- */

struct dns_srp_instance {
    struct dns_srv srv;              /* priority, weight, port, target host name */
    uint8_t txt[DNS_SERVER_TXT_MAX]; /* TXT RDATA: <len><bytes>...; txt_len 0 = empty TXT */
    uint16_t txt_len;
    uint32_t ttl;
};

/* The caller's SRP registry. Every name is the full query name (e.g.
 * "node1.default.service.arpa."), compared case-insensitively by the
 * registry. Any member may be NULL (treated as "no such name"). */
struct dns_srp_ops {
    /* Addresses of host `name`: writes up to max into addrs and returns how
     * many (0 = the host exists without addresses), or -1 when there is no
     * such host. *ttl is set when the result is >= 0. */
    int (*host_addrs)(void *ctx, const struct dns_name *name, uint8_t (*addrs)[16], int max,
                      uint32_t *ttl);
    /* Instances of service `name` (e.g. "_coap._udp.default.service.arpa."
     * or a "_sub" name): writes up to max full instance names and returns
     * how many (0 = known service without instances), or -1. */
    int (*service_instances)(void *ctx, const struct dns_name *name, struct dns_name *instances,
                             int max, uint32_t *ttl);
    /* SRV and TXT of instance `name`; false when there is no such instance. */
    bool (*instance)(void *ctx, const struct dns_name *name, struct dns_srp_instance *out);
};

/* ---- Configuration and state --------------------------------------------- */

struct dns_server_cfg {
    bool upstream_enabled;       /* OT core default false; ot-br-posix turns it on */
    bool dns64;                  /* BR-side DNS64, off by default */
    uint32_t attempt_timeout_ms; /* per upstream attempt, default 2000 */
    uint32_t budget_ms;          /* per device query, default 5000 */
    uint8_t max_attempts;        /* per device query incl. TCP and DNS64 A, default 6 */
    uint16_t max_udp;            /* cap on replies to devices, default DNS_EDNS_UDP */
    /* Fair share: transactions one client may hold (0 = no cap, above
     * DNS_SERVER_MAX_TXNS = the table); a client is the source address's
     * first client_prefix_len bits (0..128). */
    uint8_t max_txns_per_client; /* default DNS_SERVER_TXNS_PER_CLIENT */
    uint8_t client_prefix_len;   /* default DNS_SERVER_CLIENT_PREFIX_LEN */
    const struct dns_srp_ops *srp;
    void *srp_ctx;
    uint16_t (*rand16)(void *ctx); /* required: uniformly random 16 bits */
    void *rand_ctx;
};

/* An upstream resolver; IPv4 as ::ffff:a.b.c.d. */
struct dns_upstream_addr {
    uint8_t addr[16];
    uint16_t port;
};

struct dns_upstream {
    struct dns_upstream_addr a;
    uint32_t fails;       /* consecutive failures */
    uint64_t retry_at_ms; /* penalised until then (0 = healthy) */
};

/* X(ID, "name", "explanation") */
#define DNS_SERVER_COUNTERS(X)                                                                     \
    X(QUERIES, "queries", "datagrams handed to dns_server_query")                                  \
    X(DROP_NOT_THREAD, "drop-not-thread", "source outside the Thread prefixes (no open resolver)") \
    X(DROP_SHORT, "drop-short", "shorter than a DNS header")                                       \
    X(DROP_NOT_QUERY, "drop-not-query", "QR=1: a response sent to the server")                     \
    X(FORMERR, "formerr", "query did not parse (FORMERR sent)")                                    \
    X(FORMERR_QDCOUNT, "formerr-qdcount", "QDCOUNT not 1 (RFC 9619; FORMERR sent)")                \
    X(NOTIMP_OPCODE, "notimp-opcode", "opcode not QUERY (NOTIMP sent)")                            \
    X(BADVERS, "badvers", "EDNS version above 0 (BADVERS sent, RFC 6891 §6.1.3)")                  \
    X(LOCAL_SRP, "local-srp", "answered from the SRP registry")                                    \
    X(LOCAL_SRP_NXDOMAIN, "local-srp-nxdomain", "name under default.service.arpa. not known")      \
    X(LOCAL_IPV4ONLY, "local-ipv4only", "ipv4only.arpa. answered locally (RFC 8880)")              \
    X(REFUSED_FORWARDING_OFF, "refused-forwarding-off", "non-local name, forwarding disabled")     \
    X(REFUSED_NO_RD, "refused-no-rd", "non-local name without RD=1")                               \
    X(SERVFAIL_NO_UPSTREAM, "servfail-no-upstream", "no resolver configured")                      \
    X(SERVFAIL_TABLE_FULL, "servfail-table-full", "all transactions busy")                         \
    X(SERVFAIL_TOO_BIG, "servfail-query-too-big", "query longer than DNS_SERVER_QUERY_MAX")        \
    X(SERVFAIL_TIMEOUT, "servfail-timeout", "no resolver answered within the budget")              \
    X(FORWARDED, "forwarded", "transactions started")                                              \
    X(UPSTREAM_SENT, "upstream-sent", "upstream attempts (UDP and TCP)")                           \
    X(UPSTREAM_TCP, "upstream-tcp", "TC=1 answers retried over TCP")                               \
    X(UPSTREAM_RESPONSES, "upstream-responses", "upstream answers relayed to devices")             \
    X(UPSTREAM_TIMEOUTS, "upstream-timeouts", "attempts that timed out")                           \
    X(UPSTREAM_ERRORS, "upstream-errors", "send/connect failures reported by the caller")          \
    X(UPSTREAM_RCODE_RETRY, "upstream-rcode-retry", "SERVFAIL/REFUSED/NOTIMP: next resolver")      \
    X(UPSTREAM_STALE, "upstream-stale", "answer for an unknown or finished transaction")           \
    X(UPSTREAM_WRONG_SOURCE, "upstream-wrong-source", "answer not from the resolver asked")        \
    X(UPSTREAM_MISMATCH, "upstream-mismatch", "ID, QR or question differ (RFC 5452), ignored")     \
    X(UPSTREAM_MALFORMED, "upstream-malformed", "answer did not parse; next resolver")             \
    X(TRUNCATED_TO_DEVICE, "truncated-to-device", "answer cut to the device's size, TC=1")         \
    X(DNS64_A_QUERIES, "dns64-a-queries", "AAAA NODATA: A query sent for DNS64")                   \
    X(DNS64_SYNTHESIZED, "dns64-synthesized", "answers with synthesized AAAA records")             \
    X(DNS64_EXCLUDED, "dns64-excluded", "A records not synthesized (special-purpose ranges)")      \
    X(SERVFAIL_CLIENT_LIMIT, "servfail-client-limit", "the client holds its share of transactions")

enum dns_server_counter {
#define DNS_SERVER_X_ENUM(id, name, expl) DNS_SERVER_CNT_##id,
    DNS_SERVER_COUNTERS(DNS_SERVER_X_ENUM)
#undef DNS_SERVER_X_ENUM
        DNS_SERVER_CNT__COUNT
};

const char *dns_server_counter_name(enum dns_server_counter c);
const char *dns_server_counter_explain(enum dns_server_counter c);

enum dns_server_phase {
    DNS_SERVER_PHASE_FORWARD = 0, /* the device's query */
    DNS_SERVER_PHASE_DNS64_A,     /* our A query for DNS64 */
};

/* One forwarded query (internal; exposed for sizing). */
struct dns_server_txn {
    bool in_use;
    uint32_t id; /* opaque id given to the caller, never 0 */
    /* The device and its question. */
    uint8_t dev_addr[16];
    uint16_t dev_port;
    uint64_t dev_key; /* dns_server_query_dev's device key (0: none) */
    bool has_local;
    uint8_t dev_local[16]; /* the address the device asked (the reply's source) */
    uint16_t dev_id;
    uint16_t dev_flags; /* RD and CD as received */
    bool dev_edns;
    uint16_t dev_limit; /* largest reply the device takes */
    struct dns_question q;
    bool dns64;
    enum dns_server_phase phase;
    /* The current upstream attempt. */
    uint8_t query[DNS_SERVER_QUERY_MAX];
    size_t query_len;
    uint16_t up_id;
    struct dns_upstream_addr up;
    bool tcp;
    uint8_t attempts;
    uint32_t tried; /* bit i: upstream i tried for this query */
    uint64_t deadline_ms, budget_end_ms;
    bool has_soa_min;
    uint32_t soa_min; /* RFC 6147 §5.1.7 */
};

struct dns_server {
    struct dns_server_cfg cfg;
    struct dns_upstream up[DNS_SERVER_MAX_UPSTREAMS];
    size_t nup;
    bool has_prefix;
    struct addr_prefix6 prefix; /* NAT64 prefix (ipv4only.arpa., DNS64) */
    struct dns_server_txn txns[DNS_SERVER_MAX_TXNS];
    uint32_t gen;
    uint64_t counters[DNS_SERVER_CNT__COUNT];
    struct dns_name zone_srp, zone_ipv4only, ptr170, ptr171;
};

/* What the caller must do next. */
enum dns_server_act {
    DNS_SERVER_ACT_NONE = 0,
    DNS_SERVER_ACT_REPLY,    /* send buf to addr/port (the device) over UDP */
    DNS_SERVER_ACT_UPSTREAM, /* send buf to the resolver addr/port from a new socket */
};

struct dns_server_action {
    enum dns_server_act kind;
    /* UPSTREAM: the transaction to map to the new socket. REPLY: the
     * transaction that just ended (close its socket), or 0. */
    uint32_t txn;
    bool tcp;         /* UPSTREAM: over TCP, framed with dns_tcp_frame() */
    uint8_t addr[16]; /* device, or resolver (::ffff:a.b.c.d for IPv4) */
    uint16_t port;
    /* REPLY: send from this address, the one the query went to (it may be
     * an anycast ALOC, and a client's connected socket takes nothing else);
     * false when the caller gave none. */
    bool has_local;
    uint8_t local[16];
    size_t len;
    uint8_t buf[DNS_SERVER_MSG_MAX];
};

/* Defaults: forwarding off, DNS64 off, 2000 ms, 5000 ms, 6 attempts,
 * DNS_EDNS_UDP, 8 transactions per /128 client, no SRP registry, no rand16
 * (must be set). */
void dns_server_cfg_default(struct dns_server_cfg *cfg);

/* Initialises s with a copy of cfg. Returns false if cfg->rand16 is NULL or a
 * value is out of range (timeouts 0, max_udp < 512, client_prefix_len > 128). */
bool dns_server_init(struct dns_server *s, const struct dns_server_cfg *cfg);

void dns_server_set_upstream_enabled(struct dns_server *s, bool on);
void dns_server_set_dns64(struct dns_server *s, bool on);

/* Sets the NAT64 prefix (NULL or an invalid RFC 6052 length: none). */
void dns_server_set_nat64_prefix(struct dns_server *s, const struct addr_prefix6 *prefix);

/* Replaces the resolver list (at most DNS_SERVER_MAX_UPSTREAMS; more are
 * ignored). Resolvers already known keep their health state; queries in
 * flight keep going to the resolver they were sent to. Returns the number
 * kept. */
size_t dns_server_set_upstreams(struct dns_server *s, const struct dns_upstream_addr *list,
                                size_t n);

/* Parses resolv.conf text (not NUL-terminated necessarily): every
 * "nameserver <addr>" line (leading blanks allowed, then one or more blanks,
 * the address, then optional blanks or a comment). IPv4 becomes ::ffff:a.b.c.d;
 * IPv6 with a %zone is skipped (needs an interface, not known here);
 * duplicates are skipped; port 53. Writes at most max entries and returns
 * how many. */
size_t dns_resolv_conf_parse(const char *text, size_t len, struct dns_upstream_addr *out,
                             size_t max);

/* True when src is inside one of the given prefixes (mesh-local, OMR,
 * link-local of the Thread interface: the caller's list) and is neither
 * unspecified, loopback nor multicast. */
bool dns_server_source_allowed(const uint8_t src[16], const struct addr_prefix6 *prefixes,
                               size_t n);

/* A query from a device: msg/len as received on UDP port 53, from
 * src/sport to local (the server's address it was sent to; NULL: unknown);
 * from_thread says whether the source is inside the Thread network. Fills
 * *out (kind NONE when the datagram is dropped). Every reply to it, now or
 * after forwarding, carries local in out->local. */
void dns_server_query(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                      const uint8_t src[16], uint16_t sport, const uint8_t *local, bool from_thread,
                      struct dns_server_action *out);
/* dns_server_query() from a device the caller names by dev_key (not 0; e.g.
 * the Thread child that sent it): the per-client cap counts that device's
 * transactions, whatever source addresses it uses. dev_key 0: the source
 * masked to cfg.client_prefix_len, as dns_server_query(). */
void dns_server_query_dev(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                          const uint8_t src[16], uint16_t sport, const uint8_t *local,
                          bool from_thread, uint64_t dev_key, struct dns_server_action *out);

/* An upstream answer for transaction txn, received from `from`/`from_port`
 * (over TCP: one unframed message from the connection). Fills *out: NONE
 * (ignored: keep waiting), REPLY (transaction over) or UPSTREAM (next
 * attempt, e.g. TCP after TC or the DNS64 A query). */
void dns_server_upstream_response(struct dns_server *s, uint64_t now_ms, uint32_t txn,
                                  const uint8_t *msg, size_t len, const uint8_t from[16],
                                  uint16_t from_port, struct dns_server_action *out);

/* The caller could not send for txn (no route, ICMP unreachable, TCP
 * connect refused or closed early): the attempt fails now. Fills *out as
 * above. */
void dns_server_upstream_error(struct dns_server *s, uint64_t now_ms, uint32_t txn,
                               struct dns_server_action *out);

/* Handles at most one expired attempt. Returns true with *out filled when
 * there was one; the caller repeats until false. */
bool dns_server_poll(struct dns_server *s, uint64_t now_ms, struct dns_server_action *out);

/* Earliest deadline of any transaction (UINT64_MAX: none). */
uint64_t dns_server_next_timeout(const struct dns_server *s);

/* Transactions in use. */
size_t dns_server_txns_in_use(const struct dns_server *s);

/* Transactions held by the client that `src` belongs to (cfg.client_prefix_len). */
size_t dns_server_client_txns(const struct dns_server *s, const uint8_t src[16]);
/* Transactions held by device dev_key (dns_server_query_dev; 0 for 0). */
size_t dns_server_dev_txns(const struct dns_server *s, uint64_t dev_key);

static inline uint64_t dns_server_counter(const struct dns_server *s, enum dns_server_counter c)
{
    return (unsigned)c < DNS_SERVER_CNT__COUNT ? s->counters[c] : 0;
}

#endif
