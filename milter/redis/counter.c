/*
 * counter.c - monthly counters in Redis, checked and counted atomically.
 *
 * A struct counters holds the settings it was opened with, a pool of idle
 * connections shared by the threads (one short lock to take or give one
 * back; a call uses its connection alone) and the quota_precheck memo.
 *
 * Connections. A pooled connection whose server closed it (a restart, a
 * master killed) is found closed before anything is sent on it, and
 * another is taken: nothing was sent, so nothing is lost or done twice.
 * After a transport error during a command the connection is freed; a
 * write (the counting script) is then not tried again, since it may have
 * run: rule 11 answers, and the client's retry of the same message is
 * forgiven by the dedupe rule. An error reply leaves the connection in
 * place but fails the call, except the replies that say the server is
 * not (or not yet, or no longer safely) the master: READONLY,
 * NOREPLICAS, LOADING, MASTERDOWN. The command surely did not run then;
 * the pool is dropped, the master found again, and the command sent once
 * more on a new connection.
 *
 * Sentinel. With redis_sentinels, a new connection asks the sentinels
 * for the master (sentinel.c), connects, and checks with ROLE that the
 * server is the master; any failure is rule 11 for that call, and the
 * next call asks again. So the master is found again on every reconnect.
 *
 * The script is loaded once per server: its SHA-1 is computed here and
 * EVALSHA is used; NOSCRIPT (a restarted, flushed or new master) loads it
 * again and runs it: a NOSCRIPT reply means it did not run.
 *
 * Dedupe: a message retried after its end-of-message answer was lost
 * carries the same Message-ID and is the same message. The script
 * remembers, per sender and SHA-256 of a Message-ID, the fingerprint of
 * the message last counted under it (milter.c: envelope recipients,
 * From, To, Cc, Date, Subject and the body) for dedupe_window, and
 * forgives up to dedupe_max_retries copies of exactly that message.
 * Anything else is counted, whatever its Message-ID says. The test and
 * the mark are in the same script as the counting, so two copies racing
 * cannot both go uncounted nor both be counted.
 */
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "redis/counter.h"
#include "lib/hostport.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "redis/sentinel.h"
#include "lib/siphash.h"

/*
 * KEYS: sender key, domain key and, when deduplicating (a dedupe window
 * not "0"), the Message-ID key; then, per quota_warn threshold, its
 * sender mark and its domain mark. ARGV: amount, sender limit, domain
 * limit (-1 = none), expiry (unix time), dedupe window (ms), the
 * message's fingerprint (hex), retries forgiven per counted message, the
 * number of thresholds and the percentages. Returns {1, s, d, w} when
 * counted, {0, s, d} when a limit would be passed (nothing counted),
 * {2, s, d} for a retry (nothing counted).
 *
 * Warnings: a counted message that leaves a count at or past a
 * threshold's percentage of its limit sets that threshold's mark with
 * SET NX (expiring with the counters); only the message that set it
 * has the threshold's bit in w (bit 2i for the sender's i-th threshold,
 * 2i+1 for the domain's). So each threshold warns once a month, across
 * all the nodes that share the Redis.
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
	"local wk = 3\n"
	"if ARGV[5] ~= '0' then\n"
	"  wk = 4\n"
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
	"if ARGV[5] ~= '0' then\n"
	"  redis.call('SET', KEYS[3], ARGV[6] .. ' 0', 'PX', ARGV[5])\n"
	"end\n"
	"local w, bit = 0, 1\n"
	"for i = 1, tonumber(ARGV[8] or '0') do\n"
	"  local p = tonumber(ARGV[8 + i])\n"
	"  if sl > 0 and s * 100 >= p * sl and redis.call('SET',\n"
	"      KEYS[wk], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit\n"
	"  end\n"
	"  if dl > 0 and d * 100 >= p * dl and redis.call('SET',\n"
	"      KEYS[wk + 1], '1', 'NX', 'EXAT', ARGV[4]) then\n"
	"    w = w + bit * 2\n"
	"  end\n"
	"  wk = wk + 2\n"
	"  bit = bit * 4\n"
	"end\n"
	"return {1, s, d, w}\n";

/*
 * KEYS: a sender's key and its domain's key. The sender's count goes to
 * 0 and is taken off the domain's, so that the domain's count stays the
 * sum of what its senders sent. Returns the sender's count before.
 */
static const char reset_script[] =
	"local s = tonumber(redis.call('GET', KEYS[1]) or '0') or 0\n"
	"local d = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
	"redis.call('DEL', KEYS[1])\n"
	"if d > 0 and s > 0 then\n"
	"  redis.call('DECRBY', KEYS[2], math.min(s, d))\n"
	"end\n"
	"return s\n";

#define CTR_IDLE_MAX	64		/* idle connections kept */
#define MEMO_SLOTS	4096		/* quota_precheck memo */
#define HOST_MAX	256

struct counters {
	/* where */
	char		*unix_path;		/* or NULL: host, port */
	char		 host[HOST_MAX];
	int		 port;
	struct sentinel	*sentinel;		/* or NULL */
	char		*where;			/* for log lines */
	/* how */
	char		*password;		/* or NULL */
	long		 db;
	char		*prefix;
	long		 timeout;		/* ms */
	long		 dedupe_window;		/* ms */
	long		 dedupe_max_retries;
	int		 precheck;		/* enum sg_precheck */
	int		 warn[SG_WARN_MAX];	/* quota_warn percentages */
	int		 nwarn;
	long		 wait_replicas;		/* 0: no WAIT */
	long		 wait_timeout;		/* ms */
	char		 sha[2 * SHA_DIGEST_LENGTH + 1];
	char		 reset_sha[2 * SHA_DIGEST_LENGTH + 1];
	/* the pool: connections of older generations are closed on return */
	pthread_mutex_t	 mtx;
	redisContext	*idle[CTR_IDLE_MAX];
	unsigned	 idle_gen[CTR_IDLE_MAX];
	size_t		 nidle;
	unsigned	 gen;
	/*
	 * quota_precheck = known: senders and domains seen at their limit
	 * this month, as keyed hashes of "MONTH sender" and "MONTH @primary"
	 * in slot hash % MEMO_SLOTS (0: empty). Lossy both ways, and safe
	 * both ways: a collision or a stale mark costs one read at MAIL FROM;
	 * an overwritten mark lets one message reach end of message, where
	 * the atomic commit refuses it with rule 10's reply and marks it
	 * again. failing: the last call failed, so MAIL FROM reads (and gives
	 * rule 11) until one succeeds.
	 */
	unsigned	 memo[MEMO_SLOTS];
	int		 failing;
	unsigned char	 memo_key[16];
};

/* A connection taken from the pool or made, with its generation. */
struct conn {
	redisContext	*rc;
	unsigned	 gen;
	int		 fresh;			/* made for this call */
};

/* Hex SHA-1 of a script. */
static void
script_sha(const char *script, char out[2 * SHA_DIGEST_LENGTH + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char	 md[SHA_DIGEST_LENGTH];
	size_t		 i;

	SHA1((const unsigned char *)script, strlen(script), md);
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[2 * i] = '\0';
}

/* Open: copy the settings, parse the address once. */
struct counters *
ctr_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct counters	*ct;
	const char	*a = c->redis_address;

	if ((ct = calloc(1, sizeof(*ct))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&ct->mtx, NULL);
	if (c->redis_sentinels != NULL && c->redis_sentinels[0] != '\0') {
		ct->sentinel = sentinel_new(c->redis_sentinels,
		    c->redis_master_name, c->redis_sentinel_password,
		    c->redis_timeout, err, errlen);
		if (ct->sentinel == NULL)
			goto fail;
		if (asprintf(&ct->where, "master %s", c->redis_master_name) ==
		    -1)
			ct->where = NULL;
	} else if (strncmp(a, "unix:", 5) == 0) {
		ct->unix_path = strdup(a + 5);
		ct->where = strdup(a);
		if (ct->unix_path == NULL)
			goto nomem;
	} else {
		if (hostport_split(a, strlen(a), ct->host, sizeof(ct->host),
		    &ct->port) == -1) {
			snprintf(err, errlen, "redis_address %s: expected "
			    "HOST:PORT, [IPV6]:PORT or unix:/path", a);
			goto fail;
		}
		ct->where = strdup(a);
	}
	if (ct->where == NULL ||
	    (ct->prefix = strdup(c->redis_prefix)) == NULL ||
	    (c->redis_password != NULL &&
	    (ct->password = strdup(c->redis_password)) == NULL))
		goto nomem;
	ct->db = c->redis_db;
	ct->timeout = c->redis_timeout;
	ct->dedupe_window = c->dedupe_window;
	ct->dedupe_max_retries = c->dedupe_max_retries;
	ct->precheck = c->quota_precheck;
	if (c->quota_warn != NULL &&
	    (ct->nwarn = conf_quota_warn(c->quota_warn, ct->warn)) == -1)
		ct->nwarn = 0;
	ct->wait_replicas = c->redis_wait_replicas;
	ct->wait_timeout = c->redis_wait_timeout;
	script_sha(ctr_script, ct->sha);
	script_sha(reset_script, ct->reset_sha);
	if (getrandom(ct->memo_key, sizeof(ct->memo_key), 0) !=
	    (ssize_t)sizeof(ct->memo_key))
		memset(ct->memo_key, 0x5a, sizeof(ct->memo_key));
	return ct;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	ctr_close(ct);
	return NULL;
}

/* Close the idle connections of older generations than gen (all: ~0u). */
static void
pool_flush(struct counters *ct, int newgen)
{
	redisContext	*old[CTR_IDLE_MAX];
	size_t		 i, n;

	pthread_mutex_lock(&ct->mtx);
	n = ct->nidle;
	memcpy(old, ct->idle, n * sizeof(*old));
	ct->nidle = 0;
	if (newgen)
		ct->gen++;
	pthread_mutex_unlock(&ct->mtx);
	for (i = 0; i < n; i++)
		redisFree(old[i]);
}

/* Close and free. */
void
ctr_close(struct counters *ct)
{
	if (ct == NULL)
		return;
	pool_flush(ct, 0);
	pthread_mutex_destroy(&ct->mtx);
	sentinel_free(ct->sentinel);
	free(ct->unix_path);
	free(ct->where);
	if (ct->password != NULL)
		explicit_bzero(ct->password, strlen(ct->password));
	free(ct->password);
	free(ct->prefix);
	free(ct);
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
simple(struct counters *ct, redisContext *rc, const char *what,
    const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;
	int		 ok;

	va_start(ap, fmt);
	r = redisvCommand(rc, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		log_warnx("redis %s %s: %s", ct->where, what, rc->errstr);
		return -1;
	}
	ok = r->type == REDIS_REPLY_STATUS;
	if (!ok)
		log_warnx("redis %s %s: %s", ct->where, what,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ok ? 0 : -1;
}

/* The master's address from the sentinels; 0, or -1 (logged). */
static int
resolve(struct counters *ct, char *host, size_t hostlen, int *port)
{
	char	 err[1024];

	switch (sentinel_master(ct->sentinel, host, hostlen, port, err,
	    sizeof(err))) {
	case SENTINEL_OK:
		return 0;
	case SENTINEL_UNKNOWN_MASTER:
		log_warnx("redis %s: master name unknown to the sentinels: %s",
		    ct->where, err);
		return -1;
	default:
		log_warnx("redis %s: no sentinel reachable: %s", ct->where,
		    err);
		return -1;
	}
}

/* A new connection, ready for commands (AUTH, SELECT, ROLE); or NULL. */
static redisContext *
connect_new(struct counters *ct)
{
	redisContext	*rc;
	struct timeval	 tv = ms_tv(ct->timeout);
	char		 host[HOST_MAX];
	int		 port;

	if (ct->sentinel != NULL) {
		if (resolve(ct, host, sizeof(host), &port) == -1)
			return NULL;
		rc = redisConnectWithTimeout(host, port, tv);
	} else if (ct->unix_path != NULL)
		rc = redisConnectUnixWithTimeout(ct->unix_path, tv);
	else
		rc = redisConnectWithTimeout(ct->host, ct->port, tv);
	if (rc == NULL) {
		log_warnx("redis %s: cannot allocate a context", ct->where);
		return NULL;
	}
	if (rc->err) {
		log_warnx("redis %s: %s", ct->where, rc->errstr);
		goto fail;
	}
	if (redisSetTimeout(rc, tv) != REDIS_OK) {
		log_warnx("redis %s: cannot set timeout", ct->where);
		goto fail;
	}
	if (ct->password != NULL &&
	    simple(ct, rc, "AUTH", "AUTH %s", ct->password) == -1)
		goto fail;
	if (ct->db != 0 && simple(ct, rc, "SELECT", "SELECT %ld", ct->db) ==
	    -1)
		goto fail;
	if (ct->sentinel != NULL) {
		switch (sentinel_is_master(rc)) {
		case 1:
			break;
		case 0:
			log_warnx("redis %s: %s:%d is not the master (yet): "
			    "asking the sentinels again next time", ct->where,
			    host, port);
			goto fail;
		default:
			log_warnx("redis %s: ROLE on %s:%d: %s", ct->where,
			    host, port, rc->err ? rc->errstr : "unexpected "
			    "reply");
			goto fail;
		}
	}
	return rc;
fail:
	redisFree(rc);
	return NULL;
}

/*
 * Has the server closed this idle connection (or sent something
 * unasked)? Then nothing may be sent on it: it is closed, and another
 * taken. Only looks; never waits.
 */
static int
conn_closed(redisContext *rc)
{
	struct pollfd	 pfd;
	char		 c;

	pfd.fd = rc->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
		return 1;
	return recv(rc->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) != -1 ||
	    (errno != EAGAIN && errno != EWOULDBLOCK);
}

/* An idle connection (the server's close found first), or a new one. */
static int
conn_take(struct counters *ct, struct conn *cn)
{
	for (;;) {
		cn->rc = NULL;
		pthread_mutex_lock(&ct->mtx);
		cn->gen = ct->gen;
		if (ct->nidle > 0) {
			ct->nidle--;
			cn->rc = ct->idle[ct->nidle];
			cn->gen = ct->idle_gen[ct->nidle];
		}
		pthread_mutex_unlock(&ct->mtx);
		if (cn->rc == NULL)
			break;
		if (!conn_closed(cn->rc)) {
			cn->fresh = 0;
			return 0;
		}
		redisFree(cn->rc);
	}
	cn->fresh = 1;
	if ((cn->rc = connect_new(ct)) == NULL)
		return -1;
	return 0;
}

/* Give a working connection back (closed if the master changed since). */
static void
conn_give(struct counters *ct, struct conn *cn)
{
	redisContext	*rc = cn->rc;

	pthread_mutex_lock(&ct->mtx);
	if (cn->gen == ct->gen && ct->nidle < CTR_IDLE_MAX) {
		ct->idle_gen[ct->nidle] = cn->gen;
		ct->idle[ct->nidle++] = rc;
		rc = NULL;
	}
	pthread_mutex_unlock(&ct->mtx);
	if (rc != NULL)
		redisFree(rc);
	cn->rc = NULL;
}

/* Close a connection after a transport error. */
static void
conn_drop(struct counters *ct, struct conn *cn)
{
	log_warnx("redis %s: %s; reconnecting on next use", ct->where,
	    cn->rc->errstr[0] ? cn->rc->errstr : "error");
	redisFree(cn->rc);
	cn->rc = NULL;
}

/*
 * Is r an error reply that says the server is not (or not safely) the
 * master? The command did not run there.
 */
static int
not_master(const redisReply *r)
{
	static const char *const words[] = {
		"READONLY", "NOREPLICAS", "LOADING", "MASTERDOWN", NULL
	};
	size_t	 i, n;

	if (r == NULL || r->type != REDIS_REPLY_ERROR)
		return 0;
	for (i = 0; words[i] != NULL; i++) {
		n = strlen(words[i]);
		if (strncmp(r->str, words[i], n) == 0 &&
		    (r->str[n] == ' ' || r->str[n] == '\0'))
			return 1;
	}
	return 0;
}

/*
 * Send argv on a connection; EVALSHA of script (its sha in argv[1]) is
 * loaded on NOSCRIPT and sent again. NULL after a transport error.
 */
static redisReply *
send_argv(redisContext *rc, int argc, const char **argv, const char *script)
{
	redisReply	*r;
	int		 tries;

	for (tries = 0; tries < 2; tries++) {
		r = redisCommandArgv(rc, argc, argv, NULL);
		if (script == NULL || r == NULL ||
		    r->type != REDIS_REPLY_ERROR ||
		    strncmp(r->str, "NOSCRIPT", 8) != 0)
			return r;
		freeReplyObject(r);
		/* a restarted, flushed or new master: load it again */
		if ((r = redisCommand(rc, "SCRIPT LOAD %s", script)) == NULL)
			return NULL;
		if (r->type != REDIS_REPLY_STRING ||
		    strcasecmp(r->str, argv[1]) != 0)
			return r;	/* an error reply, reported by caller */
		freeReplyObject(r);
	}
	return redisCommandArgv(rc, argc, argv, NULL);
}

/*
 * Run a command: on a connection that surely did not run it elsewhere.
 * A not-master reply drops the pool and tries once more on a new
 * connection (the master found again). idempotent: a transport error
 * may be retried once on a new connection too (reads). On success the
 * connection is in *cn (give it back); NULL: failed (logged), no
 * connection held.
 */
static redisReply *run_try(struct counters *, struct conn *, int,
	    const char **, const char *, int);

static redisReply *
run(struct counters *ct, struct conn *cn, int argc, const char **argv,
    const char *script, int idempotent)
{
	redisReply	*r;

	r = run_try(ct, cn, argc, argv, script, idempotent);
	metrics_redis(r != NULL && r->type != REDIS_REPLY_ERROR);
	return r;
}

/* run, without the metrics. */
static redisReply *
run_try(struct counters *ct, struct conn *cn, int argc, const char **argv,
    const char *script, int idempotent)
{
	redisReply	*r;
	int		 tries;

	for (tries = 0; tries < 2; tries++) {
		if (conn_take(ct, cn) == -1)
			return NULL;
		r = send_argv(cn->rc, argc, argv, script);
		if (r == NULL) {
			conn_drop(ct, cn);
			if (idempotent && !cn->fresh)
				continue;
			return NULL;
		}
		if (!not_master(r))
			return r;
		log_warnx("redis %s: %s: finding the master again", ct->where,
		    r->str);
		freeReplyObject(r);
		redisFree(cn->rc);
		cn->rc = NULL;
		pool_flush(ct, 1);
	}
	return NULL;
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
keys_now(struct counters *ct, const char *primary, const char *sender,
    time_t now, char *skey, char *dkey)
{
	char	 month[SG_MONTH_LEN];

	ctr_month(now, month);
	if (ctr_keys(ct->prefix, primary, sender, month, skey, SG_KEY_MAX,
	    dkey, SG_KEY_MAX) == -1) {
		log_warnx("redis key too long for <%s>", sender);
		return -1;
	}
	return 0;
}

/* The memo's keyed hash of a sender or, with '@' first, a domain. */
static unsigned
memo_hash(struct counters *ct, const char *month, const char *at,
    const char *who)
{
	char		 buf[SG_MONTH_LEN + SG_KEY_MAX + 4];
	uint64_t	 h;
	int		 n;

	n = snprintf(buf, sizeof(buf), "%s %s%s", month, at, who);
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	h = siphash24(ct->memo_key, buf, (size_t)n);
	return (unsigned)(h ^ h >> 32) | 1;	/* never 0, the empty slot */
}

/* Mark (on) or clear one memo entry. */
static void
memo_set(struct counters *ct, unsigned h, int on)
{
	unsigned	*slot = &ct->memo[h % MEMO_SLOTS];
	unsigned	 want = h;

	if (on)
		__atomic_store_n(slot, h, __ATOMIC_RELAXED);
	else
		(void)__atomic_compare_exchange_n(slot, &want, 0, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* Is h marked? */
static int
memo_marked(struct counters *ct, unsigned h)
{
	return __atomic_load_n(&ct->memo[h % MEMO_SLOTS], __ATOMIC_RELAXED) ==
	    h;
}

/* Note a call's outcome: counts known (at their limits or not), or not. */
static void
memo_note(struct counters *ct, const char *primary, const char *sender,
    time_t now, int ok, long s, long d, long slimit, long dlimit)
{
	char	 month[SG_MONTH_LEN];

	if (ct->precheck != PRECHECK_KNOWN)
		return;
	__atomic_store_n(&ct->failing, !ok, __ATOMIC_RELAXED);
	if (!ok)
		return;
	ctr_month(now, month);
	memo_set(ct, memo_hash(ct, month, "", sender), slimit != LIMIT_NONE &&
	    s >= slimit);
	memo_set(ct, memo_hash(ct, month, "@", primary),
	    dlimit != LIMIT_NONE && d >= dlimit);
}

/* Must MAIL FROM read? */
int
ctr_must_read(struct counters *ct, const char *primary, const char *sender,
    time_t now)
{
	char	 month[SG_MONTH_LEN];

	if (ct->precheck != PRECHECK_KNOWN)
		return 1;
	if (__atomic_load_n(&ct->failing, __ATOMIC_RELAXED))
		return 1;
	ctr_month(now, month);
	return memo_marked(ct, memo_hash(ct, month, "", sender)) ||
	    memo_marked(ct, memo_hash(ct, month, "@", primary));
}

/* Read both counters with one MGET. */
enum ctr_result
ctr_read(struct counters *ct, const char *primary, const char *sender,
    time_t now, long slimit, long dlimit, long *scount, long *dcount)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	const char	*argv[3];
	struct conn	 cn;
	redisReply	*r;
	enum ctr_result	 ret = CTR_FAILED;

	if (keys_now(ct, primary, sender, now, skey, dkey) == -1)
		goto out;
	argv[0] = "MGET";
	argv[1] = skey;
	argv[2] = dkey;
	if ((r = run(ct, &cn, 3, argv, NULL, 1)) == NULL)
		goto out;
	conn_give(ct, &cn);
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    reply_count(r->element[0], scount) == 0 &&
	    reply_count(r->element[1], dcount) == 0)
		ret = CTR_COUNTED;
	else
		log_warnx("redis MGET %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
out:
	memo_note(ct, primary, sender, now, ret == CTR_COUNTED,
	    ret == CTR_COUNTED ? *scount : 0, ret == CTR_COUNTED ? *dcount : 0,
	    slimit, dlimit);
	return ret;
}

/* WAIT for wait_replicas replicas on the connection that wrote; 0 or -1. */
static int
wait_replicas(struct counters *ct, struct conn *cn)
{
	redisReply	*r;
	int		 ret = -1;

	r = redisCommand(cn->rc, "WAIT %ld %ld", ct->wait_replicas,
	    ct->wait_timeout);
	if (r == NULL) {
		conn_drop(ct, cn);
		return -1;
	}
	if (r->type == REDIS_REPLY_INTEGER && r->integer >= ct->wait_replicas)
		ret = 0;
	else if (r->type == REDIS_REPLY_INTEGER)
		log_warnx("redis %s: the count reached %lld of %ld replicas "
		    "within %ld ms: tempfail", ct->where, r->integer,
		    ct->wait_replicas, ct->wait_timeout);
	else
		log_warnx("redis %s WAIT: %s", ct->where,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	conn_give(ct, cn);
	return ret;
}

/*
 * Add the quota_warn thresholds to a ctr_script call: the marks' names
 * (into keys, 2 * nwarn of them) go after the other keys in argv, the
 * count and the percentages (into nums) at the end; argv[2], the number
 * of keys, is raised. 0, or -1 when a name is too long.
 */
static int
warn_args(struct counters *ct, const char *primary, const char *sender,
    time_t now, int dedupe, const char **argv, int *argc,
    char keys[][SG_KEY_MAX + 16], char nums[][12])
{
	char		 month[SG_MONTH_LEN];
	int		 i, k, first = dedupe ? 6 : 5;

	ctr_month(now, month);
	for (i = 0; i < ct->nwarn; i++) {
		k = snprintf(keys[2 * i], sizeof(keys[0]), "%s:{%s}:w:s:%s:%s:%d",
		    ct->prefix, primary, sender, month, ct->warn[i]);
		if (k < 0 || (size_t)k >= sizeof(keys[0]))
			return -1;
		k = snprintf(keys[2 * i + 1], sizeof(keys[0]), "%s:{%s}:w:d:%s:%d",
		    ct->prefix, primary, month, ct->warn[i]);
		if (k < 0 || (size_t)k >= sizeof(keys[0]))
			return -1;
	}
	memmove(argv + first + 2 * ct->nwarn, argv + first,
	    (size_t)(*argc - first) * sizeof(*argv));
	for (i = 0; i < 2 * ct->nwarn; i++)
		argv[first + i] = keys[i];
	*argc += 2 * ct->nwarn;
	snprintf(nums[0], sizeof(nums[0]), "%d", first - 3 + 2 * ct->nwarn);
	argv[2] = nums[0];
	snprintf(nums[1], sizeof(nums[1]), "%d", ct->nwarn);
	argv[(*argc)++] = nums[1];
	for (i = 0; i < ct->nwarn; i++) {
		snprintf(nums[2 + i], sizeof(nums[0]), "%d", ct->warn[i]);
		argv[(*argc)++] = nums[2 + i];
	}
	return 0;
}

/* The thresholds crossed, from the bits the script returned. */
static void
warn_bits(const struct counters *ct, long long w, struct ctr_warned *out)
{
	int	 i;

	for (i = 0; i < ct->nwarn; i++) {
		if (w & (1LL << (2 * i)))
			out->sender[out->nsender++] = ct->warn[i];
		if (w & (1LL << (2 * i + 1)))
			out->domain[out->ndomain++] = ct->warn[i];
	}
}

/* ctr_commit without warnings. */
enum ctr_result
ctr_commit(struct counters *ct, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount)
{
	return ctr_commit_warn(ct, primary, sender, msgid_hash, fingerprint,
	    now, n, slimit, dlimit, scount, dcount, NULL);
}

/* Check and count atomically (and forgive a retry of the same message). */
enum ctr_result
ctr_commit_warn(struct counters *ct, const char *primary, const char *sender,
    const char *msgid_hash, const char *fingerprint, time_t now, long n,
    long slimit, long dlimit, long *scount, long *dcount,
    struct ctr_warned *warned)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	char		 mkey[SG_KEY_MAX + SG_MSGID_HASH_LEN + SG_MONTH_LEN];
	char		 month[SG_MONTH_LEN];
	char		 num[6][24], wnum[2 + SG_WARN_MAX][12];
	char		 wkey[2 * SG_WARN_MAX][SG_KEY_MAX + 16];
	const char	*argv[14 + 3 * SG_WARN_MAX];
	struct conn	 cn;
	redisReply	*r;
	enum ctr_result	 ret = CTR_FAILED;
	int		 argc = 0, i, dedupe;
	long long	 v;

	if (keys_now(ct, primary, sender, now, skey, dkey) == -1)
		goto out;
	dedupe = msgid_hash != NULL && msgid_hash[0] != '\0' &&
	    fingerprint != NULL && fingerprint[0] != '\0' &&
	    ct->dedupe_window > 0 && ct->dedupe_max_retries > 0;
	ctr_month(now, month);
	if (dedupe && ctr_msgid_key(ct->prefix, primary, sender, month,
	    msgid_hash, mkey, sizeof(mkey)) == -1) {
		log_warnx("redis key too long for <%s>", sender);
		goto out;
	}
	/* by argument vector: no format string to parse per message */
	snprintf(num[0], sizeof(num[0]), "%ld", n);
	snprintf(num[1], sizeof(num[1]), "%ld", slimit);
	snprintf(num[2], sizeof(num[2]), "%ld", dlimit);
	snprintf(num[3], sizeof(num[3]), "%lld", (long long)ctr_expiry(now));
	snprintf(num[4], sizeof(num[4]), "%ld", dedupe ? ct->dedupe_window :
	    0L);
	snprintf(num[5], sizeof(num[5]), "%ld", ct->dedupe_max_retries);
	argv[argc++] = "EVALSHA";
	argv[argc++] = ct->sha;
	argv[argc++] = dedupe ? "3" : "2";
	argv[argc++] = skey;
	argv[argc++] = dkey;
	if (dedupe)
		argv[argc++] = mkey;
	for (i = 0; i < 5; i++)
		argv[argc++] = num[i];
	argv[argc++] = dedupe ? fingerprint : "";
	argv[argc++] = num[5];
	if (warned != NULL)
		warned->nsender = warned->ndomain = 0;
	if (warned != NULL && ct->nwarn > 0) {
		if (warn_args(ct, primary, sender, now, dedupe, argv, &argc,
		    wkey, wnum) == -1) {
			log_warnx("redis: no room for the warning marks of <%s>",
			    sender);
			goto out;
		}
	}
	if ((r = run(ct, &cn, argc, argv, ctr_script, 0)) == NULL)
		goto out;
	if (r->type == REDIS_REPLY_ARRAY && r->elements >= 3 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    reply_count(r->element[1], scount) == 0 &&
	    reply_count(r->element[2], dcount) == 0) {
		v = r->element[0]->integer;
		ret = v == 1 ? CTR_COUNTED : v == 2 ? CTR_RETRY : CTR_LIMIT;
		if (v == 1 && warned != NULL && r->elements == 4 &&
		    r->element[3]->type == REDIS_REPLY_INTEGER)
			warn_bits(ct, r->element[3]->integer, warned);
	} else
		log_warnx("redis EVALSHA %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	if (ret != CTR_LIMIT && ret != CTR_FAILED && ct->wait_replicas > 0) {
		if (wait_replicas(ct, &cn) == -1)
			ret = CTR_FAILED;
	} else
		conn_give(ct, &cn);
out:
	memo_note(ct, primary, sender, now, ret != CTR_FAILED,
	    ret != CTR_FAILED ? *scount : 0, ret != CTR_FAILED ? *dcount : 0,
	    slimit, dlimit);
	return ret;
}

/* A sender's count of a month to 0, and off its domain's. */
int
ctr_reset(struct counters *ct, const char *primary, const char *sender,
    const char *month, long *was)
{
	char		 skey[SG_KEY_MAX], dkey[SG_KEY_MAX];
	const char	*argv[5];
	struct conn	 cn;
	redisReply	*r;
	int		 ret = -1;

	if (ctr_keys(ct->prefix, primary, sender, month, skey, sizeof(skey),
	    dkey, sizeof(dkey)) == -1)
		return -1;
	argv[0] = "EVALSHA";
	argv[1] = ct->reset_sha;
	argv[2] = "2";
	argv[3] = skey;
	argv[4] = dkey;
	if ((r = run(ct, &cn, 5, argv, reset_script, 0)) == NULL)
		return -1;
	conn_give(ct, &cn);
	if (r->type == REDIS_REPLY_INTEGER) {
		*was = (long)r->integer;
		ret = 0;
	} else
		log_warnx("redis reset %s: %s", skey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	freeReplyObject(r);
	return ret;
}

/* One command for another module's keys, on the pool. */
struct redisReply *
ctr_command(struct counters *ct, int argc, const char **argv, int idempotent)
{
	struct conn	 cn;
	redisReply	*r;

	if ((r = run(ct, &cn, argc, argv, NULL, idempotent)) == NULL)
		return NULL;
	conn_give(ct, &cn);
	return r;
}

/* The key prefix. */
const char *
ctr_prefix(const struct counters *ct)
{
	return ct->prefix;
}
