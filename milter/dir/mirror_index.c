/*
 * mirror_index.c - the in-memory directory that lookups read.
 *
 * A table maps lower-case addresses to an immutable, reference-counted
 * entry (or to "fails", for a malformed sender) and primary domains to
 * "ok" or "fails" (a malformed domain, or two domains claiming it). It is
 * split into shards, each a chained hash under its own writer-preferring
 * rwlock: a lookup read-locks one shard for a hash probe and an atomic
 * increment, the sync thread write-locks one shard per change.
 *
 * The index holds the current table. After a full refresh the sync thread
 * swaps in a table it built aside; the swap write-locks the index for a
 * pointer store, and the old table is freed once it returns (no reader
 * can be inside it then; entries readers hold are their own references).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dir/mirror.h"

#define NSHARDS		64		/* power of two */
#define MIN_BUCKETS	16

#define ST_OK		1		/* domain known / sender has entry */
#define ST_FAIL		2		/* answer -1 */

struct node {
	struct node	*next;
	struct sg_entry	*e;		/* sender with ST_OK, else NULL */
	unsigned	 hash;
	int		 state;
	char		 key[];
};

struct shard {
	pthread_rwlock_t lock;
	struct node	**b;
	size_t		  nb, n;
};

struct map {
	struct shard	 s[NSHARDS];
};

struct mi_table {
	struct map	 senders;
	struct map	 domains;
};

struct mirror_index {
	pthread_rwlock_t lock;		/* cur */
	struct mi_table	*cur;
};

/* A writer-preferring rwlock: a stream of readers cannot starve writes. */
static void
rwlock_init(pthread_rwlock_t *l)
{
	pthread_rwlockattr_t	 a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(l, &a);
	pthread_rwlockattr_destroy(&a);
}

/* Set up a map with about hint keys; 0 or -1. */
static int
map_init(struct map *m, size_t hint)
{
	size_t	 i, nb = MIN_BUCKETS;

	while (nb * NSHARDS < hint)
		nb *= 2;
	for (i = 0; i < NSHARDS; i++) {
		rwlock_init(&m->s[i].lock);
		if ((m->s[i].b = calloc(nb, sizeof(struct node *))) == NULL)
			return -1;
		m->s[i].nb = nb;
	}
	return 0;
}

/* Free a map's nodes and references. */
static void
map_free(struct map *m)
{
	struct node	*n, *next;
	size_t		 i, j;

	for (i = 0; i < NSHARDS; i++) {
		for (j = 0; m->s[i].b != NULL && j < m->s[i].nb; j++)
			for (n = m->s[i].b[j]; n != NULL; n = next) {
				next = n->next;
				entry_unref(n->e);
				free(n);
			}
		free(m->s[i].b);
		pthread_rwlock_destroy(&m->s[i].lock);
	}
}

/* The shard of a hash (upper bits; the lower ones pick the bucket). */
static struct shard *
shard_of(struct map *m, unsigned h)
{
	return &m->s[(h >> 24) & (NSHARDS - 1)];
}

/* Find key in a locked shard. */
static struct node *
shard_find(struct shard *s, const char *key, unsigned h)
{
	struct node	*n;

	for (n = s->b[h & (s->nb - 1)]; n != NULL; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

/* Double a write-locked shard's buckets (kept as is if out of memory). */
static void
shard_grow(struct shard *s)
{
	struct node	**nb, *n, *next;
	size_t		  i, size = s->nb * 2;

	if ((nb = calloc(size, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < s->nb; i++)
		for (n = s->b[i]; n != NULL; n = next) {
			next = n->next;
			n->next = nb[n->hash & (size - 1)];
			nb[n->hash & (size - 1)] = n;
		}
	free(s->b);
	s->b = nb;
	s->nb = size;
}

/* Set key to (state, e); e gets a new reference. 0 or -1. */
static int
map_put(struct map *m, const char *key, int state, struct sg_entry *e)
{
	unsigned	 h = dir_hash(key);
	struct shard	*s = shard_of(m, h);
	struct node	*n, *fresh = NULL;
	struct sg_entry	*old = NULL;
	size_t		 len = strlen(key);

	/* allocate outside the lock: readers wait for pointer stores only */
	if ((fresh = malloc(sizeof(*fresh) + len + 1)) == NULL)
		return -1;
	memcpy(fresh->key, key, len + 1);
	fresh->hash = h;
	fresh->state = state;
	fresh->e = e != NULL ? entry_ref(e) : NULL;

	pthread_rwlock_wrlock(&s->lock);
	if ((n = shard_find(s, key, h)) != NULL) {
		old = n->e;
		n->e = fresh->e;
		n->state = state;
	} else {
		if (s->n >= s->nb)
			shard_grow(s);
		fresh->next = s->b[h & (s->nb - 1)];
		s->b[h & (s->nb - 1)] = fresh;
		s->n++;
		fresh = NULL;
	}
	pthread_rwlock_unlock(&s->lock);
	free(fresh);
	entry_unref(old);
	return 0;
}

/* Remove key. */
static void
map_del(struct map *m, const char *key)
{
	unsigned	  h = dir_hash(key);
	struct shard	 *s = shard_of(m, h);
	struct node	**pp, *n = NULL;

	pthread_rwlock_wrlock(&s->lock);
	for (pp = &s->b[h & (s->nb - 1)]; (n = *pp) != NULL; pp = &n->next)
		if (n->hash == h && strcmp(n->key, key) == 0) {
			*pp = n->next;
			s->n--;
			break;
		}
	pthread_rwlock_unlock(&s->lock);
	if (n != NULL) {
		entry_unref(n->e);
		free(n);
	}
}

/* Read key: its state (0 = absent) and, for ST_OK, a reference in *e. */
static int
map_get(struct map *m, const char *key, struct sg_entry **e)
{
	unsigned	 h = dir_hash(key);
	struct shard	*s = shard_of(m, h);
	struct node	*n;
	int		 state = 0;

	pthread_rwlock_rdlock(&s->lock);
	if ((n = shard_find(s, key, h)) != NULL) {
		state = n->state;
		if (e != NULL && n->e != NULL)
			*e = entry_ref(n->e);
	}
	pthread_rwlock_unlock(&s->lock);
	return state;
}

/* A new, empty table. */
struct mi_table *
mi_table_new(size_t hint)
{
	struct mi_table	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if (map_init(&t->senders, hint) == -1 ||
	    map_init(&t->domains, hint / 8) == -1) {
		mi_table_free(t);
		return NULL;
	}
	return t;
}

/* Free a table and drop its references. */
void
mi_table_free(struct mi_table *t)
{
	if (t == NULL)
		return;
	map_free(&t->senders);
	map_free(&t->domains);
	free(t);
}

/* Publish a sender's entry, or mark it failing (e == NULL). */
int
mi_put_sender(struct mi_table *t, const char *addr, struct sg_entry *e)
{
	return map_put(&t->senders, addr, e != NULL ? ST_OK : ST_FAIL, e);
}

/* Forget an address. */
void
mi_del_sender(struct mi_table *t, const char *addr)
{
	map_del(&t->senders, addr);
}

/* A primary domain is known (ok) or fails. */
int
mi_put_domain(struct mi_table *t, const char *primary, int ok)
{
	return map_put(&t->domains, primary, ok ? ST_OK : ST_FAIL, NULL);
}

/* Forget a primary domain. */
void
mi_del_domain(struct mi_table *t, const char *primary)
{
	map_del(&t->domains, primary);
}

/* Addresses in a table (the writer's view). */
size_t
mi_count(const struct mi_table *t)
{
	size_t	 i, n = 0;

	for (i = 0; i < NSHARDS; i++)
		n += t->senders.s[i].n;
	return n;
}

/* An index without a table: lookups fail until the first swap. */
struct mirror_index *
mi_new(void)
{
	struct mirror_index	*mi;

	if ((mi = calloc(1, sizeof(*mi))) == NULL)
		return NULL;
	rwlock_init(&mi->lock);
	return mi;
}

/* Free the index and its current table. */
void
mi_free(struct mirror_index *mi)
{
	if (mi == NULL)
		return;
	mi_table_free(mi->cur);
	pthread_rwlock_destroy(&mi->lock);
	free(mi);
}

/* Make t the current table; the caller frees the one returned. */
struct mi_table *
mi_swap(struct mirror_index *mi, struct mi_table *t)
{
	struct mi_table	*old;

	pthread_rwlock_wrlock(&mi->lock);
	old = mi->cur;
	mi->cur = t;
	pthread_rwlock_unlock(&mi->lock);
	return old;
}

/* The domain, then the sender: the kind, like dir_lookup. */
enum dir_kind
mi_lookup(struct mirror_index *mi, const char *addr, const char *domain,
    struct dir_answer *ans)
{
	struct sg_entry	*e = NULL;
	enum dir_kind	 ret = DIR_FAILED;
	int		 st;

	ans->entry = NULL;
	pthread_rwlock_rdlock(&mi->lock);
	if (mi->cur == NULL)
		goto out;
	if ((st = map_get(&mi->cur->domains, domain, NULL)) == 0) {
		ret = DIR_NO_DOMAIN;
		goto out;
	}
	if (st != ST_OK)
		goto out;
	if ((st = map_get(&mi->cur->senders, addr, &e)) == 0) {
		ret = DIR_NO_SENDER;
	} else if (st == ST_OK && e != NULL) {
		ans->entry = e;
		ret = DIR_SENDER;
	}
out:
	pthread_rwlock_unlock(&mi->lock);
	return ret;
}
