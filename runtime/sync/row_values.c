/*
 * sync/row_values.c - reading new_values back into a row (row_values.h).
 *
 * The members are found by a scanner that keeps each value's text as
 * written: a json field's value is stored as the event holds it (jansson
 * would respell its numbers, and refuses some: core/json_exact.h), a
 * double's text is read by strtod, which gives back the double that
 * trail__json_double() spelled.
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include "sync/row_values.h"
#include "audit/json_form.h"
#include "core/base64.h"
#include "core/isotime.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* Past the string that starts at @p (its opening quote); NULL when it does not end. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* Past the value at @p; NULL when it is cut off. Its inside is judged where it is read. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                if (!(p = skip_string(p, end)))
                    return NULL;
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const char *start = p;
    while (p < end && !strchr(",}] \t\r\n", *p))
        p++;
    return p > start ? p : NULL;
}

/* The JSON string @s (@n bytes, quotes included) decoded into a new string (*@len bytes). */
static char *decode_string(const char *s, size_t n, size_t *len)
{
    if (n < 2 || s[0] != '"')
        return NULL;
    json_t *j = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    char *out = NULL;
    if (json_is_string(j)) {
        *len = json_string_length(j);
        if ((out = malloc(*len + 1))) {
            memcpy(out, json_string_value(j), *len);
            out[*len] = '\0';
        }
    }
    json_decref(j);
    return out;
}

/* The value text @s (@n bytes) in @form into @v, what it allocates in *@owned. */
static int read_form(trail_json_form form, const char *s, size_t n, trail_value *v, char **owned)
{
    char num[64];
    char *end;
    size_t len;
    *v = (trail_value){ .type = TRAIL_V_NULL };
    if (n == 4 && memcmp(s, "null", 4) == 0)
        return TRAIL_OK;
    switch (form) {
    case TRAIL_JSON_FORM_BOOL:
        if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
            *v = (trail_value){ .type = TRAIL_V_BOOL, .i = n == 4 };
            return TRAIL_OK;
        }
        return TRAIL_EINVALID;
    case TRAIL_JSON_FORM_INT:
    case TRAIL_JSON_FORM_DOUBLE:
        if (n >= sizeof num)
            return TRAIL_EINVALID;
        memcpy(num, s, n);
        num[n] = '\0';
        errno = 0;
        if (form == TRAIL_JSON_FORM_INT)
            *v = (trail_value){ .type = TRAIL_V_INT, .i = strtoll(num, &end, 10) };
        else
            *v = (trail_value){ .type = TRAIL_V_DOUBLE, .d = strtod(num, &end) };
        return *end || errno ? TRAIL_EINVALID : TRAIL_OK;
    case TRAIL_JSON_FORM_JSON:
        *v = (trail_value){ .type = TRAIL_V_JSON, .s = s, .n = n };
        return TRAIL_OK;
    case TRAIL_JSON_FORM_REDACTED:
    case TRAIL_JSON_FORM_COUNT:
        return TRAIL_EINVALID;
    default:
        break;
    }
    /* The forms spelled as strings. */
    if (!(*owned = decode_string(s, n, &len)))
        return s[0] == '"' ? TRAIL_ENOMEM : TRAIL_EINVALID;
    if (form == TRAIL_JSON_FORM_STRING) {
        *v = (trail_value){ .type = TRAIL_V_TEXT, .s = *owned, .n = len };
        return TRAIL_OK;
    }
    if (form == TRAIL_JSON_FORM_DATE) {
        int32_t days;
        if (trail__isotime_parse_date(&days, *owned, len) < 0)
            return TRAIL_EINVALID;
        *v = (trail_value){ .type = TRAIL_V_DATE, .i = days };
        return TRAIL_OK;
    }
    if (form == TRAIL_JSON_FORM_TIMESTAMP) {
        int64_t ms;
        if (trail__isotime_parse_ms(&ms, *owned, len) < 0)
            return TRAIL_EINVALID;
        *v = (trail_value){ .type = TRAIL_V_TIMESTAMP, .i = ms };
        return TRAIL_OK;
    }
    /* base64 */
    char *bytes = malloc(trail__base64_decoded_max(len) + 1);
    size_t got = 0;
    if (!bytes)
        return TRAIL_ENOMEM;
    if (trail__base64_decode(bytes, &got, *owned, len) < 0) {
        free(bytes);
        return TRAIL_EINVALID;
    }
    free(*owned);
    *owned = bytes;
    *v = (trail_value){ .type = TRAIL_V_BLOB, .s = bytes, .n = got };
    return TRAIL_OK;
}

/* Member @key (@klen bytes) with value text @val (@vlen bytes) into its place in @out. */
static int member(trail_conn *db, const trail_entity *e, const char *key, size_t klen,
                  const char *val, size_t vlen, trail__row_values *out)
{
    size_t k = 0;
    const char *name;
    trail_json_form form;
    size_t members = (size_t)e->n_fields + 2;
    for (; k < members; k++)
        if (trail__json_form_member(e, k, &name, &form) && strlen(name) == klen &&
            memcmp(name, key, klen) == 0)
            break;
    if (k == members || form == TRAIL_JSON_FORM_REDACTED)
        return TRAIL_OK;
    int rc = read_form(form, val, vlen, &out->row.v[k], &out->owned[k]);
    if (rc == TRAIL_EINVALID)
        return trail__err_set(&db->err, rc, "%s.%s: the event's value %.*s is not of its type",
                              e->name, name, (int)(vlen > 60 ? 60 : vlen), val);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    if (k >= 2)
        out->set[k - 2] = true;
    return TRAIL_OK;
}

int trail__row_values_parse(trail_conn *db, const trail_entity *e, const char *json, size_t n,
                            trail__row_values *out)
{
    const char *p = json, *end = json + n;
    p = skip_ws(p, end);
    if (p == end || *p != '{')
        goto bad;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return TRAIL_OK;
    for (;;) {
        if (p >= end || *p != '"')
            goto bad;
        const char *key = p + 1, *key_end = skip_string(p, end);
        if (!key_end)
            goto bad;
        p = skip_ws(key_end, end);
        if (p >= end || *p != ':')
            goto bad;
        const char *val = skip_ws(p + 1, end), *val_end = skip_value(val, end);
        if (!val_end)
            goto bad;
        int rc = member(db, e, key, (size_t)(key_end - 1 - key), val, (size_t)(val_end - val), out);
        if (rc < 0)
            return rc;
        p = skip_ws(val_end, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return TRAIL_OK;
        goto bad;
    }
bad:
    return trail__err_set(&db->err, TRAIL_EINVALID, "%s: the event's new_values is not an object",
                          e->name);
}

int trail__row_values_fill(trail_conn *db, const trail_entity *e, trail__row_values *out)
{
    static const trail_vtype zero_types[] = {
        [TRAIL_TYPE_BOOL] = TRAIL_V_BOOL, [TRAIL_TYPE_INT32] = TRAIL_V_INT,
        [TRAIL_TYPE_INT64] = TRAIL_V_INT, [TRAIL_TYPE_DOUBLE] = TRAIL_V_DOUBLE,
        [TRAIL_TYPE_TEXT] = TRAIL_V_TEXT, [TRAIL_TYPE_BLOB] = TRAIL_V_BLOB,
        [TRAIL_TYPE_DATE] = TRAIL_V_DATE, [TRAIL_TYPE_TIMESTAMP] = TRAIL_V_TIMESTAMP,
        [TRAIL_TYPE_JSON] = TRAIL_V_JSON, [TRAIL_TYPE_ENUM] = TRAIL_V_TEXT,
        [TRAIL_TYPE_REF] = TRAIL_V_TEXT,
    };
    for (size_t i = 0; i < e->n_fields; i++) {
        const trail_field *f = &e->fields[i];
        trail_value *v = &out->row.v[i + 2];
        /*
         * A default or NULL comes from the table (its DDL), as for a row
         * migrate adds the field to. The description holds every field's
         * default as event JSON: null for none, and "[redacted]" for a
         * redacted field's, whatever it is (audit/model.c).
         */
        bool has_default = (f->flags & TRAIL_FIELD_DEFAULT) && !(f->flags & TRAIL_FIELD_REDACT) &&
                           strcmp(f->def.s, "null") != 0;
        if (out->set[i] || has_default || (f->flags & TRAIL_FIELD_NULLABLE))
            continue;
        if (f->type == TRAIL_TYPE_REF || f->type == TRAIL_TYPE_ENUM)
            return trail__err_set(&db->err, TRAIL_EINVALID,
                                  "%s.%s: not in events, and without a default or null: a "
                                  "replicated row cannot be given one",
                                  e->name, f->name);
        *v = (trail_value){ .type = zero_types[f->type], .s = "", .n = 0 };
        if (f->type == TRAIL_TYPE_JSON)
            *v = (trail_value){ .type = TRAIL_V_JSON, .s = "null", .n = 4 };
        out->set[i] = true;
    }
    return TRAIL_OK;
}

void trail__row_values_free(trail__row_values *v)
{
    for (size_t i = 0; i < TRAIL_MAX_FIELDS + 2; i++)
        free(v->owned[i]);
    memset(v, 0, sizeof *v);
}
