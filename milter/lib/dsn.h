/*
 * dsn.h - reading a delivery status notification (RFC 3464) for
 * sendergatectl suppress learn: who sent the bounced message, and which
 * recipients failed permanently in a way worth suppressing.
 *
 * Pure: a message in memory in, facts out; no I/O.
 */
#ifndef SG_DSN_H
#define SG_DSN_H

#include <stddef.h>

#include "lib/addr.h"

struct dsn_rcpt {
	char		 addr[SG_ADDR_MAX + 1];	/* normalised */
	char		 status[16];		/* "5.1.1" */
	int		 learn;			/* suppress it */
	const char	*why;			/* static: why (not) */
};

struct dsn {
	char		 sender[SG_ADDR_MAX + 1];	/* "" unknown */
	struct dsn_rcpt	*rcpts;				/* malloc'd */
	size_t		 nrcpts;
};

/*
 * Parse msg (len octets). 0 with *d filled (dsn_free it), or -1 when it
 * is not a DSN (or out of memory), with a reason in why.
 */
int	dsn_parse(const char *msg, size_t len, struct dsn *d, char *why,
	    size_t whylen);
void	dsn_free(struct dsn *);

/*
 * Is a failed recipient's status code (with Action: failed) one to
 * suppress? 1, or 0 with why: not 5.x.x, policy (5.7.x), content
 * (5.6.x), mailbox or system full (5.2.2, 5.3.1), too big (5.2.3,
 * 5.3.4), expired or looping (5.4.6, 5.4.7).
 */
int	dsn_status_learn(const char *status, const char **why);

#endif
