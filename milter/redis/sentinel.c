/*
 * sentinel.c - finding the Redis master through Redis Sentinel.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/hostport.h"
#include "redis/sentinel.h"

#define SENTINEL_MAX	16
#define HOST_MAX	256

struct sentinel {
	pthread_mutex_t	 lock;		/* the order of addr */
	char		 host[SENTINEL_MAX][HOST_MAX];
	int		 port[SENTINEL_MAX];
	size_t		 n;
	char		*master;
	char		*password;	/* or NULL */
	long		 timeout_ms;
};

/* A new list. */
struct sentinel *
sentinel_new(const char *list, const char *master, const char *password,
    long timeout_ms, char *err, size_t errlen)
{
	struct sentinel	*s;
	const char	*p = list;
	size_t		 len;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->timeout_ms = timeout_ms;
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t");
		if (s->n == SENTINEL_MAX) {
			snprintf(err, errlen, "more than %d sentinels",
			    SENTINEL_MAX);
			goto fail;
		}
		if (hostport_split(p, len, s->host[s->n], HOST_MAX,
		    &s->port[s->n]) == -1) {
			snprintf(err, errlen, "bad sentinel address \"%.*s\" "
			    "(want host:port)", (int)(len > 64 ? 64 : len), p);
			goto fail;
		}
		s->n++;
		p += len;
	}
	if (s->n == 0) {
		snprintf(err, errlen, "no sentinel address");
		goto fail;
	}
	if ((s->master = strdup(master)) == NULL ||
	    (password != NULL && (s->password = strdup(password)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return s;
fail:
	sentinel_free(s);
	return NULL;
}

/* Free the list. */
void
sentinel_free(struct sentinel *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->master);
	if (s->password != NULL)
		explicit_bzero(s->password, strlen(s->password));
	free(s->password);
	free(s);
}

/* Move sentinel i to the front (it answered). */
static void
to_front(struct sentinel *s, size_t i)
{
	char	 host[HOST_MAX];
	int	 port;

	if (i == 0)
		return;
	memcpy(host, s->host[i], HOST_MAX);
	port = s->port[i];
	memmove(s->host[1], s->host[0], i * HOST_MAX);
	memmove(&s->port[1], &s->port[0], i * sizeof(s->port[0]));
	memcpy(s->host[0], host, HOST_MAX);
	s->port[0] = port;
}

/* Append "; what" to err. */
static void
add_err(char *err, size_t errlen, const char *host, int port,
    const char *what)
{
	size_t	 o = strlen(err);

	if (o < errlen)
		snprintf(err + o, errlen - o, "%s%s:%d %s", o > 0 ? "; " : "",
		    host, port, what);
}

/* Ask one sentinel: 1 answered with an address, 0 unknown master, -1 failed. */
static int
ask(const struct sentinel *s, const char *h, int p, char *host,
    size_t hostlen, int *port, char *err, size_t errlen)
{
	struct timeval	 tv;
	redisContext	*rc;
	redisReply	*r = NULL;
	char		*end;
	long		 v;
	int		 ret = -1;

	tv.tv_sec = s->timeout_ms / 1000;
	tv.tv_usec = (s->timeout_ms % 1000) * 1000;
	rc = redisConnectWithTimeout(h, p, tv);
	if (rc == NULL || rc->err) {
		add_err(err, errlen, h, p, rc != NULL ? rc->errstr :
		    "cannot allocate a context");
		goto out;
	}
	if (redisSetTimeout(rc, tv) != REDIS_OK) {
		add_err(err, errlen, h, p, "cannot set timeout");
		goto out;
	}
	if (s->password != NULL) {
		r = redisCommand(rc, "AUTH %s", s->password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			add_err(err, errlen, h, p, r != NULL ? r->str :
			    rc->errstr);
			goto out;
		}
		freeReplyObject(r);
	}
	r = redisCommand(rc, "SENTINEL get-master-addr-by-name %s", s->master);
	if (r == NULL) {
		add_err(err, errlen, h, p, rc->errstr);
		goto out;
	}
	if (r->type == REDIS_REPLY_NIL) {
		add_err(err, errlen, h, p, "does not know the master");
		ret = 0;
		goto out;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[1]->type != REDIS_REPLY_STRING) {
		add_err(err, errlen, h, p, r->type == REDIS_REPLY_ERROR ?
		    r->str : "unexpected reply");
		goto out;
	}
	v = strtol(r->element[1]->str, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535 ||
	    strlen(r->element[0]->str) + 1 > hostlen) {
		add_err(err, errlen, h, p, "malformed master address");
		goto out;
	}
	snprintf(host, hostlen, "%s", r->element[0]->str);
	*port = (int)v;
	ret = 1;
out:
	if (r != NULL)
		freeReplyObject(r);
	if (rc != NULL)
		redisFree(rc);
	return ret;
}

/* The master's address, asking the sentinels in turn. */
enum sentinel_err
sentinel_master(struct sentinel *s, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
	char	 h[SENTINEL_MAX][HOST_MAX];
	int	 p[SENTINEL_MAX], r, unknown = 0;
	size_t	 i, n, j;

	err[0] = '\0';
	pthread_mutex_lock(&s->lock);
	n = s->n;
	memcpy(h, s->host, sizeof(h));
	memcpy(p, s->port, sizeof(p));
	pthread_mutex_unlock(&s->lock);
	for (i = 0; i < n; i++) {
		r = ask(s, h[i], p[i], host, hostlen, port, err, errlen);
		if (r == 0)
			unknown = 1;
		if (r != 1)
			continue;
		/* to the front: find it again, another thread may have moved it */
		pthread_mutex_lock(&s->lock);
		for (j = 0; j < s->n; j++)
			if (s->port[j] == p[i] && strcmp(s->host[j], h[i]) == 0) {
				to_front(s, j);
				break;
			}
		pthread_mutex_unlock(&s->lock);
		err[0] = '\0';
		return SENTINEL_OK;
	}
	return unknown ? SENTINEL_UNKNOWN_MASTER : SENTINEL_UNREACHABLE;
}

/* ROLE: is it the master? */
int
sentinel_is_master(redisContext *rc)
{
	redisReply	*r;
	int		 ret = -1;

	if ((r = redisCommand(rc, "ROLE")) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING)
		ret = strcmp(r->element[0]->str, "master") == 0;
	freeReplyObject(r);
	return ret;
}
