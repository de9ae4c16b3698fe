/*
 * settings: round trip, file format, atomic writes under injected failures,
 * corrupt files reported and moved aside, bounds, the util/kv.h view. The
 * frame counter store-ahead tests moved to test_node_store.c with the code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/settings.h"

/* ---- fixture: a fresh temp dir per test ------------------------------------ */

struct fx {
    char dir[64];
    char path[128];
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/tbr-settings-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/node-1.settings", f->dir);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    chmod(f->dir, 0700);
    DIR *d = opendir(f->dir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static struct settings_config cfg_of(const struct fx *f)
{
    struct settings_config c = {f->dir, "node-1.settings", NULL, NULL};
    return c;
}

static struct settings *open_ok(const struct fx *f)
{
    struct settings_config c = cfg_of(f);
    struct settings *s = NULL;
    struct settings_report rep;
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_OK);
    assert_non_null(s);
    assert_int_equal(rep.err, SETTINGS_OK);
    return s;
}

/* Whole file into a malloc'd buffer; NULL when absent. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    uint8_t *b = malloc(SETTINGS_MAX_FILE + 200);
    assert_non_null(b);
    *len = fread(b, 1, SETTINGS_MAX_FILE + 200, fp);
    fclose(fp);
    return b;
}

static void spit(const char *path, const void *b, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, len, fp), len);
    fclose(fp);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Number of entries in dir whose name contains sub. */
static int count_files(const char *dir, const char *sub)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        n += strstr(e->d_name, sub) != NULL;
    closedir(d);
    return n;
}

/* Reference CRC-32 (bitwise), to build files by hand. */
static uint32_t ref_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A valid file: key 1 = "abc", key 5 = "x", key 5 = "yz". Returns length. */
static size_t build_valid(uint8_t *b)
{
    static const uint8_t body[] = {0, 1, 0,   3, 'a', 'b', 'c', 0,   5,
                                   0, 1, 'x', 0, 5,   0,   2,   'y', 'z'};
    memcpy(b, "TBRS", 4);
    put16(b + 4, 1);
    put16(b + 6, 0);
    put32(b + 8, sizeof(body));
    put16(b + 12, 3);
    put16(b + 14, 0);
    memcpy(b + 16, body, sizeof(body));
    put32(b + 16 + sizeof(body), ref_crc(b, 16 + sizeof(body)));
    return 16 + sizeof(body) + 4;
}

/* Re-CRCs a hand-edited image of length len. */
static void fix_crc(uint8_t *b, size_t len)
{
    put32(b + len - 4, ref_crc(b, len - 4));
}

/* ---- fault-injecting ops --------------------------------------------------- */

struct faults {
    int fail_open_tmp;   /* open of the .tmp fails */
    int fail_write;      /* a write fails after writing half */
    int fail_fsync_file; /* fsync of the temp file fails */
    int fail_rename;     /* every rename fails */
    int fail_dir_fsync;  /* fsync of the directory fails */
    int renames;         /* successful renames */
    int writes;
    time_t now;
};

static int f_open(void *ctx, const char *path, int flags, mode_t mode)
{
    struct faults *fl = ctx;
    if (fl->fail_open_tmp && strstr(path, ".tmp")) {
        errno = EACCES;
        return -1;
    }
    return open(path, flags, mode);
}

static ssize_t f_write(void *ctx, int fd, const void *buf, size_t len)
{
    struct faults *fl = ctx;
    fl->writes++;
    if (fl->fail_write) {
        /* A short write, then ENOSPC on the next call. */
        if (fl->fail_write == 1 && len > 1) {
            fl->fail_write = 2;
            return write(fd, buf, len / 2);
        }
        errno = ENOSPC;
        return -1;
    }
    return write(fd, buf, len);
}

static int f_fsync(void *ctx, int fd)
{
    struct faults *fl = ctx;
    struct stat st;
    fstat(fd, &st);
    if (S_ISDIR(st.st_mode) ? fl->fail_dir_fsync : fl->fail_fsync_file) {
        errno = EIO;
        return -1;
    }
    return fsync(fd);
}

static int f_close(void *ctx, int fd)
{
    (void)ctx;
    return close(fd);
}

static int f_rename(void *ctx, const char *from, const char *to)
{
    struct faults *fl = ctx;
    if (fl->fail_rename) {
        errno = EXDEV;
        return -1;
    }
    int rc = rename(from, to);
    if (rc == 0)
        fl->renames++;
    return rc;
}

static time_t f_now(void *ctx)
{
    return ((struct faults *)ctx)->now;
}

static const struct settings_ops fault_ops = {f_open, f_write, f_fsync, f_close, f_rename, f_now};

static struct settings *open_faulty(const struct fx *f, struct faults *fl)
{
    struct settings_config c = {f->dir, "node-1.settings", &fault_ops, fl};
    struct settings *s = NULL;
    assert_int_equal(settings_open(&c, &s, NULL), SETTINGS_OK);
    return s;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    struct fx *f = *state;
    struct settings_config c = cfg_of(f);
    struct settings *s = NULL;
    struct settings_report rep;

    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_OK);
    assert_false(rep.existed);
    assert_string_equal(rep.msg, "");
    assert_string_equal(settings_path(s), f->path);
    assert_false(exists(f->path)); /* nothing written until a change */

    uint8_t buf[64];
    size_t len = 99;
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len),
                     SETTINGS_ERR_NOT_FOUND);
    assert_int_equal(len, 99);

    static const uint8_t ds[] = {0x0e, 0x08, 0, 0, 0, 0, 0, 1, 0, 0, 0x00, 0x03, 0, 0, 0x0f};
    assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, ds, sizeof(ds)), SETTINGS_OK);
    assert_true(exists(f->path));
    assert_int_equal(settings_set(s, SETTINGS_KEY_NAT64, "\x01\xc0\xa8\xff\x00\x18", 6),
                     SETTINGS_OK);
    assert_int_equal(settings_set(s, SETTINGS_KEY_DNS_UPSTREAM, "\x01", 1), SETTINGS_OK);
    assert_int_equal(settings_set(s, SETTINGS_KEY_DNS_UPSTREAM, "\x00", 1), SETTINGS_OK);
    assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "child-a", 7), SETTINGS_OK);
    assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "child-b", 7), SETTINGS_OK);
    assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "child-c", 7), SETTINGS_OK);
    assert_int_equal(settings_set(s, SETTINGS_KEY_SRP_CLIENT_INFO, NULL, 0), SETTINGS_OK);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 3);
    assert_int_equal(settings_count(s, SETTINGS_KEY_DNS_UPSTREAM), 1);
    settings_close(s);

    s = NULL;
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_OK);
    assert_true(rep.existed);
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len),
                     SETTINGS_OK);
    assert_int_equal(len, sizeof(ds));
    assert_memory_equal(buf, ds, sizeof(ds));
    assert_int_equal(settings_get(s, SETTINGS_KEY_DNS_UPSTREAM, 0, buf, sizeof(buf), &len),
                     SETTINGS_OK);
    assert_int_equal(len, 1);
    assert_int_equal(buf[0], 0);
    assert_int_equal(settings_get(s, SETTINGS_KEY_NAT64, 0, buf, sizeof(buf), &len), SETTINGS_OK);
    assert_memory_equal(buf, "\x01\xc0\xa8\xff\x00\x18", 6);
    assert_int_equal(settings_get(s, SETTINGS_KEY_SRP_CLIENT_INFO, 0, NULL, 0, &len), SETTINGS_OK);
    assert_int_equal(len, 0);
    assert_int_equal(settings_get(s, SETTINGS_KEY_CHILD_INFO, 1, buf, sizeof(buf), &len),
                     SETTINGS_OK);
    assert_memory_equal(buf, "child-b", 7);
    assert_int_equal(settings_get(s, SETTINGS_KEY_CHILD_INFO, 3, buf, sizeof(buf), &len),
                     SETTINGS_ERR_NOT_FOUND);

    /* A short buffer gets a cut copy and the full length. */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(settings_get(s, SETTINGS_KEY_CHILD_INFO, 2, buf, 3, &len), SETTINGS_OK);
    assert_int_equal(len, 7);
    assert_memory_equal(buf, "chi\0", 4);

    /* Delete one list entry, then the whole key, then a missing one. */
    assert_int_equal(settings_delete(s, SETTINGS_KEY_CHILD_INFO, 0), SETTINGS_OK);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 2);
    assert_int_equal(settings_get(s, SETTINGS_KEY_CHILD_INFO, 0, buf, sizeof(buf), &len),
                     SETTINGS_OK);
    assert_memory_equal(buf, "child-b", 7);
    assert_int_equal(settings_delete(s, SETTINGS_KEY_CHILD_INFO, 5), SETTINGS_ERR_NOT_FOUND);
    assert_int_equal(settings_delete(s, SETTINGS_KEY_CHILD_INFO, -1), SETTINGS_OK);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 0);
    assert_int_equal(settings_delete(s, SETTINGS_KEY_CHILD_INFO, -1), SETTINGS_ERR_NOT_FOUND);
    settings_close(s);

    s = open_ok(f);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 0);
    assert_int_equal(settings_count(s, SETTINGS_KEY_ACTIVE_DATASET), 1);
    assert_int_equal(settings_wipe(s), SETTINGS_OK);
    assert_int_equal(settings_count(s, SETTINGS_KEY_ACTIVE_DATASET), 0);
    assert_int_equal(settings_wipe(s), SETTINGS_OK); /* wiping empty is fine */
    settings_close(s);
    s = open_ok(f);
    assert_int_equal(settings_count(s, SETTINGS_KEY_ACTIVE_DATASET), 0);
    settings_close(s);

    /* No temp file is left behind. */
    assert_int_equal(count_files(f->dir, ".tmp"), 0);
}

static void test_file_format(void **state)
{
    struct fx *f = *state;
    uint8_t b[256];
    size_t n = build_valid(b);

    /* A file built from the documented format by hand loads. */
    spit(f->path, b, n);
    struct settings *s = open_ok(f);
    uint8_t v[8];
    size_t len;
    assert_int_equal(settings_get(s, 1, 0, v, sizeof(v), &len), SETTINGS_OK);
    assert_int_equal(len, 3);
    assert_memory_equal(v, "abc", 3);
    assert_int_equal(settings_count(s, 5), 2);
    assert_int_equal(settings_get(s, 5, 1, v, sizeof(v), &len), SETTINGS_OK);
    assert_memory_equal(v, "yz", 2);

    /* And what we write is that format, byte for byte. */
    assert_int_equal(settings_wipe(s), SETTINGS_OK);
    assert_int_equal(settings_set(s, 1, "abc", 3), SETTINGS_OK);
    assert_int_equal(settings_add(s, 5, "x", 1), SETTINGS_OK);
    assert_int_equal(settings_add(s, 5, "yz", 2), SETTINGS_OK);
    settings_close(s);
    size_t flen;
    uint8_t *file = slurp(f->path, &flen);
    assert_non_null(file);
    assert_int_equal(flen, n);
    assert_memory_equal(file, b, n);
    free(file);

    /* Empty store file: header + CRC only. */
    s = open_ok(f);
    assert_int_equal(settings_wipe(s), SETTINGS_OK);
    settings_close(s);
    file = slurp(f->path, &flen);
    assert_int_equal(flen, 20);
    assert_memory_equal(file, "TBRS\0\1\0\0\0\0\0\0\0\0\0\0", 16);
    uint8_t want[20];
    memcpy(want, file, 16);
    put32(want + 16, ref_crc(want, 16));
    assert_memory_equal(file, want, 20);
    free(file);
}

/* Each injected failure leaves the old file byte-identical, no temp file,
 * and the old values in memory. */
static void test_atomic_failures(void **state)
{
    struct fx *f = *state;
    struct faults fl = {0};
    struct settings *s = open_faulty(f, &fl);
    assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "good-dataset", 12), SETTINGS_OK);
    size_t glen;
    uint8_t *good = slurp(f->path, &glen);
    assert_non_null(good);

    int *knobs[] = {&fl.fail_open_tmp, &fl.fail_write, &fl.fail_fsync_file, &fl.fail_rename};
    for (size_t k = 0; k < sizeof(knobs) / sizeof(knobs[0]); k++) {
        *knobs[k] = 1;
        errno = 0;
        assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "bad-dataset!!", 13),
                         SETTINGS_ERR_IO);
        assert_int_not_equal(errno, 0);
        assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "c", 1), SETTINGS_ERR_IO);
        *knobs[k] = 0;

        size_t len;
        uint8_t *now = slurp(f->path, &len);
        assert_non_null(now);
        assert_int_equal(len, glen);
        assert_memory_equal(now, good, glen);
        free(now);
        assert_int_equal(count_files(f->dir, ".tmp"), 0);

        uint8_t v[32];
        assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, v, sizeof(v), &len),
                         SETTINGS_OK);
        assert_int_equal(len, 12);
        assert_memory_equal(v, "good-dataset", 12);
        assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 0);
    }
    /* The short write really happened before the failure. */
    assert_true(fl.writes > 2);

    /* Directory fsync failing comes after the rename: reported, new content
     * in place and in memory. */
    fl.fail_dir_fsync = 1;
    assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "newer", 5), SETTINGS_ERR_IO);
    fl.fail_dir_fsync = 0;
    uint8_t v[8];
    size_t len;
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, v, sizeof(v), &len),
                     SETTINGS_OK);
    assert_memory_equal(v, "newer", 5);

    /* After the faults clear, writes work again and survive a reload. */
    assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "c", 1), SETTINGS_OK);
    settings_close(s);
    s = open_ok(f);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), 1);
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, v, sizeof(v), &len),
                     SETTINGS_OK);
    assert_memory_equal(v, "newer", 5);
    settings_close(s);
    free(good);
}

/* Read-only directory, with the real POSIX ops. Root ignores the mode, so
 * as root the write is tried from a child that dropped to uid/gid 65534. */
static void test_atomic_readonly_dir(void **state)
{
    struct fx *f = *state;
    struct settings *s = open_ok(f);
    assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "good", 4), SETTINGS_OK);
    size_t glen;
    uint8_t *good = slurp(f->path, &glen);
    assert_int_equal(chmod(f->dir, 0500), 0);
    if (geteuid() == 0) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgid(65534) != 0 || setuid(65534) != 0)
                _exit(2);
            enum settings_err e = settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "bad!", 4);
            _exit(e == SETTINGS_ERR_IO ? 0 : 1);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    } else {
        assert_int_equal(settings_set(s, SETTINGS_KEY_ACTIVE_DATASET, "bad!", 4), SETTINGS_ERR_IO);
    }
    assert_int_equal(chmod(f->dir, 0700), 0);
    assert_int_equal(count_files(f->dir, ".tmp"), 0);
    size_t len;
    uint8_t *now = slurp(f->path, &len);
    assert_int_equal(len, glen);
    assert_memory_equal(now, good, glen);
    uint8_t v[4];
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, v, 4, &len), SETTINGS_OK);
    assert_memory_equal(v, "good", 4);
    settings_close(s);
    free(good);
    free(now);
}

/* Writes bytes as the settings file, opens, and checks: error err, report
 * filled, file moved aside with identical bytes, usable empty store. */
static void expect_corrupt(struct fx *f, const uint8_t *b, size_t n, enum settings_err err)
{
    spit(f->path, b, n);
    struct faults fl = {.now = 1724700000};
    struct settings_config c = {f->dir, "node-1.settings", &fault_ops, &fl};
    struct settings *s = NULL;
    struct settings_report rep;
    assert_int_equal(settings_open(&c, &s, &rep), err);
    assert_true(settings_err_is_corrupt(err));
    assert_non_null(s);
    assert_int_equal(rep.err, err);
    assert_true(rep.existed);
    assert_true(strlen(rep.msg) > 0);
    assert_non_null(strstr(rep.msg, settings_strerror(err)));
    assert_non_null(strstr(rep.moved_to, "node-1.settings.corrupt-20240826T192000Z"));
    assert_non_null(strstr(rep.msg, rep.moved_to));
    assert_false(exists(f->path));

    size_t len;
    uint8_t *kept = slurp(rep.moved_to, &len);
    assert_non_null(kept);
    assert_int_equal(len, n);
    if (n)
        assert_memory_equal(kept, b, n);
    free(kept);

    /* Starts empty, and works. */
    assert_int_equal(settings_count(s, 1), 0);
    assert_int_equal(settings_count(s, 5), 0);
    assert_int_equal(settings_set(s, 1, "new", 3), SETTINGS_OK);
    settings_close(s);
    s = open_ok(f);
    assert_int_equal(settings_count(s, 1), 1);
    settings_close(s);
    unlink(f->path);
    unlink(rep.moved_to);
}

static void test_corrupt(void **state)
{
    struct fx *f = *state;
    uint8_t good[256], b[256];
    size_t n = build_valid(good);

    memcpy(b, good, n);
    b[0] = 'X';
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_MAGIC);

    /* Bad CRC: one flipped bit in a value, or in the CRC itself. */
    memcpy(b, good, n);
    b[20] ^= 0x01;
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_CRC);
    memcpy(b, good, n);
    b[n - 1] ^= 0x80;
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_CRC);

    /* Truncated anywhere: inside the header, records or CRC. */
    expect_corrupt(f, good, 0, SETTINGS_ERR_TRUNCATED);
    expect_corrupt(f, good, 3, SETTINGS_ERR_TRUNCATED);
    expect_corrupt(f, good, 10, SETTINGS_ERR_TRUNCATED);
    expect_corrupt(f, good, n - 5, SETTINGS_ERR_TRUNCATED);
    expect_corrupt(f, good, n - 1, SETTINGS_ERR_TRUNCATED);

    /* Huge body length, even with a consistent CRC. */
    memcpy(b, good, n);
    put32(b + 8, 0xffffffffu);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_LENGTH);
    memcpy(b, good, n);
    put32(b + 8, SETTINGS_MAX_FILE); /* just over the bound */
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_LENGTH);

    /* Trailing bytes after the CRC. */
    memcpy(b, good, n);
    b[n] = 0;
    expect_corrupt(f, b, n + 1, SETTINGS_ERR_BAD_LENGTH);

    /* Unknown version. */
    memcpy(b, good, n);
    put16(b + 4, 2);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_VERSION);

    /* Records inconsistent with the body, CRC right: a record length past
     * the body, a count too high or low, key 0, reserved bits set. */
    memcpy(b, good, n);
    put16(b + 16 + 2, 200);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_RECORD);
    memcpy(b, good, n);
    put16(b + 12, 4);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_RECORD);
    memcpy(b, good, n);
    put16(b + 12, 2);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_RECORD);
    memcpy(b, good, n);
    put16(b + 16, 0);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_RECORD);
    memcpy(b, good, n);
    put16(b + 6, 1);
    fix_crc(b, n);
    expect_corrupt(f, b, n, SETTINGS_ERR_BAD_RECORD);

    /* A file over the bound is refused without trusting anything in it. */
    size_t big = SETTINGS_MAX_FILE + 100;
    uint8_t *hb = calloc(1, big);
    memcpy(hb, good, n);
    expect_corrupt(f, hb, big, SETTINGS_ERR_BAD_LENGTH);
    free(hb);
}

static void test_corrupt_twice_same_second(void **state)
{
    struct fx *f = *state;
    uint8_t b[4] = "junk";
    struct faults fl = {.now = 1724700000};
    struct settings_config c = {f->dir, "node-1.settings", &fault_ops, &fl};
    struct settings_report r1, r2;
    struct settings *s = NULL;

    spit(f->path, b, 4);
    assert_int_equal(settings_open(&c, &s, &r1), SETTINGS_ERR_BAD_MAGIC);
    settings_close(s);
    spit(f->path, "JUNK", 4);
    assert_int_equal(settings_open(&c, &s, &r2), SETTINGS_ERR_BAD_MAGIC);
    settings_close(s);
    assert_string_not_equal(r1.moved_to, r2.moved_to);
    assert_non_null(strstr(r2.moved_to, "Z-1"));
    size_t len;
    uint8_t *k1 = slurp(r1.moved_to, &len), *k2 = slurp(r2.moved_to, &len);
    assert_memory_equal(k1, "junk", 4);
    assert_memory_equal(k2, "JUNK", 4);
    free(k1);
    free(k2);
    assert_int_equal(count_files(f->dir, ".corrupt-"), 2);
}

/* If the bad file cannot be moved aside, nothing is touched and no store is
 * handed out (so nothing can overwrite the evidence). */
static void test_corrupt_cannot_move(void **state)
{
    struct fx *f = *state;
    struct faults fl = {.fail_rename = 1, .now = 1};
    struct settings_config c = {f->dir, "node-1.settings", &fault_ops, &fl};
    struct settings_report rep;
    struct settings *s = (struct settings *)&fl;
    spit(f->path, "garbage!", 8);
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_ERR_IO);
    assert_null(s);
    assert_int_equal(rep.err, SETTINGS_ERR_IO);
    assert_int_equal(rep.errno_val, EXDEV);
    assert_non_null(strstr(rep.msg, "bad magic"));
    assert_non_null(strstr(rep.msg, "cannot move"));
    size_t len;
    uint8_t *still = slurp(f->path, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(still, "garbage!", 8);
    free(still);
}

/* The util/kv.h view of the store (what the Thread node is handed; its
 * NETWORK_INFO and frame counter tests are in test_node_store.c). */
static void test_kv_contract(void **state)
{
    struct fx *f = *state;
    struct faults fl = {0};
    struct settings *s = open_faulty(f, &fl);
    struct kv kv;
    settings_kv(s, &kv);
    uint8_t buf[16];
    size_t len = 0;

    assert_int_equal(kv_get(&kv, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len), -ENOENT);
    assert_int_equal(kv_set(&kv, SETTINGS_KEY_ACTIVE_DATASET, "dataset", 7), 0);
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, "a", 1), 0);
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, "bb", 2), 0);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_CHILD_INFO), 2);
    assert_int_equal(kv_get(&kv, SETTINGS_KEY_CHILD_INFO, 1, buf, sizeof(buf), &len), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(buf, "bb", 2);
    /* Same bytes through both views. */
    assert_int_equal(settings_get(s, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len),
                     SETTINGS_OK);
    assert_memory_equal(buf, "dataset", 7);

    fl.fail_rename = 1;
    assert_int_equal(kv_set(&kv, SETTINGS_KEY_ACTIVE_DATASET, "other", 5), -EIO);
    fl.fail_rename = 0;
    assert_int_equal(kv_get(&kv, SETTINGS_KEY_ACTIVE_DATASET, 0, buf, sizeof(buf), &len), 0);
    assert_memory_equal(buf, "dataset", 7);
    assert_int_equal(kv_set(&kv, 0, "x", 1), -EINVAL);
    assert_int_equal(kv_delete(&kv, SETTINGS_KEY_CHILD_INFO, 0), 0);
    assert_int_equal(kv_delete(&kv, SETTINGS_KEY_CHILD_INFO, -1), 0);
    assert_int_equal(kv_delete(&kv, SETTINGS_KEY_CHILD_INFO, -1), -ENOENT);
    assert_int_equal(kv_wipe(&kv), 0);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_ACTIVE_DATASET), 0);

    assert_int_equal(settings_err_to_errno(SETTINGS_OK), 0);
    assert_int_equal(settings_err_to_errno(SETTINGS_ERR_NO_SPACE), -ENOSPC);
    assert_int_equal(settings_err_to_errno(SETTINGS_ERR_NOMEM), -ENOMEM);
    assert_int_equal(settings_err_to_errno(SETTINGS_ERR_BAD_CRC), -EIO);
    settings_close(s);
}

static void test_bounds(void **state)
{
    struct fx *f = *state;
    struct settings *s = open_ok(f);

    /* 64 distinct keys fit; the 65th does not; existing keys still work. */
    for (uint16_t k = 1; k <= SETTINGS_MAX_KEYS; k++)
        assert_int_equal(settings_set(s, k, &k, sizeof(k)), SETTINGS_OK);
    uint16_t k65 = SETTINGS_MAX_KEYS + 1;
    assert_int_equal(settings_set(s, k65, &k65, 2), SETTINGS_ERR_NO_SPACE);
    assert_int_equal(settings_add(s, k65, &k65, 2), SETTINGS_ERR_NO_SPACE);
    assert_int_equal(settings_set(s, 7, "seven", 5), SETTINGS_OK);
    settings_close(s);

    s = open_ok(f);
    for (uint16_t k = 1; k <= SETTINGS_MAX_KEYS; k++) {
        uint8_t v[8];
        size_t len;
        assert_int_equal(settings_get(s, k, 0, v, sizeof(v), &len), SETTINGS_OK);
        if (k == 7) {
            assert_memory_equal(v, "seven", 5);
        } else {
            uint16_t got;
            memcpy(&got, v, 2);
            assert_int_equal(got, k);
        }
    }
    assert_int_equal(settings_count(s, k65), 0);

    /* Record bound: values of one key. */
    assert_int_equal(settings_wipe(s), SETTINGS_OK);
    for (int i = 0; i < SETTINGS_MAX_RECORDS; i++)
        assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, &i, sizeof(i)), SETTINGS_OK);
    assert_int_equal(settings_add(s, SETTINGS_KEY_CHILD_INFO, "x", 1), SETTINGS_ERR_NO_SPACE);
    settings_close(s);
    s = open_ok(f);
    assert_int_equal(settings_count(s, SETTINGS_KEY_CHILD_INFO), SETTINGS_MAX_RECORDS);

    /* Size bound: the largest value fills the file exactly. */
    assert_int_equal(settings_wipe(s), SETTINGS_OK);
    uint8_t *big = malloc(SETTINGS_MAX_VALUE + 1);
    for (size_t i = 0; i <= SETTINGS_MAX_VALUE; i++)
        big[i] = (uint8_t)(i * 31);
    assert_int_equal(settings_set(s, 1, big, SETTINGS_MAX_VALUE + 1), SETTINGS_ERR_NO_SPACE);
    assert_int_equal(settings_set(s, 1, big, SETTINGS_MAX_VALUE), SETTINGS_OK);
    /* More values up to the file bound: whole largest ones, then one that
     * fills the file exactly; nothing more fits. */
    size_t room = SETTINGS_MAX_FILE - SETTINGS_HEADER_LEN - SETTINGS_TRAILER_LEN -
                  (SETTINGS_RECORD_HDR + SETTINGS_MAX_VALUE);
    while (room >= SETTINGS_RECORD_HDR + SETTINGS_MAX_VALUE) {
        assert_int_equal(settings_add(s, 3, big, SETTINGS_MAX_VALUE), SETTINGS_OK);
        room -= SETTINGS_RECORD_HDR + SETTINGS_MAX_VALUE;
    }
    assert_true(room >= SETTINGS_RECORD_HDR);
    assert_int_equal(settings_add(s, 3, big, room - SETTINGS_RECORD_HDR + 1),
                     SETTINGS_ERR_NO_SPACE);
    assert_int_equal(settings_add(s, 3, big, room - SETTINGS_RECORD_HDR), SETTINGS_OK);
    assert_int_equal(settings_add(s, 2, "", 0), SETTINGS_ERR_NO_SPACE);
    settings_close(s);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_size, SETTINGS_MAX_FILE);
    s = open_ok(f);
    size_t len;
    uint8_t *back = malloc(SETTINGS_MAX_VALUE);
    assert_int_equal(settings_get(s, 1, 0, back, SETTINGS_MAX_VALUE, &len), SETTINGS_OK);
    assert_int_equal(len, SETTINGS_MAX_VALUE);
    assert_memory_equal(back, big, SETTINGS_MAX_VALUE);
    /* Replacing the big value with a small one works (no space needed for
     * both at once). */
    assert_int_equal(settings_set(s, 1, "s", 1), SETTINGS_OK);
    settings_close(s);
    free(big);
    free(back);
}

static void test_invalid_args(void **state)
{
    struct fx *f = *state;
    struct settings *s = NULL;
    struct settings_report rep;
    struct settings_config c = {f->dir, "../x", NULL, NULL};
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_ERR_INVALID);
    assert_null(s);
    c.name = "";
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_ERR_INVALID);
    c.name = "..";
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_ERR_INVALID);
    assert_int_equal(settings_open(NULL, &s, &rep), SETTINGS_ERR_INVALID);

    /* A directory where the file should be: I/O error, nothing moved. */
    char sub[160];
    snprintf(sub, sizeof(sub), "%s/node-1.settings", f->dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    c.name = "node-1.settings";
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_ERR_IO);
    assert_null(s);
    rmdir(sub);

    /* Missing state directory: opens empty, the first write fails. */
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/nope", f->dir);
    c.dir = missing;
    assert_int_equal(settings_open(&c, &s, &rep), SETTINGS_OK);
    assert_int_equal(settings_set(s, 1, "x", 1), SETTINGS_ERR_IO);
    settings_close(s);

    s = open_ok(f);
    assert_int_equal(settings_set(s, 0, "x", 1), SETTINGS_ERR_INVALID);
    assert_int_equal(settings_add(s, 0, "x", 1), SETTINGS_ERR_INVALID);
    assert_int_equal(settings_set(s, 1, NULL, 1), SETTINGS_ERR_INVALID);
    assert_int_equal(settings_delete(s, 0, -1), SETTINGS_ERR_INVALID);
    settings_close(s);
    settings_close(NULL);

    char name[64];
    settings_node_name(name, sizeof(name), 12);
    assert_string_equal(name, "node-12.settings");
    assert_string_equal(settings_strerror(SETTINGS_ERR_BAD_CRC), "corrupt: CRC mismatch");
    assert_false(settings_err_is_corrupt(SETTINGS_ERR_IO));
    assert_true(settings_err_is_corrupt(SETTINGS_ERR_TRUNCATED));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_round_trip),          T(test_file_format), T(test_atomic_failures),
        T(test_atomic_readonly_dir), T(test_corrupt),     T(test_corrupt_twice_same_second),
        T(test_corrupt_cannot_move), T(test_kv_contract), T(test_bounds),
        T(test_invalid_args),
    };
    return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
