/*
 * counter_arena.c - replies without malloc: hiredis lets a reader build
 * its replies with functions of our own (read.h); these make the same
 * redisReply objects as its own, linked the same way, in an arena on
 * the caller's stack, so that a message's replies cost no malloc and
 * free each (some seven for the MGET of MAIL FROM). Pure: a reader and
 * memory, no socket (tests/unit/test_counter.c feeds it bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "redis/counter_int.h"

/* n octets of the arena (aligned), or of a block chained to it. */
static void *
arena_alloc(struct ctr_arena *ar, size_t n)
{
	struct ctr_arena_block *b;
	void		*p;

	n = (n + 15) & ~(size_t)15;
	if (n <= sizeof(ar->buf) - ar->used) {
		p = ar->buf + ar->used;
		ar->used += n;
		return p;
	}
	if ((b = malloc(sizeof(*b) + n)) == NULL)
		return NULL;		/* hiredis: "Out of memory" */
	b->next = ar->more;
	ar->more = b;
	return b + 1;
}

/* A reply object of type with extra octets after it, linked to its parent. */
static redisReply *
arena_reply(const redisReadTask *task, int type, size_t extra)
{
	redisReply	*r, *parent;

	if (task->privdata == NULL ||
	    (r = arena_alloc(task->privdata, sizeof(*r) + extra)) == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->type = type;
	if (task->parent != NULL) {
		parent = task->parent->obj;
		parent->element[task->idx] = r;
	}
	return r;
}

/* The reader's functions, writing into the arena in task->privdata. */
static void *
arena_string(const redisReadTask *task, char *str, size_t len)
{
	redisReply	*r;

	if ((r = arena_reply(task, task->type, len + 1)) == NULL)
		return NULL;
	r->str = (char *)(r + 1);
	memcpy(r->str, str, len);
	r->str[len] = '\0';
	r->len = len;
	return r;
}

static void *
arena_array(const redisReadTask *task, int elements)
{
	redisReply	*r;
	size_t		 n = elements > 0 ? (size_t)elements : 0;

	if ((r = arena_reply(task, REDIS_REPLY_ARRAY, n *
	    sizeof(redisReply *))) == NULL)
		return NULL;
	r->elements = n;
	if (n > 0) {
		r->element = (redisReply **)(r + 1);
		memset(r->element, 0, n * sizeof(redisReply *));
	}
	return r;
}

static void *
arena_integer(const redisReadTask *task, long long v)
{
	redisReply	*r;

	if ((r = arena_reply(task, REDIS_REPLY_INTEGER, 0)) == NULL)
		return NULL;
	r->integer = v;
	return r;
}

static void *
arena_nil(const redisReadTask *task)
{
	return arena_reply(task, REDIS_REPLY_NIL, 0);
}

/* Nothing: the arena's owner releases it all. */
static void
arena_free(void *reply)
{
	(void)reply;
}

static redisReplyObjectFunctions arena_fn = {
	arena_string, arena_array, arena_integer, arena_nil, arena_free
};

/* Free the blocks chained to an arena, and empty it for another use. */
void
ctr_arena_release(struct ctr_arena *ar)
{
	struct ctr_arena_block *b;

	while ((b = ar->more) != NULL) {
		ar->more = b->next;
		free(b);
	}
	ar->used = 0;
}

/* Point r's reply functions at ar; what r had goes to *prev. */
void
ctr_arena_attach(redisReader *r, struct ctr_arena *ar,
    struct ctr_arena_prev *prev)
{
	prev->fn = r->fn;
	prev->privdata = r->privdata;
	r->fn = &arena_fn;
	r->privdata = ar;
}

/*
 * Give r its functions back. When it holds a part of a reply (an error
 * in the middle of one), that part is in the arena: ours stay, to free
 * it (nothing to do) when r is freed, and make nothing more.
 */
void
ctr_arena_detach(redisReader *r, const struct ctr_arena_prev *prev)
{
	if (r->reply != NULL) {
		r->privdata = NULL;
		return;
	}
	r->fn = prev->fn;
	r->privdata = prev->privdata;
}
