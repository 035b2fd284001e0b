/*
 * model.c - the JSON view of a schema that the templates render.
 *
 * Errors: every function returns on its first failure (after freeing what
 * it holds, through a goto where it holds something); the only failure of
 * trail_buf and jansson here is running out of memory.
 */
#include "model.h"
#include "audit/event_columns.h"
#include "audit/event_indexes.h"
#include "core/context.h"
#include "dialect.h"
#include "trail/error.h"
#include "trail/version.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- small helpers: every json_* failure is out of memory ----------------- */

static int put(json_t *obj, const char *key, json_t *value)
{
    return value && json_object_set_new(obj, key, value) == 0 ? TRAIL_OK : TRAIL_ENOMEM;
}

static int put_str(json_t *obj, const char *key, const char *s)
{
    return put(obj, key, s ? json_string(s) : json_null());
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
put_fmt(json_t *obj, const char *key, const char *fmt, ...)
{
    trail_buf b = TRAIL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    int rc = trail__buf_vappendf(&b, fmt, ap);
    va_end(ap);
    if (rc < 0)
        goto out;
    rc = put_str(obj, key, b.data ? b.data : "");
out:
    trail__buf_free(&b);
    return rc;
}

/* The buffer's text as a slot, or null when it is empty. */
static int put_buf(json_t *obj, const char *key, const trail_buf *b)
{
    return put_str(obj, key, b->len ? b->data : NULL);
}

static int put_upper(json_t *obj, const char *key, const char *s)
{
    char up[GEN_NAME_MAX + 1];
    size_t n = strlen(s) < GEN_NAME_MAX ? strlen(s) : GEN_NAME_MAX;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[n] = '\0';
    return put_str(obj, key, up);
}

/* Appends @item (consumed) to @array, marking it "last" for separators and unmarking the one
 * before. */
static int append(json_t *array, json_t *item)
{
    if (!item)
        return TRAIL_ENOMEM;
    size_t n = json_array_size(array);
    if ((n > 0 && put(json_array_get(array, n - 1), "last", json_false()) < 0) ||
        put(item, "last", json_true()) < 0) {
        json_decref(item);
        return TRAIL_ENOMEM;
    }
    return json_array_append_new(array, item) == 0 ? TRAIL_OK : TRAIL_ENOMEM;
}

/* A new array stored on @obj under @key, or NULL; @obj owns it, the pointer is borrowed. */
static json_t *put_array(json_t *obj, const char *key)
{
    json_t *a = json_array();
    return put(obj, key, a) == TRAIL_OK ? a : NULL;
}

/* ---- C text ------------------------------------------------------------ */

/* Appends @s escaped for a C string literal, so that it reads back as the same bytes. */
static int c_escape(trail_buf *out, const char *s, size_t len)
{
    int rc = TRAIL_OK;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rc = trail__buf_appendf(out, "\\%c", c);
        else if (c == '\n')
            rc = trail__buf_append(out, "\\n", 2);
        else if (c == '\t')
            rc = trail__buf_append(out, "\\t", 2);
        else if (c == '?' && i + 1 < len && s[i + 1] == '?')
            rc = trail__buf_append(out, "?\\", 2); /* no trigraph */
        else if (c < 0x20 || c == 0x7f)
            rc = trail__buf_appendf(out, "\\%03o", c); /* octal: at most 3 digits */
        else
            rc = trail__buf_append(out, &s[i], 1);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

int gen_c_string(trail_buf *out, const char *s, size_t len)
{
    int rc;
    if ((rc = trail__buf_append(out, "\"", 1)) < 0 || (rc = c_escape(out, s, len)) < 0)
        return rc;
    return trail__buf_append(out, "\"", 1);
}

/* Appends the identifier @name quoted for @d, as it reads inside a C string literal. */
static int quote_c(trail_buf *out, const trail_dialect *d, const char *name)
{
    char q[2] = { d->quote, '\0' };
    int rc;
    /* Names are [a-z0-9_]: the quote is all there is to escape. */
    if ((rc = c_escape(out, q, 1)) < 0 || (rc = trail__buf_append_str(out, name)) < 0)
        return rc;
    return c_escape(out, q, 1);
}

static const char *c_scalar_type(trail_type t)
{
    switch (t) {
    case TRAIL_TYPE_BOOL:
        return "bool ";
    case TRAIL_TYPE_INT32:
    case TRAIL_TYPE_DATE:
        return "int32_t ";
    case TRAIL_TYPE_INT64:
    case TRAIL_TYPE_TIMESTAMP:
        return "int64_t ";
    case TRAIL_TYPE_DOUBLE:
        return "double ";
    case TRAIL_TYPE_BLOB:
        return "trail_blob ";
    default:
        return NULL;
    }
}

static const char *type_enum(trail_type t)
{
    static const char *const names[] = {
        [TRAIL_TYPE_BOOL] = "TRAIL_TYPE_BOOL",   [TRAIL_TYPE_INT32] = "TRAIL_TYPE_INT32",
        [TRAIL_TYPE_INT64] = "TRAIL_TYPE_INT64", [TRAIL_TYPE_DOUBLE] = "TRAIL_TYPE_DOUBLE",
        [TRAIL_TYPE_TEXT] = "TRAIL_TYPE_TEXT",   [TRAIL_TYPE_BLOB] = "TRAIL_TYPE_BLOB",
        [TRAIL_TYPE_DATE] = "TRAIL_TYPE_DATE",   [TRAIL_TYPE_TIMESTAMP] = "TRAIL_TYPE_TIMESTAMP",
        [TRAIL_TYPE_JSON] = "TRAIL_TYPE_JSON",   [TRAIL_TYPE_ENUM] = "TRAIL_TYPE_ENUM",
        [TRAIL_TYPE_REF] = "TRAIL_TYPE_REF",
    };
    return names[t];
}

/* Whether the field's C value can hold no NULL of its own, so it needs a _null companion. */
static bool needs_null_flag(const gen_field *f)
{
    if (!f->nullable)
        return false;
    if (f->type == TRAIL_TYPE_REF)
        return f->ref->key == TRAIL_KEY_INT64;
    return f->type != TRAIL_TYPE_TEXT && f->type != TRAIL_TYPE_JSON && f->type != TRAIL_TYPE_BLOB;
}

/* The C types of a field in records and in params. */
static int put_c_types(json_t *o, const gen_schema *s, const gen_entity *e, const gen_field *f)
{
    int rc;
    switch (f->type) {
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_JSON:
        if ((rc = put_str(o, "record_type", "char *")) < 0)
            return rc;
        return put_str(o, "param_type", "const char *");
    case TRAIL_TYPE_REF:
        if (f->ref->key == TRAIL_KEY_INT64) {
            if ((rc = put_str(o, "record_type", "int64_t ")) < 0)
                return rc;
            return put_str(o, "param_type", "int64_t ");
        }
        if ((rc = put_str(o, "record_type", "char *")) < 0)
            return rc;
        return put_str(o, "param_type", "const char *");
    case TRAIL_TYPE_ENUM:
        if ((rc = put_fmt(o, "record_type", "%s_%s_%s ", s->name, e->name, f->name)) < 0)
            return rc;
        return put_fmt(o, "param_type", "%s_%s_%s ", s->name, e->name, f->name);
    default:
        if ((rc = put_str(o, "record_type", c_scalar_type(f->type))) < 0)
            return rc;
        return put_str(o, "param_type", c_scalar_type(f->type));
    }
}

/* The words of a field's doc comment after its type: bounds, rules, default, audit. */
static int doc_rules(trail_buf *b, const gen_field *f)
{
    int rc = TRAIL_OK;
    if (f->has_max && f->type == TRAIL_TYPE_TEXT)
        rc = trail__buf_appendf(b, ", at most %" PRId64 " characters", f->max);
    else if (f->has_max && f->type == TRAIL_TYPE_BLOB)
        rc = trail__buf_appendf(b, ", at most %" PRId64 " bytes", f->max);
    else if (f->type == TRAIL_TYPE_DOUBLE) {
        if ((f->has_min && (rc = trail__buf_appendf(b, ", at least %.17g", f->min_d)) < 0) ||
            (f->has_max && (rc = trail__buf_appendf(b, ", at most %.17g", f->max_d)) < 0))
            return rc;
    } else if ((f->has_min && (rc = trail__buf_appendf(b, ", at least %" PRId64, f->min)) < 0) ||
               (f->has_max && (rc = trail__buf_appendf(b, ", at most %" PRId64, f->max)) < 0))
        return rc;
    if (rc < 0 || (f->unique && (rc = trail__buf_append_str(b, ", unique")) < 0) ||
        (f->nullable && (rc = trail__buf_append_str(b, ", may be NULL")) < 0))
        return rc;
    if (!f->has_default)
        rc = TRAIL_OK;
    else if (f->type == TRAIL_TYPE_ENUM)
        rc = trail__buf_appendf(b, ", default %s", f->values[f->def_i]);
    else if (f->type == TRAIL_TYPE_BOOL)
        rc = trail__buf_appendf(b, ", default %s", f->def_i ? "true" : "false");
    else if (f->type == TRAIL_TYPE_DOUBLE)
        rc = trail__buf_appendf(b, ", default %.17g", f->def_d);
    else if (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON)
        rc = trail__buf_append_str(b, ", has a default");
    else
        rc = trail__buf_appendf(b, ", default %" PRId64, f->def_i);
    if (rc < 0)
        return rc;
    if (f->audit == GEN_AUDIT_REDACT)
        return trail__buf_append_str(b, "; redacted in events");
    if (f->audit == GEN_AUDIT_OMIT)
        return trail__buf_append_str(b, "; left out of events");
    return TRAIL_OK;
}

/* A one-line description for the struct member's doc comment. */
static int put_doc(json_t *o, const gen_field *f)
{
    trail_buf b = TRAIL_BUF_INIT;
    int rc;
    switch (f->type) {
    case TRAIL_TYPE_DATE:
        rc = trail__buf_append_str(&b, "date: days since 1970-01-01, years 1-9999");
        break;
    case TRAIL_TYPE_TIMESTAMP:
        rc =
            trail__buf_append_str(&b, "timestamp: milliseconds since the epoch, UTC, years 1-9999");
        break;
    case TRAIL_TYPE_REF:
        rc = trail__buf_appendf(&b, "ref to %s", f->ref->name);
        break;
    case TRAIL_TYPE_JSON:
        rc = trail__buf_append_str(&b, "json: one JSON value, as text");
        break;
    default:
        rc = trail__buf_append_str(&b, gen_type_name(f->type));
        break;
    }
    if (rc < 0 || (rc = doc_rules(&b, f)) < 0)
        goto out;
    rc = put_buf(o, "doc", &b);
out:
    trail__buf_free(&b);
    return rc;
}

/*
 * Appends @prefix and @v as a C constant. INT64_MIN has no literal of its own
 * (-9223372036854775808 negates a constant too big for int64_t), so it is
 * written as the macro.
 */
static int c_int64(trail_buf *out, const char *prefix, int64_t v)
{
    if (v == INT64_MIN)
        return trail__buf_appendf(out, "%sINT64_MIN", prefix);
    return trail__buf_appendf(out, "%s%" PRId64, prefix, v);
}

/* The descriptor's flags: TRAIL_FIELD_* joined by " | ", or 0. */
static int descriptor_flags(trail_buf *flags, const gen_field *f)
{
    static const struct {
        const char *name;
        size_t offset;
    } bits[] = {
        { "TRAIL_FIELD_NULLABLE", offsetof(gen_field, nullable) },
        { "TRAIL_FIELD_UNIQUE", offsetof(gen_field, unique) },
        { "TRAIL_FIELD_MIN", offsetof(gen_field, has_min) },
        { "TRAIL_FIELD_MAX", offsetof(gen_field, has_max) },
        { "TRAIL_FIELD_DEFAULT", offsetof(gen_field, has_default) },
    };
    int rc;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (*(const bool *)((const char *)f + bits[i].offset) &&
            (rc = trail__buf_appendf(flags, "%s%s", flags->len ? " | " : "", bits[i].name)) < 0)
            return rc;
    if (f->audit != GEN_AUDIT_FULL &&
        (rc = trail__buf_appendf(flags, "%s%s", flags->len ? " | " : "",
                                 f->audit == GEN_AUDIT_REDACT ? "TRAIL_FIELD_REDACT"
                                                              : "TRAIL_FIELD_OMIT")) < 0)
        return rc;
    return flags->len ? TRAIL_OK : trail__buf_append(flags, "0", 1);
}

/* The descriptor's bounds: ".min = 1, .max = 9" (".min_d" for doubles), or nothing. */
static int descriptor_bounds(trail_buf *bounds, const gen_field *f)
{
    int rc;
    if (f->type == TRAIL_TYPE_DOUBLE) {
        if (f->has_min && (rc = trail__buf_appendf(bounds, ".min_d = %.17g", f->min_d)) < 0)
            return rc;
        return f->has_max ? trail__buf_appendf(bounds, "%s.max_d = %.17g", f->has_min ? ", " : "",
                                               f->max_d)
                          : TRAIL_OK;
    }
    if (f->has_min && (rc = c_int64(bounds, ".min = ", f->min)) < 0)
        return rc;
    return f->has_max ? c_int64(bounds, f->has_min ? ", .max = " : ".max = ", f->max) : TRAIL_OK;
}

/* The descriptor's default, in the member of trail_default that its type uses, or nothing. */
static int descriptor_default(trail_buf *def, const gen_field *f)
{
    int rc;
    if (!f->has_default)
        return TRAIL_OK;
    if (f->type == TRAIL_TYPE_DOUBLE)
        return trail__buf_appendf(def, ".d = %.17g", f->def_d);
    if (f->type == TRAIL_TYPE_TEXT || f->type == TRAIL_TYPE_JSON)
        return (rc = trail__buf_append_str(def, ".s = ")) < 0
                   ? rc
                   : gen_c_string(def, f->def_s, strlen(f->def_s));
    return c_int64(def, ".i = ", f->def_i);
}

/* The descriptor's flags, bounds and default as C initializer text. */
static int put_descriptor(json_t *o, const gen_field *f)
{
    trail_buf flags = TRAIL_BUF_INIT, bounds = TRAIL_BUF_INIT, def = TRAIL_BUF_INIT;
    int rc;
    if ((rc = descriptor_flags(&flags, f)) < 0 || (rc = descriptor_bounds(&bounds, f)) < 0 ||
        (rc = descriptor_default(&def, f)) < 0 || (rc = put_buf(o, "flags", &flags)) < 0 ||
        (rc = put_buf(o, "bounds", &bounds)) < 0)
        goto out;
    rc = put_buf(o, "def", &def);
out:
    trail__buf_free(&flags);
    trail__buf_free(&bounds);
    trail__buf_free(&def);
    return rc;
}

/* The value of the field's default as C text for its _CREATE_INIT designator. */
static int init_value(trail_buf *b, const gen_schema *s, const gen_entity *e, const gen_field *f)
{
    int rc;
    switch (f->type) {
    case TRAIL_TYPE_ENUM: {
        /* The enum constant SCHEMA_ENTITY_FIELD_VALUE: names are [a-z0-9_]. */
        size_t constant = b->len;
        if ((rc = trail__buf_appendf(b, "%s_%s_%s_%s", s->name, e->name, f->name,
                                     f->values[f->def_i])) < 0)
            return rc;
        for (size_t i = constant; i < b->len; i++)
            b->data[i] = (char)toupper((unsigned char)b->data[i]);
        return TRAIL_OK;
    }
    case TRAIL_TYPE_BOOL:
        return trail__buf_append_str(b, f->def_i ? "true" : "false");
    case TRAIL_TYPE_DOUBLE: {
        char d[32];
        snprintf(d, sizeof d, "%.17g", f->def_d);
        /* 0.0 rather than 0, so the macro reads as the double it is. */
        return trail__buf_appendf(b, "%s%s", d, strpbrk(d, ".e") ? "" : ".0");
    }
    case TRAIL_TYPE_TEXT:
    case TRAIL_TYPE_JSON:
        return gen_c_string(b, f->def_s, strlen(f->def_s));
    default:
        return c_int64(b, "", f->def_i);
    }
}

/*
 * The field's designators in its entity's _CREATE_INIT macro: its default,
 * or `_null = true` for a nullable scalar without one. Nothing for a field
 * that starts at zero (a NULL pointer is NULL for a nullable text, json,
 * blob or ULID ref; a required field has no initial value to give).
 */
static int put_init(json_t *o, const gen_schema *s, const gen_entity *e, const gen_field *f)
{
    trail_buf b = TRAIL_BUF_INIT;
    int rc = TRAIL_OK;
    if (f->has_default) {
        if ((rc = trail__buf_appendf(&b, ".%s = ", f->name)) < 0 ||
            (rc = init_value(&b, s, e, f)) < 0)
            goto out;
    } else if (needs_null_flag(f) && (rc = trail__buf_appendf(&b, ".%s_null = true", f->name)) < 0)
        goto out;
    rc = put_buf(o, "init", &b);
out:
    trail__buf_free(&b);
    return rc;
}

/*
 * A column's definition in @d's DDL: the one text both CREATE TABLE and
 * migrate's ADD COLUMN use. @type, @def and @checks as put_sql() made them.
 */
static int column_def(trail_buf *out, const gen_field *f, const trail_dialect *d,
                      const trail_buf *type, const trail_buf *def, json_t *checks)
{
    int rc;
    if ((rc = trail__dialect_quote(out, d, f->name)) < 0 ||
        (rc = trail__buf_appendf(out, " %s%s", type->data, f->nullable ? "" : " NOT NULL")) < 0 ||
        (def->len && (rc = trail__buf_appendf(out, " DEFAULT %s", def->data)) < 0) ||
        (f->unique && (rc = trail__buf_append_str(out, " UNIQUE")) < 0))
        return rc;
    for (size_t i = 0; i < json_array_size(checks); i++)
        if ((rc = trail__buf_appendf(
                 out, " CHECK (%s)",
                 json_string_value(json_object_get(json_array_get(checks, i), "check")))) < 0)
            return rc;
    return TRAIL_OK;
}

/* The foreign key of ref @f for @d: "REFERENCES <target> (id) ON DELETE RESTRICT". */
static int references(trail_buf *out, const trail_dialect *d, const gen_field *f)
{
    int rc;
    if ((rc = trail__buf_append_str(out, "REFERENCES ")) < 0 ||
        (rc = trail__dialect_quote(out, d, f->ref->table)) < 0 ||
        (rc = trail__buf_append_str(out, " (")) < 0 ||
        (rc = trail__dialect_quote(out, d, "id")) < 0)
        return rc;
    return trail__buf_append_str(out, ") ON DELETE RESTRICT");
}

/* The table constraint of ref @f for @d's CREATE TABLE: FOREIGN KEY (<f>) REFERENCES …. */
static int foreign_key(trail_buf *out, const trail_dialect *d, const gen_field *f)
{
    int rc;
    if ((rc = trail__buf_append_str(out, "FOREIGN KEY (")) < 0 ||
        (rc = trail__dialect_quote(out, d, f->name)) < 0 ||
        (rc = trail__buf_append_str(out, ") ")) < 0)
        return rc;
    return references(out, d, f);
}

/*
 * The statement that adds field @f to an existing table of @e, as a C string
 * literal: migrate runs it for a field a newer schema adds (runtime/audit/migrate.c):
 * one that is nullable or has a default, and is not unique. A ref's foreign
 * key comes with it, on the column or as a clause of its own.
 */
static int add_column_literal(trail_buf *out, const gen_entity *e, const gen_field *f,
                              const trail_dialect *d, const trail_buf *def)
{
    trail_buf sql = TRAIL_BUF_INIT;
    int rc;
    if ((rc = trail__buf_append_str(&sql, "ALTER TABLE ")) < 0 ||
        (rc = trail__dialect_quote(&sql, d, e->table)) < 0 ||
        (rc = trail__buf_appendf(&sql, " ADD COLUMN %s", def->data)) < 0)
        goto out;
    if (f->type == TRAIL_TYPE_REF &&
        ((rc = trail__buf_append_str(&sql, d->foreign_key_apart ? ", ADD " : " ")) < 0 ||
         (rc = d->foreign_key_apart ? foreign_key(&sql, d, f) : references(&sql, d, f)) < 0))
        goto out;
    rc = gen_c_string(out, sql.data, sql.len);
out:
    trail__buf_free(&sql);
    return rc;
}

/* What the DDL template and the driver source need of field @f of @e for @d. */
static int put_sql(json_t *o, const gen_entity *e, const gen_field *f, const trail_dialect *d)
{
    trail_buf type = TRAIL_BUF_INIT, def = TRAIL_BUF_INIT, col = TRAIL_BUF_INIT,
              add = TRAIL_BUF_INIT, fk = TRAIL_BUF_INIT, name = TRAIL_BUF_INIT;
    json_t *checks = json_array();
    int rc = TRAIL_ENOMEM;
    if (!checks || (rc = gen_dialect_type(&type, d, f)) < 0 ||
        (f->has_default && (rc = gen_dialect_default(&def, d, f)) < 0) ||
        (rc = gen_dialect_checks(checks, d, f)) < 0 ||
        (rc = column_def(&col, f, d, &type, &def, checks)) < 0)
        goto out;
    /* Only a field that existing rows can do without can be added to them. */
    if ((f->nullable || f->has_default) && !f->unique &&
        (rc = add_column_literal(&add, e, f, d, &col)) < 0)
        goto out;
    if ((f->type == TRAIL_TYPE_REF && (rc = foreign_key(&fk, d, f)) < 0) ||
        (rc = quote_c(&name, d, f->name)) < 0 || (rc = put_buf(o, "column_def", &col)) < 0 ||
        (rc = put_buf(o, "foreign_key", &fk)) < 0 || (rc = put_buf(o, "add_column", &add)) < 0)
        goto out;
    rc = put_buf(o, "name_c", &name);
out:
    json_decref(checks);
    trail__buf_free(&type);
    trail__buf_free(&def);
    trail__buf_free(&col);
    trail__buf_free(&add);
    trail__buf_free(&fk);
    trail__buf_free(&name);
    return rc;
}

static json_t *field_new(const gen_schema *s, const gen_entity *e, size_t i,
                         const trail_dialect *driver)
{
    const gen_field *f = &e->fields[i];
    json_t *o = json_object();
    if (!o)
        return NULL;
    bool scalar_null = needs_null_flag(f);
    if (put_str(o, "name", f->name) < 0 || put_upper(o, "NAME", f->name) < 0 ||
        put(o, "index", json_integer((json_int_t)i)) < 0 ||
        put_str(o, "type_enum", type_enum(f->type)) < 0 || put_c_types(o, s, e, f) < 0 ||
        put_doc(o, f) < 0 || put_descriptor(o, f) < 0 || put_init(o, s, e, f) < 0 ||
        put(o, "null_flag", json_boolean(scalar_null)) < 0 ||
        put(o, "nullable", json_boolean(f->nullable)) < 0 ||
        put(o, "unique", json_boolean(f->unique)) < 0 ||
        put(o, "is_enum", json_boolean(f->type == TRAIL_TYPE_ENUM)) < 0 ||
        put(o, "is_time",
            json_boolean(f->type == TRAIL_TYPE_DATE || f->type == TRAIL_TYPE_TIMESTAMP)) < 0 ||
        put(o, "n_values", json_integer((json_int_t)f->n_values)) < 0 ||
        put_str(o, "ref", f->type == TRAIL_TYPE_REF ? f->ref->name : NULL) < 0)
        goto fail;
    if (driver && put_sql(o, e, f, driver) < 0)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *enum_new(const gen_entity *e, const gen_field *f)
{
    json_t *o = json_object();
    json_t *values = o ? put_array(o, "values") : NULL;
    if (!values || put_str(o, "entity", e->name) < 0 || put_upper(o, "ENTITY", e->name) < 0 ||
        put_str(o, "field", f->name) < 0 || put_upper(o, "FIELD", f->name) < 0)
        goto fail;
    for (size_t i = 0; i < f->n_values; i++) {
        json_t *v = json_object();
        if (!v || put_str(v, "value", f->values[i]) < 0 ||
            put_upper(v, "VALUE", f->values[i]) < 0 ||
            put(v, "index", json_integer((json_int_t)i)) < 0) {
            json_decref(v);
            goto fail;
        }
        if (append(values, v) < 0)
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

/*
 * The longest index name: the shortest identifier any dialect takes, so
 * that an index is named alike on every engine, whichever were generated.
 */
static size_t index_name_max(void)
{
    size_t max = SIZE_MAX;
    for (size_t i = 0; trail__dialects[i]; i++)
        if (trail__dialects[i]->identifier_max < max)
            max = trail__dialects[i]->identifier_max;
    return max;
}

/* Cuts the index name @out to index_name_max(), when it is longer, with a hash of the whole. */
static int fit_index_name(trail_buf *out)
{
    size_t max = index_name_max();
    if (out->len <= max)
        return TRAIL_OK;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < out->len; i++)
        h = (h ^ (unsigned char)out->data[i]) * 16777619u;
    char tail[16];
    int k = snprintf(tail, sizeof tail, "_%08" PRIx32 "_idx", h);
    out->len = max - (size_t)k;
    out->data[out->len] = '\0';
    return trail__buf_append_str(out, tail);
}

/*
 * Appends to @indexes the index @name (NULL: table_col_col_idx, cut to
 * index_name_max()) on the @n columns @cols of @table.
 */
static int add_index(json_t *indexes, const char *table, const char *name, bool unique,
                     const char *const *cols, size_t n)
{
    trail_buf made = TRAIL_BUF_INIT;
    json_t *o = json_object();
    json_t *columns = o ? put_array(o, "columns") : NULL;
    int rc = TRAIL_ENOMEM;
    if (!columns || (!name && (rc = trail__buf_append_str(&made, table)) < 0))
        goto fail;
    for (size_t i = 0; i < n; i++)
        if ((rc = append(columns, json_pack("{s:s}", "column", cols[i]))) < 0 ||
            (!name && (rc = trail__buf_appendf(&made, "_%s", cols[i])) < 0))
            goto fail;
    if (!name &&
        ((rc = trail__buf_append_str(&made, "_idx")) < 0 || (rc = fit_index_name(&made)) < 0))
        goto fail;
    if ((rc = put_str(o, "index_name", name ? name : made.data)) < 0 ||
        (rc = put(o, "unique", json_boolean(unique))) < 0)
        goto fail;
    trail__buf_free(&made);
    return append(indexes, o);
fail:
    trail__buf_free(&made);
    json_decref(o);
    return rc;
}

/* An index of entity @e on its fields @cols, named by them. */
static int add_entity_index(json_t *indexes, const gen_entity *e, const size_t *cols, size_t n,
                            bool unique)
{
    const char *names[64]; /* the loader allows 16 (schema_entity.h) */
    if (n > sizeof names / sizeof names[0])
        return TRAIL_EARG;
    for (size_t i = 0; i < n; i++)
        names[i] = e->fields[cols[i]].name;
    return add_index(indexes, e->table, NULL, unique, names, n);
}

/* Whether some index or the field's own UNIQUE already starts with field @col. */
static bool index_leads_with(const gen_entity *e, size_t col)
{
    if (e->fields[col].unique)
        return true;
    for (size_t i = 0; i < e->n_indexes; i++)
        if (e->indexes[i].n_fields > 0 && e->indexes[i].fields[0] == col)
            return true;
    return false;
}

/* The schema's indexes, plus one per ref column that none covers (deletes check them). */
static json_t *indexes_new(const gen_entity *e)
{
    json_t *indexes = json_array();
    if (!indexes)
        return NULL;
    for (size_t i = 0; i < e->n_indexes; i++)
        if (add_entity_index(indexes, e, e->indexes[i].fields, e->indexes[i].n_fields,
                             e->indexes[i].unique) < 0)
            goto fail;
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].type == TRAIL_TYPE_REF && !index_leads_with(e, i) &&
            add_entity_index(indexes, e, &i, 1, false) < 0)
            goto fail;
    return indexes;
fail:
    json_decref(indexes);
    return NULL;
}

/*
 * The hlc of the record's newest event, as a scalar subquery of the record's
 * row: where the client writes the events (client_events), its lock reads
 * it, so that the record's next event is stamped later than every one
 * before, whichever connection's clock stamped those.
 */
static int record_hlc(trail_buf *b, const gen_entity *e, const trail_dialect *d)
{
    int rc;
    if ((rc = trail__buf_append_str(b, "(SELECT max(")) < 0 || (rc = quote_c(b, d, "hlc")) < 0 ||
        (rc = trail__buf_append_str(b, ") FROM ")) < 0 ||
        (rc = quote_c(b, d, "trail_change_events")) < 0 ||
        (rc = trail__buf_append_str(b, " WHERE ")) < 0 || (rc = quote_c(b, d, "table_name")) < 0 ||
        (rc = trail__buf_appendf(b, " = '%s' AND ", e->table)) < 0 ||
        (rc = quote_c(b, d, "record_id")) < 0 || (rc = trail__buf_append_str(b, " = CAST(")) < 0 ||
        (rc = quote_c(b, d, "id")) < 0)
        return rc;
    return trail__buf_append_str(b, " AS TEXT))");
}

/*
 * The entity's parts of @d's statements, as C string text: its table, its
 * column lists, the placeholders of its insert, its record's newest hlc.
 */
static int put_entity_sql(json_t *o, const gen_entity *e, const trail_dialect *d)
{
    trail_buf cols = TRAIL_BUF_INIT, ins = TRAIL_BUF_INIT, table = TRAIL_BUF_INIT,
              p = TRAIL_BUF_INIT, hlc = TRAIL_BUF_INIT;
    json_t *params = put_array(o, "insert_params");
    int rc = TRAIL_ENOMEM;
    if (!params || (rc = quote_c(&table, d, e->table)) < 0 || (rc = record_hlc(&hlc, e, d)) < 0 ||
        (rc = put_buf(o, "record_hlc", &hlc)) < 0)
        goto out;
    for (size_t i = 0; i < e->n_fields + 2; i++) {
        const char *name = i == 0 ? "id" : i == 1 ? "version" : e->fields[i - 2].name;
        if ((i > 0 && (rc = trail__buf_append_str(&cols, ", ")) < 0) ||
            (rc = quote_c(&cols, d, name)) < 0)
            goto out;
        if (i == 0 && e->key == TRAIL_KEY_INT64)
            continue; /* made by the database */
        trail__buf_reset(&p);
        if ((ins.len && (rc = trail__buf_append_str(&ins, ", ")) < 0) ||
            (rc = quote_c(&ins, d, name)) < 0 ||
            (rc = trail__dialect_param(&p, d, (int)json_array_size(params) + 1)) < 0 ||
            (rc = append(params, json_pack("{s:s}", "p", p.data))) < 0)
            goto out;
    }
    if ((rc = put_buf(o, "table_c", &table)) < 0 || (rc = put_buf(o, "columns", &cols)) < 0)
        goto out;
    rc = put_buf(o, "insert_columns", &ins);
out:
    trail__buf_free(&cols);
    trail__buf_free(&ins);
    trail__buf_free(&table);
    trail__buf_free(&p);
    trail__buf_free(&hlc);
    return rc;
}

/* The slots of dialect @d, on the top object @m: see driver/dialect.h for each. */
static int put_dialect(json_t *m, const trail_dialect *d)
{
    char q[2] = { d->quote, '\0' };
    trail_buf id = TRAIL_BUF_INIT, version = TRAIL_BUF_INIT, p1 = TRAIL_BUF_INIT,
              p2 = TRAIL_BUF_INIT;
    int rc;
    if ((rc = quote_c(&id, d, "id")) < 0 || (rc = quote_c(&version, d, "version")) < 0 ||
        (rc = trail__dialect_param(&p1, d, 1)) < 0 || (rc = trail__dialect_param(&p2, d, 2)) < 0)
        goto out;
    rc = TRAIL_ENOMEM;
    if (put_str(m, "driver", d->name) < 0 || put_str(m, "title", d->title) < 0 ||
        put_str(m, "q", q) < 0 || put_buf(m, "id_c", &id) < 0 ||
        put_buf(m, "version_c", &version) < 0 || put_buf(m, "p1", &p1) < 0 ||
        put_buf(m, "p2", &p2) < 0 || put_str(m, "lock_suffix", d->lock_suffix) < 0 ||
        put(m, "returning", json_boolean(d->returning)) < 0 ||
        put(m, "client_events", json_boolean(d->client_events)) < 0 ||
        put_str(m, "id_ulid_column", d->id_ulid_column) < 0 ||
        put_str(m, "id_int64_column", d->id_int64_column) < 0 ||
        put_str(m, "version_type", d->column_types[TRAIL_TYPE_INT64]) < 0 ||
        put_str(m, "table_options", d->table_options) < 0 ||
        put(m, "indexes_inline", json_boolean(d->indexes_inline)) < 0 ||
        put(m, "indexes_apart", json_boolean(!d->indexes_inline)) < 0)
        goto out;
    rc = TRAIL_OK;
out:
    trail__buf_free(&id);
    trail__buf_free(&version);
    trail__buf_free(&p1);
    trail__buf_free(&p2);
    return rc;
}

unsigned gen_drivers_all(void)
{
    unsigned all = 0;
    for (size_t i = 0; trail__dialects[i]; i++)
        all |= GEN_DRIVER_BIT(i);
    return all;
}

/* The driver list, for the dispatch source. */
static int put_drivers(json_t *o, unsigned drivers)
{
    json_t *list = put_array(o, "drivers");
    if (!list)
        return TRAIL_ENOMEM;
    for (size_t i = 0; trail__dialects[i]; i++) {
        if (!(drivers & GEN_DRIVER_BIT(i)))
            continue;
        json_t *item = json_object();
        if (!item || put_str(item, "driver", trail__dialects[i]->name) < 0) {
            json_decref(item);
            return TRAIL_ENOMEM;
        }
        if (append(list, item) < 0)
            return TRAIL_ENOMEM;
    }
    return TRAIL_OK;
}

static json_t *entity_new(const gen_schema *s, const gen_entity *e, unsigned drivers,
                          const trail_dialect *driver)
{
    bool ulid = e->key == TRAIL_KEY_ULID;
    json_t *o = json_object();
    json_t *fields = o ? put_array(o, "fields") : NULL, *enums = o ? put_array(o, "enums") : NULL,
           *unique = o ? put_array(o, "unique_fields") : NULL;
    if (!fields || !enums || !unique || put_drivers(o, drivers) < 0)
        goto fail;
    for (size_t i = 0; i < e->n_fields; i++) {
        const gen_field *f = &e->fields[i];
        if (append(fields, field_new(s, e, i, driver)) < 0)
            goto fail;
        if (f->type == TRAIL_TYPE_ENUM && append(enums, enum_new(e, f)) < 0)
            goto fail;
        if (f->unique && append(unique, field_new(s, e, i, driver)) < 0)
            goto fail;
    }
    /* "An order record", "a customer": by the first letter, which is all a name tells. */
    bool vowel = e->name[0] && strchr("aeiou", e->name[0]) != NULL;
    if (put_str(o, "name", e->name) < 0 || put_upper(o, "NAME", e->name) < 0 ||
        put_str(o, "a", vowel ? "an" : "a") < 0 || put_str(o, "A", vowel ? "An" : "A") < 0 ||
        put_str(o, "entity", e->name) < 0 || put_upper(o, "ENTITY", e->name) < 0 ||
        put_str(o, "table", e->table) < 0 || put(o, "key_ulid", json_boolean(ulid)) < 0 ||
        put(o, "key_int64", json_boolean(!ulid)) < 0 ||
        put_str(o, "key_enum", ulid ? "TRAIL_KEY_ULID" : "TRAIL_KEY_INT64") < 0 ||
        put_str(o, "conflict_enum",
                e->conflict == TRAIL_CONFLICT_MANUAL ? "TRAIL_CONFLICT_MANUAL"
                                                     : "TRAIL_CONFLICT_LWW") < 0 ||
        put_str(o, "replicate", e->replicate ? "true" : "false") < 0 ||
        put_str(o, "key_record_type", ulid ? "char *" : "int64_t ") < 0 ||
        put_str(o, "key_param_type", ulid ? "const char *" : "int64_t ") < 0 ||
        put_str(o, "key_member", ulid ? "text" : "num") < 0 ||
        put_str(o, "key_doc", ulid ? "ULID, made on create" : "assigned by the database") < 0 ||
        put_str(o, "key_first", ulid ? "NULL" : "0") < 0 ||
        put(o, "n_fields", json_integer((json_int_t)e->n_fields)) < 0 ||
        put(o, "indexes", indexes_new(e)) < 0)
        goto fail;
    if (driver && put_entity_sql(o, e, driver) < 0)
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

/* The most characters of the context column @name: the runtime's limit (context.h); 0: none. */
static int ctx_max(const char *name)
{
    for (size_t i = 0; i < TRAIL_CTX_COLUMNS; i++)
        if (strcmp(trail__ctx_columns[i].name, name) == 0)
            return trail__ctx_columns[i].max;
    return 0;
}

/* A column of a runtime table of audit/event_columns.h, as the DDL needs it. */
typedef struct table_column {
    const char *name;
    trail_event_kind kind;
    bool nullable;
} table_column;

#define TABLE_COLUMN(n, name, value, kind, null, ...)                                              \
    { #name, TRAIL_EVENT_KIND_##kind, TRAIL_EVENT_##null },
static const table_column event_columns[] = { TRAIL_EVENT_COLUMN_TABLE(TABLE_COLUMN, ) };
static const table_column lane_columns[] = { TRAIL_LANE_COLUMN_TABLE(TABLE_COLUMN, ) };
#undef TABLE_COLUMN

/*
 * The @n columns @cols of a runtime table, as the array @key of @m: each
 * with its name and what follows it in @driver's DDL.
 */
static int put_table_columns(json_t *m, const char *key, const table_column *cols, size_t n,
                             const trail_dialect *driver)
{
    json_t *columns = put_array(m, key);
    trail_buf type = TRAIL_BUF_INIT;
    int rc = TRAIL_ENOMEM;
    if (!columns)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int max = ctx_max(cols[i].name);
        if (cols[i].kind == TRAIL_EVENT_KIND_CONTEXT && !max) {
            rc = TRAIL_EARG; /* a context column that context.h does not know */
            goto out;
        }
        trail__buf_reset(&type);
        if ((rc = trail__dialect_event_column(&type, driver, cols[i].kind, cols[i].name,
                                              cols[i].nullable, max)) < 0 ||
            (rc = append(columns,
                         json_pack("{s:s, s:s}", "name", cols[i].name, "type", type.data))) < 0)
            goto out;
    }
    rc = TRAIL_OK;
out:
    trail__buf_free(&type);
    return rc;
}

/* The columns of trail_change_events and trail_lanes (audit/event_columns.h) in @driver's DDL. */
static int put_event_columns(json_t *m, const trail_dialect *driver)
{
    int rc = put_table_columns(m, "event_columns", event_columns, TRAIL_EVENT_COLUMNS, driver);
    return rc < 0 ? rc
                  : put_table_columns(m, "lane_columns", lane_columns, TRAIL_LANE_COLUMNS, driver);
}

/* The event table's own indexes (audit/event_indexes.h). */
#define OWN_INDEX(name, unique, ...)                                                               \
    { "trail_change_events_" #name "_idx", TRAIL_EVENT_INDEX_##unique,                             \
      TRAIL_EVENT_INDEX_COLUMNS(__VA_ARGS__) },
static const struct {
    const char *name;
    bool unique;
    const size_t *columns;
    size_t n_columns;
} own_event_indexes[] = { TRAIL_EVENT_INDEX_TABLE(OWN_INDEX, ) };
#undef OWN_INDEX

/* An index of the event table on its columns @cols (places in the row). */
static int add_event_index(json_t *list, const char *name, bool unique, const size_t *cols,
                           size_t n)
{
    const char *names[TRAIL_EVENT_COLUMNS]; /* each column at most once */
    if (n > TRAIL_EVENT_COLUMNS)
        return TRAIL_EARG;
    for (size_t i = 0; i < n; i++)
        names[i] = event_columns[cols[i]].name;
    return add_index(list, "trail_change_events", name, unique, names, n);
}

/*
 * The event table's indexes, for every dialect's DDL: its own, then those
 * the schema adds (`events: { indexes: }`), each named
 * trail_change_events_<col>_<col>_idx, cut as entity indexes are.
 */
static int put_event_indexes(json_t *m, const gen_schema *s)
{
    json_t *list = put_array(m, "event_indexes");
    int rc = list ? TRAIL_OK : TRAIL_ENOMEM;
    for (size_t i = 0; rc == TRAIL_OK && i < sizeof own_event_indexes / sizeof *own_event_indexes;
         i++)
        rc = add_event_index(list, own_event_indexes[i].name, own_event_indexes[i].unique,
                             own_event_indexes[i].columns, own_event_indexes[i].n_columns);
    for (size_t i = 0; rc == TRAIL_OK && i < s->n_event_indexes; i++)
        rc = add_event_index(list, NULL, false, s->event_indexes[i].columns,
                             s->event_indexes[i].n_columns);
    return rc;
}

json_t *gen_model_new(const gen_schema *s, const char *source, unsigned drivers,
                      const trail_dialect *driver)
{
    json_t *m = json_object();
    json_t *entities = m ? put_array(m, "entities") : NULL;
    if (!entities || put_drivers(m, drivers) < 0)
        goto fail;
    for (size_t i = 0; i < s->n_entities; i++)
        if (append(entities, entity_new(s, &s->entities[i], drivers, driver)) < 0)
            goto fail;
    if (put_str(m, "schema", s->name) < 0 || put_upper(m, "SCHEMA", s->name) < 0 ||
        put(m, "version", json_integer(s->version)) < 0 ||
        put_str(m, "trailgen_version", TRAIL_VERSION) < 0 || put_str(m, "source", source) < 0 ||
        put(m, "runtime_major", json_integer(TRAIL_VERSION_MAJOR)) < 0 ||
        put(m, "runtime_minor", json_integer(TRAIL_VERSION_MINOR)) < 0 ||
        put(m, "n_entities", json_integer((json_int_t)s->n_entities)) < 0 ||
        put_event_indexes(m, s) < 0)
        goto fail;
    if (driver && (put_dialect(m, driver) < 0 || put_event_columns(m, driver) < 0))
        goto fail;
    return m;
fail:
    json_decref(m);
    return NULL;
}

int gen_model_set_driver(json_t *model, const gen_schema *s, const trail_dialect *driver)
{
    json_t *entities = json_object_get(model, "entities");
    if (json_array_size(entities) != s->n_entities)
        return TRAIL_EARG;
    /* Set again by gen_model_set_ddl() once this driver's DDL is rendered. */
    json_object_del(model, "ddl");
    json_object_del(model, "n_ddl");
    int rc;
    if ((rc = put_dialect(model, driver)) < 0)
        return rc;
    for (size_t i = 0; i < s->n_entities; i++) {
        const gen_entity *e = &s->entities[i];
        json_t *o = json_array_get(entities, i);
        json_t *fields = json_object_get(o, "fields"),
               *unique = json_object_get(o, "unique_fields");
        size_t u = 0;
        if ((rc = put_entity_sql(o, e, driver)) < 0)
            return rc;
        for (size_t j = 0; j < e->n_fields; j++)
            if ((rc = put_sql(json_array_get(fields, j), e, &e->fields[j], driver)) < 0 ||
                (e->fields[j].unique &&
                 (rc = put_sql(json_array_get(unique, u++), e, &e->fields[j], driver)) < 0))
                return rc;
    }
    return put_event_columns(model, driver);
}

/* ---- DDL for the driver sources ----------------------------------------- */

/* The end of the statement that starts at @p: its ';', outside quotes and comments. */
static const char *statement_end(const char *p)
{
    for (; *p; p++) {
        if (*p == '\'' || *p == '"' || *p == '`') {
            char q = *p;
            for (p++; *p && *p != q; p++)
                ;
            if (!*p)
                return p;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
            if (!*p)
                return p;
        } else if (*p == ';')
            return p;
    }
    return p;
}

/* Appends one statement as C string literals, a line each, comment lines dropped. */
static int statement_literal(trail_buf *out, const char *start, const char *end)
{
    bool first = true;
    while (start < end) {
        const char *nl = memchr(start, '\n', (size_t)(end - start));
        const char *stop = nl ? nl + 1 : end;
        const char *text = start;
        while (text < stop && (*text == ' ' || *text == '\n'))
            text++;
        bool blank = text == stop,
             comment = !blank && text + 1 < stop && text[0] == '-' && text[1] == '-';
        if (!blank && !comment) {
            int rc;
            if ((!first && (rc = trail__buf_append_str(out, "\n    ")) < 0) ||
                (rc = gen_c_string(out, start, (size_t)(stop - start))) < 0)
                return rc;
            first = false;
        }
        start = stop;
    }
    return TRAIL_OK;
}

int gen_model_set_ddl(json_t *model, const char *sql)
{
    json_t *list = put_array(model, "ddl");
    int rc = TRAIL_ENOMEM;
    trail_buf lit = TRAIL_BUF_INIT;
    if (!list)
        goto out;
    for (const char *p = sql; *p;) {
        const char *end = statement_end(p);
        trail__buf_reset(&lit);
        if ((rc = statement_literal(&lit, p, end)) < 0 ||
            (lit.len && (rc = append(list, json_pack("{s:s}", "c_text", lit.data))) < 0))
            goto out;
        p = *end ? end + 1 : end;
    }
    rc = put(model, "n_ddl", json_integer((json_int_t)json_array_size(list)));
out:
    trail__buf_free(&lit);
    return rc;
}
