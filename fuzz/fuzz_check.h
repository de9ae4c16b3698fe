/* The harnesses' invariant check: a violated one aborts, which libFuzzer
 * reports as a crash with the input that caused it. */
#ifndef TBR_FUZZ_CHECK_H
#define TBR_FUZZ_CHECK_H

#include <stdlib.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#endif
