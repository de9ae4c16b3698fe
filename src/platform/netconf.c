#include "platform/netconf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/textbuf.h"

extern char **environ;

#define NFT_OUT_MAX 65536 /* bytes of nft output kept */
#define NL_BUF 32768

struct saved_sysctl {
    bool changed;
    int old;
};

struct netconf {
    char nft_path[256]; /* empty: search */
    char table[NETCONF_TABLE_MAX];
    char fw_table[NETCONF_TABLE_MAX]; /* table + "_fw" */
    char proc_sys[256];
    int nl;
    uint32_t seq;
    struct saved_sysctl fwd4, fwd6;
    struct saved_sysctl ra; /* accept_ra of ra_if */
    char ra_if[NETCONF_IFNAME_MAX];
    int ra_set; /* the value written */
    bool nat44_owned, fw_owned;
    unsigned nroutes;
    struct netconf_route routes[NETCONF_MAX_ROUTES];
};

static bool valid_table(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= NETCONF_TABLE_MAX)
        return false;
    if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z')))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* An interface name safe to put in a quoted nft string and valid for Linux. */
static bool valid_ifname(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= NETCONF_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == ':')
            return false;
    }
    return true;
}

struct netconf *netconf_open(const struct netconf_config *cfg, char *err, size_t errlen)
{
    struct netconf_config dflt = {0};
    if (!cfg)
        cfg = &dflt;
    const char *table = cfg->nft_table ? cfg->nft_table : NETCONF_NFT_TABLE_DEFAULT;
    if (!valid_table(table) || strlen(table) + 3 >= NETCONF_TABLE_MAX) {
        textbuf_setf(err, errlen,
                     "invalid nftables table name '%.40s' (a letter, then letters, digits, _ or -; "
                     "at most %d)",
                     table, NETCONF_TABLE_MAX - 4);
        errno = EINVAL;
        return NULL;
    }
    struct netconf *nc = calloc(1, sizeof(*nc));
    if (!nc) {
        textbuf_setf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(nc->table, sizeof(nc->table), "%s", table);
    snprintf(nc->fw_table, sizeof(nc->fw_table), "%s_fw", table);
    snprintf(nc->proc_sys, sizeof(nc->proc_sys), "%s", cfg->proc_sys ? cfg->proc_sys : "/proc/sys");
    if (cfg->nft_path)
        snprintf(nc->nft_path, sizeof(nc->nft_path), "%s", cfg->nft_path);

    nc->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nc->nl < 0) {
        textbuf_setf(err, errlen, "socket(NETLINK_ROUTE): %s", strerror(errno));
        free(nc);
        return NULL;
    }
    int one = 1;
    /* richer errors when the kernel has them; older kernels just ignore these */
    (void)setsockopt(nc->nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)setsockopt(nc->nl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
    struct timeval tv = {.tv_sec = 5};
    (void)setsockopt(nc->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(nc->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        textbuf_setf(err, errlen, "bind(NETLINK_ROUTE): %s", strerror(errno));
        close(nc->nl);
        free(nc);
        return NULL;
    }
    nc->seq = (uint32_t)getpid() << 8;
    return nc;
}

void netconf_close(struct netconf *nc)
{
    if (!nc)
        return;
    if (nc->nl >= 0)
        close(nc->nl);
    free(nc);
}

/* ---- sysctls ------------------------------------------------------------------- */

static void fwd_path(const struct netconf *nc, int family, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", nc->proc_sys,
             family == NETCONF_IPV4 ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding");
}

static const char *fwd_name(int family)
{
    return family == NETCONF_IPV4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding";
}

static int sysctl_read(const char *path, const char *name, int *value, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        textbuf_setf(err, errlen, "cannot read %s (%s): %s%s", name, path, strerror(errno),
                     errno == ENOENT && strstr(path, "ipv6") ? " (is IPv6 disabled on this host?)"
                                                             : "");
        return -1;
    }
    char buf[32];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    int e = errno;
    close(fd);
    if (n <= 0) {
        textbuf_setf(err, errlen, "cannot read %s (%s): %s", name, path,
                     n < 0 ? strerror(e) : "empty");
        return -1;
    }
    buf[n] = '\0';
    char *end;
    long v = strtol(buf, &end, 10);
    if (end == buf) {
        textbuf_setf(err, errlen, "%s (%s): unexpected contents", name, path);
        return -1;
    }
    *value = (int)v;
    return 0;
}

static int sysctl_write(const char *path, const char *name, int value, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%d\n", value);
    if (fd < 0 || write(fd, buf, (size_t)n) != n) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        textbuf_setf(err, errlen, "cannot set %s=%d: %s%s", name, value, strerror(e),
                     e == EROFS || e == EACCES || e == EPERM
                         ? " (needs root; in a container /proc/sys is read-only: set it from the "
                           "host, e.g. docker run --sysctl ...)"
                         : "");
        return -1;
    }
    close(fd);
    return 0;
}

int netconf_forwarding_get(struct netconf *nc, int family, int *value, char *err, size_t errlen)
{
    char path[320];
    fwd_path(nc, family, path, sizeof(path));
    return sysctl_read(path, fwd_name(family), value, err, errlen);
}

static int fwd_enable_one(struct netconf *nc, int family, struct saved_sysctl *sv, char *err,
                          size_t errlen)
{
    char path[320];
    int cur;
    fwd_path(nc, family, path, sizeof(path));
    if (sysctl_read(path, fwd_name(family), &cur, err, errlen) < 0)
        return -1;
    if (cur == 1)
        return 0; /* nothing to change (and nothing to restore unless we changed it before) */
    if (sysctl_write(path, fwd_name(family), 1, err, errlen) < 0)
        return -1;
    if (!sv->changed) {
        sv->changed = true;
        sv->old = cur;
    }
    return 0;
}

int netconf_forwarding_enable(struct netconf *nc, unsigned mask, char *err, size_t errlen)
{
    if ((mask & NETCONF_IPV4) && fwd_enable_one(nc, NETCONF_IPV4, &nc->fwd4, err, errlen) < 0)
        return -1;
    if ((mask & NETCONF_IPV6) && fwd_enable_one(nc, NETCONF_IPV6, &nc->fwd6, err, errlen) < 0)
        return -1;
    return 0;
}

static int fwd_restore_one(struct netconf *nc, int family, struct saved_sysctl *sv, char *err,
                           size_t errlen)
{
    if (!sv->changed)
        return 0;
    char path[320];
    int cur;
    fwd_path(nc, family, path, sizeof(path));
    if (sysctl_read(path, fwd_name(family), &cur, err, errlen) < 0)
        return -1;
    if (cur == 1 && sysctl_write(path, fwd_name(family), sv->old, err, errlen) < 0)
        return -1;
    /* cur != 1: someone else changed it since; theirs wins */
    sv->changed = false;
    return 0;
}

int netconf_forwarding_restore(struct netconf *nc, char *err, size_t errlen)
{
    int rc = 0;
    if (fwd_restore_one(nc, NETCONF_IPV6, &nc->fwd6, err, errlen) < 0)
        rc = -1;
    if (fwd_restore_one(nc, NETCONF_IPV4, &nc->fwd4, rc ? NULL : err, errlen) < 0)
        rc = -1;
    return rc;
}

/* ---- rtnetlink ------------------------------------------------------------------- */

struct nlreq {
    struct nlmsghdr nh;
    struct rtmsg rt;
    char attrs[256];
};

static void add_attr(struct nlreq *req, unsigned short type, const void *data, size_t len)
{
    struct rtattr *ra = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));
    ra->rta_type = type;
    ra->rta_len = (unsigned short)RTA_LENGTH(len);
    memcpy(RTA_DATA(ra), data, len);
    req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(ra->rta_len);
}

static void mask_prefix(uint8_t *a, size_t bytes, unsigned plen)
{
    for (size_t i = 0; i < bytes; i++) {
        unsigned bits = i * 8 >= plen ? 0 : plen - (unsigned)i * 8;
        if (bits < 8)
            a[i] &= (uint8_t)(0xff00u >> bits);
    }
}

static size_t addr_bytes(int family)
{
    return family == AF_INET ? 4 : 16;
}

static const char *route_str(const struct netconf_route *r, char *buf, size_t len)
{
    char a[ADDR_STR6];
    if (r->family == AF_INET)
        addr_fmt4(r->dst, a);
    else
        addr_fmt6(r->dst, a);
    snprintf(buf, len, "%s/%u dev %s", a, r->plen, r->dev);
    return buf;
}

static int check_route(const struct netconf_route *r, int *ifindex, char *err, size_t errlen)
{
    if (r->family != AF_INET && r->family != AF_INET6) {
        textbuf_setf(err, errlen, "route: family must be AF_INET or AF_INET6");
        errno = EINVAL;
        return -1;
    }
    if (r->plen > addr_bytes(r->family) * 8) {
        textbuf_setf(err, errlen, "route: prefix length %u too long", r->plen);
        errno = EINVAL;
        return -1;
    }
    if (!valid_ifname(r->dev)) {
        textbuf_setf(err, errlen, "route: invalid interface name '%.16s'", r->dev);
        errno = EINVAL;
        return -1;
    }
    unsigned idx = if_nametoindex(r->dev);
    if (idx == 0) {
        textbuf_setf(err, errlen, "route: interface %s: %s", r->dev, strerror(errno));
        return -1;
    }
    *ifindex = (int)idx;
    return 0;
}

static void build_route(struct nlreq *req, const struct netconf_route *r, int ifindex,
                        uint16_t type, uint16_t flags, uint32_t seq)
{
    memset(req, 0, sizeof(*req));
    req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req->nh.nlmsg_type = type;
    req->nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    req->nh.nlmsg_seq = seq;
    req->rt.rtm_family = (unsigned char)r->family;
    req->rt.rtm_dst_len = r->plen;
    req->rt.rtm_table = r->table && r->table < 256 ? (unsigned char)r->table : RT_TABLE_MAIN;
    if (type == RTM_NEWROUTE) {
        req->rt.rtm_protocol = RTPROT_STATIC;
        req->rt.rtm_scope = r->family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
        req->rt.rtm_type = RTN_UNICAST;
    } else {
        req->rt.rtm_scope = RT_SCOPE_NOWHERE;
    }
    uint8_t dst[16] = {0};
    memcpy(dst, r->dst, addr_bytes(r->family));
    mask_prefix(dst, addr_bytes(r->family), r->plen);
    if (r->plen > 0)
        add_attr(req, RTA_DST, dst, addr_bytes(r->family));
    uint32_t oif = (uint32_t)ifindex;
    add_attr(req, RTA_OIF, &oif, sizeof(oif));
    if (r->metric)
        add_attr(req, RTA_PRIORITY, &r->metric, sizeof(r->metric));
    if (r->table >= 256)
        add_attr(req, RTA_TABLE, &r->table, sizeof(r->table));
}

/*
 * Sends req and waits for its ack. 0 on success; otherwise the negative
 * errno the kernel answered (its extended-ack message into msg), or -errno
 * of a local failure.
 */
static int nl_transact(struct netconf *nc, struct nlmsghdr *req, char *msg, size_t msglen)
{
    struct sockaddr_nl to = {.nl_family = AF_NETLINK};
    if (msg && msglen)
        msg[0] = '\0';
    if (sendto(nc->nl, req, req->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    char *buf = malloc(NL_BUF);
    if (!buf)
        return -ENOMEM;
    int rc = -EIO;
    for (;;) {
        ssize_t n = recv(nc->nl, buf, NL_BUF, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
            break;
        }
        bool done = false;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != req->nlmsg_seq)
                continue;
            if (h->nlmsg_type != NLMSG_ERROR)
                continue;
            const struct nlmsgerr *e = NLMSG_DATA(h);
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
                rc = -EIO;
                done = true;
                break;
            }
            rc = e->error;
            if (rc && msg && msglen && (h->nlmsg_flags & NLM_F_ACK_TLVS)) {
                size_t off = sizeof(*e);
                if (!(h->nlmsg_flags & NLM_F_CAPPED))
                    off += e->msg.nlmsg_len - sizeof(e->msg);
                size_t total = h->nlmsg_len - NLMSG_HDRLEN;
                const char *p = (const char *)e + NLMSG_ALIGN(off);
                const char *endp = (const char *)e + total;
                while (p + sizeof(struct nlattr) <= endp) {
                    const struct nlattr *a = (const struct nlattr *)p;
                    if (a->nla_len < sizeof(*a) || p + a->nla_len > endp)
                        break;
                    if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                        size_t l = a->nla_len - sizeof(*a);
                        const char *s = p + sizeof(*a);
                        size_t sl = strnlen(s, l);
                        snprintf(msg, msglen, "%.*s", (int)sl, s);
                    }
                    p += NLA_ALIGN(a->nla_len);
                }
            }
            done = true;
            break;
        }
        if (done)
            break;
    }
    free(buf);
    return rc;
}

int netconf_route_parse(const char *cidr, const char *dev, uint32_t metric, struct netconf_route *r,
                        char *err, size_t errlen)
{
    memset(r, 0, sizeof(*r));
    struct addr_prefix4 p4;
    struct addr_prefix6 p6;
    if (cidr && strchr(cidr, ':') ? addr_parse_prefix6(cidr, &p6) : false) {
        r->family = AF_INET6;
        memcpy(r->dst, p6.addr, 16);
        r->plen = p6.len;
    } else if (cidr && addr_parse_prefix4(cidr, &p4)) {
        r->family = AF_INET;
        memcpy(r->dst, p4.addr, 4);
        r->plen = p4.len;
    } else {
        textbuf_setf(err, errlen, "invalid prefix '%.64s' (expected a.b.c.d/len or x::/len)",
                     cidr ? cidr : "(null)");
        return -1;
    }
    mask_prefix(r->dst, addr_bytes(r->family), r->plen);
    if (!valid_ifname(dev)) {
        textbuf_setf(err, errlen, "invalid interface name '%.16s'", dev ? dev : "(null)");
        return -1;
    }
    snprintf(r->dev, sizeof(r->dev), "%s", dev);
    r->metric = metric;
    return 0;
}

static bool same_route(const struct netconf_route *a, const struct netconf_route *b)
{
    uint8_t da[16] = {0}, db[16] = {0};
    if (a->family != b->family || a->plen != b->plen || a->metric != b->metric ||
        (a->table ? a->table : RT_TABLE_MAIN) != (b->table ? b->table : RT_TABLE_MAIN) ||
        strcmp(a->dev, b->dev) != 0)
        return false;
    memcpy(da, a->dst, addr_bytes(a->family));
    memcpy(db, b->dst, addr_bytes(b->family));
    mask_prefix(da, 16, a->plen);
    mask_prefix(db, 16, b->plen);
    return !memcmp(da, db, 16);
}

static void remember(struct netconf *nc, const struct netconf_route *r)
{
    for (unsigned i = 0; i < nc->nroutes; i++)
        if (same_route(&nc->routes[i], r))
            return;
    if (nc->nroutes < NETCONF_MAX_ROUTES)
        nc->routes[nc->nroutes++] = *r;
}

static void forget(struct netconf *nc, const struct netconf_route *r)
{
    for (unsigned i = 0; i < nc->nroutes; i++) {
        if (same_route(&nc->routes[i], r)) {
            nc->routes[i] = nc->routes[--nc->nroutes];
            return;
        }
    }
}

static void nl_err(char *err, size_t errlen, const char *what, const struct netconf_route *r, int e,
                   const char *kmsg)
{
    char rs[96];
    textbuf_setf(err, errlen, "%s %s: %s%s%s%s", what, route_str(r, rs, sizeof(rs)), strerror(e),
                 kmsg && *kmsg ? " (" : "", kmsg && *kmsg ? kmsg : "", kmsg && *kmsg ? ")" : "");
    if (e == EPERM && err && errlen) {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l, " (needs root or CAP_NET_ADMIN)");
    }
}

int netconf_route_add(struct netconf *nc, const struct netconf_route *r, bool replace, char *err,
                      size_t errlen)
{
    int ifindex;
    if (check_route(r, &ifindex, err, errlen) < 0)
        return -1;
    struct nlreq req;
    build_route(&req, r, ifindex, RTM_NEWROUTE,
                (uint16_t)(NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL)), ++nc->seq);
    char kmsg[128];
    int rc = nl_transact(nc, &req.nh, kmsg, sizeof(kmsg));
    if (rc < 0) {
        nl_err(err, errlen, replace ? "cannot replace route" : "cannot add route", r, -rc, kmsg);
        errno = -rc;
        return -1;
    }
    remember(nc, r);
    return 0;
}

int netconf_route_del(struct netconf *nc, const struct netconf_route *r, char *err, size_t errlen)
{
    int ifindex;
    if (check_route(r, &ifindex, err, errlen) < 0) {
        if (errno == ENODEV || errno == ENXIO) {
            forget(nc, r); /* the device went away, and its routes with it */
            return 1;
        }
        return -1;
    }
    struct nlreq req;
    build_route(&req, r, ifindex, RTM_DELROUTE, 0, ++nc->seq);
    char kmsg[128];
    int rc = nl_transact(nc, &req.nh, kmsg, sizeof(kmsg));
    if (rc == -ESRCH || rc == -ENOENT) {
        forget(nc, r);
        return 1;
    }
    if (rc < 0) {
        nl_err(err, errlen, "cannot delete route", r, -rc, kmsg);
        errno = -rc;
        return -1;
    }
    forget(nc, r);
    return 0;
}

/* Does one RTM_NEWROUTE message of a dump match r? */
static bool dump_match(const struct nlmsghdr *h, const struct netconf_route *r, int ifindex)
{
    const struct rtmsg *rt = NLMSG_DATA(h);
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rt)))
        return false;
    if (rt->rtm_family != r->family || rt->rtm_dst_len != r->plen)
        return false;
    uint32_t want_table = r->table ? r->table : RT_TABLE_MAIN;
    uint32_t table = rt->rtm_table;
    uint32_t prio = 0;
    int oif = 0;
    uint8_t dst[16] = {0};
    uint8_t want[16] = {0};
    memcpy(want, r->dst, addr_bytes(r->family));
    mask_prefix(want, 16, r->plen);
    int alen = (int)RTM_PAYLOAD(h);
    for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
        size_t pl = RTA_PAYLOAD(a);
        switch (a->rta_type) {
        case RTA_TABLE:
            if (pl >= 4)
                memcpy(&table, RTA_DATA(a), 4);
            break;
        case RTA_OIF:
            if (pl >= 4)
                memcpy(&oif, RTA_DATA(a), 4);
            break;
        case RTA_PRIORITY:
            if (pl >= 4)
                memcpy(&prio, RTA_DATA(a), 4);
            break;
        case RTA_DST:
            if (pl == addr_bytes(r->family))
                memcpy(dst, RTA_DATA(a), pl);
            break;
        default:
            break;
        }
    }
    return table == want_table && oif == ifindex && (r->metric == 0 || prio == r->metric) &&
           !memcmp(dst, want, 16);
}

int netconf_route_present(struct netconf *nc, const struct netconf_route *r, char *err,
                          size_t errlen)
{
    int ifindex;
    if (check_route(r, &ifindex, err, errlen) < 0)
        return -1;
    struct {
        struct nlmsghdr nh;
        struct rtmsg rt;
    } req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.nh.nlmsg_type = RTM_GETROUTE;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = ++nc->seq;
    req.rt.rtm_family = (unsigned char)r->family;
    struct sockaddr_nl to = {.nl_family = AF_NETLINK};
    if (sendto(nc->nl, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
        textbuf_setf(err, errlen, "route dump: %s", strerror(errno));
        return -1;
    }
    char *buf = malloc(NL_BUF);
    if (!buf) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    int found = 0;
    int rc = -1;
    for (;;) {
        ssize_t n = recv(nc->nl, buf, NL_BUF, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            textbuf_setf(err, errlen, "route dump: %s", strerror(errno));
            break;
        }
        bool end = false;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != req.nh.nlmsg_seq)
                continue;
            if (h->nlmsg_type == NLMSG_DONE) {
                end = true;
                rc = found;
                break;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                textbuf_setf(err, errlen, "route dump: %s", strerror(-e->error));
                end = true;
                break;
            }
            if (h->nlmsg_type == RTM_NEWROUTE && dump_match(h, r, ifindex))
                found = 1;
        }
        if (end)
            break;
    }
    free(buf);
    return rc;
}

/* ---- nft ----------------------------------------------------------------------- */

struct nft_result {
    int status; /* exit status; -1 if killed */
    char out[NFT_OUT_MAX];
    size_t out_len;
    char errtxt[4096];
    size_t err_len;
};

static const char *find_nft(const struct netconf *nc)
{
    static const char *const where[] = {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft",
                                        "/usr/local/sbin/nft", "/bin/nft"};
    if (nc->nft_path[0])
        return nc->nft_path;
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return "nft"; /* let $PATH decide */
}

static void drain(int fd, char *buf, size_t cap, size_t *len, bool *open_)
{
    char tmp[4096];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        *open_ = false;
        return;
    }
    size_t room = cap - 1 - *len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    memcpy(buf + *len, tmp, take);
    *len += take;
    buf[*len] = '\0';
}

/*
 * Runs nft with args (argv[0] excluded, NULL-terminated), feeding input (may
 * be NULL) on stdin. 0 when it ran (see res->status), -1 when it could not be
 * started (err set).
 */
static int run_nft(const struct netconf *nc, const char *const *args, const char *input,
                   struct nft_result *res, char *err, size_t errlen)
{
    const char *nft = find_nft(nc);
    const char *argv[8];
    size_t argc = 0;
    argv[argc++] = nft;
    for (size_t i = 0; args[i] && argc < 7; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;

    int in[2] = {-1, -1}, out[2] = {-1, -1}, er[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    bool fa_init = false;
    int rc = -1;
    pid_t pid = -1;
    memset(res, 0, sizeof(*res));
    res->status = -1;

    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0) {
        textbuf_setf(err, errlen, "pipe: %s", strerror(errno));
        goto out;
    }
    if (posix_spawn_file_actions_init(&fa) != 0) {
        textbuf_setf(err, errlen, "posix_spawn_file_actions_init failed");
        goto out;
    }
    fa_init = true;
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, er[1], 2);
    int e = strchr(nft, '/') ? posix_spawn(&pid, nft, &fa, NULL, (char *const *)argv, environ)
                             : posix_spawnp(&pid, nft, &fa, NULL, (char *const *)argv, environ);
    if (e != 0) {
        pid = -1;
        if (e == ENOENT)
            textbuf_setf(
                err, errlen,
                "nftables is not available: the nft program was not found (%s; install the "
                "nftables package, e.g. apt-get install nftables)",
                strerror(e));
        else
            textbuf_setf(err, errlen, "cannot run %s: %s", nft, strerror(e));
        goto out;
    }
    close(in[0]);
    close(out[1]);
    close(er[1]);
    in[0] = out[1] = er[1] = -1;

    /* the ruleset is small (< pipe buffer), but do not rely on it */
    size_t inlen = input ? strlen(input) : 0, inoff = 0;
    if (inlen == 0) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    bool out_open = true, err_open = true;
    while (out_open || err_open || in[1] >= 0) {
        struct pollfd p[3];
        int np = 0;
        int io = -1, ie = -1, ii = -1;
        if (out_open) {
            p[np] = (struct pollfd){.fd = out[0], .events = POLLIN};
            io = np++;
        }
        if (err_open) {
            p[np] = (struct pollfd){.fd = er[0], .events = POLLIN};
            ie = np++;
        }
        if (in[1] >= 0) {
            p[np] = (struct pollfd){.fd = in[1], .events = POLLOUT};
            ii = np++;
        }
        int pr = poll(p, (nfds_t)np, 30000);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            textbuf_setf(err, errlen, "%s did not finish within 30 s", nft);
            kill(pid, SIGKILL);
            break;
        }
        if (io >= 0 && p[io].revents)
            drain(out[0], res->out, sizeof(res->out), &res->out_len, &out_open);
        if (ie >= 0 && p[ie].revents)
            drain(er[0], res->errtxt, sizeof(res->errtxt), &res->err_len, &err_open);
        if (ii >= 0 && p[ii].revents) {
            ssize_t w = (p[ii].revents & POLLOUT) ? write(in[1], input + inoff, inlen - inoff) : -1;
            if (w > 0)
                inoff += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EINTR) || inoff == inlen) {
                close(in[1]);
                in[1] = -1;
            }
        }
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(st)) {
        res->status = WEXITSTATUS(st);
        if (res->status == 127 && strchr(nft, '/') == NULL) {
            textbuf_setf(err, errlen,
                         "nftables is not available: the nft program was not found (install the "
                         "nftables package, e.g. apt-get install nftables)");
            goto out;
        }
        rc = 0;
    } else {
        if (!err || !*err)
            textbuf_setf(err, errlen, "%s was killed by signal %d", nft,
                         WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
out:
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    int fds[6] = {in[0], in[1], out[0], out[1], er[0], er[1]};
    for (int i = 0; i < 6; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return rc;
}

/* nft's stderr as one line, with a hint for the usual causes. */
static void nft_failed(const struct nft_result *res, const char *what, char *err, size_t errlen)
{
    char msg[512];
    size_t j = 0;
    for (size_t i = 0; i < res->err_len && j < sizeof(msg) - 1; i++) {
        char c = res->errtxt[i];
        if (c == '\n') {
            /* keep the first line (nft's "Error: ..."), skip the ruleset echo after it */
            break;
        }
        msg[j++] = (c == '\t' || (unsigned char)c < ' ') ? ' ' : c;
    }
    msg[j] = '\0';
    const char *hint = "";
    if (strstr(res->errtxt, "Operation not permitted"))
        hint = " (needs root or CAP_NET_ADMIN)";
    else if (strstr(res->errtxt, "Operation not supported") ||
             strstr(res->errtxt, "Protocol not supported") ||
             strstr(res->errtxt, "Could not process rule: No such file or directory"))
        hint = " (the kernel lacks nftables NAT support: CONFIG_NF_TABLES, NFT_NAT, NFT_MASQ; "
               "try modprobe nf_tables nft_chain_nat nft_masq)";
    textbuf_setf(err, errlen, "nft: cannot %s: %s%s (exit status %d)", what, j ? msg : "no message",
                 hint, res->status);
}

static int pool_text(const struct addr_prefix4 *pool, char *buf, size_t len, char *err,
                     size_t errlen)
{
    if (!pool || pool->len > 32) {
        textbuf_setf(err, errlen, "invalid NAT64 pool prefix");
        return -1;
    }
    uint8_t a[4];
    memcpy(a, pool->addr, 4);
    mask_prefix(a, 4, pool->len);
    char s[ADDR_STR4];
    snprintf(buf, len, "%s/%u", addr_fmt4(a, s), pool->len);
    return 0;
}

int netconf_nat44_ruleset(const struct netconf *nc, const struct addr_prefix4 *pool,
                          const char *infra_if, char *buf, size_t buflen, char *err, size_t errlen)
{
    char p[ADDR_STR4 + 4];
    if (pool_text(pool, p, sizeof(p), err, errlen) < 0)
        return -1;
    if (!valid_ifname(infra_if)) {
        textbuf_setf(err, errlen, "invalid infrastructure interface name '%.16s'",
                     infra_if ? infra_if : "(null)");
        return -1;
    }
    /* add (no-op if present), delete, add: one transaction, never "no such table" */
    int n = snprintf(buf, buflen,
                     "table inet %s {}\n"
                     "delete table inet %s\n"
                     "table inet %s {\n"
                     "\tchain postrouting {\n"
                     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                     "\t\tip saddr %s oifname \"%s\" counter masquerade comment \"tbr nat44\"\n"
                     "\t}\n"
                     "}\n",
                     nc->table, nc->table, nc->table, p, infra_if);
    if (n < 0 || (size_t)n >= buflen) {
        textbuf_setf(err, errlen, "ruleset buffer too small");
        return -1;
    }
    return n;
}

/* Feeds rules to `nft -f -` (one transaction). 0, or -1 with err ("cannot
 * <what>: ..."). */
static int nft_script(const struct netconf *nc, const char *rules, const char *what, char *err,
                      size_t errlen)
{
    struct nft_result *res = malloc(sizeof(*res));
    if (!res) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    static const char *const args[] = {"-f", "-", NULL};
    int rc = -1;
    if (run_nft(nc, args, rules, res, err, errlen) == 0) {
        if (res->status == 0)
            rc = 0;
        else
            nft_failed(res, what, err, errlen);
    }
    free(res);
    return rc;
}

/* Deletes table inet <name>; a missing table is fine. */
static int nft_delete_table(const struct netconf *nc, const char *name, const char *what, char *err,
                            size_t errlen)
{
    char rules[128];
    snprintf(rules, sizeof(rules), "table inet %s {}\ndelete table inet %s\n", name, name);
    return nft_script(nc, rules, what, err, errlen);
}

/* `nft list <what> inet <table>` into res: 1 listed, 0 no such table (err
 * says so), -1 failed (err set). */
static int nft_list(const struct netconf *nc, const char *what, const char *table,
                    struct nft_result *res, const char *doing, char *err, size_t errlen)
{
    const char *args[6] = {"list", what, "inet", table, NULL, NULL};
    if (strcmp(what, "counters") == 0) {
        args[2] = "table";
        args[3] = "inet";
        args[4] = table;
    }
    if (run_nft(nc, args, NULL, res, err, errlen) < 0)
        return -1;
    if (res->status == 0)
        return 1;
    if (strstr(res->errtxt, "No such file or directory")) {
        textbuf_setf(err, errlen, "the nftables table inet %s is missing", table);
        return 0;
    }
    nft_failed(res, doing, err, errlen);
    return -1;
}

int netconf_nat44_install(struct netconf *nc, const struct addr_prefix4 *pool, const char *infra_if,
                          char *err, size_t errlen)
{
    char rules[1024];
    if (netconf_nat44_ruleset(nc, pool, infra_if, rules, sizeof(rules), err, errlen) < 0)
        return -1;
    if (nft_script(nc, rules, "install the NAT44 table", err, errlen) < 0)
        return -1;
    nc->nat44_owned = true;
    return 0;
}

int netconf_nat44_remove(struct netconf *nc, char *err, size_t errlen)
{
    if (nft_delete_table(nc, nc->table, "remove the NAT44 table", err, errlen) < 0)
        return -1;
    nc->nat44_owned = false;
    return 0;
}

/* Is there a line in text holding all of the needles? */
static bool line_with(const char *text, const char *const *needles)
{
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        bool all = true;
        for (size_t i = 0; needles[i] && all; i++) {
            size_t k = strlen(needles[i]);
            bool hit = false;
            for (size_t j = 0; j + k <= len && !hit; j++)
                hit = !memcmp(line + j, needles[i], k);
            all = hit;
        }
        if (all)
            return true;
        line = nl ? nl + 1 : NULL;
    }
    return false;
}

int netconf_nat44_check(struct netconf *nc, const struct addr_prefix4 *pool, const char *infra_if,
                        char *err, size_t errlen)
{
    char p[ADDR_STR4 + 4];
    if (pool_text(pool, p, sizeof(p), err, errlen) < 0)
        return -1;
    if (!valid_ifname(infra_if)) {
        textbuf_setf(err, errlen, "invalid infrastructure interface name '%.16s'",
                     infra_if ? infra_if : "(null)");
        return -1;
    }
    struct nft_result *res = malloc(sizeof(*res));
    if (!res) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    int rc = nft_list(nc, "table", nc->table, res, "list the NAT44 table", err, errlen);
    if (rc != 1)
        goto out;
    char saddr[48], oif[48];
    snprintf(saddr, sizeof(saddr), "ip saddr %s ", p);
    snprintf(oif, sizeof(oif), "oifname \"%s\" ", infra_if);
    const char *hook[] = {"type nat hook postrouting", NULL};
    const char *rule[] = {saddr, oif, "masquerade", NULL};
    if (!line_with(res->out, hook)) {
        textbuf_setf(err, errlen, "table inet %s has no nat postrouting chain", nc->table);
        rc = 0;
    } else if (!line_with(res->out, rule)) {
        textbuf_setf(err, errlen, "table inet %s does not masquerade %s leaving %s", nc->table, p,
                     infra_if);
        rc = 0;
    } else {
        rc = 1;
    }
out:
    free(res);
    return rc;
}

/* ---- forwarding policy ------------------------------------------------------------ */

static const char *const fw_names[NETCONF_FW_COUNTERS] = {
    "thread_hairpin",        "mesh_local_off_mesh",  "to_thread_not_established",
    "to_thread_spoofed_src", "to_thread_not_onmesh",
};

const char *netconf_fw_counter_name(enum netconf_fw_counter c)
{
    return (unsigned)c < NETCONF_FW_COUNTERS ? fw_names[c] : "?";
}

/* "a/len" (masked) into b. */
static void put_prefix(struct textbuf *b, const struct addr_prefix6 *p)
{
    uint8_t a[16];
    char s[ADDR_STR6];
    memcpy(a, p->addr, 16);
    mask_prefix(a, 16, p->len);
    textbuf_put(b, "%s/%u", addr_fmt6(a, s), p->len);
}

int netconf_fw_ruleset(const struct netconf *nc, const struct netconf_fw *fw, char *buf,
                       size_t buflen, char *err, size_t errlen)
{
    struct textbuf b;
    struct addr_prefix6 src[NETCONF_FW_PREFIXES + 1];
    const char *t = nc->fw_table, *w = fw->thread_if;
    unsigned nsrc = 0;

    if (!valid_ifname(w)) {
        textbuf_setf(err, errlen, "invalid Thread interface name '%.16s'", w);
        return -1;
    }
    if (fw->n_onmesh > NETCONF_FW_PREFIXES) {
        textbuf_setf(err, errlen, "more than %d on-mesh prefixes", NETCONF_FW_PREFIXES);
        return -1;
    }
    for (unsigned i = 0; i < fw->n_onmesh; i++) {
        if (fw->onmesh[i].len > 128) {
            textbuf_setf(err, errlen, "invalid on-mesh prefix length %u", fw->onmesh[i].len);
            return -1;
        }
        src[nsrc++] = fw->onmesh[i];
    }
    if (fw->has_ml) {
        memset(&src[nsrc], 0, sizeof(src[nsrc]));
        memcpy(src[nsrc].addr, fw->ml, 8);
        src[nsrc++].len = 64;
    }
    textbuf_init(&b, buf, buflen);
    /* create if missing, drop the rules (named counters stay), add them again */
    textbuf_put(&b, "table inet %s {}\nflush table inet %s\ntable inet %s {\n", t, t, t);
    for (int i = 0; i < NETCONF_FW_COUNTERS; i++)
        textbuf_put(&b, "\tcounter %s { }\n", fw_names[i]);
    textbuf_put(&b,
                "\tchain forward {\n"
                "\t\ttype filter hook forward priority filter; policy accept;\n"
                "\t\tiifname \"%s\" oifname \"%s\" meta pkttype host counter name \"%s\" drop\n",
                w, w, fw_names[NETCONF_FW_HAIRPIN]);
    if (fw->has_ml) {
        for (int dir = 0; dir < 2; dir++) {
            textbuf_put(&b, "\t\toifname != \"%s\" ip6 %s ", w, dir ? "daddr" : "saddr");
            put_prefix(&b, &src[nsrc - 1]);
            textbuf_put(&b, " counter name \"%s\" drop\n", fw_names[NETCONF_FW_MESH_LOCAL]);
        }
    }
    textbuf_put(&b,
                "\t\toifname \"%s\" meta nfproto ipv4 ct state established,related accept\n"
                "\t\toifname \"%s\" meta nfproto ipv4 counter name \"%s\" drop\n",
                w, w, fw_names[NETCONF_FW_NOT_ESTABLISHED]);
    /* one rule per prefix: prefixes may overlap, which an nft set refuses */
    for (unsigned i = 0; i < nsrc; i++) {
        textbuf_put(&b, "\t\toifname \"%s\" ip6 saddr ", w);
        put_prefix(&b, &src[i]);
        textbuf_put(&b, " counter name \"%s\" drop\n", fw_names[NETCONF_FW_SPOOFED_SRC]);
    }
    for (unsigned i = 0; i < fw->n_onmesh; i++) {
        textbuf_put(&b, "\t\toifname \"%s\" ip6 daddr ", w);
        put_prefix(&b, &fw->onmesh[i]);
        textbuf_put(&b, " accept\n");
    }
    textbuf_put(&b,
                "\t\toifname \"%s\" meta nfproto ipv6 meta pkttype host counter name \"%s\" drop\n"
                "\t}\n}\n",
                w, fw_names[NETCONF_FW_NOT_ONMESH]);
    if (b.n + 1 >= buflen) {
        textbuf_setf(err, errlen, "ruleset buffer too small");
        return -1;
    }
    return (int)b.n;
}

int netconf_fw_install(struct netconf *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    char rules[4096];
    if (netconf_fw_ruleset(nc, fw, rules, sizeof(rules), err, errlen) < 0)
        return -1;
    if (nft_script(nc, rules, "install the forwarding policy table", err, errlen) < 0)
        return -1;
    nc->fw_owned = true;
    return 0;
}

int netconf_fw_remove(struct netconf *nc, char *err, size_t errlen)
{
    if (nft_delete_table(nc, nc->fw_table, "remove the forwarding policy table", err, errlen) < 0)
        return -1;
    nc->fw_owned = false;
    return 0;
}

int netconf_fw_check(struct netconf *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    if (!valid_ifname(fw->thread_if)) {
        textbuf_setf(err, errlen, "invalid Thread interface name '%.16s'", fw->thread_if);
        return -1;
    }
    struct nft_result *res = malloc(sizeof(*res));
    if (!res) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    int rc =
        nft_list(nc, "table", nc->fw_table, res, "list the forwarding policy table", err, errlen);
    if (rc == 1) {
        char oif[48], hair[64], est[64];
        snprintf(oif, sizeof(oif), "oifname \"%s\" ", fw->thread_if);
        snprintf(hair, sizeof(hair), "counter name \"%s\" drop", fw_names[NETCONF_FW_HAIRPIN]);
        snprintf(est, sizeof(est), "counter name \"%s\" drop",
                 fw_names[NETCONF_FW_NOT_ESTABLISHED]);
        const char *hook[] = {"type filter hook forward", "policy accept", NULL};
        const char *r1[] = {oif, hair, NULL};
        const char *r2[] = {oif, "ct state established,related accept", NULL};
        const char *r3[] = {oif, est, NULL};
        const char *r4[] = {oif, "counter name \"to_thread_not_onmesh\" drop", NULL};
        const char *const *need[] = {hook, r1, r2, r3, r4};
        for (size_t i = 0; i < sizeof(need) / sizeof(need[0]) && rc == 1; i++) {
            if (!line_with(res->out, need[i])) {
                textbuf_setf(err, errlen, "table inet %s lacks the rule with '%s'", nc->fw_table,
                             need[i][1] ? need[i][1] : need[i][0]);
                rc = 0;
            }
        }
    }
    free(res);
    return rc;
}

int netconf_fw_counters(struct netconf *nc, struct netconf_fw_counters *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct nft_result *res = malloc(sizeof(*res));
    if (!res) {
        textbuf_setf(err, errlen, "out of memory");
        return -1;
    }
    int rc =
        nft_list(nc, "counters", nc->fw_table, res, "list the policy counters", err, errlen) == 1
            ? 0
            : -1;
    for (int i = 0; i < NETCONF_FW_COUNTERS && rc == 0; i++) {
        /* "counter NAME {" then "packets N bytes M" */
        char head[64];
        snprintf(head, sizeof(head), "counter %s {", fw_names[i]);
        const char *p = strstr(res->out, head);
        unsigned long long pk, by;
        if (!p || !(p = strstr(p, "packets ")) ||
            sscanf(p, "packets %llu bytes %llu", &pk, &by) != 2) {
            textbuf_setf(err, errlen, "table inet %s has no counter %s", nc->fw_table, fw_names[i]);
            rc = -1;
            break;
        }
        out->packets[i] = pk;
        out->bytes[i] = by;
    }
    free(res);
    return rc;
}

/* ---- accept_ra ---------------------------------------------------------------------- */

static int ra_path(const struct netconf *nc, const char *ifname, char *path, size_t len, char *err,
                   size_t errlen)
{
    if (!valid_ifname(ifname)) {
        textbuf_setf(err, errlen, "invalid interface name '%.16s'", ifname ? ifname : "(null)");
        return -1;
    }
    snprintf(path, len, "%s/net/ipv6/conf/%s/accept_ra", nc->proc_sys, ifname);
    return 0;
}

int netconf_accept_ra_get(struct netconf *nc, const char *ifname, int *value, char *err,
                          size_t errlen)
{
    char path[320];
    if (ra_path(nc, ifname, path, sizeof(path), err, errlen) < 0)
        return -1;
    return sysctl_read(path, "accept_ra", value, err, errlen);
}

int netconf_accept_ra_set(struct netconf *nc, const char *ifname, int value, char *err,
                          size_t errlen)
{
    char path[320], name[48];
    int cur;
    if (ra_path(nc, ifname, path, sizeof(path), err, errlen) < 0)
        return -1;
    snprintf(name, sizeof(name), "net.ipv6.conf.%s.accept_ra", ifname);
    if (sysctl_read(path, name, &cur, err, errlen) < 0)
        return -1;
    if (cur == value)
        return 0;
    if (sysctl_write(path, name, value, err, errlen) < 0)
        return -1;
    if (!nc->ra.changed || strcmp(nc->ra_if, ifname) != 0) {
        nc->ra.changed = true;
        nc->ra.old = cur;
        snprintf(nc->ra_if, sizeof(nc->ra_if), "%s", ifname);
    }
    nc->ra_set = value;
    return 0;
}

/* Writes the saved accept_ra back when it still holds what was set. */
static int accept_ra_restore(struct netconf *nc, char *err, size_t errlen)
{
    char path[320];
    int cur;
    if (!nc->ra.changed)
        return 0;
    nc->ra.changed = false;
    if (ra_path(nc, nc->ra_if, path, sizeof(path), err, errlen) < 0 ||
        sysctl_read(path, "accept_ra", &cur, err, errlen) < 0)
        return -1;
    if (cur == nc->ra_set && sysctl_write(path, "accept_ra", nc->ra.old, err, errlen) < 0)
        return -1;
    return 0;
}

/* ---- cleanup ----------------------------------------------------------------------- */

int netconf_cleanup(struct netconf *nc, char *err, size_t errlen)
{
    int rc = 0;
    char e1[NETCONF_ERR_MAX];
    if (nc->nat44_owned && netconf_nat44_remove(nc, e1, sizeof(e1)) < 0) {
        if (rc == 0)
            textbuf_setf(err, errlen, "%s", e1);
        rc = -1;
        nc->nat44_owned = false; /* do not try again and again */
    }
    while (nc->nroutes > 0) {
        struct netconf_route r = nc->routes[nc->nroutes - 1];
        if (netconf_route_del(nc, &r, e1, sizeof(e1)) < 0) {
            if (rc == 0)
                textbuf_setf(err, errlen, "%s", e1);
            rc = -1;
            forget(nc, &r);
        }
    }
    if (netconf_forwarding_restore(nc, e1, sizeof(e1)) < 0) {
        if (rc == 0)
            textbuf_setf(err, errlen, "%s", e1);
        rc = -1;
        nc->fwd4.changed = nc->fwd6.changed = false;
    }
    if (accept_ra_restore(nc, e1, sizeof(e1)) < 0) {
        if (rc == 0)
            textbuf_setf(err, errlen, "%s", e1);
        rc = -1;
    }
    /* the policy last: forwarding was on no moment without it */
    if (nc->fw_owned && netconf_fw_remove(nc, e1, sizeof(e1)) < 0) {
        if (rc == 0)
            textbuf_setf(err, errlen, "%s", e1);
        rc = -1;
        nc->fw_owned = false;
    }
    return rc;
}

/* ---- ops table ------------------------------------------------------------------ */

static int ops_forwarding_enable(void *nc, unsigned mask, char *err, size_t errlen)
{
    return netconf_forwarding_enable(nc, mask, err, errlen);
}

static int ops_route_add(void *nc, const struct netconf_route *r, bool replace, char *err,
                         size_t errlen)
{
    return netconf_route_add(nc, r, replace, err, errlen);
}

static int ops_route_del(void *nc, const struct netconf_route *r, char *err, size_t errlen)
{
    return netconf_route_del(nc, r, err, errlen);
}

static int ops_nat44_install(void *nc, const struct addr_prefix4 *pool, const char *infra_if,
                             char *err, size_t errlen)
{
    return netconf_nat44_install(nc, pool, infra_if, err, errlen);
}

static int ops_nat44_remove(void *nc, char *err, size_t errlen)
{
    return netconf_nat44_remove(nc, err, errlen);
}

static int ops_nat44_check(void *nc, const struct addr_prefix4 *pool, const char *infra_if,
                           char *err, size_t errlen)
{
    return netconf_nat44_check(nc, pool, infra_if, err, errlen);
}

static int ops_cleanup(void *nc, char *err, size_t errlen)
{
    return netconf_cleanup(nc, err, errlen);
}

static int ops_fw_install(void *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    return netconf_fw_install(nc, fw, err, errlen);
}

static int ops_fw_check(void *nc, const struct netconf_fw *fw, char *err, size_t errlen)
{
    return netconf_fw_check(nc, fw, err, errlen);
}

static int ops_fw_counters(void *nc, struct netconf_fw_counters *out, char *err, size_t errlen)
{
    return netconf_fw_counters(nc, out, err, errlen);
}

static int ops_accept_ra_set(void *nc, const char *ifname, int value, char *err, size_t errlen)
{
    return netconf_accept_ra_set(nc, ifname, value, err, errlen);
}

const struct netconf_ops netconf_linux_ops = {
    .forwarding_enable = ops_forwarding_enable,
    .route_add = ops_route_add,
    .route_del = ops_route_del,
    .nat44_install = ops_nat44_install,
    .nat44_remove = ops_nat44_remove,
    .nat44_check = ops_nat44_check,
    .cleanup = ops_cleanup,
    .fw_install = ops_fw_install,
    .fw_check = ops_fw_check,
    .fw_counters = ops_fw_counters,
    .accept_ra_set = ops_accept_ra_set,
};
