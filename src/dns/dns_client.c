/* A stub resolver for one address query at a time; see dns_client.h.
 * Follows OpenThread's Dns::Client (src/core/net/dns_client.cpp). */
#include "dns/dns_client.h"

#include <string.h>

#include "util/rd.h"

void dns_client_init(struct dns_client *c, uint32_t seed)
{
    memset(c, 0, sizeof(*c));
    c->seed = seed;
}

/* Dns::Client takes a random message ID; no random source is passed in, so
 * the time, the previous ID and the seed are mixed (the answer's question
 * is checked too, so a guessable ID costs little). */
static uint16_t new_id(struct dns_client *c, uint64_t now_ms)
{
    uint32_t x = (uint32_t)now_ms * 2654435761u ^ (uint32_t)c->id * 40503u ^ c->seed;

    x ^= x >> 15;
    return (uint16_t)(x ^ (x >> 16));
}

static void build(struct dns_client *c)
{
    struct dns_builder b;
    size_t len = 0;

    dns_build_init(&b, c->msg, sizeof(c->msg), c->id, c->q.rd ? DNS_FLAG_RD : 0);
    /* A name of at most 255 octets always fits DNS_CLIENT_MSG_MAX. */
    if (dns_build_question(&b, &c->qname, c->want_a ? DNS_TYPE_A : DNS_TYPE_AAAA, DNS_CLASS_IN) !=
            DNS_OK ||
        dns_build_finish(&b, &len) != DNS_OK)
        len = 0;
    c->msg_len = (uint16_t)len;
}

/* A new question (the first, or the A fallback): a new ID, sent at once. */
static void ask(struct dns_client *c, bool want_a, uint64_t now_ms)
{
    c->want_a = want_a;
    c->tx = 0;
    c->id = new_id(c, now_ms);
    build(c);
    c->send_now = true;
    c->deadline_ms = now_ms;
}

enum dns_err dns_client_start(struct dns_client *c, const struct dns_name *qname, bool want_a,
                              const struct dns_client_query *q, uint64_t now_ms)
{
    if (c->state == DNS_CLIENT_WAITING || q->attempts == 0)
        return DNS_ERR_INVALID_ARG;
    c->q = *q;
    c->qname = *qname;
    memset(&c->result, 0, sizeof(c->result));
    ask(c, want_a, now_ms);
    c->state = DNS_CLIENT_WAITING;
    return DNS_OK;
}

static void finish(struct dns_client *c)
{
    c->state = DNS_CLIENT_DONE;
    c->send_now = false;
}

bool dns_client_poll(struct dns_client *c, uint64_t now_ms, const uint8_t **msg, size_t *len)
{
    if (c->state != DNS_CLIENT_WAITING || (!c->send_now && now_ms < c->deadline_ms))
        return false;
    if (!c->send_now && c->tx >= c->q.attempts) {
        c->result.timed_out = true;
        finish(c);
        return false;
    }
    c->send_now = false;
    c->tx++;
    c->deadline_ms = now_ms + c->q.timeout_ms;
    *msg = c->msg;
    *len = c->msg_len;
    return true;
}

/* The first answer record from index `from` on (among the first
 * DNS_CLIENT_ANSWERS_MAX) of type whose owner is name; its index, or -1. */
static int find_answer(const uint8_t *msg, size_t len, int from, uint16_t type,
                       const struct dns_name *name, struct dns_rr *rr)
{
    struct dns_parser p;

    if (dns_parse_begin(&p, msg, len) != DNS_OK)
        return -1;
    for (int i = 0; i < p.hdr.ancount && i < DNS_CLIENT_ANSWERS_MAX; i++) {
        if (dns_parse_rr(&p, rr) != DNS_OK)
            return -1;
        if (i >= from && rr->type == type && dns_name_equal(&rr->name, name))
            return i;
    }
    return -1;
}

/* Every answer record parses and is in the answer section. */
static enum dns_err check_answers(const uint8_t *msg, size_t len, struct dns_rr *rr)
{
    struct dns_parser p;
    enum dns_err e = dns_parse_begin(&p, msg, len);

    for (unsigned i = 0; e == DNS_OK && i < p.hdr.ancount; i++) {
        e = dns_parse_rr(&p, rr);
        if (e == DNS_OK && rr->section != DNS_SECTION_ANSWER)
            e = DNS_ERR_TRUNCATED;
        else if (e == DNS_ERR_END)
            e = DNS_ERR_TRUNCATED;
    }
    return e;
}

void dns_client_read_answer(const uint8_t *msg, size_t len, const struct dns_name *qname,
                            uint16_t type, struct dns_client_result *out)
{
    struct dns_rr rr;
    struct dns_name cur = *qname;
    size_t rdlen = type == DNS_TYPE_A ? 4 : 16;

    out->n = 0;
    out->ip4 = type == DNS_TYPE_A;
    out->err = check_answers(msg, len, &rr);
    /* The CNAME chain (RFC 1034 §3.6.2): the first CNAME of each name. */
    for (int hops = 0; out->err == DNS_OK; hops++) {
        struct rd r;

        if (find_answer(msg, len, 0, DNS_TYPE_CNAME, &cur, &rr) < 0)
            break;
        r = rd_init(rr.rdata, rr.rdlen);
        if (dns_name_read(msg, len, &r, &cur) != DNS_OK)
            out->err = DNS_ERR_BAD_RDATA;
        else if (hops >= DNS_CLIENT_CNAME_HOPS)
            out->err = DNS_ERR_PTR_LOOP;
    }
    for (int i = 0; out->err == DNS_OK; i++) {
        i = find_answer(msg, len, i, type, &cur, &rr);
        if (i < 0)
            break;
        if (rr.cls != DNS_CLASS_IN || rr.rdlen != rdlen)
            continue;
        memset(out->addrs[out->n], 0, 16);
        memcpy(out->addrs[out->n], rr.rdata, rdlen);
        out->ttls[out->n++] = rr.ttl;
    }
}

bool dns_client_rx(struct dns_client *c, uint64_t now_ms, const uint8_t *msg, size_t len)
{
    uint16_t want = c->want_a ? DNS_TYPE_A : DNS_TYPE_AAAA;
    struct dns_parser p;
    struct dns_question q;
    unsigned rcode;

    if (c->state != DNS_CLIENT_WAITING || dns_parse_begin(&p, msg, len) != DNS_OK ||
        p.hdr.id != c->id || !(p.hdr.flags & DNS_FLAG_QR) ||
        dns_hdr_opcode(&p.hdr) != DNS_OPCODE_QUERY)
        return false;
    rcode = dns_hdr_rcode(&p.hdr);
    /* An error may come without the question (RFC 1035 §4.1.1 leaves it). */
    if (p.hdr.qdcount != 1) {
        if (!(rcode != DNS_RCODE_NOERROR && p.hdr.qdcount == 0))
            return false;
    } else if (dns_parse_question(&p, &q) != DNS_OK || q.type != want ||
               !dns_name_equal(&q.name, &c->qname)) {
        return false;
    }
    if (!c->want_a && c->q.nat64_ok &&
        ((rcode == DNS_RCODE_NOERROR && p.hdr.ancount == 0) ||
         (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN))) {
        ask(c, true, now_ms);
        return true;
    }
    c->result.rcode = rcode;
    if (rcode == DNS_RCODE_NOERROR)
        dns_client_read_answer(msg, len, &c->qname, want, &c->result);
    finish(c);
    return true;
}

bool dns_client_waiting(const struct dns_client *c)
{
    return c->state == DNS_CLIENT_WAITING;
}

bool dns_client_done(const struct dns_client *c)
{
    return c->state == DNS_CLIENT_DONE;
}

const struct dns_client_result *dns_client_result(const struct dns_client *c)
{
    return c->state == DNS_CLIENT_DONE ? &c->result : NULL;
}

bool dns_client_asking_a(const struct dns_client *c)
{
    return c->state == DNS_CLIENT_WAITING && c->want_a;
}

void dns_client_cancel(struct dns_client *c)
{
    c->state = DNS_CLIENT_IDLE;
    c->send_now = false;
}

uint64_t dns_client_next_timeout(const struct dns_client *c)
{
    if (c->state != DNS_CLIENT_WAITING)
        return UINT64_MAX;
    return c->send_now ? 0 : c->deadline_ms;
}
