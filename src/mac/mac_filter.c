/*
 * The MAC filter (OpenThread's src/core/mac/mac_filter.cpp); see
 * mac_filter.h for the contract.
 */
#include "mac/mac_filter.h"

#include <string.h>

void mac_filter_init(struct mac_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->mode = MAC_FILTER_DISABLED;
}

enum mac_filter_mode mac_filter_mode(const struct mac_filter *f)
{
    return f->mode;
}

void mac_filter_set_mode(struct mac_filter *f, enum mac_filter_mode mode)
{
    if (mode == MAC_FILTER_DISABLED || mode == MAC_FILTER_ALLOWLIST || mode == MAC_FILTER_DENYLIST)
        f->mode = mode;
}

const char *mac_filter_mode_str(enum mac_filter_mode mode)
{
    switch (mode) {
    case MAC_FILTER_DISABLED:
        return "Disabled";
    case MAC_FILTER_ALLOWLIST:
        return "Allowlist";
    case MAC_FILTER_DENYLIST:
        return "Denylist";
    }
    return "Unknown";
}

static bool slot_in_use(const struct mac_filter_slot *s)
{
    return s->listed || s->has_rss;
}

static struct mac_filter_slot *find(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    for (unsigned i = 0; i < MAC_FILTER_MAX_ENTRIES; i++)
        if (slot_in_use(&f->slot[i]) && memcmp(f->slot[i].ext, ext, MAC_EXT_ADDR_LEN) == 0)
            return &f->slot[i];
    return NULL;
}

/* The entry of ext, or the first free one (claimed for ext), or NULL. */
static struct mac_filter_slot *find_or_claim(struct mac_filter *f,
                                             const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    struct mac_filter_slot *s = find(f, ext);

    for (unsigned i = 0; i < MAC_FILTER_MAX_ENTRIES && !s; i++) {
        if (!slot_in_use(&f->slot[i])) {
            s = &f->slot[i];
            memcpy(s->ext, ext, MAC_EXT_ADDR_LEN);
        }
    }
    return s;
}

enum ot_err mac_filter_add_addr(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    struct mac_filter_slot *s = find_or_claim(f, ext);

    if (!s)
        return OT_ERR_NO_BUFS;
    s->listed = true;
    return OT_ERR_NONE;
}

void mac_filter_remove_addr(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    struct mac_filter_slot *s = find(f, ext);

    if (s)
        s->listed = false;
}

void mac_filter_clear_addrs(struct mac_filter *f)
{
    for (unsigned i = 0; i < MAC_FILTER_MAX_ENTRIES; i++)
        f->slot[i].listed = false;
}

enum ot_err mac_filter_add_rss(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN],
                               int8_t rss)
{
    struct mac_filter_slot *s = find_or_claim(f, ext);

    /* OpenThread claims an entry even for the "none" value (it is then
     * free again at once): a full table refuses it too. */
    if (!s)
        return OT_ERR_NO_BUFS;
    s->has_rss = rss != MAC_FILTER_RSS_NONE;
    s->rss = s->has_rss ? rss : 0;
    return OT_ERR_NONE;
}

void mac_filter_remove_rss(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN])
{
    struct mac_filter_slot *s = find(f, ext);

    if (s) {
        s->has_rss = false;
        s->rss = 0;
    }
}

void mac_filter_set_default_rss(struct mac_filter *f, int8_t rss)
{
    f->has_default_rss = rss != MAC_FILTER_RSS_NONE;
    f->default_rss = f->has_default_rss ? rss : 0;
}

void mac_filter_clear_default_rss(struct mac_filter *f)
{
    mac_filter_set_default_rss(f, MAC_FILTER_RSS_NONE);
}

bool mac_filter_default_rss(const struct mac_filter *f, int8_t *rss)
{
    if (f->has_default_rss)
        *rss = f->default_rss;
    return f->has_default_rss;
}

void mac_filter_clear_rss(struct mac_filter *f)
{
    for (unsigned i = 0; i < MAC_FILTER_MAX_ENTRIES; i++) {
        f->slot[i].has_rss = false;
        f->slot[i].rss = 0;
    }
    mac_filter_clear_default_rss(f);
}

/* The next entry from *it on for which want(slot) holds. */
static bool next_where(const struct mac_filter *f, unsigned *it, struct mac_filter_entry *out,
                       bool want_listed)
{
    for (; *it < MAC_FILTER_MAX_ENTRIES; (*it)++) {
        const struct mac_filter_slot *s = &f->slot[*it];

        if (want_listed ? s->listed : s->has_rss) {
            memcpy(out->ext, s->ext, MAC_EXT_ADDR_LEN);
            out->rss = s->has_rss ? s->rss : MAC_FILTER_RSS_NONE;
            (*it)++;
            return true;
        }
    }
    return false;
}

bool mac_filter_next_addr(const struct mac_filter *f, unsigned *it, struct mac_filter_entry *out)
{
    return next_where(f, it, out, true);
}

bool mac_filter_next_rss(const struct mac_filter *f, unsigned *it, struct mac_filter_entry *out)
{
    return next_where(f, it, out, false);
}

enum ot_err mac_filter_apply(struct mac_filter *f, const uint8_t ext[MAC_EXT_ADDR_LEN], int8_t *rss)
{
    const struct mac_filter_slot *s = find(f, ext);
    bool listed = s && s->listed;

    f->counters.applied++;
    *rss = MAC_FILTER_RSS_NONE;
    if (f->mode == MAC_FILTER_ALLOWLIST && !listed) {
        f->counters.drop_allowlist++;
        return OT_ERR_ADDRESS_FILTERED;
    }
    if (f->mode == MAC_FILTER_DENYLIST && listed) {
        f->counters.drop_denylist++;
        return OT_ERR_ADDRESS_FILTERED;
    }
    if (s && s->has_rss)
        *rss = s->rss;
    else if (f->has_default_rss)
        *rss = f->default_rss;
    if (*rss != MAC_FILTER_RSS_NONE)
        f->counters.rss_fixed++;
    return OT_ERR_NONE;
}

uint8_t mac_filter_rss_to_lq(int8_t noise_floor, int8_t rss)
{
    /* ComputeLinkMargin keeps rss - noise_floor in an int8_t: above 127 it
     * wraps negative and counts as 0 (OpenThread prints "rss 50 (lqi 0)"
     * with its -100 dBm floor); done here without relying on the wrap. */
    int m = (int)rss - (int)noise_floor;

    if (rss == MAC_FILTER_RSS_NONE || m < 0 || m > 127)
        m = 0;
    return m > 20 ? 3 : m > 10 ? 2 : m > 2 ? 1 : 0;
}

int8_t mac_filter_lq_to_rss(int8_t noise_floor, uint8_t lq)
{
    static const int8_t typical_margin[4] = {0, 5, 15, 50};

    return (int8_t)(noise_floor + (lq <= 3 ? typical_margin[lq] : 0));
}
