/*
 * weigh_mysql.c - what a statement and an audited write weigh against
 * MariaDB's max_allowed_packet (db->max_packet, read at connect).
 *
 * The server takes at most that many bytes in a statement, in a string it
 * builds and in a row it sends. A write's own values weigh in the
 * statement, and in the event's hashed message that the server builds,
 * which holds the row's JSON, an update's twice (before and after). The
 * client knows all of a create's values, an update's new ones, none of a
 * delete's; what only the server knows, the server checks (write_mysql.c),
 * after the client refused, before sending, what it can already tell will
 * not fit.
 */
#include "driver/mysql/weigh_mysql.h"
#include "audit/json_form.h"
#include "audit/update_sql.h"
#include "audit/values.h"
#include "audit/write_sql.h"
#include "core/base64.h"
#include "core/json.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* What a write's own values weigh, in the statement and in the event. */
typedef struct weight {
    uint64_t sent, event; /* bytes */
    size_t heaviest;      /* the field that weighs most; SIZE_MAX for none */
    uint64_t heaviest_bytes;
} weight;

/* What the event's hashed message holds besides the parameters and the fields weighed. */
#define EVENT_FIXED 512

/*
 * Field @i of @e as a member of the event JSON with value @v, a comma and
 * its name in `changed` with it; which fields are members, and which are
 * redacted, is json_form.h's to say.
 */
static uint64_t member_bytes(const trail_entity *e, size_t i, const trail_value *v)
{
    const char *key;
    trail_json_form form;
    if (!trail__json_form_member(e, i + 2, &key, &form))
        return 0;
    uint64_t name = strlen(key) + 3, member = name + 1;
    if (form == TRAIL_JSON_FORM_REDACTED)
        return name + member + 12;
    switch (v->type) {
    case TRAIL_V_NULL:
        return name + member + 4;
    case TRAIL_V_TEXT:
        return name + member + trail__json_string_len(v->s, v->n);
    case TRAIL_V_JSON:
        return name + member + v->n;
    case TRAIL_V_BLOB:
        return name + member + 2 + trail__base64_encoded_len(v->n);
    default: /* a number, a date or a timestamp */
        return name + member + 32;
    }
}

/*
 * The bytes of parameter @v in COM_STMT_EXECUTE, as conn_mysql.c binds it:
 * text, JSON and blobs after a length of up to 9 bytes, a MYSQL_TIME in up
 * to 12, NULL none (the NULL bitmap says it).
 */
static uint64_t sent_bytes(const trail_value *v)
{
    switch (v->type) {
    case TRAIL_V_NULL:
        return 0;
    case TRAIL_V_TEXT:
    case TRAIL_V_JSON:
    case TRAIL_V_BLOB:
        return 9 + (uint64_t)v->n;
    default:
        return 12;
    }
}

uint64_t trail__mysql_statement_bytes(const trail_value *params, size_t n)
{
    /* COM_STMT_EXECUTE's header, the NULL bitmap and the types, then the values. */
    uint64_t bytes = 16 + (n + 7) / 8 + 2 * (uint64_t)n;
    for (size_t i = 0; i < n; i++)
        bytes += sent_bytes(&params[i]);
    return bytes;
}

/* The weight of the fields of @mask, whose values are @row's. */
static void weigh(const trail_entity *e, const trail_row *row, uint64_t mask, weight *w)
{
    *w = (weight){ .heaviest = SIZE_MAX };
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!(mask >> i & 1))
            continue;
        const trail_value *v = &row->v[i + 2];
        uint64_t event = member_bytes(e, i, v), sent = sent_bytes(v);
        w->event += event;
        w->sent += sent;
        if (event > w->heaviest_bytes || sent > w->heaviest_bytes) {
            w->heaviest = i;
            w->heaviest_bytes = event > sent ? event : sent;
        }
    }
}

int trail__mysql_write_fits(trail_conn *db, const trail_write_op *wr, const trail_value *p)
{
    if (!db->max_packet)
        return TRAIL_OK;
    const trail_entity *e = wr->e;
    uint64_t mask = wr->kind == TRAIL_WRITE_CREATE   ? UINT64_MAX
                    : wr->kind == TRAIL_WRITE_UPDATE ? wr->mask
                                                     : 0;
    weight w;
    weigh(e, wr->row, mask, &w);
    uint64_t params = 0;
    for (int i = 0; i < TRAIL_WP_ROW; i++)
        params += sent_bytes(&p[i]);
    uint64_t event = params + w.event + EVENT_FIXED + TRAIL_EVENT_ROOM;
    uint64_t sent = params + w.sent + EVENT_FIXED;
    if (event <= db->max_packet && sent <= db->max_packet)
        return TRAIL_OK;
    bool named = w.heaviest != SIZE_MAX;
    return trail__err_set(
        &db->err, TRAIL_EINVALID,
        "%s%s%s: too large for MariaDB: its %s would take %llu bytes, more than the "
        "max_allowed_packet of %llu bytes",
        e->name, named ? "." : "", named ? e->fields[w.heaviest].name : "",
        event > sent ? "change event" : "statement",
        (unsigned long long)(event > sent ? event : sent), (unsigned long long)db->max_packet);
}
