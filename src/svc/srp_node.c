/* The device's SRP client on a struct tnode; see srp_node.h. */
#include "svc/srp_node.h"

#include <string.h>

#include "ip6/ip6.h"
#include "util/kv.h"
#include "util/rd.h"

#define AUTO_ADDRS_SCAN 32

static void on_udp(void *ctx, const struct tnode_udp_rx *rx)
{
    struct srp_node *sn = ctx;

    srp_client_rx(&sn->client, rx->now_ms, rx->payload, rx->len, rx->src, rx->sport);
}

/* The stored key, or a new one (saved). */
static int load_key(struct srp_node *sn, void (*random)(void *, uint8_t *, size_t), void *user,
                    uint8_t priv[SRP_CLIENT_KEY_LEN])
{
    uint8_t rnd[48];
    size_t len = 0;

    if (sn->kv.ops != NULL &&
        kv_get(&sn->kv, SETTINGS_KEY_SRP_ECDSA_KEY, 0, priv, SRP_CLIENT_KEY_LEN, &len) == 0 &&
        len == SRP_CLIENT_KEY_LEN)
        return 0;
    random(user, rnd, sizeof(rnd));
    if (srp_client_make_key(rnd, sizeof(rnd), priv) != SRP_CLIENT_ERR_OK)
        return -1;
    memset(rnd, 0, sizeof(rnd));
    if (sn->kv.ops != NULL)
        sn->key_saved = kv_set(&sn->kv, SETTINGS_KEY_SRP_ECDSA_KEY, priv, SRP_CLIENT_KEY_LEN) == 0;
    return 0;
}

int srp_node_init(struct srp_node *sn, struct tnode *node, const struct kv *kv,
                  void (*random)(void *user, uint8_t *buf, size_t len), void *user)
{
    uint8_t priv[SRP_CLIENT_KEY_LEN];
    uint8_t seed[4];
    int rc = -1;

    memset(sn, 0, sizeof(*sn));
    sn->node = node;
    if (kv != NULL)
        sn->kv = *kv;
    random(user, seed, sizeof(seed));
    for (int tries = 0; tries < 2 && rc != 0; tries++) {
        if (load_key(sn, random, user, priv) != 0)
            break;
        if (srp_client_init(&sn->client, priv, be32_get(seed)) == SRP_CLIENT_ERR_OK)
            rc = 0;
        else if (sn->kv.ops != NULL) /* a stored key mbedTLS refuses: make a new one */
            kv_delete(&sn->kv, SETTINGS_KEY_SRP_ECDSA_KEY, -1);
    }
    memset(priv, 0, sizeof(priv));
    return rc;
}

void srp_node_free(struct srp_node *sn)
{
    if (sn->udp_open)
        tnode_udp_close(sn->node, sn->udp_handle);
    sn->udp_open = false;
}

static bool mesh_local_kind(enum tnode_addr_kind k)
{
    return k == TNODE_ADDR_MLEID || k == TNODE_ADDR_RLOC || k == TNODE_ADDR_ALOC;
}

unsigned srp_node_auto_addrs(const struct tnode *node, uint8_t (*out)[16], unsigned max)
{
    struct tnode_addr ad[AUTO_ADDRS_SCAN];
    size_t k = tnode_addrs(node, ad, AUTO_ADDRS_SCAN);
    unsigned n = 0;

    if (k > AUTO_ADDRS_SCAN)
        k = AUTO_ADDRS_SCAN;
    for (size_t i = 0; i < k && n < max; i++)
        if (ad[i].kind != TNODE_ADDR_LINK_LOCAL && !mesh_local_kind(ad[i].kind))
            memcpy(out[n++], ad[i].addr, 16);
    for (size_t i = 0; i < k && n == 0 && max > 0; i++)
        if (ad[i].kind == TNODE_ADDR_MLEID)
            memcpy(out[n++], ad[i].addr, 16);
    return n;
}

bool srp_node_server(const struct tnode *node, struct netdata_dns_srp *out)
{
    size_t len = 0;
    const uint8_t *nd = tnode_netdata(node, &len);
    struct tnode_addr ad[16];
    size_t k;

    if (!netdata_find_dns_srp(nd, len, out))
        return false;
    if (!out->anycast)
        return true;
    /* the service ALOC in our mesh-local prefix */
    k = tnode_addrs(node, ad, 16);
    for (size_t i = 0; i < k && i < 16; i++) {
        if (ad[i].kind == TNODE_ADDR_MLEID || ad[i].kind == TNODE_ADDR_RLOC) {
            ip6_locator(ad[i].addr, (uint16_t)(NETDATA_SERVICE_ALOC_FIRST + out->service_id),
                        out->addr);
            return true;
        }
    }
    return false;
}

static void auto_start(struct srp_node *sn, uint64_t now_ms)
{
    struct netdata_dns_srp srv;
    enum tnode_role role = tnode_role(sn->node);
    bool found =
        role != TNODE_DISABLED && role != TNODE_DETACHED && srp_node_server(sn->node, &srv);

    if (!found) {
        sn->has_sel = false;
        srp_client_set_server(&sn->client, NULL, 0, now_ms);
        return;
    }
    /* A new anycast sequence number: register again (ProcessAutoStart). */
    if (sn->has_sel && srv.anycast && sn->sel.anycast && srv.seq != sn->sel.seq &&
        memcmp(srv.addr, sn->sel.addr, 16) == 0)
        srp_client_set_server(&sn->client, NULL, 0, now_ms);
    sn->sel = srv;
    sn->has_sel = true;
    srp_client_set_server(&sn->client, srv.addr, srv.port, now_ms);
}

void srp_node_process(struct srp_node *sn, uint64_t now_ms)
{
    struct srp_client *c = &sn->client;
    const uint8_t *msg;
    size_t len;
    uint8_t dst[16];
    uint16_t dport;

    if (c->autostart)
        auto_start(sn, now_ms);
    if (c->auto_addr) {
        uint8_t addrs[SRP_CLIENT_MAX_ADDRS][16];
        unsigned n = srp_node_auto_addrs(sn->node, addrs, SRP_CLIENT_MAX_ADDRS);

        srp_client_set_auto_addrs(c, (const uint8_t(*)[16])addrs, n, now_ms);
    }
    if (c->running && !sn->udp_open) {
        if (tnode_udp_open(sn->node, on_udp, sn, &sn->udp_handle) != OT_ERR_NONE)
            return; /* no socket free: try again next time */
        sn->udp_open = true;
        tnode_udp_bind(sn->node, sn->udp_handle, NULL, 0);
    } else if (!c->running && sn->udp_open) {
        tnode_udp_close(sn->node, sn->udp_handle);
        sn->udp_open = false;
    }
    if (!sn->udp_open)
        return;
    while (srp_client_poll(c, now_ms, &msg, &len, dst, &dport)) {
        /* A refused send is like a lost one: the answer timeout retries. */
        if (tnode_udp_send(sn->node, sn->udp_handle, dst, dport, msg, len, now_ms) != OT_ERR_NONE)
            sn->send_errors++;
    }
}

int64_t srp_node_next_timeout_ms(const struct srp_node *sn, uint64_t now_ms)
{
    uint64_t t = srp_client_next_timeout(&sn->client);

    if (t == UINT64_MAX)
        return -1;
    return t <= now_ms ? 0 : (int64_t)(t - now_ms);
}
