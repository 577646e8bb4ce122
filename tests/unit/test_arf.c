/*
 * test_arf.c - what complaint learn may read of a feedback report
 * (RFC 5965): arf_parse takes the Feedback-Type, the sender from
 * Original-Mail-From (else the reported message's Return-Path, else its
 * From), the recipients from Original-Rcpt-To (else the reported To when
 * it is one mailbox) and the reported Message-ID; anything that is no
 * feedback report is refused with a reason. Table-driven: "got X, want Y".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arf.h"
#include "show.h"

#define HEAD(rtype) \
	"From: fbl@isp.test\r\n" \
	"To: complaints@relay.test\r\n" \
	"Subject: FW: hello\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: multipart/report; report-type=" rtype ";\r\n" \
	"\tboundary=\"part1_13d.2e68ed54_report\"\r\n\r\n" \
	"This is a multi-part message in MIME format.\r\n\r\n" \
	"--part1_13d.2e68ed54_report\r\n" \
	"Content-Type: text/plain; charset=\"US-ASCII\"\r\n\r\n" \
	"This is an email abuse report for an email message received\r\n" \
	"from IP 192.0.2.1 on Thu, 8 Mar 2026 14:00:00 EDT.\r\n\r\n"
#define REPORT(fields) \
	"--part1_13d.2e68ed54_report\r\n" \
	"Content-Type: message/feedback-report\r\n\r\n" \
	fields "\r\n"
#define ABUSE \
	"Feedback-Type: abuse\r\n" \
	"User-Agent: SomeGenerator/1.0\r\n" \
	"Version: 1\r\n"
#define RETURNED(ctype, headers) \
	"--part1_13d.2e68ed54_report\r\n" \
	"Content-Type: " ctype "\r\n" \
	"Content-Disposition: inline\r\n\r\n" \
	headers \
	"Subject: hello\r\n\r\n" \
	"the body\r\n" \
	"--part1_13d.2e68ed54_report--\r\n"

struct arf_case {
	const char	*name;
	const char	*msg;
	int		 want;		/* arf_parse's answer */
	const char	*why;		/* part of the reason, on -1 */
	const char	*type;
	int		 abuse;
	const char	*sender;
	enum arf_origin	 sorigin;
	const char	*rcpts;		/* comma-separated */
	enum arf_origin	 rorigin;
	const char	*msgid;
};

static const struct arf_case cases[] = {
	{ "RFC 5965's example, with message/rfc822",
	    HEAD("feedback-report") REPORT(ABUSE
	    "Original-Mail-From: <Camp@Pf.Test>\r\n"
	    "Original-Rcpt-To: <User@Far.Test>\r\n"
	    "Arrival-Date: Thu, 8 Mar 2026 14:00:00 EDT\r\n"
	    "Reported-Domain: pf.test\r\n"
	    "Source-IP: 192.0.2.1\r\n")
	    RETURNED("message/rfc822", "Return-Path: <other@pf.test>\r\n"
	    "From: <camp@pf.test>\r\nTo: <user@far.test>\r\n"
	    "Message-ID: <8787KJKJ3K4J3K4J3K4J3.mail@pf.test>  \r\n"),
	    0, NULL, "abuse", 1, "camp@pf.test", ARF_REPORT, "user@far.test",
	    ARF_REPORT, "<8787KJKJ3K4J3K4J3K4J3.mail@pf.test>" },
	{ "headers only, no report addresses: Return-Path and To",
	    HEAD("feedback-report") REPORT(ABUSE)
	    RETURNED("text/rfc822-headers", "Return-Path: <b@pf.test>\r\n"
	    "From: \"Camp\" <camp@pf.test>\r\n"
	    "To: Someone <someone@far.test>\r\n"
	    "Message-ID:\r\n <m1@pf.test>\r\n"),
	    0, NULL, "abuse", 1, "b@pf.test", ARF_RETURN_PATH,
	    "someone@far.test", ARF_TO, "<m1@pf.test>" },
	{ "no Return-Path: From",
	    HEAD("feedback-report") REPORT(ABUSE)
	    RETURNED("text/rfc822-headers", "From: Camp <camp@pf.test>\r\n"
	    "To: a@far.test, b@far.test\r\nMessage-ID: <m2@pf.test>\r\n"),
	    0, NULL, "abuse", 1, "camp@pf.test", ARF_FROM, "", ARF_NONE,
	    "<m2@pf.test>" },
	{ "a redacted To is no recipient",
	    HEAD("feedback-report") REPORT(ABUSE
	    "Original-Mail-From: <camp@pf.test>\r\n")
	    RETURNED("text/rfc822-headers", "To: xxxxxxxx\r\n"
	    "Message-ID: <m3@pf.test>\r\n"),
	    0, NULL, "abuse", 1, "camp@pf.test", ARF_REPORT, "", ARF_NONE,
	    "<m3@pf.test>" },
	{ "several Original-Rcpt-To, a bad one skipped",
	    HEAD("feedback-report") REPORT(ABUSE
	    "Original-Mail-From: camp@pf.test\r\n"
	    "Original-Rcpt-To: a@far.test\r\n"
	    "Original-Rcpt-To: not an address\r\n"
	    "Original-Rcpt-To: <b@far.test.>\r\n")
	    RETURNED("message/rfc822", "To: c@far.test\r\n"),
	    0, NULL, "abuse", 1, "camp@pf.test", ARF_REPORT,
	    "a@far.test,b@far.test", ARF_REPORT, "" },
	{ "other feedback: parsed, not abuse",
	    HEAD("feedback-report") REPORT("Feedback-Type: Not-Spam\r\n"
	    "Original-Mail-From: <camp@pf.test>\r\n"), 0, NULL, "not-spam",
	    0, "camp@pf.test", ARF_REPORT, "", ARF_NONE, "" },
	{ "a null Original-Mail-From: the From",
	    HEAD("feedback-report") REPORT(ABUSE
	    "Original-Mail-From: <>\r\n")
	    RETURNED("message/rfc822", "From: camp@pf.test\r\n"),
	    0, NULL, "abuse", 1, "camp@pf.test", ARF_FROM, "", ARF_NONE,
	    "" },
	{ "LF line ends", "Content-Type: multipart/report; "
	    "report-type=feedback-report; boundary=X\n\n--X\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
	    "Original-Rcpt-To: r@far.test\n\n--X\n"
	    "Content-Type: text/rfc822-headers\n\nMessage-ID: <lf@pf.test>\n"
	    "--X--\n", 0, NULL, "abuse", 1, "", ARF_NONE, "r@far.test",
	    ARF_REPORT, "<lf@pf.test>" },
	{ "a DSN is no feedback report", HEAD("delivery-status")
	    REPORT(ABUSE), -1, "not a feedback report", NULL, 0, NULL,
	    ARF_NONE, NULL, ARF_NONE, NULL },
	{ "plain mail", "From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n",
	    -1, "not a multipart/report", NULL, 0, NULL, ARF_NONE, NULL,
	    ARF_NONE, NULL },
	{ "no report part", HEAD("feedback-report")
	    RETURNED("message/rfc822", "From: camp@pf.test\r\n"), -1,
	    "no message/feedback-report", NULL, 0, NULL, ARF_NONE, NULL,
	    ARF_NONE, NULL },
	{ "a report part without Feedback-Type", HEAD("feedback-report")
	    REPORT("Original-Mail-From: <camp@pf.test>\r\n"), -1,
	    "no message/feedback-report", NULL, 0, NULL, ARF_NONE, NULL,
	    ARF_NONE, NULL },
	{ "no boundary", "Content-Type: multipart/report; "
	    "report-type=feedback-report\r\n\r\nx\r\n", -1,
	    "not a feedback report", NULL, 0, NULL, ARF_NONE, NULL,
	    ARF_NONE, NULL },
	{ "empty", "", -1, "not a multipart/report", NULL, 0, NULL,
	    ARF_NONE, NULL, ARF_NONE, NULL },
};

/* The recipients of a as one comma-separated string into buf. */
static const char *
joined(const struct arf *a, char *buf, size_t len)
{
	size_t	 i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < a->nrcpts && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		    a->rcpts[i]);
	return buf;
}

/* arf_parse, case by case. */
static void
test_parse(void **state)
{
	struct arf	 a;
	char		 why[256], r[2048], b[2048];
	size_t		 i;
	int		 got, bad = 0;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const struct arf_case *c = &cases[i];

		why[0] = '\0';
		got = arf_parse(c->msg, strlen(c->msg), &a, why, sizeof(why));
		if (got != c->want) {
			printf("%s: got %d (%s), want %d\n", c->name, got, why,
			    c->want);
			bad++;
			continue;
		}
		if (got == -1) {
			if (strstr(why, c->why) == NULL) {
				printf("%s: got reason \"%s\", want \"%s\"\n",
				    c->name, why, c->why);
				bad++;
			}
			continue;
		}
		joined(&a, r, sizeof(r));
		if (strcmp(a.type, c->type) != 0 || a.abuse != c->abuse ||
		    strcmp(a.sender, c->sender) != 0 ||
		    a.sender_origin != c->sorigin || strcmp(r, c->rcpts) != 0 ||
		    a.rcpts_origin != c->rorigin ||
		    strcmp(a.msgid, c->msgid) != 0) {
			printf("%s: got type %s abuse %d sender <%s> (%s) "
			    "rcpts <%s> (%s) msgid \"%s\"\n"
			    "\twant type %s abuse %d sender <%s> (%s) "
			    "rcpts <%s> (%s) msgid \"%s\"\n", c->name, a.type,
			    a.abuse, a.sender, arf_origin_name(a.sender_origin,
			    0), r, arf_origin_name(a.rcpts_origin, 1),
			    show(a.msgid, b, sizeof(b)), c->type, c->abuse,
			    c->sender, arf_origin_name(c->sorigin, 0), c->rcpts,
			    arf_origin_name(c->rorigin, 1), c->msgid);
			bad++;
		}
	}
	if (bad)
		fail();
}

/* Arrival-Date is kept as written; a Message-ID too long is none. */
static void
test_fields(void **state)
{
	static const char head[] = "Content-Type: multipart/report; "
	    "report-type=feedback-report; boundary=X\n\n--X\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
	    "Arrival-Date: Thu, 8 Mar 2026 14:00:00 EDT\n\n--X\n"
	    "Content-Type: text/rfc822-headers\n\nMessage-ID: <";
	char		 msg[3000], why[256];
	struct arf	 a;
	size_t		 n;

	(void)state;
	n = (size_t)snprintf(msg, sizeof(msg), "%s", head);
	memset(msg + n, 'x', 1200);
	n += 1200;
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "@pf.test>\n--X--\n");
	assert_int_equal(arf_parse(msg, n, &a, why, sizeof(why)), 0);
	assert_string_equal(a.arrival, "Thu, 8 Mar 2026 14:00:00 EDT");
	assert_string_equal(a.msgid, "");
	/* cut short anywhere: never past the end */
	while (n-- > 0)
		(void)arf_parse(msg, n, &a, why, sizeof(why));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
