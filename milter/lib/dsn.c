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
#include "lib/mime.h"

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
read_status(struct mime_cur *c, const char *bound, struct dsn *d,
    struct dsn_part *part, size_t pi)
{
	char		 name[128], value[MIME_LINE_MAX];
	struct dsn_rcpt	 r, *v;
	int		 group = 0, rc, action_failed = 0, have = 0;

	memset(&r, 0, sizeof(r));
	for (;;) {
		/* a boundary line would parse as no field: stop before it */
		if (mime_at_boundary(c, bound))
			rc = -1;
		else
			rc = mime_field(c, name, sizeof(name), value,
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
read_returned(struct mime_cur *c, struct dsn *d, char *sender, size_t slen)
{
	char	 name[128], value[MIME_LINE_MAX], rp[SG_ADDR_MAX + 1];
	char	 from[SG_ADDR_MAX + 1], addrs[1][SG_ADDR_MAX + 1], *v;
	const char *dom;
	size_t	 n;

	rp[0] = from[0] = '\0';
	while (mime_field(c, name, sizeof(name), value, sizeof(value)) == 0) {
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
	struct mime_cur	 c = { msg, msg + len };
	char		 bound[256], ctype[MIME_LINE_MAX];
	char		 returned[SG_ADDR_MAX + 1];
	int		 seen_status = 0;
	size_t		 i;

	memset(d, 0, sizeof(*d));
	returned[0] = '\0';
	if (mime_report_open(&c, "delivery-status", "a report, but not of "
	    "delivery status", bound, sizeof(bound), why, whylen) == -1)
		return -1;
	/* each part: its headers, then its body up to the next boundary */
	while (mime_next_part(&c, bound, ctype, sizeof(ctype)) == 0) {
		if (mime_ct_is(ctype, "message/delivery-status") &&
		    d->nparts < DSN_PARTS_MAX) {
			if (read_status(&c, bound, d, &d->parts[d->nparts],
			    d->nparts) == -1) {
				snprintf(why, whylen, "out of memory");
				dsn_free(d);
				return -1;
			}
			d->nparts++;
			seen_status = 1;
		} else if (mime_ct_is(ctype, "text/rfc822-headers") ||
		    mime_ct_is(ctype, "message/rfc822"))
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
