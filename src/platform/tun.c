#include "platform/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/textbuf.h"

#define TUN_CLONE "/dev/net/tun"

int tun_open(const char *name, char *ifname, char *err, size_t errlen)
{
    struct ifreq ifr;

    if (name && strlen(name) >= IFNAMSIZ) {
        textbuf_setf(err, errlen, "TUN name '%s' is too long (at most %d characters)", name,
                     IFNAMSIZ - 1);
        return -1;
    }
    int fd = open(TUN_CLONE, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        textbuf_setf(err, errlen, "open %s: %s%s", TUN_CLONE, strerror(e),
                     e == ENOENT                 ? " (is the tun module loaded? modprobe tun)"
                     : e == EACCES || e == EPERM ? " (needs root or CAP_NET_ADMIN)"
                                                 : "");
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (name)
        memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        textbuf_setf(err, errlen, "TUNSETIFF %s: %s%s", name && *name ? name : "(any)", strerror(e),
                     e == EPERM
                         ? " (needs CAP_NET_ADMIN, or the persistent device has another owner)"
                     : e == EINVAL ? " (a device of that name exists and is not a TUN, or its "
                                     "flags differ)"
                     : e == EBUSY  ? " (another process has it open)"
                                   : "");
        close(fd);
        return -1;
    }
    if (ifname) {
        memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
        ifname[IFNAMSIZ - 1] = '\0';
    }
    return fd;
}

int tun_set_nonblock(int fd, bool on, char *err, size_t errlen)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) {
        textbuf_setf(err, errlen, "fcntl(F_GETFL): %s", strerror(errno));
        return -1;
    }
    int nfl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
    if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0) {
        textbuf_setf(err, errlen, "fcntl(F_SETFL, %s): %s", on ? "O_NONBLOCK" : "blocking",
                     strerror(errno));
        return -1;
    }
    return 0;
}

ssize_t tun_read(int fd, void *buf, size_t cap, char *err, size_t errlen)
{
    ssize_t n = read(fd, buf, cap);
    if (n > 0) {
        if ((size_t)n > cap) { /* not expected from TUN; keep the contract */
            textbuf_setf(err, errlen, "TUN read: packet larger than the %zu-byte buffer", cap);
            return -1;
        }
        return n;
    }
    if (n == 0) {
        textbuf_setf(err, errlen, "TUN read: end of file (device gone?)");
        return -1;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    textbuf_setf(err, errlen, "TUN read: %s", strerror(errno));
    return -1;
}

static int write_result(ssize_t n, size_t want, char *err, size_t errlen)
{
    if (n >= 0) {
        if ((size_t)n != want) {
            textbuf_setf(err, errlen, "TUN write: short write (%zd of %zu bytes)", n, want);
            return -1;
        }
        return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == ENOMEM)
        return 1;
    textbuf_setf(err, errlen, "TUN write: %s%s", strerror(errno),
                 errno == EINVAL ? " (malformed IP packet?)" : "");
    return -1;
}

int tun_write(int fd, const void *pkt, size_t len, char *err, size_t errlen)
{
    ssize_t n;
    do
        n = write(fd, pkt, len);
    while (n < 0 && errno == EINTR);
    return write_result(n, len, err, errlen);
}

int tun_writev(int fd, const struct iovec *iov, int iovcnt, char *err, size_t errlen)
{
    size_t want = 0;
    for (int i = 0; i < iovcnt; i++)
        want += iov[i].iov_len;
    ssize_t n;
    do
        n = writev(fd, iov, iovcnt);
    while (n < 0 && errno == EINTR);
    return write_result(n, want, err, errlen);
}

void tun_close(int fd)
{
    if (fd >= 0)
        close(fd);
}
