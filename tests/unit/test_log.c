/*
 * test_log.c - the string appender (strbuf.h) and the lines log.c
 * writes: a decision's line (milter_log.c), made piece by piece, must be
 * the octets the format it replaced gave, cut at the same bound, with
 * the same escaping; log_info's and log_warn's lines too, prefix and
 * newline written once.
 *
 * Each line is taken from standard error (a file put in its place) and
 * compared with the reference: the former snprintf code, kept here.
 * Failures print "got X, want Y".
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/milter.h"
#include "lib/dirval.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "show.h"

/* The appender against snprintf: strings, numbers, every bound. */
static void
test_strbuf(void **state)
{
	static const long long nums[] = {
		0, 1, -1, 9, 10, -10, 99, 100, 255, 65535, 2147483647LL,
		-2147483648LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1
	};
	static const unsigned long long unums[] = {
		0, 1, 9, 10, 4294967295ULL, ULLONG_MAX
	};
	char		 got[64], want[64], s1[200], s2[200];
	struct strbuf	 b;
	size_t		 size, i;
	int		 failed = 0;

	(void)state;
	for (size = 1; size <= 40; size++) {
		for (i = 0; i < NELEM(nums); i++) {
			sb_init(&b, got, size);
			sb_str(&b, "n=");
			sb_num(&b, nums[i]);
			sb_str(&b, "/");
			sb_unum(&b, unums[i % NELEM(unums)]);
			sb_mem(&b, "abcdef", 3);
			snprintf(want, size, "n=%lld/%llu%.3s", nums[i],
			    unums[i % NELEM(unums)], "abcdef");
			if (strcmp(got, want) != 0 || b.len != strlen(want) ||
			    b.len >= size) {
				print_message("size %zu: got \"%s\" (%zu), "
				    "want \"%s\"\n", size, show(got, s1,
				    sizeof(s1)), b.len, show(want, s2,
				    sizeof(s2)));
				failed = 1;
			}
		}
	}
	/* nothing kept in a buffer of one octet; the rest is not touched */
	memset(got, 'x', sizeof(got));
	sb_init(&b, got, 1);
	sb_str(&b, "abc");
	sb_num(&b, -5);
	assert_int_equal(b.len, 0);
	assert_int_equal(got[0], '\0');
	assert_int_equal(got[1], 'x');
	/* a string longer than the room is read no further than the room */
	sb_init(&b, got, 4);
	sb_str(&b, (char[]){ 'a', 'b', 'c', 'd' });	/* no NUL: 3 read */
	assert_string_equal(got, "abc");
	assert_int_equal(got[4], 'x');
	/* a literal, cut like the rest */
	sb_init(&b, got, 6);
	sb_lit(&b, "ab");
	sb_lit(&b, "cdefgh");
	assert_string_equal(got, "abcde");
	assert_int_equal(b.len, 5);
	/* control octets and 8-bit ones go through as they are */
	sb_init(&b, got, sizeof(got));
	sb_str(&b, "\x01\"\\\xff");
	assert_string_equal(got, "\x01\"\\\xff");
	assert_false(failed);
}

/* Standard error into a file while a line is written. */
static int	 cap_fd = -1, saved_err = -1;

static void
cap_start(void)
{
	char	 path[] = "/tmp/test_log.XXXXXX";

	if (cap_fd == -1) {
		assert_true((cap_fd = mkstemp(path)) != -1);
		unlink(path);
	}
	assert_int_equal(ftruncate(cap_fd, 0), 0);
	assert_true((saved_err = dup(STDERR_FILENO)) != -1);
	assert_true(dup2(cap_fd, STDERR_FILENO) != -1);
	assert_int_equal(lseek(STDERR_FILENO, 0, SEEK_SET), 0);
}

/* What was written since cap_start, into out[len]. */
static void
cap_end(char *out, size_t len)
{
	ssize_t	 n;

	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	n = pread(cap_fd, out, len - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
}

/* The former milter_log_decision's message (the reference). */
static void
ref_decision(char *msg, size_t len, const char *qid,
    const struct decision *d, const struct sg_entry *e, const char *from,
    const char *auth, const char *client, int method, const char *extra)
{
	const char	*reason = NULL;
	char		 reply[sizeof(d->text) + 32], why[256];
	char		 shown[SG_LOGIN_SHOW_MAX];
	int		 st = -1;

	if (e != NULL && d->rule == RULE_DISABLED)
		st = STATUS_DISABLED;
	else if (e != NULL && d->rule == RULE_SUSPENDED)
		st = STATUS_SUSPENDED;
	if (st != -1) {
		reason = e->snd.status == st ? e->snd.reason : e->dom.reason;
		if (reason != NULL) {
			milter_printable(reason, why, sizeof(why));
			reason = why;
		}
	}
	reply[0] = '\0';
	if (d->code[0] != '\0')
		snprintf(reply, sizeof(reply), ": %s %s %s", d->code,
		    d->xcode, d->text);
	snprintf(msg, len, "%s: %s rule=%s from=<%s> auth=%s client=%s "
	    "method=%s%s%s%s%s%s",
	    qid[0] ? qid : "NOQUEUE",
	    policy_action_name(d->action), policy_rule_name(d->rule), from,
	    auth[0] ? dv_login_show(auth, shown, sizeof(shown)) : "-",
	    client, conf_method_name(method),
	    reason ? " reason=\"" : "", reason ? reason : "",
	    reason ? "\"" : "", extra, reply);
}

static char	 long_text[3000], long_login[SG_LOGIN_MAX + 2];

/* A decision as the policy makes them. */
static void
mk(struct decision *d, int action, enum pol_rule rule, const char *code,
    const char *xcode, const char *text)
{
	memset(d, 0, sizeof(*d));
	d->action = action;
	d->rule = rule;
	snprintf(d->code, sizeof(d->code), "%s", code);
	snprintf(d->xcode, sizeof(d->xcode), "%s", xcode);
	snprintf(d->text, sizeof(d->text), "%s", text);
}

/* Status reasons with quotes, controls and 8-bit octets. */
static struct sg_entry e = {
	.dom = { .reason = (char[]){ "domain \"bad\"\tpayer" },
	    .status = STATUS_DISABLED },
	.snd = { .reason = (char[]){ "sender\x01 \xe2\x82\xac %s%n" },
	    .status = STATUS_SUSPENDED },
};

/*
 * Decisions' lines, byte for byte the reference's: every field, hostile
 * octets in the reason and the login, the reply, the warning level of
 * a quota refusal, and the cut at LOG_MSG_MAX - 1 octets.
 */
static void
test_decision_line(void **state)
{
	struct {
		const char	*qid, *from, *auth, *client, *extra;
		int		 action, rule, method;
		const char	*code, *xcode, *text, *tag;
	} cases[] = {
		{ "4F3A12", "a@x", "b@y", "192.0.2.7", "", POL_REJECT,
		  RULE_NOT_OWNED, METHOD_SMTP, "553", "5.7.1",
		  "Sender address rejected: not owned by user b@y", "info" },
		{ "", "", "", "unknown", "", POL_REJECT, RULE_NULL_SENDER,
		  METHOD_CAMPAIGN, "550", "5.7.1", "Null sender not accepted",
		  "info" },
		{ "Q1", "john@acmecorp.com", "j\\o hn\x7f\xc3\xbc", "::1",
		  " count=3/100 domain=7/- rcpts=2 copies=1 dup=1 "
		  "directory=stale", POL_ACCEPT, RULE_OK, METHOD_SMTP, "", "",
		  "", "info" },
		{ "Q2", "s@d", "", "10.0.0.1", "", POL_REJECT, RULE_DISABLED,
		  METHOD_SMTP, "550", "5.7.1", "Sender <s@d> is disabled",
		  "info" },
		{ "Q3", "s@d", "", "10.0.0.1", " directory=stale",
		  POL_TEMPFAIL, RULE_SUSPENDED, METHOD_SMTP, "451", "4.7.1",
		  "Sender <s@d> is suspended", "info" },
		{ "Q4", "s@d", "u", "10.0.0.1", "", POL_TEMPFAIL, RULE_QUOTA,
		  METHOD_SMTP, "451", "4.7.1",
		  "Monthly sending limit reached for <s@d>", "warning" },
		{ "Q5", "s@d", "u", "10.0.0.1", "", POL_TEMPFAIL,
		  RULE_RCPT_QUOTA, METHOD_SMTP, "452", "4.7.1",
		  "Monthly recipient limit reached for <s@d>", "warning" },
		{ "Q6", "s@d", "u", "10.0.0.1", "", POL_CONTINUE,
		  RULE_COUNTER_ERROR, 99, "", "", "", "info" },
		{ "Q7", "s@d", long_login, "10.0.0.1", long_text, POL_REJECT,
		  RULE_HEADER_FROM, METHOD_SMTP, "550", "5.7.1", long_text,
		  "info" },
		{ "Q8", long_text, "u", "10.0.0.1", "", POL_REJECT, 1000,
		  METHOD_SMTP, "550", "5.7.1", "x", "info" },
	};
	struct decision	 d;
	char		 got[4096], want[4096], msg[LOG_MSG_MAX];
	char		 s1[5000], s2[5000];
	size_t		 i;
	int		 failed = 0;

	(void)state;
	for (i = 0; i < sizeof(long_text) - 1; i++)
		long_text[i] = (char)('a' + i % 26);
	for (i = 0; i < sizeof(long_login) - 1; i++)
		long_login[i] = i % 2 ? '\\' : '\x80';
	log_open("sendergate-test", LOG_MAIL, 1, LOG_LVL_DEBUG);
	for (i = 0; i < NELEM(cases); i++) {
		mk(&d, cases[i].action, (enum pol_rule)cases[i].rule,
		    cases[i].code, cases[i].xcode, cases[i].text);
		cap_start();
		milter_log_decision(cases[i].qid, &d, &e, cases[i].from,
		    cases[i].auth, cases[i].client, cases[i].method,
		    cases[i].extra);
		cap_end(got, sizeof(got));
		ref_decision(msg, sizeof(msg), cases[i].qid, &d, &e,
		    cases[i].from, cases[i].auth, cases[i].client,
		    cases[i].method, cases[i].extra);
		snprintf(want, sizeof(want), "sendergate: %s: %s\n",
		    cases[i].tag, msg);
		if (strcmp(got, want) != 0) {
			print_message("case %zu: got \"%s\", want \"%s\"\n",
			    i, show(got, s1, sizeof(s1)),
			    show(want, s2, sizeof(s2)));
			failed = 1;
		}
	}
	/* the cut: a message of exactly LOG_MSG_MAX - 1 octets, newline */
	assert_int_equal(strlen(got), strlen("sendergate: info: ") +
	    LOG_MSG_MAX - 1 + 1);
	/* below the level: nothing written, but a warning still is */
	log_setlevel(LOG_LVL_WARNING);
	mk(&d, POL_REJECT, RULE_NOT_OWNED, "553", "5.7.1", "no");
	cap_start();
	milter_log_decision("Q9", &d, NULL, "a@b", "", "::1", METHOD_SMTP,
	    "");
	cap_end(got, sizeof(got));
	assert_string_equal(got, "");
	mk(&d, POL_TEMPFAIL, RULE_QUOTA, "451", "4.7.1", "full");
	cap_start();
	milter_log_decision("Q9", &d, NULL, "a@b", "", "::1", METHOD_SMTP,
	    "");
	cap_end(got, sizeof(got));
	assert_string_equal(got, "sendergate: warning: Q9: tempfail "
	    "rule=quota from=<a@b> auth=- client=::1 method=smtp: 451 4.7.1 "
	    "full\n");
	log_setlevel(LOG_LVL_DEBUG);
	assert_false(failed);
}

/*
 * log_info's and log_warn's lines: the format's octets, the error's
 * text, one newline, the same cut; and the journal's prefix when
 * standard error is the journal.
 */
static void
test_printf_lines(void **state)
{
	char		 got[4096], want[4096], msg[LOG_MSG_MAX], js[64];
	struct stat	 st;

	(void)state;
	log_open("sendergate-test", LOG_MAIL, 1, LOG_LVL_DEBUG);
	cap_start();
	log_info("%s: %d %5.2f|%-4s|", "q", -42, 3.14159, "ab");
	cap_end(got, sizeof(got));
	assert_string_equal(got, "sendergate: info: q: -42  3.14|ab  |\n");

	cap_start();
	errno = ENOENT;
	log_warn("open %s", "/nowhere");
	assert_int_equal(errno, ENOENT);
	cap_end(got, sizeof(got));
	snprintf(want, sizeof(want), "sendergate: warning: open /nowhere: %s\n",
	    strerror(ENOENT));
	assert_string_equal(got, want);

	/* cut at LOG_MSG_MAX - 1 octets, the error's text with it */
	cap_start();
	errno = EACCES;
	log_warn("%.*s", 2040, long_text);
	cap_end(got, sizeof(got));
	snprintf(msg, sizeof(msg), "%.*s: %s", 2040, long_text,
	    strerror(EACCES));
	snprintf(want, sizeof(want), "sendergate: warning: %s\n", msg);
	assert_string_equal(got, want);
	assert_int_equal(strlen(got), strlen("sendergate: warning: ") +
	    LOG_MSG_MAX);

	cap_start();
	log_debug("%s", "");
	log_error("two %s", "lines");
	cap_end(got, sizeof(got));
	assert_string_equal(got, "sendergate: debug: \n"
	    "sendergate: error: two lines\n");

	/* the journal: "<6>info: " */
	cap_start();
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", js, 1);
	log_open("sendergate-test", LOG_MAIL, 1, LOG_LVL_DEBUG);
	log_info("to the %s", "journal");
	log_warnx("w");
	log_error("e");
	log_debug("d");
	cap_end(got, sizeof(got));
	unsetenv("JOURNAL_STREAM");
	log_open("sendergate-test", LOG_MAIL, 1, LOG_LVL_DEBUG);
	assert_string_equal(got, "<6>info: to the journal\n<4>warning: w\n"
	    "<3>error: e\n<7>debug: d\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_decision_line),
		cmocka_unit_test(test_printf_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
