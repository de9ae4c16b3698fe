/*
 * tbr-agent's command line; see br_cli.h.
 */
#include "cli/br_cli.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "br/pm.h"
#include "dns/srp.h"
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

/* `dns server upstream [enable|disable]` (cli_dns.cpp Process<Cmd("server")>),
 * plus two tbr extensions: `dns server dns64 [enable|disable]` and
 * `dns server counters`. The other `dns` subcommands are the device's
 * (node_cli). */
static cli_err cmd_dns_server(struct br_cli *c, int argc, char **argv, FILE *out)
{
    bool on, dns64;
    cli_err e;

    if (argc == 0)
        return CLI_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "counters") == 0) {
        const struct dns_server *d = br_agent_dns(c->agent);

        for (int i = 0; i < DNS_SERVER_CNT__COUNT; i++)
            fprintf(out, "%s: %llu\n", dns_server_counter_name((enum dns_server_counter)i),
                    (unsigned long long)dns_server_counter(d, (enum dns_server_counter)i));
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "upstream") == 0)
        dns64 = false;
    else if (strcmp(argv[0], "dns64") == 0)
        dns64 = true;
    else
        return CLI_ERR_INVALID_COMMAND;
    if (argc == 1) {
        on = dns64 ? br_agent_dns64_enabled(c->agent) : br_agent_dns_upstream_enabled(c->agent);
        fprintf(out, "%s\n", on ? "Enabled" : "Disabled");
        return CLI_ERR_NONE;
    }
    e = cli_parse_enable_disable(argv[1], &on);
    if (e != CLI_ERR_NONE)
        return e;
    if (dns64)
        br_agent_set_dns64(c->agent, on);
    else
        br_agent_set_dns_upstream(c->agent, on);
    return CLI_ERR_NONE;
}

static void print_line(void *ctx, const char *line)
{
    fprintf((FILE *)ctx, "%s\n", line);
}

/* `srp server ...` (cli_srp_server.cpp): state, enable, disable, host,
 * service, lease, addrmode, seqnum, port, domain; plus `srp server counters` (tbr). The
 * `srp client` commands are the device's (node_cli). */
static cli_err cmd_srp_server(struct br_cli *c, int argc, char **argv, FILE *out)
{
    struct br_srp_server *srp = br_agent_srp(c->agent);

    if (argc == 0)
        return CLI_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "state") == 0) {
        fprintf(out, "%s\n", br_agent_srp_state_str(br_agent_srp_state(c->agent)));
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "enable") == 0 || strcmp(argv[0], "disable") == 0) {
        br_agent_set_srp_enabled(c->agent, argv[0][0] == 'e', c->now_ms);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "host") == 0 || strcmp(argv[0], "service") == 0) {
        if (argc > 1)
            return CLI_ERR_INVALID_ARGS;
        if (argv[0][0] == 'h')
            srp_fmt_hosts(&srp->reg, print_line, out);
        else
            srp_fmt_services(&srp->reg, print_line, out);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "lease") == 0) {
        uint32_t v[4];

        if (argc == 1) {
            fprintf(out, "min lease: %lu\nmax lease: %lu\nmin key-lease: %lu\nmax key-lease: %lu\n",
                    (unsigned long)srp->reg.min_lease, (unsigned long)srp->reg.max_lease,
                    (unsigned long)srp->reg.min_key_lease, (unsigned long)srp->reg.max_key_lease);
            return CLI_ERR_NONE;
        }
        if (argc != 5)
            return CLI_ERR_INVALID_ARGS;
        for (int i = 0; i < 4; i++) {
            cli_err e = cli_parse_u32(argv[1 + i], &v[i]);

            if (e != CLI_ERR_NONE)
                return e;
        }
        return br_srp_server_set_lease(srp, v[0], v[1], v[2], v[3]) ? CLI_ERR_NONE
                                                                    : CLI_ERR_INVALID_ARGS;
    }
    if (strcmp(argv[0], "addrmode") == 0) {
        if (argc == 1) {
            fprintf(out, "%s\n", srp->anycast ? "anycast" : "unicast");
            return CLI_ERR_NONE;
        }
        if (strcmp(argv[1], "unicast") != 0 && strcmp(argv[1], "anycast") != 0)
            return CLI_ERR_INVALID_ARGS;
        return br_srp_server_set_anycast(srp, argv[1][0] == 'a') ? CLI_ERR_NONE
                                                                 : CLI_ERR_INVALID_STATE;
    }
    if (strcmp(argv[0], "seqnum") == 0) {
        uint8_t seq;
        cli_err e;

        if (argc == 1) {
            fprintf(out, "%u\n", (unsigned)srp->seqnum);
            return CLI_ERR_NONE;
        }
        e = cli_parse_u8(argv[1], &seq);
        if (e != CLI_ERR_NONE)
            return e;
        return br_srp_server_set_seqnum(srp, seq) ? CLI_ERR_NONE : CLI_ERR_INVALID_STATE;
    }
    /* the port devices use: 53 on the anycast address (OpenThread kAnycastAddressModePort) */
    if (strcmp(argv[0], "port") == 0) {
        fprintf(out, "%u\n", srp->anycast ? 53u : (unsigned)BR_AGENT_DNS_SRP_PORT);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "domain") == 0) {
        if (argc > 1) /* one domain: the registry is default.service.arpa. only */
            return CLI_ERR_INVALID_STATE;
        fprintf(out, "%s\n", SRP_ZONE_TEXT);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "counters") == 0) {
        fprintf(out, "rx: %llu\nreplies: %llu\n", (unsigned long long)srp->rx,
                (unsigned long long)srp->replies);
        for (int i = 0; i < SRP_ERR__COUNT; i++)
            fprintf(out, "%s: %llu\n", srp_err_str((enum srp_err)i),
                    (unsigned long long)srp->results[i]);
        for (int i = 0; i < BR_SRP_SERVER_DROP__COUNT; i++)
            fprintf(out, "drop-%s: %llu\n", br_srp_server_drop_name((enum br_srp_server_drop)i),
                    (unsigned long long)srp->drops[i]);
        fprintf(out, "expired: %llu\nsaves: %llu\nsave-errors: %llu\nload-errors: %llu\n",
                (unsigned long long)srp->expired, (unsigned long long)srp->saves,
                (unsigned long long)srp->save_errors, (unsigned long long)srp->load_errors);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_COMMAND;
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
    if (strcmp(ln.argv[0], "srp") == 0 && ln.argc >= 2 && strcmp(ln.argv[1], "server") == 0) {
        e = cmd_srp_server(c, ln.argc - 2, ln.argv + 2, out);
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
