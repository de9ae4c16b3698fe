/*
 * Internal to src/thread/ (see node_priv.h for the layers): the TMF agent
 * and the address cache, what the MLE role files and node.c call. The mesh
 * below reaches the cache through struct tn_up.
 */
#ifndef TBR_THREAD_TMF_AGENT_H
#define TBR_THREAD_TMF_AGENT_H

#include "thread/node_priv.h"

void tn_tmf_init(struct tnode *n);
void tn_tmf_udp_rx(void *ctx, const struct ip6_udp_rx *rx);
/* Known EID -> RLOC16 (cache VALID entries). */
bool tn_cache_lookup(struct tnode *n, const uint8_t eid[16], uint16_t *rloc16);
void tn_cache_learn(struct tnode *n, const uint8_t eid[16], uint16_t rloc16);
void tn_cache_forget_rloc(struct tnode *n, uint16_t rloc16);
/* Queues pkt and queries eid (a/aq to ff03::2). NoRoute while in hold-off. */
enum ot_err tn_addr_query(struct tnode *n, const uint8_t eid[16], const uint8_t *pkt, size_t len);
void tn_tmf_process(struct tnode *n);
int64_t tn_tmf_next(const struct tnode *n);
void tn_tmf_reset(struct tnode *n);
/* REED: a/as to the leader's RLOC (CON); the answer goes to
 * n->up.addr_solicit_done. Router: a/ar of our router ID (CON). */
enum ot_err tn_tmf_addr_solicit(struct tnode *n, uint8_t reason);
void tn_tmf_addr_release(struct tnode *n);
/* Routers with a border router entry in our Network Data (OpenThread's
 * CountBorderRouters(kRouterRoleOnly)). */
unsigned tn_tmf_br_routers(const struct tnode *n);

#endif
