/*
 * test_ctl_passwd.c - sendergatectl's {SSHA} hashes and generated
 * passwords (the LDAP bind with them is in tests/integration/test_ctl.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ctl.h"

/* A hash verifies its password and no other; salts differ. */
static void
test_ssha(void **state)
{
	char	 h1[128], h2[128];

	(void)state;
	assert_int_equal(ctl_ssha("Sekrit-42 x", h1, sizeof(h1)), 0);
	assert_int_equal(ctl_ssha("Sekrit-42 x", h2, sizeof(h2)), 0);
	assert_memory_equal(h1, "{SSHA}", 6);
	/* SHA-1 (20) + salt (8) = 28 octets: 40 base64 characters */
	assert_int_equal(strlen(h1), 6 + 40);
	assert_string_not_equal(h1, h2);
	assert_true(ctl_ssha_check(h1, "Sekrit-42 x"));
	assert_true(ctl_ssha_check(h2, "Sekrit-42 x"));
	assert_false(ctl_ssha_check(h1, "Sekrit-42 X"));
	assert_false(ctl_ssha_check(h1, ""));
	assert_false(ctl_ssha_check("{SHA}abcd", "Sekrit-42 x"));
	assert_int_equal(ctl_ssha("x", h1, 10), -1);	/* too small */
}

/* A value made by slappasswd -h {SSHA} -s secret verifies. */
static void
test_ssha_slappasswd(void **state)
{
	(void)state;
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
		cmocka_unit_test(test_ssha),
		cmocka_unit_test(test_ssha_slappasswd),
		cmocka_unit_test(test_genpw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
