/*
 * trail/record.h - the interface between trailgen's generated code and the
 * runtime.
 *
 * Generated code is mostly data: for every entity a trail_entity describing
 * its fields (names, types, rules, where each lives in the C structs) and,
 * per driver it was generated for, the text of every statement that driver
 * runs. Drivers are named, not numbered, so that a driver added to the
 * runtime changes no descriptor's layout. The typed wrappers that
 * trailgen emits (shop_customer_create() and so on) hand that descriptor and
 * the caller's structs to one of the trail_record_* functions below, which
 * hold all the logic: validation, binding, the locked before-read, the
 * version check, the change event. Nothing here is meant to be written by
 * hand; a program includes its generated header instead.
 *
 * A descriptor is read-only, static and shared by every connection.
 */
#ifndef TRAIL_RECORD_H
#define TRAIL_RECORD_H

#include "trail/api.h"

#include "trail/conn.h"
#include "trail/ctx.h"
#include "trail/types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A byte string. In results the record owns data; in parameters it is borrowed. */
typedef struct trail_blob {
    const void *data; /**< NULL for SQL NULL (nullable blobs); any pointer for an empty blob */
    size_t len;       /**< bytes */
} trail_blob;

/** A record key: text for ULID keys, num for int64 keys. */
typedef struct trail_key {
    const char *text; /**< TRAIL_KEY_ULID */
    int64_t num;      /**< TRAIL_KEY_INT64 */
} trail_key;

/**
 * The first member of every create params struct, as its _CREATE_INIT macro
 * sets it: trail_record_create() refuses a struct without it, which did not
 * start from the defaults and may hold zeros the caller never meant.
 */
#define TRAIL_CREATE_INIT_MARK 0x74726331u

/** trail_field.flags */
enum {
    TRAIL_FIELD_NULLABLE = 1 << 0, /**< `null: true` */
    TRAIL_FIELD_UNIQUE = 1 << 1,   /**< `unique: true` */
    TRAIL_FIELD_MIN = 1 << 2,      /**< `min` given: see trail_field.min */
    TRAIL_FIELD_MAX = 1 << 3,      /**< `max` given: see trail_field.max */
    TRAIL_FIELD_DEFAULT = 1 << 4,  /**< `default` given: see trail_field.def */
    TRAIL_FIELD_REDACT = 1 << 5,   /**< `audit: redact`: "[redacted]" in events */
    TRAIL_FIELD_OMIT = 1 << 6      /**< `audit: omit`: left out of events */
};

/** Where a field lives in each of an entity's three C structs. */
typedef struct trail_field_at {
    size_t record; /**< offsetof in the record struct */
    size_t create; /**< offsetof in the create params */
    size_t update; /**< offsetof in the update params */
} trail_field_at;

/** A field's default, in the member that matches its type. */
typedef struct trail_default {
    int64_t i;     /**< bool, int32, int64, date, timestamp, enum (the value's index) */
    double d;      /**< double */
    const char *s; /**< text, json */
} trail_default;

/** One field of an entity, in schema order. Its bit in `set` masks is 1 << index. */
typedef struct trail_field {
    const char *name; /**< the field's name: its column, its C member and its JSON key */
    trail_type type;
    unsigned flags;         /**< TRAIL_FIELD_* */
    trail_field_at at;      /**< the value */
    trail_field_at null_at; /**< the bool <name>_null companion (nullable scalars only) */
    int64_t min, max;       /**< int32/int64: value bounds; text: max characters; blob: max bytes */
    double min_d, max_d;    /**< double: value bounds */
    trail_default def;      /**< with TRAIL_FIELD_DEFAULT */
    const char *const *values;      /**< enum: the value names, in C enum order */
    size_t n_values;                /**< enum: how many */
    const struct trail_entity *ref; /**< ref: the entity it names */
} trail_field;

/**
 * The SQL of one entity for one driver. Columns always come in the order
 * id, version, then the fields in schema order; placeholders are numbered
 * in the order listed. (Updates are built by the runtime for the fields
 * that change: runtime/audit/update_sql.c.)
 */
typedef struct trail_entity_sql {
    /** The driver these statements are for, by its name ("sqlite", "pg", "mysql"). */
    const char *driver;
    /**
     * INSERT of every column: (id,) version, fields. Int64 keys: id left out
     * and returned. NULL for a driver that writes a record and its event in
     * one statement of its own (PostgreSQL, MariaDB), which runs no INSERT
     * of this text.
     */
    const char *insert;
    /** SELECT of every column by id, locking the row: WHERE id = ?. */
    const char *lock;
    /** DELETE: WHERE id = ? AND version = ?. NULL where insert is. */
    const char *remove;
    /** SELECT of every column by id, without a lock. */
    const char *get;
    /** Per field (NULL unless unique): SELECT of every column WHERE field = ?. */
    const char *const *find_by;
    /** SELECT of every column WHERE id > ? ORDER BY id LIMIT ?. */
    const char *list;
    /** Per field: ALTER TABLE … ADD COLUMN, for migrate to add a field a newer schema has. */
    const char *const *add_column;
} trail_entity_sql;

/** An entity: a table, its key and its fields. */
typedef struct trail_entity {
    const char *name;   /**< the entity's name in the schema */
    const char *table;  /**< its table */
    trail_key_kind key; /**< how its id is made */
    trail_conflict_mode conflict;
    /**
     * `replicate:` (true unless the schema says false): whether the events
     * of its records change the rows of other nodes (docs/replication.md).
     */
    bool replicate;
    int64_t schema_version;            /**< the schema's `version`, stamped on its events */
    const struct trail_schema *schema; /**< the schema it belongs to */
    const trail_field *fields;
    size_t n_fields;
    size_t record_size;       /**< sizeof the record struct */
    size_t id_at;             /**< offsetof(record, id) */
    size_t version_at;        /**< offsetof(record, version) */
    size_t update_id_at;      /**< offsetof(update params, id) */
    size_t update_version_at; /**< offsetof(update params, version) */
    size_t update_set_at;     /**< offsetof(update params, set) */
    /** One per driver the code was generated for, NULL-terminated. */
    const trail_entity_sql *const *sql;
} trail_entity;

/** The DDL of a schema for one driver: runtime tables, then entity tables and indexes. */
typedef struct trail_schema_ddl {
    const char *driver;            /**< the driver it is for, by its name */
    const char *const *statements; /**< one statement each, no trailing semicolon */
    size_t n_statements;
} trail_schema_ddl;

/** A whole schema. */
typedef struct trail_schema {
    const char *name; /**< `schema:`, the C prefix */
    int64_t version;  /**< `version:`, stamped on every change event */
    const trail_entity *const *entities;
    size_t n_entities;
    /** One per driver the code was generated for, NULL-terminated. */
    const trail_schema_ddl *const *ddl;
} trail_schema;

/**
 * The row callback of trail_record_list(): @row is a record struct of the
 * entity, owned by the runtime and valid during the call only. Return 0 to go
 * on, anything else to stop (trail_record_list() then returns that value).
 */
typedef int (*trail_row_fn)(void *userdata, const void *row);

/**
 * trail_record_create - validate @params (the entity's create params), insert
 * the row and its change event in one transaction, and fill @out (a record
 * struct; the caller owns what it holds afterwards and frees it with
 * trail_record_clear()). @ctx may be NULL.
 *
 * Every field is stored as @params holds it: NULL for a NULL pointer or a
 * set _null flag, the member's value otherwise. @params must start with
 * TRAIL_CREATE_INIT_MARK (its _CREATE_INIT macro), or the call is refused with
 * TRAIL_EARG naming the macro; so is a nullable scalar whose _null flag is set
 * while it holds neither 0 nor its default, and a blob with a NULL pointer and
 * a length. Returns TRAIL_OK, TRAIL_EINVALID, TRAIL_EUNIQUE, TRAIL_EREF,
 * TRAIL_EBUSY, TRAIL_EDB, TRAIL_ENOMEM or TRAIL_EARG.
 */
TRAIL_API int trail_record_create(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                                  const void *params, void *out);

/**
 * trail_record_update - change the fields whose bits are in params' `set`, if
 * the row is still at params' `version`; fill @out (may be NULL) with the row
 * after. An update that changes no value writes nothing and keeps the version.
 * A bit of `set` that names no field, a set _null flag beside a value, and a
 * blob with a NULL pointer and a length are refused with TRAIL_EARG.
 * Returns TRAIL_OK, TRAIL_ENOTFOUND, TRAIL_ECONFLICT and the codes of create.
 */
TRAIL_API int trail_record_update(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                                  const void *params, void *out);

/**
 * trail_record_delete - delete the row @key if it is still at @version.
 * Returns TRAIL_OK, TRAIL_ENOTFOUND, TRAIL_ECONFLICT, TRAIL_EREF (still
 * referenced), TRAIL_EBUSY, TRAIL_EDB, TRAIL_ENOMEM or TRAIL_EARG.
 */
TRAIL_API int trail_record_delete(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                                  trail_key key, int64_t version);

/**
 * trail_record_get - read the row @key into @out (the caller owns what it
 * holds afterwards). Returns TRAIL_OK, TRAIL_ENOTFOUND or a failure code.
 */
TRAIL_API int trail_record_get(trail_conn *db, const trail_entity *e, trail_key key, void *out);

/**
 * trail_record_find - read the row whose unique field number @field equals
 * *@value (a pointer to a value of the field's C type, e.g. a `const char *`)
 * into @out. Returns TRAIL_OK, TRAIL_ENOTFOUND, TRAIL_EINVALID (a date or
 * timestamp outside the range a field holds, which no row can have) or
 * another failure code.
 */
TRAIL_API int trail_record_find(trail_conn *db, const trail_entity *e, size_t field,
                                const void *value, void *out);

/**
 * trail_record_list - call @fn for up to @limit rows whose key is greater
 * than @after (text NULL or "" / num 0 and below: from the start), in key
 * order. A text @after is an id (of a record that need not exist any more).
 * Returns TRAIL_OK, the callback's non-zero value, TRAIL_EARG (an @after
 * that is no id) or a failure code.
 */
TRAIL_API int trail_record_list(trail_conn *db, const trail_entity *e, trail_key after, int limit,
                                trail_row_fn fn, void *userdata);

/** trail_record_clear - free what the record @rec owns and zero it. NULL is allowed. */
TRAIL_API void trail_record_clear(const trail_entity *e, void *rec);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_RECORD_H */
