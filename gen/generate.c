/*
 * generate.c - one trailgen run.
 *
 * Files per schema NAME: NAME.h (the typed API), NAME.c (descriptors and
 * wrappers, choosing the driver from the connection), and per driver
 * NAME_<driver>.c (its statements) and NAME_<driver>.sql (its tables), for
 * the drivers of runtime/driver/drivers.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "generate.h"
#include "driver/dialect.h"
#include "model.h"
#include "mustache.h"
#include "output.h"
#include "schema.h"
#include "templates.h"
#include "trail/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A template's text, from the override directory when it has one, else built in. */
typedef struct template_text {
    const char *text;
    size_t len;
    char *owned; /* read from the override directory */
} template_text;

static int template_load(template_text *t, const gen_options *o, const char *name, gen_diag *diag)
{
    memset(t, 0, sizeof *t);
    if (o->templates_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", o->templates_dir, name);
        FILE *f = fopen(path, "rb");
        if (f) {
            trail_buf b = TRAIL_BUF_INIT;
            char chunk[8192];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                if (trail__buf_append(&b, chunk, n) < 0)
                    break;
            bool bad = b.err < 0 || ferror(f);
            fclose(f);
            if (bad) {
                trail__buf_free(&b);
                gen_diag_error(diag, path, (gen_pos){ 0, 0 }, "cannot read the template");
                return TRAIL_ESYS;
            }
            t->owned = b.data ? b.data : strdup("");
            t->text = t->owned;
            t->len = b.len;
            return t->owned ? TRAIL_OK : TRAIL_ENOMEM;
        }
    }
    const gen_template *builtin = gen_template_embedded(name);
    if (!builtin) {
        gen_diag_error(diag, name, (gen_pos){ 0, 0 }, "no such template");
        return TRAIL_EARG;
    }
    t->text = builtin->text;
    t->len = builtin->len;
    return TRAIL_OK;
}

/* The partials one render has loaded, kept until it ends. */
#define MAX_PARTIALS 8
typedef struct partials {
    const gen_options *o;
    gen_diag *diag;
    template_text loaded[MAX_PARTIALS];
    size_t n;
    int rc; /* the first failure to load one: a missing partial is a template bug here */
} partials;

static const char *partial_text(void *userdata, const char *name, size_t *len)
{
    partials *p = userdata;
    if (p->n == MAX_PARTIALS) {
        gen_diag_error(p->diag, name, (gen_pos){ 0, 0 }, "more than %d partials in one template",
                       MAX_PARTIALS);
        p->rc = TRAIL_EINVALID;
        return NULL;
    }
    int rc = template_load(&p->loaded[p->n], p->o, name, p->diag);
    if (rc < 0) {
        p->rc = p->rc < 0 ? p->rc : rc;
        return NULL;
    }
    *len = p->loaded[p->n].len;
    return p->loaded[p->n++].text;
}

/* Renders the template @name, and the partials it names ({{> file.mustache}}), against @model. */
static int render(trail_buf *out, const gen_options *o, const char *name, const json_t *model,
                  gen_diag *diag)
{
    template_text t;
    int rc = template_load(&t, o, name, diag);
    if (rc < 0)
        return rc;
    char err[512];
    partials p = { .o = o, .diag = diag, .rc = TRAIL_OK };
    gen_mustache_opts mo = {
        .name = name, .escape_html = false, .partial = partial_text, .partial_userdata = &p
    };
    size_t start = out->len;
    rc = gen_mustache_render(out, t.text, t.len, model, &mo, err, sizeof err);
    if (rc == TRAIL_EINVALID)
        gen_diag_error(diag, "template", (gen_pos){ 0, 0 }, "%s", err);
    else if (rc < 0)
        gen_diag_error(diag, name, (gen_pos){ 0, 0 }, "%s", trail_strerror(rc));
    else if (p.rc < 0) { /* reported by partial_text() */
        rc = p.rc;
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    for (size_t i = 0; i < p.n; i++)
        free(p.loaded[i].owned);
    free(t.owned);
    return rc;
}

/* Renders @template into the output file @schema@suffix. */
static int render_file(gen_output *out, const gen_options *o, const char *template,
                       const gen_schema *s, const char *suffix, const json_t *model, gen_diag *diag,
                       trail_buf *keep)
{
    trail_buf text = TRAIL_BUF_INIT;
    char name[GEN_NAME_MAX + 32];
    int rc;
    if ((rc = render(&text, o, template, model, diag)) < 0 ||
        (keep && (rc = trail__buf_append(keep, text.data ? text.data : "", text.len)) < 0))
        goto out;
    snprintf(name, sizeof name, "%s%s", s->name, suffix);
    rc = gen_output_add(out, name, &text);
out:
    trail__buf_free(&text);
    return rc;
}

/*
 * The files of driver @d: its DDL script, rendered from its own template
 * (runtime/driver/<name>/<name>.sql.mustache), then its statements with that
 * DDL inside, rendered from the template all drivers share. @model, the
 * common one, is switched to the driver first.
 */
static int render_driver(gen_output *out, const gen_options *o, const gen_schema *s, json_t *model,
                         const trail_dialect *d, gen_diag *diag)
{
    char tmpl_sql[64], suffix_sql[32], suffix_c[32];
    snprintf(tmpl_sql, sizeof tmpl_sql, "%s.sql.mustache", d->name);
    snprintf(suffix_sql, sizeof suffix_sql, "_%s.sql", d->name);
    snprintf(suffix_c, sizeof suffix_c, "_%s.c", d->name);

    trail_buf sql = TRAIL_BUF_INIT;
    int rc;
    if ((rc = gen_model_set_driver(model, s, d)) < 0 ||
        (rc = render_file(out, o, tmpl_sql, s, suffix_sql, model, diag, &sql)) < 0 ||
        (rc = gen_model_set_ddl(model, sql.data ? sql.data : "")) < 0)
        goto out;
    rc = render_file(out, o, "driver.c.mustache", s, suffix_c, model, diag, NULL);
out:
    if (rc == TRAIL_ENOMEM)
        gen_diag_error(diag, s->path, (gen_pos){ 0, 0 }, "out of memory");
    trail__buf_free(&sql);
    return rc;
}

int gen_run(const gen_options *o, gen_diag *diag)
{
    int status = GEN_EXIT_SCHEMA;
    gen_output out = { 0 };
    gen_schema *s = gen_schema_load(o->schema_path, diag);
    if (!s)
        return status;
    if (o->check_only) {
        gen_schema_free(s);
        return GEN_EXIT_OK;
    }
    /* Else a mistyped --templates would silently render the built-in templates. */
    struct stat st;
    if (o->templates_dir && (stat(o->templates_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
        gen_diag_error(diag, o->templates_dir, (gen_pos){ 0, 0 }, "not a directory of templates");
        gen_schema_free(s);
        return status;
    }

    /* Banners name the schema file alone, so output does not depend on where it was built. */
    const char *source = strrchr(o->schema_path, '/');
    source = source ? source + 1 : o->schema_path;
    unsigned drivers = o->drivers ? o->drivers : gen_drivers_all();

    json_t *common = gen_model_new(s, source, drivers, NULL);
    if (!common) {
        gen_diag_error(diag, o->schema_path, (gen_pos){ 0, 0 }, "out of memory");
        goto done;
    }
    if (render_file(&out, o, "header.h.mustache", s, ".h", common, diag, NULL) < 0 ||
        render_file(&out, o, "source.c.mustache", s, ".c", common, diag, NULL) < 0)
        goto done;
    for (size_t i = 0; trail__dialects[i]; i++)
        if ((drivers & GEN_DRIVER_BIT(i)) &&
            render_driver(&out, o, s, common, trail__dialects[i], diag) < 0)
            goto done;
    if (gen_output_write(&out, o->out_dir && *o->out_dir ? o->out_dir : ".", diag, NULL) ==
        TRAIL_OK)
        status = GEN_EXIT_OK;
done:
    json_decref(common);
    gen_output_free(&out);
    gen_schema_free(s);
    return status;
}
