/*
 * The border router's local Network Data (the role of OpenThread's
 * NetworkData::Publisher for the entries a BR publishes): from the inputs
 * the agent hands in, it builds
 *   - the prefix manager's entries (br_pm_local_netdata: the OMR prefix
 *     `paos low`, the NAT64 route `sn low|med`),
 *   - the favored on-link prefix of the infrastructure link as an external
 *     route `s med` (the codelab's `netdata show`),
 *   - while the SRP server is enabled and the node has an ML-EID, the DNS/SRP
 *     service (Thread 1.3 §14.3.2): unicast `44970 5d <ML-EID><port> s`, or
 *     in anycast address mode `44970 5c<seq>` (devices then use the service
 *     ALOC, port 53),
 * and hands them to the node through cfg.push (tnode_set_local_netdata)
 * whenever something changed (br_publisher_invalidate) and the node is
 * attached. A refused push, or one while detached, is retried every
 * BR_PUBLISHER_RETRY_MS. A new ML-EID (new mesh-local prefix) moves the
 * service with it.
 *
 * Pure logic: no I/O but cfg.push, no clock reads (now_ms passed in), no
 * global state.
 */
#ifndef TBR_BR_PUBLISHER_H
#define TBR_BR_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdata/netdata.h"
#include "util/addr.h"
#include "util/ot_err.h"

#define BR_PUBLISHER_RETRY_MS 1000u
#define BR_PUBLISHER_NONE UINT64_MAX

struct br_publisher_cfg {
    /* Required: the whole local Network Data for the node (OT_ERR_NONE:
     * taken; anything else: retried). */
    enum ot_err (*push)(void *user, const uint8_t *tlvs, size_t len, uint64_t now_ms);
    /* Optional log sink (level 1 error .. 4 debug). */
    void (*log)(void *user, int level, const char *msg);
    void *user;
};

/* What the local Network Data is made of, read from the other parts. */
struct br_publisher_input {
    bool attached;                  /* the node's role is child or better */
    uint16_t rloc16;                /* put in the on-link route and the service's server */
    const struct netdata_local *pm; /* the prefix manager's entries (NULL: none) */
    bool has_onlink;                /* the favored on-link prefix */
    struct addr_prefix6 onlink;
    bool srp_enabled; /* the SRP server is enabled: publish the service */
    bool has_mleid;   /* the node's ML-EID (none while detached) */
    uint8_t mleid[16];
    uint16_t srp_port; /* unicast: the SRP server's port */
    bool anycast;      /* anycast address mode, with its sequence number */
    uint8_t seqnum;
};

struct br_publisher {
    struct br_publisher_cfg cfg;
    bool dirty;        /* the node does not have the current entries yet */
    uint64_t retry_ms; /* when the next push may be tried */
    bool svc_pub;      /* the DNS/SRP service is in the pushed entries */
    uint8_t svc_addr[16];
    uint64_t push_errors; /* pushes the node refused (retried) */
};

/* Nothing published yet, nothing to push until br_publisher_invalidate. */
void br_publisher_init(struct br_publisher *p, const struct br_publisher_cfg *cfg);

/* Something the entries come from changed (or the node forgot them: a new
 * partition or parent): push at the next br_publisher_process(). */
void br_publisher_invalidate(struct br_publisher *p, uint64_t now_ms);

/* Builds the local Network Data from in into out (pure; an entry that does
 * not fit is logged and left out). True when the DNS/SRP service is in it. */
bool br_publisher_build(const struct br_publisher *p, const struct br_publisher_input *in,
                        struct netdata_local *out);

/* Pushes the entries when invalidated and due (see above). */
void br_publisher_process(struct br_publisher *p, const struct br_publisher_input *in,
                          uint64_t now_ms);

/* When br_publisher_process() has work (BR_PUBLISHER_NONE: none). */
uint64_t br_publisher_next_ms(const struct br_publisher *p);

/* The node accepted entries carrying the DNS/SRP service. */
bool br_publisher_service_published(const struct br_publisher *p);

/* Pushes the node refused. */
uint64_t br_publisher_push_errors(const struct br_publisher *p);

#endif
