/*
 * test_milter.c - the libmilter callbacks (milter.c) with libmilter, the
 * directory and the counters faked at link time (fake_milter.c): what
 * the callbacks ask of the policy and what they hand the counters and
 * the MTA. The decision table itself is test_policy.c's; the real
 * servers are the integration tests'.
 *
 * Checked: an accepted message counted once under the registered
 * sender's canonical name, its copies added with NOTIFY=NEVER (plain
 * when the MTA did not grant it), Reply-To added; the fingerprint the
 * same for the same message (recipients in any order) and different for
 * another body, recipient, Subject; no fingerprint without a body from
 * the MTA; the login compared as it is and shown escaped in the reply; a
 * directory or counter failure answered 451 at its stage; abort and
 * close leave nothing behind.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_milter.h"
#include "daemon/milter.h"
#include "daemon/snap.h"
#include "lib/digest.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char	*authids[] = { (char[]){ "john@acmecorp-com.relay.example" },
		    (char[]){ "j\xc3\xbcrgen@acmecorp-com.relay.example" } };
static char	*bccs[] = { (char[]){ "bcc@copies.test" } };
static struct sg_entry john = {
	.refs = 1,
	.dom = {
		.dn = (char[]){ "sgDomainName=acmecorp-com.relay.example" },
		.name = (char[]){ "acmecorp-com.relay.example" },
		.primary = (char[]){ "acmecorp.com" },
		.limit = LIMIT_NONE
	},
	.snd = {
		.dn = (char[]){ "mail=john@acmecorp.com" },
		.mail = (char[]){ "john@acmecorp.com" },
		.methods = METHOD_SMTP, .auth = AUTH_USER,
		.authids = authids, .nauthids = 2, .bcc = bccs, .nbcc = 1,
		.limit = 100,
		.replyto = (char[]){ "replies@acmecorp.com" },
		.replyto_verified = 1
	}
};
static int	 dummy_ctrs;

/* A snapshot of the defaults, dedupe on, published. */
static int
setup(void **state)
{
	struct snap	*s;

	(void)state;
	fake_reset();
	fk.entries[fk.nentries++] = &john;
	if ((s = snap_new()) == NULL)
		return -1;
	conf_defaults(&s->conf);
	s->ctrs = (struct counters *)&dummy_ctrs;
	snap_publish(s);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	snap_publish(NULL);
	return 0;
}

/* Negotiate (everything offered) and connect from 192.0.2.7. */
static void
session(void)
{
	struct sockaddr_in sin;
	unsigned long	 f0, f1, f2, f3;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	assert_int_equal(milter_desc.xxfi_negotiate(fake_ctx(),
	    SMFIF_ADDRCPT | SMFIF_ADDHDRS | SMFIF_ADDRCPT_PAR, 0x1fffffUL, 0, 0,
	    &f0, &f1, &f2, &f3), SMFIS_CONTINUE);
	/* dedupe is on: the body asked for, without a reply to each chunk */
	assert_true((f1 & SMFIP_NOBODY) == 0 && (f1 & SMFIP_NR_BODY) != 0);
	(void)milter_desc.xxfi_connect(fake_ctx(), (char[]){ "client" },
	    (struct sockaddr *)&sin);
}

/* One message; the end-of-message status. */
static sfsistat
message(const char *from, const char *login, const char *const *rcpts,
    const char *subject, const char *body)
{
	char	 buf[512];
	char	*argv[2] = { buf, NULL };
	sfsistat r;

	fake_macro("{auth_authen}", login);
	fake_macro("i", "QID1");
	snprintf(buf, sizeof(buf), "<%s>", from);
	r = milter_desc.xxfi_envfrom(fake_ctx(), argv);
	if (r != SMFIS_CONTINUE)
		return r;
	for (; *rcpts != NULL; rcpts++) {
		snprintf(buf, sizeof(buf), "<%s>", *rcpts);
		assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), argv),
		    SMFIS_CONTINUE);
	}
	(void)milter_desc.xxfi_header(fake_ctx(), (char[]){ "From" },
	    (char *)(uintptr_t)from);
	(void)milter_desc.xxfi_header(fake_ctx(), (char[]){ "Message-ID" },
	    (char[]){ "<1@client.example>" });
	(void)milter_desc.xxfi_header(fake_ctx(), (char[]){ "Subject" },
	    (char *)(uintptr_t)subject);
	(void)milter_desc.xxfi_body(fake_ctx(),
	    (unsigned char *)(uintptr_t)body, strlen(body));
	return milter_desc.xxfi_eom(fake_ctx());
}

static void
test_accepted(void **state)
{
	const char *rcpts[] = { "rcpt@far.test", NULL };

	(void)state;
	session();
	assert_int_equal(message("John@AcmeCorp.com",
	    "JOHN@acmecorp-com.relay.example", rcpts, "hi", "body"),
	    SMFIS_CONTINUE);
	assert_int_equal(fk.commits, 1);
	assert_string_equal(fk.c_sender, "john@acmecorp.com");
	assert_string_equal(fk.c_primary, "acmecorp.com");
	assert_string_equal(fk.c_msgid, "<1@client.example>");
	assert_int_equal(strlen(fk.c_fp), 64);
	assert_int_equal(fk.c_n, 1);
	/* recorded for its bounces: the queue id and the recipient taken */
	assert_string_equal(fk.rec_qid, "QID1");
	assert_int_equal(fk.rec_n, 1);
	assert_string_equal(fk.rec_rcpts[0], "rcpt@far.test");
	assert_int_equal(fk.nadded, 1);
	assert_string_equal(fk.added[0], "<bcc@copies.test> NOTIFY=NEVER");
	assert_string_equal(fk.header, "Reply-To: replies@acmecorp.com");
	/* not verified (reply_to_require_verified = yes): none added */
	john.snd.replyto_verified = 0;
	fk.header[0] = '\0';
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", rcpts, "hi", "body"),
	    SMFIS_CONTINUE);
	john.snd.replyto_verified = 1;
	assert_string_equal(fk.header, "");
	(void)milter_desc.xxfi_close(fake_ctx());
	assert_null(smfi_getpriv(fake_ctx()));
	assert_int_equal(john.refs, 1);		/* every reference given back */
}

static void
test_copy_without_notify(void **state)
{
	const char *rcpts[] = { "rcpt@far.test", "BCC@copies.test", NULL };

	(void)state;
	fk.addrcpt_par = 0;
	session();
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", rcpts, "hi", "body"),
	    SMFIS_CONTINUE);
	/* the BCC is a recipient already: not added again */
	assert_int_equal(fk.nadded, 0);
	(void)milter_desc.xxfi_close(fake_ctx());
}

/* The fingerprint of one message, in a session of its own. */
static void
fingerprint(const char *const *rcpts, const char *subject, const char *body,
    char out[SG_FINGERPRINT_LEN])
{
	session();
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", rcpts, subject, body),
	    SMFIS_CONTINUE);
	(void)milter_desc.xxfi_close(fake_ctx());
	memcpy(out, fk.c_fp, SG_FINGERPRINT_LEN);
}

static void
test_fingerprint(void **state)
{
	const char *ab[] = { "a@far.test", "b@far.test", NULL };
	const char *ba[] = { "b@far.test", "a@far.test", NULL };
	const char *ac[] = { "a@far.test", "c@far.test", NULL };
	const char *a[] = { "a@far.test", NULL };
	char	 f1[SG_FINGERPRINT_LEN], f2[SG_FINGERPRINT_LEN];

	(void)state;
	fingerprint(ab, "hi", "body", f1);
	fingerprint(ab, "hi", "body", f2);
	assert_string_equal(f1, f2);		/* the same message */
	fingerprint(ba, "hi", "body", f2);
	assert_string_equal(f1, f2);		/* recipients in any order */
	fingerprint(ac, "hi", "body", f2);
	assert_string_not_equal(f1, f2);
	fingerprint(a, "hi", "body", f2);
	assert_string_not_equal(f1, f2);
	fingerprint(ab, "other", "body", f2);
	assert_string_not_equal(f1, f2);
	fingerprint(ab, "hi", "body2", f2);
	assert_string_not_equal(f1, f2);
}

/*
 * The fingerprint's octets themselves, as retries already counted were
 * fingerprinted: each header's name and value, "body", the body, then
 * "rcpts N" and the recipients sorted, each field ended by a NUL.
 */
static void
test_fingerprint_octets(void **state)
{
	const char *ba[] = { "b@far.test", "a@far.test", NULL };
	static const char want_in[] = "From\0john@acmecorp.com\0"
	    "Subject\0hi\0body\0the body"	/* the body: no NUL after */
	    "rcpts 2\0a@far.test\0b@far.test";	/* and the array's NUL */
	char	 got[SG_FINGERPRINT_LEN], want[SG_FINGERPRINT_LEN];

	(void)state;
	fingerprint(ba, "hi", "the body", got);
	assert_int_equal(sg_sha256_hex(want_in, sizeof(want_in), want), 0);
	assert_string_equal(got, want);
}

static void
test_no_body_no_dedupe(void **state)
{
	const char *a[] = { "a@far.test", NULL };
	struct snap	*s;
	unsigned long	 f0, f1, f2, f3;
	char	 fp[SG_FINGERPRINT_LEN];

	(void)state;
	/* the MTA agreed before a reload turned dedupe on: no body */
	s = snap_current();
	s->conf.dedupe_window = 0;
	assert_int_equal(milter_desc.xxfi_negotiate(fake_ctx(),
	    SMFIF_ADDRCPT | SMFIF_ADDHDRS, 0x1fffffUL, 0, 0, &f0, &f1, &f2,
	    &f3), SMFIS_CONTINUE);
	assert_true((f1 & SMFIP_NOBODY) != 0);
	s->conf.dedupe_window = 86400000;
	snap_release(s);
	fake_macro("{auth_authen}", "john@acmecorp-com.relay.example");
	(void)milter_desc.xxfi_connect(fake_ctx(), (char[]){ "client" }, NULL);
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "body"),
	    SMFIS_CONTINUE);
	memcpy(fp, fk.c_fp, sizeof(fp));
	assert_string_equal(fp, "");		/* counted, never forgiven */
	(void)milter_desc.xxfi_close(fake_ctx());
}

static void
test_login_bytes(void **state)
{
	const char *a[] = { "a@far.test", NULL };

	(void)state;
	session();
	/* the UTF-8 login owns the sender; ASCII case folded */
	assert_int_equal(message("john@acmecorp.com",
	    "J\xc3\xbcRGEN@acmecorp-com.relay.example", a, "hi", "b"),
	    SMFIS_CONTINUE);
	/* a capital umlaut is another login; shown escaped */
	assert_int_equal(message("john@acmecorp.com",
	    "j\xc3\x9crgen@acmecorp-com.relay.example", a, "hi", "b"),
	    SMFIS_REJECT);
	assert_string_equal(fk.reply, "553 5.7.1 Sender address rejected: "
	    "not owned by user j\\xc3\\x9crgen@acmecorp-com.relay.example");
	/* what '?' once stood for matches nothing */
	assert_int_equal(message("john@acmecorp.com",
	    "j??rgen@acmecorp-com.relay.example", a, "hi", "b"), SMFIS_REJECT);
	(void)milter_desc.xxfi_close(fake_ctx());
}

static void
test_failures(void **state)
{
	const char *a[] = { "a@far.test", NULL };

	(void)state;
	session();
	fk.dir_fails = 1;
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "b"), SMFIS_TEMPFAIL);
	assert_string_equal(fk.reply,
	    "451 4.3.0 Sender directory unavailable, try again later");
	fk.dir_fails = 0;
	fk.commit_result = CTR_FAILED;
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "b"), SMFIS_TEMPFAIL);
	assert_string_equal(fk.reply,
	    "451 4.3.0 Sender counters unavailable, try again later");
	fk.commit_result = CTR_LIMIT;
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "b"), SMFIS_TEMPFAIL);
	assert_string_equal(fk.reply,
	    "451 4.7.1 Monthly sending limit reached for <john@acmecorp.com>");
	(void)milter_desc.xxfi_close(fake_ctx());
	assert_int_equal(john.refs, 1);
}

/*
 * A session after another on the same thread (its struct conn reused,
 * zeroed): nothing of the first is left. A MAIL FROM without a connect
 * finds no client address (TEMPFAIL, as a new state would), a session
 * that negotiated no body gets no fingerprint though the one before did,
 * and the client and the entry's references start afresh.
 */
static void
test_session_clean(void **state)
{
	const char *a[] = { "a@far.test", NULL };
	char	*argv[2] = { (char[]){ "<john@acmecorp.com>" }, NULL };
	void	*first;

	(void)state;
	session();
	first = smfi_getpriv(fake_ctx());
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "body"),
	    SMFIS_CONTINUE);
	assert_int_equal(strlen(fk.c_fp), 64);
	/* a message left open: close gives it up */
	fake_macro("i", "QIDOPEN");
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), argv),
	    SMFIS_CONTINUE);
	assert_int_equal(john.refs, 2);
	(void)milter_desc.xxfi_close(fake_ctx());
	assert_null(smfi_getpriv(fake_ctx()));
	assert_int_equal(john.refs, 1);

	/* no connect: the client's address is not the last session's */
	fake_macro("i", "QID2");
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), argv),
	    SMFIS_TEMPFAIL);
	assert_ptr_equal(smfi_getpriv(fake_ctx()), first);	/* reused */
	(void)milter_desc.xxfi_close(fake_ctx());

	/*
	 * connect, no negotiate (a session after SMFIC_QUIT_NC): the body
	 * the connection negotiated comes, so the fingerprint is made
	 */
	(void)milter_desc.xxfi_connect(fake_ctx(), (char[]){ "client" }, NULL);
	assert_ptr_equal(smfi_getpriv(fake_ctx()), first);
	fk.c_fp[0] = '\0';
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "body"),
	    SMFIS_CONTINUE);
	assert_int_equal(strlen(fk.c_fp), 64);
	assert_string_equal(fk.rec_qid, "QID1");
	(void)milter_desc.xxfi_close(fake_ctx());
	assert_int_equal(john.refs, 1);

	/* a connection that negotiated no body: no fingerprint */
	neg_note(fake_ctx(), 0);
	(void)milter_desc.xxfi_connect(fake_ctx(), (char[]){ "client" }, NULL);
	fk.c_fp[0] = 'x';
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", a, "hi", "body"),
	    SMFIS_CONTINUE);
	assert_string_equal(fk.c_fp, "");
	(void)milter_desc.xxfi_close(fake_ctx());
	assert_int_equal(john.refs, 1);
}

/*
 * A message without a Message-ID: no retry can be told from it, so no
 * fingerprint is made (its body is not hashed); with one, it is.
 */
static void
test_no_msgid_no_fingerprint(void **state)
{
	char	*from[2] = { (char[]){ "<john@acmecorp.com>" }, NULL };
	char	*rcpt[2] = { (char[]){ "<a@far.test>" }, NULL };

	(void)state;
	session();
	fake_macro("{auth_authen}", "john@acmecorp-com.relay.example");
	fake_macro("i", "QIDN");
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), from),
	    SMFIS_CONTINUE);
	assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), rcpt),
	    SMFIS_CONTINUE);
	(void)milter_desc.xxfi_header(fake_ctx(), (char[]){ "From" },
	    (char[]){ "john@acmecorp.com" });
	(void)milter_desc.xxfi_body(fake_ctx(), (unsigned char[]){ "body" },
	    4);
	fk.c_fp[0] = 'x';
	assert_int_equal(milter_desc.xxfi_eom(fake_ctx()), SMFIS_CONTINUE);
	assert_int_equal(fk.commits, 1);
	assert_string_equal(fk.c_msgid, "");
	assert_string_equal(fk.c_fp, "");
	/* the next message of the session, with one: fingerprinted */
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example",
	    (const char *[]){ "a@far.test", NULL }, "hi", "body"),
	    SMFIS_CONTINUE);
	assert_int_equal(strlen(fk.c_fp), 64);
}

/*
 * milter_neg.c: a context's negotiation is found again, a new one at
 * the same address replaces it, an unknown context is -1, and a full
 * neighbourhood gives up its oldest entry, not the newest.
 */
static void
test_neg_table(void **state)
{
	static char	 ctxs[64];
	int		 i, found = 0;

	(void)state;
	assert_int_equal(neg_body(&ctxs[0]), -1);
	neg_note(&ctxs[0], 1);
	neg_note(&ctxs[1], 0);
	assert_int_equal(neg_body(&ctxs[0]), 1);
	assert_int_equal(neg_body(&ctxs[1]), 0);
	neg_note(&ctxs[0], 0);			/* a new connection there */
	assert_int_equal(neg_body(&ctxs[0]), 0);
	/* more contexts than a neighbourhood holds: the newest stay */
	for (i = 0; i < 64; i++)
		neg_note(&ctxs[i], 1);
	assert_int_equal(neg_body(&ctxs[63]), 1);
	for (i = 0; i < 64; i++)
		found += neg_body(&ctxs[i]) == 1;
	assert_true(found >= 8);
}

/* Send the headers hv (name, value pairs) of one message; its status. */
static sfsistat
headers(const char *const (*hv)[2], size_t n)
{
	char	*from[2] = { (char[]){ "<john@acmecorp.com>" }, NULL };
	char	*rcpt[2] = { (char[]){ "<a@far.test>" }, NULL };
	size_t	 i;

	fake_macro("{auth_authen}", "john@acmecorp-com.relay.example");
	fake_macro("i", "QIDH");
	fk.header[0] = '\0';
	fk.c_msgid[0] = '\0';
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), from),
	    SMFIS_CONTINUE);
	assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), rcpt),
	    SMFIS_CONTINUE);
	for (i = 0; i < n; i++)
		(void)milter_desc.xxfi_header(fake_ctx(),
		    (char *)(uintptr_t)hv[i][0], (char *)(uintptr_t)hv[i][1]);
	return milter_desc.xxfi_eom(fake_ctx());
}

/*
 * Header names in any case, and only whole names: "fROM" is From,
 * "REPLY-TO" a Reply-To (none added), "message-id" the Message-ID;
 * "Reply-Tox", "Fro" and "Message-IDs" are none of them.
 */
static void
test_header_names(void **state)
{
	static const char *const cased[][2] = {
		{ "fROM", "john@acmecorp.com" }, { "REPLY-TO", "r@x.test" },
		{ "message-id", "<2@client.example>" },
		{ "Message-ID", "<3@client.example>" },	/* the first counts */
	};
	static const char *const others[][2] = {
		{ "Fro", "x@y.test" }, { "From", "john@acmecorp.com" },
		{ "Reply-Tox", "r@x.test" }, { "Message-IDs", "<4@c.test>" },
		{ "From ", "x@y.test" }, { "", "x@y.test" },
	};
	static const char *const two_froms[][2] = {
		{ "From", "john@acmecorp.com" }, { "FROM", "john@acmecorp.com" },
	};

	(void)state;
	session();
	assert_int_equal(headers(cased, NELEM(cased)), SMFIS_CONTINUE);
	assert_string_equal(fk.header, "");
	assert_string_equal(fk.c_msgid, "<2@client.example>");
	assert_int_equal(headers(others, NELEM(others)), SMFIS_CONTINUE);
	assert_string_equal(fk.header, "Reply-To: replies@acmecorp.com");
	assert_string_equal(fk.c_msgid, "");
	/* two Froms, whatever their case: rule 12 */
	assert_int_equal(headers(two_froms, NELEM(two_froms)), SMFIS_REJECT);
	(void)milter_desc.xxfi_close(fake_ctx());
}

static void
test_abort(void **state)
{
	char	*argv[2] = { (char[]){ "<john@acmecorp.com>" }, NULL };

	(void)state;
	session();
	fake_macro("{auth_authen}", "john@acmecorp-com.relay.example");
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), argv),
	    SMFIS_CONTINUE);
	assert_int_equal(john.refs, 2);		/* the message holds it */
	(void)milter_desc.xxfi_abort(fake_ctx());
	assert_int_equal(john.refs, 1);
	/* end of message after an abort: nothing counted, nothing added */
	assert_int_equal(milter_desc.xxfi_eom(fake_ctx()), SMFIS_CONTINUE);
	assert_int_equal(fk.commits, 0);
	(void)milter_desc.xxfi_close(fake_ctx());
	/* close without connect */
	(void)milter_desc.xxfi_close(fake_ctx());
}

static void
test_suppressed(void **state)
{
	const char *rcpts[] = { "ok@far.test", "Gone@Far.test", NULL };
	char	*argv[2] = { (char[]){ "<gone@far.test>" }, NULL };
	char	*from[2] = { (char[]){ "<john@acmecorp.com>" }, NULL };
	struct snap	*s;

	(void)state;
	fk.suppressed = "gone@far.test";
	session();
	/* on the smtp listener, suppression = campaign asks nothing */
	assert_int_equal(message("john@acmecorp.com",
	    "john@acmecorp-com.relay.example", rcpts, "hi", "b"),
	    SMFIS_CONTINUE);
	assert_int_equal(fk.sup_checks, 0);
	/* suppression = all: the listed one refused, not counted */
	s = snap_current();
	s->conf.suppression = SUPPRESS_ALL;
	snap_release(s);
	fake_macro("{auth_authen}", "john@acmecorp-com.relay.example");
	assert_int_equal(milter_desc.xxfi_envfrom(fake_ctx(), from),
	    SMFIS_CONTINUE);
	assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), argv),
	    SMFIS_REJECT);
	assert_string_equal(fk.reply,
	    "550 5.1.1 Recipient <gone@far.test> is on the suppression list");
	/* a failed lookup lets the recipient pass */
	fk.sup_fails = 1;
	assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), argv),
	    SMFIS_CONTINUE);
	fk.sup_fails = 0;
	argv[0] = (char[]){ "<Other@Far.test>" };
	assert_int_equal(milter_desc.xxfi_envrcpt(fake_ctx(), argv),
	    SMFIS_CONTINUE);
	/* the record holds the recipients taken, not the refused one */
	(void)milter_desc.xxfi_header(fake_ctx(), (char[]){ "From" },
	    (char[]){ "john@acmecorp.com" });
	assert_int_equal(milter_desc.xxfi_eom(fake_ctx()), SMFIS_CONTINUE);
	assert_int_equal(fk.rec_n, 2);
	assert_string_equal(fk.rec_rcpts[0], "gone@far.test");
	assert_string_equal(fk.rec_rcpts[1], "other@far.test");
	(void)milter_desc.xxfi_close(fake_ctx());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_without_notify,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_octets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_no_body_no_dedupe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_login_bytes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_neg_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_msgid_no_fingerprint,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_clean, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_suppressed, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
