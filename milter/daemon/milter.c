/*
 * milter.c - libmilter callbacks: per-connection state, facts for the
 * policy, and the replies; the log line of a decision is milter_log.c's,
 * the dedupe fingerprint lib/fingerprint.c's.
 *
 * State: a struct conn per SMTP connection (smfi_setpriv), made in
 * negotiate or connect and given up in close (which may come without
 * either); its struct msg is reset at MAIL FROM, abort and end of message.
 * Out of memory in a callback answers TEMPFAIL.
 *
 * libmilter calls connect and close once an SMTP session, several on one
 * milter connection (SMFIC_QUIT_NC). close zeroes the struct conn, all of
 * it but its buffers (struct conn_bufs), as calloc would, and keeps it
 * for the thread's next session (conn_spare): the buffers are made once
 * a thread, not once a session, and nothing of a session's state is left
 * for the next one.
 */
#include <ctype.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/addr.h"
#include "lib/digest.h"
#include "lib/strbuf.h"
#include "lib/fingerprint.h"
#include "redis/counter.h"
#include "lib/log.h"
#include "daemon/mailfrom.h"
#include "lib/metrics.h"
#include "daemon/milter.h"
#include "lib/policy.h"
#include "daemon/snap.h"
#include "redis/suppress.h"

/*
 * {auth_authen} is kept byte for byte up to one octet more than any
 * sgAuthId may hold, so a longer login is cut to a string that still
 * matches none.
 */
#define AUTH_MAX	(SG_LOGIN_MAX + 2)
#define QID_MAX		64

struct msg {
	struct snap	*snap;		/* the configuration, from MAIL FROM */
	int		 active;	/* MAIL FROM passed */
	char		 qid[QID_MAX];
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
	struct mailfrom	 mf;		/* the sender, its entry, counts:
					   last, see msg_reset */
};
_Static_assert(offsetof(struct msg, mf) + sizeof(struct mailfrom) ==
    sizeof(struct msg), "struct msg: mf last, msg_reset zeroes the rest");

/*
 * Buffers kept from message to message and from session to session: no
 * allocation per message. What they hold is read only below the counts
 * of struct msg (nrcpts, nfromaddr), which every message starts at 0;
 * the digest context is started anew by each MAIL FROM (fp_start).
 */
struct conn_bufs {
	char		**rcptv;	/* rcptcap pointers into rcptmem */
	char		*rcptmem;
	size_t		 rcptcap;
	char		(*fromv)[SG_ADDR_MAX + 1];	/* SG_FROM_MAX */
	struct fingerprint fp;		/* the message's (dedupe) */
};

/* A session's state: all but buf zeroed when it closes (conn_clear). */
struct conn {
	struct pol_session sess;
	char		 client[64];	/* printable client address */
	char		 auth[AUTH_MAX];
	int		 connected;	/* connect callback ran */
	int		 body;		/* the MTA sends bodies (negotiated) */
	struct msg	 m;
	struct conn_bufs buf;		/* kept */
};

static unsigned			 msessions;	/* atomic: open sessions */

/*
 * conn_spare: a thread's closed struct conn (zeroed but for its
 * buffers), taken by the next session the thread opens; freed with the
 * thread (the key's destructor).
 */
static pthread_key_t		 spare_key;
static pthread_once_t		 spare_once = PTHREAD_ONCE_INIT;
static int			 spare_ok;	/* the key was made */

/* Free a connection's state and its buffers. */
static void
conn_free(void *p)
{
	struct conn	*cn = p;

	free(cn->buf.rcptv);
	free(cn->buf.rcptmem);
	free(cn->buf.fromv);
	fp_free(&cn->buf.fp);
	free(cn);
}

/* Make the key of the spares (once). */
static void
spare_init(void)
{
	spare_ok = pthread_key_create(&spare_key, conn_free) == 0;
}

/*
 * Zero a closed session's state as calloc would, all but the buffers
 * (whatever is added to struct conn outside buf is zeroed too).
 */
static void
conn_clear(struct conn *cn)
{
	struct conn_bufs	 keep = cn->buf;

	memset(cn, 0, sizeof(*cn));
	cn->buf = keep;
	fp_start(&cn->buf.fp, 0);	/* off until a MAIL FROM starts it */
}

/* Give up what a message holds: its transaction, entry and snapshot. */
static void
msg_release(struct msg *m)
{
	if (m->active)
		drain_leave();	/* the transaction ended */
	mailfrom_release(&m->mf);
	snap_release(m->snap);
}

/*
 * Clear a message's state (its buffers belong to the connection): mf is
 * as after mailfrom_init once released, all before it is zeroed.
 */
static void
msg_reset(struct msg *m)
{
	msg_release(m);
	memset(m, 0, offsetof(struct msg, mf));
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

	if (n < cn->buf.rcptcap)
		return 0;
	cap = cn->buf.rcptcap * 2 + 8;
	if ((v = reallocarray(cn->buf.rcptv, cap, sizeof(*v))) == NULL)
		return -1;
	cn->buf.rcptv = v;
	if ((mem = reallocarray(cn->buf.rcptmem, cap, SG_ADDR_MAX + 1)) ==
	    NULL)
		return -1;
	cn->buf.rcptmem = mem;
	for (i = 0; i < cap; i++)
		v[i] = mem + i * (SG_ADDR_MAX + 1);
	cn->buf.rcptcap = cap;
	return 0;
}

/*
 * The connection's state, made if missing (the thread's spare if it has
 * one); NULL when out of memory.
 */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn	*cn;
	struct snap	*s;

	if ((cn = smfi_getpriv(ctx)) != NULL)
		return cn;
	(void)pthread_once(&spare_once, spare_init);
	if (spare_ok && (cn = pthread_getspecific(spare_key)) != NULL &&
	    pthread_setspecific(spare_key, NULL) != 0)
		cn = NULL;	/* left where it is */
	if (cn == NULL && (cn = calloc(1, sizeof(*cn))) == NULL)
		return NULL;
	s = snap_current();
	cn->sess.method = s->conf.default_access_method;
	snap_release(s);
	/* a session after SMFIC_QUIT_NC: the connection's negotiation */
	cn->body = neg_body(ctx) == 1;
	strcpy(cn->client, "unknown");
	mailfrom_init(&cn->m.mf);
	if (smfi_setpriv(ctx, cn) != MI_SUCCESS) {
		conn_free(cn);
		return NULL;
	}
	__atomic_add_fetch(&msessions, 1, __ATOMIC_RELAXED);
	return cn;
}

/*
 * Copy a macro value, printable ASCII only ('?' for the rest), cut at
 * len - 1 octets; its length.
 */
static size_t
macro_copy(SMFICTX *ctx, const char *name, char *out, size_t len)
{
	const char	*v = smfi_getsymval(ctx, (char *)(uintptr_t)name);
	size_t		 i;

	out[0] = '\0';
	if (v == NULL)
		return 0;
	for (i = 0; v[i] != '\0' && i + 1 < len; i++)
		out[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	out[i] = '\0';
	return i;
}

/* The queue id ("i"), once the MTA tells it; the one kept if not. */
static void
qid_update(SMFICTX *ctx, struct msg *m)
{
	char	 qid[QID_MAX];
	size_t	 n;

	if ((n = macro_copy(ctx, "i", qid, sizeof(qid))) > 0)
		memcpy(m->qid, qid, n + 1);
}

/*
 * Copy {auth_authen} as it is, every octet, cut at len - 1: logins are
 * compared byte for byte (dv_login_eq) and shown escaped (dv_login_show).
 */
static void
auth_copy(SMFICTX *ctx, char *out, size_t len)
{
	const char	*v = smfi_getsymval(ctx, (char[]){ "{auth_authen}" });
	size_t		 n = 0;

	if (v != NULL) {
		n = strnlen(v, len - 1);
		memcpy(out, v, n);
	}
	out[n] = '\0';
}

/* A limit for the log line: the number, or "-" when there is none. */
static void
sb_limit(struct strbuf *sb, long l)
{
	if (l == LIMIT_NONE)
		sb_lit(sb, "-");
	else
		sb_num(sb, l);
}

/* Obey a decision: log it, set the reply, map it to a return code. */
static sfsistat
obey(SMFICTX *ctx, struct conn *cn, const struct decision *d,
    const char *from, const char *extra)
{
	char	 text[sizeof(d->text) * 2];

	if (d->action != POL_CONTINUE || d->rule != RULE_OK)
		milter_log_decision(cn->m.qid, d, cn->m.mf.ans.entry, from,
		    cn->auth, cn->client, cn->sess.method, extra);
	switch (d->action) {
	case POL_ACCEPT:
		return SMFIS_ACCEPT;
	case POL_REJECT:
	case POL_TEMPFAIL:
		milter_reply_escape(d->text, text, sizeof(text));
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
	struct conn	*cn;
	struct snap	*s;

	(void)f2;
	(void)f3;
	if ((cn = conn_get(ctx)) == NULL)
		return SMFIS_TEMPFAIL;
	if ((f0 & SMFIF_ADDRCPT) == 0 || (f0 & SMFIF_ADDHDRS) == 0) {
		log_error("the MTA does not allow adding recipients and "
		    "headers: refusing the connection");
		return SMFIS_REJECT;
	}
	*pf0 = SMFIF_ADDRCPT | SMFIF_ADDHDRS | (f0 & SMFIF_ADDRCPT_PAR);
	s = snap_current();
	*pf1 = f1 & (s->conf.dedupe_window > 0 &&
	    s->conf.dedupe_max_retries > 0 ? MILTER_STEPS_BODY : MILTER_STEPS);
	snap_release(s);
	cn->body = (*pf1 & SMFIP_NOBODY) == 0;
	neg_note(ctx, cn->body);
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

/* MAIL FROM: rules 1 to 11 (mailfrom.c). */
static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn		*cn;
	struct msg		*m;
	struct decision		 d;
	const struct sg_conf	*mc;
	char			 raw[SG_ADDR_MAX + 1];
	const char		*arg = argv != NULL && argv[0] != NULL ?
				    argv[0] : "";

	if ((cn = conn_get(ctx)) == NULL || !cn->connected)
		return oom("mail");	/* the client's address is lost */
	m = &cn->m;
	msg_reset(m);
	m->snap = snap_current();
	mc = &m->snap->conf;
	macro_copy(ctx, "i", m->qid, sizeof(m->qid));
	auth_copy(ctx, cn->auth, sizeof(cn->auth));
	cn->sess.auth = cn->auth;
	set_method(ctx, cn, mc);

	mailfrom_decide(mc, m->snap->dir, m->snap->ctrs, arg, &cn->sess, 0,
	    &m->mf, &d);
	if (m->mf.r != ADDR_OK) {
		/* log what was refused, printable and bounded */
		milter_printable(arg, raw, sizeof(raw));
		return obey(ctx, cn, &d, m->mf.r == ADDR_NULL ? "" : raw, "");
	}
	if (d.action != POL_CONTINUE)
		return obey(ctx, cn, &d, m->mf.addr, m->mf.ans.stale ?
		    " directory=stale" : "");
	if (d.rule != RULE_OK)
		obey(ctx, cn, &d, m->mf.addr, "");	/* logs counter_error */
	fp_start(&cn->buf.fp, m->snap->conf.dedupe_window != 0 &&
	    m->snap->conf.dedupe_max_retries != 0 && cn->body);
	m->active = 1;
	return SMFIS_CONTINUE;
}

/*
 * Keep a recipient: the address it is delivered to or, when it does not parse,
 * "#" and the SHA-256 of what the MTA passed (the fingerprint must see
 * every recipient). 0, or -1 when out of memory.
 */
static int
rcpt_keep(struct conn *cn, const char *arg)
{
	struct msg	*m = &cn->m;
	const char	*dom;
	char		*slot;

	if (rcpt_room(cn, m->nrcpts) == -1)
		return -1;
	m->rcpts = cn->buf.rcptv;
	slot = m->rcpts[m->nrcpts];
	if (addr_parse_rcpt(arg, slot, SG_ADDR_MAX + 1, &dom) != ADDR_OK) {
		slot[0] = '#';
		if (sg_sha256_hex(arg, strlen(arg), slot + 1) == -1)
			return -1;
	}
	m->nrcpts++;
	return 0;
}

/*
 * The suppression lists for one recipient (one round trip); the
 * decision in d. A failed lookup lets the recipient pass, logged; a
 * recipient that does not parse is refused (it could be a spelling of
 * a listed one that the MTA delivers all the same).
 */
static int
rcpt_check_suppressed(struct conn *cn, char **argv, struct decision *d)
{
	struct msg	*m = &cn->m;
	char		 norm[SG_ADDR_MAX + 1];
	int		 found;

	found = sup_check_arg(m->snap->ctrs, m->mf.ans.entry->dom.primary,
	    argv != NULL && argv[0] != NULL ? argv[0] : "", norm,
	    sizeof(norm));
	if (found == SUP_BAD_ADDRESS) {
		policy_rcpt_syntax(&m->snap->conf, d);
		return d->action;
	}
	if (found == -1)
		log_warnx("%s: suppression lists unavailable: <%s> not "
		    "checked", m->qid[0] ? m->qid : "NOQUEUE", norm);
	policy_suppressed(&m->snap->conf, norm, found, d);
	return d->action;
}

/* RCPT TO: the suppression lists; remember the recipient; the quota. */
static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn		*cn = smfi_getpriv(ctx);
	struct msg		*m;
	struct mailfrom		*mf;
	struct decision		 d;

	if (cn == NULL || !cn->m.active)
		return SMFIS_CONTINUE;
	m = &cn->m;
	mf = &m->mf;
	qid_update(ctx, m);	/* Postfix: known now */
	if (policy_suppress_applies(&m->snap->conf, cn->sess.method) &&
	    rcpt_check_suppressed(cn, argv, &d) != POL_CONTINUE)
		return obey(ctx, cn, &d, mf->addr, "");
	policy_rcpt(&m->snap->conf, mf->ans.entry->snd.mail, mf->ctr_ok, mf->scount,
	    mf->dcount, m->accepted, &mf->lim, &d);
	if (d.action != POL_CONTINUE)
		return obey(ctx, cn, &d, mf->addr, "");
	m->accepted++;
	if (rcpt_keep(cn, argv != NULL && argv[0] != NULL ? argv[0] : "") ==
	    -1)
		return oom("rcpt");
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

/* The headers the policy reads. */
enum hdr {
	HDR_OTHER, HDR_FROM, HDR_REPLY_TO, HDR_UNSUB, HDR_UNSUB_POST,
	HDR_MSGID
};

/*
 * Which of them name is (case-insensitive): compared only with the names
 * of its length, so most headers cost one strlen.
 */
static enum hdr
hdr_kind(const char *name)
{
	static const struct {
		const char	*name;
		size_t		 len;
		enum hdr	 kind;
	} hdrs[] = {
#define H(n, k)	{ n, sizeof(n) - 1, k }
		H("From", HDR_FROM), H("Reply-To", HDR_REPLY_TO),
		H("List-Unsubscribe", HDR_UNSUB),
		H("List-Unsubscribe-Post", HDR_UNSUB_POST),
		H("Message-ID", HDR_MSGID)
#undef H
	};
	size_t	 len = strlen(name), i;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		if (hdrs[i].len == len && strcasecmp(name, hdrs[i].name) == 0)
			return hdrs[i].kind;
	return HDR_OTHER;
}

/*
 * Headers: From, Reply-To, List-Unsubscribe(-Post), Message-ID, and the
 * fingerprint's. No reply (SMFIP_NR_HDR): out of memory is answered at
 * end of message.
 */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn	*cn = smfi_getpriv(ctx);
	struct msg	*m;
	enum hdr	 kind;
	size_t		 i;

	if (cn == NULL || !cn->m.active || name == NULL || value == NULL)
		return SMFIS_NOREPLY;
	m = &cn->m;
	fp_header(&cn->buf.fp, name, value);
	kind = hdr_kind(name);
	if (kind == HDR_FROM) {
		if (m->nfrom++ > 0)
			return SMFIS_NOREPLY;	/* two Froms: rule 12 */
		for (i = 0; value[i] != '\0' && i + 1 < sizeof(m->from_raw);
		    i++)
			m->from_raw[i] = isprint((unsigned char)value[i]) ?
			    value[i] : ' ';
		m->from_raw[i] = '\0';
		if (cn->buf.fromv == NULL && (cn->buf.fromv =
		    malloc(SG_FROM_MAX * sizeof(*cn->buf.fromv))) == NULL) {
			m->nomem = 1;
			return SMFIS_NOREPLY;
		}
		m->from = cn->buf.fromv;
		m->from_ok = addr_parse_from(value, m->from, SG_FROM_MAX,
		    &m->nfromaddr) == 0;
	} else if (kind == HDR_REPLY_TO)
		m->has_replyto = 1;
	else if (kind == HDR_UNSUB)
		m->unsub = 1;
	else if (kind == HDR_UNSUB_POST)
		m->unsub_post = value_is(value, "List-Unsubscribe=One-Click");
	else if (kind == HDR_MSGID && m->msgid[0] == '\0')
		(void)ctr_msgid_hash(value, m->msgid);	/* the first counts */
	return SMFIS_NOREPLY;
}

/*
 * Body (asked for only while dedupe is on): into the fingerprint, which
 * only a message with a Message-ID can use (the headers are all in by
 * now): without one, the fingerprint stops here and the body is not
 * hashed. No reply (SMFIP_NR_BODY).
 */
static sfsistat
cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct conn	*cn = smfi_getpriv(ctx);

	if (cn == NULL || !cn->m.active || chunk == NULL)
		return SMFIS_NOREPLY;
	if (cn->m.msgid[0] == '\0')
		fp_start(&cn->buf.fp, 0);
	else
		fp_body(&cn->buf.fp, chunk, len);
	return SMFIS_NOREPLY;
}

/* Add the copies and Reply-To; 0, or -1 if the MTA refused. */
static int
modify(SMFICTX *ctx, struct conn *cn, const char **copies, size_t ncopies)
{
	const struct sg_entry	*e = cn->m.mf.ans.entry;
	char			 rcpt[SG_ADDR_MAX + 3];
	struct strbuf		 sb;
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
		sb_init(&sb, rcpt, sizeof(rcpt));	/* "<%s>", cut */
		sb_lit(&sb, "<");
		sb_str(&sb, copies[i]);
		sb_lit(&sb, ">");
		rc = smfi_addrcpt_par(ctx, rcpt, (char[]){ "NOTIFY=NEVER" });
		if (rc != MI_SUCCESS)
			rc = smfi_addrcpt(ctx, rcpt);
		if (rc != MI_SUCCESS)
			return -1;
	}
	if (policy_replyto(&cn->m.snap->conf, &e->snd, cn->m.has_replyto) ==
	    REPLYTO_ADD && smfi_addheader(ctx, (char[]){ "Reply-To" }, e->snd.replyto) !=
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
	struct mailfrom		*mf;
	const struct sg_entry	*e;
	struct decision		 d;
	struct dir_answer	 ans[SG_FROM_MAX];
	struct pol_headers	 h;
	const char		*copies[64];
	char			 extra[256];
	struct strbuf		 sb;
	char			 fp[SG_FINGERPRINT_LEN];
	size_t			 ncopies, i;
	sfsistat		 ret;
	enum ctr_result		 r;
	const struct sg_conf	*mc;
	struct directory	*mdir;
	struct ctr_warned	 warned;
	struct ctr_record	 rec;

	if (cn == NULL || !cn->m.active)
		return SMFIS_CONTINUE;
	m = &cn->m;
	mf = &m->mf;
	mc = &m->snap->conf;
	mdir = m->snap->dir;
	e = mf->ans.entry;
	qid_update(ctx, m);
	if (m->nomem) {
		msg_reset(m);
		return oom("header");
	}

	/* rule 12 needs directory answers for other From mailboxes */
	memset(ans, 0, sizeof(ans));
	for (i = 0; i < m->nfromaddr && m->from_ok && m->nfrom == 1; i++) {
		ans[i].kind = DIR_FAILED;
		if (policy_from_needs_lookup(mc, mf->addr, m->from[i]))
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
	policy_headers(mc, mf->addr, e, &cn->sess, &h, &d);
	for (i = 0; i < m->nfromaddr && i < SG_FROM_MAX; i++) /* used */
		dir_answer_release(&ans[i]);
	if (d.action != POL_CONTINUE) {
		ret = obey(ctx, cn, &d, mf->addr, "");
		msg_reset(m);
		return ret;
	}

	/* modifications first: if the count then fails they are dropped */
	ncopies = policy_copies(mc, e, m->rcpts, m->nrcpts, copies,
	    sizeof(copies) / sizeof(copies[0]));
	if (modify(ctx, cn, copies, ncopies) == -1) {
		log_error("%s: the MTA refused a modification: tempfail",
		    m->qid[0] ? m->qid : "NOQUEUE");
		msg_reset(m);
		return SMFIS_TEMPFAIL;
	}

	/*
	 * counted under the registered sender's canonical name, and
	 * recorded for its bounces (the recipients the milter took)
	 */
	fp_finish(&cn->buf.fp, m->accepted, m->rcpts, m->nrcpts, fp);
	rec.qid = m->qid;
	rec.rcpts = m->rcpts;
	rec.nrcpts = m->nrcpts;
	rec.srates = mf->lim.srates;
	rec.nsrates = mf->lim.nsrates;
	rec.drates = mf->lim.drates;
	rec.ndrates = mf->lim.ndrates;
	rec.accepted = m->accepted;
	r = ctr_commit_warn(m->snap->ctrs, e->dom.primary, e->snd.mail,
	    m->msgid, fp, time(NULL), mc->quota_unit == QUOTA_MESSAGE ? 1 :
	    m->accepted, mf->lim.sender, mf->lim.domain, &mf->scount,
	    &mf->dcount, &warned, &rec);
	policy_commit(mc, e->snd.mail, r, warned.full, warned.suspended, &d);
	if (r == CTR_RETRY)
		policy_retry(mc, e->snd.mail, mf->read, mf->scount, mf->dcount,
		    &mf->lim, &d);
	if (d.action != POL_CONTINUE) {
		ret = obey(ctx, cn, &d, mf->addr, "");
		msg_reset(m);
		return ret;
	}
	/*
	 * " count=%ld/%s domain=%ld/%s rcpts=%zu copies=%zu[ dup=1]" or
	 * " count=unknown rcpts=%zu copies=%zu", then " directory=stale"
	 * when so: at most 174 octets, made without a format
	 */
	sb_init(&sb, extra, sizeof(extra));
	if (r == CTR_COUNTED || r == CTR_RETRY) {
		sb_lit(&sb, " count=");
		sb_num(&sb, mf->scount);
		sb_lit(&sb, "/");
		sb_limit(&sb, mf->lim.sender);
		sb_lit(&sb, " domain=");
		sb_num(&sb, mf->dcount);
		sb_lit(&sb, "/");
		sb_limit(&sb, mf->lim.domain);
	} else
		sb_lit(&sb, " count=unknown");
	sb_lit(&sb, " rcpts=");
	sb_unum(&sb, m->nrcpts);
	sb_lit(&sb, " copies=");
	sb_unum(&sb, ncopies);
	if (r == CTR_RETRY)
		sb_lit(&sb, " dup=1");
	if (mf->ans.stale)
		sb_lit(&sb, " directory=stale");
	d.action = POL_ACCEPT;
	milter_log_decision(m->qid, &d, e, mf->addr, cn->auth, cn->client,
	    cn->sess.method, extra);
	milter_accepted(mc, e, m->qid[0] ? m->qid : "NOQUEUE", r, &warned,
	    mf->scount, mf->dcount, &mf->lim, copies, ncopies);
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

/*
 * Close (may come without connect): the connection's state zeroed, kept
 * as the thread's spare if it has none, else freed.
 */
static sfsistat
cb_close(SMFICTX *ctx)
{
	struct conn	*cn = smfi_getpriv(ctx);

	if (cn == NULL)
		return SMFIS_CONTINUE;
	msg_release(&cn->m);
	smfi_setpriv(ctx, NULL);
	conn_clear(cn);
	(void)pthread_once(&spare_once, spare_init);
	if (!spare_ok || pthread_getspecific(spare_key) != NULL ||
	    pthread_setspecific(spare_key, cn) != 0)
		conn_free(cn);
	__atomic_sub_fetch(&msessions, 1, __ATOMIC_RELEASE);
	return SMFIS_CONTINUE;
}

/* Sessions open now (for a clean stop). */
unsigned
milter_sessions(void)
{
	return __atomic_load_n(&msessions, __ATOMIC_ACQUIRE);
}

/* MAIL FROM, timed for the metrics. */
static sfsistat
timed_envfrom(SMFICTX *ctx, char **argv)
{
	struct timespec	 t0;
	sfsistat	 ret;
	struct conn	*cn;

	if (!drain_enter(ctx))
		return SMFIS_TEMPFAIL;	/* stopping */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = cb_envfrom(ctx, argv);
	metrics_duration(MET_MAIL, &t0);
	if ((cn = smfi_getpriv(ctx)) == NULL || !cn->m.active)
		drain_leave();	/* refused: no transaction open */
	return ret;
}

/* RCPT TO, timed for the metrics. */
static sfsistat
timed_envrcpt(SMFICTX *ctx, char **argv)
{
	struct timespec	 t0;
	sfsistat	 ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = cb_envrcpt(ctx, argv);
	metrics_duration(MET_RCPT, &t0);
	return ret;
}

/* End of message, timed for the metrics. */
static sfsistat
timed_eom(SMFICTX *ctx)
{
	struct timespec	 t0;
	sfsistat	 ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = cb_eom(ctx);
	metrics_duration(MET_EOM, &t0);
	return ret;
}

struct smfiDesc milter_desc = {
	.xxfi_name = (char[]){ "sendergate" },
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR | SMFIF_ADDHDRS,
	.xxfi_connect = cb_connect,
	.xxfi_envfrom = timed_envfrom,
	.xxfi_envrcpt = timed_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_body = cb_body,
	.xxfi_eom = timed_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};
