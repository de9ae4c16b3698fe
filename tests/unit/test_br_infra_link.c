/*
 * br/infra_link.h over a fake ICMPv6 socket (struct icmp6_sock_ops): the
 * first RA with the OMR route (RIO) and our on-link prefix (PIO), RFC 4861
 * timers (initial interval, then [Min, Max]RtrAdvInterval), RS answered no
 * sooner than MIN_DELAY_BETWEEN_RAS after the last RA, bad messages
 * counted, another router's on-link prefix preferred until it expires,
 * PREF64 handed on only as RFC 8781 and the configuration allow (off by
 * default, any router, one router; a withdrawal only by the router whose
 * prefix is in use), and the final RA withdrawing everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "br/infra_link.h"
#include "br/ra.h"

struct fake {
    struct ra_msg sent[16];
    unsigned n_sent;
    int send_rc;
    struct {
        uint8_t msg[256], src[16];
        size_t len;
        int hlim;
    } in[4];
    unsigned n_in, at_in;
    struct addr_prefix6 pref64;
    uint32_t pref64_life;
    unsigned n_pref64;
    uint32_t rnd;
};

static int send_all(void *sock, const uint8_t *msg, size_t len, char *err, size_t errlen)
{
    struct fake *f = sock;

    if (f->send_rc != 0) {
        snprintf(err, errlen, "no link-local address");
        return -1;
    }
    assert_true(f->n_sent < 16);
    assert_true(ra_parse(msg, len, &f->sent[f->n_sent++]));
    return 0;
}

static ssize_t recv_one(void *sock, uint8_t *buf, size_t cap, uint8_t src[16], int *hlim, char *err,
                        size_t errlen)
{
    struct fake *f = sock;

    (void)err;
    (void)errlen;
    if (f->at_in >= f->n_in)
        return 0;
    assert_true(f->in[f->at_in].len <= cap);
    memcpy(buf, f->in[f->at_in].msg, f->in[f->at_in].len);
    memcpy(src, f->in[f->at_in].src, 16);
    *hlim = f->in[f->at_in].hlim;
    return (ssize_t)f->in[f->at_in++].len;
}

static bool mac(void *sock, uint8_t out[6])
{
    (void)sock;
    memcpy(out, "\x02\x00\x00\x00\x00\x01", 6);
    return true;
}

static const struct icmp6_sock_ops fake_ops = {send_all, recv_one, mac};

static void rnd(void *user, uint8_t *buf, size_t len)
{
    struct fake *f = user;

    memcpy(buf, &f->rnd, len < 4 ? len : 4);
}

static void on_pref64(void *user, const struct addr_prefix6 *p, uint32_t life, uint64_t now_ms)
{
    struct fake *f = user;

    (void)now_ms;
    f->pref64 = *p;
    f->pref64_life = life;
    f->n_pref64++;
}

static struct fake F;
static struct br_infra_link L;
static struct br_infra_link_input IN;
static const uint8_t XPANID[8] = {0xde, 0xad, 0x00, 0xbe, 0xef, 0x00, 0xca, 0xfe};

static void setup_link_pref64(enum br_infra_link_pref64 from, const char *router)
{
    struct br_infra_link_cfg cfg = {&fake_ops, &F, "eth0", rnd, NULL, on_pref64, &F, from, {0}};

    if (router != NULL)
        assert_true(addr_parse6(router, cfg.pref64_router));
    memset(&F, 0, sizeof(F));
    br_infra_link_init(&L, &cfg);
    memset(&IN, 0, sizeof(IN));
    IN.running = true;
    IN.has_omr = true;
    assert_true(addr_parse6("fd00:1:2:3::", IN.omr.addr));
    IN.omr.len = 64;
    IN.has_xpanid = true;
    memcpy(IN.xpanid, XPANID, 8);
}

static void setup_link(void)
{
    setup_link_pref64(BR_INFRA_LINK_PREF64_ANY, NULL);
}

static void queue_in(const uint8_t *msg, size_t len, const char *src, int hlim)
{
    assert_true(F.n_in < 4);
    memcpy(F.in[F.n_in].msg, msg, len);
    F.in[F.n_in].len = len;
    assert_true(addr_parse6(src, F.in[F.n_in].src));
    F.in[F.n_in].hlim = hlim;
    F.n_in++;
}

static void test_advertise_and_timers(void **state)
{
    struct addr_prefix6 local, on;
    uint64_t t = 1000;

    (void)state;
    setup_link();
    ra_onlink_prefix_from_xpanid(XPANID, &local);
    /* not running: nothing advertised or published */
    IN.running = false;
    assert_false(br_infra_link_update(&L, &IN, t));
    assert_int_equal(F.n_sent, 0);
    assert_int_equal(br_infra_link_next_ms(&L), BR_INFRA_LINK_NONE);
    /* running: the first RA at once, the on-link prefix published */
    IN.running = true;
    assert_true(br_infra_link_update(&L, &IN, t));
    assert_int_equal(F.n_sent, 1);
    assert_true(F.sent[0].has_slla);
    assert_int_equal(F.sent[0].n_rio, 1);
    assert_memory_equal(F.sent[0].rio[0].prefix.addr, IN.omr.addr, 16);
    assert_int_equal(F.sent[0].rio[0].lifetime_s, BR_INFRA_LINK_RA_LIFETIME_S);
    assert_int_equal(F.sent[0].n_pio, 1);
    assert_memory_equal(F.sent[0].pio[0].prefix.addr, local.addr, 16);
    assert_int_equal(F.sent[0].pio[0].valid_s, BR_INFRA_LINK_RA_LIFETIME_S);
    assert_true(br_infra_link_onlink(&L, &on));
    assert_memory_equal(on.addr, local.addr, 16);
    assert_int_equal(L.ctr.ra_tx, 1);
    /* RFC 4861 §6.2.4: initial RAs every MAX_INITIAL_RTR_ADVERT_INTERVAL ... */
    assert_int_equal(br_infra_link_next_ms(&L), t + BR_INFRA_LINK_RA_INITIAL_INTERVAL_MS);
    for (int i = 1; i < BR_INFRA_LINK_RA_INITIAL_COUNT; i++) {
        t = br_infra_link_next_ms(&L);
        assert_false(br_infra_link_update(&L, &IN, t));
    }
    assert_int_equal(F.n_sent, BR_INFRA_LINK_RA_INITIAL_COUNT);
    /* ... then within [MinRtrAdvInterval, MaxRtrAdvInterval] */
    assert_true(br_infra_link_next_ms(&L) >= t + BR_INFRA_LINK_RA_MIN_INTERVAL_MS);
    assert_true(br_infra_link_next_ms(&L) <= t + BR_INFRA_LINK_RA_MAX_INTERVAL_MS);
    /* nothing is sent before it is due */
    assert_false(br_infra_link_update(&L, &IN, t + 1000));
    assert_int_equal(F.n_sent, BR_INFRA_LINK_RA_INITIAL_COUNT);
    /* a send failure is retried a second later */
    F.send_rc = -1;
    IN.omr.addr[7] = 9; /* new content: due now */
    assert_false(br_infra_link_update(&L, &IN, t + 2000));
    assert_int_equal(L.ctr.ra_tx_errors, 1);
    assert_int_equal(br_infra_link_next_ms(&L), t + 3000);
    F.send_rc = 0;
    br_infra_link_update(&L, &IN, t + 3000);
    assert_int_equal(F.n_sent, BR_INFRA_LINK_RA_INITIAL_COUNT + 1);
    /* the old OMR route withdrawn beside the new one */
    assert_int_equal(F.sent[F.n_sent - 1].n_rio, 2);
    assert_int_equal(F.sent[F.n_sent - 1].rio[1].lifetime_s, 0);
    /* stop: the final RA with zero lifetimes */
    br_infra_link_stop(&L, t + 4000);
    assert_int_equal(F.sent[F.n_sent - 1].n_rio, 1);
    assert_int_equal(F.sent[F.n_sent - 1].rio[0].lifetime_s, 0);
    assert_int_equal(F.sent[F.n_sent - 1].pio[0].valid_s, 0);
}

static void test_rs_and_bad_input(void **state)
{
    static const uint8_t rs[8] = {133, 0, 0, 0, 0, 0, 0, 0};
    uint64_t t = 1000;

    (void)state;
    setup_link();
    br_infra_link_update(&L, &IN, t);
    assert_int_equal(F.n_sent, 1);
    /* hop limit not 255, or not from a link-local address: dropped */
    assert_false(br_infra_link_rx(&L, rs, sizeof(rs),
                                  (const uint8_t *)"\x20\x01\x0d\xb8"
                                                   "\0\0\0\0\0\0\0\0\0\0\0\1",
                                  255, t));
    queue_in(rs, sizeof(rs), "fe80::1", 64);
    queue_in((const uint8_t *)"\x86\x00", 2, "fe80::1", 255); /* a cut RA */
    /* an RS right after our RA: answered no sooner than MIN_DELAY_BETWEEN_RAS */
    queue_in(rs, sizeof(rs), "fe80::1", 255);
    assert_false(br_infra_link_read(&L, t + 100));
    assert_int_equal(L.ctr.icmp6_rx_bad, 3);
    assert_int_equal(L.ctr.rs_rx, 1);
    assert_int_equal(br_infra_link_next_ms(&L), t + BR_INFRA_LINK_RA_MIN_DELAY_MS);
    /* later: within MAX_RA_DELAY_TIME */
    br_infra_link_update(&L, &IN, t + BR_INFRA_LINK_RA_MIN_DELAY_MS);
    F.n_in = F.at_in = 0;
    F.rnd = 123;
    t += 10000;
    assert_false(br_infra_link_rx(&L, rs, sizeof(rs), L.onlink_local.addr /* not fe80 */, 255, t));
    queue_in(rs, sizeof(rs), "fe80::2", 255);
    br_infra_link_read(&L, t);
    assert_int_equal(L.ctr.rs_rx, 2);
    assert_true(br_infra_link_next_ms(&L) <= t + BR_INFRA_LINK_RA_RS_DELAY_MS);
}

static void test_other_router(void **state)
{
    struct ra_msg m;
    uint8_t buf[RA_MSG_MAX + 16];
    size_t len;
    struct addr_prefix6 on;
    uint64_t t = 1000;

    (void)state;
    setup_link();
    br_infra_link_update(&L, &IN, t);
    /* another router's on-link prefix (valid 100 s) and a PREF64 */
    memset(&m, 0, sizeof(m));
    m.n_pio = 1;
    assert_true(addr_parse6("2001:db8:1:2::", m.pio[0].prefix.addr));
    m.pio[0].prefix.len = 64;
    m.pio[0].on_link = m.pio[0].autonomous = true;
    m.pio[0].valid_s = m.pio[0].preferred_s = 100;
    len = ra_build(&m, buf, RA_MSG_MAX);
    assert_true(len > 0);
    /* PREF64 (RFC 8781 §4): 64:ff9b::/96, scaled lifetime 100 (800 s), PLC 0 */
    buf[len] = 38, buf[len + 1] = 2, buf[len + 2] = (uint8_t)(100 >> 5),
    buf[len + 3] = (uint8_t)((100 << 3) & 0xff);
    memset(buf + len + 4, 0, 12);
    buf[len + 4] = 0x00, buf[len + 5] = 0x64, buf[len + 6] = 0xff, buf[len + 7] = 0x9b;
    len += 16;
    assert_true(br_infra_link_rx(
        &L, buf, len, (const uint8_t *)"\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\7", 255, t + 10));
    assert_int_equal(L.ctr.ra_rx, 1);
    assert_true(br_infra_link_onlink(&L, &on));
    assert_memory_equal(on.addr, m.pio[0].prefix.addr, 16);
    assert_int_equal(F.n_pref64, 1);
    assert_int_equal(F.pref64.len, 96);
    assert_int_equal(F.pref64_life, 800);
    /* our PIO withdrawn at once (lifetime 0), the RIO stays */
    assert_int_equal(F.sent[F.n_sent - 1].n_pio, 1);
    assert_int_equal(F.sent[F.n_sent - 1].pio[0].valid_s, 0);
    assert_int_equal(F.sent[F.n_sent - 1].rio[0].lifetime_s, BR_INFRA_LINK_RA_LIFETIME_S);
    /* its prefix expires: ours again */
    assert_true(br_infra_link_update(&L, &IN, t + 10 + 100000));
    assert_true(br_infra_link_onlink(&L, &on));
    assert_int_equal(on.addr[0], 0xfd);
    /* not running: nothing published */
    IN.running = false;
    assert_true(br_infra_link_update(&L, &IN, t + 200000));
    assert_false(br_infra_link_onlink(&L, &on));
}

/* An RA holding one PREF64 (RFC 8781 §4, PLC 0): prefix/96, lifetime in s (a
 * multiple of 8). Its length. */
static size_t ra_pref64(uint8_t *buf, const char *prefix, unsigned lifetime_s)
{
    struct ra_msg m;
    size_t len;
    unsigned sl = lifetime_s / 8;

    memset(&m, 0, sizeof(m));
    len = ra_build(&m, buf, RA_MSG_MAX);
    assert_true(len > 0);
    buf[len] = 38, buf[len + 1] = 2;
    buf[len + 2] = (uint8_t)(sl >> 5), buf[len + 3] = (uint8_t)((sl << 3) & 0xff);
    uint8_t a[16];
    assert_true(addr_parse6(prefix, a));
    memcpy(buf + len + 4, a, 12);
    return len + 16;
}

static bool rx_from(const uint8_t *buf, size_t len, const char *src, int hlim, uint64_t t)
{
    uint8_t a[16];

    assert_true(addr_parse6(src, a));
    return br_infra_link_rx(&L, buf, len, a, hlim, t);
}

/* Issue 11: any link-local host could set the NAT64 prefix with a PREF64. */
static void test_pref64_policy(void **state)
{
    uint8_t buf[RA_MSG_MAX + 16];
    size_t len;
    uint64_t t = 1000;

    (void)state;
    /* default (OFF, as OpenThread): a valid router RA's PREF64 is not taken */
    setup_link_pref64(BR_INFRA_LINK_PREF64_OFF, NULL);
    len = ra_pref64(buf, "2001:db8:64::", 800);
    rx_from(buf, len, "fe80::7", 255, t);
    assert_int_equal(L.ctr.ra_rx, 1);
    assert_int_equal(F.n_pref64, 0);
    assert_int_equal(L.ctr.pref64_ignored, 1);
    assert_int_equal(L.ctr.pref64_rx, 0);
    {
        struct br_infra_link_cfg zero;

        memset(&zero, 0, sizeof(zero));
        assert_int_equal(zero.pref64_from, BR_INFRA_LINK_PREF64_OFF); /* the default */
    }

    /* ANY: only from a valid RA (RFC 4861 §6.1.2: hop limit 255, link-local) */
    setup_link_pref64(BR_INFRA_LINK_PREF64_ANY, NULL);
    rx_from(buf, len, "fe80::7", 64, t);
    rx_from(buf, len, "2001:db8::7", 255, t);
    assert_int_equal(F.n_pref64, 0);
    assert_int_equal(L.ctr.icmp6_rx_bad, 2);
    rx_from(buf, len, "fe80::7", 255, t);
    assert_int_equal(F.n_pref64, 1);
    assert_int_equal(F.pref64.len, 96);
    assert_int_equal(F.pref64_life, 800);
    assert_int_equal(L.ctr.pref64_rx, 1);
    /* another router's zero lifetime for another prefix does not withdraw ours */
    len = ra_pref64(buf, "2001:db8:99::", 0);
    rx_from(buf, len, "fe80::8", 255, t + 1);
    assert_int_equal(F.n_pref64, 1);
    assert_int_equal(L.ctr.pref64_ignored, 1);
    /* nor does its zero lifetime for our prefix */
    len = ra_pref64(buf, "2001:db8:64::", 0);
    rx_from(buf, len, "fe80::8", 255, t + 2);
    assert_int_equal(F.n_pref64, 1);
    assert_int_equal(L.ctr.pref64_ignored, 2);
    /* the router that gave it withdraws it (§4: lifetime 0) */
    rx_from(buf, len, "fe80::7", 255, t + 3);
    assert_int_equal(F.n_pref64, 2);
    assert_int_equal(F.pref64_life, 0);
    /* once expired, a late withdrawal has nothing to withdraw */
    len = ra_pref64(buf, "2001:db8:64::", 16);
    rx_from(buf, len, "fe80::7", 255, t + 4);
    assert_int_equal(F.n_pref64, 3);
    len = ra_pref64(buf, "2001:db8:64::", 0);
    rx_from(buf, len, "fe80::7", 255, t + 4 + 16000);
    assert_int_equal(F.n_pref64, 3);

    /* ROUTER: only the named router */
    setup_link_pref64(BR_INFRA_LINK_PREF64_ROUTER, "fe80::1");
    len = ra_pref64(buf, "2001:db8:64::", 800);
    rx_from(buf, len, "fe80::7", 255, t);
    assert_int_equal(F.n_pref64, 0);
    assert_int_equal(L.ctr.pref64_ignored, 1);
    rx_from(buf, len, "fe80::1", 255, t);
    assert_int_equal(F.n_pref64, 1);
    assert_int_equal(L.ctr.pref64_rx, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pref64_policy),
        cmocka_unit_test(test_advertise_and_timers),
        cmocka_unit_test(test_rs_and_bad_input),
        cmocka_unit_test(test_other_router),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
