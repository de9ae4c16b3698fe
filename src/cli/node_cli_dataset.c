/*
 * The device CLI's `dataset` commands (OpenThread's cli_dataset.cpp): the
 * dataset buffer's components, printed and set with OpenThread's rules.
 */
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "cli/node_cli_priv.h"
#include "thread/dataset.h"

/* ---- dataset ---------------------------------------------------------------- */

static enum ot_err from_dataset(enum dataset_err e)
{
    switch (e) {
    case DATASET_OK:
        return OT_ERR_NONE;
    case DATASET_ERR_NO_SPACE:
    case DATASET_ERR_TOO_LONG:
        return OT_ERR_NO_BUFS;
    case DATASET_ERR_NOT_FOUND:
        return OT_ERR_NOT_FOUND;
    default:
        return OT_ERR_INVALID_ARGS;
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
static enum ot_err parse_security_policy(char **argv, struct dataset_security_policy *out)
{
    struct dataset_security_policy sp;
    enum ot_err e;

    memset(&sp, 0, sizeof(sp));
    e = cli_parse_u16(argv[0], &sp.rotation_hours);
    if (e != OT_ERR_NONE)
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
                return OT_ERR_INVALID_ARGS;
            }
        }
        if (argv[2] != NULL) {
            uint8_t vt;

            e = cli_parse_u8(argv[2], &vt);
            if (e != OT_ERR_NONE)
                return e;
            if (vt > 7)
                return OT_ERR_INVALID_ARGS;
            sp.version_threshold = vt;
        }
    }
    *out = sp;
    return OT_ERR_NONE;
}

/* A timestamp TLV value: 48-bit seconds, 15-bit ticks, U bit. */
static void encode_timestamp(uint64_t seconds, uint8_t v[8])
{
    for (int k = 0; k < 6; k++)
        v[k] = (uint8_t)(seconds >> (8 * (5 - k)));
    v[6] = 0;
    v[7] = 0;
}

static enum ot_err ds_set_component(struct dataset_tlvs *d, enum ds_kind kind, char **argv)
{
    uint8_t buf[16];
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    enum ot_err e;

    switch (kind) {
    case DS_ACTIVE_TS: {
        struct dataset_timestamp ts = {0};

        e = cli_parse_u64(argv[0], &u64);
        if (e != OT_ERR_NONE)
            return e;
        ts.seconds = u64;
        return from_dataset(dataset_set_active_timestamp(d, &ts));
    }
    case DS_PENDING_TS:
        e = cli_parse_u64(argv[0], &u64);
        if (e != OT_ERR_NONE)
            return e;
        encode_timestamp(u64, buf);
        return from_dataset(dataset_write_tlv(d, DATASET_TLV_PENDING_TIMESTAMP, buf, 8));
    case DS_CHANNEL:
        e = cli_parse_u16(argv[0], &u16);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_channel(d, u16));
    case DS_WAKEUP_CHANNEL:
        e = cli_parse_u16(argv[0], &u16);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_wakeup_channel(d, u16));
    case DS_CHANNEL_MASK:
        e = cli_parse_u32(argv[0], &u32);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_channel_mask(d, u32));
    case DS_DELAY:
        e = cli_parse_u32(argv[0], &u32);
        if (e != OT_ERR_NONE)
            return e;
        buf[0] = (uint8_t)(u32 >> 24);
        buf[1] = (uint8_t)(u32 >> 16);
        buf[2] = (uint8_t)(u32 >> 8);
        buf[3] = (uint8_t)u32;
        return from_dataset(dataset_write_tlv(d, DATASET_TLV_DELAY_TIMER, buf, 4));
    case DS_EXTPANID:
        e = cli_parse_ext_panid(argv[0], buf);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_extpanid(d, buf));
    case DS_MESH_LOCAL_PREFIX:
        e = cli_parse_ip6(argv[0], buf);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_mesh_local_prefix(d, buf));
    case DS_NETWORK_KEY:
        e = cli_parse_network_key(argv[0], buf);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_network_key(d, buf));
    case DS_NETWORK_NAME:
        if (argv[0] == NULL)
            return OT_ERR_INVALID_ARGS;
        return from_dataset(dataset_set_network_name(d, argv[0]));
    case DS_PANID:
        e = cli_parse_u16(argv[0], &u16);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_panid(d, u16));
    case DS_PSKC:
        /* `pskc -p <passphrase>` (PBKDF2 from the passphrase) is not built. */
        if (argv[0] != NULL && strcmp(argv[0], "-p") == 0)
            return OT_ERR_NOT_IMPLEMENTED;
        e = cli_parse_pskc(argv[0], buf);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_pskc(d, buf));
    case DS_SECURITY_POLICY: {
        struct dataset_security_policy sp;

        e = parse_security_policy(argv, &sp);
        if (e != OT_ERR_NONE)
            return e;
        return from_dataset(dataset_set_security_policy(d, &sp));
    }
    }
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err ds_component(struct node_cli *c, const struct ds_component *comp, int argc,
                                char **argv, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(c->node);
    struct dataset_info info;
    enum dataset_err de;

    if (d == NULL)
        return OT_ERR_INVALID_STATE;
    if (argc == 0) {
        de = dataset_parse(d->tlvs, d->len, &info);
        if (de != DATASET_OK)
            return from_dataset(de);
        if (*((const bool *)((const char *)&info + comp->has_off)))
            ds_print_component(out, comp->kind, &info);
        return OT_ERR_NONE;
    }
    return ds_set_component(d, comp->kind, argv);
}

static enum ot_err print_dataset(FILE *out, const struct dataset_tlvs *d, bool redact)
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

static enum ot_err cmd_ds_active(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    struct dataset_tlvs d;

    (void)now_ms;
    if (!active_tlvs(c, &d))
        return OT_ERR_NOT_FOUND;
    if (argc == 0)
        return print_dataset(out, &d, false);
    if (strcmp(argv[0], "-x") == 0) {
        cli_print_hex_line(out, d.tlvs, d.len);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "-ns") == 0)
        return print_dataset(out, &d, true);
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err cmd_ds_clear(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(node_cli_of(ctx)->node);

    (void)argc;
    (void)argv;
    (void)out;
    (void)now_ms;
    if (d == NULL)
        return OT_ERR_INVALID_STATE;
    memset(d, 0, sizeof(*d));
    return OT_ERR_NONE;
}

static enum ot_err cmd_ds_commit(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)out;
    if (argc >= 1 && strcmp(argv[0], "active") == 0)
        return tnode_dataset_commit_active(c->node, now_ms);
    if (argc >= 1 && strcmp(argv[0], "pending") == 0)
        return OT_ERR_NOT_IMPLEMENTED;
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err cmd_ds_init(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);

    (void)out;
    (void)now_ms;
    if (argc >= 1 && strcmp(argv[0], "active") == 0)
        return tnode_dataset_init_active(c->node);
    if (argc >= 1 && strcmp(argv[0], "new") == 0)
        return tnode_dataset_init_new(c->node);
    if (argc >= 1 && strcmp(argv[0], "pending") == 0)
        return OT_ERR_NOT_FOUND; /* no pending dataset is ever held */
    if (argc >= 1 && strcmp(argv[0], "tlvs") == 0) {
        uint8_t buf[DATASET_MAX_LEN];
        size_t len = 0;
        struct dataset_tlvs *d = tnode_dataset_buffer(c->node);
        enum ot_err e = cli_parse_hex_upto(argv[1], buf, sizeof(buf), &len);

        if (e != OT_ERR_NONE)
            return e;
        if (d == NULL)
            return OT_ERR_INVALID_STATE;
        return from_dataset(dataset_set_tlvs(d, buf, len));
    }
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err cmd_ds_pending(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    (void)out;
    (void)now_ms;
    return OT_ERR_NOT_FOUND; /* otDatasetGetPendingTlvs without one */
}

static enum ot_err cmd_ds_set(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    uint8_t buf[DATASET_MAX_LEN];
    size_t len = 0;
    enum ot_err e;

    (void)out;
    /* OpenThread parses the hex first, then looks at active/pending. */
    e = cli_parse_hex_upto(argc >= 2 ? argv[1] : NULL, buf, sizeof(buf), &len);
    if (e != OT_ERR_NONE)
        return e;
    if (strcmp(argv[0], "active") == 0)
        return tnode_dataset_set_active(c->node, buf, len, now_ms);
    if (strcmp(argv[0], "pending") == 0)
        return OT_ERR_NOT_IMPLEMENTED;
    return OT_ERR_INVALID_ARGS;
}

static enum ot_err cmd_ds_tlvs(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct dataset_tlvs *d = tnode_dataset_buffer(node_cli_of(ctx)->node);

    (void)argv;
    (void)now_ms;
    if (argc != 0)
        return OT_ERR_INVALID_ARGS;
    if (d == NULL)
        return OT_ERR_INVALID_STATE;
    cli_print_hex_line(out, d->tlvs, d->len);
    return OT_ERR_NONE;
}

static const struct cli_cmd ds_commands[] = {
    {"active", cmd_ds_active, NULL},   {"clear", cmd_ds_clear, NULL},
    {"commit", cmd_ds_commit, NULL},   {"init", cmd_ds_init, NULL},
    {"pending", cmd_ds_pending, NULL}, {"set", cmd_ds_set, NULL},
    {"tlvs", cmd_ds_tlvs, NULL},       {NULL, NULL, NULL},
};

enum ot_err node_cli_dataset_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct node_cli *c = node_cli_of(ctx);
    const struct ds_component *comp;

    if (argc == 0) {
        struct dataset_tlvs *d = tnode_dataset_buffer(c->node);

        if (d == NULL)
            return OT_ERR_INVALID_STATE;
        return print_dataset(out, d, false);
    }
    if (strcmp(argv[0], "help") == 0) {
        for (const struct cli_cmd *e = ds_commands; e->name != NULL; e++)
            fprintf(out, "%s\n", e->name);
        return OT_ERR_NONE;
    }
    comp = ds_lookup(argv[0]);
    if (comp != NULL)
        return ds_component(c, comp, argc - 1, argv + 1, out);
    for (const struct cli_cmd *e = ds_commands; e->name != NULL; e++) {
        if (strcmp(e->name, argv[0]) == 0)
            return e->fn(ctx, argc - 1, argv + 1, now_ms, out);
    }
    return OT_ERR_INVALID_COMMAND;
}
