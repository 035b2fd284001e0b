/*
 * values.h - moving a record between its C structs, bound values, rows and
 * event JSON, guided by its trail_entity: internal to libtrail.
 *
 * A row's values are always id, version, then the fields in schema order,
 * the order of every generated statement's columns.
 */
#ifndef TRAIL_VALUES_H
#define TRAIL_VALUES_H

#include "core/buf.h"
#include "driver/driver.h"
#include "core/json.h"

/* Most fields an entity may have (the `set` masks are 64 bits). */
#define TRAIL_MAX_FIELDS 64

/* The values of one row; text and blobs are borrowed from a struct or a descriptor. */
typedef struct trail_row {
    trail_value v[TRAIL_MAX_FIELDS + 2];
    char id_text[24]; /* an int64 key as text, for record_id */
} trail_row;

/* Which of an entity's structs a pointer is. */
typedef enum trail_struct_kind {
    TRAIL_STRUCT_RECORD,
    TRAIL_STRUCT_CREATE,
    TRAIL_STRUCT_UPDATE
} trail_struct_kind;

/* trail__values_of_member - the value of a lone member of field @f's C type at @member. */
trail_value trail__values_of_member(const trail_field *f, const void *member);

/* trail__values_of_record - @row from a record struct (borrowing its memory). */
void trail__values_of_record(trail_row *row, const trail_entity *e, const void *rec);

/*
 * trail__values_of_create - @row's fields from create params, exactly as they
 * hold them. TRAIL_EARG (with a message naming the macro or the field) for
 * params that did not start from their _CREATE_INIT, or that hold what cannot
 * be stored as written (trail_record_create()).
 */
int trail__values_of_create(trail_conn *db, trail_row *row, const trail_entity *e,
                            const void *params);

/*
 * trail__values_check_update - TRAIL_EARG (with a message) for update params
 * whose `set` names no field, or whose fields in `set` hold what cannot be
 * stored as written (trail_record_update()).
 */
int trail__values_check_update(trail_conn *db, const trail_entity *e, const void *params);

/* trail__values_apply_update - overlay the fields in the update params' `set` on @row. */
void trail__values_apply_update(trail_row *row, const trail_entity *e, const void *params);

/* trail__values_check - every field of @row against the schema's rules; TRAIL_EINVALID names the
 * first broken one. */
int trail__values_check(trail_conn *db, const trail_entity *e, const trail_row *row);

/* trail__values_check_set - as trail__values_check(), for the fields of @mask only. */
int trail__values_check_set(trail_conn *db, const trail_entity *e, const trail_row *row,
                            uint64_t mask);

/*
 * trail__values_check_range - a date or timestamp value @v of field @f within
 * TRAIL_DATE_MIN..MAX or TRAIL_TIMESTAMP_MIN..MAX (trail/record.h);
 * TRAIL_EINVALID naming the field and the range otherwise. Other values pass.
 */
int trail__values_check_range(trail_conn *db, const trail_entity *e, const trail_field *f,
                              const trail_value *v);

/* trail__values_equal - whether two values are the same. */
bool trail__values_equal(const trail_value *a, const trail_value *b);

/*
 * trail__values_default_json - the value a row gets for field @f when migrate
 * adds the field to its table (its default, or null), as event JSON.
 */
void trail__values_default_json(trail_json *w, const trail_field *f);

/* trail__values_json - @row as the event JSON object (redacted and omitted fields applied). */
int trail__values_json(trail_buf *out, const trail_entity *e, const trail_row *row);

/*
 * trail__values_old_json - an event's old_values: of an update (@new_row
 * given), the object of the audited fields whose values differ between
 * @old and @new_row, with their old values; of a delete, @old whole.
 */
int trail__values_old_json(trail_buf *out, const trail_entity *e, const trail_row *old,
                           const trail_row *new_row);

/*
 * trail__values_changed_json - the JSON array of the names of audited fields
 * that differ between @old and @new (either may be NULL: then every audited
 * field counts). Returns how many in *@count.
 */
int trail__values_changed_json(trail_buf *out, const trail_entity *e, const trail_row *old,
                               const trail_row *new_row, size_t *count);

/*
 * trail__values_store - copy @row into the zeroed record struct @rec, which
 * then owns its strings and blobs. On failure @rec is cleared. Returns
 * TRAIL_OK, TRAIL_ENOMEM or TRAIL_EDB (a stored enum text it does not know).
 */
int trail__values_store(trail_conn *db, const trail_entity *e, const trail_row *row, void *rec);

/*
 * trail__values_read - read a row's columns (id, version, fields) into @values,
 * which borrow the driver's memory until the next row. Returns TRAIL_OK or
 * TRAIL_EDB (a column that does not convert).
 */
int trail__values_read(trail_conn *db, const trail_entity *e, void *row, trail_row *values);

/*
 * trail__values_load - read a row's columns (id, version, fields) into the
 * zeroed record struct @rec, which then owns copies. On failure @rec is
 * cleared. Returns TRAIL_OK, TRAIL_ENOMEM or TRAIL_EDB.
 */
int trail__values_load(trail_conn *db, const trail_entity *e, void *row, void *rec);

/*
 * trail__values_clear - free what the record @rec of @e owns and zero it;
 * NULL for either does nothing (trail_record_clear()).
 */
void trail__values_clear(const trail_entity *e, void *rec);

/* trail__values_free_record - clear and free a record made with calloc(). */
void trail__values_free_record(const trail_entity *e, void *rec);

/*
 * trail__values_give_record - hand the record @rec (from calloc()) to the
 * caller's @out, freeing what @out held; or free it when @out is NULL.
 */
void trail__values_give_record(const trail_entity *e, void *rec, void *out);

#endif /* TRAIL_VALUES_H */
