/*
 * DNS message codec (RFC 1035 §4).
 *
 * Pure functions over caller buffers: no allocation, no global state, no I/O.
 * Untrusted bytes are read only through util/rd.h. Every failure is a named
 * enum dns_err (dns_err_str() gives a stable name).
 *
 * Reading:
 *   - struct dns_parser walks a message section by section. Names are
 *     decompressed (RFC 1035 §4.1.4) into struct dns_name, which holds the
 *     uncompressed wire form. Decompression is bounded: at most
 *     DNS_NAME_MAX (255) bytes per name (RFC 1035 §2.3.4), at most
 *     DNS_PTR_HOPS_MAX (128) pointers per name, and the name a pointer
 *     refers to must lie wholly before the pointer itself (so loops cannot
 *     happen and any prefix of a message is self-contained) and not in the
 *     header (whose ID a forwarder rewrites).
 *   - Counts that promise more records than the message holds give
 *     DNS_ERR_TRUNCATED.
 *   - Known RDATA (A, AAAA, NS, CNAME, PTR, SOA, SRV, TXT, KEY, SIG, OPT) is
 *     decoded and checked against RDLENGTH; other types are kept raw.
 *     dns_msg_parse() walks a whole message once and keeps the OPT record.
 *
 * Writing:
 *   - struct dns_builder writes a message section by section into a caller
 *     buffer and compresses owner names and the names inside NS, CNAME, PTR
 *     and SOA RDATA (RFC 1035 §4.1.4; RFC 3597 §4: never inside other types).
 *   - An RR of the answer or authority section that does not fit makes the
 *     builder roll back to the last whole RR, set TC (RFC 1035 §4.1.1,
 *     RFC 2181 §9) and refuse further records. An additional-section RR that
 *     does not fit is left out without TC (RFC 2181 §9). Room for the OPT
 *     record can be reserved up front so it survives truncation
 *     (RFC 6891 §7).
 */
#ifndef TBR_DNS_DNS_MSG_H
#define TBR_DNS_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rd.h"

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255       /* wire octets incl. the root label, RFC 1035 §2.3.4 */
#define DNS_LABEL_MAX 63       /* RFC 1035 §2.3.4 */
#define DNS_NAME_TEXT_MAX 1024 /* worst case of dns_name_to_text (every octet as \DDD) */
#define DNS_PTR_HOPS_MAX 128
#define DNS_UDP_MAX 512   /* RFC 1035 §4.2.1 without EDNS0 */
#define DNS_EDNS_UDP 1232 /* EDNS0 payload size that fits a 1280-byte IPv6 MTU */
#define DNS_OPT_LEN 11    /* an OPT RR with no options (RFC 6891 §6.1.2) */
#define DNS_COMP_MAX 64   /* names remembered by the builder for compression */

/* RR types (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 2535, RFC 6891). */
enum dns_type {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_PTR = 12,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_SIG = 24,
    DNS_TYPE_KEY = 25,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_SRV = 33,
    DNS_TYPE_OPT = 41,
    DNS_TYPE_ANY = 255,
};

enum dns_class {
    DNS_CLASS_IN = 1,
    DNS_CLASS_NONE = 254,
    DNS_CLASS_ANY = 255,
};

/* RCODE (RFC 1035 §4.1.1, RFC 2136 §2.2). */
enum dns_rcode {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
};

enum dns_opcode {
    DNS_OPCODE_QUERY = 0,
    DNS_OPCODE_UPDATE = 5, /* RFC 2136; SRP updates */
};

/* Header flag bits (RFC 1035 §4.1.1; AD/CD RFC 4035 §3.2). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_OPCODE_MASK 0x7800
#define DNS_FLAG_OPCODE_SHIFT 11
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010
#define DNS_FLAG_RCODE_MASK 0x000f

/* X(ID, "name", "explanation") */
#define DNS_ERRORS(X)                                                                              \
    X(OK, "ok", "no error")                                                                        \
    X(INVALID_ARG, "invalid-arg", "NULL pointer or parameter out of range")                        \
    X(TRUNCATED, "truncated", "message ends inside a field, or counts promise more records")       \
    X(BAD_LABEL, "bad-label", "label type 0x40/0x80 (RFC 6891 §5) or empty label in text")         \
    X(LABEL_TOO_LONG, "label-too-long", "label longer than 63 octets")                             \
    X(NAME_TOO_LONG, "name-too-long", "name longer than 255 octets")                               \
    X(PTR_FORWARD, "pointer-forward", "pointed-to name not wholly before the pointer")             \
    X(PTR_HEADER, "pointer-into-header", "compression pointer into the 12-byte header")            \
    X(PTR_LOOP, "pointer-loop", "more than 128 compression pointers in one name")                  \
    X(BAD_RDATA, "bad-rdata", "RDATA disagrees with RDLENGTH or its type's layout")                \
    X(BAD_OPT, "bad-opt", "OPT record outside the additional section, not at the root, or twice")  \
    X(NO_SPACE, "no-space", "output does not fit the buffer")                                      \
    X(END, "end", "no more records in the message")

enum dns_err {
#define DNS_X_ENUM(id, name, expl) DNS_ERR_##id,
    DNS_ERRORS(DNS_X_ENUM)
#undef DNS_X_ENUM
        DNS_ERR__COUNT
};
#define DNS_OK DNS_ERR_OK

/* Static short name of an error, e.g. "pointer-loop" (never NULL). */
const char *dns_err_str(enum dns_err e);

/* ---- Names -------------------------------------------------------------- */

/* A domain name in uncompressed wire form: length-prefixed labels ending with
 * the root label (a zero octet). len counts every octet, 1..DNS_NAME_MAX. */
struct dns_name {
    uint8_t len;
    uint8_t b[DNS_NAME_MAX];
};

/* Text ("ipv4only.arpa" or "ipv4only.arpa.", "." for the root) to wire form.
 * No escapes are interpreted. Returns DNS_OK, DNS_ERR_BAD_LABEL (empty label),
 * DNS_ERR_LABEL_TOO_LONG or DNS_ERR_NAME_TOO_LONG. */
enum dns_err dns_name_from_text(const char *text, struct dns_name *out);

/* Wire form to text with a trailing dot ("ipv4only.arpa."); '.' and '\' in a
 * label become "\." and "\\", other bytes outside 0x21..0x7e become "\DDD"
 * (RFC 4343 §2.1). Returns DNS_ERR_NO_SPACE when cap is too small (buf then
 * holds ""), DNS_ERR_INVALID_ARG for a malformed name. */
enum dns_err dns_name_to_text(const struct dns_name *n, char *buf, size_t cap);

/* True when n is a well-formed uncompressed name of exactly n->len octets:
 * labels of at most DNS_LABEL_MAX octets, no compression pointers or other
 * label types, ending with the root label at n->len - 1 (so len >= 1). For
 * names that come from outside the codec (e.g. a stored record). */
bool dns_name_valid(const struct dns_name *n);

/* Case-insensitive equality of two names (RFC 4343 §3: ASCII only). */
bool dns_name_equal(const struct dns_name *a, const struct dns_name *b);

/* True when n equals parent or lies under it (case-insensitive). */
bool dns_name_in(const struct dns_name *n, const struct dns_name *parent);

/* Number of labels, not counting the root. */
unsigned dns_name_labels(const struct dns_name *n);

/* Prepends one label to n (e.g. "_sub" + rest). DNS_ERR_LABEL_TOO_LONG,
 * DNS_ERR_BAD_LABEL (empty) or DNS_ERR_NAME_TOO_LONG. */
enum dns_err dns_name_prepend(struct dns_name *n, const void *label, size_t len);

/* Reads a possibly compressed name at r, which must lie inside msg[0..len)
 * (msg is a whole message, starting with its header). Leaves r just after
 * the name's in-line part. */
enum dns_err dns_name_read(const uint8_t *msg, size_t len, struct rd *r, struct dns_name *out);

/* ---- Header, question, RRs ----------------------------------------------- */

struct dns_hdr {
    uint16_t id;
    uint16_t flags; /* DNS_FLAG_* | opcode | rcode */
    uint16_t qdcount, ancount, nscount, arcount;
};

static inline unsigned dns_hdr_opcode(const struct dns_hdr *h)
{
    return (h->flags & DNS_FLAG_OPCODE_MASK) >> DNS_FLAG_OPCODE_SHIFT;
}

static inline unsigned dns_hdr_rcode(const struct dns_hdr *h)
{
    return h->flags & DNS_FLAG_RCODE_MASK;
}

/* Reads the 12-byte header. DNS_ERR_TRUNCATED if shorter. */
enum dns_err dns_hdr_read(const uint8_t *msg, size_t len, struct dns_hdr *out);

struct dns_question {
    struct dns_name name;
    uint16_t type, cls;
};

enum dns_section {
    DNS_SECTION_QUESTION = 0,
    DNS_SECTION_ANSWER = 1,
    DNS_SECTION_AUTHORITY = 2,
    DNS_SECTION_ADDITIONAL = 3,
};

/* EDNS0 (RFC 6891 §6.1.3): the OPT record's fields. */
struct dns_opt {
    uint16_t udp_size; /* requestor's UDP payload size (CLASS) */
    uint8_t ext_rcode; /* upper 8 bits of the 12-bit RCODE */
    uint8_t version;
    uint16_t flags;      /* bit 0x8000 = DO (RFC 3225) */
    const uint8_t *opts; /* option TLVs, points into the message */
    uint16_t opts_len;
};
#define DNS_OPT_FLAG_DO 0x8000

struct dns_soa {
    struct dns_name mname, rname;
    uint32_t serial, refresh, retry, expire, minimum;
};

struct dns_srv {
    uint16_t priority, weight, port;
    struct dns_name target; /* never compressed on write (RFC 2782) */
};

/* KEY RDATA (RFC 2535 §3.1; the SRP host key, RFC 9665 §5.1). */
struct dns_key {
    uint16_t flags;
    uint8_t protocol, algorithm;
    const uint8_t *pubkey;
    uint16_t pubkey_len;
};

/* SIG RDATA (RFC 2535 §4.1; SIG(0) RFC 2931 §3). The signer's name is read
 * uncompressed or compressed; signed_len is the length of the RDATA before
 * the signature, as the SIG(0) digest needs it. */
struct dns_sig {
    uint16_t type_covered;
    uint8_t algorithm, labels;
    uint32_t orig_ttl, expiration, inception;
    uint16_t key_tag;
    struct dns_name signer;
    const uint8_t *signature;
    uint16_t signature_len;
};

struct dns_rr {
    enum dns_section section;
    struct dns_name name;
    uint16_t type, cls;
    uint32_t ttl;
    uint16_t rdlen;
    const uint8_t *rdata; /* points into the message */
    size_t offset;        /* of the RR's first octet in the message */
    size_t end;           /* offset just past the RR */
    union {
        uint8_t a[4];
        uint8_t aaaa[16];
        struct dns_name target; /* NS, CNAME, PTR */
        struct dns_soa soa;
        struct dns_srv srv;
        struct dns_key key;
        struct dns_sig sig;
        struct dns_opt opt;
    } u; /* decoded for the types above; TXT is checked but kept in rdata */
};

/* Sequential reader over one message. */
struct dns_parser {
    const uint8_t *msg;
    size_t len;
    struct rd r;
    struct dns_hdr hdr;
    enum dns_section section; /* of the next record */
    uint16_t left;            /* records left in that section */
    bool seen_opt;
};

/* Reads the header and prepares to read the question section. */
enum dns_err dns_parse_begin(struct dns_parser *p, const uint8_t *msg, size_t len);

/* Next question. DNS_ERR_END when the question section is done. */
enum dns_err dns_parse_question(struct dns_parser *p, struct dns_question *q);

/* Next RR of the answer, authority or additional section (skipping any
 * questions not read yet). DNS_ERR_END after the last one. An OPT record
 * anywhere but the additional section, with a non-root owner, or a second
 * one gives DNS_ERR_BAD_OPT (RFC 6891 §6.1.1). */
enum dns_err dns_parse_rr(struct dns_parser *p, struct dns_rr *rr);

/* Offset of the next unread byte (after the last record read). */
static inline size_t dns_parse_offset(const struct dns_parser *p)
{
    return p->len - p->r.left;
}

/* Summary of a whole message. */
struct dns_msg_info {
    struct dns_hdr hdr;
    bool has_question;
    struct dns_question q; /* the first question */
    bool has_opt;
    struct dns_opt opt; /* the OPT record, if any (opts point into msg) */
    size_t opt_offset;  /* of the OPT RR in msg */
    size_t len;         /* bytes used by the header and all records */
};

/* Walks a whole message: every question and RR must parse. Bytes after the
 * last record are ignored (info->len says where the message ended). */
enum dns_err dns_msg_parse(const uint8_t *msg, size_t len, struct dns_msg_info *info);

/* Copies msg into out cut at the last whole record that fits out_cap, fixes
 * the counts and sets TC when anything was dropped (RFC 2181 §9; compression
 * pointers stay valid because a prefix is kept). The message must parse.
 * If even the header and question do not fit, DNS_ERR_NO_SPACE. */
enum dns_err dns_msg_truncate(const uint8_t *msg, size_t len, uint8_t *out, size_t out_cap,
                              size_t *out_len);

/* ---- Builder ------------------------------------------------------------ */

struct dns_builder {
    uint8_t *buf;
    size_t cap;
    size_t len;
    size_t reserve;     /* octets kept free for a final OPT record */
    struct dns_hdr hdr; /* counts grow as records are added */
    enum dns_section section;
    bool truncated;              /* TC set; answer/authority records refused */
    bool failed;                 /* header or question did not fit */
    uint16_t comp[DNS_COMP_MAX]; /* offsets of written labels usable as targets */
    unsigned ncomp;
};

/* Starts a message with the given ID and flags (opcode/rcode included). The
 * header is written by dns_build_finish(). cap >= DNS_HDR_LEN, else every
 * later call fails with DNS_ERR_NO_SPACE. */
void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags);

/* Keeps n octets free at the end, for dns_build_opt(). */
void dns_build_reserve(struct dns_builder *b, size_t n);

/* Adds a question (only before any RR). DNS_ERR_NO_SPACE if it does not fit
 * (the message is then unusable). */
enum dns_err dns_build_question(struct dns_builder *b, const struct dns_name *name, uint16_t type,
                                uint16_t cls);

/* Adds an RR with raw RDATA. Sections must come in order. Returns DNS_OK,
 * DNS_ERR_NO_SPACE (record left out: TC set for answer/authority, see top),
 * or DNS_ERR_INVALID_ARG (section out of order). */
enum dns_err dns_build_rr(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                          uint16_t type, uint16_t cls, uint32_t ttl, const void *rdata,
                          uint16_t rdlen);

/* Typed RRs (class IN) with the same rules. */
enum dns_err dns_build_a(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                         uint32_t ttl, const uint8_t a[4]);
enum dns_err dns_build_aaaa(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                            uint32_t ttl, const uint8_t aaaa[16]);
/* type = NS, CNAME or PTR; the target is compressed. */
enum dns_err dns_build_name_rr(struct dns_builder *b, enum dns_section s,
                               const struct dns_name *owner, uint16_t type, uint32_t ttl,
                               const struct dns_name *target);
/* The same with any class, e.g. a PTR of class NONE ("delete an RR from an
 * RRset", RFC 2136 §2.5.4). */
enum dns_err dns_build_name_rr_class(struct dns_builder *b, enum dns_section s,
                                     const struct dns_name *owner, uint16_t type, uint16_t cls,
                                     uint32_t ttl, const struct dns_name *target);
enum dns_err dns_build_soa(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_soa *soa);
enum dns_err dns_build_srv(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_srv *srv);
/* txt: one or more <length><octets> character-strings (RFC 1035 §3.3.14);
 * an empty TXT is written as one empty string (RFC 6763 §6.1). */
enum dns_err dns_build_txt(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const uint8_t *txt, uint16_t txt_len);
enum dns_err dns_build_key(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint32_t ttl, const struct dns_key *key);
/* SIG RR (RFC 2535 §4.1) with class cls: the fixed fields, the signer's
 * name uncompressed (RFC 3597 §4; the canonical form SIG(0) signs, RFC 2931
 * §3.1), then sig->signature_len octets of sig->signature (NULL: zeros, to
 * be overwritten once the signature is known). *rdata_off (may be NULL)
 * gets the offset of the RDATA in the message; the signature is its last
 * signature_len octets. */
enum dns_err dns_build_sig(struct dns_builder *b, enum dns_section s, const struct dns_name *owner,
                           uint16_t cls, uint32_t ttl, const struct dns_sig *sig,
                           size_t *rdata_off);
/* OPT at the root in the additional section (RFC 6891 §6.1.2); uses the
 * reserved room. */
enum dns_err dns_build_opt(struct dns_builder *b, const struct dns_opt *opt);

/* Writes the header (counts, TC) and gives the length. DNS_ERR_NO_SPACE if
 * the header or question never fit. */
enum dns_err dns_build_finish(struct dns_builder *b, size_t *len);

/* ---- DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8) ------------------ */

/* Writes the 2-byte length and msg into out. DNS_ERR_NO_SPACE / INVALID_ARG
 * (len > 65535). */
enum dns_err dns_tcp_frame(const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                           size_t *out_len);

/* Looks for one whole framed message at the start of a stream buffer.
 * DNS_OK: *msg and *msg_len give the message, *consumed the octets to drop.
 * DNS_ERR_TRUNCATED: read more. */
enum dns_err dns_tcp_unframe(const uint8_t *stream, size_t have, const uint8_t **msg,
                             size_t *msg_len, size_t *consumed);

#endif
