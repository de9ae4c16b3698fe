#include "medium.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- output capture ---------------------------------------------------------- */

void tm_capture_open(struct tm_capture *c)
{
    memset(c, 0, sizeof(*c));
    c->f = open_memstream(&c->buf, &c->size);
    assert_non_null(c->f);
}

void tm_capture_close(struct tm_capture *c)
{
    fclose(c->f);
    free(c->buf);
}

const char *tm_capture_take(struct tm_capture *c)
{
    size_t n;

    fflush(c->f);
    n = c->size - c->mark;
    assert_true(n < sizeof(c->last));
    memcpy(c->last, c->buf + c->mark, n);
    c->last[n] = '\0';
    c->mark = c->size;
    return c->last;
}

void tm_first_line(const char *s, char *out, size_t cap)
{
    size_t n = strcspn(s, "\n");

    assert_true(n < cap);
    memcpy(out, s, n);
    out[n] = '\0';
}

/* ---- the medium ----------------------------------------------------------------- */

void tm_random(void *user, uint8_t *buf, size_t len)
{
    struct tm_station *t = user;

    for (size_t i = 0; i < len; i++) {
        /* xorshift64*: deterministic per station, good enough for tests */
        t->rng ^= t->rng >> 12;
        t->rng ^= t->rng << 25;
        t->rng ^= t->rng >> 27;
        buf[i] = (uint8_t)((t->rng * 0x2545f4914f6cdd1dULL) >> 56);
    }
}

static int med_tx(void *radio, const uint8_t *psdu, size_t len, uint8_t ch)
{
    struct tm_station *t = radio;
    struct tm_medium *m = t->m;
    struct tm_frame *f;

    assert_true(len >= 1 && len <= 127);
    assert_true(m->count < TM_QLEN);
    f = &m->q[(m->head + m->count++) % TM_QLEN];
    f->from = t->idx;
    f->ch = ch;
    f->len = (uint8_t)len;
    memcpy(f->psdu, psdu, len);
    return 0;
}

static int med_set_channel(void *radio, uint8_t ch)
{
    ((struct tm_station *)radio)->channel = ch;
    return 0;
}

const struct radio_ops tm_radio_ops = {
    .caps = 0,
    .transmit = med_tx,
    .set_channel = med_set_channel,
};

void tm_medium_init(struct tm_medium *m, int n, uint64_t seed, const struct tm_hooks *hooks,
                    void *user)
{
    assert_true(n >= 1 && n <= TM_MAX_STATIONS);
    memset(m, 0, sizeof(*m));
    for (int i = 0; i < n; i++) {
        m->st[i].m = m;
        m->st[i].idx = i;
        m->st[i].rng = 0x9e3779b97f4a7c15ULL * ((uint64_t)i + seed);
    }
    m->n = n;
    m->hooks = hooks;
    m->user = user;
}

int64_t tm_min_timeout(int64_t a, int64_t b)
{
    if (b >= 0 && (a < 0 || b < a))
        return b;
    return a;
}

void tm_run(struct tm_medium *m, uint64_t *now, uint64_t ms)
{
    const struct tm_hooks *h = m->hooks;
    uint64_t until = *now + ms;
    unsigned spins = 0;

    for (;;) {
        int64_t next;

        while (m->count > 0) {
            struct tm_frame f = m->q[m->head];
            struct radio_rx_frame rx = {
                .psdu = f.psdu, .len = f.len, .channel = f.ch, .rssi = -20, .timestamp_ms = *now};

            m->head = (m->head + 1) % TM_QLEN;
            m->count--;
            for (int i = 0; i < m->n; i++)
                if (i != f.from && m->st[i].channel == f.ch)
                    h->rx(m->user, i, &rx);
        }
        if (h->step != NULL)
            h->step(m->user, *now);
        if (m->count > 0 || (h->busy != NULL && h->busy(m->user)))
            continue;
        next = h->next_timeout(m->user, *now);
        if (next == 0) {
            assert_true(++spins < 100000);
            continue;
        }
        spins = 0;
        if (next < 0 || *now + (uint64_t)next > until) {
            *now = until;
            return;
        }
        *now += (uint64_t)next;
    }
}
