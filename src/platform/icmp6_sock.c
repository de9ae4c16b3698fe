/*
 * The infrastructure link's raw ICMPv6 socket on Linux; see icmp6_sock.h.
 */
#include "platform/icmp6_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/textbuf.h"

int icmp6_sock_open(struct icmp6_sock *s, const char *ifname, char *err, size_t errlen)
{
    struct icmp6_filter filt;
    struct ipv6_mreq mreq;
    struct ifreq ifr;
    int one = 1, zero = 0, hops = 255;
    int fd;

    memset(s, 0, sizeof(*s));
    s->fd = -1;
    snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
    s->ifindex = if_nametoindex(ifname);
    if (s->ifindex == 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: %s", ifname, strerror(errno));
        return -1;
    }
    fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd < 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: ICMPv6 socket: %s%s", ifname,
                     strerror(errno), errno == EPERM ? " (needs CAP_NET_RAW)" : "");
        return -1;
    }
    ICMP6_FILTER_SETBLOCKALL(&filt);
    ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filt);
    ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filt);
    memset(&mreq, 0, sizeof(mreq));
    mreq.ipv6mr_interface = s->ifindex;
    inet_pton(AF_INET6, "ff02::2", &mreq.ipv6mr_multiaddr);
    if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
        setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &s->ifindex, sizeof(s->ifindex)) < 0) {
        textbuf_setf(err, errlen, "infrastructure interface %s: socket options: %s", ifname,
                     strerror(errno));
        close(fd);
        return -1;
    }
    /* All-routers: joined by the kernel while forwarding; joining again is fine. */
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 &&
        errno != EADDRINUSE)
        textbuf_setf(s->warn, sizeof(s->warn), "%s: join ff02::2: %s", ifname, strerror(errno));
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == 1 /* ARPHRD_ETHER */) {
        memcpy(s->mac, ifr.ifr_hwaddr.sa_data, 6);
        s->has_mac = true;
    }
    s->fd = fd;
    return 0;
}

void icmp6_sock_close(struct icmp6_sock *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static int linux_send_all_nodes(void *sock, const uint8_t *msg, size_t len, char *err,
                                size_t errlen)
{
    struct icmp6_sock *s = sock;
    struct sockaddr_in6 dst;

    memset(&dst, 0, sizeof(dst));
    dst.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
    dst.sin6_scope_id = s->ifindex;
    if (sendto(s->fd, msg, len, 0, (const struct sockaddr *)&dst, sizeof(dst)) != (ssize_t)len) {
        textbuf_setf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

static ssize_t linux_recv(void *sock, uint8_t *buf, size_t cap, uint8_t src[16], int *hop_limit,
                          char *err, size_t errlen)
{
    struct icmp6_sock *s = sock;
    union {
        struct cmsghdr h;
        uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    } cbuf;
    struct sockaddr_in6 from;
    struct iovec iov = {buf, cap};
    struct msghdr mh;
    struct cmsghdr *c;
    ssize_t n;

    memset(&mh, 0, sizeof(mh));
    memset(&from, 0, sizeof(from));
    mh.msg_name = &from;
    mh.msg_namelen = sizeof(from);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf.b;
    mh.msg_controllen = sizeof(cbuf.b);
    *hop_limit = -1;
    n = recvmsg(s->fd, &mh, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        textbuf_setf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT &&
            c->cmsg_len >= CMSG_LEN(sizeof(int)))
            memcpy(hop_limit, CMSG_DATA(c), sizeof(int));
    memcpy(src, from.sin6_addr.s6_addr, 16);
    return n;
}

static bool linux_mac(void *sock, uint8_t out[6])
{
    struct icmp6_sock *s = sock;

    if (s->has_mac)
        memcpy(out, s->mac, 6);
    return s->has_mac;
}

const struct icmp6_sock_ops icmp6_sock_linux_ops = {linux_send_all_nodes, linux_recv, linux_mac};
