#include "util/textbuf.h"

#include <stdarg.h>
#include <stdio.h>

void textbuf_init(struct textbuf *b, char *mem, size_t cap)
{
    b->s = mem;
    b->cap = cap;
    textbuf_reset(b);
}

void textbuf_reset(struct textbuf *b)
{
    b->n = 0;
    b->s[0] = '\0';
}

void textbuf_put(struct textbuf *b, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (b->n + 1 >= b->cap)
        return;
    va_start(ap, fmt);
    k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->n += (size_t)k;
    if (b->n >= b->cap)
        b->n = b->cap - 1;
}

void textbuf_setf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (buf == NULL || cap == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}
