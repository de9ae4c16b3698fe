/*
 * The border router core (otbr-agent's role): one Thread node (router
 * eligible) plus the NAT64 translator, the prefix manager (OMR + NAT64
 * prefix), the TUN device and the host's network configuration, tied
 * together.
 *
 * Data path (shared/reference/ot-nat64-behaviour.md §1.5, §7.4):
 *   mesh -> host  the node's host_rx callback. An IPv6 packet whose
 *                 destination is in the translator's NAT64 prefix is
 *                 translated 6->4 (only while the translator is Active;
 *                 mesh-local sources are dropped, as OpenThread does) and
 *                 the IPv4 result is written to the TUN; the kernel routes
 *                 it out of the infrastructure interface, masqueraded by
 *                 netconf's nft table. Other IPv6 packets are written to
 *                 the TUN as they are.
 *   host -> mesh  br_agent_host_input() (the TUN's packets): IPv4 to the
 *                 pool is translated 4->6 and sent into the mesh; IPv6 is
 *                 sent into the mesh.
 *   ICMP errors the translator originates (XLAT_REPLY) go back the way the
 *   packet came. Packets for the mesh produced inside the node's callback
 *   are queued and sent from br_agent_process() (no re-entry into the node).
 *
 * Host configuration (with cfg.netconf): forwarding on (both families);
 * routes via the TUN for the NAT64 pool CIDR (metric 100, while NAT64 is
 * enabled and the translator has a prefix), the mesh-local /64 (while
 * attached) and the local OMR /64 (while routing runs); the NAT44 nft table
 * for the pool (while NAT64 is enabled with a CIDR and an infrastructure
 * interface is given). The prefix manager's "return path" input is true only
 * when the nft masquerade is verified (netconf_nat44_check) and the pool
 * route is in place (user-needs.md T1), re-checked every
 * BR_AGENT_NAT44_RECHECK_MS. br_agent_free() undoes all of it.
 *
 * The prefix manager is driven as its header asks: routing runs while the
 * node is attached; evaluations when br_pm_next_eval_ms() is due, when the
 * Network Data or the RLOC16 changes; its local entries are pushed with
 * tnode_set_local_netdata() (retried until the node accepts them, and again
 * after every new partition); a translator prefix or CIDR change rebuilds the
 * translator (its mappings are dropped as OpenThread drops them on a CIDR
 * change or disable; the counters are kept across rebuilds).
 *
 * Persistence (cfg.settings, shared with the node): the BR ULA /48 under
 * SETTINGS_KEY_BR_ULA_PREFIX (OpenThread's key 0x000f, 17 bytes: address +
 * length, as OpenThread stores an Ip6::Prefix), random at first start; the
 * NAT64 enabled flag and CIDR under SETTINGS_KEY_NAT64 (0x8001, see
 * br_agent.c for the 8-byte layout). Without a stored flag NAT64 starts
 * enabled (otbr-agent enables it at init).
 *
 * No clock reads: the caller passes now_ms (monotonic ms) into every call.
 * No global state. The poll loop waits on the radio (the caller's), on
 * br_agent_tun_fd() for POLLIN (then br_agent_tun_read()), and at most
 * br_agent_next_timeout_ms(); it calls br_agent_process() after anything.
 */
#ifndef TBR_BR_AGENT_H
#define TBR_BR_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "br/pm.h"
#include "br/srp_server.h"
#include "dns/dns_server.h"
#include "nat64/nat64.h"
#include "platform/netconf.h"
#include "radio/radio.h"
#include "thread/node.h"

struct settings;
struct pollfd;

#define BR_AGENT_NAT44_RECHECK_MS 60000u
#define BR_AGENT_EXPIRE_MS 10000u /* translator session expiry tick */
#define BR_AGENT_MESH_QUEUE 8     /* packets for the mesh made inside a node callback */
#define BR_AGENT_MTU 1280         /* the TUN's MTU, as wpan0 */
#define BR_AGENT_ERR_MAX 512

/* DNS (see "DNS" below). */
#define BR_AGENT_DNS_RESOLV_CHECK_MS 5000u /* resolv.conf change check */
#define BR_AGENT_DNS_SRP_PORT 53535u       /* port in the DNS/SRP unicast service entry */
#define BR_AGENT_DNS_MAX_FDS DNS_SERVER_MAX_TXNS

/* RFC 4861 §6.2.1 / §10 router variables for the infrastructure link, and
 * OpenThread's 1800 s lifetimes for the advertised prefixes. */
#define BR_AGENT_RA_MAX_INTERVAL_MS 600000u    /* MaxRtrAdvInterval */
#define BR_AGENT_RA_MIN_INTERVAL_MS 200000u    /* MinRtrAdvInterval (1/3 of Max) */
#define BR_AGENT_RA_INITIAL_INTERVAL_MS 16000u /* MAX_INITIAL_RTR_ADVERT_INTERVAL */
#define BR_AGENT_RA_INITIAL_COUNT 3            /* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define BR_AGENT_RA_MIN_DELAY_MS 3000u         /* MIN_DELAY_BETWEEN_RAS */
#define BR_AGENT_RA_RS_DELAY_MS 500u           /* MAX_RA_DELAY_TIME */
#define BR_AGENT_RA_LIFETIME_S 1800u           /* PIO valid/preferred, RIO lifetime */

/* Key SETTINGS_KEY_NAT64 value: [0] version 1, [1] enabled 0/1, [2] has CIDR
 * 0/1, [3..6] IPv4 address as set (host bits kept), [7] length. */
#define BR_AGENT_NAT64_SETTING_LEN 8

struct br_agent_cfg {
    uint8_t node_id;
    const struct radio_ops *radio_ops; /* required */
    void *radio;
    struct settings *settings; /* optional: shared with the node */
    /* Required: cryptographic-quality random bytes. */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink: level 1 error .. 4 debug (no trailing newline). */
    void (*log)(void *user, int level, const char *msg);
    void *user;

    /* TUN device name (e.g. "wpan0"): opened, set up (MTU 1280, link up) and
     * owned by the agent. NULL: no TUN; packets for the host go to host_tx. */
    const char *tun_name;
    /* Optional (tests): receives every packet the agent writes to the host
     * side (IPv6 as is, IPv4 translated), instead of / besides the TUN. */
    void (*host_tx)(void *user, const uint8_t *pkt, size_t len);
    /* Infrastructure interface for the NAT44 masquerade (NULL: none). */
    const char *infra_if;
    /* Manage forwarding, routes and the nft table (needs CAP_NET_ADMIN). */
    bool netconf;
    const struct netconf_config *netconf_cfg; /* NULL: defaults */
    /* Border routing on infra_if (needs infra_if to exist and CAP_NET_RAW;
     * br_agent_new fails otherwise): Router Advertisements on it (a Route
     * Information Option for the favored OMR prefix, a Prefix Information
     * Option for the local on-link prefix while no other router advertises
     * one), RS answered, other routers' RAs read (on-link prefixes, PREF64
     * for br_pm_set_infra_prefix); the favored on-link prefix published in
     * Network Data as an external route (`s med`) and, with netconf, routed
     * on infra_if. */
    bool border_routing;
    /* Without netconf: what to tell the prefix manager about the IPv4
     * return path (tests: true). Ignored with netconf. */
    bool assume_return_path;

    /* DNS upstream resolvers: when dns_n_upstreams > 0 these (copied) and
     * nothing else; otherwise the nameserver lines of resolv_conf (NULL:
     * none), re-read when the file changes (checked every
     * BR_AGENT_DNS_RESOLV_CHECK_MS). */
    const struct dns_upstream_addr *dns_upstreams;
    size_t dns_n_upstreams;
    const char *resolv_conf;
    /* Optional (tests): upstream queries go to this hook instead of host
     * sockets; answers come back with br_agent_dns_upstream_input(). */
    void (*dns_upstream_tx)(void *user, uint32_t txn, bool tcp, const uint8_t addr[16],
                            uint16_t port, const uint8_t *msg, size_t len);
    /* DNS64 in the DNS server (RFC 6147; off by default, as OpenThread). */
    bool dns64;
    /* Optional: wall-clock time in ms since the epoch, so stored SRP leases
     * keep running while the agent is down (NULL: not taken off). */
    uint64_t (*wall_ms)(void *user);
};

/* Why packets went nowhere, one counter per reason. */
struct br_agent_counters {
    uint64_t host_rx;             /* packets the node passed to the host */
    uint64_t host_rx_mesh_local;  /* dropped: mesh-local source towards the NAT64 prefix */
    uint64_t host_rx_not_active;  /* dropped: NAT64 destination, translator not Active */
    uint64_t xlat_6to4;           /* IPv4 packets produced from the mesh */
    uint64_t xlat_4to6;           /* IPv6 packets produced from the host */
    uint64_t xlat_drops;          /* the translator dropped (see its counters) */
    uint64_t xlat_replies;        /* ICMP errors the translator answered with */
    uint64_t tun_tx;              /* packets written to the TUN */
    uint64_t tun_tx_errors;       /* TUN write failed or refused */
    uint64_t tun_rx;              /* packets read from the TUN */
    uint64_t tun_rx_ip4_dropped;  /* IPv4 not for the pool, or translator not Active */
    uint64_t tun_rx_bad;          /* neither IPv4 nor IPv6, or too short */
    uint64_t mesh_tx;             /* packets sent into the mesh */
    uint64_t mesh_tx_errors;      /* tnode_send_ip6 refused */
    uint64_t mesh_queue_full;     /* dropped: mesh queue full */
    uint64_t netdata_push_errors; /* tnode_set_local_netdata refused (retried) */
    uint64_t netconf_errors;      /* a netconf call failed (logged) */
    uint64_t ra_tx;               /* Router Advertisements sent on the infra link */
    uint64_t ra_tx_errors;        /* sendto failed (e.g. no link-local address yet) */
    uint64_t ra_rx;               /* RAs from other routers, accepted */
    uint64_t rs_rx;               /* Router Solicitations received */
    uint64_t icmp6_rx_bad;        /* malformed, hop limit != 255, source not link-local */
    uint64_t dns_rx;              /* datagrams to UDP port 53 in the node */
    uint64_t dns_tx_errors;       /* replies the node refused to send */
    uint64_t dns_upstream_errors; /* socket/connect/send failures towards resolvers */
    uint64_t dns_resolv_reads;    /* resolv.conf (re-)read */
};

struct br_agent;

/*
 * Creates the node (restoring what cfg->settings holds), the prefix manager
 * (ULA and NAT64 settings restored or created), the translator, and, as
 * cfg asks, the TUN and netconf. Host configuration failures other than the
 * TUN (not root, no nft) are logged and leave NAT64 NotRunning; a TUN that
 * cannot be opened fails. Returns NULL with one line in err on failure.
 */
struct br_agent *br_agent_new(const struct br_agent_cfg *cfg, uint64_t now_ms, char *err,
                              size_t errlen);

/* Undoes the host configuration (routes, nft table, forwarding), closes the
 * TUN, frees the node (its state saved). NULL is a no-op. */
void br_agent_free(struct br_agent *a);

/* With an active dataset: interface up and thread start (rejoin). Without
 * one and form true: `dataset init new`, `dataset commit active`, then the
 * same. Otherwise nothing (the control socket drives it). */
enum tnode_err br_agent_autostart(struct br_agent *a, bool form, uint64_t now_ms);

/* ---- the poll loop ------------------------------------------------------ */

/* The node (for the device CLI). */
struct tnode *br_agent_node(struct br_agent *a);
/* The radio receive callback (radio_rx_cb; user is the struct br_agent):
 * tnode_radio_rx() with the frame's timestamp as the time of the packets it
 * may pass to the host. */
void br_agent_radio_rx(void *user, const struct radio_rx_frame *f);
/* The infrastructure link's ICMPv6 socket to poll for POLLIN (border
 * routing), or -1; then br_agent_infra_read(). */
int br_agent_infra_fd(const struct br_agent *a);
/* Reads the pending RS / RA messages (non-blocking). */
void br_agent_infra_read(struct br_agent *a, uint64_t now_ms);
/* The on-link prefix published for the infrastructure link (ours or another
 * router's); false when none. */
bool br_agent_onlink_prefix(const struct br_agent *a, struct addr_prefix6 *out);
/* The TUN descriptor to poll for POLLIN, or -1. */
int br_agent_tun_fd(const struct br_agent *a);
/* Reads up to burst packets from the TUN (non-blocking) into
 * br_agent_host_input(). Returns how many were read, -1 on a read error
 * (logged). */
int br_agent_tun_read(struct br_agent *a, unsigned burst, uint64_t now_ms);
/* One packet from the host side (the TUN's direction): IPv4 or IPv6. */
void br_agent_host_input(struct br_agent *a, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* Runs the node's timers, sends queued mesh packets, drives the prefix
 * manager, the translator and the host configuration. */
void br_agent_process(struct br_agent *a, uint64_t now_ms);
/* Milliseconds until br_agent_process() has work, -1 for none. */
int64_t br_agent_next_timeout_ms(const struct br_agent *a, uint64_t now_ms);

/* ---- border-router commands (br_cli) ----------------------------------- */

const struct br_pm *br_agent_pm(const struct br_agent *a);
/* The translator (never NULL after br_agent_new). */
struct nat64 *br_agent_nat64(struct br_agent *a);
/* Counters of every translator this agent had (rebuilds included). */
void br_agent_nat64_counters(const struct br_agent *a, struct nat64_fmt_counters *out);
/* `nat64 enable|disable`: persisted; takes effect at once. */
void br_agent_set_nat64_enabled(struct br_agent *a, bool enabled, uint64_t now_ms);
/* `nat64 cidr <text>`: br_pm_set_cidr_str's errors; persisted; a new CIDR
 * rebuilds the translator (mappings dropped) and moves route and NAT44. */
enum br_pm_err br_agent_set_cidr(struct br_agent *a, const char *text, uint64_t now_ms);

const struct br_agent_counters *br_agent_counters(const struct br_agent *a);

/* ---- DNS -----------------------------------------------------------------
 *
 * A struct dns_server (dns_server.h) answers on UDP port 53 of the node's
 * addresses (a node UDP socket bound to ::, so devices reach it over the
 * mesh). Only sources inside the Thread network are served: the node's
 * mesh-local and link-local prefixes and the on-mesh prefixes of the Network
 * Data. The NAT64 prefix for ipv4only.arpa. is the prefix manager's favored
 * one. Upstream queries leave through host sockets, a fresh non-blocking
 * socket per attempt (UDP connected, so ICMP errors end the attempt at
 * once; TCP when the server asks), polled through br_agent_dns_pollfds() /
 * br_agent_dns_io(). While attached, the DNS/SRP unicast service (Thread
 * enterprise 44970, service data 0x5d, server data = ML-EID + port
 * BR_AGENT_DNS_SRP_PORT) is published in Network Data with the prefix
 * manager's entries, as otbr-agent does (the codelab's `44970 5d ...` line);
 * devices use its address as their DNS server.
 *
 * Upstream forwarding is persisted under SETTINGS_KEY_DNS_UPSTREAM (one
 * byte 0/1); without a stored value it is enabled (otbr-agent's default). */

/* Fills up to max pollfd entries (fd, events) for the upstream sockets;
 * returns how many. */
size_t br_agent_dns_pollfds(const struct br_agent *a, struct pollfd *pfd, size_t max);
/* Handles the revents of the entries br_agent_dns_pollfds() filled. */
void br_agent_dns_io(struct br_agent *a, const struct pollfd *pfd, size_t n, uint64_t now_ms);
/* Tests (cfg.dns_upstream_tx): an upstream answer for txn from addr/port. */
void br_agent_dns_upstream_input(struct br_agent *a, uint32_t txn, const uint8_t *msg, size_t len,
                                 const uint8_t addr[16], uint16_t port, uint64_t now_ms);
/* `dns server upstream [enable|disable]`. */
bool br_agent_dns_upstream_enabled(const struct br_agent *a);
void br_agent_set_dns_upstream(struct br_agent *a, bool enabled);
/* The server (counters, resolvers). */
const struct dns_server *br_agent_dns(const struct br_agent *a);
/* `dns server dns64 [enable|disable]` (a tbr extension; not persisted). */
bool br_agent_dns64_enabled(const struct br_agent *a);
void br_agent_set_dns64(struct br_agent *a, bool enabled);

/* ---- SRP server -------------------------------------------------------------
 *
 * A struct br_srp_server (srp_server.h) answers SRP updates (RFC 9665) on UDP port
 * BR_AGENT_DNS_SRP_PORT of the node, the port published in the DNS/SRP
 * unicast service, and UPDATE messages that arrive on the DNS port (as
 * OpenThread's DNS-SD server hands them to its SRP server). Only Thread
 * sources are served. Its registry answers the DNS server's names under
 * default.service.arpa. While disabled the socket is closed and the DNS/SRP
 * service is withdrawn from Network Data (OpenThread's behaviour), so
 * devices lose it as their server. In anycast address mode the agent
 * publishes the DNS/SRP anycast service (`44970 5c<seq>`) instead of the
 * unicast one; the node then holds the service's ALOC and devices send DNS
 * queries and SRP updates to it on port 53. */
enum br_agent_srp_state {
    BR_AGENT_SRP_DISABLED = 0, /* "disabled" */
    BR_AGENT_SRP_RUNNING,      /* "running": enabled, service published */
    BR_AGENT_SRP_STOPPED,      /* "stopped": enabled, not attached / not published yet */
};
enum br_agent_srp_state br_agent_srp_state(const struct br_agent *a);
const char *br_agent_srp_state_str(enum br_agent_srp_state s);
/* `srp server enable|disable`: persisted. */
void br_agent_set_srp_enabled(struct br_agent *a, bool enabled, uint64_t now_ms);
/* The service (registry for `srp server host|service`, counters, lease). */
struct br_srp_server *br_agent_srp(struct br_agent *a);

#endif
