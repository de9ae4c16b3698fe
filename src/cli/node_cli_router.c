/*
 * The router-role commands of the device CLI (see node_cli_priv.h), in
 * OpenThread's formats and with its argument checks (src/cli/cli.cpp
 * Process<Cmd("router")>, "neighbor", "routerselectionjitter",
 * "routerupgradethreshold", "routerdowngradethreshold", "routereligible",
 * "leaderweight", "partitionid", "childmax", "eidcache"; the getters and
 * setters go through cli_utils.hpp's ProcessGetSet / ProcessEnableDisable:
 * a getter refuses arguments, a setter takes exactly one number of the
 * setting's width). The node side is thread/node.h's "router role"
 * section.
 */
#include <inttypes.h>
#include <string.h>

#include "cli/node_cli_priv.h"
#include "thread/router_table.h"

/* Every neighbour of a full table: 64 children and 32 routers. */
#define NR_MAX_NEIGHBORS 96

/* ---- ProcessGetSet ------------------------------------------------------- */

/* ProcessGet refuses any argument with InvalidArgs, ProcessGetSet then
 * takes one. */
static enum ot_err set_u8(struct node_cli *c, int argc, char **argv,
                          void (*set)(struct tnode *, uint8_t))
{
    uint8_t v;
    enum ot_err e = cli_parse_u8(argv[0], &v);

    if (e != OT_ERR_NONE)
        return e;
    if (argc > 1)
        return OT_ERR_INVALID_ARGS;
    set(c->node, v);
    return OT_ERR_NONE;
}

static enum ot_err get_set_u8(void *ctx, int argc, char **argv, FILE *out,
                              uint8_t (*get)(const struct tnode *),
                              void (*set)(struct tnode *, uint8_t))
{
    struct node_cli *c = node_cli_of(ctx);

    if (argc == 0) {
        fprintf(out, "%u\n", (unsigned)get(c->node));
        return OT_ERR_NONE;
    }
    return set_u8(c, argc, argv, set);
}

enum ot_err node_cli_router_routerselectionjitter(void *ctx, int argc, char **argv, uint64_t now_ms,
                                                  FILE *out)
{
    (void)now_ms;
    return get_set_u8(ctx, argc, argv, out, tnode_router_selection_jitter,
                      tnode_set_router_selection_jitter);
}

enum ot_err node_cli_router_routerupgradethreshold(void *ctx, int argc, char **argv,
                                                   uint64_t now_ms, FILE *out)
{
    (void)now_ms;
    return get_set_u8(ctx, argc, argv, out, tnode_router_upgrade_threshold,
                      tnode_set_router_upgrade_threshold);
}

enum ot_err node_cli_router_routerdowngradethreshold(void *ctx, int argc, char **argv,
                                                     uint64_t now_ms, FILE *out)
{
    (void)now_ms;
    return get_set_u8(ctx, argc, argv, out, tnode_router_downgrade_threshold,
                      tnode_set_router_downgrade_threshold);
}

enum ot_err node_cli_router_leaderweight(void *ctx, int argc, char **argv, uint64_t now_ms,
                                         FILE *out)
{
    (void)now_ms;
    return get_set_u8(ctx, argc, argv, out, tnode_leader_weight, tnode_set_leader_weight);
}

/* `routereligible [enable|disable]`: ProcessEnableDisable (further
 * arguments are not looked at; anything else is InvalidCommand). */
enum ot_err node_cli_router_routereligible(void *ctx, int argc, char **argv, uint64_t now_ms,
                                           FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    bool on;

    if (argc == 0) {
        fputs(tnode_router_eligible(c->node) ? "Enabled\n" : "Disabled\n", out);
        return OT_ERR_NONE;
    }
    if (cli_parse_enable_disable(argv[0], &on) != OT_ERR_NONE)
        return OT_ERR_INVALID_COMMAND;
    return tnode_set_router_eligible(c->node, on, now_ms);
}

/* `partitionid` and `partitionid preferred [id]` (the latter a reference
 * device command in OpenThread); anything else is InvalidCommand. */
enum ot_err node_cli_router_partitionid(void *ctx, int argc, char **argv, uint64_t now_ms,
                                        FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint32_t id;
    enum ot_err e;

    (void)now_ms;
    if (argc == 0) {
        fprintf(out, "%" PRIu32 "\n", tnode_partition_id(c->node));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "preferred") != 0)
        return OT_ERR_INVALID_COMMAND;
    if (argc == 1) {
        fprintf(out, "%" PRIu32 "\n", tnode_preferred_partition_id(c->node));
        return OT_ERR_NONE;
    }
    e = cli_parse_u32(argv[1], &id);
    if (e != OT_ERR_NONE)
        return e;
    if (argc > 2)
        return OT_ERR_INVALID_ARGS;
    tnode_set_preferred_partition_id(c->node, id);
    return OT_ERR_NONE;
}

/* `childmax [n]`: a failable uint16 setter (ChildTable::SetMaxChildrenAllowed). */
enum ot_err node_cli_router_childmax(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint16_t v;
    enum ot_err e;

    (void)now_ms;
    if (argc == 0) {
        fprintf(out, "%u\n", (unsigned)tnode_child_max(c->node));
        return OT_ERR_NONE;
    }
    e = cli_parse_u16(argv[0], &v);
    if (e != OT_ERR_NONE)
        return e;
    if (argc > 1)
        return OT_ERR_INVALID_ARGS;
    return tnode_set_child_max(c->node, v);
}

/* ---- router / neighbor ---------------------------------------------------- */

/* `router table|list|<id>`: <id> is a router ID or a router RLOC16
 * (ParseAsUint16, then otThreadGetRouterInfo's InvalidArgs / NotFound). */
enum ot_err node_cli_router_router(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    const struct router_table *rt = tnode_router_table(node_cli_of(ctx)->node);
    struct router_table_info info;
    uint16_t id;
    enum ot_err e;

    if (argc > 0 && strcmp(argv[0], "table") == 0) {
        router_table_fmt_table(out, rt, now_ms);
        return OT_ERR_NONE;
    }
    if (argc > 0 && strcmp(argv[0], "list") == 0) {
        router_table_fmt_list(out, rt);
        return OT_ERR_NONE;
    }
    e = cli_parse_u16(argc > 0 ? argv[0] : NULL, &id);
    if (e != OT_ERR_NONE)
        return e;
    e = router_table_info(rt, id, now_ms, &info);
    if (e != OT_ERR_NONE)
        return e;
    router_table_fmt_router(out, &info);
    return OT_ERR_NONE;
}

static const char *const neighbor_titles[] = {
    "Role", "RLOC16", "Age", "Avg RSSI", "Last RSSI", "R", "D", "N", "Extended MAC", "Version",
};
static const uint8_t neighbor_widths[] = {6, 8, 5, 10, 11, 1, 1, 1, 18, 9};

void node_cli_router_print_neighbors(FILE *out, const struct tnode_neighbor_info *nb, size_t n)
{
    cli_table_header(out, sizeof(neighbor_titles) / sizeof(neighbor_titles[0]), neighbor_titles,
                     neighbor_widths);
    for (size_t i = 0; i < n; i++) {
        const struct tnode_neighbor_info *x = &nb[i];

        fprintf(out, "| %3c  ", x->is_child ? 'C' : 'R');
        fprintf(out, "| 0x%04x ", (unsigned)x->rloc16);
        fprintf(out, "| %3" PRIu32 " ", x->age_s);
        fprintf(out, "| %8d ", (int)x->avg_rssi);
        fprintf(out, "| %9d ", (int)x->last_rssi);
        fprintf(out, "|%1d", (x->mode & TNODE_MODE_RX_ON) ? 1 : 0);
        fprintf(out, "|%1d", (x->mode & TNODE_MODE_FTD) ? 1 : 0);
        fprintf(out, "|%1d", (x->mode & TNODE_MODE_FULL_NETDATA) ? 1 : 0);
        fputs("| ", out);
        cli_print_hex(out, x->ext, 8);
        fprintf(out, " | %7d |\n", (int)x->version);
    }
    fputc('\n', out); /* OutputNewLine() after the rows, as `router table` */
}

/* `neighbor table|list`; OpenThread's linkquality / conntime / other
 * sub-commands are not built (NotImplemented); anything else InvalidArgs. */
enum ot_err node_cli_router_neighbor(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct tnode_neighbor_info nb[NR_MAX_NEIGHBORS];
    size_t n;

    if (argc == 0)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "linkquality") == 0 || strcmp(argv[0], "conntime") == 0)
        return OT_ERR_NOT_IMPLEMENTED;
    if (strcmp(argv[0], "table") != 0 && strcmp(argv[0], "list") != 0)
        return OT_ERR_INVALID_ARGS;
    n = tnode_neighbors(c->node, now_ms, nb, NR_MAX_NEIGHBORS);
    if (n > NR_MAX_NEIGHBORS)
        n = NR_MAX_NEIGHBORS;
    if (strcmp(argv[0], "table") == 0) {
        node_cli_router_print_neighbors(out, nb, n);
        return OT_ERR_NONE;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(out, "0x%04x ", (unsigned)nb[i].rloc16);
    fputc('\n', out);
    return OT_ERR_NONE;
}

/* ---- eidcache --------------------------------------------------------------- */

void node_cli_router_print_eidcache(FILE *out, const struct tnode_eidcache_entry *e)
{
    static const char *const states[] = {"cache", "snoop", "query", "retry"};

    cli_print_ip6(out, e->eid);
    fprintf(out, " %04x", (unsigned)e->rloc16);
    fprintf(out, " %s", e->state < 4 ? states[e->state] : "unknown");
    fprintf(out, " canEvict=%d", e->can_evict ? 1 : 0);
    if (e->state == TNODE_EIDCACHE_CACHED) {
        if (e->valid_last_trans) {
            fprintf(out, " transTime=%" PRIu32 " eid=", e->last_trans_s);
            cli_print_ip6(out, e->ml_eid);
        }
    } else {
        fprintf(out, " timeout=%u", (unsigned)e->timeout_s);
    }
    if (e->state == TNODE_EIDCACHE_RETRY)
        fprintf(out, " retryDelay=%u rampDown=%d", (unsigned)e->retry_s, e->ramp_down ? 1 : 0);
    fputc('\n', out);
}

/* `eidcache` (arguments ignored, as OpenThread). */
enum ot_err node_cli_router_eidcache(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct tnode_eidcache_entry e;
    unsigned it = 0;

    (void)argc;
    (void)argv;
    while (tnode_eidcache_next(c->node, now_ms, &it, &e) == OT_ERR_NONE)
        node_cli_router_print_eidcache(out, &e);
    return OT_ERR_NONE;
}
