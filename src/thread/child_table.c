/*
 * The parent's child table (see child_table.h).
 */
#include "thread/child_table.h"

#include <errno.h>
#include <string.h>

#include "util/rd.h"

void child_table_init(struct child_table *t)
{
    memset(t, 0, sizeof(*t));
    t->next_id = 1;
}

void child_table_reset(struct child_table *t)
{
    uint16_t max = t->max_allowed;

    child_table_init(t);
    t->max_allowed = max;
}

uint16_t child_table_max(const struct child_table *t)
{
    return t->max_allowed == 0 || t->max_allowed > CHILD_TABLE_MAX ? CHILD_TABLE_MAX
                                                                   : t->max_allowed;
}

enum ot_err child_table_set_max(struct child_table *t, uint16_t max)
{
    if (max == 0 || max > CHILD_TABLE_MAX)
        return OT_ERR_INVALID_ARGS;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++)
        if (t->child[i].state != CHILD_TABLE_FREE)
            return OT_ERR_INVALID_STATE;
    t->max_allowed = max;
    return OT_ERR_NONE;
}

struct child_table_entry *child_table_by_ext(struct child_table *t, const uint8_t ext[8])
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &t->child[i];
        if (c->state != CHILD_TABLE_FREE && memcmp(c->ext, ext, 8) == 0)
            return c;
    }
    return NULL;
}

struct child_table_entry *child_table_by_rloc(struct child_table *t, uint16_t rloc16)
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &t->child[i];
        if (c->state == CHILD_TABLE_VALID && c->rloc16 == rloc16)
            return c;
    }
    return NULL;
}

struct child_table_entry *child_table_by_addr(struct child_table *t, const uint8_t addr[16])
{
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        struct child_table_entry *c = &t->child[i];
        if (c->state != CHILD_TABLE_VALID)
            continue;
        for (unsigned k = 0; k < c->n_addrs; k++)
            if (memcmp(c->addrs[k], addr, 16) == 0)
                return c;
    }
    return NULL;
}

static struct child_table_entry *entry_alloc(struct child_table *t)
{
    unsigned max = child_table_max(t);

    for (unsigned i = 0; i < max; i++)
        if (t->child[i].state == CHILD_TABLE_FREE)
            return &t->child[i];
    /* Reuse the oldest candidate that never finished attaching. */
    struct child_table_entry *old = NULL;
    for (unsigned i = 0; i < max; i++) {
        struct child_table_entry *c = &t->child[i];
        if (c->state == CHILD_TABLE_PARENT_REQ && (!old || c->pr_ms < old->pr_ms))
            old = c;
    }
    return old;
}

struct child_table_entry *child_table_add(struct child_table *t, const uint8_t ext[8])
{
    struct child_table_entry *c = entry_alloc(t);
    if (!c)
        return NULL;
    memset(c, 0, sizeof(*c));
    memcpy(c->ext, ext, 8);
    c->state = CHILD_TABLE_PARENT_REQ;
    return c;
}

void child_table_remove(struct child_table *t, struct child_table_entry *c)
{
    (void)t;
    memset(c, 0, sizeof(*c));
}

uint16_t child_table_alloc_id(struct child_table *t, uint8_t router_id)
{
    for (unsigned tries = 0; tries < CHILD_TABLE_MAX_ID; tries++) {
        uint16_t id = t->next_id;
        t->next_id = (uint16_t)(id >= CHILD_TABLE_MAX_ID ? 1 : id + 1);
        if (id == 0)
            continue;
        uint16_t rloc = (uint16_t)(router_id << 10 | id);
        if (!child_table_by_rloc(t, rloc))
            return id;
    }
    return 0;
}

bool child_table_listed(const struct child_table_entry *c)
{
    return c->state == CHILD_TABLE_VALID || c->state == CHILD_TABLE_RESTORED;
}

bool child_table_timed_out(const struct child_table_entry *c, uint64_t now_ms)
{
    if (child_table_listed(c))
        return now_ms - c->last_heard_ms > (uint64_t)c->timeout_s * 1000u;
    if (c->state == CHILD_TABLE_PARENT_REQ)
        return now_ms - c->pr_ms > CHILD_TABLE_PARENT_REQ_HOLD_MS;
    return false;
}

static int64_t until(uint64_t now, uint64_t t)
{
    return t <= now ? 0 : (int64_t)(t - now);
}

int64_t child_table_next_timeout(const struct child_table *t, uint64_t now_ms)
{
    int64_t next = -1;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &t->child[i];
        int64_t d;
        if (child_table_listed(c))
            d = until(now_ms, c->last_heard_ms + (uint64_t)c->timeout_s * 1000u + 1);
        else if (c->state == CHILD_TABLE_PARENT_REQ)
            d = until(now_ms, c->pr_ms + CHILD_TABLE_PARENT_REQ_HOLD_MS + 1);
        else
            continue;
        if (next < 0 || d < next)
            next = d;
    }
    return next;
}

/* ---- persistence ------------------------------------------------------------ */

void child_table_record_encode(const struct child_table_entry *c, uint8_t out[CHILD_TABLE_INFO_LEN])
{
    memcpy(out, c->ext, 8);
    be16_put(out + 8, c->rloc16);
    out[10] = c->mode;
    be32_put(out + 11, c->timeout_s);
    be16_put(out + 15, c->version);
}

int child_table_save(const struct child_table *t, const struct kv *kv)
{
    int e = kv_delete(kv, SETTINGS_KEY_CHILD_INFO, -1);
    if (e != 0 && e != -ENOENT)
        return e;
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &t->child[i];
        if (!child_table_listed(c))
            continue;
        uint8_t v[CHILD_TABLE_INFO_LEN];
        child_table_record_encode(c, v);
        e = kv_add(kv, SETTINGS_KEY_CHILD_INFO, v, sizeof(v));
        if (e != 0)
            return e;
    }
    return 0;
}

unsigned child_table_load(struct child_table *t, const struct kv *kv, uint8_t router_id,
                          uint64_t now_ms)
{
    unsigned cnt = kv_count(kv, SETTINGS_KEY_CHILD_INFO), k = 0, max = child_table_max(t);
    for (unsigned i = 0; i < cnt && k < max; i++) {
        uint8_t v[CHILD_TABLE_INFO_LEN];
        size_t len = 0;
        if (kv_get(kv, SETTINGS_KEY_CHILD_INFO, i, v, sizeof(v), &len) != 0 || len != sizeof(v))
            continue;
        uint16_t rloc = be16_get(v + 8);
        if ((rloc >> 10) != router_id || (rloc & 0x1ff) == 0 || child_table_by_ext(t, v))
            continue;
        struct child_table_entry *c = &t->child[k++];
        memset(c, 0, sizeof(*c));
        c->state = CHILD_TABLE_RESTORED;
        memcpy(c->ext, v, 8);
        c->rloc16 = rloc;
        c->mode = v[10];
        c->timeout_s = be32_get(v + 11) ? be32_get(v + 11) : CHILD_TABLE_TIMEOUT_S;
        c->version = be16_get(v + 15);
        c->last_heard_ms = now_ms;
        c->rssi = -20;
        uint16_t id = rloc & 0x1ff;
        if (id >= t->next_id)
            t->next_id = (uint16_t)(id + 1 > CHILD_TABLE_MAX_ID ? 1 : id + 1);
    }
    return k;
}
