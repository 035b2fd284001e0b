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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A connection. Opaque. */
typedef struct trail_conn trail_conn;

/** Options for trail_open(). A zeroed struct (or NULL) means defaults. */
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
} trail_open_opts;

/**
 * trail_open - connect to @url.
 *
 * @out:  receives the connection, also on most failures so that
 *        trail_errmsg() can say what went wrong; the caller closes it with
 *        trail_close() in both cases.
 * @opts: options, or NULL; copied, not kept.
 *
 * Returns TRAIL_OK, TRAIL_EARG (an unknown URL form), TRAIL_EDB, TRAIL_ENOMEM.
 */
int trail_open(trail_conn **out, const char *url, const trail_open_opts *opts);

/**
 * trail_url_redact - @url as it may be shown to a person: every password in
 * it replaced by "***" (postgresql://user:***@host/db, mysql://user:***@host,
 * a `password=***` query parameter, libpq's `password=***`). For logging the
 * URL a program connects to; trail's own messages never hold a password.
 *
 * @buf:  receives the text, cut on a UTF-8 boundary to fit @size bytes
 *        (NUL included); an empty string for a NULL @url.
 *
 * Returns @buf.
 */
char *trail_url_redact(char *buf, size_t size, const char *url);

/** trail_close - close and free a connection; an open transaction is rolled back. NULL is allowed.
 */
void trail_close(trail_conn *db);

/**
 * trail_errmsg - what the last failing call on @db did wrong, in words a
 * person can act on. Valid until the next call on @db. Never NULL.
 */
const char *trail_errmsg(const trail_conn *db);

/**
 * trail_migrated - whether @db holds trail's tables, which a generated
 * <schema>_migrate() creates: what a reader checks before trusting that an
 * empty answer means "no history" rather than "not a trail database".
 * Returns TRAIL_OK, or TRAIL_EDB with trail_errmsg() saying what is missing.
 */
int trail_migrated(trail_conn *db);

/**
 * trail_round_trips - how many times @db has sent to its server and waited
 * for the answer since it was opened: each statement's first preparation
 * included. 0 on SQLite, which has no server. For tests and metrics.
 */
uint64_t trail_round_trips(const trail_conn *db);

/**
 * trail_begin - start a transaction that the following audited calls join,
 * with one tx_id for all their events, until trail_commit() or
 * trail_rollback(). Returns TRAIL_OK, TRAIL_EARG (one is already open), or a
 * database failure code.
 */
int trail_begin(trail_conn *db);

/** trail_commit - commit the transaction of trail_begin(), events included. */
int trail_commit(trail_conn *db);

/** trail_rollback - undo the transaction of trail_begin(), events included. */
int trail_rollback(trail_conn *db);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_CONN_H */
