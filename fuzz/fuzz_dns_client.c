/*
 * libFuzzer harness for the device's stub resolver (src/dns/dns_client.c):
 * the answer checks, the answer reader and CNAME chasing on hostile
 * responses. Seeds: the files of tests/vectors/dns_client (hex, as binary).
 *
 * Input: [selector byte] then a DNS response. Selector bit 0: the query
 * asks A (else AAAA); bit 1: the NAT64 fallback is allowed; bit 2: the
 * query's ID is patched into the response (so it reaches the reader);
 * bits 4-7 pick the name asked (one of a few, so questions can match).
 *
 * Checked invariants (abort on violation):
 *   - the reader never reports more than DNS_CLIENT_ANSWERS_MAX addresses,
 *     and only for a NOERROR answer without a parse error;
 *   - a finished query has one outcome at most (timeout, parse error, rcode);
 *   - after a fallback the next datagram is a well-formed A query for the
 *     same name, with the client's (new) ID;
 *   - a query that is still waiting always times out at last.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns_client.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"example.com", "www.example.com", "a.example", "example.org"};

static void check_result(const struct dns_client_result *r)
{
    CHECK(r->n <= DNS_CLIENT_ANSWERS_MAX);
    CHECK((int)r->timed_out + (r->err != DNS_OK) + (r->rcode != 0) <= 1);
    CHECK(r->n == 0 || (!r->timed_out && r->err == DNS_OK && r->rcode == 0));
}

/* The datagram after a fallback: an A question for the same name. */
static void check_a_query(const struct dns_client *c, const uint8_t *msg, size_t len)
{
    struct dns_parser p;
    struct dns_question q;

    CHECK(dns_parse_begin(&p, msg, len) == DNS_OK);
    CHECK(p.hdr.id == c->id && p.hdr.qdcount == 1 && !(p.hdr.flags & DNS_FLAG_QR));
    CHECK(dns_parse_question(&p, &q) == DNS_OK);
    CHECK(q.type == DNS_TYPE_A && dns_name_equal(&q.name, &c->qname));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dns_client c;
    static struct dns_client_result r;
    struct dns_client_query q;
    struct dns_name n;
    uint8_t msg[DNS_EDNS_UDP];
    const uint8_t *out;
    size_t len, olen;
    uint64_t now = 1000;
    uint16_t id;

    if (size < 1)
        return 0;
    len = size - 1 < sizeof(msg) ? size - 1 : sizeof(msg);
    memcpy(msg, data + 1, len);
    CHECK(dns_name_from_text(names[(data[0] >> 4) % 4], &n) == DNS_OK);

    dns_client_read_answer(msg, len, &n, (data[0] & 1) ? DNS_TYPE_A : DNS_TYPE_AAAA, &r);
    CHECK(r.n <= DNS_CLIENT_ANSWERS_MAX);
    CHECK(r.n == 0 || r.err == DNS_OK);

    memset(&q, 0, sizeof(q));
    q.port = 53;
    q.timeout_ms = 100;
    q.attempts = 2;
    q.rd = true;
    q.nat64_ok = (data[0] & 2) != 0;
    dns_client_init(&c, 7);
    CHECK(dns_client_start(&c, &n, data[0] & 1, &q, now) == DNS_OK);
    CHECK(dns_client_poll(&c, now, &out, &olen));
    id = c.id;
    if ((data[0] & 4) && len >= 2) {
        msg[0] = (uint8_t)(id >> 8);
        msg[1] = (uint8_t)id;
    }
    if (dns_client_rx(&c, now, msg, len) && dns_client_waiting(&c)) {
        CHECK(dns_client_asking_a(&c));
        CHECK(dns_client_poll(&c, now, &out, &olen));
        check_a_query(&c, out, olen);
        /* the same response again, with the new ID */
        if ((data[0] & 4) && len >= 2) {
            msg[0] = (uint8_t)(c.id >> 8);
            msg[1] = (uint8_t)c.id;
        }
        dns_client_rx(&c, now, msg, len);
    }
    for (int i = 0; i < 4 && dns_client_waiting(&c); i++) {
        now += q.timeout_ms;
        dns_client_poll(&c, now, &out, &olen);
    }
    CHECK(dns_client_done(&c));
    check_result(dns_client_result(&c));
    return 0;
}
