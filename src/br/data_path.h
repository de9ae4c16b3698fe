/*
 * The border router's data path: packets between the TUN (the host side)
 * and the Thread mesh, with the NAT64 translator in between
 * (shared/reference/ot-nat64-behaviour.md §1.5, §7.4). Owns the translator.
 *
 *   mesh -> host  br_data_path_mesh_rx() (the node's host_rx). An IPv6
 *                 packet towards the translator's NAT64 prefix is translated
 *                 6->4 while the translator is Active (mesh-local sources are
 *                 dropped, as OpenThread does) and the IPv4 result written to
 *                 the host; other IPv6 packets go to the host as they are.
 *                 Source validation (tbr, issue 11): only a source a Thread
 *                 device may use is translated, one inside an on-mesh prefix
 *                 of the Network Data (br_data_path_set_netdata()); link-local
 *                 and any other source is dropped and counted, so a device
 *                 cannot pose as another /64 to get round the translator's
 *                 per-device caps (bib.h). Those count per Thread child (the
 *                 node reports the frame's sender, struct tnode_rx_link): every
 *                 device of the mesh takes its OMR address from one /64.
 *   host -> mesh  br_data_path_host_input() (the TUN's packets): IPv4 to the
 *                 pool is translated 4->6 and sent into the mesh; IPv6 is
 *                 sent into the mesh.
 *   ICMP errors the translator originates (XLAT_REPLY) go back the way the
 *   packet came, at most cfg.icmp_err_limit of them (nat64.h: a token bucket
 *   per direction, RFC 4443 §2.4(f); the rest are dropped and counted as
 *   the translator's icmp-rate-limit); packets for the mesh made while handling a mesh packet
 *   (those replies, hairpinned packets) are sent deferred (cfg.mesh_tx with
 *   deferred true: tnode_ip6_send_deferred), since mesh_rx runs inside the
 *   node's callback.
 *
 * br_data_path_set_xlat() follows the prefix manager: a new translator
 * prefix or CIDR rebuilds the translator (mappings dropped, as OpenThread
 * drops them on a CIDR change; the counters are kept across rebuilds).
 *
 * No sockets, no clock reads, no global state: the TUN is behind struct
 * tun_ops (platform/tun.h), the mesh behind cfg.mesh_tx, time passed in.
 */
#ifndef TBR_BR_DATA_PATH_H
#define TBR_BR_DATA_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nat64/nat64.h"
#include "nat64/nat64_fmt.h"
#include "platform/tun.h"
#include "thread/node.h"
#include "util/addr.h"

#define BR_DATA_PATH_EXPIRE_MS 10000u /* translator session expiry tick */
#define BR_DATA_PATH_PKT_MAX 65536    /* largest packet read from the TUN */
#define BR_DATA_PATH_SRC_MAX 16       /* on-mesh prefixes kept (Network Data holds fewer) */
/* Default ICMP error limit: RFC 4443 §2.4(f)'s example for a small or
 * mid-size device, B=10 and N=10/s (per direction). */
#define BR_DATA_PATH_ICMP_ERR_PER_S 10u
#define BR_DATA_PATH_ICMP_ERR_BURST 10u

struct br_data_path_cfg {
    const struct tun_ops *tun_ops; /* NULL: no TUN */
    void *tun;
    /* Optional (tests): every packet written to the host side as well. */
    void (*host_tx)(void *user, const uint8_t *pkt, size_t len);
    /* Required: one IPv6 packet into the mesh; deferred: queue it for the
     * node's next process (inside the node's callbacks). */
    int (*mesh_tx)(void *user, const uint8_t *pkt, size_t len, bool deferred, uint64_t now_ms);
    /* Required: the node's mesh-local /64 (false while detached). */
    bool (*mesh_local)(void *user, uint8_t out[8]);
    /* Required: random bytes (the translator's seed). */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink (level 1 error .. 4 debug). */
    void (*log)(void *user, int level, const char *msg);
    void *user;
    /* ICMP errors the translator originates; per_s 0: the defaults above. */
    struct nat64_icmp_limit icmp_err_limit;
};

/* Why packets went nowhere, one counter per reason. */
struct br_data_path_counters {
    uint64_t host_rx;            /* packets the node passed to the host */
    uint64_t host_rx_mesh_local; /* dropped: mesh-local source towards the NAT64 prefix */
    uint64_t host_rx_not_active; /* dropped: NAT64 destination, translator not Active */
    uint64_t host_rx_bad_source; /* dropped: NAT64 destination, source in no on-mesh
                                  * prefix (spoofed, link-local), also shown as the
                                  * translator's bad-source drops */
    uint64_t xlat_6to4;          /* IPv4 packets produced from the mesh */
    uint64_t xlat_4to6;          /* IPv6 packets produced from the host */
    uint64_t xlat_drops;         /* the translator dropped (see its counters) */
    uint64_t xlat_replies;       /* ICMP errors the translator answered with */
    uint64_t tun_tx;             /* packets written to the TUN */
    uint64_t tun_tx_errors;      /* TUN write failed or refused */
    uint64_t tun_rx;             /* packets read from the TUN */
    uint64_t tun_rx_ip4_dropped; /* IPv4 not for the pool, or translator not Active */
    uint64_t tun_rx_bad;         /* neither IPv4 nor IPv6, or too short */
    uint64_t mesh_tx;            /* packets sent (or queued) into the mesh */
    uint64_t mesh_tx_errors;     /* the mesh refused (or its queue was full) */
};

struct br_data_path {
    struct br_data_path_cfg cfg;
    struct nat64 *xlat;
    struct nat64_fmt_counters ctr_base; /* of translators already freed */
    struct xlat_out out;
    uint8_t *out_buf, *pkt_buf;
    bool active; /* the translator state is Active */
    bool has_prefix, has_cidr;
    struct addr_prefix6 prefix;
    struct addr_prefix4 cidr;                         /* masked */
    struct addr_prefix6 src_ok[BR_DATA_PATH_SRC_MAX]; /* sources translated */
    unsigned n_src_ok;
    uint64_t expire_due_ms;
    struct br_data_path_counters ctr;
};

/* Sets up dp; the translator is built by the first br_data_path_set_xlat()
 * (call it before any packet or view). 0, or -1 with one line in err. */
int br_data_path_init(struct br_data_path *dp, const struct br_data_path_cfg *cfg, uint64_t now_ms,
                      char *err, size_t errlen);
void br_data_path_free(struct br_data_path *dp);

/* The translator's NAT64 prefix and IPv4 pool (NULL: none) and whether it is
 * Active; a new prefix or pool rebuilds it. 0, or -1 (logged, in err) when
 * the translator cannot be built (the old one is kept). */
int br_data_path_set_xlat(struct br_data_path *dp, const struct addr_prefix6 *prefix,
                          const struct addr_prefix4 *cidr, bool active, uint64_t now_ms, char *err,
                          size_t errlen);
/* The Network Data the sources are checked against: addresses in a prefix
 * with a Border Router entry flagged on-mesh, SLAAC or DHCP (the OMR
 * prefixes among them) are translated, nothing else (none before the first
 * call). Call it whenever the Network Data may have changed. */
void br_data_path_set_netdata(struct br_data_path *dp, const uint8_t *netdata, size_t len);
/* Drops every mapping (OpenThread does on `nat64 disable`). */
void br_data_path_clear(struct br_data_path *dp);

/* A packet leaving the mesh (the node's host_rx callback). from: the child
 * that sent it (NULL or not known: the node itself or a sender the node
 * cannot name). A known child is the device its 6->4 translation counts on
 * for the translator's per-device caps (tnode_rx_link_key()); others
 * count on their source /64. */
void br_data_path_mesh_rx(struct br_data_path *dp, const uint8_t *pkt, size_t len,
                          const struct tnode_rx_link *from, uint64_t now_ms);
/* A packet from the host side: IPv4 or IPv6. */
void br_data_path_host_input(struct br_data_path *dp, const uint8_t *pkt, size_t len,
                             uint64_t now_ms);
/* Reads up to burst packets from the TUN into br_data_path_host_input().
 * How many, or -1 on a read error (logged). */
int br_data_path_tun_read(struct br_data_path *dp, unsigned burst, uint64_t now_ms);

/* Expires translator sessions every BR_DATA_PATH_EXPIRE_MS. */
void br_data_path_process(struct br_data_path *dp, uint64_t now_ms);
/* When br_data_path_process() has work next. */
uint64_t br_data_path_next_ms(const struct br_data_path *dp);

/* Counters of every translator dp had (rebuilds included), with the data
 * path's own source-validation drops as 6->4 bad-source. */
void br_data_path_xlat_counters(const struct br_data_path *dp, struct nat64_fmt_counters *out);
/* `nat64 mappings` and `nat64 counters` in OpenThread's tables
 * (nat64_fmt.h; counters adds tbr's extra rows, nat64_fmt_counters_ext()).
 * mappings: 0, or -1 when out of memory. */
int br_data_path_fmt_mappings(const struct br_data_path *dp, FILE *out, uint64_t now_ms);
void br_data_path_fmt_counters(const struct br_data_path *dp, FILE *out);

/* The part's counters; valid while the part is. */
const struct br_data_path_counters *br_data_path_counters(const struct br_data_path *x);

#endif
