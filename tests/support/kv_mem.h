/*
 * An in-memory util/kv.h store for unit tests: bounded, ordered as the file
 * store (values of a key in insertion order; set appends after deleting),
 * counting writes, with an injectable write failure (-EIO, nothing changed).
 */
#ifndef TBR_TESTS_KV_MEM_H
#define TBR_TESTS_KV_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "util/kv.h"

#define KV_MEM_RECS 128 /* a full child table (64 CHILD_INFO values) and more */
#define KV_MEM_VAL_MAX 256

struct kv_mem_rec {
    uint16_t key;
    uint16_t len;
    uint8_t val[KV_MEM_VAL_MAX];
};

struct kv_mem {
    struct kv_mem_rec rec[KV_MEM_RECS];
    unsigned n;
    unsigned writes; /* successful set/add/delete/wipe calls */
    bool fail;       /* the next writes fail with -EIO */
};

/* Empties m and makes *out refer to it. */
void kv_mem_init(struct kv_mem *m, struct kv *out);

#endif
