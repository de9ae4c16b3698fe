/*
 * Border routing on the infrastructure link (RFC 4861 router behaviour,
 * RFC 4191 routes, RFC 8781 PREF64), as OpenThread's RoutingManager does
 * it on its infrastructure interface:
 *   - Router Advertisements to all-nodes: a Route Information Option for
 *     the favored OMR /64 and a Prefix Information Option for our local
 *     on-link /64 (fd + the Extended PAN ID, ra.h) while no other router
 *     advertises one; withdrawn (zero lifetimes) when they go. Timers per
 *     RFC 4861 §6.2.4 (BR_INFRA_LINK_RA_INITIAL_COUNT advertisements every
 *     BR_INFRA_LINK_RA_INITIAL_INTERVAL_MS after a change, then random
 *     in [Min, Max]RtrAdvInterval).
 *   - Router Solicitations answered (§6.2.6: after 0..MAX_RA_DELAY_TIME, at
 *     most one per MIN_DELAY_BETWEEN_RAS).
 *   - Other routers' RAs read: their on-link prefix (until its valid
 *     lifetime ends) and their PREF64 options (handed to cfg.pref64 as
 *     cfg.pref64_from allows, see below).
 *   - The favored on-link prefix (another router's, else ours) for Network
 *     Data and the host route: br_infra_link_onlink().
 * Messages are checked as §6.1.1-§6.1.2 ask (hop limit 255, link-local
 * source). The socket is behind struct icmp6_sock_ops (platform/icmp6_sock.h);
 * no clock reads, no global state.
 *
 * PREF64 (RFC 8781) sets the NAT64 prefix the border router may publish, so
 * it is taken only as the RFC and the configuration allow (issue 11):
 *   - only inside an RA that passed the checks above (§4: an option of a
 *     Router Advertisement; Length 2 and PLC 0..5 are ra.h's), with its
 *     Scaled Lifetime (§4: how long the prefix MAY be used; 0: no longer);
 *   - only from the routers cfg.pref64_from names: none (OFF, the default:
 *     OpenThread's border router never reads PREF64 and uses its own local
 *     prefix), any router on the link (ANY: RFC 8781 §7 leaves the trust to
 *     the link's RA protection, RA-Guard RFC 6105), or one router's
 *     link-local address (ROUTER);
 *   - a lifetime 0 withdraws only the prefix in use and only from the router
 *     that gave it (§5: another router's zero lifetime for its own prefix
 *     says nothing about ours).
 * Refused options are counted in pref64_ignored (and logged).
 */
#ifndef TBR_BR_INFRA_LINK_H
#define TBR_BR_INFRA_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/icmp6_sock.h"
#include "util/addr.h"

/* Whose PREF64 options are taken (see above). */
enum br_infra_link_pref64 {
    BR_INFRA_LINK_PREF64_OFF = 0, /* none (default, as OpenThread) */
    BR_INFRA_LINK_PREF64_ANY,     /* any router on the infrastructure link */
    BR_INFRA_LINK_PREF64_ROUTER,  /* only cfg.pref64_router */
};

/* RFC 4861 §6.2.1 / §10 router variables, OpenThread's 1800 s lifetimes. */
#define BR_INFRA_LINK_RA_MAX_INTERVAL_MS 600000u    /* MaxRtrAdvInterval */
#define BR_INFRA_LINK_RA_MIN_INTERVAL_MS 200000u    /* MinRtrAdvInterval (1/3 of Max) */
#define BR_INFRA_LINK_RA_INITIAL_INTERVAL_MS 16000u /* MAX_INITIAL_RTR_ADVERT_INTERVAL */
#define BR_INFRA_LINK_RA_INITIAL_COUNT 3            /* MAX_INITIAL_RTR_ADVERTISEMENTS */
#define BR_INFRA_LINK_RA_MIN_DELAY_MS 3000u         /* MIN_DELAY_BETWEEN_RAS */
#define BR_INFRA_LINK_RA_RS_DELAY_MS 500u           /* MAX_RA_DELAY_TIME */
#define BR_INFRA_LINK_RA_LIFETIME_S 1800u           /* PIO valid/preferred, RIO lifetime */
#define BR_INFRA_LINK_NONE UINT64_MAX

struct br_infra_link_cfg {
    const struct icmp6_sock_ops *ops; /* required */
    void *sock;
    const char *ifname; /* for the log */
    /* Required: random bytes (RA timers). */
    void (*random)(void *user, uint8_t *buf, size_t len);
    /* Optional log sink (level 1 error .. 4 debug). */
    void (*log)(void *user, int level, const char *msg);
    /* Optional: a PREF64 option another router advertised. */
    void (*pref64)(void *user, const struct addr_prefix6 *prefix, uint32_t lifetime_s,
                   uint64_t now_ms);
    void *user;
    enum br_infra_link_pref64 pref64_from;
    uint8_t pref64_router[16]; /* ROUTER: its link-local address */
};

/* What the link should carry, from the rest of the border router. */
struct br_infra_link_input {
    bool running; /* border routing runs (the node is attached) */
    bool has_omr; /* the favored OMR prefix (a /64) for the RIO */
    struct addr_prefix6 omr;
    bool has_xpanid; /* the active dataset's Extended PAN ID (local on-link prefix) */
    uint8_t xpanid[8];
};

struct br_infra_link_counters {
    uint64_t ra_tx;          /* Router Advertisements sent */
    uint64_t ra_tx_errors;   /* send failed (e.g. no link-local address yet) */
    uint64_t ra_rx;          /* RAs from other routers, accepted */
    uint64_t rs_rx;          /* Router Solicitations received */
    uint64_t icmp6_rx_bad;   /* malformed, hop limit != 255, source not link-local */
    uint64_t pref64_rx;      /* PREF64 options taken */
    uint64_t pref64_ignored; /* refused: not allowed from that router, or a
                              * withdrawal of a prefix not in use */
};

struct br_infra_link {
    struct br_infra_link_cfg cfg;
    char ifname[16];
    struct br_infra_link_input in; /* the last br_infra_link_update() input */
    uint64_t ra_due_ms;            /* BR_INFRA_LINK_NONE: none */
    uint64_t ra_last_ms;
    bool ra_sent;
    unsigned ra_initial;   /* RAs sent since the content last changed */
    bool adv_omr, adv_pio; /* what the last RA advertised */
    struct addr_prefix6 omr_adv, pio_adv;
    bool want_omr, want_pio; /* what the next RA advertises */
    struct addr_prefix6 omr_want, pio_want;
    bool has_onlink_local;
    struct addr_prefix6 onlink_local;
    bool has_onlink_other; /* another router's on-link prefix */
    struct addr_prefix6 onlink_other;
    uint64_t onlink_other_expire_ms;
    bool has_pref64; /* the PREF64 taken last, and from whom */
    struct addr_prefix6 pref64;
    uint8_t pref64_src[16];
    uint64_t pref64_expire_ms;
    bool has_onlink_pub; /* the favored on-link prefix */
    struct addr_prefix6 onlink_pub;
    struct br_infra_link_counters ctr;
};

void br_infra_link_init(struct br_infra_link *l, const struct br_infra_link_cfg *cfg);
/* Withdraws what was advertised (a final RA with zero lifetimes). */
void br_infra_link_stop(struct br_infra_link *l, uint64_t now_ms);

/* Takes the new input, works out the next RA's content and sends it when
 * due. True when the favored on-link prefix changed (Network Data and the
 * host route follow it). */
bool br_infra_link_update(struct br_infra_link *l, const struct br_infra_link_input *in,
                          uint64_t now_ms);
/* One received ICMPv6 message (an RS or an RA) from src with its hop limit.
 * True when the favored on-link prefix changed. */
bool br_infra_link_rx(struct br_infra_link *l, const uint8_t *msg, size_t len,
                      const uint8_t src[16], int hop_limit, uint64_t now_ms);
/* Reads the pending messages through the ops into br_infra_link_rx().
 * True when the favored on-link prefix changed. */
bool br_infra_link_read(struct br_infra_link *l, uint64_t now_ms);

/* The favored on-link prefix (false: none). */
bool br_infra_link_onlink(const struct br_infra_link *l, struct addr_prefix6 *out);
/* When the next RA is due (BR_INFRA_LINK_NONE: none). */
uint64_t br_infra_link_next_ms(const struct br_infra_link *l);

/* The part's counters; valid while the part is. */
const struct br_infra_link_counters *br_infra_link_counters(const struct br_infra_link *x);

#endif
