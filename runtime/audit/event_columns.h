/*
 * event_columns.h - the columns of trail_change_events, defined once:
 * internal to libtrail and trailgen (macros and enums only, so that
 * trailgen, which links core/ alone, can read it too).
 *
 * TRAIL_EVENT_COLUMN_TABLE(X, SEP) calls X once per column, in the row's
 * order, with SEP between two calls:
 *
 *   X(n, name, value, kind, null, fill, hash)
 *
 *   n      its place in the row, from 1: in the INSERT's column list and
 *          placeholders, in every SELECT of whole events, in the hashed
 *          message and in the DDL
 *   name   the column
 *   value  how it is bound and read: TEXT, INT or JSON (TRAIL_V_<value>)
 *   kind   what the DDL declares it as (TRAIL_EVENT_KIND_<kind>); each
 *          dialect spells each kind (driver/<name>/dialect_<name>.c)
 *   null   NOT_NULL or NULLABLE
 *   fill   CLIENT, or SERVER where the one-statement writes (PostgreSQL,
 *          MariaDB: write_sql.h) compute it on the server
 *   hash   HASHED when the event's hash covers it (event.h), else UNHASHED
 *
 * From it come the positions below (TRAIL_EV_<name>, TRAIL_EVENT_COLUMNS),
 * the runtime's statements on the table (driver/sql_texts.h), the column
 * lists of the one-statement writes (driver/pg/write_pg.c,
 * driver/mysql/write_mysql.c), the hashed message (event.c), reading an
 * event back (history/history.c) and the event table of every dialect's
 * DDL (trailgen's model, driver/<name>/<name>.sql.mustache).
 *
 * Adding a column: one X(...) line below, numbered by its place (a line
 * put before others renumbers those after it; the static assertions below
 * name a number that is wrong); a member of the same name in
 * trail_change_event (trail/history.h); and what fills it: on SQLite
 * trail__event_stamp() (event.c); on PostgreSQL and MariaDB its value in
 * the INSERT of write_pg.c and write_mysql.c (their column lists come from
 * here), sent as a parameter (write_sql.h) when the client knows it, made
 * by the server and spliced into the hashed message's pieces when only the
 * server does. A new kind takes a row in each dialect's event_types
 * (driver/<name>/dialect_<name>.c). A HASHED column changes every event's
 * message (test_event_columns says so), and an event table made before the
 * change needs the column added by migrate.
 */
#ifndef TRAIL_EVENT_COLUMNS_H
#define TRAIL_EVENT_COLUMNS_H

// clang-format off
#define TRAIL_EVENT_COLUMN_TABLE(X, SEP)                                       \
    X( 1, event_id,       TEXT, ULID_KEY, NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 2, hlc,            INT,  INT64,    NOT_NULL, SERVER, HASHED)   SEP      \
    X( 3, node_id,        TEXT, NODE,     NOT_NULL, CLIENT, HASHED)   SEP      \
    /* the writer's lane (lane.h) and the event's place in it, from 1 */      \
    X( 4, lane_id,        TEXT, ULID,     NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 5, seq,            INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 6, tx_id,          TEXT, ULID,     NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 7, table_name,     TEXT, NAME,     NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 8, record_id,      TEXT, RECORD,   NOT_NULL, SERVER, HASHED)   SEP      \
    X( 9, op,             TEXT, OP,       NOT_NULL, CLIENT, HASHED)   SEP      \
    X(10, version,        INT,  INT64,    NOT_NULL, SERVER, HASHED)   SEP      \
    X(11, old_values,     JSON, JSON,     NULLABLE, SERVER, HASHED)   SEP      \
    X(12, new_values,     JSON, JSON,     NULLABLE, SERVER, HASHED)   SEP      \
    X(13, changed,        JSON, JSON,     NOT_NULL, SERVER, HASHED)   SEP      \
    X(14, schema_version, INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    /* the request context, in core/context.h's order, with its limits */     \
    X(15, user_id,        TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(16, request_id,     TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(17, session_id,     TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(18, tenant_id,      TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(19, trace_id,       TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(20, span_id,        TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(21, ip,             TEXT, CONTEXT,  NULLABLE, CLIENT, HASHED)   SEP      \
    X(22, created_at,     INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    /* the hash of the lane's previous event; for seq 1, of the lane's row */ \
    X(23, prev_hash,      TEXT, HASH,     NOT_NULL, CLIENT, HASHED)   SEP      \
    X(24, hash,           TEXT, HASH,     NOT_NULL, SERVER, UNHASHED)
// clang-format on

/*
 * The columns of trail_lanes (audit/lane.h), in the same form, fill always
 * CLIENT: a writer's lane, registered at its connection's first write. Its
 * hash covers the HASHED columns, so that the node's lanes form a chain
 * (prev_lane, prev_hash); the seal, written when the connection closes,
 * comes later and is not hashed (a digest proves a lane's tail: SPEC §4).
 */
// clang-format off
#define TRAIL_LANE_COLUMN_TABLE(X, SEP)                                        \
    X( 1, lane_id,        TEXT, ULID_KEY, NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 2, node_id,        TEXT, NODE,     NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 3, node_seq,       INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 4, opened_hlc,     INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 5, opened_at,      INT,  INT64,    NOT_NULL, CLIENT, HASHED)   SEP      \
    X( 6, prev_lane,      TEXT, ULID,     NULLABLE, CLIENT, HASHED)   SEP      \
    X( 7, prev_hash,      TEXT, HASH,     NULLABLE, CLIENT, HASHED)   SEP      \
    X( 8, hash,           TEXT, HASH,     NOT_NULL, CLIENT, UNHASHED) SEP      \
    X( 9, sealed_seq,     INT,  INT64,    NULLABLE, CLIENT, UNHASHED) SEP      \
    X(10, sealed_hash,    TEXT, HASH,     NULLABLE, CLIENT, UNHASHED) SEP      \
    X(11, sealed_at,      INT,  INT64,    NULLABLE, CLIENT, UNHASHED)
// clang-format on

/*
 * The ops an event may have: the edits insert, update, delete and resolve,
 * and merge, which records what sync merged (docs/replication.md).
 * TRAIL_EVENT_OP_TABLE(X, SEP) calls X(op) once per op, SEP between two.
 * Every dialect's CHECK on the op column is made from it
 * (TRAIL_EVENT_OPS_CHECK), and so is MariaDB's column width
 * (TRAIL_EVENT_OP_MAX) and migrate's test of an older event table's CHECK
 * (audit/op_check.c).
 */
#define TRAIL_EVENT_OP_TABLE(X, SEP)                                                               \
    X(insert) SEP X(update)                                                                        \
    SEP X(delete) SEP X(merge)                                                                     \
    SEP X(resolve)

/*
 * The CHECK, '@' standing for the quoted column (driver/dialect.h): an OR
 * of equalities rather than `@ IN (...)`, which SQLite evaluates by
 * building a temporary b-tree of the list for every row it checks, a tenth
 * of the cost of inserting an event.
 */
#define TRAIL__EVENT_OP_EQ(op) "@ = '" #op "'"
#define TRAIL_EVENT_OPS_CHECK  TRAIL_EVENT_OP_TABLE(TRAIL__EVENT_OP_EQ, " OR ")

/* The longest op's length: a union of one char array per op is as large as the largest. */
#define TRAIL__EVENT_OP_MEMBER(op) char op[sizeof #op];
union trail__event_op_sizes {
    TRAIL_EVENT_OP_TABLE(TRAIL__EVENT_OP_MEMBER, )
};
#define TRAIL_EVENT_OP_MAX ((int)sizeof(union trail__event_op_sizes) - 1)

/* What the DDL declares a column as; each dialect has each kind's type (driver/dialect.h). */
typedef enum trail_event_kind {
    TRAIL_EVENT_KIND_ULID_KEY, /* the event's id: a ULID, the primary key */
    TRAIL_EVENT_KIND_ULID,     /* another ULID */
    TRAIL_EVENT_KIND_INT64,
    TRAIL_EVENT_KIND_NODE,    /* a node's id */
    TRAIL_EVENT_KIND_RECORD,  /* a record's id as text: a ULID or an integer */
    TRAIL_EVENT_KIND_NAME,    /* an identifier of the schema */
    TRAIL_EVENT_KIND_OP,      /* one of TRAIL_EVENT_OP_TABLE */
    TRAIL_EVENT_KIND_JSON,    /* stored as the text written, never rewritten */
    TRAIL_EVENT_KIND_CONTEXT, /* text of at most its core/context.h limit */
    TRAIL_EVENT_KIND_HASH,    /* SHA-256 in lowercase hex */
    TRAIL_EVENT_KINDS
} trail_event_kind;

/* The words of the table's null, fill and hash columns, as values (TRAIL_EVENT_<word>). */
enum { TRAIL_EVENT_NOT_NULL = 0, TRAIL_EVENT_NULLABLE = 1 };
enum { TRAIL_EVENT_CLIENT = 0, TRAIL_EVENT_SERVER = 1 };
enum { TRAIL_EVENT_UNHASHED = 0, TRAIL_EVENT_HASHED = 1 };

/* The place of each column in the row, from 0 (TRAIL_EV_event_id), and how many there are. */
#define TRAIL__EV_POSITION(n, name, ...) TRAIL_EV_##name,
enum trail_event_column { TRAIL_EVENT_COLUMN_TABLE(TRAIL__EV_POSITION, ) TRAIL_EVENT_COLUMNS };
#undef TRAIL__EV_POSITION

#define TRAIL__LANE_POSITION(n, name, ...) TRAIL_LANE_##name,
enum trail_lane_column { TRAIL_LANE_COLUMN_TABLE(TRAIL__LANE_POSITION, ) TRAIL_LANE_COLUMNS };
#undef TRAIL__LANE_POSITION

/* Each line's number is its place: the placeholders of event_insert are made from the numbers. */
#define TRAIL__EV_NUMBERED(n, name, ...)                                                           \
    _Static_assert(TRAIL_EV_##name == (n)-1, "event column " #name " is not number " #n);
TRAIL_EVENT_COLUMN_TABLE(TRAIL__EV_NUMBERED, )
#undef TRAIL__EV_NUMBERED
#define TRAIL__LANE_NUMBERED(n, name, ...)                                                         \
    _Static_assert(TRAIL_LANE_##name == (n)-1, "lane column " #name " is not number " #n);
TRAIL_LANE_COLUMN_TABLE(TRAIL__LANE_NUMBERED, )
#undef TRAIL__LANE_NUMBERED

/* The columns as an SQL list, each quoted as "name" (DQ) or `name` (BQ): a string literal. */
#define TRAIL__EV_NAME_DQ(n, name, ...) "\"" #name "\""
#define TRAIL__EV_NAME_BQ(n, name, ...) "`" #name "`"
#define TRAIL_EVENT_COLUMN_LIST_DQ      TRAIL_EVENT_COLUMN_TABLE(TRAIL__EV_NAME_DQ, ", ")
#define TRAIL_EVENT_COLUMN_LIST_BQ      TRAIL_EVENT_COLUMN_TABLE(TRAIL__EV_NAME_BQ, ", ")

#endif /* TRAIL_EVENT_COLUMNS_H */
