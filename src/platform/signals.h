/*
 * Stop signals for the daemons' poll loops: SIGTERM and SIGINT run the
 * caller's handler but stay blocked except while the loop waits in ppoll()
 * with *waitmask, so none is lost between checking the stop flag and
 * waiting. SIGPIPE is ignored (write errors are reported instead).
 */
#ifndef TBR_PLATFORM_SIGNALS_H
#define TBR_PLATFORM_SIGNALS_H

#include <signal.h>

/* Installs handler for SIGTERM and SIGINT, blocks them and fills *waitmask
 * (the previous mask without them) for ppoll(). */
void plat_signals_setup(void (*handler)(int), sigset_t *waitmask);

#endif
