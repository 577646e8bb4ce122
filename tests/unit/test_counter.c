/*
 * test_counter.c - counter key names, the month of a moment in UTC and in
 * another quota_timezone, and key expiry. (Counting itself is tested
 * against a real Redis in the integration tests.)
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

#include "redis/counter_int.h"

/* Switch the process time zone, as sendergate does at start-up. */
static void
use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* The SPEC's example key, and the domain key. */
static void
test_keys(void **state)
{
	char	 s[SG_KEY_MAX], d[SG_KEY_MAX], small[20];

	(void)state;
	assert_int_equal(ctr_keys("sg", "acmecorp.com",
	    "john.smith@acmecorp.com", "2026-11", s, sizeof(s), d, sizeof(d)),
	    0);
	assert_string_equal(s, "sg:{acmecorp.com}:s:john.smith@acmecorp.com:"
	    "2026-11");
	assert_string_equal(d, "sg:{acmecorp.com}:d:2026-11");
	assert_int_equal(ctr_keys("relay1", "x.org", "a+b@x.org", "2027-01",
	    s, sizeof(s), d, sizeof(d)), 0);
	assert_string_equal(s, "relay1:{x.org}:s:a+b@x.org:2027-01");
	assert_string_equal(d, "relay1:{x.org}:d:2027-01");
	/* a buffer too small is an error, never a truncated key */
	assert_int_equal(ctr_keys("sg", "acmecorp.com", "john@acmecorp.com",
	    "2026-11", small, sizeof(small), d, sizeof(d)), -1);
}

struct month_case {
	const char	*tz;
	time_t		 t;
	const char	*want;
};

/*
 * 2026-11-30T23:59:59Z = 1796083199, 2026-12-01T00:00:00Z = 1796083200.
 * 2026-12-31T23:30:00Z = 1798759800 is 2027-01-01 00:30 in Paris (UTC+1)
 * and 2026-12-31 18:30 in New York (UTC-5).
 */
static const struct month_case month_cases[] = {
	{ "UTC", 1796083199, "2026-11" },
	{ "UTC", 1796083200, "2026-12" },
	{ "UTC", 1798759800, "2026-12" },
	{ "Europe/Paris", 1798759800, "2027-01" },
	{ "Europe/Paris", 1796079599, "2026-11" },	/* 23:59:59 local */
	{ "Europe/Paris", 1796079600, "2026-12" },	/* 00:00:00 local */
	{ "America/New_York", 1798759800, "2026-12" },
	{ "America/New_York", 1796101200, "2026-12" },	/* 00:00 EST */
	{ "America/New_York", 1796101199, "2026-11" },
};

/* Month boundaries in UTC and in other zones. */
static void
test_month(void **state)
{
	char	 m[SG_MONTH_LEN];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(month_cases) / sizeof(month_cases[0]); i++) {
		use_tz(month_cases[i].tz);
		ctr_month(month_cases[i].t, m);
		if (strcmp(m, month_cases[i].want) != 0) {
			print_message("%s at %lld: got %s, want %s\n",
			    month_cases[i].tz, (long long)month_cases[i].t, m,
			    month_cases[i].want);
			fail();
		}
	}
	use_tz("UTC");
}

/* Keys outlive their month by at least 31 days. */
static void
test_expiry(void **state)
{
	(void)state;
	use_tz("UTC");
	/* 2026-11-16 -> 2026-12-01 + 32 days */
	assert_int_equal(ctr_expiry(1794787200), 1796083200 + 32 * 86400);
	/* last second of November: same expiry */
	assert_int_equal(ctr_expiry(1796083199), 1796083200 + 32 * 86400);
	/* December rolls the year: 2027-01-01 + 32 days */
	assert_int_equal(ctr_expiry(1796083200), 1798761600 + 32 * 86400);
	use_tz("Europe/Paris");
	/* 2027-01-01 00:30 Paris: its month ends 2027-02-01 00:00 Paris */
	assert_int_equal(ctr_expiry(1798759800), 1801436400 + 32 * 86400);
	use_tz("UTC");
}

/*
 * The month and the expiry together, as a message's commit asks: a
 * moment the cached month holds, but under another TZ, is worked out
 * in the new zone (2026-12-31T23:30Z is December in UTC, January in
 * Paris).
 */
static void
test_month_expiry(void **state)
{
	char	 m[SG_MONTH_LEN];
	time_t	 e;

	(void)state;
	use_tz("UTC");
	ctr_month_expiry(1796083200, m, &e);
	assert_string_equal(m, "2026-12");
	assert_int_equal(e, 1798761600 + 32 * 86400);
	ctr_month_expiry(1798759800, m, &e);	/* same month: the cache */
	assert_string_equal(m, "2026-12");
	assert_int_equal(e, 1798761600 + 32 * 86400);
	use_tz("Europe/Paris");
	ctr_month_expiry(1798759800, m, &e);
	assert_string_equal(m, "2027-01");
	assert_int_equal(e, 1801436400 + 32 * 86400);
	use_tz("UTC");
	ctr_month_expiry(1798759800, m, &e);
	assert_string_equal(m, "2026-12");
	assert_int_equal(e, 1798761600 + 32 * 86400);
	/* and ctr_month alone agrees after the pair filled the cache */
	use_tz("Europe/Paris");
	ctr_month(1798759800, m);
	assert_string_equal(m, "2027-01");
	use_tz("UTC");
}

/*
 * The other keys of a message, as counter.h documents them: warning
 * marks, reputation, sending windows; with the sender, or the domain's
 * when there is none; a buffer one octet short is an error.
 */
static void
test_other_keys(void **state)
{
	char		 s[SG_KEY_MAX], d[SG_KEY_MAX];
	struct sg_rate	 r;
	static const char rs[] = "sg:{x.org}:rs:s:a@x.org";

	(void)state;
	assert_int_equal(ctr_warn_keys("sg", "x.org", "a@x.org", "2026-11",
	    "80", s, d, sizeof(s)), 0);
	assert_string_equal(s, "sg:{x.org}:w:s:a@x.org:2026-11:80");
	assert_string_equal(d, "sg:{x.org}:w:d:2026-11:80");
	assert_int_equal(ctr_rep_key("sg", "x.org", "a@x.org", "rs", s,
	    sizeof(s)), 0);
	assert_string_equal(s, rs);
	assert_int_equal(ctr_rep_key("sg", "x.org", "a@x.org", "rs", s,
	    sizeof(rs) - 1), -1);
	assert_int_equal(ctr_rep_key("sg", "x.org", "a@x.org", "rs", s,
	    sizeof(rs)), 0);
	assert_int_equal(ctr_rep_key("sg", "x.org", NULL, "rp", s, sizeof(s)),
	    0);
	assert_string_equal(s, "sg:{x.org}:rp:d");
	assert_int_equal(ctr_rep_key("sg", "x.org", "", "rs", s, sizeof(s)),
	    0);
	assert_string_equal(s, "sg:{x.org}:rs:d");
	memset(&r, 0, sizeof(r));
	snprintf(r.tstr, sizeof(r.tstr), "1h");
	assert_int_equal(ctr_rate_key("sg", "x.org", "a@x.org", &r, s,
	    sizeof(s)), 0);
	assert_string_equal(s, "sg:{x.org}:t:s:a@x.org:1h");
	assert_int_equal(ctr_rate_key("sg", "x.org", NULL, &r, s, sizeof(s)),
	    0);
	assert_string_equal(s, "sg:{x.org}:t:d:1h");
}

/*
 * The counting script's answer, one string (counter_script.c): "V S D"
 * or "V S D X", X a number or (suspended) the rest of the string;
 * anything else is refused.
 */
static void
test_count_parse(void **state)
{
	static const struct {
		const char	*in;
		int		 ret;
		long long	 v;
		long		 s, d;
		int		 has_x;
		long long	 x;
		const char	*rest;	/* NULL: none */
	} cases[] = {
		{ "1 5 10 0", 0, 1, 5, 10, 1, 0, "0" },
		{ "1 5 10 3", 0, 1, 5, 10, 1, 3, "3" },
		{ "0 100 250", 0, 0, 100, 250, 0, 0, NULL },
		{ "2 7 9", 0, 2, 7, 9, 0, 0, NULL },
		{ "3 1 2 2", 0, 3, 1, 2, 1, 2, "2" },
		{ "4 1 2 1796083200 bounces 12%", 0, 4, 1, 2, 0, 0,
		    "1796083200 bounces 12%" },
		{ "4 1 2 ", 0, 4, 1, 2, 0, 0, "" },
		{ "1 -3 4 0", 0, 1, -3, 4, 1, 0, "0" },
		{ "1 9223372036854775807 0 0", 0, 1, 9223372036854775807L, 0,
		    1, 0, "0" },
		{ "1 9223372036854775808 0 0", -1, 0, 0, 0, 0, 0, NULL },
		{ "", -1, 0, 0, 0, 0, 0, NULL },
		{ "1", -1, 0, 0, 0, 0, 0, NULL },
		{ "1 5", -1, 0, 0, 0, 0, 0, NULL },
		{ "1 5 ", -1, 0, 0, 0, 0, 0, NULL },
		{ "1  5 10", -1, 0, 0, 0, 0, 0, NULL },
		{ "1 5 10x", -1, 0, 0, 0, 0, 0, NULL },
		{ "1 5.5 10", -1, 0, 0, 0, 0, 0, NULL },
		{ "x 5 10", -1, 0, 0, 0, 0, 0, NULL },
		{ " 1 5 10", -1, 0, 0, 0, 0, 0, NULL },
		{ "1 5 10 abc", 0, 1, 5, 10, 0, 0, "abc" },
	};
	struct ctr_answer a;
	size_t		 i;
	int		 ret;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ret = ctr_count_parse(cases[i].in, strlen(cases[i].in), &a);
		if (ret != cases[i].ret) {
			print_message("\"%s\": got %d, want %d\n", cases[i].in,
			    ret, cases[i].ret);
			fail();
		}
		if (ret == -1)
			continue;
		if (a.v != cases[i].v || a.s != cases[i].s ||
		    a.d != cases[i].d || a.has_x != cases[i].has_x ||
		    (a.has_x && a.x != cases[i].x)) {
			print_message("\"%s\": got %lld %ld %ld x=%d,%lld\n",
			    cases[i].in, a.v, a.s, a.d, a.has_x, a.x);
			fail();
		}
		if (cases[i].rest == NULL)
			assert_null(a.rest);
		else {
			assert_non_null(a.rest);
			assert_int_equal(a.restlen, strlen(cases[i].rest));
			assert_memory_equal(a.rest, cases[i].rest, a.restlen);
		}
	}
	/* the length decides, not a NUL: "1 5 10" of "1 5 10 7" */
	assert_int_equal(ctr_count_parse("1 5 10 7", 6, &a), 0);
	assert_null(a.rest);
}

/* Feed s to a reader on arena ar; its reply (NULL: none yet). */
static redisReply *
arena_read(redisReader *r, struct ctr_arena *ar, const char *s)
{
	struct ctr_arena_prev prev;
	void		*reply = NULL;

	assert_int_equal(redisReaderFeed(r, s, strlen(s)), REDIS_OK);
	ctr_arena_attach(r, ar, &prev);
	assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
	ctr_arena_detach(r, &prev);
	return reply;
}

/*
 * Replies built in an arena are hiredis's objects, linked the same way:
 * the MGET of MAIL FROM (strings and nils), nested arrays, integers,
 * errors; a string past the arena's 2 KB goes to a chained block; the
 * reader gets its own functions back after a whole reply, keeps the
 * arena's after a part of one, and frees that part without harm.
 */
static void
test_arena(void **state)
{
	struct ctr_arena ar;
	redisReader	*r;
	redisReplyObjectFunctions *own;
	redisReply	*x;
	char		 big[5000 + 32];

	(void)state;
	ctr_arena_init(&ar);
	assert_non_null(r = redisReaderCreate());
	own = r->fn;
	x = arena_read(r, &ar, "*4\r\n$1\r\n5\r\n$2\r\n10\r\n$-1\r\n$-1\r\n");
	assert_ptr_equal(r->fn, own);
	assert_non_null(x);
	assert_int_equal(x->type, REDIS_REPLY_ARRAY);
	assert_int_equal(x->elements, 4);
	assert_int_equal(x->element[0]->type, REDIS_REPLY_STRING);
	assert_string_equal(x->element[0]->str, "5");
	assert_int_equal(x->element[1]->len, 2);
	assert_string_equal(x->element[1]->str, "10");
	assert_int_equal(x->element[2]->type, REDIS_REPLY_NIL);
	assert_int_equal(x->element[3]->type, REDIS_REPLY_NIL);
	assert_null(ar.more);			/* all in the 2 KB */
	x = arena_read(r, &ar, "*2\r\n*2\r\n:1\r\n:-7\r\n+OK\r\n");
	assert_int_equal(x->type, REDIS_REPLY_ARRAY);
	assert_int_equal(x->element[0]->type, REDIS_REPLY_ARRAY);
	assert_int_equal(x->element[0]->element[1]->type,
	    REDIS_REPLY_INTEGER);
	assert_int_equal(x->element[0]->element[1]->integer, -7);
	assert_int_equal(x->element[1]->type, REDIS_REPLY_STATUS);
	assert_string_equal(x->element[1]->str, "OK");
	x = arena_read(r, &ar, "*0\r\n");
	assert_int_equal(x->type, REDIS_REPLY_ARRAY);
	assert_int_equal(x->elements, 0);
	assert_null(x->element);
	x = arena_read(r, &ar, "-NOSCRIPT No matching script\r\n");
	assert_int_equal(x->type, REDIS_REPLY_ERROR);
	assert_string_equal(x->str, "NOSCRIPT No matching script");
	/* a string larger than the arena: a chained block */
	snprintf(big, sizeof(big), "$5000\r\n");
	memset(big + strlen(big), 'a', 5000);
	memcpy(big + strlen("$5000\r\n") + 5000, "\r\n", 3);
	x = arena_read(r, &ar, big);
	assert_non_null(ar.more);
	assert_int_equal(x->type, REDIS_REPLY_STRING);
	assert_int_equal(x->len, 5000);
	assert_int_equal(x->str[4999], 'a');
	assert_int_equal(x->str[5000], '\0');
	ctr_arena_release(&ar);
	assert_null(ar.more);
	assert_int_equal(ar.used, 0);
	/* a part of a reply: the arena's functions stay, making nothing */
	x = arena_read(r, &ar, "*2\r\n$1\r\n5\r\n");
	assert_null(x);
	assert_ptr_not_equal(r->fn, own);
	assert_null(r->privdata);
	redisReaderFree(r);			/* frees the part: nothing */
	ctr_arena_release(&ar);
}

/* The Message-ID hash: SHA-256 hex of the value, blanks trimmed. */
static void
test_msgid_hash(void **state)
{
	static const char want[] =
	    "a1c01306268e0d2c69f4426068f5e4d0ab1e61c29f34afe61da456b48b8dfea6";
	static const struct {
		const char	*in;
		int		 ret;
		const char	*out;
	} cases[] = {
		{ "<abc@example.com>", 0, want },
		{ " <abc@example.com>", 0, want },
		{ "\t<abc@example.com> \r\n", 0, want },
		{ "\r\n <abc@example.com>\r\n\t", 0, want },
		{ "x", 0, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881" },
		{ "", -1, "" },
		{ " \t\r\n ", -1, "" },
		{ NULL, -1, "" },
	};
	char	 out[SG_MSGID_HASH_LEN];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'z', sizeof(out));
		if (ctr_msgid_hash(cases[i].in, out) != cases[i].ret ||
		    strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: got %s, want %s", i, out,
			    cases[i].out);
	}
}

/* The dedupe key: in the domain's slot, per sender and month. */
static void
test_msgid_key(void **state)
{
	char	 k[SG_KEY_MAX + SG_MSGID_HASH_LEN + SG_MONTH_LEN], small[38];

	(void)state;
	assert_int_equal(ctr_msgid_key("sg", "acmecorp.com",
	    "john@acmecorp.com", "2026-11", "00ff", k, sizeof(k)), 0);
	assert_string_equal(k,
	    "sg:{acmecorp.com}:m:john@acmecorp.com:2026-11:00ff");
	assert_int_equal(ctr_msgid_key("sg", "acmecorp.com",
	    "john@acmecorp.com", "2026-11", "00ff", small, sizeof(small)),
	    -1);
}

/* The record key: by Message-ID, else by queue id, else none. */
static void
test_record_key(void **state)
{
	char	 k[SG_KEY_MAX + SG_MSGID_HASH_LEN + 64], small[30];

	(void)state;
	assert_int_equal(ctr_record_key("sg", "acmecorp.com",
	    "john@acmecorp.com", "00ff", "4F3A12", k, sizeof(k)), 0);
	assert_string_equal(k, "sg:{acmecorp.com}:r:john@acmecorp.com:00ff");
	assert_int_equal(ctr_record_key("sg", "acmecorp.com",
	    "john@acmecorp.com", "", "4F3A12", k, sizeof(k)), 0);
	assert_string_equal(k, "sg:{acmecorp.com}:r:john@acmecorp.com:q:"
	    "4F3A12");
	assert_int_equal(ctr_record_key("sg", "acmecorp.com",
	    "john@acmecorp.com", NULL, "", k, sizeof(k)), -1);
	assert_int_equal(ctr_record_key("sg", "acmecorp.com",
	    "john@acmecorp.com", "00ff", "Q", small, sizeof(small)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_month),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_month_expiry),
		cmocka_unit_test(test_other_keys),
		cmocka_unit_test(test_count_parse),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_msgid_hash),
		cmocka_unit_test(test_msgid_key),
		cmocka_unit_test(test_record_key),
	};

	return cmocka_run_group_tests_name("counter", tests, NULL, NULL);
}
