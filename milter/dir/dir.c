/*
 * dir.c - the directory front: backend dispatch and shared entries.
 *
 * Entries are immutable after publication and reference counted with
 * atomic operations, so a cache (or later the mirror) can replace an
 * entry while a message still holds the old one.
 */
#include <sys/random.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dir/dir.h"
#include "lib/log.h"
#include "lib/siphash.h"

extern const struct dir_backend dir_backend_query;
extern const struct dir_backend dir_backend_mirror;

struct directory {
	int			 refs;		/* atomic; see dir_ref */
	struct sg_conf		 conf;		/* our copy: the backend reads it */
	const struct dir_backend *be;
	void			 *h;
};

/* Open the backend that the configuration names. */
struct directory *
dir_open(const struct sg_conf *c, char *err, size_t errlen)
{
	struct directory	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (conf_copy(&d->conf, c) == -1) {
		snprintf(err, errlen, "out of memory");
		free(d);
		return NULL;
	}
	d->refs = 1;
	/* mirror falls back to query by itself on a server without sync */
	d->be = c->ldap_mode == LDAP_MODE_MIRROR ? &dir_backend_mirror :
	    &dir_backend_query;
	if ((d->h = d->be->open(&d->conf, err, errlen)) == NULL) {
		conf_free(&d->conf);
		free(d);
		return NULL;
	}
	return d;
}

/* Ask the backend; keep its kind in the answer. */
enum dir_kind
dir_lookup(struct directory *d, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	ans->entry = NULL;
	ans->stale = 0;
	/* NULL: a directory that did not open */
	ans->kind = d == NULL ? DIR_FAILED :
	    d->be->lookup(d->h, addr, domain, ans);
	return ans->kind;
}

/* Another reference. */
struct directory *
dir_ref(struct directory *d)
{
	__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
	return d;
}

/* Drop a reference; close the backend with the last. */
void
dir_close(struct directory *d)
{
	if (d == NULL ||
	    __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	d->be->close(d->h);
	conf_free(&d->conf);
	free(d);
}

/* The process's SipHash key: random, drawn once. */
static unsigned char	 hash_key[16];
static pthread_once_t	 hash_once = PTHREAD_ONCE_INIT;

/* Draw the key (getrandom; a clock-and-pid fallback is logged). */
static void
hash_key_init(void)
{
	struct timespec	 ts;
	uint64_t	 v;

	if (getrandom(hash_key, sizeof(hash_key), 0) ==
	    (ssize_t)sizeof(hash_key))
		return;
	log_warn("getrandom: hashing addresses with a weaker key");
	clock_gettime(CLOCK_REALTIME, &ts);
	v = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 30 ^
	    (uint64_t)getpid() << 48;
	memcpy(hash_key, &v, sizeof(v));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32;
	memcpy(hash_key + 8, &v, sizeof(v));
}

/* Keyed hash of a table key: SipHash-2-4, folded to 32 bits. */
unsigned
dir_hash(const char *s)
{
	uint64_t	 h;

	pthread_once(&hash_once, hash_key_init);
	h = siphash24(hash_key, s, strlen(s));
	return (unsigned)(h ^ h >> 32);
}
