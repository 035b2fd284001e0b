/*
 * test_round_trips.c - how many times an audited write waits for the
 * server, observed twice: by trail_round_trips(), the driver's own count,
 * and by a TCP relay between trail and the server that counts the client's
 * turns (each time the client speaks after the server has, a new round trip
 * begins). Both must give the engine's figure (raw.c: its trips), per
 * create, update, delete, an update that changes nothing, and a
 * trail_begin() group.
 *
 * Statements are prepared on first use, which costs round trips once per
 * connection: every kind of call runs once before it is counted.
 *
 * SQLite has no server: 0 round trips, and no relay.
 */
#define _POSIX_C_SOURCE 200809L
#include "it_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the relay ------------------------------------------------------------ */

typedef struct relay {
    int listener, upstream_port;
    pthread_t thread;
    atomic_int turns; /* client turns so far, over every connection */
    atomic_bool stop;
} relay;

/* Relays one connection until either side closes it, counting the client's turns. */
static void relay_one(relay *r, int client)
{
    struct sockaddr_in to = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)r->upstream_port) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int server = socket(AF_INET, SOCK_STREAM, 0);
    if (server < 0 || connect(server, (struct sockaddr *)&to, sizeof to) < 0) {
        if (server >= 0)
            close(server);
        return;
    }
    bool client_spoke_last = false;
    char buf[65536];
    while (!atomic_load(&r->stop)) {
        struct pollfd fds[2] = { { client, POLLIN, 0 }, { server, POLLIN, 0 } };
        if (poll(fds, 2, 100) < 0)
            break;
        bool done = false;
        for (int i = 0; i < 2 && !done; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = recv(fds[i].fd, buf, sizeof buf, 0);
            if (n <= 0) {
                done = true;
                break;
            }
            if (i == 0 && !client_spoke_last)
                atomic_fetch_add(&r->turns, 1); /* before the server can see it */
            client_spoke_last = i == 0;
            for (ssize_t at = 0; at < n;) {
                ssize_t w = send(fds[1 - i].fd, buf + at, (size_t)(n - at), MSG_NOSIGNAL);
                if (w <= 0) {
                    done = true;
                    break;
                }
                at += w;
            }
        }
        if (done)
            break;
    }
    close(server);
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd p = { r->listener, POLLIN, 0 };
        if (poll(&p, 1, 100) <= 0)
            continue;
        int client = accept(r->listener, NULL, NULL);
        if (client >= 0) {
            relay_one(r, client);
            close(client);
        }
    }
    return NULL;
}

/*
 * Starts a relay to the 127.0.0.1 port of @url and writes into @via the same
 * URL with the relay's port. Fails the test when the URL names no such port.
 */
static void relay_start(relay *r, const char *url, char *via, size_t size)
{
    assert_non_null(strstr(url, "@127.0.0.1:"));
    atomic_init(&r->turns, 0);
    atomic_init(&r->stop, false);
    r->listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->listener >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    assert_int_equal(bind(r->listener, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->listener, 4), 0);
    assert_int_equal(getsockname(r->listener, (struct sockaddr *)&a, &len), 0);
    r->upstream_port = it_url_port(url, ntohs(a.sin_port), via, size);
    assert_true(r->upstream_port > 0);
    assert_int_equal(pthread_create(&r->thread, NULL, relay_main, r), 0);
}

static void relay_stop(relay *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->listener);
}

/* ---- counting --------------------------------------------------------------- */

typedef struct counter {
    trail_conn *db;
    relay *relay; /* NULL without a server */
    uint64_t trips;
    int turns;
} counter;

static void mark(counter *c)
{
    c->trips = trail_round_trips(c->db);
    c->turns = c->relay ? atomic_load(&c->relay->turns) : 0;
}

/* Fails unless both counts grew by @want since mark(). */
static void expect_trips_at(counter *c, int want, const char *what, int line)
{
    uint64_t trips = trail_round_trips(c->db) - c->trips;
    int turns = c->relay ? atomic_load(&c->relay->turns) - c->turns : want;
    if (trips != (uint64_t)want || turns != want)
        fail_msg("line %d: %s: %d round trips expected; the driver counted %llu, the relay saw "
                 "%d",
                 line, what, want, (unsigned long long)trips, turns);
    mark(c);
}
#define EXPECT_TRIPS(c, want, what) expect_trips_at((c), (want), (what), __LINE__)

static void test_round_trips(void **state)
{
    it_db *t = *state;
    const raw_engine *e = it_engine(t);
    const raw_trips *want = &e->trips;
    relay r;
    char via[sizeof t->url + 16];
    bool server = e->server;
    if (server)
        relay_start(&r, t->url, via, sizeof via);
    trail_conn *db = NULL;
    if (!server)
        db = it_open(t, NULL);
    else if (trail_open(&db, via, NULL) != TRAIL_OK)
        fail_msg("cannot open %s: %s", via, trail_errmsg(db));
    counter c = { db, server ? &r : NULL, 0, 0 };

    /* Once each, to prepare the statements. */
    shop_customer a = { 0 }, b = { 0 };
    it_customer(db, "warm@x.org", &a);
    shop_customer_update_params up = { .id = a.id,
                                       .version = a.version,
                                       .set = SHOP_CUSTOMER_CREDIT };
    up.credit = 1;
    IT_OK(db, shop_customer_update(db, NULL, &up, &a));
    shop_customer_update_params both = { .id = a.id,
                                         .version = a.version,
                                         .set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_NAME,
                                         .credit = 2,
                                         .name = "Al" };
    IT_OK(db, shop_customer_update(db, NULL, &both, &a));
    both.id = a.id; /* @a was replaced */
    both.version = a.version;
    IT_OK(db, shop_customer_update(db, NULL, &both, NULL)); /* changes nothing */
    IT_OK(db, shop_customer_delete(db, NULL, a.id, a.version));
    IT_OK(db, trail_begin(db));
    it_customer(db, "warm2@x.org", &b);
    IT_OK(db, trail_commit(db));

    for (int round = 0; round < 3; round++) {
        char email[32];
        snprintf(email, sizeof email, "c%d@x.org", round);
        mark(&c);
        it_customer(db, email, &a);
        EXPECT_TRIPS(&c, want->create, "create");
        for (int i = 0; i < 3; i++) {
            shop_customer_update_params p = { .id = a.id,
                                              .version = a.version,
                                              .set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_NAME,
                                              .credit = 10 + i,
                                              .name = "Bo" };
            IT_OK(db, shop_customer_update(db, &it_full_ctx, &p, &a));
            EXPECT_TRIPS(&c, want->update, "update");
            p.id = a.id;
            p.version = a.version;
            IT_OK(db, shop_customer_update(db, &it_full_ctx, &p, &a));
            EXPECT_TRIPS(&c, want->unchanged, "update that changes nothing");
        }
        IT_OK(db, trail_begin(db));
        EXPECT_TRIPS(&c, want->begin, "trail_begin");
        shop_customer_update_params p = {
            .id = b.id, .version = b.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 100 + round
        };
        IT_OK(db, shop_customer_update(db, NULL, &p, &b));
        EXPECT_TRIPS(&c, want->in_group, "update inside trail_begin");
        IT_OK(db, trail_commit(db));
        EXPECT_TRIPS(&c, want->commit, "trail_commit");
        IT_OK(db, shop_customer_delete(db, NULL, a.id, a.version));
        EXPECT_TRIPS(&c, want->remove, "delete");
    }
    assert_int_equal(a.version, 4);
    shop_customer_clear(&a);
    shop_customer_clear(&b);
    trail_close(db);
    if (server)
        relay_stop(&r);
}

/* Fails unless @db ran @want statements since *@mark, which then moves on. */
static void expect_statements_at(trail_conn *db, uint64_t *mark, int want, const char *what,
                                 int line)
{
    uint64_t ran = trail_statements(db) - *mark;
    if (ran != (uint64_t)want)
        fail_msg("line %d: %s: %d statements expected, the driver ran %llu", line, what, want,
                 (unsigned long long)ran);
    *mark = trail_statements(db);
}
#define EXPECT_STATEMENTS(db, mark, want, what)                                                    \
    expect_statements_at((db), (mark), (want), (what), __LINE__)

/*
 * The statements of a write, once its connection's lane is open: the
 * engine's figure (raw.c), which has no room for reading the latest event
 * back or for a node-wide lock (SPEC §4). Before lanes, SQLite read the
 * node's latest event (6 for an update) and PostgreSQL sent the node lock
 * before every write (2).
 */
static void test_statements(void **state)
{
    it_db *t = *state;
    const raw_statements *want = &it_engine(t)->statements;
    trail_conn *db = t->db;
    shop_customer a = { 0 };
    it_customer(db, "lane@x.org", &a); /* opens the lane, prepares the statements */
    shop_customer_update_params up = {
        .id = a.id, .version = a.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 1
    };
    IT_OK(db, shop_customer_update(db, NULL, &up, &a));
    IT_OK(db, shop_customer_delete(db, NULL, a.id, a.version));
    for (int round = 0; round < 3; round++) {
        char email[32];
        snprintf(email, sizeof email, "s%d@x.org", round);
        uint64_t mark = trail_statements(db);
        it_customer(db, email, &a);
        EXPECT_STATEMENTS(db, &mark, want->create, "create");
        up = (shop_customer_update_params){
            .id = a.id, .version = a.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 2 + round
        };
        IT_OK(db, shop_customer_update(db, NULL, &up, &a));
        EXPECT_STATEMENTS(db, &mark, want->update, "update");
        IT_OK(db, shop_customer_delete(db, NULL, a.id, a.version));
        EXPECT_STATEMENTS(db, &mark, want->remove, "delete");
    }
    shop_customer_clear(&a);
}

/*
 * Two writers of one node on a server do not wait for each other: while one
 * holds a transaction open after a write, the other creates and updates
 * records of its own at once (before lanes, every write took the node's
 * lock, and this one ran into its lock timeout). SQLite has one write lock
 * for the whole file: not tested there.
 */
static void test_writers_do_not_wait(void **state)
{
    it_db *t = *state;
    if (!it_engine(t)->server)
        skip();
    trail_conn *a = t->db,
               *b = it_open(t, &(trail_open_opts){ .busy_timeout_ms = 1000, .max_retries = 1 });
    shop_customer ca = { 0 }, cb = { 0 };
    it_customer(a, "a@x.org", &ca);
    it_customer(b, "b@x.org", &cb); /* both lanes open */
    IT_OK(a, trail_begin(a));
    shop_customer_update_params ua = {
        .id = ca.id, .version = ca.version, .set = SHOP_CUSTOMER_CREDIT, .credit = 7
    };
    IT_OK(a, shop_customer_update(a, NULL, &ua, &ca));
    for (int i = 0; i < 3; i++) {
        char email[32];
        snprintf(email, sizeof email, "b%d@x.org", i);
        it_customer(b, email, NULL);
        shop_customer_update_params ub = {
            .id = cb.id, .version = cb.version, .set = SHOP_CUSTOMER_CREDIT, .credit = i + 1
        };
        IT_OK(b, shop_customer_update(b, NULL, &ub, &cb));
    }
    IT_OK(a, trail_commit(a));
    shop_customer_clear(&ca);
    shop_customer_clear(&cb);
    trail_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trips, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_statements, it_setup, it_teardown),
        cmocka_unit_test_setup_teardown(test_writers_do_not_wait, it_setup, it_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
