/*
 * dsn.c - a delivery status notification (RFC 3464) read for the
 * suppression list: each message/delivery-status part (per-message
 * fields: X-Postfix-Sender, X-Postfix-Queue-ID; then one group of fields
 * per recipient, of which the Final-Recipient counts), and the returned
 * headers (text/rfc822-headers or message/rfc822) for the Message-ID and
 * for the original sender of a part without X-Postfix-Sender.
 *
 * Original-Recipient is never read: it is what the client gave as
 * ORCPT=, not an address the relay delivered to.
 *
 * Only what Postfix, Sendmail and most MTAs send is read: 7bit or 8bit
 * parts, one boundary level. Anything else is "not a DSN".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/dsn.h"

#define LINE_MAX_DSN	4096

/* A cursor over the message's lines (LF or CRLF). */
struct cur {
	const char	*p, *end;
};

/* The next line without its end into buf; 0, or -1 at the end. */
static int
next_line(struct cur *c, char *buf, size_t len)
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
continues(const struct cur *c)
{
	return c->p < c->end && (*c->p == ' ' || *c->p == '\t');
}

/*
 * One header field (unfolded) into name / value; 0, 1 at the blank line
 * that ends the block, -1 at the end of the text.
 */
static int
next_field(struct cur *c, char *name, size_t nlen, char *value, size_t vlen)
{
	char	 line[LINE_MAX_DSN], *colon;
	size_t	 n;

	for (;;) {
		if (next_line(c, line, sizeof(line)) == -1)
			return -1;
		if (line[0] == '\0')
			return 1;
		if ((colon = strchr(line, ':')) != NULL)
			break;		/* skip what is no field */
	}
	*colon = '\0';
	snprintf(name, nlen, "%.*s", (int)(nlen - 1), line);
	snprintf(value, vlen, "%.*s", (int)(vlen - 1), colon + 1);
	while (continues(c) && next_line(c, line, sizeof(line)) == 0) {
		n = strlen(value);
		snprintf(value + n, vlen - n, " %s", line);
	}
	return 0;
}

/* The value of parameter param= in a Content-Type value, or "". */
static void
ct_param(const char *v, const char *param, char *out, size_t len)
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
static int
ct_is(const char *v, const char *type)
{
	size_t	 n = strlen(type);

	while (*v == ' ' || *v == '\t')
		v++;
	return strncasecmp(v, type, n) == 0 &&
	    (v[n] == '\0' || v[n] == ';' || v[n] == ' ' || v[n] == '\t');
}

/* "rfc822; addr" -> addr normalised into out; 0, or -1. */
static int
typed_addr(const char *v, char *out, size_t len)
{
	const char	*semi = strchr(v, ';'), *dom;
	char		 tmp[SG_ADDR_MAX + 8];
	size_t		 n;

	if (semi == NULL)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (strncasecmp(v, "rfc822", 6) != 0)
		return -1;
	v = semi + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	n = strcspn(v, " \t");
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	return addr_parse_envelope(tmp, out, len, &dom) == ADDR_OK ? 0 : -1;
}

/* Suppress this status? */
int
dsn_status_learn(const char *s, const char **why)
{
	static const char *const soft[] = {
		"5.2.2", "5.2.3", "5.3.1", "5.3.4", "5.4.6", "5.4.7", NULL
	};
	size_t	 i;

	if (s[0] != '5' || s[1] != '.' || !isdigit((unsigned char)s[2])) {
		*why = "not a permanent failure";
		return 0;
	}
	if (s[2] == '7') {
		*why = "a policy refusal (5.7.x): not the address's fault";
		return 0;
	}
	if (s[2] == '6') {
		*why = "a content refusal (5.6.x): not the address's fault";
		return 0;
	}
	for (i = 0; soft[i] != NULL; i++)
		if (strcmp(s, soft[i]) == 0) {
			*why = "full, too big, expired or looping: "
			    "temporary in effect";
			return 0;
		}
	*why = "permanent failure";
	return 1;
}

/* The first token of a field value (a queue id) into out, or "". */
static void
token(const char *v, char *out, size_t len)
{
	size_t	 n, i;

	v += strspn(v, " \t");
	n = strcspn(v, " \t;");
	if (n >= len)
		n = 0;		/* too long for a queue id: none */
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '.' &&
		    v[i] != '-' && v[i] != '_')
			n = 0;	/* not a queue id's characters */
	memcpy(out, v, n);
	out[n] = '\0';
}

/*
 * Read a delivery-status part's groups from c up to the boundary: its
 * per-message fields into part (number pi), its recipients into d.
 */
static int
read_status(struct cur *c, const char *bound, struct dsn *d,
    struct dsn_part *part, size_t pi)
{
	char		 name[128], value[LINE_MAX_DSN];
	struct dsn_rcpt	 r, *v;
	int		 group = 0, rc, action_failed = 0, have = 0;

	memset(&r, 0, sizeof(r));
	for (;;) {
		/* a boundary line would parse as no field: stop before it */
		if ((size_t)(c->end - c->p) >= 2 + strlen(bound) &&
		    c->p[0] == '-' && c->p[1] == '-' &&
		    memcmp(c->p + 2, bound, strlen(bound)) == 0)
			rc = -1;
		else
			rc = next_field(c, name, sizeof(name), value,
			    sizeof(value));
		if (rc == 0) {
			if (group == 0 && strcasecmp(name, "X-Postfix-Sender") ==
			    0)
				(void)typed_addr(value, part->sender,
				    sizeof(part->sender));
			else if (group == 0 && strcasecmp(name,
			    "X-Postfix-Queue-ID") == 0)
				token(value, part->qid, sizeof(part->qid));
			else if (group > 0 && !have && strcasecmp(name,
			    "Final-Recipient") == 0)
				have = typed_addr(value, r.addr,
				    sizeof(r.addr)) == 0;
			else if (group > 0 && strcasecmp(name, "Action") == 0)
				action_failed = strcasecmp(value + strspn(value,
				    " \t"), "failed") == 0;
			else if (group > 0 && strcasecmp(name, "Status") == 0)
				snprintf(r.status, sizeof(r.status), "%.*s",
				    (int)strcspn(value + strspn(value, " \t"),
				    " \t("), value + strspn(value, " \t"));
			continue;
		}
		/* the end of a group */
		if (group > 0 && have) {
			if (!action_failed) {
				r.learn = 0;
				r.why = "not failed (Action)";
			} else
				r.learn = dsn_status_learn(r.status, &r.why);
			r.part = pi;
			v = realloc(d->rcpts, (d->nrcpts + 1) * sizeof(*v));
			if (v == NULL)
				return -1;
			d->rcpts = v;
			d->rcpts[d->nrcpts++] = r;
		}
		memset(&r, 0, sizeof(r));
		have = action_failed = 0;
		group++;
		if (rc == -1)
			return 0;
	}
}

/*
 * Returned headers: the first Message-ID into d->msgid; Return-Path,
 * else From, into sender when it is still "".
 */
static void
read_returned(struct cur *c, struct dsn *d, char *sender, size_t slen)
{
	char	 name[128], value[LINE_MAX_DSN], rp[SG_ADDR_MAX + 1];
	char	 from[SG_ADDR_MAX + 1], addrs[1][SG_ADDR_MAX + 1], *v;
	const char *dom;
	size_t	 n;

	rp[0] = from[0] = '\0';
	while (next_field(c, name, sizeof(name), value, sizeof(value)) == 0) {
		v = value + strspn(value, " \t");
		if (strcasecmp(name, "Return-Path") == 0 && rp[0] == '\0')
			(void)(addr_parse_envelope(v, rp, sizeof(rp), &dom) ==
			    ADDR_OK || (rp[0] = '\0'));
		else if (strcasecmp(name, "From") == 0 && from[0] == '\0' &&
		    addr_parse_from(v, addrs, 1, &n) == 0 && n == 1)
			snprintf(from, sizeof(from), "%s", addrs[0]);
		else if (strcasecmp(name, "Message-ID") == 0 &&
		    d->msgid[0] == '\0') {
			n = strlen(v);
			while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
				n--;
			if (n <= DSN_MSGID_MAX) {
				memcpy(d->msgid, v, n);
				d->msgid[n] = '\0';
			}
		}
	}
	if (sender[0] == '\0')
		snprintf(sender, slen, "%s", rp[0] ? rp : from);
}

/* Parse a DSN. */
int
dsn_parse(const char *msg, size_t len, struct dsn *d, char *why,
    size_t whylen)
{
	struct cur	 c = { msg, msg + len };
	char		 name[128], value[LINE_MAX_DSN], line[LINE_MAX_DSN];
	char		 bound[256], rtype[64], ctype[LINE_MAX_DSN];
	char		 returned[SG_ADDR_MAX + 1];
	int		 rc, seen_status = 0;
	size_t		 bl, i;

	memset(d, 0, sizeof(*d));
	ctype[0] = returned[0] = '\0';
	while ((rc = next_field(&c, name, sizeof(name), value,
	    sizeof(value))) == 0)
		if (strcasecmp(name, "Content-Type") == 0)
			snprintf(ctype, sizeof(ctype), "%s", value);
	if (!ct_is(ctype, "multipart/report")) {
		snprintf(why, whylen, "not a multipart/report");
		return -1;
	}
	ct_param(ctype, "report-type", rtype, sizeof(rtype));
	ct_param(ctype, "boundary", bound, sizeof(bound));
	if (strcasecmp(rtype, "delivery-status") != 0 || bound[0] == '\0') {
		snprintf(why, whylen, "a report, but not of delivery status");
		return -1;
	}
	bl = strlen(bound);
	/* each part: its headers, then its body up to the next boundary */
	while (next_line(&c, line, sizeof(line)) == 0) {
		if (strncmp(line, "--", 2) != 0 ||
		    strncmp(line + 2, bound, bl) != 0)
			continue;
		if (strcmp(line + 2 + bl, "--") == 0)
			break;
		ctype[0] = '\0';
		while (next_field(&c, name, sizeof(name), value,
		    sizeof(value)) == 0)
			if (strcasecmp(name, "Content-Type") == 0)
				snprintf(ctype, sizeof(ctype), "%s", value);
		if (ct_is(ctype, "message/delivery-status") &&
		    d->nparts < DSN_PARTS_MAX) {
			if (read_status(&c, bound, d, &d->parts[d->nparts],
			    d->nparts) == -1) {
				snprintf(why, whylen, "out of memory");
				dsn_free(d);
				return -1;
			}
			d->nparts++;
			seen_status = 1;
		} else if (ct_is(ctype, "text/rfc822-headers") ||
		    ct_is(ctype, "message/rfc822"))
			read_returned(&c, d, returned, sizeof(returned));
	}
	/* a part without X-Postfix-Sender: the returned message's sender */
	for (i = 0; i < d->nparts; i++)
		if (d->parts[i].sender[0] == '\0')
			snprintf(d->parts[i].sender,
			    sizeof(d->parts[i].sender), "%s", returned);
	if (!seen_status) {
		snprintf(why, whylen, "no message/delivery-status part");
		dsn_free(d);
		return -1;
	}
	return 0;
}

/* Free what dsn_parse kept. */
void
dsn_free(struct dsn *d)
{
	free(d->rcpts);
	d->rcpts = NULL;
	d->nrcpts = 0;
}
