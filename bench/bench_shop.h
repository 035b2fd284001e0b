/*
 * bench_shop.h - what the benchmarks of audited writes share (bench_write on
 * SQLite, bench_write_pg on PostgreSQL): the request context of every
 * audited write, and the database every case starts from, made through
 * trail. Header-only, static, like bench_util.h; the program links the
 * generated shop API and trail_internal (db.h: the node id).
 */
#ifndef TRAIL_BENCH_SHOP_H
#define TRAIL_BENCH_SHOP_H

#include "bench_util.h"
#include "db.h"
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

static inline void bench_trail_check(trail_conn *db, int rc, const char *what)
{
    if (rc < 0)
        bench_die("%s: %s: %s", what, trail_code_name(rc), db ? trail_errmsg(db) : "");
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
        shop_customer_create_params p = {
            .set = SHOP_CUSTOMER_TIER | SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_RATING |
                   SHOP_CUSTOMER_ACTIVE | SHOP_CUSTOMER_BORN | SHOP_CUSTOMER_SEEN_AT,
            .email = email,
            .name = name,
            .tier = (shop_customer_tier)(i % 3),
            .credit = 0,
            .rating = 4.5 - (double)(i % 10) / 10,
            .active = i % 7 != 0,
            .born = (int32_t)(3000 + i % 15000),
            .seen_at = INT64_C(1700000000000) + i * 1000,
            .prefs = prefs,
            .secret = secret,
        };
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
