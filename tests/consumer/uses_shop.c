/* Compiles against the header trail_generate() made from schema/shop.yaml. */
#include "shop.h"

#include <stddef.h>

size_t consumer_shop_fields(void);

size_t consumer_shop_fields(void)
{
    shop_customer_create_params n = { .email = "ann@example.com", .name = "Ann", .secret = "s" };
    (void)n;
    return shop_customer_entity.n_fields + (size_t)SHOP_SCHEMA_VERSION;
}
