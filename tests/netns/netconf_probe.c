/*
 * tbr-netconf-probe: drives src/platform/netconf for tests/netns/test_netconf.sh.
 *
 *   tbr-netconf-probe [GLOBAL] setup   [--infra IF --pool CIDR] [--dev IF]
 *                                      [--route6 P]... [--route4 P]... [--metric N]
 *                                      [--forwarding] [--exclusive]
 *   tbr-netconf-probe [GLOBAL] check   (same options): all present?
 *   tbr-netconf-probe [GLOBAL] absent  (same options): none present?
 *   tbr-netconf-probe [GLOBAL] cleanup [--dev IF --route6 P... --route4 P...]
 *                                      [--restore-forwarding V4,V6]
 *   tbr-netconf-probe [GLOBAL] cycle   (setup options): setup, check, netconf_cleanup(),
 *                                      then absent and forwarding back as found
 *   tbr-netconf-probe [GLOBAL] ruleset --infra IF --pool CIDR
 *   tbr-netconf-probe [GLOBAL] ruleset --thread IF [--ml P] [--onmesh P]...
 *   tbr-netconf-probe [GLOBAL] forwarding          prints "ipv4=N ipv6=N"
 *   tbr-netconf-probe [GLOBAL] accept-ra --infra IF  prints "accept_ra=N"
 *   tbr-netconf-probe [GLOBAL] counters            the policy's "NAME PACKETS BYTES"
 *
 *   The forwarding policy: --thread IF [--ml P/64] [--onmesh P]... with
 *   setup (install), check/absent, cleanup (remove), cycle; --accept-ra N
 *   with setup/cycle sets accept_ra on --infra (cycle: restored after).
 *
 *   GLOBAL: --table NAME (nft table, default tbr), --nft PATH, --proc-sys DIR
 *
 * setup leaves everything in place (the process ends without cleanup) and
 * prints the forwarding values it found as "old-forwarding V4,V6".
 *
 * Exit: 0 ok; 1 a check failed (what is printed); 2 an operation failed;
 * 64 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/netconf.h"

#define MAX_ROUTES 8

struct args {
    const char *infra;
    const char *pool;
    const char *dev;
    const char *route[MAX_ROUTES];
    unsigned nroute;
    unsigned long metric;
    bool forwarding;
    bool exclusive;
    const char *restore;
    struct netconf_fw fw; /* thread_if empty: no policy */
    int accept_ra;        /* -1: not set */
};

static int usage(void)
{
    fprintf(stderr, "usage: tbr-netconf-probe [--table NAME] [--nft PATH] [--proc-sys DIR]\n"
                    "       {setup|check|absent|cleanup|cycle|ruleset|forwarding} [options]\n"
                    "  --infra IF --pool CIDR --dev IF --route6 P --route4 P --metric N\n"
                    "  --forwarding --exclusive --restore-forwarding V4,V6\n");
    return 64;
}

static int parse_pool(const struct args *a, struct addr_prefix4 *p)
{
    if (!a->pool || !addr_parse_prefix4(a->pool, p)) {
        fprintf(stderr, "tbr-netconf-probe: bad or missing --pool '%s'\n", a->pool ? a->pool : "");
        return -1;
    }
    return 0;
}

static int parse_routes(const struct args *a, struct netconf_route *r)
{
    char err[NETCONF_ERR_MAX];
    if (a->nroute && !a->dev) {
        fprintf(stderr, "tbr-netconf-probe: --route4/--route6 need --dev\n");
        return -1;
    }
    for (unsigned i = 0; i < a->nroute; i++) {
        if (netconf_route_parse(a->route[i], a->dev, (uint32_t)a->metric, &r[i], err, sizeof(err)) <
            0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return -1;
        }
    }
    return 0;
}

static int do_setup(struct netconf *nc, const struct args *a)
{
    char err[NETCONF_ERR_MAX];
    struct netconf_route r[MAX_ROUTES];
    if (parse_routes(a, r) < 0)
        return 64;
    if (a->forwarding) {
        int v4 = -1, v6 = -1;
        if (netconf_forwarding_get(nc, NETCONF_IPV4, &v4, err, sizeof(err)) < 0 ||
            netconf_forwarding_get(nc, NETCONF_IPV6, &v6, err, sizeof(err)) < 0 ||
            netconf_forwarding_enable(nc, NETCONF_IPV4 | NETCONF_IPV6, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("old-forwarding %d,%d\n", v4, v6);
    }
    if (a->fw.thread_if[0]) {
        if (netconf_fw_install(nc, &a->fw, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("policy installed\n");
    }
    if (a->accept_ra >= 0) {
        if (!a->infra)
            return 64;
        if (netconf_accept_ra_set(nc, a->infra, a->accept_ra, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("accept_ra %d\n", a->accept_ra);
    }
    if (a->pool || (a->infra && a->accept_ra < 0)) {
        struct addr_prefix4 pool;
        if (!a->infra || parse_pool(a, &pool) < 0)
            return 64;
        if (netconf_nat44_install(nc, &pool, a->infra, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("nat44 installed\n");
    }
    for (unsigned i = 0; i < a->nroute; i++) {
        if (netconf_route_add(nc, &r[i], !a->exclusive, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("route %s added\n", a->route[i]);
    }
    return 0;
}

/* want_present: check; !want_present: absent. */
static int do_check(struct netconf *nc, const struct args *a, bool want_present)
{
    char err[NETCONF_ERR_MAX];
    struct netconf_route r[MAX_ROUTES];
    int status = 0;
    if (parse_routes(a, r) < 0)
        return 64;
    if (a->fw.thread_if[0]) {
        err[0] = '\0';
        int rc = netconf_fw_check(nc, &a->fw, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("policy %s%s%s\n", rc ? "present" : "absent", rc ? "" : ": ", rc ? "" : err);
        if (rc != want_present)
            status = 1;
    }
    if (a->infra || a->pool) {
        struct addr_prefix4 pool;
        if (!a->infra || parse_pool(a, &pool) < 0)
            return 64;
        err[0] = '\0';
        int rc = netconf_nat44_check(nc, &pool, a->infra, err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("nat44 %s%s%s\n", rc ? "present" : "absent", rc ? "" : ": ", rc ? "" : err);
        if (rc != want_present)
            status = 1;
    }
    for (unsigned i = 0; i < a->nroute; i++) {
        int rc = netconf_route_present(nc, &r[i], err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("route %s %s\n", a->route[i], rc ? "present" : "absent");
        if (rc != want_present)
            status = 1;
    }
    return status;
}

static int do_cleanup(struct netconf *nc, const struct args *a)
{
    char err[NETCONF_ERR_MAX];
    struct netconf_route r[MAX_ROUTES];
    int status = 0;
    if (parse_routes(a, r) < 0)
        return 64;
    if (netconf_nat44_remove(nc, err, sizeof(err)) < 0) {
        fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        status = 2;
    }
    if (a->fw.thread_if[0] && netconf_fw_remove(nc, err, sizeof(err)) < 0) {
        fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        status = 2;
    }
    for (unsigned i = 0; i < a->nroute; i++) {
        int rc = netconf_route_del(nc, &r[i], err, sizeof(err));
        if (rc < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            status = 2;
        } else {
            printf("route %s %s\n", a->route[i], rc == 0 ? "deleted" : "was absent");
        }
    }
    if (a->restore) {
        /* a process of its own cannot restore through the handle: write the values back */
        int v4, v6;
        if (sscanf(a->restore, "%d,%d", &v4, &v6) != 2) {
            fprintf(stderr, "tbr-netconf-probe: bad --restore-forwarding '%s'\n", a->restore);
            return 64;
        }
        FILE *f4 = fopen("/proc/sys/net/ipv4/ip_forward", "w");
        FILE *f6 = fopen("/proc/sys/net/ipv6/conf/all/forwarding", "w");
        bool ok = f4 && f6 && fprintf(f4, "%d\n", v4) > 0 && fprintf(f6, "%d\n", v6) > 0;
        if (f4 && fclose(f4) != 0)
            ok = false;
        if (f6 && fclose(f6) != 0)
            ok = false;
        if (!ok) {
            fprintf(stderr, "tbr-netconf-probe: cannot restore forwarding: %s\n", strerror(errno));
            status = 2;
        }
    }
    return status;
}

static int do_cycle(struct netconf *nc, const struct args *a)
{
    char err[NETCONF_ERR_MAX];
    int v4 = -1, v6 = -1, n4 = -1, n6 = -1, ra = -1, nra = -1;
    if (netconf_forwarding_get(nc, NETCONF_IPV4, &v4, err, sizeof(err)) < 0 ||
        netconf_forwarding_get(nc, NETCONF_IPV6, &v6, err, sizeof(err)) < 0 ||
        (a->accept_ra >= 0 && netconf_accept_ra_get(nc, a->infra, &ra, err, sizeof(err)) < 0)) {
        fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        return 2;
    }
    int rc = do_setup(nc, a);
    if (rc == 0)
        rc = do_check(nc, a, true);
    if (netconf_cleanup(nc, err, sizeof(err)) < 0) {
        fprintf(stderr, "tbr-netconf-probe: cleanup: %s\n", err);
        return 2;
    }
    if (rc != 0)
        return rc;
    rc = do_check(nc, a, false);
    if (netconf_forwarding_get(nc, NETCONF_IPV4, &n4, err, sizeof(err)) < 0 ||
        netconf_forwarding_get(nc, NETCONF_IPV6, &n6, err, sizeof(err)) < 0) {
        fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        return 2;
    }
    printf("forwarding before %d,%d after cleanup %d,%d\n", v4, v6, n4, n6);
    if (n4 != v4 || n6 != v6)
        rc = 1;
    if (a->accept_ra >= 0) {
        if (netconf_accept_ra_get(nc, a->infra, &nra, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            return 2;
        }
        printf("accept_ra before %d after cleanup %d\n", ra, nra);
        if (nra != ra)
            rc = 1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    enum {
        O_INFRA = 256,
        O_POOL,
        O_DEV,
        O_R6,
        O_R4,
        O_METRIC,
        O_FWD,
        O_EXCL,
        O_RESTORE,
        O_TABLE,
        O_NFT,
        O_PROC,
        O_THREAD,
        O_ML,
        O_ONMESH,
        O_ACCEPT_RA
    };
    static const struct option opts[] = {
        {"infra", required_argument, NULL, O_INFRA},
        {"pool", required_argument, NULL, O_POOL},
        {"dev", required_argument, NULL, O_DEV},
        {"route6", required_argument, NULL, O_R6},
        {"route4", required_argument, NULL, O_R4},
        {"metric", required_argument, NULL, O_METRIC},
        {"forwarding", no_argument, NULL, O_FWD},
        {"exclusive", no_argument, NULL, O_EXCL},
        {"restore-forwarding", required_argument, NULL, O_RESTORE},
        {"table", required_argument, NULL, O_TABLE},
        {"nft", required_argument, NULL, O_NFT},
        {"proc-sys", required_argument, NULL, O_PROC},
        {"thread", required_argument, NULL, O_THREAD},
        {"ml", required_argument, NULL, O_ML},
        {"onmesh", required_argument, NULL, O_ONMESH},
        {"accept-ra", required_argument, NULL, O_ACCEPT_RA},
        {NULL, 0, NULL, 0},
    };
    struct args a = {.metric = NETCONF_POOL_METRIC, .accept_ra = -1};
    struct addr_prefix6 p6;
    struct netconf_config cfg = {0};
    const char *cmd = NULL;
    int o;

    /* options may come before or after the command word */
    while ((o = getopt_long(argc, argv, "-", opts, NULL)) != -1) {
        switch (o) {
        case 1:
            if (cmd)
                return usage();
            cmd = optarg;
            break;
        case O_INFRA:
            a.infra = optarg;
            break;
        case O_POOL:
            a.pool = optarg;
            break;
        case O_DEV:
            a.dev = optarg;
            break;
        case O_R6:
        case O_R4:
            if (a.nroute == MAX_ROUTES)
                return usage();
            if ((o == O_R6) != (strchr(optarg, ':') != NULL)) {
                fprintf(stderr, "tbr-netconf-probe: --route%c '%s' is of the other family\n",
                        o == O_R6 ? '6' : '4', optarg);
                return 64;
            }
            a.route[a.nroute++] = optarg;
            break;
        case O_METRIC: {
            char *end;
            a.metric = strtoul(optarg, &end, 10);
            if (*end || end == optarg || a.metric > 0xffffffffUL)
                return usage();
            break;
        }
        case O_FWD:
            a.forwarding = true;
            break;
        case O_EXCL:
            a.exclusive = true;
            break;
        case O_RESTORE:
            a.restore = optarg;
            break;
        case O_TABLE:
            cfg.nft_table = optarg;
            break;
        case O_NFT:
            cfg.nft_path = optarg;
            break;
        case O_PROC:
            cfg.proc_sys = optarg;
            break;
        case O_THREAD:
            snprintf(a.fw.thread_if, sizeof(a.fw.thread_if), "%s", optarg);
            break;
        case O_ML:
        case O_ONMESH:
            if (!addr_parse_prefix6(optarg, &p6) || (o == O_ML && p6.len != 64) ||
                (o == O_ONMESH && a.fw.n_onmesh == NETCONF_FW_PREFIXES)) {
                fprintf(stderr, "tbr-netconf-probe: bad --ml/--onmesh '%s'\n", optarg);
                return 64;
            }
            if (o == O_ML) {
                a.fw.has_ml = true;
                memcpy(a.fw.ml, p6.addr, 8);
            } else {
                a.fw.onmesh[a.fw.n_onmesh++] = p6;
            }
            break;
        case O_ACCEPT_RA:
            a.accept_ra = atoi(optarg);
            break;
        default:
            return usage();
        }
    }
    if (!cmd)
        return usage();

    char err[NETCONF_ERR_MAX];
    struct netconf *nc = netconf_open(&cfg, err, sizeof(err));
    if (!nc) {
        fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        return 2;
    }
    int rc;
    if (!strcmp(cmd, "setup")) {
        rc = do_setup(nc, &a);
    } else if (!strcmp(cmd, "check")) {
        rc = do_check(nc, &a, true);
    } else if (!strcmp(cmd, "absent")) {
        rc = do_check(nc, &a, false);
    } else if (!strcmp(cmd, "cleanup")) {
        rc = do_cleanup(nc, &a);
    } else if (!strcmp(cmd, "cycle")) {
        rc = do_cycle(nc, &a);
    } else if (!strcmp(cmd, "ruleset") && a.fw.thread_if[0]) {
        char buf[4096];
        rc = 2;
        if (netconf_fw_ruleset(nc, &a.fw, buf, sizeof(buf), err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        } else {
            fputs(buf, stdout);
            rc = 0;
        }
    } else if (!strcmp(cmd, "counters")) {
        struct netconf_fw_counters fc;
        rc = 2;
        if (netconf_fw_counters(nc, &fc, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        } else {
            for (int i = 0; i < NETCONF_FW_COUNTERS; i++)
                printf("%s %llu %llu\n", netconf_fw_counter_name((enum netconf_fw_counter)i),
                       (unsigned long long)fc.packets[i], (unsigned long long)fc.bytes[i]);
            rc = 0;
        }
    } else if (!strcmp(cmd, "accept-ra")) {
        int v;
        rc = 2;
        if (!a.infra) {
            rc = 64;
        } else if (netconf_accept_ra_get(nc, a.infra, &v, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        } else {
            printf("accept_ra=%d\n", v);
            rc = 0;
        }
    } else if (!strcmp(cmd, "ruleset")) {
        struct addr_prefix4 pool;
        char buf[1024];
        rc = 64;
        if (a.infra && parse_pool(&a, &pool) == 0) {
            if (netconf_nat44_ruleset(nc, &pool, a.infra, buf, sizeof(buf), err, sizeof(err)) < 0) {
                fprintf(stderr, "tbr-netconf-probe: %s\n", err);
            } else {
                fputs(buf, stdout);
                rc = 0;
            }
        }
    } else if (!strcmp(cmd, "forwarding")) {
        int v4, v6;
        rc = 2;
        if (netconf_forwarding_get(nc, NETCONF_IPV4, &v4, err, sizeof(err)) < 0 ||
            netconf_forwarding_get(nc, NETCONF_IPV6, &v6, err, sizeof(err)) < 0) {
            fprintf(stderr, "tbr-netconf-probe: %s\n", err);
        } else {
            printf("ipv4=%d ipv6=%d\n", v4, v6);
            rc = 0;
        }
    } else {
        netconf_close(nc);
        return usage();
    }
    netconf_close(nc);
    return rc;
}
