/*
 * table.c - aligned text tables for the `trail` tool. Widths count
 * characters, not bytes, so a user id or hostname in UTF-8 lines up. Cells
 * are escaped as they come in (text.c), so nothing a database holds reaches
 * the terminal raw.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_table_add(cli_table *t, const char *text)
{
    if (t->n_cells == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **cells = realloc(t->cells, cap * sizeof *cells);
        if (!cells)
            return TRAIL_ENOMEM;
        t->cells = cells;
        t->cap = cap;
    }
    if (!(t->cells[t->n_cells] = cli_escape(text)))
        return TRAIL_ENOMEM;
    t->n_cells++;
    return TRAIL_OK;
}

size_t cli_table_rows(const cli_table *t)
{
    return t->n_cols ? t->n_cells / t->n_cols : 0;
}

/* Frees the cells held, keeping the array for the next rows. */
static void forget(cli_table *t)
{
    for (size_t i = 0; i < t->n_cells; i++)
        free(t->cells[i]);
    t->n_cells = 0;
}

void cli_table_free(cli_table *t)
{
    forget(t);
    free(t->cells);
    t->cells = NULL;
    t->cap = 0;
}

/* Characters in UTF-8 @s: every byte that does not continue a sequence. */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Prints one line of cells, each padded to its column's width @w. */
static void print_line(FILE *out, const cli_table *t, const char *const *cells, const size_t *w)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        size_t n = chars(cells[c]);
        int pad = n < w[c] ? (int)(w[c] - n) : 0;
        bool last = c + 1 == t->n_cols;
        if (t->cols[c].right)
            fprintf(out, "%s%*s%s", c ? "  " : "", pad, "", cells[c]);
        else
            fprintf(out, "%s%s%*s", c ? "  " : "", cells[c], last ? 0 : pad, "");
    }
    fputc('\n', out);
}

void cli_table_print(cli_table *t, FILE *out)
{
    if (!t->started) {
        const char *heads[CLI_TABLE_MAX_COLS];
        for (size_t c = 0; c < t->n_cols; c++) {
            heads[c] = t->cols[c].head;
            t->width[c] = chars(heads[c]);
        }
        for (size_t i = 0; i < t->n_cells; i++) {
            size_t n = chars(t->cells[i]);
            if (n > t->width[i % t->n_cols])
                t->width[i % t->n_cols] = n;
        }
        print_line(out, t, heads, t->width);
        t->started = true;
    }
    for (size_t i = 0; i + t->n_cols <= t->n_cells; i += t->n_cols)
        print_line(out, t, (const char *const *)&t->cells[i], t->width);
    forget(t);
}
