/*
 * thread/child_table: lookups by extended address / RLOC16 / registered
 * address, candidates and their reuse, child ids, timeouts, and the
 * CHILD_INFO records (interop §3.3, §3.9) over an in-memory store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "support/kv_mem.h"
#include "thread/child_table.h"

static void ext_of(uint8_t i, uint8_t ext[8])
{
    memset(ext, 0, 8);
    ext[0] = 0x12;
    ext[7] = i;
}

/* A valid child i of router 5 (RLOC16 0x1400 | i), heard at now. */
static struct child_table_entry *add_valid(struct child_table *t, uint8_t i, uint64_t now)
{
    uint8_t ext[8];
    ext_of(i, ext);
    struct child_table_entry *c = child_table_add(t, ext);
    assert_non_null(c);
    c->state = CHILD_TABLE_VALID;
    c->rloc16 = (uint16_t)(5 << 10 | i);
    c->timeout_s = 10;
    c->last_heard_ms = now;
    c->mode = 0x0f;
    c->version = 4;
    return c;
}

static void test_lookups(void **state)
{
    (void)state;
    struct child_table t;
    child_table_init(&t);
    uint8_t ext[8], addr[16] = {0xfd, 0x00, [15] = 0x01};
    ext_of(1, ext);
    assert_null(child_table_by_ext(&t, ext));

    /* A candidate is found by ext only. */
    struct child_table_entry *c = child_table_add(&t, ext);
    assert_non_null(c);
    assert_int_equal(c->state, CHILD_TABLE_PARENT_REQ);
    assert_memory_equal(c->ext, ext, 8);
    c->rloc16 = 0x1401;
    c->n_addrs = 1;
    memcpy(c->addrs[0], addr, 16);
    assert_ptr_equal(child_table_by_ext(&t, ext), c);
    assert_null(child_table_by_rloc(&t, 0x1401));
    assert_null(child_table_by_addr(&t, addr));

    /* Valid: by all three. */
    c->state = CHILD_TABLE_VALID;
    assert_ptr_equal(child_table_by_rloc(&t, 0x1401), c);
    assert_ptr_equal(child_table_by_addr(&t, addr), c);
    assert_null(child_table_by_rloc(&t, 0x1402));
    addr[15] = 2;
    assert_null(child_table_by_addr(&t, addr));

    /* Restored: by ext only (not yet a full neighbour). */
    c->state = CHILD_TABLE_RESTORED;
    assert_ptr_equal(child_table_by_ext(&t, ext), c);
    assert_null(child_table_by_rloc(&t, 0x1401));
    assert_true(child_table_listed(c));

    child_table_remove(&t, c);
    assert_int_equal(c->state, CHILD_TABLE_FREE);
    assert_null(child_table_by_ext(&t, ext));
}

static void test_full_table(void **state)
{
    (void)state;
    struct child_table t;
    child_table_init(&t);
    uint8_t ext[8];
    for (uint8_t i = 0; i < CHILD_TABLE_MAX; i++) {
        ext_of(i, ext);
        struct child_table_entry *c = child_table_add(&t, ext);
        assert_non_null(c);
        c->pr_ms = 1000u + (i == 7 ? 0u : 100u + i); /* entry 7 is the oldest */
    }
    /* Full of candidates: the oldest one is reused, cleared. */
    ext_of(200, ext);
    struct child_table_entry *c = child_table_add(&t, ext);
    assert_ptr_equal(c, &t.child[7]);
    assert_int_equal(c->pr_ms, 0);
    assert_memory_equal(c->ext, ext, 8);
    /* Full of children: none. */
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++)
        t.child[i].state = CHILD_TABLE_VALID;
    assert_null(child_table_add(&t, ext));
}

static void test_alloc_id(void **state)
{
    (void)state;
    struct child_table t;
    child_table_init(&t);
    add_valid(&t, 1, 0);
    add_valid(&t, 2, 0);
    /* Ids of router 5 in use are skipped; another router's are not ours. */
    assert_int_equal(child_table_alloc_id(&t, 5), 3);
    assert_int_equal(child_table_alloc_id(&t, 6), 4);
    /* Wraps from 511 to 1 (0 is the router itself). */
    t.next_id = 511;
    assert_int_equal(child_table_alloc_id(&t, 7), 511);
    assert_int_equal(child_table_alloc_id(&t, 5), 3);
    t.next_id = 511;
    assert_int_equal(child_table_alloc_id(&t, 6), 511);
    assert_int_equal(child_table_alloc_id(&t, 6), 1);
}

static void test_timeouts(void **state)
{
    (void)state;
    struct child_table t;
    child_table_init(&t);
    assert_int_equal(child_table_next_timeout(&t, 0), -1);

    struct child_table_entry *c = add_valid(&t, 1, 1000); /* timeout 10 s */
    assert_false(child_table_timed_out(c, 11000));
    assert_true(child_table_timed_out(c, 11001));
    assert_int_equal(child_table_next_timeout(&t, 1000), 10001);
    assert_int_equal(child_table_next_timeout(&t, 20000), 0);

    /* A candidate is held CHILD_TABLE_PARENT_REQ_HOLD_MS after its Parent
     * Response. */
    uint8_t ext[8];
    ext_of(9, ext);
    struct child_table_entry *p = child_table_add(&t, ext);
    p->pr_ms = 5000;
    assert_false(child_table_timed_out(p, 5000 + CHILD_TABLE_PARENT_REQ_HOLD_MS));
    assert_true(child_table_timed_out(p, 5001 + CHILD_TABLE_PARENT_REQ_HOLD_MS));
    assert_int_equal(child_table_next_timeout(&t, 5000), 6001); /* the child's first */
    c->last_heard_ms = 100000;
    assert_int_equal(child_table_next_timeout(&t, 5000), CHILD_TABLE_PARENT_REQ_HOLD_MS + 1);
    assert_false(child_table_timed_out(&t.child[CHILD_TABLE_MAX - 1], UINT64_MAX));
}

static void test_records(void **state)
{
    (void)state;
    struct kv_mem m;
    struct kv kv;
    kv_mem_init(&m, &kv);
    struct child_table t;
    child_table_init(&t);

    /* An empty store and table: nothing to delete is fine. */
    assert_int_equal(child_table_save(&t, &kv), 0);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_CHILD_INFO), 0);

    struct child_table_entry *a = add_valid(&t, 1, 0);
    a->timeout_s = 0x01020304;
    struct child_table_entry *b = add_valid(&t, 2, 0);
    b->state = CHILD_TABLE_RESTORED;
    b->timeout_s = 0; /* read back as the default */
    uint8_t ext[8];
    ext_of(3, ext);
    assert_non_null(child_table_add(&t, ext)); /* a candidate: not kept */

    uint8_t rec[CHILD_TABLE_INFO_LEN];
    child_table_record_encode(a, rec);
    static const uint8_t want[CHILD_TABLE_INFO_LEN] = {
        0x12, 0, 0, 0, 0, 0, 0, 1, 0x14, 0x01, 0x0f, 0x01, 0x02, 0x03, 0x04, 0x00, 0x04,
    };
    assert_memory_equal(rec, want, sizeof(want));

    assert_int_equal(child_table_save(&t, &kv), 0);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_CHILD_INFO), 2);
    size_t len;
    assert_int_equal(kv_get(&kv, SETTINGS_KEY_CHILD_INFO, 0, rec, sizeof(rec), &len), 0);
    assert_memory_equal(rec, want, sizeof(want));

    /* Records a load skips: another router's, child id 0, a duplicate, a
     * bad size. */
    uint8_t other[CHILD_TABLE_INFO_LEN];
    memcpy(other, want, sizeof(other));
    other[7] = 4;
    other[8] = 0x18; /* router 6 */
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, other, sizeof(other)), 0);
    other[7] = 5;
    other[8] = 0x14;
    other[9] = 0x00; /* id 0 */
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, other, sizeof(other)), 0);
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, want, sizeof(want)), 0);
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, want, 5), 0);
    other[7] = 6;
    other[9] = 0x30; /* child id 48 */
    assert_int_equal(kv_add(&kv, SETTINGS_KEY_CHILD_INFO, other, sizeof(other)), 0);

    struct child_table r;
    child_table_init(&r);
    assert_int_equal(child_table_load(&r, &kv, 5, 777), 3);
    const struct child_table_entry *c = &r.child[0];
    assert_int_equal(c->state, CHILD_TABLE_RESTORED);
    assert_int_equal(c->rloc16, 0x1401);
    assert_int_equal(c->timeout_s, 0x01020304);
    assert_int_equal(c->mode, 0x0f);
    assert_int_equal(c->version, 4);
    assert_int_equal(c->last_heard_ms, 777);
    assert_int_equal(c->rssi, -20);
    assert_int_equal(r.child[1].rloc16, 0x1402);
    assert_int_equal(r.child[1].timeout_s, CHILD_TABLE_TIMEOUT_S);
    assert_int_equal(r.child[2].rloc16, 0x1430);
    assert_int_equal(r.child[3].state, CHILD_TABLE_FREE);
    assert_int_equal(r.next_id, 49); /* after the highest restored id */

    /* A failing store: the error of the first write, the save ends. */
    m.fail = true;
    assert_int_equal(child_table_save(&t, &kv), -EIO);
    m.fail = false;
    kv_mem_init(&m, &kv);
    assert_int_equal(child_table_load(&r, &kv, 5, 0), 0);
}

/* The pool is OpenThread's posix FTD (64) and all of it is saved and
 * restored: 64 CHILD_INFO values. */
static void test_full_table_persists(void **state)
{
    (void)state;
    struct kv_mem m;
    struct kv kv;
    kv_mem_init(&m, &kv);
    struct child_table t, r;
    child_table_init(&t);
    assert_int_equal(CHILD_TABLE_MAX, 64);
    assert_int_equal(child_table_max(&t), 64);
    for (uint8_t i = 1; i <= CHILD_TABLE_MAX; i++)
        add_valid(&t, i, 0)->timeout_s = 1000u + i;
    uint8_t ext[8];
    ext_of(200, ext);
    assert_null(child_table_add(&t, ext)); /* full of children */
    assert_int_equal(child_table_save(&t, &kv), 0);
    assert_int_equal(kv_count(&kv, SETTINGS_KEY_CHILD_INFO), 64);

    child_table_init(&r);
    assert_int_equal(child_table_load(&r, &kv, 5, 42), 64);
    for (unsigned i = 0; i < CHILD_TABLE_MAX; i++) {
        const struct child_table_entry *c = &r.child[i];
        assert_int_equal(c->state, CHILD_TABLE_RESTORED);
        assert_int_equal(c->rloc16, 5 << 10 | (i + 1));
        assert_int_equal(c->timeout_s, 1000u + i + 1);
        assert_memory_equal(c->ext, t.child[i].ext, 8);
        assert_int_equal(c->last_heard_ms, 42);
    }
    assert_int_equal(r.next_id, 65);

    /* A smaller live limit restores that many only. */
    child_table_init(&r);
    assert_int_equal(child_table_set_max(&r, 10), OT_ERR_NONE);
    assert_int_equal(child_table_load(&r, &kv, 5, 42), 10);
    assert_int_equal(r.child[10].state, CHILD_TABLE_FREE);
}

/* `childmax` (ChildTable::SetMaxChildrenAllowed): 1..64, only while the
 * table is empty; only the first max entries are used; a reset keeps it. */
static void test_max_allowed(void **state)
{
    (void)state;
    struct child_table t;
    uint8_t ext[8];
    child_table_init(&t);
    assert_int_equal(child_table_set_max(&t, 0), OT_ERR_INVALID_ARGS);
    assert_int_equal(child_table_set_max(&t, 65), OT_ERR_INVALID_ARGS);
    assert_int_equal(child_table_max(&t), 64);
    assert_int_equal(child_table_set_max(&t, 2), OT_ERR_NONE);
    assert_int_equal(child_table_max(&t), 2);
    add_valid(&t, 1, 0);
    assert_int_equal(child_table_set_max(&t, 3), OT_ERR_INVALID_STATE);
    ext_of(2, ext);
    struct child_table_entry *cand = child_table_add(&t, ext);
    assert_ptr_equal(cand, &t.child[1]);
    /* A candidate is reused for a newer one, never an entry past the limit. */
    cand->pr_ms = 5;
    ext_of(3, ext);
    assert_ptr_equal(child_table_add(&t, ext), &t.child[1]);
    t.child[1].state = CHILD_TABLE_VALID;
    ext_of(4, ext);
    assert_null(child_table_add(&t, ext));
    assert_int_equal(t.child[2].state, CHILD_TABLE_FREE);
    child_table_reset(&t);
    assert_int_equal(t.child[0].state, CHILD_TABLE_FREE);
    assert_int_equal(t.next_id, 1);
    assert_int_equal(child_table_max(&t), 2);
    assert_int_equal(child_table_set_max(&t, 64), OT_ERR_NONE);
    assert_int_equal(child_table_max(&t), 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups),     cmocka_unit_test(test_full_table),
        cmocka_unit_test(test_alloc_id),    cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_records),     cmocka_unit_test(test_full_table_persists),
        cmocka_unit_test(test_max_allowed),
    };
    return cmocka_run_group_tests_name("child_table", tests, NULL, NULL);
}
