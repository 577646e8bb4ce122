/*
 * metrics.h - what the daemon counts for Prometheus, and the server that
 * shows it.
 *
 * Counting (metrics.c) is a set of process-wide atomic counters and
 * gauges: no lock and no allocation, so the message path, counter.c and
 * the directory may call it from any thread. Programs that do not serve
 * metrics (sendergatectl, the unit tests) link it too; they simply never
 * show the figures.
 *
 * Showing: metrics_format writes every figure in the Prometheus text
 * exposition format (version 0.0.4); metrics_http.c serves it at
 * GET /metrics on metrics_address through libmicrohttpd.
 */
#ifndef SG_METRICS_H
#define SG_METRICS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

enum met_stage { MET_MAIL, MET_RCPT, MET_EOM, MET_NSTAGES };
enum met_cache { MET_CACHE_HIT, MET_CACHE_MISS, MET_CACHE_STALE,
	MET_CACHE_FAILED, MET_NCACHE };

/* A decision of rule (enum pol_rule) and action (enum pol_action). */
void	metrics_decision(int rule, int action);
/* An accepted message counted; a retry forgiven (dedupe). */
void	metrics_counted(void);
void	metrics_duplicate(void);
/* Recipients added to an accepted message. */
void	metrics_copies(size_t bcc, size_t archive);
/* A callback of stage took the time since *start (CLOCK_MONOTONIC). */
void	metrics_duration(enum met_stage stage, const struct timespec *start);
/* A Redis command ran (ok 1) or failed (ok 0); redis_up follows it. */
void	metrics_redis(int ok);
/* An LDAP operation failed. */
void	metrics_ldap_error(void);
/* Query mode: a lookup answered from the cache, LDAP, stale or failed. */
void	metrics_cache(enum met_cache result);
/* Mirror mode: the copy holds so many domains and senders. */
void	metrics_dir_entries(size_t domains, size_t senders);
/* Mirror mode: the copy is current (1) or stopped being current (0). */
void	metrics_dir_sync(int current);

/* The notice queue (daemon/notify_queue.c): its length; one given up. */
void	metrics_notice_queue(size_t len);
void	metrics_notice_dropped(void);

/*
 * Write all figures to f; sessions is the number of open milter
 * sessions, version the build's. 0, or -1 if f failed.
 */
int	metrics_format(FILE *f, unsigned sessions, const char *version);

#endif
