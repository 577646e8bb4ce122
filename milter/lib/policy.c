/*
 * policy.c - the SPEC's decision table, rule by rule, as pure functions.
 *
 * Replies: addresses are shown in angle brackets (<john@x.com>), other
 * values bare. An on_* action of "reject" turns a 4xx default into 550
 * with the same text; "accept" lets the message pass that rule.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/policy.h"

/* Fill d with an action, a rule name and a reply. */
static void __attribute__((format(printf, 5, 6)))
decide(struct decision *d, int action, enum pol_rule rule, const char *codes,
    const char *fmt, ...)
{
	va_list	 ap;

	d->action = action;
	d->rule = rule;
	d->code[0] = d->xcode[0] = d->text[0] = '\0';
	if (codes == NULL)
		return;
	/* codes is "550 5.7.1": three digits, a space, the enhanced code */
	memcpy(d->code, codes, 3);
	d->code[3] = '\0';
	snprintf(d->xcode, sizeof(d->xcode), "%s", codes + 4);
	va_start(ap, fmt);
	vsnprintf(d->text, sizeof(d->text), fmt, ap);
	va_end(ap);
}

/* Passes: no reply. */
static void
pass(struct decision *d, enum pol_rule rule)
{
	d->action = POL_CONTINUE;
	d->rule = rule;
	d->code[0] = d->xcode[0] = d->text[0] = '\0';
}

/* Rules 1 and 2. */
void
policy_envelope(const struct sg_conf *c, enum addr_result r,
    struct decision *d)
{
	switch (r) {
	case ADDR_NULL:
		if (c->null_sender == ACT_ACCEPT)
			decide(d, POL_ACCEPT, RULE_NULL_SENDER, NULL, NULL);
		else
			decide(d, POL_REJECT, RULE_NULL_SENDER, "550 5.7.1",
			    "Null sender not accepted");
		return;
	case ADDR_BAD:
		decide(d, POL_REJECT, RULE_SYNTAX, "553 5.1.7",
		    "Bad sender address syntax");
		return;
	case ADDR_OK:
		break;
	}
	pass(d, RULE_OK);
}

/* Rule 3 with the on_directory_error action. */
static void
directory_error(const struct sg_conf *c, struct decision *d)
{
	switch (c->on_directory_error) {
	case ACT_ACCEPT:
		decide(d, POL_ACCEPT, RULE_DIRECTORY, NULL, NULL);
		break;
	case ACT_REJECT:
		decide(d, POL_REJECT, RULE_DIRECTORY, "550 5.3.0",
		    "Sender directory unavailable");
		break;
	default:
		decide(d, POL_TEMPFAIL, RULE_DIRECTORY, "451 4.3.0",
		    "Sender directory unavailable, try again later");
		break;
	}
}

/* 1 if the login is one of the sgAuthId values (dv_login_eq). */
static int
login_listed(char *const *list, size_t n, const char *login)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (dv_login_eq(login, list[i]))
			return 1;
	return 0;
}

/* 1 if ip is inside one of the networks. */
static int
in_nets(const struct sg_cidr *nets, size_t n, const struct sg_ip *ip)
{
	size_t	 i;

	if (ip->family == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (cidr_match(&nets[i], ip))
			return 1;
	return 0;
}

/* Rules 3 to 9. */
void
policy_sender(const struct sg_conf *c, const char *addr, const char *domain,
    const struct dir_answer *ans, const struct pol_session *s,
    struct decision *d)
{
	const struct sg_sender	*snd;
	const struct sg_domain	*dom;
	char			 ipbuf[64], shown[SG_LOGIN_SHOW_MAX];

	switch (ans->kind) {
	case DIR_SENDER:
		break;
	case DIR_NO_DOMAIN:
		decide(d, POL_REJECT, RULE_DOMAIN_UNREGISTERED, "550 5.7.1",
		    "Sender domain <%s> is not registered", domain);
		return;
	case DIR_NO_SENDER:
		decide(d, POL_REJECT, RULE_SENDER_UNREGISTERED, "550 5.7.1",
		    "Sender <%s> is not registered", addr);
		return;
	default:
		directory_error(c, d);
		return;
	}
	snd = &ans->entry->snd;
	dom = &ans->entry->dom;

	/* 6, 7: status of the sender or its domain */
	if (snd->status == STATUS_DISABLED || dom->status == STATUS_DISABLED) {
		decide(d, POL_REJECT, RULE_DISABLED, "550 5.7.1",
		    "Sender <%s> is disabled", addr);
		return;
	}
	if (snd->status == STATUS_SUSPENDED ||
	    dom->status == STATUS_SUSPENDED) {
		if (c->on_suspended == ACT_REJECT)
			decide(d, POL_REJECT, RULE_SUSPENDED, "550 5.7.1",
			    "Sender <%s> is suspended", addr);
		else
			decide(d, POL_TEMPFAIL, RULE_SUSPENDED, "451 4.7.1",
			    "Sender <%s> is suspended", addr);
		return;
	}

	/* 8: access method of the listener */
	if ((snd->methods & s->method) == 0) {
		decide(d, POL_REJECT, RULE_METHOD, "550 5.7.1",
		    "Sender <%s> may not send via %s", addr,
		    conf_method_name(s->method));
		return;
	}

	/* 9a: authenticated sessions must be bound to the sender */
	if (s->auth != NULL && s->auth[0] != '\0') {
		if ((snd->auth & AUTH_USER) == 0 ||
		    !login_listed(snd->authids, snd->nauthids, s->auth))
			decide(d, POL_REJECT, RULE_NOT_OWNED, "553 5.7.1",
			    "Sender address rejected: not owned by user %s",
			    dv_login_show(s->auth, shown, sizeof(shown)));
		else
			pass(d, RULE_OK);
		return;
	}
	/* 9b: IP control */
	if ((snd->auth & AUTH_IP) != 0 &&
	    (in_nets(snd->nets, snd->nnets, &s->client) ||
	    in_nets(dom->nets, dom->nnets, &s->client))) {
		pass(d, RULE_OK);
		return;
	}
	/* 9c, 9d */
	if ((snd->auth & AUTH_USER) != 0) {
		decide(d, POL_REJECT, RULE_AUTH_REQUIRED, "530 5.7.0",
		    "Authentication required");
		return;
	}
	decide(d, POL_REJECT, RULE_IP_NOT_AUTHORIZED, "550 5.7.1",
	    "Client address %s not authorized for sender <%s>",
	    s->client.family != 0 ?
	    ip_format(&s->client, ipbuf, sizeof(ipbuf)) : "unknown", addr);
}

/* Sender limit: its own, else the default (0 there = none); domain's. */
void
policy_limits(const struct sg_conf *c, const struct sg_entry *e,
    struct pol_limits *l)
{
	if (e->snd.limit != LIMIT_NONE)
		l->sender = e->snd.limit;
	else if (c->default_monthly_limit > 0)
		l->sender = c->default_monthly_limit;
	else
		l->sender = LIMIT_NONE;
	l->domain = e->dom.limit;
	if (e->snd.nrates > 0) {
		l->srates = e->snd.rates;
		l->nsrates = e->snd.nrates;
	} else {
		l->srates = c->default_rates;
		l->nsrates = (size_t)c->ndefault_rates;
	}
	l->drates = e->dom.rates;
	l->ndrates = e->dom.nrates;
}

/* Rule 10's reply with the on_quota_exceeded action. */
static void
quota_reached(const struct sg_conf *c, const char *addr, struct decision *d)
{
	if (c->on_quota_exceeded == ACT_REJECT)
		decide(d, POL_REJECT, RULE_QUOTA, "550 5.7.1",
		    "Monthly sending limit reached for <%s>", addr);
	else
		decide(d, POL_TEMPFAIL, RULE_QUOTA, "451 4.7.1",
		    "Monthly sending limit reached for <%s>", addr);
}

/* Rule 11 with the on_counter_error action. */
static void
counter_error(const struct sg_conf *c, struct decision *d)
{
	if (c->on_counter_error == ACT_ACCEPT)
		pass(d, RULE_COUNTER_ERROR);
	else
		decide(d, POL_TEMPFAIL, RULE_COUNTER, "451 4.3.0",
		    "Sender counters unavailable, try again later");
}

/* 1 if count + add would pass limit (LIMIT_NONE: never). */
static int
over(long count, long add, long limit)
{
	return limit != LIMIT_NONE && count + add > limit;
}

/* Rules 10 and 11 at MAIL FROM. */
void
policy_quota(const struct sg_conf *c, const char *addr, int ok,
    long scount, long dcount, const struct pol_limits *l, struct decision *d)
{
	if (ok != 0) {
		counter_error(c, d);
		return;
	}
	/* "already at the limit": one more unit would pass it */
	if (over(scount, 1, l->sender) || over(dcount, 1, l->domain)) {
		quota_reached(c, addr, d);
		return;
	}
	pass(d, RULE_OK);
}

/* Rule 10r's reply. */
void
policy_rate_full(const struct sg_conf *c, const char *addr,
    const struct sg_rate *r, struct decision *d)
{
	if (c->on_rate_exceeded == ACT_REJECT)
		decide(d, POL_REJECT, RULE_RATE, "550 5.7.1",
		    "Sending rate exceeded for <%s> (%ld per %s)", addr,
		    r != NULL ? r->n : 0L, r != NULL ? r->tstr : "?");
	else
		decide(d, POL_TEMPFAIL, RULE_RATE, "451 4.7.1",
		    "Sending rate exceeded for <%s> (%ld per %s)", addr,
		    r != NULL ? r->n : 0L, r != NULL ? r->tstr : "?");
}

/* Rule 10s's reply. */
void
policy_reputation(const struct sg_conf *c, const char *addr,
    const char *reason, struct decision *d)
{
	if (c->on_suspended == ACT_REJECT)
		decide(d, POL_REJECT, RULE_REPUTATION, "550 5.7.1",
		    "Sender <%s> is suspended: %s", addr, reason);
	else
		decide(d, POL_TEMPFAIL, RULE_REPUTATION, "451 4.7.1",
		    "Sender <%s> is suspended: %s", addr, reason);
}

/* Rules 10r and 10s at MAIL FROM. */
void
policy_rates(const struct sg_conf *c, const char *addr,
    const struct pol_limits *l, const struct pol_rates *u,
    struct decision *d)
{
	size_t	 i;

	for (i = 0; i < l->nsrates; i++)
		if (rate_full(&l->srates[i], u->sused[i], 1)) {
			policy_rate_full(c, addr, &l->srates[i], d);
			return;
		}
	for (i = 0; i < l->ndrates; i++)
		if (rate_full(&l->drates[i], u->dused[i], 1)) {
			policy_rate_full(c, addr, &l->drates[i], d);
			return;
		}
	if (c->reputation_action == REPACT_SUSPEND && u->suspended != NULL &&
	    u->suspended[0] != '\0') {
		policy_reputation(c, addr, u->suspended, d);
		return;
	}
	pass(d, RULE_OK);
}

/* One more recipient under quota_unit = recipient. */
void
policy_rcpt(const struct sg_conf *c, const char *addr, int ok,
    long scount, long dcount, long accepted, const struct pol_limits *l,
    struct decision *d)
{
	if (c->quota_unit != QUOTA_RECIPIENT || ok != 0) {
		pass(d, RULE_OK);
		return;
	}
	if (over(scount, accepted + 1, l->sender) ||
	    over(dcount, accepted + 1, l->domain)) {
		decide(d, POL_TEMPFAIL, RULE_RCPT_QUOTA, "452 4.7.1",
		    "Monthly recipient limit reached for <%s>", addr);
		return;
	}
	pass(d, RULE_OK);
}

/* Does a From mailbox need a directory lookup? */
int
policy_from_needs_lookup(const struct sg_conf *c, const char *envaddr,
    const char *fromaddr)
{
	return c->header_from_policy == FROM_REGISTERED &&
	    strcasecmp(envaddr, fromaddr) != 0;
}

/* Rule 12 for one mailbox: 1 allowed, 0 not, -1 directory failed. */
static int
from_allowed(const struct sg_conf *c, const char *envaddr,
    const struct sg_entry *e, const char *from, const struct dir_answer *a)
{
	const char	*dom;

	if (strcasecmp(envaddr, from) == 0)
		return 1;
	switch (c->header_from_policy) {
	case FROM_EXACT:
		return 0;
	case FROM_DOMAIN:
		dom = addr_domain(from);
		return dom != NULL && strcasecmp(dom, e->dom.primary) == 0;
	case FROM_REGISTERED:
		if (a == NULL || a->kind == DIR_FAILED)
			return -1;
		if (a->kind != DIR_SENDER)
			return 0;
		return strcasecmp(a->entry->dom.dn, e->dom.dn) == 0 &&
		    a->entry->snd.status == STATUS_ACTIVE &&
		    a->entry->dom.status == STATUS_ACTIVE;
	default:
		return 1;
	}
}

/* Rules 12, 13 and 13d. */
void
policy_headers(const struct sg_conf *c, const char *envaddr,
    const struct sg_entry *e, const struct pol_session *s,
    const struct pol_headers *h, struct decision *d)
{
	size_t	 i;
	int	 failed = 0, r;

	if (c->header_from_policy != FROM_OFF) {
		if (h->nfrom != 1 || !h->from_ok || h->naddrs == 0) {
			/* show the address if there is one, else the text */
			decide(d, POL_REJECT, RULE_HEADER_FROM, "550 5.7.1",
			    "Header From <%s> not permitted for sender <%s>",
			    h->nfrom == 0 ? "" : h->from_ok && h->naddrs > 0 ?
			    h->addrs[0] : h->from_raw, envaddr);
			return;
		}
		for (i = 0; i < h->naddrs; i++) {
			r = from_allowed(c, envaddr, e, h->addrs[i],
			    h->answers != NULL ? &h->answers[i] : NULL);
			if (r == 0) {
				decide(d, POL_REJECT, RULE_HEADER_FROM,
				    "550 5.7.1", "Header From <%s> not "
				    "permitted for sender <%s>", h->addrs[i],
				    envaddr);
				return;
			}
			if (r < 0)
				failed = 1;
		}
		/* on_directory_error = accept passes rule 12 only */
		if (failed && c->on_directory_error != ACT_ACCEPT) {
			directory_error(c, d);
			return;
		}
	}
	if (s->method == METHOD_CAMPAIGN && c->campaign_require_unsubscribe &&
	    (!h->unsubscribe || !h->unsubscribe_post)) {
		decide(d, POL_REJECT, RULE_UNSUBSCRIBE, "550 5.7.1",
		    "Bulk mail must carry one-click List-Unsubscribe");
		return;
	}
	/* 13d: the last domain check found no DMARC record */
	if (s->method == METHOD_CAMPAIGN && c->campaign_require_dmarc &&
	    e != NULL && e->dom.dmarc_missing) {
		decide(d, POL_REJECT, RULE_DMARC, "550 5.7.1",
		    "Bulk mail requires a DMARC record for <%s>",
		    e->dom.primary);
		return;
	}
	pass(d, RULE_OK);
}

/* Rule 14, and rule 11 when the commit itself fails. */
void
policy_commit(const struct sg_conf *c, const char *addr, enum ctr_result r,
    const struct sg_rate *rate, const char *reason, struct decision *d)
{
	switch (r) {
	case CTR_RATE:
		policy_rate_full(c, addr, rate, d);
		break;
	case CTR_SUSPENDED:
		policy_reputation(c, addr, reason != NULL ? reason : "", d);
		break;
	case CTR_FAILED:
		counter_error(c, d);
		break;
	case CTR_LIMIT:
		quota_reached(c, addr, d);
		break;
	case CTR_COUNTED:
	case CTR_RETRY:
		pass(d, RULE_OK);
		break;
	}
}

/* Rule 10 for a retry that MAIL FROM let by unread (quota_precheck). */
void
policy_retry(const struct sg_conf *c, const char *addr, int read,
    long scount, long dcount, const struct pol_limits *l, struct decision *d)
{
	if (read) {			/* rule 10 was asked at MAIL FROM */
		pass(d, RULE_OK);
		return;
	}
	policy_quota(c, addr, 0, scount, dcount, l, d);
}

/* Add a copy unless it is a recipient or already chosen. */
static size_t
add_copy(const char *a, char *const *rcpts, size_t nrcpts, const char **out,
    size_t n, size_t max)
{
	size_t	 i;

	if (a == NULL || a[0] == '\0' || n >= max)
		return n;
	for (i = 0; i < nrcpts; i++)
		if (strcasecmp(rcpts[i], a) == 0)
			return n;
	for (i = 0; i < n; i++)
		if (strcasecmp(out[i], a) == 0)
			return n;
	out[n] = a;
	return n + 1;
}

/* BCC and archive copies for an accepted message. */
size_t
policy_copies(const struct sg_conf *c, const struct sg_entry *e,
    char *const *rcpts, size_t nrcpts, const char **out, size_t max)
{
	size_t	 i, n = 0;

	for (i = 0; i < e->snd.nbcc; i++)
		n = add_copy(e->snd.bcc[i], rcpts, nrcpts, out, n, max);
	if (e->snd.archive)
		n = add_copy(e->dom.archive != NULL ? e->dom.archive :
		    c->archive_address, rcpts, nrcpts, out, n, max);
	return n;
}

/* Is the suppression list consulted for mail of this access method? */
int
policy_suppress_applies(const struct sg_conf *c, int method)
{
	switch (c->suppression) {
	case SUPPRESS_ALL:
		return 1;
	case SUPPRESS_CAMPAIGN:
		return method == METHOD_CAMPAIGN;
	default:
		return 0;
	}
}

/* A recipient on a suppression list is refused; the others go on. */
void
policy_suppressed(const struct sg_conf *c, const char *rcpt, int found,
    struct decision *d)
{
	(void)c;
	if (found != 1) {
		pass(d, RULE_OK);
		return;
	}
	decide(d, POL_REJECT, RULE_SUPPRESSED, "550 5.1.1",
	    "Recipient <%s> is on the suppression list", rcpt);
}

/* A recipient the lists cannot be asked about is refused. */
void
policy_rcpt_syntax(const struct sg_conf *c, struct decision *d)
{
	(void)c;
	decide(d, POL_REJECT, RULE_RCPT_SYNTAX, "550 5.1.3",
	    "Bad recipient address syntax");
}

/* Reply-To is added only when the sender has one, verified (by default). */
enum pol_replyto
policy_replyto(const struct sg_conf *c, const struct sg_sender *s,
    int has_replyto)
{
	if (s->replyto == NULL)
		return REPLYTO_NONE;
	if (c->reply_to_require_verified && !s->replyto_verified)
		return REPLYTO_UNVERIFIED;
	if (has_replyto == 1)
		return REPLYTO_PRESENT;
	return REPLYTO_ADD;
}

/* Why, in words. */
const char *
policy_replyto_why(enum pol_replyto r)
{
	switch (r) {
	case REPLYTO_ADD:
		return "added to messages without a Reply-To";
	case REPLYTO_NONE:
		return "not added: the sender has no sgReplyTo";
	case REPLYTO_UNVERIFIED:
		return "not added: sgReplyTo is not verified "
		    "(reply_to_require_verified = yes; see sendergatectl "
		    "sender verify-reply-to)";
	default:
		return "not added: the message has a Reply-To";
	}
}

/* Rule names of the log line, in enum pol_rule's order. */
static const char *const rule_names[] = {
	"ok",
	"null_sender",
	"syntax",
	"directory",
	"domain_unregistered",
	"sender_unregistered",
	"disabled",
	"suspended",
	"method",
	"not_owned",
	"auth_required",
	"ip_not_authorized",
	"quota",
	"counter",
	"counter_error",
	"rcpt_quota",
	"header_from",
	"unsubscribe",
	"suppressed",
	"rcpt_syntax",
	"dmarc",
	"rate",
	"reputation",
};

/* Name of a rule for the log line, "rule=NAME". */
const char *
policy_rule_name(enum pol_rule r)
{
	if ((size_t)r >= sizeof(rule_names) / sizeof(rule_names[0]))
		return "unknown";
	return rule_names[r];
}

/* Word for the log line. */
const char *
policy_action_name(int action)
{
	switch (action) {
	case POL_ACCEPT:
		return "accept";
	case POL_REJECT:
		return "reject";
	case POL_TEMPFAIL:
		return "tempfail";
	default:
		return "continue";
	}
}
