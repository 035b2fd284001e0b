/*
 * bench_files.h - what the benchmarks that write files need: removing their
 * temporary directory. Header-only, static, like bench_util.h; the program
 * defines _XOPEN_SOURCE 700 (nftw) before its first include.
 */
#ifndef TRAIL_BENCH_FILES_H
#define TRAIL_BENCH_FILES_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static inline int bench_remove_entry(const char *path, const struct stat *st, int flag,
                                     struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* rm -r @dir; says so on stderr, after @prog's name, when it cannot. */
static inline void bench_remove_tree(const char *prog, const char *dir)
{
    if (nftw(dir, bench_remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "%s: cannot remove %s: %s\n", prog, dir, strerror(errno));
}

#endif /* TRAIL_BENCH_FILES_H */
