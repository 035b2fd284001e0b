/*
 * op_check.h - the CHECK of an existing event table's op column brought to
 * the ops of this release: internal to libtrail.
 *
 * CREATE TABLE IF NOT EXISTS leaves an event table made by an older
 * release as it was, and a CHECK made before the ops merge and resolve
 * existed refuses the events sync writes of them (a replicated batch
 * fails whole). Migrate therefore compares the CHECK the catalog holds
 * with the one the DDL makes now (TRAIL_EVENT_OP_TABLE, rendered by the
 * dialect) and, where they differ, changes it, keeping every event.
 */
#ifndef TRAIL_OP_CHECK_H
#define TRAIL_OP_CHECK_H

#include "driver/driver.h"

/*
 * trail__events_op_check - inside migrate's transaction, on a database
 * whose event table exists and has every column (trail__events_layout_check()):
 * nothing when its op column is current; else its CHECK (and MariaDB's
 * width) made what the DDL makes now. What counts as current, per engine:
 *
 *   SQLite      the column's text in the table's CREATE TABLE is the DDL's,
 *               exactly (SQLite keeps the text as written); else the text is
 *               edited in sqlite_schema, which only a CHECK naming no other
 *               op than the list's may be, since no stored event is checked
 *               again: it admits fewer ops than the new one
 *   PostgreSQL  one CHECK on the column, naming every op and no other; else
 *               the column's CHECKs are dropped and the DDL's added (which
 *               checks every event), in one ALTER TABLE
 *   MariaDB     that, and the column's type; else MODIFY of the column
 *
 * On PostgreSQL and MariaDB the form of a CHECK that names exactly the ops
 * (`IN (...)` of the previous release) is left alone: changing it costs a
 * pass over every event under the table's lock, for no gain measured there.
 *
 * Returns TRAIL_OK; TRAIL_EDB when the column is of a form migrate does not
 * know how to change safely, or the engine refused the change; TRAIL_ENOMEM.
 */
int trail__events_op_check(trail_conn *db);

#endif /* TRAIL_OP_CHECK_H */
