/*
 * CLI plumbing: result lines, tokenizer, dispatcher, argument parsers and
 * output helpers with ot-cli-ftd's behaviour (see cli.h for the contracts).
 */
#include "cli/cli.h"

#include <string.h>

#include "util/addr.h"

/* ---- Results --------------------------------------------------------------- */

void cli_print_result(FILE *out, int err)
{
    if (err == OT_ERR_PENDING)
        return;
    if (err == OT_ERR_NONE)
        fputs("Done\n", out);
    else
        fprintf(out, "Error %u: %s\n", (unsigned)err, ot_err_name(err));
}

/* ---- Tokenizer ------------------------------------------------------------- */

static bool is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum ot_err cli_tokenize(const char *line, struct cli_line *ln)
{
    ln->argc = 0;
    ln->argv[0] = NULL;
    if (!line)
        return OT_ERR_INVALID_ARGS;
    size_t len = strnlen(line, CLI_MAX_LINE);
    if (len >= CLI_MAX_LINE)
        return OT_ERR_PARSE;

    /* Every token ends in a NUL that takes the place of a separator or of
     * the input's NUL, so the output never exceeds len + 1 bytes. */
    char *dst = ln->buf;
    bool in_tok = false;
    int argc = 0;
    for (size_t i = 0; i < len; i++) {
        char c = line[i];
        if (c == '\\' && (is_sep(line[i + 1]) || line[i + 1] == '\\')) {
            c = line[++i]; /* literal */
        } else if (is_sep(c)) {
            if (in_tok)
                *dst++ = '\0';
            in_tok = false;
            continue;
        }
        if (!in_tok) {
            if (argc == CLI_MAX_ARGS - 1) {
                ln->argv[0] = NULL;
                return OT_ERR_INVALID_ARGS;
            }
            ln->argv[argc++] = dst;
            in_tok = true;
        }
        *dst++ = c;
    }
    if (in_tok)
        *dst = '\0';
    ln->argv[argc] = NULL;
    ln->argc = argc;
    return OT_ERR_NONE;
}

/* ---- Dispatcher ------------------------------------------------------------ */

static void list_names(const struct cli_cmd *table, FILE *out)
{
    for (const struct cli_cmd *c = table; c->name; c++)
        fprintf(out, "%s\n", c->name);
}

enum ot_err cli_dispatch(const struct cli_cmd *table, void *ctx, int argc, char **argv,
                         uint64_t now_ms, FILE *out)
{
    if (argc <= 0 || !argv || !argv[0]) {
        list_names(table, out);
        return OT_ERR_INVALID_COMMAND;
    }
    for (const struct cli_cmd *c = table; c->name; c++) {
        if (strcmp(c->name, argv[0]) != 0)
            continue;
        if (c->fn)
            return c->fn(ctx, argc - 1, argv + 1, now_ms, out);
        if (c->sub)
            return cli_dispatch(c->sub, ctx, argc - 1, argv + 1, now_ms, out);
        return OT_ERR_NOT_IMPLEMENTED;
    }
    if (strcmp(argv[0], "help") == 0) {
        list_names(table, out);
        return OT_ERR_NONE;
    }
    return OT_ERR_INVALID_COMMAND;
}

enum ot_err cli_run_line(const struct cli_cmd *table, void *ctx, const char *line, uint64_t now_ms,
                         FILE *out)
{
    struct cli_line ln;
    enum ot_err err = cli_tokenize(line, &ln);
    if (err == OT_ERR_NONE) {
        if (ln.argc == 0)
            return OT_ERR_NONE;
        err = cli_dispatch(table, ctx, ln.argc, ln.argv, now_ms, out);
    }
    cli_print_result(out, err);
    return err;
}

/* ---- Integer parsers ------------------------------------------------------- */

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int dec_val(char c)
{
    return (c >= '0' && c <= '9') ? c - '0' : -1;
}

enum ot_err cli_parse_u64(const char *s, uint64_t *out)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char *p = s;
    do {
        int d = base == 16 ? hex_val(*p) : dec_val(*p);
        if (d < 0)
            return OT_ERR_INVALID_ARGS; /* also "" and "0x" */
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return OT_ERR_INVALID_ARGS;
        v = v * base + (uint64_t)d;
        p++;
    } while (*p);
    *out = v;
    return OT_ERR_NONE;
}

static enum ot_err parse_umax(const char *s, uint64_t max, uint64_t *v)
{
    enum ot_err err = cli_parse_u64(s, v);
    if (err == OT_ERR_NONE && *v > max)
        err = OT_ERR_INVALID_ARGS;
    return err;
}

enum ot_err cli_parse_u8(const char *s, uint8_t *out)
{
    uint64_t v;
    enum ot_err err = parse_umax(s, UINT8_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (uint8_t)v;
    return err;
}

enum ot_err cli_parse_u16(const char *s, uint16_t *out)
{
    uint64_t v;
    enum ot_err err = parse_umax(s, UINT16_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (uint16_t)v;
    return err;
}

enum ot_err cli_parse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    enum ot_err err = parse_umax(s, UINT32_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (uint32_t)v;
    return err;
}

static enum ot_err parse_imax(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t mag;
    enum ot_err err = cli_parse_u64(s, &mag);
    if (err != OT_ERR_NONE)
        return err;
    uint64_t lim = neg ? (uint64_t)(-min) : (uint64_t)max;
    if (mag > lim)
        return OT_ERR_INVALID_ARGS;
    *out = neg ? -(int64_t)mag : (int64_t)mag;
    return OT_ERR_NONE;
}

enum ot_err cli_parse_i8(const char *s, int8_t *out)
{
    int64_t v;
    enum ot_err err = parse_imax(s, INT8_MIN, INT8_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (int8_t)v;
    return err;
}

enum ot_err cli_parse_i16(const char *s, int16_t *out)
{
    int64_t v;
    enum ot_err err = parse_imax(s, INT16_MIN, INT16_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (int16_t)v;
    return err;
}

enum ot_err cli_parse_i32(const char *s, int32_t *out)
{
    int64_t v;
    enum ot_err err = parse_imax(s, INT32_MIN, INT32_MAX, &v);
    if (err == OT_ERR_NONE)
        *out = (int32_t)v;
    return err;
}

enum ot_err cli_parse_bool(const char *s, bool *out)
{
    uint32_t v;
    enum ot_err err = cli_parse_u32(s, &v);
    if (err == OT_ERR_NONE)
        *out = v != 0;
    return err;
}

enum ot_err cli_parse_enable_disable(const char *s, bool *out)
{
    if (s && strcmp(s, "enable") == 0)
        *out = true;
    else if (s && strcmp(s, "disable") == 0)
        *out = false;
    else
        return OT_ERR_INVALID_COMMAND;
    return OT_ERR_NONE;
}

/* ---- Hex strings ----------------------------------------------------------- */

/* Decodes all of s into out (room for (strlen + 1) / 2 bytes checked by the
 * caller); an odd digit count gives a leading 0 nibble. */
static enum ot_err hex_decode(const char *s, size_t slen, uint8_t *out)
{
    size_t nbytes = (slen + 1) / 2;
    size_t i = 0;
    for (size_t b = 0; b < nbytes; b++) {
        int hi = 0;
        if (!(b == 0 && (slen & 1))) {
            hi = hex_val(s[i++]);
            if (hi < 0)
                return OT_ERR_INVALID_ARGS;
        }
        int lo = hex_val(s[i++]);
        if (lo < 0)
            return OT_ERR_INVALID_ARGS;
        out[b] = (uint8_t)(hi << 4 | lo);
    }
    return OT_ERR_NONE;
}

enum ot_err cli_parse_hex_upto(const char *s, uint8_t *out, size_t max, size_t *len)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    size_t slen = strlen(s);
    size_t nbytes = (slen + 1) / 2;
    if (nbytes > max)
        return OT_ERR_INVALID_ARGS;
    /* Decode into scratch first so *out is untouched on error. */
    uint8_t tmp[CLI_MAX_LINE / 2 + 1];
    if (nbytes > sizeof(tmp))
        return OT_ERR_INVALID_ARGS;
    enum ot_err err = hex_decode(s, slen, tmp);
    if (err != OT_ERR_NONE)
        return err;
    if (nbytes)
        memcpy(out, tmp, nbytes);
    *len = nbytes;
    return OT_ERR_NONE;
}

enum ot_err cli_parse_hex_exact(const char *s, uint8_t *out, size_t len)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    if ((strlen(s) + 1) / 2 != len)
        return OT_ERR_INVALID_ARGS;
    size_t got;
    return cli_parse_hex_upto(s, out, len, &got);
}

enum ot_err cli_parse_network_key(const char *s, uint8_t out[CLI_NETWORK_KEY_LEN])
{
    return cli_parse_hex_exact(s, out, CLI_NETWORK_KEY_LEN);
}

enum ot_err cli_parse_ext_panid(const char *s, uint8_t out[CLI_EXT_PANID_LEN])
{
    return cli_parse_hex_exact(s, out, CLI_EXT_PANID_LEN);
}

enum ot_err cli_parse_pskc(const char *s, uint8_t out[CLI_PSKC_LEN])
{
    return cli_parse_hex_exact(s, out, CLI_PSKC_LEN);
}

/* ---- Addresses ------------------------------------------------------------- */

/* A decimal number of 1+ digits, at most max; advances *sp. */
static bool dec_upto(const char **sp, unsigned max, uint8_t *out)
{
    const char *p = *sp;
    unsigned v = 0;
    if (dec_val(*p) < 0)
        return false;
    for (; dec_val(*p) >= 0; p++) {
        v = v * 10 + (unsigned)dec_val(*p);
        if (v > max)
            return false;
    }
    *out = (uint8_t)v;
    *sp = p;
    return true;
}

/* Dotted quad ending at term; advances *sp to the terminator. */
static bool ip4_until(const char **sp, char term, uint8_t out[4])
{
    const char *p = *sp;
    uint8_t a[4];
    for (int i = 0; i < 4; i++) {
        if (i > 0) {
            if (*p != '.')
                return false;
            p++;
        }
        if (!dec_upto(&p, 255, &a[i]))
            return false;
    }
    if (*p != term)
        return false;
    memcpy(out, a, 4);
    *sp = p;
    return true;
}

/* IPv6 text ending at term (Ip6::Address::ParseFrom acceptance rules). */
static bool ip6_until(const char **sp, char term, uint8_t out[16])
{
    const char *p = *sp;
    uint16_t g[8] = {0};
    int n = 0, gap = -1, limit = 8;
    bool tail4 = false;

    if (*p == ':') {
        if (p[1] != ':')
            return false;
        p += 2;
        gap = 0;
    }
    while (*p != term) {
        const char *start = p;
        unsigned v = 0;
        for (int d; (d = hex_val(*p)) >= 0; p++) {
            v = v << 4 | (unsigned)d;
            if (v > 0xffff)
                return false;
        }
        if (p == start)
            return false;
        if (*p == '.') {
            p = start;
            tail4 = true;
            limit = 6;
            if (n > limit)
                return false;
            break;
        }
        if (*p != ':' && *p != term)
            return false;
        if (n >= limit)
            return false;
        g[n++] = (uint16_t)v;
        if (*p == ':') {
            p++;
            if (*p == ':') {
                if (gap >= 0)
                    return false;
                gap = n;
                p++;
            }
        }
    }
    if (n < limit) {
        if (gap < 0)
            return false;
        int tail = n - gap;
        memmove(&g[limit - tail], &g[gap], (size_t)tail * sizeof(g[0]));
        for (int i = gap; i < limit - tail; i++)
            g[i] = 0;
    }
    uint8_t a[16] = {0};
    for (int i = 0; i < limit; i++) {
        a[2 * i] = (uint8_t)(g[i] >> 8);
        a[2 * i + 1] = (uint8_t)g[i];
    }
    if (tail4 && !ip4_until(&p, term, &a[12]))
        return false;
    memcpy(out, a, 16);
    *sp = p;
    return true;
}

enum ot_err cli_parse_ip6(const char *s, uint8_t out[16])
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    return ip6_until(&s, '\0', out) ? OT_ERR_NONE : OT_ERR_PARSE;
}

enum ot_err cli_parse_ip4(const char *s, uint8_t out[4])
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    return ip4_until(&s, '\0', out) ? OT_ERR_NONE : OT_ERR_PARSE;
}

enum ot_err cli_parse_ip6_prefix(const char *s, uint8_t addr[16], uint8_t *len)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    uint8_t a[16], l;
    const char *p = s;
    if (!strchr(s, '/') || !ip6_until(&p, '/', a))
        return OT_ERR_PARSE;
    p++;
    if (!dec_upto(&p, 128, &l) || *p)
        return OT_ERR_PARSE;
    memcpy(addr, a, 16);
    *len = l;
    return OT_ERR_NONE;
}

enum ot_err cli_parse_ip4_cidr(const char *s, uint8_t addr[4], uint8_t *len)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    uint8_t a[4], l;
    const char *p = s;
    if (!ip4_until(&p, '/', a))
        return OT_ERR_PARSE;
    p++;
    if (!dec_upto(&p, 32, &l) || *p)
        return OT_ERR_PARSE;
    memcpy(addr, a, 4);
    *len = l;
    return OT_ERR_NONE;
}

enum ot_err cli_parse_ip6_or_ip4(const char *s, uint8_t ip6[16], uint8_t ip4[4], bool *is_ip4)
{
    if (!s)
        return OT_ERR_INVALID_ARGS;
    enum ot_err err = cli_parse_ip6(s, ip6);
    if (err == OT_ERR_NONE) {
        *is_ip4 = false;
        return err;
    }
    if (cli_parse_ip4(s, ip4) != OT_ERR_NONE)
        return err; /* the IPv6 error, not the IPv4 one */
    *is_ip4 = true;
    return OT_ERR_NONE;
}

/* ---- Output ---------------------------------------------------------------- */

void cli_print_ip6(FILE *out, const uint8_t a[16])
{
    char buf[ADDR_STR6];
    fputs(addr_fmt6_ot(a, buf), out);
}

void cli_print_hex(FILE *out, const uint8_t *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(out, "%02x", b[i]);
}

void cli_print_hex_line(FILE *out, const uint8_t *b, size_t len)
{
    cli_print_hex(out, b, len);
    fputc('\n', out);
}

void cli_table_header(FILE *out, size_t ncols, const char *const titles[], const uint8_t widths[])
{
    for (size_t i = 0; i < ncols; i++) {
        int w = widths[i];
        if (strlen(titles[i]) + 2 <= (size_t)w)
            fprintf(out, "| %-*s", w - 1, titles[i]);
        else
            fprintf(out, "|%-*.*s", w, w, titles[i]);
    }
    fputs("|\n", out);
    cli_table_separator(out, ncols, widths);
}

void cli_table_separator(FILE *out, size_t ncols, const uint8_t widths[])
{
    for (size_t i = 0; i < ncols; i++) {
        fputc('+', out);
        for (unsigned w = widths[i]; w; w--)
            fputc('-', out);
    }
    fputs("+\n", out);
}
