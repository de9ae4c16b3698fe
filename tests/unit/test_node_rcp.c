/*
 * A node on a radio that retries itself (RADIO_CAP_AUTO_ACK |
 * RADIO_CAP_TX_RETRIES, as the Spinel RCP): the radio's tx-done reports go
 * through tnode_radio_tx_done() to the MAC, the node's queue goes on after
 * every outcome (also when no report comes: the MAC's safety deadline), and
 * `counters mac` shows them in OpenThread's names (TxErrCca,
 * TxErrBusyChannel, TxErrAbort).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/node_cli.h"
#include "mac/mac.h"
#include "support/medium.h"
#include "thread/node.h"

struct fake_rcp {
    unsigned transmits;
};

static int rcp_transmit(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    (void)psdu;
    (void)channel;
    assert_true(len >= 1 && len <= MAC_PSDU_MAX);
    ((struct fake_rcp *)radio)->transmits++;
    return 0;
}

static int rcp_set_channel(void *radio, uint8_t channel)
{
    (void)radio;
    (void)channel;
    return 0;
}

static const struct radio_ops rcp_ops = {
    .caps = RADIO_CAP_AUTO_ACK | RADIO_CAP_TX_RETRIES,
    .transmit = rcp_transmit,
    .set_channel = rcp_set_channel,
};

static void fixed_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(0x5a + 7 * i);
}

static void report(struct tnode *n, enum radio_tx_status st, uint64_t now)
{
    struct radio_tx_done d = {.status = st, .now_ms = now};
    tnode_radio_tx_done(n, &d);
}

/* `counters mac` on n holds want. */
static void expect_counter(struct tnode *n, const char *want)
{
    struct node_cli c;
    struct tm_capture cap;
    tm_capture_open(&cap);
    node_cli_init(&c, n);
    node_cli_run_line(&c, "counters mac", 0, cap.f);
    const char *out = tm_capture_take(&cap);
    if (strstr(out, want) == NULL || strstr(out, "\nDone\n") == NULL)
        fail_msg("no '%s' in '%s'", want, out);
    node_cli_detach(&c);
    tm_capture_close(&cap);
}

static void test_tx_done_reports(void **state)
{
    struct fake_rcp radio = {0};
    struct tnode_cfg cfg;
    uint64_t now = 1000;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 1;
    cfg.radio_ops = &rcp_ops;
    cfg.radio = &radio;
    cfg.random = fixed_random;
    cfg.router_eligible = true;
    struct tnode *n = tnode_new(&cfg, now);
    assert_non_null(n);
    assert_int_equal(tnode_dataset_init_new(n), OT_ERR_NONE);
    assert_int_equal(tnode_dataset_commit_active(n, now), OT_ERR_NONE);
    assert_int_equal(tnode_ifconfig(n, true, now), OT_ERR_NONE);
    assert_int_equal(tnode_thread_start(n, now), OT_ERR_NONE);

    /* Run until MLE has a frame at the radio; without reports nothing more
     * goes out however often the node runs (one frame in flight). */
    for (unsigned i = 0; i < 100 && radio.transmits == 0; i++)
        tnode_process(n, now += 10);
    assert_int_equal(radio.transmits, 1);
    const struct mac_layer_counters *mc = tnode_mac_counters(n);
    for (unsigned i = 0; i < 50; i++)
        tnode_process(n, now += 10);
    assert_int_equal(radio.transmits, 1);
    int64_t t = tnode_next_timeout_ms(n, now);
    assert_true(t >= 0 && t <= MAC_LAYER_TX_DONE_TIMEOUT_MS);

    /* Each report completes the frame; the next one (if any) goes out. */
    report(n, RADIO_TX_CHANNEL_ACCESS_FAIL, now);
    assert_int_equal(mc->tx_channel_access_failures, 1);
    expect_counter(n, "\nTxErrCca: 1\nTxErrBusyChannel: 1\n");
    for (unsigned i = 0; i < 2000 && radio.transmits == 1; i++)
        tnode_process(n, now += 10);
    assert_int_equal(radio.transmits, 2);
    report(n, RADIO_TX_ABORTED, now);
    assert_int_equal(mc->tx_radio_aborted, 1);
    expect_counter(n, "\nTxErrAbort: 1\n");
    expect_counter(n, "\nTxErrRadio: 1\n");
    for (unsigned i = 0; i < 2000 && radio.transmits == 2; i++)
        tnode_process(n, now += 10);
    assert_int_equal(radio.transmits, 3);

    /* No report at all: the safety deadline frees the queue. */
    uint64_t sent = now;
    while (mc->tx_done_timeouts == 0 && now < sent + MAC_LAYER_TX_DONE_TIMEOUT_MS + 1000)
        tnode_process(n, now += 100);
    assert_int_equal(mc->tx_done_timeouts, 1);
    expect_counter(n, "\nTxErrTxDoneTimeout: 1\n");
    expect_counter(n, "\nTxErrRadio: 2\n"); /* the abort and the deadline */
    assert_int_equal(mc->tx_done_unexpected, 0);
    tnode_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_done_reports),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
