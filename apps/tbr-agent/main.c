/*
 * tbr-agent: the border router daemon (otbr-agent's role).
 *
 *   tbr-agent [-I wpan0] [-B INFRA_IF] [-d LEVEL] [--state-dir DIR] [--form]
 *             [--ctl-socket PATH] [--ctl-group NAME] [--dns-upstream ADDR]...
 *             [--resolv-conf PATH] [--dns64] [--pref64 off|any|ROUTER]
 *             [--icmp-err-limit N/B] [--recheck-ms MS] RADIO_URL
 *
 *   RADIO_URL     sim://NODEID: OpenThread's simulation radio (UDP multicast
 *                 on loopback; PORT_BASE / PORT_OFFSET from the environment);
 *                 spinel+hdlc+uart://DEVICE[?uart-baudrate=N&uart-flow-control
 *                 &uart-reset...]: an OpenThread RCP on a serial line;
 *                 spinel+hdlc+forkpty://PROGRAM[?forkpty-arg=A...]: an RCP
 *                 program started on a pty (radio/radio_url.h, docs/hardware.md)
 *   -I IFNAME     the TUN device and control socket name (wpan0)
 *   -B INFRA_IF   the infrastructure interface: NAT44 masquerades towards it,
 *                 and border routing runs on it (Router Advertisements with
 *                 the OMR route and the on-link prefix, RS answered, PREF64
 *                 read). It must exist: a missing one is an error at start.
 *   -d LEVEL      log level 1 error .. 4 debug (default 3), on stderr
 *   --state-dir   settings (dataset, keys, BR ULA, NAT64) (default /var/lib/tbr)
 *   --form        form a new network at start when none is saved
 *   --ctl-socket  control socket path (default /run/tbr/IFNAME.sock)
 *   --ctl-group NAME  members of this group may use the control socket
 *                 (it is made group NAME, mode 0660); otherwise only root
 *                 and the agent's own user (SO_PEERCRED, ctl_socket.h)
 *   --dns-upstream ADDR   upstream DNS resolver (IPv4 or IPv6, optionally
 *                 a.b.c.d:PORT or [v6]:PORT); repeatable; overrides resolv.conf
 *   --resolv-conf PATH    where the resolvers are read from otherwise
 *                 (default /etc/resolv.conf; re-read when it changes)
 *   --dns64       synthesize AAAA from A in the DNS server (RFC 6147; off by
 *                 default, as OpenThread: devices synthesize with resolve4)
 *   --pref64 off|any|ROUTER  whose RA PREF64 options (RFC 8781) may set the
 *                 infrastructure NAT64 prefix: nobody (off, the default, as
 *                 OpenThread's border router, which never reads them), any
 *                 router on -B's link, or only the router with link-local
 *                 address ROUTER (br/infra_link.h)
 *   --icmp-err-limit N/B  ICMP errors the translator originates: N a second,
 *                 bursts of B, per direction (RFC 4443 §2.4(f); default 10/10)
 *   --recheck-ms MS  how often the NAT44 and forwarding-policy nftables
 *                 tables are checked and put back if flushed (default 60000;
 *                 tests shorten it: tests/netns/test_chaos.sh)
 *   --srp-capacity H/S  the SRP registry's limits: H hosts, S service
 *                 instances (default and most: 2048/4096, a full network;
 *                 beyond: refused, counted as registry-full)
 *
 * On an RCP the daemon waits up to RCP_START_WAIT_MS for it at start (no
 * answer, an unusable device or an incompatible RCP: one line, exit 1);
 * afterwards a failing radio link is recovered (radio/rcp.h) and never ends
 * the daemon, except an RCP found incompatible after a reset.
 *
 * Commands arrive over the control socket (tbr-ctl) as plain CLI lines; see
 * src/cli/br_cli.h; `ctl counters` (a tbr extension) shows the socket's
 * own counters. The umask is 077: the state directory holds the network key. SIGTERM / SIGINT:
 * clean shutdown (routes, the nft table and forwarding values undone, state saved).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "br/agent.h"
#include "br/host_config.h"
#include "cli/br_cli.h"
#include "platform/ctl_socket.h"
#include "platform/icmp6_sock.h"
#include "platform/netconf.h"
#include "platform/resolver_sock.h"
#include "platform/settings.h"
#include "platform/signals.h"
#include "platform/sim_radio.h"
#include "platform/spinel_link.h"
#include "platform/textfile.h"
#include "platform/tun.h"
#include "radio/radio_url.h"
#include "radio/rcp.h"
#include "util/addr.h"

#define MAX_CLIENTS CTL_CLIENTS_DEFAULT
#define TUN_BURST 64
#define STATE_DIR_DEFAULT "/var/lib/tbr"
#define RESOLV_CONF_DEFAULT "/etc/resolv.conf"
/* How long the daemon waits for an RCP to become ready at start. */
#define RCP_START_WAIT_MS 10000
/* Reads of the radio link per loop pass (so a flood cannot starve the rest). */
#define RCP_READ_BURST 16

struct app;

/* One control-socket client: its output stream and its CLI. Slots are never
 * freed while the node may still call into their node_cli (a ping). */
struct session {
    bool used;
    uint32_t client;
    FILE *out;
    struct br_cli cli;
    struct app *app;
};

struct app {
    const char *prog;
    const char *ifname;
    const char *infra_if;
    const char *state_dir;
    const char *ctl_path;
    const char *ctl_group;
    gid_t ctl_gid; /* of ctl_group, resolved at start */
    bool form;
    bool dns64;
    enum br_infra_link_pref64 pref64_from;
    uint8_t pref64_router[16];
    struct nat64_icmp_limit icmp_err_limit;
    uint32_t recheck_ms;              /* 0: BR_HOST_CONFIG_NAT44_RECHECK_MS */
    uint32_t srp_hosts, srp_services; /* --srp-capacity (0: the pool) */
    int log_level;
    unsigned node_id;
    const char *resolv_conf;
    struct dns_upstream_addr dns_up[DNS_SERVER_MAX_UPSTREAMS];
    size_t dns_n;

    const char *radio_text; /* RADIO_URL as given */
    struct radio_url url;
    struct sim_radio radio;  /* sim:// */
    struct spinel_link link; /* spinel+hdlc+...: the serial line or pty */
    struct rcp rcp;          /* ... and the Spinel host on it */
    bool rcp_starting;       /* rcp_start() runs: faults go to rcp_start_err */
    char rcp_start_err[RCP_ERR_MAX];
    struct settings *settings;
    /* the platform objects behind the agent's ops tables */
    struct tun_dev tun;
    struct icmp6_sock infra;
    struct netconf *nc;
    struct resolver_sock resolver;
    struct br_agent *agent;
    struct ctl_server *ctl;
    struct session sessions[MAX_CLIENTS];
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t stop_fatal; /* the loop ends for a fatal radio condition */

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* Wall clock for stored SRP leases (cfg.wall_ms). */
static uint64_t wall_ms(void *user)
{
    struct timespec ts;

    (void)user;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void logf_(struct app *a, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_msg(void *user, int level, const char *msg)
{
    struct app *a = user;
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};

    if (level > a->log_level)
        return;
    fprintf(stderr, "tbr-agent[%ld]: %s: %s\n", (long)getpid(),
            names[level >= 1 && level <= 4 ? level : 0], msg);
}

static void logf_(struct app *a, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_msg(a, level, msg);
}

static void ctl_log(void *ctx, const char *msg)
{
    log_msg(ctx, 3, msg);
}

static void random_bytes(void *user, uint8_t *buf, size_t len)
{
    (void)user;
    while (len > 0) {
        ssize_t r = getrandom(buf, len, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            perror("getrandom");
            abort();
        }
        buf += r;
        len -= (size_t)r;
    }
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: tbr-agent [-I wpan0] [-B INFRA_IF] [-d LEVEL] [--state-dir DIR] [--form]\n"
            "                 [--ctl-socket PATH] [--ctl-group NAME] [--dns-upstream ADDR]...\n"
            "                 [--resolv-conf PATH] [--dns64] [--pref64 off|any|ROUTER]\n"
            "                 [--icmp-err-limit N/B] [--recheck-ms MS]\n"
            "                 [--srp-capacity H/S] RADIO_URL\n"
            "  RADIO_URL     sim://NODEID (1..%d), OpenThread's simulation radio;\n"
            "                spinel+hdlc+uart://DEVICE[?uart-baudrate=N&uart-flow-control\n"
            "                &uart-reset], an OpenThread RCP on a serial line;\n"
            "                spinel+hdlc+forkpty://PROGRAM[?forkpty-arg=ARG...], an RCP\n"
            "                program on a pty (docs/hardware.md)\n"
            "  -I IFNAME     TUN device and control socket name (default wpan0)\n"
            "  -B INFRA_IF   infrastructure interface: NAT44 masquerade, Router\n"
            "                Advertisements (OMR route, on-link prefix)\n"
            "  -d LEVEL      log level: 1 error, 2 warn, 3 info (default), 4 debug\n"
            "  --state-dir   settings directory (default %s)\n"
            "  --form        form a new network at start when none is saved\n"
            "  --ctl-socket  control socket (default %s/IFNAME.sock)\n"
            "  --ctl-group NAME  this group may use the control socket (default:\n"
            "                root and the agent's user only)\n"
            "  --dns-upstream ADDR  upstream DNS resolver (a.b.c.d[:PORT], v6 or\n"
            "                [v6]:PORT), repeatable; overrides resolv.conf\n"
            "  --resolv-conf PATH   resolvers otherwise (default %s)\n"
            "  --dns64       synthesize AAAA from A for devices (RFC 6147; default off)\n"
            "  --pref64 off|any|ROUTER  RA PREF64 (RFC 8781) taken from nobody (default),\n"
            "                any router, or the router with link-local address ROUTER\n"
            "  --icmp-err-limit N/B  translator ICMP errors: N/s, bursts of B, per\n"
            "                direction (RFC 4443 2.4(f); default %u/%u)\n"
            "  --recheck-ms MS  re-check the NAT44 and policy nft tables every MS\n"
            "                (default %u)\n"
            "  --srp-capacity H/S  SRP registry limits: H hosts, S service instances\n"
            "                (default and most %u/%u)\n"
            "environment: PORT_BASE (9000), PORT_OFFSET (0)\n",
            SIM_RADIO_MAX_NODES, STATE_DIR_DEFAULT, CTL_DIR_DEFAULT, RESOLV_CONF_DEFAULT,
            BR_DATA_PATH_ICMP_ERR_PER_S, BR_DATA_PATH_ICMP_ERR_BURST,
            BR_HOST_CONFIG_NAT44_RECHECK_MS, (unsigned)SRP_MAX_HOSTS, (unsigned)SRP_MAX_SERVICES);
}

/* a.b.c.d, a.b.c.d:PORT, an IPv6 literal, or [v6]:PORT. */
static int parse_upstream(const char *text, struct dns_upstream_addr *out)
{
    char buf[80];
    const char *host = buf, *port = NULL;
    uint8_t ip4[4];

    if (strlen(text) >= sizeof(buf))
        return -1;
    snprintf(buf, sizeof(buf), "%s", text);
    memset(out, 0, sizeof(*out));
    out->port = 53;
    if (buf[0] == '[') {
        char *end = strchr(buf, ']');

        if (end == NULL || (end[1] != '\0' && end[1] != ':'))
            return -1;
        *end = '\0';
        host = buf + 1;
        if (end[1] == ':')
            port = end + 2;
    } else if (strchr(buf, ':') != NULL && strchr(buf, ':') == strrchr(buf, ':')) {
        char *colon = strchr(buf, ':');

        *colon = '\0';
        port = colon + 1;
    }
    if (port != NULL) {
        char *end;
        unsigned long p = strtoul(port, &end, 10);

        if (*port == '\0' || *end != '\0' || p == 0 || p > 65535)
            return -1;
        out->port = (uint16_t)p;
    }
    if (addr_parse4(host, ip4)) {
        out->addr[10] = 0xff;
        out->addr[11] = 0xff;
        memcpy(out->addr + 12, ip4, 4);
        return 0;
    }
    return addr_parse6(host, out->addr) ? 0 : -1;
}

/* --pref64 off | any | a link-local router address. */
static int parse_pref64(const char *text, struct app *a)
{
    if (strcmp(text, "off") == 0) {
        a->pref64_from = BR_INFRA_LINK_PREF64_OFF;
        return 0;
    }
    if (strcmp(text, "any") == 0) {
        a->pref64_from = BR_INFRA_LINK_PREF64_ANY;
        return 0;
    }
    if (!addr_parse6(text, a->pref64_router) || a->pref64_router[0] != 0xfe ||
        (a->pref64_router[1] & 0xc0) != 0x80)
        return -1; /* RAs come from link-local addresses (RFC 4861 §6.1.2) */
    a->pref64_from = BR_INFRA_LINK_PREF64_ROUTER;
    return 0;
}

static int parse_args(struct app *a, int argc, char **argv)
{
    const char *url = NULL;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char **val = NULL;

        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strcmp(arg, "--form") == 0) {
            a->form = true;
            continue;
        }
        if (strcmp(arg, "--dns64") == 0) {
            a->dns64 = true;
            continue;
        }
        if (strcmp(arg, "--pref64") == 0) {
            if (i + 1 >= argc || parse_pref64(argv[i + 1], a) != 0) {
                fprintf(stderr, "%s: --pref64: 'off', 'any' or a link-local address (fe80::/10)\n",
                        a->prog);
                return -1;
            }
            i++;
            continue;
        }
        if (strcmp(arg, "--icmp-err-limit") == 0) {
            unsigned n, b;
            char tail;

            if (i + 1 >= argc || sscanf(argv[i + 1], "%u/%u%c", &n, &b, &tail) != 2 || n == 0 ||
                b == 0 || n > 100000 || b > 100000) {
                fprintf(stderr, "%s: --icmp-err-limit: N/B, both 1..100000 (e.g. 10/10)\n",
                        a->prog);
                return -1;
            }
            a->icmp_err_limit.per_s = n;
            a->icmp_err_limit.burst = b;
            i++;
            continue;
        }
        if (strcmp(arg, "--srp-capacity") == 0) {
            unsigned h, s;
            char tail;

            if (i + 1 >= argc || sscanf(argv[i + 1], "%u/%u%c", &h, &s, &tail) != 2 || h == 0 ||
                s == 0 || h > SRP_MAX_HOSTS || s > SRP_MAX_SERVICES) {
                fprintf(stderr, "%s: --srp-capacity: H/S, 1..%u hosts and 1..%u services\n",
                        a->prog, (unsigned)SRP_MAX_HOSTS, (unsigned)SRP_MAX_SERVICES);
                return -1;
            }
            a->srp_hosts = h;
            a->srp_services = s;
            i++;
            continue;
        }
        if (strcmp(arg, "--recheck-ms") == 0) {
            unsigned ms;
            char tail;

            if (i + 1 >= argc || sscanf(argv[i + 1], "%u%c", &ms, &tail) != 1 || ms < 100 ||
                ms > 3600000) {
                fprintf(stderr, "%s: --recheck-ms: 100..3600000\n", a->prog);
                return -1;
            }
            a->recheck_ms = ms;
            i++;
            continue;
        }
        if (strcmp(arg, "--dns-upstream") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", a->prog, arg);
                return -1;
            }
            i++;
            if (a->dns_n >= DNS_SERVER_MAX_UPSTREAMS ||
                parse_upstream(argv[i], &a->dns_up[a->dns_n]) != 0) {
                fprintf(stderr, "%s: --dns-upstream: bad or too many addresses ('%s')\n", a->prog,
                        argv[i]);
                return -1;
            }
            a->dns_n++;
            continue;
        }
        if (strcmp(arg, "-I") == 0)
            val = &a->ifname;
        else if (strcmp(arg, "--resolv-conf") == 0)
            val = &a->resolv_conf;
        else if (strcmp(arg, "-B") == 0)
            val = &a->infra_if;
        else if (strcmp(arg, "--state-dir") == 0)
            val = &a->state_dir;
        else if (strcmp(arg, "--ctl-socket") == 0)
            val = &a->ctl_path;
        else if (strcmp(arg, "--ctl-group") == 0)
            val = &a->ctl_group;
        if (val != NULL || strcmp(arg, "-d") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", a->prog, arg);
                return -1;
            }
            i++;
            if (val != NULL) {
                *val = argv[i];
            } else if (argv[i][0] >= '0' && argv[i][0] <= '4' && argv[i][1] == '\0') {
                a->log_level = argv[i][0] - '0';
            } else {
                fprintf(stderr, "%s: -d: '%s' is not a level 0..4\n", a->prog, argv[i]);
                return -1;
            }
            continue;
        }
        if (arg[0] == '-') {
            fprintf(stderr, "%s: unknown option '%s'\n", a->prog, arg);
            return -1;
        }
        if (url != NULL) {
            fprintf(stderr, "%s: more than one RADIO_URL\n", a->prog);
            return -1;
        }
        url = arg;
    }
    if (url == NULL) {
        fprintf(stderr, "%s: RADIO_URL missing\n", a->prog);
        return -1;
    }
    {
        char err[RADIO_URL_ERR_MAX];

        if (radio_url_parse(&a->url, url, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", a->prog, err);
            return -2; /* said in one line: no usage text after it */
        }
        a->radio_text = url;
        /* An RCP node keeps node 1's state file: the settings do not depend on
         * which radio carries the node. */
        a->node_id = a->url.kind == RADIO_URL_SIM ? a->url.sim_node : 1;
    }
    return 0;
}

static int open_settings(struct app *a)
{
    struct settings_config cfg;
    struct settings_report rep;
    enum settings_err e;
    char name[64];

    if (mkdir(a->state_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: --state-dir: cannot create '%s': %s\n", a->prog, a->state_dir,
                strerror(errno));
        return -1;
    }
    settings_node_name(name, sizeof(name), a->node_id);
    memset(&cfg, 0, sizeof(cfg));
    cfg.dir = a->state_dir;
    cfg.name = name;
    e = settings_open(&cfg, &a->settings, &rep);
    if (e == SETTINGS_OK)
        return 0;
    if (settings_err_is_corrupt(e) && a->settings != NULL) {
        logf_(a, 2, "%s", rep.msg);
        return 0;
    }
    fprintf(stderr, "%s: --state-dir: %s\n", a->prog,
            rep.msg[0] != '\0' ? rep.msg : settings_strerror(e));
    return -1;
}

/* ---- control socket sessions ------------------------------------------------ */

static bool on_rcp(const struct app *a)
{
    return a->url.kind != RADIO_URL_SIM;
}

/* `rcp counters`: the serial link's own counters, after the Spinel host's. */
static void fmt_link(void *user, FILE *out)
{
    const struct app *a = user;
    const struct spinel_link_counters *k = spinel_link_counters(&a->link);

    fprintf(out,
            "link-opens: %llu\nlink-open-failures: %llu\nlink-write-timeouts: %llu\n"
            "link-write-errors: %llu\nlink-child-exits: %llu\nlink-child-kills: %llu\n"
            "link-uart-resets: %llu\n",
            (unsigned long long)k->opens, (unsigned long long)k->open_failures,
            (unsigned long long)k->write_timeouts, (unsigned long long)k->write_errors,
            (unsigned long long)k->child_exits, (unsigned long long)k->child_kills,
            (unsigned long long)k->uart_resets);
}

static ssize_t session_write(void *cookie, const char *buf, size_t size)
{
    struct session *s = cookie;

    if (ctl_write(s->app->ctl, s->client, buf, size) != 0)
        return -1;
    return (ssize_t)size;
}

static void session_finished(void *user)
{
    struct session *s = user;

    if (s->used)
        ctl_complete(s->app->ctl, s->client);
}

static struct session *session_find(struct app *a, uint32_t client)
{
    for (unsigned i = 0; i < MAX_CLIENTS; i++)
        if (a->sessions[i].used && a->sessions[i].client == client)
            return &a->sessions[i];
    return NULL;
}

static struct session *session_new(struct app *a, uint32_t client)
{
    static const cookie_io_functions_t io = {.write = session_write};

    for (unsigned i = 0; i < MAX_CLIENTS; i++) {
        struct session *s = &a->sessions[i];

        /* A slot whose old ping still runs stays out of use until it ends. */
        if (s->used || s->cli.node.ping_active || s->cli.scan_active)
            continue;
        memset(s, 0, sizeof(*s));
        s->out = fopencookie(s, "w", io);
        if (s->out == NULL)
            return NULL;
        setvbuf(s->out, NULL, _IONBF, 0);
        s->used = true;
        s->client = client;
        s->app = a;
        {
            const struct br_cli_rcp rc = {
                .rcp = &a->rcp, .url = a->radio_text, .fmt_link = fmt_link, .user = a};

            br_cli_init(&s->cli, a->agent, on_rcp(a) ? &rc : NULL);
        }
        s->cli.node.on_finish = session_finished;
        s->cli.node.user = s;
        return s;
    }
    return NULL;
}

static void on_ctl(void *ctx, struct ctl_server *srv, uint32_t client, enum ctl_event ev,
                   const char *line, size_t len)
{
    struct app *a = ctx;
    struct session *s = session_find(a, client);

    (void)len;
    if (ev == CTL_EV_CLOSED) {
        if (s != NULL) {
            br_cli_detach(&s->cli);
            s->used = false;
            fclose(s->out);
            s->out = NULL;
        }
        return;
    }
    if (ev == CTL_EV_TOO_LONG) {
        ctl_error(srv, client, OT_ERR_INVALID_ARGS, ot_err_name(OT_ERR_INVALID_ARGS));
        return;
    }
    if (ev == CTL_EV_BAD_LINE) {
        ctl_error(srv, client, OT_ERR_PARSE, ot_err_name(OT_ERR_PARSE));
        return;
    }
    if (strcmp(line, "ctl counters") == 0) {
        const struct ctl_counters *c = ctl_server_counters(srv);

        ctl_printf(srv, client, "accepted: %llu\nrefused-peer: %llu\nrefused-busy: %llu\n",
                   (unsigned long long)c->accepted, (unsigned long long)c->refused_peer,
                   (unsigned long long)c->refused_busy);
        ctl_done(srv, client);
        return;
    }
    if (s == NULL)
        s = session_new(a, client);
    if (s == NULL) {
        ctl_error(srv, client, OT_ERR_BUSY, ot_err_name(OT_ERR_BUSY));
        return;
    }
    if (br_cli_run_line(&s->cli, line, now_ms(), s->out) != OT_ERR_PENDING)
        ctl_complete(srv, client);
}

/* ---- the radio ------------------------------------------------------------------- */

/* The Spinel host's log. While the daemon starts, its faults are kept
 * (the last one ends the one-line start error) rather than printed. */
static void rcp_log(void *user, int level, const char *msg)
{
    struct app *a = user;

    if (a->rcp_starting && level <= 2) {
        snprintf(a->rcp_start_err, sizeof(a->rcp_start_err), "%s", msg);
        return;
    }
    log_msg(a, level, msg);
}

static const struct rcp_stream_ops spinel_link_stream_ops = {.write = spinel_link_write};

/* The link ended (EOF, EIO, the device gone, the child dead) or must be
 * restarted: close it (a forkpty child is reaped) and tell the Spinel host,
 * which schedules the reopen. */
static void rcp_link_lost(struct app *a, uint64_t now, const char *why)
{
    char msg[SPINEL_LINK_WHY_MAX];

    snprintf(msg, sizeof(msg), "%s", why[0] != '\0' ? why : "link closed");
    spinel_link_close(&a->link);
    rcp_link_down(&a->rcp, now, msg);
}

/* Everything the radio link needs in one loop pass: input (bounded), the
 * link's own timers (uart-reset), the Spinel host's timers, the link reset it
 * asks for and the reopen when its back-off has passed. */
static void rcp_service(struct app *a, bool readable, uint64_t now)
{
    if (readable && spinel_link_feed(&a->link, &a->rcp, RCP_READ_BURST, now) == 0)
        rcp_link_lost(a, now, spinel_link_why(&a->link));
    if (spinel_link_tick(&a->link) < 0)
        rcp_link_lost(a, now, spinel_link_why(&a->link));
    rcp_tick(&a->rcp, now);
    if (rcp_wants_link_reset(&a->rcp))
        rcp_link_lost(a, now, "the RCP answers nothing, not even a reset: restarting the link");
    /* A failed write put the Spinel host DOWN behind the link's back. */
    if (rcp_state(&a->rcp) == RCP_STATE_DOWN && spinel_link_fd(&a->link) >= 0)
        spinel_link_close(&a->link);
    if (rcp_reopen_due(&a->rcp, now)) {
        if (spinel_link_open(&a->link) == 0)
            rcp_link_up(&a->rcp, now);
        else
            rcp_link_down(&a->rcp, now, spinel_link_why(&a->link));
    }
}

static int64_t rcp_wait_ms(const struct app *a, uint64_t now)
{
    int64_t t = rcp_timeout_ms(&a->rcp, now);
    int l = spinel_link_timeout_ms(&a->link);

    if (l >= 0 && (t < 0 || l < t))
        t = l;
    return t;
}

/*
 * Opens the link and waits for the RCP to be READY (RCP_START_WAIT_MS).
 * Failing here is fatal and says why in one line: the device or program
 * cannot be opened, the RCP is incompatible, or it does not answer (a wrong
 * baud rate, NCP firmware, not an RCP at all).
 */
static int rcp_start_wait(struct app *a);

static int rcp_start(struct app *a)
{
    int r;

    a->rcp_starting = true;
    r = rcp_start_wait(a);
    a->rcp_starting = false;
    return r;
}

static int rcp_start_wait(struct app *a)
{
    struct rcp_config cfg;
    uint64_t start = now_ms(), now;

    spinel_link_init(&a->link, &a->url);
    memset(&cfg, 0, sizeof(cfg));
    cfg.stream_ops = &spinel_link_stream_ops;
    cfg.stream = &a->link;
    cfg.log = rcp_log;
    cfg.log_user = a;
    if (rcp_init(&a->rcp, &cfg) != 0) {
        fprintf(stderr, "%s: radio: cannot set up the Spinel host\n", a->prog);
        return -1;
    }
    if (spinel_link_open(&a->link) != 0) {
        fprintf(stderr, "%s: %s\n", a->prog, spinel_link_why(&a->link));
        return -1;
    }
    rcp_link_up(&a->rcp, start);
    for (now = start; now - start < RCP_START_WAIT_MS && stop_signal == 0; now = now_ms()) {
        struct pollfd pfd = {.fd = spinel_link_fd(&a->link), .events = POLLIN};
        int64_t wait = rcp_wait_ms(a, now), left = (int64_t)(RCP_START_WAIT_MS - (now - start));

        if (wait < 0 || wait > left)
            wait = left;
        if (poll(&pfd, 1, (int)wait) < 0 && errno != EINTR)
            break;
        now = now_ms();
        if (pfd.revents != 0 && spinel_link_feed(&a->link, &a->rcp, 1, now) == 0) {
            fprintf(stderr, "%s: radio: %s, before it was ready\n", a->prog,
                    spinel_link_why(&a->link));
            spinel_link_close(&a->link);
            return -1;
        }
        if (spinel_link_tick(&a->link) < 0) {
            fprintf(stderr, "%s: radio: %s\n", a->prog, spinel_link_why(&a->link));
            spinel_link_close(&a->link);
            return -1;
        }
        rcp_tick(&a->rcp, now);
        if (rcp_state(&a->rcp) == RCP_STATE_READY) {
            const struct rcp_info *in = rcp_info(&a->rcp);

            logf_(a, 3, "radio: RCP ready on %s in %llu ms: %s (Spinel %u.%u)", a->radio_text,
                  (unsigned long long)(now - start), in->ncp_version, in->protocol_major,
                  in->protocol_minor);
            return 0;
        }
        if (rcp_state(&a->rcp) == RCP_STATE_INCOMPATIBLE) {
            fprintf(stderr, "%s: radio: %s\n", a->prog, rcp_last_error(&a->rcp));
            spinel_link_close(&a->link);
            return -1;
        }
        if (rcp_wants_link_reset(&a->rcp) || rcp_state(&a->rcp) == RCP_STATE_DOWN)
            break;
    }
    fprintf(stderr,
            "%s: radio: no answer from the RCP on %s (check the device, the baud rate and that "
            "it runs OpenThread RCP firmware)%s%s\n",
            a->prog, radio_url_path(&a->url), a->rcp_start_err[0] != '\0' ? ": " : "",
            a->rcp_start_err);
    spinel_link_close(&a->link);
    return -1;
}

static int radio_open(struct app *a)
{
    struct sim_radio_config rcfg;

    if (on_rcp(a))
        return rcp_start(a);
    memset(&rcfg, 0, sizeof(rcfg));
    rcfg.node_id = a->node_id;
    rcfg.channel = RADIO_CHANNEL_MIN;
    if (sim_radio_open(&a->radio, &rcfg) != 0) {
        fprintf(stderr, "%s: radio: %s\n", a->prog, a->radio.err);
        return -1;
    }
    return 0;
}

static void radio_close(struct app *a)
{
    if (on_rcp(a))
        spinel_link_close(&a->link);
    else
        sim_radio_close(&a->radio);
}

/* ---- the loop ------------------------------------------------------------------- */

static int loop(struct app *a, const sigset_t *waitmask)
{
    size_t nctl = ctl_server_pollfd_count(a->ctl);
    struct pollfd *pfd = calloc(3 + nctl + RESOLVER_SOCK_MAX, sizeof(*pfd));

    if (pfd == NULL) {
        logf_(a, 1, "out of memory");
        return -1;
    }
    while (stop_signal == 0) {
        nfds_t n = 0;
        int tun_idx = -1, infra_idx = -1;
        size_t ctl_n, dns_n, dns_at;
        int64_t wait;
        struct timespec ts, *tsp = NULL;
        uint64_t now;
        int r;

        pfd[n].fd = on_rcp(a) ? spinel_link_fd(&a->link) : sim_radio_fd(&a->radio);
        pfd[n].events = POLLIN;
        pfd[n].revents = 0;
        n++;
        if (a->tun.fd >= 0) {
            tun_idx = (int)n;
            pfd[n].fd = a->tun.fd;
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            n++;
        }
        if (a->infra.fd >= 0) {
            infra_idx = (int)n;
            pfd[n].fd = a->infra.fd;
            pfd[n].events = POLLIN;
            pfd[n].revents = 0;
            n++;
        }
        dns_at = n;
        dns_n = resolver_sock_pollfds(&a->resolver, pfd + n, RESOLVER_SOCK_MAX);
        n += (nfds_t)dns_n;
        ctl_n = ctl_server_pollfds(a->ctl, pfd + n, nctl);
        now = now_ms();
        wait = br_agent_next_timeout_ms(a->agent, now);
        for (unsigned i = 0; i < MAX_CLIENTS; i++) {
            int64_t t;

            if (!a->sessions[i].used)
                continue;
            t = node_cli_next_timeout_ms(&a->sessions[i].cli.node, now);
            if (t >= 0 && (wait < 0 || t < wait))
                wait = t;
        }
        if (on_rcp(a)) {
            int64_t t = rcp_wait_ms(a, now);

            if (t >= 0 && (wait < 0 || t < wait))
                wait = t;
        }
        if (ctl_server_has_pending(a->ctl))
            wait = 0;
        if (wait >= 0) {
            ts.tv_sec = (time_t)(wait / 1000);
            ts.tv_nsec = (long)(wait % 1000) * 1000000L;
            tsp = &ts;
        }
        r = ppoll(pfd, n + ctl_n, tsp, waitmask);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            logf_(a, 1, "poll: %s", strerror(errno));
            free(pfd);
            return -1;
        }
        now = now_ms();
        if (on_rcp(a)) {
            rcp_service(a, pfd[0].fd >= 0 && pfd[0].revents != 0, now);
            if (rcp_state(&a->rcp) == RCP_STATE_INCOMPATIBLE) {
                logf_(a, 1, "radio: %s: stopping", rcp_last_error(&a->rcp));
                stop_fatal = 1;
                break;
            }
        } else if (pfd[0].revents & (POLLIN | POLLERR)) {
            if (sim_radio_receive(&a->radio, now, br_agent_radio_rx, a->agent) < 0)
                logf_(a, 2, "radio: %s", a->radio.err);
        }
        if (tun_idx >= 0 && (pfd[tun_idx].revents & (POLLIN | POLLERR)))
            br_agent_tun_read(a->agent, TUN_BURST, now);
        if (infra_idx >= 0 && (pfd[infra_idx].revents & (POLLIN | POLLERR)))
            br_agent_infra_read(a->agent, now);
        if (r > 0 && dns_n > 0)
            resolver_sock_io(&a->resolver, pfd + dns_at, dns_n, now, br_agent_dns_upstream_rx,
                             a->agent);
        br_agent_process(a->agent, now_ms());
        for (unsigned i = 0; i < MAX_CLIENTS; i++)
            if (a->sessions[i].used)
                node_cli_process(&a->sessions[i].cli.node, now_ms());
        ctl_server_process(a->ctl, r > 0 ? pfd + n : NULL, r > 0 ? ctl_n : 0);
    }
    free(pfd);
    if (stop_fatal)
        return -1;
    logf_(a, 3, "%s: shutting down", strsignal(stop_signal));
    return 0;
}

/* The TUN, the infrastructure link's socket (border routing), the host's
 * network configuration and the resolver sockets the agent works through.
 * A TUN or infrastructure interface that cannot be opened is fatal; netconf
 * is not (NAT64 then stays NotRunning). */
static int open_platform(struct app *a)
{
    char err[BR_AGENT_ERR_MAX];

    a->tun.fd = a->infra.fd = -1;
    resolver_sock_init(&a->resolver);
    if (tun_dev_open(&a->tun, a->ifname, BR_AGENT_MTU, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", a->prog, err);
        return -1;
    }
    logf_(a, 3, "tun: %s up, MTU %d", a->tun.name, BR_AGENT_MTU);
    if (a->infra_if != NULL) {
        if (icmp6_sock_open(&a->infra, a->infra_if, err, sizeof(err)) != 0) {
            fprintf(stderr, "%s: %s\n", a->prog, err);
            return -1;
        }
        if (a->infra.warn[0] != '\0')
            logf_(a, 2, "infra: %s", a->infra.warn);
    }
    a->nc = netconf_open(NULL, err, sizeof(err));
    if (a->nc == NULL)
        logf_(a, 1, "netconf: %s (NAT64 stays NotRunning)", err);
    return 0;
}

static void close_platform(struct app *a)
{
    resolver_sock_free(&a->resolver);
    netconf_close(a->nc);
    a->nc = NULL;
    icmp6_sock_close(&a->infra);
    tun_dev_close(&a->tun);
}

int main(int argc, char **argv)
{
    static struct app app;
    struct app *a = &app;
    struct br_agent_cfg acfg;
    struct kv kv;
    struct ctl_config ccfg;
    sigset_t waitmask;
    char err[BR_AGENT_ERR_MAX];
    enum ot_err te;
    int rc = 0, r;

    a->prog = "tbr-agent";
    a->ifname = "wpan0";
    a->state_dir = STATE_DIR_DEFAULT;
    a->log_level = 3;
    r = parse_args(a, argc, argv);
    if (r != 0) {
        if (r != -2)
            usage(stderr);
        return 2;
    }
    umask(077); /* settings hold the network key; the socket sets its own mode */
    if (a->ctl_group != NULL) {
        const struct group *g = getgrnam(a->ctl_group);

        if (g == NULL) {
            fprintf(stderr, "%s: --ctl-group: no group named '%s'\n", a->prog, a->ctl_group);
            return 2;
        }
        a->ctl_gid = g->gr_gid;
    }

    plat_signals_setup(on_signal, &waitmask);

    if (radio_open(a) != 0)
        return 1;
    if (open_settings(a) != 0) {
        rc = 1;
        goto out_radio;
    }

    if (open_platform(a) != 0) {
        rc = 1;
        goto out_platform;
    }
    memset(&acfg, 0, sizeof(acfg));
    acfg.node_id = (uint8_t)a->node_id;
    if (on_rcp(a)) {
        acfg.radio_ops = &rcp_radio_ops;
        acfg.radio = &a->rcp;
    } else {
        acfg.radio_ops = &sim_radio_ops;
        acfg.radio = &a->radio;
    }
    if (a->settings != NULL)
        settings_kv(a->settings, &kv); /* the agent copies kv */
    acfg.kv = a->settings != NULL ? &kv : NULL;
    acfg.random = random_bytes;
    acfg.log = log_msg;
    acfg.user = a;
    acfg.tun_ops = &tun_dev_ops;
    acfg.tun = &a->tun;
    acfg.tun_name = a->tun.name;
    acfg.infra_if = a->infra_if;
    if (a->infra_if != NULL) {
        acfg.infra_ops = &icmp6_sock_linux_ops;
        acfg.infra_sock = &a->infra;
    }
    if (a->nc != NULL) {
        acfg.netconf_ops = &netconf_linux_ops;
        acfg.netconf = a->nc;
    }
    acfg.dns_upstreams = a->dns_up;
    acfg.dns_n_upstreams = a->dns_n;
    acfg.resolv_conf = a->resolv_conf != NULL ? a->resolv_conf : RESOLV_CONF_DEFAULT;
    acfg.file_ops = &textfile_linux_ops;
    acfg.resolver_ops = &resolver_sock_linux_ops;
    acfg.resolver = &a->resolver;
    acfg.dns64 = a->dns64;
    acfg.pref64_from = a->pref64_from;
    acfg.icmp_err_limit = a->icmp_err_limit;
    acfg.recheck_ms = a->recheck_ms;
    memcpy(acfg.pref64_router, a->pref64_router, 16);
    acfg.wall_ms = wall_ms;
    acfg.srp_max_hosts = a->srp_hosts;
    acfg.srp_max_services = a->srp_services;
    a->agent = br_agent_new(&acfg, now_ms(), err, sizeof(err));
    if (a->agent == NULL) {
        fprintf(stderr, "%s: %s\n", a->prog, err);
        rc = 1;
        goto out_platform;
    }

    if (on_rcp(a))
        rcp_set_handlers(&a->rcp, br_agent_radio_rx, br_agent_radio_tx_done, a->agent);

    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.ifname = a->ifname;
    ccfg.path = a->ctl_path;
    ccfg.max_clients = MAX_CLIENTS;
    ccfg.handler = on_ctl;
    ccfg.log = ctl_log;
    ccfg.ctx = a;
    ccfg.has_group = a->ctl_group != NULL;
    ccfg.group = a->ctl_gid;
    ccfg.group_name = a->ctl_group;
    a->ctl = ctl_server_open(&ccfg, err, sizeof(err));
    if (a->ctl == NULL) {
        fprintf(stderr, "%s: %s\n", a->prog, err);
        rc = 1;
        goto out_agent;
    }
    logf_(a, 3, "control socket %s", ctl_server_path(a->ctl));

    te = br_agent_autostart(a->agent, a->form, now_ms());
    if (te != OT_ERR_NONE)
        logf_(a, 1, "cannot start Thread: %s", ot_err_name((int)te));

    if (loop(a, &waitmask) != 0)
        rc = 1;

    ctl_server_close(a->ctl);
out_agent:
    br_agent_free(a->agent, now_ms());
    for (unsigned i = 0; i < MAX_CLIENTS; i++)
        if (a->sessions[i].out != NULL)
            fclose(a->sessions[i].out);
out_platform:
    close_platform(a);
    if (a->settings != NULL)
        settings_close(a->settings);
out_radio:
    radio_close(a);
    return rc;
}
