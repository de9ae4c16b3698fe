/*
 * A stub resolver for one address query at a time (OpenThread's Dns::Client
 * as `dns resolve` / `dns resolve4` use it): builds the query, keeps the
 * retransmission schedule, checks and reads the answer, follows CNAMEs.
 *
 * Pure logic over buffers with the time passed in: no sockets, no clock,
 * no NAT64. The caller sends what dns_client_poll() hands out, feeds every
 * datagram that arrives to dns_client_rx(), and reads the outcome with
 * dns_client_result() once dns_client_done() is true. A answers come back
 * as IPv4 addresses: synthesizing IPv6 ones (RFC 6052) is the caller's.
 *
 * Schedule (Client::HandleTimer): the query is sent at start, and again
 * each time timeout_ms passes without an answer, attempts times in all;
 * timeout_ms after the last send the query ends with timed_out.
 *
 * Nat64Mode allow (Client::ReplaceWithIp4Query): an AAAA query whose answer
 * is empty success, or an error other than NXDOMAIN, becomes an A query for
 * the same name (a new ID, the attempt count starts again).
 */
#ifndef TBR_DNS_DNS_CLIENT_H
#define TBR_DNS_DNS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/dns_msg.h"

/* OpenThread's defaults (OPENTHREAD_CONFIG_DNS_CLIENT_DEFAULT_*). */
#define DNS_CLIENT_SERVER "2001:4860:4860::8888"
#define DNS_CLIENT_PORT 53
#define DNS_CLIENT_TIMEOUT_MS 7000
#define DNS_CLIENT_ATTEMPTS 3

#define DNS_CLIENT_MSG_MAX 300    /* one query: header, name, type, class */
#define DNS_CLIENT_ANSWERS_MAX 32 /* answer records looked at (the rest are checked only) */
#define DNS_CLIENT_CNAME_HOPS 16  /* CNAMEs followed before it counts as a loop */

/* One query's settings, every field filled (no zero-means-default here). */
struct dns_client_query {
    uint8_t server[16];
    uint16_t port;
    uint32_t timeout_ms; /* per attempt */
    uint8_t attempts;    /* transmissions before giving up, >= 1 */
    bool rd;             /* recursion desired */
    bool nat64_ok;       /* an AAAA query may fall back to A (see top) */
};

/* How a query ended. At most one of timed_out, err != DNS_OK, rcode != 0
 * holds; none of them: success with n addresses (possibly 0). */
struct dns_client_result {
    bool timed_out;   /* no answer after the last attempt */
    enum dns_err err; /* the answer section did not parse, or a CNAME loop (DNS_ERR_PTR_LOOP) */
    unsigned rcode;   /* the answer's RCODE (RFC 1035 §4.1.1), 0 for NOERROR */
    bool ip4;         /* the addresses are A records: the first 4 octets of each */
    size_t n;
    uint8_t addrs[DNS_CLIENT_ANSWERS_MAX][16];
    uint32_t ttls[DNS_CLIENT_ANSWERS_MAX];
};

enum dns_client_state {
    DNS_CLIENT_IDLE,
    DNS_CLIENT_WAITING, /* a query is out (or due to go out) */
    DNS_CLIENT_DONE,    /* the result is ready */
};

struct dns_client {
    enum dns_client_state state;
    uint32_t seed;
    struct dns_client_query q;
    bool want_a; /* asking for A (resolve4, or the NAT64 fallback) */
    bool send_now;
    uint8_t tx; /* transmissions of the current question */
    uint16_t id;
    uint64_t deadline_ms;
    struct dns_name qname;
    uint8_t msg[DNS_CLIENT_MSG_MAX];
    uint16_t msg_len;
    struct dns_client_result result;
};

/* Sets up c; seed varies the message IDs between clients. */
void dns_client_init(struct dns_client *c, uint32_t seed);

/* Starts a query for qname (A when want_a, else AAAA) at now_ms; the first
 * datagram is then ready for dns_client_poll(). DNS_ERR_INVALID_ARG while a
 * query is waiting, or for attempts 0. A finished query's result is dropped. */
enum dns_err dns_client_start(struct dns_client *c, const struct dns_name *qname, bool want_a,
                              const struct dns_client_query *q, uint64_t now_ms);

/* The datagram to send to q.server/q.port now, if any (the first, a
 * retransmission, the A query after a fallback); a send that fails counts
 * as a lost one. Ends the query with timed_out when the last attempt's
 * time is up (then false). *msg stays valid until the next call on c. */
bool dns_client_poll(struct dns_client *c, uint64_t now_ms, const uint8_t **msg, size_t *len);

/* A datagram from the server at now_ms (Client::ParseResponse checks: ID,
 * QR, opcode QUERY, the question; the source is not checked, as OpenThread
 * does not). True when it was the answer: the query is done, or (NAT64
 * fallback) an A query is ready for dns_client_poll(). */
bool dns_client_rx(struct dns_client *c, uint64_t now_ms, const uint8_t *msg, size_t len);

bool dns_client_waiting(const struct dns_client *c);
bool dns_client_done(const struct dns_client *c);
/* The finished query's result (NULL unless done); dns_client_cancel() or a
 * new start drops it. */
const struct dns_client_result *dns_client_result(const struct dns_client *c);
/* True when the waiting query asks for A records now. */
bool dns_client_asking_a(const struct dns_client *c);

/* Forgets the query (waiting or done): back to idle. */
void dns_client_cancel(struct dns_client *c);

/* When dns_client_poll() has timed work (UINT64_MAX: none). */
uint64_t dns_client_next_timeout(const struct dns_client *c);

/* Reads an answer (the checks of dns_client_rx already passed, rcode 0) for
 * qname and type (DNS_TYPE_A or DNS_TYPE_AAAA): the CNAME chain from qname
 * is followed through the answer section, then the records of type at its
 * end are collected (class IN, the right RDATA length). Exposed for tests
 * and the fuzzer. */
void dns_client_read_answer(const uint8_t *msg, size_t len, const struct dns_name *qname,
                            uint16_t type, struct dns_client_result *out);

#endif
