/*
 * test_gen.c - trailgen end to end (SPEC §2, §3, §7).
 *
 * golden        every schema/NAME.yaml regenerates byte for byte into generated/NAME/
 * reproducible  two runs give the same bytes; a rerun rewrites nothing it need not
 * atomic        a failed run leaves the output directory as it was, with no temporary files
 * compile       every header compiles alone, every source with -Wall -Wextra -Wpedantic -Werror
 * sqlite        the SQLite DDL runs (twice) on a real database and enforces the schema;
 *               the DDL embedded in NAME_sqlite.c is the same SQL as NAME_sqlite.sql
 * cli           trailgen's options, exit statuses and messages
 * templates     --templates DIR overrides the built-in templates
 *
 * `test_gen GROUP` runs one group (ctest registers one test per group);
 * without an argument every group runs. Each test works in a fresh temporary
 * directory. The generator runs in process (gen_run) or as the trailgen
 * binary when the command line is what is tested.
 */
#define _XOPEN_SOURCE 700
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "diag.h"
#include "driver/dialect.h"
#include "generate.h"

/* From tests/CMakeLists.txt. */
#ifndef TRAIL_SOURCE_DIR
#error "build with -DTRAIL_SOURCE_DIR=..., -DTRAIL_INCLUDE_DIR=..., -DTRAILGEN_EXE=... (CMake does)"
#endif

#define SRC TRAIL_SOURCE_DIR

/* ---- scratch space, files and directories ------------------------------- */

/* This test's temporary directory; removed with everything in it after the test. */
static char tmp[PATH_MAX];
/* The messages of the last in-process run. */
static gen_diag diag;

typedef struct path {
    char s[PATH_MAX];
} path;

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static path
pathf(const char *fmt, ...)
{
    path p;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p.s, sizeof p.s, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof p.s);
    return p;
}

/* The content of @file, NUL-terminated (its length in *@len when not NULL); NULL if unreadable. */
static char *slurp(const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    trail_buf b = TRAIL_BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        assert_int_equal(trail__buf_append(&b, chunk, n), 0);
    bool bad = ferror(f);
    fclose(f);
    if (bad) { /* a directory, say */
        trail__buf_free(&b);
        return NULL;
    }
    assert_int_equal(trail__buf_append(&b, "", 1), 0); /* the NUL, also for an empty file */
    if (len)
        *len = b.len - 1;
    return b.data;
}

static void spit(const char *file, const char *text)
{
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static bool same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *ta = slurp(a, &la), *tb = slurp(b, &lb);
    bool same = ta && tb && la == lb && memcmp(ta, tb, la) == 0;
    free(ta);
    free(tb);
    return same;
}

static int remove_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void rm_rf(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The names in a directory, sorted; none when it does not exist. */
typedef struct listing {
    char **names;
    size_t n;
} listing;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static listing list_dir(const char *dir)
{
    listing l = { NULL, 0 };
    DIR *d = opendir(dir);
    if (!d)
        return l;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        l.names = realloc(l.names, (l.n + 1) * sizeof *l.names);
        assert_non_null(l.names);
        l.names[l.n++] = strdup(e->d_name);
    }
    closedir(d);
    if (l.n) /* qsort() wants a pointer even for no elements */
        qsort(l.names, l.n, sizeof *l.names, cmp_names);
    return l;
}

static void listing_free(listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    *l = (listing){ NULL, 0 };
}

/* "a.h, b.c" */
static void listing_text(trail_buf *out, const listing *l)
{
    for (size_t i = 0; i < l->n; i++)
        trail__buf_appendf(out, "%s%s", i ? ", " : "", l->names[i]);
}

/* Fails unless @dir holds exactly the files @want (a NULL-terminated list, any order). */
static void assert_files(const char *dir, const char *const *want)
{
    listing l = list_dir(dir);
    size_t n = 0;
    bool ok = true;
    for (; want[n]; n++)
        ok = ok && l.n && bsearch(&want[n], l.names, l.n, sizeof *l.names, cmp_names);
    if (!ok || n != l.n) {
        trail_buf got = TRAIL_BUF_INIT;
        listing_text(&got, &l);
        fail_msg("%s holds [%s]; expected %zu files, starting with %s", dir,
                 got.data ? got.data : "", n, want[0] ? want[0] : "(none)");
    }
    listing_free(&l);
}

/*
 * Appends to @report a line for every file that differs between the
 * directories @want and @got: changed, missing from @got, or extra in it.
 */
static void diff_dirs(trail_buf *report, const char *want, const char *got)
{
    listing w = list_dir(want), g = list_dir(got);
    size_t i = 0, j = 0;
    while (i < w.n || j < g.n) {
        int c = i == w.n ? 1 : j == g.n ? -1 : strcmp(w.names[i], g.names[j]);
        if (c < 0) {
            trail__buf_appendf(report, "  %s/%s: not generated\n", want, w.names[i++]);
        } else if (c > 0) {
            trail__buf_appendf(report, "  %s/%s: generated, missing from %s\n", want, g.names[j++],
                               want);
        } else {
            if (!same_file(pathf("%s/%s", want, w.names[i]).s, pathf("%s/%s", got, g.names[j]).s))
                trail__buf_appendf(report, "  %s/%s: differs\n", want, w.names[i]);
            i++, j++;
        }
    }
    listing_free(&w);
    listing_free(&g);
}

static void assert_same_dirs(const char *want, const char *got)
{
    trail_buf report = TRAIL_BUF_INIT;
    diff_dirs(&report, want, got);
    if (report.len)
        fail_msg("%s and %s differ:\n%s", want, got, report.data);
}

/* Fails when a name in @dir holds ".tmp." (what the generator's temporary files are called). */
static void assert_no_temp_files(const char *dir)
{
    listing l = list_dir(dir);
    for (size_t i = 0; i < l.n; i++)
        if (strstr(l.names[i], ".tmp."))
            fail_msg("temporary file left behind: %s/%s", dir, l.names[i]);
    listing_free(&l);
}

/* ---- running the generator and other programs --------------------------- */

/* gen_run() on @schema into @out, every driver, built-in templates. Messages go to `diag`. */
static int generate(const char *schema, const char *out)
{
    gen_diag_free(&diag);
    gen_diag_init(&diag, NULL);
    gen_options o = { .schema_path = schema, .out_dir = out };
    return gen_run(&o, &diag);
}

/* Generates the checked-in schema @name into @out; fails the test on any error. */
static void generate_ok(const char *name, const char *out)
{
    int status = generate(pathf("%s/schema/%s.yaml", SRC, name).s, out);
    if (status != GEN_EXIT_OK)
        fail_msg("trailgen %s.yaml: exit %d\n%s", name, status, diag.text.data);
}

/* A finished program: its exit status (128 + signal when killed) and what it printed. */
typedef struct ran {
    int status;
    char *out;
    char *err;
} ran;

static void ran_free(ran *r)
{
    free(r->out);
    free(r->err);
}

/* Runs @argv (argv[0] is a path) in @cwd (NULL: here), capturing its output in files of tmp. */
static ran run(const char *cwd, const char *const *argv)
{
    path out = pathf("%s/.stdout", tmp), err = pathf("%s/.stderr", tmp);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fo = open(out.s, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err.s, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || (cwd && chdir(cwd) < 0))
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int ws;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    ran r = { WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws), slurp(out.s, NULL),
              slurp(err.s, NULL) };
    assert_non_null(r.out);
    assert_non_null(r.err);
    remove(out.s);
    remove(err.s);
    return r;
}

/* Runs trailgen with the arguments that follow, up to NULL, in @cwd. */
static ran trailgen(const char *cwd, ...)
{
    const char *argv[16] = { TRAILGEN_EXE };
    size_t n = 1;
    va_list ap;
    va_start(ap, cwd);
    while ((argv[n] = va_arg(ap, const char *)))
        assert_true(++n < sizeof argv / sizeof argv[0]);
    va_end(ap);
    return run(cwd, argv);
}

/*
 * Puts the compiler and the flags generated code must compile with into
 * @argv, with @inc ("-I<the generated files>"); returns how many.
 */
static size_t cc_flags(const char **argv, const path *inc)
{
    static const char *const flags[] = {
        TRAIL_C_COMPILER,
        "-std=c11",
        "-Wall",
        "-Wextra",
        "-Wpedantic",
        "-Werror",
        "-I" SRC "/runtime/include",
        "-I" TRAIL_INCLUDE_DIR,
    };
    size_t n = sizeof flags / sizeof flags[0];
    memcpy(argv, flags, sizeof flags);
    argv[n++] = inc->s;
    return n;
}

/* Compiles @dir/@file to an object; fails with the compiler's words. */
static void compile(const char *dir, const char *file)
{
    path src = pathf("%s/%s", dir, file), obj = pathf("%s/%s.o", tmp, file),
         inc = pathf("-I%s", dir);
    const char *argv[16];
    size_t n = cc_flags(argv, &inc);
    const char *rest[] = { "-c", src.s, "-o", obj.s, NULL };
    memcpy(argv + n, rest, sizeof rest);
    ran r = run(NULL, argv);
    if (r.status != 0)
        fail_msg("%s does not compile:\n%s%s", src.s, r.out, r.err);
    ran_free(&r);
}

/* ---- fixtures ----------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/test_gen.XXXXXX", base && *base ? base : "/tmp");
    gen_diag_init(&diag, NULL);
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmp);
    gen_diag_free(&diag);
    return 0;
}

/* The NAME of every schema/NAME.yaml, sorted. */
static listing schemas(void)
{
    listing l = list_dir(SRC "/schema"), yaml = { NULL, 0 };
    for (size_t i = 0; i < l.n; i++) {
        size_t n = strlen(l.names[i]);
        if (n > 5 && strcmp(l.names[i] + n - 5, ".yaml") == 0) {
            yaml.names = realloc(yaml.names, (yaml.n + 1) * sizeof *yaml.names);
            assert_non_null(yaml.names);
            yaml.names[yaml.n++] = strndup(l.names[i], n - 5);
        }
    }
    listing_free(&l);
    return yaml;
}

/* Most drivers the file lists below hold. */
#define MAX_DRIVERS 8

/*
 * What trailgen writes for schema @name with every driver: NAME.h, NAME.c,
 * and NAME_<driver>.c and NAME_<driver>.sql for each driver of
 * runtime/driver/drivers.h (for the three of today, shop.h, shop.c,
 * shop_sqlite.c, shop_sqlite.sql, shop_pg.c, shop_pg.sql, shop_mysql.c,
 * shop_mysql.sql).
 */
typedef struct file_list {
    char names[2 + 2 * MAX_DRIVERS][80];
    const char *list[3 + 2 * MAX_DRIVERS];
    size_t n;
} file_list;

static const char *const *files_of(file_list *f, const char *name)
{
    f->n = 0;
    snprintf(f->names[f->n++], sizeof f->names[0], "%s.h", name);
    snprintf(f->names[f->n++], sizeof f->names[0], "%s.c", name);
    for (size_t i = 0; trail__dialects[i]; i++) {
        assert_true(i < MAX_DRIVERS);
        snprintf(f->names[f->n++], sizeof f->names[0], "%s_%s.c", name, trail__dialects[i]->name);
        snprintf(f->names[f->n++], sizeof f->names[0], "%s_%s.sql", name, trail__dialects[i]->name);
    }
    for (size_t i = 0; i < f->n; i++)
        f->list[i] = f->names[i];
    f->list[f->n] = NULL;
    return f->list;
}

/* ---- golden ------------------------------------------------------------- */

/* Every schema regenerates into exactly what generated/<name>/ holds. */
static void test_golden(void **state)
{
    (void)state;
    listing names = schemas();
    trail_buf report = TRAIL_BUF_INIT;
    for (size_t i = 0; i < names.n; i++) {
        path out = pathf("%s/%s", tmp, names.names[i]);
        generate_ok(names.names[i], out.s);
        diff_dirs(&report, pathf("%s/generated/%s", SRC, names.names[i]).s, out.s);
    }
    /* Output of a schema that is gone. */
    listing dirs = list_dir(SRC "/generated");
    for (size_t i = 0; i < dirs.n; i++)
        if (strcmp(dirs.names[i], "README.md") != 0 &&
            !bsearch(&dirs.names[i], names.names, names.n, sizeof *names.names, cmp_names))
            trail__buf_appendf(&report, "  %s/generated/%s: no schema/%s.yaml\n", SRC,
                               dirs.names[i], dirs.names[i]);
    listing_free(&dirs);
    /* shop and everything at least, so that an empty schema/ cannot pass. */
    assert_true(names.n >= 2);
    listing_free(&names);
    if (report.len)
        fail_msg("the checked-in output is not what trailgen makes now:\n%s"
                 "run scripts/regenerate.sh and review the diff",
                 report.data);
}

/* Where the comment that opens @text ends: C's first block, or SQL's first -- lines. */
static const char *opening_comment_end(const char *text)
{
    if (strncmp(text, "/*", 2) == 0)
        return strstr(text, "*/");
    const char *p = text;
    while (strncmp(p, "--", 2) == 0 && strchr(p, '\n'))
        p = strchr(p, '\n') + 1;
    return p;
}

/* Every file opens with the banner naming trailgen's version and the schema file only. */
static void test_banners(void **state)
{
    (void)state;
    const char *names[] = { "shop", "everything" };
    for (size_t i = 0; i < 2; i++) {
        path out = pathf("%s/%s", tmp, names[i]);
        generate_ok(names[i], out.s);
        char want[128];
        snprintf(want, sizeof want, "Generated by trailgen %s from %s.yaml; do not edit.",
                 TRAIL_PROJECT_VERSION, names[i]);
        listing l = list_dir(out.s);
        file_list files;
        files_of(&files, names[i]);
        assert_int_equal(l.n, files.n);
        for (size_t j = 0; j < l.n; j++) {
            char *text = slurp(pathf("%s/%s", out.s, l.names[j]).s, NULL);
            char *hit = strstr(text, want);
            if (!hit || hit > opening_comment_end(text))
                fail_msg("%s: no \"%s\" in the opening comment", l.names[j], want);
            free(text);
        }
        listing_free(&l);
    }
}

/* ---- reproducible ------------------------------------------------------- */

/* Two runs, one in process and one through the command line, give the same bytes. */
static void test_two_runs_same_bytes(void **state)
{
    (void)state;
    path a = pathf("%s/a", tmp), b = pathf("%s/b", tmp), c = pathf("%s/c", tmp);
    generate_ok("everything", a.s);
    generate_ok("everything", b.s);
    ran r = trailgen(NULL, "-o", c.s, SRC "/schema/everything.yaml", NULL);
    assert_int_equal(r.status, 0);
    ran_free(&r);
    file_list everything_files;
    assert_files(a.s, files_of(&everything_files, "everything"));
    assert_same_dirs(a.s, b.s);
    assert_same_dirs(a.s, c.s);
}

typedef struct file_id {
    ino_t ino;
    struct timespec mtime;
} file_id;

static file_id identify(const char *file)
{
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    return (file_id){ st.st_ino, st.st_mtim };
}

static bool same_id(file_id a, file_id b)
{
    return a.ino == b.ino && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec;
}

/*
 * A rerun into the same directory leaves every unchanged file alone (same
 * inode, same mtime), and rewrites only a file whose content differs or that
 * is missing.
 */
static void test_rerun_rewrites_nothing(void **state)
{
    (void)state;
    path out = pathf("%s/out", tmp);
    generate_ok("shop", out.s);
    generate_ok("shop", pathf("%s/fresh", tmp).s);
    file_list shop_files;
    const char *const *files = files_of(&shop_files, "shop");
    size_t n = shop_files.n;
    file_id before[2 + 2 * MAX_DRIVERS];
    /* Back-date every file, so that a rewrite shows even within the clock's granularity. */
    const struct timespec old[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
    for (size_t i = 0; i < n; i++) {
        path f = pathf("%s/%s", out.s, files[i]);
        assert_int_equal(utimensat(AT_FDCWD, f.s, old, 0), 0);
        before[i] = identify(f.s);
    }

    generate_ok("shop", out.s);
    for (size_t i = 0; i < n; i++)
        if (!same_id(before[i], identify(pathf("%s/%s", out.s, files[i]).s)))
            fail_msg("%s was rewritten with the same content", files[i]);

    /* Spoil shop.c, remove shop_pg.sql: those two (and only those) are written again. */
    spit(pathf("%s/shop.c", out.s).s, "/* edited by hand */\n");
    assert_int_equal(remove(pathf("%s/shop_pg.sql", out.s).s), 0);
    before[1] = identify(pathf("%s/shop.c", out.s).s);
    generate_ok("shop", out.s);
    for (size_t i = 0; i < n; i++) {
        path f = pathf("%s/%s", out.s, files[i]);
        bool rewritten = strcmp(files[i], "shop.c") == 0 || strcmp(files[i], "shop_pg.sql") == 0;
        if (rewritten)
            assert_true(same_file(f.s, pathf("%s/fresh/%s", tmp, files[i]).s));
        else if (!same_id(before[i], identify(f.s)))
            fail_msg("%s was rewritten, though only shop.c and shop_pg.sql changed", files[i]);
    }
    assert_false(same_id(before[1], identify(pathf("%s/shop.c", out.s).s)));
    assert_no_temp_files(out.s);
}

/* ---- atomic ------------------------------------------------------------- */

/* shop.yaml with a type misspelt: the same output names, and an error to report. */
static const char *broken_shop(void)
{
    static path p;
    char *text = slurp(SRC "/schema/shop.yaml", NULL);
    char *at = strstr(text, "type: int64");
    assert_non_null(at);
    at[strlen("type: int6")] = '5';
    p = pathf("%s/shop.yaml", tmp);
    spit(p.s, text);
    free(text);
    return p.s;
}

/* A copy of every file of @dir, to compare with later. */
static void snapshot(const char *dir, const char *copy)
{
    assert_int_equal(mkdir(copy, 0777), 0);
    listing l = list_dir(dir);
    for (size_t i = 0; i < l.n; i++) {
        char *text = slurp(pathf("%s/%s", dir, l.names[i]).s, NULL);
        spit(pathf("%s/%s", copy, l.names[i]).s, text);
        free(text);
    }
    listing_free(&l);
}

/* A bad schema writes nothing into an empty directory, and creates no missing one. */
static void test_bad_schema_writes_nothing(void **state)
{
    (void)state;
    path empty = pathf("%s/empty", tmp), missing = pathf("%s/missing/deeper", tmp);
    assert_int_equal(mkdir(empty.s, 0777), 0);
    const char *bad = broken_shop();
    assert_int_equal(generate(bad, empty.s), GEN_EXIT_SCHEMA);
    assert_true(diag.errors > 0);
    assert_int_equal(generate(bad, missing.s), GEN_EXIT_SCHEMA);
    assert_files(empty.s, (const char *const[]){ NULL });
    assert_int_equal(access(pathf("%s/missing", tmp).s, F_OK), -1);
}

/* A bad schema leaves the previous good output byte for byte, with no temporary files. */
static void test_bad_schema_keeps_previous_output(void **state)
{
    (void)state;
    path out = pathf("%s/out", tmp), copy = pathf("%s/copy", tmp);
    generate_ok("shop", out.s);
    snapshot(out.s, copy.s);
    ran r = trailgen(NULL, "-o", out.s, broken_shop(), NULL);
    assert_int_equal(r.status, 1);
    /* shop.yaml's line 13 is `      credit:  { type: int64, ...`: the type at column 24. */
    assert_non_null(strstr(
        r.err,
        "shop.yaml:13:24: error: entities.customer.fields.credit.type: unknown type 'int65'"));
    ran_free(&r);
    assert_same_dirs(copy.s, out.s);
    assert_no_temp_files(out.s);
}

/*
 * A failure while writing (here a target that is a directory, so it cannot be
 * replaced) leaves every other file as it was, though they all changed: no
 * rename happens before every file is known to go through.
 */
static void test_write_failure_keeps_previous_output(void **state)
{
    (void)state;
    path out = pathf("%s/out", tmp), copy = pathf("%s/copy", tmp);
    generate_ok("shop", out.s);
    snapshot(out.s, copy.s);
    path blocked = pathf("%s/shop_pg.sql", out.s);
    assert_int_equal(remove(blocked.s), 0);
    assert_int_equal(mkdir(blocked.s, 0777), 0);

    /* Version 2 of the schema: the files before shop_pg.sql (shop.h, shop.c, ...) change. */
    char *text = slurp(SRC "/schema/shop.yaml", NULL);
    char *v = strstr(text, "version: 1");
    assert_non_null(v);
    v[9] = '2';
    path v2 = pathf("%s/shop.yaml", tmp);
    spit(v2.s, text);
    free(text);

    assert_int_equal(generate(v2.s, out.s), GEN_EXIT_SCHEMA);
    assert_non_null(strstr(diag.text.data, "shop_pg.sql"));
    assert_no_temp_files(out.s);
    assert_int_equal(rmdir(blocked.s), 0); /* still the empty directory */
    assert_int_equal(remove(pathf("%s/shop_pg.sql", copy.s).s), 0);
    assert_same_dirs(copy.s, out.s);
}

/* ---- compile ------------------------------------------------------------ */

/* The header alone in a translation unit, then every source, of schema @name. */
static void compile_all(const char *name)
{
    path out = pathf("%s/%s", tmp, name);
    generate_ok(name, out.s);
    path only = pathf("%s/only_header.c", out.s);
    char include[128];
    snprintf(include, sizeof include, "#include \"%s.h\"\n", name);
    spit(only.s, include);
    compile(out.s, "only_header.c");
    listing l = list_dir(out.s);
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        size_t len = strlen(l.names[i]);
        if (strcmp(l.names[i] + len - 2, ".c") == 0 && strcmp(l.names[i], "only_header.c") != 0) {
            compile(out.s, l.names[i]);
            n++;
        }
    }
    file_list files;
    files_of(&files, name);
    assert_int_equal(n, files.n / 2); /* NAME.c and one per driver */
    listing_free(&l);
}

static void test_compile_shop(void **state)
{
    (void)state;
    compile_all("shop");
}

static void test_compile_everything(void **state)
{
    (void)state;
    compile_all("everything");
}

/* ---- sqlite ------------------------------------------------------------- */

static sqlite3 *db_open(const char *file)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(file, &db) != SQLITE_OK)
        fail_msg("%s: %s", file, sqlite3_errmsg(db));
    sqlite3_extended_result_codes(db, 1);
    return db;
}

/* Runs @sql (any number of statements); it must succeed. */
static void db_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s\nin: %.300s", err, sql);
}

/* Runs the one statement @sql with ?1 bound to @text (when not NULL); its extended result code. */
static int db_try(sqlite3 *db, const char *sql, const char *text)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc != SQLITE_OK)
        fail_msg("%s\nin: %s", sqlite3_errmsg(db), sql);
    if (text)
        sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db);
}

/* The rows of @sql as text: columns joined by '|', a row a line, NULL as "NULL". */
static char *db_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("%s\nin: %s", sqlite3_errmsg(db), sql);
    trail_buf b = TRAIL_BUF_INIT;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(stmt); i++) {
            const char *v = (const char *)sqlite3_column_text(stmt, i);
            trail__buf_appendf(&b, "%s%s", i ? "|" : "", v ? v : "NULL");
        }
        trail__buf_append(&b, "\n", 1);
    }
    if (rc != SQLITE_DONE)
        fail_msg("%s\nin: %s", sqlite3_errmsg(db), sql);
    sqlite3_finalize(stmt);
    trail__buf_append(&b, "", 1);
    return b.data;
}

static void expect_rows(sqlite3 *db, const char *sql, const char *want)
{
    char *got = db_rows(db, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\ngave:\n%s\nexpected:\n%s", sql, got, want);
    free(got);
}

#define ACCEPTED(db, sql)      assert_int_equal(db_try(db, sql, NULL), SQLITE_OK)
#define REFUSED(db, code, sql) assert_int_equal(db_try(db, sql, NULL), code)
#define NOT_NULL               SQLITE_CONSTRAINT_NOTNULL
#define UNIQUE                 SQLITE_CONSTRAINT_UNIQUE
#define CHECK                  SQLITE_CONSTRAINT_CHECK
#define FOREIGN_KEY            SQLITE_CONSTRAINT_FOREIGNKEY
#define DATATYPE               SQLITE_CONSTRAINT_DATATYPE
/* Deleting a referenced row: SQLite runs ON DELETE RESTRICT as a trigger, hence the code. */
#define RESTRICT               SQLITE_CONSTRAINT_TRIGGER

/* @unit @n times. */
static char *repeat(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *s = malloc(len * n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, unit, len);
    s[len * n] = '\0';
    return s;
}

/* Everything sqlite_schema holds, in name order. */
static char *schema_dump(sqlite3 *db)
{
    return db_rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name");
}

/*
 * A fresh database at @db_file with @name_sqlite.sql of a fresh run applied
 * twice: the second run must change nothing and keep the rows.
 */
static sqlite3 *db_with_ddl(const char *name, const char *db_file)
{
    path out = pathf("%s/%s", tmp, name);
    generate_ok(name, out.s);
    char *sql = slurp(pathf("%s/%s_sqlite.sql", out.s, name).s, NULL);
    assert_non_null(sql);
    sqlite3 *db = db_open(db_file);
    db_exec(db, sql);
    char *first = schema_dump(db);
    db_exec(db, "CREATE TABLE probe (x INTEGER); INSERT INTO trail_meta VALUES ('probe', 'kept')");
    db_exec(db, sql);
    db_exec(db, "DROP TABLE probe");
    char *second = schema_dump(db);
    assert_string_equal(first, second);
    expect_rows(db, "SELECT value FROM trail_meta WHERE key = 'probe'", "kept\n");
    free(first);
    free(second);
    free(sql);
    db_exec(db, "DELETE FROM trail_meta; PRAGMA foreign_keys = ON");
    return db;
}

/*
 * The customer and order of SPEC §2 in shop.yaml: columns, keys and indexes,
 * and each rule enforced by the database. (The rest of shop.yaml is left to
 * its owner; everything.yaml covers every type and option.)
 */
static void test_sqlite_shop(void **state)
{
    (void)state;
    sqlite3 *db = db_with_ddl("shop", pathf("%s/shop.db", tmp).s);

    /* cid|name|type|notnull|dflt_value|pk, from the schema and dialect.c's type table. */
    expect_rows(db, "PRAGMA table_info(customers)",
                "0|id|TEXT|1|NULL|1\n"
                "1|version|INTEGER|1|NULL|0\n"
                "2|email|TEXT|1|NULL|0\n"
                "3|name|TEXT|1|NULL|0\n"
                "4|tier|TEXT|1|'free'|0\n"
                "5|credit|INTEGER|1|0|0\n"
                "6|rating|REAL|0|NULL|0\n"
                "7|active|INTEGER|1|1|0\n"
                "8|born|INTEGER|0|NULL|0\n"
                "9|seen_at|INTEGER|0|NULL|0\n"
                "10|avatar|BLOB|0|NULL|0\n"
                "11|prefs|TEXT|0|NULL|0\n"
                "12|secret|TEXT|1|''|0\n");
    expect_rows(db, "PRAGMA table_info(orders)",
                "0|id|TEXT|1|NULL|1\n"
                "1|version|INTEGER|1|NULL|0\n"
                "2|customer|TEXT|1|NULL|0\n"
                "3|total|INTEGER|1|NULL|0\n"
                "4|note|TEXT|0|NULL|0\n");
    expect_rows(
        db, "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('orders')",
        "customers|customer|id|RESTRICT\n");
    /* name|unique|origin: c is CREATE INDEX, u a UNIQUE column, pk the key. */
    expect_rows(db,
                "SELECT name, \"unique\", origin FROM pragma_index_list('customers') ORDER BY name",
                "customers_tier_credit_idx|0|c\n"
                "sqlite_autoindex_customers_1|1|pk\n"
                "sqlite_autoindex_customers_2|1|u\n");
    expect_rows(db,
                "SELECT name FROM pragma_index_info('customers_tier_credit_idx') ORDER BY seqno",
                "tier\ncredit\n");
    expect_rows(db, "SELECT name FROM pragma_index_info('sqlite_autoindex_customers_2')",
                "email\n");
    /* A ref column gets an index, for the delete checks. */
    expect_rows(db, "SELECT name, \"unique\" FROM pragma_index_list('orders') WHERE origin = 'c'",
                "orders_customer_idx|0\n");

    /* The event table: its own indexes only, shop.yaml asks for none. */
    expect_rows(db,
                "SELECT name FROM pragma_index_list('trail_change_events') WHERE origin = 'c' "
                "ORDER BY name",
                "trail_change_events_history_idx\n"
                "trail_change_events_lane_idx\n");

#define CUSTOMER(n, cols, vals)                                                                    \
    "INSERT INTO customers (id, version, email, name, secret" cols                                 \
    ") VALUES (printf('C%025d', " #n "), 1, 'c" #n "@example.com', 'Ann', 's'" vals ")"

    /* Defaults fill what is left out. */
    ACCEPTED(db, CUSTOMER(1, "", ""));
    expect_rows(db, "SELECT tier, credit, active, rating, prefs FROM customers",
                "free|0|1|NULL|NULL\n");

    REFUSED(db, NOT_NULL, /* name left out: it has no default */
            "INSERT INTO customers (id, version, email, secret) "
            "VALUES (printf('C%025d', 2), 1, 'c2@example.com', 's')");
    REFUSED(db, NOT_NULL, CUSTOMER(2, ", tier", ", NULL"));
    REFUSED(db, UNIQUE,
            "INSERT INTO customers (id, version, email, name, secret) "
            "VALUES (printf('C%025d', 2), 1, 'c1@example.com', 'Bob', 's')");
    REFUSED(db, SQLITE_CONSTRAINT_PRIMARYKEY,
            "INSERT INTO customers (id, version, email, name, secret) "
            "VALUES (printf('C%025d', 1), 1, 'other@example.com', 'Bob', 's')");
    REFUSED(db, CHECK, CUSTOMER(2, ", tier", ", 'gold'"));
    REFUSED(db, CHECK, CUSTOMER(2, ", credit", ", -1"));
    REFUSED(db, CHECK, CUSTOMER(2, ", active", ", 2"));
    REFUSED(db, CHECK, CUSTOMER(2, ", prefs", ", '{\"open\": '"));
    REFUSED(db, CHECK, "UPDATE customers SET version = 0");
    REFUSED(db, CHECK, /* a ULID is 26 characters */
            "INSERT INTO customers (id, version, email, name, secret) "
            "VALUES ('short', 1, 'd@example.com', 'D', 's')");
    REFUSED(db, DATATYPE, CUSTOMER(2, ", credit", ", 'lots'"));
    ACCEPTED(db, CUSTOMER(2, ", tier, credit, prefs", ", 'enterprise', 7, '{\"dark\": true}'"));

    /* email: at most 254 characters, counted as characters, not bytes. */
    const char *insert_email = "INSERT INTO customers (id, version, email, name, secret) "
                               "VALUES (lower(hex(randomblob(13))), 1, ?1, 'E', 's')";
    char *a254 = repeat("a", 254), *a255 = repeat("a", 255);
    char *e254 = repeat("\xc3\xa9", 254), *e255 = repeat("\xc3\xa9", 255); /* é: 2 bytes */
    assert_int_equal(db_try(db, insert_email, a255), CHECK);
    assert_int_equal(db_try(db, insert_email, a254), SQLITE_OK);
    assert_int_equal(db_try(db, insert_email, e255), CHECK);
    assert_int_equal(db_try(db, insert_email, e254), SQLITE_OK);
    free(a254), free(a255), free(e254), free(e255);

    /* Refs: no dangling one, and no delete of what is referenced. */
    REFUSED(db, FOREIGN_KEY,
            "INSERT INTO orders (id, version, customer, total) "
            "VALUES (printf('O%025d', 1), 1, printf('C%025d', 99), 10)");
    ACCEPTED(db, "INSERT INTO orders (id, version, customer, total) "
                 "VALUES (printf('O%025d', 1), 1, printf('C%025d', 1), 10)");
    REFUSED(db, RESTRICT, "DELETE FROM customers WHERE id = printf('C%025d', 1)");
    REFUSED(db, NOT_NULL,
            "INSERT INTO orders (id, version, total) VALUES (printf('O%025d', 2), 1, 10)");

#undef CUSTOMER
    sqlite3_close(db);
}

/*
 * The indexes a schema adds to the event table (`events:`): on SQLite beside
 * the table's own, each named by its columns on every engine, and a name
 * longer than the shortest identifier limit (63) cut, as entity indexes
 * are, ending in the FNV-1a hash of the whole name (worked out apart).
 */
static void test_event_index_names(void **state)
{
    (void)state;
    path schema = pathf("%s/ev.yaml", tmp), out = pathf("%s/ev", tmp);
    spit(schema.s, "schema: ev\nversion: 1\nentities: {a: {fields: {x: text}}}\n"
                   "events:\n  indexes:\n    - [ip]\n"
                   "    - [schema_version, created_at, tenant_id, version]\n");
    if (generate(schema.s, out.s) != GEN_EXIT_OK)
        fail_msg("trailgen ev.yaml:\n%s", diag.text.data);
    static const struct {
        const char *driver, *statement;
    } want[] = {
        { "sqlite", "CREATE INDEX IF NOT EXISTS \"trail_change_events_ip_idx\" ON "
                    "\"trail_change_events\" (\"ip\");\n" },
        { "pg", "CREATE INDEX IF NOT EXISTS \"trail_change_events_schema_version_created_at_tena_"
                "658ea9fe_idx\" ON \"trail_change_events\" (\"schema_version\", \"created_at\", "
                "\"tenant_id\", \"version\");\n" },
        { "mysql", "CREATE INDEX IF NOT EXISTS `trail_change_events_schema_version_created_at_tena_"
                   "658ea9fe_idx` ON `trail_change_events` (`schema_version`, `created_at`, "
                   "`tenant_id`, `version`);\n" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char *sql = slurp(pathf("%s/ev_%s.sql", out.s, want[i].driver).s, NULL);
        assert_non_null(sql);
        if (!strstr(sql, want[i].statement))
            fail_msg("ev_%s.sql lacks %s", want[i].driver, want[i].statement);
        free(sql);
    }

    char *sql = slurp(pathf("%s/ev_sqlite.sql", out.s).s, NULL);
    assert_non_null(sql);
    sqlite3 *db = db_open(pathf("%s/ev.db", tmp).s);
    db_exec(db, sql);
    db_exec(db, sql); /* IF NOT EXISTS: a second migrate changes nothing */
    expect_rows(db,
                "SELECT l.name, l.\"unique\", l.origin, group_concat(i.name) "
                "FROM pragma_index_list('trail_change_events') l, pragma_index_info(l.name) i "
                "GROUP BY l.name ORDER BY l.name",
                "sqlite_autoindex_trail_change_events_1|1|pk|event_id\n"
                "trail_change_events_history_idx|0|c|table_name,record_id,hlc\n"
                "trail_change_events_ip_idx|0|c|ip\n"
                "trail_change_events_lane_idx|1|c|lane_id,seq\n"
                "trail_change_events_schema_version_created_at_tena_658ea9fe_idx|0|c|"
                "schema_version,created_at,tenant_id,version\n");
    sqlite3_close(db);
    free(sql);
}

/* everything.yaml: every type's column, default and rule. */
static void test_sqlite_everything(void **state)
{
    (void)state;
    sqlite3 *db = db_with_ddl("everything", pathf("%s/everything.db", tmp).s);

    /* An int64 key is INTEGER PRIMARY KEY (the rowid), so SQLite reports it nullable. */
    expect_rows(db, "PRAGMA table_info(accounts)",
                "0|id|INTEGER|0|NULL|1\n"
                "1|version|INTEGER|1|NULL|0\n"
                "2|handle|TEXT|1|NULL|0\n"
                "3|parent|INTEGER|0|NULL|0\n"
                "4|level|INTEGER|1|1|0\n"
                "5|balance|INTEGER|1|-9007199254740993|0\n"
                "6|status|TEXT|1|'active'|0\n"
                "7|label|TEXT|1|NULL|0\n");
    expect_rows(
        db,
        "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info('samples') "
        "WHERE dflt_value IS NOT NULL ORDER BY cid",
        "flag|INTEGER|1|0\n"
        "small|INTEGER|1|-5\n"
        "big|INTEGER|1|42\n"
        "ratio|REAL|1|2.5\n"
        "words|TEXT|1|'He said \"hi\", it''s a back\\slash: \\\\ na\xc3\xafve caf\xc3\xa9 "
        "\xe2\x9c\x93 ?\?!'\n"
        "day|INTEGER|1|-1\n"
        "day_n|INTEGER|0|19782\n"
        "moment|INTEGER|1|951827696789\n"
        "doc|TEXT|1|'{\"k\": [1, \"two\", null], \"q\": \"a\\\"b\\\\c\", \"\xc3\xbc\": true}'\n"
        "color|TEXT|1|'green'\n");
    expect_rows(
        db,
        "SELECT name, type FROM pragma_table_info('samples') "
        "WHERE name IN ('payload', 'payload_n', 'ratio_n', 'owner', 'moment_n') ORDER BY cid",
        "ratio_n|REAL\npayload|BLOB\npayload_n|BLOB\nmoment_n|INTEGER\nowner|INTEGER\n");
    expect_rows(
        db,
        "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('accounts')",
        "accounts|parent|id|RESTRICT\n");
    expect_rows(db,
                "SELECT \"table\", \"from\", \"to\", on_delete "
                "FROM pragma_foreign_key_list('samples') ORDER BY \"from\"",
                "accounts|owner|id|RESTRICT\n"
                "accounts|owner_n|id|RESTRICT\n");
    expect_rows(
        db,
        "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('sample_tag')",
        "samples|sample|id|RESTRICT\n");
    expect_rows(
        db,
        "SELECT l.name, l.\"unique\", group_concat(i.name) FROM pragma_index_list('samples') l, "
        "pragma_index_info(l.name) i GROUP BY l.name ORDER BY l.name",
        "samples_color_small_idx|0|color,small\n"
        "samples_moment_idx|0|moment\n"
        "samples_owner_day_idx|1|owner,day\n"
        "samples_owner_n_idx|0|owner_n\n"
        "sqlite_autoindex_samples_1|1|id\n"
        "sqlite_autoindex_samples_2|1|code\n"
        "sqlite_autoindex_samples_3|1|serial\n"
        "sqlite_autoindex_samples_4|1|opened_on\n");

    /* account: defaults, bounds, the self-reference. */
    ACCEPTED(db, "INSERT INTO accounts (version, handle, label) VALUES (1, 'root', 'Root')");
    expect_rows(db, "SELECT id, parent, level, balance, status FROM accounts",
                "1|NULL|1|-9007199254740993|active\n");
    ACCEPTED(db,
             "INSERT INTO accounts (version, handle, label, parent) VALUES (1, 'kid', 'Kid', 1)");
    REFUSED(db, FOREIGN_KEY,
            "INSERT INTO accounts (version, handle, label, parent) VALUES (1, 'lost', 'L', 99)");
    REFUSED(db, RESTRICT, "DELETE FROM accounts WHERE id = 1");
    REFUSED(db, UNIQUE, "INSERT INTO accounts (version, handle, label) VALUES (1, 'root', 'R2')");
    REFUSED(db, CHECK, "UPDATE accounts SET level = 100 WHERE id = 1");
    REFUSED(db, CHECK, "UPDATE accounts SET level = -1 WHERE id = 1");
    REFUSED(db, CHECK, "UPDATE accounts SET status = 'open' WHERE id = 1");
    REFUSED(db, CHECK, "UPDATE accounts SET handle = printf('%033d', 0) WHERE id = 1");
    /* An int64 key is never handed out again, even after its row is deleted. */
    ACCEPTED(db, "INSERT INTO accounts (version, handle, label) VALUES (1, 'gone', 'G')");
    ACCEPTED(db, "DELETE FROM accounts WHERE handle = 'gone'");
    ACCEPTED(db, "INSERT INTO accounts (version, handle, label) VALUES (1, 'new', 'N')");
    expect_rows(db, "SELECT id, handle FROM accounts ORDER BY id", "1|root\n2|kid\n4|new\n");
    ACCEPTED(db, "UPDATE accounts SET balance = -9223372036854775808 WHERE id = 1");
    expect_rows(db, "SELECT typeof(balance), balance FROM accounts WHERE id = 1",
                "integer|-9223372036854775808\n");

#define SAMPLE(n, cols, vals)                                                                      \
    "INSERT INTO samples (id, version, payload, owner, code, token" cols                           \
    ") VALUES (printf('S%025d', " #n "), 1, x'00', 1, " #n ", 't'" vals ")"

    /* Every default, read back exactly. */
    ACCEPTED(db, SAMPLE(1, "", ""));
    expect_rows(db,
                "SELECT flag, small, big, ratio, words, day, day_n, moment, doc, color, "
                "flag_n, color_n, owner_n, serial FROM samples",
                "0|-5|42|2.5|He said \"hi\", it's a back\\slash: \\\\ na\xc3\xafve caf\xc3\xa9 "
                "\xe2\x9c\x93 ?\?!|-1|19782|951827696789|"
                "{\"k\": [1, \"two\", null], \"q\": \"a\\\"b\\\\c\", \"\xc3\xbc\": true}|green|"
                "NULL|NULL|NULL|NULL\n");
    expect_rows(db, "SELECT json_extract(doc, '$.q'), json_extract(doc, '$.k[1]') FROM samples",
                "a\"b\\c|two\n");

    /* Uniques: code, the pair (owner, day); NULLs never clash. */
    REFUSED(db, UNIQUE,
            "INSERT INTO samples (id, version, payload, owner, code, token, day) "
            "VALUES (printf('S%025d', 2), 1, x'00', 1, 1, 't', 5)");
    REFUSED(db, UNIQUE, SAMPLE(2, "", ""));
    ACCEPTED(db, SAMPLE(2, ", day", ", 5"));
    REFUSED(db, UNIQUE, "UPDATE samples SET serial = 7");
    REFUSED(db, UNIQUE, "UPDATE samples SET opened_on = 7");
    ACCEPTED(db, "UPDATE samples SET serial = NULL, opened_on = NULL");

    /* Ranges, types and values. */
    const char *one = "UPDATE samples SET %s WHERE id = printf('S%%025d', 1)";
    static const struct {
        int code;
        const char *set;
    } rules[] = {
        { CHECK, "small = 11" },
        { CHECK, "small = -11" },
        { SQLITE_OK, "small = 10" },
        { CHECK, "small_n = 2147483648" },
        { SQLITE_OK, "small_n = 2147483647" },
        { CHECK, "big = 0" },
        { CHECK, "big_n = 1001" },
        { SQLITE_OK, "big_n = 1000" },
        { CHECK, "ratio = 1000000.5" },
        { CHECK, "ratio = -1.6" },
        { SQLITE_OK, "ratio = -1.5" },
        { CHECK, "flag = 2" },
        { CHECK, "flag_n = -1" },
        { SQLITE_OK, "flag_n = 1" },
        { CHECK, "words_n = 'eleven char'" },
        { CHECK, "payload_n = zeroblob(17)" },
        { SQLITE_OK, "payload_n = zeroblob(16)" },
        { CHECK, "day = 2147483648" },
        { CHECK, "doc = 'nope'" },
        { CHECK, "doc_n = '{\"a\": }'" },
        { SQLITE_OK, "doc_n = '[1]'" },
        { CHECK, "color = 'purple'" },
        { CHECK, "color_n = 'sideways'" },
        { SQLITE_OK, "color_n = 'down'" },
        { NOT_NULL, "color = NULL" },
        { NOT_NULL, "payload = NULL" },
        { FOREIGN_KEY, "owner = 99" },
        { FOREIGN_KEY, "owner_n = 99" },
        { SQLITE_OK, "owner_n = 2" },
        { DATATYPE, "big = 'many'" },
        { DATATYPE, "payload = 3.5" },
        { DATATYPE, "moment = '2000-01-01'" },
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, one, rules[i].set);
        int rc = db_try(db, sql, NULL);
        if (rc != rules[i].code)
            fail_msg("SET %s: result %d, expected %d", rules[i].set, rc, rules[i].code);
    }
    char *u10 = repeat("\xc3\xbc", 10); /* ü ten times: 10 characters, 20 bytes */
    assert_int_equal(db_try(db, "UPDATE samples SET words_n = ?1", u10), SQLITE_OK);
    free(u10);

    /* sample_tag: a ref to a ULID key, an enum that may be NULL, a unique pair. */
    const char *tag = "INSERT INTO sample_tag (id, version, sample, tag) "
                      "VALUES (lower(hex(randomblob(13))), 1, printf('S%025d', 1), ?1)";
    assert_int_equal(db_try(db, tag, NULL), SQLITE_OK);
    assert_int_equal(db_try(db, tag, NULL), SQLITE_OK);
    assert_int_equal(db_try(db, tag, "new"), SQLITE_OK);
    assert_int_equal(db_try(db, tag, "new"), UNIQUE);
    assert_int_equal(db_try(db, tag, "mid"), CHECK);
    REFUSED(db, FOREIGN_KEY,
            "INSERT INTO sample_tag (id, version, sample) "
            "VALUES (lower(hex(randomblob(13))), 1, printf('S%025d', 99))");
    REFUSED(db, RESTRICT, "DELETE FROM samples WHERE id = printf('S%025d', 1)");
    REFUSED(db, CHECK, "UPDATE sample_tag SET note = printf('%0256d', 0)");
    ACCEPTED(db, "UPDATE sample_tag SET note = printf('%0255d', 0)");
#undef SAMPLE
    sqlite3_close(db);
}

/* Appends the words of @list ('|'-separated, may be empty) to @argv at *@n, each after @prefix. */
static void add_list(const char **argv, size_t *n, size_t max, char *list, const char *prefix,
                     path *store)
{
    for (char *w = strtok(list, "|"); w; w = strtok(NULL, "|")) {
        assert_true(*n + 1 < max);
        store[*n] = pathf("%s%s", prefix, w);
        argv[*n] = store[*n].s;
        ++*n;
    }
}

/*
 * The DDL that NAME_sqlite.c embeds, run by tests/gen_ddl_apply.c linked with
 * it, makes the same database as NAME_sqlite.sql, statement for statement.
 */
static void embedded_ddl(const char *name)
{
    path out = pathf("%s/%s", tmp, name), exe = pathf("%s/apply", tmp);
    generate_ok(name, out.s);
    path inc = pathf("-I%s", out.s), sym = pathf("-DDDL_SYMBOL=%s_ddl_sqlite", name),
         src = pathf("%s/%s_sqlite.c", out.s, name), store[32];
    const char *argv[32];
    size_t n = cc_flags(argv, &inc);
    argv[n++] = sym.s;
    char includes[] = TRAIL_SQLITE_INCLUDE_DIRS, libs[] = TRAIL_SQLITE_LIBRARIES;
    add_list(argv, &n, 32, includes, "-I", store);
    argv[n++] = SRC "/tests/gen_ddl_apply.c";
    argv[n++] = src.s;
    argv[n++] = "-o";
    argv[n++] = exe.s;
    add_list(argv, &n, 32, libs, "", store);
    argv[n] = NULL;
    ran r = run(NULL, argv);
    if (r.status != 0)
        fail_msg("gen_ddl_apply.c with %s does not build:\n%s%s", src.s, r.out, r.err);
    ran_free(&r);

    /* The script's statements: each starts a line with CREATE. */
    char *sql = slurp(pathf("%s/%s_sqlite.sql", out.s, name).s, NULL);
    size_t creates = 0;
    for (const char *p = sql; (p = strstr(p, "CREATE ")); p++)
        creates += p == sql || p[-1] == '\n';
    char want[32];
    snprintf(want, sizeof want, "%zu\n", creates);

    path from_c = pathf("%s/from_c.db", tmp), from_sql = pathf("%s/from_sql.db", tmp);
    for (int i = 0; i < 2; i++) { /* twice: idempotent too */
        r = run(NULL, (const char *const[]){ exe.s, from_c.s, NULL });
        if (r.status != 0)
            fail_msg("the DDL of %s_sqlite.c fails:\n%s", name, r.err);
        assert_string_equal(r.out, want);
        ran_free(&r);
    }
    sqlite3 *a = db_open(from_c.s), *b = db_open(from_sql.s);
    db_exec(b, sql);
    char *by_c = schema_dump(a), *by_sql = schema_dump(b);
    assert_string_equal(by_c, by_sql);
    free(by_c);
    free(by_sql);
    free(sql);
    sqlite3_close(a);
    sqlite3_close(b);
}

static void test_embedded_ddl_shop(void **state)
{
    (void)state;
    embedded_ddl("shop");
}

static void test_embedded_ddl_everything(void **state)
{
    (void)state;
    embedded_ddl("everything");
}

/* ---- cli ---------------------------------------------------------------- */

/* Whether @text names the option @opt as a word of its own ("-o" is not in "--output"). */
static bool mentions(const char *text, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = text; (p = strstr(p, opt)); p++)
        if ((p == text || p[-1] == ' ' || p[-1] == '\n') && strchr(" ,\n", p[n]))
            return true;
    return false;
}

static void test_cli_help(void **state)
{
    (void)state;
    static const char *const opts[] = { "-o",          "--output", "--drivers", "--check",
                                        "--templates", "-h",       "--help",    "--version" };
    const char *forms[] = { "--help", "-h" };
    for (size_t f = 0; f < 2; f++) {
        ran r = trailgen(NULL, forms[f], NULL);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.err, "");
        for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
            if (!mentions(r.out, opts[i]))
                fail_msg("trailgen %s does not mention %s:\n%s", forms[f], opts[i], r.out);
        ran_free(&r);
    }
}

static void test_cli_version(void **state)
{
    (void)state;
    ran r = trailgen(NULL, "--version", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "trailgen " TRAIL_PROJECT_VERSION "\n");
    assert_string_equal(r.err, "");
    ran_free(&r);
}

/* A bad command line: exit 2, a message naming the problem, nothing written. */
static void test_cli_usage_errors(void **state)
{
    (void)state;
    path cwd = pathf("%s/cwd", tmp);
    assert_int_equal(mkdir(cwd.s, 0777), 0);
    static const struct {
        const char *args[4];
        const char *says;
    } cases[] = {
        { { NULL }, "no schema" },
        { { "--bogus", SRC "/schema/shop.yaml", NULL }, "--bogus" },
        { { "--drivers", "bogus", SRC "/schema/shop.yaml", NULL }, "'bogus'" },
        { { "--drivers", "sqlite,oracle", SRC "/schema/shop.yaml", NULL }, "'oracle'" },
        { { "--drivers", "", SRC "/schema/shop.yaml", NULL }, "driver" },
        { { SRC "/schema/shop.yaml", "-o", NULL }, "-o" },
        { { SRC "/schema/shop.yaml", "--templates", NULL }, "--templates" },
        { { SRC "/schema/shop.yaml", SRC "/schema/everything.yaml", NULL }, "one schema" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *argv[6] = { TRAILGEN_EXE };
        for (size_t j = 0; cases[i].args[j]; j++)
            argv[j + 1] = cases[i].args[j];
        ran r = run(cwd.s, argv);
        if (r.status != 2 || !strstr(r.err, cases[i].says))
            fail_msg("case %zu: exit %d, stderr:\n%s\nexpected exit 2 and \"%s\"", i, r.status,
                     r.err, cases[i].says);
        assert_string_equal(r.out, "");
        ran_free(&r);
    }
    assert_files(cwd.s, (const char *const[]){ NULL });
}

/* Fails unless every line of @err reads "@file:LINE:COL: error: KEY.PATH: ...". */
static void assert_all_located(const char *err, const char *file)
{
    for (const char *p = err; *p;) {
        const char *end = strchr(p, '\n');
        assert_non_null(end);
        int line = 0, col = 0, used = 0;
        char fmt[64];
        snprintf(fmt, sizeof fmt, "%s:%%d:%%d: error: %%n", file);
        size_t key_path = 0;
        if (sscanf(p, fmt, &line, &col, &used) == 2 && used > 0)
            key_path = strspn(p + used, "abcdefghijklmnopqrstuvwxyz0123456789_.[]");
        if (line < 1 || col < 1 || key_path == 0 || strncmp(p + used + key_path, ": ", 2) != 0)
            fail_msg("not \"%s:LINE:COL: error: KEY.PATH: ...\": %.*s", file, (int)(end - p), p);
        p = end + 1;
    }
}

static void test_cli_bad_schema(void **state)
{
    (void)state;
    path cwd = pathf("%s/cwd", tmp);
    assert_int_equal(mkdir(cwd.s, 0777), 0);
    spit(pathf("%s/bad.yaml", cwd.s).s, "schema: bad\n"
                                        "version: 1\n"
                                        "entities:\n"
                                        "  thing:\n"
                                        "    fields:\n"
                                        "      size: { type: integr }\n"
                                        "      label: { type: text, max: 0 }\n");
    ran r = trailgen(cwd.s, "-o", "out", "bad.yaml", NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    /* Columns counted by hand: `integr` starts at 21, `0` at 33. */
    if (!strstr(r.err, "bad.yaml:6:21: error: entities.thing.fields.size.type: unknown type "
                       "'integr'; did you mean 'int32'?\n") ||
        !strstr(r.err, "bad.yaml:7:33: error: entities.thing.fields.label.max: "))
        fail_msg("stderr:\n%s", r.err);
    assert_all_located(r.err, "bad.yaml");
    ran_free(&r);
    assert_files(cwd.s, (const char *const[]){ "bad.yaml", NULL });

    /* --check reports the same. */
    r = trailgen(cwd.s, "--check", "bad.yaml", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(
        strstr(r.err, "bad.yaml:6:21: error: entities.thing.fields.size.type: unknown type"));
    ran_free(&r);

    r = trailgen(cwd.s, "missing.yaml", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "missing.yaml"));
    ran_free(&r);
}

/* --check on a good schema: exit 0, silent, nothing written (not even the -o directory). */
static void test_cli_check(void **state)
{
    (void)state;
    path cwd = pathf("%s/cwd", tmp);
    assert_int_equal(mkdir(cwd.s, 0777), 0);
    const char *names[] = { SRC "/schema/shop.yaml", SRC "/schema/everything.yaml" };
    for (size_t i = 0; i < 2; i++) {
        ran r = trailgen(cwd.s, "--check", "-o", "out", names[i], NULL);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "");
        assert_string_equal(r.err, "");
        ran_free(&r);
        r = trailgen(cwd.s, "--check", names[i], NULL);
        assert_int_equal(r.status, 0);
        ran_free(&r);
    }
    assert_files(cwd.s, (const char *const[]){ NULL });
}

/* Without -o the files go into the current directory. */
static void test_cli_default_output_dir(void **state)
{
    (void)state;
    path cwd = pathf("%s/cwd", tmp);
    assert_int_equal(mkdir(cwd.s, 0777), 0);
    ran r = trailgen(cwd.s, SRC "/schema/shop.yaml", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    ran_free(&r);
    file_list shop_files;
    assert_files(cwd.s, files_of(&shop_files, "shop"));
}

/* Fails unless @file contains (or, with @want false, lacks) @text. */
static void assert_contains(const char *file, const char *text, bool want)
{
    char *body = slurp(file, NULL);
    assert_non_null(body);
    if ((strstr(body, text) != NULL) != want)
        fail_msg("%s %s \"%s\"", file, want ? "lacks" : "holds", text);
    free(body);
}

/* --drivers limits the files, and NAME.c refers to the statements of those drivers only. */
static void test_cli_drivers(void **state)
{
    (void)state;
    path out = pathf("%s/sqlite", tmp);
    ran r = trailgen(NULL, "--drivers", "sqlite", "-o", out.s, SRC "/schema/shop.yaml", NULL);
    assert_int_equal(r.status, 0);
    ran_free(&r);
    assert_files(out.s, (const char *const[]){ "shop.h", "shop.c", "shop_sqlite.c",
                                               "shop_sqlite.sql", NULL });
    path c = pathf("%s/shop.c", out.s);
    assert_contains(c.s, "&shop_customer_sql_sqlite", true);
    assert_contains(c.s, "&shop_ddl_sqlite", true);
    static const char *const others[] = { "_pg", "_mysql", "TRAIL_DRIVER_PG",
                                          "TRAIL_DRIVER_MYSQL" };
    for (size_t i = 0; i < 4; i++)
        assert_contains(c.s, others[i], false);
    compile(out.s, "shop.c");
    compile(out.s, "shop_sqlite.c");

    out = pathf("%s/servers", tmp);
    r = trailgen(NULL, "--drivers", "pg,mysql", "-o", out.s, SRC "/schema/shop.yaml", NULL);
    assert_int_equal(r.status, 0);
    ran_free(&r);
    assert_files(out.s, (const char *const[]){ "shop.h", "shop.c", "shop_pg.c", "shop_pg.sql",
                                               "shop_mysql.c", "shop_mysql.sql", NULL });
    c = pathf("%s/shop.c", out.s);
    assert_contains(c.s, "&shop_order_line_sql_pg", true);
    assert_contains(c.s, "&shop_ddl_mysql", true);
    assert_contains(c.s, "sqlite", false);
    assert_contains(c.s, "SQLITE", false);
    compile(out.s, "shop.c");
}

/* ---- templates ---------------------------------------------------------- */

/* Copies the templates of templates/ into @dir; with @only, just that one. */
static void copy_templates(const char *dir, const char *only)
{
    assert_int_equal(mkdir(dir, 0777), 0);
    listing l = list_dir(SRC "/templates");
    size_t n = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (only && strcmp(l.names[i], only) != 0)
            continue;
        char *text = slurp(pathf("%s/templates/%s", SRC, l.names[i]).s, NULL);
        spit(pathf("%s/%s", dir, l.names[i]).s, text);
        free(text);
        n++;
    }
    assert_true(n >= 1);
    listing_free(&l);
}

/* Replaces the first @from in @file by @to. */
static void edit(const char *file, const char *from, const char *to)
{
    char *text = slurp(file, NULL);
    char *at = strstr(text, from);
    if (!at)
        fail_msg("%s: no \"%s\"", file, from);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    fwrite(text, 1, (size_t)(at - text), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    assert_int_equal(fclose(f), 0);
    free(text);
}

#define MARK "/* rendered from an overriding template */\n"

/*
 * With @only NULL, a copy of every template, else just @only, with
 * header.h.mustache altered: the header shows the change, exactly, and
 * every other file is as the built-in templates make it.
 */
static void override_header(const char *only)
{
    path tpl = pathf("%s/tpl", tmp), out = pathf("%s/out", tmp), plain = pathf("%s/plain", tmp);
    copy_templates(tpl.s, only);
    edit(pathf("%s/header.h.mustache", tpl.s).s, "#ifndef {{SCHEMA}}_H",
         MARK "#ifndef {{SCHEMA}}_H");
    ran r = trailgen(NULL, "--templates", tpl.s, "-o", out.s, SRC "/schema/shop.yaml", NULL);
    if (r.status != 0)
        fail_msg("exit %d:\n%s", r.status, r.err);
    ran_free(&r);
    generate_ok("shop", plain.s);

    path h = pathf("%s/shop.h", out.s);
    assert_contains(h.s, MARK "#ifndef SHOP_H", true);
    edit(h.s, MARK, ""); /* without the mark, the header is what the built-in template makes */
    assert_same_dirs(plain.s, out.s);
}

static void test_templates_override(void **state)
{
    (void)state;
    override_header(NULL);
}

/* A directory holding some templates: the others are the built-in ones. */
static void test_templates_partial_dir(void **state)
{
    (void)state;
    override_header("header.h.mustache");
}

/* A template that does not render fails the run, naming it, and nothing is written. */
static void test_templates_broken(void **state)
{
    (void)state;
    path tpl = pathf("%s/tpl", tmp), out = pathf("%s/out", tmp);
    assert_int_equal(mkdir(tpl.s, 0777), 0);
    spit(pathf("%s/driver.c.mustache", tpl.s).s, "{{#entities}}never closed\n");
    ran r = trailgen(NULL, "--templates", tpl.s, "-o", out.s, SRC "/schema/shop.yaml", NULL);
    assert_int_equal(r.status, 1);
    if (!strstr(r.err, "driver.c.mustache"))
        fail_msg("the message does not name the template:\n%s", r.err);
    ran_free(&r);
    assert_int_equal(access(out.s, F_OK), -1);
}

/* A --templates directory that is not there is an error, not a silent fallback. */
static void test_templates_missing_dir(void **state)
{
    (void)state;
    path tpl = pathf("%s/no-such-dir", tmp), out = pathf("%s/out", tmp);
    ran r = trailgen(NULL, "--templates", tpl.s, "-o", out.s, SRC "/schema/shop.yaml", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, tpl.s));
    ran_free(&r);
    assert_int_equal(access(out.s, F_OK), -1);
}

/* ---- main --------------------------------------------------------------- */

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
    static const struct CMUnitTest golden[] = { TEST(test_golden), TEST(test_banners) };
    static const struct CMUnitTest reproducible[] = { TEST(test_two_runs_same_bytes),
                                                      TEST(test_rerun_rewrites_nothing) };
    static const struct CMUnitTest atomic[] = { TEST(test_bad_schema_writes_nothing),
                                                TEST(test_bad_schema_keeps_previous_output),
                                                TEST(test_write_failure_keeps_previous_output) };
    static const struct CMUnitTest compile_tests[] = { TEST(test_compile_shop),
                                                       TEST(test_compile_everything) };
    static const struct CMUnitTest sqlite[] = {
        TEST(test_sqlite_shop), TEST(test_sqlite_everything), TEST(test_event_index_names),
        TEST(test_embedded_ddl_shop), TEST(test_embedded_ddl_everything)
    };
    static const struct CMUnitTest cli[] = {
        TEST(test_cli_help),       TEST(test_cli_version), TEST(test_cli_usage_errors),
        TEST(test_cli_bad_schema), TEST(test_cli_check),   TEST(test_cli_default_output_dir),
        TEST(test_cli_drivers)
    };
    static const struct CMUnitTest templates[] = { TEST(test_templates_override),
                                                   TEST(test_templates_partial_dir),
                                                   TEST(test_templates_broken),
                                                   TEST(test_templates_missing_dir) };
#define GROUP(name, tests)                                                                         \
    {                                                                                              \
        name, tests, sizeof tests / sizeof tests[0]                                                \
    }
    static const struct {
        const char *name;
        const struct CMUnitTest *tests;
        size_t n;
    } groups[] = {
        GROUP("golden", golden),       GROUP("reproducible", reproducible),
        GROUP("atomic", atomic),       GROUP("compile", compile_tests),
        GROUP("sqlite", sqlite),       GROUP("cli", cli),
        GROUP("templates", templates),
    };
    int failed = 0;
    bool known = false;
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
        if (argc > 1 && strcmp(argv[1], groups[i].name) != 0)
            continue;
        known = true;
        failed += _cmocka_run_group_tests(groups[i].name, groups[i].tests, groups[i].n, NULL, NULL);
    }
    if (!known) {
        fprintf(stderr, "test_gen: no group '%s'\n", argv[1]);
        return 2;
    }
    return failed ? 1 : 0;
}
