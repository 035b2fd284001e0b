# The MariaDB and MySQL driver (runtime/CMakeLists.txt: trail_driver()).
trail_driver(mysql
  DIALECT dialect_mysql.c
  SOURCES conn_mysql.c mysql_url.c sql_mysql.c weigh_mysql.c write_mysql.c
  PACKAGE LIBMARIADB libmariadb)
