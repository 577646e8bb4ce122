/*
 * ctl_sheet.c - the onboarding sheet: what a customer receives once a
 * sender is registered, and needs to send mail as written.
 *
 * From the sender's entry, its domain's entry and the configuration
 * (customer_smtp_hosts, customer_ports, the limits and settings the
 * milter applies), sheet_build makes a struct sheet; sheet_text and
 * sheet_json print it. It says: the sender and its name; the host names;
 * the ports that serve the sender's access methods with their TLS mode,
 * 587 first and recommended (587, message submission, only to senders
 * that log in; a port without TLS never to a sender that can only log
 * in); how to authenticate: the login(s) and whether a password is set,
 * or, for IP control, the networks to connect from and not to log in at
 * all (rule 9a: an authenticated session gets 553); the monthly limits;
 * the reply-to address and whether it is verified; the suppression
 * setting that applies.
 *
 * Nothing secret is read: records never hold userPassword (ctl_ldap.c
 * does not ask for it), and whether a password is set comes from a
 * presence filter. The one secret a sheet may carry is a password just
 * generated (sender add --generate-password, passwd --generate), passed
 * in by the caller and printed once; ctl_sheet_cmd.c never passes one,
 * so a mailed sheet has none.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/ctl.h"
#include "ctl/ctl_sheet.h"
#include "lib/policy.h"

#define SUBMISSION_PORT	587		/* RFC 6409: logging in required */

/* The methods (or auth methods) of attr as a bit mask; dflt if absent. */
static int
bits(const struct ctl_rec *r, const char *attr,
    int (*parse)(const char *, int *), int dflt)
{
	const struct ctl_attr	*a = ctl_rec_get(r, attr);
	size_t			 i;
	int			 mask = 0, bit;

	if (a == NULL || a->n == 0)
		return dflt;
	for (i = 0; i < a->n; i++)
		if (parse(a->v[i], &bit) == 0)
			mask |= bit;
	return mask;
}

/* A record's sgStatus; active when absent or unreadable. */
static int
status_of(const struct ctl_rec *r)
{
	const char	*v = r != NULL ? ctl_rec_first(r, "sgStatus") : NULL;
	int		 st = STATUS_ACTIVE;

	if (v != NULL && dv_status(v, &st) == -1)
		st = STATUS_ACTIVE;
	return st;
}

/* A record's sgMonthlyLimit, or dflt when absent (or unreadable). */
static long
limit_of(const struct ctl_rec *r, long dflt)
{
	const char	*v = r != NULL ? ctl_rec_first(r, "sgMonthlyLimit") :
			    NULL;
	long		 l;

	if (v == NULL || dv_limit(v, &l) == -1)
		return dflt;
	return l;
}

/* Is customer port p one for this sender? */
static int
port_serves(const struct sheet *sh, const struct sg_port *p)
{
	if ((p->method & sh->methods) == 0)
		return 0;
	if (p->port == SUBMISSION_PORT && !(sh->auths & AUTH_USER))
		return 0;
	if (p->tls == TLS_NONE && sh->auths == AUTH_USER)
		return 0;
	return 1;
}

/* The sheet of sender s under domain d (NULL: unknown); see ctl_sheet.h. */
void
sheet_build(struct sheet *sh, const struct sg_conf *c,
    const struct ctl_rec *s, const struct ctl_rec *d, enum ctl_password pwset,
    const char *password)
{
	struct sg_port	 all[SG_PORTS_MAX];
	struct sg_sender ss;
	const char	*why, *v;
	int		 n, i, ds;

	memset(sh, 0, sizeof(*sh));
	sh->conf = c;
	sh->s = s;
	sh->d = d;
	sh->pwset = pwset;
	sh->password = password;
	sh->methods = bits(s, "sgAccessMethod", dv_method, METHOD_SMTP);
	sh->auths = bits(s, "sgAuthMethod", dv_auth, AUTH_USER);
	sh->status = status_of(s);
	if ((ds = status_of(d)) > sh->status)
		sh->status = ds;
	/* sgMonthlyLimit, else default_monthly_limit (0 there: none) */
	sh->limit = limit_of(s, c->default_monthly_limit > 0 ?
	    c->default_monthly_limit : LIMIT_NONE);
	sh->dlimit = limit_of(d, LIMIT_NONE);

	/* the ports of its methods, 587 first, then as configured */
	if ((n = conf_customer_ports(c->customer_ports, all, &why)) == -1)
		n = 0;			/* conf_load refused it already */
	for (i = 0; i < n; i++)
		if (all[i].port == SUBMISSION_PORT && port_serves(sh, &all[i])) {
			sh->ports[sh->nports++] = all[i];
			sh->recommended = 1;
		}
	for (i = 0; i < n; i++)
		if (all[i].port != SUBMISSION_PORT && port_serves(sh, &all[i]))
			sh->ports[sh->nports++] = all[i];

	/* the milter's own rule for Reply-To */
	memset(&ss, 0, sizeof(ss));
	ss.replyto = (char *)(uintptr_t)ctl_rec_first(s, "sgReplyTo");
	v = ctl_rec_first(s, "sgReplyToVerified");
	ss.replyto_verified = v != NULL && strcasecmp(v, "TRUE") == 0;
	sh->replyto_added = ss.replyto != NULL &&
	    policy_replyto(c, &ss, 0) == REPLYTO_ADD;
	sh->replyto_verified = ss.replyto_verified;

	switch (c->suppression) {
	case SUPPRESS_ALL:
		sh->suppressed = 1;
		break;
	case SUPPRESS_CAMPAIGN:
		sh->suppressed = (sh->methods & METHOD_CAMPAIGN) != 0;
		break;
	default:
		sh->suppressed = 0;
		break;
	}
}

/* How the sender authenticates, a word for JSON. */
static const char *
smtp_auth_word(const struct sheet *sh)
{
	if (!(sh->auths & AUTH_USER))
		return "forbidden";
	if (sh->auths & AUTH_IP)
		return "required_outside_networks";
	return "required";
}

/* The TLS mode of a port in words. */
static const char *
tls_words(int tls)
{
	switch (tls) {
	case TLS_REQUIRED:
		return "TLS required: STARTTLS before anything else";
	case TLS_OPTIONAL:
		return "TLS optional: STARTTLS offered, use it";
	default:
		return "no TLS";
	}
}

/* The unit of the limits: "messages" or "recipients". */
static const char *
unit_words(const struct sheet *sh)
{
	return sh->conf->quota_unit == QUOTA_RECIPIENT ? "recipients" :
	    "messages";
}

/* The values of attr of r (NULL: none) as "a, b" lines or a JSON array. */
static void
values(FILE *fp, const struct ctl_rec *r, const char *attr, int json,
    const char *label)
{
	const struct ctl_attr	*a = r != NULL ? ctl_rec_get(r, attr) : NULL;
	size_t			 i;

	for (i = 0; a != NULL && i < a->n; i++) {
		if (json) {
			fprintf(fp, "%s", i > 0 ? ", " : "");
			ctl_json_str(fp, a->v[i]);
		} else
			fprintf(fp, "%s: %s\n", label, a->v[i]);
	}
}

/* The status words, when the sender cannot send now. */
static const char *
status_words(int st)
{
	switch (st) {
	case STATUS_SUSPENDED:
		return "suspended: mail is deferred (4xx) until the relay "
		    "lifts the suspension";
	case STATUS_DISABLED:
		return "disabled: mail is refused (5xx)";
	default:
		return "active";
	}
}

/* A monthly limit in words: the sender's, or (domain) its domain's. */
static void
limit_text(FILE *fp, const struct sheet *sh, long l, int domain)
{
	const char	*label = domain ? "domain monthly limit" :
			    "monthly limit";

	if (l == LIMIT_NONE)
		fprintf(fp, "%s: none\n", label);
	else if (l == 0)
		fprintf(fp, "%s: 0: %s may not send\n", label, domain ?
		    "the domain's senders" : "this sender");
	else if (domain && sh->d != NULL)
		fprintf(fp, "%s: %ld %s a calendar month (%s), for all "
		    "senders of %s together\n", label, l, unit_words(sh),
		    sh->conf->quota_timezone,
		    ctl_rec_first(sh->d, "sgPrimaryDomain"));
	else
		fprintf(fp, "%s: %ld %s a calendar month (%s)\n", label, l,
		    unit_words(sh), sh->conf->quota_timezone);
}

/* The sheet as "key: value" lines. */
void
sheet_text(FILE *fp, const struct sheet *sh)
{
	const char	*mail = ctl_rec_first(sh->s, "mail");
	const char	*h, *rt = ctl_rec_first(sh->s, "sgReplyTo");
	size_t		 len;
	int		 i;

	fprintf(fp, "# onboarding sheet of <%s>\n", mail);
	fprintf(fp, "sender: %s\n", mail);
	fprintf(fp, "name: %s\n", ctl_rec_first(sh->s, "cn") != NULL ?
	    ctl_rec_first(sh->s, "cn") : "");
	if (sh->d != NULL)
		fprintf(fp, "domain: %s\n",
		    ctl_rec_first(sh->d, "sgPrimaryDomain"));
	fprintf(fp, "status: %s\n", status_words(sh->status));

	/* where to connect */
	for (h = sh->conf->customer_smtp_hosts; *h != '\0'; h += len) {
		h += strspn(h, " \t");
		if ((len = strcspn(h, " \t")) > 0)
			fprintf(fp, "host: %.*s\n", (int)len, h);
	}
	for (i = 0; i < sh->nports; i++)
		fprintf(fp, "port: %ld (%s), %s%s\n", sh->ports[i].port,
		    conf_method_name(sh->ports[i].method),
		    tls_words(sh->ports[i].tls),
		    i == 0 && sh->recommended ? " (recommended)" : "");
	if (sh->nports == 0)
		fprintf(fp, "port: none: no port of this relay serves the "
		    "sender's access methods (ask the relay's operator)\n");

	/* how to authenticate */
	if (sh->auths & AUTH_USER) {
		values(fp, sh->s, "sgAuthId", 0, "login");
		if (sh->password != NULL)
			fprintf(fp, "password: %s\n", sh->password);
		fprintf(fp, "password set: %s\n", sh->password != NULL ?
		    "yes (shown here once; the relay keeps only a hash)" :
		    sh->pwset == PASSWORD_SET ? "yes (given to you separately)" :
		    sh->pwset == PASSWORD_NONE ? "no: ask the relay's operator for one" :
		    "unknown");
	}
	if (sh->auths & AUTH_IP) {
		values(fp, sh->s, "sgAllowedNetwork", 0, "network");
		values(fp, sh->d, "sgAllowedNetwork", 0, "network");
	}
	if (!(sh->auths & AUTH_USER))
		fprintf(fp, "authentication: none: connect from the networks "
		    "above and do not authenticate (no SMTP AUTH, no user "
		    "name or password): a session that authenticates is "
		    "refused with 553 5.7.1\n");
	else if (sh->auths & AUTH_IP)
		fprintf(fp, "authentication: from the networks above, none "
		    "(do not authenticate); from elsewhere, SMTP AUTH with "
		    "the login and password above, after STARTTLS; any "
		    "other login is refused with 553 5.7.1\n");
	else
		fprintf(fp, "authentication: SMTP AUTH (PLAIN or LOGIN) with "
		    "the login and password above, after STARTTLS\n");

	/* what applies to the mail */
	limit_text(fp, sh, sh->limit, 0);
	if (sh->dlimit != LIMIT_NONE)
		limit_text(fp, sh, sh->dlimit, 1);
	if (rt == NULL)
		fprintf(fp, "reply-to: none\n");
	else
		fprintf(fp, "reply-to: %s (%s)\n", rt, sh->replyto_added ?
		    "verified: added to messages that have no Reply-To" :
		    sh->replyto_verified ? "verified, but not added: the "
		    "relay does not add Reply-To" : "not verified: not added "
		    "until verified");
	fprintf(fp, "suppression: %s\n", sh->suppressed ?
	    sh->conf->suppression == SUPPRESS_ALL ? "recipients on your "
	    "suppression list (hard bounces, complaints) are refused with "
	    "550 5.1.1 on every port" : "recipients on your suppression list "
	    "(hard bounces, complaints) are refused with 550 5.1.1 on the "
	    "campaign port(s)" : "does not apply to this sender");
	if ((sh->methods & METHOD_CAMPAIGN) &&
	    sh->conf->campaign_require_unsubscribe)
		fprintf(fp, "campaign: bulk messages must carry a one-click "
		    "List-Unsubscribe (RFC 8058), or they are refused\n");
}

/* A limit as a JSON number or null. */
static void
json_limit(FILE *fp, const char *key, long l)
{
	fprintf(fp, ", \"%s\": ", key);
	if (l == LIMIT_NONE)
		fprintf(fp, "null");
	else
		fprintf(fp, "%ld", l);
}

/* The sheet as one JSON object. */
void
sheet_json(FILE *fp, const struct sheet *sh)
{
	const char	*h, *rt = ctl_rec_first(sh->s, "sgReplyTo");
	size_t		 len;
	int		 i, first = 1;

	fprintf(fp, "{\"sender\": ");
	ctl_json_str(fp, ctl_rec_first(sh->s, "mail"));
	fprintf(fp, ", \"name\": ");
	ctl_json_str(fp, ctl_rec_first(sh->s, "cn") != NULL ?
	    ctl_rec_first(sh->s, "cn") : "");
	fprintf(fp, ", \"domain\": ");
	if (sh->d != NULL)
		ctl_json_str(fp, ctl_rec_first(sh->d, "sgPrimaryDomain"));
	else
		fprintf(fp, "null");
	fprintf(fp, ", \"status\": \"%s\", \"hosts\": [",
	    dv_status_name(sh->status));
	for (h = sh->conf->customer_smtp_hosts; *h != '\0'; h += len) {
		h += strspn(h, " \t");
		if ((len = strcspn(h, " \t")) == 0)
			continue;
		fprintf(fp, "%s\"%.*s\"", first ? "" : ", ", (int)len, h);
		first = 0;
	}
	fprintf(fp, "], \"ports\": [");
	for (i = 0; i < sh->nports; i++)
		fprintf(fp, "%s{\"port\": %ld, \"tls\": \"%s\", \"method\": "
		    "\"%s\", \"recommended\": %s}", i > 0 ? ", " : "",
		    sh->ports[i].port, conf_tls_name(sh->ports[i].tls),
		    conf_method_name(sh->ports[i].method),
		    i == 0 && sh->recommended ? "true" : "false");
	fprintf(fp, "], \"smtp_auth\": \"%s\", \"logins\": [",
	    smtp_auth_word(sh));
	if (sh->auths & AUTH_USER)
		values(fp, sh->s, "sgAuthId", 1, NULL);
	fprintf(fp, "], \"password_set\": %s", !(sh->auths & AUTH_USER) ?
	    "false" : sh->password != NULL || sh->pwset == PASSWORD_SET ? "true" :
	    sh->pwset == PASSWORD_NONE ? "false" : "null");
	if (sh->password != NULL) {
		fprintf(fp, ", \"password\": ");
		ctl_json_str(fp, sh->password);
	}
	fprintf(fp, ", \"networks\": [");
	if (sh->auths & AUTH_IP) {
		values(fp, sh->s, "sgAllowedNetwork", 1, NULL);
		if (ctl_rec_count(sh->s, "sgAllowedNetwork") > 0 &&
		    sh->d != NULL && ctl_rec_count(sh->d, "sgAllowedNetwork"))
			fprintf(fp, ", ");
		values(fp, sh->d, "sgAllowedNetwork", 1, NULL);
	}
	fprintf(fp, "], \"quota_unit\": \"%s\", \"quota_timezone\": ",
	    sh->conf->quota_unit == QUOTA_RECIPIENT ? "recipient" : "message");
	ctl_json_str(fp, sh->conf->quota_timezone);
	json_limit(fp, "monthly_limit", sh->limit);
	json_limit(fp, "domain_monthly_limit", sh->dlimit);
	fprintf(fp, ", \"reply_to\": ");
	if (rt != NULL)
		ctl_json_str(fp, rt);
	else
		fprintf(fp, "null");
	fprintf(fp, ", \"reply_to_verified\": %s, \"reply_to_added\": %s, "
	    "\"suppression\": \"%s\", \"suppression_applies\": %s, "
	    "\"campaign_requires_unsubscribe\": %s}\n",
	    sh->replyto_verified ? "true" : "false",
	    sh->replyto_added ? "true" : "false",
	    sh->conf->suppression == SUPPRESS_ALL ? "all" :
	    sh->conf->suppression == SUPPRESS_CAMPAIGN ? "campaign" : "off",
	    sh->suppressed ? "true" : "false",
	    (sh->methods & METHOD_CAMPAIGN) &&
	    sh->conf->campaign_require_unsubscribe ? "true" : "false");
}
