/*
 * mysql_url.c - splitting a mysql:// URL into what mysql_real_connect() takes.
 *
 * The URL is copied once; the parts are cut out of the copy in place (a
 * NUL where each ends) and decoded in place, which only ever shortens them.
 * The list of hosts sits in the same block, before the copy, with room for
 * one host per comma of the URL, plus one: as many as the list can hold.
 */
#include "driver/mysql/mysql_url.h"
#include "core/hex.h"
#include "trail/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decodes %XX escapes of @s in place. -1 on a malformed escape or a NUL byte. */
static int decode(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (*s != '%') {
            *out++ = *s;
            continue;
        }
        int hi = trail_hex_digit(s[1]), lo = hi < 0 ? -1 : trail_hex_digit(s[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return -1;
        *out++ = (char)(hi << 4 | lo);
        s += 2;
    }
    *out = '\0';
    return 0;
}

/* Decodes @s, which URL part @what is, in place; *@part points at it, NULL for an empty part. */
static int take(char **part, char *s, const char *what, trail_err *err)
{
    *part = NULL;
    if (!s || !*s)
        return TRAIL_OK;
    if (decode(s) < 0)
        return trail__err_set(err, TRAIL_EARG, "the %s has a malformed %%-escape (or %%00)", what);
    *part = s;
    return TRAIL_OK;
}

/* "1".."65535", all digits. */
static int parse_port(unsigned *port, const char *s, trail_err *err)
{
    unsigned long n = 0;
    size_t len = strspn(s, "0123456789");
    if (len == 0 || len > 5 || s[len] || (n = strtoul(s, NULL, 10)) == 0 || n > 65535)
        return trail__err_set(err, TRAIL_EARG, "port '%.16s' is not a number 1-65535", s);
    *port = (unsigned)n;
    return TRAIL_OK;
}

/* Puts "@what: " before @err's message; returns its code. */
static int prefixed(trail_err *err, const char *what)
{
    char msg[TRAIL_ERRMSG_MAX];
    memcpy(msg, err->msg, sizeof msg);
    return trail__err_set(err, err->code, "%s: %s", what, msg);
}

/* Splits "host", "host:port", "[v6]" or "[v6]:port"; the host part is left in place. */
static int split_host(trail_mysql_host *h, char *s, trail_err *err)
{
    char *host = s, *port = NULL;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close || (close[1] && close[1] != ':'))
            return trail__err_set(err, TRAIL_EARG,
                                  "an IPv6 host is written [address] or [address]:port");
        host = s + 1;
        port = close[1] ? close + 2 : NULL;
        *close = '\0';
    } else if ((port = strchr(s, ':'))) {
        *port++ = '\0';
    }
    int rc = take(&h->host, host, "host", err);
    if (rc < 0 || !port)
        return rc;
    return parse_port(&h->port, port, err);
}

/*
 * Splits the comma-separated list @s into u->hosts, which has room for one
 * host per comma of @s and one more. An empty item is refused only in a
 * list: alone it is the default host, as it always was.
 */
static int split_hosts(trail_mysql_url *u, char *s, trail_err *err)
{
    size_t n = 1;
    for (const char *c = s; (c = strchr(c, ',')); c++)
        n++;
    for (char *item = s, *next; item; item = next) {
        if ((next = strchr(item, ',')))
            *next++ = '\0';
        trail_mysql_host *h = &u->hosts[u->n_hosts++];
        if (n > 1 && !*item)
            return trail__err_set(err, TRAIL_EARG,
                                  "host %zu of %zu in the list is empty (write "
                                  "host[:port],host[:port] with one comma between hosts)",
                                  u->n_hosts, n);
        int rc = split_host(h, item, err);
        if (rc < 0 && n > 1) {
            char which[64];
            snprintf(which, sizeof which, "host %zu of %zu in the list", u->n_hosts, n);
            return prefixed(err, which);
        }
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

/* The longest timeout, in seconds: its milliseconds fit an int. */
#define MAX_TIMEOUT_S 2147483

/* A timeout parameter @key: whole seconds, 0 for none. */
static int parse_timeout(int *out, const char *key, const char *s, trail_err *err)
{
    size_t len = strspn(s, "0123456789");
    unsigned long n = len && len <= 7 && !s[len] ? strtoul(s, NULL, 10) : MAX_TIMEOUT_S + 1UL;
    if (n > MAX_TIMEOUT_S)
        return trail__err_set(err, TRAIL_EARG,
                              "%s '%.16s' is not a number of seconds 0-%d (0: none)", key, s,
                              MAX_TIMEOUT_S);
    *out = (int)n;
    return TRAIL_OK;
}

/* key=value pairs joined by '&', cut and decoded in place. */
static int split_query(trail_mysql_url *u, char *s, trail_err *err)
{
    static const char known[] =
        "socket, program_name, connect_timeout, read_timeout, write_timeout";
    for (char *pair = s, *next; pair; pair = next) {
        if ((next = strchr(pair, '&')))
            *next++ = '\0';
        char *value = strchr(pair, '=');
        if (value)
            *value++ = '\0';
        char **slot = NULL;
        int *timeout = NULL;
        if (strcmp(pair, "socket") == 0)
            slot = &u->socket;
        else if (strcmp(pair, "program_name") == 0)
            slot = &u->program_name;
        else if (strcmp(pair, "connect_timeout") == 0)
            timeout = &u->connect_timeout;
        else if (strcmp(pair, "read_timeout") == 0)
            timeout = &u->read_timeout;
        else if (strcmp(pair, "write_timeout") == 0)
            timeout = &u->write_timeout;
        if (!slot && !timeout)
            return trail__err_set(err, TRAIL_EARG, "unknown parameter '%.32s' (known: %s)", pair,
                                  known);
        if (!value || !*value)
            return trail__err_set(err, TRAIL_EARG, "parameter %s has no value", pair);
        int rc = slot ? take(slot, value, pair, err) : parse_timeout(timeout, pair, value, err);
        if (rc < 0)
            return rc;
    }
    return TRAIL_OK;
}

/*
 * Names @url, its password hidden, in @err's message: a URL may come from a
 * configuration far from the code that reports the failure.
 */
static int name_url(trail_err *err, const char *url)
{
    char shown[200], what[240];
    snprintf(what, sizeof what, "mysql URL '%s'", trail_url_redact(shown, sizeof shown, url));
    return prefixed(err, what);
}

int trail__mysql_url_parse(trail_mysql_url *out, const char *url, trail_err *err)
{
    static const char *const schemes[] = { "mysql://", "mariadb://" };
    memset(out, 0, sizeof *out);
    out->connect_timeout = out->read_timeout = out->write_timeout = -1;
    const char *rest = NULL;
    for (size_t i = 0; !rest && i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncmp(url, schemes[i], strlen(schemes[i])) == 0)
            rest = url + strlen(schemes[i]);
    if (!rest) {
        trail__err_set(err, TRAIL_EARG, "not a mysql:// or mariadb:// URL");
        return name_url(err, url);
    }
    size_t room = 1, len = strlen(rest) + 1;
    for (const char *c = rest; (c = strchr(c, ',')); c++)
        room++;
    size_t hosts_size = room * sizeof(trail_mysql_host);
    if (!(out->block = malloc(hosts_size + len)))
        return trail__err_set(err, TRAIL_ENOMEM, "out of memory");
    out->hosts = memset(out->block, 0, hosts_size);
    char *authority = memcpy(out->block + hosts_size, rest, len);

    char *query = strchr(authority, '?');
    if (query)
        *query++ = '\0';
    char *path = strchr(authority, '/');
    if (path)
        *path++ = '\0';
    /* The last '@': a password with an unescaped '@' still parses. */
    char *at = strrchr(authority, '@'), *host = authority;
    int rc;
    if (at) {
        *at = '\0';
        host = at + 1;
        char *colon = strchr(authority, ':');
        if (colon)
            *colon++ = '\0';
        if ((rc = take(&out->user, authority, "user", err)) < 0)
            goto fail;
        if (colon && decode(colon) < 0) {
            rc =
                trail__err_set(err, TRAIL_EARG, "the password has a malformed %%-escape (or %%00)");
            goto fail;
        }
        out->password = colon; /* "" is a password too: an empty one */
    }
    if ((rc = split_hosts(out, host, err)) < 0)
        goto fail;
    out->host = out->hosts[0].host;
    out->port = out->hosts[0].port;
    if ((rc = take(&out->database, path, "database name", err)) < 0)
        goto fail;
    if (query && (rc = split_query(out, query, err)) < 0)
        goto fail;
    return TRAIL_OK;

fail:
    trail__mysql_url_free(out);
    return rc == TRAIL_EARG ? name_url(err, url) : rc;
}

void trail__mysql_url_free(trail_mysql_url *u)
{
    free(u->block);
    memset(u, 0, sizeof *u);
}
