/*
 * test_sync_file.c - the export file's lines (sync/file.h): rows written
 * and read back byte for byte (every column kind, NULLs, int64's edges,
 * JSON text with escapes, Unicode), checked against jansson as an
 * independent reader and against lines written by hand; the header; every
 * refusal with its message; lines cut at every byte; a line of megabytes.
 */
#define _GNU_SOURCE /* asprintf; fmemopen, open_memstream */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync/file.h"
#include "trail/error.h"

#define NAME(n, name, ...) #name,
static const char *const event_names[] = { TRAIL_EVENT_COLUMN_TABLE(NAME, ) };
static const char *const lane_names[] = { TRAIL_LANE_COLUMN_TABLE(NAME, ) };
#undef NAME
#define IS_INT(n, name, value, ...) (sizeof #value == sizeof "INT"),
static const bool event_int[] = { TRAIL_EVENT_COLUMN_TABLE(IS_INT, ) };
static const bool lane_int[] = { TRAIL_LANE_COLUMN_TABLE(IS_INT, ) };
#undef IS_INT

static char *dup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

/* A JSON column's text with every kind of character the string escapes must carry. */
static const char json_text[] = "{\"a\":\"x\\\"y\\\\z\\n\",\"b\":[1,2e400,-0.0],"
                                "\"u\":\"Zo\xc3\xab \xf0\x9d\x84\x9e \xe2\x80\xa8\\u00e9\"}";

/* An event of @lane at @seq whose columns hold every kind of value. */
static void make_event(trail__wire_event *e, const char *lane, int seq)
{
    char s[24];
    snprintf(s, sizeof s, "%d", seq);
    *e = (trail__wire_event){ 0 };
    const char *v[TRAIL_EVENT_COLUMNS] = {
        [TRAIL_EV_event_id] = "01JABCDEFGHJKMNPQRSTVWXYZ0",
        [TRAIL_EV_hlc] = "9223372036854775807",
        [TRAIL_EV_node_id] = "node-a",
        [TRAIL_EV_lane_id] = lane,
        [TRAIL_EV_seq] = s,
        [TRAIL_EV_tx_id] = "01JTX000000000000000000000",
        [TRAIL_EV_table_name] = "customers",
        [TRAIL_EV_record_id] = "-42",
        [TRAIL_EV_op] = "update",
        [TRAIL_EV_version] = "0",
        [TRAIL_EV_old_values] = NULL,
        [TRAIL_EV_new_values] = json_text,
        [TRAIL_EV_changed] = "[\"a\",\"b\"]",
        [TRAIL_EV_schema_version] = "1",
        [TRAIL_EV_user_id] = NULL,
        [TRAIL_EV_request_id] = "req\x01\x1f\x7f\t/",
        [TRAIL_EV_session_id] = "",
        [TRAIL_EV_tenant_id] = "t\xc3\xa9",
        [TRAIL_EV_trace_id] = NULL,
        [TRAIL_EV_span_id] = NULL,
        [TRAIL_EV_ip] = "::1",
        [TRAIL_EV_created_at] = "-9223372036854775808",
        [TRAIL_EV_prev_hash] = "abababababababababababababababababababababababababababababababab",
        [TRAIL_EV_hash] = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
    };
    for (size_t c = 0; c < TRAIL_EVENT_COLUMNS; c++)
        e->col[c] = dup(v[c]);
}

static void make_lane(trail__wire_lane *l, const char *lane, bool sealed)
{
    *l = (trail__wire_lane){ 0 };
    const char *v[TRAIL_LANE_COLUMNS] = {
        [TRAIL_LANE_lane_id] = lane,
        [TRAIL_LANE_node_id] = "node-a",
        [TRAIL_LANE_node_seq] = "3",
        [TRAIL_LANE_opened_hlc] = "1",
        [TRAIL_LANE_opened_at] = "1764806400000",
        [TRAIL_LANE_prev_lane] = sealed ? "L0" : NULL,
        [TRAIL_LANE_prev_hash] = sealed ? "ef" : NULL,
        [TRAIL_LANE_hash] = "00",
        [TRAIL_LANE_sealed_seq] = sealed ? "2" : NULL,
        [TRAIL_LANE_sealed_hash] = sealed ? "cd" : NULL,
        [TRAIL_LANE_sealed_at] = sealed ? "1764806400001" : NULL,
    };
    for (size_t c = 0; c < TRAIL_LANE_COLUMNS; c++)
        l->col[c] = dup(v[c]);
}

static void free_cols(char **col, size_t n)
{
    for (size_t c = 0; c < n; c++)
        free(col[c]);
}

/* The header of a file holding lane @lane from 1 to @to. */
static void make_header(trail__file_header *h, const char *lane, int64_t to)
{
    *h = (trail__file_header){ .node = dup("node-a"),
                               .schema = dup("shop"),
                               .schema_version = 3,
                               .created_at = 1764806400000 };
    h->lanes = calloc(1, sizeof *h->lanes);
    assert_non_null(h->lanes);
    h->nlanes = 1;
    h->lanes[0] = (trail__file_range){ .lane_id = dup(lane), .from = 1, .to = to };
}

/* A whole file: header, lane L1's row, its events 1 and 2. The caller frees it. */
static char *good_file(void)
{
    trail_buf b = TRAIL_BUF_INIT;
    trail__file_writer w;
    trail_err err = { 0 };
    trail__file_writer_to_buf(&w, &b);
    trail__file_header h;
    make_header(&h, "L1", 2);
    assert_int_equal(trail__file_write_header(&w, &h, &err), TRAIL_OK);
    trail__file_header_clear(&h);
    trail__wire_lane l;
    make_lane(&l, "L1", false);
    assert_int_equal(trail__file_write_lane(&w, &l, &err), TRAIL_OK);
    free_cols(l.col, TRAIL_LANE_COLUMNS);
    for (int seq = 1; seq <= 2; seq++) {
        trail__wire_event e;
        make_event(&e, "L1", seq);
        assert_int_equal(trail__file_write_event(&w, &e, &err), TRAIL_OK);
        free_cols(e.col, TRAIL_EVENT_COLUMNS);
    }
    trail__file_writer_free(&w);
    char *s = trail__buf_finish(&b);
    assert_non_null(s);
    return s;
}

/*
 * Feeds the lines of @text to a new reader, then ends it: the first
 * failure's code (its message in @err), else TRAIL__FILE_END. The rows
 * read are in @b.
 */
static int read_text(const char *text, trail__wire_batch *b, trail_err *err)
{
    trail__file_reader r;
    trail__file_reader_init(&r);
    int rc = TRAIL__FILE_END;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        rc = trail__file_reader_feed(&r, p, n, b, err);
        if (rc < 0)
            break;
        p += n + (nl != NULL);
    }
    if (rc >= 0)
        rc = trail__file_reader_end(&r, err);
    trail__file_reader_free(&r);
    return rc;
}

/* The same through a FILE and trail__file_reader_next() (the @n bytes of @text). */
static int read_stream(const char *text, size_t n, trail__wire_batch *b, trail_err *err)
{
    FILE *f = fmemopen((void *)text, n, "r");
    if (n == 0)
        f = fopen("/dev/null", "r");
    assert_non_null(f);
    trail__file_reader r;
    trail__file_reader_init(&r);
    int rc;
    while ((rc = trail__file_reader_next(&r, f, b, err)) > 0)
        ;
    trail__file_reader_free(&r);
    fclose(f);
    return rc;
}

/* @s with its first @from replaced by @to; the caller frees it. */
static char *replaced(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (!at)
        fail_msg("\"%s\" is not in the file", from);
    size_t a = (size_t)(at - s), f = strlen(from), t = strlen(to), n = strlen(s);
    char *r = malloc(n - f + t + 1);
    assert_non_null(r);
    memcpy(r, s, a);
    memcpy(r + a, to, t);
    memcpy(r + a + t, at + f, n - a - f + 1);
    return r;
}

/* jansson's reading of one written row: keys in the table's order, values the columns' texts. */
static void check_with_jansson(const char *line, const char *what, const char *const *names,
                               const bool *is_int, char *const *col, size_t ncols)
{
    json_error_t je;
    json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        fail_msg("jansson refuses %s: %s", line, je.text);
    assert_int_equal(json_object_size(root), 1);
    json_t *obj = json_object_get(root, what);
    assert_non_null(obj);
    assert_int_equal(json_object_size(obj), ncols);
    /* the keys in table order: the text has each name where the one before it ended */
    const char *at = line;
    for (size_t c = 0; c < ncols; c++) {
        char key[64];
        snprintf(key, sizeof key, "\"%s\":", names[c]);
        const char *k = strstr(at, key);
        if (!k)
            fail_msg("%s.%s is not after %s.%s", what, names[c], what, c ? names[c - 1] : "{");
        at = k + strlen(key);
        json_t *v = json_object_get(obj, names[c]);
        assert_non_null(v);
        if (!col[c]) {
            assert_true(json_is_null(v));
        } else if (is_int[c]) {
            assert_true(json_is_integer(v));
            char t[32];
            snprintf(t, sizeof t, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            assert_string_equal(t, col[c]);
        } else {
            assert_true(json_is_string(v));
            assert_int_equal(json_string_length(v), strlen(col[c]));
            assert_memory_equal(json_string_value(v), col[c], strlen(col[c]));
        }
    }
    json_decref(root);
}

static void test_event_round_trip(void **state)
{
    (void)state;
    char *file = good_file();
    const char *line = strchr(strchr(file, '\n') + 1, '\n') + 1;
    char *first = strndup(line, (size_t)(strchr(line, '\n') - line));
    trail__wire_event e;
    make_event(&e, "L1", 1);
    check_with_jansson(first, "event", event_names, event_int, e.col, TRAIL_EVENT_COLUMNS);
    /* no whitespace but inside strings, and the JSON column as a string, not an object */
    assert_non_null(strstr(first, "\"hlc\":9223372036854775807,"));
    assert_non_null(strstr(first, "\"created_at\":-9223372036854775808,"));
    assert_non_null(
        strstr(first, "\"old_values\":null,\"new_values\":\"{\\\"a\\\":\\\"x\\\\\\\"y"));
    assert_non_null(strstr(first, "\"request_id\":\"req\\u0001\\u001f\x7f\\t/\","));
    assert_non_null(strstr(first, "\"session_id\":\"\","));

    trail__wire_batch b = { 0 };
    trail_err err = { 0 };
    assert_int_equal(read_text(file, &b, &err), TRAIL__FILE_END);
    assert_int_equal(b.nevents, 2);
    assert_int_equal(b.nlanes, 1);
    for (size_t c = 0; c < TRAIL_EVENT_COLUMNS; c++) {
        if (!e.col[c])
            assert_null(b.events[0].col[c]);
        else
            assert_string_equal(b.events[0].col[c], e.col[c]);
    }
    assert_int_equal(b.events[0].hlc, INT64_MAX);
    assert_int_equal(b.events[0].seq, 1);
    assert_int_equal(b.events[1].seq, 2);
    assert_int_equal(b.events[0].line, 3);
    assert_int_equal(b.events[1].line, 4);
    assert_int_equal(b.lanes[0].node_seq, 3);
    trail__wire_batch_clear(&b);

    /* the same through a FILE */
    assert_int_equal(read_stream(file, strlen(file), &b, &err), TRAIL__FILE_END);
    assert_int_equal(b.nevents, 2);
    assert_string_equal(b.events[1].col[TRAIL_EV_new_values], json_text);
    trail__wire_batch_clear(&b);
    free_cols(e.col, TRAIL_EVENT_COLUMNS);
    free(first);
    free(file);
}

static void test_lane_round_trip(void **state)
{
    (void)state;
    for (int sealed = 0; sealed <= 1; sealed++) {
        trail_buf out = TRAIL_BUF_INIT;
        trail__file_writer w;
        trail_err err = { 0 };
        trail__file_writer_to_buf(&w, &out);
        trail__wire_lane l;
        make_lane(&l, "L1", sealed);
        assert_int_equal(trail__file_write_lane(&w, &l, &err), TRAIL_OK);
        check_with_jansson(out.data, "lane", lane_names, lane_int, l.col, TRAIL_LANE_COLUMNS);
        if (!sealed)
            assert_string_equal(
                out.data,
                "{\"lane\":{\"lane_id\":\"L1\",\"node_id\":\"node-a\",\"node_seq\":3,"
                "\"opened_hlc\":1,\"opened_at\":1764806400000,\"prev_lane\":null,"
                "\"prev_hash\":null,\"hash\":\"00\",\"sealed_seq\":null,\"sealed_hash\":null,"
                "\"sealed_at\":null}}\n");
        /* read back after a header naming the lane from 2, so no event is due */
        char *text = NULL;
        assert_true(asprintf(&text,
                             "{\"format\":\"trail-events\",\"version\":1,\"node\":\"n\","
                             "\"schema\":\"s\",\"schema_version\":1,\"lanes\":[{\"lane\":\"L1\","
                             "\"from\":3,\"to\":2}],\"created_at\":0}\n%s",
                             out.data) > 0);
        trail__wire_batch b = { 0 };
        assert_int_equal(read_text(text, &b, &err), TRAIL__FILE_END);
        assert_int_equal(b.nlanes, 1);
        for (size_t c = 0; c < TRAIL_LANE_COLUMNS; c++) {
            if (!l.col[c])
                assert_null(b.lanes[0].col[c]);
            else
                assert_string_equal(b.lanes[0].col[c], l.col[c]);
        }
        trail__wire_batch_clear(&b);
        free(text);
        free_cols(l.col, TRAIL_LANE_COLUMNS);
        trail__file_writer_free(&w);
        trail__buf_free(&out);
    }
}

static void test_header_round_trip(void **state)
{
    (void)state;
    trail__file_header h;
    make_header(&h, "L1", 2);
    trail__file_range *more = realloc(h.lanes, 2 * sizeof *h.lanes);
    assert_non_null(more);
    h.lanes = more;
    h.lanes[1] = (trail__file_range){ .lane_id = dup("L\xc3\xa9"), .from = 5, .to = 4 };
    h.nlanes = 2;
    trail_buf out = TRAIL_BUF_INIT;
    trail__file_writer w;
    trail_err err = { 0 };
    trail__file_writer_to_buf(&w, &out);
    assert_int_equal(trail__file_write_header(&w, &h, &err), TRAIL_OK);
    assert_string_equal(out.data,
                        "{\"format\":\"trail-events\",\"version\":1,\"node\":\"node-a\","
                        "\"schema\":\"shop\",\"schema_version\":3,\"lanes\":[{\"lane\":\"L1\","
                        "\"from\":1,\"to\":2},{\"lane\":\"L\xc3\xa9\",\"from\":5,\"to\":4}],"
                        "\"created_at\":1764806400000}\n");

    trail__file_reader r;
    trail__file_reader_init(&r);
    assert_int_equal(trail__file_reader_feed(&r, out.data, out.len - 1, NULL, &err),
                     TRAIL__FILE_HEADER);
    assert_string_equal(r.header.node, "node-a");
    assert_string_equal(r.header.schema, "shop");
    assert_int_equal(r.header.schema_version, 3);
    assert_int_equal(r.header.created_at, 1764806400000);
    assert_int_equal(r.header.nlanes, 2);
    assert_string_equal(r.header.lanes[1].lane_id, "L\xc3\xa9");
    assert_int_equal(r.header.lanes[1].from, 5);
    assert_int_equal(r.header.lanes[1].to, 4);
    trail__file_reader_free(&r);

    /* through a FILE, byte for byte the same */
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    assert_non_null(f);
    trail__file_writer_free(&w);
    trail__file_writer_to_file(&w, f);
    assert_int_equal(trail__file_write_header(&w, &h, &err), TRAIL_OK);
    fclose(f);
    assert_string_equal(mem, out.data);
    free(mem);
    trail__file_writer_free(&w);
    trail__buf_free(&out);
    trail__file_header_clear(&h);
}

/* What a reader of another language may write: members in any order, whitespace, CRLF, escapes. */
static void test_other_writers(void **state)
{
    (void)state;
    char *file = good_file();
    char *a = replaced(file, "{\"format\":\"trail-events\",\"version\":1,",
                       "{ \"version\" : 1 ,\t\"format\":\"trail-\\u0065vents\",\"later\":{\"x\":"
                       "[1,2.5e3,true,false,null,{}]},");
    /* an unknown key of the header is refused once the version is known to be 1 */
    trail__wire_batch b = { 0 };
    trail_err err = { 0 };
    assert_int_equal(read_text(a, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 1: header.later: no such key");
    trail__wire_batch_clear(&b);
    char *c = replaced(a, "\"later\":{\"x\":[1,2.5e3,true,false,null,{}]},", "");
    char *d = replaced(c, "\"seq\":1,", "\"se\\u0071\" :\r 1 ,");
    char *e = replaced(d, "\"tenant_id\":\"t\xc3\xa9\"", "\"tenant_id\":\"t\\u00E9\"");
    char *g = replaced(e, "\"prev_hash\":null,", "");
    char *h = replaced(g, "\"node_seq\":3,", "\"node_seq\":3,\"prev_hash\":null,");
    /* CRLF line ends */
    trail_buf crlf = TRAIL_BUF_INIT;
    for (const char *p = h; *p; p++)
        trail__buf_append(&crlf, *p == '\n' ? "\r\n" : p, *p == '\n' ? 2 : 1);
    assert_int_equal(read_text(crlf.data, &b, &err), TRAIL__FILE_END);
    assert_int_equal(b.nevents, 2);
    assert_string_equal(b.events[0].col[TRAIL_EV_tenant_id], "t\xc3\xa9");
    assert_string_equal(b.events[0].col[TRAIL_EV_seq], "1");
    assert_null(b.lanes[0].col[TRAIL_LANE_prev_hash]);
    trail__wire_batch_clear(&b);
    assert_int_equal(read_stream(crlf.data, crlf.len, &b, &err), TRAIL__FILE_END);
    trail__wire_batch_clear(&b);

    /* \u escapes: a surrogate pair, the short escapes, a slash */
    char *s = replaced(file, "\"table_name\":\"customers\"",
                       "\"table_name\":\"\\ud834\\udd1e\\/\\b\\f\\n\\r\\t\\\"\\\\\"");
    assert_int_equal(read_text(s, &b, &err), TRAIL__FILE_END);
    assert_string_equal(b.events[0].col[TRAIL_EV_table_name], "\xf0\x9d\x84\x9e/\b\f\n\r\t\"\\");
    trail__wire_batch_clear(&b);
    trail__buf_free(&crlf);
    free(s);
    free(h);
    free(g);
    free(e);
    free(d);
    free(c);
    free(a);
    free(file);
}

/* One refusal: the good file with @from replaced by @to is refused with @msg. */
typedef struct refusal {
    const char *from, *to, *msg;
} refusal;

static void test_refusals(void **state)
{
    (void)state;
    static const refusal cases[] = {
        /* the header */
        { "\"format\":\"trail-events\"", "\"format\":\"trail-changes\"",
          "line 1: header.format: \"trail-changes\": not a trail events file (\"trail-events\")" },
        { "\"format\":\"trail-events\",", "",
          "line 1: header.format: missing: not a trail events "
          "file" },
        { "\"version\":1,", "\"version\":2,\"lanes2\":{},",
          "line 1: header.version: 2: this trail reads version 1 only" },
        { "\"version\":1,", "\"version\":1.0,", "line 1: header.version: expected an integer" },
        { "\"version\":1,", "", "line 1: header.version: missing" },
        { "\"node\":\"node-a\",", "", "line 1: header.node: missing" },
        { "\"node\":\"node-a\",", "\"node\":\"node-a\",\"node\":\"b\",",
          "line 1: header.node: given twice" },
        { "\"schema_version\":3,", "\"schema_version\":\"3\",",
          "line 1: header.schema_version: expected an integer" },
        { "\"from\":1,", "\"from\":0,",
          "line 1: header.lanes: lane L1: from 0 to 2 is not a range of seqs" },
        { "\"to\":2}", "\"to\":2,\"till\":3}",
          "line 1: header.lanes: \"till\": no such key (lane, from, to)" },
        { "\"to\":2}]", "\"to\":2},{\"lane\":\"L1\",\"from\":1,\"to\":0}]",
          "line 1: header.lanes: lane L1 is listed twice" },
        { "\"lanes\":[{\"lane\":\"L1\",\"from\":1,\"to\":2}]", "\"lanes\":{}",
          "line 1: header.lanes: expected an array" },
        { "\"created_at\":1764806400000}", "\"created_at\":1764806400000}x",
          "line 1: more after the object's end" },
        /* integers */
        { "\"seq\":1,", "\"seq\":1.0,", "line 3: event.seq: expected an integer" },
        { "\"seq\":1,", "\"seq\":1e0,", "line 3: event.seq: expected an integer" },
        { "\"seq\":1,", "\"seq\":-0,", "line 3: event.seq: expected an integer" },
        { "\"seq\":1,", "\"seq\":01,", "line 3: event.seq: expected an integer" },
        { "\"seq\":1,", "\"seq\":\"1\",", "line 3: event.seq: expected an integer" },
        { "\"seq\":1,", "\"seq\":true,", "line 3: event.seq: expected an integer" },
        { "\"hlc\":9223372036854775807,", "\"hlc\":9223372036854775808,",
          "line 3: event.hlc: 9223372036854775808 is out of the int64 range" },
        { "\"created_at\":-9223372036854775808,", "\"created_at\":-9223372036854775809,",
          "line 3: event.created_at: -9223372036854775809 is out of the int64 range" },
        { "\"node_seq\":3,", "\"node_seq\":123456789012345678901234567890,",
          "line 2: lane.node_seq: 123456789012345678901234567890 is out of the int64 range" },
        { "\"version\":0,",
          "\"version\":999999999999999999999999999999999999999999999999999999999999,",
          "line 3: event.version: 999999999999999999999999999999999999999999999999... is out of "
          "the int64 range" },
        /* keys */
        { "\"hash\":\"cdcd", "\"colour\":\"red\",\"hash\":\"cdcd",
          "line 3: event.colour: no such column" },
        { ",\"hash\":\"cdcd", ",\"x\":1,\"hash\":\"cdcd", "line 3: event.x: no such column" },
        /* what the file spells is shown as one line of text, at most 48 bytes of it */
        { ",\"hash\":\"cdcd", ",\"a\\nb\\u007f\xc3\xa9\":1,\"hash\":\"cdcd",
          "line 3: event.a?b?\xc3\xa9: no such column" },
        { "\"lane_id\":\"L1\",\"seq\"",
          "\"lane_id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"seq\"",
          "line 3: event.lane_id: lane xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... is not "
          "in the header" },
        { "\"op\":\"update\",", "", "line 3: event.op: missing" },
        { "\"op\":\"update\",", "\"op\":\"update\",\"op\":\"update\",",
          "line 3: event.op: given twice" },
        { "\"op\":\"update\",", "\"op\":null,",
          "line 3: event.op: null, but the column is NOT NULL" },
        { "\"op\":\"update\",", "\"op\":1,", "line 3: event.op: expected a string" },
        { "\"changed\":\"[", "\"changed\":[\"a\"],\"x\":\"[",
          "line 3: event.changed: expected a "
          "string" },
        { "{\"event\":", "{\"row\":",
          "line 3: \"row\": a line holds {\"lane\":{...}} or "
          "{\"event\":{...}}" },
        { "{\"format\"", "[\"format\"", "line 1: '{' expected at column 1" },
        { "\n{\"lane\"", "\n \r\n{\"lane\"", "line 2: an empty line" },
        /* strings */
        { "\"op\":\"update\"", "\"op\":\"up\\u0000date\"",
          "line 3: event.op: NUL (\\u0000) in a string: no column holds it" },
        { "\"op\":\"update\"", "\"op\":\"up\\ud800date\"",
          "line 3: event.op: \\ud800: a high surrogate without its low one" },
        { "\"op\":\"update\"", "\"op\":\"up\\ud800\\u0041\"",
          "line 3: event.op: \\ud800: a high surrogate without its low one" },
        { "\"op\":\"update\"", "\"op\":\"up\\udc00date\"",
          "line 3: event.op: \\udc00: a low surrogate without its high one" },
        { "\"op\":\"update\"", "\"op\":\"up\\xdate\"",
          "line 3: event.op: a bad escape in a string" },
        { "\"op\":\"update\"", "\"op\":\"up\\u12g4\"",
          "line 3: event.op: a bad escape in a string" },
        { "\"op\":\"update\"", "\"op\":\"up\xc3\x28\"", "line 3: event.op: not valid UTF-8" },
        { "\"op\":\"update\"", "\"op\":\"up\xed\xa0\x80\"", "line 3: event.op: not valid UTF-8" },
        { "\"op\":\"update\"", "\"op\":\"up\x01\"",
          "line 3: event.op: a control character (0x01) not escaped in a string" },
        /* the file against its header */
        { "\"lane_id\":\"L1\",\"seq\"", "\"lane_id\":\"L2\",\"seq\"",
          "line 3: event.lane_id: lane L2 is not in the header" },
        { "{\"lane\":{\"lane_id\":\"L1\"", "{\"lane\":{\"lane_id\":\"L9\"",
          "line 2: lane.lane_id: lane L9 is not in the header" },
        { "\"lane_id\":\"L1\",\"seq\"",
          "\"lane_id\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xc3\xa9yy\",\"seq\"",
          "line 3: event.lane_id: lane xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... is not "
          "in the header" },
        { "\"seq\":1,", "\"seq\":2,", "line 3: event.seq: 2 where lane L1's next is 1" },
        { "\"to\":2}", "\"to\":1}",
          "line 4: event.seq: 2 is past lane L1's last in the header, 1" },
        { "\"to\":2}", "\"to\":3}",
          "line 5: the file ends before lane L1's seq 3 (its header says to 3): cut short?" },
    };
    char *file = good_file();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const refusal *k = &cases[i];
        char *bad = replaced(file, k->from, k->to);
        trail__wire_batch b = { 0 };
        trail_err err = { 0 };
        int rc = read_text(bad, &b, &err);
        const char *want = k->msg;
        if (rc != TRAIL_EINVALID || strcmp(err.msg, want) != 0)
            fail_msg("case %zu (%s): rc %d, \"%s\", not \"%s\"", i, k->to, rc, err.msg, want);
        /* nothing half read is left in the batch: rows before the bad line only */
        for (size_t e = 0; e < b.nevents; e++)
            assert_true(b.events[e].line < atol(want + 5));
        trail__wire_batch_clear(&b);
        free(bad);
    }
    free(file);
}

/* The lane row: before its first event when the file starts the lane, and once. */
static void test_lane_row_rules(void **state)
{
    (void)state;
    char *file = good_file();
    trail__wire_batch b = { 0 };
    trail_err err = { 0 };
    /* the lane row moved after the events */
    const char *row = strchr(file, '\n') + 1, *rest = strchr(row, '\n') + 1;
    char *moved = NULL;
    assert_true(
        asprintf(&moved, "%.*s%s%.*s", (int)(row - file), file, rest, (int)(rest - row), row) > 0);
    assert_int_equal(read_text(moved, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 2: event.lane_id: lane L1 starts at seq 1 but its lane row "
                                 "did not come first");
    trail__wire_batch_clear(&b);
    /* given twice */
    char *twice = NULL;
    assert_true(asprintf(&twice, "%.*s%s", (int)(rest - file), file, row) > 0);
    assert_int_equal(read_text(twice, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 3: lane.lane_id: lane L1: its row came before");
    trail__wire_batch_clear(&b);
    /* missing from a lane that starts at 1 and has no events */
    char *none = replaced(file, "\"to\":2}", "\"to\":0}");
    none[strchr(none, '\n') + 1 - none] = '\0';
    assert_int_equal(read_text(none, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 2: the file ends without lane L1's row, which the header's "
                                 "from 1 promises");
    trail__wire_batch_clear(&b);
    free(none);
    free(twice);
    free(moved);
    free(file);
}

/*
 * docs/replication.md's tables of the keys ("| `name` | JSON | null |"
 * after the line starting @title) are the column table's, in its order.
 */
static void check_doc_table(const char *doc, const char *title, const char *const *names,
                            const bool *is_int, const bool *nullable, size_t n)
{
    const char *at = strstr(doc, title);
    if (!at)
        fail_msg("docs/replication.md has no table \"%s\"", title);
    at = strstr(at, "|---|---|---|\n");
    assert_non_null(at);
    at += strlen("|---|---|---|\n");
    for (size_t c = 0; c < n; c++) {
        char want[160];
        snprintf(want, sizeof want, "| `%s` | %s | %s |\n", names[c],
                 is_int[c] ? "integer" : "string", nullable[c] ? "yes" : "no");
        size_t len = strlen(want);
        /* a JSON column says so after "string" */
        char json[160];
        snprintf(json, sizeof json, "| `%s` | string (JSON text) | %s |\n", names[c],
                 nullable[c] ? "yes" : "no");
        if (strncmp(at, want, len) != 0 && strncmp(at, json, (len = strlen(json))) != 0)
            fail_msg("%s row %zu: \"%.60s\", expected \"%s\"", title, c + 1, at, want);
        at += len;
    }
    if (*at == '|')
        fail_msg("%s: a row more than the table's columns: %.60s", title, at);
}

#define NULLABLE(n, name, value, kind, null, ...) TRAIL_EVENT_##null,
static const bool event_null[] = { TRAIL_EVENT_COLUMN_TABLE(NULLABLE, ) };
static const bool lane_null[] = { TRAIL_LANE_COLUMN_TABLE(NULLABLE, ) };
#undef NULLABLE

static void test_doc_lists_the_columns(void **state)
{
    (void)state;
    FILE *f = fopen(TRAIL_SOURCE_DIR "/docs/replication.md", "r");
    assert_non_null(f);
    char *doc = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&doc, &cap, '\0', f);
    fclose(f);
    assert_true(n > 0);
    check_doc_table(doc, "| `lane` key |", lane_names, lane_int, lane_null, TRAIL_LANE_COLUMNS);
    check_doc_table(doc, "| `event` key |", event_names, event_int, event_null,
                    TRAIL_EVENT_COLUMNS);
    free(doc);
}

/* A reader that failed refuses from then on; an empty file and a file cut inside a line. */
static void test_stops_after_failure(void **state)
{
    (void)state;
    trail__file_reader r;
    trail__file_reader_init(&r);
    trail_err err = { 0 };
    trail__wire_batch b = { 0 };
    assert_int_equal(trail__file_reader_feed(&r, "{}", 2, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 1: header.format: missing: not a trail events file");
    assert_int_equal(trail__file_reader_feed(&r, "{}", 2, &b, &err), TRAIL_EARG);
    assert_int_equal(trail__file_reader_end(&r, &err), TRAIL_EARG);
    trail__file_reader_free(&r);

    assert_int_equal(read_text("", &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 1: the file is empty: no header");
    assert_int_equal(read_stream("", 0, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 1: the file is empty: no header");

    char *file = good_file();
    size_t n = strlen(file);
    assert_int_equal(read_stream(file, n - 1, &b, &err), TRAIL_EINVALID);
    assert_string_equal(err.msg, "line 4: the file ends inside this line (no '\\n'): cut short?");
    trail__wire_batch_clear(&b);
    free(file);
}

/* Every prefix of every line is refused, naming its line; every prefix of the file too. */
static void test_cut_everywhere(void **state)
{
    (void)state;
    char *file = good_file();
    size_t n = strlen(file);
    size_t cuts = 0;
    for (size_t at = 0; at < n; at++) {
        trail__wire_batch b = { 0 };
        trail_err err = { 0 };
        /* the line holding byte @at cut there, fed as if it were whole */
        char *cut = strndup(file, at);
        assert_non_null(cut);
        int rc = read_text(cut, &b, &err);
        bool at_line_end = at > 0 && file[at - 1] == '\n';
        /* fed as lines, the file without its last '\n' is whole */
        if (at == n - 1 && rc == TRAIL__FILE_END)
            rc = TRAIL_EINVALID, snprintf(err.msg, sizeof err.msg, "line 4: whole");
        if (rc != TRAIL_EINVALID)
            fail_msg("cut at %zu: rc %d", at, rc);
        if (strncmp(err.msg, "line ", 5) != 0)
            fail_msg("cut at %zu: %s", at, err.msg);
        trail__wire_batch_clear(&b);
        /* the same bytes as a FILE: refused as cut, whichever way */
        rc = read_stream(file, at, &b, &err);
        if (rc != TRAIL_EINVALID)
            fail_msg("stream cut at %zu: rc %d", at, rc);
        if (at_line_end || at == 0)
            assert_non_null(strstr(err.msg, at == 0 ? "empty" : "cut short"));
        else
            assert_non_null(strstr(err.msg, "no '\\n'"));
        trail__wire_batch_clear(&b);
        free(cut);
        cuts++;
    }
    assert_int_equal(cuts, n);
    free(file);
}

/* A line of megabytes, and a JSON text holding every escape there is, byte for byte. */
static void test_long_line(void **state)
{
    (void)state;
    trail__wire_event e;
    make_event(&e, "L1", 1);
    size_t big = 3 << 20;
    char *text = malloc(big + 1);
    assert_non_null(text);
    for (size_t i = 0; i < big; i++)
        text[i] = (char)(1 + i % 127);
    text[big] = '\0';
    free(e.col[TRAIL_EV_new_values]);
    e.col[TRAIL_EV_new_values] = text;

    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    assert_non_null(f);
    trail__file_writer w;
    trail_err err = { 0 };
    trail__file_writer_to_file(&w, f);
    trail__file_header h;
    make_header(&h, "L1", 1);
    trail__wire_lane l;
    make_lane(&l, "L1", false);
    assert_int_equal(trail__file_write_header(&w, &h, &err), TRAIL_OK);
    assert_int_equal(trail__file_write_lane(&w, &l, &err), TRAIL_OK);
    assert_int_equal(trail__file_write_event(&w, &e, &err), TRAIL_OK);
    fclose(f);
    trail__wire_batch b = { 0 };
    assert_int_equal(read_stream(mem, n, &b, &err), TRAIL__FILE_END);
    assert_int_equal(b.nevents, 1);
    assert_string_equal(b.events[0].col[TRAIL_EV_new_values], text);
    trail__wire_batch_clear(&b);
    trail__file_writer_free(&w);
    trail__file_header_clear(&h);
    free_cols(l.col, TRAIL_LANE_COLUMNS);
    free_cols(e.col, TRAIL_EVENT_COLUMNS);
    free(mem);
}

/* What the format cannot carry is refused by the writer, and nothing of the line is written. */
static void test_writer_refusals(void **state)
{
    (void)state;
    static const struct {
        int col;
        const char *text, *msg;
    } cases[] = {
        { TRAIL_EV_seq, "1.0", "event.seq: \"1.0\" is not an integer" },
        { TRAIL_EV_seq, "01", "event.seq: \"01\" is not an integer" },
        { TRAIL_EV_seq, " 1", "event.seq: \" 1\" is not an integer" },
        { TRAIL_EV_hlc, "9223372036854775808",
          "event.hlc: \"9223372036854775808\" is not an "
          "integer" },
        { TRAIL_EV_hash, NULL, "event.hash: NULL in a NOT NULL column" },
        { TRAIL_EV_op, "\xff", "event.op: not valid UTF-8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trail__wire_event e;
        make_event(&e, "L1", 1);
        free(e.col[cases[i].col]);
        e.col[cases[i].col] = dup(cases[i].text);
        trail_buf out = TRAIL_BUF_INIT;
        trail__buf_append_str(&out, "before\n");
        trail__file_writer w;
        trail_err err = { 0 };
        trail__file_writer_to_buf(&w, &out);
        assert_int_equal(trail__file_write_event(&w, &e, &err), TRAIL_EINVALID);
        assert_string_equal(err.msg, cases[i].msg);
        assert_string_equal(out.data, "before\n");
        trail__buf_free(&out);
        free_cols(e.col, TRAIL_EVENT_COLUMNS);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_round_trip),
        cmocka_unit_test(test_lane_round_trip),
        cmocka_unit_test(test_header_round_trip),
        cmocka_unit_test(test_other_writers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_lane_row_rules),
        cmocka_unit_test(test_stops_after_failure),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_writer_refusals),
        cmocka_unit_test(test_doc_lists_the_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
