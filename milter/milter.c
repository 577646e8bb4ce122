/*
 * milter.c - libmilter callbacks: per-connection state, facts for the
 * policy, replies and the one log line per decision.
 *
 * State: a struct conn per SMTP connection (smfi_setpriv), made in
 * negotiate or connect and freed in close (which may come without
 * either); its struct msg is reset at MAIL FROM, abort and end of message.
 * Out of memory in a callback answers TEMPFAIL.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addr.h"
#include "counter.h"
#include "log.h"
#include "milter.h"
#include "policy.h"
#include "snap.h"

#define AUTH_MAX	256
#define QID_MAX		64

struct msg {
	struct snap	*snap;		/* the configuration, from MAIL FROM */
	int		 active;	/* MAIL FROM passed */
	char		 qid[QID_MAX];
	char		 addr[SG_ADDR_MAX + 1];
	const char	*domain;	/* inside addr */
	struct dir_answer ans;
	struct pol_limits lim;
	int		 ctr_ok;	/* 0 read (or not needed), -1 failed */
	long		 scount, dcount;
	unsigned	 full_s, full_d;	/* quota_precheck memo hashes */
	char		**rcpts;	/* normalised recipients (conn's) */
	size_t		 nrcpts;
	long		 accepted;	/* recipients taken */
	size_t		 nfrom;		/* From headers */
	int		 from_ok;
	char		 from_raw[128];
	char		 (*from)[SG_ADDR_MAX + 1];
	size_t		 nfromaddr;
	int		 has_replyto;
	int		 nomem;		/* a header could not be kept */
	int		 unsub, unsub_post;
	char		 msgid[SG_MSGID_HASH_LEN];	/* "" = none */
};

struct conn {
	struct pol_session sess;
	char		 client[64];	/* printable client address */
	char		 auth[AUTH_MAX];
	int		 connected;	/* connect callback ran */
	/* buffers kept from message to message: no allocation per message */
	char		**rcptv;	/* rcptcap pointers into rcptmem */
	char		*rcptmem;
	size_t		 rcptcap;
	char		(*fromv)[SG_ADDR_MAX + 1];	/* SG_FROM_MAX */
	struct msg	 m;
};

static unsigned			 msessions;	/* atomic: open sessions */

/*
 * quota_precheck = known: the senders and domains this process has seen
 * at their limit this month, as dir_hash of "MONTH sender" and "MONTH
 * @primary", each in slot hash % FULL_SLOTS (0: empty). Lossy both ways,
 * and safe both ways: a collision or a stale mark costs one read at MAIL
 * FROM; an overwritten mark lets one message reach end of message, where
 * the atomic commit refuses it with rule 10's reply and marks it again.
 * full_failing: the last Redis call failed, so MAIL FROM reads (and gives
 * rule 11) until one succeeds.
 */
#define FULL_SLOTS	4096
static unsigned			 full_memo[FULL_SLOTS];
static int			 full_failing;

/* Clear a message's state (its buffers belong to the connection). */
static void
msg_reset(struct msg *m)
{
	dir_answer_release(&m->ans);
	snap_release(m->snap);
	memset(m, 0, sizeof(*m));
	m->ans.kind = DIR_FAILED;
}

/*
 * Room for recipient n; 0, or -1 when out of memory (what was kept stays
 * where rcptv points).
 */
static int
rcpt_room(struct conn *cn, size_t n)
{
	char	**v, *mem;
	size_t	 cap, i;

	if (n < cn->rcptcap)
		return 0;
	cap = cn->rcptcap * 2 + 8;
	if ((v = reallocarray(cn->rcptv, cap, sizeof(*v))) == NULL)
		return -1;
	cn->rcptv = v;
	if ((mem = reallocarray(cn->rcptmem, cap, SG_ADDR_MAX + 1)) == NULL)
		return -1;
	cn->rcptmem = mem;
	for (i = 0; i < cap; i++)
		v[i] = mem + i * (SG_ADDR_MAX + 1);
	cn->rcptcap = cap;
	return 0;
}

/* The connection's state, made if missing; NULL when out of memory. */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn	*cn;
	struct snap	*s;

	if ((cn = smfi_getpriv(ctx)) != NULL)
		return cn;
	if ((cn = calloc(1, sizeof(*cn))) == NULL)
		return NULL;
	s = snap_current();
	cn->sess.method = s->conf.default_access_method;
	snap_release(s);
	strcpy(cn->client, "unknown");
	cn->m.ans.kind = DIR_FAILED;
	if (smfi_setpriv(ctx, cn) != MI_SUCCESS) {
		free(cn);
		return NULL;
	}
	__atomic_add_fetch(&msessions, 1, __ATOMIC_RELAXED);
	return cn;
}

/* Copy s, printable ASCII only ('?' for the rest), '"' as '\''. */
static void
printable(const char *s, char *out, size_t len)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		out[i] = !isprint((unsigned char)s[i]) ? '?' :
		    s[i] == '"' ? '\'' : s[i];
	out[i] = '\0';
}

/* Copy a macro value, printable ASCII only ('?' for the rest). */
static void
macro_copy(SMFICTX *ctx, const char *name, char *out, size_t len)
{
	const char	*v = smfi_getsymval(ctx, (char *)(uintptr_t)name);
	size_t		 i;

	out[0] = '\0';
	if (v == NULL)
		return;
	for (i = 0; v[i] != '\0' && i + 1 < len; i++)
		out[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	out[i] = '\0';
}

/* Text for smfi_setreply: '%' doubled, as libmilter requires. */
static void
reply_escape(const char *in, char *out, size_t len)
{
	size_t	 o = 0;

	for (; *in != '\0' && o + 2 < len; in++) {
		if (*in == '%')
			out[o++] = '%';
		out[o++] = isprint((unsigned char)*in) ? *in : '?';
	}
	out[o] = '\0';
}

/* "-" for a missing limit, else the number. */
static const char *
limit_str(long l, char *buf, size_t len)
{
	if (l == LIMIT_NONE)
		return "-";
	snprintf(buf, len, "%ld", l);
	return buf;
}

/* The log line of a decision; extra is appended (may be ""). */
static void
log_decision(const struct conn *cn, const struct decision *d,
    const char *from, const char *extra)
{
	const struct sg_entry	*e = cn->m.ans.entry;
	const char		*reason = NULL;
	char			 reply[sizeof(d->text) + 32], why[256];
	int			 st = -1;

	/* the reason of the status that decided: the sender's first */
	if (e != NULL && strcmp(d->rule, "disabled") == 0)
		st = STATUS_DISABLED;
	else if (e != NULL && strcmp(d->rule, "suspended") == 0)
		st = STATUS_SUSPENDED;
	if (st != -1) {
		reason = e->snd.status == st ? e->snd.reason : e->dom.reason;
		if (reason != NULL) {
			printable(reason, why, sizeof(why));
			reason = why;
		}
	}
	reply[0] = '\0';
	if (d->code[0] != '\0')
		snprintf(reply, sizeof(reply), ": %s %s %s", d->code,
		    d->xcode, d->text);
	log_info("%s: %s rule=%s from=<%s> auth=%s client=%s method=%s%s%s%s"
	    "%s%s",
	    cn->m.qid[0] ? cn->m.qid : "NOQUEUE",
	    policy_action_name(d->action), d->rule, from,
	    cn->auth[0] ? cn->auth : "-", cn->client,
	    conf_method_name(cn->sess.method),
	    reason ? " reason=\"" : "", reason ? reason : "",
	    reason ? "\"" : "", extra, reply);
}

/* Obey a decision: log it, set the reply, map it to a return code. */
static sfsistat
obey(SMFICTX *ctx, struct conn *cn, const struct decision *d,
    const char *from, const char *extra)
{
	char	 text[sizeof(d->text) * 2];

	if (d->action != POL_CONTINUE || strcmp(d->rule, "ok") != 0)
		log_decision(cn, d, from, extra);
	switch (d->action) {
	case POL_ACCEPT:
		return SMFIS_ACCEPT;
	case POL_REJECT:
	case POL_TEMPFAIL:
		reply_escape(d->text, text, sizeof(text));
		if (smfi_setreply(ctx, (char *)(uintptr_t)d->code,
		    (char *)(uintptr_t)d->xcode, text) != MI_SUCCESS)
			log_warnx("%s: cannot set reply \"%s %s %s\"",
			    cn->m.qid[0] ? cn->m.qid : "NOQUEUE", d->code,
			    d->xcode, d->text);
		return d->action == POL_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
	default:
		return SMFIS_CONTINUE;
	}
}

/* Out of memory: a temporary failure, logged. */
static sfsistat
oom(const char *where)
{
	log_error("%s: out of memory: answering tempfail", where);
	return SMFIS_TEMPFAIL;
}

/* Ask for the actions and the few macros the policy needs. */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	if (conn_get(ctx) == NULL)
		return SMFIS_TEMPFAIL;
	if ((f0 & SMFIF_ADDRCPT) == 0 || (f0 & SMFIF_ADDHDRS) == 0) {
		log_error("the MTA does not allow adding recipients and "
		    "headers: refusing the connection");
		return SMFIS_REJECT;
	}
	*pf0 = SMFIF_ADDRCPT | SMFIF_ADDHDRS | (f0 & SMFIF_ADDRCPT_PAR);
	*pf1 = f1 & MILTER_STEPS;
	*pf2 = *pf3 = 0;
	if (f0 & SMFIF_SETSYMLIST)
		milter_symlists(ctx);
	return SMFIS_CONTINUE;
}

/* The listener's access method from {daemon_name}. */
static void
set_method(SMFICTX *ctx, struct conn *cn, const struct sg_conf *mc)
{
	char	 name[64];

	macro_copy(ctx, "{daemon_name}", name, sizeof(name));
	if (name[0] != '\0')
		cn->sess.method = conf_listener_method(mc, name);
}

/*
 * Connect: client address and listener. No reply (SMFIP_NR_CONN): out of
 * memory here is answered at MAIL FROM, which finds no connection state.
 */
static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn	*cn;
	struct snap	*s;

	(void)host;
	if ((cn = conn_get(ctx)) == NULL) {
		(void)oom("connect");
		return SMFIS_NOREPLY;
	}
	cn->connected = 1;
	if (sa == NULL || ip_from_sockaddr(sa, &cn->sess.client) == -1) {
		cn->sess.client.family = 0;
		strcpy(cn->client, "unknown");
	} else
		ip_format(&cn->sess.client, cn->client, sizeof(cn->client));
	s = snap_current();
	set_method(ctx, cn, &s->conf);
	snap_release(s);
	return SMFIS_NOREPLY;
}

/* The memo's hash of a sender or, with '@' first, a primary domain. */
static unsigned
full_key(const char *month, const char *at, const char *who)
{
	char		 buf[SG_MONTH_LEN + SG_ADDR_MAX + 4];
	unsigned	 h;

	snprintf(buf, sizeof(buf), "%s %s%s", month, at, who);
	h = dir_hash(buf);
	return h != 0 ? h : 1;
}

/* The message's two memo hashes, made once at MAIL FROM. */
static void
full_keys(struct msg *m)
{
	char	 month[SG_MONTH_LEN];

	ctr_month(time(NULL), month);
	m->full_s = full_key(month, "", m->addr);
	m->full_d = full_key(month, "@", m->ans.entry->dom.primary);
}

/* Is h marked? */
static int
full_marked(unsigned h)
{
	return __atomic_load_n(&full_memo[h % FULL_SLOTS], __ATOMIC_RELAXED) ==
	    h;
}

/* Mark (on) or clear one memo entry. */
static void
full_set(unsigned h, int on)
{
	unsigned	*slot = &full_memo[h % FULL_SLOTS];
	unsigned	 want = h;

	if (on)
		__atomic_store_n(slot, h, __ATOMIC_RELAXED);
	else
		(void)__atomic_compare_exchange_n(slot, &want, 0, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Must MAIL FROM read the counters of this message? */
static int
full_needed(const struct msg *m)
{
	return __atomic_load_n(&full_failing, __ATOMIC_RELAXED) ||
	    full_marked(m->full_s) || full_marked(m->full_d);
}

/*
 * Note counts read or committed against the limits: r is 0 when
 * m->scount and m->dcount are known, -1 when Redis failed.
 */
static void
full_note(const struct msg *m, int r)
{
	__atomic_store_n(&full_failing, r == -1, __ATOMIC_RELAXED);
	if (r != 0)
		return;
	full_set(m->full_s, m->lim.sender != LIMIT_NONE &&
	    m->scount >= m->lim.sender);
	full_set(m->full_d, m->lim.domain != LIMIT_NONE &&
	    m->dcount >= m->lim.domain);
}

/* MAIL FROM: rules 1 to 11. */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn		*cn;
	struct msg		*m;
	struct decision		 d;
	enum addr_result	 r;
	const struct sg_conf	*mc;
	struct directory	*mdir;
	char			 raw[SG_ADDR_MAX + 1];
	const char		*arg = argv != NULL && argv[0] != NULL ?
				    argv[0] : "";

	if ((cn = conn_get(ctx)) == NULL || !cn->connected)
		return oom("mail");	/* the client's address is lost */
	m = &cn->m;
	msg_reset(m);
	m->snap = snap_current();
	mc = &m->snap->conf;
	mdir = m->snap->dir;
	macro_copy(ctx, "i", m->qid, sizeof(m->qid));
	macro_copy(ctx, "{auth_authen}", cn->auth, sizeof(cn->auth));
	cn->sess.auth = cn->auth;
	set_method(ctx, cn, mc);

	r = addr_parse_envelope(arg, m->addr, sizeof(m->addr), &m->domain);
	policy_envelope(mc, r, &d);
	if (d.action != POL_CONTINUE) {
		/* log what was refused, printable and bounded */
		printable(arg, raw, sizeof(raw));
		return obey(ctx, cn, &d, r == ADDR_NULL ? "" : raw, "");
	}

	dir_lookup(mdir, m->addr, m->domain, &m->ans);
	policy_sender(mc, m->addr, m->domain, &m->ans, &cn->sess, &d);
	if (d.action != POL_CONTINUE)
		return obey(ctx, cn, &d, m->addr, m->ans.stale ?
		    " directory=stale" : "");

	policy_limits(mc, m->ans.entry, &m->lim);
	if (mc->quota_precheck == PRECHECK_KNOWN)
		full_keys(m);
	if (mc->quota_precheck == PRECHECK_ALWAYS ||
	    mc->quota_unit == QUOTA_RECIPIENT || full_needed(m)) {
		m->ctr_ok = ctr_read(m->ans.entry->dom.primary, m->addr,
		    time(NULL), &m->scount, &m->dcount);
		if (mc->quota_precheck == PRECHECK_KNOWN)
			full_note(m, m->ctr_ok);
	}
	/* else: not read; the commit at end of message checks the limits */
	policy_quota(mc, m->addr, m->ctr_ok, m->scount, m->dcount, &m->lim,
	    &d);
	if (d.action != POL_CONTINUE)
		return obey(ctx, cn, &d, m->addr, "");
	if (strcmp(d.rule, "ok") != 0)
		obey(ctx, cn, &d, m->addr, "");	/* logs counter_error */
	m->active = 1;
	return SMFIS_CONTINUE;
}

/* RCPT TO: remember the recipient; the recipient quota. */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn		*cn = smfi_getpriv(ctx);
	struct msg		*m;
	struct decision		 d;
	const struct sg_conf	*mc;
	char			 norm[SG_ADDR_MAX + 1];
	const char		*dom;

	if (cn == NULL || !cn->m.active)
		return SMFIS_CONTINUE;
	m = &cn->m;
	mc = &m->snap->conf;
	macro_copy(ctx, "i", norm, sizeof(norm));	/* Postfix: known now */
	if (norm[0] != '\0')
		snprintf(m->qid, sizeof(m->qid), "%s", norm);
	policy_rcpt(mc, m->addr, m->ctr_ok, m->scount, m->dcount, m->accepted,
	    &m->lim, &d);
	if (d.action != POL_CONTINUE)
		return obey(ctx, cn, &d, m->addr, "");
	m->accepted++;
	if (argv == NULL || argv[0] == NULL ||
	    addr_parse_envelope(argv[0], norm, sizeof(norm), &dom) != ADDR_OK)
		return SMFIS_CONTINUE;	/* the MTA judges its recipients */
	if (rcpt_room(cn, m->nrcpts) == -1)
		return oom("rcpt");
	m->rcpts = cn->rcptv;
	memcpy(m->rcpts[m->nrcpts++], norm, strlen(norm) + 1);
	return SMFIS_CONTINUE;
}

/* Trimmed, case-insensitive comparison of a header value. */
static int
value_is(const char *v, const char *want)
{
	size_t	 n = strlen(want);

	while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')
		v++;
	if (strncasecmp(v, want, n) != 0)
		return 0;
	for (v += n; *v != '\0'; v++)
		if (*v != ' ' && *v != '\t' && *v != '\r' && *v != '\n')
			return 0;
	return 1;
}

/*
 * Headers: From, Reply-To, List-Unsubscribe(-Post), Message-ID. No reply
 * (SMFIP_NR_HDR): out of memory is answered at end of message.
 */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn	*cn = smfi_getpriv(ctx);
	struct msg	*m;
	size_t		 i;

	if (cn == NULL || !cn->m.active || name == NULL || value == NULL)
		return SMFIS_NOREPLY;
	m = &cn->m;
	if (strcasecmp(name, "From") == 0) {
		if (m->nfrom++ > 0)
			return SMFIS_NOREPLY;	/* two Froms: rule 12 */
		for (i = 0; value[i] != '\0' && i + 1 < sizeof(m->from_raw);
		    i++)
			m->from_raw[i] = isprint((unsigned char)value[i]) ?
			    value[i] : ' ';
		m->from_raw[i] = '\0';
		if (cn->fromv == NULL && (cn->fromv = malloc(SG_FROM_MAX *
		    sizeof(*cn->fromv))) == NULL) {
			m->nomem = 1;
			return SMFIS_NOREPLY;
		}
		m->from = cn->fromv;
		m->from_ok = addr_parse_from(value, m->from, SG_FROM_MAX,
		    &m->nfromaddr) == 0;
	} else if (strcasecmp(name, "Reply-To") == 0)
		m->has_replyto = 1;
	else if (strcasecmp(name, "List-Unsubscribe") == 0)
		m->unsub = 1;
	else if (strcasecmp(name, "List-Unsubscribe-Post") == 0)
		m->unsub_post = value_is(value, "List-Unsubscribe=One-Click");
	else if (strcasecmp(name, "Message-ID") == 0 && m->msgid[0] == '\0')
		(void)ctr_msgid_hash(value, m->msgid);	/* the first counts */
	return SMFIS_NOREPLY;
}

/* Add the copies and Reply-To; 0, or -1 if the MTA refused. */
static int
modify(SMFICTX *ctx, struct conn *cn, const char **copies, size_t ncopies)
{
	const struct sg_entry	*e = cn->m.ans.entry;
	char			 rcpt[SG_ADDR_MAX + 3];
	size_t			 i;
	int			 rc;

	/*
	 * NOTIFY=NEVER where the MTA granted SMFIF_ADDRCPT_PAR. That is
	 * known to libmilter for the whole milter connection (several SMTP
	 * sessions after SMFIC_QUIT_NC), not to our per-session state:
	 * smfi_addrcpt_par fails at once, sending nothing, where it was not
	 * granted, and the plain form is used.
	 */
	for (i = 0; i < ncopies; i++) {
		snprintf(rcpt, sizeof(rcpt), "<%s>", copies[i]);
		rc = smfi_addrcpt_par(ctx, rcpt, (char[]){ "NOTIFY=NEVER" });
		if (rc != MI_SUCCESS)
			rc = smfi_addrcpt(ctx, rcpt);
		if (rc != MI_SUCCESS)
			return -1;
	}
	if (e->snd.replyto != NULL && !cn->m.has_replyto &&
	    smfi_addheader(ctx, (char[]){ "Reply-To" }, e->snd.replyto) !=
	    MI_SUCCESS)
		return -1;
	return 0;
}

/* End of message: rules 12 to 14, then the copies. */
static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct conn		*cn = smfi_getpriv(ctx);
	struct msg		*m;
	struct decision		 d;
	struct dir_answer	 ans[SG_FROM_MAX];
	struct pol_headers	 h;
	const char		*copies[64];
	char			 extra[256], sl[24], dl[24];
	size_t			 ncopies, i;
	sfsistat		 ret;
	int			 r;
	const struct sg_conf	*mc;
	struct directory	*mdir;

	if (cn == NULL || !cn->m.active)
		return SMFIS_CONTINUE;
	m = &cn->m;
	mc = &m->snap->conf;
	mdir = m->snap->dir;
	macro_copy(ctx, "i", extra, sizeof(extra));
	if (extra[0] != '\0')
		snprintf(m->qid, sizeof(m->qid), "%s", extra);
	if (m->nomem) {
		msg_reset(m);
		return oom("header");
	}

	/* rule 12 needs directory answers for other From mailboxes */
	memset(ans, 0, sizeof(ans));
	for (i = 0; i < m->nfromaddr && m->from_ok && m->nfrom == 1; i++) {
		ans[i].kind = DIR_FAILED;
		if (policy_from_needs_lookup(mc, m->addr, m->from[i]))
			dir_lookup(mdir, m->from[i], addr_domain(m->from[i]),
			    &ans[i]);
	}
	memset(&h, 0, sizeof(h));
	h.nfrom = m->nfrom;
	h.from_ok = m->from_ok;
	memcpy(h.from_raw, m->from_raw, sizeof(h.from_raw));
	h.addrs = m->from;
	h.naddrs = m->nfromaddr;
	h.answers = ans;
	h.unsubscribe = m->unsub;
	h.unsubscribe_post = m->unsub_post;
	policy_headers(mc, m->addr, m->ans.entry, &cn->sess, &h, &d);
	for (i = 0; i < SG_FROM_MAX; i++)
		dir_answer_release(&ans[i]);
	if (d.action != POL_CONTINUE) {
		ret = obey(ctx, cn, &d, m->addr, "");
		msg_reset(m);
		return ret;
	}

	/* modifications first: if the count then fails they are dropped */
	ncopies = policy_copies(mc, m->ans.entry, m->rcpts, m->nrcpts, copies,
	    sizeof(copies) / sizeof(copies[0]));
	if (modify(ctx, cn, copies, ncopies) == -1) {
		log_error("%s: the MTA refused a modification: tempfail",
		    m->qid[0] ? m->qid : "NOQUEUE");
		msg_reset(m);
		return SMFIS_TEMPFAIL;
	}

	r = ctr_commit(m->ans.entry->dom.primary, m->addr, m->msgid,
	    time(NULL), mc->quota_unit == QUOTA_MESSAGE ? 1 : m->accepted,
	    m->lim.sender, m->lim.domain, &m->scount, &m->dcount);
	if (mc->quota_precheck == PRECHECK_KNOWN)
		full_note(m, r == -1 ? -1 : 0);
	policy_commit(mc, m->addr, r, &d);
	if (d.action != POL_CONTINUE) {
		ret = obey(ctx, cn, &d, m->addr, "");
		msg_reset(m);
		return ret;
	}
	if (r == 1 || r == 2)
		snprintf(extra, sizeof(extra), " count=%ld/%s domain=%ld/%s "
		    "rcpts=%zu copies=%zu%s", m->scount,
		    limit_str(m->lim.sender, sl, sizeof(sl)), m->dcount,
		    limit_str(m->lim.domain, dl, sizeof(dl)), m->nrcpts,
		    ncopies, r == 2 ? " dup=1" : "");
	else
		snprintf(extra, sizeof(extra), " count=unknown rcpts=%zu "
		    "copies=%zu", m->nrcpts, ncopies);
	if (m->ans.stale)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		    " directory=stale");
	d.action = POL_ACCEPT;
	log_decision(cn, &d, m->addr, extra);
	msg_reset(m);
	return SMFIS_CONTINUE;
}

/* Abort: forget the message. */
static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct conn	*cn = smfi_getpriv(ctx);

	if (cn != NULL)
		msg_reset(&cn->m);
	return SMFIS_CONTINUE;
}

/* Close: free the connection's state (may come without connect). */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn	*cn = smfi_getpriv(ctx);

	if (cn == NULL)
		return SMFIS_CONTINUE;
	msg_reset(&cn->m);
	free(cn->rcptv);
	free(cn->rcptmem);
	free(cn->fromv);
	free(cn);
	smfi_setpriv(ctx, NULL);
	__atomic_sub_fetch(&msessions, 1, __ATOMIC_RELEASE);
	return SMFIS_CONTINUE;
}

/* Sessions open now (for a clean stop). */
unsigned
milter_sessions(void)
{
	return __atomic_load_n(&msessions, __ATOMIC_ACQUIRE);
}

struct smfiDesc milter_desc = {
	.xxfi_name = (char[]){ "sendergate" },
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR | SMFIF_ADDHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
