/*
 * test_addr.c - unit tests of addr.c: envelope sender, recipients (the
 * form delivered to, and routes), From header, LDAP filter escaping.
 *
 * Tables of cases; every case is run and each failure is printed as
 * "got X, want Y" before the test fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/addr.h"
#include "show.h"

/* Name of an addr_result. */
static const char *
result_name(int r)
{
	switch (r) {
	case ADDR_OK:
		return ("ADDR_OK");
	case ADDR_NULL:
		return ("ADDR_NULL");
	case ADDR_BAD:
		return ("ADDR_BAD");
	default:
		return ("?");
	}
}

/*
 * Run one envelope case; want_out NULL means "don't care" (not ADDR_OK).
 * want_dom NULL with ADDR_OK means the part after the last '@'.
 * Returns 1 if it failed (and says why).
 */
static int
env_check(const char *in, int want, const char *want_out, const char *want_dom)
{
	char		 out[SG_ADDR_MAX + 1], b1[1024], b2[1024], b3[1024];
	const char	*dom = NULL;
	int		 r;

	memset(out, 'Z', sizeof(out));
	r = addr_parse_envelope(in, out, sizeof(out), &dom);
	if (r != want) {
		print_message("envelope \"%s\": got %s \"%s\", want %s \"%s\"\n",
		    show(in, b1, sizeof(b1)), result_name(r),
		    r == ADDR_OK ? show(out, b2, sizeof(b2)) : "",
		    result_name(want), show(want_out, b3, sizeof(b3)));
		return (1);
	}
	if (r != ADDR_OK) {
		if (dom != NULL) {
			print_message("envelope \"%s\": got domain set, "
			    "want NULL\n", show(in, b1, sizeof(b1)));
			return (1);
		}
		return (0);
	}
	if (strcmp(out, want_out) != 0) {
		print_message("envelope \"%s\": got \"%s\", want \"%s\"\n",
		    show(in, b1, sizeof(b1)), show(out, b2, sizeof(b2)),
		    show(want_out, b3, sizeof(b3)));
		return (1);
	}
	if (want_dom == NULL)
		want_dom = strrchr(want_out, '@') + 1;
	if (dom == NULL || dom < out || dom > out + strlen(out) ||
	    dom[-1] != '@' || strcmp(dom, want_dom) != 0) {
		print_message("envelope \"%s\": got domain \"%s\", want \"%s\"\n",
		    show(in, b1, sizeof(b1)), show(dom, b2, sizeof(b2)),
		    want_dom);
		return (1);
	}
	return (0);
}

struct env_case {
	const char	*in;
	int		 want;
	const char	*out;		/* ADDR_OK: normalised address */
	const char	*domain;	/* NULL: after the last '@' of out */
};

static const struct env_case env_cases[] = {
	/* the null sender */
	{ "<>", ADDR_NULL, NULL, NULL },
	{ "", ADDR_NULL, NULL, NULL },
	{ "<> SIZE=100", ADDR_NULL, NULL, NULL },
	{ " <>", ADDR_NULL, NULL, NULL },
	{ "<>x", ADDR_BAD, NULL, NULL },
	{ "<>>", ADDR_BAD, NULL, NULL },

	/* plain forms, ESMTP parameters, case folding */
	{ "<john@x.com>", ADDR_OK, "john@x.com", "x.com" },
	{ "john@x.com", ADDR_OK, "john@x.com", "x.com" },
	{ " <john@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<john@x.com> ", ADDR_OK, "john@x.com", NULL },
	{ "<john@x.com> SIZE=1000 BODY=8BITMIME", ADDR_OK, "john@x.com", NULL },
	{ "john@x.com SIZE=10", ADDR_OK, "john@x.com", NULL },
	{ "<john@x.com> SMTPUTF8 ENVID=<a@b>", ADDR_OK, "john@x.com", NULL },
	{ "<John.Smith@Example.COM>", ADDR_OK, "john.smith@example.com",
	  "example.com" },
	{ "<JOHN+Tag@X.Com>", ADDR_OK, "john+tag@x.com", NULL },
	{ "<john+tag@x.com>", ADDR_OK, "john+tag@x.com", NULL },
	{ "<!#$%&'*+-/=?^_`{|}~@x.com>", ADDR_OK,
	  "!#$%&'*+-/=?^_`{|}~@x.com", NULL },
	{ "<a@b>", ADDR_OK, "a@b", NULL },
	{ "<a@localhost>", ADDR_OK, "a@localhost", NULL },
	{ "<a@b-c.d1>", ADDR_OK, "a@b-c.d1", NULL },
	{ "<a@x--y.com>", ADDR_OK, "a@x--y.com", NULL },
	{ "<a@1.2.3.4>", ADDR_OK, "a@1.2.3.4", NULL },
	{ "<a.b.c@x.com>", ADDR_OK, "a.b.c@x.com", NULL },

	/* quoted local parts */
	{ "<\"john\"@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<\"John.Smith\"@X.com>", ADDR_OK, "john.smith@x.com", NULL },
	{ "\"john\"@x.com", ADDR_OK, "john@x.com", NULL },
	{ "<\"jo\\hn\"@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<\"john smith\"@x.com>", ADDR_OK, "\"john smith\"@x.com", NULL },
	{ "<\"John Smith\"@x.com> SIZE=1", ADDR_OK, "\"john smith\"@x.com",
	  NULL },
	{ "<\"a\\\"b\"@x.com>", ADDR_OK, "\"a\\\"b\"@x.com", NULL },
	{ "<\"a\\\\b\"@x.com>", ADDR_OK, "\"a\\\\b\"@x.com", NULL },
	{ "<\"a\\ b\"@x.com>", ADDR_OK, "\"a b\"@x.com", NULL },
	{ "<\"a@b\"@x.com>", ADDR_OK, "\"a@b\"@x.com", "x.com" },
	{ "<\"a,b\"@x.com>", ADDR_OK, "\"a,b\"@x.com", NULL },
	{ "<\".john\"@x.com>", ADDR_OK, "\".john\"@x.com", NULL },
	{ "<\"john.\"@x.com>", ADDR_OK, "\"john.\"@x.com", NULL },
	{ "<\"john..smith\"@x.com>", ADDR_OK, "\"john..smith\"@x.com", NULL },
	{ "<\"<a>\"@x.com>", ADDR_OK, "\"<a>\"@x.com", NULL },
	{ "<\"\xc3\xa9t\xc3\xa9\"@x.com>", ADDR_OK, "\xc3\xa9t\xc3\xa9@x.com",
	  NULL },
	{ "<\"\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"john\\\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"john\"smith@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john.\"smith\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"jo\x01hn\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"jo\thn\"@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\"jo\\\x01hn\"@x.com>", ADDR_BAD, NULL, NULL },

	/* source routes are dropped */
	{ "<@a.example,@b.example:john@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<@a.example:John@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<@[192.0.2.1]:john@x.com>", ADDR_OK, "john@x.com", NULL },
	{ "<@a.example john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<@a.example,b.example:john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<@:john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<@a..example:john@x.com>", ADDR_BAD, NULL, NULL },
	{ "@a.example:john@x.com", ADDR_BAD, NULL, NULL },

	/* address literals */
	{ "<john@[192.0.2.1]>", ADDR_OK, "john@[192.0.2.1]", "[192.0.2.1]" },
	{ "<John@[IPv6:2001:DB8::1]>", ADDR_OK, "john@[ipv6:2001:db8::1]",
	  "[ipv6:2001:db8::1]" },
	/* lower case only: another spelling of the address stays another */
	{ "<lit@[IPv6:2001:0db8::55]>", ADDR_OK, "lit@[ipv6:2001:0db8::55]",
	  NULL },
	{ "<j@[x-tag:whatever]>", ADDR_BAD, NULL, NULL },
	{ "<john@[192.0.2.256]>", ADDR_BAD, NULL, NULL },
	{ "<john@[192.0.2]>", ADDR_BAD, NULL, NULL },
	{ "<john@[]>", ADDR_BAD, NULL, NULL },
	{ "<john@[IPv6:zz::1]>", ADDR_BAD, NULL, NULL },
	{ "<john@[IPv6:192.0.2.1]>", ADDR_BAD, NULL, NULL },
	{ "<john@[192.0.2.1>", ADDR_BAD, NULL, NULL },
	{ "<john@[192.0.2.1]x>", ADDR_BAD, NULL, NULL },
	{ "<john@[192.0.2.1].com>", ADDR_BAD, NULL, NULL },
	{ "<john@[192. 0.2.1]>", ADDR_BAD, NULL, NULL },
	{ "<john@[tag:]>", ADDR_BAD, NULL, NULL },
	{ "<a@[vH:1@]>", ADDR_BAD, NULL, NULL },
	{ "<john@[IPv6:::1>", ADDR_BAD, NULL, NULL },
	{ "<john@[ipv6:::FFFF:192.0.2.1]>", ADDR_OK,
	  "john@[ipv6:::ffff:192.0.2.1]", NULL },

	/* UTF-8 (SMTPUTF8) */
	{ "<j\xc3\xb6rg@b\xc3\xbc" "cher.example>", ADDR_OK,
	  "j\xc3\xb6rg@b\xc3\xbc" "cher.example", NULL },
	{ "<J\xc3\x96RG@X.COM>", ADDR_OK, "j\xc3\x96rg@x.com", NULL },
	{ "<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf"
	  "\xe5\x91\x8a>", ADDR_OK,
	  "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf"
	  "\xe5\x91\x8a", NULL },
	{ "<\xf0\x9f\x98\x80@x.com>", ADDR_OK, "\xf0\x9f\x98\x80@x.com", NULL },
	{ "<\xc3\x28@x.com>", ADDR_BAD, NULL, NULL },		/* bad continuation */
	{ "<a\xc3@x.com>", ADDR_BAD, NULL, NULL },		/* truncated */
	{ "<a@x.com\xc3>", ADDR_BAD, NULL, NULL },		/* truncated at end */
	{ "<\xc0\xaf@x.com>", ADDR_BAD, NULL, NULL },		/* overlong 2 */
	{ "<\xc1\xbf@x.com>", ADDR_BAD, NULL, NULL },		/* overlong 2 */
	{ "<a@\xe0\x80\xaf.com>", ADDR_BAD, NULL, NULL },	/* overlong 3 */
	{ "<a@\xf0\x80\x80\xaf.com>", ADDR_BAD, NULL, NULL },	/* overlong 4 */
	{ "<a@\xed\xa0\x80.com>", ADDR_BAD, NULL, NULL },	/* surrogate */
	{ "<a@\xf4\x90\x80\x80.com>", ADDR_BAD, NULL, NULL },	/* > U+10FFFF */
	{ "<\xff@x.com>", ADDR_BAD, NULL, NULL },
	{ "<\x80@x.com>", ADDR_BAD, NULL, NULL },		/* lone continuation */
	{ "<\"\xc3\x28\"@x.com>", ADDR_BAD, NULL, NULL },

	/* brackets, '@' */
	{ "john", ADDR_BAD, NULL, NULL },
	{ "<john>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com", ADDR_BAD, NULL, NULL },
	{ "john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<<john@x.com>>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com>>", ADDR_BAD, NULL, NULL },
	{ "<john<@x.com>", ADDR_BAD, NULL, NULL },
	{ "<", ADDR_BAD, NULL, NULL },
	{ ">", ADDR_BAD, NULL, NULL },
	{ "<john@@x.com>", ADDR_BAD, NULL, NULL },
	{ "<a@b@x.com>", ADDR_BAD, NULL, NULL },
	{ "a@b@x.com", ADDR_BAD, NULL, NULL },
	{ "<@x.com>", ADDR_BAD, NULL, NULL },
	{ "@x.com", ADDR_BAD, NULL, NULL },
	{ "<john@>", ADDR_BAD, NULL, NULL },
	{ "john@", ADDR_BAD, NULL, NULL },
	{ "<@>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com>junk", ADDR_BAD, NULL, NULL },
	{ "<john@x.com>SIZE=10", ADDR_BAD, NULL, NULL },
	{ "<john@x.com SIZE=10>", ADDR_BAD, NULL, NULL },
	{ " SIZE=10", ADDR_BAD, NULL, NULL },

	/* dot and label rules */
	{ "<.john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john.@x.com>", ADDR_BAD, NULL, NULL },
	{ "<jo..hn@x.com>", ADDR_BAD, NULL, NULL },
	{ "<.@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x..com>", ADDR_BAD, NULL, NULL },
	{ "<john@.x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com.>", ADDR_BAD, NULL, NULL },
	{ "<john@.>", ADDR_BAD, NULL, NULL },
	{ "<john@-x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x-.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com->", ADDR_BAD, NULL, NULL },
	{ "<john@x.-com>", ADDR_BAD, NULL, NULL },
	{ "<john@x_y.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x+y.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com:25>", ADDR_BAD, NULL, NULL },

	/* white space, comments, control characters */
	{ "<john smith@x.com>", ADDR_BAD, NULL, NULL },
	{ "john smith@x.com", ADDR_BAD, NULL, NULL },
	{ "<john @x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@ x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com >", ADDR_BAD, NULL, NULL },
	{ "< john@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john(c)@x.com>", ADDR_BAD, NULL, NULL },
	{ "<jo\x01hn@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com\x7f>", ADDR_BAD, NULL, NULL },
	{ "<jo\x7fhn@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com\r\n>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com>\r\n", ADDR_BAD, NULL, NULL },
	{ "<john@x\r.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x\n.com>", ADDR_BAD, NULL, NULL },
	{ "<jo\thn@x.com>", ADDR_BAD, NULL, NULL },
	{ "<john@x.com>\tSIZE=10", ADDR_BAD, NULL, NULL },
	{ "<john@x.com> SIZE=\x01", ADDR_BAD, NULL, NULL },
	{ "\x1f<john@x.com>", ADDR_BAD, NULL, NULL },
};

/* Table of envelope senders. */
static void
test_envelope_table(void **state)
{
	size_t	i;
	int	failed = 0;

	(void)state;
	for (i = 0; i < NELEM(env_cases); i++)
		failed += env_check(env_cases[i].in, env_cases[i].want,
		    env_cases[i].out, env_cases[i].domain);
	assert_int_equal(failed, 0);
}

/* Append n copies of c to buf at *o. */
static void
fill(char *buf, size_t *o, int c, size_t n)
{
	memset(buf + *o, c, n);
	*o += n;
	buf[*o] = '\0';
}

/* A domain of exactly len octets in labels of at most 63. */
static void
make_domain(char *buf, size_t *o, size_t len)
{
	size_t	l;

	while (len > 0) {
		if (len <= 63) {
			fill(buf, o, 'd', len);
			return;
		}
		l = len - 2 < 63 ? len - 2 : 63;
		fill(buf, o, 'd', l);
		fill(buf, o, '.', 1);
		len -= l + 1;
	}
}

/* local@domain of the given lengths, in buf; with brackets if angle. */
static const char *
make_addr(char *buf, int lc, size_t local, size_t domain, int angle)
{
	size_t	o = 0;

	if (angle)
		fill(buf, &o, '<', 1);
	fill(buf, &o, lc, local);
	fill(buf, &o, '@', 1);
	make_domain(buf, &o, domain);
	if (angle)
		fill(buf, &o, '>', 1);
	return (buf);
}

/* RFC 5322 atext, ASCII part: the reference of test_octets. */
static int
ref_atext(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* ASCII lower case: the reference of test_octets. */
static int
ref_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/*
 * Every octet in a local part, a domain label and a display name, in
 * the envelope sender, a recipient and a From header: accepted exactly
 * where the grammar says (atext and '.' in a local part, letters,
 * digits, '-' and '.' in a domain; a lone 8-bit octet is no UTF-8),
 * and ASCII capitals lowered in the address, nothing else changed.
 */
static void
test_octets(void **state)
{
	char		 in[64], want[64], out[SG_ADDR_MAX + 1], b1[256], b2[256];
	char		 from[SG_FROM_MAX][SG_ADDR_MAX + 1];
	const char	*dom;
	size_t		 n;
	int		 c, ok, r, failed = 0;

	(void)state;
	for (c = 1; c < 256; c++) {
		/* local part: "A<c>b" */
		snprintf(in, sizeof(in), "<A%cb@Example.TEST>", c);
		ok = ref_atext(c) || c == '.';
		snprintf(want, sizeof(want), "a%cb@example.test", ref_lower(c));
		r = addr_parse_envelope(in, out, sizeof(out), &dom);
		if (r != (ok ? ADDR_OK : ADDR_BAD) ||
		    (ok && strcmp(out, want) != 0)) {
			print_message("envelope \"%s\": got %s \"%s\", want "
			    "%s \"%s\"\n", show(in, b1, sizeof(b1)),
			    result_name(r), show(out, b2, sizeof(b2)),
			    ok ? "ADDR_OK" : "ADDR_BAD", ok ? want : "");
			failed++;
		}
		r = addr_parse_rcpt(in, out, sizeof(out), &dom);
		if (r != (ok ? ADDR_OK : ADDR_BAD) ||
		    (ok && strcmp(out, want) != 0)) {
			print_message("rcpt \"%s\": got %s, want %s\n",
			    show(in, b1, sizeof(b1)), result_name(r),
			    ok ? "ADDR_OK" : "ADDR_BAD");
			failed++;
		}
		snprintf(in, sizeof(in), "A%cb@Example.TEST", c);
		r = addr_parse_from(in, from, SG_FROM_MAX, &n);
		if (r != (ok ? 0 : -1) || (ok && (n != 1 ||
		    strcmp(from[0], want) != 0))) {
			print_message("from \"%s\": got %d, want %d\n",
			    show(in, b1, sizeof(b1)), r, ok ? 0 : -1);
			failed++;
		}

		/* domain label: "X<c>y" (a '.' makes two labels) */
		snprintf(in, sizeof(in), "<ab@X%cy.Test>", c);
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.';
		snprintf(want, sizeof(want), "ab@x%cy.test", ref_lower(c));
		r = addr_parse_envelope(in, out, sizeof(out), &dom);
		if (r != (ok ? ADDR_OK : ADDR_BAD) ||
		    (ok && (strcmp(out, want) != 0 ||
		    strcmp(dom, want + 3) != 0))) {
			print_message("envelope \"%s\": got %s \"%s\", want "
			    "%s \"%s\"\n", show(in, b1, sizeof(b1)),
			    result_name(r), show(out, b2, sizeof(b2)),
			    ok ? "ADDR_OK" : "ADDR_BAD", ok ? want : "");
			failed++;
		}
		snprintf(in, sizeof(in), "ab@X%cy.Test", c);
		r = addr_parse_from(in, from, SG_FROM_MAX, &n);
		if (r != (ok ? 0 : -1) || (ok && strcmp(from[0], want) != 0)) {
			print_message("from \"%s\": got %d, want %d\n",
			    show(in, b1, sizeof(b1)), r, ok ? 0 : -1);
			failed++;
		}

		/* a display name's word: "N<c>m <ab@x.test>" */
		if (c == '\t' || c == '\r' || c == '\n' || c == ' ' ||
		    c == '"' || c == '(' || c == ')' || c == '<' || c == ',' ||
		    c == ';' || c == ':' || c == '\\' || c == '@')
			continue;	/* the grammar's own: tables above */
		snprintf(in, sizeof(in), "N%cm <Ab@x.test>", c);
		ok = ref_atext(c) || c == '.' || c >= 0x80;
		r = addr_parse_from(in, from, SG_FROM_MAX, &n);
		if (r != (ok ? 0 : -1) || (ok && strcmp(from[0],
		    "ab@x.test") != 0)) {
			print_message("from \"%s\": got %d, want %d\n",
			    show(in, b1, sizeof(b1)), r, ok ? 0 : -1);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Length limits: 254 total, 64 local part, 63 a label, the buffer size. */
static void
test_envelope_limits(void **state)
{
	char		 in[1024], want[1024], out[SG_ADDR_MAX + 1];
	char		 b1[1024];
	const char	*dom;
	size_t		 len;
	int		 failed = 0, r;

	(void)state;

	/* 64-octet local part, whole address 254 */
	make_addr(in, 'L', 64, 189, 1);
	make_addr(want, 'l', 64, 189, 0);
	assert_int_equal(strlen(want), 254);
	failed += env_check(in, ADDR_OK, want, NULL);
	/* 255 */
	make_addr(in, 'l', 64, 190, 1);
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	make_addr(in, 'l', 10, 244, 0);	/* 255 */
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	make_addr(in, 'l', 10, 243, 0);	/* 254 */
	failed += env_check(in, ADDR_OK, show(in, b1, sizeof(b1)), NULL);
	/* far too long */
	make_addr(in, 'l', 64, 600, 1);
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	/* 65-octet local part */
	make_addr(in, 'l', 65, 5, 1);
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	make_addr(in, 'L', 65, 5, 0);
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	/* 63- and 64-octet labels */
	strcpy(in, "<a@");
	len = strlen(in);
	fill(in, &len, 'x', 63);
	strcat(in, ".com>");
	r = addr_parse_envelope(in, out, sizeof(out), &dom);
	if (r != ADDR_OK) {
		print_message("63-octet label: got %s, want ADDR_OK\n",
		    result_name(r));
		failed++;
	}
	len = 3;
	fill(in, &len, 'x', 64);
	strcat(in, ".com>");
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	/* a 63-octet label of UTF-8 (21 x 3 octets), then 64 */
	strcpy(in, "<a@");
	for (len = 0; len < 21; len++)
		strcat(in, "\xe4\xbe\x8b");
	strcat(in, ".com>");
	r = addr_parse_envelope(in, out, sizeof(out), &dom);
	if (r != ADDR_OK) {
		print_message("63-octet UTF-8 label: got %s, want ADDR_OK\n",
		    result_name(r));
		failed++;
	}
	strcpy(in, "<a@x");
	for (len = 0; len < 21; len++)
		strcat(in, "\xe4\xbe\x8b");
	strcat(in, ".com>");
	failed += env_check(in, ADDR_BAD, NULL, NULL);

	/* quoted local part: 64 octets with its quotes, then 65 */
	len = 0;
	fill(in, &len, '<', 1);
	fill(in, &len, '"', 1);
	fill(in, &len, 'q', 61);
	fill(in, &len, ' ', 1);
	strcat(in, "\"@x.com>");
	r = addr_parse_envelope(in, out, sizeof(out), &dom);
	if (r != ADDR_OK || strlen(out) != 64 + 6) {
		print_message("64-octet quoted local part: got %s (%zu), "
		    "want ADDR_OK (70)\n", result_name(r), strlen(out));
		failed++;
	}
	len = 2;
	fill(in, &len, 'q', 62);
	fill(in, &len, ' ', 1);
	strcat(in, "\"@x.com>");
	failed += env_check(in, ADDR_BAD, NULL, NULL);
	/* quotes dropped: 66 octets in, 64 out */
	len = 0;
	fill(in, &len, '<', 1);
	fill(in, &len, '"', 1);
	fill(in, &len, 'q', 64);
	strcat(in, "\"@x.com>");
	r = addr_parse_envelope(in, out, sizeof(out), &dom);
	if (r != ADDR_OK || strlen(out) != 64 + 6) {
		print_message("quoted 64-octet dot-atom: got %s, want ADDR_OK\n",
		    result_name(r));
		failed++;
	}

	/* outlen: exactly enough, one short, zero */
	r = addr_parse_envelope("<john@x.com>", out, 11, &dom);
	if (r != ADDR_OK || strcmp(out, "john@x.com") != 0 ||
	    strcmp(dom, "x.com") != 0) {
		print_message("outlen 11: got %s \"%s\", want ADDR_OK\n",
		    result_name(r), out);
		failed++;
	}
	memset(out, 'Z', sizeof(out));
	r = addr_parse_envelope("<john@x.com>", out, 10, &dom);
	if (r != ADDR_BAD || out[0] != '\0' || out[10] != 'Z' || dom != NULL) {
		print_message("outlen 10: got %s, want ADDR_BAD and out "
		    "untouched past 10\n", result_name(r));
		failed++;
	}
	r = addr_parse_envelope("<john@x.com>", NULL, 0, &dom);
	if (r != ADDR_BAD) {
		print_message("outlen 0: got %s, want ADDR_BAD\n",
		    result_name(r));
		failed++;
	}
	r = addr_parse_envelope("<>", NULL, 0, NULL);
	if (r != ADDR_NULL) {
		print_message("<> outlen 0: got %s, want ADDR_NULL\n",
		    result_name(r));
		failed++;
	}
	r = addr_parse_envelope(NULL, out, sizeof(out), &dom);
	if (r != ADDR_BAD) {
		print_message("NULL: got %s, want ADDR_BAD\n", result_name(r));
		failed++;
	}
	assert_int_equal(failed, 0);
}

/*
 * Recipients: the form the MTA delivers to, and the suppression list
 * lookups that follow from it (issue 19, item 2). Each spelling of
 * victim@far.test that Postfix delivers to victim@far.test must come out
 * as victim@far.test, directly or as a route; what Postfix would refuse
 * or leave alone stays bad or stays itself.
 */
static const struct {
	const char	*in;
	int		 want;
	const char	*out;		/* delivered form */
	const char	*route;		/* addr_rcpt_route of it, or NULL */
} rcpt_cases[] = {
	{ "<victim@far.test>", ADDR_OK, "victim@far.test", NULL },
	{ "<victim@far.test.>", ADDR_OK, "victim@far.test", NULL },
	{ "<Victim@FAR.Test.>", ADDR_OK, "victim@far.test", NULL },
	{ "victim@far.test.", ADDR_OK, "victim@far.test", NULL },
	{ "<victim@far.test.> NOTIFY=NEVER", ADDR_OK, "victim@far.test", NULL },
	{ "<\"victim\"@far.test.>", ADDR_OK, "victim@far.test", NULL },
	{ "<@relay.test:victim@far.test.>", ADDR_OK, "victim@far.test", NULL },
	{ "<victim@test.>", ADDR_OK, "victim@test", NULL },
	{ "<victim%far.test@relay.test>", ADDR_OK, "victim%far.test@relay.test",
	    "victim@far.test" },
	{ "<victim%FAR.test@relay.test.>", ADDR_OK,
	    "victim%far.test@relay.test", "victim@far.test" },
	{ "<victim%far.test.@relay.test>", ADDR_BAD, NULL, NULL },
	{ "<a%victim%far.test@relay.test>", ADDR_OK,
	    "a%victim%far.test@relay.test", "a%victim@far.test" },
	{ "<far.test!victim@relay.test>", ADDR_OK, "far.test!victim@relay.test",
	    "victim@far.test" },
	{ "<far.test!victim%x.test@relay.test>", ADDR_OK,
	    "far.test!victim%x.test@relay.test", "victim%x.test@far.test" },
	{ "<\"victim@far.test\"@relay.test>", ADDR_OK,
	    "\"victim@far.test\"@relay.test", NULL },
	{ "<victim@far.test..>", ADDR_BAD, NULL, NULL },
	{ "<victim@.far.test>", ADDR_BAD, NULL, NULL },
	{ "<victim@.>", ADDR_BAD, NULL, NULL },
	{ "<victim@far-.test.>", ADDR_BAD, NULL, NULL },
	{ "<victim@[192.0.2.1].>", ADDR_BAD, NULL, NULL },
	{ "<victim>", ADDR_BAD, NULL, NULL },
	{ "<victim@far.test", ADDR_BAD, NULL, NULL },
	{ "<victim@far.test.\x01>", ADDR_BAD, NULL, NULL },
	{ "<>", ADDR_NULL, NULL, NULL },
};

/* Table of recipients: addr_parse_rcpt, then addr_rcpt_route. */
static void
test_rcpt_table(void **state)
{
	char		 out[SG_ADDR_MAX + 1], route[SG_ADDR_MAX + 1];
	char		 b1[1024], b2[1024];
	const char	*dom;
	size_t		 i;
	int		 r, failed = 0, routed;

	(void)state;
	for (i = 0; i < NELEM(rcpt_cases); i++) {
		r = addr_parse_rcpt(rcpt_cases[i].in, out, sizeof(out), &dom);
		if (r != rcpt_cases[i].want || (r == ADDR_OK &&
		    strcmp(out, rcpt_cases[i].out) != 0)) {
			print_message("rcpt \"%s\": got %s \"%s\", want %s "
			    "\"%s\"\n", show(rcpt_cases[i].in, b1, sizeof(b1)),
			    result_name(r), r == ADDR_OK ? out : "",
			    result_name(rcpt_cases[i].want),
			    show(rcpt_cases[i].out, b2, sizeof(b2)));
			failed++;
			continue;
		}
		if (r != ADDR_OK)
			continue;
		if (strcmp(dom, addr_domain(out)) != 0) {
			print_message("rcpt \"%s\": got domain \"%s\", want "
			    "\"%s\"\n", rcpt_cases[i].in, dom,
			    addr_domain(out));
			failed++;
		}
		routed = addr_rcpt_route(out, route, sizeof(route));
		if (rcpt_cases[i].route == NULL ? routed != 0 :
		    routed != 1 || strcmp(route, rcpt_cases[i].route) != 0) {
			print_message("route of \"%s\": got %d \"%s\", want "
			    "\"%s\"\n", out, routed, route,
			    rcpt_cases[i].route != NULL ? rcpt_cases[i].route :
			    "(none)");
			failed++;
		}
	}
	/* the envelope sender keeps its stricter syntax */
	if (addr_parse_envelope("<victim@far.test.>", out, sizeof(out),
	    &dom) != ADDR_BAD) {
		print_message("envelope \"<victim@far.test.>\": got %s, want "
		    "ADDR_BAD\n", out);
		failed++;
	}
	assert_int_equal(failed, 0);
}

/* addr_domain on normalised addresses. */
static void
test_domain(void **state)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "john@x.com", "x.com" },
		{ "\"a@b\"@x.com", "x.com" },
		{ "john@[192.0.2.1]", "[192.0.2.1]" },
		{ "john@", "" },
		{ "john", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};
	const char	*got;
	char		 b1[256], b2[256];
	size_t		 i;
	int		 failed = 0;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		got = addr_domain(cases[i].in);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got != NULL && strcmp(got, cases[i].want) != 0)) {
			print_message("addr_domain(\"%s\"): got \"%s\", "
			    "want \"%s\"\n", show(cases[i].in, b1, sizeof(b1)),
			    show(got, b2, sizeof(b2)),
			    cases[i].want ? cases[i].want : "(null)");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

struct from_case {
	const char	*in;
	int		 want;
	const char	*addrs[4];	/* NULL-terminated */
};

static const struct from_case from_cases[] = {
	/* single mailboxes, all the forms */
	{ "john@x.com", 0, { "john@x.com" } },
	{ "John <john@x.com>", 0, { "john@x.com" } },
	{ "John Smith <John.Smith@X.com>", 0, { "john.smith@x.com" } },
	{ "<john@x.com>", 0, { "john@x.com" } },
	{ "  <john@x.com>  ", 0, { "john@x.com" } },
	{ "\"Smith, John\" <john@x.com>", 0, { "john@x.com" } },
	{ "\"John \\\"J\\\" Smith\" <john@x.com>", 0, { "john@x.com" } },
	{ "\"john@x.com\" <john@x.com>", 0, { "john@x.com" } },
	{ "\"\" <john@x.com>", 0, { "john@x.com" } },
	{ "john@x.com (John)", 0, { "john@x.com" } },
	{ "john@x.com(John)", 0, { "john@x.com" } },
	{ "j@x.com (comment, with comma; and semicolon)", 0, { "j@x.com" } },
	{ "(a (b) c) John (x) <john@x.com> (d (e \\) f))", 0,
	  { "john@x.com" } },
	{ "John <john(c)@(d)x.com>", 0, { "john@x.com" } },
	{ "John < john@x.com >", 0, { "john@x.com" } },
	{ "john @ x.com", 0, { "john@x.com" } },
	{ "=?utf-8?q?J=C3=B6rg?= <j@x.com>", 0, { "j@x.com" } },
	{ "=?UTF-8?B?SsO2cmc=?= <j@x.com>", 0, { "j@x.com" } },
	{ "=?iso-8859-1?q?J=F6rg_M=FCller?= <j@x.com>", 0, { "j@x.com" } },
	{ "J\xc3\xb6rg <j@x.com>", 0, { "j@x.com" } },
	{ "J\xf6rg <j@x.com>", 0, { "j@x.com" } },		/* raw Latin-1 */
	{ "\"J\xf6rg\" <j@x.com>", 0, { "j@x.com" } },
	{ "John Q. Public <jqp@x.com>", 0, { "jqp@x.com" } },
	{ "'John' <j@x.com>", 0, { "j@x.com" } },
	{ "\"john\"@x.com", 0, { "john@x.com" } },
	{ "\"John Smith\"@x.com", 0, { "\"john smith\"@x.com" } },
	{ "Smith <\"john smith\"@x.com>", 0, { "\"john smith\"@x.com" } },
	{ "j\xc3\xb6rg@b\xc3\xbc" "cher.example", 0,
	  { "j\xc3\xb6rg@b\xc3\xbc" "cher.example" } },
	{ "<j@[192.0.2.1]>", 0, { "j@[192.0.2.1]" } },
	{ "John <@route.example,@r2.example:john@x.com>", 0,
	  { "john@x.com" } },
	{ "<@route.example:john@x.com>", 0, { "john@x.com" } },
	{ "<@a.example, ,@b.example:john@x.com>", 0, { "john@x.com" } },

	/* folding */
	{ "John\r\n <john@x.com>", 0, { "john@x.com" } },
	{ "John\n\t<john@x.com>", 0, { "john@x.com" } },
	{ "\"John\r\n Smith\" <john@x.com>", 0, { "john@x.com" } },
	{ "a@x.com,\r\n b@x.com", 0, { "a@x.com", "b@x.com" } },
	{ "\"john\r\n smith\"@x.com", 0, { "\"john smith\"@x.com" } },

	/* lists and groups */
	{ "a@x.com, b@y.com", 0, { "a@x.com", "b@y.com" } },
	{ "a@x.com,b@y.com", 0, { "a@x.com", "b@y.com" } },
	{ "John <a@x.com>, \"B, C\" <b@y.com>, c@z.com", 0,
	  { "a@x.com", "b@y.com", "c@z.com" } },
	{ "a@x.com,,b@x.com", 0, { "a@x.com", "b@x.com" } },
	{ "a@x.com,", 0, { "a@x.com" } },
	{ "Team: a@x.com, b@x.com;", 0, { "a@x.com", "b@x.com" } },
	{ "Team: a@x.com, B <b@x.com>;, c@y.com", 0,
	  { "a@x.com", "b@x.com", "c@y.com" } },
	{ "Team:a@x.com;", 0, { "a@x.com" } },
	{ "\"The Team\" (x): a@x.com ; ", 0, { "a@x.com" } },
	{ "undisclosed-recipients:;, a@x.com", 0, { "a@x.com" } },
	{ "a@x.com, undisclosed-recipients:;", 0, { "a@x.com" } },
	{ "Team: a@x.com,;", 0, { "a@x.com" } },

	/* garbage */
	{ "", -1, { NULL } },
	{ "   ", -1, { NULL } },
	{ "(just a comment)", -1, { NULL } },
	{ ",", -1, { NULL } },
	{ "John", -1, { NULL } },
	{ "John Smith", -1, { NULL } },
	{ "john", -1, { NULL } },
	{ "John <>", -1, { NULL } },
	{ "<>", -1, { NULL } },
	{ "John <john@x.com", -1, { NULL } },
	{ "John john@x.com>", -1, { NULL } },
	{ "John <john@x.com>>", -1, { NULL } },
	{ "John <<john@x.com>>", -1, { NULL } },
	{ "John <john>", -1, { NULL } },
	{ "John <john@x.com> <b@x.com>", -1, { NULL } },
	{ "John <john@x.com> Smith", -1, { NULL } },
	{ "john@x.com <john@x.com>", -1, { NULL } },
	{ "John <a@@x.com>", -1, { NULL } },
	{ "a@b@x.com", -1, { NULL } },
	{ "John <a@x..com>", -1, { NULL } },
	{ "\"John <j@x.com>", -1, { NULL } },
	{ "\"John\" Smith\" <j@x.com>", -1, { NULL } },
	{ "(John <j@x.com>", -1, { NULL } },
	{ "John) <j@x.com>", -1, { NULL } },
	{ "j@x.com (unterminated", -1, { NULL } },
	{ "j@x.com ((nested) unterminated", -1, { NULL } },
	{ "a@x.com b@y.com", -1, { NULL } },
	{ "John <a@x.com> b@y.com", -1, { NULL } },
	{ "undisclosed-recipients:;", -1, { NULL } },
	{ "Team: a@x.com", -1, { NULL } },
	{ "Team: a@x.com, b@x.com", -1, { NULL } },
	{ ": a@x.com;", -1, { NULL } },
	{ "A: B: a@x.com;;", -1, { NULL } },
	{ "a@x.com;", -1, { NULL } },
	{ "Team: a@x.com; b@x.com", -1, { NULL } },
	{ "John <a@x.com>\r\n", -1, { NULL } },
	{ "John <a@x.com>\n", -1, { NULL } },
	{ "John\r<a@x.com>", -1, { NULL } },
	{ "John\n<a@x.com>", -1, { NULL } },
	{ "John\r\n<a@x.com>", -1, { NULL } },
	{ "John <a@x.com\r\n >", 0, { "a@x.com" } },
	{ "John <a@x.\r\n com>", -1, { NULL } },
	{ "Jo\x01hn <a@x.com>", -1, { NULL } },
	{ "John <a@x.com> (\x7f)", -1, { NULL } },
	{ "John <a\xc3@x.com>", -1, { NULL } },
	{ "John <a@x.com>, <\xc0\xaf@x.com>", -1, { NULL } },
	{ "John Doe@x.com", -1, { NULL } },
	{ "@x.com", -1, { NULL } },
	{ "John <@x.com>", -1, { NULL } },
	{ "John <@route.example john@x.com>", -1, { NULL } },
	{ "John [j@x.com]", -1, { NULL } },
};

/* Table of From header values. */
static void
test_from_table(void **state)
{
	char		 addrs[SG_FROM_MAX][SG_ADDR_MAX + 1];
	char		 b1[1024], b2[1024];
	const struct from_case *c;
	size_t		 i, k, n, want_n;
	int		 failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(from_cases); i++) {
		c = &from_cases[i];
		for (want_n = 0; want_n < 4 && c->addrs[want_n]; want_n++)
			;
		n = 99;
		r = addr_parse_from(c->in, addrs, SG_FROM_MAX, &n);
		if (r != c->want) {
			print_message("From \"%s\": got %d, want %d\n",
			    show(c->in, b1, sizeof(b1)), r, c->want);
			failed++;
			continue;
		}
		if (r != 0) {
			if (n != 0) {
				print_message("From \"%s\": got n=%zu on "
				    "error, want 0\n",
				    show(c->in, b1, sizeof(b1)), n);
				failed++;
			}
			continue;
		}
		if (n != want_n) {
			print_message("From \"%s\": got %zu mailboxes, "
			    "want %zu\n", show(c->in, b1, sizeof(b1)), n,
			    want_n);
			failed++;
			continue;
		}
		for (k = 0; k < n; k++)
			if (strcmp(addrs[k], c->addrs[k]) != 0) {
				print_message("From \"%s\" [%zu]: got \"%s\", "
				    "want \"%s\"\n",
				    show(c->in, b1, sizeof(b1)), k,
				    show(addrs[k], b2, sizeof(b2)),
				    c->addrs[k]);
				failed++;
			}
	}
	assert_int_equal(failed, 0);
}

/* The max argument, and address length limits inside a From header. */
static void
test_from_limits(void **state)
{
	char		 addrs[SG_FROM_MAX + 1][SG_ADDR_MAX + 1];
	char		 in[8192], one[600];
	size_t		 i, n;
	int		 failed = 0, r;

	(void)state;
	/* 16 mailboxes pass, 17 do not */
	in[0] = '\0';
	for (i = 0; i < SG_FROM_MAX; i++) {
		snprintf(one, sizeof(one), "%sU%zu <u%zu@x.com>",
		    i ? ", " : "", i, i);
		strcat(in, one);
	}
	r = addr_parse_from(in, addrs, SG_FROM_MAX, &n);
	if (r != 0 || n != SG_FROM_MAX || strcmp(addrs[15], "u15@x.com")) {
		print_message("16 mailboxes: got %d n=%zu, want 0 n=16\n",
		    r, n);
		failed++;
	}
	strcat(in, ", last@x.com");
	r = addr_parse_from(in, addrs, SG_FROM_MAX, &n);
	if (r != -1 || n != 0) {
		print_message("17 mailboxes: got %d n=%zu, want -1\n", r, n);
		failed++;
	}
	/* a group's mailboxes count too */
	r = addr_parse_from("a@x.com, T: b@x.com, c@x.com;", addrs, 2, &n);
	if (r != -1) {
		print_message("3 in group, max 2: got %d, want -1\n", r);
		failed++;
	}
	r = addr_parse_from("a@x.com", addrs, 0, &n);
	if (r != -1) {
		print_message("max 0: got %d, want -1\n", r);
		failed++;
	}
	r = addr_parse_from(NULL, addrs, 1, &n);
	if (r != -1) {
		print_message("NULL: got %d, want -1\n", r);
		failed++;
	}
	/* 254-octet address inside a From: passes; 255 does not */
	snprintf(in, sizeof(in), "Big <");
	n = strlen(in);
	memset(in + n, 'a', 64);
	n += 64;
	in[n++] = '@';
	for (i = 0; i < 3; i++) {
		memset(in + n, 'b', 62);
		n += 62;
		in[n++] = '.';
	}
	memset(in + n, 'c', 3);		/* 64+1+3*63+3 = 257 */
	n += 3;
	strcpy(in + n, ">");
	r = addr_parse_from(in, addrs, 1, &n);
	if (r != -1) {
		print_message("257-octet From address: got %d, want -1\n", r);
		failed++;
	}
	/* shorten the local part by 3 to 254 */
	memmove(in + 5, in + 8, strlen(in + 8) + 1);
	r = addr_parse_from(in, addrs, 1, &n);
	if (r != 0 || strlen(addrs[0]) != 254) {
		print_message("254-octet From address: got %d, want 0\n", r);
		failed++;
	}
	/* 255 */
	memmove(in + 6, in + 5, strlen(in + 5) + 1);
	in[5] = 'a';
	r = addr_parse_from(in, addrs, 1, &n);
	if (r != -1) {
		print_message("255-octet From address: got %d, want -1\n", r);
		failed++;
	}
	assert_int_equal(failed, 0);
}

/* ldap_filter_escape, including buffers too small. */
static void
test_ldap_escape(void **state)
{
	static const struct {
		const char	*in;
		size_t		 outlen;
		int		 want;
		const char	*out;
	} cases[] = {
		{ "john@x.com", 64, 0, "john@x.com" },
		{ "", 64, 0, "" },
		{ "", 1, 0, "" },
		{ "a*b", 64, 0, "a\\2ab" },
		{ "(x)", 64, 0, "\\28x\\29" },
		{ "a\\b", 64, 0, "a\\5cb" },
		{ "*)(uid=*))(|(uid=*", 64, 0,
		  "\\2a\\29\\28uid=\\2a\\29\\29\\28|\\28uid=\\2a" },
		{ "\x01\x1f\x7f", 64, 0, "\\01\\1f\\7f" },
		{ "a\tb\r\n", 64, 0, "a\\09b\\0d\\0a" },
		{ "j\xc3\xb6rg", 64, 0, "j\xc3\xb6rg" },
		{ "\"a b\"@x.com", 64, 0, "\"a b\"@x.com" },
		{ "abc", 4, 0, "abc" },
		{ "abc", 3, -1, "ab" },
		{ "abc", 1, -1, "" },
		{ "*", 4, 0, "\\2a" },
		{ "*", 3, -1, "" },
		{ "a*", 4, -1, "a" },
		{ "a*", 5, 0, "a\\2a" },
	};
	char	out[128], b1[256], b2[256], b3[256];
	size_t	i;
	int	failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(out, 'Z', sizeof(out));
		r = ldap_filter_escape(cases[i].in, out, cases[i].outlen);
		if (r != cases[i].want || strcmp(out, cases[i].out) != 0 ||
		    out[cases[i].outlen] != 'Z') {
			print_message("escape(\"%s\", %zu): got %d \"%s\", "
			    "want %d \"%s\"\n",
			    show(cases[i].in, b1, sizeof(b1)),
			    cases[i].outlen, r, show(out, b2, sizeof(b2)),
			    cases[i].want, show(cases[i].out, b3, sizeof(b3)));
			failed++;
		}
	}
	memset(out, 'Z', sizeof(out));
	r = ldap_filter_escape("a", out, 0);
	if (r != -1 || out[0] != 'Z') {
		print_message("escape outlen 0: got %d, want -1, no write\n", r);
		failed++;
	}
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_table),
		cmocka_unit_test(test_octets),
		cmocka_unit_test(test_envelope_limits),
		cmocka_unit_test(test_rcpt_table),
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_from_table),
		cmocka_unit_test(test_from_limits),
		cmocka_unit_test(test_ldap_escape),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
