/*
 * trail/types.h - the value types of the schema language (SPEC §2): their
 * names and the ranges every engine stores alike.
 */
#ifndef TRAIL_TYPES_H
#define TRAIL_TYPES_H

#include "trail/api.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The value types of the schema language (SPEC §2). */
typedef enum trail_type {
    TRAIL_TYPE_BOOL = 1,  /**< bool */
    TRAIL_TYPE_INT32,     /**< int32_t */
    TRAIL_TYPE_INT64,     /**< int64_t */
    TRAIL_TYPE_DOUBLE,    /**< double */
    TRAIL_TYPE_TEXT,      /**< char *, UTF-8 */
    TRAIL_TYPE_BLOB,      /**< trail_blob */
    TRAIL_TYPE_DATE,      /**< int32_t days since 1970-01-01 */
    TRAIL_TYPE_TIMESTAMP, /**< int64_t milliseconds since the epoch, UTC */
    TRAIL_TYPE_JSON,      /**< char *, one JSON value */
    TRAIL_TYPE_ENUM,      /**< a C enum (int), stored as its text */
    TRAIL_TYPE_REF        /**< the key type of the referenced entity */
} trail_type;

/*
 * The values a date or timestamp field takes: the years 0001 to 9999, which
 * every engine stores and writes the same way (docs/values.md). A value
 * outside them is refused with TRAIL_EINVALID naming the field.
 */
/** The first date: 0001-01-01, in days since 1970-01-01. */
#define TRAIL_DATE_MIN      INT32_C(-719162)
/** The last date: 9999-12-31, in days since 1970-01-01. */
#define TRAIL_DATE_MAX      INT32_C(2932896)
/** The first timestamp: 0001-01-01T00:00:00.000Z, in milliseconds since the epoch. */
#define TRAIL_TIMESTAMP_MIN INT64_C(-62135596800000)
/** The last timestamp: 9999-12-31T23:59:59.999Z, in milliseconds since the epoch. */
#define TRAIL_TIMESTAMP_MAX INT64_C(253402300799999)

/** trail_type_name - the schema language's name of @t ("int64"); NULL for no type. */
TRAIL_API const char *trail_type_name(trail_type t);

/**
 * trail_type_from_name - the type the schema language calls @name ("int64")
 * into *@out. Returns false, leaving *@out alone, for no type (or NULL).
 */
TRAIL_API bool trail_type_from_name(trail_type *out, const char *name);

/** How an entity's key is made. */
typedef enum trail_key_kind {
    TRAIL_KEY_ULID = 1, /**< 26 characters made by the runtime; char * in C */
    TRAIL_KEY_INT64     /**< assigned by the database, never reused; int64_t in C */
} trail_key_kind;

/** What replication does with concurrent edits of one record (SPEC §6). */
typedef enum trail_conflict_mode {
    TRAIL_CONFLICT_LWW = 1, /**< merge per field, last writer (by HLC, node) wins */
    TRAIL_CONFLICT_MANUAL   /**< hold the edit in trail_conflicts for a person */
} trail_conflict_mode;

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_TYPES_H */
