/*
 * test_mustache.c - the Mustache renderer: every case of the official spec
 * data (comments, delimiters, interpolation, inverted, partials, sections)
 * from $TRAIL_MUSTACHE_SPEC_DIR, plus what the spec leaves open: escaping
 * off, numbers, malformed templates and their positions, the partial depth
 * limit.
 *
 * The unit tests always run. Without the spec data the program then exits
 * with 77, which ctest reports as skipped.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mustache.h"
#include "trail/error.h"

#define SKIP 77

static const char *const spec_files[] = { "comments.json", "delimiters.json", "interpolation.json",
                                          "inverted.json", "partials.json",   "sections.json" };

/* Partials from a JSON object of name -> template text (a spec case's "partials"). */
static const char *json_partial(void *userdata, const char *name, size_t *len)
{
    const json_t *p = json_object_get(userdata, name);
    if (!json_is_string(p))
        return NULL;
    *len = json_string_length(p);
    return json_string_value(p);
}

/* Renders @tmpl against the JSON text @data; returns the code, the output in @out. */
static int render(trail_buf *out, const char *tmpl, const char *data, bool escape, json_t *partials,
                  char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *ctx = json_loads(data, JSON_DECODE_ANY, &jerr);
    if (!ctx)
        fail_msg("bad test data %s: %s", data, jerr.text);
    gen_mustache_opts o = { .name = "t", .escape_html = escape };
    if (partials) {
        o.partial = json_partial;
        o.partial_userdata = partials;
    }
    int rc = gen_mustache_render(out, tmpl, strlen(tmpl), ctx, &o, err, errlen);
    json_decref(ctx);
    return rc;
}

static void assert_renders(const char *tmpl, const char *data, bool escape, const char *expected)
{
    trail_buf out = TRAIL_BUF_INIT;
    char err[256];
    int rc = render(&out, tmpl, data, escape, NULL, err, sizeof err);
    if (rc != TRAIL_OK)
        fail_msg("%s: rc %d (%s)", tmpl, rc, err);
    if (out.len != strlen(expected) || memcmp(out.data, expected, out.len) != 0)
        fail_msg("%s with %s: expected \"%s\", got \"%.*s\"", tmpl, data, expected, (int)out.len,
                 out.data ? out.data : "");
    trail__buf_free(&out);
}

/* @tmpl must be refused with TRAIL_EINVALID, an error text containing @where, output untouched. */
static void assert_refused(const char *tmpl, const char *partials, const char *where)
{
    trail_buf out = TRAIL_BUF_INIT;
    char err[256];
    json_t *p = partials ? json_loads(partials, 0, NULL) : NULL;
    assert_int_equal(trail__buf_append_str(&out, "kept"), TRAIL_OK);
    int rc = render(&out, tmpl, "{\"a\": [1], \"o\": {}}", true, p, err, sizeof err);
    if (rc != TRAIL_EINVALID)
        fail_msg("%s: rc %d, expected TRAIL_EINVALID", tmpl, rc);
    if (!strstr(err, where))
        fail_msg("%s: error \"%s\" does not contain \"%s\"", tmpl, err, where);
    assert_string_equal(out.data, "kept");
    json_decref(p);
    trail__buf_free(&out);
}

static void test_escape_off(void **state)
{
    (void)state;
    const char *data = "{\"x\": \"<&>\\\"'\"}";
    assert_renders("{{x}}|{{{x}}}|{{&x}}", data, false, "<&>\"'|<&>\"'|<&>\"'");
    assert_renders("{{x}}|{{{x}}}|{{&x}}", data, true, "&lt;&amp;&gt;&quot;'|<&>\"'|<&>\"'");
}

static void test_values(void **state)
{
    (void)state;
    assert_renders("{{a}} {{b}} {{c}} {{d}} {{e}}",
                   "{\"a\": 1.0, \"b\": 0.1, \"c\": -2.5, "
                   "\"d\": 1e300, \"e\": 9007199254740993}",
                   false, "1 0.1 -2.5 1e+300 9007199254740993");
    assert_renders("{{a}} {{b}} [{{c}}] [{{missing}}]", "{\"a\": true, \"b\": false, \"c\": null}",
                   false, "true false [] []");
    /* Only false, null, [] and a miss are falsy. */
    assert_renders("{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}{{^d}}D{{/d}}{{^e}}E{{/e}}",
                   "{\"a\": 0, \"b\": \"\", \"c\": {}, \"d\": [], \"e\": null}", false, "ABCDE");
    assert_renders("{{#l}}{{.}},{{/l}}", "{\"l\": [1, \"x\", 2.5]}", false, "1,x,2.5,");
    assert_renders("caf\xc3\xa9 {{x}}", "{\"x\": \"\xc3\xa9\"}", true, "caf\xc3\xa9 \xc3\xa9");
}

static void test_malformed(void **state)
{
    (void)state;
    assert_refused("a\n  {{#a}}\nx", NULL, "t:2:3:");
    assert_refused("x\n{{/b}}", NULL, "t:2:1:");
    assert_refused("{{#a}}\n\xc3\xa9{{/b}}", NULL, "t:2:2:"); /* columns count characters */
    assert_refused("ab {{=<% %>", NULL, "t:1:4:");
    assert_refused("{{=<%%>=}}", NULL, "t:1:1:");
    assert_refused("{{=<% a %>=}}", NULL, "t:1:1:");
    assert_refused("x {{ }}", NULL, "t:1:3:");
    assert_refused("{{{x}}", NULL, "t:1:1:");
    assert_refused("\n {{x", NULL, "t:2:2:");
    assert_refused("{{a}}", NULL, "t:1:1: 'a' is an array");
    assert_refused("{{#a}}{{o}}{{/a}}", NULL, "t:1:7: 'o' is an object");
    /* A problem inside a partial names the partial. */
    assert_refused("x{{>p}}", "{\"p\": \"\\n  {{/q}}\"}", "p:2:3:");
    /* An unknown partial is not an error. */
    assert_renders("[{{>nope}}]", "{}", true, "[]");
}

/* Partials named "1", "2", ...: each includes the next, up to the one named by userdata. */
static const char *chain_partial(void *userdata, const char *name, size_t *len)
{
    static char texts[100][24];
    int i = atoi(name), last = *(const int *)userdata;
    if (i < 1 || i > 99)
        return NULL;
    if (i == last)
        snprintf(texts[i], sizeof texts[i], "deep");
    else
        snprintf(texts[i], sizeof texts[i], "{{>%d}}", i + 1);
    *len = strlen(texts[i]);
    return texts[i];
}

static void test_partial_depth(void **state)
{
    (void)state;
    trail_buf out = TRAIL_BUF_INIT;
    char err[256];
    int last = GEN_MUSTACHE_MAX_PARTIAL_DEPTH;
    gen_mustache_opts o = { .name = "top", .partial = chain_partial, .partial_userdata = &last };
    assert_int_equal(gen_mustache_render(&out, "{{>1}}", 6, NULL, &o, err, sizeof err), TRAIL_OK);
    assert_string_equal(out.data, "deep");

    last = GEN_MUSTACHE_MAX_PARTIAL_DEPTH + 1;
    trail__buf_reset(&out);
    assert_int_equal(gen_mustache_render(&out, "{{>1}}", 6, NULL, &o, err, sizeof err),
                     TRAIL_EINVALID);
    assert_non_null(strstr(err, "64:1:1: partials nested more than 64 deep"));
    assert_int_equal(out.len, 0);

    /* A partial that includes itself, through a truthy section. */
    assert_refused("{{>p}}", "{\"p\": \"{{#o}}{{>p}}{{/o}}\"}", "p:1:7: partials nested more than");
    trail__buf_free(&out);
}

static int files_read, cases_run, cases_passed;

/* Runs every case of one spec file; prints each failure. */
static void run_spec_file(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (!doc) {
        print_error("%s: %s\n", path, jerr.text);
        return;
    }
    files_read++;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "tests"), i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        const json_t *tmpl = json_object_get(c, "template"), *want = json_object_get(c, "expected");
        gen_mustache_opts o = { .name = name,
                                .escape_html = true,
                                .partial = json_partial,
                                .partial_userdata = json_object_get(c, "partials") };
        trail_buf out = TRAIL_BUF_INIT;
        char err[256] = "";
        cases_run++;
        int rc = gen_mustache_render(&out, json_string_value(tmpl), json_string_length(tmpl),
                                     json_object_get(c, "data"), &o, err, sizeof err);
        if (rc == TRAIL_OK && out.len == json_string_length(want) &&
            memcmp(out.data ? out.data : "", json_string_value(want), out.len) == 0) {
            cases_passed++;
        } else {
            char *w = json_dumps(want, JSON_ENCODE_ANY);
            json_t *g = json_stringn(out.data ? out.data : "", out.len);
            char *gs = g ? json_dumps(g, JSON_ENCODE_ANY) : NULL;
            print_error("FAIL %s: %s\n  expected %s\n  got      %s%s%s\n", file, name, w,
                        gs ? gs : "(not UTF-8)", rc ? "\n  error    " : "", rc ? err : "");
            free(w);
            free(gs);
            json_decref(g);
        }
        trail__buf_free(&out);
    }
    json_decref(doc);
}

static void test_spec(void **state)
{
    const char *dir = *state;
    for (size_t i = 0; i < sizeof spec_files / sizeof *spec_files; i++)
        run_spec_file(dir, spec_files[i]);
    print_message("mustache spec: %d of %d cases passed\n", cases_passed, cases_run);
    assert_int_equal(files_read, 6);
    assert_true(cases_run >= 100);
    assert_int_equal(cases_passed, cases_run);
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_escape_off),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_partial_depth),
    };
    int failed = cmocka_run_group_tests_name("mustache", unit, NULL, NULL);
    if (failed)
        return failed;

    const char *dir = getenv("TRAIL_MUSTACHE_SPEC_DIR");
    struct stat st;
    if (!dir || !*dir) {
        printf("TRAIL_MUSTACHE_SPEC_DIR is not set: the spec cases are skipped\n");
        return SKIP;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("TRAIL_MUSTACHE_SPEC_DIR=%s is not a directory: the spec cases are skipped\n", dir);
        return SKIP;
    }
    const struct CMUnitTest spec[] = {
        cmocka_unit_test_prestate(test_spec, (void *)dir),
    };
    return cmocka_run_group_tests_name("mustache spec", spec, NULL, NULL);
}
