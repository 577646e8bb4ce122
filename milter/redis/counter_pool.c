/*
 * counter_pool.c - the counters' connections to Redis: a pool of idle
 * connections shared by the threads, the master found through Sentinel,
 * and the rules for sending a command again.
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
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>
#include <openssl/sha.h>

#include "lib/numfmt.h"
#include "redis/counter_int.h"
#include "lib/hostport.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "redis/sentinel.h"
#include "lib/siphash.h"

/* Close the idle connections of older generations than gen (all: ~0u). */
void
ctr_pool_flush(struct counters *ct, int newgen)
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
void
ctr_conn_give(struct counters *ct, struct conn *cn)
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
void
ctr_conn_drop(struct counters *ct, struct conn *cn)
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

/* Write "<c><n>\r\n" at p; the end. Most n are one or two digits. */
static char *
put_head(char *p, char c, size_t n)
{
	char	 d[SG_NUM_LEN], *s;

	*p++ = c;
	if (n < 10)
		*p++ = (char)('0' + n);
	else if (n < 100) {
		*p++ = (char)('0' + n / 10);
		*p++ = (char)('0' + n % 10);
	} else {
		s = sg_udigits(n, d + sizeof(d));
		memcpy(p, s, (size_t)(d + sizeof(d) - s));
		p += d + sizeof(d) - s;
	}
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

/*
 * A failed read or write as hiredis records it in the context:
 * REDIS_ERR_IO with strerror's text (its __redisSetError).
 */
static void
io_error(redisContext *rc)
{
	const char	*s;

	rc->err = REDIS_ERR_IO;
	s = strerror_r(errno, rc->errstr, sizeof(rc->errstr));
	if (s != rc->errstr) {
		strncpy(rc->errstr, s, sizeof(rc->errstr) - 1);
		rc->errstr[sizeof(rc->errstr) - 1] = '\0';
	}
}

/*
 * Write a request to rc's socket as redisGetReply flushes its output
 * buffer (redisBufferWrite), without the buffer: whole, again after
 * EINTR or a short write; any other failure (EAGAIN: the socket's
 * redis_timeout passed) is REDIS_ERR_IO in rc. 0, or -1.
 */
static int
write_all(redisContext *rc, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(rc->fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			io_error(rc);
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A reply: freed, unless it is in an arena (its owner releases that). */
static void
reply_free(struct ctr_arena *ar, redisReply *r)
{
	if (ar == NULL)
		freeReplyObject(r);
}

/*
 * Send a formatted request and read its reply, into ar (NULL: malloc'd,
 * for freeReplyObject). The request goes to the socket from here when
 * hiredis's output buffer is empty (always, on our connections: no
 * pipelining): appended to it, the buffer would be grown, and after the
 * write freed and made anew, for every command. The reply is read by
 * hiredis. NULL after a transport error (rc->err).
 */
static redisReply *
request(redisContext *rc, const char *buf, size_t len, struct ctr_arena *ar)
{
	struct ctr_arena_prev prev;
	void		*reply = NULL;
	int		 ret;

	if (rc->err)
		return NULL;		/* as redisBufferWrite refuses */
	if (sdslen(rc->obuf) == 0) {
		if (write_all(rc, buf, len) == -1)
			return NULL;
	} else if (redisAppendFormattedCommand(rc, buf, len) != REDIS_OK)
		return NULL;
	if (ar == NULL)
		return redisGetReply(rc, &reply) == REDIS_OK ? reply : NULL;
	/*
	 * After a transport error in the middle of a reply, the arena's
	 * functions stay on the reader (ctr_arena_detach): the connection
	 * is closed after every transport error.
	 */
	ctr_arena_attach(rc->reader, ar, &prev);
	ret = redisGetReply(rc, &reply);
	ctr_arena_detach(rc->reader, &prev);
	return ret == REDIS_OK ? reply : NULL;
}

/*
 * One command and its reply, like redisCommandArgv, with the request
 * written here in one pass: hiredis formats each argument's header
 * through its printf-like sdscatfmt, which cost a message more than the
 * rest of the call (tests/bench/profile.sh). NULL after a transport
 * error (rc->err says which).
 */
static redisReply *
command_argv(redisContext *rc, int argc, const char **argv,
    const size_t *argvlen, struct ctr_arena *ar)
{
	char	 stack[4096], *buf = stack, *p;
	size_t	 need = 16, len;
	void	*reply = NULL;
	int	 i;

	for (i = 0; i < argc; i++)
		need += (argvlen != NULL ? argvlen[i] : strlen(argv[i])) +
		    24;				/* "$N\r\n", "\r\n" */
	if (need > sizeof(stack) && (buf = malloc(need)) == NULL)
		return NULL;
	p = put_head(buf, '*', (size_t)argc);
	for (i = 0; i < argc; i++) {
		len = argvlen != NULL ? argvlen[i] : strlen(argv[i]);
		p = put_head(p, '$', len);
		memcpy(p, argv[i], len);
		p += len;
		*p++ = '\r';
		*p++ = '\n';
	}
	reply = request(rc, buf, (size_t)(p - buf), ar);
	if (buf != stack)
		free(buf);
	return reply;
}

/*
 * Send argv (argvlen: the lengths, or NULL) on a connection, the replies
 * into ar (or NULL); EVALSHA of script (its sha in argv[1]) is loaded on
 * NOSCRIPT and sent again. NULL after a transport error.
 */
static redisReply *
send_argv(redisContext *rc, int argc, const char **argv,
    const size_t *argvlen, const char *script, struct ctr_arena *ar)
{
	const char	*load[3] = { "SCRIPT", "LOAD", script };
	redisReply	*r;
	int		 tries;

	for (tries = 0; tries < 2; tries++) {
		r = command_argv(rc, argc, argv, argvlen, ar);
		if (script == NULL || r == NULL ||
		    r->type != REDIS_REPLY_ERROR ||
		    strncmp(r->str, "NOSCRIPT", 8) != 0)
			return r;
		reply_free(ar, r);
		/* a restarted, flushed or new master: load it again */
		if ((r = command_argv(rc, 3, load, NULL, ar)) == NULL)
			return NULL;
		if (r->type != REDIS_REPLY_STRING ||
		    strcasecmp(r->str, argv[1]) != 0)
			return r;	/* an error reply, reported by caller */
		reply_free(ar, r);
	}
	return command_argv(rc, argc, argv, argvlen, ar);
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
	    const char **, const size_t *, const char *, int,
	    struct ctr_arena *);

redisReply *
ctr_run(struct counters *ct, struct conn *cn, int argc, const char **argv,
    const size_t *argvlen, const char *script, int idempotent,
    struct ctr_arena *ar)
{
	redisReply	*r;

	r = run_try(ct, cn, argc, argv, argvlen, script, idempotent, ar);
	metrics_redis(r != NULL && r->type != REDIS_REPLY_ERROR);
	return r;
}

/* run, without the metrics. */
static redisReply *
run_try(struct counters *ct, struct conn *cn, int argc, const char **argv,
    const size_t *argvlen, const char *script, int idempotent,
    struct ctr_arena *ar)
{
	redisReply	*r;
	int		 tries;

	for (tries = 0; tries < 2; tries++) {
		if (conn_take(ct, cn) == -1)
			return NULL;
		r = send_argv(cn->rc, argc, argv, argvlen, script, ar);
		if (r == NULL) {
			ctr_conn_drop(ct, cn);
			if (idempotent && !cn->fresh)
				continue;
			return NULL;
		}
		if (!not_master(r))
			return r;
		log_warnx("redis %s: %s: finding the master again", ct->where,
		    r->str);
		reply_free(ar, r);
		redisFree(cn->rc);
		cn->rc = NULL;
		ctr_pool_flush(ct, 1);
	}
	return NULL;
}


/* One command for another module's keys, on the pool. */
struct redisReply *
ctr_command(struct counters *ct, int argc, const char **argv, int idempotent)
{
	struct conn	 cn;
	redisReply	*r;

	if ((r = ctr_run(ct, &cn, argc, argv, NULL, NULL, idempotent,
	    NULL)) == NULL)
		return NULL;
	ctr_conn_give(ct, &cn);
	if (r->type == REDIS_REPLY_ERROR) {
		/* the connection is sound; the command failed: one answer */
		log_warnx("redis %s: %s", argv[0], r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* The key prefix. */
const char *
ctr_prefix(const struct counters *ct)
{
	return ct->prefix;
}
