/*
 * counter.c - monthly counters in Redis, checked and counted atomically.
 *
 * Connections come from a pool of idle ones shared by the threads (one
 * short lock to take or give one back); a call uses its connection alone.
 * After any transport error the connection is freed and a new one is made
 * on the next call; an error reply (OOM, READONLY, a bad value) leaves
 * the connection in place but still fails the call.
 *
 * The script is loaded once per server: its SHA-1 is computed here and
 * EVALSHA is used; NOSCRIPT (a restarted or flushed server) loads it again.
 *
 * Dedupe: a message retried after its end-of-message answer was lost
 * carries the same Message-ID and is the same message. The script
 * remembers, per sender and SHA-256 of a Message-ID, the fingerprint of
 * the message last counted under it (milter.c: Message-ID, envelope
 * recipients, From, To, Cc, Date, Subject and the body) for
 * dedupe_window, and forgives up to dedupe_max_retries copies of exactly
 * that message. Anything else is counted, whatever its Message-ID says.
 * The test and the mark are in the same script as the counting, so two
 * copies racing cannot both go uncounted nor both be counted.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "counter.h"
#include "log.h"

/*
 * KEYS: sender key, domain key and, when deduplicating, the Message-ID
 * key. ARGV: amount, sender limit, domain limit (-1 = none), expiry (unix
 * time), dedupe window (ms), the message's fingerprint (hex), retries
 * forgiven per counted message. Returns {1, s, d} when counted, {0, s, d}
 * when a limit would be passed (nothing counted), {2, s, d} for a retry
 * (nothing counted).
 *
 * The Message-ID key holds "FINGERPRINT RETRIES" of the last message
 * counted under that Message-ID. A message is a retry only if its
 * fingerprint is that one and fewer than ARGV[7] retries were forgiven;
 * anything else is counted (and, when it is, becomes the key's message
 * with no retries). A value of another form (a key from an older
 * version) is simply a message of another fingerprint.
 */
static const char ctr_script[] =
	"local n = tonumber(ARGV[1])\n"
	"local sl = tonumber(ARGV[2])\n"
	"local dl = tonumber(ARGV[3])\n"
	"local s = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
	"local d = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
	"if s == nil or d == nil then\n"
	"  return redis.error_reply('sendergate: counter is not a number')\n"
	"end\n"
	"if KEYS[3] then\n"
	"  local v = redis.call('GET', KEYS[3])\n"
	"  if v then\n"
	"    local f, r = string.match(v, '^(%x+) (%d+)$')\n"
	"    if f == ARGV[6] and tonumber(r) < tonumber(ARGV[7]) then\n"
	"      redis.call('SET', KEYS[3], f .. ' ' .. (tonumber(r) + 1),\n"
	"        'KEEPTTL')\n"
	"      return {2, s, d}\n"
	"    end\n"
	"  end\n"
	"end\n"
	"if (sl >= 0 and s + n > sl) or (dl >= 0 and d + n > dl) then\n"
	"  return {0, s, d}\n"
	"end\n"
	"s = redis.call('INCRBY', KEYS[1], n)\n"
	"d = redis.call('INCRBY', KEYS[2], n)\n"
	"redis.call('EXPIREAT', KEYS[1], ARGV[4])\n"
	"redis.call('EXPIREAT', KEYS[2], ARGV[4])\n"
	"if KEYS[3] then\n"
	"  redis.call('SET', KEYS[3], ARGV[6] .. ' 0', 'PX', ARGV[5])\n"
	"end\n"
	"return {1, s, d}\n";

/*
 * Connections not in use, shared by all threads: libmilter starts and ends
 * threads as sessions come and go, so a connection per thread would mean
 * a new TCP connection to Redis for most sessions. At most CTR_IDLE_MAX
 * are kept; more in use at once are closed when given back.
 */
#define CTR_IDLE_MAX	64

/*
 * The configuration is replaced by ctr_reconfigure (a reload) under the
 * write lock; each counter call holds the read lock, so that none sees it
 * change midway or reads one that is gone. Writers first: a reload waits
 * for the calls under way, and new ones wait for the reload.
 */
static const struct sg_conf *ctr_conf;
static pthread_rwlock_t ctr_conf_lock =
    PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
static char ctr_sha[2 * SHA_DIGEST_LENGTH + 1];
static pthread_mutex_t ctr_mtx = PTHREAD_MUTEX_INITIALIZER;
static redisContext *ctr_idle[CTR_IDLE_MAX];
static size_t ctr_nidle;

/* Remember the configuration and compute the script's SHA-1. */
int
ctr_init(const struct sg_conf *c, char *err, size_t errlen)
{
	unsigned char	 md[SHA_DIGEST_LENGTH];
	size_t		 i;

	(void)err;
	(void)errlen;
	ctr_conf = c;
	SHA1((const unsigned char *)ctr_script, strlen(ctr_script), md);
	for (i = 0; i < sizeof(md); i++)
		snprintf(ctr_sha + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* Use c from the next call on; close the idle connections if flush. */
void
ctr_reconfigure(const struct sg_conf *c, int flush)
{
	pthread_rwlock_wrlock(&ctr_conf_lock);
	ctr_conf = c;
	if (flush)
		ctr_shutdown();
	pthread_rwlock_unlock(&ctr_conf_lock);
}

/* Close the idle connections (at shutdown, or all stale). */
void
ctr_shutdown(void)
{
	redisContext	*old[CTR_IDLE_MAX];
	size_t		 i, n;

	pthread_mutex_lock(&ctr_mtx);
	n = ctr_nidle;
	memcpy(old, ctr_idle, n * sizeof(*old));
	ctr_nidle = 0;
	pthread_mutex_unlock(&ctr_mtx);
	for (i = 0; i < n; i++)
		redisFree(old[i]);
}

/* Give a working connection back. */
static void
ctr_put(redisContext *rc)
{
	pthread_mutex_lock(&ctr_mtx);
	if (ctr_nidle < CTR_IDLE_MAX) {
		ctr_idle[ctr_nidle++] = rc;
		rc = NULL;
	}
	pthread_mutex_unlock(&ctr_mtx);
	if (rc != NULL)
		redisFree(rc);
}

/* Milliseconds to a struct timeval. */
static struct timeval
ms_tv(long ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* Run a command that must answer +OK; 0 or -1 (logged). */
static int
ctr_simple(redisContext *rc, const char *what, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;
	int		 ok;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		log_warnx("redis %s: %s", what, rc->errstr);
		return -1;
	}
	ok = r->type == REDIS_REPLY_STATUS;
	if (!ok)
		log_warnx("redis %s: %s", what,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ok ? 0 : -1;
}

/*
 * An idle connection, or a new one (with AUTH and SELECT); *fresh tells
 * whether it was made just now. Give it back with ctr_put, or ctr_drop.
 */
static redisContext *
ctr_conn(int *fresh)
{
	const struct sg_conf	*c = ctr_conf;
	redisContext		*rc;
	struct timeval		 tv = ms_tv(c->redis_timeout);
	char			 host[256];
	const char		*colon;
	size_t			 hl;
	int			 port;

	*fresh = 0;
	rc = NULL;
	pthread_mutex_lock(&ctr_mtx);
	if (ctr_nidle > 0)
		rc = ctr_idle[--ctr_nidle];
	pthread_mutex_unlock(&ctr_mtx);
	if (rc != NULL)
		return rc;
	*fresh = 1;
	if (strncmp(c->redis_address, "unix:", 5) == 0)
		rc = redisConnectUnixWithTimeout(c->redis_address + 5, tv);
	else {
		/* host:port or [v6]:port, checked by the configuration */
		colon = strrchr(c->redis_address, ':');
		if (colon == NULL)
			return NULL;
		hl = (size_t)(colon - c->redis_address);
		if (c->redis_address[0] == '[' && hl >= 2) {
			snprintf(host, sizeof(host), "%.*s", (int)(hl - 2),
			    c->redis_address + 1);
		} else
			snprintf(host, sizeof(host), "%.*s", (int)hl,
			    c->redis_address);
		port = atoi(colon + 1);
		rc = redisConnectWithTimeout(host, port, tv);
	}
	if (rc == NULL) {
		log_warnx("redis %s: cannot allocate a context",
		    c->redis_address);
		return NULL;
	}
	if (rc->err) {
		log_warnx("redis %s: %s", c->redis_address, rc->errstr);
		goto fail;
	}
	if (redisSetTimeout(rc, tv) != REDIS_OK) {
		log_warnx("redis %s: cannot set timeout", c->redis_address);
		goto fail;
	}
	if (c->redis_password != NULL &&
	    ctr_simple(rc, "AUTH", "AUTH %s", c->redis_password) == -1)
		goto fail;
	if (c->redis_db != 0 &&
	    ctr_simple(rc, "SELECT", "SELECT %ld", c->redis_db) == -1)
		goto fail;
	return rc;
fail:
	redisFree(rc);
	return NULL;
}

/*
 * A connection kept from before a server restart fails its first command
 * with EOF: the new server never saw the command. That case (and only
 * that) is worth one more try on a new connection; the other idle ones
 * are as old, and closed too.
 */
static int
ctr_stale(const redisContext *rc, int fresh)
{
	if (fresh || rc->err != REDIS_ERR_EOF)
		return 0;
	ctr_shutdown();
	return 1;
}

/* Close a connection after a transport error. */
static void
ctr_drop(redisContext *rc)
{
	log_warnx("redis %s: %s; reconnecting on next use",
	    ctr_conf->redis_address, rc->errstr[0] ? rc->errstr : "error");
	redisFree(rc);
}

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

/* The Message-ID key of a sender; 0, or -1 if the buffer is too small. */
int
ctr_msgid_key(const char *prefix, const char *primary, const char *sender,
    const char *hash, char *mkey, size_t mlen)
{
	int	 n;

	n = snprintf(mkey, mlen, "%s:{%s}:m:%s:%s", prefix, primary, sender,
	    hash);
	if (n < 0 || (size_t)n >= mlen)
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

/* A reply element as a count: nil is 0; -1 if not a number. */
static int
reply_count(const redisReply *r, long *out)
{
	char	*end;
	long	 v;

	switch (r->type) {
	case REDIS_REPLY_NIL:
		*out = 0;
		return 0;
	case REDIS_REPLY_INTEGER:
		*out = (long)r->integer;
		return 0;
	case REDIS_REPLY_STRING:
		errno = 0;
		v = strtol(r->str, &end, 10);
		if (errno != 0 || end == r->str || *end != '\0' || v < 0)
			return -1;
		*out = v;
		return 0;
	default:
		return -1;
	}
}

/* Make the keys of now's month into fixed buffers. */
static int
ctr_keys_now(const char *primary, const char *sender, time_t now,
    char *skey, char *dkey)
{
	char	 month[SG_MONTH_LEN];

	ctr_month(now, month);
	if (ctr_keys(ctr_conf->redis_prefix, primary, sender, month,
	    skey, SG_KEY_MAX, dkey, SG_KEY_MAX) == -1) {
		log_warnx("redis key too long for <%s>", sender);
		return -1;
	}
	return 0;
}

/* Read both counters with one MGET (the read lock held). */
static int
read_counts(const char *primary, const char *sender, time_t now, long *scount,
    long *dcount)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	redisContext	*rc;
	redisReply	*r;
	int		 ret = -1, fresh, retry, tries;

	if (ctr_keys_now(primary, sender, now, skey, dkey) == -1)
		return -1;
	for (tries = 0; ; tries++) {
		if ((rc = ctr_conn(&fresh)) == NULL)
			return -1;
		if ((r = redisCommandArgv(rc, 3, (const char *[]){ "MGET",
		    skey, dkey }, NULL)) != NULL)
			break;
		retry = tries == 0 && ctr_stale(rc, fresh);
		ctr_drop(rc);
		if (!retry)
			return -1;
	}
	ctr_put(rc);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    reply_count(r->element[0], scount) == 0 &&
	    reply_count(r->element[1], dcount) == 0)
		ret = 0;
	else
		log_warnx("redis MGET %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ret;
}

/*
 * EVALSHA the script; on NOSCRIPT load it and try once more. mkey: the
 * Message-ID key, or NULL for no dedupe.
 */
static redisReply *
ctr_eval(redisContext *rc, const char *skey, const char *dkey,
    const char *mkey, const char *fp, long n, long slimit, long dlimit,
    long long expiry)
{
	redisReply	*r;
	const char	*argv[13];
	char		 num[6][24];
	int		 argc = 0, i, tries;

	/* by argument vector: no format string to parse per message */
	snprintf(num[0], sizeof(num[0]), "%ld", n);
	snprintf(num[1], sizeof(num[1]), "%ld", slimit);
	snprintf(num[2], sizeof(num[2]), "%ld", dlimit);
	snprintf(num[3], sizeof(num[3]), "%lld", expiry);
	snprintf(num[4], sizeof(num[4]), "%ld",
	    mkey != NULL ? ctr_conf->dedupe_window : 0L);
	snprintf(num[5], sizeof(num[5]), "%ld", ctr_conf->dedupe_max_retries);
	argv[argc++] = "EVALSHA";
	argv[argc++] = ctr_sha;
	argv[argc++] = mkey != NULL ? "3" : "2";
	argv[argc++] = skey;
	argv[argc++] = dkey;
	if (mkey != NULL)
		argv[argc++] = mkey;
	for (i = 0; i < 5; i++)
		argv[argc++] = num[i];
	argv[argc++] = mkey != NULL ? fp : "";
	argv[argc++] = num[5];
	for (tries = 0; tries < 2; tries++) {
		r = redisCommandArgv(rc, argc, argv, NULL);
		if (r == NULL || r->type != REDIS_REPLY_ERROR ||
		    strncmp(r->str, "NOSCRIPT", 8) != 0)
			return r;
		freeReplyObject(r);
		if (tries > 0)
			break;
		/* a restarted or flushed server: load the script again */
		r = redisCommand(rc, "SCRIPT LOAD %s", ctr_script);
		if (r == NULL)
			return NULL;
		if (r->type != REDIS_REPLY_STRING ||
		    strcasecmp(r->str, ctr_sha) != 0)
			return r;	/* an error reply, reported by caller */
		freeReplyObject(r);
	}
	log_warnx("redis %s: NOSCRIPT even after SCRIPT LOAD",
	    ctr_conf->redis_address);
	return NULL;
}

/* Read both counters, under the configuration's read lock. */
int
ctr_read(const char *primary, const char *sender, time_t now, long *scount,
    long *dcount)
{
	int	 r;

	pthread_rwlock_rdlock(&ctr_conf_lock);
	r = read_counts(primary, sender, now, scount, dcount);
	pthread_rwlock_unlock(&ctr_conf_lock);
	return r;
}

/* Check and count atomically (the read lock held). */
static enum ctr_result
commit_counts(const char *primary, const char *sender, const char *msgid_hash,
    const char *fingerprint, time_t now, long n, long slimit, long dlimit,
    long *scount, long *dcount)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	char		 mbuf[SG_KEY_MAX + SG_MSGID_HASH_LEN];
	const char	*mkey = NULL;
	redisContext	*rc;
	redisReply	*r;
	int		 ret = -1, fresh, retry, tries;
	long long	 v;

	if (ctr_keys_now(primary, sender, now, skey, dkey) == -1)
		return -1;
	if (msgid_hash != NULL && msgid_hash[0] != '\0' &&
	    fingerprint != NULL && fingerprint[0] != '\0' &&
	    ctr_conf->dedupe_window > 0 && ctr_conf->dedupe_max_retries > 0) {
		if (ctr_msgid_key(ctr_conf->redis_prefix, primary, sender,
		    msgid_hash, mbuf, sizeof(mbuf)) == -1) {
			log_warnx("redis key too long for <%s>", sender);
			return -1;
		}
		mkey = mbuf;
	}
	for (tries = 0; ; tries++) {
		if ((rc = ctr_conn(&fresh)) == NULL)
			return -1;
		r = ctr_eval(rc, skey, dkey, mkey, fingerprint, n, slimit,
		    dlimit,
		    (long long)ctr_expiry(now));
		if (r != NULL)
			break;
		if (!rc->err) {
			ctr_put(rc);
			return -1;	/* logged by ctr_eval */
		}
		retry = tries == 0 && ctr_stale(rc, fresh);
		ctr_drop(rc);
		if (!retry)
			return -1;
	}
	ctr_put(rc);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    reply_count(r->element[1], scount) == 0 &&
	    reply_count(r->element[2], dcount) == 0) {
		v = r->element[0]->integer;
		ret = v == 1 ? CTR_COUNTED : v == 2 ? CTR_RETRY : CTR_LIMIT;
	} else
		log_warnx("redis EVALSHA %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ret;
}

/* Check and count, under the configuration's read lock. */
enum ctr_result
ctr_commit(const char *primary, const char *sender, const char *msgid_hash,
    const char *fingerprint, time_t now, long n, long slimit, long dlimit,
    long *scount, long *dcount)
{
	enum ctr_result	 r;

	pthread_rwlock_rdlock(&ctr_conf_lock);
	r = commit_counts(primary, sender, msgid_hash, fingerprint, now, n,
	    slimit, dlimit, scount, dcount);
	pthread_rwlock_unlock(&ctr_conf_lock);
	return r;
}
