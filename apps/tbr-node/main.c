/*
 * tbr-node: one simulated Thread device with OpenThread's CLI, like
 * OpenThread's `ot-cli-ftd` on its simulation platform.
 *
 *   tbr-node [--state-dir DIR] [--pcap FILE] [--loss RATE] <nodeid>
 *
 * Reads CLI commands on stdin, one per line, and writes the results on
 * stdout; every command ends with "Done" or "Error N: Name". The prompt
 * "> " is printed only when stdin is a terminal. The radio is OpenThread's
 * simulation transport (UDP multicast on loopback; PORT_BASE/PORT_OFFSET
 * from the environment). EOF on stdin, SIGTERM or SIGINT: clean exit (a
 * running ping is let finish on EOF), the node's state saved.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/node_cli.h"
#include "svc/srp_node.h"
#include "mac/pcap.h"
#include "platform/settings.h"
#include "platform/signals.h"
#include "platform/sim_radio.h"
#include "thread/node.h"

#define LINE_BUF 4096

struct app {
    const char *prog;
    unsigned node_id;
    const char *state_dir;
    const char *pcap_path;
    double loss;
    bool tty;
    int log_level;

    struct sim_radio radio;
    struct mac_pcap pcap;
    bool pcap_open;
    struct tnode *node;
    struct node_cli cli;
    struct srp_node srp; /* the node's SRP client (`srp client ...`) */

    char line[LINE_BUF];
    size_t line_len;
    bool line_overflow;
    bool eof;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [--state-dir DIR] [--pcap FILE] [--loss RATE] <nodeid>\n"
            "  nodeid       1..%d, the simulated radio's node id\n"
            "  --state-dir  keep the node's settings (dataset, keys, counters) in DIR\n"
            "  --pcap       write every frame sent or received to FILE (pcap, 802.15.4)\n"
            "  --loss       drop this fraction (0..1) of received frames\n"
            "environment: PORT_BASE (9000), PORT_OFFSET (0), TBR_LOG (1..4, default 2)\n",
            prog, SIM_RADIO_MAX_NODES);
}

static void node_random(void *user, uint8_t *buf, size_t len)
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

static void node_log(void *user, int level, const char *msg)
{
    struct app *a = user;
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};

    if (level > a->log_level)
        return;
    fprintf(stderr, "tbr-node %u: %s: %s\n", a->node_id,
            names[level >= 1 && level <= 4 ? level : 0], msg);
}

static void prompt(struct app *a)
{
    if (a->tty) {
        fputs("> ", stdout);
        fflush(stdout);
    }
}

static void on_cli_finish(void *user)
{
    prompt(user);
}

static int parse_args(struct app *a, int argc, char **argv)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout, a->prog);
            exit(0);
        }
        if (strcmp(arg, "--state-dir") == 0 || strcmp(arg, "--pcap") == 0 ||
            strcmp(arg, "--loss") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", a->prog, arg);
                return -1;
            }
            if (strcmp(arg, "--state-dir") == 0) {
                a->state_dir = argv[++i];
            } else if (strcmp(arg, "--pcap") == 0) {
                a->pcap_path = argv[++i];
            } else {
                char *end;

                errno = 0;
                a->loss = strtod(argv[++i], &end);
                if (errno != 0 || end == argv[i] || *end != '\0' || !(a->loss >= 0.0) ||
                    a->loss > 1.0) {
                    fprintf(stderr, "%s: --loss: '%s' is not a rate in 0..1\n", a->prog, argv[i]);
                    return -1;
                }
            }
            continue;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "%s: unknown option '%s'\n", a->prog, arg);
            return -1;
        }
        break;
    }
    if (i != argc - 1) {
        fprintf(stderr, "%s: expected one node id\n", a->prog);
        return -1;
    }
    {
        char *end;
        unsigned long id;

        errno = 0;
        id = strtoul(argv[i], &end, 10);
        if (errno != 0 || end == argv[i] || *end != '\0' || id < 1 || id > SIM_RADIO_MAX_NODES) {
            fprintf(stderr, "%s: node id '%s' is not in 1..%d\n", a->prog, argv[i],
                    SIM_RADIO_MAX_NODES);
            return -1;
        }
        a->node_id = (unsigned)id;
    }
    return 0;
}

static int open_state_dir(struct app *a, struct settings **out)
{
    struct settings_config cfg;
    struct settings_report rep;
    enum settings_err e;
    char name[64];

    *out = NULL;
    if (a->state_dir == NULL)
        return 0;
    if (mkdir(a->state_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: --state-dir: cannot create '%s': %s\n", a->prog, a->state_dir,
                strerror(errno));
        return -1;
    }
    settings_node_name(name, sizeof(name), a->node_id);
    memset(&cfg, 0, sizeof(cfg));
    cfg.dir = a->state_dir;
    cfg.name = name;
    e = settings_open(&cfg, out, &rep);
    if (e == SETTINGS_OK)
        return 0;
    if (settings_err_is_corrupt(e) && *out != NULL) {
        /* Moved aside, never reset silently: say so, start afresh. */
        fprintf(stderr, "%s: %s\n", a->prog, rep.msg);
        return 0;
    }
    fprintf(stderr, "%s: --state-dir: %s\n", a->prog,
            rep.msg[0] != '\0' ? rep.msg : settings_strerror(e));
    return -1;
}

static void close_state_dir(struct settings *s)
{
    if (s != NULL)
        settings_close(s);
}

/* Runs complete lines from the buffer until a command stays pending. */
static void run_lines(struct app *a)
{
    size_t start = 0;

    while (!node_cli_pending(&a->cli)) {
        char *nl = memchr(a->line + start, '\n', a->line_len - start);
        size_t len;

        if (nl == NULL)
            break;
        *nl = '\0';
        len = (size_t)(nl - (a->line + start));
        if (len > 0 && a->line[start + len - 1] == '\r')
            a->line[start + len - 1] = '\0';
        if (a->line_overflow) {
            /* The tail of an over-long line: OpenThread's line limit. */
            a->line_overflow = false;
            cli_print_result(stdout, OT_ERR_PARSE);
            prompt(a);
        } else {
            enum ot_err e = node_cli_run_line(&a->cli, a->line + start, now_ms(), stdout);

            if (e != OT_ERR_PENDING)
                prompt(a);
        }
        fflush(stdout);
        start += len + 1;
    }
    memmove(a->line, a->line + start, a->line_len - start);
    a->line_len -= start;
    if (a->line_len == sizeof(a->line)) {
        /* No newline in a full buffer: drop it, report when the line ends. */
        a->line_overflow = true;
        a->line_len = 0;
    }
}

static int read_stdin(struct app *a)
{
    ssize_t r = read(STDIN_FILENO, a->line + a->line_len, sizeof(a->line) - a->line_len);

    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return 0;
        fprintf(stderr, "%s: stdin: %s\n", a->prog, strerror(errno));
        a->eof = true;
        return -1;
    }
    if (r == 0) {
        a->eof = true;
        /* A last line without a newline still counts. */
        if (a->line_len > 0 && a->line_len < sizeof(a->line))
            a->line[a->line_len++] = '\n';
        run_lines(a);
        return 0;
    }
    a->line_len += (size_t)r;
    run_lines(a);
    return 0;
}

static int loop(struct app *a, const sigset_t *waitmask)
{
    for (;;) {
        struct pollfd pfd[2];
        nfds_t nfds = 0;
        int stdin_idx = -1;
        int64_t wait;
        struct timespec ts, *tsp = NULL;
        uint64_t now;
        int r;

        if (stop_signal != 0)
            return 0;
        /* Lines read together with a command that was pending run now. */
        if (!node_cli_pending(&a->cli))
            run_lines(a);
        if (a->eof && !node_cli_pending(&a->cli))
            return 0;

        pfd[nfds].fd = sim_radio_fd(&a->radio);
        pfd[nfds].events = POLLIN;
        nfds++;
        if (!a->eof && !node_cli_pending(&a->cli)) {
            stdin_idx = (int)nfds;
            pfd[nfds].fd = STDIN_FILENO;
            pfd[nfds].events = POLLIN;
            nfds++;
        }
        now = now_ms();
        wait = tnode_next_timeout_ms(a->node, now);
        /* The CLI's own timers (DNS client timeout and retries). */
        int64_t cw = node_cli_next_timeout_ms(&a->cli, now);
        if (cw >= 0 && (wait < 0 || cw < wait))
            wait = cw;
        /* The SRP client's (jitter, answer timeout, lease renewal). */
        int64_t sw = srp_node_next_timeout_ms(&a->srp, now);
        if (sw >= 0 && (wait < 0 || sw < wait))
            wait = sw;
        if (wait >= 0) {
            ts.tv_sec = (time_t)(wait / 1000);
            ts.tv_nsec = (long)(wait % 1000) * 1000000L;
            tsp = &ts;
        }
        r = ppoll(pfd, nfds, tsp, waitmask);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: poll: %s\n", a->prog, strerror(errno));
            return -1;
        }
        now = now_ms();
        if (pfd[0].revents & (POLLIN | POLLERR)) {
            if (sim_radio_receive(&a->radio, now, tnode_radio_rx, a->node) < 0)
                fprintf(stderr, "%s: radio: %s\n", a->prog, a->radio.err);
        }
        tnode_process(a->node, now_ms());
        node_cli_process(&a->cli, now_ms());
        srp_node_process(&a->srp, now_ms());
        fflush(stdout);
        if (stdin_idx >= 0 && (pfd[stdin_idx].revents & (POLLIN | POLLHUP | POLLERR))) {
            read_stdin(a);
            srp_node_process(&a->srp, now_ms()); /* what the commands changed */
        }
        if (ferror(stdout)) {
            /* The reader went away (EPIPE): nobody to talk to. */
            return 0;
        }
    }
}

int main(int argc, char **argv)
{
    static struct app app;
    struct app *a = &app;
    struct sim_radio_config rcfg;
    struct tnode_cfg ncfg;
    struct kv kv;
    struct settings *settings = NULL;
    sigset_t waitmask;
    const char *lvl;
    int rc = 0;

    a->prog = "tbr-node";
    a->log_level = 2;
    lvl = getenv("TBR_LOG");
    if (lvl != NULL && lvl[0] >= '0' && lvl[0] <= '4' && lvl[1] == '\0')
        a->log_level = lvl[0] - '0';
    if (parse_args(a, argc, argv) != 0) {
        usage(stderr, a->prog);
        return 2;
    }
    a->tty = isatty(STDIN_FILENO) == 1;

    /* blocked except inside ppoll: none is lost (platform/signals.h) */
    plat_signals_setup(on_signal, &waitmask);

    memset(&rcfg, 0, sizeof(rcfg));
    rcfg.node_id = a->node_id;
    rcfg.channel = RADIO_CHANNEL_MIN;
    rcfg.port_base = 0; /* PORT_BASE / PORT_OFFSET */
    if (sim_radio_open(&a->radio, &rcfg) != 0) {
        fprintf(stderr, "%s: radio: %s\n", a->prog, a->radio.err);
        return 1;
    }
    if (a->loss > 0.0)
        sim_radio_set_loss(&a->radio, a->loss, 0x9e3779b97f4a7c15ULL ^ a->node_id);
    if (a->pcap_path != NULL) {
        if (mac_pcap_open(&a->pcap, a->pcap_path, 0) != 0) {
            fprintf(stderr, "%s: %s\n", a->prog, a->pcap.err);
            rc = 1;
            goto out_radio;
        }
        a->pcap_open = true;
    }
    if (open_state_dir(a, &settings) != 0) {
        rc = 1;
        goto out_pcap;
    }

    memset(&ncfg, 0, sizeof(ncfg));
    ncfg.node_id = (uint8_t)a->node_id;
    ncfg.radio_ops = &sim_radio_ops;
    ncfg.radio = &a->radio;
    ncfg.pcap = a->pcap_open ? &a->pcap : NULL;
    if (settings != NULL)
        settings_kv(settings, &kv); /* the node copies kv */
    ncfg.kv = settings != NULL ? &kv : NULL;
    ncfg.random = node_random;
    ncfg.log = node_log;
    ncfg.user = a;
    ncfg.router_eligible = true;
    a->node = tnode_new(&ncfg, now_ms());
    if (a->node == NULL) {
        fprintf(stderr, "%s: cannot create the node\n", a->prog);
        rc = 1;
        goto out_settings;
    }
    node_cli_init(&a->cli, a->node);
    a->cli.on_finish = on_cli_finish;
    a->cli.user = a;
    /* The SRP key lives in the node's settings (made on first start). */
    if (srp_node_init(&a->srp, a->node, ncfg.kv, node_random, a) != 0) {
        fprintf(stderr, "%s: cannot make the SRP client key\n", a->prog);
        tnode_free(a->node);
        rc = 1;
        goto out_settings;
    }
    a->cli.srp = &a->srp.client;

    prompt(a);
    if (loop(a, &waitmask) != 0)
        rc = 1;
    fflush(stdout);

    srp_node_free(&a->srp);
    tnode_free(a->node); /* saves what the settings keep */
out_settings:
    close_state_dir(settings);
out_pcap:
    if (a->pcap_open && mac_pcap_close(&a->pcap) != 0) {
        fprintf(stderr, "%s: %s\n", a->prog, a->pcap.err);
        rc = 1;
    }
out_radio:
    sim_radio_close(&a->radio);
    return rc;
}
