/*
 * Uses the API that the installed trailgen generated from schema/shop.yaml
 * through trail_generate(): one audited create on an in-memory database.
 */
#include "shop.h"

#include <stdio.h>

int main(void)
{
    trail_conn *db = NULL;
    shop_customer c = { 0 };
    shop_customer_create_params n = SHOP_CUSTOMER_CREATE_INIT;
    n.email = "ann@example.com";
    n.name = "Ann";
    n.secret = "s";
    int rc = trail_open(&db, "sqlite::memory:", NULL);
    if (rc == TRAIL_OK)
        rc = shop_migrate(db);
    if (rc == TRAIL_OK)
        rc = shop_customer_create(db, NULL, &n, &c);
    if (rc == TRAIL_OK)
        printf("created customer %s version %lld\n", c.id, (long long)c.version);
    else
        fprintf(stderr, "consumer_shop: %s\n", trail_errmsg(db));
    shop_customer_clear(&c);
    trail_close(db);
    return rc == TRAIL_OK ? 0 : 1;
}
