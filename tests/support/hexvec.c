/* Hex vectors of tests/vectors; see hexvec.h. */
#include "support/hexvec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

size_t hexvec_read(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
    char path[1024], hex[4096];
    const char *vdir = getenv("TBR_VECTORS");

    if (vdir) {
        snprintf(path, sizeof(path), "%s/%s/%s", vdir, dir, name);
    } else {
        const char *f = __FILE__, *end = strrchr(f, '/');
        snprintf(path, sizeof(path), "%.*s/../vectors/%s/%s", end ? (int)(end - f) : 1,
                 end ? f : ".", dir, name);
    }
    FILE *fp = fopen(path, "r");
    if (!fp)
        fail_msg("cannot open vector %s", path);
    size_t n = fread(hex, 1, sizeof(hex) - 1, fp);
    fclose(fp);
    hex[n] = '\0';
    size_t len = 0;
    for (size_t i = 0; i + 1 < n && hex[i] != '\n'; i += 2) {
        unsigned v;
        assert_true(len < cap);
        assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
        buf[len++] = (uint8_t)v;
    }
    return len;
}
