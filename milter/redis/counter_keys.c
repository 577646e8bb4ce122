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
#include "redis/counter_int.h"

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

/* Start of the month after t's, plus 32 days. */
time_t
ctr_expiry(time_t t)
{
	char	 month[SG_MONTH_LEN];
	time_t	 e;

	ctr_month_expiry(t, month, &e);
	return e;
}

/*
 * The keys of one sender and month, built from parts of known length
 * after their common start, made once (ctr_names): a message builds a
 * dozen, and measuring and copying the prefix and the domain again for
 * each cost more than the rest.
 */
int
ctr_names_init(struct ctr_names *nm, const char *prefix, const char *primary,
    const char *sender, const char *month)
{
	size_t	 pl = strlen(prefix), dl = strlen(primary);

	if (pl + dl + 5 > sizeof(nm->stem))
		return -1;
	memcpy(nm->stem, prefix, pl);
	memcpy(nm->stem + pl, ":{", 2);
	memcpy(nm->stem + pl + 2, primary, dl);
	memcpy(nm->stem + pl + 2 + dl, "}:", 3);
	nm->stemlen = pl + dl + 4;
	nm->sender = sender != NULL ? sender : "";
	nm->senderlen = strlen(nm->sender);
	nm->month = month != NULL ? month : "";
	nm->monthlen = strlen(nm->month);
	return 0;
}

/* A part of a key: a string and its length. */
struct part {
	const char	*s;
	size_t		 len;
};

#define LIT(s)	{ s, sizeof(s) - 1 }

/* The stem, then n parts, into out (len octets): the length, or -1. */
static int
build(const struct ctr_names *nm, char *out, size_t len,
    const struct part *p, size_t n)
{
	size_t	 o = nm->stemlen, i;

	if (o >= len)
		return -1;
	memcpy(out, nm->stem, o);
	for (i = 0; i < n; i++) {
		if (p[i].len >= len - o)
			return -1;
		memcpy(out + o, p[i].s, p[i].len);
		o += p[i].len;
	}
	out[o] = '\0';
	return (int)o;
}

/* The sender's counter "s:<sender>:<month>". */
int
ctr_name_sender(const struct ctr_names *nm, char *out, size_t len)
{
	const struct part p[] = { LIT("s:"), { nm->sender, nm->senderlen },
	    LIT(":"), { nm->month, nm->monthlen } };

	return build(nm, out, len, p, 4);
}

/* The domain's counter "d:<month>". */
int
ctr_name_domain(const struct ctr_names *nm, char *out, size_t len)
{
	const struct part p[] = { LIT("d:"), { nm->month, nm->monthlen } };

	return build(nm, out, len, p, 2);
}

/*
 * The warning marks of a percentage, "w:s:<sender>:<month>:<pct>" and
 * "w:d:<month>:<pct>", their lengths in klen: 0, or -1.
 */
int
ctr_name_warn(const struct ctr_names *nm, const char *pct, char *skey,
    char *dkey, size_t len, size_t klen[2])
{
	size_t		 pl = strlen(pct);
	const struct part s[] = { LIT("w:s:"), { nm->sender, nm->senderlen },
	    LIT(":"), { nm->month, nm->monthlen }, LIT(":"), { pct, pl } };
	const struct part d[] = { LIT("w:d:"), { nm->month, nm->monthlen },
	    LIT(":"), { pct, pl } };
	int		 sl, dl;

	if ((sl = build(nm, skey, len, s, 6)) == -1 ||
	    (dl = build(nm, dkey, len, d, 4)) == -1)
		return -1;
	klen[0] = (size_t)sl;
	klen[1] = (size_t)dl;
	return 0;
}

/* The Message-ID key "m:<sender>:<month>:<hash>". */
int
ctr_name_msgid(const struct ctr_names *nm, const char *hash, char *out,
    size_t len)
{
	const struct part p[] = { LIT("m:"), { nm->sender, nm->senderlen },
	    LIT(":"), { nm->month, nm->monthlen }, LIT(":"),
	    { hash, strlen(hash) } };

	return build(nm, out, len, p, 6);
}

/* The record key "r:<sender>:<msgid hash>", or "r:<sender>:q:<qid>". */
int
ctr_name_record(const struct ctr_names *nm, const char *msgid_hash,
    const char *qid, char *out, size_t len)
{
	struct part	 p[] = { LIT("r:"), { nm->sender, nm->senderlen },
			    LIT(":"), { NULL, 0 } };

	if (msgid_hash != NULL && msgid_hash[0] != '\0') {
		p[3].s = msgid_hash;
		p[3].len = strlen(msgid_hash);
	} else if (qid != NULL && qid[0] != '\0') {
		p[2].s = ":q:";
		p[2].len = 3;
		p[3].s = qid;
		p[3].len = strlen(qid);
	} else
		return -1;
	return build(nm, out, len, p, 4);
}

/* A reputation key "<kind>:s:<sender>" (of_sender), or "<kind>:d". */
int
ctr_name_rep(const struct ctr_names *nm, const char *kind, int of_sender,
    char *out, size_t len)
{
	const struct part p[] = { { kind, strlen(kind) }, LIT(":s:"),
	    { nm->sender, nm->senderlen } };
	const struct part d[] = { { kind, strlen(kind) }, LIT(":d") };

	return of_sender && nm->senderlen > 0 ? build(nm, out, len, p, 3) :
	    build(nm, out, len, d, 2);
}

/* A rate window's key "t:s:<sender>:<T>" (of_sender), or "t:d:<T>". */
int
ctr_name_rate(const struct ctr_names *nm, const struct sg_rate *r,
    int of_sender, char *out, size_t len)
{
	const struct part p[] = { LIT("t:s:"), { nm->sender, nm->senderlen },
	    LIT(":"), { r->tstr, strlen(r->tstr) } };
	const struct part d[] = { LIT("t:d:"), { r->tstr, strlen(r->tstr) } };

	return of_sender && nm->senderlen > 0 ? build(nm, out, len, p, 4) :
	    build(nm, out, len, d, 2);
}

/* Both key names of a sender for a month. */
int
ctr_keys(const char *prefix, const char *primary, const char *sender,
    const char *month, char *skey, size_t slen, char *dkey, size_t dlen)
{
	struct ctr_names nm;

	if (ctr_names_init(&nm, prefix, primary, sender, month) == -1 ||
	    ctr_name_sender(&nm, skey, slen) == -1 ||
	    ctr_name_domain(&nm, dkey, dlen) == -1)
		return -1;
	return 0;
}

/* The warning marks of a quota_warn percentage (pct), sender's, domain's. */
int
ctr_warn_keys(const char *prefix, const char *primary, const char *sender,
    const char *month, const char *pct, char *skey, char *dkey, size_t len)
{
	struct ctr_names nm;
	size_t		 klen[2];

	if (ctr_names_init(&nm, prefix, primary, sender, month) == -1)
		return -1;
	return ctr_name_warn(&nm, pct, skey, dkey, len, klen);
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
	struct ctr_names nm;

	if (ctr_names_init(&nm, prefix, primary, sender, month) == -1 ||
	    ctr_name_msgid(&nm, hash, mkey, mlen) == -1)
		return -1;
	return 0;
}

/* The record key of a message, by Message-ID or else queue id. */
int
ctr_record_key(const char *prefix, const char *primary, const char *sender,
    const char *msgid_hash, const char *qid, char *rkey, size_t rlen)
{
	struct ctr_names nm;

	if (ctr_names_init(&nm, prefix, primary, sender, NULL) == -1 ||
	    ctr_name_record(&nm, msgid_hash, qid, rkey, rlen) == -1)
		return -1;
	return 0;
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

/* A reputation key (kind "rp", "rs", "rw") of a sender or a domain. */
int
ctr_rep_key(const char *prefix, const char *primary, const char *sender,
    const char *kind, char *out, size_t len)
{
	struct ctr_names nm;

	if (ctr_names_init(&nm, prefix, primary, sender, NULL) == -1 ||
	    ctr_name_rep(&nm, kind, 1, out, len) == -1)
		return -1;
	return 0;
}

/* A sending rate's window key of a sender or a domain. */
int
ctr_rate_key(const char *prefix, const char *primary, const char *sender,
    const struct sg_rate *r, char *out, size_t len)
{
	struct ctr_names nm;

	if (ctr_names_init(&nm, prefix, primary, sender, NULL) == -1 ||
	    ctr_name_rate(&nm, r, 1, out, len) == -1)
		return -1;
	return 0;
}
