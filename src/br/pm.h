/*
 * Border-routing policy: the BR's OMR prefix and NAT64 prefix manager, the
 * translator's state, and the `nat64 state`, `nat64 cidr`, `br omrprefix`
 * and `br nat64prefix` text, as OpenThread's Routing Manager
 * (OmrPrefixManager, Nat64PrefixManager; shared/reference/ot-nat64-behaviour.md
 * §1.1, §3, §4.1) and CLI (src/cli/cli_br.cpp) do them.
 *
 * Pure logic: no I/O (except printing to a caller FILE*), no clock reads, no
 * randomness, no global state. The caller owns a struct br_pm, passes the
 * time (now_ms, any monotonic millisecond clock) into every call that can
 * change something, and acts on the returned change mask:
 *
 *   BR_PM_CHG_NETDATA      push br_pm_local_netdata() to the node
 *                          (tnode_set_local_netdata), merged with the other
 *                          local entries it owns (services, other routes);
 *   BR_PM_CHG_XLAT_PREFIX  give br_pm_translator_prefix() to the translator
 *                          (none: translate nothing);
 *   BR_PM_CHG_CIDR         rebuild the translator's IPv4 pool (OT drops all
 *                          mappings on a CIDR change), move the IPv4 route;
 *   BR_PM_CHG_PM_STATE / BR_PM_CHG_XLAT_STATE / BR_PM_CHG_REASON
 *                          log the new state with br_pm_fmt_reason().
 *
 * Model (OpenThread's):
 *   - BR ULA /48 (fdXX:XXXX:XXXX::/48): random, generated and persisted by
 *     the caller (br_pm_ula_from_random() builds one from 5 random bytes).
 *     OMR prefix = ULA + subnet 1, /64, published as an on-mesh prefix
 *     `paos low` (stable, preferred, SLAAC, on-mesh, low preference).
 *     Local NAT64 prefix = ULA + subnet 2, bytes 8..15 zero, /96, published
 *     as an external route `sn low` (stable, NAT64 flag, low preference).
 *   - "Routing running" (OT RoutingManager::IsRunning): border routing
 *     enabled (`br enable`), Thread attached and the infrastructure link up.
 *     The caller combines these into br_pm_set_routing_running(). Nothing is
 *     published while routing is not running.
 *   - NAT64 enabled (otNat64SetEnabled, `nat64 enable|disable`): one flag for
 *     both the prefix manager and the translator. Default: disabled.
 *   - Evaluation (OT EvaluateRoutingPolicy): br_pm_evaluate() with the
 *     current full Network Data. It first evaluates the OMR prefix: the
 *     favored OMR prefix in Network Data is the valid (/64, on-mesh, SLAAC,
 *     stable, preferred) one with the highest preference, then the smallest;
 *     ours is published when there is none (it is then the favored one) or
 *     when the favored one is ours, else withdrawn (so another BR's OMR
 *     prefix already there keeps its place even if ours is smaller; when both
 *     are there the smaller wins). Then the NAT64
 *     prefix (ot-nat64-behaviour.md §3.4): publish the favored prefix when
 *     Network Data has no NAT64 route, or its preferred NAT64 route has a lower
 *     preference than ours, or that route's prefix is the one we publish, or is
 *     our infrastructure prefix; otherwise withdraw. So the incumbent keeps its
 *     prefix at equal preference even if ours is smaller, and when two publish
 *     at once the one with the larger prefix withdraws. The translator gets
 *     the prefix only when the published prefix is the local one.
 *   - Favored NAT64 prefix: the local prefix at low preference, or the
 *     infrastructure prefix at medium preference when one is known (valid
 *     NAT64 length, not expired) AND the favored OMR prefix is
 *     "infrastructure-derived" (preference >= medium, i.e. another BR's
 *     DHCPv6-PD or admin prefix). Publishing the infrastructure prefix means an
 *     external NAT64 translates: our translator gets no prefix (NotRunning).
 *
 * States (enum values are OT's otNat64State ABI values):
 *   Prefix manager: Disabled (NAT64 disabled) / NotRunning (enabled, routing
 *   not running or no ULA) / Idle (running, publishing nothing, including
 *   before the first evaluation after a (re)start) / Active (publishing a
 *   prefix: decided by the last evaluation, maybe not yet in Network Data,
 *   exactly as OT, whose state turns Active when it hands the route to its
 *   Network Data publisher).
 *   Translator: Disabled (NAT64 disabled) / NotRunning / Active.
 *   DIFFERENCE FROM OT: OT's translator is Active when enabled, a CIDR is set
 *   and it has a NAT64 prefix. Ours additionally needs the caller's "return
 *   path ready" input (br_pm_set_return_path(), default false): the NAT44 /
 *   route that lets IPv4 replies to the pool come back is installed and
 *   checked (shared/reference/user-needs.md T1). Without it the translator
 *   is NotRunning (reason BR_PM_WHY_NO_RETURN_PATH) and
 *   br_pm_translator_prefix() still reports the prefix (the caller may keep
 *   the data path configured; it should not advertise it as working).
 *
 * Differences from OT in the inputs, by design: the infrastructure prefix is
 * pushed in by the caller (RA PREF64 or RFC 7050 discovery, with a lifetime)
 * instead of being polled every 300 s; it is ignored (but kept) while NAT64
 * is disabled or routing is not running, where OT forgets it and
 * rediscovers it on start. OT's Network Data publisher delays (1..3500 ms) and
 * the evaluation jitter are the caller's: br_pm_next_eval_ms() says when an
 * evaluation is wanted.
 *
 * Not thread-safe; one struct per BR.
 */
#ifndef TBR_BR_PM_H
#define TBR_BR_PM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netdata/netdata.h"
#include "util/addr.h"
#include "util/ot_err.h"

/* otNat64State values. */
enum br_pm_state {
    BR_PM_STATE_DISABLED = 0,
    BR_PM_STATE_NOT_RUNNING = 1,
    BR_PM_STATE_IDLE = 2, /* prefix manager only */
    BR_PM_STATE_ACTIVE = 3,
};

/* Why a component is in its state (user-needs.md O1). */
enum br_pm_why {
    BR_PM_WHY_DISABLED = 0,        /* NAT64 disabled */
    BR_PM_WHY_NO_ULA,              /* no valid BR ULA prefix (br_pm_init failed) */
    BR_PM_WHY_NOT_RUNNING,         /* border routing not running */
    BR_PM_WHY_NOT_EVALUATED,       /* (re)started, waiting for an evaluation */
    BR_PM_WHY_OTHER_PREFERRED,     /* another NAT64 route preferred in Network Data */
    BR_PM_WHY_PUBLISHING_LOCAL,    /* PM: publishing the local prefix */
    BR_PM_WHY_PUBLISHING_INFRA,    /* PM: publishing the infrastructure prefix */
    BR_PM_WHY_EXTERNAL_TRANSLATOR, /* translator: infra prefix published, infra NAT64 translates */
    BR_PM_WHY_NO_CIDR,             /* translator: no IPv4 CIDR */
    BR_PM_WHY_NO_RETURN_PATH,      /* translator: caller says the IPv4 return path is not ready */
    BR_PM_WHY_TRANSLATING,         /* translator: Active */
    BR_PM_WHY__COUNT
};

/* Change mask bits returned by the mutators. */
#define BR_PM_CHG_NETDATA 0x01u     /* br_pm_local_netdata() changed */
#define BR_PM_CHG_XLAT_PREFIX 0x02u /* br_pm_translator_prefix() changed */
#define BR_PM_CHG_CIDR 0x04u        /* the IPv4 CIDR changed (set to a new network, cleared) */
#define BR_PM_CHG_PM_STATE 0x08u    /* br_pm_state() changed */
#define BR_PM_CHG_XLAT_STATE 0x10u  /* br_pm_xlat_state() changed */
#define BR_PM_CHG_REASON 0x20u      /* a reason (or its details) changed */

#define BR_PM_OMR_SUBNET 1
#define BR_PM_NAT64_SUBNET 2
#define BR_PM_NAT64_PREFIX_LEN 96
/* OT kEvaluationInterval (3 s, the caller may add +-1 s jitter as OT). */
#define BR_PM_EVAL_DELAY_MS 3000u
#define BR_PM_NO_EVAL UINT64_MAX
#define BR_PM_LIFETIME_INFINITE UINT32_MAX

/* Which prefix(es) `br omrprefix|nat64prefix [local|favored]` prints. */
#define BR_PM_SHOW_LOCAL 0x1u
#define BR_PM_SHOW_FAVORED 0x2u
#define BR_PM_SHOW_BOTH (BR_PM_SHOW_LOCAL | BR_PM_SHOW_FAVORED)

/* The state; treat as opaque (read it through the functions below). */
struct br_pm {
    bool initialized; /* valid ULA */
    struct addr_prefix6 ula, omr_local, nat64_local;

    bool enabled, running, return_path;
    bool has_cidr;
    struct addr_prefix4 cidr;
    bool has_infra;
    struct addr_prefix6 infra;
    uint64_t infra_expiry_ms; /* BR_PM_NO_EVAL: never */

    bool has_rloc16;
    uint16_t rloc16;

    /* OMR (OT OmrPrefixManager) */
    bool omr_added;
    bool has_omr_favored;
    struct addr_prefix6 omr_favored;
    int8_t omr_favored_pref;

    /* NAT64 (OT Nat64PrefixManager) */
    bool evaluated; /* an evaluation ran since the last (re)start */
    bool has_published;
    struct addr_prefix6 published;
    int8_t published_pref;
    bool published_in_nd; /* our NAT64 entry (prefix + RLOC16) seen in Network Data */
    bool has_xlat_prefix;
    struct addr_prefix6 xlat_prefix;
    bool has_other;                 /* preferred NAT64 route at the last evaluation */
    struct netdata_route_cfg other; /* (why we are Idle) */

    struct netdata_local local;
    uint64_t eval_due_ms;

    /* last reported states and reasons, for the change mask */
    enum br_pm_state seen_pm, seen_xlat;
    enum br_pm_why seen_pm_why, seen_xlat_why;
    uint32_t seen_detail; /* hash of the reason details */
    uint64_t pm_since_ms, xlat_since_ms;
};

/* ---- setup ------------------------------------------------------------- */

/*
 * Initialises pm: NAT64 disabled, routing not running, return path not
 * ready, CIDR 192.168.255.0/24 (OTBR's OT_POSIX_NAT64_CIDR default), no
 * infrastructure prefix, nothing published. ula48 must be a /48 starting
 * with 0xfd (OT IsValidBrUlaPrefix); bits after 48 are ignored. Otherwise
 * returns OT_ERR_INVALID_ARGS and pm stays uninitialized: states
 * NotRunning when enabled, prefix queries give InvalidState (OT before
 * RoutingManager::Init).
 */
enum ot_err br_pm_init(struct br_pm *pm, const struct addr_prefix6 *ula48, uint64_t now_ms);

/* fd + 40 random bits, /48 (OT NetworkPrefix::GenerateRandomUla). */
void br_pm_ula_from_random(const uint8_t rnd[5], struct addr_prefix6 *out);

/* ---- inputs (each returns a BR_PM_CHG_* mask) --------------------------- */

/*
 * NAT64 enable/disable (otNat64SetEnabled; idempotent). Disable withdraws the
 * NAT64 route (not the OMR prefix) and clears the translator prefix at once.
 * Enable while routing runs starts the prefix manager in Idle and asks for an
 * evaluation BR_PM_EVAL_DELAY_MS later (OT: discovery, then a 2-4 s delay).
 * The CIDR survives disable.
 */
unsigned br_pm_set_enabled(struct br_pm *pm, bool enabled, uint64_t now_ms);
bool br_pm_enabled(const struct br_pm *pm);

/*
 * Routing running (br enabled + attached + infra link up). Stop withdraws
 * every entry (OMR and NAT64) and forgets the favored OMR prefix; start asks
 * for an immediate evaluation.
 */
unsigned br_pm_set_routing_running(struct br_pm *pm, bool running, uint64_t now_ms);

/* Whether the IPv4 return path (NAT44 / pool route) is in place (see above). */
unsigned br_pm_set_return_path(struct br_pm *pm, bool ready, uint64_t now_ms);

/*
 * The NAT64 prefix discovered on the infrastructure link (RA PREF64,
 * RFC 7050). NULL, a length-0 or a non-NAT64 length (not 32/40/48/56/64/96)
 * means none (OT HandleDiscoverDone). lifetime_s: seconds from now_ms, or
 * BR_PM_LIFETIME_INFINITE; 0 means none. Takes effect at the next evaluation
 * (one is requested BR_PM_EVAL_DELAY_MS later); expiry is applied by
 * br_pm_evaluate(). Bits after the length are cleared.
 */
unsigned br_pm_set_infra_prefix(struct br_pm *pm, const struct addr_prefix6 *prefix,
                                uint32_t lifetime_s, uint64_t now_ms);
/* The stored infrastructure prefix (even while ignored); false if none. */
bool br_pm_infra_prefix(const struct br_pm *pm, struct addr_prefix6 *out);

/*
 * `nat64 cidr <a.b.c.d/len>` (otNat64SetIp4Cidr): length 1..32, else
 * OT_ERR_INVALID_ARGS. A CIDR equal to the stored one (same length, same
 * network bits) is a silent no-op that keeps the stored host bits (OT:
 * `nat64 cidr 192.168.1.77/24` then `192.168.1.0/24` still shows .77).
 * Otherwise stores it as written and sets BR_PM_CHG_CIDR in *chg (if chg is
 * not NULL); allowed while disabled.
 */
enum ot_err br_pm_set_cidr(struct br_pm *pm, const struct addr_prefix4 *cidr, uint64_t now_ms,
                           unsigned *chg);
/* Same from text: exactly `a.b.c.d/len`, 4 decimal octets 0..255 (leading
 * zeros allowed, as OT's Ip4::Address::FromString), len decimal 0..32; any
 * other text -> OT_ERR_PARSE; /0 -> OT_ERR_INVALID_ARGS. */
enum ot_err br_pm_set_cidr_str(struct br_pm *pm, const char *text, uint64_t now_ms, unsigned *chg);
/* otNat64ClearIp4Cidr (no CLI command). */
unsigned br_pm_clear_cidr(struct br_pm *pm, uint64_t now_ms);
/* OT_ERR_NOT_FOUND when no CIDR is set. */
enum ot_err br_pm_get_cidr(const struct br_pm *pm, struct addr_prefix4 *out);

/*
 * The routing policy evaluation. netdata/len: the node's current full
 * Network Data (tnode_netdata; may be NULL/0); rloc16: this node's RLOC16,
 * put in every entry of br_pm_local_netdata() (a new RLOC16 rebuilds them).
 * Drops an expired infrastructure prefix. Does nothing about NAT64 while it
 * is disabled and nothing at all while routing is not running (besides
 * remembering rloc16). Clears the pending evaluation.
 */
unsigned br_pm_evaluate(struct br_pm *pm, const uint8_t *netdata, size_t len, uint16_t rloc16,
                        uint64_t now_ms);

/* When the module wants br_pm_evaluate() called (absolute ms), or
 * BR_PM_NO_EVAL. Calling it earlier or more often is harmless. */
uint64_t br_pm_next_eval_ms(const struct br_pm *pm);

/* ---- outputs ------------------------------------------------------------ */

/* This BR's own Network Data entries: the OMR Prefix TLV (`paos low`) while
 * published, then the NAT64 Has Route TLV (`sn low`, or `sn med` for an
 * infrastructure prefix) while published. Empty before the first
 * evaluation. */
const struct netdata_local *br_pm_local_netdata(const struct br_pm *pm);

/* The prefix our translator must use (the published local prefix); false:
 * none (translate nothing). */
bool br_pm_translator_prefix(const struct br_pm *pm, struct addr_prefix6 *out);

/* True when the last evaluation saw our NAT64 route (prefix + our RLOC16)
 * in Network Data. */
bool br_pm_nat64_in_netdata(const struct br_pm *pm);

enum br_pm_state br_pm_state(const struct br_pm *pm);
enum br_pm_state br_pm_xlat_state(const struct br_pm *pm);
/* "Disabled", "NotRunning", "Idle", "Active" (OT's strings). */
const char *br_pm_state_str(enum br_pm_state s);

/* Reasons for the current states, and since when (now_ms of the last
 * change) each state holds. */
enum br_pm_why br_pm_why(const struct br_pm *pm);
enum br_pm_why br_pm_xlat_why(const struct br_pm *pm);
uint64_t br_pm_since_ms(const struct br_pm *pm);
uint64_t br_pm_xlat_since_ms(const struct br_pm *pm);
/* Stable token for logs/JSON, e.g. "other-br-preferred" (never NULL). */
const char *br_pm_why_token(enum br_pm_why w);
/*
 * Human text of the reason of the prefix manager (xlat false) or the
 * translator (xlat true), e.g. "fd11:22:0:2:0:0::/96 prf:low of 0x0400 is
 * preferred in Network Data", "translating fd4c:9574:3720:2:0:0::/96 to
 * 192.168.255.0/24", "IPv4 return path (NAT44) not ready". Always
 * NUL-terminated (truncated to cap); returns buf.
 */
const char *br_pm_fmt_reason(const struct br_pm *pm, bool xlat, char *buf, size_t cap);

/* OT otBorderRoutingGetOmrPrefix: the local OMR prefix; InvalidState before
 * init. */
enum ot_err br_pm_omr_local(const struct br_pm *pm, struct addr_prefix6 *out);
/* otBorderRoutingGetFavoredOmrPrefix: InvalidState unless routing runs; the
 * favored OMR prefix of the last evaluation, ::/0 prf:med when none. */
enum ot_err br_pm_omr_favored(const struct br_pm *pm, struct addr_prefix6 *out, int8_t *preference);
/* otBorderRoutingGetNat64Prefix: the local NAT64 prefix; InvalidState before
 * init. */
enum ot_err br_pm_nat64_local(const struct br_pm *pm, struct addr_prefix6 *out);
/* otBorderRoutingGetFavoredNat64Prefix: the favored prefix (see above) and
 * its preference; InvalidState before init. */
enum ot_err br_pm_nat64_favored(const struct br_pm *pm, struct addr_prefix6 *out,
                                int8_t *preference);

/* ---- CLI text (no trailing "Done"; the CLI prints Done or the error) ---- */

/* `nat64 state`: "PrefixManager: <State>\nTranslator: <State>\n". */
void br_pm_fmt_state(FILE *f, const struct br_pm *pm);

/* `nat64 cidr`: "a.b.c.d/len\n" as stored; OT_ERR_NOT_FOUND (nothing
 * printed) when unset. */
enum ot_err br_pm_fmt_cidr(FILE *f, const struct br_pm *pm);

/* OT Br::ParsePrefixTypeArgs over the arguments after the subcommand:
 * none -> BR_PM_SHOW_BOTH, "local" / "favored" alone -> that one, anything
 * else -> OT_ERR_INVALID_ARGS. */
enum ot_err br_pm_parse_show(int argc, const char *const argv[], unsigned *show);

/*
 * `br omrprefix [local|favored]` / `br nat64prefix [local|favored]`, as
 * cli_br.cpp: both -> "Local: <prefix>\n" then "Favored: <prefix> prf:<low|
 * med|high>\n"; one -> the same line without its label. Errors (returned,
 * for the CLI to print) stop the output where OT stops it: `br omrprefix`
 * while routing is not running prints the Local line, then InvalidState.
 */
enum ot_err br_pm_fmt_omrprefix(FILE *f, const struct br_pm *pm, unsigned show);
enum ot_err br_pm_fmt_nat64prefix(FILE *f, const struct br_pm *pm, unsigned show);

#endif
