/*
 * `netdata show` text, exactly as OpenThread's CLI prints it
 * (src/cli/cli_network_data.cpp; shared/reference/ot-nat64-behaviour.md §4.4):
 *
 *   Prefixes:
 *   fd11:22:0:0::/64 paros med b000
 *   Routes:
 *   64:ff9b:0:0:0:0::/96 sn med b000
 *   Services:
 *   44970 5d fdd20e532b87b93f50ad4eea0450f1bfd11f s 0800 1
 *   Contexts:
 *   fd11:22:0:0::/64 1 sc
 *   Commissioning:
 *   53720 - - -
 *
 * Output goes to a caller FILE*; the trailing "Done" is the CLI's business.
 */
#ifndef TBR_NETDATA_NETDATA_FMT_H
#define TBR_NETDATA_NETDATA_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netdata/netdata.h"

/* Longest OT prefix text: 8 groups of 4 + 7 ':' + "/128" + NUL. */
#define NETDATA_PREFIX_STR 48

/* OpenThread Ip6::Prefix::ToString: ceil(bytes/2) groups of %x joined by
 * ':', then "::" unless the prefix covers 15 or 16 bytes, then "/len".
 * E.g. fd11:22:0:0::/64, 64:ff9b:0:0:0:0::/96, ::/0. Returns buf. */
const char *netdata_fmt_prefix(const struct addr_prefix6 *p, char buf[NETDATA_PREFIX_STR]);

/* Preference text: "low", "med", "high", "" for anything else. */
const char *netdata_fmt_pref(int preference);

/* One line each (with '\n'), as OT OutputPrefix / OutputRoute /
 * OutputService / OutputContext. */
void netdata_fmt_prefix_line(FILE *f, const struct netdata_prefix_cfg *c);
void netdata_fmt_route_line(FILE *f, const struct netdata_route_cfg *c);
void netdata_fmt_service_line(FILE *f, const struct netdata_service_cfg *c);
void netdata_fmt_context_line(FILE *f, const struct netdata_context *c);

/*
 * `netdata show [local] [<rloc16>]`: the sections Prefixes, Routes,
 * Services; then, for the full data (local false) with no RLOC16 filter
 * (rloc16 == NETDATA_ANY_RLOC16), Contexts and Commissioning.
 */
void netdata_fmt_show(FILE *f, const uint8_t *buf, size_t len, bool local, uint16_t rloc16);

/* `netdata show -x`: the bytes as lowercase hex on one line. */
void netdata_fmt_show_hex(FILE *f, const uint8_t *buf, size_t len);

#endif
