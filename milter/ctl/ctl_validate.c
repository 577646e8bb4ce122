/*
 * ctl_validate.c - the validation phase of sendergatectl.
 *
 * A pure function of the final state of an entry and the facts gathered
 * around it (its domain, domains claiming the same primary domain, the
 * holders of its login names, the domain's senders): every problem is
 * reported, so the operator sees them all at once, and the execution
 * phase runs only when there is none. Values are checked with the
 * daemon's own parsers (addr_parse_envelope, cidr_parse), so an entry
 * the tool writes is one the milter reads.
 *
 * Three groups of checks:
 *   completeness  what a working sender needs (when facts->complete)
 *   association   the address's domain is the domain's sgPrimaryDomain
 *   compliance    syntax, known words, limits, uniqueness
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "lib/cidr.h"
#include "lib/rate.h"
#include "ctl/ctl.h"

#define VALUE_MAX	1024		/* as the directory reads values */

/* Add a problem. */
void
ctl_problem(struct ctl_problems *p, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[1024], **m;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((m = reallocarray(p->msg, p->n + 1, sizeof(*m))) == NULL)
		return;
	p->msg = m;
	if ((p->msg[p->n] = strdup(buf)) != NULL)
		p->n++;
}

/* Free the list. */
void
ctl_problems_free(struct ctl_problems *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		free(p->msg[i]);
	free(p->msg);
	p->msg = NULL;
	p->n = 0;
}

/* yes/no words of the command line as LDAP booleans. */
const char *
ctl_bool_word(const char *s)
{
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0)
		return "TRUE";
	if (strcasecmp(s, "no") == 0 || strcasecmp(s, "false") == 0)
		return "FALSE";
	return NULL;
}

/* A limit as the directory reads it (dv_limit); -1 if bad. */
static long
parse_limit(const char *s)
{
	long	 v;

	return dv_limit(s, &v) == 0 ? v : -1;
}

/* 1 if the attribute holds word (without case). */
static int
has_word(const struct ctl_rec *r, const char *name, const char *word)
{
	const struct ctl_attr	*a = ctl_rec_get(r, name);
	size_t			 i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (strcasecmp(a->v[i], word) == 0)
			return 1;
	return 0;
}

/* Every value: bounded, no control characters. */
static void
check_values(const struct ctl_rec *r, const char *who,
    struct ctl_problems *p)
{
	size_t	 i, j;
	const char *s;

	for (i = 0; i < r->n; i++)
		for (j = 0; j < r->a[i].n; j++) {
			s = r->a[i].v[j];
			if (strlen(s) > VALUE_MAX)
				ctl_problem(p, "%s: %s: value longer than %d "
				    "octets", who, r->a[i].name, VALUE_MAX);
			for (; *s != '\0'; s++)
				if ((unsigned char)*s < 0x20 || *s == 0x7f) {
					ctl_problem(p, "%s: %s: control "
					    "character in a value", who,
					    r->a[i].name);
					break;
				}
		}
}

/* Every value of a word attribute must be read by word() (dirval.c). */
static void
check_words(const struct ctl_rec *r, const char *who, const char *name,
    const char *opt, int (*word)(const char *, int *), const char *expect,
    struct ctl_problems *p)
{
	const struct ctl_attr	*a = ctl_rec_get(r, name);
	size_t			 i;
	int			 v;

	for (i = 0; a != NULL && i < a->n; i++)
		if (word(a->v[i], &v) == -1)
			ctl_problem(p, "%s: %s (%s): unknown word \"%s\" "
			    "(expected %s)", who, name, opt, a->v[i], expect);
}

/* sgAuthId values: logins as dv_login reads them. */
static void
check_logins(const struct ctl_rec *r, const char *who,
    struct ctl_problems *p)
{
	const struct ctl_attr	*a = ctl_rec_get(r, "sgAuthId");
	size_t			 i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (dv_login(a->v[i]) == -1)
			ctl_problem(p, "%s: sgAuthId (--auth-id): \"%s\" is "
			    "not a valid login (1 to %d octets, no blank nor "
			    "control character)", who, a->v[i], SG_LOGIN_MAX);
}

/* Each value of name must be an address. */
static void
check_addrs(const struct ctl_rec *r, const char *who, const char *name,
    const char *opt, struct ctl_problems *p)
{
	const struct ctl_attr	*a = ctl_rec_get(r, name);
	char			 norm[SG_ADDR_MAX + 1];
	const char		*dom;
	size_t			 i;

	/* (blanks: the parser would take the rest for ESMTP parameters) */
	for (i = 0; a != NULL && i < a->n; i++)
		if (strpbrk(a->v[i], " \t") != NULL ||
		    addr_parse_envelope(a->v[i], norm, sizeof(norm), &dom) !=
		    ADDR_OK)
			ctl_problem(p, "%s: %s (%s): \"%s\" is not a valid "
			    "address", who, name, opt, a->v[i]);
}

/* Each sgAllowedNetwork must parse. */
static void
check_nets(const struct ctl_rec *r, const char *who, struct ctl_problems *p)
{
	const struct ctl_attr	*a = ctl_rec_get(r, "sgAllowedNetwork");
	struct sg_cidr		 net;
	size_t			 i;

	for (i = 0; a != NULL && i < a->n; i++)
		if (cidr_parse(a->v[i], &net) == -1)
			ctl_problem(p, "%s: sgAllowedNetwork (--network): "
			    "\"%s\" is not a valid network (CIDR)", who,
			    a->v[i]);
}

/*
 * sgSendRate (--send-rate): each value a rate the milter reads (lib/rate.h,
 * as dir_ldap.c does), at most SG_RATES_MAX, one per window length (the
 * window's key in Redis is named by its length).
 */
static void
check_rates(const struct ctl_rec *r, const char *who,
    struct ctl_problems *p)
{
	const struct ctl_attr	*a = ctl_rec_get(r, "sgSendRate");
	struct sg_rate		 rt[SG_RATES_MAX + 1];
	char			 b[32];
	size_t			 i, j, n = 0;

	if (a == NULL)
		return;
	if (a->n > SG_RATES_MAX)
		ctl_problem(p, "%s: sgSendRate (--send-rate) takes at most %d "
		    "values, not %zu", who, SG_RATES_MAX, a->n);
	for (i = 0; i < a->n; i++) {
		if (rate_parse(a->v[i], &rt[n]) == -1) {
			ctl_problem(p, "%s: sgSendRate (--send-rate): \"%s\" is "
			    "not a rate N/T (N 1 to %d; T a number and m, h or "
			    "d, 1m to 31d)", who, a->v[i], SG_RATE_N_MAX);
			continue;
		}
		for (j = 0; j < n; j++)
			if (rt[j].secs == rt[n].secs)
				break;
		if (j < n)
			ctl_problem(p, "%s: sgSendRate (--send-rate): two rates "
			    "over %s (%s and %s): one per window length", who,
			    rt[n].tstr, rate_str(&rt[j], b, sizeof(b)),
			    a->v[i]);
		else if (n < SG_RATES_MAX)
			n++;
	}
}

/* sgStatus and sgMonthlyLimit: single and well-formed. */
static void
check_common(const struct ctl_rec *r, const char *who,
    struct ctl_problems *p)
{
	const char	*single[] = { "sgStatus", "sgMonthlyLimit",
			    "sgStatusReason", "description", NULL };
	const char	*lim;
	size_t		 i;

	for (i = 0; single[i] != NULL; i++)
		if (ctl_rec_count(r, single[i]) > 1)
			ctl_problem(p, "%s: %s takes one value, not %zu", who,
			    single[i], ctl_rec_count(r, single[i]));
	check_words(r, who, "sgStatus", "--status", dv_status,
	    "active, suspended or disabled", p);
	if ((lim = ctl_rec_first(r, "sgMonthlyLimit")) != NULL &&
	    parse_limit(lim) < 0)
		ctl_problem(p, "%s: sgMonthlyLimit (--limit): \"%s\" is not a "
		    "non-negative number", who, lim);
	check_nets(r, who, p);
	check_rates(r, who, p);
	check_values(r, who, p);
}

/* The final state of a sender. */
size_t
ctl_validate_sender(const struct ctl_rec *s, const struct ctl_facts *f,
    struct ctl_problems *p)
{
	const char	*single[] = { "mail", "cn", "sgArchive", "sgReplyTo",
			    NULL };
	const struct ctl_rec *d = f->domain;
	const char	*mail = ctl_rec_first(s, "mail"), *dom = NULL;
	const char	*lim, *dlim, *arch;
	char		 who[SG_ADDR_MAX + 16], norm[SG_ADDR_MAX + 1];
	size_t		 before = p->n, i, j;
	long		 sl, dl;
	int		 on;

	snprintf(who, sizeof(who), "sender <%s>", mail ? mail : "?");

	/* completeness */
	if (mail == NULL)
		ctl_problem(p, "%s: no address (mail)", who);
	if (f->complete) {
		if (ctl_rec_first(s, "cn") == NULL)
			ctl_problem(p, "%s: no name (--name, cn)", who);
		if (ctl_rec_count(s, "sgAccessMethod") == 0)
			ctl_problem(p, "%s: no access method (--access "
			    "smtp|campaign, sgAccessMethod)", who);
		if (ctl_rec_count(s, "sgAuthMethod") == 0)
			ctl_problem(p, "%s: no authentication method (--auth "
			    "user|ip, sgAuthMethod)", who);
		if (ctl_rec_first(s, "sgMonthlyLimit") == NULL)
			ctl_problem(p, "%s: no monthly limit (--limit, "
			    "sgMonthlyLimit)", who);
	}
	if (has_word(s, "sgAuthMethod", "user") &&
	    ctl_rec_count(s, "sgAuthId") == 0)
		ctl_problem(p, "%s: authentication method user needs an "
		    "auth id (--auth-id, sgAuthId)", who);
	if (has_word(s, "sgAuthMethod", "ip") &&
	    ctl_rec_count(s, "sgAllowedNetwork") == 0 &&
	    ctl_rec_count(d, "sgAllowedNetwork") == 0)
		ctl_problem(p, "%s: authentication method ip needs a network "
		    "on the sender (--network) or its domain", who);

	/* association */
	if (mail != NULL) {
		if (strpbrk(mail, " \t") != NULL ||
		    addr_parse_envelope(mail, norm, sizeof(norm), &dom) !=
		    ADDR_OK) {
			ctl_problem(p, "%s: not a valid address", who);
			dom = NULL;
		} else if (strcmp(norm, mail) != 0)
			ctl_problem(p, "%s: address not in normal form (%s)",
			    who, norm);
	}
	if (dom != NULL && d == NULL)
		ctl_problem(p, "%s: no domain has sgPrimaryDomain %s (add it "
		    "first: domain add)", who, dom);
	else if (dom != NULL && ctl_rec_first(d, "sgPrimaryDomain") != NULL &&
	    strcasecmp(dom, ctl_rec_first(d, "sgPrimaryDomain")) != 0)
		ctl_problem(p, "%s: the address is not in the domain's primary "
		    "domain %s", who, ctl_rec_first(d, "sgPrimaryDomain"));
	if (dom != NULL && d != NULL && s->dn != NULL && d->dn != NULL &&
	    strcasecmp(ctl_parent_dn(s->dn), d->dn) != 0)
		ctl_problem(p, "%s: the entry %s is not under its domain %s",
		    who, s->dn, d->dn);
	for (i = 0; i < f->ndup; i++)
		ctl_problem(p, "%s: primary domain %s is also claimed by %s "
		    "(the milter refuses both)", who, dom ? dom : "?",
		    f->dup_domains[i]);

	/* compliance */
	for (i = 0; single[i] != NULL; i++)
		if (ctl_rec_count(s, single[i]) > 1)
			ctl_problem(p, "%s: %s takes one value, not %zu", who,
			    single[i], ctl_rec_count(s, single[i]));
	check_words(s, who, "sgAccessMethod", "--access", dv_method,
	    "smtp or campaign", p);
	check_words(s, who, "sgAuthMethod", "--auth", dv_auth, "user or ip",
	    p);
	check_logins(s, who, p);
	check_addrs(s, who, "sgBccAddress", "--bcc", p);
	check_addrs(s, who, "sgReplyTo", "--reply-to", p);
	check_addrs(s, who, "sgNotifyAddress", "--notify", p);
	check_common(s, who, p);
	if ((arch = ctl_rec_first(s, "sgArchive")) != NULL) {
		if (dv_bool(arch, &on) == -1)
			ctl_problem(p, "%s: sgArchive (--archive): \"%s\" is "
			    "not TRUE or FALSE (yes or no)", who, arch);
		else if (on &&
		    ctl_rec_first(d, "sgArchiveAddress") == NULL &&
		    (f->conf == NULL || f->conf->archive_address == NULL ||
		    f->conf->archive_address[0] == '\0'))
			ctl_problem(p, "%s: --archive yes, but the domain has "
			    "no sgArchiveAddress and archive_address is not "
			    "set", who);
	}
	lim = ctl_rec_first(s, "sgMonthlyLimit");
	dlim = ctl_rec_first(d, "sgMonthlyLimit");
	if (lim != NULL && dlim != NULL && (sl = parse_limit(lim)) >= 0 &&
	    (dl = parse_limit(dlim)) >= 0 && sl > dl)
		ctl_problem(p, "%s: monthly limit %ld is above its domain's "
		    "%ld", who, sl, dl);
	for (i = 0; i < f->nowners; i++) {
		if (d != NULL && d->dn != NULL &&
		    strcasecmp(f->owners[i].domain_dn, d->dn) == 0)
			continue;
		if (s->dn != NULL && strcasecmp(f->owners[i].dn, s->dn) == 0)
			continue;
		for (j = 0; j < ctl_rec_count(s, "sgAuthId"); j++)
			if (dv_login_eq(ctl_rec_get(s, "sgAuthId")->v[j],
			    f->owners[i].authid))
				break;
		if (j == ctl_rec_count(s, "sgAuthId"))
			continue;
		ctl_problem(p, "%s: auth id %s is already bound to %s of "
		    "another domain", who, f->owners[i].authid,
		    f->owners[i].dn);
	}
	return p->n - before;
}

/* The final state of a domain. */
size_t
ctl_validate_domain(const struct ctl_rec *d, const struct ctl_facts *f,
    struct ctl_problems *p)
{
	const char	*single[] = { "sgDomainName", "sgPrimaryDomain",
			    "sgArchiveAddress", NULL };
	const char	*name = ctl_rec_first(d, "sgDomainName");
	const char	*prim = ctl_rec_first(d, "sgPrimaryDomain");
	const char	*lim, *sdom, *smail;
	char		 who[300], probe[SG_ADDR_MAX + 8], norm[SG_ADDR_MAX + 1];
	const char	*pd;
	size_t		 before = p->n, i;
	long		 dl, sl;

	snprintf(who, sizeof(who), "domain %s", name ? name : "?");
	if (name == NULL)
		ctl_problem(p, "%s: no sgDomainName", who);
	else if (strpbrk(name, " \t,+=\"\\<>;#") != NULL)
		ctl_problem(p, "%s: sgDomainName must be a plain name (no "
		    "blanks or DN special characters)", who);
	if (prim == NULL)
		ctl_problem(p, "%s: no primary domain (--primary, "
		    "sgPrimaryDomain)", who);
	else {
		snprintf(probe, sizeof(probe), "x@%s", prim);
		if (strpbrk(prim, "@<> \t\"") != NULL ||
		    addr_parse_envelope(probe,
		    norm, sizeof(norm), &pd) != ADDR_OK)
			ctl_problem(p, "%s: primary domain \"%s\" is not a "
			    "valid domain", who, prim);
		else if (strcmp(pd, prim) != 0)
			ctl_problem(p, "%s: primary domain not in normal form "
			    "(%s)", who, pd);
	}
	for (i = 0; single[i] != NULL; i++)
		if (ctl_rec_count(d, single[i]) > 1)
			ctl_problem(p, "%s: %s takes one value, not %zu", who,
			    single[i], ctl_rec_count(d, single[i]));
	check_addrs(d, who, "sgArchiveAddress", "--archive-address", p);
	check_addrs(d, who, "sgNotifyAddress", "--notify", p);
	check_common(d, who, p);
	for (i = 0; i < f->ndup; i++)
		ctl_problem(p, "%s: primary domain %s is already claimed by %s",
		    who, prim ? prim : "?", f->dup_domains[i]);

	/* the domain's senders must stay valid under it */
	lim = ctl_rec_first(d, "sgMonthlyLimit");
	dl = lim != NULL ? parse_limit(lim) : -1;
	for (i = 0; i < f->nsenders; i++) {
		smail = ctl_rec_first(f->senders[i], "mail");
		if (smail == NULL)
			continue;
		sdom = addr_domain(smail);
		if (prim != NULL && sdom != NULL && strcasecmp(sdom, prim) != 0)
			ctl_problem(p, "%s: its sender <%s> is not in primary "
			    "domain %s", who, smail, prim);
		if (dl >= 0 && (lim = ctl_rec_first(f->senders[i],
		    "sgMonthlyLimit")) != NULL && (sl = parse_limit(lim)) >
		    dl)
			ctl_problem(p, "%s: monthly limit %ld is below that of "
			    "its sender <%s> (%ld)", who, dl, smail, sl);
		if (!has_word(f->senders[i], "sgAuthMethod", "ip") ||
		    ctl_rec_count(f->senders[i], "sgAllowedNetwork") > 0 ||
		    ctl_rec_count(d, "sgAllowedNetwork") > 0)
			continue;
		ctl_problem(p, "%s: its sender <%s> uses ip and has no "
		    "network of its own: the domain must keep one", who,
		    smail);
	}
	return p->n - before;
}

/* Deleting a domain: only without senders. */
size_t
ctl_validate_domain_delete(const struct ctl_rec *d,
    const struct ctl_facts *f, struct ctl_problems *p)
{
	const char	*name = ctl_rec_first(d, "sgDomainName");

	if (f->nsenders == 0)
		return 0;
	ctl_problem(p, "domain %s: it has %zu sender%s (delete %s first)",
	    name ? name : "?", f->nsenders, f->nsenders == 1 ? "" : "s",
	    f->nsenders == 1 ? "it" : "them");
	return 1;
}
