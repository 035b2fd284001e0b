/*
 * write_sql.h - the parameters and result of a one-statement audited write:
 * internal to libtrail.
 *
 * Where the engine can build the change event itself (PostgreSQL:
 * write_pg.c, through a function; MariaDB: write_mysql.c, through a stored
 * procedure), a
 * create, update or delete is a single statement that
 * writes the row, builds old_values, new_values and changed from the locked
 * row, and inserts the event with its hash, after the head of the
 * connection's lane, which the client sends (audit/lane.h): no statement
 * reads the latest event, and none waits for another writer's commit. write_one.c binds the values
 * below and reads the result; the driver makes the text (trail_driver.write_sql) and runs it
 * (write_one.h: trail_write_run).
 *
 * The client cannot write the hashed message's strings the way the server
 * escapes them, so it sends the message (event.h: trail__event_message) in
 * pieces, each already written by trail's JSON writer, and the server
 * places between them what only it knows:
 *
 *   HEAD hlc MID to_json(record_id) OP version "," old "," new "," changed TAIL
 *
 * The server raises the proposed hlc above the record's newest event's, so
 * that a record's events are in hlc order whichever connection's clock
 * stamped them.
 */
#ifndef TRAIL_WRITE_SQL_H
#define TRAIL_WRITE_SQL_H

#include "core/context.h"
#include "trail/record.h"

#include <stdint.h>

/* Parameters, from $1: the event's, then the row's. */
enum trail_write_param {
    TRAIL_WP_EVENT_ID,
    TRAIL_WP_HLC, /* proposed: the server raises it above the record's newest event */
    TRAIL_WP_NODE,
    TRAIL_WP_LANE,
    TRAIL_WP_SEQ,
    TRAIL_WP_TX,
    TRAIL_WP_SCHEMA_VERSION,
    TRAIL_WP_USER, /* the context (context.h): user, request, session, tenant, trace, span, ip */
    TRAIL_WP_CREATED_AT = TRAIL_WP_USER + TRAIL_CTX_COLUMNS,
    TRAIL_WP_PREV, /* the hash of the lane's head */
    TRAIL_WP_HEAD,
    TRAIL_WP_MID,
    TRAIL_WP_OP,
    TRAIL_WP_TAIL,
    /*
     * Then the row's. Create: its columns as the entity's insert takes them
     * ((id,) version, fields). Update: id, version expected, then the value
     * of each field of the mask, in field order. Delete: id, version.
     */
    TRAIL_WP_ROW
};

/*
 * The result: no row when the record was not found (update, delete);
 * otherwise one, whose columns are the record's (id, version, fields: as
 * written, or as found when nothing was written), then these.
 */
enum trail_write_result {
    TRAIL_WR_VERSION_FOUND, /* the version the record was at (NULL on create) */
    TRAIL_WR_HLC,           /* the event's hlc; NULL when no event was written */
    TRAIL_WR_HASH,          /* the event's hash; NULL when no event was written */
    TRAIL_WR_COUNT
};

/*
 * Where a server takes at most max_allowed_packet bytes in a statement, a
 * string it builds or a row it sends (MariaDB), an event's hashed message
 * (which holds every column of the event but its hash) may take that much
 * less this: room for the hash, each column's length and the row's framing.
 */
#define TRAIL_EVENT_ROOM 1024

/* trail__pg_write_sql - PostgreSQL's trail_driver.write_sql: a function call (write_pg.c). */
char *trail__pg_write_sql(const trail_entity *e, int kind, uint64_t mask);

/*
 * trail__pg_write_setup_sql - PostgreSQL's trail_driver.write_setup_sql: the
 * CREATE OR REPLACE FUNCTION that trail__pg_write_sql()'s calls call, after
 * the composite type it makes new_values with.
 */
char *trail__pg_write_setup_sql(const trail_entity *e, int kind);

/* trail__mysql_write_sql - MariaDB's trail_driver.write_sql: a CALL (write_mysql.c). */
char *trail__mysql_write_sql(const trail_entity *e, int kind, uint64_t mask);

/*
 * trail__mysql_write_setup_sql - MariaDB's trail_driver.write_setup_sql: the
 * CREATE OR REPLACE PROCEDURE that trail__mysql_write_sql()'s CALLs call.
 */
char *trail__mysql_write_setup_sql(const trail_entity *e, int kind);

#endif /* TRAIL_WRITE_SQL_H */
