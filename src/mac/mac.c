/*
 * IEEE 802.15.4 MAC layer state machine: receive filtering, immediate ACKs,
 * duplicate detection, receive security policy, bounded TX queue with ACK
 * wait and retries in software, or the tx-done reports of a radio that
 * retries itself. See mac.h for the contract.
 */
#include "mac/mac.h"

#include <limits.h>
#include <string.h>

#include "util/rd.h"

const char *mac_layer_strerror(enum mac_layer_err err)
{
    switch (err) {
    case MAC_LAYER_OK:
        return "ok";
    case MAC_LAYER_ERR_QUEUE_FULL:
        return "transmit queue full";
    case MAC_LAYER_ERR_INVALID:
        return "invalid transmit request";
    case MAC_LAYER_ERR_TOO_LONG:
        return "frame longer than 127 bytes";
    case MAC_LAYER_ERR_NO_KEYS:
        return "MAC security requested but no keys installed";
    case MAC_LAYER_ERR_COUNTER:
        return "MAC frame counter exhausted";
    case MAC_LAYER_ERR_SECURITY:
        return "MAC frame encryption failed";
    }
    return "unknown MAC layer error";
}

const char *mac_tx_status_str(enum mac_tx_status st)
{
    switch (st) {
    case MAC_TX_OK:
        return "ok";
    case MAC_TX_NO_ACK:
        return "no ack";
    case MAC_TX_RADIO_ERROR:
        return "radio error";
    case MAC_TX_ABORTED:
        return "aborted";
    case MAC_TX_CHANNEL_ACCESS_FAILURE:
        return "channel access failure";
    }
    return "unknown";
}

void mac_layer_config_default(struct mac_layer_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->channel = RADIO_CHANNEL_MIN;
    cfg->pan_id = MAC_SHORT_BROADCAST;
    cfg->short_addr = MAC_SHORT_NONE;
    cfg->ack_timeout_ms = MAC_LAYER_ACK_TIMEOUT_MS;
    cfg->max_retries = MAC_LAYER_MAX_RETRIES_DIRECT;
    cfg->tx_done_timeout_ms = MAC_LAYER_TX_DONE_TIMEOUT_MS;
}

/* ---- radio helpers ----------------------------------------------------------- */

static void capture(struct mac_layer *m, uint64_t now_ms, const uint8_t *psdu, size_t len)
{
    struct mac_pcap *p = m->cfg.pcap;
    if (!p || !mac_pcap_is_open(p))
        return;
    if (mac_pcap_write(p, now_ms * 1000, psdu, len) < 0)
        m->counters.pcap_errors++;
}

/* What the radio does itself now (radio.h): get_caps when it has one (an
 * RCP's depend on its firmware); TX_RETRIES implies TX_DONE. */
static unsigned radio_caps(const struct mac_layer *m)
{
    const struct radio_ops *ops = m->cfg.radio_ops;
    unsigned caps = ops->get_caps ? ops->get_caps(m->cfg.radio) : ops->caps;
    if (caps & RADIO_CAP_TX_RETRIES)
        caps |= RADIO_CAP_TX_DONE;
    return caps;
}

static int radio_tx(struct mac_layer *m, const uint8_t *psdu, size_t len, uint64_t now_ms)
{
    capture(m, now_ms, psdu, len);
    return m->cfg.radio_ops->transmit(m->cfg.radio, psdu, len, m->cfg.channel);
}

static void radio_push_identity(struct mac_layer *m)
{
    const struct radio_ops *ops = m->cfg.radio_ops;
    if (ops->set_pan_id)
        ops->set_pan_id(m->cfg.radio, m->cfg.pan_id);
    if (ops->set_short_addr)
        ops->set_short_addr(m->cfg.radio, m->cfg.short_addr);
    if (ops->set_ext_addr)
        ops->set_ext_addr(m->cfg.radio, m->cfg.ext_addr);
}

/* ---- configuration ------------------------------------------------------------ */

int mac_layer_init(struct mac_layer *m, const struct mac_layer_config *cfg)
{
    memset(m, 0, sizeof(*m));
    if (!cfg->radio_ops || !cfg->radio_ops->transmit || cfg->ack_timeout_ms == 0 ||
        cfg->channel < RADIO_CHANNEL_MIN || cfg->channel > RADIO_CHANNEL_MAX)
        return -1;
    m->cfg = *cfg;
    if (m->cfg.tx_done_timeout_ms == 0)
        m->cfg.tx_done_timeout_ms = MAC_LAYER_TX_DONE_TIMEOUT_MS;
    m->seq = cfg->seq_init;
    mac_filter_init(&m->filter);
    if (cfg->radio_ops->set_channel && cfg->radio_ops->set_channel(cfg->radio, cfg->channel) < 0)
        return -1;
    radio_push_identity(m);
    return 0;
}

int mac_layer_set_channel(struct mac_layer *m, uint8_t channel)
{
    if (channel < RADIO_CHANNEL_MIN || channel > RADIO_CHANNEL_MAX)
        return -1;
    const struct radio_ops *ops = m->cfg.radio_ops;
    if (ops->set_channel && ops->set_channel(m->cfg.radio, channel) < 0)
        return -1;
    m->cfg.channel = channel;
    return 0;
}

void mac_layer_set_pan_id(struct mac_layer *m, uint16_t pan_id)
{
    m->cfg.pan_id = pan_id;
    radio_push_identity(m);
}

void mac_layer_set_short_addr(struct mac_layer *m, uint16_t short_addr)
{
    m->cfg.short_addr = short_addr;
    radio_push_identity(m);
}

void mac_layer_set_ext_addr(struct mac_layer *m, const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    memcpy(m->cfg.ext_addr, ext, MAC_EXT_ADDR_LEN);
    radio_push_identity(m);
}

void mac_layer_set_keys(struct mac_layer *m, const struct mac_keys *keys)
{
    if (m->have_keys && keys->key_seq != m->keys.key_seq)
        m->frame_counter = 0;
    m->keys = *keys;
    m->have_keys = true;
}

uint32_t mac_layer_frame_counter(const struct mac_layer *m)
{
    return m->frame_counter;
}

void mac_layer_set_frame_counter(struct mac_layer *m, uint32_t fc)
{
    m->frame_counter = fc;
}

unsigned mac_layer_txq_count(const struct mac_layer *m)
{
    return m->txq_count;
}

const struct mac_layer_counters *mac_layer_counters(const struct mac_layer *m)
{
    return &m->counters;
}

struct mac_filter *mac_layer_filter(struct mac_layer *m)
{
    return &m->filter;
}

/* The extended address of a (source or destination) address: itself, or a
 * short one resolved through the neighbour callback (*nbr filled then).
 * False when there is none to know. */
static bool resolve_ext(struct mac_layer *m, const struct mac_addr *a, struct mac_nbr_sec *nbr,
                        uint8_t ext[MAC_EXT_ADDR_LEN])
{
    if (a->mode == MAC_ADDR_EXT) {
        memcpy(ext, a->ext, MAC_EXT_ADDR_LEN);
        return true;
    }
    if (a->mode != MAC_ADDR_SHORT || !m->cfg.neighbour || !m->cfg.neighbour(m->cfg.user, a, nbr))
        return false;
    memcpy(ext, nbr->ext, MAC_EXT_ADDR_LEN);
    return true;
}

/* The head was acknowledged (an ACK, or a radio's OK report): true when the
 * MAC filter drops its destination, so the ACK does not count. */
static bool ack_filtered(struct mac_layer *m, const struct mac_txq_entry *e)
{
    struct mac_nbr_sec nbr;
    uint8_t ext[MAC_EXT_ADDR_LEN];
    int8_t rss;

    memset(&nbr, 0, sizeof(nbr));
    if (!e->ack_request || !resolve_ext(m, &e->dst, &nbr, ext) ||
        mac_filter_apply(&m->filter, ext, &rss) == OT_ERR_NONE)
        return false;
    m->counters.tx_ack_filtered++;
    return true;
}

/* ---- transmit queue ------------------------------------------------------------- */

static struct mac_txq_entry *txq_head(struct mac_layer *m)
{
    return &m->txq[m->txq_head];
}

/* Pops the head and reports it. The callback runs after the pop, so it may
 * queue new frames. */
static void complete_head(struct mac_layer *m, enum mac_tx_status st, bool ack_fp)
{
    struct mac_txq_entry *e = txq_head(m);
    struct mac_tx_result res = {
        .cookie = e->cookie,
        .status = st,
        .seq = e->seq,
        .attempts = e->attempts,
        .ack_frame_pending = st == MAC_TX_OK && e->ack_request && ack_fp,
    };
    switch (st) {
    case MAC_TX_OK:
        m->counters.tx_ok++;
        if (e->ack_request)
            m->counters.tx_acked++;
        break;
    case MAC_TX_NO_ACK:
        m->counters.tx_no_ack++;
        break;
    case MAC_TX_RADIO_ERROR:
        m->counters.tx_radio_errors++;
        break;
    case MAC_TX_ABORTED:
        m->counters.tx_aborted++;
        break;
    case MAC_TX_CHANNEL_ACCESS_FAILURE:
        m->counters.tx_channel_access_failures++;
        break;
    }
    m->waiting_ack = false;
    m->waiting_tx_done = false;
    m->txq_head = (m->txq_head + 1) % MAC_LAYER_TXQ_LEN;
    m->txq_count--;
    if (m->cfg.tx_done)
        m->cfg.tx_done(m->cfg.user, &res);
}

/* One radio transmission of the head e, and what it then waits for, by the
 * radio's capabilities at this transmission (an RCP replaced by another
 * firmware after a reset changes them). Completes e when nothing is left to
 * wait for: transmit() failed, or no AR on a dumb radio. */
static void transmit_head(struct mac_layer *m, struct mac_txq_entry *e, uint64_t now_ms)
{
    unsigned caps = radio_caps(m);
    e->attempts++;
    m->counters.tx_frames++;
    if (radio_tx(m, e->psdu, e->len, now_ms) < 0) {
        complete_head(m, MAC_TX_RADIO_ERROR, false);
    } else if (caps & RADIO_CAP_TX_DONE) {
        m->waiting_tx_done = true;
        m->tx_done_mac_retries = !(caps & RADIO_CAP_TX_RETRIES);
        m->tx_done_deadline_ms = now_ms + m->cfg.tx_done_timeout_ms;
    } else if (!e->ack_request) {
        complete_head(m, MAC_TX_OK, false);
    } else {
        m->waiting_ack = true;
        m->ack_deadline_ms = now_ms + m->cfg.ack_timeout_ms;
    }
}

/* The head's attempt failed (no ACK in time; or a NO_ACK / busy-channel
 * report of a radio that does not retry itself): retransmit the
 * byte-identical PSDU (same seq, same frame counter, as OpenThread's SubMac
 * does) while retries remain, else complete it with st. */
static void retry_head(struct mac_layer *m, enum mac_tx_status st, uint64_t now_ms)
{
    struct mac_txq_entry *e = txq_head(m);
    /* attempts counts the first transmission: retries so far = attempts - 1. */
    if (e->attempts > m->cfg.max_retries) {
        complete_head(m, st, false);
        return;
    }
    m->counters.tx_retries++;
    m->waiting_ack = false;
    m->waiting_tx_done = false;
    transmit_head(m, e, now_ms);
}

/* Sends queued frames until one waits for its ACK (or the radio's report) or
 * the queue is empty. */
static void kick(struct mac_layer *m, uint64_t now_ms)
{
    if (m->in_kick)
        return; /* a callback inside the loop below queued a frame: the loop sends it */
    m->in_kick = true;
    while (!m->waiting_ack && !m->waiting_tx_done && m->txq_count > 0)
        transmit_head(m, txq_head(m), now_ms);
    m->in_kick = false;
}

static bool addr_valid_dst(const struct mac_addr *a)
{
    return a->mode == MAC_ADDR_SHORT || a->mode == MAC_ADDR_EXT;
}

enum mac_layer_err mac_layer_send(struct mac_layer *m, const struct mac_tx_req *req,
                                  uint64_t now_ms)
{
    struct mac_layer_counters *c = &m->counters;
    c->tx_requests++;

    if ((req->type != MAC_FRAME_DATA && req->type != MAC_FRAME_CMD) || !addr_valid_dst(&req->dst) ||
        (req->src_mode != MAC_ADDR_SHORT && req->src_mode != MAC_ADDR_EXT) ||
        (req->src_mode == MAC_ADDR_SHORT &&
         (m->cfg.short_addr == MAC_SHORT_NONE || m->cfg.short_addr == MAC_SHORT_BROADCAST)) ||
        (req->len > 0 && !req->payload)) {
        c->tx_drop_invalid++;
        return MAC_LAYER_ERR_INVALID;
    }
    if (m->txq_count >= MAC_LAYER_TXQ_LEN) {
        c->tx_drop_queue_full++;
        return MAC_LAYER_ERR_QUEUE_FULL;
    }
    if (req->secure && !m->have_keys) {
        c->tx_drop_security++;
        return MAC_LAYER_ERR_NO_KEYS;
    }
    if (req->secure && m->frame_counter == UINT32_MAX) {
        c->tx_drop_security++;
        return MAC_LAYER_ERR_COUNTER;
    }

    bool broadcast = req->dst.mode == MAC_ADDR_SHORT && req->dst.short_addr == MAC_SHORT_BROADCAST;
    struct mac_frame hdr;
    memset(&hdr, 0, sizeof(hdr));
    hdr.type = req->type;
    hdr.version = MAC_VERSION_2006; /* OpenThread: every data frame (interop 3.1) */
    hdr.security_enabled = req->secure;
    hdr.frame_pending = req->frame_pending;
    hdr.ack_request = !broadcast;
    hdr.pan_id_compression = true; /* both addresses present, same PAN */
    hdr.seq = m->seq;
    hdr.dst_pan = m->cfg.pan_id;
    hdr.src_pan = m->cfg.pan_id;
    hdr.dst = req->dst;
    hdr.src.mode = req->src_mode;
    if (req->src_mode == MAC_ADDR_SHORT)
        hdr.src.short_addr = m->cfg.short_addr;
    else
        memcpy(hdr.src.ext, m->cfg.ext_addr, MAC_EXT_ADDR_LEN);
    if (req->secure) {
        hdr.sec.level = MAC_SEC_LEVEL_ENC_MIC_32;
        hdr.sec.key_id_mode = MAC_KEY_ID_MODE_INDEX;
        hdr.sec.frame_counter = m->frame_counter;
        hdr.sec.key_index = mac_key_index(m->keys.key_seq);
    }

    unsigned slot = (m->txq_head + m->txq_count) % MAC_LAYER_TXQ_LEN;
    struct mac_txq_entry *e = &m->txq[slot];
    size_t len = 0;
    enum mac_err me = mac_frame_build(&hdr, req->payload, req->len, e->psdu, sizeof(e->psdu), &len);
    if (me == MAC_ERR_TOO_LONG || me == MAC_ERR_NO_SPACE) {
        c->tx_drop_invalid++;
        return MAC_LAYER_ERR_TOO_LONG;
    }
    if (me != MAC_OK) {
        c->tx_drop_invalid++;
        return MAC_LAYER_ERR_INVALID;
    }
    if (req->secure) {
        me = mac_security_protect(m->keys.cur, m->cfg.ext_addr, e->psdu, len);
        if (me != MAC_OK) {
            c->tx_drop_security++;
            return me == MAC_ERR_COUNTER ? MAC_LAYER_ERR_COUNTER : MAC_LAYER_ERR_SECURITY;
        }
        m->frame_counter++;
    }
    e->len = (uint8_t)len;
    e->dst = req->dst;
    e->seq = m->seq;
    e->ack_request = hdr.ack_request;
    e->cookie = req->cookie;
    e->attempts = 0;
    m->seq++;
    m->txq_count++;
    kick(m, now_ms);
    return MAC_LAYER_OK;
}

void mac_layer_radio_tx_done(void *mac, const struct radio_tx_done *d)
{
    struct mac_layer *m = mac;
    if (!m->waiting_tx_done) {
        m->counters.tx_done_unexpected++;
        return;
    }
    if (d->status == RADIO_TX_OK && d->ack_psdu && d->ack_len > 0 && d->ack_len <= MAC_PSDU_MAX)
        capture(m, d->now_ms, d->ack_psdu, d->ack_len);
    enum mac_tx_status st = MAC_TX_RADIO_ERROR;
    bool retry = false;
    switch (d->status) {
    case RADIO_TX_OK:
        st = ack_filtered(m, txq_head(m)) ? MAC_TX_NO_ACK : MAC_TX_OK;
        break;
    case RADIO_TX_NO_ACK:
        st = MAC_TX_NO_ACK;
        retry = m->tx_done_mac_retries;
        break;
    case RADIO_TX_CHANNEL_ACCESS_FAIL:
        st = MAC_TX_CHANNEL_ACCESS_FAILURE;
        retry = m->tx_done_mac_retries;
        break;
    case RADIO_TX_ABORTED:
        m->counters.tx_radio_aborted++;
        break;
    case RADIO_TX_ERROR:
    default: /* a value outside the enum is an error too */
        m->counters.tx_radio_failed++;
        break;
    }
    if (retry)
        retry_head(m, st, d->now_ms);
    else
        complete_head(m, st, d->ack_frame_pending);
    kick(m, d->now_ms);
}

void mac_layer_tick(struct mac_layer *m, uint64_t now_ms)
{
    if (m->waiting_tx_done && now_ms >= m->tx_done_deadline_ms) {
        m->counters.tx_done_timeouts++;
        complete_head(m, MAC_TX_RADIO_ERROR, false);
    }
    if (m->waiting_ack && now_ms >= m->ack_deadline_ms)
        retry_head(m, MAC_TX_NO_ACK, now_ms);
    kick(m, now_ms);
}

int mac_layer_timeout_ms(const struct mac_layer *m, uint64_t now_ms)
{
    if (m->waiting_ack || m->waiting_tx_done) {
        uint64_t deadline = m->waiting_ack ? m->ack_deadline_ms : m->tx_done_deadline_ms;
        if (now_ms >= deadline)
            return 0;
        uint64_t d = deadline - now_ms;
        return d > INT_MAX ? INT_MAX : (int)d;
    }
    return m->txq_count > 0 ? 0 : -1;
}

void mac_layer_abort_all(struct mac_layer *m)
{
    /* Only the frames queued now; frames the callbacks queue meanwhile stay
     * (in_kick keeps them from going out in the middle) for the next tick. */
    unsigned n = m->txq_count;
    bool was = m->in_kick;
    m->in_kick = true;
    while (n-- > 0)
        complete_head(m, MAC_TX_ABORTED, false);
    m->in_kick = was;
}

/* ---- receive ------------------------------------------------------------------------ */

static bool addr_equal(const struct mac_addr *a, const struct mac_addr *b)
{
    if (a->mode != b->mode)
        return false;
    switch (a->mode) {
    case MAC_ADDR_SHORT:
        return a->short_addr == b->short_addr;
    case MAC_ADDR_EXT:
        return memcmp(a->ext, b->ext, MAC_EXT_ADDR_LEN) == 0;
    default:
        return true;
    }
}

/* The FCS of a PSDU the codec accepted (so len >= 5), as a fingerprint. */
static uint16_t frame_fcs(const uint8_t *psdu, size_t len)
{
    struct rd r = rd_init(psdu, len);
    uint8_t lo = 0, hi = 0;
    if (!rd_skip(&r, len - MAC_FCS_LEN) || !rd_u8(&r, &lo) || !rd_u8(&r, &hi))
        return 0;
    return (uint16_t)(lo | (hi << 8));
}

static bool dup_live(const struct mac_dup_entry *d, uint64_t now_ms)
{
    return d->used && now_ms - d->time_ms <= MAC_LAYER_DUP_WINDOW_MS;
}

static bool dup_find(const struct mac_layer *m, const struct mac_frame *f, size_t len, uint16_t fcs,
                     uint64_t now_ms)
{
    for (unsigned i = 0; i < MAC_LAYER_DUP_SLOTS; i++) {
        const struct mac_dup_entry *d = &m->dup[i];
        if (dup_live(d, now_ms) && addr_equal(&d->src, &f->src) && d->seq == f->seq &&
            d->len == len && d->fcs == fcs)
            return true;
    }
    return false;
}

/* Remembers the last delivered AR frame per source; evicts the oldest entry. */
static void dup_record(struct mac_layer *m, const struct mac_frame *f, size_t len, uint16_t fcs,
                       uint64_t now_ms)
{
    struct mac_dup_entry *slot = NULL;
    for (unsigned i = 0; i < MAC_LAYER_DUP_SLOTS && !slot; i++)
        if (m->dup[i].used && addr_equal(&m->dup[i].src, &f->src))
            slot = &m->dup[i];
    for (unsigned i = 0; i < MAC_LAYER_DUP_SLOTS && !slot; i++)
        if (!dup_live(&m->dup[i], now_ms))
            slot = &m->dup[i];
    if (!slot) {
        slot = &m->dup[0];
        for (unsigned i = 1; i < MAC_LAYER_DUP_SLOTS; i++)
            if (m->dup[i].time_ms < slot->time_ms)
                slot = &m->dup[i];
    }
    slot->src = f->src;
    slot->seq = f->seq;
    slot->len = (uint8_t)len;
    slot->fcs = fcs;
    slot->time_ms = now_ms;
    slot->used = true;
}

/* Frame pending bit of our ACK (mac.h, "Indirect transmission"). For a
 * 2003/2006 MAC command the Command Frame Identifier is not encrypted, so it
 * can be read before security processing. */
static bool ack_frame_pending(struct mac_layer *m, const struct mac_frame *f)
{
    bool data_req = false;
    if (f->type == MAC_FRAME_CMD) {
        struct rd r = rd_init(f->payload, f->payload_len);
        uint8_t cmd = 0;
        data_req = rd_u8(&r, &cmd) && cmd == MAC_CMD_DATA_REQUEST;
    }
    if (f->type != MAC_FRAME_DATA && !data_req)
        return false;
    return m->cfg.ack_frame_pending ? m->cfg.ack_frame_pending(m->cfg.user, &f->src) : true;
}

static void send_ack(struct mac_layer *m, const struct mac_frame *f, bool fp, uint64_t now_ms)
{
    uint8_t ack[MAC_ACK_LEN];
    size_t n = 0;
    if (mac_ack_build(f->seq, fp, f->version, ack, sizeof(ack), &n) != MAC_OK) {
        m->counters.rx_ack_tx_errors++; /* cannot happen: parse allows versions 0/1 only */
        return;
    }
    if (radio_tx(m, ack, n, now_ms) < 0)
        m->counters.rx_ack_tx_errors++;
    else
        m->counters.rx_acks_sent++;
}

static void handle_ack(struct mac_layer *m, const struct mac_frame *f, uint64_t now_ms)
{
    if (!m->waiting_ack || txq_head(m)->seq != f->seq) {
        m->counters.rx_drop_ack_unexpected++;
        return;
    }
    m->counters.rx_acks_matched++;
    if (ack_filtered(m, txq_head(m)))
        complete_head(m, MAC_TX_NO_ACK, false);
    else
        complete_head(m, MAC_TX_OK, f->frame_pending);
    kick(m, now_ms);
}

/* Destination filter (step 3). Returns true when the frame is for us. */
static bool dst_filter(struct mac_layer *m, const struct mac_frame *f)
{
    struct mac_layer_counters *c = &m->counters;
    if (f->dst.mode == MAC_ADDR_NONE) {
        if (f->src.mode != MAC_ADDR_NONE && f->src_pan != m->cfg.pan_id) {
            c->rx_drop_src_pan++;
            return false;
        }
        return true;
    }
    if (f->dst_pan != MAC_SHORT_BROADCAST && f->dst_pan != m->cfg.pan_id) {
        c->rx_drop_dst_pan++;
        return false;
    }
    if (f->dst.mode == MAC_ADDR_SHORT) {
        uint16_t s = f->dst.short_addr;
        if (s != MAC_SHORT_BROADCAST &&
            (s != m->cfg.short_addr || m->cfg.short_addr == MAC_SHORT_NONE)) {
            c->rx_drop_dst_addr++;
            return false;
        }
        return true;
    }
    if (memcmp(f->dst.ext, m->cfg.ext_addr, MAC_EXT_ADDR_LEN) != 0) {
        c->rx_drop_dst_addr++;
        return false;
    }
    return true;
}

void mac_layer_receive(struct mac_layer *m, const struct radio_rx_frame *rf)
{
    struct mac_layer_counters *c = &m->counters;
    uint64_t now = rf->timestamp_ms;
    c->rx_frames++;
    capture(m, now, rf->psdu, rf->len);

    if (rf->channel != m->cfg.channel) {
        c->rx_drop_channel++;
        return;
    }
    struct mac_frame f;
    if (mac_frame_parse(rf->psdu, rf->len, &f) != MAC_OK) {
        c->rx_drop_parse++;
        return;
    }
    if (f.type == MAC_FRAME_ACK) {
        handle_ack(m, &f, now);
        return;
    }
    if (!dst_filter(m, &f))
        return;

    /* Step 4: the ACK goes out now, before any other processing. */
    struct mac_rx_info info;
    memset(&info, 0, sizeof(info));
    bool broadcast = f.dst.mode == MAC_ADDR_SHORT && f.dst.short_addr == MAC_SHORT_BROADCAST;
    if (radio_caps(m) & RADIO_CAP_AUTO_ACK) {
        /* The radio has ACKed it (or not) already and says so. */
        info.acked = rf->acked;
        info.ack_frame_pending = rf->acked && rf->ack_frame_pending;
        if (rf->acked)
            c->rx_acks_by_radio++;
    } else if (f.ack_request && !broadcast) {
        info.acked = true;
        info.ack_frame_pending = ack_frame_pending(m, &f);
        send_ack(m, &f, info.ack_frame_pending, now);
    }

    /* Step 5: source. */
    if (f.src.mode == MAC_ADDR_EXT && memcmp(f.src.ext, m->cfg.ext_addr, MAC_EXT_ADDR_LEN) == 0) {
        c->rx_drop_own_src++;
        return;
    }
    struct mac_nbr_sec nbr;
    memset(&nbr, 0, sizeof(nbr));
    bool have_nbr = false;
    if (f.src.mode != MAC_ADDR_NONE && m->cfg.neighbour)
        have_nbr = m->cfg.neighbour(m->cfg.user, &f.src, &nbr);
    if (f.src.mode == MAC_ADDR_SHORT && m->cfg.neighbour && !have_nbr) {
        c->rx_drop_unknown_nbr++;
        return;
    }
    if (f.src.mode == MAC_ADDR_EXT) {
        memcpy(info.src_ext, f.src.ext, MAC_EXT_ADDR_LEN);
        info.src_ext_known = true;
    } else if (have_nbr) {
        memcpy(info.src_ext, nbr.ext, MAC_EXT_ADDR_LEN);
        info.src_ext_known = true;
    }

    /* Step 5a: the MAC filter, on the sender's extended address. */
    int8_t rssi = rf->rssi;
    if (info.src_ext_known) {
        int8_t fixed;
        if (mac_filter_apply(&m->filter, info.src_ext, &fixed) != OT_ERR_NONE) {
            c->rx_drop_filtered++;
            return;
        }
        if (fixed != MAC_FILTER_RSS_NONE) {
            rssi = fixed;
            info.rss_fixed = true;
        }
    }

    /* Step 6: retransmission of a frame already delivered. */
    uint16_t fcs = frame_fcs(rf->psdu, rf->len);
    if (f.ack_request && f.src.mode != MAC_ADDR_NONE && dup_find(m, &f, rf->len, fcs, now)) {
        c->rx_drop_duplicate++;
        return;
    }

    /* Step 7: security. */
    uint8_t plain[MAC_PSDU_MAX];
    const uint8_t *psdu = rf->psdu;
    if (f.security_enabled) {
        if (!m->have_keys || !m->cfg.neighbour) {
            c->rx_drop_sec_no_keys++;
            return;
        }
        if (!have_nbr) {
            c->rx_drop_unknown_nbr++;
            return;
        }
        if (f.sec.level != MAC_SEC_LEVEL_ENC_MIC_32 || f.sec.key_id_mode != MAC_KEY_ID_MODE_INDEX) {
            c->rx_drop_sec_unsupported++;
            return;
        }
        uint32_t kseq = 0;
        const uint8_t *key = mac_keys_lookup(&m->keys, f.sec.key_index, &kseq);
        if (!key) {
            c->rx_drop_sec_key_index++;
            return;
        }
        uint32_t fc = f.sec.frame_counter;
        bool track = nbr.key_seq && nbr.replay;
        if (track) {
            if ((int32_t)(kseq - *nbr.key_seq) < 0) {
                c->rx_drop_sec_old_key++;
                return;
            }
            if (kseq == *nbr.key_seq && mac_replay_check(nbr.replay, fc) != MAC_OK) {
                c->rx_drop_sec_replay++;
                return;
            }
        }
        memcpy(plain, rf->psdu, rf->len);
        enum mac_err e = mac_security_unprotect(key, nbr.ext, plain, rf->len, &f);
        if (e != MAC_OK) {
            if (e == MAC_ERR_UNSUPPORTED_SECURITY)
                c->rx_drop_sec_unsupported++;
            else if (e == MAC_ERR_COUNTER)
                c->rx_drop_sec_replay++;
            else
                c->rx_drop_sec_mic++;
            return;
        }
        if (track) {
            if (kseq != *nbr.key_seq) {
                *nbr.key_seq = kseq;
                mac_replay_init(nbr.replay, 0);
            }
            mac_replay_accept(nbr.replay, fc);
        }
        psdu = plain;
        info.secured = true;
        info.key_seq = kseq;
        info.frame_counter = fc;
    }

    /* Step 8: deliver. */
    if (f.ack_request && f.src.mode != MAC_ADDR_NONE)
        dup_record(m, &f, rf->len, fcs, now);
    info.frame = &f;
    info.psdu = psdu;
    info.psdu_len = rf->len;
    info.channel = rf->channel;
    info.rssi = rssi;
    info.lqi = rf->lqi;
    info.now_ms = now;
    c->rx_delivered++;
    if (m->cfg.rx)
        m->cfg.rx(m->cfg.user, &info);
}

void mac_layer_radio_rx(void *mac, const struct radio_rx_frame *f)
{
    mac_layer_receive(mac, f);
}
