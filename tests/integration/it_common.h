/*
 * it_common.h - what every integration test shares: a fresh database per
 * test, the nodes of a replication test, checks of return codes and
 * messages, copies of change events, JSON comparison, sorted lines of text,
 * and a few records to work on.
 *
 * The database comes from TRAIL_TEST_URL, else from the first line of the
 * file TRAIL_TEST_URL_FILE names (where ctest's server fixture writes the URL
 * of the server it started), and is emptied before each test (see
 * raw_reset()); without either, each test gets a new SQLite file in a
 * temporary directory, removed afterwards. Test logic never assumes SQLite:
 * what must go behind trail's back goes through raw.h.
 */
#ifndef IT_COMMON_H
#define IT_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>

#include "everything.h"
#include "raw.h"
#include "shop.h"
#include "core/sha256.h" /* TRAIL_SHA256_HEX_LEN, for it_event_hash() */

/* ---- the database of one test ------------------------------------------ */

typedef struct it_db {
    char url[PATH_MAX + 16];
    char dir[PATH_MAX]; /* the temporary directory of a SQLite file; "" for a server's URL */
    trail_conn *db;     /* opened by it_setup(); NULL after it_setup_empty() */
    bool verify;        /* it_teardown() is to verify db: not tampered with, not verified yet */
} it_db;

/** cmocka setup: an empty database, opened, with shop and everything migrated. */
int it_setup(void **state);

/** cmocka setup: an empty database and its URL; nothing opened, nothing migrated. */
int it_setup_empty(void **state);

/**
 * cmocka teardown of both: unless the test tampered with the database, fails
 * when trail_verify() finds a problem, so that every test's writes are
 * verified; then closes t->db and removes what the setup made.
 */
int it_teardown(void **state);

/** it_open - a new connection to the test's database; fails the test when it cannot. */
trail_conn *it_open(const it_db *t, const trail_open_opts *opts);

/** it_migrate - migrate both schemas on @db; fails the test when it cannot. */
void it_migrate(trail_conn *db);

/**
 * it_tamper - run the SQL made from @fmt behind trail's back, failing the
 * test if it cannot. The teardown then leaves verify to the test.
 */
void it_tamper(it_db *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * it_engine - what the tests know of the engine of @t's database (raw.h);
 * fails the test when raw.c knows no engine of its driver.
 */
const raw_engine *it_engine(const it_db *t);

/**
 * it_test_engine - the engine of the database the tests will get, for a
 * program's main() to choose its tests; NULL, having said why, when there is
 * none or raw.c knows none.
 */
const raw_engine *it_test_engine(void);

/** it_url_with - @url with the query parameter @key=@value added, in @out; fails the test if too
 * long. */
void it_url_with(const char *url, const char *key, const char *value, char *out, size_t size);

/**
 * it_url_port - @url (scheme://[user[:password]@]host[:port]…) reaching
 * 127.0.0.1:@port instead, in @out: a relay's or a listener's. Returns the
 * port @url named, 0 when it named none; fails the test when @url has no
 * host or the result is too long.
 */
int it_url_port(const char *url, int port, char *out, size_t size);

/**
 * it_url_host_first - @url with the host 127.0.0.1:@port put before its own
 * (a list of hosts: scheme://[user[:password]@]127.0.0.1:@port,host…), in
 * @out; fails the test when @url has no scheme or the result is too long.
 */
void it_url_host_first(const char *url, int port, char *out, size_t size);

/**
 * it_url_password - @url (scheme://user[:password]@host…) with the password
 * @password instead of its own, in @out; and with the port @port instead of
 * its own when @port is not 0 (the URL must have one). Fails the test when
 * @url has no user or the result is too long.
 */
void it_url_password(const char *url, const char *password, unsigned port, char *out, size_t size);

/** The longest password it_url_secret() takes, NUL included. */
#define IT_SECRET_MAX 256

/**
 * it_url_secret - the password of @url (scheme://user:password@…) as
 * written there, in @raw, and %-decoded, in @plain; both "" when it has
 * none. Fails the test when it is too long.
 */
void it_url_secret(const char *url, char raw[IT_SECRET_MAX], char plain[IT_SECRET_MAX]);

/**
 * it_expect_no_password - fails the test when @text shows the password of
 * @url (it_url_secret()), as written there or decoded.
 */
void it_expect_no_password(const char *text, const char *url);

/** it_rows - the rows of @table, counted behind trail's back; -1 on failure. */
int64_t it_rows(const it_db *t, const char *table);

/** Wall-clock milliseconds, as trail stamps created_at. */
int64_t it_now_ms(void);

/** Milliseconds of CLOCK_MONOTONIC, for durations and deadlines. */
int64_t it_mono_ms(void);

/** it_sleep_ms - sleep @ms milliseconds. */
void it_sleep_ms(int ms);

/* ---- the nodes of a replication test (test_sync, test_sync_kill) --------- */

/**
 * it_sync_pair - the engines of TRAIL_SYNC_PAIR, ENGINE:ENGINE ("sqlite",
 * "pg", "mysql"; "sqlite:sqlite" when unset), in @a (node A's) and @b
 * (node B's). Returns 0, or -1 saying why.
 */
int it_sync_pair(char a[16], char b[16]);

/**
 * it_node_db - a database of @engine for a node, in t->url: a new SQLite
 * file in a directory of its own (t->dir), or the database of the server
 * ctest's fixture started, whose URL is in the file that
 * TRAIL_SYNC_PG_URL_FILE or TRAIL_SYNC_MYSQL_URL_FILE names, emptied.
 * Nothing is opened. Returns 0, or -1 saying why.
 */
int it_node_db(it_db *t, const char *engine);

/** it_node_close - close t->db and remove t->dir, if any, with what is in it; @t itself stays. */
void it_node_close(it_db *t);

/**
 * it_nodes_open - for each of the @n nodes, a database of engines[i]
 * (it_node_db()), opened and migrated. Returns 0, or -1 saying why, with
 * every node closed again.
 */
int it_nodes_open(it_db *nodes, size_t n, const char *const *engines);

/** it_nodes_close - it_node_close() each of the @n nodes. */
void it_nodes_close(it_db *nodes, size_t n);

/* ---- the members of a cluster (test_galera, test_standby) ---------------- */

/**
 * it_member_url - the URL of a member of the cluster that ctest's fixture
 * started in the directory the environment variable @var names, from the
 * file @file there (url3, url-standby), into t->url; nothing opened. Fails
 * the test when it cannot.
 */
void it_member_url(it_db *t, const char *var, const char *file);

/**
 * it_member_open - a member of the cluster that ctest's fixture started in
 * the directory the environment variable @var names, its URL in the file
 * @file there (url3, url-standby): t->url set and t->db opened; nothing
 * emptied, nothing migrated. Fails the test when it cannot.
 */
void it_member_open(it_db *t, const char *var, const char *file);

/**
 * it_standby_wait - wait until the PostgreSQL hot standby at @standby has
 * replayed everything the primary at @primary wrote so far (its replay LSN
 * has reached the primary's current WAL LSN), up to 30 s; fails the test
 * when it does not.
 */
void it_standby_wait(const char *primary, const char *standby);

/**
 * it_standby_refusals - how many statements the standby of the fixture in
 * TRAIL_TEST_CLUSTER_DIR refused for being read-only (SQLSTATE 25006), as
 * its server log says: what proves that a reader did not even try to write.
 */
int64_t it_standby_refusals(void);

/**
 * it_standby_refused_none - fails the test, blaming @who, when the standby
 * refused statements for being read-only since it_standby_refusals() was
 * @before.
 */
void it_standby_refused_none(int64_t before, const char *who);

/**
 * it_member_has - on the member of @file (as it_member_open()), wait until
 * customer @c, created on another member, has arrived (up to 30 s: a
 * replica applies a commit after the writer's server acknowledged it) and
 * read it with shop_customer_get(); fails the test unless it is @c's
 * first version, or, with @verify, unless trail_verify() is clean there.
 */
void it_member_has(const char *file, const shop_customer *c, bool verify);

/**
 * it_galera_caught_up - wait until each of the first @members members of the
 * Galera cluster of TRAIL_TEST_CLUSTER_DIR (url1, url2…) has applied every
 * write that any of them acknowledged before the call (up to 30 s), so that
 * what is read there next is causal. A node acknowledges a commit once the
 * cluster certified it, and applies the others' later: the highest
 * wsrep_last_committed of the members (one numbering, the cluster's) is
 * waited for on each. Fails the test when a member does not get there.
 */
void it_galera_caught_up(int members);

/* ---- two nodes (test_merge, test_resolve, test_verify_merge) ------------- */

enum { IT_PAIR_NODES = 2 };

/** Two nodes: node[0] ("A") of TRAIL_SYNC_PAIR's first engine, node[1] ("B") of its second. */
typedef struct it_pair {
    it_db node[IT_PAIR_NODES];
} it_pair;

/** cmocka setup: an it_pair in *@state, both nodes opened and migrated (it_nodes_open()). */
int it_pair_setup(void **state);

/** cmocka teardown of it_pair_setup(): closes both nodes, removes what they made. */
int it_pair_teardown(void **state);

/**
 * it_sync_ok - trail_sync() from @src to @dst, @batch_size events a batch
 * (0: trail_sync()'s default); fails the test unless it succeeds with no
 * event refused or held, saying the last refused when there is one.
 */
void it_sync_ok(trail_conn *src, trail_conn *dst, int batch_size);

/** it_pair_sync - it_sync_ok() from A to B, then from B to A. */
void it_pair_sync(it_pair *p, int batch_size);

/* ---- return codes and messages ----------------------------------------- */

void it_expect_rc(trail_conn *db, int want, int got, const char *call, const char *file, int line);

/** Fails the test unless @call returns @want; says both codes and trail_errmsg(db). */
#define IT_EXPECT(db, want, call) it_expect_rc((db), (want), (call), #call, __FILE__, __LINE__)
#define IT_OK(db, call)           IT_EXPECT(db, TRAIL_OK, call)

void it_expect_msg(trail_conn *db, const char *file, int line, ...);

/** Fails the test unless trail_errmsg(db) contains every one of the strings given. */
#define IT_MSG(db, ...) it_expect_msg((db), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)

/* ---- JSON ---------------------------------------------------------------- */

#include <jansson.h>

void it_json_is_at(const char *file, int line, const char *text, json_t *want);

/**
 * Fails the test unless the JSON @text equals @want (a jansson value, whose
 * reference this takes), compared as JSON values: key order aside, numbers
 * exact. JSON columns are compared so too, since PostgreSQL and MySQL store
 * them normalized.
 */
#define IT_JSON_IS(text, want) it_json_is_at(__FILE__, __LINE__, (text), (want))

void it_json_eq_at(const char *file, int line, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** IT_JSON_IS() with the expected JSON made from the printf format that follows. */
#define IT_JSON_EQ(text, ...) it_json_eq_at(__FILE__, __LINE__, (text), __VA_ARGS__)

/* ---- change events ------------------------------------------------------ */

/** Events read with trail_history(), copied: the strings are the set's own. */
typedef struct it_events {
    size_t n;
    trail_change_event *ev;
} it_events;

/** it_history - copy the events trail_history() gives for the same arguments into *@out. */
void it_history(trail_conn *db, const char *table, const char *record_id, it_events *out);

/** it_latest_values - the new_values of the latest event of @table's @record_id (caller frees). */
char *it_latest_values(trail_conn *db, const char *table, const char *record_id);

/** it_events_free - free what it_history() copied and zero @evs. */
void it_events_free(it_events *evs);

/** it_print_report - print (some of) the problems of @r, for a failing test. */
void it_print_report(const trail_verify_report *r);

/** it_verify_clean - fails the test unless trail_verify() finds nothing wrong in t->db. */
void it_verify_clean(it_db *t);

/** it_local_node - this database's node id, as trail_nodes() reports it; the caller frees it. */
char *it_local_node(trail_conn *db);

/* ---- lines of text (converge_checks.c, test_sync_kill.c) --------------------- */

/**
 * What a database holds, put as lines of text (a row, an event, with
 * every column), to be sorted and compared whatever order the engine
 * read them in; a difference then names the line.
 */
typedef struct it_lines {
    char **line;
    size_t n, cap;
} it_lines;

/** it_add_line - a line made from the printf format @fmt, added to @l; fails the test on ENOMEM. */
void it_add_line(it_lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** it_lines_sort - sort @l's lines by strcmp(). */
void it_lines_sort(it_lines *l);

/** it_lines_free - free @l's lines and zero @l. */
void it_lines_free(it_lines *l);

/* ---- records to work on -------------------------------------------------- */

/** A context with every field set, and its values. */
extern const trail_ctx it_full_ctx;

/** it_customer - create a customer with @email and defaults elsewhere into @out. */
void it_customer(trail_conn *db, const char *email, shop_customer *out);

/**
 * it_event_hash - the hash of @ev's columns (the trail_change_event
 * members of the same names) as trail makes it: what a test that forges
 * an event, or checks one, computes.
 */
void it_event_hash(const trail_change_event *ev, char out[TRAIL_SHA256_HEX_LEN + 1]);

/** A column of an event copied by it_event_copy_lists(), and the SQL literal it takes instead. */
typedef struct it_column_literal {
    const char *column, *literal;
    bool quoted; /* a string literal: in single quotes */
} it_column_literal;

/**
 * it_event_copy_lists - for an `INSERT INTO trail_change_events (@cols)
 * SELECT @values FROM trail_change_events WHERE …` that copies an event
 * but the columns of @set (@n of them), which take their literals: every
 * event column's name, quoted, into @cols, and into @values the same or
 * the literal. Fails the test when either does not fit.
 */
void it_event_copy_lists(const it_column_literal *set, size_t n, char *cols, size_t cols_size,
                         char *values, size_t values_size);

/**
 * it_customer_edit - on @db, customer @id at @version: its name set (@name
 * not NULL), else its credit; fails the test when the update fails.
 */
void it_customer_edit(trail_conn *db, const char *id, int64_t version, const char *name,
                      int64_t credit);

/** it_customer_ids - create @n customers (row0@x.org, row1@x.org…) and keep their ids in @ids. */
void it_customer_ids(trail_conn *db, size_t n, char (*ids)[TRAIL_ULID_LEN + 1]);

/** it_account - create an account with @handle; returns its id. */
int64_t it_account(trail_conn *db, const char *handle);

#endif /* IT_COMMON_H */
