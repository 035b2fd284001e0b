/*
 * trail/verify.h - checking that the history holds together (SPEC §4).
 *
 * trail_verify() checks that nobody edited or removed an event and that the
 * history and the live rows still agree. Like trail/history.h it needs no
 * generated code: it reads trail's own tables, and the description of each
 * migrated schema that trail_schema_migrate() keeps in trail_meta.
 */
#ifndef TRAIL_VERIFY_H
#define TRAIL_VERIFY_H

#include "trail/api.h"

#include "trail/conn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One thing trail_verify() found wrong. Owned by the report. */
typedef struct trail_verify_problem {
    char *table_name; /**< NULL when not about one record */
    char *record_id;  /**< NULL when not about one record */
    char *event_id;   /**< the event concerned; NULL when none */
    char *what;       /**< a sentence saying what is wrong */
} trail_verify_problem;

/** What trail_verify() checked and found. */
typedef struct trail_verify_report {
    int64_t events;  /**< events read */
    int64_t records; /**< records with events */
    int64_t rows;    /**< live rows compared with their last event */
    size_t n_problems;
    trail_verify_problem *problems;
    bool truncated; /**< more problems than were kept (the first 1000 are) */
} trail_verify_report;

/**
 * trail_verify - check the whole database:
 *  - the engine's own integrity check where it has a cheap one (SQLite's
 *    PRAGMA integrity_check: every page and index of the file); each damage
 *    it reports is a problem;
 *  - each node's hash chain: every event's hash matches its columns and its
 *    prev_hash is the hash of the node's event before it;
 *  - each record's events: versions run 1..n without gap or repeat (a delete
 *    carries the version it deleted), an insert first, nothing after a
 *    delete, and each event's old_values equal the previous new_values;
 *  - each live row of every migrated entity equals its last event's
 *    new_values, and no event-less row or deleted-but-present row exists.
 *    The entities come from the schema descriptions that migrate keeps in
 *    trail_meta: a description that is missing or unreadable, and a table
 *    with events that no description names, is a problem too, so that
 *    editing trail_meta cannot switch this check off.
 *
 * @report is filled (its previous content is not freed); free it with
 * trail_verify_report_free() whatever the result. Returns TRAIL_OK when the
 * check ran to the end, whether or not it found problems (n_problems == 0
 * means intact), or TRAIL_EDB / TRAIL_ENOMEM when it could not: @report
 * then holds what was found before it stopped.
 */
TRAIL_API int trail_verify(trail_conn *db, trail_verify_report *report);

/** Where trail_verify_with() is, for a progress display. */
typedef struct trail_verify_progress {
    int step;    /**< 1 to n_steps */
    int n_steps; /**< how many steps this database's check has */
    /**
     * the step: "integrity check" (the engine's own), "hash chains", "digest"
     * (with trail_verify_opts.digest_json), "records and rows"
     */
    const char *what;
    int64_t done;  /**< events checked in the step */
    int64_t total; /**< the events the step reads in all; -1 when it does not count */
    bool finished; /**< the step's last call */
} trail_verify_progress;

/** Called with the progress; borrowed for the duration of the call. */
typedef void (*trail_verify_progress_fn)(void *userdata, const trail_verify_progress *progress);

/** Options of trail_verify_with(). A zeroed struct (or NULL) means none. */
typedef struct trail_verify_opts {
    /**
     * Called at the start and the end of each step, and every 1000 events in
     * between. NULL for none; with one, the events are counted first.
     */
    trail_verify_progress_fn progress;
    void *userdata; /**< handed to @progress */
    /**
     * A digest that trail_digest() took earlier (trail/digest.h), borrowed;
     * NULL for none. Before anything is read, its root hash is checked
     * against its lanes: a digest that is not one, or was edited, is
     * TRAIL_EINVALID and nothing is checked. Then the step "digest" checks
     * that every lane it names is still in trail_lanes and that the lane's
     * event at the digest's seq is there with the digest's hash (seq 0: the
     * lane row's hash): a lane, an event or the tail of a lane removed, or
     * an event rewritten with every later hash of its lane recomputed, is a
     * problem naming the lane and the seq. Lanes and events added after the
     * digest are not its concern.
     */
    const char *digest_json;
} trail_verify_opts;

/**
 * trail_verify_with - trail_verify() with options (@opts may be NULL); also
 * TRAIL_EINVALID when @opts->digest_json is not a digest (nothing checked).
 */
TRAIL_API int trail_verify_with(trail_conn *db, const trail_verify_opts *opts,
                                trail_verify_report *report);

/** trail_verify_report_free - free what @report holds and zero it. NULL is allowed. */
TRAIL_API void trail_verify_report_free(trail_verify_report *report);

#ifdef __cplusplus
}
#endif

#endif /* TRAIL_VERIFY_H */
