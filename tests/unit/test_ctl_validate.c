/*
 * test_ctl_validate.c - sendergatectl's validation phase as a pure
 * function: records and facts in, the list of problems out. No LDAP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl.h"

#define BASE	"ou=sendergate,dc=example,dc=com"
#define DOM_DN	"sgDomainName=acmecorp-com.relay.example," BASE
#define SND_DN	"mail=john.smith@acmecorp.com," DOM_DN

/* Add name: value pairs (NULL-terminated) to r. */
static void
put(struct ctl_rec *r, ...)
{
	va_list		 ap;
	const char	*n, *v;

	va_start(ap, r);
	while ((n = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		assert_int_equal(ctl_rec_add(r, n, v), 0);
	}
	va_end(ap);
}

/* The domain acmecorp.com: limit 1000, one network, an archive. */
static struct ctl_rec *
domain(void)
{
	struct ctl_rec	*d = ctl_rec_new(DOM_DN);

	assert_non_null(d);
	put(d, "objectClass", "sgDomain",
	    "sgDomainName", "acmecorp-com.relay.example",
	    "sgPrimaryDomain", "acmecorp.com", "sgMonthlyLimit", "1000",
	    "sgAllowedNetwork", "192.0.2.0/24",
	    "sgArchiveAddress", "archive@vault.example", NULL);
	return d;
}

/* A complete sender with every attribute. */
static struct ctl_rec *
sender(void)
{
	struct ctl_rec	*s = ctl_rec_new(SND_DN);

	assert_non_null(s);
	put(s, "objectClass", "sgSender", "mail", "john.smith@acmecorp.com",
	    "cn", "John Smith", "description", "sales",
	    "sgAccessMethod", "smtp", "sgAccessMethod", "campaign",
	    "sgAuthMethod", "user", "sgAuthMethod", "ip",
	    "sgAuthId", "john.smith@acmecorp-com.relay.example",
	    "sgAllowedNetwork", "2001:db8::/32", "sgBccAddress", "x@y.example",
	    "sgArchive", "TRUE", "sgMonthlyLimit", "500",
	    "sgReplyTo", "r@acmecorp.com", "sgStatus", "active", NULL);
	return s;
}

/* Facts: the domain, completeness on, nothing else. */
static void
facts(struct ctl_facts *f, const struct ctl_rec *d)
{
	memset(f, 0, sizeof(*f));
	f->domain = d;
	f->complete = 1;
}

/* 1 if some problem contains text. */
static int
has(const struct ctl_problems *p, const char *text)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->msg[i], text) != NULL)
			return 1;
	return 0;
}

/* Print the problems when a count is not the one wanted. */
static void
want_n(const struct ctl_problems *p, size_t n)
{
	size_t	 i;

	if (p->n == n)
		return;
	for (i = 0; i < p->n; i++)
		fprintf(stderr, "  problem: %s\n", p->msg[i]);
	fprintf(stderr, "got %zu problems, want %zu\n", p->n, n);
	fail();
}

/* Require a problem containing text. */
static void
want(const struct ctl_problems *p, const char *text)
{
	if (has(p, text))
		return;
	fprintf(stderr, "got no problem containing \"%s\", want one\n", text);
	want_n(p, (size_t)-1);
}

/* A complete, compliant sender passes. */
static void
test_valid_sender(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	facts(&f, d);
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	want_n(&p, 0);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Completeness: everything missing is reported at once. */
static void
test_completeness(void **state)
{
	struct ctl_rec		*d = domain(), *s = ctl_rec_new(SND_DN);
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	put(s, "mail", "john.smith@acmecorp.com", NULL);
	facts(&f, d);
	assert_int_equal(ctl_validate_sender(s, &f, &p), 4);
	want(&p, "no name");
	want(&p, "no access method");
	want(&p, "no authentication method");
	want(&p, "no monthly limit");
	ctl_problems_free(&p);

	/* status changes do not ask for completeness */
	f.complete = 0;
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* user needs an auth id; ip needs a network (sender's or domain's). */
static void
test_auth_needs(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	ctl_rec_clear(s, "sgAuthId");
	ctl_rec_clear(s, "sgAllowedNetwork");
	facts(&f, d);
	assert_int_equal(ctl_validate_sender(s, &f, &p), 1);
	want(&p, "needs an auth id");
	ctl_problems_free(&p);

	/* the domain's network suffices; without it ip fails too */
	ctl_rec_clear(d, "sgAllowedNetwork");
	assert_int_equal(ctl_validate_sender(s, &f, &p), 2);
	want(&p, "needs a network");
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Association: the domain must exist and claim the address's domain. */
static void
test_association(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };
	const char		*dups[] = { "sgDomainName=x," BASE };

	(void)state;
	facts(&f, NULL);
	ctl_rec_set(s, "sgArchive", "FALSE");
	ctl_validate_sender(s, &f, &p);
	want(&p, "no domain has sgPrimaryDomain acmecorp.com");
	want_n(&p, 1);
	ctl_problems_free(&p);

	facts(&f, d);
	ctl_rec_set(d, "sgPrimaryDomain", "other.example");
	ctl_validate_sender(s, &f, &p);
	want(&p, "not in the domain's primary domain other.example");
	ctl_problems_free(&p);

	ctl_rec_set(d, "sgPrimaryDomain", "acmecorp.com");
	f.dup_domains = dups;
	f.ndup = 1;
	ctl_validate_sender(s, &f, &p);
	want(&p, "also claimed by sgDomainName=x,");
	want_n(&p, 1);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Compliance: every bad value at once. */
static void
test_compliance(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	ctl_rec_set(s, "sgAccessMethod", "smtpx");
	ctl_rec_set(s, "sgAuthMethod", "user");
	ctl_rec_add(s, "sgAuthMethod", "kerberos");
	ctl_rec_add(s, "sgAllowedNetwork", "10.0.0.0/33");
	ctl_rec_add(s, "sgAllowedNetwork", "300.1.2.3");
	ctl_rec_set(s, "sgBccAddress", "not an address");
	ctl_rec_set(s, "sgReplyTo", "@x");
	ctl_rec_set(s, "sgArchive", "maybe");
	ctl_rec_set(s, "sgStatus", "paused");
	ctl_rec_set(s, "sgMonthlyLimit", "-5");
	ctl_rec_add(s, "sgAuthId", "no-at-sign");	/* a plain login: good */
	ctl_rec_add(s, "sgAuthId", "two words");
	ctl_rec_add(s, "sgAuthId", "tab\there");
	facts(&f, d);
	ctl_validate_sender(s, &f, &p);
	want(&p, "unknown word \"smtpx\" (expected smtp or campaign)");
	want(&p, "unknown word \"kerberos\" (expected user or ip)");
	want(&p, "\"10.0.0.0/33\" is not a valid network");
	want(&p, "\"300.1.2.3\" is not a valid network");
	want(&p, "\"not an address\" is not a valid address");
	want(&p, "\"@x\" is not a valid address");
	want(&p, "\"two words\" is not a valid login");
	want(&p, "\"tab\there\" is not a valid login");
	want(&p, "\"maybe\" is not TRUE or FALSE");
	want(&p, "unknown word \"paused\"");
	want(&p, "\"-5\" is not a non-negative number");
	want(&p, "sgAuthId: control character in a value");
	want_n(&p, 12);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* sgSendRate: the milter's parser, at most four, one per window length. */
static void
test_rates(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	ctl_rec_add(s, "sgSendRate", "100/1m");
	ctl_rec_add(s, "sgSendRate", "2000/1h");
	facts(&f, d);
	ctl_validate_sender(s, &f, &p);
	want_n(&p, 0);
	ctl_rec_add(s, "sgSendRate", "3/1s");
	ctl_rec_add(s, "sgSendRate", "0/1h");
	ctl_rec_add(s, "sgSendRate", "5/60m");
	ctl_rec_add(s, "sgSendRate", "100001/1d");
	ctl_rec_add(d, "sgSendRate", "10/32d");
	ctl_validate_sender(s, &f, &p);
	ctl_validate_domain(d, &f, &p);
	want(&p, "sender <john.smith@acmecorp.com>: sgSendRate (--send-rate) takes at "
	    "most 4 values, not 6");
	want(&p, "\"3/1s\" is not a rate N/T");
	want(&p, "\"0/1h\" is not a rate N/T");
	want(&p, "\"100001/1d\" is not a rate N/T");
	want(&p, "two rates over 1h (2000/1h and 5/60m): one per window length");
	want(&p, "domain acmecorp-com.relay.example: sgSendRate (--send-rate): "
	    "\"10/32d\" is not a rate N/T");
	want_n(&p, 6);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* A sender's limit may not pass its domain's. */
static void
test_limit_above_domain(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	facts(&f, d);
	ctl_rec_set(s, "sgMonthlyLimit", "1000");
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	ctl_rec_set(s, "sgMonthlyLimit", "1001");
	assert_int_equal(ctl_validate_sender(s, &f, &p), 1);
	want(&p, "monthly limit 1001 is above its domain's 1000");
	ctl_problems_free(&p);
	/* no domain limit: any sender limit */
	ctl_rec_clear(d, "sgMonthlyLimit");
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* An auth id bound in another domain is refused; in the same one not. */
static void
test_authid_owner(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };
	struct ctl_owner	 o[2] = {
		{ "john.smith@acmecorp-com.relay.example",
		    "mail=jane@acmecorp.com," DOM_DN, DOM_DN },
		{ "JOHN.SMITH@acmecorp-com.relay.example",
		    "mail=x@other.example,sgDomainName=other," BASE,
		    "sgDomainName=other," BASE },
	};

	(void)state;
	facts(&f, d);
	f.owners = o;
	f.nowners = 1;
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	f.nowners = 2;
	assert_int_equal(ctl_validate_sender(s, &f, &p), 1);
	want(&p, "is already bound to mail=x@other.example");
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Archive TRUE needs an archive address somewhere. */
static void
test_archive_needs_address(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };
	struct sg_conf		 c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.archive_address = (char[]){ "" };
	facts(&f, d);
	f.conf = &c;
	ctl_rec_clear(d, "sgArchiveAddress");
	assert_int_equal(ctl_validate_sender(s, &f, &p), 1);
	want(&p, "no sgArchiveAddress");
	ctl_problems_free(&p);
	c.archive_address = (char[]){ "global@vault.example" };
	assert_int_equal(ctl_validate_sender(s, &f, &p), 0);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Control characters and multiple values of single attributes. */
static void
test_values(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender();
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };

	(void)state;
	facts(&f, d);
	ctl_rec_set(s, "cn", "John\nSmith");
	ctl_rec_add(s, "sgMonthlyLimit", "600");
	ctl_validate_sender(s, &f, &p);
	want(&p, "cn: control character");
	want(&p, "sgMonthlyLimit takes one value, not 2");
	want_n(&p, 2);
	ctl_problems_free(&p);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Domains: required values, syntax, a second claim, the senders. */
static void
test_domain(void **state)
{
	struct ctl_rec		*d = domain(), *s = sender(), *e;
	const struct ctl_rec	*senders[1];
	struct ctl_facts	 f;
	struct ctl_problems	 p = { NULL, 0 };
	const char		*dups[] = { "sgDomainName=old," BASE };

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(ctl_validate_domain(d, &f, &p), 0);

	e = ctl_rec_new("sgDomainName=x," BASE);
	put(e, "sgDomainName", "bad name", "sgPrimaryDomain", "not a domain",
	    "sgMonthlyLimit", "lots", "sgStatus", "gone",
	    "sgArchiveAddress", "nobody", "sgAllowedNetwork", "::1/129",
	    NULL);
	f.dup_domains = dups;
	f.ndup = 1;
	ctl_validate_domain(e, &f, &p);
	want(&p, "sgDomainName must be a plain name");
	want(&p, "\"not a domain\" is not a valid domain");
	want(&p, "\"lots\" is not a non-negative number");
	want(&p, "unknown word \"gone\"");
	want(&p, "\"nobody\" is not a valid address");
	want(&p, "\"::1/129\" is not a valid network");
	want(&p, "already claimed by sgDomainName=old,");
	want_n(&p, 7);
	ctl_problems_free(&p);
	ctl_rec_free(e);

	/* its senders: limits, primary domain, ip networks */
	e = ctl_rec_new(DOM_DN);
	put(e, "sgDomainName", "acmecorp-com.relay.example",
	    "sgPrimaryDomain", "acme.example", "sgMonthlyLimit", "100", NULL);
	ctl_rec_clear(s, "sgAllowedNetwork");
	senders[0] = s;
	memset(&f, 0, sizeof(f));
	f.senders = senders;
	f.nsenders = 1;
	ctl_validate_domain(e, &f, &p);
	want(&p, "its sender <john.smith@acmecorp.com> is not in primary");
	want(&p, "monthly limit 100 is below that of its sender");
	want(&p, "uses ip and has no network of its own");
	want_n(&p, 3);
	ctl_problems_free(&p);

	/* deleting: only without senders */
	assert_int_equal(ctl_validate_domain_delete(d, &f, &p), 1);
	want(&p, "it has 1 sender");
	ctl_problems_free(&p);
	f.nsenders = 0;
	assert_int_equal(ctl_validate_domain_delete(d, &f, &p), 0);
	ctl_rec_free(e);
	ctl_rec_free(s);
	ctl_rec_free(d);
}

/* Records: add without duplicates, remove, same, parent DN. */
static void
test_records(void **state)
{
	struct ctl_rec	*a = ctl_rec_new("mail=a\\,b@x,ou=y"), *b;

	(void)state;
	put(a, "sgBccAddress", "x@y", "sgBccAddress", "X@Y", NULL);
	assert_int_equal(ctl_rec_count(a, "sgbccaddress"), 1);
	b = ctl_rec_dup(a);
	assert_true(ctl_rec_same(a, b, "sgBccAddress"));
	assert_int_equal(ctl_rec_add(b, "sgBccAddress", "z@y"), 0);
	assert_false(ctl_rec_same(a, b, "sgBccAddress"));
	assert_int_equal(ctl_rec_remove(b, "sgBccAddress", "Z@y"), 1);
	assert_int_equal(ctl_rec_remove(b, "sgBccAddress", "z@y"), 0);
	assert_true(ctl_rec_same(a, b, "sgBccAddress"));
	assert_int_equal(ctl_rec_set(b, "sgBccAddress", ""), 0);
	assert_int_equal(ctl_rec_count(b, "sgBccAddress"), 0);
	assert_string_equal(ctl_parent_dn(a->dn), "ou=y");
	assert_string_equal(ctl_bool_word("Yes"), "TRUE");
	assert_string_equal(ctl_bool_word("no"), "FALSE");
	assert_null(ctl_bool_word("maybe"));
	ctl_rec_free(a);
	ctl_rec_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_sender),
		cmocka_unit_test(test_completeness),
		cmocka_unit_test(test_auth_needs),
		cmocka_unit_test(test_association),
		cmocka_unit_test(test_compliance),
		cmocka_unit_test(test_limit_above_domain),
		cmocka_unit_test(test_authid_owner),
		cmocka_unit_test(test_archive_needs_address),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
