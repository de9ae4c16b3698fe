#include "mesh_medium.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* xorshift64*: one step, the top byte of the product. */
static uint64_t xs_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

/* splitmix64 (never 0 for xorshift: the state is forced odd). */
static uint64_t seed_mix(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (i + 1);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (z ^ (z >> 31)) | 1;
}

void mm_random(void *user, uint8_t *buf, size_t len)
{
    struct mm_station *t = user;

    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(xs_next(&t->rng) >> 56);
}

static double unit(uint64_t *s)
{
    return (double)(xs_next(s) >> 11) / 9007199254740992.0; /* 2^53 */
}

static int mm_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t ch)
{
    struct mm_station *t = radio;
    struct mm_medium *m = t->m;
    struct mm_frame *f;

    if (len < 1 || len > RADIO_PSDU_MAX)
        return -1;
    m->ctr.tx_frames++;
    if (m->count >= MM_QLEN) {
        m->ctr.queue_drops++; /* as lost on the air: the MAC retries */
        return 0;
    }
    f = &m->q[(m->head + m->count++) % MM_QLEN];
    if (m->count > m->ctr.max_queued)
        m->ctr.max_queued = m->count;
    f->from = (uint32_t)t->idx;
    f->ch = ch;
    f->len = (uint8_t)len;
    memcpy(f->psdu, psdu, len);
    return 0;
}

static int mm_set_channel(void *radio, uint8_t ch)
{
    ((struct mm_station *)radio)->channel = ch;
    return 0;
}

const struct radio_ops mm_radio_ops = {
    .caps = 0,
    .transmit = mm_tx,
    .set_channel = mm_set_channel,
};

static void place(struct mm_medium *m)
{
    const struct mm_cfg *c = &m->cfg;
    int cols = (int)ceil(sqrt((double)c->n));
    double side = cols * c->spacing_m;
    uint64_t s = seed_mix(c->seed, 0xfeed);

    for (int i = 0; i < c->n; i++) {
        struct mm_station *t = &m->st[i];

        if (c->topology == MM_GRID) {
            t->x = (i % cols) * c->spacing_m;
            t->y = (double)(i / cols) * c->spacing_m;
        } else {
            t->x = unit(&s) * side;
            t->y = unit(&s) * side;
        }
    }
    if (c->topology == MM_GRID) {
        int rows = (c->n + cols - 1) / cols;
        int mid = (rows / 2) * cols + cols / 2;

        if (mid < c->n) { /* station 0 (the border router) in the middle */
            double x = m->st[0].x, y = m->st[0].y;

            m->st[0].x = m->st[mid].x;
            m->st[0].y = m->st[mid].y;
            m->st[mid].x = x;
            m->st[mid].y = y;
        }
    } else {
        m->st[0].x = side / 2;
        m->st[0].y = side / 2;
    }
}

static double dist(const struct mm_station *a, const struct mm_station *b)
{
    return hypot(a->x - b->x, a->y - b->y);
}

/* Log-distance path loss: -30 dBm at 1 m, -95 dBm at the range. */
static int8_t rssi_at(double d, double range)
{
    double r;

    if (d < 1)
        d = 1;
    r = range > 1 ? -30 - 65 * log10(d) / log10(range) : -30;
    return (int8_t)(r < -100 ? -100 : r);
}

static int build_links(struct mm_medium *m)
{
    const struct mm_cfg *c = &m->cfg;
    size_t total = 0, k = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < c->n; i++) {
            struct mm_station *a = &m->st[i];

            if (pass == 1)
                a->nbr_off = (uint32_t)k;
            for (int j = 0; j < c->n; j++) {
                double d;

                if (j == i || (d = dist(a, &m->st[j])) >= c->range_m)
                    continue;
                if (pass == 0) {
                    total++;
                    continue;
                }
                m->links[k].to = (uint32_t)j;
                m->links[k].rssi = rssi_at(d, c->range_m);
                m->links[k].loss =
                    (uint16_t)(c->loss * (d / c->range_m) * (d / c->range_m) * 65535.0);
                k++;
            }
            if (pass == 1)
                a->nbr_n = (uint32_t)k - a->nbr_off;
        }
        if (pass == 0) {
            m->links = calloc(total > 0 ? total : 1, sizeof(*m->links));
            if (m->links == NULL)
                return -1;
            m->n_links = total;
        }
    }
    return 0;
}

int mm_medium_init(struct mm_medium *m, const struct mm_cfg *cfg, mm_rx_fn rx, void *user)
{
    memset(m, 0, sizeof(*m));
    if (cfg->n < 1 || cfg->n > MM_MAX_STATIONS || cfg->range_m <= 0 || cfg->spacing_m <= 0 ||
        cfg->loss < 0 || cfg->loss > 1 || rx == NULL)
        return -1;
    m->cfg = *cfg;
    m->rx = rx;
    m->user = user;
    m->rng = seed_mix(cfg->seed, 0x1055);
    m->st = calloc((size_t)cfg->n, sizeof(*m->st));
    m->q = calloc(MM_QLEN, sizeof(*m->q));
    if (m->st == NULL || m->q == NULL) {
        mm_medium_free(m);
        return -1;
    }
    for (int i = 0; i < cfg->n; i++) {
        m->st[i].m = m;
        m->st[i].idx = i;
        m->st[i].rng = seed_mix(cfg->seed, (uint64_t)i);
    }
    place(m);
    if (build_links(m) != 0) {
        mm_medium_free(m);
        return -1;
    }
    return 0;
}

void mm_medium_free(struct mm_medium *m)
{
    free(m->st);
    free(m->links);
    free(m->q);
    memset(m, 0, sizeof(*m));
}

unsigned mm_medium_deliver(struct mm_medium *m, uint64_t now_ms)
{
    unsigned taken = 0;

    while (m->count > 0) {
        /* copied out: a receiver may transmit (an ACK) into the ring */
        struct mm_frame f = m->q[m->head];
        const struct mm_station *s = &m->st[f.from];
        struct radio_rx_frame rx = {
            .psdu = f.psdu, .len = f.len, .channel = f.ch, .timestamp_ms = now_ms};

        m->head = (m->head + 1) % MM_QLEN;
        m->count--;
        taken++;
        for (uint32_t k = 0; k < s->nbr_n; k++) {
            const struct mm_link *l = &m->links[s->nbr_off + k];

            if (m->st[l->to].channel != f.ch)
                continue;
            if (l->loss > 0 && (xs_next(&m->rng) >> 48) < l->loss) {
                m->ctr.lost++;
                continue;
            }
            rx.rssi = l->rssi;
            m->ctr.deliveries++;
            m->rx(m->user, (int)l->to, &rx);
        }
    }
    return taken;
}

size_t mm_medium_bytes(const struct mm_medium *m)
{
    return (size_t)m->cfg.n * sizeof(*m->st) + m->n_links * sizeof(*m->links) +
           MM_QLEN * sizeof(*m->q);
}

int mm_medium_hops(const struct mm_medium *m, int *hops)
{
    int n = m->cfg.n, *queue = malloc((size_t)n * sizeof(int)), qh = 0, qt = 0, far = 0;

    for (int i = 0; i < n; i++)
        hops[i] = -1;
    if (queue == NULL)
        return -1;
    hops[0] = 0;
    queue[qt++] = 0;
    while (qh < qt) {
        int i = queue[qh++];
        const struct mm_station *s = &m->st[i];

        for (uint32_t k = 0; k < s->nbr_n; k++) {
            int j = (int)m->links[s->nbr_off + k].to;

            if (hops[j] < 0) {
                hops[j] = hops[i] + 1;
                far = hops[j] > far ? hops[j] : far;
                queue[qt++] = j;
            }
        }
    }
    free(queue);
    return far;
}
