/*
 * event.c - change events: stamping and hashing.
 */
#include "audit/event.h"
#include "audit/event_columns.h"
#include "core/context.h"
#include "core/json.h"
#include "driver/sql.h"

#include <stdlib.h>
#include <string.h>

/* The context's columns are core/context.h's, in its order: stamped by its index. */
_Static_assert(TRAIL_EV_ip - TRAIL_EV_user_id + 1 == TRAIL_CTX_COLUMNS,
               "the event's context columns are not those of core/context.h");

/* Whether the hash covers each column (event_columns.h). */
#define HASHED(n, name, value, kind, null, fill, hash) TRAIL_EVENT_##hash,
static const bool event_hashed[TRAIL_EVENT_COLUMNS] = { TRAIL_EVENT_COLUMN_TABLE(HASHED, ) };
#undef HASHED

int trail__row_message(trail_buf *out, const trail_value *cols, const bool *hashed, size_t n)
{
    trail_json w;
    trail__json_init(&w, out);
    trail__json_begin_array(&w);
    for (size_t i = 0; i < n; i++) {
        const trail_value *v = &cols[i];
        if (!hashed[i])
            continue;
        if (v->type == TRAIL_V_NULL)
            trail__json_null(&w);
        else if (v->type == TRAIL_V_JSON)
            trail__json_raw(&w, v->s, v->n);
        else if (v->type == TRAIL_V_TEXT)
            trail__json_string(&w, v->s, v->n);
        else
            trail__json_int64(&w, v->i);
    }
    trail__json_end_array(&w);
    return trail__json_finish(&w);
}

int trail__event_message(trail_buf *out, const trail_value *cols)
{
    return trail__row_message(out, cols, event_hashed, TRAIL_EVENT_COLUMNS);
}

int trail__event_hash(char out[TRAIL_SHA256_HEX_LEN + 1], const trail_value *cols)
{
    trail_buf text = TRAIL_BUF_INIT;
    int rc = trail__event_message(&text, cols);
    if (rc == TRAIL_OK)
        rc = trail__sha256_hex(out, text.data, text.len);
    trail__buf_free(&text);
    return rc;
}

/* JSON text to bind, or NULL. */
static trail_value json_value(const char *json)
{
    trail_value v = trail_v_text(json);
    if (json)
        v.type = TRAIL_V_JSON;
    return v;
}

int trail__event_stamp(trail_conn *db, const trail_event *ev, char event_id[TRAIL_ULID_LEN + 1],
                       trail_value cols[TRAIL_EVENT_COLUMNS])
{
    if (!db->lane.open)
        return trail__err_set(&db->err, TRAIL_EDB, "the connection has no lane to write in");
    int64_t hlc = trail_hlc_now(db->clock);
    trail_ulid id;
    int rc = trail_ulid_next(db->ids, TRAIL_HLC_MS(hlc), &id);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "cannot make an event id");
    trail_ulid_format(event_id, &id);
    trail_value stamped[TRAIL_EVENT_COLUMNS] = {
        [TRAIL_EV_event_id] = trail_v_text(event_id),
        [TRAIL_EV_hlc] = trail_v_int(hlc),
        [TRAIL_EV_node_id] = trail_v_text(db->node_id),
        [TRAIL_EV_lane_id] = trail_v_text(db->lane.id),
        [TRAIL_EV_seq] = trail_v_int(db->lane.seq + 1),
        [TRAIL_EV_tx_id] = trail_v_text(db->tx_id),
        [TRAIL_EV_table_name] = trail_v_text(ev->table),
        [TRAIL_EV_record_id] = trail_v_text(ev->record_id),
        [TRAIL_EV_op] = trail_v_text(ev->op),
        [TRAIL_EV_version] = trail_v_int(ev->version),
        [TRAIL_EV_old_values] = json_value(ev->old_values),
        [TRAIL_EV_new_values] = json_value(ev->new_values),
        [TRAIL_EV_changed] = json_value(ev->changed),
        [TRAIL_EV_schema_version] = trail_v_int(ev->schema_version),
        [TRAIL_EV_created_at] = trail_v_int(trail__conn_wall_ms(db)),
        [TRAIL_EV_prev_hash] = trail_v_text(db->lane.hash),
    };
    for (size_t i = 0; i < TRAIL_CTX_COLUMNS; i++)
        stamped[TRAIL_EV_user_id + i] = trail_v_text(trail__ctx_value(ev->ctx, i));
    memcpy(cols, stamped, sizeof stamped);
    return TRAIL_OK;
}

int trail__event_seal(trail_value cols[TRAIL_EVENT_COLUMNS], char hash[TRAIL_SHA256_HEX_LEN + 1])
{
    int rc = trail__event_hash(hash, cols);
    if (rc == TRAIL_OK)
        cols[TRAIL_EV_hash] = trail_v_text(hash);
    return rc;
}
