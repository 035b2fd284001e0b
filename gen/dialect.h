/*
 * dialect.h - what differs between SQLite, PostgreSQL and MySQL/MariaDB in
 * the SQL trailgen writes: column types, literals, CHECK expressions,
 * identifier quoting and placeholders.
 *
 * The templates hold the shape of each statement; these functions fill the
 * slots that need a decision per type and per dialect.
 */
#ifndef TRAILGEN_DIALECT_H
#define TRAILGEN_DIALECT_H

#include "audit/event_columns.h"
#include "core/buf.h"
#include "schema.h"
#include "trail/record.h"

#include <jansson.h>

/* gen_dialect_name - "sqlite", "pg" or "mysql": file suffixes and --drivers names. */
const char *gen_dialect_name(trail_driver_id d);

/* gen_dialect_quote - append the identifier @name quoted for @d ("x" or `x`). */
int gen_dialect_quote(trail_buf *out, trail_driver_id d, const char *name);

/* gen_dialect_key_type - the column type of an entity's key (and of refs to it). */
const char *gen_dialect_key_type(trail_driver_id d, trail_key_kind key);

/* gen_dialect_type - append the column type of @f. */
int gen_dialect_type(trail_buf *out, trail_driver_id d, const gen_field *f);

/* gen_dialect_default - append the DEFAULT literal of @f (which has one). */
int gen_dialect_default(trail_buf *out, trail_driver_id d, const gen_field *f);

/*
 * gen_dialect_checks - the CHECK expressions @f needs beyond its type
 * (enum values, ranges, lengths, JSON validity), each appended to the JSON
 * array @checks as an object {"check": "..."}. Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int gen_dialect_checks(json_t *checks, trail_driver_id d, const gen_field *f);

/*
 * gen_dialect_event_type - append what follows the name of the event
 * table's column @name (audit/event_columns.h) of @kind in @d's DDL: its
 * type, NOT NULL unless @nullable, and its CHECK; @max is the most
 * characters of a TRAIL_EVENT_KIND_CONTEXT column. Returns TRAIL_OK,
 * TRAIL_ENOMEM, or TRAIL_EARG for a kind @d has no type for.
 */
int gen_dialect_event_type(trail_buf *out, trail_driver_id d, trail_event_kind kind,
                           const char *name, bool nullable, int max);

#endif /* TRAILGEN_DIALECT_H */
