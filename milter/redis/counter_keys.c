/*
 * counter_keys.c - the names of the counters' keys and the months they
 * count, pure: no Redis (tests/unit/test_counter.c checks them). The
 * key names are the contract's (sendergate(8), "REDIS KEYS").
 */

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/sha.h>

#include "redis/counter.h"

/* "YYYY-MM" of t in local time (TZ is quota_timezone). */
void
ctr_month(time_t t, char out[SG_MONTH_LEN])
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	if (strftime(out, SG_MONTH_LEN, "%Y-%m", &tm) == 0)
		snprintf(out, SG_MONTH_LEN, "0000-00");	/* year > 9999 */
}

/* Start of the month after t's, plus 32 days. */
time_t
ctr_expiry(time_t t)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mon += 1;
	tm.tm_isdst = -1;
	return mktime(&tm) + 32 * 86400;
}

/* Both key names of a sender for a month. */
int
ctr_keys(const char *prefix, const char *primary, const char *sender,
    const char *month, char *skey, size_t slen, char *dkey, size_t dlen)
{
	int	 n;

	n = snprintf(skey, slen, "%s:{%s}:s:%s:%s", prefix, primary, sender,
	    month);
	if (n < 0 || (size_t)n >= slen)
		return -1;
	n = snprintf(dkey, dlen, "%s:{%s}:d:%s", prefix, primary, month);
	if (n < 0 || (size_t)n >= dlen)
		return -1;
	return 0;
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
	int	 n;

	n = snprintf(mkey, mlen, "%s:{%s}:m:%s:%s:%s", prefix, primary,
	    sender, month, hash);
	if (n < 0 || (size_t)n >= mlen)
		return -1;
	return 0;
}

/* The record key of a message, by Message-ID or else queue id. */
int
ctr_record_key(const char *prefix, const char *primary, const char *sender,
    const char *msgid_hash, const char *qid, char *rkey, size_t rlen)
{
	int	 n;

	if (msgid_hash != NULL && msgid_hash[0] != '\0')
		n = snprintf(rkey, rlen, "%s:{%s}:r:%s:%s", prefix, primary,
		    sender, msgid_hash);
	else if (qid != NULL && qid[0] != '\0')
		n = snprintf(rkey, rlen, "%s:{%s}:r:%s:q:%s", prefix, primary,
		    sender, qid);
	else
		return -1;
	if (n < 0 || (size_t)n >= rlen)
		return -1;
	return 0;
}

/* SHA-256 (hex) of a Message-ID value, white space trimmed; 0 or -1. */
int
ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	size_t		 i, len;

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
	SHA256((const unsigned char *)value, len, md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
	return 0;
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
