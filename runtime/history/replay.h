/*
 * replay.h - a record's events checked against each other, and the row they
 * make: internal to libtrail, used by verify.c (docs/events.md, "What
 * trail_verify() checks"; docs/replication.md, "Merging concurrent edits").
 */
#ifndef TRAIL_HISTORY_REPLAY_H
#define TRAIL_HISTORY_REPLAY_H

#include "core/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Where problems go: @problem (NULL: nothing is checked, only replayed)
 * gets the event's id (NULL: the record's) and what is wrong, and returns
 * TRAIL_OK or a negative code that stops the check; out of memory is set
 * in @err.
 */
typedef struct trail__checks {
    trail_err *err;
    int (*problem)(void *userdata, const char *event_id, const char *what);
    void *userdata;
} trail__checks;

/* One event of a record, as verify reads it; the strings and values are the event's own. */
typedef struct trail__replay_event {
    char *event_id, *node_id, *op;
    int64_t hlc, version;
    json_t *old_values, *new_values, *changed; /* NULL: SQL NULL, or text that is no JSON */
} trail__replay_event;

/* trail__replay_event_clear - free what @e holds and zero it. */
void trail__replay_event_clear(trail__replay_event *e);

/* What a replay leaves. */
typedef struct trail__replay_result {
    json_t *row;  /* the live row the events make (a reference the caller drops), NULL: none */
    bool deleted; /* a delete is among the events: no row, whatever else they hold */
    size_t edits; /* inserts, updates, resolves and deletes: every event but merges */
    size_t last;  /* the index in record order of the last edit (when edits > 0) */
} trail__replay_result;

/*
 * trail__replay - the @n events of one replicated record, sorted here into
 * record order, checked by @c (replay.c's header says what holds under
 * concurrency) and replayed into *@out. Returns TRAIL_OK, @c's error, or
 * TRAIL_ENOMEM (set in c->err); *@out is then empty.
 */
int trail__replay(const trail__checks *c, trail__replay_event *ev, size_t n,
                  trail__replay_result *out);

/* What trail__update_holds() checks of an update or resolve. */
enum {
    TRAIL__HOLD_NAMES = 1,   /* changed names exactly the members of old_values */
    TRAIL__HOLD_UNNAMED = 2, /* new_values differ from @last only where changed names */
    TRAIL__HOLD_UNMOVED = 4, /* and do differ there (redacted values aside) */
    TRAIL__HOLD_IN_NEW = 8,  /* every field changed names is in new_values */
};

/*
 * trail__update_holds - an update's (or resolve's) changed, old_values and
 * new_values against the record as it was before it, @last (NULL: the
 * checks against it are skipped), as @what says; changed must in any case
 * be an array of field names. Returns TRAIL_OK, @c's error or TRAIL_ENOMEM.
 */
int trail__update_holds(const trail__checks *c, const char *event_id, const json_t *changed,
                        const json_t *old_values, const json_t *new_values, const json_t *last,
                        unsigned what);

#endif /* TRAIL_HISTORY_REPLAY_H */
