/*
 * event_sql.h - an event's old_values, new_values and changed in SQL, for a
 * driver whose server builds its events itself: internal to libtrail.
 *
 * Such a driver (write_pg.c, write_mysql.c) gives, in its own folder, a
 * trail_event_sql: how its SQL spells a value in each JSON form
 * (json_form.h) and how it makes an object. What goes into an event comes
 * from here and from json_form.h alone, as for the C writer (values.c): the
 * members in their order, omitted fields left out, redacted ones
 * "[redacted]", and the changed arrays.
 *
 * Its texts are templates, in which "{v}" stands for a value, "{c}" for a
 * column's name, "{r}" for the row that holds it, "{k}" for an object
 * member's key and "{j}" for the member's JSON. Any other brace is itself.
 */
#ifndef TRAIL_EVENT_SQL_H
#define TRAIL_EVENT_SQL_H

#include "audit/json_form.h"
#include "core/buf.h"
#include "trail/record.h"

#include <stddef.h>

typedef struct trail_event_sql {
    /*
     * Per form, the JSON text of the value {v}, written byte for byte as
     * the form's C writer writes it; NULL, or what object's member makes
     * null, when {v} is NULL.
     */
    const char *form[TRAIL_JSON_FORM_COUNT];
    const char *column;       /* column {c} of row {r} */
    const char *object_begin; /* an object: object_begin, */
    const char *member;       /* each member ({k}: {j}), */
    const char *member_sep;   /* member_sep between two, */
    const char *object_end;   /* then object_end */
    /*
     * One member "{k}":{j} as a text expression, null for NULL: an update's
     * old_values is made of those of the fields that moved (SPEC §4).
     */
    const char *member_text;
} trail_event_sql;

/*
 * trail__event_sql_object - the SQL of the event JSON text of @e's row
 * @row (a name for {r}), as trail__values_json() writes it for the same
 * values. Failures stick in @b.
 */
void trail__event_sql_object(trail_buf *b, const trail_event_sql *d, const trail_entity *e,
                             const char *row);

/* Appends the SQL condition under which field @i of @e moved in an update. */
typedef void trail_event_sql_moved(trail_buf *b, const trail_entity *e, size_t i);

/*
 * trail__event_sql_object_moved - an update's old_values: the SQL of the
 * JSON text of the object of the audited fields of @e's row @row for which
 * @moved's condition holds, as trail__values_old_json() writes it. Failures
 * stick in @b.
 */
void trail__event_sql_object_moved(trail_buf *b, const trail_event_sql *d, const trail_entity *e,
                                   const char *row, trail_event_sql_moved *moved);

/* trail__event_sql_changed_all - a create's or a delete's changed: every audited field's name. */
void trail__event_sql_changed_all(trail_buf *b, const trail_entity *e);

/*
 * trail__event_sql_changed - an update's changed: the JSON array text of
 * the audited fields for which @moved's condition holds, "[]" for none.
 * The same SQL on every engine that has CONCAT() and CONCAT_WS().
 */
void trail__event_sql_changed(trail_buf *b, const trail_entity *e, trail_event_sql_moved *moved);

#endif /* TRAIL_EVENT_SQL_H */
