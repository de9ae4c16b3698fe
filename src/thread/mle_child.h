/*
 * Internal to src/thread/ (see node_priv.h for the layers): the child role,
 * what node.c calls.
 */
#ifndef TBR_THREAD_MLE_CHILD_H
#define TBR_THREAD_MLE_CHILD_H

#include "thread/node_priv.h"

void tn_child_start_attach(struct tnode *n);
void tn_child_stop(struct tnode *n);
void tn_child_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                     const uint8_t src[16], const uint8_t dst[16]);
void tn_child_process(struct tnode *n);
int64_t tn_child_next(const struct tnode *n);
/* Mode or addresses changed: send a Child Update Request now. */
void tn_child_send_update(struct tnode *n);

#endif
