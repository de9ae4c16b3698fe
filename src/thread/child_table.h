/*
 * The parent's child table (OpenThread's ChildTable, child_table.cpp): the
 * children and the candidates that sent a Parent Request, looked up by
 * extended address, RLOC16 or registered IPv6 address; child id allocation;
 * timeouts; and the CHILD_INFO records a restarted leader restores them from
 * (thread-sim-interop.md §3.3, §3.9).
 *
 * Pure data and logic: time is passed in, persistence goes through a
 * util/kv.h store handed in. One struct child_table per node, owned by it.
 */
#ifndef TBR_THREAD_CHILD_TABLE_H
#define TBR_THREAD_CHILD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac/mac_security.h"
#include "thread/mle_tlv.h"
#include "util/kv.h"
#include "util/ot_err.h"

/* The pool: OpenThread's FTD on posix (OPENTHREAD_CONFIG_MLE_MAX_CHILDREN
 * in openthread-core-posix-config.h, what otbr-agent runs with); the live
 * limit is child_table_set_max() (`childmax`). */
#define CHILD_TABLE_MAX 64
#define CHILD_TABLE_ADDRS 8       /* registered addresses kept per MTD child */
#define CHILD_TABLE_TIMEOUT_S 240 /* OpenThread's default child timeout */
/* Parent Request entries of candidates that never sent a Child ID Request. */
#define CHILD_TABLE_PARENT_REQ_HOLD_MS 10000
#define CHILD_TABLE_MAX_ID 511 /* child ids are 1..511 (RLOC16 bits 0..8) */

enum child_table_state {
    CHILD_TABLE_FREE = 0,
    CHILD_TABLE_PARENT_REQ, /* we sent a Parent Response; waiting for its Child ID Request */
    CHILD_TABLE_VALID,
    CHILD_TABLE_RESTORED, /* from the store after a restart: confirming with a Child Update */
};

/* Per-neighbour replay state (MAC and MLE frame counters, interop §3.1/§3.3);
 * the child role keeps one for its parent too. */
struct child_table_sec {
    uint32_t mac_key_seq;
    struct mac_replay mac;
    uint32_t mle_key_seq;
    struct mac_replay mle;
};

struct child_table_entry {
    uint8_t state; /* enum child_table_state */
    uint8_t ext[8];
    uint16_t rloc16;
    uint8_t mode;
    uint16_t version;
    uint32_t timeout_s;
    uint64_t last_heard_ms;
    uint64_t pr_ms;                 /* Parent Response time (PARENT_REQ state) */
    struct mle_challenge challenge; /* ours, sent in the Parent Response */
    struct child_table_sec sec;
    int8_t rssi;
    uint8_t restore_tries; /* Child Update Requests sent while RESTORED */
    uint8_t n_addrs;
    uint8_t addrs[CHILD_TABLE_ADDRS][16]; /* registered (MTD) addresses, full form */
};

struct child_table {
    struct child_table_entry child[CHILD_TABLE_MAX];
    uint16_t next_id;     /* next child id to try */
    uint16_t max_allowed; /* entries in use at most (`childmax`); 0 means CHILD_TABLE_MAX */
};

/* Empty table; child ids are handed out from 1; the limit CHILD_TABLE_MAX. */
void child_table_init(struct child_table *t);
/* Empties the table (every entry freed, ids from 1 again) but keeps the
 * limit, as OpenThread keeps mMaxChildrenAllowed across roles. */
void child_table_reset(struct child_table *t);

/* The live limit (ChildTable::GetMaxChildrenAllowed). */
uint16_t child_table_max(const struct child_table *t);
/* SetMaxChildrenAllowed: OT_ERR_INVALID_ARGS unless 1..CHILD_TABLE_MAX,
 * OT_ERR_INVALID_STATE while any entry is in use (a child or candidate).
 * Only the first max entries are used from then on. */
enum ot_err child_table_set_max(struct child_table *t, uint16_t max);

/* Any entry (candidate, valid or restored) with this extended address. */
struct child_table_entry *child_table_by_ext(struct child_table *t, const uint8_t ext[8]);
/* The valid child with this RLOC16, or NULL. */
struct child_table_entry *child_table_by_rloc(struct child_table *t, uint16_t rloc16);
/* The valid child that registered addr, or NULL. */
struct child_table_entry *child_table_by_addr(struct child_table *t, const uint8_t addr[16]);

/* A new candidate (state PARENT_REQ, all else zero but ext) in a free entry
 * among the first child_table_max(), or in place of the oldest candidate
 * when none is free; NULL when every one of them is a valid or restored
 * child (OpenThread's GetNewChild: the Parent Request gets no answer). */
struct child_table_entry *child_table_add(struct child_table *t, const uint8_t ext[8]);
/* Frees the entry. */
void child_table_remove(struct child_table *t, struct child_table_entry *c);
/* A child id (1..511) no valid child of router_id uses, or 0. */
uint16_t child_table_alloc_id(struct child_table *t, uint8_t router_id);

/* Valid or restored: a child the store keeps. */
bool child_table_listed(const struct child_table_entry *c);
/* A listed child not heard for its timeout, or a candidate held for
 * CHILD_TABLE_PARENT_REQ_HOLD_MS: due for removal at now. */
bool child_table_timed_out(const struct child_table_entry *c, uint64_t now_ms);
/* ms until the next child_table_timed_out() (0: due), -1 for none. */
int64_t child_table_next_timeout(const struct child_table *t, uint64_t now_ms);

/* ---- persistence: SETTINGS_KEY_CHILD_INFO, one value per listed child:
 * ext (8) | rloc16 BE16 | mode | timeout BE32 | version BE16. */
#define CHILD_TABLE_INFO_LEN 17

void child_table_record_encode(const struct child_table_entry *c,
                               uint8_t out[CHILD_TABLE_INFO_LEN]);
/* Rewrites CHILD_INFO with the listed children. kv error (util/kv.h) of
 * the first failing write, which ends the save. */
int child_table_save(const struct child_table *t, const struct kv *kv);
/* Restores CHILD_INFO into an empty table as RESTORED children of router_id
 * (records of other routers, child id 0, duplicates or bad sizes skipped),
 * heard at now, timeout 0 read as CHILD_TABLE_TIMEOUT_S, at most
 * child_table_max() of them; next ids continue
 * after the restored ones. The caller then confirms each (Child Update
 * Request with a fresh challenge). Returns the number restored. */
unsigned child_table_load(struct child_table *t, const struct kv *kv, uint8_t router_id,
                          uint64_t now_ms);

#endif
