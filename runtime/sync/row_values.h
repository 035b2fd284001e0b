/*
 * sync/row_values.h - an event's new_values back into column values, the
 * reverse of each type's JSON form (audit/json_form.h, docs/values.md):
 * internal to libtrail.
 */
#ifndef TRAIL_SYNC_ROW_VALUES_H
#define TRAIL_SYNC_ROW_VALUES_H

#include "audit/values.h"
#include "driver/driver.h"

/*
 * The values read from one new_values object: row->v[0] the key, v[1] the
 * version, v[2 + i] field i; set[i] says whether field i was given (an
 * omitted or redacted field is not). Decoded text and bytes are owned here.
 */
typedef struct trail__row_values {
    trail_row row;
    bool set[TRAIL_MAX_FIELDS];
    char *owned[TRAIL_MAX_FIELDS + 2];
} trail__row_values;

/*
 * trail__row_values_parse - read the @n bytes of new_values at @json as a
 * row of @e into the zeroed @out: each member by its field's JSON form,
 * members no field has ignored (a field a later schema dropped). TRAIL_OK;
 * TRAIL_EINVALID with db's error naming the field when a value is not of
 * its form; TRAIL_ENOMEM. @out is freed with trail__row_values_free() in
 * every case.
 */
int trail__row_values_parse(trail_conn *db, const trail_entity *e, const char *json, size_t n,
                            trail__row_values *out);

/*
 * trail__row_values_fill - give every field @out lacks that has neither
 * a default nor NULL (which the table gives a row inserted without it) its
 * type's zero ("", 0, false): the fields events do not carry
 * (docs/replication.md, "Fields kept out of events"). TRAIL_EINVALID for
 * an enum or a ref, which have no zero.
 */
int trail__row_values_fill(trail_conn *db, const trail_entity *e, trail__row_values *out);

void trail__row_values_free(trail__row_values *v);

#endif
