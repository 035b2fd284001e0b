/*
 * event_sql.c - event JSON in SQL: the members and changed arrays of
 * json_form.h, spelled by a driver's trail_event_sql.
 */
#include "audit/event_sql.h"

#include <string.h>

/* What the placeholders of a template stand for: templates themselves ({j}, {v}) or names. */
typedef struct fill_vars {
    const char *j, *v; /* templates, filled with these same vars */
    const char *k, *c, *r;
} fill_vars;

/* Appends template @t with its placeholders replaced. */
static void fill(trail_buf *b, const char *t, const fill_vars *vars)
{
    for (const char *open; (open = strchr(t, '{'));) {
        trail__buf_append(b, t, (size_t)(open - t));
        const char *tmpl = NULL, *name = NULL;
        if (open[1] && open[2] == '}') {
            switch (open[1]) {
            case 'j':
                tmpl = vars->j;
                break;
            case 'v':
                tmpl = vars->v;
                break;
            case 'k':
                name = vars->k;
                break;
            case 'c':
                name = vars->c;
                break;
            case 'r':
                name = vars->r;
                break;
            default:
                break;
            }
        }
        if (tmpl)
            fill(b, tmpl, vars);
        else if (name)
            trail__buf_append_str(b, name);
        else {
            trail__buf_append(b, "{", 1);
            t = open + 1;
            continue;
        }
        t = open + 3;
    }
    trail__buf_append_str(b, t);
}

void trail__event_sql_object(trail_buf *b, const trail_event_sql *d, const trail_entity *e,
                             const char *row)
{
    trail__buf_append_str(b, d->object_begin);
    const char *sep = "";
    for (size_t k = 0; k < e->n_fields + 2; k++) {
        fill_vars vars = { .j = NULL, .v = d->column, .r = row };
        trail_json_form form;
        if (!trail__json_form_member(e, k, &vars.k, &form))
            continue;
        vars.c = vars.k; /* a member's key is its column's name */
        vars.j = d->form[form];
        trail__buf_append_str(b, sep);
        fill(b, d->member, &vars);
        sep = d->member_sep;
    }
    trail__buf_append_str(b, d->object_end);
}

void trail__event_sql_object_moved(trail_buf *b, const trail_event_sql *d, const trail_entity *e,
                                   const char *row, trail_event_sql_moved *moved)
{
    /* As trail__event_sql_changed(): a NULL first, and CONCAT_WS() skips the members not moved. */
    trail__buf_append_str(b, "CONCAT('{', CONCAT_WS(',', NULL");
    for (size_t i = 0; i < e->n_fields; i++) {
        fill_vars vars = { .j = NULL, .v = d->column, .r = row };
        trail_json_form form;
        if (!trail__json_form_member(e, i + 2, &vars.k, &form))
            continue;
        vars.c = vars.k;
        vars.j = d->form[form];
        trail__buf_append_str(b, ", CASE WHEN ");
        moved(b, e, i);
        trail__buf_append_str(b, " THEN ");
        fill(b, d->member_text, &vars);
        trail__buf_append_str(b, " END");
    }
    trail__buf_append_str(b, "), '}')");
}

void trail__event_sql_changed_all(trail_buf *b, const trail_entity *e)
{
    trail__buf_append_str(b, "'[");
    const char *sep = "";
    for (size_t i = 0; i < e->n_fields; i++)
        if (trail__json_form_audited(&e->fields[i])) {
            trail__buf_appendf(b, "%s\"%s\"", sep, e->fields[i].name);
            sep = ",";
        }
    trail__buf_append_str(b, "]'");
}

void trail__event_sql_changed(trail_buf *b, const trail_entity *e, trail_event_sql_moved *moved)
{
    /* A NULL first: CONCAT_WS() wants one value at least, and skips NULLs. */
    trail__buf_append_str(b, "CONCAT('[', CONCAT_WS(',', NULL");
    for (size_t i = 0; i < e->n_fields; i++) {
        if (!trail__json_form_audited(&e->fields[i]))
            continue;
        trail__buf_append_str(b, ", CASE WHEN ");
        moved(b, e, i);
        trail__buf_appendf(b, " THEN '\"%s\"' END", e->fields[i].name);
    }
    trail__buf_append_str(b, "), ']')");
}
