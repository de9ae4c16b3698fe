/*
 * libFuzzer harness for the settings loader (platform/settings.c): a hostile
 * settings file through settings_open's bounded reader and validator, then
 * what the Thread node restores from it (thread/node.c load_store,
 * node_store, child_table) when it starts on that file.
 *
 * Input: [mode] then bytes. mode bits 0-1:
 *   0  the bytes are the file, as they are;
 *   1  the bytes are the file with its header's body length and record
 *      count and its CRC made right (so record checks are reached);
 *   2, 3  the bytes are records [key][len][value], key from a table of the
 *      keys the node reads (or any), written as a well-formed file;
 * mode bit 2: a node then starts on the loaded store (tnode_new with it;
 * ifconfig up and thread start when it holds a dataset) and runs 3 s of
 * virtual time.
 *
 * The file is really written and read (the loader's open/read path); the
 * writes the store makes go to memory (struct settings_ops), and a corrupt
 * file's move aside is recorded, not done.
 *
 * Checked invariants (abort on violation), besides ASan/UBSan and LSan:
 *   - settings_open returns OK or a corrupt code, nothing else (no I/O
 *     error is injected); the report agrees (err, existed, a message for a
 *     corrupt file) and a corrupt file is moved to "<path>.corrupt-...";
 *   - OK exactly when an independent reading of the format (settings.h)
 *     accepts the file, and then every record reads back (settings_count,
 *     settings_get) as that reading found it; a corrupt file leaves an
 *     empty store;
 *   - round trip: on a loaded file, adding a value then deleting it writes
 *     a file byte-identical to the input (one canonical form), and the
 *     intermediate file is one the reference reading accepts;
 *   - a node started on the store never sends a MAC or MLE frame counter
 *     below the ones NETWORK_INFO persisted (no reuse after a restart).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lowpan/lowpan.h"
#include "mac/mac_frame.h"
#include "platform/settings.h"
#include "thread/mle_msg.h"
#include "thread/node.h"
#include "thread/node_store.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "node-1.settings"
#define FAKE_FD 1000

/* ---- the store's system calls: the file is read for real, writes go here ---- */

struct fake_fs {
    char tmp[4200], path[4200];
    uint8_t *wbuf; /* what the last open of <file>.tmp got */
    size_t wlen;
    uint8_t *disk; /* the committed file (renamed over the path) */
    size_t disk_len;
    bool committed;
    bool moved; /* a corrupt file was moved aside */
    char moved_to[4300];
};

static struct fake_fs fs;

static int f_open(void *ctx, const char *path, int flags, mode_t mode)
{
    (void)ctx, (void)path, (void)flags, (void)mode;
    fs.wlen = 0;
    return FAKE_FD;
}

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t len)
{
    (void)ctx;
    CHECK(fd == FAKE_FD && fs.wlen + len <= SETTINGS_MAX_FILE);
    memcpy(fs.wbuf + fs.wlen, buf, len);
    fs.wlen += len;
    return (ssize_t)len;
}

static int f_fsync(void *ctx, int fd)
{
    (void)ctx;
    CHECK(fd == FAKE_FD);
    return 0;
}

static int f_close(void *ctx, int fd)
{
    (void)ctx;
    CHECK(fd == FAKE_FD);
    return 0;
}

static int f_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    if (!strcmp(from, fs.tmp)) {
        CHECK(!strcmp(to, fs.path));
        memcpy(fs.disk, fs.wbuf, fs.wlen);
        fs.disk_len = fs.wlen;
        fs.committed = true;
        return 0;
    }
    CHECK(!strcmp(from, fs.path) && !fs.moved);
    fs.moved = true;
    snprintf(fs.moved_to, sizeof(fs.moved_to), "%s", to);
    return 0;
}

static time_t f_now(void *ctx)
{
    (void)ctx;
    return 1700000000;
}

static const struct settings_ops fake_ops = {f_open, f_write, f_fsync, f_close, f_rename, f_now};

/* ---- an independent reading of the format (settings.h) ----------------------- */

static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static uint32_t be(const uint8_t *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

struct ref_rec {
    uint16_t key, len;
    const uint8_t *val;
};

/* True when f[0..n) is a valid file; its records go to recs (count in *nrec). */
static bool ref_read(const uint8_t *f, size_t n, struct ref_rec *recs, unsigned *nrec)
{
    if (n < 20 || n > SETTINGS_MAX_FILE || memcmp(f, "TBRS", 4) || be(f + 4, 2) != 1 ||
        be(f + 6, 2) || be(f + 14, 2))
        return false;
    uint32_t body = be(f + 8, 4);
    unsigned count = be(f + 12, 2);
    if (body != n - 20 || be(f + n - 4, 4) != crc32_ref(f, n - 4) || count > SETTINGS_MAX_RECORDS)
        return false;
    uint16_t keys[SETTINGS_MAX_KEYS];
    unsigned nkeys = 0;
    size_t off = 16;
    for (unsigned i = 0; i < count; i++) {
        if (off + 4 > n - 4)
            return false;
        uint16_t key = (uint16_t)be(f + off, 2), len = (uint16_t)be(f + off + 2, 2);
        if (!key || off + 4 + len > n - 4)
            return false;
        unsigned k = 0;
        while (k < nkeys && keys[k] != key)
            k++;
        if (k == nkeys) {
            if (nkeys == SETTINGS_MAX_KEYS)
                return false;
            keys[nkeys++] = key;
        }
        recs[i] = (struct ref_rec){key, len, f + off + 4};
        off += 4 + (size_t)len;
    }
    *nrec = count;
    return off == n - 4;
}

/* ---- building the file from the input ------------------------------------------ */

static void put_be(uint8_t *p, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* Mode 1: body length, record count and CRC made to fit the bytes. */
static size_t patch_header(const uint8_t *in, size_t n, uint8_t *f)
{
    if (n < 20 || n > SETTINGS_MAX_FILE)
        return 0;
    memcpy(f, in, n);
    put_be(f + 8, (uint32_t)(n - 20), 4);
    unsigned count = 0;
    for (size_t off = 16; off + 4 <= n - 4; count++)
        off += 4 + be(f + off + 2, 2);
    put_be(f + 12, count, 2);
    put_be(f + n - 4, crc32_ref(f, n - 4), 4);
    return n;
}

/* Modes 2 and 3: records [key selector][len][value] as a well-formed file. */
static size_t from_records(const uint8_t *in, size_t n, uint8_t *f)
{
    static const uint16_t keys[8] = {
        SETTINGS_KEY_ACTIVE_DATASET, SETTINGS_KEY_NETWORK_INFO,    SETTINGS_KEY_CHILD_INFO,
        SETTINGS_KEY_CHILD_INFO,     SETTINGS_KEY_PARENT_INFO,     SETTINGS_KEY_PENDING_DATASET,
        SETTINGS_KEY_NAT64,          SETTINGS_KEY_SRP_CLIENT_INFO,
    };
    size_t off = 16;
    unsigned count = 0;
    memset(f, 0, 16);
    memcpy(f, "TBRS", 4);
    put_be(f + 4, 1, 2);
    for (size_t i = 0; i + 2 <= n && count < SETTINGS_MAX_RECORDS;) {
        uint8_t sel = in[i];
        size_t len = in[i + 1];
        i += 2;
        if (len > n - i)
            len = n - i;
        uint16_t key = sel < 0xf8 ? keys[sel & 7] : (uint16_t)(0x8000 | sel);
        put_be(f + off, key, 2);
        put_be(f + off + 2, (uint32_t)len, 2);
        memcpy(f + off + 4, in + i, len);
        off += 4 + len;
        i += len;
        count++;
    }
    put_be(f + 8, (uint32_t)(off - 16), 4);
    put_be(f + 12, count, 2);
    put_be(f + off, crc32_ref(f, off), 4);
    return off + 4;
}

/* ---- a node on the loaded store ---------------------------------------------------- */

struct radio_log {
    uint32_t mac_min, mle_min; /* smallest counters sent */
    bool mac_seen, mle_seen;
};

static void mle_counter(struct radio_log *log, const struct mac_frame *f)
{
    /* MLE goes MAC-unsecured; its aux header is in the clear. */
    struct lowpan_ctx_table ctx;
    lowpan_ctx_init(&ctx);
    struct lowpan_lladdr s = {.mode = LOWPAN_LL_NONE}, d = {.mode = LOWPAN_LL_NONE};
    if (f->src.mode == MAC_ADDR_EXT) {
        s.mode = LOWPAN_LL_EXT;
        memcpy(s.ext, f->src.ext, 8);
    }
    uint8_t pkt[200];
    size_t plen;
    if (f->payload_len == 0 || (f->payload[0] & 0xe0) != 0x60 ||
        lowpan_decompress(&ctx, &s, &d, f->payload, f->payload_len, 0, pkt, sizeof(pkt), &plen,
                          NULL) != LOWPAN_OK ||
        plen < 49 || pkt[6] != 17 || be(pkt + 42, 2) != MLE_UDP_PORT)
        return;
    struct mle_frame mf;
    if (mle_frame_parse(pkt + 48, plen - 48, &mf) != MLE_OK || mf.suite != MLE_SUITE_SECURED)
        return;
    if (!log->mle_seen || mf.aux.frame_counter < log->mle_min)
        log->mle_min = mf.aux.frame_counter;
    log->mle_seen = true;
}

static int radio_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t channel)
{
    struct radio_log *log = radio;
    struct mac_frame f;
    (void)channel;
    CHECK(mac_frame_parse(psdu, len, &f) == MAC_OK);
    if (f.type != MAC_FRAME_DATA)
        return 0;
    if (f.security_enabled) {
        if (!log->mac_seen || f.sec.frame_counter < log->mac_min)
            log->mac_min = f.sec.frame_counter;
        log->mac_seen = true;
    } else {
        mle_counter(log, &f);
    }
    return 0;
}

static int radio_set_channel(void *radio, uint8_t channel)
{
    (void)radio, (void)channel;
    return 0;
}

static const struct radio_ops ops = {
    .caps = 0, .transmit = radio_tx, .set_channel = radio_set_channel};

static void node_random(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
}

static void run_node(struct settings *s)
{
    struct kv kv;
    settings_kv(s, &kv);
    struct node_store_network_info ni;
    bool have_ni = node_store_get_network_info(&kv, &ni) == 0;
    struct radio_log log = {0};
    struct tnode_cfg cfg = {0};
    cfg.node_id = 1;
    cfg.radio_ops = &ops;
    cfg.radio = &log;
    cfg.kv = &kv;
    cfg.random = node_random;
    cfg.router_eligible = true;
    uint64_t now = 1000;
    struct tnode *n = tnode_new(&cfg, now);
    if (!n)
        return;
    size_t dlen;
    if (tnode_active_dataset(n, &dlen) && tnode_ifconfig(n, true, now) == OT_ERR_NONE)
        tnode_thread_start(n, now);
    /* 3 s of virtual time, timer to timer */
    for (int i = 0; i < 64 && now < 4000; i++) {
        int64_t t = tnode_next_timeout_ms(n, now);
        if (t < 0)
            break;
        now += t ? (uint64_t)t : 1;
        tnode_process(n, now);
    }
    tnode_free(n);
    if (have_ni) {
        CHECK(!log.mac_seen || log.mac_min >= ni.mac_frame_counter);
        CHECK(!log.mle_seen || log.mle_min >= ni.mle_frame_counter);
    }
}

/* ---- the harness ------------------------------------------------------------------ */

static char dir[64];

/* At exit: the file and its directory gone. */
static void cleanup(void)
{
    unlink(fs.path);
    rmdir(dir);
}

static void setup(void)
{
    if (dir[0])
        return;
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/tbr-fuzz-settings-XXXXXX", t && strlen(t) < 32 ? t : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(fs.path, sizeof(fs.path), "%s/%s", dir, NAME);
    snprintf(fs.tmp, sizeof(fs.tmp), "%s/%s.tmp", dir, NAME);
    fs.wbuf = malloc(SETTINGS_MAX_FILE);
    fs.disk = malloc(SETTINGS_MAX_FILE);
    CHECK(fs.wbuf && fs.disk);
    atexit(cleanup);
}

static void write_file(const uint8_t *f, size_t n)
{
    int fd = open(fs.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    CHECK(n == 0 || write(fd, f, n) == (ssize_t)n);
    close(fd);
}

static struct ref_rec recs[SETTINGS_MAX_RECORDS], recs2[SETTINGS_MAX_RECORDS];

/* Every record of the reference reading reads back from the store. */
static void same_records(struct settings *s, const struct ref_rec *r, unsigned n)
{
    static uint8_t buf[SETTINGS_MAX_FILE];
    for (unsigned i = 0; i < n; i++) {
        unsigned idx = 0, total = 0;
        for (unsigned j = 0; j < n; j++) {
            idx += j < i && r[j].key == r[i].key;
            total += r[j].key == r[i].key;
        }
        size_t len;
        CHECK(settings_count(s, r[i].key) == total);
        CHECK(settings_get(s, r[i].key, idx, buf, sizeof(buf), &len) == SETTINGS_OK);
        CHECK(len == r[i].len && !memcmp(buf, r[i].val, len));
    }
}

/* Add then delete: the file written last is the input again. */
static void round_trip(struct settings *s, const uint8_t *f, size_t n, unsigned nrec)
{
    static const uint8_t v[3] = {1, 2, 3};
    const uint16_t key = 0x7ffe;
    unsigned before = settings_count(s, key);
    enum settings_err e = settings_add(s, key, v, sizeof(v));
    if (e == SETTINGS_ERR_NO_SPACE)
        return;
    CHECK(e == SETTINGS_OK && fs.committed);
    unsigned n2;
    CHECK(ref_read(fs.disk, fs.disk_len, recs2, &n2) && n2 == nrec + 1);
    CHECK(recs2[nrec].key == key && recs2[nrec].len == sizeof(v));
    CHECK(settings_delete(s, key, (int)before) == SETTINGS_OK);
    CHECK(fs.disk_len == n && !memcmp(fs.disk, f, n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t file[SETTINGS_MAX_FILE + 1024];
    if (size < 1 || size > SETTINGS_MAX_FILE)
        return 0;
    setup();
    size_t n;
    switch (data[0] & 3) {
    case 0:
        memcpy(file, data + 1, size - 1);
        n = size - 1;
        break;
    case 1:
        n = patch_header(data + 1, size - 1, file);
        break;
    default:
        n = from_records(data + 1, size - 1, file);
        break;
    }
    if (n > SETTINGS_MAX_FILE)
        return 0;
    write_file(file, n);
    fs.committed = fs.moved = false;

    struct settings_config cfg = {.dir = dir, .name = NAME, .ops = &fake_ops};
    struct settings *s = NULL;
    struct settings_report rep;
    enum settings_err e = settings_open(&cfg, &s, &rep);
    unsigned nrec = 0;
    bool valid = ref_read(file, n, recs, &nrec);
    CHECK(s != NULL && rep.err == e && rep.existed);
    if (e == SETTINGS_OK) {
        CHECK(valid && !fs.moved && rep.msg[0] == '\0');
        same_records(s, recs, nrec);
        round_trip(s, file, n, nrec);
    } else {
        CHECK(settings_err_is_corrupt(e) && !valid && rep.msg[0] != '\0');
        CHECK(fs.moved && !strcmp(rep.moved_to, fs.moved_to));
        CHECK(!strncmp(fs.moved_to, fs.path, strlen(fs.path)) &&
              !strncmp(fs.moved_to + strlen(fs.path), ".corrupt-", 9));
        for (unsigned i = 0; i < 8; i++)
            CHECK(settings_count(s, (uint16_t)(i + 1)) == 0);
    }
    if (data[0] & 4)
        run_node(s);
    settings_close(s);
    return 0;
}
