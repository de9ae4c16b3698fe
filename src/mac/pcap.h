/*
 * Capture of 802.15.4 frames to a pcap file (the classic libpcap format,
 * https://wiki.wireshark.org/Development/LibpcapFileFormat), link type
 * LINKTYPE_IEEE802_15_4_WITHFCS (195): each record is one PSDU including its
 * 2-byte FCS, exactly as on air. Wireshark decodes it directly.
 *
 * The file is written little-endian with the microsecond magic:
 *   global header (24 bytes): d4 c3 b2 a1 | 02 00 | 04 00 | thiszone 0 (4) |
 *                             sigfigs 0 (4) | snaplen 65535 (4) | network 195 (4)
 *   record header (16 bytes): ts_sec (4) | ts_usec (4) | incl_len (4) | orig_len (4)
 *   then incl_len bytes of frame.
 *
 * Bounded: no record is written that would take the file past max_bytes;
 * such records are counted in dropped_full (capture stops growing, the
 * file stays valid). Every record is written with one write(2) so the file
 * is complete at any moment.
 *
 * No global state; the caller owns struct mac_pcap. Not thread-safe.
 */
#ifndef TBR_MAC_PCAP_H
#define TBR_MAC_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAC_PCAP_LINKTYPE_IEEE802_15_4_WITHFCS 195
#define MAC_PCAP_MAGIC_US 0xa1b2c3d4u
#define MAC_PCAP_SNAPLEN 65535u
#define MAC_PCAP_GLOBAL_HDR_LEN 24
#define MAC_PCAP_RECORD_HDR_LEN 16
/* Largest record accepted (a PSDU is at most 127 bytes). */
#define MAC_PCAP_FRAME_MAX 127

struct mac_pcap {
    int fd;                /* -1 when closed */
    uint64_t max_bytes;    /* file size limit, >= the global header */
    uint64_t bytes;        /* bytes written so far */
    int64_t ts_offset_us;  /* added to the caller's timestamps (see mac_pcap_open) */
    uint64_t records;      /* records written */
    uint64_t dropped_full; /* records not written: max_bytes reached */
    uint64_t dropped_bad;  /* records not written: empty or longer than 127 bytes */
    uint64_t write_errors; /* records not written: write(2) failed (then closed) */
    char err[256];         /* last error, one line with the errno text */
};

/*
 * Creates (truncates) path and writes the global header.
 *
 * Timestamps: callers pass the same monotonic milliseconds they give the MAC
 * layer (now_ms, CLOCK_MONOTONIC). mac_pcap_open sets ts_offset_us to
 * CLOCK_REALTIME - CLOCK_MONOTONIC so records carry wall-clock time; set
 * ts_offset_us yourself afterwards to change that (tests use 0).
 *
 * @param max_bytes file size limit (0 = 64 MiB); must be >= 24.
 * @retval 0 open. @retval -1 error, p->err says e.g.
 *         "pcap: cannot create '/x/y.pcap': No such file or directory".
 */
int mac_pcap_open(struct mac_pcap *p, const char *path, uint64_t max_bytes);

/*
 * Appends one frame (psdu incl. FCS, 1..127 bytes) stamped ts_us + ts_offset_us.
 * @retval 0 written. @retval 1 not written, counted (file full, bad length).
 * @retval -1 write error: p->err set, counted, the file is closed (later
 *         calls return -1 without writing).
 */
int mac_pcap_write(struct mac_pcap *p, uint64_t ts_us, const uint8_t *psdu, size_t len);

/* Closes the file. @retval 0, or -1 when close(2) reported an error (p->err). */
int mac_pcap_close(struct mac_pcap *p);

/* True while the file is open and writable. */
bool mac_pcap_is_open(const struct mac_pcap *p);

#endif
