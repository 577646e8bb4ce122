/*
 * dsn.h - reading a delivery status notification (RFC 3464) for
 * sendergatectl suppress learn: who sent the bounced message, which
 * message it was (queue id, Message-ID), and which recipients failed
 * permanently in a way worth suppressing. What it says is a claim:
 * learn checks it against the record of the messages the relay accepted.
 *
 * Pure: a message in memory in, facts out; no I/O.
 */
#ifndef SG_DSN_H
#define SG_DSN_H

#include <stddef.h>

#include "lib/addr.h"

#define DSN_PARTS_MAX	8		/* delivery-status parts read */
#define DSN_QID_MAX	64
#define DSN_MSGID_MAX	1000		/* a longer Message-ID: none */

/*
 * One message/delivery-status part: its per-message fields. Each part
 * is judged on its own: its recipients belong to its sender.
 */
struct dsn_part {
	char		 sender[SG_ADDR_MAX + 1];	/* X-Postfix-Sender,
							   else the returned
							   headers'; "" */
	char		 qid[DSN_QID_MAX];		/* X-Postfix-Queue-ID */
};

struct dsn_rcpt {
	char		 addr[SG_ADDR_MAX + 1];	/* Final-Recipient, normalised
						   (never Original-Recipient:
						   the client's ORCPT=) */
	char		 status[16];		/* "5.1.1" */
	int		 learn;			/* suppress it */
	const char	*why;			/* static: why (not) */
	size_t		 part;			/* its part in parts[] */
};

struct dsn {
	struct dsn_part	 parts[DSN_PARTS_MAX];
	size_t		 nparts;
	struct dsn_rcpt	*rcpts;				/* malloc'd */
	size_t		 nrcpts;
	char		 msgid[DSN_MSGID_MAX + 1];	/* the returned
							   headers' Message-ID
							   value, trimmed; "" */
};

/*
 * Parse msg (len octets). 0 with *d filled (dsn_free it), or -1 when it
 * is not a DSN (or out of memory), with a reason in why. Parts after
 * the DSN_PARTS_MAX-th delivery-status part are not read.
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
