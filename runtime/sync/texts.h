/*
 * sync/texts.h - the row statements sync builds at run time, kept by the
 * connection: internal to libtrail.
 *
 * A driver prepares a statement once per text address for the life of the
 * connection (driver/stmt_cache.h), so a text built per event would be
 * prepared per event. Sync builds each text, and keeps one copy of each
 * distinct text until trail_close(): the second event of a kind runs the
 * statement prepared for the first. Texts are told apart by their whole
 * content, so a schema that changed meanwhile gets texts of its own.
 */
#ifndef TRAIL_SYNC_TEXTS_H
#define TRAIL_SYNC_TEXTS_H

#include "driver/driver.h"

/*
 * trail__sync_text - the kept copy of @built (which this takes, and frees
 * when a copy is kept already) into *@out, owned by @db. TRAIL_OK, or
 * TRAIL_ENOMEM with db's error set (also for @built NULL: building it ran
 * out of memory).
 */
int trail__sync_text(trail_conn *db, char *built, const char **out);

/* trail__sync_texts_free - the texts @db keeps, at close. */
void trail__sync_texts_free(trail_conn *db);

#endif
