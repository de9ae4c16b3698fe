/*
 * thread/node_store: the NETWORK_INFO record and the frame counters stored
 * ahead (moved here from test_settings.c with the code): over the in-memory
 * store for the write counts and failures, and over the real file store
 * (settings_kv) across a reopen and a real SIGKILL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/settings.h"
#include "support/kv_mem.h"
#include "thread/node_store.h"

/* ---- fixture: a temp dir holding one settings file -------------------------- */

struct fx {
    char dir[64];
    char path[128];
    struct settings *s;
    struct kv kv; /* of s */
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/tbr-node-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/node-1.settings", f->dir);
    *state = f;
    return 0;
}

static void fx_close(struct fx *f)
{
    settings_close(f->s);
    f->s = NULL;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    fx_close(f);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static const struct kv *fx_open(struct fx *f)
{
    struct settings_config c = {f->dir, "node-1.settings", NULL, NULL};
    fx_close(f);
    assert_int_equal(settings_open(&c, &f->s, NULL), SETTINGS_OK);
    settings_kv(f->s, &f->kv);
    return &f->kv;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_network_info(void **state)
{
    struct fx *f = *state;
    struct node_store_network_info ni = {
        .role = 4,
        .device_mode = 0x0f,
        .rloc16 = 0x1800,
        .key_sequence = 7,
        .mle_frame_counter = 0x01020304,
        .mac_frame_counter = 0x0a0b0c0d,
        .partition_id = 0xdeadbeef,
        .ext_addr = {0xd2, 0x95, 0x96, 0xe8, 0xf3, 0xcd, 0xbe, 0x59},
        .ml_iid = {1, 2, 3, 4, 5, 6, 7, 8},
        .version = 5,
    };
    uint8_t enc[NODE_STORE_NETWORK_INFO_LEN];
    node_store_network_info_encode(&ni, enc);
    assert_int_equal(enc[0], 4);
    assert_int_equal(enc[2], 0x18);
    assert_int_equal(enc[8], 0x01);  /* MLE counter, big-endian */
    assert_int_equal(enc[12], 0x0a); /* MAC counter */
    assert_int_equal(enc[NODE_STORE_NETWORK_INFO_LEN - 1], 5);
    struct node_store_network_info back;
    assert_false(node_store_network_info_decode(enc, sizeof(enc) - 1, &back));
    assert_true(node_store_network_info_decode(enc, sizeof(enc), &back));
    assert_memory_equal(&back.ext_addr, ni.ext_addr, 8);
    assert_int_equal(back.partition_id, ni.partition_id);

    const struct kv *kv = fx_open(f);
    assert_int_equal(node_store_get_network_info(kv, &back), -ENOENT);
    assert_int_equal(node_store_set_network_info(kv, &ni), 0);
    kv = fx_open(f); /* reopened from the file */
    memset(&back, 0, sizeof(back));
    assert_int_equal(node_store_get_network_info(kv, &back), 0);
    assert_int_equal(back.rloc16, 0x1800);
    assert_int_equal(back.key_sequence, 7);
    assert_int_equal(back.mac_frame_counter, 0x0a0b0c0d);
    assert_memory_equal(back.ml_iid, ni.ml_iid, 8);

    /* A wrong-sized value is not ours to interpret. */
    assert_int_equal(kv_set(kv, SETTINGS_KEY_NETWORK_INFO, enc, sizeof(enc) - 1), 0);
    assert_int_equal(node_store_get_network_info(kv, &back), -ENOENT);
}

static void test_frame_counter_store_ahead(void **state)
{
    (void)state;
    struct kv_mem m;
    struct kv kv;
    kv_mem_init(&m, &kv);
    struct node_store_network_info ni = {.role = 2, .rloc16 = 0x1801, .key_sequence = 3};
    assert_int_equal(node_store_set_network_info(&kv, &ni), 0);
    unsigned base = m.writes;

    struct node_store_fc fc;
    node_store_fc_load(&kv, &fc);
    assert_int_equal(fc.ahead, 1000);
    assert_int_equal(fc.mac, 0);

    uint32_t c = 0, max_mac = 0, max_mle = 0;
    for (uint32_t i = 0; i < 2500; i++) {
        assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), 0);
        assert_int_equal(c, i); /* consecutive, none skipped in one run */
        max_mac = c;
    }
    for (int i = 0; i < 10; i++)
        assert_int_equal(node_store_fc_next_mle(&kv, &fc, &max_mle), 0);
    /* Writes at counters 0, 1000 and 2000 only: one per `ahead` frames. */
    assert_int_equal(m.writes - base, 3);
    assert_int_equal(fc.mac_stored, 3000);

    struct node_store_network_info got;
    assert_int_equal(node_store_get_network_info(&kv, &got), 0);
    assert_int_equal(got.mac_frame_counter, 3000); /* live 2000 + 1000 */
    assert_int_equal(got.mle_frame_counter, 1000);
    assert_int_equal(got.rloc16, 0x1801); /* other fields kept */
    assert_int_equal(got.key_sequence, 3);

    /* "Crash": no final save; reload resumes strictly above. */
    node_store_fc_load(&kv, &fc);
    assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), 0);
    assert_true(c > max_mac);
    assert_int_equal(c, 3000);
    uint32_t mle;
    assert_int_equal(node_store_fc_next_mle(&kv, &fc, &mle), 0);
    assert_true(mle > max_mle);
    max_mac = c;

    /* A failing store hands out no counter, and the counter is not lost. */
    for (uint32_t i = 1; i < 1000; i++)
        assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), 0);
    assert_int_equal(c, 3999);
    m.fail = true;
    c = 0;
    assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), -EIO);
    assert_int_equal(c, 0);
    m.fail = false;
    assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), 0);
    assert_int_equal(c, 4000);
    node_store_fc_load(&kv, &fc);
    assert_true(fc.mac > 4000);

    /* Explicit store (e.g. on key sequence change). */
    fc.mac = 0;
    fc.mle = 0;
    assert_int_equal(node_store_fc_store(&kv, &fc), 0);
    assert_int_equal(fc.mac_stored, 1000);

    /* Never wraps. */
    node_store_fc_load(&kv, &fc);
    fc.mac = UINT32_MAX - 1;
    assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), 0);
    assert_int_equal(c, UINT32_MAX - 1);
    assert_int_equal(fc.mac_stored, UINT32_MAX);
    assert_int_equal(node_store_fc_next_mac(&kv, &fc, &c), -ENOSPC);

    /* No NETWORK_INFO: counters from zero, the first use stores (other
     * fields zero). */
    kv_mem_init(&m, &kv);
    node_store_fc_load(&kv, &fc);
    assert_int_equal(fc.mle_stored, 0);
    assert_int_equal(node_store_fc_next_mle(&kv, &fc, &c), 0);
    assert_int_equal(c, 0);
    assert_int_equal(node_store_get_network_info(&kv, &got), 0);
    assert_int_equal(got.mle_frame_counter, 1000);
    assert_int_equal(got.rloc16, 0);
}

/* A real kill -9 in the middle of a run of counters, over the file store. */
static void test_frame_counter_sigkill(void **state)
{
    struct fx *f = *state;
    for (int round = 0; round < 3; round++) {
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pfd[0]);
            struct settings_config c = {f->dir, "node-1.settings", NULL, NULL};
            struct settings *s = NULL;
            if (settings_open(&c, &s, NULL) != SETTINGS_OK)
                _exit(2);
            struct kv kv;
            settings_kv(s, &kv);
            struct node_store_fc fc;
            node_store_fc_load(&kv, &fc);
            uint32_t v = 0;
            for (int i = 0; i < 1234 + round * 777; i++) {
                if (node_store_fc_next_mac(&kv, &fc, &v) != 0)
                    _exit(3);
            }
            /* Report the last counter used, then die without cleanup. */
            if (write(pfd[1], &v, sizeof(v)) != (ssize_t)sizeof(v))
                _exit(4);
            kill(getpid(), SIGKILL);
            _exit(5);
        }
        close(pfd[1]);
        uint32_t last = 0;
        assert_int_equal(read(pfd[0], &last, sizeof(last)), sizeof(last));
        close(pfd[0]);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGKILL);

        const struct kv *kv = fx_open(f);
        struct node_store_fc fc;
        node_store_fc_load(kv, &fc);
        uint32_t next;
        assert_int_equal(node_store_fc_next_mac(kv, &fc, &next), 0);
        assert_true(next > last);
        fx_close(f);
    }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_network_info),
        T(test_frame_counter_store_ahead),
        T(test_frame_counter_sigkill),
    };
    return cmocka_run_group_tests_name("node_store", tests, NULL, NULL);
}
