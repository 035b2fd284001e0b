/*
 * it_common.c - the shared part of the integration tests (see it_common.h).
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw, strdup */
#include "it_common.h"
#include "audit/event.h" /* the event columns and their hash, for it_event_hash() and copies */
#include "trail/sync.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the database of one test ------------------------------------------ */

/*
 * The first line of @path (the environment variable @var names it),
 * trimmed, in @url. ctest's server fixtures write the URL of the server
 * they started to a file (tests/servers/pg.sh), since the port is only
 * known once it runs. Returns 0, or -1 with a message: a
 * test meant for a server must fail rather than quietly run on SQLite.
 */
static int url_from_file(const char *var, const char *path, char *url, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("%s %s: %s (did the server fixture run?)\n", var, path, strerror(errno));
        return -1;
    }
    char line[PATH_MAX + 64];
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *s = line;
    size_t n = got ? strlen(line) : 0;
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    if (!n || n >= size) {
        print_error("%s %s: %s\n", var, path,
                    n ? "the URL is too long" : "no URL on its first line");
        return -1;
    }
    memcpy(url, s, n + 1);
    return 0;
}

/*
 * The URL of the server to test against in @url: TRAIL_TEST_URL, else the
 * one in the file TRAIL_TEST_URL_FILE names. Returns 1 when there is one, 0
 * when neither is set (the test gets a fresh SQLite file), -1 on failure.
 */
static int server_url(char *url, size_t size)
{
    const char *env = getenv("TRAIL_TEST_URL");
    if (env && *env) {
        snprintf(url, size, "%s", env);
        return 1;
    }
    const char *file = getenv("TRAIL_TEST_URL_FILE");
    if (file && *file)
        return url_from_file("TRAIL_TEST_URL_FILE", file, url, size) < 0 ? -1 : 1;
    return 0;
}

/* A new SQLite file in a new temporary directory trail-@what-XXXXXX: 0, or -1 saying why. */
static int sqlite_file(it_db *t, const char *what)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/trail-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", what);
    if (!mkdtemp(t->dir)) {
        perror("mkdtemp");
        t->dir[0] = '\0';
        return -1;
    }
    snprintf(t->url, sizeof t->url, "sqlite:%s/x.db", t->dir);
    return 0;
}

static int setup(void **state, bool open)
{
    it_db *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    *state = t;
    int server = server_url(t->url, sizeof t->url);
    if (server < 0)
        goto fail;
    if (server ? raw_reset(t->url) < 0 : sqlite_file(t, "it") < 0)
        goto fail;
    if (open) {
        t->db = it_open(t, NULL);
        it_migrate(t->db);
        t->verify = true;
    }
    return 0;

fail: /* cmocka skips the teardown of a failed setup */
    it_teardown(state);
    return -1;
}

int it_setup(void **state)
{
    return setup(state, true);
}

int it_setup_empty(void **state)
{
    return setup(state, false);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int it_teardown(void **state)
{
    it_db *t = *state;
    if (!t)
        return 0;
    int rc = 0;
    if (t->db && t->verify) {
        trail_verify_report r = { 0 };
        int v = trail_verify(t->db, &r);
        if (v != TRAIL_OK || r.n_problems) {
            print_error("after the test, trail_verify: %s, %zu problems: %s\n", trail_code_name(v),
                        r.n_problems, trail_errmsg(t->db));
            it_print_report(&r);
            rc = -1;
        }
        trail_verify_report_free(&r);
    }
    it_node_close(t);
    free(t);
    *state = NULL;
    return rc;
}

/* ---- the members of a cluster ------------------------------------------------ */

/* The path of @file in the directory the environment variable @var names, in @path. */
static void member_path(const char *var, const char *file, char *path, size_t size)
{
    const char *dir = getenv(var);
    if (!dir || !*dir) {
        print_error("%s is not set (the cluster fixture's directory)\n", var);
        fail();
    }
    if (snprintf(path, size, "%s/%s", dir, file) >= (int)size)
        fail_msg("%s/%s: path too long", dir, file);
}

void it_member_url(it_db *t, const char *var, const char *file)
{
    char path[PATH_MAX];
    member_path(var, file, path, sizeof path);
    assert_int_equal(url_from_file(var, path, t->url, sizeof t->url), 0);
}

void it_member_open(it_db *t, const char *var, const char *file)
{
    it_member_url(t, var, file);
    t->db = it_open(t, NULL);
}

void it_standby_wait(const char *primary, const char *standby)
{
    /* An LSN less '0/0' is its byte position: a number raw_count() reads. */
    int64_t wrote = raw_count(primary, "SELECT (pg_current_wal_lsn() - '0/0')::bigint");
    assert_true(wrote >= 0);
    int64_t deadline = it_now_ms() + 30000, replayed;
    while ((replayed = raw_count(standby, "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint")) <
           wrote) {
        if (it_now_ms() > deadline)
            fail_msg("the standby replayed up to byte %lld of the WAL in 30 s, not to %lld",
                     (long long)replayed, (long long)wrote);
        nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
    }
}

int64_t it_standby_refusals(void)
{
    char path[PATH_MAX];
    member_path("TRAIL_TEST_CLUSTER_DIR", "standby/server.log", path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("%s: %s", path, strerror(errno));
    int64_t n = 0;
    char line[4096];
    while (fgets(line, sizeof line, f))
        n += strstr(line, "in a read-only transaction") != NULL;
    fclose(f);
    return n;
}

void it_standby_refused_none(int64_t before, const char *who)
{
    int64_t after = it_standby_refusals();
    if (after != before)
        fail_msg("%s made the standby refuse %lld statements for being read-only (its server.log "
                 "says which)",
                 who, (long long)(after - before));
}

void it_member_has(const char *file, const shop_customer *c, bool verify)
{
    it_db member = { 0 };
    it_member_open(&member, "TRAIL_TEST_CLUSTER_DIR", file);
    shop_customer got = { 0 };
    int64_t deadline = it_now_ms() + 30000;
    int rc;
    while ((rc = shop_customer_get(member.db, c->id, &got)) == TRAIL_ENOTFOUND &&
           it_now_ms() < deadline)
        nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
    IT_OK(member.db, rc);
    assert_string_equal(got.email, c->email);
    assert_int_equal(got.version, 1);
    shop_customer_clear(&got);
    if (verify)
        it_verify_clean(&member);
    it_node_close(&member);
}

/* SQL for raw_count(): the last write set that a Galera node committed, in the cluster's order. */
#define GALERA_LAST_COMMITTED                                                                      \
    "SELECT \"VARIABLE_VALUE\" FROM information_schema.GLOBAL_STATUS"                              \
    " WHERE \"VARIABLE_NAME\" = 'WSREP_LAST_COMMITTED'"

void it_galera_caught_up(int members)
{
    enum { MAX_MEMBERS = 9 };
    assert_true(members > 0 && members <= MAX_MEMBERS);
    it_db m[MAX_MEMBERS] = { 0 };
    int64_t want = -1;
    for (int i = 0; i < members; i++) {
        char file[16];
        snprintf(file, sizeof file, "url%d", i + 1);
        it_member_url(&m[i], "TRAIL_TEST_CLUSTER_DIR", file);
        int64_t seqno = raw_count(m[i].url, GALERA_LAST_COMMITTED);
        assert_true(seqno >= 0);
        if (seqno > want)
            want = seqno;
    }
    int64_t deadline = it_now_ms() + 30000;
    for (int i = 0; i < members; i++) {
        int64_t seqno;
        while ((seqno = raw_count(m[i].url, GALERA_LAST_COMMITTED)) >= 0 && seqno < want &&
               it_now_ms() < deadline)
            nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
        if (seqno < want)
            fail_msg("member %d of the cluster has committed write set %lld, not yet %lld", i + 1,
                     (long long)seqno, (long long)want);
    }
}

/* ---- the nodes of a replication test --------------------------------------- */

int it_sync_pair(char a[16], char b[16])
{
    const char *pair = getenv("TRAIL_SYNC_PAIR");
    snprintf(a, 16, "sqlite");
    snprintf(b, 16, "sqlite");
    if (pair && *pair && sscanf(pair, "%15[a-z]:%15[a-z]", a, b) != 2)
        return print_error("TRAIL_SYNC_PAIR %s: not ENGINE:ENGINE\n", pair), -1;
    return 0;
}

int it_node_db(it_db *t, const char *engine)
{
    if (strcmp(engine, "sqlite") == 0)
        return sqlite_file(t, "sync");
    const char *var =
        strcmp(engine, "pg") == 0 ? "TRAIL_SYNC_PG_URL_FILE" : "TRAIL_SYNC_MYSQL_URL_FILE";
    const char *path = getenv(var);
    if (!path)
        return print_error("%s: not set\n", var), -1;
    return url_from_file(var, path, t->url, sizeof t->url) < 0 || raw_reset(t->url) < 0 ? -1 : 0;
}

void it_node_close(it_db *t)
{
    trail_close(t->db);
    t->db = NULL;
    if (t->dir[0])
        nftw(t->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    t->dir[0] = '\0';
}

int it_nodes_open(it_db *nodes, size_t n, const char *const *engines)
{
    for (size_t i = 0; i < n; i++) {
        if (it_node_db(&nodes[i], engines[i]) < 0) {
            it_nodes_close(nodes, n);
            return -1;
        }
        nodes[i].db = it_open(&nodes[i], NULL);
        it_migrate(nodes[i].db);
    }
    return 0;
}

void it_nodes_close(it_db *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        it_node_close(&nodes[i]);
}

/* ---- two nodes ------------------------------------------------------------- */

int it_pair_teardown(void **state)
{
    it_pair *p = *state;
    if (p)
        it_nodes_close(p->node, IT_PAIR_NODES);
    free(p);
    *state = NULL;
    return 0;
}

int it_pair_setup(void **state)
{
    it_pair *p = calloc(1, sizeof *p);
    if (!(*state = p))
        return -1;
    char a[16], b[16];
    const char *engines[IT_PAIR_NODES] = { a, b };
    if (it_sync_pair(a, b) < 0 || it_nodes_open(p->node, IT_PAIR_NODES, engines) < 0)
        return it_pair_teardown(state), -1;
    return 0;
}

void it_sync_ok(trail_conn *src, trail_conn *dst, int batch_size)
{
    trail_sync_opts o = TRAIL_SYNC_OPTS_INIT;
    o.batch_size = batch_size;
    trail_sync_stats st = { 0 };
    IT_OK(dst, trail_sync(src, dst, &o, &st));
    if (st.refused || st.held) {
        print_error("sync: %lld refused, %lld held: %s\n", (long long)st.refused,
                    (long long)st.held, st.last_refused);
        fail();
    }
}

void it_pair_sync(it_pair *p, int batch_size)
{
    it_sync_ok(p->node[0].db, p->node[1].db, batch_size);
    it_sync_ok(p->node[1].db, p->node[0].db, batch_size);
}

trail_conn *it_open(const it_db *t, const trail_open_opts *opts)
{
    trail_conn *db = NULL;
    int rc = trail_open(&db, t->url, opts);
    if (rc != TRAIL_OK) {
        print_error("trail_open(%s): %s: %s\n", t->url, trail_code_name(rc), trail_errmsg(db));
        trail_close(db);
        fail();
    }
    return db;
}

void it_migrate(trail_conn *db)
{
    IT_OK(db, shop_migrate(db));
    IT_OK(db, everything_migrate(db));
}

void it_tamper(it_db *t, const char *fmt, ...)
{
    char sql[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof sql);
    t->verify = false;
    assert_int_equal(raw_exec(t->url, "%s", sql), 0);
}

const raw_engine *it_engine(const it_db *t)
{
    const raw_engine *e = raw_engine_of(t->url);
    if (!e)
        fail_msg("no engine for %s in tests/integration/raw.c (its message above says why)",
                 t->url);
    return e;
}

void it_url_with(const char *url, const char *key, const char *value, char *out, size_t size)
{
    int n = snprintf(out, size, "%s%c%s=%s", url, strchr(url, '?') ? '&' : '?', key, value);
    assert_true(n > 0 && (size_t)n < size);
}

const raw_engine *it_test_engine(void)
{
    void *probe = NULL;
    if (it_setup_empty(&probe) < 0)
        return NULL;
    const it_db *t = probe;
    const raw_engine *e = raw_engine_of(t->url); /* NULL: raw.c said why */
    it_teardown(&probe);
    return e;
}

/*
 * Where the host part of @url (scheme://[user[:password]@]host[:port]…)
 * begins; it ends at *@end. Fails the test when @url has no scheme.
 */
static const char *url_host(const char *url, const char **end)
{
    const char *scheme_end = strstr(url, "://");
    if (!scheme_end)
        fail_msg("%s: no scheme://host to reach another port with", url);
    const char *host = scheme_end + 3;
    *end = host + strcspn(host, "/?");
    for (const char *at = host; at < *end; at++) /* after the user and password, if any */
        if (*at == '@')
            host = at + 1;
    return host;
}

int it_url_port(const char *url, int port, char *out, size_t size)
{
    const char *end, *host = url_host(url, &end);
    if (host == end)
        fail_msg("%s: no host to reach another port in its place", url);
    const char *colon = memchr(host, ':', (size_t)(end - host));
    int was = colon ? atoi(colon + 1) : 0;
    int n = snprintf(out, size, "%.*s127.0.0.1:%d%s", (int)(host - url), url, port, end);
    assert_true(n > 0 && (size_t)n < size);
    return was;
}

void it_url_host_first(const char *url, int port, char *out, size_t size)
{
    const char *end, *host = url_host(url, &end);
    int n = snprintf(out, size, "%.*s127.0.0.1:%d,%s", (int)(host - url), url, port, host);
    assert_true(n > 0 && (size_t)n < size);
}

void it_url_password(const char *url, const char *password, unsigned port, char *out, size_t size)
{
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strrchr(scheme_end + 3, '@') : NULL;
    if (!at)
        fail_msg("%s: no user to give a password", url);
    const char *colon = memchr(scheme_end + 3, ':', (size_t)(at - scheme_end - 3));
    const char *user_end = colon ? colon : at;
    const char *host = at + 1, *rest = host + strcspn(host, ":/");
    int host_len = (int)(rest - host);
    char port_text[16] = "";
    if (port) {
        assert_int_equal(*rest, ':');
        snprintf(port_text, sizeof port_text, ":%u", port);
        rest += strcspn(rest, "/");
    }
    int n = snprintf(out, size, "%.*s:%s@%.*s%s%s", (int)(user_end - url), url, password, host_len,
                     host, port_text, rest);
    assert_true(n > 0 && (size_t)n < size);
}

void it_url_secret(const char *url, char raw[IT_SECRET_MAX], char plain[IT_SECRET_MAX])
{
    raw[0] = plain[0] = '\0';
    const char *auth = strstr(url, "://");
    const char *at = auth ? strrchr(auth, '@') : NULL;
    const char *colon = at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
    if (!colon)
        return;
    size_t n = (size_t)(at - colon - 1), o = 0;
    assert_true(n < IT_SECRET_MAX);
    memcpy(raw, colon + 1, n);
    raw[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (raw[i] == '%' && i + 2 < n && sscanf(raw + i + 1, "%2x", &v) == 1) {
            plain[o++] = (char)v;
            i += 2;
        } else {
            plain[o++] = raw[i];
        }
    }
    plain[o] = '\0';
}

void it_expect_no_password(const char *text, const char *url)
{
    char raw[IT_SECRET_MAX], plain[IT_SECRET_MAX];
    it_url_secret(url, raw, plain);
    if ((*raw && strstr(text, raw)) || (*plain && strstr(text, plain)))
        fail_msg("this shows the password of %s:\n%s", url, text);
}

int64_t it_rows(const it_db *t, const char *table)
{
    return raw_count(t->url, "SELECT count(*) FROM \"%s\"", table);
}

int64_t it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t it_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void it_sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L }, NULL);
}

/* ---- return codes and messages ----------------------------------------- */

void it_expect_rc(trail_conn *db, int want, int got, const char *call, const char *file, int line)
{
    if (got == want)
        return;
    print_error("%s\n  returned %s (%d), expected %s\n  trail_errmsg: %s\n", call,
                trail_code_name(got), got, trail_code_name(want), trail_errmsg(db));
    _fail(file, line);
}

void it_expect_msg(trail_conn *db, const char *file, int line, ...)
{
    const char *msg = trail_errmsg(db);
    va_list ap;
    va_start(ap, line);
    for (const char *want; (want = va_arg(ap, const char *));) {
        if (!strstr(msg, want)) {
            va_end(ap);
            print_error("trail_errmsg: \"%s\"\n  does not mention \"%s\"\n", msg, want);
            _fail(file, line);
        }
    }
    va_end(ap);
}

/* ---- JSON ---------------------------------------------------------------- */

void it_json_is_at(const char *file, int line, const char *text, json_t *want)
{
    json_error_t err;
    json_t *got = text ? json_loads(text, JSON_DECODE_ANY, &err) : NULL;
    bool same = got && want && json_equal(got, want);
    if (!same) {
        char *want_text = want ? json_dumps(want, JSON_ENCODE_ANY | JSON_SORT_KEYS) : NULL;
        print_error("JSON differs\n  got:      %s\n  expected: %s\n", text ? text : "(NULL)",
                    want_text ? want_text : "(nothing)");
        free(want_text);
    }
    json_decref(got);
    json_decref(want);
    if (!same)
        _fail(file, line);
}

void it_json_eq_at(const char *file, int line, const char *text, const char *fmt, ...)
{
    char want_text[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(want_text, sizeof want_text, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof want_text) {
        print_error("expected JSON longer than %zu bytes\n", sizeof want_text);
        _fail(file, line);
    }
    json_error_t err;
    json_t *want = json_loads(want_text, JSON_DECODE_ANY, &err);
    if (!want) {
        print_error("the expected JSON does not parse: %s\n  %s\n", err.text, want_text);
        _fail(file, line);
    }
    it_json_is_at(file, line, text, want);
}

/* ---- change events ------------------------------------------------------ */

static char *copy(const char *s)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    assert_non_null(c);
    return c;
}

static int copy_event(void *userdata, const trail_change_event *ev)
{
    it_events *evs = userdata;
    trail_change_event *more = realloc(evs->ev, (evs->n + 1) * sizeof *more);
    assert_non_null(more);
    evs->ev = more;
    evs->ev[evs->n++] = (trail_change_event){
        .event_id = copy(ev->event_id),
        .hlc = ev->hlc,
        .node_id = copy(ev->node_id),
        .lane_id = copy(ev->lane_id),
        .seq = ev->seq,
        .tx_id = copy(ev->tx_id),
        .table_name = copy(ev->table_name),
        .record_id = copy(ev->record_id),
        .op = copy(ev->op),
        .version = ev->version,
        .old_values = copy(ev->old_values),
        .new_values = copy(ev->new_values),
        .changed = copy(ev->changed),
        .schema_version = ev->schema_version,
        .user_id = copy(ev->user_id),
        .request_id = copy(ev->request_id),
        .session_id = copy(ev->session_id),
        .tenant_id = copy(ev->tenant_id),
        .trace_id = copy(ev->trace_id),
        .span_id = copy(ev->span_id),
        .ip = copy(ev->ip),
        .created_at = ev->created_at,
        .prev_hash = copy(ev->prev_hash),
        .hash = copy(ev->hash),
    };
    return 0;
}

void it_history(trail_conn *db, const char *table, const char *record_id, it_events *out)
{
    *out = (it_events){ 0 };
    IT_OK(db, trail_history(db, table, record_id, copy_event, out));
}

void it_events_free(it_events *evs)
{
    for (size_t i = 0; i < evs->n; i++) {
        trail_change_event *e = &evs->ev[i];
        const char *owned[] = { e->event_id,   e->node_id,   e->lane_id,  e->tx_id,
                                e->table_name, e->record_id, e->op,       e->old_values,
                                e->new_values, e->changed,   e->user_id,  e->request_id,
                                e->session_id, e->tenant_id, e->trace_id, e->span_id,
                                e->ip,         e->prev_hash, e->hash };
        for (size_t k = 0; k < sizeof owned / sizeof owned[0]; k++)
            free((char *)owned[k]);
    }
    free(evs->ev);
    *evs = (it_events){ 0 };
}

void it_print_report(const trail_verify_report *r)
{
    size_t shown = r->n_problems < 10 ? r->n_problems : 10;
    for (size_t i = 0; i < shown; i++) {
        const trail_verify_problem *p = &r->problems[i];
        print_error("  problem: %s %s (event %s): %s\n", p->table_name ? p->table_name : "-",
                    p->record_id ? p->record_id : "-", p->event_id ? p->event_id : "-",
                    p->what ? p->what : "(no text)");
    }
    if (r->n_problems > shown)
        print_error("  ... and %zu more problems\n", r->n_problems - shown);
}

void it_verify_clean(it_db *t)
{
    trail_conn *db = t->db;
    t->verify = false; /* done here: the teardown need not say it again */
    trail_verify_report r = { 0 };
    IT_OK(db, trail_verify(db, &r));
    size_t problems = r.n_problems;
    if (problems)
        it_print_report(&r);
    trail_verify_report_free(&r);
    assert_int_equal(problems, 0);
}

static int take_local(void *userdata, const trail_node_info *node)
{
    char **id = userdata;
    if (node->is_local && !*id)
        *id = copy(node->node_id);
    return 0;
}

char *it_local_node(trail_conn *db)
{
    char *id = NULL;
    IT_OK(db, trail_nodes(db, take_local, &id));
    assert_non_null(id);
    return id;
}

/* ---- lines of text ----------------------------------------------------------- */

void it_add_line(it_lines *l, const char *fmt, ...)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->line = realloc(l->line, l->cap * sizeof *l->line);
        assert_non_null(l->line);
    }
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *line = n < 0 ? NULL : malloc((size_t)n + 1);
    assert_non_null(line);
    vsnprintf(line, (size_t)n + 1, fmt, again);
    va_end(again);
    va_end(ap);
    l->line[l->n++] = line;
}

static int by_text(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

void it_lines_sort(it_lines *l)
{
    if (l->n)
        qsort(l->line, l->n, sizeof *l->line, by_text);
}

void it_lines_free(it_lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->line[i]);
    free(l->line);
    *l = (it_lines){ 0 };
}

/* ---- records to work on -------------------------------------------------- */

const trail_ctx it_full_ctx = {
    .user_id = "u-42",
    .request_id = "req-7",
    .session_id = "sess-é",
    .tenant_id = "tenant-9",
    .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
    .span_id = "00f067aa0ba902b7",
    .ip = "2001:db8::1",
};

void it_customer(trail_conn *db, const char *email, shop_customer *out)
{
    shop_customer_create_params p = SHOP_CUSTOMER_CREATE_INIT;
    p.email = email;
    p.name = "Ann";
    p.secret = "s3cret";
    IT_OK(db, shop_customer_create(db, NULL, &p, out));
}

static trail_value col_TEXT(const char *s)
{
    return trail_v_text(s);
}

static trail_value col_INT(int64_t i)
{
    return trail_v_int(i);
}

static trail_value col_JSON(const char *s)
{
    trail_value v = trail_v_text(s);
    if (s)
        v.type = TRAIL_V_JSON;
    return v;
}

void it_event_hash(const trail_change_event *ev, char out[TRAIL_SHA256_HEX_LEN + 1])
{
    trail_value cols[TRAIL_EVENT_COLUMNS];
#define EV_COL(n, name, value, ...) cols[TRAIL_EV_##name] = col_##value(ev->name);
    TRAIL_EVENT_COLUMN_TABLE(EV_COL, )
#undef EV_COL
    assert_int_equal(trail__event_hash(out, cols), TRAIL_OK);
}

void it_event_copy_lists(const it_column_literal *set, size_t n, char *cols, size_t cols_size,
                         char *values, size_t values_size)
{
#define NAME(n, name, ...) #name,
    static const char *const names[] = { TRAIL_EVENT_COLUMN_TABLE(NAME, ) };
#undef NAME
    size_t nc = 0, nv = 0;
    cols[0] = values[0] = '\0';
    for (size_t i = 0; i < TRAIL_EVENT_COLUMNS; i++) {
        const char *sep = i ? ", " : "";
        nc += (size_t)snprintf(cols + nc, cols_size - nc, "%s\"%s\"", sep, names[i]);
        size_t k = 0;
        while (k < n && strcmp(set[k].column, names[i]) != 0)
            k++;
        if (k == n)
            nv += (size_t)snprintf(values + nv, values_size - nv, "%s\"%s\"", sep, names[i]);
        else
            nv += (size_t)snprintf(values + nv, values_size - nv, "%s%s%s%s", sep,
                                   set[k].quoted ? "'" : "", set[k].literal,
                                   set[k].quoted ? "'" : "");
        assert_true(nc < cols_size && nv < values_size);
    }
}

void it_customer_edit(trail_conn *db, const char *id, int64_t version, const char *name,
                      int64_t credit)
{
    shop_customer_update_params u = { .id = id, .version = version };
    u.set = name ? SHOP_CUSTOMER_NAME : SHOP_CUSTOMER_CREDIT;
    u.name = name;
    u.credit = credit;
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
}

void it_customer_ids(trail_conn *db, size_t n, char (*ids)[TRAIL_ULID_LEN + 1])
{
    for (size_t r = 0; r < n; r++) {
        char email[32];
        snprintf(email, sizeof email, "row%zu@x.org", r);
        shop_customer c = { 0 };
        it_customer(db, email, &c);
        memcpy(ids[r], c.id, sizeof ids[r]);
        shop_customer_clear(&c);
    }
}

int64_t it_account(trail_conn *db, const char *handle)
{
    everything_account_create_params p = EVERYTHING_ACCOUNT_CREATE_INIT;
    p.handle = handle;
    p.label = "acct";
    everything_account a = { 0 };
    IT_OK(db, everything_account_create(db, NULL, &p, &a));
    int64_t id = a.id;
    everything_account_clear(&a);
    return id;
}

char *it_latest_values(trail_conn *db, const char *table, const char *record_id)
{
    it_events evs;
    it_history(db, table, record_id, &evs);
    assert_true(evs.n > 0);
    char *v = evs.ev[evs.n - 1].new_values ? strdup(evs.ev[evs.n - 1].new_values) : NULL;
    it_events_free(&evs);
    return v;
}
