/*
 * ctl_domain_check.c - a customer's primary domain in DNS: the ownership
 * record (domain token; domain add and update refuse a primary domain
 * without it), and its readiness for the bulk-sender rules (domain
 * check): SPF for the relay's addresses (libspf2), a DKIM key at each
 * sgDkimSelector, a DMARC record and whether SPF or DKIM can align
 * (libopendmarc), and the ownership record again.
 *
 * Every lookup answers found, none, or failed (ctl_dns.h): a DNS
 * failure is a backend failure (exit 4), never "not verified" or "no
 * record". domain check writes what it found on the domain entry
 * (sgDmarcFound, sgDnsCheckedAt, sgDnsCheckResult, and the ownership
 * state): the milter's rule 13d reads sgDmarcFound with the entry it
 * already has, and asks no DNS. A check that changes from pass or warn
 * to fail "broke": it is said on stderr (the journal, for the timer)
 * and, with notify_relay and notify_operator, mailed to the operator.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "ctl/ctl.h"
#include "ctl/ctl_dns.h"
#include "ctl/ctl_dmarc.h"
#include "lib/dnscheck.h"
#include "lib/log.h"
#include "lib/notify.h"

#define DETAIL_MAX	600
#define BROKE_MAX	8192		/* the operator's mail */

/* The checks, in the order they are shown and stored. */
enum { CK_OWNERSHIP, CK_SPF, CK_DKIM, CK_DMARC, NCHECKS };
static const char *const check_names[NCHECKS] = {
	"ownership", "spf", "dkim", "dmarc"
};

struct check {
	enum dc_verdict	 v;
	char		 detail[DETAIL_MAX];
	char		 publish[DETAIL_MAX];	/* "" = nothing to publish */
};

/* One domain's checks. */
struct result {
	const char	*primary;
	struct check	 c[NCHECKS];
	int		 failed;		/* a lookup failed: no verdict */
	char		 why[800];
	int		 owner;			/* 1 found, 0 not, -1 unknown */
	int		 dmarc_found;
};

/* Ownership: 1 found, 0 not (name and value: what to publish), -1 failed. */
static int
ownership(struct ctl_dns *d, const char *secret, const char *primary,
    char *name, size_t namelen, char *value, size_t valuelen, char *why,
    size_t whylen)
{
	char	**txt;
	size_t	  n, i;
	int	  rc, found = 0;

	if (dc_token(secret, primary, name, namelen, value, valuelen) == -1) {
		snprintf(why, whylen, "%s: too long for an ownership record",
		    primary);
		return -1;
	}
	if ((rc = ctl_dns_txt(d, name, &txt, &n, why, whylen)) != 1)
		return rc;
	for (i = 0; i < n; i++)
		if (strcasecmp(txt[i], value) == 0)
			found = 1;
	ctl_dns_free_txt(txt, n);
	return found;
}

/* 1 if primary holds only the characters of a host name. */
static int
plain_domain(const char *primary)
{
	return primary[0] != '\0' && strchr(primary, '.') != NULL &&
	    strspn(primary, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == strlen(primary);
}

/* Now as generalized time. */
static void
gentime(char *buf, size_t len)
{
	time_t		 t = time(NULL);
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d%H%M%SZ", &tm);
}

/* Open the resolver; NULL reported. */
static struct ctl_dns *
open_dns(struct ctl_ctx *x)
{
	struct ctl_dns	*d;
	char		 err[512];

	if ((d = ctl_dns_open(x->conf, err, sizeof(err))) == NULL)
		fprintf(stderr, "sendergatectl: %s\n", err);
	return d;
}

/* domain token PRIMARY: the record to publish. */
int
ctl_cmd_domain_token(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	char	 name[DC_NAME_MAX], value[128];

	(void)n;
	if (x->conf->domain_token_secret == NULL) {
		fprintf(stderr, "sendergatectl: domain token: "
		    "domain_token_secret_file is not set in %s: no ownership "
		    "record can be made\n", x->conf->path);
		return CTL_USAGE;
	}
	if (!plain_domain(v[0]) || dc_token(x->conf->domain_token_secret,
	    v[0], name, sizeof(name), value, sizeof(value)) == -1)
		return ctl_usage_error("domain token", "\"%s\" is not a "
		    "domain name", v[0]);
	if (a->json) {
		printf("{\"name\":");
		ctl_json_str(stdout, name);
		printf(",\"type\":\"TXT\",\"value\":");
		ctl_json_str(stdout, value);
		printf("}\n");
	} else
		printf("%s. IN TXT \"%s\"\n", name, value);
	return CTL_OK;
}

/* The validation phase's ownership check; see ctl.h. */
int
ctl_domain_verify(struct ctl_ctx *x, const struct ctl_args *a,
    const struct ctl_rec *old, struct ctl_rec *r, struct ctl_problems *p)
{
	const char	*prim = ctl_rec_first(r, "sgPrimaryDomain");
	const char	*reason = ctl_edit_value(a, O_REASON);
	struct ctl_dns	*d;
	char		 name[DC_NAME_MAX], value[128], why[512], now[32];
	int		 rc;

	if (prim == NULL || !plain_domain(prim) ||
	    (old != NULL && ctl_rec_same(old, r, "sgPrimaryDomain")))
		return CTL_OK;		/* nothing new, or reported already */
	if (a->skip_dns) {
		log_debug("domain %s: ownership check skipped: %s", prim,
		    reason);
		if (ctl_rec_set(r, "sgPrimaryDomainVerified", "FALSE") == -1 ||
		    ctl_rec_set(r, "sgDnsCheckSkipReason", reason) == -1)
			goto oom;
		ctl_rec_clear(r, "sgPrimaryDomainVerifiedAt");
		return CTL_OK;
	}
	if (x->conf->domain_token_secret == NULL) {
		ctl_problem(p, "primary domain %s: its ownership cannot be "
		    "checked: domain_token_secret_file is not set (set it, or "
		    "give --skip-dns-check --reason TEXT)", prim);
		return CTL_OK;
	}
	if ((d = open_dns(x)) == NULL)
		return CTL_BACKEND;
	rc = ownership(d, x->conf->domain_token_secret, prim, name,
	    sizeof(name), value, sizeof(value), why, sizeof(why));
	ctl_dns_close(d);
	if (rc == -1) {
		fprintf(stderr, "sendergatectl: DNS: cannot check the "
		    "ownership of %s: %s: %s\n", prim, name, why);
		return CTL_BACKEND;
	}
	if (rc == 0) {
		ctl_problem(p, "primary domain %s: ownership not proven: "
		    "publish %s. IN TXT \"%s\" and run the command again (or "
		    "give --skip-dns-check --reason TEXT)", prim, name, value);
		return CTL_OK;
	}
	gentime(now, sizeof(now));
	if (ctl_rec_set(r, "sgPrimaryDomainVerified", "TRUE") == -1 ||
	    ctl_rec_set(r, "sgPrimaryDomainVerifiedAt", now) == -1)
		goto oom;
	ctl_rec_clear(r, "sgDnsCheckSkipReason");
	return CTL_OK;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
	return CTL_BACKEND;
}

/* Set a check's verdict and text. */
static void
verdict(struct check *c, enum dc_verdict v, const char *publish,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
verdict(struct check *c, enum dc_verdict v, const char *publish,
    const char *fmt, ...)
{
	va_list	 ap;

	c->v = v;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	snprintf(c->publish, sizeof(c->publish), "%s", publish ? publish : "");
}

/* A lookup failed: the domain has no verdict. */
static void
failed(struct result *res, const char *what, const char *why)
{
	res->failed = 1;
	snprintf(res->why, sizeof(res->why), "%s: %s", what, why);
}

/* The SPF check: each relay address against the domain's policy. */
static void
check_spf(struct ctl_ctx *x, struct ctl_dns *d, struct result *res,
    int *aligned)
{
	struct sg_ip	 ips[SG_RELAY_ADDRS_MAX];
	const char	*why, *p = x->conf->relay_addresses;
	char		 ip[64], text[256], rec[DETAIL_MAX], bad[300];
	enum ctl_spf	 r, worst = CTL_SPF_PASS;
	int		 n, i;
	size_t		 len, o = 0;

	*aligned = 0;
	n = conf_relay_addresses(p, ips, &why);
	if (n <= 0) {
		verdict(&res->c[CK_SPF], DC_WARN, NULL, "relay_addresses is "
		    "not set: the relay's addresses cannot be checked");
		return;
	}
	bad[0] = '\0';
	o = (size_t)snprintf(rec, sizeof(rec), "%s. IN TXT \"v=spf1",
	    res->primary);
	for (i = 0; i < n; i++) {
		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		snprintf(ip, sizeof(ip), "%.*s", (int)len, p);
		p += len;
		if (o < sizeof(rec))
			o += (size_t)snprintf(rec + o, sizeof(rec) - o, " %s:%s",
			    strchr(ip, ':') ? "ip6" : "ip4", ip);
		r = ctl_spf_check(d, ip, res->primary, text, sizeof(text));
		log_debug("SPF %s for %s: %s (%s)", res->primary, ip,
		    ctl_spf_name(r), text);
		if (r == CTL_SPF_TEMPERROR) {
			failed(res, "SPF", text);
			return;
		}
		if (r != CTL_SPF_PASS) {
			snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
			    "%s%s %s", bad[0] ? ", " : "", ip, ctl_spf_name(r));
			if (worst == CTL_SPF_PASS || r == CTL_SPF_FAIL ||
			    r == CTL_SPF_PERMERROR || r == CTL_SPF_NONE)
				worst = r;
		}
	}
	if (o < sizeof(rec))
		snprintf(rec + o, sizeof(rec) - o, " -all\"");
	switch (worst) {
	case CTL_SPF_PASS:
		*aligned = 1;
		verdict(&res->c[CK_SPF], DC_PASS, NULL, "the relay's "
		    "addresses pass");
		break;
	case CTL_SPF_SOFTFAIL:
	case CTL_SPF_NEUTRAL:
		verdict(&res->c[CK_SPF], DC_WARN, rec, "not a pass: %s "
		    "(add the relay's addresses to the record)", bad);
		break;
	case CTL_SPF_NONE:
		verdict(&res->c[CK_SPF], DC_FAIL, rec, "no SPF record");
		break;
	default:
		verdict(&res->c[CK_SPF], DC_FAIL, rec, "%s (add the relay's "
		    "addresses to the record)", bad);
		break;
	}
}

/* The DKIM check: a key at each selector the relay signs with. */
static void
check_dkim(struct ctl_dns *d, const struct ctl_rec *dom, struct result *res,
    int *aligned, const char **selector)
{
	const struct ctl_attr	*sel = ctl_rec_get(dom, "sgDkimSelector");
	char			 name[DC_NAME_MAX + 64], why[256], bad[300];
	char			 rec[DETAIL_MAX], **txt;
	size_t			 i, k, n;
	int			 rc, best, nbad = 0;

	*aligned = 0;
	*selector = NULL;
	if (sel == NULL || sel->n == 0) {
		verdict(&res->c[CK_DKIM], DC_WARN, NULL, "no sgDkimSelector: "
		    "the relay signs nothing for this domain");
		return;
	}
	bad[0] = rec[0] = '\0';
	for (i = 0; i < sel->n; i++) {
		snprintf(name, sizeof(name), "%s._domainkey.%s", sel->v[i],
		    res->primary);
		if ((rc = ctl_dns_txt(d, name, &txt, &n, why, sizeof(why))) ==
		    -1) {
			failed(res, name, why);
			return;
		}
		best = DKIM_NOT_KEY;
		for (k = 0; rc == 1 && k < n; k++)
			if ((int)dc_dkim_record(txt[k]) < best)
				best = (int)dc_dkim_record(txt[k]);
		if (rc == 1)
			ctl_dns_free_txt(txt, n);
		if (best == DKIM_KEY) {
			*aligned = 1;
			*selector = sel->v[i];
			continue;
		}
		nbad++;
		snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
		    "%s%s: %s", bad[0] ? ", " : "", sel->v[i], rc == 0 ?
		    "no record" : best == DKIM_REVOKED ? "key revoked" :
		    "not a DKIM key");
		if (rec[0] == '\0')
			snprintf(rec, sizeof(rec), "%s. IN TXT \"v=DKIM1; "
			    "k=rsa; p=<the relay's public key for %s>\"", name,
			    sel->v[i]);
	}
	if (nbad == 0)
		verdict(&res->c[CK_DKIM], DC_PASS, NULL, "a key at every "
		    "selector (%zu)", sel->n);
	else
		verdict(&res->c[CK_DKIM], DC_FAIL, rec, "%s", bad);
}

/* The DMARC check: one record, its policy, alignment (libopendmarc). */
static void
check_dmarc(struct ctl_dns *d, struct result *res, int spf_ok, int dkim_ok,
    const char *selector)
{
	struct ctl_dmarc	 dm;
	char			 name[DC_NAME_MAX + 8], why[256], rec[DETAIL_MAX];
	char			 **txt;
	const char		*record = NULL;
	size_t			 n = 0, k, nrec = 0;
	int			 rc;

	snprintf(name, sizeof(name), "_dmarc.%s", res->primary);
	snprintf(rec, sizeof(rec), "%s. IN TXT \"v=DMARC1; p=none\"", name);
	if ((rc = ctl_dns_txt(d, name, &txt, &n, why, sizeof(why))) == -1) {
		failed(res, name, why);
		return;
	}
	for (k = 0; rc == 1 && k < n; k++)
		if (dc_is_dmarc(txt[k])) {
			nrec++;
			record = txt[k];
		}
	res->dmarc_found = 0;
	if (nrec == 0)
		verdict(&res->c[CK_DMARC], DC_FAIL, rec, "no DMARC record at "
		    "%s", name);
	else if (nrec > 1)
		verdict(&res->c[CK_DMARC], DC_FAIL, rec, "%zu DMARC records "
		    "at %s: receivers use none (RFC 7489 6.6.3)", nrec, name);
	else if (ctl_dmarc_judge(record, res->primary, spf_ok, dkim_ok,
	    selector, &dm) == -1)
		verdict(&res->c[CK_DMARC], DC_FAIL, rec, "the record at %s "
		    "does not parse: %s", name, dm.why);
	else {
		res->dmarc_found = 1;
		if (!dm.spf_aligned && !dm.dkim_aligned)
			verdict(&res->c[CK_DMARC], DC_FAIL, NULL, "p=%s, but "
			    "neither SPF nor DKIM can align (fix those)",
			    dm.policy);
		else
			verdict(&res->c[CK_DMARC], DC_PASS, NULL, "p=%s; %s%s%s",
			    dm.policy, dm.spf_aligned ? "SPF aligns" : "",
			    dm.spf_aligned && dm.dkim_aligned ? ", " : "",
			    dm.dkim_aligned ? "DKIM aligns" : "");
	}
	if (rc == 1)
		ctl_dns_free_txt(txt, n);
}

/* Run the four checks of one domain into res. */
static void
check_domain(struct ctl_ctx *x, struct ctl_dns *d, const struct ctl_rec *dom,
    struct result *res)
{
	char		 name[DC_NAME_MAX], value[128], why[256], pub[DETAIL_MAX];
	const char	*selector;
	int		 spf_ok, dkim_ok;

	memset(res, 0, sizeof(*res));
	res->owner = -1;
	res->primary = ctl_rec_first(dom, "sgPrimaryDomain");
	if (res->primary == NULL || !plain_domain(res->primary)) {
		failed(res, "sgPrimaryDomain", "missing or not a domain name");
		return;
	}
	if (x->conf->domain_token_secret == NULL)
		verdict(&res->c[CK_OWNERSHIP], DC_WARN, NULL,
		    "domain_token_secret_file is not set: cannot check");
	else {
		res->owner = ownership(d, x->conf->domain_token_secret,
		    res->primary, name, sizeof(name), value, sizeof(value),
		    why, sizeof(why));
		snprintf(pub, sizeof(pub), "%s. IN TXT \"%s\"", name, value);
		if (res->owner == -1) {
			failed(res, name, why);
			return;
		}
		if (res->owner == 1)
			verdict(&res->c[CK_OWNERSHIP], DC_PASS, NULL, "%s has "
			    "the record", name);
		else
			verdict(&res->c[CK_OWNERSHIP], DC_FAIL, pub, "no "
			    "ownership record at %s", name);
	}
	check_spf(x, d, res, &spf_ok);
	if (res->failed)
		return;
	check_dkim(d, dom, res, &dkim_ok, &selector);
	if (res->failed)
		return;
	check_dmarc(d, res, spf_ok, dkim_ok, selector);
}

/* The domain's worst verdict. */
static enum dc_verdict
worst(const struct result *res)
{
	enum dc_verdict	 w = DC_PASS;
	int		 i;

	for (i = 0; i < NCHECKS; i++)
		if (res->c[i].v > w)
			w = res->c[i].v;
	return w;
}

/* Print one domain's result (text or one JSON object). */
static void
print_result(FILE *fp, const struct ctl_rec *dom, const struct result *res,
    int json, int first)
{
	const char	*name = ctl_rec_first(dom, "sgDomainName");
	int		 i;

	if (json) {
		fprintf(fp, "%s{\"domain\":", first ? "" : ",");
		ctl_json_str(fp, name ? name : "");
		fprintf(fp, ",\"primary\":");
		ctl_json_str(fp, res->primary ? res->primary : "");
		if (res->failed) {
			fprintf(fp, ",\"verdict\":\"error\",\"error\":");
			ctl_json_str(fp, res->why);
			fprintf(fp, "}");
			return;
		}
		fprintf(fp, ",\"verdict\":\"%s\",\"checks\":[",
		    dc_verdict_name(worst(res)));
		for (i = 0; i < NCHECKS; i++) {
			fprintf(fp, "%s{\"check\":\"%s\",\"verdict\":\"%s\","
			    "\"detail\":", i ? "," : "", check_names[i],
			    dc_verdict_name(res->c[i].v));
			ctl_json_str(fp, res->c[i].detail);
			fprintf(fp, ",\"publish\":");
			ctl_json_str(fp, res->c[i].publish);
			fprintf(fp, "}");
		}
		fprintf(fp, "]}");
		return;
	}
	if (res->failed) {
		fprintf(fp, "%s (%s): error: DNS failed: %s\n", res->primary ?
		    res->primary : "?", name ? name : "?", res->why);
		return;
	}
	fprintf(fp, "%s (%s): %s\n", res->primary, name ? name : "?",
	    dc_verdict_name(worst(res)));
	for (i = 0; i < NCHECKS; i++) {
		fprintf(fp, "  %-10s %-5s %s\n", check_names[i],
		    dc_verdict_name(res->c[i].v), res->c[i].detail);
		if (res->c[i].publish[0] != '\0')
			fprintf(fp, "  %-10s       publish: %s\n", "",
			    res->c[i].publish);
	}
}

/* The verdict the entry's sgDnsCheckResult kept for check i, or -1. */
static int
previous(const struct ctl_rec *dom, int i)
{
	const struct ctl_attr	*a = ctl_rec_get(dom, "sgDnsCheckResult");
	size_t			 k, len = strlen(check_names[i]);

	for (k = 0; a != NULL && k < a->n; k++)
		if (strncmp(a->v[k], check_names[i], len) == 0 &&
		    a->v[k][len] == ' ') {
			char	 word[8];

			snprintf(word, sizeof(word), "%.*s",
			    (int)strcspn(a->v[k] + len + 1, " "),
			    a->v[k] + len + 1);
			return dc_verdict_parse(word);
		}
	return -1;
}

/* Add to the operator's mail the checks of dom that broke; count them. */
static int
broke(const struct ctl_rec *dom, const struct result *res, char *mail,
    size_t len)
{
	int	 i, was, n = 0;

	for (i = 0; i < NCHECKS; i++) {
		was = previous(dom, i);
		if (res->c[i].v != DC_FAIL || (was != DC_PASS && was != DC_WARN))
			continue;
		n++;
		fprintf(stderr, "sendergatectl: domain check: %s: %s broke "
		    "(was %s): %s\n", res->primary, check_names[i],
		    dc_verdict_name((enum dc_verdict)was), res->c[i].detail);
		snprintf(mail + strlen(mail), len - strlen(mail),
		    "%s: %s broke (was %s): %s\n%s%s%s", res->primary,
		    check_names[i], dc_verdict_name((enum dc_verdict)was),
		    res->c[i].detail, res->c[i].publish[0] ? "  publish: " : "",
		    res->c[i].publish, res->c[i].publish[0] ? "\n" : "");
	}
	return n;
}

/* Store what the check found on the entry; 0 or -1 (reported). */
static int
store(struct ctl_ctx *x, const struct ctl_rec *dom, const struct result *res)
{
	static const char *const attrs[] = { "sgDmarcFound", "sgDnsCheckedAt",
	    "sgDnsCheckResult", "sgPrimaryDomainVerified",
	    "sgPrimaryDomainVerifiedAt", NULL };
	struct ctl_rec	*r;
	char		 now[32], line[DETAIL_MAX + 32];
	int		 i, ret = -1;

	if ((r = ctl_rec_dup(dom)) == NULL)
		goto oom;
	gentime(now, sizeof(now));
	ctl_rec_clear(r, "sgDnsCheckResult");
	if (ctl_rec_set(r, "sgDmarcFound", res->dmarc_found ? "TRUE" :
	    "FALSE") == -1 || ctl_rec_set(r, "sgDnsCheckedAt", now) == -1)
		goto oom;
	for (i = 0; i < NCHECKS; i++) {
		snprintf(line, sizeof(line), "%s %s %s", check_names[i],
		    dc_verdict_name(res->c[i].v), res->c[i].detail);
		if (ctl_rec_add(r, "sgDnsCheckResult", line) == -1)
			goto oom;
	}
	if (res->owner == 1 && (ctl_rec_set(r, "sgPrimaryDomainVerified",
	    "TRUE") == -1 || ctl_rec_set(r, "sgPrimaryDomainVerifiedAt",
	    now) == -1))
		goto oom;
	if (res->owner == 0 && ctl_rec_set(r, "sgPrimaryDomainVerified",
	    "FALSE") == -1)
		goto oom;
	/* the same second as the last run: nothing to write, nothing said */
	for (i = 0; attrs[i] != NULL && ctl_rec_same(dom, r, attrs[i]); i++)
		;
	ret = attrs[i] == NULL ? 0 : ctl_apply_modify(x, dom, r, attrs);
	ctl_rec_free(r);
	return ret;
oom:
	fprintf(stderr, "sendergatectl: out of memory\n");
	ctl_rec_free(r);
	return -1;
}

/* Mail the operator what broke (notify_relay, notify_operator). */
static void
mail_operator(struct ctl_ctx *x, const char *body)
{
	const char	*to[1] = { x->conf->notify_operator };
	char		 err[512];

	if (x->conf->notify_relay[0] == '\0' ||
	    x->conf->notify_operator[0] == '\0') {
		log_debug("domain check: no notify_relay or notify_operator: "
		    "not mailed");
		return;
	}
	if (notify_send_now(x->conf, to, 1, "sendergate: customer DNS "
	    "records broke", body, err, sizeof(err)) == -1)
		fprintf(stderr, "sendergatectl: domain check: mail to %s "
		    "failed: %s\n", to[0], err);
}

/* domain check [DOMAIN|--all] [--json] */
int
ctl_cmd_domain_check(struct ctl_ctx *x, const struct ctl_args *a, char **v,
    int n)
{
	struct ctl_rec	**doms = NULL, *one = NULL;
	struct ctl_dns	*d = NULL;
	struct result	 res;
	char		*mail = NULL;
	size_t		 ndoms = 0, i;
	int		 ret = CTL_OK, rc, nbroke = 0;

	if ((n == 0) == (a->all == 0))
		return ctl_usage_error("domain check", "give a DOMAIN or "
		    "--all");
	if (n == 1) {
		if ((rc = ctl_find_domain(x, v[0], &one)) == -1)
			return CTL_BACKEND;
		if (rc == 0) {
			fprintf(stderr, "sendergatectl: no domain %s\n", v[0]);
			return CTL_NOTFOUND;
		}
		doms = &one;
		ndoms = 1;
	} else if (ctl_search(x, x->conf->ldap_base, LDAP_SCOPE_SUBTREE,
	    "(objectClass=sgDomain)", &doms, &ndoms) == -1)
		return CTL_BACKEND;
	if ((d = open_dns(x)) == NULL || (mail = calloc(1, BROKE_MAX)) ==
	    NULL) {
		ret = CTL_BACKEND;
		goto out;
	}
	if (a->json)
		printf("{\"domains\":[");
	for (i = 0; i < ndoms; i++) {
		check_domain(x, d, doms[i], &res);
		print_result(stdout, doms[i], &res, a->json, i == 0);
		if (res.failed) {
			if (!a->json)
				fprintf(stderr, "sendergatectl: domain check: "
				    "%s: DNS failed: %s (nothing recorded)\n",
				    res.primary ? res.primary : "?", res.why);
			ret = CTL_BACKEND;
			continue;
		}
		if (worst(&res) == DC_FAIL && ret == CTL_OK)
			ret = CTL_NOTFOUND;
		nbroke += broke(doms[i], &res, mail, BROKE_MAX);
		if (!x->dry_run && store(x, doms[i], &res) == -1)
			ret = CTL_BACKEND;
	}
	if (a->json)
		printf("]}\n");
	if (nbroke > 0 && !x->dry_run)
		mail_operator(x, mail);
out:
	free(mail);
	ctl_dns_close(d);
	if (one != NULL)
		ctl_rec_free(one);
	else
		ctl_recs_free(doms, ndoms);
	return ret;
}
