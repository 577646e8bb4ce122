/*
 * test_ctl_passwd.c - sendergatectl's password hashes ({CRYPT} written,
 * {SSHA} still read) and generated passwords (slapd's bind and Dovecot's
 * check of them are in tests/integration/test_ctl.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ctl/ctl.h"

/* New hashes: {CRYPT} yescrypt; each verifies its password only. */
static void
test_crypt(void **state)
{
	char	 h1[256], h2[256];

	(void)state;
	assert_int_equal(ctl_hash_password("Sekrit-42 x", h1, sizeof(h1)), 0);
	assert_int_equal(ctl_hash_password("Sekrit-42 x", h2, sizeof(h2)), 0);
	assert_memory_equal(h1, "{CRYPT}$y$", 10);
	assert_string_not_equal(h1, h2);	/* salts differ */
	assert_true(ctl_password_check(h1, "Sekrit-42 x"));
	assert_true(ctl_password_check(h2, "Sekrit-42 x"));
	assert_false(ctl_password_check(h1, "Sekrit-42 X"));
	assert_false(ctl_password_check(h1, ""));
	assert_false(ctl_password_check("{CRYPT}", "Sekrit-42 x"));
	assert_false(ctl_password_check("{CRYPT}*0", "Sekrit-42 x"));
	assert_int_equal(ctl_hash_password("x", h1, 20), -1);	/* too small */
}

/* A {CRYPT} value made by another tool verifies (slappasswd, SHA-512). */
static void
test_crypt_foreign(void **state)
{
	static const char h[] = "{CRYPT}$6$pVIEh16pmgybyHZi$5xaS71A0dABZKmzgh"
	    "vrB8dhgEt0M8cCoqjZH6DhRS7wxnlvizLjalOi///DdP4xexhziORU2nykuUDN7n3"
	    "FGY1";

	(void)state;
	/* slappasswd -h {CRYPT} -c '$6$%.16s' -s secret */
	assert_true(ctl_password_check(h, "secret"));
	assert_false(ctl_password_check(h, "Secret"));
}

/* {SSHA} is still read: a value made by slappasswd -h {SSHA} -s secret. */
static void
test_ssha_slappasswd(void **state)
{
	(void)state;
	assert_true(ctl_password_check("{SSHA}PzxCIrqPi8DNpFfORdkWnBi5vQwYxzBV",
	    "secret"));
	assert_true(ctl_ssha_check("{SSHA}PzxCIrqPi8DNpFfORdkWnBi5vQwYxzBV",
	    "secret"));
	assert_false(ctl_ssha_check("{SSHA}PzxCIrqPi8DNpFfORdkWnBi5vQwYxzBV",
	    "Secret"));
	assert_false(ctl_ssha_check("{SSHA}", "secret"));
	assert_false(ctl_ssha_check("{SSHA}!!!!", "secret"));
}

/* Generated passwords: the length asked, letters and digits, random. */
static void
test_genpw(void **state)
{
	char	 a[21], b[21];
	size_t	 i;

	(void)state;
	assert_int_equal(ctl_genpw(a, sizeof(a)), 0);
	assert_int_equal(ctl_genpw(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), 20);
	for (i = 0; a[i] != '\0'; i++)
		assert_non_null(strchr("ABCDEFGHJKLMNPQRSTUVWXYZ"
		    "abcdefghijkmnopqrstuvwxyz23456789", a[i]));
	assert_string_not_equal(a, b);
	assert_int_equal(ctl_genpw(a, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypt),
		cmocka_unit_test(test_crypt_foreign),
		cmocka_unit_test(test_ssha_slappasswd),
		cmocka_unit_test(test_genpw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
