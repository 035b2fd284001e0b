/*
 * trail/error.h - return codes shared by every libtrail function.
 *
 * Every function that can fail returns an int: TRAIL_OK (0) on success or one
 * of the negative codes below. A connection also keeps a message saying what
 * happened, read with trail_errmsg(); functions without a connection (clock,
 * ids) return the code alone.
 */
#ifndef TRAIL_ERROR_H
#define TRAIL_ERROR_H

#include "trail/api.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Return codes. Negative on failure, so `if (rc < 0)` catches them all. */
typedef enum trail_code {
    TRAIL_OK = 0,          /**< success */
    TRAIL_ENOTFOUND = -1,  /**< no record with that key */
    TRAIL_ECONFLICT = -2,  /**< the record's version moved on since it was read */
    TRAIL_EUNIQUE = -3,    /**< a unique field already holds that value */
    TRAIL_EINVALID = -4,   /**< a value breaks the schema (length, range, enum, NULL, UTF-8) */
    TRAIL_EREF = -5,       /**< a reference points nowhere, or a referenced row is still used */
    TRAIL_EBUSY = -6,      /**< lock timeout, deadlock or serialization failure after retries */
    TRAIL_ECLOCK = -7,     /**< a remote clock is too far ahead of ours */
    TRAIL_EDB = -8,        /**< any other database failure */
    TRAIL_ENOMEM = -9,     /**< out of memory */
    TRAIL_EARG = -10,      /**< a bad argument from the caller (NULL, wrong size, bad URL) */
    TRAIL_EOVERFLOW = -11, /**< a generator ran out of room (ULIDs in one millisecond) */
    TRAIL_ESYS = -12,      /**< a system call failed (the message names it and errno) */
    /**
     * this node's id is used by another database too: one is a copy of the
     * other (two writers as one node). Run `trail node reset DB` on the copy
     * (docs/replication.md, "Node identity").
     */
    TRAIL_ETWIN = -13
} trail_code;

/**
 * trail_strerror - a short English description of a return code.
 *
 * Returns a static string; never NULL, also for codes it does not know.
 */
TRAIL_API const char *trail_strerror(int code);

/**
 * trail_code_name - the symbolic name of a code ("TRAIL_ECONFLICT").
 *
 * Returns a static string; "TRAIL_E?" for codes it does not know.
 */
TRAIL_API const char *trail_code_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_ERROR_H */
