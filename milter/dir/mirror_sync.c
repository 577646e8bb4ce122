/*
 * mirror_sync.c - one RFC 4533 session of the mirror's sync thread:
 * refreshAndPersist on a connection (libldap's ldap_sync_*), each entry
 * fed to the model (mirror_model.c), the cookie kept and folded per
 * serverID (mirror_cookie.c), a full load built aside and published
 * whole, and the copy marked current when a refresh completes.
 *
 * dir_mirror.c runs the thread around it (connect, back off, fall back
 * to query mode) and the lookups; this file knows nothing of those.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dir/dir_ldap.h"
#include "dir/mirror.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define POLL_SECONDS	1		/* ldap_sync_poll wakes to check stop */
#define RELOADS_MAX	3		/* refresh-required in a row */

/* Monotonic milliseconds. */
long long
mirror_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 once close has begun. */
int
mirror_stopping(struct mirror *m)
{
	int	 s;

	pthread_mutex_lock(&m->lock);
	s = m->stop;
	pthread_mutex_unlock(&m->lock);
	return s;
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
void
mirror_cookie_drop(struct mirror *m)
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
		    mi_count(mm_table(m->live)), mirror_now_ms() - m->refresh_start,
		    m->uri != NULL ? m->uri : "?");
	} else
		log_info("mirror: resynchronised in %lld ms from %s with the "
		    "sync cookie: %zu entries transferred, %zu deleted "
		    "(%zu in the copy)", mirror_now_ms() - m->refresh_start,
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
	mirror_cookie_drop(m);
	return 0;
}

/* Forget an unfinished full load. */
void
mirror_building_drop(struct mirror *m)
{
	struct mi_table	*t;

	if (m->building == NULL)
		return;
	t = mm_table(m->building);
	mm_free(m->building);
	mi_table_free(t);
	m->building = NULL;
	mirror_cookie_drop(m);
}

/* The sync filter: the entries the milter reads. */
static char sync_filter[] = "(|(objectClass=sgDomain)(objectClass=sgSender))";

/* One connection's life: refresh, then persist until something ends it. */
enum session_end
mirror_session(struct mirror *m, LDAP *ld)
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
		m->refresh_start = mirror_now_ms();
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
		    !mirror_stopping(m)) {
			log_warnx("mirror: the server requires a full refresh "
			    "(e-syncRefreshRequired): reloading; the current "
			    "copy is served meanwhile");
			mirror_building_drop(m);
			mirror_cookie_drop(m);
			continue;
		}
		if (rc > 0 && rc != LDAP_UNAVAILABLE_CRITICAL_EXTENSION &&
		    m->cookie.bv_val != NULL && reloads++ < RELOADS_MAX &&
		    !mirror_stopping(m)) {
			/* e.g. a provider restored from a backup: "consumer
			   state is newer than provider" */
			log_warnx("mirror: the server refuses our sync cookie "
			    "(%s): reloading; the current copy is served "
			    "meanwhile", ldap_err2string(rc));
			mirror_building_drop(m);
			mirror_cookie_drop(m);
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
			if (!mirror_stopping(m))
				log_warnx("mirror: content sync refresh: %s",
				    rc == LDAP_SUCCESS ? "search ended" :
				    ldap_err2string(rc));
			mirror_building_drop(m);
			goto out;
		}
		break;
	}
	refresh_complete(m);

	while (!mirror_stopping(m)) {
		rc = ldap_sync_poll(&ls);
		cookie_fold(m, &ls);
		m->cookie = ls.ls_cookie;
		if (rc == 0 && !m->search_ended)
			continue;
		if (rc == LDAP_SYNC_REFRESH_REQUIRED) {
			log_warnx("mirror: the server requires a full refresh "
			    "(e-syncRefreshRequired): reloading");
			mirror_cookie_drop(m);
			ls.ls_cookie = m->cookie;
		} else if (!mirror_stopping(m))
			log_warnx("mirror: content sync: %s", rc == 0 ||
			    rc == LDAP_SUCCESS ? "search ended" :
			    ldap_err2string(rc == -1 ? LDAP_SERVER_DOWN : rc));
		break;
	}
out:
	if (mirror_stopping(m))
		end = S_STOP;
	return end;
}
