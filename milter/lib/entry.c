/*
 * entry.c - directory entries: shared between threads, immutable once
 * published, freed with their last reference (atomic counts), so that a
 * cache or the mirror can replace an entry while a message still holds
 * the old one. See entry.h.
 */
#include <stdlib.h>

#include "lib/entry.h"

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

/* Drop the answer's reference. */
void
dir_answer_release(struct dir_answer *ans)
{
	if (ans->entry != NULL)
		entry_unref(ans->entry);
	ans->entry = NULL;
}
