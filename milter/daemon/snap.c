/*
 * snap.c - the configuration in force: reference-counted snapshots, one
 * of them published. See snap.h.
 *
 * The published pointer is read and replaced under a mutex, held only to
 * take a reference; the references themselves are atomic counts.
 */
#include <pthread.h>
#include <stdlib.h>

#include "daemon/snap.h"

static pthread_mutex_t	 snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snap	*snap_now;	/* under snap_lock */

/* A zeroed snapshot with the caller's reference. */
struct snap *
snap_new(void)
{
	struct snap	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->refs = 1;
	return s;
}

/* Take a reference. */
struct snap *
snap_ref(struct snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

/* Drop a reference; free with the last. */
void
snap_release(struct snap *s)
{
	if (s == NULL ||
	    __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	dir_close(s->dir);
	ctr_close(s->ctrs);
	conf_free(&s->conf);
	free(s);
}

/* Use the directory of from. */
void
snap_share_dir(struct snap *to, struct snap *from)
{
	to->dir = from->dir != NULL ? dir_ref(from->dir) : NULL;
}

/* Use the counters of from. */
void
snap_share_ctrs(struct snap *to, struct snap *from)
{
	to->ctrs = from->ctrs != NULL ? ctr_ref(from->ctrs) : NULL;
}

/* A reference to the snapshot in force. */
struct snap *
snap_current(void)
{
	struct snap	*s;

	pthread_mutex_lock(&snap_lock);
	s = snap_now != NULL ? snap_ref(snap_now) : NULL;
	pthread_mutex_unlock(&snap_lock);
	return s;
}

/* Put s in force; release the one before. */
void
snap_publish(struct snap *s)
{
	struct snap	*old;

	pthread_mutex_lock(&snap_lock);
	old = snap_now;
	snap_now = s;
	pthread_mutex_unlock(&snap_lock);
	snap_release(old);
}
