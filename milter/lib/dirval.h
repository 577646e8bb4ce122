/*
 * dirval.h - the directory's words and numbers, parsed in one place.
 *
 * sgStatus, sgAccessMethod, sgAuthMethod, sgMonthlyLimit, sgArchive and
 * sgAuthId values as LDAP holds them, turned into the program's values
 * and back into words. The milter (dir_ldap.c), sendergatectl's checks
 * (ctl_validate.c), its listings and explain all read them here, so no
 * two of them can disagree on what a value means. Pure: no I/O, no
 * allocation; depends on nothing but libc.
 *
 * Every parser takes a NUL-terminated value and returns 0 (the value is
 * good, *out set) or -1 (bad; *out untouched).
 */
#ifndef SG_DIRVAL_H
#define SG_DIRVAL_H

enum sg_status { STATUS_ACTIVE = 0, STATUS_SUSPENDED, STATUS_DISABLED };
enum sg_method {			/* access methods, also a bit mask */
	METHOD_SMTP = 1,
	METHOD_CAMPAIGN = 2
};
enum sg_auth { AUTH_USER = 1, AUTH_IP = 2 };	/* bit mask */

#define LIMIT_NONE	(-1L)		/* no sgMonthlyLimit value */
#define SG_LOGIN_MAX	256		/* sgAuthId: octets, as the schema */

/* sgStatus: active, suspended, disabled (without case). */
int	dv_status(const char *s, int *out);
/* "active", "suspended", "disabled"; "unknown" for anything else. */
const char *dv_status_name(int status);

/* sgAccessMethod: smtp, campaign (without case) as a METHOD_* bit. */
int	dv_method(const char *s, int *bit);
/* "smtp" or "campaign" for one bit; "unknown" for anything else. */
const char *dv_method_name(int bit);

/* sgAuthMethod: user, ip (without case) as an AUTH_* bit. */
int	dv_auth(const char *s, int *bit);
/* "user" or "ip" for one bit; "unknown" for anything else. */
const char *dv_auth_name(int bit);

/*
 * "smtp, campaign" (or "user, ip") for a mask of method (auth) bits,
 * "none" for 0, into buf; returns buf.
 */
const char *dv_methods_words(int mask, char *buf, unsigned long len);
const char *dv_auths_words(int mask, char *buf, unsigned long len);

/* sgMonthlyLimit: decimal digits only, no sign, at most LONG_MAX. */
int	dv_limit(const char *s, long *out);

/* An LDAP Boolean: TRUE or FALSE (RFC 4517 says upper case; any case). */
int	dv_bool(const char *s, int *out);

/*
 * sgAuthId: a SASL login, an address or a plain user name, UTF-8
 * allowed: 1 to SG_LOGIN_MAX octets, no space nor control octet
 * (0x00-0x20, 0x7f). 0 good, -1 bad.
 */
int	dv_login(const char *s);

/*
 * Compare a session's login with an sgAuthId: the bytes as they are,
 * ASCII letters without case, any other octet exactly (so "ü" and "Ü"
 * differ: no Unicode case folding). 1 if equal.
 */
int	dv_login_eq(const char *login, const char *authid);

/*
 * A login as logs and replies show it: printable ASCII as it is, '\\'
 * doubled, and every other octet (space, control, non-ASCII) as \xHH,
 * so no two logins look alike. Cut at len (SG_LOGIN_SHOW_MAX holds any
 * sgAuthId); returns out.
 */
#define SG_LOGIN_SHOW_MAX (4 * SG_LOGIN_MAX + 1)
const char *dv_login_show(const char *login, char *out, unsigned long len);

#endif
