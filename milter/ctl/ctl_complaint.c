/*
 * ctl_complaint.c - sendergatectl complaint learn: a feedback report
 * (RFC 5965, lib/arf.h) on standard input, as a Postfix pipe, believed
 * only where it matches the record of the messages the relay accepted
 * (counter.h, bounce.h), as suppress learn believes a bounce.
 *
 * A complaint (Feedback-Type: abuse) about a message the relay accepted
 * from the sender (Original-Mail-From, else the reported Return-Path or
 * From) under the reported Message-ID, within bounce_window, to the
 * complaining recipient (Original-Rcpt-To, else the reported To when it
 * is one mailbox), puts that recipient on the sender's customer's list
 * (reason "complaint", source "arf") and counts one complaint for the
 * sender and its domain, judged against complaint_rate_limits
 * (ctl_reputation.c). A recipient already on the list is renewed and
 * not counted again: a report sent twice counts once.
 *
 * It never fails the pipe: whatever the input, it exits 0 and says in
 * the log (syslog, and standard error) what it did and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/ctl.h"
#include "lib/addr.h"
#include "lib/arf.h"
#include "lib/bounce.h"
#include "lib/log.h"
#include "redis/suppress.h"

/*
 * Why a parsed report cannot teach anything (a static reason), or NULL
 * when it names a complaint, a sender, a message and a recipient.
 */
static const char *
unusable(const struct arf *a)
{
	if (!a->abuse)
		return "not a complaint (Feedback-Type is not abuse)";
	if (a->sender[0] == '\0' || addr_domain(a->sender) == NULL)
		return "the reported message's sender is unknown";
	if (a->msgid[0] == '\0')
		return "the reported message has no Message-ID";
	if (a->nrcpts == 0)
		return "the complaining recipient is unknown (no "
		    "Original-Rcpt-To, and no single To)";
	return NULL;
}

/*
 * One complaining recipient against the record e of the reported
 * message: suppressed and counted when the record lists it. 1 counted,
 * 0 not.
 */
static int
learn_rcpt(struct ctl_ctx *x, const struct arf *a, const char *rcpt,
    const struct ctr_entries *e)
{
	const char	*primary = addr_domain(a->sender), *no;
	int		 rc;

	if (x->conf->bounce_window == 0)
		no = "bounce_window = 0: no message is recorded";
	else if (bounce_match((const char *const *)e->v, e->len, e->n,
	    time(NULL), x->conf->bounce_window, rcpt, &no) == 1)
		no = NULL;
	if (no != NULL) {
		log_info("complaint learn: <%s> (%s) about mail from <%s> "
		    "(%s), Message-ID %s: ignored: %s", rcpt,
		    arf_origin_name(a->rcpts_origin, 1), a->sender,
		    arf_origin_name(a->sender_origin, 0), a->msgid, no);
		return 0;
	}
	if ((rc = sup_add(x->ctrs, primary, rcpt, "complaint", "arf",
	    time(NULL), x->conf->suppression_ttl)) == -1) {
		log_warnx("complaint learn: <%s>: redis failed: not suppressed, "
		    "not counted", rcpt);
		return 0;
	}
	if (rc == 0) {
		log_info("complaint learn: <%s> about mail from <%s>: on the "
		    "list of %s already: renewed, not counted again", rcpt,
		    a->sender, primary);
		return 0;
	}
	log_info("complaint learn: <%s> on the list of %s: complaint about "
	    "mail from <%s>, Message-ID %s%s%s", rcpt, primary, a->sender,
	    a->msgid, a->arrival[0] ? ", arrived " : "", a->arrival);
	ctl_reputation_event(x, a->sender, 'c');
	return 1;
}

/* complaint learn < REPORT: exit 0 whatever comes. */
int
ctl_cmd_complaint_learn(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	struct arf		 r;
	struct ctr_entries	 e;
	char			*msg, why[256], mhash[SG_MSGID_HASH_LEN];
	const char		*no;
	size_t			 len, i, learned = 0;

	(void)v;
	(void)n;
	log_open("sendergatectl", x->conf->syslog_facility, 1,
	    a->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if ((msg = ctl_read_stdin(&len)) == NULL) {
		log_warnx("complaint learn: nothing read: ignored");
		return CTL_OK;
	}
	if (arf_parse(msg, len, &r, why, sizeof(why)) == -1) {
		log_info("complaint learn: not a feedback report (%s): ignored",
		    why);
		free(msg);
		return CTL_OK;
	}
	free(msg);
	if ((no = unusable(&r)) != NULL) {
		log_info("complaint learn: feedback %s about mail from <%s>, "
		    "Message-ID %s: ignored: %s", r.type, r.sender[0] ?
		    r.sender : "unknown", r.msgid[0] ? r.msgid : "none", no);
		return CTL_OK;
	}
	if (ctr_msgid_hash(r.msgid, mhash) == -1) {
		log_info("complaint learn: Message-ID %s cannot be hashed: "
		    "ignored", r.msgid);
		return CTL_OK;
	}
	if (ctl_counters_open(x) == -1) {
		log_warnx("complaint learn: counters: cannot open: the "
		    "complaint about <%s> is lost", r.sender);
		return CTL_OK;
	}
	if (ctr_record_read(x->ctrs, addr_domain(r.sender), r.sender, mhash,
	    NULL, &e) == -1) {
		log_warnx("complaint learn: counters: the record of <%s>'s "
		    "message cannot be read: the complaint is lost", r.sender);
		return CTL_OK;
	}
	for (i = 0; i < r.nrcpts; i++)
		learned += (size_t)learn_rcpt(x, &r, r.rcpts[i], &e);
	log_debug("complaint learn: %zu of %zu recipients counted", learned,
	    r.nrcpts);
	ctr_entries_free(&e);
	return CTL_OK;
}
