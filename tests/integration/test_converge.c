/*
 * test_converge.c - three nodes, randomized: whatever order, duplication,
 * delay and partition the events travel through, and whichever nodes edit
 * a record while apart, the nodes end with the same events, the same rows,
 * the same conflicts and a clean verify (SPEC §6, docs/replication.md
 * "Merging concurrent edits" and "Convergence, tested").
 *
 * The nodes are a SQLite file, the PostgreSQL and the MariaDB database of
 * ctest's fixtures when TRAIL_SYNC_PG_URL_FILE and TRAIL_SYNC_MYSQL_URL_FILE
 * name their URLs (SQLite files otherwise). A seeded run draws operations:
 *
 *   - creates of customers, and of orders for any customer the node holds;
 *   - updates and deletes of any record the node holds, whoever made it:
 *     one to three of a customer's ten replicated fields, so that nodes
 *     apart set the same field and different fields of one record; an
 *     order's total, or its customer; deletes that race those updates, and
 *     customers deleted while another node gives them an order. Half the
 *     edits go to the newest records, where the races are;
 *   - transactions of two to four such writes;
 *   - syncs between random pairs with random batch sizes, export files of
 *     what a random peer lacks (by its digest), imported later, anywhere,
 *     out of order and again, and partitions that cut one node off a while.
 *
 * A write reads its record first, as a user would, and passes the version
 * it read; now and then a sync into the node comes between the read and
 * the write (or the transaction), as replication runs while a user looks.
 * So a write can be refused, TRAIL_ECONFLICT (the version moved on) or
 * TRAIL_ENOTFOUND (deleted meanwhile): counted and allowed, and a
 * transaction holding it rolled back. TRAIL_EREF on deleting a customer
 * that orders here still name is counted and allowed too.
 * Unique values (email) are drawn unique: a unique race does not converge
 * by design (docs/replication.md, "Limits"). Then the nodes heal and sync
 * until nothing moves, and converge_checks.c checks what must hold
 * (converge.h).
 *
 * Each node writes through two connections, so two clocks and two lanes:
 * within a millisecond one can stamp an effect before its cause on the
 * other.
 *
 * TRAIL_CONVERGE_OPS sets the number of operations (2000; the long mode is
 * 100000), TRAIL_CONVERGE_SEED the seed (printed, so that a failure can be
 * run again: the operations drawn are a function of the seed and of which
 * records each node holds; what the clocks stamp, and so which concurrent
 * edit wins, is not), and TRAIL_CONVERGE_RACE=0 makes each record written
 * by its owner only (issue 17's promise: no concurrent edits).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include "converge.h"
#include "trail/digest.h"
#include "trail/sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The newest records, where half the edits go: a node edits them before the others' edits come. */
enum { HOT = 24 };

/* xorshift64*: the same draws from the same seed on every machine. */
static uint64_t draw(world *w)
{
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * 0x2545F4914F6CDD1DULL;
}

static int pick(world *w, int n)
{
    return (int)(draw(w) % (uint64_t)n);
}

static bool reachable(const world *w, int a, int b)
{
    return w->cut < 0 || (a != w->cut && b != w->cut) || a == b;
}

/* ---- setup ------------------------------------------------------------------- */

static const char *engine_of(int i)
{
    if (i == 1 && getenv("TRAIL_SYNC_PG_URL_FILE"))
        return "pg";
    if (i == 2 && getenv("TRAIL_SYNC_MYSQL_URL_FILE"))
        return "mysql";
    return "sqlite";
}

static int teardown(void **state)
{
    world *w = *state;
    for (int i = 0; w && i < NODES; i++)
        trail_close(w->other[i]);
    if (w)
        it_nodes_close(w->node, NODES);
    if (w && w->files_dir[0]) {
        for (int i = 0; i < w->nfiles; i++)
            remove(w->files[i]);
        rmdir(w->files_dir);
    }
    if (w)
        free(w->recs);
    free(w);
    return 0;
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    if (!(*state = w))
        return -1;
    w->cut = -1;
    const char *engines[NODES] = { engine_of(0), engine_of(1), engine_of(2) };
    if (it_nodes_open(w->node, NODES, engines) < 0)
        return teardown(state), -1;
    for (int i = 0; i < NODES; i++)
        w->other[i] = it_open(&w->node[i], NULL);
    const char *tmp = getenv("TMPDIR");
    snprintf(w->files_dir, sizeof w->files_dir, "%s/trail-converge-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(w->files_dir))
        return w->files_dir[0] = '\0', teardown(state), -1;
    return 0;
}

/* ---- records ------------------------------------------------------------------ */

/* What a transaction changed of the test's records, to be put back when it rolls back. */
typedef struct undo {
    bool open;
    size_t first_new; /* records made inside it: from this index on */
    size_t n;
    struct {
        size_t index;
        rec was;
    } item[8];
} undo;

static rec *add_rec(world *w)
{
    if (w->nrecs == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 256;
        w->recs = realloc(w->recs, w->cap * sizeof *w->recs);
        assert_non_null(w->recs);
    }
    rec *r = &w->recs[w->nrecs++];
    memset(r, 0, sizeof *r);
    return r;
}

/* @r is about to change: keep what it was, inside a transaction. */
static void remember(world *w, undo *u, const rec *r)
{
    if (!u || !u->open || (size_t)(r - w->recs) >= u->first_new)
        return;
    assert_true(u->n < sizeof u->item / sizeof *u->item);
    u->item[u->n].index = (size_t)(r - w->recs);
    u->item[u->n++].was = *r;
}

/* A record @n holds, as read through the connection it writes with. */
typedef struct held {
    size_t index;
    int64_t version;
} held;

/* A random record of @n's own that no write deleted, of the kind asked (-1: either). */
static rec *own(world *w, int n, int order)
{
    size_t found = 0, chosen = 0;
    for (size_t i = 0; i < w->nrecs; i++)
        if (!w->recs[i].gone && w->recs[i].owner == n && (order < 0 || w->recs[i].order == order))
            found++;
    if (!found)
        return NULL;
    chosen = (size_t)pick(w, (int)found);
    for (size_t i = 0; i < w->nrecs; i++)
        if (!w->recs[i].gone && w->recs[i].owner == n && (order < 0 || w->recs[i].order == order) &&
            chosen-- == 0)
            return &w->recs[i];
    return NULL;
}

/*
 * A record that @n holds, of the kind asked (-1: either), into @out: read
 * there first, as a user edits what they see. Racing, any node's record,
 * one of the newest HOT half the time; else one of @n's own. False when
 * a few draws found none there.
 */
static bool pick_held(world *w, int n, int order, held *out)
{
    if (!w->race) {
        rec *r = own(w, n, order);
        if (!r)
            return false;
        *out = (held){ (size_t)(r - w->recs), r->version };
        return true;
    }
    trail_conn *db = w->use[n];
    for (int tries = 0; tries < 4 && w->nrecs; tries++) {
        int newest = w->nrecs < HOT ? (int)w->nrecs : HOT;
        size_t i =
            pick(w, 2) ? w->nrecs - 1 - (size_t)pick(w, newest) : (size_t)pick(w, (int)w->nrecs);
        rec *r = &w->recs[i];
        if (order >= 0 && r->order != order)
            continue;
        int64_t version = 0;
        int rc;
        if (r->order) {
            shop_order o = { 0 };
            rc = shop_order_get(db, r->id, &o);
            version = o.version;
            shop_order_clear(&o);
        } else {
            shop_customer c = { 0 };
            rc = shop_customer_get(db, r->id, &c);
            version = c.version;
            shop_customer_clear(&c);
        }
        if (rc == TRAIL_ENOTFOUND)
            continue;
        IT_OK(db, rc);
        if (r->owner == n && !r->raced && version != r->version)
            converge_fail(w,
                          "node %d reads its %s %s at version %" PRId64 "; it last wrote %" PRId64
                          " and no other node wrote it",
                          n, r->order ? "order" : "customer", r->id, version, r->version);
        *out = (held){ i, version };
        return true;
    }
    return false;
}

/* A write of @n to @r went through at @version: what the test knows of @r now. */
static void wrote(world *w, undo *u, int n, rec *r, int64_t version, bool moved)
{
    remember(w, u, r);
    w->writes++;
    if (n != r->owner || moved) {
        w->raced_writes += n != r->owner;
        r->raced = true;
    }
    r->version = version;
}

/* ---- writes ------------------------------------------------------------------- */

static void sync_pair(world *w, int src, int dst, int batch);

/*
 * One time in @odds, a sync into @n between a user's read and their write,
 * as replication runs while they look: the version they read may be stale
 * by the time they write.
 */
static void meanwhile(world *w, int n, int odds)
{
    if (pick(w, odds))
        return;
    int src = (n + 1 + pick(w, NODES - 1)) % NODES;
    if (reachable(w, src, n))
        sync_pair(w, src, n, 1 + pick(w, 64));
}

static void create_customer(world *w, int n)
{
    trail_conn *db = w->use[n];
    char email[64], name[32];
    snprintf(email, sizeof email, "n%d-%" PRId64 "@x.org", n, ++w->emails);
    snprintf(name, sizeof name, "name %" PRIu64, draw(w) % 1000);
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = name;
    p.credit = (int64_t)(draw(w) % 100000);
    p.tier = (shop_customer_tier)pick(w, 3);
    shop_customer c = { 0 };
    IT_OK(db, shop_customer_create(db, NULL, &p, &c));
    rec *r = add_rec(w);
    snprintf(r->id, sizeof r->id, "%s", c.id);
    r->owner = n;
    r->version = c.version;
    w->writes++;
    shop_customer_clear(&c);
}

static void create_order(world *w, int n, size_t customer)
{
    trail_conn *db = w->use[n];
    shop_order_create_params p = SHOP_ORDER_CREATE_INIT;
    p.customer = w->recs[customer].id;
    p.total = (int64_t)(draw(w) % 10000);
    shop_order o = { 0 };
    IT_OK(db, shop_order_create(db, NULL, &p, &o));
    rec *r = add_rec(w);
    snprintf(r->id, sizeof r->id, "%s", o.id);
    r->order = true;
    r->owner = n;
    r->version = o.version;
    r->customer = (int)customer;
    w->writes++;
    shop_order_clear(&o);
}

/* An order for a customer @n holds; false when it found none. */
static bool order_for_held(world *w, int n)
{
    held c;
    if (!pick_held(w, n, 0, &c))
        return false;
    create_order(w, n, c.index);
    return true;
}

/*
 * A version read before a sync brought another node's edit, or its delete:
 * the write the test allows to fail (TRAIL_ECONFLICT, TRAIL_ENOTFOUND).
 */
static bool went_through(world *w, trail_conn *db, int rc)
{
    if (rc == TRAIL_ECONFLICT || rc == TRAIL_ENOTFOUND) {
        w->stale++;
        return false;
    }
    IT_OK(db, rc);
    return true;
}

static int update_order(world *w, undo *u, int n, held h)
{
    trail_conn *db = w->use[n];
    shop_order_update_params p = { .id = w->recs[h.index].id, .version = h.version };
    p.set = SHOP_ORDER_TOTAL;
    p.total = (int64_t)(draw(w) % 10000);
    held c;
    /* Moving it to another customer races that customer's delete, and its own. */
    if (w->race && pick(w, 4) == 0 && pick_held(w, n, 0, &c)) {
        p.set = pick(w, 2) ? SHOP_ORDER_CUSTOMER : SHOP_ORDER_CUSTOMER | SHOP_ORDER_TOTAL;
        p.customer = w->recs[c.index].id;
    }
    shop_order o = { 0 };
    int rc = shop_order_update(db, NULL, &p, &o);
    if (went_through(w, db, rc))
        wrote(w, u, n, &w->recs[h.index], o.version, (p.set & SHOP_ORDER_CUSTOMER) != 0);
    shop_order_clear(&o);
    return rc;
}

/*
 * One to three of a customer's ten replicated fields (secret never: it
 * stays on its node): two nodes apart set the same field a third of the
 * time or so, different fields otherwise.
 */
static int update_customer(world *w, undo *u, int n, held h)
{
    static const uint64_t fields[] = { SHOP_CUSTOMER_EMAIL,  SHOP_CUSTOMER_NAME,
                                       SHOP_CUSTOMER_TIER,   SHOP_CUSTOMER_CREDIT,
                                       SHOP_CUSTOMER_RATING, SHOP_CUSTOMER_ACTIVE,
                                       SHOP_CUSTOMER_BORN,   SHOP_CUSTOMER_SEEN_AT,
                                       SHOP_CUSTOMER_AVATAR, SHOP_CUSTOMER_PREFS };
    trail_conn *db = w->use[n];
    shop_customer_update_params p = { .id = w->recs[h.index].id, .version = h.version };
    for (int k = 1 + pick(w, 3); k > 0; k--)
        p.set |= fields[pick(w, (int)(sizeof fields / sizeof *fields))];
    char email[64], name[32], prefs[48];
    unsigned char avatar[8];
    snprintf(email, sizeof email, "n%d-%" PRId64 "@x.org", n, ++w->emails);
    snprintf(name, sizeof name, "renamed %" PRIu64, draw(w) % 1000);
    p.email = email;
    p.name = name;
    p.tier = (shop_customer_tier)pick(w, 3);
    p.credit = (int64_t)(draw(w) % 100000);
    p.rating_null = pick(w, 4) == 0;
    p.rating = p.rating_null ? 0 : (double)pick(w, 50) / 10;
    p.active = pick(w, 2);
    p.born_null = pick(w, 4) == 0;
    p.born = p.born_null ? 0 : pick(w, 40000);
    p.seen_at_null = pick(w, 4) == 0;
    p.seen_at = p.seen_at_null ? 0 : INT64_C(1600000000000) + (int64_t)(draw(w) % 100000000000u);
    if (pick(w, 4)) {
        uint64_t bytes = draw(w);
        memcpy(avatar, &bytes, sizeof avatar);
        p.avatar = (trail_blob){ avatar, 1 + (size_t)pick(w, 8) };
    }
    if (pick(w, 4)) {
        if (pick(w, 2))
            snprintf(prefs, sizeof prefs, "{\"lang\": \"l%d\", \"size\": %d}", pick(w, 9),
                     pick(w, 100));
        else
            snprintf(prefs, sizeof prefs, "[%d, %d]", pick(w, 100), pick(w, 100));
        p.prefs = prefs;
    }
    shop_customer c = { 0 };
    int rc = shop_customer_update(db, NULL, &p, &c);
    if (went_through(w, db, rc))
        wrote(w, u, n, &w->recs[h.index], c.version, false);
    shop_customer_clear(&c);
    return rc;
}

static int update(world *w, undo *u, int n, held h)
{
    return w->recs[h.index].order ? update_order(w, u, n, h) : update_customer(w, u, n, h);
}

static void remove_record(world *w, int n, held h)
{
    trail_conn *db = w->use[n];
    rec *r = &w->recs[h.index];
    int rc = r->order ? shop_order_delete(db, NULL, r->id, h.version)
                      : shop_customer_delete(db, NULL, r->id, h.version);
    if (rc == TRAIL_EREF && !r->order) { /* orders here still name it */
        w->kept++;
        return;
    }
    if (!went_through(w, db, rc))
        return;
    wrote(w, NULL, n, r, h.version, false);
    r->gone = true;
}

/*
 * Two to four writes in one transaction on @n: creates, orders for what
 * it holds, updates, one of them sometimes of a record read before the
 * transaction (and a sync). A write refused (a stale version) rolls it all
 * back, and the test forgets what it did.
 */
static void transaction(world *w, int n)
{
    trail_conn *db = w->use[n];
    held h, early;
    int writes = 2 + pick(w, 3), late = -1;
    if (pick(w, 3) == 0 && pick_held(w, n, -1, &early)) {
        late = pick(w, writes);
        meanwhile(w, n, 2);
    }
    undo u = { .open = true, .first_new = w->nrecs };
    IT_OK(db, trail_begin(db));
    int rc = TRAIL_OK;
    for (int k = 0; k < writes && rc == TRAIL_OK; k++) {
        int what = pick(w, 4);
        if (k == late)
            rc = update(w, &u, n, early);
        else if (what == 0)
            create_customer(w, n);
        else if (what == 1)
            order_for_held(w, n);
        else if (pick_held(w, n, -1, &h))
            rc = update(w, &u, n, h);
    }
    if (rc == TRAIL_OK) {
        IT_OK(db, trail_commit(db));
        return;
    }
    IT_OK(db, trail_rollback(db));
    w->rolled_back++;
    for (size_t i = u.n; i-- > 0;)
        w->recs[u.item[i].index] = u.item[i].was;
    for (size_t i = u.first_new; i < w->nrecs; i++)
        w->recs[i].gone = true; /* never made: no row anywhere */
}

/* ---- travel ------------------------------------------------------------------- */

static void sync_pair(world *w, int src, int dst, int batch)
{
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = batch;
    trail_sync_stats st;
    /* A sync first retries what dst holds back, which may have arrived since: skipped then. */
    int64_t waiting = converge_quarantined(w->node[dst].db);
    IT_OK(w->node[dst].db, trail_sync(w->node[src].db, w->node[dst].db, &o, &st));
    if (st.skipped > waiting || st.refused)
        converge_fail(w, "sync %d -> %d: %" PRId64 " skipped, %" PRId64 " refused (%s)", src, dst,
                      st.skipped, st.refused, st.last_refused);
    w->syncs++;
    w->applied += st.applied;
}

/*
 * What @src holds and @peer lacks (by @peer's digest now), into a file:
 * a new one, or once MAX_FILES are made, in place of a random one (what
 * it carried travels by other ways), so that a long run goes on exporting.
 */
static void export_for(world *w, int src, int peer)
{
    int slot = w->nfiles < MAX_FILES ? w->nfiles : pick(w, MAX_FILES);
    char *digest = NULL;
    IT_OK(w->node[peer].db, trail_digest(w->node[peer].db, &digest));
    char *path = w->files[slot];
    snprintf(path, sizeof w->files[0], "%s/%d.jsonl", w->files_dir, slot);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    trail_export_opts o = TRAIL_EXPORT_OPTS_INIT;
    o.since_digest = digest;
    o.batch_size = 1 + pick(w, 32);
    IT_OK(w->node[src].db, trail_export(w->node[src].db, f, &o, NULL));
    assert_int_equal(fclose(f), 0);
    free(digest);
    if (slot == w->nfiles)
        w->nfiles++;
}

static trail_sync_stats import_file(world *w, int dst, int file)
{
    FILE *f = fopen(w->files[file], "r");
    assert_non_null(f);
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = 1 + pick(w, 32);
    trail_sync_stats st;
    IT_OK(w->node[dst].db, trail_import(w->node[dst].db, f, &o, &st));
    fclose(f);
    if (st.refused)
        converge_fail(w, "import of file %d into %d: refused %s", file, dst, st.last_refused);
    w->imports++;
    w->applied += st.applied;
    return st;
}

/* ---- the run ------------------------------------------------------------------ */

static void step(world *w)
{
    int n = pick(w, NODES), r = pick(w, 100);
    held h;
    w->use[n] = pick(w, 2) ? w->node[n].db : w->other[n];
    if (r < 22) {
        create_customer(w, n);
    } else if (r < 42) {
        if (pick_held(w, n, -1, &h)) {
            meanwhile(w, n, 8);
            update(w, NULL, n, h);
        }
    } else if (r < 49) {
        if (pick_held(w, n, -1, &h)) {
            meanwhile(w, n, 8);
            remove_record(w, n, h);
        }
    } else if (r < 58) {
        order_for_held(w, n);
    } else if (r < 64) {
        transaction(w, n);
    } else if (r < 85) {
        int dst = (n + 1 + pick(w, NODES - 1)) % NODES;
        if (reachable(w, n, dst))
            sync_pair(w, n, dst, 1 + pick(w, 64));
    } else if (r < 90) {
        int peer = (n + 1 + pick(w, NODES - 1)) % NODES;
        export_for(w, n, peer);
    } else if (r < 98) {
        if (w->nfiles)
            import_file(w, n, pick(w, w->nfiles));
    } else {
        w->cut = w->cut < 0 ? pick(w, NODES) : -1;
    }
}

/* Sync every pair both ways until a whole round applies nothing. */
static void quiesce(world *w)
{
    for (int round = 0; round < 10; round++) {
        int64_t before = w->applied;
        for (int a = 0; a < NODES; a++)
            for (int b = 0; b < NODES; b++)
                if (a != b)
                    sync_pair(w, a, b, 1000);
        if (w->applied == before)
            return;
    }
    converge_fail(w, "the nodes still exchange events after 10 rounds");
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_converge(void **state)
{
    world *w = *state;
    const char *ops_env = getenv("TRAIL_CONVERGE_OPS"), *seed_env = getenv("TRAIL_CONVERGE_SEED"),
               *race_env = getenv("TRAIL_CONVERGE_RACE");
    long ops = ops_env && *ops_env ? strtol(ops_env, NULL, 10) : 2000;
    uint64_t seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 10)
                                          : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    w->race = !(race_env && strcmp(race_env, "0") == 0);
    w->rng = w->seed = seed ? seed : 1;
    print_message("converge: %ld operations, %s, seed %" PRIu64 " (TRAIL_CONVERGE_SEED=%" PRIu64
                  " replays them), nodes %s, %s, %s\n",
                  ops, w->race ? "racing" : "each record written by its owner only", w->seed,
                  w->seed, engine_of(0), engine_of(1), engine_of(2));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool tty = isatty(2);
    for (long op = 0; op < ops; op++) {
        step(w);
        if (tty && op % 100 == 0)
            fprintf(stderr,
                    "\r%ld/%ld operations, %.0f s, %" PRId64 " syncs, %" PRId64
                    " events applied, seed %" PRIu64 "\033[K",
                    op, ops, seconds_since(&t0), w->syncs, w->applied, w->seed);
    }
    if (tty)
        fputs("\r\033[Ksyncing until quiet, then checking\r", stderr);
    double drawn = seconds_since(&t0);
    w->cut = -1;
    quiesce(w);
    /* Every file once more, anywhere: all of it is there already. */
    for (int f = 0; f < w->nfiles; f++) {
        trail_sync_stats st = import_file(w, pick(w, NODES), f);
        if (st.applied || st.held)
            converge_fail(w, "file %d again: %" PRId64 " applied, %" PRId64 " held", f, st.applied,
                          st.held);
    }
    size_t raced = 0;
    for (size_t i = 0; i < w->nrecs; i++)
        raced += w->recs[i].raced;
    print_message("converge: %zu records (%zu written by several nodes), %" PRId64
                  " writes (%" PRId64 " to another node's record), %" PRId64 " stale, %" PRId64
                  " deletes refused for orders, %" PRId64 " transactions rolled back; %" PRId64
                  " syncs, %d files, %" PRId64 " imports, %" PRId64
                  " events applied; %.1f s drawing, %.1f s syncing\n",
                  w->nrecs, raced, w->writes, w->raced_writes, w->stale, w->kept, w->rolled_back,
                  w->syncs, w->nfiles, w->imports, w->applied, drawn, seconds_since(&t0) - drawn);
    converge_check(w);
    if (tty)
        fputs("\r\033[K", stderr);
    print_message("converge: the same on every node: %" PRId64 " conflicts, %" PRId64
                  " merge events; %.1f s in all\n",
                  w->conflicts, w->merges, seconds_since(&t0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_converge, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
