/*
 * The border router's SRP server service; see srp_server.h.
 */
#include "br/srp_server.h"

#include <string.h>

#include <mbedtls/sha256.h>

#include "platform/settings.h"
#include "util/kv.h"
#include "util/rd.h"

#define WALL_LEN 8
#define CFG_LEN 3
#define DIGEST_LEN 8
#define LEGACY_MAX 60008u /* the previous layout's one value */
/* Stored values looked at (a save leaves at most 3 sets). */
#define SCAN_MAX (3u * BR_SRP_SERVER_CHUNKS + 8u)
/* What the other settings may use: the whole file before the SRP store
 * was split (64 KiB). */
#define STORE_RESERVE 65536u
/* One set of chunks as stored in the settings file (record headers included). */
#define STORE_SET_MAX                                                                              \
    (BR_SRP_SERVER_CHUNKS * (SETTINGS_RECORD_HDR + BR_SRP_SERVER_CHUNK_HDR) +                      \
     BR_SRP_SERVER_RECORD_MAX)

_Static_assert(BR_SRP_SERVER_CHUNK_MAX <= KV_VALUE_MAX, "a chunk must fit one store value");
_Static_assert(BR_SRP_SERVER_CHUNKS <= 255, "a chunk's index and count are one octet");
/* Three sets at once (a save after one cut short), a full child table's 64
 * CHILD_INFO values and the other settings. */
_Static_assert(SCAN_MAX + 64u + 32u <= SETTINGS_MAX_RECORDS, "the settings' values fit");
/* The worst case (every host and service at its largest), twice: a save
 * writes the new set before it deletes the old one. */
_Static_assert(STORE_RESERVE + 2 * STORE_SET_MAX <=
                   SETTINGS_MAX_FILE - SETTINGS_HEADER_LEN - SETTINGS_TRAILER_LEN,
               "the SRP store's worst case must fit the settings file");

static const char *const drop_names[] = {
#define BR_SRP_SERVER_X_NAME(id, name, expl) name,
    BR_SRP_SERVER_DROPS(BR_SRP_SERVER_X_NAME)
#undef BR_SRP_SERVER_X_NAME
};

const char *br_srp_server_drop_name(enum br_srp_server_drop d)
{
    return (unsigned)d < BR_SRP_SERVER_DROP__COUNT ? drop_names[d] : "?";
}

/* ---- registry store (layout in srp_server.h) -------------------------------------- */

struct chunk_hdr {
    uint32_t gen, len;
    uint8_t index, count;
    uint8_t digest[DIGEST_LEN];
};

static bool digest(const uint8_t *p, size_t n, uint8_t out[DIGEST_LEN])
{
    uint8_t h[32];

    if (mbedtls_sha256_ret(p, n, h, 0) != 0)
        return false;
    memcpy(out, h, DIGEST_LEN);
    return true;
}

/* The header of stored value i (false: not a chunk of this format). */
static bool chunk_read_hdr(struct br_srp_server *s, unsigned i, struct chunk_hdr *h, size_t *vlen)
{
    struct rd r;

    if (kv_get(s->kv, SETTINGS_KEY_SRP_REGISTRY, i, s->chunk, BR_SRP_SERVER_CHUNK_HDR, vlen) != 0 ||
        *vlen < BR_SRP_SERVER_CHUNK_HDR || *vlen > BR_SRP_SERVER_CHUNK_MAX ||
        s->chunk[0] != BR_SRP_SERVER_STORE_FORMAT)
        return false;
    r = rd_init(s->chunk + 1, BR_SRP_SERVER_CHUNK_HDR - 1);
    rd_be32(&r, &h->gen);
    rd_u8(&r, &h->index);
    rd_u8(&r, &h->count);
    rd_be32(&r, &h->len);
    rd_bytes(&r, h->digest, DIGEST_LEN);
    return h->count > 0 && h->index < h->count && h->len <= BR_SRP_SERVER_RECORD_MAX &&
           *vlen - BR_SRP_SERVER_CHUNK_HDR <= h->len;
}

/* Whether generation gen is whole among the n scanned headers: every index
 * 0..count-1 exactly once, all agreeing, payloads adding up to len. */
static bool set_complete(const struct chunk_hdr *h, const size_t *plen, const bool *ok, unsigned n,
                         uint32_t gen, const struct chunk_hdr **first)
{
    uint8_t seen[256 / 8] = {0}; /* chunk indexes met (an index is one octet) */
    uint32_t total = 0;
    unsigned nseen = 0;
    const struct chunk_hdr *f = NULL;

    for (unsigned i = 0; i < n; i++) {
        if (!ok[i] || h[i].gen != gen)
            continue;
        if (f == NULL)
            f = &h[i];
        if (h[i].count != f->count || h[i].len != f->len ||
            memcmp(h[i].digest, f->digest, DIGEST_LEN) != 0 || h[i].index >= f->count ||
            (seen[h[i].index / 8] & (1u << (h[i].index % 8))))
            return false;
        seen[h[i].index / 8] |= (uint8_t)(1u << (h[i].index % 8));
        nseen++;
        total += (uint32_t)plen[i];
    }
    *first = f;
    return f != NULL && nseen == f->count && total == f->len;
}

/* Assembles generation gen into s->record (its chunks checked whole). */
static bool set_read(struct br_srp_server *s, const struct chunk_hdr *h, const size_t *plen,
                     const bool *ok, unsigned n, const struct chunk_hdr *f)
{
    uint8_t want[DIGEST_LEN];
    size_t off = 0, vlen;

    for (unsigned idx = 0; idx < f->count; idx++)
        for (unsigned i = 0; i < n; i++) {
            if (!ok[i] || h[i].gen != f->gen || h[i].index != idx)
                continue;
            if (kv_get(s->kv, SETTINGS_KEY_SRP_REGISTRY, i, s->chunk, BR_SRP_SERVER_CHUNK_MAX,
                       &vlen) != 0 ||
                vlen != BR_SRP_SERVER_CHUNK_HDR + plen[i] || off + plen[i] > f->len)
                return false;
            memcpy(s->record + off, s->chunk + BR_SRP_SERVER_CHUNK_HDR, plen[i]);
            off += plen[i];
        }
    return off == f->len && digest(s->record, off, want) &&
           memcmp(want, f->digest, DIGEST_LEN) == 0;
}

/* The newest whole set into s->record: its length, 0 when there is none
 * (nothing stored), -1 when what is stored cannot be used. */
static long store_read(struct br_srp_server *s)
{
    struct chunk_hdr h[SCAN_MAX];
    size_t plen[SCAN_MAX], vlen = 0;
    bool ok[SCAN_MAX], ignored = false;
    const struct chunk_hdr *best = NULL;
    unsigned n = kv_count(s->kv, SETTINGS_KEY_SRP_REGISTRY);

    if (n == 0)
        return 0;
    if (n == 1 && kv_get(s->kv, SETTINGS_KEY_SRP_REGISTRY, 0, s->chunk, 1, &vlen) == 0 &&
        vlen > 0 && s->chunk[0] == 0) {
        /* The previous layout: one value, time + record. */
        if (vlen < WALL_LEN || vlen > LEGACY_MAX ||
            kv_get(s->kv, SETTINGS_KEY_SRP_REGISTRY, 0, s->record, vlen, &vlen) != 0)
            return -1;
        return (long)vlen;
    }
    n = n < SCAN_MAX ? n : SCAN_MAX;
    for (unsigned i = 0; i < n; i++) {
        ok[i] = chunk_read_hdr(s, i, &h[i], &vlen);
        plen[i] = ok[i] ? vlen - BR_SRP_SERVER_CHUNK_HDR : 0;
    }
    /* The newest whole set that matches its digest: a newer one that does
     * not (damaged after it was written) is passed over, not the end. */
    for (uint64_t below = UINT64_MAX;; below = best->gen) {
        const struct chunk_hdr *cand = NULL;

        for (unsigned i = 0; i < n; i++) {
            const struct chunk_hdr *f;

            if (ok[i] && h[i].gen < below && (cand == NULL || h[i].gen > cand->gen) &&
                set_complete(h, plen, ok, n, h[i].gen, &f))
                cand = f;
        }
        if (cand == NULL)
            return -1;
        best = cand;
        if (set_read(s, h, plen, ok, n, best))
            break;
    }
    /* Newer chunks (a save cut short, a damaged set) or unreadable values
     * are left out whole; the next save deletes them. */
    for (unsigned i = 0; i < n; i++)
        ignored |= !ok[i] || h[i].gen > best->gen;
    s->load_partial += ignored;
    s->store_gen = best->gen;
    return (long)best->len;
}

/* Deletes every stored value that is not a chunk of generation keep (from
 * the last one, so the indexes of the others stay put). */
static bool store_prune(struct br_srp_server *s, uint32_t keep)
{
    unsigned n = kv_count(s->kv, SETTINGS_KEY_SRP_REGISTRY);

    while (n-- > 0) {
        struct chunk_hdr h;
        size_t vlen;

        if (chunk_read_hdr(s, n, &h, &vlen) && h.gen == keep)
            continue;
        if (kv_delete(s->kv, SETTINGS_KEY_SRP_REGISTRY, (int)n) != 0)
            return false;
    }
    return true;
}

/* Writes s->record[0..len) as generation gen after the set kept. */
static bool store_write(struct br_srp_server *s, size_t len, uint32_t gen)
{
    uint8_t d[DIGEST_LEN];
    unsigned count =
        (unsigned)((len + BR_SRP_SERVER_CHUNK_PAYLOAD - 1) / BR_SRP_SERVER_CHUNK_PAYLOAD);

    if (!digest(s->record, len, d))
        return false;
    for (unsigned i = 0; i < count; i++) {
        size_t off = (size_t)i * BR_SRP_SERVER_CHUNK_PAYLOAD;
        size_t n =
            len - off < BR_SRP_SERVER_CHUNK_PAYLOAD ? len - off : BR_SRP_SERVER_CHUNK_PAYLOAD;
        struct wr w = wr_init(s->chunk, BR_SRP_SERVER_CHUNK_MAX);

        wr_u8(&w, BR_SRP_SERVER_STORE_FORMAT);
        wr_be32(&w, gen);
        wr_u8(&w, (uint8_t)i);
        wr_u8(&w, (uint8_t)count);
        wr_be32(&w, (uint32_t)len);
        wr_bytes(&w, d, DIGEST_LEN);
        wr_bytes(&w, s->record + off, n);
        if (!w.ok ||
            kv_add(s->kv, SETTINGS_KEY_SRP_REGISTRY, s->chunk, BR_SRP_SERVER_CHUNK_HDR + n) != 0)
            return false;
    }
    return true;
}

static void note_wall(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    if (wall_ms == 0)
        return;
    s->wall_ms = wall_ms;
    s->wall_at_ms = now_ms;
}

int br_srp_server_init(struct br_srp_server *s, const struct kv *kv, uint64_t now_ms,
                       uint64_t wall_ms)
{
    uint8_t cfg[CFG_LEN];
    size_t len = 0;
    long rec;
    int hosts = 0;

    memset(s, 0, sizeof(*s));
    srp_registry_init(&s->reg);
    srp_crypto_init(&s->crypto);
    s->enabled = true;
    s->kv = kv;
    note_wall(s, now_ms, wall_ms);
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
    rec = store_read(s);
    if (rec == 0)
        return 0;
    if (rec < WALL_LEN) {
        s->load_errors++;
        return -1;
    }
    {
        uint64_t saved = be64_get(s->record);
        /* A clock that went backwards (or is unknown) takes nothing off. */
        uint64_t elapsed = wall_ms > saved && saved != 0 ? wall_ms - saved : 0;

        if (srp_registry_load(&s->reg, s->record + WALL_LEN, (size_t)rec - WALL_LEN, now_ms,
                              elapsed) != SRP_OK) {
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

/* One save attempt: the new set is written whole before the old one goes
 * (a failed attempt leaves the previous set as it was). */
static bool save_try(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    size_t len = 0;
    uint32_t gen = s->store_gen + 1;

    be64_put(s->record, wall_ms);
    if (srp_registry_save(&s->reg, now_ms, s->record + WALL_LEN, SRP_REGISTRY_BLOB_MAX, &len) !=
            SRP_OK ||
        !store_prune(s, s->store_gen)) /* what an earlier failed attempt left */
        return false;
    /* Chunks a failed write leaves are pruned by the next attempt above. */
    if (!store_write(s, WALL_LEN + len, gen))
        return false;
    s->store_gen = gen;
    (void)store_prune(s, gen); /* the old set; what stays is pruned next time */
    return true;
}

/* The wall clock at now_ms, from the last one given (0: unknown). */
static uint64_t wall_at(const struct br_srp_server *s, uint64_t now_ms)
{
    return s->wall_ms != 0 ? s->wall_ms + (now_ms - s->wall_at_ms) : 0;
}

/* Whether a and b hold the same contents a client relies on: the same
 * names (live or deleted), keys, addresses and service data. Lease times,
 * TTLs and SIG(0) inception times are left out: a renewal changes only
 * those. apply keeps every entry in its slot, so slots compare 1:1. */
static bool content_same(const struct srp_registry *a, const struct srp_registry *b)
{
    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++) {
        const struct srp_host *x = &a->hosts[i], *y = &b->hosts[i];

        if (x->used != y->used)
            return false;
        if (x->used &&
            (x->deleted != y->deleted || !dns_name_equal(&x->name, &y->name) ||
             memcmp(x->pubkey, y->pubkey, SRP_PUBKEY_LEN) != 0 || x->naddrs != y->naddrs ||
             memcmp(x->addrs, y->addrs, (size_t)x->naddrs * 16) != 0))
            return false;
    }
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++) {
        const struct srp_service *x = &a->services[i], *y = &b->services[i];

        if (x->used != y->used)
            return false;
        if (x->used && (x->deleted != y->deleted || x->host != y->host ||
                        !dns_name_equal(&x->service, &y->service) ||
                        !dns_name_equal(&x->instance, &y->instance) || x->priority != y->priority ||
                        x->weight != y->weight || x->port != y->port || x->txt_len != y->txt_len ||
                        memcmp(x->txt, y->txt, x->txt_len) != 0))
            return false;
    }
    return true;
}

/* Applies a verified update. A change of contents is stored before the
 * response (a registration acknowledged is one that survives a crash);
 * when that fails the registry goes back to its state before the update
 * (its contents are what is stored) and the update is refused. A renewal
 * is saved coalesced, BR_SRP_SERVER_SAVE_DELAY_MS later. */
static enum srp_err apply_update(struct br_srp_server *s, const struct srp_update *u,
                                 uint64_t now_ms, uint32_t *lease, uint32_t *key_lease)
{
    enum srp_err e;

    if (s->kv != NULL)
        memcpy(&s->before, &s->reg, sizeof s->reg);
    e = srp_registry_apply(&s->reg, u, now_ms, lease, key_lease);
    if (e != SRP_OK)
        return e;
    if (s->kv != NULL && !content_same(&s->before, &s->reg)) {
        if (!save_try(s, now_ms, wall_at(s, now_ms))) {
            s->save_errors++;
            memcpy(&s->reg, &s->before, sizeof s->reg);
            return SRP_ERR_SAVE_FAILED;
        }
        /* The whole registry went out: any renewal pending with it. */
        s->saves++;
        s->saves_sync++;
        s->dirty = false;
        s->save_backoff_ms = 0;
        return SRP_OK;
    }
    if (!s->dirty) {
        s->dirty = true;
        s->save_due_ms = now_ms + BR_SRP_SERVER_SAVE_DELAY_MS;
    }
    return SRP_OK;
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
        /* After the signature, as TSIG checks its time after the MAC
         * (RFC 8945 §5.2): an unsigned message is a sig-failed, not a time. */
        uint64_t wall = wall_at(s, now_ms);
        bool no_time = false;

        e = srp_check_sig0_time(u, (uint32_t)(wall / 1000), &no_time);
        s->sig_no_time += e == SRP_OK && no_time;
    }
    if (e == SRP_OK)
        e = apply_update(s, u, now_ms, &lease, &key_lease);
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
    if (s->kv == NULL) {
        s->dirty = false;
        return;
    }
    if (save_try(s, now_ms, wall_ms)) {
        s->dirty = false;
        s->save_backoff_ms = 0;
        s->saves++;
        return;
    }
    /* Kept dirty: retried after a doubling back-off. */
    s->save_errors++;
    s->save_backoff_ms = s->save_backoff_ms == 0 ? BR_SRP_SERVER_SAVE_DELAY_MS
                         : s->save_backoff_ms >= BR_SRP_SERVER_SAVE_RETRY_MAX_MS / 2
                             ? BR_SRP_SERVER_SAVE_RETRY_MAX_MS
                             : 2 * s->save_backoff_ms;
    s->save_due_ms = now_ms + s->save_backoff_ms;
}

void br_srp_server_process(struct br_srp_server *s, uint64_t now_ms, uint64_t wall_ms)
{
    note_wall(s, now_ms, wall_ms);
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
    note_wall(s, now_ms, wall_ms);
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

bool br_srp_server_set_capacity(struct br_srp_server *s, uint32_t hosts, uint32_t services)
{
    return srp_registry_set_capacity(&s->reg, hosts, services);
}

/* ---- views ------------------------------------------------------------------------ */

/* "hosts: 12/2048 (pool 2048)" and the same for services: held (deleted
 * ones included), the live capacity, the compiled pool. */
static void fmt_capacity(const struct br_srp_server *s, FILE *out)
{
    unsigned h = 0, sv = 0;

    for (unsigned i = 0; i < SRP_MAX_HOSTS; i++)
        h += s->reg.hosts[i].used;
    for (unsigned i = 0; i < SRP_MAX_SERVICES; i++)
        sv += s->reg.services[i].used;
    fprintf(out, "hosts: %u/%lu (pool %u)\nservices: %u/%lu (pool %u)\n", h,
            (unsigned long)s->reg.max_hosts, (unsigned)SRP_MAX_HOSTS, sv,
            (unsigned long)s->reg.max_services, (unsigned)SRP_MAX_SERVICES);
}

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
    fprintf(out, "load-partial: %llu\nsave-pending: %d\nsig-no-time: %llu\nsaves-sync: %llu\n",
            (unsigned long long)s->load_partial, s->dirty ? 1 : 0,
            (unsigned long long)s->sig_no_time, (unsigned long long)s->saves_sync);
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
    case BR_SRP_SERVER_VIEW_CAPACITY:
        fmt_capacity(s, out);
        break;
    }
}
