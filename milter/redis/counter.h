/*
 * counter.h - per-sender and per-domain monthly counters in Redis.
 *
 * Keys: <prefix>:{<primary>}:s:<sender>:<YYYY-MM>,
 *       <prefix>:{<primary>}:d:<YYYY-MM> and, for dedupe_window,
 *       <prefix>:{<primary>}:m:<sender>:<YYYY-MM>:<sha256 of the
 *       Message-ID> (a retry in a new month is counted in it).
 * The check and the increment of both counters run in one Lua script,
 * loaded once and called by SHA.
 *
 * struct counters is one Redis (a server, or the master of a
 * Sentinel-monitored set) with the settings it was opened with: a pool
 * of idle connections shared by all threads, and the quota_precheck
 * memo. Every program (the milter, sendergatectl) reaches Redis through
 * it. Its functions are thread-safe.
 */
#ifndef SG_COUNTER_H
#define SG_COUNTER_H

#include <stddef.h>
#include <time.h>
#include "lib/conf.h"

#define SG_MONTH_LEN	8		/* "YYYY-MM" and NUL */
#define SG_KEY_MAX	(32 + 2 * 256 + 64)
#define SG_MSGID_HASH_LEN 65		/* SHA-256 in hex and NUL */
#define SG_FINGERPRINT_LEN 65		/* a message's, in hex, and NUL */

struct counters;
struct redisReply;

/* What a counter call found. */
enum ctr_result {
	CTR_FAILED = -1,		/* Redis failed; nothing known */
	CTR_LIMIT = 0,			/* a limit would be passed; not counted */
	CTR_COUNTED = 1,		/* counted (commit), or read (read) */
	CTR_RETRY = 2			/* a forgiven retry; not counted */
};

/*
 * Open the counters of c: redis_address, or redis_sentinels with
 * redis_master_name; password, db, prefix, timeout, the dedupe and
 * quota_precheck settings and redis_wait_* are copied (c may go away).
 * No connection is made yet. NULL with a reason in err.
 */
struct counters *ctr_open(const struct sg_conf *c, char *err, size_t errlen);

/* Close the idle connections and free; NULL is fine. */
void	ctr_close(struct counters *);

/*
 * Read both counters of now's month into *scount, *dcount: CTR_COUNTED,
 * or CTR_FAILED. slimit / dlimit (LIMIT_NONE for none) feed the
 * quota_precheck memo: a sender or domain read at its limit is marked.
 */
enum ctr_result ctr_read(struct counters *, const char *primary,
	    const char *sender, time_t now, long slimit, long dlimit,
	    long *scount, long *dcount);

/*
 * quota_precheck = known: must MAIL FROM read this sender's counters?
 * 1 when the sender or its domain was seen at its limit this month by
 * this process, or Redis failed last time; 0 otherwise. Always 1 with
 * quota_precheck = always.
 */
int	ctr_must_read(struct counters *, const char *primary,
	    const char *sender, time_t now);

/*
 * Check both limits and add n to both counters, atomically.
 * slimit / dlimit: the limit, or LIMIT_NONE. sender: the registered
 * sender's canonical address. msgid_hash: ctr_msgid_hash of the
 * message's Message-ID; fingerprint: the message's (hex); either NULL or
 * "" means no dedupe, and so do dedupe_window 0 and dedupe_max_retries
 * 0. A message is CTR_RETRY only when the last message counted under
 * its Message-ID within dedupe_window had the same fingerprint and fewer
 * than dedupe_max_retries retries of it were forgiven. On CTR_COUNTED,
 * CTR_RETRY and CTR_LIMIT the counters' values are in *scount, *dcount.
 * With redis_wait_replicas, a count not acknowledged by that many
 * replicas within redis_wait_timeout is CTR_FAILED (it may stay
 * counted: the client's retry of the same message is forgiven).
 */
enum ctr_result ctr_commit(struct counters *, const char *primary,
	    const char *sender, const char *msgid_hash,
	    const char *fingerprint, time_t now, long n, long slimit,
	    long dlimit, long *scount, long *dcount);

/* The quota_warn thresholds a counted message took its counts past. */
struct ctr_warned {
	int		 sender[SG_WARN_MAX];	/* percentages */
	size_t		 nsender;
	int		 domain[SG_WARN_MAX];
	size_t		 ndomain;
};

/*
 * ctr_commit, and the quota_warn thresholds this message was the first
 * of the month to reach (at or past the percentage of a limit), for the
 * sender and for the domain, into *warned (NULL: none asked; nothing is
 * marked either). A threshold is reported once a month by all the
 * processes sharing the Redis: its mark,
 * <prefix>:{<primary>}:w:s:<sender>:<YYYY-MM>:<percent> or
 * <prefix>:{<primary>}:w:d:<YYYY-MM>:<percent>, is set with SET NX in
 * the counting script and expires with the counters.
 */
enum ctr_result ctr_commit_warn(struct counters *, const char *primary,
	    const char *sender, const char *msgid_hash,
	    const char *fingerprint, time_t now, long n, long slimit,
	    long dlimit, long *scount, long *dcount, struct ctr_warned *warned);

/*
 * Set a sender's count of month ("YYYY-MM") to 0 and take it off its
 * domain's count, atomically; the count it had in *was. 0, or -1.
 */
int	ctr_reset(struct counters *, const char *primary, const char *sender,
	    const char *month, long *was);

/*
 * For the other modules keeping keys in Redis (suppress.c, the reply-to
 * verification codes): one command (argc, argv) on a pooled connection,
 * with the pool's reconnection and master-finding rules. idempotent: it
 * may be sent once more after a transport error (reads, SET of a fixed
 * value). The reply, error replies included, belongs to the caller
 * (freeReplyObject); NULL when Redis failed (logged).
 */
struct redisReply *ctr_command(struct counters *, int argc,
	    const char **argv, int idempotent);

/* The redis_prefix the counters were opened with (theirs). */
const char *ctr_prefix(const struct counters *);

/* "YYYY-MM" of t in the process's time zone (TZ = quota_timezone). */
void	ctr_month(time_t t, char out[SG_MONTH_LEN]);

/* Unix time at which keys of t's month may expire (month end + 32 days). */
time_t	ctr_expiry(time_t t);

/* The two key names; 0, or -1 if a buffer is too small. */
int	ctr_keys(const char *prefix, const char *primary, const char *sender,
	    const char *month, char *skey, size_t slen, char *dkey, size_t dlen);

/*
 * The Message-ID (dedupe) key of month ("YYYY-MM"); 0, or -1 if the
 * buffer is too small.
 */
int	ctr_msgid_key(const char *prefix, const char *primary,
	    const char *sender, const char *month, const char *hash,
	    char *mkey, size_t mlen);

/*
 * SHA-256 in lower-case hex of a Message-ID header value, leading and
 * trailing white space (CR, LF, tab, space) removed. 0, or -1 (out = "")
 * when the value is NULL or blank.
 */
int	ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN]);

#endif
