/*
 * conf.c - read sendergate.conf: "name = value" lines, like Postfix main.cf.
 *
 * Every key is one row of params[]: its name, its type, where it lives in
 * struct sg_conf, its default (text, parsed exactly like a value from the
 * file), bounds for times and integers, the words of an enumeration, and
 * a check for strings. conf_defaults(), the parser and conf_free() walk
 * the table; no other code knows the keys.
 *
 * The file: a line whose first non-blank is '#' is a comment, blank lines
 * are ignored, a line that starts with white space continues the previous
 * parameter's value (joined with one space). Errors name the file and the
 * line where the parameter starts. Password files named by the
 * *_password_file keys are read once the whole file has been parsed.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "lib/conf.h"
#include "lib/cidr.h"
#include "lib/hostport.h"
#include "lib/log.h"

#define CONF_LINE_MAX	4096		/* octets of one physical line */
#define CONF_LOGICAL_MAX 65536		/* a parameter with its continuations */
#define PASSWORD_MAX	1024		/* octets of a password */
#define PREFIX_MAX	64		/* redis_prefix */
#define ADDRESS_MAX	254		/* archive_address */
#define HOST_MAX	255		/* host part of redis_address */
#define ZONEINFO_DIR	"/usr/share/zoneinfo"
#define WHY_MAX		512		/* one reason, before "FILE:LINE: " */
#define QUOTE_MAX	80		/* a value quoted in a message */

#define MSEC	1LL
#define SEC	(1000 * MSEC)
#define MIN	(60 * SEC)
#define HOUR	(60 * MIN)
#define DAY	(24 * HOUR)

/* default_monthly_limit: 10^12, or less where long is 32 bits */
#define LIMIT_MAX	(LONG_MAX < 1000000000000LL ? (long long)LONG_MAX : \
			    1000000000000LL)

enum ptype {
	T_STR,				/* char *; "" when empty */
	T_TIME,				/* long, milliseconds */
	T_INT,				/* long */
	T_MODE,				/* long, octal digits (file modes) */
	T_ENUM,				/* int, from words */
	T_BOOL,				/* int, yes = 1, no = 0 */
	T_URIS,				/* char **, NULL-ended; aux: size_t */
	T_LISTENERS			/* struct sg_listener *; aux: size_t */
};

#define F_NONEMPTY	0x01		/* T_STR: "" is a bad value */
#define F_SECRET	0x02		/* T_STR: password file; aux: char * */

struct word {
	const char	*word;
	int		 value;
	const char	*refusal;	/* non-NULL: known but refused, why */
};

struct param {
	const char	*name;
	enum ptype	 type;
	size_t		 off;		/* the field in struct sg_conf */
	const char	*dflt;		/* NULL: none, the file must set it */
	long long	 min, max;	/* T_TIME (ms), T_INT */
	const struct word *words;	/* T_ENUM; ends with a NULL word */
	const char	*(*check)(const char *);	/* T_STR; NULL or why */
	size_t		 aux;		/* second field, see enum ptype, F_* */
	int		 flags;
};

static const char *check_socket(const char *);
static const char *check_plain(const char *);
static const char *check_redis_address(const char *);
static const char *check_redis_prefix(const char *);
static const char *check_sentinels(const char *);
static const char *check_timezone(const char *);
static const char *check_address(const char *);
static const char *check_pid_file(const char *);
static const char *check_tcp_address(const char *);
static const char *check_quota_warn(const char *);
static const char *check_customer_hosts(const char *);
static const char *check_customer_ports(const char *);
static const char *check_relay_addresses(const char *);
static const char *check_dns_resolver(const char *);

static const struct word ldap_modes[] = {
	{ "query", LDAP_MODE_QUERY, NULL },
	{ "mirror", LDAP_MODE_MIRROR, NULL },
	{ NULL, 0, NULL }
};
static const struct word methods[] = {
	{ "smtp", METHOD_SMTP, NULL },
	{ "campaign", METHOD_CAMPAIGN, NULL },
	{ NULL, 0, NULL }
};
static const struct word quota_units[] = {
	{ "message", QUOTA_MESSAGE, NULL },
	{ "recipient", QUOTA_RECIPIENT, NULL },
	{ NULL, 0, NULL }
};
static const struct word prechecks[] = {
	{ "always", PRECHECK_ALWAYS, NULL },
	{ "known", PRECHECK_KNOWN, NULL },
	{ NULL, 0, NULL }
};
static const struct word from_policies[] = {
	{ "registered", FROM_REGISTERED, NULL },
	{ "exact", FROM_EXACT, NULL },
	{ "domain", FROM_DOMAIN, NULL },
	{ "off", FROM_OFF, NULL },
	{ NULL, 0, NULL }
};
static const struct word reject_accept[] = {
	{ "reject", ACT_REJECT, NULL },
	{ "accept", ACT_ACCEPT, NULL },
	{ NULL, 0, NULL }
};
static const struct word tempfail_accept_reject[] = {
	{ "tempfail", ACT_TEMPFAIL, NULL },
	{ "accept", ACT_ACCEPT, NULL },
	{ "reject", ACT_REJECT, NULL },
	{ NULL, 0, NULL }
};
static const struct word tempfail_accept[] = {
	{ "tempfail", ACT_TEMPFAIL, NULL },
	{ "accept", ACT_ACCEPT, NULL },
	{ NULL, 0, NULL }
};
static const struct word tempfail_reject[] = {
	{ "tempfail", ACT_TEMPFAIL, NULL },
	{ "reject", ACT_REJECT, NULL },
	{ NULL, 0, NULL }
};
static const struct word suppressions[] = {
	{ "campaign", SUPPRESS_CAMPAIGN, NULL },
	{ "all", SUPPRESS_ALL, NULL },
	{ "off", SUPPRESS_OFF, NULL },
	{ NULL, 0, NULL }
};
static const struct word log_levels[] = {
	{ "error", LOG_LVL_ERROR, NULL },
	{ "warning", LOG_LVL_WARNING, NULL },
	{ "info", LOG_LVL_INFO, NULL },
	{ "debug", LOG_LVL_DEBUG, NULL },
	{ NULL, 0, NULL }
};
static const struct word facilities[] = {
	{ "mail", LOG_MAIL, NULL },
	{ "daemon", LOG_DAEMON, NULL },
	{ "user", LOG_USER, NULL },
	{ "local0", LOG_LOCAL0, NULL },
	{ "local1", LOG_LOCAL1, NULL },
	{ "local2", LOG_LOCAL2, NULL },
	{ "local3", LOG_LOCAL3, NULL },
	{ "local4", LOG_LOCAL4, NULL },
	{ "local5", LOG_LOCAL5, NULL },
	{ "local6", LOG_LOCAL6, NULL },
	{ "local7", LOG_LOCAL7, NULL },
	{ NULL, 0, NULL }
};

#define OFF(f)	offsetof(struct sg_conf, f)
#define P_STR(f, d, chk, fl) \
	{ #f, T_STR, OFF(f), d, 0, 0, NULL, chk, 0, fl }
#define P_SECRET(f, secret) \
	{ #f, T_STR, OFF(f), "", 0, 0, NULL, NULL, OFF(secret), F_SECRET }
#define P_TIME(f, d, lo, hi) \
	{ #f, T_TIME, OFF(f), d, lo, hi, NULL, NULL, 0, 0 }
#define P_INT(f, d, lo, hi) \
	{ #f, T_INT, OFF(f), d, lo, hi, NULL, NULL, 0, 0 }
#define P_MODE(f, d, hi) \
	{ #f, T_MODE, OFF(f), d, 0, hi, NULL, NULL, 0, 0 }
#define P_ENUM(f, d, w) \
	{ #f, T_ENUM, OFF(f), d, 0, 0, w, NULL, 0, 0 }
#define P_BOOL(f, d) \
	{ #f, T_BOOL, OFF(f), d, 0, 0, NULL, NULL, 0, 0 }
#define P_LIST(name, t, f, n, d) \
	{ name, t, OFF(f), d, 0, 0, NULL, NULL, OFF(n), 0 }

/* The keys. Names equal the fields, except listener_methods. */
static const struct param params[] = {
	P_STR(socket, "inet:8891@127.0.0.1", check_socket, F_NONEMPTY),
	P_STR(user, "", check_plain, 0),
	P_MODE(socket_mode, "0660", 0777),
	P_STR(socket_group, "", check_plain, 0),

	P_LIST("ldap_uri", T_URIS, ldap_uri, ldap_nuri, "ldap://127.0.0.1/"),
	P_STR(ldap_base, NULL, NULL, F_NONEMPTY),
	P_STR(ldap_bind_dn, "", NULL, 0),
	P_SECRET(ldap_bind_password_file, ldap_bind_password),
	P_BOOL(ldap_starttls, "no"),
	P_STR(ldap_ca_file, "", NULL, 0),
	P_TIME(ldap_timeout, "2s", 1 * MSEC, 10 * MIN),
	P_ENUM(ldap_mode, "mirror", ldap_modes),
	P_TIME(mirror_max_stale, "1h", 0, 7 * DAY),
	P_TIME(cache_ttl, "60s", 0, 1 * DAY),
	P_TIME(negative_cache_ttl, "10s", 0, 1 * DAY),
	P_TIME(cache_max_stale, "1h", 0, 7 * DAY),

	P_STR(redis_address, "127.0.0.1:6379", check_redis_address,
	    F_NONEMPTY),
	P_SECRET(redis_password_file, redis_password),
	P_INT(redis_db, "0", 0, 1000000),
	P_STR(redis_prefix, "sg", check_redis_prefix, F_NONEMPTY),
	P_TIME(redis_timeout, "250ms", 1 * MSEC, 1 * MIN),
	P_STR(redis_sentinels, "", check_sentinels, 0),
	P_STR(redis_master_name, "", check_plain, 0),
	P_SECRET(redis_sentinel_password_file, redis_sentinel_password),
	P_INT(redis_wait_replicas, "0", 0, 16),
	P_TIME(redis_wait_timeout, "100ms", 1 * MSEC, 10 * SEC),
	P_TIME(dedupe_window, "24h", 0, 30 * DAY),
	P_INT(dedupe_max_retries, "1", 0, 100),

	P_LIST("listener_methods", T_LISTENERS, listeners, nlisteners, ""),
	P_ENUM(default_access_method, "smtp", methods),
	P_INT(default_monthly_limit, "0", 0, LIMIT_MAX),
	P_ENUM(quota_unit, "message", quota_units),
	P_ENUM(quota_precheck, "always", prechecks),
	P_STR(quota_timezone, "UTC", check_timezone, F_NONEMPTY),
	P_ENUM(header_from_policy, "registered", from_policies),
	P_BOOL(campaign_require_unsubscribe, "yes"),
	P_STR(archive_address, "", check_address, 0),

	P_ENUM(null_sender, "reject", reject_accept),
	P_ENUM(on_directory_error, "tempfail", tempfail_accept_reject),
	P_ENUM(on_counter_error, "tempfail", tempfail_accept),
	P_ENUM(on_suspended, "tempfail", tempfail_reject),
	P_ENUM(on_quota_exceeded, "tempfail", tempfail_reject),
	P_ENUM(log_level, "info", log_levels),
	P_ENUM(syslog_facility, "mail", facilities),
	P_STR(syslog_name, "sendergate", check_plain, F_NONEMPTY),
	P_STR(pid_file, "/run/sendergate/sendergate.pid", check_pid_file, 0),

	P_BOOL(reply_to_require_verified, "yes"),
	P_ENUM(suppression, "campaign", suppressions),
	P_TIME(suppression_ttl, "90d", 0, 3650 * DAY),
	P_TIME(bounce_window, "6d", 0, 60 * DAY),
	P_STR(metrics_address, "", check_tcp_address, 0),
	P_STR(quota_warn, "80 100", check_quota_warn, 0),
	P_STR(notify_relay, "", check_tcp_address, 0),
	P_STR(notify_from, "", check_address, 0),
	P_STR(notify_operator, "", check_address, 0),

	/* read by sendergatectl sender sheet only (conf_customer.c) */
	P_STR(customer_smtp_hosts, "", check_customer_hosts, 0),
	P_STR(customer_ports, "", check_customer_ports, 0),

	/* domain validation: sendergatectl domain token / check; rule 13d */
	P_SECRET(domain_token_secret_file, domain_token_secret),
	P_STR(relay_addresses, "", check_relay_addresses, 0),
	P_STR(dns_resolver, "", check_dns_resolver, 0),
	P_BOOL(campaign_require_dmarc, "no"),
};

#define NPARAMS	(sizeof(params) / sizeof(params[0]))

struct parser {				/* state of one conf_load() */
	const char	*path;
	struct sg_conf	*c;
	int		 seen[NPARAMS];	/* line that set each key; 0 = unset */
	char		*err;
	size_t		 errlen;
};

enum { RL_OK, RL_EOF, RL_LONG, RL_NUL, RL_ERROR };

static int	perr(struct parser *, int, const char *, ...) SG_PRINTF(3, 4);
static int	why(char *, size_t, const char *, ...) SG_PRINTF(3, 4);

/* Address of the field at offset off in c. */
static void *
field(struct sg_conf *c, size_t off)
{
	return (char *)c + off;
}

/* The same, read-only. */
static const void *
cfield(const struct sg_conf *c, size_t off)
{
	return (const char *)c + off;
}

/* Is ch white space (the C locale's isspace)? */
static int
is_space(int ch)
{
	return isspace((unsigned char)ch);
}

/* 1 if s holds white space or control characters. */
static int
has_space_or_cntrl(const char *s)
{
	for (; *s != '\0'; s++)
		if (is_space(*s) || iscntrl((unsigned char)*s))
			return 1;
	return 0;
}

/* Strip white space from both ends of s, in place; returns the start. */
static char *
trim(char *s)
{
	char	*e;

	while (is_space(*s))
		s++;
	e = s + strlen(s);
	while (e > s && is_space(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* s made printable for a message: '?' for odd octets, "..." if cut. */
static const char *
quote(const char *s, char *buf, size_t len)
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
static int
why(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* Report "FILE:LINE: reason" (or "FILE: reason" for line 0); returns -1. */
static int
perr(struct parser *ps, int line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (line > 0)
		n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->path, line);
	else
		n = snprintf(ps->err, ps->errlen, "%s: ", ps->path);
	if (n < 0 || (size_t)n >= ps->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Check a socket: inet:, inet6:, unix: or local: and more. */
static const char *
check_socket(const char *v)
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
static const char *
check_plain(const char *v)
{
	if (has_space_or_cntrl(v))
		return "white space and control characters are not allowed";
	return NULL;
}

/* Check "host:port", "[v6]:port" or "unix:/path". */
static const char *
check_redis_address(const char *v)
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
static const char *
check_sentinels(const char *v)
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
static const char *
check_redis_prefix(const char *v)
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
static const char *
check_timezone(const char *v)
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
static const char *
check_address(const char *v)
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
static const char *
check_tcp_address(const char *v)
{
	if (*v == '\0')
		return NULL;
	if (strncmp(v, "unix:", 5) == 0)
		return "expected HOST:PORT or [IPV6]:PORT, or nothing";
	return check_redis_address(v);
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
static const char *
check_quota_warn(const char *v)
{
	int	 pct[SG_WARN_MAX];

	if (conf_quota_warn(v, pct) == -1)
		return "expected up to 8 percentages from 1 to 1000, "
		    "ascending, like \"80 100\", or nothing";
	return NULL;
}

/* Check customer_smtp_hosts (conf_customer.c). */
static const char *
check_customer_hosts(const char *v)
{
	const char	*reason;

	return conf_customer_hosts(v, &reason) == -1 ? reason : NULL;
}

/* Check customer_ports alone; finish() checks it against the listeners. */
static const char *
check_customer_ports(const char *v)
{
	struct sg_port	 p[SG_PORTS_MAX];
	const char	*reason;

	return conf_customer_ports(v, p, &reason) == -1 ? reason : NULL;
}

/* Check relay_addresses (conf_dns.c). */
static const char *
check_relay_addresses(const char *v)
{
	struct sg_ip	 ips[SG_RELAY_ADDRS_MAX];
	const char	*reason;

	return conf_relay_addresses(v, ips, &reason) == -1 ? reason : NULL;
}

/* Check dns_resolver (conf_dns.c). */
static const char *
check_dns_resolver(const char *v)
{
	const char	*reason;
	char		 host[64];
	int		 port;

	return conf_dns_resolver(v, host, sizeof(host), &port, &reason) ==
	    -1 ? reason : NULL;
}

/* Check a pid file: "" or an absolute path without controls or blanks. */
static const char *
check_pid_file(const char *v)
{
	if (*v == '\0')
		return NULL;
	if (v[0] != '/' || has_space_or_cntrl(v) || strlen(v) >= PATH_MAX)
		return "expected an absolute path like "
		    "/run/sendergate/sendergate.pid, or nothing";
	return NULL;
}

/*
 * Parse a time: digits and a suffix ms, s, m, h or d; bare digits are
 * seconds. 0 with *ms set (LLONG_MAX on overflow), or -1 on bad syntax.
 */
static int
parse_time(const char *s, long long *ms)
{
	static const struct { const char *sfx; long long mult; } units[] = {
		{ "", SEC }, { "ms", MSEC }, { "s", SEC }, { "m", MIN },
		{ "h", HOUR }, { "d", DAY }
	};
	long long	 v = 0;
	size_t		 i;
	int		 over = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			over = 1;
		else
			v = v * 10 + (*s - '0');
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s, units[i].sfx) != 0)
			continue;
		if (over || v > LLONG_MAX / units[i].mult)
			*ms = LLONG_MAX;
		else
			*ms = v * units[i].mult;
		return 0;
	}
	return -1;
}

/* Parse a non-negative decimal; 0 (LLONG_MAX on overflow) or -1. */
static int
parse_int(const char *s, long long *out)
{
	long long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (v > (LLONG_MAX - (*s - '0')) / 10)
			v = LLONG_MAX;
		else
			v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Parse octal digits (a file mode); 0 (LLONG_MAX on overflow) or -1. */
static int
parse_octal(const char *s, long long *out)
{
	long long	 v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		if (v > (LLONG_MAX - (*s - '0')) / 8)
			v = LLONG_MAX;
		else
			v = v * 8 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Write a millisecond count in its largest exact unit, into buf. */
static const char *
fmt_time(long long ms, char *buf, size_t len)
{
	static const struct { const char *sfx; long long mult; } units[] = {
		{ "d", DAY }, { "h", HOUR }, { "m", MIN }, { "s", SEC }
	};
	size_t	 i;

	if (ms == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].mult == 0) {
			snprintf(buf, len, "%lld%s", ms / units[i].mult,
			    units[i].sfx);
			return buf;
		}
	snprintf(buf, len, "%lldms", ms);
	return buf;
}

/* "a, b or c": the words of an enumeration that are not refused. */
static const char *
fmt_words(const struct word *w, char *buf, size_t len)
{
	size_t	 i, n = 0, k = 0, at = 0;
	int	 r;

	for (i = 0; w[i].word != NULL; i++)
		if (w[i].refusal == NULL)
			n++;
	buf[0] = '\0';
	for (i = 0; w[i].word != NULL; i++) {
		if (w[i].refusal != NULL)
			continue;
		r = snprintf(buf + at, len - at, "%s%s", k == 0 ? "" :
		    k + 1 == n ? " or " : ", ", w[i].word);
		k++;
		if (r < 0 || (size_t)r >= len - at)
			break;
		at += (size_t)r;
	}
	return buf;
}

/* Free a NULL-terminated string array. */
static void
free_strv(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Free a listener array of n items. */
static void
free_listeners(struct sg_listener *l, size_t n)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++)
		free(l[i].name);
	free(l);
}

/* Wipe and free a secret; *s becomes NULL. */
static void
free_secret(char **s)
{
	if (*s == NULL)
		return;
	explicit_bzero(*s, strlen(*s));
	free(*s);
	*s = NULL;
}

/* "bad value "V" for NAME: reason" into buf; returns -1. */
static int
bad_value(char *buf, size_t len, const struct param *p, const char *value,
    const char *reason)
{
	char	 q[QUOTE_MAX];

	return why(buf, len, "bad value \"%s\" for %s: %s",
	    quote(value, q, sizeof(q)), p->name, reason);
}

/* Set a T_URIS value: one or more ldap://, ldaps://, ldapi:// URIs. */
static int
set_uris(const struct param *p, struct sg_conf *c, const char *value,
    char *buf, size_t len)
{
	static const char what[] = "expected ldap://, ldaps:// or ldapi:// "
	    "URIs";
	char		*copy, *tok, *save = NULL, **v = NULL, **nv, ***dst;
	size_t		 n = 0;

	if ((copy = strdup(value)) == NULL)
		return why(buf, len, "out of memory");
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strncasecmp(tok, "ldap://", 7) != 0 &&
		    strncasecmp(tok, "ldaps://", 8) != 0 &&
		    strncasecmp(tok, "ldapi://", 8) != 0) {
			bad_value(buf, len, p, tok, what);
			goto fail;
		}
		if ((nv = reallocarray(v, n + 2, sizeof(*v))) == NULL) {
			why(buf, len, "out of memory");
			goto fail;
		}
		v = nv;
		if ((v[n] = strdup(tok)) == NULL) {
			why(buf, len, "out of memory");
			goto fail;
		}
		v[++n] = NULL;
	}
	if (n == 0) {
		bad_value(buf, len, p, "", what);
		goto fail;
	}
	free(copy);
	dst = field(c, p->off);
	free_strv(*dst);
	*dst = v;
	*(size_t *)field(c, p->aux) = n;
	return 0;
fail:
	free(copy);
	free_strv(v);
	return -1;
}

/* Set a T_LISTENERS value: NAME:METHOD items, spaces or commas between. */
static int
set_listeners(const struct param *p, struct sg_conf *c, const char *value,
    char *buf, size_t len)
{
	char			 q[QUOTE_MAX], w[64], reason[128];
	char			*copy, *tok, *save = NULL, *colon;
	struct sg_listener	*l = NULL, *nl, **dst;
	size_t			 n = 0, i, m, *np;

	if ((copy = strdup(value)) == NULL)
		return why(buf, len, "out of memory");
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		colon = strchr(tok, ':');
		if (colon == NULL || colon == tok)
			goto bad;
		*colon++ = '\0';
		for (m = 0; methods[m].word != NULL; m++)
			if (strcmp(colon, methods[m].word) == 0)
				break;
		if (methods[m].word == NULL) {
			colon[-1] = ':';
			goto bad;
		}
		for (i = 0; i < n; i++)
			if (strcmp(l[i].name, tok) == 0) {
				why(buf, len, "duplicate listener \"%s\" in %s",
				    quote(tok, q, sizeof(q)), p->name);
				goto fail;
			}
		if ((nl = reallocarray(l, n + 1, sizeof(*l))) == NULL) {
			why(buf, len, "out of memory");
			goto fail;
		}
		l = nl;
		l[n].method = methods[m].value;
		if ((l[n].name = strdup(tok)) == NULL) {
			why(buf, len, "out of memory");
			goto fail;
		}
		n++;
	}
	free(copy);
	dst = field(c, p->off);
	np = field(c, p->aux);
	free_listeners(*dst, *np);
	*dst = l;
	*np = n;
	return 0;
bad:
	snprintf(reason, sizeof(reason), "expected NAME:METHOD items with "
	    "METHOD %s", fmt_words(methods, w, sizeof(w)));
	bad_value(buf, len, p, tok, reason);
fail:
	free(copy);
	free_listeners(l, n);
	return -1;
}

/* Parse value for p into c. 0, or -1 with the reason in buf. */
static int
set_value(const struct param *p, struct sg_conf *c, const char *value,
    char *buf, size_t len)
{
	char		 lo[32], hi[32], w[128], reason[192];
	const char	*bad;
	char		*s, **sp;
	long long	 v;
	size_t		 i;

	switch (p->type) {
	case T_STR:
		if ((p->flags & F_NONEMPTY) && *value == '\0')
			return bad_value(buf, len, p, value,
			    "must not be empty");
		if (p->check != NULL && (bad = p->check(value)) != NULL)
			return bad_value(buf, len, p, value, bad);
		if ((s = strdup(value)) == NULL)
			return why(buf, len, "out of memory");
		sp = field(c, p->off);
		free(*sp);
		*sp = s;
		return 0;
	case T_TIME:
		if (parse_time(value, &v) == -1)
			return bad_value(buf, len, p, value,
			    "expected a time like 2s or 250ms");
		if (v < p->min || v > p->max) {
			snprintf(reason, sizeof(reason), "out of range %s..%s",
			    fmt_time(p->min, lo, sizeof(lo)),
			    fmt_time(p->max, hi, sizeof(hi)));
			return bad_value(buf, len, p, value, reason);
		}
		*(long *)field(c, p->off) = (long)v;
		return 0;
	case T_INT:
		if (parse_int(value, &v) == -1)
			return bad_value(buf, len, p, value,
			    "expected a non-negative integer");
		if (v < p->min || v > p->max) {
			snprintf(reason, sizeof(reason), "out of range "
			    "%lld..%lld", p->min, p->max);
			return bad_value(buf, len, p, value, reason);
		}
		*(long *)field(c, p->off) = (long)v;
		return 0;
	case T_MODE:
		if (parse_octal(value, &v) == -1)
			return bad_value(buf, len, p, value,
			    "expected an octal mode like 0660");
		if (v > p->max) {
			snprintf(reason, sizeof(reason), "out of range "
			    "0..%llo", p->max);
			return bad_value(buf, len, p, value, reason);
		}
		*(long *)field(c, p->off) = (long)v;
		return 0;
	case T_ENUM:
		for (i = 0; p->words[i].word != NULL; i++)
			if (strcmp(value, p->words[i].word) == 0)
				break;
		if (p->words[i].word == NULL) {
			snprintf(reason, sizeof(reason), "expected %s",
			    fmt_words(p->words, w, sizeof(w)));
			return bad_value(buf, len, p, value, reason);
		}
		if (p->words[i].refusal != NULL)
			return why(buf, len, "%s = %s %s", p->name,
			    p->words[i].word, p->words[i].refusal);
		*(int *)field(c, p->off) = p->words[i].value;
		return 0;
	case T_BOOL:
		if (strcmp(value, "yes") == 0)
			*(int *)field(c, p->off) = 1;
		else if (strcmp(value, "no") == 0)
			*(int *)field(c, p->off) = 0;
		else
			return bad_value(buf, len, p, value,
			    "expected yes or no");
		return 0;
	case T_URIS:
		return set_uris(p, c, value, buf, len);
	case T_LISTENERS:
		return set_listeners(p, c, value, buf, len);
	}
	return why(buf, len, "%s: unknown parameter type", p->name);
}

/* Free what p's field (and its secret) holds in c. */
static void
free_value(const struct param *p, struct sg_conf *c)
{
	char	**sp;

	switch (p->type) {
	case T_STR:
		sp = field(c, p->off);
		free(*sp);
		*sp = NULL;
		if (p->flags & F_SECRET)
			free_secret(field(c, p->aux));
		break;
	case T_URIS:
		free_strv(*(char ***)field(c, p->off));
		*(char ***)field(c, p->off) = NULL;
		*(size_t *)field(c, p->aux) = 0;
		break;
	case T_LISTENERS:
		free_listeners(*(struct sg_listener **)field(c, p->off),
		    *(size_t *)field(c, p->aux));
		*(struct sg_listener **)field(c, p->off) = NULL;
		*(size_t *)field(c, p->aux) = 0;
		break;
	default:
		break;
	}
}

/* Set p's pointers in c to NULL without freeing (c is a shallow copy). */
static void
clear_pointers(const struct param *p, struct sg_conf *c)
{
	switch (p->type) {
	case T_STR:
		*(char **)field(c, p->off) = NULL;
		if (p->flags & F_SECRET)
			*(char **)field(c, p->aux) = NULL;
		break;
	case T_URIS:
		*(char ***)field(c, p->off) = NULL;
		break;
	case T_LISTENERS:
		*(struct sg_listener **)field(c, p->off) = NULL;
		*(size_t *)field(c, p->aux) = 0;
		break;
	default:
		break;
	}
}

/* Set every key of a zeroed *c to its default. 0, or -1 with buf. */
static int
apply_defaults(struct sg_conf *c, char *buf, size_t len)
{
	char	**sp;
	size_t	 i;

	for (i = 0; i < NPARAMS; i++) {
		if (params[i].dflt != NULL) {
			if (set_value(&params[i], c, params[i].dflt, buf,
			    len) == -1)
				return -1;
			continue;
		}
		/* No default: the file must set it; "" until then. */
		sp = field(c, params[i].off);
		if ((*sp = strdup("")) == NULL)
			return why(buf, len, "out of memory");
	}
	return 0;
}

/*
 * Read the first line of a password file into *out (malloc'd; the caller
 * wipes and frees it). Refuses files that are not regular, or that others
 * may read, or that group or others may write. 0, or -1 with buf.
 */
static int
read_secret(const char *file, char **out, char *buf, size_t len)
{
	char		 data[PASSWORD_MAX + 2];
	struct stat	 st;
	const char	*nl;
	size_t		 n = 0, pl;
	ssize_t		 r;
	int		 fd, ret = -1;

	fd = open(file, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return why(buf, len, "cannot open password file %s: %s", file,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		why(buf, len, "cannot stat password file %s: %s", file,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		why(buf, len, "password file %s is not a regular file", file);
		goto out;
	}
	if (st.st_mode & S_IROTH) {
		why(buf, len, "password file %s is readable by others "
		    "(chmod o-r)", file);
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		why(buf, len, "password file %s is writable by group or "
		    "others (chmod go-w)", file);
		goto out;
	}
	while (n < sizeof(data) && memchr(data, '\n', n) == NULL) {
		if ((r = read(fd, data + n, sizeof(data) - n)) == -1) {
			if (errno == EINTR)
				continue;
			why(buf, len, "cannot read password file %s: %s", file,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if ((nl = memchr(data, '\n', n)) != NULL)
		pl = (size_t)(nl - data);
	else if (n == sizeof(data)) {
		why(buf, len, "password file %s: first line longer than %d "
		    "octets", file, PASSWORD_MAX);
		goto out;
	} else
		pl = n;
	while (pl > 0 && data[pl - 1] == '\r')
		pl--;
	if (pl == 0) {
		why(buf, len, "password file %s is empty", file);
		goto out;
	}
	if (pl > PASSWORD_MAX) {
		why(buf, len, "password file %s: first line longer than %d "
		    "octets", file, PASSWORD_MAX);
		goto out;
	}
	if (memchr(data, '\0', pl) != NULL) {
		why(buf, len, "password file %s holds a NUL octet", file);
		goto out;
	}
	if ((*out = malloc(pl + 1)) == NULL) {
		why(buf, len, "out of memory");
		goto out;
	}
	memcpy(*out, data, pl);
	(*out)[pl] = '\0';
	ret = 0;
out:
	explicit_bzero(data, sizeof(data));
	close(fd);
	return ret;
}

/* Find a key by name; NULL if unknown. */
static const struct param *
find_param(const char *name)
{
	size_t	 i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(params[i].name, name) == 0)
			return &params[i];
	return NULL;
}

/* Handle one logical line "name = value" that starts at line. 0 / -1. */
static int
parse_line(struct parser *ps, char *text, int line)
{
	char			 q[QUOTE_MAX], buf[WHY_MAX];
	char			*eq, *name, *value;
	const struct param	*p;
	size_t			 i;

	if ((eq = strchr(text, '=')) == NULL)
		return perr(ps, line, "missing \"=\": expected "
		    "\"name = value\"");
	*eq = '\0';
	name = trim(text);
	value = trim(eq + 1);
	if (*name == '\0')
		return perr(ps, line, "missing parameter name before \"=\"");
	if ((p = find_param(name)) == NULL)
		return perr(ps, line, "unknown parameter \"%s\"",
		    quote(name, q, sizeof(q)));
	i = (size_t)(p - params);
	if (ps->seen[i] != 0)
		return perr(ps, line, "duplicate parameter \"%s\" (first set "
		    "at line %d)", p->name, ps->seen[i]);
	ps->seen[i] = line;
	if (set_value(p, ps->c, value, buf, sizeof(buf)) == -1)
		return perr(ps, line, "%s", buf);
	return 0;
}

/*
 * Read one physical line into buf (CONF_LINE_MAX + 1 octets), without
 * its newline. RL_OK with *lenp, RL_EOF, RL_LONG, RL_NUL or RL_ERROR.
 */
static int
read_line(FILE *fp, char *buf, size_t *lenp)
{
	size_t	 len = 0;
	int	 ch, got = 0;

	while ((ch = getc(fp)) != EOF) {
		got = 1;
		if (ch == '\n')
			break;
		if (ch == '\0')
			return RL_NUL;
		if (len == CONF_LINE_MAX)
			return RL_LONG;
		buf[len++] = (char)ch;
	}
	if (ferror(fp))
		return RL_ERROR;
	if (!got)
		return RL_EOF;
	buf[len] = '\0';
	*lenp = len;
	return RL_OK;
}

/* Read the lines of fp, joining continuations, into ps->c. 0 / -1. */
static int
parse_file(struct parser *ps, FILE *fp)
{
	char	 line[CONF_LINE_MAX + 1];
	char	*logical, *s;
	size_t	 len, llen = 0, sl;
	int	 lineno = 0, start = 0, rc, ret = -1;

	if ((logical = malloc(CONF_LOGICAL_MAX + 1)) == NULL)
		return perr(ps, 0, "out of memory");
	for (;;) {
		rc = read_line(fp, line, &len);
		if (rc == RL_EOF)
			break;
		lineno++;
		if (rc == RL_LONG) {
			perr(ps, lineno, "line longer than %d octets",
			    CONF_LINE_MAX);
			goto out;
		}
		if (rc == RL_NUL) {
			perr(ps, lineno, "NUL octet in line");
			goto out;
		}
		if (rc == RL_ERROR) {
			perr(ps, 0, "read error: %s", strerror(errno));
			goto out;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (!is_space(line[0])) {
			if (start != 0 && parse_line(ps, logical, start) == -1)
				goto out;
			start = lineno;
			llen = 0;
		} else if (start == 0) {
			perr(ps, lineno, "line starts with white space but "
			    "continues no parameter");
			goto out;
		} else
			logical[llen++] = ' ';
		sl = strlen(s);
		if (llen + sl > CONF_LOGICAL_MAX) {
			perr(ps, start, "parameter longer than %d octets with "
			    "its continuation lines", CONF_LOGICAL_MAX);
			goto out;
		}
		memcpy(logical + llen, s, sl + 1);
		llen += sl;
	}
	if (start != 0 && parse_line(ps, logical, start) == -1)
		goto out;
	ret = 0;
out:
	free(logical);
	return ret;
}

/* After the file: required keys, then the password files. 0 / -1. */
static int
finish(struct parser *ps)
{
	const struct param	*p;
	const char		*reason, *key;
	char			 buf[WHY_MAX], *file;
	size_t			 i;

	for (i = 0; i < NPARAMS; i++)
		if (params[i].dflt == NULL && ps->seen[i] == 0)
			return perr(ps, 0, "%s is required", params[i].name);
	/* sentinels need the name of the master they watch */
	if (ps->c->redis_sentinels[0] != '\0' &&
	    ps->c->redis_master_name[0] == '\0')
		return perr(ps, 0, "redis_sentinels is set but "
		    "redis_master_name is not");
	/* a bind DN without its password would bind anonymously */
	if (ps->c->ldap_bind_dn[0] != '\0' &&
	    ps->c->ldap_bind_password_file[0] == '\0')
		return perr(ps, 0, "ldap_bind_dn is set but "
		    "ldap_bind_password_file is not");
	/* the ports customers are told of lead to listeners the milter has */
	if ((reason = conf_customer_check(ps->c, &key)) != NULL)
		return perr(ps, ps->seen[find_param(key) - params], "%s",
		    reason);
	for (i = 0; i < NPARAMS; i++) {
		p = &params[i];
		if (!(p->flags & F_SECRET))
			continue;
		file = *(char **)field(ps->c, p->off);
		if (*file == '\0')
			continue;
		if (read_secret(file, field(ps->c, p->aux), buf,
		    sizeof(buf)) == -1)
			return perr(ps, ps->seen[i], "%s", buf);
	}
	return 0;
}

/* Load path into *c; on error *c is zeroed. See conf.h. */
int
conf_load(const char *path, struct sg_conf *c, char *err, size_t errlen)
{
	struct parser	 ps;
	char		 buf[WHY_MAX];
	FILE		*fp;
	int		 ret = -1;

	memset(&ps, 0, sizeof(ps));
	ps.path = path;
	ps.c = c;
	ps.err = err;
	ps.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';

	memset(c, 0, sizeof(*c));
	if (apply_defaults(c, buf, sizeof(buf)) == -1) {
		perr(&ps, 0, "%s", buf);
		conf_free(c);
		return -1;
	}
	if ((c->path = strdup(path)) == NULL) {
		perr(&ps, 0, "out of memory");
		conf_free(c);
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		perr(&ps, 0, "cannot open: %s", strerror(errno));
		conf_free(c);
		return -1;
	}
	if (parse_file(&ps, fp) == 0 && finish(&ps) == 0)
		ret = 0;
	fclose(fp);
	if (ret == -1)
		conf_free(c);
	return ret;
}

/* Defaults only; a default that fails to apply is fatal (no memory). */
void
conf_defaults(struct sg_conf *c)
{
	char	 buf[WHY_MAX];

	memset(c, 0, sizeof(*c));
	if (apply_defaults(c, buf, sizeof(buf)) == -1)
		fatalx("conf_defaults: %s", buf);
}

/* Free every key's storage, the secrets wiped; *c is zeroed. */
void
conf_free(struct sg_conf *c)
{
	size_t	 i;

	for (i = 0; i < NPARAMS; i++)
		free_value(&params[i], c);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* *dst = a copy of string src (NULL stays NULL): 0, or -1. */
static int
copy_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return -1;
	return 0;
}

/* Copy p's storage from src into dst, whose pointers are NULL: 0, -1. */
static int
copy_value(const struct param *p, struct sg_conf *dst,
    const struct sg_conf *src)
{
	char *const		*sv;
	char			***dv;
	const struct sg_listener *sl;
	struct sg_listener	**dl;
	size_t			 i, n;

	switch (p->type) {
	case T_STR:
		if (copy_str(field(dst, p->off),
		    *(char *const *)cfield(src, p->off)))
			return -1;
		if ((p->flags & F_SECRET) && copy_str(field(dst, p->aux),
		    *(char *const *)cfield(src, p->aux)))
			return -1;
		return 0;
	case T_URIS:
		sv = *(char **const *)cfield(src, p->off);
		dv = field(dst, p->off);
		*dv = NULL;
		if (sv == NULL)
			return 0;
		for (n = 0; sv[n] != NULL; n++)
			;
		if ((*dv = calloc(n + 1, sizeof(**dv))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (copy_str(&(*dv)[i], sv[i]) == -1)
				return -1;
		return 0;
	case T_LISTENERS:
		sl = *(struct sg_listener *const *)cfield(src, p->off);
		dl = field(dst, p->off);
		n = *(const size_t *)cfield(src, p->aux);
		*dl = NULL;
		*(size_t *)field(dst, p->aux) = 0;
		if (sl == NULL || n == 0)
			return 0;
		if ((*dl = calloc(n, sizeof(**dl))) == NULL)
			return -1;
		*(size_t *)field(dst, p->aux) = n;
		for (i = 0; i < n; i++) {
			(*dl)[i].method = sl[i].method;
			if (copy_str(&(*dl)[i].name, sl[i].name) == -1)
				return -1;
		}
		return 0;
	default:
		return 0;
	}
}

/* A deep copy of src into dst: 0, or -1 (out of memory; dst empty). */
int
conf_copy(struct sg_conf *dst, const struct sg_conf *src)
{
	size_t	 i;

	*dst = *src;
	/* no pointer of src's stays in dst before copy_value replaces it */
	for (i = 0; i < NPARAMS; i++)
		clear_pointers(&params[i], dst);
	dst->path = NULL;
	for (i = 0; i < NPARAMS; i++)
		if (copy_value(&params[i], dst, src) == -1)
			goto fail;
	if (copy_str(&dst->path, src->path) == -1)
		goto fail;
	return 0;
fail:
	conf_free(dst);
	return -1;
}

/* The method of listener name, else default_access_method. */
int
conf_listener_method(const struct sg_conf *c, const char *name)
{
	size_t	 i;

	if (name != NULL)
		for (i = 0; i < c->nlisteners; i++)
			if (strcmp(c->listeners[i].name, name) == 0)
				return c->listeners[i].method;
	return c->default_access_method;
}

/* "smtp" or "campaign"; "unknown" for anything else. */
const char *
conf_method_name(int method)
{
	return dv_method_name(method);
}

/* Read a password file under the same rules as the *_password_file keys. */
int
conf_read_secret(const char *file, char **out, char *err, size_t errlen)
{
	return read_secret(file, out, err, errlen);
}

/*
 * How a reload treats each key (see conf.h); the keys not named here
 * take effect for the next message. The directory reads the CONF_DIR
 * keys and counter.c's connections the CONF_REDIS ones.
 */
static const struct {
	const char	*name;
	int		 what;
} reload_classes[] = {
	{ "socket", CONF_RESTART },
	{ "user", CONF_RESTART },
	{ "socket_mode", CONF_RESTART },
	{ "socket_group", CONF_RESTART },
	{ "quota_timezone", CONF_RESTART },
	{ "syslog_facility", CONF_RESTART },
	{ "syslog_name", CONF_RESTART },
	{ "pid_file", CONF_RESTART },
	{ "ldap_uri", CONF_DIR },
	{ "ldap_base", CONF_DIR },
	{ "ldap_bind_dn", CONF_DIR },
	{ "ldap_bind_password_file", CONF_DIR },
	{ "ldap_starttls", CONF_DIR },
	{ "ldap_ca_file", CONF_DIR },
	{ "ldap_timeout", CONF_DIR },
	{ "ldap_mode", CONF_DIR },
	{ "mirror_max_stale", CONF_DIR },
	{ "cache_ttl", CONF_DIR },
	{ "negative_cache_ttl", CONF_DIR },
	{ "cache_max_stale", CONF_DIR },
	{ "redis_address", CONF_REDIS },
	{ "redis_password_file", CONF_REDIS },
	{ "redis_db", CONF_REDIS },
	{ "redis_timeout", CONF_REDIS },
	{ "redis_prefix", CONF_REDIS },
	{ "redis_sentinels", CONF_REDIS },
	{ "redis_master_name", CONF_REDIS },
	{ "redis_sentinel_password_file", CONF_REDIS },
	{ "redis_wait_replicas", CONF_REDIS },
	{ "redis_wait_timeout", CONF_REDIS },
	{ "dedupe_window", CONF_REDIS },
	{ "dedupe_max_retries", CONF_REDIS },
	{ "quota_precheck", CONF_REDIS },
	{ "metrics_address", CONF_RESTART },
	{ "quota_warn", CONF_REDIS },
	/* sendergatectl reads them; the daemon has nothing to redo */
	{ "customer_smtp_hosts", 0 },
	{ "customer_ports", 0 },
	{ "domain_token_secret_file", 0 },
	{ "relay_addresses", 0 },
	{ "dns_resolver", 0 },
	{ "bounce_window", CONF_REDIS },
};

/* Equal strings, NULL only equal to NULL. */
static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 if key p has the same value in a and b. */
static int
same_value(const struct param *p, const struct sg_conf *a,
    const struct sg_conf *b)
{
	const struct sg_listener *la, *lb;
	char *const	*ua, *const *ub;
	size_t		 i, n;

	switch (p->type) {
	case T_STR:
		if (!same_str(*(char *const *)cfield(a, p->off),
		    *(char *const *)cfield(b, p->off)))
			return 0;
		return !(p->flags & F_SECRET) ||
		    same_str(*(char *const *)cfield(a, p->aux),
		    *(char *const *)cfield(b, p->aux));
	case T_TIME:
	case T_INT:
	case T_MODE:
		return *(const long *)cfield(a, p->off) ==
		    *(const long *)cfield(b, p->off);
	case T_ENUM:
	case T_BOOL:
		return *(const int *)cfield(a, p->off) ==
		    *(const int *)cfield(b, p->off);
	case T_URIS:
		ua = *(char **const *)cfield(a, p->off);
		ub = *(char **const *)cfield(b, p->off);
		for (i = 0; ua[i] != NULL && ub[i] != NULL; i++)
			if (strcmp(ua[i], ub[i]) != 0)
				return 0;
		return ua[i] == NULL && ub[i] == NULL;
	case T_LISTENERS:
		n = *(const size_t *)cfield(a, p->aux);
		if (n != *(const size_t *)cfield(b, p->aux))
			return 0;
		la = *(struct sg_listener *const *)cfield(a, p->off);
		lb = *(struct sg_listener *const *)cfield(b, p->off);
		for (i = 0; i < n; i++)
			if (la[i].method != lb[i].method ||
			    strcmp(la[i].name, lb[i].name) != 0)
				return 0;
		return 1;
	}
	return 0;
}

/* The CONF_* class of a key; 0 for the next message. */
static int
reload_class(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(reload_classes) / sizeof(reload_classes[0]);
	    i++)
		if (strcmp(reload_classes[i].name, name) == 0)
			return reload_classes[i].what;
	return 0;
}

/* Compare a and b key by key; see conf.h. */
int
conf_diff(const struct sg_conf *a, const struct sg_conf *b,
    void (*each)(const char *key, int what, void *arg), void *arg)
{
	size_t	 i;
	int	 what, all = 0;

	for (i = 0; i < NPARAMS; i++) {
		if (same_value(&params[i], a, b))
			continue;
		what = reload_class(params[i].name);
		all |= what;
		if (each != NULL)
			each(params[i].name, what, arg);
	}
	return all;
}
