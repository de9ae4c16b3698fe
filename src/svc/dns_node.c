/* The DNS client on a struct tnode; see dns_node.h. */
#include "svc/dns_node.h"

#include <stdint.h>
#include <string.h>

#include "util/rfc6052.h"
#include "svc/srp_node.h"
#include "util/addr.h"

static const uint8_t any6[16];

bool dns_node_default_server(const struct tnode *node, uint8_t addr[16])
{
    struct netdata_dns_srp srv;

    if (srp_node_server(node, &srv)) {
        memcpy(addr, srv.addr, 16);
        return true;
    }
    addr_parse6(DNS_CLIENT_SERVER, addr);
    return false;
}

void dns_node_init(struct dns_node *d, struct tnode *node, dns_node_done_fn done, void *user)
{
    memset(d, 0, sizeof(*d));
    d->node = node;
    d->done = done;
    d->user = user;
    dns_client_init(&d->client, (uint32_t)(uintptr_t)d);
}

void dns_node_free(struct dns_node *d)
{
    dns_client_cancel(&d->client);
    if (d->udp_open)
        tnode_udp_close(d->node, d->udp_handle);
    d->udp_open = false;
}

void dns_node_set_config(struct dns_node *d, const struct dns_node_config *cfg)
{
    d->dflt = *cfg;
}

/* cfg's nonzero fields over q. */
static void apply(struct dns_client_query *q, const struct dns_node_config *cfg)
{
    if (cfg->has_server && memcmp(cfg->server, any6, 16) != 0)
        memcpy(q->server, cfg->server, 16);
    if (cfg->port != 0)
        q->port = cfg->port;
    if (cfg->timeout_ms != 0)
        q->timeout_ms = cfg->timeout_ms;
    if (cfg->attempts != 0)
        q->attempts = cfg->attempts;
    if (cfg->rd != 0)
        q->rd = cfg->rd == 1;
}

void dns_node_get_config(const struct dns_node *d, struct dns_client_query *out)
{
    memset(out, 0, sizeof(*out));
    dns_node_default_server(d->node, out->server);
    out->port = DNS_CLIENT_PORT;
    out->timeout_ms = DNS_CLIENT_TIMEOUT_MS;
    out->attempts = DNS_CLIENT_ATTEMPTS;
    out->rd = true;
    out->nat64_ok = true; /* Nat64Mode: allow (the CLI has no argument for it) */
    apply(out, &d->dflt);
}

/* Hands the result over; the client is idle again first, so done may start
 * the next query. */
static void finish(struct dns_node *d, enum ot_err send_err)
{
    const struct dns_client_result *r = dns_client_result(&d->client);

    memset(&d->res, 0, sizeof(d->res));
    d->res.send_err = send_err;
    if (send_err == OT_ERR_NONE && r != NULL)
        d->res.r = *r;
    dns_client_cancel(&d->client);
    if (d->res.r.ip4 && d->res.r.n > 0) {
        struct addr_prefix6 pfx;
        bool ok = tnode_nat64_prefix(d->node, &pfx);

        /* Synthesized with the prefix preferred now (RFC 6147 §5.1.7). */
        for (size_t i = 0; ok && i < d->res.r.n; i++) {
            uint8_t ip4[4];

            memcpy(ip4, d->res.r.addrs[i], 4);
            ok = rfc6052_synth(&pfx, ip4, d->res.r.addrs[i]);
        }
        d->res.no_prefix = !ok;
    }
    if (d->done != NULL)
        d->done(d->user, &d->res);
}

/* Sends whatever the client has due; a refused send other than Busy (a
 * frame the node could not queue now: the retransmission covers it) ends
 * the query, or any refused send when busy_ends. */
static enum ot_err send_due(struct dns_node *d, uint64_t now_ms, bool busy_ends)
{
    const uint8_t *msg;
    size_t len;

    if (!dns_client_poll(&d->client, now_ms, &msg, &len))
        return OT_ERR_NONE;
    enum ot_err te = tnode_udp_send(d->node, d->udp_handle, d->client.q.server, d->client.q.port,
                                    msg, len, now_ms);
    return te == OT_ERR_BUSY && !busy_ends ? OT_ERR_NONE : te;
}

static void on_udp(void *ctx, const struct tnode_udp_rx *rx)
{
    struct dns_node *d = ctx;
    uint64_t now_ms = rx->now_ms;
    enum ot_err te;

    if (!dns_client_rx(&d->client, now_ms, rx->payload, rx->len))
        return;
    if (dns_client_done(&d->client)) {
        finish(d, OT_ERR_NONE);
        return;
    }
    /* The A query of the NAT64 fallback goes out at once. */
    te = send_due(d, now_ms, true);
    if (te != OT_ERR_NONE)
        finish(d, te);
}

enum ot_err dns_node_resolve(struct dns_node *d, const char *name, bool four,
                             const struct dns_node_config *over, uint64_t now_ms)
{
    struct dns_client_query q;
    struct addr_prefix6 pfx;
    struct dns_name qname;
    enum ot_err te;

    if (dns_client_waiting(&d->client))
        return OT_ERR_BUSY;
    if (four && !tnode_nat64_prefix(d->node, &pfx))
        return OT_ERR_INVALID_STATE;
    /* OpenThread refuses the root and an empty name too. */
    if (name[0] == '\0' || strcmp(name, ".") == 0 || dns_name_from_text(name, &qname) != DNS_OK)
        return OT_ERR_INVALID_ARGS;
    dns_node_get_config(d, &q);
    if (over != NULL)
        apply(&q, over);
    if (!d->udp_open) {
        te = tnode_udp_open(d->node, on_udp, d, &d->udp_handle);
        if (te != OT_ERR_NONE)
            return te;
        d->udp_open = true;
    }
    if (dns_client_start(&d->client, &qname, four, &q, now_ms) != DNS_OK)
        return OT_ERR_INVALID_ARGS;
    te = send_due(d, now_ms, true);
    if (te != OT_ERR_NONE)
        dns_client_cancel(&d->client);
    return te;
}

bool dns_node_busy(const struct dns_node *d)
{
    return dns_client_waiting(&d->client);
}

void dns_node_cancel(struct dns_node *d)
{
    dns_client_cancel(&d->client);
}

void dns_node_process(struct dns_node *d, uint64_t now_ms)
{
    enum ot_err te;

    if (!dns_client_waiting(&d->client))
        return;
    te = send_due(d, now_ms, false);
    if (te != OT_ERR_NONE)
        finish(d, te);
    else if (dns_client_done(&d->client))
        finish(d, OT_ERR_NONE);
}

int64_t dns_node_next_timeout_ms(const struct dns_node *d, uint64_t now_ms)
{
    uint64_t t = dns_client_next_timeout(&d->client);

    if (t == UINT64_MAX)
        return -1;
    return t <= now_ms ? 0 : (int64_t)(t - now_ms);
}
