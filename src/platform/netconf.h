/*
 * The host network configuration tbr-agent owns on Linux:
 *
 *   - IPv4/IPv6 forwarding sysctls (net.ipv4.ip_forward,
 *     net.ipv6.conf.all.forwarding): the values found are saved on the first
 *     change and written back by netconf_forwarding_restore()/_cleanup().
 *   - Routes on an interface (the NAT64 pool CIDR via wpan0 with metric 100
 *     as OpenThread's posix platform adds it, OMR/on-link IPv6 prefixes):
 *     rtnetlink (NETLINK_ROUTE) directly, no `ip` process. Destinations are
 *     masked to their prefix length before use (the kernel rejects an IPv4
 *     route with host bits set).
 *   - NAT44 for the NAT64 pool: an nftables table of its own (default
 *     "inet tbr") whose postrouting chain (type nat, priority srcnat)
 *     masquerades packets from the pool CIDR leaving the infrastructure
 *     interface. Installed as one transaction that adds, deletes and re-adds
 *     the whole table, so installing twice (or over a table left by a killed
 *     agent) gives the same single table; removed the same way; verified by
 *     listing it, so the translator can be reported Active only when the
 *     return path exists. Nothing outside that table is touched; the rule
 *     carries no hard-coded fwmark, and a changed pool or interface is a
 *     re-install.
 *
 * Why `nft -f -` (a child process fed a generated ruleset on stdin) rather
 * than libnftables:
 *   - libnftables is GPL-2.0-only; linking it would make the agent binary a
 *     GPL-2.0 derived work. Running the nft program keeps the licences apart.
 *   - A host without nftables still runs the agent: netconf_nat44_install()
 *     then fails with a clear, non-fatal message naming the missing piece
 *     (nft program, or nf_tables/NAT support in the kernel) instead of the
 *     dynamic loader refusing to start the daemon. No build dependency.
 *   - The ruleset text is exactly what an operator types, so error messages
 *     from nft (captured from its stderr and returned) are meaningful, and
 *     the same text works with any nft >= 0.9.1 (priority keyword "srcnat").
 *   Cost: a fork/exec per install/remove/check (rare events, not per packet).
 *
 *   - The forwarding policy towards and from the Thread interface: a second
 *     table of its own, "inet <table>_fw" (default "inet tbr_fw"), with one
 *     filter chain on the forward hook; see netconf_fw_install(). Kept apart
 *     from the NAT44 table, which comes and goes with NAT64, while the
 *     policy stays for as long as forwarding is on.
 *   - accept_ra on the infrastructure interface (2: keep taking Router
 *     Advertisements with forwarding on), restored on cleanup.
 *
 * Forwarding in another table's base chain with policy drop (a host
 * firewall) is not overridden by an accept here (nftables evaluates every
 * base chain); that is a prerequisite the agent reports, not fixes.
 *
 * No global state: everything lives in a struct netconf owned by the
 * caller. Calls that can fail take err/errlen (may be NULL) and write one
 * line with the errno text (or nft's message) into it. Needs CAP_NET_ADMIN
 * for changes. Not thread-safe.
 */
#ifndef TBR_PLATFORM_NETCONF_H
#define TBR_PLATFORM_NETCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

#define NETCONF_IFNAME_MAX 16 /* IFNAMSIZ, NUL included */
#define NETCONF_TABLE_MAX 32  /* nft table name, NUL included */
#define NETCONF_MAX_ROUTES 32 /* routes one handle remembers for cleanup */
#define NETCONF_ERR_MAX 512   /* enough for any error text this module writes */
#define NETCONF_NFT_TABLE_DEFAULT "tbr"
#define NETCONF_POOL_METRIC 100 /* OpenThread's metric for the NAT64 CIDR route */

struct netconf;

struct netconf_config {
    const char *nft_path;  /* NULL: /usr/sbin/nft, /sbin/nft, ..., then $PATH */
    const char *nft_table; /* NULL: "tbr" (family inet); letters, digits, _ and - */
    const char *proc_sys;  /* NULL: "/proc/sys" (tests point it at a fake tree) */
};

/*
 * Opens the rtnetlink socket. cfg may be NULL (defaults). Returns NULL with
 * err set on failure (bad table name, socket error).
 */
struct netconf *netconf_open(const struct netconf_config *cfg, char *err, size_t errlen);

/*
 * Undoes what this handle did, in reverse: removes the NAT44 table if it
 * installed it, deletes the routes it added (already gone is fine), restores
 * the forwarding values and accept_ra it changed, and removes the policy
 * table last (forwarding is never on without it). Keeps going after a
 * failure; returns 0, or -1 with the first error in err. Safe to call twice.
 */
int netconf_cleanup(struct netconf *nc, char *err, size_t errlen);

/* Frees the handle. Does NOT undo anything (call netconf_cleanup() first).
 * NULL is a no-op. */
void netconf_close(struct netconf *nc);

/* ---- forwarding sysctls ---------------------------------------------------- */

enum netconf_family_mask {
    NETCONF_IPV4 = 1,
    NETCONF_IPV6 = 2,
};

/* Reads the current forwarding value (0/1, or whatever the kernel says) of
 * one family (NETCONF_IPV4 or NETCONF_IPV6). 0, or -1 with err. */
int netconf_forwarding_get(struct netconf *nc, int family, int *value, char *err, size_t errlen);

/*
 * Sets forwarding to 1 for the families in mask. The previous value is saved
 * the first time this handle changes a family. A read-only /proc/sys (a
 * container) is reported with the way to fix it. 0, or -1 with err.
 */
int netconf_forwarding_enable(struct netconf *nc, unsigned mask, char *err, size_t errlen);

/*
 * Writes the saved values back (only families this handle changed, and only
 * when the value is still the one it set). Note: writing
 * net.ipv6.conf.all.forwarding also resets every interface's own value, as
 * the kernel always does. 0, or -1 with err.
 */
int netconf_forwarding_restore(struct netconf *nc, char *err, size_t errlen);

/* ---- routes ------------------------------------------------------------------ */

struct netconf_route {
    int family;      /* AF_INET or AF_INET6 */
    uint8_t dst[16]; /* network (first 4 bytes for IPv4); host bits are ignored */
    uint8_t plen;
    char dev[NETCONF_IFNAME_MAX];
    uint32_t metric; /* 0: kernel default (IPv4 0, IPv6 1024) */
    uint32_t table;  /* 0: main */
};

/*
 * Fills r from "a.b.c.d/len" or "x::/len" (family from the text), dev and
 * metric; table main. Host bits are cleared. 0, or -1 with err.
 */
int netconf_route_parse(const char *cidr, const char *dev, uint32_t metric, struct netconf_route *r,
                        char *err, size_t errlen);

/*
 * Adds the route (RTM_NEWROUTE, dev route without gateway, protocol static,
 * scope link for IPv4). replace=false: NLM_F_EXCL, an existing equal route
 * is an error (EEXIST); replace=true: NLM_F_REPLACE, idempotent. On success
 * the route is remembered for netconf_cleanup(). 0, or -1 with err (the
 * kernel's extended ack message included when it gives one).
 */
int netconf_route_add(struct netconf *nc, const struct netconf_route *r, bool replace, char *err,
                      size_t errlen);

/* Deletes the route (dst/plen, dev, metric if non-zero, table) and forgets
 * it. 0: deleted; 1: there was no such route; -1: error. */
int netconf_route_del(struct netconf *nc, const struct netconf_route *r, char *err, size_t errlen);

/* 1: a route with that dst/plen via that dev (and metric if non-zero, table)
 * exists; 0: it does not; -1: error (e.g. no such device). */
int netconf_route_present(struct netconf *nc, const struct netconf_route *r, char *err,
                          size_t errlen);

/* ---- NAT44 (nftables) --------------------------------------------------------- */

/*
 * Installs (or re-installs) the table: masquerade of saddr pool leaving
 * infra_if. pool is masked to its length. Fails with a clear message when
 * nft is missing, the kernel lacks nf_tables/NAT, or permission is denied.
 * 0, or -1 with err. The handle then owns the table (removed on cleanup).
 */
int netconf_nat44_install(struct netconf *nc, const struct addr_prefix4 *pool, const char *infra_if,
                          char *err, size_t errlen);

/* Removes the whole table; a missing table is fine. 0, or -1 with err. */
int netconf_nat44_remove(struct netconf *nc, char *err, size_t errlen);

/*
 * Verifies the table holds the masquerade rule for pool via infra_if in a
 * nat postrouting chain. 1: present; 0: absent or different (err says
 * what); -1: cannot tell (nft missing or failed; err says why).
 */
int netconf_nat44_check(struct netconf *nc, const struct addr_prefix4 *pool, const char *infra_if,
                        char *err, size_t errlen);

/* The ruleset netconf_nat44_install() feeds to `nft -f -`, into buf. Returns
 * its length, or -1 (bad arguments, err set; or buf too small). For tests and
 * `nat64 diag`-style output. */
int netconf_nat44_ruleset(const struct netconf *nc, const struct addr_prefix4 *pool,
                          const char *infra_if, char *buf, size_t buflen, char *err, size_t errlen);

/* ---- forwarding policy (nftables) ---------------------------------------------
 *
 * OpenThread Border Router's ingress policy (ot-br-posix script/otbr-firewall,
 * chain OTBR_FORWARD_INGRESS on `FORWARD -o wpan0`, with the ipsets
 * otbr-ingress-deny-src / -allow-dst that OpenThread's posix firewall.cpp
 * UpdateIpSets() fills with every on-mesh prefix of the Network Data, plus
 * the mesh-local /64 for deny-src), in nftables, plus what the NAT64 path
 * needs. One chain on the forward hook (priority filter, policy accept:
 * traffic not to or from the Thread interface is not ours to judge):
 *
 *   out of thread_if, in from thread_if, unicast      drop  thread_hairpin
 *   leaving by another interface with the mesh-local
 *     /64 as source or destination                     drop  mesh_local_off_mesh
 *   out of thread_if, IPv4 ct established/related     accept (NAT64 replies)
 *   out of thread_if, IPv4, anything else             drop  to_thread_not_established
 *   out of thread_if, IPv6 source on-mesh or ML       drop  to_thread_spoofed_src
 *   out of thread_if, IPv6 destination on-mesh        accept
 *   out of thread_if, IPv6 unicast, anything else     drop  to_thread_not_onmesh
 *   (out of thread_if, IPv6 multicast: accept, as OTBR's last rule)
 *   in from thread_if: accept (Thread -> infrastructure is allowed)
 *
 * "From Thread" is the input interface, never the source prefix. Each drop
 * rule counts into a named nft counter (netconf_fw_counters() reads them).
 * Installing flushes the table's rules and adds them again in one
 * transaction, so the counters survive an update and installing twice gives
 * the same table. */
#define NETCONF_FW_PREFIXES 8 /* on-mesh prefixes the policy names */

enum netconf_fw_counter {
    NETCONF_FW_HAIRPIN,
    NETCONF_FW_MESH_LOCAL,
    NETCONF_FW_NOT_ESTABLISHED,
    NETCONF_FW_SPOOFED_SRC,
    NETCONF_FW_NOT_ONMESH,
    NETCONF_FW_COUNTERS
};

struct netconf_fw {
    char thread_if[NETCONF_IFNAME_MAX];
    bool has_ml; /* the mesh-local /64 */
    uint8_t ml[8];
    unsigned n_onmesh; /* the Network Data's on-mesh prefixes (OMR) */
    struct addr_prefix6 onmesh[NETCONF_FW_PREFIXES];
};

struct netconf_fw_counters {
    uint64_t packets[NETCONF_FW_COUNTERS];
    uint64_t bytes[NETCONF_FW_COUNTERS];
};

/* The nft counter's name ("thread_hairpin", ...). */
const char *netconf_fw_counter_name(enum netconf_fw_counter c);

/* The ruleset netconf_fw_install() feeds to `nft -f -`, into buf. Its
 * length, or -1 (err set). */
int netconf_fw_ruleset(const struct netconf *nc, const struct netconf_fw *fw, char *buf,
                       size_t buflen, char *err, size_t errlen);
/* Installs or updates the policy table (counters kept). The handle then owns
 * the table (removed on cleanup). 0, or -1 with err. */
int netconf_fw_install(struct netconf *nc, const struct netconf_fw *fw, char *err, size_t errlen);
/* Removes the policy table; a missing table is fine. 0, or -1 with err. */
int netconf_fw_remove(struct netconf *nc, char *err, size_t errlen);
/* 1: the table holds the forward chain and every rule of the policy for
 * fw->thread_if; 0: missing or flushed (err says what); -1: cannot tell. */
int netconf_fw_check(struct netconf *nc, const struct netconf_fw *fw, char *err, size_t errlen);
/* Reads the named drop counters (a missing table or counter reads 0 and
 * fails). 0, or -1 with err. */
int netconf_fw_counters(struct netconf *nc, struct netconf_fw_counters *out, char *err,
                        size_t errlen);

/* ---- accept_ra ------------------------------------------------------------------ */

/* Reads net.ipv6.conf.<ifname>.accept_ra. 0, or -1 with err. */
int netconf_accept_ra_get(struct netconf *nc, const char *ifname, int *value, char *err,
                          size_t errlen);
/* Sets it (one interface per handle); the value found is saved the first
 * time and written back on cleanup if it is still the one set. 0, or -1. */
int netconf_accept_ra_set(struct netconf *nc, const char *ifname, int value, char *err,
                          size_t errlen);

/* ---- ops table (for br/host_config.h; tests pass fakes) --------------------
 *
 * The calls the border router's host configuration makes, over a void *
 * handle; netconf_linux_ops runs them on a struct netconf * (same results
 * as the functions above). */
struct netconf_ops {
    int (*forwarding_enable)(void *nc, unsigned mask, char *err, size_t errlen);
    int (*route_add)(void *nc, const struct netconf_route *r, bool replace, char *err,
                     size_t errlen);
    int (*route_del)(void *nc, const struct netconf_route *r, char *err, size_t errlen);
    int (*nat44_install)(void *nc, const struct addr_prefix4 *pool, const char *infra_if, char *err,
                         size_t errlen);
    int (*nat44_remove)(void *nc, char *err, size_t errlen);
    int (*nat44_check)(void *nc, const struct addr_prefix4 *pool, const char *infra_if, char *err,
                       size_t errlen);
    int (*cleanup)(void *nc, char *err, size_t errlen);
    int (*fw_install)(void *nc, const struct netconf_fw *fw, char *err, size_t errlen);
    int (*fw_check)(void *nc, const struct netconf_fw *fw, char *err, size_t errlen);
    int (*fw_counters)(void *nc, struct netconf_fw_counters *out, char *err, size_t errlen);
    int (*accept_ra_set)(void *nc, const char *ifname, int value, char *err, size_t errlen);
};

extern const struct netconf_ops netconf_linux_ops;

#endif
