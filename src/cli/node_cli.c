/*
 * The device CLI over struct tnode; see node_cli.h. Argument rules and
 * output strings follow OpenThread's src/cli (cli.cpp, cli_network_data.cpp,
 * cli_ping.cpp, cli_udp.cpp, cli_tcp.cpp, cli_dns.cpp, cli_utils.cpp). It
 * parses and prints: the DNS client, the SRP client and the TCP benchmark
 * are device services (src/svc/); `dataset`, `srp client` and `macfilter`
 * are in node_cli_dataset.c, node_cli_srp.c and node_cli_macfilter.c.
 */
#include "cli/node_cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include "cli/node_cli_priv.h"
#include "util/rfc6052.h"
#include "netdata/netdata.h"
#include "netdata/netdata_fmt.h"
#include "thread/mle_tlv.h"
#include "util/addr.h"

#define MAX_ADDRS 32
#define MAX_CHILDREN 64
/* `child <id>` RSSI: the node does not keep one; OpenThread's simulation
 * radio reports -20 dBm for every frame. */
#define CHILD_RSSI (-20)

/* OpenThread's Timer::kMaxDelay: the longest ping interval accepted. */
#define PING_INTERVAL_MAX ((1UL << 31) - 1)

/* ---- pure helpers ----------------------------------------------------------- */

const char *node_cli_mode_str(uint8_t mode, char buf[4])
{
    char *p = buf;

    if (mode & TNODE_MODE_RX_ON)
        *p++ = 'r';
    if (mode & TNODE_MODE_FTD)
        *p++ = 'd';
    if (mode & TNODE_MODE_FULL_NETDATA)
        *p++ = 'n';
    if (p == buf)
        *p++ = '-';
    *p = '\0';
    return buf;
}

enum ot_err node_cli_parse_mode(const char *s, uint8_t *mode)
{
    uint8_t m = 0;

    if (s == NULL)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(s, "-") != 0) {
        for (; *s != '\0'; s++) {
            switch (*s) {
            case 'r':
                m |= TNODE_MODE_RX_ON;
                break;
            case 'd':
                m |= TNODE_MODE_FTD;
                break;
            case 'n':
                m |= TNODE_MODE_FULL_NETDATA;
                break;
            default:
                return OT_ERR_INVALID_ARGS;
            }
        }
    }
    *mode = m;
    return OT_ERR_NONE;
}

enum ot_err node_cli_parse_interval(const char *s, uint32_t *ms)
{
    /* PingSender::ParsePingInterval: whole seconds scale by 10 per digit,
     * the fraction adds 100, 10, 1 ms, then 0 (further digits count for
     * nothing). The value wraps in 32 bits as OpenThread's does. */
    const uint32_t ms_factor = 1000;
    uint32_t factor = ms_factor;
    uint32_t v = 0;

    if (s == NULL)
        return OT_ERR_INVALID_ARGS;
    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9') {
            if (factor == ms_factor)
                v *= 10;
            v += (uint32_t)(*s - '0') * factor;
            if (factor != ms_factor)
                factor /= 10;
        } else if (*s == '.') {
            if (factor != ms_factor)
                return OT_ERR_INVALID_ARGS;
            factor /= 10;
        } else {
            return OT_ERR_INVALID_ARGS;
        }
    }
    *ms = v;
    return OT_ERR_NONE;
}

void node_cli_print_ping_reply(FILE *out, const struct tnode_ping_event *ev)
{
    char a[ADDR_STR6];

    fprintf(out, "%u bytes from %s: icmp_seq=%u hlim=%u time=%" PRIu32 "ms\n", (unsigned)ev->size,
            addr_fmt6_ot(ev->from, a), (unsigned)ev->seq, (unsigned)ev->hop_limit, ev->rtt_ms);
}

void node_cli_print_ping_stats(FILE *out, const struct tnode_ping_event *ev, bool multicast)
{
    fprintf(out, "%" PRIu32 " packets transmitted, %" PRIu32 " packets received.", ev->sent,
            ev->received);
    if (ev->sent != 0 && !multicast && ev->received <= ev->sent) {
        uint32_t loss = (uint32_t)(1000ULL * (ev->sent - ev->received) / ev->sent);

        fprintf(out, " Packet loss = %" PRIu32 ".%u%%.", loss / 10, (unsigned)(loss % 10));
    }
    if (ev->received != 0) {
        /* OpenThread: 1000 * total_ms / received, printed as ms.mmm. */
        uint64_t avg = ev->rtt_sum_us / ev->received;

        fprintf(out, " Round-trip min/avg/max = %" PRIu32 "/%u.%03u/%" PRIu32 " ms.",
                ev->rtt_min_ms, (unsigned)(avg / 1000), (unsigned)(avg % 1000), ev->rtt_max_ms);
    }
    fputc('\n', out);
}

static const char *const child_titles[] = {
    "ID", "RLOC16", "Timeout", "Age", "LQ In",   "C_VN",    "R",
    "D",  "N",      "Ver",     "CSL", "QMsgCnt", "Suprvsn", "Extended MAC",
};
static const uint8_t child_widths[] = {5, 8, 12, 12, 7, 6, 1, 1, 1, 3, 3, 7, 7, 18};

void node_cli_print_child_table(FILE *out, const struct tnode_child_info *ch, size_t n,
                                uint8_t netdata_version)
{
    cli_table_header(out, sizeof(child_titles) / sizeof(child_titles[0]), child_titles,
                     child_widths);
    for (size_t i = 0; i < n; i++) {
        const struct tnode_child_info *c = &ch[i];

        fprintf(out, "| %3u ", (unsigned)c->id);
        fprintf(out, "| 0x%04x ", (unsigned)c->rloc16);
        fprintf(out, "| %10" PRIu32 " ", c->timeout_s);
        fprintf(out, "| %10" PRIu32 " ", c->age_s);
        fprintf(out, "| %5u ", (unsigned)c->lq_in);
        fprintf(out, "| %4u ", (unsigned)netdata_version);
        fprintf(out, "|%1d", (c->mode & TNODE_MODE_RX_ON) ? 1 : 0);
        fprintf(out, "|%1d", (c->mode & TNODE_MODE_FTD) ? 1 : 0);
        fprintf(out, "|%1d", (c->mode & TNODE_MODE_FULL_NETDATA) ? 1 : 0);
        fprintf(out, "|%3u", (unsigned)c->version);
        fprintf(out, "| %1d ", 0);  /* CSL synchronized: no CSL */
        fprintf(out, "| %5u ", 0u); /* queued messages */
        fprintf(out, "| %5u ", 0u); /* supervision interval */
        fputs("| ", out);
        cli_print_hex(out, c->ext_addr, 8);
        fputs(" |\n", out);
    }
}

void node_cli_print_parent(FILE *out, const struct tnode_parent_info *p)
{
    fputs("Ext Addr: ", out);
    cli_print_hex_line(out, p->ext_addr, 8);
    fprintf(out, "Rloc: %x\n", (unsigned)p->rloc16);
    fprintf(out, "Link Quality In: %u\n", (unsigned)p->link_quality_in);
    fprintf(out, "Link Quality Out: %u\n", (unsigned)p->link_quality_out);
    fprintf(out, "Age: %" PRIu32 "\n", p->age_s);
    fprintf(out, "Version: %u\n", (unsigned)p->version);
}

void node_cli_print_leader_data(FILE *out, const struct tnode_leader_data *ld)
{
    fprintf(out, "Partition ID: %" PRIu32 "\n", ld->partition_id);
    fprintf(out, "Weighting: %u\n", (unsigned)ld->weighting);
    fprintf(out, "Data Version: %u\n", (unsigned)ld->data_version);
    fprintf(out, "Stable Data Version: %u\n", (unsigned)ld->stable_data_version);
    fprintf(out, "Leader Router ID: %u\n", (unsigned)ld->leader_router_id);
}

/* ---- other commands ------------------------------------------------------------- */

static enum ot_err cmd_child(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct tnode_child_info ch[MAX_CHILDREN];
    size_t n;
    bool table;

    if (argc == 0)
        return OT_ERR_INVALID_ARGS; /* ParseAsUint16 of an empty argument */
    table = strcmp(argv[0], "table") == 0;
    if (table || strcmp(argv[0], "list") == 0) {
        n = tnode_children(c->node, now_ms, ch, MAX_CHILDREN);
        if (n > MAX_CHILDREN)
            n = MAX_CHILDREN;
        if (table) {
            struct tnode_leader_data ld;
            uint8_t version = 0;

            if (tnode_leader_data(c->node, &ld) == OT_ERR_NONE)
                version = ld.data_version;
            node_cli_print_child_table(out, ch, n, version);
        } else {
            for (size_t i = 0; i < n; i++)
                fprintf(out, "%u ", (unsigned)ch[i].id);
            fputc('\n', out);
        }
        return OT_ERR_NONE;
    }
    {
        uint16_t id;
        enum ot_err e = cli_parse_u16(argv[0], &id);
        char mode[4];

        if (e != OT_ERR_NONE)
            return e;
        n = tnode_children(c->node, now_ms, ch, MAX_CHILDREN);
        if (n > MAX_CHILDREN)
            n = MAX_CHILDREN;
        for (size_t i = 0; i < n; i++) {
            if (ch[i].id != id)
                continue;
            fprintf(out, "Child ID: %u\n", (unsigned)ch[i].id);
            fprintf(out, "Rloc: %04x\n", (unsigned)ch[i].rloc16);
            fputs("Ext Addr: ", out);
            cli_print_hex_line(out, ch[i].ext_addr, 8);
            /* OpenThread prints the network-data bit from the device type. */
            fprintf(out, "Mode: %s\n",
                    node_cli_mode_str(
                        (uint8_t)((ch[i].mode & (TNODE_MODE_RX_ON | TNODE_MODE_FTD)) |
                                  ((ch[i].mode & TNODE_MODE_FTD) ? TNODE_MODE_FULL_NETDATA : 0)),
                        mode));
            fprintf(out, "CSL Synchronized: %d \n", 0);
            {
                struct tnode_leader_data ld;
                unsigned v = 0;

                if (tnode_leader_data(c->node, &ld) == OT_ERR_NONE)
                    v = ld.data_version;
                fprintf(out, "Net Data: %u\n", v);
            }
            fprintf(out, "Timeout: %" PRIu32 "\n", ch[i].timeout_s);
            fprintf(out, "Age: %" PRIu32 "\n", ch[i].age_s);
            fprintf(out, "Link Quality In: %u\n", (unsigned)ch[i].lq_in);
            fprintf(out, "RSSI: %d\n", CHILD_RSSI);
            fprintf(out, "Supervision Interval: %d\n", 0);
            return OT_ERR_NONE;
        }
        return OT_ERR_NOT_FOUND;
    }
}

static enum ot_err cmd_extaddr(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    uint8_t ext[8];

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_NOT_IMPLEMENTED; /* setting the extended address */
    tnode_ext_addr(node_cli_of(ctx)->node, ext);
    cli_print_hex_line(out, ext, 8);
    return OT_ERR_NONE;
}

static enum ot_err cmd_factoryreset(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)argc;
    (void)argv;
    (void)out;
    tnode_factoryreset(c->node, now_ms);
    /* A running ping is gone with the old state. */
    c->ping_active = false;
    c->ping_out = NULL;
    c->pending = false;
    dns_node_cancel(&c->dns);
    c->dns_out = NULL;
    return OT_ERR_NONE;
}

static enum ot_err cmd_ifconfig(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    if (argc == 0) {
        fputs(tnode_ifconfig_up(c->node) ? "up\n" : "down\n", out);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "up") == 0)
        return tnode_ifconfig(c->node, true, now_ms);
    if (strcmp(argv[0], "down") == 0)
        return tnode_ifconfig(c->node, false, now_ms);
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err print_addr_kind(struct node_cli *c, enum tnode_addr_kind kind, FILE *out)
{
    struct tnode_addr a[MAX_ADDRS];
    size_t n = tnode_addrs(c->node, a, MAX_ADDRS);
    char buf[ADDR_STR6];

    if (n > MAX_ADDRS)
        n = MAX_ADDRS;
    for (size_t i = 0; i < n; i++) {
        if (a[i].kind == kind) {
            fprintf(out, "%s\n", addr_fmt6_ot(a[i].addr, buf));
            return OT_ERR_NONE;
        }
    }
    /* OpenThread always has these three once the interface exists; we have
     * none before a dataset (no mesh-local prefix) or before attaching (RLOC). */
    return OT_ERR_INVALID_STATE;
}

static enum ot_err cmd_ipaddr(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    if (argc == 0) {
        struct tnode_addr a[MAX_ADDRS];
        size_t n = tnode_addrs(c->node, a, MAX_ADDRS);
        char buf[ADDR_STR6];

        if (n > MAX_ADDRS)
            n = MAX_ADDRS;
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s\n", addr_fmt6_ot(a[i].addr, buf));
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "linklocal") == 0)
        return print_addr_kind(c, TNODE_ADDR_LINK_LOCAL, out);
    if (strcmp(argv[0], "mleid") == 0)
        return print_addr_kind(c, TNODE_ADDR_MLEID, out);
    if (strcmp(argv[0], "rloc") == 0)
        return print_addr_kind(c, TNODE_ADDR_RLOC, out);
    if (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "del") == 0 || strcmp(argv[0], "-v") == 0)
        return OT_ERR_NOT_IMPLEMENTED;
    return OT_ERR_INVALID_COMMAND;
}

static enum ot_err cmd_leaderdata(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct tnode_leader_data ld;
    enum ot_err e;

    (void)argc;
    (void)argv;
    (void)now_ms;
    e = tnode_leader_data(node_cli_of(ctx)->node, &ld);
    if (e != OT_ERR_NONE)
        return e;
    node_cli_print_leader_data(out, &ld);
    return OT_ERR_NONE;
}

static enum ot_err cmd_mode(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t mode;
    enum ot_err e;

    if (argc == 0) {
        char buf[4];

        fprintf(out, "%s\n", node_cli_mode_str(tnode_mode(c->node), buf));
        return OT_ERR_NONE;
    }
    e = node_cli_parse_mode(argv[0], &mode);
    if (e != OT_ERR_NONE)
        return e;
    return tnode_set_mode(c->node, mode, now_ms);
}

static enum ot_err cmd_netdata_show(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint16_t rloc16 = NETDATA_ANY_RLOC16;
    bool local = false, binary = false;
    const uint8_t *nd;
    size_t len = 0;

    (void)now_ms;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "local") == 0) {
            local = true;
        } else if (strcmp(argv[i], "-x") == 0) {
            binary = true;
        } else {
            enum ot_err e = cli_parse_u16(argv[i], &rloc16);

            if (e != OT_ERR_NONE)
                return e;
        }
    }
    if ((local || binary) && rloc16 != NETDATA_ANY_RLOC16)
        return OT_ERR_INVALID_ARGS;
    nd = tnode_netdata(c->node, &len);
    if (nd == NULL)
        len = 0;
    if (binary) {
        if (local)
            return OT_ERR_NOT_IMPLEMENTED; /* the node keeps no separate local set */
        netdata_fmt_show_hex(out, nd, len);
        return OT_ERR_NONE;
    }
    if (local) {
        /* This node's own entries of the full set. */
        netdata_fmt_show(out, nd, len, true, tnode_rloc16(c->node));
        return OT_ERR_NONE;
    }
    netdata_fmt_show(out, nd, len, false, rloc16);
    return OT_ERR_NONE;
}

static enum ot_err cmd_netdata_length(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    size_t len = 0;

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if (tnode_netdata(node_cli_of(ctx)->node, &len) == NULL)
        len = 0;
    fprintf(out, "%zu\n", len);
    return OT_ERR_NONE;
}

static const struct cli_cmd netdata_commands[] = {
    {"length", cmd_netdata_length, NULL},
    {"show", cmd_netdata_show, NULL},
    {NULL, NULL, NULL},
};

static enum ot_err cmd_parent(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct tnode_parent_info p;
    enum ot_err e;

    if (argc != 0)
        return strcmp(argv[0], "search") == 0 ? OT_ERR_NOT_IMPLEMENTED : OT_ERR_INVALID_ARGS;
    e = tnode_parent(c->node, now_ms, &p);
    if (e != OT_ERR_NONE)
        return e;
    node_cli_print_parent(out, &p);
    return OT_ERR_NONE;
}

static void ping_finish(struct node_cli *c)
{
    bool was_pending = c->pending;

    c->ping_active = false;
    c->ping_out = NULL;
    c->pending = false;
    if (was_pending && c->on_finish != NULL)
        c->on_finish(c->user);
}

static void ping_event(void *ctx, const struct tnode_ping_event *ev)
{
    struct node_cli *c = ctx;
    FILE *out = c->ping_out;

    if (!c->ping_active)
        return;
    if (out == NULL) {
        /* Detached: the run ends unseen. */
        if (ev->type == TNODE_PING_DONE)
            c->ping_active = false;
        return;
    }
    if (ev->type == TNODE_PING_REPLY) {
        node_cli_print_ping_reply(out, ev);
        fflush(out);
        return;
    }
    node_cli_print_ping_stats(out, ev, c->ping_multicast);
    if (!c->ping_async)
        cli_print_result(out, OT_ERR_NONE);
    fflush(out);
    ping_finish(c);
}

/* Utils::ParseToIp6Address: IPv6, else an IPv4 address synthesized with the
 * preferred NAT64 prefix (InvalidState without one). */
static enum ot_err parse_to_ip6(struct node_cli *c, const char *s, uint8_t dst[16], bool *synth)
{
    uint8_t ip4[4];
    enum ot_err e = cli_parse_ip6_or_ip4(s, dst, ip4, synth);

    if (e != OT_ERR_NONE)
        return e;
    if (*synth) {
        struct addr_prefix6 pfx;

        if (!tnode_nat64_prefix(c->node, &pfx) || !rfc6052_synth(&pfx, ip4, dst))
            return OT_ERR_INVALID_STATE;
    }
    return OT_ERR_NONE;
}

/* ping [async] <addr> [size] [count] [interval] [hoplimit] [timeout] */
static enum ot_err cmd_ping(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t dst[16];
    uint16_t size = 0, count = 0;
    uint32_t interval = 0, timeout = 0;
    uint8_t hop_limit = NODE_CLI_PING_HOP_LIMIT;
    bool async = false, is_ip4 = false;
    enum ot_err te;
    enum ot_err e;

    if (argc >= 1 && strcmp(argv[0], "stop") == 0)
        return OT_ERR_NOT_IMPLEMENTED; /* the node has no ping stop yet */
    if (argc >= 1 && strcmp(argv[0], "async") == 0) {
        async = true;
        argc--;
        argv++;
    }
    if ((e = parse_to_ip6(c, argc >= 1 ? argv[0] : NULL, dst, &is_ip4)) != OT_ERR_NONE)
        return e;
    if (is_ip4) {
        char buf[ADDR_STR6];

        fprintf(out, "Pinging synthesized IPv6 address: %s\n", addr_fmt6_ot(dst, buf));
    }
    if (argc >= 2 && (e = cli_parse_u16(argv[1], &size)) != OT_ERR_NONE)
        return e;
    if (argc >= 3 && (e = cli_parse_u16(argv[2], &count)) != OT_ERR_NONE)
        return e;
    if (argc >= 4 && (e = node_cli_parse_interval(argv[3], &interval)) != OT_ERR_NONE)
        return e;
    if (argc >= 5 && (e = cli_parse_u8(argv[4], &hop_limit)) != OT_ERR_NONE)
        return e;
    if (argc >= 6) {
        if ((e = node_cli_parse_interval(argv[5], &timeout)) != OT_ERR_NONE)
            return e;
        if (timeout > UINT16_MAX)
            return OT_ERR_INVALID_ARGS;
    }
    if (argc >= 7)
        return OT_ERR_INVALID_ARGS;
    /* PingSender::Config::SetUnspecifiedToDefault: 0 means the default. */
    if (size == 0)
        size = NODE_CLI_PING_SIZE;
    if (count == 0)
        count = NODE_CLI_PING_COUNT;
    if (interval == 0)
        interval = NODE_CLI_PING_INTERVAL_MS;
    if (timeout == 0)
        timeout = NODE_CLI_PING_TIMEOUT_MS;
    if (interval > PING_INTERVAL_MAX)
        return OT_ERR_INVALID_ARGS;
    if (c->ping_active)
        return OT_ERR_BUSY;

    c->ping_out = out;
    c->ping_active = true;
    c->ping_async = async;
    c->ping_multicast = dst[0] == 0xff;
    c->pending = !async;
    te = tnode_ping(c->node, dst, size, count, interval, hop_limit, timeout, ping_event, c, now_ms);
    if (te != OT_ERR_NONE) {
        c->ping_active = false;
        c->ping_out = NULL;
        c->pending = false;
        return te;
    }
    /* Even when the run finished inside tnode_ping, ping_event printed the
     * result line already. */
    return async ? OT_ERR_NONE : OT_ERR_PENDING;
}

static enum ot_err cmd_rloc16(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    (void)argc;
    (void)argv;
    (void)now_ms;
    fprintf(out, "%04x\n", (unsigned)tnode_rloc16(node_cli_of(ctx)->node));
    return OT_ERR_NONE;
}

static enum ot_err cmd_state(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    if (argc == 0) {
        fprintf(out, "%s\n", tnode_role_name(tnode_role(c->node)));
        return OT_ERR_NONE;
    }
    /* Forcing a role, as OpenThread's `state <role>` (otThreadBecome*). */
    if (strcmp(argv[0], "detached") == 0)
        return tnode_become_detached(c->node, now_ms);
    if (strcmp(argv[0], "child") == 0)
        return tnode_become_child(c->node, now_ms);
    if (strcmp(argv[0], "router") == 0)
        return tnode_become_router(c->node, now_ms);
    if (strcmp(argv[0], "leader") == 0)
        return tnode_become_leader(c->node, now_ms);
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err cmd_thread(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    if (argc >= 1 && strcmp(argv[0], "start") == 0)
        return tnode_thread_start(c->node, now_ms);
    if (argc >= 1 && strcmp(argv[0], "stop") == 0)
        return tnode_thread_stop(c->node, now_ms);
    if (argc >= 1 && strcmp(argv[0], "version") == 0) {
        fprintf(out, "%u\n", (unsigned)MLE_VERSION_1_4);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

static enum ot_err cmd_version(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    (void)ctx;
    (void)now_ms;
    if (argc == 0) {
        fprintf(out, "%s\n", NODE_CLI_VERSION);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "api") == 0) {
        fputs("0\n", out);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

/* ---- udp (cli_udp.cpp) -------------------------------------------------------- */

/* The largest datagram one IPv6 packet carries (1280 - 40 - 8). */
#define UDP_PAYLOAD_MAX 1232

void node_cli_print_udp_rx(FILE *out, const struct tnode_udp_rx *rx)
{
    char a[ADDR_STR6];
    size_t len = rx->len;
    const void *nul = memchr(rx->payload, '\0', len);

    if (len > 1499) /* OpenThread reads into a 1500-byte buffer */
        len = 1499;
    if (nul != NULL && (size_t)((const uint8_t *)nul - rx->payload) < len)
        len = (size_t)((const uint8_t *)nul - rx->payload);
    fprintf(out, "%zu bytes from %s %u ", rx->len, addr_fmt6_ot(rx->src, a), (unsigned)rx->sport);
    fwrite(rx->payload, 1, len, out);
    fputc('\n', out);
}

static void udp_rx(void *ctx, const struct tnode_udp_rx *rx)
{
    struct node_cli *c = ctx;

    if (c->io_out == NULL)
        return;
    node_cli_print_udp_rx(c->io_out, rx);
    fflush(c->io_out);
}

static enum ot_err udp_ready(struct node_cli *c, FILE *out)
{
    c->io_out = out;
    return c->udp_open ? OT_ERR_NONE : OT_ERR_INVALID_STATE;
}

/* "<ip6> <port>" and nothing more (udp bind, tcp bind, tcp listen). */
static enum ot_err parse_addr_port(int argc, char **argv, uint8_t addr[16], uint16_t *port)
{
    enum ot_err e;

    if ((e = cli_parse_ip6(argc >= 1 ? argv[0] : NULL, addr)) != OT_ERR_NONE)
        return argc >= 1 ? e : OT_ERR_INVALID_ARGS;
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, port)) != OT_ERR_NONE)
        return e;
    return argc > 2 ? OT_ERR_INVALID_ARGS : OT_ERR_NONE;
}

/* udp bind [-u|-b|-h] <addr> <port> */
static enum ot_err cmd_udp_bind(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    enum ot_err e;

    (void)now_ms;
    /* The network interface choice has no meaning here: one interface. */
    if (argc >= 1 &&
        (strcmp(argv[0], "-u") == 0 || strcmp(argv[0], "-b") == 0 || strcmp(argv[0], "-h") == 0)) {
        argc--;
        argv++;
    }
    if ((e = parse_addr_port(argc, argv, addr, &port)) != OT_ERR_NONE)
        return e;
    if ((e = udp_ready(c, out)) != OT_ERR_NONE)
        return e;
    return tnode_udp_bind(c->node, c->udp_handle, addr, port);
}

static enum ot_err cmd_udp_close(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)argc;
    (void)argv;
    (void)out;
    (void)now_ms;
    if (c->udp_open)
        tnode_udp_close(c->node, c->udp_handle);
    c->udp_open = false;
    return OT_ERR_NONE;
}

/* udp connect <addr> <port> */
static enum ot_err cmd_udp_connect(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    bool synth;
    enum ot_err e;

    (void)now_ms;
    if ((e = parse_to_ip6(c, argc >= 1 ? argv[0] : NULL, addr, &synth)) != OT_ERR_NONE)
        return e;
    if (synth) {
        char buf[ADDR_STR6];

        fprintf(out, "Connecting to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
    }
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &port)) != OT_ERR_NONE)
        return e;
    if (argc > 2)
        return OT_ERR_INVALID_ARGS;
    if ((e = udp_ready(c, out)) != OT_ERR_NONE)
        return e;
    return tnode_udp_connect(c->node, c->udp_handle, addr, port);
}

static enum ot_err cmd_udp_linksecurity(void *ctx, int argc, char **argv, uint64_t now_ms,
                                        FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)now_ms;
    if (argc == 0) {
        fputs(c->udp_link_security ? "Enabled\n" : "Disabled\n", out);
        return OT_ERR_NONE;
    }
    return cli_parse_enable_disable(argv[0], &c->udp_link_security);
}

static enum ot_err cmd_udp_open(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err te;

    (void)argc;
    (void)argv;
    (void)now_ms;
    if (c->udp_open)
        return OT_ERR_ALREADY;
    te = tnode_udp_open(c->node, udp_rx, c, &c->udp_handle);
    if (te != OT_ERR_NONE)
        return te;
    c->udp_open = true;
    c->io_out = out;
    return OT_ERR_NONE;
}

/* udp send [<addr> <port>] (<text> | -t <text> | -s <size> | -x <hex>) */
static enum ot_err cmd_udp_send(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t payload[UDP_PAYLOAD_MAX];
    uint8_t addr[16];
    uint16_t port = 0;
    bool has_dst = false;
    size_t len;
    enum ot_err e;

    if ((e = udp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if (argc >= 3) {
        bool synth;

        if ((e = parse_to_ip6(c, argv[0], addr, &synth)) != OT_ERR_NONE)
            return e;
        if (synth) {
            char buf[ADDR_STR6];

            fprintf(out, "Sending to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
        }
        if ((e = cli_parse_u16(argv[1], &port)) != OT_ERR_NONE)
            return e;
        has_dst = true;
        argc -= 2;
        argv += 2;
    }
    if (argc >= 1 && strcmp(argv[0], "-s") == 0) {
        /* PrepareAutoGeneratedPayload: 0-9, A-Z, a-z, again. */
        uint16_t size;
        uint8_t ch = '0';

        if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &size)) != OT_ERR_NONE)
            return e;
        if (size > sizeof(payload))
            return OT_ERR_NO_BUFS;
        for (len = 0; len < size; len++) {
            payload[len] = ch;
            ch = ch == '9' ? 'A' : ch == 'Z' ? 'a' : ch == 'z' ? '0' : (uint8_t)(ch + 1);
        }
    } else if (argc >= 1 && strcmp(argv[0], "-x") == 0) {
        if (argc < 2)
            return OT_ERR_INVALID_ARGS;
        if ((e = cli_parse_hex_upto(argv[1], payload, sizeof(payload), &len)) != OT_ERR_NONE)
            return e;
    } else {
        if (argc >= 1 && strcmp(argv[0], "-t") == 0) {
            argc--;
            argv++;
        }
        if (argc < 1)
            return OT_ERR_INVALID_ARGS;
        len = strlen(argv[0]);
        if (len > sizeof(payload))
            return OT_ERR_NO_BUFS;
        memcpy(payload, argv[0], len);
    }
    return tnode_udp_send(c->node, c->udp_handle, has_dst ? addr : NULL, port, payload, len,
                          now_ms);
}

static const struct cli_cmd udp_commands[] = {
    {"bind", cmd_udp_bind, NULL},
    {"close", cmd_udp_close, NULL},
    {"connect", cmd_udp_connect, NULL},
    {"linksecurity", cmd_udp_linksecurity, NULL},
    {"open", cmd_udp_open, NULL},
    {"send", cmd_udp_send, NULL},
    {NULL, NULL, NULL},
};

/* ---- tcp (cli_tcp.cpp) -------------------------------------------------------- */

static void tcp_print(struct node_cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tcp_print(struct node_cli *c, const char *fmt, ...)
{
    va_list ap;

    if (c->io_out == NULL)
        return;
    va_start(ap, fmt);
    vfprintf(c->io_out, fmt, ap);
    va_end(ap);
    fflush(c->io_out);
}

static void bench_output_result(struct node_cli *c, FILE *out)
{
    const struct tcp_bench *b = &c->bench;
    uint64_t goodput = tcp_bench_goodput_bps(b->last_total, b->time_used_ms);

    if (out == NULL)
        return;
    fprintf(out,
            "TCP Benchmark Complete: Transferred %" PRIu32 " bytes in %" PRIu64 " milliseconds\n",
            b->last_total, b->time_used_ms);
    fprintf(out, "TCP Goodput: %" PRIu64 ".%03u kb/s\n", goodput / 1000,
            (unsigned)(goodput % 1000));
    fflush(out);
}

static void tcp_event(void *ctx, int id, const struct tcp_event *ev)
{
    struct node_cli *c = ctx;

    if (!c->tcp_inited || id != c->tcp_id)
        return;
    switch (ev->kind) {
    case TCP_EV_CONNECTED: {
        uint8_t peer[16];
        uint16_t port;

        if (!c->tcp_connecting && tnode_tcp_peer(c->node, id, peer, &port)) {
            char a[ADDR_STR6];

            tcp_print(c, "Accepted connection from [%s]:%u\n", addr_fmt6_ot(peer, a),
                      (unsigned)port);
        }
        c->tcp_connecting = false;
        tcp_print(c, "TCP: Connection established\n");
        break;
    }
    case TCP_EV_DATA:
        if (c->io_out != NULL) {
            fprintf(c->io_out, "TCP: Received %zu bytes: ", ev->len);
            fwrite(ev->data, 1, ev->len, c->io_out);
            fputc('\n', c->io_out);
            fflush(c->io_out);
        }
        break;
    case TCP_EV_SEND_SPACE:
        if (tcp_bench_on_send_space(&c->bench, ev->len, ev->now_ms))
            bench_output_result(c, c->io_out);
        break;
    case TCP_EV_PEER_FIN:
        tcp_print(c, "TCP: Reached end of stream\n");
        break;
    case TCP_EV_CLOSED:
        tcp_print(c, "TCP: %s\n", tcp_reason_str(ev->reason));
        c->tcp_connecting = false;
        tcp_bench_stop(&c->bench);
        break;
    }
}

static enum ot_err tcp_ready(struct node_cli *c, FILE *out)
{
    c->io_out = out;
    return c->tcp_inited ? OT_ERR_NONE : OT_ERR_INVALID_STATE;
}

static enum ot_err cmd_tcp_abort(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum tcp_state st;
    enum ot_err e;

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    st = tnode_tcp_state(c->node, c->tcp_id);
    if ((e = tnode_tcp_abort(c->node, c->tcp_id)) != OT_ERR_NONE)
        return e;
    /* TCPlp reports the abort through the disconnected callback. */
    if (st != TCP_CLOSED && st != TCP_LISTEN)
        fputs("TCP: Connection reset\n", out);
    c->tcp_connecting = false;
    tcp_bench_stop(&c->bench);
    return OT_ERR_NONE;
}

/* tcp benchmark run [<size>] | tcp benchmark result */
static enum ot_err cmd_tcp_benchmark(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err e;

    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if (argc >= 1 && strcmp(argv[0], "result") == 0) {
        fputs("TCP Benchmark Status: ", out);
        if (tcp_bench_running(&c->bench)) {
            fputs("Ongoing\n", out);
        } else if (tcp_bench_has_result(&c->bench)) {
            fputs("Completed\n", out);
            bench_output_result(c, out);
        } else {
            fputs("Untested\n", out);
        }
        return OT_ERR_NONE;
    }
    if (argc >= 1 && strcmp(argv[0], "run") == 0) {
        uint32_t total = TCP_BENCH_DEFAULT_SIZE;

        if (tcp_bench_running(&c->bench))
            return OT_ERR_BUSY;
        if (argc >= 2) {
            if ((e = cli_parse_u32(argv[1], &total)) != OT_ERR_NONE)
                return e;
            if (total == 0)
                return OT_ERR_INVALID_ARGS;
        }
        if (argc > 2)
            return OT_ERR_INVALID_ARGS;
        if (!tcp_bench_start(&c->bench, c->tcp_id, total, now_ms)) {
            fputs("TCP Benchmark Failed\n", out);
            return OT_ERR_FAILED;
        }
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_ARGS;
}

/* tcp bind <addr> <port> */
static enum ot_err cmd_tcp_bind(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    enum ot_err e;

    (void)now_ms;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if ((e = parse_addr_port(argc, argv, addr, &port)) != OT_ERR_NONE)
        return e;
    memcpy(c->tcp_bind_addr, addr, 16);
    c->tcp_bind_port = port;
    c->tcp_bound = true;
    return OT_ERR_NONE;
}

/* tcp connect <addr> <port> [slow|fast] */
static enum ot_err cmd_tcp_connect(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    bool synth;
    enum ot_err te;
    enum ot_err e;

    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if ((e = parse_to_ip6(c, argc >= 1 ? argv[0] : NULL, addr, &synth)) != OT_ERR_NONE)
        return e;
    if (synth) {
        char buf[ADDR_STR6];

        fprintf(out, "Connecting to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
    }
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &port)) != OT_ERR_NONE)
        return e;
    if (argc >= 3) {
        /* "fast" (TCP Fast Open) is not built: the SYN carries no data either way. */
        if (strcmp(argv[2], "slow") != 0 && strcmp(argv[2], "fast") != 0)
            return OT_ERR_INVALID_ARGS;
        if (argc > 3)
            return OT_ERR_INVALID_ARGS;
    }
    c->tcp_connecting = true;
    te = tnode_tcp_connect(c->node, c->tcp_id, c->tcp_bound ? c->tcp_bind_addr : NULL,
                           c->tcp_bound ? c->tcp_bind_port : 0, addr, port, now_ms);
    if (te != OT_ERR_NONE)
        c->tcp_connecting = false;
    return te;
}

static enum ot_err cmd_tcp_deinit(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err e;

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    c->tcp_inited = false;
    c->tcp_bound = false;
    c->tcp_connecting = false;
    tcp_bench_stop(&c->bench);
    return tnode_tcp_deinit(c->node, c->tcp_id);
}

/* tcp init [circular|linked [<size>]] */
static enum ot_err cmd_tcp_init(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err te;

    (void)now_ms;
    c->io_out = out;
    if (c->tcp_inited)
        return OT_ERR_ALREADY;
    if (argc >= 1) {
        /* One buffer model here: both names accepted, the size bounded by
         * TCP_RCVBUF (windowSize + windowSize/8 as OpenThread counts it). */
        if (strcmp(argv[0], "linked") != 0 && strcmp(argv[0], "circular") != 0)
            return OT_ERR_INVALID_ARGS;
        if (argc >= 2) {
            uint32_t w;
            uint64_t size;
            enum ot_err e = cli_parse_u32(argv[1], &w);

            if (e != OT_ERR_NONE)
                return e;
            size = (uint64_t)w + ((w + 7ULL) >> 3);
            if (size == 0 || size > TCP_RCVBUF)
                return OT_ERR_INVALID_ARGS;
        }
    }
    te = tnode_tcp_init(c->node, tcp_event, c, &c->tcp_id);
    if (te != OT_ERR_NONE)
        return te;
    c->tcp_inited = true;
    c->tcp_bound = false;
    c->tcp_connecting = false;
    tcp_bench_stop(&c->bench);
    return OT_ERR_NONE;
}

/* tcp listen <addr> <port> */
static enum ot_err cmd_tcp_listen(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    enum ot_err e;

    (void)now_ms;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if ((e = parse_addr_port(argc, argv, addr, &port)) != OT_ERR_NONE)
        return e;
    /* otTcpStopListening first: listening again replaces the old one. */
    if (tnode_tcp_state(c->node, c->tcp_id) == TCP_LISTEN)
        tnode_tcp_abort(c->node, c->tcp_id);
    c->tcp_connecting = false;
    return tnode_tcp_listen(c->node, c->tcp_id, addr, port);
}

/* tcp send <text> | tcp send -x <hex> */
static enum ot_err cmd_tcp_send(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t buf[128]; /* kBufferSizeForHexData */
    const uint8_t *data;
    size_t len;
    enum ot_err e;

    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if (tcp_bench_running(&c->bench))
        return OT_ERR_BUSY;
    if (argc < 1)
        return OT_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "-x") == 0 && argc >= 2) {
        if ((e = cli_parse_hex_upto(argv[1], buf, sizeof(buf), &len)) != OT_ERR_NONE)
            return e;
        data = buf;
    } else {
        if (argc > 1)
            return OT_ERR_INVALID_ARGS;
        data = (const uint8_t *)argv[0];
        len = strlen(argv[0]);
    }
    if (tnode_tcp_send_space(c->node, c->tcp_id) == 0)
        return OT_ERR_FAILED; /* not connected, or our FIN is queued */
    tnode_tcp_send(c->node, c->tcp_id, data, len, now_ms);
    return OT_ERR_NONE;
}

static enum ot_err cmd_tcp_sendend(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err e;

    (void)argv;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    return tnode_tcp_send_end(c->node, c->tcp_id, now_ms);
}

static enum ot_err cmd_tcp_stoplistening(void *ctx, int argc, char **argv, uint64_t now_ms,
                                         FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    enum ot_err e;

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != OT_ERR_NONE)
        return e;
    if (tnode_tcp_state(c->node, c->tcp_id) == TCP_LISTEN)
        tnode_tcp_abort(c->node, c->tcp_id);
    return OT_ERR_NONE;
}

static const struct cli_cmd tcp_commands[] = {
    {"abort", cmd_tcp_abort, NULL},
    {"benchmark", cmd_tcp_benchmark, NULL},
    {"bind", cmd_tcp_bind, NULL},
    {"connect", cmd_tcp_connect, NULL},
    {"deinit", cmd_tcp_deinit, NULL},
    {"init", cmd_tcp_init, NULL},
    {"listen", cmd_tcp_listen, NULL},
    {"send", cmd_tcp_send, NULL},
    {"sendend", cmd_tcp_sendend, NULL},
    {"stoplistening", cmd_tcp_stoplistening, NULL},
    {NULL, NULL, NULL},
};

/* ---- dns (cli_dns.cpp over svc/dns_node.h) -------------------------------------- */

/* One query config from args (the GetDnsConfig order): server, port,
 * timeout, attempts, recursion, service mode, transport. Unset fields stay
 * 0 (the default config fills them). */
static enum ot_err dns_parse_cfg(struct node_cli *c, int argc, char **argv, FILE *out,
                                 struct dns_node_config *q)
{
    static const char *const modes[] = {"def",     "unspec",      "srv",        "txt",
                                        "srv_txt", "srv_txt_sep", "srv_txt_opt"};
    bool synth, rd;
    enum ot_err e;

    memset(q, 0, sizeof(*q));
    if (argc < 1)
        return OT_ERR_NONE;
    if ((e = parse_to_ip6(c, argv[0], q->server, &synth)) != OT_ERR_NONE)
        return e;
    if (synth) {
        char buf[ADDR_STR6];

        fprintf(out, "Synthesized IPv6 DNS server address: %s\n", addr_fmt6_ot(q->server, buf));
    }
    q->has_server = true;
    if (argc >= 2 && (e = cli_parse_u16(argv[1], &q->port)) != OT_ERR_NONE)
        return e;
    if (argc >= 3 && (e = cli_parse_u32(argv[2], &q->timeout_ms)) != OT_ERR_NONE)
        return e;
    if (argc >= 4 && (e = cli_parse_u8(argv[3], &q->attempts)) != OT_ERR_NONE)
        return e;
    if (argc >= 5) {
        if ((e = cli_parse_bool(argv[4], &rd)) != OT_ERR_NONE)
            return e;
        q->rd = rd ? 1 : 2;
    }
    if (argc >= 6) {
        bool ok = false;

        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
            ok = ok || strcmp(argv[5], modes[i]) == 0;
        if (!ok)
            return OT_ERR_INVALID_ARGS;
    }
    if (argc >= 7 && strcmp(argv[6], "udp") != 0)
        return strcmp(argv[6], "tcp") == 0 ? OT_ERR_NOT_CAPABLE : OT_ERR_INVALID_ARGS;
    if (argc >= 8)
        return OT_ERR_INVALID_ARGS;
    return OT_ERR_NONE;
}

static enum ot_err cmd_dns_config(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct dns_node_config q;
    struct dns_client_query cfg;
    char buf[ADDR_STR6];
    enum ot_err e;

    (void)now_ms;
    if (argc == 0) {
        dns_node_get_config(&c->dns, &cfg);
        fprintf(out, "Server: [%s]:%u\n", addr_fmt6_ot(cfg.server, buf), (unsigned)cfg.port);
        fprintf(out, "ResponseTimeout: %u ms\n", (unsigned)cfg.timeout_ms);
        fprintf(out, "MaxTxAttempts: %u\n", (unsigned)cfg.attempts);
        fprintf(out, "RecursionDesired: %s\n", cfg.rd ? "yes" : "no");
        fprintf(out, "ServiceMode: srv_txt_opt\n");
        fprintf(out, "Nat64Mode: allow\n");
        return OT_ERR_NONE;
    }
    if ((e = dns_parse_cfg(c, argc, argv, out, &q)) != OT_ERR_NONE)
        return e;
    /* otDnsClientSetDefaultConfig: every field given again, zero = default. */
    dns_node_set_config(&c->dns, &q);
    return OT_ERR_NONE;
}

/* Header::ResponseCodeToError: how OpenThread reports an RCODE. */
static enum ot_err dns_rcode_err(unsigned rcode)
{
    switch (rcode) {
    case 0:
        return OT_ERR_NONE;
    case 1:  /* FormErr */
    case 10: /* NotZone */
        return OT_ERR_PARSE;
    case 3: /* NXDomain */
    case 8: /* NXRRSet */
        return OT_ERR_NOT_FOUND;
    case 4: /* NotImp */
        return OT_ERR_NOT_IMPLEMENTED;
    case 5: /* Refused */
    case 9: /* NotAuth */
        return OT_ERR_SECURITY;
    case 6: /* YXDomain */
    case 7: /* YXRRSet */
        return OT_ERR_DUPLICATED;
    default: /* ServFail and the rest */
        return OT_ERR_FAILED;
    }
}

/* The error OpenThread's client reports for a finished query. */
static enum ot_err dns_result_err(const struct dns_node_result *res)
{
    if (res->send_err != OT_ERR_NONE)
        return res->send_err;
    if (res->r.timed_out)
        return OT_ERR_RESPONSE_TIMEOUT;
    if (res->r.rcode != 0)
        return dns_rcode_err(res->r.rcode);
    if (res->r.err != DNS_OK)
        return OT_ERR_PARSE;
    return res->no_prefix ? OT_ERR_INVALID_STATE : OT_ERR_NONE;
}

/* dns_node's done hook: "DNS response for <name> - <addr> TTL:<ttl> ..." */
static void dns_done(void *user, const struct dns_node_result *res)
{
    struct node_cli *c = user;
    FILE *out = c->dns_out;
    bool was_pending = c->pending;
    enum ot_err e = dns_result_err(res);

    c->dns_out = NULL;
    c->pending = false;
    if (out != NULL) {
        fprintf(out, "DNS response for %s - ", c->dns_name);
        if (e == OT_ERR_NONE) {
            for (size_t i = 0; i < res->r.n; i++) {
                char buf[ADDR_STR6];

                fprintf(out, "%s TTL:%u ", addr_fmt6_ot(res->r.addrs[i], buf),
                        (unsigned)res->r.ttls[i]);
            }
            fprintf(out, "\n");
        }
        cli_print_result(out, e);
        fflush(out);
    }
    if (was_pending && c->on_finish != NULL)
        c->on_finish(c->user);
}

/* dns resolve|resolve4 <name> [server [port [timeout [attempts [rd ...]]]]] */
static enum ot_err dns_resolve(struct node_cli *c, bool four, int argc, char **argv,
                               uint64_t now_ms, FILE *out)
{
    struct dns_node_config q;
    enum ot_err te;
    size_t tl;
    enum ot_err e;

    if (argc < 1)
        return OT_ERR_INVALID_ARGS;
    if ((e = dns_parse_cfg(c, argc - 1, argv + 1, out, &q)) != OT_ERR_NONE)
        return e;
    te = dns_node_resolve(&c->dns, argv[0], four, &q, now_ms);
    if (te != OT_ERR_NONE)
        return te;
    tl = strlen(argv[0]);
    snprintf(c->dns_name, sizeof(c->dns_name), "%s%s", argv[0],
             tl > 0 && argv[0][tl - 1] == '.' ? "" : ".");
    c->dns_out = out;
    c->pending = true;
    return OT_ERR_PENDING;
}

static enum ot_err cmd_dns_resolve(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    return dns_resolve(node_cli_of(ctx), false, argc, argv, now_ms, out);
}

static enum ot_err cmd_dns_resolve4(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    return dns_resolve(node_cli_of(ctx), true, argc, argv, now_ms, out);
}

static const struct cli_cmd dns_commands[] = {
    {"config", cmd_dns_config, NULL},
    {"resolve", cmd_dns_resolve, NULL},
    {"resolve4", cmd_dns_resolve4, NULL},
    {NULL, NULL, NULL},
};

void node_cli_process(struct node_cli *c, uint64_t now_ms)
{
    dns_node_process(&c->dns, now_ms);
}

int64_t node_cli_next_timeout_ms(const struct node_cli *c, uint64_t now_ms)
{
    return dns_node_next_timeout_ms(&c->dns, now_ms);
}

/* Sorted by name, as OpenThread's kCommands ("help" is the dispatcher's). */
const struct cli_cmd node_cli_commands[] = {
    {"child", cmd_child, NULL},
    {"childmax", node_cli_router_childmax, NULL},
    {"counters", node_cli_counters_cmd, NULL},
    {"dataset", node_cli_dataset_cmd, NULL},
    {"dns", NULL, dns_commands},
    {"eidcache", node_cli_router_eidcache, NULL},
    {"extaddr", cmd_extaddr, NULL},
    {"factoryreset", cmd_factoryreset, NULL},
    {"ifconfig", cmd_ifconfig, NULL},
    {"ipaddr", cmd_ipaddr, NULL},
    {"leaderdata", cmd_leaderdata, NULL},
    {"leaderweight", node_cli_router_leaderweight, NULL},
    {"macfilter", node_cli_macfilter_cmd, NULL},
    {"mode", cmd_mode, NULL},
    {"neighbor", node_cli_router_neighbor, NULL},
    {"netdata", NULL, netdata_commands},
    {"parent", cmd_parent, NULL},
    {"partitionid", node_cli_router_partitionid, NULL},
    {"ping", cmd_ping, NULL},
    {"rloc16", cmd_rloc16, NULL},
    {"router", node_cli_router_router, NULL},
    {"routerdowngradethreshold", node_cli_router_routerdowngradethreshold, NULL},
    {"routereligible", node_cli_router_routereligible, NULL},
    {"routerselectionjitter", node_cli_router_routerselectionjitter, NULL},
    {"routerupgradethreshold", node_cli_router_routerupgradethreshold, NULL},
    {"srp", node_cli_srp_cmd, NULL},
    {"state", cmd_state, NULL},
    {"tcp", NULL, tcp_commands},
    {"thread", cmd_thread, NULL},
    {"udp", NULL, udp_commands},
    {"version", cmd_version, NULL},
    {NULL, NULL, NULL},
};

/* ---- driver ------------------------------------------------------------------ */

void node_cli_init(struct node_cli *c, struct tnode *node)
{
    memset(c, 0, sizeof(*c));
    c->node = node;
    c->udp_link_security = true;
    tcp_bench_init(&c->bench, node);
    dns_node_init(&c->dns, node, dns_done, c);
}

bool node_cli_pending(const struct node_cli *c)
{
    return c->pending;
}

void node_cli_detach(struct node_cli *c)
{
    c->ping_out = NULL;
    c->pending = false;
    c->io_out = NULL;
    /* The node must not call into this CLI any more. */
    if (c->udp_open)
        tnode_udp_close(c->node, c->udp_handle);
    c->udp_open = false;
    if (c->tcp_inited)
        tnode_tcp_deinit(c->node, c->tcp_id);
    c->tcp_inited = false;
    tcp_bench_stop(&c->bench);
    c->dns_out = NULL;
    dns_node_free(&c->dns);
}

enum ot_err node_cli_run_line(struct node_cli *c, const char *line, uint64_t now_ms, FILE *out)
{
    if (c->pending) {
        struct cli_line ln;

        /* Interpreter::ProcessLine: a pending command swallows new lines,
         * except factoryreset. */
        if (cli_tokenize(line, &ln) != OT_ERR_NONE || ln.argc == 0 ||
            strcmp(ln.argv[0], "factoryreset") != 0)
            return OT_ERR_PENDING;
    }
    return cli_run_line(node_cli_commands, c, line, now_ms, out);
}
