/*
 * conn.c - the driver registry, opening and closing connections, node
 * identity, transactions.
 *
 * The node id and the clock's floor come from the runtime tables. On a
 * database that has none yet (never migrated), both are set up by the first
 * trail_schema_migrate() instead (trail__conn_init_node()).
 */
#define _POSIX_C_SOURCE 200809L /* gethostname, clock_gettime */
#include "driver/driver.h"
#include "core/redact.h"
#include "driver/drivers.h"
#include "driver/sql.h"
#include "audit/lane.h"
#include "audit/update_sql.h"
#include "sync/texts.h"
#include "trail/trail.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The registry: every driver of driver/drivers.h. */
static const trail_driver *const drivers[] = {
#define ITEM(name) &trail__driver_##name,
    TRAIL_DRIVERS(ITEM)
#undef ITEM
};

#define N_DRIVERS (sizeof drivers / sizeof drivers[0])

const trail_driver *trail__driver_for(const char *url, const char **target)
{
    for (size_t i = 0; i < N_DRIVERS; i++) {
        const trail_dialect *d = drivers[i]->dialect;
        for (const char *const *prefix = d->url_prefixes; *prefix; prefix++) {
            size_t n = strlen(*prefix);
            if (strncmp(url, *prefix, n) == 0) {
                *target = d->url_whole ? url : url + n;
                return drivers[i];
            }
        }
    }
    /* libpq's keyword form: "host=/run/postgresql dbname=shop". */
    if (!strstr(url, "://") && strchr(url, '='))
        for (size_t i = 0; i < N_DRIVERS; i++)
            if (drivers[i]->dialect->url_keywords) {
                *target = url;
                return drivers[i];
            }
    return NULL;
}

int trail__driver_check(trail_err *err, const trail_driver *drv)
{
    if (drv->version == TRAIL_DRIVER_VERSION)
        return TRAIL_OK;
    return trail__err_set(err, TRAIL_EARG,
                          "the %s driver implements version %d of the driver interface, but this "
                          "libtrail expects version %d",
                          drv->name, drv->version, TRAIL_DRIVER_VERSION);
}

/* The URLs the drivers take, for the message on one that none does: "a, b or c". */
static void url_forms(char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < N_DRIVERS && len < size; i++) {
        const char *sep = i == 0 ? "" : i + 1 < N_DRIVERS ? ", " : " or ";
        int n = snprintf(buf + len, size - len, "%s%s", sep, drivers[i]->dialect->url_forms);
        if (n < 0)
            return;
        len += (size_t)n;
    }
}

int64_t trail__wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t trail__conn_wall_ms(const trail_conn *db)
{
    return db->opts.wall ? db->opts.wall(db->opts.wall_userdata) : trail__wall_ms();
}

/* Reads one text column of the first row into a caller's buffer. */
struct text_out {
    char *buf;
    size_t size;
    bool found;
};

static int read_text(trail_conn *db, void *row, void *userdata)
{
    struct text_out *t = userdata;
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_TEXT, &v);
    if (rc < 0 || v.type == TRAIL_V_NULL)
        return rc;
    if (v.n >= t->size)
        return trail__err_set(&db->err, TRAIL_EDB, "stored value too long (%zu bytes)", v.n);
    memcpy(t->buf, v.s, v.n);
    t->buf[v.n] = '\0';
    t->found = true;
    return 1; /* the first row is enough */
}

int trail__conn_query_text(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                           char *buf, size_t size, bool *found)
{
    struct text_out t = { buf, size, false };
    int rc = db->drv->query(db, sql, params, n, read_text, &t, NULL);
    *found = t.found;
    return rc < 0 ? rc : TRAIL_OK;
}

/* Reads column 0 of the first row into the int64_t at @userdata, unless it is NULL. */
static int read_int(trail_conn *db, void *row, void *userdata)
{
    trail_value v;
    int rc = db->drv->column(db, row, 0, TRAIL_V_INT, &v);
    if (rc < 0)
        return rc;
    if (v.type != TRAIL_V_NULL)
        *(int64_t *)userdata = v.i;
    return 1; /* the first row is enough */
}

int trail__conn_query_int(trail_conn *db, const char *sql, const trail_value *params, size_t n,
                          int64_t *out)
{
    int rc = db->drv->query(db, sql, params, n, read_int, out, NULL);
    return rc < 0 ? rc : TRAIL_OK;
}

/*
 * How far before the newest event id's time an event's hlc may lie beyond
 * it. An event's id takes its time from the hlc its writer proposed, and the
 * engine may raise the hlc above the record's previous event's (write_pg.c,
 * write_mysql.c), which another connection's clock set; clocks of one node
 * share the wall clock, and a received hlc is at most max_drift_ms ahead of
 * it, so an hour covers any of them many times over.
 */
#define HLC_FLOOR_WINDOW_MS (3600 * 1000)

/*
 * The highest hlc stored, in *@floor: of the events from an hour before
 * the newest event id's time, and of the lanes' openings. Two index ranges
 * (the event table has no index on hlc: SPEC §4), not a scan of every event.
 */
static int stored_hlc_floor(trail_conn *db, int64_t *floor)
{
    const trail_runtime_sql *sql = db->drv->sql;
    char newest[TRAIL_ULID_LEN + 1];
    bool found;
    int rc = trail__conn_query_text(db, sql->max_event_id, NULL, 0, newest, sizeof newest, &found);
    if (rc < 0)
        return rc;
    int64_t events = 0, lanes = 0;
    trail_ulid id;
    if (found && trail_ulid_parse(&id, newest) == TRAIL_OK) {
        int64_t ms = trail_ulid_time(&id) - HLC_FLOOR_WINDOW_MS;
        char from[TRAIL_ULID_LEN + 1];
        trail_ulid start = { { 0 } }; /* the least id of millisecond @ms */
        for (int i = 5; i >= 0 && ms > 0; i--, ms >>= 8)
            start.bytes[i] = (uint8_t)(ms & 0xff);
        trail_value p = trail_v_text(trail_ulid_format(from, &start));
        if ((rc = trail__conn_query_int(db, sql->max_hlc_since, &p, 1, &events)) < 0)
            return rc;
    }
    if ((rc = trail__conn_query_int(db, sql->max_lane_hlc, NULL, 0, &lanes)) < 0)
        return rc;
    *floor = events > lanes ? events : lanes;
    return TRAIL_OK;
}

/*
 * Takes the node id from trail_nodes, or records a new one, and raises the
 * clock above every stored HLC. Fails with TRAIL_EDB when the runtime tables
 * do not exist yet.
 */
int trail__conn_old_layout(trail_conn *db, const char *missing)
{
    db->old_layout = true;
    return trail__err_set(&db->err, TRAIL_EDB,
                          "this database's change events have an older layout (it lacks %.300s): "
                          "it was made by a trail from before lanes (SPEC 4), which this version "
                          "neither reads nor converts, and it was left unchanged. Keep using the "
                          "trail that made it, or create a new database with this version and "
                          "copy the records into it",
                          missing);
}

/* The runtime tables have this version's columns: a database of an older layout is refused. */
static int check_layout(trail_conn *db)
{
    const trail_runtime_sql *sql = db->drv->sql;
    const char *probes[2] = { sql->events_layout, sql->lanes_layout };
    for (int i = 0; i < 2; i++)
        if (db->drv->query(db, probes[i], NULL, 0, NULL, NULL, NULL) < 0) {
            char why[200];
            snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
            return trail__conn_old_layout(db, why);
        }
    return TRAIL_OK;
}

int trail__conn_init_node(trail_conn *db)
{
    const trail_runtime_sql *sql = db->drv->sql;
    bool found;
    int rc = trail__conn_query_text(db, sql->node_local, NULL, 0, db->node_id, sizeof db->node_id,
                                    &found);
    if (rc == TRAIL_OK && found && (rc = check_layout(db)) < 0)
        db->node_id[0] = '\0';
    if (rc < 0)
        return rc;

    char host[256] = "";
    if (gethostname(host, sizeof host - 1) < 0)
        strcpy(host, "unknown");
    int64_t now = trail__conn_wall_ms(db);
    /* Reads on a read-only server write nothing, not even that the node was seen. */
    if (db->opts.read_only || db->server_read_only) {
        if (!found) /* only migrate may record one, and it cannot here */
            return trail__err_set(&db->err, TRAIL_EDB, "the database has no node yet");
    } else if (found) {
        trail_value p[] = { trail_v_text(host), trail_v_int(now), trail_v_text(db->node_id) };
        rc = db->drv->query(db, sql->node_touch, p, 3, NULL, NULL, NULL);
    } else {
        if (db->opts.node_id) {
            size_t len = strlen(db->opts.node_id);
            if (len == 0 || len > TRAIL_NODE_ID_MAX)
                return trail__err_set(&db->err, TRAIL_EARG, "node id must have 1 to %d characters",
                                      TRAIL_NODE_ID_MAX);
            memcpy(db->node_id, db->opts.node_id, len + 1);
        } else {
            trail_ulid id;
            if ((rc = trail_ulid_next(db->ids, now, &id)) < 0)
                return trail__err_set(&db->err, rc, "cannot make a node id");
            trail_ulid_format(db->node_id, &id);
        }
        trail_value p[] = { trail_v_text(db->node_id),
                            trail_v_text(host),
                            { .type = TRAIL_V_BOOL, .i = 1 },
                            trail_v_int(now),
                            trail_v_int(now) };
        rc = db->drv->query(db, sql->node_insert, p, 5, NULL, NULL, NULL);
    }
    if (rc < 0)
        return rc;

    int64_t floor = 0;
    if ((rc = stored_hlc_floor(db, &floor)) < 0)
        return rc;
    return trail_hlc_set_floor(db->clock, floor);
}

int trail__conn_need_tables(trail_conn *db)
{
    if (db->node_id[0] || trail__conn_init_node(db) == TRAIL_OK)
        return TRAIL_OK;
    if (db->old_layout)
        return TRAIL_EDB;
    db->node_id[0] = '\0';
    char why[256];
    snprintf(why, sizeof why, "%s", trail__err_message(&db->err)); /* not formatted into itself */
    return trail__err_set(&db->err, TRAIL_EDB,
                          "cannot read trail's tables (%s): is this a trail database? A "
                          "generated <schema>_migrate() creates them",
                          why);
}

int trail__conn_connect_timeout_ms(const trail_open_opts *opts)
{
    int ms = opts->connect_timeout_ms;
    return ms == TRAIL_TIMEOUT_NONE ? -1 : ms > 0 ? ms : TRAIL_CONNECT_TIMEOUT_DEFAULT_MS;
}

int trail__conn_lock_timeout_ms(const trail_open_opts *opts)
{
    return opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : TRAIL_DEFAULT_LOCK_TIMEOUT_MS;
}

unsigned trail__conn_seconds(int ms)
{
    return ms < 0 ? 0 : (unsigned)(ms / 1000 + (ms % 1000 != 0));
}

int trail__conn_io_timeout_ms(const trail_open_opts *opts)
{
    int ms = opts->io_timeout_ms;
    if (ms == TRAIL_TIMEOUT_NONE)
        return -1;
    if (ms > 0)
        return ms;
    /* Longer than a lock wait, so that one ends as the server's TRAIL_EBUSY, not as silence. */
    int64_t lock = trail__conn_lock_timeout_ms(opts);
    int64_t twice = 2 * lock < INT_MAX ? 2 * lock : INT_MAX;
    return twice > TRAIL_IO_TIMEOUT_DEFAULT_MS ? (int)twice : TRAIL_IO_TIMEOUT_DEFAULT_MS;
}

int trail__conn_timed_out(trail_conn *db, const char *driver, const char *what, int ms, bool in_tx)
{
    return trail__err_set(&db->err, TRAIL_EDB,
                          "%s: %s: the server did not answer within %g s, so the connection was "
                          "given up (a write it carried may have committed or not); %s",
                          driver, what, ms / 1000.0, trail__conn_lost_advice(in_tx));
}

#define MAX_PAUSE_MS 64

static void backoff(int attempt)
{
    static _Thread_local uint64_t seed;
    if (!seed)
        seed = (uint64_t)trail__wall_ms() ^ (uint64_t)(uintptr_t)&seed;
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
    int ceiling = 1 << (attempt < 6 ? attempt : 6);
    long pause_us = (long)(seed % (uint64_t)(ceiling * 1000)) + 500;
    if (pause_us > MAX_PAUSE_MS * 1000L)
        pause_us = MAX_PAUSE_MS * 1000L;
    struct timespec ts = { 0, pause_us * 1000 };
    nanosleep(&ts, NULL);
}

bool trail__conn_run_again(trail_conn *db, int rc, int *attempt, int max)
{
    if (rc != TRAIL_EBUSY || !db->retryable || db->in_tx || *attempt >= max)
        return false;
    backoff(*attempt);
    (*attempt)++;
    db->retries++;
    db->retryable = false;
    return true;
}

int trail__conn_reconnect_failed(trail_conn *db, int rc)
{
    char why[TRAIL_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", trail__err_message(&db->err));
    return trail__err_set(&db->err, rc, "%s (connecting again: the connection was lost)", why);
}

const char *trail__conn_lost_advice(bool in_tx)
{
    return in_tx ? "the transaction is gone: end it with trail_rollback(), and the next call "
                   "connects again"
                 : "the next call connects again";
}

/* A timeout option: 0 (the default), TRAIL_TIMEOUT_NONE or a positive number of milliseconds. */
static int check_timeout(trail_conn *db, const char *name, int ms)
{
    if (ms >= 0 || ms == TRAIL_TIMEOUT_NONE)
        return TRAIL_OK;
    return trail__err_set(&db->err, TRAIL_EARG,
                          "trail_open_opts.%s is %d: expected milliseconds, 0 for the default or "
                          "TRAIL_TIMEOUT_NONE",
                          name, ms);
}

int trail_open(trail_conn **out, const char *url, const trail_open_opts *opts)
{
    if (!out)
        return TRAIL_EARG;
    *out = NULL;
    trail_conn *db = calloc(1, sizeof *db);
    if (!db)
        return TRAIL_ENOMEM;
    *out = db;
    if (opts)
        db->opts = *opts;
    db->opts.node_id = NULL; /* borrowed: copied below */

    if (!url)
        return trail__err_set(&db->err, TRAIL_EARG, "no URL given");
    int rc = check_timeout(db, "connect_timeout_ms", db->opts.connect_timeout_ms);
    if (rc < 0)
        return rc;
    if ((rc = check_timeout(db, "io_timeout_ms", db->opts.io_timeout_ms)) < 0)
        return rc;
    const char *target;
    if (!(db->drv = trail__driver_for(url, &target))) {
        char shown[80], forms[256];
        url_forms(forms, sizeof forms);
        trail__err_set(&db->err, TRAIL_EARG, "unknown database URL '%.64s' (expected %s)",
                       trail_url_redact(shown, sizeof shown, url), forms);
        trail__err_scrub(&db->err, url);
        return TRAIL_EARG;
    }
    if ((rc = trail__driver_check(&db->err, db->drv)) < 0) {
        db->drv = NULL; /* nothing was opened: trail_close() has nothing to close */
        return rc;
    }
    trail_hlc_opts ho = { .max_drift_ms = db->opts.max_drift_ms,
                          .wall = db->opts.wall,
                          .wall_userdata = db->opts.wall_userdata };
    if ((rc = trail_hlc_new(&db->clock, &ho)) < 0)
        return trail__err_set(&db->err, rc, "cannot create the clock");
    if ((rc = trail_ulid_gen_new(&db->ids)) < 0)
        return trail__err_set(&db->err, rc, "cannot create the clock");

    const trail_driver *drv = db->drv;
    if ((rc = drv->open(db, target, &db->opts)) < 0) {
        /* libpq quotes a malformed URI whole in its message, password and all. */
        trail__err_scrub(&db->err, url);
        drv->close(db);
        db->drv = NULL; /* trail_close() has nothing left to close */
        return rc;
    }

    /* A database not migrated yet has no runtime tables: migrate sets up the node. */
    if (opts && opts->node_id) {
        snprintf(db->node_id_wanted, sizeof db->node_id_wanted, "%s", opts->node_id);
        db->opts.node_id = db->node_id_wanted;
    }
    if ((rc = trail__conn_init_node(db)) < 0 && db->old_layout)
        return rc; /* the connection stays open for trail_errmsg(); trail_close() closes it */
    trail__err_clear(&db->err);
    return TRAIL_OK;
}

void trail_close(trail_conn *db)
{
    if (!db)
        return;
    if (db->drv) {
        db->closing = true;
        if (db->in_tx) {
            db->drv->rollback(db);
            db->in_tx = false;
            db->lane = db->lane_at_begin;
        }
        trail__lane_seal(db);
        db->drv->close(db);
    }
    trail__update_sql_free(db);
    trail__sync_texts_free(db);
    free(db->checked);
    trail_ulid_gen_free(db->ids);
    trail_hlc_free(db->clock);
    free(db);
}

const char *trail_errmsg(const trail_conn *db)
{
    return db ? trail__err_message(&db->err) : "no connection (out of memory)";
}

int trail_migrated(trail_conn *db)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    return trail__conn_need_tables(db);
}

uint64_t trail_round_trips(const trail_conn *db)
{
    return db ? db->round_trips : 0;
}

uint64_t trail_statements(const trail_conn *db)
{
    return db ? db->statements : 0;
}

uint64_t trail_retries(const trail_conn *db)
{
    return db ? db->retries : 0;
}

/* A fresh transaction id, with its time from the clock. */
int trail__conn_new_tx(trail_conn *db)
{
    trail_ulid id;
    int rc = trail_ulid_next(db->ids, TRAIL_HLC_MS(trail_hlc_last(db->clock)), &id);
    if (rc < 0)
        return trail__err_set(&db->err, rc, "cannot make a transaction id");
    trail_ulid_format(db->tx_id, &id);
    return TRAIL_OK;
}

int trail_begin(trail_conn *db)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG, "a transaction is already open");
    int rc = trail__conn_new_tx(db);
    if (rc < 0)
        return rc;
    if ((rc = db->drv->begin(db)) < 0)
        return rc;
    db->in_tx = true;
    db->lane_at_begin = db->lane;
    return TRAIL_OK;
}

int trail_commit(trail_conn *db)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG, "no transaction is open");
    int rc = db->drv->commit(db);
    if (rc < 0) {
        db->drv->rollback(db);
        /* Whether the events committed is not known when the connection was lost. */
        if (rc == TRAIL_EDB)
            trail__lane_end(db);
        else
            db->lane = db->lane_at_begin;
    }
    db->in_tx = false;
    return rc;
}

int trail_rollback(trail_conn *db)
{
    if (!db || !db->drv)
        return TRAIL_EARG;
    if (!db->in_tx)
        return trail__err_set(&db->err, TRAIL_EARG, "no transaction is open");
    db->in_tx = false;
    db->lane = db->lane_at_begin;
    return db->drv->rollback(db);
}
