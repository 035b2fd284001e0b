/*
 * schema_events.h - loading a schema's `events:` (schema_events.c), a part
 * of the schema loader (schema_value.h). Not for use outside it.
 */
#ifndef TRAILGEN_SCHEMA_EVENTS_H
#define TRAILGEN_SCHEMA_EVENTS_H

#include "schema_value.h"
#include "yaml_tree.h"

/*
 * gen_sload_events - load @events, the value of the top-level key `events`,
 * into the schema: `indexes`, a list of lists of event column names, each
 * an index the event table gets beside its own (audit/event_indexes.h).
 */
void gen_sload_events(gen_sload *ld, const gen_yaml_node *events);

#endif /* TRAILGEN_SCHEMA_EVENTS_H */
