/*
 * json_form.h - each value type's JSON form in change events, defined once
 * (SPEC §4): internal to libtrail.
 *
 * A form is how a value is spelled in an event's old_values and new_values.
 * json_form.c's table gives each type its form, and each form its C writer:
 * the spelling every engine's events have, byte for byte. A redacted field
 * takes the form REDACTED whatever its type, a reference the form of the key
 * it names; an omitted field is left out. The SQLite driver's events are
 * written by the C writers (values.c); a driver that builds its events in SQL
 * on the server gives, in its own folder, the SQL of each form (a
 * trail_event_sql, event_sql.h), which event_sql.c walks an entity's fields
 * with. A new form is a row here and one in every such driver's table.
 */
#ifndef TRAIL_JSON_FORM_H
#define TRAIL_JSON_FORM_H

#include "core/json.h"
#include "driver/driver.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum trail_json_form {
    TRAIL_JSON_FORM_BOOL,      /* true, false */
    TRAIL_JSON_FORM_INT,       /* the integer in decimal: -9223372036854775808 */
    TRAIL_JSON_FORM_DOUBLE,    /* as trail__json_double(): 0.1, 3.0, 1e+300, 5e-324 */
    TRAIL_JSON_FORM_STRING,    /* a string, escaped as trail__json_string() does */
    TRAIL_JSON_FORM_BASE64,    /* a string of base64, unbroken: "" for no bytes */
    TRAIL_JSON_FORM_DATE,      /* "YYYY-MM-DD" */
    TRAIL_JSON_FORM_TIMESTAMP, /* "YYYY-MM-DDTHH:MM:SS.mmmZ", UTC */
    TRAIL_JSON_FORM_JSON,      /* the JSON value as stored */
    TRAIL_JSON_FORM_REDACTED,  /* "[redacted]", whatever the value, NULL included */
    TRAIL_JSON_FORM_COUNT
} trail_json_form;

/* trail__json_form_of_key - the form of a key of kind @key (and of references to it). */
trail_json_form trail__json_form_of_key(trail_key_kind key);

/* trail__json_form_audited - whether field @f is in events at all (not `audit: omit`). */
bool trail__json_form_audited(const trail_field *f);

/*
 * trail__json_form_of_field - the form of field @f's values in events:
 * REDACTED for `audit: redact`, the named key's for a reference, its
 * type's otherwise.
 */
trail_json_form trail__json_form_of_field(const trail_field *f);

/*
 * trail__json_form_member - member @k of the event JSON of one of @e's rows
 * (0 the id, 1 the version, then the fields in schema order): its key into
 * *@key and its form into *@form. False for a member left out (an omitted
 * field), true otherwise. Members go in this order, and every writer of
 * event JSON, in C or SQL, takes them from here.
 */
bool trail__json_form_member(const trail_entity *e, size_t k, const char **key,
                             trail_json_form *form);

/*
 * trail__json_form_write - @v (a value of the type @form is for, or NULL)
 * in @form: null for NULL, except REDACTED's "[redacted]".
 */
void trail__json_form_write(trail_json *w, trail_json_form form, const trail_value *v);

#endif /* TRAIL_JSON_FORM_H */
