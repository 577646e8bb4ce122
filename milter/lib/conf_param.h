/*
 * conf_param.h - inside the configuration module (conf*.c): the table of
 * keys and what the files of the module share. Nothing outside lib/conf*.c
 * includes it; the module's interface is conf.h.
 *
 *   conf_params.c  the table: every key, its type, default, bounds,
 *                  check and reload class, one row a key
 *   conf.c         the parser and the walkers of the table (defaults,
 *                  free, copy)
 *   conf_check.c   the checks of string values (sockets, addresses ...)
 *   conf_secret.c  the *_password_file keys' files
 *   conf_diff.c    what a reload changes, by the table's reload column
 */
#ifndef SG_CONF_PARAM_H
#define SG_CONF_PARAM_H

#include <limits.h>
#include <stddef.h>

#include "lib/conf.h"
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
	int		 reload;	/* CONF_* class, 0: the next message */
};

const char *conf_check_socket(const char *);
const char *conf_check_plain(const char *);
const char *conf_check_send_rate(const char *);
const char *conf_check_rep_limits(const char *);
const char *conf_check_redis_address(const char *);
const char *conf_check_redis_prefix(const char *);
const char *conf_check_sentinels(const char *);
const char *conf_check_timezone(const char *);
const char *conf_check_address(const char *);
const char *conf_check_pid_file(const char *);
const char *conf_check_tcp_address(const char *);
const char *conf_check_quota_warn(const char *);
const char *conf_check_customer_hosts(const char *);
const char *conf_check_customer_ports(const char *);
const char *conf_check_relay_addresses(const char *);
const char *conf_check_dns_resolver(const char *);

extern const struct param conf_params[];
extern const struct word conf_methods[];	/* smtp, campaign */
extern const size_t conf_nparams;

/* Address of the field at offset off in c; read-only. */
static inline void *
conf_field(struct sg_conf *c, size_t off)
{
	return (char *)c + off;
}
static inline const void *
conf_cfield(const struct sg_conf *c, size_t off)
{
	return (const char *)c + off;
}

/* Format a reason into buf; returns -1 for the caller's return. */
int	conf_why(char *, size_t, const char *, ...) SG_PRINTF(3, 4);
/* s made printable for a message: '?' for odd octets, "..." if cut. */
const char *conf_quote(const char *s, char *buf, size_t len);

/*
 * A password file under the *_password_file rules (conf.h): its first
 * line into *out (the caller wipes and frees it: conf_secret_free); 0, or
 * -1 with the reason in buf.
 */
int	conf_secret_read(const char *file, char **out, char *buf, size_t len);
/* Wipe and free a secret; *s becomes NULL. */
void	conf_secret_free(char **s);

#endif
