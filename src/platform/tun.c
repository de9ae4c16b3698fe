#include "platform/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <sys/socket.h>
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

/* ---- struct tun_dev ------------------------------------------------------------ */

/* MTU and IFF_UP through an AF_INET datagram socket (the interface ioctls). */
static int tun_link_setup(const char *name, int mtu, char *err, size_t errlen)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc = -1;

    if (s < 0) {
        textbuf_setf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_mtu = mtu;
    if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: set MTU: %s", name, strerror(errno));
        goto out;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: get flags: %s", name, strerror(errno));
        goto out;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
        textbuf_setf(err, errlen, "%s: set up: %s", name, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    close(s);
    return rc;
}

int tun_dev_open(struct tun_dev *t, const char *name, int mtu, char *err, size_t errlen)
{
    char e[256];

    memset(t, 0, sizeof(*t));
    t->fd = tun_open(name, t->name, e, sizeof(e));
    if (t->fd < 0) {
        textbuf_setf(err, errlen, "TUN %s: %s", name != NULL ? name : "", e);
        return -1;
    }
    if (tun_set_nonblock(t->fd, true, e, sizeof(e)) != 0 ||
        tun_link_setup(t->name, mtu, e, sizeof(e)) != 0) {
        textbuf_setf(err, errlen, "TUN %s: %s", t->name, e);
        tun_dev_close(t);
        return -1;
    }
    return 0;
}

void tun_dev_close(struct tun_dev *t)
{
    if (t->fd >= 0)
        tun_close(t->fd);
    t->fd = -1;
}

static int tun_dev_write(void *tun, const uint8_t *pkt, size_t len, char *err, size_t errlen)
{
    return tun_write(((struct tun_dev *)tun)->fd, pkt, len, err, errlen);
}

static ssize_t tun_dev_read(void *tun, uint8_t *buf, size_t cap, char *err, size_t errlen)
{
    return tun_read(((struct tun_dev *)tun)->fd, buf, cap, err, errlen);
}

const struct tun_ops tun_dev_ops = {tun_dev_write, tun_dev_read};
