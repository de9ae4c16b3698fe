/*
 * Internal to src/thread/ (see node_priv.h for the layers): leader formation
 * and the parent role, what mle_child.c and node.c call. tmf_agent.c below
 * reaches tn_router_netdata_changed through struct tn_up.
 */
#ifndef TBR_THREAD_MLE_ROUTER_H
#define TBR_THREAD_MLE_ROUTER_H

#include "thread/node_priv.h"

void tn_router_become_leader(struct tnode *n, bool restore);
void tn_router_stop(struct tnode *n);
/* c: the valid child that sent it (its MLE counters checked), or NULL. */
void tn_router_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                      const uint8_t src[16], const uint8_t dst[16], struct child_table_entry *c);
void tn_router_process(struct tnode *n);
int64_t tn_router_next(const struct tnode *n);
void tn_router_netdata_changed(struct tnode *n);
void tn_router_trickle_reset(struct tnode *n);

#endif
