/*
 * The host's network configuration for the border router, as desired state
 * and its reconciliation (like otbr-agent's host-side setup):
 *   - forwarding on for both families (at start);
 *   - routes via the TUN for the NAT64 pool (metric NETCONF_POOL_METRIC,
 *     while NAT64 is enabled and the translator has a prefix), the
 *     mesh-local /64 (while attached) and the local OMR /64 (while routing
 *     runs); the favored on-link /64 via the infrastructure interface;
 *   - the NAT44 nftables table masquerading the pool out of the
 *     infrastructure interface (while NAT64 is enabled with a CIDR);
 *   - the forwarding policy for the TUN (netconf_fw_install(): OTBR's
 *     ingress policy plus established/related only for IPv4, the mesh-local
 *     /64 never off-mesh), installed before forwarding is turned on and
 *     following the mesh-local /64 and the Network Data's on-mesh prefixes;
 *     re-checked with the NAT44 table and re-installed (counted) when found
 *     flushed or deleted;
 *   - accept_ra=2 on the infrastructure interface (also before forwarding:
 *     with forwarding on, 1 would stop the host's own autoconfiguration
 *     there), as OTBR's script/_border_routing sets it.
 * The "return path" the prefix manager needs (user-needs.md T1) is ready
 * only when the masquerade is verified (nat44_check) and the pool route is
 * in place, re-checked every cfg.recheck_ms (BR_HOST_CONFIG_NAT44_RECHECK_MS). Without a
 * netconf handle it is cfg.assume_return_path.
 *
 * All host changes go through struct netconf_ops (platform/netconf.h);
 * br_host_config_free() undoes them (ops->cleanup). No clock reads.
 */
#ifndef TBR_BR_HOST_CONFIG_H
#define TBR_BR_HOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/netconf.h"
#include "util/addr.h"

#define BR_HOST_CONFIG_NAT44_RECHECK_MS 60000u /* the NAT44 and policy tables */

struct br_host_config_cfg {
    const struct netconf_ops *ops; /* NULL: the host is not configured */
    void *nc;
    const char *tun_name;    /* NULL: no TUN (no routes via it) */
    const char *infra_if;    /* NULL: no NAT44, no on-link route */
    bool assume_return_path; /* without ops: the return path's state */
    void (*log)(void *user, int level, const char *msg);
    void *user;
    /* How often the NAT44 and policy tables are re-checked (0: the default,
     * BR_HOST_CONFIG_NAT44_RECHECK_MS; tests shorten it). */
    uint32_t recheck_ms;
};

/* The desired state, from the rest of the border router. */
struct br_host_config_want {
    bool nat64_enabled;
    bool has_cidr; /* the NAT64 pool */
    struct addr_prefix4 cidr;
    bool has_xlat_prefix; /* the translator has a NAT64 prefix */
    bool has_ml;          /* attached, with this mesh-local /64 */
    uint8_t ml[8];
    bool has_omr; /* the local OMR prefix (routing runs) */
    struct addr_prefix6 omr;
    bool has_onlink; /* the favored on-link prefix on the infrastructure link */
    struct addr_prefix6 onlink;
    unsigned n_onmesh; /* the Network Data's on-mesh prefixes (policy: allowed in) */
    struct addr_prefix6 onmesh[NETCONF_FW_PREFIXES];
};

/* One route as installed. */
struct br_host_config_route {
    bool have;
    struct netconf_route rt;
};

struct br_host_config {
    struct br_host_config_cfg cfg;
    char tun_name[NETCONF_IFNAME_MAX];
    char infra_if[NETCONF_IFNAME_MAX];
    bool nat44_installed; /* attempted: not retried every loop */
    bool nat44_ok;
    struct addr_prefix4 nat44_pool;
    uint64_t nat44_check_due_ms;
    struct br_host_config_route pool, ml, omr, onlink;
    bool return_path;
    uint64_t netconf_errors; /* a netconf call failed (logged) */
    struct netconf_fw fw;    /* the policy as last installed */
    bool fw_ok;              /* ... and that worked */
    uint64_t fw_check_due_ms;
    uint64_t fw_reinstalls; /* found flushed or deleted by someone else */
};

/* Sets h up: the forwarding policy (with a TUN) and accept_ra=2 (with an
 * infrastructure interface) first, then forwarding on. A failure is logged
 * and counted; forwarding is turned on regardless (IPv6 border routing needs
 * it), the log says the policy is missing. */
void br_host_config_init(struct br_host_config *h, const struct br_host_config_cfg *cfg);
/* Undoes everything (routes, NAT44 table, forwarding). */
void br_host_config_free(struct br_host_config *h);

/* Makes the host match want. Returns whether the IPv4 return path is ready;
 * *changed tells whether that differs from the previous call (the first
 * call compares with "not ready"). */
bool br_host_config_sync(struct br_host_config *h, const struct br_host_config_want *want,
                         uint64_t now_ms, bool *changed);
/* When the next NAT44 check is due (UINT64_MAX: none). */
uint64_t br_host_config_next_ms(const struct br_host_config *h);

/* How many netconf calls failed (each one logged). */
uint64_t br_host_config_errors(const struct br_host_config *h);

/* How many times the policy table was found flushed or deleted and put back. */
uint64_t br_host_config_fw_reinstalls(const struct br_host_config *h);
/* Reads the policy's drop counters (runs nft: not for every loop). 0, or -1
 * (no netconf, no policy, or the read failed: err says why). */
int br_host_config_fw_counters(const struct br_host_config *h, struct netconf_fw_counters *out,
                               char *err, size_t errlen);

#endif
