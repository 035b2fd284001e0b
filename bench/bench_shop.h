/*
 * bench_shop.h - what the benchmarks of audited writes share (bench_write on
 * SQLite, bench_write_pg on PostgreSQL, bench_write_mysql on MariaDB): the
 * request context of every audited write, the event row of the trigger
 * audit cases, with the event table's columns from their one table
 * (audit/event_columns.h), and the database every case starts from, made
 * through trail. Header-only, static, like bench_util.h; the program links
 * the generated shop API and trail_internal (driver/driver.h: the node id;
 * core/context.h: the context's columns).
 */
#ifndef TRAIL_BENCH_SHOP_H
#define TRAIL_BENCH_SHOP_H

#include "bench_util.h"
#include "audit/event_columns.h"
#include "core/context.h"
#include "driver/driver.h"
#include "shop.h"
#include "trail/ulid.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The request context of every audited write, the triggers' values too. */
static const trail_ctx bench_ctx = {
    .user_id = "user-0042",
    .request_id = "req-5f0c2a9e-7d41",
    .session_id = "sess-91b7d3c2",
    .tenant_id = "tenant-0007",
    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
    .span_id = "00f067aa0ba902b7",
    .ip = "192.0.2.10",
};

/* The context columns of trail_change_events, in trail_ctx's order (core/context.h). */
#define BENCH_N_CTX TRAIL_CTX_COLUMNS

static inline const char *bench_ctx_column(int i)
{
    return trail__ctx_columns[i].name;
}

/* bench_ctx's values, in bench_ctx_column()'s order. */
static inline void bench_ctx_values(const char *v[BENCH_N_CTX])
{
    for (int i = 0; i < BENCH_N_CTX; i++)
        v[i] = trail__ctx_value(&bench_ctx, (size_t)i);
}

static inline void bench_trail_check(trail_conn *db, int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s: %s: %s", what, trail_code_name(rc), db ? trail_errmsg(db) : "");
}

/* The columns of trail_change_events by place (TRAIL_EV_<column>), from their one table. */
#define BENCH_EV_NAME(n, name, ...) #name,
static const char *const bench_event_columns[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(
    BENCH_EV_NAME, ) };
#undef BENCH_EV_NAME

/* Whether a column holds text or JSON (TRAIL_V_TEXT, TRAIL_V_JSON): what makes an event's size. */
#define BENCH_EV_TEXT_TEXT                 1
#define BENCH_EV_TEXT_JSON                 1
#define BENCH_EV_TEXT_INT                  0
#define BENCH_EV_TEXT(n, name, value, ...) BENCH_EV_TEXT_##value,
static const bool bench_event_text[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(
    BENCH_EV_TEXT, ) };
#undef BENCH_EV_TEXT
#define BENCH_EV_JSON(n, name, value, kind, ...) TRAIL_EVENT_KIND_##kind == TRAIL_EVENT_KIND_JSON,
static const bool bench_event_json[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(
    BENCH_EV_JSON, ) };
#undef BENCH_EV_JSON

/*
 * The statement that reads the mean size in bytes of the update events'
 * text and JSON columns: @text spells the size of a text column, @json of
 * a JSON one (printf formats of the column's name, e.g. "length(%s)").
 */
static inline void bench_event_bytes_sql(char *sql, size_t size, const char *text, const char *json)
{
    sql[0] = '\0';
    bench_append(sql, size, "SELECT avg(0");
    for (int i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        if (!bench_event_text[i])
            continue;
        bench_append(sql, size, " + ");
        bench_append(sql, size, bench_event_json[i] ? json : text, bench_event_columns[i]);
    }
    bench_append(sql, size, ") FROM trail_change_events WHERE op = 'update'");
}

/*
 * A new lane's id, for a connection of a trigger audit case: a ULID, as
 * trail's lanes have. Not thread-safe: the programs open their connections
 * one after the other, on one thread.
 */
static inline void bench_lane_id(char out[TRAIL_ULID_LEN + 1])
{
    static trail_ulid_gen *gen;
    if (!gen && trail_ulid_gen_new(&gen) < 0)
        bench_die("trail_ulid_gen_new failed");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    trail_ulid id;
    if (trail_ulid_next(gen, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &id) < 0)
        bench_die("trail_ulid_next failed");
    trail_ulid_format(out, &id);
}

/*
 * The event row a trigger audit writes for an update: the SQL expression
 * of each column of trail_change_events, by place (TRAIL_EV_<column>),
 * and the text the shared ones are made in.
 *
 * What audit triggers deployed today write (issue 16): the whole old and
 * new row as JSON, the fields that changed, and the request context, in an
 * event table with trail's columns and indexes; no hash, no chain. So the
 * columns trail alone has get what such a trigger fills them with at the
 * least cost: prev_hash and hash are empty, lane_id is the connection's
 * (one per session, set when it opens) and seq a number unique in the
 * engine's cheapest way (each program says which), so that the unique
 * (lane_id, seq) index holds.
 */
typedef struct bench_trigger_row {
    const char *v[TRAIL_EVENT_COLUMNS];
    char table[80], schema_version[24], hlc[256], ctx[BENCH_N_CTX][320];
} bench_trigger_row;

/* How one engine's trigger spells the parts of its event row, as SQL expressions. */
typedef struct bench_trigger_sql {
    const char *id;        /* a new id of 26 characters ordered by time: event_id, tx_id */
    const char *ms;        /* now in milliseconds: created_at, and hlc (x 65536) */
    const char *node;      /* the node id, a literal */
    const char *lane;      /* the connection's lane */
    const char *seq;       /* a number no other event of the lane has */
    const char *record_id; /* NEW's id as text */
    const char *version;   /* NEW's version */
    const char *old_values, *new_values, *changed;
    const char *ctx; /* a printf format of a context column's name; NULL: bench_ctx's literals */
} bench_trigger_sql;

/*
 * Fills @row for an update of @e from @sql (borrowed, as long as @row is
 * used): the columns every engine's trigger writes alike (table_name, op,
 * schema_version, empty prev_hash and hash), and the rest from the
 * engine's spellings.
 */
static inline void bench_trigger_row_init(bench_trigger_row *row, const trail_entity *e,
                                          const bench_trigger_sql *sql)
{
    memset(row, 0, sizeof *row);
    snprintf(row->table, sizeof row->table, "'%s'", e->table);
    snprintf(row->schema_version, sizeof row->schema_version, "%lld", (long long)e->schema_version);
    snprintf(row->hlc, sizeof row->hlc, "%s * 65536", sql->ms);
    const char **v = row->v;
    v[TRAIL_EV_event_id] = v[TRAIL_EV_tx_id] = sql->id;
    v[TRAIL_EV_hlc] = row->hlc;
    v[TRAIL_EV_created_at] = sql->ms;
    v[TRAIL_EV_node_id] = sql->node;
    v[TRAIL_EV_lane_id] = sql->lane;
    v[TRAIL_EV_seq] = sql->seq;
    v[TRAIL_EV_table_name] = row->table;
    v[TRAIL_EV_record_id] = sql->record_id;
    v[TRAIL_EV_op] = "'update'";
    v[TRAIL_EV_version] = sql->version;
    v[TRAIL_EV_old_values] = sql->old_values;
    v[TRAIL_EV_new_values] = sql->new_values;
    v[TRAIL_EV_changed] = sql->changed;
    v[TRAIL_EV_schema_version] = row->schema_version;
    v[TRAIL_EV_prev_hash] = v[TRAIL_EV_hash] = "''";
    const char *values[BENCH_N_CTX];
    bench_ctx_values(values);
    for (int i = 0; i < BENCH_N_CTX; i++) {
        /* The context columns are core/context.h's, in its order: event_columns.h says so. */
        if (strcmp(bench_event_columns[TRAIL_EV_user_id + i], bench_ctx_column(i)) != 0)
            bench_die("event column %d is %s, not the context's %s", TRAIL_EV_user_id + i + 1,
                      bench_event_columns[TRAIL_EV_user_id + i], bench_ctx_column(i));
        if (sql->ctx)
            snprintf(row->ctx[i], sizeof row->ctx[i], sql->ctx, bench_ctx_column(i));
        else if (strchr(values[i], '\''))
            bench_die("context value %s: no quote, please", values[i]);
        else
            snprintf(row->ctx[i], sizeof row->ctx[i], "'%s'", values[i]);
        v[TRAIL_EV_user_id + i] = row->ctx[i];
    }
}

/*
 * Appends @row's expressions in the table's order, ", " between two; dies
 * naming a column the row has no expression for (one added to
 * event_columns.h, which the trigger must then fill).
 */
static inline void bench_trigger_values(char *sql, size_t size, const bench_trigger_row *row)
{
    for (int i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        if (!row->v[i])
            bench_die("the trigger writes nothing into event column %s", bench_event_columns[i]);
        bench_append(sql, size, "%s%s", i ? ", " : "", row->v[i]);
    }
}

/*
 * Makes the database at @url what every case starts from: trail's tables
 * (shop_migrate(), the generated DDL, so that trail_change_events has
 * trail's columns and indexes in every case) and @rows customers, created
 * through trail in one transaction so that each has its insert event, with
 * every field set but the avatar. Fills @ids (in creation order) and
 * @node_id (the database's node, which a trigger names as trail does).
 */
static inline void bench_make_customers(const char *url, long rows, char (*ids)[TRAIL_ULID_LEN + 1],
                                        char node_id[TRAIL_NODE_ID_MAX + 1])
{
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, NULL);
    bench_trail_check(db, rc, "trail_open");
    bench_trail_check(db, shop_migrate(db), "shop_migrate");
    static const char *const prefs = "{\"theme\":\"dark\",\"lang\":\"en\",\"digest\":true}";
    bench_trail_check(db, trail_begin(db), "trail_begin");
    for (long i = 0; i < rows; i++) {
        char email[64], name[64], secret[64];
        snprintf(email, sizeof email, "customer%06ld@example.com", i);
        snprintf(name, sizeof name, "Customer %ld Example", i);
        snprintf(secret, sizeof secret, "s3cr3t-%08lx", (unsigned long)i * 2654435761UL);
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = email;
        p.name = name;
        p.tier = (shop_customer_tier)(i % 3);
        p.credit = 0;
        p.rating = 4.5 - (double)(i % 10) / 10;
        p.rating_null = false;
        p.active = i % 7 != 0;
        p.born = (int32_t)(3000 + i % 15000);
        p.born_null = false;
        p.seen_at = INT64_C(1700000000000) + i * 1000;
        p.seen_at_null = false;
        p.prefs = prefs;
        p.secret = secret;
        shop_customer c = { 0 };
        bench_trail_check(db, shop_customer_create(db, &bench_ctx, &p, &c), "shop_customer_create");
        memcpy(ids[i], c.id, TRAIL_ULID_LEN + 1);
        shop_customer_clear(&c);
    }
    bench_trail_check(db, trail_commit(db), "trail_commit");
    snprintf(node_id, TRAIL_NODE_ID_MAX + 1, "%s", db->node_id);
    trail_close(db);
}

#endif /* TRAIL_BENCH_SHOP_H */
