/*
 * SRP client (src/dns/srp_client.c): every update it builds goes through the
 * server core (src/dns/srp.c: srp_parse_update, srp_verify_sig0,
 * srp_registry_apply) and the answers come from srp_build_response. Fixed
 * keys and seeds: every run is the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/srp.h"
#include "dns/srp_client.h"
#include "util/addr.h"

#define SEED 0x5eed1234u
#define SPORT 53535

static const uint8_t server_a[16] = {0xfd, 0xde, 0xad, 0, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t server_b[16] = {0xfd, 0xde, 0xad, 0, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t addr1[16] = {0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
static const uint8_t addr2[16] = {0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef};

static void fixed_key(uint8_t priv[SRP_CLIENT_KEY_LEN], uint8_t fill)
{
    uint8_t rnd[48];
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (uint8_t)(fill + 7 * i);
    assert_int_equal(srp_client_make_key(rnd, sizeof rnd, priv), SRP_CLIENT_ERR_OK);
}

static void new_client(struct srp_client *c)
{
    uint8_t priv[SRP_CLIENT_KEY_LEN];
    fixed_key(priv, 0x42);
    assert_int_equal(srp_client_init(c, priv, SEED), SRP_CLIENT_ERR_OK);
}

/* A client with host dev1, two addresses, one service, started on server A. */
static struct srp_client *ready_client(uint64_t now)
{
    static struct srp_client c;
    new_client(&c);
    const uint8_t addrs[2][16] = {
        {0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34},
        {0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef},
    };
    assert_int_equal(srp_client_set_host_name(&c, "dev1", now), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_addrs(&c, addrs, 2, now), SRP_CLIENT_ERR_OK);
    const uint8_t txt[] = {5, 'a', '=', 'x', 'y', 'z'};
    assert_int_equal(
        srp_client_add_service(&c, "ins1", "_test._udp", 12345, 1, 2, txt, sizeof txt, now),
        SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_start(&c, server_a, SPORT, now), SRP_CLIENT_ERR_OK);
    return &c;
}

struct sent {
    const uint8_t *msg;
    size_t len;
    uint8_t dst[16];
    uint16_t dport;
};

/* Polls at now; returns true with the message when one was sent. */
static bool poll_at(struct srp_client *c, uint64_t now, struct sent *s)
{
    return srp_client_poll(c, now, &s->msg, &s->len, s->dst, &s->dport);
}

/* Runs the client to its next transmission (asserting one comes within
 * limit_ms of the next timeout). */
static uint64_t send_next(struct srp_client *c, uint64_t now, struct sent *s)
{
    uint64_t t = srp_client_next_timeout(c);
    assert_true(t != UINT64_MAX);
    if (t < now)
        t = now;
    if (poll_at(c, t, s))
        return t;
    /* the timeout fired (no answer): the resend comes after jitter */
    uint64_t t2 = srp_client_next_timeout(c);
    assert_true(t2 >= t + SRP_CLIENT_TX_JITTER_MIN_MS && t2 <= t + SRP_CLIENT_TX_JITTER_MAX_MS);
    assert_true(poll_at(c, t2, s));
    return t2;
}

/* Parses, verifies and applies an update as the server does. */
static void server_accepts(const struct sent *s, struct srp_update *u, struct srp_registry *reg,
                           uint64_t now)
{
    assert_int_equal(srp_parse_update(s->msg, s->len, u), SRP_OK);
    assert_int_equal(srp_verify_sig0(s->msg, s->len, u), SRP_OK);
    assert_int_equal(srp_registry_apply(reg, u, now, NULL, NULL), SRP_OK);
}

static size_t answer(uint16_t id, enum srp_err err, uint32_t lease, uint32_t key_lease,
                     uint8_t *buf, size_t cap)
{
    size_t len = 0;
    assert_int_equal(srp_build_response(id, err, lease, key_lease, buf, cap, &len), SRP_OK);
    return len;
}

static bool rx(struct srp_client *c, uint64_t now, const uint8_t *m, size_t len)
{
    return srp_client_rx(c, now, m, len, server_a, SPORT);
}

static uint16_t msg_id(const struct sent *s)
{
    return (uint16_t)((s->msg[0] << 8) | s->msg[1]);
}

/* ---- keys ------------------------------------------------------------------------ */

static void test_keys(void **state)
{
    (void)state;
    uint8_t k1[32], k2[32], bad[32];
    fixed_key(k1, 0x42);
    fixed_key(k2, 0x42);
    assert_memory_equal(k1, k2, 32);
    fixed_key(k2, 0x43);
    assert_memory_not_equal(k1, k2, 32);
    uint8_t rnd[48] = {0};
    assert_int_equal(srp_client_make_key(rnd, 47, k2), SRP_CLIENT_ERR_INVALID_ARGS);
    /* all-zero randomness still gives a valid key (d = 1) */
    assert_int_equal(srp_client_make_key(rnd, 48, k2), SRP_CLIENT_ERR_OK);
    struct srp_client c;
    assert_int_equal(srp_client_init(&c, k2, 1), SRP_CLIENT_ERR_OK);

    memset(bad, 0, sizeof bad); /* d = 0 */
    assert_int_equal(srp_client_init(&c, bad, 1), SRP_CLIENT_ERR_CRYPTO);
    memset(bad, 0xff, sizeof bad); /* d >= n */
    assert_int_equal(srp_client_init(&c, bad, 1), SRP_CLIENT_ERR_CRYPTO);

    /* OpenThread's defaults. */
    assert_int_equal(srp_client_init(&c, k1, 1), SRP_CLIENT_ERR_OK);
    assert_true(c.autostart);
    assert_false(c.running);
    assert_true(c.auto_addr); /* our default (OpenThread's is off) */
    assert_int_equal(c.host_state, SRP_CLIENT_REMOVED);
    assert_int_equal(c.lease, 7200);
    assert_int_equal(c.key_lease, 1209600);
    assert_int_equal(srp_client_next_timeout(&c), UINT64_MAX);
    assert_string_equal(srp_client_item_state_str(SRP_CLIENT_REFRESHING), "Refreshing");
    assert_string_equal(srp_client_drop_str(SRP_CLIENT_DROP_WRONG_ID), "wrong-id");
    assert_string_equal(srp_client_err_str(SRP_CLIENT_ERR_BUSY), "busy");
}

/* ---- the update against the server core ------------------------------------------------- */

static void test_update_verifies_and_applies(void **state)
{
    (void)state;
    uint64_t now = 1000;
    struct srp_client *c = ready_client(now);
    struct sent s;
    assert_int_equal(c->host_state, SRP_CLIENT_TO_ADD);
    /* sent after 10..500 ms of jitter */
    assert_false(poll_at(c, now, &s));
    uint64_t t = srp_client_next_timeout(c);
    assert_true(t >= now + 10 && t <= now + 500);
    assert_true(poll_at(c, t, &s));
    assert_memory_equal(s.dst, server_a, 16);
    assert_int_equal(s.dport, SPORT);
    assert_true(s.len <= SRP_CLIENT_MSG_MAX);

    static struct srp_update u;
    static struct srp_registry reg;
    srp_registry_init(&reg);
    server_accepts(&s, &u, &reg, t);
    char text[DNS_NAME_TEXT_MAX];
    assert_int_equal(dns_name_to_text(&u.host, text, sizeof text), DNS_OK);
    assert_string_equal(text, "dev1.default.service.arpa.");
    assert_int_equal(u.lease, 7200);
    assert_int_equal(u.key_lease, 1209600);
    assert_int_equal(u.naddrs, 2);
    assert_memory_equal(u.addrs[0], addr1, 16);
    assert_memory_equal(u.addrs[1], addr2, 16);
    assert_memory_equal(u.pubkey, c->pub, 64);
    assert_int_equal(u.nservices, 1);
    assert_false(u.services[0].remove);
    assert_int_equal(u.services[0].srv.port, 12345);
    assert_int_equal(u.services[0].srv.priority, 1);
    assert_int_equal(u.services[0].srv.weight, 2);
    assert_int_equal(u.services[0].txt_len, 6);
    assert_int_equal(dns_name_to_text(&u.services[0].instance, text, sizeof text), DNS_OK);
    assert_string_equal(text, "ins1._test._udp.default.service.arpa.");

    /* The registry has exactly that. */
    const struct srp_host *hp = srp_registry_next_host(&reg, NULL);
    assert_non_null(hp);
    assert_false(hp->deleted);
    assert_int_equal(hp->naddrs, 2);
    const struct srp_service *sp = srp_registry_next_service(&reg, hp, NULL);
    assert_non_null(sp);
    assert_int_equal(sp->port, 12345);
    assert_null(srp_registry_next_service(&reg, hp, sp));

    /* Record details: KEY flags 0x0201 protocol 3 alg 13, OPT DO with 1272,
     * SIG(0) last with the signer written in full. */
    struct dns_parser p;
    struct dns_rr rr;
    bool key_seen = false, opt_seen = false, sig_seen = false;
    assert_int_equal(dns_parse_begin(&p, s.msg, s.len), DNS_OK);
    assert_int_equal(p.hdr.qdcount, 1);
    assert_int_equal(p.hdr.ancount, 0);
    assert_int_equal(p.hdr.arcount, 2);
    assert_int_equal(dns_hdr_opcode(&p.hdr), DNS_OPCODE_UPDATE);
    while (dns_parse_rr(&p, &rr) == DNS_OK) {
        if (rr.type == DNS_TYPE_KEY) {
            key_seen = true;
            assert_int_equal(rr.u.key.flags, 0x0201);
            assert_int_equal(rr.u.key.protocol, 3);
            assert_int_equal(rr.u.key.algorithm, 13);
        } else if (rr.type == DNS_TYPE_OPT) {
            opt_seen = true;
            assert_int_equal(rr.u.opt.udp_size, 1272);
            assert_int_equal(rr.u.opt.flags, DNS_OPT_FLAG_DO);
            assert_int_equal(rr.u.opt.opts_len, 12);
        } else if (rr.type == DNS_TYPE_SIG) {
            sig_seen = true;
            assert_int_equal(rr.end, s.len);
            assert_int_equal(rr.rdlen, 18 + u.host.len + 64);
        }
    }
    assert_true(key_seen && opt_seen && sig_seen);

    /* Deterministic: the same client state signs the same bytes. */
    uint8_t copy[SRP_CLIENT_MSG_MAX];
    size_t copy_len = s.len;
    memcpy(copy, s.msg, s.len);
    struct srp_client *c2 = ready_client(now); /* same static client, rebuilt */
    struct sent s2;
    assert_true(poll_at(c2, srp_client_next_timeout(c2), &s2));
    assert_int_equal(s2.len, copy_len);
    assert_memory_equal(s2.msg, copy, copy_len);

    /* Any tampered octet fails: in an address, in the signature. */
    uint8_t bad[SRP_CLIENT_MSG_MAX];
    for (size_t i = DNS_HDR_LEN; i < copy_len; i += 7) {
        memcpy(bad, copy, copy_len);
        bad[i] ^= 0x01;
        enum srp_err e = srp_parse_update(bad, copy_len, &u);
        if (e == SRP_OK)
            assert_int_equal(srp_verify_sig0(bad, copy_len, &u), SRP_ERR_SIG_FAILED);
    }
    memcpy(bad, copy, copy_len);
    bad[copy_len - 1] ^= 0x80;
    assert_int_equal(srp_parse_update(bad, copy_len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(bad, copy_len, &u), SRP_ERR_SIG_FAILED);
    memcpy(bad, copy, copy_len);
    bad[1] ^= 0x01; /* the ID is signed too */
    assert_int_equal(srp_parse_update(bad, copy_len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(bad, copy_len, &u), SRP_ERR_SIG_FAILED);
}

/* ---- state machine ----------------------------------------------------------------- */

static void test_register_and_renew(void **state)
{
    (void)state;
    uint8_t ans[128];
    uint64_t now = 5000;
    struct srp_client *c = ready_client(now);
    struct sent s;
    static struct srp_update u;
    static struct srp_registry reg;
    srp_registry_init(&reg);

    uint64_t t = send_next(c, now, &s);
    assert_int_equal(c->host_state, SRP_CLIENT_ADDING);
    assert_int_equal(c->services[0].state, SRP_CLIENT_ADDING);
    assert_true(c->waiting);
    assert_int_equal(srp_client_next_timeout(c), t + 1800);
    server_accepts(&s, &u, &reg, t);

    /* NOERROR with the granted leases: Registered, renewal at lease - 120 s. */
    size_t al = answer(msg_id(&s), SRP_OK, 3600, 86400, ans, sizeof ans);
    assert_true(rx(c, t + 40, ans, al));
    assert_int_equal(c->rx_ok, 1);
    assert_int_equal(c->host_state, SRP_CLIENT_REGISTERED);
    assert_int_equal(c->services[0].state, SRP_CLIENT_REGISTERED);
    assert_int_equal(c->granted_lease, 3600);
    assert_int_equal(c->granted_key_lease, 86400);
    uint64_t renew = srp_client_next_timeout(c);
    assert_true(renew >= t + (3600 - 120) * 1000ull - 15000);
    assert_true(renew <= t + (3600 - 120) * 1000ull + 15000);
    assert_false(poll_at(c, renew - 1, &s));

    /* The renewal (after tx jitter): Refreshing, then Registered again. */
    renew = send_next(c, renew, &s);
    assert_int_equal(c->host_state, SRP_CLIENT_REFRESHING);
    assert_int_equal(c->services[0].state, SRP_CLIENT_REFRESHING);
    server_accepts(&s, &u, &reg, renew);
    al = answer(msg_id(&s), SRP_OK, 3600, 86400, ans, sizeof ans);
    assert_true(rx(c, renew + 10, ans, al));
    assert_int_equal(c->host_state, SRP_CLIENT_REGISTERED);
    assert_int_equal(c->services[0].state, SRP_CLIENT_REGISTERED);

    /* A short lease: renewal at half of it. */
    srp_client_set_lease(c, 200);
    assert_int_equal(srp_client_add_service(c, "ins2", "_test._udp", 2, 0, 0, NULL, 0, renew + 20),
                     SRP_CLIENT_ERR_OK);
    t = send_next(c, renew + 20, &s);
    assert_int_equal(c->services[0].state + c->services[1].state,
                     SRP_CLIENT_REGISTERED + SRP_CLIENT_ADDING);
    server_accepts(&s, &u, &reg, t);
    assert_int_equal(u.lease, 200);
    assert_int_equal(u.nservices, 2);
    al = answer(msg_id(&s), SRP_OK, 200, 86400, ans, sizeof ans);
    assert_true(rx(c, t + 10, ans, al));
    assert_int_equal(srp_client_next_timeout(c), t + 100000);

    /* No Update Lease option in the answer: what was asked is granted. */
    t = send_next(c, t + 100000, &s);
    uint8_t bare[DNS_HDR_LEN] = {s.msg[0], s.msg[1], 0xa8, 0};
    assert_true(rx(c, t + 5, bare, sizeof bare));
    assert_int_equal(c->granted_lease, 200);
    assert_int_equal(c->granted_key_lease, 1209600);
}

/* No answer: the wait grows x1.7 from 1800 ms; the same update (same ID)
 * goes again after jitter. */
static void test_retry_no_answer(void **state)
{
    (void)state;
    uint64_t now = 0;
    struct srp_client *c = ready_client(now);
    struct sent s;
    uint64_t t = send_next(c, now, &s);
    uint16_t id = msg_id(&s);
    uint32_t want[] = {1800, 3060, 5202, 8840, 15028}; /* x / 10 * 17 */
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(c->retry_ms, want[i]);
        assert_int_equal(srp_client_next_timeout(c), t + want[i]);
        assert_false(poll_at(c, t + want[i] - 1, &s));
        uint64_t t2 = send_next(c, t + want[i], &s);
        assert_true(t2 >= t + want[i] + 10 && t2 <= t + want[i] + 500);
        assert_int_equal(msg_id(&s), id);
        assert_int_equal(c->host_state, SRP_CLIENT_ADDING);
        t = t2;
    }
    assert_int_equal(c->tx_count, 6);
    /* capped at one hour */
    c->retry_ms = 3000000;
    send_next(c, t, &s);
    assert_int_equal(c->retry_ms, 3600000);
}

/* A refusal: counted, the host goes back to ToAdd, the update goes again
 * (a new ID) when the wait would have ended; the wait grows. */
static void test_retry_rejected(void **state)
{
    (void)state;
    uint8_t ans[64];
    uint64_t now = 100;
    struct srp_client *c = ready_client(now);
    struct sent s;
    uint64_t t = send_next(c, now, &s);
    uint16_t id = msg_id(&s);
    size_t al = answer(id, SRP_ERR_NAME_CLAIMED, 0, 0, ans, sizeof ans);
    assert_int_equal(ans[3] & 0x0f, 6); /* YXDOMAIN */
    assert_true(rx(c, t + 30, ans, al));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_REJECTED], 1);
    assert_int_equal(c->rx_ok, 0);
    assert_false(c->waiting);
    assert_int_equal(c->host_state, SRP_CLIENT_TO_ADD);
    assert_int_equal(c->retry_ms, 3060);
    assert_int_equal(srp_client_next_timeout(c), t + 1800);
    assert_false(poll_at(c, t + 1799, &s));
    assert_true(poll_at(c, t + 1800, &s));
    assert_int_not_equal(msg_id(&s), id);
    assert_int_equal(c->host_state, SRP_CLIENT_ADDING);
    assert_int_equal(srp_client_next_timeout(c), t + 1800 + 3060);
    /* a second refusal grows it again; success resets it */
    al = answer(msg_id(&s), SRP_ERR_SIG_FAILED, 0, 0, ans, sizeof ans);
    assert_true(rx(c, t + 1900, ans, al));
    assert_int_equal(c->retry_ms, 5202);
    uint64_t t2 = send_next(c, t + 1900, &s);
    assert_int_equal(t2, t + 1800 + 3060);
    al = answer(msg_id(&s), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_true(rx(c, t2 + 1, ans, al));
    assert_int_equal(c->retry_ms, 1800);
    assert_int_equal(c->host_state, SRP_CLIENT_REGISTERED);
}

static void register_now(struct srp_client *c, uint64_t *now, struct srp_registry *reg)
{
    uint8_t ans[64];
    struct sent s;
    static struct srp_update u;
    uint64_t t = send_next(c, *now, &s);
    server_accepts(&s, &u, reg, t);
    size_t al = answer(msg_id(&s), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_true(rx(c, t + 1, ans, al));
    *now = t + 1;
}

static void test_remove_service(void **state)
{
    (void)state;
    uint8_t ans[64];
    uint64_t now = 0;
    struct srp_client *c = ready_client(now);
    static struct srp_registry reg;
    static struct srp_update u;
    struct sent s;
    srp_registry_init(&reg);
    assert_int_equal(srp_client_add_service(c, "ins2", "_b._tcp", 80, 0, 0, NULL, 0, now),
                     SRP_CLIENT_ERR_OK);
    register_now(c, &now, &reg);

    assert_int_equal(srp_client_remove_service(c, "ins1", "_nope._udp", false, now),
                     SRP_CLIENT_ERR_NOT_FOUND);
    assert_int_equal(srp_client_remove_service(c, "ins1", "_test._udp", false, now),
                     SRP_CLIENT_ERR_OK);
    assert_int_equal(c->services[0].state, SRP_CLIENT_TO_REMOVE);
    uint64_t t = send_next(c, now, &s);
    assert_int_equal(c->services[0].state, SRP_CLIENT_REMOVING);
    server_accepts(&s, &u, &reg, t);
    assert_int_equal(u.nservices, 2);
    assert_true(u.lease > 0);
    unsigned removed = 0;
    for (unsigned i = 0; i < u.nservices; i++)
        if (u.services[i].remove) {
            char text[DNS_NAME_TEXT_MAX];
            dns_name_to_text(&u.services[i].instance, text, sizeof text);
            assert_string_equal(text, "ins1._test._udp.default.service.arpa.");
            assert_false(u.services[i].has_srv);
            removed++;
        }
    assert_int_equal(removed, 1);
    /* the server marks it deleted, the other one stays */
    const struct srp_host *hp = srp_registry_next_host(&reg, NULL);
    unsigned live = 0, gone = 0;
    for (const struct srp_service *sp = srp_registry_next_service(&reg, hp, NULL); sp;
         sp = srp_registry_next_service(&reg, hp, sp))
        sp->deleted ? gone++ : live++;
    assert_int_equal(live, 1);
    assert_int_equal(gone, 1);
    size_t al = answer(msg_id(&s), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_true(rx(c, t + 1, ans, al));
    assert_false(c->services[0].used); /* forgotten once removed */
    assert_true(c->services[1].used);
    assert_int_equal(c->services[1].state, SRP_CLIENT_REGISTERED);

    /* clear: gone at once, nothing sent */
    assert_int_equal(srp_client_remove_service(c, "ins2", "_b._tcp", true, t + 2),
                     SRP_CLIENT_ERR_OK);
    assert_false(c->services[1].used);
    assert_false(poll_at(c, t + 1000, &s));
}

static void test_remove_host(void **state)
{
    (void)state;
    uint8_t ans[64];
    uint64_t now = 0;
    struct srp_client *c = ready_client(now);
    static struct srp_registry reg;
    static struct srp_update u;
    struct sent s;
    srp_registry_init(&reg);
    register_now(c, &now, &reg);

    assert_int_equal(srp_client_remove_host(c, false, false, now), SRP_CLIENT_ERR_OK);
    assert_int_equal(c->host_state, SRP_CLIENT_TO_REMOVE);
    assert_int_equal(c->services[0].state, SRP_CLIENT_TO_REMOVE);
    uint64_t t = send_next(c, now, &s);
    assert_int_equal(c->host_state, SRP_CLIENT_REMOVING);
    server_accepts(&s, &u, &reg, t);
    assert_int_equal(u.lease, 0);
    assert_int_equal(u.key_lease, 1209600);
    assert_int_equal(u.nservices, 0);
    const struct srp_host *hp = srp_registry_next_host(&reg, NULL);
    assert_non_null(hp);
    assert_true(hp->deleted); /* name kept for the key lease */
    size_t al = answer(msg_id(&s), SRP_OK, 0, 1209600, ans, sizeof ans);
    assert_true(rx(c, t + 1, ans, al));
    assert_int_equal(c->host_state, SRP_CLIENT_REMOVED);
    assert_string_equal(c->host_name, "");
    assert_false(c->services[0].used);
    assert_int_equal(srp_client_next_timeout(c), UINT64_MAX);
    assert_int_equal(srp_client_remove_host(c, false, false, t + 2), SRP_CLIENT_ERR_ALREADY);
    {
        /* the node's addresses change: a cleared host stays Removed */
        const uint8_t a0[1][16] = {{0xfd, 0x99, [15] = 1}};
        srp_client_set_auto_addrs(c, a0, 1, t + 3);
        assert_int_equal(c->host_state, SRP_CLIENT_REMOVED);
        assert_int_equal(srp_client_next_timeout(c), UINT64_MAX);
    }

    /* Register again, then remove with the key lease: lease 0, key lease 0,
     * the server forgets the name. */
    const uint8_t a1[1][16] = {{0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34}};
    now = t + 10;
    assert_int_equal(srp_client_set_host_name(c, "dev1", now), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_addrs(c, a1, 1, now), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_add_service(c, "ins1", "_test._udp", 1, 0, 0, NULL, 0, now),
                     SRP_CLIENT_ERR_OK);
    register_now(c, &now, &reg);
    assert_int_equal(srp_client_remove_host(c, true, false, now), SRP_CLIENT_ERR_OK);
    t = send_next(c, now, &s);
    server_accepts(&s, &u, &reg, t);
    assert_int_equal(u.lease, 0);
    assert_int_equal(u.key_lease, 0);
    assert_null(srp_registry_next_host(&reg, NULL));

    /* A host never registered is just cleared (unless sendunregtoserver). */
    struct srp_client c2;
    new_client(&c2);
    assert_int_equal(srp_client_set_host_name(&c2, "dev2", 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_remove_host(&c2, false, false, 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(c2.host_state, SRP_CLIENT_REMOVED);
    assert_string_equal(c2.host_name, "");
    assert_int_equal(srp_client_set_host_name(&c2, "dev2", 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_remove_host(&c2, false, true, 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(c2.host_state, SRP_CLIENT_TO_REMOVE);
}

/* Whatever is not the answer is counted and changes nothing. */
static void test_hostile_answers(void **state)
{
    (void)state;
    uint8_t ans[128];
    uint64_t now = 0;
    struct srp_client *c = ready_client(now);
    struct sent s;

    /* nothing in flight yet */
    size_t al = answer(1, SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_false(rx(c, now, ans, al));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_NOT_WAITING], 1);

    uint64_t t = send_next(c, now, &s);
    uint16_t id = msg_id(&s);
    /* wrong ID */
    al = answer((uint16_t)(id + 1), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_false(rx(c, t + 1, ans, al));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_WRONG_ID], 1);
    /* right ID, wrong address or port */
    al = answer(id, SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_false(srp_client_rx(c, t + 1, ans, al, server_b, SPORT));
    assert_false(srp_client_rx(c, t + 1, ans, al, server_a, SPORT + 1));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_WRONG_SOURCE], 2);
    /* QR=0: our own update reflected */
    assert_false(rx(c, t + 1, s.msg, s.len));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_NOT_RESPONSE], 1);
    /* a response with another opcode (QUERY) */
    uint8_t q[DNS_HDR_LEN] = {(uint8_t)(id >> 8), (uint8_t)id, 0x80, 0};
    assert_false(rx(c, t + 1, q, sizeof q));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_NOT_RESPONSE], 2);
    /* garbage: short, counts that lie, random bytes */
    uint8_t g[64];
    assert_false(rx(c, t + 1, g, 5));
    uint8_t lie[DNS_HDR_LEN] = {(uint8_t)(id >> 8), (uint8_t)id, 0xa8, 0, 0, 0, 0, 0, 0, 0, 0, 3};
    assert_false(rx(c, t + 1, lie, sizeof lie));
    uint32_t x = 99;
    for (int k = 0; k < 200; k++) {
        for (size_t i = 0; i < sizeof g; i++) {
            x = x * 1103515245u + 12345u;
            g[i] = (uint8_t)(x >> 16);
        }
        g[2] = 0xa8; /* QR + UPDATE so that the parser decides */
        g[0] = (uint8_t)(id >> 8);
        g[1] = (uint8_t)id;
        rx(c, t + 1, g, sizeof g);
        assert_true(c->waiting || c->drops[SRP_CLIENT_DROP_REJECTED] > 0 || c->rx_ok > 0);
        if (!c->waiting)
            break;
    }
    assert_true(c->drops[SRP_CLIENT_DROP_MALFORMED] >= 2);
    assert_false(rx(c, t + 1, NULL, 0));

    /* A bad Update Lease option (5 octets) is malformed: still waiting. */
    c->waiting = true;
    c->host_state = SRP_CLIENT_ADDING;
    struct dns_builder b;
    uint8_t m[64];
    const uint8_t bad_opt[] = {0, 2, 0, 5, 0, 0, 1, 0, 0};
    struct dns_opt o = {1232, 0, 0, 0, bad_opt, sizeof bad_opt};
    dns_build_init(&b, m, sizeof m, id, DNS_FLAG_QR | (DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT));
    assert_int_equal(dns_build_opt(&b, &o), DNS_OK);
    size_t ml;
    assert_int_equal(dns_build_finish(&b, &ml), DNS_OK);
    uint64_t before = c->drops[SRP_CLIENT_DROP_MALFORMED];
    assert_false(rx(c, t + 2, m, ml));
    assert_int_equal(c->drops[SRP_CLIENT_DROP_MALFORMED], before + 1);
    assert_true(c->waiting);

    /* The real answer is still accepted. */
    al = answer(id, SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_true(rx(c, t + 3, ans, al));
    assert_int_equal(c->host_state, SRP_CLIENT_REGISTERED);
    /* and a duplicate of it is not */
    assert_false(rx(c, t + 4, ans, al));
}

/* Auto-start: a server starts the client, another one restarts the
 * registration there, none stops it; `start`/`stop` by the user. */
static void test_autostart(void **state)
{
    (void)state;
    uint8_t ans[64];
    static struct srp_client c;
    static struct srp_registry reg;
    struct sent s;
    uint64_t now = 0;
    srp_registry_init(&reg);
    new_client(&c);
    const uint8_t a1[1][16] = {{0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34}};
    assert_int_equal(srp_client_set_host_name(&c, "dev1", now), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_auto_addr(&c, now), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_add_service(&c, "ins1", "_test._udp", 1, 0, 0, NULL, 0, now),
                     SRP_CLIENT_ERR_OK);
    /* no server: stopped, nothing to do */
    srp_client_set_server(&c, NULL, 0, now);
    assert_false(c.running);
    assert_false(poll_at(&c, 100000, &s));
    assert_int_equal(srp_client_next_timeout(&c), UINT64_MAX);

    srp_client_set_server(&c, server_a, SPORT, now);
    assert_true(c.running);
    assert_true(c.server_auto);
    /* auto addresses not known yet: nothing is sent */
    assert_false(poll_at(&c, 1000, &s));
    srp_client_set_auto_addrs(&c, a1, 1, 1000);
    uint64_t t = send_next(&c, 1000, &s);
    assert_memory_equal(s.dst, server_a, 16);
    size_t al = answer(msg_id(&s), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_true(rx(&c, t + 1, ans, al));
    assert_int_equal(c.host_state, SRP_CLIENT_REGISTERED);

    /* the same server again: nothing changes */
    srp_client_set_server(&c, server_a, SPORT, t + 2);
    assert_int_equal(c.host_state, SRP_CLIENT_REGISTERED);
    assert_true(srp_client_next_timeout(&c) > t + 3600000);

    /* another server: registered again there */
    srp_client_set_server(&c, server_b, SPORT, t + 10);
    assert_int_equal(c.host_state, SRP_CLIENT_TO_REFRESH);
    t = send_next(&c, t + 10, &s);
    assert_memory_equal(s.dst, server_b, 16);
    assert_int_equal(c.host_state, SRP_CLIENT_REFRESHING);
    al = answer(msg_id(&s), SRP_OK, 7200, 1209600, ans, sizeof ans);
    assert_false(rx(&c, t + 1, ans, al)); /* from A: not the server */
    assert_true(srp_client_rx(&c, t + 1, ans, al, server_b, SPORT));
    assert_int_equal(c.host_state, SRP_CLIENT_REGISTERED);

    /* an address change re-registers */
    const uint8_t a2[2][16] = {{0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34},
                               {0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef}};
    srp_client_set_auto_addrs(&c, a2, 2, t + 5);
    assert_int_equal(c.host_state, SRP_CLIENT_TO_REFRESH);
    t = send_next(&c, t + 5, &s);
    static struct srp_update u;
    server_accepts(&s, &u, &reg, t);
    assert_int_equal(u.naddrs, 2);

    /* the server leaves: stopped, items to be sent again */
    srp_client_set_server(&c, NULL, 0, t + 20);
    assert_false(c.running);
    assert_false(c.waiting);
    assert_int_equal(c.host_state, SRP_CLIENT_TO_REFRESH);
    assert_int_equal(c.server_port, 0);

    /* `srp client start` by hand: auto-start leaves it alone */
    assert_int_equal(srp_client_start(&c, server_a, 1234, t + 30), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_start(&c, server_a, 1234, t + 30), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_start(&c, server_b, 1234, t + 30), SRP_CLIENT_ERR_BUSY);
    srp_client_set_server(&c, server_b, SPORT, t + 31);
    assert_memory_equal(c.server, server_a, 16);
    srp_client_set_server(&c, NULL, 0, t + 31);
    assert_true(c.running);
    /* `srp client stop`: stopped and autostart off */
    srp_client_stop(&c, t + 40);
    assert_false(c.running);
    assert_false(c.autostart);
    srp_client_set_server(&c, server_b, SPORT, t + 41);
    assert_false(c.running);
    srp_client_set_autostart(&c, true, t + 42);
    srp_client_set_server(&c, server_b, SPORT, t + 43);
    assert_true(c.running);
    assert_memory_equal(c.server, server_b, 16);
}

/* Argument rules and OpenThread's preconditions. */
static void test_arguments(void **state)
{
    (void)state;
    struct srp_client c;
    new_client(&c);
    assert_int_equal(srp_client_set_host_name(&c, "", 0), SRP_CLIENT_ERR_INVALID_ARGS);
    assert_int_equal(srp_client_set_host_name(&c, "a.b", 0), SRP_CLIENT_ERR_INVALID_ARGS);
    char long_name[80];
    memset(long_name, 'x', sizeof long_name);
    long_name[64] = '\0';
    assert_int_equal(srp_client_set_host_name(&c, long_name, 0), SRP_CLIENT_ERR_INVALID_ARGS);
    long_name[63] = '\0';
    assert_int_equal(srp_client_set_host_name(&c, long_name, 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_host_name(&c, "dev-1_a", 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_addrs(&c, NULL, 0, 0), SRP_CLIENT_ERR_INVALID_ARGS);
    uint8_t many[9][16];
    memset(many, 0, sizeof many);
    assert_int_equal(srp_client_set_addrs(&c, (const uint8_t(*)[16])many, 9, 0),
                     SRP_CLIENT_ERR_NO_BUFS);

    assert_int_equal(srp_client_add_service(&c, "i", "_t..udp", 1, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_INVALID_ARGS);
    assert_int_equal(srp_client_add_service(&c, "i", "_t._udp.", 1, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_INVALID_ARGS);
    assert_int_equal(srp_client_add_service(&c, "", "_t._udp", 1, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_INVALID_ARGS);
    const uint8_t bad_txt[] = {5, 'a'};
    assert_int_equal(srp_client_add_service(&c, "i", "_t._udp", 1, 0, 0, bad_txt, 2, 0),
                     SRP_CLIENT_ERR_INVALID_ARGS);
    /* instance names may hold dots and spaces (one label) */
    assert_int_equal(srp_client_add_service(&c, "My Printer 2.0", "_t._udp", 1, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_add_service(&c, "My Printer 2.0", "_t._udp", 2, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_ALREADY);
    char nm[8];
    for (int i = 1; i < SRP_CLIENT_MAX_SERVICES; i++) {
        snprintf(nm, sizeof nm, "s%d", i);
        assert_int_equal(srp_client_add_service(&c, nm, "_t._udp", 1, 0, 0, NULL, 0, 0),
                         SRP_CLIENT_ERR_OK);
    }
    assert_int_equal(srp_client_add_service(&c, "full", "_t._udp", 1, 0, 0, NULL, 0, 0),
                     SRP_CLIENT_ERR_NO_BUFS);

    /* the name is fixed once the host is being added */
    const uint8_t a1[1][16] = {{0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34}};
    assert_int_equal(srp_client_set_addrs(&c, a1, 1, 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_start(&c, server_a, SPORT, 0), SRP_CLIENT_ERR_OK);
    struct sent s;
    send_next(&c, 0, &s);
    assert_int_equal(srp_client_set_host_name(&c, "other", 1), SRP_CLIENT_ERR_INVALID_STATE);
    static struct srp_update u;
    assert_int_equal(srp_parse_update(s.msg, s.len, &u), SRP_OK);
    assert_int_equal(srp_verify_sig0(s.msg, s.len, &u), SRP_OK);
    assert_int_equal(u.nservices, SRP_CLIENT_MAX_SERVICES);

    /* while a removal is under way addresses cannot change */
    assert_int_equal(srp_client_remove_host(&c, false, false, 2), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_addrs(&c, a1, 1, 2), SRP_CLIENT_ERR_INVALID_STATE);

    /* lease setters: 0 means the default */
    srp_client_set_lease(&c, 0);
    assert_int_equal(c.lease, 7200);
    srp_client_set_key_lease(&c, 99);
    assert_int_equal(c.key_lease, 99);
    srp_client_set_key_lease(&c, 0);
    assert_int_equal(c.key_lease, 1209600);

    /* clear forgets everything at once */
    srp_client_clear_host(&c, 3);
    assert_int_equal(c.host_state, SRP_CLIENT_REMOVED);
    assert_false(c.waiting);
    for (int i = 0; i < SRP_CLIENT_MAX_SERVICES; i++)
        assert_false(c.services[i].used);
}

/* No update without a service, an address, a name or a server. */
static void test_nothing_to_send(void **state)
{
    (void)state;
    struct srp_client c;
    struct sent s;
    new_client(&c);
    assert_int_equal(srp_client_start(&c, server_a, SPORT, 0), SRP_CLIENT_ERR_OK);
    assert_int_equal(srp_client_set_host_name(&c, "dev1", 0), SRP_CLIENT_ERR_OK);
    const uint8_t a1[1][16] = {{0xfd, 0x11, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34}};
    assert_int_equal(srp_client_set_addrs(&c, a1, 1, 0), SRP_CLIENT_ERR_OK);
    assert_false(poll_at(&c, 10000, &s));
    assert_int_equal(srp_client_next_timeout(&c), UINT64_MAX);
    assert_int_equal(srp_client_add_service(&c, "i", "_t._udp", 1, 0, 0, NULL, 0, 10000),
                     SRP_CLIENT_ERR_OK);
    assert_true(srp_client_next_timeout(&c) <= 10500);
    srp_client_stop(&c, 10001);
    assert_false(poll_at(&c, 20000, &s));
    assert_int_equal(c.tx_count, 0);
}

/* ---- OpenThread's CLI text -------------------------------------------------------------- */

struct lines {
    char buf[2048];
    size_t n;
};

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    int k = snprintf(l->buf + l->n, sizeof l->buf - l->n, "%s\n", line);
    assert_true(k > 0 && (size_t)k < sizeof l->buf - l->n);
    l->n += (size_t)k;
}

static void test_fmt(void **state)
{
    (void)state;
    struct srp_client c;
    struct lines l = {{0}, 0};
    new_client(&c);
    srp_client_fmt_host(&c, collect, &l);
    assert_string_equal(l.buf, "name:(null), state:Removed, addrs:auto\n");
    srp_client_fmt_services(&c, collect, &l);
    assert_int_equal(l.n, strlen("name:(null), state:Removed, addrs:auto\n"));

    l.n = 0;
    const uint8_t a2[2][16] = {{0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34},
                               {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xef}};
    srp_client_set_host_name(&c, "dev4312", 0);
    srp_client_set_addrs(&c, a2, 2, 0);
    srp_client_fmt_host(&c, collect, &l);
    assert_string_equal(l.buf, "name:\"dev4312\", state:ToAdd, "
                               "addrs:[fd00:0:0:0:0:0:0:1234, fd00:0:0:0:0:0:0:beef]\n");
    l.n = 0;
    srp_client_set_auto_addr(&c, 0);
    srp_client_fmt_host(&c, collect, &l);
    assert_string_equal(l.buf, "name:\"dev4312\", state:ToAdd, addrs:auto\n");

    l.n = 0;
    srp_client_add_service(&c, "ins1", "_test1._udp", 777, 0, 0, NULL, 0, 0);
    srp_client_add_service(&c, "ins2", "_test2._udp", 111, 1, 1, NULL, 0, 0);
    srp_client_fmt_services(&c, collect, &l);
    assert_string_equal(
        l.buf, "instance:\"ins2\", name:\"_test2._udp\", state:ToAdd, port:111, priority:1, "
               "weight:1\n"
               "instance:\"ins1\", name:\"_test1._udp\", state:ToAdd, port:777, priority:0, "
               "weight:0\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_update_verifies_and_applies),
        cmocka_unit_test(test_register_and_renew),
        cmocka_unit_test(test_retry_no_answer),
        cmocka_unit_test(test_retry_rejected),
        cmocka_unit_test(test_remove_service),
        cmocka_unit_test(test_remove_host),
        cmocka_unit_test(test_hostile_answers),
        cmocka_unit_test(test_autostart),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_nothing_to_send),
        cmocka_unit_test(test_fmt),
    };
    return cmocka_run_group_tests_name("srp_client", tests, NULL, NULL);
}
