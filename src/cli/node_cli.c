/*
 * The device CLI over struct tnode; see node_cli.h. Argument rules and
 * output strings follow OpenThread's src/cli (cli.cpp, cli_dataset.cpp,
 * cli_network_data.cpp, cli_ping.cpp, cli_utils.cpp).
 */
#include "cli/node_cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nat64/rfc6052.h"
#include "ip6/ip6.h"
#include "netdata/netdata.h"
#include "netdata/netdata_fmt.h"
#include "thread/dataset.h"
#include "thread/mle_tlv.h"
#include "util/addr.h"
#include "util/rd.h"

#define MAX_ADDRS 32
#define MAX_CHILDREN 64
/* `child <id>` RSSI: the node does not keep one; OpenThread's simulation
 * radio reports -20 dBm for every frame. */
#define CHILD_RSSI (-20)

/* OpenThread's Timer::kMaxDelay: the longest ping interval accepted. */
#define PING_INTERVAL_MAX ((1UL << 31) - 1)

static struct node_cli *cli_of(void *ctx)
{
    return ctx;
}

static cli_err from_tnode(enum tnode_err e)
{
    return (cli_err)e;
}

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

cli_err node_cli_parse_mode(const char *s, uint8_t *mode)
{
    uint8_t m = 0;

    if (s == NULL)
        return CLI_ERR_INVALID_ARGS;
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
                return CLI_ERR_INVALID_ARGS;
            }
        }
    }
    *mode = m;
    return CLI_ERR_NONE;
}

cli_err node_cli_parse_interval(const char *s, uint32_t *ms)
{
    /* PingSender::ParsePingInterval: whole seconds scale by 10 per digit,
     * the fraction adds 100, 10, 1 ms, then 0 (further digits count for
     * nothing). The value wraps in 32 bits as OpenThread's does. */
    const uint32_t ms_factor = 1000;
    uint32_t factor = ms_factor;
    uint32_t v = 0;

    if (s == NULL)
        return CLI_ERR_INVALID_ARGS;
    for (; *s != '\0'; s++) {
        if (*s >= '0' && *s <= '9') {
            if (factor == ms_factor)
                v *= 10;
            v += (uint32_t)(*s - '0') * factor;
            if (factor != ms_factor)
                factor /= 10;
        } else if (*s == '.') {
            if (factor != ms_factor)
                return CLI_ERR_INVALID_ARGS;
            factor /= 10;
        } else {
            return CLI_ERR_INVALID_ARGS;
        }
    }
    *ms = v;
    return CLI_ERR_NONE;
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

/* ---- dataset ---------------------------------------------------------------- */

static cli_err from_dataset(enum dataset_err e)
{
    switch (e) {
    case DATASET_OK:
        return CLI_ERR_NONE;
    case DATASET_ERR_NO_SPACE:
    case DATASET_ERR_TOO_LONG:
        return CLI_ERR_NO_BUFS;
    case DATASET_ERR_NOT_FOUND:
        return CLI_ERR_NOT_FOUND;
    default:
        return CLI_ERR_INVALID_ARGS;
    }
}

static void print_ts(FILE *out, const struct dataset_info *i, bool pending)
{
    fprintf(out, "%" PRIu64 "\n",
            pending ? i->pending_timestamp.seconds : i->active_timestamp.seconds);
}

/* Each component of `dataset <name> [value]`: how to print it from the
 * decoded buffer and how to set it (OpenThread's Dataset::LookupMapper). */
enum ds_kind {
    DS_ACTIVE_TS,
    DS_CHANNEL,
    DS_CHANNEL_MASK,
    DS_DELAY,
    DS_EXTPANID,
    DS_MESH_LOCAL_PREFIX,
    DS_NETWORK_KEY,
    DS_NETWORK_NAME,
    DS_PANID,
    DS_PENDING_TS,
    DS_PSKC,
    DS_SECURITY_POLICY,
    DS_WAKEUP_CHANNEL,
};

struct ds_component {
    const char *name;
    enum ds_kind kind;
    size_t has_off; /* offset of the presence flag in struct dataset_info */
};

#define HAS(f) offsetof(struct dataset_info, has.f)

/* Sorted by name, as OpenThread's kMappers. */
static const struct ds_component ds_components[] = {
    {"activetimestamp", DS_ACTIVE_TS, HAS(active_timestamp)},
    {"channel", DS_CHANNEL, HAS(channel)},
    {"channelmask", DS_CHANNEL_MASK, HAS(channel_mask)},
    {"delay", DS_DELAY, HAS(delay)},
    {"delaytimer", DS_DELAY, HAS(delay)},
    {"extpanid", DS_EXTPANID, HAS(extpanid)},
    {"localprefix", DS_MESH_LOCAL_PREFIX, HAS(mesh_local_prefix)},
    {"meshlocalprefix", DS_MESH_LOCAL_PREFIX, HAS(mesh_local_prefix)},
    {"networkkey", DS_NETWORK_KEY, HAS(network_key)},
    {"networkname", DS_NETWORK_NAME, HAS(network_name)},
    {"panid", DS_PANID, HAS(panid)},
    {"pendingtimestamp", DS_PENDING_TS, HAS(pending_timestamp)},
    {"pskc", DS_PSKC, HAS(pskc)},
    {"securitypolicy", DS_SECURITY_POLICY, HAS(security_policy)},
    {"wakeupchannel", DS_WAKEUP_CHANNEL, HAS(wakeup_channel)},
};

static const struct ds_component *ds_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof(ds_components) / sizeof(ds_components[0]); i++) {
        if (strcmp(ds_components[i].name, name) == 0)
            return &ds_components[i];
    }
    return NULL;
}

static void print_security_policy(FILE *out, const struct dataset_security_policy *sp)
{
    fprintf(out, "%u ", (unsigned)sp->rotation_hours);
    if (sp->obtain_network_key)
        fputc('o', out);
    if (sp->native_commissioning)
        fputc('n', out);
    if (sp->routers)
        fputc('r', out);
    if (sp->external_commissioning)
        fputc('c', out);
    if (sp->commercial_commissioning)
        fputc('C', out);
    if (sp->autonomous_enrollment)
        fputc('e', out);
    if (sp->network_key_provisioning)
        fputc('p', out);
    if (sp->non_ccm_routers)
        fputc('R', out);
    fprintf(out, " %u\n", (unsigned)sp->version_threshold);
}

static void ds_print_component(FILE *out, enum ds_kind kind, const struct dataset_info *i)
{
    const uint8_t *m = i->mesh_local_prefix;

    switch (kind) {
    case DS_ACTIVE_TS:
        print_ts(out, i, false);
        break;
    case DS_PENDING_TS:
        print_ts(out, i, true);
        break;
    case DS_CHANNEL:
        fprintf(out, "%u\n", (unsigned)i->channel);
        break;
    case DS_WAKEUP_CHANNEL:
        fprintf(out, "%u\n", (unsigned)i->wakeup_channel);
        break;
    case DS_CHANNEL_MASK:
        fprintf(out, "0x%08" PRIx32 "\n", i->channel_mask);
        break;
    case DS_DELAY:
        fprintf(out, "%" PRIu32 "\n", i->delay_ms);
        break;
    case DS_EXTPANID:
        cli_print_hex_line(out, i->extpanid, 8);
        break;
    case DS_MESH_LOCAL_PREFIX:
        fprintf(out, "%x:%x:%x:%x::/64\n", (unsigned)(m[0] << 8 | m[1]),
                (unsigned)(m[2] << 8 | m[3]), (unsigned)(m[4] << 8 | m[5]),
                (unsigned)(m[6] << 8 | m[7]));
        break;
    case DS_NETWORK_KEY:
        cli_print_hex_line(out, i->network_key, 16);
        break;
    case DS_NETWORK_NAME:
        fprintf(out, "%s\n", i->network_name);
        break;
    case DS_PANID:
        fprintf(out, "0x%04x\n", (unsigned)i->panid);
        break;
    case DS_PSKC:
        cli_print_hex_line(out, i->pskc, 16);
        break;
    case DS_SECURITY_POLICY:
        print_security_policy(out, &i->security_policy);
        break;
    }
}

/* Dataset::ParseSecurityPolicy: <rotation hours> [<flags> [<version threshold>]]. */
static cli_err parse_security_policy(char **argv, struct dataset_security_policy *out)
{
    struct dataset_security_policy sp;
    cli_err e;

    memset(&sp, 0, sizeof(sp));
    e = cli_parse_u16(argv[0], &sp.rotation_hours);
    if (e != CLI_ERR_NONE)
        return e;
    if (argv[1] != NULL) {
        for (const char *f = argv[1]; *f != '\0'; f++) {
            switch (*f) {
            case 'o':
                sp.obtain_network_key = true;
                break;
            case 'n':
                sp.native_commissioning = true;
                break;
            case 'r':
                sp.routers = true;
                break;
            case 'c':
                sp.external_commissioning = true;
                break;
            case 'C':
                sp.commercial_commissioning = true;
                break;
            case 'e':
                sp.autonomous_enrollment = true;
                break;
            case 'p':
                sp.network_key_provisioning = true;
                break;
            case 'R':
                sp.non_ccm_routers = true;
                break;
            default:
                return CLI_ERR_INVALID_ARGS;
            }
        }
        if (argv[2] != NULL) {
            uint8_t vt;

            e = cli_parse_u8(argv[2], &vt);
            if (e != CLI_ERR_NONE)
                return e;
            if (vt > 7)
                return CLI_ERR_INVALID_ARGS;
            sp.version_threshold = vt;
        }
    }
    *out = sp;
    return CLI_ERR_NONE;
}

/* A timestamp TLV value: 48-bit seconds, 15-bit ticks, U bit. */
static void encode_timestamp(uint64_t seconds, uint8_t v[8])
{
    for (int k = 0; k < 6; k++)
        v[k] = (uint8_t)(seconds >> (8 * (5 - k)));
    v[6] = 0;
    v[7] = 0;
}

static cli_err ds_set_component(struct dataset_tlvs *d, enum ds_kind kind, char **argv)
{
    uint8_t buf[16];
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    cli_err e;

    switch (kind) {
    case DS_ACTIVE_TS: {
        struct dataset_timestamp ts = {0};

        e = cli_parse_u64(argv[0], &u64);
        if (e != CLI_ERR_NONE)
            return e;
        ts.seconds = u64;
        return from_dataset(dataset_set_active_timestamp(d, &ts));
    }
    case DS_PENDING_TS:
        e = cli_parse_u64(argv[0], &u64);
        if (e != CLI_ERR_NONE)
            return e;
        encode_timestamp(u64, buf);
        return from_dataset(dataset_write_tlv(d, DATASET_TLV_PENDING_TIMESTAMP, buf, 8));
    case DS_CHANNEL:
        e = cli_parse_u16(argv[0], &u16);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_channel(d, u16));
    case DS_WAKEUP_CHANNEL:
        e = cli_parse_u16(argv[0], &u16);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_wakeup_channel(d, u16));
    case DS_CHANNEL_MASK:
        e = cli_parse_u32(argv[0], &u32);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_channel_mask(d, u32));
    case DS_DELAY:
        e = cli_parse_u32(argv[0], &u32);
        if (e != CLI_ERR_NONE)
            return e;
        buf[0] = (uint8_t)(u32 >> 24);
        buf[1] = (uint8_t)(u32 >> 16);
        buf[2] = (uint8_t)(u32 >> 8);
        buf[3] = (uint8_t)u32;
        return from_dataset(dataset_write_tlv(d, DATASET_TLV_DELAY_TIMER, buf, 4));
    case DS_EXTPANID:
        e = cli_parse_ext_panid(argv[0], buf);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_extpanid(d, buf));
    case DS_MESH_LOCAL_PREFIX:
        e = cli_parse_ip6(argv[0], buf);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_mesh_local_prefix(d, buf));
    case DS_NETWORK_KEY:
        e = cli_parse_network_key(argv[0], buf);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_network_key(d, buf));
    case DS_NETWORK_NAME:
        if (argv[0] == NULL)
            return CLI_ERR_INVALID_ARGS;
        return from_dataset(dataset_set_network_name(d, argv[0]));
    case DS_PANID:
        e = cli_parse_u16(argv[0], &u16);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_panid(d, u16));
    case DS_PSKC:
        /* `pskc -p <passphrase>` (PBKDF2 from the passphrase) is not built. */
        if (argv[0] != NULL && strcmp(argv[0], "-p") == 0)
            return CLI_ERR_NOT_IMPLEMENTED;
        e = cli_parse_pskc(argv[0], buf);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_pskc(d, buf));
    case DS_SECURITY_POLICY: {
        struct dataset_security_policy sp;

        e = parse_security_policy(argv, &sp);
        if (e != CLI_ERR_NONE)
            return e;
        return from_dataset(dataset_set_security_policy(d, &sp));
    }
    }
    return CLI_ERR_INVALID_ARGS;
}

static cli_err ds_component(struct node_cli *c, const struct ds_component *comp, int argc,
                            char **argv, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(c->node);
    struct dataset_info info;
    enum dataset_err de;

    if (d == NULL)
        return CLI_ERR_INVALID_STATE;
    if (argc == 0) {
        de = dataset_parse(d->tlvs, d->len, &info);
        if (de != DATASET_OK)
            return from_dataset(de);
        if (*((const bool *)((const char *)&info + comp->has_off)))
            ds_print_component(out, comp->kind, &info);
        return CLI_ERR_NONE;
    }
    return ds_set_component(d, comp->kind, argv);
}

static cli_err print_dataset(FILE *out, const struct dataset_tlvs *d, bool redact)
{
    /* dataset_print prints nothing when the TLVs do not validate. */
    return from_dataset(dataset_print(out, d, redact));
}

static bool active_tlvs(struct node_cli *c, struct dataset_tlvs *d)
{
    size_t len = 0;
    const uint8_t *p = tnode_active_dataset(c->node, &len);

    if (p == NULL || len == 0 || len > sizeof(d->tlvs))
        return false;
    memcpy(d->tlvs, p, len);
    d->len = (uint8_t)len;
    return true;
}

static cli_err cmd_ds_active(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct dataset_tlvs d;

    if (!active_tlvs(c, &d))
        return CLI_ERR_NOT_FOUND;
    if (argc == 0)
        return print_dataset(out, &d, false);
    if (strcmp(argv[0], "-x") == 0) {
        cli_print_hex_line(out, d.tlvs, d.len);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "-ns") == 0)
        return print_dataset(out, &d, true);
    return CLI_ERR_INVALID_ARGS;
}

static cli_err cmd_ds_clear(void *ctx, int argc, char **argv, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(cli_of(ctx)->node);

    (void)argc;
    (void)argv;
    (void)out;
    if (d == NULL)
        return CLI_ERR_INVALID_STATE;
    memset(d, 0, sizeof(*d));
    return CLI_ERR_NONE;
}

static cli_err cmd_ds_commit(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    (void)out;
    if (argc >= 1 && strcmp(argv[0], "active") == 0)
        return from_tnode(tnode_dataset_commit_active(c->node, c->now_ms));
    if (argc >= 1 && strcmp(argv[0], "pending") == 0)
        return CLI_ERR_NOT_IMPLEMENTED;
    return CLI_ERR_INVALID_ARGS;
}

static cli_err cmd_ds_init(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    (void)out;
    if (argc >= 1 && strcmp(argv[0], "active") == 0)
        return from_tnode(tnode_dataset_init_active(c->node));
    if (argc >= 1 && strcmp(argv[0], "new") == 0)
        return from_tnode(tnode_dataset_init_new(c->node));
    if (argc >= 1 && strcmp(argv[0], "pending") == 0)
        return CLI_ERR_NOT_FOUND; /* no pending dataset is ever held */
    if (argc >= 1 && strcmp(argv[0], "tlvs") == 0) {
        uint8_t buf[DATASET_MAX_LEN];
        size_t len = 0;
        struct dataset_tlvs *d = tnode_dataset_buffer(c->node);
        cli_err e = cli_parse_hex_upto(argv[1], buf, sizeof(buf), &len);

        if (e != CLI_ERR_NONE)
            return e;
        if (d == NULL)
            return CLI_ERR_INVALID_STATE;
        return from_dataset(dataset_set_tlvs(d, buf, len));
    }
    return CLI_ERR_INVALID_ARGS;
}

static cli_err cmd_ds_pending(void *ctx, int argc, char **argv, FILE *out)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    (void)out;
    return CLI_ERR_NOT_FOUND; /* otDatasetGetPendingTlvs without one */
}

static cli_err cmd_ds_set(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t buf[DATASET_MAX_LEN];
    size_t len = 0;
    cli_err e;

    (void)out;
    /* OpenThread parses the hex first, then looks at active/pending. */
    e = cli_parse_hex_upto(argc >= 2 ? argv[1] : NULL, buf, sizeof(buf), &len);
    if (e != CLI_ERR_NONE)
        return e;
    if (strcmp(argv[0], "active") == 0)
        return from_tnode(tnode_dataset_set_active(c->node, buf, len, c->now_ms));
    if (strcmp(argv[0], "pending") == 0)
        return CLI_ERR_NOT_IMPLEMENTED;
    return CLI_ERR_INVALID_ARGS;
}

static cli_err cmd_ds_tlvs(void *ctx, int argc, char **argv, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(cli_of(ctx)->node);

    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    if (d == NULL)
        return CLI_ERR_INVALID_STATE;
    cli_print_hex_line(out, d->tlvs, d->len);
    return CLI_ERR_NONE;
}

static const struct cli_cmd ds_commands[] = {
    {"active", cmd_ds_active, NULL},   {"clear", cmd_ds_clear, NULL},
    {"commit", cmd_ds_commit, NULL},   {"init", cmd_ds_init, NULL},
    {"pending", cmd_ds_pending, NULL}, {"set", cmd_ds_set, NULL},
    {"tlvs", cmd_ds_tlvs, NULL},       {NULL, NULL, NULL},
};

static cli_err cmd_dataset(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    const struct ds_component *comp;

    if (argc == 0) {
        struct dataset_tlvs *d = tnode_dataset_buffer(c->node);

        if (d == NULL)
            return CLI_ERR_INVALID_STATE;
        return print_dataset(out, d, false);
    }
    if (strcmp(argv[0], "help") == 0) {
        for (const struct cli_cmd *e = ds_commands; e->name != NULL; e++)
            fprintf(out, "%s\n", e->name);
        return CLI_ERR_NONE;
    }
    comp = ds_lookup(argv[0]);
    if (comp != NULL)
        return ds_component(c, comp, argc - 1, argv + 1, out);
    for (const struct cli_cmd *e = ds_commands; e->name != NULL; e++) {
        if (strcmp(e->name, argv[0]) == 0)
            return e->fn(ctx, argc - 1, argv + 1, out);
    }
    return CLI_ERR_INVALID_COMMAND;
}

/* ---- other commands ------------------------------------------------------------- */

static cli_err cmd_child(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct tnode_child_info ch[MAX_CHILDREN];
    size_t n;
    bool table;

    if (argc == 0)
        return CLI_ERR_INVALID_ARGS; /* ParseAsUint16 of an empty argument */
    table = strcmp(argv[0], "table") == 0;
    if (table || strcmp(argv[0], "list") == 0) {
        n = tnode_children(c->node, c->now_ms, ch, MAX_CHILDREN);
        if (n > MAX_CHILDREN)
            n = MAX_CHILDREN;
        if (table) {
            struct tnode_leader_data ld;
            uint8_t version = 0;

            if (tnode_leader_data(c->node, &ld) == TNODE_OK)
                version = ld.data_version;
            node_cli_print_child_table(out, ch, n, version);
        } else {
            for (size_t i = 0; i < n; i++)
                fprintf(out, "%u ", (unsigned)ch[i].id);
            fputc('\n', out);
        }
        return CLI_ERR_NONE;
    }
    {
        uint16_t id;
        cli_err e = cli_parse_u16(argv[0], &id);
        char mode[4];

        if (e != CLI_ERR_NONE)
            return e;
        n = tnode_children(c->node, c->now_ms, ch, MAX_CHILDREN);
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

                if (tnode_leader_data(c->node, &ld) == TNODE_OK)
                    v = ld.data_version;
                fprintf(out, "Net Data: %u\n", v);
            }
            fprintf(out, "Timeout: %" PRIu32 "\n", ch[i].timeout_s);
            fprintf(out, "Age: %" PRIu32 "\n", ch[i].age_s);
            fprintf(out, "Link Quality In: %u\n", (unsigned)ch[i].lq_in);
            fprintf(out, "RSSI: %d\n", CHILD_RSSI);
            fprintf(out, "Supervision Interval: %d\n", 0);
            return CLI_ERR_NONE;
        }
        return CLI_ERR_NOT_FOUND;
    }
}

static cli_err cmd_extaddr(void *ctx, int argc, char **argv, FILE *out)
{
    uint8_t ext[8];

    (void)argv;
    if (argc != 0)
        return CLI_ERR_NOT_IMPLEMENTED; /* setting the extended address */
    tnode_ext_addr(cli_of(ctx)->node, ext);
    cli_print_hex_line(out, ext, 8);
    return CLI_ERR_NONE;
}

static cli_err cmd_factoryreset(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    (void)argc;
    (void)argv;
    (void)out;
    tnode_factoryreset(c->node, c->now_ms);
    /* A running ping is gone with the old state. */
    c->ping_active = false;
    c->ping_out = NULL;
    c->pending = false;
    c->dns_active = false;
    c->dns_out = NULL;
    return CLI_ERR_NONE;
}

static cli_err cmd_ifconfig(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    if (argc == 0) {
        fputs(tnode_ifconfig_up(c->node) ? "up\n" : "down\n", out);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "up") == 0)
        return from_tnode(tnode_ifconfig(c->node, true, c->now_ms));
    if (strcmp(argv[0], "down") == 0)
        return from_tnode(tnode_ifconfig(c->node, false, c->now_ms));
    return CLI_ERR_INVALID_ARGS;
}

static cli_err print_addr_kind(struct node_cli *c, enum tnode_addr_kind kind, FILE *out)
{
    struct tnode_addr a[MAX_ADDRS];
    size_t n = tnode_addrs(c->node, a, MAX_ADDRS);
    char buf[ADDR_STR6];

    if (n > MAX_ADDRS)
        n = MAX_ADDRS;
    for (size_t i = 0; i < n; i++) {
        if (a[i].kind == kind) {
            fprintf(out, "%s\n", addr_fmt6_ot(a[i].addr, buf));
            return CLI_ERR_NONE;
        }
    }
    /* OpenThread always has these three once the interface exists; we have
     * none before a dataset (no mesh-local prefix) or before attaching (RLOC). */
    return CLI_ERR_INVALID_STATE;
}

static cli_err cmd_ipaddr(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    if (argc == 0) {
        struct tnode_addr a[MAX_ADDRS];
        size_t n = tnode_addrs(c->node, a, MAX_ADDRS);
        char buf[ADDR_STR6];

        if (n > MAX_ADDRS)
            n = MAX_ADDRS;
        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s\n", addr_fmt6_ot(a[i].addr, buf));
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "linklocal") == 0)
        return print_addr_kind(c, TNODE_ADDR_LINK_LOCAL, out);
    if (strcmp(argv[0], "mleid") == 0)
        return print_addr_kind(c, TNODE_ADDR_MLEID, out);
    if (strcmp(argv[0], "rloc") == 0)
        return print_addr_kind(c, TNODE_ADDR_RLOC, out);
    if (strcmp(argv[0], "add") == 0 || strcmp(argv[0], "del") == 0 || strcmp(argv[0], "-v") == 0)
        return CLI_ERR_NOT_IMPLEMENTED;
    return CLI_ERR_INVALID_COMMAND;
}

static cli_err cmd_leaderdata(void *ctx, int argc, char **argv, FILE *out)
{
    struct tnode_leader_data ld;
    enum tnode_err e;

    (void)argc;
    (void)argv;
    e = tnode_leader_data(cli_of(ctx)->node, &ld);
    if (e != TNODE_OK)
        return from_tnode(e);
    node_cli_print_leader_data(out, &ld);
    return CLI_ERR_NONE;
}

static cli_err cmd_mode(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t mode;
    cli_err e;

    if (argc == 0) {
        char buf[4];

        fprintf(out, "%s\n", node_cli_mode_str(tnode_mode(c->node), buf));
        return CLI_ERR_NONE;
    }
    e = node_cli_parse_mode(argv[0], &mode);
    if (e != CLI_ERR_NONE)
        return e;
    return from_tnode(tnode_set_mode(c->node, mode, c->now_ms));
}

static cli_err cmd_netdata_show(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint16_t rloc16 = NETDATA_ANY_RLOC16;
    bool local = false, binary = false;
    const uint8_t *nd;
    size_t len = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "local") == 0) {
            local = true;
        } else if (strcmp(argv[i], "-x") == 0) {
            binary = true;
        } else {
            cli_err e = cli_parse_u16(argv[i], &rloc16);

            if (e != CLI_ERR_NONE)
                return e;
        }
    }
    if ((local || binary) && rloc16 != NETDATA_ANY_RLOC16)
        return CLI_ERR_INVALID_ARGS;
    nd = tnode_netdata(c->node, &len);
    if (nd == NULL)
        len = 0;
    if (binary) {
        if (local)
            return CLI_ERR_NOT_IMPLEMENTED; /* the node keeps no separate local set */
        netdata_fmt_show_hex(out, nd, len);
        return CLI_ERR_NONE;
    }
    if (local) {
        /* This node's own entries of the full set. */
        netdata_fmt_show(out, nd, len, true, tnode_rloc16(c->node));
        return CLI_ERR_NONE;
    }
    netdata_fmt_show(out, nd, len, false, rloc16);
    return CLI_ERR_NONE;
}

static cli_err cmd_netdata_length(void *ctx, int argc, char **argv, FILE *out)
{
    size_t len = 0;

    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    if (tnode_netdata(cli_of(ctx)->node, &len) == NULL)
        len = 0;
    fprintf(out, "%zu\n", len);
    return CLI_ERR_NONE;
}

static const struct cli_cmd netdata_commands[] = {
    {"length", cmd_netdata_length, NULL},
    {"show", cmd_netdata_show, NULL},
    {NULL, NULL, NULL},
};

static cli_err cmd_parent(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct tnode_parent_info p;
    enum tnode_err e;

    if (argc != 0)
        return strcmp(argv[0], "search") == 0 ? CLI_ERR_NOT_IMPLEMENTED : CLI_ERR_INVALID_ARGS;
    e = tnode_parent(c->node, c->now_ms, &p);
    if (e != TNODE_OK)
        return from_tnode(e);
    node_cli_print_parent(out, &p);
    return CLI_ERR_NONE;
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
        cli_print_result(out, CLI_ERR_NONE);
    fflush(out);
    ping_finish(c);
}

/* ping [async] <addr> [size] [count] [interval] [hoplimit] [timeout] */
static cli_err cmd_ping(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t dst[16], ip4[4];
    uint16_t size = 0, count = 0;
    uint32_t interval = 0, timeout = 0;
    uint8_t hop_limit = NODE_CLI_PING_HOP_LIMIT;
    bool async = false, is_ip4 = false;
    enum tnode_err te;
    cli_err e;

    if (argc >= 1 && strcmp(argv[0], "stop") == 0)
        return CLI_ERR_NOT_IMPLEMENTED; /* the node has no ping stop yet */
    if (argc >= 1 && strcmp(argv[0], "async") == 0) {
        async = true;
        argc--;
        argv++;
    }
    e = cli_parse_ip6_or_ip4(argc >= 1 ? argv[0] : NULL, dst, ip4, &is_ip4);
    if (e != CLI_ERR_NONE)
        return e;
    if (is_ip4) {
        struct addr_prefix6 pfx;
        char buf[ADDR_STR6];

        if (!tnode_nat64_prefix(c->node, &pfx) || !rfc6052_synth(&pfx, ip4, dst))
            return CLI_ERR_INVALID_STATE;
        fprintf(out, "Pinging synthesized IPv6 address: %s\n", addr_fmt6_ot(dst, buf));
    }
    if (argc >= 2 && (e = cli_parse_u16(argv[1], &size)) != CLI_ERR_NONE)
        return e;
    if (argc >= 3 && (e = cli_parse_u16(argv[2], &count)) != CLI_ERR_NONE)
        return e;
    if (argc >= 4 && (e = node_cli_parse_interval(argv[3], &interval)) != CLI_ERR_NONE)
        return e;
    if (argc >= 5 && (e = cli_parse_u8(argv[4], &hop_limit)) != CLI_ERR_NONE)
        return e;
    if (argc >= 6) {
        if ((e = node_cli_parse_interval(argv[5], &timeout)) != CLI_ERR_NONE)
            return e;
        if (timeout > UINT16_MAX)
            return CLI_ERR_INVALID_ARGS;
    }
    if (argc >= 7)
        return CLI_ERR_INVALID_ARGS;
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
        return CLI_ERR_INVALID_ARGS;
    if (c->ping_active)
        return CLI_ERR_BUSY;

    c->ping_out = out;
    c->ping_active = true;
    c->ping_async = async;
    c->ping_multicast = dst[0] == 0xff;
    c->pending = !async;
    te = tnode_ping(c->node, dst, size, count, interval, hop_limit, timeout, ping_event, c,
                    c->now_ms);
    if (te != TNODE_OK) {
        c->ping_active = false;
        c->ping_out = NULL;
        c->pending = false;
        return from_tnode(te);
    }
    /* Even when the run finished inside tnode_ping, ping_event printed the
     * result line already. */
    return async ? CLI_ERR_NONE : CLI_ERR_PENDING;
}

static cli_err cmd_rloc16(void *ctx, int argc, char **argv, FILE *out)
{
    (void)argc;
    (void)argv;
    fprintf(out, "%04x\n", (unsigned)tnode_rloc16(cli_of(ctx)->node));
    return CLI_ERR_NONE;
}

static cli_err cmd_state(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    if (argc == 0) {
        fprintf(out, "%s\n", tnode_role_name(tnode_role(c->node)));
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "detached") == 0 || strcmp(argv[0], "child") == 0 ||
        strcmp(argv[0], "router") == 0 || strcmp(argv[0], "leader") == 0)
        return CLI_ERR_NOT_IMPLEMENTED; /* forcing a role */
    return CLI_ERR_INVALID_ARGS;
}

static cli_err cmd_thread(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    if (argc >= 1 && strcmp(argv[0], "start") == 0)
        return from_tnode(tnode_thread_start(c->node, c->now_ms));
    if (argc >= 1 && strcmp(argv[0], "stop") == 0)
        return from_tnode(tnode_thread_stop(c->node, c->now_ms));
    if (argc >= 1 && strcmp(argv[0], "version") == 0) {
        fprintf(out, "%u\n", (unsigned)MLE_VERSION_1_4);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_COMMAND;
}

static cli_err cmd_version(void *ctx, int argc, char **argv, FILE *out)
{
    (void)ctx;
    if (argc == 0) {
        fprintf(out, "%s\n", NODE_CLI_VERSION);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "api") == 0) {
        fputs("0\n", out);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_COMMAND;
}

/* ---- udp (cli_udp.cpp) -------------------------------------------------------- */

/* The largest datagram one IPv6 packet carries (1280 - 40 - 8). */
#define UDP_PAYLOAD_MAX 1232

/* Utils::ParseToIp6Address: IPv6, else an IPv4 address synthesized with the
 * preferred NAT64 prefix (InvalidState without one). */
static cli_err parse_to_ip6(struct node_cli *c, const char *s, uint8_t dst[16], bool *synth)
{
    uint8_t ip4[4];
    cli_err e = cli_parse_ip6_or_ip4(s, dst, ip4, synth);

    if (e != CLI_ERR_NONE)
        return e;
    if (*synth) {
        struct addr_prefix6 pfx;

        if (!tnode_nat64_prefix(c->node, &pfx) || !rfc6052_synth(&pfx, ip4, dst))
            return CLI_ERR_INVALID_STATE;
    }
    return CLI_ERR_NONE;
}

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

static cli_err udp_ready(struct node_cli *c, FILE *out)
{
    c->io_out = out;
    return c->udp_open ? CLI_ERR_NONE : CLI_ERR_INVALID_STATE;
}

/* "<ip6> <port>" and nothing more (udp bind, tcp bind, tcp listen). */
static cli_err parse_addr_port(int argc, char **argv, uint8_t addr[16], uint16_t *port)
{
    cli_err e;

    if ((e = cli_parse_ip6(argc >= 1 ? argv[0] : NULL, addr)) != CLI_ERR_NONE)
        return argc >= 1 ? e : CLI_ERR_INVALID_ARGS;
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, port)) != CLI_ERR_NONE)
        return e;
    return argc > 2 ? CLI_ERR_INVALID_ARGS : CLI_ERR_NONE;
}

/* udp bind [-u|-b|-h] <addr> <port> */
static cli_err cmd_udp_bind(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    cli_err e;

    /* The network interface choice has no meaning here: one interface. */
    if (argc >= 1 &&
        (strcmp(argv[0], "-u") == 0 || strcmp(argv[0], "-b") == 0 || strcmp(argv[0], "-h") == 0)) {
        argc--;
        argv++;
    }
    if ((e = parse_addr_port(argc, argv, addr, &port)) != CLI_ERR_NONE)
        return e;
    if ((e = udp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    return from_tnode(tnode_udp_bind(c->node, c->udp_handle, addr, port));
}

static cli_err cmd_udp_close(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    (void)argc;
    (void)argv;
    (void)out;
    if (c->udp_open)
        tnode_udp_close(c->node, c->udp_handle);
    c->udp_open = false;
    return CLI_ERR_NONE;
}

/* udp connect <addr> <port> */
static cli_err cmd_udp_connect(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    bool synth;
    cli_err e;

    if ((e = parse_to_ip6(c, argc >= 1 ? argv[0] : NULL, addr, &synth)) != CLI_ERR_NONE)
        return e;
    if (synth) {
        char buf[ADDR_STR6];

        fprintf(out, "Connecting to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
    }
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &port)) != CLI_ERR_NONE)
        return e;
    if (argc > 2)
        return CLI_ERR_INVALID_ARGS;
    if ((e = udp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    return from_tnode(tnode_udp_connect(c->node, c->udp_handle, addr, port));
}

static cli_err cmd_udp_linksecurity(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    if (argc == 0) {
        fputs(c->udp_link_security ? "Enabled\n" : "Disabled\n", out);
        return CLI_ERR_NONE;
    }
    return cli_parse_enable_disable(argv[0], &c->udp_link_security);
}

static cli_err cmd_udp_open(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    enum tnode_err te;

    (void)argc;
    (void)argv;
    if (c->udp_open)
        return CLI_ERR_ALREADY;
    te = tnode_udp_open(c->node, udp_rx, c, &c->udp_handle);
    if (te != TNODE_OK)
        return from_tnode(te);
    c->udp_open = true;
    c->io_out = out;
    return CLI_ERR_NONE;
}

/* udp send [<addr> <port>] (<text> | -t <text> | -s <size> | -x <hex>) */
static cli_err cmd_udp_send(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t payload[UDP_PAYLOAD_MAX];
    uint8_t addr[16];
    uint16_t port = 0;
    bool has_dst = false;
    size_t len;
    cli_err e;

    if ((e = udp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if (argc >= 3) {
        bool synth;

        if ((e = parse_to_ip6(c, argv[0], addr, &synth)) != CLI_ERR_NONE)
            return e;
        if (synth) {
            char buf[ADDR_STR6];

            fprintf(out, "Sending to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
        }
        if ((e = cli_parse_u16(argv[1], &port)) != CLI_ERR_NONE)
            return e;
        has_dst = true;
        argc -= 2;
        argv += 2;
    }
    if (argc >= 1 && strcmp(argv[0], "-s") == 0) {
        /* PrepareAutoGeneratedPayload: 0-9, A-Z, a-z, again. */
        uint16_t size;
        uint8_t ch = '0';

        if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &size)) != CLI_ERR_NONE)
            return e;
        if (size > sizeof(payload))
            return CLI_ERR_NO_BUFS;
        for (len = 0; len < size; len++) {
            payload[len] = ch;
            ch = ch == '9' ? 'A' : ch == 'Z' ? 'a' : ch == 'z' ? '0' : (uint8_t)(ch + 1);
        }
    } else if (argc >= 1 && strcmp(argv[0], "-x") == 0) {
        if (argc < 2)
            return CLI_ERR_INVALID_ARGS;
        if ((e = cli_parse_hex_upto(argv[1], payload, sizeof(payload), &len)) != CLI_ERR_NONE)
            return e;
    } else {
        if (argc >= 1 && strcmp(argv[0], "-t") == 0) {
            argc--;
            argv++;
        }
        if (argc < 1)
            return CLI_ERR_INVALID_ARGS;
        len = strlen(argv[0]);
        if (len > sizeof(payload))
            return CLI_ERR_NO_BUFS;
        memcpy(payload, argv[0], len);
    }
    return from_tnode(tnode_udp_send(c->node, c->udp_handle, has_dst ? addr : NULL, port, payload,
                                     len, c->now_ms));
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

/* OpenThread's sBenchmarkData is 1040 'a's. */
#define TCP_BENCH_CHUNK 1040
/* OPENTHREAD_CONFIG_CLI_TCP_DEFAULT_BENCHMARK_SIZE */
#define TCP_BENCH_DEFAULT (72u << 10)

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
    uint64_t t = c->bench_time_used_ms ? c->bench_time_used_ms : 1;
    uint64_t goodput = (1000u * ((uint64_t)c->bench_last_total << 3) + (t >> 1)) / t;

    if (out == NULL)
        return;
    fprintf(out,
            "TCP Benchmark Complete: Transferred %" PRIu32 " bytes in %" PRIu64 " milliseconds\n",
            c->bench_last_total, c->bench_time_used_ms);
    fprintf(out, "TCP Goodput: %" PRIu64 ".%03u kb/s\n", goodput / 1000,
            (unsigned)(goodput % 1000));
    fflush(out);
}

static void bench_complete(struct node_cli *c)
{
    c->bench_time_used_ms = tnode_now_ms(c->node) - c->bench_start_ms;
    c->bench_last_total = c->bench_total;
    bench_output_result(c, c->io_out);
    c->bench_total = 0;
}

/* ContinueBenchmarkCircularSend: fill the send buffer. False on failure. */
static bool bench_continue(struct node_cli *c)
{
    char chunk[TCP_BENCH_CHUNK];

    memset(chunk, 'a', sizeof(chunk));
    while (c->bench_unsent != 0 && tnode_tcp_send_space(c->node, c->tcp_id) != 0) {
        size_t n = c->bench_unsent < TCP_BENCH_CHUNK ? c->bench_unsent : TCP_BENCH_CHUNK;
        size_t k = tnode_tcp_send(c->node, c->tcp_id, chunk, n, tnode_now_ms(c->node));

        if (k == 0)
            break;
        c->bench_unsent -= (uint32_t)k;
    }
    return true;
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
        if (c->bench_total != 0) {
            if (c->bench_unsent != 0)
                bench_continue(c);
            else if (ev->len >= TCP_SNDBUF)
                bench_complete(c);
        }
        break;
    case TCP_EV_PEER_FIN:
        tcp_print(c, "TCP: Reached end of stream\n");
        break;
    case TCP_EV_CLOSED:
        tcp_print(c, "TCP: %s\n", tcp_reason_str(ev->reason));
        c->tcp_connecting = false;
        c->bench_total = 0;
        c->bench_unsent = 0;
        break;
    }
}

static cli_err tcp_ready(struct node_cli *c, FILE *out)
{
    c->io_out = out;
    return c->tcp_inited ? CLI_ERR_NONE : CLI_ERR_INVALID_STATE;
}

static cli_err cmd_tcp_abort(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    enum tcp_state st;
    cli_err e;

    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    st = tnode_tcp_state(c->node, c->tcp_id);
    if ((e = from_tnode(tnode_tcp_abort(c->node, c->tcp_id))) != CLI_ERR_NONE)
        return e;
    /* TCPlp reports the abort through the disconnected callback. */
    if (st != TCP_CLOSED && st != TCP_LISTEN)
        fputs("TCP: Connection reset\n", out);
    c->tcp_connecting = false;
    c->bench_total = 0;
    c->bench_unsent = 0;
    return CLI_ERR_NONE;
}

/* tcp benchmark run [<size>] | tcp benchmark result */
static cli_err cmd_tcp_benchmark(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    cli_err e;

    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if (argc >= 1 && strcmp(argv[0], "result") == 0) {
        fputs("TCP Benchmark Status: ", out);
        if (c->bench_total != 0) {
            fputs("Ongoing\n", out);
        } else if (c->bench_time_used_ms != 0 || c->bench_last_total != 0) {
            fputs("Completed\n", out);
            bench_output_result(c, out);
        } else {
            fputs("Untested\n", out);
        }
        return CLI_ERR_NONE;
    }
    if (argc >= 1 && strcmp(argv[0], "run") == 0) {
        uint32_t total = TCP_BENCH_DEFAULT;
        enum tcp_state st;

        if (c->bench_total != 0)
            return CLI_ERR_BUSY;
        if (argc >= 2) {
            if ((e = cli_parse_u32(argv[1], &total)) != CLI_ERR_NONE)
                return e;
            if (total == 0)
                return CLI_ERR_INVALID_ARGS;
        }
        if (argc > 2)
            return CLI_ERR_INVALID_ARGS;
        st = tnode_tcp_state(c->node, c->tcp_id);
        if (st != TCP_ESTABLISHED && st != TCP_CLOSE_WAIT && st != TCP_SYN_SENT &&
            st != TCP_SYN_RECEIVED) {
            fputs("TCP Benchmark Failed\n", out);
            return CLI_ERR_FAILED;
        }
        c->bench_total = total;
        c->bench_unsent = total;
        c->bench_start_ms = c->now_ms;
        bench_continue(c);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_ARGS;
}

/* tcp bind <addr> <port> */
static cli_err cmd_tcp_bind(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    cli_err e;

    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if ((e = parse_addr_port(argc, argv, addr, &port)) != CLI_ERR_NONE)
        return e;
    memcpy(c->tcp_bind_addr, addr, 16);
    c->tcp_bind_port = port;
    c->tcp_bound = true;
    return CLI_ERR_NONE;
}

/* tcp connect <addr> <port> [slow|fast] */
static cli_err cmd_tcp_connect(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    bool synth;
    enum tnode_err te;
    cli_err e;

    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if ((e = parse_to_ip6(c, argc >= 1 ? argv[0] : NULL, addr, &synth)) != CLI_ERR_NONE)
        return e;
    if (synth) {
        char buf[ADDR_STR6];

        fprintf(out, "Connecting to synthesized IPv6 address: %s\n", addr_fmt6_ot(addr, buf));
    }
    if ((e = cli_parse_u16(argc >= 2 ? argv[1] : NULL, &port)) != CLI_ERR_NONE)
        return e;
    if (argc >= 3) {
        /* "fast" (TCP Fast Open) is not built: the SYN carries no data either way. */
        if (strcmp(argv[2], "slow") != 0 && strcmp(argv[2], "fast") != 0)
            return CLI_ERR_INVALID_ARGS;
        if (argc > 3)
            return CLI_ERR_INVALID_ARGS;
    }
    c->tcp_connecting = true;
    te = tnode_tcp_connect(c->node, c->tcp_id, c->tcp_bound ? c->tcp_bind_addr : NULL,
                           c->tcp_bound ? c->tcp_bind_port : 0, addr, port, c->now_ms);
    if (te != TNODE_OK)
        c->tcp_connecting = false;
    return from_tnode(te);
}

static cli_err cmd_tcp_deinit(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    cli_err e;

    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    c->tcp_inited = false;
    c->tcp_bound = false;
    c->tcp_connecting = false;
    c->bench_total = 0;
    c->bench_unsent = 0;
    return from_tnode(tnode_tcp_deinit(c->node, c->tcp_id));
}

/* tcp init [circular|linked [<size>]] */
static cli_err cmd_tcp_init(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    enum tnode_err te;

    c->io_out = out;
    if (c->tcp_inited)
        return CLI_ERR_ALREADY;
    if (argc >= 1) {
        /* One buffer model here: both names accepted, the size bounded by
         * TCP_RCVBUF (windowSize + windowSize/8 as OpenThread counts it). */
        if (strcmp(argv[0], "linked") != 0 && strcmp(argv[0], "circular") != 0)
            return CLI_ERR_INVALID_ARGS;
        if (argc >= 2) {
            uint32_t w;
            uint64_t size;
            cli_err e = cli_parse_u32(argv[1], &w);

            if (e != CLI_ERR_NONE)
                return e;
            size = (uint64_t)w + ((w + 7ULL) >> 3);
            if (size == 0 || size > TCP_RCVBUF)
                return CLI_ERR_INVALID_ARGS;
        }
    }
    te = tnode_tcp_init(c->node, tcp_event, c, &c->tcp_id);
    if (te != TNODE_OK)
        return from_tnode(te);
    c->tcp_inited = true;
    c->tcp_bound = false;
    c->tcp_connecting = false;
    c->bench_total = 0;
    c->bench_unsent = 0;
    return CLI_ERR_NONE;
}

/* tcp listen <addr> <port> */
static cli_err cmd_tcp_listen(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    cli_err e;

    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if ((e = parse_addr_port(argc, argv, addr, &port)) != CLI_ERR_NONE)
        return e;
    /* otTcpStopListening first: listening again replaces the old one. */
    if (tnode_tcp_state(c->node, c->tcp_id) == TCP_LISTEN)
        tnode_tcp_abort(c->node, c->tcp_id);
    c->tcp_connecting = false;
    return from_tnode(tnode_tcp_listen(c->node, c->tcp_id, addr, port));
}

/* tcp send <text> | tcp send -x <hex> */
static cli_err cmd_tcp_send(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t buf[128]; /* kBufferSizeForHexData */
    const uint8_t *data;
    size_t len;
    cli_err e;

    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if (c->bench_total != 0)
        return CLI_ERR_BUSY;
    if (argc < 1)
        return CLI_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "-x") == 0 && argc >= 2) {
        if ((e = cli_parse_hex_upto(argv[1], buf, sizeof(buf), &len)) != CLI_ERR_NONE)
            return e;
        data = buf;
    } else {
        if (argc > 1)
            return CLI_ERR_INVALID_ARGS;
        data = (const uint8_t *)argv[0];
        len = strlen(argv[0]);
    }
    if (tnode_tcp_send_space(c->node, c->tcp_id) == 0)
        return CLI_ERR_FAILED; /* not connected, or our FIN is queued */
    tnode_tcp_send(c->node, c->tcp_id, data, len, c->now_ms);
    return CLI_ERR_NONE;
}

static cli_err cmd_tcp_sendend(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    cli_err e;

    (void)argv;
    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    return from_tnode(tnode_tcp_send_end(c->node, c->tcp_id, c->now_ms));
}

static cli_err cmd_tcp_stoplistening(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    cli_err e;

    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    if ((e = tcp_ready(c, out)) != CLI_ERR_NONE)
        return e;
    if (tnode_tcp_state(c->node, c->tcp_id) == TCP_LISTEN)
        tnode_tcp_abort(c->node, c->tcp_id);
    return CLI_ERR_NONE;
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

/* ---- dns (cli_dns.cpp; OpenThread's Dns::Client) -------------------------------- */

#define DNS_CNAME_HOPS 16
#define DNS_ANSWERS_MAX 32
bool node_cli_srp_server(const struct tnode *node, struct netdata_dns_srp *out)
{
    size_t len = 0;
    const uint8_t *nd = tnode_netdata(node, &len);
    struct tnode_addr ad[16];
    size_t k;

    if (!netdata_find_dns_srp(nd, len, out))
        return false;
    if (!out->anycast)
        return true;
    /* the service ALOC in our mesh-local prefix */
    k = tnode_addrs(node, ad, 16);
    for (size_t i = 0; i < k && i < 16; i++) {
        if (ad[i].kind == TNODE_ADDR_MLEID || ad[i].kind == TNODE_ADDR_RLOC) {
            ip6_locator(ad[i].addr, (uint16_t)(NETDATA_SERVICE_ALOC_FIRST + out->service_id),
                        out->addr);
            return true;
        }
    }
    return false;
}

bool node_cli_dns_default_server(const struct tnode *node, uint8_t addr[16])
{
    struct netdata_dns_srp srv;

    if (node_cli_srp_server(node, &srv)) {
        memcpy(addr, srv.addr, 16);
        return true;
    }
    addr_parse6(NODE_CLI_DNS_SERVER, addr);
    return false;
}

/* The default config's server address and port. */
static void dns_default_sockaddr(const struct node_cli *c, uint8_t addr[16], uint16_t *port)
{
    static const uint8_t any[16];

    if (c->dns_has_server && memcmp(c->dns_server, any, 16) != 0)
        memcpy(addr, c->dns_server, 16);
    else
        node_cli_dns_default_server(c->node, addr);
    *port = c->dns_port != 0 ? c->dns_port : NODE_CLI_DNS_PORT;
}

/* One query config from args (the GetDnsConfig order): server, port,
 * timeout, attempts, recursion, service mode, transport. Unset fields stay
 * 0 (the default config fills them). */
struct dns_qcfg {
    bool has_server;
    uint8_t server[16];
    uint16_t port;
    uint32_t timeout_ms;
    uint8_t attempts;
    uint8_t rd; /* 0 unset, 1 yes, 2 no */
};

static cli_err dns_parse_cfg(struct node_cli *c, int argc, char **argv, FILE *out,
                             struct dns_qcfg *q)
{
    static const char *const modes[] = {"def",     "unspec",      "srv",        "txt",
                                        "srv_txt", "srv_txt_sep", "srv_txt_opt"};
    uint8_t ip4[4];
    bool is_ip4 = false, rd;
    cli_err e;

    memset(q, 0, sizeof(*q));
    if (argc < 1)
        return CLI_ERR_NONE;
    e = cli_parse_ip6_or_ip4(argv[0], q->server, ip4, &is_ip4);
    if (e != CLI_ERR_NONE)
        return e;
    if (is_ip4) {
        struct addr_prefix6 pfx;
        char buf[ADDR_STR6];

        if (!tnode_nat64_prefix(c->node, &pfx) || !rfc6052_synth(&pfx, ip4, q->server))
            return CLI_ERR_INVALID_STATE;
        fprintf(out, "Synthesized IPv6 DNS server address: %s\n", addr_fmt6_ot(q->server, buf));
    }
    q->has_server = true;
    if (argc >= 2 && (e = cli_parse_u16(argv[1], &q->port)) != CLI_ERR_NONE)
        return e;
    if (argc >= 3 && (e = cli_parse_u32(argv[2], &q->timeout_ms)) != CLI_ERR_NONE)
        return e;
    if (argc >= 4 && (e = cli_parse_u8(argv[3], &q->attempts)) != CLI_ERR_NONE)
        return e;
    if (argc >= 5) {
        if ((e = cli_parse_bool(argv[4], &rd)) != CLI_ERR_NONE)
            return e;
        q->rd = rd ? 1 : 2;
    }
    if (argc >= 6) {
        bool ok = false;

        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
            ok = ok || strcmp(argv[5], modes[i]) == 0;
        if (!ok)
            return CLI_ERR_INVALID_ARGS;
    }
    if (argc >= 7 && strcmp(argv[6], "udp") != 0)
        return strcmp(argv[6], "tcp") == 0 ? CLI_ERR_NOT_CAPABLE : CLI_ERR_INVALID_ARGS;
    if (argc >= 8)
        return CLI_ERR_INVALID_ARGS;
    return CLI_ERR_NONE;
}

static cli_err cmd_dns_config(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct dns_qcfg q;
    uint8_t addr[16];
    uint16_t port;
    char buf[ADDR_STR6];
    cli_err e;

    if (argc == 0) {
        dns_default_sockaddr(c, addr, &port);
        fprintf(out, "Server: [%s]:%u\n", addr_fmt6_ot(addr, buf), (unsigned)port);
        fprintf(out, "ResponseTimeout: %u ms\n",
                (unsigned)(c->dns_timeout_ms != 0 ? c->dns_timeout_ms : NODE_CLI_DNS_TIMEOUT_MS));
        fprintf(out, "MaxTxAttempts: %u\n",
                (unsigned)(c->dns_attempts != 0 ? c->dns_attempts : NODE_CLI_DNS_ATTEMPTS));
        fprintf(out, "RecursionDesired: %s\n", c->dns_rd == 2 ? "no" : "yes");
        fprintf(out, "ServiceMode: srv_txt_opt\n");
        fprintf(out, "Nat64Mode: allow\n");
        return CLI_ERR_NONE;
    }
    if ((e = dns_parse_cfg(c, argc, argv, out, &q)) != CLI_ERR_NONE)
        return e;
    /* otDnsClientSetDefaultConfig: every field given again, zero = default. */
    c->dns_has_server = q.has_server;
    memcpy(c->dns_server, q.server, 16);
    c->dns_port = q.port;
    c->dns_timeout_ms = q.timeout_ms;
    c->dns_attempts = q.attempts;
    c->dns_rd = q.rd;
    return CLI_ERR_NONE;
}

/* "example.com" / "example.com." into wire form (dns_msg); InvalidArgs when
 * bad, and for the root or an empty name, which OpenThread refuses too. */
static cli_err dns_name_parse(const char *text, struct dns_name *out)
{
    if (text[0] == '\0' || !strcmp(text, "."))
        return CLI_ERR_INVALID_ARGS;
    return dns_name_from_text(text, out) == DNS_OK ? CLI_ERR_NONE : CLI_ERR_INVALID_ARGS;
}

static uint16_t dns_new_id(struct node_cli *c)
{
    /* Dns::Client: a random message ID. The node's own random source is
     * not exposed; the clock and the previous ID mix well enough for a
     * client that checks the question too. */
    uint32_t x =
        (uint32_t)c->now_ms * 2654435761u ^ (uint32_t)c->dns_id * 40503u ^ (uint32_t)(uintptr_t)c;

    x ^= x >> 15;
    return (uint16_t)(x ^ (x >> 16));
}

static void dns_build(struct node_cli *c)
{
    struct dns_builder b;
    size_t len = 0;

    dns_build_init(&b, c->dns_msg, sizeof(c->dns_msg), c->dns_id, c->dns_qrd ? DNS_FLAG_RD : 0);
    /* A name of at most 255 octets always fits NODE_CLI_DNS_MSG_MAX. */
    if (dns_build_question(&b, &c->dns_qname, c->dns_a ? DNS_TYPE_A : DNS_TYPE_AAAA,
                           DNS_CLASS_IN) != DNS_OK ||
        dns_build_finish(&b, &len) != DNS_OK)
        len = 0;
    c->dns_msg_len = (uint16_t)len;
}

static enum tnode_err dns_send(struct node_cli *c, uint64_t now_ms)
{
    c->dns_tx++;
    c->dns_deadline_ms = now_ms + c->dns_qtimeout_ms;
    return tnode_udp_send(c->node, c->dns_handle, c->dns_qserver, c->dns_qport, c->dns_msg,
                          c->dns_msg_len, now_ms);
}

static void dns_finish(struct node_cli *c, cli_err e, const uint8_t (*addrs)[16],
                       const uint32_t *ttls, size_t n)
{
    FILE *out = c->dns_out;
    bool was_pending = c->pending;

    c->dns_active = false;
    c->dns_out = NULL;
    c->pending = false;
    if (out != NULL) {
        fprintf(out, "DNS response for %s - ", c->dns_name);
        if (e == CLI_ERR_NONE) {
            for (size_t i = 0; i < n; i++) {
                char buf[ADDR_STR6];

                fprintf(out, "%s TTL:%u ", addr_fmt6_ot(addrs[i], buf), (unsigned)ttls[i]);
            }
            fprintf(out, "\n");
        }
        cli_print_result(out, e);
        fflush(out);
    }
    if (was_pending && c->on_finish != NULL)
        c->on_finish(c->user);
}

/* Header::ResponseCodeToError. */
static cli_err dns_rcode_err(unsigned rcode)
{
    switch (rcode) {
    case 0:
        return CLI_ERR_NONE;
    case 1:  /* FormErr */
    case 10: /* NotZone */
        return CLI_ERR_PARSE;
    case 3: /* NXDomain */
    case 8: /* NXRRSet */
        return CLI_ERR_NOT_FOUND;
    case 4: /* NotImp */
        return CLI_ERR_NOT_IMPLEMENTED;
    case 5: /* Refused */
    case 9: /* NotAuth */
        return CLI_ERR_SECURITY;
    case 6: /* YXDomain */
    case 7: /* YXRRSet */
        return CLI_ERR_DUPLICATED;
    default: /* ServFail and the rest */
        return CLI_ERR_FAILED;
    }
}

/* A response: checked as Client::ParseResponse does (ID, QR, opcode, the
 * question), then CNAMEs followed and the addresses read. */
static void dns_rx(void *ctx, const struct tnode_udp_rx *rx)
{
    struct node_cli *c = ctx;
    uint16_t want = c->dns_a ? DNS_TYPE_A : DNS_TYPE_AAAA;
    struct dns_parser p;
    struct dns_question q;
    struct dns_name cur;
    struct dns_rr *rr = NULL;
    size_t nrr = 0, naddr = 0;
    uint8_t addrs[DNS_ANSWERS_MAX][16];
    uint32_t ttls[DNS_ANSWERS_MAX];
    unsigned rcode;
    cli_err e = CLI_ERR_NONE;

    if (!c->dns_active || dns_parse_begin(&p, rx->payload, rx->len) != DNS_OK ||
        p.hdr.id != c->dns_id || !(p.hdr.flags & DNS_FLAG_QR) || dns_hdr_opcode(&p.hdr) != 0)
        return;
    rcode = dns_hdr_rcode(&p.hdr);
    if (p.hdr.qdcount != 1) {
        if (!(rcode != 0 && p.hdr.qdcount == 0))
            return;
    } else if (dns_parse_question(&p, &q) != DNS_OK || q.type != want ||
               !dns_name_equal(&q.name, &c->dns_qname)) {
        return;
    }
    /* AAAA with NAT64 allowed: empty success or an error other than
     * NXDOMAIN asks again for A (Client::ReplaceWithIp4Query). */
    if (!c->dns_a && c->dns_nat64_ok &&
        ((rcode == 0 && p.hdr.ancount == 0) || (rcode != 0 && rcode != 3))) {
        enum tnode_err te;

        c->dns_a = true;
        c->dns_tx = 0;
        c->dns_id = dns_new_id(c);
        dns_build(c);
        te = dns_send(c, tnode_now_ms(c->node));
        if (te != TNODE_OK)
            dns_finish(c, from_tnode(te), NULL, NULL, 0);
        return;
    }
    if (rcode != 0) {
        dns_finish(c, dns_rcode_err(rcode), NULL, NULL, 0);
        return;
    }
    rr = calloc(DNS_ANSWERS_MAX, sizeof(*rr));
    if (rr == NULL) {
        dns_finish(c, CLI_ERR_NO_BUFS, NULL, NULL, 0);
        return;
    }
    /* The answer section; what follows it is not needed. */
    for (unsigned i = 0; i < p.hdr.ancount; i++) {
        struct dns_rr tmp;

        if (dns_parse_rr(&p, &tmp) != DNS_OK || tmp.section != DNS_SECTION_ANSWER) {
            e = CLI_ERR_PARSE;
            break;
        }
        if (nrr < DNS_ANSWERS_MAX)
            rr[nrr++] = tmp;
    }
    cur = c->dns_qname;
    for (int hops = 0; e == CLI_ERR_NONE; hops++) {
        bool found = false;

        for (size_t i = 0; i < nrr && !found; i++) {
            struct rd r = rd_init(rr[i].rdata, rr[i].rdlen);

            if (rr[i].type != DNS_TYPE_CNAME || !dns_name_equal(&rr[i].name, &cur))
                continue;
            if (dns_name_read(rx->payload, rx->len, &r, &cur) != DNS_OK)
                e = CLI_ERR_PARSE;
            found = true;
        }
        if (!found)
            break;
        if (hops >= DNS_CNAME_HOPS)
            e = CLI_ERR_PARSE; /* a loop */
    }
    for (size_t i = 0; i < nrr && e == CLI_ERR_NONE; i++) {
        if (rr[i].type != want || rr[i].cls != DNS_CLASS_IN || !dns_name_equal(&rr[i].name, &cur))
            continue;
        if (rr[i].rdlen != (want == DNS_TYPE_A ? 4u : 16u))
            continue;
        if (want == DNS_TYPE_A) {
            struct addr_prefix6 pfx;

            /* Synthesized with the prefix preferred now (§6.2). */
            if (!tnode_nat64_prefix(c->node, &pfx) ||
                !rfc6052_synth(&pfx, rr[i].rdata, addrs[naddr])) {
                e = CLI_ERR_INVALID_STATE;
                break;
            }
        } else {
            memcpy(addrs[naddr], rr[i].rdata, 16);
        }
        ttls[naddr++] = rr[i].ttl;
    }
    free(rr);
    dns_finish(c, e, (const uint8_t(*)[16])addrs, ttls, naddr);
}

static void dns_close(struct node_cli *c)
{
    if (c->dns_open)
        tnode_udp_close(c->node, c->dns_handle);
    c->dns_open = false;
}

/* dns resolve|resolve4 <name> [server [port [timeout [attempts [rd ...]]]]] */
static cli_err dns_resolve(struct node_cli *c, bool four, int argc, char **argv, FILE *out)
{
    struct dns_qcfg q;
    struct addr_prefix6 pfx;
    uint8_t daddr[16];
    uint16_t dport;
    enum tnode_err te;
    size_t tl;
    cli_err e;

    if (argc < 1)
        return CLI_ERR_INVALID_ARGS;
    if ((e = dns_parse_cfg(c, argc - 1, argv + 1, out, &q)) != CLI_ERR_NONE)
        return e;
    if (c->dns_active)
        return CLI_ERR_BUSY;
    if (four && !tnode_nat64_prefix(c->node, &pfx))
        return CLI_ERR_INVALID_STATE;
    if ((e = dns_name_parse(argv[0], &c->dns_qname)) != CLI_ERR_NONE)
        return e;
    tl = strlen(argv[0]);
    snprintf(c->dns_name, sizeof(c->dns_name), "%s%s", argv[0],
             tl > 0 && argv[0][tl - 1] == '.' ? "" : ".");
    dns_default_sockaddr(c, daddr, &dport);
    {
        static const uint8_t any[16];

        if (q.has_server && memcmp(q.server, any, 16) != 0)
            memcpy(daddr, q.server, 16);
    }
    memcpy(c->dns_qserver, daddr, 16);
    c->dns_qport = q.port != 0 ? q.port : dport;
    c->dns_qtimeout_ms = q.timeout_ms != 0   ? q.timeout_ms
                         : c->dns_timeout_ms ? c->dns_timeout_ms
                                             : NODE_CLI_DNS_TIMEOUT_MS;
    c->dns_qattempts = q.attempts != 0   ? q.attempts
                       : c->dns_attempts ? c->dns_attempts
                                         : NODE_CLI_DNS_ATTEMPTS;
    c->dns_qrd = q.rd != 0 ? q.rd == 1 : c->dns_rd != 2;
    c->dns_a = four;
    c->dns_nat64_ok = true; /* Nat64Mode: allow (no CLI argument for it) */
    c->dns_tx = 0;
    if (!c->dns_open) {
        te = tnode_udp_open(c->node, dns_rx, c, &c->dns_handle);
        if (te != TNODE_OK)
            return from_tnode(te);
        c->dns_open = true;
    }
    c->dns_id = dns_new_id(c);
    dns_build(c);
    te = dns_send(c, c->now_ms);
    if (te != TNODE_OK)
        return from_tnode(te);
    c->dns_active = true;
    c->dns_out = out;
    c->pending = true;
    return CLI_ERR_PENDING;
}

static cli_err cmd_dns_resolve(void *ctx, int argc, char **argv, FILE *out)
{
    return dns_resolve(cli_of(ctx), false, argc, argv, out);
}

static cli_err cmd_dns_resolve4(void *ctx, int argc, char **argv, FILE *out)
{
    return dns_resolve(cli_of(ctx), true, argc, argv, out);
}

static const struct cli_cmd dns_commands[] = {
    {"config", cmd_dns_config, NULL},
    {"resolve", cmd_dns_resolve, NULL},
    {"resolve4", cmd_dns_resolve4, NULL},
    {NULL, NULL, NULL},
};

/* ---- srp client (cli_srp_client.cpp) ------------------------------------------- */

static cli_err from_srp(enum srp_client_err e)
{
    switch (e) {
    case SRP_CLIENT_ERR_OK:
        return CLI_ERR_NONE;
    case SRP_CLIENT_ERR_INVALID_ARGS:
        return CLI_ERR_INVALID_ARGS;
    case SRP_CLIENT_ERR_INVALID_STATE:
        return CLI_ERR_INVALID_STATE;
    case SRP_CLIENT_ERR_ALREADY:
        return CLI_ERR_ALREADY;
    case SRP_CLIENT_ERR_NOT_FOUND:
        return CLI_ERR_NOT_FOUND;
    case SRP_CLIENT_ERR_NO_BUFS:
        return CLI_ERR_NO_BUFS;
    case SRP_CLIENT_ERR_BUSY:
        return CLI_ERR_BUSY;
    default:
        return CLI_ERR_FAILED;
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

static cli_err cmd_srpc_autostart(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    bool on;
    cli_err e;

    if (argc == 0) {
        print_enabled(out, c->srp->autostart);
        return CLI_ERR_NONE;
    }
    if ((e = cli_parse_enable_disable(argv[0], &on)) != CLI_ERR_NONE)
        return e;
    srp_client_set_autostart(c->srp, on, c->now_ms);
    return CLI_ERR_NONE;
}

static cli_err cmd_srpc_host(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct srp_client *sc = c->srp;
    char buf[ADDR_STR6];

    if (argc == 0) {
        srp_client_fmt_host(sc, srp_print_line, out);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "name") == 0) {
        if (argc == 1) {
            fprintf(out, "%s\n", sc->host_name[0] != '\0' ? sc->host_name : "(null)");
            return CLI_ERR_NONE;
        }
        if (argc > 2)
            return CLI_ERR_INVALID_ARGS;
        return from_srp(srp_client_set_host_name(sc, argv[1], c->now_ms));
    }
    if (strcmp(argv[0], "state") == 0) {
        if (argc != 1)
            return CLI_ERR_INVALID_ARGS;
        fprintf(out, "%s\n", srp_client_item_state_str(sc->host_state));
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "address") == 0) {
        uint8_t addrs[SRP_CLIENT_MAX_ADDRS][16];
        unsigned n = 0;
        cli_err e;

        if (argc == 1) {
            if (sc->auto_addr) {
                fprintf(out, "auto\n");
            } else {
                for (unsigned i = 0; i < sc->naddrs; i++)
                    fprintf(out, "%s\n", addr_fmt6_ot(sc->addrs[i], buf));
            }
            return CLI_ERR_NONE;
        }
        if (strcmp(argv[1], "auto") == 0)
            return from_srp(srp_client_set_auto_addr(sc, c->now_ms));
        for (int i = 1; i < argc; i++) {
            if (n >= SRP_CLIENT_MAX_ADDRS)
                return CLI_ERR_NO_BUFS;
            if ((e = cli_parse_ip6(argv[i], addrs[n])) != CLI_ERR_NONE)
                return e;
            n++;
        }
        return from_srp(srp_client_set_addrs(sc, (const uint8_t(*)[16])addrs, n, c->now_ms));
    }
    if (strcmp(argv[0], "remove") == 0) {
        bool remove_key = false, send_unreg = false;
        cli_err e;

        if (argc > 3)
            return CLI_ERR_INVALID_ARGS;
        if (argc >= 2 && (e = cli_parse_bool(argv[1], &remove_key)) != CLI_ERR_NONE)
            return e;
        if (argc >= 3 && (e = cli_parse_bool(argv[2], &send_unreg)) != CLI_ERR_NONE)
            return e;
        return from_srp(srp_client_remove_host(sc, remove_key, send_unreg, c->now_ms));
    }
    if (strcmp(argv[0], "clear") == 0) {
        if (argc != 1)
            return CLI_ERR_INVALID_ARGS;
        srp_client_clear_host(sc, c->now_ms);
        return CLI_ERR_NONE;
    }
    return CLI_ERR_INVALID_COMMAND;
}

/* ProcessGetSet: no argument prints, one sets, more is InvalidArgs. */
static cli_err srpc_get_set(struct node_cli *c, int argc, char **argv, FILE *out, uint32_t cur,
                            void (*set)(struct srp_client *, uint32_t))
{
    uint32_t v;
    cli_err e;

    if (argc == 0) {
        fprintf(out, "%" PRIu32 "\n", cur);
        return CLI_ERR_NONE;
    }
    if ((e = cli_parse_u32(argv[0], &v)) != CLI_ERR_NONE)
        return e;
    if (argc > 1)
        return CLI_ERR_INVALID_ARGS;
    set(c->srp, v);
    return CLI_ERR_NONE;
}

static void srpc_set_ttl(struct srp_client *sc, uint32_t v)
{
    sc->ttl = v;
}

static cli_err cmd_srpc_keyleaseinterval(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    return srpc_get_set(c, argc, argv, out, c->srp->key_lease, srp_client_set_key_lease);
}

static cli_err cmd_srpc_leaseinterval(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    return srpc_get_set(c, argc, argv, out, c->srp->lease, srp_client_set_lease);
}

static cli_err cmd_srpc_ttl(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    return srpc_get_set(c, argc, argv, out, c->srp->ttl, srpc_set_ttl);
}

static cli_err cmd_srpc_server(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    char buf[ADDR_STR6];

    /* otSrpClientGetServerAddress: all zero and port 0 while stopped */
    if (argc == 0) {
        fprintf(out, "[%s]:%u\n", addr_fmt6_ot(c->srp->server, buf), (unsigned)c->srp->server_port);
        return CLI_ERR_NONE;
    }
    if (argc > 1)
        return CLI_ERR_INVALID_ARGS;
    if (strcmp(argv[0], "address") == 0)
        fprintf(out, "%s\n", addr_fmt6_ot(c->srp->server, buf));
    else if (strcmp(argv[0], "port") == 0)
        fprintf(out, "%u\n", (unsigned)c->srp->server_port);
    else
        return CLI_ERR_INVALID_COMMAND;
    return CLI_ERR_NONE;
}

static cli_err cmd_srpc_service(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    struct srp_client *sc = c->srp;
    cli_err e;

    if (argc == 0) {
        srp_client_fmt_services(sc, srp_print_line, out);
        return CLI_ERR_NONE;
    }
    if (strcmp(argv[0], "add") == 0) {
        /* add <instance> <service> <port> [priority] [weight] [txt] */
        uint16_t port, prio = 0, weight = 0;
        uint8_t txt[SRP_CLIENT_TXT_MAX];
        size_t txt_len = 0;

        if ((e = cli_parse_u16(argc > 3 ? argv[3] : NULL, &port)) != CLI_ERR_NONE)
            return e;
        if (argc > 4 && (e = cli_parse_u16(argv[4], &prio)) != CLI_ERR_NONE)
            return e;
        if (argc > 5 && (e = cli_parse_u16(argv[5], &weight)) != CLI_ERR_NONE)
            return e;
        if (argc > 6 && strcmp(argv[6], "-") != 0 &&
            (e = cli_parse_hex_upto(argv[6], txt, sizeof(txt), &txt_len)) != CLI_ERR_NONE)
            return e;
        if (argc > 7)
            return CLI_ERR_INVALID_ARGS; /* per-service lease/key lease: not kept */
        return from_srp(srp_client_add_service(sc, argv[1], argv[2], port, prio, weight, txt,
                                               (uint16_t)txt_len, c->now_ms));
    }
    if (strcmp(argv[0], "remove") == 0 || strcmp(argv[0], "clear") == 0) {
        if (argc != 3)
            return CLI_ERR_INVALID_ARGS;
        return from_srp(srp_client_remove_service(sc, argv[1], argv[2],
                                                  strcmp(argv[0], "clear") == 0, c->now_ms));
    }
    return CLI_ERR_INVALID_COMMAND;
}

static cli_err cmd_srpc_start(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);
    uint8_t addr[16];
    uint16_t port;
    cli_err e;

    (void)out;
    if ((e = cli_parse_ip6(argc > 0 ? argv[0] : NULL, addr)) != CLI_ERR_NONE)
        return e;
    if ((e = cli_parse_u16(argc > 1 ? argv[1] : NULL, &port)) != CLI_ERR_NONE)
        return e;
    if (argc > 2)
        return CLI_ERR_INVALID_ARGS;
    return from_srp(srp_client_start(c->srp, addr, port, c->now_ms));
}

static cli_err cmd_srpc_state(void *ctx, int argc, char **argv, FILE *out)
{
    (void)argv;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    print_enabled(out, cli_of(ctx)->srp->running);
    return CLI_ERR_NONE;
}

static cli_err cmd_srpc_stop(void *ctx, int argc, char **argv, FILE *out)
{
    struct node_cli *c = cli_of(ctx);

    (void)argv;
    (void)out;
    if (argc != 0)
        return CLI_ERR_INVALID_ARGS;
    srp_client_stop(c->srp, c->now_ms);
    return CLI_ERR_NONE;
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

static cli_err cmd_srp(void *ctx, int argc, char **argv, FILE *out)
{
    if (cli_of(ctx)->srp == NULL)
        return CLI_ERR_INVALID_COMMAND;
    return cli_dispatch(srp_commands, ctx, argc, argv, out);
}

void node_cli_process(struct node_cli *c, uint64_t now_ms)
{
    if (!c->dns_active || now_ms < c->dns_deadline_ms)
        return;
    if (c->dns_tx < c->dns_qattempts) {
        enum tnode_err te = dns_send(c, now_ms);

        if (te == TNODE_OK || te == TNODE_ERR_BUSY)
            return;
        dns_finish(c, from_tnode(te), NULL, NULL, 0);
        return;
    }
    dns_finish(c, CLI_ERR_RESPONSE_TIMEOUT, NULL, NULL, 0);
}

int64_t node_cli_next_timeout_ms(const struct node_cli *c, uint64_t now_ms)
{
    if (!c->dns_active)
        return -1;
    return c->dns_deadline_ms <= now_ms ? 0 : (int64_t)(c->dns_deadline_ms - now_ms);
}

/* Sorted by name, as OpenThread's kCommands ("help" is the dispatcher's). */
const struct cli_cmd node_cli_commands[] = {
    {"child", cmd_child, NULL},
    {"dataset", cmd_dataset, NULL},
    {"dns", NULL, dns_commands},
    {"extaddr", cmd_extaddr, NULL},
    {"factoryreset", cmd_factoryreset, NULL},
    {"ifconfig", cmd_ifconfig, NULL},
    {"ipaddr", cmd_ipaddr, NULL},
    {"leaderdata", cmd_leaderdata, NULL},
    {"mode", cmd_mode, NULL},
    {"netdata", NULL, netdata_commands},
    {"parent", cmd_parent, NULL},
    {"ping", cmd_ping, NULL},
    {"rloc16", cmd_rloc16, NULL},
    {"srp", cmd_srp, NULL},
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
    c->bench_total = 0;
    c->bench_unsent = 0;
    c->dns_out = NULL;
    c->dns_active = false;
    dns_close(c);
}

cli_err node_cli_run_line(struct node_cli *c, const char *line, uint64_t now_ms, FILE *out)
{
    if (c->pending) {
        struct cli_line ln;

        /* Interpreter::ProcessLine: a pending command swallows new lines,
         * except factoryreset. */
        if (cli_tokenize(line, &ln) != CLI_ERR_NONE || ln.argc == 0 ||
            strcmp(ln.argv[0], "factoryreset") != 0)
            return CLI_ERR_PENDING;
    }
    c->now_ms = now_ms;
    return cli_run_line(node_cli_commands, c, line, out);
}
