/*
 * Active Operational Dataset (Thread 1.4 §8.10.1 MeshCoP TLVs; OpenThread
 * src/core/meshcop/dataset.cpp and src/cli/cli_dataset.cpp).
 *
 * The dataset is kept as TLV bytes, in order, the way OpenThread keeps it:
 * `dataset active -x` prints those bytes, a setter removes the TLV and
 * appends the new one at the end (OT Dataset::WriteTlv), unknown TLVs are
 * kept. dataset_parse() gives the decoded view that `dataset active` prints.
 *
 * Pure functions over caller buffers: no global state, no I/O, no clock, no
 * rand(): `dataset init new` takes the caller's random source. Untrusted
 * bytes are read only through util/rd.h; failures are enum dataset_err.
 */
#ifndef TBR_THREAD_DATASET_H
#define TBR_THREAD_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DATASET_MAX_LEN 254 /* OT_OPERATIONAL_DATASET_MAX_LENGTH */

/* MeshCoP TLV types used in operational datasets. */
enum dataset_tlv_type {
    DATASET_TLV_CHANNEL = 0,
    DATASET_TLV_PANID = 1,
    DATASET_TLV_EXTPANID = 2,
    DATASET_TLV_NETWORK_NAME = 3,
    DATASET_TLV_PSKC = 4,
    DATASET_TLV_NETWORK_KEY = 5,
    DATASET_TLV_MESH_LOCAL_PREFIX = 7,
    DATASET_TLV_SECURITY_POLICY = 12,
    DATASET_TLV_ACTIVE_TIMESTAMP = 14,
    DATASET_TLV_PENDING_TIMESTAMP = 51,
    DATASET_TLV_DELAY_TIMER = 52,
    DATASET_TLV_CHANNEL_MASK = 53,
    DATASET_TLV_WAKEUP_CHANNEL = 74,
};

enum dataset_err {
    DATASET_OK = 0,
    DATASET_ERR_INVALID_ARG, /* NULL pointer, or a CLI value out of range */
    DATASET_ERR_PARSE,       /* CLI text not a number / hex / address of the right size */
    DATASET_ERR_TOO_LONG,    /* more than DATASET_MAX_LEN bytes */
    DATASET_ERR_TRUNCATED,   /* a TLV runs past the end */
    DATASET_ERR_EXTENDED,    /* extended-length TLV (length 0xff): not allowed */
    DATASET_ERR_BAD_TLV,     /* a known TLV with a value invalid for its type */
    DATASET_ERR_DUPLICATE,   /* the same TLV type twice */
    DATASET_ERR_NO_SPACE,    /* the result would not fit DATASET_MAX_LEN */
    DATASET_ERR_NOT_FOUND,
    DATASET_ERR__COUNT
};

const char *dataset_err_str(enum dataset_err e);

struct dataset_tlvs {
    uint8_t tlvs[DATASET_MAX_LEN];
    uint8_t len;
};

struct dataset_timestamp {
    uint64_t seconds; /* 48 bits */
    uint16_t ticks;   /* 15 bits */
    bool authoritative;
};

struct dataset_security_policy {
    uint16_t rotation_hours;
    bool obtain_network_key;       /* o */
    bool native_commissioning;     /* n */
    bool routers;                  /* r */
    bool external_commissioning;   /* c */
    bool commercial_commissioning; /* C (wire bit inverted) */
    bool autonomous_enrollment;    /* e (inverted) */
    bool network_key_provisioning; /* p (inverted) */
    bool toble_link;
    bool non_ccm_routers;      /* R (inverted) */
    uint8_t version_threshold; /* 0..7 */
};

/* Decoded dataset (OT otOperationalDataset). */
struct dataset_info {
    struct {
        bool active_timestamp, pending_timestamp, delay, channel, wakeup_channel, channel_mask,
            extpanid, mesh_local_prefix, network_key, network_name, panid, pskc, security_policy;
    } has;
    struct dataset_timestamp active_timestamp, pending_timestamp;
    uint32_t delay_ms;
    uint16_t channel;
    uint16_t wakeup_channel;
    uint32_t channel_mask; /* bit n = channel n (page 0), e.g. 0x07fff800 */
    uint8_t extpanid[8];
    uint8_t mesh_local_prefix[8];
    uint8_t network_key[16];
    char network_name[17]; /* NUL-terminated, at most 16 bytes */
    uint16_t panid;
    uint8_t pskc[16];
    struct dataset_security_policy security_policy;
};

/* OT Dataset::ValidateTlvs: well-formed, no extended TLV, no duplicate type,
 * minimum lengths, channels page 0 / 11..26, valid channel mask entries,
 * UTF-8 network name without control characters, security policy >= 3 bytes. */
enum dataset_err dataset_validate(const uint8_t *buf, size_t len);

/* Validates and decodes (OT Dataset::ConvertTo). */
enum dataset_err dataset_parse(const uint8_t *buf, size_t len, struct dataset_info *out);

/* Replaces d with the given TLV bytes after validating them
 * (`dataset set active <hex>`, `dataset init tlvs <hex>`). */
enum dataset_err dataset_set_tlvs(struct dataset_tlvs *d, const uint8_t *buf, size_t len);

/* Value of the TLV of type in d (NULL when absent); *vlen gets its length. */
const uint8_t *dataset_find_tlv(const struct dataset_tlvs *d, uint8_t type, uint8_t *vlen);
/* Removes the TLV of type, then appends it with the new value. */
enum dataset_err dataset_write_tlv(struct dataset_tlvs *d, uint8_t type, const void *val,
                                   size_t len);
void dataset_remove_tlv(struct dataset_tlvs *d, uint8_t type);

/* Random bytes from the caller (e.g. getrandom, or a fixed test stream). */
typedef void (*dataset_rng_fn)(void *ctx, uint8_t *out, size_t len);

/*
 * `dataset init new` (OT Dataset::Info::GenerateRandom + WriteTlvsFrom):
 * Active Timestamp 1, a random channel and wake-up channel from
 * supported_mask (bit n = channel n; 0 means 0x07fff800 = 11..26), Channel
 * Mask supported_mask, random PAN ID (0..0xfffe), default Security Policy
 * (672 h, onrc, threshold 0), random Network Key, PSKc, Extended PAN ID, a
 * random ULA mesh-local prefix fdxx:..., Network Name "OpenThread-%04x" of
 * the PAN ID. TLV order: timestamp, channel, wake-up channel, channel mask,
 * ext PAN ID, mesh-local prefix, network key, network name, PAN ID, PSKc,
 * security policy.
 */
enum dataset_err dataset_init_new(struct dataset_tlvs *d, dataset_rng_fn rng, void *rng_ctx,
                                  uint32_t supported_mask);

/* Typed setters (remove + append, as OT). */
enum dataset_err dataset_set_channel(struct dataset_tlvs *d, uint16_t channel); /* 11..26 */
enum dataset_err dataset_set_wakeup_channel(struct dataset_tlvs *d, uint16_t channel);
enum dataset_err dataset_set_panid(struct dataset_tlvs *d, uint16_t panid); /* not 0xffff */
enum dataset_err dataset_set_extpanid(struct dataset_tlvs *d, const uint8_t xp[8]);
enum dataset_err dataset_set_network_key(struct dataset_tlvs *d, const uint8_t key[16]);
enum dataset_err dataset_set_pskc(struct dataset_tlvs *d, const uint8_t pskc[16]);
enum dataset_err dataset_set_mesh_local_prefix(struct dataset_tlvs *d, const uint8_t mlp[8]);
/* 1..16 bytes of UTF-8 without control characters. */
enum dataset_err dataset_set_network_name(struct dataset_tlvs *d, const char *name);
enum dataset_err dataset_set_active_timestamp(struct dataset_tlvs *d,
                                              const struct dataset_timestamp *ts);
enum dataset_err dataset_set_channel_mask(struct dataset_tlvs *d, uint32_t mask);
enum dataset_err dataset_set_security_policy(struct dataset_tlvs *d,
                                             const struct dataset_security_policy *sp);

/*
 * CLI form: `dataset <name> <arg>` for name in networkkey (32 hex digits),
 * extpanid (16 hex), pskc (32 hex), channel, wakeupchannel, panid (decimal
 * or 0x hex), networkname, meshlocalprefix (an IPv6 address, first 64 bits
 * kept, e.g. fd00:db8:aaaa:bbbb::), activetimestamp (seconds),
 * channelmask (0x... or decimal). Unknown name: DATASET_ERR_INVALID_ARG.
 */
enum dataset_err dataset_cli_set(struct dataset_tlvs *d, const char *name, const char *arg);

/* `dataset active -x`: the TLV bytes as lowercase hex, one line. */
void dataset_print_hex(FILE *f, const struct dataset_tlvs *d);

/*
 * `dataset active`: the present fields in OT's order and format
 * (cli_dataset.cpp Dataset::Print): Pending Timestamp, Active Timestamp,
 * Channel, Wake-up Channel, Channel Mask, Delay, Ext PAN ID, Mesh Local
 * Prefix, Network Key, Network Name, PAN ID, PSKc, Security Policy.
 * redact: print "[Redacted]" for Network Key and PSKc. Prints nothing and
 * returns the error if the TLVs do not validate.
 */
enum dataset_err dataset_print(FILE *f, const struct dataset_tlvs *d, bool redact);

#endif
