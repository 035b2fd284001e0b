/*
 * event_indexes.h - the indexes every trail_change_events has, defined
 * once: internal to libtrail and trailgen (macros only, like
 * event_columns.h beside it).
 *
 * TRAIL_EVENT_INDEX_TABLE(X, SEP) calls X once per index, with SEP between
 * two calls:
 *
 *   X(name, unique, col, col, ...)
 *
 *   name    the index is trail_change_events_<name>_idx on every engine
 *   unique  UNIQUE or INDEX
 *   col     its columns in order, as TRAIL_EV_<column> (event_columns.h):
 *           a column that is not in the event table does not compile
 *
 * The primary key (event_id) is not in this list: the column table
 * declares it. What a schema adds (`events: { indexes: [...] }`, SPEC §2)
 * comes after these, named trail_change_events_<col>_<col>_idx; trailgen's
 * model (gen/model.c) renders both into every dialect's DDL
 * (templates/event_indexes.sql.mustache), as CREATE INDEX IF NOT EXISTS,
 * so that migrate adds an index a newer schema asks for to an existing
 * event table. A name here must not be an event column's, so that no
 * schema index is named like one of these.
 *
 * Every index here is written by every audited write (SPEC §4: the primary
 * key, unique (lane_id, seq), (table_name, record_id, hlc), nothing else):
 *
 *   lane     the lane's events in order, for verify and replication; unique,
 *            so that no lane holds two events at one place
 *   history  the record's newest hlc, which every update and delete reads
 *            first (the generated before-read, write_pg.c, write_mysql.c);
 *            trail_history() and trail_as_of() of one record, and verify's
 *            pass over a table's records
 */
#ifndef TRAIL_EVENT_INDEXES_H
#define TRAIL_EVENT_INDEXES_H

#include "audit/event_columns.h"

#include <stddef.h>

// clang-format off
#define TRAIL_EVENT_INDEX_TABLE(X, SEP)                                        \
    X(lane,    UNIQUE, TRAIL_EV_lane_id, TRAIL_EV_seq)                     SEP \
    X(history, INDEX,  TRAIL_EV_table_name, TRAIL_EV_record_id, TRAIL_EV_hlc)
// clang-format on

/* The words of the table's unique column, as values (TRAIL_EVENT_INDEX_<word>). */
enum { TRAIL_EVENT_INDEX_INDEX = 0, TRAIL_EVENT_INDEX_UNIQUE = 1 };

/*
 * For an X(name, unique, ...) of the table: its columns as an array of
 * places (const size_t *, static when used at file scope), and how many.
 */
#define TRAIL_EVENT_INDEX_COLUMNS(...)                                                             \
    (const size_t[]){ __VA_ARGS__ }, sizeof((const size_t[]){ __VA_ARGS__ }) / sizeof(size_t)

/* How many indexes the table lists. */
#define TRAIL__EV_INDEX_ONE(...) +1
enum { TRAIL_EVENT_INDEXES = 0 TRAIL_EVENT_INDEX_TABLE(TRAIL__EV_INDEX_ONE, ) };
#undef TRAIL__EV_INDEX_ONE

#endif /* TRAIL_EVENT_INDEXES_H */
