/*
 * A line of text built piece by piece in the caller's fixed buffer: what
 * does not fit is cut (always NUL-terminated), never written past the end.
 * For the CLI formatters that hand out whole lines.
 */
#ifndef TBR_UTIL_TEXTBUF_H
#define TBR_UTIL_TEXTBUF_H

#include <stddef.h>

struct textbuf {
    char *s;    /* the text so far, NUL-terminated */
    size_t cap; /* size of s (>= 1) */
    size_t n;   /* length of the text */
};

/* Uses mem[0..cap) (cap >= 1), empty. */
void textbuf_init(struct textbuf *b, char *mem, size_t cap);
/* Empties the text. */
void textbuf_reset(struct textbuf *b);
/* Appends printf-style text, cut at the end of the buffer. */
void textbuf_put(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
