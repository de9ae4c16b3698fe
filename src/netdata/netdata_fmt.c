/*
 * `netdata show` text (see netdata_fmt.h), following OpenThread's
 * cli_network_data.cpp output functions field for field.
 */
#include "netdata/netdata_fmt.h"

#include <string.h>

const char *netdata_fmt_prefix(const struct addr_prefix6 *p, char buf[NETDATA_PREFIX_STR])
{
    unsigned len = p->len > 128 ? 128 : p->len;
    unsigned nbytes = (len + 7) / 8, ngroups = (nbytes + 1) / 2;
    uint8_t a[16];
    int n = 0;
    memcpy(a, p->addr, 16);
    addr_mask(a, 16, len); /* OT Prefix::Tidy */
    for (unsigned i = 0; i < ngroups; i++)
        n += snprintf(buf + n, (size_t)(NETDATA_PREFIX_STR - n), i ? ":%x" : "%x",
                      (unsigned)((a[2 * i] << 8) | a[2 * i + 1]));
    if (nbytes < 15)
        n += snprintf(buf + n, (size_t)(NETDATA_PREFIX_STR - n), "::");
    snprintf(buf + n, (size_t)(NETDATA_PREFIX_STR - n), "/%u", (unsigned)p->len);
    return buf;
}

const char *netdata_fmt_pref(int preference)
{
    switch (preference) {
    case NETDATA_PREF_LOW:
        return "low";
    case NETDATA_PREF_MED:
        return "med";
    case NETDATA_PREF_HIGH:
        return "high";
    default:
        return "";
    }
}

static void put_hex(FILE *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", b[i]);
}

void netdata_fmt_prefix_line(FILE *f, const struct netdata_prefix_cfg *c)
{
    char pb[NETDATA_PREFIX_STR], fl[12];
    char *q = fl;
    if (c->preferred)
        *q++ = 'p';
    if (c->slaac)
        *q++ = 'a';
    if (c->dhcp)
        *q++ = 'd';
    if (c->configure)
        *q++ = 'c';
    if (c->default_route)
        *q++ = 'r';
    if (c->on_mesh)
        *q++ = 'o';
    if (c->stable)
        *q++ = 's';
    if (c->nd_dns)
        *q++ = 'n';
    if (c->dp)
        *q++ = 'D';
    *q = '\0';
    fputs(netdata_fmt_prefix(&c->prefix, pb), f);
    if (fl[0])
        fprintf(f, " %s", fl);
    fprintf(f, " %s %04x\n", netdata_fmt_pref(c->preference), c->rloc16);
}

void netdata_fmt_route_line(FILE *f, const struct netdata_route_cfg *c)
{
    char pb[NETDATA_PREFIX_STR], fl[4];
    char *q = fl;
    if (c->stable)
        *q++ = 's';
    if (c->nat64)
        *q++ = 'n';
    if (c->adv_pio)
        *q++ = 'a';
    *q = '\0';
    fputs(netdata_fmt_prefix(&c->prefix, pb), f);
    if (fl[0])
        fprintf(f, " %s", fl);
    fprintf(f, " %s %04x\n", netdata_fmt_pref(c->preference), c->rloc16);
}

void netdata_fmt_service_line(FILE *f, const struct netdata_service_cfg *c)
{
    fprintf(f, "%lu ", (unsigned long)c->enterprise);
    put_hex(f, c->service_data, c->service_data_len);
    fputc(' ', f);
    put_hex(f, c->server_data, c->server_data_len);
    if (c->stable)
        fputs(" s", f);
    fprintf(f, " %04x %u\n", c->rloc16, (unsigned)c->service_id);
}

void netdata_fmt_context_line(FILE *f, const struct netdata_context *c)
{
    char pb[NETDATA_PREFIX_STR], fl[3];
    char *q = fl;
    if (c->stable)
        *q++ = 's';
    if (c->compress)
        *q++ = 'c';
    if (q == fl)
        *q++ = '-';
    *q = '\0';
    fprintf(f, "%s %u %s\n", netdata_fmt_prefix(&c->prefix, pb), (unsigned)c->id, fl);
}

void netdata_fmt_show(FILE *f, const uint8_t *buf, size_t len, bool local, uint16_t rloc16)
{
    struct netdata_iter it;
    struct netdata_prefix_cfg pc;
    struct netdata_route_cfg rc;
    struct netdata_service_cfg sc;
    struct netdata_context cc;
    struct netdata_commissioning cd;

    fputs("Prefixes:\n", f);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    while (netdata_next_prefix(buf, len, rloc16, &it, &pc))
        netdata_fmt_prefix_line(f, &pc);
    fputs("Routes:\n", f);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    while (netdata_next_route(buf, len, rloc16, &it, &rc))
        netdata_fmt_route_line(f, &rc);
    fputs("Services:\n", f);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    while (netdata_next_service(buf, len, rloc16, &it, &sc))
        netdata_fmt_service_line(f, &sc);
    if (local || rloc16 != NETDATA_ANY_RLOC16)
        return;
    fputs("Contexts:\n", f);
    it = (struct netdata_iter)NETDATA_ITER_INIT;
    while (netdata_next_context(buf, len, &it, &cc))
        netdata_fmt_context_line(f, &cc);
    netdata_get_commissioning(buf, len, &cd);
    fputs("Commissioning:\n", f);
    if (cd.has_session_id)
        fprintf(f, "%u ", (unsigned)cd.session_id);
    else
        fputs("- ", f);
    if (cd.has_locator)
        fprintf(f, "%04x ", (unsigned)cd.locator);
    else
        fputs("- ", f);
    if (cd.has_joiner_port)
        fprintf(f, "%u ", (unsigned)cd.joiner_port);
    else
        fputs("- ", f);
    if (cd.has_steering)
        put_hex(f, cd.steering, cd.steering_len);
    else
        fputs("-", f);
    if (cd.has_extra)
        fputs(" e", f);
    fputc('\n', f);
}

void netdata_fmt_show_hex(FILE *f, const uint8_t *buf, size_t len)
{
    if (buf)
        put_hex(f, buf, len);
    fputc('\n', f);
}
