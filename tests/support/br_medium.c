#include "br_medium.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/settings.h"

static const struct tm_br_hooks no_hooks;

static uint16_t csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

struct tm_br *tm_br_of(void *user)
{
    return ((struct tm_station *)user)->m->user;
}

/* The agent's host side: IPv4 echo requests to 192.0.2.1 are answered. */
static void host_tx(void *user, const uint8_t *pkt, size_t len)
{
    struct tm_br *m = tm_br_of(user);
    static const uint8_t peer[4] = {192, 0, 2, 1};
    size_t ihl;
    struct tm_hostpkt *r;
    uint16_t c;

    if (len > 0 && (pkt[0] >> 4) == 6) {
        m->host_ip6_seen++;
        return;
    }
    assert_true(len >= 28 && (pkt[0] >> 4) == 4);
    m->host_ip4_seen++;
    m->host_ip4_ttl = pkt[8];
    ihl = (size_t)(pkt[0] & 0x0f) * 4;
    if (pkt[9] != 1 || memcmp(pkt + 16, peer, 4) != 0 || pkt[ihl] != 8 || m->hq_n >= TM_HOSTQ ||
        len > sizeof(r->data))
        return;
    r = &m->hq[m->hq_n++];
    memcpy(r->data, pkt, len);
    r->len = len;
    memcpy(r->data + 12, pkt + 16, 4);
    memcpy(r->data + 16, pkt + 12, 4);
    r->data[8] = 60; /* TTL */
    r->data[10] = r->data[11] = 0;
    c = csum(r->data, ihl);
    r->data[10] = (uint8_t)(c >> 8);
    r->data[11] = (uint8_t)c;
    r->data[ihl] = 0; /* echo reply */
    r->data[ihl + 2] = r->data[ihl + 3] = 0;
    c = csum(r->data + ihl, len - ihl);
    r->data[ihl + 2] = (uint8_t)(c >> 8);
    r->data[ihl + 3] = (uint8_t)c;
}

/* ---- the tm_medium hooks --------------------------------------------------------- */

static void br_rx(void *user, int idx, const struct radio_rx_frame *rx)
{
    struct tm_br *m = user;

    if (idx == 0)
        br_agent_radio_rx(m->agent, rx);
    else
        tnode_radio_rx(m->dev, rx);
}

static void br_step(void *user, uint64_t now)
{
    struct tm_br *m = user;

    for (unsigned i = 0; i < m->hq_n; i++)
        br_agent_host_input(m->agent, m->hq[i].data, m->hq[i].len, now);
    m->hq_n = 0;
    if (m->hooks->deliver != NULL)
        m->hooks->deliver(m, now);
    br_agent_process(m->agent, now);
    tnode_process(m->dev, now);
    if (m->hooks->process != NULL)
        m->hooks->process(m, now);
}

static bool br_busy(void *user)
{
    struct tm_br *m = user;

    return m->hq_n > 0 || (m->hooks->busy != NULL && m->hooks->busy(m));
}

static int64_t br_next_timeout(void *user, uint64_t now)
{
    struct tm_br *m = user;
    int64_t next = br_agent_next_timeout_ms(m->agent, now);

    next = tm_min_timeout(next, tnode_next_timeout_ms(m->dev, now));
    if (m->hooks->next_timeout != NULL)
        next = tm_min_timeout(next, m->hooks->next_timeout(m, now));
    return next;
}

static const struct tm_hooks br_hooks = {
    .rx = br_rx,
    .step = br_step,
    .busy = br_busy,
    .next_timeout = br_next_timeout,
};

/* ---- the harness ----------------------------------------------------------------- */

void tm_br_agent_new(struct tm_br *b, bool assume_return_path)
{
    struct br_agent_cfg cfg;
    struct kv kv;
    char err[256];

    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 1;
    cfg.radio_ops = &tm_radio_ops;
    cfg.radio = &b->air.st[0];
    if (b->settings != NULL)
        settings_kv(b->settings, &kv);
    cfg.kv = b->settings != NULL ? &kv : NULL;
    cfg.random = tm_random;
    cfg.user = &b->air.st[0];
    cfg.host_tx = host_tx;
    cfg.assume_return_path = assume_return_path;
    if (b->hooks->agent_cfg != NULL)
        b->hooks->agent_cfg(b, &cfg);
    b->agent = br_agent_new(&cfg, b->now, err, sizeof(err));
    if (b->agent == NULL)
        fail_msg("br_agent_new: %s", err);
    br_cli_init(&b->acli, b->agent, NULL);
}

struct tm_br *tm_br_new(bool assume_return_path, const char *state_tag,
                        const struct tm_br_hooks *hooks, void *user)
{
    struct tm_br *b = calloc(1, sizeof(*b));
    struct tnode_cfg cfg;

    assert_non_null(b);
    b->now = 5000;
    b->hooks = hooks != NULL ? hooks : &no_hooks;
    b->user = user;
    tm_medium_init(&b->air, 2, 7, &br_hooks, b);
    if (state_tag != NULL) {
        struct settings_config sc;

        snprintf(b->state_dir, sizeof(b->state_dir), "/tmp/%s.XXXXXX", state_tag);
        assert_non_null(mkdtemp(b->state_dir));
        memset(&sc, 0, sizeof(sc));
        sc.dir = b->state_dir;
        sc.name = "node-1.settings";
        assert_int_equal(settings_open(&sc, &b->settings, NULL), SETTINGS_OK);
    }
    tm_br_agent_new(b, assume_return_path);
    memset(&cfg, 0, sizeof(cfg));
    cfg.node_id = 2;
    cfg.radio_ops = &tm_radio_ops;
    cfg.radio = &b->air.st[1];
    cfg.random = tm_random;
    cfg.user = &b->air.st[1];
    cfg.router_eligible = false; /* the device stays a child (no REED upgrade) */
    b->dev = tnode_new(&cfg, b->now);
    assert_non_null(b->dev);
    node_cli_init(&b->dcli, b->dev);
    tm_capture_open(&b->acap);
    tm_capture_open(&b->dcap);
    return b;
}

void tm_br_free(struct tm_br *b)
{
    br_agent_free(b->agent, b->now);
    tnode_free(b->dev);
    tm_capture_close(&b->acap);
    tm_capture_close(&b->dcap);
    if (b->settings != NULL) {
        char path[128];

        settings_close(b->settings);
        snprintf(path, sizeof(path), "%s/node-1.settings", b->state_dir);
        unlink(path);
        rmdir(b->state_dir);
    }
    free(b);
}

void tm_br_run(struct tm_br *b, uint64_t ms)
{
    tm_run(&b->air, &b->now, ms);
}

const char *tm_br_acmd(struct tm_br *b, const char *line)
{
    br_cli_run_line(&b->acli, line, b->now, b->acap.f);
    return tm_capture_take(&b->acap);
}

const char *tm_br_dcmd(struct tm_br *b, const char *line)
{
    node_cli_run_line(&b->dcli, line, b->now, b->dcap.f);
    return tm_capture_take(&b->dcap);
}

void tm_br_expect_a(struct tm_br *b, const char *line, const char *want)
{
    const char *got = tm_br_acmd(b, line);

    if (strcmp(got, want) != 0)
        fail_msg("agent '%s': got '%s', want '%s'", line, got, want);
}

void tm_br_form(struct tm_br *b)
{
    tm_br_expect_a(b, "dataset init new", "Done\n");
    tm_br_expect_a(b, "dataset commit active", "Done\n");
    tm_br_expect_a(b, "ifconfig up", "Done\n");
    tm_br_expect_a(b, "thread start", "Done\n");
    tm_br_run(b, 15000);
    tm_br_expect_a(b, "state", "leader\nDone\n");
}

void tm_br_join(struct tm_br *b)
{
    char ds[600], line[700];

    tm_first_line(tm_br_acmd(b, "dataset active -x"), ds, sizeof(ds));
    snprintf(line, sizeof(line), "dataset set active %s", ds);
    assert_string_equal(tm_br_dcmd(b, line), "Done\n");
    assert_string_equal(tm_br_dcmd(b, "ifconfig up"), "Done\n");
    assert_string_equal(tm_br_dcmd(b, "thread start"), "Done\n");
    tm_br_run(b, 20000);
    assert_string_equal(tm_br_dcmd(b, "state"), "child\nDone\n");
}
