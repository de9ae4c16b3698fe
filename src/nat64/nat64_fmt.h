/*
 * Text and JSON renderings of the translator's mappings and counters.
 *
 * The text forms are byte-identical to OpenThread's CLI today
 * (`nat64 mappings`, `nat64 counters`: cli.cpp OutputNat64Counters and the
 * OutputTableHeader renderer). They write the table only: the caller prints
 * the final "Done". Inputs are plain data so the formatters know nothing of
 * the table's internals.
 */
#ifndef TBR_NAT64_NAT64_FMT_H
#define TBR_NAT64_NAT64_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "nat64/counters.h"
#include "nat64/drop.h"

struct nat64_fmt_mapping {
    uint64_t id;
    uint8_t addr6[16];
    uint8_t addr4[4];
    bool has_ports; /* false: the port columns print N/A */
    uint16_t port6, port4;
    uint32_t remaining_s; /* floored seconds, 0 when expired */
    struct nat64_ctr ctr[NAT64_PROTO_COUNT];
};

struct nat64_fmt_counters {
    struct nat64_ctr proto[NAT64_PROTO_COUNT];
    uint64_t drops_4to6[NAT64_DROP_COUNT];
    uint64_t drops_6to4[NAT64_DROP_COUNT];
};

/* `nat64 mappings`: the 4 header lines, then 4 lines per mapping in the
 * order given (OpenThread lists newest first). */
void nat64_fmt_mappings(FILE *out, const struct nat64_fmt_mapping *m, size_t n);

/* `nat64 counters`: protocol table, then the four OpenThread error rows
 * (our named reasons folded by nat64_drop_ot()). */
void nat64_fmt_counters(FILE *out, const struct nat64_fmt_counters *c);
/* tbr's extra rows after that table, in the shape of its error rows: one
 * per reason OpenThread has no counterpart for (nat64_drop_ext_label()),
 * only those with a count, so the output stays OpenThread's until such a
 * drop happened. The OpenThread rows above already include these counts. */
void nat64_fmt_counters_ext(FILE *out, const struct nat64_fmt_counters *c);

/* JSON forms: one object per call, newline-terminated. Every named drop
 * reason appears with its own count. */
void nat64_fmt_mappings_json(FILE *out, const struct nat64_fmt_mapping *m, size_t n);
void nat64_fmt_counters_json(FILE *out, const struct nat64_fmt_counters *c);

#endif
