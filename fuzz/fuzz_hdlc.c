/*
 * libFuzzer harness for HDLC-lite (radio/hdlc.c): the input, as a byte
 * stream from an RCP, is decoded whole and in chunks whose sizes come from
 * the input itself; and the input as a payload is encoded and decoded back.
 *
 * Checked invariants (abort on violation), besides ASan/UBSan:
 *   - any split of the stream gives the same frames and the same counters;
 *   - every delivered frame is 1..HDLC_FRAME_MAX bytes and re-encodes into
 *     at most HDLC_ENCODED_MAX bytes that decode to itself;
 *   - a payload up to HDLC_FRAME_MAX round-trips exactly; the encoder fails
 *     cleanly when the buffer is one byte short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "radio/hdlc.h"

struct seen {
    uint64_t sum; /* a digest of the frames, in order */
    size_t n;
    const uint8_t *expect; /* round trip: the payload expected */
    size_t expect_len;
};

static void on_frame(void *user, const uint8_t *f, size_t len)
{
    struct seen *s = user;
    CHECK(len >= 1 && len <= HDLC_FRAME_MAX);
    for (size_t i = 0; i < len; i++)
        s->sum = s->sum * 131 + f[i] + 1;
    s->sum = s->sum * 7 + len;
    s->n++;
    if (s->expect) {
        CHECK(len == s->expect_len && !memcmp(f, s->expect, len));
        return;
    }
    static uint8_t enc[HDLC_ENCODED_MAX(HDLC_FRAME_MAX)];
    size_t n;
    CHECK(hdlc_encode(f, len, enc, sizeof(enc), &n) == 0 && n <= HDLC_ENCODED_MAX(len));
    struct hdlc_decoder *d = malloc(sizeof(*d));
    struct seen again = {0, 0, f, len};
    CHECK(d);
    hdlc_decoder_init(d, on_frame, &again);
    hdlc_decode(d, enc, n);
    CHECK(again.n == 1);
    free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hdlc_decoder whole, split;
    struct seen a = {0}, b = {0};
    hdlc_decoder_init(&whole, on_frame, &a);
    hdlc_decode(&whole, data, size);
    hdlc_decoder_init(&split, on_frame, &b);
    for (size_t at = 0, k = 0; at < size; k++) {
        size_t step = 1 + (size ? data[k % size] % 17 : 0);
        if (step > size - at)
            step = size - at;
        hdlc_decode(&split, data + at, step);
        at += step;
    }
    CHECK(a.n == b.n && a.sum == b.sum);
    CHECK(!memcmp(&whole.ctr, &split.ctr, sizeof(whole.ctr)));

    if (size >= 1 && size <= HDLC_FRAME_MAX) {
        static uint8_t enc[HDLC_ENCODED_MAX(HDLC_FRAME_MAX)];
        size_t n, n2;
        CHECK(hdlc_encode(data, size, enc, sizeof(enc), &n) == 0);
        CHECK(hdlc_encode(data, size, enc, n - 1, &n2) == -1);
        struct seen c = {0, 0, data, size};
        hdlc_decoder_init(&whole, on_frame, &c);
        hdlc_decode(&whole, enc, n);
        CHECK(c.n == 1 && whole.ctr.fcs_errors == 0);
    }
    return 0;
}
