/*
 * weigh_mysql.h - what a statement and an audited write weigh against
 * MariaDB's max_allowed_packet: internal to libtrail.
 */
#ifndef TRAIL_WEIGH_MYSQL_H
#define TRAIL_WEIGH_MYSQL_H

#include "driver/driver.h"

#include <stdint.h>

/*
 * trail__mysql_statement_bytes - the most bytes that executing a prepared
 * statement with the @n @params sends.
 */
uint64_t trail__mysql_statement_bytes(const trail_value *params, size_t n);

/*
 * trail__mysql_write_fits - TRAIL_OK when the audited write @w, with the
 * event's parameters @params (write_sql.h), fits db->max_packet as far as
 * the client can tell; else TRAIL_EINVALID naming the field that weighs
 * most and the limit.
 */
int trail__mysql_write_fits(trail_conn *db, const trail_write_op *w, const trail_value *params);

#endif /* TRAIL_WEIGH_MYSQL_H */
