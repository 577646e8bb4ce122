/*
 * ctl_reputation.c - the reputation: what a learned bounce or complaint
 * does (counted, judged, a warning or an automatic suspension), and the
 * commands reputation and reinstate.
 *
 * Judging happens where a bounce or a complaint arrives: at learn time,
 * after the event matched a message the relay accepted. The rates are
 * per recipient accepted over reputation_window (lib/rate.h judges);
 * no rate is judged below reputation_min_recipients. The first
 * threshold warns once a window (log, a notice to notify_operator and
 * the sgNotifyAddress contacts); the second suspends the sender, or the
 * domain when the domain's own rate reached it, in Redis (rule 10s),
 * with reputation_action = suspend; warn only warns; off counts nothing.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/notify.h"
#include "lib/rate.h"
#include "redis/reputation.h"

#define RCPT_MAX	16

/* Add r's sgNotifyAddress values to to[] (once each). */
static void
contacts(const struct ctl_rec *r, const char **to, size_t *n)
{
	const struct ctl_attr	*a = r != NULL ?
				    ctl_rec_get(r, "sgNotifyAddress") : NULL;
	size_t			 i, j;

	for (i = 0; a != NULL && i < a->n; i++) {
		for (j = 0; j < *n; j++)
			if (strcasecmp(to[j], a->v[i]) == 0)
				break;
		if (j == *n && *n < RCPT_MAX)
			to[(*n)++] = a->v[i];
	}
}

/*
 * Tell the operator and the customer (the sender's and its domain's
 * sgNotifyAddress) by mail; logged when it cannot be sent.
 */
static void
notice(struct ctl_ctx *x, const char *sender, const char *subject,
    const char *body)
{
	const char	*to[RCPT_MAX];
	struct ctl_rec	*s = NULL, *d = NULL;
	char		 err[600];
	size_t		 nto = 0;

	if (x->conf->notify_relay[0] == '\0')
		return;
	if (x->conf->notify_operator[0] != '\0')
		to[nto++] = x->conf->notify_operator;
	if (ctl_ldap_open(x) == 0 && ctl_find_sender(x, sender, &s) == 1) {
		(void)ctl_find_domain(x, addr_domain(sender), &d);
		contacts(s, to, &nto);
		contacts(d, to, &nto);
	}
	if (nto > 0 && notify_send_now(x->conf, to, nto, subject, body, err,
	    sizeof(err)) == -1)
		log_warnx("reputation: the notice on <%s> was not sent: %s",
		    sender, err);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Judge one window (sender, or domain when dom) after an event. */
static void
judge(struct ctl_ctx *x, const char *primary, const char *sender, int dom,
    char kind, const struct rep_counts *c)
{
	const struct sg_conf	*cf = x->conf;
	const char		*what = kind == 'b' ? "bounce" : "complaint";
	char			 reason[SG_REASON_MAX - 32], full[SG_REASON_MAX];
	char			 subject[SG_ADDR_MAX + 96], body[1024];
	long			 events = kind == 'b' ? c->bounces :
				    c->complaints;
	enum rep_level		 lv;
	int			 r;

	lv = rep_judge(c->rcpts, events, cf->reputation_min_recipients,
	    kind == 'b' ? &cf->bounce_limits : &cf->complaint_limits);
	if (lv == REP_OK)
		return;
	rep_reason(what, events, c->rcpts, conf_reputation_days(cf), reason,
	    sizeof(reason));
	if (dom)
		snprintf(full, sizeof(full), "domain %s %s", primary, reason);
	else
		snprintf(full, sizeof(full), "%s", reason);
	if (lv == REP_SUSPEND && cf->reputation_action == REPACT_SUSPEND) {
		if ((r = rep_suspend(x->ctrs, primary, dom ? NULL : sender,
		    full, time(NULL))) != 1)
			return;		/* suspended already, or failed */
		log_warnx("reputation: %s %s suspended: %s", dom ? "domain" :
		    "sender", dom ? primary : sender, full);
		snprintf(subject, sizeof(subject), "Suspended: %s %s",
		    dom ? "domain" : "sender", dom ? primary : sender);
		snprintf(body, sizeof(body), "Mail from %s %s is suspended "
		    "by the relay: %s.\n\nThe relay will defer its messages "
		    "until an operator reinstates it (sendergatectl "
		    "reinstate).\n", dom ? "the domain" : "the sender",
		    dom ? primary : sender, full);
		notice(x, sender, subject, body);
		return;
	}
	/* the first threshold, or the second with reputation_action warn */
	if (rep_warn_mark(x->ctrs, cf, primary, dom ? NULL : sender, kind) != 1)
		return;
	log_warnx("reputation: warning for %s %s: %s", dom ? "domain" :
	    "sender", dom ? primary : sender, full);
	snprintf(subject, sizeof(subject), "Warning: %s rate of %s", what,
	    dom ? primary : sender);
	snprintf(body, sizeof(body), "The %s rate of %s %s reached a "
	    "threshold: %s.\n\nPlease check the list of recipients; at a "
	    "higher rate the relay suspends its mail.\n", what,
	    dom ? "the domain" : "the sender", dom ? primary : sender, full);
	notice(x, sender, subject, body);
}

/*
 * A learned bounce (kind 'b') or complaint ('c') of sender's, matched
 * against the record already: counted, and both windows judged.
 */
void
ctl_reputation_event(struct ctl_ctx *x, const char *sender, char kind)
{
	struct rep_counts	 s, d;
	const char		*primary = addr_domain(sender);

	if (x->conf->reputation_action == REPACT_OFF || primary == NULL)
		return;
	if (ctl_counters_open(x) == -1 || rep_event(x->ctrs, x->conf,
	    primary, sender, kind, time(NULL), &s, &d) == -1) {
		log_warnx("reputation: the %s of <%s> was not counted",
		    kind == 'b' ? "bounce" : "complaint", sender);
		return;
	}
	log_info("reputation: <%s> %ld recipients, %ld bounces, %ld "
	    "complaints; domain %s %ld, %ld, %ld", sender, s.rcpts, s.bounces,
	    s.complaints, primary, d.rcpts, d.bounces, d.complaints);
	judge(x, primary, sender, 0, kind, &s);
	judge(x, primary, sender, 1, kind, &d);
}

/* Resolve an operand: a sender (lower case), or a domain's primary. */
static int
operand(struct ctl_ctx *x, const char *arg, char *sender, size_t slen,
    char *primary, size_t plen)
{
	struct ctl_rec	*d = NULL;
	const char	*p;
	size_t		 i;

	sender[0] = '\0';
	if (strchr(arg, '@') != NULL) {
		snprintf(sender, slen, "%s", arg);
		for (i = 0; sender[i] != '\0'; i++)
			sender[i] = (char)tolower((unsigned char)sender[i]);
		snprintf(primary, plen, "%s", addr_domain(sender));
		return 0;
	}
	/* a domain: its sgDomainName or its primary domain */
	if (ctl_ldap_open(x) == 0 && ctl_find_domain(x, arg, &d) == 1 &&
	    (p = ctl_rec_first(d, "sgPrimaryDomain")) != NULL)
		snprintf(primary, plen, "%s", p);
	else
		snprintf(primary, plen, "%s", arg);
	ctl_rec_free(d);
	for (i = 0; primary[i] != '\0'; i++)
		primary[i] = (char)tolower((unsigned char)primary[i]);
	return 0;
}

/* A rate in per mille, "12.4%". */
static void
pct(long events, long rcpts, char *buf, size_t len)
{
	long long	 pm = rcpts > 0 ? ((long long)events * 10000 / rcpts +
			    5) / 10 : 0;

	snprintf(buf, len, "%lld.%lld%%", pm / 10, pm % 10);
}

/* The state word of a window. */
static const char *
state(const struct sg_conf *c, const struct rep_counts *r)
{
	if (r->suspended[0] != '\0')
		return "suspended";
	if (rep_judge(r->rcpts, r->bounces, c->reputation_min_recipients,
	    &c->bounce_limits) != REP_OK ||
	    rep_judge(r->rcpts, r->complaints, c->reputation_min_recipients,
	    &c->complaint_limits) != REP_OK)
		return "warning";
	return "ok";
}

/* Print one window. */
static void
print_one(struct ctl_ctx *x, int json, const char *kind, const char *name,
    const struct rep_counts *r, int first)
{
	char	 b[48], c[48], since[32], sus[32];
	struct tm tm;

	pct(r->bounces, r->rcpts, b, sizeof(b));
	pct(r->complaints, r->rcpts, c, sizeof(c));
	gmtime_r(&r->since, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	sus[0] = '\0';
	if (r->suspended[0] != '\0') {
		gmtime_r(&r->suspended_at, &tm);
		strftime(sus, sizeof(sus), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	if (!json) {
		fprintf(x->out, "%-6s %-40s rcpts %ld bounces %ld (%s) "
		    "complaints %ld (%s) since %s: %s%s%s%s%s\n", kind, name,
		    r->rcpts, r->bounces, b, r->complaints, c, since,
		    state(x->conf, r), sus[0] ? " since " : "", sus,
		    sus[0] ? ": " : "", r->suspended);
		return;
	}
	fprintf(x->out, "%s{\"%s\":", first ? "" : ",", kind);
	ctl_json_str(x->out, name);
	fprintf(x->out, ",\"recipients\":%ld,\"bounces\":%ld,\"complaints\":"
	    "%ld,\"bounce_rate\":\"%s\",\"complaint_rate\":\"%s\","
	    "\"since\":\"%s\",\"state\":\"%s\"", r->rcpts, r->bounces,
	    r->complaints, b, c, since, state(x->conf, r));
	if (sus[0] != '\0') {
		fprintf(x->out, ",\"suspended_since\":\"%s\",\"reason\":", sus);
		ctl_json_str(x->out, r->suspended);
	}
	fputc('}', x->out);
}

/* reputation [DOMAIN|SENDER] [--json] */
int
ctl_cmd_reputation(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	struct ctl_rec		**doms = NULL, **snds = NULL;
	struct rep_counts	 s, d;
	char			 sender[SG_ADDR_MAX + 1], primary[256];
	const char		*p, *m;
	size_t			 nd = 0, ns = 0, i, j;
	int			 first = 1, ret = CTL_OK;

	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	if (a->json)
		fputc('[', x->out);
	if (n == 1) {
		operand(x, v[0], sender, sizeof(sender), primary,
		    sizeof(primary));
		if (rep_event(x->ctrs, x->conf, primary, sender, 0, time(NULL),
		    &s, &d) == -1)
			ret = CTL_BACKEND;
		else {
			print_one(x, a->json, "domain", primary, &d, 1);
			if (sender[0] != '\0')
				print_one(x, a->json, "sender", sender, &s, 0);
		}
		goto done;
	}
	/* all: each domain, then its senders */
	if (ctl_ldap_open(x) == -1 || ctl_search(x, x->conf->ldap_base, 2,
	    "(objectClass=sgDomain)", &doms, &nd) == -1) {
		ret = CTL_BACKEND;
		goto done;
	}
	for (i = 0; i < nd && ret == CTL_OK; i++) {
		if ((p = ctl_rec_first(doms[i], "sgPrimaryDomain")) == NULL)
			continue;
		snprintf(primary, sizeof(primary), "%s", p);
		if (rep_event(x->ctrs, x->conf, primary, "", 0, time(NULL), &s,
		    &d) == -1) {
			ret = CTL_BACKEND;
			break;
		}
		print_one(x, a->json, "domain", primary, &d, first);
		first = 0;
		if (ctl_domain_senders(x, doms[i]->dn, &snds, &ns) == -1) {
			ret = CTL_BACKEND;
			break;
		}
		for (j = 0; j < ns; j++) {
			if ((m = ctl_rec_first(snds[j], "mail")) == NULL)
				continue;
			operand(x, m, sender, sizeof(sender), primary,
			    sizeof(primary));
			if (rep_event(x->ctrs, x->conf, primary, sender, 0,
			    time(NULL), &s, &d) == -1) {
				ret = CTL_BACKEND;
				break;
			}
			print_one(x, a->json, "sender", sender, &s, 0);
		}
		ctl_recs_free(snds, ns);
		snds = NULL;
	}
	ctl_recs_free(doms, nd);
done:
	if (a->json)
		fputs("]\n", x->out);
	return ret;
}

/* Who runs the command, for the log. */
static const char *
who(void)
{
	const char	*u = getenv("SUDO_USER");
	struct passwd	*pw;

	if (u != NULL && *u != '\0')
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "unknown";
}

/* reinstate SENDER|DOMAIN --reason TEXT */
int
ctl_cmd_reinstate(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	char		 sender[SG_ADDR_MAX + 1], primary[256];
	const char	*reason = ctl_edit_value(a, O_REASON);
	int		 was;

	(void)n;
	if (reason == NULL || *reason == '\0')
		return ctl_usage_error("reinstate", "--reason TEXT is "
		    "required");
	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	operand(x, v[0], sender, sizeof(sender), primary, sizeof(primary));
	log_open("sendergatectl", x->conf->syslog_facility, 1,
	    a->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (rep_reinstate(x->ctrs, x->conf, primary, sender[0] ? sender :
	    NULL, time(NULL), &was) == -1) {
		fprintf(stderr, "sendergatectl: reinstate %s: Redis failed\n",
		    v[0]);
		return CTL_BACKEND;
	}
	log_info("reinstate %s %s by %s: %s%s", sender[0] ? "sender" :
	    "domain", sender[0] ? sender : primary, who(), reason,
	    was ? "" : " (it was not suspended; its window starts anew)");
	fprintf(x->out, "%s %s reinstated%s; a fresh reputation window "
	    "starts now\n", sender[0] ? "sender" : "domain",
	    sender[0] ? sender : primary, was ? "" : " (it was not suspended)");
	return CTL_OK;
}
