/*
 * dir.c - the directory front: backend dispatch and shared entries.
 *
 * Entries are immutable after publication and reference counted with
 * atomic operations, so a cache (or later the mirror) can replace an
 * entry while a message still holds the old one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dir.h"

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

/* FNV-1a: the hash of the cache and of the mirror's tables. */
unsigned
dir_hash(const char *s)
{
	unsigned	 h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
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
	free(e->snd.dn);
	free(e->snd.mail);
	free_list(e->snd.authids, e->snd.nauthids);
	free(e->snd.nets);
	free_list(e->snd.bcc, e->snd.nbcc);
	free(e->snd.reason);
	free(e->snd.replyto);
	free(e);
}
