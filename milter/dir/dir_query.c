/*
 * dir_query.c - ldap_mode = query: one LDAP search per uncached address.
 *
 * One subtree search under ldap_base finds, in one round trip, the
 * sgDomain whose sgPrimaryDomain is the address's domain and the sgSender
 * entries with that mail; the sender must sit directly under the domain.
 *
 * Connections: a small pool of bound handles, each used by one thread at
 * a time; a handle that saw an error is unbound and a new one made on the
 * next lookup (trying each ldap_uri in turn).
 *
 * Cache: answers are kept cache_ttl (found) or negative_cache_ttl (not
 * found, or a malformed entry) under a mutex. When LDAP fails, an expired
 * answer younger than cache_max_stale past its expiry is served instead
 * of failing; nothing usable cached means rule 3.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/addr.h"
#include "dir/dir_ldap.h"
#include "lib/log.h"
#include "lib/metrics.h"

#define POOL_MAX	16		/* idle handles kept */
#define CACHE_BUCKETS	4096
#define CACHE_MAX	100000		/* answers kept */

struct cached {
	struct cached	*next;
	char		*key;		/* normalised address */
	enum dir_kind	 kind;
	struct sg_entry	*entry;		/* DIR_SENDER: one reference */
	long long	 expires;	/* monotonic ms */
};

struct query {
	const struct sg_conf	*conf;
	pthread_mutex_t		 lock;	/* pool and cache */
	LDAP			*idle[POOL_MAX];
	size_t			 nidle;
	struct cached		*bucket[CACHE_BUCKETS];
	size_t			 ncached;
};

/* Monotonic milliseconds. */
static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Open: nothing to connect yet (the first lookup does). */
static void *
q_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct query	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	q->conf = c;
	pthread_mutex_init(&q->lock, NULL);
	return q;
}

/* Take an idle handle or make one; NULL if no server answers. */
static LDAP *
pool_get(struct query *q)
{
	LDAP	*ld = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->nidle > 0)
		ld = q->idle[--q->nidle];
	pthread_mutex_unlock(&q->lock);
	if (ld == NULL)
		ld = dir_ldap_connect(q->conf);
	return ld;
}

/* Return a healthy handle to the pool (or unbind it if the pool is full). */
static void
pool_put(struct query *q, LDAP *ld)
{
	pthread_mutex_lock(&q->lock);
	if (q->nidle < POOL_MAX) {
		q->idle[q->nidle++] = ld;
		ld = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
}

/* Free one cache element. */
static void
cached_free(struct cached *e)
{
	entry_unref(e->entry);
	free(e->key);
	free(e);
}

/* Drop every answer (all) or those past any use. Locked. */
static void
cache_drop(struct query *q, long long now, int all)
{
	struct cached	**pp, *e;
	size_t		  b;

	for (b = 0; b < CACHE_BUCKETS; b++) {
		for (pp = &q->bucket[b]; (e = *pp) != NULL; ) {
			if (all || e->expires + q->conf->cache_max_stale <
			    now) {
				*pp = e->next;
				cached_free(e);
				q->ncached--;
			} else
				pp = &e->next;
		}
	}
}

/*
 * The cache is full: drop the answers past any use (expired longer than
 * cache_max_stale); if that leaves it over three quarters full, drop them
 * all. So a walk comes once per CACHE_MAX / 4 insertions at most. Locked.
 */
static void
cache_prune(struct query *q, long long now)
{
	cache_drop(q, now, 0);
	if (q->ncached > CACHE_MAX / 4 * 3)
		cache_drop(q, now, 1);
}

/* Find key's element. Locked. */
static struct cached *
cache_find(struct query *q, const char *key)
{
	struct cached	*e;

	for (e = q->bucket[dir_hash(key) % CACHE_BUCKETS]; e != NULL;
	    e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

/* Copy a cached answer into ans (taking a reference); its kind. Locked. */
static enum dir_kind
cache_answer(const struct cached *e, struct dir_answer *ans)
{
	ans->entry = e->entry != NULL ? entry_ref(e->entry) : NULL;
	return e->kind;
}

/* Store an answer for ttl ms (0: not at all). */
static void
cache_store(struct query *q, const char *key, enum dir_kind kind,
    struct sg_entry *entry, long ttl)
{
	struct cached	*e;
	long long	 now = now_ms();
	unsigned	 h;

	if (ttl <= 0)
		return;
	pthread_mutex_lock(&q->lock);
	if ((e = cache_find(q, key)) == NULL) {
		if (q->ncached >= CACHE_MAX)
			cache_prune(q, now);
		if ((e = calloc(1, sizeof(*e))) == NULL ||
		    (e->key = strdup(key)) == NULL) {
			free(e);
			pthread_mutex_unlock(&q->lock);
			return;		/* no cache this time: harmless */
		}
		h = dir_hash(key) % CACHE_BUCKETS;
		e->next = q->bucket[h];
		q->bucket[h] = e;
		q->ncached++;
	}
	entry_unref(e->entry);
	e->entry = entry != NULL ? entry_ref(entry) : NULL;
	e->kind = kind;
	e->expires = now + ttl;
	pthread_mutex_unlock(&q->lock);
}

/*
 * Search and build the answer; its kind. Sets *broken when the failure
 * is a malformed entry (worth caching), and *lderr when the connection
 * must be dropped.
 */
static enum dir_kind
q_search(struct query *q, LDAP *ld, const char *addr, const char *domain,
    struct dir_answer *ans, int *broken, int *lderr)
{
	const struct sg_conf	*c = q->conf;
	char			 ea[3 * SG_ADDR_MAX + 1], ed[3 * SG_ADDR_MAX + 1];
	char			 filter[2 * sizeof(ea) + 128], err[256];
	struct timeval		 tv;
	LDAPMessage		*res = NULL, *m, *dm = NULL;
	struct sg_entry		*e = NULL;
	int			 rc, ndom = 0;
	enum dir_kind		 ret = DIR_FAILED;
	char			*dn, *first = NULL;

	*broken = *lderr = 0;
	if (ldap_filter_escape(addr, ea, sizeof(ea)) == -1 ||
	    ldap_filter_escape(domain, ed, sizeof(ed)) == -1)
		return DIR_FAILED;
	snprintf(filter, sizeof(filter), "(|(&(objectClass=sgDomain)"
	    "(sgPrimaryDomain=%s))(&(objectClass=sgSender)(mail=%s)))",
	    ed, ea);
	tv.tv_sec = c->ldap_timeout / 1000;
	tv.tv_usec = (c->ldap_timeout % 1000) * 1000;
	rc = ldap_search_ext_s(ld, c->ldap_base, LDAP_SCOPE_SUBTREE, filter,
	    dir_ldap_attrs, 0, NULL, NULL, &tv, 64, &res);
	if (rc != LDAP_SUCCESS) {
		log_warnx("ldap search for <%s>: %s", addr,
		    ldap_err2string(rc));
		metrics_ldap_error();
		*lderr = rc != LDAP_SIZELIMIT_EXCEEDED &&
		    rc != LDAP_NO_SUCH_OBJECT;
		goto out;
	}

	/* the domain first: exactly one may claim the primary domain */
	for (m = ldap_first_entry(ld, res); m != NULL;
	    m = ldap_next_entry(ld, m)) {
		if (!dir_ldap_is_domain(ld, m) ||
		    !dir_ldap_value_is(ld, m, "sgPrimaryDomain", domain))
			continue;
		if (ndom++ == 0) {
			dm = m;
			first = ldap_get_dn(ld, m);
		} else {
			dn = ldap_get_dn(ld, m);
			log_error("directory conflict: primary domain %s is "
			    "claimed by %s and %s", domain,
			    first ? first : "?", dn ? dn : "?");
			ldap_memfree(dn);
			*broken = 1;
			goto out;
		}
	}
	if (ndom == 0) {
		ret = DIR_NO_DOMAIN;
		goto out;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		goto out;
	e->refs = 1;
	if (dir_ldap_parse_domain(ld, dm, &e->dom, err, sizeof(err)) == -1) {
		log_warnx("ldap entry %s: %s: its senders fail (rule 3)",
		    first ? first : "?", err);
		*broken = 1;
		goto out;
	}
	for (m = ldap_first_entry(ld, res); m != NULL;
	    m = ldap_next_entry(ld, m)) {
		if (!dir_ldap_is_sender(ld, m) ||
		    !dir_ldap_value_is(ld, m, "mail", addr) ||
		    (dn = ldap_get_dn(ld, m)) == NULL)
			continue;
		rc = dir_ldap_is_child(dn, e->dom.dn);
		ldap_memfree(dn);
		if (rc)
			break;
	}
	if (m == NULL) {
		ret = DIR_NO_SENDER;
		goto out;
	}
	if (dir_ldap_parse_sender(ld, m, &e->snd, err, sizeof(err)) == -1) {
		log_warnx("ldap entry %s: %s: the sender fails (rule 3)",
		    e->snd.dn ? e->snd.dn : "?", err);
		*broken = 1;
		goto out;
	}
	ans->entry = e;
	e = NULL;
	ret = DIR_SENDER;
out:
	entry_unref(e);
	ldap_memfree(first);
	ldap_msgfree(res);
	return ret;
}

/* Look up addr: cache, else LDAP, else a stale cached answer. */
static enum dir_kind
q_lookup(void *h, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	struct query	*q = h;
	struct cached	*e;
	LDAP		*ld;
	long long	 now = now_ms();
	enum dir_kind	 ret;
	int		 broken = 0, lderr = 1;

	pthread_mutex_lock(&q->lock);
	if ((e = cache_find(q, addr)) != NULL && e->expires > now) {
		ret = cache_answer(e, ans);
		pthread_mutex_unlock(&q->lock);
		log_debug("<%s>: from the cache", addr);
		metrics_cache(MET_CACHE_HIT);
		return ret;
	}
	pthread_mutex_unlock(&q->lock);

	if ((ld = pool_get(q)) != NULL) {
		ret = q_search(q, ld, addr, domain, ans, &broken, &lderr);
		if (lderr)
			ldap_unbind_ext_s(ld, NULL, NULL);
		else
			pool_put(q, ld);
		if (ret != DIR_FAILED || broken) {
			/* a malformed entry is cached like a miss */
			cache_store(q, addr, ret, ans->entry,
			    ret == DIR_SENDER ? q->conf->cache_ttl :
			    q->conf->negative_cache_ttl);
			metrics_cache(MET_CACHE_MISS);
			return ret;
		}
	}

	/* LDAP failed: serve what is cached, if not too old */
	pthread_mutex_lock(&q->lock);
	now = now_ms();
	if ((e = cache_find(q, addr)) != NULL && e->kind != DIR_FAILED &&
	    e->expires + q->conf->cache_max_stale >= now) {
		ret = cache_answer(e, ans);
		ans->stale = 1;
		pthread_mutex_unlock(&q->lock);
		log_warnx("directory unavailable: serving a cached answer for "
		    "<%s>", addr);
		metrics_cache(MET_CACHE_STALE);
		return ret;
	}
	pthread_mutex_unlock(&q->lock);
	metrics_cache(MET_CACHE_FAILED);
	return DIR_FAILED;
}

/* Free the cache and the pool. */
static void
q_close(void *h)
{
	struct query	*q = h;

	cache_drop(q, 0, 1);
	while (q->nidle > 0)
		ldap_unbind_ext_s(q->idle[--q->nidle], NULL, NULL);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

const struct dir_backend dir_backend_query = {
	"query", q_open, q_lookup, q_close
};
