/*
 * raw.h - the integration tests' way around trail, and all they know of
 * each engine.
 *
 * Tests use it for what trail must not be asked to do (tamper with an event,
 * edit a live row, hold a lock, kill a session) or must not be trusted with
 * (counting rows, wiping the database), through the engine's own client
 * library. SQL given here is standard: identifiers double-quoted ("key" is
 * reserved in MySQL), strings single-quoted.
 *
 * Each engine is one row of engines[] in raw.c, found by the driver that
 * trail picks for the URL (trail__driver_for(), so every URL form a driver
 * takes): its client library's calls, and the facts of raw_engine below,
 * which the tests read instead of naming engines. A driver added to trail
 * adds its row there and nowhere else in tests/; every test that asks about
 * a URL whose driver has none fails, saying so. The engines:
 *
 *   sqlite   sqlite3. raw_reset() drops every table (creating the file if
 *            missing); raw_lock_row() takes the one write lock of the file
 *            (BEGIN IMMEDIATE). No server, so no sessions.
 *   pg       libpq. raw_reset() drops schema public with all in it and
 *            creates it again; raw_lock_row() locks the row (SELECT ... FOR
 *            UPDATE). A session is named by its application_name.
 *   mysql    MariaDB Connector/C, in ANSI_QUOTES mode so that the same SQL
 *            runs there. raw_reset() drops every table of the URL's
 *            database; raw_lock_row() locks the row (SELECT ... FOR UPDATE).
 *            A session is named by its program_name connection attribute.
 *
 * Every function prints why it failed on stderr, the client libraries'
 * messages included, so a test only checks the result.
 */
#ifndef IT_RAW_H
#define IT_RAW_H

#include <stdbool.h>
#include <stdint.h>

/* ---- plain SQL ------------------------------------------------------------ */

/** raw_exec - run the SQL made from @fmt (printf) on @url's database. Returns 0 or -1. */
int raw_exec(const char *url, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * raw_count - the integer in the first column of the first row of the SQL
 * made from @fmt: a count(*), a max(). Returns it, or -1 on failure (also
 * for NULL and when there is no row).
 */
int64_t raw_count(const char *url, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** raw_reset - drop everything in @url's database, so that it is empty. Returns 0 or -1. */
int raw_reset(const char *url);

/** A lock held on a second connection. */
typedef struct raw_lock raw_lock;

/**
 * raw_lock_row - on a connection of its own, start a transaction holding the
 * write lock that covers row @id of @table (the whole database on SQLite, the
 * row elsewhere), until raw_unlock(). Returns the lock, or NULL on failure.
 */
raw_lock *raw_lock_row(const char *url, const char *table, const char *id);

/** raw_unlock - roll the lock's transaction back and close its connection. NULL is allowed. */
void raw_unlock(raw_lock *lock);

/* ---- what tests know of an engine ------------------------------------------ */

/*
 * Round trips per call, as trail_round_trips() and a TCP relay count them
 * (test_round_trips), every statement prepared already. All 0 without a
 * server; with one, each at least 1.
 */
typedef struct raw_trips {
    int create, update, remove;
    int unchanged;               /* an update that changes nothing */
    int begin, in_group, commit; /* trail_begin(), each call inside it, trail_commit() */
} raw_trips;

/*
 * Statements an audited write runs (trail_statements()), in a connection
 * whose lane is open, transaction control included (test_round_trips): what
 * shows that no write reads the latest event back or takes a node-wide
 * lock (SPEC §4). Required of every engine.
 */
typedef struct raw_statements {
    int create, update, remove;
} raw_statements;

/*
 * What the tests pin down per engine. A NULL string is "the engine has
 * none", and the tests that need it skip (or, where it is only a part,
 * leave that part out), except where trail says otherwise: test_types fails
 * on no casts for a driver whose dialect has date and timestamp types, and
 * test_cli_engines on no wrong_password for a fixture URL with a password.
 * Those marked "server" are required of an engine with a server:
 * raw_engine_of() refuses a row without them.
 */
typedef struct raw_engine {
    const char *driver;        /* trail's driver of its URLs, as its dialect names it: "pg" */
    bool server;               /* a server process (false: a file, SQLite) */
    raw_trips trips;           /* server: round trips per call (test_round_trips) */
    raw_statements statements; /* statements per write (test_round_trips) */

    /*
     * server: the server's PID file, in its fixture's directory
     * (TRAIL_TEST_SERVER_DIR), for test_timeouts to pause it.
     */
    const char *pid_file;
    /*
     * server: the URL parameter that names a connection's session, by which
     * raw_sessions(), raw_sessions_waiting() and raw_kill_session() find it
     * (test_kill, test_timeouts).
     */
    const char *session_key;

    /* URL parameters of timeouts, which win over trail_open()'s options (test_timeouts). */
    const char *url_connect_timeout; /* whole seconds, as the client library reads it */
    const char *url_read_timeout, *url_write_timeout;
    /*
     * The client library's environment variable that stands in for trail's
     * default connect timeout when neither the URL nor the options say one.
     */
    const char *env_connect_timeout;

    /*
     * A limit on one statement's size that a change event can reach
     * (test_errors): its name, as the driver's message says it ("the
     * max_allowed_packet of N bytes"), and SQL that reads it.
     */
    const char *statement_limit, *statement_limit_sql;

    /*
     * SQL that drops the routines migrate makes for the audited writes
     * (test_migrate), as in a database migrated by another build of trail;
     * NULL where the writes call none, or where no test drops them.
     */
    const char *drop_write_routines;

    /*
     * The driver's own conversions of dates and timestamps (test_types): SQL
     * that casts its one parameter to a timestamp and to a date (NULL: they
     * are stored as numbers, nothing converts), and SQL of values the engine
     * holds that are no value of trail's, NULL-terminated.
     */
    const char *cast_timestamp, *cast_date;
    const char *timestamps_beyond[4], *dates_beyond[4];
    /*
     * SQL that casts its one parameter to a JSON type whose binary form the
     * driver encodes in a buffer of its own (test_types); NULL where the
     * driver sends the caller's bytes as they are.
     */
    const char *cast_json;

    /*
     * SQL that gives shop's products table the text columns that tables made
     * by an older trail keep, since migrate alters no column (test_types):
     * NULL when they are today's.
     */
    const char *older_columns;

    /*
     * The event table's op column as older trails made it (test_migrate),
     * its definition in their CREATE TABLE, name first, required of every
     * engine: op_before_merges before the ops merge and resolve (commit
     * 7a6c059 added them, and widened MariaDB's column from 6 to 7),
     * op_in_list from then until the CHECK became an OR of the ops.
     */
    const char *op_before_merges, *op_in_list;
    /*
     * SQL for raw_count() whose value changes whenever the event table's op
     * CHECK is made again (test_migrate), required of every engine. MariaDB's,
     * the table's creation time, counts whole seconds.
     */
    const char *op_check_stamp;

    /* What the server answers a wrong password (tests/cli/test_cli_engines.c). */
    const char *wrong_password;

    /* trail_verify() starts with the engine's own integrity check (test_history). */
    bool integrity_check;

    /*
     * JSON comes back as PostgreSQL's jsonb writes it (test_types): numbers
     * in positional notation with every digit kept (1e3 is 1000, 1.50 stays
     * 1.50, -0 is 0), object keys shortest first, ", " and ": " between
     * items. False: as it was written.
     */
    bool json_as_jsonb;

    /*
     * The engine's catalog of indexes (test_migrate), required of every
     * engine: SQL formats for raw_count(). index_count takes a table: how
     * many indexes it has besides its primary key. index_width takes a table
     * and an index: how many columns the index has (0: there is none).
     * index_column_at takes a table, an index and a column: the column's
     * place in the index, from 1 (no row when it is not there).
     */
    const char *index_count, *index_width, *index_column_at;
} raw_engine;

/**
 * raw_engine_of - the engine of @url: its row in raw.c. NULL, saying why on
 * stderr, when no driver of trail's takes @url, when raw.c has no row for
 * its driver, or when the row lacks what an engine with a server needs.
 */
const raw_engine *raw_engine_of(const char *url);

/** raw_sessions - how many sessions of @url's server are named @name; -1 on failure. */
int64_t raw_sessions(const char *url, const char *name);

/** raw_sessions_waiting - how many sessions named @name wait for a row lock; -1 on failure. */
int64_t raw_sessions_waiting(const char *url, const char *name);

/**
 * raw_kill_session - end the session named @name from the server's side, as
 * an administrator would, and wait until it is gone. Returns 1 when it
 * killed the one session so named; another count when there was not
 * exactly one (0: none); -1 on failure.
 */
int64_t raw_kill_session(const char *url, const char *name);

/**
 * raw_in_transaction - whether the writer named @name holds a transaction
 * open and waits in it for its client: 1 yes, 0 no, -1 on failure. For a
 * test that stopped the client (SIGSTOP) and must know whether a kill now
 * lands inside a transaction (test_sync_kill). A server first lets the
 * statement in flight, if any, finish: a session then waiting for its
 * client in a transaction has sent no COMMIT. SQLite has no sessions:
 * there it is whether a connection holds the file's one write lock (whose,
 * the caller knows; @name is ignored), which a writer stopped inside its
 * COMMIT holds too.
 */
int64_t raw_in_transaction(const char *url, const char *name);

#endif /* IT_RAW_H */
