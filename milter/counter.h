/*
 * counter.h - per-sender and per-domain monthly counters in Redis.
 *
 * Keys: <prefix>:{<primary>}:s:<sender>:<YYYY-MM>,
 *       <prefix>:{<primary>}:d:<YYYY-MM> and, for dedupe_window,
 *       <prefix>:{<primary>}:m:<sender>:<sha256 of the Message-ID>.
 * The check and the increment of both counters run in one Lua script,
 * loaded once and called by SHA. Connections are shared by all threads
 * through a pool of idle ones (up to 64 kept); one that fails is closed,
 * and a new one made on the next call.
 */
#ifndef SG_COUNTER_H
#define SG_COUNTER_H

#include <stddef.h>
#include <time.h>
#include "conf.h"

#define SG_MONTH_LEN	8		/* "YYYY-MM" and NUL */
#define SG_KEY_MAX	(32 + 2 * 256 + 64)
#define SG_MSGID_HASH_LEN 65		/* SHA-256 in hex and NUL */

/* Process start-up: remember the configuration. 0, or -1 with err. */
int	ctr_init(const struct sg_conf *c, char *err, size_t errlen);
/*
 * A reload: use c from the next call on (c must outlive that use; calls
 * under way finish first); flush: close the idle connections, so that
 * new ones are made with c's address, password and database.
 */
void	ctr_reconfigure(const struct sg_conf *c, int flush);
/* Close the idle connections (at stop). */
void	ctr_shutdown(void);

/* "YYYY-MM" of t in the process's time zone (TZ = quota_timezone). */
void	ctr_month(time_t t, char out[SG_MONTH_LEN]);

/* Unix time at which keys of t's month may expire (month end + 32 days). */
time_t	ctr_expiry(time_t t);

/* The two key names; 0, or -1 if a buffer is too small. */
int	ctr_keys(const char *prefix, const char *primary, const char *sender,
	    const char *month, char *skey, size_t slen, char *dkey, size_t dlen);

/* The Message-ID (dedupe) key; 0, or -1 if the buffer is too small. */
int	ctr_msgid_key(const char *prefix, const char *primary,
	    const char *sender, const char *hash, char *mkey, size_t mlen);

/*
 * SHA-256 in lower-case hex of a Message-ID header value, leading and
 * trailing white space (CR, LF, tab, space) removed. 0, or -1 (out = "")
 * when the value is NULL or blank.
 */
int	ctr_msgid_hash(const char *value, char out[SG_MSGID_HASH_LEN]);

/* Read both counters of this month. 0, or -1 on a Redis failure. */
int	ctr_read(const char *primary, const char *sender, time_t now,
	    long *scount, long *dcount);

/* What ctr_commit found. */
enum ctr_result {
	CTR_FAILED = -1,		/* Redis failed; nothing known */
	CTR_LIMIT = 0,			/* a limit would be passed; not counted */
	CTR_COUNTED = 1,		/* counted; new values returned */
	CTR_RETRY = 2			/* a forgiven retry; not counted */
};

/* Hex SHA-256 fingerprint of a message (see milter.c), and its NUL. */
#define SG_FINGERPRINT_LEN 65

/*
 * Check both limits and add n to both counters, atomically.
 * slimit / dlimit: the limit, or -1 for none. sender: the registered
 * sender's canonical address. msgid_hash: ctr_msgid_hash of the
 * message's Message-ID; fingerprint: the message's (hex); either NULL or
 * "" means no dedupe, and so do dedupe_window 0 and dedupe_max_retries
 * 0. A message is CTR_RETRY only when the last message counted under
 * its Message-ID within dedupe_window had the same fingerprint and fewer
 * than dedupe_max_retries retries of it were forgiven. On CTR_COUNTED,
 * CTR_RETRY and CTR_LIMIT the counters' values are in *scount, *dcount.
 */
enum ctr_result ctr_commit(const char *primary, const char *sender,
	    const char *msgid_hash, const char *fingerprint, time_t now,
	    long n, long slimit, long dlimit, long *scount, long *dcount);

#endif
