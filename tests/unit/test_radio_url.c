/*
 * radio/radio_url.h: the radio URLs tbr-agent takes, against the vectors in
 * tests/vectors/radio_url/urls.txt (each URL, then the fields it parses to
 * or the one error line it gets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "radio/radio_url.h"
#include "util/textbuf.h"

static FILE *open_vectors(const char *name)
{
    char path[512];
    const char *dir = getenv("TBR_VECTORS");
    if (dir) {
        snprintf(path, sizeof(path), "%s/radio_url/%s", dir, name);
    } else {
        /* Outside ctest: tests/vectors beside this file's tests/unit. */
        const char *f = __FILE__;
        const char *end = strrchr(f, '/');
        snprintf(path, sizeof(path), "%.*s/../vectors/radio_url/%s", end ? (int)(end - f) : 1,
                 end ? f : ".", name);
    }
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open %s", path);
    return fp;
}

/* The fields as the vectors write them. */
static void fields(const struct radio_url *u, char *out, size_t cap)
{
    static const char *const parity[] = {"none", "even", "odd"};
    struct textbuf b;
    textbuf_init(&b, out, cap);
    switch (u->kind) {
    case RADIO_URL_SIM:
        textbuf_put(&b, "sim node=%u", u->sim_node);
        break;
    case RADIO_URL_UART:
        textbuf_put(&b, "uart path=%s baud=%u parity=%s stop=%u flow=%d deassert=%d reset=%d",
                    radio_url_path(u), (unsigned)u->uart_baudrate, parity[u->uart_parity],
                    u->uart_stop_bits, u->uart_flow_control, u->uart_init_deassert, u->uart_reset);
        break;
    case RADIO_URL_FORKPTY:
        textbuf_put(&b, "forkpty path=%s args=%u", radio_url_path(u), u->nargs);
        for (unsigned i = 0; i < u->nargs; i++)
            textbuf_put(&b, " [%s]", radio_url_arg(u, i));
        assert_null(radio_url_arg(u, u->nargs));
        break;
    }
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
}

static void test_vectors(void **state)
{
    (void)state;
    FILE *fp = open_vectors("urls.txt");
    char line[2048], url[2048] = "", got[2048];
    int nurl = 0, nok = 0, nerr = 0, lineno = 0;
    bool have_url = false;

    while (fgets(line, sizeof(line), fp)) {
        lineno++;
        chomp(line);
        if (!line[0] || line[0] == '#')
            continue;
        if (!strncmp(line, "> ", 2) || !strcmp(line, ">")) {
            assert_false(have_url); /* every URL has its answer */
            snprintf(url, sizeof(url), "%s", line[1] ? line + 2 : "");
            have_url = true;
            nurl++;
            continue;
        }
        assert_true(have_url);
        have_url = false;
        struct radio_url u;
        char err[RADIO_URL_ERR_MAX] = "";
        int rc = radio_url_parse(&u, url, err, sizeof(err));
        if (!strncmp(line, "= ", 2)) {
            if (rc != 0)
                fail_msg("line %d: '%s' failed: %s", lineno, url, err);
            assert_string_equal(err, "");
            fields(&u, got, sizeof(got));
            if (strcmp(got, line + 2))
                fail_msg("line %d: '%s'\n got  %s\n want %s", lineno, url, got, line + 2);
            nok++;
        } else if (!strncmp(line, "! ", 2)) {
            if (rc != -1)
                fail_msg("line %d: '%s' parsed; want the error %s", lineno, url, line + 2);
            if (strcmp(err, line + 2))
                fail_msg("line %d:\n got  %s\n want %s", lineno, err, line + 2);
            assert_null(strchr(err, '\n')); /* one line */
            nerr++;
        } else {
            fail_msg("line %d: not '> ', '= ' or '! ': %s", lineno, line);
        }
    }
    fclose(fp);
    assert_false(have_url);
    print_message("%d URLs: %d parsed, %d refused\n", nurl, nok, nerr);
    assert_true(nok >= 15);
    assert_true(nerr >= 40);
}

/* A NULL or short err buffer is safe; the struct is zeroed on failure. */
static void test_err_buffer(void **state)
{
    (void)state;
    struct radio_url u;
    char small[16];
    memset(&u, 0xa5, sizeof(u));
    assert_int_equal(radio_url_parse(&u, "spinel+hdlc+uart:///dev/x?uart-stop=7", NULL, 0), -1);
    assert_int_equal(u.kind, 0);
    assert_int_equal(radio_url_parse(&u, "bogus", small, sizeof(small)), -1);
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_string_equal(small, "radio URL 'bogu");
}

/* The parsed struct carries no pointers: a copy reads the same. */
static void test_copy(void **state)
{
    (void)state;
    struct radio_url u, v;
    assert_int_equal(
        radio_url_parse(&u, "spinel+hdlc+forkpty://ot-rcp?forkpty-arg=a&forkpty-arg=bc", NULL, 0),
        0);
    v = u;
    memset(&u, 0, sizeof(u));
    assert_string_equal(radio_url_path(&v), "ot-rcp");
    assert_string_equal(radio_url_arg(&v, 0), "a");
    assert_string_equal(radio_url_arg(&v, 1), "bc");
    assert_string_equal(radio_url_scheme(v.kind), "spinel+hdlc+forkpty");
    assert_true(radio_url_baud_supported(460800));
    assert_false(radio_url_baud_supported(460801));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
