/*
 * conf_check.c - the checks of string values named in the table
 * (conf_params.c): each returns NULL, or why the value is refused.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/conf_param.h"
#include "lib/cidr.h"
#include "lib/hostport.h"

/* s made printable for a message: '?' for odd octets, "..." if cut. */
const char *
conf_quote(const char *s, char *buf, size_t len)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i] != '\0' && len >= 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* Format a reason into buf; returns -1 for the caller's return. */
int
conf_why(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* 1 if s holds white space or control characters. */
static int
has_space_or_cntrl(const char *s)
{
	for (; *s != '\0'; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

/* Check a socket: inet:, inet6:, unix: or local: and more. */
const char *
conf_check_socket(const char *v)
{
	static const char *const pfx[] = {
		"inet:", "inet6:", "unix:", "local:"
	};
	size_t	 i, n;

	for (i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		n = strlen(pfx[i]);
		if (strncmp(v, pfx[i], n) == 0 && v[n] != '\0' &&
		    !has_space_or_cntrl(v))
			return NULL;
	}
	return "expected inet:PORT@HOST, inet6:PORT@HOST, unix:/path or "
	    "local:/path";
}

/* Check a single word: no white space, no control characters. */
const char *
conf_check_plain(const char *v)
{
	if (has_space_or_cntrl(v))
		return "white space and control characters are not allowed";
	return NULL;
}

/* Check "host:port", "[v6]:port" or "unix:/path". */
const char *
conf_check_redis_address(const char *v)
{
	static const char what[] = "expected HOST:PORT, [IPV6]:PORT or "
	    "unix:/path";
	const char	*colon, *p;
	size_t		 hl;
	long		 port = 0;

	if (has_space_or_cntrl(v))
		return what;
	if (strncmp(v, "unix:", 5) == 0)
		return v[5] == '/' ? NULL : what;
	if ((colon = strrchr(v, ':')) == NULL)
		return what;
	hl = (size_t)(colon - v);
	if (v[0] == '[') {
		if (hl < 3 || v[hl - 1] != ']' || strspn(v + 1,
		    "0123456789abcdefABCDEF:.") != hl - 2)
			return what;
	} else if (hl == 0 || memchr(v, ':', hl) != NULL ||
	    memchr(v, '[', hl) != NULL || memchr(v, ']', hl) != NULL)
		return what;
	if (hl > HOST_MAX)
		return "host name too long";
	if (colon[1] == '\0')
		return what;
	for (p = colon + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			return what;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return "port out of range 1..65535";
	return NULL;
}

/* redis_sentinels: HOST:PORT or [IPV6]:PORT items, 1 to 16. */
const char *
conf_check_sentinels(const char *v)
{
	char		 host[HOST_MAX + 1];
	size_t		 len, n = 0;
	int		 port;

	for (;;) {
		v += strspn(v, " \t");
		if (*v == '\0')
			break;
		len = strcspn(v, " \t");
		if (hostport_split(v, len, host, sizeof(host), &port) == -1)
			return "expected HOST:PORT or [IPV6]:PORT items, "
			    "separated by blanks";
		if (++n > 16)
			return "more than 16 sentinels";
		v += len;
	}
	return NULL;
}

/* Check a key prefix: short, no white space, braces or controls. */
const char *
conf_check_redis_prefix(const char *v)
{
	if (strlen(v) > PREFIX_MAX || has_space_or_cntrl(v) ||
	    strpbrk(v, "{}") != NULL)
		return "expected up to 64 octets without white space, braces "
		    "or control characters";
	return NULL;
}

/* 1 if path is a regular file that starts like a TZif zone file. */
static int
is_zonefile(const char *path)
{
	char		 magic[4];
	struct stat	 st;
	int		 fd, ok;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "TZif", sizeof(magic)) == 0;
	close(fd);
	return ok;
}

/* Check a time zone: UTC or a zone file under ZONEINFO_DIR. */
const char *
conf_check_timezone(const char *v)
{
	char	 path[PATH_MAX];
	int	 n;

	if (strcmp(v, "UTC") == 0)
		return NULL;
	if (v[0] == '/' || strstr(v, "..") != NULL || has_space_or_cntrl(v))
		return "expected UTC or a zoneinfo name like Europe/Berlin";
	n = snprintf(path, sizeof(path), "%s/%s", ZONEINFO_DIR, v);
	if (n < 0 || (size_t)n >= sizeof(path) || !is_zonefile(path))
		return "no such time zone under " ZONEINFO_DIR;
	return NULL;
}

/* Check a mailbox: "" or local@domain without white space or controls. */
const char *
conf_check_address(const char *v)
{
	const char	*at;

	if (*v == '\0')
		return NULL;
	at = strrchr(v, '@');
	if (strlen(v) > ADDRESS_MAX || has_space_or_cntrl(v) || at == NULL ||
	    at == v || at[1] == '\0' || strpbrk(v, "<>") != NULL)
		return "expected an address like archive@example.com";
	return NULL;
}

/* Check "" or HOST:PORT / [IPV6]:PORT (a TCP address, no unix:). */
const char *
conf_check_tcp_address(const char *v)
{
	if (*v == '\0')
		return NULL;
	if (strncmp(v, "unix:", 5) == 0)
		return "expected HOST:PORT or [IPV6]:PORT, or nothing";
	return conf_check_redis_address(v);
}

/* The quota_warn list: percentages, ascending. */
int
conf_quota_warn(const char *v, int pct[SG_WARN_MAX])
{
	char	*end;
	long	 p;
	int	 n = 0;

	for (;;) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v == '\0')
			return n;
		if (*v < '0' || *v > '9' || n == SG_WARN_MAX)
			return -1;
		p = strtol(v, &end, 10);
		if (p < 1 || p > 1000 || (*end != '\0' && *end != ' ' &&
		    *end != '\t') || (n > 0 && p <= pct[n - 1]))
			return -1;
		pct[n++] = (int)p;
		v = end;
	}
}

/* Check quota_warn. */
const char *
conf_check_quota_warn(const char *v)
{
	int	 pct[SG_WARN_MAX];

	if (conf_quota_warn(v, pct) == -1)
		return "expected up to 8 percentages from 1 to 1000, "
		    "ascending, like \"80 100\", or nothing";
	return NULL;
}

/* Check default_send_rate. */
const char *
conf_check_send_rate(const char *v)
{
	struct sg_rate	 r[SG_RATES_MAX];

	if (rate_parse_list(v, r) == -1)
		return "expected up to 4 rates N/T (N from 1 to 100000, T a "
		    "number of m, h or d up to 31d), like \"100/1m 2000/1h\", "
		    "or nothing";
	return NULL;
}

/* Check bounce_rate_limits and complaint_rate_limits. */
const char *
conf_check_rep_limits(const char *v)
{
	struct rep_limits	 l;

	if (rep_limits_parse(v, &l) == -1)
		return "expected two percentages, warn then suspend, like "
		    "\"5% 10%\"";
	return NULL;
}

/* The parsed forms of the rate keys (checked already). */
void
conf_parse_rates(struct sg_conf *c)
{
	int	 n;

	n = rate_parse_list(c->default_send_rate, c->default_rates);
	c->ndefault_rates = n > 0 ? n : 0;
	if (rep_limits_parse(c->bounce_rate_limits, &c->bounce_limits) == -1)
		(void)rep_limits_parse("5% 10%", &c->bounce_limits);
	if (rep_limits_parse(c->complaint_rate_limits,
	    &c->complaint_limits) == -1)
		(void)rep_limits_parse("0.1% 0.5%", &c->complaint_limits);
}

/* reputation_window in days. */
long
conf_reputation_days(const struct sg_conf *c)
{
	long	 d = c->reputation_window / DAY;

	return d > 0 ? d : 1;
}

/* Check customer_smtp_hosts (conf_customer.c). */
const char *
conf_check_customer_hosts(const char *v)
{
	const char	*reason;

	return conf_customer_hosts(v, &reason) == -1 ? reason : NULL;
}

/* Check customer_ports alone; finish() checks it against the listeners. */
const char *
conf_check_customer_ports(const char *v)
{
	struct sg_port	 p[SG_PORTS_MAX];
	const char	*reason;

	return conf_customer_ports(v, p, &reason) == -1 ? reason : NULL;
}

/* Check a pid file: "" or an absolute path without controls or blanks. */
const char *
conf_check_pid_file(const char *v)
{
	if (*v == '\0')
		return NULL;
	if (v[0] != '/' || has_space_or_cntrl(v) || strlen(v) >= PATH_MAX)
		return "expected an absolute path like "
		    "/run/sendergate/sendergate.pid, or nothing";
	return NULL;
}

/* Check relay_addresses (conf_dns.c). */
const char *
conf_check_relay_addresses(const char *v)
{
	struct sg_ip	 ips[SG_RELAY_ADDRS_MAX];
	const char	*reason;

	return conf_relay_addresses(v, ips, &reason) == -1 ? reason : NULL;
}

/* Check dns_resolver (conf_dns.c). */
const char *
conf_check_dns_resolver(const char *v)
{
	const char	*reason;
	char		 host[64];
	int		 port;

	return conf_dns_resolver(v, host, sizeof(host), &port, &reason) ==
	    -1 ? reason : NULL;
}
