/*
 * tbr-agent's command line; see br_cli.h.
 */
#include "cli/br_cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "br/prefix_manager.h"
#include "nat64/nat64.h"
#include "nat64/nat64_fmt.h"

#define MAPPINGS_FIRST 256

static cli_err cmd_nat64_mappings(struct br_cli *c, FILE *out)
{
    struct nat64 *n = br_agent_nat64(c->agent);
    size_t cap = MAPPINGS_FIRST;
    struct nat64_fmt_mapping *m = calloc(cap, sizeof(*m));
    size_t total;

    if (m == NULL)
        return CLI_ERR_NO_BUFS;
    total = nat64_mappings(n, c->now_ms, m, cap);
    if (total > cap) {
        struct nat64_fmt_mapping *bigger = realloc(m, total * sizeof(*m));

        if (bigger == NULL) {
            free(m);
            return CLI_ERR_NO_BUFS;
        }
        m = bigger;
        cap = total;
        total = nat64_mappings(n, c->now_ms, m, cap);
        if (total > cap)
            total = cap;
    }
    nat64_fmt_mappings(out, m, total);
    free(m);
    return CLI_ERR_NONE;
}

static cli_err cmd_nat64(void *ctx, int argc, char **argv, FILE *out)
{
    struct br_cli *c = ctx;
    const struct br_pm *pm = br_agent_pm(c->agent);

    if (argc == 0)
        return CLI_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "enable") == 0 || strcmp(argv[0], "disable") == 0) {
        br_agent_set_nat64_enabled(c->agent, argv[0][0] == 'e', c->now_ms);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "state") == 0) {
        br_pm_fmt_state(out, pm);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "cidr") == 0) {
        if (argc == 1)
            return (cli_err)br_pm_fmt_cidr(out, pm);
        return (cli_err)br_agent_set_cidr(c->agent, argv[1], c->now_ms);
    }
    if (strcmp(argv[0], "mappings") == 0)
        return cmd_nat64_mappings(c, out);
    if (strcmp(argv[0], "counters") == 0) {
        struct nat64_fmt_counters ctr;

        br_agent_nat64_counters(c->agent, &ctr);
        nat64_fmt_counters(out, &ctr);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_COMMAND;
}

static cli_err cmd_br(void *ctx, int argc, char **argv, FILE *out)
{
    struct br_cli *c = ctx;
    const struct br_pm *pm = br_agent_pm(c->agent);
    bool omr;
    unsigned show;
    enum br_pm_err e;

    if (argc == 0)
        return CLI_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "omrprefix") == 0)
        omr = true;
    else if (strcmp(argv[0], "nat64prefix") == 0)
        omr = false;
    else
        return CLI_ERR_INVALID_COMMAND;
    e = br_pm_parse_show(argc - 1, (const char *const *)(argv + 1), &show);
    if (e != BR_PM_OK)
        return (cli_err)e;
    e = omr ? br_pm_fmt_omrprefix(out, pm, show) : br_pm_fmt_nat64prefix(out, pm, show);
    return (cli_err)e;
}

/* `dns server upstream [enable|disable]` (cli_dns.cpp Process<Cmd("server")>);
 * the other `dns` subcommands are the device's (node_cli). */
static cli_err cmd_dns_server(struct br_cli *c, int argc, char **argv, FILE *out)
{
    bool on;
    cli_err e;

    if (argc == 0)
        return CLI_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "upstream") != 0)
        return CLI_ERR_INVALID_COMMAND;
    if (argc == 1) {
        fprintf(out, "%s\n", br_agent_dns_upstream_enabled(c->agent) ? "Enabled" : "Disabled");
        return CLI_ERR_NONE;
    }
    e = cli_parse_enable_disable(argv[1], &on);
    if (e != CLI_ERR_NONE)
        return e;
    br_agent_set_dns_upstream(c->agent, on);
    return CLI_ERR_NONE;
}

const struct cli_cmd br_cli_commands[] = {
    {"br", cmd_br, NULL},
    {"nat64", cmd_nat64, NULL},
    {NULL, NULL, NULL},
};

void br_cli_init(struct br_cli *c, struct br_agent *agent)
{
    memset(c, 0, sizeof(*c));
    c->agent = agent;
    node_cli_init(&c->node, br_agent_node(agent));
}

/* `help`: the names of both tables, merged in order. */
static void print_help(FILE *out)
{
    const struct cli_cmd *x = node_cli_commands, *y = br_cli_commands;

    while (x->name != NULL || y->name != NULL) {
        if (y->name == NULL || (x->name != NULL && strcmp(x->name, y->name) < 0)) {
            fprintf(out, "%s\n", x->name);
            x++;
        } else {
            fprintf(out, "%s\n", y->name);
            y++;
        }
    }
}

cli_err br_cli_run_line(struct br_cli *c, const char *line, uint64_t now_ms, FILE *out)
{
    struct cli_line ln;
    cli_err e;

    c->now_ms = now_ms;
    if (node_cli_pending(&c->node))
        return node_cli_run_line(&c->node, line, now_ms, out);
    if (cli_tokenize(line, &ln) != CLI_ERR_NONE || ln.argc == 0)
        return node_cli_run_line(&c->node, line, now_ms, out);
    if (strcmp(ln.argv[0], "help") == 0) {
        print_help(out);
        cli_print_result(out, CLI_ERR_NONE);
        return CLI_ERR_NONE;
    }
    if (strcmp(ln.argv[0], "dns") == 0 && ln.argc >= 2 && strcmp(ln.argv[1], "server") == 0) {
        e = cmd_dns_server(c, ln.argc - 2, ln.argv + 2, out);
        cli_print_result(out, e);
        return e;
    }
    for (const struct cli_cmd *cmd = br_cli_commands; cmd->name != NULL; cmd++) {
        if (strcmp(ln.argv[0], cmd->name) == 0) {
            e = cmd->fn(c, ln.argc - 1, ln.argv + 1, out);
            cli_print_result(out, e);
            return e;
        }
    }
    return node_cli_run_line(&c->node, line, now_ms, out);
}
