/*
 * ctl_list.c - sendergatectl's read-only views of the directory: show
 * (one entry, as LDIF or JSON) and list (domains, or the senders of all
 * or one domain, as a table or JSON).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"
#include "ctl/ctl.h"
#include "lib/log.h"
#include "lib/policy.h"

/* Values of an attribute joined with commas into buf (dflt if none). */
static const char *
joined(const struct ctl_rec *r, const char *attr, const char *dflt,
    char *buf, size_t len)
{
	const struct ctl_attr	*a = ctl_rec_get(r, attr);
	size_t			 i, at = 0;
	int			 n;

	buf[0] = '\0';
	if (a == NULL || a->n == 0) {
		snprintf(buf, len, "%s", dflt);
		return buf;
	}
	for (i = 0; i < a->n; i++) {
		n = snprintf(buf + at, len - at, "%s%s", i ? "," : "",
		    a->v[i]);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	return buf;
}

/* The first value of attr, or dflt. */
static const char *
first(const struct ctl_rec *r, const char *attr, const char *dflt)
{
	const char	*v = ctl_rec_first(r, attr);

	return v != NULL ? v : dflt;
}


/*
 * Has the sender a userPassword? Asked by a presence filter: the
 * milter's account may not read the attribute (then: cannot tell), the
 * admin account given with --bind-dn may.
 */
enum ctl_password
ctl_sender_password(struct ctl_ctx *x, const struct ctl_rec *r)
{
	struct ctl_rec	**v = NULL;
	size_t		  n = 0;

	if (r->dn == NULL)
		return PASSWORD_NONE;
	if (ctl_search(x, r->dn, LDAP_SCOPE_BASE, "(userPassword=*)", &v,
	    &n) == -1)
		return PASSWORD_FAILED;
	ctl_recs_free(v, n);
	if (n > 0)
		return PASSWORD_SET;
	/* credentials() points wconf at --bind-dn: the admin can see it */
	return x->wconf.ldap_bind_dn != x->conf->ldap_bind_dn ?
	    PASSWORD_NONE : PASSWORD_HIDDEN;
}

/* The SMTP password in words, for show, list and explain. */
const char *
ctl_password_words(struct ctl_ctx *x, const struct ctl_rec *r)
{
	if (!ctl_sender_uses_user_auth(r))
		return "not used (no user authentication method)";
	switch (ctl_sender_password(x, r)) {
	case PASSWORD_SET:
		return "set";
	case PASSWORD_NONE:
		return "NONE: the sender authenticates with user but has no "
		    "userPassword, so it cannot send over SMTP AUTH (set one: "
		    "sendergatectl passwd)";
	case PASSWORD_HIDDEN:
		return "unknown: this LDAP account cannot read userPassword "
		    "(give --bind-dn)";
	case PASSWORD_FAILED:
		break;
	}
	return "unknown: LDAP failed";
}

/* The reply-to in words: the milter's own rule (policy_replyto). */
static const char *
replyto_words(const struct sg_conf *c, const struct ctl_rec *r)
{
	struct sg_sender	 s;
	const char		*v = ctl_rec_first(r, "sgReplyToVerified");

	memset(&s, 0, sizeof(s));
	s.replyto = (char *)(uintptr_t)ctl_rec_first(r, "sgReplyTo");
	s.replyto_verified = v != NULL && strcasecmp(v, "TRUE") == 0;
	return policy_replyto_why(policy_replyto(c, &s, -1));
}

/* show SENDER|DOMAIN: the entry (a domain: and its number of senders). */
static int
show(struct ctl_ctx *x, const struct ctl_args *a, int sender,
    const char *arg)
{
	struct ctl_rec	*r = NULL, **sv = NULL;
	char		 mail[SG_ADDR_MAX + 1];
	const char	*dom;
	size_t		 ns = 0;
	int		 rc, ret = CTL_BACKEND;

	if (sender) {
		if (strpbrk(arg, " \t") != NULL ||
		    addr_parse_envelope(arg, mail, sizeof(mail), &dom) !=
		    ADDR_OK) {
			fprintf(stderr, "sendergatectl: no sender <%s>\n", arg);
			return CTL_NOTFOUND;
		}
		rc = ctl_find_sender(x, mail, &r);
	} else
		rc = ctl_find_domain(x, arg, &r);
	if (rc == -1)
		return CTL_BACKEND;
	if (rc == 0) {
		fprintf(stderr, "sendergatectl: no %s %s\n", sender ? "sender" :
		    "domain", arg);
		return CTL_NOTFOUND;
	}
	log_debug("show %s: %s", arg, r->dn);
	if (!sender && ctl_domain_senders(x, r->dn, &sv, &ns) == -1)
		goto out;
	if (a->json) {
		ctl_json_rec(stdout, r);
		printf("\n");
	} else {
		ctl_print_ldif(stdout, r, NULL);
		if (!sender)
			printf("# senders: %zu\n", ns);
		if (sender) {
			printf("# reply-to: %s\n", replyto_words(x->conf, r));
			printf("# smtp password: %s\n",
			    ctl_password_words(x, r));
		}
	}
	ret = CTL_OK;
out:
	ctl_recs_free(sv, ns);
	ctl_rec_free(r);
	return ret;
}

/* sender show ADDRESS */
int
ctl_cmd_sender_show(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	(void)n;
	return show(x, a, 1, v[0]);
}

/* domain show NAME */
int
ctl_cmd_domain_show(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	(void)n;
	return show(x, a, 0, v[0]);
}

/* One sender as a table row. */
static void
sender_row(const struct ctl_rec *s)
{
	char	 b1[256], b2[256], b3[64];

	printf("%-32s %-10s %-14s %-8s %8s  %s\n", first(s, "mail", "?"),
	    joined(s, "sgStatus", "active", b3, sizeof(b3)),
	    joined(s, "sgAccessMethod", "smtp", b1, sizeof(b1)),
	    joined(s, "sgAuthMethod", "user", b2, sizeof(b2)),
	    first(s, "sgMonthlyLimit", "default"), first(s, "cn", ""));
}

/* sender list [DOMAIN] */
int
ctl_cmd_sender_list(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	struct ctl_rec	**sv = NULL, *d = NULL;
	const char	 *base = x->conf->ldap_base;
	size_t		  ns = 0, i;
	int		  rc, scope = LDAP_SCOPE_SUBTREE;

	if (n == 1) {
		if ((rc = ctl_find_domain(x, v[0], &d)) == -1)
			return CTL_BACKEND;
		if (rc == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n", v[0]);
			return CTL_NOTFOUND;
		}
		base = d->dn;
		scope = LDAP_SCOPE_ONELEVEL;
	}
	if (ctl_search(x, base, scope, "(objectClass=sgSender)", &sv,
	    &ns) == -1) {
		ctl_rec_free(d);
		return CTL_BACKEND;
	}
	log_debug("sender list: %zu under %s", ns, base);
	if (a->json) {
		printf("[");
		for (i = 0; i < ns; i++) {
			printf("%s\n  ", i ? "," : "");
			ctl_json_rec(stdout, sv[i]);
		}
		printf("\n]\n");
	} else {
		printf("%-32s %-10s %-14s %-8s %8s  %s\n", "ADDRESS",
		    "STATUS", "ACCESS", "AUTH", "LIMIT", "NAME");
		for (i = 0; i < ns; i++)
			sender_row(sv[i]);
		for (i = 0; i < ns; i++)
			if (ctl_sender_uses_user_auth(sv[i]) &&
			    ctl_sender_password(x, sv[i]) == PASSWORD_NONE)
				printf("# %s: no SMTP password: it cannot "
				    "send over SMTP AUTH\n",
				    first(sv[i], "mail", "?"));
	}
	ctl_recs_free(sv, ns);
	ctl_rec_free(d);
	return CTL_OK;
}

/* domain list */
int
ctl_cmd_domain_list(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	struct ctl_rec	**dv = NULL, **sv;
	char		  b3[64];
	size_t		  nd = 0, ns, i;
	int		  ret = CTL_OK;

	(void)v;
	(void)n;
	if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE,
	    "(objectClass=sgDomain)", &dv, &nd) == -1)
		return CTL_BACKEND;
	if (a->json)
		printf("[");
	else
		printf("%-32s %-24s %-10s %8s %8s\n", "DOMAIN", "PRIMARY",
		    "STATUS", "LIMIT", "SENDERS");
	for (i = 0; i < nd; i++) {
		ns = 0;
		if (ctl_domain_senders(x, dv[i]->dn, &sv, &ns) == 0)
			ctl_recs_free(sv, ns);
		else
			ret = CTL_BACKEND;
		if (a->json) {
			printf("%s\n  {\"senders\": %zu, \"entry\": ",
			    i ? "," : "", ns);
			ctl_json_rec(stdout, dv[i]);
			printf("}");
			continue;
		}
		printf("%-32s %-24s %-10s %8s %8zu\n",
		    first(dv[i], "sgDomainName", "?"),
		    first(dv[i], "sgPrimaryDomain", "?"),
		    joined(dv[i], "sgStatus", "active", b3, sizeof(b3)),
		    first(dv[i], "sgMonthlyLimit", "none"), ns);
	}
	if (a->json)
		printf("\n]\n");
	ctl_recs_free(dv, nd);
	return ret;
}
