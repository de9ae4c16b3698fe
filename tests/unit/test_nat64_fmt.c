/*
 * nat64_fmt: the `nat64 mappings` and `nat64 counters` tables must be
 * byte-identical to OpenThread's CLI (samples in tests/vectors/fmt/, copied
 * from the reference digest §4.2/§4.3 without the trailing "Done"), and the
 * JSON forms must be well-formed and carry every value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "nat64/nat64_fmt.h"
#include "util/addr.h"

/* ---- helpers ---------------------------------------------------------- */

struct mbuf {
    FILE *f;
    char *buf;
    size_t len;
};

static void mbuf_open(struct mbuf *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

/* Closes the stream; the caller frees m->buf. */
static char *mbuf_close(struct mbuf *m)
{
    assert_int_equal(fclose(m->f), 0);
    return m->buf;
}

static char *read_vector(const char *name)
{
    char path[1024];
    const char *dir = getenv("TBR_VECTORS");
    if (dir) {
        snprintf(path, sizeof(path), "%s/fmt/%s", dir, name);
    } else {
        /* Outside ctest: tests/vectors beside this file's tests/unit. */
        const char *f = __FILE__;
        const char *end = strrchr(f, '/');
        snprintf(path, sizeof(path), "%.*s/../vectors/fmt/%s", end ? (int)(end - f) : 1,
                 end ? f : ".", name);
    }
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open vector %s", path);
    char *data = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&data, &len);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        fwrite(chunk, 1, got, mem);
    fclose(fp);
    fclose(mem);
    return data;
}

/* Compares byte by byte and reports the first differing line. */
static void assert_text_equal(const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return;
    size_t line = 1, i = 0;
    while (got[i] && got[i] == want[i]) {
        if (got[i] == '\n')
            line++;
        i++;
    }
    print_error("first difference at byte %zu (line %zu)\n--- got ---\n%s--- want ---\n%s", i, line,
                got, want);
    fail();
}

static void set_ctr(struct nat64_ctr *c, uint64_t p46, uint64_t b46, uint64_t p64, uint64_t b64)
{
    c->pkts_4to6 = p46;
    c->bytes_4to6 = b46;
    c->pkts_6to4 = p64;
    c->bytes_6to4 = b64;
}

/* The mapping of the reference sample (§4.2). */
static struct nat64_fmt_mapping sample_mapping(void)
{
    struct nat64_fmt_mapping m;
    memset(&m, 0, sizeof(m));
    m.id = 0xbe3bbf895564966fULL;
    assert_true(addr_parse6("fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7", m.addr6));
    assert_true(addr_parse4("192.168.255.254", m.addr4));
    m.has_ports = false;
    m.remaining_s = 7197;
    set_ctr(&m.ctr[NAT64_PROTO_TCP], 0, 0, 0, 0);
    set_ctr(&m.ctr[NAT64_PROTO_UDP], 1, 13, 1, 13);
    set_ctr(&m.ctr[NAT64_PROTO_ICMP], 3, 232, 3, 232);
    return m;
}

/* The counters of the reference sample (§4.3); drops spread over several
 * named reasons so the OpenThread folding is exercised. */
static struct nat64_fmt_counters sample_counters(void)
{
    struct nat64_fmt_counters c;
    memset(&c, 0, sizeof(c));
    set_ctr(&c.proto[NAT64_PROTO_ICMP], 4, 52, 1, 16);
    c.drops_4to6[NAT64_DROP_HOP_LIMIT] = 1;      /* Unknown */
    c.drops_4to6[NAT64_DROP_NOT_OURS] = 2;       /* Unknown */
    c.drops_4to6[NAT64_DROP_TRUNCATED] = 1;      /* Illegal */
    c.drops_4to6[NAT64_DROP_BAD_IP4_CSUM] = 1;   /* Illegal */
    c.drops_4to6[NAT64_DROP_FRAG_UNTRACKED] = 1; /* Unsup Proto */
    c.drops_4to6[NAT64_DROP_NO_MAPPING] = 1;     /* No Mapping */
    return c;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Returns line idx (0-based) of s in a malloc'd string. */
static char *nth_line(const char *s, size_t idx)
{
    for (size_t i = 0; i < idx; i++) {
        s = strchr(s, '\n');
        assert_non_null(s);
        s++;
    }
    const char *e = strchr(s, '\n');
    assert_non_null(e);
    return strndup(s, (size_t)(e - s));
}

/* ---- a small strict JSON checker (RFC 8259 grammar) -------------------- */

static void js_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static bool js_value(const char **p, int depth);

static bool js_string(const char **p)
{
    if (**p != '"')
        return false;
    (*p)++;
    for (;;) {
        unsigned char ch = (unsigned char)**p;
        if (ch == '"') {
            (*p)++;
            return true;
        }
        if (ch < 0x20)
            return false;
        if (ch == '\\') {
            (*p)++;
            if (strchr("\"\\/bfnrt", **p) && **p) {
                (*p)++;
            } else if (**p == 'u') {
                (*p)++;
                for (int i = 0; i < 4; i++, (*p)++)
                    if (!strchr("0123456789abcdefABCDEF", **p) || !**p)
                        return false;
            } else {
                return false;
            }
            continue;
        }
        (*p)++;
    }
}

static bool js_digits(const char **p)
{
    if (**p < '0' || **p > '9')
        return false;
    while (**p >= '0' && **p <= '9')
        (*p)++;
    return true;
}

static bool js_number(const char **p)
{
    if (**p == '-')
        (*p)++;
    if (**p == '0')
        (*p)++;
    else if (!js_digits(p))
        return false;
    if (**p == '.') {
        (*p)++;
        if (!js_digits(p))
            return false;
    }
    if (**p == 'e' || **p == 'E') {
        (*p)++;
        if (**p == '+' || **p == '-')
            (*p)++;
        if (!js_digits(p))
            return false;
    }
    return true;
}

static bool js_lit(const char **p, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*p, lit, n) != 0)
        return false;
    *p += n;
    return true;
}

static bool js_value(const char **p, int depth)
{
    if (depth > 64)
        return false;
    js_ws(p);
    switch (**p) {
    case '{':
        (*p)++;
        js_ws(p);
        if (**p == '}') {
            (*p)++;
            return true;
        }
        for (;;) {
            js_ws(p);
            if (!js_string(p))
                return false;
            js_ws(p);
            if (**p != ':')
                return false;
            (*p)++;
            if (!js_value(p, depth + 1))
                return false;
            js_ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == '}') {
                (*p)++;
                return true;
            }
            return false;
        }
    case '[':
        (*p)++;
        js_ws(p);
        if (**p == ']') {
            (*p)++;
            return true;
        }
        for (;;) {
            if (!js_value(p, depth + 1))
                return false;
            js_ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == ']') {
                (*p)++;
                return true;
            }
            return false;
        }
    case '"':
        return js_string(p);
    case 't':
        return js_lit(p, "true");
    case 'f':
        return js_lit(p, "false");
    case 'n':
        return js_lit(p, "null");
    default:
        return js_number(p);
    }
}

/* One JSON document on one line, newline-terminated. */
static void assert_json_line(const char *s)
{
    size_t len = strlen(s);
    assert_true(len > 0);
    assert_int_equal(s[len - 1], '\n');
    assert_null(memchr(s, '\n', len - 1));
    const char *p = s;
    assert_true(js_value(&p, 0));
    js_ws(&p);
    assert_int_equal(*p, '\0');
}

/*
 * Runs python3's json module over the text with an assertion script. Returns
 * false (test skipped) when python3 is not available.
 */
static bool python_check(const char *json, const char *script)
{
    if (system("python3 -c 'import json' >/dev/null 2>&1") != 0)
        return false;
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys\nd=json.load(sys.stdin)\n%s'", script);
    FILE *p = popen(cmd, "w");
    assert_non_null(p);
    fputs(json, p);
    int st = pclose(p);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) != 0)
        fail_msg("python3 check failed for: %s", json);
    return true;
}

/* ---- nat64 mappings ------------------------------------------------------ */

static void test_mappings_sample(void **state)
{
    (void)state;
    struct nat64_fmt_mapping m = sample_mapping();
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_mappings(b.f, &m, 1);
    char *got = mbuf_close(&b);
    char *want = read_vector("mappings.txt");
    assert_text_equal(got, want);
    free(got);
    free(want);
}

static void test_mappings_empty(void **state)
{
    (void)state;
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_mappings(b.f, NULL, 0);
    char *got = mbuf_close(&b);
    char *want = read_vector("mappings.txt");
    /* Only the 4 header lines. */
    char *end = want;
    for (int i = 0; i < 4; i++)
        end = strchr(end, '\n') + 1;
    *end = 0;
    assert_int_equal(count_lines(got), 4);
    assert_text_equal(got, want);
    free(got);
    free(want);
}

static void test_mappings_ports_and_order(void **state)
{
    (void)state;
    struct nat64_fmt_mapping m[2];
    m[0] = sample_mapping();
    m[0].has_ports = true;
    m[0].port6 = 54321;
    m[0].port4 = 7;
    m[0].remaining_s = 0;
    m[0].id = 0x1;
    m[1] = sample_mapping();
    m[1].id = 0xffffffff00000000ULL;
    assert_true(addr_parse6("64:ff9b::c000:221", m[1].addr6));
    assert_true(addr_parse4("1.2.3.4", m[1].addr4));
    m[1].remaining_s = 99999;

    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_mappings(b.f, m, 2);
    char *got = mbuf_close(&b);
    assert_int_equal(count_lines(got), 4 + 2 * 4);

    char *l = nth_line(got, 4);
    assert_string_equal(l, "| 0000000000000001 |     fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7 |"
                           "  192.168.255.254 |  54321  |      7  |     0s |        4 |"
                           "          245 |        4 |          245 |");
    free(l);
    l = nth_line(got, 8);
    assert_string_equal(l, "| ffffffff00000000 |                        64:ff9b::c000:221 |"
                           "          1.2.3.4 |   N/A   |   N/A   | 99999s |        4 |"
                           "          245 |        4 |          245 |");
    free(l);
    l = nth_line(got, 11);
    assert_string_equal(l, "|                  |                                          "
                           "                                           ICMP |        3 |"
                           "          232 |        3 |          232 |");
    free(l);
    free(got);
}

static void test_mappings_wide_values(void **state)
{
    (void)state;
    struct nat64_fmt_mapping m = sample_mapping();
    set_ctr(&m.ctr[NAT64_PROTO_TCP], UINT64_MAX, UINT64_MAX, 0, 0);
    memset(&m.ctr[NAT64_PROTO_UDP], 0, sizeof(m.ctr[0]));
    memset(&m.ctr[NAT64_PROTO_ICMP], 0, sizeof(m.ctr[0]));
    m.remaining_s = UINT32_MAX;
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_mappings(b.f, &m, 1);
    char *got = mbuf_close(&b);
    /* Values wider than the column push it out, as printf does in OT. */
    assert_non_null(strstr(got, "| 4294967295s | 18446744073709551615 | 18446744073709551615 |"
                                "        0 |            0 |\n"));
    free(got);
}

static void test_mappings_json(void **state)
{
    (void)state;
    struct nat64_fmt_mapping m[2];
    m[0] = sample_mapping();
    m[1] = sample_mapping();
    m[1].id = 0x0123456789abcdefULL;
    m[1].has_ports = true;
    m[1].port6 = 40000;
    m[1].port4 = 0;
    m[1].remaining_s = 5;
    set_ctr(&m[1].ctr[NAT64_PROTO_TCP], 7, UINT64_MAX, 9, 10);

    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_mappings_json(b.f, m, 2);
    char *got = mbuf_close(&b);
    assert_json_line(got);
    assert_non_null(strstr(got, "\"id\":\"be3bbf895564966f\""));
    assert_non_null(strstr(got, "\"ipv6\":\"fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7\""));
    assert_non_null(strstr(got, "\"ipv4\":\"192.168.255.254\""));
    assert_non_null(strstr(got, "\"port6\":null,\"port4\":null"));
    assert_non_null(strstr(got, "\"expiry_s\":7197"));
    assert_non_null(strstr(got, "\"id\":\"0123456789abcdef\""));
    assert_non_null(strstr(got, "\"port6\":40000,\"port4\":0"));
    assert_non_null(strstr(got, "\"bytes\":18446744073709551615"));
    assert_non_null(strstr(got, "\"total\":{\"4to6\":{\"packets\":4,\"bytes\":245},"
                                "\"6to4\":{\"packets\":4,\"bytes\":245}}"));
    python_check(got, "m=d[\"mappings\"]\n"
                      "assert len(m)==2\n"
                      "a=m[0]\n"
                      "assert a[\"id\"]==\"be3bbf895564966f\"\n"
                      "assert a[\"ipv6\"]==\"fd3b:c98b:a9aa:1:32c2:f3a2:e21f:40c7\"\n"
                      "assert a[\"ipv4\"]==\"192.168.255.254\"\n"
                      "assert a[\"port6\"] is None and a[\"port4\"] is None\n"
                      "assert a[\"expiry_s\"]==7197\n"
                      "c=a[\"counters\"]\n"
                      "assert sorted(c)==[\"icmp\",\"tcp\",\"total\",\"udp\"]\n"
                      "assert c[\"total\"][\"4to6\"]=={\"packets\":4,\"bytes\":245}\n"
                      "assert c[\"udp\"][\"6to4\"]=={\"packets\":1,\"bytes\":13}\n"
                      "assert c[\"icmp\"][\"4to6\"]=={\"packets\":3,\"bytes\":232}\n"
                      "b=m[1]\n"
                      "assert b[\"port6\"]==40000 and b[\"port4\"]==0 and b[\"expiry_s\"]==5\n"
                      "assert b[\"counters\"][\"tcp\"][\"4to6\"][\"bytes\"]==2**64-1\n"
                      "assert b[\"counters\"][\"tcp\"][\"6to4\"]=={\"packets\":9,\"bytes\":10}\n");
    free(got);

    mbuf_open(&b);
    nat64_fmt_mappings_json(b.f, NULL, 0);
    got = mbuf_close(&b);
    assert_string_equal(got, "{\"mappings\":[]}\n");
    free(got);
}

/* ---- nat64 counters ------------------------------------------------------ */

static void test_counters_sample(void **state)
{
    (void)state;
    struct nat64_fmt_counters c = sample_counters();
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_counters(b.f, &c);
    char *got = mbuf_close(&b);
    char *want = read_vector("counters.txt");
    assert_text_equal(got, want);
    free(got);
    free(want);
}

static void test_counters_directions_and_fold(void **state)
{
    (void)state;
    struct nat64_fmt_counters c;
    memset(&c, 0, sizeof(c));
    set_ctr(&c.proto[NAT64_PROTO_TCP], 1, 2, 3, 4);
    set_ctr(&c.proto[NAT64_PROTO_UDP], 10, 20, 30, 40);
    /* Every reason counted once per direction, 6to4 doubled: the rows hold
     * how many reasons fold into each OpenThread category. */
    uint64_t per_ot[NAT64_OT_COUNT] = {0};
    for (int r = 0; r < NAT64_DROP_COUNT; r++) {
        c.drops_4to6[r] = 1;
        c.drops_6to4[r] = 2;
        per_ot[nat64_drop_ot((enum nat64_drop)r)]++;
    }
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_counters(b.f, &c);
    char *got = mbuf_close(&b);
    assert_int_equal(count_lines(got), 14);

    char *l = nth_line(got, 4);
    assert_string_equal(l, "|         Total |       11 |           22 |       33 |           44 |");
    free(l);
    l = nth_line(got, 5);
    assert_string_equal(l, "|           TCP |        1 |            2 |        3 |            4 |");
    free(l);

    static const char *const labels[] = {"Unknown", "Illegal Pkt", "Unsup Proto", "No Mapping"};
    for (int r = 0; r < NAT64_OT_COUNT; r++) {
        char want[128];
        snprintf(want, sizeof(want), "| %13s | %23lu | %23lu |", labels[r],
                 (unsigned long)per_ot[r], (unsigned long)(2 * per_ot[r]));
        l = nth_line(got, 10 + (size_t)r);
        assert_string_equal(l, want);
        free(l);
    }
    free(got);
}

/* tbr's extra rows: none while no reason without an OpenThread counterpart
 * counted (the output stays OpenThread's), then one per such reason. */
static void test_counters_ext_rows(void **state)
{
    (void)state;
    struct nat64_fmt_counters c = sample_counters();
    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_counters_ext(b.f, &c);
    char *got = mbuf_close(&b);
    assert_string_equal(got, "");
    free(got);
    c.drops_6to4[NAT64_DROP_DEV_POOL] = 283;
    c.drops_6to4[NAT64_DROP_BAD_SOURCE] = 2;
    c.drops_4to6[NAT64_DROP_DEV_SESSIONS] = 1;
    mbuf_open(&b);
    nat64_fmt_counters_ext(b.f, &c);
    got = mbuf_close(&b);
    assert_string_equal(got,
                        "|  Dev Sessions |                       1 |                       0 |\n"
                        "| Dev Pool Addr |                       0 |                     283 |\n"
                        "|    Bad Source |                       0 |                       2 |\n");
    free(got);
}

static void test_counters_json(void **state)
{
    (void)state;
    struct nat64_fmt_counters c = sample_counters();
    for (int r = 0; r < NAT64_DROP_COUNT; r++)
        c.drops_6to4[r] = 100 + (uint64_t)r;
    c.drops_4to6[NAT64_DROP_NONE] = 12345; /* never shown */

    struct mbuf b;
    mbuf_open(&b);
    nat64_fmt_counters_json(b.f, &c);
    char *got = mbuf_close(&b);
    assert_json_line(got);
    assert_null(strstr(got, "\"none\""));
    assert_non_null(strstr(got, "{\"protocols\":{\"total\":{\"4to6\":{\"packets\":4,\"bytes\":52},"
                                "\"6to4\":{\"packets\":1,\"bytes\":16}},"));
    assert_non_null(strstr(got, "\"hop-limit\":1,"));
    assert_non_null(strstr(got, "\"not-ours\":2,"));

    /* Every named reason but "none" appears in both directions. */
    for (int r = 1; r < NAT64_DROP_COUNT; r++) {
        char key[96];
        snprintf(key, sizeof(key), "\"%s\":", nat64_drop_name((enum nat64_drop)r));
        const char *first = strstr(got, key);
        assert_non_null(first);
        assert_non_null(strstr(first + 1, key));
    }

    char script[4096];
    int n = snprintf(script, sizeof(script),
                     "p=d[\"protocols\"]\n"
                     "assert sorted(p)==[\"icmp\",\"tcp\",\"total\",\"udp\"]\n"
                     "assert p[\"total\"]==p[\"icmp\"]\n"
                     "assert p[\"icmp\"][\"4to6\"]=={\"packets\":4,\"bytes\":52}\n"
                     "assert p[\"tcp\"][\"6to4\"]=={\"packets\":0,\"bytes\":0}\n"
                     "a=d[\"drops\"][\"4to6\"]\n"
                     "b=d[\"drops\"][\"6to4\"]\n"
                     "assert len(a)==len(b)==%d\n"
                     "assert \"none\" not in a and \"none\" not in b\n"
                     "assert sum(a.values())==7\n"
                     "assert a[\"truncated\"]==1 and a[\"bad-ip4-checksum\"]==1\n"
                     "assert a[\"fragment-untracked\"]==1 and a[\"no-mapping\"]==1\n",
                     NAT64_DROP_COUNT - 1);
    for (int r = 1; r < NAT64_DROP_COUNT; r++)
        n += snprintf(script + n, sizeof(script) - (size_t)n, "assert b[\"%s\"]==%d\n",
                      nat64_drop_name((enum nat64_drop)r), 100 + r);
    assert_true((size_t)n < sizeof(script));
    python_check(got, script);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mappings_sample),
        cmocka_unit_test(test_mappings_empty),
        cmocka_unit_test(test_mappings_ports_and_order),
        cmocka_unit_test(test_mappings_wide_values),
        cmocka_unit_test(test_mappings_json),
        cmocka_unit_test(test_counters_sample),
        cmocka_unit_test(test_counters_directions_and_fold),
        cmocka_unit_test(test_counters_ext_rows),
        cmocka_unit_test(test_counters_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
