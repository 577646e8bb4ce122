/*
 * counter_record.c - reading the record of messages the relay accepted
 * (written by the counting script at end of message) for suppress learn:
 * a bounce is learned only when it matches one.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "lib/log.h"
#include "redis/counter_int.h"

/* Append the entries of one record list (LRANGE) to e; 0 or -1. */
static int
record_list(struct counters *ct, const char *rkey, struct ctr_entries *e)
{
	const char	*argv[4] = { "LRANGE", rkey, "0", "-1" };
	redisReply	*r;
	char		**v;
	size_t		*len, i;
	int		 ret = -1;

	if ((r = ctr_command(ct, 4, argv, 1)) == NULL)
		return -1;
	if (r->type != REDIS_REPLY_ARRAY) {
		log_warnx("redis LRANGE %s: %s", rkey,
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		goto out;
	}
	if (r->elements == 0) {
		ret = 0;
		goto out;
	}
	if ((v = reallocarray(e->v, e->n + r->elements, sizeof(*v))) == NULL)
		goto out;
	e->v = v;
	if ((len = reallocarray(e->len, e->n + r->elements, sizeof(*len))) ==
	    NULL)
		goto out;
	e->len = len;
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;	/* not an entry: ignored */
		if ((e->v[e->n] = malloc(r->element[i]->len + 1)) == NULL)
			goto out;
		memcpy(e->v[e->n], r->element[i]->str, r->element[i]->len);
		e->v[e->n][r->element[i]->len] = '\0';
		e->len[e->n++] = r->element[i]->len;
	}
	ret = 0;
out:
	freeReplyObject(r);
	return ret;
}

/* The record of a message: by Message-ID, then by queue id. */
int
ctr_record_read(struct counters *ct, const char *primary, const char *sender,
    const char *msgid_hash, const char *qid, struct ctr_entries *e)
{
	char	 rkey[SG_KEY_MAX + SG_MSGID_HASH_LEN + 64];

	memset(e, 0, sizeof(*e));
	if (msgid_hash != NULL && msgid_hash[0] != '\0' &&
	    (ctr_record_key(ct->prefix, primary, sender, msgid_hash, NULL,
	    rkey, sizeof(rkey)) == -1 || record_list(ct, rkey, e) == -1))
		return -1;
	if (qid != NULL && qid[0] != '\0' &&
	    (ctr_record_key(ct->prefix, primary, sender, NULL, qid, rkey,
	    sizeof(rkey)) == -1 || record_list(ct, rkey, e) == -1))
		return -1;
	return 0;
}

/* Free what ctr_record_read kept. */
void
ctr_entries_free(struct ctr_entries *e)
{
	size_t	 i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	free(e->len);
	memset(e, 0, sizeof(*e));
}
