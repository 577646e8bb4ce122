/*
 * addr.h - mail addresses: the envelope sender and the header From.
 *
 * An address is normalised to lower case; a quoted local part whose
 * content needs no quoting loses its quotes ("john"@x is john@x), other
 * quoted local parts keep them. "+tag" is part of the local part: no
 * sub-addressing is folded.
 */
#ifndef SG_ADDR_H
#define SG_ADDR_H

#include <stddef.h>

#define SG_ADDR_MAX	254		/* octets, RFC 5321 path limit less <> */
#define SG_FROM_MAX	16		/* mailboxes taken from one From header */

enum addr_result {
	ADDR_OK = 0,
	ADDR_NULL = 1,			/* the null sender <> */
	ADDR_BAD = -1			/* syntax error: rule 2 */
};

/*
 * Parse the MAIL FROM argument as the MTA passes it ("<a@b>", "a@b",
 * "<a@b> SIZE=10": ESMTP parameters after the path are ignored).
 * On ADDR_OK, out (SG_ADDR_MAX + 1 octets) holds the normalised address
 * and *domain points at its domain part inside out.
 */
enum addr_result addr_parse_envelope(const char *in, char *out, size_t outlen,
	    const char **domain);

/*
 * Parse a RCPT TO argument into the form the MTA delivers to: as
 * addr_parse_envelope, and one trailing dot of the domain dropped, as
 * Postfix's trivial-rewrite drops it ("<a@B.Test.>" is a@b.test; a
 * dot-dot stays bad). The suppression lists are looked up in this form.
 */
enum addr_result addr_parse_rcpt(const char *in, char *out, size_t outlen,
	    const char **domain);

/*
 * Where a normalised recipient is routed when its domain is one of the
 * MTA's own: Postfix's trivial-rewrite then reads the local part as a
 * route, "site!user" as user@site (swap_bangpath) or else "user%site"
 * at its rightmost '%' as user@site (allow_percent_hack). 1 with the
 * routed address in out (SG_ADDR_MAX + 1, normalised as
 * addr_parse_rcpt), or 0 (out "") when the local part names no route.
 * A quoted local part names none: Postfix keeps its '@', '!', '%'.
 */
int	addr_rcpt_route(const char *addr, char *out, size_t outlen);

/* Domain part of a normalised address (after the last '@'), or NULL. */
const char *addr_domain(const char *addr);

/*
 * Parse the value of a From header (RFC 5322 mailbox-list, with display
 * names, comments, quoted strings, groups, folding). Each mailbox's
 * normalised address goes to addrs[i]; *n is set to the count.
 * Returns 0, or -1 (and *n = 0) if the value cannot be parsed, has no
 * mailbox, or more than max mailboxes.
 */
int	addr_parse_from(const char *value, char addrs[][SG_ADDR_MAX + 1],
	    size_t max, size_t *n);

/*
 * RFC 4515 escaping of a value for an LDAP search filter: '*', '(', ')',
 * '\\' become \2a, \28, \29, \5c, and control octets (0x01-0x1f, 0x7f)
 * \HH too. Returns 0, or -1 if out is too small (out is then truncated
 * but NUL-terminated).
 */
int	ldap_filter_escape(const char *in, char *out, size_t outlen);

#endif
