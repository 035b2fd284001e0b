/*
 * trail/api.h - the mark of libtrail's public functions.
 *
 * The library is built with hidden visibility: only what is marked
 * TRAIL_API is exported from libtrail.so, and a test (exported_symbols,
 * tests/check_exports.cmake) fails when the exported symbols and the public
 * headers' declarations differ. Internal functions are named trail__* and
 * never marked.
 */
#ifndef TRAIL_API_H
#define TRAIL_API_H

#if defined(__GNUC__) || defined(__clang__)
#define TRAIL_API __attribute__((visibility("default")))
#else
#define TRAIL_API
#endif

#endif /* TRAIL_API_H */
