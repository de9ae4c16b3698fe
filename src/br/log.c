/*
 * Log lines for the border router's parts; see log.h.
 */
#include "br/log.h"

#include <stdarg.h>
#include <stdio.h>

#define BR_LOG_MAX 640

void br_log(br_log_sink sink, void *user, int level, const char *fmt, ...)
{
    char msg[BR_LOG_MAX];
    va_list ap;

    if (sink == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sink(user, level, msg);
}
