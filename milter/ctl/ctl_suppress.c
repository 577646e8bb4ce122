/*
 * ctl_suppress.c - sendergatectl suppress: the suppression lists
 * (suppress.c) by hand - add, remove, list, show - and learned from
 * bounces - learn, a delivery status notification on standard input
 * (dsn.c), as a Postfix pipe, believed only where it matches the record
 * of the messages the relay accepted (counter.h, bounce.c).
 *
 * learn never fails the pipe: whatever the input, it exits 0 and says
 * in the log (syslog, and standard error) what it did and why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/addr.h"
#include "lib/bounce.h"
#include "ctl/ctl.h"
#include "lib/dsn.h"
#include "lib/log.h"
#include "redis/suppress.h"

#define LEARN_MAX	(10 * 1024 * 1024)	/* octets of a DSN read */

/*
 * The recipient operand into out, in the form the milter looks up (the
 * one delivered to: "a@b.test." is a@b.test); 0, or CTL_USAGE.
 */
static int
recipient(const char *cmd, const char *arg, char *out, size_t len)
{
	const char	*dom;

	if (strpbrk(arg, " \t") != NULL ||
	    addr_parse_rcpt(arg, out, len, &dom) != ADDR_OK)
		return ctl_usage_error(cmd, "<%s>: not a valid address", arg);
	return 0;
}

/*
 * The list of --domain (a domain's name or primary domain) into
 * primary, or "" for the relay-wide list. CTL_OK, or an exit code.
 */
static int
which_list(struct ctl_ctx *x, const struct ctl_args *a, char *primary,
    size_t len)
{
	const char	*d = ctl_edit_value(a, O_DOMAIN);
	struct ctl_rec	*r = NULL;
	const char	*p;
	int		 rc;

	primary[0] = '\0';
	if (d == NULL || d[0] == '\0')
		return CTL_OK;
	if ((rc = ctl_find_domain(x, d, &r)) == -1)
		return CTL_BACKEND;
	if (rc == 0 || (p = ctl_rec_first(r, "sgPrimaryDomain")) == NULL) {
		fprintf(stderr, "sendergatectl: no domain %s\n", d);
		ctl_rec_free(r);
		return CTL_NOTFOUND;
	}
	snprintf(primary, len, "%s", p);
	for (; *primary != '\0'; primary++)
		if (*primary >= 'A' && *primary <= 'Z')
			*primary = (char)(*primary - 'A' + 'a');
	ctl_rec_free(r);
	return CTL_OK;
}

/* "the list of D" or "the relay-wide list". */
static const char *
list_name(const char *primary, char *buf, size_t len)
{
	if (primary[0] == '\0')
		return "the relay-wide list";
	snprintf(buf, len, "the list of %s", primary);
	return buf;
}

/* suppress add RECIPIENT [--domain D] [--reason T] */
int
ctl_cmd_suppress_add(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	char		 rcpt[SG_ADDR_MAX + 1], primary[256], b[300];
	const char	*reason = ctl_edit_value(a, O_REASON);
	int		 ret, rc;

	(void)n;
	if ((ret = recipient("suppress add", v[0], rcpt, sizeof(rcpt))) != 0 ||
	    (ret = which_list(x, a, primary, sizeof(primary))) != CTL_OK)
		return ret;
	if (x->dry_run) {
		printf("# dry run: would add <%s> to %s\n", rcpt,
		    list_name(primary, b, sizeof(b)));
		return CTL_OK;
	}
	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	rc = sup_add(x->ctrs, primary[0] ? primary : NULL, rcpt,
	    reason != NULL ? reason : "added by hand", "manual", time(NULL),
	    x->conf->suppression_ttl);
	if (rc == -1) {
		fprintf(stderr, "sendergatectl: redis failed\n");
		return CTL_BACKEND;
	}
	printf("%s <%s> on %s\n", rc == 1 ? "added" : "renewed", rcpt,
	    list_name(primary, b, sizeof(b)));
	return CTL_OK;
}

/* suppress remove RECIPIENT [--domain D] */
int
ctl_cmd_suppress_remove(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	char	 rcpt[SG_ADDR_MAX + 1], primary[256], b[300];
	int	 ret, rc;

	(void)n;
	if ((ret = recipient("suppress remove", v[0], rcpt, sizeof(rcpt))) !=
	    0 || (ret = which_list(x, a, primary, sizeof(primary))) != CTL_OK)
		return ret;
	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	if ((rc = sup_remove(x->ctrs, primary[0] ? primary : NULL, rcpt)) ==
	    -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: <%s> is not on %s\n", rcpt,
		    list_name(primary, b, sizeof(b)));
		return CTL_NOTFOUND;
	}
	printf("removed <%s> from %s\n", rcpt, list_name(primary, b,
	    sizeof(b)));
	return CTL_OK;
}

struct printer {
	int		 json;
	long		 n;
	const char	*only;		/* show: this recipient only */
};

/* Print one entry (a table row or a JSON object). */
static void
print_entry(const struct sup_entry *e, void *arg)
{
	struct printer	*p = arg;
	char		 when[48];
	time_t		 t = (time_t)e->added;
	struct tm	 tm;

	if (p->only != NULL && strcmp(e->rcpt, p->only) != 0)
		return;
	when[0] = '\0';
	if (t > 0 && gmtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (p->json) {
		printf("%s\n  {\"list\": ", p->n ? "," : "");
		ctl_json_str(stdout, e->primary[0] ? e->primary : "*");
		printf(", \"recipient\": ");
		ctl_json_str(stdout, e->rcpt);
		printf(", \"added\": ");
		ctl_json_str(stdout, when);
		printf(", \"source\": ");
		ctl_json_str(stdout, e->source);
		printf(", \"expires_in\": %lld, \"reason\": ", e->ttl);
		ctl_json_str(stdout, e->reason);
		printf("}");
	} else {
		if (p->n == 0)
			printf("%-24s %-32s %-20s %-7s %9s  %s\n", "LIST",
			    "RECIPIENT", "ADDED", "SOURCE", "EXPIRES", "REASON");
		if (e->ttl >= 0)
			snprintf(when + 24, sizeof(when) - 24, "%lldd",
			    (e->ttl + 86399) / 86400 % 100000);
		printf("%-24s %-32s %-20s %-7s %9s  %s\n",
		    e->primary[0] ? e->primary : "* (relay-wide)", e->rcpt,
		    when[0] ? when : "?", e->source, e->ttl >= 0 ? when + 24 :
		    "never", e->reason);
	}
	p->n++;
}

/* list or show. */
static int
print_lists(struct ctl_ctx *x, const struct ctl_args *a, const char *list,
    const char *only)
{
	struct printer	 p = { a->json, 0, only };

	if (ctl_counters_open(x) == -1)
		return CTL_BACKEND;
	if (a->json)
		printf("[");
	if (sup_list(x->ctrs, list, print_entry, &p) == -1) {
		fprintf(stderr, "sendergatectl: redis failed\n");
		return CTL_BACKEND;
	}
	if (a->json)
		printf("\n]\n");
	return only != NULL && p.n == 0 ? CTL_NOTFOUND : CTL_OK;
}

/* suppress list [--domain D] [--json] */
int
ctl_cmd_suppress_list(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	char	 primary[256];
	int	 ret;

	(void)v;
	(void)n;
	if ((ret = which_list(x, a, primary, sizeof(primary))) != CTL_OK)
		return ret;
	return print_lists(x, a, primary[0] ? primary : "*", NULL);
}

/* suppress show RECIPIENT [--json]: every list it is on. */
int
ctl_cmd_suppress_show(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	char	 rcpt[SG_ADDR_MAX + 1], primary[256];
	int	 ret;

	(void)n;
	if ((ret = recipient("suppress show", v[0], rcpt, sizeof(rcpt))) != 0 ||
	    (ret = which_list(x, a, primary, sizeof(primary))) != CTL_OK)
		return ret;
	ret = print_lists(x, a, primary[0] ? primary : "*", rcpt);
	if (ret == CTL_NOTFOUND)
		fprintf(stderr, "sendergatectl: <%s> is on no suppression "
		    "list\n", rcpt);
	return ret;
}

/*
 * Read all of standard input (at most LEARN_MAX octets, the rest read
 * and dropped so that the pipe is not broken), NUL-terminated; NULL
 * when none. The caller frees it.
 */
char *
ctl_read_stdin(size_t *len)
{
	char	*buf = NULL, *nb;
	size_t	 cap = 0, n;

	*len = 0;
	for (;;) {
		if (*len == cap) {
			if (cap >= LEARN_MAX)
				break;
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				break;
			buf = nb;
		}
		if ((n = fread(buf + *len, 1, cap - *len, stdin)) == 0)
			break;
		*len += n;
	}
	if (buf != NULL)
		buf[*len] = '\0';
	/* the rest, unread, so that the pipe is not broken */
	while (getchar() != EOF)
		;
	return buf;
}

/* What learn knows of one delivery-status part's message. */
struct part_record {
	int			 state;		/* 0 unread, 1 read, -1 failed */
	char			 sender[SG_ADDR_MAX + 1];	/* lower case */
	struct ctr_entries	 e;
};

/*
 * The record of part pi's message (read once for all its recipients):
 * its sender in lower case, the domain's list, by the DSN's Message-ID
 * or the part's queue id. 0, or -1 when the counters failed (logged).
 */
static int
part_record(struct ctl_ctx *x, const struct dsn *d, const char *msgid_hash,
    size_t pi, struct part_record *pr)
{
	char	*p;

	if (pr->state != 0)
		return pr->state == 1 ? 0 : -1;
	pr->state = -1;
	snprintf(pr->sender, sizeof(pr->sender), "%s", d->parts[pi].sender);
	for (p = pr->sender; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (ctl_counters_open(x) == -1) {
		log_warnx("suppress learn: counters: cannot open");
		return -1;
	}
	if (ctr_record_read(x->ctrs, addr_domain(pr->sender), pr->sender,
	    msgid_hash, d->parts[pi].qid, &pr->e) == -1) {
		log_warnx("suppress learn: counters: the record of <%s>'s "
		    "message cannot be read", pr->sender);
		return -1;
	}
	pr->state = 1;
	return 0;
}

/*
 * suppress learn < DSN: exit 0 whatever comes. A failed recipient goes
 * on a list only when the record of accepted messages (counter.h) shows
 * the relay accepted, within bounce_window, a message from the part's
 * sender, under the DSN's Message-ID or the part's queue id, to that
 * very recipient (the Final-Recipient). Anything else is logged and
 * ignored: a DSN is a claim, and anyone may write one.
 */
int
ctl_cmd_suppress_learn(struct ctl_ctx *x, const struct ctl_args *a,
    char **v, int n)
{
	struct dsn		 d;
	struct part_record	 pr[DSN_PARTS_MAX];
	const struct dsn_rcpt	*r;
	char			*msg, why[256], reason[400];
	char			 mhash[SG_MSGID_HASH_LEN];
	const char		*primary, *no;
	size_t			 len, i, learned = 0;

	(void)v;
	(void)n;
	log_open("sendergatectl", x->conf->syslog_facility, 1,
	    a->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if ((msg = ctl_read_stdin(&len)) == NULL) {
		log_warnx("suppress learn: nothing read: ignored");
		return CTL_OK;
	}
	if (dsn_parse(msg, len, &d, why, sizeof(why)) == -1) {
		log_info("suppress learn: not a delivery status notification "
		    "(%s): ignored", why);
		free(msg);
		return CTL_OK;
	}
	free(msg);
	if (ctr_msgid_hash(d.msgid, mhash) == -1)
		mhash[0] = '\0';
	memset(pr, 0, sizeof(pr));
	for (i = 0; i < d.nrcpts; i++) {
		r = &d.rcpts[i];
		if (!r->learn) {
			log_info("suppress learn: <%s> status %s from <%s>: "
			    "not suppressed: %s", r->addr, r->status[0] ?
			    r->status : "none", d.parts[r->part].sender, r->why);
			continue;
		}
		if (d.parts[r->part].sender[0] == '\0' ||
		    addr_domain(d.parts[r->part].sender) == NULL) {
			log_info("suppress learn: <%s> status %s: the bounced "
			    "message's sender is unknown: ignored", r->addr,
			    r->status);
			continue;
		}
		if (part_record(x, &d, mhash, r->part, &pr[r->part]) == -1) {
			log_warnx("suppress learn: <%s>: not suppressed",
			    r->addr);
			continue;
		}
		if (x->conf->bounce_window == 0)
			no = "bounce_window = 0: no message is recorded";
		else if (bounce_match((const char *const *)pr[r->part].e.v,
		    pr[r->part].e.len, pr[r->part].e.n, time(NULL),
		    x->conf->bounce_window, r->addr, &no) == 1)
			no = NULL;
		if (no != NULL) {
			log_info("suppress learn: <%s> status %s from <%s> "
			    "(queue id %s, Message-ID %s): ignored: %s", r->addr,
			    r->status, pr[r->part].sender,
			    d.parts[r->part].qid[0] ? d.parts[r->part].qid :
			    "none", d.msgid[0] ? d.msgid : "none", no);
			continue;
		}
		primary = addr_domain(pr[r->part].sender);
		snprintf(reason, sizeof(reason), "bounced %s for mail from "
		    "<%s>", r->status, pr[r->part].sender);
		if (sup_add(x->ctrs, primary, r->addr, reason, "dsn",
		    time(NULL), x->conf->suppression_ttl) == -1) {
			log_warnx("suppress learn: <%s>: redis failed: not "
			    "suppressed", r->addr);
			continue;
		}
		log_info("suppress learn: <%s> on the list of %s: %s",
		    r->addr, primary, reason);
		learned++;
		/* an authenticated hard bounce: the sender's bounce rate */
		ctl_reputation_event(x, pr[r->part].sender, 'b');
	}
	log_debug("suppress learn: %zu of %zu recipients suppressed",
	    learned, d.nrcpts);
	for (i = 0; i < DSN_PARTS_MAX; i++)
		ctr_entries_free(&pr[i].e);
	dsn_free(&d);
	return CTL_OK;
}
