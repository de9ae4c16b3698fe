#include "nat64/drop.h"

#include <stddef.h>

static const struct {
    const char *name;
    enum nat64_ot_reason ot;
    const char *expl;
} reasons[NAT64_DROP_COUNT] = {
#define NAT64_X_TAB(id, nm, o, ex) [NAT64_DROP_##id] = {nm, NAT64_OT_##o, ex},
    NAT64_DROP_REASONS(NAT64_X_TAB)
#undef NAT64_X_TAB
};

const char *nat64_drop_name(enum nat64_drop r)
{
    return (unsigned)r < NAT64_DROP_COUNT ? reasons[r].name : "invalid";
}

const char *nat64_drop_explain(enum nat64_drop r)
{
    return (unsigned)r < NAT64_DROP_COUNT ? reasons[r].expl : "invalid";
}

enum nat64_ot_reason nat64_drop_ot(enum nat64_drop r)
{
    return (unsigned)r < NAT64_DROP_COUNT ? reasons[r].ot : NAT64_OT_UNKNOWN;
}

const char *nat64_drop_ext_label(enum nat64_drop r)
{
    switch (r) {
    case NAT64_DROP_DEV_SESSIONS:
        return "Dev Sessions";
    case NAT64_DROP_DEV_MAPPINGS:
        return "Dev Mappings";
    case NAT64_DROP_DEV_POOL:
        return "Dev Pool Addr";
    case NAT64_DROP_BAD_SOURCE:
        return "Bad Source";
    default:
        return NULL;
    }
}
