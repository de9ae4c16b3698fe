/*
 * libFuzzer harness for the Network Data and Operational Dataset parsers.
 *
 * Input: [selector byte][RLOC16 hi][RLOC16 lo] then the bytes under test.
 * The bytes go through netdata_validate, every iterator and lookup, the
 * `netdata show` formatter, the stable subset, leader load / registration /
 * removal / context expiry, and dataset_validate / parse / print.
 *
 * Checked invariants (abort on violation):
 *   - every result is a named error;
 *   - the stable subset of valid data is valid and no longer than it;
 *   - the leader's Network Data stays valid after every operation and never
 *     exceeds NETDATA_MAX_LEN;
 *   - registering the same data twice changes nothing the second time;
 *   - a dataset that validates can be set, printed, and its bytes read back
 *     unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netdata/netdata.h"
#include "netdata/netdata_fmt.h"
#include "thread/dataset.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

static void leader_ops(const uint8_t *b, size_t n, uint16_t rloc, uint8_t sel)
{
    struct netdata_leader ld;
    enum netdata_err e;
    netdata_leader_init(&ld, sel, (uint8_t)~sel);
    if (sel & 1) {
        e = netdata_leader_load(&ld, b, n, 0, 0);
        CHECK((unsigned)e < NETDATA_ERR__COUNT);
    }
    e = netdata_leader_register(&ld, rloc, b, n);
    CHECK((unsigned)e < NETDATA_ERR__COUNT);
    CHECK(ld.len <= NETDATA_MAX_LEN && netdata_validate(ld.tlvs, ld.len) == NETDATA_OK);
    if (e == NETDATA_OK) {
        struct netdata_leader again = ld;
        CHECK(netdata_leader_register(&again, rloc, b, n) == NETDATA_OK);
        CHECK(again.len == ld.len && !memcmp(again.tlvs, ld.tlvs, ld.len));
        CHECK(again.version == ld.version && again.stable_version == ld.stable_version);
    }
    uint8_t out[NETDATA_MAX_LEN];
    size_t ol;
    CHECK(netdata_leader_copy(&ld, true, out, sizeof(out), &ol) == NETDATA_OK);
    CHECK(netdata_validate(out, ol) == NETDATA_OK);
    netdata_leader_remove_rloc(&ld, rloc, (sel & 2) != 0);
    CHECK(netdata_validate(ld.tlvs, ld.len) == NETDATA_OK);
    for (uint8_t id = NETDATA_CONTEXT_ID_MIN; id <= NETDATA_CONTEXT_ID_MAX; id++) {
        e = netdata_leader_expire_context(&ld, id);
        CHECK(e == NETDATA_OK || e == NETDATA_ERR_NOT_FOUND);
    }
    CHECK(netdata_validate(ld.tlvs, ld.len) == NETDATA_OK);
    e = netdata_leader_set_commissioning(&ld, b, n > 20 ? 20 : n);
    CHECK(e == NETDATA_OK || e == NETDATA_ERR_NO_SPACE);
    CHECK(netdata_validate(ld.tlvs, ld.len) == NETDATA_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t sel = data[0];
    uint16_t rloc = (uint16_t)(data[1] << 8 | data[2]);
    const uint8_t *b = data + 3;
    size_t n = size - 3;

    /* Network Data */
    enum netdata_err e = netdata_validate(b, n);
    CHECK((unsigned)e < NETDATA_ERR__COUNT);
    netdata_fmt_show(sink(), b, n, false, NETDATA_ANY_RLOC16);
    netdata_fmt_show(sink(), b, n, false, rloc);
    struct netdata_route_cfg rc;
    struct netdata_context cx;
    struct addr_prefix6 pre[4];
    uint8_t addr[16] = {0};
    netdata_find_nat64_prefix(b, n, &rc);
    netdata_slaac_prefixes(b, n, pre, 4);
    memcpy(addr, b, n < 16 ? n : 16);
    netdata_context_for_addr(b, n, addr, (sel & 4) != 0, &cx);
    netdata_context_by_id(b, n, sel & 15, &cx);
    if (e == NETDATA_OK) {
        uint8_t st[NETDATA_MAX_LEN];
        size_t sl;
        CHECK(netdata_stable_subset(b, n, st, sizeof(st), &sl) == NETDATA_OK);
        CHECK(sl <= n && netdata_validate(st, sl) == NETDATA_OK);
    }
    if (n <= NETDATA_MAX_LEN)
        leader_ops(b, n, rloc, sel);

    /* Operational Dataset */
    struct dataset_info in;
    enum dataset_err de = dataset_parse(b, n, &in);
    CHECK((unsigned)de < DATASET_ERR__COUNT);
    struct dataset_tlvs d;
    if (dataset_set_tlvs(&d, b, n) == DATASET_OK) {
        CHECK(de == DATASET_OK && d.len == n && !memcmp(d.tlvs, b, n));
        CHECK(dataset_print(sink(), &d, (sel & 8) != 0) == DATASET_OK);
        dataset_print_hex(sink(), &d);
        CHECK(dataset_set_channel(&d, 15) == DATASET_OK || d.len > DATASET_MAX_LEN - 5);
        CHECK(dataset_validate(d.tlvs, d.len) == DATASET_OK);
    }
    return 0;
}
