/*
 * pcap capture of 802.15.4 frames (LINKTYPE_IEEE802_15_4_WITHFCS). See pcap.h.
 */
#include "mac/pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_MAX_BYTES (64ull * 1024 * 1024)

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Writes all of buf; -1 with errno on failure (EINTR retried). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int64_t clock_us(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int mac_pcap_open(struct mac_pcap *p, const char *path, uint64_t max_bytes)
{
    memset(p, 0, sizeof(*p));
    p->fd = -1;
    p->max_bytes = max_bytes ? max_bytes : DEFAULT_MAX_BYTES;
    if (p->max_bytes < MAC_PCAP_GLOBAL_HDR_LEN) {
        snprintf(p->err, sizeof(p->err), "pcap: size limit %llu is below the %d-byte header",
                 (unsigned long long)p->max_bytes, MAC_PCAP_GLOBAL_HDR_LEN);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(p->err, sizeof(p->err), "pcap: cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    uint8_t h[MAC_PCAP_GLOBAL_HDR_LEN];
    put_le32(h, MAC_PCAP_MAGIC_US);
    put_le16(h + 4, 2); /* version 2.4 */
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);  /* thiszone: UTC */
    put_le32(h + 12, 0); /* sigfigs */
    put_le32(h + 16, MAC_PCAP_SNAPLEN);
    put_le32(h + 20, MAC_PCAP_LINKTYPE_IEEE802_15_4_WITHFCS);
    if (write_all(fd, h, sizeof(h)) < 0) {
        snprintf(p->err, sizeof(p->err), "pcap: cannot write '%s': %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    p->fd = fd;
    p->bytes = sizeof(h);
    p->ts_offset_us = clock_us(CLOCK_REALTIME) - clock_us(CLOCK_MONOTONIC);
    return 0;
}

int mac_pcap_write(struct mac_pcap *p, uint64_t ts_us, const uint8_t *psdu, size_t len)
{
    if (p->fd < 0)
        return -1;
    if (len == 0 || len > MAC_PCAP_FRAME_MAX) {
        p->dropped_bad++;
        return 1;
    }
    size_t rec_len = MAC_PCAP_RECORD_HDR_LEN + len;
    if (p->bytes + rec_len > p->max_bytes) {
        p->dropped_full++;
        return 1;
    }
    int64_t ts = (int64_t)ts_us + p->ts_offset_us;
    if (ts < 0)
        ts = 0;
    uint8_t rec[MAC_PCAP_RECORD_HDR_LEN + MAC_PCAP_FRAME_MAX];
    put_le32(rec, (uint32_t)(ts / 1000000));
    put_le32(rec + 4, (uint32_t)(ts % 1000000));
    put_le32(rec + 8, (uint32_t)len);
    put_le32(rec + 12, (uint32_t)len);
    memcpy(rec + MAC_PCAP_RECORD_HDR_LEN, psdu, len);
    if (write_all(p->fd, rec, rec_len) < 0) {
        snprintf(p->err, sizeof(p->err), "pcap: write failed after %llu records: %s",
                 (unsigned long long)p->records, strerror(errno));
        p->write_errors++;
        close(p->fd);
        p->fd = -1;
        return -1;
    }
    p->bytes += rec_len;
    p->records++;
    return 0;
}

int mac_pcap_close(struct mac_pcap *p)
{
    if (p->fd < 0)
        return 0;
    int rc = close(p->fd);
    p->fd = -1;
    if (rc < 0) {
        snprintf(p->err, sizeof(p->err), "pcap: close: %s", strerror(errno));
        return -1;
    }
    return 0;
}

bool mac_pcap_is_open(const struct mac_pcap *p)
{
    return p->fd >= 0;
}
