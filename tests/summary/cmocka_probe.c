/*
 * A cmocka program for tests/summary/test_summary.sh: it checks how
 * tests/support/cmocka_run.sh reports cmocka's outcomes to ctest.
 *   cmocka_probe pass|skip|fail|skipfail
 * runs one passing case plus, for skip, a skipped one; for fail, a failing
 * one; for skipfail, both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_pass(void **state)
{
    (void)state;
    assert_int_equal(1 + 1, 2);
}

static void test_skip(void **state)
{
    (void)state;
    skip();
}

static void test_fail(void **state)
{
    (void)state;
    fail_msg("the probe fails on purpose");
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "pass";
    const struct CMUnitTest pass[] = {cmocka_unit_test(test_pass)};
    const struct CMUnitTest skips[] = {cmocka_unit_test(test_pass), cmocka_unit_test(test_skip)};
    const struct CMUnitTest fails[] = {cmocka_unit_test(test_pass), cmocka_unit_test(test_fail)};
    const struct CMUnitTest both[] = {cmocka_unit_test(test_pass), cmocka_unit_test(test_skip),
                                      cmocka_unit_test(test_fail)};
    if (!strcmp(mode, "skip"))
        return cmocka_run_group_tests(skips, NULL, NULL);
    if (!strcmp(mode, "fail"))
        return cmocka_run_group_tests(fails, NULL, NULL);
    if (!strcmp(mode, "skipfail"))
        return cmocka_run_group_tests(both, NULL, NULL);
    return cmocka_run_group_tests(pass, NULL, NULL);
}
