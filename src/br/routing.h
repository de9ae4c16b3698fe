/*
 * The border router's routing policy (the policy half of OpenThread's
 * RoutingManager; the infrastructure link's RAs are br/infra_link.h): owns
 * the prefix manager (br/pm.h) and drives it as its header asks, from the
 * node's view the agent hands in:
 *   - routing runs while the node is attached (child or better);
 *   - an evaluation when routing starts, when the RLOC16 or the Network Data
 *     changes, and when br_pm_next_eval_ms() is due;
 *   - a new attachment (new partition or parent) asks for the local Network
 *     Data to be registered again (*reattached).
 * It owns the settings of both (br/persist.h, through the store in cfg.kv):
 * the BR ULA /48 (random at first start, saved; OpenThread's BrUlaPrefix)
 * and the NAT64 enabled flag and CIDR (saved whenever a command changes
 * them). Without a stored flag NAT64 starts enabled (otbr-agent enables it
 * at init); without a stored CIDR it is br_pm's default.
 *
 * Every call that can change the prefix manager returns its BR_PM_CHG_*
 * mask for the agent to hand on, and logs new states with their reasons.
 * No clock reads, no global state.
 */
#ifndef TBR_BR_ROUTING_H
#define TBR_BR_ROUTING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "br/node_view.h"
#include "br/pm.h"

struct kv;

struct br_routing_cfg {
    const struct kv *kv; /* optional; must outlive r */
    /* Required: random bytes (a new BR ULA). */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink (level 1 error .. 4 debug). */
    void (*log)(void *user, int level, const char *msg);
    void *user;
};

struct br_routing {
    struct br_routing_cfg cfg;
    struct br_pm pm;
    bool stored_enabled; /* the NAT64 flag read at init, for br_routing_start */
    bool running;        /* border routing runs (attached) */
    enum tnode_role last_role;
    uint16_t last_rloc16;
    uint8_t last_nd[NETDATA_MAX_LEN];
    size_t last_nd_len;
    bool nd_seen;
};

/* Sets r up with the stored (or a new) ULA and the stored CIDR; NAT64 stays
 * disabled until br_routing_start(). */
void br_routing_init(struct br_routing *r, const struct br_routing_cfg *cfg, uint64_t now_ms);
/* Applies the stored NAT64 flag (default enabled). */
unsigned br_routing_start(struct br_routing *r, uint64_t now_ms);

/* One look at the node (its role, RLOC16 and Network Data; see above); *reattached: the node just
 * attached (or changed role while attached) and its local Network Data must be pushed again. */
unsigned br_routing_update(struct br_routing *r, const struct br_node_view *n, uint64_t now_ms,
                           bool *reattached);
/* Border routing runs (the node was attached at the last update). */
bool br_routing_running(const struct br_routing *r);
/* The prefix manager, for reading (its outputs and CLI views). */
const struct br_pm *br_routing_pm(const struct br_routing *r);

/* `nat64 enable|disable`: persisted when it changes; *toggled tells whether
 * it did. */
unsigned br_routing_set_nat64_enabled(struct br_routing *r, bool enabled, uint64_t now_ms,
                                      bool *toggled);
/* `nat64 cidr <text>`: br_pm_set_cidr_str's errors; a new CIDR is persisted.
 * The change mask in *chg. */
enum ot_err br_routing_set_cidr(struct br_routing *r, const char *text, uint64_t now_ms,
                                unsigned *chg);
/* br_pm_set_return_path and br_pm_set_infra_prefix. */
unsigned br_routing_set_return_path(struct br_routing *r, bool ready, uint64_t now_ms);
unsigned br_routing_set_infra_prefix(struct br_routing *r, const struct addr_prefix6 *prefix,
                                     uint32_t lifetime_s, uint64_t now_ms);

#endif
