/*
 * trail/conn.h - connections and transactions.
 *
 * A connection is one database session: SQLite ("sqlite:PATH",
 * "sqlite::memory:"), PostgreSQL ("postgresql://…") or MySQL/MariaDB
 * ("mysql://…"). It carries its node identity, its clock and the message of
 * its last failure. A connection is used by one thread at a time.
 */
#ifndef TRAIL_CONN_H
#define TRAIL_CONN_H

#include "trail/api.h"
#include "trail/hlc.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A connection. Opaque. */
typedef struct trail_conn trail_conn;

/** A timeout of trail_open_opts that never ends a wait (0 there means the default). */
#define TRAIL_TIMEOUT_NONE (-1)

/** The longest node id, in characters (trail_open_opts.node_id). */
#define TRAIL_NODE_ID_MAX 64

/** connect_timeout_ms's default: 10 s. */
#define TRAIL_CONNECT_TIMEOUT_DEFAULT_MS 10000

/** io_timeout_ms's default: 30 s (or twice the lock wait, when that is longer). */
#define TRAIL_IO_TIMEOUT_DEFAULT_MS 30000

/**
 * Options for trail_open(). Start from TRAIL_OPEN_OPTS_INIT and assign the
 * fields wanted; every field's zero means its default, so NULL options and a
 * zeroed struct mean defaults too.
 */
typedef struct trail_open_opts {
    /** This database's node id when it has none yet; NULL makes one. */
    const char *node_id;
    /**
     * Open for reading only: nothing is written on open (not even the node's
     * last-seen time), and writes fail. For inspecting a database, e.g. with
     * the `trail` tool, possibly one the user may not write to.
     */
    bool read_only;
    /** SQLite: synchronous=FULL instead of NORMAL. */
    bool sync_full;
    /** How long to wait for a lock, in milliseconds; 0 means the default (5000). */
    int busy_timeout_ms;
    /** Retries of a transaction after deadlock or serialization failure; 0 means 5. */
    int max_retries;
    /** Refuse remote clocks further ahead than this; 0 means 500 ms. */
    int64_t max_drift_ms;
    /**
     * How long trail_open() waits for a server to accept the connection and
     * answer its handshake, in milliseconds; 0 means
     * TRAIL_CONNECT_TIMEOUT_DEFAULT_MS, TRAIL_TIMEOUT_NONE no limit. The
     * drivers count whole seconds (rounded up; libpq waits at least 2 s),
     * per address tried. A connect_timeout in the URL wins. Not used on
     * SQLite.
     */
    int connect_timeout_ms;
    /**
     * The read/write timeout: how long a call waits for the server to answer,
     * or to take what is sent, in milliseconds. The wait starts again
     * whenever the server sends or takes anything, so a long result that
     * keeps coming is not cut. A server silent for longer fails the call
     * with TRAIL_EDB, "the server did not answer within N s", and the
     * connection is given up: the next call outside a transaction connects
     * again (inside one, every call fails until trail_rollback()), and
     * trail_close() returns at once. 0 means TRAIL_IO_TIMEOUT_DEFAULT_MS, or twice
     * busy_timeout_ms when that is longer, so that a lock wait ends as
     * TRAIL_EBUSY first; TRAIL_TIMEOUT_NONE means no limit. A statement the
     * server runs for longer (a long migration) needs a longer one.
     * MariaDB counts whole seconds (rounded up). The URL's read_timeout and
     * write_timeout win (mysql:// only). Not used on SQLite, whose lock wait
     * is busy_timeout_ms.
     */
    int io_timeout_ms;
    /**
     * The wall clock, in milliseconds since the Unix epoch; NULL means
     * CLOCK_REALTIME. The connection's HLC advances from it (and judges a
     * remote clock's drift against it), and the wall times the connection
     * writes come from it: an event's created_at, a lane's opened_at and
     * sealed_at, the node's last seen time. For tests (a node whose clock
     * runs an hour ahead) and for programs that keep time of their own. It
     * is called from the thread using the connection, and must keep working
     * until trail_close() returns.
     */
    trail_hlc_wall_fn wall;
    /** Passed to wall. */
    void *wall_userdata;
} trail_open_opts;

/**
 * The options every trail_open_opts starts from, all defaults:
 * `trail_open_opts o = TRAIL_OPEN_OPTS_INIT; o.io_timeout_ms = 5000;`. Each
 * default is a zero, so a struct that started elsewhere (`{0}`, a
 * designated initializer) means the same.
 */
#define TRAIL_OPEN_OPTS_INIT                                                                       \
    {                                                                                              \
        .node_id = NULL                                                                            \
    }

/**
 * trail_open - connect to @url.
 *
 * @out:  receives the connection, also on most failures so that
 *        trail_errmsg() can say what went wrong; the caller closes it with
 *        trail_close() in both cases.
 * @opts: options, or NULL; copied, not kept.
 *
 * The URL may name several hosts (mysql://h1:p1,h2:p2/db; libpq's own
 * multi-host forms): they are tried in order, here and whenever the
 * connection was lost and the next call outside a transaction connects
 * again. The URL is kept for that, in memory, until trail_close().
 *
 * Returns TRAIL_OK, TRAIL_EARG (an unknown URL form, a negative option
 * other than TRAIL_TIMEOUT_NONE), TRAIL_EDB (also when the server did not
 * answer within the connect timeout), TRAIL_ENOMEM.
 */
TRAIL_API int trail_open(trail_conn **out, const char *url, const trail_open_opts *opts);

/** trail_close - close and free a connection; an open transaction is rolled back. NULL is allowed.
 */
TRAIL_API void trail_close(trail_conn *db);

/**
 * trail_errmsg - what the last failing call on @db did wrong, in words a
 * person can act on. Valid until the next call on @db. Never NULL.
 */
TRAIL_API const char *trail_errmsg(const trail_conn *db);

/**
 * trail_migrated - whether @db holds trail's tables, which a generated
 * <schema>_migrate() creates: what a reader checks before trusting that an
 * empty answer means "no history" rather than "not a trail database".
 * Returns TRAIL_OK, or TRAIL_EDB with trail_errmsg() saying what is missing.
 */
TRAIL_API int trail_migrated(trail_conn *db);

/**
 * trail_round_trips - how many times @db has sent to its server and waited
 * for the answer since it was opened: each statement's first preparation
 * included. 0 on SQLite, which has no server. For tests and metrics.
 */
TRAIL_API uint64_t trail_round_trips(const trail_conn *db);

/**
 * trail_statements - how many statements @db has run since it was opened,
 * on any engine, transaction control included and preparation not: what a
 * write costs the engine beside the wire. For tests and metrics.
 */
TRAIL_API uint64_t trail_statements(const trail_conn *db);

/**
 * trail_retries - how many times an audited write of @db, or the
 * registration of its lane, was run again since @db was opened, because
 * the engine undid it: a deadlock, a serialization failure, or on a Galera
 * cluster a write that lost certification to another node's at commit. The
 * rate of contention, for tests and metrics.
 */
TRAIL_API uint64_t trail_retries(const trail_conn *db);

/**
 * trail_begin - start a transaction that the following audited calls join,
 * with one tx_id for all their events, until trail_commit() or
 * trail_rollback(). Returns TRAIL_OK, TRAIL_EARG (one is already open), or a
 * database failure code.
 */
TRAIL_API int trail_begin(trail_conn *db);

/** trail_commit - commit the transaction of trail_begin(), events included. */
TRAIL_API int trail_commit(trail_conn *db);

/** trail_rollback - undo the transaction of trail_begin(), events included. */
TRAIL_API int trail_rollback(trail_conn *db);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_CONN_H */
