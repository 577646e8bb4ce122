/*
 * test_conf_customer.c - unit tests of conf_customer.c: customer_ports
 * parsed item by item, customer_smtp_hosts counted, the TLS words, and
 * the check against listener_methods. (The error messages of both keys
 * in a file are test_conf.c's bad cases.)
 *
 * Table-driven; a failure prints "got X, want Y" and the case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/conf.h"

/* customer_ports values and what they give ("PORT:TLS:METHOD ..."). */
static void
test_ports(void **state)
{
	static const struct {
		const char	*v;
		int		 n;	/* -1: refused */
		const char	*want;	/* the items as parsed back */
	} cases[] = {
		{ "", 0, "" },
		{ "   ", 0, "" },
		{ "587:required:smtp", 1, "587:required:smtp" },
		{ "587:required:smtp 25:optional:smtp 2525:none:campaign", 3,
		    "587:required:smtp 25:optional:smtp 2525:none:campaign" },
		{ " 1:none:smtp\t65535:optional:campaign ", 2,
		    "1:none:smtp 65535:optional:campaign" },
		{ "00025:optional:smtp", 1, "25:optional:smtp" },
		{ "587:required:SMTP", -1, NULL },
		{ "587::smtp", -1, NULL },
		{ ":required:smtp", -1, NULL },
		{ "587:required:", -1, NULL },
		{ "587:required:smtp,25:optional:smtp", -1, NULL },
		{ "000025:optional:smtp", -1, NULL },
		{ "25:optional:smtp 25:optional:smtp", -1, NULL },
		{ "1:none:smtp 2:none:smtp 3:none:smtp 4:none:smtp "
		    "5:none:smtp 6:none:smtp 7:none:smtp 8:none:smtp "
		    "9:none:smtp 10:none:smtp 11:none:smtp 12:none:smtp "
		    "13:none:smtp 14:none:smtp 15:none:smtp 16:none:smtp", 16,
		    NULL },
		{ "1:none:smtp 2:none:smtp 3:none:smtp 4:none:smtp "
		    "5:none:smtp 6:none:smtp 7:none:smtp 8:none:smtp "
		    "9:none:smtp 10:none:smtp 11:none:smtp 12:none:smtp "
		    "13:none:smtp 14:none:smtp 15:none:smtp 16:none:smtp "
		    "17:none:smtp", -1, NULL },
	};
	struct sg_port	 p[SG_PORTS_MAX];
	const char	*why;
	char		 got[512];
	size_t		 i, l;
	int		 n, j, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = NULL;
		n = conf_customer_ports(cases[i].v, p, &why);
		if (n != cases[i].n) {
			printf("\"%s\": got %d items, want %d\n", cases[i].v, n,
			    cases[i].n);
			bad++;
			continue;
		}
		if (n == -1 && why == NULL) {
			printf("\"%s\": refused without a reason\n", cases[i].v);
			bad++;
		}
		if (n == -1 || cases[i].want == NULL)
			continue;
		got[0] = '\0';
		for (j = 0; j < n; j++) {
			l = strlen(got);
			snprintf(got + l, sizeof(got) - l, "%s%ld:%s:%s",
			    j ? " " : "", p[j].port, conf_tls_name(p[j].tls),
			    dv_method_name(p[j].method));
		}
		if (strcmp(got, cases[i].want) != 0) {
			printf("\"%s\": got \"%s\", want \"%s\"\n", cases[i].v,
			    got, cases[i].want);
			bad++;
		}
	}
	if (bad)
		fail();
}

/* customer_smtp_hosts values: how many names, or refused. */
static void
test_hosts(void **state)
{
	static const struct {
		const char	*v;
		int		 n;
	} cases[] = {
		{ "", 0 },
		{ "smtp.relay.example", 1 },
		{ "smtp.relay.example smtp2.relay.example\tlocalhost", 3 },
		{ "127.0.0.1 ::1 2001:db8::25", 3 },
		{ "smtp-1.relay.example", 1 },
		{ "SMTP.Relay.Example.", -1 },
		{ "smtp..relay.example", -1 },
		{ ".relay.example", -1 },
		{ "smtp-.relay.example", -1 },
		{ "smtp_1.relay.example", -1 },
		{ "[127.0.0.1]", -1 },
		{ "smtp.relay.example:25", -1 },
		{ "a a a a a a a a a a a a a a a a", 16 },
		{ "a a a a a a a a a a a a a a a a a", -1 },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ".example", 1 },		/* a 63-octet label */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    ".example", -1 },		/* 64 */
	};
	const char	*why;
	size_t		 i;
	int		 n, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = conf_customer_hosts(cases[i].v, &why);
		if (n != cases[i].n) {
			printf("\"%s\": got %d, want %d\n", cases[i].v, n,
			    cases[i].n);
			bad++;
		}
	}
	if (bad)
		fail();
}

/* The methods of the ports against the listeners' methods. */
static void
test_check(void **state)
{
	struct sg_listener	 camp = { (char *)(uintptr_t)"campaign",
				    METHOD_CAMPAIGN };
	struct sg_conf		 c;
	const char		*key, *why;
	int			 bad = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.default_access_method = METHOD_SMTP;
	c.customer_smtp_hosts = (char *)(uintptr_t)"smtp.relay.example";
	c.customer_ports = (char *)(uintptr_t)"587:required:smtp "
	    "2525:optional:campaign";
	if ((why = conf_customer_check(&c, &key)) == NULL ||
	    strcmp(key, "customer_ports") != 0) {
		printf("no campaign listener: got %s, want a refusal\n",
		    why ? why : "NULL");
		bad++;
	}
	c.listeners = &camp;
	c.nlisteners = 1;
	if ((why = conf_customer_check(&c, &key)) != NULL) {
		printf("campaign listener: got \"%s\", want NULL\n", why);
		bad++;
	}
	c.customer_smtp_hosts = (char *)(uintptr_t)"";
	if ((why = conf_customer_check(&c, &key)) == NULL) {
		printf("ports without hosts: got NULL, want a refusal\n");
		bad++;
	}
	c.customer_ports = (char *)(uintptr_t)"";
	if ((why = conf_customer_check(&c, &key)) != NULL) {
		printf("neither: got \"%s\", want NULL\n", why);
		bad++;
	}
	if (strcmp(conf_tls_name(TLS_NONE), "none") != 0 ||
	    strcmp(conf_tls_name(7), "unknown") != 0) {
		printf("conf_tls_name: wrong words\n");
		bad++;
	}
	if (bad)
		fail();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
