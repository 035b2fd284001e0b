/*
 * bench_write_mysql.c - what an audited write costs on MariaDB.
 *
 * Three ways of changing one customer's credit, one write per transaction,
 * measured in one run against one server:
 *
 *   - plain: UPDATE customers SET credit = ? WHERE id = ?, a server-side
 *     prepared statement of MariaDB Connector/C (mysql_stmt_*), prepared
 *     once per connection, autocommit;
 *   - trigger audit: the version-checked UPDATE (SET credit = ?, version =
 *     version + 1 WHERE id = ? AND version = ?) with an AFTER UPDATE trigger
 *     inserting into trail_change_events what audit triggers deployed today
 *     write: the whole old and new row as JSON and the request context, no
 *     hash (see make_trigger_sql()); the session sets its lane and its
 *     counter once when it connects. The request context is set per
 *     transaction, as an application would: SET @trail_user_id = ?, ...
 *     (the seven of them, one prepared statement), then the UPDATE,
 *     autocommit, the trigger reading the user variables back. Connector/C waits for each
 * statement's answer before it sends the next, so that is two round trips per write;
 *   - trail: shop_customer_update() of the generated code, with a trail_ctx
 *     holding the same context values.
 *
 * Each with 1 client and with 2 (two threads, each with its own connection
 * and its own half of the customers, so that they never wait for each
 * other's rows), and with innodb_flush_log_at_trx_commit 1 (the default:
 * the log flushed at every commit) and 2 (written at every commit, flushed
 * once a second): 12 cases. The setting is global only, and SET GLOBAL
 * takes a privilege mariadb.sh's user does not have: it is set through the
 * server's administrator account (the unix socket, as mariadb.sh's admin()
 * does), and every connection reads it back before it writes. With --url
 * the program changes no global setting: the cases run at the server's
 * setting as it is, 6 cases.
 *
 * The server is a throwaway one that tests/servers/mariadb.sh starts in a
 * temporary directory and stops at the end, on failure and on SIGINT or
 * SIGTERM too (or the one --url names). Its durability settings are
 * MariaDB's defaults. The database every case starts from is made through
 * trail: shop_migrate() (the generated DDL, so trail_change_events has
 * trail's columns and indexes in every case) and the customers, each with
 * its insert event (bench_make_customers(), as bench_write's), then copied
 * to template tables. mariadb.sh's user may not create databases, so every
 * case runs in the one database: before each case of every repetition
 * customers and trail_change_events are emptied (TRUNCATE) and filled from
 * the templates, then the server is let settle: its dirty pages flushed
 * (innodb_max_dirty_pages_pct 0 for a moment: a checkpoint) and the undo
 * of the previous case purged, so that no case inherits another's work.
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
 * after; no tracing). Connector/C sends each command in one write and reads
 * its answer before the next, so this is the round trips per write.
 *
 * --galera runs the cases on a 3-node Galera cluster instead, with 3
 * clients on 1 node and over the 3, and measures the retries of writers
 * on different nodes racing for the same records: bench_galera.c says how.
 *
 * --quick (what ctest runs) uses tiny counts only to prove the program
 * works: its figures mean nothing and no figure is ever asserted.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, sigaction, pthread_barrier */
#include "bench_write_mysql.h"
#include "bench_clients.h"
#include "bench_server.h"
#include "bench_shop.h"
#include "bench_util.h"
#include "driver/mysql/mysql_url.h"

#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CLIENTS BENCH_MAX_CLIENTS
#define NCASES      (2 * BENCH_GROUP_CASES) /* innodb_flush_log_at_trx_commit 1 or 2 */

#ifndef TRAIL_MARIADB_SH
#define TRAIL_MARIADB_SH "tests/servers/mariadb.sh"
#endif

/* The tables every case starts from, beside trail's in the one database. */
#define TEMPLATE_CUSTOMERS "bench_template_customers"
#define TEMPLATE_EVENTS    "bench_template_events"
#define TRIGGER_NAME       "bench_customers_audit"

/* innodb_flush_log_at_trx_commit of the two settings: the default, and the relaxed one. */
#define FLUSH_DEFAULT 1
#define FLUSH_RELAXED 2

/* How long the server may take to settle before a case, and when it has. */
#define SETTLE_MS            30000
#define SETTLED_LOG_BYTES    (1L << 20) /* of redo log not yet checkpointed */
#define SETTLED_HISTORY_LIST 100        /* transactions whose undo is not yet purged */

/*
 * The trigger's text variable: the collation of MariaDB's JSON functions,
 * as in trail's procedures (write_mysql.c). Text columns, utf8mb4_nopad_bin,
 * meet the JSON functions explicitly converted (field_json()): two
 * collations in one JSON_OBJECT() are an error.
 */
#define TEXT_CS "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

/* ---- MariaDB Connector/C. ---- */

static MYSQL *my_connect(const char *host, const char *user, const char *password, const char *db,
                         unsigned port, const char *socket)
{
    MYSQL *c = mysql_init(NULL);
    my_bool off = 0;
    if (!c)
        bench_die("mysql_init: out of memory");
    if (mysql_options(c, MYSQL_OPT_RECONNECT, &off) ||
        mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4") ||
        !mysql_real_connect(c, host, user, password, db, port, socket, 0))
        bench_die("cannot connect to MariaDB as %s: %s", user ? user : "(default user)",
                  mysql_error(c));
    return c;
}

MYSQL *my_connect_url(const trail_mysql_url *u)
{
    return my_connect(u->host, u->user, u->password, u->database, u->port, u->socket);
}

/* Runs @sql; dies when it fails. A result (ANALYZE TABLE's) is read and dropped. */
void my_exec(MYSQL *c, const char *sql)
{
    if (mysql_real_query(c, sql, strlen(sql)) != 0)
        bench_die("%s: %s", sql, mysql_error(c));
    MYSQL_RES *res = mysql_store_result(c);
    if (res)
        mysql_free_result(res);
    else if (mysql_field_count(c) != 0)
        bench_die("%s: %s", sql, mysql_error(c));
}

/* The one value @sql selects, as a number (0 for NULL). */
double my_value(MYSQL *c, const char *sql)
{
    if (mysql_real_query(c, sql, strlen(sql)) != 0)
        bench_die("%s: %s", sql, mysql_error(c));
    MYSQL_RES *res = mysql_store_result(c);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    if (!row || mysql_num_fields(res) != 1 || mysql_num_rows(res) != 1)
        bench_die("%s: not one value (%s)", sql, mysql_error(c));
    double v = row[0] ? strtod(row[0], NULL) : 0;
    mysql_free_result(res);
    return v;
}

static MYSQL_STMT *my_prepare(MYSQL *c, const char *sql)
{
    MYSQL_STMT *st = mysql_stmt_init(c);
    if (!st)
        bench_die("mysql_stmt_init: %s", mysql_error(c));
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0)
        bench_die("%s: %s", sql, mysql_stmt_error(st));
    return st;
}

/* Binds @bind to @st, whose values it points at stay where they are for every execution. */
static void my_bind(MYSQL_STMT *st, MYSQL_BIND *bind, const char *what)
{
    if (mysql_stmt_bind_param(st, bind) != 0)
        bench_die("%s: %s", what, mysql_stmt_error(st));
}

/* Executes @st with its bound values; returns the rows it changed. */
static long my_execute(MYSQL_STMT *st, const char *what)
{
    if (mysql_stmt_execute(st) != 0)
        bench_die("%s: %s", what, mysql_stmt_error(st));
    return (long)mysql_stmt_affected_rows(st);
}

/* A MYSQL_BIND of the text @s, bound as it is. */
static MYSQL_BIND bind_text(const char *s)
{
    return (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_STRING,
                         .buffer = (void *)s,
                         .buffer_length = (unsigned long)strlen(s) };
}

/*
 * The statement that sets the request context: SET @trail_user_id = ?, ...
 * prepared on @c and bound to bench_ctx, so that each execution sends it
 * again, one round trip.
 */
static MYSQL_STMT *prepare_ctx(MYSQL *c, MYSQL_BIND bind[BENCH_N_CTX])
{
    char sql[512] = "";
    bench_append(sql, sizeof sql, "SET");
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(sql, sizeof sql, "%s @trail_%s = ?", i ? "," : "", bench_ctx_column(i));
    MYSQL_STMT *st = my_prepare(c, sql);
    const char *v[BENCH_N_CTX];
    bench_ctx_values(v);
    for (int i = 0; i < BENCH_N_CTX; i++)
        bind[i] = bind_text(v[i]);
    my_bind(st, bind, "SET @trail_...");
    return st;
}

/* ---- The database. ---- */

static int id_index_cmp(const void *a, const void *b)
{
    return strcmp(((const struct id_index *)a)->id, ((const struct id_index *)b)->id);
}

/*
 * The administrator of the server mariadb.sh started in @dir (galera.sh's
 * nodes are such servers): the account of the OS user we run as, which
 * mariadb-install-db lets in through the socket without a password
 * (unix_socket authentication); @dir/socket names it.
 */
MYSQL *admin_connect(const char *dir)
{
    char path[BENCH_DIR_MAX + 32], socket[BENCH_DIR_MAX + 32];
    snprintf(path, sizeof path, "%s/socket", dir);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(socket, sizeof socket, f))
        bench_die("cannot read the server's socket from %s", path);
    fclose(f);
    socket[strcspn(socket, "\r\n")] = '\0';
    struct passwd *pw = getpwuid(geteuid());
    if (!pw)
        bench_die("who am I? getpwuid: %s", strerror(errno));
    return my_connect("localhost", pw->pw_name, NULL, NULL, 0, socket);
}

/*
 * Drops what an earlier run of this program left in the database (--url);
 * dies when the database holds tables but not this program's templates:
 * someone's data, which the cases would empty.
 */
static void clear_database(struct fixture *fx)
{
    MYSQL *c = fx->node[0].conn;
    if (my_value(c, "SELECT count(*) FROM information_schema.TABLES"
                    " WHERE TABLE_SCHEMA = DATABASE()") == 0)
        return;
    if (my_value(c, "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
                    " DATABASE() AND TABLE_NAME = '" TEMPLATE_CUSTOMERS "'") == 0)
        bench_die("database %s holds tables, but not " TEMPLATE_CUSTOMERS
                  " (what an earlier run leaves): give an empty database, which every case"
                  " empties and fills again",
                  fx->node[0].u.database ? fx->node[0].u.database : "(default)");
    const char *sql = "SELECT concat('DROP TABLE ', group_concat(concat('`', TABLE_NAME, '`')))"
                      " FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()";
    if (mysql_query(c, sql) != 0)
        bench_die("%s: %s", sql, mysql_error(c));
    MYSQL_RES *res = mysql_store_result(c);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
    if (!row || !row[0])
        bench_die("%s: %s", sql, mysql_error(c));
    my_exec(c, row[0]);
    mysql_free_result(res);
}

/*
 * The template every case copies: trail's tables and the customers
 * (bench_make_customers()), copied to TEMPLATE_CUSTOMERS and
 * TEMPLATE_EVENTS.
 */
void make_template(struct fixture *fx)
{
    for (int n = 0; n < fx->nodes; n++) {
        struct bench_node *node = &fx->node[n];
        trail_err err = { 0 };
        if (trail__mysql_url_parse(&node->u, node->url, &err) != TRAIL_OK)
            bench_die("the URL: %s", err.msg);
        node->conn = my_connect_url(&node->u);
        /* Every case empties customers, which orders' foreign key would refuse. */
        my_exec(node->conn, "SET SESSION foreign_key_checks = 0");
        /*
         * On a cluster, each read of the checks waits until its node has
         * applied every write the cluster committed before it: the checks
         * see the cluster settled.
         */
        if (fx->nodes > 1)
            my_exec(node->conn, "SET SESSION wsrep_sync_wait = 1");
    }
    MYSQL *conn = fx->node[0].conn;
    clear_database(fx);
    bench_make_customers(fx->node[0].url, fx->rows, fx->ids, fx->node_id);
    my_exec(conn, "CREATE TABLE `" TEMPLATE_CUSTOMERS "` LIKE `customers`");
    my_exec(conn, "INSERT INTO `" TEMPLATE_CUSTOMERS "` SELECT * FROM `customers`");
    my_exec(conn, "CREATE TABLE `" TEMPLATE_EVENTS "` LIKE `trail_change_events`");
    my_exec(conn, "INSERT INTO `" TEMPLATE_EVENTS "` SELECT * FROM `trail_change_events`");
    if (!(fx->sorted = malloc(sizeof *fx->sorted * (size_t)fx->rows)))
        bench_die("out of memory");
    for (long i = 0; i < fx->rows; i++)
        fx->sorted[i] = (struct id_index){ fx->ids[i], i };
    qsort(fx->sorted, (size_t)fx->rows, sizeof *fx->sorted, id_index_cmp);
    snprintf(fx->version, sizeof fx->version, "%s", mysql_get_server_info(conn));
}

/* A global status value of the server, as a number. */
static double status(MYSQL *c, const char *name)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS"
             " WHERE VARIABLE_NAME = '%s'",
             name);
    return my_value(c, sql);
}

/* Whether @node has settled: see settle(). */
static bool node_settled(const struct fixture *fx, const struct bench_node *node)
{
    return status(node->conn, "INNODB_HISTORY_LIST_LENGTH") <= SETTLED_HISTORY_LIST &&
           (!node->admin ||
            status(node->conn, "INNODB_CHECKPOINT_AGE") <= (double)SETTLED_LOG_BYTES) &&
           (fx->nodes == 1 || status(node->conn, "WSREP_LOCAL_RECV_QUEUE") == 0);
}

/*
 * Lets every server settle before a case: with the administrator, its dirty
 * pages flushed until the redo log is checkpointed (innodb_max_dirty_pages_pct
 * 0 until then), as bench_write_pg's CHECKPOINT; the undo of earlier
 * cases purged; on a cluster, the writes other nodes sent applied. Says so
 * on stderr when they do not within SETTLE_MS.
 */
static void settle(struct fixture *fx)
{
    char sql[96];
    for (int n = 0; n < fx->nodes; n++)
        if (fx->node[n].admin)
            my_exec(fx->node[n].admin, "SET GLOBAL innodb_max_dirty_pages_pct = 0");
    int64_t deadline = bench_mono_ns() + (int64_t)SETTLE_MS * 1000000;
    bool settled = false;
    while (!settled && bench_mono_ns() < deadline) {
        settled = true;
        for (int n = 0; n < fx->nodes && settled; n++)
            settled = node_settled(fx, &fx->node[n]);
        struct timespec pause = { 0, 20000000 };
        if (!settled)
            nanosleep(&pause, NULL);
    }
    if (!settled)
        fprintf(stderr, "%s: the server did not settle within %d ms; going on\n", bench_program,
                SETTLE_MS);
    snprintf(sql, sizeof sql, "SET GLOBAL innodb_max_dirty_pages_pct = %g", fx->dirty_pct);
    for (int n = 0; n < fx->nodes; n++)
        if (fx->node[n].admin)
            my_exec(fx->node[n].admin, sql);
}

/* The database as the template has it, at setting @relaxed, settled: a case's start. */
static void make_case_db(struct fixture *fx, bool relaxed)
{
    MYSQL *c = fx->node[0].conn;
    my_exec(c, "DROP TRIGGER IF EXISTS `" TRIGGER_NAME "`");
    my_exec(c, "TRUNCATE TABLE `customers`");
    my_exec(c, "INSERT INTO `customers` SELECT * FROM `" TEMPLATE_CUSTOMERS "`");
    my_exec(c, "TRUNCATE TABLE `trail_change_events`");
    my_exec(c, "INSERT INTO `trail_change_events` SELECT * FROM `" TEMPLATE_EVENTS "`");
    my_exec(c, "ANALYZE TABLE `customers`, `trail_change_events`");
    char sql[96];
    snprintf(sql, sizeof sql, "SET GLOBAL innodb_flush_log_at_trx_commit = %ld",
             fx->flush[relaxed]);
    for (int n = 0; n < fx->nodes; n++)
        if (fx->node[n].admin)
            my_exec(fx->node[n].admin, sql);
    settle(fx);
}

/* ---- The trigger. ---- */

/*
 * Field @f of row @x ("OLD" or "NEW") as trail's event JSON has it, as an
 * argument of JSON_OBJECT(): booleans true or false, dates and timestamps
 * in trail's ISO 8601 text, blobs in base64 on one line, json columns as
 * JSON (MariaDB embeds them as they are), "[redacted]" for redacted fields.
 */
static void field_json(char *buf, size_t size, const trail_field *f, const char *x)
{
    const char *n = f->name;
    if (f->flags & TRAIL_FIELD_REDACT) {
        bench_append(buf, size, "'[redacted]'");
        return;
    }
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        bench_append(buf, size, "%s.`%s` <> 0", x, n);
        break;
    case TRAIL_TYPE_DATE:
        bench_append(buf, size, "DATE_FORMAT(%s.`%s`, '%%Y-%%m-%%d')", x, n);
        break;
    case TRAIL_TYPE_TIMESTAMP:
        bench_append(buf, size,
                     "CONCAT(LEFT(DATE_FORMAT(%s.`%s`, '%%Y-%%m-%%dT%%H:%%i:%%s.%%f'), 23), 'Z')",
                     x, n);
        break;
    case TRAIL_TYPE_BLOB:
        bench_append(buf, size, "REPLACE(TO_BASE64(%s.`%s`), CHAR(10), '')", x, n);
        break;
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_ENUM:
        bench_append(buf, size, "%s.`%s` COLLATE utf8mb4_bin", x, n);
        break;
    default:
        bench_append(buf, size, "%s.`%s`", x, n);
        break;
    }
}

/* JSON_OBJECT() of row @x as trail's event has it: id, version, the fields trail does not omit. */
static void row_json(char *buf, size_t size, const trail_entity *e, const char *x)
{
    buf[0] = '\0';
    bench_append(buf, size, "JSON_OBJECT('id', %s.`id`, 'version', %s.`version`", x, x);
    for (size_t i = 0; i < e->n_fields; i++) {
        if (e->fields[i].flags & TRAIL_FIELD_OMIT)
            continue;
        bench_append(buf, size, ", '%s', ", e->fields[i].name);
        field_json(buf, size, &e->fields[i], x);
    }
    bench_append(buf, size, ")");
}

/* The JSON array of the audited fields that differ between OLD and NEW, in schema order. */
static void changed_array(char *buf, size_t size, const trail_entity *e)
{
    buf[0] = '\0';
    bench_append(buf, size, "CONCAT('[', CONCAT_WS(',', NULL");
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *n = e->fields[i].name;
        if (!(e->fields[i].flags & TRAIL_FIELD_OMIT))
            bench_append(buf, size, ", IF(OLD.`%s` <=> NEW.`%s`, NULL, '\"%s\"')", n, n, n);
    }
    bench_append(buf, size, "), ']')");
}

/*
 * The AFTER UPDATE trigger that writes an event for every update of a
 * customer: the row audit triggers deployed today write
 * (bench_trigger_row): old and new values from JSON_OBJECT() over OLD and
 * NEW, the changed fields, the request context from the user variables
 * @trail_<column>, set per transaction. event_id and tx_id are 26
 * characters ordered by time as ULIDs (7, 11 hex digits of milliseconds,
 * 14 of MD5(RAND()); the 7 puts them after every ULID, so that each new one
 * goes to the end of the primary key, as trail's), hlc milliseconds x
 * 65536, the node a literal. lane_id is the session's, @trail_lane_id, set
 * once when it connects, and seq the session's counter @trail_seq, set to 0
 * then and counted up here: unique in the lane, at the cost of one
 * assignment (a MariaDB SEQUENCE would be a table to lock).
 */
static void make_trigger_sql(char *sql, size_t size, const struct fixture *fx)
{
    const trail_entity *e = &shop_customer_entity;
    static char old_json[4096], new_json[4096], changed[8192];
    row_json(old_json, sizeof old_json, e, "OLD");
    row_json(new_json, sizeof new_json, e, "NEW");
    changed_array(changed, sizeof changed, e);
    char node[2 * TRAIL_NODE_ID_MAX + 3] = "'";
    unsigned long n = mysql_real_escape_string(fx->node[0].conn, node + 1, fx->node_id,
                                               (unsigned long)strlen(fx->node_id));
    memcpy(node + 1 + n, "'", 2);
    bench_trigger_row row;
    bench_trigger_row_init(&row, e,
                           &(bench_trigger_sql){
                               .id = "CONCAT(t, UPPER(LEFT(MD5(RAND()), 14)))",
                               .ms = "ms",
                               .node = node,
                               .lane = "@trail_lane_id",
                               .seq = "@trail_seq",
                               .record_id = "NEW.`id`",
                               .version = "NEW.`version`",
                               .old_values = old_json,
                               .new_values = new_json,
                               .changed = changed,
                               .ctx = "@trail_%s",
                           });
    sql[0] = '\0';
    bench_append(sql, size,
                 "CREATE TRIGGER `" TRIGGER_NAME "` AFTER UPDATE ON `%s` FOR EACH ROW\n"
                 "BEGIN\n"
                 "    DECLARE ms BIGINT DEFAULT FLOOR(UNIX_TIMESTAMP(SYSDATE(3)) * 1000);\n"
                 "    DECLARE t CHAR(12) " TEXT_CS " DEFAULT CONCAT('7', LPAD(HEX(ms), 11, '0'));\n"
                 "    SET @trail_seq = @trail_seq + 1;\n"
                 "    INSERT INTO `trail_change_events` (" TRAIL_EVENT_COLUMN_LIST_BQ ")\n"
                 "    VALUES (",
                 e->table);
    bench_trigger_values(sql, size, &row);
    bench_append(sql, size, ");\nEND");
}

/* ---- The cases. ---- */

/* The server's innodb_flush_log_at_trx_commit, as connection @what reads it, must be the case's. */
static void check_flush(const struct run *r, const char *got, const char *what)
{
    long want = r->fx->flush[r->b.c->relaxed];
    if (!got || strtol(got, NULL, 10) != want)
        bench_die("%s, %s: innodb_flush_log_at_trx_commit is %s, not %ld",
                  bench_kind_names[r->b.c->kind], what, got ? got : "unknown", want);
}

/* Opens client @b of a run: on node[0], or on node k % nodes when the run is spread. */
void client_open(bench_client *b)
{
    struct client *cl = (struct client *)b;
    const struct run *r = (const struct run *)b->run;
    const bench_case *c = r->b.c;
    const struct bench_node *node = &r->fx->node[r->spread ? b->index % r->fx->nodes : 0];
    if (c->kind == BENCH_TRAIL) {
        char text[64];
        bool found;
        /* "127.0.0.1:PORT" over TCP, "localhost" through the socket: then no port. */
        bench_trail_open(&cl->b, node->url,
                         "SELECT SUBSTRING_INDEX(HOST, ':', -1) FROM information_schema.PROCESSLIST"
                         " WHERE ID = CONNECTION_ID()");
        int rc = trail__conn_query_text(cl->b.db, FLUSH_SQL, NULL, 0, text, sizeof text, &found);
        bench_trail_check(cl->b.db, rc, FLUSH_SQL);
        check_flush(r, found ? text : NULL, "trail's connection");
        return;
    }
    cl->my = my_connect_url(&node->u);
    char flush[24];
    snprintf(flush, sizeof flush, "%.0f", my_value(cl->my, FLUSH_SQL));
    check_flush(r, flush, "its connection");
    cl->b.fd = (int)mysql_get_socket(cl->my);
    MYSQL_BIND *v = cl->update_bind;
    v[0] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_LONGLONG, .buffer = &cl->credit };
    v[1] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_STRING,
                         .buffer = cl->id,
                         .buffer_length = TRAIL_ULID_LEN };
    v[2] = (MYSQL_BIND){ .buffer_type = MYSQL_TYPE_LONGLONG, .buffer = &cl->version };
    if (c->kind == BENCH_PLAIN) {
        cl->update = my_prepare(cl->my, "UPDATE `customers` SET `credit` = ? WHERE `id` = ?");
        my_bind(cl->update, v, "UPDATE");
        return;
    }
    /* The session's lane and its counter, once, as an application would when it connects. */
    char lane_sql[96];
    char lane[TRAIL_ULID_LEN + 1];
    bench_lane_id(lane);
    snprintf(lane_sql, sizeof lane_sql, "SET @trail_lane_id = '%s', @trail_seq = 0", lane);
    my_exec(cl->my, lane_sql);
    cl->ctx = prepare_ctx(cl->my, cl->ctx_bind);
    cl->update = my_prepare(cl->my, "UPDATE `customers` SET `credit` = ?, `version` = `version` + 1"
                                    " WHERE `id` = ? AND `version` = ?");
    my_bind(cl->update, v, "UPDATE");
}

void client_close(bench_client *b)
{
    struct client *cl = (struct client *)b;
    b->run->c->retries += b->db ? (long)trail_retries(b->db) : cl->retries;
    trail_close(cl->b.db);
    cl->b.db = NULL;
    if (cl->ctx)
        mysql_stmt_close(cl->ctx);
    if (cl->update)
        mysql_stmt_close(cl->update);
    if (cl->my)
        mysql_close(cl->my);
    cl->ctx = cl->update = NULL;
    cl->my = NULL;
}

/*
 * Sets the values the update is bound to and runs it, after the context
 * when @ctx; dies unless it changed the customer. A Galera node may abort
 * a write whose locks an applier of another node's writes needs, on other
 * rows too (the event table's index locks), with error 1213 after its own
 * retry of the statement: the write changed nothing, and it is run again,
 * as an application would, and counted.
 */
static void update_one(struct client *cl, long i, int64_t credit, bool ctx)
{
    cl->credit = credit;
    cl->version = cl->b.run->version[i];
    memcpy(cl->id, cl->b.run->ids[i], sizeof cl->id);
    for (;;) {
        if (ctx)
            my_execute(cl->ctx, "SET @trail_...");
        if (mysql_stmt_execute(cl->update) == 0)
            break;
        if (mysql_stmt_errno(cl->update) != ER_LOCK_DEADLOCK)
            bench_die("%s: UPDATE: %s", bench_kind_names[cl->b.run->c->kind],
                      mysql_stmt_error(cl->update));
        cl->retries++;
    }
    if (mysql_stmt_affected_rows(cl->update) != 1)
        bench_die("%s: customer not updated", bench_kind_names[cl->b.run->c->kind]);
}

static void plain_write(bench_client *b, long i, int64_t credit)
{
    update_one((struct client *)b, i, credit, false);
}

/* The context, then the version-checked UPDATE, autocommit: two round trips. */
static void trigger_write(bench_client *b, long i, int64_t credit)
{
    update_one((struct client *)b, i, credit, true);
}

/*
 * Counts in the database of @c what every audited write must have left
 * (struct audit_counts): its update events, those that do not match their
 * customer's version and credit, those without the context, the lane
 * positions taken twice, and the events' mean size.
 */
void check_audit(MYSQL *c, struct audit_counts *n)
{
    n->events = (long)my_value(c, "SELECT count(*) FROM trail_change_events WHERE op = 'update'");
    n->unmatched = (long)my_value(
        c, "SELECT count(*) FROM customers c WHERE c.version - 1 <> (SELECT count(*)"
           " FROM trail_change_events e WHERE e.table_name = 'customers' AND e.record_id = c.id"
           " AND e.op = 'update') OR (c.version > 1 AND NOT EXISTS (SELECT 1"
           " FROM trail_change_events e WHERE e.table_name = 'customers' AND e.record_id = c.id"
           " AND e.op = 'update' AND e.version = c.version"
           " AND CAST(JSON_VALUE(e.new_values, '$.credit') AS SIGNED) = c.credit))");
    /* The context, as the trigger's clients set it, to compare with. */
    MYSQL_BIND bind[BENCH_N_CTX];
    MYSQL_STMT *ctx = prepare_ctx(c, bind);
    my_execute(ctx, "SET @trail_...");
    mysql_stmt_close(ctx);
    char no_ctx_sql[1024] = "";
    bench_append(no_ctx_sql, sizeof no_ctx_sql,
                 "SELECT count(*) FROM trail_change_events WHERE op = 'update' AND NOT (TRUE");
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(no_ctx_sql, sizeof no_ctx_sql,
                     " AND `%s` <=> @trail_%s COLLATE utf8mb4_nopad_bin", bench_ctx_column(i),
                     bench_ctx_column(i));
    bench_append(no_ctx_sql, sizeof no_ctx_sql, ")");
    n->no_ctx = (long)my_value(c, no_ctx_sql);
    char bytes_sql[1024];
    bench_event_bytes_sql(bytes_sql, sizeof bytes_sql, "length(%s)", "length(%s)");
    n->bytes = my_value(c, bytes_sql);
    n->twins = (long)my_value(c, "SELECT count(*) FROM (SELECT 1 FROM trail_change_events"
                                 " GROUP BY lane_id, seq HAVING count(*) > 1) t");
}

/*
 * Checks the case's database on every node after @writes writes: every
 * customer holds the credit last written to it and its version (1 plus its
 * writes when versioned); an audited case has one update event per write,
 * per customer as many as its version says, the last one carrying its
 * credit, each with the context; plain has none. Returns the mean size in
 * bytes of the update events' variable columns.
 */
static double check_db(const struct run *r, long writes)
{
    const struct fixture *fx = r->fx;
    struct audit_counts n = { 0 };
    for (int k = 0; k < fx->nodes; k++) {
        MYSQL *c = fx->node[k].conn;
        const char *sql = "SELECT `id`, `credit`, `version` FROM `customers`";
        if (mysql_query(c, sql) != 0)
            bench_die("%s: %s", sql, mysql_error(c));
        MYSQL_RES *res = mysql_use_result(c);
        if (!res)
            bench_die("%s: %s", sql, mysql_error(c));
        long right = 0;
        for (MYSQL_ROW row; (row = mysql_fetch_row(res));) {
            struct id_index key = { row[0], 0 };
            const struct id_index *at =
                bsearch(&key, fx->sorted, (size_t)fx->rows, sizeof *fx->sorted, id_index_cmp);
            if (at && strtoll(row[1], NULL, 10) == r->b.credit[at->i] &&
                strtoll(row[2], NULL, 10) == r->b.version[at->i])
                right++;
        }
        if (mysql_errno(c))
            bench_die("%s: %s", sql, mysql_error(c));
        mysql_free_result(res);
        check_audit(c, &n);
        /* A failed check names the node it failed on. */
        const char *program = bench_program;
        char who[64];
        snprintf(who, sizeof who, "%s, node %d", program, k + 1);
        if (fx->nodes > 1)
            bench_program = who;
        bench_check_counts(&r->b, writes, right, n.events, n.unmatched, n.no_ctx, n.twins);
        bench_program = program;
    }
    return n.bytes;
}

/* The case's start; the trigger created when it is trigger audit's. */
void start_case(struct fixture *fx, const bench_case *c)
{
    make_case_db(fx, c->relaxed);
    if (c->kind == BENCH_TRIGGER) {
        static char sql[32768];
        make_trigger_sql(sql, sizeof sql, fx);
        my_exec(fx->node[0].conn, sql);
    }
}

/*
 * Runs case @c once, on a fresh copy of the template, its clients on
 * node[0] or @spread over the nodes; fills its figures for repetition @rep.
 */
void run_case(bench_case *c, struct fixture *fx, int64_t budget_ns, long warmup, int rep,
              bool spread)
{
    static const bench_client_ops ops = { client_open,
                                          client_close,
                                          { plain_write, trigger_write, bench_trail_write } };
    static struct run r;
    memset(&r, 0, sizeof r);
    bench_run_init(&r.b, c, &ops, fx->rows, fx->ids, warmup, budget_ns);
    for (int k = 0; k < BENCH_MAX_THREADS; k++)
        r.b.cl[k] = &r.cl[k].b;
    r.fx = fx;
    r.spread = spread;
    start_case(fx, c);
    long writes = bench_run_clients(&r.b, rep);
    double bytes = check_db(&r, writes);
    if (rep == 0)
        c->event_bytes = bytes;
    bench_run_free(&r.b);
}

/* ---- Command line and report. ---- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_write_mysql [--quick] [--url URL] [--rows N] [--ms MS] [--reps R]\n"
            "                         [--data FILE] [--dir DIR] [--mariadb-sh FILE]\n"
            "                         [--galera | --galera-dir DIR]\n"
            "\n"
            "Measures on MariaDB, one write per transaction, writes per second of:\n"
            "  plain          UPDATE customers SET credit = ? WHERE id = ? (Connector/C,\n"
            "                 server-side prepared, autocommit)\n"
            "  trigger audit  SET @trail_user_id = ?, ... (the request context); the\n"
            "                 version-checked UPDATE, autocommit, whose AFTER UPDATE trigger\n"
            "                 writes trail's event row (same table, columns and indexes)\n"
            "  trail          shop_customer_update() of the generated code\n"
            "with 1 and 2 clients (threads, own connections, own customers) and\n"
            "innodb_flush_log_at_trx_commit %d and %d; ratios, client sends (round trips) per\n"
            "write, and the target:\n"
            "  trail >= %.2fx the trigger audit, 1 and 2 clients\n"
            "\n"
            "  --quick      tiny counts, to check that it runs (ctest); figures mean nothing\n"
            "  --url URL    use this database (mysql://...) instead of starting a server with\n"
            "               mariadb.sh: an empty one, or one an earlier run left (every case\n"
            "               empties customers and trail_change_events). No global setting is\n"
            "               changed there: the cases run at the server's\n"
            "               innodb_flush_log_at_trx_commit\n"
            "  --rows N     customers (default %d); updates go round robin over them\n"
            "  --ms MS      time per case and repetition, after a warm-up (default %d)\n"
            "  --reps R     repetitions, 1-%d (default %d); figures are medians\n"
            "  --data FILE  also write the figures for bench/plot_write_mysql.gnuplot\n"
            "  --dir DIR    where the server's temporary directory goes (default $TMPDIR or\n"
            "               /tmp); it must be on a real disk\n"
            "  --mariadb-sh FILE  the server script (default %s)\n"
            "  --help       this text\n",
            FLUSH_DEFAULT, FLUSH_RELAXED, TARGET_TRAIL_VS_TRIGGER, BENCH_DEFAULT_ROWS,
            BENCH_DEFAULT_MS, BENCH_MAX_REPS, BENCH_DEFAULT_REPS, TRAIL_MARIADB_SH);
    galera_usage(f);
}

static void write_data(const char *path, const struct fixture *fx, bench_case *cases,
                       const bench_args *a)
{
    FILE *f = fopen(path, "w");
    if (!f)
        bench_die("cannot write %s: %s", path, strerror(errno));
    fprintf(f,
            "# bench_write_mysql: MariaDB %s, %ld customers; median of %ld repetitions of %ld"
            " ms\n"
            "# group, case, writes/s, ratio to plain (same clients and setting),\n"
            "# kind (0 plain, 1 trigger audit, 2 trail). Blocks, for gnuplot's index:\n"
            "# innodb_flush_log_at_trx_commit %ld with 1 client, with 2 clients",
            fx->version, fx->rows, a->reps, a->ms, fx->flush[0]);
    if (fx->groups.settings == 2)
        fprintf(f, ", %ld with 1 client, with 2 clients", fx->flush[1]);
    fprintf(f, ".\n");
    bench_write_groups(f, cases, &fx->groups, (int)a->reps);
    if (fclose(f) != 0)
        bench_die("cannot write %s: %s", path, strerror(errno));
}

/*
 * The settings to measure at: 1 and 2 on the server started here, through
 * its administrator; with --url, the server's setting as it is.
 */
static void choose_settings(struct fixture *fx, bool own_server)
{
    bench_groups *g = &fx->groups;
    if (own_server) {
        MYSQL *admin = fx->node[0].admin = admin_connect(bench_server.data);
        g->settings = 2;
        fx->flush[0] = FLUSH_DEFAULT;
        fx->flush[1] = FLUSH_RELAXED;
        fx->dirty_pct = my_value(admin, "SELECT @@GLOBAL.innodb_max_dirty_pages_pct");
        if ((long)my_value(admin, FLUSH_SQL) != FLUSH_DEFAULT)
            bench_die("mariadb.sh's server has innodb_flush_log_at_trx_commit %.0f, not %d",
                      my_value(admin, FLUSH_SQL), FLUSH_DEFAULT);
    } else {
        g->settings = 1;
        fx->flush[0] = (long)my_value(fx->node[0].conn, FLUSH_SQL);
    }
    for (int s = 0; s < g->settings; s++)
        for (int clients = 1; clients <= MAX_CLIENTS; clients++) {
            char *name = fx->group_text[s][clients - 1];
            snprintf(name, sizeof fx->group_text[s][clients - 1],
                     "innodb_flush_log_at_trx_commit=%ld, %d client%s", fx->flush[s], clients,
                     clients == 1 ? "" : "s");
            g->name[s][clients - 1] = name;
        }
}

/* The run on one server: mariadb.sh's, or --url's. */
static void server_main(const bench_args *a, struct fixture *fx)
{
    char *url = fx->node[0].url;
    if (a->url)
        snprintf(url, sizeof fx->node[0].url, "%s", a->url);
    else
        bench_server_start(a->script, a->parent, bench_program, "mariadb", url,
                           sizeof fx->node[0].url);
    int64_t t_start = bench_mono_ns();
    make_template(fx);
    choose_settings(fx, !a->url);

    static bench_case cases[NCASES];
    int ncases = fx->groups.settings * BENCH_GROUP_CASES;
    bench_cases_init(cases, &fx->groups);
    for (long r = 0; r < a->reps; r++) {
        /* Each repetition starts one case later, so no case always follows the same one. */
        for (int k = 0; k < ncases; k++)
            run_case(&cases[(k + r) % ncases], fx, a->ms * 1000000, a->warmup, (int)r, false);
    }
    double elapsed = (double)(bench_mono_ns() - t_start) / 1e9;
    int reps = (int)a->reps;

    printf("bench_write_mysql: MariaDB %s (Connector/C %s); %ld customers, updated round robin "
           "(with 2 clients each its own half); median of %d repetitions of %ld ms per case "
           "after %ld writes per client (%.1f s); %ld CPUs online%s%s\n",
           fx->version, mysql_get_client_info(), a->rows, reps, a->ms, a->warmup, elapsed,
           sysconf(_SC_NPROCESSORS_ONLN),
           a->url ? "\n(--url: the server's innodb_flush_log_at_trx_commit only)" : "",
           a->quick ? "\n(--quick: counts too small, figures mean nothing)" : "");
    bench_print_groups(cases, &fx->groups, reps, "setting");
    printf("\ntargets (issue 16): trail / trigger audit\n");
    for (int s = 0; s < fx->groups.settings; s++)
        for (int clients = 1; clients <= MAX_CLIENTS; clients++)
            bench_verdict(fx->groups.name[s][clients - 1],
                          bench_kind_ratio(cases, s, clients, BENCH_TRAIL, BENCH_TRIGGER, reps),
                          TARGET_TRAIL_VS_TRIGGER);

    if (a->data)
        write_data(a->data, fx, cases, a);
    if (fx->node[0].admin)
        my_exec(fx->node[0].admin, "SET GLOBAL innodb_flush_log_at_trx_commit = 1");
}

int main(int argc, char **argv)
{
    bench_args a;
    bench_program = "bench_write_mysql";
    int parsed =
        bench_args_parse(&a, argc, argv, "--mariadb-sh", TRAIL_MARIADB_SH, false, true, usage);
    if (parsed)
        return parsed == 1 ? 0 : parsed;
    if (mysql_library_init(0, NULL, NULL) != 0)
        bench_die("mysql_library_init failed");

    static struct fixture fx;
    fx.rows = a.rows;
    fx.nodes = 1;
    if (!(fx.ids = calloc((size_t)a.rows, sizeof *fx.ids)))
        bench_die("out of memory");
    if (a.galera)
        galera_main(&a, &fx);
    else
        server_main(&a, &fx);
    for (int n = 0; n < fx.nodes; n++) {
        if (fx.node[n].admin)
            mysql_close(fx.node[n].admin);
        mysql_close(fx.node[n].conn);
        trail__mysql_url_free(&fx.node[n].u);
    }
    mysql_library_end();
    free(fx.sorted);
    free(fx.ids);
    return 0; /* atexit: the server stops */
}
