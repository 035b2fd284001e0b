/*
 * test_concurrency.c - more than one process on one database.
 *
 * Two processes hammer the same 10 rows with read-modify-write increments,
 * retrying on TRAIL_ECONFLICT and TRAIL_EBUSY: no increment is lost, every
 * successful write has its event, and verify is clean. A process killed
 * with SIGKILL in the middle of a stream of writes leaves a database that
 * verifies clean, in which every write it reported committed is there, with
 * its event.
 *
 * Children open their own connection after fork() and never use cmocka:
 * they report through a pipe and their exit status.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROWS 10

/* ---- children ---------------------------------------------------------------- */

/* Moves all @len bytes of @buf through @fd, writing or reading; false on failure or EOF. */
static bool move_all(int fd, void *buf, size_t len, bool writing)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
    return move_all(fd, (void *)buf, len, true);
}

static bool read_all(int fd, void *buf, size_t len)
{
    return move_all(fd, buf, len, false);
}

/* Runs @child in a new process; returns its pid. Output is flushed first so it is not doubled. */
static pid_t spawn(int (*child)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        exit(child(arg)); /* exit, not _exit: LeakSanitizer checks the child too */
    return pid;
}

/* Fails unless the child @pid exits with status 0. */
static void expect_child_ok(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        print_error("child %d: %s %d\n", (int)pid, WIFEXITED(status) ? "exit status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        fail();
    }
}

/* What one hammering child did. */
typedef struct tally {
    int64_t increments[ROWS]; /* successful writes per row */
    int64_t conflicts, busy;  /* retries */
} tally;

typedef struct hammer {
    const char *url;
    char ids[ROWS][TRAIL_ULID_LEN + 1];
    int go;     /* read end: a byte here starts every child at once */
    int report; /* write end: the child's tally */
    unsigned seed;
    int rounds;
} hammer;

static void complain(trail_conn *db, const char *what, int rc)
{
    fprintf(stderr, "child %d: %s: %s: %s\n", (int)getpid(), what, trail_code_name(rc),
            trail_errmsg(db));
}

/* One read-modify-write increment of row @r, retried until it lands. */
static int increment(trail_conn *db, const char *id, tally *t)
{
    for (;;) {
        shop_customer c = { 0 };
        int rc = shop_customer_get(db, id, &c);
        /* The "modify" of read-modify-write: time for the other process to write. */
        nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 }, NULL);
        if (rc == TRAIL_OK) {
            shop_customer_update_params u = {
                .id = id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = c.credit + 1
            };
            rc = shop_customer_update(db, NULL, &u, NULL);
        }
        shop_customer_clear(&c);
        if (rc == TRAIL_OK)
            return TRAIL_OK;
        if (rc == TRAIL_ECONFLICT)
            t->conflicts++;
        else if (rc == TRAIL_EBUSY)
            t->busy++;
        else
            return rc;
    }
}

static int hammer_child(void *arg)
{
    hammer *h = arg;
    char go;
    if (!read_all(h->go, &go, 1))
        return 3;
    trail_conn *db = NULL;
    int rc = trail_open(&db, h->url, NULL);
    tally t = { 0 };
    for (int i = 0; rc == TRAIL_OK && i < h->rounds; i++) {
        int r = (int)(rand_r(&h->seed) % ROWS);
        if ((rc = increment(db, h->ids[r], &t)) == TRAIL_OK)
            t.increments[r]++;
    }
    if (rc != TRAIL_OK)
        complain(db, "increment", rc);
    trail_close(db);
    if (rc != TRAIL_OK)
        return 2;
    return write_all(h->report, &t, sizeof t) ? 0 : 4;
}

/* ---- the tests ------------------------------------------------------------------ */

static int count_op(void *userdata, const trail_change_event *ev)
{
    if (strcmp(ev->op, "update") == 0)
        ++*(int64_t *)userdata;
    return 0;
}

static void test_two_processes_hammer(void **state)
{
    it_db *t = *state;
    hammer h = { .url = t->url, .rounds = 300 };
    it_customer_ids(t->db, ROWS, h.ids);
    trail_close(t->db);
    t->db = NULL;

    int go[2], report[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(report), 0);
    h.go = go[0];
    h.report = report[1];
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        h.seed = 7919u * (unsigned)(i + 1);
        pids[i] = spawn(hammer_child, &h);
    }
    close(go[0]);
    close(report[1]);
    assert_true(write_all(go[1], "gg", 2)); /* both start together */
    close(go[1]);
    tally got[2];
    for (int i = 0; i < 2; i++)
        assert_true(read_all(report[0], &got[i], sizeof got[i]));
    close(report[0]);
    for (int i = 0; i < 2; i++)
        expect_child_ok(pids[i]);
    print_message("  %lld and %lld conflicts, %lld and %lld busy retries\n",
                  (long long)got[0].conflicts, (long long)got[1].conflicts, (long long)got[0].busy,
                  (long long)got[1].busy);

    trail_conn *db = t->db = it_open(t, NULL);
    int64_t total = 0;
    for (int r = 0; r < ROWS; r++) {
        int64_t want = got[0].increments[r] + got[1].increments[r];
        shop_customer c = { 0 };
        IT_OK(db, shop_customer_get(db, h.ids[r], &c));
        assert_int_equal(c.credit, want);
        assert_int_equal(c.version, want + 1);
        shop_customer_clear(&c);
        total += want;
    }
    assert_int_equal(total, 2 * h.rounds);
    int64_t updates = 0;
    IT_OK(db, trail_history(db, "customers", NULL, count_op, &updates));
    assert_int_equal(updates, total);
    assert_int_equal(it_rows(t, "trail_change_events"), ROWS + total);
    it_verify_clean(t);
}

/*
 * Two connections of one process, one node, writing in turn, each updating
 * the record the other one wrote last: each connection's events chain in a
 * lane of its own (seq 1, 2, 3, ..., each prev_hash the hash before it), and
 * each record's events are in HLC order as in version order, whichever
 * connection's clock stamped them. Writes in the same millisecond on the two
 * connections are what tell (this takes a few milliseconds in all).
 */
static void test_two_connections_one_node(void **state)
{
    it_db *t = *state;
    trail_conn *db[2] = { t->db, it_open(t, NULL) };
    shop_customer c[2] = { 0 };
    it_customer(db[0], "zero@x.org", &c[0]);
    it_customer(db[1], "one@x.org", &c[1]);
    enum { WRITES = 200 };
    for (int i = 0; i < WRITES; i++) {
        trail_conn *me = db[i % 2];
        shop_customer *rec = &c[(i + 1) % 2];
        IT_OK(me, shop_customer_get(me, rec->id, rec));
        shop_customer_update_params u = {
            .id = rec->id, .version = rec->version, .set = SHOP_CUSTOMER_CREDIT, .credit = i + 1
        };
        IT_OK(me, shop_customer_update(me, NULL, &u, rec));
    }

    size_t out_of_order = 0;
    for (int r = 0; r < 2; r++) { /* in HLC order, the versions count up from 1 */
        it_events evs;
        it_history(t->db, "customers", c[r].id, &evs);
        assert_int_equal(evs.n, WRITES / 2 + 1);
        for (size_t i = 0; i < evs.n; i++)
            if (evs.ev[i].version != (int64_t)i + 1 && out_of_order++ == 0)
                print_error("record %d: event %zu (hlc %lld) is version %lld\n", r, i,
                            (long long)evs.ev[i].hlc, (long long)evs.ev[i].version);
        it_events_free(&evs);
    }
    it_events evs;
    it_history(t->db, NULL, NULL, &evs);
    assert_int_equal(evs.n, WRITES + 2);
    for (int k = 0; k < 2; k++) { /* the lane of each connection's first event */
        const char *lane = NULL;
        int64_t seq = 0;
        const char *prev = NULL;
        for (size_t i = 0; i < evs.n; i++) {
            if (!lane && strcmp(evs.ev[i].record_id, c[k].id) == 0 && evs.ev[i].version == 1)
                lane = evs.ev[i].lane_id;
            if (!lane || strcmp(evs.ev[i].lane_id, lane) != 0)
                continue;
            /* trail_history() gives HLC order, which within a lane is its order. */
            assert_int_equal(evs.ev[i].seq, ++seq);
            if (prev)
                assert_string_equal(evs.ev[i].prev_hash, prev);
            prev = evs.ev[i].hash;
        }
        assert_int_equal(seq, WRITES / 2 + 1);
    }
    it_events_free(&evs);
    shop_customer_clear(&c[0]);
    shop_customer_clear(&c[1]);
    trail_close(db[1]);
    it_verify_clean(t);
    assert_int_equal(out_of_order, 0);
}

/* The writer: creates and then updates customers forever, reporting each commit. */
static int stream_child(void *arg)
{
    const hammer *h = arg;
    trail_conn *db = NULL;
    int rc = trail_open(&db, h->url, NULL);
    for (int i = 0; rc == TRAIL_OK; i++) {
        char email[32], line[TRAIL_ULID_LEN + 3];
        snprintf(email, sizeof email, "k%d@x.org", i);
        shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
        p.email = email;
        p.name = "K";
        p.secret = "s";
        shop_customer c = { 0 };
        if ((rc = shop_customer_create(db, NULL, &p, &c)) != TRAIL_OK)
            break;
        snprintf(line, sizeof line, "C%s\n", c.id);
        if (!write_all(h->report, line, strlen(line)))
            return 4;
        shop_customer_update_params u = {
            .id = c.id, .version = 1, .set = SHOP_CUSTOMER_CREDIT, .credit = i + 1
        };
        rc = shop_customer_update(db, NULL, &u, NULL);
        if (rc == TRAIL_OK) {
            line[0] = 'U';
            if (!write_all(h->report, line, strlen(line)))
                return 4;
        }
        shop_customer_clear(&c);
    }
    complain(db, "write", rc);
    return 2;
}

static void test_sigkill_mid_stream(void **state)
{
    it_db *t = *state;
    trail_close(t->db);
    t->db = NULL;
    int report[2];
    assert_int_equal(pipe(report), 0);
    hammer h = { .url = t->url, .report = report[1] };
    pid_t pid = spawn(stream_child, &h);
    close(report[1]);

    /* Lines of 28 bytes: 'C' or 'U', the id, '\n'. */
    enum { LINE = TRAIL_ULID_LEN + 2, BEFORE_KILL = 60, MAX_LINES = 4096 };
    static char lines[MAX_LINES][LINE];
    size_t n = 0;
    while (n < BEFORE_KILL && read_all(report[0], lines[n], LINE))
        n++;
    assert_int_equal(n, BEFORE_KILL); /* the child did not die on its own */
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* What it reported before it died was committed too. */
    while (n < MAX_LINES && read_all(report[0], lines[n], LINE))
        n++;
    close(report[0]);

    trail_conn *db = t->db = it_open(t, NULL);
    it_verify_clean(t);
    for (size_t i = 0; i < n; i++) {
        assert_true(lines[i][0] == 'C' || lines[i][0] == 'U');
        assert_int_equal(lines[i][LINE - 1], '\n');
        lines[i][LINE - 1] = '\0';
        const char *id = lines[i] + 1;
        shop_customer c = { 0 };
        IT_OK(db, shop_customer_get(db, id, &c));
        int64_t version = lines[i][0] == 'C' ? 1 : 2;
        assert_true(c.version >= version);
        shop_customer_clear(&c);
        it_events evs;
        it_history(db, "customers", id, &evs);
        assert_true(evs.n >= (size_t)version);
        assert_string_equal(evs.ev[version - 1].op, version == 1 ? "insert" : "update");
        assert_int_equal(evs.ev[version - 1].version, version);
        it_events_free(&evs);
    }
    /* Every row has its events, reported or not. */
    assert_true(it_rows(t, "trail_change_events") >= (int64_t)n);

    /* And the database takes writes again, chained on. */
    shop_customer c = { 0 };
    it_customer(db, "after@x.org", &c);
    shop_customer_clear(&c);
    it_verify_clean(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_connections_one_node, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_hammer, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_sigkill_mid_stream, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
