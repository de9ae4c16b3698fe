/*
 * libFuzzer harness for 6LoWPAN decompression and reassembly.
 *
 * Input: [config byte] then records [len][dt][len bytes of MAC payload]...
 *   config bits 0-1: MAC source mode (none/short/ext), bits 2-3: destination,
 *   bit 4: context 1 present, bit 5: context 0 without the C flag,
 *   bits 6-7: frame budget for the re-fragmentation check.
 * Each record goes through lowpan_decompress (whole datagram and FRAG1
 * forms) and lowpan_reasm_input, with time advancing by dt * 16 ms.
 *
 * Checked invariants (abort on violation):
 *   - results are named errors; lengths stay inside the buffers;
 *   - anything IPHC that decompresses compresses again, and that decompresses
 *     to the same packet;
 *   - a reassembled (or unfragmented) datagram that compresses is split by
 *     lowpan_frag_split into frames within the budget that a fresh
 *     reassembler turns back into the same datagram.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lowpan/lowpan.h"
#include "lowpan/lowpan_frag.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lowpan_lladdr mk_ll(unsigned mode, uint8_t salt)
{
    struct lowpan_lladdr ll;
    static const uint8_t ext[8] = {0x6e, 0x75, 0xc9, 0x27, 0xad, 0xe0, 0x05, 0x3a};
    memset(&ll, 0, sizeof(ll));
    ll.pan_id = 0x1234;
    switch (mode & 3) {
    case 1:
    case 3:
        ll.mode = LOWPAN_LL_SHORT;
        ll.short_addr = (uint16_t)(0xb000 | salt);
        break;
    case 2:
        ll.mode = LOWPAN_LL_EXT;
        memcpy(ll.ext, ext, 8);
        ll.ext[7] ^= salt;
        break;
    default:
        ll.mode = LOWPAN_LL_NONE;
        break;
    }
    return ll;
}

static void check_err(enum lowpan_err e)
{
    CHECK((unsigned)e < LOWPAN_ERR__COUNT);
    CHECK(lowpan_err_str(e) != NULL);
}

/* Compress -> decompress is the identity on what decompression produced. */
static void check_recompress(const struct lowpan_ctx_table *ctx, const struct lowpan_lladdr *src,
                             const struct lowpan_lladdr *dst, const uint8_t *pkt, size_t len)
{
    static uint8_t c[2048], d[2048];
    size_t cl, dl;
    CHECK(lowpan_compress(ctx, src, dst, pkt, len, c, sizeof(c), &cl) == LOWPAN_OK);
    CHECK(lowpan_decompress(ctx, src, dst, c, cl, 0, d, sizeof(d), &dl, NULL) == LOWPAN_OK);
    CHECK(dl == len && memcmp(d, pkt, len) == 0);
}

/* Split -> reassemble is the identity for datagrams that compress. */
static void check_split(const struct lowpan_ctx_table *ctx, const struct lowpan_lladdr *src,
                        const struct lowpan_lladdr *dst, const uint8_t *pkt, size_t len,
                        size_t max_payload)
{
    static struct lowpan_frame frames[64];
    static struct lowpan_reasm r;
    static uint8_t out[LOWPAN_REASM_BUF];
    size_t nf, out_len = 0;
    enum lowpan_err e =
        lowpan_frag_split(ctx, src, dst, pkt, len, max_payload, 0x2e5d, frames, 64, &nf);
    check_err(e);
    if (e != LOWPAN_OK)
        return;
    lowpan_reasm_init(&r, 0);
    for (size_t i = 0; i < nf; i++) {
        CHECK(frames[i].len <= max_payload);
        e = lowpan_reasm_input(&r, ctx, src, dst, frames[i].data, frames[i].len, 0, out,
                               sizeof(out), &out_len);
        CHECK(e == LOWPAN_OK);
        CHECK(out_len == (i + 1 == nf ? len : 0));
    }
    CHECK(memcmp(out, pkt, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct lowpan_reasm r;
    static uint8_t out[LOWPAN_REASM_BUF + 64];
    static const uint8_t ml[16] = {0xfd, 0x00, 0x0d, 0xb8, 0xaa, 0xaa, 0xbb, 0xbb};
    static const uint8_t slaac[16] = {0xfd, 0x11, 0x00, 0x22};
    static const size_t budgets[4] = {LOWPAN_FRAME_MAX, 94, 81, 40};
    if (size < 1)
        return 0;
    uint8_t cfg = data[0];
    struct lowpan_ctx_table ctx;
    lowpan_ctx_init(&ctx);
    lowpan_ctx_set(&ctx, 0, ml, 64, !(cfg & 0x20));
    if (cfg & 0x10)
        lowpan_ctx_set(&ctx, 1, slaac, 64, true);
    struct lowpan_lladdr src = mk_ll(cfg, 1), dst = mk_ll(cfg >> 2, 2);
    size_t budget = budgets[cfg >> 6];

    lowpan_reasm_init(&r, 0);
    uint64_t now = 0;
    size_t pos = 1;
    while (pos + 2 <= size) {
        size_t n = data[pos];
        now += (uint64_t)data[pos + 1] * 16;
        pos += 2;
        if (n > size - pos)
            n = size - pos;
        /* Exact-size copy so the sanitizer catches reads past the frame. */
        uint8_t *f = malloc(n ? n : 1);
        if (!f)
            return 0;
        memcpy(f, data + pos, n);
        pos += n;

        size_t out_len = 0, used = 0;
        enum lowpan_err e =
            lowpan_decompress(&ctx, &src, &dst, f, n, 0, out, sizeof(out), &out_len, &used);
        check_err(e);
        if (e == LOWPAN_OK) {
            CHECK(out_len <= sizeof(out) && used <= n);
            if (lowpan_dispatch_of(f[0]) == LOWPAN_DISPATCH_IPHC)
                check_recompress(&ctx, &src, &dst, out, out_len);
        }
        e = lowpan_decompress(&ctx, &src, &dst, f, n, 200, out, sizeof(out), &out_len, &used);
        check_err(e);
        if (e == LOWPAN_OK)
            CHECK(out_len <= 200 && used <= n);

        e = lowpan_reasm_input(&r, &ctx, &src, &dst, f, n, now, out, sizeof(out), &out_len);
        check_err(e);
        CHECK(lowpan_reasm_busy(&r) <= LOWPAN_REASM_SLOTS);
        if (e == LOWPAN_OK && out_len) {
            CHECK(out_len <= LOWPAN_REASM_BUF);
            check_split(&ctx, &src, &dst, out, out_len, budget);
        }
        free(f);
    }
    return 0;
}
