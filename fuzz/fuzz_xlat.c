/* libFuzzer harness: arbitrary bytes as an IPv<FUZZ_IP_VERSION> packet through
 * the translator in stateful, NAPT and stateless modes. Built twice, as
 * fuzz_6to4 (FUZZ_IP_VERSION 6) and fuzz_4to6 (4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[70000];
    static uint64_t now;
    if (size > sizeof(buf))
        return 0;
    memcpy(buf, data, size);
    /* Steer to this direction's parser; keep the other nibble as fuzzed. */
    if (size)
        buf[0] = (uint8_t)((FUZZ_IP_VERSION << 4) | (buf[0] & 0x0f));
    now += 1; /* time moves (1 ms per input), so expiry paths run too */
    fuzz_run(fuzz_stateful(), buf, size, now);
    fuzz_run(fuzz_napt(), buf, size, now);
    fuzz_run(fuzz_stateless(), buf, size, now);
    return 0;
}
