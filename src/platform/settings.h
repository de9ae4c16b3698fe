/*
 * Persistent settings: a key/value store of binary blobs, one file per node
 * in a state directory (the role of OpenThread's otPlatSettings* and
 * src/core/common/settings.cpp).
 *
 * Values are opaque to this module (the keys are util/kv.h's; the Thread
 * node's NETWORK_INFO layout is thread/node_store.h's). A key may hold
 * several values (as OpenThread's CHILD_INFO list): settings_set() replaces
 * all values of a key with one, settings_add() appends one, settings_get()
 * reads the index-th.
 *
 * Every change is written to disk before the call returns, atomically: the
 * new image goes to "<file>.tmp" in the same directory, is fsync'ed, renamed
 * over the file, and the directory is fsync'ed. A failed write never
 * replaces the good file, and the in-memory store then keeps the old state
 * (the call returns SETTINGS_ERR_IO with errno as the failing call set it).
 * Only a failure of the final directory fsync comes after the rename: the
 * call then returns SETTINGS_ERR_IO but the new contents are in place, on
 * disk and in memory.
 *
 * File format (all integers big-endian):
 *
 *   offset 0  magic    "TBRS" (4 bytes)
 *          4  version  u16 = SETTINGS_VERSION
 *          6  reserved u16 = 0
 *          8  body_len u32, bytes of records that follow the header
 *         12  count    u16, number of records
 *         14  reserved u16 = 0
 *         16  records  count x { key u16 (non-zero), len u16, value[len] }
 *   16+body_len  crc   u32, CRC-32 (IEEE 802.3, as zlib's crc32) of every
 *                      byte before it
 *
 * The file size must be exactly 16 + body_len + 4, at most SETTINGS_MAX_FILE.
 * Loading checks all of it through a bounded reader. A file that fails is
 * reported (settings_open returns the error, the report says what and where)
 * and moved aside to "<file>.corrupt-<UTC YYYYmmddTHHMMSSZ>[-N]" with its
 * bytes unchanged; the store then starts empty. It is never reset silently.
 *
 * One struct settings per node, owned by the caller; no global state. Not
 * thread-safe; one process per file (no locking).
 */
#ifndef TBR_PLATFORM_SETTINGS_H
#define TBR_PLATFORM_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/kv.h"

#define SETTINGS_MAGIC "TBRS"
#define SETTINGS_VERSION 1
#define SETTINGS_HEADER_LEN 16
#define SETTINGS_RECORD_HDR 4
#define SETTINGS_TRAILER_LEN 4
/* Whole file, header and CRC included: 64 KiB for the node's settings plus
 * twice the SRP registry's worst case (br/srp_server.c asserts it fits:
 * 2048 hosts and 4096 instances at their largest, 4.3 MB a set). The file
 * is as long as what it holds; this is the bound a read accepts. */
#define SETTINGS_MAX_FILE 9437184u /* 9 MiB */
#define SETTINGS_MAX_KEYS 64       /* distinct keys */
#define SETTINGS_MAX_RECORDS 512   /* values over all keys (SRP chunks, 64 CHILD_INFO) */
#define SETTINGS_PATH_MAX 4200     /* longest path reported (dir/name.corrupt-...) */
/* Largest single value: its length is a u16 in the record header. */
#define SETTINGS_MAX_VALUE 65535u
_Static_assert(SETTINGS_MAX_VALUE <= SETTINGS_MAX_FILE - SETTINGS_HEADER_LEN - SETTINGS_RECORD_HDR -
                                         SETTINGS_TRAILER_LEN,
               "one value of the largest size fits the file");

enum settings_err {
    SETTINGS_OK = 0,
    SETTINGS_ERR_NOT_FOUND,   /* no such key / index */
    SETTINGS_ERR_INVALID,     /* bad argument (key 0, NULL, name with '/') */
    SETTINGS_ERR_NO_SPACE,    /* file size, key or record bound reached */
    SETTINGS_ERR_IO,          /* system call failed; see errno_val in report */
    SETTINGS_ERR_NOMEM,       /* allocation failed */
    SETTINGS_ERR_BAD_MAGIC,   /* corrupt: not a settings file */
    SETTINGS_ERR_BAD_VERSION, /* corrupt: unknown format version */
    SETTINGS_ERR_TRUNCATED,   /* corrupt: shorter than its header says */
    SETTINGS_ERR_BAD_LENGTH,  /* corrupt: size over bound, or trailing bytes */
    SETTINGS_ERR_BAD_CRC,     /* corrupt: CRC mismatch */
    SETTINGS_ERR_BAD_RECORD,  /* corrupt: record bounds, key 0, too many keys */
};

/* True for the codes that mean "the file was corrupt and moved aside". */
bool settings_err_is_corrupt(enum settings_err e);
/* Short English text for e; never NULL. */
const char *settings_strerror(enum settings_err e);

/* System calls used for writing, replaceable to inject failures in tests.
 * Each has the POSIX meaning (return -1 and set errno on failure); ctx is
 * settings_config.ops_ctx. now() gives the time for the ".corrupt-" name. */
struct settings_ops {
    int (*open)(void *ctx, const char *path, int flags, mode_t mode);
    ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
    int (*fsync)(void *ctx, int fd);
    int (*close)(void *ctx, int fd);
    int (*rename)(void *ctx, const char *from, const char *to);
    time_t (*now)(void *ctx);
};

/* The POSIX implementation (the default when config.ops is NULL). */
const struct settings_ops *settings_posix_ops(void);

struct settings_config {
    const char *dir;                /* state directory; must exist */
    const char *name;               /* file name in dir, no '/' */
    const struct settings_ops *ops; /* NULL: settings_posix_ops() */
    void *ops_ctx;
};

/* What settings_open found. msg is a one-line human text (empty when the
 * file was fine or absent); moved_to is the .corrupt path, if any. */
struct settings_report {
    enum settings_err err;
    int errno_val;
    bool existed; /* a file was there */
    char msg[512];
    char moved_to[SETTINGS_PATH_MAX];
};

struct settings;

/* The file name of node id in a state directory: "node-<id>.settings". */
void settings_node_name(char *buf, size_t cap, unsigned node_id);

/* Opens (loads) the store. rep may be NULL.
 *  - SETTINGS_OK: *out is the store (empty when no file existed).
 *  - a corrupt code (settings_err_is_corrupt): the file was moved aside,
 *    rep says why and where, and *out is an EMPTY store the caller may use
 *    (or close) after reporting the problem.
 *  - any other error (I/O, including failing to move a bad file aside;
 *    NOMEM; INVALID): *out is NULL and nothing on disk was changed. */
enum settings_err settings_open(const struct settings_config *cfg, struct settings **out,
                                struct settings_report *rep);
void settings_close(struct settings *s);

/* Full path of the file (for messages). */
const char *settings_path(const struct settings *s);

/* Copies the index-th value of key into buf (up to cap bytes) and sets *len
 * to its full length (may exceed cap: the copy is then cut; check it).
 * buf may be NULL when cap is 0. NOT_FOUND when there is no such value. */
enum settings_err settings_get(const struct settings *s, uint16_t key, unsigned index, void *buf,
                               size_t cap, size_t *len);
/* Number of values of key. */
unsigned settings_count(const struct settings *s, uint16_t key);

/* Replaces every value of key with this one, and writes the file. */
enum settings_err settings_set(struct settings *s, uint16_t key, const void *val, size_t len);
/* Appends one more value to key, and writes the file. */
enum settings_err settings_add(struct settings *s, uint16_t key, const void *val, size_t len);
/* Deletes the index-th value of key, or all of them with index < 0, and
 * writes the file. NOT_FOUND when there was nothing to delete. */
enum settings_err settings_delete(struct settings *s, uint16_t key, int index);
/* Deletes everything ("factoryreset") and writes an empty file. */
enum settings_err settings_wipe(struct settings *s);

/* The store as the key/value contract of util/kv.h (what the Thread node
 * and other modules are handed). Errors map to negative errno values:
 * NOT_FOUND -ENOENT, INVALID -EINVAL, NO_SPACE -ENOSPC, NOMEM -ENOMEM, the
 * rest -EIO. *out refers to s; it is valid while s is open. */
void settings_kv(struct settings *s, struct kv *out);
/* The negative errno settings_kv() reports for e (0 for SETTINGS_OK). */
int settings_err_to_errno(enum settings_err e);

#endif
