/*
 * suppress.h - suppression lists: recipients whose mail bounced hard.
 *
 * Keys (Redis, through counter.c's pool):
 *   <prefix>:{<primary domain>}:x:<recipient>   the customer's list, in
 *                                               the domain's cluster slot
 *   <prefix>:x:<recipient>                      the relay-wide list
 * Each is a hash: reason, added (unix time), source ("manual" or "dsn").
 * An entry expires after suppression_ttl (0: never).
 *
 * At RCPT TO the milter asks sup_check: one EXISTS naming both keys,
 * one round trip. The two keys hash to different Redis Cluster slots:
 * on one server or a Sentinel-monitored set that is fine; a Redis
 * Cluster would refuse it (CROSSSLOT), which sendergate does not use.
 *
 * Every function answers 1 / 0 as it says, or -1 when Redis failed
 * (logged); primary NULL means the relay-wide list.
 */
#ifndef SG_SUPPRESS_H
#define SG_SUPPRESS_H

#include <stddef.h>
#include <time.h>

#include "redis/counter.h"

struct sup_entry {
	char		 primary[256];	/* "" for the relay-wide list */
	char		 rcpt[256 + 64];
	char		 reason[512];
	char		 source[32];
	long long	 added;		/* unix time, 0 unknown */
	long long	 ttl;		/* seconds left, -1 none */
};

/* The key of rcpt on primary's list (NULL: relay-wide); 0, or -1. */
int	sup_key(const char *prefix, const char *primary, const char *rcpt,
	    char *out, size_t len);

/* Is rcpt on primary's list or the relay-wide one? 1, 0, -1. */
int	sup_check(struct counters *, const char *primary, const char *rcpt);

#define SUP_FORMS	4		/* addresses looked up for one RCPT */
#define SUP_BAD_ADDRESS	(-2)		/* sup_check_arg: arg is no address */

/*
 * sup_check for the MTA's RCPT TO argument arg, in one round trip: the
 * address it is delivered to (addr_parse_rcpt: "<a@B.test.>" is
 * a@b.test), and the routes its local part names when the domain is the
 * MTA's own (addr_rcpt_route: "b.test!a@relay", "a%b.test@relay"), up
 * to SUP_FORMS addresses. norm (len at least SG_ADDR_MAX + 1) gets the
 * delivered form. 1 when one of them is on a list, 0 on none, -1 when
 * Redis failed, SUP_BAD_ADDRESS when arg does not parse (norm ""): such
 * a recipient is on no list the milter could name, and is refused.
 */
int	sup_check_arg(struct counters *, const char *primary, const char *arg,
	    char *norm, size_t len);

/*
 * Put rcpt on a list with a reason and a source, added now, expiring
 * after ttl_ms (0: never). 1 new, 0 was there (updated), -1.
 */
int	sup_add(struct counters *, const char *primary, const char *rcpt,
	    const char *reason, const char *source, time_t now, long ttl_ms);

/* Take rcpt off a list: 1 removed, 0 was not there, -1. */
int	sup_remove(struct counters *, const char *primary, const char *rcpt);

/* One entry into *e: 1 found, 0 not, -1. */
int	sup_get(struct counters *, const char *primary, const char *rcpt,
	    struct sup_entry *e);

/*
 * Every entry of primary's list (NULL: relay-wide, "*": every list),
 * by SCAN; each is called for each. The count, or -1.
 */
long	sup_list(struct counters *, const char *primary,
	    void (*each)(const struct sup_entry *, void *), void *arg);

#endif
