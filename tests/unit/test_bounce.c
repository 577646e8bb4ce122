/*
 * test_bounce.c - what suppress learn may believe of a DSN: dsn_parse
 * gives each delivery-status part its own sender and queue id, takes the
 * Final-Recipient (never Original-Recipient) and the returned Message-ID;
 * bounce_match finds a failed recipient in the record of accepted
 * messages only within bounce_window. Table-driven: "got X, want Y".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lib/bounce.h"
#include "lib/dsn.h"
#include "show.h"

#define NOW	1800000000
#define WINDOW	(6 * 86400000L)		/* 6d in ms */

struct match_case {
	const char	*name;
	const char	*entries[3];	/* NULL-ended */
	const char	*rcpt;
	int		 want;
	const char	*why;		/* part of the reason, when 0 */
};

static const struct match_case match_cases[] = {
	{ "listed, recent", { "1799990000\nQ1\na@far.test\nb@far.test", NULL },
	    "b@far.test", 1, NULL },
	{ "the first of several", { "1799990000\nQ1\na@far.test", NULL },
	    "a@far.test", 1, NULL },
	{ "nothing recorded", { NULL }, "a@far.test", 0, "no message" },
	{ "not a recipient", { "1799990000\nQ1\na@far.test", NULL },
	    "c@far.test", 0, "not a recipient" },
	{ "a prefix of a recipient is none",
	    { "1799990000\nQ1\naa@far.test", NULL }, "a@far.test", 0,
	    "not a recipient" },
	{ "a longer address is none",
	    { "1799990000\nQ1\na@far.test", NULL }, "a@far.test.x", 0,
	    "not a recipient" },
	{ "the queue id is no recipient", { "1799990000\nQ1\na@far.test",
	    NULL }, "Q1", 0, "not a recipient" },
	{ "older than the window",
	    { "1799400000\nQ1\na@far.test", NULL }, "a@far.test", 0,
	    "longer ago" },
	{ "the recent of two entries", { "1799400000\nQ0\nb@far.test",
	    "1799990000\nQ1\na@far.test", NULL }, "a@far.test", 1, NULL },
	{ "in the old entry only", { "1799990000\nQ1\na@far.test",
	    "1799400000\nQ0\nb@far.test", NULL }, "b@far.test", 0,
	    "not a recipient" },
	{ "no time: not an entry", { "Q1\na@far.test", NULL }, "a@far.test",
	    0, "longer ago" },
	{ "no recipients", { "1799990000\nQ1", NULL }, "a@far.test", 0,
	    "not a recipient" },
	{ "empty recipient", { "1799990000\nQ1\n\na@far.test", NULL }, "", 0,
	    "not a recipient" },
};

/* bounce_match, case by case. */
static void
test_match(void **state)
{
	const char	*why;
	size_t		 i, n, len[3];
	int		 got, bad = 0;
	char		 b[128];

	(void)state;
	for (i = 0; i < NELEM(match_cases); i++) {
		const struct match_case *c = &match_cases[i];

		for (n = 0; c->entries[n] != NULL; n++)
			len[n] = strlen(c->entries[n]);
		why = NULL;
		got = bounce_match(c->entries, len, n, NOW, WINDOW, c->rcpt,
		    &why);
		if (got != c->want || why == NULL || (c->why != NULL &&
		    strstr(why, c->why) == NULL)) {
			printf("%s: <%s>: got %d (%s), want %d (%s)\n",
			    c->name, show(c->rcpt, b, sizeof(b)), got,
			    why ? why : "no reason", c->want,
			    c->why ? c->why : "any");
			bad++;
		}
	}
	if (bad)
		fail();
}

#define HEAD \
	"From: MAILER-DAEMON@relay.test\n" \
	"Subject: Postmaster Copy: Undelivered Mail\n" \
	"MIME-Version: 1.0\n" \
	"Content-Type: multipart/report; report-type=delivery-status;\n" \
	"\tboundary=\"B\"\n\n" \
	"--B\nContent-Type: text/plain\n\nnotice\n\n"
#define STATUS(sender, qid) \
	"--B\nContent-Type: message/delivery-status\n\n" \
	"Reporting-MTA: dns; relay.test\n" \
	"X-Postfix-Queue-ID: " qid "\n" \
	"X-Postfix-Sender: rfc822; " sender "\n" \
	"Arrival-Date: Mon,  2 Nov 2026 10:00:00 +0000 (UTC)\n\n"
#define RCPT(final, status) \
	"Final-Recipient: rfc822; " final "\n" \
	"Action: failed\n" \
	"Status: " status "\n\n"
#define RETURNED(msgid) \
	"--B\nContent-Type: text/rfc822-headers\n\n" \
	"Return-Path: <returned@pf.test>\n" \
	"From: someone@pf.test\n" \
	"Message-ID: " msgid "\n" \
	"Subject: hi\n\n" \
	"--B--\n"

/* Each delivery-status part keeps its own sender and queue id. */
static void
test_parts(void **state)
{
	static const char msg[] = HEAD
	    STATUS("attacker@pf.test", "AAA111")
	    RCPT("nouser@gone.test", "5.1.1")
	    STATUS("news@victim.test", "BBB222")
	    RCPT("x@far.test", "5.1.1")
	    RCPT("y@far.test", "5.1.1")
	    RETURNED("<m1@pf.test>");
	struct dsn	 d;
	char		 why[128];

	(void)state;
	assert_int_equal(dsn_parse(msg, sizeof(msg) - 1, &d, why,
	    sizeof(why)), 0);
	assert_int_equal(d.nparts, 2);
	assert_string_equal(d.parts[0].sender, "attacker@pf.test");
	assert_string_equal(d.parts[0].qid, "AAA111");
	assert_string_equal(d.parts[1].sender, "news@victim.test");
	assert_string_equal(d.parts[1].qid, "BBB222");
	assert_int_equal(d.nrcpts, 3);
	assert_string_equal(d.rcpts[0].addr, "nouser@gone.test");
	assert_int_equal(d.rcpts[0].part, 0);	/* not the last part's */
	assert_int_equal(d.rcpts[1].part, 1);
	assert_int_equal(d.rcpts[2].part, 1);
	assert_string_equal(d.msgid, "<m1@pf.test>");
	dsn_free(&d);
}

/* Final-Recipient, never Original-Recipient (the client's ORCPT=). */
static void
test_final(void **state)
{
	static const char msg[] = HEAD
	    STATUS("pfcamp@pf.test", "CCC333")
	    "Original-Recipient: rfc822; victim@elsewhere.test\n"
	    RCPT("nouser@gone.test", "5.1.1")
	    "Final-Recipient: rfc822; second@gone.test\n"
	    "Original-Recipient: rfc822; victim2@elsewhere.test\n"
	    "Action: failed\nStatus: 5.1.1\n\n"
	    RETURNED("<m2@pf.test>");
	struct dsn	 d;
	char		 why[128];

	(void)state;
	assert_int_equal(dsn_parse(msg, sizeof(msg) - 1, &d, why,
	    sizeof(why)), 0);
	assert_int_equal(d.nrcpts, 2);
	assert_string_equal(d.rcpts[0].addr, "nouser@gone.test");
	assert_string_equal(d.rcpts[1].addr, "second@gone.test");
	assert_int_equal(d.rcpts[0].learn, 1);
	dsn_free(&d);
}

/* No X-Postfix-Sender (Sendmail): the returned headers' sender, per part. */
static void
test_returned_sender(void **state)
{
	static const char msg[] = HEAD
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; relay.test\n\n"
	    RCPT("nouser@gone.test", "5.1.1")
	    STATUS("pfcamp@pf.test", "Q9")
	    RCPT("other@gone.test", "5.1.1")
	    RETURNED("<m3@pf.test>");
	struct dsn	 d;
	char		 why[128];

	(void)state;
	assert_int_equal(dsn_parse(msg, sizeof(msg) - 1, &d, why,
	    sizeof(why)), 0);
	assert_int_equal(d.nparts, 2);
	assert_string_equal(d.parts[0].sender, "returned@pf.test");
	assert_string_equal(d.parts[0].qid, "");
	assert_string_equal(d.parts[1].sender, "pfcamp@pf.test");
	dsn_free(&d);
}

/* A queue id of other characters than a queue id's is none. */
static void
test_qid(void **state)
{
	static const char msg[] = HEAD
	    STATUS("pfcamp@pf.test", "Q1\\nx")
	    RCPT("nouser@gone.test", "5.1.1")
	    "--B--\n";
	struct dsn	 d;
	char		 why[128];

	(void)state;
	assert_int_equal(dsn_parse(msg, sizeof(msg) - 1, &d, why,
	    sizeof(why)), 0);
	assert_string_equal(d.parts[0].qid, "");
	assert_string_equal(d.msgid, "");
	dsn_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_parts),
		cmocka_unit_test(test_final),
		cmocka_unit_test(test_returned_sender),
		cmocka_unit_test(test_qid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
