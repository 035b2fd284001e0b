/*
 * update_sql.c - per-connection write texts by entity, kind and set of fields.
 */
#include "audit/update_sql.h"
#include "core/buf.h"
#include "driver/dialect.h"

#include <stdlib.h>

typedef struct update_text {
    const trail_entity *e;
    trail_write_kind kind;
    uint64_t mask;
    char *sql;
} update_text;

struct trail_update_cache {
    update_text *items; /* open addressing; cap a power of two */
    size_t cap, used;
};

static size_t slot_of(const trail_entity *e, trail_write_kind kind, uint64_t mask, size_t cap)
{
    uint64_t h =
        (uint64_t)(uintptr_t)e ^ (uint64_t)kind << 56 ^ (mask * UINT64_C(0x9E3779B97F4A7C15));
    h ^= h >> 29;
    return (size_t)(h * UINT64_C(0xBF58476D1CE4E5B9) >> 32) & (cap - 1);
}

static int grow(struct trail_update_cache *c)
{
    size_t cap = c->cap ? c->cap * 2 : 16;
    update_text *items = calloc(cap, sizeof *items);
    if (!items)
        return TRAIL_ENOMEM;
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->items[i].sql)
            continue;
        size_t j = slot_of(c->items[i].e, c->items[i].kind, c->items[i].mask, cap);
        while (items[j].sql)
            j = (j + 1) & (cap - 1);
        items[j] = c->items[i];
    }
    free(c->items);
    c->items = items;
    c->cap = cap;
    return TRAIL_OK;
}

/* The SET statement of @mask for @e in dialect @d, or NULL when memory runs out. */
static char *build(const trail_dialect *d, const trail_entity *e, uint64_t mask)
{
    trail_buf b = TRAIL_BUF_INIT;
    int n = 0;
    if (trail__buf_append_str(&b, "UPDATE ") < 0 || trail__dialect_quote(&b, d, e->table) < 0 ||
        trail__buf_append_str(&b, " SET ") < 0)
        goto fail;
    for (size_t i = 0; i < e->n_fields; i++)
        if ((mask & (UINT64_C(1) << i)) &&
            (trail__dialect_quote(&b, d, e->fields[i].name) < 0 ||
             trail__buf_append_str(&b, " = ") < 0 || trail__dialect_param(&b, d, ++n) < 0 ||
             trail__buf_append_str(&b, ", ") < 0))
            goto fail;
    if (trail__dialect_quote(&b, d, "version") < 0 || trail__buf_append_str(&b, " = ") < 0 ||
        trail__dialect_quote(&b, d, "version") < 0 ||
        trail__buf_append_str(&b, " + 1 WHERE ") < 0 || trail__dialect_quote(&b, d, "id") < 0 ||
        trail__buf_append_str(&b, " = ") < 0 || trail__dialect_param(&b, d, ++n) < 0 ||
        trail__buf_append_str(&b, " AND ") < 0 || trail__dialect_quote(&b, d, "version") < 0 ||
        trail__buf_append_str(&b, " = ") < 0 || trail__dialect_param(&b, d, ++n) < 0)
        goto fail;
    return b.data;
fail:
    trail__buf_free(&b);
    return NULL;
}

/* The cached text of (@e, @kind, @mask), made on first use. */
static int cached(trail_conn *db, const trail_entity *e, trail_write_kind kind, uint64_t mask,
                  const char **sql)
{
    struct trail_update_cache *c = db->updates;
    if (!c && !(c = db->updates = calloc(1, sizeof *c)))
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    if ((c->used + 1) * 2 > c->cap && grow(c) < 0)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
    size_t i = slot_of(e, kind, mask, c->cap);
    while (c->items[i].sql &&
           (c->items[i].e != e || c->items[i].kind != kind || c->items[i].mask != mask))
        i = (i + 1) & (c->cap - 1);
    if (!c->items[i].sql) {
        char *text = kind == TRAIL_WRITE_SET ? build(db->drv->dialect, e, mask)
                                             : db->drv->write_sql(e, (int)kind, mask);
        if (!text)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        c->items[i] = (update_text){ e, kind, mask, text };
        c->used++;
    }
    *sql = c->items[i].sql;
    return TRAIL_OK;
}

int trail__update_sql(trail_conn *db, const trail_entity *e, uint64_t mask, const char **sql)
{
    return cached(db, e, TRAIL_WRITE_SET, mask, sql);
}

int trail__write_sql_get(trail_conn *db, const trail_entity *e, trail_write_kind kind,
                         uint64_t mask, const char **sql)
{
    return cached(db, e, kind, mask, sql);
}

void trail__update_sql_free(trail_conn *db)
{
    struct trail_update_cache *c = db->updates;
    if (!c)
        return;
    for (size_t i = 0; i < c->cap; i++)
        free(c->items[i].sql);
    free(c->items);
    free(c);
    db->updates = NULL;
}
