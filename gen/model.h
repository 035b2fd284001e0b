/*
 * model.h - the view of a schema that the templates render.
 *
 * The templates are logic-less, so everything they print that needs a
 * decision (a C type, a flag expression, a dialect's column type, a
 * placeholder) is worked out here and handed over as a JSON tree of named
 * slots. The schema's slots and, for a driver's files, its dialect's
 * (quote, placeholders, lock suffix, table options...) sit on the top
 * object, and templates read them from inside sections through Mustache's
 * lookup up the context stack; every other slot a template asks for is
 * present on the object it is asked of, so that no lookup falls through to
 * an outer object by accident.
 */
#ifndef TRAILGEN_MODEL_H
#define TRAILGEN_MODEL_H

#include "core/buf.h"
#include "driver/dialect.h"
#include "schema.h"

#include <jansson.h>

/* Bit of the @i-th dialect of trail__dialects in a driver set. */
#define GEN_DRIVER_BIT(i) (1u << (i))

/* gen_drivers_all - the set of every driver. */
unsigned gen_drivers_all(void);

/*
 * gen_model_new - the view of @s for the files of @driver, or of the common
 * files (header, dispatch source) when @driver is NULL.
 *
 * @source: the schema's path as the user gave it, for banners.
 * @drivers: the set of drivers generated (GEN_DRIVER_BIT).
 * Returns a new reference (the caller json_decref()s it), or NULL when
 * memory runs out.
 */
json_t *gen_model_new(const gen_schema *s, const char *source, unsigned drivers,
                      const trail_dialect *driver);

/*
 * gen_model_set_driver - make @model, from gen_model_new() for the common
 * files or for another driver, the view of @s for the files of @driver: the
 * slots that differ between drivers (column types, defaults, checks,
 * statement parts, the dialect's) are replaced and "ddl" is dropped.
 * Building the model once and switching it is much cheaper than one
 * gen_model_new() per driver. Returns TRAIL_OK or TRAIL_ENOMEM (the model
 * is then half switched: free it).
 */
int gen_model_set_driver(json_t *model, const gen_schema *s, const trail_dialect *driver);

/*
 * gen_model_set_ddl - split the rendered DDL script @sql into statements and
 * hand them to the driver source template as C string literals ("ddl",
 * "n_ddl" on @model). Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int gen_model_set_ddl(json_t *model, const char *sql);

/*
 * gen_c_string - append @s as a C string literal, escaped so that it reads
 * back as the same bytes. Returns TRAIL_OK or TRAIL_ENOMEM.
 */
int gen_c_string(trail_buf *out, const char *s, size_t len);

#endif /* TRAILGEN_MODEL_H */
