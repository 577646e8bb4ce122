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
#define POLL_SECONDS	1		/* ldap_sync_poll wakes to check stop */
#define RELOADS_MAX	3		/* refresh-required in a row */

extern const struct dir_backend dir_backend_query;

enum session_end { S_LOST, S_FALLBACK, S_STOP };

struct mirror {
	const struct sg_conf	*conf;
	struct mirror_index	*idx;
	pthread_t		 thread;
	pthread_mutex_t		 lock;		/* fd, stop, loaded */
	pthread_cond_t		 cond;
	int			 fd;		/* sync socket, or -1 */
	int			 stop;
	int			 loaded;	/* first copy in place */
	long long		 lost_at;	/* atomic; ms, 0 = current */
	void			*fallback;	/* atomic; query backend */

	/* the sync thread's own */
	struct mirror_model	*live;		/* what the index shows */
	struct mirror_model	*building;	/* a full load, or NULL */
	struct berval		 cookie;
	char			*kept;		/* what we left in ls_cookie */
	char			*uri;		/* the server of this session */
	size_t			 got_entries;	/* this refresh: added, changed */
	size_t			 got_deletes;
	int			 refresh_done;
	int			 present_end;
	int			 search_ended;
	long long		 refresh_start;
};

/* Monotonic milliseconds. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 once close has begun. */
static int
stopping(struct mirror *m)
{
	int	 s;

	pthread_mutex_lock(&m->lock);
	s = m->stop;
	pthread_mutex_unlock(&m->lock);
	return s;
}

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
	long long	 zero = 0, now = now_ms();

	__atomic_compare_exchange_n(&m->lost_at, &zero, now, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	metrics_dir_sync(0);
}

/* The copy's size, for the metrics (the sync thread's). */
static void
gauges(struct mirror *m)
{
	size_t	 d, s;

	if (m->live == NULL)
		return;
	mm_count_kinds(m->live, &d, &s);
	metrics_dir_entries(d, s);
}

/* The model changes go to: a full load being built, or the live one. */
static struct mirror_model *
model(struct mirror *m)
{
	return m->building != NULL ? m->building : m->live;
}

/* Drop the cookie: the next refresh is a full load. */
static void
cookie_drop(struct mirror *m)
{
	ber_memfree(m->cookie.bv_val);
	m->cookie.bv_val = NULL;
	m->cookie.bv_len = 0;
}

/*
 * Fold the cookie the server just sent (libldap put it in ls_cookie)
 * into the one we keep, and leave that in ls_cookie for the next search.
 */
static void
cookie_fold(struct mirror *m, ldap_sync_t *ls)
{
	struct berval	 bv;
	char		*got, *merged;

	if (ls->ls_cookie.bv_val == NULL || (m->kept != NULL &&
	    strlen(m->kept) == ls->ls_cookie.bv_len &&
	    memcmp(m->kept, ls->ls_cookie.bv_val, ls->ls_cookie.bv_len) == 0))
		return;
	if ((got = strndup(ls->ls_cookie.bv_val, ls->ls_cookie.bv_len)) ==
	    NULL || (merged = mirror_cookie_merge(m->kept, got)) == NULL) {
		free(got);
		log_error("mirror: out of memory keeping the sync cookie");
		return;
	}
	free(got);
	bv.bv_val = merged;
	bv.bv_len = strlen(merged);
	if (ber_bvreplace(&ls->ls_cookie, &bv) == NULL) {
		free(merged);
		log_error("mirror: out of memory keeping the sync cookie");
		return;
	}
	free(m->kept);
	m->kept = merged;
}

/* Parse an added or changed entry into the model. */
static void
put_entry(struct mirror *m, LDAP *ld, LDAPMessage *msg,
    const unsigned char *uuid)
{
	struct sg_entry	*e;
	char		 err[256];
	int		 bad;

	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_error("mirror: out of memory");
		return;
	}
	e->refs = 1;
	if (dir_ldap_is_domain(ld, msg)) {
		bad = dir_ldap_parse_domain(ld, msg, &e->dom, err,
		    sizeof(err)) == -1;
		(void)mm_put_domain(model(m), uuid, e, bad ? err : NULL);
	} else if (dir_ldap_is_sender(ld, msg)) {
		bad = dir_ldap_parse_sender(ld, msg, &e->snd, err,
		    sizeof(err)) == -1;
		(void)mm_put_sender(model(m), uuid, e, bad ? err : NULL);
	} else {
		entry_unref(e);
		mm_delete(model(m), uuid);
	}
}

/* ldap_sync: an entry (add, modify, present, delete). */
static int
cb_entry(ldap_sync_t *ls, LDAPMessage *msg, struct berval *uuid,
    ldap_sync_refresh_t phase)
{
	struct mirror		*m = ls->ls_private;
	const unsigned char	*u = (const unsigned char *)uuid->bv_val;

	cookie_fold(m, ls);
	if (uuid->bv_len != MIRROR_UUID_LEN)
		return 0;
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENT:
		mm_present(model(m), u);
		break;
	case LDAP_SYNC_CAPI_DELETE:
		m->got_deletes += !m->refresh_done;
		mm_delete(model(m), u);
		break;
	case LDAP_SYNC_CAPI_ADD:
	case LDAP_SYNC_CAPI_MODIFY:
		m->got_entries += !m->refresh_done;
		put_entry(m, ls->ls_ld, msg, u);
		break;
	default:
		break;
	}
	if (m->refresh_done)
		gauges(m);
	return 0;
}

/* Did this syncInfo end a present phase (refreshPresent)? */
static int
is_refresh_present(LDAP *ld, LDAPMessage *msg)
{
	struct berval	*data = NULL;
	BerElement	*ber;
	ber_len_t	 len;
	char		*oid = NULL;
	int		 yes = 0;

	if (ldap_parse_intermediate(ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS)
		return 0;
	if (data != NULL && (ber = ber_init(data)) != NULL) {
		yes = ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_REFRESH_PRESENT;
		ber_free(ber, 1);
	}
	ldap_memfree(oid);
	ber_bvfree(data);
	return yes;
}

/* ldap_sync: a syncInfo message (phases, id sets, refresh done). */
static int
cb_intermediate(ldap_sync_t *ls, LDAPMessage *msg, BerVarray uuids,
    ldap_sync_refresh_t phase)
{
	struct mirror	*m = ls->ls_private;
	size_t		 i;

	cookie_fold(m, ls);
	switch (phase) {
	case LDAP_SYNC_CAPI_PRESENTS_IDSET:
	case LDAP_SYNC_CAPI_DELETES_IDSET:
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
			if (uuids[i].bv_len != MIRROR_UUID_LEN)
				continue;
			if (phase == LDAP_SYNC_CAPI_PRESENTS_IDSET)
				mm_present(model(m),
				    (unsigned char *)uuids[i].bv_val);
			else {
				m->got_deletes += !m->refresh_done;
				mm_delete(model(m),
				    (unsigned char *)uuids[i].bv_val);
			}
		}
		break;
	case LDAP_SYNC_CAPI_PRESENTS:
		m->present_end = 1;
		break;
	case LDAP_SYNC_CAPI_DONE:
		m->refresh_done = 1;
		if (is_refresh_present(ls->ls_ld, msg))
			m->present_end = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* ldap_sync: the search ended (only on error in refreshAndPersist). */
static int
cb_result(ldap_sync_t *ls, LDAPMessage *msg, int refresh_deletes)
{
	struct mirror	*m = ls->ls_private;

	(void)msg;
	(void)refresh_deletes;
	cookie_fold(m, ls);
	m->search_ended = 1;
	return 0;
}

/* A refresh completed: sweep, publish a full load, mark current. */
static void
refresh_complete(struct mirror *m)
{
	struct mi_table	*old;

	mm_refresh_end(model(m), m->present_end);
	if (m->building != NULL) {
		old = mi_swap(m->idx, mm_table(m->building));
		mm_free(m->live);
		mi_table_free(old);
		m->live = m->building;
		m->building = NULL;
		log_info("mirror: full load of %zu entries (%zu addresses) "
		    "in %lld ms from %s", mm_count(m->live),
		    mi_count(mm_table(m->live)), now_ms() - m->refresh_start,
		    m->uri != NULL ? m->uri : "?");
	} else
		log_info("mirror: resynchronised in %lld ms from %s with the "
		    "sync cookie: %zu entries transferred, %zu deleted "
		    "(%zu in the copy)", now_ms() - m->refresh_start,
		    m->uri != NULL ? m->uri : "?", m->got_entries,
		    m->got_deletes, mm_count(m->live));
	__atomic_store_n(&m->lost_at, 0, __ATOMIC_RELAXED);
	metrics_dir_sync(1);
	gauges(m);
	pthread_mutex_lock(&m->lock);
	m->loaded = 1;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* Start a full load into a new model (the live one stays published). */
static int
building_start(struct mirror *m)
{
	struct mi_table	*t;
	size_t		 hint = m->live != NULL ? mi_count(mm_table(m->live)) :
			     0;

	if ((t = mi_table_new(hint)) == NULL ||
	    (m->building = mm_new(t)) == NULL) {
		mi_table_free(t);
		log_error("mirror: out of memory starting a full load");
		return -1;
	}
	cookie_drop(m);
	return 0;
}

/* Forget an unfinished full load. */
static void
building_drop(struct mirror *m)
{
	struct mi_table	*t;

	if (m->building == NULL)
		return;
	t = mm_table(m->building);
	mm_free(m->building);
	mi_table_free(t);
	m->building = NULL;
	cookie_drop(m);
}

/* The sync filter: the entries the milter reads. */
static char sync_filter[] = "(|(objectClass=sgDomain)(objectClass=sgSender))";

/* One connection's life: refresh, then persist until something ends it. */
static enum session_end
session(struct mirror *m, LDAP *ld)
{
	ldap_sync_t		 ls;
	struct berval		 saved;
	enum session_end	 end = S_LOST;
	int			 rc, reloads = 0;

	ldap_sync_initialize(&ls);
	ls.ls_base = m->conf->ldap_base;
	ls.ls_scope = LDAP_SCOPE_SUBTREE;
	ls.ls_filter = sync_filter;
	ls.ls_attrs = dir_ldap_attrs;
	ls.ls_timeout = POLL_SECONDS;
	ls.ls_search_entry = cb_entry;
	ls.ls_intermediate = cb_intermediate;
	ls.ls_search_result = cb_result;
	ls.ls_private = m;
	ls.ls_ld = ld;

	for (;;) {
		if ((m->live == NULL || m->cookie.bv_val == NULL) &&
		    m->building == NULL && building_start(m) == -1)
			goto out;
		/* an unfinished refresh must not move the cookie on */
		saved.bv_val = NULL;
		saved.bv_len = 0;
		if (m->cookie.bv_val != NULL &&
		    ber_dupbv(&saved, &m->cookie) == NULL) {
			log_error("mirror: out of memory");
			goto out;
		}
		ls.ls_cookie = m->cookie;
		free(m->kept);
		m->kept = NULL;
		if (m->cookie.bv_val != NULL && (m->kept =
		    strndup(m->cookie.bv_val, m->cookie.bv_len)) == NULL) {
			log_error("mirror: out of memory");
			ber_memfree(saved.bv_val);
			goto out;
		}
		m->refresh_done = m->present_end = m->search_ended = 0;
		m->got_entries = m->got_deletes = 0;
		m->refresh_start = now_ms();
		mm_refresh_begin(model(m));
		rc = ldap_sync_init(&ls, LDAP_SYNC_REFRESH_AND_PERSIST);
		cookie_fold(m, &ls);
		m->cookie = ls.ls_cookie;
		if (rc != LDAP_SUCCESS || !m->refresh_done) {
			ber_memfree(m->cookie.bv_val);
			m->cookie = saved;
		} else
			ber_memfree(saved.bv_val);
		if (rc == LDAP_SYNC_REFRESH_REQUIRED && reloads++ < RELOADS_MAX &&
		    !stopping(m)) {
			log_warnx("mirror: the server requires a full refresh "
			    "(e-syncRefreshRequired): reloading; the current "
			    "copy is served meanwhile");
			building_drop(m);
			cookie_drop(m);
			continue;
		}
		if (rc > 0 && rc != LDAP_UNAVAILABLE_CRITICAL_EXTENSION &&
		    m->cookie.bv_val != NULL && reloads++ < RELOADS_MAX &&
		    !stopping(m)) {
			/* e.g. a provider restored from a backup: "consumer
			   state is newer than provider" */
			log_warnx("mirror: the server refuses our sync cookie "
			    "(%s): reloading; the current copy is served "
			    "meanwhile", ldap_err2string(rc));
			building_drop(m);
			cookie_drop(m);
			continue;
		}
		if (rc == LDAP_UNAVAILABLE_CRITICAL_EXTENSION) {
			end = S_FALLBACK;
			log_warnx("mirror: the server refuses content sync "
			    "(RFC 4533): %s; is the syncprov overlay "
			    "configured? falling back to ldap_mode query",
			    ldap_err2string(rc));
			goto out;
		}
		if (rc != LDAP_SUCCESS || !m->refresh_done) {
			if (!stopping(m))
				log_warnx("mirror: content sync refresh: %s",
				    rc == LDAP_SUCCESS ? "search ended" :
				    ldap_err2string(rc));
			building_drop(m);
			goto out;
		}
		break;
	}
	refresh_complete(m);

	while (!stopping(m)) {
		rc = ldap_sync_poll(&ls);
		cookie_fold(m, &ls);
		m->cookie = ls.ls_cookie;
		if (rc == 0 && !m->search_ended)
			continue;
		if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
			log_warnx("mirror: the server requires a full refresh "
			    "(e-syncRefreshRequired): reloading");
			cookie_drop(m);
			ls.ls_cookie = m->cookie;
		} else if (!stopping(m))
			log_warnx("mirror: content sync: %s", rc == 0 ||
			    rc == LDAP_SUCCESS ? "search ended" :
			    ldap_err2string(rc == -1 ? LDAP_SERVER_DOWN : rc));
		break;
	}
out:
	if (stopping(m))
		end = S_STOP;
	return end;
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

	while (!stopping(m)) {
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

		end = session(m, ld);

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
		    now_ms() - 1000)
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
	if (lost != 0 && now_ms() - lost > m->conf->mirror_max_stale)
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
	building_drop(m);
	mm_free(m->live);
	mi_free(m->idx);	/* and the live table */
	cookie_drop(m);
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
