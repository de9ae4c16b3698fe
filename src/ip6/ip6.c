/*
 * IPv6 node layer for Thread devices. See ip6.h for the contracts.
 *
 * Behaviour follows RFC 8200 (header, extension headers, options), RFC 4443
 * (ICMPv6 echo and errors), RFC 6724 (source selection subset), RFC 7731
 * (MPL option) and OpenThread's observable behaviour (ping, echo replies,
 * which addresses and groups a Thread node has).
 */
#include "ip6/ip6.h"

#include <inttypes.h>
#include <string.h>

#include "ip6/mpl.h"
#include "util/addr.h"
#include "util/csum.h"
#include "util/rd.h"

#define ICMP_ERR_INTERVAL_MS 100 /* at most one ICMPv6 error per 100 ms */
#define ICMP_ERR_PAYLOAD_MAX (IP6_MTU - IP6_HDR_LEN - 8)

/* ---- Names ----------------------------------------------------------- */

const char *ip6_err_str(enum ip6_err e)
{
    static const char *const names[] = {
        [IP6_OK] = "ok",
        [IP6_ERR_INVAL] = "invalid argument",
        [IP6_ERR_FULL] = "table full",
        [IP6_ERR_EXISTS] = "already exists",
        [IP6_ERR_NOT_FOUND] = "not found",
        [IP6_ERR_NO_SOURCE] = "no source address",
        [IP6_ERR_TOO_BIG] = "too big",
        [IP6_ERR_BUSY] = "busy",
        [IP6_ERR_NO_SEND] = "no send callback",
    };
    if ((unsigned)e >= sizeof(names) / sizeof(names[0]) || !names[e])
        return "?";
    return names[e];
}

const char *ip6_addr_kind_str(enum ip6_addr_kind k)
{
    static const char *const names[IP6_ADDR__COUNT] = {
        [IP6_ADDR_LINK_LOCAL] = "link-local",
        [IP6_ADDR_ML_EID] = "ml-eid",
        [IP6_ADDR_RLOC] = "rloc",
        [IP6_ADDR_ALOC] = "aloc",
        [IP6_ADDR_SLAAC] = "slaac",
        [IP6_ADDR_OMR] = "omr",
        [IP6_ADDR_OTHER] = "other",
    };
    if ((unsigned)k >= IP6_ADDR__COUNT)
        return "?";
    return names[k];
}

const char *ip6_drop_str(enum ip6_drop d)
{
    static const char *const names[IP6_DROP__COUNT] = {
        [IP6_DROP_TRUNCATED] = "truncated",
        [IP6_DROP_VERSION] = "version",
        [IP6_DROP_PAYLOAD_LEN] = "payload_len",
        [IP6_DROP_BAD_SRC] = "bad_src",
        [IP6_DROP_BAD_DST] = "bad_dst",
        [IP6_DROP_LOOPED] = "looped",
        [IP6_DROP_HOP_LIMIT] = "hop_limit",
        [IP6_DROP_EXT_CHAIN] = "ext_chain",
        [IP6_DROP_EXT_TRUNCATED] = "ext_truncated",
        [IP6_DROP_OPT_MALFORMED] = "opt_malformed",
        [IP6_DROP_OPT_UNKNOWN] = "opt_unknown",
        [IP6_DROP_MPL] = "mpl",
        [IP6_DROP_ROUTING_HDR] = "routing_hdr",
        [IP6_DROP_FRAGMENT] = "fragment",
        [IP6_DROP_NO_NEXT_HEADER] = "no_next_header",
        [IP6_DROP_UNKNOWN_PROTO] = "unknown_proto",
        [IP6_DROP_MCAST_NOT_MEMBER] = "mcast_not_member",
        [IP6_DROP_ICMP_TRUNCATED] = "icmp_truncated",
        [IP6_DROP_ICMP_CHECKSUM] = "icmp_checksum",
        [IP6_DROP_ICMP_TYPE] = "icmp_type",
        [IP6_DROP_ECHO_UNMATCHED] = "echo_unmatched",
        [IP6_DROP_ECHO_SRC] = "echo_src",
        [IP6_DROP_UDP_TRUNCATED] = "udp_truncated",
        [IP6_DROP_UDP_CHECKSUM] = "udp_checksum",
        [IP6_DROP_UDP_ZERO_CSUM] = "udp_zero_checksum",
        [IP6_DROP_UDP_NO_SOCKET] = "udp_no_socket",
        [IP6_DROP_UDP_UNSECURED] = "udp_unsecured",
        [IP6_DROP_LL_NOT_MINE] = "ll_not_mine",
        [IP6_DROP_REPLY_FAILED] = "reply_failed",
    };
    if ((unsigned)d >= IP6_DROP__COUNT || !names[d])
        return "?";
    return names[d];
}

/* ---- Address helpers ------------------------------------------------- */

static const uint8_t unspec6[16];

static bool is_mcast(const uint8_t a[16])
{
    return a[0] == 0xff;
}

static bool is_unspec(const uint8_t a[16])
{
    return memcmp(a, unspec6, 16) == 0;
}

static bool is_loopback(const uint8_t a[16])
{
    return memcmp(a, unspec6, 15) == 0 && a[15] == 1;
}

/* fe80::/10 (RFC 4291 §2.5.6). */
static bool is_link_local(const uint8_t a[16])
{
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool is_ml_kind(uint8_t kind)
{
    return kind == IP6_ADDR_ML_EID || kind == IP6_ADDR_RLOC || kind == IP6_ADDR_ALOC;
}

static void mcast_from(uint8_t out[16], uint8_t scope, uint8_t last)
{
    memset(out, 0, 16);
    out[0] = 0xff;
    out[1] = scope;
    out[15] = last;
}

void ip6_link_local_from_ext(const uint8_t ext[8], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    memcpy(out + 8, ext, 8);
    out[8] ^= 0x02; /* RFC 4944 §6 / RFC 4291 App. A: invert the U/L bit */
}

void ip6_locator(const uint8_t ml_prefix[8], uint16_t loc16, uint8_t out[16])
{
    memcpy(out, ml_prefix, 8);
    out[8] = 0x00;
    out[9] = 0x00;
    out[10] = 0x00;
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = 0x00;
    be16_put(out + 14, loc16);
}

bool ip6_iid_is_locator(const uint8_t addr[16], uint16_t *loc16)
{
    static const uint8_t pat[6] = {0x00, 0x00, 0x00, 0xff, 0xfe, 0x00};
    if (memcmp(addr + 8, pat, 6) != 0)
        return false;
    if (loc16)
        *loc16 = be16_get(addr + 14);
    return true;
}

/* RFC 3306 §4: ff3s:00PL:<prefix 64>:<group id 32>; flags P=1 T=1, plen 0x40. */
void ip6_all_thread_nodes(const uint8_t ml_prefix[8], uint8_t scope, uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xff;
    out[1] = (uint8_t)(0x30 | (scope & 0x0f));
    out[2] = 0x00;
    out[3] = 0x40;
    memcpy(out + 4, ml_prefix, 8);
    out[15] = 0x01;
}

static bool in_ml(const struct ip6 *ip, const uint8_t a[16])
{
    return ip->has_ml && memcmp(a, ip->ml_prefix, 8) == 0;
}

uint8_t ip6_addr_scope(const struct ip6 *ip, const uint8_t a[16])
{
    if (is_mcast(a))
        return a[1] & 0x0f;
    if (is_link_local(a))
        return IP6_SCOPE_LINK;
    if (is_loopback(a))
        return 1;
    if (in_ml(ip, a))
        return IP6_SCOPE_REALM;
    return IP6_SCOPE_GLOBAL;
}

static uint8_t uaddr_scope(const struct ip6 *ip, const struct ip6_uaddr *u)
{
    if (u->kind == IP6_ADDR_LINK_LOCAL)
        return IP6_SCOPE_LINK;
    if (is_ml_kind(u->kind))
        return IP6_SCOPE_REALM;
    return ip6_addr_scope(ip, u->addr);
}

/* Length of the common prefix of a and b, in bits. */
static unsigned common_prefix(const uint8_t a[16], const uint8_t b[16])
{
    unsigned n = 0;
    for (unsigned i = 0; i < 16; i++) {
        uint8_t x = a[i] ^ b[i];
        if (!x) {
            n += 8;
            continue;
        }
        while (!(x & 0x80)) {
            x = (uint8_t)(x << 1);
            n++;
        }
        break;
    }
    return n;
}

/* ---- Address table --------------------------------------------------- */

void ip6_init(struct ip6 *ip, const struct ip6_ops *ops, void *ops_ctx)
{
    uint8_t g[16];
    memset(ip, 0, sizeof(*ip));
    ip->ops = ops;
    ip->ops_ctx = ops_ctx;
    ip->echo_seq = 1;
    ip->ping.stats.min_rtt_ms = 0xffff;
    /* thread-sim-interop.md §3.6: every Thread node listens to these. */
    mcast_from(g, 0x02, 0x01); /* ff02::1 all nodes, link */
    ip6_subscribe(ip, g);
    mcast_from(g, 0x03, 0x01); /* ff03::1 all nodes, realm */
    ip6_subscribe(ip, g);
    mcast_from(g, 0x03, 0xfc); /* ff03::fc all MPL forwarders (RFC 7731 §12) */
    ip6_subscribe(ip, g);
}

static int addr_index(const struct ip6 *ip, const uint8_t a[16])
{
    for (unsigned i = 0; i < ip->n_addrs; i++)
        if (memcmp(ip->addrs[i].addr, a, 16) == 0)
            return (int)i;
    return -1;
}

enum ip6_err ip6_addr_add(struct ip6 *ip, const struct ip6_uaddr *a)
{
    if (!a || a->kind >= IP6_ADDR__COUNT || a->prefix_len > 128 || is_mcast(a->addr) ||
        is_unspec(a->addr))
        return IP6_ERR_INVAL;
    int i = addr_index(ip, a->addr);
    if (i >= 0) {
        ip->addrs[i] = *a;
        return IP6_ERR_EXISTS;
    }
    if (ip->n_addrs >= IP6_MAX_ADDRS)
        return IP6_ERR_FULL;
    ip->addrs[ip->n_addrs++] = *a;
    return IP6_OK;
}

enum ip6_err ip6_addr_remove(struct ip6 *ip, const uint8_t addr[16])
{
    int i = addr_index(ip, addr);
    if (i < 0)
        return IP6_ERR_NOT_FOUND;
    memmove(&ip->addrs[i], &ip->addrs[i + 1],
            (ip->n_addrs - (unsigned)i - 1) * sizeof(ip->addrs[0]));
    ip->n_addrs--;
    return IP6_OK;
}

static void remove_kind(struct ip6 *ip, enum ip6_addr_kind k)
{
    for (unsigned i = ip->n_addrs; i-- > 0;)
        if (ip->addrs[i].kind == k)
            ip6_addr_remove(ip, ip->addrs[i].addr);
}

static enum ip6_err add_derived(struct ip6 *ip, const uint8_t a[16], enum ip6_addr_kind k)
{
    struct ip6_uaddr u;
    memset(&u, 0, sizeof(u));
    memcpy(u.addr, a, 16);
    u.prefix_len = 64;
    u.kind = (uint8_t)k;
    u.preferred = true;
    u.valid = true;
    enum ip6_err e = ip6_addr_add(ip, &u);
    return e == IP6_ERR_EXISTS ? IP6_OK : e;
}

enum ip6_err ip6_set_ext_addr(struct ip6 *ip, const uint8_t ext[8])
{
    uint8_t ll[16];
    remove_kind(ip, IP6_ADDR_LINK_LOCAL);
    memcpy(ip->ext_addr, ext, 8);
    ip->has_ext = true;
    ip6_link_local_from_ext(ext, ll);
    return add_derived(ip, ll, IP6_ADDR_LINK_LOCAL);
}

enum ip6_err ip6_set_ml_prefix(struct ip6 *ip, const uint8_t prefix[8])
{
    uint16_t alocs[IP6_MAX_ADDRS];
    unsigned n_alocs = 0;
    uint8_t a[16];
    enum ip6_err e = IP6_OK, e2;

    for (unsigned i = 0; i < ip->n_addrs; i++) {
        uint16_t loc;
        if (ip->addrs[i].kind == IP6_ADDR_ALOC && ip6_iid_is_locator(ip->addrs[i].addr, &loc))
            alocs[n_alocs++] = loc;
    }
    remove_kind(ip, IP6_ADDR_ML_EID);
    remove_kind(ip, IP6_ADDR_RLOC);
    remove_kind(ip, IP6_ADDR_ALOC);
    if (ip->has_ml) {
        ip6_all_thread_nodes(ip->ml_prefix, 0x02, a);
        ip6_unsubscribe(ip, a);
        ip6_all_thread_nodes(ip->ml_prefix, 0x03, a);
        ip6_unsubscribe(ip, a);
    }
    memcpy(ip->ml_prefix, prefix, 8);
    ip->has_ml = true;

    if (ip->has_rloc) {
        ip6_locator(prefix, ip->rloc16, a);
        e = add_derived(ip, a, IP6_ADDR_RLOC);
    }
    if (ip->has_ml_iid) {
        memcpy(a, prefix, 8);
        memcpy(a + 8, ip->ml_iid, 8);
        if ((e2 = add_derived(ip, a, IP6_ADDR_ML_EID)) != IP6_OK)
            e = e2;
    }
    for (unsigned i = 0; i < n_alocs; i++) {
        ip6_locator(prefix, alocs[i], a);
        if ((e2 = add_derived(ip, a, IP6_ADDR_ALOC)) != IP6_OK)
            e = e2;
    }
    ip6_all_thread_nodes(prefix, 0x02, a);
    if ((e2 = ip6_subscribe(ip, a)) != IP6_OK && e2 != IP6_ERR_EXISTS)
        e = e2;
    ip6_all_thread_nodes(prefix, 0x03, a);
    if ((e2 = ip6_subscribe(ip, a)) != IP6_OK && e2 != IP6_ERR_EXISTS)
        e = e2;
    return e;
}

enum ip6_err ip6_set_ml_iid(struct ip6 *ip, const uint8_t iid[8])
{
    uint8_t a[16];
    remove_kind(ip, IP6_ADDR_ML_EID);
    memcpy(ip->ml_iid, iid, 8);
    ip->has_ml_iid = true;
    if (!ip->has_ml)
        return IP6_OK;
    memcpy(a, ip->ml_prefix, 8);
    memcpy(a + 8, iid, 8);
    return add_derived(ip, a, IP6_ADDR_ML_EID);
}

enum ip6_err ip6_set_rloc16(struct ip6 *ip, uint16_t rloc16)
{
    uint8_t a[16];
    remove_kind(ip, IP6_ADDR_RLOC);
    ip->rloc16 = rloc16;
    ip->has_rloc = true;
    if (!ip->has_ml)
        return IP6_OK;
    ip6_locator(ip->ml_prefix, rloc16, a);
    return add_derived(ip, a, IP6_ADDR_RLOC);
}

void ip6_clear_rloc16(struct ip6 *ip)
{
    remove_kind(ip, IP6_ADDR_RLOC);
    ip->has_rloc = false;
}

enum ip6_err ip6_set_router(struct ip6 *ip, bool router)
{
    uint8_t g2[16], g3[16];
    mcast_from(g2, 0x02, 0x02); /* ff02::2 all routers, link */
    mcast_from(g3, 0x03, 0x02); /* ff03::2 all routers, realm */
    ip->router = router;
    if (!router) {
        ip6_unsubscribe(ip, g2);
        ip6_unsubscribe(ip, g3);
        return IP6_OK;
    }
    enum ip6_err e = ip6_subscribe(ip, g2);
    if (e != IP6_OK && e != IP6_ERR_EXISTS)
        return e;
    e = ip6_subscribe(ip, g3);
    return e == IP6_ERR_EXISTS ? IP6_OK : e;
}

enum ip6_err ip6_add_aloc(struct ip6 *ip, uint16_t aloc16)
{
    uint8_t a[16];
    if ((aloc16 & 0xff00) != 0xfc00 || !ip->has_ml)
        return IP6_ERR_INVAL;
    ip6_locator(ip->ml_prefix, aloc16, a);
    struct ip6_uaddr u;
    memset(&u, 0, sizeof(u));
    memcpy(u.addr, a, 16);
    u.prefix_len = 64;
    u.kind = IP6_ADDR_ALOC;
    u.preferred = true;
    u.valid = true;
    return ip6_addr_add(ip, &u);
}

enum ip6_err ip6_remove_aloc(struct ip6 *ip, uint16_t aloc16)
{
    uint8_t a[16];
    if (!ip->has_ml)
        return IP6_ERR_NOT_FOUND;
    ip6_locator(ip->ml_prefix, aloc16, a);
    int i = addr_index(ip, a);
    if (i < 0 || ip->addrs[i].kind != IP6_ADDR_ALOC)
        return IP6_ERR_NOT_FOUND;
    return ip6_addr_remove(ip, a);
}

void ip6_set_nat64_prefix(struct ip6 *ip, const uint8_t *prefix, uint8_t len)
{
    if (!prefix || len > 128) {
        ip->has_nat64 = false;
        return;
    }
    memset(ip->nat64_prefix, 0, 16);
    memcpy(ip->nat64_prefix, prefix, (len + 7u) / 8u);
    addr_mask(ip->nat64_prefix, 16, len);
    ip->nat64_len = len;
    ip->has_nat64 = true;
}

enum ip6_err ip6_add_slaac(struct ip6 *ip, const uint8_t prefix[8], const uint8_t *iid,
                           enum ip6_addr_kind kind, uint8_t out[16])
{
    uint8_t a[16];
    if (kind != IP6_ADDR_SLAAC && kind != IP6_ADDR_OMR)
        return IP6_ERR_INVAL;
    memcpy(a, prefix, 8);
    if (iid) {
        memcpy(a + 8, iid, 8);
    } else {
        if (!ip->has_ext)
            return IP6_ERR_INVAL;
        memcpy(a + 8, ip->ext_addr, 8);
        a[8] ^= 0x02; /* modified EUI-64 (RFC 4291 App. A) */
    }
    if (out)
        memcpy(out, a, 16);
    return add_derived(ip, a, kind);
}

unsigned ip6_addr_count(const struct ip6 *ip)
{
    return ip->n_addrs;
}

const struct ip6_uaddr *ip6_addr_at(const struct ip6 *ip, unsigned i)
{
    return i < ip->n_addrs ? &ip->addrs[i] : NULL;
}

const struct ip6_uaddr *ip6_addr_find(const struct ip6 *ip, const uint8_t addr[16])
{
    int i = addr_index(ip, addr);
    return i < 0 ? NULL : &ip->addrs[i];
}

const struct ip6_uaddr *ip6_addr_of_kind(const struct ip6 *ip, enum ip6_addr_kind k)
{
    for (unsigned i = 0; i < ip->n_addrs; i++)
        if (ip->addrs[i].kind == k)
            return &ip->addrs[i];
    return NULL;
}

static int mcast_index(const struct ip6 *ip, const uint8_t g[16])
{
    for (unsigned i = 0; i < ip->n_mcast; i++)
        if (memcmp(ip->mcast[i], g, 16) == 0)
            return (int)i;
    return -1;
}

enum ip6_err ip6_subscribe(struct ip6 *ip, const uint8_t group[16])
{
    if (!is_mcast(group))
        return IP6_ERR_INVAL;
    if (mcast_index(ip, group) >= 0)
        return IP6_ERR_EXISTS;
    if (ip->n_mcast >= IP6_MAX_MCAST)
        return IP6_ERR_FULL;
    memcpy(ip->mcast[ip->n_mcast++], group, 16);
    return IP6_OK;
}

enum ip6_err ip6_unsubscribe(struct ip6 *ip, const uint8_t group[16])
{
    int i = mcast_index(ip, group);
    if (i < 0)
        return IP6_ERR_NOT_FOUND;
    memmove(ip->mcast[i], ip->mcast[i + 1], (ip->n_mcast - (unsigned)i - 1) * 16);
    ip->n_mcast--;
    return IP6_OK;
}

bool ip6_is_subscribed(const struct ip6 *ip, const uint8_t group[16])
{
    return mcast_index(ip, group) >= 0;
}

unsigned ip6_mcast_count(const struct ip6 *ip)
{
    return ip->n_mcast;
}

const uint8_t *ip6_mcast_at(const struct ip6 *ip, unsigned i)
{
    return i < ip->n_mcast ? ip->mcast[i] : NULL;
}

static bool has_unicast(const struct ip6 *ip, const uint8_t a[16])
{
    int i = addr_index(ip, a);
    return i >= 0 && ip->addrs[i].valid;
}

bool ip6_is_mine(const struct ip6 *ip, const uint8_t addr[16])
{
    return is_mcast(addr) ? ip6_is_subscribed(ip, addr) : has_unicast(ip, addr);
}

/* ---- Source selection (RFC 6724 §5) ---------------------------------- */

/* OpenThread's tie-breaker after rule 8: an RLOC source for a locator
 * (RLOC/ALOC) destination, a non-RLOC (ML-EID first) for anything else.
 * Returns >0 when a is better than b. */
static int thread_rule(const struct ip6 *ip, const uint8_t dst[16], const struct ip6_uaddr *a,
                       const struct ip6_uaddr *b)
{
    bool want_rloc = in_ml(ip, dst) && ip6_iid_is_locator(dst, NULL);
    return ((a->kind == IP6_ADDR_RLOC) == want_rloc) - ((b->kind == IP6_ADDR_RLOC) == want_rloc);
}

const struct ip6_uaddr *ip6_select_source(const struct ip6 *ip, const uint8_t dst[16])
{
    const struct ip6_uaddr *best = NULL;
    unsigned best_match = 0;
    uint8_t dscope = ip6_addr_scope(ip, dst);
    bool nat64 =
        ip->has_nat64 && !is_mcast(dst) && addr_prefix_match(dst, ip->nat64_prefix, ip->nat64_len);

    for (unsigned i = 0; i < ip->n_addrs; i++) {
        const struct ip6_uaddr *a = &ip->addrs[i];
        if (!a->valid || a->kind == IP6_ADDR_ALOC)
            continue; /* anycast is never a source (RFC 4291 §2.6 history; OT) */
        uint8_t ascope = uaddr_scope(ip, a);
        if (nat64 && ascope <= IP6_SCOPE_REALM)
            continue; /* OT's BR drops mesh-local sources towards NAT64 */
        if (memcmp(a->addr, dst, 16) == 0)
            return a; /* rule 1 */
        unsigned match = common_prefix(a->addr, dst);
        if (match > a->prefix_len)
            match = a->prefix_len;
        bool take;
        if (!best) {
            take = true;
        } else {
            uint8_t bscope = uaddr_scope(ip, best);
            if (ascope < bscope)
                take = ascope >= dscope; /* rule 2 */
            else if (ascope > bscope)
                take = bscope < dscope;
            else if (a->preferred != best->preferred)
                take = a->preferred; /* rule 3 */
            else if (match != best_match)
                take = match > best_match; /* rule 8 */
            else
                take = thread_rule(ip, dst, a, best) > 0;
        }
        if (take) {
            best = a;
            best_match = match;
        }
    }
    return best;
}

/* ---- Output ---------------------------------------------------------- */

static void put_ip6_hdr(uint8_t *p, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
                        uint16_t plen, uint8_t hop)
{
    p[0] = 0x60;
    p[1] = p[2] = p[3] = 0;
    be16_put(p + 4, plen);
    p[6] = nh;
    p[7] = hop;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
}

/* Fills the checksum at l4[csum_off] over the pseudo-header and l4[0..n). */
static void fill_l4_csum(uint8_t *pkt, uint8_t proto, size_t n, size_t csum_off, bool udp)
{
    uint8_t *l4 = pkt + IP6_HDR_LEN;
    l4[csum_off] = l4[csum_off + 1] = 0;
    uint32_t s = csum_pseudo6(pkt + 8, pkt + 24, proto, (uint32_t)n);
    uint16_t c = csum_finish(csum_add(s, l4, n));
    if (udp && c == 0)
        c = 0xffff; /* RFC 768 / RFC 8200 §8.1: zero is transmitted as all ones */
    be16_put(l4 + csum_off, c);
}

static enum ip6_err pick_src(const struct ip6 *ip, const uint8_t *src, const uint8_t dst[16],
                             const uint8_t **out)
{
    if (src) {
        if (is_mcast(src))
            return IP6_ERR_INVAL;
        *out = src;
        return IP6_OK;
    }
    const struct ip6_uaddr *u = ip6_select_source(ip, dst);
    if (!u)
        return IP6_ERR_NO_SOURCE;
    *out = u->addr;
    return IP6_OK;
}

enum ip6_err ip6_build_udp(const struct ip6 *ip, const uint8_t *src, const uint8_t dst[16],
                           uint16_t sport, uint16_t dport, const void *payload, size_t len,
                           uint8_t hop_limit, uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t *s;
    if (!dst || !out || is_unspec(dst) || dport == 0 || (len && !payload))
        return IP6_ERR_INVAL;
    if (len > 0xffff - IP6_UDP_HDR_LEN || cap < IP6_HDR_LEN + IP6_UDP_HDR_LEN + len)
        return IP6_ERR_TOO_BIG;
    enum ip6_err e = pick_src(ip, src, dst, &s);
    if (e != IP6_OK)
        return e;
    size_t n = IP6_UDP_HDR_LEN + len;
    put_ip6_hdr(out, s, dst, IP6_PROTO_UDP, (uint16_t)n, hop_limit ? hop_limit : 64);
    uint8_t *u = out + IP6_HDR_LEN;
    be16_put(u, sport);
    be16_put(u + 2, dport);
    be16_put(u + 4, (uint16_t)n);
    if (len)
        memmove(u + 8, payload, len);
    fill_l4_csum(out, IP6_PROTO_UDP, n, 6, true);
    if (out_len)
        *out_len = IP6_HDR_LEN + n;
    return IP6_OK;
}

enum ip6_err ip6_build_echo(const struct ip6 *ip, const uint8_t *src, const uint8_t dst[16],
                            uint8_t type, uint16_t id, uint16_t seq, const void *data, size_t len,
                            uint8_t hop_limit, uint8_t *out, size_t cap, size_t *out_len)
{
    const uint8_t *s;
    if (!dst || !out || is_unspec(dst) || (len && !data) ||
        (type != IP6_ICMP_ECHO_REQUEST && type != IP6_ICMP_ECHO_REPLY))
        return IP6_ERR_INVAL;
    if (len > 0xffff - IP6_ICMP_HDR_LEN || cap < IP6_HDR_LEN + IP6_ICMP_HDR_LEN + len)
        return IP6_ERR_TOO_BIG;
    enum ip6_err e = pick_src(ip, src, dst, &s);
    if (e != IP6_OK)
        return e;
    size_t n = IP6_ICMP_HDR_LEN + len;
    put_ip6_hdr(out, s, dst, IP6_PROTO_ICMP6, (uint16_t)n, hop_limit);
    uint8_t *c = out + IP6_HDR_LEN;
    c[0] = type;
    c[1] = 0;
    be16_put(c + 4, id);
    be16_put(c + 6, seq);
    if (len)
        memmove(c + 8, data, len);
    fill_l4_csum(out, IP6_PROTO_ICMP6, n, 2, false);
    if (out_len)
        *out_len = IP6_HDR_LEN + n;
    return IP6_OK;
}

/* Hands ip->tx[0..len) to ops->send. */
static void tx_send(struct ip6 *ip, size_t len)
{
    ip->cnt.tx_packets++;
    ip->ops->send(ip->ops_ctx, ip->tx, len);
}

static enum ip6_err tx_claim(struct ip6 *ip)
{
    if (!ip->ops || !ip->ops->send)
        return IP6_ERR_NO_SEND;
    if (ip->tx_busy)
        return IP6_ERR_BUSY;
    ip->tx_busy = true;
    return IP6_OK;
}

enum ip6_err ip6_send_udp(struct ip6 *ip, const uint8_t *src, const uint8_t dst[16], uint16_t sport,
                          uint16_t dport, const void *payload, size_t len, uint8_t hop_limit)
{
    size_t n;
    enum ip6_err e = tx_claim(ip);
    if (e != IP6_OK)
        return e;
    e = ip6_build_udp(ip, src, dst, sport, dport, payload, len, hop_limit, ip->tx, sizeof(ip->tx),
                      &n);
    if (e == IP6_OK)
        tx_send(ip, n);
    ip->tx_busy = false;
    return e;
}

enum ip6_err ip6_send_echo(struct ip6 *ip, const uint8_t *src, const uint8_t dst[16], uint16_t id,
                           const void *data, size_t len, uint8_t hop_limit, uint16_t *seq)
{
    size_t n;
    enum ip6_err e = tx_claim(ip);
    if (e != IP6_OK)
        return e;
    uint16_t sq = ip->echo_seq;
    e = ip6_build_echo(ip, src, dst, IP6_ICMP_ECHO_REQUEST, id, sq, data, len, hop_limit, ip->tx,
                       sizeof(ip->tx), &n);
    if (e == IP6_OK) {
        ip->echo_seq++;
        if (seq)
            *seq = sq;
        tx_send(ip, n);
    }
    ip->tx_busy = false;
    return e;
}

/*
 * ICMPv6 error (RFC 4443 §2.4, §3) about pkt[0..len): as much of the invoking
 * packet as fits in the minimum MTU. Not sent for unspecified/multicast
 * sources, for multicast destinations unless mcast_ok (§2.4(e.3) exceptions),
 * in answer to ICMPv6 errors, or faster than the rate limit (§2.4(f)).
 */
static bool ends_in_icmp_error(const uint8_t *p, size_t end, uint8_t nh, size_t off);

static void send_icmp_error_to(struct ip6 *ip, const uint8_t *to, uint8_t type, uint8_t code,
                               uint32_t param, const uint8_t *pkt, size_t len, bool mcast_ok,
                               bool icmp_error, uint64_t now_ms)
{
    const uint8_t *src = to ? to : pkt + 8, *dst = pkt + 24, *from;
    size_t n;
    if (icmp_error || is_unspec(src) || is_mcast(src) || (is_mcast(dst) && !mcast_ok))
        return;
    if (ip->err_sent && now_ms - ip->last_err_ms < ICMP_ERR_INTERVAL_MS)
        return;
    if (!is_mcast(dst) && has_unicast(ip, dst)) {
        from = dst;
    } else {
        const struct ip6_uaddr *u = ip6_select_source(ip, src);
        if (!u)
            return;
        from = u->addr;
    }
    if (tx_claim(ip) != IP6_OK)
        return;
    if (len > ICMP_ERR_PAYLOAD_MAX)
        len = ICMP_ERR_PAYLOAD_MAX;
    n = 8 + len;
    put_ip6_hdr(ip->tx, from, src, IP6_PROTO_ICMP6, (uint16_t)n, 64);
    uint8_t *c = ip->tx + IP6_HDR_LEN;
    c[0] = type;
    c[1] = code;
    be32_put(c + 4, param);
    memcpy(c + 8, pkt, len);
    fill_l4_csum(ip->tx, IP6_PROTO_ICMP6, n, 2, false);
    ip->err_sent = true;
    ip->last_err_ms = now_ms;
    if (type == IP6_ICMP_PARAM_PROBLEM)
        ip->cnt.tx_param_problems++;
    if (type == IP6_ICMP_DST_UNREACH)
        ip->cnt.tx_dst_unreach++;
    tx_send(ip, IP6_HDR_LEN + n);
    ip->tx_busy = false;
}

/* The error back to the invoking packet's source. */
static void send_icmp_error(struct ip6 *ip, uint8_t type, uint8_t code, uint32_t param,
                            const uint8_t *pkt, size_t len, bool mcast_ok, bool icmp_error,
                            uint64_t now_ms)
{
    send_icmp_error_to(ip, NULL, type, code, param, pkt, len, mcast_ok, icmp_error, now_ms);
}

void ip6_send_dst_unreach(struct ip6 *ip, const uint8_t to[16], const uint8_t *pkt, size_t len,
                          uint64_t now_ms)
{
    if (len < IP6_HDR_LEN)
        return;
    size_t end = IP6_HDR_LEN + (size_t)be16_get(pkt + 4);
    bool icmp_error = ends_in_icmp_error(pkt, end < len ? end : len, pkt[6], IP6_HDR_LEN);
    send_icmp_error_to(ip, to, IP6_ICMP_DST_UNREACH, 0, 0, pkt, len, false, icmp_error, now_ms);
}

/* ---- Input ----------------------------------------------------------- */

/* What the walk keeps about one packet (one nesting level). */
struct pkt_ctx {
    const uint8_t *pkt; /* this level's IPv6 header */
    size_t end;         /* 40 + payload length */
    size_t base;        /* offset of pkt in the caller's buffer */
    uint64_t now;
    const struct ip6_link_info *link;
    struct ip6_rx_info *info;
    bool icmp_error; /* the upper layer is an ICMPv6 error (no errors back) */
};

static enum ip6_verdict drop(struct ip6 *ip, struct ip6_rx_info *info, enum ip6_drop d)
{
    ip->cnt.drops[d]++;
    ip->cnt.rx_dropped++;
    info->drop = d;
    return IP6_RX_DROPPED;
}

/* True when the chain starting at nh/off ends in an ICMPv6 error message;
 * used only to honour RFC 4443 §2.4(e.1), so it gives up quietly. */
static bool ends_in_icmp_error(const uint8_t *p, size_t end, uint8_t nh, size_t off)
{
    for (unsigned i = 0; i < IP6_MAX_EXT_HDRS; i++) {
        if (nh == IP6_PROTO_ICMP6)
            return off < end && p[off] < 128;
        if (nh != IP6_PROTO_HOPOPTS && nh != IP6_PROTO_DSTOPTS && nh != IP6_PROTO_ROUTING &&
            nh != IP6_PROTO_FRAGMENT)
            return false;
        if (end - off < 2)
            return false;
        size_t hl = nh == IP6_PROTO_FRAGMENT ? 8 : ((size_t)p[off + 1] + 1) * 8;
        if (end - off < hl)
            return false;
        nh = p[off];
        off += hl;
    }
    return false;
}

/* RFC 7731 §6.2 MPL option, as OpenThread accepts it (Mpl::ReadAndValidateOption,
 * ip6/mpl.c): S=0 (seed = the source's RLOC16) or S=1 (2-byte seed); V must
 * be 0. opt is the option TLV (type first), n its bytes. */
static bool parse_mpl(const uint8_t *src, const uint8_t *opt, size_t n, struct ip6_mpl *m)
{
    struct mpl_option o;
    uint16_t seed;
    if (m->present || mpl_option_decode(opt, n, &o) != MPL_DROP_NONE ||
        mpl_option_seed_id(&o, src, &seed) != MPL_DROP_NONE)
        return false;
    memset(m, 0, sizeof(*m));
    m->m_flag = o.m;
    m->sequence = o.sequence;
    m->seed_id = seed;
    m->seed_len = (uint8_t)mpl_seed_len(o.s);
    m->present = true;
    return true;
}

/*
 * Options of a Hop-by-Hop or Destination Options header at off, hl bytes
 * (RFC 8200 §4.2). Returns IP6_DROP__COUNT when the packet goes on.
 */
static enum ip6_drop walk_options(struct ip6 *ip, struct pkt_ctx *pc, size_t off, size_t hl,
                                  bool hbh)
{
    const uint8_t *p = pc->pkt;
    size_t i = off + 2, end = off + hl;
    struct ip6_mpl mpl;
    memset(&mpl, 0, sizeof(mpl));
    while (i < end) {
        uint8_t type = p[i];
        if (type == IP6_OPT_PAD1) {
            i++;
            continue;
        }
        if (end - i < 2 || end - i - 2 < p[i + 1])
            return IP6_DROP_OPT_MALFORMED;
        size_t olen = p[i + 1];
        if (type == IP6_OPT_PADN) {
            /* nothing */
        } else if (type == IP6_OPT_MPL && hbh) {
            if (!parse_mpl(p + 8, p + i, olen + 2, &mpl))
                return IP6_DROP_MPL;
        } else {
            switch (type >> 6) {
            case 0: /* 00: skip */
                break;
            case 2: /* 10: discard, Parameter Problem code 2 even to multicast */
            case 3: /* 11: discard, Parameter Problem only to unicast */
                send_icmp_error(ip, IP6_ICMP_PARAM_PROBLEM, 2, (uint32_t)i, p, pc->end,
                                (type >> 6) == 2, pc->icmp_error, pc->now);
                return IP6_DROP_OPT_UNKNOWN;
            default: /* 01: discard silently */
                return IP6_DROP_OPT_UNKNOWN;
            }
        }
        i += 2 + olen;
    }
    if (mpl.present && pc->base == 0)
        pc->info->mpl = mpl;
    return IP6_DROP__COUNT;
}

static enum ip6_verdict icmp_input(struct ip6 *ip, struct pkt_ctx *pc, size_t off);
static enum ip6_verdict udp_input(struct ip6 *ip, struct pkt_ctx *pc, size_t off);
static enum ip6_verdict input_level(struct ip6 *ip, const uint8_t *pkt, size_t len, size_t base,
                                    unsigned depth, struct pkt_ctx *outer);

static enum ip6_verdict input_level(struct ip6 *ip, const uint8_t *pkt, size_t len, size_t base,
                                    unsigned depth, struct pkt_ctx *outer)
{
    struct ip6_rx_info *info = outer->info;
    struct pkt_ctx pc = *outer;
    pc.pkt = pkt;
    pc.base = base;
    info->pkt_off = base;
    info->tunneled = depth > 0;

    /* RFC 8200 §3: fixed header. */
    if (len < IP6_HDR_LEN)
        return drop(ip, info, IP6_DROP_TRUNCATED);
    if ((pkt[0] >> 4) != 6)
        return drop(ip, info, IP6_DROP_VERSION);
    size_t plen = be16_get(pkt + 4);
    if (plen > len - IP6_HDR_LEN)
        return drop(ip, info, IP6_DROP_PAYLOAD_LEN);
    pc.end = IP6_HDR_LEN + plen; /* bytes after it are link padding */

    const uint8_t *src = pkt + 8, *dst = pkt + 24;
    uint8_t hop = pkt[7];
    info->hop_limit = hop;
    info->multicast = is_mcast(dst);
    info->mcast_scope = info->multicast ? (dst[1] & 0x0f) : 0;
    info->mcast_forwardable = false;
    info->proto = pkt[6];
    info->l4_off = base + IP6_HDR_LEN;

    if (is_mcast(src) || is_loopback(src))
        return drop(ip, info, IP6_DROP_BAD_SRC); /* RFC 4291 §2.7, §2.5.3 */
    if (is_unspec(dst) || is_loopback(dst))
        return drop(ip, info, IP6_DROP_BAD_DST);
    if (has_unicast(ip, src))
        return drop(ip, info, IP6_DROP_LOOPED);

    bool mine = info->multicast ? ip6_is_subscribed(ip, dst) : has_unicast(ip, dst);
    pc.icmp_error = ends_in_icmp_error(pkt, pc.end, pkt[6], IP6_HDR_LEN);

    /* RFC 8200 §4: extension headers, in order, bounded. */
    uint8_t nh = pkt[6];
    size_t off = IP6_HDR_LEN, nh_field = 6;
    for (unsigned count = 0;; count++) {
        bool ext = nh == IP6_PROTO_HOPOPTS || nh == IP6_PROTO_DSTOPTS || nh == IP6_PROTO_ROUTING ||
                   nh == IP6_PROTO_FRAGMENT;
        if (!ext)
            break;
        /* Only Hop-by-Hop is for every node; the others are for the
         * destination (RFC 8200 §4). */
        if (!mine && nh != IP6_PROTO_HOPOPTS)
            break;
        if (count >= IP6_MAX_EXT_HDRS)
            return drop(ip, info, IP6_DROP_EXT_CHAIN);
        if (nh == IP6_PROTO_HOPOPTS && off != IP6_HDR_LEN) {
            /* §4.1: Hop-by-Hop only right after the IPv6 header. */
            send_icmp_error(ip, IP6_ICMP_PARAM_PROBLEM, 1, (uint32_t)nh_field, pkt, pc.end, false,
                            pc.icmp_error, pc.now);
            return drop(ip, info, IP6_DROP_EXT_CHAIN);
        }
        if (pc.end - off < 8)
            return drop(ip, info, IP6_DROP_EXT_TRUNCATED);
        size_t hl = nh == IP6_PROTO_FRAGMENT ? 8 : ((size_t)pkt[off + 1] + 1) * 8;
        if (pc.end - off < hl)
            return drop(ip, info, IP6_DROP_EXT_TRUNCATED);
        enum ip6_drop d = IP6_DROP__COUNT;
        switch (nh) {
        case IP6_PROTO_HOPOPTS:
        case IP6_PROTO_DSTOPTS:
            d = walk_options(ip, &pc, off, hl, nh == IP6_PROTO_HOPOPTS);
            break;
        case IP6_PROTO_ROUTING:
            /* §4.4: with Segments Left 0 the header is ignored; we route none. */
            if (pkt[off + 3] != 0)
                d = IP6_DROP_ROUTING_HDR;
            break;
        default: /* fragment: only atomic ones (RFC 6946) pass */
            if ((be16_get(pkt + off + 2) & 0xfff9) != 0)
                d = IP6_DROP_FRAGMENT;
            break;
        }
        if (d != IP6_DROP__COUNT)
            return drop(ip, info, d);
        nh_field = off;
        nh = pkt[off];
        off += hl;
    }
    info->proto = nh;
    info->l4_off = base + off;

    if (!mine) {
        if (info->multicast && info->mcast_scope <= IP6_SCOPE_LINK)
            return drop(ip, info, IP6_DROP_MCAST_NOT_MEMBER);
        if (!info->multicast && is_link_local(dst))
            return drop(ip, info, IP6_DROP_LL_NOT_MINE); /* RFC 4291 §2.5.6 */
        if (hop <= (pc.link && pc.link->from_host ? 0 : 1))
            return drop(ip, info, IP6_DROP_HOP_LIMIT);
        ip->cnt.rx_forward++;
        return IP6_RX_FORWARD;
    }
    if (info->multicast && info->mcast_scope > IP6_SCOPE_LINK)
        info->mcast_forwardable = true;

    switch (nh) {
    case IP6_PROTO_ICMP6:
        return icmp_input(ip, &pc, off);
    case IP6_PROTO_UDP:
        return udp_input(ip, &pc, off);
    case IP6_PROTO_IPV6:
        /* RFC 2473: decapsulate (Thread uses it for multicast beyond realm). */
        if (depth + 1 > IP6_MAX_TUNNEL)
            return drop(ip, info, IP6_DROP_EXT_CHAIN);
        return input_level(ip, pkt + off, pc.end - off, base + off, depth + 1, &pc);
    case IP6_PROTO_NONE:
        return drop(ip, info, IP6_DROP_NO_NEXT_HEADER);
    default:
        /* RFC 8200 §4: Parameter Problem code 1 pointing at the Next Header. */
        send_icmp_error(ip, IP6_ICMP_PARAM_PROBLEM, 1, (uint32_t)nh_field, pkt, pc.end, false,
                        pc.icmp_error, pc.now);
        return drop(ip, info, IP6_DROP_UNKNOWN_PROTO);
    }
}

enum ip6_verdict ip6_input(struct ip6 *ip, const uint8_t *pkt, size_t len, uint64_t now_ms,
                           const struct ip6_link_info *link, struct ip6_rx_info *info)
{
    struct ip6_rx_info local;
    struct pkt_ctx pc;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->drop = IP6_DROP__COUNT;
    memset(&pc, 0, sizeof(pc));
    pc.now = now_ms;
    pc.link = link;
    pc.info = info;
    if (!pkt)
        return drop(ip, info, IP6_DROP_TRUNCATED);
    return input_level(ip, pkt, len, 0, 0, &pc);
}

static bool l4_csum_ok(const uint8_t *pkt, uint8_t proto, const uint8_t *l4, size_t n)
{
    uint32_t s = csum_pseudo6(pkt + 8, pkt + 24, proto, (uint32_t)n);
    return csum_fold(csum_add(s, l4, n)) == 0xffff;
}

static void ping_reply(struct ip6 *ip, const uint8_t *pkt, const uint8_t *c, size_t n,
                       uint64_t now);

static enum ip6_verdict icmp_input(struct ip6 *ip, struct pkt_ctx *pc, size_t off)
{
    const uint8_t *pkt = pc->pkt, *c = pkt + off;
    struct ip6_rx_info *info = pc->info;
    size_t n = pc->end - off;

    if (n < 4)
        return drop(ip, info, IP6_DROP_ICMP_TRUNCATED);
    if (!l4_csum_ok(pkt, IP6_PROTO_ICMP6, c, n))
        return drop(ip, info, IP6_DROP_ICMP_CHECKSUM); /* RFC 4443 §2.3 */

    switch (c[0]) {
    case IP6_ICMP_ECHO_REQUEST: {
        /* RFC 4443 §4.2: reply with the same identifier, sequence and data;
         * to a multicast request from a unicast address of ours. */
        if (n < IP6_ICMP_HDR_LEN)
            return drop(ip, info, IP6_DROP_ICMP_TRUNCATED);
        const uint8_t *src = pkt + 8, *dst = pkt + 24, *from;
        if (is_unspec(src))
            return drop(ip, info, IP6_DROP_ECHO_SRC);
        if (is_mcast(dst)) {
            const struct ip6_uaddr *u = ip6_select_source(ip, src);
            if (!u)
                return drop(ip, info, IP6_DROP_ECHO_SRC);
            from = u->addr;
        } else {
            from = dst;
        }
        if (tx_claim(ip) != IP6_OK)
            return drop(ip, info, IP6_DROP_REPLY_FAILED);
        size_t out_len;
        enum ip6_err e =
            ip6_build_echo(ip, from, src, IP6_ICMP_ECHO_REPLY, be16_get(c + 4), be16_get(c + 6),
                           c + 8, n - 8, IP6_DEFAULT_HOP_LIMIT, ip->tx, sizeof(ip->tx), &out_len);
        if (e != IP6_OK) {
            ip->tx_busy = false;
            return drop(ip, info, IP6_DROP_REPLY_FAILED);
        }
        ip->cnt.rx_delivered++;
        ip->cnt.tx_echo_replies++;
        tx_send(ip, out_len);
        ip->tx_busy = false;
        return IP6_RX_DELIVERED;
    }
    case IP6_ICMP_ECHO_REPLY: {
        const struct ip6_ping *pg = &ip->ping;
        uint16_t seq;
        if (n < IP6_ICMP_HDR_LEN + 4)
            return drop(ip, info,
                        n < IP6_ICMP_HDR_LEN ? IP6_DROP_ICMP_TRUNCATED : IP6_DROP_ECHO_UNMATCHED);
        seq = be16_get(c + 6);
        if (!pg->running || be16_get(c + 4) != pg->id ||
            (uint16_t)(seq - pg->first_seq) > (uint16_t)(pg->target_seq - pg->first_seq))
            return drop(ip, info, IP6_DROP_ECHO_UNMATCHED);
        ip->cnt.rx_delivered++;
        ping_reply(ip, pkt, c, n, pc->now);
        return IP6_RX_DELIVERED;
    }
    default:
        /* RFC 4443 §2.4(a,b): errors go to the upper layer (none here);
         * unknown informational messages are discarded. */
        return drop(ip, info, IP6_DROP_ICMP_TYPE);
    }
}

static enum ip6_verdict udp_input(struct ip6 *ip, struct pkt_ctx *pc, size_t off)
{
    const uint8_t *pkt = pc->pkt, *u = pkt + off;
    struct ip6_rx_info *info = pc->info;
    size_t n = pc->end - off;

    if (n < IP6_UDP_HDR_LEN)
        return drop(ip, info, IP6_DROP_UDP_TRUNCATED);
    size_t ulen = be16_get(u + 4);
    if (ulen < IP6_UDP_HDR_LEN || ulen > n)
        return drop(ip, info, IP6_DROP_UDP_TRUNCATED); /* RFC 768 */
    if (be16_get(u + 6) == 0)
        return drop(ip, info, IP6_DROP_UDP_ZERO_CSUM); /* RFC 8200 §8.1 */
    if (!l4_csum_ok(pkt, IP6_PROTO_UDP, u, ulen))
        return drop(ip, info, IP6_DROP_UDP_CHECKSUM);

    uint16_t dport = be16_get(u + 2);
    const struct ip6_sock *best = NULL;
    for (unsigned i = 0; i < IP6_MAX_SOCKS; i++) {
        const struct ip6_sock *s = &ip->socks[i];
        if (!s->used || s->port != dport)
            continue;
        if (s->has_addr) {
            if (memcmp(s->addr, pkt + 24, 16) == 0) {
                best = s;
                break;
            }
        } else if (!best) {
            best = s;
        }
    }
    if (!best)
        return drop(ip, info, IP6_DROP_UDP_NO_SOCKET);
    bool secured = pc->link && pc->link->link_secured;
    if ((best->flags & IP6_SOCK_SECURE_ONLY) && !secured)
        return drop(ip, info, IP6_DROP_UDP_UNSECURED);

    struct ip6_udp_rx rx;
    rx.src = pkt + 8;
    rx.dst = pkt + 24;
    rx.sport = be16_get(u);
    rx.dport = dport;
    rx.payload = u + IP6_UDP_HDR_LEN;
    rx.len = ulen - IP6_UDP_HDR_LEN;
    rx.hop_limit = pkt[7];
    rx.link_secured = secured;
    rx.link = pc->link;
    ip->cnt.rx_delivered++;
    best->cb(best->cb_ctx, &rx);
    return IP6_RX_DELIVERED;
}

/* ---- UDP sockets ----------------------------------------------------- */

int ip6_udp_bind(struct ip6 *ip, uint16_t port, const uint8_t *addr, unsigned flags, ip6_udp_cb cb,
                 void *cb_ctx)
{
    int free_slot = -1;
    if (port == 0 || !cb)
        return -IP6_ERR_INVAL;
    for (unsigned i = 0; i < IP6_MAX_SOCKS; i++) {
        const struct ip6_sock *s = &ip->socks[i];
        if (!s->used) {
            if (free_slot < 0)
                free_slot = (int)i;
            continue;
        }
        if (s->port == port && s->has_addr == (addr != NULL) &&
            (!addr || memcmp(s->addr, addr, 16) == 0))
            return -IP6_ERR_EXISTS;
    }
    if (free_slot < 0)
        return -IP6_ERR_FULL;
    struct ip6_sock *s = &ip->socks[free_slot];
    memset(s, 0, sizeof(*s));
    s->used = true;
    s->port = port;
    s->has_addr = addr != NULL;
    if (addr)
        memcpy(s->addr, addr, 16);
    s->flags = flags;
    s->cb = cb;
    s->cb_ctx = cb_ctx;
    return free_slot;
}

enum ip6_err ip6_udp_close(struct ip6 *ip, int handle)
{
    if (handle < 0 || handle >= IP6_MAX_SOCKS || !ip->socks[handle].used)
        return IP6_ERR_NOT_FOUND;
    memset(&ip->socks[handle], 0, sizeof(ip->socks[handle]));
    return IP6_OK;
}

/* ---- Ping client (OpenThread utils/ping_sender.cpp behaviour) -------- */

static void ping_finish(struct ip6 *ip)
{
    struct ip6_ping *pg = &ip->ping;
    struct ip6_ping_stats st = pg->stats;
    pg->running = false;
    if (pg->cfg.on_done)
        pg->cfg.on_done(pg->cfg.cb_ctx, &st);
}

/* One echo request: data = send time (ms, 32-bit BE) then zeros, `size`
 * bytes (at least the 4 of the timestamp), as OpenThread sends it. */
static void ping_send_one(struct ip6 *ip, uint64_t now)
{
    struct ip6_ping *pg = &ip->ping;
    uint8_t data[IP6_MTU - IP6_HDR_LEN - IP6_ICMP_HDR_LEN];
    size_t n = pg->cfg.size < 4 ? 4 : pg->cfg.size;
    memset(data, 0, n);
    be32_put(data, (uint32_t)now);

    /* State first: the reply may come back inside ops->send. */
    uint16_t seq = ip->echo_seq;
    pg->target_seq = seq;
    pg->remaining--;
    pg->deadline = now + (pg->remaining ? pg->cfg.interval_ms : pg->cfg.timeout_ms);
    pg->stats.sent++;
    enum ip6_err e = ip6_send_echo(ip, pg->cfg.has_src ? pg->cfg.src : NULL, pg->cfg.dst, pg->id,
                                   data, n, pg->cfg.hop_limit, &seq);
    if (e != IP6_OK)
        pg->stats.sent--;
}

enum ip6_err ip6_ping_start(struct ip6 *ip, const struct ip6_ping_cfg *cfg, uint64_t now_ms)
{
    struct ip6_ping *pg = &ip->ping;
    if (!cfg)
        return IP6_ERR_INVAL;
    if (pg->running)
        return IP6_ERR_BUSY;
    if (is_unspec(cfg->dst))
        return IP6_ERR_INVAL;
    if (cfg->has_src && !has_unicast(ip, cfg->src))
        return IP6_ERR_INVAL; /* OT: `-I` must be one of our addresses */
    if (cfg->size > IP6_MTU - IP6_HDR_LEN - IP6_ICMP_HDR_LEN)
        return IP6_ERR_TOO_BIG;
    if (!cfg->has_src && !ip6_select_source(ip, cfg->dst))
        return IP6_ERR_NO_SOURCE;
    if (!ip->ops || !ip->ops->send)
        return IP6_ERR_NO_SEND;

    pg->cfg = *cfg;
    if (!pg->cfg.size)
        pg->cfg.size = 8;
    if (!pg->cfg.count)
        pg->cfg.count = 1;
    if (!pg->cfg.interval_ms)
        pg->cfg.interval_ms = 1000;
    if (!pg->cfg.timeout_ms)
        pg->cfg.timeout_ms = 3000;
    if (!pg->cfg.hop_limit && !pg->cfg.allow_zero_hop_limit)
        pg->cfg.hop_limit = IP6_DEFAULT_HOP_LIMIT;

    memset(&pg->stats, 0, sizeof(pg->stats));
    pg->stats.min_rtt_ms = 0xffff;
    pg->stats.multicast = is_mcast(cfg->dst);
    pg->id++;
    pg->remaining = pg->cfg.count;
    pg->first_seq = ip->echo_seq;
    pg->target_seq = ip->echo_seq;
    pg->running = true;
    ping_send_one(ip, now_ms);
    return IP6_OK;
}

static void ping_reply(struct ip6 *ip, const uint8_t *pkt, const uint8_t *c, size_t n, uint64_t now)
{
    struct ip6_ping *pg = &ip->ping;
    struct ip6_ping_reply r;
    uint32_t rtt = (uint32_t)now - be32_get(c + 8);
    memcpy(r.from, pkt + 8, 16);
    r.size = (uint16_t)(n - IP6_ICMP_HDR_LEN);
    r.seq = be16_get(c + 6);
    r.hop_limit = pkt[7];
    r.rtt_ms = rtt > 0xffff ? 0xffff : (uint16_t)rtt;

    pg->stats.received++;
    pg->stats.total_rtt_ms += r.rtt_ms;
    if (r.rtt_ms > pg->stats.max_rtt_ms)
        pg->stats.max_rtt_ms = r.rtt_ms;
    if (r.rtt_ms < pg->stats.min_rtt_ms)
        pg->stats.min_rtt_ms = r.rtt_ms;
    /* All replies in: no need to wait for the timeout. */
    bool last = !pg->stats.multicast && pg->remaining == 0 && r.seq == pg->target_seq;
    if (pg->cfg.on_reply)
        pg->cfg.on_reply(pg->cfg.cb_ctx, &r);
    if (last && pg->running)
        ping_finish(ip);
}

void ip6_ping_poll(struct ip6 *ip, uint64_t now_ms)
{
    struct ip6_ping *pg = &ip->ping;
    while (pg->running && now_ms >= pg->deadline) {
        if (pg->remaining)
            ping_send_one(ip, now_ms);
        else
            ping_finish(ip);
    }
}

bool ip6_ping_deadline(const struct ip6 *ip, uint64_t *when)
{
    if (!ip->ping.running)
        return false;
    if (when)
        *when = ip->ping.deadline;
    return true;
}

void ip6_ping_stop(struct ip6 *ip)
{
    ip->ping.running = false;
}

void ip6_ping_fmt_reply(FILE *out, const struct ip6_ping_reply *r)
{
    char a[ADDR_STR6];
    fprintf(out, "%u bytes from %s: icmp_seq=%u hlim=%u time=%ums\n",
            (unsigned)(uint16_t)(r->size + IP6_ICMP_HDR_LEN), addr_fmt6_ot(r->from, a),
            (unsigned)r->seq, (unsigned)r->hop_limit, (unsigned)r->rtt_ms);
}

void ip6_ping_fmt_stats(FILE *out, const struct ip6_ping_stats *s)
{
    fprintf(out, "%u packets transmitted, %u packets received.", (unsigned)s->sent,
            (unsigned)s->received);
    if (s->sent && !s->multicast && s->received <= s->sent) {
        uint32_t loss = 1000u * (uint32_t)(s->sent - s->received) / s->sent;
        fprintf(out, " Packet loss = %" PRIu32 ".%" PRIu32 "%%.", loss / 10, loss % 10);
    }
    if (s->received) {
        uint64_t avg = 1000u * (uint64_t)s->total_rtt_ms / s->received;
        fprintf(out, " Round-trip min/avg/max = %u/%" PRIu64 ".%03" PRIu64 "/%u ms.",
                (unsigned)s->min_rtt_ms, avg / 1000, avg % 1000, (unsigned)s->max_rtt_ms);
    }
    fputc('\n', out);
}
