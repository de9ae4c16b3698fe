#include "thread_vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tvec_load(const char *name, struct tvec_file *f)
{
    const char *dir = getenv("TBR_THREAD_VECTORS");
    char path[1024];
    memset(f, 0, sizeof(*f));
    if (!dir)
        dir = TVEC_DEFAULT_DIR; /* set by CMake: ../shared/vectors/thread */
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "tvec: cannot open %s\n", path);
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (size < 0 || size > (64L << 20)) {
        fclose(fp);
        return -1;
    }
    f->text = malloc((size_t)size + 1);
    if (!f->text || fread(f->text, 1, (size_t)size, fp) != (size_t)size) {
        fclose(fp);
        tvec_free(f);
        return -1;
    }
    fclose(fp);
    f->text[size] = 0;

    unsigned cap = 0;
    struct tvec_block *cur = NULL;
    /* Walk lines by hand: strtok would merge the blank separator lines. */
    for (char *line = f->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (line[0] == 0) {
            cur = NULL;
        } else if (line[0] != '#') {
            char *colon = strstr(line, ": ");
            if (!colon) {
                fprintf(stderr, "tvec: %s: line without ': ': %.40s\n", name, line);
                tvec_free(f);
                return -1;
            }
            *colon = 0;
            if (!cur) {
                if (f->n == cap) {
                    cap = cap ? cap * 2 : 64;
                    struct tvec_block *nb = realloc(f->blocks, cap * sizeof(*nb));
                    if (!nb) {
                        tvec_free(f);
                        return -1;
                    }
                    f->blocks = nb;
                }
                cur = &f->blocks[f->n++];
                cur->n = 0;
            }
            if (cur->n < TVEC_MAX_KV) {
                cur->kv[cur->n].key = line;
                cur->kv[cur->n].value = colon + 2;
                cur->n++;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

void tvec_free(struct tvec_file *f)
{
    free(f->text);
    free(f->blocks);
    memset(f, 0, sizeof(*f));
}

const char *tvec_get(const struct tvec_block *b, const char *key)
{
    for (unsigned i = 0; i < b->n; i++)
        if (!strcmp(b->kv[i].key, key))
            return b->kv[i].value;
    return NULL;
}

const struct tvec_block *tvec_find(const struct tvec_file *f, const char *kind, const char *id)
{
    for (unsigned i = 0; i < f->n; i++) {
        const struct tvec_block *b = &f->blocks[i];
        if (b->n && !strcmp(b->kv[0].key, kind) && (!id || !strcmp(b->kv[0].value, id)))
            return b;
    }
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long tvec_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t len = strlen(hex);
    if (len % 2 || len / 2 > cap)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return (long)(len / 2);
}
