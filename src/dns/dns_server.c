/*
 * The border router's DNS server for Thread devices. See dns_server.h for
 * the contract and the rules.
 */
#include "dns/dns_server.h"

#include <stdint.h>
#include <string.h>

#include "util/rfc6052.h"

#define BACKOFF_MIN_MS 1000u
#define BACKOFF_MAX_MS 30000u

static const char *const cnt_names[] = {
#define DNS_SERVER_X_NAME(id, name, expl) name,
    DNS_SERVER_COUNTERS(DNS_SERVER_X_NAME)
#undef DNS_SERVER_X_NAME
};

static const char *const cnt_expl[] = {
#define DNS_SERVER_X_EXPL(id, name, expl) expl,
    DNS_SERVER_COUNTERS(DNS_SERVER_X_EXPL)
#undef DNS_SERVER_X_EXPL
};

const char *dns_server_counter_name(enum dns_server_counter c)
{
    return (unsigned)c < DNS_SERVER_CNT__COUNT ? cnt_names[c] : "unknown";
}

const char *dns_server_counter_explain(enum dns_server_counter c)
{
    return (unsigned)c < DNS_SERVER_CNT__COUNT ? cnt_expl[c] : "unknown";
}

static void count(struct dns_server *s, enum dns_server_counter c)
{
    s->counters[c]++;
}

/* ---- Configuration -------------------------------------------------------- */

void dns_server_cfg_default(struct dns_server_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->attempt_timeout_ms = 2000;
    cfg->budget_ms = 5000;
    cfg->max_attempts = 6;
    cfg->max_udp = DNS_EDNS_UDP;
    cfg->max_txns_per_client = DNS_SERVER_TXNS_PER_CLIENT;
    cfg->client_prefix_len = DNS_SERVER_CLIENT_PREFIX_LEN;
}

bool dns_server_init(struct dns_server *s, const struct dns_server_cfg *cfg)
{
    if (!s || !cfg || !cfg->rand16 || cfg->attempt_timeout_ms == 0 || cfg->budget_ms == 0 ||
        cfg->max_attempts == 0 || cfg->max_udp < DNS_UDP_MAX || cfg->max_udp > DNS_SERVER_MSG_MAX ||
        cfg->client_prefix_len > 128)
        return false;
    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    dns_name_from_text("default.service.arpa.", &s->zone_srp);
    dns_name_from_text("ipv4only.arpa.", &s->zone_ipv4only);
    dns_name_from_text("170.0.0.192.in-addr.arpa.", &s->ptr170);
    dns_name_from_text("171.0.0.192.in-addr.arpa.", &s->ptr171);
    return true;
}

void dns_server_set_upstream_enabled(struct dns_server *s, bool on)
{
    s->cfg.upstream_enabled = on;
}

void dns_server_set_dns64(struct dns_server *s, bool on)
{
    s->cfg.dns64 = on;
}

void dns_server_set_nat64_prefix(struct dns_server *s, const struct addr_prefix6 *prefix)
{
    s->has_prefix = prefix && rfc6052_valid_len(prefix->len);
    if (s->has_prefix)
        s->prefix = *prefix;
}

static bool up_same(const struct dns_upstream_addr *a, const struct dns_upstream_addr *b)
{
    return a->port == b->port && !memcmp(a->addr, b->addr, 16);
}

size_t dns_server_set_upstreams(struct dns_server *s, const struct dns_upstream_addr *list,
                                size_t n)
{
    struct dns_upstream fresh[DNS_SERVER_MAX_UPSTREAMS];
    size_t k = 0;
    for (size_t i = 0; i < n && k < DNS_SERVER_MAX_UPSTREAMS; i++) {
        memset(&fresh[k], 0, sizeof(fresh[k]));
        fresh[k].a = list[i];
        for (size_t j = 0; j < s->nup; j++)
            if (up_same(&s->up[j].a, &list[i]))
                fresh[k] = s->up[j]; /* keep its health */
        k++;
    }
    memcpy(s->up, fresh, k * sizeof(fresh[0]));
    s->nup = k;
    /* Indices changed: "tried" masks of queries in flight are reset; they
     * still finish with the resolver they were sent to. */
    for (size_t i = 0; i < DNS_SERVER_MAX_TXNS; i++)
        s->txns[i].tried = 0;
    return k;
}

/* ---- resolv.conf and source check ----------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

size_t dns_resolv_conf_parse(const char *text, size_t len, struct dns_upstream_addr *out,
                             size_t max)
{
    static const char kw[] = "nameserver";
    const size_t kwlen = sizeof(kw) - 1;
    size_t n = 0, i = 0;
    if (!text || !out)
        return 0;
    while (i < len && n < max) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n' && text[eol] != '\0')
            eol++;
        size_t p = i;
        while (p < eol && is_blank(text[p]))
            p++;
        if (eol - p > kwlen && !memcmp(text + p, kw, kwlen) && is_blank(text[p + kwlen])) {
            p += kwlen;
            while (p < eol && is_blank(text[p]))
                p++;
            size_t a = p;
            while (p < eol && !is_blank(text[p]) && text[p] != '#' && text[p] != ';' &&
                   text[p] != '\r')
                p++;
            char tok[64];
            size_t tl = p - a;
            /* The rest of the line may hold only blanks or a comment. */
            size_t q = p;
            while (q < eol && (is_blank(text[q]) || text[q] == '\r'))
                q++;
            bool tail_ok = q == eol || text[q] == '#' || text[q] == ';';
            if (tl > 0 && tl < sizeof(tok) && tail_ok) {
                memcpy(tok, text + a, tl);
                tok[tl] = '\0';
                struct dns_upstream_addr u;
                memset(&u, 0, sizeof(u));
                u.port = DNS_PORT;
                uint8_t v4[4];
                bool ok = false;
                if (addr_parse4(tok, v4)) {
                    u.addr[10] = 0xff;
                    u.addr[11] = 0xff;
                    memcpy(u.addr + 12, v4, 4);
                    ok = true;
                } else if (!strchr(tok, '%') && addr_parse6(tok, u.addr)) {
                    ok = true;
                }
                for (size_t j = 0; ok && j < n; j++)
                    if (up_same(&out[j], &u))
                        ok = false;
                if (ok)
                    out[n++] = u;
            }
        }
        i = eol + 1;
    }
    return n;
}

bool dns_server_source_allowed(const uint8_t src[16], const struct addr_prefix6 *prefixes, size_t n)
{
    static const uint8_t zero[16] = {0};
    static const uint8_t loop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (!src || src[0] == 0xff || !memcmp(src, zero, 16) || !memcmp(src, loop, 16))
        return false;
    for (size_t i = 0; prefixes && i < n; i++)
        if (prefixes[i].len <= 128 && addr_prefix_match(src, prefixes[i].addr, prefixes[i].len))
            return true;
    return false;
}

/* ---- Replies built here --------------------------------------------------- */

/* What a reply needs to know about the request. */
struct req {
    uint16_t id;
    uint16_t flags;
    bool has_q;
    const struct dns_question *q;
    bool edns;
    uint16_t limit;
};

static void act_reply(struct dns_server_action *out, const uint8_t addr[16], uint16_t port,
                      uint32_t txn)
{
    out->kind = DNS_SERVER_ACT_REPLY;
    out->txn = txn;
    out->tcp = false;
    memcpy(out->addr, addr, 16);
    out->port = port;
    out->has_local = false;
}

/* The reply that ends t leaves from the address t's query went to. */
static void act_local(struct dns_server_action *out, const struct dns_server_txn *t)
{
    out->has_local = t->has_local;
    if (t->has_local)
        memcpy(out->local, t->dev_local, 16);
}

/* Starts a reply: QR, opcode QUERY, RD and CD echoed (RFC 1035 §4.1.1,
 * RFC 4035 §3.2.2), RA when recursion is on offer, the question copied and
 * room kept for an OPT record when the request had one (RFC 6891 §7). */
static void reply_begin(const struct dns_server *s, struct dns_builder *b, uint8_t *buf,
                        const struct req *r, bool aa, unsigned rcode)
{
    uint16_t flags = (uint16_t)(DNS_FLAG_QR | (r->flags & (DNS_FLAG_RD | DNS_FLAG_CD)) |
                                (rcode & DNS_FLAG_RCODE_MASK));
    if (aa)
        flags |= DNS_FLAG_AA;
    if (s->cfg.upstream_enabled)
        flags |= DNS_FLAG_RA;
    dns_build_init(b, buf, r->limit, r->id, flags);
    if (r->edns)
        dns_build_reserve(b, DNS_OPT_LEN);
    if (r->has_q)
        dns_build_question(b, &r->q->name, r->q->type, r->q->cls);
}

static void reply_end(const struct dns_server *s, struct dns_builder *b, const struct req *r,
                      uint8_t ext_rcode, struct dns_server_action *out)
{
    if (r->edns) {
        struct dns_opt o = {s->cfg.max_udp, ext_rcode, 0, 0, NULL, 0};
        dns_build_opt(b, &o);
    }
    size_t len = 0;
    if (dns_build_finish(b, &len) != DNS_OK) {
        /* The question itself did not fit: header only. */
        dns_build_init(b, out->buf, DNS_HDR_LEN, r->id, b->hdr.flags);
        dns_build_finish(b, &len);
    }
    out->len = len;
}

/* A reply with no records. */
static void reply_empty(struct dns_server *s, const struct req *r, unsigned rcode, bool aa,
                        const uint8_t addr[16], uint16_t port, uint32_t txn,
                        struct dns_server_action *out)
{
    struct dns_builder b;
    reply_begin(s, &b, out->buf, r, aa, rcode);
    reply_end(s, &b, r, 0, out);
    act_reply(out, addr, port, txn);
}

/* ---- Local zones ---------------------------------------------------------- */

static bool qtype_is(const struct dns_question *q, uint16_t t)
{
    return q->type == t || q->type == DNS_TYPE_ANY;
}

static void add_host_addrs(struct dns_server *s, struct dns_builder *b, enum dns_section sec,
                           const struct dns_name *host)
{
    uint8_t addrs[DNS_SERVER_MAX_HOST_ADDRS][16];
    uint32_t ttl = 0;
    if (!s->cfg.srp || !s->cfg.srp->host_addrs)
        return;
    int n = s->cfg.srp->host_addrs(s->cfg.srp_ctx, host, addrs, DNS_SERVER_MAX_HOST_ADDRS, &ttl);
    for (int i = 0; i < n && i < DNS_SERVER_MAX_HOST_ADDRS; i++)
        dns_build_aaaa(b, sec, host, ttl, addrs[i]);
}

static void add_instance(struct dns_builder *b, enum dns_section sec, const struct dns_name *name,
                         const struct dns_srp_instance *in, bool srv, bool txt)
{
    if (srv)
        dns_build_srv(b, sec, name, in->ttl, &in->srv);
    if (txt)
        dns_build_txt(b, sec, name, in->ttl, in->txt, in->txt_len);
}

/* Names in and under default.service.arpa. (RFC 6763 over SRP, RFC 9665).
 * Returns the RCODE. */
static unsigned answer_srp(struct dns_server *s, struct dns_builder *b,
                           const struct dns_question *q)
{
    const struct dns_srp_ops *ops = s->cfg.srp;
    void *ctx = s->cfg.srp_ctx;
    bool exists = dns_name_equal(&q->name, &s->zone_srp);
    if (!ops)
        return exists ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;

    /* Host. */
    uint8_t addrs[DNS_SERVER_MAX_HOST_ADDRS][16];
    uint32_t ttl = 0;
    int na = ops->host_addrs
                 ? ops->host_addrs(ctx, &q->name, addrs, DNS_SERVER_MAX_HOST_ADDRS, &ttl)
                 : -1;
    if (na >= 0) {
        exists = true;
        if (qtype_is(q, DNS_TYPE_AAAA))
            for (int i = 0; i < na && i < DNS_SERVER_MAX_HOST_ADDRS; i++)
                dns_build_aaaa(b, DNS_SECTION_ANSWER, &q->name, ttl, addrs[i]);
    }

    /* Service instance: SRV / TXT, with the host's addresses as additional
     * data for SRV (RFC 6763 §12.2). */
    struct dns_srp_instance in;
    memset(&in, 0, sizeof(in));
    bool have_in = ops->instance && ops->instance(ctx, &q->name, &in);
    if (have_in) {
        exists = true;
        bool srv = qtype_is(q, DNS_TYPE_SRV), txt = qtype_is(q, DNS_TYPE_TXT);
        add_instance(b, DNS_SECTION_ANSWER, &q->name, &in, srv, txt);
        if (srv)
            add_host_addrs(s, b, DNS_SECTION_ADDITIONAL, &in.srv.target);
    }

    /* Service: PTR to each instance, SRV/TXT/AAAA as additional data
     * (RFC 6763 §12.1). */
    struct dns_name inst[DNS_SERVER_MAX_INSTANCES];
    int ni = ops->service_instances
                 ? ops->service_instances(ctx, &q->name, inst, DNS_SERVER_MAX_INSTANCES, &ttl)
                 : -1;
    if (ni >= 0) {
        exists = true;
        if (ni > DNS_SERVER_MAX_INSTANCES)
            ni = DNS_SERVER_MAX_INSTANCES;
        if (qtype_is(q, DNS_TYPE_PTR)) {
            for (int i = 0; i < ni; i++)
                dns_build_name_rr(b, DNS_SECTION_ANSWER, &q->name, DNS_TYPE_PTR, ttl, &inst[i]);
            for (int i = 0; i < ni; i++) {
                struct dns_srp_instance ai;
                memset(&ai, 0, sizeof(ai));
                if (ops->instance && ops->instance(ctx, &inst[i], &ai)) {
                    add_instance(b, DNS_SECTION_ADDITIONAL, &inst[i], &ai, true, true);
                    add_host_addrs(s, b, DNS_SECTION_ADDITIONAL, &ai.srv.target);
                }
            }
        }
    }
    return exists ? DNS_RCODE_NOERROR : DNS_RCODE_NXDOMAIN;
}

/* ipv4only.arpa. (RFC 8880 §7.1; addresses RFC 7050 §2.2). */
static unsigned answer_ipv4only(struct dns_server *s, struct dns_builder *b,
                                const struct dns_question *q)
{
    static const uint8_t wka[2][4] = {{192, 0, 0, 170}, {192, 0, 0, 171}};
    if (dns_name_equal(&q->name, &s->ptr170) || dns_name_equal(&q->name, &s->ptr171)) {
        if (qtype_is(q, DNS_TYPE_PTR))
            dns_build_name_rr(b, DNS_SECTION_ANSWER, &q->name, DNS_TYPE_PTR,
                              DNS_SERVER_IPV4ONLY_TTL, &s->zone_ipv4only);
        return DNS_RCODE_NOERROR;
    }
    if (!dns_name_equal(&q->name, &s->zone_ipv4only))
        return DNS_RCODE_NXDOMAIN;
    if (q->cls != DNS_CLASS_IN && q->cls != DNS_CLASS_ANY)
        return DNS_RCODE_NOERROR;
    for (int i = 0; i < 2; i++) {
        if (qtype_is(q, DNS_TYPE_A))
            dns_build_a(b, DNS_SECTION_ANSWER, &q->name, DNS_SERVER_IPV4ONLY_TTL, wka[i]);
    }
    for (int i = 0; i < 2 && s->has_prefix; i++) {
        uint8_t a6[16];
        if (qtype_is(q, DNS_TYPE_AAAA) && rfc6052_synth(&s->prefix, wka[i], a6))
            dns_build_aaaa(b, DNS_SECTION_ANSWER, &q->name, DNS_SERVER_IPV4ONLY_TTL, a6);
    }
    return DNS_RCODE_NOERROR;
}

/* ---- Transactions --------------------------------------------------------- */

static struct dns_server_txn *txn_find(struct dns_server *s, uint32_t id)
{
    uint32_t slot = id & 0xff;
    if (id == 0 || slot >= DNS_SERVER_MAX_TXNS)
        return NULL;
    struct dns_server_txn *t = &s->txns[slot];
    return (t->in_use && t->id == id) ? t : NULL;
}

static struct dns_server_txn *txn_alloc(struct dns_server *s)
{
    for (uint32_t i = 0; i < DNS_SERVER_MAX_TXNS; i++) {
        struct dns_server_txn *t = &s->txns[i];
        if (t->in_use)
            continue;
        memset(t, 0, sizeof(*t));
        s->gen = (s->gen + 1) & 0xffffffu;
        if (s->gen == 0)
            s->gen = 1;
        t->in_use = true;
        t->id = (s->gen << 8) | i;
        return t;
    }
    return NULL;
}

static int up_index(const struct dns_server *s, const struct dns_upstream_addr *a)
{
    for (size_t i = 0; i < s->nup; i++)
        if (up_same(&s->up[i].a, a))
            return (int)i;
    return -1;
}

static void up_failed(struct dns_server *s, const struct dns_upstream_addr *a, uint64_t now)
{
    int i = up_index(s, a);
    if (i < 0)
        return;
    struct dns_upstream *u = &s->up[i];
    if (u->fails < 32)
        u->fails++;
    uint32_t shift = u->fails - 1 > 5 ? 5 : u->fails - 1;
    uint32_t back = BACKOFF_MIN_MS << shift;
    if (back > BACKOFF_MAX_MS)
        back = BACKOFF_MAX_MS;
    u->retry_at_ms = now + back;
}

static void up_ok(struct dns_server *s, const struct dns_upstream_addr *a)
{
    int i = up_index(s, a);
    if (i >= 0) {
        s->up[i].fails = 0;
        s->up[i].retry_at_ms = 0;
    }
}

/* The resolver for the next attempt: untried before tried, healthy before
 * penalised (list order), else the one whose penalty ends first. A
 * penalised resolver is never excluded, only put last. */
static int pick_upstream(const struct dns_server *s, const struct dns_server_txn *t, uint64_t now)
{
    int best = -1;
    int best_rank = 0;
    uint64_t best_at = 0;
    for (size_t i = 0; i < s->nup; i++) {
        const struct dns_upstream *u = &s->up[i];
        bool tried = (t->tried >> i) & 1u;
        bool healthy = u->retry_at_ms <= now;
        int rank = (tried ? 2 : 0) + (healthy ? 0 : 1);
        if (best < 0 || rank < best_rank ||
            (rank == best_rank && !healthy && u->retry_at_ms < best_at)) {
            best = (int)i;
            best_rank = rank;
            best_at = u->retry_at_ms;
        }
    }
    return best;
}

static bool has_untried(const struct dns_server *s, const struct dns_server_txn *t)
{
    for (size_t i = 0; i < s->nup; i++)
        if (!((t->tried >> i) & 1u))
            return true;
    return false;
}

static struct req txn_req(const struct dns_server_txn *t)
{
    struct req r = {t->dev_id, t->dev_flags, true, &t->q, t->dev_edns, t->dev_limit};
    return r;
}

/* Ends t with an empty reply (SERVFAIL, or NODATA for a failed DNS64 A). */
static void txn_fail(struct dns_server *s, struct dns_server_txn *t, unsigned rcode,
                     struct dns_server_action *out)
{
    struct req r = txn_req(t);
    uint8_t addr[16];
    memcpy(addr, t->dev_addr, 16);
    uint16_t port = t->dev_port;
    uint32_t id = t->id;
    t->in_use = false;
    reply_empty(s, &r, rcode, false, addr, port, id, out);
    act_local(out, t);
}

/* Sends the next attempt of t (same resolver when `same`), or ends it. */
static void txn_attempt(struct dns_server *s, struct dns_server_txn *t, uint64_t now, bool same,
                        bool tcp, struct dns_server_action *out)
{
    if (now >= t->budget_end_ms || t->attempts >= s->cfg.max_attempts || s->nup == 0) {
        if (t->phase == DNS_SERVER_PHASE_DNS64_A) {
            /* RFC 6147 §5.1.6 spirit: without an A answer the AAAA NODATA
             * stands. */
            txn_fail(s, t, DNS_RCODE_NOERROR, out);
        } else {
            count(s, DNS_SERVER_CNT_SERVFAIL_TIMEOUT);
            txn_fail(s, t, DNS_RCODE_SERVFAIL, out);
        }
        return;
    }
    if (!same || up_index(s, &t->up) < 0) {
        int i = pick_upstream(s, t, now);
        t->up = s->up[i].a;
        t->tried |= 1u << i;
    }
    t->attempts++;
    t->tcp = tcp;
    t->up_id = s->cfg.rand16(s->cfg.rand_ctx); /* fresh per attempt, RFC 5452 §9.2 */
    be16_put(t->query, t->up_id);
    uint64_t dl = now + s->cfg.attempt_timeout_ms;
    t->deadline_ms = dl < t->budget_end_ms ? dl : t->budget_end_ms;
    count(s, DNS_SERVER_CNT_UPSTREAM_SENT);
    out->kind = DNS_SERVER_ACT_UPSTREAM;
    out->txn = t->id;
    out->tcp = tcp;
    memcpy(out->addr, t->up.addr, 16);
    out->port = t->up.port;
    memcpy(out->buf, t->query, t->query_len);
    out->len = t->query_len;
}

/* ---- Device queries -------------------------------------------------------- */

static void query(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                  const uint8_t src[16], uint16_t sport, const uint8_t *local, bool from_thread,
                  uint64_t dev_key, struct dns_server_action *out);
static size_t client_txns(const struct dns_server *s, const uint8_t src[16], uint64_t dev_key);

void dns_server_query(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                      const uint8_t src[16], uint16_t sport, const uint8_t *local, bool from_thread,
                      struct dns_server_action *out)
{
    dns_server_query_dev(s, now_ms, msg, len, src, sport, local, from_thread, 0, out);
}

void dns_server_query_dev(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                          const uint8_t src[16], uint16_t sport, const uint8_t *local,
                          bool from_thread, uint64_t dev_key, struct dns_server_action *out)
{
    query(s, now_ms, msg, len, src, sport, local, from_thread, dev_key, out);
    if (out->kind == DNS_SERVER_ACT_REPLY && local) { /* answered at once */
        out->has_local = true;
        memcpy(out->local, local, 16);
    }
}

static void query(struct dns_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                  const uint8_t src[16], uint16_t sport, const uint8_t *local, bool from_thread,
                  uint64_t dev_key, struct dns_server_action *out)
{
    out->kind = DNS_SERVER_ACT_NONE;
    out->txn = 0;
    out->len = 0;
    count(s, DNS_SERVER_CNT_QUERIES);
    if (!from_thread || !msg || !src) {
        count(s, DNS_SERVER_CNT_DROP_NOT_THREAD);
        return;
    }
    struct dns_hdr h;
    if (dns_hdr_read(msg, len, &h) != DNS_OK) {
        count(s, DNS_SERVER_CNT_DROP_SHORT);
        return;
    }
    if (h.flags & DNS_FLAG_QR) {
        /* ot §5.1: only queries; answering responses invites loops. */
        count(s, DNS_SERVER_CNT_DROP_NOT_QUERY);
        return;
    }
    struct dns_msg_info info;
    struct req r = {h.id, h.flags, false, NULL, false, DNS_UDP_MAX};
    if (dns_msg_parse(msg, len, &info) != DNS_OK) {
        count(s, DNS_SERVER_CNT_FORMERR);
        reply_empty(s, &r, DNS_RCODE_FORMERR, false, src, sport, 0, out);
        return;
    }
    if (info.has_opt) {
        r.edns = true;
        uint16_t lim = info.opt.udp_size < DNS_UDP_MAX ? DNS_UDP_MAX : info.opt.udp_size;
        r.limit = lim > s->cfg.max_udp ? s->cfg.max_udp : lim;
    }
    if (dns_hdr_opcode(&h) != DNS_OPCODE_QUERY) {
        count(s, DNS_SERVER_CNT_NOTIMP_OPCODE);
        reply_empty(s, &r, DNS_RCODE_NOTIMP, false, src, sport, 0, out);
        return;
    }
    if (h.qdcount != 1) {
        count(s, DNS_SERVER_CNT_FORMERR_QDCOUNT);
        reply_empty(s, &r, DNS_RCODE_FORMERR, false, src, sport, 0, out);
        return;
    }
    r.has_q = true;
    r.q = &info.q;
    if (info.has_opt && info.opt.version != 0) {
        /* RFC 6891 §6.1.3: BADVERS = 16, upper bits 1 in the OPT. */
        count(s, DNS_SERVER_CNT_BADVERS);
        struct dns_builder b;
        reply_begin(s, &b, out->buf, &r, false, 0);
        reply_end(s, &b, &r, 1, out);
        act_reply(out, src, sport, 0);
        return;
    }

    const struct dns_question *q = &info.q;
    bool srp = dns_name_in(&q->name, &s->zone_srp);
    bool v4only = dns_name_in(&q->name, &s->zone_ipv4only) ||
                  dns_name_equal(&q->name, &s->ptr170) || dns_name_equal(&q->name, &s->ptr171);
    if (srp || v4only) {
        struct dns_builder b;
        reply_begin(s, &b, out->buf, &r, true, 0);
        unsigned rc = srp ? answer_srp(s, &b, q) : answer_ipv4only(s, &b, q);
        b.hdr.flags = (uint16_t)((b.hdr.flags & ~DNS_FLAG_RCODE_MASK) | rc);
        if (srp)
            count(s, rc == DNS_RCODE_NXDOMAIN ? DNS_SERVER_CNT_LOCAL_SRP_NXDOMAIN
                                              : DNS_SERVER_CNT_LOCAL_SRP);
        else
            count(s, DNS_SERVER_CNT_LOCAL_IPV4ONLY);
        reply_end(s, &b, &r, 0, out);
        act_reply(out, src, sport, 0);
        return;
    }

    if (!s->cfg.upstream_enabled) {
        count(s, DNS_SERVER_CNT_REFUSED_FORWARDING_OFF);
        reply_empty(s, &r, DNS_RCODE_REFUSED, false, src, sport, 0, out);
        return;
    }
    if (!(h.flags & DNS_FLAG_RD)) {
        count(s, DNS_SERVER_CNT_REFUSED_NO_RD);
        reply_empty(s, &r, DNS_RCODE_REFUSED, false, src, sport, 0, out);
        return;
    }
    if (s->nup == 0) {
        count(s, DNS_SERVER_CNT_SERVFAIL_NO_UPSTREAM);
        reply_empty(s, &r, DNS_RCODE_SERVFAIL, false, src, sport, 0, out);
        return;
    }
    if (info.len > DNS_SERVER_QUERY_MAX) {
        count(s, DNS_SERVER_CNT_SERVFAIL_TOO_BIG);
        reply_empty(s, &r, DNS_RCODE_SERVFAIL, false, src, sport, 0, out);
        return;
    }
    size_t cap = s->cfg.max_txns_per_client;
    if (cap > 0 && client_txns(s, src, dev_key) >= cap) {
        /* Fair share (dns_server.h): SERVFAIL as for a full table. */
        count(s, DNS_SERVER_CNT_SERVFAIL_CLIENT_LIMIT);
        reply_empty(s, &r, DNS_RCODE_SERVFAIL, false, src, sport, 0, out);
        return;
    }
    struct dns_server_txn *t = txn_alloc(s);
    if (!t) {
        count(s, DNS_SERVER_CNT_SERVFAIL_TABLE_FULL);
        reply_empty(s, &r, DNS_RCODE_SERVFAIL, false, src, sport, 0, out);
        return;
    }
    count(s, DNS_SERVER_CNT_FORWARDED);
    memcpy(t->dev_addr, src, 16);
    t->dev_port = sport;
    t->dev_key = dev_key;
    t->has_local = local != NULL;
    if (local)
        memcpy(t->dev_local, local, 16);
    t->dev_id = h.id;
    t->dev_flags = h.flags;
    t->dev_edns = r.edns;
    t->dev_limit = r.limit;
    t->q = *q;
    t->dns64 = s->cfg.dns64 && s->has_prefix && q->type == DNS_TYPE_AAAA && q->cls == DNS_CLASS_IN;
    t->phase = DNS_SERVER_PHASE_FORWARD;
    /* The query goes upstream as received (ot §5.3), bytes after the last
     * record dropped; only the ID is replaced per attempt. */
    memcpy(t->query, msg, info.len);
    t->query_len = info.len;
    t->budget_end_ms = now_ms + s->cfg.budget_ms;
    txn_attempt(s, t, now_ms, false, false, out);
}

/* ---- Upstream answers ------------------------------------------------------ */

/* RFC 6147 §5.1.4 / RFC 6052 §3.1: IPv4 ranges never synthesized. */
static bool v4_excluded(const struct dns_server *s, const uint8_t a[4])
{
    static const uint8_t wkp[12] = {0, 0x64, 0xff, 0x9b};
    if (a[0] == 0 || a[0] == 127 || a[0] >= 224 || (a[0] == 169 && a[1] == 254))
        return true;
    if (s->prefix.len == 96 && !memcmp(s->prefix.addr, wkp, 12)) {
        /* The well-known prefix is for global IPv4 only. */
        if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
            (a[0] == 100 && (a[1] & 0xc0) == 64))
            return true;
    }
    return false;
}

static bool is_v4mapped(const uint8_t a[16])
{
    static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return !memcmp(a, pre, 12);
}

/* Walks an AAAA answer: is there a usable AAAA; the SOA minimum for
 * §5.1.7 (RFC 2308 §5: min of the SOA TTL and MINIMUM). */
static void scan_aaaa(const uint8_t *msg, size_t len, bool *usable, bool *has_soa,
                      uint32_t *soa_min)
{
    struct dns_parser p;
    struct dns_rr rr;
    *usable = false;
    *has_soa = false;
    if (dns_parse_begin(&p, msg, len) != DNS_OK)
        return;
    while (dns_parse_rr(&p, &rr) == DNS_OK) {
        if (rr.section == DNS_SECTION_ANSWER && rr.type == DNS_TYPE_AAAA &&
            rr.cls == DNS_CLASS_IN && !is_v4mapped(rr.u.aaaa))
            *usable = true;
        if (rr.section == DNS_SECTION_AUTHORITY && rr.type == DNS_TYPE_SOA) {
            uint32_t m = rr.ttl < rr.u.soa.minimum ? rr.ttl : rr.u.soa.minimum;
            *soa_min = *has_soa && *soa_min < m ? *soa_min : m;
            *has_soa = true;
        }
    }
}

/* Replaces t's upstream query with an A query for the same name (RD=1,
 * EDNS0 at DNS_EDNS_UDP). */
static bool build_a_query(struct dns_server_txn *t)
{
    struct dns_builder b;
    dns_build_init(&b, t->query, sizeof(t->query), 0, DNS_FLAG_RD);
    dns_build_reserve(&b, DNS_OPT_LEN);
    dns_build_question(&b, &t->q.name, DNS_TYPE_A, DNS_CLASS_IN);
    struct dns_opt o = {DNS_EDNS_UDP, 0, 0, 0, NULL, 0};
    dns_build_opt(&b, &o);
    return dns_build_finish(&b, &t->query_len) == DNS_OK;
}

/* The device's AAAA answer from an A answer (RFC 6147 §5.1.6-§5.1.8). */
static void synthesize(struct dns_server *s, struct dns_server_txn *t, const uint8_t *msg,
                       size_t len, unsigned rcode, struct dns_server_action *out)
{
    struct req r = txn_req(t);
    struct dns_builder b;
    reply_begin(s, &b, out->buf, &r, false, 0);
    bool any = false;
    struct dns_parser p;
    struct dns_rr rr;
    if (rcode == DNS_RCODE_NOERROR && dns_parse_begin(&p, msg, len) == DNS_OK) {
        while (dns_parse_rr(&p, &rr) == DNS_OK && rr.section == DNS_SECTION_ANSWER) {
            if (rr.type == DNS_TYPE_CNAME) {
                dns_build_name_rr(&b, DNS_SECTION_ANSWER, &rr.name, DNS_TYPE_CNAME, rr.ttl,
                                  &rr.u.target);
            } else if (rr.type == DNS_TYPE_A && rr.cls == DNS_CLASS_IN) {
                uint8_t a6[16];
                if (v4_excluded(s, rr.u.a)) {
                    count(s, DNS_SERVER_CNT_DNS64_EXCLUDED);
                    continue;
                }
                uint32_t ttl = rr.ttl;
                if (t->has_soa_min && t->soa_min < ttl)
                    ttl = t->soa_min;
                if (s->has_prefix && rfc6052_synth(&s->prefix, rr.u.a, a6) &&
                    dns_build_aaaa(&b, DNS_SECTION_ANSWER, &rr.name, ttl, a6) == DNS_OK)
                    any = true;
            }
        }
    }
    if (any)
        count(s, DNS_SERVER_CNT_DNS64_SYNTHESIZED);
    /* AD stays clear (§5.5): reply_begin never sets it. */
    reply_end(s, &b, &r, 0, out);
    act_reply(out, t->dev_addr, t->dev_port, t->id);
    act_local(out, t);
    t->in_use = false;
}

/* Relays an upstream answer to the device: the device's ID, cut to its size
 * with TC when needed. */
static void relay(struct dns_server *s, struct dns_server_txn *t, const uint8_t *msg, size_t len,
                  size_t used, struct dns_server_action *out)
{
    size_t outlen = 0;
    if (used <= t->dev_limit) {
        memcpy(out->buf, msg, used);
        outlen = used;
    } else if (dns_msg_truncate(msg, len, out->buf, t->dev_limit, &outlen) == DNS_OK) {
        count(s, DNS_SERVER_CNT_TRUNCATED_TO_DEVICE);
    } else {
        txn_fail(s, t, DNS_RCODE_SERVFAIL, out);
        return;
    }
    be16_put(out->buf, t->dev_id);
    out->len = outlen;
    count(s, DNS_SERVER_CNT_UPSTREAM_RESPONSES);
    act_reply(out, t->dev_addr, t->dev_port, t->id);
    act_local(out, t);
    t->in_use = false;
}

void dns_server_upstream_response(struct dns_server *s, uint64_t now_ms, uint32_t txn,
                                  const uint8_t *msg, size_t len, const uint8_t from[16],
                                  uint16_t from_port, struct dns_server_action *out)
{
    out->kind = DNS_SERVER_ACT_NONE;
    out->txn = 0;
    out->len = 0;
    struct dns_server_txn *t = txn_find(s, txn);
    if (!t || !msg) {
        count(s, DNS_SERVER_CNT_UPSTREAM_STALE);
        return;
    }
    if (!from || memcmp(from, t->up.addr, 16) || from_port != t->up.port) {
        count(s, DNS_SERVER_CNT_UPSTREAM_WRONG_SOURCE); /* RFC 5452 §9.1 */
        return;
    }
    struct dns_hdr h;
    if (dns_hdr_read(msg, len, &h) != DNS_OK || h.id != t->up_id || !(h.flags & DNS_FLAG_QR) ||
        dns_hdr_opcode(&h) != DNS_OPCODE_QUERY) {
        count(s, DNS_SERVER_CNT_UPSTREAM_MISMATCH);
        return;
    }
    struct dns_msg_info info;
    if (dns_msg_parse(msg, len, &info) != DNS_OK) {
        /* The right ID but garbage: this resolver failed this attempt. */
        count(s, DNS_SERVER_CNT_UPSTREAM_MALFORMED);
        up_failed(s, &t->up, now_ms);
        txn_attempt(s, t, now_ms, false, false, out);
        return;
    }
    uint16_t want_type = t->phase == DNS_SERVER_PHASE_DNS64_A ? DNS_TYPE_A : t->q.type;
    if (h.qdcount != 1 || !info.has_question || !dns_name_equal(&info.q.name, &t->q.name) ||
        info.q.type != want_type || info.q.cls != t->q.cls) {
        count(s, DNS_SERVER_CNT_UPSTREAM_MISMATCH);
        return;
    }
    up_ok(s, &t->up);
    if ((h.flags & DNS_FLAG_TC) && !t->tcp) {
        /* RFC 7766 §5: retry the same resolver over TCP. */
        count(s, DNS_SERVER_CNT_UPSTREAM_TCP);
        txn_attempt(s, t, now_ms, true, true, out);
        return;
    }
    unsigned rcode = dns_hdr_rcode(&h);
    if ((rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED || rcode == DNS_RCODE_NOTIMP) &&
        has_untried(s, t) && now_ms < t->budget_end_ms && t->attempts < s->cfg.max_attempts) {
        count(s, DNS_SERVER_CNT_UPSTREAM_RCODE_RETRY);
        txn_attempt(s, t, now_ms, false, false, out);
        return;
    }
    if (t->phase == DNS_SERVER_PHASE_DNS64_A) {
        synthesize(s, t, msg, len, rcode, out);
        return;
    }
    if (t->dns64 && rcode == DNS_RCODE_NOERROR) {
        bool usable;
        scan_aaaa(msg, len, &usable, &t->has_soa_min, &t->soa_min);
        if (!usable && build_a_query(t)) {
            /* RFC 6147 §5.1.6: NODATA, so ask for A records. */
            count(s, DNS_SERVER_CNT_DNS64_A_QUERIES);
            t->phase = DNS_SERVER_PHASE_DNS64_A;
            txn_attempt(s, t, now_ms, true, false, out);
            return;
        }
    }
    relay(s, t, msg, len, info.len, out);
}

void dns_server_upstream_error(struct dns_server *s, uint64_t now_ms, uint32_t txn,
                               struct dns_server_action *out)
{
    out->kind = DNS_SERVER_ACT_NONE;
    out->txn = 0;
    out->len = 0;
    struct dns_server_txn *t = txn_find(s, txn);
    if (!t) {
        count(s, DNS_SERVER_CNT_UPSTREAM_STALE);
        return;
    }
    count(s, DNS_SERVER_CNT_UPSTREAM_ERRORS);
    up_failed(s, &t->up, now_ms);
    txn_attempt(s, t, now_ms, false, false, out);
}

bool dns_server_poll(struct dns_server *s, uint64_t now_ms, struct dns_server_action *out)
{
    out->kind = DNS_SERVER_ACT_NONE;
    out->txn = 0;
    out->len = 0;
    for (size_t i = 0; i < DNS_SERVER_MAX_TXNS; i++) {
        struct dns_server_txn *t = &s->txns[i];
        if (!t->in_use || t->deadline_ms > now_ms)
            continue;
        count(s, DNS_SERVER_CNT_UPSTREAM_TIMEOUTS);
        up_failed(s, &t->up, now_ms);
        txn_attempt(s, t, now_ms, false, false, out);
        return true;
    }
    return false;
}

uint64_t dns_server_next_timeout(const struct dns_server *s)
{
    uint64_t m = UINT64_MAX;
    for (size_t i = 0; i < DNS_SERVER_MAX_TXNS; i++)
        if (s->txns[i].in_use && s->txns[i].deadline_ms < m)
            m = s->txns[i].deadline_ms;
    return m;
}

size_t dns_server_txns_in_use(const struct dns_server *s)
{
    size_t n = 0;
    for (size_t i = 0; i < DNS_SERVER_MAX_TXNS; i++)
        n += s->txns[i].in_use;
    return n;
}

/* The client: the caller's device key when given (the Thread child), else
 * the source masked to client_prefix_len among unkeyed transactions. */
static size_t client_txns(const struct dns_server *s, const uint8_t src[16], uint64_t dev_key)
{
    size_t n = 0;
    for (size_t i = 0; i < DNS_SERVER_MAX_TXNS; i++) {
        const struct dns_server_txn *t = &s->txns[i];
        n += t->in_use && t->dev_key == dev_key &&
             (dev_key || addr_prefix_match(t->dev_addr, src, s->cfg.client_prefix_len));
    }
    return n;
}

size_t dns_server_client_txns(const struct dns_server *s, const uint8_t src[16])
{
    return client_txns(s, src, 0);
}

size_t dns_server_dev_txns(const struct dns_server *s, uint64_t dev_key)
{
    return dev_key ? client_txns(s, NULL, dev_key) : 0;
}
