# The PostgreSQL driver (runtime/CMakeLists.txt: trail_driver()).
trail_driver(pg
  DIALECT dialect_pg.c
  SOURCES conn_pg.c sql_pg.c write_pg.c
  PACKAGE LIBPQ libpq)
