#include "nat64/nat64_fmt.h"

#include <inttypes.h>
#include <string.h>

#include "util/addr.h"

/* OpenThread's OutputTableHeader: one title row, then a separator row. */
static void fmt_table_header(FILE *out, size_t n, const char *const titles[],
                             const uint8_t widths[])
{
    for (size_t i = 0; i < n; i++) {
        int w = widths[i];
        if (strlen(titles[i]) + 2 <= (size_t)w)
            fprintf(out, "| %-*s", w - 1, titles[i]);
        else
            fprintf(out, "|%-*.*s", w, w, titles[i]);
    }
    fputs("|\n", out);
    for (size_t i = 0; i < n; i++) {
        fputc('+', out);
        for (int j = 0; j < widths[i]; j++)
            fputc('-', out);
    }
    fputs("+\n", out);
}

/* The four counter cells of a protocol row, closing the line. */
static void fmt_ctr_cells(FILE *out, const struct nat64_ctr *c)
{
    fprintf(out, "| %8" PRIu64 " | %12" PRIu64 " | %8" PRIu64 " | %12" PRIu64 " |\n", c->pkts_4to6,
            c->bytes_4to6, c->pkts_6to4, c->bytes_6to4);
}

static void ctr_sum(const struct nat64_ctr proto[NAT64_PROTO_COUNT], struct nat64_ctr *total)
{
    memset(total, 0, sizeof(*total));
    for (int p = 0; p < NAT64_PROTO_COUNT; p++) {
        total->pkts_4to6 += proto[p].pkts_4to6;
        total->bytes_4to6 += proto[p].bytes_4to6;
        total->pkts_6to4 += proto[p].pkts_6to4;
        total->bytes_6to4 += proto[p].bytes_6to4;
    }
}

/* OpenThread's labels, in enum nat64_proto order. */
static const char *const proto_label[NAT64_PROTO_COUNT] = {"TCP", "UDP", "ICMP"};
/* JSON keys, in enum nat64_proto order. */
static const char *const proto_key[NAT64_PROTO_COUNT] = {"tcp", "udp", "icmp"};

void nat64_fmt_mappings(FILE *out, const struct nat64_fmt_mapping *m, size_t n)
{
    static const char *const t1[] = {"", "Address", "Ports or ICMP Ids", "", "4 to 6", "6 to 4"};
    static const uint8_t w1[] = {18, 61, 19, 8, 25, 25};
    static const char *const t2[] = {"ID",     "IPv6", "IPv4",  "v6",   "v4",
                                     "Expiry", "Pkts", "Bytes", "Pkts", "Bytes"};
    static const uint8_t w2[] = {18, 42, 18, 9, 9, 8, 10, 14, 10, 14};

    fmt_table_header(out, sizeof(w1), t1, w1);
    fmt_table_header(out, sizeof(w2), t2, w2);

    for (size_t i = 0; i < n; i++) {
        const struct nat64_fmt_mapping *e = &m[i];
        char a6[ADDR_STR6], a4[ADDR_STR4];
        struct nat64_ctr total;

        fprintf(out, "| %08lx%08lx ", (unsigned long)(uint32_t)(e->id >> 32),
                (unsigned long)(uint32_t)e->id);
        fprintf(out, "| %40s ", addr_fmt6(e->addr6, a6));
        fprintf(out, "| %16s ", addr_fmt4(e->addr4, a4));
        if (e->has_ports)
            fprintf(out, "| %6u  | %6u  ", (unsigned)e->port6, (unsigned)e->port4);
        else
            fputs("|   N/A   |   N/A   ", out);
        fprintf(out, "| %5lus ", (unsigned long)e->remaining_s);
        ctr_sum(e->ctr, &total);
        fmt_ctr_cells(out, &total);

        for (int p = 0; p < NAT64_PROTO_COUNT; p++) {
            fprintf(out, "| %16s ", "");
            fprintf(out, "| %88s ", proto_label[p]);
            fmt_ctr_cells(out, &e->ctr[p]);
        }
    }
}

void nat64_fmt_counters(FILE *out, const struct nat64_fmt_counters *c)
{
    static const char *const t1[] = {"", "4 to 6", "6 to 4"};
    static const uint8_t w1[] = {15, 25, 25};
    static const char *const t2[] = {"Protocol", "Pkts", "Bytes", "Pkts", "Bytes"};
    static const uint8_t w2[] = {15, 10, 14, 10, 14};
    static const char *const t3[] = {"Errors", "Pkts", "Pkts"};
    static const uint8_t w3[] = {15, 25, 25};
    static const char *const ot_label[NAT64_OT_COUNT] = {"Unknown", "Illegal Pkt", "Unsup Proto",
                                                         "No Mapping"};
    struct nat64_ctr total;
    uint64_t err4to6[NAT64_OT_COUNT] = {0}, err6to4[NAT64_OT_COUNT] = {0};

    fmt_table_header(out, sizeof(w1), t1, w1);
    fmt_table_header(out, sizeof(w2), t2, w2);

    ctr_sum(c->proto, &total);
    fprintf(out, "| %13s ", "Total");
    fmt_ctr_cells(out, &total);
    for (int p = 0; p < NAT64_PROTO_COUNT; p++) {
        fprintf(out, "| %13s ", proto_label[p]);
        fmt_ctr_cells(out, &c->proto[p]);
    }

    fmt_table_header(out, sizeof(w3), t3, w3);
    for (int r = 0; r < NAT64_DROP_COUNT; r++) {
        enum nat64_ot_reason ot = nat64_drop_ot((enum nat64_drop)r);
        err4to6[ot] += c->drops_4to6[r];
        err6to4[ot] += c->drops_6to4[r];
    }
    for (int r = 0; r < NAT64_OT_COUNT; r++)
        fprintf(out, "| %13s | %23" PRIu64 " | %23" PRIu64 " |\n", ot_label[r], err4to6[r],
                err6to4[r]);
}

void nat64_fmt_counters_ext(FILE *out, const struct nat64_fmt_counters *c)
{
    for (int r = 0; r < NAT64_DROP_COUNT; r++) {
        const char *label = nat64_drop_ext_label((enum nat64_drop)r);
        if (label != NULL && (c->drops_4to6[r] != 0 || c->drops_6to4[r] != 0))
            fprintf(out, "| %13s | %23" PRIu64 " | %23" PRIu64 " |\n", label, c->drops_4to6[r],
                    c->drops_6to4[r]);
    }
}

static void json_ctr(FILE *out, const char *key, const struct nat64_ctr *c)
{
    fprintf(out,
            "\"%s\":{\"4to6\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "},"
            "\"6to4\":{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 "}}",
            key, c->pkts_4to6, c->bytes_4to6, c->pkts_6to4, c->bytes_6to4);
}

/* {"total":...,"tcp":...,"udp":...,"icmp":...} */
static void json_protos(FILE *out, const struct nat64_ctr proto[NAT64_PROTO_COUNT])
{
    struct nat64_ctr total;
    ctr_sum(proto, &total);
    fputc('{', out);
    json_ctr(out, "total", &total);
    for (int p = 0; p < NAT64_PROTO_COUNT; p++) {
        fputc(',', out);
        json_ctr(out, proto_key[p], &proto[p]);
    }
    fputc('}', out);
}

void nat64_fmt_mappings_json(FILE *out, const struct nat64_fmt_mapping *m, size_t n)
{
    fputs("{\"mappings\":[", out);
    for (size_t i = 0; i < n; i++) {
        const struct nat64_fmt_mapping *e = &m[i];
        char a6[ADDR_STR6], a4[ADDR_STR4];

        if (i)
            fputc(',', out);
        fprintf(out, "{\"id\":\"%016" PRIx64 "\",\"ipv6\":\"%s\",\"ipv4\":\"%s\",", e->id,
                addr_fmt6(e->addr6, a6), addr_fmt4(e->addr4, a4));
        if (e->has_ports)
            fprintf(out, "\"port6\":%u,\"port4\":%u,", (unsigned)e->port6, (unsigned)e->port4);
        else
            fputs("\"port6\":null,\"port4\":null,", out);
        fprintf(out, "\"expiry_s\":%lu,\"counters\":", (unsigned long)e->remaining_s);
        json_protos(out, e->ctr);
        fputc('}', out);
    }
    fputs("]}\n", out);
}

static void json_drops(FILE *out, const uint64_t drops[NAT64_DROP_COUNT])
{
    bool first = true;
    fputc('{', out);
    for (int r = 0; r < NAT64_DROP_COUNT; r++) {
        if (r == NAT64_DROP_NONE)
            continue;
        /* Reason names are fixed lowercase tokens: no escaping needed. */
        fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", nat64_drop_name((enum nat64_drop)r),
                drops[r]);
        first = false;
    }
    fputc('}', out);
}

void nat64_fmt_counters_json(FILE *out, const struct nat64_fmt_counters *c)
{
    fputs("{\"protocols\":", out);
    json_protos(out, c->proto);
    fputs(",\"drops\":{\"4to6\":", out);
    json_drops(out, c->drops_4to6);
    fputs(",\"6to4\":", out);
    json_drops(out, c->drops_6to4);
    fputs("}}\n", out);
}
