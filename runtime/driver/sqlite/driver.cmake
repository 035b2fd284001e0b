# The SQLite driver (runtime/CMakeLists.txt: trail_driver()).
trail_driver(sqlite
  DIALECT dialect_sqlite.c
  SOURCES conn_sqlite.c sql_sqlite.c write_sqlite.c
  PACKAGE SQLITE3 sqlite3)
