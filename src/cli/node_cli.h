/*
 * The device CLI: OpenThread's `ot-cli-ftd` commands over a struct tnode,
 * with OpenThread's exact output (src/cli/cli.cpp, cli_dataset.cpp,
 * cli_network_data.cpp, cli_ping.cpp; the transcripts in
 * shared/vectors/thread).
 *
 * Shared by tbr-node (stdin/stdout) and the border-router daemon (a control
 * socket): the caller owns a struct node_cli per node and per output stream,
 * passes every line with the current time, and writes to the FILE * it
 * gives. No global state, no clock reads, no I/O except fprintf to that
 * FILE *.
 *
 * Asynchronous commands: `ping` returns OT_ERR_PENDING (nothing printed);
 * its reply lines, the statistics line and the final "Done" are printed to
 * the same FILE * later, from inside tnode_process()/tnode_radio_rx(), as
 * the node reports them. While a command is pending, node_cli_pending() is
 * true and further lines are ignored as OpenThread ignores them (except
 * `factoryreset`); a caller reading a stream should stop reading until the
 * command has finished (the on_finish hook tells when). `ping async ...`
 * prints "Done" at once and the replies later.
 *
 * Lines end in "\n" (OpenThread writes "\r\n"; tbr-node is a Unix program).
 */
#ifndef TBR_CLI_NODE_CLI_H
#define TBR_CLI_NODE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "dns/srp_client.h"
#include "svc/dns_node.h"
#include "svc/tcp_bench.h"
#include "thread/node.h"

/* What `version` prints. */
#define NODE_CLI_VERSION "tbr/0.1"

/* OpenThread's ping defaults (OPENTHREAD_CONFIG_PING_SENDER_DEFAULT_*). */
#define NODE_CLI_PING_SIZE 8
#define NODE_CLI_PING_COUNT 1
#define NODE_CLI_PING_INTERVAL_MS 1000
#define NODE_CLI_PING_TIMEOUT_MS 3000
#define NODE_CLI_PING_HOP_LIMIT 64 /* OpenThread's default IPv6 hop limit */

struct node_cli {
    struct tnode *node;
    /* A ping in progress: where it prints, and how. */
    FILE *ping_out;
    bool ping_active;
    bool ping_async;
    bool ping_multicast;
    bool pending; /* a synchronous command has not printed its result yet */
    /* `udp` / `tcp` (cli_udp.cpp, cli_tcp.cpp): one socket and one endpoint
     * per CLI, as OpenThread's examples. Received datagrams and TCP events
     * print to io_out (the stream of the last udp/tcp command) when they
     * happen, from inside tnode_process()/tnode_radio_rx(). */
    FILE *io_out;
    bool udp_open;
    int udp_handle;
    bool udp_link_security;
    bool tcp_inited;
    int tcp_id;
    bool tcp_bound;
    bool tcp_connecting; /* an active open: no "Accepted connection" line */
    uint8_t tcp_bind_addr[16];
    uint16_t tcp_bind_port;
    /* `tcp benchmark` on the endpoint above (svc/tcp_bench.h) */
    struct tcp_bench bench;
    /* `dns` (cli_dns.cpp): the client with its default config, one query
     * at a time (svc/dns_node.h); its result prints to dns_out. */
    struct dns_node dns;
    FILE *dns_out;
    char dns_name[260]; /* as printed, with the final dot */
    /* `srp client ...` (cli_srp_client.cpp): the node's SRP client, owned
     * by the application (one per node, shared by every CLI stream; see
     * src/svc/srp_node.h). NULL: `srp` is InvalidCommand. */
    struct srp_client *srp;
    /* Optional: called after a pending command printed its result line. */
    void (*on_finish)(void *user);
    void *user;
};

/* Sets up c for node (not owned). */
void node_cli_init(struct node_cli *c, struct tnode *node);

/* Runs one command line at now_ms, printing to out, and returns its result
 * (already printed as "Done"/"Error N: Name", or OT_ERR_PENDING when the
 * command finishes later). A blank line prints nothing. While a command is
 * pending the line is ignored (nothing printed, OT_ERR_PENDING returned),
 * unless it is `factoryreset`. */
enum ot_err node_cli_run_line(struct node_cli *c, const char *line, uint64_t now_ms, FILE *out);

/* True while a synchronous command (ping, dns resolve) has not finished. */
bool node_cli_pending(const struct node_cli *c);

/* DNS client timers (retransmission, ResponseTimeout; dns_node_process):
 * the caller's loop calls node_cli_process() at least when
 * node_cli_next_timeout_ms() says (-1: nothing pending). Responses
 * themselves arrive through the node. */
void node_cli_process(struct node_cli *c, uint64_t now_ms);
int64_t node_cli_next_timeout_ms(const struct node_cli *c, uint64_t now_ms);

/* The FILE * of a running command is going away (a daemon's client
 * disconnected): nothing more is printed to it and the CLI is no longer
 * pending; its UDP socket is closed and its TCP endpoint freed (reset). The node's ping itself runs
 * to its end (no stop in the node API yet); a new ping gets Busy until then. */
void node_cli_detach(struct node_cli *c);

/* The command table (sorted by name, ended by a NULL name); handlers take a
 * struct node_cli * as ctx. Exposed so a daemon can list or extend it. */
extern const struct cli_cmd node_cli_commands[];

/* ---- pure formatting and parsing (OpenThread's rules) --------------------- */

/* `mode` text: "r", "d", "n" in that order for TNODE_MODE_RX_ON, _FTD,
 * _FULL_NETDATA, or "-" for none. Returns buf. */
const char *node_cli_mode_str(uint8_t mode, char buf[4]);
/* `mode <flags>`: letters r, d, n in any order (or "-" for none); anything
 * else OT_ERR_INVALID_ARGS. */
enum ot_err node_cli_parse_mode(const char *s, uint8_t *mode);

/* OpenThread's ping interval/timeout text: seconds with an optional fraction
 * of up to 3 digits ("1", "0.5", "2.25"), into milliseconds; digits beyond
 * the millisecond are ignored as OpenThread does. Any other character or a
 * second '.': OT_ERR_INVALID_ARGS. NULL: OT_ERR_INVALID_ARGS. */
enum ot_err node_cli_parse_interval(const char *s, uint32_t *ms);

/* "16 bytes from <addr>: icmp_seq=1 hlim=64 time=3ms\n" */
void node_cli_print_ping_reply(FILE *out, const struct tnode_ping_event *ev);
/* "N packets transmitted, M packets received.[ Packet loss = x.y%.][
 * Round-trip min/avg/max = a/b.ccc/d ms.]\n" (no loss for multicast). */
void node_cli_print_ping_stats(FILE *out, const struct tnode_ping_event *ev, bool multicast);

/* "6 bytes from <addr> 12346 world\n": a received datagram as `udp`
 * prints it (the payload up to its first NUL byte). */
void node_cli_print_udp_rx(FILE *out, const struct tnode_udp_rx *rx);

/* `child table`: header, separator and one row per child. netdata_version
 * fills the C_VN column (the node does not report it per child). */
void node_cli_print_child_table(FILE *out, const struct tnode_child_info *ch, size_t n,
                                uint8_t netdata_version);
/* `neighbor table` (node_cli_router.c): header, one row per neighbour and
 * the empty line OpenThread ends it with. */
void node_cli_router_print_neighbors(FILE *out, const struct tnode_neighbor_info *nb, size_t n);
/* One `eidcache` line. */
void node_cli_router_print_eidcache(FILE *out, const struct tnode_eidcache_entry *e);
/* `parent` (without the CSL lines). */
void node_cli_print_parent(FILE *out, const struct tnode_parent_info *p);
/* `leaderdata`. */
void node_cli_print_leader_data(FILE *out, const struct tnode_leader_data *ld);

#endif
