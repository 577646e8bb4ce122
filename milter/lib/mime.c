/*
 * mime.c - lines, header fields and Content-Type values of a report
 * (see mime.h), read in place.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/mime.h"

/* The next line without its end into buf; 0, or -1 at the end. */
int
mime_line(struct mime_cur *c, char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

	if (c->p >= c->end)
		return -1;
	if ((nl = memchr(c->p, '\n', (size_t)(c->end - c->p))) == NULL)
		nl = c->end;
	n = (size_t)(nl - c->p);
	if (n > 0 && c->p[n - 1] == '\r')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(buf, c->p, n);
	buf[n] = '\0';
	c->p = nl < c->end ? nl + 1 : nl;
	return 0;
}

/* Peek: does the next line start with white space (a continuation)? */
static int
continues(const struct mime_cur *c)
{
	return c->p < c->end && (*c->p == ' ' || *c->p == '\t');
}

/*
 * One header field (unfolded) into name / value; 0, 1 at the blank line
 * that ends the block, -1 at the end of the text.
 */
int
mime_field(struct mime_cur *c, char *name, size_t nlen, char *value,
    size_t vlen)
{
	char	 line[MIME_LINE_MAX], *colon;
	size_t	 n;

	for (;;) {
		if (mime_line(c, line, sizeof(line)) == -1)
			return -1;
		if (line[0] == '\0')
			return 1;
		if ((colon = strchr(line, ':')) != NULL)
			break;		/* skip what is no field */
	}
	*colon = '\0';
	snprintf(name, nlen, "%.*s", (int)(nlen - 1), line);
	snprintf(value, vlen, "%.*s", (int)(vlen - 1), colon + 1);
	while (continues(c) && mime_line(c, line, sizeof(line)) == 0) {
		n = strlen(value);
		snprintf(value + n, vlen - n, " %s", line);
	}
	return 0;
}

/* The value of parameter param= in a Content-Type value, or "". */
void
mime_ct_param(const char *v, const char *param, char *out, size_t len)
{
	const char	*p = v;
	size_t		 pl = strlen(param), n;

	out[0] = '\0';
	while ((p = strchr(p, ';')) != NULL) {
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, param, pl) != 0 || p[pl] != '=')
			continue;
		p += pl + 1;
		if (*p == '"') {
			p++;
			n = strcspn(p, "\"");
		} else
			n = strcspn(p, "; \t");
		if (n >= len)
			n = len - 1;
		memcpy(out, p, n);
		out[n] = '\0';
		return;
	}
}

/* Does a Content-Type value name type (case-insensitive, before ';')? */
int
mime_ct_is(const char *v, const char *type)
{
	size_t	 n = strlen(type);

	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, type, n) == 0 &&
	    (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t');
}

/* Is the cursor at a boundary line? */
int
mime_at_boundary(const struct mime_cur *c, const char *bound)
{
	size_t	 bl = strlen(bound);

	return bl > 0 && (size_t)(c->end - c->p) >= 2 + bl &&
	    c->p[0] == '-' && c->p[1] == '-' && memcmp(c->p + 2, bound, bl) == 0;
}

/* The top of a report; see mime.h. */
int
mime_report_open(struct mime_cur *c, const char *rtype, const char *wrong,
    char *bound, size_t blen, char *why, size_t whylen)
{
	char	 name[128], value[MIME_LINE_MAX], ctype[MIME_LINE_MAX];
	char	 got[64];

	ctype[0] = '\0';
	while (mime_field(c, name, sizeof(name), value, sizeof(value)) == 0)
		if (strcasecmp(name, "Content-Type") == 0)
			snprintf(ctype, sizeof(ctype), "%s", value);
	if (!mime_ct_is(ctype, "multipart/report")) {
		snprintf(why, whylen, "not a multipart/report");
		return -1;
	}
	mime_ct_param(ctype, "report-type", got, sizeof(got));
	mime_ct_param(ctype, "boundary", bound, blen);
	if (strcasecmp(got, rtype) != 0 || bound[0] == '\0') {
		snprintf(why, whylen, "%s", wrong);
		return -1;
	}
	return 0;
}

/* The next part of a report; see mime.h. */
int
mime_next_part(struct mime_cur *c, const char *bound, char *ctype,
    size_t len)
{
	char	 name[128], value[MIME_LINE_MAX], line[MIME_LINE_MAX];
	size_t	 bl = strlen(bound);

	while (mime_line(c, line, sizeof(line)) == 0) {
		if (strncmp(line, "--", 2) != 0 ||
		    strncmp(line + 2, bound, bl) != 0)
			continue;
		if (strcmp(line + 2 + bl, "--") == 0)
			return -1;
		ctype[0] = '\0';
		while (mime_field(c, name, sizeof(name), value,
		    sizeof(value)) == 0)
			if (strcasecmp(name, "Content-Type") == 0)
				snprintf(ctype, len, "%s", value);
		return 0;
	}
	return -1;
}
