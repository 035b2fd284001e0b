/*
 * raw.h - the integration tests' way around trail: plain SQL on the test
 * database, through the engine's own client library.
 *
 * Tests use it for what trail must not be asked to do (tamper with an event,
 * edit a live row, hold a lock) or must not be trusted with (counting rows,
 * wiping the database), so this is the only file that knows each engine. SQL
 * given here is standard: identifiers double-quoted ("key" is reserved in
 * MySQL), strings single-quoted. The engines:
 *
 *   sqlite:PATH        sqlite3. raw_reset() drops every table (creating the
 *                      file if missing); raw_lock_row() takes the one write
 *                      lock of the file (BEGIN IMMEDIATE).
 *   postgresql://...   libpq (postgres:// too). raw_reset() drops schema public
 *                      with all in it and creates it again; raw_lock_row()
 *                      locks the row (SELECT ... FOR UPDATE).
 *   mysql://...        MariaDB Connector/C (mariadb:// too), in ANSI_QUOTES
 *                      mode so that the same SQL runs there. raw_reset()
 *                      drops every table of the URL's database; raw_lock_row()
 *                      locks the row (SELECT ... FOR UPDATE).
 *
 * Every function prints why it failed on stderr, the client libraries'
 * messages included, so a test only checks the result.
 */
#ifndef IT_RAW_H
#define IT_RAW_H

#include <stdint.h>

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

#endif /* IT_RAW_H */
