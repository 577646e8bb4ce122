/*
 * conf.h - the configuration file: "name = value" lines, # comments.
 *
 * The keys, their types, defaults and bounds live in one table in conf.c;
 * the parser walks the table. An unknown name, a bad value or a duplicate
 * is an error naming the file and the line.
 */
#ifndef SG_CONF_H
#define SG_CONF_H

#include <stddef.h>

#include "lib/dirval.h"
#include "lib/rate.h"

enum sg_action {			/* the on_* settings */
	ACT_TEMPFAIL = 0,
	ACT_ACCEPT,
	ACT_REJECT
};

enum sg_ldap_mode { LDAP_MODE_QUERY = 0, LDAP_MODE_MIRROR };
enum sg_quota_unit { QUOTA_MESSAGE = 0, QUOTA_RECIPIENT };
enum sg_precheck { PRECHECK_ALWAYS = 0, PRECHECK_KNOWN };
enum sg_suppression {
	SUPPRESS_CAMPAIGN = 0, SUPPRESS_ALL, SUPPRESS_OFF
};
enum sg_rep_action {			/* reputation_action */
	REPACT_SUSPEND = 0, REPACT_WARN, REPACT_OFF
};
enum sg_from_policy {
	FROM_REGISTERED = 0, FROM_EXACT, FROM_DOMAIN, FROM_OFF
};

struct sg_listener {			/* one listener_methods item */
	char		*name;
	int		 method;	/* METHOD_SMTP or METHOD_CAMPAIGN */
};

struct sg_conf {
	char		*path;		/* the file read */

	char		*socket;	/* inet:PORT@HOST | unix:/path */
	char		*user;		/* "" = stay as started */
	long		 socket_mode;	/* unix socket: permission bits */
	char		*socket_group;	/* unix socket: "" = user's group */

	char		**ldap_uri;	/* NULL-terminated, at least one */
	size_t		 ldap_nuri;
	char		*ldap_base;
	char		*ldap_bind_dn;	/* "" = anonymous */
	char		*ldap_bind_password_file;
	char		*ldap_bind_password;	/* read from the file, or NULL */
	int		 ldap_starttls;		/* 0 / 1 */
	char		*ldap_ca_file;		/* "" = system default */
	long		 ldap_timeout;		/* milliseconds */
	int		 ldap_mode;		/* enum sg_ldap_mode */
	long		 cache_ttl;		/* ms */
	long		 negative_cache_ttl;	/* ms */
	long		 cache_max_stale;	/* ms; served while LDAP fails */
	long		 mirror_max_stale;	/* ms; the copy, LDAP lost */

	char		*redis_address;		/* host:port | unix:/path */
	char		*redis_password_file;
	char		*redis_password;	/* read from the file, or NULL */
	long		 redis_db;
	char		*redis_prefix;
	long		 redis_timeout;		/* ms */
	char		*redis_sentinels;	/* "" = redis_address */
	char		*redis_master_name;
	char		*redis_sentinel_password_file;
	char		*redis_sentinel_password;	/* or NULL */
	long		 redis_wait_replicas;	/* 0 = no WAIT */
	long		 redis_wait_timeout;	/* ms */
	long		 dedupe_window;		/* ms; 0 = no dedupe */
	long		 dedupe_max_retries;	/* forgiven per counted message */

	struct sg_listener *listeners;
	size_t		 nlisteners;
	int		 default_access_method;	/* enum sg_method */
	long		 default_monthly_limit;	/* 0 = no limit */
	int		 quota_unit;		/* enum sg_quota_unit */
	int		 quota_precheck;	/* enum sg_precheck */
	char		*quota_timezone;	/* "UTC" or a zoneinfo name */
	int		 header_from_policy;	/* enum sg_from_policy */
	int		 campaign_require_unsubscribe;	/* 0 / 1 */
	char		*archive_address;	/* "" = none */

	int		 null_sender;		/* ACT_ACCEPT | ACT_REJECT */
	int		 on_directory_error;	/* TEMPFAIL | ACCEPT | REJECT */
	int		 on_counter_error;	/* TEMPFAIL | ACCEPT */
	int		 on_suspended;		/* TEMPFAIL | REJECT */
	int		 on_quota_exceeded;	/* TEMPFAIL | REJECT */
	int		 log_level;		/* enum log_level */
	int		 syslog_facility;	/* LOG_MAIL, LOG_LOCAL0, ... */
	char		*syslog_name;		/* the syslog ident */
	char		*pid_file;		/* "" = none */

	int		 reply_to_require_verified;	/* 0 / 1 */
	int		 suppression;		/* enum sg_suppression */
	long		 suppression_ttl;	/* ms; 0 = never expires */
	long		 bounce_window;		/* ms the record of an accepted
						   message is kept; 0 = none */
	char		*metrics_address;	/* host:port; "" = off */
	char		*quota_warn;		/* percentages; see conf_quota_warn */
	char		*notify_relay;		/* host:port; "" = log only */
	char		*notify_from;		/* "" = the null sender */
	char		*notify_operator;	/* "" = none */

	char		*default_send_rate;	/* N/T ...; "" = none */
	int		 on_rate_exceeded;	/* TEMPFAIL | REJECT */
	long		 reputation_window;	/* ms, whole days */
	char		*bounce_rate_limits;	/* "WARN% SUSPEND%" */
	char		*complaint_rate_limits;
	long		 reputation_min_recipients;
	int		 reputation_action;	/* enum sg_rep_action */

	char		*customer_smtp_hosts;	/* names; see conf_customer.c */
	char		*customer_ports;	/* PORT:TLS:METHOD ... */

	/* domain validation (sendergatectl domain token / check) */
	char		*domain_token_secret_file;	/* "" = none */
	char		*domain_token_secret;	/* read from the file, or NULL */
	char		*relay_addresses;	/* IPs, blank separated */
	char		*dns_resolver;		/* "" = the system's; host[:port] */
	int		 campaign_require_dmarc;	/* 0 / 1: rule 13d */
	/* parsed once from the keys above (not keys themselves) */
	struct sg_rate	 default_rates[SG_RATES_MAX];	/* default_send_rate */
	int		 ndefault_rates;
	struct rep_limits bounce_limits;	/* bounce_rate_limits */
	struct rep_limits complaint_limits;	/* complaint_rate_limits */
};

/*
 * Read path into *c (which conf_load initialises). Returns 0, or -1 with
 * "FILE:LINE: reason" (or "FILE: reason") in err. On error *c holds
 * nothing to free. Password files are read here; one that others may
 * read is refused.
 */
int	conf_load(const char *path, struct sg_conf *c, char *err, size_t errlen);

/* Set *c to the defaults alone (no file); for tests and tools. */
void	conf_defaults(struct sg_conf *c);

/*
 * A deep copy of src into dst (for a module that outlives the snapshot
 * it was opened for): 0, or -1 when out of memory (dst then holds
 * nothing to free). Free it with conf_free.
 */
int	conf_copy(struct sg_conf *dst, const struct sg_conf *src);

/* Free what conf_load or conf_defaults allocated; c may be reloaded. */
void	conf_free(struct sg_conf *c);

/*
 * What a reload does about a key whose value changed (conf_diff): it
 * takes effect for new messages (0), only at a restart (CONF_RESTART),
 * the directory is opened anew with it (CONF_DIR), or the idle Redis
 * connections are closed so that new ones use it (CONF_REDIS).
 */
#define CONF_RESTART	0x01
#define CONF_DIR	0x02
#define CONF_REDIS	0x04

/*
 * Compare two configurations key by key (a password file's contents
 * too). each, if not NULL, is called for every key that differs, with its
 * CONF_* class. Returns the CONF_* bits of the keys that differ; 0 when
 * none does, or only keys that take effect for new messages.
 */
int	conf_diff(const struct sg_conf *a, const struct sg_conf *b,
	    void (*each)(const char *key, int what, void *arg), void *arg);

/*
 * Give the keys of reload class what (CONF_RESTART ...) in dst the
 * values they have in src: a reload keeps what runs for the keys it
 * cannot apply, so that the next reload compares with what runs. 0, or
 * -1 when out of memory (dst unchanged).
 */
int	conf_keep(struct sg_conf *dst, const struct sg_conf *src, int what);

/* Method of a listener name (the {daemon_name} macro; NULL = unknown). */
int	conf_listener_method(const struct sg_conf *c, const char *name);

/* Word for a method bit: "smtp", "campaign". */
const char *conf_method_name(int method);

/*
 * Read the first line of a password file (for tools: sendergatectl's
 * admin password), refused like ldap_bind_password_file when others may
 * read it. 0 with *out malloc'd (wipe and free it), or -1 with err.
 */
int	conf_read_secret(const char *file, char **out, char *err,
	    size_t errlen);

/* At most so many quota_warn thresholds. */
#define SG_WARN_MAX	8

/*
 * The quota_warn percentages of v (1 to 1000, ascending, blank
 * separated; "" = none) into pct; their number, or -1 when v is not
 * such a list.
 */
int	conf_quota_warn(const char *v, int pct[SG_WARN_MAX]);

/* ---- conf_dns.c: the keys of domain validation ------------------------ */

#define SG_RELAY_ADDRS_MAX	16	/* relay_addresses, at most */

/*
 * relay_addresses (v: IPv4 and IPv6 addresses, blank separated; "" =
 * none) into ips (up to SG_RELAY_ADDRS_MAX): the count, or -1 with *why.
 */
struct sg_ip;
int	conf_relay_addresses(const char *v, struct sg_ip *ips, const char **why);
/*
 * dns_resolver (v: "" or HOST[:PORT], HOST an IP address, [V6]:PORT for
 * a port with IPv6) into host (hostlen octets) and *port (53 when not
 * given): 0, 1 when v is "" (the system's resolver), or -1 with *why.
 */
int	conf_dns_resolver(const char *v, char *host, size_t hostlen, int *port,
	    const char **why);
/*
 * Fill the parsed fields of c (default_rates, bounce_limits ...) from
 * its keys, already checked; conf_load and conf_defaults call it.
 */
void	conf_parse_rates(struct sg_conf *c);

/* reputation_window in whole days (at least 1). */
long	conf_reputation_days(const struct sg_conf *c);

/* ---- conf_customer.c: what the onboarding sheet tells customers ------- */

enum sg_tls {				/* customer_ports: TLS on a port */
	TLS_REQUIRED = 0,		/* STARTTLS before MAIL FROM */
	TLS_OPTIONAL,			/* STARTTLS offered */
	TLS_NONE			/* no TLS */
};

struct sg_port {			/* one customer_ports item */
	long		 port;		/* 1..65535 */
	int		 tls;		/* enum sg_tls */
	int		 method;	/* METHOD_SMTP or METHOD_CAMPAIGN */
};

#define SG_PORTS_MAX	16		/* customer_ports items, at most */
#define SG_HOSTS_MAX	16		/* customer_smtp_hosts, at most */
#define SG_HOST_MAX	253		/* octets of one host name */

/*
 * customer_ports (v: "PORT:TLS:METHOD ...", "" = none) into p: the
 * number of items, or -1 with a static reason in *why.
 */
int	conf_customer_ports(const char *v, struct sg_port p[SG_PORTS_MAX],
	    const char **why);
/*
 * customer_smtp_hosts (v: host names or IP addresses, blank separated;
 * "" = none): their number, or -1 with a static reason in *why.
 */
int	conf_customer_hosts(const char *v, const char **why);
/* "required", "optional", "none"; "unknown" for anything else. */
const char *conf_tls_name(int tls);
/*
 * The keys against each other: each method of customer_ports is one a
 * listener maps to (listener_methods) or default_access_method; the two
 * keys are set together. NULL, or a static reason (that names the key)
 * with *key the key whose line is to blame.
 */
const char *conf_customer_check(const struct sg_conf *c, const char **key);

#endif
