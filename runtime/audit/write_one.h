/*
 * write_one.h - audited writes as one statement (write_sql.h), for drivers
 * that have them: internal to libtrail. Each is a whole call, its own
 * transaction or a savepoint inside trail_begin(); the caller has checked
 * its arguments and made the row's values.
 */
#ifndef TRAIL_WRITE_ONE_H
#define TRAIL_WRITE_ONE_H

#include "driver/driver.h"
#include "trail/ctx.h"
#include "audit/values.h"

/* trail__write_one_create - insert @row (its id made, for a ULID key) and its event; @out as
 * trail_record_create(). */
int trail__write_one_create(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            trail_row *row, void *out);

/*
 * trail__write_one_update - apply the update @params, which sets the fields
 * of @mask (not 0), to the record @k (@id as text) at @version.
 */
int trail__write_one_update(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            const void *params, uint64_t mask, const trail_value *k, const char *id,
                            int64_t version, void *out);

/* trail__write_one_delete - delete the record @k (@id as text) at @version. */
int trail__write_one_delete(trail_conn *db, const trail_ctx *ctx, const trail_entity *e,
                            const trail_value *k, const char *id, int64_t version);

#endif /* TRAIL_WRITE_ONE_H */
