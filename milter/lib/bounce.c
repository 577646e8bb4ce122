/*
 * bounce.c - a failed recipient matched against the record of the
 * messages the relay accepted (see bounce.h): a linear walk over at most
 * SG_RECORD_MESSAGES entries of at most SG_RECORD_RCPTS recipients.
 */
#include <string.h>

#include "lib/bounce.h"

/* The entry's time (its first line), or -1 when it has none. */
static long long
entry_time(const char *p, const char *end, const char **rest)
{
	long long	 t = 0;
	const char	*s = p;

	while (p < end && *p >= '0' && *p <= '9' && t < 100000000000LL)
		t = t * 10 + (*p++ - '0');
	if (p == s || p >= end || *p != '\n')
		return -1;
	*rest = p + 1;
	return t;
}

/* Does the entry [p, end) (after its time) list rcpt (rl octets)? */
static int
lists(const char *p, const char *end, const char *rcpt, size_t rl)
{
	const char	*nl;

	/* the queue id's line first */
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((size_t)(nl - p) == rl && memcmp(p, rcpt, rl) == 0)
			return 1;
	}
	return 0;
}

/* Is rcpt a recipient of a message of the record, within the window? */
int
bounce_match(const char *const *entries, const size_t *len, size_t n,
    time_t now, long window_ms, const char *rcpt, const char **why)
{
	const char	*rest;
	long long	 t, oldest = (long long)now - window_ms / 1000;
	size_t		 i, rl = strlen(rcpt);
	int		 recent = 0;

	if (n == 0) {
		*why = "no message of that sender under that Message-ID or "
		    "queue id was recorded";
		return 0;
	}
	for (i = 0; i < n; i++) {
		t = entry_time(entries[i], entries[i] + len[i], &rest);
		if (t < 0 || t < oldest)
			continue;
		recent = 1;
		if (rl > 0 && lists(rest, entries[i] + len[i], rcpt, rl)) {
			*why = "a recipient of a message the relay accepted";
			return 1;
		}
	}
	*why = recent ? "not a recipient of the message the relay accepted" :
	    "the message was recorded longer ago than bounce_window";
	return 0;
}
