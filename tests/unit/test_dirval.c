/*
 * test_dirval.c - the directory's words and numbers (dirval.c): every
 * word each attribute takes, in any case, and the values each refuses;
 * limits at their bounds; logins compared byte for byte and shown so
 * that no two look alike.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dirval.h"

struct word_case {
	const char	*in;
	int		 ret;		/* 0 or -1 */
	int		 want;		/* when 0 */
};

/* Run a table through a word parser; print "got X, want Y". */
static void
words(const char *what, int (*fn)(const char *, int *),
    const struct word_case *t)
{
	int	 v, r, bad = 0;

	for (; t->in != NULL; t++) {
		v = -99;
		r = fn(t->in, &v);
		if (r != t->ret || (r == 0 && v != t->want)) {
			print_message("%s(\"%s\"): got %d (%d), want %d (%d)\n",
			    what, t->in, r, v, t->ret, t->want);
			bad = 1;
		}
	}
	assert_false(bad);
}

static void
test_status(void **state)
{
	static const struct word_case t[] = {
		{ "active", 0, STATUS_ACTIVE },
		{ "Suspended", 0, STATUS_SUSPENDED },
		{ "DISABLED", 0, STATUS_DISABLED },
		{ "", -1, 0 }, { "paused", -1, 0 }, { "active ", -1, 0 },
		{ " active", -1, 0 }, { "activ", -1, 0 }, { "actives", -1, 0 },
		{ NULL, 0, 0 }
	};

	(void)state;
	words("dv_status", dv_status, t);
	assert_string_equal(dv_status_name(STATUS_SUSPENDED), "suspended");
	assert_string_equal(dv_status_name(42), "unknown");
}

static void
test_method_auth(void **state)
{
	static const struct word_case m[] = {
		{ "smtp", 0, METHOD_SMTP }, { "CAMPAIGN", 0, METHOD_CAMPAIGN },
		{ "smtps", -1, 0 }, { "", -1, 0 }, { "ip", -1, 0 },
		{ NULL, 0, 0 }
	};
	static const struct word_case a[] = {
		{ "user", 0, AUTH_USER }, { "IP", 0, AUTH_IP },
		{ "smtp", -1, 0 }, { "users", -1, 0 }, { "", -1, 0 },
		{ NULL, 0, 0 }
	};
	char	 buf[64];

	(void)state;
	words("dv_method", dv_method, m);
	words("dv_auth", dv_auth, a);
	assert_string_equal(dv_methods_words(METHOD_SMTP | METHOD_CAMPAIGN,
	    buf, sizeof(buf)), "smtp, campaign");
	assert_string_equal(dv_auths_words(AUTH_IP, buf, sizeof(buf)), "ip");
	assert_string_equal(dv_auths_words(0, buf, sizeof(buf)), "none");
}

static void
test_bool(void **state)
{
	static const struct word_case t[] = {
		{ "TRUE", 0, 1 }, { "false", 0, 0 }, { "yes", -1, 0 },
		{ "1", -1, 0 }, { "", -1, 0 }, { NULL, 0, 0 }
	};

	(void)state;
	words("dv_bool", dv_bool, t);
}

static void
test_limit(void **state)
{
	static const struct {
		const char	*in;
		int		 ret;
		long		 want;
	} t[] = {
		{ "0", 0, 0 }, { "1000", 0, 1000 }, { "007", 0, 7 },
		{ "9223372036854775807", 0, LONG_MAX },
		{ "9223372036854775808", -1, 0 }, { "-1", -1, 0 },
		{ "+5", -1, 0 }, { " 5", -1, 0 }, { "5 ", -1, 0 },
		{ "5x", -1, 0 }, { "", -1, 0 }, { "1e3", -1, 0 },
		{ "0x10", -1, 0 },
	};
	size_t	 i;
	long	 v;
	int	 r, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v = -99;
		r = dv_limit(t[i].in, &v);
		if (r != t[i].ret || (r == 0 && v != t[i].want)) {
			print_message("dv_limit(\"%s\"): got %d (%ld), want "
			    "%d (%ld)\n", t[i].in, r, v, t[i].ret, t[i].want);
			bad = 1;
		}
	}
	assert_false(bad);
	assert_int_equal(dv_limit(NULL, &v), -1);
}

static void
test_login(void **state)
{
	char	 long_ok[SG_LOGIN_MAX + 1], too_long[SG_LOGIN_MAX + 2];
	char	 buf[SG_LOGIN_SHOW_MAX];

	(void)state;
	assert_int_equal(dv_login("john.smith@acmecorp-com.relay.example"), 0);
	assert_int_equal(dv_login("jsmith"), 0);
	assert_int_equal(dv_login("j\xc3\xbcrgen@x"), 0);
	assert_int_equal(dv_login(""), -1);
	assert_int_equal(dv_login("two words"), -1);
	assert_int_equal(dv_login("tab\there"), -1);
	assert_int_equal(dv_login("del\x7f"), -1);
	memset(long_ok, 'a', SG_LOGIN_MAX);
	long_ok[SG_LOGIN_MAX] = '\0';
	assert_int_equal(dv_login(long_ok), 0);
	memset(too_long, 'a', SG_LOGIN_MAX + 1);
	too_long[SG_LOGIN_MAX + 1] = '\0';
	assert_int_equal(dv_login(too_long), -1);

	/* ASCII letters without case, every other octet exactly */
	assert_true(dv_login_eq("JSmith", "jsmith"));
	assert_true(dv_login_eq("J\xc3\xbcRGEN@X", "j\xc3\xbcrgen@x"));
	assert_false(dv_login_eq("j\xc3\x9crgen@x", "j\xc3\xbcrgen@x"));
	assert_false(dv_login_eq("j\xc3\xbcrgen@x", "j??rgen@x"));
	assert_false(dv_login_eq("j??rgen@x", "j\xc3\xbcrgen@x"));
	assert_false(dv_login_eq("jsmith", "jsmit"));
	assert_false(dv_login_eq("jsmit", "jsmith"));
	assert_false(dv_login_eq(NULL, "x"));

	/* shown: printable ASCII as is, '\' doubled, the rest \xHH */
	assert_string_equal(dv_login_show("j\xc3\xbcrgen@x", buf, sizeof(buf)),
	    "j\\xc3\\xbcrgen@x");
	assert_string_equal(dv_login_show("j??rgen@x", buf, sizeof(buf)),
	    "j??rgen@x");
	assert_string_equal(dv_login_show("a\\xc3b", buf, sizeof(buf)),
	    "a\\\\xc3b");
	assert_string_equal(dv_login_show("a b\r\n", buf, sizeof(buf)),
	    "a\\x20b\\x0d\\x0a");
	/* cut whole: no half escape */
	assert_string_equal(dv_login_show("ab\xff", buf, 6), "ab");
	/* a plain login cut at len - 1 octets, whole where it fits */
	assert_string_equal(dv_login_show("abc", buf, 4), "abc");
	assert_string_equal(dv_login_show("abc", buf, 3), "ab");
	assert_string_equal(dv_login_show("abc", buf, 1), "");
	assert_string_equal(dv_login_show("", buf, 1), "");
	assert_string_equal(dv_login_show(NULL, buf, 4), "");
	assert_string_equal(dv_login_show("ab~!", buf, 5), "ab~!");
	assert_string_equal(dv_login_show("a\\b", buf, 3), "a");
	assert_string_equal(dv_login_show("a\\b", buf, 4), "a\\\\");
	assert_string_equal(dv_login_show("a\\b", buf, 5), "a\\\\b");
	assert_string_equal(dv_login_show("ab\x7f", buf, 7), "ab\\x7f");
	assert_string_equal(dv_login_show("ab\x7f", buf, 6), "ab");
	/* the longest login fits */
	memset(long_ok, '\xff', SG_LOGIN_MAX);
	assert_int_equal(strlen(dv_login_show(long_ok, buf, sizeof(buf))),
	    4 * SG_LOGIN_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_method_auth),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_login),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
