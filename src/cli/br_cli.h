/*
 * tbr-agent's command line: the device CLI (node_cli.h, the same commands
 * as tbr-node) plus OpenThread's border-router commands, with OpenThread's
 * exact output (src/cli/cli.cpp Process<Cmd("nat64")>, src/cli/cli_br.cpp;
 * shared/reference/ot-nat64-behaviour.md §4):
 *
 *   nat64 enable | disable       Done
 *   nat64 state                  "PrefixManager: <S>\nTranslator: <S>\n"
 *   nat64 cidr                   "a.b.c.d/len\n", or Error 23: NotFound
 *   nat64 cidr <a.b.c.d/len>     Error 6: Parse on bad text, 7 on /0
 *   nat64 mappings | counters    OpenThread's tables (nat64_fmt.h)
 *   nat64 [anything else]        Error 35: InvalidCommand
 *   br omrprefix [local|favored]
 *   br nat64prefix [local|favored]
 *   br [anything else]           Error 35: InvalidCommand
 *   dns server upstream|dns64|counters, srp server ... (see br_cli.c)
 *   rcp version | version rcp    the RCP's version string (on an RCP only;
 *                                Error 35: InvalidCommand on the sim radio)
 *   rcp link                     tbr extension: the radio URL, the Spinel
 *                                host's state, last fault, RCP identity
 *   scan energy [ms] [channel]   on an RCP: OpenThread's energy scan table,
 *                                printed as the RCP reports each channel
 *                                (pending until the last; Error 13 on the
 *                                sim radio or when the RCP is not ready)
 *   rcp counters                 tbr extension: the Spinel host's counters
 *                                (frames, resets, framing errors, timeouts)
 *                                and the serial link's
 *
 * Extra arguments after nat64 enable/disable/state/mappings/counters are
 * ignored, as OpenThread ignores them. `help` lists both tables' commands,
 * merged in order, each once. The CLI only parses and prints: it asks the
 * agent for settings changes and prints the parts' views (br_agent_pm() and
 * the other const accessors).
 *
 * No global state, no clock reads, no I/O except fprintf to the caller's
 * FILE *. One struct br_cli per output stream (a control socket client):
 * asynchronous device commands (ping) print later to the same FILE *, as
 * node_cli.h describes.
 */
#ifndef TBR_CLI_BR_CLI_H
#define TBR_CLI_BR_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "br/agent.h"
#include "cli/cli.h"
#include "cli/node_cli.h"
#include "radio/rcp.h"

/* The radio co-processor the agent runs on, for the `rcp` commands. */
struct br_cli_rcp {
    struct rcp *rcp; /* NULL: the simulated radio (no `rcp` commands) */
    const char *url; /* the radio URL as given */
    /* Optional: prints the serial link's own counters ("name: value"
     * lines), which live below the CLI (platform/spinel_link.h). */
    void (*fmt_link)(void *user, FILE *out);
    void *user;
};

struct br_cli {
    struct br_agent *agent;
    struct br_cli_rcp rcp;
    /* `scan energy` running: the RCP calls back into this struct until it
     * ends, so its owner must not reuse it before (scan_active false). */
    bool scan_active;
    FILE *scan_out;       /* NULL once the client went away (br_cli_detach) */
    struct node_cli node; /* the device commands; node.on_finish / node.user are the caller's */
};

/* Sets up c for agent (not owned). rcp may be NULL (the simulated radio);
 * it is copied, its pointers must outlive c. */
void br_cli_init(struct br_cli *c, struct br_agent *agent, const struct br_cli_rcp *rcp);

/* The client's stream is going away: nothing more is printed to it (the
 * node's commands as node_cli_detach; a running scan ends silently). */
void br_cli_detach(struct br_cli *c);

/* Runs one command line, printing its output and result line ("Done" /
 * "Error N: Name") to out; returns the result (OT_ERR_PENDING when a device
 * command finishes later, see node_cli.h). Lines arriving while a device
 * command is pending are handled as node_cli_run_line handles them. */
enum ot_err br_cli_run_line(struct br_cli *c, const char *line, uint64_t now_ms, FILE *out);

/* The border-router commands, sorted, ended by a NULL name: one table, one
 * dispatch path. An entry with sub matches only "<name> <sub> ..." (the
 * other "<name> ..." lines are the device's); the handler gets the
 * arguments after the matched words. */
struct br_cli_cmd {
    const char *name;
    const char *sub;
    enum ot_err (*fn)(struct br_cli *c, int argc, char **argv, uint64_t now_ms, FILE *out);
};
extern const struct br_cli_cmd br_cli_commands[];

#endif
