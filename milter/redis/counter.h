/*
 * counter.h - per-sender and per-domain monthly counters in Redis.
 *
 * Keys: <prefix>:{<primary>}:s:<sender>:<YYYY-MM>,
 *       <prefix>:{<primary>}:d:<YYYY-MM>; for dedupe_window
 *       <prefix>:{<primary>}:m:<sender>:<YYYY-MM>:<sha256 of the
 *       Message-ID> (a retry in a new month is counted in it); and for
 *       bounce_window the record of accepted messages (below).
 * The check and the increment of both counters run in one Lua script,
 * loaded once and called by SHA; the same call writes the record.
 *
 * The record of accepted messages, for matching bounces (and, later,
 * complaints) to what the relay really sent: a list under
 *   <prefix>:{<primary>}:r:<sender>:<sha256 of the Message-ID>, or,
 *   for a message without Message-ID,
 *   <prefix>:{<primary>}:r:<sender>:q:<queue id>
 * (ctr_record_key), newest first, of at most SG_RECORD_MESSAGES
 * entries, one for each message accepted (counted, or forgiven as a
 * retry) under that name: "<unix time>\n<queue id>\n<recipient>\n...",
 * the recipients as the milter took them at RCPT TO (normalised), at
 * most SG_RECORD_RCPTS of them. The list expires bounce_window after its
 * newest entry; a reader ignores entries older than bounce_window.
 *
 * Sending rates (lib/rate.h): each window N/T of a sender or a domain
 * is a sorted set of the times (ms, the Redis server's clock, so that
 * nodes agree) of what was accepted in it,
 *   <prefix>:{<primary>}:t:s:<sender>:<T>, <prefix>:{<primary>}:t:d:<T>
 * (T as "1h"), one member per unit counted ("<ms>:<domain count>:<i>"),
 * trimmed to the last T by the counting script before it checks and
 * adds, expiring T after the last addition: N members at most, some 40
 * octets each in Redis's listpack (up to 128 members), some 100 in a
 * skiplist beyond: a window of 100/1m takes about 4 KB, the largest
 * allowed (SG_RATE_N_MAX = 100000) about 10 MB.
 *
 * Reputation (redis/reputation.h reads and judges it): the counting
 * script adds the recipients of each counted message to a hash per
 * sender and per domain, <prefix>:{<primary>}:rp:s:<sender> and
 * <prefix>:{<primary>}:rp:d, field "r:<day>" (days since 1970, UTC);
 * the learned bounces and complaints go to "b:<day>" and "c:<day>". At
 * the day's first message the script drops the days older than
 * reputation_window; the hash expires reputation_window after its last
 * change: 3 fields a day of the window at most, under 2 KB. An
 * automatic suspension is a string "<unix time> <reason>" under
 * <prefix>:{<primary>}:rs:s:<sender> or <prefix>:{<primary>}:rs:d,
 * read at MAIL FROM with the counters and checked again by the counting
 * script (with reputation_action = suspend), so that quota_precheck =
 * known does not let a suspended sender through.
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
#include "lib/count.h"
#include "lib/fingerprint.h"
#include "lib/conf.h"
#include "lib/rate.h"

#define SG_MONTH_LEN	8		/* "YYYY-MM" and NUL */
#define SG_KEY_MAX	(32 + 2 * 256 + 64)
#define SG_MSGID_HASH_LEN 65		/* SHA-256 in hex and NUL */
#define SG_RECORD_RCPTS	1000		/* recipients recorded a message */
#define SG_RECORD_MESSAGES 8		/* entries kept under one name */

struct counters;
struct redisReply;

/* What a counter call found. */

/*
 * Open the counters of c: redis_address, or redis_sentinels with
 * redis_master_name; password, db, prefix, timeout, the dedupe and
 * quota_precheck settings and redis_wait_* are copied (c may go away).
 * No connection is made yet. NULL with a reason in err.
 */
struct counters *ctr_open(const struct sg_conf *c, char *err, size_t errlen);

/*
 * The counters are reference counted: ctr_open gives the caller one
 * reference, ctr_ref another (a reload whose Redis keys did not change
 * shares them); ctr_close drops one, and the last closes the idle
 * connections and frees. NULL is fine.
 */
struct counters *ctr_ref(struct counters *);
void	ctr_close(struct counters *);

/*
 * Read both counters of now's month into *scount, *dcount: CTR_COUNTED,
 * or CTR_FAILED. slimit / dlimit (LIMIT_NONE for none) feed the
 * quota_precheck memo: a sender or domain read at its limit is marked.
 */
enum ctr_result ctr_read(struct counters *, const char *primary,
	    const char *sender, time_t now, long slimit, long dlimit,
	    long *scount, long *dcount);

/* The reason of an automatic suspension, at most (with its time). */
#define SG_REASON_MAX	256

/* What MAIL FROM reads beyond the monthly counts (ctr_read_more). */
struct ctr_more {
	/* in: the windows (pointing into the caller's; may be 0) */
	const struct sg_rate *srates;
	size_t		 nsrates;
	const struct sg_rate *drates;
	size_t		 ndrates;
	/* out */
	long		 sused[SG_RATES_MAX];	/* accepted in each window */
	long		 dused[SG_RATES_MAX];
	char		 suspended[SG_REASON_MAX];	/* reason, "" none */
};

/*
 * ctr_read, and in the same round trip what more asks: how full each
 * window is, and (reputation_action = suspend) an automatic suspension
 * of the sender or of its domain. more NULL: ctr_read.
 */
enum ctr_result ctr_read_more(struct counters *, const char *primary,
	    const char *sender, time_t now, long slimit, long dlimit,
	    long *scount, long *dcount, struct ctr_more *more);

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

/*
 * What ctr_commit_warn records of an accepted message (see the record
 * above), and the windows it is checked against and counted in. The
 * caller's: nothing is kept after the call.
 */
struct ctr_record {
	const char	*qid;		/* the MTA's queue id (i), "" unknown */
	char *const	*rcpts;		/* normalised; ones starting with '#'
					   (unparsable) are left out */
	size_t		 nrcpts;	/* only the first SG_RECORD_RCPTS */
	const struct sg_rate *srates;	/* the sending rates (or 0 of them) */
	size_t		 nsrates;
	const struct sg_rate *drates;
	size_t		 ndrates;
	long		 accepted;	/* recipients, for the reputation */
};

/* The quota_warn thresholds a counted message took its counts past. */
struct ctr_warned {
	int		 sender[SG_WARN_MAX];	/* percentages */
	size_t		 nsender;
	int		 domain[SG_WARN_MAX];
	size_t		 ndomain;
	/* CTR_RATE: the full window (into the record's); CTR_SUSPENDED */
	const struct sg_rate *full;
	char		 suspended[SG_REASON_MAX];	/* the reason */
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
 *
 * rec (NULL: none) is recorded, in the same script, when the message is
 * CTR_COUNTED or CTR_RETRY and bounce_window is not 0, under its
 * Message-ID (msgid_hash) or, without one, its queue id; with neither,
 * nothing is recorded. CTR_LIMIT and CTR_FAILED record nothing.
 *
 * rec's rates are checked (after the monthly limits) and counted in the
 * same script: CTR_RATE when one window would pass its N (warned->full
 * is that window; nothing counted). With reputation_action = suspend an
 * automatic suspension gives CTR_SUSPENDED (warned->suspended is the
 * reason; nothing counted, not even a retry); unless it is off, a
 * counted message's rec->accepted recipients go to the reputation.
 */
enum ctr_result ctr_commit_warn(struct counters *, const char *primary,
	    const char *sender, const char *msgid_hash,
	    const char *fingerprint, time_t now, long n, long slimit,
	    long dlimit, long *scount, long *dcount, struct ctr_warned *warned,
	    const struct ctr_record *rec);

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
 * value). One answer: the reply, never an error reply, which belongs to
 * the caller (freeReplyObject); or NULL when the command did not succeed,
 * whether Redis was unreachable or answered with an error (logged).
 */
struct redisReply *ctr_command(struct counters *, int argc,
	    const char **argv, int idempotent);

/* The redis_prefix the counters were opened with (theirs). */
const char *ctr_prefix(const struct counters *);

/* "YYYY-MM" of t in the process's time zone (TZ = quota_timezone). */
void	ctr_month(time_t t, char out[SG_MONTH_LEN]);

/* Unix time at which keys of t's month may expire (month end + 32 days). */
time_t	ctr_expiry(time_t t);

/* ctr_month and ctr_expiry of t together, with one look at TZ. */
void	ctr_month_expiry(time_t t, char month[SG_MONTH_LEN], time_t *expiry);

/* The two key names; 0, or -1 if a buffer is too small. */
int	ctr_keys(const char *prefix, const char *primary, const char *sender,
	    const char *month, char *skey, size_t slen, char *dkey, size_t dlen);

/*
 * The Message-ID (dedupe) key of month ("YYYY-MM"); 0, or -1 if the
 * buffer is too small.
 */
/* The warning marks of one quota_warn percentage pct (in decimal), the
 * sender's and the domain's, each len octets: 0, or -1 too long. */
int	ctr_warn_keys(const char *prefix, const char *primary,
	    const char *sender, const char *month, const char *pct,
	    char *skey, char *dkey, size_t len);
int	ctr_msgid_key(const char *prefix, const char *primary,
	    const char *sender, const char *month, const char *hash,
	    char *mkey, size_t mlen);

/*
 * The record key of a message: by msgid_hash when it is not "", else by
 * qid when that is not "". 0; -1 when neither is known or the buffer is
 * too small.
 */
int	ctr_record_key(const char *prefix, const char *primary,
	    const char *sender, const char *msgid_hash, const char *qid,
	    char *rkey, size_t rlen);

/*
 * The reputation keys: kind "rp" (the counts), "rs" (the suspension),
 * "rw" (warning marks, with a suffix added by the caller), of sender, or
 * of the domain when sender is NULL or "". 0, or -1 (too long).
 */
int	ctr_rep_key(const char *prefix, const char *primary,
	    const char *sender, const char *kind, char *out, size_t len);

/* The window key of rate r of sender (NULL, "": the domain); 0 / -1. */
int	ctr_rate_key(const char *prefix, const char *primary,
	    const char *sender, const struct sg_rate *r, char *out,
	    size_t len);

/* The entries of a message's record lists (ctr_record_read). */
struct ctr_entries {
	char		**v;		/* malloc'd, each NUL-terminated too */
	size_t		 *len;
	size_t		  n;
};

/*
 * Read the record of a sender's message, newest first: the list under
 * msgid_hash (if not ""), then the list under qid (if not ""), together
 * into *e (ctr_entries_free it, also after -1). 0 (n may be 0: nothing
 * recorded), or -1 when Redis failed (logged).
 */
int	ctr_record_read(struct counters *, const char *primary,
	    const char *sender, const char *msgid_hash, const char *qid,
	    struct ctr_entries *e);
void	ctr_entries_free(struct ctr_entries *);

/*
 * SHA-256 in lower-case hex of a Message-ID header value, leading and
 * trailing white space (CR, LF, tab, space) removed. 0, or -1 (out = "")
 * when the value is NULL or blank.
 */
int	ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN]);

#endif
