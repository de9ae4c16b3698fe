/*
 * One printf-style log line for the border router's parts, into the
 * caller's sink (level 1 error .. 4 debug, no trailing newline). A NULL
 * sink drops it. No global state.
 */
#ifndef TBR_BR_LOG_H
#define TBR_BR_LOG_H

typedef void (*br_log_sink)(void *user, int level, const char *msg);

__attribute__((format(printf, 4, 5))) void br_log(br_log_sink sink, void *user, int level,
                                                  const char *fmt, ...);

#endif
