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
	/* mirror falls back to query by itself on a server without sync */
	d->be = c->ldap_mode == LDAP_MODE_MIRROR ? &dir_backend_mirror :
	    &dir_backend_query;
	if ((d->h = d->be->open(c, err, errlen)) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

/* Ask the backend. */
int
dir_lookup(struct directory *d, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	ans->kind = DIR_FAILED;
	ans->entry = NULL;
	ans->stale = 0;
	if (d == NULL)
		return -1;		/* a directory that did not open */
	return d->be->lookup(d->h, addr, domain, ans);
}

/* Drop the answer's reference. */
void
dir_answer_release(struct dir_answer *ans)
{
	if (ans->entry != NULL)
		entry_unref(ans->entry);
	ans->entry = NULL;
}

/* Close the backend. */
void
dir_close(struct directory *d)
{
	if (d == NULL)
		return;
	d->be->close(d->h);
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

/* Take a reference. */
struct sg_entry *
entry_ref(struct sg_entry *e)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_RELAXED);
	return e;
}

/* Free a NULL-terminated or counted string list. */
static void
free_list(char **l, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

/* Drop a reference; free the entry with the last one. */
void
entry_unref(struct sg_entry *e)
{
	if (e == NULL ||
	    __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(e->dom.dn);
	free(e->dom.name);
	free(e->dom.primary);
	free(e->dom.reason);
	free(e->dom.nets);
	free(e->dom.archive);
	free_list(e->dom.notify, e->dom.nnotify);
	free(e->snd.dn);
	free(e->snd.mail);
	free_list(e->snd.authids, e->snd.nauthids);
	free(e->snd.nets);
	free_list(e->snd.bcc, e->snd.nbcc);
	free(e->snd.reason);
	free(e->snd.replyto);
	free_list(e->snd.notify, e->snd.nnotify);
	free(e);
}
