/*
 * json_form.c - each type's JSON form in events, and each form's C writer.
 */
#include "audit/json_form.h"

static void write_bool(trail_json *w, const trail_value *v)
{
    trail__json_bool(w, v->i != 0);
}

static void write_int(trail_json *w, const trail_value *v)
{
    trail__json_int64(w, v->i);
}

static void write_double(trail_json *w, const trail_value *v)
{
    trail__json_double(w, v->d);
}

static void write_string(trail_json *w, const trail_value *v)
{
    trail__json_string(w, v->s, v->n);
}

static void write_base64(trail_json *w, const trail_value *v)
{
    trail__json_blob(w, v->s, v->n);
}

static void write_date(trail_json *w, const trail_value *v)
{
    trail__json_date(w, (int32_t)v->i); /* a date's C type is int32_t */
}

static void write_timestamp(trail_json *w, const trail_value *v)
{
    trail__json_timestamp(w, v->i);
}

static void write_json(trail_json *w, const trail_value *v)
{
    trail__json_raw(w, v->s, v->n); /* checked by trail__values_check() */
}

static void write_redacted(trail_json *w, const trail_value *v)
{
    (void)v;
    trail__json_text(w, "[redacted]");
}

/* Each form's C writer, for a value that is not NULL. */
static void (*const writers[])(trail_json *w, const trail_value *v) = {
    [TRAIL_JSON_FORM_BOOL] = write_bool,           [TRAIL_JSON_FORM_INT] = write_int,
    [TRAIL_JSON_FORM_DOUBLE] = write_double,       [TRAIL_JSON_FORM_STRING] = write_string,
    [TRAIL_JSON_FORM_BASE64] = write_base64,       [TRAIL_JSON_FORM_DATE] = write_date,
    [TRAIL_JSON_FORM_TIMESTAMP] = write_timestamp, [TRAIL_JSON_FORM_JSON] = write_json,
    [TRAIL_JSON_FORM_REDACTED] = write_redacted,
};
_Static_assert(sizeof writers / sizeof writers[0] == TRAIL_JSON_FORM_COUNT,
               "every JSON form has its C writer");

/* Each type's form; a reference's is its key's (trail__json_form_of_key()). */
static const trail_json_form type_forms[] = {
    [TRAIL_TYPE_BOOL] = TRAIL_JSON_FORM_BOOL,
    [TRAIL_TYPE_INT32] = TRAIL_JSON_FORM_INT,
    [TRAIL_TYPE_INT64] = TRAIL_JSON_FORM_INT,
    [TRAIL_TYPE_DOUBLE] = TRAIL_JSON_FORM_DOUBLE,
    [TRAIL_TYPE_TEXT] = TRAIL_JSON_FORM_STRING,
    [TRAIL_TYPE_BLOB] = TRAIL_JSON_FORM_BASE64,
    [TRAIL_TYPE_DATE] = TRAIL_JSON_FORM_DATE,
    [TRAIL_TYPE_TIMESTAMP] = TRAIL_JSON_FORM_TIMESTAMP,
    [TRAIL_TYPE_JSON] = TRAIL_JSON_FORM_JSON,
    [TRAIL_TYPE_ENUM] = TRAIL_JSON_FORM_STRING, /* its value's name */
    [TRAIL_TYPE_REF] = TRAIL_JSON_FORM_COUNT,   /* the key's */
};
_Static_assert(sizeof type_forms / sizeof type_forms[0] == TRAIL_TYPE_REF + 1,
               "every type has its JSON form");

trail_json_form trail__json_form_of_key(trail_key_kind key)
{
    return key == TRAIL_KEY_INT64 ? TRAIL_JSON_FORM_INT : TRAIL_JSON_FORM_STRING;
}

bool trail__json_form_audited(const trail_field *f)
{
    return !(f->flags & TRAIL_FIELD_OMIT);
}

trail_json_form trail__json_form_of_field(const trail_field *f)
{
    if (f->flags & TRAIL_FIELD_REDACT)
        return TRAIL_JSON_FORM_REDACTED;
    if (f->type == TRAIL_TYPE_REF)
        return trail__json_form_of_key(f->ref->key);
    return type_forms[f->type];
}

bool trail__json_form_member(const trail_entity *e, size_t k, const char **key,
                             trail_json_form *form)
{
    if (k < 2) {
        *key = k == 0 ? "id" : "version";
        *form = k == 0 ? trail__json_form_of_key(e->key) : TRAIL_JSON_FORM_INT;
        return true;
    }
    const trail_field *f = &e->fields[k - 2];
    if (!trail__json_form_audited(f))
        return false;
    *key = f->name;
    *form = trail__json_form_of_field(f);
    return true;
}

void trail__json_form_write(trail_json *w, trail_json_form form, const trail_value *v)
{
    if (v->type == TRAIL_V_NULL && form != TRAIL_JSON_FORM_REDACTED)
        trail__json_null(w);
    else
        writers[form](w, v);
}
