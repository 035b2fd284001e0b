/*
 * schema_events.c - a schema's `events:`: the indexes it adds to the event
 * table (SPEC §2, §4).
 *
 *   events:
 *     indexes:
 *       - [user_id]
 *       - [tenant_id, hlc]
 *
 * Each index is a list of event columns (audit/event_columns.h). Every
 * index of the event table is paid by every audited write, so one that
 * another already serves (the same columns, or the first columns of
 * another, the table's own indexes included) is refused rather than made.
 */
#include "schema_events.h"
#include "audit/event_columns.h"
#include "audit/event_indexes.h"
#include "core/buf.h"
#include "core/context.h"
#include "names.h"
#include "schema_entity.h"
#include "trail/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const event_keys[] = { "indexes" };

/* The event columns in the row's order, with what the DDL declares them as. */
#define EVENT_COLUMN(n, name, value, kind, ...) { #name, TRAIL_EVENT_KIND_##kind },
static const struct {
    const char *name;
    trail_event_kind kind;
} columns[] = { TRAIL_EVENT_COLUMN_TABLE(EVENT_COLUMN, ) };
#undef EVENT_COLUMN

/* The event table's own indexes, the primary key first: their columns, by place. */
#define OWN_INDEX(name, unique, ...)                                                               \
    { "trail_change_events_" #name "_idx", TRAIL_EVENT_INDEX_COLUMNS(__VA_ARGS__) },
static const struct {
    const char *name;
    const size_t *columns;
    size_t n_columns;
} own[] = { { "primary key", TRAIL_EVENT_INDEX_COLUMNS(TRAIL_EV_event_id) },
            TRAIL_EVENT_INDEX_TABLE(OWN_INDEX, ) };
#undef OWN_INDEX

/* InnoDB's longest index key, in bytes. */
#define MYSQL_KEY_MAX 3072

/* The most characters of the context column @name (core/context.h). */
static size_t context_max(const char *name)
{
    for (size_t i = 0; i < TRAIL_CTX_COLUMNS; i++)
        if (strcmp(trail__ctx_columns[i].name, name) == 0)
            return (size_t)trail__ctx_columns[i].max;
    return 0;
}

/*
 * The most bytes event column @col takes in a MySQL index key, as
 * driver/mysql/dialect_mysql.c declares it: ids and hashes are ASCII, a
 * byte a character; names, ops and the context are utf8mb4, four. 0 for a
 * column that cannot be in an index (JSON).
 */
static size_t key_bytes(size_t col)
{
    switch (columns[col].kind) {
    case TRAIL_EVENT_KIND_ULID_KEY:
    case TRAIL_EVENT_KIND_ULID:
        return 26;
    case TRAIL_EVENT_KIND_INT64:
        return 8;
    case TRAIL_EVENT_KIND_NODE:
    case TRAIL_EVENT_KIND_RECORD:
    case TRAIL_EVENT_KIND_HASH:
        return 64;
    case TRAIL_EVENT_KIND_NAME:
        return 64 * 4;
    case TRAIL_EVENT_KIND_OP:
        return (size_t)TRAIL_EVENT_OP_MAX * 4;
    case TRAIL_EVENT_KIND_CONTEXT:
        return context_max(columns[col].name) * 4;
    case TRAIL_EVENT_KIND_JSON:
    case TRAIL_EVENT_KINDS:
        break;
    }
    return 0;
}

/* "(a, b)": the event columns @cols. */
static int append_columns(trail_buf *out, const size_t *cols, size_t n)
{
    int rc = trail__buf_append_str(out, "(");
    for (size_t i = 0; rc == TRAIL_OK && i < n; i++)
        rc = trail__buf_appendf(out, "%s%s", i ? ", " : "", columns[cols[i]].name);
    return rc == TRAIL_OK ? trail__buf_append_str(out, ")") : rc;
}

/* The place of the event column named by the scalar @n, or -1 (reported, with the choices). */
static long find_column(gen_sload *ld, const gen_yaml_node *n)
{
    const char *names[TRAIL_EVENT_COLUMNS];
    size_t count = 0;
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        if (strcmp(columns[i].name, n->text) == 0)
            return (long)i;
        if (key_bytes(i))
            names[count++] = columns[i].name;
    }
    char ex[GEN_YAML_EXCERPT];
    gen_yaml_excerpt(ex, n->text, n->len);
    const char *hint = gen_suggest(n->text, names, count);
    trail_buf list = TRAIL_BUF_INIT;
    int rc = TRAIL_OK;
    for (size_t i = 0; rc == TRAIL_OK && i < count; i++)
        rc = trail__buf_appendf(&list, "%s%s", i ? ", " : "", names[i]);
    if (rc < 0)
        gen_sload_nomem(ld);
    else if (hint)
        gen_sload_error(ld, n, "unknown event column '%s' (expected one of %s); did you mean '%s'?",
                        ex, list.data, hint);
    else
        gen_sload_error(ld, n, "unknown event column '%s' (expected one of %s)", ex, list.data);
    trail__buf_free(&list);
    return -1;
}

/* The column names of one index, from the sequence @list, into @ix. */
static bool load_index(gen_sload *ld, const gen_yaml_node *list, gen_event_index *ix)
{
    ix->pos = list->pos;
    if (list->kind != GEN_YAML_SEQUENCE) {
        if (list->kind != GEN_YAML_INVALID)
            gen_sload_error(ld, list, "expected a list of event column names, found %s",
                            gen_yaml_describe(list));
        return false;
    }
    size_t n = list->n_items;
    if (n == 0) {
        gen_sload_error(ld, list, "an index needs at least one column");
        return false;
    }
    if (n > GEN_INDEX_FIELDS_MAX) {
        gen_sload_error(ld, list->items[GEN_INDEX_FIELDS_MAX],
                        "too many columns: an index has at most %d (MySQL's limit)",
                        GEN_INDEX_FIELDS_MAX);
        return false;
    }
    if (!(ix->columns = malloc(n * sizeof *ix->columns)))
        return gen_sload_nomem(ld);

    bool ok = true;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const gen_yaml_node *item = list->items[i];
        long at;
        if (!gen_sload_expect(ld, item, GEN_YAML_SCALAR) || (at = find_column(ld, item)) < 0) {
            ok = false;
            continue;
        }
        bool twice = false;
        for (size_t j = 0; j < ix->n_columns; j++)
            twice |= ix->columns[j] == (size_t)at;
        if (twice) {
            gen_sload_error(ld, item, "event column '%s' appears twice in this index", item->text);
            ok = false;
        } else if (!key_bytes((size_t)at)) {
            gen_sload_error(ld, item,
                            "event column '%s' cannot be in an index: it is JSON of any length",
                            item->text);
            ok = false;
        } else {
            ix->columns[ix->n_columns++] = (size_t)at;
            bytes += key_bytes((size_t)at);
        }
    }
    if (ok && bytes > MYSQL_KEY_MAX) {
        gen_sload_error(ld, list,
                        "the index's key is up to %zu bytes, and MySQL indexes at most %d (a "
                        "context column takes 4 bytes a character): drop a column",
                        bytes, MYSQL_KEY_MAX);
        ok = false;
    }
    return ok;
}

/* Whether the @n columns @a are the first columns of @b (@m of them). */
static bool starts(const size_t *a, size_t n, const size_t *b, size_t m)
{
    return n <= m && memcmp(a, b, n * sizeof *a) == 0;
}

/*
 * Refuses the @i-th index of @list (every item of which loaded) when another
 * index serves every lookup it would: one of the table's own, or another of
 * the schema's that starts with its columns (the later of two alike).
 */
static void check_served(gen_sload *ld, const gen_yaml_node *list, size_t i)
{
    const gen_schema *s = ld->s;
    const gen_event_index *ix = &s->event_indexes[i];
    trail_buf cols = TRAIL_BUF_INIT, other = TRAIL_BUF_INIT;
    if (append_columns(&cols, ix->columns, ix->n_columns) < 0)
        goto nomem;
    for (size_t k = 0; k < sizeof own / sizeof own[0]; k++) {
        if (!starts(ix->columns, ix->n_columns, own[k].columns, own[k].n_columns))
            continue;
        if (append_columns(&other, own[k].columns, own[k].n_columns) < 0)
            goto nomem;
        gen_sload_error(ld, list->items[i],
                        "%s is served already by the event table's %s %s; every index of "
                        "the event table is paid by every write",
                        cols.data, own[k].name, other.data);
        goto out;
    }
    for (size_t k = 0; k < s->n_event_indexes; k++) {
        const gen_event_index *o = &s->event_indexes[k];
        bool same = ix->n_columns == o->n_columns;
        if (k == i || (same && k > i) ||
            !starts(ix->columns, ix->n_columns, o->columns, o->n_columns))
            continue;
        if (same) {
            gen_sload_error(ld, list->items[i], "%s is the same index as the one at line %d",
                            cols.data, o->pos.line);
            goto out;
        }
        if (append_columns(&other, o->columns, o->n_columns) < 0)
            goto nomem;
        gen_sload_error(ld, list->items[i], "%s is served already by the index %s at line %d",
                        cols.data, other.data, o->pos.line);
        goto out;
    }
    goto out;
nomem:
    gen_sload_nomem(ld);
out:
    trail__buf_free(&cols);
    trail__buf_free(&other);
}

void gen_sload_events(gen_sload *ld, const gen_yaml_node *events)
{
    gen_schema *s = ld->s;
    if (!gen_sload_expect(ld, events, GEN_YAML_MAPPING))
        return;
    gen_sload_keys(ld, events, "key", event_keys, sizeof event_keys / sizeof event_keys[0]);
    const gen_yaml_node *list = gen_yaml_get(events, "indexes");
    if (!list || !gen_sload_expect(ld, list, GEN_YAML_SEQUENCE) || list->n_items == 0)
        return;
    if (!(s->event_indexes = calloc(list->n_items, sizeof *s->event_indexes))) {
        gen_sload_nomem(ld);
        return;
    }
    bool ok = true;
    for (size_t i = 0; i < list->n_items && !ld->nomem; i++) {
        gen_event_index *ix = &s->event_indexes[s->n_event_indexes];
        if (load_index(ld, list->items[i], ix)) {
            s->n_event_indexes++;
        } else {
            free(ix->columns);
            memset(ix, 0, sizeof *ix);
            ok = false;
        }
    }
    /* Compared only when every index loaded: one left out would hide what it serves. */
    for (size_t i = 0; ok && i < s->n_event_indexes && !ld->nomem; i++)
        check_served(ld, list, i);
}
