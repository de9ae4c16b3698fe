/*
 * libFuzzer harness for the CLI line tokenizer, the argument parsers and the
 * dispatcher (src/cli/cli.h).
 *
 * The input is one command line (NUL-terminated copy; bytes after a NUL are
 * ignored as a C string would). Checks:
 *  - tokenizer: bounds (argc, line length), argv inside the buffer, no empty
 *    token, argv[argc] NULL, error codes only Parse/InvalidArgs;
 *  - every token through every parser: only the documented error codes;
 *    accepted values round-trip (IPv6 printed in OT form and parsed again,
 *    IPv4, prefixes, integers, hex strings); the IPv6-or-IPv4 rule agrees
 *    with the two parsers and never returns the IPv4 error;
 *  - the dispatcher over a small table, and the table renderer with tokens
 *    as titles.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
    if (!cond)
        abort();
}

static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    check(f != NULL);
    return f;
}

static void parse_token(const char *t)
{
    uint64_t u64;
    enum ot_err e = cli_parse_u64(t, &u64);
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS);
    if (e == OT_ERR_NONE) {
        char buf[32];
        uint64_t back;
        snprintf(buf, sizeof(buf), "%" PRIu64, u64);
        check(cli_parse_u64(buf, &back) == OT_ERR_NONE && back == u64);
        snprintf(buf, sizeof(buf), "0x%" PRIx64, u64);
        check(cli_parse_u64(buf, &back) == OT_ERR_NONE && back == u64);
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        check((cli_parse_u8(t, &u8) == OT_ERR_NONE) == (u64 <= UINT8_MAX));
        check((cli_parse_u16(t, &u16) == OT_ERR_NONE) == (u64 <= UINT16_MAX));
        check((cli_parse_u32(t, &u32) == OT_ERR_NONE) == (u64 <= UINT32_MAX));
    }
    int32_t i32;
    e = cli_parse_i32(t, &i32);
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS);
    bool b;
    e = cli_parse_bool(t, &b);
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS);
    e = cli_parse_enable_disable(t, &b);
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_COMMAND);

    uint8_t hex[CLI_MAX_LINE / 2 + 1];
    size_t n = 0;
    e = cli_parse_hex_upto(t, hex, sizeof(hex), &n);
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS);
    if (e == OT_ERR_NONE) {
        check(n == (strlen(t) + 1) / 2);
        uint8_t key[CLI_NETWORK_KEY_LEN];
        check((cli_parse_network_key(t, key) == OT_ERR_NONE) == (n == CLI_NETWORK_KEY_LEN));
        if (n == CLI_NETWORK_KEY_LEN)
            check(memcmp(key, hex, n) == 0);
    }

    uint8_t a6[16], a4[4], back6[16], back4[4], len, blen;
    char txt[64];
    enum ot_err e6 = cli_parse_ip6(t, a6);
    check(e6 == OT_ERR_NONE || e6 == OT_ERR_PARSE);
    if (e6 == OT_ERR_NONE) {
        addr_fmt6_ot(a6, txt);
        check(cli_parse_ip6(txt, back6) == OT_ERR_NONE && memcmp(a6, back6, 16) == 0);
        /* Whatever we accept, the C library's parser agrees on the value
         * when it accepts it too. */
        if (addr_parse6(t, back6))
            check(memcmp(a6, back6, 16) == 0);
    }
    enum ot_err e4 = cli_parse_ip4(t, a4);
    check(e4 == OT_ERR_NONE || e4 == OT_ERR_PARSE);
    if (e4 == OT_ERR_NONE) {
        addr_fmt4(a4, txt);
        check(cli_parse_ip4(txt, back4) == OT_ERR_NONE && memcmp(a4, back4, 4) == 0);
    }
    bool is4 = false;
    uint8_t o6[16], o4[4];
    e = cli_parse_ip6_or_ip4(t, o6, o4, &is4);
    if (e6 == OT_ERR_NONE)
        check(e == OT_ERR_NONE && !is4 && memcmp(o6, a6, 16) == 0);
    else if (e4 == OT_ERR_NONE)
        check(e == OT_ERR_NONE && is4 && memcmp(o4, a4, 4) == 0);
    else
        check(e == OT_ERR_PARSE);

    e = cli_parse_ip6_prefix(t, a6, &len);
    check(e == OT_ERR_NONE || e == OT_ERR_PARSE);
    if (e == OT_ERR_NONE) {
        check(len <= 128);
        char p[80];
        snprintf(p, sizeof(p), "%s/%u", addr_fmt6_ot(a6, txt), len);
        check(cli_parse_ip6_prefix(p, back6, &blen) == OT_ERR_NONE);
        check(blen == len && memcmp(a6, back6, 16) == 0);
    }
    e = cli_parse_ip4_cidr(t, a4, &len);
    check(e == OT_ERR_NONE || e == OT_ERR_PARSE);
    if (e == OT_ERR_NONE) {
        check(len <= 32);
        char p[32];
        snprintf(p, sizeof(p), "%s/%u", addr_fmt4(a4, txt), len);
        check(cli_parse_ip4_cidr(p, back4, &blen) == OT_ERR_NONE);
        check(blen == len && memcmp(a4, back4, 4) == 0);
    }
}

static enum ot_err fz_args(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out)
{
    (void)ctx;
    (void)now_ms;
    check(argc >= 0 && argv[argc] == NULL);
    for (int i = 0; i < argc; i++)
        fprintf(out, "%s\n", argv[i]);
    return argc ? OT_ERR_NONE : OT_ERR_INVALID_ARGS;
}

static const struct cli_cmd fz_sub[] = {
    {"cidr", fz_args, NULL},
    {"state", fz_args, NULL},
    {NULL, NULL, NULL},
};

static const struct cli_cmd fz_top[] = {
    {"nat64", NULL, fz_sub},
    {"ping", fz_args, NULL},
    {"state", fz_args, NULL},
    {NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Allow lines a little over the limit to reach the length check. */
    char line[CLI_MAX_LINE + 64];
    if (size >= sizeof(line))
        size = sizeof(line) - 1;
    memcpy(line, data, size);
    line[size] = '\0';
    size_t slen = strlen(line);

    struct cli_line ln;
    enum ot_err e = cli_tokenize(line, &ln);
    if (slen >= CLI_MAX_LINE) {
        check(e == OT_ERR_PARSE && ln.argc == 0);
        return 0;
    }
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS);
    if (e != OT_ERR_NONE) {
        check(ln.argc == 0);
        return 0;
    }
    check(ln.argc >= 0 && ln.argc < CLI_MAX_ARGS);
    check(ln.argv[ln.argc] == NULL);
    size_t total = 0;
    for (int i = 0; i < ln.argc; i++) {
        const char *t = ln.argv[i];
        check(t >= ln.buf && t < ln.buf + sizeof(ln.buf));
        size_t tl = strlen(t);
        check(tl > 0);
        check(t + tl < ln.buf + sizeof(ln.buf));
        total += tl;
        parse_token(t);
    }
    check(total <= slen);

    /* Dispatch the same line; the result is one of the codes we produce. */
    e = cli_run_line(fz_top, NULL, line, 0, sink());
    check(e == OT_ERR_NONE || e == OT_ERR_INVALID_ARGS || e == OT_ERR_INVALID_COMMAND);

    /* Tokens as table titles, widths from the first bytes of the input. */
    if (ln.argc > 0) {
        const char *titles[CLI_MAX_ARGS];
        uint8_t widths[CLI_MAX_ARGS];
        for (int i = 0; i < ln.argc; i++) {
            titles[i] = ln.argv[i];
            widths[i] = (uint8_t)(i < (int)size ? data[i] : 0);
        }
        cli_table_header(sink(), (size_t)ln.argc, titles, widths);
    }
    return 0;
}
