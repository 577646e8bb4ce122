/*
 * test_policy.c - the decision table, rule by rule and setting by setting,
 * against the pure policy functions (no LDAP, no Redis, no libmilter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/policy.h"

static char *bcc_list[] = { (char[]){ "audit@acmecorp.com" },
	(char[]){ "boss@acmecorp.com" } };
static char *authid_list[] = {
	(char[]){ "john.smith@acmecorp-com.relay.example" },
	(char[]){ "john.alt@acmecorp-com.relay.example" } };
static struct sg_cidr snd_nets[1], dom_nets[1];
/* entry strings: file scope, since compound literals in a function die */
static char dom_dn[] = "sgDomainName=acmecorp-com.relay.example,"
    "ou=sendergate,dc=example,dc=com";
static char primary[] = "acmecorp.com";
static char archive[] = "archive@vault.example";
static char snd_dn[] = "mail=john.smith@acmecorp.com,"
    "sgDomainName=acmecorp-com.relay.example,ou=sendergate,dc=example,dc=com";
static char snd_mail[] = "john.smith@acmecorp.com";
static char jane[] = "jane@acmecorp.com";
static char foreign_dn[] = "sgDomainName=other,ou=sendergate,dc=x";

/* A fresh entry: an active smtp/user sender of an active domain. */
static void
entry_init(struct sg_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->refs = 1;
	e->dom.dn = dom_dn;
	e->dom.primary = primary;
	e->dom.limit = LIMIT_NONE;
	e->dom.archive = archive;
	assert_int_equal(cidr_parse("192.0.2.0/24", &dom_nets[0]), 0);
	e->dom.nets = dom_nets;
	e->dom.nnets = 1;
	e->snd.dn = snd_dn;
	e->snd.mail = snd_mail;
	e->snd.methods = METHOD_SMTP;
	e->snd.auth = AUTH_USER;
	e->snd.authids = authid_list;
	e->snd.nauthids = 2;
	assert_int_equal(cidr_parse("2001:db8:5::/48", &snd_nets[0]), 0);
	e->snd.nets = snd_nets;
	e->snd.nnets = 1;
	e->snd.limit = LIMIT_NONE;
}

/* Compare a decision with what is wanted, printing "got X, want Y". */
static void
check(const char *name, const struct decision *d, int action,
    const char *rule, const char *reply)
{
	char	 got[512];

	snprintf(got, sizeof(got), "%s%s%s%s%s", d->code, d->code[0] ? " " : "",
	    d->xcode, d->code[0] ? " " : "", d->text);
	if (d->action != action || strcmp(policy_rule_name(d->rule), rule) != 0 ||
	    strcmp(got, reply) != 0) {
		print_message("%s: got %s rule=%s \"%s\", want %s rule=%s "
		    "\"%s\"\n", name, policy_action_name(d->action),
		    policy_rule_name(d->rule),
		    got, policy_action_name(action), rule, reply);
		fail();
	}
}

/* Rules 1 and 2, with null_sender both ways. */
static void
test_envelope(void **state)
{
	struct sg_conf	 c;
	struct decision	 d;

	(void)state;
	conf_defaults(&c);
	policy_envelope(&c, ADDR_NULL, &d);
	check("null reject", &d, POL_REJECT, "null_sender",
	    "550 5.7.1 Null sender not accepted");
	c.null_sender = ACT_ACCEPT;
	policy_envelope(&c, ADDR_NULL, &d);
	check("null accept", &d, POL_ACCEPT, "null_sender", "");
	policy_envelope(&c, ADDR_BAD, &d);
	check("syntax", &d, POL_REJECT, "syntax",
	    "553 5.1.7 Bad sender address syntax");
	policy_envelope(&c, ADDR_OK, &d);
	check("ok", &d, POL_CONTINUE, "ok", "");
	conf_free(&c);
}

struct sender_case {
	const char	*name;
	int		 kind;		/* directory answer */
	int		 sstatus, dstatus;
	int		 methods, auth;
	int		 listener;
	const char	*login;
	const char	*client;
	int		 on_dir, on_susp;
	int		 action;
	const char	*rule;
	const char	*reply;
};

#define S	"john.smith@acmecorp.com"
#define LOGIN	"john.smith@acmecorp-com.relay.example"
#define ACT	STATUS_ACTIVE
#define SUS	STATUS_SUSPENDED
#define DIS	STATUS_DISABLED
#define SM	METHOD_SMTP
#define CA	METHOD_CAMPAIGN
#define U	AUTH_USER
#define I	AUTH_IP
#define TF	ACT_TEMPFAIL

static const struct sender_case sender_cases[] = {
	{ "3 directory tempfail", DIR_FAILED, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_TEMPFAIL, "directory",
	  "451 4.3.0 Sender directory unavailable, try again later" },
	{ "3 directory accept", DIR_FAILED, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  ACT_ACCEPT, TF, POL_ACCEPT, "directory", "" },
	{ "3 directory reject", DIR_FAILED, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  ACT_REJECT, TF, POL_REJECT, "directory",
	  "550 5.3.0 Sender directory unavailable" },
	{ "4 no domain", DIR_NO_DOMAIN, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_REJECT, "domain_unregistered",
	  "550 5.7.1 Sender domain <acmecorp.com> is not registered" },
	{ "5 no sender", DIR_NO_SENDER, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_REJECT, "sender_unregistered",
	  "550 5.7.1 Sender <" S "> is not registered" },
	{ "6 sender disabled", DIR_SENDER, DIS, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_REJECT, "disabled", "550 5.7.1 Sender <" S "> is disabled" },
	{ "6 domain disabled", DIR_SENDER, ACT, DIS, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_REJECT, "disabled", "550 5.7.1 Sender <" S "> is disabled" },
	{ "6 before 7", DIR_SENDER, SUS, DIS, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_REJECT, "disabled", "550 5.7.1 Sender <" S "> is disabled" },
	{ "7 suspended", DIR_SENDER, SUS, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_TEMPFAIL, "suspended",
	  "451 4.7.1 Sender <" S "> is suspended" },
	{ "7 domain suspended, reject", DIR_SENDER, ACT, SUS, SM, U, SM, LOGIN,
	  NULL, TF, ACT_REJECT, POL_REJECT, "suspended",
	  "550 5.7.1 Sender <" S "> is suspended" },
	{ "8 smtp sender on campaign", DIR_SENDER, ACT, ACT, SM, U, CA, LOGIN,
	  NULL, TF, TF, POL_REJECT, "method",
	  "550 5.7.1 Sender <" S "> may not send via campaign" },
	{ "8 campaign sender on smtp", DIR_SENDER, ACT, ACT, CA, U, SM, LOGIN,
	  NULL, TF, TF, POL_REJECT, "method",
	  "550 5.7.1 Sender <" S "> may not send via smtp" },
	{ "8 both methods", DIR_SENDER, ACT, ACT, SM | CA, U, CA, LOGIN, NULL,
	  TF, TF, POL_CONTINUE, "ok", "" },
	{ "9a bound login", DIR_SENDER, ACT, ACT, SM, U, SM, LOGIN, NULL,
	  TF, TF, POL_CONTINUE, "ok", "" },
	{ "9a login case-insensitive", DIR_SENDER, ACT, ACT, SM, U, SM,
	  "John.Alt@ACMECORP-com.relay.example", NULL, TF, TF, POL_CONTINUE,
	  "ok", "" },
	{ "9a other login", DIR_SENDER, ACT, ACT, SM, U, SM,
	  "jane@acmecorp-com.relay.example", NULL, TF, TF, POL_REJECT,
	  "not_owned", "553 5.7.1 Sender address rejected: not owned by user "
	  "jane@acmecorp-com.relay.example" },
	{ "9a ip-only sender authenticated", DIR_SENDER, ACT, ACT, SM, I, SM,
	  LOGIN, "192.0.2.7", TF, TF, POL_REJECT, "not_owned",
	  "553 5.7.1 Sender address rejected: not owned by user " LOGIN },
	{ "9b domain network", DIR_SENDER, ACT, ACT, SM, I, SM, NULL,
	  "192.0.2.7", TF, TF, POL_CONTINUE, "ok", "" },
	{ "9b sender network v6", DIR_SENDER, ACT, ACT, SM, I, SM, NULL,
	  "2001:db8:5:1::9", TF, TF, POL_CONTINUE, "ok", "" },
	{ "9b user+ip inside", DIR_SENDER, ACT, ACT, SM, U | I, SM, NULL,
	  "192.0.2.200", TF, TF, POL_CONTINUE, "ok", "" },
	{ "9c user+ip outside", DIR_SENDER, ACT, ACT, SM, U | I, SM, NULL,
	  "198.51.100.1", TF, TF, POL_REJECT, "auth_required",
	  "530 5.7.0 Authentication required" },
	{ "9c user only", DIR_SENDER, ACT, ACT, SM, U, SM, NULL, "192.0.2.7",
	  TF, TF, POL_REJECT, "auth_required",
	  "530 5.7.0 Authentication required" },
	{ "9d ip outside", DIR_SENDER, ACT, ACT, SM, I, SM, NULL,
	  "198.51.100.1", TF, TF, POL_REJECT, "ip_not_authorized",
	  "550 5.7.1 Client address 198.51.100.1 not authorized for sender <"
	  S ">" },
	{ "9d unknown client", DIR_SENDER, ACT, ACT, SM, I, SM, NULL, NULL,
	  TF, TF, POL_REJECT, "ip_not_authorized",
	  "550 5.7.1 Client address unknown not authorized for sender <"
	  S ">" },
	{ "9d empty login is no login", DIR_SENDER, ACT, ACT, SM, I, SM, "",
	  "198.51.100.1", TF, TF, POL_REJECT, "ip_not_authorized",
	  "550 5.7.1 Client address 198.51.100.1 not authorized for sender <"
	  S ">" },
};

/* Rules 3 to 9, table-driven. */
static void
test_sender(void **state)
{
	struct sg_conf		 c;
	struct sg_entry		 e;
	struct dir_answer	 a;
	struct pol_session	 s;
	struct decision		 d;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(sender_cases) / sizeof(sender_cases[0]); i++) {
		const struct sender_case *t = &sender_cases[i];

		conf_defaults(&c);
		c.on_directory_error = t->on_dir;
		c.on_suspended = t->on_susp;
		entry_init(&e);
		e.snd.status = t->sstatus;
		e.dom.status = t->dstatus;
		e.snd.methods = t->methods;
		e.snd.auth = t->auth;
		memset(&a, 0, sizeof(a));
		a.kind = t->kind;
		a.entry = t->kind == DIR_SENDER ? &e : NULL;
		memset(&s, 0, sizeof(s));
		s.auth = t->login;
		s.method = t->listener;
		if (t->client != NULL)
			assert_int_equal(ip_parse(t->client, &s.client), 0);
		policy_sender(&c, S, "acmecorp.com", &a, &s, &d);
		check(t->name, &d, t->action, t->rule, t->reply);
		conf_free(&c);
	}
}

/* Limits: the sender's own, the default, 0, and the domain's. */
static void
test_limits(void **state)
{
	struct sg_conf		 c;
	struct sg_entry		 e;
	struct pol_limits	 l;

	(void)state;
	conf_defaults(&c);
	entry_init(&e);
	policy_limits(&c, &e, &l);
	assert_int_equal(l.sender, LIMIT_NONE);
	assert_int_equal(l.domain, LIMIT_NONE);
	c.default_monthly_limit = 300;
	policy_limits(&c, &e, &l);
	assert_int_equal(l.sender, 300);
	e.snd.limit = 0;		/* 0 = may not send, not "none" */
	policy_limits(&c, &e, &l);
	assert_int_equal(l.sender, 0);
	e.snd.limit = 50;
	e.dom.limit = 1000;
	policy_limits(&c, &e, &l);
	assert_int_equal(l.sender, 50);
	assert_int_equal(l.domain, 1000);
	conf_free(&c);
}

/* Rules 10 and 11 at MAIL FROM, 14 at commit, with their settings. */
static void
test_quota(void **state)
{
	struct sg_conf		 c;
	struct pol_limits	 l = { .sender = 5, .domain = 100 };
	struct pol_limits	 zero = { .sender = 0, .domain = LIMIT_NONE };
	struct decision		 d;

	(void)state;
	conf_defaults(&c);
	policy_quota(&c, S, 0, 4, 50, &l, &d);
	check("below", &d, POL_CONTINUE, "ok", "");
	policy_quota(&c, S, 0, 5, 50, &l, &d);
	check("sender at limit", &d, POL_TEMPFAIL, "quota",
	    "451 4.7.1 Monthly sending limit reached for <" S ">");
	policy_quota(&c, S, 0, 0, 100, &l, &d);
	check("domain at limit", &d, POL_TEMPFAIL, "quota",
	    "451 4.7.1 Monthly sending limit reached for <" S ">");
	policy_quota(&c, S, 0, 0, 0, &zero, &d);
	check("limit 0", &d, POL_TEMPFAIL, "quota",
	    "451 4.7.1 Monthly sending limit reached for <" S ">");
	c.on_quota_exceeded = ACT_REJECT;
	policy_quota(&c, S, 0, 5, 0, &l, &d);
	check("reject", &d, POL_REJECT, "quota",
	    "550 5.7.1 Monthly sending limit reached for <" S ">");
	policy_quota(&c, S, -1, 0, 0, &l, &d);
	check("11 tempfail", &d, POL_TEMPFAIL, "counter",
	    "451 4.3.0 Sender counters unavailable, try again later");
	c.on_counter_error = ACT_ACCEPT;
	policy_quota(&c, S, -1, 0, 0, &l, &d);
	check("11 accept", &d, POL_CONTINUE, "counter_error", "");

	policy_commit(&c, S, CTR_COUNTED, NULL, NULL, &d);
	check("14 counted", &d, POL_CONTINUE, "ok", "");
	policy_commit(&c, S, CTR_LIMIT, NULL, NULL, &d);
	check("14 reject", &d, POL_REJECT, "quota",
	    "550 5.7.1 Monthly sending limit reached for <" S ">");
	c.on_quota_exceeded = ACT_TEMPFAIL;
	policy_commit(&c, S, CTR_LIMIT, NULL, NULL, &d);
	check("14 tempfail", &d, POL_TEMPFAIL, "quota",
	    "451 4.7.1 Monthly sending limit reached for <" S ">");
	policy_commit(&c, S, CTR_FAILED, NULL, NULL, &d);
	check("14 counter error accept", &d, POL_CONTINUE, "counter_error", "");
	c.on_counter_error = ACT_TEMPFAIL;
	policy_commit(&c, S, CTR_FAILED, NULL, NULL, &d);
	check("14 counter error", &d, POL_TEMPFAIL, "counter",
	    "451 4.3.0 Sender counters unavailable, try again later");

	/* a retry is subject to rule 10 also when MAIL FROM did not read */
	policy_retry(&c, S, 0, 5, 0, &l, &d);
	check("retry at the limit, unread at MAIL FROM", &d, POL_TEMPFAIL,
	    "quota", "451 4.7.1 Monthly sending limit reached for <" S ">");
	policy_retry(&c, S, 0, 4, 0, &l, &d);
	check("retry below the limit, unread at MAIL FROM", &d, POL_CONTINUE,
	    "ok", "");
	policy_retry(&c, S, 1, 5, 0, &l, &d);
	check("retry, rule 10 asked at MAIL FROM", &d, POL_CONTINUE, "ok", "");
	conf_free(&c);
}

/* RCPT TO with quota_unit = recipient, and message (never limited). */
static void
test_rcpt(void **state)
{
	struct sg_conf		 c;
	struct pol_limits	 l = { .sender = 5, .domain = LIMIT_NONE };
	struct decision		 d;

	(void)state;
	conf_defaults(&c);
	policy_rcpt(&c, S, 0, 5, 0, 3, &l, &d);
	check("message unit", &d, POL_CONTINUE, "ok", "");
	c.quota_unit = QUOTA_RECIPIENT;
	policy_rcpt(&c, S, 0, 3, 0, 0, &l, &d);
	check("4th", &d, POL_CONTINUE, "ok", "");
	policy_rcpt(&c, S, 0, 3, 0, 1, &l, &d);
	check("5th", &d, POL_CONTINUE, "ok", "");
	policy_rcpt(&c, S, 0, 3, 0, 2, &l, &d);
	check("6th", &d, POL_TEMPFAIL, "rcpt_quota",
	    "452 4.7.1 Monthly recipient limit reached for <" S ">");
	policy_rcpt(&c, S, -1, 3, 0, 2, &l, &d);
	check("counts unknown", &d, POL_CONTINUE, "ok", "");
	conf_free(&c);
}

/* Rule 12 under each header_from_policy, and rule 13. */
static void
test_headers(void **state)
{
	struct sg_conf		 c;
	struct sg_entry		 e, other, foreign;
	struct pol_session	 s;
	struct pol_headers	 h;
	struct dir_answer	 a[2];
	struct decision		 d;
	char			 addrs[2][SG_ADDR_MAX + 1];

	(void)state;
	conf_defaults(&c);
	entry_init(&e);
	entry_init(&other);
	other.snd.mail = jane;
	entry_init(&foreign);
	foreign.dom.dn = foreign_dn;
	memset(&s, 0, sizeof(s));
	s.method = METHOD_SMTP;
	memset(&h, 0, sizeof(h));
	h.addrs = addrs;
	h.answers = a;

	/* no From; two From */
	policy_headers(&c, S, &e, &s, &h, &d);
	check("no From", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <> not permitted for sender <" S ">");
	h.nfrom = 2;
	h.from_ok = 1;
	snprintf(h.from_raw, sizeof(h.from_raw), "John <" S ">");
	strcpy(addrs[0], S);
	h.naddrs = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("two From", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <" S "> not permitted for sender <" S ">");
	h.from_ok = 0;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("unparsable From", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <John <" S ">> not permitted for sender <"
	    S ">");
	h.from_ok = 1;
	h.nfrom = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("own address", &d, POL_CONTINUE, "ok", "");

	/* registered: another active sender of the same domain */
	strcpy(addrs[1], "jane@acmecorp.com");
	h.naddrs = 2;
	a[1].kind = DIR_SENDER;
	a[1].entry = &other;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("registered colleague", &d, POL_CONTINUE, "ok", "");
	other.snd.status = STATUS_SUSPENDED;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("suspended colleague", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <jane@acmecorp.com> not permitted for "
	    "sender <" S ">");
	a[1].entry = &foreign;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("other domain's sender", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <jane@acmecorp.com> not permitted for "
	    "sender <" S ">");
	a[1].kind = DIR_NO_SENDER;
	a[1].entry = NULL;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("unregistered", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <jane@acmecorp.com> not permitted for "
	    "sender <" S ">");
	a[1].kind = DIR_FAILED;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("lookup failed", &d, POL_TEMPFAIL, "directory",
	    "451 4.3.0 Sender directory unavailable, try again later");
	c.on_directory_error = ACT_REJECT;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("lookup failed, reject", &d, POL_REJECT, "directory",
	    "550 5.3.0 Sender directory unavailable");
	c.on_directory_error = ACT_ACCEPT;	/* passes rule 12, not 13 */
	policy_headers(&c, S, &e, &s, &h, &d);
	check("lookup failed, accept", &d, POL_CONTINUE, "ok", "");
	s.method = METHOD_CAMPAIGN;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("lookup failed, accept, rule 13 still", &d, POL_REJECT,
	    "unsubscribe",
	    "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe");
	s.method = METHOD_SMTP;
	c.on_directory_error = ACT_TEMPFAIL;

	/* domain and exact */
	c.header_from_policy = FROM_DOMAIN;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("domain: same domain", &d, POL_CONTINUE, "ok", "");
	strcpy(addrs[1], "jane@elsewhere.example");
	policy_headers(&c, S, &e, &s, &h, &d);
	check("domain: other domain", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <jane@elsewhere.example> not permitted for "
	    "sender <" S ">");
	c.header_from_policy = FROM_EXACT;
	h.naddrs = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("exact: same", &d, POL_CONTINUE, "ok", "");
	strcpy(addrs[0], "jane@acmecorp.com");
	policy_headers(&c, S, &e, &s, &h, &d);
	check("exact: other", &d, POL_REJECT, "header_from",
	    "550 5.7.1 Header From <jane@acmecorp.com> not permitted for "
	    "sender <" S ">");
	c.header_from_policy = FROM_OFF;
	h.nfrom = 0;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("off", &d, POL_CONTINUE, "ok", "");

	/* 13: campaign listener needs one-click unsubscribe */
	s.method = METHOD_CAMPAIGN;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("campaign without", &d, POL_REJECT, "unsubscribe",
	    "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe");
	h.unsubscribe = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("campaign without Post", &d, POL_REJECT, "unsubscribe",
	    "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe");
	h.unsubscribe_post = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("campaign with both", &d, POL_CONTINUE, "ok", "");
	h.unsubscribe = 0;
	c.campaign_require_unsubscribe = 0;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("campaign, not required", &d, POL_CONTINUE, "ok", "");

	/* 13d: the last domain check found no DMARC record */
	h.unsubscribe = 1;
	e.dom.dmarc_missing = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("no DMARC, not required (default)", &d, POL_CONTINUE, "ok", "");
	c.campaign_require_dmarc = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("no DMARC, required", &d, POL_REJECT, "dmarc",
	    "550 5.7.1 Bulk mail requires a DMARC record for <acmecorp.com>");
	h.unsubscribe = 0;
	c.campaign_require_unsubscribe = 1;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("no DMARC, no unsubscribe: rule 13 first", &d, POL_REJECT,
	    "unsubscribe",
	    "550 5.7.1 Bulk mail must carry one-click List-Unsubscribe");
	h.unsubscribe = 1;
	s.method = METHOD_SMTP;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("no DMARC, smtp listener", &d, POL_CONTINUE, "ok", "");
	s.method = METHOD_CAMPAIGN;
	e.dom.dmarc_missing = 0;
	policy_headers(&c, S, &e, &s, &h, &d);
	check("DMARC found or never checked", &d, POL_CONTINUE, "ok", "");
	conf_free(&c);
}

/* Copies: BCC, archive (domain's or global), once, not if a recipient. */
static void
test_copies(void **state)
{
	struct sg_conf	 c;
	struct sg_entry	 e;
	const char	*out[8];
	char		*rcpts[] = { (char[]){ "Boss@acmecorp.com" },
			    (char[]){ "x@y.example" } };
	size_t		 n;

	(void)state;
	conf_defaults(&c);
	entry_init(&e);
	n = policy_copies(&c, &e, rcpts, 2, out, 8);
	assert_int_equal(n, 0);
	e.snd.bcc = bcc_list;
	e.snd.nbcc = 2;
	n = policy_copies(&c, &e, rcpts, 2, out, 8);
	assert_int_equal(n, 1);			/* boss is a recipient */
	assert_string_equal(out[0], "audit@acmecorp.com");
	e.snd.archive = 1;
	n = policy_copies(&c, &e, rcpts, 0, out, 8);
	assert_int_equal(n, 3);
	assert_string_equal(out[2], "archive@vault.example");
	e.dom.archive = NULL;			/* falls back to the global */
	free(c.archive_address);
	c.archive_address = strdup("audit@acmecorp.com");
	n = policy_copies(&c, &e, rcpts, 0, out, 8);
	assert_int_equal(n, 2);			/* same as a BCC: once */
	e.snd.archive = 0;
	e.snd.nbcc = 0;
	n = policy_copies(&c, &e, rcpts, 0, out, 8);
	assert_int_equal(n, 0);
	conf_free(&c);
}

/* Rules 10r and 10s: the windows at MAIL FROM and at the commit. */
static void
test_rates(void **state)
{
	struct sg_conf		 c;
	struct sg_rate		 sr[2], dr[1];
	struct pol_limits	 l;
	struct pol_rates	 u;
	struct decision		 d;

	(void)state;
	conf_defaults(&c);
	assert_int_equal(rate_parse("3/1m", &sr[0]), 0);
	assert_int_equal(rate_parse("10/1h", &sr[1]), 0);
	assert_int_equal(rate_parse("5/1d", &dr[0]), 0);
	memset(&l, 0, sizeof(l));
	l.sender = l.domain = LIMIT_NONE;
	l.srates = sr;
	l.nsrates = 2;
	l.drates = dr;
	l.ndrates = 1;
	memset(&u, 0, sizeof(u));
	u.sused[0] = 2;
	policy_rates(&c, S, &l, &u, &d);
	assert_int_equal(d.action, POL_CONTINUE);
	u.sused[0] = 3;
	policy_rates(&c, S, &l, &u, &d);
	assert_int_equal(d.action, POL_TEMPFAIL);
	assert_int_equal(d.rule, RULE_RATE);
	assert_string_equal(d.code, "451");
	assert_string_equal(d.text, "Sending rate exceeded for <" S
	    "> (3 per 1m)");
	assert_string_equal(policy_rule_name(d.rule), "rate");
	u.sused[0] = 0;
	u.dused[0] = 5;
	c.on_rate_exceeded = ACT_REJECT;
	policy_rates(&c, S, &l, &u, &d);
	assert_int_equal(d.action, POL_REJECT);
	assert_string_equal(d.code, "550");
	assert_string_equal(d.text, "Sending rate exceeded for <" S
	    "> (5 per 1d)");
	u.dused[0] = 0;
	u.suspended = "bounce rate 12.4% (62 of 500) over 14 days";
	policy_rates(&c, S, &l, &u, &d);
	assert_int_equal(d.action, POL_TEMPFAIL);
	assert_int_equal(d.rule, RULE_REPUTATION);
	assert_string_equal(d.text, "Sender <" S "> is suspended: bounce "
	    "rate 12.4% (62 of 500) over 14 days");
	assert_string_equal(policy_rule_name(d.rule), "reputation");
	c.reputation_action = REPACT_WARN;	/* only suspend enforces */
	policy_rates(&c, S, &l, &u, &d);
	assert_int_equal(d.action, POL_CONTINUE);
	policy_commit(&c, S, CTR_RATE, &sr[1], NULL, &d);
	assert_int_equal(d.rule, RULE_RATE);
	assert_string_equal(d.text, "Sending rate exceeded for <" S
	    "> (10 per 1h)");
	policy_commit(&c, S, CTR_SUSPENDED, NULL, "x", &d);
	assert_int_equal(d.rule, RULE_REPUTATION);
	assert_string_equal(d.code, "451");
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_quota),
		cmocka_unit_test(test_rates),
		cmocka_unit_test(test_rcpt),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_copies),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
