/*
 * Text files on Linux; see textfile.h.
 */
#include "platform/textfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/textbuf.h"

static int linux_stamp(void *ctx, const char *path, struct textfile_stamp *out, char *err,
                       size_t errlen)
{
    struct stat st;

    (void)ctx;
    if (stat(path, &st) != 0) {
        textbuf_setf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    out->ino = (uint64_t)st.st_ino;
    out->size = (uint64_t)st.st_size;
    out->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    return 0;
}

static long linux_read(void *ctx, const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    (void)ctx;
    if (f == NULL)
        return -1;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return (long)n;
}

const struct textfile_ops textfile_linux_ops = {linux_stamp, linux_read};
