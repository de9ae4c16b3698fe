/*
 * The device CLI's `macfilter` command (OpenThread's src/cli/cli_mac_filter.cpp)
 * over the node's MAC filter (mac/mac_filter.h, tnode_mac_filter):
 *
 *   macfilter                        mode, listed addresses, RSS-in list
 *   macfilter addr                   mode and listed addresses
 *   macfilter addr add <ext> [rss]   list <ext> (and fix its RSS-in)
 *   macfilter addr remove <ext> | clear
 *   macfilter addr allowlist | denylist | disable
 *   macfilter rss                    RSS-in entries, then the default
 *   macfilter rss add <ext>|* <rss>
 *   macfilter rss add-lqi <ext>|* <0..3>
 *   macfilter rss remove <ext>|* | clear
 *
 * Output and errors are OpenThread's, byte for byte (the transcript in
 * tests/vectors/macfilter/): an entry prints "<ext>[ : rss N (lqi Q)]", the
 * default "Default rss: N (lqi Q)"; extra arguments are ignored except after
 * a mode word (InvalidArgs); `macfilter help` is InvalidCommand.
 */
#include <string.h>

#include "cli/node_cli_priv.h"
#include "mac/mac_filter.h"
#include "thread/node.h"

static uint8_t lq_of(int8_t rss)
{
    return mac_filter_rss_to_lq(MAC_FILTER_NOISE_FLOOR, rss);
}

/* OutputEntry: the address, and its fixed RSS-in when it has one. */
static void print_entry(FILE *out, const struct mac_filter_entry *e)
{
    cli_print_hex(out, e->ext, sizeof(e->ext));
    if (e->rss != MAC_FILTER_RSS_NONE)
        fprintf(out, " : rss %d (lqi %u)", e->rss, lq_of(e->rss));
    fputc('\n', out);
}

/* OutputFilter(kAddressFilter); with_title: the whole filter is printed. */
static void print_addrs(FILE *out, const struct mac_filter *f, bool with_title)
{
    struct mac_filter_entry e;
    unsigned it = 0;

    fprintf(out, "%s%s\n", with_title ? "Address Mode: " : "",
            mac_filter_mode_str(mac_filter_mode(f)));
    while (mac_filter_next_addr(f, &it, &e))
        print_entry(out, &e);
}

/* OutputFilter(kRssFilter); the default comes last, as OpenThread's
 * iterator returns it. */
static void print_rss(FILE *out, const struct mac_filter *f, bool with_title)
{
    struct mac_filter_entry e;
    unsigned it = 0;
    int8_t rss;

    if (with_title)
        fprintf(out, "RssIn List:\n");
    while (mac_filter_next_rss(f, &it, &e))
        print_entry(out, &e);
    if (mac_filter_default_rss(f, &rss))
        fprintf(out, "Default rss: %d (lqi %u)\n", rss, lq_of(rss));
}

static enum ot_err parse_ext(const char *s, uint8_t ext[MAC_EXT_ADDR_LEN])
{
    return cli_parse_hex_exact(s, ext, MAC_EXT_ADDR_LEN);
}

/* Argument i, or NULL when missing (OpenThread's empty Arg: the parsers
 * give InvalidArgs for it). */
static const char *arg(int argc, char **argv, int i)
{
    return i < argc ? argv[i] : NULL;
}

static bool is_star(const char *s)
{
    return s != NULL && strcmp(s, "*") == 0;
}

static enum ot_err cmd_addr(struct mac_filter *f, int argc, char **argv, FILE *out)
{
    static const char *const modes[] = {"disable", "allowlist", "denylist"};
    static const enum mac_filter_mode mode_of[] = {MAC_FILTER_DISABLED, MAC_FILTER_ALLOWLIST,
                                                   MAC_FILTER_DENYLIST};
    uint8_t ext[MAC_EXT_ADDR_LEN];
    enum ot_err e;
    int8_t rss;

    if (argc == 0) {
        print_addrs(out, f, false);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "add") == 0) {
        if ((e = parse_ext(arg(argc, argv, 1), ext)) != OT_ERR_NONE)
            return e;
        if ((e = mac_filter_add_addr(f, ext)) != OT_ERR_NONE)
            return e;
        /* The address stays listed when the RSS is refused, as in OpenThread. */
        if (argc < 3)
            return OT_ERR_NONE;
        if ((e = cli_parse_i8(argv[2], &rss)) != OT_ERR_NONE)
            return e;
        return mac_filter_add_rss(f, ext, rss);
    }
    if (strcmp(argv[0], "remove") == 0) {
        if ((e = parse_ext(arg(argc, argv, 1), ext)) != OT_ERR_NONE)
            return e;
        mac_filter_remove_addr(f, ext);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "clear") == 0) {
        mac_filter_clear_addrs(f);
        return OT_ERR_NONE;
    }
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(argv[0], modes[i]) == 0) {
            if (argc > 1)
                return OT_ERR_INVALID_ARGS;
            mac_filter_set_mode(f, mode_of[i]);
            return OT_ERR_NONE;
        }
    }
    return OT_ERR_INVALID_COMMAND;
}

/* `rss add` / `rss add-lqi` once the value is known: "*" is the default. */
static enum ot_err set_rss(struct mac_filter *f, const char *who, int8_t rss)
{
    uint8_t ext[MAC_EXT_ADDR_LEN];
    enum ot_err e;

    if (is_star(who)) {
        mac_filter_set_default_rss(f, rss);
        return OT_ERR_NONE;
    }
    if ((e = parse_ext(who, ext)) != OT_ERR_NONE)
        return e;
    return mac_filter_add_rss(f, ext, rss);
}

static enum ot_err cmd_rss(struct mac_filter *f, int argc, char **argv, FILE *out)
{
    uint8_t ext[MAC_EXT_ADDR_LEN];
    enum ot_err e;
    uint8_t lq;
    int8_t rss;

    if (argc == 0) {
        print_rss(out, f, false);
        return OT_ERR_NONE;
    }
    /* OpenThread parses the value before the address in both forms. */
    if (strcmp(argv[0], "add-lqi") == 0) {
        if ((e = cli_parse_u8(arg(argc, argv, 2), &lq)) != OT_ERR_NONE)
            return e;
        if (lq > 3)
            return OT_ERR_INVALID_ARGS;
        return set_rss(f, arg(argc, argv, 1), mac_filter_lq_to_rss(MAC_FILTER_NOISE_FLOOR, lq));
    }
    if (strcmp(argv[0], "add") == 0) {
        if ((e = cli_parse_i8(arg(argc, argv, 2), &rss)) != OT_ERR_NONE)
            return e;
        return set_rss(f, arg(argc, argv, 1), rss);
    }
    if (strcmp(argv[0], "remove") == 0) {
        if (is_star(arg(argc, argv, 1))) {
            mac_filter_clear_default_rss(f);
            return OT_ERR_NONE;
        }
        if ((e = parse_ext(arg(argc, argv, 1), ext)) != OT_ERR_NONE)
            return e;
        mac_filter_remove_rss(f, ext);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "clear") == 0) {
        mac_filter_clear_rss(f);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

enum ot_err node_cli_macfilter_cmd(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    struct mac_filter *f = tnode_mac_filter(node_cli_of(ctx)->node);

    (void)now_ms;
    if (argc == 0) {
        print_addrs(out, f, true);
        print_rss(out, f, true);
        return OT_ERR_NONE;
    }
    if (strcmp(argv[0], "addr") == 0)
        return cmd_addr(f, argc - 1, argv + 1, out);
    if (strcmp(argv[0], "rss") == 0)
        return cmd_rss(f, argc - 1, argv + 1, out);
    return OT_ERR_INVALID_COMMAND;
}
