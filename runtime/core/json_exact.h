/*
 * json_exact.h - the numbers of a json field, kept and compared exactly:
 * internal to libtrail (and trailgen's base).
 *
 * A json field is stored as written on SQLite and MariaDB, and as jsonb on
 * PostgreSQL, whose numbers are its numeric type: every digit kept but
 * respelled (1e3 as 1000, 1.50e1 as 15.0, -0 as 0), and only what numeric
 * holds, at most 131072 digits before the point and 16383 after it (as
 * written, the exponent applied) and an exponent below 1073741823 in size.
 * jansson, which reads JSON everywhere else in trail, holds a number as an
 * int64 or a double: it refuses 1e400 and 20-digit integers, jsonb's 301
 * digits of 1e300 included, and reads 0.1 and 0.10000000000000001 as one
 * number. So the numbers of json fields are read here: a value is stored
 * when every engine keeps its numbers' values, and verify compares them by
 * their exact decimal values (docs/guarantees.md).
 */
#ifndef TRAIL_JSON_EXACT_H
#define TRAIL_JSON_EXACT_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

/* What is wrong with the JSON a caller would store. */
typedef enum trail_json_fault {
    TRAIL_JSON_FINE,
    TRAIL_JSON_NOT_JSON, /* not one JSON value (RFC 8259) */
    TRAIL_JSON_NUL,      /* a string or key holds \u0000, which PostgreSQL cannot store */
    TRAIL_JSON_NUMBER,   /* a number beyond PostgreSQL's numeric, so beyond one engine */
} trail_json_fault;

typedef struct trail_json_verdict {
    trail_json_fault fault;
    char why[240]; /* what is wrong and where, to follow "entity.field: " */
} trail_json_verdict;

/*
 * trail__json_check - whether the @n bytes at @s are one JSON value that
 * every engine stores with its value unchanged. TRAIL_OK (@v's fault
 * TRAIL_JSON_FINE); TRAIL_EINVALID with @v's fault and why filled; or
 * TRAIL_ENOMEM.
 */
int trail__json_check(const char *s, size_t n, trail_json_verdict *v);

/* Whether the member of a JSON object named @key (@len bytes, as written between its quotes) is
 * read exactly. */
typedef bool trail_json_member_fn(void *userdata, const char *key, size_t len);

/*
 * trail__json_exact - the JSON value of the @n bytes at @s, rewritten at
 * the end of @out so that jansson reads it without losing a number: every
 * number becomes the string "n:" and its value in one spelling (its digits
 * without leading or trailing zeros, then "e" and the exponent of the last:
 * 15, 1.50e1 and 150e-1 all "n:15e0", -0 and 0.0 "n:0"), and every other
 * string value "s:" and the string, so that no string equals a number. Keys,
 * true, false and null are as written, whitespace left out. Numbers of any
 * size are read.
 *
 * With @exact_member NULL the whole value is read so. Otherwise, when the
 * value is an object, only its members that @exact_member(@userdata, key,
 * len) accepts are; the others are copied as written, for jansson to read
 * as it reads any JSON.
 *
 * TRAIL_OK; TRAIL_EINVALID for text that is not one JSON value (here only
 * its structure and numbers are looked at: jansson judges the strings when
 * it reads the result); TRAIL_ENOMEM. On failure @out is as it was.
 */
int trail__json_exact(trail_buf *out, const char *s, size_t n, trail_json_member_fn *exact_member,
                      void *userdata);

#endif /* TRAIL_JSON_EXACT_H */
