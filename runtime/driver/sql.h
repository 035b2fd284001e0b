/*
 * sql.h - the statements the runtime runs on its own tables, per dialect:
 * internal to libtrail. The tables themselves are created by the schema's
 * DDL (trailgen's templates), so that one text defines them. What statements
 * built at run time need of the dialect (quote, placeholders) is in the
 * driver's trail_dialect (driver/dialect.h).
 */
#ifndef TRAIL_SQL_H
#define TRAIL_SQL_H

#include "audit/event_columns.h"

typedef struct trail_runtime_sql {
    const char *meta_get;     /* key -> value */
    const char *meta_set;     /* key, value: insert or replace */
    const char *node_local;   /* -> node_id of this database */
    const char *node_insert;  /* node_id, hostname, is_local, first_seen, last_seen */
    const char *node_touch;   /* hostname, last_seen, node_id */
    const char *max_hlc;      /* -> the highest hlc stored */
    const char *last_event;   /* node_id -> hlc, hash of the node's latest event */
    const char *event_insert; /* the TRAIL_EVENT_COLUMNS columns, in their order */
    const char *savepoint;    /* a call's own undo point inside trail_begin() */
    const char *release;
    const char *rollback_to;

    /* Reading history (history.c); each selects the TRAIL_EVENT_COLUMNS in their order. */
    const char *events_all;       /* every event, in (hlc, event_id) order */
    const char *events_of_table;  /* table_name */
    const char *events_of_record; /* table_name, record_id */
    const char *events_of_id;     /* record_id, in any table */
    const char *events_since;     /* hlc, hlc, event_id, limit: the next events after a cursor */
    const char *events_by_node;   /* every event, in (node_id, hlc, event_id) order */
    const char *as_of;            /* table_name, record_id, hlc -> op, new_values of the last */
    const char *nodes;            /* node_id, hostname, is_local, first_seen, last_seen,
                                     events, last hlc */

    /* Checking it (verify.c). */
    const char *meta_models;     /* -> key, value of every schema.NAME.model */
    const char *meta_versions;   /* -> key of every schema.NAME.version */
    const char *count_events;    /* -> how many events there are, for progress */
    const char *integrity_check; /* -> rows of text, "ok" alone when intact; NULL: none */
    const char *event_tables;    /* -> every table_name with events */
    const char *record_events;   /* table_name -> record_id, op, version, old_values, new_values,
                                    event_id, in (record_id, hlc, event_id) order */
    /* Checking a schema against the tables (schema_check.c). */
    const char *columns; /* -> table, column of every table of the database */
} trail_runtime_sql;

#endif /* TRAIL_SQL_H */
