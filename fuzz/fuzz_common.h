/* Shared set-up for the translator fuzz harnesses. */
#ifndef TBR_FUZZ_COMMON_H
#define TBR_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "nat64/nat64.h"

/* Two translators, built once: stateful (address mode, with mappings for a
 * few device flows already made, so 4->6 input can reach them) and stateless
 * (pool6 + EAM + RFC 6791). */
struct nat64 *fuzz_stateful(void);
struct nat64 *fuzz_stateless(void);
struct nat64 *fuzz_napt(void);

/* Runs one input through a translator and checks the output's invariants
 * (lengths inside the buffer, IP version of every emitted packet). */
void fuzz_run(struct nat64 *n, const uint8_t *data, size_t size, uint64_t now_ms);

#endif
