/*
 * log.c - `trail log DB [--table T] [--record ID] [--json]`: the change
 * events, oldest first, as an aligned table or as JSON lines.
 *
 * Both stream: JSON a line per event, the table once its first rows have set
 * the column widths (WIDTH_ROWS), so that memory stays flat however long the
 * history. Text from the database is escaped in both (text.c).
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "cli.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: trail log [--table T] [--record ID] [--json] DB\n"
    "\n"
    "Shows the change events of DB in the order they happened: every insert,\n"
    "update and delete, when (UTC), by whom, and which fields it changed.\n"
    "\n"
    "options:\n"
    "  --table T    only the events of table T\n"
    "  --record ID  only the events of record ID (of table T, or of any table)\n"
    "  --json       one JSON object per line with every column of each event;\n"
    "               old_values, new_values and changed are JSON, not strings\n"
    "  -h, --help   show this help\n"
    "\n"
    "Table columns: time (the event's HLC as ISO 8601 UTC), op, table, record,\n"
    "version (after the change; for a delete, the version deleted), who (the\n"
    "user_id of the change, - when none), changed (the fields it changed; all of\n"
    "them for an insert or a delete). --json shows every column.\n"
    "\n"
    "Text from the database is never printed raw: in the table, control\n"
    "characters show as \\n, \\t, \\xNN or \\uNNNN, bytes that are not UTF-8 as\n"
    "\\xNN, and a backslash as \\\\; in JSON, they are JSON escapes, and bytes\n"
    "that are not UTF-8 become U+FFFD. The table streams: its column widths\n"
    "come from the first 1000 events, and a longer value later pushes the rest\n"
    "of its line to the right.\n"
    "\n"
    "Exit status: 0 success, 1 the events could not be read, 2 a usage error or\n"
    "the database could not be opened.\n";

/* The table's first rows, held to set the column widths; the rest stream. */
#define WIDTH_ROWS 1000

/* What the event callbacks share. */
typedef struct log_state {
    cli_table table;
    int err; /* TRAIL_ENOMEM when a callback stopped the walk */
} log_state;

/* Element @i of the array @a as a field name; "?" when it is not a string. */
static const char *name_at(const json_t *a, size_t i)
{
    const char *s = json_string_value(json_array_get(a, i));
    return s ? s : "?";
}

/*
 * The `changed` array as "a, b, c", or its text as stored when it is not an
 * array (a database edited by hand). The caller frees it; NULL when out of memory.
 */
static char *changed_list(const char *changed)
{
    json_t *a = changed ? json_loads(changed, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        return strdup(changed ? changed : "");
    }
    size_t n = json_array_size(a), len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(name_at(a, i)) + 2;
    char *s = malloc(len), *at = s;
    for (size_t i = 0; s && i < n; i++)
        at += sprintf(at, "%s%s", i ? ", " : "", name_at(a, i));
    if (s)
        *at = '\0';
    json_decref(a);
    return s;
}

static int add_row(void *userdata, const trail_change_event *ev)
{
    log_state *st = userdata;
    char time[TRAIL_HLC_TEXT_MAX], version[24];
    cli_time(time, TRAIL_HLC_MS(ev->hlc));
    snprintf(version, sizeof version, "%" PRId64, ev->version);
    char *changed = changed_list(ev->changed);
    const char *cells[] = { time,    ev->op,      ev->table_name, ev->record_id,
                            version, ev->user_id, changed };
    int rc = changed ? TRAIL_OK : TRAIL_ENOMEM;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0] && rc == TRAIL_OK; i++)
        rc = cli_table_add(&st->table, cells[i] ? cells[i] : "-");
    free(changed);
    if (rc < 0) {
        st->err = rc;
        return 1;
    }
    if (st->table.started || cli_table_rows(&st->table) >= WIDTH_ROWS)
        cli_table_print(&st->table, stdout);
    return 0;
}

/*
 * Appends "key":value to @obj, taking @v; a JSON column goes in as JSON.
 * Returns false when out of memory.
 */
static bool put(json_t *obj, const char *key, json_t *v)
{
    return v && json_object_set_new(obj, key, v) == 0;
}

/* A text column as a JSON string; bytes that are not UTF-8 (a database edited by hand) as U+FFFD.
 */
static json_t *text(const char *s)
{
    if (!s)
        return json_null();
    if (cli_utf8_valid(s))
        return json_string(s);
    char *fixed = cli_utf8_fix(s);
    json_t *v = fixed ? json_string(fixed) : NULL;
    free(fixed);
    return v;
}

/*
 * A stored JSON column as JSON. Text that does not parse (a database edited
 * by hand) is shown as a string, so the line still says what is there.
 */
static json_t *embedded(const char *s)
{
    if (!s)
        return json_null();
    char *fixed = cli_utf8_valid(s) ? NULL : cli_utf8_fix(s);
    const char *valid = fixed ? fixed : s;
    json_t *v = json_loads(valid, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!v)
        v = json_string(valid);
    free(fixed);
    return v;
}

/* One event as one line of JSON, columns in the order of SPEC §4. */
static int print_json(void *userdata, const trail_change_event *ev)
{
    log_state *st = userdata;
    json_t *o = json_object();
    bool ok =
        o && put(o, "event_id", text(ev->event_id)) && put(o, "hlc", json_integer(ev->hlc)) &&
        put(o, "node_id", text(ev->node_id)) && put(o, "lane_id", text(ev->lane_id)) &&
        put(o, "seq", json_integer(ev->seq)) && put(o, "tx_id", text(ev->tx_id)) &&
        put(o, "table_name", text(ev->table_name)) && put(o, "record_id", text(ev->record_id)) &&
        put(o, "op", text(ev->op)) && put(o, "version", json_integer(ev->version)) &&
        put(o, "old_values", embedded(ev->old_values)) &&
        put(o, "new_values", embedded(ev->new_values)) &&
        put(o, "changed", embedded(ev->changed)) &&
        put(o, "schema_version", json_integer(ev->schema_version)) &&
        put(o, "user_id", text(ev->user_id)) && put(o, "request_id", text(ev->request_id)) &&
        put(o, "session_id", text(ev->session_id)) && put(o, "tenant_id", text(ev->tenant_id)) &&
        put(o, "trace_id", text(ev->trace_id)) && put(o, "span_id", text(ev->span_id)) &&
        put(o, "ip", text(ev->ip)) && put(o, "created_at", json_integer(ev->created_at)) &&
        put(o, "prev_hash", text(ev->prev_hash)) && put(o, "hash", text(ev->hash));
    /* Reals print with 17 digits: exact, if not always the shortest text. */
    char *dumped = ok ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *line = dumped ? cli_json_line(dumped) : NULL;
    json_decref(o);
    free(dumped);
    if (!line) {
        st->err = TRAIL_ENOMEM;
        return 1;
    }
    puts(line);
    free(line);
    return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
    const char *name, *table = NULL, *record = NULL;
    bool json = false;
    const cli_option opts[] = {
        { "--table", &table, NULL },
        { "--record", &record, NULL },
        { "--json", NULL, &json },
    };
    trail_conn *db;
    int status = cli_start(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], &db, &name);
    if (status != CLI_OK)
        return status < 0 ? CLI_OK : status;

    static const cli_column cols[] = { { "time", false },   { "op", false },     { "table", false },
                                       { "record", false }, { "version", true }, { "who", false },
                                       { "changed", false } };
    log_state st = { .table = { .cols = cols, .n_cols = sizeof cols / sizeof cols[0] } };
    int rc = trail_history(db, table, record, json ? print_json : add_row, &st);
    if (!json && (rc < 0 || st.err < 0))
        cli_table_print(&st.table, stdout); /* what was read before the failure */
    if (rc < 0)
        status = cli_error("%s", trail_errmsg(db));
    else if (st.err < 0)
        status = cli_error("out of memory");
    else if (!json && !st.table.started && cli_table_rows(&st.table) == 0)
        puts(table || record ? "no events match" : "no events");
    else if (!json)
        cli_table_print(&st.table, stdout);
    cli_table_free(&st.table);
    trail_close(db);
    return status;
}

const cli_command cli_log = {
    .name = "log",
    .summary = "the change events, oldest first: a table, or JSON lines (--json)",
    .help = help,
    .run = run,
};
