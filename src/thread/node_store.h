/*
 * What the Thread node keeps in its key/value store (util/kv.h) beyond
 * opaque blobs: the NETWORK_INFO record and the frame counters stored ahead
 * of their use (OpenThread's settings.cpp NetworkInfo and
 * OPENTHREAD_CONFIG_STORE_FRAME_COUNTER_AHEAD; interop §3.1, §3.9).
 *
 * Pure functions over a struct kv; no state of their own.
 */
#ifndef TBR_THREAD_NODE_STORE_H
#define TBR_THREAD_NODE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/kv.h"

/* The value of SETTINGS_KEY_NETWORK_INFO, encoded big-endian in the field
 * order below (NODE_STORE_NETWORK_INFO_LEN bytes). */
struct node_store_network_info {
    uint8_t role;        /* device role as the caller numbers it */
    uint8_t device_mode; /* MLE mode bits */
    uint16_t rloc16;
    uint32_t key_sequence;
    uint32_t mle_frame_counter;
    uint32_t mac_frame_counter;
    uint32_t partition_id; /* previous partition id */
    uint8_t ext_addr[8];
    uint8_t ml_iid[8]; /* ML-EID interface identifier */
    uint16_t version;  /* Thread version */
};
#define NODE_STORE_NETWORK_INFO_LEN 38

void node_store_network_info_encode(const struct node_store_network_info *ni,
                                    uint8_t out[NODE_STORE_NETWORK_INFO_LEN]);
/* False when len is not NODE_STORE_NETWORK_INFO_LEN. */
bool node_store_network_info_decode(const uint8_t *buf, size_t len,
                                    struct node_store_network_info *ni);
/* kv errors (util/kv.h); -ENOENT also for a wrong-sized value, which is not
 * ours to interpret. */
int node_store_get_network_info(const struct kv *kv, struct node_store_network_info *ni);
int node_store_set_network_info(const struct kv *kv, const struct node_store_network_info *ni);

/* Store-ahead: the persisted MAC and MLE frame counters are the live counter
 * + ahead. The store is rewritten only when a live counter reaches its
 * persisted value, so one write covers `ahead` frames, and after a crash or
 * kill -9 the counters resume at the persisted values, above every counter
 * ever used. */
#define NODE_STORE_FC_AHEAD 1000u

struct node_store_fc {
    uint32_t mac;        /* next MAC frame counter to use */
    uint32_t mle;        /* next MLE frame counter to use */
    uint32_t mac_stored; /* value persisted in NETWORK_INFO */
    uint32_t mle_stored;
    uint32_t ahead; /* NODE_STORE_FC_AHEAD unless changed */
};

/* Loads the counters from NETWORK_INFO: mac = mac_stored = the persisted
 * value (same for MLE). No NETWORK_INFO: all zero (the first use stores).
 * ahead is set to NODE_STORE_FC_AHEAD. */
void node_store_fc_load(const struct kv *kv, struct node_store_fc *fc);

/* Hands out the next MAC (or MLE) frame counter in *out and advances it.
 * When the counter to hand out has reached its persisted value, NETWORK_INFO
 * is first rewritten with both counters + ahead (other fields kept, or zero
 * when there was no NETWORK_INFO); if that write fails the error is returned
 * and no counter is handed out. A counter never wraps: at UINT32_MAX -ENOSPC
 * is returned (the caller must change the key sequence). */
int node_store_fc_next_mac(const struct kv *kv, struct node_store_fc *fc, uint32_t *out);
int node_store_fc_next_mle(const struct kv *kv, struct node_store_fc *fc, uint32_t *out);
/* Persists both counters + ahead now (e.g. on key sequence change or a clean
 * shutdown, with counters reset by the caller). */
int node_store_fc_store(const struct kv *kv, struct node_store_fc *fc);

#endif
