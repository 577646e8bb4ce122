/*
 * strbuf.h - a string made piece by piece in a caller's buffer, for the
 * per-message path: the decision's log line is made of a dozen strings
 * and numbers, and snprintf's format parsing cost more than copying
 * them.
 *
 * The bound is snprintf's: a buffer of size octets keeps the first
 * size - 1 octets of what was appended, the rest is cut, and the text
 * is NUL-terminated after every call. Escaping is the caller's: the
 * pieces are copied as they are.
 */
#ifndef SG_STRBUF_H
#define SG_STRBUF_H

#include <string.h>

#include "lib/numfmt.h"

struct strbuf {
	char	*p;		/* the caller's buffer */
	size_t	 len;		/* octets kept, below size */
	size_t	 size;		/* the buffer's size, at least 1 */
};

/* Start an empty string in p[size] (size at least 1). */
static inline void
sb_init(struct strbuf *b, char *p, size_t size)
{
	b->p = p;
	b->len = 0;
	b->size = size;
	p[0] = '\0';
}

/* Append the n octets at s, cut where the buffer ends. */
static inline void
sb_mem(struct strbuf *b, const char *s, size_t n)
{
	size_t	 room = b->size - 1 - b->len;

	if (n > room)
		n = room;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append the string s, cut where the buffer ends. */
static inline void
sb_str(struct strbuf *b, const char *s)
{
	sb_mem(b, s, strnlen(s, b->size - 1 - b->len));
}

/* Append a string literal (its length known: no strnlen). */
#define sb_lit(b, lit)	sb_mem((b), "" lit, sizeof(lit) - 1)

/* Append an unsigned v in decimal (a size_t, as "%zu"). */
static inline void
sb_unum(struct strbuf *b, unsigned long long v)
{
	char	 d[SG_NUM_LEN], *s = sg_udigits(v, d + sizeof(d));

	sb_mem(b, s, (size_t)(d + sizeof(d) - s));
}

/* Append v in decimal ("-" first when negative), as sg_ltoa writes it. */
static inline void
sb_num(struct strbuf *b, long long v)
{
	if (v < 0) {
		sb_lit(b, "-");
		sb_unum(b, 0ULL - (unsigned long long)v);
	} else
		sb_unum(b, (unsigned long long)v);
}

#endif
