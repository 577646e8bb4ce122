/*
 * dirval.c - the directory's words and numbers, parsed in one place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dirval.h"

struct dv_word {
	const char	*word;
	int		 value;
};

static const struct dv_word dv_statuses[] = {
	{ "active", STATUS_ACTIVE },
	{ "suspended", STATUS_SUSPENDED },
	{ "disabled", STATUS_DISABLED },
	{ NULL, 0 }
};

static const struct dv_word dv_methods[] = {
	{ "smtp", METHOD_SMTP },
	{ "campaign", METHOD_CAMPAIGN },
	{ NULL, 0 }
};

static const struct dv_word dv_auths[] = {
	{ "user", AUTH_USER },
	{ "ip", AUTH_IP },
	{ NULL, 0 }
};

/* ASCII lower case of one octet; every other octet as it is. */
static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Equal but for the case of ASCII letters? (Equal octets first: cheap.) */
static int
ascii_caseeq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (*a != *b && ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* A word of a table; 0, or -1. */
static int
dv_lookup(const struct dv_word *t, const char *s, int *out)
{
	for (; s != NULL && t->word != NULL; t++)
		if (ascii_caseeq(s, t->word)) {
			*out = t->value;
			return 0;
		}
	return -1;
}

/* The word of a value, or "unknown". */
static const char *
dv_name(const struct dv_word *t, int value)
{
	for (; t->word != NULL; t++)
		if (t->value == value)
			return t->word;
	return "unknown";
}

/* The words of a mask's bits, ", " between them, or "none". */
static const char *
dv_words(const struct dv_word *t, int mask, char *buf, unsigned long len)
{
	size_t	 o = 0;
	int	 n;

	buf[0] = '\0';
	for (; t->word != NULL && o < len; t++) {
		if ((mask & t->value) == 0)
			continue;
		n = snprintf(buf + o, len - o, "%s%s", o > 0 ? ", " : "",
		    t->word);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "none");
	return buf;
}

/* sgStatus. */
int
dv_status(const char *s, int *out)
{
	return dv_lookup(dv_statuses, s, out);
}

/* The word of a status. */
const char *
dv_status_name(int status)
{
	return dv_name(dv_statuses, status);
}

/* sgAccessMethod. */
int
dv_method(const char *s, int *bit)
{
	return dv_lookup(dv_methods, s, bit);
}

/* The word of a method bit. */
const char *
dv_method_name(int bit)
{
	return dv_name(dv_methods, bit);
}

/* sgAuthMethod. */
int
dv_auth(const char *s, int *bit)
{
	return dv_lookup(dv_auths, s, bit);
}

/* The word of an auth bit. */
const char *
dv_auth_name(int bit)
{
	return dv_name(dv_auths, bit);
}

/* The words of a method mask. */
const char *
dv_methods_words(int mask, char *buf, unsigned long len)
{
	return dv_words(dv_methods, mask, buf, len);
}

/* The words of an auth mask. */
const char *
dv_auths_words(int mask, char *buf, unsigned long len)
{
	return dv_words(dv_auths, mask, buf, len);
}

/* sgMonthlyLimit. */
int
dv_limit(const char *s, long *out)
{
	const char	*p;
	char		*end;
	long		 v;

	if (s == NULL || *s == '\0')
		return -1;
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* An LDAP Boolean. */
int
dv_bool(const char *s, int *out)
{
	if (s != NULL && ascii_caseeq(s, "TRUE")) {
		*out = 1;
		return 0;
	}
	if (s != NULL && ascii_caseeq(s, "FALSE")) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* sgAuthId syntax. */
int
dv_login(const char *s)
{
	size_t	 n;

	if (s == NULL || *s == '\0')
		return -1;
	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || s[n] == 0x7f)
			return -1;
	return n <= SG_LOGIN_MAX ? 0 : -1;
}

/* A login against an sgAuthId. */
int
dv_login_eq(const char *login, const char *authid)
{
	if (login == NULL || authid == NULL)
		return 0;
	return ascii_caseeq(login, authid);
}

/* A login for logs and replies. */
const char *
dv_login_show(const char *login, char *out, unsigned long len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)login;
	size_t		 o = 0, n;

	if (len == 0)
		return out;
	/* most logins: printable ASCII but '\\', and room for all of it */
	for (n = 0; p != NULL && p[n] > 0x20 && p[n] < 0x7f && p[n] != '\\';
	    n++)
		;
	if (p != NULL && p[n] == '\0' && n < len) {
		memcpy(out, p, n + 1);
		return out;
	}
	for (; p != NULL && *p != '\0'; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '\\') {
			if (o + 2 > len)
				break;
			out[o++] = (char)*p;
		} else if (*p == '\\') {
			if (o + 3 > len)
				break;
			out[o++] = '\\';
			out[o++] = '\\';
		} else {
			if (o + 5 > len)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		}
	}
	out[o] = '\0';
	return out;
}
