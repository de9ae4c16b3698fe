/*
 * Persistent settings: validated load, atomic rewrite, corrupt files moved
 * aside, frame counter store-ahead (see settings.h for the file format and
 * the contracts).
 */
#include "platform/settings.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/rd.h"

#define BUF_CAP (SETTINGS_MAX_FILE + 1) /* one more byte to see an over-long file */

struct settings {
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char tmp[PATH_MAX];
    const struct settings_ops *ops;
    void *ctx;
    uint8_t *img; /* current image, always valid */
    size_t img_len;
    uint8_t *scratch; /* the next image is built here */
};

/* ---- errors ---------------------------------------------------------------- */

bool settings_err_is_corrupt(enum settings_err e)
{
    return e >= SETTINGS_ERR_BAD_MAGIC && e <= SETTINGS_ERR_BAD_RECORD;
}

const char *settings_strerror(enum settings_err e)
{
    switch (e) {
    case SETTINGS_OK:
        return "ok";
    case SETTINGS_ERR_NOT_FOUND:
        return "not found";
    case SETTINGS_ERR_INVALID:
        return "invalid argument";
    case SETTINGS_ERR_NO_SPACE:
        return "no space (size, key or record bound)";
    case SETTINGS_ERR_IO:
        return "I/O error";
    case SETTINGS_ERR_NOMEM:
        return "out of memory";
    case SETTINGS_ERR_BAD_MAGIC:
        return "corrupt: bad magic";
    case SETTINGS_ERR_BAD_VERSION:
        return "corrupt: unsupported version";
    case SETTINGS_ERR_TRUNCATED:
        return "corrupt: truncated";
    case SETTINGS_ERR_BAD_LENGTH:
        return "corrupt: bad length";
    case SETTINGS_ERR_BAD_CRC:
        return "corrupt: CRC mismatch";
    case SETTINGS_ERR_BAD_RECORD:
        return "corrupt: bad record";
    }
    return "unknown error";
}

/* ---- CRC-32 (reflected 0xEDB88320, init and final xor 0xFFFFFFFF) ---------- */

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    static const uint32_t nib[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4,
        0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
        0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
    };
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ nib[c & 15];
        c = (c >> 4) ^ nib[c & 15];
    }
    return c ^ 0xffffffffu;
}

/* ---- POSIX ops ------------------------------------------------------------- */

static int px_open(void *ctx, const char *path, int flags, mode_t mode)
{
    (void)ctx;
    return open(path, flags, mode);
}

static ssize_t px_write(void *ctx, int fd, const void *buf, size_t len)
{
    (void)ctx;
    return write(fd, buf, len);
}

static int px_fsync(void *ctx, int fd)
{
    (void)ctx;
    return fsync(fd);
}

static int px_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd);
}

static int px_rename(void *ctx, const char *from, const char *to)
{
    (void)ctx;
    return rename(from, to);
}

static time_t px_now(void *ctx)
{
    (void)ctx;
    return time(NULL);
}

static const struct settings_ops posix_ops = {
    px_open, px_write, px_fsync, px_close, px_rename, px_now,
};

const struct settings_ops *settings_posix_ops(void)
{
    return &posix_ops;
}

/* ---- image reading --------------------------------------------------------- */

struct rec {
    uint16_t key;
    uint16_t len;
    const uint8_t *val;
};

/* Reads the next record of a body reader; false at the end or on a bad
 * record (the caller tells them apart by r->left). */
static bool rec_next(struct rd *r, struct rec *out)
{
    if (!rd_be16(r, &out->key) || !rd_be16(r, &out->len))
        return false;
    out->val = r->p;
    return rd_skip(r, out->len);
}

static struct rd body_reader(const uint8_t *img, size_t len)
{
    return rd_init(img + SETTINGS_HEADER_LEN, len - SETTINGS_HEADER_LEN - SETTINGS_TRAILER_LEN);
}

static bool key_seen(const uint16_t *keys, unsigned n, uint16_t key)
{
    for (unsigned i = 0; i < n; i++)
        if (keys[i] == key)
            return true;
    return false;
}

static void setmsg(struct settings_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void setmsg(struct settings_report *rep, const char *fmt, ...)
{
    if (!rep)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
    va_end(ap);
}

/* Checks a whole file image; rep->msg says what is wrong. */
static enum settings_err validate(const uint8_t *buf, size_t len, struct settings_report *rep)
{
    struct rd r = rd_init(buf, len);
    uint8_t magic[4];
    uint16_t version, res1, count, res2;
    uint32_t body_len, crc;

    if (len > SETTINGS_MAX_FILE) {
        setmsg(rep, "file is over %u bytes", SETTINGS_MAX_FILE);
        return SETTINGS_ERR_BAD_LENGTH;
    }
    if (!rd_bytes(&r, magic, 4)) {
        setmsg(rep, "file is %zu bytes, too short for a header", len);
        return SETTINGS_ERR_TRUNCATED;
    }
    if (memcmp(magic, SETTINGS_MAGIC, 4) != 0) {
        setmsg(rep, "bad magic %02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
        return SETTINGS_ERR_BAD_MAGIC;
    }
    if (!rd_be16(&r, &version) || !rd_be16(&r, &res1) || !rd_be32(&r, &body_len) ||
        !rd_be16(&r, &count) || !rd_be16(&r, &res2)) {
        setmsg(rep, "file is %zu bytes, too short for a header", len);
        return SETTINGS_ERR_TRUNCATED;
    }
    if (version != SETTINGS_VERSION) {
        setmsg(rep, "format version %u, expected %u", version, SETTINGS_VERSION);
        return SETTINGS_ERR_BAD_VERSION;
    }
    if (res1 || res2) {
        setmsg(rep, "reserved header fields not zero");
        return SETTINGS_ERR_BAD_RECORD;
    }
    if (body_len > SETTINGS_MAX_FILE - SETTINGS_HEADER_LEN - SETTINGS_TRAILER_LEN) {
        setmsg(rep, "body length %u over the bound", (unsigned)body_len);
        return SETTINGS_ERR_BAD_LENGTH;
    }
    struct rd body;
    if (!rd_sub(&r, body_len, &body) || !rd_be32(&r, &crc)) {
        setmsg(rep, "file is %zu bytes, header says %u", len,
               (unsigned)(SETTINGS_HEADER_LEN + body_len + SETTINGS_TRAILER_LEN));
        return SETTINGS_ERR_TRUNCATED;
    }
    if (r.left) {
        setmsg(rep, "%zu bytes after the CRC", r.left);
        return SETTINGS_ERR_BAD_LENGTH;
    }
    uint32_t want = crc32_ieee(buf, SETTINGS_HEADER_LEN + body_len);
    if (crc != want) {
        setmsg(rep, "CRC %08x, computed %08x", (unsigned)crc, (unsigned)want);
        return SETTINGS_ERR_BAD_CRC;
    }
    if (count > SETTINGS_MAX_RECORDS) {
        setmsg(rep, "%u records, over the bound %u", count, SETTINGS_MAX_RECORDS);
        return SETTINGS_ERR_BAD_RECORD;
    }
    uint16_t keys[SETTINGS_MAX_KEYS];
    unsigned nkeys = 0;
    for (unsigned i = 0; i < count; i++) {
        struct rec rc;
        if (!rec_next(&body, &rc)) {
            setmsg(rep, "record %u runs past the body", i);
            return SETTINGS_ERR_BAD_RECORD;
        }
        if (rc.key == 0) {
            setmsg(rep, "record %u has key 0", i);
            return SETTINGS_ERR_BAD_RECORD;
        }
        if (!key_seen(keys, nkeys, rc.key)) {
            if (nkeys == SETTINGS_MAX_KEYS) {
                setmsg(rep, "more than %u keys", SETTINGS_MAX_KEYS);
                return SETTINGS_ERR_BAD_RECORD;
            }
            keys[nkeys++] = rc.key;
        }
    }
    if (body.left) {
        setmsg(rep, "%zu bytes after record %u", body.left, count);
        return SETTINGS_ERR_BAD_RECORD;
    }
    return SETTINGS_OK;
}

/* ---- atomic write ---------------------------------------------------------- */

static int write_all(struct settings *s, int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = s->ops->write(s->ctx, fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(struct settings *s)
{
    int fd = s->ops->open(s->ctx, s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int rc = s->ops->fsync(s->ctx, fd);
    int e = errno;
    s->ops->close(s->ctx, fd);
    errno = e;
    return rc;
}

/* Writes img as the new file. Returns OK, or IO with the file untouched
 * (renamed == false) or already replaced (renamed == true). */
static enum settings_err write_atomic(struct settings *s, const uint8_t *img, size_t len,
                                      bool *renamed)
{
    *renamed = false;
    int fd = s->ops->open(s->ctx, s->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return SETTINGS_ERR_IO;
    if (write_all(s, fd, img, len) < 0 || s->ops->fsync(s->ctx, fd) < 0) {
        int e = errno;
        s->ops->close(s->ctx, fd);
        unlink(s->tmp);
        errno = e;
        return SETTINGS_ERR_IO;
    }
    if (s->ops->close(s->ctx, fd) < 0 || s->ops->rename(s->ctx, s->tmp, s->path) < 0) {
        int e = errno;
        unlink(s->tmp);
        errno = e;
        return SETTINGS_ERR_IO;
    }
    *renamed = true;
    return fsync_dir(s) < 0 ? SETTINGS_ERR_IO : SETTINGS_OK;
}

/* ---- building a new image -------------------------------------------------- */

enum { SKIP_NONE = -2, SKIP_ALL = -1 };

/* Copies the current records into scratch, leaving out the skip_index-th
 * value of skip_key (every value with SKIP_ALL, none with SKIP_NONE; key 0
 * with SKIP_ALL drops everything), then appends (add_key, val) when add_key
 * is not 0, and writes the result. */
static enum settings_err rebuild(struct settings *s, uint16_t skip_key, int skip_index,
                                 uint16_t add_key, const void *val, size_t len)
{
    struct wr w = wr_init(s->scratch, SETTINGS_MAX_FILE);
    uint16_t keys[SETTINGS_MAX_KEYS];
    unsigned nkeys = 0, count = 0;
    int seen = 0;
    bool skipped = false;

    /* The header, written in place (body_len and count patched below); as
     * separate wr_* calls GCC 12 -O2 reports a false stringop-overflow. */
    uint8_t *hdr = wr_reserve(&w, SETTINGS_HEADER_LEN);
    if (!hdr)
        return SETTINGS_ERR_NO_SPACE;
    memset(hdr, 0, SETTINGS_HEADER_LEN);
    memcpy(hdr, SETTINGS_MAGIC, 4);
    be16_put(hdr + 4, SETTINGS_VERSION);

    struct rd body = body_reader(s->img, s->img_len);
    struct rec rc;
    while (rec_next(&body, &rc)) {
        if (skip_index != SKIP_NONE && (skip_key == 0 || rc.key == skip_key)) {
            bool drop = skip_index == SKIP_ALL || seen == skip_index;
            seen++;
            if (drop) {
                skipped = true;
                continue;
            }
        }
        if (!key_seen(keys, nkeys, rc.key))
            keys[nkeys++] = rc.key; /* the current image is within bounds */
        wr_be16(&w, rc.key);
        wr_be16(&w, rc.len);
        wr_bytes(&w, rc.val, rc.len);
        count++;
    }
    if (add_key) {
        if (count == SETTINGS_MAX_RECORDS)
            return SETTINGS_ERR_NO_SPACE;
        if (!key_seen(keys, nkeys, add_key) && nkeys == SETTINGS_MAX_KEYS)
            return SETTINGS_ERR_NO_SPACE;
        wr_be16(&w, add_key);
        wr_be16(&w, (uint16_t)len);
        wr_bytes(&w, val, len);
        count++;
    } else if (skip_key && !skipped) {
        return SETTINGS_ERR_NOT_FOUND;
    }
    uint8_t *crc_at = wr_reserve(&w, SETTINGS_TRAILER_LEN);
    if (!w.ok)
        return SETTINGS_ERR_NO_SPACE;
    size_t total = (size_t)(crc_at - s->scratch) + SETTINGS_TRAILER_LEN;
    be32_put(s->scratch + 8, (uint32_t)(total - SETTINGS_HEADER_LEN - SETTINGS_TRAILER_LEN));
    be16_put(s->scratch + 12, (uint16_t)count);
    be32_put(crc_at, crc32_ieee(s->scratch, total - SETTINGS_TRAILER_LEN));

    bool renamed;
    enum settings_err err = write_atomic(s, s->scratch, total, &renamed);
    if (renamed) {
        uint8_t *t = s->img;
        s->img = s->scratch;
        s->scratch = t;
        s->img_len = total;
    }
    return err;
}

/* ---- open / close ---------------------------------------------------------- */

void settings_node_name(char *buf, size_t cap, unsigned node_id)
{
    snprintf(buf, cap, "node-%u.settings", node_id);
}

static void empty_image(struct settings *s)
{
    uint8_t *p = s->img;
    memcpy(p, SETTINGS_MAGIC, 4);
    memset(p + 4, 0, SETTINGS_HEADER_LEN - 4);
    be16_put(p + 4, SETTINGS_VERSION);
    be32_put(p + SETTINGS_HEADER_LEN, crc32_ieee(p, SETTINGS_HEADER_LEN));
    s->img_len = SETTINGS_HEADER_LEN + SETTINGS_TRAILER_LEN;
}

/* Reads the file into s->scratch. Returns 1 with *len set, 0 when there is
 * no file, -1 on an I/O error (errno set). */
static int read_file(struct settings *s, size_t *len)
{
    int fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    int fs = fstat(fd, &st);
    if (fs < 0 || !S_ISREG(st.st_mode)) {
        int e = fs < 0 ? errno : EINVAL;
        close(fd);
        errno = e;
        return -1;
    }
    size_t n = 0;
    while (n < BUF_CAP) {
        ssize_t r = read(fd, s->scratch + n, BUF_CAP - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return 1;
}

/* Renames the bad file to <path>.corrupt-<UTC time>[-N]. */
static int move_aside(struct settings *s, struct settings_report *rep)
{
    char stamp[32], dest[SETTINGS_PATH_MAX];
    time_t now = s->ops->now(s->ctx);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm))
        snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    for (int i = 0; i < 1000; i++) {
        int n = i ? snprintf(dest, sizeof(dest), "%s.corrupt-%s-%d", s->path, stamp, i)
                  : snprintf(dest, sizeof(dest), "%s.corrupt-%s", s->path, stamp);
        if (n < 0 || (size_t)n >= sizeof(dest)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        struct stat st;
        if (lstat(dest, &st) == 0)
            continue;
        if (errno != ENOENT)
            return -1;
        if (s->ops->rename(s->ctx, s->path, dest) < 0)
            return -1;
        if (rep)
            memcpy(rep->moved_to, dest, sizeof(dest));
        return fsync_dir(s);
    }
    errno = EEXIST;
    return -1;
}

void settings_close(struct settings *s)
{
    if (!s)
        return;
    free(s->img);
    free(s->scratch);
    free(s);
}

enum settings_err settings_open(const struct settings_config *cfg, struct settings **out,
                                struct settings_report *rep)
{
    if (rep)
        memset(rep, 0, sizeof(*rep));
    if (!out)
        return SETTINGS_ERR_INVALID;
    *out = NULL;
    if (!cfg || !cfg->dir || !cfg->name || !cfg->name[0] || strchr(cfg->name, '/') ||
        !strcmp(cfg->name, ".") || !strcmp(cfg->name, "..")) {
        setmsg(rep, "bad settings directory or file name");
        if (rep)
            rep->err = SETTINGS_ERR_INVALID;
        return SETTINGS_ERR_INVALID;
    }

    struct settings *s = calloc(1, sizeof(*s));
    if (!s)
        return SETTINGS_ERR_NOMEM;
    s->img = malloc(BUF_CAP);
    s->scratch = malloc(BUF_CAP);
    if (!s->img || !s->scratch) {
        settings_close(s);
        return SETTINGS_ERR_NOMEM;
    }
    s->ops = cfg->ops ? cfg->ops : &posix_ops;
    s->ctx = cfg->ops_ctx;
    int n1 = snprintf(s->dir, sizeof(s->dir), "%s", cfg->dir);
    int n2 = snprintf(s->path, sizeof(s->path), "%s/%s", cfg->dir, cfg->name);
    int n3 = snprintf(s->tmp, sizeof(s->tmp), "%s/%s.tmp", cfg->dir, cfg->name);
    if (n1 < 0 || n2 < 0 || n3 < 0 || (size_t)n1 >= sizeof(s->dir) ||
        (size_t)n2 >= sizeof(s->path) || (size_t)n3 >= sizeof(s->tmp)) {
        settings_close(s);
        setmsg(rep, "settings path too long");
        if (rep)
            rep->err = SETTINGS_ERR_INVALID;
        return SETTINGS_ERR_INVALID;
    }

    empty_image(s);
    size_t len = 0;
    int got = read_file(s, &len);
    if (got < 0) {
        int e = errno;
        setmsg(rep, "%s: cannot read: %s", s->path, strerror(e));
        if (rep) {
            rep->err = SETTINGS_ERR_IO;
            rep->errno_val = e;
        }
        settings_close(s);
        errno = e;
        return SETTINGS_ERR_IO;
    }
    if (got == 0) {
        *out = s;
        return SETTINGS_OK;
    }
    if (rep)
        rep->existed = true;

    struct settings_report local = {0};
    struct settings_report *r = rep ? rep : &local;
    enum settings_err err = validate(s->scratch, len, r);
    if (err == SETTINGS_OK) {
        memcpy(s->img, s->scratch, len);
        s->img_len = len;
        *out = s;
        return SETTINGS_OK;
    }

    /* Corrupt: keep its bytes under another name, start empty. */
    char why[sizeof(r->msg)];
    snprintf(why, sizeof(why), "%s", r->msg);
    r->err = err;
    if (move_aside(s, r) < 0) {
        int e = errno;
        setmsg(r, "%s: %s (%s); cannot move it aside: %s", s->path, settings_strerror(err), why,
               strerror(e));
        r->err = SETTINGS_ERR_IO;
        r->errno_val = e;
        settings_close(s);
        errno = e;
        return SETTINGS_ERR_IO;
    }
    setmsg(r, "%s: %s (%s); moved to %s, starting empty", s->path, settings_strerror(err), why,
           r->moved_to);
    *out = s;
    return err;
}

const char *settings_path(const struct settings *s)
{
    return s->path;
}

/* ---- access ---------------------------------------------------------------- */

/* The index-th record of key, or false. */
static bool find(const struct settings *s, uint16_t key, unsigned index, struct rec *out)
{
    struct rd body = body_reader(s->img, s->img_len);
    unsigned seen = 0;
    while (rec_next(&body, out)) {
        if (out->key == key && seen++ == index)
            return true;
    }
    return false;
}

enum settings_err settings_get(const struct settings *s, uint16_t key, unsigned index, void *buf,
                               size_t cap, size_t *len)
{
    struct rec rc;
    if (!s || (!buf && cap))
        return SETTINGS_ERR_INVALID;
    if (!find(s, key, index, &rc))
        return SETTINGS_ERR_NOT_FOUND;
    if (len)
        *len = rc.len;
    if (cap && rc.len)
        memcpy(buf, rc.val, rc.len < cap ? rc.len : cap);
    return SETTINGS_OK;
}

unsigned settings_count(const struct settings *s, uint16_t key)
{
    struct rd body = body_reader(s->img, s->img_len);
    struct rec rc;
    unsigned n = 0;
    while (rec_next(&body, &rc))
        n += rc.key == key;
    return n;
}

static enum settings_err check_value(struct settings *s, uint16_t key, const void *val, size_t len)
{
    if (!s || key == 0 || (!val && len))
        return SETTINGS_ERR_INVALID;
    if (len > SETTINGS_MAX_VALUE)
        return SETTINGS_ERR_NO_SPACE;
    return SETTINGS_OK;
}

enum settings_err settings_set(struct settings *s, uint16_t key, const void *val, size_t len)
{
    enum settings_err err = check_value(s, key, val, len);
    if (err != SETTINGS_OK)
        return err;
    return rebuild(s, key, SKIP_ALL, key, val, len);
}

enum settings_err settings_add(struct settings *s, uint16_t key, const void *val, size_t len)
{
    enum settings_err err = check_value(s, key, val, len);
    if (err != SETTINGS_OK)
        return err;
    return rebuild(s, 0, SKIP_NONE, key, val, len);
}

enum settings_err settings_delete(struct settings *s, uint16_t key, int index)
{
    if (!s || key == 0)
        return SETTINGS_ERR_INVALID;
    return rebuild(s, key, index < 0 ? SKIP_ALL : index, 0, NULL, 0);
}

enum settings_err settings_wipe(struct settings *s)
{
    if (!s)
        return SETTINGS_ERR_INVALID;
    return rebuild(s, 0, SKIP_ALL, 0, NULL, 0);
}

/* ---- the util/kv.h contract ------------------------------------------------ */

int settings_err_to_errno(enum settings_err e)
{
    switch (e) {
    case SETTINGS_OK:
        return 0;
    case SETTINGS_ERR_NOT_FOUND:
        return -ENOENT;
    case SETTINGS_ERR_INVALID:
        return -EINVAL;
    case SETTINGS_ERR_NO_SPACE:
        return -ENOSPC;
    case SETTINGS_ERR_NOMEM:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static int kv_op_get(void *ctx, uint16_t key, unsigned index, void *buf, size_t cap, size_t *len)
{
    return settings_err_to_errno(settings_get(ctx, key, index, buf, cap, len));
}

static int kv_op_set(void *ctx, uint16_t key, const void *val, size_t len)
{
    return settings_err_to_errno(settings_set(ctx, key, val, len));
}

static int kv_op_add(void *ctx, uint16_t key, const void *val, size_t len)
{
    return settings_err_to_errno(settings_add(ctx, key, val, len));
}

static int kv_op_delete(void *ctx, uint16_t key, int index)
{
    return settings_err_to_errno(settings_delete(ctx, key, index));
}

static unsigned kv_op_count(void *ctx, uint16_t key)
{
    return settings_count(ctx, key);
}

static int kv_op_wipe(void *ctx)
{
    return settings_err_to_errno(settings_wipe(ctx));
}

_Static_assert(SETTINGS_MAX_VALUE >= KV_VALUE_MAX,
               "the file store takes the values util/kv.h promises");

static const struct kv_ops kv_ops = {
    .get = kv_op_get,
    .set = kv_op_set,
    .add = kv_op_add,
    .delete = kv_op_delete,
    .count = kv_op_count,
    .wipe = kv_op_wipe,
};

void settings_kv(struct settings *s, struct kv *out)
{
    out->ops = &kv_ops;
    out->ctx = s;
}
