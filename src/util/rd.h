/*
 * Bounded reader and writer over byte buffers.
 *
 * Every parser of network input reads through a struct rd: each read checks
 * the bytes left and fails (returning false, leaving *out untouched) instead
 * of running past the end. Multi-byte reads are big-endian (network order);
 * byte order is converted only here. Writers (struct wr) are the mirror image
 * for building packets into caller-owned storage.
 */
#ifndef TBR_UTIL_RD_H
#define TBR_UTIL_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
    const uint8_t *p; /* next byte */
    size_t left;      /* bytes that may still be read */
};

static inline struct rd rd_init(const void *buf, size_t len)
{
    struct rd r = {(const uint8_t *)buf, len};
    return r;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
    if (r->left < n)
        return false;
    r->p += n;
    r->left -= n;
    return true;
}

static inline bool rd_u8(struct rd *r, uint8_t *out)
{
    if (r->left < 1)
        return false;
    *out = r->p[0];
    r->p++;
    r->left--;
    return true;
}

static inline bool rd_be16(struct rd *r, uint16_t *out)
{
    if (r->left < 2)
        return false;
    *out = (uint16_t)((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    r->left -= 2;
    return true;
}

static inline bool rd_be32(struct rd *r, uint32_t *out)
{
    if (r->left < 4)
        return false;
    *out =
        ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) | r->p[3];
    r->p += 4;
    r->left -= 4;
    return true;
}

static inline bool rd_be64(struct rd *r, uint64_t *out)
{
    uint32_t hi, lo;
    if (r->left < 8 || !rd_be32(r, &hi) || !rd_be32(r, &lo))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

static inline bool rd_bytes(struct rd *r, void *out, size_t n)
{
    if (r->left < n)
        return false;
    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return true;
}

/* A sub-reader over the next n bytes, which are consumed from r. */
static inline bool rd_sub(struct rd *r, size_t n, struct rd *sub)
{
    if (r->left < n)
        return false;
    sub->p = r->p;
    sub->left = n;
    r->p += n;
    r->left -= n;
    return true;
}

struct wr {
    uint8_t *p;  /* next byte to write */
    size_t left; /* room left */
    bool ok;     /* false once any write did not fit */
};

static inline struct wr wr_init(void *buf, size_t cap)
{
    struct wr w = {(uint8_t *)buf, cap, true};
    return w;
}

static inline uint8_t *wr_reserve(struct wr *w, size_t n)
{
    if (!w->ok || w->left < n) {
        w->ok = false;
        return NULL;
    }
    uint8_t *at = w->p;
    w->p += n;
    w->left -= n;
    return at;
}

static inline void wr_u8(struct wr *w, uint8_t v)
{
    uint8_t *at = wr_reserve(w, 1);
    if (at)
        at[0] = v;
}

static inline void wr_be16(struct wr *w, uint16_t v)
{
    uint8_t *at = wr_reserve(w, 2);
    if (at) {
        at[0] = (uint8_t)(v >> 8);
        at[1] = (uint8_t)v;
    }
}

static inline void wr_be32(struct wr *w, uint32_t v)
{
    uint8_t *at = wr_reserve(w, 4);
    if (at) {
        at[0] = (uint8_t)(v >> 24);
        at[1] = (uint8_t)(v >> 16);
        at[2] = (uint8_t)(v >> 8);
        at[3] = (uint8_t)v;
    }
}

static inline void wr_be64(struct wr *w, uint64_t v)
{
    wr_be32(w, (uint32_t)(v >> 32));
    wr_be32(w, (uint32_t)v);
}

static inline void wr_bytes(struct wr *w, const void *src, size_t n)
{
    uint8_t *at = wr_reserve(w, n);
    if (at && n)
        memcpy(at, src, n);
}

/* Unchecked big-endian accessors for headers already length-checked. */
static inline uint16_t be16_get(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t be32_get(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void be16_put(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint64_t be64_get(const uint8_t *p)
{
    return (uint64_t)be32_get(p) << 32 | be32_get(p + 4);
}

static inline void be64_put(uint8_t *p, uint64_t v)
{
    be32_put(p, (uint32_t)(v >> 32));
    be32_put(p + 4, (uint32_t)v);
}

#endif
