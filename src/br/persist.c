/*
 * The border router's settings records; see persist.h.
 */
#include "br/persist.h"

#include <stdint.h>
#include <string.h>

#include "util/kv.h"

#define NAT64_VERSION 1

bool br_persist_load_ula(const struct kv *kv, struct addr_prefix6 *out)
{
    uint8_t buf[BR_PERSIST_ULA_LEN];
    size_t len = 0;

    if (kv == NULL || kv_get(kv, SETTINGS_KEY_BR_ULA_PREFIX, 0, buf, sizeof(buf), &len) != 0 ||
        len != BR_PERSIST_ULA_LEN || buf[0] != 0xfd || buf[16] != 48)
        return false;
    memset(out, 0, sizeof(*out));
    memcpy(out->addr, buf, 16);
    out->len = 48;
    return true;
}

int br_persist_save_ula(const struct kv *kv, const struct addr_prefix6 *ula)
{
    uint8_t buf[BR_PERSIST_ULA_LEN];

    if (kv == NULL)
        return 0;
    memcpy(buf, ula->addr, 16);
    buf[16] = ula->len;
    return kv_set(kv, SETTINGS_KEY_BR_ULA_PREFIX, buf, sizeof(buf)) == 0 ? 0 : -1;
}

bool br_persist_load_nat64(const struct kv *kv, struct br_persist_nat64 *out)
{
    uint8_t buf[BR_PERSIST_NAT64_LEN];
    size_t len = 0;

    if (kv == NULL || kv_get(kv, SETTINGS_KEY_NAT64, 0, buf, sizeof(buf), &len) != 0 ||
        len != sizeof(buf) || buf[0] != NAT64_VERSION)
        return false;
    memset(out, 0, sizeof(*out));
    out->enabled = buf[1] != 0;
    out->has_cidr = buf[2] == 1;
    memcpy(out->cidr.addr, buf + 3, 4);
    out->cidr.len = buf[7];
    return true;
}

int br_persist_save_nat64(const struct kv *kv, const struct br_persist_nat64 *v)
{
    uint8_t buf[BR_PERSIST_NAT64_LEN];

    if (kv == NULL)
        return 0;
    memset(buf, 0, sizeof(buf));
    buf[0] = NAT64_VERSION;
    buf[1] = v->enabled ? 1 : 0;
    if (v->has_cidr) {
        buf[2] = 1;
        memcpy(buf + 3, v->cidr.addr, 4);
        buf[7] = v->cidr.len;
    }
    return kv_set(kv, SETTINGS_KEY_NAT64, buf, sizeof(buf)) == 0 ? 0 : -1;
}
