/*
 * A key/value store contract (the role of OpenThread's otPlatSettings*,
 * include/openthread/platform/settings.h): what the Thread node and other
 * modules need to persist state, without knowing where it goes. The file
 * store in src/platform/settings.[ch] implements it (settings_kv()); tests
 * use an in-memory one.
 *
 * Values are binary blobs. A key may hold several values (as OpenThread's
 * CHILD_INFO list): set replaces all values of a key with one, add appends
 * one, get reads the index-th. Every change is durable when the call returns.
 *
 * Errors are 0 or a negative errno: -ENOENT no such key / index, -EINVAL bad
 * argument, -ENOSPC a bound was reached, -EIO the write failed (the store
 * then keeps its previous contents), -ENOMEM.
 */
#ifndef TBR_UTIL_KV_H
#define TBR_UTIL_KV_H

#include <stddef.h>
#include <stdint.h>

/* Keys: OpenThread's numbers (include/openthread/platform/settings.h) where
 * it has one; this project's own in OpenThread's vendor range (0x8000+). */
enum settings_key {
    SETTINGS_KEY_ACTIVE_DATASET = 0x0001,
    SETTINGS_KEY_PENDING_DATASET = 0x0002,
    SETTINGS_KEY_NETWORK_INFO = 0x0003, /* thread/node_store.h */
    SETTINGS_KEY_PARENT_INFO = 0x0004,
    SETTINGS_KEY_CHILD_INFO = 0x0005, /* one value per child (thread/child_table.h) */
    SETTINGS_KEY_SLAAC_IID_SECRET_KEY = 0x0007,
    SETTINGS_KEY_DAD_INFO = 0x0008,
    SETTINGS_KEY_SRP_ECDSA_KEY = 0x000b,
    SETTINGS_KEY_SRP_CLIENT_INFO = 0x000c,
    SETTINGS_KEY_SRP_SERVER_INFO = 0x000d,
    SETTINGS_KEY_BR_ULA_PREFIX = 0x000f,
    SETTINGS_KEY_BR_ON_LINK_PREFIXES = 0x0010,
    SETTINGS_KEY_BORDER_AGENT_ID = 0x0011,
    SETTINGS_KEY_NAT64 = 0x8001,          /* enabled flag + IPv4 CIDR */
    SETTINGS_KEY_DNS_UPSTREAM = 0x8002,   /* DNS upstream query flag */
    SETTINGS_KEY_SRP_SERVER_CFG = 0x8003, /* SRP server: enabled, anycast, sequence number */
    SETTINGS_KEY_SRP_REGISTRY = 0x8004,   /* SRP registrations: wall-clock ms + registry record */
};

/* Every store takes a single value of up to KV_VALUE_MAX bytes (a caller
 * that needs more must split it). */
#define KV_VALUE_MAX 65000u

/* The operations; ctx is struct kv's. */
struct kv_ops {
    /* Copies the index-th value of key into buf (up to cap bytes; buf may be
     * NULL when cap is 0) and sets *len to its full length (may exceed cap:
     * the copy is then cut). */
    int (*get)(void *ctx, uint16_t key, unsigned index, void *buf, size_t cap, size_t *len);
    /* Replaces every value of key with this one. */
    int (*set)(void *ctx, uint16_t key, const void *val, size_t len);
    /* Appends one more value to key. */
    int (*add)(void *ctx, uint16_t key, const void *val, size_t len);
    /* Deletes the index-th value of key, or all with index < 0; -ENOENT when
     * there was nothing to delete. */
    int (*delete)(void *ctx, uint16_t key, int index);
    /* Number of values of key. */
    unsigned (*count)(void *ctx, uint16_t key);
    /* Deletes everything ("factoryreset"). */
    int (*wipe)(void *ctx);
};

/* A store: its operations and their context (both owned by the caller). */
struct kv {
    const struct kv_ops *ops;
    void *ctx;
};

static inline int kv_get(const struct kv *kv, uint16_t key, unsigned index, void *buf, size_t cap,
                         size_t *len)
{
    return kv->ops->get(kv->ctx, key, index, buf, cap, len);
}

static inline int kv_set(const struct kv *kv, uint16_t key, const void *val, size_t len)
{
    return kv->ops->set(kv->ctx, key, val, len);
}

static inline int kv_add(const struct kv *kv, uint16_t key, const void *val, size_t len)
{
    return kv->ops->add(kv->ctx, key, val, len);
}

static inline int kv_delete(const struct kv *kv, uint16_t key, int index)
{
    return kv->ops->delete (kv->ctx, key, index);
}

static inline unsigned kv_count(const struct kv *kv, uint16_t key)
{
    return kv->ops->count(kv->ctx, key);
}

static inline int kv_wipe(const struct kv *kv)
{
    return kv->ops->wipe(kv->ctx);
}

#endif
