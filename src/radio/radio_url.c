/*
 * Radio URL parser: see radio_url.h. Reference: OpenThread
 * src/posix/platform/radio_url.cpp (help text, 512-byte limit),
 * src/lib/url/url.cpp (PATH and '&'-separated parameters) and
 * src/posix/platform/hdlc_interface.cpp (the uart-* and forkpty-arg values).
 */
#include "radio/radio_url.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/textbuf.h"

/* The rates OpenThread's HdlcInterface::OpenFile maps to a Bxxx constant. */
static const uint32_t bauds[] = {9600,    19200,   38400,   57600,   115200,  230400,
                                 460800,  500000,  576000,  921600,  1000000, 1152000,
                                 1500000, 2000000, 2500000, 3000000, 3500000, 4000000};

/* Parameters OpenThread's posix host knows that tbr does not implement:
 * named as such, so that a URL copied from an otbr set-up fails clearly. */
static const char *const ot_only[] = {"region",
                                      "cca-threshold",
                                      "enable-coex",
                                      "fem-lnagain",
                                      "no-reset",
                                      "skip-rcp-compatibility-check",
                                      "bus-latency",
                                      "max-power-table",
                                      "iid",
                                      "iid-list",
                                      "product-config-file",
                                      "factory-config-file",
                                      "spi-mode",
                                      "spi-speed"};

/* The error prefix quotes the URL (cut to fit the buffer). */
#define ERR(...) url_err(err, errlen, s, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static int url_err(char *err, size_t errlen, const char *s,
                                                         const char *fmt, ...)
{
    char what[RADIO_URL_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    textbuf_setf(err, errlen, "radio URL '%s': %s", s, what);
    return -1;
}

/* "radio URL '...': a control character at offset N", the URL escaped. */
static int ctl_err(char *err, size_t errlen, const char *s, size_t len, size_t at)
{
    char q[RADIO_URL_MAX * 4];
    struct textbuf b;

    textbuf_init(&b, q, sizeof(q));
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\t')
            textbuf_put(&b, "\\t");
        else if (c == '\n')
            textbuf_put(&b, "\\n");
        else if (c < ' ' || c == 0x7f)
            textbuf_put(&b, "\\x%02x", c);
        else
            textbuf_put(&b, "%c", c);
    }
    textbuf_setf(err, errlen, "radio URL '%s': a control character at offset %zu", q, at);
    return -1;
}

const char *radio_url_scheme(enum radio_url_kind kind)
{
    switch (kind) {
    case RADIO_URL_SIM:
        return "sim";
    case RADIO_URL_UART:
        return "spinel+hdlc+uart";
    case RADIO_URL_FORKPTY:
        return "spinel+hdlc+forkpty";
    }
    return "?";
}

bool radio_url_baud_supported(uint32_t baud)
{
    for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
        if (bauds[i] == baud)
            return true;
    return false;
}

/* A whole decimal number (digits only, no sign or spaces) up to max. */
static bool parse_dec(const char *v, size_t len, uint32_t max, uint32_t *out)
{
    uint64_t x = 0;

    if (len == 0 || len > 10)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (x > max)
        return false;
    *out = (uint32_t)x;
    return true;
}

const char *radio_url_path(const struct radio_url *u)
{
    return u->kind == RADIO_URL_SIM ? "" : u->strs;
}

const char *radio_url_arg(const struct radio_url *u, unsigned i)
{
    return i < u->nargs ? u->strs + u->arg_off[i] : NULL;
}

/* One parameter: name[=value], not NUL-terminated in the URL. */
struct param {
    const char *name;
    size_t nlen;
    const char *val; /* NULL: no '=' */
    size_t vlen;
};

static bool is(const struct param *p, const char *name)
{
    return p->nlen == strlen(name) && !memcmp(p->name, name, p->nlen);
}

/* The uart-* parameters. seen: bit per single-valued parameter. */
static int uart_param(struct radio_url *u, const struct param *p, unsigned *seen, const char *s,
                      char *err, size_t errlen)
{
    static const char *const names[] = {"uart-baudrate",     "uart-parity",        "uart-stop",
                                        "uart-flow-control", "uart-init-deassert", "uart-reset"};
    unsigned k = 0;

    while (k < 6 && !is(p, names[k]))
        k++;
    if (k == 6)
        return 1; /* not a uart parameter */
    if (*seen & (1u << k))
        return ERR("%s is given twice", names[k]);
    *seen |= 1u << k;
    if (k >= 3) { /* flags */
        if (p->val)
            return ERR("%s takes no value", names[k]);
        if (k == 3)
            u->uart_flow_control = true;
        else if (k == 4)
            u->uart_init_deassert = true;
        else
            u->uart_reset = true;
        return 0;
    }
    if (!p->val || p->vlen == 0)
        return ERR("%s needs a value (%s=...)", names[k], names[k]);
    int vl = (int)p->vlen;
    uint32_t x;
    if (k == 0) {
        if (!parse_dec(p->val, p->vlen, UINT32_MAX, &x) || !radio_url_baud_supported(x)) {
            char list[200];
            struct textbuf b;
            textbuf_init(&b, list, sizeof(list));
            for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
                textbuf_put(&b, "%s%u", i ? " " : "", (unsigned)bauds[i]);
            return ERR("uart-baudrate '%.*s' is not a supported rate (%s)", vl, p->val, list);
        }
        u->uart_baudrate = x;
    } else if (k == 1) {
        if (p->vlen == 4 && !memcmp(p->val, "even", 4))
            u->uart_parity = RADIO_URL_PARITY_EVEN;
        else if (p->vlen == 3 && !memcmp(p->val, "odd", 3))
            u->uart_parity = RADIO_URL_PARITY_ODD;
        else
            return ERR("uart-parity '%.*s' is not even or odd", vl, p->val);
    } else {
        if (!parse_dec(p->val, p->vlen, 2, &x) || x < 1)
            return ERR("uart-stop '%.*s' is not 1 or 2", vl, p->val);
        u->uart_stop_bits = (uint8_t)x;
    }
    return 0;
}

/* Copies n bytes and a NUL to strs at *used. */
static uint16_t put_str(struct radio_url *u, size_t *used, const char *p, size_t n)
{
    uint16_t off = (uint16_t)*used;
    memcpy(u->strs + off, p, n);
    u->strs[off + n] = '\0';
    *used += n + 1;
    return off;
}

static int one_param(struct radio_url *u, const struct param *p, unsigned *seen, size_t *used,
                     const char *s, char *err, size_t errlen)
{
    const char *scheme = radio_url_scheme(u->kind);
    int nl = (int)p->nlen;

    if (p->nlen == 0)
        return ERR("empty parameter (a stray '&' or '=')");
    if (is(p, "forkpty-arg")) {
        if (u->kind != RADIO_URL_FORKPTY)
            return ERR("forkpty-arg applies to spinel+hdlc+forkpty, not %s", scheme);
        if (!p->val)
            return ERR("forkpty-arg needs a value (forkpty-arg=ARG)");
        if (u->nargs == RADIO_URL_ARGS_MAX)
            return ERR("more than %d forkpty-arg", RADIO_URL_ARGS_MAX);
        u->arg_off[u->nargs++] = put_str(u, used, p->val, p->vlen);
        return 0;
    }
    if (p->nlen > 5 && !memcmp(p->name, "uart-", 5)) {
        if (u->kind != RADIO_URL_UART)
            return ERR("%.*s applies to spinel+hdlc+uart, not %s", nl, p->name, scheme);
        int r = uart_param(u, p, seen, s, err, errlen);
        if (r <= 0)
            return r;
    }
    for (size_t i = 0; i < sizeof(ot_only) / sizeof(ot_only[0]); i++)
        if (is(p, ot_only[i]))
            return ERR("parameter '%.*s' (an OpenThread option) is not supported by tbr", nl,
                       p->name);
    return ERR("unknown parameter '%.*s'", nl, p->name);
}

/* PATH and the parameters of a spinel+hdlc URL; rest is what follows "://". */
static int parse_spinel(struct radio_url *u, const char *rest, const char *s, char *err,
                        size_t errlen)
{
    const char *q = strchr(rest, '?');
    size_t plen = q ? (size_t)(q - rest) : strlen(rest);
    size_t used = 0;
    unsigned seen = 0;

    if (plen == 0)
        return ERR("no %s path after %s://", u->kind == RADIO_URL_UART ? "device" : "program",
                   radio_url_scheme(u->kind));
    put_str(u, &used, rest, plen);
    if (!q)
        return 0;
    /* The whole URL is < RADIO_URL_MAX, so PATH and the values (each one
     * NUL-terminated in place of its separator) fit in strs. */
    for (const char *p = q + 1; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        struct param pa = {p, eq ? (size_t)(eq - p) : len, eq ? eq + 1 : NULL,
                           eq ? len - (size_t)(eq + 1 - p) : 0};
        if (one_param(u, &pa, &seen, &used, s, err, errlen) < 0)
            return -1;
        if (!amp)
            break;
        p = amp + 1;
        if (!*p)
            return ERR("empty parameter (a stray '&' or '=')");
    }
    return 0;
}

int radio_url_parse(struct radio_url *u, const char *s, char *err, size_t errlen)
{
    static const char schemes_help[] =
        "sim://NODEID, spinel+hdlc+uart://DEVICE or spinel+hdlc+forkpty://PROGRAM";
    size_t len = strnlen(s, RADIO_URL_MAX);

    memset(u, 0, sizeof(*u));
    if (len == RADIO_URL_MAX) {
        textbuf_setf(err, errlen, "radio URL '%.60s...': longer than %d bytes", s,
                     RADIO_URL_MAX - 1);
        return -1;
    }
    if (len == 0) {
        textbuf_setf(err, errlen, "radio URL is empty (expected %s)", schemes_help);
        return -1;
    }
    /* Control characters would garble the error line and the logs; the
     * quoted URL shows them as \t, \n or \xNN. */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
            return ctl_err(err, errlen, s, len, i);
    const char *sep = strstr(s, "://");
    if (!sep)
        return ERR("no scheme (expected %s)", schemes_help);
    size_t slen = (size_t)(sep - s);
    const char *rest = sep + 3;
    for (int k = RADIO_URL_SIM; k <= RADIO_URL_FORKPTY; k++) {
        const char *name = radio_url_scheme((enum radio_url_kind)k);
        if (slen == strlen(name) && !memcmp(s, name, slen))
            u->kind = (enum radio_url_kind)k;
    }
    if (!u->kind)
        return ERR("unknown scheme '%.*s' (expected %s)", (int)slen, s, schemes_help);
    if (u->kind == RADIO_URL_SIM) {
        uint32_t id;
        if (strchr(rest, '?'))
            return ERR("sim:// takes no parameters");
        if (!parse_dec(rest, strlen(rest), RADIO_URL_SIM_NODE_MAX, &id) || id == 0)
            return ERR("node id '%s' is not in 1..%d", rest, RADIO_URL_SIM_NODE_MAX);
        u->sim_node = id;
        return 0;
    }
    u->uart_baudrate = RADIO_URL_BAUD_DEFAULT;
    u->uart_stop_bits = 1;
    if (parse_spinel(u, rest, s, err, errlen) < 0) {
        memset(u, 0, sizeof(*u));
        return -1;
    }
    return 0;
}
