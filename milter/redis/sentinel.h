/*
 * sentinel.h - finding the Redis master through Redis Sentinel, as
 * Redis's Sentinel client guidelines describe.
 *
 * Ask each sentinel in turn, with a short timeout, for the address of
 * the named master (SENTINEL get-master-addr-by-name); the first that
 * answers goes to the front of the list for next time. The caller then
 * connects and checks with sentinel_is_master() that the server it
 * reached thinks it is the master (ROLE): a sentinel's view may be old.
 *
 * Thread-safe: one lock around the list's order.
 */
#ifndef SG_SENTINEL_H
#define SG_SENTINEL_H

#include <stddef.h>

#include <hiredis/hiredis.h>

struct sentinel;

/* Why sentinel_master failed. */
enum sentinel_err {
	SENTINEL_OK = 0,
	SENTINEL_UNREACHABLE,		/* no sentinel answered */
	SENTINEL_UNKNOWN_MASTER		/* they answered: no such master */
};

/*
 * A list from "host:port host:port ..." ([v6]:port too), the master's
 * name, a password for the sentinels (NULL: none) and the timeout of
 * each try in ms. NULL with a reason in err on a bad list or no memory.
 * The strings are copied.
 */
struct sentinel *sentinel_new(const char *list, const char *master,
	    const char *password, long timeout_ms, char *err, size_t errlen);
void	sentinel_free(struct sentinel *);

/*
 * The master's address now, into host (hostlen octets) and *port.
 * SENTINEL_OK, or why not (err says more: each sentinel's failure).
 */
enum sentinel_err sentinel_master(struct sentinel *, char *host,
	    size_t hostlen, int *port, char *err, size_t errlen);

/* ROLE on a connection: 1 master, 0 not (a replica, a sentinel), -1 failed. */
int	sentinel_is_master(redisContext *);

#endif
