/*
 * test_dialect.c - the drivers' registry and dialects (driver/drivers.h):
 * which driver a URL reaches, the interface version a driver must state,
 * that each dialect agrees with its driver and is complete, the SQL pieces
 * every user of a dialect builds from it, and finding a descriptor's
 * statements by the connection's driver.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "audit/update_sql.h"
#include "driver/dialect.h"
#include "driver/driver.h"
#include "trail/trail.h"

/* The driver of dialect @d, found in the registry by the dialect's first URL prefix. */
static const trail_driver *driver_of(const trail_dialect *d)
{
    const char *target;
    const trail_driver *drv = trail__driver_for(d->url_prefixes[0], &target);
    assert_non_null(drv);
    assert_ptr_equal(drv->dialect, d);
    return drv;
}

static void test_urls(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const trail_driver *drv;
        const char *target;
    } cases[] = {
        { "sqlite:/tmp/shop.db", &trail__driver_sqlite, "/tmp/shop.db" },
        { "sqlite::memory:", &trail__driver_sqlite, ":memory:" },
        { "postgresql://trail@127.0.0.1:5432/trail", &trail__driver_pg, NULL },
        { "postgres://trail@localhost/trail", &trail__driver_pg, NULL },
        { "host=/run/postgresql dbname=shop", &trail__driver_pg, NULL },
        { "mysql://trail:pw@127.0.0.1/trail", &trail__driver_mysql, NULL },
        { "mariadb://trail@localhost/trail?socket=/run/mysqld/mysqld.sock", &trail__driver_mysql,
          NULL },
        { "oracle://scott@db/orcl", NULL, NULL },
        { "/tmp/shop.db", NULL, NULL },
        { "", NULL, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *target = NULL;
        const trail_driver *drv = trail__driver_for(cases[i].url, &target);
        if (drv != cases[i].drv)
            fail_msg("%s: driver %s, expected %s", cases[i].url, drv ? drv->name : "none",
                     cases[i].drv ? cases[i].drv->name : "none");
        if (drv) /* the whole URL, unless the case names what follows the prefix */
            assert_string_equal(target, cases[i].target ? cases[i].target : cases[i].url);
    }
}

/* An unknown URL's message lists every driver's forms: "a, b or c". */
static void test_unknown_url_message(void **state)
{
    (void)state;
    char want[512] = "unknown database URL 'oracle://scott@db/orcl' (expected ";
    for (size_t i = 0; trail__dialects[i]; i++) {
        if (i > 0)
            strcat(want, trail__dialects[i + 1] ? ", " : " or ");
        strcat(want, trail__dialects[i]->url_forms);
    }
    strcat(want, ")");
    trail_conn *db = NULL;
    assert_int_equal(trail_open(&db, "oracle://scott@db/orcl", NULL), TRAIL_EARG);
    assert_string_equal(trail_errmsg(db), want);
    trail_close(db);
    /* What the three drivers of today make of it, by hand. */
    assert_non_null(strstr(want, "(expected sqlite:PATH, sqlite::memory:, postgresql://…, "
                                 "libpq's key=value form"));
}

/* A driver written for another version of the interface is refused, naming both versions. */
static void test_driver_version(void **state)
{
    (void)state;
    trail_err err = { 0 };
    for (size_t i = 0; trail__dialects[i]; i++) {
        const trail_driver *drv = driver_of(trail__dialects[i]);
        assert_int_equal(drv->version, TRAIL_DRIVER_VERSION);
        assert_int_equal(trail__driver_check(&err, drv), TRAIL_OK);
    }
    trail_driver older = trail__driver_pg;
    older.version = TRAIL_DRIVER_VERSION + 1;
    assert_int_equal(trail__driver_check(&err, &older), TRAIL_EARG);
    char want[200];
    snprintf(want, sizeof want,
             "the postgresql driver implements version %d of the driver interface, but this "
             "libtrail expects version %d",
             TRAIL_DRIVER_VERSION + 1, TRAIL_DRIVER_VERSION);
    assert_string_equal(trail__err_message(&err), want);
}

/*
 * The dialect list and the registry are made from the one list, and each
 * dialect is whole: a type map entry for every type, and the statements it
 * says its driver runs (insert/remove only where the client writes events).
 */
static void test_dialects_complete(void **state)
{
    (void)state;
    /* drivers.h's order: the order of the drivers in generated code. */
    assert_string_equal(trail__dialects[0]->name, "sqlite");
    assert_string_equal(trail__dialects[1]->name, "pg");
    assert_string_equal(trail__dialects[2]->name, "mysql");
    for (size_t i = 0; trail__dialects[i]; i++) {
        const trail_dialect *d = trail__dialects[i];
        const trail_driver *drv = driver_of(d);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(d->name, trail__dialects[j]->name);
        assert_non_null(d->url_prefixes[0]);
        for (trail_type t = TRAIL_TYPE_BOOL; t < TRAIL_TYPE_REF; t++)
            if (!d->column_types[t] && !(t == TRAIL_TYPE_ENUM && d->enum_type))
                fail_msg("%s: no column type for %s", d->name, trail_type_name(t));
        assert_non_null(d->key_ulid_type);
        assert_non_null(d->key_int64_type);
        assert_non_null(d->id_ulid_column);
        assert_non_null(d->id_int64_column);
        assert_non_null(d->table_options);
        assert_non_null(d->check_blob_max);
        assert_non_null(d->bool_literals[0]);
        assert_non_null(d->bool_literals[1]);
        assert_non_null(d->lock_suffix);
        for (trail_event_kind k = 0; k < TRAIL_EVENT_KINDS; k++)
            if (!d->event_types[k].type)
                fail_msg("%s: no type for event columns of kind %d", d->name, (int)k);
        assert_true(d->identifier_max >= 63); /* schema names are up to 63 characters */
        /* Without insert and remove, the driver must write in a statement of its own. */
        assert_int_equal(d->client_events, drv->write_sql == NULL);
        /* Procedure parameters: all of them or none. */
        for (trail_type t = TRAIL_TYPE_BOOL; t < TRAIL_TYPE_REF; t++)
            assert_int_equal(d->param_types[t] != NULL, d->param_types[TRAIL_TYPE_BOOL] != NULL);
    }
}

/* Quoting and placeholders, against hand-written text. */
static void test_quote_and_params(void **state)
{
    (void)state;
    static const struct {
        const trail_dialect *d;
        const char *want;
    } cases[] = {
        { &trail__dialect_sqlite, "\"order\" ? ?" },
        { &trail__dialect_pg, "\"order\" $1 $12" },
        { &trail__dialect_mysql, "`order` ? ?" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trail_buf b = TRAIL_BUF_INIT;
        assert_int_equal(trail__dialect_quote(&b, cases[i].d, "order"), TRAIL_OK);
        assert_int_equal(trail__buf_append(&b, " ", 1), TRAIL_OK);
        assert_int_equal(trail__dialect_param(&b, cases[i].d, 1), TRAIL_OK);
        assert_int_equal(trail__buf_append(&b, " ", 1), TRAIL_OK);
        assert_int_equal(trail__dialect_param(&b, cases[i].d, 12), TRAIL_OK);
        assert_string_equal(b.data, cases[i].want);
        trail__buf_free(&b);
    }
    /* MariaDB's procedure parameters, which write_mysql.c declares. */
    assert_string_equal(trail__dialect_param_type(&trail__dialect_mysql, TRAIL_TYPE_INT32, 0),
                        "BIGINT");
    assert_string_equal(
        trail__dialect_param_type(&trail__dialect_mysql, TRAIL_TYPE_REF, TRAIL_KEY_ULID),
        "VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin");
    assert_null(trail__dialect_param_type(&trail__dialect_pg, TRAIL_TYPE_TEXT, 0));
}

/* An entity of three fields, for statements built at run time. */
static const trail_field fields[] = {
    { .name = "a", .type = TRAIL_TYPE_INT64 },
    { .name = "b", .type = TRAIL_TYPE_TEXT },
    { .name = "c", .type = TRAIL_TYPE_BOOL },
};

/* The UPDATE of the fields that change, built for each connection's dialect. */
static void test_update_sql(void **state)
{
    (void)state;
    static const struct {
        const trail_driver *drv;
        const char *want;
    } cases[] = {
        { &trail__driver_sqlite, "UPDATE \"things\" SET \"a\" = ?, \"c\" = ?, \"version\" = "
                                 "\"version\" + 1 WHERE \"id\" = ? AND \"version\" = ?" },
        { &trail__driver_pg, "UPDATE \"things\" SET \"a\" = $1, \"c\" = $2, \"version\" = "
                             "\"version\" + 1 WHERE \"id\" = $3 AND \"version\" = $4" },
        { &trail__driver_mysql, "UPDATE `things` SET `a` = ?, `c` = ?, `version` = `version` + 1 "
                                "WHERE `id` = ? AND `version` = ?" },
    };
    trail_entity e = { .name = "thing", .table = "things", .fields = fields, .n_fields = 3 };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trail_conn db = { .drv = cases[i].drv };
        const char *sql = NULL, *again = NULL;
        assert_int_equal(trail__update_sql(&db, &e, 5, &sql), TRAIL_OK);
        assert_string_equal(sql, cases[i].want);
        assert_int_equal(trail__update_sql(&db, &e, 5, &again), TRAIL_OK);
        assert_ptr_equal(again, sql); /* kept by the connection: one text, one prepare */
        trail__update_sql_free(&db);
    }
}

/* A descriptor's statements and DDL are found by the connection's driver's name. */
static void test_descriptor_lookup(void **state)
{
    (void)state;
    /* Names as a generated file spells them: other strings than the dialects' own. */
    static const char sqlite_name[] = "sqlite", mysql_name[] = "mysql";
    const trail_entity_sql on_sqlite = { .driver = sqlite_name, .get = "sqlite get" },
                           on_mysql = { .driver = mysql_name, .get = "mysql get" };
    const trail_entity_sql *const both[] = { &on_sqlite, &on_mysql, NULL };
    const trail_schema_ddl ddl_mysql = { mysql_name, NULL, 0 };
    const trail_schema_ddl *const ddl[] = { &ddl_mysql, NULL };
    trail_entity e = { .name = "thing", .sql = both };
    trail_schema s = { .name = "s", .ddl = ddl };

    trail_conn db = { .drv = &trail__driver_mysql };
    assert_ptr_equal(trail__entity_sql(&db, &e), &on_mysql);
    assert_ptr_equal(trail__schema_ddl(&db, &s), &ddl_mysql);
    db.drv = &trail__driver_sqlite;
    assert_ptr_equal(trail__entity_sql(&db, &e), &on_sqlite);
    assert_null(trail__schema_ddl(&db, &s));
    db.drv = &trail__driver_pg; /* generated without it */
    assert_null(trail__entity_sql(&db, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_unknown_url_message),
        cmocka_unit_test(test_driver_version),
        cmocka_unit_test(test_dialects_complete),
        cmocka_unit_test(test_quote_and_params),
        cmocka_unit_test(test_update_sql),
        cmocka_unit_test(test_descriptor_lookup),
    };
    return cmocka_run_group_tests_name("dialect", tests, NULL, NULL);
}
