/*
 * The MAC filter: OpenThread's Mac::Filter (src/core/mac/mac_filter.cpp,
 * OPENTHREAD_CONFIG_MAC_FILTER_ENABLE) for building topologies on a shared
 * simulated radio, as OpenThread's certification tests do with `macfilter`.
 *
 * Two independent rules over received frames, keyed by the sender's IEEE
 * 802.15.4 extended address (a short source is resolved to it first):
 *   - the address mode: Disabled (no address filtering), Allowlist (only
 *     listed addresses pass) or Denylist (listed addresses are dropped);
 *   - a fixed received signal strength (RSS-in) per address, and a default
 *     one ("*") for every address without its own: an accepted frame is
 *     reported with that RSS instead of the radio's, so the link quality the
 *     receiver computes from it follows.
 *
 * Like OpenThread, both rules share one table of MAC_FILTER_MAX_ENTRIES
 * entries: an entry is in use while its address is listed or it has an
 * RSS-in; removing the last of the two frees it (and a later add takes the
 * first free entry, so listing order is table order, as OpenThread prints).
 * Adding an address already present is not an error.
 *
 * Pure: no I/O, no clock, no global state; the caller owns a struct
 * mac_filter (a zeroed one is a valid empty filter: mode Disabled, no RSS).
 * The MAC layer owns one per node (mac.h, mac_layer_filter()).
 */
#ifndef TBR_MAC_MAC_FILTER_H
#define TBR_MAC_MAC_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "mac/mac_frame.h"
#include "util/ot_err.h"

/* OPENTHREAD_CONFIG_MAC_FILTER_SIZE (config/mac.h). */
#define MAC_FILTER_MAX_ENTRIES 32
/* "No fixed RSS" (OT_MAC_FILTER_FIXED_RSS_DISABLED, also OT's invalid RSSI):
 * setting an RSS-in of this value is the same as removing it. */
#define MAC_FILTER_RSS_NONE 127
/* The noise floor (receive sensitivity) for the RSS <-> link quality
 * conversions below: what OpenThread's simulation radio reports
 * (SIM_RECEIVE_SENSITIVITY) and what the node assumes (thread/node.c). */
#define MAC_FILTER_NOISE_FLOOR (-100)

/* otMacFilterAddressMode: the numbers are OpenThread's. */
enum mac_filter_mode {
    MAC_FILTER_DISABLED = 0,
    MAC_FILTER_ALLOWLIST = 1,
    MAC_FILTER_DENYLIST = 2,
};

/* One table entry (private; read through the iterators). */
struct mac_filter_slot {
    uint8_t ext[MAC_EXT_ADDR_LEN]; /* print order */
    bool listed;                   /* in the address list (allow/deny) */
    bool has_rss;
    int8_t rss; /* the fixed RSS-in, when has_rss */
};

/* What the iterators return (otMacFilterEntry). */
struct mac_filter_entry {
    uint8_t ext[MAC_EXT_ADDR_LEN];
    int8_t rss; /* MAC_FILTER_RSS_NONE when the entry has none */
};

/* Counted by mac_filter_apply (the MAC applies it to received frames and to
 * the ACKs of its own frames, mac.h); never reset. */
struct mac_filter_counters {
    uint64_t applied;        /* frames checked */
    uint64_t drop_allowlist; /* dropped: Allowlist and the address is not listed */
    uint64_t drop_denylist;  /* dropped: Denylist and the address is listed */
    uint64_t rss_fixed;      /* accepted with a fixed RSS (per address or default) */
};

struct mac_filter {
    enum mac_filter_mode mode;
    bool has_default_rss;
    int8_t default_rss;
    struct mac_filter_slot slot[MAC_FILTER_MAX_ENTRIES];
    struct mac_filter_counters counters;
};

/* Empties f: mode Disabled, no addresses, no RSS, counters zero. */
void mac_filter_init(struct mac_filter *f);

enum mac_filter_mode mac_filter_mode(const struct mac_filter *f);
/* A value outside the enum is ignored. */
void mac_filter_set_mode(struct mac_filter *f, enum mac_filter_mode mode);
/* "Disabled", "Allowlist", "Denylist" (OpenThread's CLI words). */
const char *mac_filter_mode_str(enum mac_filter_mode mode);

/* Lists ext (Filter::AddAddress). @retval OT_ERR_NONE (also when already
 * listed) @retval OT_ERR_NO_BUFS the table is full. */
enum ot_err mac_filter_add_addr(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN]);
/* Unlists ext (its RSS-in stays); nothing when absent. */
void mac_filter_remove_addr(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN]);
/* Unlists every address (RSS-in entries and the mode stay). */
void mac_filter_clear_addrs(struct mac_filter *f);

/* Fixes the RSS-in of ext (Filter::AddRssIn); rss MAC_FILTER_RSS_NONE
 * removes it. @retval OT_ERR_NONE @retval OT_ERR_NO_BUFS table full. */
enum ot_err mac_filter_add_rss(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN],
                               int8_t rss);
/* Removes the RSS-in of ext (its listing stays); nothing when absent. */
void mac_filter_remove_rss(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN]);
/* The default RSS-in ("*"); MAC_FILTER_RSS_NONE clears it. */
void mac_filter_set_default_rss(struct mac_filter *f, int8_t rss);
void mac_filter_clear_default_rss(struct mac_filter *f);
/* True (and *rss) when a default RSS-in is set. */
bool mac_filter_default_rss(const struct mac_filter *f, int8_t *rss);
/* Removes every RSS-in, the default included (listings stay). */
void mac_filter_clear_rss(struct mac_filter *f);

/*
 * Iterators in table order, *it starting at 0: the next listed address
 * (with its RSS-in, if any) / the next entry with an RSS-in (the default is
 * separate: mac_filter_default_rss). @retval true *out filled
 * @retval false no more.
 */
bool mac_filter_next_addr(const struct mac_filter *f, unsigned *it, struct mac_filter_entry *out);
bool mac_filter_next_rss(const struct mac_filter *f, unsigned *it, struct mac_filter_entry *out);

/*
 * Filter::Apply for a frame from ext: the address mode first, then the
 * RSS-in. *rss gets the RSS to report for the frame: the entry's own, else
 * the default, else MAC_FILTER_RSS_NONE (keep the radio's). Counted.
 * @retval OT_ERR_NONE accept @retval OT_ERR_ADDRESS_FILTERED drop (*rss
 *         is then MAC_FILTER_RSS_NONE).
 */
enum ot_err mac_filter_apply(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN],
                             int8_t *rss);

/*
 * Link quality <-> RSS with OpenThread's rules (thread/link_quality.cpp):
 * margin = rss - noise_floor (0 when negative or rss is
 * MAC_FILTER_RSS_NONE), quality 3 above 20 dB, 2 above 10, 1 above 2, else
 * 0 (LinkQualityForLinkMargin, no hysteresis); the typical RSS of a quality
 * is noise_floor + 50 / 15 / 5 / 0 dB (GetTypicalRssForLinkQuality;
 * lq > 3 counts as 0).
 */
uint8_t mac_filter_rss_to_lq(int8_t noise_floor, int8_t rss);
int8_t mac_filter_lq_to_rss(int8_t noise_floor, uint8_t lq);

#endif
