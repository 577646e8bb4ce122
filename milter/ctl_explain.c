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

#include "addr.h"
#include "counter.h"
#include "ctl.h"
#include "policy.h"

/* "smtp, campaign" for a method mask; "user, ip" for an auth mask. */
static const char *
mask_words(int mask, const char *w1, const char *w2, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s", (mask & 1) ? w1 : "",
	    (mask & 3) == 3 ? ", " : "", (mask & 2) ? w2 : "");
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
	return buf;
}

/* "-" or the limit. */
static const char *
limit_str(long l, char *buf, size_t len)
{
	if (l == LIMIT_NONE)
		return "none";
	snprintf(buf, len, "%ld", l);
	return buf;
}

/* Word of a status. */
static const char *
status_word(int s)
{
	return s == STATUS_DISABLED ? "disabled" : s == STATUS_SUSPENDED ?
	    "suspended" : "active";
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
		    policy_action_name(d->action), d->rule,
		    d->action == POL_ACCEPT ? "the message is accepted "
		    "without further checks" : "MAIL FROM passes");
		return CTL_OK;
	}
	fprintf(fp, "reply: %s %s %s\n", d->code, d->xcode, d->text);
	fprintf(fp, "answer: %s (rule %s): %s %s %s\n",
	    policy_action_name(d->action), d->rule, d->code, d->xcode,
	    d->text);
	return CTL_NOTFOUND;
}

/* Print the facts of a found entry. */
static void
facts(FILE *fp, const struct sg_entry *e, const struct pol_limits *l)
{
	char	 b1[64], b2[64], b3[32];
	size_t	 i;

	fprintf(fp, "domain: %s (primary %s), status %s%s%s%s, limit %s\n",
	    e->dom.dn, e->dom.primary, status_word(e->dom.status),
	    e->dom.reason ? " (\"" : "", e->dom.reason ? e->dom.reason : "",
	    e->dom.reason ? "\")" : "", limit_str(l->domain, b1, sizeof(b1)));
	fprintf(fp, "sender: %s, status %s%s%s%s, access %s, auth %s, "
	    "limit %s\n", e->snd.dn, status_word(e->snd.status),
	    e->snd.reason ? " (\"" : "", e->snd.reason ? e->snd.reason : "",
	    e->snd.reason ? "\")" : "",
	    mask_words(e->snd.methods, "smtp", "campaign", b1, sizeof(b1)),
	    mask_words(e->snd.auth, "user", "ip", b2, sizeof(b2)),
	    limit_str(l->sender, b3, sizeof(b3)));
	fprintf(fp, "auth ids:");
	for (i = 0; i < e->snd.nauthids; i++)
		fprintf(fp, " %s", e->snd.authids[i]);
	fprintf(fp, "%s\nnetworks: %zu of the sender, %zu of the domain\n",
	    e->snd.nauthids ? "" : " none", e->snd.nnets, e->dom.nnets);
}

/* Explain MAIL FROM. */
int
ctl_explain(const struct sg_conf *conf, const struct ctl_explain_args *a,
    FILE *fp)
{
	struct sg_conf		 qc = *conf;	/* shallow: nothing freed */
	struct directory	*dir = NULL;
	struct dir_answer	 ans = { DIR_FAILED, NULL, 0 };
	struct pol_session	 sess;
	struct pol_limits	 lim;
	struct decision		 d;
	enum addr_result	 r;
	char			 addr[SG_ADDR_MAX + 1], err[512], ipbuf[64];
	const char		*domain = NULL;
	long			 sc = 0, dc = 0;
	int			 ok, ret, backend;

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
	    "(method %s)\n", a->from, a->auth && a->auth[0] ? a->auth : "-",
	    sess.client.family ? ip_format(&sess.client, ipbuf,
	    sizeof(ipbuf)) : "unknown", a->listener ? a->listener : "-",
	    conf_method_name(sess.method));

	/* rules 1, 2 */
	r = addr_parse_envelope(a->from, addr, sizeof(addr), &domain);
	policy_envelope(conf, r, &d);
	if (d.action != POL_CONTINUE)
		return answer(fp, &d);

	/* rules 3 to 9: live LDAP, no cache */
	qc.ldap_mode = LDAP_MODE_QUERY;
	qc.cache_ttl = qc.negative_cache_ttl = qc.cache_max_stale = 0;
	if ((dir = dir_open(&qc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sendergatectl: directory: %s\n", err);
		ans.kind = DIR_FAILED;
	} else
		dir_lookup(dir, addr, domain, &ans);
	switch (ans.kind) {
	case DIR_SENDER:
		break;
	case DIR_NO_DOMAIN:
		fprintf(fp, "directory: no sgDomain has sgPrimaryDomain %s\n",
		    domain);
		break;
	case DIR_NO_SENDER:
		fprintf(fp, "directory: the domain of %s has no sender "
		    "<%s>\n", domain, addr);
		break;
	default:
		fprintf(fp, "directory: failed (unreachable, or a malformed "
		    "or conflicting entry: see the messages above)\n");
		break;
	}
	backend = ans.kind == DIR_FAILED;
	policy_sender(conf, addr, domain, &ans, &sess, &d);
	if (ans.kind == DIR_SENDER) {
		policy_limits(conf, ans.entry, &lim);
		facts(fp, ans.entry, &lim);
	}
	if (d.action != POL_CONTINUE) {
		ret = answer(fp, &d);
		goto out;
	}

	/* rules 10, 11: this month's counters, read only */
	ok = ctr_read(ans.entry->dom.primary, addr, time(NULL), &sc, &dc);
	if (ok == 0)
		fprintf(fp, "counters: sender %ld, domain %ld this month\n",
		    sc, dc);
	else {
		fprintf(fp, "counters: unavailable\n");
		backend = 1;
	}
	policy_quota(conf, addr, ok, sc, dc, &lim, &d);
	ret = answer(fp, &d);
out:
	dir_answer_release(&ans);
	dir_close(dir);
	return backend ? CTL_BACKEND : ret;	/* a backend failed: exit 4 */
}
