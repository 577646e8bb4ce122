/*
 * metrics_http.c - GET /metrics on metrics_address, through libmicrohttpd.
 *
 * libmicrohttpd runs one thread of its own that accepts and answers; each
 * scrape formats the figures (metrics.c) into a buffer the response takes
 * over. Anything but GET or HEAD of /metrics is answered 404 or 405.
 *
 * The endpoint cannot be held shut by clients that connect and trickle:
 * at most PER_IP_MAX connections per client address (of CONN_MAX), an
 * idle timeout of DEADLINE_S, and a deadline for the whole connection
 * (one request: every answer says "Connection: close"), which the idle
 * timeout cannot give against a byte a second. libmicrohttpd has none:
 * the open connections are listed as it reports them (notify-connection
 * callback), and a watchdog thread shuts down the socket of any older
 * than DEADLINE_S; libmicrohttpd's own thread then sees the end of the
 * stream and closes the connection. The list's lock is held from the
 * look to the shutdown(2), and the callback that removes a connection
 * takes it before libmicrohttpd closes the descriptor, so the watchdog
 * never touches a descriptor that was closed (or reused).
 */
#include <sys/socket.h>
#include <netdb.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "lib/hostport.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/version.h"
#include "daemon/metrics_http.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define CONN_MAX	64		/* connections at once */
#define PER_IP_MAX	4		/* of them from one client address */
#define DEADLINE_S	3		/* a connection's whole life, seconds */
#define WATCH_MS	200		/* the watchdog's period */

/* An open connection: its socket, since when (monotonic). */
struct mconn {
	int		 fd;
	struct timespec	 start;
	int		 cut;		/* shut down by the watchdog */
	struct mconn	*next;
};

struct metrics_server {
	struct MHD_Daemon	*d;
	pthread_mutex_t		 lock;	/* conns, stop */
	pthread_cond_t		 wake;
	struct mconn		*conns;
	int			 stop;
	pthread_t		 watchdog;
	int			 watching;
	unsigned		(*sessions)(void);	/* open milter sessions */
};

/* A condition variable timed on the monotonic clock; 0, or an errno. */
static int
cond_init_monotonic(pthread_cond_t *cv)
{
	pthread_condattr_t	 a;
	int			 rc;

	if ((rc = pthread_condattr_init(&a)) != 0)
		return rc;
	if ((rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC)) == 0)
		rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc;
}

/* Milliseconds from a to b. */
static long long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * libmicrohttpd's report of a connection opened or closed (its own
 * thread): keep the list. *socket_context holds our struct mconn.
 */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct metrics_server		*ms = cls;
	const union MHD_ConnectionInfo	*ci;
	struct mconn			*mc, **pp;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (mc = calloc(1, sizeof(*mc))) == NULL) {
			*socket_context = NULL;
			return;		/* unwatched: the idle timeout holds */
		}
		mc->fd = ci->connect_fd;
		clock_gettime(CLOCK_MONOTONIC, &mc->start);
		pthread_mutex_lock(&ms->lock);
		mc->next = ms->conns;
		ms->conns = mc;
		pthread_mutex_unlock(&ms->lock);
		*socket_context = mc;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_CLOSED || *socket_context == NULL)
		return;
	mc = *socket_context;
	pthread_mutex_lock(&ms->lock);
	for (pp = &ms->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == mc) {
			*pp = mc->next;
			break;
		}
	pthread_mutex_unlock(&ms->lock);
	free(mc);
	*socket_context = NULL;
}

/* The watchdog: shut down connections older than DEADLINE_S. */
static void *
watch(void *arg)
{
	struct metrics_server	*ms = arg;
	struct timespec		 now, until;
	struct mconn		*mc;

	pthread_mutex_lock(&ms->lock);
	while (!ms->stop) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (mc = ms->conns; mc != NULL; mc = mc->next)
			if (!mc->cut && ms_between(&mc->start, &now) >=
			    DEADLINE_S * 1000LL) {
				mc->cut = 1;
				(void)shutdown(mc->fd, SHUT_RDWR);
				log_debug("metrics: a connection cut after %d s",
				    DEADLINE_S);
			}
		until = now;
		until.tv_nsec += WATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&ms->wake, &ms->lock, &until);
	}
	pthread_mutex_unlock(&ms->lock);
	return NULL;
}

/* Queue a short plain-text answer with status code. */
static enum MHD_Result
answer_text(struct MHD_Connection *c, unsigned code, const char *text)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)(uintptr_t)text,
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, "Content-Type", "text/plain");
	(void)MHD_add_response_header(r, "Connection", "close");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/* One request: the figures for GET /metrics. */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **state)
{
	struct MHD_Response	*r;
	enum MHD_Result		 ret;
	FILE			*f;
	char			*buf = NULL;
	size_t			 len = 0;
	struct metrics_server	*ms = cls;

	(void)version;
	(void)upload;
	(void)state;
	if (*upload_len != 0)
		return MHD_NO;
	if (strcmp(url, "/metrics") != 0)
		return answer_text(c, MHD_HTTP_NOT_FOUND, "not found: try "
		    "/metrics\n");
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "method not allowed\n");
	if ((f = open_memstream(&buf, &len)) == NULL)
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	if (metrics_format(f, ms->sessions(), SG_VERSION) == -1) {
		fclose(f);
		free(buf);
		return answer_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "out of memory\n");
	}
	fclose(f);
	/* the response frees buf */
	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, "Content-Type", CONTENT_TYPE);
	(void)MHD_add_response_header(r, "Connection", "close");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Start serving on "host:port". */
struct metrics_server *
metrics_start(const char *address, unsigned (*sessions)(void), char *err,
    size_t errlen)
{
	struct metrics_server	*ms;
	struct addrinfo		 hints, *ai = NULL;
	char			 host[256], port[8];
	unsigned		 flags;
	int			 p, rc;

	if (hostport_split(address, strlen(address), host, sizeof(host),
	    &p) == -1) {
		snprintf(err, errlen, "metrics_address %s: not host:port",
		    address);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "metrics_address %s: %s", address,
		    gai_strerror(rc));
		return NULL;
	}
	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ms->sessions = sessions;
	if (pthread_mutex_init(&ms->lock, NULL) != 0) {
		freeaddrinfo(ai);
		free(ms);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cond_init_monotonic(&ms->wake) != 0) {
		freeaddrinfo(ai);
		pthread_mutex_destroy(&ms->lock);
		free(ms);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	ms->d = MHD_start_daemon(flags, (uint16_t)p, NULL, NULL, on_request,
	    ms, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)DEADLINE_S,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, ms,
	    MHD_OPTION_END);
	freeaddrinfo(ai);
	if (ms->d == NULL) {
		snprintf(err, errlen, "metrics_address %s: cannot listen "
		    "(in use, or not an address of this host?)", address);
		metrics_stop(ms);
		return NULL;
	}
	if ((rc = pthread_create(&ms->watchdog, NULL, watch, ms)) != 0) {
		snprintf(err, errlen, "metrics: cannot start a thread: %s",
		    strerror(rc));
		metrics_stop(ms);
		return NULL;
	}
	ms->watching = 1;
	return ms;
}

/* Stop serving: the daemon first (its connections close), then the watchdog. */
void
metrics_stop(struct metrics_server *ms)
{
	struct mconn	*mc;

	if (ms == NULL)
		return;
	if (ms->d != NULL)
		MHD_stop_daemon(ms->d);
	if (ms->watching) {
		pthread_mutex_lock(&ms->lock);
		ms->stop = 1;
		pthread_cond_signal(&ms->wake);
		pthread_mutex_unlock(&ms->lock);
		pthread_join(ms->watchdog, NULL);
	}
	while ((mc = ms->conns) != NULL) {
		ms->conns = mc->next;
		free(mc);
	}
	pthread_cond_destroy(&ms->wake);
	pthread_mutex_destroy(&ms->lock);
	free(ms);
}
