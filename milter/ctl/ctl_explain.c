/*
 * ctl_explain.c - what the milter would answer at MAIL FROM right now,
 * and why: the same facts (directory answer, counters) fed to the same
 * policy functions as milter.c's cb_envfrom, with nothing changed.
 *
 * The directory is opened in query mode with the caches off, so the
 * answer is today's LDAP, not a copy.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "daemon/mailfrom.h"
#include "lib/rate.h"

/* "none" or the limit. */
static const char *
limit_str(long l, char *buf, size_t len)
{
	if (l == LIMIT_NONE)
		return "none";
	snprintf(buf, len, "%ld", l);
	return buf;
}

/*
 * The decision as the MTA would see it: "reply:" in the words mtclient
 * prints (continue, accept, or the codes and text), then "answer:".
 */
static int
answer(FILE *fp, const struct decision *d)
{
	if (d->action == POL_ACCEPT || d->action == POL_CONTINUE) {
		fprintf(fp, "reply: %s\n", d->action == POL_ACCEPT ?
		    "accept" : "continue");
		fprintf(fp, "answer: %s (rule %s): %s\n",
		    policy_action_name(d->action), policy_rule_name(d->rule),
		    d->action == POL_ACCEPT ? "the message is accepted "
		    "without further checks" : "MAIL FROM passes");
		return CTL_OK;
	}
	fprintf(fp, "reply: %s %s %s\n", d->code, d->xcode, d->text);
	fprintf(fp, "answer: %s (rule %s): %s %s %s\n",
	    policy_action_name(d->action), policy_rule_name(d->rule),
	    d->code, d->xcode, d->text);
	return CTL_NOTFOUND;
}

/* Print the facts of a found entry. */
static void
facts(FILE *fp, const struct sg_conf *c, const struct sg_entry *e,
    const struct pol_limits *l)
{
	char	 b1[64], b2[64], b3[32], shown[SG_LOGIN_SHOW_MAX];
	size_t	 i;

	fprintf(fp, "domain: %s (primary %s), status %s%s%s%s, limit %s\n",
	    e->dom.dn, e->dom.primary, dv_status_name(e->dom.status),
	    e->dom.reason ? " (\"" : "", e->dom.reason ? e->dom.reason : "",
	    e->dom.reason ? "\")" : "", limit_str(l->domain, b1, sizeof(b1)));
	fprintf(fp, "sender: %s, status %s%s%s%s, access %s, auth %s, "
	    "limit %s\n", e->snd.dn, dv_status_name(e->snd.status),
	    e->snd.reason ? " (\"" : "", e->snd.reason ? e->snd.reason : "",
	    e->snd.reason ? "\")" : "",
	    dv_methods_words(e->snd.methods, b1, sizeof(b1)),
	    dv_auths_words(e->snd.auth, b2, sizeof(b2)),
	    limit_str(l->sender, b3, sizeof(b3)));
	fprintf(fp, "auth ids:");
	for (i = 0; i < e->snd.nauthids; i++)
		fprintf(fp, " %s", dv_login_show(e->snd.authids[i], shown,
		    sizeof(shown)));
	fprintf(fp, "%s\nnetworks: %zu of the sender, %zu of the domain\n",
	    e->snd.nauthids ? "" : " none", e->snd.nnets, e->dom.nnets);
	fprintf(fp, "reply-to: %s%s%s%s\n", e->snd.replyto ? "<" : "",
	    e->snd.replyto ? e->snd.replyto : "", e->snd.replyto ? "> " : "",
	    policy_replyto_why(policy_replyto(c, &e->snd, -1)));
}

/*
 * Print one side's sending rates (whose: "sender", "default_send_rate",
 * "domain") and, when the counters were read (used not NULL), how full
 * each window is.
 */
static void
rates_of(FILE *fp, const char *whose, const struct sg_rate *r, size_t n,
    const long *used, int *first)
{
	char	 b[32];
	size_t	 i;

	for (i = 0; i < n; i++) {
		fprintf(fp, "%s%s %s", *first ? "" : ", ", whose,
		    rate_str(&r[i], b, sizeof(b)));
		if (used != NULL)
			fprintf(fp, " (%ld of %ld used%s)", used[i], r[i].n,
			    rate_full(&r[i], used[i], 1) ? ", full" : "");
		*first = 0;
	}
}

/*
 * The sending rates that apply (rules 10r, 14): the sender's sgSendRate,
 * else default_send_rate; and the domain's, for its senders together.
 */
static void
rates(FILE *fp, const struct sg_entry *e, const struct pol_limits *l,
    const struct ctr_more *m)
{
	int	 first = 1;

	fprintf(fp, "rates: ");
	rates_of(fp, e->snd.nrates > 0 ? "sender" : "default_send_rate",
	    l->srates, l->nsrates, m != NULL ? m->sused : NULL, &first);
	rates_of(fp, "domain", l->drates, l->ndrates, m != NULL ? m->dused :
	    NULL, &first);
	fprintf(fp, "%s%s\n", first ? "none" : "", m == NULL && !first ?
	    " (windows not read)" : "");
}

/* Explain MAIL FROM. */
int
ctl_explain(const struct sg_conf *conf, struct counters *ctrs,
    const struct ctl_explain_args *a,
    FILE *fp)
{
	struct sg_conf		 qc = *conf;	/* shallow: nothing freed */
	struct directory	*dir = NULL;
	struct pol_session	 sess;
	struct mailfrom		 mf;
	struct decision		 d;
	char			 err[512], ipbuf[64];
	char			 shown[SG_LOGIN_SHOW_MAX];
	int			 ret, backend;

	memset(&sess, 0, sizeof(sess));
	sess.auth = a->auth;
	sess.method = a->listener != NULL && a->listener[0] != '\0' ?
	    conf_listener_method(conf, a->listener) :
	    conf->default_access_method;
	if (a->client != NULL && ip_parse(a->client, &sess.client) == -1) {
		fprintf(stderr, "sendergatectl: --client %s: not an IP "
		    "address\n", a->client);
		return CTL_USAGE;
	}
	fprintf(fp, "session: from <%s> auth %s client %s listener %s "
	    "(method %s)\n", a->from, a->auth && a->auth[0] ?
	    dv_login_show(a->auth, shown, sizeof(shown)) : "-",
	    sess.client.family ? ip_format(&sess.client, ipbuf,
	    sizeof(ipbuf)) : "unknown", a->listener ? a->listener : "-",
	    conf_method_name(sess.method));

	/* live LDAP, no cache; a directory that cannot open fails (rule 3) */
	qc.ldap_mode = LDAP_MODE_QUERY;
	qc.cache_ttl = qc.negative_cache_ttl = qc.cache_max_stale = 0;
	if ((dir = dir_open(&qc, err, sizeof(err))) == NULL)
		fprintf(stderr, "sendergatectl: directory: %s\n", err);

	/* the milter's own sequence, reading the counters every time */
	mailfrom_init(&mf);
	mailfrom_decide(conf, dir, ctrs, a->from, &sess, 1, &mf, &d);
	if (mf.r != ADDR_OK) {
		ret = answer(fp, &d);
		goto out;
	}
	switch (mf.ans.kind) {
	case DIR_SENDER:
		facts(fp, conf, mf.ans.entry, &mf.lim);
		break;
	case DIR_NO_DOMAIN:
		fprintf(fp, "directory: no sgDomain has sgPrimaryDomain %s\n",
		    mf.domain);
		break;
	case DIR_NO_SENDER:
		fprintf(fp, "directory: the domain of %s has no sender "
		    "<%s>\n", mf.domain, mf.addr);
		break;
	default:
		fprintf(fp, "directory: failed (unreachable, or a malformed "
		    "or conflicting entry: see the messages above)\n");
		break;
	}
	if (mf.read && mf.ctr_ok == 0)
		fprintf(fp, "counters: sender %ld, domain %ld this month\n",
		    mf.scount, mf.dcount);
	else if (mf.read)
		fprintf(fp, "counters: unavailable\n");
	if (mf.ans.kind == DIR_SENDER)
		rates(fp, mf.ans.entry, &mf.lim, mf.read && mf.ctr_ok == 0 ?
		    &mf.more : NULL);
	/* LDAP or Redis failed: the answer, and exit 4 */
	backend = mf.ans.kind == DIR_FAILED || (mf.read && mf.ctr_ok != 0);
	ret = answer(fp, &d);
	if (backend)
		ret = CTL_BACKEND;
out:
	mailfrom_release(&mf);
	dir_close(dir);
	return ret;
}
