/*
 * dir_mirror.c - ldap_mode = mirror: the directory in memory, kept
 * current by RFC 4533 content synchronisation (refreshAndPersist).
 *
 * One thread of its own, with its own connection, runs libldap's sync
 * consumer (ldap_sync_init, then ldap_sync_poll) and feeds each entry to
 * the model (mirror_model.c), which updates the table lookups read
 * (mirror_index.c). Lookups never touch LDAP and never wait for the sync
 * thread beyond one shard's pointer update.
 *
 * - Start-up: until the first refresh completes, lookups fail (rule 3).
 *   The first full load is built aside and swapped in when complete; so
 *   is a reload the server asks for (e-syncRefreshRequired).
 * - A lost connection: the last complete copy is served (answers marked
 *   stale) while the thread reconnects with backoff and resumes with the
 *   sync cookie; past mirror_max_stale lookups fail (rule 3). With
 *   several ldap_uri (multi-provider slapd), the next server that
 *   answers takes the same cookie, kept per serverID (mirror_cookie.c),
 *   and sends only what changed since.
 * - A server that refuses the sync control (no syncprov overlay): one
 *   warning, and lookups go to query mode from then on.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir/dir_ldap.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "dir/mirror.h"

#define BACKOFF_MIN	200		/* ms between connection attempts */
#define BACKOFF_MAX	10000

extern const struct dir_backend dir_backend_query;

/* Sleep ms unless close begins meanwhile. */
static void
nap(struct mirror *m, long ms)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->stop &&
	    pthread_cond_timedwait(&m->cond, &m->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&m->lock);
}

/* The copy stopped being current (first time only counts). */
static void
mark_lost(struct mirror *m)
{
	long long	 zero = 0, now = mirror_now_ms();

	__atomic_compare_exchange_n(&m->lost_at, &zero, now, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	metrics_dir_sync(0);
}

/* Keep TCP keepalive on, so that a server gone silent is noticed. */
static void
keepalive(LDAP *ld)
{
	int	 idle = 60, probes = 3, interval = 10;

	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	(void)ldap_set_option(ld, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
}

/* The sync thread: connect, run a session, back off, again. */
static void *
sync_main(void *arg)
{
	struct mirror	*m = arg;
	LDAP		*ld;
	long		 backoff = BACKOFF_MIN;
	enum session_end end;
	char		 err[256];
	void		*q;
	sigset_t	 pipe;
	int		 fd = -1;

	/* ps -L, top -H and the tests tell it by its name */
	(void)pthread_setname_np(pthread_self(), "sg-mirror");
	/*
	 * A write on a connection close shut down must not kill us; and the
	 * signals the daemon's main thread handles (stop, reload) are not
	 * this thread's to take.
	 */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	sigaddset(&pipe, SIGHUP);
	sigaddset(&pipe, SIGTERM);
	sigaddset(&pipe, SIGINT);
	pthread_sigmask(SIG_BLOCK, &pipe, NULL);

	while (!mirror_stopping(m)) {
		if ((ld = dir_ldap_connect(m->conf)) == NULL) {
			mark_lost(m);
			nap(m, backoff);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
			    backoff * 2;
			continue;
		}
		keepalive(ld);
		ldap_memfree(m->uri);
		m->uri = NULL;
		(void)ldap_get_option(ld, LDAP_OPT_URI, &m->uri);
		fd = -1;
		(void)ldap_get_option(ld, LDAP_OPT_DESC, &fd);
		pthread_mutex_lock(&m->lock);
		m->fd = fd;
		if (m->stop && fd != -1)	/* close began meanwhile */
			(void)shutdown(fd, SHUT_RDWR);
		pthread_mutex_unlock(&m->lock);

		end = mirror_session(m, ld);

		pthread_mutex_lock(&m->lock);
		m->fd = -1;
		pthread_mutex_unlock(&m->lock);
		ldap_unbind_ext_s(ld, NULL, NULL);
		if (end == S_STOP)
			break;
		mark_lost(m);
		if (end == S_FALLBACK) {
			if ((q = dir_backend_query.open(m->conf, err,
			    sizeof(err))) == NULL) {
				log_error("mirror: query mode: %s", err);
				nap(m, BACKOFF_MAX);
				continue;
			}
			__atomic_store_n(&m->fallback, q, __ATOMIC_RELEASE);
			pthread_mutex_lock(&m->lock);
			pthread_cond_broadcast(&m->cond);
			pthread_mutex_unlock(&m->lock);
			break;
		}
		/* a session that got going: try again soon */
		if (__atomic_load_n(&m->lost_at, __ATOMIC_RELAXED) >
		    mirror_now_ms() - 1000)
			backoff = BACKOFF_MIN;
		nap(m, backoff);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
	return NULL;
}

/* Start the sync thread; wait up to ldap_timeout for the first copy. */
static void *
m_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct mirror		*m;
	pthread_condattr_t	 ca;
	struct timespec		 ts;
	int			 rc;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->idx = mi_new()) == NULL) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->conf = c;
	m->fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&m->thread, NULL, sync_main, m)) != 0) {
		snprintf(err, errlen, "cannot start the sync thread: %s",
		    strerror(rc));
		mi_free(m->idx);
		pthread_cond_destroy(&m->cond);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return NULL;
	}

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += c->ldap_timeout / 1000;
	ts.tv_nsec += (c->ldap_timeout % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m->lock);
	while (!m->loaded &&
	    __atomic_load_n(&m->fallback, __ATOMIC_ACQUIRE) == NULL &&
	    pthread_cond_timedwait(&m->cond, &m->lock, &ts) != ETIMEDOUT)
		;
	if (!m->loaded && __atomic_load_n(&m->fallback, __ATOMIC_ACQUIRE) ==
	    NULL)
		log_warnx("mirror: no copy of the directory yet: senders "
		    "fail (rule 3) until the first refresh completes");
	pthread_mutex_unlock(&m->lock);
	return m;
}

/* Answer from the copy (or from query mode after a fall-back). */
static enum dir_kind
m_lookup(void *h, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	struct mirror	*m = h;
	void		*q;
	long long	 lost;
	enum dir_kind	 ret;

	if ((q = __atomic_load_n(&m->fallback, __ATOMIC_ACQUIRE)) != NULL)
		return dir_backend_query.lookup(q, addr, domain, ans);
	lost = __atomic_load_n(&m->lost_at, __ATOMIC_RELAXED);
	if (lost != 0 && mirror_now_ms() - lost > m->conf->mirror_max_stale)
		return DIR_FAILED;
	ret = mi_lookup(m->idx, addr, domain, ans);
	ans->stale = lost != 0 && ret != DIR_FAILED;
	return ret;
}

/* Stop the thread (interrupting its connection) and free everything. */
static void
m_close(void *h)
{
	struct mirror	*m = h;
	void		*q;

	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	if (m->fd != -1)
		(void)shutdown(m->fd, SHUT_RDWR);
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);

	if ((q = __atomic_load_n(&m->fallback, __ATOMIC_ACQUIRE)) != NULL)
		dir_backend_query.close(q);
	mirror_building_drop(m);
	mm_free(m->live);
	mi_free(m->idx);	/* and the live table */
	mirror_cookie_drop(m);
	free(m->kept);
	log_info("mirror of %s: closed, its copy of the directory freed",
	    m->uri != NULL ? m->uri : "(no server)");
	ldap_memfree(m->uri);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const struct dir_backend dir_backend_mirror = {
	"mirror", m_open, m_lookup, m_close
};
