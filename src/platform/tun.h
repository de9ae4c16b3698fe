/*
 * Thin Linux TUN I/O: raw IP packets, no packet-information header
 * (IFF_TUN | IFF_NO_PI), one packet per read or write.
 *
 * No global state: every call takes the file descriptor. Calls that can fail
 * for a reason worth telling take an optional err buffer (may be NULL) and
 * write one line with the errno text into it.
 */
#ifndef TBR_PLATFORM_TUN_H
#define TBR_PLATFORM_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#define TUN_NAME_MAX 16 /* IFNAMSIZ, terminating NUL included */

/*
 * Opens the TUN device `name` (created if it does not exist, attached to if it
 * is a persistent one made by `ip tuntap add mode tun`). An empty or NULL name
 * lets the kernel pick one. The actual name goes to ifname (TUN_NAME_MAX bytes)
 * if given. Returns the file descriptor, or -1.
 */
int tun_open(const char *name, char *ifname, char *err, size_t errlen);

/* Switches O_NONBLOCK on or off. 0 on success, -1 on error. */
int tun_set_nonblock(int fd, bool on, char *err, size_t errlen);

/*
 * Reads one packet into buf[0..cap). Returns its length (> 0); 0 when no
 * packet is ready (non-blocking and EAGAIN) or a signal interrupted the read;
 * -1 on error. A packet longer than cap is truncated by the kernel and
 * reported as an error.
 */
ssize_t tun_read(int fd, void *buf, size_t cap, char *err, size_t errlen);

/*
 * Writes one packet. Returns 0 when written; 1 when the kernel refused it for
 * a transient reason (EAGAIN, ENOBUFS, ENOMEM: the packet is dropped, as a
 * full queue would drop it); -1 on error (e.g. EINVAL for a malformed packet).
 * EINTR is retried.
 */
int tun_write(int fd, const void *pkt, size_t len, char *err, size_t errlen);

/* The same for one packet gathered from iov[0..iovcnt). */
int tun_writev(int fd, const struct iovec *iov, int iovcnt, char *err, size_t errlen);

/* ---- the TUN as the border router uses it (ops table) -------------------
 *
 * br/data_path.h reads and writes packets only through struct tun_ops; the
 * Linux device behind it is a struct tun_dev (the application opens it and
 * polls tun_dev.fd). Tests pass fakes. */
struct tun_ops {
    /* One packet towards the host: tun_write()'s results (0, 1, -1). */
    int (*write)(void *tun, const uint8_t *pkt, size_t len, char *err, size_t errlen);
    /* One packet from the host: tun_read()'s results (> 0, 0 none, -1). */
    ssize_t (*read)(void *tun, uint8_t *buf, size_t cap, char *err, size_t errlen);
};

struct tun_dev {
    int fd; /* -1: closed */
    char name[TUN_NAME_MAX];
};

/* Opens the TUN `name` non-blocking, sets its MTU and brings the link up.
 * 0, or -1 with one line in err (the device closed again). */
int tun_dev_open(struct tun_dev *t, const char *name, int mtu, char *err, size_t errlen);
/* Closes an open device (a no-op when closed). */
void tun_dev_close(struct tun_dev *t);
/* The ops over a struct tun_dev *. */
extern const struct tun_ops tun_dev_ops;

void tun_close(int fd);

#endif
