/*
 * The device CLI's `srp client` commands (OpenThread's cli_srp_client.cpp)
 * over the node's SRP client (node_cli.srp, see svc/srp_node.h).
 */
#include <inttypes.h>
#include <string.h>

#include "cli/node_cli_priv.h"
#include "dns/srp_client.h"
#include "util/addr.h"

/* ---- srp client (cli_srp_client.cpp) ------------------------------------------- */

static enum ot_err from_srp(enum srp_client_err e)
{
    switch (e) {
    case SRP_CLIENT_ERR_OK:
        return OT_ERR_NONE;
    case SRP_CLIENT_ERR_INVALID_ARGS:
        return OT_ERR_INVALID_ARGS;
    case SRP_CLIENT_ERR_INVALID_STATE:
        return OT_ERR_INVALID_STATE;
    case SRP_CLIENT_ERR_ALREADY:
        return OT_ERR_ALREADY;
    case SRP_CLIENT_ERR_NOT_FOUND:
        return OT_ERR_NOT_FOUND;
    case SRP_CLIENT_ERR_NO_BUFS:
        return OT_ERR_NO_BUFS;
    case SRP_CLIENT_ERR_BUSY:
        return OT_ERR_BUSY;
    default:
        return OT_ERR_FAILED;
    }
}

static void srp_print_line(void *ctx, const char *line)
{
    fprintf(ctx, "%s\n", line);
}

static void print_enabled(FILE *out, bool on)
{
    fprintf(out, "%s\n", on ? "Enabled" : "Disabled");
}

static enum ot_err cmd_srpc_autostart(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    bool on;
    enum ot_err e;

    if (argc == 0) {
        print_enabled(out, c->srp->autostart);
        return OT_ERR_NONE;
    }
    if ((e = cli_parse_enable_disable(argv[0], &on)) != OT_ERR_NONE)
        return e;
    srp_client_set_autostart(c->srp, on, now_ms);
    return OT_ERR_NONE;
}

static enum ot_err cmd_srpc_host(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct srp_client *sc = c->srp;
    char buf[ADDR_STR6];

    if (argc == 0) {
        srp_client_fmt_host(sc, srp_print_line, out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "name") == 0) {
        if (argc == 1) {
            fprintf(out, "%s\n", sc->host_name[0] != '\0' ? sc->host_name : "(null)");
            return OT_ERR_NONE;
        }
        if (argc > 2)
            return OT_ERR_INVALID_ARGS;
        return from_srp(srp_client_set_host_name(sc, argv[1], now_ms));
    }
    if (strcmp(argv[0], "state") == 0) {
        if (argc != 1)
            return OT_ERR_INVALID_ARGS;
        fprintf(out, "%s\n", srp_client_item_state_str(sc->host_state));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "address") == 0) {
        uint8_t addrs[SRP_CLIENT_MAX_ADDRS][16];
        unsigned n = 0;
        enum ot_err e;

        if (argc == 1) {
            if (sc->auto_addr) {
                fprintf(out, "auto\n");
            } else {
                for (unsigned i = 0; i < sc->naddrs; i++)
                    fprintf(out, "%s\n", addr_fmt6_ot(sc->addrs[i], buf));
            }
            return OT_ERR_NONE;
        }
        if (strcmp(argv[1], "auto") == 0)
            return from_srp(srp_client_set_auto_addr(sc, now_ms));
        for (int i = 1; i < argc; i++) {
            if (n >= SRP_CLIENT_MAX_ADDRS)
                return OT_ERR_NO_BUFS;
            if ((e = cli_parse_ip6(argv[i], addrs[n])) != OT_ERR_NONE)
                return e;
            n++;
        }
        return from_srp(srp_client_set_addrs(sc, (const uint8_t(*)[16])addrs, n, now_ms));
    }
    if (strcmp(argv[0], "remove") == 0) {
        bool remove_key = false, send_unreg = false;
        enum ot_err e;

        if (argc > 3)
            return OT_ERR_INVALID_ARGS;
        if (argc >= 2 && (e = cli_parse_bool(argv[1], &remove_key)) != OT_ERR_NONE)
            return e;
        if (argc >= 3 && (e = cli_parse_bool(argv[2], &send_unreg)) != OT_ERR_NONE)
            return e;
        return from_srp(srp_client_remove_host(sc, remove_key, send_unreg, now_ms));
    }
    if (strcmp(argv[0], "clear") == 0) {
        if (argc != 1)
            return OT_ERR_INVALID_ARGS;
        srp_client_clear_host(sc, now_ms);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

/* ProcessGetSet: no argument prints, one sets, more is InvalidArgs. */
static enum ot_err srpc_get_set(struct node_cli *c, int argc, char **argv, FILE *out, uint32_t cur,
                                void (*set)(struct srp_client *, uint32_t))
{
    uint32_t v;
    enum ot_err e;

    if (argc == 0) {
        fprintf(out, "%" PRIu32 "\n", cur);
        return OT_ERR_NONE;
    }
    if ((e = cli_parse_u32(argv[0], &v)) != OT_ERR_NONE)
        return e;
    if (argc > 1)
        return OT_ERR_INVALID_ARGS;
    set(c->srp, v);
    return OT_ERR_NONE;
}

static void srpc_set_ttl(struct srp_client *sc, uint32_t v)
{
    sc->ttl = v;
}

static enum ot_err cmd_srpc_keyleaseinterval(void *ctx, int argc, char **argv, uint64_t now_ms,
                                             FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    return srpc_get_set(c, argc, argv, out, c->srp->key_lease, srp_client_set_key_lease);
}

static enum ot_err cmd_srpc_leaseinterval(void *ctx, int argc, char **argv, uint64_t now_ms,
                                          FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    return srpc_get_set(c, argc, argv, out, c->srp->lease, srp_client_set_lease);
}

static enum ot_err cmd_srpc_ttl(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    return srpc_get_set(c, argc, argv, out, c->srp->ttl, srpc_set_ttl);
}

static enum ot_err cmd_srpc_server(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    char buf[ADDR_STR6];

    (void)now_ms;
    /* otSrpClientGetServerAddress: all zero and port 0 while stopped */
    if (argc == 0) {
        fprintf(out, "[%s]:%u\n", addr_fmt6_ot(c->srp->server, buf), (unsigned)c->srp->server_port);
        return OT_ERR_NONE;
    }
    if (argc > 1)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "address") == 0)
        fprintf(out, "%s\n", addr_fmt6_ot(c->srp->server, buf));
    else if (strcmp(argv[0], "port") == 0)
        fprintf(out, "%u\n", (unsigned)c->srp->server_port);
    else
        return OT_ERR_INVALID_COMMAND;
    return OT_ERR_NONE;
}

static enum ot_err cmd_srpc_service(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct srp_client *sc = c->srp;
    enum ot_err e;

    if (argc == 0) {
        srp_client_fmt_services(sc, srp_print_line, out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "add") == 0) {
        /* add <instance> <service> <port> [priority] [weight] [txt] */
        uint16_t port, prio = 0, weight = 0;
        uint8_t txt[SRP_CLIENT_TXT_MAX];
        size_t txt_len = 0;

        if ((e = cli_parse_u16(argc > 3 ? argv[3] : NULL, &port)) != OT_ERR_NONE)
            return e;
        if (argc > 4 && (e = cli_parse_u16(argv[4], &prio)) != OT_ERR_NONE)
            return e;
        if (argc > 5 && (e = cli_parse_u16(argv[5], &weight)) != OT_ERR_NONE)
            return e;
        if (argc > 6 && strcmp(argv[6], "-") != 0 &&
            (e = cli_parse_hex_upto(argv[6], txt, sizeof(txt), &txt_len)) != OT_ERR_NONE)
            return e;
        if (argc > 7)
            return OT_ERR_INVALID_ARGS; /* per-service lease/key lease: not kept */
        return from_srp(srp_client_add_service(sc, argv[1], argv[2], port, prio, weight, txt,
                                               (uint16_t)txt_len, now_ms));
    }
    if (strcmp(argv[0], "remove") == 0 || strcmp(argv[0], "clear") == 0) {
        if (argc != 3)
            return OT_ERR_INVALID_ARGS;
        return from_srp(
            srp_client_remove_service(sc, argv[1], argv[2], strcmp(argv[0], "clear") == 0, now_ms));
    }
    return OT_ERR_INVALID_COMMAND;
}

static enum ot_err cmd_srpc_start(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    enum ot_err e;

    (void)out;
    if ((e = cli_parse_ip6(argc > 0 ? argv[0] : NULL, addr)) != OT_ERR_NONE)
        return e;
    if ((e = cli_parse_u16(argc > 1 ? argv[1] : NULL, &port)) != OT_ERR_NONE)
        return e;
    if (argc > 2)
        return OT_ERR_INVALID_ARGS;
    return from_srp(srp_client_start(c->srp, addr, port, now_ms));
}

static enum ot_err cmd_srpc_state(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    print_enabled(out, node_cli_of(ctx)->srp->running);
    return OT_ERR_NONE;
}

static enum ot_err cmd_srpc_stop(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)argv;
    (void)out;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    srp_client_stop(c->srp, now_ms);
    return OT_ERR_NONE;
}

static const struct cli_cmd srp_client_commands[] = {
    {"autostart", cmd_srpc_autostart, NULL},
    {"host", cmd_srpc_host, NULL},
    {"keyleaseinterval", cmd_srpc_keyleaseinterval, NULL},
    {"leaseinterval", cmd_srpc_leaseinterval, NULL},
    {"server", cmd_srpc_server, NULL},
    {"service", cmd_srpc_service, NULL},
    {"start", cmd_srpc_start, NULL},
    {"state", cmd_srpc_state, NULL},
    {"stop", cmd_srpc_stop, NULL},
    {"ttl", cmd_srpc_ttl, NULL},
    {NULL, NULL, NULL},
};

static const struct cli_cmd srp_commands[] = {
    {"client", NULL, srp_client_commands},
    {NULL, NULL, NULL},
};

enum ot_err node_cli_srp_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    if (node_cli_of(ctx)->srp == NULL)
        return OT_ERR_INVALID_COMMAND;
    return cli_dispatch(srp_commands, ctx, argc, argv, now_ms, out);
}
