/*
 * rate.h - sending rates (sgSendRate, default_send_rate) and reputation
 * rates (bounce_rate_limits, complaint_rate_limits): their parsing and
 * their judgement, pure (no I/O).
 *
 * A sending rate "N/T" (T a number and m, h or d: "100/1m", "2000/1h")
 * allows at most N accepted (messages or recipients, as quota_unit) in
 * any interval of length T. Its window is kept in Redis as a sorted set
 * of the accepted times (redis/counter.h), N members at most: N is
 * bounded by SG_RATE_N_MAX, T by SG_RATE_T_MAX.
 */
#ifndef SG_RATE_H
#define SG_RATE_H

#include <stddef.h>

#define SG_RATES_MAX	4		/* sgSendRate values of one entry */
#define SG_RATE_N_MAX	100000		/* N of one window, at most */
#define SG_RATE_T_MAX	(31L * 86400)	/* T, seconds, at most */

/* One window; the numbers for Redis are formatted once, when parsed. */
struct sg_rate {
	long		 n;		/* 1 .. SG_RATE_N_MAX */
	long		 secs;		/* 60 .. SG_RATE_T_MAX */
	char		 nstr[24];	/* n in decimal */
	char		 msstr[24];	/* secs * 1000 in decimal */
	char		 tstr[24];	/* T as written canonically: "1h" */
};

/* Parse "N/T" into *r: 0, or -1 when it is no such rate. */
int	rate_parse(const char *s, struct sg_rate *r);

/*
 * A blank-separated list of rates (default_send_rate; "" = none) into
 * r[SG_RATES_MAX]; their number, or -1 when an item is bad or there are
 * too many.
 */
int	rate_parse_list(const char *s, struct sg_rate r[SG_RATES_MAX]);

/* "N/T" of a rate, as sgSendRate writes it, into buf. */
const char *rate_str(const struct sg_rate *r, char *buf, size_t len);

/* Would add more in a window already holding count pass r's N? */
int	rate_full(const struct sg_rate *r, long count, long add);

/*
 * Reputation thresholds: "WARN% SUSPEND%" (bounce_rate_limits,
 * complaint_rate_limits), as parts per million of the recipients.
 */
struct rep_limits {
	long		 warn;		/* ppm */
	long		 suspend;	/* ppm, >= warn */
};

/* Parse "5% 10%" (up to three decimals): 0, or -1. */
int	rep_limits_parse(const char *s, struct rep_limits *l);

enum rep_level {
	REP_OK = 0,			/* below both, or too few recipients */
	REP_WARN,			/* at or past the first threshold */
	REP_SUSPEND			/* at or past the second */
};

/*
 * The judgement of events (bounces or complaints) among rcpts recipients
 * accepted in the window: nothing below min_rcpts recipients; else the
 * level the rate events / rcpts reaches.
 */
enum rep_level rep_judge(long rcpts, long events, long min_rcpts,
	    const struct rep_limits *l);

/*
 * The reason of a suspension or warning, as the reply shows it:
 * "bounce rate 12.4% (62 of 500) over 14 days". what: "bounce" or
 * "complaint".
 */
void	rep_reason(const char *what, long events, long rcpts, long days,
	    char *buf, size_t len);

#endif
