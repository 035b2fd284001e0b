/*
 * write_sqlite.h - SQLite's audited writes: internal to libtrail.
 */
#ifndef TRAIL_WRITE_SQLITE_H
#define TRAIL_WRITE_SQLITE_H

#include "driver/driver.h"

/* trail__sqlite_write - SQLite's trail_driver.write (driver.h: trail_write_op). */
int trail__sqlite_write(trail_conn *db, trail_write_op *w);

#endif /* TRAIL_WRITE_SQLITE_H */
