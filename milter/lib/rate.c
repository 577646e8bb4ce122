/*
 * rate.c - sending rates and reputation rates: parsing and judgement,
 * pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rate.h"

/* A decimal number of at most 9 digits at *p, advanced; -1 if none. */
static long
digits(const char **p)
{
	long	 v = 0;
	int	 n = 0;

	while (isdigit((unsigned char)**p)) {
		if (++n > 9)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n == 0 ? -1 : v;
}

/* Parse "N/T". */
int
rate_parse(const char *s, struct sg_rate *r)
{
	const char	*p = s;
	long		 n, t, unit;

	if (s == NULL || (n = digits(&p)) < 1 || n > SG_RATE_N_MAX ||
	    *p++ != '/' || (t = digits(&p)) < 1)
		return -1;
	switch (*p++) {
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		return -1;
	}
	if (*p != '\0' || t > SG_RATE_T_MAX / unit)
		return -1;
	memset(r, 0, sizeof(*r));
	r->n = n;
	r->secs = t * unit;
	snprintf(r->nstr, sizeof(r->nstr), "%ld", n);
	snprintf(r->msstr, sizeof(r->msstr), "%ld", r->secs * 1000);
	/* canonical: the largest unit that divides T */
	if (r->secs % 86400 == 0)
		snprintf(r->tstr, sizeof(r->tstr), "%ldd", r->secs / 86400);
	else if (r->secs % 3600 == 0)
		snprintf(r->tstr, sizeof(r->tstr), "%ldh", r->secs / 3600);
	else
		snprintf(r->tstr, sizeof(r->tstr), "%ldm", r->secs / 60);
	return 0;
}

/* A blank-separated list. */
int
rate_parse_list(const char *s, struct sg_rate r[SG_RATES_MAX])
{
	char	 item[32];
	size_t	 len;
	int	 n = 0;

	if (s == NULL)
		return 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			return n;
		len = strcspn(s, " \t,");
		if (len >= sizeof(item) || n == SG_RATES_MAX)
			return -1;
		memcpy(item, s, len);
		item[len] = '\0';
		if (rate_parse(item, &r[n]) == -1)
			return -1;
		n++;
		s += len;
	}
}

/* "N/T". */
const char *
rate_str(const struct sg_rate *r, char *buf, size_t len)
{
	snprintf(buf, len, "%ld/%s", r->n, r->tstr);
	return buf;
}

/* count + add past N? */
int
rate_full(const struct sg_rate *r, long count, long add)
{
	return count + add > r->n;
}

/* A percentage with up to three decimals, as ppm; -1 if bad. */
static long
percent_ppm(const char **p)
{
	long	 v, frac = 0, scale = 10000;
	int	 nd = 0;

	if ((v = digits(p)) < 0 || v > 100)
		return -1;
	v *= 10000;
	if (**p == '.') {
		(*p)++;
		while (isdigit((unsigned char)**p)) {
			if (++nd > 3)
				return -1;
			scale /= 10;
			frac += (**p - '0') * scale;
			(*p)++;
		}
		if (nd == 0)
			return -1;
	}
	if (*(*p)++ != '%' || v + frac > 1000000)
		return -1;
	return v + frac;
}

/* "WARN% SUSPEND%". */
int
rep_limits_parse(const char *s, struct rep_limits *l)
{
	const char	*p = s;

	if (s == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if ((l->warn = percent_ppm(&p)) < 0 || (*p != ' ' && *p != '\t'))
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if ((l->suspend = percent_ppm(&p)) < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	return *p == '\0' && l->warn <= l->suspend ? 0 : -1;
}

/* The level a rate reaches. */
enum rep_level
rep_judge(long rcpts, long events, long min_rcpts, const struct rep_limits *l)
{
	long long	 ppm;

	if (rcpts <= 0 || rcpts < min_rcpts || events <= 0)
		return REP_OK;
	ppm = (long long)events * 1000000 / rcpts;
	if (ppm >= l->suspend)
		return REP_SUSPEND;
	if (ppm >= l->warn)
		return REP_WARN;
	return REP_OK;
}

/* "bounce rate 12.4% (62 of 500) over 14 days". */
void
rep_reason(const char *what, long events, long rcpts, long days, char *buf,
    size_t len)
{
	long long	 pm = rcpts > 0 ? ((long long)events * 10000 / rcpts +
			    5) / 10 : 0;	/* per mille, rounded */

	snprintf(buf, len, "%s rate %lld.%lld%% (%ld of %ld) over %ld day%s",
	    what, pm / 10, pm % 10, events, rcpts, days, days == 1 ? "" : "s");
}
