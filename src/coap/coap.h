/*
 * CoAP message codec (RFC 7252) and a small reliability helper, as the
 * Thread Management Framework (TMF, UDP port 61631) uses them.
 *
 * Codec: pure functions over caller-owned buffers. A parsed message
 * (struct coap_msg) points into the input buffer (token is copied; option
 * values and the payload are not), so the input must outlive it.
 *
 * Reliability helper (struct coap_ctx): caller-owned state for the
 * retransmission of Confirmable messages (RFC 7252 §4.2, §4.8), duplicate
 * detection per peer and message ID (§4.5) and response matching by token
 * (§5.3.2). Time is always passed in (now_ms, any monotonic millisecond
 * clock) and so is randomness; no I/O, no clock reads, no global state.
 */
#ifndef TBR_COAP_COAP_H
#define TBR_COAP_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- constants ------------------------------------------------------------ */

#define COAP_VERSION 1    /* §3: Ver field */
#define COAP_HEADER_LEN 4 /* §3: Ver|T|TKL, Code, Message ID */
#define COAP_TOKEN_MAX 8  /* §3: TKL 9..15 are reserved */
#define COAP_PAYLOAD_MARKER 0xff
#define COAP_MAX_OPTIONS 16 /* options kept per parsed/built message */
#define COAP_URI_MAX 128    /* longest Uri-Path text the helpers handle */

/* Option numbers (§5.10, §12.2). Odd numbers are critical (§5.4.1). */
enum coap_option_num {
    COAP_OPT_IF_MATCH = 1,
    COAP_OPT_URI_HOST = 3,
    COAP_OPT_ETAG = 4,
    COAP_OPT_IF_NONE_MATCH = 5,
    COAP_OPT_URI_PORT = 7,
    COAP_OPT_LOCATION_PATH = 8,
    COAP_OPT_URI_PATH = 11,
    COAP_OPT_CONTENT_FORMAT = 12,
    COAP_OPT_MAX_AGE = 14,
    COAP_OPT_URI_QUERY = 15,
    COAP_OPT_ACCEPT = 17,
    COAP_OPT_LOCATION_QUERY = 20,
    COAP_OPT_PROXY_URI = 35,
    COAP_OPT_PROXY_SCHEME = 39,
    COAP_OPT_SIZE1 = 60,
};

/* Message types (§3, T field). */
enum coap_type {
    COAP_TYPE_CON = 0,
    COAP_TYPE_NON = 1,
    COAP_TYPE_ACK = 2,
    COAP_TYPE_RST = 3,
};

/* Codes c.dd (§3, §12.1) as the 8-bit field: class << 5 | detail. */
#define COAP_CODE(c, dd) ((uint8_t)(((c) << 5) | (dd)))
#define COAP_CODE_CLASS(code) ((uint8_t)(code) >> 5)
#define COAP_CODE_DETAIL(code) ((uint8_t)(code)&0x1f)
enum coap_code {
    COAP_CODE_EMPTY = 0x00,   /* 0.00 */
    COAP_CODE_GET = 0x01,     /* 0.01 */
    COAP_CODE_POST = 0x02,    /* 0.02 */
    COAP_CODE_PUT = 0x03,     /* 0.03 */
    COAP_CODE_DELETE = 0x04,  /* 0.04 */
    COAP_CODE_CREATED = 0x41, /* 2.01 */
    COAP_CODE_DELETED = 0x42, /* 2.02 */
    COAP_CODE_VALID = 0x43,   /* 2.03 */
    COAP_CODE_CHANGED = 0x44, /* 2.04: the TMF success response */
    COAP_CODE_CONTENT = 0x45, /* 2.05 */
    COAP_CODE_BAD_REQUEST = 0x80,
    COAP_CODE_NOT_FOUND = 0x84,
    COAP_CODE_METHOD_NOT_ALLOWED = 0x85,
    COAP_CODE_INTERNAL_ERROR = 0xa0,
};

/* What a code means (§5.2, §12.1): class 0 detail 0 = Empty, class 0 =
 * request, classes 2/4/5 = response, classes 1/6/7 reserved. */
enum coap_code_kind {
    COAP_KIND_EMPTY,
    COAP_KIND_REQUEST,
    COAP_KIND_RESPONSE,
    COAP_KIND_RESERVED,
};

enum coap_err {
    COAP_OK = 0,
    COAP_ERR_TRUNCATED,        /* bytes end inside the header, token or an option */
    COAP_ERR_VERSION,          /* Ver is not 1 (§3: silently ignore) */
    COAP_ERR_TOKEN_LEN,        /* TKL 9..15 (§3: message format error) */
    COAP_ERR_EMPTY_NOT_EMPTY,  /* code 0.00 with a token or bytes after the MID (§4.1) */
    COAP_ERR_OPTION_NIBBLE,    /* delta or length nibble 15 outside the marker (§3.1) */
    COAP_ERR_OPTION_NUMBER,    /* option number beyond 65535 */
    COAP_ERR_OPTION_LEN,       /* option length beyond 65535 */
    COAP_ERR_TOO_MANY_OPTIONS, /* more than COAP_MAX_OPTIONS */
    COAP_ERR_EMPTY_PAYLOAD,    /* payload marker followed by nothing (§3) */
    COAP_ERR_OPTION_ORDER,     /* building: options not in ascending number order */
    COAP_ERR_URI,              /* Uri-Path text/segments unusable (empty, too long, '/') */
    COAP_ERR_NO_SPACE,         /* output buffer or caller table too small */
    COAP_ERR_INVALID_ARG,      /* caller's values out of range (type, TKL, NULL) */
    COAP_ERR_FULL,             /* reliability table full */
    COAP_ERR_NOT_FOUND,        /* no such pending exchange */
};

/* The enumerator's name, e.g. "COAP_ERR_TRUNCATED" (never NULL). */
const char *coap_err_name(enum coap_err err);

/* ---- messages ------------------------------------------------------------- */

struct coap_option {
    uint16_t num;
    uint16_t len;
    const uint8_t *val; /* len bytes (may be NULL when len is 0) */
};

struct coap_msg {
    enum coap_type type;
    uint8_t code;
    uint16_t mid;
    uint8_t token_len; /* 0..8; OpenThread's TMF uses 2 */
    uint8_t token[COAP_TOKEN_MAX];
    struct coap_option opts[COAP_MAX_OPTIONS]; /* ascending by num */
    unsigned n_opts;
    const uint8_t *payload; /* NULL when payload_len is 0 */
    size_t payload_len;
};

/* Zeroes m and sets the header fields. */
void coap_msg_init(struct coap_msg *m, enum coap_type type, uint8_t code, uint16_t mid);

/* Sets the token (len 0..8). @retval COAP_OK, COAP_ERR_INVALID_ARG. */
enum coap_err coap_msg_set_token(struct coap_msg *m, const uint8_t *token, size_t len);

/*
 * Inserts an option, keeping opts[] sorted by number; an option with a
 * number already present goes after the existing ones (repeatable options
 * keep their order, §5.4.5). val is referenced, not copied.
 * @retval COAP_OK, COAP_ERR_TOO_MANY_OPTIONS, COAP_ERR_INVALID_ARG (len >
 *         65535, or val NULL with len > 0).
 */
enum coap_err coap_msg_add_option(struct coap_msg *m, uint16_t num, const void *val, size_t len);

/*
 * Adds one Uri-Path option per '/'-separated segment of path (§6.4 step 8),
 * e.g. "a/aq" -> "a", "aq". A leading '/' is skipped. The segments point
 * into path, which must outlive m.
 * @retval COAP_OK, COAP_ERR_URI (empty segment, segment > 255 bytes, path
 *         longer than COAP_URI_MAX), COAP_ERR_TOO_MANY_OPTIONS.
 */
enum coap_err coap_msg_set_uri_path(struct coap_msg *m, const char *path);

/* Sets the payload (referenced, not copied). */
void coap_msg_set_payload(struct coap_msg *m, const void *payload, size_t len);

/*
 * Joins m's Uri-Path options with '/' into out (NUL-terminated), e.g. "a/aq";
 * "" when there are none.
 * @retval COAP_OK, COAP_ERR_URI (a segment holds '/' or NUL, so the text
 *         would be ambiguous), COAP_ERR_NO_SPACE (cap too small).
 */
enum coap_err coap_msg_uri_path(const struct coap_msg *m, char *out, size_t cap);

/* True when m's Uri-Path options spell exactly path ("a/aq"; a leading '/'
 * is ignored). No buffer needed. */
bool coap_msg_uri_equals(const struct coap_msg *m, const char *path);

/* The first option numbered num, or NULL. */
const struct coap_option *coap_msg_find_option(const struct coap_msg *m, uint16_t num);

/* Critical options are odd-numbered (§5.4.1, §5.4.6). */
static inline bool coap_option_is_critical(uint16_t num)
{
    return (num & 1) != 0;
}

/* uint option values (§3.2): big-endian, no leading zero bytes, 0..4 bytes.
 * coap_uint_encode writes into out[4] and returns the length.
 * coap_uint_decode fails (false) when len > 4. */
size_t coap_uint_encode(uint32_t v, uint8_t out[4]);
bool coap_uint_decode(const uint8_t *val, size_t len, uint32_t *out);

/* Adds a uint option such as Content-Format (12, §5.10.3), copying the value
 * into storage the caller provides (4 bytes, must outlive m). */
enum coap_err coap_msg_add_uint_option(struct coap_msg *m, uint16_t num, uint32_t v,
                                       uint8_t storage[4]);

/* Classifies a code (§5.2, §12.1). */
enum coap_code_kind coap_code_kind(uint8_t code);

/*
 * Parses one CoAP message (the whole UDP payload) (§3, §3.1).
 *
 * Checks: header present; Ver == 1; TKL <= 8; token present; every option's
 * delta/length (with the 13 -> +1 byte and 14 -> +2 byte extended forms)
 * fits inside the buffer; nibble 15 only as the 0xFF payload marker; option
 * numbers <= 65535; at most COAP_MAX_OPTIONS options; a payload marker is
 * followed by at least one byte; an Empty message (0.00) is exactly 4 bytes.
 * Reserved code classes (1, 6, 7) parse; see coap_code_kind() (§4.2: the
 * receiver rejects them).
 *
 * @param[in]  buf, len  untrusted bytes.
 * @param[out] m         filled on COAP_OK (points into buf); unspecified
 *                       otherwise.
 * @retval COAP_OK or an error from enum coap_err.
 */
enum coap_err coap_parse(const uint8_t *buf, size_t len, struct coap_msg *m);

/*
 * Reads only the 4-byte header (to answer with RST for a message that fails
 * coap_parse, §4.2). @retval COAP_OK, COAP_ERR_TRUNCATED, COAP_ERR_VERSION.
 */
enum coap_err coap_peek_header(const uint8_t *buf, size_t len, enum coap_type *type, uint8_t *code,
                               uint16_t *mid);

/*
 * Encodes m (§3, §3.1): header, token, options as deltas in ascending order
 * (using the shortest of the 0..12 / 13 / 14 forms), 0xFF and the payload
 * when payload_len > 0.
 * @retval COAP_OK (*out_len = bytes written), COAP_ERR_OPTION_ORDER,
 *         COAP_ERR_INVALID_ARG (type > 3, token_len > 8, Empty message with
 *         token/options/payload), COAP_ERR_NO_SPACE.
 */
enum coap_err coap_build(const struct coap_msg *m, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Fills resp as the piggybacked response to the Confirmable request req
 * (§5.2.1): type ACK, same message ID, same token, the given code, no options
 * or payload yet. For a NON request (§5.2.3) the response is NON with
 * new_mid; the token is still echoed.
 */
void coap_msg_init_response(struct coap_msg *resp, const struct coap_msg *req, uint8_t code,
                            uint16_t new_mid);

/* ---- reliability (§4.2, §4.4, §4.5, §4.8, §5.3.2) ------------------------ */

#define COAP_ACK_TIMEOUT_MS 2000u     /* §4.8 ACK_TIMEOUT */
#define COAP_ACK_RANDOM_FACTOR_NUM 3u /* ACK_RANDOM_FACTOR = 1.5 = 3/2 */
#define COAP_ACK_RANDOM_FACTOR_DEN 2u
#define COAP_MAX_RETRANSMIT 4u
/* §4.8.2 derived times, for ACK_TIMEOUT 2 s, factor 1.5, MAX_RETRANSMIT 4. */
#define COAP_MAX_TRANSMIT_SPAN_MS 45000u
#define COAP_MAX_TRANSMIT_WAIT_MS 93000u
#define COAP_MAX_LATENCY_MS 100000u
#define COAP_PROCESSING_DELAY_MS 2000u
#define COAP_EXCHANGE_LIFETIME_MS 247000u
#define COAP_NON_LIFETIME_MS 145000u

/* A peer: IPv6 address and UDP port (the endpoint of §5.3.2 / §4.5). */
struct coap_peer {
    uint8_t addr[16];
    uint16_t port;
};

/*
 * Retransmission schedule of one Confirmable message (§4.2): the first
 * timeout is a random time in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]
 * (2000..3000 ms), then doubles. After MAX_RETRANSMIT retransmissions, the
 * last timeout expiring means the exchange failed. With first timeout T the
 * sends are at t0, t0+T, t0+3T, t0+7T, t0+15T and failure at t0+31T.
 */
struct coap_retx {
    uint64_t next_ms;    /* when coap_retx_poll acts next */
    uint32_t timeout_ms; /* current timeout (doubles after each resend) */
    uint8_t retransmits; /* resends done so far, 0..MAX_RETRANSMIT */
    bool active;
};

enum coap_retx_action {
    COAP_RETX_WAIT,    /* nothing to do before next_ms */
    COAP_RETX_RESEND,  /* send the same message (same MID) again now */
    COAP_RETX_GIVE_UP, /* no ACK/RST after the last timeout: exchange failed */
};

/* The first timeout for randomness rnd (uniform over uint32):
 * ACK_TIMEOUT + floor(rnd * ACK_TIMEOUT * (FACTOR - 1) / 2^32), in 2000..2999. */
uint32_t coap_initial_timeout_ms(uint32_t rnd);

/* Starts the schedule for a message first sent at now_ms. */
void coap_retx_start(struct coap_retx *r, uint64_t now_ms, uint32_t rnd);

/* Advances the schedule: RESEND (and schedules the next) when now_ms >=
 * next_ms and resends are left, GIVE_UP (and deactivates) after the last,
 * otherwise WAIT. An inactive schedule always returns WAIT. */
enum coap_retx_action coap_retx_poll(struct coap_retx *r, uint64_t now_ms);

/* Duplicate-detection cache (§4.5): (peer, MID) of received CON/NON
 * messages, kept EXCHANGE_LIFETIME (CON) or NON_LIFETIME (NON). A CON's
 * response may be stored so a duplicate gets the same answer. */
#define COAP_DEDUP_ENTRIES 32
#define COAP_DEDUP_RESP_MAX 64
/* Pending requests we sent and await an ACK/response for. */
#define COAP_PENDING_ENTRIES 8

struct coap_dedup_entry {
    struct coap_peer peer;
    uint64_t expires_ms;
    uint16_t mid;
    bool used;
    uint8_t resp_len; /* 0: no response stored */
    uint8_t resp[COAP_DEDUP_RESP_MAX];
};

struct coap_pending {
    struct coap_peer peer;
    struct coap_retx retx; /* active only while a CON awaits its ACK */
    uint64_t deadline_ms;  /* give up waiting for a (separate) response */
    uint16_t mid;
    uint8_t token_len;
    uint8_t token[COAP_TOKEN_MAX];
    bool used;
    bool confirmable;
    bool acked; /* an empty ACK came: wait for the separate response */
    void *user; /* caller's cookie */
};

struct coap_ctx {
    struct coap_dedup_entry dedup[COAP_DEDUP_ENTRIES];
    struct coap_pending pending[COAP_PENDING_ENTRIES];
    uint16_t next_mid;
};

/* Zeroes c; message IDs start at first_mid (§4.4: should be randomized). */
void coap_ctx_init(struct coap_ctx *c, uint16_t first_mid);

/* The next message ID to use for a new CON/NON (§4.4), wrapping at 65535. */
uint16_t coap_next_mid(struct coap_ctx *c);

enum coap_dedup_result {
    COAP_DEDUP_NEW,       /* first time: process it (it is now remembered) */
    COAP_DEDUP_DUPLICATE, /* seen within the lifetime: do not process again */
};

/*
 * Records a received CON or NON message from peer (§4.5); ACK and RST are
 * never duplicates here (they are matched with coap_pending_match).
 * Expired entries are reused first, then the oldest-expiring entry is
 * evicted (the cache is bounded, never fails).
 * @param[out] resp, resp_len  optional (may be NULL); on DUPLICATE the stored
 *             response (if any) to send again, else resp_len 0.
 */
enum coap_dedup_result coap_dedup_check(struct coap_ctx *c, const struct coap_peer *peer,
                                        enum coap_type type, uint16_t mid, uint64_t now_ms,
                                        const uint8_t **resp, size_t *resp_len);

/* Stores the response sent for (peer, mid) so duplicates can be answered
 * with it. @retval COAP_OK, COAP_ERR_NOT_FOUND (not in the cache),
 * COAP_ERR_NO_SPACE (len > COAP_DEDUP_RESP_MAX; nothing stored). */
enum coap_err coap_dedup_set_response(struct coap_ctx *c, const struct coap_peer *peer,
                                      uint16_t mid, const uint8_t *resp, size_t len);

/*
 * Registers a request m sent to peer at now_ms, so its ACK/response can be
 * matched. A CON starts its retransmission schedule (rnd: randomness for the
 * first timeout). The response deadline is now + MAX_TRANSMIT_WAIT.
 * @param[out] idx  slot index (for coap_pending_get/cancel), may be NULL.
 * @retval COAP_OK, COAP_ERR_FULL, COAP_ERR_INVALID_ARG (m is not a CON/NON
 *         request).
 */
enum coap_err coap_pending_add(struct coap_ctx *c, const struct coap_peer *peer,
                               const struct coap_msg *m, uint64_t now_ms, uint32_t rnd, void *user,
                               unsigned *idx);

enum coap_match {
    COAP_MATCH_NONE,      /* not for any pending request */
    COAP_MATCH_EMPTY_ACK, /* empty ACK: retransmission stopped, separate response to follow */
    COAP_MATCH_RESPONSE,  /* the response (piggybacked or separate): exchange done, slot freed */
    COAP_MATCH_RESET,     /* RST for our message: exchange failed, slot freed */
};

/*
 * Matches a received message from peer against the pending requests
 * (§4.2, §5.3.2): ACK/RST by message ID (an ACK carrying a response must
 * also echo the token); a separate CON/NON response by token only.
 * @param[out] user  the matched slot's cookie (may be NULL).
 */
enum coap_match coap_pending_match(struct coap_ctx *c, const struct coap_peer *peer,
                                   const struct coap_msg *rx, uint64_t now_ms, void **user);

enum coap_pending_event {
    COAP_PENDING_IDLE,    /* nothing due */
    COAP_PENDING_RESEND,  /* resend the CON in slot *idx (same bytes) */
    COAP_PENDING_TIMEOUT, /* slot *idx failed (no ACK or no response); freed */
};

/* Reports at most one due event per call (call until IDLE). */
enum coap_pending_event coap_pending_poll(struct coap_ctx *c, uint64_t now_ms, unsigned *idx,
                                          void **user);

/* The earliest time a pending slot needs coap_pending_poll, or UINT64_MAX. */
uint64_t coap_pending_next_ms(const struct coap_ctx *c);

/* Drops slot idx. @retval COAP_OK, COAP_ERR_NOT_FOUND. */
enum coap_err coap_pending_cancel(struct coap_ctx *c, unsigned idx);

#endif
