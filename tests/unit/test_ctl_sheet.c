/*
 * test_ctl_sheet.c - unit tests of sheet_build (ctl_sheet.c), pure: which
 * ports a sender is shown and in what order, for each access and auth
 * method; its limits; and that the JSON form carries a password only
 * when one is passed in.
 *
 * Table-driven; a failure prints "got X, want Y" and the case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctl/ctl.h"
#include "ctl/ctl_sheet.h"

#define PORTS	"25:optional:smtp 587:required:smtp 2525:optional:campaign " \
		"2526:none:campaign 26:none:smtp"

/* The ports of a sheet as "587* 25 ..." (* recommended). */
static void
ports_of(const struct sheet *sh, char *buf, size_t len)
{
	size_t	 l;
	int	 i;

	buf[0] = '\0';
	for (i = 0; i < sh->nports; i++) {
		l = strlen(buf);
		snprintf(buf + l, len - l, "%s%ld%s", i ? " " : "",
		    sh->ports[i].port, i == 0 && sh->recommended ? "*" : "");
	}
}

/* The ports each kind of sender is shown. */
static void
test_ports(void **state)
{
	static const struct {
		const char	*access;	/* sgAccessMethod values */
		const char	*auth;		/* sgAuthMethod values */
		const char	*want;
	} cases[] = {
		{ NULL, NULL, "587* 25" },		/* smtp, user */
		{ "smtp", "user", "587* 25" },
		{ "smtp", "ip", "25 26" },		/* no 587 without AUTH */
		{ "smtp", "user ip", "587* 25 26" },
		{ "campaign", "user", "2525" },	/* no TLS none to a login */
		{ "campaign", "ip", "2525 2526" },
		{ "smtp campaign", "user", "587* 25 2525" },
	};
	struct sg_conf	 c;
	struct sheet	 sh;
	struct ctl_rec	*s;
	char		 got[128], words[64], *w, *save;
	size_t		 i;
	int		 bad = 0;

	(void)state;
	conf_defaults(&c);
	free(c.customer_ports);
	assert_non_null(c.customer_ports = strdup(PORTS));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(s = ctl_rec_new("mail=a@b.test,dc=x"));
		assert_int_equal(ctl_rec_add(s, "mail", "a@b.test"), 0);
		snprintf(words, sizeof(words), "%s", cases[i].access ?
		    cases[i].access : "");
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save))
			assert_int_equal(ctl_rec_add(s, "sgAccessMethod", w), 0);
		snprintf(words, sizeof(words), "%s", cases[i].auth ?
		    cases[i].auth : "");
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save))
			assert_int_equal(ctl_rec_add(s, "sgAuthMethod", w), 0);
		sheet_build(&sh, &c, s, NULL, PASSWORD_SET, NULL);
		ports_of(&sh, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0) {
			printf("access %s, auth %s: got \"%s\", want \"%s\"\n",
			    cases[i].access ? cases[i].access : "-",
			    cases[i].auth ? cases[i].auth : "-", got,
			    cases[i].want);
			bad++;
		}
		ctl_rec_free(s);
	}
	conf_free(&c);
	if (bad)
		fail();
}

/* Limits: the sender's, else default_monthly_limit; 0 stays 0. */
static void
test_limits(void **state)
{
	static const struct {
		const char	*limit;		/* sgMonthlyLimit or NULL */
		long		 dflt;		/* default_monthly_limit */
		long		 want;
	} cases[] = {
		{ NULL, 0, LIMIT_NONE },
		{ NULL, 300, 300 },
		{ "50", 300, 50 },
		{ "0", 300, 0 },
	};
	struct sg_conf	 c;
	struct sheet	 sh;
	struct ctl_rec	*s;
	size_t		 i;
	int		 bad = 0;

	(void)state;
	conf_defaults(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c.default_monthly_limit = cases[i].dflt;
		assert_non_null(s = ctl_rec_new("mail=a@b.test,dc=x"));
		if (cases[i].limit != NULL)
			assert_int_equal(ctl_rec_add(s, "sgMonthlyLimit",
			    cases[i].limit), 0);
		sheet_build(&sh, &c, s, NULL, PASSWORD_SET, NULL);
		if (sh.limit != cases[i].want) {
			printf("limit %s, default %ld: got %ld, want %ld\n",
			    cases[i].limit ? cases[i].limit : "-",
			    cases[i].dflt, sh.limit, cases[i].want);
			bad++;
		}
		ctl_rec_free(s);
	}
	conf_free(&c);
	if (bad)
		fail();
}

/* The JSON sheet has "password" only when one is passed in. */
static void
test_password(void **state)
{
	struct sg_conf	 c;
	struct sheet	 sh;
	struct ctl_rec	*s;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;
	int		 k;

	(void)state;
	conf_defaults(&c);
	assert_non_null(s = ctl_rec_new("mail=a@b.test,dc=x"));
	assert_int_equal(ctl_rec_add(s, "mail", "a@b.test"), 0);
	for (k = 0; k < 2; k++) {
		sheet_build(&sh, &c, s, NULL, PASSWORD_SET, k ? "Secret-1" : NULL);
		assert_non_null(fp = open_memstream(&buf, &len));
		sheet_json(fp, &sh);
		sheet_text(fp, &sh);
		fclose(fp);
		if ((strstr(buf, "Secret-1") != NULL) != k ||
		    (strstr(buf, "\"password\":") != NULL) != k ||
		    (strstr(buf, "\npassword: ") != NULL) != k) {
			printf("password %s: got \"%s\"\n", k ? "given" :
			    "none", buf);
			free(buf);
			fail();
		}
		free(buf);
		buf = NULL;
	}
	ctl_rec_free(s);
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
