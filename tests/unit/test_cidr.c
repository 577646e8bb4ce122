/*
 * test_cidr.c - unit tests of cidr.c: parsing networks and addresses,
 * sockaddr conversion, formatting, matching.
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
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "lib/cidr.h"
#include "show.h"

/* "inet", "inet6" or the number. */
static const char *
fam(int f)
{
	return (f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" :
	    f == 0 ? "0" : "?");
}

/* Networks that parse: family, prefix and network address after parsing. */
static void
test_cidr_parse_good(void **state)
{
	static const struct {
		const char	*in;
		int		 family, prefix;
		const char	*net;
	} cases[] = {
		{ "192.0.2.0/24", AF_INET, 24, "192.0.2.0" },
		{ "192.0.2.77/24", AF_INET, 24, "192.0.2.0" },
		{ "192.0.2.7", AF_INET, 32, "192.0.2.7" },
		{ "192.0.2.7/32", AF_INET, 32, "192.0.2.7" },
		{ "192.0.2.255/31", AF_INET, 31, "192.0.2.254" },
		{ "10.255.255.255/9", AF_INET, 9, "10.128.0.0" },
		{ "10.1.2.3/8", AF_INET, 8, "10.0.0.0" },
		{ "255.255.255.255/1", AF_INET, 1, "128.0.0.0" },
		{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0" },
		{ "10.1.2.3/0", AF_INET, 0, "0.0.0.0" },
		{ "2001:db8::/32", AF_INET6, 32, "2001:db8::" },
		{ "2001:DB8::/32", AF_INET6, 32, "2001:db8::" },
		{ "2001:db8:ffff::1/33", AF_INET6, 33, "2001:db8:8000::" },
		{ "2001:db8::1/128", AF_INET6, 128, "2001:db8::1" },
		{ "2001:db8::1", AF_INET6, 128, "2001:db8::1" },
		{ "::1", AF_INET6, 128, "::1" },
		{ "::/0", AF_INET6, 0, "::" },
		{ "ffff:ffff::/127", AF_INET6, 127, "ffff:ffff::" },
		{ "::ffff:10.0.0.0/104", AF_INET, 8, "10.0.0.0" },
		{ "::ffff:10.1.2.3/104", AF_INET, 8, "10.0.0.0" },
		{ "::ffff:192.0.2.7", AF_INET, 32, "192.0.2.7" },
		{ "::ffff:c000:207/120", AF_INET, 24, "192.0.2.0" },
		{ "::ffff:0.0.0.0/96", AF_INET, 0, "0.0.0.0" },
		{ "::ffff:10.0.0.0/80", AF_INET6, 80, "::" },
		{ "::ffff:10.0.0.0/95", AF_INET6, 95, "::fffe:0:0" },
	};
	struct sg_cidr	c;
	char		buf[INET6_ADDRSTRLEN];
	size_t		i;
	int		failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		r = cidr_parse(cases[i].in, &c);
		ip_format(&c.net, buf, sizeof(buf));
		if (r != 0 || c.net.family != cases[i].family ||
		    c.prefix != cases[i].prefix ||
		    strcmp(buf, cases[i].net) != 0) {
			print_message("cidr_parse(\"%s\"): got %d %s %s/%d, "
			    "want 0 %s %s/%d\n", cases[i].in, r,
			    fam(c.net.family), buf, c.prefix,
			    fam(cases[i].family), cases[i].net,
			    cases[i].prefix);
			failed++;
		}
		if (r == 0 && c.net.family == AF_INET &&
		    memcmp(c.net.a + 4, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) != 0) {
			print_message("cidr_parse(\"%s\"): got IPv4 with octets "
			    "after the 4th, want them 0\n", cases[i].in);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Networks that do not parse. */
static void
test_cidr_parse_bad(void **state)
{
	static const char *const cases[] = {
		"", "/", "/24", "192.0.2.0/", "192.0.2.0/33", "2001:db8::/129",
		"192.0.2.0/+8", "192.0.2.0/-1", "192.0.2.0/8a", "192.0.2.0/a",
		"192.0.2.0/ 8", "192.0.2.0/8 ", " 192.0.2.0/24", "192.0.2.0/24 ",
		"192.0.2.0 /24", "\t192.0.2.0/24", "192.0.2.0/24\n",
		"192.0.2.0/08", "192.0.2.0/0000", "192.0.2.0/1000",
		"192.0.2.0/99999999999999999999", "192.0.2/24", "192.0.2.256",
		"192.0.2.0/24/8", "192.0.2.0//24", "010.0.0.0/8",
		"0x0a.0.0.0/8", "10/8", "2001:db8::g/32", "2001:db8:::/32",
		"fe80::1%eth0", "fe80::1%eth0/64", "[2001:db8::]/32",
		"::ffff:10.0.0.0/129", "example.com", "example.com/24",
		"192.0.2.0/24,10.0.0.0/8",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
		"0000:0000:0000:0000:0000:ffff:255.255.255.255.0/128",
	};
	struct sg_cidr	c;
	char		b1[256];
	size_t		i;
	int		failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&c, 0x55, sizeof(c));
		r = cidr_parse(cases[i], &c);
		if (r != -1 || c.net.family != 0) {
			print_message("cidr_parse(\"%s\"): got %d family %s, "
			    "want -1 family 0\n", show(cases[i], b1,
			    sizeof(b1)), r, fam(c.net.family));
			failed++;
		}
	}
	if (cidr_parse(NULL, &c) != -1 || cidr_parse("10.0.0.0/8", NULL) != -1) {
		print_message("cidr_parse(NULL): got 0, want -1\n");
		failed++;
	}
	assert_int_equal(failed, 0);
}

/* ip_parse and ip_format. */
static void
test_ip_parse(void **state)
{
	static const struct {
		const char	*in;
		int		 want, family;
		const char	*text;
	} cases[] = {
		{ "192.0.2.7", 0, AF_INET, "192.0.2.7" },
		{ "0.0.0.0", 0, AF_INET, "0.0.0.0" },
		{ "255.255.255.255", 0, AF_INET, "255.255.255.255" },
		{ "::ffff:192.0.2.7", 0, AF_INET, "192.0.2.7" },
		{ "::FFFF:c000:0207", 0, AF_INET, "192.0.2.7" },
		{ "::1", 0, AF_INET6, "::1" },
		{ "::", 0, AF_INET6, "::" },
		{ "2001:DB8::1", 0, AF_INET6, "2001:db8::1" },
		{ "::192.0.2.7", 0, AF_INET6, "::192.0.2.7" },
		{ "64:ff9b::192.0.2.7", 0, AF_INET6, "64:ff9b::c000:207" },
		{ "", -1, 0, "" },
		{ "1.2.3", -1, 0, "" },
		{ "1.2.3.4.5", -1, 0, "" },
		{ " 1.2.3.4", -1, 0, "" },
		{ "1.2.3.4 ", -1, 0, "" },
		{ "1.2.3.4/32", -1, 0, "" },
		{ "::1/128", -1, 0, "" },
		{ "localhost", -1, 0, "" },
		{ "fe80::1%lo", -1, 0, "" },
	};
	struct sg_ip	ip;
	char		buf[INET6_ADDRSTRLEN];
	size_t		i;
	int		failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&ip, 0x55, sizeof(ip));
		r = ip_parse(cases[i].in, &ip);
		if (r != cases[i].want || ip.family != cases[i].family) {
			print_message("ip_parse(\"%s\"): got %d %s, want %d %s\n",
			    cases[i].in, r, fam(ip.family), cases[i].want,
			    fam(cases[i].family));
			failed++;
			continue;
		}
		if (r != 0)
			continue;
		ip_format(&ip, buf, sizeof(buf));
		if (strcmp(buf, cases[i].text) != 0) {
			print_message("ip_format(ip_parse(\"%s\")): got \"%s\", "
			    "want \"%s\"\n", cases[i].in, buf, cases[i].text);
			failed++;
		}
	}
	if (ip_parse(NULL, &ip) != -1 || ip.family != 0) {
		print_message("ip_parse(NULL): got 0, want -1\n");
		failed++;
	}
	assert_int_equal(failed, 0);
}

/* ip_format edge cases: unknown family, buffers too small. */
static void
test_ip_format(void **state)
{
	struct sg_ip	ip;
	char		buf[INET6_ADDRSTRLEN], big[128];
	int		failed = 0;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	if (strcmp(ip_format(&ip, buf, sizeof(buf)), "unknown") != 0) {
		print_message("format family 0: got \"%s\", want \"unknown\"\n",
		    buf);
		failed++;
	}
	if (strcmp(ip_format(NULL, buf, sizeof(buf)), "unknown") != 0) {
		print_message("format NULL: got \"%s\", want \"unknown\"\n",
		    buf);
		failed++;
	}
	assert_int_equal(ip_parse("192.0.2.7", &ip), 0);
	if (strcmp(ip_format(&ip, buf, 10), "192.0.2.7") != 0) {
		print_message("format len 10: got \"%s\", want \"192.0.2.7\"\n",
		    buf);
		failed++;
	}
	if (strcmp(ip_format(&ip, buf, 9), "unknown") != 0) {
		print_message("format len 9: got \"%s\", want \"unknown\"\n",
		    buf);
		failed++;
	}
	if (strcmp(ip_format(&ip, buf, 4), "") != 0) {
		print_message("format len 4: got \"%s\", want \"\"\n", buf);
		failed++;
	}
	memset(buf, 'Z', sizeof(buf));
	if (ip_format(&ip, buf, 0) != buf || buf[0] != 'Z') {
		print_message("format len 0: got a write, want none\n");
		failed++;
	}
	assert_int_equal(ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    &ip), 0);
	if (strcmp(ip_format(&ip, big, sizeof(big)),
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") != 0) {
		print_message("format big buffer: got \"%s\"\n", big);
		failed++;
	}
	assert_int_equal(failed, 0);
}

/*
 * IPv4 is written without inet_ntop: the same text as inet_ntop's for
 * every value of each octet (0, 9, 10, 99, 100, 255 ... in every
 * place) and every buffer length, "unknown" or "" where inet_ntop
 * finds no room, and nothing written past len.
 */
static void
test_ip_format_v4(void **state)
{
	static const char *const edges[] = {
		"0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1",
		"100.100.100.100", "99.9.199.200", "192.168.100.200",
	};
	struct sg_ip	ip;
	char		buf[INET6_ADDRSTRLEN + 8], want[INET6_ADDRSTRLEN];
	size_t		len, k;
	unsigned	v, place;
	int		failed = 0;

	(void)state;
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET;
	for (k = 0; k < NELEM(edges) + 4 * 256; k++) {
		if (k < NELEM(edges))
			assert_int_equal(ip_parse(edges[k], &ip), 0);
		else {
			/* v in one place, the others 0, 1, 255 in turn */
			v = (unsigned)(k - NELEM(edges)) % 256;
			place = (unsigned)(k - NELEM(edges)) / 256;
			memset(ip.a, v % 3 == 0 ? 0 : v % 3 == 1 ? 1 : 255, 4);
			ip.a[place] = (unsigned char)v;
		}
		for (len = 1; len <= sizeof(buf) - 8; len++) {
			memset(buf, 'Z', sizeof(buf));
			if (inet_ntop(AF_INET, ip.a, want,
			    (socklen_t)len) == NULL)
				snprintf(want, sizeof(want), "%s",
				    len > 7 ? "unknown" : "");
			ip_format(&ip, buf, len);
			if (strcmp(buf, want) != 0 || buf[len] != 'Z') {
				print_message("format %u.%u.%u.%u len %zu: got "
				    "\"%.*s\", want \"%s\"\n", ip.a[0], ip.a[1],
				    ip.a[2], ip.a[3], len, (int)len, buf, want);
				failed++;
			}
		}
	}
	assert_string_equal(ip_format(&ip, buf, 16), "0.0.0.255");
	assert_int_equal(ip_parse("255.255.255.255", &ip), 0);
	assert_string_equal(ip_format(&ip, buf, 16), "255.255.255.255");
	assert_string_equal(ip_format(&ip, buf, 15), "unknown");
	assert_int_equal(ip_parse("::ffff:192.0.2.1", &ip), 0);
	assert_string_equal(ip_format(&ip, buf, sizeof(buf)), "192.0.2.1");
	assert_int_equal(failed, 0);
}

/* ip_from_sockaddr: IPv4, IPv6, IPv4-mapped, other families. */
static void
test_sockaddr(void **state)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr_un	sun;
	struct sg_ip		ip;
	char			buf[INET6_ADDRSTRLEN];
	int			failed = 0, r;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(25);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr), 1);
	r = ip_from_sockaddr((struct sockaddr *)&sin, &ip);
	ip_format(&ip, buf, sizeof(buf));
	if (r != 0 || ip.family != AF_INET || strcmp(buf, "192.0.2.7")) {
		print_message("sockaddr_in: got %d %s %s, want 0 inet "
		    "192.0.2.7\n", r, fam(ip.family), buf);
		failed++;
	}

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr),
	    1);
	r = ip_from_sockaddr((struct sockaddr *)&sin6, &ip);
	ip_format(&ip, buf, sizeof(buf));
	if (r != 0 || ip.family != AF_INET6 || strcmp(buf, "2001:db8::1")) {
		print_message("sockaddr_in6: got %d %s %s, want 0 inet6 "
		    "2001:db8::1\n", r, fam(ip.family), buf);
		failed++;
	}

	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.7",
	    &sin6.sin6_addr), 1);
	r = ip_from_sockaddr((struct sockaddr *)&sin6, &ip);
	ip_format(&ip, buf, sizeof(buf));
	if (r != 0 || ip.family != AF_INET || strcmp(buf, "192.0.2.7")) {
		print_message("sockaddr_in6 v4-mapped: got %d %s %s, want 0 "
		    "inet 192.0.2.7\n", r, fam(ip.family), buf);
		failed++;
	}

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memset(&ip, 0x55, sizeof(ip));
	r = ip_from_sockaddr((struct sockaddr *)&sun, &ip);
	if (r != -1 || ip.family != 0) {
		print_message("sockaddr_un: got %d %s, want -1 0\n", r,
		    fam(ip.family));
		failed++;
	}
	memset(&ip, 0x55, sizeof(ip));
	r = ip_from_sockaddr(NULL, &ip);
	if (r != -1 || ip.family != 0) {
		print_message("NULL sockaddr: got %d %s, want -1 0\n", r,
		    fam(ip.family));
		failed++;
	}
	assert_int_equal(failed, 0);
}

/* cidr_match against networks: boundaries, families, prefix 0, mapped. */
static void
test_match(void **state)
{
	static const struct {
		const char	*net, *ip;
		int		 want;
	} cases[] = {
		/* a /24: first and last address, outside by one */
		{ "192.0.2.0/24", "192.0.2.0", 1 },
		{ "192.0.2.0/24", "192.0.2.255", 1 },
		{ "192.0.2.0/24", "192.0.2.77", 1 },
		{ "192.0.2.0/24", "192.0.1.255", 0 },
		{ "192.0.2.0/24", "192.0.3.0", 0 },
		{ "192.0.2.0/24", "::ffff:192.0.2.7", 1 },
		{ "192.0.2.0/24", "::ffff:192.0.3.7", 0 },
		{ "192.0.2.0/24", "::192.0.2.7", 0 },
		{ "192.0.2.0/24", "2001:db8::1", 0 },
		/* host bits in the network */
		{ "192.0.2.77/24", "192.0.2.1", 1 },
		{ "192.0.2.77/24", "192.0.3.77", 0 },
		/* odd prefixes */
		{ "192.0.2.128/25", "192.0.2.128", 1 },
		{ "192.0.2.128/25", "192.0.2.255", 1 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.0/31", "192.0.2.0", 1 },
		{ "192.0.2.0/31", "192.0.2.1", 1 },
		{ "192.0.2.0/31", "192.0.2.2", 0 },
		{ "10.0.0.0/8", "10.255.255.255", 1 },
		{ "10.0.0.0/8", "11.0.0.0", 0 },
		{ "10.0.0.0/8", "9.255.255.255", 0 },
		{ "128.0.0.0/1", "255.255.255.255", 1 },
		{ "128.0.0.0/1", "127.255.255.255", 0 },
		/* /32 */
		{ "192.0.2.7", "192.0.2.7", 1 },
		{ "192.0.2.7", "192.0.2.6", 0 },
		{ "192.0.2.7", "192.0.2.8", 0 },
		{ "192.0.2.7/32", "::ffff:192.0.2.7", 1 },
		/* prefix 0 matches its own family only */
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "0.0.0.0/0", "0.0.0.0", 1 },
		{ "0.0.0.0/0", "::ffff:203.0.113.9", 1 },
		{ "0.0.0.0/0", "::1", 0 },
		{ "::/0", "2001:db8::1", 1 },
		{ "::/0", "::", 1 },
		{ "::/0", "192.0.2.1", 0 },
		{ "::/0", "::ffff:192.0.2.1", 0 },
		/* IPv6 */
		{ "2001:db8::/32", "2001:db8::", 1 },
		{ "2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::/32", "2001:db9::", 0 },
		{ "2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0 },
		{ "2001:db8::/32", "192.0.2.1", 0 },
		{ "2001:db8::/33", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff", 1 },
		{ "2001:db8::/33", "2001:db8:8000::", 0 },
		{ "2001:db8::1/128", "2001:db8::1", 1 },
		{ "2001:db8::1/128", "2001:db8::2", 0 },
		{ "2001:db8::/127", "2001:db8::1", 1 },
		{ "2001:db8::/127", "2001:db8::2", 0 },
		{ "::1", "::1", 1 },
		{ "::1", "::2", 0 },
		{ "::1", "127.0.0.1", 0 },
		/* IPv4-mapped networks are IPv4 networks */
		{ "::ffff:10.0.0.0/104", "10.1.2.3", 1 },
		{ "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1 },
		{ "::ffff:10.0.0.0/104", "11.0.0.0", 0 },
		{ "::ffff:10.0.0.0/104", "9.255.255.255", 0 },
		{ "::ffff:0.0.0.0/96", "198.51.100.1", 1 },
		{ "::ffff:192.0.2.7", "192.0.2.7", 1 },
		{ "::ffff:192.0.2.7", "192.0.2.8", 0 },
	};
	struct sg_cidr	net;
	struct sg_ip	ip;
	size_t		i;
	int		failed = 0, r;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		if (cidr_parse(cases[i].net, &net) != 0 ||
		    ip_parse(cases[i].ip, &ip) != 0) {
			print_message("match %s %s: got a parse error, want "
			    "none\n", cases[i].net, cases[i].ip);
			failed++;
			continue;
		}
		r = cidr_match(&net, &ip);
		if (r != cases[i].want) {
			print_message("cidr_match(%s, %s): got %d, want %d\n",
			    cases[i].net, cases[i].ip, r, cases[i].want);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* cidr_match on hand-made structs: unfolded v4-mapped, zero family, NULL. */
static void
test_match_raw(void **state)
{
	struct sg_cidr	net, zero;
	struct sg_ip	ip;
	int		failed = 0;

	(void)state;
	assert_int_equal(cidr_parse("192.0.2.0/24", &net), 0);
	memset(&ip, 0, sizeof(ip));
	ip.family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.9", ip.a), 1);
	if (cidr_match(&net, &ip) != 1) {
		print_message("unfolded v4-mapped client: got 0, want 1\n");
		failed++;
	}
	memset(&ip, 0, sizeof(ip));
	if (cidr_match(&net, &ip) != 0) {
		print_message("family 0 client: got 1, want 0\n");
		failed++;
	}
	memset(&zero, 0, sizeof(zero));
	if (cidr_match(&zero, &ip) != 0) {
		print_message("family 0 net and client: got 1, want 0\n");
		failed++;
	}
	assert_int_equal(ip_parse("192.0.2.1", &ip), 0);
	net.prefix = 33;
	if (cidr_match(&net, &ip) != 0) {
		print_message("prefix 33 on IPv4: got 1, want 0\n");
		failed++;
	}
	if (cidr_match(NULL, &ip) != 0 || cidr_match(&net, NULL) != 0) {
		print_message("NULL: got 1, want 0\n");
		failed++;
	}
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidr_parse_good),
		cmocka_unit_test(test_cidr_parse_bad),
		cmocka_unit_test(test_ip_parse),
		cmocka_unit_test(test_ip_format),
		cmocka_unit_test(test_ip_format_v4),
		cmocka_unit_test(test_sockaddr),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_raw),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
