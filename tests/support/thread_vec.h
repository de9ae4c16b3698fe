/*
 * Reader for the Thread capture vectors (../shared/vectors/thread/NAME.vec):
 * blocks of "key: value" lines separated by blank lines, '#' comments.
 * Test support only.
 */
#ifndef TBR_TEST_THREAD_VEC_H
#define TBR_TEST_THREAD_VEC_H

#include <stddef.h>
#include <stdint.h>

#define TVEC_MAX_KV 48

struct tvec_kv {
    const char *key;
    const char *value;
};

struct tvec_block {
    struct tvec_kv kv[TVEC_MAX_KV];
    unsigned n;
};

struct tvec_file {
    char *text; /* owned; keys and values point into it */
    struct tvec_block *blocks;
    unsigned n;
};

/* Loads name (e.g. "nat64-ping.vec") from $TBR_THREAD_VECTORS (default: the
 * ../shared/vectors/thread path CMake was given). Returns 0, or
 * -1 when the file is missing or malformed (message on stderr). */
int tvec_load(const char *name, struct tvec_file *f);
void tvec_free(struct tvec_file *f);

/* The value of key in b, or NULL. */
const char *tvec_get(const struct tvec_block *b, const char *key);

/* The first block whose first key is kind ("network", "node", "frame") and,
 * when id is non-NULL, whose value equals id. NULL when none. */
const struct tvec_block *tvec_find(const struct tvec_file *f, const char *kind, const char *id);

/* Decodes lowercase/uppercase hex into out; returns the byte count, or -1 on
 * odd length, a non-hex digit or overflow of cap. */
long tvec_hex(const char *hex, uint8_t *out, size_t cap);

#endif
