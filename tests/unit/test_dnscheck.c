/*
 * test_dnscheck.c - the pure half of domain validation: the ownership
 * record (checked against openssl dgst -hmac), TXT rdata joined from
 * several strings, wire names, DKIM key records, SPF and DMARC markers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/dnscheck.h"
#include "show.h"

/* The ownership record: name, value, letter case, small buffers. */
static void
test_token(void **state)
{
	char	 name[DC_NAME_MAX], value[128];

	(void)state;
	assert_int_equal(dc_token("s3cret", "AcmeCorp.com", name, sizeof(name),
	    value, sizeof(value)), 0);
	assert_string_equal(name, "_sendergate.acmecorp.com");
	/* echo -n acmecorp.com | openssl dgst -sha256 -hmac s3cret */
	assert_string_equal(value,
	    "sendergate-verification=20baf25dde842d9c0bd07a9cdfb98fe4");
	assert_int_equal(dc_token("other", "acmecorp.com", name, sizeof(name),
	    value, sizeof(value)), 0);
	assert_string_not_equal(value,
	    "sendergate-verification=20baf25dde842d9c0bd07a9cdfb98fe4");
	assert_int_equal(dc_token("s3cret", "", name, sizeof(name), value,
	    sizeof(value)), -1);
	assert_int_equal(dc_token("s3cret", "acmecorp.com", name, 10, value,
	    sizeof(value)), -1);
	assert_int_equal(dc_token("s3cret", "acmecorp.com", name,
	    sizeof(name), value, 40), -1);
}

/* TXT rdata: one string, several (a long record split), malformed. */
static void
test_txt(void **state)
{
	static const struct {
		const char	*rdata;
		size_t		 len;
		int		 ret;
		const char	*want;
	} cases[] = {
		{ "\x06v=spf1", 7, 0, "v=spf1" },
		{ "\x07v=spf1 \x04-all", 13, 0, "v=spf1 -all" },
		{ "\x03" "abc" "\x00" "\x02" "de", 8, 0, "abcde" },
		{ "", 0, 0, "" },
		{ "\x09v=spf1", 7, -1, NULL },		/* runs past the end */
		{ "\x03" "a\0c", 4, -1, NULL },		/* a NUL inside */
	};
	char	 out[64], b1[128];
	size_t	 i;
	int	 r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		r = dc_txt_join((const unsigned char *)cases[i].rdata,
		    cases[i].len, out, sizeof(out));
		if (r != cases[i].ret)
			fail_msg("case %zu: got %d, want %d", i, r,
			    cases[i].ret);
		if (r == 0 && strcmp(out, cases[i].want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i,
			    show(out, b1, sizeof(b1)), cases[i].want);
	}
	assert_int_equal(dc_txt_join((const unsigned char *)"\x05" "abcde", 6,
	    out, 5), -1);
}

/* Wire names. */
static void
test_name(void **state)
{
	char	 out[DC_NAME_MAX];

	(void)state;
	assert_int_equal(dc_wire_name((const unsigned char *)
	    "\x02mx\x07" "example\x03" "com", 17, out, sizeof(out)), 0);
	assert_string_equal(out, "mx.example.com");
	assert_int_equal(dc_wire_name((const unsigned char *)"", 1, out,
	    sizeof(out)), 0);
	assert_string_equal(out, ".");
	assert_int_equal(dc_wire_name((const unsigned char *)"\x02mx", 3,
	    out, sizeof(out)), -1);
	assert_int_equal(dc_wire_name((const unsigned char *)
	    "\x07" "example", 9, out, 5), -1);
}

/* DKIM key records. */
static void
test_dkim(void **state)
{
	static const struct {
		const char	*txt;
		enum dc_dkim	 want;
	} cases[] = {
		{ "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCB", DKIM_KEY },
		{ "p=MIGfMA0GCSqGSIb3", DKIM_KEY },
		{ " v = DKIM1 ;p= MIGf MA0G ", DKIM_KEY },
		{ "v=DKIM1; p=", DKIM_REVOKED },
		{ "v=DKIM1; p= ;", DKIM_REVOKED },
		{ "v=DKIM1; k=rsa", DKIM_NOT_KEY },
		{ "k=rsa; v=DKIM1; p=abc", DKIM_NOT_KEY },	/* v= not first */
		{ "v=DKIM2; p=abc", DKIM_NOT_KEY },
		{ "v=spf1 -all", DKIM_NOT_KEY },
		{ "", DKIM_NOT_KEY },
	};
	size_t	 i;
	int	 got;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		if ((got = (int)dc_dkim_record(cases[i].txt)) !=
		    (int)cases[i].want)
			fail_msg("\"%s\": got %d, want %d", cases[i].txt, got,
			    (int)cases[i].want);
}

/* SPF and DMARC markers; verdict words. */
static void
test_markers(void **state)
{
	(void)state;
	assert_true(dc_is_spf("v=spf1 ip4:192.0.2.1 -all"));
	assert_true(dc_is_spf("v=spf1"));
	assert_false(dc_is_spf("v=spf10 -all"));
	assert_false(dc_is_spf("spf1"));
	assert_true(dc_is_dmarc("v=DMARC1; p=none"));
	assert_true(dc_is_dmarc("v = DMARC1 ;p=reject"));
	assert_true(dc_is_dmarc("v=DMARC1"));
	assert_false(dc_is_dmarc("v=DMARC2; p=none"));
	assert_false(dc_is_dmarc("p=none; v=DMARC1"));
	assert_string_equal(dc_verdict_name(DC_WARN), "warn");
	assert_int_equal(dc_verdict_parse("fail"), DC_FAIL);
	assert_int_equal(dc_verdict_parse("FAIL"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_txt),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_dkim),
		cmocka_unit_test(test_markers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
