/*
 * reputation.h - the reputation of senders and domains in Redis: the
 * recipients accepted (counted by the counting script, counter.h), the
 * bounces and complaints learned (sendergatectl suppress learn and
 * complaint learn add them here), the automatic suspensions and the
 * warning marks. Keys: counter.h, "Reputation". Judging is lib/rate.h's.
 *
 * Used by sendergatectl only: nothing here is on a message's path.
 * Each function returns 0 (or 1 where said), or -1 when Redis failed
 * (logged).
 */
#ifndef SG_REPUTATION_H
#define SG_REPUTATION_H

#include <time.h>

#include "lib/conf.h"
#include "redis/counter.h"

/* One window of one sender or domain. */
struct rep_counts {
	long		 rcpts;		/* recipients accepted */
	long		 bounces;	/* hard bounces learned */
	long		 complaints;	/* complaints learned */
	time_t		 since;		/* the window's start */
	char		 suspended[SG_REASON_MAX];	/* reason, "" none */
	time_t		 suspended_at;
};

/*
 * Add one event of kind 'b' (bounce) or 'c' (complaint) of sender to
 * the sender's and its domain's windows (kind 0: add nothing), and read
 * both windows back into *s and *d in the same script.
 */
int	rep_event(struct counters *, const struct sg_conf *,
	    const char *primary, const char *sender, char kind, time_t now,
	    struct rep_counts *s, struct rep_counts *d);

/*
 * Suspend sender (NULL: the domain) for reason, unless it is already:
 * 1 suspended now, 0 it was already.
 */
int	rep_suspend(struct counters *, const char *primary,
	    const char *sender, const char *reason, time_t now);

/*
 * The warning of kind ('b', 'c') for sender (NULL: the domain): 1 when
 * this is the first in reputation_window, 0 when it was given already.
 */
int	rep_warn_mark(struct counters *, const struct sg_conf *,
	    const char *primary, const char *sender, char kind);

/*
 * Lift sender's (NULL: the domain's) automatic suspension and start a
 * fresh window (the counts and the warning marks dropped, the window's
 * start now). *was: 1 when it was suspended.
 */
int	rep_reinstate(struct counters *, const struct sg_conf *,
	    const char *primary, const char *sender, time_t now, int *was);

#endif
