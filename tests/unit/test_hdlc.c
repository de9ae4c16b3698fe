/*
 * HDLC-lite (radio/hdlc.h): the vectors of tests/vectors/hdlc/ (frames
 * captured from the real ot-rcp, escapes, bad FCS, garbage, too short)
 * decoded whole, at every split point and byte by byte; encoder round trips
 * and exact encodings; overlong frames; the encoder's bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../support/linevec.h"
#include "radio/hdlc.h"

#define WIRE_MAX 16384
#define FRAMES_MAX 128

struct vec {
    uint8_t wire[WIRE_MAX];
    size_t wire_len;
    uint8_t frames[FRAMES_MAX][HDLC_FRAME_MAX];
    size_t frame_len[FRAMES_MAX];
    size_t n_frames;
    uint64_t fcs_errors, too_long, too_short;
    int exact;
};

struct got {
    const struct vec *v;
    size_t n;
};

static void on_frame(void *user, const uint8_t *f, size_t len)
{
    struct got *g = user;
    assert_true(g->n < g->v->n_frames);
    assert_int_equal(len, g->v->frame_len[g->n]);
    assert_memory_equal(f, g->v->frames[g->n], len);
    g->n++;
}

static void check_decode(const struct vec *v, size_t split, size_t step)
{
    struct hdlc_decoder d;
    struct got g = {v, 0};
    hdlc_decoder_init(&d, on_frame, &g);
    if (step) {
        for (size_t i = 0; i < v->wire_len; i += step)
            hdlc_decode(&d, v->wire + i, v->wire_len - i < step ? v->wire_len - i : step);
    } else {
        hdlc_decode(&d, v->wire, split);
        hdlc_decode(&d, v->wire + split, v->wire_len - split);
    }
    assert_int_equal(g.n, v->n_frames);
    assert_int_equal(d.ctr.frames, v->n_frames);
    assert_int_equal(d.ctr.fcs_errors, v->fcs_errors);
    assert_int_equal(d.ctr.too_long, v->too_long);
    assert_int_equal(d.ctr.too_short, v->too_short);
}

static struct vec g_vec;

static void run_file(void *user, const char *path)
{
    int *files = user;
    struct vec *v = &g_vec;
    char line[WIRE_MAX];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(v, 0, sizeof(*v));
    while (fgets(line, sizeof(line), f)) {
        char key[32];
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%31s %n", key, &off) != 1)
            continue;
        const char *rest = line + off;
        long n;
        if (!strcmp(key, "wire")) {
            n = linevec_hex(rest, v->wire + v->wire_len, WIRE_MAX - v->wire_len);
            assert_true(n >= 0);
            v->wire_len += (size_t)n;
        } else if (!strcmp(key, "frame")) {
            assert_true(v->n_frames < FRAMES_MAX);
            n = linevec_hex(rest, v->frames[v->n_frames], HDLC_FRAME_MAX);
            assert_true(n >= 0);
            v->frame_len[v->n_frames++] = (size_t)n;
        } else if (!strcmp(key, "fcs_errors")) {
            v->fcs_errors = strtoull(rest, NULL, 10);
        } else if (!strcmp(key, "too_long")) {
            v->too_long = strtoull(rest, NULL, 10);
        } else if (!strcmp(key, "too_short")) {
            v->too_short = strtoull(rest, NULL, 10);
        } else if (!strcmp(key, "exact")) {
            v->exact = atoi(rest);
        } else {
            fail_msg("%s: unknown key %s", path, key);
        }
    }
    fclose(f);
    assert_true(v->n_frames > 0);
    check_decode(v, v->wire_len, 0);
    for (size_t s = 0; s <= v->wire_len && v->wire_len <= 600; s++)
        check_decode(v, s, 0);
    for (size_t step = 1; step <= 7; step++)
        check_decode(v, 0, step);
    /* encoder: every frame round-trips; exact files are our encoding */
    uint8_t enc[WIRE_MAX];
    size_t at = 0;
    for (size_t i = 0; i < v->n_frames; i++) {
        size_t n;
        assert_int_equal(hdlc_encode(v->frames[i], v->frame_len[i], enc + at, sizeof(enc) - at, &n),
                         0);
        assert_true(n <= HDLC_ENCODED_MAX(v->frame_len[i]));
        at += n;
    }
    if (v->exact) {
        assert_int_equal(at, v->wire_len);
        assert_memory_equal(enc, v->wire, at);
    }
    (*files)++;
}

static void test_vectors(void **state)
{
    (void)state;
    char dir[512];
    int files = 0;
    linevec_dir("hdlc", dir, sizeof(dir));
    linevec_each(dir, run_file, &files);
    assert_true(files >= 6);
}

static void count_cb(void *user, const uint8_t *f, size_t len)
{
    (void)f;
    size_t *n = user;
    *n = len;
}

/* Overlong: a frame of HDLC_FRAME_MAX payload bytes is fine, one more is
 * counted once and the decoder resynchronises on the next flag. */
static void test_overlong(void **state)
{
    (void)state;
    static uint8_t payload[HDLC_FRAME_MAX + 1], wire[HDLC_ENCODED_MAX(HDLC_FRAME_MAX + 1)];
    struct hdlc_decoder d;
    size_t got = 0, n;
    for (size_t i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7);
    hdlc_decoder_init(&d, count_cb, &got);
    assert_int_equal(hdlc_encode(payload, HDLC_FRAME_MAX, wire, sizeof(wire), &n), 0);
    hdlc_decode(&d, wire, n);
    assert_int_equal(got, HDLC_FRAME_MAX);
    got = 0;
    assert_int_equal(hdlc_encode(payload, HDLC_FRAME_MAX + 1, wire, sizeof(wire), &n), 0);
    hdlc_decode(&d, wire, n);
    hdlc_decode(&d, wire, n);
    assert_int_equal(got, 0);
    assert_int_equal(d.ctr.too_long, 2);
    assert_int_equal(hdlc_encode(payload, 3, wire, sizeof(wire), &n), 0);
    hdlc_decode(&d, wire, n);
    assert_int_equal(got, 3);
    assert_int_equal(d.ctr.frames, 2);
    /* hdlc_decoder_reset drops a partial frame */
    hdlc_decode(&d, wire, n - 1);
    hdlc_decoder_reset(&d);
    hdlc_decode(&d, wire + 1, n - 1);
    assert_int_equal(d.ctr.frames, 2);
}

/* The encoder never writes past cap: every cap below the need fails. */
static void test_encode_bound(void **state)
{
    (void)state;
    const uint8_t p[] = {0x80, 0x7e, 0x7d, 0x11, 0x13, 0xf8, 0x00};
    uint8_t out[64];
    size_t need, n;
    assert_int_equal(hdlc_encode(p, sizeof(p), out, sizeof(out), &need), 0);
    for (size_t cap = 0; cap < need; cap++) {
        memset(out, 0xAA, sizeof(out));
        assert_int_equal(hdlc_encode(p, sizeof(p), out, cap, &n), -1);
        for (size_t i = cap; i < sizeof(out); i++)
            assert_int_equal(out[i], 0xAA);
    }
    /* RFC 1662 C.2 check value: FCS-16 of "123456789" is 0x906E */
    assert_int_equal(hdlc_fcs(HDLC_FCS_INIT, (const uint8_t *)"123456789", 9) ^ 0xFFFF, 0x906E);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_encode_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
