/*
 * mysql_url.h - the parts of a mysql:// (or mariadb://) URL: internal to
 * libtrail, and shared with the integration tests' raw SQL helper.
 *
 *   mysql://[user[:password]@][host][:port][,host[:port]...][/database][?key=value&...]
 *
 * Every part is percent-decoded ("%40" in a password is "@"). A host may
 * be an IPv6 address in brackets. Several hosts, comma-separated, are the
 * servers a connection may use, in the order to try them (failover); the
 * other parts hold for each. Keys: socket (the unix socket's path, for
 * host localhost or none), program_name (a connection attribute, shown in
 * performance_schema.session_connect_attrs), connect_timeout, read_timeout
 * and write_timeout (whole seconds, 0 for none, as the mysql client and
 * Connector/C count them). MariaDB Connector/C reads no URL itself, so the
 * driver hands these parts to mysql_real_connect() and mysql_options().
 */
#ifndef TRAIL_MYSQL_URL_H
#define TRAIL_MYSQL_URL_H

#include "core/err.h"

#include <stddef.h>

/* One server of the URL's list. */
typedef struct trail_mysql_host {
    char *host;    /* NULL: none written (localhost, or the socket) */
    unsigned port; /* 0: the default, 3306 */
} trail_mysql_host;

/*
 * The parts; NULL where the URL has none. They point into one block that
 * trail__mysql_url_free() frees.
 */
typedef struct trail_mysql_url {
    char *user, *password, *host, *database, *socket, *program_name;
    unsigned port; /* 0: the default, 3306 */
    /*
     * Every host, in the URL's order; at least one (host and port above are
     * the first's, for the callers that reach one server only).
     */
    trail_mysql_host *hosts;
    size_t n_hosts;
    /* Seconds, 0 for no limit; -1 when the URL has none. */
    int connect_timeout, read_timeout, write_timeout;
    char *block;
} trail_mysql_url;

/*
 * trail__mysql_url_parse - split @url into *@out. Returns TRAIL_OK;
 * TRAIL_EARG, with @err naming @url with its password hidden and saying
 * what is wrong, for a malformed URL; TRAIL_ENOMEM. On success the caller
 * owns *@out (trail__mysql_url_free()); on failure it holds nothing to free.
 */
int trail__mysql_url_parse(trail_mysql_url *out, const char *url, trail_err *err);

/* trail__mysql_url_free - free what trail__mysql_url_parse() made. A zeroed struct is allowed. */
void trail__mysql_url_free(trail_mysql_url *u);

#endif /* TRAIL_MYSQL_URL_H */
