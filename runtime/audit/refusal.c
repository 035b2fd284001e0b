/*
 * refusal.c - naming the field behind a refused write.
 */
#include "audit/refusal.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <stdio.h>

/* Counts the rows of a query; with @id, only rows with another key. */
struct found_row {
    const trail_entity *e;
    const trail_value *id;
    int n;
};

static int count_row(trail_conn *db, void *row, void *userdata)
{
    (void)db;
    (void)row;
    ((struct found_row *)userdata)->n++;
    return 1;
}

static int count_other(trail_conn *db, void *row, void *userdata)
{
    struct found_row *f = userdata;
    trail_value key;
    if (f->id) {
        int rc = db->drv->column(db, row, 0, f->id->type, &key);
        if (rc < 0)
            return rc;
        if (trail__values_equal(&key, f->id))
            return 0; /* the row being written: not a duplicate */
    }
    f->n++;
    return 1;
}

/* How a refused value reads in a message: text and integers as they are, others not at all. */
static void value_words(char *buf, size_t size, const trail_value *v)
{
    if (v->type == TRAIL_V_TEXT) /* cut between characters, so that the message stays UTF-8 */
        snprintf(buf, size, " %.*s%s", v->n > 64 ? (int)trail__utf8_cut(v->s, 64) : (int)v->n, v->s,
                 v->n > 64 ? "..." : "");
    else if (v->type == TRAIL_V_INT)
        snprintf(buf, size, " %" PRId64, v->i);
    else
        buf[0] = '\0';
}

/*
 * After the database refused a write of the fields @mask of @row (whose
 * key is @id, NULL for a create) for a dangling reference or a duplicate,
 * its message naming no field: finds the field and says so. Runs after the call was undone, since
 * some engines accept no statement in a transaction that failed. Keeps the
 * engine's message when it finds nothing (a unique index over several
 * fields, say).
 */
int trail__refusal_explain(trail_conn *db, const trail_entity *e, const trail_row *row,
                           uint64_t mask, const trail_value *id, int rc)
{
    const trail_entity_sql *own = trail__entity_sql(db, e);
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        const trail_value *v = &row->v[i + 2];
        const trail_entity_sql *ref =
            rc == TRAIL_EREF && f->type == TRAIL_TYPE_REF ? trail__entity_sql(db, f->ref) : NULL;
        const char *sql = NULL;
        if (ref)
            sql = ref->get;
        else if (rc == TRAIL_EUNIQUE && own->find_by)
            sql = own->find_by[i];
        if (!sql || !(mask >> i & 1) || v->type == TRAIL_V_NULL)
            continue;
        trail_err saved = db->err;
        struct found_row found = { e, id, 0 };
        if (db->drv->query(db, sql, v, 1, rc == TRAIL_EREF ? count_row : count_other, &found,
                           NULL) < 0) {
            db->err = saved;
            return rc;
        }
        char words[96];
        value_words(words, sizeof words, v);
        if (rc == TRAIL_EREF && found.n == 0)
            return trail__err_set(&db->err, rc, "%s.%s: there is no %s%s", e->name, f->name,
                                  f->ref->name, words);
        if (rc == TRAIL_EUNIQUE && found.n > 0)
            return trail__err_set(&db->err, rc, "%s.%s: another %s already has%s%s", e->name,
                                  f->name, e->name, words[0] ? "" : " this ",
                                  words[0] ? words : f->name);
    }
    return rc;
}
