/*
 * bench_write_pg.c - what an audited write costs on PostgreSQL.
 *
 * Three ways of changing one customer's credit, one write per transaction,
 * measured in one run against one server:
 *
 *   - plain: UPDATE customers SET credit = $1 WHERE id = $2 through libpq,
 *     prepared once per connection, autocommit (PQexecPrepared);
 *   - trigger audit: the version-checked UPDATE (SET credit = $1,
 *     version = version + 1 WHERE id = $2 AND version = $3) with a plpgsql
 *     AFTER UPDATE trigger inserting into trail_change_events what audit
 *     triggers deployed today write: the whole old and new row as JSON and
 *     the request context, no hash (see make_trigger_sql()); the session
 *     sets its lane once when it connects. The request context is set per
 *     transaction, as an application would: BEGIN; SELECT set_config(
 *     'trail.user_id', $1, true), ... (seven of them); the UPDATE; COMMIT,
 *     the trigger reading it back with current_setting(). The four
 *     statements are prepared once and sent together in libpq's pipeline
 *     mode: one round trip per write;
 *   - trail: shop_customer_update() of the generated code, with a trail_ctx
 *     holding the same context values.
 *
 * Each with 1 client and with 2 (two threads, each with its own connection
 * and its own half of the customers, so that they never wait for each
 * other's rows), and with synchronous_commit on and off: 12 cases. Off is
 * set per session: SET synchronous_commit = off on the libpq connections,
 * and for trail a URL ending in ?options=-c%20synchronous_commit%3Doff,
 * which trail hands to libpq as it is; every connection's setting is read
 * back before it writes.
 *
 * The server is a throwaway one that tests/servers/pg.sh starts in a
 * temporary directory and stops at the end, on failure and on SIGINT or
 * SIGTERM too (or the one --url names). Its durability settings are
 * PostgreSQL's defaults. The database every case starts from is made
 * through trail: shop_migrate() (the generated DDL, so trail_change_events
 * has trail's columns and indexes in every case) and the customers, each
 * with its insert event (bench_make_customers(), as bench_write's). Every
 * case of every repetition gets a fresh copy of it (CREATE DATABASE ...
 * TEMPLATE), then a CHECKPOINT, so that no case inherits another's dead rows
 * or WAL and no timed checkpoint falls inside a run.
 *
 * Updates go round robin over the client's customers; the credit written is
 * new every time, so that no trail update is a no-op. A case runs for a
 * fixed time after a warm-up of some writes per client; its figure is the
 * writes of all clients over the time from the first client's start to the
 * last one's end (CLOCK_MONOTONIC). Each figure is the median of several
 * repetitions, the cases taking turns within each (each repetition starting
 * one case later); ratios are medians of the per-repetition ratios. After
 * each run the database is checked: every customer holds the credit last
 * written to it and the version its writes make; in the audited cases every
 * write has its update event, the last one carrying the row's credit, with
 * the context set.
 *
 * It also counts the client's sends per write: the TCP data segments each
 * connection sent during the timed part (getsockopt TCP_INFO, before and
 * after; no tracing). libpq flushes once per statement it waits for (once
 * per pipeline), and each is answered before the next, so this is the
 * round trips per write.
 *
 * --quick (what ctest runs) uses tiny counts only to prove the program
 * works: its figures mean nothing and no figure is ever asserted.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, sigaction, pthread_barrier */
#include "bench_clients.h"
#include "bench_server.h"
#include "bench_shop.h"
#include "bench_util.h"

#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CLIENTS BENCH_MAX_CLIENTS
#define URL_LEN     2048

#ifndef TRAIL_PG_SH
#define TRAIL_PG_SH "tests/servers/pg.sh"
#endif

/* The databases this program makes (and drops) on the server. */
#define TEMPLATE_DB "bench_write_pg_template"
#define CASE_DB     "bench_write_pg_case%02d" /* with the case's number */
#define DB_NAME_LEN 64
#define NCASES      (2 * BENCH_GROUP_CASES) /* synchronous_commit on or off */

/* The targets this benchmark judges against, for 1 and 2 clients each. */
/* The targets this benchmark judges against (issue 16). */
#define TARGET_TRAIL_VS_TRIGGER 1.0 /* synchronous_commit on and off, 1 and 2 clients */
#define TARGET_TRAIL_2_VS_1     1.3 /* trail: 2 clients over 1, synchronous_commit on */

#define SYNC_OFF_OPTION "options=-c%20synchronous_commit%3Doff"

/* ---- libpq. ---- */

/* DROP ... IF EXISTS and friends say NOTICE: not for the report. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *pg_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (!c || PQstatus(c) != CONNECTION_OK)
        bench_die("cannot connect to %s: %s", url, c ? PQerrorMessage(c) : "out of memory");
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

/* Dies unless @res (cleared here) has status @want. */
static void pg_check(PGconn *c, PGresult *res, ExecStatusType want, const char *what)
{
    ExecStatusType s = PQresultStatus(res);
    if (s != want) {
        const char *msg = res ? PQresultErrorMessage(res) : "";
        bench_die("%s: %s: %s", what, PQresStatus(s), *msg ? msg : PQerrorMessage(c));
    }
    PQclear(res);
}

static void pg_exec(PGconn *c, const char *sql)
{
    pg_check(c, PQexec(c, sql), PGRES_COMMAND_OK, sql);
}

static void pg_prepare(PGconn *c, const char *name, const char *sql)
{
    pg_check(c, PQprepare(c, name, sql, 0, NULL), PGRES_COMMAND_OK, sql);
}

/* The one value @sql selects with @n text parameters, as a number. */
static double pg_value(PGconn *c, const char *sql, int n, const char *const *params)
{
    PGresult *res = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        bench_die("%s: %s", sql, PQresultErrorMessage(res));
    double v = PQgetisnull(res, 0, 0) ? 0 : strtod(PQgetvalue(res, 0, 0), NULL);
    PQclear(res);
    return v;
}

/* ---- The databases. ---- */

struct fixture {
    PGconn *admin; /* to the database of the URL given or started: CREATE/DROP DATABASE */
    char user[256], password[256], host[512], port[16];
    long rows;
    char (*ids)[TRAIL_ULID_LEN + 1]; /* of the customers, in creation order */
    char node_id[TRAIL_NODE_ID_MAX + 1];
    bool checkpoint; /* CHECKPOINT is allowed */
    bool keep;       /* leave the template and each case's last database */
};

/* Appends @s to @out percent-encoded, as a URL's component. */
static void url_append(char *out, size_t size, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~", ch))
            bench_append(out, size, "%c", ch);
        else
            bench_append(out, size, "%%%02X", ch);
    }
}

/*
 * The URL of database @db on the server, with the user, password, host and
 * port the admin connection has; with @sync_off, libpq's options parameter
 * sets synchronous_commit = off for the session.
 */
static void url_for(char *out, size_t size, const struct fixture *fx, const char *db, bool sync_off)
{
    bool tcp = fx->host[0] && fx->host[0] != '/';
    out[0] = '\0';
    bench_append(out, size, "postgresql://");
    url_append(out, size, fx->user);
    if (fx->password[0]) {
        bench_append(out, size, ":");
        url_append(out, size, fx->password);
    }
    bench_append(out, size, "@");
    if (tcp)
        bench_append(out, size, strchr(fx->host, ':') ? "[%s]:%s" : "%s:%s", fx->host, fx->port);
    bench_append(out, size, "/");
    url_append(out, size, db);
    const char *sep = "?";
    if (!tcp) {
        bench_append(out, size, "?port=%s", fx->port);
        sep = "&";
        if (fx->host[0]) {
            bench_append(out, size, "&host=");
            url_append(out, size, fx->host);
        }
    }
    if (sync_off)
        bench_append(out, size, "%s%s", sep, SYNC_OFF_OPTION);
}

static void drop_db(struct fixture *fx, const char *db)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db);
    pg_exec(fx->admin, sql);
}

/*
 * The template every case copies: trail's tables and the customers
 * (bench_make_customers()), then VACUUM ANALYZE, so that every copy starts
 * with its visibility map set and its statistics taken.
 */
static void make_template(struct fixture *fx, const char *base_url)
{
    fx->admin = pg_connect(base_url);
    snprintf(fx->user, sizeof fx->user, "%s", PQuser(fx->admin));
    snprintf(fx->password, sizeof fx->password, "%s", PQpass(fx->admin) ? PQpass(fx->admin) : "");
    snprintf(fx->host, sizeof fx->host, "%s", PQhost(fx->admin) ? PQhost(fx->admin) : "");
    snprintf(fx->port, sizeof fx->port, "%s", PQport(fx->admin));
    for (int i = 0; i < NCASES; i++) { /* a --keep run's */
        char db[DB_NAME_LEN];
        snprintf(db, sizeof db, CASE_DB, i);
        drop_db(fx, db);
    }
    drop_db(fx, TEMPLATE_DB);
    pg_exec(fx->admin, "CREATE DATABASE \"" TEMPLATE_DB "\"");
    char url[URL_LEN];
    url_for(url, sizeof url, fx, TEMPLATE_DB, false);
    bench_make_customers(url, fx->rows, fx->ids, fx->node_id);
    PGconn *c = pg_connect(url);
    pg_exec(c, "VACUUM ANALYZE");
    PQfinish(c);
    PGresult *res = PQexec(fx->admin, "CHECKPOINT");
    fx->checkpoint = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!fx->checkpoint)
        fprintf(stderr, "bench_write_pg: no CHECKPOINT before each case (%s)",
                PQresultErrorMessage(res));
    PQclear(res);
}

/* Database @db, a fresh copy of the template for a case, checkpointed. */
static void make_case_db(struct fixture *fx, const char *db)
{
    char sql[160];
    drop_db(fx, db);
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\" TEMPLATE \"" TEMPLATE_DB "\"", db);
    pg_exec(fx->admin, sql);
    if (fx->checkpoint)
        pg_exec(fx->admin, "CHECKPOINT");
}

/* ---- The trigger. ---- */

/*
 * to_jsonb(@x) ("OLD" or "NEW") as trail's event has it: without the
 * fields trail omits, with "[redacted]" for those it redacts.
 */
static void row_json(char *buf, size_t size, const trail_entity *e, const char *x)
{
    buf[0] = '\0';
    bench_append(buf, size, "(to_jsonb(%s)", x);
    bool redact = false;
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].flags & TRAIL_FIELD_OMIT)
            bench_append(buf, size, " - '%s'", e->fields[i].name);
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!(e->fields[i].flags & TRAIL_FIELD_REDACT))
            continue;
        bench_append(buf, size, "%s'%s', '[redacted]'", redact ? ", " : " || jsonb_build_object(",
                     e->fields[i].name);
        redact = true;
    }
    bench_append(buf, size, "%s)::json", redact ? ")" : "");
}

/* The JSON array of the audited fields that differ between OLD and NEW, in schema order. */
static void changed_array(char *buf, size_t size, const trail_entity *e)
{
    buf[0] = '\0';
    bench_append(buf, size, "array_to_json(array_remove(ARRAY[NULL::text");
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *n = e->fields[i].name;
        if (!(e->fields[i].flags & TRAIL_FIELD_OMIT))
            bench_append(buf, size,
                         ", CASE WHEN OLD.\"%s\" IS DISTINCT FROM NEW.\"%s\" THEN '%s' END", n, n,
                         n);
    }
    bench_append(buf, size, "], NULL))");
}

/*
 * The sequence, function and AFTER UPDATE trigger that write an event for
 * every update of a customer: the row audit triggers deployed today write
 * (bench_trigger_row): old and new values from to_jsonb(OLD) and
 * to_jsonb(NEW) (json in the table, as trail's), the changed fields, the
 * request context from current_setting('trail.<column>', true), set per
 * transaction. event_id and tx_id are 26 characters ordered by time as
 * ULIDs (7, 11 hex digits of milliseconds, 14 of md5 of random(); the 7
 * puts them after every ULID, so that each new one goes to the end of the
 * primary key, as trail's), hlc milliseconds x 65536, the node a literal.
 * lane_id is the session's, set once when it connects
 * (current_setting('trail.lane_id')); seq comes from a sequence, as an
 * audit table's bigserial key: unique in the table, so in the lane. One
 * INSERT, every value in it, so that the function runs one statement.
 */
static void make_trigger_sql(char *sql, size_t size, const struct fixture *fx, PGconn *c)
{
    const trail_entity *e = &shop_customer_entity;
    static char old_json[4096], new_json[4096], changed[8192];
    row_json(old_json, sizeof old_json, e, "OLD");
    row_json(new_json, sizeof new_json, e, "NEW");
    changed_array(changed, sizeof changed, e);
    char *node = PQescapeLiteral(c, fx->node_id, strlen(fx->node_id));
    if (!node)
        bench_die("PQescapeLiteral: %s", PQerrorMessage(c));
    bench_trigger_row row;
    bench_trigger_row_init(&row, e,
                           &(bench_trigger_sql){
                               .id = "t || upper(substr(md5(random()::text), 1, 14))",
                               .ms = "ms",
                               .node = node,
                               .lane = "current_setting('trail.lane_id')",
                               .seq = "nextval('\"bench_events_seq\"')",
                               .record_id = "NEW.\"id\"::text",
                               .version = "NEW.\"version\"",
                               .old_values = old_json,
                               .new_values = new_json,
                               .changed = changed,
                               .ctx = "current_setting('trail.%s', true)",
                           });
    sql[0] = '\0';
    bench_append(sql, size,
                 "CREATE SEQUENCE \"bench_events_seq\";\n"
                 "CREATE FUNCTION \"bench_%s_audit\"() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                 "DECLARE\n"
                 "    ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);\n"
                 "    t text := '7' || lpad(upper(to_hex(ms)), 11, '0');\n"
                 "BEGIN\n"
                 "    INSERT INTO \"trail_change_events\" (" TRAIL_EVENT_COLUMN_LIST_DQ ")\n"
                 "    VALUES (",
                 e->table);
    bench_trigger_values(sql, size, &row);
    bench_append(sql, size,
                 ");\n"
                 "    RETURN NULL;\n"
                 "END\n"
                 "$body$;\n"
                 "CREATE TRIGGER \"%s_audit\" AFTER UPDATE ON \"%s\" FOR EACH ROW"
                 " EXECUTE FUNCTION \"bench_%s_audit\"()",
                 e->table, e->table, e->table);
    PQfreemem(node);
}

/* The statement that sets the request context for the transaction: set_config(..., true) each. */
static void make_ctx_sql(char *sql, size_t size)
{
    sql[0] = '\0';
    bench_append(sql, size, "SELECT");
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(sql, size, "%s set_config('trail.%s', $%d, true)", i ? "," : "",
                     bench_ctx_column(i), i + 1);
}

/* ---- The cases. ---- */

/* One client of a run: bench_client, and its libpq connection for plain and trigger audit. */
struct client {
    bench_client b;
    PGconn *pg;
};

/* A run of a case: bench_run, and its database. */
struct run {
    bench_run b;
    const struct fixture *fx;
    char db[DB_NAME_LEN];
    struct client cl[MAX_CLIENTS];
};

/* The session's synchronous_commit must be what the case asks for. */
static void check_sync(const bench_case *c, const char *got)
{
    if (strcmp(got, c->relaxed ? "off" : "on") != 0)
        bench_die("%s: the session's synchronous_commit is %s", bench_kind_names[c->kind], got);
}

static void client_open(bench_client *b)
{
    struct client *cl = (struct client *)b;
    const struct run *r = (const struct run *)b->run;
    const bench_case *c = r->b.c;
    char url[URL_LEN], text[64];
    bool found;
    if (c->kind == BENCH_TRAIL) {
        /* synchronous_commit through the URL: the way an application would ask trail for it. */
        url_for(url, sizeof url, r->fx, r->db, c->relaxed);
        bench_trail_open(&cl->b, url, "SELECT inet_client_port()::text");
        int rc = trail__conn_query_text(cl->b.db, "SELECT current_setting('synchronous_commit')",
                                        NULL, 0, text, sizeof text, &found);
        bench_trail_check(cl->b.db, rc, "synchronous_commit");
        check_sync(c, found ? text : "");
        return;
    }
    url_for(url, sizeof url, r->fx, r->db, false);
    cl->pg = pg_connect(url);
    if (c->relaxed)
        pg_exec(cl->pg, "SET synchronous_commit = off");
    PGresult *res = PQexec(cl->pg, "SHOW synchronous_commit");
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
        bench_die("SHOW synchronous_commit: %s", PQresultErrorMessage(res));
    check_sync(c, PQgetvalue(res, 0, 0));
    PQclear(res);
    cl->b.fd = PQsocket(cl->pg);
    if (c->kind == BENCH_PLAIN) {
        pg_prepare(cl->pg, "update", "UPDATE \"customers\" SET \"credit\" = $1 WHERE \"id\" = $2");
        return;
    }
    /* The session's lane, once, as an application would when it connects (make_trigger_sql()). */
    char lane[TRAIL_ULID_LEN + 1];
    bench_lane_id(lane);
    const char *lane_param[1] = { lane };
    pg_check(cl->pg,
             PQexecParams(cl->pg, "SELECT set_config('trail.lane_id', $1, false)", 1, NULL,
                          lane_param, NULL, NULL, 0),
             PGRES_TUPLES_OK, "set_config('trail.lane_id')");
    char ctx_sql[512];
    make_ctx_sql(ctx_sql, sizeof ctx_sql);
    pg_prepare(cl->pg, "begin", "BEGIN");
    pg_prepare(cl->pg, "context", ctx_sql);
    pg_prepare(cl->pg, "update",
               "UPDATE \"customers\" SET \"credit\" = $1, \"version\" = \"version\" + 1"
               " WHERE \"id\" = $2 AND \"version\" = $3");
    pg_prepare(cl->pg, "commit", "COMMIT");
    if (!PQenterPipelineMode(cl->pg))
        bench_die("PQenterPipelineMode: %s", PQerrorMessage(cl->pg));
}

static void client_close(bench_client *b)
{
    struct client *cl = (struct client *)b;
    trail_close(cl->b.db);
    cl->b.db = NULL;
    if (cl->pg)
        PQfinish(cl->pg);
    cl->pg = NULL;
}

/* Dies unless @res (cleared here) is a command that changed one row. */
static void check_one_row(const struct client *cl, PGresult *res)
{
    bool one = strcmp(PQcmdTuples(res), "1") == 0;
    pg_check(cl->pg, res, PGRES_COMMAND_OK, "UPDATE");
    if (!one)
        bench_die("%s: customer not updated", bench_kind_names[cl->b.run->c->kind]);
}

static void plain_write(bench_client *b, long i, int64_t credit)
{
    struct client *cl = (struct client *)b;
    char credit_text[24];
    snprintf(credit_text, sizeof credit_text, "%lld", (long long)credit);
    const char *v[2] = { credit_text, b->run->ids[i] };
    check_one_row(cl, PQexecPrepared(cl->pg, "update", 2, v, NULL, NULL, 0));
}

/* The next result of the pipeline, which must have status @want; NULL after it, as libpq says. */
static PGresult *pipeline_result(PGconn *c, ExecStatusType want, const char *what)
{
    PGresult *res = PQgetResult(c);
    if (PQresultStatus(res) != want)
        bench_die("%s: %s: %s", what, PQresStatus(PQresultStatus(res)),
                  res ? PQresultErrorMessage(res) : PQerrorMessage(c));
    if (want != PGRES_PIPELINE_SYNC && PQgetResult(c) != NULL)
        bench_die("%s: more than one result", what);
    return res;
}

/* BEGIN; the context; the version-checked UPDATE; COMMIT: one pipeline, one round trip. */
static void trigger_write(bench_client *b, long i, int64_t credit)
{
    struct client *cl = (struct client *)b;
    PGconn *c = cl->pg;
    char credit_text[24], version_text[24];
    snprintf(credit_text, sizeof credit_text, "%lld", (long long)credit);
    snprintf(version_text, sizeof version_text, "%lld", (long long)b->run->version[i]);
    const char *ctx[BENCH_N_CTX], *v[3] = { credit_text, b->run->ids[i], version_text };
    bench_ctx_values(ctx);
    if (!PQsendQueryPrepared(c, "begin", 0, NULL, NULL, NULL, 0) ||
        !PQsendQueryPrepared(c, "context", BENCH_N_CTX, ctx, NULL, NULL, 0) ||
        !PQsendQueryPrepared(c, "update", 3, v, NULL, NULL, 0) ||
        !PQsendQueryPrepared(c, "commit", 0, NULL, NULL, NULL, 0) || !PQpipelineSync(c))
        bench_die("sending the pipeline: %s", PQerrorMessage(c));
    PQclear(pipeline_result(c, PGRES_COMMAND_OK, "BEGIN"));
    PQclear(pipeline_result(c, PGRES_TUPLES_OK, "set_config"));
    check_one_row(cl, pipeline_result(c, PGRES_COMMAND_OK, "UPDATE"));
    PQclear(pipeline_result(c, PGRES_COMMAND_OK, "COMMIT"));
    PQclear(pipeline_result(c, PGRES_PIPELINE_SYNC, "sync"));
}

/* The text array literal of @n values, malloc()ed: ids when @ids, else @v. */
static char *array_literal(long n, char (*ids)[TRAIL_ULID_LEN + 1], const int64_t *v)
{
    size_t size = (size_t)n * 28 + 8, len = 1;
    char *out = malloc(size);
    if (!out)
        bench_die("out of memory");
    out[0] = '{';
    for (long i = 0; i < n; i++) {
        int w = ids ? snprintf(out + len, size - len, "%s%s", i ? "," : "", ids[i])
                    : snprintf(out + len, size - len, "%s%lld", i ? "," : "", (long long)v[i]);
        if (w < 0 || (size_t)w >= size - len)
            bench_die("array too long");
        len += (size_t)w;
    }
    if (len + 2 > size)
        bench_die("array too long");
    memcpy(out + len, "}", 2);
    return out;
}

/*
 * Checks the case's database after @writes writes: every customer holds
 * the credit last written to it and its version (1 plus its writes when
 * versioned); an audited case has one update event per write, per customer
 * as many as its version says, the last one carrying its credit, each with
 * the context; plain has none. Returns the mean size in bytes of the update
 * events' variable columns.
 */
static double check_db(const struct run *r, long writes)
{
    const struct fixture *fx = r->fx;
    char url[URL_LEN];
    url_for(url, sizeof url, fx, r->db, false);
    PGconn *h = pg_connect(url);
    char *rows_params[3] = {
        array_literal(fx->rows, fx->ids, NULL),
        array_literal(fx->rows, NULL, r->b.credit),
        array_literal(fx->rows, NULL, r->b.version),
    };
    long right = (long)pg_value(
        h,
        "SELECT count(*) FROM customers c"
        " JOIN unnest($1::text[], $2::bigint[], $3::bigint[]) AS x(id, credit, version)"
        " ON c.id = x.id WHERE c.credit = x.credit AND c.version = x.version",
        3, (const char *const *)rows_params);
    for (int i = 0; i < 3; i++)
        free(rows_params[i]);
    long events =
        (long)pg_value(h, "SELECT count(*) FROM trail_change_events WHERE op = 'update'", 0, NULL);
    long unmatched = (long)pg_value(
        h,
        "SELECT count(*) FROM customers c WHERE c.version - 1 <> (SELECT count(*)"
        " FROM trail_change_events e WHERE e.table_name = 'customers' AND e.record_id = c.id"
        " AND e.op = 'update') OR (c.version > 1 AND NOT EXISTS (SELECT 1"
        " FROM trail_change_events e WHERE e.table_name = 'customers' AND e.record_id = c.id"
        " AND e.op = 'update' AND e.version = c.version"
        " AND (e.new_values ->> 'credit')::bigint = c.credit))",
        0, NULL);
    const char *ctx[BENCH_N_CTX];
    bench_ctx_values(ctx);
    char no_ctx_sql[512] = "SELECT count(*) FROM trail_change_events WHERE op = 'update' AND (";
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(no_ctx_sql, sizeof no_ctx_sql, "%s%s", i ? ", " : "", bench_ctx_column(i));
    bench_append(no_ctx_sql, sizeof no_ctx_sql, ") IS DISTINCT FROM (");
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(no_ctx_sql, sizeof no_ctx_sql, "%s$%d::text", i ? ", " : "", i + 1);
    bench_append(no_ctx_sql, sizeof no_ctx_sql, ")");
    long no_ctx = (long)pg_value(h, no_ctx_sql, BENCH_N_CTX, ctx);
    char bytes_sql[1024];
    bench_event_bytes_sql(bytes_sql, sizeof bytes_sql, "octet_length(%s)",
                          "octet_length(%s::text)");
    double bytes = pg_value(h, bytes_sql, 0, NULL);
    long twins = (long)pg_value(h,
                                "SELECT count(*) FROM (SELECT FROM trail_change_events"
                                " GROUP BY lane_id, seq HAVING count(*) > 1) t",
                                0, NULL);
    PQfinish(h);
    bench_check_counts(&r->b, writes, right, events, unmatched, no_ctx, twins);
    return bytes;
}

/*
 * Runs case @c (number @index) once, on a fresh copy of the template; fills
 * its figures for repetition @rep.
 */
static void run_case(bench_case *c, int index, struct fixture *fx, int64_t budget_ns, long warmup,
                     int rep)
{
    static const bench_client_ops ops = { client_open,
                                          client_close,
                                          { plain_write, trigger_write, bench_trail_write } };
    static struct run r;
    memset(&r, 0, sizeof r);
    bench_run_init(&r.b, c, &ops, fx->rows, fx->ids, warmup, budget_ns);
    for (int k = 0; k < MAX_CLIENTS; k++)
        r.b.cl[k] = &r.cl[k].b;
    r.fx = fx;
    snprintf(r.db, sizeof r.db, CASE_DB, index);
    make_case_db(fx, r.db);
    if (c->kind == BENCH_TRIGGER) {
        char url[URL_LEN];
        static char sql[32768];
        url_for(url, sizeof url, fx, r.db, false);
        PGconn *h = pg_connect(url);
        make_trigger_sql(sql, sizeof sql, fx, h);
        pg_exec(h, sql);
        PQfinish(h);
    }
    long writes = bench_run_clients(&r.b, rep);
    double bytes = check_db(&r, writes);
    if (rep == 0)
        c->event_bytes = bytes;
    if (!fx->keep)
        drop_db(fx, r.db);
    bench_run_free(&r.b);
}

/* ---- Command line and report. ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_write_pg [--quick] [--url URL] [--rows N] [--ms MS] [--reps R]\n"
            "                      [--data FILE] [--dir DIR] [--pg-sh FILE] [--keep]\n"
            "\n"
            "Measures on PostgreSQL, one write per transaction, writes per second of:\n"
            "  plain          UPDATE customers SET credit = $1 WHERE id = $2 (libpq, prepared,\n"
            "                 autocommit)\n"
            "  trigger audit  BEGIN; set_config() of the request context; the version-checked\n"
            "                 UPDATE, whose plpgsql AFTER UPDATE trigger writes trail's event row\n"
            "                 (same table, columns and indexes); COMMIT: one pipeline\n"
            "  trail          shop_customer_update() of the generated code\n"
            "with 1 and 2 clients (threads, own connections, own customers), synchronous_commit\n"
            "on and off; ratios, client sends (round trips) per write, and the targets:\n"
            "  trail >= %.2fx the trigger audit, synchronous_commit on and off, 1 and 2 clients\n"
            "  trail with 2 clients >= %.2fx trail with 1, synchronous_commit on\n"
            "\n"
            "  --quick      tiny counts, to check that it runs (ctest); figures mean nothing\n"
            "  --url URL    use this server (a user who may create databases; the program\n"
            "               makes and drops " TEMPLATE_DB " and\n"
            "               bench_write_pg_caseNN) instead of starting one with pg.sh\n"
            "  --keep       with --url: leave the template and the last database of every case\n"
            "               (bench_write_pg_caseNN, NN in the order printed)\n"
            "  --rows N     customers (default %d); updates go round robin over them\n"
            "  --ms MS      time per case and repetition, after a warm-up (default %d)\n"
            "  --reps R     repetitions, 1-%d (default %d); figures are medians\n"
            "  --data FILE  also write the figures for bench/plot_write_pg.gnuplot\n"
            "  --dir DIR    where the server's temporary directory goes (default $TMPDIR or\n"
            "               /tmp); it must be on a real disk\n"
            "  --pg-sh FILE the server script (default %s)\n"
            "  --help       this text\n",
            TARGET_TRAIL_VS_TRIGGER, TARGET_TRAIL_2_VS_1, BENCH_DEFAULT_ROWS, BENCH_DEFAULT_MS,
            BENCH_MAX_REPS, BENCH_DEFAULT_REPS, TRAIL_PG_SH);
}

static const bench_groups groups = {
    2,
    {
        { "synchronous_commit=on, 1 client", "synchronous_commit=on, 2 clients" },
        { "synchronous_commit=off, 1 client", "synchronous_commit=off, 2 clients" },
    },
};

static void write_data(const char *path, bench_case *cases, const bench_args *a, int server_version)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "# bench_write_pg: PostgreSQL %d.%d, %ld customers; median of %ld repetitions of %ld"
            " ms\n"
            "# group, case, writes/s, ratio to plain (same clients and synchronous_commit),\n"
            "# kind (0 plain, 1 trigger audit, 2 trail). Blocks, for gnuplot's index:\n"
            "# 0 on 1 client, 1 on 2 clients, 2 off 1 client, 3 off 2 clients.\n",
            server_version / 10000, server_version % 10000, a->rows, a->reps, a->ms);
    bench_write_groups(f, cases, &groups, (int)a->reps);
    if (fclose(f) != 0)
        bench_die("cannot write %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
    bench_args a;
    bench_program = "bench_write_pg";
    int parsed = bench_args_parse(&a, argc, argv, "--pg-sh", TRAIL_PG_SH, true, false, usage);
    if (parsed)
        return parsed == 1 ? 0 : parsed;

    static struct fixture fx;
    fx.rows = a.rows;
    fx.keep = a.keep;
    if (!(fx.ids = calloc((size_t)a.rows, sizeof *fx.ids)))
        bench_die("out of memory");
    char url[URL_LEN];
    if (a.url)
        snprintf(url, sizeof url, "%s", a.url);
    else
        bench_server_start(a.script, a.parent, bench_program, "pg", url, sizeof url);
    int64_t t_start = bench_mono_ns();
    make_template(&fx, url);

    static bench_case cases[NCASES];
    bench_cases_init(cases, &groups);
    for (long r = 0; r < a.reps; r++) {
        /* Each repetition starts one case later, so no case always follows the same one. */
        for (int k = 0; k < NCASES; k++) {
            int c = (int)((k + r) % NCASES);
            run_case(&cases[c], c, &fx, a.ms * 1000000, a.warmup, (int)r);
        }
    }
    double elapsed = (double)(bench_mono_ns() - t_start) / 1e9;
    int server_version = PQserverVersion(fx.admin);
    int reps = (int)a.reps;

    printf("bench_write_pg: PostgreSQL %d.%d (libpq %d); %ld customers, updated round robin "
           "(with 2 clients each its own half); median of %d repetitions of %ld ms per case "
           "after %ld writes per client (%.1f s); %ld CPUs online%s\n",
           server_version / 10000, server_version % 10000, PQlibVersion(), a.rows, reps, a.ms,
           a.warmup, elapsed, sysconf(_SC_NPROCESSORS_ONLN),
           a.quick ? "\n(--quick: counts too small, figures mean nothing)" : "");
    bench_print_groups(cases, &groups, reps, "synchronous_commit");
    printf("\ntargets (issue 16)\n");
    for (int off = 0; off < 2; off++)
        for (int clients = 1; clients <= MAX_CLIENTS; clients++) {
            char what[128];
            snprintf(what, sizeof what, "trail / trigger, %s", groups.name[off][clients - 1]);
            bench_verdict(what,
                          bench_kind_ratio(cases, off, clients, BENCH_TRAIL, BENCH_TRIGGER, reps),
                          TARGET_TRAIL_VS_TRIGGER);
        }
    bench_verdict("trail, 2 clients / 1 client, synchronous_commit=on",
                  bench_clients_ratio(cases, false, BENCH_TRAIL, reps), TARGET_TRAIL_2_VS_1);

    if (a.data)
        write_data(a.data, cases, &a, server_version);
    if (a.keep)
        printf("\nkept databases " TEMPLATE_DB " and bench_write_pg_case00 to %02d\n", NCASES - 1);
    else
        drop_db(&fx, TEMPLATE_DB);
    PQfinish(fx.admin);
    free(fx.ids);
    return 0; /* atexit: the server stops */
}
