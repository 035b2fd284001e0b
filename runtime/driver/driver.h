/*
 * driver.h - a connection and the driver interface beneath it: internal to
 * libtrail.
 *
 * audit/ and history/ (records, events, migrate, history, verify) speak to
 * every database through the few calls of trail_driver: run a statement
 * with bound values, read the columns of its rows, bracket a transaction,
 * and make an audited write (trail_write_op). Each driver (one folder under
 * driver/, listed in driver/drivers.h) prepares a statement the first time
 * it sees its text and reuses it for the life of the connection; the text's
 * address is the cache key, since every statement trail runs is a static
 * string (generated descriptors, the runtime's own, or update_sql.c's
 * per-connection texts: stmt_cache.h).
 */
#ifndef TRAIL_DRIVER_H
#define TRAIL_DRIVER_H

#include "core/err.h"
#include "core/sha256.h"
#include "driver/dialect.h"
#include "trail/conn.h"
#include "trail/ctx.h"
#include "trail/hlc.h"
#include "trail/record.h"
#include "trail/ulid.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* How long the server drivers wait for a lock when busy_timeout_ms is 0. */
#define TRAIL_DEFAULT_LOCK_TIMEOUT_MS 5000

/* What a bound value or a requested column is; drivers map these to their types. */
typedef enum trail_vtype {
    TRAIL_V_NULL = 0,
    TRAIL_V_BOOL,      /* i: 0 or 1 */
    TRAIL_V_INT,       /* i */
    TRAIL_V_DOUBLE,    /* d */
    TRAIL_V_TEXT,      /* s, n */
    TRAIL_V_BLOB,      /* s, n */
    TRAIL_V_DATE,      /* i: days since 1970-01-01 */
    TRAIL_V_TIMESTAMP, /* i: milliseconds since the epoch */
    TRAIL_V_JSON       /* s, n: JSON text */
} trail_vtype;

/* A value: bound as a parameter (borrowed), or read from a row (valid until the next row). */
typedef struct trail_value {
    trail_vtype type;
    int64_t i;
    double d;
    const char *s;
    size_t n;
} trail_value;

/*
 * Called for each row of a query; reads columns with trail_driver.column().
 * Returns 0 to go on, anything else to stop (the query then returns it).
 */
typedef int (*trail_row_cb)(trail_conn *db, void *row, void *userdata);

/*
 * The version of the interface below. A driver states the one it was written
 * for; trail_open() refuses a driver of another (trail__driver_check()), so
 * that a change of the interface cannot meet a driver not changed with it.
 * Raise it with every change of trail_driver's members or their meaning.
 */
#define TRAIL_DRIVER_VERSION 3

struct trail_row; /* audit/values.h */

/*
 * An audited write as the record logic (record.c) hands it to a driver: its
 * arguments checked, its row's values made, and its messages left to
 * record.c, which words every outcome below.
 *
 * trail_driver.write() runs it as one call: in a transaction of its own, or
 * inside trail_begin() under a savepoint; on failure the call is undone
 * whole, neither the row nor its event left. Its event goes after the head
 * of the connection's lane (db->lane, open when the call is made), which
 * record.c moves on once the call succeeded. It returns
 *   - TRAIL_OK, and w->rec when asked for;
 *   - TRAIL_ENOTFOUND: there is no record w->key (update, delete);
 *   - TRAIL_ECONFLICT: the record is at w->version_found, not w->version;
 *     or, w->version_found being w->version, the version-checked write
 *     found it changed meanwhile;
 *   - another failure with db->err set: TRAIL_EREF and TRAIL_EUNIQUE with
 *     the engine's words, which record.c then replaces naming the field.
 * The driver clears db->retryable when the call starts, and sets it on a
 * deadlock or serialization failure, after which record.c runs the call
 * again (outside trail_begin()).
 */
typedef struct trail_write_op {
    int kind; /* TRAIL_WRITE_CREATE, _UPDATE or _DELETE (a trail_write_kind) */
    const trail_entity *e;
    const trail_ctx *ctx; /* may be NULL */
    /*
     * Create: the new row, version 1, its id made for a ULID key (an int64
     * key's is written here once the engine assigned it). Update: the
     * values of the fields of @mask, the others unset. Delete: NULL.
     */
    struct trail_row *row;
    uint64_t mask;    /* update: the fields set; 0 for none: then the record is only read */
    trail_value key;  /* update, delete: the record's key */
    const char *id;   /* update, delete: the key as text */
    int64_t version;  /* update, delete: the version the caller's change is based on */
    bool want_record; /* whether to make @rec */
    /*
     * Out: the record as written (as found when nothing changed), a new
     * record the caller owns (trail__values_give_record()); NULL on failure.
     */
    void *rec;
    int64_t version_found; /* out, with TRAIL_ECONFLICT: the version the record is at */
    /*
     * Out, on success: the hash of the event written, which the lane's next
     * event chains to (audit/lane.h); empty when no event was written.
     */
    char hash[TRAIL_SHA256_HEX_LEN + 1];
} trail_write_op;

typedef struct trail_driver {
    int version; /* TRAIL_DRIVER_VERSION */
    /* Its SQL, and its name (dialect->name): the one the descriptors name their statements by. */
    const trail_dialect *dialect;
    const char *name; /* for messages: "postgresql" */
    /* Connects; fills db->drv_state. On failure db->err says why. */
    int (*open)(trail_conn *db, const char *target, const trail_open_opts *opts);
    /* Finalizes statements and disconnects. */
    void (*close)(trail_conn *db);
    /* Runs @sql once, unprepared, with no parameters: DDL and transaction control. */
    int (*exec)(trail_conn *db, const char *sql);
    /*
     * Runs the statement @sql with @n params, calling @cb per row (@cb may be
     * NULL when no rows are wanted). *@changes (may be NULL) receives the rows
     * the statement changed.
     */
    int (*query)(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                 trail_row_cb cb, void *userdata, int64_t *changes);
    /* As query, for a statement built at run time: prepared for this call only. */
    int (*query_once)(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                      trail_row_cb cb, void *userdata, int64_t *changes);
    /*
     * Column @i of @row as @want: TRAIL_V_NULL in out->type for SQL NULL.
     * Returns TRAIL_OK, or TRAIL_EDB when the column does not convert.
     */
    int (*column)(trail_conn *db, void *row, size_t i, trail_vtype want, trail_value *out);
    /* Starts a write transaction (taking the write lock where the engine has one). */
    int (*begin)(trail_conn *db);
    int (*commit)(trail_conn *db);
    int (*rollback)(trail_conn *db);
    /*
     * The audited write @w (trail_write_op, above): the row written with
     * its change event, or neither.
     */
    int (*write)(trail_conn *db, trail_write_op *w);
    /*
     * Optional, for engines that build the change event themselves
     * (write_sql.h): write_sql() makes the text of the one-statement audited
     * write @kind (a trail_write_kind) of @e, setting the fields of @mask for
     * an update; the caller frees it.
     */
    char *(*write_sql)(const trail_entity *e, int kind, uint64_t mask);
    /*
     * Optional: what migrate runs, per entity and kind, so that write_sql()'s
     * statements can run (MariaDB's stored procedures); the caller frees it.
     */
    char *(*write_setup_sql)(const trail_entity *e, int kind);
    /*
     * Optional: @on before a sync's or an import's destination applies its
     * batches, and off after (whatever the outcome). While on, the engine
     * may spend memory for speed on transactions of thousands of events
     * (SQLite: a larger page cache); off puts its settings back.
     */
    int (*bulk)(trail_conn *db, bool on);
    /* Runtime statements in this driver's dialect (driver/sql.h, sql_<driver>.c). */
    const struct trail_runtime_sql *sql;
} trail_driver;

/* A connection's writer lane and its head (audit/lane.h says how they are kept). */
typedef struct trail_lane {
    bool open;                           /* registered, and its head known */
    char id[TRAIL_ULID_LEN + 1];         /* lane_id */
    int64_t seq;                         /* of the lane's last event; 0 before the first */
    char hash[TRAIL_SHA256_HEX_LEN + 1]; /* of the lane's last event, or of the lane's row */
    uint64_t session;                    /* trail_conn.session when it was registered */
} trail_lane;

struct trail_conn {
    const trail_driver *drv;
    void *drv_state;
    trail_err err;
    trail_open_opts opts;
    char node_id[TRAIL_NODE_ID_MAX + 1];
    /* The node id asked for in the options, copied (one byte more, to tell one too long). */
    char node_id_wanted[TRAIL_NODE_ID_MAX + 2];
    trail_hlc *clock;
    trail_ulid_gen *ids;
    bool in_tx;                     /* inside trail_begin() */
    bool retryable;                 /* the last failure was a deadlock or serialization failure */
    char tx_id[TRAIL_ULID_LEN + 1]; /* of the open transaction */
    trail_lane lane;                /* where this connection's events go */
    trail_lane lane_at_begin;       /* the lane as trail_begin() found it, for a rollback */
    bool old_layout;                /* the runtime tables are of an older layout: refused */
    /*
     * The server takes no writes (a PostgreSQL hot standby), as its driver
     * found at open: the node's last-seen time is not written there.
     */
    bool server_read_only;
    const struct trail_schema **checked; /* schemas found to match the database (schema_check.c) */
    size_t n_checked;
    struct trail_update_cache *updates;  /* update_sql.c */
    struct trail_sync_texts *sync_texts; /* sync/texts.c */
    uint64_t round_trips;                /* waits for the server, counted by its driver */
    uint64_t statements;                 /* statements run (not prepared), counted by its driver */
    uint64_t retries;                    /* writes run again after the engine undid them */
    /*
     * Which session with the server this is: 0 from trail_open(), one more
     * each time the driver connects again after a lost connection. A lane
     * registered in an earlier session is sealed and replaced (lane.h).
     */
    uint64_t session;
    /* In trail_close(): a lost connection is not connected again just to seal a lane. */
    bool closing;
    /*
     * The most bytes the server takes in one statement, builds into one
     * string or sends as one row (MariaDB's max_allowed_packet, read at
     * connect); 0 where there is no such limit below a value's own.
     */
    uint64_t max_packet;
};

/* Each driver: trail__driver_<name>, in driver/<name>/conn_<name>.c. */
#define TRAIL_DRIVER_DECLARE(name) extern const trail_driver trail__driver_##name;
TRAIL_DRIVERS(TRAIL_DRIVER_DECLARE)
#undef TRAIL_DRIVER_DECLARE

/*
 * trail__driver_for - the driver whose dialect claims @url (by its prefix,
 * or libpq's key=value form), and in *@target what the driver is handed:
 * the URL whole or the rest after the prefix. NULL when none does. The
 * registry is made from driver/drivers.h.
 */
const trail_driver *trail__driver_for(const char *url, const char **target);

/*
 * trail__driver_check - TRAIL_OK when @drv implements this runtime's
 * TRAIL_DRIVER_VERSION; else TRAIL_EARG with the message in @err.
 */
int trail__driver_check(trail_err *err, const trail_driver *drv);

/*
 * trail__entity_sql - @e's statements for the connection's driver, or NULL
 * when the code was generated without it.
 */
static inline const trail_entity_sql *trail__entity_sql(const trail_conn *db, const trail_entity *e)
{
    const char *name = db->drv->dialect->name;
    for (const trail_entity_sql *const *s = e->sql; *s; s++)
        if (strcmp((*s)->driver, name) == 0)
            return *s;
    return NULL;
}

/* trail__schema_ddl - @schema's DDL for the connection's driver, or NULL. */
static inline const trail_schema_ddl *trail__schema_ddl(const trail_conn *db,
                                                        const trail_schema *schema)
{
    const char *name = db->drv->dialect->name;
    for (const trail_schema_ddl *const *d = schema->ddl; *d; d++)
        if (strcmp((*d)->driver, name) == 0)
            return *d;
    return NULL;
}

/*
 * trail__row_read - columns 0 to @n - 1 of @row (in a trail_row_cb), column
 * i read as @types[i] into @out[i] (trail_driver.column()): TRAIL_OK, or
 * the first failure, with db's error set. @out borrows from the row.
 */
static inline int trail__row_read(trail_conn *db, void *row, const trail_vtype *types,
                                  trail_value *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = db->drv->column(db, row, i, types[i], &out[i]);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

/*
 * trail__conn_run_again - whether to run again something of @db that
 * returned @rc: true when the engine undid it because it collided with
 * another writer (TRAIL_EBUSY with db->retryable; not inside trail_begin(),
 * whose group only the caller can redo) and *@attempt, counted up here, is
 * below @max, after a random pause whose ceiling doubles with each attempt
 * up to 64 ms, so that the writers who collided do not collide again.
 * Counts it in db->retries.
 */
bool trail__conn_run_again(trail_conn *db, int rc, int *attempt, int max);

/* trail__wall_ms - CLOCK_REALTIME in milliseconds. */
int64_t trail__wall_ms(void);

/*
 * trail__conn_wall_ms - @db's wall time in milliseconds: its open options'
 * wall clock, or CLOCK_REALTIME. What it stamps as a time of day.
 */
int64_t trail__conn_wall_ms(const trail_conn *db);

/*
 * trail__conn_query_text - run @sql and copy column 0 of its first row into
 * @buf (@size bytes); *@found says whether there was a non-NULL one.
 */
int trail__conn_query_text(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                           char *buf, size_t size, bool *found);

/*
 * trail__conn_query_int - run @sql and put column 0 of its first row in
 * *@out, which keeps its value when there is no row or a NULL one.
 */
int trail__conn_query_int(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                          int64_t *out);

/*
 * trail__conn_init_node - read or record this database's node and raise the
 * clock (conn.c). Refuses, with trail__conn_old_layout()'s error and
 * db->old_layout set, a database whose runtime tables are of an older
 * layout, changing nothing.
 */
int trail__conn_init_node(trail_conn *db);

/*
 * trail__conn_old_layout - sets db's error for a database whose change
 * events have an older layout (@missing: the columns it lacks) and what to
 * do, sets db->old_layout, and returns TRAIL_EDB.
 */
int trail__conn_old_layout(trail_conn *db, const char *missing);

/*
 * trail__conn_need_tables - TRAIL_OK when the runtime tables are there (the
 * node is known, or can be read now); else TRAIL_EDB saying the database
 * looks never migrated. For the readers, which a user may point anywhere.
 */
int trail__conn_need_tables(trail_conn *db);

/*
 * trail__conn_connect_timeout_ms, trail__conn_io_timeout_ms - the connect and
 * read/write timeouts of @opts in effect, defaults applied, in
 * milliseconds; -1 for none.
 */
int trail__conn_connect_timeout_ms(const trail_open_opts *opts);
int trail__conn_io_timeout_ms(const trail_open_opts *opts);

/* trail__conn_lock_timeout_ms - every driver's lock wait: busy_timeout_ms, else the default. */
int trail__conn_lock_timeout_ms(const trail_open_opts *opts);

/*
 * trail__conn_seconds - @ms (-1: none) in the whole seconds that the
 * servers' clients and settings count, rounded up; 0 for none.
 */
unsigned trail__conn_seconds(int ms);

/*
 * trail__conn_timed_out - sets db's error for a call of the driver @driver
 * that gave up after @ms milliseconds without an answer (@what: the step,
 * "query", "connect"), inside a transaction or not (@in_tx), and returns
 * TRAIL_EDB.
 */
int trail__conn_timed_out(trail_conn *db, const char *driver, const char *what, int ms, bool in_tx);

/*
 * trail__conn_lost_advice - what a caller does after its connection was
 * lost, inside a transaction (@in_tx: the driver's, trail_begin()'s or one
 * of libtrail's own) or not: the end of every such message, so that every
 * driver says it alike.
 */
const char *trail__conn_lost_advice(bool in_tx);

/*
 * trail__conn_reconnect_failed - adds to db's error, set by a connect that
 * failed with @rc, that it was connecting again after a lost connection;
 * returns @rc.
 */
int trail__conn_reconnect_failed(trail_conn *db, int rc);

/* trail__conn_new_tx - a fresh db->tx_id. */
int trail__conn_new_tx(trail_conn *db);

/* Value constructors, for binding. */
static inline trail_value trail_v_int(int64_t i)
{
    return (trail_value){ .type = TRAIL_V_INT, .i = i };
}

static inline trail_value trail_v_text(const char *s)
{
    return s ? (trail_value){ .type = TRAIL_V_TEXT, .s = s, .n = strlen(s) }
             : (trail_value){ .type = TRAIL_V_NULL };
}

#endif /* TRAIL_DRIVER_H */
