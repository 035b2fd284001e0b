/*
 * isotime.h - ISO 8601 text for dates and millisecond timestamps (UTC):
 * internal to libtrail. Change events carry `date` and `timestamp` values in
 * this form, and the HLC's text form builds on it.
 *
 * Years 0000-9999 are written with four digits; years outside that range use
 * ISO 8601's expanded form, a sign and at least six digits ("+275760",
 * "-000001"), as JavaScript's Date.toISOString() does. Every int32 day count
 * and every int64 millisecond count has a text form and parses back to itself.
 */
#ifndef TRAIL_ISOTIME_H
#define TRAIL_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* Buffer sizes, terminating NUL included. */
#define TRAIL_ISOTIME_DATE_MAX 24
#define TRAIL_ISOTIME_MS_MAX   40

/* trail__isotime_format_date - "YYYY-MM-DD" for @days since 1970-01-01; returns the length. */
size_t trail__isotime_format_date(char buf[TRAIL_ISOTIME_DATE_MAX], int32_t days);

/* trail__isotime_format_ms - "YYYY-MM-DDTHH:MM:SS.mmmZ" for @ms since the epoch; returns the
 * length.
 */
size_t trail__isotime_format_ms(char buf[TRAIL_ISOTIME_MS_MAX], int64_t ms);

/* trail__isotime_parse_date - the inverse of format_date. TRAIL_OK or TRAIL_EINVALID. */
int trail__isotime_parse_date(int32_t *out, const char *s, size_t len);

/*
 * trail__isotime_parse_ms - the inverse of format_ms; the ".mmm" part may be
 * left out. TRAIL_OK or TRAIL_EINVALID (bad form, impossible date, out of range).
 */
int trail__isotime_parse_ms(int64_t *out, const char *s, size_t len);

/*
 * trail__isotime_days_from_civil - days since 1970-01-01 of the proleptic
 * Gregorian date @y-@m-@d (@m 1-12, @d 1-31); for drivers whose wire format
 * is a calendar date.
 */
int64_t trail__isotime_days_from_civil(int64_t y, int m, int d);

/* trail__isotime_civil_from_days - the date of @days since 1970-01-01: the inverse. */
void trail__isotime_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif /* TRAIL_ISOTIME_H */
