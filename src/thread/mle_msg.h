/*
 * MLE messages: framing, security, and the messages a Thread leader/parent
 * exchanges with OpenThread children.
 *
 * References: Thread 1.3 spec ch. 4 "Mesh Link Establishment" (§4.3 message
 * format and security, §4.5-4.7 attach / child update / data exchange);
 * thread-sim-interop.md §3.3 (message layout, the per-message TLV table that
 * the builders and parsers here follow exactly), §3.4 (Leader Data, Network
 * Data), §3.9 (timing, which is the caller's business: nothing here reads a
 * clock).
 *
 * UDP payload on port 19788 (IPv6 hop limit 255; the caller checks it):
 *
 *   suite 255: 0xff || command || TLVs              (Discovery Request/Response only)
 *   suite 0:   0x00 || aux (10) || AES-CCM(command || TLVs) || MIC (4)
 *     aux = sec ctl 0x15 (key id mode 2, ENC-MIC-32) || frame counter LE32
 *           || key source = key sequence BE32 || key index ((seq & 0x7f) + 1)
 *     nonce (13) = sender ext address || frame counter BE32 || 0x05, the ext
 *           address being the IPv6 source IID with the U/L bit (0x02 of its
 *           first byte) flipped
 *     AAD = IPv6 source (16) || IPv6 destination (16) || aux (10)
 *     key = the MLE key of the aux key sequence (thread/keys.h).
 *
 * Like OpenThread (mle.cpp HandleUdpReceive), the key index is not checked on
 * receive; only the key source (= key sequence) selects the key. Frame counter
 * replay checks are per neighbor and belong to the caller.
 *
 * "Plaintext" below means command byte || TLVs, exactly the `mle_plaintext`
 * field of the capture vectors.
 */
#ifndef TBR_THREAD_MLE_MSG_H
#define TBR_THREAD_MLE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread/mle_tlv.h"

#define MLE_UDP_PORT 19788
#define MLE_HOP_LIMIT 255
#define MLE_SUITE_SECURED 0 /* 802.15.4 security (OpenThread k154Security) */
#define MLE_SUITE_NONE 255
#define MLE_SEC_CTL 0x15 /* key id mode 2 | security level 5 */
#define MLE_SEC_LEVEL 5
#define MLE_AUX_LEN 10
#define MLE_MIC_LEN 4
#define MLE_KEY_LEN 16
#define MLE_NONCE_LEN 13
/* Largest MLE UDP payload: IPv6 minimum MTU - IPv6 header - UDP header. */
#define MLE_MAX_PAYLOAD 1232

/* MLE commands (Thread 1.3 §4.3; OpenThread mle_types.hpp Command). */
enum mle_cmd {
    MLE_CMD_LINK_REQUEST = 0,
    MLE_CMD_LINK_ACCEPT = 1,
    MLE_CMD_LINK_ACCEPT_REQUEST = 2,
    MLE_CMD_LINK_REJECT = 3,
    MLE_CMD_ADVERTISEMENT = 4,
    MLE_CMD_UPDATE = 5,
    MLE_CMD_UPDATE_REQUEST = 6,
    MLE_CMD_DATA_REQUEST = 7,
    MLE_CMD_DATA_RESPONSE = 8,
    MLE_CMD_PARENT_REQUEST = 9,
    MLE_CMD_PARENT_RESPONSE = 10,
    MLE_CMD_CHILD_ID_REQUEST = 11,
    MLE_CMD_CHILD_ID_RESPONSE = 12,
    MLE_CMD_CHILD_UPDATE_REQUEST = 13,
    MLE_CMD_CHILD_UPDATE_RESPONSE = 14,
    MLE_CMD_ANNOUNCE = 15,
    MLE_CMD_DISCOVERY_REQUEST = 16,
    MLE_CMD_DISCOVERY_RESPONSE = 17,
    MLE_CMD_LINK_METRICS_MGMT_REQUEST = 18,
    MLE_CMD_LINK_METRICS_MGMT_RESPONSE = 19,
    MLE_CMD_LINK_PROBE = 20,
    MLE_CMD_TIME_SYNC = 99,
};

/* "Parent Request", ... (the names the capture vectors use), or NULL. */
const char *mle_cmd_name(uint8_t cmd);

/* Key index announced for a key sequence: (seq & 0x7f) + 1. */
static inline uint8_t mle_key_index(uint32_t key_seq)
{
    return (uint8_t)((key_seq & 0x7f) + 1);
}

/* The MLE key of key_seq (HMAC-SHA256 of thread_keys_derive, first half).
 * @retval MLE_OK, MLE_ERR_CRYPTO. */
enum mle_err mle_key_derive(const uint8_t network_key[16], uint32_t key_seq,
                            uint8_t key[MLE_KEY_LEN]);

/* Sender ext address from an IPv6 address: IID with bit 0x02 of byte 8 flipped. */
void mle_ext_from_ip6(const uint8_t ip6[16], uint8_t ext[8]);
/* The CCM nonce: ext || frame counter BE32 || 0x05. */
void mle_nonce(const uint8_t ext[8], uint32_t frame_counter, uint8_t nonce[MLE_NONCE_LEN]);

/* Aux security header. */
struct mle_aux {
    uint8_t sec_ctl;        /* 0x15 */
    uint32_t frame_counter; /* MLE frame counter of the sender */
    uint32_t key_seq;       /* key source */
    uint8_t key_index;
};

/* A UDP payload split into its parts (no decryption). */
struct mle_frame {
    uint8_t suite;       /* MLE_SUITE_SECURED or MLE_SUITE_NONE */
    struct mle_aux aux;  /* suite 0 only */
    const uint8_t *body; /* suite 0: ciphertext; suite 255: command || TLVs */
    size_t body_len;     /* >= 1 */
    const uint8_t *mic;  /* suite 0: 4 bytes; NULL for suite 255 */
};

/*
 * Splits a UDP payload. Checks: not empty (MLE_ERR_EMPTY), suite 0/255
 * (MLE_ERR_SUITE), aux complete (MLE_ERR_AUX_TRUNCATED), sec ctl 0x15
 * (MLE_ERR_SEC_CTL), room for command + MIC (MLE_ERR_TOO_SHORT); suite 255:
 * a command byte that is Discovery Request/Response (MLE_ERR_UNSECURED_CMD).
 */
enum mle_err mle_frame_parse(const uint8_t *udp, size_t len, struct mle_frame *f);

/*
 * Decrypts and authenticates a suite-0 frame (suite 255: copies the body).
 * src/dst are the IPv6 source and destination of the packet. key is the MLE
 * key of f->aux.key_seq. Writes f->body_len bytes of plaintext to plain.
 * @retval MLE_OK, MLE_ERR_NO_SPACE (cap < body_len), MLE_ERR_MIC (plain is
 *         zeroed), MLE_ERR_CRYPTO.
 */
enum mle_err mle_unprotect(const uint8_t key[MLE_KEY_LEN], const uint8_t src[16],
                           const uint8_t dst[16], const struct mle_frame *f, uint8_t *plain,
                           size_t cap, size_t *plain_len);

/*
 * Builds a suite-0 UDP payload: 0x00 || aux || CCM(plain) || MIC. aux->sec_ctl
 * is ignored (0x15 is written). plain = command || TLVs, 1..MLE_MAX_PAYLOAD-15.
 * The nonce uses the ext address derived from src.
 * @retval MLE_OK, MLE_ERR_ARG (empty plain), MLE_ERR_NO_SPACE, MLE_ERR_CRYPTO.
 */
enum mle_err mle_protect(const uint8_t key[MLE_KEY_LEN], const uint8_t src[16],
                         const uint8_t dst[16], const struct mle_aux *aux, const uint8_t *plain,
                         size_t plain_len, uint8_t *out, size_t cap, size_t *out_len);

/* Builds a suite-255 payload: 0xff || plain. The command must be Discovery
 * Request/Response (MLE_ERR_UNSECURED_CMD). */
enum mle_err mle_build_unsecured(const uint8_t *plain, size_t plain_len, uint8_t *out, size_t cap,
                                 size_t *out_len);

/* A decrypted message: command byte and its TLVs (pointing into plaintext). */
struct mle_msg {
    uint8_t cmd;
    const uint8_t *tlvs;
    size_t tlvs_len;
};

/*
 * Splits plaintext and validates every TLV (mle_tlv_validate). Unknown
 * commands are MLE_ERR_UNKNOWN_CMD. *n_unknown (optional) counts unknown TLVs.
 */
enum mle_err mle_msg_split(const uint8_t *plain, size_t len, struct mle_msg *m,
                           unsigned *n_unknown);

/* ====================================================================== */
/* Messages a leader/parent receives (thread-sim-interop.md §3.3 table).  */
/* Each parser takes plaintext (command || TLVs), checks the command       */
/* (MLE_ERR_WRONG_CMD), validates every TLV and requires the TLVs the      */
/* table lists (MLE_ERR_TLV_MISSING). Optional TLVs set has_* flags.       */
/* Pointers refer to the plaintext buffer.                                 */
/* ====================================================================== */

/* Parent Request (child -> ff02::2): Mode, Challenge, Scan Mask, Version. */
struct mle_parent_request {
    uint8_t mode;
    struct mle_challenge challenge;
    uint8_t scan_mask;
    uint16_t version;
};
enum mle_err mle_parse_parent_request(const uint8_t *plain, size_t len,
                                      struct mle_parent_request *m);

/* Child ID Request: Response, Link FC, Mode, Timeout, Version, TLV Request
 * required; MLE FC optional (absent: equals the link FC, OpenThread
 * ReadFrameCounterTlvs); Active/Pending Timestamp, Address Registration
 * (MTD), Supervision Interval (SED) optional. */
struct mle_child_id_request {
    struct mle_challenge response;
    uint32_t link_fc;
    uint32_t mle_fc;
    bool has_mle_fc;
    uint8_t mode;
    uint32_t timeout;
    uint16_t version;
    const uint8_t *tlv_request; /* requested TLV types */
    uint8_t n_tlv_request;
    bool has_active_ts, has_pending_ts, has_addr_reg, has_supervision;
    struct mle_timestamp active_ts, pending_ts;
    struct mle_addr_reg addr_reg;
    uint16_t supervision;
};
enum mle_err mle_parse_child_id_request(const uint8_t *plain, size_t len,
                                        struct mle_child_id_request *m);

/* Child Update Request. From a child: Mode required; Source Address, Leader
 * Data, Timeout, Address Registration, Challenge, TLV Request, Supervision
 * Interval, CSL Timeout/Channel optional. The same struct describes the
 * request a parent sends (mle_build_child_update_request). */
struct mle_child_update_request {
    bool has_mode, has_src, has_leader, has_timeout, has_addr_reg, has_challenge;
    bool has_tlv_request, has_supervision, has_csl_timeout, has_csl_channel;
    bool has_netdata, has_active_ts, has_pending_ts, has_link_margin;
    uint8_t mode;
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    uint32_t timeout;
    struct mle_addr_reg addr_reg;
    struct mle_challenge challenge;
    const uint8_t *tlv_request;
    uint8_t n_tlv_request;
    uint16_t supervision;
    uint32_t csl_timeout;
    struct mle_channel csl_channel;
    const uint8_t *netdata;
    uint8_t netdata_len;
    struct mle_timestamp active_ts, pending_ts;
    uint8_t link_margin;
};
enum mle_err mle_parse_child_update_request(const uint8_t *plain, size_t len,
                                            struct mle_child_update_request *m);

/* Data Request: TLV Request required; Active/Pending Timestamp optional. */
struct mle_data_request {
    const uint8_t *tlv_request;
    uint8_t n_tlv_request;
    bool has_active_ts, has_pending_ts;
    struct mle_timestamp active_ts, pending_ts;
};
enum mle_err mle_parse_data_request(const uint8_t *plain, size_t len, struct mle_data_request *m);

/* Link Request (Thread 1.3 §4.7; mle_ftd.cpp SendLinkRequest /
 * HandleLinkRequest): Version and Challenge required; TLV Request, Source
 * Address, Leader Data optional. The builder writes OpenThread's order:
 * Version, TLV Request, Source Address, Leader Data, Challenge. */
struct mle_link_request {
    uint16_t version;
    struct mle_challenge challenge;
    bool has_src, has_leader, has_tlv_request;
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    const uint8_t *tlv_request;
    uint8_t n_tlv_request;
};
enum mle_err mle_parse_link_request(const uint8_t *plain, size_t len, struct mle_link_request *m);
enum mle_err mle_build_link_request(const struct mle_link_request *m, uint8_t *out, size_t cap,
                                    size_t *len);

/* Link Accept / Link Accept And Request (mle_ftd.cpp SendLinkAccept,
 * HandleLinkAcceptVariant), OpenThread's order: Version, Source Address,
 * Response, Link FC, MLE FC, Link Margin, [Leader Data], [Route64],
 * [Address16], then for Link Accept And Request Challenge and TLV Request.
 * Parse: Version, Source Address, Response, Link FC required; MLE FC
 * defaults to the link FC; the rest optional. cmd: MLE_CMD_LINK_ACCEPT or
 * MLE_CMD_LINK_ACCEPT_REQUEST (MLE_ERR_WRONG_CMD otherwise; the builder
 * refuses Link Accept And Request without a Challenge, MLE_ERR_ARG). */
struct mle_link_accept {
    uint8_t cmd;
    uint16_t version;
    uint16_t src_rloc16;
    struct mle_challenge response;
    uint32_t link_fc;
    uint32_t mle_fc;
    bool has_mle_fc, has_link_margin, has_leader, has_route, has_address16, has_challenge;
    bool has_tlv_request;
    uint8_t link_margin;
    struct mle_leader_data leader;
    struct mle_route64 route;
    uint16_t address16;
    struct mle_challenge challenge;
    const uint8_t *tlv_request;
    uint8_t n_tlv_request;
};
enum mle_err mle_build_link_accept(const struct mle_link_accept *m, uint8_t *out, size_t cap,
                                   size_t *len);
enum mle_err mle_parse_link_accept(const uint8_t *plain, size_t len, struct mle_link_accept *m);

/* Announce: Channel, Active Timestamp, PAN ID required. */
struct mle_announce {
    struct mle_channel channel;
    struct mle_timestamp active_ts;
    uint16_t pan_id;
};
enum mle_err mle_parse_announce(const uint8_t *plain, size_t len, struct mle_announce *m);

/* Discovery Request/Response (suite 255): the Discovery TLV (MeshCoP
 * sub-TLVs, opaque here) is required. */
struct mle_discovery {
    uint8_t cmd;
    const uint8_t *discovery;
    uint8_t discovery_len;
};
enum mle_err mle_parse_discovery(const uint8_t *plain, size_t len, struct mle_discovery *m);

/* ====================================================================== */
/* Messages a leader/parent sends. Builders write plaintext (command ||   */
/* TLVs) in OpenThread's TLV order (mle_ftd.cpp), which is what the       */
/* captures show; the parsers accept any order and are the inverse.       */
/* Builders: MLE_OK, MLE_ERR_NO_SPACE, MLE_ERR_ARG (bad field values: a  */
/* Challenge/Response length, a Route64 mask and count that disagree, a   */
/* NULL value with a length, more than MLE_ORDER_MAX in order[], a has_*  */
/* the message cannot go without). Each message is one table of TLVs in   */
/* mle_msg.c that both its builder and its parser walk.                   */
/* ====================================================================== */

/* Advertisement (to ff02::1): Source Address, Leader Data, [Route64]
 * (routers/leader always include Route64, mle_ftd.cpp SendAdvertisement). */
struct mle_advertisement {
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    bool has_route;
    struct mle_route64 route;
};
enum mle_err mle_build_advertisement(const struct mle_advertisement *m, uint8_t *out, size_t cap,
                                     size_t *len);
enum mle_err mle_parse_advertisement(const uint8_t *plain, size_t len, struct mle_advertisement *m);

/* Parent Response: Source Address, Leader Data, Link FC, MLE FC, Response,
 * Challenge, Link Margin, Connectivity, Version: this order, all required
 * (OpenThread Attacher::HandleParentResponse checks them). */
struct mle_parent_response {
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    uint32_t link_fc;
    uint32_t mle_fc;
    struct mle_challenge response;  /* the child's challenge, echoed */
    struct mle_challenge challenge; /* ours, echoed in its Child ID Request */
    uint8_t link_margin;
    struct mle_connectivity conn;
    uint16_t version;
};
enum mle_err mle_build_parent_response(const struct mle_parent_response *m, uint8_t *out,
                                       size_t cap, size_t *len);
enum mle_err mle_parse_parent_response(const uint8_t *plain, size_t len,
                                       struct mle_parent_response *m);

/*
 * Child ID Response: Source Address, Leader Data, Active Timestamp, [Pending
 * Timestamp], Address16, then the optional TLVs in the order of `order`
 * (the child's TLV Request, then Supervision Interval, Active Dataset,
 * Pending Dataset as mle_child_id_response_order() computes; types without a
 * has_* value are skipped, as OpenThread skips a dataset it does not have),
 * then [Address Registration] (MTD children: the echo, without the ML-EID).
 * Required on parse: Source Address, Address16, Leader Data, Network Data
 * (OpenThread mle.cpp HandleChildIdResponse).
 */
#define MLE_ORDER_MAX 16
struct mle_child_id_response {
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    bool has_active_ts, has_pending_ts;
    struct mle_timestamp active_ts, pending_ts;
    uint16_t address16;
    bool has_netdata, has_route, has_active_dataset, has_pending_dataset;
    bool has_supervision, has_addr_reg;
    const uint8_t *netdata;
    uint8_t netdata_len;
    struct mle_route64 route;
    const uint8_t *active_dataset;
    uint8_t active_dataset_len;
    const uint8_t *pending_dataset;
    uint8_t pending_dataset_len;
    uint16_t supervision;
    struct mle_addr_reg addr_reg;
    /* Builder input: the order of the optional TLVs. Parser output: the
     * optional TLVs present (Network Data, Route64, Supervision Interval,
     * Active/Pending Dataset), once each, in message order after Address16,
     * then any that came before Address16. */
    uint8_t order[MLE_ORDER_MAX];
    uint8_t n_order;
};
enum mle_err mle_build_child_id_response(const struct mle_child_id_response *m, uint8_t *out,
                                         size_t cap, size_t *len);
enum mle_err mle_parse_child_id_response(const uint8_t *plain, size_t len,
                                         struct mle_child_id_response *m);

/*
 * The TLV order OpenThread's parent derives from a Child ID Request
 * (mle_ftd.cpp HandleChildIdRequest): the requested types, then Supervision
 * Interval if the request had one, Active Dataset if the request's Active
 * Timestamp is absent or differs from ours, Pending Dataset if its Pending
 * Timestamp is absent or differs (our_pending NULL = we have none).
 * Duplicates are dropped. Fills m->order / m->n_order.
 */
void mle_child_id_response_order(const struct mle_child_id_request *req,
                                 const struct mle_timestamp *our_active,
                                 const struct mle_timestamp *our_pending,
                                 struct mle_child_id_response *m);

/*
 * Child Update Response from a parent (mle_ftd.cpp HandleChildUpdateRequest
 * OnParent + SendChildUpdateResponseToChild), order:
 *   [Response], Source Address, [Status], [Mode], [Link Margin], [Leader Data],
 *   [MLE FC], [Link FC], [Address Registration], [Timeout],
 *   [Supervision Interval], [Network Data + Active/Pending Timestamp]
 * For a known child: Mode, Link Margin, Leader Data are always there, FCs
 * when the request had a Challenge. For an unknown rx-on child: only
 * [Response], Source Address, Status = 1 (the child then re-attaches).
 */
struct mle_child_update_response {
    uint16_t src_rloc16;
    bool has_response, has_status, has_mode, has_link_margin, has_leader, has_fcs;
    bool has_addr_reg, has_timeout, has_supervision, has_netdata, has_active_ts, has_pending_ts;
    struct mle_challenge response;
    uint8_t status;
    uint8_t mode;
    uint8_t link_margin;
    struct mle_leader_data leader;
    uint32_t mle_fc, link_fc;
    struct mle_addr_reg addr_reg;
    uint32_t timeout;
    uint16_t supervision;
    const uint8_t *netdata;
    uint8_t netdata_len;
    struct mle_timestamp active_ts, pending_ts;
};
enum mle_err mle_build_child_update_response(const struct mle_child_update_response *m,
                                             uint8_t *out, size_t cap, size_t *len);
/* Requires Source Address; Leader Data and Mode unless Status is present. */
enum mle_err mle_parse_child_update_response(const uint8_t *plain, size_t len,
                                             struct mle_child_update_response *m);

/*
 * Child Update Request from a parent (mle_ftd.cpp SendChildUpdateRequestToChild):
 * Source Address, Leader Data, Network Data, Active Timestamp, [Pending
 * Timestamp], then Link Margin (valid child) or TLV Request + Challenge
 * (restoring a child). Uses the has_* flags of struct
 * mle_child_update_request; Mode/Timeout/Address Registration are not sent.
 */
enum mle_err mle_build_child_update_request(const struct mle_child_update_request *m, uint8_t *out,
                                            size_t cap, size_t *len);

/*
 * Data Response (mle_ftd.cpp SendDataResponse): Source Address, Leader Data,
 * Active Timestamp, [Pending Timestamp], then in `order` (default: Network
 * Data, Active Dataset, Pending Dataset, Route64) the ones present.
 * Required on parse: Source Address, Leader Data.
 */
struct mle_data_response {
    uint16_t src_rloc16;
    struct mle_leader_data leader;
    bool has_active_ts, has_pending_ts;
    struct mle_timestamp active_ts, pending_ts;
    bool has_netdata, has_route, has_active_dataset, has_pending_dataset;
    const uint8_t *netdata;
    uint8_t netdata_len;
    struct mle_route64 route;
    const uint8_t *active_dataset;
    uint8_t active_dataset_len;
    const uint8_t *pending_dataset;
    uint8_t pending_dataset_len;
    uint8_t order[MLE_ORDER_MAX]; /* n_order 0 = default order */
    uint8_t n_order;
};
enum mle_err mle_build_data_response(const struct mle_data_response *m, uint8_t *out, size_t cap,
                                     size_t *len);
enum mle_err mle_parse_data_response(const uint8_t *plain, size_t len, struct mle_data_response *m);

/* ====================================================================== */
/* Messages a child sends (thread-sim-interop.md §3.3 table, left column; */
/* TLV order as OpenThread's child, mle.cpp, and the captures show).      */
/* ====================================================================== */

/* Parent Request: Mode, Challenge, Scan Mask, Version. */
enum mle_err mle_build_parent_request(const struct mle_parent_request *m, uint8_t *out, size_t cap,
                                      size_t *len);

/* Child ID Request: Response, Link FC, MLE FC, Mode, Timeout, Version,
 * [Address Registration], TLV Request, [Active Timestamp], [Pending
 * Timestamp] (capture: attach-ftd-child frame 11, med-and-netdata 13). */
enum mle_err mle_build_child_id_request(const struct mle_child_id_request *m, uint8_t *out,
                                        size_t cap, size_t *len);

/* Child Update Request from a child: Mode, [Challenge], [Source Address],
 * [Leader Data], [Timeout], [Address Registration] (capture:
 * med-and-netdata frame 19). */
enum mle_err mle_build_child_update_request_from_child(const struct mle_child_update_request *m,
                                                       uint8_t *out, size_t cap, size_t *len);

/* Child Update Request from a parent, as a child parses it: Source Address
 * and Leader Data required; Network Data, timestamps, TLV Request,
 * Challenge, Link Margin optional (Mode is not sent by a parent). */
enum mle_err mle_parse_child_update_request_from_parent(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_request *m);

/* Child Update Response from a child, as a parent parses it (e.g. the answer
 * to a restoring parent's Challenge): Source Address and Leader Data
 * required; Response, frame counters, Timeout, Address Registration, Mode
 * optional (OpenThread's child sends no Mode there). */
enum mle_err mle_parse_child_update_response_from_child(const uint8_t *plain, size_t len,
                                                        struct mle_child_update_response *m);

/* Data Request: TLV Request, [Active Timestamp], [Pending Timestamp]. */
enum mle_err mle_build_data_request(const struct mle_data_request *m, uint8_t *out, size_t cap,
                                    size_t *len);

#endif
