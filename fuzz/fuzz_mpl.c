/*
 * libFuzzer harness for MPL (src/ip6/mpl.[ch]): arbitrary bytes as an MPL
 * option, as an IPv6 packet from the radio, and as a stream of seed-set
 * events.
 *
 * Checked invariants (abort on violation):
 *   - option: a decoded option encodes back to the same TLV, the reserved
 *     bits cleared; the size is mpl_option_size(S);
 *   - decapsulate: success gives at most the packet's bytes, a parseable
 *     IPv6 header, and no room one byte short; when the option was removed
 *     from a packet whose Hop-by-Hop header led to a non-extension header,
 *     the result carries no MPL option any more;
 *   - encapsulate -> decapsulate gives the packet back (its payload-length
 *     bytes) for every tunnel, and for every realm-local packet whose
 *     options are well formed and without an MPL option;
 *   - mpl_input on a router: counters add up, the seed set stays within
 *     its 35 entries with every seed's entries contiguous and no pair twice,
 *     a new pair is then in the set; buffered messages are at most
 *     MPL_BUFFERED_ENTRIES and every transmission mpl_process makes is a
 *     whole IPv6 packet within MPL_MAX_PKT, each message at most twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "ip6/mpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t fixed_rand(void *user)
{
    uint32_t *s = user;
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void check_seeds(const struct mpl *m)
{
    CHECK(m->n_seeds <= MPL_SEED_SET_ENTRIES);
    for (unsigned i = 0; i < m->n_seeds; i++) {
        for (unsigned j = i + 1; j < m->n_seeds; j++) {
            const struct mpl_seed_entry *a = &m->seeds[i], *b = &m->seeds[j];
            CHECK(a->seed_id != b->seed_id || a->sequence != b->sequence);
            /* contiguous: the same seed further on means the same seed in between */
            if (a->seed_id == b->seed_id)
                CHECK(m->seeds[j - 1].seed_id == a->seed_id);
        }
    }
    CHECK(m->n_queued <= MPL_BUFFERED_ENTRIES);
}

static unsigned sends;

static void on_send(void *user, const uint8_t *pkt, size_t len, bool retx)
{
    (void)user;
    (void)retx;
    CHECK(len >= MPL_IP6_HDR_LEN && len <= MPL_MAX_PKT);
    CHECK(pkt[0] >> 4 == 6 && (size_t)((pkt[4] << 8) | pkt[5]) + MPL_IP6_HDR_LEN == len);
    sends++;
}

static void fuzz_option(const uint8_t *data, size_t size)
{
    struct mpl_option o;
    uint8_t buf[MPL_OPT_MAX_SIZE];
    size_t len = 0;
    if (mpl_option_decode(data, size, &o) != MPL_DROP_NONE)
        return;
    CHECK(mpl_option_encode(&o, buf, sizeof(buf), &len) == OT_ERR_NONE);
    CHECK(len == mpl_option_size(o.s) && len <= size);
    CHECK(buf[0] == data[0] && buf[1] == data[1] && buf[2] == (data[2] & 0xf0));
    CHECK(memcmp(buf + 3, data + 3, len - 3) == 0);
}

static void fuzz_decap(const uint8_t *data, size_t size)
{
    static uint8_t out[70000], again[70000];
    size_t n = 0, n2 = 0;
    struct mpl_option o;
    if (mpl_decapsulate(data, size, out, sizeof(out), &n, &o) != MPL_DROP_NONE) {
        CHECK(n == 0);
        return;
    }
    CHECK(n >= MPL_IP6_HDR_LEN && n <= size);
    CHECK(out[0] >> 4 == 6 && (size_t)((out[4] << 8) | out[5]) + MPL_IP6_HDR_LEN <= n);
    CHECK(mpl_decapsulate(data, size, again, n - 1, &n2, NULL) == MPL_DROP_NO_ROOM);
    uint8_t hbh_nh = data[40];
    bool ext = hbh_nh == 0 || hbh_nh == 41 || hbh_nh == 43 || hbh_nh == 44 || hbh_nh == 60;
    if (!ext) {
        enum mpl_drop d = mpl_decapsulate(out, n, again, sizeof(again), &n2, NULL);
        CHECK(d == MPL_DROP_NO_OPTION);
    }
}

static void fuzz_encap(const uint8_t *data, size_t size)
{
    static uint8_t out[70000], back[70000];
    static const uint8_t rloc[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0, 0x04, 0};
    struct mpl m;
    size_t n = 0, nb = 0;
    mpl_init(&m, NULL, NULL);
    mpl_set_identity(&m, rloc, 0x0400);
    if (mpl_encapsulate(&m, data, size, out, sizeof(out), &n) != OT_ERR_NONE)
        return;
    size_t end = MPL_IP6_HDR_LEN + (size_t)((data[4] << 8) | data[5]);
    if (n == end)
        return; /* unchanged */
    CHECK(n == end + 8 || n == end + 48);
    /* A realm-local packet whose own next header (after its Hop-by-Hop
     * header, which encapsulate found complete) is IPv6 reads back as a
     * tunnel: nothing to compare. */
    if (n == end + 8 && (data[6] == 0 ? data[40] : data[6]) == 41)
        return;
    /* Round trip for tunnels, and for realm-local packets whose options
     * are well formed and hold no MPL option yet (else the new option can
     * be swallowed by a bad one, or read as a second one). */
    size_t n0 = 0;
    bool clean = mpl_decapsulate(data, size, back, sizeof(back), &n0, NULL) == MPL_DROP_NO_OPTION;
    enum mpl_drop d = mpl_decapsulate(out, n, back, sizeof(back), &nb, NULL);
    if (n == end + 48 || clean)
        CHECK(d == MPL_DROP_NONE && nb == end && memcmp(back, data, end) == 0);
}

/* Events of 3 bytes: seed (one of 8), sequence, flags (from_thread, time step). */
static void fuzz_seed_set(const uint8_t *data, size_t size)
{
    static struct mpl m;
    uint32_t r = 1;
    uint8_t pkt[64];
    uint64_t now = 0;
    static const uint8_t base[48] = {0x60, 0,    0, 0, 0,  18, 0,    64,   0xfd, 0, 0, 0,
                                     0,    0,    0, 0, 0,  0,  0,    0xff, 0xfe, 0, 0, 0,
                                     0xff, 0x03, 0, 0, 0,  0,  0,    0,    0,    0, 0, 0,
                                     0,    0,    0, 1, 59, 0,  0x6d, 4,    0x40, 0, 0, 0};
    mpl_init(&m, fixed_rand, &r);
    mpl_set_role(&m, MPL_ROLE_ROUTER);
    memcpy(pkt, base, sizeof(base));
    memset(pkt + 48, 0, sizeof(pkt) - 48);
    sends = 0;
    unsigned events = 0;
    for (size_t i = 0; i + 3 <= size && events < 400; i += 3, events++) {
        uint8_t ev = data[i + 2];
        now += (uint64_t)(ev >> 1) * 40; /* up to ~5 s per step */
        pkt[46] = 0;
        pkt[47] = data[i] & 7;
        pkt[45] = data[i + 1];
        pkt[7] = (uint8_t)(ev & 0x40 ? 1 : 64);
        struct mpl_rx_info info;
        struct mpl_counters before = m.cnt;
        enum mpl_drop d = mpl_input(&m, pkt, sizeof(pkt), ev & 1, now, &info);
        CHECK(info.has_option);
        if (d == MPL_DROP_NONE && info.is_new) {
            CHECK(mpl_seed_has(&m, data[i] & 7, data[i + 1], now));
            CHECK(m.cnt.rx_new == before.rx_new + 1);
        } else if (d != MPL_DROP_NONE) {
            CHECK(d == MPL_DROP_DUPLICATE || d == MPL_DROP_SEED_SET_FULL ||
                  d == MPL_DROP_SEED_STALE);
            CHECK(m.cnt.drops[d] == before.drops[d] + 1);
        }
        check_seeds(&m);
        mpl_process(&m, now, on_send, NULL);
        check_seeds(&m);
    }
    /* run the buffered set dry */
    for (int k = 0; k < 100 && mpl_next_timeout_ms(&m, now) >= 0; k++) {
        now += (uint64_t)mpl_next_timeout_ms(&m, now);
        mpl_process(&m, now, on_send, NULL);
    }
    CHECK(mpl_buffered_count(&m) == 0);
    CHECK(sends == m.cnt.tx_retx && sends <= 2 * m.cnt.buffered);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_option(data, size);
    fuzz_decap(data, size);
    fuzz_encap(data, size);
    fuzz_seed_set(data, size);
    return 0;
}
