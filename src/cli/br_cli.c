/*
 * tbr-agent's command line; see br_cli.h.
 */
#include "cli/br_cli.h"

#include <stdbool.h>
#include <string.h>

#include "br/data_path.h"
#include "br/dns_proxy.h"
#include "br/pm.h"
#include "br/srp_server.h"
#include "dns/srp.h"

static enum ot_err cmd_nat64(struct br_cli *c, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    if (argc == 0)
        return OT_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "enable") == 0 || strcmp(argv[0], "disable") == 0) {
        br_agent_set_nat64_enabled(c->agent, argv[0][0] == 'e', now_ms);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "state") == 0) {
        br_pm_fmt_state(out, br_agent_pm(c->agent));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "cidr") == 0) {
        if (argc == 1)
            return br_pm_fmt_cidr(out, br_agent_pm(c->agent));
        return br_agent_set_cidr(c->agent, argv[1], now_ms);
    }
    if (strcmp(argv[0], "mappings") == 0)
        return br_data_path_fmt_mappings(br_agent_data_path(c->agent), out, now_ms) == 0
                   ? OT_ERR_NONE
                   : OT_ERR_NO_BUFS;
    if (strcmp(argv[0], "counters") == 0) {
        br_data_path_fmt_counters(br_agent_data_path(c->agent), out);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

static enum ot_err cmd_br(struct br_cli *c, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    bool omr;
    unsigned show;
    enum ot_err e;

    (void)now_ms;
    if (argc == 0)
        return OT_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "omrprefix") == 0)
        omr = true;
    else if (strcmp(argv[0], "nat64prefix") == 0)
        omr = false;
    else
        return OT_ERR_INVALID_COMMAND;
    e = br_pm_parse_show(argc - 1, (const char *const *)(argv + 1), &show);
    if (e != OT_ERR_NONE)
        return e;
    return omr ? br_pm_fmt_omrprefix(out, br_agent_pm(c->agent), show)
               : br_pm_fmt_nat64prefix(out, br_agent_pm(c->agent), show);
}

/* `firewall counters` (tbr): the forwarding policy's drops, one
 * "name: packets bytes" line each (docs/security/firewall.md), and how many
 * times the policy was found flushed and put back. */
static enum ot_err cmd_firewall(struct br_cli *c, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct netconf_fw_counters fc;
    struct br_agent_counters ac;
    char err[NETCONF_ERR_MAX];

    (void)now_ms;
    if (argc != 1 || strcmp(argv[0], "counters") != 0)
        return OT_ERR_INVALID_COMMAND;
    br_agent_counters(c->agent, &ac);
    if (br_agent_fw_counters(c->agent, &fc, err, sizeof(err)) != 0) {
        fprintf(out, "unavailable: %s\nreinstalls: %llu\n", err,
                (unsigned long long)ac.fw_reinstalls);
        return OT_ERR_INVALID_STATE;
    }
    for (int i = 0; i < NETCONF_FW_COUNTERS; i++)
        fprintf(out, "%s: %llu packets %llu bytes\n",
                netconf_fw_counter_name((enum netconf_fw_counter)i),
                (unsigned long long)fc.packets[i], (unsigned long long)fc.bytes[i]);
    fprintf(out, "reinstalls: %llu\n", (unsigned long long)ac.fw_reinstalls);
    return OT_ERR_NONE;
}

/* `dns server upstream [enable|disable]` (cli_dns.cpp Process<Cmd("server")>),
 * plus two tbr extensions: `dns server dns64 [enable|disable]` and
 * `dns server counters`. The other `dns` subcommands are the device's
 * (node_cli). */
static enum ot_err cmd_dns_server(struct br_cli *c, int argc, char **argv, uint64_t now_ms,
                                  FILE *out)
{
    bool on, dns64;
    enum ot_err e;

    (void)now_ms;
    if (argc == 0)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "counters") == 0) {
        br_dns_proxy_fmt_counters(br_agent_dns_proxy(c->agent), out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "upstream") == 0)
        dns64 = false;
    else if (strcmp(argv[0], "dns64") == 0)
        dns64 = true;
    else
        return OT_ERR_INVALID_COMMAND;
    if (argc == 1) {
        const struct br_dns_proxy *p = br_agent_dns_proxy(c->agent);

        on = dns64 ? br_dns_proxy_dns64_enabled(p) : br_dns_proxy_upstream_enabled(p);
        fprintf(out, "%s\n", on ? "Enabled" : "Disabled");
        return OT_ERR_NONE;
    }
    e = cli_parse_enable_disable(argv[1], &on);
    if (e != OT_ERR_NONE)
        return e;
    if (dns64)
        br_agent_set_dns64(c->agent, on);
    else
        br_agent_set_dns_upstream(c->agent, on);
    return OT_ERR_NONE;
}

static enum ot_err srp_lease(struct br_cli *c, int argc, char **argv, FILE *out)
{
    uint32_t v[4];

    if (argc == 1) {
        br_srp_server_fmt(br_agent_srp_server(c->agent), BR_SRP_SERVER_VIEW_LEASE, out);
        return OT_ERR_NONE;
    }
    if (argc != 5)
        return OT_ERR_INVALID_ARGS;
    for (int i = 0; i < 4; i++) {
        enum ot_err e = cli_parse_u32(argv[1 + i], &v[i]);

        if (e != OT_ERR_NONE)
            return e;
    }
    return br_agent_srp_set_lease(c->agent, v[0], v[1], v[2], v[3]) ? OT_ERR_NONE
                                                                    : OT_ERR_INVALID_ARGS;
}

/* `srp server state`: OpenThread's strings. */
static const char *srp_state_str(enum br_agent_srp_state s)
{
    switch (s) {
    case BR_AGENT_SRP_DISABLED:
        return "disabled";
    case BR_AGENT_SRP_RUNNING:
        return "running";
    case BR_AGENT_SRP_STOPPED:
        return "stopped";
    }
    return "?";
}

/* `srp server capacity [HOSTS SERVICES]` (tbr): the registry's entries and
 * live limits, or new limits (1..the pool each; InvalidArgs otherwise). */
static enum ot_err srp_capacity(struct br_cli *c, int argc, char **argv, FILE *out)
{
    uint32_t h, s;
    enum ot_err e;

    if (argc == 1) {
        br_srp_server_fmt(br_agent_srp_server(c->agent), BR_SRP_SERVER_VIEW_CAPACITY, out);
        return OT_ERR_NONE;
    }
    if (argc != 3)
        return OT_ERR_INVALID_ARGS;
    e = cli_parse_u32(argv[1], &h);
    if (e == OT_ERR_NONE)
        e = cli_parse_u32(argv[2], &s);
    if (e != OT_ERR_NONE)
        return e;
    return br_agent_srp_set_capacity(c->agent, h, s) ? OT_ERR_NONE : OT_ERR_INVALID_ARGS;
}

/* `srp server ...` (cli_srp_server.cpp): state, enable, disable, host,
 * service, lease, addrmode, seqnum, port, domain; plus `srp server counters`
 * and `srp server capacity` (tbr). The `srp client` commands are the device's (node_cli). */
static enum ot_err cmd_srp_server(struct br_cli *c, int argc, char **argv, uint64_t now_ms,
                                  FILE *out)
{
    if (argc == 0)
        return OT_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "state") == 0) {
        fprintf(out, "%s\n", srp_state_str(br_agent_srp_state(c->agent)));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "enable") == 0 || strcmp(argv[0], "disable") == 0) {
        br_agent_set_srp_enabled(c->agent, argv[0][0] == 'e', now_ms);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "host") == 0 || strcmp(argv[0], "service") == 0) {
        if (argc > 1)
            return OT_ERR_INVALID_ARGS;
        br_srp_server_fmt(
            br_agent_srp_server(c->agent),
            argv[0][0] == 'h' ? BR_SRP_SERVER_VIEW_HOSTS : BR_SRP_SERVER_VIEW_SERVICES, out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "lease") == 0)
        return srp_lease(c, argc, argv, out);
    if (strcmp(argv[0], "addrmode") == 0) {
        if (argc == 1) {
            br_srp_server_fmt(br_agent_srp_server(c->agent), BR_SRP_SERVER_VIEW_ADDRMODE, out);
            return OT_ERR_NONE;
        }
        if (strcmp(argv[1], "unicast") != 0 && strcmp(argv[1], "anycast") != 0)
            return OT_ERR_INVALID_ARGS;
        return br_agent_srp_set_anycast(c->agent, argv[1][0] == 'a') ? OT_ERR_NONE
                                                                     : OT_ERR_INVALID_STATE;
    }
    if (strcmp(argv[0], "seqnum") == 0) {
        uint8_t seq;
        enum ot_err e;

        if (argc == 1) {
            br_srp_server_fmt(br_agent_srp_server(c->agent), BR_SRP_SERVER_VIEW_SEQNUM, out);
            return OT_ERR_NONE;
        }
        e = cli_parse_u8(argv[1], &seq);
        if (e != OT_ERR_NONE)
            return e;
        return br_agent_srp_set_seqnum(c->agent, seq) ? OT_ERR_NONE : OT_ERR_INVALID_STATE;
    }
    if (strcmp(argv[0], "port") == 0) {
        fprintf(out, "%u\n", (unsigned)br_agent_srp_port(c->agent));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "domain") == 0) {
        if (argc > 1) /* one domain: the registry is default.service.arpa. only */
            return OT_ERR_INVALID_STATE;
        fprintf(out, "%s\n", SRP_ZONE_TEXT);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "counters") == 0) {
        br_srp_server_fmt(br_agent_srp_server(c->agent), BR_SRP_SERVER_VIEW_COUNTERS, out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "capacity") == 0)
        return srp_capacity(c, argc, argv, out);
    return OT_ERR_INVALID_COMMAND;
}

/* `rcp version` / `version rcp`: the string the RCP reported
 * (SPINEL_PROP_NCP_VERSION), as OpenThread's CLI prints it. */
static enum ot_err cmd_version_rcp(struct br_cli *c, int argc, char **argv, uint64_t now_ms,
                                   FILE *out)
{
    (void)argv;
    (void)now_ms;
    if (c->rcp.rcp == NULL)
        return OT_ERR_INVALID_COMMAND;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if (rcp_info(c->rcp.rcp)->ncp_version[0] == '\0')
        return OT_ERR_INVALID_STATE; /* never READY yet */
    fprintf(out, "%s\n", rcp_info(c->rcp.rcp)->ncp_version);
    return OT_ERR_NONE;
}

static void fmt_rcp_link(const struct br_cli *c, uint64_t now_ms, FILE *out)
{
    const struct rcp *r = c->rcp.rcp;
    const struct rcp_info *in = rcp_info(r);
    const uint8_t *e = in->eui64;

    fprintf(out, "url: %s\n", c->rcp.url != NULL ? c->rcp.url : "");
    fprintf(out, "state: %s\n", rcp_state_name(rcp_state(r)));
    fprintf(out, "ready for: %llu ms\n", (unsigned long long)rcp_ready_since_ms(r, now_ms));
    fprintf(out, "last error: %s\n", rcp_last_error(r));
    fprintf(out, "version: %s\n", in->ncp_version);
    fprintf(out, "spinel: %u.%u\n", in->protocol_major, in->protocol_minor);
    if (in->has_rcp_api_version)
        fprintf(out, "rcp api: %u (min host %u)\n", in->rcp_api_version,
                in->rcp_min_host_api_version);
    fprintf(out, "radio caps: 0x%04x\n", (unsigned)in->radio_caps);
    fprintf(out, "eui64: %02x%02x%02x%02x%02x%02x%02x%02x\n", e[0], e[1], e[2], e[3], e[4], e[5],
            e[6], e[7]);
}

static void fmt_rcp_counters(const struct br_cli *c, FILE *out)
{
    const struct rcp_counters *k = rcp_counters(c->rcp.rcp);
    const struct {
        const char *name;
        uint64_t v;
    } rows[] = {
        {"link-up", k->link_up},
        {"link-down", k->link_down},
        {"link-resets", k->link_resets},
        {"tx-bytes", k->tx_bytes},
        {"rx-bytes", k->rx_bytes},
        {"tx-spinel-frames", k->tx_spinel_frames},
        {"rx-spinel-frames", k->rx_spinel_frames},
        {"rx-hdlc-fcs-errors", k->rx_hdlc_fcs_errors},
        {"rx-hdlc-too-long", k->rx_hdlc_too_long},
        {"rx-hdlc-too-short", k->rx_hdlc_too_short},
        {"rx-spinel-bad", k->rx_spinel_bad},
        {"rx-spinel-ignored", k->rx_spinel_ignored},
        {"rx-unexpected-tid", k->rx_unexpected_tid},
        {"resets-sent", k->resets_sent},
        {"reset-notifications", k->reset_notifications},
        {"unexpected-resets", k->unexpected_resets},
        {"response-timeouts", k->response_timeouts},
        {"tx-timeouts", k->tx_timeouts},
        {"restores", k->restores},
        {"errors-status", k->errors_status},
        {"tx-frames", k->tx_frames},
        {"tx-ok", k->tx_ok},
        {"tx-no-ack", k->tx_no_ack},
        {"tx-channel-access-fail", k->tx_channel_access_fail},
        {"tx-aborted", k->tx_aborted},
        {"tx-errors", k->tx_errors},
        {"tx-not-ready", k->tx_not_ready},
        {"rx-frames", k->rx_frames},
        {"rx-drop-no-handler", k->rx_drop_no_handler},
        {"rx-drop-bad-frame", k->rx_drop_bad_frame},
        {"rx-drop-rx-error", k->rx_drop_rx_error},
    };

    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        fprintf(out, "%s: %llu\n", rows[i].name, (unsigned long long)rows[i].v);
    if (c->rcp.fmt_link != NULL)
        c->rcp.fmt_link(c->rcp.user, out);
}

/* `rcp version | link | counters` (see br_cli.h). */
static enum ot_err cmd_rcp(struct br_cli *c, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    if (c->rcp.rcp == NULL || argc == 0)
        return OT_ERR_INVALID_COMMAND;
    if (strcmp(argv[0], "version") == 0)
        return cmd_version_rcp(c, argc - 1, argv + 1, now_ms, out);
    if (argc != 1)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "link") == 0) {
        fmt_rcp_link(c, now_ms, out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "counters") == 0) {
        fmt_rcp_counters(c, out);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

/* `scan energy [duration] [channel]` (cli.cpp Process<Cmd("scan")>): the
 * table header now, a row per channel as the RCP reports it, "Done" at the
 * end; the CLI is pending meanwhile. OpenThread's default duration is the
 * MAC's 300 ms per channel (mac.hpp kScanDurationDefault). */
#define BR_CLI_SCAN_MS_DEFAULT 300

static void scan_result(void *user, uint8_t channel, int8_t max_rssi, bool done)
{
    struct br_cli *c = user;

    if (!done) {
        if (c->scan_out != NULL)
            fprintf(c->scan_out, "| %2u | %4d |\n", channel, max_rssi);
        return;
    }
    c->scan_active = false;
    if (c->scan_out == NULL)
        return;
    cli_print_result(c->scan_out, OT_ERR_NONE);
    c->scan_out = NULL;
    c->node.pending = false;
    if (c->node.on_finish != NULL)
        c->node.on_finish(c->node.user);
}

static enum ot_err cmd_scan_energy(struct br_cli *c, int argc, char **argv, uint64_t now_ms,
                                   FILE *out)
{
    uint16_t ms = BR_CLI_SCAN_MS_DEFAULT;
    uint32_t mask = 0xffffffffu;
    uint8_t ch;
    enum ot_err e;

    if (c->rcp.rcp == NULL)
        return OT_ERR_INVALID_STATE; /* the sim radio has no energy detection */
    if (argc > 2)
        return OT_ERR_INVALID_ARGS;
    if (argc >= 1) {
        e = cli_parse_u16(argv[0], &ms);
        if (e != OT_ERR_NONE)
            return e;
        if (ms == 0)
            ms = BR_CLI_SCAN_MS_DEFAULT;
    }
    if (argc == 2) {
        e = cli_parse_u8(argv[1], &ch);
        if (e != OT_ERR_NONE)
            return e;
        if (ch >= 32)
            return OT_ERR_INVALID_ARGS;
        mask = 1u << ch;
    }
    if (c->scan_active)
        return OT_ERR_BUSY;
    fprintf(out, "| Ch | RSSI |\n+----+------+\n");
    c->scan_out = out;
    c->scan_active = true;
    if (rcp_energy_scan(c->rcp.rcp, mask, ms, scan_result, c, now_ms) != 0) {
        c->scan_active = false;
        c->scan_out = NULL;
        return rcp_state(c->rcp.rcp) != RCP_STATE_READY ? OT_ERR_INVALID_STATE
                                                        : OT_ERR_INVALID_ARGS;
    }
    c->node.pending = true;
    return OT_ERR_PENDING;
}

/* The one command table: name, and the second word when the device's
 * command of that name keeps its other subcommands (`dns`, `srp`). */
const struct br_cli_cmd br_cli_commands[] = {
    {"br", NULL, cmd_br},
    {"dns", "server", cmd_dns_server},
    {"firewall", NULL, cmd_firewall},
    {"nat64", NULL, cmd_nat64},
    {"rcp", NULL, cmd_rcp},
    {"scan", "energy", cmd_scan_energy},
    {"srp", "server", cmd_srp_server},
    {"version", "rcp", cmd_version_rcp},
    {NULL, NULL, NULL},
};

void br_cli_init(struct br_cli *c, struct br_agent *agent, const struct br_cli_rcp *rcp)
{
    memset(c, 0, sizeof(*c));
    c->agent = agent;
    if (rcp != NULL)
        c->rcp = *rcp;
    node_cli_init(&c->node, br_agent_node(agent));
}

void br_cli_detach(struct br_cli *c)
{
    c->scan_out = NULL;
    node_cli_detach(&c->node);
}

/* `help`: the names of both tables, merged in order, each once. */
static void print_help(FILE *out)
{
    const struct cli_cmd *x = node_cli_commands;
    const struct br_cli_cmd *y = br_cli_commands;

    while (x->name != NULL || y->name != NULL) {
        int d = y->name == NULL ? -1 : x->name == NULL ? 1 : strcmp(x->name, y->name);

        fprintf(out, "%s\n", d <= 0 ? x->name : y->name);
        if (d <= 0)
            x++;
        if (d >= 0)
            y++;
    }
}

static const struct br_cli_cmd *lookup(const struct cli_line *ln)
{
    for (const struct br_cli_cmd *cmd = br_cli_commands; cmd->name != NULL; cmd++)
        if (strcmp(ln->argv[0], cmd->name) == 0 &&
            (cmd->sub == NULL || (ln->argc >= 2 && strcmp(ln->argv[1], cmd->sub) == 0)))
            return cmd;
    return NULL;
}

enum ot_err br_cli_run_line(struct br_cli *c, const char *line, uint64_t now_ms, FILE *out)
{
    struct cli_line ln;
    const struct br_cli_cmd *cmd;
    int skip;
    enum ot_err e;

    if (node_cli_pending(&c->node) || cli_tokenize(line, &ln) != OT_ERR_NONE || ln.argc == 0)
        return node_cli_run_line(&c->node, line, now_ms, out);
    if (strcmp(ln.argv[0], "help") == 0) {
        print_help(out);
        cli_print_result(out, OT_ERR_NONE);
        return OT_ERR_NONE;
    }
    cmd = lookup(&ln);
    if (cmd == NULL)
        return node_cli_run_line(&c->node, line, now_ms, out);
    skip = cmd->sub != NULL ? 2 : 1;
    e = cmd->fn(c, ln.argc - skip, ln.argv + skip, now_ms, out);
    cli_print_result(out, e);
    return e;
}
