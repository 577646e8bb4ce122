/*
 * addr.c - parse and normalise mail addresses.
 *
 * One local@domain parser serves both the envelope sender (RFC 5321
 * Mailbox, SMTPUTF8 as RFC 6531) and the mailboxes of a From header
 * (RFC 5322 addr-spec, where comments and folding white space may stand
 * around the '@'). The normalised form is written into the caller's
 * buffer: ASCII lower-cased, UTF-8 left as is, a quoted local part
 * unquoted when its content is a dot-atom, and otherwise re-quoted with
 * backslashes only before '"' and '\'. Nothing here allocates.
 *
 * Decisions the contract leaves open:
 *  - An empty local part is bad, also when quoted (""@x).
 *  - A quoted-pair is a backslash and one printable ASCII octet; HTAB
 *    and other control octets are bad everywhere, even inside quotes.
 *  - Address literals are IPv4 or "IPv6:" (checked with inet_pton) and,
 *    like the rest of the address, lower-cased ("[ipv6:2001:db8::55]"),
 *    but not otherwise rewritten: "[IPv6:2001:0db8::55]" stays another
 *    spelling, so both directory modes compare the text the same way.
 *    RFC 5321's General-address-literal
 *    ("[tag:content]") is refused: no such tag is registered, and its
 *    content may hold '@', which would confuse "domain after the last @".
 *  - Envelope: leading spaces are skipped (an all-space argument is the
 *    null sender); a control octet anywhere in the argument, ESMTP
 *    parameters included, makes it bad; parameters follow a space.
 *  - From: CFWS is allowed around the '@' and inside <>, and the
 *    obsolete forms real mail still shows are accepted (empty list
 *    elements "a@x,,b@x", obs-route, '.' in display names). Refused: an
 *    unquoted '@' in a display name ("a@x <b@y>"), a group without its
 *    ';', nested groups, CR or LF other than as folding (so also a
 *    trailing CRLF). Display names and comments may carry raw 8-bit
 *    octets (not checked as UTF-8); the address itself must be UTF-8.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/addr.h"

#define LOCAL_MAX	64		/* RFC 5321 4.5.3.1.1 */
#define LABEL_MAX	63		/* RFC 1035 2.3.4 */

#define SPEC_CFWS	1		/* RFC 5322: CFWS around the '@' */
#define SPEC_RCPT	2		/* a recipient: one trailing dot dropped */

/* Output under construction: octets beyond cap are counted, not stored. */
struct sink {
	char	*buf;
	size_t	 cap;
	size_t	 len;
};

/* Append one octet (kept only while room for the final NUL remains). */
static void
sink_put(struct sink *sk, int c)
{
	if (sk->len + 1 < sk->cap)
		sk->buf[sk->len] = (char)c;
	sk->len++;
}

/* NUL-terminate; 0 if the result fits the buffer and SG_ADDR_MAX, else -1. */
static int
sink_done(struct sink *sk)
{
	if (sk->len > SG_ADDR_MAX || sk->len >= sk->cap)
		return (-1);
	sk->buf[sk->len] = '\0';
	return (0);
}

/* ASCII lower case, independent of the locale. */
static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* ASCII letter or digit. */
static int
is_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'));
}

/* RFC 5321/5322 atext, ASCII part. */
static int
is_atext(int c)
{
	return (is_alnum(c) ||
	    (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* Control octet: 0x00-0x1f or DEL. */
static int
is_ctl(int c)
{
	return (c < 0x20 || c == 0x7f);
}

/* Length (2..4) of the well-formed UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return (0);
	if (s[1] < lo || s[1] > hi)
		return (0);
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return (0);
	return (n);
}

/* Skip white space, folding and nested comments; NULL if a comment is open. */
static const char *
skip_cfws(const char *p)
{
	size_t	depth;

	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			p++;
			continue;
		}
		if (*p != '(')
			return (p);
		for (depth = 0;; p++) {
			if (*p == '\0')
				return (NULL);
			if (*p == '\\') {
				if (*++p == '\0')
					return (NULL);
			} else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		p++;
	}
}

/* Copy a dot-atom local part, lower-cased; returns its end or NULL. */
static const char *
local_atom(const char *p, struct sink *sk)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 start = sk->len, n;
	int			 dot = 1;	/* no leading dot */

	for (;;) {
		if (*s == '.') {
			if (dot)
				return (NULL);
			dot = 1;
		} else if (*s < 0x80) {
			if (!is_atext(*s))
				break;
			dot = 0;
		} else {
			if ((n = utf8_len(s)) == 0)
				return (NULL);
			while (n-- > 1)
				sink_put(sk, *s++);
			dot = 0;
		}
		sink_put(sk, ascii_lower(*s++));
	}
	if (sk->len == start || dot)
		return (NULL);
	return ((const char *)s);
}

/*
 * Check a quoted local part at p (on the opening quote). Returns the
 * octet after the closing quote, or NULL; *atom tells whether the
 * unescaped content is a valid dot-atom (and so needs no quotes).
 */
static const char *
quoted_scan(const char *p, int flags, int *atom)
{
	const unsigned char	*s = (const unsigned char *)p + 1;
	size_t			 n;
	int			 dot = 1, c, empty = 1;

	*atom = 1;
	for (;;) {
		c = *s;
		if (c == '"')
			break;
		if (c == '\0')
			return (NULL);		/* unterminated */
		if ((c == '\r' || c == '\n') && (flags & SPEC_CFWS)) {
			s++;			/* folding, checked by caller */
			continue;
		}
		if (is_ctl(c))
			return (NULL);
		empty = 0;
		if (c >= 0x80) {
			if ((n = utf8_len(s)) == 0)
				return (NULL);
			s += n;
			dot = 0;
			continue;
		}
		if (c == '\\') {
			c = *++s;
			if (c < 0x20 || c > 0x7e)
				return (NULL);
		}
		s++;
		if (c == '.') {
			if (dot)
				*atom = 0;
			dot = 1;
		} else {
			if (!is_atext(c))
				*atom = 0;
			dot = 0;
		}
	}
	if (empty)
		return (NULL);
	if (dot)
		*atom = 0;
	return ((const char *)s + 1);
}

/* Write the quoted local part [p, end) normalised (see quoted_scan). */
static void
quoted_emit(const char *p, const char *end, int atom, struct sink *sk)
{
	const char	*s;
	int		 c;

	if (!atom)
		sink_put(sk, '"');
	for (s = p + 1; s < end - 1; s++) {
		c = (unsigned char)*s;
		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\')
			c = (unsigned char)*++s;
		if (!atom && (c == '"' || c == '\\'))
			sink_put(sk, '\\');
		sink_put(sk, ascii_lower(c));
	}
	if (!atom)
		sink_put(sk, '"');
}

/* Check and copy an address literal "[...]" in lower case; its end or NULL. */
static const char *
domain_literal(const char *p, struct sink *sk)
{
	const char	*s, *end;
	char		 tmp[INET6_ADDRSTRLEN + 5];
	unsigned char	 bin[sizeof(struct in6_addr)];
	size_t		 len;

	if ((end = strchr(p, ']')) == NULL)
		return (NULL);
	len = (size_t)(end - (p + 1));
	if (len == 0 || len >= sizeof(tmp))
		return (NULL);
	memcpy(tmp, p + 1, len);
	tmp[len] = '\0';
	if (strncasecmp(tmp, "IPv6:", 5) == 0) {
		if (inet_pton(AF_INET6, tmp + 5, bin) != 1)
			return (NULL);
	} else if (inet_pton(AF_INET, tmp, bin) != 1)
		return (NULL);		/* no General-address-literal */
	for (s = p; s <= end; s++)
		sink_put(sk, ascii_lower((unsigned char)*s));
	return (end + 1);
}

/*
 * Copy a domain (labels or an address literal) at p; returns its end or
 * NULL. With SPEC_RCPT one trailing dot after the last label is dropped,
 * as Postfix's trivial-rewrite drops it ("b.test." is b.test); "b.test.."
 * stays bad (Postfix leaves dot-dot alone too).
 */
static const char *
domain_parse(const char *p, int flags, struct sink *sk)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 label = 0, n;
	int			 last = 0;

	if (*p == '[')
		return (domain_literal(p, sk));
	for (;;) {
		if (*s == '.') {
			if (label == 0 || last == '-')
				return (NULL);
			if ((flags & SPEC_RCPT) && !is_alnum(s[1]) &&
			    s[1] != '-' && s[1] < 0x80) {
				s++;		/* the trailing dot: dropped */
				break;
			}
			label = 0;
		} else if (*s < 0x80) {
			if (!is_alnum(*s) && *s != '-')
				break;
			if (*s == '-' && label == 0)
				return (NULL);
			label++;
		} else {
			if ((n = utf8_len(s)) == 0)
				return (NULL);
			label += n - 1;
			while (n-- > 1)
				sink_put(sk, *s++);
			label++;
		}
		if (label > LABEL_MAX)
			return (NULL);
		last = *s;
		sink_put(sk, ascii_lower(*s++));
	}
	if (label == 0 || last == '-')
		return (NULL);		/* empty, trailing dot or hyphen */
	return ((const char *)s);
}

/*
 * Skip a source route at p (on its first '@'): "@a,@b:" (RFC 5321
 * A-d-l) or, with SPEC_CFWS, RFC 5322 obs-route. Returns the octet after
 * the ':', or NULL.
 */
static const char *
route_skip(const char *p, int flags)
{
	struct sink	 none = { NULL, 0, 0 };

	for (;;) {
		if ((flags & SPEC_CFWS) && (p = skip_cfws(p)) == NULL)
			return (NULL);
		if (*p != '@')
			return (NULL);
		p++;
		if ((flags & SPEC_CFWS) && (p = skip_cfws(p)) == NULL)
			return (NULL);
		if ((p = domain_parse(p, 0, &none)) == NULL)
			return (NULL);
		if ((flags & SPEC_CFWS) && (p = skip_cfws(p)) == NULL)
			return (NULL);
		if (*p == ':')
			return (p + 1);
		if (*p != ',')
			return (NULL);
		p++;
		if (flags & SPEC_CFWS) {	/* obs-domain-list: empty elements */
			while ((p = skip_cfws(p)) != NULL && *p == ',')
				p++;
			if (p == NULL)
				return (NULL);
		}
	}
}

/*
 * Parse local@domain at p into sk, normalised. Returns the octet after
 * the domain, or NULL; *domoff is the domain's offset in the output.
 */
static const char *
addr_spec(const char *p, int flags, struct sink *sk, size_t *domoff)
{
	const char	*end;
	size_t		 start = sk->len;
	int		 atom;

	if (*p == '"') {
		if ((end = quoted_scan(p, flags, &atom)) == NULL)
			return (NULL);
		quoted_emit(p, end, atom, sk);
		p = end;
	} else if ((p = local_atom(p, sk)) == NULL)
		return (NULL);
	if (sk->len - start > LOCAL_MAX)
		return (NULL);
	if ((flags & SPEC_CFWS) && (p = skip_cfws(p)) == NULL)
		return (NULL);
	if (*p != '@')
		return (NULL);
	sink_put(sk, '@');
	*domoff = sk->len;
	p++;
	if ((flags & SPEC_CFWS) && (p = skip_cfws(p)) == NULL)
		return (NULL);
	return (domain_parse(p, flags, sk));
}

/* Parse a MAIL FROM or RCPT TO argument; flags: SPEC_RCPT or 0. */
static enum addr_result
envelope(const char *in, int flags, char *out, size_t outlen,
    const char **domain)
{
	struct sink		 sk = { out, outlen, 0 };
	const unsigned char	*s;
	const char		*p;
	size_t			 domoff;
	int			 bracket = 0;

	if (domain != NULL)
		*domain = NULL;
	if (outlen > 0)
		out[0] = '\0';
	if (in == NULL)
		return (ADDR_BAD);
	for (s = (const unsigned char *)in; *s != '\0'; s++)
		if (is_ctl(*s))
			return (ADDR_BAD);

	p = in;
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return (ADDR_NULL);
	if (*p == '<') {
		p++;
		if (*p == '>')
			return (p[1] == '\0' || p[1] == ' ' ? ADDR_NULL : ADDR_BAD);
		if (*p == '@' && (p = route_skip(p, 0)) == NULL)
			return (ADDR_BAD);
		bracket = 1;
	}
	if ((p = addr_spec(p, flags, &sk, &domoff)) == NULL)
		goto bad;
	if (bracket && *p++ != '>')
		goto bad;
	if (*p != '\0' && *p != ' ')
		goto bad;		/* ESMTP parameters follow a space */
	if (sink_done(&sk) < 0)
		goto bad;
	if (domain != NULL)
		*domain = out + domoff;
	return (ADDR_OK);

bad:
	if (outlen > 0)
		out[0] = '\0';
	return (ADDR_BAD);
}

/* Parse a MAIL FROM argument; see addr.h. */
enum addr_result
addr_parse_envelope(const char *in, char *out, size_t outlen,
    const char **domain)
{
	return (envelope(in, 0, out, outlen, domain));
}

/* Parse a RCPT TO argument into the form it is delivered to; see addr.h. */
enum addr_result
addr_parse_rcpt(const char *in, char *out, size_t outlen,
    const char **domain)
{
	return (envelope(in, SPEC_RCPT, out, outlen, domain));
}

/*
 * The route a normalised recipient's local part names, when its domain
 * is the MTA's own; see addr.h. Postfix's resolve(8) order: a '!' first
 * ("site!user" is user@site), then the rightmost '%' ("user%site").
 */
int
addr_rcpt_route(const char *addr, char *out, size_t outlen)
{
	char		 tmp[SG_ADDR_MAX + 3];
	const char	*at, *bang, *pct;
	size_t		 llen;
	int		 n;

	if (outlen > 0)
		out[0] = '\0';
	if (addr == NULL || addr[0] == '"' || (at = strrchr(addr, '@')) == NULL)
		return (0);		/* a quoted '@', '!' or '%' is no route */
	llen = (size_t)(at - addr);
	bang = memchr(addr, '!', llen);
	pct = NULL;
	for (n = (int)llen - 1; n >= 0 && bang == NULL; n--)
		if (addr[n] == '%') {
			pct = addr + n;
			break;
		}
	if (bang != NULL)
		n = snprintf(tmp, sizeof(tmp), "%.*s@%.*s",
		    (int)(at - bang - 1), bang + 1, (int)(bang - addr), addr);
	else if (pct != NULL)
		n = snprintf(tmp, sizeof(tmp), "%.*s@%.*s",
		    (int)(pct - addr), addr, (int)(at - pct - 1), pct + 1);
	else
		return (0);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return (0);
	return (addr_parse_rcpt(tmp, out, outlen, NULL) == ADDR_OK ? 1 : 0);
}

/* Domain part of a normalised address (after the last '@'), or NULL. */
const char *
addr_domain(const char *addr)
{
	const char	*at;

	if (addr == NULL || (at = strrchr(addr, '@')) == NULL)
		return (NULL);
	return (at + 1);
}

/* Skip a quoted string at p (on the quote) without checking it; NULL if open. */
static const char *
qs_skip(const char *p)
{
	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			return (NULL);
		if (*p == '\\' && *++p == '\0')
			return (NULL);
	}
	return (p + 1);
}

/* Skip a phrase (display name) with its CFWS; *words counts its words. */
static const char *
phrase_skip(const char *p, int *words)
{
	const unsigned char	*s;

	*words = 0;
	for (;;) {
		if ((p = skip_cfws(p)) == NULL)
			return (NULL);
		if (*p == '"') {
			if ((p = qs_skip(p)) == NULL)
				return (NULL);
		} else {
			/* atoms, obs-phrase dots, raw 8-bit, encoded-words */
			s = (const unsigned char *)p;
			while (is_atext(*s) || *s == '.' || *s >= 0x80)
				s++;
			if (s == (const unsigned char *)p)
				return (p);
			p = (const char *)s;
		}
		(*words)++;
	}
}

/* Check that CR and LF occur only as folding and no other control octet. */
static int
from_chars_ok(const char *value)
{
	const unsigned char	*s;

	for (s = (const unsigned char *)value; *s != '\0'; s++) {
		if (*s == '\r') {
			if (s[1] != '\n')
				return (0);
			s++;
		}
		if (*s == '\n') {
			if (s[1] != ' ' && s[1] != '\t')
				return (0);
			continue;
		}
		if (is_ctl(*s) && *s != '\t')
			return (0);
	}
	return (1);
}

/*
 * Parse one mailbox at p: an addr-spec, or [display-name] angle-addr.
 * Returns the octet after it and its trailing CFWS, or NULL. A phrase
 * followed by ':' (a group opening) returns p unchanged with *group set.
 */
static const char *
from_mailbox(const char *p, struct sink *sk, int *group)
{
	const char	*q;
	size_t		 domoff;
	int		 words;

	*group = 0;
	sk->len = 0;
	q = addr_spec(p, SPEC_CFWS, sk, &domoff);
	if (q != NULL && (q = skip_cfws(q)) != NULL &&
	    (*q == ',' || *q == ';' || *q == '\0') && sink_done(sk) == 0)
		return (q);

	if ((q = phrase_skip(p, &words)) == NULL)
		return (NULL);
	if (*q == ':') {
		if (words == 0)
			return (NULL);
		*group = 1;
		return (q + 1);
	}
	if (*q != '<' || (q = skip_cfws(q + 1)) == NULL)
		return (NULL);
	if (*q == '@' && (q = route_skip(q, SPEC_CFWS)) == NULL)
		return (NULL);
	if ((q = skip_cfws(q)) == NULL)
		return (NULL);
	sk->len = 0;
	if ((q = addr_spec(q, SPEC_CFWS, sk, &domoff)) == NULL)
		return (NULL);
	if ((q = skip_cfws(q)) == NULL || *q != '>')
		return (NULL);
	if ((q = skip_cfws(q + 1)) == NULL || sink_done(sk) < 0)
		return (NULL);
	return (q);
}

/* Parse a From header value into up to max addresses; see addr.h. */
int
addr_parse_from(const char *value, char addrs[][SG_ADDR_MAX + 1],
    size_t max, size_t *n)
{
	char		 tmp[SG_ADDR_MAX + 1];
	struct sink	 sk = { tmp, sizeof(tmp), 0 };
	const char	*p = value;
	size_t		 count = 0;
	int		 in_group = 0, need_sep = 0, group;

	if (n != NULL)
		*n = 0;
	if (value == NULL || addrs == NULL || n == NULL ||
	    !from_chars_ok(value))
		return (-1);

	for (;;) {
		if ((p = skip_cfws(p)) == NULL)
			return (-1);
		if (*p == '\0')
			break;
		if (*p == ',') {		/* obs-mbox-list: empty elements */
			p++;
			need_sep = 0;
			continue;
		}
		if (*p == ';') {
			if (!in_group)
				return (-1);
			in_group = 0;
			need_sep = 1;
			p++;
			continue;
		}
		if (need_sep)
			return (-1);
		if ((p = from_mailbox(p, &sk, &group)) == NULL)
			return (-1);
		if (group) {
			if (in_group)
				return (-1);	/* groups do not nest */
			in_group = 1;
			continue;
		}
		if (count >= max)
			return (-1);
		memcpy(addrs[count++], tmp, sk.len + 1);
		need_sep = 1;
	}
	if (in_group || count == 0)
		return (-1);
	*n = count;
	return (0);
}

/* RFC 4515 escaping for a filter value; see addr.h. */
int
ldap_filter_escape(const char *in, char *out, size_t outlen)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s;
	size_t			 o = 0;

	if (outlen == 0)
		return (-1);
	out[0] = '\0';
	if (in == NULL)
		return (-1);
	for (s = (const unsigned char *)in; *s != '\0'; s++) {
		if (*s == '*' || *s == '(' || *s == ')' || *s == '\\' ||
		    is_ctl(*s)) {
			if (outlen - o <= 3)
				goto small;
			out[o++] = '\\';
			out[o++] = hex[*s >> 4];
			out[o++] = hex[*s & 0x0f];
		} else {
			if (outlen - o <= 1)
				goto small;
			out[o++] = (char)*s;
		}
	}
	out[o] = '\0';
	return (0);

small:
	out[o] = '\0';
	return (-1);
}
