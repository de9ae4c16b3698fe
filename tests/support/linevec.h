/*
 * Line vectors for unit tests: tests/vectors/<dir>/NAME.txt files of
 * "<key> <words...>" lines ('#' comments, blank lines ignored), read from
 * $TBR_VECTORS (set by tbr_unit) or beside this source. Header only.
 */
#ifndef TBR_TEST_LINEVEC_H
#define TBR_TEST_LINEVEC_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The vectors directory tests/vectors/<dir> into out. */
static inline void linevec_dir(const char *dir, char *out, size_t cap)
{
    const char *base = getenv("TBR_VECTORS");
    if (base) {
        if (snprintf(out, cap, "%s/%s", base, dir) >= (int)cap)
            out[0] = '\0';
    } else {
        char src[512];
        snprintf(src, sizeof(src), "%s", __FILE__);
        char *s = strrchr(src, '/');
        if (s)
            *s = '\0';
        if (snprintf(out, cap, "%s/../vectors/%s", src, dir) >= (int)cap)
            out[0] = '\0';
    }
}

/* Hex (spaces allowed) into buf; returns the length or -1 (bad hex, over cap). */
static inline long linevec_hex(const char *s, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    while (*s && *s != '\n') {
        if (*s == ' ' || *s == '\t') {
            s++;
            continue;
        }
        unsigned v;
        if (n >= cap || sscanf(s, "%2x", &v) != 1 || !s[1] || s[1] == ' ')
            return -1;
        buf[n++] = (uint8_t)v;
        s += 2;
    }
    return (long)n;
}

/* Calls fn(user, path) for each *.txt of the directory, in name order;
 * returns how many. */
static inline int linevec_each(const char *dirpath, void (*fn)(void *, const char *), void *user)
{
    struct dirent **ents;
    int n = scandir(dirpath, &ents, NULL, alphasort), count = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(ents[i]->d_name);
        if (l > 4 && !strcmp(ents[i]->d_name + l - 4, ".txt")) {
            char path[1024];
            if (snprintf(path, sizeof(path), "%s/%s", dirpath, ents[i]->d_name) < (int)sizeof(path))
                fn(user, path);
            count++;
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    return count;
}

#endif
