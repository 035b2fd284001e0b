/*
 * drivers.h - the drivers trail has: internal to libtrail and trailgen.
 *
 * The one list of them. Each is named by its folder, driver/<name>/, which
 * holds its dialect (trail__dialect_<name>, dialect_<name>.c), its driver
 * (trail__driver_<name>) and its driver.cmake; driver/dialect.c makes the
 * dialect list from it, driver/conn.c the registry of drivers, and
 * runtime/CMakeLists.txt reads it to build the folders in this order, which
 * is also the order of the drivers in generated code.
 */
#ifndef TRAIL_DRIVERS_H
#define TRAIL_DRIVERS_H

/* Calls X with the name of every driver. */
// clang-format off
#define TRAIL_DRIVERS(X) \
    X(sqlite)            \
    X(pg)                \
    X(mysql)
// clang-format on

#endif /* TRAIL_DRIVERS_H */
