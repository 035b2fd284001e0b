/*
 * sql_mysql.c - the runtime's own statements in MySQL's and MariaDB's dialect.
 *
 * Backquoted identifiers, as in the generated statements (templates/mysql.*),
 * so that no sql_mode (ANSI_QUOTES) is needed to run them.
 */
#include "sql.h"

#define P(n)    "?"
#define Q(name) "`" #name "`"
/* VALUES(): MariaDB knows no row alias after VALUES, and MySQL 8 still takes the function. */
#define UPSERT_META                                                                                \
    "INSERT INTO `trail_meta` (`key`, `value`) VALUES (?, ?)"                                      \
    " ON DUPLICATE KEY UPDATE `value` = VALUES(`value`)"

const struct trail_runtime_sql trail_runtime_sql_mysql = {
#include "sql_texts.h"
    .columns = "SELECT `table_name`, `column_name` FROM `information_schema`.`columns`"
               " WHERE `table_schema` = DATABASE()",
    .quote = '`',
};
