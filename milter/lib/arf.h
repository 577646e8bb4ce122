/*
 * arf.h - reading a feedback report (RFC 5965, the Abuse Reporting
 * Format a feedback loop sends) for sendergatectl complaint learn: what
 * kind of feedback it is, who sent the reported message, which message
 * it was (its Message-ID) and who complained. What it says is a claim:
 * complaint learn checks it against the record of the messages the
 * relay accepted (bounce.h), as suppress learn checks a bounce.
 *
 * Read: a multipart/report; report-type=feedback-report, its
 * message/feedback-report part (Feedback-Type, Original-Mail-From,
 * Original-Rcpt-To, Arrival-Date) and the reported message or its
 * headers (message/rfc822, text/rfc822-headers): Message-ID, and
 * Return-Path, From and To where the report's fields are missing.
 * One boundary level, parts not encoded (mime.h).
 *
 * Pure: a message in memory in, facts out; no I/O, nothing allocated.
 */
#ifndef SG_ARF_H
#define SG_ARF_H

#include <stddef.h>

#include "lib/addr.h"

#define ARF_RCPTS_MAX	8		/* Original-Rcpt-To fields read */
#define ARF_MSGID_MAX	1000		/* a longer Message-ID: none */

/* Where arf.sender and arf.rcpts came from. */
enum arf_origin {
	ARF_NONE = 0,
	ARF_REPORT,		/* the report's own field */
	ARF_RETURN_PATH,	/* the reported message's Return-Path */
	ARF_FROM,		/* its From (one mailbox) */
	ARF_TO			/* its To (one mailbox) */
};

struct arf {
	char		 type[32];		/* Feedback-Type, lower case */
	int		 abuse;			/* Feedback-Type: abuse */
	char		 sender[SG_ADDR_MAX + 1];	/* normalised; "" */
	enum arf_origin	 sender_origin;
	char		 rcpts[ARF_RCPTS_MAX][SG_ADDR_MAX + 1];
						/* as addr_parse_rcpt */
	size_t		 nrcpts;
	enum arf_origin	 rcpts_origin;
	char		 msgid[ARF_MSGID_MAX + 1];	/* the reported
							   message's Message-ID
							   value, trimmed; "" */
	char		 arrival[64];		/* Arrival-Date as written
						   (cut); "" */
};

/*
 * Parse msg (len octets) into *a. 0, or -1 when it is no feedback
 * report (not a multipart/report of report-type feedback-report, or no
 * message/feedback-report part with a Feedback-Type), with a reason in
 * why. Fields that cannot be read are left "" (sender, msgid) or not
 * counted (rcpts): a report may redact them.
 */
int	arf_parse(const char *msg, size_t len, struct arf *a, char *why,
	    size_t whylen);

/* The name of an origin ("Original-Mail-From", "From", ...) for logs. */
const char *arf_origin_name(enum arf_origin, int rcpt);

#endif
