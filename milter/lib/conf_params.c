/*
 * conf_params.c - the keys of sendergate.conf, one row a key: name,
 * type, default (text, parsed like a value from the file), bounds, the
 * words of an enumeration, the check of a string, and what a reload does
 * when the value changed. Everything else in conf*.c walks this table;
 * no other code knows the keys. A new key needs its row here, its field
 * in struct sg_conf (conf.h), sendergate.conf(5) and the example.
 */
#include <stddef.h>
#include <syslog.h>

#include "lib/conf_param.h"

static const struct word ldap_modes[] = {
	{ "query", LDAP_MODE_QUERY, NULL },
	{ "mirror", LDAP_MODE_MIRROR, NULL },
	{ NULL, 0, NULL }
};
const struct word conf_methods[] = {
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
static const struct word rep_actions[] = {
	{ "suspend", REPACT_SUSPEND, NULL },
	{ "warn", REPACT_WARN, NULL },
	{ "off", REPACT_OFF, NULL },
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

/*
 * One row a key; the last column is what a reload does when its value
 * changed (conf.h): NEXT, the next message takes it; RESTART, only a
 * restart; DIR, the directory is opened anew; REDIS, the counters.
 */
#define NEXT	0
#define RESTART	CONF_RESTART
#define DIR	CONF_DIR
#define REDIS	CONF_REDIS
#define OFF(f)	offsetof(struct sg_conf, f)
#define P_STR(f, d, chk, fl, rl) \
	{ #f, T_STR, OFF(f), d, 0, 0, NULL, chk, 0, fl, rl }
#define P_SECRET(f, secret, rl) \
	{ #f, T_STR, OFF(f), "", 0, 0, NULL, NULL, OFF(secret), F_SECRET, rl }
#define P_TIME(f, d, lo, hi, rl) \
	{ #f, T_TIME, OFF(f), d, lo, hi, NULL, NULL, 0, 0, rl }
#define P_INT(f, d, lo, hi, rl) \
	{ #f, T_INT, OFF(f), d, lo, hi, NULL, NULL, 0, 0, rl }
#define P_MODE(f, d, hi, rl) \
	{ #f, T_MODE, OFF(f), d, 0, hi, NULL, NULL, 0, 0, rl }
#define P_ENUM(f, d, w, rl) \
	{ #f, T_ENUM, OFF(f), d, 0, 0, w, NULL, 0, 0, rl }
#define P_BOOL(f, d, rl) \
	{ #f, T_BOOL, OFF(f), d, 0, 0, NULL, NULL, 0, 0, rl }
#define P_LIST(name, t, f, n, d, rl) \
	{ name, t, OFF(f), d, 0, 0, NULL, NULL, OFF(n), 0, rl }

/* The keys. Names equal the fields, except listener_methods. */
const struct param conf_params[] = {
	P_STR(socket, "inet:8891@127.0.0.1", conf_check_socket, F_NONEMPTY, RESTART),
	P_STR(user, "", conf_check_plain, 0, RESTART),
	P_MODE(socket_mode, "0660", 0777, RESTART),
	P_STR(socket_group, "", conf_check_plain, 0, RESTART),

	P_LIST("ldap_uri", T_URIS, ldap_uri, ldap_nuri, "ldap://127.0.0.1/", DIR),
	P_STR(ldap_base, NULL, NULL, F_NONEMPTY, DIR),
	P_STR(ldap_bind_dn, "", NULL, 0, DIR),
	P_SECRET(ldap_bind_password_file, ldap_bind_password, DIR),
	P_BOOL(ldap_starttls, "no", DIR),
	P_STR(ldap_ca_file, "", NULL, 0, DIR),
	P_TIME(ldap_timeout, "2s", 1 * MSEC, 10 * MIN, DIR),
	P_ENUM(ldap_mode, "mirror", ldap_modes, DIR),
	P_TIME(mirror_max_stale, "1h", 0, 7 * DAY, DIR),
	P_TIME(cache_ttl, "60s", 0, 1 * DAY, DIR),
	P_TIME(negative_cache_ttl, "10s", 0, 1 * DAY, DIR),
	P_TIME(cache_max_stale, "1h", 0, 7 * DAY, DIR),

	P_STR(redis_address, "127.0.0.1:6379", conf_check_redis_address,
	    F_NONEMPTY, REDIS),
	P_SECRET(redis_password_file, redis_password, REDIS),
	P_INT(redis_db, "0", 0, 1000000, REDIS),
	P_STR(redis_prefix, "sg", conf_check_redis_prefix, F_NONEMPTY, REDIS),
	P_TIME(redis_timeout, "250ms", 1 * MSEC, 1 * MIN, REDIS),
	P_STR(redis_sentinels, "", conf_check_sentinels, 0, REDIS),
	P_STR(redis_master_name, "", conf_check_plain, 0, REDIS),
	P_SECRET(redis_sentinel_password_file, redis_sentinel_password, REDIS),
	P_INT(redis_wait_replicas, "0", 0, 16, REDIS),
	P_TIME(redis_wait_timeout, "100ms", 1 * MSEC, 10 * SEC, REDIS),
	P_TIME(dedupe_window, "24h", 0, 30 * DAY, REDIS),
	P_INT(dedupe_max_retries, "1", 0, 100, REDIS),

	P_LIST("listener_methods", T_LISTENERS, listeners, nlisteners, "", NEXT),
	P_ENUM(default_access_method, "smtp", conf_methods, NEXT),
	P_INT(default_monthly_limit, "0", 0, LIMIT_MAX, NEXT),
	P_ENUM(quota_unit, "message", quota_units, NEXT),
	P_ENUM(quota_precheck, "always", prechecks, REDIS),
	P_STR(quota_timezone, "UTC", conf_check_timezone, F_NONEMPTY, RESTART),
	P_ENUM(header_from_policy, "registered", from_policies, NEXT),
	P_BOOL(campaign_require_unsubscribe, "yes", NEXT),
	P_STR(archive_address, "", conf_check_address, 0, NEXT),

	P_ENUM(null_sender, "reject", reject_accept, NEXT),
	P_ENUM(on_directory_error, "tempfail", tempfail_accept_reject, NEXT),
	P_ENUM(on_counter_error, "tempfail", tempfail_accept, NEXT),
	P_ENUM(on_suspended, "tempfail", tempfail_reject, NEXT),
	P_ENUM(on_quota_exceeded, "tempfail", tempfail_reject, NEXT),
	P_ENUM(log_level, "info", log_levels, NEXT),
	P_ENUM(syslog_facility, "mail", facilities, RESTART),
	P_STR(syslog_name, "sendergate", conf_check_plain, F_NONEMPTY, RESTART),
	P_STR(pid_file, "/run/sendergate/sendergate.pid", conf_check_pid_file, 0, RESTART),

	P_BOOL(reply_to_require_verified, "yes", NEXT),
	P_ENUM(suppression, "campaign", suppressions, NEXT),
	P_TIME(suppression_ttl, "90d", 0, 3650 * DAY, NEXT),
	P_TIME(bounce_window, "6d", 0, 60 * DAY, REDIS),
	P_STR(metrics_address, "", conf_check_tcp_address, 0, RESTART),
	P_STR(quota_warn, "80 100", conf_check_quota_warn, 0, REDIS),
	P_STR(notify_relay, "", conf_check_tcp_address, 0, NEXT),
	P_STR(notify_from, "", conf_check_address, 0, NEXT),
	P_STR(notify_operator, "", conf_check_address, 0, NEXT),

	P_STR(default_send_rate, "", conf_check_send_rate, 0, NEXT),
	P_ENUM(on_rate_exceeded, "tempfail", tempfail_reject, NEXT),
	P_TIME(reputation_window, "14d", 1 * DAY, 90 * DAY, REDIS),
	P_STR(bounce_rate_limits, "5% 10%", conf_check_rep_limits, 0, NEXT),
	P_STR(complaint_rate_limits, "0.1% 0.5%", conf_check_rep_limits, 0,
	    NEXT),
	P_INT(reputation_min_recipients, "500", 1, 1000000000, NEXT),
	P_ENUM(reputation_action, "suspend", rep_actions, REDIS),

	/* read by sendergatectl sender sheet only (conf_customer.c) */
	P_STR(customer_smtp_hosts, "", conf_check_customer_hosts, 0, NEXT),
	P_STR(customer_ports, "", conf_check_customer_ports, 0, NEXT),

	/* domain validation: sendergatectl domain token / check; rule 13d */
	P_SECRET(domain_token_secret_file, domain_token_secret, NEXT),
	P_STR(relay_addresses, "", conf_check_relay_addresses, 0, NEXT),
	P_STR(dns_resolver, "", conf_check_dns_resolver, 0, NEXT),
	P_BOOL(campaign_require_dmarc, "no", NEXT),
};

const size_t conf_nparams = sizeof(conf_params) / sizeof(conf_params[0]);
