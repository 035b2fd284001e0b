/*
 * test_migrate.c - a program and its database agree on the schema, or the
 * program is told (SPEC §3, issue 14 item 3).
 *
 * Several versions of one schema, `evolve` (schemas/), are generated into
 * loadable modules, so that this one program can act as the build of each
 * version in turn: migrate from version 1 to 2 adds what 2 adds and keeps
 * the rows; a program of version 1 is refused by a database at version 2;
 * version 3's changes (a field retyped, dropped, a new required one) are
 * refused with every difference listed and no version stamped; so is a
 * version 1 changed without raising its number (evolve_v1b); a second
 * schema claiming one of evolve's tables is refused; a column dropped
 * behind trail's back is found at the first use, and a write that needs it
 * fails naming it instead of storing anything in its place. The event
 * table gets the indexes a schema's `events:` asks for beside its own, on
 * a new database and, from a newer version, on an existing one. Each
 * entity's `replicate:` is kept in the stored description. An event table
 * made by an older trail, whose op CHECK admits no merge or resolve (or
 * lists the ops with IN), gets the CHECK of today's DDL from migrate, its
 * events kept, and then takes the merges and resolves sync brings about;
 * a second migrate changes nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include "audit/event_indexes.h"
#include "core/buf.h"
#include "driver/driver.h"
#include "evolve.h" /* the types of version 2, the newest that migrates */
#include "trail/conflict.h"

#include <dlfcn.h>
#include <string.h>
#include <time.h>

/* The generated code of one version: its descriptors, and its params initializer. */
typedef struct version {
    const trail_schema *schema;
    const trail_entity *item;
    void (*item_init)(void *params);
} version;

static version load(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("dlopen %s: %s", path, dlerror());
    version v = { dlsym(h, "evolve_schema"), dlsym(h, "evolve_item_entity"), NULL };
    if (!v.schema)
        v.schema = dlsym(h, "rival_schema");
    *(void **)&v.item_init = dlsym(h, "evolve_item_create_params_init");
    assert_non_null(v.schema);
    return v; /* never unloaded: the descriptors are in use until the program ends */
}

/* Creates an item of version @v named @name through its own descriptor; its id into @id. */
static void create_item(trail_conn *db, const version *v, const char *name, char id[27])
{
    _Alignas(max_align_t) unsigned char params[256], rec[256] = { 0 };
    v->item_init(params);
    memcpy(params + v->item->fields[0].at.create, &name, sizeof name);
    IT_OK(db, trail_record_create(db, NULL, v->item, params, rec));
    char *made;
    memcpy(&made, rec + v->item->id_at, sizeof made);
    memcpy(id, made, 27);
    trail_record_clear(v->item, rec);
}

/* The test's own connection, verified by the teardown. */
static trail_conn *open_db(it_db *t)
{
    t->db = it_open(t, NULL);
    t->verify = true;
    return t->db;
}

static void test_upgrade_keeps_rows(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    version v1 = load(IT_MODULE_evolve_v1), v2 = load(IT_MODULE_evolve_v2);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    char old_id[27];
    create_item(db, &v1, "made by 1", old_id);

    IT_OK(db, trail_schema_migrate(db, v2.schema));
    IT_OK(db, trail_schema_migrate(db, v2.schema)); /* idempotent */
    evolve_item got = { 0 };
    IT_OK(db, trail_record_get(db, v2.item, (trail_key){ .text = old_id }, &got));
    assert_string_equal(got.name, "made by 1");
    assert_null(got.note);          /* the new nullable field */
    assert_int_equal(got.score, 7); /* the new defaulted field */

    /* The new fields and entity are written and read through version 2. */
    evolve_item_create_params p = EVOLVE_ITEM_CREATE_INIT;
    p.name = "made by 2";
    p.note = "n";
    p.score = 3;
    evolve_item made = { 0 };
    IT_OK(db, trail_record_create(db, NULL, v2.item, &p, &made));
    assert_string_equal(made.note, "n");
    assert_int_equal(made.score, 3);
    const trail_entity *tag = v2.schema->entities[1];
    evolve_tag_create_params tp = EVOLVE_TAG_CREATE_INIT;
    tp.item = made.id;
    tp.label = "l";
    IT_OK(db, trail_record_create(db, NULL, tag, &tp, NULL));
    assert_int_equal(it_rows(t, "tag"), 1);
    trail_record_clear(v2.item, &got);
    trail_record_clear(v2.item, &made);
}

static void test_older_program_refused(void **state)
{
    it_db *t = *state;
    open_db(t);
    version v1 = load(IT_MODULE_evolve_v1), v2 = load(IT_MODULE_evolve_v2);
    IT_OK(t->db, trail_schema_migrate(t->db, v1.schema));
    char id[27];
    create_item(t->db, &v1, "x", id);
    IT_OK(t->db, trail_schema_migrate(t->db, v2.schema));

    /* A program of version 1, on a connection of its own, at its first use. */
    trail_conn *old = it_open(t, NULL);
    unsigned char rec[256] = { 0 };
    IT_EXPECT(old, TRAIL_EDB, trail_record_get(old, v1.item, (trail_key){ .text = id }, rec));
    IT_MSG(old, "evolve", "version 2", "version 1");
    int64_t events = it_rows(t, "trail_change_events");
    _Alignas(max_align_t) unsigned char params[256];
    v1.item_init(params);
    const char *name = "refused";
    memcpy(params + v1.item->fields[0].at.create, &name, sizeof name);
    IT_EXPECT(old, TRAIL_EDB, trail_record_create(old, NULL, v1.item, params, NULL));
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    assert_int_equal(it_rows(t, "item"), 1);
    /* Nor may it take the database back. */
    IT_EXPECT(old, TRAIL_EDB, trail_schema_migrate(old, v1.schema));
    IT_MSG(old, "version 2");
    trail_close(old);

    /* A program of version 2 is welcome. */
    trail_conn *now = it_open(t, NULL);
    evolve_item got = { 0 };
    IT_OK(now, trail_record_get(now, v2.item, (trail_key){ .text = id }, &got));
    trail_record_clear(v2.item, &got);
    trail_close(now);
}

/*
 * A database whose write routines are not this build's (migrated by
 * another build of trail): a write fails, writes nothing, and says to run
 * migrate, after which it succeeds.
 */
static void test_write_routines_missing(void **state)
{
    it_db *t = *state;
    const char *drop = raw_engine_of(t->url)->drop_write_routines;
    if (!drop)
        skip();
    open_db(t);
    version v1 = load(IT_MODULE_evolve_v1);
    IT_OK(t->db, trail_schema_migrate(t->db, v1.schema));
    char id[27];
    create_item(t->db, &v1, "before", id);
    assert_int_equal(raw_exec(t->url, "%s", drop), 0);

    trail_conn *db = it_open(t, NULL);
    _Alignas(max_align_t) unsigned char params[256];
    v1.item_init(params);
    const char *name = "refused";
    memcpy(params + v1.item->fields[0].at.create, &name, sizeof name);
    IT_EXPECT(db, TRAIL_EDB, trail_record_create(db, NULL, v1.item, params, NULL));
    IT_MSG(db, "migrate makes the", "run it");
    assert_int_equal(it_rows(t, "item"), 1);
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    create_item(db, &v1, "after", id);
    assert_int_equal(it_rows(t, "item"), 2);
    trail_close(db);
}

static void test_unsafe_changes_refused(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    version v1 = load(IT_MODULE_evolve_v1), v3 = load(IT_MODULE_evolve_v3);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    char id[27];
    create_item(db, &v1, "kept", id);
    IT_EXPECT(db, TRAIL_EDB, trail_schema_migrate(db, v3.schema));
    IT_MSG(db, "from version 1 to 3", "nothing was changed", "item.name changed type",
           "item.qty was dropped", "item.memo was dropped", "item.owner is new");
    /* Nothing changed: version 1 still works, version 3 is still refused at first use. */
    trail_conn *again = it_open(t, NULL);
    unsigned char rec[256] = { 0 };
    IT_OK(again, trail_record_get(again, v1.item, (trail_key){ .text = id }, rec));
    trail_record_clear(v1.item, rec);
    IT_EXPECT(again, TRAIL_EDB, trail_record_get(again, v3.item, (trail_key){ .text = id }, rec));
    IT_MSG(again, "version 1", "version 3");
    trail_close(again);
    IT_OK(db, trail_record_get(db, v1.item, (trail_key){ .text = id }, rec));
    trail_record_clear(v1.item, rec);
}

static void test_changed_without_new_version(void **state)
{
    it_db *t = *state;
    version v1 = load(IT_MODULE_evolve_v1), v1b = load(IT_MODULE_evolve_v1b);
    trail_conn *db = open_db(t);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    IT_EXPECT(db, TRAIL_EDB, trail_schema_migrate(db, v1b.schema));
    IT_MSG(db, "raise `version:`", "new field item.tags");
    trail_conn *check = it_open(t, NULL);
    unsigned char rec[256] = { 0 };
    IT_EXPECT(check, TRAIL_EDB,
              trail_record_get(check, v1b.item, (trail_key){ .text = "01ARZ3NDEKTSV4RRFFQ69G5FAV" },
                               rec));
    IT_MSG(check, "missing item.tags");
    trail_close(check);
}

static void test_two_schemas_one_table(void **state)
{
    it_db *t = *state;
    open_db(t);
    version v1 = load(IT_MODULE_evolve_v1), rival = load(IT_MODULE_rival);
    IT_OK(t->db, trail_schema_migrate(t->db, v1.schema));
    IT_EXPECT(t->db, TRAIL_EDB, trail_schema_migrate(t->db, rival.schema));
    IT_MSG(t->db, "table item belongs to schema evolve");
}

/* A column dropped behind trail's back: found at the first use, and named by a write. */
static void test_missing_column(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    version v1 = load(IT_MODULE_evolve_v1);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    char id[27];
    create_item(db, &v1, "before", id);
    it_tamper(t, "ALTER TABLE item DROP COLUMN memo");
    int64_t events = it_rows(t, "trail_change_events");

    /*
     * This connection checked the schema before the drop, so the write itself
     * must fail. (SQLite with double-quoted strings allowed read "memo" as the
     * text 'memo', and the update's event recorded it as the field's value.)
     */
    struct v1_update { /* evolve_item_update_params of version 1 */
        const char *id;
        int64_t version;
        uint64_t set;
        const char *name;
        int64_t qty;
        const char *memo;
    } u = { id, 1, 1, "renamed", 0, NULL };
    assert_int_equal(v1.item->update_set_at, offsetof(struct v1_update, set));
    assert_int_equal(v1.item->fields[0].at.update, offsetof(struct v1_update, name));
    IT_EXPECT(db, TRAIL_EDB, trail_record_update(db, NULL, v1.item, &u, NULL));
    IT_MSG(db, "memo");
    _Alignas(max_align_t) unsigned char params[256];
    v1.item_init(params);
    const char *name = "after";
    memcpy(params + v1.item->fields[0].at.create, &name, sizeof name);
    IT_EXPECT(db, TRAIL_EDB, trail_record_create(db, NULL, v1.item, params, NULL));
    IT_MSG(db, "memo");
    assert_int_equal(it_rows(t, "trail_change_events"), events);

    /* A new connection finds it before doing anything. */
    trail_conn *fresh = it_open(t, NULL);
    unsigned char rec[256] = { 0 };
    IT_EXPECT(fresh, TRAIL_EDB, trail_record_get(fresh, v1.item, (trail_key){ .text = id }, rec));
    IT_MSG(fresh, "missing item.memo");
    trail_close(fresh);
}

/*
 * Fails unless @table of @t's database has the index @name on @columns
 * ("a,b", in order), read from the engine's catalog; with @columns NULL,
 * unless it has no index @name.
 */
static void expect_index(const it_db *t, const char *table, const char *name, const char *columns)
{
    const raw_engine *e = it_engine(t);
    int64_t width = raw_count(t->url, e->index_width, table, name);
    if (!columns) {
        if (width != 0)
            fail_msg("%s has an index %s (%lld columns), expected none", table, name,
                     (long long)width);
        return;
    }
    int64_t n = 0;
    for (const char *c = columns; c;) {
        const char *comma = strchr(c, ',');
        char col[64];
        snprintf(col, sizeof col, "%.*s", comma ? (int)(comma - c) : (int)strlen(c), c);
        n++;
        int64_t at = raw_count(t->url, e->index_column_at, table, name, col);
        if (at != n)
            fail_msg("%s.%s: column %s is at %lld, expected %lld (of %s)", table, name, col,
                     (long long)at, (long long)n, columns);
        c = comma ? comma + 1 : NULL;
    }
    if (width != n)
        fail_msg("%s.%s has %lld columns, expected %s", table, name, (long long)width, columns);
}

/* A new database gets the event table's own indexes and the schema's, and nothing else. */
static void test_event_indexes_made(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    version v2 = load(IT_MODULE_evolve_v2); /* events: indexes: [[user_id], [tenant_id, hlc]] */
    IT_OK(db, trail_schema_migrate(db, v2.schema));
    expect_index(t, "trail_change_events", "trail_change_events_lane_idx", "lane_id,seq");
    expect_index(t, "trail_change_events", "trail_change_events_history_idx",
                 "table_name,record_id,hlc");
    expect_index(t, "trail_change_events", "trail_change_events_user_id_idx", "user_id");
    expect_index(t, "trail_change_events", "trail_change_events_tenant_id_hlc_idx",
                 "tenant_id,hlc");
    /* Those of the event table before issue 16 are gone. */
    expect_index(t, "trail_change_events", "trail_change_events_record_idx", NULL);
    expect_index(t, "trail_change_events", "trail_change_events_hlc_idx", NULL);
    expect_index(t, "trail_change_events", "trail_change_events_user_idx", NULL);
    expect_index(t, "trail_change_events", "trail_change_events_node_idx", NULL);
    assert_int_equal(raw_count(t->url, it_engine(t)->index_count, "trail_change_events"),
                     TRAIL_EVENT_INDEXES + 2);

    /* shop asks for none: migrating it too changes nothing. */
    IT_OK(db, shop_migrate(db));
    assert_int_equal(raw_count(t->url, it_engine(t)->index_count, "trail_change_events"),
                     TRAIL_EVENT_INDEXES + 2);
}

/* An index of the event table that a newer version asks for is added to the existing table. */
static void test_event_index_added(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    version v1 = load(IT_MODULE_evolve_v1), v2 = load(IT_MODULE_evolve_v2);
    IT_OK(db, trail_schema_migrate(db, v1.schema));
    expect_index(t, "trail_change_events", "trail_change_events_user_id_idx", NULL);
    expect_index(t, "trail_change_events", "trail_change_events_tenant_id_hlc_idx", NULL);
    int64_t own = raw_count(t->url, it_engine(t)->index_count, "trail_change_events");
    assert_int_equal(own, TRAIL_EVENT_INDEXES);
    char id[27];
    create_item(db, &v1, "before", id);

    IT_OK(db, trail_schema_migrate(db, v2.schema));
    expect_index(t, "trail_change_events", "trail_change_events_user_id_idx", "user_id");
    expect_index(t, "trail_change_events", "trail_change_events_tenant_id_hlc_idx",
                 "tenant_id,hlc");
    assert_int_equal(raw_count(t->url, it_engine(t)->index_count, "trail_change_events"), own + 2);
    IT_OK(db, trail_schema_migrate(db, v2.schema)); /* idempotent */
    assert_int_equal(raw_count(t->url, it_engine(t)->index_count, "trail_change_events"), own + 2);
    assert_int_equal(it_rows(t, "trail_change_events"), 1);
    create_item(db, &v2, "after", id);
    assert_int_equal(it_rows(t, "trail_change_events"), 2);
}

/* Whether the stored description of schema shop holds @text. */
static bool model_has(const it_db *t, const char *text)
{
    return raw_count(t->url,
                     "SELECT COUNT(*) FROM \"trail_meta\" WHERE \"key\" = 'schema.shop.model' AND "
                     "\"value\" LIKE '%%%s%%'",
                     text) == 1;
}

/*
 * The description keeps each entity's `replicate:` (sync reads it there); one
 * stored before the key existed says nothing, which means true; and a change
 * of it is a change of the schema, which needs a new version.
 */
static void test_replicate_stored(void **state)
{
    it_db *t = *state;
    trail_conn *db = open_db(t);
    IT_OK(db, shop_migrate(db));
    assert_true(model_has(t, "\"name\":\"customer\",\"table\":\"customers\",\"key\":\"ulid\","
                             "\"replicate\":true,"));
    assert_true(model_has(t, "\"name\":\"product\",\"table\":\"products\",\"key\":\"int64\","
                             "\"replicate\":false,"));

    /* A description of the same version from before `replicate:`: the replicated agree. */
    it_tamper(t, "UPDATE \"trail_meta\" SET \"value\" = REPLACE(\"value\", '\"replicate\":true,', "
                 "'') WHERE \"key\" = 'schema.shop.model'");
    assert_false(model_has(t, "\"replicate\":true"));
    IT_OK(db, shop_migrate(db));
    assert_true(model_has(t, "\"key\":\"ulid\",\"replicate\":true,"));

    /* ... the others do not: product said nothing, so it replicated, and now it does not. */
    it_tamper(t, "UPDATE \"trail_meta\" SET \"value\" = REPLACE(\"value\", "
                 "'\"key\":\"int64\",\"replicate\":false,', '\"key\":\"int64\",') "
                 "WHERE \"key\" = 'schema.shop.model'");
    IT_EXPECT(db, TRAIL_EDB, shop_migrate(db));
    IT_MSG(db, "raise `version:`", ": product replicate: false");
    assert_null(strstr(trail_errmsg(db), "order_line"));
}

/* ---- an event table of an older trail ------------------------------------ */

/*
 * Makes @t's event table the one an older trail's DDL made, its op column
 * @old_op, keeping its events: today's CREATE TABLE with that column, the
 * events copied over, the indexes made again.
 */
static void old_event_table(it_db *t, const char *old_op)
{
    const trail_dialect *d = t->db->drv->dialect;
    const trail_schema *schemas[] = { &shop_schema, &everything_schema };
    trail_buf head = TRAIL_BUF_INIT, now = TRAIL_BUF_INIT, old = TRAIL_BUF_INIT;
    trail__buf_appendf(&head, "CREATE TABLE IF NOT EXISTS %ctrail_change_events%c (", d->quote,
                       d->quote);
    trail__dialect_quote(&now, d, "op");
    trail__buf_append_str(&now, " ");
    assert_int_equal(trail__dialect_event_column(&now, d, TRAIL_EVENT_KIND_OP, "op", false, 0), 0);
    const trail_schema_ddl *ddl = trail__schema_ddl(t->db, &shop_schema);
    for (size_t i = 0; i < ddl->n_statements && !old.len; i++) {
        const char *s = ddl->statements[i], *at = strstr(s, now.data);
        if (strncmp(s, head.data, head.len) != 0)
            continue;
        assert_non_null(at);
        trail__buf_append(&old, s, (size_t)(at - s));
        trail__buf_append_str(&old, old_op);
        trail__buf_append_str(&old, at + now.len);
    }
    assert_true(old.len > 0 && old.err == 0);
    it_tamper(t, "ALTER TABLE \"trail_change_events\" RENAME TO \"trail_change_events_was\"");
    it_tamper(t, "%s", old.data);
    it_tamper(t, "INSERT INTO \"trail_change_events\" SELECT * FROM \"trail_change_events_was\"");
    it_tamper(t, "DROP TABLE \"trail_change_events_was\"");
    for (size_t k = 0; k < sizeof schemas / sizeof *schemas; k++) {
        ddl = trail__schema_ddl(t->db, schemas[k]);
        for (size_t i = 0; i < ddl->n_statements; i++)
            if (strstr(ddl->statements[i], "INDEX IF NOT EXISTS") &&
                strstr(ddl->statements[i], "trail_change_events"))
                it_tamper(t, "%s", ddl->statements[i]);
    }
    trail__buf_free(&head);
    trail__buf_free(&now);
    trail__buf_free(&old);
}

static void edit_memo_title(trail_conn *db, const char *id, const char *title)
{
    everything_memo_update_params u = { .id = id, .version = 1, .set = EVERYTHING_MEMO_TITLE };
    u.title = title;
    IT_OK(db, everything_memo_update(db, NULL, &u, NULL));
}

static int first_conflict(void *userdata, const trail_conflict *c)
{
    char *id = userdata;
    if (!id[0])
        snprintf(id, 64, "%s", c->conflict_id);
    return 0;
}

static int64_t events_of_op(const it_db *t, const char *op)
{
    return raw_count(t->url, "SELECT count(*) FROM \"trail_change_events\" WHERE \"op\" = '%s'",
                     op);
}

/*
 * A node whose event table has the op column @old_op: migrate brings its
 * CHECK to today's (when @changes; else leaves it), keeping every event; a
 * second migrate changes nothing; then a merge and a resolve are written
 * on it (sync with a second node, on SQLite), and both verify clean.
 */
static void upgrade_op_check(void **state, bool before_merges)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    const char *old_op = before_merges ? e->op_before_merges : e->op_in_list;
    assert_non_null(old_op);
    assert_non_null(e->op_check_stamp);
    trail_conn *db = open_db(t);
    it_migrate(db);
    shop_customer kept = { 0 }, gone = { 0 };
    it_customer(db, "kept@x.org", &kept);
    it_customer(db, "gone@x.org", &gone);
    old_event_table(t, old_op);
    /* A new connection, as a node of the older trail was, writes through the old table. */
    trail_close(db);
    db = open_db(t);
    it_customer_edit(db, kept.id, 1, NULL, 5);
    IT_OK(db, shop_customer_delete(db, NULL, gone.id, 1));
    int64_t events = it_rows(t, "trail_change_events"),
            stamp = raw_count(t->url, "%s", e->op_check_stamp);
    assert_int_equal(events, 4);

    /* MariaDB's creation time counts seconds: a table made anew must show a new one. */
    nanosleep(&(struct timespec){ .tv_sec = 1, .tv_nsec = 100000000 }, NULL);
    it_migrate(db);
    int64_t made = raw_count(t->url, "%s", e->op_check_stamp);
    bool changes = before_merges || db->drv->dialect->op_check_change == TRAIL_CHECK_SCHEMA_TEXT;
    if (changes && made == stamp)
        fail_msg("migrate left the op CHECK of the old event table as it was");
    if (!changes && made != stamp)
        fail_msg("migrate made again an op CHECK that admits every op");
    assert_int_equal(it_rows(t, "trail_change_events"), events);
    nanosleep(&(struct timespec){ .tv_sec = 1, .tv_nsec = 100000000 }, NULL);
    it_migrate(db);
    assert_int_equal(raw_count(t->url, "%s", e->op_check_stamp), made);
    assert_int_equal(it_rows(t, "trail_change_events"), events);

    /* A merge: a customer's fields edited here and on the peer apart, merged here. */
    it_db peer = { 0 };
    const char *engines[] = { "sqlite" };
    assert_int_equal(it_nodes_open(&peer, 1, engines), 0);
    everything_memo memo = { 0 };
    everything_memo_create_params mp = EVERYTHING_MEMO_CREATE_INIT;
    mp.title = "first";
    mp.body = "the body";
    mp.score = 5;
    IT_OK(db, everything_memo_create(db, NULL, &mp, &memo));
    it_sync_ok(db, peer.db, 0);
    it_customer_edit(db, kept.id, 2, "named here", 0);
    it_customer_edit(peer.db, kept.id, 2, NULL, 77);
    /* A resolve: a memo's title (conflict: manual) edited on both, decided here. */
    edit_memo_title(db, memo.id, "from here");
    edit_memo_title(peer.db, memo.id, "from the peer");
    it_sync_ok(peer.db, db, 0);
    assert_true(events_of_op(t, "merge") >= 1);
    char conflict[64] = "";
    trail_conflicts_opts co = TRAIL_CONFLICTS_OPTS_INIT;
    co.table = "memos";
    IT_OK(db, trail_conflicts_list(db, &co, first_conflict, conflict));
    assert_true(conflict[0] != '\0');
    trail_resolve r = TRAIL_RESOLVE_INIT;
    IT_OK(db, trail_conflict_resolve(db, NULL, conflict, &r));
    assert_int_equal(events_of_op(t, "resolve"), 1);
    it_sync_ok(db, peer.db, 0);

    /* The events written before migrate are all there, each lane's chain whole. */
    assert_int_equal(events_of_op(t, "insert"), 3);
    assert_true(it_rows(t, "trail_change_events") > events);
    it_verify_clean(t);
    peer.verify = true;
    it_verify_clean(&peer);
    it_nodes_close(&peer, 1);
    everything_memo_clear(&memo);
    shop_customer_clear(&kept);
    shop_customer_clear(&gone);
}

static void test_op_check_before_merges(void **state)
{
    upgrade_op_check(state, true);
}

static void test_op_check_in_list(void **state)
{
    upgrade_op_check(state, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upgrade_keeps_rows, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_older_program_refused, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_write_routines_missing, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_changes_refused, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_changed_without_new_version, it_setup_empty,
                                        it_teardown),
        cmocka_unit_test_setup_teardown(test_two_schemas_one_table, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_missing_column, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_indexes_made, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_event_index_added, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_replicate_stored, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_op_check_before_merges, it_setup_empty, it_teardown),
        cmocka_unit_test_setup_teardown(test_op_check_in_list, it_setup_empty, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
