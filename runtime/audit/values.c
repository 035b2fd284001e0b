/*
 * values.c - a record's values between structs, bound values, rows and JSON.
 *
 * Generated enums are int-sized (the generated source asserts it), and the
 * _null companions are bools; everything else has the C type of its field.
 */
#include "audit/values.h"
#include "audit/json_form.h"
#include "core/isotime.h"
#include "core/json.h"
#include "core/json_exact.h"
#include "core/utf8.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t offset_in(const trail_field_at *at, trail_struct_kind kind)
{
    return kind == TRAIL_STRUCT_RECORD   ? at->record
           : kind == TRAIL_STRUCT_CREATE ? at->create
                                         : at->update;
}

/* Whether the field's C value is a pointer whose NULL is SQL NULL. */
static bool pointer_null(const trail_field *f)
{
    switch (f->type) {
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_JSON:
    case TRAIL_TYPE_BLOB:
        return true;
    case TRAIL_TYPE_REF:
        return f->ref->key == TRAIL_KEY_ULID;
    default:
        return false;
    }
}

/* The value of a char * member: SQL NULL for a NULL pointer. */
static trail_value text_value(const char *member, trail_vtype type)
{
    const char *s;
    memcpy(&s, member, sizeof s);
    if (!s)
        return (trail_value){ .type = TRAIL_V_NULL };
    return (trail_value){ .type = type, .s = s, .n = strlen(s) };
}

/*
 * @d, with -0.0 made 0.0. SQLite's REAL columns give -0.0 back as 0.0, and
 * every engine's SQL finds -0.0 = 0.0 (unique indexes, PostgreSQL's IS
 * DISTINCT FROM, MariaDB's <=>), so the sign cannot be kept alike
 * everywhere: trail stores and writes the one zero (docs/values.md).
 */
static double plus_zero(double d)
{
    return d == 0.0 ? 0.0 : d;
}

/* The value of field @f in the struct at @base of kind @kind. */
static trail_value field_value(const trail_field *f, const char *base, trail_struct_kind kind)
{
    const char *p = base + offset_in(&f->at, kind);
    trail_value v = { 0 };
    if (!pointer_null(f) && (f->flags & TRAIL_FIELD_NULLABLE) &&
        *(const bool *)(base + offset_in(&f->null_at, kind)))
        return v;
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        v.type = TRAIL_V_BOOL;
        v.i = *(const bool *)p;
        break;
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_DATE: {
        int32_t x;
        memcpy(&x, p, sizeof x);
        v.type = f->type == TRAIL_TYPE_DATE ? TRAIL_V_DATE : TRAIL_V_INT;
        v.i = x;
        break;
    }
    case TRAIL_TYPE_INT64:
    case TRAIL_TYPE_TIMESTAMP:
        memcpy(&v.i, p, sizeof v.i);
        v.type = f->type == TRAIL_TYPE_TIMESTAMP ? TRAIL_V_TIMESTAMP : TRAIL_V_INT;
        break;
    case TRAIL_TYPE_DOUBLE:
        memcpy(&v.d, p, sizeof v.d);
        v.d = plus_zero(v.d);
        v.type = TRAIL_V_DOUBLE;
        break;
    case TRAIL_TYPE_ENUM: {
        int x;
        memcpy(&x, p, sizeof x);
        v.type = TRAIL_V_TEXT;
        v.i = x;
        /* An index out of range keeps s NULL; trail__values_check() refuses it. */
        if (x >= 0 && (size_t)x < f->n_values) {
            v.s = f->values[x];
            v.n = strlen(v.s);
        }
        break;
    }
    case TRAIL_TYPE_BLOB: {
        trail_blob b;
        memcpy(&b, p, sizeof b);
        if (b.data) {
            v.type = TRAIL_V_BLOB;
            v.s = b.data;
            v.n = b.len;
        }
        break;
    }
    case TRAIL_TYPE_REF:
        if (f->ref->key == TRAIL_KEY_INT64) {
            memcpy(&v.i, p, sizeof v.i);
            v.type = TRAIL_V_INT;
        } else {
            v = text_value(p, TRAIL_V_TEXT);
        }
        break;
    case TRAIL_TYPE_JSON:
        v = text_value(p, TRAIL_V_JSON);
        break;
    default: /* text */
        v = text_value(p, TRAIL_V_TEXT);
        break;
    }
    return v;
}

trail_value trail__values_of_member(const trail_field *f, const void *member)
{
    trail_field alone = *f;
    alone.at.record = 0;
    alone.flags &= ~(unsigned)TRAIL_FIELD_NULLABLE;
    return field_value(&alone, member, TRAIL_STRUCT_RECORD);
}

static trail_value key_value(const trail_entity *e, const void *rec, char id_text[24])
{
    const char *base = rec;
    if (e->key == TRAIL_KEY_INT64) {
        int64_t id;
        memcpy(&id, base + e->id_at, sizeof id);
        snprintf(id_text, 24, "%" PRId64, id);
        return trail_v_int(id);
    }
    const char *id;
    memcpy(&id, base + e->id_at, sizeof id);
    return trail_v_text(id);
}

void trail__values_of_record(trail_row *row, const trail_entity *e, const void *rec)
{
    int64_t version;
    memcpy(&version, (const char *)rec + e->version_at, sizeof version);
    row->v[0] = key_value(e, rec, row->id_text);
    row->v[1] = trail_v_int(version);
    for (size_t i = 0; i < e->n_fields; i++)
        row->v[i + 2] = field_value(&e->fields[i], rec, TRAIL_STRUCT_RECORD);
}

static trail_value default_value(const trail_field *f)
{
    trail_value v = { 0 };
    switch (f->type) {
    case TRAIL_TYPE_DOUBLE:
        return (trail_value){ .type = TRAIL_V_DOUBLE, .d = plus_zero(f->def.d) };
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_JSON:
        v = trail_v_text(f->def.s);
        v.type = f->type == TRAIL_TYPE_JSON ? TRAIL_V_JSON : TRAIL_V_TEXT;
        return v;
    case TRAIL_TYPE_ENUM:
        v = trail_v_text(f->values[f->def.i]);
        v.i = f->def.i;
        return v;
    case TRAIL_TYPE_BOOL:
        return (trail_value){ .type = TRAIL_V_BOOL, .i = f->def.i };
    case TRAIL_TYPE_DATE:
        return (trail_value){ .type = TRAIL_V_DATE, .i = f->def.i };
    case TRAIL_TYPE_TIMESTAMP:
        return (trail_value){ .type = TRAIL_V_TIMESTAMP, .i = f->def.i };
    default:
        return trail_v_int(f->def.i);
    }
}

/* Whether two values of one scalar field hold the same bits (so -0.0 is not 0.0). */
static bool same_scalar(const trail_value *a, const trail_value *b)
{
    if (a->type == TRAIL_V_DOUBLE)
        return memcmp(&a->d, &b->d, sizeof a->d) == 0;
    return a->i == b->i;
}

/*
 * Refuses what a params struct of @kind holds for field @f that cannot be
 * stored as written: a _null flag set beside a value other than 0 or the
 * default (the value would be dropped), a blob with a length but no data.
 */
static int check_member(trail_conn *db, const trail_entity *e, const trail_field *f,
                        const char *base, trail_struct_kind kind)
{
    const char *member = base + offset_in(&f->at, kind);
    if (f->type == TRAIL_TYPE_BLOB) {
        trail_blob b;
        memcpy(&b, member, sizeof b);
        if (!b.data && b.len)
            return trail__err_set(&db->err, TRAIL_EARG,
                                  "%s.%s: the blob has a length of %zu bytes but no data pointer",
                                  e->name, f->name, b.len);
        return TRAIL_OK;
    }
    if (pointer_null(f) || !(f->flags & TRAIL_FIELD_NULLABLE) ||
        !*(const bool *)(base + offset_in(&f->null_at, kind)))
        return TRAIL_OK;
    trail_value held = trail__values_of_member(f, member), zero = { .type = held.type };
    if (f->type == TRAIL_TYPE_DOUBLE) /* the bits written: -0.0 is a value, though stored as 0.0 */
        memcpy(&held.d, member, sizeof held.d);
    if (same_scalar(&held, &zero))
        return TRAIL_OK;
    if (f->flags & TRAIL_FIELD_DEFAULT) {
        trail_value def = default_value(f);
        if (same_scalar(&held, &def))
            return TRAIL_OK;
    }
    return trail__err_set(&db->err, TRAIL_EARG,
                          "%s.%s: %s_null is set, but %s holds a value; clear %s_null to store "
                          "the value, or leave %s at 0 to store NULL",
                          e->name, f->name, f->name, f->name, f->name, f->name);
}

/* Writes SCHEMA_ENTITY_CREATE_INIT, the macro create params start from, into @out. */
static void init_macro_name(char *out, size_t size, const trail_entity *e)
{
    snprintf(out, size, "%s_%s_CREATE_INIT", e->schema ? e->schema->name : "SCHEMA", e->name);
    for (char *c = out; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
}

int trail__values_of_create(trail_conn *db, trail_row *row, const trail_entity *e,
                            const void *params)
{
    unsigned mark;
    memcpy(&mark, params, sizeof mark); /* the mark opens every create params struct */
    if (mark != TRAIL_CREATE_INIT_MARK) {
        char macro[2 * 64 + 32];
        init_macro_name(macro, sizeof macro, e);
        return trail__err_set(&db->err, TRAIL_EARG,
                              "%s: the create params did not start from %s (or its _init() "
                              "function), so fields left out would be stored as zeros or NULLs "
                              "nobody chose; nothing was written",
                              e->name, macro);
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        int rc = check_member(db, e, &e->fields[i], params, TRAIL_STRUCT_CREATE);
        if (rc < 0)
            return rc;
        row->v[i + 2] = field_value(&e->fields[i], params, TRAIL_STRUCT_CREATE);
    }
    return TRAIL_OK;
}

int trail__values_check_update(trail_conn *db, const trail_entity *e, const void *params)
{
    uint64_t set;
    memcpy(&set, (const char *)params + e->update_set_at, sizeof set);
    uint64_t known = e->n_fields >= 64 ? UINT64_MAX : (UINT64_C(1) << e->n_fields) - 1;
    if (set & ~known)
        return trail__err_set(&db->err, TRAIL_EARG,
                              "%s: `set` has bits that name no field (0x%" PRIx64
                              "); %s has %zu fields, bits 0 to %zu",
                              e->name, set & ~known, e->name, e->n_fields,
                              e->n_fields ? e->n_fields - 1 : 0);
    for (size_t i = 0; i < e->n_fields; i++) {
        int rc = set >> i & 1 ? check_member(db, e, &e->fields[i], params, TRAIL_STRUCT_UPDATE)
                              : TRAIL_OK;
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

void trail__values_apply_update(trail_row *row, const trail_entity *e, const void *params)
{
    uint64_t set;
    memcpy(&set, (const char *)params + e->update_set_at, sizeof set);
    for (size_t i = 0; i < e->n_fields; i++)
        if (set >> i & 1)
            row->v[i + 2] = field_value(&e->fields[i], params, TRAIL_STRUCT_UPDATE);
}

int trail__values_check(trail_conn *db, const trail_entity *e, const trail_row *row)
{
    return trail__values_check_set(db, e, row, UINT64_MAX);
}

int trail__values_check_set(trail_conn *db, const trail_entity *e, const trail_row *row,
                            uint64_t mask)
{
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!(mask >> i & 1))
            continue;
        const trail_field *f = &e->fields[i];
        const trail_value *v = &row->v[i + 2];
        if (v->type == TRAIL_V_NULL) {
            if (!(f->flags & TRAIL_FIELD_NULLABLE))
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: may not be NULL", e->name,
                                      f->name);
            continue;
        }
        switch (f->type) {
        case TRAIL_TYPE_TEXT: {
            size_t chars = trail__utf8_count(v->s, v->n);
            if (chars == (size_t)-1)
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: not valid UTF-8", e->name,
                                      f->name);
            if ((f->flags & TRAIL_FIELD_MAX) && chars > (size_t)f->max)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %zu characters, at most %" PRId64, e->name, f->name,
                                      chars, f->max);
            break;
        }
        case TRAIL_TYPE_BLOB:
            if ((f->flags & TRAIL_FIELD_MAX) && v->n > (size_t)f->max)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %zu bytes, at most %" PRId64, e->name, f->name, v->n,
                                      f->max);
            break;
        case TRAIL_TYPE_INT32:
        case TRAIL_TYPE_INT64:
            if ((f->flags & TRAIL_FIELD_MIN) && v->i < f->min)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %" PRId64 " is below the minimum %" PRId64, e->name,
                                      f->name, v->i, f->min);
            if ((f->flags & TRAIL_FIELD_MAX) && v->i > f->max)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %" PRId64 " is above the maximum %" PRId64, e->name,
                                      f->name, v->i, f->max);
            break;
        case TRAIL_TYPE_DOUBLE:
            if (!isfinite(v->d))
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %g is not a finite number",
                                      e->name, f->name, v->d);
            if ((f->flags & TRAIL_FIELD_MIN) && v->d < f->min_d)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %.17g is below the minimum %.17g", e->name, f->name,
                                      v->d, f->min_d);
            if ((f->flags & TRAIL_FIELD_MAX) && v->d > f->max_d)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %.17g is above the maximum %.17g", e->name, f->name,
                                      v->d, f->max_d);
            break;
        case TRAIL_TYPE_ENUM:
            if (!v->s)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: %" PRId64 " is not one of its %zu values", e->name,
                                      f->name, v->i, f->n_values);
            break;
        case TRAIL_TYPE_JSON: {
            trail_json_verdict verdict;
            int rc = trail__json_check(v->s, v->n, &verdict);
            if (rc == TRAIL_ENOMEM)
                return trail__err_set(&db->err, rc, "out of memory");
            if (verdict.fault == TRAIL_JSON_NUL)
                return trail__err_set(&db->err, TRAIL_EINVALID,
                                      "%s.%s: the JSON holds \\u0000 (a NUL character): "
                                      "not accepted, as PostgreSQL cannot store it",
                                      e->name, f->name);
            if (verdict.fault == TRAIL_JSON_NUMBER)
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: %s", e->name, f->name,
                                      verdict.why);
            if (rc < 0)
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: not valid JSON: %s",
                                      e->name, f->name, verdict.why);
            break;
        }
        case TRAIL_TYPE_DATE:
        case TRAIL_TYPE_TIMESTAMP: {
            int rc = trail__values_check_range(db, e, f, v);
            if (rc < 0)
                return rc;
            break;
        }
        case TRAIL_TYPE_REF:
            if (f->ref->key == TRAIL_KEY_ULID && !trail_ulid_valid(v->s))
                return trail__err_set(&db->err, TRAIL_EINVALID, "%s.%s: '%.40s' is not a %s id",
                                      e->name, f->name, v->s, f->ref->name);
            break;
        default:
            break;
        }
    }
    return TRAIL_OK;
}

int trail__values_check_range(trail_conn *db, const trail_entity *e, const trail_field *f,
                              const trail_value *v)
{
    if (v->type == TRAIL_V_DATE && (v->i < TRAIL_DATE_MIN || v->i > TRAIL_DATE_MAX)) {
        char day[TRAIL_ISOTIME_DATE_MAX];
        trail__isotime_format_date(day, (int32_t)v->i); /* a date's C type is int32_t */
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s.%s: %s is outside the dates trail stores, 0001-01-01 to "
                              "9999-12-31",
                              e->name, f->name, day);
    }
    if (v->type == TRAIL_V_TIMESTAMP &&
        (v->i < TRAIL_TIMESTAMP_MIN || v->i > TRAIL_TIMESTAMP_MAX)) {
        char when[TRAIL_ISOTIME_MS_MAX];
        trail__isotime_format_ms(when, v->i);
        return trail__err_set(&db->err, TRAIL_EINVALID,
                              "%s.%s: %s (%" PRId64 " ms) is outside the timestamps trail stores, "
                              "0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z",
                              e->name, f->name, when, v->i);
    }
    return TRAIL_OK;
}

bool trail__values_equal(const trail_value *a, const trail_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case TRAIL_V_NULL:
        return true;
    case TRAIL_V_DOUBLE:
        return memcmp(&a->d, &b->d, sizeof a->d) == 0; /* -0.0 and 0.0 are two values */
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
    case TRAIL_V_BLOB:
        return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
    default:
        return a->i == b->i;
    }
}

void trail__values_default_json(trail_json *w, const trail_field *f)
{
    trail_value v = { .type = TRAIL_V_NULL };
    if (f->flags & TRAIL_FIELD_DEFAULT)
        v = default_value(f);
    trail__json_form_write(w, trail__json_form_of_field(f), &v);
}

/* A row's event JSON: its members as json_form.h orders and spells them. */
int trail__values_json(trail_buf *out, const trail_entity *e, const trail_row *row)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_object(&w);
    for (size_t k = 0; k < e->n_fields + 2; k++) {
        const char *key;
        trail_json_form form;
        if (!trail__json_form_member(e, k, &key, &form))
            continue;
        trail__json_key(&w, key);
        trail__json_form_write(&w, form, &row->v[k]);
    }
    trail__json_end_object(&w);
    return trail__json_finish(&w);
}

int trail__values_old_json(trail_buf *out, const trail_entity *e, const trail_row *old,
                           const trail_row *new_row)
{
    if (!new_row)
        return trail__values_json(out, e, old);
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_object(&w);
    for (size_t i = 0; i < e->n_fields; i++) {
        const char *key;
        trail_json_form form;
        if (!trail__json_form_member(e, i + 2, &key, &form) ||
            trail__values_equal(&old->v[i + 2], &new_row->v[i + 2]))
            continue;
        trail__json_key(&w, key);
        trail__json_form_write(&w, form, &old->v[i + 2]);
    }
    trail__json_end_object(&w);
    return trail__json_finish(&w);
}

int trail__values_changed_json(trail_buf *out, const trail_entity *e, const trail_row *old,
                               const trail_row *new_row, size_t *count)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_array(&w);
    *count = 0;
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!trail__json_form_audited(&e->fields[i]))
            continue;
        if (old && new_row && trail__values_equal(&old->v[i + 2], &new_row->v[i + 2]))
            continue;
        trail__json_text(&w, e->fields[i].name);
        ++*count;
    }
    trail__json_end_array(&w);
    return trail__json_finish(&w);
}

/* A copy of @n bytes with a NUL after them; NULL when out of memory. */
static char *copy_bytes(const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        if (n)
            memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

static trail_vtype column_type(const trail_field *f)
{
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        return TRAIL_V_BOOL;
    case TRAIL_TYPE_DOUBLE:
        return TRAIL_V_DOUBLE;
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_ENUM:
        return TRAIL_V_TEXT;
    case TRAIL_TYPE_BLOB:
        return TRAIL_V_BLOB;
    case TRAIL_TYPE_DATE:
        return TRAIL_V_DATE;
    case TRAIL_TYPE_TIMESTAMP:
        return TRAIL_V_TIMESTAMP;
    case TRAIL_TYPE_JSON:
        return TRAIL_V_JSON;
    case TRAIL_TYPE_REF:
        return f->ref->key == TRAIL_KEY_INT64 ? TRAIL_V_INT : TRAIL_V_TEXT;
    default:
        return TRAIL_V_INT;
    }
}

/* Stores one read column into the record's member for field @f. */
static int store_field(trail_conn *db, const trail_entity *e, const trail_field *f,
                       const trail_value *v, char *rec)
{
    char *p = rec + f->at.record;
    if (v->type == TRAIL_V_NULL) {
        if (!pointer_null(f))
            *(bool *)(rec + f->null_at.record) = true;
        return TRAIL_OK;
    }
    switch (f->type) {
    case TRAIL_TYPE_BOOL:
        *(bool *)p = v->i != 0;
        return TRAIL_OK;
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_DATE: {
        int32_t x = (int32_t)v->i;
        memcpy(p, &x, sizeof x);
        return TRAIL_OK;
    }
    case TRAIL_TYPE_DOUBLE:
        memcpy(p, &v->d, sizeof v->d);
        return TRAIL_OK;
    case TRAIL_TYPE_ENUM:
        for (size_t k = 0; k < f->n_values; k++) {
            if (strlen(f->values[k]) == v->n && memcmp(f->values[k], v->s, v->n) == 0) {
                int x = (int)k;
                memcpy(p, &x, sizeof x);
                return TRAIL_OK;
            }
        }
        return trail__err_set(&db->err, TRAIL_EDB,
                              "%s.%s: stored value '%.*s' is not one of the enum's values", e->name,
                              f->name, (int)(v->n > 64 ? 64 : v->n), v->s);
    case TRAIL_TYPE_BLOB: {
        trail_blob b = { copy_bytes(v->s, v->n), v->n };
        if (!b.data)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        memcpy(p, &b, sizeof b);
        return TRAIL_OK;
    }
    default:
        if (column_type(f) == TRAIL_V_INT || column_type(f) == TRAIL_V_TIMESTAMP) {
            memcpy(p, &v->i, sizeof v->i);
            return TRAIL_OK;
        }
        char *s = copy_bytes(v->s, v->n);
        if (!s)
            return trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
        memcpy(p, &s, sizeof s);
        return TRAIL_OK;
    }
}

int trail__values_store(trail_conn *db, const trail_entity *e, const trail_row *row, void *rec)
{
    char *base = rec;
    int rc;
    if (e->key == TRAIL_KEY_INT64) {
        memcpy(base + e->id_at, &row->v[0].i, sizeof row->v[0].i);
    } else {
        char *id = copy_bytes(row->v[0].s ? row->v[0].s : "", row->v[0].n);
        if (!id) {
            rc = trail__err_set(&db->err, TRAIL_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(base + e->id_at, &id, sizeof id);
    }
    memcpy(base + e->version_at, &row->v[1].i, sizeof row->v[1].i);
    for (size_t i = 0; i < e->n_fields; i++)
        if ((rc = store_field(db, e, &e->fields[i], &row->v[i + 2], base)) < 0)
            goto fail;
    return TRAIL_OK;

fail:
    trail__values_clear(e, rec);
    return rc;
}

int trail__values_read(trail_conn *db, const trail_entity *e, void *row, trail_row *values)
{
    int rc = db->drv->column(db, row, 0, e->key == TRAIL_KEY_INT64 ? TRAIL_V_INT : TRAIL_V_TEXT,
                             &values->v[0]);
    if (rc < 0)
        return rc;
    if ((rc = db->drv->column(db, row, 1, TRAIL_V_INT, &values->v[1])) < 0)
        return rc;
    for (size_t i = 0; i < e->n_fields; i++) {
        rc = db->drv->column(db, row, i + 2, column_type(&e->fields[i]), &values->v[i + 2]);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

int trail__values_load(trail_conn *db, const trail_entity *e, void *row, void *rec)
{
    trail_row values;
    int rc = trail__values_read(db, e, row, &values);
    return rc < 0 ? rc : trail__values_store(db, e, &values, rec);
}

void trail__values_clear(const trail_entity *e, void *rec)
{
    if (!e || !rec)
        return;
    char *base = rec;
    if (e->key == TRAIL_KEY_ULID) {
        char *id;
        memcpy(&id, base + e->id_at, sizeof id);
        free(id);
    }
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        char *p = base + f->at.record;
        if (f->type == TRAIL_TYPE_BLOB) {
            trail_blob b;
            memcpy(&b, p, sizeof b);
            free((void *)b.data);
        } else if (pointer_null(f)) {
            char *s;
            memcpy(&s, p, sizeof s);
            free(s);
        }
    }
    memset(rec, 0, e->record_size);
}

void trail__values_free_record(const trail_entity *e, void *rec)
{
    trail__values_clear(e, rec);
    free(rec);
}

void trail__values_give_record(const trail_entity *e, void *rec, void *out)
{
    if (!out) {
        trail__values_free_record(e, rec);
        return;
    }
    trail__values_clear(e, out);
    memcpy(out, rec, e->record_size);
    free(rec);
}
