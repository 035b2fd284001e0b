/*
 * sql_mysql.c - the runtime's own statements in MySQL's and MariaDB's dialect.
 *
 * Quoted and with placeholders as its dialect says (dialect_mysql.c):
 * backquotes, so that no sql_mode (ANSI_QUOTES) is needed to run them.
 */
#include "driver/sql.h"

#define P(n)    "?"
#define Q(name) "`" #name "`"
/* VALUES(): MariaDB knows no row alias after VALUES, and MySQL 8 still takes the function. */
#define UPSERT_META                                                                                \
    "INSERT INTO `trail_meta` (`key`, `value`) VALUES (?, ?)"                                      \
    " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)"

const struct trail_runtime_sql trail__runtime_sql_mysql = {
#include "driver/sql_texts.h"
    .columns = "SELECT `table_name`, `column_name` FROM `information_schema`.`columns`"
               " WHERE `table_schema` = DATABASE()",
    /* A column's own CHECK is named after it (a table's CHECKs are left alone). */
    .op_checks = "SELECT CONCAT('`', k.`constraint_name`, '`'), k.`check_clause`, c.`column_type`"
                 " FROM `information_schema`.`columns` AS c"
                 " LEFT JOIN `information_schema`.`check_constraints` AS k"
                 " ON k.`constraint_schema` = c.`table_schema` AND k.`table_name` = c.`table_name`"
                 " AND k.`constraint_name` = c.`column_name`"
                 " WHERE c.`table_schema` = DATABASE() AND c.`table_name` = 'trail_change_events'"
                 " AND c.`column_name` = 'op'",
    /*
     * The session reads at READ COMMITTED (conn_mysql.c), under which WITH
     * CONSISTENT SNAPSHOT takes none: the next transaction alone is raised
     * to REPEATABLE READ.
     */
    .snapshot_begin = { "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY" },
    /*
     * No integrity_check: CHECK TABLE holds a read lock on the table while it
     * runs, which would stop every writer of trail_change_events for as long
     * as the check of the whole table takes. InnoDB checks the checksum of
     * every page it reads, and verify reads every event and every live row,
     * so a damaged page among them fails the read, which verify reports.
     */
};
