/*
 * write_one.h - audited writes as one statement (write_sql.h), for drivers
 * whose engine builds the change event itself: internal to libtrail.
 */
#ifndef TRAIL_WRITE_ONE_H
#define TRAIL_WRITE_ONE_H

#include "driver/driver.h"

/*
 * Runs the one-statement write of @w, the statement @sql with its @n
 * @params (write_sql.h), as a call of its own, in one round trip: in a
 * transaction of its own that holds this node's lock, or inside
 * trail_begin() under a savepoint, undone on failure. @cb sees its result
 * rows. The driver's own; @w is there to be refused before anything is
 * sent.
 */
typedef int (*trail_write_run)(trail_conn *db, const trail_write_op *w, const char *sql,
                               const trail_value *params, size_t n, trail_row_cb cb,
                               void *userdata);

/*
 * trail__write_one - the trail_driver.write of such a driver (driver.h:
 * trail_write_op), which runs its statement with @run.
 */
int trail__write_one(trail_conn *db, trail_write_op *w, trail_write_run run);

#endif /* TRAIL_WRITE_ONE_H */
