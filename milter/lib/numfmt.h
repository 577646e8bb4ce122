/*
 * numfmt.h - a number in decimal, for the per-message path: the
 * counting script's arguments are built several a message, and
 * snprintf's format parsing cost more than the rest of building them.
 */
#ifndef SG_NUMFMT_H
#define SG_NUMFMT_H

#define SG_NUM_LEN	24		/* a long long in decimal, and NUL */

/*
 * The decimal digits of u, written backwards to end at end (exclusive;
 * room for SG_NUM_LEN - 1 before it); where they start.
 */
static inline char *
sg_udigits(unsigned long long u, char *end)
{
	do
		*--end = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	return end;
}

/* v in decimal into buf; returns buf. */
static inline char *
sg_ltoa(long long v, char buf[SG_NUM_LEN])
{
	char		 d[SG_NUM_LEN], *s;
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
			    (unsigned long long)v;
	int		 o = 0;

	s = sg_udigits(u, d + SG_NUM_LEN);
	if (v < 0)
		buf[o++] = '-';
	while (s < d + SG_NUM_LEN)
		buf[o++] = *s++;
	buf[o] = '\0';
	return buf;
}

#endif
