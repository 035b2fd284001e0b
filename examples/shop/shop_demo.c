/*
 * shop_demo.c - trail in one run, told step by step.
 *
 *   shop_demo DBFILE
 *
 * Creates a fresh SQLite file, migrates it, and goes through what an
 * application does with its records: creates, updates, a stale update and an
 * invalid value that are refused, a delete, and a group of writes rolled
 * back. Every step checks that trail did what the text says; the exit status
 * is 0 only when all of them did. Afterwards `trail log DBFILE` shows the
 * history these steps left, and `trail verify DBFILE` checks it.
 */
#define _POSIX_C_SOURCE 200809L /* nothing beyond C11 but this: stat() */
#include "shop.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Everything a step needs; the records are freed at the end of main(). */
typedef struct demo {
    trail_conn *db;
    shop_customer ann, bob;
    shop_order order;
    int failures;
} demo;

static void heading(int n, const char *title)
{
    printf("\n%d. %s\n", n, title);
}

/* A line that explains; a newcomer reads these. */
static void say(const char *text)
{
    printf("   %s\n", text);
}

/*
 * Checks that a call returned @want and says so: "ok: @what" with the
 * message of a refused call, or "FAILED" with what happened instead (counted
 * in @d->failures). Returns whether it did.
 */
static bool expect(demo *d, int rc, int want, const char *what)
{
    if (rc == want) {
        if (rc == TRAIL_OK)
            printf("   ok: %s\n", what);
        else
            printf("   ok: %s\n       %s: %s\n", what, trail_code_name(rc), trail_errmsg(d->db));
        return true;
    }
    d->failures++;
    printf("   FAILED: %s\n       expected %s, got %s", what, trail_code_name(want),
           trail_code_name(rc));
    if (rc < 0)
        printf(": %s", trail_errmsg(d->db));
    printf("\n");
    return false;
}

static int count_event(void *userdata, const trail_change_event *ev)
{
    (void)ev;
    ++*(int64_t *)userdata;
    return 0;
}

/* How many change events the database holds; -1 (reported) when they cannot be read. */
static int64_t events(demo *d)
{
    int64_t n = 0;
    int rc = trail_history(d->db, NULL, NULL, count_event, &n);
    if (rc == TRAIL_OK)
        return n;
    expect(d, rc, TRAIL_OK, "count the change events");
    return -1;
}

/* Checks that the database holds @want events, and says so. */
static void expect_events(demo *d, int64_t want, const char *why)
{
    int64_t n = events(d);
    if (n == want) {
        printf("   ok: %" PRId64 " change events stored (%s)\n", n, why);
    } else if (n >= 0) {
        d->failures++;
        printf("   FAILED: %" PRId64 " change events in the database, expected %" PRId64 "\n", n,
               want);
    }
}

/* Prints the first event of a record: what trail stored about the change. */
static int show_event(void *userdata, const trail_change_event *ev)
{
    bool *redacted = userdata;
    printf("      its change event: %s of %s %s, version %" PRId64 ", by %s in %s\n", ev->op,
           ev->table_name, ev->record_id, ev->version, ev->user_id, ev->request_id);
    printf("      new_values %s\n", ev->new_values);
    *redacted = ev->new_values && strstr(ev->new_values, "\"secret\":\"[redacted]\"");
    return 1; /* the first event is enough */
}

/* A customer as one line: what the later steps change. */
static void show_customer(const char *label, const shop_customer *c)
{
    static const char *const tiers[] = { "free", "pro", "enterprise" };
    printf("      %-6s %s  version %" PRId64 "  %s <%s>, tier %s, credit %" PRId64 "\n", label,
           c->id, c->version, c->name, c->email, tiers[c->tier], c->credit);
}

static void step_open(demo *d, const char *path)
{
    char url[4096];
    if ((size_t)snprintf(url, sizeof url, "sqlite:%s", path) >= sizeof url) {
        d->failures++;
        printf("FAILED: the path is too long\n");
        return;
    }
    heading(1, "Open a fresh SQLite database and create the tables");
    say("trail_open() opens the file; shop_migrate() creates the tables of schema/shop.yaml");
    say("(customers, orders, ...) and trail's own: trail_change_events, trail_nodes, trail_meta.");
    int rc = trail_open(&d->db, url, NULL);
    char what[4200];
    snprintf(what, sizeof what, "opened %s", url);
    if (expect(d, rc, TRAIL_OK, what))
        expect(d, shop_migrate(d->db), TRAIL_OK, "migrated to schema version 1");
}

static void step_create(demo *d)
{
    heading(2, "Create two customers and an order, as user alice in request req-1");
    say("Each create is one transaction: the new row (version 1) and a change event that");
    say("records the values, the time, this node, and who asked (the trail_ctx).");
    trail_ctx alice = { .user_id = "alice", .request_id = "req-1" };
    shop_customer_create_params ann = SHOP_CUSTOMER_CREATE_INIT;
    ann.email = "ann@example.com";
    ann.name = "Ann";
    ann.secret = "s1";
    shop_customer_create_params bob = SHOP_CUSTOMER_CREATE_INIT;
    bob.email = "bob@example.com";
    bob.name = "Bob";
    bob.secret = "s2";
    if (expect(d, shop_customer_create(d->db, &alice, &ann, &d->ann), TRAIL_OK, "customer Ann")) {
        show_customer("Ann", &d->ann);
        bool redacted = false;
        int rc = trail_history(d->db, "customers", d->ann.id, show_event, &redacted);
        if (rc != 1 || !redacted) {
            d->failures++;
            printf("   FAILED: Ann's insert event %s\n",
                   rc != 1 ? "could not be read" : "does not show her secret as [redacted]");
        }
    }
    if (expect(d, shop_customer_create(d->db, &alice, &bob, &d->bob), TRAIL_OK, "customer Bob"))
        show_customer("Bob", &d->bob);
    if (!d->ann.id)
        return;
    shop_order_create_params o = SHOP_ORDER_CREATE_INIT;
    o.customer = d->ann.id;
    o.total = 4200;
    o.note = "leave at door";
    if (expect(d, shop_order_create(d->db, &alice, &o, &d->order), TRAIL_OK,
               "order for Ann, total 4200"))
        printf("      order  %s  version %" PRId64 "\n", d->order.id, d->order.version);
    say("The customer's secret is stored but reads \"[redacted]\" in the events, and the");
    say("order's note is left out of them (audit: redact and audit: omit in the schema).");
    expect_events(d, 3, "one per create");
}

static void step_update(demo *d)
{
    heading(3, "Update Ann and her order, as user bob in request req-2");
    say("An update names the version it is based on and the fields it sets; the row moves");
    say("to the next version and the event lists the fields that changed.");
    trail_ctx bob = { .user_id = "bob", .request_id = "req-2" };
    shop_customer_update_params u = {
        .id = d->ann.id,
        .version = d->ann.version,
        .set = SHOP_CUSTOMER_CREDIT | SHOP_CUSTOMER_TIER,
        .credit = 500,
        .tier = SHOP_CUSTOMER_TIER_PRO,
    };
    if (expect(d, shop_customer_update(d->db, &bob, &u, &d->ann), TRAIL_OK,
               "Ann: credit 0 -> 500, tier free -> pro"))
        show_customer("Ann", &d->ann);
    shop_order_update_params ou = {
        .id = d->order.id, .version = d->order.version, .set = SHOP_ORDER_TOTAL, .total = 3900
    };
    if (expect(d, shop_order_update(d->db, &bob, &ou, &d->order), TRAIL_OK,
               "order: total 4200 -> 3900"))
        printf("      order  %s  version %" PRId64 "\n", d->order.id, d->order.version);
    expect_events(d, 5, "one per update");
}

static void step_conflict(demo *d)
{
    heading(4, "A stale update is refused");
    say("carol and dave both open Bob's record and read version 1. carol saves a new name.");
    say("dave then saves from what he read, version 1, which is no longer the latest:");
    say("trail refuses it instead of silently overwriting carol's change.");
    shop_customer first = { 0 }, second = { 0 };
    expect(d, shop_customer_get(d->db, d->bob.id, &first), TRAIL_OK, "carol reads Bob");
    expect(d, shop_customer_get(d->db, d->bob.id, &second), TRAIL_OK, "dave reads Bob");
    trail_ctx carol = { .user_id = "carol", .request_id = "req-3" };
    shop_customer_update_params u1 = {
        .id = first.id, .version = first.version, .set = SHOP_CUSTOMER_NAME, .name = "Robert"
    };
    if (expect(d, shop_customer_update(d->db, &carol, &u1, &first), TRAIL_OK,
               "carol saves name Bob -> Robert"))
        show_customer("Bob", &first);
    trail_ctx dave = { .user_id = "dave", .request_id = "req-4" };
    shop_customer_update_params u2 = {
        .id = second.id, .version = second.version, .set = SHOP_CUSTOMER_NAME, .name = "Bobby"
    };
    expect(d, shop_customer_update(d->db, &dave, &u2, &second), TRAIL_ECONFLICT,
           "dave's save of name Bobby (based on version 1) is refused");
    expect_events(d, 6, "one for carol's update, none for dave's refused one");
    say("dave's program reads the record again (now version 2) and he decides anew.");
    shop_customer_clear(&first);
    shop_customer_clear(&second);
}

static void step_invalid(demo *d)
{
    heading(5, "Invalid values are refused before anything is written");
    say("The schema's rules (credit: min 0; email: at most 254 characters) are checked");
    say("in C, and the message names the field and the rule.");
    trail_ctx bob = { .user_id = "bob", .request_id = "req-5" };
    shop_customer_update_params u = {
        .id = d->ann.id, .version = d->ann.version, .set = SHOP_CUSTOMER_CREDIT, .credit = -10
    };
    expect(d, shop_customer_update(d->db, &bob, &u, NULL), TRAIL_EINVALID,
           "Ann's credit set to -10 is refused");
    char email[301];
    memset(email, 'x', 288);
    strcpy(email + 288, "@example.com"); /* 300 characters */
    shop_customer_create_params c = SHOP_CUSTOMER_CREATE_INIT;
    c.email = email;
    c.name = "Eve";
    c.secret = "s3";
    expect(d, shop_customer_create(d->db, &bob, &c, NULL), TRAIL_EINVALID,
           "a customer with a 300-character email is refused");
    expect_events(d, 6, "none for the refused values");
}

static void step_delete(demo *d)
{
    heading(6, "Delete the order, as user alice in request req-6");
    say("A delete, too, names the version it removes, and leaves an event with the last values:");
    say("the record is gone, its history is not.");
    trail_ctx alice = { .user_id = "alice", .request_id = "req-6" };
    expect(d, shop_order_delete(d->db, &alice, d->order.id, d->order.version), TRAIL_OK,
           "order deleted");
    shop_order gone = { 0 };
    expect(d, shop_order_get(d->db, d->order.id, &gone), TRAIL_ENOTFOUND,
           "reading the order again finds nothing");
    shop_order_clear(&gone);
    expect_events(d, 7, "one more for the delete");
}

static void step_rollback(demo *d)
{
    heading(7, "A group of writes rolled back");
    say("trail_begin() groups calls into one transaction (one tx_id for their events);");
    say("trail_rollback() undoes all of them, their events included.");
    trail_ctx alice = { .user_id = "alice", .request_id = "req-7" };
    shop_customer_create_params c1 = SHOP_CUSTOMER_CREATE_INIT;
    c1.email = "cy@example.com";
    c1.name = "Cy";
    c1.secret = "s4";
    shop_customer_create_params c2 = SHOP_CUSTOMER_CREATE_INIT;
    c2.email = "di@example.com";
    c2.name = "Di";
    c2.secret = "s5";
    shop_customer cy = { 0 }, di = { 0 };
    expect(d, trail_begin(d->db), TRAIL_OK, "trail_begin()");
    expect(d, shop_customer_create(d->db, &alice, &c1, &cy), TRAIL_OK, "customer Cy, in the group");
    expect(d, shop_customer_create(d->db, &alice, &c2, &di), TRAIL_OK, "customer Di, in the group");
    expect_events(d, 9, "two more inside the group, not committed yet");
    expect(d, trail_rollback(d->db), TRAIL_OK, "trail_rollback()");
    shop_customer found = { 0 };
    expect(d, shop_customer_find_by_email(d->db, "cy@example.com", &found), TRAIL_ENOTFOUND,
           "Cy is not there");
    expect(d, shop_customer_find_by_email(d->db, "di@example.com", &found), TRAIL_ENOTFOUND,
           "Di is not there");
    expect_events(d, 7, "the group's two went with it");
    shop_customer_clear(&found);
    shop_customer_clear(&cy);
    shop_customer_clear(&di);
}

/* `shop_demo --migrate URL`: the shop schema on any database, for `trail sync` to fill. */
static int migrate_only(const char *url)
{
    trail_conn *db = NULL;
    int rc = trail_open(&db, url, NULL);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    if (rc != TRAIL_OK)
        fprintf(stderr, "shop_demo: %s\n", trail_errmsg(db));
    trail_close(db);
    return rc == TRAIL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--migrate") == 0)
        return migrate_only(argv[2]);
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr,
                "usage: shop_demo DBFILE\n"
                "       shop_demo --migrate URL\n"
                "Runs the trail demo on a new SQLite database DBFILE (which must not exist);\n"
                "then try: trail log DBFILE; trail verify DBFILE\n"
                "--migrate: only creates the shop schema's tables in the database URL\n"
                "(sqlite:PATH, postgresql://..., mysql://...), e.g. for trail sync.\n");
        return 2;
    }
    const char *path = argv[1];
    struct stat st;
    if (stat(path, &st) == 0) {
        fprintf(stderr, "shop_demo: %s already exists; the demo starts from a new file\n", path);
        return 2;
    }

    printf("trail demo: the shop schema (schema/shop.yaml) on SQLite, in %s\n", path);
    demo d = { 0 };
    step_open(&d, path);
    if (d.failures == 0) {
        step_create(&d);
        if (d.ann.id && d.bob.id && d.order.id) {
            step_update(&d);
            step_conflict(&d);
            step_invalid(&d);
            step_delete(&d);
            step_rollback(&d);
        }
    }

    if (d.failures == 0)
        printf("\nEvery step behaved as described. See the history it left with\n"
               "`trail log %s`, and check it with `trail verify %s`.\n",
               path, path);
    else
        printf("\n%d step%s did not behave as described.\n", d.failures,
               d.failures == 1 ? "" : "s");
    shop_customer_clear(&d.ann);
    shop_customer_clear(&d.bob);
    shop_order_clear(&d.order);
    trail_close(d.db);
    return d.failures == 0 ? 0 : 1;
}
