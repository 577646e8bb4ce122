/*
 * numfmt.h - a number in decimal, for the per-message path: the
 * counting script's arguments are built several a message, and
 * snprintf's format parsing cost more than the rest of building them.
 */
#ifndef SG_NUMFMT_H
#define SG_NUMFMT_H

#define SG_NUM_LEN	24		/* a long long in decimal, and NUL */

/* v in decimal into buf; returns buf. */
static inline char *
sg_ltoa(long long v, char buf[SG_NUM_LEN])
{
	char		 d[SG_NUM_LEN];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
			    (unsigned long long)v;
	int		 i = SG_NUM_LEN, o = 0;

	do
		d[--i] = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		buf[o++] = '-';
	while (i < SG_NUM_LEN)
		buf[o++] = d[i++];
	buf[o] = '\0';
	return buf;
}

#endif
