/*
 * Small text files read whole (e.g. /etc/resolv.conf) behind an ops table,
 * so br/dns_proxy.h opens no file: a stamp to tell whether the file changed
 * (inode, size, modification time) and a read of its first bytes.
 * textfile_linux_ops is the Linux implementation (ctx unused, NULL).
 */
#ifndef TBR_PLATFORM_TEXTFILE_H
#define TBR_PLATFORM_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Equal stamps: the file did not change (as far as stat tells). */
struct textfile_stamp {
    uint64_t ino, size, mtime_ns;
};

struct textfile_ops {
    /* The file's stamp: 0, or -1 with one line in err (e.g. it is gone). */
    int (*stamp)(void *ctx, const char *path, struct textfile_stamp *out, char *err, size_t errlen);
    /* Up to cap bytes of the file into buf: how many, or -1 when it cannot
     * be opened. */
    long (*read)(void *ctx, const char *path, char *buf, size_t cap);
};

extern const struct textfile_ops textfile_linux_ops;

#endif
