/*
 * The device CLI's `counters` command, after OpenThread's (cli.cpp
 * ProcessCounters): `counters` lists the groups, `counters mac` and
 * `counters mle` print "Name: value" lines. The names are the node's own
 * counters (thread/node.h, mac/mac.h) in OpenThread's spelling, one per
 * named reason, including the frame counters and their store-ahead state
 * (docs/security/frame-counters.md). TxErrCca and TxErrBusyChannel both
 * count channel access failures: OpenThread's host counts one of each per
 * CHANNEL_ACCESS_FAILURE its RCP reports (sub_mac.cpp RecordCcaStatus,
 * mac.cpp RecordFrameTransmitStatus); the sim radio has none. TxErrAbort is
 * the frames flushed here plus those the radio aborted (an RCP reset).
 * `counters mesh` is tbr-node's own (multi-hop forwarding and MPL).
 */
#include <inttypes.h>
#include <string.h>

#include "cli/node_cli_priv.h"
#include "mac/mac.h"
#include "thread/node.h"

struct cnt_line {
    const char *name;
    uint64_t value;
};

static void print_lines(FILE *out, const struct cnt_line *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s: %" PRIu64 "\n", l[i].name, l[i].value);
}

/* The frame counter and its persisted limit, and whether the store failed. */
static void print_fc(FILE *out, uint32_t next, uint32_t saved, bool refusing)
{
    fprintf(out, "FrameCounter: %" PRIu32 "\n", next);
    fprintf(out, "FrameCounterPersisted: %" PRIu32 "\n", saved);
    fprintf(out, "FrameCounterStore: %s\n", refusing ? "failing (secured frames refused)" : "ok");
}

static void print_mac(FILE *out, struct tnode *n)
{
    const struct mac_layer_counters *m = tnode_mac_counters(n);
    const struct tnode_counters *c = tnode_counters(n);
    struct tnode_fc_info fc;
    const struct cnt_line l[] = {
        {"TxRequests", m->tx_requests},
        {"TxTotal", m->tx_frames},
        {"TxRetry", m->tx_retries},
        {"TxAcked", m->tx_acked},
        {"TxErrNoAck", m->tx_no_ack},
        {"TxErrAckFiltered", m->tx_ack_filtered},
        {"TxErrQueueFull", m->tx_drop_queue_full},
        {"TxErrInvalid", m->tx_drop_invalid},
        {"TxErrSecurity", m->tx_drop_security},
        {"TxErrRadio", m->tx_radio_errors},
        {"TxErrCca", m->tx_channel_access_failures},
        {"TxErrBusyChannel", m->tx_channel_access_failures},
        {"TxErrAbort", m->tx_aborted + m->tx_radio_aborted},
        {"TxErrTxDoneTimeout", m->tx_done_timeouts},
        {"TxDoneUnexpected", m->tx_done_unexpected},
        {"TxErrFrameCounterNotPersisted", c->tx_drop_fc_unsaved},
        {"RxTotal", m->rx_frames},
        {"RxDelivered", m->rx_delivered},
        {"RxDuplicated", m->rx_drop_duplicate},
        {"RxErrParse", m->rx_drop_parse},
        {"RxAddressFiltered", m->rx_drop_filtered},
        {"RxDestAddrFiltered", m->rx_drop_dst_addr},
        {"RxErrUnknownNeighbor", m->rx_drop_unknown_nbr},
        {"RxErrSecReplay", m->rx_drop_sec_replay},
        {"RxErrSecMic", m->rx_drop_sec_mic},
    };

    print_lines(out, l, sizeof(l) / sizeof(l[0]));
    tnode_frame_counters(n, &fc);
    print_fc(out, fc.mac, fc.mac_saved, fc.refusing);
}

static void print_mle(FILE *out, struct tnode *n)
{
    const struct tnode_counters *c = tnode_counters(n);
    struct tnode_fc_info fc;
    const struct cnt_line l[] = {
        {"TxTotal", c->mle_tx},
        {"TxErr", c->mle_tx_errors},
        {"TxErrFrameCounterNotPersisted", c->mle_tx_drop_fc_unsaved},
        {"RxTotal", c->mle_rx},
        {"RxErrSecReplay", c->mle_drop_replay},
        {"RxErrSecMic", c->mle_drop_mic},
        {"SettingsErrors", c->settings_errors},
    };

    print_lines(out, l, sizeof(l) / sizeof(l[0]));
    tnode_frame_counters(n, &fc);
    print_fc(out, fc.mle, fc.mle_saved, fc.refusing);
}

/* `counters mesh` (tbr-node's own, not in the `counters` list OpenThread
 * prints): multi-hop forwarding, its drops by reason, MPL (thread/node.h). */
static void print_mesh(FILE *out, struct tnode *n)
{
    const struct tnode_counters *c = tnode_counters(n);
    const struct mpl_counters *m = tnode_mpl_counters(n);
    const struct cnt_line l[] = {
        {"TxMeshPackets", c->tx_mesh_packets},
        {"TxToBorderRouter", c->tx_to_border_router},
        {"TxErrNoRoute", c->tx_drop_no_route},
        {"RxMeshFrames", c->rx_mesh_frames},
        {"RxMeshLocal", c->rx_mesh_local},
        {"RxMeshRelayed", c->rx_mesh_relayed},
        {"RxErrMeshUnsecured", c->rx_drop_mesh_unsecured},
        {"RxErrMeshParse", c->rx_drop_mesh_parse},
        {"RxErrMeshHopsLeft", c->rx_drop_mesh_hops_left},
        {"RxErrMeshLoop", c->rx_drop_mesh_loop},
        {"RxErrMeshNoRoute", c->rx_drop_mesh_no_route},
        {"TxDstUnreach", c->tx_mesh_dst_unreach},
        {"RxErrMeshNotRouter", c->rx_drop_mesh_not_router},
        {"AddressQueries", c->addr_queries},
        {"AddressQueryTimeouts", c->addr_query_timeouts},
        {"AddressNotifies", c->addr_notifies_sent},
        {"MplTx", c->mpl_tx},
        {"MplRetx", c->mpl_retx},
        {"MplRxNew", m->rx_new},
        {"MplRxErr", c->rx_drop_mpl},
    };

    print_lines(out, l, sizeof(l) / sizeof(l[0]));
}

enum ot_err node_cli_counters_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    if (argc == 0) {
        fprintf(out, "mac\nmle\n");
        return OT_ERR_NONE;
    }
    if (argc > 1)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "mac") == 0)
        print_mac(out, c->node);
    else if (strcmp(argv[0], "mle") == 0)
        print_mle(out, c->node);
    else if (strcmp(argv[0], "mesh") == 0)
        print_mesh(out, c->node);
    else
        return OT_ERR_INVALID_ARGS;
    return OT_ERR_NONE;
}
