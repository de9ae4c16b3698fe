/*
 * Shared by the files of the device CLI (node_cli.c, node_cli_dataset.c,
 * node_cli_srp.c, node_cli_counters.c, node_cli_macfilter.c, node_cli_router.c): not for
 * other modules.
 */
#ifndef TBR_CLI_NODE_CLI_PRIV_H
#define TBR_CLI_NODE_CLI_PRIV_H

#include <stdio.h>

#include "cli/cli.h"
#include "cli/node_cli.h"

/* Handlers take a struct node_cli * as ctx. */
static inline struct node_cli *node_cli_of(void *ctx)
{
    return ctx;
}

/* `counters [mac|mle]` (cli.cpp ProcessCounters). */
enum ot_err node_cli_counters_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
/* `dataset ...` (cli_dataset.cpp). */
enum ot_err node_cli_dataset_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
/* `macfilter ...` (cli_mac_filter.cpp). */
enum ot_err node_cli_macfilter_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
/* `srp client ...` (cli_srp_client.cpp); InvalidCommand without c->srp. */
enum ot_err node_cli_srp_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);

/* Router-role commands (node_cli_router.c, cli.cpp): `childmax`, `eidcache`,
 * `leaderweight`, `neighbor table|list`, `partitionid [preferred [id]]`,
 * `router table|list|<id>`, `routerdowngradethreshold`, `routereligible`,
 * `routerselectionjitter`, `routerupgradethreshold`. */
enum ot_err node_cli_router_childmax(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
enum ot_err node_cli_router_eidcache(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
enum ot_err node_cli_router_leaderweight(void *ctx, int argc, char **argv, uint64_t now_ms,
                                         FILE *out);
enum ot_err node_cli_router_neighbor(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
enum ot_err node_cli_router_partitionid(void *ctx, int argc, char **argv, uint64_t now_ms,
                                        FILE *out);
enum ot_err node_cli_router_router(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
enum ot_err node_cli_router_routerdowngradethreshold(void *ctx, int argc, char **argv,
                                                     uint64_t now_ms, FILE *out);
enum ot_err node_cli_router_routereligible(void *ctx, int argc, char **argv, uint64_t now_ms,
                                           FILE *out);
enum ot_err node_cli_router_routerselectionjitter(void *ctx, int argc, char **argv, uint64_t now_ms,
                                                  FILE *out);
enum ot_err node_cli_router_routerupgradethreshold(void *ctx, int argc, char **argv,
                                                   uint64_t now_ms, FILE *out);

#endif
