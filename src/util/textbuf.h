/*
 * A line of text built piece by piece in the caller's fixed buffer: what
 * does not fit is cut (always NUL-terminated), never written past the end.
 * For the CLI formatters that hand out whole lines, and the error messages
 * of set-up functions.
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

/* Writes printf-style text into buf[0..cap), cut and terminated; nothing
 * when buf is NULL or cap 0 (the "char *err, size_t errlen" of module
 * set-up functions). */
void textbuf_setf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
