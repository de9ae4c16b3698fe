/*
 * The private fields of struct rcp (radio/rcp.h). Only rcp.c touches them;
 * they are here so that the caller can own the storage.
 */
#ifndef TBR_RADIO_RCP_PRIV_H
#define TBR_RADIO_RCP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "radio/hdlc.h"
#include "radio/radio.h"

/* A Spinel frame the host sends: the largest is a full source-match table
 * (RCP_SRC_MATCH_MAX EUI-64s) or a 127-byte transmit request. */
#define RCP_TX_FRAME_MAX 300

struct rcp_req {
    bool active;
    uint8_t tid;
    uint32_t cmd, prop;
    uint32_t what; /* the dirty bit or INIT step it serves */
    uint64_t deadline_ms;
};

struct rcp {
    struct rcp_config cfg;
    radio_rx_cb rx;
    radio_tx_done_cb tx_done;
    void *user;

    enum rcp_state state;
    struct hdlc_decoder dec;
    struct rcp_info info;
    struct rcp_counters ctr;
    char err[RCP_ERR_MAX];

    /* the conversation */
    struct rcp_req req; /* the one outstanding request */
    uint8_t next_tid;   /* 1..14; 15 is the transmission's own */
    unsigned init_step; /* INIT: the next query */
    bool init_answered; /* INIT: any answer since the reset notification */
    bool spare_reset;   /* INIT: one more reset notification is not a fault */
    bool has_cap_api, has_cap_min_host;
    bool was_ready; /* READY once before: INIT now is a restore */
    bool wants_link_reset;
    uint64_t now_ms;   /* the latest time passed in */
    bool write_failed; /* a write failed: rcp_tick/rcp_input go DOWN */
    uint64_t reset_deadline_ms;
    uint64_t ready_at_ms;
    uint64_t reopen_at_ms;
    uint32_t backoff_ms;

    /* the transmission in flight */
    bool tx_active;
    uint64_t tx_deadline_ms;

    /* desired radio state, and what still has to reach the RCP */
    uint32_t dirty;
    uint8_t channel;
    uint16_t pan_id, short_addr;
    uint8_t ext[8]; /* print order (radio.h), also on the wire */
    bool tx_power_set;
    int8_t tx_power;
    bool src_match_enabled;
    uint16_t src_short[RCP_SRC_MATCH_MAX];
    unsigned n_src_short;
    uint8_t src_ext[RCP_SRC_MATCH_MAX][8];
    unsigned n_src_ext;

    /* energy scan */
    rcp_scan_cb scan_cb;
    void *scan_user;
    uint32_t scan_mask;   /* channels still to scan */
    uint8_t scan_channel; /* the one being scanned, 0: none */
    uint16_t scan_ms;
    unsigned scan_step; /* 0 mask, 1 period, 2 state, 3 waiting for the result */
    uint64_t scan_deadline_ms;
};

#endif
