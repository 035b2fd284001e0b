/*
 * sql.h - the statements the runtime runs on its own tables, per dialect:
 * internal to libtrail. The tables themselves are created by the schema's
 * DDL (trailgen's templates), so that one text defines them.
 */
#ifndef TRAIL_SQL_H
#define TRAIL_SQL_H

/* Columns of trail_change_events, in the order event_insert binds them. */
#define TRAIL_EVENT_COLUMNS 23

typedef struct trail_runtime_sql {
    const char *meta_get;     /* key -> value */
    const char *meta_set;     /* key, value: insert or replace */
    const char *node_local;   /* -> node_id of this database */
    const char *node_insert;  /* node_id, hostname, is_local, first_seen, last_seen */
    const char *node_touch;   /* hostname, last_seen, node_id */
    const char *max_hlc;      /* -> the highest hlc stored */
    const char *last_hash;    /* node_id -> hash of the node's latest event */
    const char *event_insert; /* the TRAIL_EVENT_COLUMNS columns */
    const char *savepoint;    /* a call's own undo point inside trail_begin() */
    const char *release;
    const char *rollback_to;
} trail_runtime_sql;

#endif /* TRAIL_SQL_H */
