/*
 * The border router's own records in the settings store (the node's keys
 * are the node's):
 *   SETTINGS_KEY_BR_ULA_PREFIX (OpenThread's key 0x000f): the BR ULA /48 as
 *     OpenThread stores an Ip6::Prefix, 17 bytes: address + length.
 *   SETTINGS_KEY_NAT64 (0x8001): BR_PERSIST_NAT64_LEN bytes: [0] version 1,
 *     [1] enabled 0/1, [2] has CIDR 0/1, [3..6] IPv4 address as set (host
 *     bits kept), [7] length.
 * A NULL store holds nothing and takes nothing (saves then succeed).
 */
#ifndef TBR_BR_PERSIST_H
#define TBR_BR_PERSIST_H

#include <stdbool.h>

#include "util/addr.h"

struct kv;

#define BR_PERSIST_ULA_LEN 17
#define BR_PERSIST_NAT64_LEN 8

/* The stored ULA /48 (an fd00::/8 address, length 48); false when none. */
bool br_persist_load_ula(const struct kv *kv, struct addr_prefix6 *out);
/* 0, or -1 when the store refused it. */
int br_persist_save_ula(const struct kv *kv, const struct addr_prefix6 *ula);

struct br_persist_nat64 {
    bool enabled;
    bool has_cidr;
    struct addr_prefix4 cidr;
};

/* The stored NAT64 switch and CIDR; false when none (or another version). */
bool br_persist_load_nat64(const struct kv *kv, struct br_persist_nat64 *out);
/* 0, or -1 when the store refused it. */
int br_persist_save_nat64(const struct kv *kv, const struct br_persist_nat64 *v);

#endif
