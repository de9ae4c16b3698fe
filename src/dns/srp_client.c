/* SRP client (RFC 9665 §3). Contracts and behaviour in srp_client.h. */
#include "dns/srp_client.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hmac_drbg.h>
#include <mbedtls/md.h>

#include "dns/srp.h"
#include "util/addr.h"
#include "util/rd.h"
#include "util/textbuf.h"

#define NONE UINT64_MAX
#define KEY_PROTOCOL_DNSSEC 3 /* RFC 2535 §3.1.3 */

/* ---- names of things ------------------------------------------------------ */

static const char *const state_names[] = {"ToAdd",    "Adding",   "ToRefresh",  "Refreshing",
                                          "ToRemove", "Removing", "Registered", "Removed"};

const char *srp_client_item_state_str(enum srp_client_item_state s)
{
    if ((unsigned)s >= sizeof state_names / sizeof state_names[0])
        return "Unknown";
    return state_names[s];
}

static const char *const err_names[] = {
#define SRP_CLIENT_X_NAME(id, name) name,
    SRP_CLIENT_ERRORS(SRP_CLIENT_X_NAME)
#undef SRP_CLIENT_X_NAME
};

const char *srp_client_err_str(enum srp_client_err e)
{
    return (unsigned)e < SRP_CLIENT_ERR__COUNT ? err_names[e] : "unknown";
}

static const char *const drop_names[] = {
#define SRP_CLIENT_X_NAME(id, name) name,
    SRP_CLIENT_DROPS(SRP_CLIENT_X_NAME)
#undef SRP_CLIENT_X_NAME
};

const char *srp_client_drop_str(enum srp_client_drop d)
{
    return (unsigned)d < SRP_CLIENT_DROP__COUNT ? drop_names[d] : "unknown";
}

/* ---- small helpers --------------------------------------------------------- */

static uint32_t rnd32(struct srp_client *c)
{
    /* xorshift32: ids and jitter only, never keys */
    uint32_t x = c->rand_state ? c->rand_state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c->rand_state = x;
    return x;
}

/* Uniform in [lo, hi]. */
static uint32_t rnd_range(struct srp_client *c, uint32_t lo, uint32_t hi)
{
    return lo + rnd32(c) % (hi - lo + 1);
}

static uint64_t tx_jitter(struct srp_client *c, uint64_t now_ms)
{
    return now_ms + rnd_range(c, SRP_CLIENT_TX_JITTER_MIN_MS, SRP_CLIENT_TX_JITTER_MAX_MS);
}

static void grow_retry(struct srp_client *c)
{
    /* GrowRetryWaitInterval: interval / 10 * 17, capped */
    uint64_t r = (uint64_t)c->retry_ms / SRP_CLIENT_RETRY_GROWTH_DEN * SRP_CLIENT_RETRY_GROWTH_NUM;
    c->retry_ms = r > SRP_CLIENT_MAX_RETRY_MS ? SRP_CLIENT_MAX_RETRY_MS : (uint32_t)r;
}

static bool label_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

/* One label of safe characters (host name). */
static bool host_label_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SRP_CLIENT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!label_char_ok(s[i]))
            return false;
    return true;
}

/* "_test._udp": labels of safe characters separated by single dots. */
static bool service_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, l = 0;
    if (n == 0 || n > SRP_CLIENT_SERVICE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (l == 0)
                return false;
            l = 0;
        } else if (!label_char_ok(s[i])) {
            return false;
        } else {
            l++;
        }
    }
    return l > 0;
}

/* Character-strings filling txt exactly (RFC 1035 §3.3.14). */
static bool txt_ok(const uint8_t *txt, uint16_t len)
{
    struct rd r = rd_init(txt, len);
    while (r.left) {
        uint8_t l;
        if (!rd_u8(&r, &l) || !rd_skip(&r, l))
            return false;
    }
    return true;
}

static bool any_service(const struct srp_client *c)
{
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++)
        if (c->services[i].used)
            return true;
    return false;
}

static struct srp_client_service *find_service(struct srp_client *c, const char *instance,
                                               const char *service)
{
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
        struct srp_client_service *s = &c->services[i];
        if (s->used && strcmp(s->instance, instance) == 0 && strcmp(s->service, service) == 0)
            return s;
    }
    return NULL;
}

/* ---- keys (mbedTLS) -------------------------------------------------------- */

/* A DRBG for mbedTLS's blinding, seeded from the key and data: blinding
 * only hides side channels; the results (public key, RFC 6979 signature)
 * do not depend on it. */
static int drbg_seed(mbedtls_hmac_drbg_context *drbg, const uint8_t priv[SRP_CLIENT_KEY_LEN],
                     const uint8_t *data, size_t len)
{
    uint8_t seed[SRP_CLIENT_KEY_LEN + 32];
    memcpy(seed, priv, SRP_CLIENT_KEY_LEN);
    memset(seed + SRP_CLIENT_KEY_LEN, 0, 32);
    memcpy(seed + SRP_CLIENT_KEY_LEN, data, len < 32 ? len : 32);
    int rc = mbedtls_hmac_drbg_seed_buf(drbg, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), seed,
                                        sizeof seed);
    memset(seed, 0, sizeof seed);
    return rc;
}

static int derive_pub(const uint8_t priv[SRP_CLIENT_KEY_LEN], uint8_t pub[SRP_CLIENT_PUBKEY_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_ecp_point q;
    mbedtls_mpi d;
    mbedtls_hmac_drbg_context drbg;
    uint8_t pt[1 + SRP_CLIENT_PUBKEY_LEN];
    size_t olen = 0;
    mbedtls_ecp_group_init(&grp);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&d);
    mbedtls_hmac_drbg_init(&drbg);
    int rc = drbg_seed(&drbg, priv, (const uint8_t *)"pub", 3);
    rc = rc ? rc : mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    rc = rc ? rc : mbedtls_mpi_read_binary(&d, priv, SRP_CLIENT_KEY_LEN);
    rc = rc ? rc : mbedtls_ecp_check_privkey(&grp, &d);
    rc = rc ? rc : mbedtls_ecp_mul(&grp, &q, &d, &grp.G, mbedtls_hmac_drbg_random, &drbg);
    rc = rc ? rc
            : mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pt,
                                             sizeof pt);
    if (rc == 0 && olen != sizeof pt)
        rc = -1;
    if (rc == 0)
        memcpy(pub, pt + 1, SRP_CLIENT_PUBKEY_LEN); /* SEC 1 §2.3.3 without the 0x04 */
    mbedtls_hmac_drbg_free(&drbg);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

/* ECDSA P-256 over a SHA-256 digest, deterministic k (RFC 6979); r||s. */
static int sign_digest(const uint8_t priv[SRP_CLIENT_KEY_LEN], const uint8_t hash[32],
                       uint8_t sig[SRP_SIG_LEN])
{
    mbedtls_ecp_group grp;
    mbedtls_mpi d, r, s;
    mbedtls_hmac_drbg_context drbg;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&d);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    mbedtls_hmac_drbg_init(&drbg);
    int rc = drbg_seed(&drbg, priv, hash, 32);
    rc = rc ? rc : mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    rc = rc ? rc : mbedtls_mpi_read_binary(&d, priv, SRP_CLIENT_KEY_LEN);
    rc = rc ? rc
            : mbedtls_ecdsa_sign_det_ext(&grp, &r, &s, &d, hash, 32, MBEDTLS_MD_SHA256,
                                         mbedtls_hmac_drbg_random, &drbg);
    rc = rc ? rc : mbedtls_mpi_write_binary(&r, sig, 32);
    rc = rc ? rc : mbedtls_mpi_write_binary(&s, sig + 32, 32);
    mbedtls_hmac_drbg_free(&drbg);
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&d);
    mbedtls_ecp_group_free(&grp);
    return rc;
}

enum srp_client_err srp_client_make_key(const uint8_t *rnd, size_t rnd_len,
                                        uint8_t priv[SRP_CLIENT_KEY_LEN])
{
    if (!rnd || !priv || rnd_len < 48)
        return SRP_CLIENT_ERR_INVALID_ARGS;
    mbedtls_ecp_group grp;
    mbedtls_mpi x, n1;
    mbedtls_ecp_group_init(&grp);
    mbedtls_mpi_init(&x);
    mbedtls_mpi_init(&n1);
    /* d = rnd mod (n - 1) + 1: in [1, n-1] (FIPS 186-4 B.4.1 style) */
    int rc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1);
    rc = rc ? rc : mbedtls_mpi_read_binary(&x, rnd, rnd_len);
    rc = rc ? rc : mbedtls_mpi_sub_int(&n1, &grp.N, 1);
    rc = rc ? rc : mbedtls_mpi_mod_mpi(&x, &x, &n1);
    rc = rc ? rc : mbedtls_mpi_add_int(&x, &x, 1);
    rc = rc ? rc : mbedtls_mpi_write_binary(&x, priv, SRP_CLIENT_KEY_LEN);
    mbedtls_mpi_free(&n1);
    mbedtls_mpi_free(&x);
    mbedtls_ecp_group_free(&grp);
    return rc ? SRP_CLIENT_ERR_CRYPTO : SRP_CLIENT_ERR_OK;
}

/* ---- setup and state changes ------------------------------------------------ */

static void clear_host(struct srp_client *c)
{
    /* HostInfo::Clear: name and addresses gone; auto mode back to our
     * default (on; OpenThread's is off, see srp_client.h) */
    c->host_name[0] = '\0';
    c->host_state = SRP_CLIENT_REMOVED;
    c->auto_addr = true;
    c->naddrs = 0;
    memset(c->addrs, 0, sizeof c->addrs);
    c->remove_key = false;
}

enum srp_client_err srp_client_init(struct srp_client *c, const uint8_t priv[SRP_CLIENT_KEY_LEN],
                                    uint32_t seed)
{
    memset(c, 0, sizeof *c);
    if (!priv || derive_pub(priv, c->pub) != 0)
        return SRP_CLIENT_ERR_CRYPTO;
    memcpy(c->priv, priv, SRP_CLIENT_KEY_LEN);
    c->autostart = true;
    clear_host(c);
    c->lease = SRP_CLIENT_DEFAULT_LEASE;
    c->key_lease = SRP_CLIENT_DEFAULT_KEY_LEASE;
    c->tx_at_ms = NONE;
    c->timeout_ms = NONE;
    c->renew_at_ms = NONE;
    c->retry_ms = SRP_CLIENT_MIN_RETRY_MS;
    c->rand_state = seed ? seed : 1;
    c->msg_id = (uint16_t)rnd32(c);
    return SRP_CLIENT_ERR_OK;
}

typedef enum srp_client_item_state state_map[8];

/* Applies a state table to the host and every service. True if any changed. */
static bool change_states(struct srp_client *c, const state_map map)
{
    bool changed = false;
    enum srp_client_item_state h = map[c->host_state];
    changed |= h != c->host_state;
    c->host_state = h;
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
        struct srp_client_service *s = &c->services[i];
        if (!s->used)
            continue;
        enum srp_client_item_state n = map[s->state];
        changed |= n != s->state;
        s->state = n;
    }
    return changed;
}

/* Client::Stop's table: the items are sent again on the next start. */
static const state_map on_stop = {
    SRP_CLIENT_TO_ADD,    SRP_CLIENT_TO_REFRESH, SRP_CLIENT_TO_REFRESH, SRP_CLIENT_TO_REFRESH,
    SRP_CLIENT_TO_REMOVE, SRP_CLIENT_TO_REMOVE,  SRP_CLIENT_TO_REFRESH, SRP_CLIENT_REMOVED,
};
/* SendUpdate's table. */
static const state_map on_tx = {
    SRP_CLIENT_ADDING,   SRP_CLIENT_ADDING,   SRP_CLIENT_REFRESHING, SRP_CLIENT_REFRESHING,
    SRP_CLIENT_REMOVING, SRP_CLIENT_REMOVING, SRP_CLIENT_REGISTERED, SRP_CLIENT_REMOVED,
};
/* ProcessResponse's table (NOERROR). */
static const state_map on_done = {
    SRP_CLIENT_TO_ADD,    SRP_CLIENT_REGISTERED, SRP_CLIENT_TO_REFRESH, SRP_CLIENT_REGISTERED,
    SRP_CLIENT_TO_REMOVE, SRP_CLIENT_REMOVED,    SRP_CLIENT_REGISTERED, SRP_CLIENT_REMOVED,
};

/* UpdateState(): is there anything to send? Moves due items to ToRefresh. */
static bool want_update(struct srp_client *c, uint64_t now_ms)
{
    bool upd = false;
    bool renew = now_ms >= c->renew_at_ms;
    if (!c->host_name[0])
        return false;
    switch (c->host_state) {
    case SRP_CLIENT_ADDING:
    case SRP_CLIENT_REFRESHING:
    case SRP_CLIENT_REMOVING:
        break;
    case SRP_CLIENT_REGISTERED:
        if (!renew)
            break;
        c->host_state = SRP_CLIENT_TO_REFRESH;
        /* fall through */
    case SRP_CLIENT_TO_ADD:
    case SRP_CLIENT_TO_REFRESH:
        /* at least one service and one address (a removal needs neither) */
        if (!any_service(c) || c->naddrs == 0)
            return false;
        upd = true;
        break;
    case SRP_CLIENT_TO_REMOVE:
        upd = true;
        break;
    case SRP_CLIENT_REMOVED:
        return false;
    }
    if (c->host_state == SRP_CLIENT_REMOVING)
        return upd;
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
        struct srp_client_service *s = &c->services[i];
        if (!s->used)
            continue;
        if (s->state == SRP_CLIENT_TO_ADD || s->state == SRP_CLIENT_TO_REFRESH ||
            s->state == SRP_CLIENT_TO_REMOVE) {
            upd = true;
        } else if (s->state == SRP_CLIENT_REGISTERED && renew) {
            s->state = SRP_CLIENT_TO_REFRESH;
            upd = true;
        }
    }
    return upd;
}

/* After any change: plan a send (with jitter) when idle and there is work. */
static void schedule(struct srp_client *c, uint64_t now_ms)
{
    if (!c->running || c->waiting || c->tx_at_ms != NONE)
        return;
    if (want_update(c, now_ms)) {
        c->tx_at_ms = tx_jitter(c, now_ms);
        c->renew_at_ms = NONE;
    }
}

static void stop_client(struct srp_client *c)
{
    if (!c->running)
        return;
    change_states(c, on_stop);
    c->running = false;
    c->server_auto = false;
    memset(c->server, 0, sizeof c->server);
    c->server_port = 0;
    c->waiting = false;
    c->tx_at_ms = NONE;
    c->timeout_ms = NONE;
    c->renew_at_ms = NONE;
    c->retry_ms = SRP_CLIENT_MIN_RETRY_MS;
}

static void start_client(struct srp_client *c, const uint8_t addr[16], uint16_t port, bool autosel,
                         uint64_t now_ms)
{
    c->running = true;
    c->server_auto = autosel;
    memcpy(c->server, addr, 16);
    c->server_port = port;
    c->waiting = false;
    c->tx_at_ms = NONE;
    c->renew_at_ms = NONE;
    c->new_id = true;
    schedule(c, now_ms);
}

void srp_client_set_autostart(struct srp_client *c, bool on, uint64_t now_ms)
{
    (void)now_ms;
    c->autostart = on;
}

void srp_client_set_server(struct srp_client *c, const uint8_t *addr, uint16_t port,
                           uint64_t now_ms)
{
    if (!c->autostart || (c->running && !c->server_auto))
        return;
    if (!addr) {
        stop_client(c);
        return;
    }
    if (c->running && memcmp(c->server, addr, 16) == 0 && c->server_port == port)
        return;
    stop_client(c); /* ProcessAutoStart: Stop then Start with the new server */
    start_client(c, addr, port, true, now_ms);
}

enum srp_client_err srp_client_start(struct srp_client *c, const uint8_t addr[16], uint16_t port,
                                     uint64_t now_ms)
{
    if (c->running)
        return memcmp(c->server, addr, 16) == 0 && c->server_port == port ? SRP_CLIENT_ERR_OK
                                                                          : SRP_CLIENT_ERR_BUSY;
    start_client(c, addr, port, false, now_ms);
    return SRP_CLIENT_ERR_OK;
}

void srp_client_stop(struct srp_client *c, uint64_t now_ms)
{
    (void)now_ms;
    stop_client(c);
    c->autostart = false;
}

enum srp_client_err srp_client_set_host_name(struct srp_client *c, const char *name,
                                             uint64_t now_ms)
{
    if (!host_label_ok(name))
        return SRP_CLIENT_ERR_INVALID_ARGS;
    if (c->host_state != SRP_CLIENT_TO_ADD && c->host_state != SRP_CLIENT_REMOVED)
        return SRP_CLIENT_ERR_INVALID_STATE;
    memcpy(c->host_name, name, strlen(name) + 1);
    c->host_state = SRP_CLIENT_TO_ADD;
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

/* UpdateHostInfoStateOnAddressChange. */
static enum srp_client_err host_addr_change(struct srp_client *c)
{
    if (c->host_state == SRP_CLIENT_TO_REMOVE || c->host_state == SRP_CLIENT_REMOVING)
        return SRP_CLIENT_ERR_INVALID_STATE;
    if (c->host_state == SRP_CLIENT_REMOVED)
        c->host_state = SRP_CLIENT_TO_ADD;
    else if (c->host_state != SRP_CLIENT_TO_ADD)
        c->host_state = SRP_CLIENT_TO_REFRESH;
    return SRP_CLIENT_ERR_OK;
}

enum srp_client_err srp_client_set_addrs(struct srp_client *c, const uint8_t (*addrs)[16],
                                         unsigned n, uint64_t now_ms)
{
    if (!addrs || n == 0)
        return SRP_CLIENT_ERR_INVALID_ARGS;
    if (n > SRP_CLIENT_MAX_ADDRS)
        return SRP_CLIENT_ERR_NO_BUFS;
    enum srp_client_err e = host_addr_change(c);
    if (e != SRP_CLIENT_ERR_OK)
        return e;
    memcpy(c->addrs, addrs, (size_t)n * 16);
    c->naddrs = n;
    c->auto_addr = false;
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

enum srp_client_err srp_client_set_auto_addr(struct srp_client *c, uint64_t now_ms)
{
    if (c->auto_addr)
        return SRP_CLIENT_ERR_OK;
    enum srp_client_err e = host_addr_change(c);
    if (e != SRP_CLIENT_ERR_OK)
        return e;
    c->auto_addr = true;
    c->naddrs = 0; /* until the caller feeds them */
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

void srp_client_set_auto_addrs(struct srp_client *c, const uint8_t (*addrs)[16], unsigned n,
                               uint64_t now_ms)
{
    if (!c->auto_addr)
        return;
    if (n > SRP_CLIENT_MAX_ADDRS)
        n = SRP_CLIENT_MAX_ADDRS;
    if (n == c->naddrs && (n == 0 || memcmp(c->addrs, addrs, (size_t)n * 16) == 0))
        return;
    if (n)
        memcpy(c->addrs, addrs, (size_t)n * 16);
    c->naddrs = n;
    /* a host being removed keeps its state, and so does a removed one (its
     * name is cleared with it: Removed until a name is set, as OpenThread
     * shows it); the list is stored anyway */
    if (c->host_state == SRP_CLIENT_REMOVED)
        return;
    if (host_addr_change(c) == SRP_CLIENT_ERR_OK)
        schedule(c, now_ms);
}

enum srp_client_err srp_client_add_service(struct srp_client *c, const char *instance,
                                           const char *service, uint16_t port, uint16_t priority,
                                           uint16_t weight, const uint8_t *txt, uint16_t txt_len,
                                           uint64_t now_ms)
{
    size_t il = instance ? strlen(instance) : 0;
    if (il == 0 || il > SRP_CLIENT_NAME_MAX || !service_name_ok(service) ||
        txt_len > SRP_CLIENT_TXT_MAX || (txt_len && !txt) || !txt_ok(txt, txt_len))
        return SRP_CLIENT_ERR_INVALID_ARGS;
    /* the instance name must fit in front of the service and zone */
    struct dns_name n;
    char text[SRP_CLIENT_SERVICE_MAX + sizeof SRP_ZONE_TEXT + 1];
    snprintf(text, sizeof text, "%s.%s", service, SRP_ZONE_TEXT);
    if (dns_name_from_text(text, &n) != DNS_OK || dns_name_prepend(&n, instance, il) != DNS_OK)
        return SRP_CLIENT_ERR_INVALID_ARGS;
    if (find_service(c, instance, service))
        return SRP_CLIENT_ERR_ALREADY;
    struct srp_client_service *s = NULL;
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES && !s; i++)
        if (!c->services[i].used)
            s = &c->services[i];
    if (!s)
        return SRP_CLIENT_ERR_NO_BUFS;
    memset(s, 0, sizeof *s);
    s->used = true;
    memcpy(s->instance, instance, il + 1);
    memcpy(s->service, service, strlen(service) + 1);
    s->port = port;
    s->priority = priority;
    s->weight = weight;
    if (txt_len)
        memcpy(s->txt, txt, txt_len);
    s->txt_len = txt_len;
    s->state = SRP_CLIENT_TO_ADD;
    s->seq = ++c->next_seq;
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

enum srp_client_err srp_client_remove_service(struct srp_client *c, const char *instance,
                                              const char *service, bool clear, uint64_t now_ms)
{
    struct srp_client_service *s = instance && service ? find_service(c, instance, service) : NULL;
    if (!s)
        return SRP_CLIENT_ERR_NOT_FOUND;
    if (clear)
        memset(s, 0, sizeof *s);
    else if (s->state != SRP_CLIENT_REMOVING)
        s->state = SRP_CLIENT_TO_REMOVE;
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

enum srp_client_err srp_client_remove_host(struct srp_client *c, bool remove_key, bool send_unreg,
                                           uint64_t now_ms)
{
    if (c->host_state == SRP_CLIENT_REMOVED)
        return SRP_CLIENT_ERR_ALREADY;
    if ((c->host_state == SRP_CLIENT_TO_REMOVE || c->host_state == SRP_CLIENT_REMOVING) &&
        c->remove_key == remove_key)
        return SRP_CLIENT_ERR_OK; /* the same removal is under way */
    c->remove_key = remove_key;
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
        struct srp_client_service *s = &c->services[i];
        if (s->used && s->state != SRP_CLIENT_REMOVING)
            s->state = SRP_CLIENT_TO_REMOVE;
    }
    if (c->host_state == SRP_CLIENT_TO_ADD && !send_unreg) {
        /* never registered: nothing to tell the server */
        clear_host(c);
        return SRP_CLIENT_ERR_OK;
    }
    c->host_state = SRP_CLIENT_TO_REMOVE;
    schedule(c, now_ms);
    return SRP_CLIENT_ERR_OK;
}

void srp_client_clear_host(struct srp_client *c, uint64_t now_ms)
{
    (void)now_ms;
    /* ClearHostAndServices: an update in flight is forgotten */
    c->waiting = false;
    c->tx_at_ms = NONE;
    c->timeout_ms = NONE;
    c->renew_at_ms = NONE;
    c->retry_ms = SRP_CLIENT_MIN_RETRY_MS;
    memset(c->services, 0, sizeof c->services);
    clear_host(c);
}

void srp_client_set_lease(struct srp_client *c, uint32_t lease)
{
    lease = lease ? lease : SRP_CLIENT_DEFAULT_LEASE;
    c->lease = lease > SRP_CLIENT_MAX_LEASE ? SRP_CLIENT_MAX_LEASE : lease;
}

void srp_client_set_key_lease(struct srp_client *c, uint32_t key_lease)
{
    key_lease = key_lease ? key_lease : SRP_CLIENT_DEFAULT_KEY_LEASE;
    c->key_lease = key_lease > SRP_CLIENT_MAX_LEASE ? SRP_CLIENT_MAX_LEASE : key_lease;
}

/* ---- the update (RFC 9665 §3.3) ---------------------------------------------- */

static bool removing(enum srp_client_item_state s)
{
    return s == SRP_CLIENT_TO_REMOVE || s == SRP_CLIENT_REMOVING;
}

/* Builds and signs c->msg with c->msg_id. */
static enum srp_client_err build_update(struct srp_client *c)
{
    struct dns_name zone, host, svc, inst;
    char text[SRP_CLIENT_SERVICE_MAX + sizeof SRP_ZONE_TEXT + 1];
    struct dns_builder b;
    enum dns_err de = DNS_OK;
    bool host_rm = removing(c->host_state);

    dns_name_from_text(SRP_ZONE_TEXT, &zone);
    snprintf(text, sizeof text, "%s.%s", c->host_name, SRP_ZONE_TEXT);
    if (dns_name_from_text(text, &host) != DNS_OK)
        return SRP_CLIENT_ERR_INVALID_ARGS;

    /* Leases (RFC 9665 §3.3.5: lease 0 removes the host). */
    uint32_t lease = host_rm ? 0 : c->lease;
    uint32_t key_lease = host_rm && c->remove_key ? 0 : c->key_lease;
    if (key_lease < lease)
        key_lease = lease;
    uint32_t base = lease ? lease : c->lease; /* DetermineTtl */
    uint32_t ttl = c->ttl && c->ttl < base ? c->ttl : base;

    dns_build_init(&b, c->msg, sizeof c->msg, c->msg_id,
                   (uint16_t)(DNS_OPCODE_UPDATE << DNS_FLAG_OPCODE_SHIFT));
    de = dns_build_question(&b, &zone, DNS_TYPE_SOA, DNS_CLASS_IN); /* zone, RFC 2136 §2.3 */

    /* Service Descriptions (§3.3.1.1), newest first as OpenThread's list. */
    uint32_t below = UINT32_MAX;
    for (;;) {
        const struct srp_client_service *s = NULL;
        for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
            const struct srp_client_service *x = &c->services[i];
            if (x->used && x->seq < below && (!s || x->seq > s->seq))
                s = x;
        }
        if (!s || host_rm || de != DNS_OK)
            break;
        below = s->seq;
        if (s->state == SRP_CLIENT_REMOVED)
            continue;
        bool rm = removing(s->state);
        snprintf(text, sizeof text, "%s.%s", s->service, SRP_ZONE_TEXT);
        if (dns_name_from_text(text, &svc) != DNS_OK)
            return SRP_CLIENT_ERR_INVALID_ARGS;
        inst = svc;
        if (dns_name_prepend(&inst, s->instance, strlen(s->instance)) != DNS_OK)
            return SRP_CLIENT_ERR_INVALID_ARGS;
        de = dns_build_name_rr_class(&b, DNS_SECTION_AUTHORITY, &svc, DNS_TYPE_PTR,
                                     rm ? DNS_CLASS_NONE : DNS_CLASS_IN, rm ? 0 : ttl, &inst);
        /* "delete all RRsets from a name" (RFC 2136 §2.5.3) */
        if (de == DNS_OK)
            de = dns_build_rr(&b, DNS_SECTION_AUTHORITY, &inst, DNS_TYPE_ANY, DNS_CLASS_ANY, 0,
                              NULL, 0);
        if (rm)
            continue;
        struct dns_srv srv = {s->priority, s->weight, s->port, host};
        if (de == DNS_OK)
            de = dns_build_srv(&b, DNS_SECTION_AUTHORITY, &inst, ttl, &srv);
        if (de == DNS_OK)
            de = dns_build_txt(&b, DNS_SECTION_AUTHORITY, &inst, ttl, s->txt, s->txt_len);
    }

    /* Host Description (§3.3.1.2). */
    if (de == DNS_OK)
        de =
            dns_build_rr(&b, DNS_SECTION_AUTHORITY, &host, DNS_TYPE_ANY, DNS_CLASS_ANY, 0, NULL, 0);
    for (unsigned i = 0; i < c->naddrs && de == DNS_OK; i++)
        de = dns_build_aaaa(&b, DNS_SECTION_AUTHORITY, &host, ttl, c->addrs[i]);
    struct dns_key key = {SRP_CLIENT_KEY_FLAGS, KEY_PROTOCOL_DNSSEC, SRP_KEY_ALG_ECDSAP256SHA256,
                          c->pub, SRP_CLIENT_PUBKEY_LEN};
    if (de == DNS_OK)
        de = dns_build_key(&b, DNS_SECTION_AUTHORITY, &host, ttl, &key);

    /* Update Lease option (RFC 9664 §4), long form. */
    uint8_t opt[SRP_LEASE_OPTION_LEN];
    srp_lease_option_write(opt, lease, key_lease);
    struct dns_opt o = {SRP_CLIENT_UDP_PAYLOAD, 0, 0, DNS_OPT_FLAG_DO, opt, sizeof opt};
    if (de == DNS_OK)
        de = dns_build_opt(&b, &o);

    /* SIG(0) (RFC 2931 §3) with a zero signature, filled in below. */
    static const struct dns_name root = {1, {0}};
    struct dns_sig sg = {0, SRP_KEY_ALG_ECDSAP256SHA256, 0, 0, 0, 0, 0, host, NULL, SRP_SIG_LEN};
    size_t sig_rr = b.len, rd_off = 0, len = 0;
    if (de == DNS_OK)
        de = dns_build_sig(&b, DNS_SECTION_ADDITIONAL, &root, DNS_CLASS_ANY, 0, &sg, &rd_off);
    if (de == DNS_OK)
        de = dns_build_finish(&b, &len);
    if (de != DNS_OK)
        return SRP_CLIENT_ERR_NO_BUFS;

    /* RFC 2931 §3.1, the digest the server checks (srp.h) */
    uint8_t hash[32];
    int rc = srp_sig0_digest(c->msg, sig_rr, c->msg + rd_off, &host, hash) ? 0 : 1;
    rc = rc ? rc : sign_digest(c->priv, hash, c->msg + len - SRP_SIG_LEN);
    if (rc)
        return SRP_CLIENT_ERR_CRYPTO;
    c->msg_len = len;
    c->sent_lease = lease;
    c->sent_key_lease = key_lease;
    return SRP_CLIENT_ERR_OK;
}

/* Something a message can carry: a host with services and addresses, or a
 * host removal. */
static bool can_send(const struct srp_client *c)
{
    if (!c->running || !c->host_name[0] || c->host_state == SRP_CLIENT_REMOVED)
        return false;
    return removing(c->host_state) || (any_service(c) && c->naddrs > 0);
}

bool srp_client_poll(struct srp_client *c, uint64_t now_ms, const uint8_t **msg, size_t *len,
                     uint8_t dst[16], uint16_t *dport)
{
    if (!c->running)
        return false;
    if (c->waiting) {
        if (now_ms < c->timeout_ms)
            return false;
        /* no answer: grow the wait, send again after jitter (HandleTimer) */
        c->waiting = false;
        c->timeout_ms = NONE;
        grow_retry(c);
        c->tx_at_ms = tx_jitter(c, now_ms);
    }
    if (c->tx_at_ms == NONE)
        schedule(c, now_ms); /* lease renewal due? */
    if (c->tx_at_ms > now_ms)
        return false;
    c->tx_at_ms = NONE;
    if (!can_send(c))
        return false;
    /* A new ID when items change state (SelectNewMessageId), else the
     * same update again so a late answer to it still counts. */
    bool changes = c->new_id || c->host_state == SRP_CLIENT_TO_ADD ||
                   c->host_state == SRP_CLIENT_TO_REFRESH || c->host_state == SRP_CLIENT_TO_REMOVE;
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
        enum srp_client_item_state s = c->services[i].state;
        if (c->services[i].used &&
            (s == SRP_CLIENT_TO_ADD || s == SRP_CLIENT_TO_REFRESH || s == SRP_CLIENT_TO_REMOVE))
            changes = true;
    }
    uint16_t old_id = c->msg_id;
    if (changes) {
        do
            c->msg_id = (uint16_t)rnd32(c);
        while (c->msg_id == old_id);
    }
    if (build_update(c) != SRP_CLIENT_ERR_OK) {
        /* cannot be built now (too big, crypto): try again later */
        c->tx_errors++;
        c->msg_id = old_id;
        c->tx_at_ms = now_ms + c->retry_ms;
        grow_retry(c);
        return false;
    }
    c->new_id = false;
    change_states(c, on_tx);
    c->waiting = true;
    c->sent_at_ms = now_ms;
    c->timeout_ms = now_ms + c->retry_ms;
    c->renew_at_ms = NONE;
    c->tx_count++;
    *msg = c->msg;
    *len = c->msg_len;
    memcpy(dst, c->server, 16);
    *dport = c->server_port;
    return true;
}

uint64_t srp_client_next_timeout(const struct srp_client *c)
{
    if (!c->running)
        return NONE;
    if (c->waiting)
        return c->timeout_ms;
    return c->tx_at_ms < c->renew_at_ms ? c->tx_at_ms : c->renew_at_ms;
}

static bool drop(struct srp_client *c, enum srp_client_drop d)
{
    c->drops[d]++;
    return false;
}

/* The Update Lease option of an answer (RFC 9664 §4); absent: as asked. */
/* The Update Lease option of an answer (RFC 9664 §4); leases untouched when
 * there is none. False when it is malformed. */
static bool answer_lease(const struct dns_msg_info *info, uint32_t *lease, uint32_t *key_lease)
{
    bool found = false;

    return !info->has_opt || srp_lease_option_read(&info->opt, lease, key_lease, &found) == SRP_OK;
}

bool srp_client_rx(struct srp_client *c, uint64_t now_ms, const uint8_t *msg, size_t len,
                   const uint8_t src[16], uint16_t sport)
{
    struct dns_msg_info info;
    if (!msg || !src || dns_msg_parse(msg, len, &info) != DNS_OK)
        return drop(c, SRP_CLIENT_DROP_MALFORMED);
    if (!(info.hdr.flags & DNS_FLAG_QR) || dns_hdr_opcode(&info.hdr) != DNS_OPCODE_UPDATE)
        return drop(c, SRP_CLIENT_DROP_NOT_RESPONSE);
    if (!c->running || !c->waiting)
        return drop(c, SRP_CLIENT_DROP_NOT_WAITING);
    if (memcmp(src, c->server, 16) != 0 || sport != c->server_port)
        return drop(c, SRP_CLIENT_DROP_WRONG_SOURCE);
    if (info.hdr.id != c->msg_id)
        return drop(c, SRP_CLIENT_DROP_WRONG_ID);

    unsigned rcode = dns_hdr_rcode(&info.hdr);
    if (info.has_opt)
        rcode |= (unsigned)info.opt.ext_rcode << 4; /* RFC 6891 §6.1.3 */
    if (rcode != DNS_RCODE_NOERROR) {
        /* Refused: a host being added may take a new name (ToAdd); the
         * update goes again when this wait would have ended. */
        c->drops[SRP_CLIENT_DROP_REJECTED]++;
        if (c->host_state == SRP_CLIENT_ADDING)
            c->host_state = SRP_CLIENT_TO_ADD;
        c->waiting = false;
        c->tx_at_ms = c->timeout_ms;
        c->timeout_ms = NONE;
        grow_retry(c);
        return true;
    }
    uint32_t lease = c->sent_lease, key_lease = c->sent_key_lease;
    if (!answer_lease(&info, &lease, &key_lease))
        return drop(c, SRP_CLIENT_DROP_MALFORMED);
    c->granted_lease = lease > SRP_CLIENT_MAX_LEASE ? SRP_CLIENT_MAX_LEASE : lease;
    c->granted_key_lease = key_lease > SRP_CLIENT_MAX_LEASE ? SRP_CLIENT_MAX_LEASE : key_lease;
    c->rx_ok++;
    c->waiting = false;
    c->timeout_ms = NONE;
    c->retry_ms = SRP_CLIENT_MIN_RETRY_MS;

    change_states(c, on_done);
    for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++)
        if (c->services[i].used && c->services[i].state == SRP_CLIENT_REMOVED)
            memset(&c->services[i], 0, sizeof c->services[i]);
    if (c->host_state == SRP_CLIENT_REMOVED)
        clear_host(c);

    /* Renewal: lease minus the guard (with jitter), or half a short lease. */
    c->renew_at_ms = NONE;
    if (c->host_state == SRP_CLIENT_REGISTERED) {
        uint64_t l = c->granted_lease, iv;
        if (l > 2 * SRP_CLIENT_GUARD_S)
            iv = (l - SRP_CLIENT_GUARD_S) * 1000 - SRP_CLIENT_RENEW_JITTER_MS +
                 rnd_range(c, 0, 2 * SRP_CLIENT_RENEW_JITTER_MS);
        else
            iv = l * 1000 / 2;
        c->renew_at_ms = c->sent_at_ms + (iv < 1000 ? 1000 : iv);
    }
    schedule(c, now_ms);
    return true;
}

/* ---- OpenThread CLI text ------------------------------------------------------ */

void srp_client_fmt_host(const struct srp_client *c, srp_client_line_fn line, void *ctx)
{
    char bmem[SRP_CLIENT_MAX_ADDRS * (ADDR_STR6 + 2) + 160];
    struct textbuf b;

    textbuf_init(&b, bmem, sizeof bmem);
    char a[ADDR_STR6];
    if (c->host_name[0])
        textbuf_put(&b, "name:\"%s\"", c->host_name);
    else
        textbuf_put(&b, "name:(null)");
    textbuf_put(&b, ", state:%s, addrs:", srp_client_item_state_str(c->host_state));
    if (c->auto_addr) {
        textbuf_put(&b, "auto");
    } else {
        textbuf_put(&b, "[");
        for (unsigned i = 0; i < c->naddrs; i++)
            textbuf_put(&b, "%s%s", i ? ", " : "", addr_fmt6_ot(c->addrs[i], a));
        textbuf_put(&b, "]");
    }
    line(ctx, b.s);
}

void srp_client_fmt_services(const struct srp_client *c, srp_client_line_fn line, void *ctx)
{
    uint32_t below = UINT32_MAX;
    for (;;) {
        const struct srp_client_service *s = NULL;
        for (unsigned i = 0; i < SRP_CLIENT_MAX_SERVICES; i++) {
            const struct srp_client_service *x = &c->services[i];
            if (x->used && x->seq < below && (!s || x->seq > s->seq))
                s = x;
        }
        if (!s)
            return;
        below = s->seq;
        char bmem[SRP_CLIENT_MAX_ADDRS * (ADDR_STR6 + 2) + 160];
        struct textbuf b;

        textbuf_init(&b, bmem, sizeof bmem);
        textbuf_put(&b, "instance:\"%s\", name:\"%s\", state:%s, port:%u, priority:%u, weight:%u",
                    s->instance, s->service, srp_client_item_state_str(s->state), (unsigned)s->port,
                    (unsigned)s->priority, (unsigned)s->weight);
        line(ctx, b.s);
    }
}
