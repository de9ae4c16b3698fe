/*
 * Reader for the hex vectors of tests/vectors/<dir>/ (the message in hex on
 * the first line, comments after it). Test support only; failures end the
 * running cmocka test.
 */
#ifndef TBR_TEST_HEXVEC_H
#define TBR_TEST_HEXVEC_H

#include <stddef.h>
#include <stdint.h>

/* tests/vectors/<dir>/<name> ($TBR_VECTORS, else beside this source) into
 * buf; returns its length. Fails the test when missing or over cap. */
size_t hexvec_read(const char *dir, const char *name, uint8_t *buf, size_t cap);

#endif
