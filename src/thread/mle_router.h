/*
 * Internal to src/thread/ (see node_priv.h for the layers): leader
 * formation, the parent role and the router role (mle_router.c), router
 * links and Advertisements (mle_link.c), what mle_child.c and node.c call.
 * tmf_agent.c below reaches tn_router_netdata_changed and the tn_link_*
 * hooks through struct tn_up.
 */
#ifndef TBR_THREAD_MLE_ROUTER_H
#define TBR_THREAD_MLE_ROUTER_H

#include "thread/node_priv.h"
#include "thread/tmf.h"

/* ---- mle_router.c ---- */
void tn_router_become_leader(struct tnode *n, bool restore);
/* keep_children: a router attaching to a better partition keeps its child
 * table (valid MAC neighbours) to take it along when it is a router again. */
void tn_router_stop(struct tnode *n, bool keep_children);
bool tn_router_has_children(const struct tnode *n);
/* Multicast Data Response (HandleNetworkDataUpdateRouter): our children take
 * the Leader Data and Network Data of the partition we are a router of now. */
void tn_router_children_follow(struct tnode *n);
/* Our children cannot stay (no router ID): each is sent a Status Child
 * Update Response, then removed (OT RemoveChildren). */
void tn_router_children_release(struct tnode *n);
/* c: the valid child that sent it (its MLE counters checked), or NULL. */
void tn_router_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                      const uint8_t src[16], const uint8_t dst[16], struct child_table_entry *c);
void tn_router_process(struct tnode *n);
int64_t tn_router_next(const struct tnode *n);
void tn_router_netdata_changed(struct tnode *n);
void tn_router_child_remove(struct tnode *n, struct child_table_entry *c);
void tn_router_data_request(struct tnode *n, const uint8_t dst[16]);
void tn_router_become_router(struct tnode *n, uint8_t id);
void tn_router_detach(struct tnode *n);
void tn_router_downgrade(struct tnode *n);

/* ---- mle_link.c ---- */
void tn_link_reset(struct tnode *n);
void tn_link_send_advertisement(struct tnode *n);
void tn_link_trickle_reset(struct tnode *n);
/* Link Request, Link Accept (And Request), Advertisement in a router role. */
void tn_link_mle_rx(struct tnode *n, uint8_t cmd, const uint8_t *plain, size_t len,
                    const uint8_t src[16]);
/* An Advertisement of any attached FTD (router, leader, REED child);
 * neighbour_valid: from a valid neighbour (parent, router link, child). */
void tn_link_rx_advertisement(struct tnode *n, const struct mle_advertisement *adv,
                              const uint8_t src[16], bool neighbour_valid);
/* REED: start the upgrade timer when fewer routers than the threshold. */
void tn_link_child_check_upgrade(struct tnode *n);
/* The answer to our a/as (NULL: no answer). */
void tn_link_addr_solicit_done(struct tnode *n, const struct tmf_addr_solicit_rsp *rsp);
void tn_link_check_downgrade(struct tnode *n, uint8_t nbr, const struct mle_route64 *r);
void tn_link_process(struct tnode *n);
int64_t tn_link_next(const struct tnode *n);
void tn_link_routers_changed(struct tnode *n);
void tn_link_router_released(struct tnode *n, uint8_t id);

#endif
