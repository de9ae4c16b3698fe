/*
 * mac: IEEE 802.15.4 frame codec (mac_frame), AES-CCM* frame security
 * (mac_security) and Thread key derivation (thread/keys), checked against
 * the OpenThread simulation captures in $TBR_THREAD_VECTORS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../support/thread_vec.h"
#include "mac/mac_frame.h"
#include "mac/mac_security.h"
#include "thread/keys.h"

static const char *const vec_files[] = {"attach-ftd-child.vec", "med-and-netdata.vec",
                                        "nat64-ping.vec"};
static const unsigned vec_frame_counts[] = {61, 68, 26};

static const uint8_t net_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* ---- helpers -------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    assert_non_null(s);
    long n = tvec_hex(s, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

static void assert_hex_equal(const uint8_t *got, size_t len, const char *want_hex)
{
    uint8_t want[256];
    size_t n = hex(want_hex, want, sizeof(want));
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
}

static void fmt_addr(char *buf, size_t cap, const struct mac_addr *a)
{
    if (a->mode == MAC_ADDR_SHORT) {
        snprintf(buf, cap, "0x%04x", a->short_addr);
    } else {
        size_t o = 0;
        for (int i = 0; i < 8; i++)
            o += (size_t)snprintf(buf + o, cap - o, "%02x", a->ext[i]);
    }
}

/* The .vec `mac_header` text for a parsed frame (README "Frame block keys"). */
static void fmt_header(char *buf, size_t cap, const struct mac_frame *f)
{
    const char *ver = f->version == MAC_VERSION_2006 ? "2006" : "2003";
    if (f->type == MAC_FRAME_ACK) {
        snprintf(buf, cap, "type=ack version=%s seq=%u frame_pending=%d", ver, f->seq,
                 f->frame_pending);
        return;
    }
    char dst[24], src[24];
    fmt_addr(dst, sizeof(dst), &f->dst);
    fmt_addr(src, sizeof(src), &f->src);
    snprintf(buf, cap,
             "type=%s version=%s seq=%u ack_request=%d frame_pending=%d pan_id_compression=%d "
             "dst_pan=0x%04x dst=%s src=%s",
             f->type == MAC_FRAME_DATA ? "data" : "other", ver, f->seq, f->ack_request,
             f->frame_pending, f->pan_id_compression, f->dst_pan, dst, src);
}

static void fmt_security(char *buf, size_t cap, const struct mac_frame *f)
{
    if (!f->security_enabled)
        snprintf(buf, cap, "none");
    else
        snprintf(buf, cap, "level=%u key_id_mode=%u key_index=%u frame_counter=%u", f->sec.level,
                 f->sec.key_id_mode, f->sec.key_index, (unsigned)f->sec.frame_counter);
}

/* A heap copy of exactly len bytes, so ASan sees any read past the end. */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
    uint8_t *d = malloc(len ? len : 1);
    assert_non_null(d);
    if (len)
        memcpy(d, p, len);
    return d;
}

static void put_fcs(uint8_t *p, size_t len)
{
    uint16_t crc = mac_crc16_kermit(p, len - 2);
    p[len - 2] = (uint8_t)crc;
    p[len - 1] = (uint8_t)(crc >> 8);
}

static int fcs_ok(const uint8_t *p, size_t len)
{
    return len >= 2 && mac_crc16_kermit(p, len - 2) == (uint16_t)(p[len - 2] | (p[len - 1] << 8));
}

/* The invariants every accepted frame must satisfy. */
static void assert_frame_sane(const uint8_t *buf, size_t len, const struct mac_frame *f)
{
    assert_true(len >= MAC_ACK_LEN && len <= MAC_PSDU_MAX);
    assert_int_equal(f->header_len + f->payload_len + f->mic_len + MAC_FCS_LEN, len);
    assert_ptr_equal(f->payload, buf + f->header_len);
    if (f->mic_len)
        assert_ptr_equal(f->mic, buf + f->header_len + f->payload_len);
    assert_true((unsigned)f->type <= MAC_FRAME_CMD);
    assert_true((unsigned)f->version <= MAC_VERSION_2006);
}

/* build(parse(x)) == x: every accepted frame has one encoding. For secured
 * frames the MIC (zeroed by the builder) and therefore the FCS differ. */
static void assert_canonical(const uint8_t *buf, size_t len, const struct mac_frame *f)
{
    uint8_t out[MAC_PSDU_MAX];
    size_t olen = 0;
    assert_int_equal(mac_frame_build(f, f->payload, f->payload_len, out, sizeof(out), &olen),
                     MAC_OK);
    assert_int_equal(olen, len);
    size_t cmp = f->mic_len ? f->header_len + f->payload_len : len;
    assert_memory_equal(out, buf, cmp);
}

/* ---- per-file context ----------------------------------------------------- */

struct vec_ctx {
    struct tvec_file file;
    struct mac_keys keys;
    uint8_t node_ext[8][8]; /* by node id */
    int have_node[8];
};

static void vec_open(struct vec_ctx *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    assert_int_equal(tvec_load(name, &c->file), 0);
    const struct tvec_block *net = tvec_find(&c->file, "network", NULL);
    assert_non_null(net);
    uint8_t nk[16];
    assert_int_equal(hex(tvec_get(net, "network_key"), nk, sizeof(nk)), 16);
    unsigned long seq = strtoul(tvec_get(net, "key_sequence"), NULL, 10);
    assert_int_equal(thread_keys_mac_keys(nk, (uint32_t)seq, &c->keys), 0);
    /* keys.c reproduces the keys the file states. */
    struct thread_keys tk;
    assert_int_equal(thread_keys_derive(nk, (uint32_t)seq, &tk), 0);
    assert_hex_equal(tk.mle, 16, tvec_get(net, "mle_key"));
    assert_hex_equal(tk.mac, 16, tvec_get(net, "mac_key"));
    assert_memory_equal(c->keys.cur, tk.mac, 16);

    for (unsigned i = 0; i < c->file.n; i++) {
        const struct tvec_block *b = &c->file.blocks[i];
        if (!b->n || strcmp(b->kv[0].key, "node"))
            continue;
        unsigned id = (unsigned)strtoul(b->kv[0].value, NULL, 10);
        assert_true(id < 8);
        assert_int_equal(hex(tvec_get(b, "ext_addr"), c->node_ext[id], 8), 8);
        c->have_node[id] = 1;
    }
}

static const uint8_t *sender_ext(const struct vec_ctx *c, const struct tvec_block *frame)
{
    unsigned id = (unsigned)strtoul(tvec_get(frame, "sender_node"), NULL, 10);
    assert_true(id < 8 && c->have_node[id]);
    return c->node_ext[id];
}

static int is_frame(const struct tvec_block *b)
{
    return b->n && !strcmp(b->kv[0].key, "frame");
}

/* ---- CRC, keys ------------------------------------------------------------ */

static void test_crc16_kermit__check_values(void **state)
{
    (void)state;
    assert_int_equal(mac_crc16_kermit((const uint8_t *)"123456789", 9), 0x2189);
    /* thread-sim-interop.md 1.3: Imm-Ack 12 10 34 has FCS 1b d2. */
    static const uint8_t ack[] = {0x12, 0x10, 0x34};
    assert_int_equal(mac_crc16_kermit(ack, 3), 0xd21b);
    assert_int_equal(mac_crc16_kermit(ack, 0), 0);
}

static void test_keys__readme_vectors_seq_0_1_2(void **state)
{
    (void)state;
    static const char *const mle[] = {"5445f4158fd75912175809f8b57a66a4",
                                      "8f4cd1a27d95c07d12db8974bd615c13",
                                      "016e2ab8ec88879687a72e0a357ecf2a"};
    static const char *const mac[] = {"de89c53af382b421e0fde5a9bae3bef0",
                                      "9be0d1af7bd87350deabcdd07febb9d5",
                                      "564109e9d2aad7f723ec3b96110eefa3"};
    for (uint32_t seq = 0; seq < 3; seq++) {
        struct thread_keys k;
        assert_int_equal(thread_keys_derive(net_key, seq, &k), 0);
        assert_hex_equal(k.mle, 16, mle[seq]);
        assert_hex_equal(k.mac, 16, mac[seq]);
    }
    /* prev/cur/next around sequence 1. */
    struct mac_keys mk;
    assert_int_equal(thread_keys_mac_keys(net_key, 1, &mk), 0);
    assert_int_equal(mk.key_seq, 1);
    assert_hex_equal(mk.prev, 16, mac[0]);
    assert_hex_equal(mk.cur, 16, mac[1]);
    assert_hex_equal(mk.next, 16, mac[2]);
}

static void test_keys__index_and_lookup(void **state)
{
    (void)state;
    assert_int_equal(mac_key_index(0), 1);
    assert_int_equal(mac_key_index(1), 2);
    assert_int_equal(mac_key_index(127), 128);
    assert_int_equal(mac_key_index(128), 1);
    assert_int_equal(mac_key_index(UINT32_MAX), 128);

    struct mac_keys mk;
    assert_int_equal(thread_keys_mac_keys(net_key, 1, &mk), 0);
    uint32_t seq = 99;
    assert_ptr_equal(mac_keys_lookup(&mk, 2, &seq), mk.cur);
    assert_int_equal(seq, 1);
    assert_ptr_equal(mac_keys_lookup(&mk, 1, &seq), mk.prev);
    assert_int_equal(seq, 0);
    assert_ptr_equal(mac_keys_lookup(&mk, 3, &seq), mk.next);
    assert_int_equal(seq, 2);
    assert_null(mac_keys_lookup(&mk, 4, &seq));
    assert_null(mac_keys_lookup(&mk, 0, NULL));

    /* Sequence 0: prev is 0xffffffff (index 128). */
    assert_int_equal(thread_keys_mac_keys(net_key, 0, &mk), 0);
    assert_ptr_equal(mac_keys_lookup(&mk, 128, &seq), mk.prev);
    assert_int_equal(seq, UINT32_MAX);
    struct thread_keys k;
    assert_int_equal(thread_keys_derive(net_key, UINT32_MAX, &k), 0);
    assert_memory_equal(mk.prev, k.mac, 16);
}

/* ---- every captured frame ------------------------------------------------- */

struct vec_stats {
    unsigned frames, acks, data, secured, unsecured, rebuilt;
};

static void check_frame(const struct vec_ctx *c, const struct tvec_block *b, struct vec_stats *st)
{
    uint8_t raw[MAC_PSDU_MAX + 8];
    size_t len = hex(tvec_get(b, "psdu"), raw, sizeof(raw));
    char text[256];

    /* The FCS verifies. */
    assert_true(fcs_ok(raw, len));

    uint8_t *psdu = dup_exact(raw, len);
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(psdu, len, &f), MAC_OK);
    assert_frame_sane(psdu, len, &f);
    fmt_header(text, sizeof(text), &f);
    assert_string_equal(text, tvec_get(b, "mac_header"));
    st->frames++;

    if (f.type == MAC_FRAME_ACK) {
        assert_string_equal(tvec_get(b, "mac_security"), "none");
        uint8_t out[8];
        size_t olen = 0;
        assert_int_equal(mac_ack_build(f.seq, f.frame_pending, f.version, out, sizeof(out), &olen),
                         MAC_OK);
        assert_int_equal(olen, len);
        assert_memory_equal(out, raw, len);
        assert_canonical(psdu, len, &f);
        st->acks++;
        st->rebuilt++;
        free(psdu);
        return;
    }
    assert_int_equal(f.type, MAC_FRAME_DATA);
    st->data++;
    fmt_security(text, sizeof(text), &f);
    assert_string_equal(text, tvec_get(b, "mac_security"));

    const uint8_t *ext = sender_ext(c, b);
    /* An extended source address is the sender's, in print order. */
    if (f.src.mode == MAC_ADDR_EXT)
        assert_memory_equal(f.src.ext, ext, 8);

    uint8_t plain[MAC_PSDU_MAX];
    size_t plen = f.payload_len;
    const uint8_t *key = NULL;
    if (f.security_enabled) {
        assert_hex_equal(f.mic, f.mic_len, tvec_get(b, "mac_mic"));
        uint32_t seq = 99;
        key = mac_keys_lookup(&c->keys, f.sec.key_index, &seq);
        assert_ptr_equal(key, c->keys.cur);
        assert_int_equal(seq, 0);

        /* A wrong key or a wrong sender address fails the MIC and leaves the
         * buffer untouched. */
        struct mac_frame g;
        assert_int_equal(mac_security_unprotect(c->keys.next, ext, psdu, len, &g),
                         MAC_ERR_SECURITY);
        uint8_t other[8];
        memcpy(other, ext, 8);
        other[7] ^= 1;
        assert_int_equal(mac_security_unprotect(key, other, psdu, len, &g), MAC_ERR_SECURITY);
        assert_memory_equal(psdu, raw, len);

        assert_int_equal(mac_security_unprotect(key, ext, psdu, len, &g), MAC_OK);
        assert_int_equal(g.header_len, f.header_len);
        assert_int_equal(g.payload_len, f.payload_len);
        assert_ptr_equal(g.payload, psdu + f.header_len);
        assert_hex_equal(g.payload, g.payload_len, tvec_get(b, "mac_payload"));
        /* The header bytes are untouched. */
        assert_memory_equal(psdu, raw, f.header_len);
        st->secured++;
    } else {
        assert_null(tvec_get(b, "mac_mic"));
        assert_hex_equal(f.payload, f.payload_len, tvec_get(b, "mac_payload"));
        struct mac_frame g;
        assert_int_equal(mac_security_unprotect(c->keys.cur, ext, psdu, len, &g),
                         MAC_ERR_NOT_SECURED);
        st->unsecured++;
    }
    memcpy(plain, f.payload, plen);

    /* The encoder reproduces the captured frame byte for byte. */
    uint8_t out[MAC_PSDU_MAX];
    size_t olen = 0;
    assert_int_equal(mac_frame_build(&f, plain, plen, out, sizeof(out), &olen), MAC_OK);
    assert_int_equal(olen, len);
    if (f.security_enabled) {
        /* Plaintext frame: header identical, MIC room zeroed, FCS valid. */
        assert_memory_equal(out, raw, f.header_len);
        assert_true(fcs_ok(out, olen));
        assert_int_equal(mac_security_protect(key, ext, out, olen), MAC_OK);
    }
    assert_memory_equal(out, raw, len);
    st->rebuilt++;

    /* Every smaller capacity is refused without writing past it. */
    for (size_t cap = 0; cap < len; cap++) {
        uint8_t *small = malloc(cap ? cap : 1);
        assert_non_null(small);
        assert_int_equal(mac_frame_build(&f, plain, plen, small, cap, &olen), MAC_ERR_NO_SPACE);
        free(small);
    }
    free(psdu);
}

static void test_vectors__every_frame(void **state)
{
    (void)state;
    struct vec_stats total = {0};
    for (size_t i = 0; i < sizeof(vec_files) / sizeof(vec_files[0]); i++) {
        struct vec_ctx c;
        vec_open(&c, vec_files[i]);
        struct vec_stats st = {0};
        for (unsigned j = 0; j < c.file.n; j++)
            if (is_frame(&c.file.blocks[j]))
                check_frame(&c, &c.file.blocks[j], &st);
        assert_int_equal(st.frames, vec_frame_counts[i]);
        const struct tvec_block *net = tvec_find(&c.file, "network", NULL);
        assert_int_equal(strtoul(tvec_get(net, "frame_count"), NULL, 10), st.frames);
        printf("  %-22s %u frames: %u acks, %u data (%u MAC-secured, MIC ok), %u rebuilt "
               "byte for byte\n",
               vec_files[i], st.frames, st.acks, st.data, st.secured, st.rebuilt);
        total.frames += st.frames;
        total.acks += st.acks;
        total.data += st.data;
        total.secured += st.secured;
        total.unsecured += st.unsecured;
        total.rebuilt += st.rebuilt;
        tvec_free(&c.file);
    }
    /* README "Counts". */
    assert_int_equal(total.frames, 155);
    assert_int_equal(total.acks, 50);
    assert_int_equal(total.data, 105);
    assert_int_equal(total.secured, 41);
    assert_int_equal(total.rebuilt, 155);
    printf("  total: %u frames parsed, %u decrypted with MIC verified, %u rebuilt byte for "
           "byte\n",
           total.frames, total.secured, total.rebuilt);
}

/* ---- hostile input -------------------------------------------------------- */

static void hostile_truncations(const struct vec_ctx *c, const struct tvec_block *b)
{
    uint8_t raw[MAC_PSDU_MAX + 8];
    size_t len = hex(tvec_get(b, "psdu"), raw, sizeof(raw));
    struct mac_frame orig;
    assert_int_equal(mac_frame_parse(raw, len, &orig), MAC_OK);
    const uint8_t *ext = sender_ext(c, b);
    struct mac_frame f;

    /* Raw truncation: the FCS no longer matches (or the frame is too short). */
    for (size_t l = 0; l < len; l++) {
        uint8_t *t = dup_exact(raw, l);
        enum mac_err e = mac_frame_parse(t, l, &f);
        if (l < MAC_ACK_LEN)
            assert_int_equal(e, MAC_ERR_TRUNCATED);
        else if (!fcs_ok(t, l))
            assert_int_equal(e, MAC_ERR_BAD_FCS);
        else if (e == MAC_OK)
            assert_frame_sane(t, l, &f);
        free(t);
    }
    /* Truncation with a fresh FCS: the header parser itself must notice. */
    for (size_t body = 0; body + MAC_FCS_LEN < len; body++) {
        size_t l = body + MAC_FCS_LEN;
        uint8_t *t = dup_exact(raw, l);
        if (l >= MAC_FCS_LEN + 1)
            put_fcs(t, l);
        enum mac_err e = mac_frame_parse(t, l, &f);
        if (l < MAC_ACK_LEN || body < orig.header_len + orig.mic_len) {
            assert_int_equal(e, MAC_ERR_TRUNCATED);
        } else if (orig.type == MAC_FRAME_ACK) {
            assert_true(0); /* an Ack has nothing left to cut */
        } else {
            assert_int_equal(e, MAC_OK);
            assert_frame_sane(t, l, &f);
            assert_int_equal(f.header_len, orig.header_len);
            assert_int_equal(f.payload_len, body - orig.header_len - orig.mic_len);
            if (orig.security_enabled) {
                const uint8_t *key = mac_keys_lookup(&c->keys, f.sec.key_index, NULL);
                uint8_t *before = dup_exact(t, l);
                assert_int_equal(mac_security_unprotect(key, ext, t, l, &f), MAC_ERR_SECURITY);
                assert_memory_equal(t, before, l);
                free(before);
            }
        }
        free(t);
    }
}

static void hostile_bit_flips(const struct vec_ctx *c, const struct tvec_block *b)
{
    uint8_t raw[MAC_PSDU_MAX + 8];
    size_t len = hex(tvec_get(b, "psdu"), raw, sizeof(raw));
    struct mac_frame orig;
    assert_int_equal(mac_frame_parse(raw, len, &orig), MAC_OK);
    const uint8_t *ext = sender_ext(c, b);
    const uint8_t *key = c->keys.cur;

    for (size_t bit = 0; bit < len * 8; bit++) {
        uint8_t *t = dup_exact(raw, len);
        struct mac_frame f;
        t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        /* A CRC detects every single-bit error. */
        assert_int_equal(mac_frame_parse(t, len, &f), MAC_ERR_BAD_FCS);
        if (bit / 8 < len - MAC_FCS_LEN) {
            put_fcs(t, len);
            enum mac_err e = mac_frame_parse(t, len, &f);
            if (e == MAC_OK) {
                assert_frame_sane(t, len, &f);
                if (!f.security_enabled)
                    assert_canonical(t, len, &f);
            }
            if (orig.security_enabled) {
                /* Header (AAD), ciphertext or MIC altered: never accepted. */
                size_t byte = bit / 8;
                enum mac_err u = mac_security_unprotect(key, ext, t, len, &f);
                assert_int_not_equal(u, MAC_OK);
                if (byte >= orig.header_len)
                    assert_int_equal(u, MAC_ERR_SECURITY);
            }
        }
        free(t);
    }
}

static void test_hostile__truncations_and_bit_flips(void **state)
{
    (void)state;
    unsigned n = 0;
    for (size_t i = 0; i < sizeof(vec_files) / sizeof(vec_files[0]); i++) {
        struct vec_ctx c;
        vec_open(&c, vec_files[i]);
        for (unsigned j = 0; j < c.file.n; j++) {
            if (!is_frame(&c.file.blocks[j]))
                continue;
            hostile_truncations(&c, &c.file.blocks[j]);
            hostile_bit_flips(&c, &c.file.blocks[j]);
            n++;
        }
        tvec_free(&c.file);
    }
    assert_int_equal(n, 155);
}

static uint32_t rng_state = 0x2545f491u;

static uint32_t rng(void)
{
    /* xorshift32: deterministic, so a failure reproduces. */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static unsigned fuzz_accepted; /* inputs that reached the end of the parser */

static void fuzz_one(uint8_t *buf, size_t len)
{
    struct mac_frame f;
    enum mac_err e = mac_frame_parse(buf, len, &f);
    assert_true((unsigned)e <= MAC_ERR_INVALID_ARG);
    assert_non_null(mac_strerror(e));
    if (e != MAC_OK)
        return;
    fuzz_accepted++;
    assert_frame_sane(buf, len, &f);
    assert_canonical(buf, len, &f);
    static const uint8_t ext[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    e = mac_security_unprotect(net_key, ext, buf, len, &f);
    assert_int_not_equal(e, MAC_OK); /* a 2^-32 event at worst; the seed is fixed */
}

static void test_hostile__random_bytes(void **state)
{
    (void)state;
    fuzz_accepted = 0;
    /* Purely random buffers, with and without a valid FCS, of every length
     * up to past the PSDU maximum. */
    for (unsigned it = 0; it < 40000; it++) {
        size_t len = rng() % (MAC_PSDU_MAX + 4);
        uint8_t *t = malloc(len ? len : 1);
        assert_non_null(t);
        for (size_t k = 0; k < len; k++)
            t[k] = (uint8_t)rng();
        if (it & 1) {
            /* Steer towards the interesting FCFs: type 0..3, reserved bits
             * clear, version 2006. */
            if (len >= 2) {
                t[0] = (uint8_t)(t[0] & 0x7b);
                t[1] = (uint8_t)((t[1] & 0xcc) | 0x10);
            }
            if (len >= 3)
                put_fcs(t, len);
        }
        fuzz_one(t, len);
        free(t);
    }
    /* The steering makes the accept path (and unprotect) reachable. */
    printf("  random: %u of 40000 accepted as frames\n", fuzz_accepted);
    assert_true(fuzz_accepted > 1000);
}

static void test_hostile__mutated_captures(void **state)
{
    (void)state;
    fuzz_accepted = 0;
    struct vec_ctx c;
    vec_open(&c, "med-and-netdata.vec");
    unsigned nframes = 0;
    const struct tvec_block *frames[128];
    for (unsigned j = 0; j < c.file.n; j++)
        if (is_frame(&c.file.blocks[j]))
            frames[nframes++] = &c.file.blocks[j];
    for (unsigned it = 0; it < 20000; it++) {
        uint8_t raw[MAC_PSDU_MAX + 8];
        size_t len = hex(tvec_get(frames[rng() % nframes], "psdu"), raw, sizeof(raw));
        unsigned muts = 1 + rng() % 4;
        for (unsigned m = 0; m < muts; m++)
            raw[rng() % len] = (uint8_t)rng();
        if (rng() % 4 == 0)
            len = rng() % (len + 1);
        uint8_t *t = dup_exact(raw, len);
        if (len >= 3)
            put_fcs(t, len);
        fuzz_one(t, len);
        free(t);
    }
    printf("  mutated: %u of 20000 accepted as frames\n", fuzz_accepted);
    assert_true(fuzz_accepted > 1000);
    tvec_free(&c.file);
}

/* ---- targeted rules ------------------------------------------------------- */

/* The Parent Request of nat64-ping (frame 0) as a base for edits. */
static const char *const parent_req =
    "41d8533412ffff8f7d40522239e9f67f3b02f04d4c4d4c2c180015000000000000000001b1528efd7052c350d90dc2"
    "97fcead11741316772603a3dc24bbffd";

static enum mac_err parse_edited(uint16_t fcf_set, uint16_t fcf_clear, size_t len_override)
{
    uint8_t raw[MAC_PSDU_MAX + 8];
    size_t len = hex(parent_req, raw, sizeof(raw));
    uint16_t fcf = (uint16_t)(raw[0] | (raw[1] << 8));
    fcf = (uint16_t)((fcf & ~fcf_clear) | fcf_set);
    raw[0] = (uint8_t)fcf;
    raw[1] = (uint8_t)(fcf >> 8);
    if (len_override)
        len = len_override;
    put_fcs(raw, len);
    struct mac_frame f;
    return mac_frame_parse(raw, len, &f);
}

static void test_parse__rejections_are_named(void **state)
{
    (void)state;
    assert_int_equal(parse_edited(0, 0, 0), MAC_OK);
    /* Version 2 (2015) and 3 (reserved). */
    assert_int_equal(parse_edited(0x2000, 0x3000, 0), MAC_ERR_UNSUPPORTED_VERSION);
    assert_int_equal(parse_edited(0x3000, 0x3000, 0), MAC_ERR_UNSUPPORTED_VERSION);
    /* Version 2003 without security is fine. */
    assert_int_equal(parse_edited(0, 0x3000, 0), MAC_OK);
    /* Reserved frame types 4..7. */
    for (uint16_t t = 4; t < 8; t++)
        assert_int_equal(parse_edited(t, 0x0007, 0), MAC_ERR_BAD_FRAME_TYPE);
    /* Reserved FCF bits 7, 8, 9. */
    assert_int_equal(parse_edited(0x0080, 0, 0), MAC_ERR_RESERVED_BITS);
    assert_int_equal(parse_edited(0x0200, 0, 0), MAC_ERR_RESERVED_BITS);
    /* Addressing mode 1 is reserved. */
    assert_int_equal(parse_edited(0x0400, 0x0c00, 0), MAC_ERR_BAD_ADDR_MODE);
    assert_int_equal(parse_edited(0x4000, 0xc000, 0), MAC_ERR_BAD_ADDR_MODE);
    /* PAN ID compression with a single address. */
    assert_int_equal(parse_edited(0, 0x0c00, 0), MAC_ERR_BAD_ADDR_MODE);
    /* Neither address on a data frame. */
    assert_int_equal(parse_edited(0, 0xcc40, 0), MAC_ERR_BAD_ADDR_MODE);
    /* Beacon with a destination address. */
    assert_int_equal(parse_edited(0x0000, 0x0007, 0), MAC_ERR_BAD_ADDR_MODE);
    /* Ack with addresses. */
    assert_int_equal(parse_edited(0x0002, 0x0007, 0), MAC_ERR_BAD_ADDR_MODE);
    /* Security with a 2003 frame: legacy security. */
    assert_int_equal(parse_edited(0x0008, 0x3000, 0), MAC_ERR_UNSUPPORTED_SECURITY);
    /* Lengths. */
    assert_int_equal(parse_edited(0, 0, 128), MAC_ERR_TOO_LONG);
    uint8_t big[200] = {0};
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(big, sizeof(big), &f), MAC_ERR_TOO_LONG);
    assert_int_equal(mac_frame_parse(big, 4, &f), MAC_ERR_TRUNCATED);
    assert_int_equal(mac_frame_parse(NULL, 0, &f), MAC_ERR_TRUNCATED);

    /* Ack with a payload byte; Ack with security. */
    uint8_t ack[6] = {0x12, 0x10, 0x34, 0xaa};
    put_fcs(ack, 6);
    assert_int_equal(mac_frame_parse(ack, 6, &f), MAC_ERR_MALFORMED);
    uint8_t sack[5] = {0x1a, 0x10, 0x34};
    put_fcs(sack, 5);
    assert_int_equal(mac_frame_parse(sack, 5, &f), MAC_ERR_MALFORMED);
    /* MAC command without its identifier. */
    uint8_t cmd[] = {0x03, 0x08, 0x01, 0x34, 0x12, 0x00, 0x18, 0, 0};
    put_fcs(cmd, sizeof(cmd));
    assert_int_equal(mac_frame_parse(cmd, sizeof(cmd), &f), MAC_ERR_MALFORMED);
    uint8_t cmd1[] = {0x03, 0x08, 0x01, 0x34, 0x12, 0x00, 0x18, 0x04, 0, 0};
    put_fcs(cmd1, sizeof(cmd1));
    assert_int_equal(mac_frame_parse(cmd1, sizeof(cmd1), &f), MAC_OK);
    assert_int_equal(f.type, MAC_FRAME_CMD);
    assert_int_equal(f.dst.short_addr, 0x1800);
    assert_int_equal(f.payload_len, 1);
    assert_int_equal(f.payload[0], 0x04);

    /* Security control: level 0, reserved bits. Data 2006, dst short, no src. */
    uint8_t sec[] = {0x09, 0x18, 0x01, 0x34, 0x12, 0x00, 0x18, 0x0d, 1, 0,
                     0,    0,    1,    0xee, 0x11, 0x22, 0x33, 0x44, 0, 0};
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_OK);
    assert_int_equal(f.sec.level, 5);
    assert_int_equal(f.sec.key_id_mode, 1);
    assert_int_equal(f.sec.frame_counter, 1);
    assert_int_equal(f.sec.key_index, 1);
    assert_int_equal(f.payload_len, 1);
    assert_int_equal(f.mic_len, 4);
    sec[7] = 0x08; /* level 0 */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_UNSUPPORTED_SECURITY);
    sec[7] = 0x2d; /* reserved bit 5 (2015's frame counter suppression) */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_UNSUPPORTED_SECURITY);
    sec[7] = 0x07; /* level 7 (MIC-128) with key id mode 0: 16-byte MIC does not fit */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_TRUNCATED);
    sec[7] = 0x1d; /* key id mode 3: 8-byte key source + index does not fit with MIC */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_TRUNCATED);
    sec[7] = 0x15; /* key id mode 2: 4-byte key source, index, then a 4-byte MIC */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_TRUNCATED);
    sec[7] = 0x11; /* key id mode 2, level 1 (MIC-32, no encryption) */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_ERR_TRUNCATED);
    sec[7] = 0x14; /* key id mode 2, level 4 (ENC, no MIC): source, index, 1 payload byte */
    put_fcs(sec, sizeof(sec));
    assert_int_equal(mac_frame_parse(sec, sizeof(sec), &f), MAC_OK);
    assert_int_equal(f.sec.key_source_len, 4);
    static const uint8_t src4[4] = {0x01, 0xee, 0x11, 0x22};
    assert_memory_equal(f.sec.key_source, src4, 4);
    assert_int_equal(f.sec.key_index, 0x33);
    assert_int_equal(f.payload_len, 1);
    assert_int_equal(f.mic_len, 0);
    assert_null(f.mic);
    assert_canonical(sec, sizeof(sec), &f);

    for (int e = MAC_OK; e <= MAC_ERR_INVALID_ARG; e++)
        assert_true(strlen(mac_strerror((enum mac_err)e)) > 0);
}

static void test_parse__ext_addr_print_order(void **state)
{
    (void)state;
    uint8_t raw[MAC_PSDU_MAX + 8];
    size_t len = hex(parent_req, raw, sizeof(raw));
    struct mac_frame f;
    assert_int_equal(mac_frame_parse(raw, len, &f), MAC_OK);
    /* On air 8f 7d 40 52 22 39 e9 f6; extaddr prints f6e9392252407d8f. */
    static const uint8_t want[8] = {0xf6, 0xe9, 0x39, 0x22, 0x52, 0x40, 0x7d, 0x8f};
    assert_int_equal(f.src.mode, MAC_ADDR_EXT);
    assert_memory_equal(f.src.ext, want, 8);
    assert_int_equal(f.dst.mode, MAC_ADDR_SHORT);
    assert_int_equal(f.dst.short_addr, 0xffff);
    assert_int_equal(f.dst_pan, 0x1234);
    assert_int_equal(f.src_pan, 0x1234);
    assert_int_equal(f.header_len, 15);
}

static void test_build__ack_and_rejections(void **state)
{
    (void)state;
    uint8_t out[MAC_PSDU_MAX];
    size_t len = 0;
    assert_int_equal(mac_ack_build(0x34, true, MAC_VERSION_2006, out, sizeof(out), &len), MAC_OK);
    assert_int_equal(len, 5);
    static const uint8_t want[] = {0x12, 0x10, 0x34, 0x1b, 0xd2};
    assert_memory_equal(out, want, 5);
    assert_int_equal(mac_ack_build(7, false, MAC_VERSION_2003, out, sizeof(out), &len), MAC_OK);
    assert_int_equal(out[0], 0x02);
    assert_int_equal(out[1], 0x00);
    assert_int_equal(mac_ack_build(7, false, MAC_VERSION_2015, out, sizeof(out), &len),
                     MAC_ERR_INVALID_ARG);
    assert_int_equal(mac_ack_build(7, false, MAC_VERSION_2006, out, 4, &len), MAC_ERR_NO_SPACE);

    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.dst.mode = MAC_ADDR_SHORT;
    h.dst.short_addr = 0xffff;
    h.dst_pan = 0x1234;
    h.src.mode = MAC_ADDR_SHORT;
    h.src.short_addr = 0x1800;
    h.pan_id_compression = true;
    static const uint8_t pl[3] = {1, 2, 3};
    assert_int_equal(mac_frame_build(&h, pl, 3, out, sizeof(out), &len), MAC_OK);
    assert_int_equal(len, 3 + 2 + 2 + 2 + 3 + 2);
    static const uint8_t hdr[] = {0x41, 0x98, 0x00, 0x34, 0x12, 0xff, 0xff, 0x00, 0x18};
    assert_memory_equal(out, hdr, sizeof(hdr));

    struct mac_frame bad = h;
    bad.src.mode = MAC_ADDR_NONE; /* compression with one address */
    assert_int_equal(mac_frame_build(&bad, pl, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);
    bad = h;
    bad.version = MAC_VERSION_2015;
    assert_int_equal(mac_frame_build(&bad, pl, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);
    bad = h;
    bad.dst.mode = (enum mac_addr_mode)1;
    assert_int_equal(mac_frame_build(&bad, pl, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);
    bad = h;
    bad.security_enabled = true; /* level 0 */
    assert_int_equal(mac_frame_build(&bad, pl, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);
    bad.sec.level = 5;
    bad.sec.key_id_mode = 2; /* key_source_len must be 4 */
    assert_int_equal(mac_frame_build(&bad, pl, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);
    assert_int_equal(mac_frame_build(&h, NULL, 3, out, sizeof(out), &len), MAC_ERR_INVALID_ARG);

    /* 127 bytes fit, 128 do not. */
    uint8_t big[130] = {0};
    size_t room = MAC_PSDU_MAX - 9 - 2;
    assert_int_equal(mac_frame_build(&h, big, room, out, sizeof(out), &len), MAC_OK);
    assert_int_equal(len, MAC_PSDU_MAX);
    assert_int_equal(mac_frame_build(&h, big, room + 1, out, sizeof(out), &len), MAC_ERR_TOO_LONG);
    assert_int_equal(mac_frame_build(&h, big, SIZE_MAX, out, sizeof(out), &len), MAC_ERR_TOO_LONG);
}

static void test_security__protect_unprotect_rules(void **state)
{
    (void)state;
    struct thread_keys k;
    assert_int_equal(thread_keys_derive(net_key, 0, &k), 0);
    static const uint8_t me[8] = {0x5e, 0x01, 0xeb, 0x19, 0x06, 0xc0, 0xb0, 0x03};

    struct mac_frame h;
    memset(&h, 0, sizeof(h));
    h.type = MAC_FRAME_DATA;
    h.version = MAC_VERSION_2006;
    h.ack_request = true;
    h.pan_id_compression = true;
    h.dst.mode = MAC_ADDR_SHORT;
    h.dst.short_addr = 0x1801;
    h.dst_pan = 0x1234;
    h.src.mode = MAC_ADDR_SHORT;
    h.src.short_addr = 0x1800;
    h.security_enabled = true;
    h.sec.level = MAC_SEC_LEVEL_ENC_MIC_32;
    h.sec.key_id_mode = MAC_KEY_ID_MODE_INDEX;
    h.sec.key_index = mac_key_index(0);
    h.sec.frame_counter = 0x01020304;
    static const uint8_t msg[] = "an IPHC packet, more or less";

    uint8_t buf[MAC_PSDU_MAX];
    size_t len = 0;
    assert_int_equal(mac_frame_build(&h, msg, sizeof(msg), buf, sizeof(buf), &len), MAC_OK);
    assert_int_equal(len, 9 + 6 + sizeof(msg) + 4 + 2);
    /* Aux header on air: 0d, counter LE, key index. */
    static const uint8_t aux[] = {0x0d, 0x04, 0x03, 0x02, 0x01, 0x01};
    assert_memory_equal(buf + 9, aux, sizeof(aux));
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_OK);
    assert_memory_not_equal(buf + 15, msg, sizeof(msg));
    assert_true(fcs_ok(buf, len));

    struct mac_frame f;
    uint8_t copy[MAC_PSDU_MAX];
    memcpy(copy, buf, len);
    /* Flip one ciphertext bit (fresh FCS): MIC failure, buffer unchanged. */
    copy[20] ^= 0x10;
    put_fcs(copy, len);
    uint8_t before[MAC_PSDU_MAX];
    memcpy(before, copy, len);
    assert_int_equal(mac_security_unprotect(k.mac, me, copy, len, &f), MAC_ERR_SECURITY);
    assert_memory_equal(copy, before, len);
    /* Flip a MIC bit. */
    memcpy(copy, buf, len);
    copy[len - 3] ^= 0x01;
    put_fcs(copy, len);
    assert_int_equal(mac_security_unprotect(k.mac, me, copy, len, &f), MAC_ERR_SECURITY);
    /* Without the fresh FCS, the FCS check comes first. */
    memcpy(copy, buf, len);
    copy[20] ^= 0x10;
    assert_int_equal(mac_security_unprotect(k.mac, me, copy, len, &f), MAC_ERR_BAD_FCS);

    assert_int_equal(mac_security_unprotect(k.mac, me, buf, len, &f), MAC_OK);
    assert_int_equal(f.payload_len, sizeof(msg));
    assert_memory_equal(f.payload, msg, sizeof(msg));
    assert_int_equal(f.sec.frame_counter, 0x01020304);

    /* Counter 0xffffffff is never used. */
    h.sec.frame_counter = UINT32_MAX;
    assert_int_equal(mac_frame_build(&h, msg, sizeof(msg), buf, sizeof(buf), &len), MAC_OK);
    memcpy(copy, buf, len);
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_ERR_COUNTER);
    assert_memory_equal(buf, copy, len);
    assert_int_equal(mac_security_unprotect(k.mac, me, buf, len, &f), MAC_ERR_COUNTER);
    /* Other levels / key id modes are not processed. */
    h.sec.frame_counter = 1;
    h.sec.level = 6;
    assert_int_equal(mac_frame_build(&h, msg, sizeof(msg), buf, sizeof(buf), &len), MAC_OK);
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_ERR_UNSUPPORTED_SECURITY);
    assert_int_equal(mac_security_unprotect(k.mac, me, buf, len, &f), MAC_ERR_UNSUPPORTED_SECURITY);
    h.sec.level = 5;
    h.sec.key_id_mode = 0;
    assert_int_equal(mac_frame_build(&h, msg, sizeof(msg), buf, sizeof(buf), &len), MAC_OK);
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_ERR_UNSUPPORTED_SECURITY);
    /* Unsecured frame. */
    h.security_enabled = false;
    assert_int_equal(mac_frame_build(&h, msg, sizeof(msg), buf, sizeof(buf), &len), MAC_OK);
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_ERR_NOT_SECURED);
    /* Not a frame at all. */
    assert_int_equal(mac_security_protect(k.mac, me, buf, 3), MAC_ERR_TRUNCATED);

    /* Empty payload: MIC over the header alone. */
    h.security_enabled = true;
    h.sec.key_id_mode = 1;
    assert_int_equal(mac_frame_build(&h, NULL, 0, buf, sizeof(buf), &len), MAC_OK);
    assert_int_equal(mac_security_protect(k.mac, me, buf, len), MAC_OK);
    assert_int_equal(mac_security_unprotect(k.mac, me, buf, len, &f), MAC_OK);
    assert_int_equal(f.payload_len, 0);
}

static void test_security__nonce_layout(void **state)
{
    (void)state;
    static const uint8_t ext[8] = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0x59};
    uint8_t n[MAC_NONCE_LEN];
    mac_security_nonce(ext, 0x0a0b0c0d, 5, n);
    static const uint8_t want[13] = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe,
                                     0x59, 0x0a, 0x0b, 0x0c, 0x0d, 0x05};
    assert_memory_equal(n, want, 13);
}

static void test_replay__counter_rules(void **state)
{
    (void)state;
    struct mac_replay r;
    mac_replay_init(&r, 0);
    /* First frame: >= floor, so 0 is fine. */
    assert_int_equal(mac_replay_check(&r, 0), MAC_OK);
    assert_int_equal(mac_replay_accept(&r, 0), MAC_OK);
    /* Then strictly increasing; duplicates and older counters refused. */
    assert_int_equal(mac_replay_check(&r, 0), MAC_ERR_REPLAY);
    assert_int_equal(mac_replay_accept(&r, 5), MAC_OK);
    assert_int_equal(mac_replay_accept(&r, 5), MAC_ERR_REPLAY);
    assert_int_equal(mac_replay_accept(&r, 4), MAC_ERR_REPLAY);
    assert_int_equal(r.last, 5);
    assert_int_equal(mac_replay_accept(&r, 6), MAC_OK);
    assert_int_equal(mac_replay_accept(&r, 1000), MAC_OK);
    assert_int_equal(mac_replay_check(&r, 999), MAC_ERR_REPLAY);
    /* Check does not record. */
    assert_int_equal(mac_replay_check(&r, 1001), MAC_OK);
    assert_int_equal(r.last, 1000);
    assert_int_equal(mac_replay_check(&r, UINT32_MAX), MAC_ERR_COUNTER);
    assert_int_equal(mac_replay_accept(&r, UINT32_MAX - 1), MAC_OK);
    assert_int_equal(mac_replay_check(&r, UINT32_MAX), MAC_ERR_COUNTER);

    /* A floor (from MLE's Link-layer Frame Counter TLV): equal is accepted
     * once, below it never. */
    mac_replay_init(&r, 100);
    assert_int_equal(mac_replay_check(&r, 99), MAC_ERR_REPLAY);
    assert_int_equal(mac_replay_check(&r, 0), MAC_ERR_REPLAY);
    assert_int_equal(mac_replay_accept(&r, 100), MAC_OK);
    assert_int_equal(mac_replay_accept(&r, 100), MAC_ERR_REPLAY);
    assert_int_equal(mac_replay_accept(&r, 101), MAC_OK);

    /* The captures: each sender's counters only grow, so replaying the
     * secured frames in order is accepted, and replaying any again is not. */
    struct vec_ctx c;
    vec_open(&c, "attach-ftd-child.vec");
    struct mac_replay per_node[8];
    for (int i = 0; i < 8; i++)
        mac_replay_init(&per_node[i], 0);
    unsigned accepted = 0;
    for (unsigned j = 0; j < c.file.n; j++) {
        const struct tvec_block *b = &c.file.blocks[j];
        if (!is_frame(b))
            continue;
        uint8_t raw[MAC_PSDU_MAX + 8];
        size_t len = hex(tvec_get(b, "psdu"), raw, sizeof(raw));
        struct mac_frame f;
        assert_int_equal(mac_frame_parse(raw, len, &f), MAC_OK);
        if (!f.security_enabled)
            continue;
        unsigned id = (unsigned)strtoul(tvec_get(b, "sender_node"), NULL, 10);
        assert_int_equal(mac_replay_check(&per_node[id], f.sec.frame_counter), MAC_OK);
        assert_int_equal(mac_security_unprotect(c.keys.cur, c.node_ext[id], raw, len, &f), MAC_OK);
        assert_int_equal(mac_replay_accept(&per_node[id], f.sec.frame_counter), MAC_OK);
        assert_int_equal(mac_replay_check(&per_node[id], f.sec.frame_counter), MAC_ERR_REPLAY);
        accepted++;
    }
    assert_true(accepted > 0);
    tvec_free(&c.file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_kermit__check_values),
        cmocka_unit_test(test_keys__readme_vectors_seq_0_1_2),
        cmocka_unit_test(test_keys__index_and_lookup),
        cmocka_unit_test(test_vectors__every_frame),
        cmocka_unit_test(test_parse__ext_addr_print_order),
        cmocka_unit_test(test_parse__rejections_are_named),
        cmocka_unit_test(test_build__ack_and_rejections),
        cmocka_unit_test(test_security__nonce_layout),
        cmocka_unit_test(test_security__protect_unprotect_rules),
        cmocka_unit_test(test_replay__counter_rules),
        cmocka_unit_test(test_hostile__truncations_and_bit_flips),
        cmocka_unit_test(test_hostile__random_bytes),
        cmocka_unit_test(test_hostile__mutated_captures),
    };
    return cmocka_run_group_tests_name("mac", tests, NULL, NULL);
}
