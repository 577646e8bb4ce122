/*
 * test_conf.c - unit tests of conf.c: every key's default, good and bad
 * values of each type, the error messages (file, line and reason),
 * continuation lines, duplicates, password files and a full valid file.
 *
 * Table-driven: each case is a configuration text and what it must give.
 * A failure prints "got X, want Y" and the case, then the test fails.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/conf.h"
#include "lib/log.h"

#define BASE	"ldap_base = ou=sendergate,dc=example,dc=com\n"
#define BASE_DN	"ou=sendergate,dc=example,dc=com"
#define OFF(f)	offsetof(struct sg_conf, f)
#define TPATH	512		/* a temporary file's name */
#define A16	"aaaaaaaaaaaaaaaa"

enum kind { K_STR, K_LONG, K_INT };

struct expect {				/* one field of struct sg_conf */
	const char	*name;
	enum kind	 kind;
	size_t		 off;
	const char	*s;		/* K_STR */
	long		 l;		/* K_LONG, K_INT */
};

#define E_STR(f, v)	{ #f, K_STR, OFF(f), v, 0 }
#define E_LONG(f, v)	{ #f, K_LONG, OFF(f), NULL, v }
#define E_INT(f, v)	{ #f, K_INT, OFF(f), NULL, v }

/* Every key with a plain field, at its default (ldap_base aside). */
static const struct expect defaults[] = {
	E_STR(socket, "inet:8891@127.0.0.1"),
	E_STR(user, ""),
	E_LONG(socket_mode, 0660),
	E_STR(socket_group, ""),
	E_STR(ldap_bind_dn, ""),
	E_STR(ldap_bind_password_file, ""),
	E_INT(ldap_starttls, 0),
	E_STR(ldap_ca_file, ""),
	E_LONG(ldap_timeout, 2000),
	E_INT(ldap_mode, LDAP_MODE_MIRROR),
	E_LONG(cache_ttl, 60000),
	E_LONG(negative_cache_ttl, 10000),
	E_LONG(cache_max_stale, 3600000),
	E_LONG(mirror_max_stale, 3600000),
	E_STR(redis_address, "127.0.0.1:6379"),
	E_STR(redis_password_file, ""),
	E_LONG(redis_db, 0),
	E_STR(redis_prefix, "sg"),
	E_LONG(redis_timeout, 250),
	E_LONG(dedupe_window, 86400000),
	E_LONG(dedupe_max_retries, 1),
	E_STR(redis_sentinels, ""),
	E_STR(redis_master_name, ""),
	E_STR(redis_sentinel_password_file, ""),
	E_LONG(redis_wait_replicas, 0),
	E_LONG(redis_wait_timeout, 100),
	E_INT(default_access_method, METHOD_SMTP),
	E_LONG(default_monthly_limit, 0),
	E_INT(quota_unit, QUOTA_MESSAGE),
	E_INT(quota_precheck, PRECHECK_ALWAYS),
	E_STR(quota_timezone, "UTC"),
	E_INT(header_from_policy, FROM_REGISTERED),
	E_INT(campaign_require_unsubscribe, 1),
	E_STR(archive_address, ""),
	E_INT(null_sender, ACT_REJECT),
	E_INT(on_directory_error, ACT_TEMPFAIL),
	E_INT(on_counter_error, ACT_TEMPFAIL),
	E_INT(on_suspended, ACT_TEMPFAIL),
	E_INT(on_quota_exceeded, ACT_TEMPFAIL),
	E_INT(log_level, LOG_LVL_INFO),
	E_INT(syslog_facility, LOG_MAIL),
	E_STR(syslog_name, "sendergate"),
	E_STR(pid_file, "/run/sendergate/sendergate.pid"),
	E_STR(metrics_address, ""),
	E_STR(quota_warn, "80 100"),
	E_STR(notify_relay, ""),
	E_STR(notify_from, ""),
	E_STR(notify_operator, ""),
	E_STR(customer_smtp_hosts, ""),
	E_STR(customer_ports, ""),
	E_LONG(bounce_window, 6 * 86400000L),
	E_STR(domain_token_secret_file, ""),
	E_STR(relay_addresses, ""),
	E_STR(dns_resolver, ""),
	E_INT(campaign_require_dmarc, 0),
	E_STR(default_send_rate, ""),
	E_INT(on_rate_exceeded, ACT_TEMPFAIL),
	E_LONG(reputation_window, 14 * 86400000L),
	E_STR(bounce_rate_limits, "5% 10%"),
	E_STR(complaint_rate_limits, "0.1% 0.5%"),
	E_LONG(reputation_min_recipients, 500),
	E_INT(reputation_action, REPACT_SUSPEND),
};

struct good {				/* a line after BASE, and its effect */
	const char	*line;
	struct expect	 want;
};

static const struct good goods[] = {
	{ "socket = unix:/run/sendergate/sendergate.sock",
	    E_STR(socket, "unix:/run/sendergate/sendergate.sock") },
	{ "socket = inet6:8891@[::1]", E_STR(socket, "inet6:8891@[::1]") },
	{ "socket = local:/run/sg.sock", E_STR(socket, "local:/run/sg.sock") },
	{ "socket=inet:9000@0.0.0.0", E_STR(socket, "inet:9000@0.0.0.0") },
	{ "user = sendergate", E_STR(user, "sendergate") },
	{ "user =", E_STR(user, "") },
	{ "ldap_bind_dn = cn=Sender Gate,dc=example,dc=com",
	    E_STR(ldap_bind_dn, "cn=Sender Gate,dc=example,dc=com") },
	{ "ldap_bind_dn = cn=a#b", E_STR(ldap_bind_dn, "cn=a#b") },
	{ "ldap_starttls = yes", E_INT(ldap_starttls, 1) },
	{ "ldap_starttls = no", E_INT(ldap_starttls, 0) },
	{ "ldap_ca_file = /etc/ssl/certs/ca-certificates.crt",
	    E_STR(ldap_ca_file, "/etc/ssl/certs/ca-certificates.crt") },
	{ "ldap_timeout = 250ms", E_LONG(ldap_timeout, 250) },
	{ "ldap_timeout = 3", E_LONG(ldap_timeout, 3000) },
	{ "ldap_timeout = 3s", E_LONG(ldap_timeout, 3000) },
	{ "ldap_timeout = 1ms", E_LONG(ldap_timeout, 1) },
	{ "ldap_timeout = 10m", E_LONG(ldap_timeout, 600000) },
	{ "ldap_timeout = 600000ms", E_LONG(ldap_timeout, 600000) },
	{ "ldap_mode = query", E_INT(ldap_mode, LDAP_MODE_QUERY) },
	{ "default_send_rate = 100/1m 2000/1h",
	    E_STR(default_send_rate, "100/1m 2000/1h") },
	{ "on_rate_exceeded = reject", E_INT(on_rate_exceeded, ACT_REJECT) },
	{ "reputation_window = 7d", E_LONG(reputation_window, 604800000) },
	{ "bounce_rate_limits = 2% 4.5%",
	    E_STR(bounce_rate_limits, "2% 4.5%") },
	{ "reputation_min_recipients = 10",
	    E_LONG(reputation_min_recipients, 10) },
	{ "reputation_action = warn", E_INT(reputation_action, REPACT_WARN) },
	{ "ldap_mode = mirror", E_INT(ldap_mode, LDAP_MODE_MIRROR) },
	{ "mirror_max_stale = 7d", E_LONG(mirror_max_stale, 604800000) },
	{ "mirror_max_stale = 0", E_LONG(mirror_max_stale, 0) },
	{ "mirror_max_stale = 90s", E_LONG(mirror_max_stale, 90000) },
	{ "cache_ttl = 0", E_LONG(cache_ttl, 0) },
	{ "cache_ttl = 2h", E_LONG(cache_ttl, 7200000) },
	{ "cache_ttl = 1d", E_LONG(cache_ttl, 86400000) },
	{ "cache_ttl = 24h", E_LONG(cache_ttl, 86400000) },
	{ "negative_cache_ttl = 30s", E_LONG(negative_cache_ttl, 30000) },
	{ "negative_cache_ttl = 0ms", E_LONG(negative_cache_ttl, 0) },
	{ "cache_max_stale = 7d", E_LONG(cache_max_stale, 604800000) },
	{ "cache_max_stale = 0", E_LONG(cache_max_stale, 0) },
	{ "redis_address = unix:/run/redis/redis.sock",
	    E_STR(redis_address, "unix:/run/redis/redis.sock") },
	{ "redis_address = [::1]:6380", E_STR(redis_address, "[::1]:6380") },
	{ "redis_address = [::ffff:192.0.2.1]:6380",
	    E_STR(redis_address, "[::ffff:192.0.2.1]:6380") },
	{ "redis_address = redis.example.net:65535",
	    E_STR(redis_address, "redis.example.net:65535") },
	{ "redis_address = 192.0.2.1:1", E_STR(redis_address, "192.0.2.1:1") },
	{ "redis_db = 1000000", E_LONG(redis_db, 1000000) },
	{ "redis_db=7", E_LONG(redis_db, 7) },
	{ "redis_db = 5\r", E_LONG(redis_db, 5) },
	{ "redis_prefix = sendergate:prod",
	    E_STR(redis_prefix, "sendergate:prod") },
	{ "redis_prefix =   x  \t", E_STR(redis_prefix, "x") },
	{ "redis_prefix = " A16 A16 A16 A16,
	    E_STR(redis_prefix, A16 A16 A16 A16) },
	{ "redis_timeout = 1m", E_LONG(redis_timeout, 60000) },
	{ "redis_timeout = 1ms", E_LONG(redis_timeout, 1) },
	{ "dedupe_window = 0", E_LONG(dedupe_window, 0) },
	{ "dedupe_window = 2s", E_LONG(dedupe_window, 2000) },
	{ "dedupe_window = 30d", E_LONG(dedupe_window, 2592000000L) },
	{ "bounce_window = 0", E_LONG(bounce_window, 0) },
	{ "bounce_window = 12h", E_LONG(bounce_window, 43200000) },
	{ "bounce_window = 60d", E_LONG(bounce_window, 5184000000L) },
	{ "relay_addresses = 192.0.2.25  2001:db8::25",
	    E_STR(relay_addresses, "192.0.2.25  2001:db8::25") },
	{ "dns_resolver = 127.0.0.1", E_STR(dns_resolver, "127.0.0.1") },
	{ "dns_resolver = 127.0.0.1:5353",
	    E_STR(dns_resolver, "127.0.0.1:5353") },
	{ "dns_resolver = [::1]:5353", E_STR(dns_resolver, "[::1]:5353") },
	{ "dns_resolver = ::1", E_STR(dns_resolver, "::1") },
	{ "campaign_require_dmarc = yes", E_INT(campaign_require_dmarc, 1) },
	{ "dedupe_max_retries = 0", E_LONG(dedupe_max_retries, 0) },
	{ "dedupe_max_retries = 100", E_LONG(dedupe_max_retries, 100) },
	{ "redis_sentinels = 127.0.0.1:26379 [::1]:26380 s.example:1\n"
	  "redis_master_name = sg", E_STR(redis_sentinels,
	  "127.0.0.1:26379 [::1]:26380 s.example:1") },
	{ "redis_wait_replicas = 2", E_LONG(redis_wait_replicas, 2) },
	{ "redis_wait_timeout = 1s", E_LONG(redis_wait_timeout, 1000) },
	{ "socket_mode = 0600", E_LONG(socket_mode, 0600) },
	{ "socket_mode = 777", E_LONG(socket_mode, 0777) },
	{ "socket_mode = 0", E_LONG(socket_mode, 0) },
	{ "socket_group = postfix", E_STR(socket_group, "postfix") },
	{ "default_access_method = campaign",
	    E_INT(default_access_method, METHOD_CAMPAIGN) },
	{ "default_monthly_limit = 1000000000000",
	    E_LONG(default_monthly_limit, 1000000000000L) },
	{ "default_monthly_limit = 5000", E_LONG(default_monthly_limit, 5000) },
	{ "quota_unit = recipient", E_INT(quota_unit, QUOTA_RECIPIENT) },
	{ "quota_unit = message", E_INT(quota_unit, QUOTA_MESSAGE) },
	{ "quota_precheck = known", E_INT(quota_precheck, PRECHECK_KNOWN) },
	{ "quota_precheck = always", E_INT(quota_precheck, PRECHECK_ALWAYS) },
	{ "quota_timezone = UTC", E_STR(quota_timezone, "UTC") },
	{ "header_from_policy = exact", E_INT(header_from_policy, FROM_EXACT) },
	{ "header_from_policy = domain",
	    E_INT(header_from_policy, FROM_DOMAIN) },
	{ "header_from_policy = off", E_INT(header_from_policy, FROM_OFF) },
	{ "campaign_require_unsubscribe = no",
	    E_INT(campaign_require_unsubscribe, 0) },
	{ "archive_address = journal@archive.example.com",
	    E_STR(archive_address, "journal@archive.example.com") },
	{ "archive_address =", E_STR(archive_address, "") },
	{ "null_sender = accept", E_INT(null_sender, ACT_ACCEPT) },
	{ "on_directory_error = accept",
	    E_INT(on_directory_error, ACT_ACCEPT) },
	{ "on_directory_error = reject",
	    E_INT(on_directory_error, ACT_REJECT) },
	{ "on_counter_error = accept", E_INT(on_counter_error, ACT_ACCEPT) },
	{ "on_suspended = reject", E_INT(on_suspended, ACT_REJECT) },
	{ "on_quota_exceeded = reject", E_INT(on_quota_exceeded, ACT_REJECT) },
	{ "log_level = error", E_INT(log_level, LOG_LVL_ERROR) },
	{ "log_level = warning", E_INT(log_level, LOG_LVL_WARNING) },
	{ "log_level = debug", E_INT(log_level, LOG_LVL_DEBUG) },
	{ "syslog_facility = local3", E_INT(syslog_facility, LOG_LOCAL3) },
	{ "syslog_facility = daemon", E_INT(syslog_facility, LOG_DAEMON) },
	{ "syslog_facility = user", E_INT(syslog_facility, LOG_USER) },
	{ "syslog_name = sg-relay1", E_STR(syslog_name, "sg-relay1") },
	{ "pid_file = /var/run/sg.pid", E_STR(pid_file, "/var/run/sg.pid") },
	{ "pid_file =", E_STR(pid_file, "") },
	{ "metrics_address = 127.0.0.1:9150",
	    E_STR(metrics_address, "127.0.0.1:9150") },
	{ "metrics_address = [::1]:9150", E_STR(metrics_address, "[::1]:9150") },
	{ "quota_warn = 50 90 100", E_STR(quota_warn, "50 90 100") },
	{ "quota_warn =", E_STR(quota_warn, "") },
	{ "notify_relay = 127.0.0.1:25", E_STR(notify_relay, "127.0.0.1:25") },
	{ "notify_from = gate@relay.example",
	    E_STR(notify_from, "gate@relay.example") },
	{ "notify_operator = ops@relay.example",
	    E_STR(notify_operator, "ops@relay.example") },
	/* issue 25: the onboarding sheet */
	{ "customer_smtp_hosts = smtp.relay.example 192.0.2.25 2001:db8::25\n"
	    "customer_ports = 587:required:smtp  25:optional:smtp\n"
	    "\t2525:none:smtp", E_STR(customer_ports,
	    "587:required:smtp  25:optional:smtp 2525:none:smtp") },
	{ "customer_smtp_hosts = h\nlistener_methods = bulk:campaign\n"
	    "customer_ports = 2525:optional:campaign",
	    E_STR(customer_ports, "2525:optional:campaign") },
};

struct bad {				/* a file, and err after the path */
	const char	*text;
	size_t		 len;		/* 0: strlen(text) */
	const char	*want;
};

#define TIME_WANT(v, k) \
	":2: bad value \"" v "\" for " k ": expected a time like 2s or 250ms"
#define REDIS_WANT(v) \
	":2: bad value \"" v "\" for redis_address: expected HOST:PORT, " \
	"[IPV6]:PORT or unix:/path"
#define PREFIX_WANT(v) \
	":2: bad value \"" v "\" for redis_prefix: expected up to 64 " \
	"octets without white space, braces or control characters"
#define ENUM_WANT(v, k, w) \
	":2: bad value \"" v "\" for " k ": expected " w

static const struct bad bads[] = {
	/* issue 14's keys */
	{ BASE "quota_warn = 100 80\n", 0, ":2: bad value \"100 80\" for "
	    "quota_warn: expected up to 8 percentages from 1 to 1000, "
	    "ascending, like \"80 100\", or nothing" },
	{ BASE "quota_warn = 0\n", 0, ":2: bad value \"0\" for quota_warn: "
	    "expected up to 8 percentages from 1 to 1000, ascending, like "
	    "\"80 100\", or nothing" },
	{ BASE "metrics_address = unix:/x\n", 0, ":2: bad value \"unix:/x\" "
	    "for metrics_address: expected HOST:PORT or [IPV6]:PORT, or "
	    "nothing" },
	{ BASE "notify_operator = nobody\n", 0, ":2: bad value \"nobody\" "
	    "for notify_operator: expected an address like "
	    "archive@example.com" },
	/* issue 22's keys */
	{ BASE "default_send_rate = 100/1s\n", 0, ":2: bad value \"100/1s\" "
	    "for default_send_rate: expected up to 4 rates N/T (N from 1 to "
	    "100000, T a number of m, h or d up to 31d), like \"100/1m "
	    "2000/1h\", or nothing" },
	{ BASE "bounce_rate_limits = 10% 5%\n", 0, ":2: bad value \"10% 5%\" "
	    "for bounce_rate_limits: expected two percentages, warn then "
	    "suspend, like \"5% 10%\"" },
	/* issue 25's keys: syntax, then against the listeners */
#define PORTS_WANT(v, r) \
	":2: bad value \"" v "\" for customer_ports: " r
#define PORTS_SYNTAX "expected PORT:TLS:METHOD items, like " \
	"\"587:required:smtp 25:optional:smtp\", or nothing"
	{ BASE "customer_ports = 587\n", 0, PORTS_WANT("587", PORTS_SYNTAX) },
	{ BASE "customer_ports = 587:required\n", 0,
	    PORTS_WANT("587:required", PORTS_SYNTAX) },
	{ BASE "customer_ports = 0:required:smtp\n", 0,
	    PORTS_WANT("0:required:smtp", "a port is a number from 1 to "
	    "65535") },
	{ BASE "customer_ports = 65536:none:smtp\n", 0,
	    PORTS_WANT("65536:none:smtp", "a port is a number from 1 to "
	    "65535") },
	{ BASE "customer_ports = +25:none:smtp\n", 0,
	    PORTS_WANT("+25:none:smtp", "a port is a number from 1 to "
	    "65535") },
	{ BASE "customer_ports = 587:yes:smtp\n", 0,
	    PORTS_WANT("587:yes:smtp", "the TLS mode of a port is required, "
	    "optional or none") },
	{ BASE "customer_ports = 587:Required:smtp\n", 0,
	    PORTS_WANT("587:Required:smtp", "the TLS mode of a port is "
	    "required, optional or none") },
	{ BASE "customer_ports = 587:required:bulk\n", 0,
	    PORTS_WANT("587:required:bulk", "the method of a port is smtp or "
	    "campaign") },
	{ BASE "customer_ports = 587:required:smtp:x\n", 0,
	    PORTS_WANT("587:required:smtp:x", "the method of a port is smtp "
	    "or campaign") },
	{ BASE "customer_ports = 25:optional:smtp 25:none:smtp\n", 0,
	    PORTS_WANT("25:optional:smtp 25:none:smtp", "a port is named "
	    "twice") },
	{ BASE "customer_smtp_hosts = smtp..relay.example\n", 0,
	    ":2: bad value \"smtp..relay.example\" for customer_smtp_hosts: "
	    "expected host names (or IP addresses), blank separated, like "
	    "\"smtp.relay.example\", or nothing" },
	{ BASE "customer_smtp_hosts = smtp.relay.example:587\n", 0,
	    ":2: bad value \"smtp.relay.example:587\" for customer_smtp_hosts: "
	    "expected host names (or IP addresses), blank separated, like "
	    "\"smtp.relay.example\", or nothing" },
	{ BASE "customer_smtp_hosts = -smtp.relay.example\n", 0,
	    ":2: bad value \"-smtp.relay.example\" for customer_smtp_hosts: "
	    "expected host names (or IP addresses), blank separated, like "
	    "\"smtp.relay.example\", or nothing" },
	{ BASE "customer_smtp_hosts = h\ncustomer_ports = 2525:required:"
	    "campaign\n", 0, ":3: customer_ports: a port names method "
	    "campaign, but no listener maps to it (listener_methods) and "
	    "default_access_method is smtp" },
	{ BASE "customer_smtp_hosts = h\ndefault_access_method = campaign\n"
	    "customer_ports = 25:optional:campaign 587:required:smtp\n", 0,
	    ":4: customer_ports: a port names method smtp, but no listener "
	    "maps to it (listener_methods) and default_access_method is "
	    "campaign" },
	{ BASE "customer_ports = 587:required:smtp\n", 0, ":2: "
	    "customer_ports is set but customer_smtp_hosts "
	    "is not" },
	{ BASE "customer_smtp_hosts = smtp.relay.example\n", 0, ":2: "
	    "customer_smtp_hosts is set but "
	    "customer_ports is not" },
	/* the service's keys */
	{ BASE "syslog_facility = mial\n", 0, ENUM_WANT("mial",
	    "syslog_facility", "mail, daemon, user, local0, local1, local2, "
	    "local3, local4, local5, local6 or local7") },
	{ BASE "syslog_name =\n", 0, ":2: bad value \"\" for syslog_name: "
	    "must not be empty" },
	{ BASE "syslog_name = send gate\n", 0, ":2: bad value \"send gate\" "
	    "for syslog_name: white space and control characters are not "
	    "allowed" },
	{ BASE "pid_file = run/sg.pid\n", 0, ":2: bad value \"run/sg.pid\" "
	    "for pid_file: expected an absolute path like "
	    "/run/sendergate/sendergate.pid, or nothing" },
	/* the forms of the brief */
	{ BASE "ldap_urii = ldap://h/\n", 0,
	    ":2: unknown parameter \"ldap_urii\"" },
	{ BASE "ldap_timeout = 5x\n", 0, TIME_WANT("5x", "ldap_timeout") },
	{ "socket = inet:1@h\n" BASE "\n# c\nsocket = unix:/x\n", 0,
	    ":5: duplicate parameter \"socket\" (first set at line 1)" },
	{ BASE "ldap_base = dc=other\n", 0,
	    ":2: duplicate parameter \"ldap_base\" (first set at line 1)" },

	/* file syntax */
	{ "# comment\n\n   \n" BASE "bogus = 1\n", 0,
	    ":5: unknown parameter \"bogus\"" },
	{ BASE "Socket = inet:1@h\n", 0, ":2: unknown parameter \"Socket\"" },
	{ BASE "just some words\n", 0,
	    ":2: missing \"=\": expected \"name = value\"" },
	{ BASE "= value\n", 0, ":2: missing parameter name before \"=\"" },
	{ "  continued\n" BASE, 0,
	    ":1: line starts with white space but continues no parameter" },
	{ BASE "redis_db = 1\0\n", sizeof(BASE "redis_db = 1\0\n") - 1,
	    ":2: NUL octet in line" },
	{ BASE "bad\x01name = 1\n", 0, ":2: unknown parameter \"bad?name\"" },
	{ "", 0, ": ldap_base is required" },
	{ "# only a comment\nsocket = unix:/x\n", 0,
	    ": ldap_base is required" },

	/* strings */
	{ BASE "ldap_base =\n", 0,
	    ":2: duplicate parameter \"ldap_base\" (first set at line 1)" },
	{ "ldap_base =\n", 0,
	    ":1: bad value \"\" for ldap_base: must not be empty" },
	{ BASE "socket = tcp:8891\n", 0, ":2: bad value \"tcp:8891\" for "
	    "socket: expected inet:PORT@HOST, inet6:PORT@HOST, unix:/path or "
	    "local:/path" },
	{ BASE "socket = inet:\n", 0, ":2: bad value \"inet:\" for socket: "
	    "expected inet:PORT@HOST, inet6:PORT@HOST, unix:/path or "
	    "local:/path" },
	{ BASE "socket =\n", 0,
	    ":2: bad value \"\" for socket: must not be empty" },
	{ BASE "user = a b\n", 0, ":2: bad value \"a b\" for user: white "
	    "space and control characters are not allowed" },
	{ BASE "redis_address = localhost\n", 0, REDIS_WANT("localhost") },
	{ BASE "redis_address = h:0\n", 0, ":2: bad value \"h:0\" for "
	    "redis_address: port out of range 1..65535" },
	{ BASE "redis_address = h:65536\n", 0, ":2: bad value \"h:65536\" "
	    "for redis_address: port out of range 1..65535" },
	{ BASE "redis_address = h:\n", 0, REDIS_WANT("h:") },
	{ BASE "redis_address = :6379\n", 0, REDIS_WANT(":6379") },
	{ BASE "redis_address = h:63x\n", 0, REDIS_WANT("h:63x") },
	{ BASE "redis_address = ::1:6379\n", 0, REDIS_WANT("::1:6379") },
	{ BASE "redis_address = []:6379\n", 0, REDIS_WANT("[]:6379") },
	{ BASE "redis_address = [h]:6379\n", 0, REDIS_WANT("[h]:6379") },
	{ BASE "redis_address = [::1]6379\n", 0, REDIS_WANT("[::1]6379") },
	{ BASE "redis_address = h[1]:6379\n", 0, REDIS_WANT("h[1]:6379") },
	{ BASE "redis_address = unix:run/redis.sock\n", 0,
	    REDIS_WANT("unix:run/redis.sock") },
	{ BASE "redis_address =\n", 0,
	    ":2: bad value \"\" for redis_address: must not be empty" },
	{ BASE "redis_prefix = a b\n", 0, PREFIX_WANT("a b") },
	{ BASE "redis_prefix = sg{x}\n", 0, PREFIX_WANT("sg{x}") },
	{ BASE "redis_prefix = sg}\n", 0, PREFIX_WANT("sg}") },
	{ BASE "redis_prefix = " A16 A16 A16 A16 "a\n", 0,
	    PREFIX_WANT(A16 A16 A16 A16 "a") },
	{ BASE "redis_prefix =\n", 0,
	    ":2: bad value \"\" for redis_prefix: must not be empty" },
	{ BASE "quota_timezone = Mars/Olympus_Mons\n", 0, ":2: bad value "
	    "\"Mars/Olympus_Mons\" for quota_timezone: no such time zone under "
	    "/usr/share/zoneinfo" },
	{ BASE "quota_timezone = ../../etc/passwd\n", 0, ":2: bad value "
	    "\"../../etc/passwd\" for quota_timezone: expected UTC or a "
	    "zoneinfo name like Europe/Berlin" },
	{ BASE "quota_timezone = /etc/localtime\n", 0, ":2: bad value "
	    "\"/etc/localtime\" for quota_timezone: expected UTC or a "
	    "zoneinfo name like Europe/Berlin" },
	{ BASE "quota_timezone =\n", 0,
	    ":2: bad value \"\" for quota_timezone: must not be empty" },
	{ BASE "archive_address = archive\n", 0, ":2: bad value \"archive\" "
	    "for archive_address: expected an address like "
	    "archive@example.com" },
	{ BASE "archive_address = a b@example.com\n", 0, ":2: bad value "
	    "\"a b@example.com\" for archive_address: expected an address "
	    "like archive@example.com" },
	{ BASE "archive_address = @example.com\n", 0, ":2: bad value "
	    "\"@example.com\" for archive_address: expected an address like "
	    "archive@example.com" },
	{ BASE "archive_address = a@\n", 0, ":2: bad value \"a@\" for "
	    "archive_address: expected an address like archive@example.com" },
	{ BASE "archive_address = <a@example.com>\n", 0, ":2: bad value "
	    "\"<a@example.com>\" for archive_address: expected an address "
	    "like archive@example.com" },

	/* times */
	{ BASE "ldap_timeout = 0\n", 0, ":2: bad value \"0\" for "
	    "ldap_timeout: out of range 1ms..10m" },
	{ BASE "ldap_timeout = 11m\n", 0, ":2: bad value \"11m\" for "
	    "ldap_timeout: out of range 1ms..10m" },
	{ BASE "ldap_timeout = 600001ms\n", 0, ":2: bad value \"600001ms\" "
	    "for ldap_timeout: out of range 1ms..10m" },
	{ BASE "ldap_timeout = 99999999999999999999999h\n", 0, ":2: bad value "
	    "\"99999999999999999999999h\" for ldap_timeout: out of range "
	    "1ms..10m" },
	{ BASE "ldap_timeout = 9223372036854775807d\n", 0, ":2: bad value "
	    "\"9223372036854775807d\" for ldap_timeout: out of range "
	    "1ms..10m" },
	{ BASE "ldap_timeout = -1\n", 0, TIME_WANT("-1", "ldap_timeout") },
	{ BASE "ldap_timeout = +1s\n", 0, TIME_WANT("+1s", "ldap_timeout") },
	{ BASE "ldap_timeout = 2 s\n", 0, TIME_WANT("2 s", "ldap_timeout") },
	{ BASE "ldap_timeout = 2S\n", 0, TIME_WANT("2S", "ldap_timeout") },
	{ BASE "ldap_timeout = 1.5s\n", 0, TIME_WANT("1.5s", "ldap_timeout") },
	{ BASE "ldap_timeout = s\n", 0, TIME_WANT("s", "ldap_timeout") },
	{ BASE "ldap_timeout = 2sec\n", 0, TIME_WANT("2sec", "ldap_timeout") },
	{ BASE "ldap_timeout =\n", 0, TIME_WANT("", "ldap_timeout") },
	{ BASE "cache_ttl = 2d\n", 0,
	    ":2: bad value \"2d\" for cache_ttl: out of range 0..1d" },
	{ BASE "negative_cache_ttl = 86401s\n", 0, ":2: bad value \"86401s\" "
	    "for negative_cache_ttl: out of range 0..1d" },
	{ BASE "cache_max_stale = 8d\n", 0,
	    ":2: bad value \"8d\" for cache_max_stale: out of range 0..7d" },
	{ BASE "redis_timeout = 61s\n", 0,
	    ":2: bad value \"61s\" for redis_timeout: out of range 1ms..1m" },
	{ BASE "redis_timeout = 0ms\n", 0,
	    ":2: bad value \"0ms\" for redis_timeout: out of range 1ms..1m" },
	{ BASE "relay_addresses = 192.0.2.0/24\n", 0,
	    ":2: bad value \"192.0.2.0/24\" for relay_addresses: expected "
	    "IPv4 or IPv6 addresses (no networks), blank separated" },
	{ BASE "relay_addresses = relay.example\n", 0,
	    ":2: bad value \"relay.example\" for relay_addresses: expected "
	    "IPv4 or IPv6 addresses (no networks), blank separated" },
	{ BASE "dns_resolver = ns.example:53\n", 0,
	    ":2: bad value \"ns.example:53\" for dns_resolver: expected an IP "
	    "address, IP:PORT or [IPV6]:PORT, or nothing" },
	{ BASE "dns_resolver = 127.0.0.1:0\n", 0,
	    ":2: bad value \"127.0.0.1:0\" for dns_resolver: expected an IP "
	    "address, IP:PORT or [IPV6]:PORT, or nothing" },
	{ BASE "campaign_require_dmarc = maybe\n", 0,
	    ":2: bad value \"maybe\" for campaign_require_dmarc: expected yes "
	    "or no" },
	{ BASE "bounce_window = 61d\n", 0,
	    ":2: bad value \"61d\" for bounce_window: out of range 0..60d" },
	{ BASE "dedupe_window = 31d\n", 0,
	    ":2: bad value \"31d\" for dedupe_window: out of range 0..30d" },
	{ BASE "dedupe_window = yes\n", 0, ":2: bad value \"yes\" for "
	    "dedupe_window: expected a time like 2s or 250ms" },
	{ BASE "redis_sentinels = 127.0.0.1:26379\n", 0,
	    ": redis_sentinels is set but redis_master_name is not" },
	{ BASE "redis_sentinels = 127.0.0.1\nredis_master_name = m\n", 0,
	    ":2: bad value \"127.0.0.1\" for redis_sentinels: expected "
	    "HOST:PORT or [IPV6]:PORT items, separated by blanks" },
	{ BASE "redis_wait_replicas = 17\n", 0, ":2: bad value \"17\" for "
	    "redis_wait_replicas: out of range 0..16" },
	{ BASE "dedupe_max_retries = 101\n", 0, ":2: bad value \"101\" for "
	    "dedupe_max_retries: out of range 0..100" },
	{ BASE "dedupe_max_retries = -1\n", 0, ":2: bad value \"-1\" for "
	    "dedupe_max_retries: expected a non-negative integer" },
	{ BASE "socket_mode = 0680\n", 0, ":2: bad value \"0680\" for "
	    "socket_mode: expected an octal mode like 0660" },
	{ BASE "socket_mode = 01777\n", 0, ":2: bad value \"01777\" for "
	    "socket_mode: out of range 0..777" },
	{ BASE "socket_mode = -1\n", 0, ":2: bad value \"-1\" for "
	    "socket_mode: expected an octal mode like 0660" },
	{ BASE "socket_group = post fix\n", 0, ":2: bad value \"post fix\" "
	    "for socket_group: white space and control characters are not "
	    "allowed" },

	/* integers */
	{ BASE "redis_db = 1000001\n", 0,
	    ":2: bad value \"1000001\" for redis_db: out of range 0..1000000" },
	{ BASE "redis_db = -1\n", 0, ":2: bad value \"-1\" for redis_db: "
	    "expected a non-negative integer" },
	{ BASE "redis_db = 1x\n", 0, ":2: bad value \"1x\" for redis_db: "
	    "expected a non-negative integer" },
	{ BASE "redis_db =\n", 0, ":2: bad value \"\" for redis_db: "
	    "expected a non-negative integer" },
	{ BASE "default_monthly_limit = 1000000000001\n", 0, ":2: bad value "
	    "\"1000000000001\" for default_monthly_limit: out of range "
	    "0..1000000000000" },
	{ BASE "default_monthly_limit = 99999999999999999999999999\n", 0,
	    ":2: bad value \"99999999999999999999999999\" for "
	    "default_monthly_limit: out of range 0..1000000000000" },

	/* yes / no and enumerations */
	{ BASE "ldap_starttls = true\n", 0,
	    ENUM_WANT("true", "ldap_starttls", "yes or no") },
	{ BASE "ldap_starttls = Yes\n", 0,
	    ENUM_WANT("Yes", "ldap_starttls", "yes or no") },
	{ BASE "campaign_require_unsubscribe = 1\n", 0,
	    ENUM_WANT("1", "campaign_require_unsubscribe", "yes or no") },
	{ BASE "ldap_mode = sync\n", 0,
	    ENUM_WANT("sync", "ldap_mode", "query or mirror") },
	{ BASE "mirror_max_stale = 8d\n", 0,
	    ":2: bad value \"8d\" for mirror_max_stale: out of range 0..7d" },
	{ BASE "quota_unit = messages\n", 0,
	    ENUM_WANT("messages", "quota_unit", "message or recipient") },
	{ BASE "quota_precheck = sometimes\n", 0,
	    ENUM_WANT("sometimes", "quota_precheck", "always or known") },
	{ BASE "header_from_policy = any\n", 0, ENUM_WANT("any",
	    "header_from_policy", "registered, exact, domain or off") },
	{ BASE "null_sender = tempfail\n", 0,
	    ENUM_WANT("tempfail", "null_sender", "reject or accept") },
	{ BASE "on_directory_error = defer\n", 0, ENUM_WANT("defer",
	    "on_directory_error", "tempfail, accept or reject") },
	{ BASE "on_counter_error = reject\n", 0, ENUM_WANT("reject",
	    "on_counter_error", "tempfail or accept") },
	{ BASE "on_suspended = accept\n", 0,
	    ENUM_WANT("accept", "on_suspended", "tempfail or reject") },
	{ BASE "on_quota_exceeded = accept\n", 0,
	    ENUM_WANT("accept", "on_quota_exceeded", "tempfail or reject") },
	{ BASE "log_level = notice\n", 0, ENUM_WANT("notice", "log_level",
	    "error, warning, info or debug") },
	{ BASE "log_level = INFO\n", 0, ENUM_WANT("INFO", "log_level",
	    "error, warning, info or debug") },
	{ BASE "default_access_method = submission\n", 0,
	    ENUM_WANT("submission", "default_access_method",
	    "smtp or campaign") },

	/* lists */
	{ BASE "ldap_uri = http://h/\n", 0, ":2: bad value \"http://h/\" for "
	    "ldap_uri: expected ldap://, ldaps:// or ldapi:// URIs" },
	{ BASE "ldap_uri = ldap://a/ ldapx://b/\n", 0, ":2: bad value "
	    "\"ldapx://b/\" for ldap_uri: expected ldap://, ldaps:// or "
	    "ldapi:// URIs" },
	{ BASE "ldap_uri =\n", 0, ":2: bad value \"\" for ldap_uri: "
	    "expected ldap://, ldaps:// or ldapi:// URIs" },
	{ BASE "listener_methods = submission\n", 0, ":2: bad value "
	    "\"submission\" for listener_methods: expected NAME:METHOD items "
	    "with METHOD smtp or campaign" },
	{ BASE "listener_methods = a:smtp b:bulk\n", 0, ":2: bad value "
	    "\"b:bulk\" for listener_methods: expected NAME:METHOD items with "
	    "METHOD smtp or campaign" },
	{ BASE "listener_methods = :smtp\n", 0, ":2: bad value \":smtp\" for "
	    "listener_methods: expected NAME:METHOD items with METHOD smtp or "
	    "campaign" },
	{ BASE "listener_methods = a:smtp, a:campaign\n", 0,
	    ":2: duplicate listener \"a\" in listener_methods" },

	/* continuation lines: errors name the line the parameter starts */
	{ BASE "ldap_uri = ldap://a/\n  # note\n\n\thttp://b/\n", 0,
	    ":2: bad value \"http://b/\" for ldap_uri: expected ldap://, "
	    "ldaps:// or ldapi:// URIs" },
	{ BASE "redis_db = 1\n 2\n", 0, ":2: bad value \"1 2\" for redis_db: "
	    "expected a non-negative integer" },
	{ BASE "listener_methods = a:smtp\n b:smtp\n  a:campaign\n", 0,
	    ":2: duplicate listener \"a\" in listener_methods" },
};

/* Directory for temporary files. */
static const char *
tmpdir(void)
{
	const char	*d = getenv("TMPDIR");

	return d != NULL && *d != '\0' ? d : "/tmp";
}

/* Write len octets of text to a new temporary file of mode; name in path. */
static void
write_file(const char *text, size_t len, mode_t mode, char *path,
    size_t plen)
{
	int	 fd;

	assert_true((size_t)snprintf(path, plen, "%s/test_conf.XXXXXX",
	    tmpdir()) < plen);
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_true(write(fd, text, len) == (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

/*
 * conf_load a text through a temporary file; the file's name in path.
 * A text that sets ldap_bind_dn but no password file gets one appended
 * (a bind DN alone is an error of its own, tested in test_bind_dn_alone).
 */
static int
load_text(const char *text, size_t len, struct sg_conf *c, char *path,
    size_t plen, char *err, size_t errlen)
{
	char	 pw[TPATH], line[TPATH + 64], *full = NULL;
	int	 rc, addpw;

	addpw = memmem(text, len, "ldap_bind_dn", 12) != NULL &&
	    memmem(text, len, "ldap_bind_password_file", 23) == NULL;
	if (addpw) {
		write_file("secret\n", 7, 0600, pw, sizeof(pw));
		snprintf(line, sizeof(line), "\nldap_bind_password_file = %s\n",
		    pw);
		full = malloc(len + strlen(line) + 1);
		assert_non_null(full);
		memcpy(full, text, len);
		memcpy(full + len, line, strlen(line) + 1);
		text = full;
		len += strlen(line);
	}
	write_file(text, len, 0644, path, plen);
	rc = conf_load(path, c, err, errlen);
	unlink(path);
	if (addpw)
		unlink(pw);
	free(full);
	return rc;
}

/* A bind DN without a password file is refused, naming the file. */
static void
test_bind_dn_alone(void **state)
{
	struct sg_conf	 c;
	char		 path[TPATH], err[1024], want[TPATH + 128];
	static const char text[] = BASE "ldap_bind_dn = cn=milter,dc=x\n";

	(void)state;
	write_file(text, strlen(text), 0644, path, sizeof(path));
	assert_int_equal(conf_load(path, &c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: ldap_bind_dn is set but "
	    "ldap_bind_password_file is not", path);
	unlink(path);
	if (strcmp(err, want) != 0)
		fail_msg("got \"%s\", want \"%s\"", err, want);
}

/* Compare two strings; print "got X, want Y" on a difference. 0 / 1. */
static int
differ(const char *ctx, const char *what, const char *got, const char *want)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return 0;
	if (got == NULL && want == NULL)
		return 0;
	print_error("%s: %s: got \"%s\", want \"%s\"\n", ctx, what,
	    got != NULL ? got : "(null)", want != NULL ? want : "(null)");
	return 1;
}

/* Compare two numbers; print "got X, want Y" on a difference. 0 / 1. */
static int
differ_l(const char *ctx, const char *what, long got, long want)
{
	if (got == want)
		return 0;
	print_error("%s: %s: got %ld, want %ld\n", ctx, what, got, want);
	return 1;
}

/* Check one field of c against e. 0, or 1 after printing. */
static int
check_field(const char *ctx, const struct sg_conf *c, const struct expect *e)
{
	const char	*base = (const char *)c + e->off;

	switch (e->kind) {
	case K_STR:
		return differ(ctx, e->name, *(char *const *)(const void *)base,
		    e->s);
	case K_LONG:
		return differ_l(ctx, e->name, *(const long *)(const void *)base,
		    e->l);
	case K_INT:
		return differ_l(ctx, e->name, *(const int *)(const void *)base,
		    e->l);
	}
	return 1;
}

/* Check every default, and the lists and secrets; count failures. */
static int
check_defaults(const char *ctx, const struct sg_conf *c)
{
	size_t	 i;
	int	 bad = 0;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		bad += check_field(ctx, c, &defaults[i]);
	bad += differ_l(ctx, "ldap_nuri", (long)c->ldap_nuri, 1);
	if (c->ldap_uri == NULL) {
		print_error("%s: ldap_uri: got NULL, want a list\n", ctx);
		bad++;
	} else {
		bad += differ(ctx, "ldap_uri[0]", c->ldap_uri[0],
		    "ldap://127.0.0.1/");
		bad += differ(ctx, "ldap_uri[1]", c->ldap_uri[1], NULL);
	}
	bad += differ_l(ctx, "nlisteners", (long)c->nlisteners, 0);
	bad += differ(ctx, "ldap_bind_password", c->ldap_bind_password, NULL);
	bad += differ(ctx, "redis_password", c->redis_password, NULL);
	return bad;
}

/* conf_defaults() and a file with only ldap_base give every default. */
static void
test_defaults(void **state)
{
	struct sg_conf	 c;
	char		 path[TPATH], err[1024];
	int		 bad = 0;

	(void)state;
	conf_defaults(&c);
	bad += check_defaults("conf_defaults", &c);
	bad += differ("conf_defaults", "ldap_base", c.ldap_base, "");
	bad += differ("conf_defaults", "path", c.path, NULL);
	conf_free(&c);

	if (load_text(BASE, strlen(BASE), &c, path, sizeof(path), err,
	    sizeof(err)) != 0) {
		print_error("BASE: got error \"%s\", want success\n", err);
		fail();
	}
	bad += check_defaults("BASE", &c);
	bad += differ("BASE", "ldap_base", c.ldap_base, BASE_DN);
	bad += differ("BASE", "path", c.path, path);
	conf_free(&c);
	if (bad)
		fail_msg("%d default(s) wrong", bad);
}

/* Each good value sets its field. */
static void
test_good_values(void **state)
{
	struct sg_conf	 c;
	char		 text[1024], path[TPATH], err[1024];
	size_t		 i;
	int		 bad = 0;

	(void)state;
	for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		snprintf(text, sizeof(text), BASE "%s\n", goods[i].line);
		if (load_text(text, strlen(text), &c, path, sizeof(path), err,
		    sizeof(err)) != 0) {
			print_error("\"%s\": got error \"%s\", want success\n",
			    goods[i].line, err);
			bad++;
			continue;
		}
		bad += check_field(goods[i].line, &c, &goods[i].want);
		conf_free(&c);
	}
	if (bad)
		fail_msg("%d good case(s) failed", bad);
}

/* Each bad file gives its "FILE:LINE: reason" and leaves c empty. */
static void
test_bad_values(void **state)
{
	struct sg_conf	 c;
	char		 path[TPATH], err[1024], want[2048], ctx[32];
	size_t		 i, len;
	int		 bad = 0, rc;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		len = bads[i].len != 0 ? bads[i].len : strlen(bads[i].text);
		memset(&c, 0xa5, sizeof(c));
		rc = load_text(bads[i].text, len, &c, path, sizeof(path), err,
		    sizeof(err));
		snprintf(want, sizeof(want), "%s%s", path, bads[i].want);
		if (rc != -1) {
			print_error("case %zu: got success, want \"%s\"\n", i,
			    want);
			conf_free(&c);
			bad++;
			continue;
		}
		snprintf(ctx, sizeof(ctx), "case %zu", i);
		bad += differ(ctx, "error", err, want);
		if (c.path != NULL || c.socket != NULL || c.ldap_uri != NULL ||
		    c.ldap_base != NULL || c.listeners != NULL) {
			print_error("case %zu: got fields left set, want an "
			    "empty struct\n", i);
			bad++;
		}
	}
	if (bad)
		fail_msg("%d bad case(s) failed", bad);
}

/* Lines of 4096 octets are fine, of 4097 an error. */
static void
test_line_length(void **state)
{
	struct sg_conf	 c;
	char		 text[8192], path[TPATH], err[1024], want[2048];
	size_t		 n;

	(void)state;
	for (n = 4096; n <= 4097; n++) {
		snprintf(text, sizeof(text), BASE "ldap_bind_dn = ");
		memset(text + strlen(text), 'x',
		    n - strlen("ldap_bind_dn = "));
		text[strlen(BASE) + n] = '\0';
		strcat(text, "\n");
		if (n == 4096) {
			if (load_text(text, strlen(text), &c, path,
			    sizeof(path), err, sizeof(err)) != 0)
				fail_msg("4096 octets: got \"%s\", want "
				    "success", err);
			assert_int_equal(strlen(c.ldap_bind_dn),
			    4096 - strlen("ldap_bind_dn = "));
			conf_free(&c);
			continue;
		}
		assert_int_equal(load_text(text, strlen(text), &c, path,
		    sizeof(path), err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s:2: line longer than 4096 "
		    "octets", path);
		if (differ("4097 octets", "error", err, want))
			fail();
	}
}

/* Continuation lines join with one space, across comments and blanks. */
static void
test_continuation(void **state)
{
	static const char text[] = BASE
	    "ldap_uri = ldap://a.example/\n"
	    "    ldaps://b.example/\n"
	    "# a comment between\n"
	    "   # an indented comment\n"
	    "\n"
	    "\tldapi://%2Frun%2Fslapd%2Fldapi/\n"
	    "ldap_bind_dn = cn=milter,\n"
	    "  ou=services,\t\n"
	    "\t dc=example,dc=com\n"
	    "listener_methods =\n"
	    "  submission:smtp,\n"
	    "  campaign:campaign\n"
	    "redis_db = 3\n";
	struct sg_conf	 c;
	char		 path[TPATH], err[1024];
	int		 bad = 0;

	(void)state;
	if (load_text(text, strlen(text), &c, path, sizeof(path), err,
	    sizeof(err)) != 0)
		fail_msg("got \"%s\", want success", err);
	bad += differ_l("continuation", "ldap_nuri", (long)c.ldap_nuri, 3);
	bad += differ("continuation", "ldap_uri[0]", c.ldap_uri[0],
	    "ldap://a.example/");
	bad += differ("continuation", "ldap_uri[1]", c.ldap_uri[1],
	    "ldaps://b.example/");
	bad += differ("continuation", "ldap_uri[2]", c.ldap_uri[2],
	    "ldapi://%2Frun%2Fslapd%2Fldapi/");
	bad += differ("continuation", "ldap_uri[3]", c.ldap_uri[3], NULL);
	bad += differ("continuation", "ldap_bind_dn", c.ldap_bind_dn,
	    "cn=milter, ou=services, dc=example,dc=com");
	bad += differ_l("continuation", "nlisteners", (long)c.nlisteners, 2);
	bad += differ_l("continuation", "redis_db", c.redis_db, 3);
	conf_free(&c);
	if (bad)
		fail();
}

/* listener_methods maps names; others get default_access_method. */
static void
test_listeners(void **state)
{
	static const char text[] = BASE
	    "listener_methods = submission:smtp, campaign:campaign  "
	    "relay:smtp,,bulk:campaign\n"
	    "default_access_method = campaign\n";
	static const struct {
		const char	*name;
		int		 want;
	} cases[] = {
		{ "submission", METHOD_SMTP },
		{ "campaign", METHOD_CAMPAIGN },
		{ "relay", METHOD_SMTP },
		{ "bulk", METHOD_CAMPAIGN },
		{ "Submission", METHOD_CAMPAIGN },	/* unmapped: default */
		{ "smtpd", METHOD_CAMPAIGN },
		{ NULL, METHOD_CAMPAIGN },
	};
	struct sg_conf	 c;
	char		 path[TPATH], err[1024];
	size_t		 i;
	int		 bad = 0;

	(void)state;
	if (load_text(text, strlen(text), &c, path, sizeof(path), err,
	    sizeof(err)) != 0)
		fail_msg("got \"%s\", want success", err);
	bad += differ_l("listeners", "nlisteners", (long)c.nlisteners, 4);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad += differ_l(cases[i].name != NULL ? cases[i].name :
		    "(NULL)", "method", conf_listener_method(&c,
		    cases[i].name), cases[i].want);
	conf_free(&c);

	conf_defaults(&c);
	bad += differ_l("defaults", "method of x",
	    conf_listener_method(&c, "x"), METHOD_SMTP);
	bad += differ_l("defaults", "method of NULL",
	    conf_listener_method(&c, NULL), METHOD_SMTP);
	conf_free(&c);
	if (bad)
		fail();
}

/* conf_method_name() words. */
static void
test_method_name(void **state)
{
	int	 bad = 0;

	(void)state;
	bad += differ("METHOD_SMTP", "name", conf_method_name(METHOD_SMTP),
	    "smtp");
	bad += differ("METHOD_CAMPAIGN", "name",
	    conf_method_name(METHOD_CAMPAIGN), "campaign");
	bad += differ("0", "name", conf_method_name(0), "unknown");
	if (bad)
		fail();
}

/* A zoneinfo name that exists is accepted (skipped without tzdata). */
static void
test_timezone(void **state)
{
	static const char text[] = BASE "quota_timezone = Europe/Berlin\n";
	static const char dir[] = BASE "quota_timezone = Europe\n";
	static const char tab[] = BASE "quota_timezone = zone.tab\n";
	struct sg_conf	 c;
	struct stat	 st;
	char		 path[TPATH], err[1024], want[2048];

	(void)state;
	if (stat("/usr/share/zoneinfo/Europe/Berlin", &st) == -1)
		skip();
	if (load_text(text, strlen(text), &c, path, sizeof(path), err,
	    sizeof(err)) != 0)
		fail_msg("got \"%s\", want success", err);
	if (differ("Europe/Berlin", "quota_timezone", c.quota_timezone,
	    "Europe/Berlin"))
		fail();
	conf_free(&c);

	assert_int_equal(load_text(dir, strlen(dir), &c, path, sizeof(path),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: bad value \"Europe\" for "
	    "quota_timezone: no such time zone under /usr/share/zoneinfo",
	    path);
	if (differ("Europe", "error", err, want))
		fail();

	/* a regular file that is no zone file */
	if (stat("/usr/share/zoneinfo/zone.tab", &st) == -1)
		return;
	assert_int_equal(load_text(tab, strlen(tab), &c, path, sizeof(path),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: bad value \"zone.tab\" for "
	    "quota_timezone: no such time zone under /usr/share/zoneinfo",
	    path);
	if (differ("zone.tab", "error", err, want))
		fail();
}

struct pwcase {				/* a password file and its outcome */
	const char	*content;
	size_t		 len;		/* 0: strlen */
	mode_t		 mode;
	const char	*want_pw;	/* NULL: an error */
	const char	*want_err;	/* after "CONF:LINE: password file P" */
};

static const struct pwcase pwcases[] = {
	{ "s3cret\n", 0, 0600, "s3cret", NULL },
	{ "s3cret\r\n", 0, 0600, "s3cret", NULL },
	{ "s3cret", 0, 0400, "s3cret", NULL },
	{ "s3cret\nsecond line\n", 0, 0640, "s3cret", NULL },
	{ " with spaces \n", 0, 0600, " with spaces ", NULL },
	{ "s3cret\n", 0, 0604, NULL, " is readable by others (chmod o-r)" },
	{ "s3cret\n", 0, 0644, NULL, " is readable by others (chmod o-r)" },
	{ "s3cret\n", 0, 0620, NULL,
	    " is writable by group or others (chmod go-w)" },
	{ "s3cret\n", 0, 0602, NULL,
	    " is writable by group or others (chmod go-w)" },
	{ "", 0, 0600, NULL, " is empty" },
	{ "\n", 0, 0600, NULL, " is empty" },
	{ "\r\nrest\n", 0, 0600, NULL, " is empty" },
	{ "s3\0cret\n", 8, 0600, NULL, " holds a NUL octet" },
};

/* Run one password-file case for key (set at line 2). 0, or 1. */
static int
run_pwcase(const char *key, const struct pwcase *pc, const char *content,
    size_t len)
{
	struct sg_conf	 c;
	char		 pw[TPATH], path[TPATH], text[TPATH + 256];
	char		 err[2048], want[4096];
	const char	*got;
	int		 rc, bad = 0;

	write_file(content, len, pc->mode, pw, sizeof(pw));
	snprintf(text, sizeof(text), BASE "%s = %s\n", key, pw);
	rc = load_text(text, strlen(text), &c, path, sizeof(path), err,
	    sizeof(err));
	unlink(pw);
	if (pc->want_pw != NULL) {
		if (rc != 0) {
			print_error("%s mode %o: got \"%s\", want success\n",
			    key, (unsigned)pc->mode, err);
			return 1;
		}
		got = strcmp(key, "redis_password_file") == 0 ?
		    c.redis_password : c.ldap_bind_password;
		bad += differ(key, "password", got, pc->want_pw);
		conf_free(&c);
		return bad;
	}
	snprintf(want, sizeof(want), "%s:2: password file %s%s", path, pw,
	    pc->want_err);
	if (rc != -1) {
		print_error("%s mode %o: got success, want \"%s\"\n", key,
		    (unsigned)pc->mode, want);
		conf_free(&c);
		return 1;
	}
	bad += differ(key, "error", err, want);
	if (strstr(err, "s3cret") != NULL) {
		print_error("%s: got the password in \"%s\", want it absent\n",
		    key, err);
		bad++;
	}
	return bad;
}

/* Password files: read, permissions refused, never shown. */
static void
test_password_files(void **state)
{
	static const char *const keys[] = {
		"ldap_bind_password_file", "redis_password_file"
	};
	static const struct pwcase longok = { NULL, 0, 0600, "", NULL };
	static const struct pwcase longbad = { NULL, 0, 0600, NULL,
	    ": first line longer than 1024 octets" };
	struct pwcase	 pc;
	char		 big[1100], want[1025];
	size_t		 i, k;
	int		 bad = 0;

	(void)state;
	memset(want, 'p', 1024);
	want[1024] = '\0';
	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(pwcases) / sizeof(pwcases[0]); i++)
			bad += run_pwcase(keys[k], &pwcases[i],
			    pwcases[i].content, pwcases[i].len != 0 ?
			    pwcases[i].len : strlen(pwcases[i].content));

		/* 1024 octets (and CR LF) are fine; 1025 are too long */
		pc = longok;
		pc.want_pw = want;
		memset(big, 'p', 1024);
		memcpy(big + 1024, "\r\n", 2);
		bad += run_pwcase(keys[k], &pc, big, 1026);
		bad += run_pwcase(keys[k], &pc, big, 1024);
		memset(big, 'p', sizeof(big));
		big[1025] = '\n';
		bad += run_pwcase(keys[k], &longbad, big, 1026);
		bad += run_pwcase(keys[k], &longbad, big, sizeof(big));
	}
	if (bad)
		fail_msg("%d password case(s) failed", bad);
}

/* Missing, directory and unreadable password files give their errors. */
static void
test_password_file_errors(void **state)
{
	struct sg_conf	 c;
	char		 dir[TPATH], path[TPATH], text[TPATH + 256];
	char		 err[2048], want[4096];
	int		 bad = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_conf.XXXXXX", tmpdir());
	assert_non_null(mkdtemp(dir));

	snprintf(text, sizeof(text), BASE "redis_password_file = %s\n", dir);
	assert_int_equal(load_text(text, strlen(text), &c, path, sizeof(path),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: password file %s is not a "
	    "regular file", path, dir);
	bad += differ("directory", "error", err, want);

	snprintf(text, sizeof(text), BASE "\nldap_bind_password_file = "
	    "%s/missing\n", dir);
	assert_int_equal(load_text(text, strlen(text), &c, path, sizeof(path),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:3: cannot open password file "
	    "%s/missing: No such file or directory", path, dir);
	bad += differ("missing", "error", err, want);
	assert_int_equal(rmdir(dir), 0);
	if (bad)
		fail();
}

/* A file that cannot be opened names itself. */
static void
test_open_error(void **state)
{
	struct sg_conf	 c;
	char		 err[1024];

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(conf_load("/nonexistent/sendergate.conf", &c, err,
	    sizeof(err)), -1);
	if (differ("missing file", "error", err, "/nonexistent/sendergate.conf:"
	    " cannot open: No such file or directory"))
		fail();
	assert_null(c.path);
	assert_null(c.socket);
}

/* A small err buffer is truncated, never overrun. */
static void
test_small_err(void **state)
{
	struct sg_conf	 c;
	char		 path[TPATH], err[8];

	(void)state;
	assert_int_equal(load_text(BASE "bogus = 1\n", strlen(BASE) + 10, &c,
	    path, sizeof(path), err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(load_text("", 0, &c, path, sizeof(path), err, 0), -1);
}

/* Every key set at once; conf_free and a reload into the same struct. */
static void
test_full_file(void **state)
{
	static const char text[] =
	    "# sendergate.conf for the relay\n"
	    "socket = unix:/run/sendergate/sendergate.sock\n"
	    "user = sendergate\n"
	    "ldap_uri = ldaps://ldap1.example.com/ ldaps://ldap2.example.com/\n"
	    "ldap_base = ou=sendergate,dc=example,dc=com\n"
	    "ldap_bind_dn = cn=sendergate,ou=services,dc=example,dc=com\n"
	    "ldap_starttls = no\n"
	    "ldap_ca_file = /etc/ssl/certs/ca-certificates.crt\n"
	    "ldap_timeout = 3s\n"
	    "ldap_mode = query\n"
	    "cache_ttl = 5m\n"
	    "negative_cache_ttl = 30s\n"
	    "cache_max_stale = 2h\n"
	    "redis_address = [2001:db8::7]:6380\n"
	    "redis_password_file =\n"
	    "redis_db = 2\n"
	    "redis_prefix = relay\n"
	    "redis_timeout = 500ms\n"
	    "listener_methods = submission:smtp campaign:campaign\n"
	    "default_access_method = smtp\n"
	    "default_monthly_limit = 10000\n"
	    "quota_unit = recipient\n"
	    "quota_timezone = UTC\n"
	    "header_from_policy = domain\n"
	    "campaign_require_unsubscribe = yes\n"
	    "archive_address = journal@vault.example.net\n"
	    "null_sender = accept\n"
	    "on_directory_error = reject\n"
	    "on_counter_error = accept\n"
	    "on_suspended = reject\n"
	    "on_quota_exceeded = reject\n"
	    "log_level = debug\n";
	static const struct expect want[] = {
		E_STR(socket, "unix:/run/sendergate/sendergate.sock"),
		E_STR(user, "sendergate"),
		E_STR(ldap_base, "ou=sendergate,dc=example,dc=com"),
		E_STR(ldap_bind_dn,
		    "cn=sendergate,ou=services,dc=example,dc=com"),
		E_INT(ldap_starttls, 0),
		E_STR(ldap_ca_file, "/etc/ssl/certs/ca-certificates.crt"),
		E_LONG(ldap_timeout, 3000),
		E_INT(ldap_mode, LDAP_MODE_QUERY),
		E_LONG(cache_ttl, 300000),
		E_LONG(negative_cache_ttl, 30000),
		E_LONG(cache_max_stale, 7200000),
		E_STR(redis_address, "[2001:db8::7]:6380"),
		E_STR(redis_password_file, ""),
		E_LONG(redis_db, 2),
		E_STR(redis_prefix, "relay"),
		E_LONG(redis_timeout, 500),
		E_INT(default_access_method, METHOD_SMTP),
		E_LONG(default_monthly_limit, 10000),
		E_INT(quota_unit, QUOTA_RECIPIENT),
		E_STR(quota_timezone, "UTC"),
		E_INT(header_from_policy, FROM_DOMAIN),
		E_INT(campaign_require_unsubscribe, 1),
		E_STR(archive_address, "journal@vault.example.net"),
		E_INT(null_sender, ACT_ACCEPT),
		E_INT(on_directory_error, ACT_REJECT),
		E_INT(on_counter_error, ACT_ACCEPT),
		E_INT(on_suspended, ACT_REJECT),
		E_INT(on_quota_exceeded, ACT_REJECT),
		E_INT(log_level, LOG_LVL_DEBUG),
	};
	struct sg_conf	 c;
	char		 path[TPATH], err[1024];
	size_t		 i;
	int		 bad = 0, round;

	(void)state;
	for (round = 0; round < 2; round++) {
		if (load_text(text, strlen(text), &c, path, sizeof(path), err,
		    sizeof(err)) != 0)
			fail_msg("got \"%s\", want success", err);
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			bad += check_field("full file", &c, &want[i]);
		bad += differ_l("full file", "ldap_nuri", (long)c.ldap_nuri,
		    2);
		bad += differ("full file", "ldap_uri[1]", c.ldap_uri[1],
		    "ldaps://ldap2.example.com/");
		bad += differ_l("full file", "nlisteners",
		    (long)c.nlisteners, 2);
		bad += differ("full file", "listeners[1].name",
		    c.listeners[1].name, "campaign");
		bad += differ_l("full file", "listeners[1].method",
		    c.listeners[1].method, METHOD_CAMPAIGN);
		bad += differ("full file", "ldap_bind_password",
		    c.ldap_bind_password, "secret");
		conf_free(&c);
		conf_free(&c);		/* twice is harmless */
	}
	if (bad)
		fail_msg("%d field(s) wrong", bad);
}

/* Both password files set in one file, read and then wiped by free. */
static void
test_both_passwords(void **state)
{
	struct sg_conf	 c;
	char		 p1[TPATH], p2[TPATH], path[TPATH];
	char		 text[3 * TPATH], err[2048];
	int		 bad = 0;

	(void)state;
	write_file("ldap-pw\n", 8, 0600, p1, sizeof(p1));
	write_file("redis-pw", 8, 0440, p2, sizeof(p2));
	snprintf(text, sizeof(text), BASE "ldap_bind_password_file = %s\n"
	    "redis_password_file = %s\n", p1, p2);
	if (load_text(text, strlen(text), &c, path, sizeof(path), err,
	    sizeof(err)) != 0) {
		unlink(p1);
		unlink(p2);
		fail_msg("got \"%s\", want success", err);
	}
	unlink(p1);
	unlink(p2);
	bad += differ("both", "ldap_bind_password", c.ldap_bind_password,
	    "ldap-pw");
	bad += differ("both", "redis_password", c.redis_password, "redis-pw");
	bad += differ("both", "ldap_bind_password_file",
	    c.ldap_bind_password_file, p1);
	conf_free(&c);
	bad += differ("freed", "ldap_bind_password", c.ldap_bind_password,
	    NULL);
	if (bad)
		fail();
}

/*
 * sendergate.conf.example (run from the top directory) loads, and with
 * every "#key = default" line uncommented still gives the defaults.
 */
static void
test_example(void **state)
{
	struct sg_conf	 c;
	FILE		*fp;
	char		 line[512], *text, path[TPATH], err[1024];
	size_t		 len = 0, n, cap = 65536;
	int		 keys = 0, bad = 0;

	(void)state;
	if ((fp = fopen("sendergate.conf.example", "r")) == NULL)
		skip();
	if (conf_load("sendergate.conf.example", &c, err, sizeof(err)) != 0)
		fail_msg("example: got \"%s\", want success", err);
	conf_free(&c);

	assert_non_null(text = malloc(cap));
	while (fgets(line, sizeof(line), fp) != NULL) {
		n = strspn(line + 1, "abcdefghijklmnopqrstuvwxyz_");
		if (line[0] == '#' && n > 0 && strncmp(line + 1 + n, " =", 2)
		    == 0) {
			memmove(line, line + 1, strlen(line));
			keys++;
		}
		n = strlen(line);
		assert_true(len + n < cap);
		memcpy(text + len, line, n);
		len += n;
	}
	fclose(fp);
	if (load_text(text, len, &c, path, sizeof(path), err,
	    sizeof(err)) != 0) {
		free(text);
		fail_msg("uncommented example: got \"%s\", want success", err);
	}
	free(text);
	bad += differ_l("uncommented example", "keys", keys, 67);
	bad += check_defaults("uncommented example", &c);
	bad += differ("uncommented example", "ldap_base", c.ldap_base,
	    BASE_DN);
	conf_free(&c);
	if (bad)
		fail();
}

struct seen {				/* conf_diff's calls */
	char	 keys[512];
	int	 whats[16];
	int	 n;
};

/* conf_diff's callback: note the key and its class. */
static void
note(const char *key, int what, void *arg)
{
	struct seen	*s = arg;
	size_t		 l = strlen(s->keys);

	snprintf(s->keys + l, sizeof(s->keys) - l, "%s%s", l ? " " : "", key);
	if (s->n < 16)
		s->whats[s->n] = what;
	s->n++;
}

/*
 * conf_diff: which keys differ and what a reload does about each: new
 * messages (0), restart, directory, Redis; a password file's contents
 * count, not only its name.
 */
static void
test_diff(void **state)
{
	static const struct {
		const char	*line;		/* added to b's file */
		const char	*keys;		/* conf_diff's keys */
		int		 all;		/* its result */
	} cases[] = {
		{ "", "", 0 },
		{ "cache_ttl = 60s", "", 0 },	/* the default: no change */
		{ "log_level = debug", "log_level", 0 },
		{ "quota_unit = recipient", "quota_unit", 0 },
		{ "listener_methods = a:smtp", "listener_methods", 0 },
		{ "socket = inet:9999@127.0.0.1", "socket", CONF_RESTART },
		{ "user = nobody", "user", CONF_RESTART },
		{ "pid_file =", "pid_file", CONF_RESTART },
		{ "syslog_facility = local0", "syslog_facility", CONF_RESTART },
		{ "syslog_name = x", "syslog_name", CONF_RESTART },
		{ "quota_timezone = Europe/Berlin", "quota_timezone",
		    CONF_RESTART },
		{ "ldap_uri = ldap://b/", "ldap_uri", CONF_DIR },
		{ "ldap_mode = query", "ldap_mode", CONF_DIR },
		{ "cache_ttl = 61s", "cache_ttl", CONF_DIR },
		{ "redis_address = 127.0.0.1:7000", "redis_address", CONF_REDIS },
		{ "redis_db = 2", "redis_db", CONF_REDIS },
		{ "redis_prefix = x", "redis_prefix", CONF_REDIS },
		{ "dedupe_max_retries = 3", "dedupe_max_retries", CONF_REDIS },
		{ "redis_sentinels = 127.0.0.1:26379\nredis_master_name = m",
		    "redis_sentinels redis_master_name", CONF_REDIS },
		{ "redis_wait_replicas = 1", "redis_wait_replicas", CONF_REDIS },
		{ "bounce_window = 2d", "bounce_window", CONF_REDIS },
		{ "header_from_policy = exact", "header_from_policy", 0 },
		{ "customer_smtp_hosts = h\ncustomer_ports = 25:none:smtp",
		    "customer_smtp_hosts customer_ports", 0 },
		{ "ldap_timeout = 3s\nredis_timeout = 1s\nlog_level = error",
		    "ldap_timeout redis_timeout log_level",
		    CONF_DIR | CONF_REDIS },
	};
	struct sg_conf	 a, b;
	struct seen	 seen;
	char		 text[512], path[TPATH], err[1024];
	size_t		 i;
	int		 all, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), BASE "%s\n", cases[i].line);
		if (load_text(BASE, strlen(BASE), &a, path, sizeof(path), err,
		    sizeof(err)) != 0 || load_text(text, strlen(text), &b,
		    path, sizeof(path), err, sizeof(err)) != 0)
			fail_msg("%s: got \"%s\", want success", cases[i].line,
			    err);
		memset(&seen, 0, sizeof(seen));
		all = conf_diff(&a, &b, note, &seen);
		bad += differ(cases[i].line, "keys", seen.keys, cases[i].keys);
		bad += differ_l(cases[i].line, "result", all, cases[i].all);
		bad += differ_l(cases[i].line, "same file", conf_diff(&b, &b,
		    NULL, NULL), 0);
		conf_free(&a);
		conf_free(&b);
	}
	if (bad)
		fail();
}

/* A password file rewritten under the same name is a change. */
static void
test_diff_secret(void **state)
{
	struct sg_conf	 a, b;
	char		 pw[TPATH], text[TPATH + 128], path[TPATH], err[1024];
	struct seen	 seen;
	FILE		*fp;
	int		 fd, all, bad = 0;

	(void)state;
	snprintf(pw, sizeof(pw), "/tmp/test_conf_pw.XXXXXX");
	assert_true((fd = mkstemp(pw)) != -1);
	assert_int_equal(write(fd, "one\n", 4), 4);
	close(fd);
	snprintf(text, sizeof(text), BASE "redis_password_file = %s\n", pw);
	if (load_text(text, strlen(text), &a, path, sizeof(path), err,
	    sizeof(err)) != 0)
		fail_msg("got \"%s\", want success", err);
	assert_non_null(fp = fopen(pw, "w"));
	fputs("two\n", fp);
	fclose(fp);
	if (load_text(text, strlen(text), &b, path, sizeof(path), err,
	    sizeof(err)) != 0)
		fail_msg("got \"%s\", want success", err);
	unlink(pw);
	memset(&seen, 0, sizeof(seen));
	all = conf_diff(&a, &b, note, &seen);
	bad += differ("new password", "keys", seen.keys, "redis_password_file");
	bad += differ_l("new password", "result", all, CONF_REDIS);
	conf_free(&a);
	conf_free(&b);
	if (bad)
		fail();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_secret),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_method_name),
		cmocka_unit_test(test_timezone),
		cmocka_unit_test(test_password_files),
		cmocka_unit_test(test_password_file_errors),
		cmocka_unit_test(test_open_error),
		cmocka_unit_test(test_small_err),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_bind_dn_alone),
		cmocka_unit_test(test_both_passwords),
		cmocka_unit_test(test_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
