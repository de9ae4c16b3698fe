/*
 * When a C test may skip: tests/common.sh's rule. CI (CI=true or CI=1)
 * has the shared directory (../shared: OpenThread binaries, capture and Jool
 * vectors), so a test that needs it and does not find it fails there; only
 * outside CI may it skip (cmocka skip(), or exit 77 for a plain program).
 * Header only, so that any test program can use it without a library.
 */
#ifndef TBR_TEST_SKIP_POLICY_H
#define TBR_TEST_SKIP_POLICY_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* True inside CI. */
static inline bool tbr_test_in_ci(void)
{
    const char *ci = getenv("CI");
    return ci && (!strcmp(ci, "true") || !strcmp(ci, "1"));
}

#endif
