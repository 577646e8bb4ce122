/*
 * test_rate.c - sending rates and reputation rates, pure: "N/T" parsed
 * and bounded, lists of them, rate_full at the edge, the thresholds of
 * bounce_rate_limits, rep_judge below min_rcpts and at the thresholds,
 * and the reason the reply shows. Table-driven: "got X, want Y".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/rate.h"

struct parse_case {
	const char	*in;
	int		 ok;
	long		 n, secs;
	const char	*canon;
};

static const struct parse_case parse_cases[] = {
	{ "100/1m", 1, 100, 60, "100/1m" },
	{ "2000/1h", 1, 2000, 3600, "2000/1h" },
	{ "20000/1d", 1, 20000, 86400, "20000/1d" },
	{ "5/90m", 1, 5, 5400, "5/90m" },
	{ "5/60m", 1, 5, 3600, "5/1h" },
	{ "5/24h", 1, 5, 86400, "5/1d" },
	{ "100000/31d", 1, 100000, 31 * 86400, "100000/31d" },
	{ "100001/1h", 0, 0, 0, NULL },		/* past SG_RATE_N_MAX */
	{ "1/32d", 0, 0, 0, NULL },		/* past SG_RATE_T_MAX */
	{ "0/1h", 0, 0, 0, NULL },
	{ "10/0h", 0, 0, 0, NULL },
	{ "10/1s", 0, 0, 0, NULL },
	{ "10/h", 0, 0, 0, NULL },
	{ "10/1hx", 0, 0, 0, NULL },
	{ "/1h", 0, 0, 0, NULL },
	{ "10 /1h", 0, 0, 0, NULL },
	{ "-1/1h", 0, 0, 0, NULL },
	{ "", 0, 0, 0, NULL },
	{ "9999999999/1h", 0, 0, 0, NULL },
};

static void
test_parse(void **state)
{
	struct sg_rate	 r;
	char		 buf[32];
	size_t		 i;
	int		 got;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];

		got = rate_parse(c->in, &r) == 0;
		if (got != c->ok)
			fail_msg("rate_parse(\"%s\"): got %d, want %d", c->in,
			    got, c->ok);
		if (!got)
			continue;
		if (r.n != c->n || r.secs != c->secs)
			fail_msg("rate_parse(\"%s\"): got %ld/%lds, want "
			    "%ld/%lds", c->in, r.n, r.secs, c->n, c->secs);
		if (strcmp(rate_str(&r, buf, sizeof(buf)), c->canon) != 0)
			fail_msg("rate_str(\"%s\"): got %s, want %s", c->in,
			    buf, c->canon);
	}
	assert_int_equal(rate_parse("3/2h", &r), 0);
	assert_string_equal(r.nstr, "3");
	assert_string_equal(r.msstr, "7200000");
}

static void
test_list(void **state)
{
	struct sg_rate	 r[SG_RATES_MAX];

	(void)state;
	assert_int_equal(rate_parse_list("", r), 0);
	assert_int_equal(rate_parse_list("100/1m 2000/1h", r), 2);
	assert_int_equal(r[1].n, 2000);
	assert_int_equal(rate_parse_list("1/1m 2/1m 3/1m 4/1m", r), 4);
	assert_int_equal(rate_parse_list("1/1m 2/1m 3/1m 4/1m 5/1m", r), -1);
	assert_int_equal(rate_parse_list("1/1m x", r), -1);
}

static void
test_full(void **state)
{
	struct sg_rate	 r;

	(void)state;
	assert_int_equal(rate_parse("3/1m", &r), 0);
	assert_false(rate_full(&r, 2, 1));	/* the third passes */
	assert_true(rate_full(&r, 3, 1));	/* the fourth does not */
	assert_true(rate_full(&r, 2, 2));	/* two recipients, one left */
	assert_false(rate_full(&r, 0, 3));
}

struct limits_case {
	const char	*in;
	int		 ok;
	long		 warn, suspend;
};

static const struct limits_case limits_cases[] = {
	{ "5% 10%", 1, 50000, 100000 },
	{ "0.1% 0.5%", 1, 1000, 5000 },
	{ "  0.125%\t1%  ", 1, 1250, 10000 },
	{ "100% 100%", 1, 1000000, 1000000 },
	{ "10% 5%", 0, 0, 0 },			/* warn after suspend */
	{ "5%", 0, 0, 0 },
	{ "5 10", 0, 0, 0 },
	{ "5% 10% 20%", 0, 0, 0 },
	{ "0.1234% 1%", 0, 0, 0 },
	{ "101% 102%", 0, 0, 0 },
	{ "5.% 10%", 0, 0, 0 },
};

static void
test_limits(void **state)
{
	struct rep_limits	 l;
	size_t			 i;
	int			 got;

	(void)state;
	for (i = 0; i < sizeof(limits_cases) / sizeof(limits_cases[0]); i++) {
		const struct limits_case *c = &limits_cases[i];

		got = rep_limits_parse(c->in, &l) == 0;
		if (got != c->ok)
			fail_msg("rep_limits_parse(\"%s\"): got %d, want %d",
			    c->in, got, c->ok);
		if (got && (l.warn != c->warn || l.suspend != c->suspend))
			fail_msg("rep_limits_parse(\"%s\"): got %ld %ld, want "
			    "%ld %ld", c->in, l.warn, l.suspend, c->warn,
			    c->suspend);
	}
}

struct judge_case {
	long		 rcpts, events, min;
	enum rep_level	 want;
};

static const struct judge_case judge_cases[] = {
	{ 500, 62, 500, REP_SUSPEND },
	{ 499, 499, 500, REP_OK },		/* too few to judge */
	{ 500, 50, 500, REP_SUSPEND },		/* 10.0%: at the threshold */
	{ 500, 49, 500, REP_WARN },
	{ 500, 25, 500, REP_WARN },		/* 5.0% */
	{ 500, 24, 500, REP_OK },
	{ 0, 3, 0, REP_OK },
	{ 10, 0, 0, REP_OK },
};

static void
test_judge(void **state)
{
	struct rep_limits	 l = { 50000, 100000 };
	enum rep_level		 got;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(judge_cases) / sizeof(judge_cases[0]); i++) {
		const struct judge_case *c = &judge_cases[i];

		got = rep_judge(c->rcpts, c->events, c->min, &l);
		if (got != c->want)
			fail_msg("rep_judge(%ld of %ld, min %ld): got %d, "
			    "want %d", c->events, c->rcpts, c->min, got,
			    c->want);
	}
}

static void
test_reason(void **state)
{
	char	 buf[128];

	(void)state;
	rep_reason("bounce", 62, 500, 14, buf, sizeof(buf));
	assert_string_equal(buf, "bounce rate 12.4% (62 of 500) over 14 days");
	rep_reason("complaint", 3, 600, 1, buf, sizeof(buf));
	assert_string_equal(buf, "complaint rate 0.5% (3 of 600) over 1 day");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
