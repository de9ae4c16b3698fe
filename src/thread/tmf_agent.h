/*
 * Internal to src/thread/ (see node_priv.h for the layers): the TMF agent
 * and the address cache, what the MLE role files and node.c call. The mesh
 * below reaches the cache through struct tn_up.
 */
#ifndef TBR_THREAD_TMF_AGENT_H
#define TBR_THREAD_TMF_AGENT_H

#include "thread/node_priv.h"
#include "thread/tmf.h"

void tn_tmf_init(struct tnode *n);
void tn_tmf_udp_rx(void *ctx, const struct ip6_udp_rx *rx);
void tn_tmf_process(struct tnode *n);
int64_t tn_tmf_next(const struct tnode *n);
void tn_tmf_reset(struct tnode *n);
/* TMF message from our RLOC (mesh-local and multicast destinations). */
enum ot_err tn_tmf_send(struct tnode *n, const uint8_t dst[16], const uint8_t *msg, size_t len);
/* Response to req (kept for CoAP duplicates) back to its sender. */
void tn_tmf_reply(struct tnode *n, const struct coap_msg *req, const struct ip6_udp_rx *rx,
                  uint8_t code, const uint8_t *payload, size_t plen);
/* CON request, kept for retransmission. */
enum ot_err tn_tmf_send_con(struct tnode *n, const uint8_t dst[16], enum tmf_uri uri,
                            const uint8_t *payload, size_t plen);

/* ---- addr_resolver.c: the EID cache, a/aq, a/an, a/ae --------------------- */

void tn_ar_reset(struct tnode *n);
/* Resolve without a query: a cached / snooped EID with a route. */
bool tn_cache_lookup(struct tnode *n, const uint8_t eid[16], uint16_t *rloc16);
/* UpdateSnoopedCacheEntry: eid was the source of a frame from rloc16 to us
 * or an MTD child of ours (mesh.c checked that). */
void tn_cache_learn(struct tnode *n, const uint8_t eid[16], uint16_t rloc16);
/* RemoveEntriesForRloc16 / RemoveEntriesForRouterId. */
void tn_cache_forget_rloc(struct tnode *n, uint16_t rloc16);
void tn_cache_forget_router(struct tnode *n, uint8_t router_id);
/* Holds pkt and queries eid (a/aq to ff03::2); OT_ERR_DROP during the
 * retry delay of a failed query. */
enum ot_err tn_addr_query(struct tnode *n, const uint8_t eid[16], const uint8_t *pkt, size_t len);
void tn_ar_rx_query(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx);
void tn_ar_rx_notify(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx);
void tn_ar_rx_error(struct tnode *n, const struct coap_msg *m, const struct ip6_udp_rx *rx);
void tn_ar_process(struct tnode *n);
int64_t tn_ar_next(const struct tnode *n);
/* REED: a/as to the leader's RLOC (CON); the answer goes to
 * n->up.addr_solicit_done. A downgraded router, attached as a child again:
 * a/ar of its former router RLOC16 (CON). */
enum ot_err tn_tmf_addr_solicit(struct tnode *n, uint8_t reason);
void tn_tmf_addr_release(struct tnode *n, uint16_t rloc16);
/* A router or child registers its local Network Data (n->local_nd) with the
 * leader: a/sd (CON) to the leader ALOC (Thread 1.3 §5.15.6, OpenThread's
 * NetworkData::Notifier SendServerDataNotification), with old_rloc16 in a
 * Rloc16 TLV when it is not MAC_SHORT_NONE and not ours (the leader drops
 * the entries registered under it). When to send: mle_partition.c. */
void tn_tmf_server_data(struct tnode *n, uint16_t old_rloc16);
/* Routers with a border router entry in our Network Data (OpenThread's
 * CountBorderRouters(kRouterRoleOnly)). */
unsigned tn_tmf_br_routers(const struct tnode *n);

#endif
