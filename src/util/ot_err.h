/*
 * OpenThread's error numbers (otError, include/openthread/error.h): the
 * one error type of every call whose result a CLI prints as "Done" or
 * "Error N: Name" (the device and border-router commands, the node's
 * API, the prefix manager). 25 and 33 are reserved there and have no
 * enumerator here.
 */
#ifndef TBR_UTIL_OT_ERR_H
#define TBR_UTIL_OT_ERR_H

enum ot_err {
    OT_ERR_NONE = 0,
    OT_ERR_FAILED = 1,
    OT_ERR_DROP = 2,
    OT_ERR_NO_BUFS = 3,
    OT_ERR_NO_ROUTE = 4,
    OT_ERR_BUSY = 5,
    OT_ERR_PARSE = 6,
    OT_ERR_INVALID_ARGS = 7,
    OT_ERR_SECURITY = 8,
    OT_ERR_ADDRESS_QUERY = 9,
    OT_ERR_NO_ADDRESS = 10,
    OT_ERR_ABORT = 11,
    OT_ERR_NOT_IMPLEMENTED = 12,
    OT_ERR_INVALID_STATE = 13,
    OT_ERR_NO_ACK = 14,
    OT_ERR_CHANNEL_ACCESS_FAILURE = 15,
    OT_ERR_DETACHED = 16,
    OT_ERR_FCS = 17,
    OT_ERR_NO_FRAME_RECEIVED = 18,
    OT_ERR_UNKNOWN_NEIGHBOR = 19,
    OT_ERR_INVALID_SOURCE_ADDRESS = 20,
    OT_ERR_ADDRESS_FILTERED = 21,
    OT_ERR_DESTINATION_ADDRESS_FILTERED = 22,
    OT_ERR_NOT_FOUND = 23,
    OT_ERR_ALREADY = 24,
    OT_ERR_IP6_ADDRESS_CREATION_FAILURE = 26,
    OT_ERR_NOT_CAPABLE = 27,
    OT_ERR_RESPONSE_TIMEOUT = 28,
    OT_ERR_DUPLICATED = 29,
    OT_ERR_REASSEMBLY_TIMEOUT = 30,
    OT_ERR_NOT_TMF = 31,
    OT_ERR_NOT_LOWPAN_DATA_FRAME = 32,
    OT_ERR_LINK_MARGIN_LOW = 34,
    OT_ERR_INVALID_COMMAND = 35,
    OT_ERR_PENDING = 36,
    OT_ERR_REJECTED = 37,
    OT_ERR_GENERIC = 255,
};

/* The name otThreadErrorToString() gives: "OK" for 0, "FcsErr" for 17,
 * "ReservedError25"/"ReservedError33", "UnknownErrorType" for anything above
 * 37 (including 255 Generic). Never NULL. */
const char *ot_err_name(int err);

#endif
