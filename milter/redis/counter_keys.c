/*
 * counter_keys.c - the names of the counters' keys and the months they
 * count, pure: no Redis (tests/unit/test_counter.c checks them). The
 * key names are the contract's (sendergate(8), "REDIS KEYS").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/digest.h"
#include "redis/counter.h"

/*
 * The month of the last call, per thread: [lo, hi) are its first second
 * and the first of the next, in the TZ of cached_tz. Every message asks
 * several times, and localtime_r and strftime cost more than the rest of
 * a key; a time outside the range, or another TZ, is worked out anew.
 */
static __thread time_t	 cached_lo = 1, cached_hi;
static __thread char	 cached_month[SG_MONTH_LEN];
static __thread char	 cached_tz[128];

/* Is t in the cached month, under the TZ it was worked out in? */
static int
cached(time_t t)
{
	const char	*tz;

	if (t < cached_lo || t >= cached_hi)
		return 0;
	tz = getenv("TZ");
	return strcmp(tz != NULL ? tz : "", cached_tz) == 0;
}

/* Start of the month of tm (local time). */
static time_t
month_start(struct tm tm, int add)
{
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon += add;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/*
 * Work out t's month into out and the cache: 1 when the cache now holds
 * it (under the TZ of now), 0 when it could not (a year past 9999: out
 * is "0000-00"; a TZ too long to keep).
 */
static int
month_fill(time_t t, char out[SG_MONTH_LEN])
{
	struct tm	 tm;
	const char	*tz;

	cached_lo = 1;				/* none, until filled */
	cached_hi = 0;
	localtime_r(&t, &tm);
	if (strftime(out, SG_MONTH_LEN, "%Y-%m", &tm) == 0) {
		snprintf(out, SG_MONTH_LEN, "0000-00");	/* year > 9999 */
		return 0;
	}
	tz = getenv("TZ");
	if (snprintf(cached_tz, sizeof(cached_tz), "%s", tz != NULL ? tz :
	    "") >= (int)sizeof(cached_tz))
		return 0;			/* too long to compare: none */
	cached_lo = month_start(tm, 0);
	cached_hi = month_start(tm, 1);
	memcpy(cached_month, out, SG_MONTH_LEN);
	return 1;
}

/* t's month into out: 1 when the cache holds it (cached_hi is its end). */
static int
month_lookup(time_t t, char out[SG_MONTH_LEN])
{
	if (cached(t)) {
		memcpy(out, cached_month, SG_MONTH_LEN);
		return 1;
	}
	return month_fill(t, out);
}

/* "YYYY-MM" of t in local time (TZ is quota_timezone). */
void
ctr_month(time_t t, char out[SG_MONTH_LEN])
{
	(void)month_lookup(t, out);
}

/* Start of the month after t's, plus 32 days, without the cache. */
static time_t
expiry_of(time_t t)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	return month_start(tm, 1) + 32 * 86400;
}

/* Both at once: one look at TZ (a message's keys and their expiry). */
void
ctr_month_expiry(time_t t, char out[SG_MONTH_LEN], time_t *expiry)
{
	*expiry = month_lookup(t, out) ? cached_hi + 32 * 86400 :
	    expiry_of(t);
}

/*
 * Join the strings of v (NULL-ended) into out (len octets): 0, or -1
 * when they do not fit. Key names are built this way, not by snprintf:
 * a message builds several.
 */
static int
join(char *out, size_t len, const char *const *v)
{
	size_t	 o = 0, n;

	for (; *v != NULL; v++) {
		n = strlen(*v);
		if (n >= len - o)
			return -1;
		memcpy(out + o, *v, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* Start of the month after t's, plus 32 days. */
time_t
ctr_expiry(time_t t)
{
	char	 month[SG_MONTH_LEN];
	time_t	 e;

	ctr_month_expiry(t, month, &e);
	return e;
}

/* Both key names of a sender for a month. */
int
ctr_keys(const char *prefix, const char *primary, const char *sender,
    const char *month, char *skey, size_t slen, char *dkey, size_t dlen)
{
	if (join(skey, slen, (const char *const[]){ prefix, ":{", primary,
	    "}:s:", sender, ":", month, NULL }) == -1)
		return -1;
	return join(dkey, dlen, (const char *const[]){ prefix, ":{", primary,
	    "}:d:", month, NULL });
}

/* The warning marks of a quota_warn percentage (pct), sender's, domain's. */
int
ctr_warn_keys(const char *prefix, const char *primary, const char *sender,
    const char *month, const char *pct, char *skey, char *dkey, size_t len)
{
	if (join(skey, len, (const char *const[]){ prefix, ":{", primary,
	    "}:w:s:", sender, ":", month, ":", pct, NULL }) == -1)
		return -1;
	return join(dkey, len, (const char *const[]){ prefix, ":{", primary,
	    "}:w:d:", month, ":", pct, NULL });
}

/*
 * The Message-ID key of a sender in a month; 0, or -1 if the buffer is
 * too small. The month is in the key so that a retry in a new month is
 * counted in it: a message forgiven in one month was counted in that one.
 */
int
ctr_msgid_key(const char *prefix, const char *primary, const char *sender,
    const char *month, const char *hash, char *mkey, size_t mlen)
{
	return join(mkey, mlen, (const char *const[]){ prefix, ":{", primary,
	    "}:m:", sender, ":", month, ":", hash, NULL });
}

/* The record key of a message, by Message-ID or else queue id. */
int
ctr_record_key(const char *prefix, const char *primary, const char *sender,
    const char *msgid_hash, const char *qid, char *rkey, size_t rlen)
{
	if (msgid_hash != NULL && msgid_hash[0] != '\0')
		return join(rkey, rlen, (const char *const[]){ prefix, ":{",
		    primary, "}:r:", sender, ":", msgid_hash, NULL });
	if (qid != NULL && qid[0] != '\0')
		return join(rkey, rlen, (const char *const[]){ prefix, ":{",
		    primary, "}:r:", sender, ":q:", qid, NULL });
	return -1;
}

/* SHA-256 (hex) of a Message-ID value, white space trimmed; 0 or -1. */
int
ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN])
{
	size_t		 len;

	out[0] = '\0';
	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t' || *value == '\r' ||
	    *value == '\n')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
	    value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	if (len == 0)
		return -1;
	return sg_sha256_hex(value, len, out);
}

/* Join parts into buf by copying (no format to parse); 0, or -1. */
int
ctr_key_join(char *buf, size_t len, const char *const *parts, size_t n)
{
	size_t	 i, o = 0, l;

	for (i = 0; i < n; i++) {
		l = strlen(parts[i]);
		if (o + l >= len)
			return -1;
		memcpy(buf + o, parts[i], l);
		o += l;
	}
	if (o >= len)
		return -1;
	buf[o] = '\0';
	return 0;
}

/* A reputation key (kind "rp", "rs", "rw") of a sender or a domain. */
int
ctr_rep_key(const char *prefix, const char *primary, const char *sender,
    const char *kind, char *out, size_t len)
{
	const char	*p[8] = { prefix, ":{", primary, "}:", kind, ":d", "",
			    "" };

	if (sender != NULL && sender[0] != '\0') {
		p[5] = ":s:";
		p[6] = sender;
	}
	return ctr_key_join(out, len, p, 7);
}

/* A sending rate's window key of a sender or a domain. */
int
ctr_rate_key(const char *prefix, const char *primary, const char *sender,
    const struct sg_rate *r, char *out, size_t len)
{
	const char	*p[8] = { prefix, ":{", primary, "}:t:d", "", ":",
			    r->tstr, "" };

	if (sender != NULL && sender[0] != '\0') {
		p[3] = "}:t:s:";
		p[4] = sender;
	}
	return ctr_key_join(out, len, p, 7);
}
