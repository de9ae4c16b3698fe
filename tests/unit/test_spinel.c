/*
 * The Spinel codec (radio/spinel.h): vectors of tests/vectors/spinel/
 * (frames, radio frames and transmit-done values captured from the real
 * ot-rcp; packed-int edge cases; the transmit request as RadioSpinel packs
 * it), every truncation of each value, and the little readers' bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../support/linevec.h"
#include "radio/spinel.h"

#define LINE_MAX_ 2048

static void check_uint(const char *rest)
{
    char hex[64];
    unsigned long long want;
    uint8_t b[16], e[SPINEL_PACKED_UINT_MAX_LEN];
    assert_int_equal(sscanf(rest, "%63s %llu", hex, &want), 2);
    long n = linevec_hex(hex, b, sizeof(b));
    assert_true(n > 0);
    struct rd r = rd_init(b, (size_t)n);
    uint32_t v;
    assert_true(spinel_rd_uint(&r, &v));
    assert_int_equal(v, want);
    assert_int_equal(r.left, 0);
    assert_int_equal(spinel_packed_uint_encode(v, e), (size_t)n);
    assert_memory_equal(e, b, (size_t)n);
    for (long k = 0; k < n; k++) { /* every truncation */
        r = rd_init(b, (size_t)k);
        assert_false(spinel_rd_uint(&r, &v));
        assert_int_equal(r.left, (size_t)k);
    }
}

static void check_uint_bad(const char *rest)
{
    uint8_t b[16];
    long n = linevec_hex(rest, b, sizeof(b));
    assert_true(n > 0);
    struct rd r = rd_init(b, (size_t)n);
    uint32_t v;
    assert_false(spinel_rd_uint(&r, &v));
}

static void check_frame(const char *rest)
{
    char hex[512], val[512];
    unsigned iid, tid, cmd, prop;
    uint8_t b[256], vb[256];
    assert_int_equal(sscanf(rest, "%511s %u %u %u %u %511s", hex, &iid, &tid, &cmd, &prop, val), 6);
    long n = linevec_hex(hex, b, sizeof(b));
    long vn = strcmp(val, "-") ? linevec_hex(val, vb, sizeof(vb)) : 0;
    assert_true(n > 0 && vn >= 0);
    struct spinel_frame f;
    assert_true(spinel_frame_parse(b, (size_t)n, &f));
    assert_int_equal(f.iid, iid);
    assert_int_equal(f.tid, tid);
    assert_int_equal(f.cmd, cmd);
    assert_int_equal(f.prop, prop);
    assert_int_equal(f.value_len, (size_t)vn);
    assert_memory_equal(f.value, vb, (size_t)vn);
    /* the builder writes the same header */
    uint8_t out[16];
    struct wr w = wr_init(out, sizeof(out));
    spinel_wr_header(&w, (uint8_t)iid, (uint8_t)tid, cmd, prop);
    assert_true(w.ok);
    assert_int_equal((size_t)(w.p - out), (size_t)(n - vn));
    assert_memory_equal(out, b, (size_t)(n - vn));
    /* truncated headers fail */
    for (long k = 0; k < n - vn; k++)
        assert_false(spinel_frame_parse(b, (size_t)k, &f));
}

static void check_rx(const char *rest)
{
    char hex[1024];
    unsigned len, flags, ch, lqi, err, used;
    int rssi, nf;
    unsigned long long ts;
    uint8_t b[512];
    assert_int_equal(sscanf(rest, "%1023s %u %d %d %u %u %u %llu %u %u", hex, &len, &rssi, &nf,
                            &flags, &ch, &lqi, &ts, &err, &used),
                     10);
    long n = linevec_hex(hex, b, sizeof(b));
    assert_true(n >= (long)used);
    struct spinel_radio_frame f;
    struct rd r = rd_init(b, (size_t)n);
    assert_true(spinel_parse_radio_frame(&r, &f));
    assert_int_equal(f.len, len);
    assert_ptr_equal(f.psdu, b + 2);
    assert_int_equal(f.rssi, rssi);
    assert_int_equal(f.noise_floor, nf);
    assert_int_equal(f.flags, flags);
    assert_int_equal(f.channel, ch);
    assert_int_equal(f.lqi, lqi);
    assert_int_equal(f.timestamp_us, ts);
    assert_int_equal(f.rx_error, err);
    assert_int_equal((size_t)n - r.left, used);
    for (unsigned k = 0; k < used; k++) {
        r = rd_init(b, k);
        assert_false(spinel_parse_radio_frame(&r, &f));
    }
}

static void check_txdone(const char *rest)
{
    char hex[1024];
    unsigned status, has_flags, fp, has_ack, acklen, used;
    uint8_t b[512];
    assert_int_equal(sscanf(rest, "%1023s %u %u %u %u %u %u", hex, &status, &has_flags, &fp,
                            &has_ack, &acklen, &used),
                     7);
    long n = linevec_hex(hex, b, sizeof(b));
    assert_true(n >= (long)used);
    struct spinel_tx_done d;
    assert_true(spinel_parse_tx_done(b, (size_t)n, &d));
    assert_int_equal(d.status, status);
    assert_int_equal(d.has_flags, has_flags);
    assert_int_equal(d.frame_pending, fp);
    assert_int_equal(d.has_ack, has_ack);
    assert_int_equal(d.has_ack ? d.ack.len : 0, acklen);
    assert_true(spinel_parse_tx_done(b, used, &d));
    for (unsigned k = 0; k < used; k++) {
        bool ok = spinel_parse_tx_done(b, k, &d);
        /* a bare non-OK status is the RCP refusing the request at once */
        assert_int_equal(ok, k == 1 && status != 0);
    }
}

static void check_txreq(const char *rest)
{
    char psdu_hex[300], frame_hex[600];
    unsigned ch, backoffs, retries, rxch, tid;
    uint8_t psdu[128], want[300], out[300];
    assert_int_equal(sscanf(rest, "%299s %u %u %u %u %u %599s", psdu_hex, &ch, &backoffs, &retries,
                            &rxch, &tid, frame_hex),
                     7);
    long pn = linevec_hex(psdu_hex, psdu, sizeof(psdu));
    long wn = linevec_hex(frame_hex, want, sizeof(want));
    assert_true(pn > 0 && wn > 0);
    struct spinel_tx_request req = {
        psdu, (size_t)pn, (uint8_t)ch, (uint8_t)backoffs, (uint8_t)retries, true, (uint8_t)rxch};
    struct wr w = wr_init(out, sizeof(out));
    spinel_build_stream_raw_tx(&w, 0, (uint8_t)tid, &req);
    assert_true(w.ok);
    assert_int_equal((size_t)(w.p - out), (size_t)wn);
    assert_memory_equal(out, want, (size_t)wn);
    /* a writer too small says so */
    w = wr_init(out, (size_t)wn - 1);
    spinel_build_stream_raw_tx(&w, 0, (uint8_t)tid, &req);
    assert_false(w.ok);
}

static int g_lines;

static void run_file(void *user, const char *path)
{
    (void)user;
    char line[LINE_MAX_];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char key[32];
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%31s %n", key, &off) != 1)
            continue;
        const char *rest = line + off;
        if (!strcmp(key, "uint"))
            check_uint(rest);
        else if (!strcmp(key, "uint_bad"))
            check_uint_bad(rest);
        else if (!strcmp(key, "frame"))
            check_frame(rest);
        else if (!strcmp(key, "rx"))
            check_rx(rest);
        else if (!strcmp(key, "txdone"))
            check_txdone(rest);
        else if (!strcmp(key, "txreq"))
            check_txreq(rest);
        else
            fail_msg("%s: unknown key %s", path, key);
        g_lines++;
    }
    fclose(f);
}

static void test_vectors(void **state)
{
    (void)state;
    char dir[512];
    linevec_dir("spinel", dir, sizeof(dir));
    assert_true(linevec_each(dir, run_file, NULL) >= 1);
    assert_true(g_lines >= 30);
}

static void test_small_readers(void **state)
{
    (void)state;
    const uint8_t b[] = {0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xf0, 0xde, 0xbc, 0x9a};
    struct rd r = rd_init(b, sizeof(b));
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    assert_true(spinel_rd_le16(&r, &v16));
    assert_int_equal(v16, 0x1234);
    assert_true(spinel_rd_le32(&r, &v32));
    assert_int_equal(v32, 0x12345678);
    assert_false(spinel_rd_le64(&r, &v64)); /* 4 left */
    assert_int_equal(r.left, 4);
    r = rd_init(b + 2, 8);
    assert_true(spinel_rd_le64(&r, &v64));
    assert_int_equal(v64, 0x9abcdef012345678ull);
    /* data with length: the length may not run past the value */
    const uint8_t d[] = {0x03, 0x00, 'a', 'b'};
    const uint8_t *p;
    size_t n;
    r = rd_init(d, sizeof(d));
    assert_false(spinel_rd_data_wlen(&r, &p, &n));
    assert_int_equal(r.left, sizeof(d));
    r = rd_init(d, 1);
    assert_false(spinel_rd_data_wlen(&r, &p, &n));
    /* UTF-8: NUL-terminated, or up to the end; truncated into small buffers */
    const uint8_t s[] = {'O', 'T', '/', '1', 0, 0x99};
    char out[3];
    r = rd_init(s, sizeof(s));
    assert_true(spinel_rd_utf8(&r, out, sizeof(out)));
    assert_string_equal(out, "OT");
    assert_int_equal(r.left, 1);
    r = rd_init(s, 2);
    char big[8];
    assert_true(spinel_rd_utf8(&r, big, sizeof(big)));
    assert_string_equal(big, "OT");
    /* CAPS: a list of packed uints; a truncated one is malformed */
    const uint8_t caps[] = {0x05, 0x22, 0x81, 0x04, 0x40};
    bool has;
    assert_true(spinel_caps_has(caps, sizeof(caps), SPINEL_CAP_MAC_RAW, &has));
    assert_true(has);
    assert_true(spinel_caps_has(caps, sizeof(caps), SPINEL_CAP_CONFIG_RADIO, &has));
    assert_true(has);
    assert_true(spinel_caps_has(caps, sizeof(caps), 99, &has));
    assert_false(has);
    assert_false(spinel_caps_has(caps, 3, 99, &has));
    /* reset statuses */
    assert_true(spinel_status_is_reset(SPINEL_STATUS_RESET_POWER_ON));
    assert_true(spinel_status_is_reset(SPINEL_STATUS_RESET_WATCHDOG));
    assert_false(spinel_status_is_reset(SPINEL_STATUS_OK));
    assert_false(spinel_status_is_reset(111));
    /* protocol version and energy scan result */
    unsigned ma, mi;
    const uint8_t pv[] = {0x04, 0x03};
    assert_true(spinel_parse_protocol_version(pv, 2, &ma, &mi));
    assert_int_equal(ma, 4);
    assert_int_equal(mi, 3);
    assert_false(spinel_parse_protocol_version(pv, 1, &ma, &mi));
    uint8_t ch;
    int8_t rssi;
    const uint8_t es[] = {0x0f, 0xb0};
    assert_true(spinel_parse_energy_scan_result(es, 2, &ch, &rssi));
    assert_int_equal(ch, 15);
    assert_int_equal(rssi, -80);
    assert_false(spinel_parse_energy_scan_result(es, 1, &ch, &rssi));
    /* CMD_RESET as SpinelDriver::SendReset packs it */
    uint8_t out2[8];
    struct wr w = wr_init(out2, sizeof(out2));
    spinel_build_reset(&w, 0, 0, SPINEL_RESET_STACK);
    assert_int_equal(w.p - out2, 3);
    assert_memory_equal(out2, "\x80\x01\x02", 3);
    /* not a Spinel header */
    struct spinel_frame f;
    const uint8_t bad[] = {0x40, 0x06, 0x00};
    assert_false(spinel_frame_parse(bad, sizeof(bad), &f));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_small_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
