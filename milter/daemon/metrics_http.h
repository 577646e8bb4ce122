/*
 * metrics_http.h - the daemon's HTTP endpoint for the figures that
 * lib/metrics.c counts: GET /metrics on metrics_address. Counting needs
 * none of this; only sendergate.c starts and stops it.
 */
#ifndef SG_METRICS_HTTP_H
#define SG_METRICS_HTTP_H

#include <stddef.h>

struct metrics_server;

/*
 * Serve GET /metrics on address ("host:port", a literal IPv4 or IPv6
 * address); sessions() tells the number of open milter sessions at each
 * scrape. NULL with a reason in err. The server runs its own threads.
 */
struct metrics_server *metrics_start(const char *address,
	    unsigned (*sessions)(void), char *err, size_t errlen);
/* Stop serving and free; NULL is fine. */
void	metrics_stop(struct metrics_server *);

#endif
