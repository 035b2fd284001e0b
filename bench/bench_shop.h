/*
 * bench_shop.h - what the benchmarks of audited writes share (bench_write on
 * SQLite, bench_write_pg on PostgreSQL, bench_write_mysql on MariaDB): the
 * request context of every audited write, and the database every case
 * starts from, made through trail. Header-only, static, like bench_util.h; the program links the
 * generated shop API and trail_internal (driver/driver.h: the node id).
 */
#ifndef TRAIL_BENCH_SHOP_H
#define TRAIL_BENCH_SHOP_H

#include "bench_util.h"
#include "driver/driver.h"
#include "shop.h"

#include <stdio.h>
#include <string.h>

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

/* The context columns of trail_change_events, in trail_ctx's order. */
#define BENCH_N_CTX 7
static const char *const bench_ctx_columns[BENCH_N_CTX] = {
    "user_id", "request_id", "session_id", "tenant_id", "trace_id", "span_id", "ip",
};

/* bench_ctx's values, in bench_ctx_columns' order. */
static inline void bench_ctx_values(const char *v[BENCH_N_CTX])
{
    const trail_ctx *c = &bench_ctx;
    const char *values[BENCH_N_CTX] = {
        c->user_id, c->request_id, c->session_id, c->tenant_id, c->trace_id, c->span_id, c->ip,
    };
    memcpy(v, values, sizeof values);
}

static inline void bench_trail_check(trail_conn *db, int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s: %s: %s", what, trail_code_name(rc), db ? trail_errmsg(db) : "");
}

/*
 * Appends the INSERT by which a trigger writes trail's event row for an
 * update of entity @e: the statement bench_write_pg's and bench_write_mysql's
 * triggers share. The trigger has the variables ev and tx (the ids), ms (its
 * milliseconds), old_v, new_v and changed (the JSON), prev (prev_hash) and
 * c_<column> for every context column; @node is the node id as an SQL
 * literal, @record_id NEW's id as text, @q the character that quotes
 * identifiers. The hash is @hash_open concat_ws('|', prev and the event's
 * columns) @hash_close: SHA-256 in hex.
 */
static inline void bench_trigger_insert(char *sql, size_t size, const trail_entity *e, char q,
                                        const char *node, const char *record_id,
                                        const char *hash_open, const char *hash_close)
{
    static const char *const columns[] = {
        "event_id",  "hlc", "node_id", "lane_id",    "seq",        "tx_id",   "table_name",
        "record_id", "op",  "version", "old_values", "new_values", "changed", "schema_version",
    };
    bench_append(sql, size, "    INSERT INTO %ctrail_change_events%c (", q, q);
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        bench_append(sql, size, "%s%c%s%c", i ? ", " : "", q, columns[i], q);
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(sql, size, ", %c%s%c", q, bench_ctx_columns[i], q);
    bench_append(sql, size,
                 ", %ccreated_at%c, %cprev_hash%c, %chash%c)\n"
                 "    VALUES (ev, ms * 65536, %s, tx, 1, tx, '%s', %s, 'update', NEW.%cversion%c,"
                 " old_v, new_v, changed, %lld",
                 q, q, q, q, q, q, node, e->table, record_id, q, q, (long long)e->schema_version);
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(sql, size, ", c_%s", bench_ctx_columns[i]);
    bench_append(sql, size,
                 ", ms, prev, %sconcat_ws('|', prev, ev, ms * 65536, %s, tx, '%s', NEW.%cid%c,"
                 " 'update', NEW.%cversion%c, old_v, new_v, changed, %lld",
                 hash_open, node, e->table, q, q, q, q, (long long)e->schema_version);
    for (int i = 0; i < BENCH_N_CTX; i++)
        bench_append(sql, size, ", c_%s", bench_ctx_columns[i]);
    bench_append(sql, size, ", ms)%s);\n", hash_close);
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
