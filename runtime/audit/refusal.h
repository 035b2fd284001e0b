/*
 * refusal.h - naming the field behind a refused write: internal to libtrail.
 *
 * Engines report a dangling reference or a duplicate by constraint, not by
 * field, and not alike; so after the fact the runtime looks for the field
 * whose value has no referenced record, or another record holding it.
 */
#ifndef TRAIL_REFUSAL_H
#define TRAIL_REFUSAL_H

#include "driver/driver.h"
#include "audit/values.h"

/*
 * trail__refusal_explain - after the database refused a write of the
 * fields @mask of @row (whose key is @id, NULL for a create) with @rc,
 * TRAIL_EREF or TRAIL_EUNIQUE: sets db's message to name the field and
 * value, and returns @rc. Fields outside @mask, or whose value in @row is
 * NULL, are not looked at. Runs after the
 * call was undone, since some engines accept no statement in a transaction
 * that failed; keeps the engine's message when it finds nothing (a unique
 * index over several fields, say).
 */
int trail__refusal_explain(trail_conn *db, const trail_entity *e, const trail_row *row,
                           uint64_t mask, const trail_value *id, int rc);

#endif /* TRAIL_REFUSAL_H */
