/*
 * The in-memory util/kv.h store of kv_mem.h.
 */
#include "kv_mem.h"

#include <errno.h>
#include <string.h>

static struct kv_mem_rec *find(struct kv_mem *m, uint16_t key, unsigned index)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->rec[i].key == key && index-- == 0)
            return &m->rec[i];
    return NULL;
}

static int op_get(void *ctx, uint16_t key, unsigned index, void *buf, size_t cap, size_t *len)
{
    struct kv_mem_rec *r = find(ctx, key, index);
    if (!r)
        return -ENOENT;
    memcpy(buf, r->val, r->len < cap ? r->len : cap);
    *len = r->len;
    return 0;
}

static unsigned op_count(void *ctx, uint16_t key)
{
    struct kv_mem *m = ctx;
    unsigned c = 0;
    for (unsigned i = 0; i < m->n; i++)
        c += m->rec[i].key == key;
    return c;
}

static void remove_at(struct kv_mem *m, struct kv_mem_rec *r)
{
    unsigned i = (unsigned)(r - m->rec);
    memmove(r, r + 1, (m->n - i - 1) * sizeof(*r));
    m->n--;
}

static int op_add(void *ctx, uint16_t key, const void *val, size_t len)
{
    struct kv_mem *m = ctx;
    if (key == 0 || (len && !val))
        return -EINVAL;
    if (m->fail)
        return -EIO;
    if (m->n == KV_MEM_RECS || len > KV_MEM_VAL_MAX)
        return -ENOSPC;
    struct kv_mem_rec *r = &m->rec[m->n++];
    r->key = key;
    r->len = (uint16_t)len;
    if (len)
        memcpy(r->val, val, len);
    m->writes++;
    return 0;
}

static int op_delete(void *ctx, uint16_t key, int index)
{
    struct kv_mem *m = ctx;
    if (m->fail)
        return -EIO;
    struct kv_mem_rec *r = find(m, key, index < 0 ? 0 : (unsigned)index);
    if (!r)
        return -ENOENT;
    if (index >= 0)
        remove_at(m, r);
    else
        while ((r = find(m, key, 0)) != NULL)
            remove_at(m, r);
    m->writes++;
    return 0;
}

static int op_set(void *ctx, uint16_t key, const void *val, size_t len)
{
    struct kv_mem *m = ctx;
    if (key == 0 || (len && !val))
        return -EINVAL;
    if (m->fail)
        return -EIO;
    if (len > KV_MEM_VAL_MAX || (m->n == KV_MEM_RECS && op_count(m, key) == 0))
        return -ENOSPC;
    struct kv_mem_rec *r;
    while ((r = find(m, key, 0)) != NULL)
        remove_at(m, r);
    return op_add(m, key, val, len); /* one write for the whole set */
}

static int op_wipe(void *ctx)
{
    struct kv_mem *m = ctx;
    if (m->fail)
        return -EIO;
    m->n = 0;
    m->writes++;
    return 0;
}

static const struct kv_ops ops = {
    .get = op_get,
    .set = op_set,
    .add = op_add,
    .delete = op_delete,
    .count = op_count,
    .wipe = op_wipe,
};

void kv_mem_init(struct kv_mem *m, struct kv *out)
{
    memset(m, 0, sizeof(*m));
    out->ops = &ops;
    out->ctx = m;
}
