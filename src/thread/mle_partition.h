/*
 * Internal to src/thread/ (see node_priv.h for the layers): partitions as
 * OpenThread's mle.cpp / mle_ftd.cpp handle them (Thread 1.3 §5.16
 * "Partitioning and merging"):
 *   - ComparePartitions: weighting, then "not a singleton", then partition
 *     ID (tn_partition_compare, pure);
 *   - the attach modes of OT's Attacher: any partition (detached, parent
 *     lost), same partition (a router whose leader is gone: leader age >=
 *     the network ID timeout), better partition (an Advertisement from a
 *     better partition: Parent Requests while staying what we are, only
 *     parents of a better partition accepted);
 *   - HandlePartitionChange: the partition we left is remembered for the
 *     network ID timeout, its stale Advertisements ignored;
 *   - BecomeLeader's choices: the previous router ID when it is valid, the
 *     preferred partition ID (`partitionid preferred`) or a random one, the
 *     leader weight (`leaderweight`).
 * This file sits below mle_router.c (which feeds it Advertisements and asks
 * for leader IDs): it only decides and records; mle_child.c, above, runs the
 * attach it asks for (tn_partition_attach_due) and tells it how attaching
 * ended (tn_partition_attached, tn_partition_attach_failed).
 */
#ifndef TBR_THREAD_MLE_PARTITION_H
#define TBR_THREAD_MLE_PARTITION_H

#include <stdbool.h>
#include <stdint.h>

#include "thread/mle_msg.h"
#include "thread/mle_tlv.h"

/* mle.hpp kNetworkIdTimeout; config/mle.h PARTITION_MERGE_MARGIN_MIN. */
#define TN_NETWORK_ID_TIMEOUT_S 120
#define TN_PARTITION_MERGE_MIN_MARGIN 10

/* Attacher::AttachMode (the ones a partition needs). */
enum tn_attach_mode {
    TN_ATTACH_ANY = 0, /* kAnyPartition: detached, or the parent is gone */
    TN_ATTACH_SAME,    /* kSamePartition: leader age timeout */
    TN_ATTACH_BETTER,  /* kBetterPartition: merge into a better partition */
};

/* What mle_child.c does when an attach cycle found no parent (Reattach). */
enum tn_attach_next {
    TN_NEXT_STAY = 0, /* better partition: keep our role and partition */
    TN_NEXT_ANY,      /* same partition failed: try any partition */
    TN_NEXT_LEADER,   /* any partition failed, router-eligible FTD: BecomeLeader */
    TN_NEXT_WAIT,     /* any partition failed otherwise: try again later */
};

/* Partition state of a node (struct tnode.part). */
struct tn_partition {
    uint8_t mode;           /* enum tn_attach_mode of the attach under way / next */
    bool attach_due;        /* an attach asked for, started by mle_child.c */
    uint64_t attach_due_ms; /* ... at this time */
    uint32_t prev_id;       /* HandlePartitionChange: the partition we left */
    uint8_t prev_id_seq;    /* ... its router ID sequence then */
    uint64_t prev_until_ms; /* ... remembered until (0: none) */
    /* Server Data sync (a/sd) of a node that is not the leader */
    bool sd_dirty;            /* our local Network Data changed */
    uint64_t sd_recheck_ms;   /* look again then (0: only on a change) */
    uint32_t sd_fp_partition; /* what the last check saw: partition, leader, */
    uint8_t sd_fp_leader;     /* data version, our RLOC16 */
    uint8_t sd_fp_version;
    uint16_t sd_fp_rloc16;
    uint16_t sd_old_rloc16; /* RLOC16 of the last a/sd (0xfffe: none) */
    uint32_t sd_sent;       /* a/sd sent */
    /* event counts (tests, logs) */
    uint32_t better_attaches; /* better-partition attach attempts (OT counter) */
    uint32_t merges;          /* attached to another partition from a partition */
    uint32_t leader_losses;   /* same-partition reattach started (leader age) */
    uint32_t partitions_formed;
};

/*
 * OpenThread's Mle::ComparePartitions: > 0 when partition A is better than
 * B, < 0 when worse, 0 when the same. Higher weighting wins; then a
 * partition that is not a singleton (more than one router) beats one that
 * is; then the higher partition ID.
 */
int tn_partition_compare(bool singleton_a, const struct mle_leader_data *a, bool singleton_b,
                         const struct mle_leader_data *b);

/* A Route64 names at most one router (RouteTlv::IsSingleton). */
bool tn_partition_route_singleton(const struct mle_route64 *r);

struct tnode;

void tn_partition_init(struct tnode *n);
/* Mle::IsSingleton: attached, router-eligible FTD, at most one active router. */
bool tn_partition_singleton(const struct tnode *n);

/*
 * An Advertisement (parsed, from src) received while attached; margin is its
 * link margin, from_parent whether our parent sent it. False when it is of
 * our partition (the caller processes it). True when it is of another one:
 * the caller drops it (counted mle_drop_partition here); when that partition
 * is better (HandleAdvertisementOnFtd: margin >= 10, not a stale
 * Advertisement of the partition we just left, not from our parent) a
 * better-partition attach is asked for.
 */
bool tn_partition_adv_rx(struct tnode *n, const struct mle_advertisement *a, uint8_t margin,
                         bool from_parent);

/* The same from the MLE payload (parsed here, drops counted): a leader's
 * or a child's received Advertisement; margin from the frame's RSSI. */
bool tn_partition_adv_msg(struct tnode *n, const uint8_t *plain, size_t len, const uint8_t src[16]);

/* Asks mle_child.c for an attach in mode after delay_ms (Attacher::Attach;
 * ignored while one is under way, as OT's IsAttaching check). */
void tn_partition_request_attach(struct tnode *n, enum tn_attach_mode mode, uint32_t delay_ms);
/* True once (clearing it) when a requested attach is due. */
bool tn_partition_attach_due(struct tnode *n);
/* An attach is asked for or under way (Attacher::IsAttaching). */
bool tn_partition_attaching(const struct tnode *n);
/* A leader under a better-partition attach hands cmd to the child role:
 * the Parent and Child ID Responses of that attach. */
bool tn_partition_for_attach(const struct tnode *n, uint8_t cmd);
/* The Router ID Sequence we hold (the leader's, or the one we learned). */
uint8_t tn_partition_id_seq(const struct tnode *n);

/*
 * Whether a Parent Response may be a parent in the current attach mode
 * (Attacher::HandleParentResponse, attached FTD): any partition -> another
 * partition, or ours with a newer ID sequence; same -> ours with a newer ID
 * sequence; better -> a better partition. A detached node takes any.
 */
bool tn_partition_parent_ok(const struct tnode *n, const struct mle_leader_data *ld,
                            const struct mle_connectivity *conn);
/* Compares a Parent Response's partition with the current candidate's
 * (FTD: ComparePartitions; MTD: 0): < 0 means keep the candidate. */
int tn_partition_cand_cmp(const struct tnode *n, const struct mle_leader_data *ld,
                          const struct mle_connectivity *conn,
                          const struct mle_leader_data *cand_ld,
                          const struct mle_connectivity *cand_conn);

/* An attach cycle ended without a parent: what to do next (Reattach). */
enum tn_attach_next tn_partition_attach_failed(struct tnode *n);
/* A Child ID Response made us a child in partition ld (before the role
 * changes): HandlePartitionChange when the partition is another one. */
void tn_partition_attached(struct tnode *n, const struct mle_leader_data *ld);

/* BecomeLeader's choices (SelectLeaderId, SelectPartitionId); the weight
 * is `leaderweight` (rcfg.leader_weight, mle_router.c). */
uint8_t tn_partition_leader_id(struct tnode *n);
uint32_t tn_partition_new_id(struct tnode *n);
/* BecomeLeader from the router role with the router ID we hold: our
 * children keep their RLOC16s and follow us into the new partition. */
bool tn_partition_keeps_children(const struct tnode *n, uint8_t router_id);
/* The node became leader of a new partition (counted, the router ID kept). */
void tn_partition_formed(struct tnode *n, uint8_t router_id);

/*
 * A border router that is not the leader keeps its entries in the
 * partition's Network Data (OT's NetworkData::Notifier): whenever the
 * partition, the leader, the Network Data or our RLOC16 changed, or our
 * local Network Data did (tn_partition_sd_changed), the leader's data is
 * compared with ours; if its entries for our RLOC16 differ (a new leader
 * has none), a/sd with our local Network Data goes to the Leader ALOC
 * (with the old RLOC16 when ours changed), checked again 300 s later
 * (network_data_notifier.hpp kDelaySynchronizeServerData) if nothing else
 * changes meanwhile.
 */
#define TN_SD_RECHECK_MS 300000
void tn_partition_sd_changed(struct tnode *n);
void tn_partition_sd_process(struct tnode *n);
int64_t tn_partition_sd_next(const struct tnode *n);

/* Leader age check for a router or REED (HandleTimeTick): when the leader has not
 * been heard for the network ID timeout, a same-partition attach is asked
 * for; true then. */
bool tn_partition_leader_age(struct tnode *n, uint32_t leader_age_s);

#endif
