/*
 * output.h - writing a run's files all or nothing.
 *
 * Every file is first written to a temporary file beside its target; only
 * when all of them are written are they renamed into place. A file whose
 * content is unchanged is left alone, so its mtime stays and builds that
 * depend on it do not rerun.
 */
#ifndef TRAILGEN_OUTPUT_H
#define TRAILGEN_OUTPUT_H

#include "core/buf.h"
#include "diag.h"

#include <stddef.h>

typedef struct gen_file {
    char *name;     /* file name inside the output directory */
    trail_buf text; /* its content */
} gen_file;

typedef struct gen_output {
    gen_file *files;
    size_t n_files;
} gen_output;

/*
 * gen_output_add - add the file @name with the content @text. The output
 * takes @text over (it is left empty); @name is copied.
 * Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int gen_output_add(gen_output *out, const char *name, trail_buf *text);

/*
 * gen_output_write - write every file into @dir (created if missing).
 * Returns TRAIL_OK, or TRAIL_ESYS after reporting the failing path to @diag;
 * on failure no target file has been touched and no temporary file is left.
 * @changed, when not NULL, receives how many files were (re)written.
 */
int gen_output_write(const gen_output *out, const char *dir, gen_diag *diag, size_t *changed);

/* gen_output_free - free every file. */
void gen_output_free(gen_output *out);

#endif /* TRAILGEN_OUTPUT_H */
