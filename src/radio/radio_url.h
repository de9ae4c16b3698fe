/*
 * The radio URL: tbr-agent's last argument, in otbr-agent's syntax
 * (OpenThread src/posix/platform/radio_url.cpp, src/lib/url/url.cpp and the
 * parameters hdlc_interface.cpp reads):
 *
 *   sim://NODEID                        OpenThread's simulation radio, 1..33
 *   spinel+hdlc+uart://PATH[?PARAMS]    an RCP on a serial device
 *       uart-baudrate=N      one of the rates OpenThread accepts (below);
 *                            default 460800, OpenThread's default since
 *                            openthread#11432 (it was 115200 before)
 *       uart-parity=even|odd default none
 *       uart-stop=1|2        stop bits, default 1
 *       uart-flow-control    RTS/CTS (CRTSCTS)
 *       uart-init-deassert   deassert DTR and RTS at open (no flow control)
 *       uart-reset           USB CDC ACM dongles re-enumerate when the RCP
 *                            resets: reopen the device after each reset
 *                            command (platform/spinel_link.h)
 *   spinel+hdlc+forkpty://PATH[?PARAMS] start the RCP program PATH on a pty
 *       forkpty-arg=ARG      one argument, repeatable, in order
 *
 *   e.g. spinel+hdlc+uart:///dev/ttyACM0?uart-baudrate=460800&uart-flow-control
 *        spinel+hdlc+forkpty://../shared/ot/ot-rcp?forkpty-arg=1
 *
 * PATH is everything between "://" and the first '?'; parameters are
 * separated by '&'. No percent-decoding (OpenThread does none either).
 * Spaces pass (a path or an argument may have them); control characters do
 * not. Stricter than OpenThread, which ignores what it does not know and takes
 * numbers with trailing junk: here every unknown or misplaced parameter,
 * repeated single parameter, bad number, unsupported rate, missing path,
 * too many arguments and overlong URL is an error with one clear line.
 *
 * Pure: no I/O, no global state.
 */
#ifndef TBR_RADIO_RADIO_URL_H
#define TBR_RADIO_RADIO_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RADIO_URL_MAX 512         /* bytes with the NUL: OpenThread's kRadioUrlMaxSize */
#define RADIO_URL_ARGS_MAX 31     /* forkpty-arg: OpenThread's kMaxArguments (32) less PATH */
#define RADIO_URL_SIM_NODE_MAX 33 /* OPENTHREAD_SIMULATION_MAX_NETWORK_SIZE */
#define RADIO_URL_BAUD_DEFAULT 460800
#define RADIO_URL_ERR_MAX 768 /* room for the URL quoted in an error line */

enum radio_url_kind {
    RADIO_URL_SIM = 1,
    RADIO_URL_UART,
    RADIO_URL_FORKPTY,
};

enum radio_url_parity {
    RADIO_URL_PARITY_NONE = 0,
    RADIO_URL_PARITY_EVEN,
    RADIO_URL_PARITY_ODD,
};

/* A parsed URL. Self-contained (no pointers): it may be copied. */
struct radio_url {
    enum radio_url_kind kind;
    unsigned sim_node; /* sim: 1..RADIO_URL_SIM_NODE_MAX */
    /* uart */
    uint32_t uart_baudrate;
    enum radio_url_parity uart_parity;
    uint8_t uart_stop_bits; /* 1 or 2 */
    bool uart_flow_control;
    bool uart_init_deassert;
    bool uart_reset;
    /* forkpty */
    unsigned nargs;
    uint16_t arg_off[RADIO_URL_ARGS_MAX]; /* into strs */
    /* PATH, then each argument, each NUL-terminated */
    char strs[RADIO_URL_MAX];
};

/*
 * Parses s into *u.
 * @retval 0 parsed. @retval -1 not a radio URL tbr takes; err (may be NULL)
 * gets one line naming the URL and what is wrong, e.g.
 *   radio URL 'spinel+hdlc+uart:///dev/ttyACM0?uart-baudrate=12': uart-baudrate
 *   '12' is not a supported rate (9600 19200 ... 4000000)
 */
int radio_url_parse(struct radio_url *u, const char *s, char *err, size_t errlen);

/* PATH of a uart or forkpty URL ("" for sim). */
const char *radio_url_path(const struct radio_url *u);

/* The i-th forkpty-arg (i < u->nargs), NULL beyond. */
const char *radio_url_arg(const struct radio_url *u, unsigned i);

/* The scheme: "sim", "spinel+hdlc+uart", "spinel+hdlc+forkpty". */
const char *radio_url_scheme(enum radio_url_kind kind);

/* Whether OpenThread's host accepts this uart-baudrate (hdlc_interface.cpp). */
bool radio_url_baud_supported(uint32_t baud);

#endif
