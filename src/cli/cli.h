/*
 * CLI plumbing shared by tbr-node and tbr-agent/tbr-ctl: the result line of
 * a command (enum ot_err, util/ot_err.h), the command-line tokenizer, a
 * command table dispatcher, argument parsers with OpenThread's acceptance
 * rules and error codes, and output helpers (IPv6 addresses, hex bytes,
 * table headers).
 *
 * Behaviour follows ot-cli-ftd (src/cli/cli.cpp, src/cli/cli_utils.cpp,
 * src/core/utils/parse_cmdline.cpp, src/core/common/error.cpp). The module
 * has no global state: every function works on its arguments, and all
 * output goes to the FILE * the caller passes. Lines end in "\n".
 */
#ifndef TBR_CLI_CLI_H
#define TBR_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/ot_err.h"

/* ---- Results ------------------------------------------------------------- */

/* Prints the result line of a command as ot-cli-ftd does: "Done" for
 * OT_ERR_NONE, nothing for OT_ERR_PENDING (the command finishes later and
 * prints its own result), else "Error N: Name". */
void cli_print_result(FILE *out, int err);

/* ---- Tokenizer -------------------------------------------------------------
 *
 * OpenThread's rules (ParseCmd): arguments are separated by runs of space,
 * tab, CR or LF; a backslash followed by a separator or by another backslash
 * makes that character literal (the backslash is dropped); any other
 * backslash is kept as is. There is no quoting.
 *
 * Bounds: OpenThread's kMaxArgs is 32 including the terminating empty
 * argument, so a line may hold at most CLI_MAX_ARGS - 1 = 31 arguments; a
 * 32nd gives OT_ERR_INVALID_ARGS. A line of CLI_MAX_LINE bytes or more (not
 * counting the NUL) gives OT_ERR_PARSE. (ot-cli-ftd's default line limit,
 * OPENTHREAD_CONFIG_CLI_MAX_LINE_LENGTH, is 384; this project uses 512.)
 */
#define CLI_MAX_ARGS 32
#define CLI_MAX_LINE 512

struct cli_line {
    char buf[CLI_MAX_LINE];   /* the arguments, NUL-separated */
    char *argv[CLI_MAX_ARGS]; /* argv[argc] is NULL */
    int argc;
};

/* Splits line (not modified) into ln. Returns OT_ERR_NONE (argc may be 0
 * for an empty or blank line), OT_ERR_PARSE (line too long) or
 * OT_ERR_INVALID_ARGS (too many arguments). On error ln->argc is 0. */
enum ot_err cli_tokenize(const char *line, struct cli_line *ln);

/* ---- Dispatcher ------------------------------------------------------------
 *
 * A table is an array of struct cli_cmd ended by an entry whose name is
 * NULL. An entry has either a handler fn or a sub-table sub (if both are set,
 * fn wins; fn may itself call cli_dispatch on a sub-table). A handler gets
 * the arguments AFTER its own name (argv[argc] is NULL) and the time of the
 * line (now_ms, as given to cli_run_line: handlers keep no copy of it), and
 * returns the result that cli_run_line prints.
 */
struct cli_cmd {
    const char *name;
    enum ot_err (*fn)(void *ctx, int argc, char **argv, uint64_t now_ms, FILE *out);
    const struct cli_cmd *sub;
};

/* Looks argv[0] up in table (exact, case-sensitive match) and runs it.
 *  - found: the handler's result, or the sub-table dispatched on argv + 1;
 *  - argv[0] is "help" (and no entry is named "help"): prints every name of
 *    the table, one per line, returns OT_ERR_NONE;
 *  - argc == 0: prints every name, returns OT_ERR_INVALID_COMMAND (what
 *    OpenThread's sub-commands do, e.g. "srp client" alone);
 *  - otherwise OT_ERR_INVALID_COMMAND. */
enum ot_err cli_dispatch(const struct cli_cmd *table, void *ctx, int argc, char **argv,
                         uint64_t now_ms, FILE *out);

/* Tokenizes and dispatches one line and prints the result line (see
 * cli_print_result). A blank line prints nothing and returns OT_ERR_NONE;
 * a tokenizer error is printed as the command's result. Returns the
 * result. */
enum ot_err cli_run_line(const struct cli_cmd *table, void *ctx, const char *line, uint64_t now_ms,
                         FILE *out);

/* ---- Argument parsers ------------------------------------------------------
 *
 * All take the argument as a C string; a NULL argument (missing) gives
 * OT_ERR_INVALID_ARGS, like OpenThread's empty Arg. *out is written only on
 * success.
 *
 * Unsigned integers: decimal, or hex after "0x"/"0X"; at least one digit,
 * nothing else (no sign, no spaces). Bad digit or out of range:
 * OT_ERR_INVALID_ARGS.
 * Signed integers: an optional '+' or '-' then the unsigned form (hex too).
 */
enum ot_err cli_parse_u8(const char *s, uint8_t *out);
enum ot_err cli_parse_u16(const char *s, uint16_t *out);
enum ot_err cli_parse_u32(const char *s, uint32_t *out);
enum ot_err cli_parse_u64(const char *s, uint64_t *out);
enum ot_err cli_parse_i8(const char *s, int8_t *out);
enum ot_err cli_parse_i16(const char *s, int16_t *out);
enum ot_err cli_parse_i32(const char *s, int32_t *out);

/* ParseAsBool: a uint32 number, true when not zero. */
enum ot_err cli_parse_bool(const char *s, bool *out);

/* "enable" -> true, "disable" -> false, anything else (or NULL):
 * OT_ERR_INVALID_COMMAND, as ParseEnableOrDisable. */
enum ot_err cli_parse_enable_disable(const char *s, bool *out);

/* Hex string of exactly len bytes: (strlen + 1) / 2 must equal len, an odd
 * number of digits means an implicit leading 0 nibble. Upper or lower case.
 * Wrong size or bad digit: OT_ERR_INVALID_ARGS. */
enum ot_err cli_parse_hex_exact(const char *s, uint8_t *out, size_t len);
/* Same, up to max bytes; *len gets the byte count. */
enum ot_err cli_parse_hex_upto(const char *s, uint8_t *out, size_t max, size_t *len);

/* Fixed-size Thread values, as the dataset/CLI commands take them. */
#define CLI_NETWORK_KEY_LEN 16
#define CLI_EXT_PANID_LEN 8
#define CLI_PSKC_LEN 16
#define CLI_EXT_ADDR_LEN 8
enum ot_err cli_parse_network_key(const char *s, uint8_t out[CLI_NETWORK_KEY_LEN]);
enum ot_err cli_parse_ext_panid(const char *s, uint8_t out[CLI_EXT_PANID_LEN]);
enum ot_err cli_parse_pskc(const char *s, uint8_t out[CLI_PSKC_LEN]);

/* IPv6 address with OpenThread's Ip6::Address::FromString rules: groups of
 * 1+ hex digits (value <= 0xffff, leading zeros allowed), one optional "::"
 * (which may stand for zero groups), an optional trailing dotted-quad IPv4
 * in the last 32 bits. Bad text: OT_ERR_PARSE. */
enum ot_err cli_parse_ip6(const char *s, uint8_t out[16]);
/* "addr/len", len 0..128 in decimal (leading zeros allowed). Host bits are
 * kept as written. Bad text: OT_ERR_PARSE. */
enum ot_err cli_parse_ip6_prefix(const char *s, uint8_t addr[16], uint8_t *len);
/* Dotted quad with Ip4::Address::FromString rules: exactly 4 decimal octets
 * 0..255 (leading zeros allowed, read as decimal), nothing after. Bad text:
 * OT_ERR_PARSE. */
enum ot_err cli_parse_ip4(const char *s, uint8_t out[4]);
/* "a.b.c.d/len", len 0..32. Bad text: OT_ERR_PARSE. */
enum ot_err cli_parse_ip4_cidr(const char *s, uint8_t addr[4], uint8_t *len);

/* The address rule of ping/udp/tcp/dns (Utils::ParseToIp6Address and
 * shared/reference/ot-nat64-behaviour.md §2.3): parse as IPv6; if that fails
 * parse as IPv4; if that fails too return the IPv6 error (OT_ERR_PARSE).
 * On success *is_ip4 tells which one matched: false -> ip6 is set; true ->
 * ip4 is set and the caller synthesizes the IPv6 address with its NAT64
 * prefix (failing with OT_ERR_INVALID_STATE when it has none) and prints
 * e.g. "Pinging synthesized IPv6 address: <addr>". */
enum ot_err cli_parse_ip6_or_ip4(const char *s, uint8_t ip6[16], uint8_t ip4[4], bool *is_ip4);

/* ---- Output helpers --------------------------------------------------------
 */

/* OpenThread's CLI address form (8 groups of %x, no "::"); no newline. */
void cli_print_ip6(FILE *out, const uint8_t a[16]);
/* "%02x" per byte, no separators; no newline. */
void cli_print_hex(FILE *out, const uint8_t *b, size_t len);
/* Same, then "\n". */
void cli_print_hex_line(FILE *out, const uint8_t *b, size_t len);

/* OpenThread's OutputTableHeader: for each column a "|" then the title,
 * left-aligned, as "| Title" padded to width when strlen(title) + 2 <= width,
 * else without the leading space and cut to width; then "|\n" and the
 * separator line ("+" then width '-' per column, closing "+\n"). */
void cli_table_header(FILE *out, size_t ncols, const char *const titles[], const uint8_t widths[]);
void cli_table_separator(FILE *out, size_t ncols, const uint8_t widths[]);

#endif
