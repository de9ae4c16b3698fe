/*
 * The border router's SRP server service; see srp_server.h.
 */
#include "br/srp_server.h"

#include <string.h>

#include "util/kv.h"
#include "util/rd.h"

#define WALL_LEN 8
#define CFG_LEN 3
#define BLOB_MAX (BR_SRP_SERVER_RECORD_MAX - WALL_LEN)

_Static_assert(BR_SRP_SERVER_RECORD_MAX <= KV_VALUE_MAX, "the record must fit one settings value");

static const char *const drop_names[] = {
#define BR_SRP_SERVER_X_NAME(id, name, expl) name,
    BR_SRP_SERVER_DROPS(BR_SRP_SERVER_X_NAME)
#undef BR_SRP_SERVER_X_NAME
};

const char *br_srp_server_drop_name(enum br_srp_server_drop d)
{
    return (unsigned)d < BR_SRP_SERVER_DROP__COUNT ? drop_names[d] : "?";
}

int br_srp_server_init(struct br_srp_server *s, const struct kv *kv, uint64_t now_ms,
                       uint64_t wall_ms)
{
    uint8_t *buf, cfg[CFG_LEN];
    size_t len = 0;
    int hosts = 0;

    memset(s, 0, sizeof(*s));
    buf = s->record;
    srp_registry_init(&s->reg);
    srp_crypto_init(&s->crypto);
    s->enabled = true;
    s->kv = kv;
    if (kv == NULL)
        return 0;
    /* [enabled] (first version) or [enabled, anycast, sequence number] */
    if (kv_get(kv, SETTINGS_KEY_SRP_SERVER_CFG, 0, cfg, CFG_LEN, &len) == 0 &&
        (len == 1 || len == CFG_LEN)) {
        s->enabled = cfg[0] != 0;
        if (len == CFG_LEN) {
            s->anycast = cfg[1] != 0;
            s->seqnum = cfg[2];
        }
    }
    if (kv_get(kv, SETTINGS_KEY_SRP_REGISTRY, 0, buf, BR_SRP_SERVER_RECORD_MAX, &len) != 0)
        return 0;
    if (len < WALL_LEN || len > BR_SRP_SERVER_RECORD_MAX) {
        s->load_errors++;
        return -1;
    }
    {
        uint64_t saved = be64_get(buf);
        /* A clock that went backwards (or is unknown) takes nothing off. */
        uint64_t elapsed = wall_ms > saved && saved != 0 ? wall_ms - saved : 0;

        if (srp_registry_load(&s->reg, buf + WALL_LEN, len - WALL_LEN, now_ms, elapsed) != SRP_OK) {
            s->load_errors++;
            srp_registry_init(&s->reg);
            return -1;
        }
    }
    for (const struct srp_host *h = srp_registry_next_host(&s->reg, NULL); h != NULL;
         h = srp_registry_next_host(&s->reg, h))
        hosts++;
    return hosts;
}

void br_srp_server_free(struct br_srp_server *s)
{
    srp_crypto_free(&s->crypto);
}

static void save_cfg(struct br_srp_server *s)
{
    uint8_t cfg[CFG_LEN] = {s->enabled ? 1 : 0, s->anycast ? 1 : 0, s->seqnum};

    if (s->kv != NULL && kv_set(s->kv, SETTINGS_KEY_SRP_SERVER_CFG, cfg, CFG_LEN) != 0)
        s->save_errors++;
}

void br_srp_server_set_enabled(struct br_srp_server *s, bool on)
{
    if (s->enabled == on)
        return;
    s->enabled = on;
    save_cfg(s);
}

bool br_srp_server_set_anycast(struct br_srp_server *s, bool anycast)
{
    if (s->enabled)
        return false;
    if (s->anycast != anycast) {
        s->anycast = anycast;
        save_cfg(s);
    }
    return true;
}

bool br_srp_server_enabled(const struct br_srp_server *s)
{
    return s->enabled;
}

bool br_srp_server_anycast(const struct br_srp_server *s)
{
    return s->anycast;
}

uint8_t br_srp_server_seqnum(const struct br_srp_server *s)
{
    return s->seqnum;
}

struct srp_registry *br_srp_server_registry(struct br_srp_server *s)
{
    return &s->reg;
}

bool br_srp_server_set_seqnum(struct br_srp_server *s, uint8_t seqnum)
{
    if (s->enabled)
        return false;
    if (s->seqnum != seqnum) {
        s->seqnum = seqnum;
        save_cfg(s);
    }
    return true;
}

bool br_srp_server_input(struct br_srp_server *s, uint64_t now_ms, const uint8_t *msg, size_t len,
                         bool from_thread, uint8_t *out, size_t *out_len, enum srp_err *result)
{
    struct srp_update *u = &s->scratch;
    uint32_t lease = 0, key_lease = 0;
    struct dns_hdr h;
    enum srp_err e;

    s->rx++;
    *out_len = 0;
    *result = SRP_ERR_MALFORMED;
    if (!s->enabled) {
        s->drops[BR_SRP_SERVER_DROP_DISABLED]++;
        return false;
    }
    if (!from_thread) {
        s->drops[BR_SRP_SERVER_DROP_NOT_THREAD]++;
        return false;
    }
    if (dns_hdr_read(msg, len, &h) != DNS_OK) {
        s->drops[BR_SRP_SERVER_DROP_SHORT]++;
        return false;
    }
    if (h.flags & DNS_FLAG_QR) {
        s->drops[BR_SRP_SERVER_DROP_RESPONSE]++;
        return false;
    }
    e = srp_parse_update(msg, len, u);
    if (e == SRP_OK)
        e = srp_verify_sig0_cx(&s->crypto, msg, len, u);
    if (e == SRP_OK) {
        e = srp_registry_apply(&s->reg, u, now_ms, &lease, &key_lease);
        if (e == SRP_OK && !s->dirty) {
            s->dirty = true;
            s->save_due_ms = now_ms + BR_SRP_SERVER_SAVE_DELAY_MS;
        }
    }
    if ((unsigned)e >= SRP_ERR__COUNT)
        e = SRP_ERR_MALFORMED;
    s->results[e]++;
    *result = e;
    if (srp_build_response(h.id, e, lease, key_lease, out, BR_SRP_SERVER_REPLY_MAX, out_len) !=
        SRP_OK) {
        *out_len = 0;
        return false;
    }
    s->replies++;
    return true;
}

static void save(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    uint8_t *buf = s->record;
    size_t len = 0;

    s->dirty = false;
    if (s->kv == NULL)
        return;
    be64_put(buf, wall_ms);
    /* Too large for one record: retrying cannot help until the registry changes. */
    if (srp_registry_save(&s->reg, now_ms, buf + WALL_LEN, BLOB_MAX, &len) != SRP_OK) {
        s->save_errors++;
        return;
    }
    /* A failed write leaves the previous record in the store (util/kv.h): stay
     * dirty and try again one delay later (or at the flush), else the
     * registrations would be lost at the next restart. */
    if (kv_set(s->kv, SETTINGS_KEY_SRP_REGISTRY, buf, WALL_LEN + len) != 0) {
        s->save_errors++;
        s->dirty = true;
        s->save_due_ms = now_ms + BR_SRP_SERVER_SAVE_DELAY_MS;
        return;
    }
    s->saves++;
}

void br_srp_server_process(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    if (srp_registry_next_expiry(&s->reg) <= now_ms) {
        unsigned n = srp_registry_expire(&s->reg, now_ms);

        s->expired += n;
        if (n > 0 && !s->dirty) {
            s->dirty = true;
            s->save_due_ms = now_ms + BR_SRP_SERVER_SAVE_DELAY_MS;
        }
    }
    if (s->dirty && now_ms >= s->save_due_ms)
        save(s, now_ms, wall_ms);
}

uint64_t br_srp_server_next_timeout(const struct br_srp_server *s)
{
    uint64_t t = srp_registry_next_expiry(&s->reg);

    if (s->dirty && s->save_due_ms < t)
        t = s->save_due_ms;
    return t;
}

void br_srp_server_flush(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    if (s->dirty)
        save(s, now_ms, wall_ms);
}

bool br_srp_server_set_lease(struct br_srp_server *s, uint32_t min, uint32_t max, uint32_t kmin,
                             uint32_t kmax)
{
    if (kmax > BR_SRP_SERVER_MAX_KEY_LEASE || min > max || kmin > kmax || min > kmin || max > kmax)
        return false;
    s->reg.min_lease = min;
    s->reg.max_lease = max;
    s->reg.min_key_lease = kmin;
    s->reg.max_key_lease = kmax;
    return true;
}

/* ---- views ------------------------------------------------------------------------ */

static void print_line(void *ctx, const char *line)
{
    fprintf((FILE *)ctx, "%s\n", line);
}

static void fmt_counters(const struct br_srp_server *s, FILE *out)
{
    fprintf(out, "rx: %llu\nreplies: %llu\n", (unsigned long long)s->rx,
            (unsigned long long)s->replies);
    for (int i = 0; i < SRP_ERR__COUNT; i++)
        fprintf(out, "%s: %llu\n", srp_err_str((enum srp_err)i), (unsigned long long)s->results[i]);
    for (int i = 0; i < BR_SRP_SERVER_DROP__COUNT; i++)
        fprintf(out, "drop-%s: %llu\n", br_srp_server_drop_name((enum br_srp_server_drop)i),
                (unsigned long long)s->drops[i]);
    fprintf(out, "expired: %llu\nsaves: %llu\nsave-errors: %llu\nload-errors: %llu\n",
            (unsigned long long)s->expired, (unsigned long long)s->saves,
            (unsigned long long)s->save_errors, (unsigned long long)s->load_errors);
}

void br_srp_server_fmt(const struct br_srp_server *s, enum br_srp_server_view v, FILE *out)
{
    switch (v) {
    case BR_SRP_SERVER_VIEW_HOSTS:
        srp_fmt_hosts(&s->reg, print_line, out);
        break;
    case BR_SRP_SERVER_VIEW_SERVICES:
        srp_fmt_services(&s->reg, print_line, out);
        break;
    case BR_SRP_SERVER_VIEW_LEASE:
        fprintf(out, "min lease: %lu\nmax lease: %lu\nmin key-lease: %lu\nmax key-lease: %lu\n",
                (unsigned long)s->reg.min_lease, (unsigned long)s->reg.max_lease,
                (unsigned long)s->reg.min_key_lease, (unsigned long)s->reg.max_key_lease);
        break;
    case BR_SRP_SERVER_VIEW_ADDRMODE:
        fprintf(out, "%s\n", s->anycast ? "anycast" : "unicast");
        break;
    case BR_SRP_SERVER_VIEW_SEQNUM:
        fprintf(out, "%u\n", (unsigned)s->seqnum);
        break;
    case BR_SRP_SERVER_VIEW_COUNTERS:
        fmt_counters(s, out);
        break;
    }
}
