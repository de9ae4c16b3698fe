/*
 * The border router (otbr-agent's role), composed of parts that each own
 * their state, as OpenThread's RoutingManager is composed of sub-managers:
 *
 *   the node        thread/node.h: one router-eligible Thread node
 *   br_pm           br/pm.h: OMR and NAT64 prefixes, NAT64 states (pure)
 *   br_routing      br/routing.h: drives br_pm from the node; ULA and NAT64
 *                   settings (br/persist.h)
 *   br_publisher    br/publisher.h: the local Network Data and its push
 *   br_data_path    br/data_path.h: TUN <-> mesh, the NAT64 translator
 *   br_infra_link   br/infra_link.h: RAs, RS answers, other routers, PREF64
 *   br_host_config  br/host_config.h: forwarding, routes, NAT44 (netconf)
 *   br_dns_proxy    br/dns_proxy.h: DNS server, upstreams, SRP sockets
 *   br_srp_server   br/srp_server.h: the SRP service and its registry
 *
 * The agent creates and wires them and runs ONE reconcile loop
 * (br_agent_process): the node's timers; then br_routing looks at the node
 * (role, RLOC16, Network Data) and drives the prefix manager; every change
 * it reports is pushed to the parts that follow it (the translator's prefix
 * and pool, the host's desired state, the link's RA content, the DNS
 * server's NAT64 prefix, the publisher); the publisher pushes the local
 * Network Data whenever it changes, retried until the node accepts it and
 * again after every new partition. Commands that change settings go to
 * their part and then through the same loop. Settings persist in cfg.kv
 * (shared with the node) through the parts that own them (routing.h,
 * dns_proxy.h, srp_server.h).
 *
 * I/O: the caller opens the platform objects (TUN, ICMPv6 socket, netconf,
 * resolver sockets) and passes their ops tables; it polls them and calls
 * br_agent_tun_read(), br_agent_infra_read() and its resolver socket's io
 * function with br_agent_dns_upstream_rx. No clock reads: now_ms
 * (monotonic ms) is passed into every call. No global state.
 */
#ifndef TBR_BR_AGENT_H
#define TBR_BR_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "br/data_path.h"
#include "br/dns_proxy.h"
#include "br/infra_link.h"
#include "br/pm.h"
#include "br/srp_server.h"
#include "platform/icmp6_sock.h"
#include "platform/netconf.h"
#include "platform/resolver_sock.h"
#include "platform/textfile.h"
#include "platform/tun.h"
#include "radio/radio.h"
#include "thread/node.h"

struct kv;

#define BR_AGENT_MTU 1280 /* the TUN's MTU, as wpan0 */
#define BR_AGENT_ERR_MAX 512

struct br_agent_cfg {
    uint8_t node_id;
    const struct radio_ops *radio_ops; /* required */
    void *radio;
    /* Optional: the persistent store, shared with the node (copied). */
    const struct kv *kv;
    /* Required: cryptographic-quality random bytes. */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink: level 1 error .. 4 debug (no trailing newline). */
    void (*log)(void *user, int level, const char *msg);
    void *user;

    /* The TUN (open, MTU BR_AGENT_MTU, up; platform/tun.h) and its name for
     * routes. NULL ops: no TUN. */
    const struct tun_ops *tun_ops;
    void *tun;
    const char *tun_name;
    /* Optional (tests): receives every packet written to the host side. */
    void (*host_tx)(void *user, const uint8_t *pkt, size_t len);
    /* Infrastructure interface for NAT44 and border routing (NULL: none). */
    const char *infra_if;
    /* Border routing on infra_if (platform/icmp6_sock.h); NULL: off. */
    const struct icmp6_sock_ops *infra_ops;
    void *infra_sock;
    /* Whose RA PREF64 options set the infrastructure NAT64 prefix
     * (br/infra_link.h; default OFF, as OpenThread). */
    enum br_infra_link_pref64 pref64_from;
    uint8_t pref64_router[16];
    /* Host configuration (platform/netconf.h; needs CAP_NET_ADMIN); NULL:
     * the host is left alone and the return path is assume_return_path. */
    const struct netconf_ops *netconf_ops;
    void *netconf;
    bool assume_return_path;
    /* The NAT44/policy tables' re-check period in ms (0: the default,
     * BR_HOST_CONFIG_NAT44_RECHECK_MS; br/host_config.h). */
    uint32_t recheck_ms;

    /* DNS: resolvers as dns_proxy.h describes (upstreams copied). */
    const struct dns_upstream_addr *dns_upstreams;
    size_t dns_n_upstreams;
    const char *resolv_conf;
    const struct textfile_ops *file_ops; /* required with resolv_conf */
    void *file;
    /* Upstream transport (NULL: every upstream attempt fails). */
    const struct resolver_sock_ops *resolver_ops;
    void *resolver;
    bool dns64; /* DNS64 in the DNS server (RFC 6147; off by default, as OpenThread) */
    /* ICMP errors the translator originates (br/data_path.h; per_s 0:
     * BR_DATA_PATH_ICMP_ERR_PER_S / _BURST). */
    struct nat64_icmp_limit icmp_err_limit;
    /* Optional: wall-clock time in ms since the epoch, so stored SRP leases
     * keep running while the agent is down (NULL: not taken off). */
    uint64_t (*wall_ms)(void *user);
    /* The SRP registry's capacity (br_srp_server_set_capacity); 0: the
     * pool (SRP_MAX_HOSTS / SRP_MAX_SERVICES). */
    uint32_t srp_max_hosts, srp_max_services;
};

/* Why packets went nowhere and what failed, one counter per reason: the
 * parts' own counters and the agent's. */
struct br_agent_counters {
    struct br_data_path_counters dp;    /* TUN <-> mesh, the translator */
    struct br_infra_link_counters link; /* RAs and RSs on the infrastructure link */
    struct br_dns_proxy_counters dns;   /* DNS queries, upstreams, resolv.conf */
    uint64_t mesh_deferred_errors;      /* deferred packets the node refused when sent */
    uint64_t mesh_queue_full;           /* dropped: the node's deferred queue was full */
    uint64_t netdata_push_errors;       /* tnode_set_local_netdata refused (retried) */
    uint64_t netconf_errors;            /* a netconf call failed (logged) */
    uint64_t fw_reinstalls;             /* the forwarding policy was found flushed and put back */
};

struct br_agent;

/*
 * Creates the node (restoring what cfg->settings holds) and the parts (ULA
 * and NAT64 settings restored or created). Host configuration failures are
 * logged and leave NAT64 NotRunning. Returns NULL with one line in err on
 * failure.
 */
struct br_agent *br_agent_new(const struct br_agent_cfg *cfg, uint64_t now_ms, char *err,
                              size_t errlen);

/* Withdraws the RAs, undoes the host configuration, saves the SRP registry
 * and frees the node (its state saved). NULL is a no-op. */
void br_agent_free(struct br_agent *a, uint64_t now_ms);

/* With an active dataset: interface up and thread start (rejoin). Without
 * one and form true: `dataset init new`, `dataset commit active`, then the
 * same. Otherwise nothing (the control socket drives it). */
enum ot_err br_agent_autostart(struct br_agent *a, bool form, uint64_t now_ms);

/* ---- the poll loop ------------------------------------------------------ */

/* The node (for the device CLI). */
struct tnode *br_agent_node(struct br_agent *a);
/* The radio receive callback (radio_rx_cb; user is the struct br_agent). */
void br_agent_radio_rx(void *user, const struct radio_rx_frame *f);
/* The radio's tx-done callback (radio_tx_done_cb; user is the struct
 * br_agent): for RADIO_CAP_TX_RETRIES radios (the RCP, rcp_set_handlers). */
void br_agent_radio_tx_done(void *user, const struct radio_tx_done *d);
/* Reads the pending RS / RA messages of the infrastructure link. */
void br_agent_infra_read(struct br_agent *a, uint64_t now_ms);
/* Reads up to burst packets from the TUN into br_agent_host_input(). How
 * many, -1 on a read error (logged). */
int br_agent_tun_read(struct br_agent *a, unsigned burst, uint64_t now_ms);
/* One packet from the host side (the TUN's direction): IPv4 or IPv6. */
void br_agent_host_input(struct br_agent *a, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* An upstream DNS answer or failure (resolver_sock_rx_cb; user is the
 * struct br_agent). */
void br_agent_dns_upstream_rx(void *user, uint32_t txn, const uint8_t *msg, size_t len,
                              const uint8_t addr[16], uint16_t port, int err, uint64_t now_ms);
/* The reconcile loop: the node's timers, the prefix manager, the parts. */
void br_agent_process(struct br_agent *a, uint64_t now_ms);
/* Milliseconds until br_agent_process() has work, -1 for none. */
int64_t br_agent_next_timeout_ms(const struct br_agent *a, uint64_t now_ms);

void br_agent_counters(const struct br_agent *a, struct br_agent_counters *out);
/* The forwarding policy's drop counters, read from the host (runs nft).
 * 0, or -1 with err (no host configuration, no policy, nft failed). */
int br_agent_fw_counters(const struct br_agent *a, struct netconf_fw_counters *out, char *err,
                         size_t errlen);

/* ---- border-router commands (br_cli) ------------------------------------ */

/* The parts, for their views only (`nat64 state|cidr`, `br omrprefix|
 * nat64prefix`: br_pm_fmt_*; `nat64 mappings|counters`: br_data_path_fmt_*;
 * `dns server ...` state and counters: br_dns_proxy_*_enabled,
 * br_dns_proxy_fmt_counters; `srp server ...` views: br_srp_server_fmt). */
const struct br_pm *br_agent_pm(const struct br_agent *a);
const struct br_data_path *br_agent_data_path(const struct br_agent *a);
const struct br_dns_proxy *br_agent_dns_proxy(const struct br_agent *a);
const struct br_srp_server *br_agent_srp_server(const struct br_agent *a);

/* `nat64 enable|disable`: persisted; takes effect at once. */
void br_agent_set_nat64_enabled(struct br_agent *a, bool enabled, uint64_t now_ms);
/* `nat64 cidr <text>`: br_pm_set_cidr_str's errors; persisted; a new CIDR
 * rebuilds the translator (mappings dropped) and moves route and NAT44. */
enum ot_err br_agent_set_cidr(struct br_agent *a, const char *text, uint64_t now_ms);

/* `dns server upstream|dns64 enable|disable` (upstream persisted). */
void br_agent_set_dns_upstream(struct br_agent *a, bool enabled);
void br_agent_set_dns64(struct br_agent *a, bool enabled);

/* `srp server ...`. While disabled the SRP socket is closed and the DNS/SRP
 * service withdrawn from Network Data (OpenThread's behaviour). */
enum br_agent_srp_state {
    BR_AGENT_SRP_DISABLED = 0, /* "disabled" */
    BR_AGENT_SRP_RUNNING,      /* "running": enabled, service published */
    BR_AGENT_SRP_STOPPED,      /* "stopped": enabled, not attached / not published yet */
};
enum br_agent_srp_state br_agent_srp_state(const struct br_agent *a);
/* `srp server enable|disable`: persisted. */
void br_agent_set_srp_enabled(struct br_agent *a, bool enabled, uint64_t now_ms);
/* br_srp_server_set_lease / _set_anycast / _set_seqnum (false: refused). */
bool br_agent_srp_set_lease(struct br_agent *a, uint32_t min, uint32_t max, uint32_t kmin,
                            uint32_t kmax);
bool br_agent_srp_set_anycast(struct br_agent *a, bool anycast);
bool br_agent_srp_set_seqnum(struct br_agent *a, uint8_t seqnum);
/* br_srp_server_set_capacity (false: out of range, unchanged). */
bool br_agent_srp_set_capacity(struct br_agent *a, uint32_t hosts, uint32_t services);
/* The port devices use: BR_DNS_PROXY_SRP_PORT, 53 in anycast mode
 * (OpenThread kAnycastAddressModePort). */
uint16_t br_agent_srp_port(const struct br_agent *a);

#endif
