/*
 * output.c - all-or-nothing writing of generated files.
 */
#define _POSIX_C_SOURCE 200809L
#include "output.h"
#include "trail/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gen_output_add(gen_output *out, const char *name, trail_buf *text)
{
    gen_file *files = realloc(out->files, (out->n_files + 1) * sizeof *files);
    if (!files)
        return TRAIL_ENOMEM;
    out->files = files;
    char *copy = strdup(name);
    if (!copy)
        return TRAIL_ENOMEM;
    files[out->n_files].name = copy;
    files[out->n_files].text = *text;
    *text = (trail_buf)TRAIL_BUF_INIT;
    out->n_files++;
    return TRAIL_OK;
}

void gen_output_free(gen_output *out)
{
    for (size_t i = 0; i < out->n_files; i++) {
        free(out->files[i].name);
        trail__buf_free(&out->files[i].text);
    }
    free(out->files);
    out->files = NULL;
    out->n_files = 0;
}

/* Whether @path holds exactly @text already. */
static bool same_content(const char *path, const trail_buf *text)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool same = true;
    char chunk[8192];
    size_t at = 0, n;
    while (same && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        same = at + n <= text->len && memcmp(chunk, text->data + at, n) == 0;
        at += n;
    }
    same = same && !ferror(f) && at == text->len;
    fclose(f);
    return same;
}

/* mkdir -p */
static int make_dir(const char *dir)
{
    if (!*dir)
        return TRAIL_OK;
    char *path = strdup(dir);
    if (!path)
        return TRAIL_ENOMEM;
    int rc = TRAIL_OK;
    for (char *p = path + 1; rc == TRAIL_OK; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(path, 0777) < 0 && errno != EEXIST)
            rc = TRAIL_ESYS;
        if (end)
            break;
        *p = '/';
    }
    free(path);
    return rc;
}

/* Writes @text to a new temporary file beside @target; its name goes to @tmp. */
static int write_temp(char **tmp, const char *target, const trail_buf *text, mode_t mode)
{
    size_t n = strlen(target) + sizeof ".tmp.XXXXXX";
    char *name = malloc(n);
    if (!name)
        return TRAIL_ENOMEM;
    snprintf(name, n, "%s.tmp.XXXXXX", target);
    int fd = mkstemp(name);
    if (fd < 0)
        goto fail_name;
    const char *p = text->data;
    size_t left = text->len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            goto fail_fd;
        p += w;
        left -= (size_t)w;
    }
    if (fchmod(fd, mode) < 0 || close(fd) < 0)
        goto fail_file;
    *tmp = name;
    return TRAIL_OK;

fail_fd:
    close(fd);
fail_file:
    unlink(name);
fail_name:
    free(name);
    return TRAIL_ESYS;
}

int gen_output_write(const gen_output *out, const char *dir, gen_diag *diag, size_t *changed)
{
    int rc = TRAIL_OK;
    size_t n_changed = 0;
    char **tmp = calloc(out->n_files ? out->n_files : 1, sizeof *tmp);
    char **target = calloc(out->n_files ? out->n_files : 1, sizeof *target);
    if (!tmp || !target) {
        rc = TRAIL_ENOMEM;
        gen_diag_error(diag, dir, (gen_pos){ 0, 0 }, "out of memory");
        goto done;
    }
    if (make_dir(dir) < 0) {
        rc = TRAIL_ESYS;
        gen_diag_error(diag, dir, (gen_pos){ 0, 0 }, "cannot create directory: %s",
                       strerror(errno));
        goto done;
    }
    mode_t mask = umask(0);
    umask(mask);

    for (size_t i = 0; i < out->n_files; i++) {
        size_t n = strlen(dir) + strlen(out->files[i].name) + 2;
        if (!(target[i] = malloc(n))) {
            rc = TRAIL_ENOMEM;
            gen_diag_error(diag, dir, (gen_pos){ 0, 0 }, "out of memory");
            goto undo;
        }
        snprintf(target[i], n, "%s/%s", dir, out->files[i].name);
        /* Found now, a target that rename() cannot replace fails the run before any rename. */
        struct stat st;
        if (stat(target[i], &st) == 0 && !S_ISREG(st.st_mode)) {
            rc = TRAIL_ESYS;
            gen_diag_error(diag, target[i], (gen_pos){ 0, 0 },
                           "cannot replace: not a regular file");
            goto undo;
        }
        if (same_content(target[i], &out->files[i].text))
            continue;
        if ((rc = write_temp(&tmp[i], target[i], &out->files[i].text, 0666 & ~mask)) < 0) {
            gen_diag_error(diag, target[i], (gen_pos){ 0, 0 }, "cannot write: %s", strerror(errno));
            goto undo;
        }
    }
    /* Everything is on disk: now the renames, which do not fail for want of space. */
    for (size_t i = 0; i < out->n_files; i++) {
        if (!tmp[i])
            continue;
        if (rename(tmp[i], target[i]) < 0) {
            rc = TRAIL_ESYS;
            gen_diag_error(diag, target[i], (gen_pos){ 0, 0 }, "cannot replace: %s",
                           strerror(errno));
            goto undo;
        }
        free(tmp[i]);
        tmp[i] = NULL;
        n_changed++;
    }
    goto done;

undo:
    for (size_t i = 0; i < out->n_files; i++)
        if (tmp[i])
            unlink(tmp[i]);
done:
    for (size_t i = 0; tmp && target && i < out->n_files; i++) {
        free(tmp[i]);
        free(target[i]);
    }
    free(tmp);
    free(target);
    if (changed)
        *changed = n_changed;
    return rc;
}
