/*
 * arf.c - a feedback report (RFC 5965) read for complaint learn (see
 * arf.h): the report's headers, then each part up to the closing
 * boundary; the first message/feedback-report part's fields and the
 * first reported message's (or headers') fields count.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/arf.h"
#include "lib/mime.h"

/* The reported message's fields that may stand in for the report's. */
struct returned {
	char		 rp[SG_ADDR_MAX + 1];		/* Return-Path */
	char		 from[SG_ADDR_MAX + 1];		/* From, one mailbox */
	char		 to[SG_ADDR_MAX + 1];		/* To, one mailbox */
};

/* An origin's name for the log. */
const char *
arf_origin_name(enum arf_origin o, int rcpt)
{
	switch (o) {
	case ARF_REPORT:
		return rcpt ? "Original-Rcpt-To" : "Original-Mail-From";
	case ARF_RETURN_PATH:
		return "Return-Path";
	case ARF_FROM:
		return "From";
	case ARF_TO:
		return "To";
	case ARF_NONE:
		break;
	}
	return "none";
}

/* A field value without its leading and trailing blanks, into out. */
static void
trimmed(const char *v, char *out, size_t len)
{
	size_t	 n;

	v += strspn(v, " \t");
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = 0;		/* too long: none */
	memcpy(out, v, n);
	out[n] = '\0';
}

/* One mailbox of a From or To value, as addr_parse_rcpt, into out; or "". */
static void
one_mailbox(const char *v, char *out, size_t len)
{
	char		 addrs[2][SG_ADDR_MAX + 1];
	const char	*dom;
	size_t		 n;

	out[0] = '\0';
	if (addr_parse_from(v, addrs, 2, &n) == 0 && n == 1 &&
	    addr_parse_rcpt(addrs[0], out, len, &dom) != ADDR_OK)
		out[0] = '\0';
}

/*
 * The message/feedback-report part's fields, from c up to the blank
 * line or the boundary, into a.
 */
static void
read_report(struct mime_cur *c, const char *bound, struct arf *a)
{
	char		 name[128], value[MIME_LINE_MAX], v[SG_ADDR_MAX + 8];
	const char	*dom;
	size_t		 i;

	while (!mime_at_boundary(c, bound) && mime_field(c, name,
	    sizeof(name), value, sizeof(value)) == 0) {
		if (strcasecmp(name, "Feedback-Type") == 0 &&
		    a->type[0] == '\0') {
			trimmed(value, a->type, sizeof(a->type));
			for (i = 0; a->type[i] != '\0'; i++)
				a->type[i] = (char)tolower(
				    (unsigned char)a->type[i]);
			a->abuse = strcmp(a->type, "abuse") == 0;
		} else if (strcasecmp(name, "Original-Mail-From") == 0 &&
		    a->sender_origin == ARF_NONE) {
			trimmed(value, v, sizeof(v));
			if (v[0] != '\0' && addr_parse_envelope(v, a->sender,
			    sizeof(a->sender), &dom) == ADDR_OK)
				a->sender_origin = ARF_REPORT;
			else
				a->sender[0] = '\0';
		} else if (strcasecmp(name, "Original-Rcpt-To") == 0 &&
		    a->nrcpts < ARF_RCPTS_MAX) {
			trimmed(value, v, sizeof(v));
			if (v[0] != '\0' && addr_parse_rcpt(v,
			    a->rcpts[a->nrcpts], sizeof(a->rcpts[0]), &dom) ==
			    ADDR_OK) {
				a->nrcpts++;
				a->rcpts_origin = ARF_REPORT;
			} else
				a->rcpts[a->nrcpts][0] = '\0';
		} else if (strcasecmp(name, "Arrival-Date") == 0 &&
		    a->arrival[0] == '\0')
			snprintf(a->arrival, sizeof(a->arrival), "%s",
			    value + strspn(value, " \t"));
	}
}

/* The reported message's headers: the first of each field counts. */
static void
read_returned(struct mime_cur *c, struct arf *a, struct returned *r)
{
	char		 name[128], value[MIME_LINE_MAX];
	const char	*dom, *v;

	while (mime_field(c, name, sizeof(name), value, sizeof(value)) == 0) {
		v = value + strspn(value, " \t");
		if (strcasecmp(name, "Return-Path") == 0 && r->rp[0] == '\0') {
			if (addr_parse_envelope(v, r->rp, sizeof(r->rp), &dom) !=
			    ADDR_OK)
				r->rp[0] = '\0';
		} else if (strcasecmp(name, "From") == 0 && r->from[0] == '\0')
			one_mailbox(v, r->from, sizeof(r->from));
		else if (strcasecmp(name, "To") == 0 && r->to[0] == '\0')
			one_mailbox(v, r->to, sizeof(r->to));
		else if (strcasecmp(name, "Message-ID") == 0 &&
		    a->msgid[0] == '\0')
			trimmed(v, a->msgid, sizeof(a->msgid));
	}
}

/* Parse a feedback report. */
int
arf_parse(const char *msg, size_t len, struct arf *a, char *why,
    size_t whylen)
{
	struct mime_cur	 c = { msg, msg + len };
	struct returned	 r;
	char		 bound[256], ctype[MIME_LINE_MAX];
	int		 seen_report = 0, seen_returned = 0;

	memset(a, 0, sizeof(*a));
	memset(&r, 0, sizeof(r));
	if (mime_report_open(&c, "feedback-report", "a report, but not a "
	    "feedback report", bound, sizeof(bound), why, whylen) == -1)
		return -1;
	/* each part: its headers, then its body up to the next boundary */
	while (mime_next_part(&c, bound, ctype, sizeof(ctype)) == 0) {
		if (mime_ct_is(ctype, "message/feedback-report") &&
		    !seen_report) {
			read_report(&c, bound, a);
			seen_report = 1;
		} else if ((mime_ct_is(ctype, "message/rfc822") ||
		    mime_ct_is(ctype, "text/rfc822-headers")) &&
		    !seen_returned) {
			read_returned(&c, a, &r);
			seen_returned = 1;
		}
	}
	if (!seen_report || a->type[0] == '\0') {
		snprintf(why, whylen, "no message/feedback-report part with "
		    "a Feedback-Type");
		return -1;
	}
	/* the reported message's headers, where the report has no field */
	if (a->sender_origin == ARF_NONE && r.rp[0] != '\0') {
		memcpy(a->sender, r.rp, sizeof(a->sender));
		a->sender_origin = ARF_RETURN_PATH;
	} else if (a->sender_origin == ARF_NONE && r.from[0] != '\0') {
		memcpy(a->sender, r.from, sizeof(a->sender));
		a->sender_origin = ARF_FROM;
	}
	if (a->nrcpts == 0 && r.to[0] != '\0') {
		memcpy(a->rcpts[0], r.to, sizeof(a->rcpts[0]));
		a->nrcpts = 1;
		a->rcpts_origin = ARF_TO;
	}
	return 0;
}
