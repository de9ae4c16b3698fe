/* OpenThread's error names (see ot_err.h). */
#include "util/ot_err.h"

#include <stddef.h>

/* Indexed by otError value (otThreadErrorToString); ends at 37 Rejected. */
static const char *const err_names[] = {
    "OK",
    "Failed",
    "Drop",
    "NoBufs",
    "NoRoute",
    "Busy",
    "Parse",
    "InvalidArgs",
    "Security",
    "AddressQuery",
    "NoAddress",
    "Abort",
    "NotImplemented",
    "InvalidState",
    "NoAck",
    "ChannelAccessFailure",
    "Detached",
    "FcsErr",
    "NoFrameReceived",
    "UnknownNeighbor",
    "InvalidSourceAddress",
    "AddressFiltered",
    "DestinationAddressFiltered",
    "NotFound",
    "Already",
    "ReservedError25",
    "Ipv6AddressCreationFailure",
    "NotCapable",
    "ResponseTimeout",
    "Duplicated",
    "ReassemblyTimeout",
    "NotTmf",
    "NonLowpanDataFrame",
    "ReservedError33",
    "LinkMarginLow",
    "InvalidCommand",
    "Pending",
    "Rejected",
};

const char *ot_err_name(int err)
{
    if (err < 0 || (size_t)err >= sizeof(err_names) / sizeof(err_names[0]))
        return "UnknownErrorType";
    return err_names[err];
}
