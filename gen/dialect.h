/*
 * dialect.h - the SQL pieces of a field that trailgen writes for one
 * driver: column type, DEFAULT literal, CHECK expressions.
 *
 * The templates hold the shape of each statement; these functions fill the
 * slots that need a decision per type, reading every difference between
 * engines from the driver's dialect (runtime/driver/dialect.h).
 */
#ifndef TRAILGEN_DIALECT_H
#define TRAILGEN_DIALECT_H

#include "audit/event_columns.h"
#include "core/buf.h"
#include "driver/dialect.h"
#include "schema.h"

#include <jansson.h>

/* gen_dialect_type - append the column type of @f. Returns TRAIL_OK or TRAIL_ENOMEM. */
int gen_dialect_type(trail_buf *out, const trail_dialect *d, const gen_field *f);

/*
 * gen_dialect_default - append the DEFAULT literal of @f (which has one).
 * Returns TRAIL_OK, TRAIL_ENOMEM, or TRAIL_EARG for a type that takes none.
 */
int gen_dialect_default(trail_buf *out, const trail_dialect *d, const gen_field *f);

/*
 * gen_dialect_checks - the CHECK expressions @f needs beyond its type
 * (enum values, ranges, lengths, JSON validity), each appended to the JSON
 * array @checks as an object {"check": "..."}. Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int gen_dialect_checks(json_t *checks, const trail_dialect *d, const gen_field *f);

#endif /* TRAILGEN_DIALECT_H */
