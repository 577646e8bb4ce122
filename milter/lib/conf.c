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

#include "lib/conf_param.h"
#include "lib/hostport.h"
#include "lib/log.h"

struct parser {				/* state of one conf_load() */
	const char	*path;
	struct sg_conf	*c;
	int		*seen;		/* line that set each key; 0 = unset */
	char		*err;
	size_t		 errlen;
};

enum { RL_OK, RL_EOF, RL_LONG, RL_NUL, RL_ERROR };

static int	perr(struct parser *, int, const char *, ...) SG_PRINTF(3, 4);

/* Is ch white space (the C locale's isspace)? */
static int
is_space(int ch)
{
	return isspace((unsigned char)ch);
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

/* "bad value "V" for NAME: reason" into buf; returns -1. */
static int
bad_value(char *buf, size_t len, const struct param *p, const char *value,
    const char *reason)
{
	char	 q[QUOTE_MAX];

	return conf_why(buf, len, "bad value \"%s\" for %s: %s",
	    conf_quote(value, q, sizeof(q)), p->name, reason);
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
		return conf_why(buf, len, "out of memory");
	for (tok = strtok_r(copy, " \t", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t", &save)) {
		if (strncasecmp(tok, "ldap://", 7) != 0 &&
		    strncasecmp(tok, "ldaps://", 8) != 0 &&
		    strncasecmp(tok, "ldapi://", 8) != 0) {
			bad_value(buf, len, p, tok, what);
			goto fail;
		}
		if ((nv = reallocarray(v, n + 2, sizeof(*v))) == NULL) {
			conf_why(buf, len, "out of memory");
			goto fail;
		}
		v = nv;
		if ((v[n] = strdup(tok)) == NULL) {
			conf_why(buf, len, "out of memory");
			goto fail;
		}
		v[++n] = NULL;
	}
	if (n == 0) {
		bad_value(buf, len, p, "", what);
		goto fail;
	}
	free(copy);
	dst = conf_field(c, p->off);
	free_strv(*dst);
	*dst = v;
	*(size_t *)conf_field(c, p->aux) = n;
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
		return conf_why(buf, len, "out of memory");
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		colon = strchr(tok, ':');
		if (colon == NULL || colon == tok)
			goto bad;
		*colon++ = '\0';
		for (m = 0; conf_methods[m].word != NULL; m++)
			if (strcmp(colon, conf_methods[m].word) == 0)
				break;
		if (conf_methods[m].word == NULL) {
			colon[-1] = ':';
			goto bad;
		}
		for (i = 0; i < n; i++)
			if (strcmp(l[i].name, tok) == 0) {
				conf_why(buf, len, "duplicate listener \"%s\" in %s",
				    conf_quote(tok, q, sizeof(q)), p->name);
				goto fail;
			}
		if ((nl = reallocarray(l, n + 1, sizeof(*l))) == NULL) {
			conf_why(buf, len, "out of memory");
			goto fail;
		}
		l = nl;
		l[n].method = conf_methods[m].value;
		if ((l[n].name = strdup(tok)) == NULL) {
			conf_why(buf, len, "out of memory");
			goto fail;
		}
		n++;
	}
	free(copy);
	dst = conf_field(c, p->off);
	np = conf_field(c, p->aux);
	free_listeners(*dst, *np);
	*dst = l;
	*np = n;
	return 0;
bad:
	snprintf(reason, sizeof(reason), "expected NAME:METHOD items with "
	    "METHOD %s", fmt_words(conf_methods, w, sizeof(w)));
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
			return conf_why(buf, len, "out of memory");
		sp = conf_field(c, p->off);
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
		*(long *)conf_field(c, p->off) = (long)v;
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
		*(long *)conf_field(c, p->off) = (long)v;
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
		*(long *)conf_field(c, p->off) = (long)v;
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
			return conf_why(buf, len, "%s = %s %s", p->name,
			    p->words[i].word, p->words[i].refusal);
		*(int *)conf_field(c, p->off) = p->words[i].value;
		return 0;
	case T_BOOL:
		if (strcmp(value, "yes") == 0)
			*(int *)conf_field(c, p->off) = 1;
		else if (strcmp(value, "no") == 0)
			*(int *)conf_field(c, p->off) = 0;
		else
			return bad_value(buf, len, p, value,
			    "expected yes or no");
		return 0;
	case T_URIS:
		return set_uris(p, c, value, buf, len);
	case T_LISTENERS:
		return set_listeners(p, c, value, buf, len);
	}
	return conf_why(buf, len, "%s: unknown parameter type", p->name);
}

/* Free what p's field (and its secret) holds in c. */
static void
free_value(const struct param *p, struct sg_conf *c)
{
	char	**sp;

	switch (p->type) {
	case T_STR:
		sp = conf_field(c, p->off);
		free(*sp);
		*sp = NULL;
		if (p->flags & F_SECRET)
			conf_secret_free(conf_field(c, p->aux));
		break;
	case T_URIS:
		free_strv(*(char ***)conf_field(c, p->off));
		*(char ***)conf_field(c, p->off) = NULL;
		*(size_t *)conf_field(c, p->aux) = 0;
		break;
	case T_LISTENERS:
		free_listeners(*(struct sg_listener **)conf_field(c, p->off),
		    *(size_t *)conf_field(c, p->aux));
		*(struct sg_listener **)conf_field(c, p->off) = NULL;
		*(size_t *)conf_field(c, p->aux) = 0;
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

	for (i = 0; i < conf_nparams; i++) {
		if (conf_params[i].dflt != NULL) {
			if (set_value(&conf_params[i], c, conf_params[i].dflt, buf,
			    len) == -1)
				return -1;
			continue;
		}
		/* No default: the file must set it; "" until then. */
		sp = conf_field(c, conf_params[i].off);
		if ((*sp = strdup("")) == NULL)
			return conf_why(buf, len, "out of memory");
	}
	return 0;
}

/* Find a key by name; NULL if unknown. */
static const struct param *
find_param(const char *name)
{
	size_t	 i;

	for (i = 0; i < conf_nparams; i++)
		if (strcmp(conf_params[i].name, name) == 0)
			return &conf_params[i];
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
		    conf_quote(name, q, sizeof(q)));
	i = (size_t)(p - conf_params);
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

	for (i = 0; i < conf_nparams; i++)
		if (conf_params[i].dflt == NULL && ps->seen[i] == 0)
			return perr(ps, 0, "%s is required", conf_params[i].name);
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
		return perr(ps, ps->seen[find_param(key) - conf_params], "%s",
		    reason);
	for (i = 0; i < conf_nparams; i++) {
		p = &conf_params[i];
		if (!(p->flags & F_SECRET))
			continue;
		file = *(char **)conf_field(ps->c, p->off);
		if (*file == '\0')
			continue;
		if (conf_secret_read(file, conf_field(ps->c, p->aux), buf,
		    sizeof(buf)) == -1)
			return perr(ps, ps->seen[i], "%s", buf);
	}
	conf_parse_rates(ps->c);
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
	if ((c->path = strdup(path)) == NULL ||
	    (ps.seen = calloc(conf_nparams, sizeof(*ps.seen))) == NULL) {
		perr(&ps, 0, "out of memory");
		conf_free(c);
		return -1;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		perr(&ps, 0, "cannot open: %s", strerror(errno));
		free(ps.seen);
		conf_free(c);
		return -1;
	}
	if (parse_file(&ps, fp) == 0 && finish(&ps) == 0)
		ret = 0;
	fclose(fp);
	free(ps.seen);
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
	conf_parse_rates(c);
}

/* Free every key's storage, the secrets wiped; *c is zeroed. */
void
conf_free(struct sg_conf *c)
{
	size_t	 i;

	for (i = 0; i < conf_nparams; i++)
		free_value(&conf_params[i], c);
	free(c->path);
	memset(c, 0, sizeof(*c));
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
