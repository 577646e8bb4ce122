/*
 * show.h - shared by the table-driven unit tests: a printable rendering
 * of a string for "got X, want Y" messages.
 */
#ifndef SG_TEST_SHOW_H
#define SG_TEST_SHOW_H

#include <stdio.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* s with control and 8-bit octets as \xHH into buf, or "(null)". */
static inline const char *
show(const char *s, char *buf, size_t len)
{
	const unsigned char	*p;
	size_t			 o = 0;

	if (s == NULL)
		return ("(null)");
	for (p = (const unsigned char *)s; *p != '\0' && o + 5 < len; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o] = '\0';
	return (buf);
}

#endif
