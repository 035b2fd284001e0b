/*
 * test_timeouts.c - bounded waits (issue 14, item 5): a server that stops
 * answering fails a call with TRAIL_EDB within the read/write timeout, and
 * trail_open() within the connect timeout, instead of hanging; the
 * connection then says it was lost, and trail_close() returns at once.
 *
 * The server is paused with SIGSTOP (its process and every child of it, so
 * PostgreSQL's backends too): a frozen or overloaded machine whose kernel
 * still acknowledges every packet, which TCP alone never notices. A forked
 * watchdog sends SIGCONT after WATCHDOG_S seconds, or as soon as this
 * program dies, and the teardown and exit send it too, so that the server
 * the other tests share is never left paused. Connect timeouts are tried
 * against a local listener that accepts nothing, and against the paused
 * server.
 *
 * The server's PID comes from TRAIL_TEST_SERVER_PID, else from the PID file
 * in TRAIL_TEST_SERVER_DIR (the engine's pid_file in raw.c: pg.sh's
 * postmaster.pid, mariadb.sh's mariadbd.pid), which the server fixtures
 * set. What differs by engine (how a URL names a session, which timeouts
 * a URL or the environment sets) is the engine's row in raw.c. SQLite has
 * no server to pause (its lock wait is busy_timeout_ms, tested by
 * test_errors): on an engine without a server the program says so and
 * exits with 77.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The short timeout the tests set, and how much later than it a call may return. */
#define TIMEOUT_MS 2000
#define MARGIN_MS  1500 /* a loaded machine's scheduling; MariaDB counts whole seconds */
#define EARLY_MS   50   /* clocks: a call must not return before its timeout */

/* When the watchdog resumes a server that is still paused: a call that hangs then returns. */
#define WATCHDOG_S 30

/* How long to wait for the server to stop, resume, or end a session. */
#define WAIT_MS 10000

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L }, NULL);
}

static const raw_engine *eng; /* the URL's, set by main() */

/* ---- pausing the server ---------------------------------------------------------- */

static pid_t server_pid; /* the server's main process */
static pid_t watchdog;   /* the forked process that resumes the server, while paused */
static volatile sig_atomic_t paused;

/*
 * The state letter of process @pid ('T' when stopped), or 0 when it cannot
 * be read; *@ppid (may be NULL) its parent's PID.
 */
static char proc_state(pid_t pid, pid_t *ppid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    bool got = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    const char *end = got ? strrchr(line, ')') : NULL; /* the name may hold anything */
    int parent = 0;
    if (!end || sscanf(end + 1, " %*c %d", &parent) != 1)
        return 0;
    if (ppid)
        *ppid = parent;
    return end[2];
}

/*
 * Sends @sig to the server's children (PostgreSQL's backends, each in a
 * process group of its own); returns how many of them were not stopped.
 */
static int signal_children(int sig)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int running = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = (pid_t)atol(e->d_name), ppid = 0;
        char st = pid > 0 ? proc_state(pid, &ppid) : 0;
        if (st && ppid == server_pid) {
            kill(pid, sig);
            running += st != 'T';
        }
    }
    closedir(d);
    return running;
}

/* SIGCONT to the server and its children: to a running process, it does nothing. */
static void continue_server(void)
{
    kill(server_pid, SIGCONT);
    signal_children(SIGCONT);
}

/*
 * The server's PID: TRAIL_TEST_SERVER_PID, else the first line of the PID
 * file in TRAIL_TEST_SERVER_DIR. 0, saying why in @why, when neither is there.
 */
static pid_t find_server(char *why, size_t size)
{
    const char *env = getenv("TRAIL_TEST_SERVER_PID");
    if (env && *env)
        return (pid_t)atol(env);
    const char *dir = getenv("TRAIL_TEST_SERVER_DIR");
    if (!dir || !*dir) {
        snprintf(why, size,
                 "neither TRAIL_TEST_SERVER_PID nor TRAIL_TEST_SERVER_DIR is set: no "
                 "server process to pause");
        return 0;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, eng->pid_file);
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 0)
        snprintf(why, size, "%s: no server PID in it", path);
    if (f)
        fclose(f);
    return (pid_t)pid;
}

/* SIGCONT to the server, if this program paused it; then the watchdog is not needed. */
static void resume_server(void)
{
    if (!paused)
        return;
    continue_server();
    paused = 0;
    if (watchdog > 0) {
        kill(watchdog, SIGKILL);
        waitpid(watchdog, NULL, 0);
        watchdog = 0;
    }
    int64_t deadline = mono_ms() + WAIT_MS;
    while (proc_state(server_pid, NULL) == 'T' && mono_ms() < deadline)
        sleep_ms(5);
    if (proc_state(server_pid, NULL) == 'T')
        print_error("the server (PID %d) did not resume within %d ms\n", (int)server_pid, WAIT_MS);
}

/*
 * SIGSTOP to the server, first (so that it starts no new child), then to
 * its children, after forking the watchdog that sends SIGCONT to them all
 * in WATCHDOG_S seconds or when this program dies (it is then no longer the
 * watchdog's parent). Fails the test if they do not stop.
 */
static void pause_server(void)
{
    pid_t parent = getpid();
    watchdog = fork(); /* no other thread runs now: the child may call anything */
    assert_true(watchdog >= 0);
    if (watchdog == 0) {
        for (int i = 0; i < WATCHDOG_S * 10 && getppid() == parent; i++)
            sleep_ms(100);
        continue_server();
        _exit(0);
    }
    paused = 1;
    assert_int_equal(kill(server_pid, SIGSTOP), 0);
    int64_t deadline = mono_ms() + WAIT_MS;
    int running = 1;
    while ((proc_state(server_pid, NULL) != 'T' || (running = signal_children(SIGSTOP)) != 0) &&
           mono_ms() < deadline)
        sleep_ms(5);
    if (running)
        print_error("the server (PID %d) or %d of its children did not stop within %d ms\n",
                    (int)server_pid, running, WAIT_MS);
    assert_int_equal(running, 0);
}

/* ---- a listener that accepts nothing ------------------------------------------ */

typedef struct listener {
    int fd;
    int port;
    pthread_t guard;
    pthread_mutex_t lock;
    pthread_cond_t done;
    bool stop;
} listener;

/*
 * Closes the listener after WATCHDOG_S seconds unless told to stop first:
 * a connect that does not time out then fails (the kernel resets what
 * waited in the accept queue) instead of hanging the test.
 */
static void *guard_listener(void *arg)
{
    listener *l = arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WATCHDOG_S;
    pthread_mutex_lock(&l->lock);
    while (!l->stop && pthread_cond_timedwait(&l->done, &l->lock, &until) == 0)
        ;
    if (!l->stop)
        shutdown(l->fd, SHUT_RDWR);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

static void listener_open(listener *l)
{
    memset(l, 0, sizeof *l);
    l->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(l->fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    assert_int_equal(bind(l->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l->fd, 16), 0);
    assert_int_equal(getsockname(l->fd, (struct sockaddr *)&a, &len), 0);
    l->port = ntohs(a.sin_port);
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->done, NULL);
    assert_int_equal(pthread_create(&l->guard, NULL, guard_listener, l), 0);
}

static void listener_close(listener *l)
{
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    pthread_cond_signal(&l->done);
    pthread_mutex_unlock(&l->lock);
    pthread_join(l->guard, NULL);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->done);
    close(l->fd);
}

/* ---- checks ------------------------------------------------------------------------ */

/* What a call that timed out returned, how long it took and what it said. */
typedef struct outcome {
    int rc;
    int64_t ms;
    char msg[512];
} outcome;

#define TIMED(out, db, call)                                                                       \
    do {                                                                                           \
        int64_t t0_ = mono_ms();                                                                   \
        (out)->rc = (call);                                                                        \
        (out)->ms = mono_ms() - t0_;                                                               \
        snprintf((out)->msg, sizeof(out)->msg, "%s", trail_errmsg(db));                            \
    } while (0)

/*
 * Fails unless @o is TRAIL_EDB after @timeout_ms (not earlier, at most
 * MARGIN_MS later) saying the server did not answer within that long.
 */
static void expect_timed_out(const char *what, const outcome *o, int timeout_ms)
{
    char want[64];
    snprintf(want, sizeof want, "did not answer within %g s", timeout_ms / 1000.0);
    print_message("  %s: %s after %lld ms (timeout %d ms): %s\n", what, trail_code_name(o->rc),
                  (long long)o->ms, timeout_ms, o->msg);
    bool in_time = o->ms >= timeout_ms - EARLY_MS && o->ms <= timeout_ms + MARGIN_MS;
    if (!in_time)
        print_error("%s: returned after %lld ms, expected %d to %d\n", what, (long long)o->ms,
                    timeout_ms - EARLY_MS, timeout_ms + MARGIN_MS);
    if (!strstr(o->msg, want))
        print_error("%s: the message does not say \"%s\"\n", what, want);
    assert_int_equal(o->rc, TRAIL_EDB);
    assert_true(in_time);
    assert_non_null(strstr(o->msg, want));
}

/* A connection to @t's database whose session the server knows by @name, with @opts. */
static trail_conn *open_named(const it_db *t, const char *name, const trail_open_opts *opts)
{
    it_db named = *t;
    it_url_with(t->url, eng->session_key, name, named.url, sizeof named.url);
    return it_open(&named, opts);
}

/*
 * Polls until the server has no session named @name, after the client gave
 * it up: the server then has done all it will with what the client sent.
 */
static void await_session_gone(const it_db *t, const char *name)
{
    int64_t deadline = mono_ms() + WAIT_MS, left;
    while ((left = raw_sessions(t->url, name)) != 0 && mono_ms() < deadline)
        sleep_ms(10);
    if (left != 0)
        print_error("the server still has %lld sessions named %s after %d ms\n", (long long)left,
                    name, WAIT_MS);
    assert_int_equal(left, 0);
}

static void session_name(char *out, size_t size, const char *test)
{
    snprintf(out, size, "trail_%s_%d", test, (int)getpid());
}

/* The options of the timed connections: a short read/write timeout, from the INIT. */
static trail_open_opts short_io(void)
{
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.io_timeout_ms = TIMEOUT_MS;
    o.connect_timeout_ms = TIMEOUT_MS; /* for the calls that connect again */
    return o;
}

/* ---- the tests ------------------------------------------------------------------ */

static int teardown(void **state)
{
    resume_server(); /* before verify, which needs the server */
    return it_teardown(state);
}

/*
 * A read on a paused server: TRAIL_EDB in time. The connection is given
 * up, so the next call connects again, which on the still paused server
 * waits out the connect timeout; once the server answers, the next call
 * connects and reads and writes, and close is quick.
 */
static void test_read_times_out(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 }, got = { 0 };
    it_customer(t->db, "read@x.org", &c);
    trail_open_opts o = short_io();
    trail_conn *db = it_open(t, &o);
    IT_OK(db, shop_customer_get(db, c.id, &got)); /* prepared: the timed call is one wait */
    shop_customer_clear(&got);

    pause_server();
    outcome read, again;
    TIMED(&read, db, shop_customer_get(db, c.id, &got));
    TIMED(&again, db, shop_customer_get(db, c.id, &got));
    resume_server();
    expect_timed_out("get on a paused server", &read, TIMEOUT_MS);
    expect_timed_out("get again, connecting again to the paused server", &again, TIMEOUT_MS);
    assert_non_null(strstr(again.msg, "connecting again"));

    IT_OK(db, shop_customer_get(db, c.id, &got));
    assert_int_equal(got.version, c.version);
    shop_customer_clear(&got);
    shop_customer_update_params u = {
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL));
    int64_t t0 = mono_ms();
    trail_close(db);
    int64_t close_ms = mono_ms() - t0;
    print_message("  trail_close: %lld ms\n", (long long)close_ms);
    assert_true(close_ms < 500);
    IT_OK(t->db, shop_customer_get(t->db, c.id, &got));
    assert_int_equal(got.version, c.version + 1);
    shop_customer_clear(&got);
    shop_customer_clear(&c);
}

/*
 * A write on a paused server: TRAIL_EDB in time. The server had the
 * request, so once resumed it may commit it (the message says so): the row
 * then has one version more and one event more, never one without the other.
 */
static void test_write_times_out(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 }, got = { 0 };
    it_customer(t->db, "write@x.org", &c);
    char name[64];
    session_name(name, sizeof name, "write");
    trail_open_opts o = short_io();
    trail_conn *db = open_named(t, name, &o);
    shop_customer_update_params u = {
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 5
    };
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL)); /* prepared */
    int64_t version = c.version + 1;

    pause_server();
    outcome write;
    u = (shop_customer_update_params){
        .id = c.id, .version = version, .set = SHOP_CUSTOMER_CREDIT, .credit = 6
    };
    TIMED(&write, db, shop_customer_update(db, NULL, &u, NULL));
    int64_t t0 = mono_ms();
    trail_close(db);
    int64_t close_ms = mono_ms() - t0;
    resume_server();
    await_session_gone(t, name);

    expect_timed_out("update on a paused server", &write, TIMEOUT_MS);
    print_message("  trail_close: %lld ms\n", (long long)close_ms);
    assert_true(close_ms < 500);
    IT_OK(t->db, shop_customer_get(t->db, c.id, &got));
    int64_t now = got.version, credit = got.credit;
    shop_customer_clear(&got);
    print_message("  after the server resumed: version %lld, credit %lld (the update %s)\n",
                  (long long)now, (long long)credit,
                  now == version ? "was not run" : "ran once the server resumed");
    assert_true((now == version && credit == 5) || (now == version + 1 && credit == 6));
    it_events evs;
    it_history(t->db, "customers", c.id, &evs);
    size_t n = evs.n;
    it_events_free(&evs);
    assert_int_equal(n, (size_t)now);
    shop_customer_clear(&c);
}

/*
 * A large write inside trail_begin() on a paused server: the socket's
 * buffers fill and the send waits, TRAIL_EDB in time; trail_close() of the
 * open transaction returns at once; the server, given half a request, ran
 * nothing.
 */
static void test_large_write_times_out(void **state)
{
    it_db *t = *state;
    enum { BIG = 8 << 20 }; /* more than the kernel buffers of both ends take from a stopped peer */
    shop_customer c = { 0 }, got = { 0 };
    it_customer(t->db, "big@x.org", &c);
    char name[64];
    session_name(name, sizeof name, "big");
    trail_open_opts o = short_io();
    trail_conn *db = open_named(t, name, &o);
    unsigned char *blob = malloc(BIG);
    assert_non_null(blob);
    for (size_t i = 0; i < BIG; i++)
        blob[i] = (unsigned char)(i * 7919 >> 3);
    shop_customer_update_params u = {
        .id = c.id, .version = c.version, .set = SHOP_CUSTOMER_AVATAR, .avatar = { "x", 1 }
    };
    IT_OK(db, trail_begin(db));
    IT_OK(db, shop_customer_update(db, NULL, &u, NULL)); /* prepared, the node locked */

    pause_server();
    outcome write;
    u = (shop_customer_update_params){
        .id = c.id, .version = c.version + 1, .set = SHOP_CUSTOMER_AVATAR, .avatar = { blob, BIG }
    };
    TIMED(&write, db, shop_customer_update(db, NULL, &u, NULL));
    int64_t t0 = mono_ms();
    trail_close(db);
    int64_t close_ms = mono_ms() - t0;
    resume_server();
    free(blob);
    await_session_gone(t, name);

    expect_timed_out("8 MB update on a paused server", &write, TIMEOUT_MS);
    print_message("  trail_close inside trail_begin(): %lld ms\n", (long long)close_ms);
    assert_true(close_ms < 500);
    IT_OK(t->db, shop_customer_get(t->db, c.id, &got));
    int64_t now = got.version;
    shop_customer_clear(&got);
    assert_int_equal(now, c.version); /* the transaction never committed */
    shop_customer_clear(&c);
}

/* trail_open() of @url with @opts, timed; the connection closed. */
static void timed_open(outcome *o, const char *url, const trail_open_opts *opts)
{
    trail_conn *db = NULL;
    TIMED(o, db, trail_open(&db, url, opts));
    trail_close(db);
}

/*
 * A listener that accepts nothing: the TCP connect succeeds, the handshake
 * never comes. With a 2 s connect timeout, with the default (10 s), with
 * the URL's connect_timeout, which wins over the options, and, where the
 * client library has one (libpq's PGCONNECT_TIMEOUT), with its environment
 * variable, which its programs expect to count when nothing else says.
 */
static void test_connect_times_out(void **state)
{
    it_db *t = *state;
    listener l;
    listener_open(&l);
    char url[sizeof t->url + 16], url3[sizeof url + 64], what[128];
    it_url_port(t->url, l.port, url, sizeof url);
    if (eng->url_connect_timeout)
        it_url_with(url, eng->url_connect_timeout, "3", url3, sizeof url3);
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT, slow = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    slow.connect_timeout_ms = 30000;
    outcome two, dflt, three = { 0 }, env = { 0 };
    timed_open(&two, url, &o);
    timed_open(&dflt, url, NULL);
    if (eng->url_connect_timeout)
        timed_open(&three, url3, &slow);
    if (eng->env_connect_timeout) {
        setenv(eng->env_connect_timeout, "3", 1);
        timed_open(&env, url, NULL);
        unsetenv(eng->env_connect_timeout);
    }
    listener_close(&l);

    expect_timed_out("trail_open, connect_timeout_ms 2000", &two, TIMEOUT_MS);
    expect_timed_out("trail_open, default options", &dflt, TRAIL_CONNECT_TIMEOUT_DEFAULT_MS);
    if (eng->url_connect_timeout) {
        snprintf(what, sizeof what, "trail_open, %s=3 in the URL, 30000 in the options",
                 eng->url_connect_timeout);
        expect_timed_out(what, &three, 3000);
    }
    if (eng->env_connect_timeout) {
        snprintf(what, sizeof what, "trail_open, %s=3, default options", eng->env_connect_timeout);
        expect_timed_out(what, &env, 3000);
    }
}

/* The paused server itself: its kernel accepts the connection, the server never greets it. */
static void test_connect_to_paused_server(void **state)
{
    it_db *t = *state;
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = TIMEOUT_MS;
    pause_server();
    outcome open;
    timed_open(&open, t->url, &o);
    resume_server();
    expect_timed_out("trail_open on a paused server", &open, TIMEOUT_MS);
}

/*
 * A URL's read and write timeouts win over the options, where the engine's
 * URL has them (MariaDB's; PostgreSQL's URLs are libpq's, which has no such
 * key).
 */
static void test_url_read_timeout(void **state)
{
    it_db *t = *state;
    if (!eng->url_read_timeout)
        skip();
    shop_customer c = { 0 }, got = { 0 };
    it_customer(t->db, "url@x.org", &c);
    it_db short_url = *t;
    char what[128];
    it_url_with(t->url, eng->url_read_timeout, "1", short_url.url, sizeof short_url.url);
    if (eng->url_write_timeout) {
        it_db read_only = short_url;
        it_url_with(read_only.url, eng->url_write_timeout, "1", short_url.url,
                    sizeof short_url.url);
    }
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.io_timeout_ms = 30000;
    trail_conn *db = it_open(&short_url, &o);
    IT_OK(db, shop_customer_get(db, c.id, &got));
    shop_customer_clear(&got);
    pause_server();
    outcome read;
    TIMED(&read, db, shop_customer_get(db, c.id, &got));
    trail_close(db);
    resume_server();
    shop_customer_clear(&c);
    snprintf(what, sizeof what, "get, %s=1 in the URL, 30000 in the options",
             eng->url_read_timeout);
    expect_timed_out(what, &read, 1000);
}

/* Negative timeouts other than TRAIL_TIMEOUT_NONE, and malformed URL timeouts, are refused. */
static void test_bad_timeouts(void **state)
{
    it_db *t = *state;
    trail_conn *db = NULL;
    trail_open_opts o = TRAIL_OPEN_OPTS_INIT;
    o.io_timeout_ms = -2;
    IT_EXPECT(db, TRAIL_EARG, trail_open(&db, t->url, &o));
    IT_MSG(db, "io_timeout_ms", "-2", "TRAIL_TIMEOUT_NONE");
    trail_close(db);
    o = (trail_open_opts)TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = -1000;
    IT_EXPECT(db, TRAIL_EARG, trail_open(&db, t->url, &o));
    IT_MSG(db, "connect_timeout_ms", "-1000");
    trail_close(db);

    /* No limit at all is allowed, and works. */
    o = (trail_open_opts)TRAIL_OPEN_OPTS_INIT;
    o.connect_timeout_ms = o.io_timeout_ms = TRAIL_TIMEOUT_NONE;
    db = it_open(t, &o);
    shop_customer c = { 0 };
    it_customer(db, "none@x.org", &c);
    shop_customer_clear(&c);
    trail_close(db);

    if (eng->url_read_timeout) {
        char url[PATH_MAX + 64];
        it_url_with(t->url, eng->url_read_timeout, "soon", url, sizeof url);
        IT_EXPECT(db, TRAIL_EARG, trail_open(&db, url, NULL));
        IT_MSG(db, eng->url_read_timeout, "soon", "seconds");
        trail_close(db);
    }
}

/*
 * A connection the server ended is lost, not timed out, whatever errno an
 * earlier failure of the thread left behind: the MariaDB driver read errno
 * after Connector/C failed without clearing it first, so a session killed
 * after an earlier timeout read as "the server did not answer". Every
 * server engine's driver must tell the two apart.
 */
static void test_lost_is_no_timeout(void **state)
{
    it_db *t = *state;
    shop_customer c = { 0 }, got = { 0 };
    it_customer(t->db, "lost@x.org", &c);
    char name[64];
    session_name(name, sizeof name, "lost");
    trail_conn *db = open_named(t, name, NULL);
    IT_OK(db, shop_customer_get(db, c.id, &got));
    shop_customer_clear(&got);
    assert_int_equal(raw_kill_session(t->url, name), 1);
    await_session_gone(t, name);
    errno = ETIMEDOUT;
    IT_EXPECT(db, TRAIL_EDB, shop_customer_get(db, c.id, &got));
    const char *msg = trail_errmsg(db);
    if (strstr(msg, "did not answer"))
        fail_msg("a connection the server ended reads as a timeout: %s", msg);
    IT_MSG(db, "lost");
    trail_close(db);
    shop_customer_clear(&c);
}

int main(void)
{
    if (!(eng = it_test_engine()))
        return 1;
    if (!eng->server) {
        printf("test_timeouts applies to server engines: %s has no server to stop answering "
               "(its lock wait, busy_timeout_ms, is test_errors')\n",
               eng->driver);
        return 77;
    }
    char why[PATH_MAX + 64] = "";
    if (!(server_pid = find_server(why, sizeof why))) {
        printf("test_timeouts: %s\n", why);
        return 77;
    }
    atexit(resume_server);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_times_out, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_times_out, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_write_times_out, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_times_out, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_to_paused_server, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_read_timeout, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_timeouts, it_setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_is_no_timeout, it_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
