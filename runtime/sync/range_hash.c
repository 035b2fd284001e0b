/*
 * sync/range_hash.c - a table's key ranges, read and hashed (range_hash.h).
 *
 * The statements are built once per entity and kept by the connection
 * (sync/texts.h), so that each is prepared once however many ranges are
 * read. Only ULID keys are read here: every replicated entity has one.
 */
#include "sync/range_hash.h"
#include "audit/json_form.h"
#include "audit/values.h"
#include "core/json_exact.h"
#include "sync/texts.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

void trail__range_sum_add(trail__range_sum *s, const unsigned char digest[32])
{
    unsigned carry = 0;
    for (int limb = 3; limb >= 0; limb--) {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++)
            x = x << 8 | digest[limb * 8 + i];
        uint64_t sum = s->h[limb] + x;
        unsigned c = sum < x;
        sum += carry;
        c |= carry && sum == 0;
        s->h[limb] = sum;
        carry = c;
    }
    s->count++;
}

bool trail__range_sum_equal(const trail__range_sum *a, const trail__range_sum *b)
{
    return a->count == b->count && memcmp(a->h, b->h, sizeof a->h) == 0;
}

/* SELECT id, version, fields (or count(*)) FROM table WHERE id >= ? [AND id < ?] [ORDER BY id]. */
static char *range_sql(const trail_conn *db, const trail_entity *e, bool count, bool bounded)
{
    const trail_dialect *d = db->drv->dialect;
    trail_buf out = TRAIL_BUF_INIT;
    trail__buf_append_str(&out, "SELECT ");
    if (count) {
        trail__buf_append_str(&out, "COUNT(*)");
    } else {
        trail__dialect_quote(&out, d, "id");
        trail__buf_append_str(&out, ", ");
        trail__dialect_quote(&out, d, "version");
        for (size_t i = 0; i < e->n_fields; i++) {
            trail__buf_append_str(&out, ", ");
            trail__dialect_quote(&out, d, e->fields[i].name);
        }
    }
    trail__buf_append_str(&out, " FROM ");
    trail__dialect_quote(&out, d, e->table);
    trail__buf_append_str(&out, " WHERE ");
    trail__dialect_quote(&out, d, "id");
    trail__buf_append_str(&out, " >= ");
    trail__dialect_param(&out, d, 1);
    if (bounded) {
        trail__buf_append_str(&out, " AND ");
        trail__dialect_quote(&out, d, "id");
        trail__buf_append_str(&out, " < ");
        trail__dialect_param(&out, d, 2);
    }
    if (!count) {
        trail__buf_append_str(&out, " ORDER BY ");
        trail__dialect_quote(&out, d, "id");
    }
    return trail__buf_finish(&out);
}

int trail__range_reader_init(trail__range_reader *r, trail_conn *db, const trail_entity *e,
                             int64_t *rows_read)
{
    *r = (trail__range_reader){ .db = db, .e = e, .rows_read = rows_read };
    for (size_t i = 0; i < e->n_fields; i++)
        if (e->fields[i].type == TRAIL_TYPE_JSON && trail__json_form_audited(&e->fields[i]) &&
            trail__json_form_of_field(&e->fields[i]) == TRAIL_JSON_FORM_JSON)
            r->has_json = true;
    int rc = TRAIL_OK;
    for (int bounded = 0; bounded < 2 && rc == TRAIL_OK; bounded++) {
        rc = trail__sync_text(db, range_sql(db, e, false, bounded), &r->rows[bounded]);
        if (rc == TRAIL_OK)
            rc = trail__sync_text(db, range_sql(db, e, true, bounded), &r->count[bounded]);
    }
    if (rc < 0)
        return rc;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    r->md_ctx = ctx;
    r->md = md;
    if (!ctx || !md)
        return trail__err_set(&db->err, TRAIL_ENOMEM, "cannot set up SHA-256");
    return TRAIL_OK;
}

void trail__range_reader_free(trail__range_reader *r)
{
    EVP_MD_CTX_free(r->md_ctx);
    EVP_MD_free(r->md);
    trail__buf_free(&r->canon);
    trail__buf_free(&r->values);
    trail__buf_free(&r->scratch);
    trail__buf_free(&r->key);
    *r = (trail__range_reader){ 0 };
}

static int bounds(const char *lo, const char *hi, trail_value p[2])
{
    p[0] = trail_v_text(lo ? lo : "");
    p[1] = trail_v_text(hi);
    return hi ? 2 : 1;
}

int trail__range_count(trail__range_reader *r, const char *lo, const char *hi, int64_t *out)
{
    trail_value p[2];
    int n = bounds(lo, hi, p);
    *out = 0;
    return trail__conn_query_int(r->db, r->count[n - 1], p, (size_t)n, out);
}

/*
 * A json field's value @v in one spelling at the end of @w: numbers by
 * their exact values and strings told from them (json_exact.h), keys
 * sorted, no whitespace. Text that does not read as JSON (edited behind
 * trail's back) is taken as it is stored.
 */
static int canonical_json(trail__range_reader *r, trail_json *w, const trail_value *v)
{
    trail__buf_reset(&r->scratch);
    json_t *j = NULL;
    if (trail__json_exact(&r->scratch, v->s, v->n, NULL, NULL) == TRAIL_OK)
        j = json_loadb(r->scratch.data, r->scratch.len, JSON_DECODE_ANY, NULL);
    char *text =
        j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_ESCAPE_SLASH)
          : NULL;
    json_decref(j);
    if (j && !text)
        return TRAIL_ENOMEM;
    if (text)
        trail__json_raw(w, text, strlen(text));
    else
        trail__json_string(w, v->s, v->n);
    free(text);
    return TRAIL_OK;
}

/* The canonical form of @row (range_hash.h) into r->canon. */
static int canonical(trail__range_reader *r, const trail_row *row)
{
    trail__buf_reset(&r->canon);
    if (!r->has_json)
        return trail__values_json(&r->canon, r->e, row);
    trail_json w;
    trail__json_init(&w, &r->canon);
    trail__json_begin_object(&w);
    for (size_t k = 0; k < r->e->n_fields + 2; k++) {
        const char *key;
        trail_json_form form;
        if (!trail__json_form_member(r->e, k, &key, &form))
            continue;
        trail__json_key(&w, key);
        if (form == TRAIL_JSON_FORM_JSON && row->v[k].type != TRAIL_V_NULL) {
            if (canonical_json(r, &w, &row->v[k]) < 0)
                return TRAIL_ENOMEM;
        } else {
            trail__json_form_write(&w, form, &row->v[k]);
        }
    }
    trail__json_end_object(&w);
    return trail__json_finish(&w);
}

/*
 * A row whose values no event could hold (text that is not UTF-8, written
 * behind trail's back): TRAIL_EDB naming it, as trail verify would.
 */
static int not_json(trail_conn *db, const trail_entity *e, const char *key, int rc)
{
    if (rc == TRAIL_ENOMEM)
        return trail__err_set(&db->err, rc, "out of memory");
    return trail__err_set(&db->err, TRAIL_EDB,
                          "%s %s: its values do not make event JSON (text that is not UTF-8?): "
                          "it was written behind trail's back",
                          e->table, key);
}

static int range_row(trail_conn *db, void *row, void *userdata)
{
    trail__range_reader *r = userdata;
    trail_row values;
    int rc = trail__values_read(db, r->e, row, &values);
    if (rc < 0)
        return rc;
    if (values.v[0].type != TRAIL_V_TEXT)
        return trail__err_set(&db->err, TRAIL_EDB, "%s: a row without an id", r->e->table);
    ++*r->rows_read;
    trail__buf_reset(&r->key);
    if ((rc = trail__buf_append(&r->key, values.v[0].s, values.v[0].n)) < 0)
        return trail__err_set(&db->err, rc, "out of memory");
    const char *key = r->key.data;
    trail__range_row out = { .key = key, .version = values.v[1].i };
    if ((rc = canonical(r, &values)) < 0)
        return not_json(db, r->e, key, rc);
    out.canonical = r->canon.data;
    if (EVP_DigestInit_ex(r->md_ctx, r->md, NULL) != 1 ||
        EVP_DigestUpdate(r->md_ctx, r->canon.data, r->canon.len) != 1 ||
        EVP_DigestFinal_ex(r->md_ctx, out.digest, NULL) != 1) {
        return trail__err_set(&db->err, TRAIL_ENOMEM, "SHA-256 failed");
    }
    if (r->want_values) {
        trail__buf_reset(&r->values);
        if ((rc = trail__values_json(&r->values, r->e, &values)) < 0)
            return not_json(db, r->e, key, rc);
        out.values = r->values.data;
    }
    return r->cb(r->userdata, &out);
}

int trail__range_rows(trail__range_reader *r, const char *lo, const char *hi, bool want_values,
                      trail__range_row_cb cb, void *userdata)
{
    trail_value p[2];
    int n = bounds(lo, hi, p);
    r->cb = cb;
    r->userdata = userdata;
    r->want_values = want_values;
    return r->db->drv->query(r->db, r->rows[n - 1], p, (size_t)n, range_row, r, NULL);
}
