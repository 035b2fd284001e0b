/*
 * bench_write.c - what an audited write costs on SQLite.
 *
 * Four ways of changing one customer's credit, measured in one run on files
 * with identical settings (WAL, foreign keys on, a busy timeout; the whole
 * set at synchronous=NORMAL, then again at FULL):
 *
 *   - plain: UPDATE customers SET credit = ? WHERE id = ?, raw sqlite3, the
 *     statement prepared once, each write its own (autocommit) transaction;
 *   - version-checked: the same with SET ..., version = version + 1 and
 *     WHERE ... AND version = ?;
 *   - trigger audit: the version-checked UPDATE, with an AFTER UPDATE
 *     trigger inserting into trail_change_events what audit triggers
 *     deployed today write (bench_shop.h: bench_trigger_row): json_object()
 *     of the whole OLD and NEW rows, the changed fields, the context
 *     columns, 26-character ids, an hlc and created_at; the connection's
 *     lane and a seq unique in it; no hash (make_trigger_sql());
 *   - trail: shop_customer_update() of the generated code, with a trail_ctx
 *     holding the trigger's context values.
 *
 * Plain, trigger and trail run again with 100 writes per transaction, at
 * NORMAL and at FULL (trail inside trail_begin/trail_commit). The program
 * prints the ratios against issue 16's targets and whether each is met.
 *
 * Every file starts as a copy of one template made through trail: the
 * generated DDL (so the event table has trail's columns and indexes in every
 * case) and the same customers, each with its insert event. Every case of
 * every repetition gets its own fresh copy in one temporary directory.
 * Updates go round robin over the customers; the credit written is new each
 * time, so that no trail update is a no-op. A case runs for a fixed time
 * after a short warm-up; its figure is writes over elapsed time
 * (CLOCK_MONOTONIC). Each figure is the median of several repetitions, the
 * cases taking turns within each (each repetition starting one case later);
 * ratios are medians of the per-repetition ratios. After each run the file
 * is checked: every write is there, and every audited write has its event.
 *
 * Then trail runs once more, one write per transaction and 100, through a
 * copy of its SQLite driver (driver/driver.h's function table) that counts the
 * statements of each write and times them; what is left is the time spent
 * outside the driver (values, JSON, hash, ids).
 *
 * --quick (what ctest runs) uses tiny counts only to prove the program
 * works: its figures mean nothing and no figure is ever asserted.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, fsync */
#include "bench_files.h"
#include "bench_shop.h"
#include "bench_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROWS   1000
#define DEFAULT_REPS   7
#define DEFAULT_MS     300
#define DEFAULT_WARMUP 200
#define QUICK_ROWS     20
#define QUICK_REPS     1
#define QUICK_MS       20
#define QUICK_WARMUP   10
#define MAX_REPS       BENCH_MAX_REPS
#define MAX_ROWS       1000000L
#define BATCH          100 /* writes per transaction in the batched cases */
#define PROFILE_WRITES 4000L
#define DIR_MAX        1024           /* the temporary directory's path */
#define PATH_LEN       (DIR_MAX + 32) /* a file in it */
#define URL_LEN        (PATH_LEN + 8) /* "sqlite:" and a file */

/* The targets this benchmark judges against (issue 16): see targets[]. */
#define TARGET_TRAIL_VS_TRIGGER      1.0  /* NORMAL and FULL, 1 and 100 writes per transaction */
#define TARGET_TRAIL_VS_PLAIN_NORMAL 0.40 /* one write per transaction */
#define TARGET_TRAIL_VS_PLAIN_FULL   0.70 /* one write per transaction */
#define TARGET_BATCH_VS_PLAIN        1.3  /* NORMAL: trail, 100 per transaction / plain, one */

/* ---- Files. ---- */

/* A database file and its WAL and shared-memory files. */
static void remove_db(const char *path)
{
    char p[PATH_LEN + 8];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
}

/* Copies @src to @dst and syncs it, so that no run flushes the copy's pages. */
static void copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY), out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0)
        bench_die("cannot copy %s to %s: %s", src, dst, strerror(errno));
    char buf[1 << 16];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        if (write(out, buf, (size_t)n) != n)
            bench_die("cannot write %s: %s", dst, strerror(errno));
    }
    if (n < 0 || fsync(out) < 0)
        bench_die("cannot copy %s to %s: %s", src, dst, strerror(errno));
    close(in);
    close(out);
}

/* ---- The template: trail's tables and the customers. ---- */

struct fixture {
    char dir[DIR_MAX];
    char template_path[PATH_LEN];
    long rows;
    char (*ids)[TRAIL_ULID_LEN + 1]; /* of the customers, in creation order */
    char node_id[TRAIL_NODE_ID_MAX + 1];
    bool keep; /* leave each case's last file */
};

/*
 * The template: trail's tables and fx->rows customers (bench_make_customers()).
 * Closing the last connection checkpoints: the template is one
 * self-contained file.
 */
static void make_template(struct fixture *fx)
{
    char url[URL_LEN];
    snprintf(url, sizeof url, "sqlite:%s", fx->template_path);
    bench_make_customers(url, fx->rows, fx->ids, fx->node_id);
}

/* ---- The trigger. ---- */

/*
 * json_object(...) of the row @x ("OLD" or "NEW") as trail writes it: id,
 * version, then every audited field in schema order, in SPEC §4's forms.
 * SQL has no base64, so a blob would be hex; the customers here have no
 * avatar, so both write null.
 */
static void row_object(char *buf, size_t size, const trail_entity *e, const char *x)
{
    buf[0] = '\0';
    bench_append(buf, size, "json_object('id', %s.\"id\", 'version', %s.\"version\"", x, x);
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        const char *n = f->name;
        if (f->flags & TRAIL_FIELD_OMIT)
            continue;
        bench_append(buf, size, ", '%s', ", n);
        if (f->flags & TRAIL_FIELD_REDACT) {
            bench_append(buf, size, "'[redacted]'");
            continue;
        }
        switch (f->type) {
        case TRAIL_TYPE_BOOL:
            bench_append(buf, size,
                         "CASE %s.\"%s\" WHEN 1 THEN json('true') WHEN 0 THEN json('false') END", x,
                         n);
            break;
        case TRAIL_TYPE_DATE:
            bench_append(buf, size, "date(%s.\"%s\" * 86400, 'unixepoch')", x, n);
            break;
        case TRAIL_TYPE_TIMESTAMP:
            bench_append(buf, size,
                         "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', %s.\"%s\" / 1000.0, 'unixepoch')", x,
                         n);
            break;
        case TRAIL_TYPE_BLOB:
            bench_append(buf, size, "nullif(hex(%s.\"%s\"), '')", x, n);
            break;
        case TRAIL_TYPE_JSON:
            bench_append(buf, size, "json(%s.\"%s\")", x, n);
            break;
        default:
            bench_append(buf, size, "%s.\"%s\"", x, n);
            break;
        }
    }
    bench_append(buf, size, ")");
}

/* The JSON array of the audited fields that differ between OLD and NEW. */
static void changed_array(char *buf, size_t size, const trail_entity *e)
{
    buf[0] = '\0';
    bench_append(buf, size, "'[' || rtrim(''");
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *n = e->fields[i].name;
        if (!(e->fields[i].flags & TRAIL_FIELD_OMIT))
            bench_append(buf, size,
                         " || CASE WHEN OLD.\"%s\" IS NOT NEW.\"%s\" THEN '\"%s\",' ELSE '' END", n,
                         n, n);
    }
    bench_append(buf, size, ", ',') || ']'");
}

/* Milliseconds since 1970, now: 'now' stays the same within one sqlite3_step(). */
#define SQL_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
/*
 * An id of 26 characters ordered by time, as a ULID: 7, 11 hex digits of
 * milliseconds, 14 random ones. The 7 puts it after every ULID (whose first
 * character is at most 7), so that, as trail's, each new one goes to the
 * end of the primary key, not before the template's ids.
 */
#define SQL_ID "'7' || printf('%011X', " SQL_MS ") || substr(hex(randomblob(7)), 1, 14)"

/*
 * The TEMP trigger by which connection @lane (a ULID, as an SQL literal)
 * writes an event for every update of a customer: the row audit triggers
 * deployed today write (bench_trigger_row), json_object() of OLD and NEW.
 * The node, the lane and the context are literals, as an application
 * would set them up when it opens the connection; a TEMP trigger is the
 * connection's own, as the lane is. seq is the event's rowid, as SQLite
 * assigns it (what an INTEGER PRIMARY KEY of an audit table holds): one
 * more than the table's largest, found by one descent to the B-tree's
 * last leaf, which the INSERT visits too; unique in the table, so in the
 * lane. The INSERT takes VALUES, not a SELECT: a SELECT that reads the table
 * it inserts into would go through a temporary table.
 */
static void make_trigger_sql(char *sql, size_t size, const struct fixture *fx, const char *lane)
{
    const trail_entity *e = &shop_customer_entity;
    static char old_obj[8192], new_obj[8192], changed[8192];
    row_object(old_obj, sizeof old_obj, e, "OLD");
    row_object(new_obj, sizeof new_obj, e, "NEW");
    changed_array(changed, sizeof changed, e);
    char *node = sqlite3_mprintf("%Q", fx->node_id);
    if (!node)
        bench_die("out of memory");
    bench_trigger_row row;
    bench_trigger_row_init(
        &row, e,
        &(bench_trigger_sql){
            .id = SQL_ID,
            .ms = SQL_MS,
            .node = node,
            .lane = lane,
            .seq = "(SELECT ifnull(max(rowid), 0) + 1 FROM \"trail_change_events\")",
            .record_id = "NEW.\"id\"",
            .version = "NEW.\"version\"",
            .old_values = old_obj,
            .new_values = new_obj,
            .changed = changed,
            .ctx = NULL, /* literals */
        });
    sql[0] = '\0';
    bench_append(sql, size,
                 "CREATE TEMP TRIGGER \"customers_audit\" AFTER UPDATE ON main.\"customers\""
                 " FOR EACH ROW BEGIN INSERT INTO \"trail_change_events\""
                 " (" TRAIL_EVENT_COLUMN_LIST_DQ ") VALUES (");
    bench_trigger_values(sql, size, &row);
    bench_append(sql, size, "); END");
    sqlite3_free(node);
}

/* ---- The cases. ---- */

enum kind { PLAIN, VCHECK, TRIGGER, TRAIL };

struct bench_case {
    const char *name;
    enum kind kind;
    bool full;  /* synchronous=FULL */
    int per_tx; /* writes per transaction */
    double ops[MAX_REPS];
    double event_bytes; /* mean size of the variable columns of an update event */
};

/* One run of a case: its connection and where the round robin stands. */
struct run {
    const struct bench_case *c;
    const struct fixture *fx;
    int64_t *version; /* of each customer */
    long next;        /* writes made so far; the next one's credit is next + 1 */
    sqlite3 *h;
    sqlite3_stmt *update, *begin, *commit;
    trail_conn *db;
};

static void sql_check(sqlite3 *h, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        bench_die("%s: %s", what, sqlite3_errmsg(h));
}

/* The settings trail's driver gives a connection (conn_sqlite.c). */
static sqlite3 *raw_open(const char *path, bool full)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(
        path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
    sql_check(h, rc, path);
    sqlite3_busy_timeout(h, 5000);
    sql_check(h, sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), "journal_mode");
    sql_check(h,
              sqlite3_exec(h, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL,
                           NULL, NULL),
              "synchronous");
    sql_check(h, sqlite3_exec(h, "PRAGMA foreign_keys=ON", NULL, NULL, NULL), "foreign_keys");
    return h;
}

static sqlite3_stmt *prepare(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    sql_check(h, sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL), sql);
    return st;
}

static void run_open(struct run *r, const char *path)
{
    const struct bench_case *c = r->c;
    if (c->kind == TRAIL) {
        char url[URL_LEN];
        snprintf(url, sizeof url, "sqlite:%s", path);
        trail_open_opts opts = { .sync_full = c->full };
        int rc = trail_open(&r->db, url, &opts);
        bench_trail_check(r->db, rc, "trail_open");
        return;
    }
    r->h = raw_open(path, c->full);
    if (c->kind == TRIGGER) {
        static char sql[32768];
        char lane[TRAIL_ULID_LEN + 3] = "'";
        bench_lane_id(lane + 1);
        strcat(lane, "'");
        make_trigger_sql(sql, sizeof sql, r->fx, lane);
        sql_check(r->h, sqlite3_exec(r->h, sql, NULL, NULL, NULL), "CREATE TEMP TRIGGER");
    }
    r->update =
        prepare(r->h, c->kind == PLAIN ? "UPDATE \"customers\" SET \"credit\" = ? WHERE \"id\" = ?"
                                       : "UPDATE \"customers\" SET \"credit\" = ?,"
                                         " \"version\" = \"version\" + 1"
                                         " WHERE \"id\" = ? AND \"version\" = ?");
    r->begin = prepare(r->h, "BEGIN IMMEDIATE");
    r->commit = prepare(r->h, "COMMIT");
}

static void run_close(struct run *r)
{
    if (r->db) {
        trail_close(r->db);
        r->db = NULL;
    }
    if (r->h) {
        sqlite3_finalize(r->update);
        sqlite3_finalize(r->begin);
        sqlite3_finalize(r->commit);
        sqlite3_close(r->h);
        r->h = NULL;
    }
}

static void raw_step(sqlite3 *h, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        bench_die("%s: %s", sqlite3_sql(st), sqlite3_errmsg(h));
}

static void raw_write(struct run *r)
{
    long w = r->next++, i = w % r->fx->rows;
    sqlite3_stmt *st = r->update;
    sqlite3_bind_int64(st, 1, w + 1);
    sqlite3_bind_text(st, 2, r->fx->ids[i], TRAIL_ULID_LEN, SQLITE_STATIC);
    if (r->c->kind != PLAIN)
        sqlite3_bind_int64(st, 3, r->version[i]);
    raw_step(r->h, st);
    if (sqlite3_changes(r->h) != 1)
        bench_die("%s: customer %ld not updated", r->c->name, i);
    r->version[i]++;
}

static void trail_write(struct run *r)
{
    long w = r->next++, i = w % r->fx->rows;
    shop_customer_update_params u = {
        .id = r->fx->ids[i],
        .version = r->version[i],
        .set = SHOP_CUSTOMER_CREDIT,
        .credit = w + 1,
    };
    bench_trail_check(r->db, shop_customer_update(r->db, &bench_ctx, &u, NULL),
                      "shop_customer_update");
    r->version[i]++;
}

/* One transaction of the case's writes. */
static void run_tx(struct run *r)
{
    int n = r->c->per_tx;
    if (r->c->kind == TRAIL) {
        if (n == 1) {
            trail_write(r);
            return;
        }
        bench_trail_check(r->db, trail_begin(r->db), "trail_begin");
        for (int k = 0; k < n; k++)
            trail_write(r);
        bench_trail_check(r->db, trail_commit(r->db), "trail_commit");
        return;
    }
    if (n == 1) {
        raw_write(r); /* autocommit: the UPDATE is its own transaction */
        return;
    }
    raw_step(r->h, r->begin);
    for (int k = 0; k < n; k++)
        raw_write(r);
    raw_step(r->h, r->commit);
}

/* The one value @sql selects (counts too: they are far below 2^53). */
static double query_value(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    sql_check(h, sqlite3_prepare_v2(h, sql, -1, &st, NULL), sql);
    sql_check(h, sqlite3_step(st), sql);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/*
 * Checks the file after @writes writes of @c: every write reached its row,
 * an audited one has its update event (and no other case has any), and no
 * two events share a lane and seq.
 * Returns the mean size in bytes of the update events' variable columns.
 */
static double check_file(const struct bench_case *c, const struct fixture *fx, const char *path,
                         long writes)
{
    sqlite3 *h = raw_open(path, false);
    long credit_rows = (long)query_value(h, "SELECT count(*) FROM customers WHERE credit > 0");
    long versions = (long)query_value(h, "SELECT sum(version) FROM customers");
    long events =
        (long)query_value(h, "SELECT count(*) FROM trail_change_events WHERE op = 'update'");
    char bytes_sql[1024];
    bench_event_bytes_sql(bytes_sql, sizeof bytes_sql, "length(%s)", "length(%s)");
    double bytes = query_value(h, bytes_sql);
    long twins = (long)query_value(h, "SELECT count(*) FROM (SELECT 1 FROM trail_change_events"
                                      " GROUP BY lane_id, seq HAVING count(*) > 1)");
    sqlite3_close(h);
    long touched = writes < fx->rows ? writes : fx->rows;
    bool versioned = c->kind != PLAIN, audited = c->kind == TRIGGER || c->kind == TRAIL;
    if (credit_rows != touched || versions != fx->rows + (versioned ? writes : 0) ||
        events != (audited ? writes : 0) || twins != 0)
        bench_die("%s: after %ld writes, %ld customers written, versions sum to %ld, %ld update"
                  " events, %ld (lane_id, seq) taken twice",
                  c->name, writes, credit_rows, versions, events, twins);
    return bytes;
}

/* Starts a run of @c on a fresh copy of the template at @path, warmed up by @warmup writes. */
static void run_start(struct run *r, const struct bench_case *c, const struct fixture *fx,
                      const char *path, long warmup)
{
    remove_db(path);
    copy_file(fx->template_path, path);
    *r = (struct run){ .c = c, .fx = fx, .version = malloc(sizeof *r->version * (size_t)fx->rows) };
    if (!r->version)
        bench_die("out of memory");
    for (long i = 0; i < fx->rows; i++)
        r->version[i] = 1;
    run_open(r, path);
    while (r->next < warmup)
        run_tx(r);
}

/* Ends a run: closes and checks its file (see check_file()), then removes it unless kept. */
static double run_finish(struct run *r, const char *path)
{
    run_close(r);
    double bytes = check_file(r->c, r->fx, path, r->next);
    if (!r->fx->keep)
        remove_db(path);
    free(r->version);
    return bytes;
}

/* Runs case @index once; returns writes per second. */
static double run_case(struct bench_case *c, int index, const struct fixture *fx, int64_t budget_ns,
                       long warmup, int rep)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/case%02d.db", fx->dir, index);
    struct run r;
    run_start(&r, c, fx, path, warmup);
    long start = r.next;
    int64_t t0 = bench_mono_ns(), t1;
    do {
        run_tx(&r);
        t1 = bench_mono_ns();
    } while (t1 - t0 < budget_ns);
    long done = r.next - start;
    double bytes = run_finish(&r, path);
    if (rep == 0)
        c->event_bytes = bytes;
    return (double)done * 1e9 / (double)(t1 - t0);
}

/* ---- Where trail's time goes: a driver that counts and times statements. ---- */

/*
 * The runtime reaches SQLite only through its driver's function table
 * (driver/driver.h). The pass below puts a copy of the SQLite driver on the connection
 * whose exec, query, begin and commit count each statement, keyed by its
 * text (every statement trail runs is a static string), and time it.
 */
#define MAX_STMTS 32

struct stmt_stat {
    const char *sql; /* the text; NULL for the driver's begin() and commit() */
    const char *what;
    long calls;
    int64_t ns;
    char label[256]; /* summarize()d while the connection, which may own the text, is open */
};

/* The pass's counts: a benchmark program runs one pass at a time. */
static struct {
    struct stmt_stat s[MAX_STMTS];
    int n;
} profile;

static void tally(const char *sql, const char *what, int64_t t0)
{
    int64_t ns = bench_mono_ns() - t0;
    int i = 0;
    while (i < profile.n && !(profile.s[i].sql == sql && profile.s[i].what == what))
        i++;
    if (i == profile.n) {
        if (profile.n == MAX_STMTS)
            bench_die("more than %d distinct statements", MAX_STMTS);
        profile.s[profile.n++] = (struct stmt_stat){ .sql = sql, .what = what };
    }
    profile.s[i].calls++;
    profile.s[i].ns += ns;
}

static int counting_exec(trail_conn *db, const char *sql)
{
    int64_t t0 = bench_mono_ns();
    int rc = trail__driver_sqlite.exec(db, sql);
    tally(sql, "exec", t0);
    return rc;
}

static int counting_query(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                          trail_row_cb cb, void *userdata, int64_t *changes)
{
    int64_t t0 = bench_mono_ns();
    int rc = trail__driver_sqlite.query(db, sql, params, n, cb, userdata, changes);
    tally(sql, "query", t0);
    return rc;
}

static int counting_begin(trail_conn *db)
{
    int64_t t0 = bench_mono_ns();
    int rc = trail__driver_sqlite.begin(db);
    tally(NULL, "begin() BEGIN IMMEDIATE", t0);
    return rc;
}

static int counting_commit(trail_conn *db)
{
    int64_t t0 = bench_mono_ns();
    int rc = trail__driver_sqlite.commit(db);
    tally(NULL, "commit() COMMIT", t0);
    return rc;
}

/*
 * A statement in a few words, without its identifier quotes: its verb and
 * table with "..." for column lists, its WHERE clause, and how many values
 * it binds, e.g. `UPDATE customers SET ... WHERE id = ? AND version = ? [13]`.
 */
static void summarize(char *out, size_t size, const struct stmt_stat *st)
{
    if (!st->sql) {
        snprintf(out, size, "%s", st->what);
        return;
    }
    const char *s = st->sql, *from = strstr(s, " FROM "), *set = strstr(s, " SET ");
    const char *where = strstr(s, " WHERE "), *paren = strchr(s, '(');
    int params = 0;
    for (const char *p = s; *p; p++)
        params += *p == '?';
    char text[512];
    const char *exec = strcmp(st->what, "exec") == 0 ? "exec " : "";
    if (strncmp(s, "SELECT ", 7) == 0 && from)
        snprintf(text, sizeof text, "%sSELECT ...%s", exec, from);
    else if (strncmp(s, "UPDATE ", 7) == 0 && set)
        snprintf(text, sizeof text, "%s%.*s SET ...%s", exec, (int)(set - s), s,
                 where ? where : "");
    else if (strncmp(s, "INSERT ", 7) == 0 && paren)
        snprintf(text, sizeof text, "%s%.*s(...)", exec, (int)(paren - s), s);
    else
        snprintf(text, sizeof text, "%s%s", exec, s);
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < size; p++)
        if (*p != '"')
            out[n++] = *p;
    out[n] = '\0';
    if (params > 0)
        snprintf(out + n, size - n, " [%d]", params);
}

/* Trail's writes of @c (NORMAL) through the counting driver; prints the breakdown. */
static void profile_trail(struct bench_case *c, const struct fixture *fx, long writes, long warmup)
{
    static trail_driver counting;
    counting = trail__driver_sqlite;
    counting.exec = counting_exec;
    counting.query = counting_query;
    counting.begin = counting_begin;
    counting.commit = counting_commit;

    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/profile.db", fx->dir);
    struct run r;
    run_start(&r, c, fx, path, warmup);
    r.db->drv = &counting;
    memset(&profile, 0, sizeof profile);
    long start = r.next;
    int64_t t0 = bench_mono_ns();
    while (r.next - start < writes)
        run_tx(&r);
    int64_t total = bench_mono_ns() - t0;
    long done = r.next - start;
    for (int i = 0; i < profile.n; i++)
        summarize(profile.s[i].label, sizeof profile.s[i].label, &profile.s[i]);
    r.db->drv = &trail__driver_sqlite;
    run_finish(&r, path);

    printf(
        "\ntrail, %d write%s per transaction, NORMAL: %ld writes, statements counted and timed\n",
        c->per_tx, c->per_tx == 1 ? "" : "s", done);
    printf("  %-84s %6s %8s %6s\n", "statement [values bound]", "calls", "us/write", "share");
    double per = (double)done, calls = 0, in_sql = 0, all = (double)total / 1e3 / per;
    for (int i = 0; i < profile.n; i++) {
        const struct stmt_stat *st = &profile.s[i];
        const char *label = st->label;
        double us = (double)st->ns / 1e3 / per;
        calls += (double)st->calls / per;
        in_sql += us;
        printf("  %-84.84s %6.2f %8.2f %5.1f%%\n", label, (double)st->calls / per, us,
               100.0 * us / all);
    }
    printf("  %-84s %6.2f %8.2f %5.1f%%\n", "all statements", calls, in_sql, 100.0 * in_sql / all);
    printf("  %-84s %6s %8.2f %5.1f%%\n", "outside the driver (values, JSON, hash, ids)", "",
           all - in_sql, 100.0 * (all - in_sql) / all);
    printf("  %-84s %6s %8.2f\n", "whole write", "", all);
}

/* ---- Command line and report. ---- */

/* The cases, by group: NORMAL one write per transaction, 100, FULL one, 100. */
enum {
    N_PLAIN,
    N_VCHECK,
    N_TRIGGER,
    N_TRAIL,
    N_PLAIN_B,
    N_TRIGGER_B,
    N_TRAIL_B,
    F_PLAIN,
    F_VCHECK,
    F_TRIGGER,
    F_TRAIL,
    F_PLAIN_B,
    F_TRIGGER_B,
    F_TRAIL_B,
    NCASES
};

/* A target: case a's writes per second over case b's at least bound. */
static const struct target {
    const char *what;
    int a, b;
    double bound;
} targets[] = {
    { "trail / trigger audit, NORMAL, 1 per tx", N_TRAIL, N_TRIGGER, TARGET_TRAIL_VS_TRIGGER },
    { "trail / trigger audit, NORMAL, 100 per tx", N_TRAIL_B, N_TRIGGER_B,
      TARGET_TRAIL_VS_TRIGGER },
    { "trail / trigger audit, FULL, 1 per tx", F_TRAIL, F_TRIGGER, TARGET_TRAIL_VS_TRIGGER },
    { "trail / trigger audit, FULL, 100 per tx", F_TRAIL_B, F_TRIGGER_B, TARGET_TRAIL_VS_TRIGGER },
    { "trail / plain, NORMAL, 1 per tx", N_TRAIL, N_PLAIN, TARGET_TRAIL_VS_PLAIN_NORMAL },
    { "trail / plain, FULL, 1 per tx", F_TRAIL, F_PLAIN, TARGET_TRAIL_VS_PLAIN_FULL },
    { "trail 100 per tx / plain 1 per tx, NORMAL", N_TRAIL_B, N_PLAIN, TARGET_BATCH_VS_PLAIN },
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_write [--quick] [--rows N] [--ms MS] [--reps R] [--data FILE]\n"
            "                   [--dir DIR] [--keep] [--profile-only] [--profile-writes N]\n"
            "\n"
            "Measures, in one run on SQLite files with identical settings (WAL; all at\n"
            "synchronous=NORMAL, then again at FULL), writes per second of:\n"
            "  plain            UPDATE customers SET credit = ? WHERE id = ? (raw sqlite3)\n"
            "  version-checked  ... SET credit = ?, version = version + 1 WHERE id = ? AND version "
            "= ?\n"
            "  trigger audit    the version-checked UPDATE with an AFTER UPDATE trigger writing\n"
            "                   the whole old and new row as JSON and the request context into\n"
            "                   trail's event table (same columns and indexes)\n"
            "  trail            shop_customer_update() of the generated code\n"
            "one write per transaction, and also %d per transaction (plain, trigger, trail);\n"
            "ratios to plain, and whether the targets are met:\n"
            "  trail >= %.2fx the trigger audit (NORMAL and FULL, 1 and %d per transaction)\n"
            "  trail >= %.2fx plain at NORMAL, >= %.2fx plain at FULL (one per transaction)\n"
            "  trail, %d per transaction >= %.2fx plain, one per transaction (NORMAL)\n"
            "Then where trail's time goes: statements per write, timed one by one.\n"
            "\n"
            "  --quick      tiny counts, to check that it runs (ctest); figures mean nothing\n"
            "  --rows N     customers (default %d); updates go round robin over them\n"
            "  --ms MS      time per case and repetition, after a warm-up (default %d)\n"
            "  --reps R     repetitions, 1-%d (default %d); figures are medians\n"
            "  --data FILE  also write the figures for bench/plot_write.gnuplot\n"
            "  --dir DIR    where the temporary directory goes (default $TMPDIR or /tmp)\n"
            "  --keep       leave the temporary directory in place: the template and the\n"
            "               last file of every case (caseNN.db, in the order printed)\n"
            "  --profile-only      only the statement breakdown of trail (e.g. under perf)\n"
            "  --profile-writes N  writes of each breakdown pass (default %ld)\n"
            "  --help       this text\n",
            BATCH, TARGET_TRAIL_VS_TRIGGER, BATCH, TARGET_TRAIL_VS_PLAIN_NORMAL,
            TARGET_TRAIL_VS_PLAIN_FULL, BATCH, TARGET_BATCH_VS_PLAIN, DEFAULT_ROWS, DEFAULT_MS,
            MAX_REPS, DEFAULT_REPS, PROFILE_WRITES);
}

/* The median over the repetitions of a's figure over b's. */
static double ratio(const struct bench_case *a, const struct bench_case *b, int reps)
{
    return bench_ratio(a->ops, b->ops, reps);
}

static void print_group(const char *title, struct bench_case *cases, int first, int last, int plain,
                        int plain_b, int reps)
{
    printf("\n%s\n", title);
    printf("  %-24s %11s %9s", "case", "writes/s", "x plain");
    if (plain_b >= 0)
        printf(" %13s", "x plain 100");
    printf("\n");
    for (int c = first; c <= last; c++) {
        printf("  %-24s %11.0f %9.2f", cases[c].name, bench_median(cases[c].ops, reps),
               ratio(&cases[c], &cases[plain], reps));
        if (plain_b >= 0)
            printf(" %13.2f", ratio(&cases[c], &cases[plain_b], reps));
        printf("\n");
    }
}

/* One block of the data file: a group of cases, their figures and ratios. */
static void write_block(FILE *f, const char *group, struct bench_case *cases, int first, int last,
                        int plain, int reps)
{
    for (int c = first; c <= last; c++)
        fprintf(f, "\"%s\" \"%s\" %.0f %.3f %d\n", group, cases[c].name,
                bench_median(cases[c].ops, reps), ratio(&cases[c], &cases[plain], reps),
                (int)cases[c].kind);
}

static void write_data(const char *path, struct bench_case *cases, int reps, long rows, long ms)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "# bench_write: SQLite %s, WAL, %ld customers; median of %ld repetitions of %ld ms\n"
            "# group, case, writes/s, ratio to plain one per transaction (same synchronous),\n"
            "# kind (0 plain, 1 version-checked, 2 trigger audit, 3 trail).\n"
            "# Blocks, for gnuplot's index: 0 NORMAL one per transaction, 1 NORMAL %d per\n"
            "# transaction, 2 FULL one per transaction, 3 FULL %d per transaction.\n",
            sqlite3_libversion(), rows, (long)reps, ms, BATCH, BATCH);
    write_block(f, "NORMAL, 1 per tx", cases, N_PLAIN, N_TRAIL, N_PLAIN, reps);
    fprintf(f, "\n\n");
    write_block(f, "NORMAL, 100 per tx", cases, N_PLAIN_B, N_TRAIL_B, N_PLAIN, reps);
    fprintf(f, "\n\n");
    write_block(f, "FULL, 1 per tx", cases, F_PLAIN, F_TRAIL, F_PLAIN, reps);
    fprintf(f, "\n\n");
    write_block(f, "FULL, 100 per tx", cases, F_PLAIN_B, F_TRAIL_B, F_PLAIN, reps);
    if (fclose(f) != 0)
        bench_die("cannot write %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
    long rows = DEFAULT_ROWS, ms = DEFAULT_MS, reps = DEFAULT_REPS, warmup = DEFAULT_WARMUP;
    long profile_writes = PROFILE_WRITES;
    const char *data = NULL, *parent = getenv("TMPDIR");
    bool quick = false, keep = false, profile_only = false;
    const bench_option opts[] = {
        { "--quick", .flag = &quick },
        { "--keep", .flag = &keep },
        { "--profile-only", .flag = &profile_only },
        { "--profile-writes", .count = &profile_writes, .max = 100000000L },
        { "--rows", .count = &rows, .max = MAX_ROWS },
        { "--ms", .count = &ms, .max = 600000L },
        { "--reps", .count = &reps, .max = MAX_REPS },
        { "--data", .text = &data },
        { "--dir", .text = &parent },
    };
    bench_program = "bench_write";
    int parsed =
        bench_parse_args(argc, argv, opts, sizeof opts / sizeof opts[0], usage, bench_program);
    if (parsed)
        return parsed == 1 ? 0 : parsed;
    if (quick) {
        rows = QUICK_ROWS;
        ms = QUICK_MS;
        reps = QUICK_REPS;
        warmup = QUICK_WARMUP;
        profile_writes = 2 * BATCH;
    }

    static struct fixture fx;
    if (parent && strlen(parent) > DIR_MAX - 32)
        bench_die("--dir or TMPDIR: a path of at most %d characters, please", DIR_MAX - 32);
    snprintf(fx.dir, sizeof fx.dir, "%s/bench_write.XXXXXX", parent && *parent ? parent : "/tmp");
    if (!mkdtemp(fx.dir))
        bench_die("cannot make a directory %s: %s", fx.dir, strerror(errno));
    snprintf(fx.template_path, sizeof fx.template_path, "%s/template.db", fx.dir);
    fx.rows = rows;
    fx.keep = keep;
    if (!(fx.ids = calloc((size_t)rows, sizeof *fx.ids)))
        bench_die("out of memory");
    make_template(&fx);

    static struct bench_case cases[NCASES] = {
        [N_PLAIN] = { "plain", PLAIN, false, 1 },
        [N_VCHECK] = { "version-checked", VCHECK, false, 1 },
        [N_TRIGGER] = { "trigger audit", TRIGGER, false, 1 },
        [N_TRAIL] = { "trail", TRAIL, false, 1 },
        [N_PLAIN_B] = { "plain", PLAIN, false, BATCH },
        [N_TRIGGER_B] = { "trigger audit", TRIGGER, false, BATCH },
        [N_TRAIL_B] = { "trail", TRAIL, false, BATCH },
        [F_PLAIN] = { "plain", PLAIN, true, 1 },
        [F_VCHECK] = { "version-checked", VCHECK, true, 1 },
        [F_TRIGGER] = { "trigger audit", TRIGGER, true, 1 },
        [F_TRAIL] = { "trail", TRAIL, true, 1 },
        [F_PLAIN_B] = { "plain", PLAIN, true, BATCH },
        [F_TRIGGER_B] = { "trigger audit", TRIGGER, true, BATCH },
        [F_TRAIL_B] = { "trail", TRAIL, true, BATCH },
    };
    if (profile_only)
        goto profile;
    int64_t t_start = bench_mono_ns();
    for (long r = 0; r < reps; r++) {
        /* Each repetition starts one case later, so no case always follows the same one. */
        for (int k = 0; k < NCASES; k++) {
            int c = (int)((k + r) % NCASES);
            /* Batched cases warm up with whole transactions. */
            long w = cases[c].per_tx > 1 ? (warmup + BATCH - 1) / BATCH * BATCH : warmup;
            cases[c].ops[r] = run_case(&cases[c], c, &fx, ms * 1000000, w, (int)r);
        }
    }
    double elapsed = (double)(bench_mono_ns() - t_start) / 1e9;

    printf("bench_write: SQLite %s, WAL; %ld customers, updated round robin; median of %ld "
           "repetitions of %ld ms per case (%.1f s); %ld CPUs online%s\n",
           sqlite3_libversion(), rows, reps, ms, elapsed, sysconf(_SC_NPROCESSORS_ONLN),
           quick ? "\n(--quick: counts too small, figures mean nothing)" : "");
    print_group("synchronous=NORMAL, one write per transaction", cases, N_PLAIN, N_TRAIL, N_PLAIN,
                -1, (int)reps);
    print_group("synchronous=NORMAL, 100 writes per transaction", cases, N_PLAIN_B, N_TRAIL_B,
                N_PLAIN, N_PLAIN_B, (int)reps);
    print_group("synchronous=FULL, one write per transaction", cases, F_PLAIN, F_TRAIL, F_PLAIN, -1,
                (int)reps);
    print_group("synchronous=FULL, 100 writes per transaction", cases, F_PLAIN_B, F_TRAIL_B,
                F_PLAIN, F_PLAIN_B, (int)reps);
    printf("\nx plain: over plain UPDATEs one per transaction, same synchronous; x plain 100:\n"
           "over plain UPDATEs %d per transaction. Ratios are medians of per-repetition ratios.\n",
           BATCH);
    printf("Update event, text and JSON columns: %.0f bytes (trigger), %.0f bytes (trail)\n",
           cases[N_TRIGGER].event_bytes, cases[N_TRAIL].event_bytes);

    printf("\ntargets (issue 16)\n");
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++)
        bench_verdict(targets[t].what, ratio(&cases[targets[t].a], &cases[targets[t].b], (int)reps),
                      targets[t].bound);
    printf("\nother ratios\n");
    printf("  %-62s %.2fx\n", "trigger audit / plain, NORMAL, 1 per tx",
           ratio(&cases[N_TRIGGER], &cases[N_PLAIN], (int)reps));
    printf("  %-62s %.2fx\n", "trigger audit / plain, FULL, 1 per tx",
           ratio(&cases[F_TRIGGER], &cases[F_PLAIN], (int)reps));
    printf("  %-62s %.2fx\n", "trail 100 per tx / plain 1 per tx, FULL",
           ratio(&cases[F_TRAIL_B], &cases[F_PLAIN], (int)reps));

    if (data)
        write_data(data, cases, (int)reps, rows, ms);

profile:
    profile_trail(&cases[N_TRAIL], &fx, profile_writes, warmup);
    profile_trail(&cases[N_TRAIL_B], &fx, profile_writes, (warmup + BATCH - 1) / BATCH * BATCH);
    free(fx.ids);
    if (keep)
        printf("\nkept %s\n", fx.dir);
    else
        bench_remove_tree("bench_write", fx.dir);
    return 0;
}
