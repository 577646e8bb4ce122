/*
 * milter_notice.c - what follows an accepted message besides the reply:
 * its figures for the metrics, and the limit warnings.
 *
 * A warning is a quota_warn threshold this message was the first of the
 * month to reach (counter.c marks it in Redis, once across all nodes):
 * one log line at warning level naming the sender or the domain, the
 * count, the limit and the percentage; and, with notify_relay, a notice
 * queued (notify_queue.c) to the contacts: for a sender's threshold its
 * own and its domain's sgNotifyAddress, for the domain's the domain's,
 * and notify_operator in both cases. Nothing here can fail the message.
 */
#include <stdio.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "daemon/milter.h"
#include "lib/notify.h"

#define NOTICE_TO_MAX	64		/* recipients of one notice */

/* Add a to the list unless there already (case-insensitive). */
static void
add_to(const char **to, size_t *n, const char *a)
{
	size_t	 i;

	if (a == NULL || a[0] == '\0' || *n == NOTICE_TO_MAX)
		return;
	for (i = 0; i < *n; i++)
		if (strcasecmp(to[i], a) == 0)
			return;
	to[(*n)++] = a;
}

/* One warning: the log line and the notice. */
static void
warn_one(const struct sg_conf *mc, const struct sg_entry *e, const char *qid,
    int domain, int pct, long count, long limit)
{
	const char	*to[NOTICE_TO_MAX];
	const char	*unit = mc->quota_unit == QUOTA_MESSAGE ? "messages" :
			    "recipients";
	char		 who[300], subject[400], body[1200];
	size_t		 nto = 0, i;
	long		 now = limit > 0 ? count * 100 / limit : 0;

	if (domain)
		snprintf(who, sizeof(who), "domain %s", e->dom.primary);
	else
		snprintf(who, sizeof(who), "sender <%s>", e->snd.mail);
	log_warnx("%s: quota warning: %s reached %d%% of its monthly limit: "
	    "count=%ld limit=%ld percent=%ld", qid, who, pct, count, limit,
	    now);
	if (mc->notify_relay[0] == '\0')
		return;
	if (!domain)
		for (i = 0; i < e->snd.nnotify; i++)
			add_to(to, &nto, e->snd.notify[i]);
	for (i = 0; i < e->dom.nnotify; i++)
		add_to(to, &nto, e->dom.notify[i]);
	add_to(to, &nto, mc->notify_operator);
	if (nto == 0)
		return;
	snprintf(subject, sizeof(subject), "Sending limit: %s at %d%% of its "
	    "monthly limit", who, pct);
	snprintf(body, sizeof(body),
	    "The %s has reached %d%% of its monthly sending limit.\n"
	    "\n"
	    "  used this month:  %ld %s\n"
	    "  monthly limit:    %ld %s\n"
	    "  remaining:        %ld\n"
	    "  percent used:     %ld%%\n"
	    "\n"
	    "Once the limit is reached, further mail from %s is refused\n"
	    "until the first day of next month.\n"
	    "\n"
	    "-- \n"
	    "sendergate, on behalf of the relay operator%s%s\n",
	    who, pct, count, unit, limit, unit,
	    count < limit ? limit - count : 0, now,
	    domain ? "the domain's senders" : "this sender",
	    mc->notify_operator[0] ? " " : "", mc->notify_operator);
	(void)notify_queue(mc, to, nto, subject, body);
}

/* The figures and the warnings of an accepted message. */
void
milter_accepted(const struct sg_conf *mc, const struct sg_entry *e,
    const char *qid, enum ctr_result r, const struct ctr_warned *w,
    long scount, long dcount, const struct pol_limits *lim,
    const char *const *copies, size_t ncopies)
{
	const char	*archive = e->dom.archive != NULL ? e->dom.archive :
			    mc->archive_address;
	size_t		 narchive = 0;

	if (r == CTR_COUNTED)
		metrics_counted();
	else if (r == CTR_RETRY)
		metrics_duplicate();
	/* policy_copies puts the archive last, as its own pointer */
	if (e->snd.archive && ncopies > 0 && copies[ncopies - 1] == archive)
		narchive = 1;
	metrics_copies(ncopies - narchive, narchive);
	if (r != CTR_COUNTED)
		return;
	/* thresholds ascend: a message that crossed several at once (80
	 * and 100) is told once, at the highest, never "80%" at 100% */
	if (w->nsender > 0)
		warn_one(mc, e, qid, 0, w->sender[w->nsender - 1], scount,
		    lim->sender);
	if (w->ndomain > 0)
		warn_one(mc, e, qid, 1, w->domain[w->ndomain - 1], dcount,
		    lim->domain);
}
